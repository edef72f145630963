"""The mirror after its upstream drops: books resynchronised, the script's streams reconnected."""
from decimal import Decimal

import pytest

from binance.testing import LocalExchange
from tests.support import local_manager, wait_until


@pytest.fixture(scope='module')
def upstream():
    # klines relayed every 0.2 s rather than Binance's 2 s: the relay test waits for one
    upstream = LocalExchange(seed=11, tick=None, symbols=['BNBBTC', 'ETHBTC'],
                             stream_period_scale=0.1).start()
    yield upstream
    upstream.stop()


@pytest.fixture
def pair(upstream):
    """The module's upstream and a new mirror of it: each test's drops start from a fresh
    reconnect backoff (a shared mirror waits longer after each earlier test's drop)."""
    mirror = LocalExchange(mirror=True, upstream=(upstream.api_url, upstream.stream_url),
                           symbols=['BNBBTC'], tick=None).start()
    yield upstream, mirror
    mirror.stop()


def _rest_books(upstream, mirror, limit=20):
    # the upstream's book read in its reactor (no request weight: the test polls, and the
    # mirror's own snapshots must not meet the upstream's 429); the mirror's over REST
    theirs = upstream.call(upstream.market.depth, 'BNBBTC', limit)
    ours = mirror.client().get_order_book(symbol='BNBBTC', limit=limit)
    return theirs, ours


def _rest_books_equal(upstream, mirror):
    theirs, ours = _rest_books(upstream, mirror)
    return theirs == ours


def _cut_off(upstream, mirror, steps):
    """Drop the mirror's upstream connections and move the upstream's book while it is away."""
    losses = mirror.mirror.losses
    before = upstream.call(upstream.market.depth, 'BNBBTC', 1)['lastUpdateId']
    upstream.streams.refuse()
    try:
        assert upstream.streams.drop() >= 1
        wait_until(lambda: mirror.mirror.losses > losses, 15, message='the mirror saw the loss')
        upstream.step(steps)
        assert upstream.call(upstream.market.depth, 'BNBBTC', 1)['lastUpdateId'] > before
        assert not _rest_books_equal(upstream, mirror)   # the mirror missed those updates
    finally:
        upstream.streams.resume()


def test_books_resync_after_an_upstream_drop_without_further_events(pair):
    """A drop while the upstream's book moves: once back, the mirror's book and /api/v3/depth
    equal the upstream's (by a fresh snapshot, no later event needed); the script reconnected."""
    upstream, mirror = pair
    wait_until(lambda: _rest_books_equal(upstream, mirror), 15, interval=0.1, message='first sync')
    bm = local_manager(mirror)
    got = []
    try:
        key = bm.start_multiplex_socket(['bnbbtc@depth@100ms', 'bnbbtc@trade'], got.append)
        assert bm.wait_connected(key, 10)

        def handshakes():
            return sum(1 for path in mirror.streams.connections if 'bnbbtc@depth' in path)
        opened = handshakes()
        _cut_off(upstream, mirror, 8)
        wait_until(lambda: _rest_books_equal(upstream, mirror), 20, interval=0.1,
                   message='the book resynchronised from a snapshot')
        theirs = upstream.call(upstream.market.depth, 'BNBBTC', 50)
        ours = mirror.call(mirror.market.depth, 'BNBBTC', 50)
        assert (ours['bids'], ours['asks'], ours['lastUpdateId']) == (
            theirs['bids'], theirs['asks'], theirs['lastUpdateId'])
        wait_until(lambda: handshakes() > opened, 15,
                   message="the script's socket was dropped and reconnected")
        assert bm.wait_connected(key, 10)
        wait_until(lambda: upstream.streams.connection_count('bnbbtc@depth@100ms') >= 1, 15,
                   message='the mirror is back upstream')
        count = len(got)
        upstream.step(3)
        wait_until(lambda: any('depth' in m['stream'] for m in got[count:]), 15,
                   message='depth events after the reconnect')
        wait_until(lambda: _rest_books_equal(upstream, mirror), 15, interval=0.1,
                   message='the book follows the live events again')
    finally:
        bm.close()


def test_a_drop_with_no_missed_update_still_resyncs(pair):
    """Any loss restarts the book's procedure: a snapshot is taken even when nothing moved."""
    upstream, mirror = pair
    wait_until(lambda: _rest_books_equal(upstream, mirror), 15, interval=0.1, message='sync')
    upstream.clear_requests()
    losses = mirror.mirror.losses
    assert upstream.streams.drop() >= 1
    wait_until(lambda: mirror.mirror.losses > losses, 15, message='the mirror saw the loss')
    wait_until(lambda: any(r.path == '/api/v3/depth' for r in upstream.requests), 15,
               message='a fresh snapshot after the loss')
    wait_until(lambda: not mirror.mirror.followers['BNBBTC'].sync.waiting_for_snapshot, 15,
               message='synced again')
    assert _rest_books_equal(upstream, mirror)


def test_resting_orders_keep_filling_after_a_resync(pair):
    """A resting buy placed before the drop survives the rebuild and fills at its own price
    when the upstream later sells through it."""
    upstream, mirror = pair
    wait_until(lambda: _rest_books_equal(upstream, mirror), 15, interval=0.1, message='sync')
    client = mirror.client()
    bids = upstream.call(upstream.market.depth, 'BNBBTC', 20)['bids']
    price = Decimal(bids[6][0])        # well below the best bid: the outage's steps keep it resting
    order = client.order_limit_buy(symbol='BNBBTC', quantity='1', price='{:f}'.format(price))
    assert order['status'] == 'NEW'
    _cut_off(upstream, mirror, 3)
    wait_until(lambda: mirror.mirror.followers['BNBBTC'].sync.last_update_id ==
               upstream.call(upstream.market.depth, 'BNBBTC', 1)['lastUpdateId'], 20,
               message='resynchronised')
    assert client.get_order(symbol='BNBBTC', orderId=order['orderId'])['status'] == 'NEW'
    ours = mirror.call(mirror.market.depth, 'BNBBTC', 50)
    theirs = upstream.call(upstream.market.depth, 'BNBBTC', 50)
    assert ours['asks'] == theirs['asks']
    assert any(Decimal(level[0]) == price for level in ours['bids'])   # the order still rests
    _sell_through(upstream, price)
    done = wait_until(lambda: (lambda o: o if o['status'] == 'FILLED' else None)(
        client.get_order(symbol='BNBBTC', orderId=order['orderId'])), 15,
        message='the resting order filled after the resync')
    assert Decimal(done['price']) == price
    trades = client.get_my_trades(symbol='BNBBTC', orderId=order['orderId'])
    assert [Decimal(t['price']) for t in trades] == [price] and all(t['isMaker'] for t in trades)


def _sell_through(upstream, price):
    """Sell on the upstream down through ``price``: the last print is below it."""
    quantity = Decimal(0)
    for level_price, level_qty in upstream.call(upstream.market.depth, 'BNBBTC', 50)['bids']:
        quantity += Decimal(level_qty)
        if Decimal(level_price) < price:
            break
    upstream.client().order_market_sell(symbol='BNBBTC', quantity='{:f}'.format(quantity))


def test_trades_printed_while_away_fill_resting_orders_once_back(pair):
    """An upstream trade printed through a resting order while the mirror was cut off fills it
    once the connection is back (from the upstream's recent trades), exactly once."""
    upstream, mirror = pair
    wait_until(lambda: _rest_books_equal(upstream, mirror), 15, interval=0.1, message='sync')
    client = mirror.client()
    bids = upstream.call(upstream.market.depth, 'BNBBTC', 20)['bids']
    price = Decimal(bids[3][0])
    order = client.order_limit_buy(symbol='BNBBTC', quantity='1', price='{:f}'.format(price))
    assert order['status'] == 'NEW'
    feed = mirror.mirror.followers['BNBBTC'].trades
    upstream.client().order_market_buy(symbol='BNBBTC', quantity='1')   # a trade it sees live
    last = upstream.client().get_recent_trades(symbol='BNBBTC', limit=1)[0]['id']
    wait_until(lambda: feed.last_id == last, 15, message='the live trade applied')
    losses = mirror.mirror.losses
    upstream.streams.refuse()
    try:
        assert upstream.streams.drop() >= 1
        wait_until(lambda: mirror.mirror.losses > losses, 15, message='the mirror saw the loss')
        _sell_through(upstream, price)
        assert client.get_order(symbol='BNBBTC', orderId=order['orderId'])['status'] == 'NEW'
    finally:
        upstream.streams.resume()
    done = wait_until(lambda: (lambda o: o if o['status'] == 'FILLED' else None)(
        client.get_order(symbol='BNBBTC', orderId=order['orderId'])), 20,
        message='the order filled by a trade printed while away')
    assert Decimal(done['price']) == price and Decimal(done['executedQty']) == 1
    trades = client.get_my_trades(symbol='BNBBTC', orderId=order['orderId'])
    assert [Decimal(t['price']) for t in trades] == [price]
    assert feed.last_id == upstream.client().get_recent_trades(symbol='BNBBTC', limit=1)[0]['id']


def test_a_relayed_stream_reconnects_after_an_upstream_drop(pair):
    """A kline stream relayed from the upstream: its script connection is dropped with the
    upstream's and reconnects; relayed klines flow again once the mirror is back."""
    upstream, mirror = pair
    bm = local_manager(mirror)
    got = []
    try:
        key = bm.start_kline_socket('BNBBTC', got.append)
        assert bm.wait_connected(key, 10)
        wait_until(lambda: upstream.streams.connection_count('bnbbtc@kline_1m') >= 1, 15,
                   message='the mirror relays the kline stream')

        def handshakes():
            return sum(1 for path in mirror.streams.connections if 'bnbbtc@kline_1m' in path)
        opened = handshakes()
        _cut_off(upstream, mirror, 2)
        wait_until(lambda: handshakes() > opened, 15, message="the script's kline socket "
                   'was dropped and reconnected')
        wait_until(lambda: upstream.streams.connection_count('bnbbtc@kline_1m') >= 1, 15,
                   message='the relay is back upstream')
        count = len(got)
        upstream.step(3)
        wait_until(lambda: len(got) > count, 15, message='klines after the reconnect')
        assert got[-1]['e'] == 'kline' and got[-1]['s'] == 'BNBBTC'
    finally:
        bm.close()


def test_a_snapshot_asked_for_before_a_later_drop_is_not_used(pair):
    """A snapshot answered after a newer drop (fetched before it) is set aside for a fresh
    one, so the book never settles on levels from before the latest outage."""
    upstream, mirror = pair
    wait_until(lambda: _rest_books_equal(upstream, mirror), 15, interval=0.1, message='sync')
    follower = mirror.mirror.followers['BNBBTC']
    old = upstream.client().get_order_book(symbol='BNBBTC', limit=1000)
    upstream.step(3)                                   # the old snapshot is now stale

    def late_answer():
        follower.epoch += 1                            # a drop happened meanwhile
        follower.sync.restart()
        mirror.mirror._on_snapshot(follower, old, follower.epoch - 1)
        return follower.sync.waiting_for_snapshot, follower.snapshot_pending
    assert mirror.call(late_answer) == (True, True)    # not applied; a fresh one asked for
    wait_until(lambda: _rest_books_equal(upstream, mirror), 15, interval=0.1,
               message='synced from the fresh snapshot')
