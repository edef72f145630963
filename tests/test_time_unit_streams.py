"""Microsecond time on streams: ``timeUnit=MICROSECOND`` in the URL (Binance's
web-socket-streams.md / web-socket-api.md), asked for by a client made with
``time_unit='MICROSECOND'`` and honoured by the local exchange."""
from types import SimpleNamespace

import pytest

from binance._streams.context import SocketContext, with_time_unit
from binance.testing.streams_time_unit import event_to_microseconds, wants_microseconds_in
from binance.websockets import BinanceSocketManager
from tests.support import wait_until
from tests.test_stream_server import RawClient

TRADE = {'e': 'trade', 'E': 1700000000123, 's': 'BNBBTC', 't': 12345, 'p': '0.1', 'q': '1',
         'T': 1700000000120, 'm': True, 'M': True}


# -- the events ----------------------------------------------------------------------------

def test_each_event_type_converts_its_time_fields_only():
    """E and the documented time fields become microseconds; ids (t, u, U, I...) stay."""
    assert event_to_microseconds(TRADE) == dict(TRADE, E=1700000000123000, T=1700000000120000)
    report = {'e': 'executionReport', 'E': 1, 'T': 2, 'O': 3, 'W': 4, 'I': 5, 't': 6, 'i': 7}
    assert event_to_microseconds(report) == dict(report, E=1000, T=2000, O=3000, W=4000)
    account = {'e': 'outboundAccountPosition', 'E': 1, 'u': 2, 'B': []}
    assert event_to_microseconds(account) == dict(account, E=1000, u=2000)
    depth = {'e': 'depthUpdate', 'E': 1, 'U': 10, 'u': 11, 'b': [], 'a': []}
    assert event_to_microseconds(depth) == dict(depth, E=1000)
    kline = {'e': 'kline', 'E': 1, 'k': {'t': 60000, 'T': 119999, 'f': 100, 'L': 200, 'n': 3}}
    assert event_to_microseconds(kline) == {'e': 'kline', 'E': 1000, 'k': {
        't': 60000000, 'T': 119999000, 'f': 100, 'L': 200, 'n': 3}}
    ticker = {'e': '24hrMiniTicker', 'E': 1, 'O': 2, 'C': 3, 'c': '1'}
    assert [event_to_microseconds([ticker])] == [[dict(ticker, E=1000, O=2000, C=3000)]]
    book = {'u': 400900217, 's': 'BNBUSDT', 'b': '25.3', 'B': '31', 'a': '25.4', 'A': '40'}
    assert event_to_microseconds(book) == book
    assert event_to_microseconds({'e': 'referencePrice', 's': 'X', 'r': '1', 't': 5}) == {
        'e': 'referencePrice', 's': 'X', 'r': '1', 't': 5000}
    envelope = {'stream': 'bnbbtc@trade', 'data': TRADE}
    assert event_to_microseconds(envelope)['data']['T'] == 1700000000120000


@pytest.mark.parametrize('uri, expected', [
    ('/ws/bnbbtc@trade', False), ('/ws/bnbbtc@trade?timeUnit=MICROSECOND', True),
    ('/stream?streams=a@trade&timeUnit=microsecond', True),
    ('/ws-api/v3?timeUnit=MILLISECOND', False), ('/ws-api/v3?timeUnit=millisecond', False),
    ('/ws/x?timeUnit=NANOSECOND', None), ('/ws/x?timeUnit=', None),
])
def test_time_unit_values_as_binance_takes_them(uri, expected):
    """MICROSECOND/microsecond and MILLISECOND/millisecond are accepted; anything else is not."""
    assert wants_microseconds_in(uri) is expected


# -- the local exchange over real sockets ---------------------------------------------------

def _port(exchange):
    return int(exchange.stream_url.rstrip('/').rsplit(':', 1)[1])


def test_stream_connections_get_the_unit_they_asked_for(exchange):
    """One trade reaches a microsecond and a millisecond connection, each in its unit."""
    port = _port(exchange)
    micro = RawClient(port, '/ws/bnbbtc@trade?timeUnit=MICROSECOND')
    milli = RawClient(port, '/stream?streams=bnbbtc@trade')
    combined = RawClient(port, '/stream?streams=bnbbtc@trade&timeUnit=microsecond')
    try:
        assert (micro.status, milli.status, combined.status) == (101, 101, 101)
        exchange.streams.wait_for_connections(3, stream='bnbbtc@trade')
        exchange.client().order_market_buy(symbol='BNBBTC', quantity=1)
        in_us, in_ms, wrapped = micro.recv_json(), milli.recv_json()['data'], \
            combined.recv_json()
        assert in_us['t'] == in_ms['t'] and in_us['p'] == in_ms['p']
        assert (in_us['E'], in_us['T']) == (in_ms['E'] * 1000, in_ms['T'] * 1000)
        assert wrapped == {'stream': 'bnbbtc@trade', 'data': in_us}
    finally:
        for client in (micro, milli, combined):
            client.close()


def test_unknown_time_unit_refuses_the_handshake(exchange):
    """timeUnit=SECOND is refused with HTTP 400 and the message Binance gives for a bad unit."""
    client = RawClient(_port(exchange), '/ws/bnbbtc@trade?timeUnit=SECOND')
    try:
        assert client.status == 400
        assert 'expected either MICROSECOND or MILLISECOND' in client.head + client.buf.decode()
    finally:
        client.close()


# -- the socket manager asks for it -----------------------------------------------------------

def _context(time_unit, **urls):
    settings = SimpleNamespace(STREAM_URL=urls.get('stream', 'wss://stream.binance.com:9443/'),
                               WS_API_URL=urls.get('api', 'wss://ws-api.binance.com:443/ws-api/v3'),
                               TLS_CA=None)
    client = SimpleNamespace(time_unit=time_unit, testnet=False, demo=False, tld='com')
    return SocketContext(settings, client=client, user_timeout=1800)


def test_spot_urls_ask_for_microseconds_and_futures_urls_do_not():
    """A client with time_unit='MICROSECOND': Spot stream and WS API URLs get timeUnit."""
    ctx = _context('MICROSECOND')
    assert ctx.wants_microseconds('wss://stream.binance.com:9443/ws/bnbbtc@trade')
    assert ctx.wants_microseconds('wss://ws-api.binance.com:443/ws-api/v3')
    assert not ctx.wants_microseconds('wss://fstream.binance.com/market/ws/btcusdt@aggTrade')
    assert not _context(None).wants_microseconds('wss://stream.binance.com:9443/ws/x')
    assert with_time_unit('wss://h/ws/a@trade') == 'wss://h/ws/a@trade?timeUnit=MICROSECOND'
    assert with_time_unit('wss://h/stream?streams=a@trade/b@trade') == \
        'wss://h/stream?streams=a@trade/b@trade&timeUnit=MICROSECOND'
    assert with_time_unit('wss://h/ws-api/v3?timeUnit=MICROSECOND').count('timeUnit') == 1


def test_manager_of_a_microsecond_client_gets_microsecond_events(exchange):
    """The socket manager of a time_unit='MICROSECOND' client connects with timeUnit and
    its callback gets microsecond times (the user stream too, over the WebSocket API)."""
    bm = BinanceSocketManager(exchange.client(time_unit='MICROSECOND'))
    bm.STREAM_URL, bm.WS_API_URL = exchange.stream_url, exchange.ws_api_url
    bm.start()
    trades, events = [], []
    try:
        key = bm.start_trade_socket('BNBBTC', trades.append)
        bm.start_user_socket(events.append)
        assert bm.wait_connected(key, timeout=10) and bm.wait_connected('user', timeout=10)
        order = exchange.client().order_market_buy(symbol='BNBBTC', quantity=1)
        wait_until(lambda: trades and any(e.get('e') == 'executionReport' for e in events),
                   timeout=10, message='a trade and an order event')
        trade = next(t for t in exchange.client().get_recent_trades(symbol='BNBBTC')
                     if t['id'] == trades[0]['t'])
        assert (trades[0]['T'], trades[0]['E'] % 1000) == (trade['time'] * 1000, 0)
        report = next(e for e in events if e.get('e') == 'executionReport')
        placed = exchange.client().get_order(symbol='BNBBTC', orderId=order['orderId'])
        assert report['O'] == placed['time'] * 1000   # the order's creation time
        assert '/ws/bnbbtc@trade?timeUnit=MICROSECOND' in exchange.streams.connections
        assert '/ws-api/v3?timeUnit=MICROSECOND' in exchange.streams.connections
    finally:
        bm.close()


def test_ws_api_answers_in_the_unit_of_the_connection(exchange):
    """/ws-api/v3?timeUnit=MICROSECOND: serverTime and kline open/close times in microseconds."""
    port = _port(exchange)
    micro = RawClient(port, '/ws-api/v3?timeUnit=MICROSECOND')
    milli = RawClient(port, '/ws-api/v3')
    try:
        kline_request = {'id': 2, 'method': 'uiKlines',
                         'params': {'symbol': 'BNBBTC', 'interval': '1m', 'limit': 2}}
        answers = []
        for client in (micro, milli):
            client.send_json({'id': 1, 'method': 'time'})
            client.send_json(kline_request)
            answers.append([client.recv_json()['result'] for _ in range(2)])
        (us_time, us_klines), (ms_time, ms_klines) = answers
        assert len(str(us_time['serverTime'])) == 16 and len(str(ms_time['serverTime'])) == 13
        assert [[row[0], row[6]] for row in us_klines] == [
            [row[0] * 1000, row[6] * 1000] for row in ms_klines]
        assert [row[1:6] + row[7:] for row in us_klines] == [
            row[1:6] + row[7:] for row in ms_klines]
    finally:
        micro.close()
        milli.close()


def test_ws_api_session_of_a_microsecond_client_keeps_its_clock_in_milliseconds(exchange):
    """The session's `time` answer (in microseconds) sets the clock offset in ms: orders sign."""
    client = exchange.client(time_unit='MICROSECOND')
    bm = BinanceSocketManager(client)
    bm.STREAM_URL, bm.WS_API_URL = exchange.stream_url, exchange.ws_api_url
    bm.start()
    try:
        api = bm.ws_api.blocking
        assert len(str(api.time(timeout=10)['serverTime'])) == 16
        assert abs(client.server_clock.offset_ms) < 60000
        order = api.order_place(symbol='BNBBTC', side='BUY', type='MARKET', quantity=1,
                                timeout=10)
        assert order['status'] == 'FILLED' and len(str(order['transactTime'])) == 16
    finally:
        bm.close()


def test_rate_limit_error_in_microseconds_still_gives_seconds():
    """A 429 from a microsecond WebSocket API connection: retry_after in seconds, time in ms."""
    from binance.exceptions import BinanceWebSocketRateLimitException
    reply = {'id': 1, 'status': 429, 'error': {
        'code': -1003, 'msg': 'Too much request weight used',
        'data': {'serverTime': 1700000000500000, 'retryAfter': 1700000060000000}}}
    exc = BinanceWebSocketRateLimitException(reply, 'order.place')
    assert (exc.retry_after, exc.retry_after_time) == (60, 1700000060000)
