"""The order book and Binance's sync procedure, as pure logic (no I/O)."""
import threading
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from binance import depthcache
from binance.depthcache import DepthCache, DepthCacheSync

S = DepthCacheSync


def book_of(cache):
    """The cache as two exact {Decimal price: Decimal qty} dicts."""
    exact = DepthCache(cache.symbol, conv_type=Decimal)
    exact._bids, exact._asks = cache._bids, cache._asks
    return dict(map(tuple, exact.get_bids())), dict(map(tuple, exact.get_asks()))


def event(first, last, bids=(), asks=(), time=None):
    return {'e': 'depthUpdate', 'E': time if time is not None else 1000 + last, 's': 'BNBBTC',
            'U': first, 'u': last, 'b': [list(b) for b in bids], 'a': [list(a) for a in asks]}


def snapshot(last_id, bids=(), asks=()):
    return {'lastUpdateId': last_id, 'bids': [list(b) for b in bids],
            'asks': [list(a) for a in asks]}


# -- DepthCache -------------------------------------------------------------

def test_bids_highest_first_asks_lowest_first_as_floats():
    """get_bids is best (highest) first, get_asks lowest first, as [[float, float]]."""
    dc = DepthCache('BNBBTC')
    for price in ('0.0010', '0.0030', '0.0020'):
        dc.add_bid([price, '1.5'])
    for price in ('0.0050', '0.0040', '0.0060'):
        dc.add_ask([price, '2'])
    assert dc.get_bids() == [[0.003, 1.5], [0.002, 1.5], [0.001, 1.5]]
    assert dc.get_asks() == [[0.004, 2.0], [0.005, 2.0], [0.006, 2.0]]
    assert all(type(v) is float for level in dc.get_bids() + dc.get_asks() for v in level)
    assert dc.symbol == 'BNBBTC' and dc.update_time is None


def test_zero_quantity_removes_level_and_unknown_zero_is_noop():
    """A quantity of zero removes the level; removing an absent level changes nothing."""
    dc = DepthCache('BNBBTC')
    dc.add_bid(['1.0', '3'])
    dc.add_bid(['2.0', '4'])
    dc.add_bid(['1.00000000', '0.00000000'])
    dc.add_ask(['9.0', '0'])
    assert dc.get_bids() == [[2.0, 4.0]]
    assert dc.get_asks() == []


def test_levels_are_keyed_by_price_value():
    """'0.0010' and '0.00100000' are the same level: the later quantity replaces the earlier."""
    dc = DepthCache('BNBBTC', conv_type=Decimal)
    dc.add_ask(['0.0010', '1'])
    dc.add_ask(['0.00100000', '2.50000000'])
    assert dc.get_asks() == [[Decimal('0.001'), Decimal('2.5')]]


def test_limit_returns_best_levels_only():
    """limit=N returns the N best levels of each side; 0 returns none; None returns all."""
    dc = DepthCache('X')
    for i in range(1, 11):
        dc.add_bid([str(i), '1'])
        dc.add_ask([str(100 + i), '1'])
    assert [p for p, _ in dc.get_bids(limit=3)] == [10.0, 9.0, 8.0]
    assert [p for p, _ in dc.get_asks(limit=3)] == [101.0, 102.0, 103.0]
    assert dc.get_bids(limit=0) == [] and len(dc.get_asks(limit=50)) == 10
    assert len(dc.get_bids()) == 10


@pytest.mark.parametrize('limit, exc', [(-1, ValueError), (2.0, TypeError), ('5', TypeError),
                                        (True, TypeError)])
def test_bad_limit_rejected(limit, exc):
    """A negative or non-int limit raises, naming the argument."""
    with pytest.raises(exc, match='limit'):
        DepthCache('X').get_bids(limit=limit)


def test_conv_type_decimal_and_str_give_exact_values():
    """conv_type=Decimal returns exact prices; conv_type=str returns Binance's strings."""
    dc = DepthCache('X', conv_type=Decimal)
    dc.add_bid(['0.10000001', '123456789.12345678'])
    assert dc.get_bids() == [[Decimal('0.10000001'), Decimal('123456789.12345678')]]
    dc.conv_type = str
    assert dc.get_bids() == [['0.10000001', '123456789.12345678']]


@pytest.mark.parametrize('level, exc', [
    (['abc', '1'], ValueError), (['1', '-2'], ValueError), (['NaN', '1'], ValueError),
    (['1', 'Infinity'], ValueError), (['1'], ValueError), ([None, '1'], TypeError),
    (['-0', '1'], ValueError), (['1', b'2'], TypeError)])
def test_malformed_levels_rejected(level, exc):
    """A non-numeric, negative, NaN/infinite or incomplete level raises and adds nothing."""
    dc = DepthCache('X')
    with pytest.raises(exc):
        dc.add_bid(level)
    assert dc.get_bids() == []


def test_apply_snapshot_replaces_every_level():
    """apply_snapshot leaves no level of the previous book and records lastUpdateId."""
    dc = DepthCache('X')
    dc.apply_diff(event(1, 1, bids=[('5', '1')], asks=[('7', '1')]))
    dc.apply_snapshot(snapshot(42, bids=[('4', '2'), ('3', '0')], asks=[('8', '1')]))
    assert dc.get_bids() == [[4.0, 2.0]] and dc.get_asks() == [[8.0, 1.0]]
    assert dc.last_update_id == 42 and dc.update_time is None


def test_apply_diff_sets_update_time_and_is_all_or_nothing():
    """apply_diff sets update_time from E; a malformed level leaves the book unchanged."""
    dc = DepthCache('X')
    dc.apply_diff(event(1, 2, bids=[('1', '1')], time=1234))
    assert dc.update_time == 1234 and dc.last_update_id == 2
    with pytest.raises(ValueError):
        dc.apply_diff(event(3, 3, bids=[('2', '1'), ('bad', '1')], time=99))
    assert dc.get_bids() == [[1.0, 1.0]] and dc.update_time == 1234


def test_clear_empties_the_book():
    """clear() removes every level and resets update_time and last_update_id."""
    dc = DepthCache('X')
    dc.apply_diff(event(1, 2, bids=[('1', '1')], asks=[('2', '1')]))
    dc.clear()
    assert (dc.get_bids(), dc.get_asks()) == ([], [])
    assert dc.update_time is None and dc.last_update_id is None


def test_sort_depth_compat_helper():
    """sort_depth turns a {price: qty} mapping into sorted float pairs, as the original did."""
    assert DepthCache.sort_depth({'2': '1', '1': '3'}) == [[1.0, 3.0], [2.0, 1.0]]
    assert DepthCache.sort_depth({'2': '1', '1': '3'}, reverse=True)[0] == [2.0, 1.0]


def test_reads_while_another_thread_writes_never_raise():
    """Reading from a user thread while the book is updated and cleared does not raise."""
    dc = DepthCache('X')
    stop = threading.Event()
    errors = []

    def reader():
        try:
            while not stop.is_set():
                for level in dc.get_bids(limit=20) + dc.get_asks():
                    assert level[1] > 0
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    thread = threading.Thread(target=reader)
    thread.start()
    for i in range(3000):
        dc.add_bid([str(i % 50), str(i % 3)])
        dc.add_ask([str(100 + i % 50), str(i % 4)])
        if i % 500 == 0:
            dc.clear()
    stop.set()
    thread.join()
    assert errors == []


@pytest.mark.parametrize('zero', ['0', '0.0', '0.00000000', '.0', '0.', '00', '0E-8', '0e+5',
                                  ' 0 '])
def test_every_form_of_zero_removes_the_level(zero):
    """Any decimal zero quantity (Binance's '0.00000000', '0', '0E-8' ...) removes the level."""
    dc = DepthCache('X')
    dc.apply_snapshot(snapshot(1, bids=[('1.5', '2'), ('1.4', '3')], asks=[('1.6', '1')]))
    dc.apply_diff(event(2, 2, bids=[('1.50000000', zero)], asks=[('1.6', zero)]))
    assert dc.get_bids() == [[1.4, 3.0]] and dc.get_asks() == []


@pytest.mark.parametrize('qty', ['-0', '-0.0', '-1', 'NaN', 'inf', '0x1', '', '.', '1.2.3', '1,5',
                                 b'1', bytearray(b'0'), 1.5j, None])
def test_negative_zero_and_non_decimal_quantities_rejected_book_unchanged(qty):
    """'-0', negatives, NaN/inf, bytes and non-decimals raise ValueError; nothing changes."""
    dc = DepthCache('X', conv_type=str)
    dc.apply_snapshot(snapshot(1, bids=[('1.5', '2'), ('1.3', '1')]))
    with pytest.raises(ValueError):
        dc.apply_diff(event(2, 2, bids=[('1.5', '7'), ('1.4', '1'), ('1.3', qty)], time=5))
    assert dc.get_bids() == [['1.5', '2'], ['1.3', '1']] and dc.update_time is None


def test_tiny_and_float_quantities_keep_their_exact_value():
    """'1e-400' is not zero, and a float quantity is taken by its repr, for a known price too."""
    dc = DepthCache('X', conv_type=Decimal)
    dc.apply_snapshot(snapshot(1, bids=[('1.5', '2'), ('1.3', '1')]))
    dc.apply_diff(event(2, 2, bids=[('1.5', '1e-400'), ('1.3', 0.3)]))
    assert dc.get_bids() == [[Decimal('1.5'), Decimal('1e-400')], [Decimal('1.3'), Decimal('0.3')]]


def test_other_decimal_forms_and_numbers_are_kept_exactly():
    """'1e-3', ' 2 ', '1_000', ints and floats (by repr) are stored as their exact value."""
    dc = DepthCache('X', conv_type=Decimal)
    dc.add_bid(['1', '1e-3'])
    dc.add_bid(['2', ' 2 '])
    dc.add_bid(['3', '1_000'])
    dc.add_bid([4, 7])
    dc.add_bid([0.1, 0.3])
    assert dc.get_bids() == [[Decimal(4), Decimal(7)], [Decimal(3), Decimal(1000)],
                             [Decimal(2), Decimal(2)], [Decimal(1), Decimal('0.001')],
                             [Decimal('0.1'), Decimal('0.3')]]
    dc.conv_type = float
    assert dc.get_bids()[-2:] == [[1.0, 0.001], [0.1, 0.3]]


def test_failed_event_takes_back_every_change_already_made():
    """A bad level late in an event restores updated, removed and added levels on both sides."""
    dc = DepthCache('X', conv_type=str)
    dc.apply_snapshot(snapshot(1, bids=[('1.00', '1'), ('0.90', '2')], asks=[('1.10', '3')]))
    before = (dc.get_bids(), dc.get_asks())
    bad = event(2, 2, bids=[('1.00', '5'), ('0.90', '0'), ('0.80', '4'), ('0.90', '6')],
                asks=[('1.10', '0.00000000'), ('1.20', '1'), ('1.20', '2'), ('1.30', None)])
    with pytest.raises(ValueError, match='ask quantity'):
        dc.apply_diff(bad)
    assert (dc.get_bids(), dc.get_asks()) == before and dc.last_update_id == 1
    dc.conv_type = float
    assert dc.get_bids() == [[1.0, 1.0], [0.9, 2.0]] and dc.get_asks() == [[1.1, 3.0]]
    bad['a'][-1][1] = '1'
    dc.apply_diff(bad)
    assert dc.get_bids() == [[1.0, 5.0], [0.9, 6.0], [0.8, 4.0]]
    assert dc.get_asks() == [[1.2, 2.0], [1.3, 1.0]]


def test_prices_beyond_float_precision_stay_distinct_and_ordered():
    """Prices equal as floats ('0.1' and '0.1000...01') stay separate levels, in exact order."""
    near = '0.10000000000000000001'
    dc = DepthCache('X', conv_type=Decimal)
    dc.apply_snapshot(snapshot(1, bids=[('0.1', '1'), ('0.09', '1')], asks=[('0.2', '1')]))
    dc.apply_diff(event(2, 2, bids=[('0.09', '2'), (near, '3')], asks=[('0.2', '5'), (near, '4')]))
    assert dc.get_bids() == [[Decimal(near), 3], [Decimal('0.1'), 1], [Decimal('0.09'), 2]]
    assert dc.get_asks() == [[Decimal(near), 4], [Decimal('0.2'), 5]]
    dc.apply_diff(event(3, 3, bids=[('0.1', '0')], asks=[('0.20000000', '0')]))
    assert dc.get_bids() == [[Decimal(near), 3], [Decimal('0.09'), 2]]
    dc.apply_snapshot(snapshot(4, asks=[(near, '1'), ('0.1', '2'), ('1E-400', '3')]))
    assert [p for p, _ in dc.get_asks()] == [Decimal('1E-400'), Decimal('0.1'), Decimal(near)]
    long_prices = ['0.1' + '0' * 30 + '1', '0.1' + '0' * 30 + '2']    # beyond 28 digits
    dc.apply_diff(event(5, 5, bids=[(p, '1') for p in long_prices],
                        asks=[(p, '1') for p in long_prices]))
    assert [p for p, _ in dc.get_bids()] == [Decimal(p) for p in reversed(long_prices)]
    assert [p for p, _ in dc.get_asks()][2:4] == [Decimal(p) for p in long_prices]


def test_small_price_cache_still_gives_the_right_book(monkeypatch):
    """When the price-text cache overflows and is emptied, levels keep their identity."""
    monkeypatch.setattr(depthcache, '_PRICE_CACHE_MAX', 3)
    dc = DepthCache('X', conv_type=str)
    for i in range(20):
        dc.apply_diff(event(i, i, bids=[(str(i % 7), str(i)), ('%d.0' % ((i + 3) % 7), '0')]))
    expected = {}
    for i in range(20):
        expected[i % 7] = str(i)
        expected.pop((i + 3) % 7, None)
    assert dc.get_bids() == [[str(p), q] for p, q in sorted(expected.items(), reverse=True)]


# -- DepthCacheSync ---------------------------------------------------------

def test_events_buffered_until_snapshot_then_replayed():
    """Events before the snapshot are buffered; after it, those with u <= L are dropped."""
    dc = DepthCache('X')
    sync = DepthCacheSync(dc)
    assert sync.on_event(event(10, 12, bids=[('1', '1')])) == S.BUFFERED
    assert sync.on_event(event(13, 15, bids=[('2', '1')])) == S.BUFFERED
    assert dc.get_bids() == []
    assert sync.on_snapshot(snapshot(13, bids=[('1', '1'), ('3', '1')])) == S.APPLIED
    assert dc.get_bids() == [[3.0, 1.0], [2.0, 1.0], [1.0, 1.0]]
    assert sync.last_update_id == 15 == dc.last_update_id


def test_snapshot_newer_than_buffer_is_book_until_next_event():
    """A snapshot newer than every buffered event becomes the book (SYNCED) as it is."""
    dc = DepthCache('X')
    sync = DepthCacheSync(dc)
    sync.on_event(event(10, 12, bids=[('1', '1')]))
    assert sync.on_snapshot(snapshot(20, bids=[('5', '1')])) == S.SYNCED
    assert dc.get_bids() == [[5.0, 1.0]]
    assert sync.on_event(event(19, 20, bids=[('6', '1')])) == S.IGNORED
    assert sync.on_event(event(20, 22, bids=[('7', '1')])) == S.APPLIED
    assert dc.get_bids() == [[7.0, 1.0], [5.0, 1.0]]


def test_stale_snapshot_keeps_buffer_and_asks_for_another():
    """A snapshot older than the first buffered event is refused and the buffer kept."""
    dc = DepthCache('X')
    sync = DepthCacheSync(dc)
    sync.on_event(event(10, 12, bids=[('1', '1')]))
    sync.on_event(event(13, 13, bids=[('2', '1')]))
    assert sync.on_snapshot(snapshot(5, bids=[('9', '1')])) == S.STALE_SNAPSHOT
    assert dc.get_bids() == [] and sync.waiting_for_snapshot and sync.buffered == 2
    assert sync.retry_delay == 0.5
    assert sync.on_snapshot(snapshot(11, bids=[('9', '1')])) == S.APPLIED
    assert dc.get_bids() == [[9.0, 1.0], [2.0, 1.0], [1.0, 1.0]]
    assert sync.retry_delay == 0


def test_first_event_must_span_snapshot_id():
    """After a snapshot the first event must have U <= L+1 <= u, else resync."""
    dc = DepthCache('X')
    sync = DepthCacheSync(dc)
    sync.on_snapshot(snapshot(100, bids=[('1', '1')]))
    assert sync.on_event(event(103, 105)) == S.RESYNC
    assert dc.get_bids() == [] and sync.waiting_for_snapshot


def test_gap_after_sync_clears_book_and_keeps_event_for_next_snapshot():
    """A U that is not previous u + 1 clears the book at once; the event is buffered."""
    dc = DepthCache('X')
    sync = DepthCacheSync(dc)
    sync.on_snapshot(snapshot(100, bids=[('1', '1')], asks=[('5', '1')]))
    assert sync.on_event(event(101, 102, asks=[('6', '1')])) == S.APPLIED
    assert sync.on_event(event(104, 104, bids=[('2', '1')])) == S.RESYNC
    assert dc.get_bids() == [] and dc.get_asks() == [] and sync.buffered == 1
    assert sync.on_snapshot(snapshot(103, bids=[('0.5', '1')])) == S.APPLIED
    assert dc.get_bids() == [[2.0, 1.0], [0.5, 1.0]] and dc.get_asks() == []


def test_overlapping_event_after_sync_is_a_gap():
    """Once linked, an event overlapping the book's id (U <= id < u) forces a resync."""
    dc = DepthCache('X')
    sync = DepthCacheSync(dc)
    sync.on_snapshot(snapshot(100))
    assert sync.on_event(event(99, 102)) == S.APPLIED
    assert sync.on_event(event(102, 104)) == S.RESYNC


def test_duplicates_and_old_events_ignored():
    """Events with u <= the book's id leave the book unchanged."""
    dc = DepthCache('X')
    sync = DepthCacheSync(dc)
    sync.on_snapshot(snapshot(100, bids=[('1', '1')]))
    ev = event(101, 103, bids=[('2', '1')])
    assert sync.on_event(ev) == S.APPLIED
    before = book_of(dc)
    assert sync.on_event(ev) == S.IGNORED
    assert sync.on_event(event(90, 95, bids=[('3', '1')])) == S.IGNORED
    assert book_of(dc) == before and sync.last_update_id == 103


def test_backoff_grows_caps_and_resets_after_sync():
    """Consecutive resyncs wait 0.5, 1, 2 ... up to 30 s; a linked event resets it to 0."""
    dc = DepthCache('X')
    sync = DepthCacheSync(dc)
    delays = []
    for _ in range(9):
        sync.on_snapshot(snapshot(100))
        assert sync.on_event(event(200, 201)) == S.RESYNC
        delays.append(sync.retry_delay)
        sync.restart()
    assert delays == [0.5, 1, 2, 4, 8, 16, 30, 30, 30]
    sync.note_failure()
    assert sync.retry_delay == 30
    sync.on_snapshot(snapshot(100))
    assert sync.retry_delay == 30        # a snapshot alone is not yet a successful sync
    assert sync.on_event(event(101, 101)) == S.APPLIED
    assert sync.retry_delay == 0
    assert sync.on_event(event(105, 105)) == S.RESYNC and sync.retry_delay == 0.5


def test_malformed_levels_in_event_force_resync():
    """An event whose levels cannot be parsed cannot be skipped: the book is cleared."""
    dc = DepthCache('X')
    sync = DepthCacheSync(dc)
    sync.on_snapshot(snapshot(100, bids=[('1', '1')]))
    assert sync.on_event(event(101, 101, bids=[('oops', '1')])) == S.RESYNC
    assert dc.get_bids() == [] and sync.buffered == 0


def test_event_without_ids_raises_and_changes_nothing():
    """An event without integer U/u raises ValueError and leaves the state unchanged."""
    dc = DepthCache('X')
    sync = DepthCacheSync(dc)
    sync.on_snapshot(snapshot(100, bids=[('1', '1')]))
    with pytest.raises(ValueError, match='U and u'):
        sync.on_event({'e': 'depthUpdate', 'b': [['2', '1']], 'a': []})
    with pytest.raises(ValueError, match='U > u'):
        sync.on_event(event(105, 101))
    assert dc.get_bids() == [[1.0, 1.0]] and sync.last_update_id == 100


def test_restart_keeps_book_readable_until_new_snapshot_replaces_it():
    """restart() (refresh) buffers events and the next snapshot replaces every level."""
    dc = DepthCache('X')
    sync = DepthCacheSync(dc)
    sync.on_snapshot(snapshot(100, bids=[('1', '1'), ('2', '1')]))
    sync.restart()
    assert dc.get_bids() == [[2.0, 1.0], [1.0, 1.0]]
    assert sync.on_event(event(101, 101, bids=[('3', '1')])) == S.BUFFERED
    assert sync.on_snapshot(snapshot(101, bids=[('3', '1')])) == S.SYNCED
    assert dc.get_bids() == [[3.0, 1.0]]


def test_snapshot_while_synced_is_an_error():
    """A snapshot is accepted only while waiting for one."""
    sync = DepthCacheSync(DepthCache('X'))
    sync.on_snapshot(snapshot(1))
    with pytest.raises(RuntimeError):
        sync.on_snapshot(snapshot(2))


# -- property tests -----------------------------------------------------------

TICK = Decimal('0.00000100')


def fmt(value, short):
    """Binance-style 8-decimal string, or a shorter equal form."""
    text = '{:.8f}'.format(value)
    return text.rstrip('0').rstrip('.') or '0' if short else text


level_change = st.tuples(st.sampled_from('ba'), st.integers(1, 25),
                         st.one_of(st.just(0), st.just(0), st.integers(1, 10 ** 6)),
                         st.booleans())
update = st.lists(level_change, min_size=1, max_size=4)           # one update id
event_updates = st.lists(update, min_size=1, max_size=3)          # one event: U..u


class Timeline:
    """A reference book per update id, and the diff events Binance would send."""

    def __init__(self, initial, events_updates, base_id=1000):
        self.books = {base_id: ({}, {})}
        bids, asks = {}, {}
        for side, tick, qty, _ in initial:
            (bids if side == 'b' else asks)[tick] = Decimal(qty) / 1000
        bids = {k: v for k, v in bids.items() if v}
        asks = {k: v for k, v in asks.items() if v}
        self.books[base_id] = (bids, asks)
        self.events = []
        current = base_id
        for updates in events_updates:
            first = current + 1
            changed = {}
            for changes in updates:
                bids, asks = dict(self.books[current][0]), dict(self.books[current][1])
                for side, tick, qty, short in changes:
                    book = bids if side == 'b' else asks
                    amount = Decimal(qty) / 1000
                    if amount:
                        book[tick] = amount
                    else:
                        book.pop(tick, None)
                    changed[(side, tick)] = (amount, short)
                current += 1
                self.books[current] = (bids, asks)
            levels = {'b': [], 'a': []}
            for (side, tick), (amount, short) in changed.items():
                levels[side].append([fmt(tick * TICK, short), fmt(amount, short)])
            self.events.append(event(first, current, levels['b'], levels['a']))
        self.last_id = current

    def exact(self, update_id):
        bids, asks = self.books[update_id]
        return ({tick * TICK: q for tick, q in bids.items()},
                {tick * TICK: q for tick, q in asks.items()})

    def snapshot(self, update_id):
        bids, asks = self.exact(update_id)
        def levels(side):
            return [('{:.8f}'.format(p), '{:.8f}'.format(q)) for p, q in side.items()]
        return snapshot(update_id, levels(bids), levels(asks))


def assert_consistent(dc, sync, timeline):
    """A synced book equals the reference at its id, and both sides are ordered."""
    bids, asks = dc.get_bids(), dc.get_asks()
    assert [p for p, _ in bids] == sorted((p for p, _ in bids), reverse=True)
    assert [p for p, _ in asks] == sorted(p for p, _ in asks)
    if sync.last_update_id is not None:
        assert book_of(dc) == timeline.exact(sync.last_update_id)


@settings(max_examples=75, deadline=None)
@given(initial=st.lists(level_change, max_size=12),
       updates=st.lists(event_updates, min_size=1, max_size=25), data=st.data())
def test_property_cache_equals_reference_after_every_event(initial, updates, data):
    """Buffer, snapshot at any id (even inside an event), replay: equals the reference each step."""
    timeline = Timeline(initial, updates)
    events = timeline.events
    start = data.draw(st.integers(0, len(events) - 1), label='first delivered event')
    buffered = data.draw(st.integers(0, len(events) - start), label='events before snapshot')
    lowest = events[start]['U'] - 1
    highest = events[start + buffered - 1]['u'] if buffered else lowest
    snap_id = data.draw(st.integers(lowest, highest), label='snapshot id')
    dc = DepthCache('BNBBTC', conv_type=Decimal)
    sync = DepthCacheSync(dc)
    for ev in events[start:start + buffered]:
        assert sync.on_event(ev) == S.BUFFERED
    assert sync.on_snapshot(timeline.snapshot(snap_id)) in (S.SYNCED, S.APPLIED)
    assert_consistent(dc, sync, timeline)
    for ev in events[start + buffered:]:
        assert sync.on_event(ev) in (S.APPLIED, S.IGNORED)
        assert_consistent(dc, sync, timeline)
        assert sync.last_update_id == ev['u']
    assert book_of(dc) == timeline.exact(timeline.last_id)


fault = st.sampled_from(['ok', 'ok', 'ok', 'drop', 'duplicate', 'swap', 'old'])


@settings(max_examples=75, deadline=None)
@given(initial=st.lists(level_change, max_size=12),
       updates=st.lists(event_updates, min_size=2, max_size=25),
       faults=st.lists(fault, min_size=25, max_size=25))
def test_property_faults_force_clean_resync_and_recovery(initial, updates, faults):
    """Gaps, duplicates, reorders and old events: never a wrong book, clean on resync, recovers."""
    timeline = Timeline(initial, updates)
    events = list(timeline.events)
    delivered, i = [], 0
    while i < len(events) - 1:         # the last event is always delivered cleanly
        kind = faults[i]
        if kind == 'drop':
            i += 1
            continue
        if kind == 'swap' and i + 2 < len(events):
            delivered += [events[i + 1], events[i]]
            i += 2
            continue
        delivered.append(events[i])
        if kind == 'duplicate':
            delivered.append(events[i])
        elif kind == 'old' and i > 0:
            delivered.append(events[i - 1])
        i += 1
    delivered.append(events[-1])
    dc = DepthCache('BNBBTC', conv_type=Decimal)
    sync = DepthCacheSync(dc)
    exchange_id = min(timeline.books)
    for ev in delivered:
        exchange_id = max(exchange_id, ev['u'])   # the exchange is at least this far
        result = sync.on_event(ev)
        if result == S.RESYNC:
            assert dc.get_bids() == [] and dc.get_asks() == [], 'stale level survived a resync'
        assert_consistent(dc, sync, timeline)
        if sync.waiting_for_snapshot:
            assert sync.on_snapshot(timeline.snapshot(exchange_id)) in (S.SYNCED, S.APPLIED)
            assert_consistent(dc, sync, timeline)
    assert sync.last_update_id == timeline.last_id
    assert book_of(dc) == timeline.exact(timeline.last_id)


def decimal_text(value, style):
    """One of the ways a decimal can be written: plain, zero-padded or with an exponent."""
    plain = '{:f}'.format(value)
    if style == 'padded':
        return plain + ('000' if '.' in plain else '.000')
    if style == 'exponent':
        return '{:E}'.format(value)
    return plain


BAD_QUANTITIES = ['-1', '-0', 'abc', None, 'NaN', '1..2']


def levels_strategy(pool):
    """Levels at prices of ``pool``, in any text form; about one in 25 has a bad quantity."""
    style = st.sampled_from(['plain', 'plain', 'padded', 'exponent'])
    qty = st.one_of(st.just(Decimal(0)), st.builds(lambda n, e: Decimal(n).scaleb(-e),
                                                   st.integers(1, 10 ** 12), st.integers(0, 10)))
    level = st.tuples(st.sampled_from(pool), style, qty, style, st.integers(0, 24),
                      st.sampled_from(BAD_QUANTITIES))
    return st.lists(level.map(lambda t: [decimal_text(t[0], t[1]),
                                         decimal_text(t[2], t[3]) if t[4] else t[5]]),
                    max_size=5)


@settings(max_examples=40, deadline=None)
@given(pool=st.lists(st.builds(lambda n, e: Decimal(n).scaleb(-e), st.integers(0, 10 ** 20),
                               st.integers(0, 22)), min_size=1, max_size=8), data=st.data())
def test_property_any_decimal_prices_match_an_exact_reference(pool, data):
    """Prices of any precision, quantities in any decimal form, bad levels: an exact book."""
    pool += [p + Decimal('1E-25') for p in pool[:2]]     # equal as floats, not as decimals
    dc = DepthCache('X', conv_type=Decimal)
    reference = ({}, {})
    for update_id in range(1, 11):
        bids, asks = data.draw(levels_strategy(pool)), data.draw(levels_strategy(pool))
        malformed = any(q in BAD_QUANTITIES for _, q in bids + asks)
        if malformed:
            with pytest.raises(ValueError):
                dc.apply_diff(event(update_id, update_id, bids, asks))
        else:
            dc.apply_diff(event(update_id, update_id, bids, asks))
            for book, levels in zip(reference, (bids, asks)):
                for price, qty in levels:
                    if Decimal(qty):
                        book[Decimal(price)] = Decimal(qty)
                    else:
                        book.pop(Decimal(price), None)
        dc.conv_type = Decimal
        assert dc.get_bids() == sorted(map(list, reference[0].items()), reverse=True)
        assert dc.get_asks() == sorted(map(list, reference[1].items()))
        dc.conv_type = float
        assert dc.get_bids(limit=3) == [[float(p), float(q)] for p, q in
                                        sorted(reference[0].items(), reverse=True)[:3]]
