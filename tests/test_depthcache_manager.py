"""DepthCacheManager with a fake socket manager, a fake client and a Clock-driven reactor."""
import logging
import threading
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from twisted.internet.task import Clock

from binance.depthcache import DepthCache, DepthCacheManager
from binance.exceptions import BinanceRequestException
from binance.testing.reactor import ThreadedFakeReactor


FakeReactor = ThreadedFakeReactor


class FakeBM:
    """Records the sockets opened on it; ``send`` delivers a message to a socket's callback."""

    def __init__(self, started=True):
        self.sockets = {}
        self.stopped = []
        self.started = started
        self.closed = False
        self.watchers = {}

    def add_stop_listener(self, key, listener, *, callback=None):
        if self.sockets.get(key) != callback:
            return False
        self.watchers.setdefault(key, []).append(listener)
        return True

    def _tell(self, key):
        for listener in self.watchers.pop(key, []):
            listener()

    def start_depth_socket(self, symbol, callback, depth=None):
        key = symbol.lower() + '@depth'
        if key in self.sockets:
            return False
        self.sockets[key] = callback
        return key

    def stop_socket(self, key):
        self.stopped.append(key)
        self.sockets.pop(key, None)
        self._tell(key)

    def is_alive(self):
        return self.started

    def start(self):
        self.started = True

    def close(self):
        self.closed = True
        for key in list(self.sockets):
            self._tell(key)
        self.sockets.clear()

    def send(self, key, msg):
        self.sockets[key](msg)


class FakeExchange:
    """A book with update ids; makes diff events and answers get_order_book."""

    def __init__(self, symbol='BNBBTC', last_id=100):
        self.symbol = symbol
        self.last_id = last_id
        self.bids = {'0.0010': '1.0', '0.0009': '2.0'}
        self.asks = {'0.0011': '1.5'}
        self.calls = []
        self.failures = []          # exceptions raised by the next requests, in order
        self.lag = 0                # answer snapshots this many ids in the past
        self._history = {}
        self._remember()

    def _remember(self):
        self._history[self.last_id] = (dict(self.bids), dict(self.asks))

    def change(self, bids=(), asks=(), ids=1):
        first = self.last_id + 1
        for price, qty in bids:
            self._set(self.bids, price, qty)
        for price, qty in asks:
            self._set(self.asks, price, qty)
        self.last_id += ids
        self._remember()
        return {'e': 'depthUpdate', 'E': 1600000000000 + self.last_id, 's': self.symbol,
                'U': first, 'u': self.last_id, 'b': [list(b) for b in bids],
                'a': [list(a) for a in asks]}

    @staticmethod
    def _set(book, price, qty):
        if float(qty):
            book[price] = qty
        else:
            book.pop(price, None)

    def get_order_book(self, **params):
        self.calls.append((params, threading.current_thread()))
        if self.failures:
            raise self.failures.pop(0)
        last_id = max(i for i in self._history if i <= self.last_id - self.lag)
        bids, asks = self._history[last_id]
        return {'lastUpdateId': last_id,
                'bids': sorted(([p, q] for p, q in bids.items()), key=lambda l: -float(l[0])),
                'asks': sorted(([p, q] for p, q in asks.items()), key=lambda l: float(l[0]))}

    def expected(self):
        bids = sorted(((float(p), float(q)) for p, q in self.bids.items()), reverse=True)
        asks = sorted((float(p), float(q)) for p, q in self.asks.items())
        return [list(b) for b in bids], [list(a) for a in asks]


@pytest.fixture
def reactor():
    fake = FakeReactor()
    yield fake
    fake.stop()


@pytest.fixture
def ex():
    return FakeExchange()


@pytest.fixture
def bm():
    return FakeBM()


class Recorder:
    def __init__(self):
        self.values = []

    def __call__(self, value):
        self.values.append(value)


def make(ex, bm, reactor, **kwargs):
    callback = kwargs.pop('callback', Recorder())
    manager = DepthCacheManager(ex, ex.symbol, callback=callback, bm=bm, reactor=reactor, **kwargs)
    reactor.run_until()                       # runs the start scheduled with callFromThread
    return manager, callback


def sync_up(manager, ex, bm, reactor, callback):
    """Send one event so the manager takes its snapshot; wait until the book is at its id."""
    bm.send(ex.symbol.lower() + '@depth', ex.change(bids=[('0.0008', '3.0')]))
    cache = manager.get_depth_cache()
    reactor.run_until(lambda: cache.last_update_id == ex.last_id and not manager._snapshot_pending)


def test_book_synced_from_snapshot_taken_in_worker_thread(ex, bm, reactor):
    """The snapshot waits for the first diff, runs off the reactor thread, and the book matches."""
    manager, callback = make(ex, bm, reactor, limit=100)
    assert list(bm.sockets) == ['bnbbtc@depth']
    reactor.advance(0.5)
    assert ex.calls == []
    ex.lag = 1                          # the snapshot predates the buffered event
    sync_up(manager, ex, bm, reactor, callback)
    (params, thread), = ex.calls
    assert params == {'symbol': 'BNBBTC', 'limit': 100}
    assert thread is not threading.current_thread()
    cache = manager.get_depth_cache()
    assert callback.values == [cache] and isinstance(cache, DepthCache)
    assert (cache.get_bids(), cache.get_asks()) == ex.expected()
    assert cache.update_time == 1600000000000 + ex.last_id


def test_snapshot_taken_after_wait_when_stream_is_quiet(ex, bm, reactor):
    """With no diff event, the snapshot is requested after SNAPSHOT_WAIT and becomes the book."""
    manager, callback = make(ex, bm, reactor)
    reactor.advance(DepthCacheManager.SNAPSHOT_WAIT - 0.01)
    assert ex.calls == []
    reactor.advance(0.01)
    cache = manager.get_depth_cache()
    reactor.run_until(lambda: cache.last_update_id == 100)
    assert (cache.get_bids(), cache.get_asks()) == ex.expected()
    assert callback.values == []
    bm.send('bnbbtc@depth', ex.change(asks=[('0.0011', '0')]))
    assert callback.values == [cache] and cache.get_asks() == []


def test_every_live_event_updates_book_and_calls_back(ex, bm, reactor):
    """Each applied diff calls callback(cache) once, with the book as of that event."""
    manager, callback = make(ex, bm, reactor)
    sync_up(manager, ex, bm, reactor, callback)
    seen = []
    callback_books = []
    manager._callback = lambda c: (seen.append(c), callback_books.append(c.get_bids()))
    for qty in ('4.0', '0', '5.5'):
        bm.send('bnbbtc@depth', ex.change(bids=[('0.0010', qty)]))
        assert callback_books[-1] == ex.expected()[0]
    assert len(seen) == 3
    bm.send('bnbbtc@depth', {'e': 'depthUpdate', 'U': ex.last_id - 1, 'u': ex.last_id,
                             'b': [['0.0001', '9']], 'a': []})
    assert len(seen) == 3                        # an old event is ignored, no callback


def test_gap_clears_book_and_resyncs_with_growing_backoff(ex, bm, reactor):
    """A gap empties the book at once; snapshots are retried after 0.5, 1, 2 s; success resets."""
    manager, callback = make(ex, bm, reactor)
    sync_up(manager, ex, bm, reactor, callback)
    cache = manager.get_depth_cache()
    ex.change(bids=[('0.0007', '1')])            # lost on the way
    bm.send('bnbbtc@depth', ex.change(asks=[('0.0012', '2')]))
    assert cache.get_bids() == [] and cache.get_asks() == []
    ex.lag = 5                                   # the next snapshots are older than the stream
    for delay in (0.5, 1.0, 2.0):
        calls = len(ex.calls)
        reactor.advance(delay - 0.01)
        assert len(ex.calls) == calls
        reactor.advance(0.01)
        reactor.run_until(lambda: len(ex.calls) == calls + 1 and not manager._snapshot_pending)
        assert cache.get_bids() == []
    ex.lag = 0
    reactor.advance(4.0)
    reactor.run_until(lambda: cache.last_update_id == ex.last_id)
    assert (cache.get_bids(), cache.get_asks()) == ex.expected()
    bm.send('bnbbtc@depth', ex.change(bids=[('0.0010', '7')]))
    assert (cache.get_bids(), cache.get_asks()) == ex.expected()
    calls = len(ex.calls)
    ex.change(bids=[('0.0007', '0')])
    bm.send('bnbbtc@depth', ex.change(asks=[('0.0013', '1')]))
    reactor.advance(0.5)                         # backoff is back to its first step
    reactor.run_until(lambda: len(ex.calls) == calls + 1 and not manager._snapshot_pending)
    assert (cache.get_bids(), cache.get_asks()) == ex.expected()


def test_refresh_rebuilds_book_from_fresh_snapshot_every_interval(ex, bm, reactor):
    """Every refresh_interval s the book is rebuilt from a new snapshot; no stale level stays."""
    manager, callback = make(ex, bm, reactor, refresh_interval=60)
    sync_up(manager, ex, bm, reactor, callback)
    cache = manager.get_depth_cache()
    ex.bids['0.0010'] = '0'                      # an update the stream never reported
    del ex.bids['0.0010']
    ex.change(ids=0)
    reactor.advance(59.9)
    assert len(ex.calls) == 1
    reactor.advance(0.1)
    assert cache.get_bids()[0][0] == 0.001       # still readable while refreshing
    for round_ in (2, 3):
        sync_up(manager, ex, bm, reactor, callback)
        assert len(ex.calls) == round_
        assert (cache.get_bids(), cache.get_asks()) == ex.expected()
        reactor.advance(60)


@pytest.mark.parametrize('interval', [0, None])
def test_refresh_disabled(ex, bm, reactor, interval):
    """refresh_interval 0 or None leaves no timer once the book is synced."""
    manager, callback = make(ex, bm, reactor, refresh_interval=interval)
    sync_up(manager, ex, bm, reactor, callback)
    assert reactor.getDelayedCalls() == []


def test_socket_error_calls_back_none_and_stops(ex, bm, reactor):
    """The 'Max reconnect retries reached' message gives callback(None) and stops the manager."""
    manager, callback = make(ex, bm, reactor, refresh_interval=60)
    sync_up(manager, ex, bm, reactor, callback)
    callback_fn = bm.sockets['bnbbtc@depth']
    callback_fn({'e': 'error', 'm': 'Max reconnect retries reached'})
    assert callback.values[-1] is None
    assert bm.stopped == ['bnbbtc@depth'] and not bm.closed
    assert reactor.getDelayedCalls() == []
    count = len(callback.values)
    callback_fn(ex.change(bids=[('0.0010', '9')]))
    assert len(callback.values) == count


@pytest.mark.parametrize('how, synced', [('stop_socket', True), ('close', True),
                                          ('close', False)])
def test_socket_closed_on_the_socket_manager_closes_the_manager(ex, bm, reactor, how, synced):
    """bm.stop_socket(key) or bm.close() under the manager: callback(None) once, timers
    cancelled, no further snapshot requests."""
    manager, callback = make(ex, bm, reactor, refresh_interval=60)
    if synced:
        sync_up(manager, ex, bm, reactor, callback)
    assert reactor.getDelayedCalls() != []
    calls = len(ex.calls)
    if how == 'close':
        bm.close()
    else:
        bm.stop_socket('bnbbtc@depth')
    assert callback.values[-1] is None and callback.values.count(None) == 1
    assert reactor.getDelayedCalls() == [] and 'closed' in repr(manager)
    reactor.advance(3600)
    assert len(ex.calls) == calls
    manager.close()
    assert callback.values.count(None) == 1


def test_close_stops_own_socket_and_timers_only(ex, bm):
    """close() stops its socket and timers; another manager on the same bm keeps working."""
    r1, r2 = FakeReactor(), FakeReactor()
    try:
        ex2 = FakeExchange(symbol='ETHBTC')
        m1, cb1 = make(ex, bm, r1)
        m2, cb2 = make(ex2, bm, r2)
        sync_up(m1, ex, bm, r1, cb1)
        sync_up(m2, ex2, bm, r2, cb2)
        bm.send('ethbtc@depth', ex2.change(bids=[('0.03', '1')]))
        assert len(cb2.values) == 1
        m1.close()
        r1.run_until()
        assert bm.stopped == ['bnbbtc@depth'] and not bm.closed
        assert r1.getDelayedCalls() == []
        bm.send('ethbtc@depth', ex2.change(bids=[('0.03', '2')]))
        assert len(cb2.values) == 2
        assert m2.get_depth_cache().get_bids(limit=1) == [[0.03, 2.0]]
        m1.close()                                   # closing twice is harmless
        assert bm.stopped == ['bnbbtc@depth']
    finally:
        r1.stop()
        r2.stop()


def test_late_snapshot_after_close_is_ignored(ex, bm, reactor):
    """A snapshot that returns after close() does not touch the book or call back."""
    manager, callback = make(ex, bm, reactor)
    bm.send('bnbbtc@depth', ex.change(bids=[('0.0008', '3.0')]))
    manager.close()
    reactor.run_until(lambda: len(ex.calls) == 1 and not manager._snapshot_pending)
    assert manager.get_depth_cache().get_bids() == [] and callback.values == []
    assert reactor.getDelayedCalls() == []


def test_failed_snapshot_retried_with_backoff_and_retry_after(ex, bm, reactor):
    """A failing snapshot request is retried after the backoff, or Retry-After when longer."""
    class RateLimited(BinanceRequestException):
        retry_after = 7

    ex.failures = [BinanceRequestException('connection reset'), RateLimited('429')]
    manager, callback = make(ex, bm, reactor)
    bm.send('bnbbtc@depth', ex.change(bids=[('0.0008', '3.0')]))
    reactor.run_until(lambda: len(ex.calls) == 1 and not manager._snapshot_pending)
    reactor.advance(0.5)
    reactor.run_until(lambda: len(ex.calls) == 2 and not manager._snapshot_pending)
    reactor.advance(6.9)
    assert len(ex.calls) == 2
    reactor.advance(0.1)
    reactor.run_until(lambda: manager.get_depth_cache().last_update_id == ex.last_id)
    assert (manager.get_depth_cache().get_bids(), manager.get_depth_cache().get_asks()) == \
        ex.expected()


def test_callback_exception_is_logged_and_sync_continues(ex, bm, reactor, caplog):
    """A callback that raises is logged; later events still update the book."""
    def bad(cache):
        raise RuntimeError('user bug')

    manager, _ = make(ex, bm, reactor, callback=bad)
    bm.send('bnbbtc@depth', ex.change(bids=[('0.0008', '3.0')]))
    with caplog.at_level(logging.ERROR, logger='binance.depthcache'):
        reactor.run_until(lambda: manager.get_depth_cache().last_update_id == ex.last_id)
        bm.send('bnbbtc@depth', ex.change(bids=[('0.0008', '0')]))
    assert 'user bug' in caplog.text
    assert manager.get_depth_cache().get_bids() == ex.expected()[0]


def test_second_manager_for_same_stream_on_same_bm_raises(ex, bm, reactor):
    """Only one diff socket per stream: a second manager for it on the same bm raises."""
    make(ex, bm, reactor)
    with pytest.raises(RuntimeError, match='already open'):
        DepthCacheManager(ex, 'bnbbtc', bm=bm, reactor=reactor)


def test_given_socket_manager_is_started_if_not_running(ex, reactor):
    """A bm that is not running yet is started by the manager, as in the original."""
    bm = FakeBM(started=False)
    make(ex, bm, reactor)
    assert bm.started


def test_decimal_output_option(ex, bm, reactor):
    """conv_type=Decimal makes the cache return exact Decimal levels."""
    from decimal import Decimal
    manager, callback = make(ex, bm, reactor, conv_type=Decimal)
    sync_up(manager, ex, bm, reactor, callback)
    assert manager.get_depth_cache().get_asks() == [[Decimal('0.0011'), Decimal('1.5')]]


@pytest.mark.parametrize('kwargs, exc, words', [
    ({'symbol': ''}, ValueError, 'symbol'),
    ({'symbol': 'BNB BTC'}, ValueError, 'symbol'),
    ({'symbol': None}, ValueError, 'symbol'),
    ({'limit': 7}, ValueError, '5, 10, 20, 50, 100, 500, 1000, 5000'),
    ({'limit': True}, ValueError, 'limit'),
    ({'callback': 'print'}, TypeError, 'callback'),
    ({'refresh_interval': -1}, ValueError, 'refresh_interval'),
    ({'refresh_interval': '60'}, TypeError, 'refresh_interval'),
    ({'client': object()}, TypeError, 'get_order_book'),
    ({'bm': object()}, TypeError, 'BinanceSocketManager'),
    ({'conv_type': 3}, TypeError, 'conv_type'),
])
def test_bad_arguments_rejected_before_any_io(ex, bm, reactor, kwargs, exc, words):
    """Invalid arguments raise ValueError/TypeError naming the valid values; nothing is opened."""
    args = dict(client=ex, symbol='BNBBTC', bm=bm, reactor=reactor)
    args.update(kwargs)
    with pytest.raises(exc, match=words):
        DepthCacheManager(**args)
    reactor.run_until()
    assert bm.sockets == {} and ex.calls == [] and reactor.getDelayedCalls() == []


def test_close_socket_true_closes_the_socket_manager(ex, bm, reactor):
    """close(close_socket=True) closes the whole socket manager, as in the original."""
    manager, _ = make(ex, bm, reactor)
    manager.close(close_socket=True)
    assert bm.closed and bm.stopped == ['bnbbtc@depth']


# -- against the local exchange: real REST server, stream server and socket manager ----------

class RecordingClient:
    """Wraps the exchange's Client; records every snapshot and the thread that fetched it."""

    def __init__(self, client):
        self._client = client
        self.snapshots = []
        self.threads = []

    def get_order_book(self, **params):
        self.threads.append(threading.current_thread())
        result = self._client.get_order_book(**params)
        self.snapshots.append(result)
        return result


class BookChecker:
    """Callback that compares the cache with the exchange's true book at the cache's update id.

    Runs on the reactor thread, where the market lives: a market listener
    records the true book after every depth event, so the comparison is exact
    even when the socket lags behind the market. With a snapshot shallower
    than the book, every level in the cache must be right and every true
    level at or better than the snapshot's worst level must be in the cache.
    """

    def __init__(self, exchange, client, symbol, limit):
        self.exchange, self.client, self.symbol, self.limit = exchange, client, symbol, limit
        self.books = {}
        self.checked = 0
        self.errors = []
        self.threads = set()
        self.gave_up = False
        exchange.call(self._install)

    def _install(self):
        market = self.exchange.market
        self.books[market.update_id(self.symbol)] = market.book(self.symbol)
        market.add_listener(self._on_market)

    def _on_market(self, kind, key, payload):
        if kind == 'depthUpdate' and key == self.symbol:
            self.books[payload['u']] = self.exchange.market.book(self.symbol)

    def remove(self):
        self.exchange.call(self.exchange.market.remove_listener, self._on_market)

    def __call__(self, cache):
        self.threads.add(threading.current_thread())
        if cache is None:
            self.gave_up = True
            return
        problem = self.problem(cache)
        if problem:
            self.errors.append(problem)
        self.checked += 1

    def problem(self, cache):
        """A description of what is wrong with ``cache``, or None."""
        last_id = cache.last_update_id
        if last_id not in self.books:
            return 'no reference book for update id {}'.format(last_id)
        true_bids, true_asks = self.books[last_id]
        base = max((s for s in self.client.snapshots if s['lastUpdateId'] <= last_id),
                   key=lambda s: s['lastUpdateId'])
        from decimal import Decimal
        exact = DepthCache(cache.symbol, conv_type=Decimal)
        exact._bids, exact._asks = cache._bids, cache._asks
        for name, mine, true, levels, better in (
                ('bids', exact.get_bids(), true_bids, base['bids'], lambda p, b: p >= b),
                ('asks', exact.get_asks(), true_asks, base['asks'], lambda p, b: p <= b)):
            wrong = [(p, q, true.get(p)) for p, q in mine if true.get(p) != q]
            if wrong:
                return '{} at {}: cache levels differ from the exchange: {}'.format(
                    name, last_id, wrong[:5])
            held = {p for p, _ in mine}
            bound = Decimal(levels[-1][0]) if len(levels) >= self.limit else None
            missing = [p for p in true if p not in held and (bound is None or better(p, bound))]
            if missing:
                return '{} at {}: levels missing from the cache: {}'.format(
                    name, last_id, missing[:5])
        return None


@pytest.fixture(scope='module')
def exchange():
    from binance.testing import LocalExchange
    local = LocalExchange(tick=None)
    local.start()
    with local.install(), pytest.MonkeyPatch.context() as patch:
        patch.setattr('binance.depthcache.DepthCacheSync.INITIAL_BACKOFF', 0.02)
        yield local
    local.stop()


@pytest.fixture(scope='module')
def shared_bm(exchange):
    from binance.websockets import BinanceSocketManager
    socket_manager = BinanceSocketManager(None)
    socket_manager.start()
    yield socket_manager
    socket_manager.close()


def run_live(exchange, actions, limit, bm=None, symbol='BNBBTC'):
    """Open a manager on ``symbol``, play ``actions`` (int: steps, str: a depth fault),
    then step until the faults are used up; return (checker, manager, client) once synced."""
    from tests.support import wait_until
    client = RecordingClient(exchange.client())
    checker = BookChecker(exchange, client, symbol, limit)
    manager = DepthCacheManager(client, symbol, callback=checker, limit=limit, bm=bm)
    stream = symbol.lower() + '@depth'
    try:
        exchange.streams.wait_for_connections(1, stream=stream)
        cache = manager.get_depth_cache()
        exchange.step()                    # the first event brings the snapshot
        first = exchange.call(exchange.market.update_id, symbol)
        wait_until(lambda: cache.last_update_id == first, message='the first sync')
        faults = 0
        for action in actions:
            if isinstance(action, str):
                exchange.streams.inject_depth_fault(symbol, action)
                faults += 1
            else:
                exchange.step(action)
        exchange.step(2 * faults + 2)      # a fault consumes at most two events
        target = exchange.call(exchange.market.update_id, symbol)
        wait_until(lambda: cache.last_update_id == target, timeout=10,
                   message='the cache to reach update id {}'.format(target))
        return checker, manager, client
    finally:
        manager.close()
        checker.remove()
        wait_until(lambda: exchange.streams.connection_count(stream) == 0,
                   message='the depth socket to close')


def test_live_manager_notices_its_socket_closed_by_the_socket_manager(exchange):
    """With a real BinanceSocketManager, bm.close() reaches the depth cache: callback(None)."""
    from binance.websockets import BinanceSocketManager
    from tests.support import wait_until
    socket_manager = BinanceSocketManager(None)
    socket_manager.start()
    values = []
    manager = DepthCacheManager(exchange.client(), 'ETHBTC', callback=values.append,
                                bm=socket_manager, refresh_interval=60)
    exchange.streams.wait_for_connections(1, stream='ethbtc@depth')
    socket_manager.close()
    wait_until(lambda: None in values, message='callback(None)')
    assert values.count(None) == 1 and 'closed' in repr(manager)
    assert exchange.call(lambda: (manager._snapshot_call, manager._refresh_call)) == (None, None)


def test_live_book_equals_exchange_after_every_event(exchange):
    """Against the local exchange the cache equals the true book after every applied event."""
    checker, manager, client = run_live(exchange, [1] * 30, limit=500)
    assert checker.errors == [] and checker.checked >= 25 and not checker.gave_up
    assert len(client.snapshots) == 1
    assert not checker.threads & set(client.threads), 'snapshot fetched on the reactor thread'
    true_bids, true_asks = exchange.call(exchange.market.book, 'BNBBTC')
    assert checker.problem(manager.get_depth_cache()) is None
    assert len(manager.get_depth_cache().get_bids()) == len(true_bids)


@pytest.mark.parametrize('fault, resyncs', [('gap', 1), ('reorder', 1), ('duplicate', 0)])
def test_live_faults_resync_to_a_correct_book(exchange, shared_bm, fault, resyncs):
    """A gap or reorder triggers exactly one resync, a duplicate none; the book stays right."""
    checker, manager, client = run_live(exchange, [3, fault, 1, 1, 3], limit=10, bm=shared_bm)
    assert checker.errors == [] and checker.checked > 0
    assert len(client.snapshots) == 1 + resyncs
    assert checker.problem(manager.get_depth_cache()) is None


@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(actions=st.lists(st.one_of(st.integers(1, 3), st.sampled_from(['gap', 'duplicate',
                                                                      'reorder'])),
                        min_size=1, max_size=8),
       limit=st.sampled_from([5, 20, 500]))
def test_live_random_faults_never_leave_a_wrong_book(exchange, shared_bm, actions, limit):
    """Any mix of steps and faults: every callback sees a correct book, and it ends synced."""
    checker, manager, _ = run_live(exchange, actions, limit=limit, bm=shared_bm)
    assert checker.errors == [] and not checker.gave_up
    assert checker.problem(manager.get_depth_cache()) is None


@pytest.mark.parametrize('per_connection', [1, 8])
def test_live_book_stays_synced_across_a_server_shutdown(exchange, per_connection):
    """At serverShutdown the depth stream moves to a new connection with an unbroken
    update-id chain: no resync (one snapshot), and the book is right after every event."""
    from binance.websockets import BinanceSocketManager
    from tests.support import wait_until
    symbol, stream = 'LTCBTC', 'ltcbtc@depth'
    bm = BinanceSocketManager(None, streams_per_connection=per_connection)
    bm.start()
    client = RecordingClient(exchange.client())
    checker = BookChecker(exchange, client, symbol, 500)
    manager = DepthCacheManager(client, symbol, callback=checker, limit=500, bm=bm)
    cache = manager.get_depth_cache()

    def step_and_catch_up():
        exchange.step()
        target = exchange.call(exchange.market.update_id, symbol)
        wait_until(lambda: cache.last_update_id == target, message='update id {}'.format(target))

    try:
        exchange.streams.wait_for_connections(1, stream=stream)
        for _ in range(3):
            step_and_catch_up()
        assert exchange.streams.server_shutdown(stream=stream, grace=30) == 1
        wait_until(lambda: exchange.streams.connection_count(stream) == 2,
                   message='the replacement connection')
        for _ in range(100):                    # events while both are open, then the switch
            step_and_catch_up()
            if exchange.streams.connection_count(stream) == 1:
                break
        assert exchange.streams.connection_count(stream) == 1, 'the old connection stayed'
        checked = checker.checked
        for _ in range(3):
            step_and_catch_up()                 # on the new connection alone
        assert checker.checked > checked
        assert checker.errors == [] and not checker.gave_up
        assert len(client.snapshots) == 1
    finally:
        manager.close()
        checker.remove()
        bm.close()
        wait_until(lambda: exchange.streams.connection_count(stream) == 0,
                   message='the depth socket to close')
