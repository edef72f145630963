"""Binance WebSocket streams: :class:`BinanceSocketManager`.

The manager is a daemon :class:`threading.Thread` that runs Twisted's reactor
and holds one reconnecting WebSocket connection per stream::

    from binance.client import Client
    from binance.websockets import BinanceSocketManager

    def process_message(msg):
        print(msg['e'], msg)

    bm = BinanceSocketManager(Client())
    conn_key = bm.start_trade_socket('BNBBTC', process_message)   # 'bnbbtc@trade'
    bm.start()
    ...
    bm.stop_socket(conn_key)
    from twisted.internet import reactor
    reactor.stop()                   # ends the manager thread; the program exits

Threads: ``start_*``, :meth:`~BinanceSocketManager.stop_socket` and
:meth:`~BinanceSocketManager.close` may be called from any thread, before or
after :meth:`~BinanceSocketManager.start`. They check their arguments and
reserve the stream key at once in the calling thread, and hand the work to the
reactor thread with ``reactor.callFromThread``. **Callbacks run on the reactor
thread**: keep them short, and never call the blocking REST client from them
when the reactor also serves something you wait for.

Every log line of the streams goes to the ``binance.websockets`` logger.

Binance references: `WebSocket Streams
<https://developers.binance.com/docs/binance-spot-api-docs/web-socket-streams>`_,
`User Data Stream requests of the WebSocket API
<https://developers.binance.com/docs/binance-spot-api-docs/websocket-api/user-data-stream-requests>`_.
"""
import logging
import threading
from typing import Any, Callable, Dict, Iterable, List, Optional, Union

from binance import _reactor
from binance._reactor import ReactorStoppedError
from binance._streams import limits, lockstep
from binance._streams.context import (DEFAULT_STREAM_URL, DEFAULT_WS_API_URL, SocketContext,
                                      SocketEntry, StopListener)
from binance._streams.market import DELIVER_ENVELOPE, DELIVER_RAW, StreamPool, Subscription
from binance._streams.protocol import MAX_RETRIES_MESSAGE, StreamFactory, StreamProtocol
from binance._streams.state import SocketState
from binance._streams.symbols import SymbolCheck
from binance._streams.user import USER_STREAM_KEY, UserStream, ws_api_signature
from binance._streams.futures import FuturesSocketsMixin
from binance._streams.checks import (ARRAY_STREAMS, MAX_STREAMS_PER_CONNECTION,
                                 SYMBOL_STREAM_KINDS, check_callback, check_interval,
                                 check_stream_name, check_stream_names, depth_suffix, MINITICKER_UPDATE_TIMES,
                                 stream_name)

__all__ = ['BinanceSocketManager', 'MAX_RETRIES_MESSAGE', 'USER_STREAM_KEY',
           'ReactorStoppedError', 'SocketState', 'StreamFactory', 'StreamProtocol', 'ws_api_signature',
           'SYMBOL_STREAM_KINDS', 'ARRAY_STREAMS']

log = logging.getLogger('binance.websockets')

Callback = Callable[[Any], Any]


class BinanceSocketManager(FuturesSocketsMixin, threading.Thread):
    """Opens Binance WebSocket streams and keeps them connected.

    A daemon thread that runs Twisted's reactor (when no one else runs it
    yet) and holds one reconnecting connection per stream key (or shared
    connections, see ``streams_per_connection``).

    :param client: a :class:`binance.client.Client`; needed by
        :meth:`start_user_socket` (its API key and secret) and to pick the
        testnet or ``binance.us`` stream URLs. Market streams work with ``None``.
    :param user_timeout: seconds between listen-key keepalives (Binance
        keeps a key 60 minutes; the default renews it every 30).
    :param reactor: the Twisted reactor for every connection and timer;
        default: the global reactor, resolved when first needed. Tests pass a
        :class:`twisted.internet.task.Clock`-based fake.
    :param tls_ca: path of a PEM file with an extra certificate authority to
        trust for ``wss://`` besides certifi's roots (``TLS_CA`` likewise).
        Certificates and host names are always verified.
    :param streams_per_connection: ``1`` (the default): one connection per
        socket, as the original. ``2`` to ``1024``: the market streams of
        every ``start_*`` share combined-stream connections with live
        ``SUBSCRIBE``/``UNSUBSCRIBE``, at most this many streams each; callbacks
        get the same messages as with their own connection.
    :param proxy: the proxy every link (streams, user streams, the WebSocket
        API) goes through: ``'http://user:password@host:3128'`` (HTTP
        ``CONNECT``), ``'socks5h://host:1080'`` (SOCKS5, the proxy resolves
        Binance's host names) or ``'socks5://...'`` (resolved here). ``None``
        (the default): the proxy the client's REST requests use —
        ``requests_params['proxies']``, else ``HTTPS_PROXY``/``ALL_PROXY``
        unless ``NO_PROXY`` lists the host. ``False``: never a proxy. TLS to
        Binance runs inside the tunnel and is verified as without a proxy.
    :raises TypeError: for a ``user_timeout`` that is not a number, a
        ``streams_per_connection`` that is not an int, or a ``proxy`` that is
        not a string, ``None`` or ``False``.
    :raises ValueError: for a ``user_timeout`` that is not a positive, finite
        number, a ``streams_per_connection`` outside 1..1024, or a malformed
        proxy URL.

    Binance's limits are kept in both modes: connection attempts of the
    process at most ``MAX_CONNECTION_ATTEMPTS`` (300) per
    ``CONNECTION_WINDOW`` (300 s; later ones wait), control messages at most
    ``MAX_CONTROL_PER_SECOND`` (5) per second per connection. A
    ``serverShutdown`` event, and the age ``ROTATE_AFTER`` (23 h 45 min),
    make a connection open its replacement first and switch without losing
    or repeating a message of streams with ordering ids; the user data
    sockets switch the same way, comparing the events themselves
    (:mod:`binance._streams.user_switch`).

    Class attributes (also settable on an instance): ``STREAM_URL``,
    ``FSTREAM_URL`` (USD-M futures, see :mod:`binance._streams.futures`),
    ``DSTREAM_URL`` (COIN-M futures, see :mod:`binance._streams.coin_futures`),
    ``WS_API_URL``, ``TLS_CA`` and the tunables ``MAX_RETRIES``,
    ``INITIAL_DELAY``, ``MAX_DELAY`` (reconnect backoff in seconds) and
    ``IDLE_TIMEOUT`` (seconds without any frame — data, ping or pong — after
    which a connection counts as dead and is replaced; the manager pings a
    quiet connection to provoke a pong first; ``0`` disables it).

    Reconnecting: a socket that drops or cannot connect is retried after
    ``INITIAL_DELAY`` seconds, each further delay ``e`` times longer, up to
    ``MAX_DELAY``, with ±10 % jitter. After ``MAX_RETRIES`` failed attempts
    in a row the callback receives ``{'e': 'error', 'm': 'Max reconnect
    retries reached'}`` once and the socket is closed. A connection proves
    itself healthy only by staying open ``HEALTHY_AFTER`` seconds (10) and
    receiving at least one frame; only then are the retry counter and the
    delay reset. The loss of a connection that did not prove itself counts
    as a failed attempt: a server that accepts the handshake and closes at
    once, a stream that dies after its first message or whose frames break
    the protocol backs off to ``MAX_DELAY`` and gives up like a refused
    one, never in a tight loop. :meth:`socket_state` tells what a socket is
    doing (connected, connecting, retrying, waiting for the
    connection-attempt budget and until when, gave up).

    Stopping: once :meth:`stop_socket` or :meth:`close` returned, the
    socket's callback is not called again — also for messages the reactor
    had already read (from a burst) and when the call is made inside the
    callback. A callback running at that moment on the reactor thread may
    finish. A callback that raises ``SystemExit`` or ``KeyboardInterrupt``
    (e.g. ``sys.exit()``) stops the reactor, which ends the manager thread;
    any other exception is logged and the stream goes on.

    When the process's reactor has stopped (``reactor.stop()``), Twisted
    cannot run it again: :meth:`start` and the ``start_*`` methods then raise
    ``ReactorStoppedError`` (a :class:`RuntimeError`, importable from
    ``binance.websockets``); a new process is needed.

    Example::

        bm = BinanceSocketManager(client)
        bm.start_kline_socket('BNBBTC', process_message, interval='30m')
        bm.start()
    """

    STREAM_URL = DEFAULT_STREAM_URL
    WS_API_URL = DEFAULT_WS_API_URL
    TLS_CA: Optional[str] = None

    WEBSOCKET_DEPTH_5 = '5'
    WEBSOCKET_DEPTH_10 = '10'
    WEBSOCKET_DEPTH_20 = '20'

    #: At interpreter exit, wait while this process's started managers have
    #: open sockets, as the original's non-daemon thread did (``reactor.stop()``,
    #: ``close()`` or ``stop_socket`` end the wait). ``False``: exit at once.
    EXIT_WAITS_FOR_SOCKETS = True

    MAX_RETRIES = 5
    DEFAULT_USER_TIMEOUT = 30 * 60  #: 0.7.11's name for the default ``user_timeout`` (s)
    INITIAL_DELAY = 0.1
    MAX_DELAY = 10.0
    #: Seconds a connection must stay open, receiving frames, to count as healthy.
    HEALTHY_AFTER = 10.0
    #: Bytes: a larger message is logged and skipped (see the docs' "Hostile frames").
    MAX_MESSAGE_SIZE = 4 * 1024 * 1024
    IDLE_TIMEOUT = 90.0
    #: Seconds allowed for TCP connect and for the WebSocket handshake.
    CONNECT_TIMEOUT = 10.0
    #: Binance's limits: connection attempts per window (per IP; here per process),
    #: and control messages (pings, pongs, SUBSCRIBE...) per second per connection.
    MAX_CONNECTION_ATTEMPTS = limits.MAX_CONNECTION_ATTEMPTS
    CONNECTION_WINDOW = limits.CONNECTION_WINDOW
    MAX_CONTROL_PER_SECOND = limits.MAX_CONTROL_PER_SECOND
    #: Seconds after which a connection is replaced (Binance cuts it at 24 h).
    ROTATE_AFTER = 85500.0
    #: Seconds a switch-over may take before the old connection is closed anyway (x6).
    SWITCH_TIMEOUT = 10.0

    def __init__(self, client: Any = None, user_timeout: float = 1800, *, reactor: Any = None,
                 tls_ca: Optional[str] = None, streams_per_connection: int = 1,
                 proxy: Union[None, bool, str] = None) -> None:
        if isinstance(user_timeout, bool) or not isinstance(user_timeout, (int, float)):
            raise TypeError('user_timeout must be a number of seconds, got {!r}'.format(
                type(user_timeout).__name__))
        if not 0 < user_timeout < float('inf'):
            raise ValueError('user_timeout must be a positive, finite number of seconds (Binance '
                             'keeps a listen key 60 minutes), got {!r}'.format(user_timeout))
        if isinstance(streams_per_connection, bool) or not isinstance(streams_per_connection,
                                                                      int):
            raise TypeError('streams_per_connection must be an int from 1 to {}, got {!r}'.format(
                MAX_STREAMS_PER_CONNECTION, type(streams_per_connection).__name__))
        if not 1 <= streams_per_connection <= MAX_STREAMS_PER_CONNECTION:
            raise ValueError('streams_per_connection must be from 1 (one connection per stream) '
                             'to {} (Binance\'s limit per connection), got {!r}'.format(
                                 MAX_STREAMS_PER_CONNECTION, streams_per_connection))
        super().__init__(name='binance-socket-manager', daemon=True)
        self.streams_per_connection = streams_per_connection
        self.client = client
        self.user_timeout = user_timeout
        self._manager_started = False
        self._owns_reactor = False
        self._ctx = SocketContext(self, client=client, user_timeout=user_timeout,
                                  reactor=reactor, tls_ca=tls_ca, proxy=proxy, start=self.start)
        #: the registry (the context's): open sockets by key, and its lock
        self._conns: Dict[str, SocketEntry] = self._ctx.entries
        self._conn_lock = self._ctx.lock
        self._symbols = SymbolCheck(client, self._ctx.in_thread, self._ctx.call)
        if streams_per_connection > 1:
            self._ctx.pool = StreamPool(self._ctx, streams_per_connection)
        lockstep.watch(self)     # a local replay in this process waits for its sockets

    def __repr__(self) -> str:
        return '<BinanceSocketManager sockets={} started={}>'.format(
            len(self._conns), self._manager_started)

    # -- reactor and thread ------------------------------------------------------

    def _get_reactor(self) -> Any:
        return self._ctx.reactor

    def _uses_global_reactor(self) -> bool:
        return self._ctx.uses_global_reactor()

    def _check_reactor_alive(self) -> None:
        """Raise :class:`ReactorStoppedError` when our reactor can never run again."""
        self._ctx.check_reactor_alive()

    def start(self) -> None:
        """Start the manager thread.

        The first manager runs the reactor in its own thread
        (``reactor.run(installSignalHandlers=False)``). When something else
        already runs it (another manager, a
        :class:`binance.testing.LocalExchange`, your own ``reactor.run()``),
        this manager uses that reactor and its thread only waits for the
        reactor to stop. Calling ``start()`` again, or after :meth:`close`,
        does nothing. With an injected ``reactor=`` no thread is started.

        When a callback's ``sys.exit(...)`` has already stopped the reactor
        (a message can arrive before the main thread reaches ``start()``),
        ``start()`` does nothing: the program is ending with that status.

        :raises ReactorStoppedError: when the process's
            reactor has stopped: Twisted cannot restart it, so no socket could
            ever connect (start a new process instead).
        """
        if _reactor.exit_requested() and _reactor.has_stopped():
            return
        self._check_reactor_alive()
        with self._conn_lock:
            if self._manager_started:
                return
            self._manager_started = True
        if not self._uses_global_reactor():
            return
        self._owns_reactor = _reactor.claim(self)
        self._call(_reactor.watch_for_stop)
        _reactor.keep_process_alive_for(self)
        threading.Thread.start(self)

    def open_socket_count(self) -> int:
        """How many sockets are open or connecting (the exit policy waits while any are)."""
        with self._conn_lock:
            return len(self._conns)

    def socket_state(self, conn_key: str) -> Optional[SocketState]:
        """What the socket ``conn_key`` is doing now (any thread), as a
        :class:`~binance._streams.state.SocketState`: ``state`` is ``'connected'``,
        ``'connecting'``, ``'retrying'`` (waiting for its backoff delay),
        ``'waiting'`` (for the connection-attempt budget), ``'gave_up'`` or
        ``'stopped'``; ``until`` the ``time.time()`` at which a retrying or
        waiting socket is expected to try; ``down_since`` since when it has
        had no open connection (``None`` while connected).

        :returns: ``None`` for a key this manager never started (or that was
            stopped with :meth:`stop_socket`/:meth:`close`).
        """
        return self._ctx.socket_state(conn_key)

    def connecting_socket_count(self) -> int:
        """How many sockets are started but not yet connected (a replay's lockstep waits)."""
        with self._conn_lock:
            entries = list(self._conns.values())
        # a WebSocket API session opening for the requests it holds counts as one
        sessions = (self.__dict__.get('_ws_api'), self.__dict__.get('_futures_ws_api'))
        return sum(1 for entry in entries if not entry.stopped and not entry.ready.is_set()) \
            + sum(1 for api in sessions if api is not None and api.requests_waiting())

    def run(self) -> None:
        """Thread body: run the reactor, or wait until whoever runs it stops it."""
        if self._owns_reactor:
            _reactor.run()
        else:
            _reactor.wait_stopped()

    def _call(self, fn: Callable[..., Any], *args: Any) -> None:
        """Run ``fn`` on the reactor thread (queued until the reactor runs)."""
        self._ctx.call(fn, *args)

    # -- URLs (the context resolves them) ------------------------------------------

    def _stream_url(self) -> str:
        return self._ctx.stream_url()

    def _ws_api_url(self) -> str:
        return self._ctx.ws_api_url()

    def _tls_options(self, url: str) -> Any:
        """Verified client TLS options for a ``wss://`` URL, ``None`` for ``ws://``."""
        return self._ctx.tls_options(url)

    # -- registry -----------------------------------------------------------------

    def _start_entry(self, key: str, make_entry: Callable[[], SocketEntry]) -> Union[str, bool]:
        key_or_false = self._ctx.start_entry(key, make_entry)
        if key_or_false and self._uses_global_reactor():
            _reactor.warn_at_exit_unless_started(self)  # a forgotten bm.start() is told at exit
        return key_or_false

    def _unstarted_socket_keys(self) -> List[str]:
        """Keys of the sockets asked for, when :meth:`start` was never called (else ``[]``)."""
        with self._conn_lock:
            return [] if self._manager_started else list(self._conns)

    def _start_stream(self, streams: List[str], callback: Callback,
                      delivery: str = DELIVER_RAW) -> Union[str, bool]:
        check_callback(callback)
        if delivery == DELIVER_RAW:
            key = '/'.join(streams)
            url = self._stream_url() + 'ws/' + key
        else:
            key = 'stream?streams=' + '/'.join(streams)
            url = self._stream_url() + key
        self._tls_options(url)  # a bad URL or CA file fails here, in the caller's thread
        started = self._start_entry(
            key, lambda: Subscription(self._ctx, key, streams, callback, delivery))
        if started and self._uses_global_reactor():
            self._symbols.check(list(streams))  # warn later about unlisted symbols
        return started

    def add_stop_listener(self, conn_key: str, listener: StopListener, *,
                          callback: Optional[Callback] = None) -> bool:
        """Be told when the socket ``conn_key`` is closed by :meth:`stop_socket` or :meth:`close`.

        ``listener(conn_key)`` is called once, on the reactor thread, after
        the socket stopped. It is not called when the socket gives up
        reconnecting: its callback receives the error message
        ``{'e': 'error', 'm': 'Max reconnect retries reached'}`` instead.
        :class:`binance.depthcache.DepthCacheManager` uses this to notice
        that its depth socket was closed under it.

        :param conn_key: a key a ``start_*`` method returned.
        :param listener: called as ``listener(conn_key)``.
        :param callback: when given, only a socket started with this callback
            counts (so a socket stopped and started again by someone else
            under the same key is not mistaken for yours).
        :returns: ``False`` when no such socket is open (already stopped):
            the listener will never be called.
        :raises TypeError: for a listener that is not callable.
        """
        if not callable(listener):
            raise TypeError('listener must be callable, got {!r}'.format(
                type(listener).__name__))
        with self._conn_lock:
            entry = self._conns.get(conn_key)
            if entry is None or entry.stopped:
                return False
            if callback is not None:
                mine = getattr(entry, 'callback', getattr(entry, '_callback', None))
                if not (mine is callback or (hasattr(callback, '__func__') and mine == callback)):
                    return False  # a bound method is a new object on each access
            return entry.add_stop_listener(listener)

    @property
    def conn_keys(self) -> list:
        """Keys of the sockets currently open (or connecting)."""
        with self._conn_lock:
            return list(self._conns)

    # -- public API -----------------------------------------------------------------

    def start_trade_socket(self, symbol: str, callback: Callback) -> Union[str, bool]:
        """Trades of one symbol (``<symbol>@trade``).

        :param symbol: e.g. ``'BNBBTC'``.
        :param callback: called with each message, e.g.
            ``{'e': 'trade', 'E': 123456789, 's': 'BNBBTC', 't': 12345, 'p': '0.001',
            'q': '100', 'T': 123456785, 'm': True, 'M': True}``.
        :returns: the connection key ``'bnbbtc@trade'``, or ``False`` if that
            stream is already open.
        :raises ValueError, TypeError: for a malformed symbol or a callback
            that is not callable.
        """
        return self._start_stream([stream_name('trade', symbol)], callback)

    def start_aggtrade_socket(self, symbol: str, callback: Callback) -> Union[str, bool]:
        """Aggregated trades of one symbol (``<symbol>@aggTrade``).

        Messages look like ``{'e': 'aggTrade', 's': 'BNBBTC', 'a': 12345,
        'p': '0.001', 'q': '100', 'f': 100, 'l': 105, 'T': 123456785, 'm': True, ...}``.

        :returns: ``'bnbbtc@aggTrade'`` or ``False`` if already open.
        :raises ValueError, TypeError: as :meth:`start_trade_socket`.
        """
        return self._start_stream([stream_name('aggTrade', symbol)], callback)

    def start_kline_socket(self, symbol: str, callback: Callback,
                           interval: str = '1m') -> Union[str, bool]:
        """Klines (candlesticks) of one symbol (``<symbol>@kline_<interval>``).

        :param interval: one of :data:`binance.enums.KLINE_INTERVALS`, e.g.
            ``KLINE_INTERVAL_30MINUTE`` (``'30m'``).
        :returns: e.g. ``'bnbbtc@kline_30m'`` or ``False`` if already open.
        :raises ValueError: for an unknown interval (the message lists the
            valid ones) or a malformed symbol.
        """
        name = stream_name('kline', symbol, interval=check_interval(interval), tz='')
        return self._start_stream([name], callback)

    def start_depth_socket(self, symbol: str, callback: Callback,
                           depth: Optional[Union[str, int]] = None) -> Union[str, bool]:
        """Order book of one symbol.

        :param depth: ``None`` for the diff stream (``<symbol>@depth``, events
            ``{'e': 'depthUpdate', 'U': ..., 'u': ..., 'b': [...], 'a': [...]}``),
            or ``'5'``/``'10'``/``'20'`` (ints work too, see
            ``WEBSOCKET_DEPTH_5`` etc.) for the partial book
            ``<symbol>@depth<n>`` (``{'lastUpdateId': ..., 'bids': [...], 'asks': [...]}``).
        :returns: e.g. ``'bnbbtc@depth5'`` or ``False`` if already open.
        :raises ValueError: for another depth (the message lists 5, 10, 20).
        """
        levels = depth_suffix(depth)
        name = stream_name('partialDepth' if levels else 'depth', symbol, levels=levels, speed='')
        return self._start_stream([name], callback)

    def start_symbol_ticker_socket(self, symbol: str, callback: Callback) -> Union[str, bool]:
        """24 h rolling ticker of one symbol (``<symbol>@ticker``, events ``'24hrTicker'``).

        :returns: ``'bnbbtc@ticker'`` or ``False`` if already open.
        """
        return self._start_stream([stream_name('ticker', symbol)], callback)

    def start_ticker_socket(self, callback: Callback) -> Union[str, bool]:
        """24 h tickers of every symbol (``!ticker@arr``; each message is a list).

        .. warning:: Binance retired ``!ticker@arr`` in 2026-03. The socket
           still connects (and works against servers that keep the stream, such
           as :mod:`binance.testing`), but binance.com sends nothing on it. Use
           :meth:`start_miniticker_socket` instead.

        :returns: ``'!ticker@arr'`` or ``False`` if already open.
        """
        log.warning('!ticker@arr was retired by Binance in 2026-03 and sends nothing on '
                    'binance.com; use start_miniticker_socket (!miniTicker@arr) instead')
        return self._start_stream([stream_name('allTicker')], callback)

    def start_miniticker_socket(self, callback: Callback,
                                update_time: int = 1000) -> Union[str, bool]:
        """Mini tickers of every symbol that changed (``!miniTicker@arr``; lists).

        :param update_time: milliseconds between updates: ``1000`` (the
            stream ``!miniTicker@arr``) or ``3000`` (``!miniTicker@arr@3000ms``).
        :returns: the stream key or ``False`` if already open.
        :raises ValueError: for another ``update_time``.
        """
        try:  # a Decimal('sNaN') cannot even be compared
            valid = not isinstance(update_time, bool) and update_time in MINITICKER_UPDATE_TIMES
        except (ArithmeticError, TypeError):
            valid = False
        if not valid:
            raise ValueError('update_time must be one of {} (milliseconds), got {!r}'.format(
                ', '.join(str(t) for t in MINITICKER_UPDATE_TIMES), update_time))
        ms = '' if update_time == 1000 else '@{}ms'.format(int(update_time))
        return self._start_stream([stream_name('allMiniTicker', ms=ms)], callback)

    def start_symbol_book_ticker_socket(self, symbol: str, callback: Callback) -> Union[str, bool]:
        """Best bid/ask of one symbol (``<symbol>@bookTicker``).

        Messages look like ``{'u': 400900217, 's': 'BNBUSDT', 'b': '25.35190000',
        'B': '31.21000000', 'a': '25.36520000', 'A': '40.66000000'}``.

        :returns: ``'bnbbtc@bookTicker'`` or ``False`` if already open.
        """
        return self._start_stream([stream_name('bookTicker', symbol)], callback)

    def start_multiplex_socket(self, streams: Iterable[str], callback: Callback) -> Union[str, bool]:
        """Several streams on one connection (``stream?streams=a/b``).

        Each message arrives wrapped as ``{'stream': name, 'data': payload}``.
        Binance carries at most 1024 streams on one connection; a socket with
        more is spread over as many connections as it needs (also with
        ``streams_per_connection``), and then Binance's order across its
        streams holds among the streams of one connection (each stream's own
        order always holds).

        :param streams: stream names with lower-case symbols, e.g.
            ``['bnbbtc@aggTrade', 'neobtc@ticker']`` (not the user stream).
            Valid names: ``<symbol>@`` followed by ``trade``, ``aggTrade``,
            ``kline_<interval>``, ``depth`` (``@100ms``/``@1000ms``),
            ``depth5``/``10``/``20`` (likewise), ``ticker``,
            ``ticker_1h``/``4h``/``1d``, ``miniTicker``, ``bookTicker``,
            ``avgPrice``; the all-symbol streams ``!miniTicker@arr``,
            ``!ticker@arr``, ``!ticker_<window>@arr``; or a listen key.
        :returns: the key ``'stream?streams=bnbbtc@aggTrade/neobtc@ticker'``,
            or ``False`` if that exact combination is already open.
        :raises ValueError, TypeError: for an empty list, a name given
            twice, a malformed name (e.g. an upper-case symbol) or an unknown
            stream type (the message lists the valid ones).
        """
        names = check_stream_names(streams)
        return self._start_stream(names, callback, DELIVER_ENVELOPE)

    def start_user_socket(self, callback: Callback) -> Union[str, bool]:
        """Account, order and balance events of the client's account.

        First the listen-key flow: a key from ``client.stream_get_listen_key()``
        (fetched in a worker thread), the socket ``ws/<key>``, a keepalive
        every ``user_timeout`` seconds, and a new key plus a reconnect when
        Binance reports the key expired. Keepalive failures reach the callback
        as ``{'e': 'error', 'm': '...'}``. When the listen-key endpoint answers
        404/405/410 (retired for binance.com Spot since 2026-02-20) the socket
        subscribes through the WebSocket API (``WS_API_URL``; with an Ed25519
        key ``session.logon`` + ``userDataStream.subscribe``, otherwise
        ``userDataStream.subscribe.signature``; again after every reconnect and
        after ``eventStreamTerminated``) and the callback receives the same bare event dicts, e.g.
        ``{'e': 'executionReport', 's': 'BNBBTC', ...}``.

        :returns: the connection key ``'user'`` (stable: the listen key itself
            is fetched off-thread and renewed), or ``False`` if this manager's
            user socket is already open.
        :raises ValueError: when the manager's client has no API key.
        :raises TypeError: for a callback that is not callable.
        """
        check_callback(callback)
        client = self.client
        if client is None or not getattr(client, 'API_KEY', None):
            raise ValueError('start_user_socket needs the manager to have a Client created '
                             'with an API key (and api_secret or private_key for the WebSocket '
                             'API)')
        self._tls_options(self._stream_url())
        self._tls_options(self._ws_api_url())
        key = USER_STREAM_KEY
        return self._start_entry(key, lambda: UserStream(self._ctx, key, callback))

    def wait_connected(self, conn_key: str, timeout: Optional[float] = None) -> bool:
        """Block until the socket ``conn_key`` is connected (any thread but the reactor's).

        For the user socket this means events can flow: the listen-key socket
        is open, or the WebSocket API subscription has been confirmed. Use it
        where a script must not miss what follows, e.g. before placing an
        order whose events it wants to see::

            bm.start_user_socket(process_message)
            bm.start()
            if not bm.wait_connected('user', timeout=10):
                raise SystemExit('user stream did not connect')

        :param conn_key: a value returned by a ``start_*`` method.
        :param timeout: seconds to wait at most; ``None`` waits until the
            socket connects or stops.
        :returns: ``True`` once connected; ``False`` when the timeout passed,
            or the socket was stopped or gave up first.
        :raises ValueError: when no socket ``conn_key`` is open.
        :raises RuntimeError: when called on the reactor thread (the
            connection could never complete while that thread waits).
        """
        with self._conn_lock:
            entry = self._conns.get(conn_key)
            keys = sorted(self._conns)
        if entry is None:
            raise ValueError('no open socket {!r}; open sockets: {}'.format(
                conn_key, ', '.join(repr(k) for k in keys) or 'none'))
        if _reactor.in_reactor_thread():
            raise RuntimeError('wait_connected would block the reactor thread that makes the '
                               'connection; call it from another thread (not from a callback)')
        import time
        deadline = None if timeout is None else time.monotonic() + timeout
        while not entry.stopped:
            remaining = 0.05 if deadline is None else min(0.05, deadline - time.monotonic())
            if remaining <= 0:
                return entry.ready.is_set()
            if entry.ready.wait(remaining):
                return not entry.stopped
        return False

    def stop_socket(self, conn_key: str) -> None:
        """Close one socket; it never reconnects afterwards.

        The factory is told to stop trying before the connection is closed,
        so no reconnect can slip in. Once this returns, the socket's callback
        is not called again, even for messages already read, and also when
        called from inside that callback (where starting the same stream
        again at once is fine: the new socket gets a new connection). For the
        user socket the keepalive stops and the listen key is left alone
        (other clients of the account may use it). Unknown keys are ignored.

        :param conn_key: the value a ``start_*`` method returned.
        """
        with self._conn_lock:
            entry = self._conns.pop(conn_key, None)
        if entry is None:
            log.debug('stop_socket: no socket %r', conn_key)
            return
        entry.stopped = True
        self._call(entry.stop)

    def close(self) -> None:
        """Close every socket (and the :attr:`ws_api` session). New sockets can be
        started afterwards.

        The reactor keeps running; ``reactor.stop()`` ends it (and the program).
        """
        with self._conn_lock:
            entries = list(self._conns.values())
            self._conns.clear()
        for entry in entries:
            entry.stopped = True
            self._call(entry.stop)
        api = self.__dict__.get('_ws_api')
        if api is not None:
            api.close()
        self._close_futures_ws_api()

    # -- orders without blocking the reactor (binance/_streams/api_session.py) ---------------------

    @property
    def ws_api(self) -> Any:
        """This manager's WebSocket API session (:class:`binance._streams.api_session.WebSocketApi`).

        ``bm.ws_api.order_place(symbol=..., ..., callback=on_order)`` returns a
        Deferred at once and never blocks the reactor thread; the connection
        is made on the first request and signed with the client's key.
        """
        with self._conn_lock:
            api = self.__dict__.get('_ws_api')
            if api is None:
                from binance._streams.api_session import WebSocketApi
                self._tls_options(self._ws_api_url())
                api = self.__dict__['_ws_api'] = WebSocketApi(self._ctx)
        return api

    def call_in_thread(self, callback: Optional[Callback], fn: Callable[..., Any],
                       *args: Any, **kwargs: Any) -> Any:
        """Run a blocking call (e.g. ``client.create_order``) off the reactor thread.

        ``fn(*args, **kwargs)`` runs in the reactor's thread pool; then
        ``callback(result)`` runs on the reactor thread, or
        ``callback({'e': 'error', 'm': text, 'status': ..., 'code': ...,
        'retry_after': ..., 'exception': exc})`` if it raised (a 429/418 keeps
        its ``retry_after``). Safe from any thread, e.g. inside a stream callback::

            bm.call_in_thread(on_order, client.order_market_buy, symbol='BNBBTC', quantity=1)

        :returns: a Deferred with the same outcome (``None`` after an error
            that went to the callback).
        """
        from binance._streams.api_session import call_in_thread
        return call_in_thread(self._ctx, callback, fn, *args, **kwargs)

