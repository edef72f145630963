"""Hostile input on the wire (issue 25): frames a broken or hostile server sends.

Real loopback sockets against the local exchange (``send_raw``) and, for the
handshake, a tiny hostile TCP server on 127.0.0.1; the pong flood runs on a
fake clock with the in-memory connections of ``test_websockets_unit.py``.
"""
import base64
import hashlib
import logging
import re
import socket
import threading

import pytest

from binance.websockets import BinanceSocketManager
from tests.support import wait_until
from tests.test_websockets_unit import Conn, Recorder, manager, reactor  # noqa: F401


@pytest.fixture(scope='module')
def exchange(module_exchange):
    return module_exchange


@pytest.fixture
def bm(exchange):
    manager = BinanceSocketManager(exchange.client())
    manager.STREAM_URL = exchange.stream_url
    manager.start()
    yield manager
    manager.close()
    wait_until(lambda: exchange.streams.connection_count() == 0, timeout=20,
               message='all sockets closed')
    exchange.streams.clear_connections()


def opened(exchange, path):
    return [p for p in exchange.streams.connections if p == path]


def skipped_then_delivered(exchange, bm, frames, caplog, words):
    """Send ``frames`` then one good message; return what the callback got."""
    rec = Recorder()
    key = bm.start_trade_socket('BNBBTC', rec)
    exchange.streams.wait_for_connections(1, stream=key, timeout=20)
    with caplog.at_level(logging.WARNING, logger='binance.websockets'):
        for data in frames:
            exchange.streams.send_raw(data, stream=key)
        exchange.streams.push(key, {'e': 'trade', 'ok': 1})
        # the good message comes last: once it is in, so is anything delivered before it
        wait_until(lambda: rec and rec[-1].get('ok') == 1, timeout=20, message='the good message')
    for word in words:
        assert word in caplog.text
    assert opened(exchange, '/ws/' + key) == ['/ws/' + key]     # never dropped, never reconnected
    assert bm.socket_state(key).state == 'connected'
    return rec


def test_json_nested_beyond_the_decoder_is_skipped(exchange, bm, caplog):
    """A 100,000-level nested frame is logged and skipped; the connection stays up."""
    deep = b'[' * 100000 + b']' * 100000
    rec = skipped_then_delivered(exchange, bm, [deep, b'{"a":' * 50000 + b'1' + b'}' * 50000],
                                 caplog, ['nested deeper'])
    assert rec == [{'e': 'trade', 'ok': 1}]


@pytest.mark.parametrize('bad', [
    b'\xed\xa0\x80',          # an encoded surrogate (U+D800)
    b'\xed\xbf\xbf',          # the last surrogate (U+DFFF)
    b'\xc0\x80',              # overlong NUL
    b'\xe0\x80\xaf',          # overlong '/'
    b'\xf4\x90\x80\x80',      # above U+10FFFF
    b'\xe2\x82',              # truncated sequence
    b'\x80',                  # lone continuation byte
    b'\xff',                  # never valid
])
def test_invalid_utf8_of_every_kind_is_skipped(exchange, bm, caplog, bad):
    """A text frame with any kind of invalid UTF-8 is skipped (never delivered as a str)."""
    rec = skipped_then_delivered(exchange, bm, [b'{"e": "trade", "s": "BNB' + bad + b'"}'],
                                 caplog, ['not UTF-8'])
    assert rec == [{'e': 'trade', 'ok': 1}]


def test_a_message_above_the_maximum_size_is_skipped(exchange, bm, caplog):
    """A message larger than MAX_MESSAGE_SIZE is skipped as it arrives; the stream goes on."""
    bm.MAX_MESSAGE_SIZE = 64 * 1024
    big = b'{"e": "trade", "pad": "' + b'x' * (1024 * 1024) + b'"}'
    just_fits = b'{"e": "trade", "pad": "' + b'y' * (64 * 1024 - 30) + b'"}'
    rec = skipped_then_delivered(exchange, bm, [big, just_fits], caplog,
                                 ['skipped a text message of {} bytes'.format(len(big)),
                                  'MAX_MESSAGE_SIZE'])
    assert [len(m.get('pad', '')) for m in rec] == [64 * 1024 - 30, 0]


def test_default_maximum_size_fits_binances_largest_messages():
    """The default limit (4 MiB) is above Binance's largest messages (see the docs' estimate)."""
    largest_ticker_arr = 3000 * 520          # !ticker@arr: every symbol, ~520 bytes each
    depth_5000 = 2 * 5000 * 36 + 200         # WS API depth, limit=5000: 10,000 price levels
    assert BinanceSocketManager.MAX_MESSAGE_SIZE == 4 * 1024 * 1024
    assert BinanceSocketManager.MAX_MESSAGE_SIZE > 2 * max(largest_ticker_arr, depth_5000)


def test_a_ping_flood_gets_at_most_five_control_frames_a_second(reactor, manager):
    """74,000 pings in 3 s: pongs stay within Binance's 5 control messages a second."""
    rec = Recorder()
    manager.start_trade_socket('BNBBTC', rec)
    reactor.flush()
    conn = Conn(reactor.attempts[-1]).handshake()
    pongs = []
    for step in range(300):                           # 3 s in 10 ms steps
        batch = b''.join(bytes([0x89, 4]) + (step * 1000 + i).to_bytes(4, 'big')
                         for i in range(247))
        conn.proto.dataReceived(batch)
        pongs += [(reactor.seconds(), p) for op, p in conn.sent() if op == 10]
        reactor.advance(0.01)
    reactor.advance(1.1)
    pongs += [(reactor.seconds(), p) for op, p in conn.sent() if op == 10]
    assert 5 <= len(pongs) <= 5 * 4 + 1
    for t, _ in pongs:
        assert sum(1 for u, _ in pongs if t - 1 < u <= t) <= 5
    last = (299 * 1000 + 246).to_bytes(4, 'big')
    assert pongs[-1][1] == last                        # the latest ping is answered
    assert conn.proto.state == conn.proto.STATE_OPEN


# -- the opening handshake's real reason -------------------------------------------

class HostileServer:
    """Accepts connections on 127.0.0.1 and answers every handshake with ``answer``
    (``None``: never answers)."""

    def __init__(self, answer):
        self.answer = answer
        self.sock = socket.socket()
        self.sock.bind(('127.0.0.1', 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.conns = []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.conns.append(conn)
            try:
                request = conn.recv(65536)
                answer = self.answer(request) if callable(self.answer) else self.answer
                if answer is not None:
                    conn.sendall(answer)
            except OSError:
                pass

    def close(self):
        self.sock.close()
        for conn in self.conns:
            conn.close()


def accept_then_reserved_bit(request):
    """A correct handshake answer followed by a text frame with RSV1 set."""
    key = re.search(rb'Sec-WebSocket-Key: (\S+)', request).group(1)
    accept = base64.b64encode(hashlib.sha1(key + b'258EAFA5-E914-47DA-95CA-C5AB0DC85B11').digest())
    return (b'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n'
            b'Sec-WebSocket-Accept: ' + accept + b'\r\n\r\n' + bytes([0xC1, 2]) + b'{}')


def test_a_reserved_bit_on_every_connection_ends_in_give_up_not_a_storm(caplog):
    """Real sockets: a server whose first frame breaks the protocol gets MAX_RETRIES + 1 connections."""
    server = HostileServer(accept_then_reserved_bit)
    bm = BinanceSocketManager(None)
    bm.STREAM_URL = 'ws://127.0.0.1:{}/'.format(server.port)
    bm.MAX_RETRIES, bm.INITIAL_DELAY, bm.MAX_DELAY = 2, 0.05, 0.2
    rec = Recorder()
    try:
        bm.start()
        key = bm.start_trade_socket('BNBBTC', rec)
        wait_until(lambda: rec, timeout=20, message='the give-up message')
        assert rec == [{'e': 'error', 'm': 'Max reconnect retries reached'}]
        assert len(server.conns) == 3 and bm.socket_state(key).state == 'gave_up'
    finally:
        bm.close()
        server.close()


@pytest.mark.parametrize('answer, words', [
    (b'HTTP/1.1 429 Too Many Requests\r\nContent-Length: 0\r\n\r\n', ['429', 'Too Many Requests']),
    (b'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n'
     b'Sec-WebSocket-Accept: bm90IHRoZSByaWdodCBrZXk=\r\n\r\n', ['Sec-WebSocket-Accept']),
    (None, ['opening handshake timeout']),
])
def test_handshake_failures_log_their_real_reason(exchange, caplog, answer, words):
    """HTTP 429, a bad Sec-WebSocket-Accept and a handshake timeout each say so in the log line."""
    server = HostileServer(answer)
    bm = BinanceSocketManager(None)
    bm.STREAM_URL = 'ws://127.0.0.1:{}/'.format(server.port)
    # 1 s for the servers that answer (at once); the silent one is waited out in 0.3 s
    bm.MAX_RETRIES, bm.CONNECT_TIMEOUT = 0, 1.0 if answer else 0.3
    rec = Recorder()
    try:
        with caplog.at_level(logging.WARNING, logger='binance.websockets'):
            bm.start()
            bm.start_trade_socket('BNBBTC', rec)
            wait_until(lambda: rec, timeout=20, message='the give-up message')
        lines = [r.getMessage() for r in caplog.records if 'connection attempt failed' in r.getMessage()]
        assert lines and all(word in lines[0] for word in words), lines
        assert 'abortConnection' not in caplog.text
    finally:
        bm.close()
        server.close()
