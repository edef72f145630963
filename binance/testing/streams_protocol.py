"""The autobahn protocol and factory behind :class:`binance.testing.streams.StreamServer`.

One :class:`StreamProtocol` per client connection. It asks the server where
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
from collections import OrderedDict
from typing import Any, Dict, List, Optional

from autobahn.twisted.websocket import WebSocketServerFactory, WebSocketServerProtocol
from twisted.internet import defer
from twisted.python.failure import Failure

from binance._transport import use_reactor_timer
from binance.testing import streams_wsapi
from binance.testing.streams_format import dumps, loads

__all__ = ['StreamProtocol', 'StreamFactory']

log = logging.getLogger(__name__)

ROUTE_RAW = 'raw'            # /ws/<stream>[/<stream>...]: payloads as they are
ROUTE_COMBINED = 'combined'  # /stream?streams=a/b: {"stream": name, "data": payload}
ROUTE_API = 'api'            # /ws-api/v3: WebSocket API requests


class StreamProtocol(WebSocketServerProtocol):
    """One client connection of the stream server (reactor thread only).

    :ivar path: the request URI, e.g. ``'/stream?streams=bnbbtc@trade/neobtc@ticker'``.
    :ivar route: ``'raw'``, ``'combined'`` or ``'api'``.
    :ivar streams: the stream names this connection receives.
    :ivar stalled: while true nothing is sent (no data, pings or pongs).
    :ivar api_subscriptions: WebSocket API subscription id → API key.
    """

    def __init__(self) -> None:
        super().__init__()
        self.path = ''
        self.route: Optional[str] = None
        self.streams: List[str] = []
        self.stalled = False
        self.opened = False
        self.api_subscriptions: Dict[int, str] = {}
        self.request_count = 0
        self._next_subscription = 0
        self._pending_pings: 'OrderedDict[bytes, Any]' = OrderedDict()
        self._ping_call: Any = None
        self._age_call: Any = None
        self._ping_seq = 0
        self._cleaned = False
        self.lost: defer.Deferred = defer.Deferred()   # fires when the TCP connection is gone

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
        self.sendPreparedMessage(prepared)
        return True

    def send_bytes(self, data: bytes, binary: bool = False) -> bool:
        """Send one message frame; False when stalled or not open."""
        if self.stalled or not self.is_live():
            return False
        self.sendMessage(data, isBinary=binary)
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

    # ------------------------------------------------------------ handshake

    def onConnect(self, request: Any) -> None:
        self.path = self.http_request_uri
        # raises ConnectionDeny (HTTP 400/404) for paths Binance does not serve
        self.route, self.streams = self.stream_server.route(self.path)
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

    def connectionLost(self, reason: Optional[Failure] = None) -> None:  # type: ignore[override]
        try:
            super().connectionLost(reason)  # type: ignore[arg-type]
        finally:
            self._cleanup()
            self.stream_server.connection_lost(self)
            if not self.lost.called:
                self.lost.callback(None)

    def _cleanup(self) -> None:
        if self._cleaned:
            return
        self._cleaned = True
        timers = self.__dict__.get('token_timers', [])   # listen token expiries (WebSocket API)
        for call in [self._ping_call, self._age_call] + list(self._pending_pings.values()) + timers:
            if call is not None and call.active():
                call.cancel()
        self._pending_pings.clear()
        self._ping_call = self._age_call = None
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

    def onPong(self, payload: bytes) -> None:
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
        if self.route == ROUTE_API:
            self.send_json(streams_wsapi.handle_request(self.stream_server, self, payload))
        else:
            self._live_subscription(payload)

    def _live_subscription(self, payload: bytes) -> None:
        """``SUBSCRIBE`` / ``UNSUBSCRIBE`` / ``LIST_SUBSCRIPTIONS`` on a stream connection."""
        try:
            request = loads(payload)
        except ValueError:
            self.send_json({'error': {'code': 3, 'msg': 'Invalid JSON'}, 'id': None})
            return
        if not isinstance(request, dict):
            self.send_json({'error': {'code': 2, 'msg': 'Invalid request'}, 'id': None})
            return
        request_id = request.get('id')
        method = request.get('method')
        params = request.get('params', [])
        if method == 'LIST_SUBSCRIPTIONS':
            self.send_json({'result': list(self.streams), 'id': request_id})
            return
        if method not in ('SUBSCRIBE', 'UNSUBSCRIBE'):
            self.send_json({'error': {'code': 2, 'msg': "Invalid request: unknown method "
                                      "(use SUBSCRIBE, UNSUBSCRIBE or LIST_SUBSCRIPTIONS)"},
                            'id': request_id})
            return
        if not isinstance(params, list) or not all(isinstance(p, str) and p for p in params):
            self.send_json({'error': {'code': 2, 'msg': 'Invalid request: params must be '
                                      'a list of stream names'}, 'id': request_id})
            return
        if method == 'SUBSCRIBE':
            self.stream_server.subscribe(self, params)
        else:
            self.stream_server.unsubscribe(self, params)
        self.send_json({'result': None, 'id': request_id})


class StreamFactory(WebSocketServerFactory):
    """Builds :class:`StreamProtocol` instances; refuses connections while told to."""

    protocol = StreamProtocol

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
