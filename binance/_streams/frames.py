"""A fast receive path for the server-to-client frames of a busy stream.

autobahn handles every incoming frame through a chain of about twenty Python
calls: header parsing that re-slices the whole receive buffer twice per
frame, begin/data/end hooks for frames and messages, incremental UTF-8
validation, a Deferred per message for its observer API. On a loopback feed
of Binance trade events that is 13-20 us of CPU per message, most of the
cost of a stream (profile in ``benchmarks/README.rst``).

:class:`FastFramesMixin` keeps autobahn for everything that needs care (the
opening handshake, control frames, fragmented messages, the closing
handshake, every protocol error) and takes over only the common case: once
the connection is open, a run of complete, unfragmented, unmasked text or
binary frames without RSV bits, sitting in the receive buffer, is delivered
with one slice per frame: the text messages of one read together to
:meth:`FastFramesMixin.text_messages` (which gives each to ``onMessage``,
unless the protocol handles the whole run itself), a binary one to
``onMessage`` in its place between them. The first frame that is
anything else (a ping, a close, a fragment, a reserved opcode, RSV bits, a
mask, a non-minimal length, a text frame that is not valid UTF-8, a frame
above the configured size limits) is left in autobahn's own buffer
(``self.data``), untouched, and autobahn's machinery processes it up to the
next frame boundary, so it behaves exactly as without the mixin: the pong
echoes the ping's payload, a protocol violation fails the connection with
the RFC 6455 status code, the close handshake runs as usual. A frame whose
payload has not fully arrived waits in the buffer (frames above 16 KiB are
streamed through autobahn instead, so a large message is never re-copied).

Use it by listing it before autobahn's protocol class::

    from autobahn.twisted.websocket import WebSocketClientProtocol
    from binance._streams.frames import FastFramesMixin

    class StreamProtocol(FastFramesMixin, WebSocketClientProtocol):
        def onMessage(self, payload, isBinary):
            ...

The fast path switches itself off (and the class behaves exactly like the
plain autobahn protocol) when the subclass overrides autobahn's streaming
hooks (``onMessageBegin``, ``onMessageFrameData``, ...), when the connection
logs frames or tracks timings, when a compression extension was
negotiated, when observers are registered with ``.on('message', ...)``, or
when the class attribute ``fast_frames`` is ``False``.

UTF-8: when ``utf8validateIncoming`` is on (autobahn's default), a text
frame is delivered by the fast path only when it is valid UTF-8 (an
ASCII check, then a strict decode for non-ASCII payloads); an invalid one is
handed to autobahn, which fails the connection with status 1007. The part of
a text frame that has arrived is checked the same way on every read (with
autobahn's validator), so an invalid frame fails the connection on the same
read as without the mixin. Keeping validation on costs next to nothing on
the fast path.
"""
from functools import partial
from typing import Any, Callable, Dict, List, Tuple

from autobahn.twisted.websocket import WebSocketAdapterProtocol
from autobahn.websocket.protocol import WebSocketProtocol
from autobahn.websocket.utf8validator import Utf8Validator

__all__ = ['FastFramesMixin']

_OPEN = WebSocketProtocol.STATE_OPEN
_CLOSING = WebSocketProtocol.STATE_CLOSING
_TEXT_FIN = 0x81     # FIN, no RSV, opcode 1
_BINARY_FIN = 0x82   # FIN, no RSV, opcode 2
#: A frame whose payload has not fully arrived waits in the buffer when it is
#: at most this long; a longer one goes to autobahn, which consumes its payload
#: as it arrives instead of re-copying a growing buffer on every read.
_WAIT_LIMIT = 16384

# Hooks whose override means the subclass wants autobahn's per-frame events.
_STREAMING_HOOKS = ('onMessageBegin', 'onMessageFrameBegin', 'onMessageFrameData',
                    'onMessageFrameEnd', 'onMessageFrame', 'onMessageEnd', 'onFrameBegin',
                    'onFrameData', 'onFrameEnd', 'processData', '_onMessageBegin',
                    '_onMessageFrameBegin', '_onMessageFrameData', '_onMessageFrameEnd',
                    '_onMessageFrame', '_onMessageEnd')
_class_ok: Dict[type, bool] = {}
_run_ok: Dict[type, bool] = {}
_ADAPTER_ON_MESSAGE = WebSocketAdapterProtocol._onMessage


def _usable(cls: type) -> bool:
    """True when ``cls`` relies on ``onMessage`` only (cached per class)."""
    ok = _class_ok.get(cls)
    if ok is None:
        ok = bool(getattr(cls, 'fast_frames', True))
        for name in _STREAMING_HOOKS:
            base = getattr(WebSocketAdapterProtocol, name, None) or getattr(WebSocketProtocol, name)
            if getattr(cls, name, None) is not base:
                ok = False
        _class_ok[cls] = ok
    return ok


def _utf8_prefix_ok(data: bytes) -> bool:
    """True when ``data`` can still begin valid UTF-8 (autobahn's own validator)."""
    return data.isascii() or Utf8Validator().validate(data)[0]


class FastFramesMixin:
    """Deliver complete unfragmented data frames without autobahn's frame machinery.

    Mix into an autobahn ``WebSocketClientProtocol`` subclass (before it in
    the bases). Behaviour visible to the application and to the peer is the
    same as autobahn's; only the CPU per message changes. Set the class
    attribute ``fast_frames = False`` to switch the fast path off.

    ``fast_frames_delivered`` counts the messages the fast path delivered on
    this connection (for tests and benchmarks).
    """

    fast_frames = True
    fast_frames_delivered = 0
    #: set by :meth:`text_messages` when it raises: the payloads it consumed
    run_consumed = 0
    #: an unfragmented data frame longer than this is skipped as it arrives
    #: (never buffered whole, never delivered; :meth:`message_skipped` is told);
    #: 0: no limit of its own (autobahn's ``maxMessagePayloadSize`` applies)
    max_message_size = 0
    #: payload bytes of a skipped frame still to come
    _skip_left = 0

    # These attributes belong to autobahn's protocol; declared for type checkers.
    state: int
    data: bytes
    current_frame: Any
    inside_message: bool
    logFrames: bool
    trackedTimings: Any
    _perMessageCompress: Any
    _listeners: Any
    utf8validateIncoming: bool
    maxFramePayloadSize: int
    maxMessagePayloadSize: int
    trafficStats: Any
    autoPingTimeoutCall: Any
    autoPingRestartOnAnyTraffic: bool
    processData: Callable[[], Any]
    onMessage: Callable[[bytes, bool], Any]
    _onMessage: Callable[[bytes, bool], Any]
    _cancelAutoPingTimeoutCall: Callable[[], Any]

    def consumeData(self) -> None:
        """Process the receive buffer: the fast path while the connection is open.

        autobahn calls this for every read (after appending it to
        ``self.data``) and once after the opening handshake for any bytes
        that came with the server's response.
        """
        if (self.state != _OPEN or self.logFrames or self.trackedTimings
                or self._perMessageCompress is not None or self._listeners
                or not _usable(type(self))):
            super().consumeData()  # type: ignore[misc]
            return
        self._fast_consume()

    # -- internals -----------------------------------------------------------------

    def message_skipped(self, size: int, binary: bool) -> None:
        """A frame of ``size`` payload bytes above :attr:`max_message_size` is being
        skipped (override to log it)."""

    def _skip(self) -> bool:
        """Drop the buffered part of a skipped frame; ``True`` once it is all gone."""
        data = self.data
        n = min(len(data), self._skip_left)
        self._skip_left -= n
        self.data = data[n:]
        self.trafficStats.incomingOctetsWebSocketLevel += n
        return self._skip_left == 0

    def _fast_consume(self) -> None:
        """Alternate between the fast path and autobahn until the buffer is used up."""
        if self._skip_left and not self._skip():
            return
        while self.state == _OPEN:
            if self.current_frame is None and not self.inside_message:
                if not self._fast_frames():
                    if self.state == _CLOSING and self.data:
                        # onMessage started the closing handshake: autobahn's
                        # rules for the frames that follow
                        super().consumeData()  # type: ignore[misc]
                    return  # buffer used up, or waiting for the rest of a frame
            if not self._autobahn_step():
                return

    def _autobahn_step(self) -> bool:
        """Let autobahn process buffered bytes up to the next message boundary.

        :returns: ``True`` when autobahn consumed at least one frame and is
            back between messages with the connection still open (the fast
            path may resume), ``False`` when it needs more bytes or the
            connection is no longer open.
        """
        process = self.processData
        while True:
            before = len(self.data)
            in_frame = self.current_frame is not None
            more = process()
            if self.state != _OPEN:
                if more and self.state == _CLOSING:
                    # where autobahn's own loop would go on
                    super().consumeData()  # type: ignore[misc]
                return False
            if self.current_frame is None and not self.inside_message:
                # back between messages; no progress means a partial header
                return in_frame or len(self.data) != before
            if not more:
                return False

    def text_messages(self, payloads: List[bytes]) -> int:
        """Hand a run of complete text messages to the application, in order.

        The fast path collects the text frames of one read and hands them
        over together. This one gives each to ``onMessage(payload, False)``
        and stops after one that left the connection no longer open. A
        protocol may override it, together with ``onMessage``, to handle a
        run with one call instead of one per message; it must behave as
        ``onMessage`` for each payload in turn (:func:`_own_run` checks that
        both come from the same class, so a subclass that overrides only
        ``onMessage`` gets this one back).

        :returns: how many payloads were consumed (handled or dropped); the
            frames of the others stay in the buffer for autobahn. When it
            raises, it sets :attr:`run_consumed` to how many (the one that
            raised included; all of them if it does not say).
        """
        if type(self)._onMessage is _ADAPTER_ON_MESSAGE:
            on_message = self.onMessage  # skip the adapter's one-line forwarder
        else:
            on_message = self._onMessage
        done = 0
        try:
            for payload in payloads:
                done += 1
                on_message(payload, False)
                if self.state != _OPEN:
                    break
        except BaseException:
            self.run_consumed = done
            raise
        return done

    def _fast_frames(self) -> bool:
        """Deliver the run of plain data frames at the head of ``self.data``.

        :returns: ``True`` when a frame autobahn must handle is at the head of
            the buffer, ``False`` when the buffer is used up (or holds only the
            beginning of a frame) or the connection stopped being open.
        """
        buf = self.data
        end = len(buf)
        pos = 0
        delivered = 0
        octets = 0
        handoff = False
        validate = self.utf8validateIncoming
        limit = self.maxFramePayloadSize
        msg_limit = self.maxMessagePayloadSize
        if msg_limit > 0 and (limit <= 0 or msg_limit < limit):
            limit = msg_limit
        if limit <= 0:
            limit = 1 << 63
        skip_above = self.max_message_size or (1 << 63)
        cls = type(self)
        if cls._onMessage is _ADAPTER_ON_MESSAGE:
            on_message = self.onMessage  # skip the adapter's one-line forwarder
        else:
            on_message = self._onMessage
        if _own_run(cls) and 'onMessage' not in self.__dict__:
            text_messages = self.text_messages
        else:  # onMessage replaced (by a subclass or on the instance): one call each
            text_messages = partial(FastFramesMixin.text_messages, self)
        run: List[bytes] = []   # text payloads not handed over yet (their frames end at pos)
        add = run.append
        try:
            while end - pos >= 2:
                b0 = buf[pos]
                if b0 != _TEXT_FIN and b0 != _BINARY_FIN:
                    handoff = True  # control frame, fragment, RSV bits, reserved opcode
                    break
                n = buf[pos + 1]
                if n < 126:
                    start = pos + 2
                elif n == 126:
                    start = pos + 4
                    if start > end:
                        break
                    n = (buf[pos + 2] << 8) | buf[pos + 3]
                    if n < 126:
                        handoff = True  # not the minimal length encoding
                        break
                else:  # 127, or the mask bit is set (n >= 128)
                    if n > 127:
                        handoff = True  # masked server frame
                        break
                    start = pos + 10
                    if start > end:
                        break
                    n = int.from_bytes(buf[pos + 2:start], 'big')
                    if n < 65536 or n > 0x7FFFFFFFFFFFFFFF:
                        handoff = True  # non-minimal length or MSB set
                        break
                stop = start + n
                if n > skip_above:  # too large: skipped as it arrives, never buffered
                    if run:      # the messages before it first
                        pos, delivered, octets = _hand_over(self, text_messages, run, pos,
                                                            delivered, octets)
                        if self.state != _OPEN:
                            break
                    self.message_skipped(n, b0 == _BINARY_FIN)
                    if stop > end:
                        self._skip_left = stop - end
                        pos = end
                        break
                    pos = stop
                    continue
                if n > limit:
                    handoff = True  # autobahn enforces the size limits
                    break
                if stop > end:
                    if n > _WAIT_LIMIT:
                        handoff = True  # stream a large frame through autobahn
                    elif validate and b0 == _TEXT_FIN and not _utf8_prefix_ok(buf[start:end]):
                        handoff = True  # autobahn fails it now, as it would have
                    break
                payload = buf[start:stop]
                if b0 == _TEXT_FIN:
                    if validate and not payload.isascii():
                        try:
                            payload.decode('utf-8')
                        except UnicodeDecodeError:
                            handoff = True  # autobahn fails the connection (1007)
                            break
                    pos = stop
                    delivered += 1
                    octets += n
                    add(payload)
                    continue
                if run:          # a binary frame: the text messages before it first
                    pos, delivered, octets = _hand_over(self, text_messages, run, pos, delivered,
                                                        octets)
                    if self.state != _OPEN:
                        break
                pos = stop
                delivered += 1
                octets += n
                on_message(payload, True)
                if self.state != _OPEN:
                    break
            if run:
                pos, delivered, octets = _hand_over(self, text_messages, run, pos, delivered,
                                                    octets)
        except BaseException:
            if run:  # text_messages raised: the frames after the one that raised stay
                pos, delivered, octets = _give_back(run, self.run_consumed, pos, delivered,
                                                    octets)
            raise
        finally:
            if pos:
                self.data = buf[pos:]
            if delivered:
                stats = self.trafficStats
                stats.incomingOctetsWebSocketLevel += octets
                stats.incomingOctetsAppLevel += octets
                stats.incomingWebSocketFrames += delivered
                stats.incomingWebSocketMessages += delivered
                self.fast_frames_delivered += delivered
                if self.autoPingTimeoutCall and self.autoPingRestartOnAnyTraffic:
                    self._cancelAutoPingTimeoutCall()
        return handoff and self.state == _OPEN


def _hand_over(proto: FastFramesMixin, text_messages: Callable[[List[bytes]], int],
               run: List[bytes], pos: int, frames: int, octets: int) -> Tuple[int, int, int]:
    """Hand ``run`` (text payloads whose frames end at ``pos``) to ``text_messages`` and
    empty it; returns ``pos``, ``frames`` and ``octets`` less the frames it did not
    consume (the connection stopped being open), which stay in the buffer. When it
    raises, ``run`` is left as it was (see :meth:`FastFramesMixin._fast_frames`)."""
    proto.run_consumed = len(run)
    done = text_messages(run)
    if done < len(run):
        pos, frames, octets = _give_back(run, done, pos, frames, octets)
    run.clear()
    return pos, frames, octets


def _give_back(run: List[bytes], done: int, pos: int, frames: int,
               octets: int) -> Tuple[int, int, int]:
    """``pos``, ``frames`` and ``octets`` without the frames of ``run[done:]``."""
    for payload in run[done:]:
        n = len(payload)
        pos -= n + (2 if n < 126 else 4 if n < 65536 else 10)   # the minimal header
        frames -= 1
        octets -= n
    return pos, frames, octets


def _owner(cls: type, name: str) -> type:
    for klass in cls.__mro__:
        if name in klass.__dict__:
            return klass
    return object


def _own_run(cls: type) -> bool:
    """True when ``cls.text_messages`` stands for ``cls.onMessage`` (cached per class):
    it is defined by the class that defines ``onMessage``, or by a subclass of it, and
    autobahn's ``_onMessage`` forwards to ``onMessage`` unchanged."""
    ok = _run_ok.get(cls)
    if ok is None:
        ok = (getattr(cls, '_onMessage', None) is _ADAPTER_ON_MESSAGE
              and issubclass(_owner(cls, 'text_messages'), _owner(cls, 'onMessage')))
        _run_ok[cls] = ok
    return ok
