"""The autobahn protocol and factory behind :class:`binance.testing.streams.StreamServer`.

One :class:`ServerStreamProtocol` per client connection. It asks the server where
the request path routes (refusing the handshake with HTTP 400/404 for paths
Binance does not serve), keeps Binance's keepalive (a ping with a payload
every ``ping_interval`` seconds; no pong echoing it within ``pong_timeout`` →
the TCP connection is dropped; closed after ``max_connection_age``), answers
``SUBSCRIBE``/``UNSUBSCRIBE``/``LIST_SUBSCRIPTIONS`` on stream connections and
WebSocket API requests on ``/ws-api/v3``, and can be *stalled* (sends nothing,
not even pongs). All of it runs on the reactor thread; every timer uses the
server's injected reactor.
"""
import logging
from collections import OrderedDict, deque
from typing import Any, Deque, Dict, List, Optional

from autobahn.twisted.websocket import WebSocketServerFactory, WebSocketServerProtocol
from autobahn.websocket.types import ConnectionDeny
from twisted.internet import defer
from twisted.internet.protocol import connectionDone
from twisted.python.failure import Failure

from binance._streams.diagnostics import RedactedLog
from binance._streams.lockstep import ACK as LOCKSTEP_ACK, HEADER as LOCKSTEP_HEADER
from binance._streams.tls import use_reactor_timer
from binance.testing import streams_wsapi
from binance.testing.streams_format import dumps, loads
from binance.testing.streams_time_unit import (
    BAD_TIME_UNIT, reply_to_microseconds, wants_microseconds_in)

__all__ = ['ServerStreamProtocol', 'StreamServerFactory']

log = logging.getLogger(__name__)

ROUTE_RAW = 'raw'            # /ws/<stream>[/<stream>...]: payloads as they are
ROUTE_COMBINED = 'combined'  # /stream?streams=a/b: {"stream": name, "data": payload}
ROUTE_API = 'api'            # /ws-api/v3: WebSocket API requests


class ServerStreamProtocol(WebSocketServerProtocol):
    """One client connection of the stream server (reactor thread only).

    :ivar path: the request URI, e.g. ``'/stream?streams=bnbbtc@trade/neobtc@ticker'``.
    :ivar route: ``'raw'``, ``'combined'`` or ``'api'``.
    :ivar streams: the stream names this connection receives.
    :ivar stalled: while true nothing is sent (no data, pings or pongs).
    :ivar api_subscriptions: WebSocket API subscription id → API key.
    """

    #: autobahn's log lines (the handshake request at debug level) without listen keys
    log = RedactedLog(WebSocketServerProtocol.log)

    def __init__(self) -> None:
        super().__init__()
        self.path = ''
        self.route: Optional[str] = None
        self.streams: List[str] = []
        self.stalled = False
        #: ``timeUnit=MICROSECOND`` in the URL: time fields in microseconds
        self.micro = False
        self.opened = False
        self.api_subscriptions: Dict[int, str] = {}
        self.request_count = 0
        self._next_subscription = 0
        self._pending_pings: 'OrderedDict[bytes, Any]' = OrderedDict()
        self._ping_call: Any = None
        self._age_call: Any = None
        self._ping_seq = 0
        self._cleaned = False
        self._incoming: Deque[float] = deque()       # times of recent pings/pongs/JSON messages
        self._shutdown_call: Any = None
        self.lost: defer.Deferred = defer.Deferred()   # fires when the TCP connection is gone
        #: a replay's lockstep connection (:mod:`binance.testing.replay.lockstep`)
        self.lockstep: Any = None
        self.lockstep_unacked = 0
        #: the client protocol (in this process) a lockstep connection hands its
        #: messages to in memory, instead of the socket
        self.handoff: Any = None
        self.lockstep_requests = 0
        self.lockstep_gone = False

    # ------------------------------------------------------------ helpers

    @property
    def stream_server(self) -> Any:
        return self.factory.stream_server

    def matches(self, stream: Optional[str]) -> bool:
        """Whether this connection is selected by ``stream`` (see ``StreamServer``)."""
        if stream is None:
            return True
        key = stream.lstrip('/')
        return key in self.streams or key == self.path.lstrip('/')

    def is_live(self) -> bool:
        return self.opened and self.state == self.STATE_OPEN

    def send_prepared(self, prepared: Any) -> bool:
        """Send a prepared (pre-framed) message; False when stalled or not open."""
        if self.stalled or not self.is_live():
            return False
        if self.handoff is not None:
            self.lockstep.post(self, prepared.payload, prepared.binary)
            return True
        self.sendPreparedMessage(prepared)
        if self.lockstep is not None:
            self.lockstep.sent(self)
        return True

    def send_bytes(self, data: bytes, binary: bool = False) -> bool:
        """Send one message frame; False when stalled or not open."""
        if self.stalled or not self.is_live():
            return False
        if self.handoff is not None:
            self.lockstep.post(self, data, binary)
            return True
        self.sendMessage(data, isBinary=binary)
        if self.lockstep is not None:
            self.lockstep.sent(self)
        return True

    def send_json(self, obj: Any) -> bool:
        return self.send_bytes(dumps(obj))

    def add_api_subscription(self, api_key: str) -> int:
        sub_id = self._next_subscription
        self._next_subscription += 1
        self.api_subscriptions[sub_id] = api_key
        return sub_id

    def abort(self) -> None:
        """Drop the TCP connection without a closing handshake."""
        if self.transport is None:
            return
        if self.state != self.STATE_CLOSED:
            self.dropConnection(abort=True)
        else:  # closing handshake done or under way, TCP still up
            self.transport.abortConnection()

    def going_away(self, code: int = 1001, reason: str = 'going away') -> bool:
        """Start a closing handshake with ``code`` (1001: server going away)."""
        if not self.is_live():
            return False
        self.sendCloseFrame(code=code, reasonUtf8=reason.encode('utf-8'), isReply=False)
        return True

    def server_shutdown(self, now_ms: int, grace: float) -> bool:
        """Send Binance's ``serverShutdown`` event, then close after ``grace`` seconds.

        Stream connections (market streams and listen keys) get the raw event,
        combined ones the ``!serverShutdown`` envelope, WebSocket API
        connections the connection event ``{"event": {...}}`` (Binance's
        WebSocket API "Connection events").
        """
        if not self.is_live():
            return False
        event = {'e': 'serverShutdown', 'E': now_ms * 1000 if self.micro else now_ms}
        if self.route == ROUTE_COMBINED:
            self.send_json({'stream': '!serverShutdown', 'data': event})
        elif self.route == ROUTE_API:
            self.send_json({'event': event})
        else:
            self.send_json(event)
        if self._shutdown_call is None:
            self._shutdown_call = self.stream_server.reactor.callLater(grace, self._shut_down)
        return True

    def _shut_down(self) -> None:
        self._shutdown_call = None
        if not self.going_away(1001, 'server shutdown'):
            self.abort()

    # ------------------------------------------------------------ handshake

    def onConnect(self, request: Any) -> Any:
        self.path = self.http_request_uri
        # raises ConnectionDeny (HTTP 429) past the connection-attempt limit
        self.stream_server.count_attempt()
        # raises ConnectionDeny (HTTP 400/404) for paths Binance does not serve
        self.route, self.streams = self.stream_server.route(self.path)
        micro = wants_microseconds_in(self.path)
        if micro is None:
            raise ConnectionDeny(400, 'Bad Request: ' + BAD_TIME_UNIT)
        self.micro = micro
        gate = self.stream_server.lockstep
        if gate is not None:
            answer = gate.agree(self, request.headers.get(LOCKSTEP_HEADER.lower()))
            if answer is not None:
                return None, {LOCKSTEP_HEADER: answer}
        return None

    def onOpen(self) -> None:
        self.opened = True
        self.stream_server.connection_opened(self)
        reactor = self.stream_server.reactor
        if self.stream_server.ping_interval:
            self._ping_call = reactor.callLater(self.stream_server.ping_interval,
                                                self._send_ping)
        if self.stream_server.max_connection_age:
            self._age_call = reactor.callLater(self.stream_server.max_connection_age,
                                               self._age_out)

    def onClose(self, wasClean: bool, code: Any, reason: Any) -> None:
        self._cleanup()

    def connectionMade(self) -> None:
        super().connectionMade()
        self.stream_server.connection_made(self)

    def connectionLost(self, reason: Failure = connectionDone) -> None:
        try:
            super().connectionLost(reason)
        finally:
            self._cleanup()
            self.stream_server.connection_lost(self)
            if not self.lost.called:
                self.lost.callback(None)

    def _cleanup(self) -> None:
        if self._cleaned:
            return
        self._cleaned = True
        if self.lockstep is not None:
            self.lockstep.closed(self)
        timers = self.__dict__.get('token_timers', [])   # listen token expiries (WebSocket API)
        for call in [self._ping_call, self._age_call, self._shutdown_call] + list(
                self._pending_pings.values()) + timers:
            if call is not None and call.active():
                call.cancel()
        self._pending_pings.clear()
        self._ping_call = self._age_call = self._shutdown_call = None
        if self.opened:
            self.stream_server.connection_closed(self)

    # ------------------------------------------------------------ keepalive

    def _send_ping(self) -> None:
        server = self.stream_server
        self._ping_call = server.reactor.callLater(server.ping_interval, self._send_ping)
        if self.stalled or not self.is_live():
            return
        self._ping_seq += 1
        payload = '{}:{}'.format(server.now_ms(), self._ping_seq).encode('ascii')
        self.sendPing(payload)
        if server.pong_timeout:
            self._pending_pings[payload] = server.reactor.callLater(
                server.pong_timeout, self._pong_missing, payload)

    def _count_incoming(self) -> bool:
        """Count one incoming ping, pong or JSON message on a stream connection.

        Binance allows 5 per second per connection and disconnects beyond
        that. Returns ``False`` (after dropping the connection) when exceeded.
        """
        server = self.stream_server
        limit = server.control_limit
        if not limit or self.route == ROUTE_API:
            return True
        now = server.reactor.seconds()
        times = self._incoming
        times.append(now)
        while times and times[0] <= now - 1.0:
            times.popleft()
        if len(times) > limit:
            log.info('stream client %s sent more than %d messages in a second: disconnecting',
                     self.peer, limit)
            server.note_over_limit(self)
            self.abort()
            return False
        return True

    def onPong(self, payload: bytes) -> None:
        if not self._count_incoming():
            return
        if payload not in self._pending_pings:
            return  # unsolicited pong or a payload we never sent: does not count
        # the answer to this ping also vouches for the earlier ones
        while self._pending_pings:
            sent, call = self._pending_pings.popitem(last=False)
            if call.active():
                call.cancel()
            if sent == payload:
                break

    def onPing(self, payload: bytes) -> None:
        if not self._count_incoming():
            return
        if not self.stalled:
            super().onPing(payload)

    def _pong_missing(self, payload: bytes) -> None:
        self._pending_pings.pop(payload, None)
        log.info('stream client %s did not answer a ping within %s s: dropping it',
                 self.peer, self.stream_server.pong_timeout)
        self.abort()

    def _age_out(self) -> None:
        self._age_call = None
        log.info('stream connection %s reached its maximum age: closing it', self.peer)
        if not self.going_away(1000, 'connection reached its maximum age'):
            self.abort()

    # ------------------------------------------------------------ messages

    def onMessage(self, payload: bytes, isBinary: bool) -> None:
        if self.handoff is not None:
            try:
                self._on_message(payload, isBinary)
            finally:   # answered: the replay may go on
                self.lockstep.request_read(self)
            return
        if isBinary and self.lockstep is not None and payload == LOCKSTEP_ACK:
            self.lockstep.acked(self)
            return
        self._on_message(payload, isBinary)

    def _on_message(self, payload: bytes, isBinary: bool) -> None:
        if self.route == ROUTE_API:
            reply = self.stream_server.api_handler(self.stream_server, self, payload)
            self.send_json(reply_to_microseconds(reply) if self.micro else reply)
        elif self._count_incoming():
            self._live_subscription(payload)

    def _error(self, code: int, msg: str, request_id: Any = None) -> None:
        self.send_json({'error': {'code': code, 'msg': msg}, 'id': request_id})

    def _live_subscription(self, payload: bytes) -> None:
        """Binance's live requests on a stream connection: ``SUBSCRIBE``,
        ``UNSUBSCRIBE``, ``LIST_SUBSCRIPTIONS``, ``SET_PROPERTY``, ``GET_PROPERTY``.

        Replies and error messages as web-socket-streams.md documents them.
        """
        try:
            request = loads(payload)
        except ValueError:
            self._error(3, 'Invalid JSON: expected value at line 1 column 1')
            return
        if not isinstance(request, dict):
            self._error(2, 'Invalid request: expected a JSON object at line 1 column 1')
            return
        request_id = request.get('id')
        if not _valid_request_id(request_id):
            self._error(2, 'Invalid request: request ID must be an unsigned integer')
            return
        if 'method' not in request:
            self._error(2, 'Invalid request: missing field `method` at line 1 column {}'.format(
                len(payload)), request_id)
            return
        method = request.get('method')
        params = request.get('params', [])
        if method not in _METHODS:
            self._error(2, 'Invalid request: unknown variant {}, expected one of {} at line 1 '
                        'column 28'.format(_quoted(method), ', '.join(
                            '`{}`'.format(m) for m in _METHODS)), request_id)
            return
        if method == 'LIST_SUBSCRIPTIONS':
            self.send_json({'result': list(self.streams), 'id': request_id})
            return
        if method in ('SET_PROPERTY', 'GET_PROPERTY'):
            self._property(method, params, request_id)
            return
        if not isinstance(params, list) or not all(isinstance(p, str) and p for p in params):
            self._error(2, 'Invalid request: params must be a list of stream names',
                        request_id)
            return
        server = self.stream_server
        if method == 'SUBSCRIBE':
            bad = [p for p in params if not server.is_stream_name(p)]
            if bad:
                self._error(2, 'Invalid request: invalid stream name {}'.format(
                    _quoted(bad[0])), request_id)
                return
            new = [p for p in dict.fromkeys(params) if p not in self.streams]
            if len(self.streams) + len(new) > server.max_streams:
                self._error(2, 'Invalid request: a connection can listen to at most {} '
                            'streams'.format(server.max_streams), request_id)
                return
            server.subscribe(self, params)
        else:
            server.unsubscribe(self, params)
        self.send_json({'result': None, 'id': request_id})

    def _property(self, method: str, params: Any, request_id: Any) -> None:
        if not isinstance(params, list) or not params or not isinstance(params[0], str):
            self._error(2, 'Invalid request: property name must be a string', request_id)
            return
        if params[0] != 'combined':
            self._error(0, 'Unknown property', request_id)
            return
        if method == 'GET_PROPERTY':
            if len(params) != 1:
                self._error(2, 'Invalid request: too many parameters', request_id)
                return
            self.send_json({'result': self.route == ROUTE_COMBINED, 'id': request_id})
            return
        if len(params) != 2:
            self._error(2, 'Invalid request: too many parameters' if len(params) > 2 else
                        'Invalid request: property name must be a string', request_id)
            return
        if not isinstance(params[1], bool):
            self._error(1, 'Invalid value type: expected Boolean', request_id)
            return
        self.route = ROUTE_COMBINED if params[1] else ROUTE_RAW
        self.send_json({'result': None, 'id': request_id})


_METHODS = ('SUBSCRIBE', 'UNSUBSCRIBE', 'LIST_SUBSCRIPTIONS', 'SET_PROPERTY', 'GET_PROPERTY')


def _quoted(value: Any) -> str:
    return '`{}`'.format(value) if isinstance(value, str) else repr(value)


def _valid_request_id(value: Any) -> bool:
    """Binance takes a 64-bit signed integer, an alphanumeric string of at most 36, or null."""
    if value is None:
        return True
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return -2 ** 63 <= value < 2 ** 63
    return isinstance(value, str) and len(value) <= 36 and value.isalnum() and value.isascii()


class StreamServerFactory(WebSocketServerFactory):
    """Builds :class:`ServerStreamProtocol` instances; refuses connections while told to."""

    protocol = ServerStreamProtocol

    def __init__(self, server: Any, reactor: Any) -> None:
        super().__init__(reactor=reactor)
        self.stream_server = server
        # handshake/close timeouts on the injected reactor, not txaio's global one
        use_reactor_timer(self, reactor)
        self.setProtocolOptions(webStatus=False)

    def buildProtocol(self, addr: Any) -> Any:
        if self.stream_server.consume_refusal():
            log.debug('refusing a stream connection from %s as scripted', addr)
            return None  # Twisted closes the TCP connection at once
        return super().buildProtocol(addr)
