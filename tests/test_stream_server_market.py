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


# -- every stream kind of the shared table ----------------------------------------------

#: the payload fields Binance documents for each stream kind (web-socket-streams.md)
BINANCE_FIELDS = {
    'kline': {'e', 'E', 's', 'k'},
    'miniTicker': {'e', 'E', 's', 'c', 'o', 'h', 'l', 'v', 'q'},
    'ticker': {'e', 'E', 's', 'p', 'P', 'w', 'x', 'c', 'Q', 'b', 'B', 'a', 'A', 'o', 'h', 'l',
               'v', 'q', 'O', 'C', 'F', 'L', 'n'},
    'rollingTicker': {'e', 'E', 's', 'p', 'P', 'o', 'h', 'l', 'c', 'w', 'v', 'q', 'O', 'C',
                      'F', 'L', 'n'},
    'avgPrice': {'e', 'E', 's', 'i', 'w', 'T'},
    'referencePrice': {'e', 's', 'r', 't'},
    'partialDepth': {'lastUpdateId', 'bids', 'asks'},
}
KLINE_FIELDS = {'t', 'T', 's', 'i', 'f', 'L', 'o', 'c', 'h', 'l', 'v', 'n', 'x', 'q', 'V', 'Q',
                'B'}


def _one_name_per_option(kind):
    """A stream name for each value of each option of a table row (symbol bnbbtc)."""
    from binance._streams.kinds import _expand
    return _expand(kind, 'bnbbtc' if kind.needs_symbol else None)


def test_every_timer_stream_kind_of_the_table_is_served_with_binances_fields():
    """Each timer-driven row of the stream table (every option) sends Binance's payload fields."""
    from binance._streams.kinds import KINDS, parse
    clock = MemoryReactorClock()
    market = Market(seed=7, clock=lambda: 1700000000.5)
    server = StreamServer(market, reactor=clock, ping_interval=0)
    server.listen()
    names = [name for kind in KINDS if kind.payload == 'timer'
             for name in _one_name_per_option(kind)]
    client = ClockClient(server, '/stream?streams=' + '/'.join(names))
    clock.advance(3.5)
    got = {}
    for message in client.messages():
        got.setdefault(message['stream'], message['data'])
    assert sorted(got) == sorted(names)
    for name, data in got.items():
        match = parse(name, strict=False)
        kind = match.kind
        items = data if kind.is_array else [data]
        assert items, name
        for item in items:
            base = kind.name[3].lower() + kind.name[4:] if kind.name.startswith('all') else \
                kind.name
            assert set(item) == BINANCE_FIELDS[base], name
            if kind.event is not None:
                assert item['e'] == kind.event.format(window=match.options.get('window', ''))
            if 'k' in item:
                assert set(item['k']) == KLINE_FIELDS and item['k']['i'] == match.options['interval']


def test_rolling_window_ticker_matches_the_klines_of_its_window():
    """ticker_1h aggregates the market's 1-minute klines since the minute an hour ago."""
    clock = MemoryReactorClock()
    now = 1700000000.5
    market = Market(seed=7, clock=lambda: now)
    server = StreamServer(market, reactor=clock, ping_interval=0)
    server.listen()
    client = ClockClient(server, '/ws/bnbbtc@ticker_1h')
    clock.advance(1)
    event = client.messages()[0]
    start = (int(now * 1000) - 3600000) // 60000 * 60000
    rows = market.klines('BNBBTC', '1m', startTime=start, limit=1000)
    assert (event['O'], event['C']) == (start, int(now * 1000))
    assert event['o'] == rows[0][1] and event['c'] == rows[-1][4]
    assert Decimal(event['h']) == max(Decimal(r[2]) for r in rows)
    assert event['n'] == sum(r[8] for r in rows)


def test_utc8_daily_kline_opens_at_midnight_in_utc8():
    """bnbbtc@kline_1d@+08:00 opens at 16:00 UTC of the day before, and closes a day later."""
    clock = MemoryReactorClock()
    now = 1700000000.5                      # 2023-11-14 22:13:20 UTC = 2023-11-15 06:13 UTC+8
    market = Market(seed=7, clock=lambda: now)
    server = StreamServer(market, reactor=clock, ping_interval=0)
    server.listen()
    client = ClockClient(server, '/stream?streams=bnbbtc@kline_1d@+08:00/bnbbtc@kline_1d')
    clock.advance(2)
    got = {m['stream']: m['data']['k'] for m in client.messages()}
    utc8, utc = got['bnbbtc@kline_1d@+08:00'], got['bnbbtc@kline_1d']
    assert utc8['t'] == 1699977600000 and utc8['T'] == 1699977600000 + 86400000 - 1
    assert utc['t'] == 1699920000000
    assert utc8['i'] == '1d' and utc8['x'] is False


def test_push_only_kinds_are_accepted_and_carry_pushed_events(live):
    """blockTrade has no simulated source: the subscription is accepted and carries pushes."""
    market, server, connect = live
    client = connect('/ws/bnbbtc@blockTrade')
    assert client.status == 101
    event = {'e': 'blockTrade', 'E': 1, 's': 'BNBBTC', 't': 582, 'p': '0.052', 'q': '5838',
             'T': 1, 'm': True}
    assert server.push('bnbbtc@blockTrade', event) == 1
    assert client.recv_json() == event
