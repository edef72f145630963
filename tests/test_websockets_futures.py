"""Futures and margin sockets against the local exchange's routed fstream and WebSocket API."""
import queue

import pytest

from binance.testing import LocalExchange
from binance.websockets import BinanceSocketManager
from tests.support import first, local_manager, wait_until


# timer streams (markPrice@1s, @ticker, klines) ten times Binance's cadence: no test here
# pins the cadence, each waits for a first message
MODULE_EXCHANGE = {'tick': 0.05, 'stream_period_scale': 0.1}


@pytest.fixture(scope='module')
def ex(module_exchange):
    return module_exchange


@pytest.fixture
def bm(ex):
    manager = local_manager(ex)
    yield manager
    manager.close()


SOCKETS = [
    ('start_aggtrade_futures_socket', ('BTCUSDT',), {}, 'market/btcusdt@aggTrade', 'aggTrade'),
    ('start_symbol_mark_price_socket', ('BTCUSDT',), {}, 'market/btcusdt@markPrice@1s',
     'markPriceUpdate'),
    ('start_all_mark_price_socket', (), {}, 'market/!markPrice@arr@1s', list),
    ('start_symbol_ticker_futures_socket', ('BTCUSDT',), {}, 'public/btcusdt@bookTicker',
     'bookTicker'),
    ('start_individual_symbol_ticker_futures_socket', ('BTCUSDT',), {}, 'market/btcusdt@ticker',
     '24hrTicker'),
    ('start_all_ticker_futures_socket', (), {}, 'public/!bookTicker', 'bookTicker'),
    ('start_futures_kline_socket', ('BTCUSDT',), {'interval': '1m'}, 'market/btcusdt@kline_1m',
     'kline'),
    ('start_futures_depth_socket', ('BTCUSDT',), {}, 'public/btcusdt@depth', 'depthUpdate'),
    ('start_futures_depth_socket', ('BTCUSDT',), {'depth': '5', 'interval': 100},
     'public/btcusdt@depth5@100ms', 'depthUpdate'),
]


@pytest.mark.parametrize('method, args, kwargs, key, kind', SOCKETS,
                         ids=[s[3] for s in SOCKETS])
def test_each_futures_socket_uses_its_route_and_the_combined_envelope(ex, bm, method, args,
                                                                      kwargs, key, kind):
    """Each 0.7.11 (and new) futures socket connects to its route and delivers {'stream','data'}."""
    messages = queue.Queue()
    assert getattr(bm, method)(*args, messages.put, **kwargs) == key
    assert bm.wait_connected(key, timeout=10)
    route, name = key.split('/', 1)
    assert '/{}/stream?streams={}'.format(route, name) in ex.fstreams.connections
    message = first(messages)
    assert message['stream'] == name
    if kind is list:
        assert isinstance(message['data'], list) and message['data'][0]['e'] == 'markPriceUpdate'
    else:
        assert message['data']['e'] == kind
    if kind == 'depthUpdate':
        assert {'U', 'u', 'pu', 'T'} <= set(message['data'])
    assert getattr(bm, method)(*args, messages.put, **kwargs) is False   # one socket per stream


def test_futures_and_spot_sockets_of_the_same_name_do_not_collide(ex, bm):
    """btcusdt@aggTrade on spot and on futures are two sockets with two keys."""
    spot, futures = queue.Queue(), queue.Queue()
    assert bm.start_aggtrade_socket('BTCUSDT', spot.put) == 'btcusdt@aggTrade'
    assert bm.start_aggtrade_futures_socket('BTCUSDT', futures.put) == 'market/btcusdt@aggTrade'
    assert 'stream' in first(futures) and 'stream' not in first(spot)


def test_an_unrouted_connection_gets_only_public_streams(ex, bm):
    """As on Binance: without /market the mark price never arrives, depth does."""
    messages = queue.Queue()
    bm.STREAM_URL = ex.fstream_url    # what 0.7.11 connected to: FSTREAM_URL + 'stream?streams='
    from binance._streams.market import DELIVER_ENVELOPE
    key = bm._start_stream(['btcusdt@depth', 'btcusdt@markPrice@1s'], messages.put,
                           DELIVER_ENVELOPE)
    assert bm.wait_connected(key, timeout=10)
    seen = set()
    for _ in range(10):   # 0.5 s of depth at tick 0.05: five mark-price periods (0.1 s here)
        seen.add(messages.get(timeout=10)['stream'])
    assert seen == {'btcusdt@depth'}


def test_futures_multiplex_checks_routes_and_the_stream_budget(bm):
    """One route per connection, at most 200 streams, known names only — before connecting."""
    with pytest.raises(ValueError, match='different routes'):
        bm.start_futures_multiplex_socket(['btcusdt@depth', 'btcusdt@aggTrade'], print)
    with pytest.raises(ValueError, match='200'):
        bm.start_futures_multiplex_socket(['s{}usdt@aggTrade'.format(i) for i in range(201)],
                                          print)
    with pytest.raises(ValueError, match='unknown USD-M stream'):
        bm.start_futures_multiplex_socket(['btcusdt@trade'], print)
    with pytest.raises(ValueError):
        bm.start_futures_depth_socket('BTCUSDT', print, interval=1000)
    with pytest.raises(ValueError):
        bm.start_futures_kline_socket('BTCUSDT', print, interval='1s')   # spot only
    with pytest.raises(TypeError):
        bm.start_aggtrade_futures_socket('BTCUSDT', 'not callable')
    assert bm.conn_keys == []


def test_futures_multiplex_delivers_every_stream(ex, bm):
    """Several market/ streams arrive on one connection, each labelled with its name."""
    messages = queue.Queue()
    key = bm.start_futures_multiplex_socket(['btcusdt@aggTrade', 'ethusdt@markPrice@1s'],
                                            messages.put)
    assert key == 'market/stream?streams=btcusdt@aggTrade/ethusdt@markPrice@1s'
    seen = set()
    while seen != {'btcusdt@aggTrade', 'ethusdt@markPrice@1s'}:
        seen.add(messages.get(timeout=10)['stream'])


def test_futures_user_socket_gets_order_and_account_events_and_renews_its_key(ex, bm):
    """ORDER_TRADE_UPDATE and ACCOUNT_UPDATE arrive on private/; an expired key is replaced."""
    events = queue.Queue()
    client = ex.client()
    key = bm.start_futures_user_socket(events.put)
    assert key == 'futures_user' and bm.wait_connected(key, timeout=10)
    client.futures_create_order(symbol='BNBUSDT', side='BUY', type='MARKET', quantity='1')
    update = first(events, lambda e: e['e'] == 'ORDER_TRADE_UPDATE')
    assert update['o']['s'] == 'BNBUSDT' and update['o']['ps'] == 'BOTH'
    account = first(events, lambda e: e['e'] == 'ACCOUNT_UPDATE')
    assert account['a']['m'] == 'ORDER' and account['a']['B'][0]['a'] == 'USDT'
    old = client.futures_stream_get_listen_key()
    assert any(path == '/private/ws/' + old for path in ex.fstreams.connections)
    seen = len(ex.fstreams.connections)
    ex.call(ex.futures.expire_listen_key, old)
    assert first(events, lambda e: e['e'] == 'listenKeyExpired')['listenKey'] == old
    assert wait_until(lambda: any(p.startswith('/private/ws/') and p != '/private/ws/' + old
                                  for p in ex.fstreams.connections[seen:]), timeout=10)
    assert wait_until(lambda: bm.wait_connected(key, timeout=0.1), timeout=10)
    client.futures_create_order(symbol='BNBUSDT', side='SELL', type='MARKET', quantity='1',
                                reduceOnly=True)
    assert first(events, lambda e: e['e'] == 'ORDER_TRADE_UPDATE')['o']['S'] == 'SELL'


def test_futures_user_socket_needs_a_keyed_client(ex):
    """Without an API key the socket is refused at once."""
    with pytest.raises(ValueError):
        BinanceSocketManager(None).start_futures_user_socket(print)


def test_margin_socket_subscribes_with_a_listen_token(ex, bm):
    """start_margin_socket gets a token, subscribes on the WebSocket API, unwraps events."""
    events = queue.Queue()
    client = ex.client()
    client.transfer_spot_to_margin(asset='BTC', amount='0.5')
    key = bm.start_margin_socket(events.put)
    assert key == 'margin' and bm.wait_connected(key, timeout=10)
    assert '/ws-api/v3' in ex.streams.connections
    client.create_margin_order(symbol='BNBBTC', side='BUY', type='MARKET', quantity='1')
    report = first(events, lambda e: e.get('e') == 'executionReport')
    assert report['s'] == 'BNBBTC' and 'subscriptionId' not in report
    assert any(r.path == '/sapi/v1/userListenToken' for r in ex.requests)


def start_with_short_tokens(ex, bm, monkeypatch, validity_ms):
    """A margin socket whose tokens live ``validity_ms``; returns its queue once two
    tokens were fetched (the first and a replacement)."""
    client = bm.client
    real = client.margin_stream_get_listen_token
    monkeypatch.setattr(client, 'margin_stream_get_listen_token',
                        lambda **kw: real(validity=validity_ms, **kw))
    ex.clear_requests()
    events = queue.Queue()
    key = bm.start_margin_socket(events.put)
    assert bm.wait_connected(key, timeout=10)
    assert wait_until(lambda: sum(r.path == '/sapi/v1/userListenToken'
                                  for r in ex.requests) >= 2, timeout=10)
    assert wait_until(lambda: bm.wait_connected(key, timeout=0.1), timeout=10)
    return events


def test_margin_socket_renews_its_token_before_it_expires(ex, bm, monkeypatch):
    """With a short-lived token a new one is fetched and subscribed on the same connection."""
    events = start_with_short_tokens(ex, bm, monkeypatch, 1000)
    assert ex.streams.connections.count('/ws-api/v3') >= 1
    seen = []
    for amount in ('0.1', '0.2'):
        ex.client().transfer_spot_to_margin(asset='BTC', amount=amount)
        seen.append(first(events, lambda e: e.get('e') == 'outboundAccountPosition'))
    free = [b['f'] for event in seen for b in event['B'] if b['a'] == 'BTC']
    assert float(free[1]) - float(free[0]) == pytest.approx(0.2)    # no event twice


def test_margin_socket_resubscribes_after_its_token_expired(ex, bm, monkeypatch):
    """eventStreamTerminated (token not renewed in time) brings a new token and subscription."""
    import binance._streams.margin
    monkeypatch.setattr(binance._streams.margin, 'TOKEN_RENEW_AT', 50.0)   # too late on purpose
    events = start_with_short_tokens(ex, bm, monkeypatch, 300)
    ex.client().transfer_spot_to_margin(asset='BTC', amount='0.1')
    assert first(events, lambda e: e.get('e') == 'outboundAccountPosition')


def test_isolated_margin_socket_reports_a_refused_token_once(ex, bm):
    """No isolated account on the local exchange: one error message, the socket ends."""
    events = queue.Queue()
    assert bm.start_isolated_margin_socket('BNBBTC', events.put) == 'isolated_margin:BNBBTC'
    error = events.get(timeout=10)
    assert error['e'] == 'error' and '-3052' in error['m']
    assert wait_until(lambda: 'isolated_margin:BNBBTC' not in bm.conn_keys)


def test_a_raising_callback_does_not_end_a_futures_stream(ex, bm):
    """Callback exceptions are logged; the next messages still arrive."""
    seen = queue.Queue()

    def callback(message):
        seen.put(message)
        raise RuntimeError('bug in the user callback')
    bm.start_aggtrade_futures_socket('ETHUSDT', callback)
    for _ in range(3):
        seen.get(timeout=10)


def test_futures_sockets_verify_tls():
    """wss:// fstream connections verify the certificate against the given CA."""
    with LocalExchange(tick=0.05, tls=True, stream_period_scale=0.1) as secure:
        manager = BinanceSocketManager(secure.client(), tls_ca=secure.ca_file)
        manager.FSTREAM_URL = secure.fstream_url
        messages = queue.Queue()
        key = manager.start_symbol_mark_price_socket('BTCUSDT', messages.put)
        manager.start()
        try:
            assert secure.fstream_url.startswith('wss://')
            assert manager.wait_connected(key, timeout=10)
            assert messages.get(timeout=10)['data']['e'] == 'markPriceUpdate'
        finally:
            manager.close()


def test_fstream_url_follows_testnet():
    """The futures streams of a testnet client go to the futures testnet host."""
    from binance.client import Client
    from tests.test_client_request import socket_urls
    assert socket_urls(Client(testnet=True))['futures'].startswith(
        'wss://fstream.binancefuture.com/market/')
    assert socket_urls(Client())['futures'].startswith('wss://fstream.binance.com/market/')


def test_a_dropped_futures_socket_reconnects_to_its_route(ex, bm):
    """When fstream drops the connection the socket comes back on the same routed path."""
    messages = queue.Queue()
    key = bm.start_symbol_mark_price_socket('ETHUSDT', messages.put)
    assert bm.wait_connected(key, timeout=10)
    path = '/market/stream?streams=ethusdt@markPrice@1s'
    before = ex.fstreams.connections.count(path)
    assert ex.fstreams.drop('ethusdt@markPrice@1s') == 1
    assert wait_until(lambda: ex.fstreams.connections.count(path) == before + 1, timeout=10)
    assert first(messages)['data']['s'] == 'ETHUSDT'


def test_a_keepalive_answered_1125_gets_a_new_key(ex):
    """When the key was closed (keepalive -1125) the user socket reconnects with a new key."""
    client = ex.client()
    manager = BinanceSocketManager(client, user_timeout=0.2)
    manager.FSTREAM_URL = ex.fstream_url
    key = manager.start_futures_user_socket(print)
    manager.start()
    try:
        assert manager.wait_connected(key, timeout=10)
        old = client.futures_stream_get_listen_key()
        seen = len(ex.fstreams.connections)
        client.futures_stream_close(old)
        assert wait_until(lambda: any(p.startswith('/private/ws/') and p != '/private/ws/' + old
                                      for p in ex.fstreams.connections[seen:]), timeout=10)
        assert any(r.path == '/fapi/v1/listenKey' and r.method == 'PUT' for r in ex.requests)
    finally:
        manager.close()
