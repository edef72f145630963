"""The text messages of one read, handed to the stream protocols together.

The fast path (:mod:`binance._streams.frames`) collects the complete text
frames of a read and hands them to the protocol's ``text_messages`` in one
call. Whatever else sits between them (a binary frame, a frame above the
size limit, a ping) must still come in its place, a callback that closes or
raises must leave the later frames where autobahn expects them, and a
protocol whose ``onMessage`` was replaced (by a subclass, or on the instance
as a local replay's lockstep acknowledgements do) must still get one call per
message. Connections are in-memory protocols on a :class:`FakeReactor`, as in
``tests/test_websockets_unit.py``.
"""
import json
import logging
from typing import Any, List

import pytest

from binance._streams.protocol import StreamProtocol
from binance.testing.reactor import FakeReactor
from binance.websockets import BinanceSocketManager
from tests.test_websockets_unit import Conn, frame


def trade(t: int) -> bytes:
    return json.dumps({'e': 'trade', 'E': t, 's': 'BNBBTC', 't': t, 'p': '0.00100000',
                       'q': '1.00000000', 'T': t, 'm': True, 'M': True}).encode()


@pytest.fixture
def reactor() -> FakeReactor:
    return FakeReactor()


@pytest.fixture
def manager(reactor: FakeReactor) -> BinanceSocketManager:
    bm = BinanceSocketManager(None, reactor=reactor)
    bm.STREAM_URL = 'ws://127.0.0.1:9000/'
    return bm


def open_trade_socket(reactor: FakeReactor, manager: BinanceSocketManager,
                      callback: Any) -> Conn:
    manager.start_trade_socket('BNBBTC', callback)
    reactor.flush()
    return Conn(reactor.attempts[-1]).handshake()


def test_one_read_mixing_frames_keeps_every_message_in_its_place(reactor, manager, caplog):
    """Text, binary, oversize and ping frames in one read: texts in order, the rest handled."""
    manager.MAX_MESSAGE_SIZE = 1000
    got: List[Any] = []
    conn = open_trade_socket(reactor, manager, got.append)
    conn.sent()
    with caplog.at_level(logging.WARNING, logger='binance.websockets'):
        conn.proto.dataReceived(frame(trade(1)) + frame(trade(2)) + frame(b'\x00\x01', 2)
                                + frame(trade(3)) + frame(b'x' * 2000) + frame(trade(4))
                                + frame(b'are you there', 9) + frame(trade(5)))
    assert [m['t'] for m in got] == [1, 2, 3, 4, 5]
    warnings = [r.getMessage() for r in caplog.records]
    assert len(warnings) == 2
    assert 'binary frame of 2 bytes' in warnings[0]
    assert 'text message of 2000 bytes' in warnings[1]
    assert conn.sent() == [(0xA, b'are you there')]       # the ping answered


def test_stop_socket_in_a_callback_mid_read_leaves_the_rest_undelivered(reactor, manager):
    """stop_socket from the second message's callback: the read's later messages never come."""
    got: List[Any] = []
    holder = {}

    def callback(msg: Any) -> None:
        got.append(msg['t'])
        if msg['t'] == 2:
            manager.stop_socket(holder['key'])

    holder['key'] = manager.start_trade_socket('BNBBTC', callback)
    reactor.flush()
    conn = Conn(reactor.attempts[-1]).handshake()
    conn.sent()
    conn.proto.dataReceived(b''.join(frame(trade(t)) for t in range(1, 6)))
    reactor.flush()
    assert got == [1, 2]
    assert [opcode for opcode, _ in conn.sent()] == [8]    # the close handshake began


def test_a_callback_closing_the_connection_leaves_later_frames_to_autobahn(reactor, manager):
    """A close started by a callback: the frames after it go through autobahn's own rules."""
    got: List[Any] = []
    conn: Any = None

    def callback(msg: Any) -> None:
        got.append(msg['t'])
        if msg['t'] == 2:
            conn.proto.sendClose(1000)

    conn = open_trade_socket(reactor, manager, callback)
    rest = frame(trade(3)) + frame(trade(4))
    conn.proto.dataReceived(frame(trade(1)) + frame(trade(2)) + rest)
    # RFC 6455 lets data frames arrive until the server's close: autobahn delivers them
    assert got == [1, 2, 3, 4]
    assert conn.proto.fast_frames_delivered == 2
    assert conn.proto.state == conn.proto.STATE_CLOSING


class _Escape(BaseException):
    """Not an Exception: the protocol lets it through (as asyncio's CancelledError)."""


def test_an_escaping_exception_keeps_the_later_frames_in_the_buffer(reactor, manager):
    """A BaseException out of a callback: its frame is consumed, the ones after it kept."""
    got: List[Any] = []

    def callback(msg: Any) -> None:
        got.append(msg['t'])
        if msg['t'] == 2:
            raise _Escape()

    conn = open_trade_socket(reactor, manager, callback)
    rest = frame(trade(3)) + frame(trade(4))
    with pytest.raises(_Escape):
        conn.proto.dataReceived(frame(trade(1)) + frame(trade(2)) + rest)
    assert got == [1, 2]
    assert conn.proto.data == rest
    assert conn.proto.trafficStats.incomingWebSocketMessages == 2


def test_onmessage_replaced_on_the_instance_gets_one_call_per_message(reactor, manager):
    """An instance-level onMessage (as lockstep's acknowledgements) sees every message."""
    got: List[Any] = []
    calls: List[bytes] = []
    conn = open_trade_socket(reactor, manager, got.append)
    proto = conn.proto

    def on_message(payload: bytes, isBinary: bool) -> None:
        calls.append(payload)
        StreamProtocol.onMessage(proto, payload, isBinary)
    proto.onMessage = on_message
    proto.dataReceived(b''.join(frame(trade(t)) for t in range(1, 4)))
    assert calls == [trade(1), trade(2), trade(3)]
    assert [m['t'] for m in got] == [1, 2, 3]
    assert proto.fast_frames_delivered == 3             # still the fast path


def test_a_subclass_overriding_onmessage_gets_one_call_per_message(reactor, manager):
    """A protocol subclass with its own onMessage is not bypassed by the run hand-over."""
    calls: List[bytes] = []

    class Counting(StreamProtocol):
        def onMessage(self, payload: bytes, isBinary: bool) -> None:
            calls.append(payload)
            super().onMessage(payload, isBinary)

    got: List[Any] = []
    manager.start_trade_socket('BNBBTC', got.append)
    reactor.flush()
    reactor.attempts[-1].factory.protocol = Counting
    conn = Conn(reactor.attempts[-1]).handshake()
    conn.proto.dataReceived(b''.join(frame(trade(t)) for t in range(1, 4)))
    assert calls == [trade(1), trade(2), trade(3)]
    assert [m['t'] for m in got] == [1, 2, 3]


def test_a_read_is_handed_over_in_one_call(reactor, manager):
    """The complete text frames of one read reach text_messages together (one call per read)."""
    got: List[Any] = []
    conn = open_trade_socket(reactor, manager, got.append)
    runs: List[int] = []
    handle = conn.proto.text_messages

    def text_messages(payloads: List[bytes]) -> int:
        runs.append(len(payloads))
        return handle(payloads)
    conn.proto.text_messages = text_messages
    data = b''.join(frame(trade(t)) for t in range(1, 301))
    conn.proto.dataReceived(data[:-10])          # the last frame is not complete yet
    conn.proto.dataReceived(data[-10:])
    assert runs == [299, 1]
    assert [m['t'] for m in got] == list(range(1, 301))

