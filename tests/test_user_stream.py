"""The user socket against the local exchange: listen keys, and the WebSocket API fallback.

Clock-driven details (keepalive timing, -1125 renewal, error paths) are in
``test_websockets_unit.py``; here the same flows cross real sockets and the
exchange's REST server.
"""
import pytest

from binance.testing import LocalExchange
from binance.websockets import BinanceSocketManager
from tests.support import wait_until

#: the module's exchange serves Spot listen keys (retired on binance.com, off by default)
MODULE_EXCHANGE = {'tick': None, 'listen_keys': True}


class Recorder(list):
    def __call__(self, msg):
        self.append(msg)

    def events(self, kind):
        return [m for m in list(self) if isinstance(m, dict) and m.get('e') == kind]


@pytest.fixture(scope='module')
def exchange(module_exchange):
    return module_exchange


@pytest.fixture(scope='module')
def ws_api_exchange():
    with LocalExchange(tick=None, listen_keys=False) as ex:
        yield ex


def manager(exchange, **kw):
    bm = BinanceSocketManager(exchange.client(), **kw)
    bm.STREAM_URL = exchange.stream_url
    bm.WS_API_URL = exchange.ws_api_url
    bm.start()
    return bm


def listen_key_paths(exchange):
    return [p for p in exchange.streams.connections
            if p.startswith('/ws/') and '@' not in p and '!' not in p]


def user_requests(exchange, method):
    return [r for r in list(exchange.requests)
            if r.method == method and r.path.endswith('/userDataStream')]


def place_order(exchange, client):
    book = exchange.call(exchange.market.book_ticker, 'BNBBTC')
    return client.order_limit_buy(symbol='BNBBTC', quantity=1, price=book['bidPrice'])


def order_until_event(exchange, rec, count):
    """Place orders until ``count`` executionReports arrived.

    The WebSocket API subscription is sent right after the handshake, so an
    order placed at once may precede it; one order per 20 polls (about
    0.1 s) until an event arrives.
    """
    client = exchange.client()
    polls = [0]

    def arrived():
        if len(rec.events('executionReport')) >= count:
            return True
        if polls[0] % 20 == 0:
            place_order(exchange, client)
        polls[0] += 1
        return False
    wait_until(arrived, message='{} executionReport(s)'.format(count))


def test_listen_key_socket_delivers_account_events(exchange):
    """start_user_socket gets a listen key, connects to ws/<key> and delivers order events."""
    exchange.clear_requests()
    bm = manager(exchange)
    rec = Recorder()
    try:
        assert bm.start_user_socket(rec) == 'user'
        assert bm.start_user_socket(rec) is False
        wait_until(lambda: listen_key_paths(exchange), message='a listen-key socket')
        exchange.streams.wait_for_connections(1, stream=listen_key_paths(exchange)[-1][4:])
        assert len(user_requests(exchange, 'POST')) == 1
        place_order(exchange, exchange.client())
        wait_until(lambda: rec.events('executionReport'), message='an executionReport')
        report = rec.events('executionReport')[0]
        assert report['s'] == 'BNBBTC' and report['S'] == 'BUY'
    finally:
        bm.close()


def test_keepalive_puts_the_same_key_and_stop_keeps_it(exchange):
    """The keepalive PUTs the socket's key; stop_socket closes the socket but never DELETEs the key."""
    exchange.clear_requests()
    exchange.streams.clear_connections()
    bm = manager(exchange, user_timeout=0.05)
    try:
        key = bm.start_user_socket(Recorder())
        wait_until(lambda: listen_key_paths(exchange), message='a listen-key socket')
        listen_key = listen_key_paths(exchange)[-1][len('/ws/'):]
        wait_until(lambda: len(user_requests(exchange, 'PUT')) >= 2, message='two keepalives')
        assert {r.params.get('listenKey') for r in user_requests(exchange, 'PUT')} == {listen_key}
        bm.stop_socket(key)
        wait_until(lambda: exchange.streams.connection_count(listen_key) == 0)
        assert user_requests(exchange, 'DELETE') == []
    finally:
        bm.close()


def test_expired_listen_key_is_replaced(exchange):
    """listenKeyExpired reaches the callback, then a new key is fetched and events flow on it."""
    exchange.streams.clear_connections()
    bm = manager(exchange)
    rec = Recorder()
    try:
        bm.start_user_socket(rec)
        wait_until(lambda: listen_key_paths(exchange), message='a listen-key socket')
        old = listen_key_paths(exchange)[-1][len('/ws/'):]
        exchange.streams.wait_for_connections(1, stream=old)
        exchange.call(exchange.market.expire_listen_key, old)
        wait_until(lambda: rec.events('listenKeyExpired'), message='listenKeyExpired')
        wait_until(lambda: len(set(listen_key_paths(exchange))) == 2, message='a new key')
        new = listen_key_paths(exchange)[-1][len('/ws/'):]
        assert new != old
        exchange.streams.wait_for_connections(1, stream=new)
        place_order(exchange, exchange.client())
        wait_until(lambda: rec.events('executionReport'), message='an event on the new key')
    finally:
        bm.close()


def test_keepalive_failure_reaches_the_callback(exchange):
    """A keepalive answered with a server error arrives as an error message; the socket stays."""
    exchange.streams.clear_connections()
    bm = manager(exchange, user_timeout=0.05)
    rec = Recorder()
    try:
        bm.start_user_socket(rec)
        wait_until(lambda: listen_key_paths(exchange), message='a listen-key socket')
        exchange.fail_next('/api/v3/userDataStream', status=500,
                           body='{"code": -1000, "msg": "keepalive exploded"}')
        wait_until(lambda: rec.events('error'), message='the keepalive error')
        error = rec.events('error')[0]
        assert 'keepalive' in error['m'].lower() and 'keepalive exploded' in error['m']
        key = listen_key_paths(exchange)[-1][len('/ws/'):]
        assert exchange.streams.connection_count(key) == 1
    finally:
        bm.close()


def test_websocket_api_fallback_when_listen_keys_are_retired(ws_api_exchange):
    """Without listen keys the socket subscribes over the WebSocket API and gets bare events."""
    ws_api_exchange.streams.clear_connections()
    bm = manager(ws_api_exchange)
    rec = Recorder()
    try:
        assert bm.start_user_socket(rec) == 'user'
        ws_api_exchange.streams.wait_for_connections(1, stream='ws-api/v3')
        order_until_event(ws_api_exchange, rec, 1)
        assert all('subscriptionId' not in m for m in rec)
        # after a dropped connection the subscription is renewed
        count = len(rec.events('executionReport'))
        ws_api_exchange.streams.drop('ws-api/v3')
        wait_until(lambda: ws_api_exchange.streams.connections.count('/ws-api/v3') == 2,
                   message='a reconnect')
        ws_api_exchange.streams.wait_for_connections(1, stream='ws-api/v3')
        order_until_event(ws_api_exchange, rec, count + 1)
    finally:
        bm.close()
