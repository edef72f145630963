"""BinanceSocketManager logic without the network: a fake reactor on a Clock.

Connections are in-memory autobahn protocols on ``StringTransport``s, driven
by a tiny fake server (handshake, frames, close), and time is a
:class:`twisted.internet.task.Clock`, so backoff, idle detection and
keepalive are tested in microseconds.
"""
import base64
import hashlib
import hmac
import json
import logging
import re
import struct
from urllib.parse import parse_qsl

import pytest
from twisted.internet import error
from twisted.internet.testing import StringTransport
from twisted.python.failure import Failure

from binance.enums import KLINE_INTERVAL_30MINUTE
from binance.exceptions import BinanceAPIException
from binance.testing.reactor import FakeConnector, FakeReactor  # noqa: F401  (used by other tests)
from binance.websockets import BinanceSocketManager

GUID = b'258EAFA5-E914-47DA-95CA-C5AB0DC85B11'  # RFC 6455
ERROR = {'e': 'error', 'm': 'Max reconnect retries reached'}


# -- fakes ---------------------------------------------------------------------------

def frame(payload, opcode=1):
    """An unmasked server frame."""
    if isinstance(payload, str):
        payload = payload.encode('utf-8')
    head = bytes([0x80 | opcode])
    n = len(payload)
    if n < 126:
        head += bytes([n])
    elif n < 65536:
        head += bytes([126]) + struct.pack('!H', n)
    else:
        head += bytes([127]) + struct.pack('!Q', n)
    return head + payload


def read_frames(data):
    """Decode client (masked) frames: list of (opcode, payload)."""
    out = []
    i = 0
    while i < len(data):
        opcode = data[i] & 0x0F
        n = data[i + 1] & 0x7F
        i += 2
        if n == 126:
            n = struct.unpack('!H', data[i:i + 2])[0]
            i += 2
        elif n == 127:
            n = struct.unpack('!Q', data[i:i + 8])[0]
            i += 8
        mask = data[i:i + 4]
        i += 4
        payload = bytes(b ^ mask[k % 4] for k, b in enumerate(data[i:i + n]))
        i += n
        out.append((opcode, payload))
    return out


class Transport(StringTransport):
    def unregisterProducer(self):
        self.producer = None


class Conn:
    """One in-memory connection of a factory, seen from the server side."""

    def __init__(self, connector):
        self.connector = connector
        self.factory = connector.factory
        self.transport = Transport()
        self.proto = self.factory.buildProtocol(None)
        self.proto.makeConnection(self.transport)
        self.request = self.transport.value()
        self.transport.clear()

    @property
    def path(self):
        return self.request.split(b' ')[1].decode()

    def handshake(self):
        key = re.search(rb'Sec-WebSocket-Key: (\S+)', self.request).group(1)
        accept = base64.b64encode(hashlib.sha1(key + GUID).digest())
        self.proto.dataReceived(b'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n'
                                b'Connection: Upgrade\r\nSec-WebSocket-Accept: ' + accept +
                                b'\r\n\r\n')
        assert self.proto.state == self.proto.STATE_OPEN
        return self

    def send(self, payload, opcode=1):
        self.proto.dataReceived(frame(payload, opcode))

    def send_json(self, obj):
        self.send(json.dumps(obj))

    def sent(self):
        frames = read_frames(self.transport.value())
        self.transport.clear()
        return frames

    def lose(self, exc=None):
        reason = Failure(exc or error.ConnectionLost())
        self.proto.connectionLost(reason)
        self.factory.clientConnectionLost(self.connector, reason)

    def server_close(self, code):
        self.send(struct.pack('!H', code) + b'bye', opcode=8)
        self.lose(error.ConnectionDone())


def refuse(connector):
    connector.factory.clientConnectionFailed(connector, Failure(error.ConnectionRefusedError()))


@pytest.fixture
def reactor():
    return FakeReactor()


@pytest.fixture
def manager(reactor):
    bm = BinanceSocketManager(None, reactor=reactor)
    bm.STREAM_URL = 'ws://127.0.0.1:9000/'
    return bm


class Recorder(list):
    def __call__(self, msg):
        self.append(msg)


def open_stream(reactor, manager, start, *args):
    """Start a socket, run the queue, complete the handshake; returns (key, conn, recorder)."""
    rec = Recorder()
    key = start(*args, rec) if args else start(rec)
    reactor.flush()
    conn = Conn(reactor.attempts[-1]).handshake()
    return key, conn, rec


# -- argument checks -------------------------------------------------------------------

@pytest.mark.parametrize('call, exc, words', [
    (lambda bm, cb: bm.start_kline_socket('BNBBTC', cb, interval='2m'), ValueError, ['2m', '30m', '1M']),
    (lambda bm, cb: bm.start_depth_socket('BNBBTC', cb, depth=7), ValueError, ['5', '10', '20']),
    (lambda bm, cb: bm.start_depth_socket('BNBBTC', cb, depth='15'), ValueError, ['5', '10', '20']),
    (lambda bm, cb: bm.start_trade_socket('', cb), ValueError, ['empty']),
    (lambda bm, cb: bm.start_trade_socket('BNB/BTC', cb), ValueError, ['BNB/BTC']),
    (lambda bm, cb: bm.start_trade_socket('bnb btc', cb), ValueError, ['malformed']),
    (lambda bm, cb: bm.start_trade_socket('\uff22\uff2e\uff22\uff22\uff34\uff23', cb),
     ValueError, ['ASCII']),
    (lambda bm, cb: bm.start_kline_socket('BNB\u00b2', cb), ValueError, ['ASCII']),
    (lambda bm, cb: bm.start_trade_socket(None, cb), TypeError, ['symbol']),
    (lambda bm, cb: bm.start_aggtrade_socket('BNBBTC', 'not callable'), TypeError, ['callable']),
    (lambda bm, cb: bm.start_miniticker_socket(cb, update_time=2000), ValueError, ['1000', '3000']),
    (lambda bm, cb: bm.start_multiplex_socket([], cb), ValueError, ['at least one']),
    (lambda bm, cb: bm.start_multiplex_socket('bnbbtc@trade', cb), TypeError, ['list']),
    (lambda bm, cb: bm.start_multiplex_socket(['BNBBTC@trade'], cb), ValueError, ['lowercase']),
    (lambda bm, cb: bm.start_multiplex_socket(['bnbbtc'], cb), ValueError, ['bnbbtc']),
    (lambda bm, cb: bm.start_multiplex_socket(['a@trade/b@trade'], cb), ValueError, ['malformed']),
    (lambda bm, cb: bm.start_user_socket(cb), ValueError, ['API key']),
])
def test_bad_arguments_raise_before_any_connection(reactor, manager, call, exc, words):
    """Bad arguments raise ValueError/TypeError naming the valid values, and nothing is queued."""
    with pytest.raises(exc) as info:
        call(manager, Recorder())
    for word in words:
        assert word in str(info.value)
    assert reactor.queue == [] and reactor.attempts == []
    assert manager.conn_keys == []


@pytest.mark.parametrize('value, exc', [
    (0, ValueError), (-5, ValueError), (float('nan'), ValueError), (float('inf'), ValueError),
    ('30', TypeError), (None, TypeError), (True, TypeError),
])
def test_bad_user_timeout_is_refused(value, exc):
    """user_timeout <= 0 (or not finite) is a ValueError; a non-number is a TypeError."""
    with pytest.raises(exc, match='user_timeout'):
        BinanceSocketManager(None, user_timeout=value)


def test_unreadable_tls_ca_fails_in_the_callers_thread(reactor):
    """A CA file that cannot be read is reported by start_*, not later on the reactor."""
    bm = BinanceSocketManager(None, reactor=reactor, tls_ca='/nonexistent/ca.pem')
    with pytest.raises(ValueError, match='CA file'):
        bm.start_trade_socket('BNBBTC', Recorder())
    assert reactor.queue == []


# -- keys and URLs ---------------------------------------------------------------------

@pytest.mark.parametrize('start, args, key', [
    ('start_trade_socket', ('BNBBTC',), 'bnbbtc@trade'),
    ('start_aggtrade_socket', ('BNBBTC',), 'bnbbtc@aggTrade'),
    ('start_kline_socket', ('BNBBTC',), 'bnbbtc@kline_1m'),
    ('start_depth_socket', ('BNBBTC',), 'bnbbtc@depth'),
    ('start_symbol_ticker_socket', ('BNBBTC',), 'bnbbtc@ticker'),
    ('start_ticker_socket', (), '!ticker@arr'),
    ('start_miniticker_socket', (), '!miniTicker@arr'),
    ('start_symbol_book_ticker_socket', ('BNBBTC',), 'bnbbtc@bookTicker'),
])
def test_each_socket_connects_to_its_raw_stream_path(reactor, manager, start, args, key):
    """Every start_* returns the stream path as key and connects to STREAM_URL + 'ws/' + key."""
    assert getattr(manager, start)(*(args + (Recorder(),))) == key
    reactor.flush()
    conn = Conn(reactor.attempts[0])
    assert (conn.connector.host, conn.connector.port) == ('127.0.0.1', 9000)
    assert conn.path == '/ws/' + key


def test_options_pick_the_documented_stream_names(reactor, manager):
    """Kline interval, partial depth (str or int) and the 3000 ms mini ticker name their streams."""
    cb = Recorder()
    assert manager.start_kline_socket('BNBBTC', cb, interval=KLINE_INTERVAL_30MINUTE) == \
        'bnbbtc@kline_30m'
    assert manager.start_depth_socket('BNBBTC', cb, depth=BinanceSocketManager.WEBSOCKET_DEPTH_5) \
        == 'bnbbtc@depth5'
    assert manager.start_depth_socket('ETHBTC', cb, depth=20) == 'ethbtc@depth20'
    assert manager.start_miniticker_socket(cb, update_time=3000) == '!miniTicker@arr@3000ms'


def test_multiplex_key_is_the_combined_stream_path(reactor, manager):
    """start_multiplex_socket connects to stream?streams=a/b and returns that path."""
    key = manager.start_multiplex_socket(['bnbbtc@aggTrade', 'neobtc@ticker'], Recorder())
    assert key == 'stream?streams=bnbbtc@aggTrade/neobtc@ticker'
    reactor.flush()
    assert Conn(reactor.attempts[0]).path == '/' + key


def test_ticker_socket_warns_that_binance_retired_it(reactor, manager, caplog):
    """!ticker@arr still connects but logs a warning pointing to the mini ticker."""
    with caplog.at_level(logging.WARNING, logger='binance.websockets'):
        assert manager.start_ticker_socket(Recorder()) == '!ticker@arr'
    assert 'start_miniticker_socket' in caplog.text


class FakeClient:
    """Listen keys as Binance hands them out: the same key while it is valid, a new one after."""

    API_KEY = 'the-api-key'
    API_SECRET = 'the-api-secret'
    testnet = False
    tld = 'com'
    timestamp_offset = 0

    def __init__(self, **kw):
        self.__dict__.update(kw)
        self.keys = []              # every distinct key handed out
        self.posts = 0              # listen-key requests
        self.valid = None           # the key that is currently valid
        self.keepalives = []
        self.closed = []
        self.keepalive_error = None
        self.key_error = None

    def stream_get_listen_key(self):
        self.posts += 1
        if self.key_error is not None:
            raise self.key_error
        if self.valid is None:
            self.valid = 'listen-key-%d' % (len(self.keys) + 1)
            self.keys.append(self.valid)
        return self.valid

    def expire(self):
        """The server forgets the key (60 minutes without keepalive)."""
        self.valid = None

    def stream_keepalive(self, listenKey):
        self.keepalives.append(listenKey)
        if self.keepalive_error is not None:
            raise self.keepalive_error
        if listenKey != self.valid:
            raise BinanceAPIException(
                None, 400, '{"code": -1125, "msg": "This listenKey does not exist."}')
        return {}

    def stream_close(self, listenKey):
        self.closed.append(listenKey)
        return {}


@pytest.mark.parametrize('kw, host, port', [
    ({}, 'stream.binance.com', 9443),
    ({'testnet': True}, 'stream.testnet.binance.vision', 443),
    ({'tld': 'us'}, 'stream.binance.us', 9443),
])
def test_stream_url_follows_the_client(reactor, kw, host, port):
    """Production, testnet and binance.us clients get their own wss:// stream hosts, verified."""
    bm = BinanceSocketManager(FakeClient(**kw), reactor=reactor)
    bm.start_trade_socket('BNBBTC', Recorder())
    reactor.flush()
    connector = reactor.attempts[0]
    assert (connector.host, connector.port) == (host, port)
    assert connector.tls is not None        # connectSSL with verifying options
    assert connector.tls._hostnameASCII == host


def test_instance_stream_url_overrides_the_class(reactor):
    """Setting STREAM_URL on an instance points only that manager elsewhere."""
    bm = BinanceSocketManager(FakeClient(testnet=True), reactor=reactor)
    bm.STREAM_URL = 'ws://127.0.0.1:1234/prefix/'
    bm.start_trade_socket('BNBBTC', Recorder())
    reactor.flush()
    conn = Conn(reactor.attempts[0])
    assert conn.connector.port == 1234 and conn.path == '/prefix/ws/bnbbtc@trade'
    assert BinanceSocketManager.STREAM_URL == 'wss://stream.binance.com:9443/'


# -- one socket per stream, threads, start ---------------------------------------------

def test_second_start_of_the_same_stream_returns_false(reactor, manager):
    """Only one socket per stream: the duplicate returns False and opens nothing."""
    assert manager.start_trade_socket('BNBBTC', Recorder()) == 'bnbbtc@trade'
    assert manager.start_trade_socket('bnbbtc', Recorder()) is False
    assert manager.start_aggtrade_socket('BNBBTC', Recorder()) == 'bnbbtc@aggTrade'
    reactor.flush()
    assert len(reactor.attempts) == 2


def test_connections_wait_for_the_reactor(reactor, manager):
    """start_* only queues the connection with callFromThread; it opens when the reactor runs."""
    manager.start_trade_socket('BNBBTC', Recorder())
    assert reactor.attempts == [] and len(reactor.queue) == 1
    reactor.flush()
    assert len(reactor.attempts) == 1


def test_start_with_injected_reactor_is_idempotent(reactor, manager):
    """start() may be called repeatedly (and after close) without raising."""
    manager.start()
    manager.start()
    manager.close()
    manager.start()
    assert not manager.is_alive()      # the injected reactor is driven by its owner


def test_construction_is_offline(reactor):
    """Creating a manager touches neither the reactor nor the network."""
    client = FakeClient()
    BinanceSocketManager(client, reactor=reactor)
    assert reactor.queue == [] and reactor.attempts == [] and client.keys == []


# -- messages ----------------------------------------------------------------------------

def test_messages_are_decoded_json(reactor, manager):
    """Callbacks receive dicts for objects and lists for array streams."""
    _, conn, rec = open_stream(reactor, manager, manager.start_trade_socket, 'BNBBTC')
    conn.send_json({'e': 'trade', 'p': '0.1'})
    conn.send_json([{'s': 'BNBBTC'}, {'s': 'ETHBTC'}])
    assert rec == [{'e': 'trade', 'p': '0.1'}, [{'s': 'BNBBTC'}, {'s': 'ETHBTC'}]]


def test_callback_exception_is_logged_and_the_stream_goes_on(reactor, manager, caplog):
    """A raising callback is logged with its traceback; later messages still arrive."""
    seen = []

    def callback(msg):
        seen.append(msg)
        if msg['n'] == 1:
            raise RuntimeError('boom in user code')

    manager.start_trade_socket('BNBBTC', callback)
    reactor.flush()
    conn = Conn(reactor.attempts[0]).handshake()
    with caplog.at_level(logging.ERROR, logger='binance.websockets'):
        conn.send_json({'n': 1})
        conn.send_json({'n': 2})
    assert seen == [{'n': 1}, {'n': 2}]
    record = [r for r in caplog.records if r.exc_info][0]
    assert 'boom in user code' in caplog.text and record.exc_info[0] is RuntimeError
    assert conn.proto.state == conn.proto.STATE_OPEN


def test_bad_frames_are_logged_and_skipped(reactor, manager, caplog):
    """Non-JSON text and binary frames are skipped with a log line; the stream continues."""
    _, conn, rec = open_stream(reactor, manager, manager.start_trade_socket, 'BNBBTC')
    with caplog.at_level(logging.WARNING, logger='binance.websockets'):
        conn.send('this is not json')
        conn.send(b'\x00\x01\x02', opcode=2)
        conn.send_json({'ok': True})
    assert rec == [{'ok': True}]
    assert 'not JSON' in caplog.text and 'binary' in caplog.text


def test_ping_is_answered_with_pong_echoing_the_payload(reactor, manager):
    """A server ping gets a pong with the same payload (Binance drops clients that don't)."""
    _, conn, _ = open_stream(reactor, manager, manager.start_trade_socket, 'BNBBTC')
    conn.send(b'ping-payload-123', opcode=9)
    assert conn.sent() == [(10, b'ping-payload-123')]


# -- reconnect -------------------------------------------------------------------------

def test_five_retries_with_growing_delays_then_one_error(reactor, manager):
    """Refused connections are retried 5 times with exponential backoff, then one error dict."""
    rec = Recorder()
    key = manager.start_trade_socket('BNBBTC', rec)
    reactor.flush()
    refuse(reactor.attempts[-1])
    delays = []
    for _ in range(5):
        (call,) = reactor.getDelayedCalls()
        delays.append(call.getTime() - reactor.seconds())
        reactor.advance(delays[-1])
        refuse(reactor.attempts[-1])
    assert len(reactor.attempts) == 6                  # first attempt + 5 retries
    assert rec == [ERROR]                              # exactly once
    assert reactor.getDelayedCalls() == []
    assert 0.09 <= delays[0] <= 0.11
    assert all(b > a for a, b in zip(delays, delays[1:]))
    assert max(delays) <= BinanceSocketManager.MAX_DELAY * 1.1
    # the key is free again: the documented reaction is to restart the socket
    assert manager.start_trade_socket('BNBBTC', rec) == key


def test_backoff_is_capped_at_max_delay(reactor):
    """No wait between attempts exceeds MAX_DELAY (plus jitter)."""
    bm = BinanceSocketManager(None, reactor=reactor)
    bm.STREAM_URL = 'ws://127.0.0.1:9000/'
    bm.MAX_RETRIES, bm.INITIAL_DELAY, bm.MAX_DELAY = 10, 1.0, 3.0
    bm.start_trade_socket('BNBBTC', Recorder())
    reactor.flush()
    delays = []
    for _ in range(10):
        refuse(reactor.attempts[-1])
        (call,) = reactor.getDelayedCalls()
        delays.append(call.getTime() - reactor.seconds())
        reactor.advance(delays[-1])
    assert max(delays) <= 3.0 * 1.1 and min(delays[-5:]) >= 3.0 * 0.9


def test_healthy_connection_resets_the_retry_budget(reactor, manager):
    """After a connection stayed up HEALTHY_AFTER s receiving data, a later drop gets 5 fresh retries."""
    rec = Recorder()
    manager.start_trade_socket('BNBBTC', rec)
    reactor.flush()
    for _ in range(4):                     # 4 failures, budget nearly used
        refuse(reactor.attempts[-1])
        reactor.advance(20)
    conn = Conn(reactor.attempts[-1]).handshake()
    conn.send_json({'e': 'trade'})
    reactor.advance(manager.HEALTHY_AFTER)
    conn.lose()
    for _ in range(5):                     # 5 more failures are still retried
        reactor.advance(20)
        refuse(reactor.attempts[-1])
    assert rec == [{'e': 'trade'}, ERROR]
    assert len(reactor.attempts) == 5 + 5     # 5 before the open one, 5 after the drop


def test_a_handshake_alone_does_not_reset_the_retry_budget(reactor, manager):
    """A connection lost before HEALTHY_AFTER s counts as one more failed attempt."""
    rec = Recorder()
    manager.start_trade_socket('BNBBTC', rec)
    reactor.flush()
    for _ in range(4):
        refuse(reactor.attempts[-1])
        reactor.advance(20)
    conn = Conn(reactor.attempts[-1]).handshake()
    conn.send_json({'e': 'trade'})
    reactor.advance(manager.HEALTHY_AFTER / 2)
    conn.lose()                            # the fifth failure: one retry left
    reactor.advance(20)
    refuse(reactor.attempts[-1])
    assert rec == [{'e': 'trade'}, ERROR]
    assert len(reactor.attempts) == 6


def test_drop_of_an_open_connection_reconnects_quickly_without_error(reactor, manager):
    """A lost open connection reconnects after about INITIAL_DELAY, silently."""
    _, conn, rec = open_stream(reactor, manager, manager.start_trade_socket, 'BNBBTC')
    conn.lose()
    (call,) = reactor.getDelayedCalls()
    assert call.getTime() - reactor.seconds() <= 0.11
    reactor.advance(0.11)
    conn2 = Conn(reactor.attempts[-1]).handshake()
    conn2.send_json({'after': 'reconnect'})
    assert rec == [{'after': 'reconnect'}]


@pytest.mark.parametrize('code', [1001, 1000])
def test_server_shutdown_notice_and_24h_cut_reconnect_transparently(reactor, manager, code):
    """A server close (1001 shutdown notice, or the 24 h cut) reconnects; no error reaches the callback."""
    _, conn, rec = open_stream(reactor, manager, manager.start_trade_socket, 'BNBBTC')
    conn.server_close(code)
    reactor.advance(0.2)
    assert len(reactor.attempts) == 2
    Conn(reactor.attempts[-1]).handshake().send_json({'n': 1})
    assert rec == [{'n': 1}]


def test_stop_during_backoff_never_reconnects(reactor, manager):
    """stop_socket cancels a pending retry; no attempt and no error follow."""
    rec = Recorder()
    key = manager.start_trade_socket('BNBBTC', rec)
    reactor.flush()
    refuse(reactor.attempts[-1])
    manager.stop_socket(key)
    reactor.flush()
    assert reactor.getDelayedCalls() == []
    reactor.advance(100)
    assert len(reactor.attempts) == 1 and rec == []


def test_stop_of_an_open_socket_closes_it_and_does_not_reconnect(reactor, manager):
    """stop_socket sends a close frame; the following connection loss does not reconnect."""
    key, conn, rec = open_stream(reactor, manager, manager.start_trade_socket, 'BNBBTC')
    manager.stop_socket(key)
    reactor.flush()
    assert conn.sent()[0][0] == 8              # close frame
    conn.send_json({'late': 1})                # in flight: not delivered after stop
    conn.lose(error.ConnectionDone())
    reactor.advance(100)
    assert len(reactor.attempts) == 1 and rec == []
    assert reactor.getDelayedCalls() == []
    assert manager.conn_keys == []


def test_stop_before_the_reactor_ran_opens_nothing(reactor, manager):
    """A socket stopped before its queued connect ran is never opened."""
    key = manager.start_trade_socket('BNBBTC', Recorder())
    manager.stop_socket(key)
    reactor.flush()
    assert reactor.attempts == []


def test_stop_during_the_handshake_drops_the_connection(reactor, manager):
    """stop_socket while the WebSocket handshake is pending aborts it; nothing reconnects."""
    rec = Recorder()
    key = manager.start_trade_socket('BNBBTC', rec)
    reactor.flush()
    conn = Conn(reactor.attempts[0])          # TCP up, upgrade request sent, no answer yet
    manager.stop_socket(key)
    reactor.flush()
    assert conn.transport.disconnecting
    conn.lose(error.ConnectionAborted())
    reactor.advance(100)
    assert len(reactor.attempts) == 1 and rec == [] and reactor.getDelayedCalls() == []


def test_close_stops_everything_and_sockets_can_start_again(reactor, manager):
    """close() stops all sockets; the same streams can be started afterwards."""
    cb = Recorder()
    manager.start_trade_socket('BNBBTC', cb)
    manager.start_depth_socket('BNBBTC', cb)
    reactor.flush()
    conns = [Conn(c).handshake() for c in reactor.attempts]
    manager.close()
    reactor.flush()
    for conn in conns:
        conn.lose(error.ConnectionDone())
    reactor.advance(100)
    assert len(reactor.attempts) == 2 and manager.conn_keys == []
    assert manager.start_trade_socket('BNBBTC', cb) == 'bnbbtc@trade'
    reactor.flush()
    assert len(reactor.attempts) == 3


# -- idle detection --------------------------------------------------------------------

def test_silent_connection_is_pinged_then_replaced(reactor, manager):
    """No frame for IDLE_TIMEOUT: the client pings, then drops and reconnects."""
    _, conn, rec = open_stream(reactor, manager, manager.start_trade_socket, 'BNBBTC')
    t = BinanceSocketManager.IDLE_TIMEOUT
    reactor.advance(t / 3)
    assert [op for op, _ in conn.sent()] == [9]            # a ping to provoke traffic
    reactor.advance(t / 3)
    assert not conn.transport.disconnecting
    reactor.advance(t / 3)
    assert conn.transport.disconnecting                    # dropped after IDLE_TIMEOUT
    conn.lose()
    reactor.advance(0.2)
    assert len(reactor.attempts) == 2 and rec == []


@pytest.mark.parametrize('traffic', ['data', 'ping', 'pong'])
def test_any_traffic_keeps_a_connection_alive(reactor, manager, traffic):
    """Data, pings and pongs all count as life: such a connection is never dropped."""
    _, conn, _ = open_stream(reactor, manager, manager.start_trade_socket, 'BNBBTC')
    for _ in range(12):
        reactor.advance(BinanceSocketManager.IDLE_TIMEOUT / 4)
        if traffic == 'data':
            conn.send_json({'e': 'trade'})
        else:
            conn.send(b'x', opcode=9 if traffic == 'ping' else 10)
    assert not conn.transport.disconnecting


def test_idle_timeout_is_configurable(reactor, manager):
    """IDLE_TIMEOUT on the instance sets how long silence is tolerated."""
    manager.IDLE_TIMEOUT = 3.0
    _, conn, _ = open_stream(reactor, manager, manager.start_trade_socket, 'BNBBTC')
    reactor.pump([0.1] * 29)                  # time passes in small steps, as it does
    assert not conn.transport.disconnecting
    reactor.pump([0.1] * 2)
    assert conn.transport.disconnecting


# -- user stream: listen key -----------------------------------------------------------

@pytest.fixture
def client():
    return FakeClient()


@pytest.fixture
def user_manager(reactor, client):
    bm = BinanceSocketManager(client, user_timeout=60, reactor=reactor)
    bm.STREAM_URL = 'ws://127.0.0.1:9000/'
    bm.WS_API_URL = 'ws://127.0.0.1:9001/ws-api/v3'
    return bm


def test_user_socket_uses_a_listen_key_and_keeps_it_alive(reactor, client, user_manager):
    """The user socket connects to ws/<listenKey> and PUTs the key every user_timeout s."""
    rec = Recorder()
    assert user_manager.start_user_socket(rec) == 'user'
    assert user_manager.start_user_socket(rec) is False
    reactor.flush()
    conn = Conn(reactor.attempts[0]).handshake()
    assert conn.path == '/ws/listen-key-1'
    conn.send_json({'e': 'executionReport', 's': 'BNBBTC'})
    assert rec == [{'e': 'executionReport', 's': 'BNBBTC'}]
    reactor.advance(59)
    assert client.keepalives == []
    reactor.advance(1)
    reactor.advance(60)
    assert client.keepalives == ['listen-key-1', 'listen-key-1']


def test_listen_key_expired_event_gets_a_new_key_and_reconnects(reactor, client, user_manager):
    """A listenKeyExpired event leads to a new key and a socket on it."""
    rec = Recorder()
    user_manager.start_user_socket(rec)
    reactor.flush()
    conn = Conn(reactor.attempts[0]).handshake()
    client.expire()
    conn.send_json({'e': 'listenKeyExpired', 'E': 1})
    assert client.keys == ['listen-key-1', 'listen-key-2']
    conn2 = Conn(reactor.attempts[-1]).handshake()
    assert conn2.path == '/ws/listen-key-2'
    conn.lose(error.ConnectionDone())              # the old socket closing does not reconnect
    reactor.advance(10)
    assert len(reactor.attempts) == 2
    reactor.advance(60)
    assert client.keepalives == ['listen-key-2']


def test_keepalive_for_unknown_key_renews_it(reactor, client, user_manager):
    """A keepalive answered with -1125 (key does not exist) gets a new key and reconnects."""
    rec = Recorder()
    user_manager.start_user_socket(rec)
    reactor.flush()
    Conn(reactor.attempts[0]).handshake()
    client.expire()                         # the keepalive is answered with -1125
    reactor.advance(60)
    assert client.keys == ['listen-key-1', 'listen-key-2']
    assert Conn(reactor.attempts[-1]).path == '/ws/listen-key-2'
    assert rec == []


def test_keepalive_failure_reaches_the_callback(reactor, client, user_manager):
    """Any other keepalive failure arrives as an error message; the stream goes on."""
    rec = Recorder()
    user_manager.start_user_socket(rec)
    reactor.flush()
    conn = Conn(reactor.attempts[0]).handshake()
    client.keepalive_error = BinanceAPIException(None, 500, '{"code": -1000, "msg": "boom"}')
    reactor.advance(60)
    assert len(rec) == 1 and rec[0]['e'] == 'error' and 'boom' in rec[0]['m']
    client.keepalive_error = None
    reactor.advance(60)
    assert client.keepalives == ['listen-key-1'] * 2
    conn.send_json({'e': 'balanceUpdate'})
    assert rec[-1] == {'e': 'balanceUpdate'}


def test_stopping_the_user_socket_stops_keepalive_and_keeps_the_key(reactor, client, user_manager):
    """stop_socket('user') ends the keepalive timer and does not delete the listen key."""
    key = user_manager.start_user_socket(Recorder())
    reactor.flush()
    conn = Conn(reactor.attempts[0]).handshake()
    user_manager.stop_socket(key)
    reactor.flush()
    conn.lose(error.ConnectionDone())
    assert reactor.getDelayedCalls() == []
    reactor.advance(3600)
    assert client.keepalives == [] and client.closed == []


def test_listen_key_failures_are_retried_then_reported(reactor, client, user_manager):
    """A failing listen-key request is retried with backoff, then reported once."""
    client.key_error = BinanceAPIException(None, 500, '{"code": -1001, "msg": "down"}')
    rec = Recorder()
    user_manager.start_user_socket(rec)
    reactor.flush()
    for _ in range(5):
        assert rec == []
        reactor.advance(20)
    assert len(rec) == 1 and rec[0]['e'] == 'error' and 'listen key' in rec[0]['m']
    assert reactor.attempts == [] and user_manager.conn_keys == []


# -- user stream: WebSocket API --------------------------------------------------------

@pytest.mark.parametrize('status', [404, 405, 410])
def test_retired_listen_keys_fall_back_to_the_websocket_api(reactor, client, user_manager, status):
    """HTTP 404/405/410 for listen keys: subscribe with a signed WS-API request; events unwrapped."""
    client.key_error = BinanceAPIException(None, status, '{"code": 0, "msg": "gone"}')
    rec = Recorder()
    assert user_manager.start_user_socket(rec) == 'user'
    reactor.flush()
    conn = Conn(reactor.attempts[0]).handshake()
    assert (conn.connector.port, conn.path) == (9001, '/ws-api/v3')
    ((opcode, payload),) = conn.sent()
    request = json.loads(payload)
    assert request['method'] == 'userDataStream.subscribe.signature'
    params = request['params']
    assert params['apiKey'] == 'the-api-key' and isinstance(params['timestamp'], int)
    query = 'apiKey={}&timestamp={}'.format(params['apiKey'], params['timestamp'])
    assert params['signature'] == hmac.new(b'the-api-secret', query.encode(),
                                           hashlib.sha256).hexdigest()
    conn.send_json({'id': request['id'], 'status': 200, 'result': {'subscriptionId': 0}})
    conn.send_json({'subscriptionId': 0, 'event': {'e': 'outboundAccountPosition', 'B': []}})
    assert rec == [{'e': 'outboundAccountPosition', 'B': []}]
    # after a reconnect the subscription is sent again
    conn.lose()
    reactor.advance(0.2)
    conn2 = Conn(reactor.attempts[-1]).handshake()
    assert json.loads(conn2.sent()[0][1])['method'] == 'userDataStream.subscribe.signature'
    reactor.advance(3600)
    assert client.keepalives == []


def test_websocket_api_refusal_reaches_the_callback(reactor, client, user_manager):
    """A subscription answered with an error gives the callback one error message."""
    client.key_error = BinanceAPIException(None, 410, '')
    rec = Recorder()
    user_manager.start_user_socket(rec)
    reactor.flush()
    conn = Conn(reactor.attempts[0]).handshake()
    request = json.loads(conn.sent()[0][1])
    conn.send_json({'id': request['id'], 'status': 400,
                    'error': {'code': -1022, 'msg': 'Signature for this request is not valid.'}})
    assert len(rec) == 1 and rec[0]['e'] == 'error' and 'Signature' in rec[0]['m']
    assert user_manager.conn_keys == []
    assert 'the-api-secret' not in rec[0]['m']


def test_signature_never_appears_in_logs(reactor, client, user_manager, caplog):
    """The API secret and the request signature stay out of the log."""
    client.key_error = BinanceAPIException(None, 410, '')
    with caplog.at_level(logging.DEBUG):
        user_manager.start_user_socket(Recorder())
        reactor.flush()
        conn = Conn(reactor.attempts[0]).handshake()
        params = json.loads(conn.sent()[0][1])['params']
    assert 'the-api-secret' not in caplog.text and params['signature'] not in caplog.text


def test_ws_api_signature_matches_binance_rules():
    """Parameters sorted by name, joined as a query string, HMAC-SHA256 hex."""
    from binance.websockets import ws_api_signature
    params = {'timestamp': 1700000000000, 'apiKey': 'k'}
    expected = hmac.new(b's', b'apiKey=k&timestamp=1700000000000', hashlib.sha256).hexdigest()
    assert ws_api_signature('s', params) == expected
    assert dict(parse_qsl('apiKey=k&timestamp=1')) == {'apiKey': 'k', 'timestamp': '1'}
