"""The user stream switches connections at serverShutdown and before the 24 h cut.

Over real loopback sockets against the local exchange: listen-key, WebSocket
API and futures user sockets open the replacement first, and every order
event placed before, during and after the switch reaches the callback once,
in order; the notice never does. The 24 h rotation is driven by firing the
connection's age timer (armed ``ROTATE_AFTER`` after the handshake) at once.
"""
import itertools
import threading
import time

import json

import pytest

from binance.testing.reactor import FakeReactor
from binance.websockets import BinanceSocketManager
from tests.support import local_manager, wait_until
from tests.test_stream_server import RawClient
from tests.test_user_stream import (  # noqa: F401  (fixtures used by name)
    MODULE_EXCHANGE, Recorder, exchange, ws_api_exchange)
from tests.test_websockets_unit import Conn, FakeClient


manager = local_manager


_ids = itertools.count(1)


class Orders:
    """Places spot (or futures) orders with known client order ids, in order."""

    def __init__(self, exchange, futures=False, margin=False):
        self.exchange = exchange
        self.client = exchange.client()
        self.futures = futures
        self.margin = margin
        self.placed = []

    def place(self):
        cid = 'sw{}'.format(next(_ids))
        if self.margin:
            self.client.create_margin_order(symbol='BNBBTC', side='BUY', type='MARKET',
                                            quantity='1', newClientOrderId=cid)
        elif self.futures:
            self.client.futures_create_order(symbol='BNBUSDT', side='BUY', type='MARKET',
                                             quantity='1', newClientOrderId=cid)
        else:
            book = self.exchange.call(self.exchange.market.book_ticker, 'BNBBTC')
            self.client.order_limit_buy(symbol='BNBBTC', quantity=1,
                                        price=book['bidPrice'], newClientOrderId=cid)
        self.placed.append(cid)
        return cid

    def seen(self, rec):
        """Client order ids of the NEW order events the callback got, in arrival order."""
        if self.futures:
            return [m['o']['c'] for m in rec.events('ORDER_TRADE_UPDATE')
                    if m['o']['x'] == 'NEW']
        return [m['c'] for m in rec.events('executionReport') if m['x'] == 'NEW']

    def wait(self, rec):
        wait_until(lambda: len(self.seen(rec)) >= len(self.placed), timeout=10,
                   message='{} order events'.format(len(self.placed)))


class Stream:
    """Orders placed without pause on another thread (events throughout a switch)."""

    def __init__(self, orders):
        self.orders = orders
        self.running = True
        self.error = None
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        try:
            while self.running:
                self.orders.place()
        except Exception as exc:  # reported by stop()
            self.error = exc

    def stop(self):
        self.running = False
        self.thread.join(10)
        assert self.error is None, self.error


def open_user_socket(exchange, bm, start, server, path_prefix, futures=False, margin=False):
    rec = Recorder()
    key = start(rec)
    assert bm.wait_connected(key, timeout=10)
    orders = Orders(exchange, futures, margin)
    orders.place()          # ready: open (listen key), or the subscription confirmed
    orders.wait(rec)
    stream = [p for p in server.connections if p.startswith(path_prefix)][-1]
    return key, rec, orders, stream.lstrip('/')


def switch_over(server, stream, orders, rec, trigger, overlap=None):
    """Trigger a switch while orders flow; return once the old connection is closed."""
    assert server.connection_count(stream) == 1
    if overlap is not None:
        overlap.armed = True
    opened = len(server.connections)
    flow = Stream(orders)
    try:
        wait_until(lambda: len(orders.placed) >= 3, message='orders before the trigger')
        trigger()
        wait_until(lambda: len(server.connections) > opened, timeout=10,
                   message='the replacement connected')
        wait_until(lambda: server.connection_count(stream) == 1, timeout=10,
                   message='the old connection closed at the switch')
        placed = len(orders.placed)
        wait_until(lambda: len(orders.placed) >= placed + 3, message='orders after the switch')
    finally:
        flow.stop()
    orders.wait(rec)


class Overlap:
    """Account events sent while both connections carry the stream (a certain overlap).

    Hooks the server: the moment the replacement is subscribed (its handshake,
    or its WebSocket API subscription), ``balanceUpdate`` events are pushed to
    the account, so the old connection and the replacement both carry them.
    """

    def __init__(self, monkeypatch, server, api_key, path_prefix, method='connection_opened'):
        self.server, self.api_key, self.prefix = server, api_key, path_prefix
        self.armed = False
        self.pushed = []
        original = getattr(server, method)

        def hooked(conn, *args):
            original(conn, *args)
            if self.armed and conn.path.startswith(self.prefix):
                self.armed = False
                account = args[0] if args else api_key    # the subscribed account
                for _ in range(5):
                    n = next(_ids)
                    self.pushed.append(n)
                    server.push_user_event(account, {'e': 'balanceUpdate', 'E': n, 'a': 'BTC',
                                                     'd': '0.00000001', 'T': n})
        monkeypatch.setattr(server, method, hooked)

    def seen(self, rec):
        return [m['E'] for m in rec.events('balanceUpdate')]


def still_reconnects(server, stream, bm, key, orders, rec):
    """After the switch the new connection behaves as the stream's own: a drop reconnects it
    (re-fetching the listen key or subscribing again) and events keep coming."""
    opened = len(server.connections)
    assert server.drop(stream) == 1
    wait_until(lambda: len(server.connections) > opened and bm.wait_connected(key, 0),
               timeout=10, message='reconnected')
    orders.place()
    orders.wait(rec)


def assert_once_in_order(orders, rec, overlap=None):
    assert orders.seen(rec) == orders.placed
    if overlap is not None:
        assert overlap.pushed and overlap.seen(rec) == overlap.pushed
    assert not any(isinstance(m, dict) and (m.get('e') == 'serverShutdown' or (
        isinstance(m.get('event'), dict) and m['event'].get('e') == 'serverShutdown'))
        for m in rec)
    assert not any(isinstance(m, dict) and m.get('e') == 'error' for m in rec)


def fire_age_timer(exchange, bm, opened_between):
    """Check that one rotation is armed ROTATE_AFTER after the handshake, then fire it now."""
    def run():
        from twisted.internet import reactor
        earliest, latest = (t + bm.ROTATE_AFTER for t in opened_between)
        calls = [call for call in reactor.getDelayedCalls()
                 if call.active() and earliest - 0.01 <= call.getTime() <= latest + 0.01]
        assert len(calls) == 1
        calls[0].reset(0)
    exchange.call(run)


# -- the local exchange ---------------------------------------------------------------

def test_server_shutdown_reaches_user_connections_in_binance_formats(exchange):
    """Listen-key connections get the raw serverShutdown event, WebSocket API ones the connection event."""
    streams = exchange.streams
    streams.clear_connections()
    key = exchange.client().stream_get_listen_key()
    user = RawClient(streams.port, '/ws/' + key)
    api = RawClient(streams.port, '/ws-api/v3')
    try:
        streams.wait_for_connections(1, stream=key)
        streams.wait_for_connections(1, stream='ws-api/v3')
        assert streams.server_shutdown(grace=0.05) == 2
        raw, event = user.recv_json(), api.recv_json()
        assert raw['e'] == 'serverShutdown' and isinstance(raw['E'], int)
        assert set(event) == {'event'} and event['event']['e'] == 'serverShutdown'
        wait_until(lambda: streams.connection_count() == 0, message='closed after the grace')
    finally:
        user.close()
        api.close()


def test_two_connections_on_one_listen_key_both_get_every_event(exchange):
    """Two sockets on the same listen key each receive every order event of the account."""
    streams = exchange.streams
    key = exchange.client().stream_get_listen_key()
    first, second = RawClient(streams.port, '/ws/' + key), RawClient(streams.port, '/ws/' + key)
    try:
        streams.wait_for_connections(2, stream=key)
        cid = Orders(exchange).place()
        for conn in (first, second):
            msg = conn.recv_json()
            while msg.get('e') != 'executionReport':
                msg = conn.recv_json()
            assert msg['c'] == cid
    finally:
        first.close()
        second.close()


def test_two_websocket_api_subscriptions_of_one_account_both_get_every_event(ws_api_exchange):
    """Two WebSocket API user sockets of the same account each receive every order event."""
    a, b = manager(ws_api_exchange), manager(ws_api_exchange)
    rec_a, rec_b = Recorder(), Recorder()
    try:
        a.start_user_socket(rec_a)
        b.start_user_socket(rec_b)
        assert a.wait_connected('user', timeout=10) and b.wait_connected('user', timeout=10)
        orders = Orders(ws_api_exchange)
        for _ in range(3):
            orders.place()
        orders.wait(rec_a)
        orders.wait(rec_b)
        assert orders.seen(rec_a) == orders.seen(rec_b) == orders.placed
    finally:
        a.close()
        b.close()


# -- switch-over at serverShutdown ------------------------------------------------

def shutdown_switch(ex, monkeypatch, start, streams, prefix, notice, *, hook='connection_opened',
                    reconnect=True, **kind):
    """Open a user socket, switch it at a server_shutdown of ``notice`` while orders flow,
    check every event arrived once in order, then (``reconnect``) that it still reconnects."""
    bm = manager(ex)
    try:
        key, rec, orders, stream = open_user_socket(ex, bm, getattr(bm, start), streams, prefix,
                                                    **kind)
        overlap = Overlap(monkeypatch, streams, ex.api_key, prefix, hook)
        switch_over(streams, stream, orders, rec,
                    lambda: streams.server_shutdown(stream=notice(stream), grace=30), overlap)
        assert_once_in_order(orders, rec, overlap)
        assert bm.wait_connected(key, timeout=0)
        if reconnect:
            still_reconnects(streams, stream, bm, key, orders, rec)
            assert_once_in_order(orders, rec, overlap)
        return streams.connections[-1].lstrip('/'), stream
    finally:
        bm.close()


def test_listen_key_stream_switches_at_server_shutdown_without_loss_or_repeat(exchange,
                                                                              monkeypatch):
    """A listen-key socket opens its replacement first; every order event arrives once, in order."""
    last, first = shutdown_switch(exchange, monkeypatch, 'start_user_socket', exchange.streams,
                                  '/ws/', lambda stream: stream)
    assert last == first            # Binance answered with the same key: it is kept


def test_websocket_api_stream_switches_at_server_shutdown_without_loss_or_repeat(
        ws_api_exchange, monkeypatch):
    """A WebSocket API user socket subscribes on a new connection first; no event lost or repeated."""
    shutdown_switch(ws_api_exchange, monkeypatch, 'start_user_socket', ws_api_exchange.streams,
                    '/ws-api/', lambda stream: 'ws-api/v3', hook='register_api_subscription')


def test_futures_user_stream_switches_at_server_shutdown_without_loss_or_repeat(exchange,
                                                                               monkeypatch):
    """The futures user socket on private/ switches the same way (raw serverShutdown event)."""
    shutdown_switch(exchange, monkeypatch, 'start_futures_user_socket', exchange.fstreams,
                    '/private/ws/', lambda stream: stream.split('/')[-1], reconnect=False,
                    futures=True)


def test_margin_stream_switches_at_server_shutdown_without_loss_or_repeat(exchange, monkeypatch):
    """The margin socket subscribes its listen token on a new WebSocket API connection first."""
    exchange.client().transfer_spot_to_margin(asset='BTC', amount='1')
    shutdown_switch(exchange, monkeypatch, 'start_margin_socket', exchange.streams, '/ws-api/',
                    lambda stream: 'ws-api/v3', hook='register_api_subscription', margin=True)


# -- rotation before the 24 h cut ---------------------------------------------------

@pytest.mark.parametrize('mode', ['listen_key', 'ws_api'])
def test_user_stream_rotates_at_23h45_without_loss_or_repeat(exchange, ws_api_exchange, mode,
                                                             monkeypatch):
    """At ROTATE_AFTER (23 h 45 min) the user socket switches connections; events arrive once each."""
    ex = exchange if mode == 'listen_key' else ws_api_exchange
    bm = manager(ex)
    try:
        before = time.time()
        key, rec, orders, stream = open_user_socket(
            ex, bm, bm.start_user_socket, ex.streams,
            '/ws/' if mode == 'listen_key' else '/ws-api/')
        opened_between = (before, time.time())
        assert bm.ROTATE_AFTER == 23 * 3600 + 45 * 60
        overlap = Overlap(monkeypatch, ex.streams, ex.api_key,
                          *(('/ws/',) if mode == 'listen_key'
                            else ('/ws-api/', 'register_api_subscription')))
        switch_over(ex.streams, stream, orders, rec, lambda: fire_age_timer(ex, bm, opened_between), overlap)
        assert_once_in_order(orders, rec, overlap)
        assert bm.wait_connected(key, timeout=0)
    finally:
        bm.close()


# -- stop, and the fallback ------------------------------------------------------------

def test_stop_socket_during_a_switch_closes_both_connections(exchange):
    """stop_socket while the replacement is open closes old and new; nothing more is delivered."""
    bm = manager(exchange)
    streams = exchange.streams
    try:
        key, rec, orders, stream = open_user_socket(
            exchange, bm, bm.start_user_socket, streams, '/ws/')
        # the notice, then the old connection never answers: the switch cannot finish
        # (in one reactor turn: the client must not get its barrier answered in between)
        exchange.call(lambda: (streams.server_shutdown(stream=stream, grace=30),
                               streams.stall(stream)))
        wait_until(lambda: streams.connection_count(stream) == 2, timeout=10,
                   message='the replacement open')
        bm.stop_socket(key)
        count = len(rec)
        streams.resume()
        wait_until(lambda: streams.connection_count(stream) == 0, timeout=10,
                   message='both connections closed')
        orders.place()
        assert len(rec) == count and bm.conn_keys == []
    finally:
        bm.close()


def test_replacement_not_ready_before_the_close_falls_back_to_reconnecting(exchange, caplog):
    """When the replacement cannot connect before the old connection closes, the socket reconnects (logged)."""
    bm = manager(exchange)
    streams = exchange.streams
    try:
        key, rec, orders, stream = open_user_socket(
            exchange, bm, bm.start_user_socket, streams, '/ws/')
        streams.refuse()
        streams.server_shutdown(stream=stream, grace=0.05)
        wait_until(lambda: streams.connection_count(stream) == 0,
                   message='the old connection closed')
        # The server closed first; the client learns it a few reactor turns later. Resume
        # only then: a replacement let through earlier could still win the switch, and an
        # order placed before the client noticed would have its event sent nowhere.
        wait_until(lambda: 'switch-over abandoned: the connection closed before its '
                           'replacement was ready' in caplog.text,
                   message='the client to give the switch-over up')
        streams.resume()
        assert bm.wait_connected(key, timeout=10)
        orders.place()
        orders.wait(rec)
        assert_once_in_order(orders, rec)
    finally:
        streams.resume()
        bm.close()


# -- the same on a fake clock ---------------------------------------------------------

def rotate(reactor, bm, client, old, seconds):
    """Let ``seconds`` pass: the replacement must connect only at the end; return it open,
    with the barrier request the old connection was sent."""
    attempts = len(reactor.attempts)
    reactor.advance(seconds - 1)
    assert len(reactor.attempts) == attempts
    reactor.advance(1)
    new = Conn(reactor.attempts[attempts]).handshake()
    assert new.path == old.path == '/ws/listen-key-1'
    (barrier,) = [json.loads(p) for op, p in old.sent() if op == 1]
    assert barrier['method'] == 'LIST_SUBSCRIPTIONS'
    return new, barrier


def test_rotation_on_a_fake_clock_comes_at_23h45_and_keeps_one_keepalive():
    """On a fake clock the replacement opens at 23 h 45 min (again a day later), events of the
    overlap are delivered once, and one keepalive loop goes on with the unchanged key."""
    reactor, client = FakeReactor(), FakeClient()
    bm = BinanceSocketManager(client, user_timeout=1800, reactor=reactor)
    bm.STREAM_URL = 'ws://127.0.0.1:9000/'
    rec = Recorder()
    bm.start_user_socket(rec)
    reactor.flush()
    old = Conn(reactor.attempts[0]).handshake()
    event = lambda n: {'e': 'executionReport', 'E': n, 'c': 'o%d' % n}  # noqa: E731
    # 1: the replacement is ahead (it has 3, sent after the barrier): 2 dropped, 3 released
    new, barrier = rotate(reactor, bm, client, old, bm.ROTATE_AFTER)
    old.send_json(event(1))
    new.send_json(event(2))
    new.send_json(event(3))
    old.send_json(event(2))
    old.send_json({'result': ['listen-key-1'], 'id': barrier['id']})     # the switch
    assert [op for op, _ in old.sent()] == [8]                           # old one closed
    new.send_json(event(4))
    assert [m['E'] for m in rec] == [1, 2, 3, 4]
    old.lose()
    reactor.advance(bm.SWITCH_TIMEOUT)
    assert len(reactor.attempts) == 2          # the closed old connection does not reconnect
    # 2: the replacement lags (the old one delivered 6 first): its late copy is dropped
    old, (new, barrier) = new, rotate(reactor, bm, client, new,
                                      bm.ROTATE_AFTER - bm.SWITCH_TIMEOUT)
    old.send_json(event(5))
    old.send_json(event(6))
    old.send_json({'result': ['listen-key-1'], 'id': barrier['id']})
    new.send_json(event(6))
    new.send_json(event(7))
    assert [m['E'] for m in rec] == [1, 2, 3, 4, 5, 6, 7]
    assert client.keys == ['listen-key-1']
    keepalives = len(client.keepalives)
    reactor.advance(1800)
    assert client.keepalives[keepalives:] == ['listen-key-1']
    bm.close()
    reactor.flush()


def test_a_replacement_lost_before_the_switch_leaves_the_old_connection_delivering():
    """When the replacement closes before the switch, the old connection keeps delivering (and the
    answer to its pending request never reaches the callback); the stream can switch later."""
    reactor, client = FakeReactor(), FakeClient()
    bm = BinanceSocketManager(client, reactor=reactor)
    bm.STREAM_URL = 'ws://127.0.0.1:9000/'
    rec = Recorder()
    bm.start_user_socket(rec)
    reactor.flush()
    old = Conn(reactor.attempts[0]).handshake()
    old.send_json({'e': 'serverShutdown', 'E': 1})
    assert rec == [] and len(reactor.attempts) == 2
    new = Conn(reactor.attempts[1]).handshake()
    (barrier,) = [json.loads(p) for op, p in old.sent() if op == 1]
    new.lose()
    old.send_json({'e': 'executionReport', 'E': 1})
    old.send_json({'result': ['listen-key-1'], 'id': barrier['id']})
    old.send_json({'e': 'executionReport', 'E': 2})
    assert rec == [{'e': 'executionReport', 'E': 1}, {'e': 'executionReport', 'E': 2}]
    assert [op for op, _ in old.sent()] == []          # still open
    reactor.advance(bm.ROTATE_AFTER)                   # a later rotation switches as usual
    assert len(reactor.attempts) == 3
    bm.close()
    reactor.flush()
