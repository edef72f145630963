"""RFC 6455 behaviour of the fast receive path (binance._streams.frames).

Every scenario runs twice through a real autobahn client protocol driven over
a twisted StringTransport: once as plain autobahn (the reference) and once
with FastFramesMixin. Both runs must show the same messages, pings, pongs,
closes, the same frames written back to the server and the same connection
fate; the expected outcome is also asserted explicitly, so a bug shared by
both runs still fails. One test runs the mixin over a real loopback socket.
"""
import base64
import hashlib
import socket
import struct
import threading
from typing import Any, Dict, List, Optional, Sequence, Tuple

import pytest
from autobahn.twisted.websocket import WebSocketClientFactory, WebSocketClientProtocol
from autobahn.websocket.utf8validator import Utf8Validator
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from twisted.internet.error import ConnectionDone
from twisted.internet.task import Clock
from twisted.internet.testing import StringTransport
from twisted.python.failure import Failure

from binance import _reactor
from binance._streams.frames import FastFramesMixin, _usable
from binance.testing.reactor import use_clock_timers
from tests.support import wait_until

GUID = b'258EAFA5-E914-47DA-95CA-C5AB0DC85B11'
TEXT, BINARY, CONT, CLOSE, PING, PONG = 0x1, 0x2, 0x0, 0x8, 0x9, 0xA


# -- frames ------------------------------------------------------------------------------

def frame(payload: bytes, opcode: int = TEXT, fin: bool = True, rsv: int = 0,
          mask: Optional[bytes] = None, length_form: Optional[int] = None) -> bytes:
    """A server frame; ``length_form`` forces the 7/16/64-bit length encoding."""
    first = (0x80 if fin else 0) | (rsv << 4) | opcode
    n = len(payload)
    form = length_form or (7 if n < 126 else 16 if n < 65536 else 64)
    mbit = 0x80 if mask else 0
    if form == 7:
        head = struct.pack('!BB', first, mbit | n)
    elif form == 16:
        head = struct.pack('!BBH', first, mbit | 126, n)
    else:
        head = struct.pack('!BBQ', first, mbit | 127, n)
    if mask:
        payload = bytes(c ^ mask[i % 4] for i, c in enumerate(payload))
        head += mask
    return head + payload


def close_frame(code: int, reason: bytes = b'') -> bytes:
    return frame(struct.pack('!H', code) + reason, CLOSE)


def client_frames(data: bytes) -> List[Tuple[int, bytes]]:
    """Decode the masked frames the client wrote: [(opcode, payload)]."""
    out = []
    while data:
        n = data[1] & 0x7F
        pos = 2
        if n == 126:
            n, pos = struct.unpack('!H', data[2:4])[0], 4
        elif n == 127:
            n, pos = struct.unpack('!Q', data[2:10])[0], 10
        mask = data[pos:pos + 4]
        body = data[pos + 4:pos + 4 + n]
        out.append((data[0] & 0x0F, bytes(c ^ mask[i % 4] for i, c in enumerate(body))))
        data = data[pos + 4 + n:]
    return out


# -- the two protocols ------------------------------------------------------------------

class Recording(WebSocketClientProtocol):
    """Records everything the application sees."""

    close_on_message: Optional[bytes] = None

    def onConnect(self, response: Any) -> None:
        self.events: List[Tuple[Any, ...]] = []

    def onMessage(self, payload: bytes, isBinary: bool) -> None:
        self.events.append(('message', bytes(payload), isBinary))
        if self.close_on_message is not None and payload == self.close_on_message:
            self.sendClose(1000)

    def onPing(self, payload: bytes) -> None:
        self.events.append(('ping', payload))
        WebSocketClientProtocol.onPing(self, payload)

    def onPong(self, payload: bytes) -> None:
        self.events.append(('pong', payload))

    def onClose(self, wasClean: bool, code: Any, reason: Any) -> None:
        self.events.append(('close', wasClean, code))


class Fast(FastFramesMixin, Recording):
    """The same protocol with the fast path."""


class Transport(StringTransport):
    """StringTransport that, like a TCP transport, tolerates unregistering no producer."""

    def unregisterProducer(self) -> None:
        self.producer = None


def connect(fast: bool, **options: Any) -> Tuple[Recording, StringTransport, Clock]:
    """An OPEN client protocol on a StringTransport (handshake done)."""
    clock = Clock()
    factory = WebSocketClientFactory('ws://127.0.0.1:9/ws/bnbbtc@trade', reactor=clock)
    opts = dict(openHandshakeTimeout=0, closeHandshakeTimeout=0, serverConnectionDropTimeout=0)
    opts.update(options)
    factory.setProtocolOptions(**opts)
    use_clock_timers(factory, clock)
    factory.protocol = Fast if fast else Recording
    proto = factory.buildProtocol(None)
    transport = Transport()
    proto.makeConnection(transport)
    request = transport.value().decode('latin-1')
    key = [line.split(':', 1)[1].strip() for line in request.split('\r\n')
           if line.lower().startswith('sec-websocket-key:')][0]
    accept = base64.b64encode(hashlib.sha1(key.encode() + GUID).digest()).decode()
    transport.clear()
    proto.dataReceived(('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n'
                        'Connection: Upgrade\r\nSec-WebSocket-Accept: {}\r\n\r\n'
                        .format(accept)).encode())
    assert proto.state == proto.STATE_OPEN
    return proto, transport, clock


def run(fast: bool, stream: bytes, cuts: Sequence[int] = (), server_drops: bool = True,
        **options: Any) -> Dict[str, Any]:
    """Feed ``stream`` in pieces cut at ``cuts``; what the app and the server saw."""
    proto, transport, _ = connect(fast, **options)
    points = [0] + sorted(set(c for c in cuts if 0 < c < len(stream))) + [len(stream)]
    for a, b in zip(points, points[1:]):
        if proto.state == proto.STATE_CLOSED:
            break
        proto.dataReceived(stream[a:b])
    dropped = transport.disconnecting
    if server_drops or dropped:
        proto.connectionLost(Failure(ConnectionDone()))
    stats = proto.trafficStats
    return {'events': proto.events, 'sent': client_frames(transport.value()),
            'dropped': dropped, 'state': proto.state,
            'stats': (stats.incomingWebSocketMessages, stats.incomingWebSocketFrames),
            'octets': (stats.incomingOctetsWireLevel, stats.incomingOctetsWebSocketLevel,
                       stats.incomingOctetsAppLevel),
            'fast_delivered': getattr(proto, 'fast_frames_delivered', 0)}


def both(stream: bytes, cuts: Sequence[int] = (), **options: Any) -> Dict[str, Any]:
    """Run plain autobahn and the fast path; assert they agree; return the fast run.

    Traffic octet counters are compared by the tests that end on a frame
    boundary only: the fast path counts a frame when it is complete, autobahn
    as its payload trickles in.
    """
    plain = run(False, stream, cuts, **options)
    fast = run(True, stream, cuts, **options)
    for key in ('events', 'sent', 'dropped', 'state', 'stats'):
        assert fast[key] == plain[key], 'fast path differs from autobahn in {}'.format(key)
    fast['plain'] = plain
    return fast


def messages(result: Dict[str, Any]) -> List[Tuple[bytes, bool]]:
    return [(e[1], e[2]) for e in result['events'] if e[0] == 'message']


def closes(result: Dict[str, Any]) -> List[Tuple[Any, ...]]:
    return [e for e in result['events'] if e[0] == 'close']


def sent_close_code(result: Dict[str, Any]) -> Optional[int]:
    for opcode, payload in result['sent']:
        if opcode == CLOSE:
            return struct.unpack('!H', payload[:2])[0] if len(payload) >= 2 else None
    return None


# -- plain frames ------------------------------------------------------------------------

@pytest.mark.parametrize('size,form', [(0, 7), (125, 7), (126, 16), (4000, 16), (65535, 16),
                                       (65536, 64), (70000, 64)])
def test_payload_lengths_7_16_64_bit(size: int, form: int) -> None:
    """Text frames with 7-, 16- and 64-bit lengths arrive intact, via the fast path."""
    body = (b'{"e":"trade","x":"' + b'a' * size)[:size]
    res = both(frame(body, length_form=form) + frame(b'{"after":1}'))
    assert messages(res) == [(body, False), (b'{"after":1}', False)]
    assert res['fast_delivered'] == 2
    assert res['stats'] == (2, 2)
    assert res['octets'] == res['plain']['octets']


def test_binary_frames_are_flagged_binary() -> None:
    """A binary frame reaches onMessage with isBinary=True and its exact bytes."""
    res = both(frame(b'\x00\xff\xfe', BINARY) + frame(b'[]'))
    assert messages(res) == [(b'\x00\xff\xfe', True), (b'[]', False)]
    assert res['fast_delivered'] == 2


def test_many_frames_in_one_read() -> None:
    """A read holding hundreds of frames delivers each one, in order."""
    bodies = [b'{"t":%d}' % i for i in range(500)]
    res = both(b''.join(frame(b) for b in bodies))
    assert messages(res) == [(b, False) for b in bodies]
    assert res['fast_delivered'] == 500
    assert res['octets'] == res['plain']['octets']


def test_non_minimal_lengths_fail_the_connection() -> None:
    """A 16-bit length under 126 or a 64-bit length under 65536 is a protocol error."""
    for bad in (frame(b'x' * 100, length_form=16), frame(b'y' * 1000, length_form=64)):
        res = both(frame(b'ok') + bad + frame(b'never'), failByDrop=False)
        assert messages(res) == [(b'ok', False)]
        assert sent_close_code(res) == 1002


# -- fragments and control frames ----------------------------------------------------------

def test_fragmented_message_is_reassembled() -> None:
    """Fragments (text + continuations) form one message; plain frames around it still flow."""
    stream = (frame(b'first') + frame(b'{"a":', fin=False) + frame(b'1,"b"', CONT, fin=False)
              + frame(b':2}', CONT) + frame(b'last'))
    res = both(stream)
    assert messages(res) == [(b'first', False), (b'{"a":1,"b":2}', False), (b'last', False)]
    assert res['fast_delivered'] == 2


def test_control_frames_between_fragments() -> None:
    """Ping and pong inside a fragmented message are handled; the message stays whole."""
    stream = (frame(b'[1,', fin=False) + frame(b'abc', PING) + frame(b'2,', CONT, fin=False)
              + frame(b'zz', PONG) + frame(b'3]', CONT) + frame(b'{}'))
    res = both(stream)
    assert messages(res) == [(b'[1,2,3]', False), (b'{}', False)]
    assert ('ping', b'abc') in res['events'] and ('pong', b'zz') in res['events']
    assert res['sent'] == [(PONG, b'abc')]


def test_continuation_without_start_fails() -> None:
    """A continuation frame outside a fragmented message fails the connection (1002)."""
    res = both(frame(b'a') + frame(b'b', CONT) + frame(b'c'), failByDrop=False)
    assert messages(res) == [(b'a', False)]
    assert sent_close_code(res) == 1002


def test_new_message_inside_fragmented_message_fails() -> None:
    """A text frame while a fragmented message is open fails the connection (1002)."""
    res = both(frame(b'a', fin=False) + frame(b'b') + frame(b'c'), failByDrop=False)
    assert messages(res) == []
    assert sent_close_code(res) == 1002


def test_ping_is_answered_with_the_same_payload() -> None:
    """Every ping gets a pong echoing its payload (empty, short and 125 bytes)."""
    payloads = [b'', b'hello', bytes(range(125))]
    stream = b''.join(frame(b'{"n":1}') + frame(p, PING) for p in payloads)
    res = both(stream)
    assert res['sent'] == [(PONG, p) for p in payloads]
    assert len(messages(res)) == 3


def test_oversized_or_fragmented_ping_fails() -> None:
    """A ping over 125 bytes or without FIN is a protocol error (1002)."""
    for bad in (frame(b'p' * 126, PING), frame(b'p', PING, fin=False)):
        res = both(frame(b'ok') + bad, failByDrop=False)
        assert messages(res) == [(b'ok', False)]
        assert sent_close_code(res) == 1002


# -- RSV bits, reserved opcodes, masks, sizes -----------------------------------------------

@pytest.mark.parametrize('rsv', [1, 2, 4, 7])
def test_rsv_bits_fail_the_connection(rsv: int) -> None:
    """A frame with an RSV bit (no extension negotiated) fails the connection with 1002."""
    res = both(frame(b'ok') + frame(b'bad', rsv=rsv) + frame(b'never'), failByDrop=False)
    assert messages(res) == [(b'ok', False)]
    assert sent_close_code(res) == 1002


@pytest.mark.parametrize('opcode', [3, 4, 5, 6, 7, 0xB, 0xC, 0xD, 0xE, 0xF])
def test_reserved_opcodes_fail_the_connection(opcode: int) -> None:
    """Reserved data and control opcodes fail the connection with 1002."""
    res = both(frame(b'ok') + frame(b'x', opcode) + frame(b'never'), failByDrop=False)
    assert messages(res) == [(b'ok', False)]
    assert sent_close_code(res) == 1002


def test_protocol_error_drops_tcp_by_default() -> None:
    """With autobahn's default failByDrop, a protocol error aborts the TCP connection."""
    res = both(frame(b'ok') + frame(b'bad', rsv=4) + frame(b'never'))
    assert messages(res) == [(b'ok', False)]
    assert res['dropped'] and closes(res)[0][1] is False


def test_masked_server_frame_fails() -> None:
    """A masked server-to-client frame fails the connection (1002)."""
    res = both(frame(b'ok') + frame(b'masked', mask=b'\x01\x02\x03\x04'), failByDrop=False)
    assert messages(res) == [(b'ok', False)]
    assert sent_close_code(res) == 1002


def test_size_limit_is_enforced() -> None:
    """maxMessagePayloadSize still fails a complete oversized frame with 1009."""
    res = both(frame(b'a' * 10) + frame(b'b' * 200) + frame(b'c'),
               failByDrop=False, maxMessagePayloadSize=100)
    assert messages(res) == [(b'a' * 10, False)]
    assert sent_close_code(res) == 1009


# -- UTF-8 ---------------------------------------------------------------------------------

INVALID_UTF8 = [b'\xff', b'\xc0\xaf', b'\xed\xa0\x80', b'\xf4\x90\x80\x80', b'abc\xe2\x82',
                b'\x80abc', b'\xf8\x88\x80\x80\x80']


@pytest.mark.parametrize('bad', INVALID_UTF8)
def test_invalid_utf8_fails_the_connection(bad: bytes) -> None:
    """A text frame that is not valid UTF-8 fails the connection with 1007."""
    good = '{"s":"€ü"}'.encode()
    res = both(frame(good) + frame(b'"' + bad + b'"') + frame(b'never'), failByDrop=False)
    assert messages(res) == [(good, False)]
    assert sent_close_code(res) == 1007


def test_invalid_utf8_in_a_partly_received_frame_fails_at_once() -> None:
    """Invalid UTF-8 in the first part of a text frame fails on that read, as in autobahn."""
    res = both(frame(b'ok') + frame(b'"\xc3\x28' + b'x' * 50)[:12], failByDrop=False)
    assert messages(res) == [(b'ok', False)]
    assert sent_close_code(res) == 1007


def test_invalid_utf8_is_delivered_when_validation_is_off() -> None:
    """With utf8validateIncoming=False the bytes are delivered as is, like autobahn does."""
    res = both(frame(b'\xff\xfe') + frame(b'ok'), utf8validateIncoming=False)
    assert messages(res) == [(b'\xff\xfe', False), (b'ok', False)]


def test_invalid_utf8_in_binary_frame_is_fine() -> None:
    """Binary frames are never UTF-8 checked."""
    res = both(frame(b'\xff\xfe', BINARY))
    assert messages(res) == [(b'\xff\xfe', True)]


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=12))
def test_utf8_check_matches_autobahn(data: bytes) -> None:
    """The fast path's UTF-8 check accepts exactly what autobahn's validator accepts."""
    validator = Utf8Validator()
    valid, at_end, _, _ = validator.validate(data)
    try:
        data.decode('utf-8')
        python_ok = True
    except UnicodeDecodeError:
        python_ok = False
    assert python_ok == (valid and at_end)


# -- TCP reads cut anywhere ----------------------------------------------------------------

MIXED = (frame(b'{"e":"trade","p":"0.1"}') + frame(b'x' * 300) + frame(b'pi', PING)
         + frame(b'[1,', fin=False) + frame(b'', PONG) + frame(b'2]', CONT)
         + frame(b'\x01\x02', BINARY) + frame('{"s":"ü"}'.encode()) + frame(b'', TEXT)
         + close_frame(1000, b'bye'))


def test_reads_cut_at_every_byte_boundary() -> None:
    """Splitting the stream into two reads at any byte gives the same result as one read."""
    whole = both(MIXED)
    assert [m for m, _ in messages(whole)] == [b'{"e":"trade","p":"0.1"}', b'x' * 300, b'[1,2]',
                                              b'\x01\x02', '{"s":"ü"}'.encode(), b'']
    for cut in range(1, len(MIXED)):
        assert both(MIXED, [cut])['events'] == whole['events'], 'cut at byte {}'.format(cut)


def test_one_byte_per_read() -> None:
    """Feeding one byte per read gives the same result as one read."""
    assert both(MIXED, range(len(MIXED)))['events'] == both(MIXED)['events']


def test_large_frames_cut_in_header_and_payload() -> None:
    """16- and 64-bit frames cut inside the extended length and the payload arrive intact."""
    big16, big64 = b'0123456789abcdef' * 3000, b'y' * 70000
    stream = frame(b'a') + frame(big16) + frame(big64, BINARY) + frame(b'z')
    start16 = len(frame(b'a'))
    start64 = start16 + len(frame(big16))
    cuts = [start16 + k for k in range(1, 5)] + [start64 + k for k in range(1, 11)]
    cuts += [start16 + 3000, start64 + 20000, start64 + 40000, start64 + 69999]
    for cut in cuts:
        res = both(stream, [cut])
        assert messages(res) == [(b'a', False), (big16, False), (big64, True), (b'z', False)]


def test_large_frame_trickling_in_small_reads() -> None:
    """A 64-bit frame arriving in 1 kB reads is assembled once, without errors."""
    body = b'{"k":"' + b'v' * 100000 + b'"}'
    stream = frame(body) + frame(b'next')
    res = both(stream, range(0, len(stream), 1024))
    assert messages(res) == [(body, False), (b'next', False)]


@st.composite
def frame_streams(draw: Any) -> Tuple[bytes, List[int]]:
    parts = []
    for _ in range(draw(st.integers(1, 8))):
        kind = draw(st.sampled_from(['text', 'binary', 'frag', 'ping', 'pong', 'long', 'junk']))
        body = draw(st.binary(max_size=40)) if kind in ('binary', 'ping', 'pong') else \
            draw(st.text(max_size=30)).encode()
        if kind == 'junk':
            parts.append(draw(st.binary(min_size=1, max_size=12)))
        elif kind == 'text':
            parts.append(frame(body))
        elif kind == 'binary':
            parts.append(frame(body, BINARY))
        elif kind == 'long':
            parts.append(frame(body * 10 + b'.' * 130))
        elif kind == 'frag':
            parts.append(frame(body[:3], fin=False) + frame(body[3:6], CONT, fin=False)
                         + frame(b'p', PING) + frame(body[6:], CONT))
        else:
            parts.append(frame(body, PING if kind == 'ping' else PONG))
    if draw(st.booleans()):
        parts.append(close_frame(1000))
    stream = b''.join(parts)
    cuts = draw(st.lists(st.integers(1, max(1, len(stream) - 1)), max_size=6))
    options = {'failByDrop': draw(st.booleans()), 'utf8validateIncoming': draw(st.booleans())}
    return stream, cuts, options


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(frame_streams())
def test_random_streams_and_cuts_match_autobahn(case: Tuple[bytes, List[int], Dict]) -> None:
    """Random mixes of frames and junk, cut into random reads, behave exactly as in autobahn."""
    stream, cuts, options = case
    both(stream, cuts, **options)


@settings(max_examples=100, deadline=None)
@given(st.binary(min_size=1, max_size=60), st.lists(st.integers(1, 59), max_size=4))
def test_garbage_after_valid_frames_matches_autobahn(junk: bytes, cuts: List[int]) -> None:
    """Arbitrary bytes after valid frames fail (or pass) exactly as in autobahn."""
    stream = frame(b'{"ok":1}') + junk
    both(stream, [c + 9 for c in cuts], failByDrop=False)


# -- closing -----------------------------------------------------------------------------

def test_server_close_is_answered_and_clean() -> None:
    """A server close frame is echoed with 1000 and the close is clean when TCP goes."""
    res = both(frame(b'm') + close_frame(1000, b'bye'))
    assert res['sent'] == [(CLOSE, struct.pack('!H', 1000))]
    assert closes(res) == [('close', True, 1000)]


def test_server_going_away_is_reported() -> None:
    """A 1001 close (server shutdown notice) reaches onClose with its code."""
    res = both(close_frame(1001, b'restart'))
    assert closes(res) == [('close', True, 1001)]


def test_invalid_close_code_fails() -> None:
    """A close frame with a reserved code fails the connection with 1002."""
    res = both(frame(b'm') + close_frame(1005), failByDrop=False)
    assert sent_close_code(res) == 1002


def test_client_initiated_close_from_callback() -> None:
    """sendClose() inside onMessage: later frames follow autobahn's closing rules."""
    stream = frame(b'one') + frame(b'stop') + frame(b'after') + close_frame(1000)
    results = []
    for fast in (False, True):
        cls = Fast if fast else Recording
        cls.close_on_message = b'stop'
        try:
            results.append(run(fast, stream))
        finally:
            cls.close_on_message = None
    plain, fast_res = results
    assert fast_res['events'] == plain['events'] and fast_res['sent'] == plain['sent']
    assert fast_res['sent'][0] == (CLOSE, struct.pack('!H', 1000))
    assert closes(fast_res) == [('close', True, 1000)]
    assert (b'one', False) in messages(fast_res)


def test_data_after_close_is_not_fast_pathed() -> None:
    """After the close handshake started, frames go through autobahn only."""
    proto, transport, _ = connect(True)
    proto.sendClose(1000)
    proto.dataReceived(frame(b'late') + close_frame(1000))
    assert proto.fast_frames_delivered == 0
    assert proto.state == proto.STATE_CLOSING or transport.disconnecting


# -- when the fast path stands aside --------------------------------------------------------

def test_streaming_api_subclass_disables_fast_path() -> None:
    """A subclass overriding autobahn's frame hooks gets plain autobahn behaviour."""
    class Streaming(FastFramesMixin, WebSocketClientProtocol):
        def onMessageFrameData(self, payload: bytes) -> None:
            WebSocketClientProtocol.onMessageFrameData(self, payload)

    class Off(Fast):
        fast_frames = False

    assert _usable(Fast) and not _usable(Streaming) and not _usable(Off)


def test_switched_off_class_still_works() -> None:
    """fast_frames = False delivers the same messages through autobahn."""
    class Off(Fast):
        fast_frames = False
    proto, transport, _ = connect(True)
    proto.__class__ = Off
    proto.dataReceived(frame(b'a') + frame(b'b'))
    assert [e[1] for e in proto.events] == [b'a', b'b'] and proto.fast_frames_delivered == 0


def test_message_listeners_disable_fast_path() -> None:
    """Observers registered with .on('message') still get every message."""
    proto, _, _ = connect(True)
    seen = []
    proto.on('message', lambda payload, is_binary: seen.append(payload))
    proto.dataReceived(frame(b'a') + frame(b'b'))
    assert seen == [b'a', b'b'] and proto.fast_frames_delivered == 0


def test_callback_exception_keeps_buffer_consistent() -> None:
    """If onMessage raises, the raising frame is consumed and the rest is kept."""
    proto, _, _ = connect(True)
    calls = []

    def boom(payload: bytes, isBinary: bool) -> None:
        calls.append(payload)
        if payload == b'b':
            raise RuntimeError('callback failed')
    proto.onMessage = boom
    with pytest.raises(RuntimeError):
        proto.dataReceived(frame(b'a') + frame(b'b') + frame(b'c'))
    assert calls == [b'a', b'b'] and proto.data == frame(b'c')


# -- real socket ---------------------------------------------------------------------------

def test_over_loopback_with_real_reactor() -> None:
    """Over a real TCP connection: many frames, a ping mid-stream, a clean close."""
    bodies = [b'{"t":%d,"p":"0.00012"}' % i for i in range(3000)]
    frames = [frame(b) for b in bodies]
    stream = (b''.join(frames[:1500]) + frame(b'live?', PING) + b''.join(frames[1500:])
              + close_frame(1000))
    listener = socket.socket()
    listener.bind(('127.0.0.1', 0))
    listener.listen(1)
    port = listener.getsockname()[1]
    received_by_server: List[bytes] = []

    def serve() -> None:
        conn, _ = listener.accept()
        with conn:
            data = b''
            while b'\r\n\r\n' not in data:
                data += conn.recv(4096)
            key = [line.split(b':', 1)[1].strip() for line in data.split(b'\r\n')
                   if line.lower().startswith(b'sec-websocket-key')][0]
            accept = base64.b64encode(hashlib.sha1(key + GUID).digest())
            conn.sendall(b'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n'
                         b'Connection: Upgrade\r\nSec-WebSocket-Accept: ' + accept + b'\r\n\r\n')
            for k in range(0, len(stream), 7001):  # odd-sized writes
                conn.sendall(stream[k:k + 7001])
            conn.settimeout(5)
            got = b''
            try:
                while len(client_frames_safe(got)) < 2:
                    chunk = conn.recv(4096)
                    if not chunk:
                        break
                    got += chunk
            except OSError:
                pass
            received_by_server.append(got)

    server = threading.Thread(target=serve, daemon=True)
    server.start()
    _reactor.ensure_running()
    reactor = _reactor.get_reactor()
    holder: Dict[str, Any] = {}

    def start() -> None:
        from autobahn.twisted.websocket import connectWS
        factory = WebSocketClientFactory('ws://127.0.0.1:{}/ws/x'.format(port), reactor=reactor)
        factory.setProtocolOptions(closeHandshakeTimeout=2, serverConnectionDropTimeout=2)
        factory.protocol = Fast
        original = factory.buildProtocol

        def build(addr: Any) -> Any:
            proto = original(addr)
            holder['proto'] = proto
            return proto
        factory.buildProtocol = build
        connectWS(factory)

    reactor.callFromThread(start)
    try:
        wait_until(lambda: 'proto' in holder and any(
            e[0] == 'close' for e in getattr(holder['proto'], 'events', [])), timeout=10,
            message='the close handshake')
        proto = holder['proto']
        assert [e[1] for e in proto.events if e[0] == 'message'] == bodies
        assert ('ping', b'live?') in proto.events
        assert proto.fast_frames_delivered > len(bodies) // 2
        server.join(5)
        sent = client_frames_safe(received_by_server[0])
        assert sent[0] == (PONG, b'live?') and sent[1][0] == CLOSE
    finally:
        listener.close()


def client_frames_safe(data: bytes) -> List[Tuple[int, bytes]]:
    """client_frames on a possibly incomplete byte string (complete frames only)."""
    out = []
    while len(data) >= 6:
        n = data[1] & 0x7F
        pos = 2 + (2 if n == 126 else 8 if n == 127 else 0)
        if n >= 126:
            if len(data) < pos:
                break
            n = int.from_bytes(data[2:pos], 'big')
        if len(data) < pos + 4 + n:
            break
        out.extend(client_frames(data[:pos + 4 + n]))
        data = data[pos + 4 + n:]
    return out
