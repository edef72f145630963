"""The receive path of a packed connection, frame by frame.

A manager with ``streams_per_connection`` > 1 on a :class:`FakeReactor`; its
shared connection's protocol is opened on a StringTransport (the handshake
answered by hand) and fed Binance frames. The fast route (one raw
subscriber) and the general route (multiplex sockets, shared streams,
replies) must give callbacks exactly what one connection per stream would.
"""
import base64
import hashlib
import logging
import math
import re
from typing import Any, List, Tuple

import orjson
import pytest
from twisted.internet.testing import StringTransport

from binance._streams.protocol import SharedStreamProtocol
from binance.testing.reactor import FakeReactor
from binance.websockets import BinanceSocketManager

_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11'


def frame(payload: bytes, opcode: int = 1) -> bytes:
    """An unmasked server frame (payloads below 64 KiB)."""
    n = len(payload)
    head = bytes([0x80 | opcode, n]) if n < 126 else bytes([0x80 | opcode, 126]) + n.to_bytes(2, 'big')
    return head + payload


def envelope(stream: str, data: Any) -> bytes:
    return frame(orjson.dumps({'stream': stream, 'data': data}))


def trade(t: int, symbol: str = 'BNBBTC') -> dict:
    return {'e': 'trade', 'E': t, 's': symbol, 't': t, 'p': '0.00100000', 'q': '1.00000000',
            'T': t, 'm': True, 'M': True}


class Packed:
    """A packed manager whose first shared connection is open on a StringTransport."""

    def __init__(self) -> None:
        self.reactor = FakeReactor()
        self.bm = BinanceSocketManager(None, reactor=self.reactor, streams_per_connection=10)
        self.bm.STREAM_URL = 'ws://127.0.0.1:9000/'
        self.proto: Any = None
        self.transport = StringTransport()

    def open(self) -> None:
        self.reactor.flush()
        attempt = self.reactor.attempts[0]
        self.proto = attempt.factory.buildProtocol(None)
        self.proto.makeConnection(self.transport)
        key = re.search(r'Sec-WebSocket-Key: (\S+)', self.transport.value().decode()).group(1)
        accept = base64.b64encode(hashlib.sha1((key + _GUID).encode()).digest()).decode()
        self.transport.clear()
        self.proto.dataReceived(
            'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n'
            'Sec-WebSocket-Accept: {}\r\n\r\n'.format(accept).encode())
        self.reactor.flush()

    def feed(self, *frames: bytes) -> None:
        self.proto.dataReceived(b''.join(frames))
        self.reactor.flush()


@pytest.fixture
def packed() -> Packed:
    return Packed()


def subscribed(reactor: FakeReactor) -> List[List[str]]:
    """The streams each connection attempt subscribed, once its handshake is answered."""
    from tests.test_websockets_unit import Conn
    out = []
    for attempt in reactor.attempts:
        conn = Conn(attempt).handshake()
        reactor.flush()
        out.append([s for opcode, payload in conn.sent() if opcode == 1
                    for s in orjson.loads(payload).get('params') or ()])
    return out


def recorder() -> Tuple[List[Any], Any]:
    got: List[Any] = []
    return got, got.append


def test_a_packed_connection_uses_the_shared_protocol(packed):
    """The shared connection's protocol is the one that routes sole raw subscribers itself."""
    packed.bm.start_trade_socket('BNBBTC', print)
    packed.open()
    assert isinstance(packed.proto, SharedStreamProtocol)
    assert packed.proto.state == packed.proto.STATE_OPEN


def test_single_and_multiplex_sockets_get_what_they_would_alone(packed):
    """A raw socket gets the bare payload, a multiplex socket the envelope, on one connection."""
    raw, on_raw = recorder()
    multi, on_multi = recorder()
    packed.bm.start_trade_socket('BNBBTC', on_raw)
    packed.bm.start_multiplex_socket(['ethbtc@trade', 'ltcbtc@trade'], on_multi)
    packed.open()
    packed.feed(envelope('bnbbtc@trade', trade(1)), envelope('ethbtc@trade', trade(2, 'ETHBTC')),
                envelope('bnbbtc@trade', trade(3)), envelope('ltcbtc@trade', trade(4, 'LTCBTC')))
    assert raw == [trade(1), trade(3)]
    assert multi == [{'stream': 'ethbtc@trade', 'data': trade(2, 'ETHBTC')},
                     {'stream': 'ltcbtc@trade', 'data': trade(4, 'LTCBTC')}]


def test_a_stream_wanted_twice_reaches_both_and_then_the_one_left(packed):
    """Two sockets on one stream both get it; after one stops the other still does, once."""
    first, on_first = recorder()
    second, on_second = recorder()
    packed.bm.start_trade_socket('BNBBTC', on_first)
    key = packed.bm.start_multiplex_socket(['bnbbtc@trade'], on_second)
    packed.open()
    packed.feed(envelope('bnbbtc@trade', trade(1)))
    packed.bm.stop_socket(key)
    packed.reactor.flush()
    packed.feed(envelope('bnbbtc@trade', trade(2)))
    assert first == [trade(1), trade(2)]
    assert second == [{'stream': 'bnbbtc@trade', 'data': trade(1)}]


def test_nothing_arrives_after_stop_socket_even_from_the_same_read(packed):
    """Frames read together with the stop are not delivered once stop_socket returned."""
    got: List[Any] = []
    holder = {}

    def callback(msg: Any) -> None:
        got.append(msg)
        packed.bm.stop_socket(holder['key'])     # stop from the callback itself

    holder['key'] = packed.bm.start_trade_socket('BNBBTC', callback)
    packed.open()
    packed.feed(envelope('bnbbtc@trade', trade(1)), envelope('bnbbtc@trade', trade(2)))
    assert got == [trade(1)]


def test_a_raising_callback_is_logged_with_its_socket_and_the_stream_goes_on(packed, caplog):
    """An exception names the socket key in a logged traceback; the next message arrives."""
    got: List[Any] = []

    def callback(msg: Any) -> None:
        got.append(msg)
        if len(got) == 1:
            raise RuntimeError('boom in the callback')

    packed.bm.start_trade_socket('BNBBTC', callback)
    packed.open()
    with caplog.at_level(logging.ERROR, logger='binance.websockets'):
        packed.feed(envelope('bnbbtc@trade', trade(1)), envelope('bnbbtc@trade', trade(2)))
    assert got == [trade(1), trade(2)]
    records = [r for r in caplog.records if r.exc_info and 'boom in the callback' in str(r.exc_info[1])]
    assert len(records) == 1 and 'bnbbtc@trade' in records[0].getMessage()


def test_values_only_the_standard_library_decodes_still_arrive(packed):
    """NaN (which orjson refuses) is decoded by the standard library, as on a raw stream."""
    got, on_msg = recorder()
    packed.bm.start_trade_socket('BNBBTC', on_msg)
    packed.open()
    packed.feed(frame(b'{"stream":"bnbbtc@trade","data":{"e":"trade","p":NaN}}'),
                envelope('bnbbtc@trade', trade(2)))
    assert len(got) == 2 and got[0]['e'] == 'trade' and math.isnan(got[0]['p'])
    assert got[1] == trade(2)


def test_a_frame_that_is_not_json_is_skipped_with_a_warning(packed, caplog):
    """A broken frame is logged and skipped; the stream keeps delivering."""
    got, on_msg = recorder()
    packed.bm.start_trade_socket('BNBBTC', on_msg)
    packed.open()
    with caplog.at_level(logging.WARNING, logger='binance.websockets'):
        packed.feed(frame(b'{"stream":"bnbbtc@trade","data":'), envelope('bnbbtc@trade', trade(2)))
    assert got == [trade(2)]
    assert any('not JSON' in r.getMessage() for r in caplog.records)


def test_the_shutdown_notice_and_replies_never_reach_a_callback(packed):
    """``!serverShutdown`` and SUBSCRIBE replies stay inside the manager."""
    got, on_msg = recorder()
    packed.bm.start_trade_socket('BNBBTC', on_msg)
    packed.open()
    packed.feed(frame(b'{"result":null,"id":1}'),
                envelope('!serverShutdown', {'e': 'serverShutdown', 'E': 1}),
                envelope('bnbbtc@trade', trade(3)))
    assert got == [trade(3)]


def test_a_callback_asking_to_exit_stops_the_reactor(packed):
    """SystemExit from a callback on a packed connection stops the reactor; nothing follows."""
    got: List[Any] = []
    stopped: List[bool] = []
    packed.reactor.stop = lambda: stopped.append(True)

    def callback(msg: Any) -> None:
        got.append(msg)
        raise SystemExit(0)

    packed.bm.start_trade_socket('BNBBTC', callback)
    packed.open()
    packed.feed(envelope('bnbbtc@trade', trade(1)), envelope('bnbbtc@trade', trade(2)))
    assert got == [trade(1)]
    assert stopped == [True]


def test_a_multiplex_socket_stays_on_one_connection_when_its_streams_fit(packed):
    """Its streams go together onto a connection with room for all (keeping their order)."""
    for symbol in ('AAABTC', 'BBBBTC', 'CCCBTC', 'DDDBTC', 'EEEBTC', 'FFFBTC', 'GGGBTC', 'HHHBTC'):
        packed.bm.start_trade_socket(symbol, print)
    packed.bm.start_multiplex_socket(['ethbtc@trade', 'ltcbtc@trade', 'xrpbtc@trade'], print)
    packed.reactor.flush()
    first, second = subscribed(packed.reactor)
    assert len(first) == 8
    assert second == ['ethbtc@trade', 'ltcbtc@trade', 'xrpbtc@trade']


def test_a_multiplex_socket_too_big_for_one_connection_is_spread(packed):
    """More streams than fit on a connection fill connections in turn, none over the limit."""
    streams = ['s{}btc@trade'.format(i) for i in range(25)]
    got, on_msg = recorder()
    packed.bm.start_multiplex_socket(streams, on_msg)
    packed.reactor.flush()
    sizes = [len(streams) for streams in subscribed(packed.reactor)]
    assert sizes == [10, 10, 5]
