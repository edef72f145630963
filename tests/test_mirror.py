"""Paper trading on live prices: a local exchange mirroring a second local exchange."""
import threading

import pytest

from binance.testing import LocalExchange
from binance.testing.mirror import BINANCE_UPSTREAM, parse_upstream
from tests.support import local_manager, wait_until


@pytest.fixture(scope='module')
def pair():
    # the upstream's klines every 0.2 s rather than Binance's 2 s: the relay test waits for them
    upstream = LocalExchange(seed=3, tick=None, symbols=['BNBBTC', 'ETHBTC', 'LTCBTC', 'NEOBTC'],
                             stream_period_scale=0.1).start()
    mirror = LocalExchange(mirror=True, upstream=(upstream.api_url, upstream.stream_url),
                           symbols=['BNBBTC'], tick=None).start()
    yield upstream, mirror
    mirror.stop()
    upstream.stop()


def _books_equal(upstream, mirror, limit=20):
    a = upstream.call(upstream.market.depth, 'BNBBTC', limit)
    b = mirror.call(mirror.market.depth, 'BNBBTC', limit)
    return a['bids'] == b['bids'] and a['asks'] == b['asks'] \
        and a['lastUpdateId'] == b['lastUpdateId']


def _synced(upstream, mirror):
    """The mirror's book has every upstream update (its levels may differ after local fills)."""
    theirs = upstream.call(upstream.market.depth, 'BNBBTC', 1)['lastUpdateId']
    return mirror.mirror.followers['BNBBTC'].sync.last_update_id == theirs


def test_parse_upstream_forms():
    """The upstream is Binance by default, or 'API,STREAM' / a pair; anything else is refused."""
    assert parse_upstream(None) == BINANCE_UPSTREAM
    assert parse_upstream('http://127.0.0.1:1/api,ws://127.0.0.1:2') == (
        'http://127.0.0.1:1/api', 'ws://127.0.0.1:2/')
    with pytest.raises(ValueError, match='API_URL,STREAM_URL'):
        parse_upstream('http://127.0.0.1:1/api')
    with pytest.raises(ValueError, match='ending in /api'):
        parse_upstream(('http://127.0.0.1:1/', 'ws://127.0.0.1:2/'))
    with pytest.raises(ValueError, match='ws://'):
        parse_upstream(('http://127.0.0.1:1/api', 'http://127.0.0.1:2/'))


def test_bad_mirror_arguments_are_refused_before_any_traffic():
    """upstream= without mirror=True, and symbol settings instead of names, are refused."""
    with pytest.raises(ValueError, match='mirror=True'):
        LocalExchange(upstream='http://127.0.0.1:1/api,ws://127.0.0.1:2/')
    with pytest.raises(ValueError, match='list of symbol names'):
        LocalExchange(mirror=True, upstream='http://127.0.0.1:1/api,ws://127.0.0.1:2/',
                      symbols=3)


def test_unlisted_symbol_is_refused_by_the_upstream(pair):
    """A symbol the upstream does not list cannot be mirrored; the error says so."""
    upstream, _ = pair
    with pytest.raises(ValueError, match='upstream'):
        LocalExchange(mirror=True, upstream=(upstream.api_url, upstream.stream_url),
                      symbols=['XRPBTC'])


def test_symbol_settings_come_from_the_upstream(pair):
    """exchangeInfo filters and the last price are the upstream's."""
    upstream, mirror = pair
    theirs = upstream.client().get_symbol_info('BNBBTC')
    ours = mirror.client().get_symbol_info('BNBBTC')
    assert ours['filters'] == theirs['filters']
    assert (ours['baseAsset'], ours['quoteAsset']) == ('BNB', 'BTC')


def test_book_follows_the_upstream_with_its_update_ids(pair):
    """The mirror's book equals the upstream's, levels and lastUpdateId, as it moves."""
    upstream, mirror = pair
    wait_until(lambda: _books_equal(upstream, mirror), 15, message='first sync')
    upstream.step(25)
    wait_until(lambda: _books_equal(upstream, mirror), 15, message='sync after steps')


def test_streams_are_republished_unchanged(pair):
    """The script's trade and depth streams carry the upstream's payloads byte for byte."""
    upstream, mirror = pair
    wait_until(lambda: _books_equal(upstream, mirror), 15, message='sync')
    theirs, ours = [], []
    lock = threading.Lock()
    bm_up, bm_ours = local_manager(upstream), local_manager(mirror)
    try:
        key_up = bm_up.start_multiplex_socket(['bnbbtc@trade', 'bnbbtc@depth@100ms'],
                                              lambda m: theirs.append(m))
        key_ours = bm_ours.start_multiplex_socket(['bnbbtc@trade', 'bnbbtc@depth@100ms'],
                                                  lambda m: ours.append(m))
        assert bm_up.wait_connected(key_up, 10) and bm_ours.wait_connected(key_ours, 10)
        wait_until(lambda: upstream.streams.connection_count('bnbbtc@trade') >= 2, 10,
                   message='the mirror and the test on the upstream')
        upstream.step(30)
        wait_until(lambda: any(m['stream'] == 'bnbbtc@trade' for m in ours)
                   and any(m['stream'] == 'bnbbtc@depth@100ms' for m in ours), 15,
                   message='republished messages')
        with lock:
            seen = {(m['stream'], repr(sorted(m['data'].items()))) for m in theirs}
        for message in list(ours):
            assert (message['stream'], repr(sorted(message['data'].items()))) in seen
    finally:
        bm_up.close()
        bm_ours.close()


def test_market_order_fills_against_the_mirrored_book_locally(pair):
    """A market buy takes the upstream's best ask locally; nothing reaches the upstream."""
    upstream, mirror = pair
    wait_until(lambda: _books_equal(upstream, mirror), 15, message='sync')
    best_ask = upstream.call(upstream.market.depth, 'BNBBTC', 1)['asks'][0][0]
    upstream.clear_requests()
    client = mirror.client()
    before = client.get_asset_balance('BNB')
    order = client.order_market_buy(symbol='BNBBTC', quantity='1')
    assert order['status'] == 'FILLED'
    assert order['fills'][0]['price'] == best_ask
    after = client.get_asset_balance('BNB')
    fee = sum(float(f['commission']) for f in order['fills'])
    assert float(after['free']) == pytest.approx(float(before['free']) + 1 - fee)
    assert not [r for r in upstream.requests if r.path == '/api/v3/order']
    assert upstream.call(upstream.market.depth, 'BNBBTC', 1)['asks'][0][0] == best_ask


def test_resting_order_fills_when_an_upstream_trade_prints_through_it(pair):
    """A resting buy at the best bid fills at its price when the upstream sells into the bid."""
    from decimal import Decimal
    upstream, mirror = pair
    wait_until(lambda: _synced(upstream, mirror), 15, message='sync')
    client = mirror.client()
    price = Decimal(upstream.call(upstream.market.depth, 'BNBBTC', 1)['bids'][0][0])
    order = client.order_limit_buy(symbol='BNBBTC', quantity='1', price='{:f}'.format(price))
    assert order['status'] == 'NEW'
    upstream.client().order_market_sell(symbol='BNBBTC', quantity='5')   # prints at the bid
    done = wait_until(lambda: (lambda o: o if o['status'] == 'FILLED' else None)(
        client.get_order(symbol='BNBBTC', orderId=order['orderId'])), 15,
        message='the paper order filled')
    assert Decimal(done['price']) == price
    trades = client.get_my_trades(symbol='BNBBTC', orderId=order['orderId'])
    # one fill per upstream print through it, each up to that print's quantity: the sell can
    # print at the order's price more than once (the upstream's bid level holds several orders)
    assert trades and all(Decimal(t['price']) == price for t in trades)
    assert sum(Decimal(t['qty']) for t in trades) == 1
    assert all(t['isMaker'] for t in trades)


def test_upstream_drop_resyncs_the_book_and_reconnects_the_script(pair):
    """Dropping the upstream's connections: the book resyncs and the script's socket reconnects."""
    upstream, mirror = pair
    wait_until(lambda: _synced(upstream, mirror), 15, message='sync')
    bm = local_manager(mirror)
    opened = []
    try:
        key = bm.start_multiplex_socket(['bnbbtc@depth@100ms'], lambda m: opened.append(m))
        assert bm.wait_connected(key, 10)
        wait_until(lambda: mirror.streams.connection_count('bnbbtc@depth@100ms') == 1, 10)
        resyncs = mirror.mirror.resyncs
        upstream.streams.drop()
        upstream.step(5)              # while the mirror is away: its book misses these
        wait_until(lambda: upstream.streams.connection_count() >= 1, 15,
                   message='the mirror reconnected upstream')
        upstream.step(5)
        wait_until(lambda: mirror.mirror.resyncs > resyncs, 15, message='a resync')
        wait_until(lambda: _synced(upstream, mirror), 15, message='the book resynced')
        theirs = upstream.call(upstream.market.depth, 'BNBBTC', 5)
        ours = mirror.call(mirror.market.depth, 'BNBBTC', 5)
        assert ours['asks'] == theirs['asks']   # rebuilt from the snapshot: the local fill is gone
        wait_until(lambda: mirror.streams.connection_count('bnbbtc@depth@100ms') == 1, 15,
                   message="the script's socket reconnected")
        count = len(opened)
        upstream.step(5)
        wait_until(lambda: len(opened) > count, 15, message='messages after the reconnect')
    finally:
        bm.close()


def test_books_are_in_place_when_start_returns(pair):
    """start() returns once each mirrored book has its first snapshot: a script sees a book at once."""
    upstream, _ = pair
    with LocalExchange(mirror=True, upstream=(upstream.api_url, upstream.stream_url),
                       symbols=['ETHBTC'], tick=None) as mirror:
        theirs = upstream.call(upstream.market.depth, 'ETHBTC', 10)
        ours = mirror.client().get_order_book(symbol='ETHBTC', limit=10)
        assert ours['bids'] == theirs['bids'] and ours['asks'] == theirs['asks']
        assert ours['lastUpdateId'] == theirs['lastUpdateId']


def test_rest_market_data_is_the_upstreams(pair):
    """Klines and recent trades of a mirrored symbol are the upstream's; its errors pass through."""
    upstream, mirror = pair
    ours, theirs = mirror.client(), upstream.client()
    upstream.step(3)
    assert ours.get_klines(symbol='BNBBTC', interval='1h', limit=5) == \
        theirs.get_klines(symbol='BNBBTC', interval='1h', limit=5)
    assert ours.get_recent_trades(symbol='BNBBTC', limit=20) == \
        theirs.get_recent_trades(symbol='BNBBTC', limit=20)
    import requests
    answers = [requests.get(ex.api_url + '/v3/klines', params={'symbol': 'BNBBTC',
                                                              'interval': '7m'}, timeout=10)
               for ex in (mirror, upstream)]
    assert answers[0].status_code == answers[1].status_code == 400
    assert answers[0].json() == answers[1].json()


def test_a_symbol_named_in_a_request_is_followed_on_demand(pair):
    """A request naming a symbol the mirror does not follow yet makes it follow it, if listed."""
    upstream, mirror = pair
    client = mirror.client()
    theirs = upstream.call(upstream.market.depth, 'NEOBTC', 10)
    ours = client.get_order_book(symbol='NEOBTC', limit=10)
    assert (ours['bids'], ours['asks'], ours['lastUpdateId']) == (
        theirs['bids'], theirs['asks'], theirs['lastUpdateId'])
    order = client.order_market_buy(symbol='NEOBTC', quantity='10')
    assert order['fills'][0]['price'] == theirs['asks'][0][0]
    from binance.exceptions import BinanceAPIException
    with pytest.raises(BinanceAPIException) as refused:
        client.get_order_book(symbol='XRPBTC')      # the upstream does not list it
    assert refused.value.code == -1121


def test_a_symbol_a_script_subscribes_to_is_followed_and_its_klines_relayed(pair):
    """Subscribing to a new symbol's streams follows it; its kline stream is the upstream's."""
    upstream, mirror = pair
    theirs, ours = [], []
    bm_up, bm_ours = local_manager(upstream), local_manager(mirror)
    try:
        key_ours = bm_ours.start_multiplex_socket(['ltcbtc@trade', 'ltcbtc@kline_1m'],
                                                  lambda m: ours.append(m))
        assert bm_ours.wait_connected(key_ours, 10)
        wait_until(lambda: 'LTCBTC' in mirror.mirror.followers
                   and not mirror.mirror.followers['LTCBTC'].sync.waiting_for_snapshot, 20,
                   message='LTCBTC followed')
        key_up = bm_up.start_kline_socket('LTCBTC', lambda m: theirs.append(m))
        assert bm_up.wait_connected(key_up, 10)
        upstream.step(20)
        wait_until(lambda: any(m['stream'] == 'ltcbtc@trade' for m in ours)
                   and any(m['stream'] == 'ltcbtc@kline_1m' for m in ours), 20,
                   message='trades and klines on the new symbol')
        wait_until(lambda: theirs, 20, message='the upstream kline')

        def relayed_equals_upstream():
            sent = {repr(sorted(m.items())) for m in list(theirs)}
            return any(repr(sorted(m['data'].items())) in sent for m in list(ours)
                       if m['stream'] == 'ltcbtc@kline_1m')
        wait_until(relayed_equals_upstream, 20, message='a relayed kline equal to the upstream one')
    finally:
        bm_up.close()
        bm_ours.close()


def test_step_is_refused_on_a_mirror(pair):
    """step() would add simulated quotes to the mirrored books: it is refused, naming the upstream."""
    _, mirror = pair
    with pytest.raises(RuntimeError, match='upstream'):
        mirror.step(1)
