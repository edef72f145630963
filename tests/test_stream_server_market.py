"""The stream server driven by the real simulated Market (binance.testing.market).

Split from test_stream_server.py (which uses a small fake market); the
helpers (raw WebSocket client, in-memory clocked client) are shared.
"""
import time
from decimal import Decimal

import pytest
from twisted.internet.testing import MemoryReactorClock

from binance import _reactor
from binance.testing.market import Market
from binance.testing.streams import StreamServer
from binance.testing.streams_wsapi import sign
from tests.test_stream_server import ClockClient, RawClient

KEY, SECRET = 'stream-test-key', 'stream-test-secret'


@pytest.fixture
def live():
    """A Market with one funded account and a StreamServer on the shared reactor."""
    _reactor.ensure_running()
    market = Market(seed=7)
    market.add_account(KEY, SECRET, {'BTC': '10', 'BNB': '1000'})
    server = StreamServer(market, ping_interval=0)
    port = _reactor.blocking_call(server.listen)
    clients = []

    def connect(path):
        client = RawClient(port, path)
        assert client.status == 101
        clients.append(client)
        return client

    yield market, server, connect
    for client in clients:
        client.close()
    _reactor.blocking_call(server.stop)


def on_reactor(fn, *args, **kwargs):
    return _reactor.blocking_call(fn, *args, **kwargs)


def test_diff_events_rebuild_the_market_book_from_a_snapshot(live):
    """Diff events chain without gaps from a REST snapshot and rebuild the true book."""
    market, server, connect = live
    client = connect('/ws/bnbbtc@depth')
    snapshot = on_reactor(market.depth, 'BNBBTC', 5000)
    on_reactor(market.step, 10)
    target = on_reactor(market.update_id, 'BNBBTC')
    assert target > snapshot['lastUpdateId']
    book = [{Decimal(p): Decimal(q) for p, q in snapshot[side]} for side in ('bids', 'asks')]
    last = snapshot['lastUpdateId']
    while last < target:
        event = client.recv_json()
        assert event['e'] == 'depthUpdate' and event['s'] == 'BNBBTC'
        assert event['U'] == last + 1
        for side, levels in ((0, event['b']), (1, event['a'])):
            for price, qty in levels:
                if Decimal(qty) == 0:
                    book[side].pop(Decimal(price), None)
                else:
                    book[side][Decimal(price)] = Decimal(qty)
        last = event['u']
    assert tuple(book) == on_reactor(market.book, 'BNBBTC')


def test_an_order_reaches_trade_and_user_streams(live):
    """A market order yields trade/aggTrade events and the account's executionReport,
    both on /ws/<listenKey> and through a WebSocket API subscription."""
    market, server, connect = live
    trades = connect('/stream?streams=bnbbtc@trade/bnbbtc@aggTrade')
    listen_key = on_reactor(market.create_listen_key, KEY)
    user = connect('/ws/' + listen_key)
    api = connect('/ws-api/v3')
    params = {'apiKey': KEY, 'timestamp': int(time.time() * 1000)}
    params['signature'] = sign(SECRET, params)
    api.send_json({'id': 1, 'method': 'userDataStream.subscribe.signature', 'params': params})
    assert api.recv_json()['status'] == 200
    on_reactor(market.place_order, KEY, 'BNBBTC', 'BUY', 'MARKET', quantity='1')
    kinds = {trades.recv_json()['stream'] for _ in range(2)}
    assert kinds == {'bnbbtc@trade', 'bnbbtc@aggTrade'}
    user_event = user.recv_json()
    assert user_event['e'] == 'executionReport' and user_event['s'] == 'BNBBTC'
    assert api.recv_json() == {'subscriptionId': 0, 'event': user_event}


def test_listen_key_expiry_reaches_its_socket(live):
    """Expiring a listen key in the market sends listenKeyExpired on its socket."""
    market, server, connect = live
    listen_key = on_reactor(market.create_listen_key, KEY)
    client = connect('/ws/' + listen_key)
    assert on_reactor(market.expire_listen_key, listen_key)
    event = client.recv_json()
    assert (event['e'], event['listenKey']) == ('listenKeyExpired', listen_key)


def test_book_ticker_matches_the_market(live):
    """bookTicker events carry the market's best bid/ask after a change."""
    market, server, connect = live
    client = connect('/ws/bnbbtc@bookTicker')
    on_reactor(market.place_order, KEY, 'BNBBTC', 'BUY', 'MARKET', quantity='5')
    event = client.recv_json()          # the market has not changed since the order
    assert event['u'] == on_reactor(market.update_id, 'BNBBTC')
    best = on_reactor(market.book_ticker, 'BNBBTC')
    assert (event['s'], event['b'], event['B'], event['a'], event['A']) == (
        'BNBBTC', best['bidPrice'], best['bidQty'], best['askPrice'], best['askQty'])


def test_periodic_streams_carry_the_markets_data():
    """Partial depth, tickers, mini-ticker arrays and klines reflect the real Market."""
    clock = MemoryReactorClock()
    market = Market(seed=7, clock=lambda: 1700000000.5)   # fixed: no kline boundary races
    server = StreamServer(market, reactor=clock, ping_interval=0)
    server.listen()
    client = ClockClient(server, '/stream?streams=bnbbtc@depth20/bnbbtc@ticker/'
                                 '!miniTicker@arr/bnbbtc@kline_1m')
    clock.advance(2)
    got = {}
    for message in client.messages():
        got.setdefault(message['stream'], message['data'])
    assert got['bnbbtc@depth20'] == market.depth('BNBBTC', 20)
    ticker = market.ticker_24h('BNBBTC')
    assert got['bnbbtc@ticker']['c'] == ticker['lastPrice']
    assert got['bnbbtc@ticker']['s'] == 'BNBBTC'
    assert sorted(t['s'] for t in got['!miniTicker@arr']) == sorted(market.symbols)
    row = market.klines('BNBBTC', '1m', limit=1)[0]
    kline = got['bnbbtc@kline_1m']['k']
    assert (kline['t'], kline['o'], kline['c'], kline['v'], kline['n'], kline['x']) == (
        row[0], row[1], row[4], row[5], row[8], False)
