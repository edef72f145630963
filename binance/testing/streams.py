"""WebSocket stream server of the local exchange, with Binance's paths and formats.

:class:`StreamServer` serves, over one (optionally TLS) port on loopback:

* ``/ws/<stream>`` (also ``/ws/<a>/<b>``): payloads as they are;
* ``/stream?streams=<a>/<b>``: each payload wrapped as ``{"stream": name, "data": payload}``;
* ``/ws/<listenKey>``: the user events of that listen key's account, then
  ``listenKeyExpired`` when it expires;
* ``/ws-api/v3``: the WebSocket API (``userDataStream.subscribe.signature``,
  ``userDataStream.unsubscribe``, ``ping``, ``time``; see
  :mod:`binance.testing.streams_wsapi`).

Streams (symbols lower case, as on Binance): every kind of the shared table
:mod:`binance._streams.kinds`, with Binance's payload fields:
``<s>@trade``, ``<s>@aggTrade``, ``<s>@depth[@100ms]`` (diff events, sent as
the market changes), ``<s>@bookTicker`` (on each change of the best prices);
on timers ``<s>@depth<5|10|20>[@100ms]``, ``<s>@kline_<interval>[@+08:00]``,
``<s>@ticker``, ``<s>@ticker_<1h|4h|1d>``, ``<s>@miniTicker``,
``<s>@avgPrice``, ``<s>@referencePrice`` (``"r": null``: the market has no
price-range rules), ``!ticker@arr``, ``!ticker_<window>@arr``,
``!miniTicker@arr[@<N>ms]``; ``<s>@blockTrade`` carries only what is pushed
(the market makes no block trades). An unknown stream name is accepted and
sends nothing, as on Binance; a path Binance does not serve is refused with
HTTP 404 (400 for a malformed stream list). Stream connections also take
Binance's ``SUBSCRIBE``/``UNSUBSCRIBE``/``LIST_SUBSCRIPTIONS`` requests.

Everything runs on the reactor thread. The scripting methods (:meth:`push`,
:meth:`send_raw`, :meth:`drop`, :meth:`refuse`, :meth:`stall`,
:meth:`resume`, :meth:`shutdown_notice`, :meth:`connection_count`,
:meth:`wait_for_connections`, :meth:`inject_depth_fault`) may be called from
any thread: off the reactor thread they run through
:func:`binance._reactor.blocking_call`.

Example::

    from binance import _reactor
    server = StreamServer(market)
    port = _reactor.blocking_call(server.listen)
    # ws://127.0.0.1:<port>/ws/bnbbtc@trade
    server.wait_for_connections(1, stream='bnbbtc@trade')
    server.push('bnbbtc@trade', {'e': 'trade', 's': 'BNBBTC', 'p': '0.001'})
    server.drop('bnbbtc@trade')             # client must reconnect
    _reactor.blocking_call(server.stop)
"""
import logging
import threading
import time
from collections import deque
from typing import Any, Callable, Deque, Dict, List, Optional, Set, Tuple, Union
from urllib.parse import parse_qs, urlsplit

from autobahn.websocket.types import ConnectionDeny
from twisted.internet import defer
from twisted.internet.task import LoopingCall

from binance import _reactor
from binance._streams.checks import stream_name
from binance.testing import streams_wsapi
from binance.testing.market_base import align_open, next_open
from binance.testing.streams_format import (
    MAX_STREAMS_PER_CONNECTION, StreamSpec, aggregate_klines, as_list, avg_price_event,
    book_ticker_event, dumps, is_valid_name, kline_event, mini_ticker_event, parse_stream,
    partial_depth_event, reference_price_event, rolling_ticker_event, stream_names,
    ticker_event)
from binance.testing.streams_time_unit import event_to_microseconds, raw_to_microseconds
from binance.testing.streams_protocol import (
    ROUTE_API, ROUTE_COMBINED, ROUTE_RAW, ServerStreamProtocol, StreamServerFactory)

__all__ = ['StreamServer', 'DEPTH_FAULTS']

log = logging.getLogger(__name__)

DEPTH_FAULTS = ('gap', 'duplicate', 'reorder')
#: stream kinds fed by the market's ``depthUpdate`` events
_DEPTH_READERS = ('depth', 'bookTicker')

_WINDOW_MS = {'1h': 3600000, '4h': 4 * 3600000, '1d': 86400000}
_UTC8_MS = 8 * 3600000
#: kline intervals whose open times differ between UTC and UTC+8
_TZ_SENSITIVE = ('6h', '12h', '1d', '3d', '1w', '1M')


class _Channel:
    """The subscribers of one stream name, its timer, and its pre-encoded frames."""

    def __init__(self, spec: StreamSpec, factory: Any) -> None:
        self.spec = spec
        self.name = spec.name
        self.subscribers: Set[ServerStreamProtocol] = set()
        self.timer: Optional[LoopingCall] = None
        self.state: Dict[str, Any] = {}
        self._factory = factory
        self._combined_prefix = b'{"stream":' + dumps(self.name) + b',"data":'

    def send(self, raw: bytes) -> int:
        """Send the JSON ``raw`` to every subscriber; each frame is built once
        (in microseconds too when a connection asked for them)."""
        plain = wrapped = None
        micro: Optional[Dict[bool, Any]] = None
        sent = 0
        for conn in list(self.subscribers):
            if conn.handoff is not None:      # a replay's in-memory hand-off: no frame
                body = raw_to_microseconds(raw) if conn.micro else raw
                if conn.route == ROUTE_COMBINED:
                    body = self._combined_prefix + body + b'}'
                sent += conn.send_bytes(body)
            elif conn.micro:
                if micro is None:
                    micro = {}
                    micro_raw = raw_to_microseconds(raw)
                combined = conn.route == ROUTE_COMBINED
                frame = micro.get(combined)
                if frame is None:
                    frame = micro[combined] = self._factory.prepareMessage(
                        self._combined_prefix + micro_raw + b'}' if combined else micro_raw)
                sent += conn.send_prepared(frame)
            elif conn.route == ROUTE_COMBINED:
                if wrapped is None:
                    wrapped = self._factory.prepareMessage(self._combined_prefix + raw + b'}')
                sent += conn.send_prepared(wrapped)
            else:
                if plain is None:
                    plain = self._factory.prepareMessage(raw)
                sent += conn.send_prepared(plain)
        return sent



def check_period_scale(value: Any, name: str = 'period_scale') -> None:
    """:raises ValueError: unless ``value`` is a positive number (a factor on stream periods)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
        raise ValueError('{} must be a positive number (1.0: Binance\'s cadence), got {!r}'
                         .format(name, value))


def _fire(_: Any, done: defer.Deferred) -> None:
    """Fire ``done`` once a connection is gone, however it went."""
    done.callback(None)


class StreamServer:
    """Binance-compatible WebSocket stream server over a :class:`~binance.testing.market.Market`.

    :param market: the market whose listener events drive the streams.
    :param reactor: reactor for listening and every timer (default: the global one).
    :param tls_options: a context factory (see :func:`binance.testing.tls.server_tls_options`)
        to serve ``wss://``; ``None`` serves ``ws://``.
    :param ping_interval: seconds between the server's pings (0 disables them).
    :param pong_timeout: seconds a client has to answer a ping with a pong echoing
        its payload before it is dropped (0 disables the check).
    :param max_connection_age: seconds after which a connection is closed (0: never).
    :param control_limit: incoming pings, pongs and JSON requests allowed per second on
        a stream connection; one more disconnects it, as Binance does (0: no limit).
    :param connection_limit: connection attempts allowed per ``connection_window``
        seconds (Binance: 300 per 5 minutes per IP; everything here is one IP);
        beyond it the handshake is refused with HTTP 429 (0: no limit).
    :param shutdown_grace: seconds between the ``serverShutdown`` event of
        :meth:`server_shutdown` and the close.
    :param period_scale: factor on the period of every timer-driven stream
        (tickers, mark prices, klines, partial depth, average price). ``1.0``
        (default) is Binance's cadence; ``0.1`` sends them ten times as often,
        for tests and quick demos. Event-driven streams are not affected.

    :ivar max_streams: streams one connection may listen to (Binance: 1024).
    :ivar over_limit: how many connections were dropped for exceeding ``control_limit``.
    :ivar refused_attempts: how many handshakes were refused past ``connection_limit``.

    A ``stream`` argument of the scripting methods selects connections: ``None``
    selects all; a stream name selects the connections receiving it; a request
    path without the leading slash (``'stream?streams=a/b'``, ``'ws-api/v3'``) selects
    connections made to that path.
    """

    #: How a stream name is read (a subclass serving another product replaces it).
    _parse_stream = staticmethod(parse_stream)
    #: ``token -> (account key, expiration ms)`` or ``None`` for
    #: ``userDataStream.subscribe.listenToken`` (set by the local exchange).
    listen_token_owner: Optional[Callable[[str], Any]] = None
    #: ``handler(server, conn, frame) -> reply`` of the WebSocket API route
    api_handler = staticmethod(streams_wsapi.handle_request)
    #: a replay's lockstep gate (:mod:`binance.testing.replay.lockstep`), else None
    lockstep: Any = None
    #: the clock of timer-driven streams and event times when not the reactor's (a replay's)
    timer_clock: Any = None
    #: called (reactor thread) when a connection has opened (a replay starts its tape)
    on_connection: Optional[Callable[[], Any]] = None

    def __init__(self, market: Any, *, reactor: Any = None, tls_options: Any = None,
                 ping_interval: float = 20.0, pong_timeout: float = 60.0,
                 max_connection_age: float = 86400.0, control_limit: int = 5,
                 connection_limit: int = 300, connection_window: float = 300.0,
                 shutdown_grace: float = 60.0, period_scale: float = 1.0) -> None:
        check_period_scale(period_scale)
        for name, value in (('ping_interval', ping_interval), ('pong_timeout', pong_timeout),
                            ('max_connection_age', max_connection_age),
                            ('control_limit', control_limit),
                            ('connection_limit', connection_limit),
                            ('connection_window', connection_window),
                            ('shutdown_grace', shutdown_grace)):
            if not isinstance(value, (int, float)) or isinstance(value, bool) or value < 0:
                raise ValueError('{} must be a number of seconds >= 0, got {!r}'
                                 .format(name, value))
        self.market = market
        #: Called with the :class:`StreamSpec` of each new channel; a true answer
        #: means someone else feeds it (the mirror: its upstream), so no timer starts.
        self.external_feed: Optional[Callable[[Any], bool]] = None
        self._given_reactor = reactor
        self.tls_options = tls_options
        self.ping_interval = float(ping_interval)
        self.pong_timeout = float(pong_timeout)
        self.max_connection_age = float(max_connection_age)
        self.control_limit = int(control_limit)
        self.connection_limit = int(connection_limit)
        self.connection_window = float(connection_window)
        self.shutdown_grace = float(shutdown_grace)
        self.period_scale = float(period_scale)
        self.max_streams = MAX_STREAMS_PER_CONNECTION
        self.over_limit = 0
        self.refused_attempts = 0
        self._attempts: Deque[float] = deque()
        self._factory: Optional[StreamServerFactory] = None
        self._port: Any = None
        self._all: Set[ServerStreamProtocol] = set()       # every TCP connection
        self._open: Set[ServerStreamProtocol] = set()      # those past the handshake
        self._channels: Dict[str, _Channel] = {}
        self._depth_readers: Dict[str, int] = {}    # symbol -> its depth/bookTicker channels
        self._names: Dict[Tuple[str, str], str] = {}
        self._listen_key_owner: Dict[str, str] = {}          # subscribed key -> API key
        self._user_channels: Dict[str, Set[str]] = {}         # API key -> listen keys
        self._api_subscribers: Dict[str, Set[ServerStreamProtocol]] = {}
        self._faults: Dict[str, Deque[str]] = {}
        self._held: Dict[str, Dict[str, Any]] = {}
        self._refuse_count: Optional[int] = None
        self._refuse_until: Optional[float] = None
        self._refusing = False
        self._listening_to_market = False
        self._log_lock = threading.Lock()
        self._connections: List[str] = []

    # ------------------------------------------------------------ plumbing

    @property
    def reactor(self) -> Any:
        if self._given_reactor is None:
            self._given_reactor = _reactor.get_reactor()
        return self._given_reactor

    @property
    def factory(self) -> StreamServerFactory:
        if self._factory is None:
            self._factory = StreamServerFactory(self, self.reactor)
        return self._factory

    def _call(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Run ``fn`` on the reactor thread (directly when a test reactor was injected)."""
        if self.reactor is _reactor.get_reactor() and not _reactor.in_reactor_thread():
            return _reactor.blocking_call(fn, *args, **kwargs)
        return fn(*args, **kwargs)

    def now_ms(self) -> int:
        """The server's time in milliseconds (the injected reactor's clock, or a replay's)."""
        clock = self.timer_clock if self.timer_clock is not None else self.reactor
        return int(clock.seconds() * 1000)

    @property
    def port(self) -> Any:
        """The port listened on (an int), or ``None`` before :meth:`listen`."""
        return self._port.getHost().port if self._port is not None else None

    @property
    def connections(self) -> List[str]:
        """Request paths of every connection that completed its handshake, in order."""
        with self._log_lock:
            return list(self._connections)

    def clear_connections(self) -> None:
        """Forget the :attr:`connections` log."""
        with self._log_lock:
            del self._connections[:]

    # ------------------------------------------------------------ lifecycle

    def listen(self, port: int = 0, interface: str = '127.0.0.1') -> int:
        """Start listening (call on the reactor thread); returns the port number.

        :param port: TCP port, 0 for an ephemeral one.
        :param interface: address to bind; loopback by default.
        """
        if self._port is not None:
            raise RuntimeError('StreamServer is already listening on port {}'.format(self.port))
        if self.tls_options is not None:
            self._port = self.reactor.listenSSL(port, self.factory, self.tls_options,
                                                interface=interface)
        else:
            self._port = self.reactor.listenTCP(port, self.factory, interface=interface)
        if not self._listening_to_market:
            self.market.add_listener(self.on_market_event)
            self._listening_to_market = True
        log.debug('stream server listening on %s:%s', interface, self.port)
        return self.port

    def stop(self) -> defer.Deferred:
        """Stop listening, close every connection and timer; fires when all are gone."""
        if self._listening_to_market:
            try:
                self.market.remove_listener(self.on_market_event)
            except (ValueError, KeyError):
                pass
            self._listening_to_market = False
        waits = []
        if self._port is not None:
            waits.append(defer.maybeDeferred(self._port.stopListening))
            self._port = None
        for conn in list(self._all):
            done: defer.Deferred = defer.Deferred()
            conn.lost.addBoth(_fire, done)
            waits.append(done)
            conn.abort()
        for channel in list(self._channels.values()):
            self._stop_timer(channel)
        return defer.gatherResults(waits).addCallback(lambda _: None)

    # ------------------------------------------------------------ routing

    def route(self, uri: str) -> Tuple[str, List[str]]:
        """Where a request URI goes: ``(route, stream names)``.

        :raises ConnectionDeny: 404 for a path Binance does not serve, 400 for a
            malformed stream list.
        """
        parts = urlsplit(uri)
        path = parts.path
        if path == '/ws-api/v3':
            return ROUTE_API, []
        if path in ('/ws', '/ws/'):
            return ROUTE_RAW, []
        if path.startswith('/ws/'):
            return ROUTE_RAW, self._check_names(path[len('/ws/'):].split('/'))
        if path in ('/stream', '/stream/'):
            # a '+' in a stream name (kline_1h@+08:00) is a plus, not an encoded space
            query = parse_qs(parts.query.replace('+', '%2B'), keep_blank_values=True)
            if 'streams' not in query:
                return ROUTE_COMBINED, []
            return ROUTE_COMBINED, self._check_names(query['streams'][-1].split('/'))
        raise ConnectionDeny(404, 'Not Found: {} is not a stream path (use /ws/<stream>, '
                                  '/stream?streams=a/b or /ws-api/v3)'.format(path[:100]))

    @staticmethod
    def _check_names(names: List[str]) -> List[str]:
        if len(names) > MAX_STREAMS_PER_CONNECTION:
            raise ConnectionDeny(400, 'Bad Request: more than {} streams'
                                 .format(MAX_STREAMS_PER_CONNECTION))
        for name in names:
            if not name or not is_valid_name(name):
                raise ConnectionDeny(400, 'Bad Request: invalid stream name {!r}'
                                     .format(name[:100]))
        return list(dict.fromkeys(names))

    def count_attempt(self) -> None:
        """Count a connection attempt (handshake); past the limit refuse it with HTTP 429."""
        limit = self.connection_limit
        if not limit:
            return
        now = self.reactor.seconds()
        attempts = self._attempts
        while attempts and attempts[0] <= now - self.connection_window:
            attempts.popleft()
        if len(attempts) >= limit:
            self.refused_attempts += 1
            raise ConnectionDeny(429, 'Too many connection attempts: at most {} per {:g} '
                                      'seconds'.format(limit, self.connection_window))
        attempts.append(now)

    def note_over_limit(self, conn: ServerStreamProtocol) -> None:
        """A connection exceeded the incoming-message limit (it is being dropped)."""
        self.over_limit += 1

    @staticmethod
    def is_stream_name(name: str) -> bool:
        """Whether ``name`` is well-formed enough to subscribe to (unknown kinds are fine)."""
        return bool(name) and len(name) <= 200 and is_valid_name(name)

    def subscriptions(self, stream: Optional[str] = None) -> List[List[str]]:
        """The stream list of each open connection matching ``stream`` (any thread)."""
        return self._call(lambda: [list(conn.streams) for conn in self._select(stream)])

    def connection_made(self, conn: ServerStreamProtocol) -> None:
        self._all.add(conn)

    def connection_lost(self, conn: ServerStreamProtocol) -> None:
        self._all.discard(conn)

    def connection_opened(self, conn: ServerStreamProtocol) -> None:
        self._open.add(conn)
        with self._log_lock:
            self._connections.append(conn.path)
        streams, conn.streams = conn.streams, []
        self.subscribe(conn, streams)
        if self.on_connection is not None:
            self.on_connection()

    def connection_closed(self, conn: ServerStreamProtocol) -> None:
        self._open.discard(conn)
        self.unsubscribe(conn, list(conn.streams))
        for api_key in set(conn.api_subscriptions.values()):
            self.unregister_api_subscription(conn, api_key)
        conn.api_subscriptions.clear()

    def subscribe(self, conn: ServerStreamProtocol, names: List[str]) -> None:
        """Add stream ``names`` to a connection (reactor thread)."""
        for name in names:
            if name in conn.streams or len(conn.streams) >= MAX_STREAMS_PER_CONNECTION:
                continue
            conn.streams.append(name)
            channel = self._channels.get(name)
            if channel is None:
                spec = self._parse_stream(name)
                if spec is None:
                    continue  # unknown: accepted, never sends anything (like Binance)
                channel = self._channels[name] = _Channel(spec, self.factory)
                self._channel_created(channel)
            channel.subscribers.add(conn)

    def unsubscribe(self, conn: ServerStreamProtocol, names: List[str]) -> None:
        """Remove stream ``names`` from a connection (reactor thread)."""
        for name in names:
            if name in conn.streams:
                conn.streams.remove(name)
            channel = self._channels.get(name)
            if channel is None:
                continue
            channel.subscribers.discard(conn)
            if not channel.subscribers:
                del self._channels[name]
                self._channel_removed(channel)

    def wants(self, kind: str, symbol: str) -> bool:
        """Whether a stream fed by the market's ``kind`` events of ``symbol`` has
        subscribers: ``trade``, ``aggTrade``, ``depthUpdate`` (diff depth and
        ``bookTicker``); other kinds always (see ``Market.wants``)."""
        if kind == 'depthUpdate':
            return symbol in self._depth_readers
        if kind in ('trade', 'aggTrade'):
            return self._name(kind, symbol) in self._channels
        return True

    def _channel_created(self, channel: _Channel) -> None:
        spec = channel.spec
        if spec.kind in _DEPTH_READERS and spec.symbol is not None:
            self._depth_readers[spec.symbol] = self._depth_readers.get(spec.symbol, 0) + 1
        if self.external_feed is not None and self.external_feed(spec):
            return
        if spec.kind == 'user':
            owner = self._lookup_listen_key(spec.name)
            if owner is not None:
                self._listen_key_owner[spec.name] = owner
                self._user_channels.setdefault(owner, set()).add(spec.name)
        elif spec.period is not None:
            if spec.symbol is not None and not self._known_symbol(spec.symbol):
                return
            channel.timer = LoopingCall(self._tick, channel)
            channel.timer.clock = self.timer_clock if self.timer_clock is not None \
                else self.reactor
            channel.timer.start(spec.period * self.period_scale, now=False)

    def _channel_removed(self, channel: _Channel) -> None:
        self._stop_timer(channel)
        symbol = channel.spec.symbol
        if channel.spec.kind in _DEPTH_READERS and symbol in self._depth_readers:
            self._depth_readers[symbol] -= 1
            if not self._depth_readers[symbol]:
                del self._depth_readers[symbol]
        if channel.spec.kind == 'user':
            self._forget_listen_key(channel.name)

    @staticmethod
    def _stop_timer(channel: _Channel) -> None:
        if channel.timer is not None and channel.timer.running:
            channel.timer.stop()
        channel.timer = None

    def _forget_listen_key(self, key: str) -> None:
        owner = self._listen_key_owner.pop(key, None)
        if owner is not None:
            keys = self._user_channels.get(owner, set())
            keys.discard(key)
            if not keys:
                self._user_channels.pop(owner, None)

    def register_api_subscription(self, conn: ServerStreamProtocol, api_key: str) -> None:
        self._api_subscribers.setdefault(api_key, set()).add(conn)

    def unregister_api_subscription(self, conn: ServerStreamProtocol, api_key: str) -> None:
        conns = self._api_subscribers.get(api_key)
        if conns is not None:
            conns.discard(conn)
            if not conns:
                del self._api_subscribers[api_key]

    # ------------------------------------------------------------ market adapter

    def _known_symbol(self, symbol: str) -> bool:
        try:
            self.market.book_ticker(symbol)
        except Exception:
            return False
        return True

    def _lookup_listen_key(self, key: str) -> Optional[str]:
        """The API key owning listen key ``key``, or None when unknown/expired."""
        try:
            return self.market.listen_key_owner(key)
        except Exception:
            return None

    # ------------------------------------------------------------ market events

    def on_market_event(self, kind: str, key: str, payload: Any) -> None:
        """The server's market listener: a market event out to its streams."""
        try:
            if kind == 'trade':
                self._publish(self._name('trade', key), payload)
            elif kind == 'aggTrade':
                self._publish(self._name('aggTrade', key), payload)
            elif kind == 'depthUpdate':
                self._on_depth_update(key, payload)
            elif kind == 'user':
                self._on_user_event(key, payload)
            elif kind == 'listenKeyExpired':
                self._publish(key, payload)
                self._forget_listen_key(key)
        except Exception:  # never let a stream problem break the market's step
            log.exception('stream server failed to publish a %s event', kind)

    def _name(self, kind: str, symbol: str) -> str:
        """The stream name of ``kind`` for ``symbol`` (remembered: asked per event)."""
        name = self._names.get((kind, symbol))
        if name is None:
            name = self._names[(kind, symbol)] = stream_name(kind, symbol)
        return name

    def _publish(self, name: str, payload: Any, raw: Optional[bytes] = None) -> int:
        channel = self._channels.get(name)
        if channel is None or not channel.subscribers:
            return 0
        return channel.send(dumps(payload) if raw is None else raw)

    def _on_depth_update(self, symbol: str, payload: Dict[str, Any]) -> None:
        names = stream_names('depth', symbol)
        if any(name in self._channels for name in names):
            for event in self._apply_depth_faults(symbol, payload):
                raw = dumps(event)
                for name in names:
                    self._publish(name, event, raw)
        ticker = self._channels.get(self._name('bookTicker', symbol))
        if ticker is not None:
            book = self.market.book_ticker(symbol)
            event = book_ticker_event(book, payload.get('u', 0))
            best = (event['b'], event['B'], event['a'], event['A'])
            if ticker.state.get('best') != best:
                ticker.state['best'] = best
                self._publish(ticker.name, event)

    def _apply_depth_faults(self, symbol: str, event: Dict[str, Any]) -> List[Dict[str, Any]]:
        held = self._held.pop(symbol, None)
        if held is not None:
            return [event, held]            # 'reorder': the later event goes first
        faults = self._faults.get(symbol)
        if not faults:
            return [event]
        fault = faults.popleft()
        if not faults:
            del self._faults[symbol]
        log.debug('depth fault %r on %s at update %s', fault, symbol, event.get('u'))
        if fault == 'gap':
            return []                       # withheld: the next event skips its ids
        if fault == 'duplicate':
            return [event, event]
        self._held[symbol] = event          # 'reorder'
        return []

    def _on_user_event(self, api_key: str, payload: Any) -> None:
        raw = dumps(payload)
        for key in list(self._user_channels.get(api_key, ())):
            if self._lookup_listen_key(key) == api_key:
                self._publish(key, payload, raw)
            else:  # closed or expired meanwhile
                self._forget_listen_key(key)
        micro_raw = None
        for conn in list(self._api_subscribers.get(api_key, ())):
            event = raw
            if conn.micro:
                if micro_raw is None:
                    micro_raw = dumps(event_to_microseconds(payload))
                event = micro_raw
            for sub_id, owner in list(conn.api_subscriptions.items()):
                if owner == api_key:
                    conn.send_bytes(b'{"subscriptionId":' + str(sub_id).encode('ascii')
                                    + b',"event":' + event + b'}')

    # ------------------------------------------------------------ timers

    def _tick(self, channel: _Channel) -> None:
        if not channel.subscribers:
            return
        try:
            for payload in self._periodic_payloads(channel):
                if payload != []:   # an all-market array of a market of no symbols: nothing
                    self._publish(channel.name, payload)
        except Exception:
            log.exception('stream server failed to build %s', channel.name)

    def _periodic_payloads(self, channel: _Channel) -> List[Any]:
        spec, market, now = channel.spec, self.market, self.now_ms()
        if spec.symbol is None and spec.kind not in ('allTicker', 'allMiniTicker',
                                                     'allRollingTicker'):
            return []
        symbol: str = spec.symbol or ''
        if spec.kind == 'partialDepth':
            return [partial_depth_event(market.depth(spec.symbol, spec.levels), spec.levels)]
        if spec.kind == 'ticker':
            return [ticker_event(as_list(market.ticker_24h(spec.symbol))[0], now)]
        if spec.kind == 'miniTicker':
            return [mini_ticker_event(as_list(market.ticker_24h(spec.symbol))[0], now)]
        if spec.kind == 'allTicker':
            return [[ticker_event(t, now) for t in as_list(market.ticker_24h())]]
        if spec.kind == 'allMiniTicker':
            return [[mini_ticker_event(t, now) for t in as_list(market.ticker_24h())]]
        if spec.kind == 'kline':
            if spec.tz and spec.interval in _TZ_SENSITIVE:
                return self._tz_kline_payloads(channel, now)
            return self._kline_payloads(channel, now)
        if spec.kind == 'rollingTicker':
            return [self._rolling_ticker(spec.symbol, spec.window)]
        if spec.kind == 'allRollingTicker':
            return [[self._rolling_ticker(t['symbol'], spec.window)
                     for t in as_list(market.ticker_price())]]
        if spec.kind == 'avgPrice':
            return [avg_price_event(symbol, market.avg_price(spec.symbol), now)]
        if spec.kind == 'referencePrice':
            # the local market has no price-range execution rules: no reference price
            return [reference_price_event(symbol, None, now)]
        return []

    def _klines_between(self, symbol: str, start_ms: int, end_ms: int) -> List[List[Any]]:
        """1-minute rows for ``[start_ms, end_ms]`` with the full hours taken from 1-hour rows."""
        hour = 3600000
        first_hour = -(-start_ms // hour) * hour
        last_hour = end_ms // hour * hour
        if first_hour >= last_hour:
            pieces = [('1m', start_ms, end_ms)]
        else:
            pieces = [('1m', start_ms, first_hour - 1), ('1h', first_hour, last_hour - 1),
                      ('1m', last_hour, end_ms)]
        rows: List[List[Any]] = []
        for interval, start, end in pieces:
            if end >= start:
                rows += self.market.klines(symbol, interval, startTime=start, endTime=end,
                                           limit=1000)
        return rows

    def _rolling_ticker(self, symbol: Any, window: str) -> Dict[str, Any]:
        # Binance: "O" starts on a minute, "C" is now (the window may be up to 59999 ms wider)
        now = self.market.now_ms()          # the window is in the market's time
        start = (now - _WINDOW_MS[window]) // 60000 * 60000
        row = aggregate_klines(self._klines_between(symbol, start, now), start, now)
        if row is None:
            price = as_list(self.market.ticker_price(symbol))[0]['price']
            row = [start, price, price, price, price, '0', now, '0', 0, '0', '0', '0']
        last_id = as_list(self.market.ticker_24h(symbol))[0].get('lastId', -1)
        return rolling_ticker_event(symbol, window, row, now, int(last_id))

    def _tz_kline_payloads(self, channel: _Channel, now: int) -> List[Any]:
        """Klines of ``<s>@kline_<i>@+08:00`` whose open time depends on the zone."""
        spec, offset = channel.spec, _UTC8_MS
        symbol = spec.symbol or ''
        event_time, now = now, self.market.now_ms()   # kline times are the market's
        open_ms = align_open(spec.interval, now + offset) - offset
        close_ms = next_open(spec.interval, open_ms + offset) - offset - 1
        events = []
        last = channel.state.get('open_time')
        if last is not None and last != open_ms:
            last_close = next_open(spec.interval, last + offset) - offset - 1
            row = aggregate_klines(self._klines_between(symbol, last, last_close),
                                   last, last_close)
            if row is not None:
                events.append(kline_event(symbol, spec.interval, row, event_time, True))
        channel.state['open_time'] = open_ms
        row = aggregate_klines(self._klines_between(symbol, open_ms, now), open_ms, close_ms)
        if row is not None:
            events.append(kline_event(symbol, spec.interval, row, event_time, False))
        return events

    def _kline_payloads(self, channel: _Channel, now: int) -> List[Any]:
        spec = channel.spec
        symbol = spec.symbol or ''
        rows = list(self.market.klines(symbol, spec.interval, limit=2))
        if not rows:
            return []
        events = []
        last_open = channel.state.get('open_time')
        current = rows[-1]
        if last_open is not None and current[0] != last_open:
            # the kline we were updating has closed: send its final state once
            for row in rows[:-1]:
                if row[0] == last_open:
                    events.append(kline_event(symbol, spec.interval, row, now, True))
        channel.state['open_time'] = current[0]
        events.append(kline_event(symbol, spec.interval, current, now, current[6] < now))
        return events

    # ------------------------------------------------------------ selection

    def _select(self, stream: Optional[str]) -> List[ServerStreamProtocol]:
        if stream is not None and (not isinstance(stream, str) or not stream):
            raise ValueError('stream must be None (all connections), a stream name such as '
                             "'bnbbtc@trade' or a path such as 'stream?streams=a/b', got {!r}"
                             .format(stream))
        return [conn for conn in list(self._open) if conn.is_live() and conn.matches(stream)]

    def consume_refusal(self) -> bool:
        """Whether to refuse the connection being made now (counts it)."""
        if not self._refusing:
            return False
        if self._refuse_until is not None and self.reactor.seconds() >= self._refuse_until:
            self._refusing = False
            return False
        if self._refuse_count is not None:
            if self._refuse_count <= 0:
                self._refusing = False
                return False
            self._refuse_count -= 1
        return True

    # ------------------------------------------------------------ scripting

    def push(self, stream: str, payload: Union[dict, list, str, bytes]) -> int:
        """Send ``payload`` on ``stream`` as if the market had produced it.

        Raw connections get it as is, combined ones wrapped as
        ``{"stream": stream, "data": payload}``; a listen key as ``stream`` reaches
        that user stream.

        :param stream: the stream name, e.g. ``'bnbbtc@trade'``.
        :param payload: a dict/list (encoded to JSON once) or JSON text/bytes sent as is.
        :returns: how many connections it was sent to.
        :raises ValueError: for an empty stream name.
        :raises TypeError: for a payload of another type.
        """
        if not isinstance(stream, str) or not stream:
            raise ValueError("stream must be a stream name such as 'bnbbtc@trade', got {!r}"
                             .format(stream))
        if isinstance(payload, (dict, list)):
            raw = dumps(payload)
        elif isinstance(payload, str):
            raw = payload.encode('utf-8')
        elif isinstance(payload, bytes):
            raw = payload
        else:
            raise TypeError('payload must be a dict, list, str or bytes, not {}'
                            .format(type(payload).__name__))
        return self._call(lambda: self._publish(stream, None, raw))

    def send_raw(self, data: Union[str, bytes], stream: Optional[str] = None,
                 binary: bool = False) -> int:
        """Send one frame of arbitrary content (e.g. non-JSON text, or a binary frame).

        :param data: frame content; ``str`` is UTF-8 encoded.
        :param stream: which connections (see the class docs); ``None``: all.
        :param binary: send a binary frame instead of a text frame.
        :returns: how many connections it was sent to.
        """
        if isinstance(data, str):
            data = data.encode('utf-8')
        if not isinstance(data, bytes):
            raise TypeError('data must be str or bytes, not {}'.format(type(data).__name__))
        return self._call(lambda: sum(conn.send_bytes(data, binary=bool(binary))
                                      for conn in self._select(stream)))

    def drop(self, stream: Optional[str] = None) -> int:
        """Abort the TCP connections (no close handshake); returns how many."""
        def run() -> int:
            conns = self._select(stream)
            for conn in conns:
                conn.abort()
            return len(conns)
        return self._call(run)

    def refuse(self, count: Optional[int] = None, seconds: Optional[float] = None) -> None:
        """Refuse new connections: TCP is accepted and closed before any handshake.

        :param count: refuse the next ``count`` connection attempts.
        :param seconds: refuse for this long (on the server's reactor clock).
            With both, refusing ends when either runs out; with neither, it lasts
            until :meth:`resume`.
        """
        for name, value in (('count', count), ('seconds', seconds)):
            if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))
                                      or value < 0):
                raise ValueError('{} must be None or a number >= 0, got {!r}'.format(name, value))
        if count is not None and not isinstance(count, int):
            raise ValueError('count must be a whole number of attempts, got {!r}'.format(count))

        def run() -> None:
            self._refuse_count = count
            self._refuse_until = (self.reactor.seconds() + seconds) if seconds is not None else None
            self._refusing = True
        self._call(run)

    def stall(self, stream: Optional[str] = None) -> int:
        """Stop sending anything (data, pings, pongs) on the current matching connections.

        Connections made later are not stalled, so a client that detects the
        silence and reconnects gets data again. Returns how many were stalled.
        """
        def run() -> int:
            conns = self._select(stream)
            for conn in conns:
                conn.stalled = True
            return len(conns)
        return self._call(run)

    def resume(self) -> None:
        """Undo :meth:`stall` and :meth:`refuse`."""
        def run() -> None:
            self._refusing = False
            self._refuse_count = self._refuse_until = None
            for conn in self._open:
                conn.stalled = False
        self._call(run)

    def server_shutdown(self, stream: Optional[str] = None,
                        grace: Optional[float] = None) -> int:
        """Announce a shutdown as Binance does: the ``serverShutdown`` event, then the close.

        Raw connections (listen-key user streams included) get
        ``{"e": "serverShutdown", "E": ...}``, combined ones
        ``{"stream": "!serverShutdown", "data": {...}}``, WebSocket API
        connections (user data subscriptions) ``{"event": {"e": "serverShutdown",
        "E": ...}}``; each is closed (1001) ``grace`` seconds later (default
        :attr:`shutdown_grace`). ``stream`` selects as elsewhere (a listen key
        selects its user streams; ``'ws-api/v3'`` the WebSocket API connections).

        :returns: how many connections were told.
        """
        wait = self.shutdown_grace if grace is None else float(grace)
        return self._call(lambda: sum(conn.server_shutdown(self.now_ms(), wait)
                                      for conn in self._select(stream)))

    def shutdown_notice(self, stream: Optional[str] = None) -> int:
        """Send a close frame 1001 'going away', as Binance does before maintenance."""
        return self._call(lambda: sum(conn.going_away(1001, 'going away')
                                      for conn in self._select(stream)))

    def connection_count(self, stream: Optional[str] = None) -> int:
        """How many connections (matching ``stream``) are open after their handshake."""
        return self._call(lambda: len(self._select(stream)))

    def wait_for_connections(self, n: int, stream: Optional[str] = None,
                             timeout: float = 5) -> int:
        """Block until at least ``n`` matching connections are open; returns the count.

        Polls with a deadline; call it from a thread other than the reactor's.

        :raises TimeoutError: when fewer than ``n`` are open after ``timeout`` seconds.
        """
        if _reactor.in_reactor_thread():
            raise RuntimeError('wait_for_connections would block the reactor thread; '
                               'call it from another thread')
        deadline = time.monotonic() + timeout
        while True:
            count = self.connection_count(stream)
            if count >= n:
                return count
            if time.monotonic() >= deadline:
                raise TimeoutError('{} connection(s) open{} after {} s, expected {}'.format(
                    count, '' if stream is None else ' for ' + stream, timeout, n))
            time.sleep(0.005)

    def inject_depth_fault(self, symbol: str, kind: str) -> None:
        """Corrupt the next diff depth event(s) of ``symbol`` for every subscriber.

        :param symbol: e.g. ``'BNBBTC'`` (any case).
        :param kind: ``'gap'`` withholds the next event, so the one after it skips
            its ids; ``'duplicate'`` sends the next event twice; ``'reorder'`` swaps
            the next two events. Faults queue up and apply to events sent while
            someone subscribes to the symbol's diff stream.
        :raises ValueError: for an empty symbol or an unknown kind.
        """
        if not isinstance(symbol, str) or not symbol.strip():
            raise ValueError("symbol must be a symbol such as 'BNBBTC', got {!r}".format(symbol))
        if kind not in DEPTH_FAULTS:
            raise ValueError('kind must be one of {}, got {!r}'.format(
                ', '.join(repr(k) for k in DEPTH_FAULTS), kind))
        self._call(lambda: self._faults.setdefault(symbol.upper(), deque()).append(kind))

    def push_user_event(self, api_key: str, event: Dict[str, Any]) -> None:
        """Deliver ``event`` to every user stream of ``api_key``'s account
        (listen-key sockets and WebSocket API subscriptions), as a market event would."""
        self._call(self._on_user_event, api_key, event)
