"""Stopping, reconnect pacing, listen-key renewal and the ways a socket ends.

Clock-driven, with the in-memory connections and fake reactor of
``test_websockets_unit.py``: messages are fed to the protocol exactly as the
reactor would read them (several frames in one read for a burst), and the
``callFromThread`` queue runs only when a test flushes it, which is how a
``stop_socket`` from another thread looks to the reactor.
"""
import json
import logging
import threading

import pytest
from twisted.internet import error

from binance import _reactor
from binance.exceptions import BinanceAPIException
from binance.websockets import BinanceSocketManager, ReactorStoppedError
from tests.test_websockets_unit import (  # noqa: F401  (fixtures used by name)
    ERROR, Conn, Recorder, client, frame, manager, open_stream, reactor, refuse, user_manager)

MAX_DELAY = BinanceSocketManager.MAX_DELAY
INITIAL_DELAY = BinanceSocketManager.INITIAL_DELAY


def burst(conn, messages):
    """Deliver ``messages`` to the client in one read, as a busy stream does."""
    conn.proto.dataReceived(b''.join(frame(json.dumps(m)) for m in messages))


def next_delay(reactor):
    """Seconds until the next connection attempt (the clock is advanced to it)."""
    start, made = reactor.seconds(), len(reactor.attempts)
    for _ in range(1000):
        if len(reactor.attempts) > made:
            return reactor.seconds() - start
        due = [call.getTime() for call in reactor.getDelayedCalls() if call.active()]
        assert due, 'no reconnect is scheduled'
        reactor.advance(max(0.0, min(due) - reactor.seconds()))
    raise AssertionError('no connection attempt followed')


# -- nothing is delivered once stop_socket/close returned ------------------------------

def test_stop_inside_the_callback_drops_the_rest_of_the_burst(reactor, manager):
    """stop_socket in the callback: the messages of the same read are not delivered."""
    seen = []

    def callback(msg):
        seen.append(msg)
        manager.stop_socket(key)

    key = manager.start_trade_socket('BNBBTC', callback)
    reactor.flush()
    conn = Conn(reactor.attempts[0]).handshake()
    burst(conn, [{'n': i} for i in range(5)])
    assert seen == [{'n': 0}]
    reactor.flush()
    conn.lose(error.ConnectionDone())
    reactor.advance(100)
    assert seen == [{'n': 0}] and len(reactor.attempts) == 1


@pytest.mark.parametrize('how', ['stop_socket', 'close'])
def test_messages_read_after_stop_returned_are_dropped(reactor, manager, how):
    """stop_socket/close from another thread: messages read before the stop ran are dropped."""
    key, conn, rec = open_stream(reactor, manager, manager.start_trade_socket, 'BNBBTC')
    conn.send_json({'n': 0})
    if how == 'close':
        manager.close()
    else:
        manager.stop_socket(key)
    burst(conn, [{'n': 1}, {'n': 2}])        # the queued stop has not run yet
    assert rec == [{'n': 0}]


def test_restart_of_the_same_stream_inside_the_callback(reactor, manager):
    """'Close and restart' in the callback: each socket sees only its own connection."""
    old, new = [], Recorder()

    def callback(msg):
        old.append(msg)
        manager.stop_socket('bnbbtc@trade')
        assert manager.start_trade_socket('BNBBTC', new) == 'bnbbtc@trade'

    manager.start_trade_socket('BNBBTC', callback)
    reactor.flush()
    conn = Conn(reactor.attempts[0]).handshake()
    burst(conn, [{'n': i} for i in range(4)])
    reactor.flush()
    assert old == [{'n': 0}] and new == []
    conn.send_json({'n': 'late'})                 # the old connection is closing
    conn.lose(error.ConnectionDone())
    conn2 = Conn(reactor.attempts[1]).handshake()
    assert conn2.path == '/ws/bnbbtc@trade'
    conn2.send_json({'n': 'new'})
    reactor.advance(100)
    assert old == [{'n': 0}] and new == [{'n': 'new'}]
    assert len(reactor.attempts) == 2 and manager.conn_keys == ['bnbbtc@trade']


@pytest.mark.parametrize('mode', ['listen_key', 'ws_api'])
def test_user_socket_delivers_nothing_after_stop_socket(reactor, client, user_manager, mode):
    """The user socket, in both modes, drops events read after stop_socket returned."""
    if mode == 'ws_api':
        client.key_error = BinanceAPIException(None, 410, '')
    rec = Recorder()
    key = user_manager.start_user_socket(rec)
    reactor.flush()
    conn = Conn(reactor.attempts[0]).handshake()
    event = {'e': 'executionReport', 's': 'BNBBTC'}
    message = event if mode == 'listen_key' else {'subscriptionId': 0, 'event': event}
    conn.send_json(message)
    user_manager.stop_socket(key)
    burst(conn, [message, message])
    assert rec == [event]


def test_stop_listeners_run_on_stop_and_close_but_not_on_give_up(reactor, manager):
    """Stop listeners run on the reactor thread after stop_socket/close, not on give-up."""
    calls = []
    a, b, c = Recorder(), Recorder(), Recorder()
    ka = manager.start_trade_socket('BNBBTC', a)
    kb = manager.start_aggtrade_socket('BNBBTC', b)
    kc = manager.start_depth_socket('BNBBTC', c)
    assert manager.add_stop_listener(ka, lambda _key: calls.append('a'), callback=a)
    assert manager.add_stop_listener(kb, lambda _key: calls.append('b'), callback=b)
    assert manager.add_stop_listener(kc, lambda _key: calls.append('c'), callback=c)
    assert not manager.add_stop_listener(ka, lambda _key: calls.append("x"),
                                         callback=Recorder())  # other callback
    assert not manager.add_stop_listener('nope@trade', lambda _key: calls.append('x'), callback=a)
    reactor.flush()
    connectors = list(reactor.attempts)
    manager.stop_socket(ka)
    assert calls == []                          # runs on the reactor thread
    reactor.flush()
    assert calls == ['a']
    refuse(connectors[2])                       # c gives up: its callback gets the error
    for _ in range(5):
        reactor.advance(MAX_DELAY * 1.2)
        refuse(reactor.attempts[-1])
    manager.close()
    reactor.flush()
    assert calls == ['a', 'b'] and c == [{'e': 'error', 'm': 'Max reconnect retries reached'}]


# -- reconnect pacing ------------------------------------------------------------------

def flap(reactor, manager, key, times):
    """The server accepts the handshake and closes at once, ``times`` times; returns the delays."""
    delays = []
    for _ in range(times):
        conn = Conn(reactor.attempts[-1]).handshake()
        conn.server_close(1000)
        delays.append(next_delay(reactor))
    return delays


def test_flapping_server_backs_off_and_gives_up_like_a_refusing_one(reactor, manager):
    """Handshake then close at once: delays grow to MAX_DELAY and the socket gives up after MAX_RETRIES."""
    rec = Recorder()
    key = manager.start_trade_socket('BNBBTC', rec)
    reactor.flush()
    delays = flap(reactor, manager, key, manager.MAX_RETRIES)
    assert delays[0] <= INITIAL_DELAY * 1.1
    assert all(b > a for a, b in zip(delays, delays[1:]))
    assert delays[-1] >= MAX_DELAY * 0.9 * 0.9 or delays[-1] >= delays[0] * 20
    conn = Conn(reactor.attempts[-1]).handshake()
    conn.server_close(1000)                     # the sixth short-lived connection
    assert rec == [ERROR] and manager.conn_keys == []
    reactor.advance(100)
    assert len(reactor.attempts) == manager.MAX_RETRIES + 1


@pytest.mark.parametrize('life, healthy', [('data-long', True), ('ping-long', True),
                                           ('data-short', False), ('silent-long', False)])
def test_only_a_healthy_connection_resets_the_delay(reactor, manager, life, healthy):
    """Only HEALTHY_AFTER s open with frames received makes the next reconnect quick."""
    manager.MAX_RETRIES = 20
    key = manager.start_trade_socket('BNBBTC', Recorder())
    reactor.flush()
    assert flap(reactor, manager, key, 7)[-1] >= MAX_DELAY * 0.9
    conn = Conn(reactor.attempts[-1]).handshake()
    if life.startswith('data'):
        conn.send_json({'e': 'trade'})
    elif life.startswith('ping'):
        conn.send(b'', opcode=9)
    reactor.advance(manager.HEALTHY_AFTER + 0.001 if life.endswith('long')
                    else manager.HEALTHY_AFTER / 2)
    conn.lose()
    delay = next_delay(reactor)
    if healthy:
        assert delay <= INITIAL_DELAY * 1.1
    else:
        assert delay >= MAX_DELAY * 0.9


# -- user stream: the listen key after a reconnect ---------------------------------------

def open_user(reactor, user_manager):
    rec = Recorder()
    user_manager.start_user_socket(rec)
    reactor.flush()
    return rec, Conn(reactor.attempts[-1]).handshake()


def test_reconnect_asks_for_the_key_again_and_reuses_a_valid_one(reactor, client, user_manager):
    """After a drop the key is requested again and a still-valid key reused; refusals don't ask."""
    rec, conn = open_user(reactor, user_manager)
    assert client.posts == 1
    conn.lose()
    reactor.advance(0.2)
    assert client.posts == 2 and client.keys == ['listen-key-1']
    refuse(reactor.attempts[-1])
    reactor.advance(1)
    assert client.posts == 2
    conn2 = Conn(reactor.attempts[-1]).handshake()
    assert conn2.path == '/ws/listen-key-1'
    conn2.send_json({'e': 'balanceUpdate'})
    assert rec == [{'e': 'balanceUpdate'}]


def test_key_expired_while_disconnected_is_replaced_before_reconnecting(
        reactor, client, user_manager):
    """A key that expired while down is not reused: reconnect and keepalive use the new one."""
    rec, conn = open_user(reactor, user_manager)
    conn.lose()
    client.expire()
    reactor.advance(0.2)
    conn2 = Conn(reactor.attempts[-1]).handshake()
    assert conn2.path == '/ws/listen-key-2'
    conn2.send_json({'e': 'executionReport'})
    assert rec == [{'e': 'executionReport'}]
    reactor.advance(60)
    assert client.keepalives == ['listen-key-2']


def test_failed_key_request_before_a_reconnect_is_retried(reactor, client, user_manager):
    """A key request failing before a reconnect counts as a failed attempt and is retried."""
    rec, conn = open_user(reactor, user_manager)
    client.key_error = BinanceAPIException(None, 503, '{"code": -1001, "msg": "busy"}')
    conn.lose()
    reactor.advance(0.2)
    assert client.posts == 2 and len(reactor.attempts) == 1
    client.key_error = None
    reactor.advance(1)
    assert client.posts == 3 and len(reactor.attempts) == 2
    assert Conn(reactor.attempts[-1]).path == '/ws/listen-key-1' and rec == []


def test_key_rejected_at_a_reconnect_ends_the_stream(reactor, client, user_manager):
    """An API key revoked meanwhile (401/-2015): one error message, no reconnect, key freed."""
    rec, conn = open_user(reactor, user_manager)
    client.key_error = BinanceAPIException(
        None, 401, '{"code": -2015, "msg": "Invalid API-key, IP, or permissions for action."}')
    conn.lose()
    reactor.advance(0.2)
    reactor.advance(100)
    assert len(rec) == 1 and 'rejected the API key' in rec[0]['m']
    assert len(reactor.attempts) == 1 and client.posts == 2
    assert user_manager.conn_keys == [] and reactor.getDelayedCalls() == []


def test_listen_keys_retired_meanwhile_switch_to_the_websocket_api(reactor, client, user_manager):
    """If the listen-key endpoint is gone at a reconnect, the stream moves to the WebSocket API."""
    rec, conn = open_user(reactor, user_manager)
    client.key_error = BinanceAPIException(None, 410, '')
    conn.lose()
    reactor.advance(0.2)
    api = Conn(reactor.attempts[-1]).handshake()
    assert (api.connector.port, api.path) == (9001, '/ws-api/v3')
    assert json.loads(api.sent()[0][1])['method'] == 'userDataStream.subscribe.signature'
    api.send_json({'subscriptionId': 0, 'event': {'e': 'balanceUpdate'}})
    assert rec == [{'e': 'balanceUpdate'}]


# -- user stream: permanent failures end it once ----------------------------------------

@pytest.mark.parametrize('status, body', [
    (401, '{"code": -2015, "msg": "Invalid API-key, IP, or permissions for action."}'),
    (400, '{"code": -2014, "msg": "API-key format invalid."}'),
    (401, ''),
])
def test_rejected_api_key_fails_at_once(reactor, client, user_manager, status, body):
    """401, -2014 or -2015 for the listen key: one error message naming the problem, no retries."""
    client.key_error = BinanceAPIException(None, status, body)
    rec = Recorder()
    user_manager.start_user_socket(rec)
    reactor.flush()
    assert len(rec) == 1 and rec[0]['e'] == 'error'
    assert 'rejected the API key' in rec[0]['m']
    assert client.API_KEY not in rec[0]['m'] and client.API_SECRET not in rec[0]['m']
    reactor.advance(100)
    assert client.posts == 1 and reactor.attempts == [] and user_manager.conn_keys == []


def test_internal_error_ends_the_user_stream_and_frees_the_key(reactor, client, user_manager):
    """An unexpected error ends the user stream with one error message; it can start again."""
    client.stream_get_listen_key = lambda: {'unexpected': 'answer'}
    rec = Recorder()
    user_manager.start_user_socket(rec)
    reactor.flush()
    assert len(rec) == 1 and rec[0]['e'] == 'error' and 'User stream error' in rec[0]['m']
    assert user_manager.conn_keys == [] and reactor.getDelayedCalls() == []
    del client.stream_get_listen_key
    assert user_manager.start_user_socket(rec) == 'user'
    reactor.flush()
    assert Conn(reactor.attempts[-1]).path == '/ws/listen-key-1'


# -- callbacks that ask to exit ----------------------------------------------------------

@pytest.mark.parametrize('exc', [SystemExit('stop the bot'), KeyboardInterrupt()])
def test_callback_asking_to_exit_stops_the_reactor(reactor, manager, caplog, exc):
    """sys.exit() or Ctrl-C in a callback stops the reactor (logged), instead of a reconnect."""
    seen = []

    def callback(msg):
        seen.append(msg)
        raise exc

    manager.start_trade_socket('BNBBTC', callback)
    reactor.flush()
    conn = Conn(reactor.attempts[0]).handshake()
    with caplog.at_level(logging.INFO, logger='binance.websockets'):
        burst(conn, [{'n': 0}, {'n': 1}])
    assert reactor.hasStopped
    assert seen == [{'n': 0}]
    assert 'asked to exit' in caplog.text and type(exc).__name__ in caplog.text
    assert conn.proto.state == conn.proto.STATE_OPEN and len(reactor.attempts) == 1


# -- argument checks ---------------------------------------------------------------------

LISTEN_KEY = 'pqia91ma19a5s61cv6a81va65sdf19v8a65a1a5s61cv6a81va65sdf19v8a65a1'


@pytest.mark.parametrize('name', [
    'bnbbtc@trade', 'bnbbtc@aggTrade', 'bnbbtc@kline_1M', 'bnbbtc@kline_1h@+08:00',
    'bnbbtc@depth', 'bnbbtc@depth@100ms', 'bnbbtc@depth@1000ms', 'bnbbtc@depth20',
    'bnbbtc@depth5@100ms', 'bnbbtc@ticker', 'bnbbtc@ticker_4h', 'bnbbtc@miniTicker',
    'bnbbtc@bookTicker', 'bnbbtc@avgPrice', '!miniTicker@arr', '!ticker@arr',
    '!ticker_1d@arr', LISTEN_KEY,
])
def test_multiplex_accepts_every_binance_stream_kind(reactor, manager, name):
    """Every documented stream type (and a listen key) is accepted in a combined stream."""
    assert manager.start_multiplex_socket([name], Recorder()) == 'stream?streams=' + name


@pytest.mark.parametrize('names, words', [
    (['bnbbtc@trades'], ['trades', 'aggTrade', 'kline_<interval>', 'avgPrice', '!miniTicker@arr']),
    (['bnbbtc@depth15'], ['depth15', 'depth5']),
    (['bnbbtc@kline_2m'], ['kline_2m', '30m']),
    (['bnbbtc@ticker_2h'], ['ticker_2h', '1h, 4h, 1d']),
    (['!bookTicker'], ['!bookTicker', '!ticker@arr']),
    (['bnbbtc@trade', 'ethbtc@trade', 'bnbbtc@trade'], ['bnbbtc@trade', 'twice']),
    (['shortkey'], ['shortkey']),
])
def test_multiplex_rejects_unknown_kinds_and_duplicates(reactor, manager, names, words):
    """A typo in a stream type or a stream named twice is a ValueError listing what is valid."""
    with pytest.raises(ValueError) as info:
        manager.start_multiplex_socket(names, Recorder())
    for word in words:
        assert word in str(info.value)
    assert reactor.queue == [] and manager.conn_keys == []


# -- the process's reactor ----------------------------------------------------------------

def test_stopped_reactor_makes_start_and_start_star_raise(monkeypatch):
    """Once the process's reactor stopped, start() and start_* raise ReactorStoppedError."""
    stopped = threading.Event()
    stopped.set()
    monkeypatch.setattr(_reactor, '_stopped', stopped)
    bm = BinanceSocketManager(None)
    bm.STREAM_URL = 'ws://127.0.0.1:9/'        # loopback, should the check ever fail
    with pytest.raises(ReactorStoppedError, match='new process'):
        bm.start_trade_socket('BNBBTC', Recorder())
    with pytest.raises(ReactorStoppedError):
        bm.start()
    assert bm.conn_keys == [] and not bm.is_alive()


def test_claim_registers_the_stop_trigger_on_the_reactor_thread(monkeypatch):
    """When someone else runs the reactor, claim() hands the trigger registration to its thread."""
    class RunningReactor:
        running = True

        def __init__(self):
            self.from_thread = []

        def callFromThread(self, fn, *args):
            self.from_thread.append((fn, args))

        def addSystemEventTrigger(self, *args):
            raise AssertionError('reactor state touched from a foreign thread')

    fake = RunningReactor()
    monkeypatch.setattr(_reactor, 'get_reactor', lambda: fake)
    monkeypatch.setattr(_reactor, '_runner', None)
    monkeypatch.setattr(_reactor, '_running', threading.Event())
    monkeypatch.setattr(_reactor, '_stopped', threading.Event())
    assert _reactor.claim(threading.current_thread()) is False
    assert fake.from_thread == [(fake.addSystemEventTrigger,
                                 ('after', 'shutdown', _reactor._mark_stopped))]
