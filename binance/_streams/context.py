"""The contract between the socket manager and its sockets ("entries").

:class:`binance.websockets.BinanceSocketManager` keeps a registry of
*entries*, one per key a ``start_*`` method returned. This module declares
what an entry is and what it may use:

* :class:`SocketEntry` (a :class:`typing.Protocol`): what the manager calls
  on an entry (``begin``, ``stop``, ``add_stop_listener``) and reads from it
  (``key``, ``stopped``, ``ready``).
* :class:`SocketContext`: what an entry may use (the reactor, the URLs and
  TLS options, the manager's tunables as typed properties, a fresh
  :class:`~binance._streams.backoff.Backoff`, the REST client, a worker
  thread, the registry) and the one place that makes connections
  (:meth:`SocketContext.connect`); entries never see the manager itself.
* :class:`StreamSettings`: the manager's URLs and tunables as the context
  reads them.

The entries: :class:`binance._streams.market.Subscription` (market data),
:class:`binance._streams.user.UserStream` and its futures and margin kinds.
"""
import logging
import threading
from typing import Any, Callable, Dict, List, Optional, Protocol, Union

from binance import _reactor
from binance._reactor import ReactorStoppedError
from binance._streams.backoff import RECONNECT_FACTOR, RECONNECT_JITTER, Backoff
from binance._streams.budget import AttemptBudget, budget_for
from binance._streams.protocol import LinkHooks, LinkOptions, StreamFactory
from binance._streams.proxy import ProxySpec, check_proxy_argument, open_tunneled, proxy_for
from binance._streams.state import SocketState, entry_state, gave_up_state
from binance._streams.tls import client_tls_options

__all__ = ['SocketEntry', 'SocketContext', 'StreamSettings', 'StopListener', 'StopListeners',
           'DEFAULT_STREAM_URL',
           'DEFAULT_WS_API_URL', 'TESTNET_STREAM_URL', 'TESTNET_WS_API_URL', 'DEMO_STREAM_URL',
           'DEMO_WS_API_URL']

log = logging.getLogger('binance.websockets')

Callback = Callable[[Any], Any]
#: called as ``listener(conn_key)`` on the reactor thread when a socket is stopped
StopListener = Callable[[str], Any]

DEFAULT_STREAM_URL = 'wss://stream.binance.com:9443/'
DEFAULT_WS_API_URL = 'wss://ws-api.binance.com:443/ws-api/v3'
TESTNET_STREAM_URL = 'wss://stream.testnet.binance.vision/'
TESTNET_WS_API_URL = 'wss://ws-api.testnet.binance.vision/ws-api/v3'
# Binance Demo Mode (Client(..., demo=True)): spot docs, demo-mode/general-info.md
DEMO_STREAM_URL = 'wss://demo-stream.binance.com:9443/'
DEMO_WS_API_URL = 'wss://demo-ws-api.binance.com/ws-api/v3'


class SocketEntry(Protocol):
    """What the socket manager needs of each socket it holds.

    ``stopped`` is set by the manager in the caller's thread the moment
    ``stop_socket``/``close`` runs (nothing may be delivered afterwards);
    everything else is called on the reactor thread.
    """

    key: str
    stopped: bool
    #: set while the socket can deliver (see ``BinanceSocketManager.wait_connected``)
    ready: threading.Event

    def begin(self) -> None:
        """Start connecting."""

    def stop(self) -> None:
        """Close for good, then call the stop listeners once."""

    def add_stop_listener(self, listener: StopListener) -> bool:
        """Call ``listener(key)`` when :meth:`stop` runs; ``False`` if already stopped."""


class StreamSettings(Protocol):
    """The manager's URLs and tunables, read each time they are needed (a script
    may change them on the manager after creating it)."""

    STREAM_URL: str
    WS_API_URL: str
    TLS_CA: Optional[str]
    MAX_RETRIES: int
    INITIAL_DELAY: float
    MAX_DELAY: float
    HEALTHY_AFTER: float
    MAX_MESSAGE_SIZE: int
    IDLE_TIMEOUT: float
    CONNECT_TIMEOUT: float
    MAX_CONNECTION_ATTEMPTS: int
    CONNECTION_WINDOW: float
    MAX_CONTROL_PER_SECOND: int
    ROTATE_AFTER: float
    SWITCH_TIMEOUT: float


def _with_slash(url: str) -> str:
    return url if url.endswith('/') else url + '/'


class SocketContext:
    """Everything an entry may use of the manager that owns it; the only place
    that makes connections (:meth:`connect`).

    :param settings: the manager's URLs and tunables (:class:`StreamSettings`).
    :param client: the REST client (listen keys, the testnet/``tld`` URLs), may be ``None``.
    :param user_timeout: seconds between listen-key keepalives.
    :param reactor: the injected reactor, ``None`` for the process's (resolved when needed).
    :param tls_ca: an extra CA file to trust for ``wss://`` (else ``settings.TLS_CA``).
    :param proxy: the manager's ``proxy=``: a proxy URL, ``None`` (the client's
        ``requests_params['proxies']``, then the environment, as for REST) or
        ``False`` (never a proxy); see :mod:`binance._streams.proxy`.
    :param start: the manager's ``start()`` (:meth:`start_manager`), ``None``
        when there is no manager to start.
    :raises TypeError, ValueError: for a ``proxy`` that is not a valid proxy URL.

    It also holds the manager's registry: :attr:`entries` (key -> entry,
    guarded by :attr:`lock`), filled by :meth:`start_entry` and emptied by
    the manager's ``stop_socket``/``close`` and by :meth:`release`.
    """

    __slots__ = ('settings', 'client', 'user_timeout', '_reactor_arg', '_tls_ca', 'entries',
                 'lock', 'pool', '_request_id', 'gave_up', '_proxy', '_start')

    def __init__(self, settings: StreamSettings, *, client: Any, user_timeout: float,
                 reactor: Any = None, tls_ca: Optional[str] = None, proxy: Any = None,
                 start: Optional[Callable[[], None]] = None) -> None:
        self._proxy = check_proxy_argument(proxy)
        self._start = start
        self.settings = settings
        self.client = client
        self.user_timeout = user_timeout
        self._reactor_arg = reactor
        self._tls_ca = tls_ca
        #: the open sockets by key (any thread, under :attr:`lock`)
        self.entries: Dict[str, SocketEntry] = {}
        self.lock = threading.Lock()
        #: the shared-connection pool (``streams_per_connection > 1``), else ``None``
        self.pool: Any = None
        self._request_id = 0
        #: keys of sockets that gave up, and when (until started again)
        self.gave_up: Dict[str, float] = {}

    # -- the reactor and threads ---------------------------------------------------

    @property
    def reactor(self) -> Any:
        """The reactor for connections and every timer (looked up when first needed)."""
        reactor = self._reactor_arg
        return _reactor.get_reactor() if reactor is None else reactor

    def uses_global_reactor(self) -> bool:
        """Whether connections run on the process's reactor (not an injected one)."""
        return (self._reactor_arg is None
                or self._reactor_arg is _reactor.installed_reactor_or_none())

    def start_manager(self) -> None:
        """Start the manager (its thread runs the process's reactor unless something
        else already does): a blocking call needs a running reactor."""
        if self._start is not None:
            self._start()

    def check_reactor_alive(self) -> None:
        """Raise :class:`ReactorStoppedError` when our reactor can never run again."""
        if self.uses_global_reactor() and _reactor.has_stopped():
            raise ReactorStoppedError(
                'the Twisted reactor of this process has stopped (reactor.stop()) and Twisted '
                'cannot restart it, so no socket can connect any more; run the program again '
                'in a new process')

    def call(self, fn: Callable[..., Any], *args: Any) -> None:
        """Run ``fn`` on the reactor thread (queued until the reactor runs)."""
        self.reactor.callFromThread(fn, *args)

    def in_thread(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Run blocking ``fn`` in the reactor's thread pool; returns a Deferred."""
        reactor = self.reactor
        get_pool = getattr(reactor, 'getThreadPool', None)
        if get_pool is None:  # a test reactor without threads: run it inline
            from twisted.internet.defer import maybeDeferred
            return maybeDeferred(fn, *args, **kwargs)
        from twisted.internet.threads import deferToThreadPool
        return deferToThreadPool(reactor, get_pool(), fn, *args, **kwargs)

    # -- URLs and TLS ----------------------------------------------------------------

    def stream_url(self) -> str:
        """The base stream URL, ending with ``/`` (``wss://stream.binance.com:9443/``)."""
        return _with_slash(self.for_client(self.settings.STREAM_URL, DEFAULT_STREAM_URL,
                                           TESTNET_STREAM_URL, 'wss://stream.binance.{}:9443/',
                                           DEMO_STREAM_URL))

    def ws_api_url(self) -> str:
        """The WebSocket API URL (``wss://ws-api.binance.com:443/ws-api/v3``)."""
        return self.for_client(self.settings.WS_API_URL, DEFAULT_WS_API_URL,
                               TESTNET_WS_API_URL, 'wss://ws-api.binance.{}:443/ws-api/v3',
                               DEMO_WS_API_URL)

    def for_client(self, url: str, default: str, testnet_url: str, tld_template: str,
                   demo_url: str) -> str:
        """``url``, or the client's testnet / demo / ``tld`` variant while ``url`` is the default."""
        if url != default:  # pointed somewhere on purpose (e.g. a local exchange)
            return url
        if getattr(self.client, 'testnet', False):
            return testnet_url
        if getattr(self.client, 'demo', False):
            return demo_url
        tld = getattr(self.client, 'tld', 'com') or 'com'
        return url if tld == 'com' else tld_template.format(tld)

    def tls_options(self, url: str) -> Any:
        """Verified client TLS options for a ``wss://`` URL, ``None`` for ``ws://``.

        Also looks up the URL's proxy, so that a malformed proxy setting fails
        here (the ``start_*`` methods call this in the caller's thread).

        :raises ValueError: for another scheme, a CA file that cannot be read,
            or a malformed proxy URL in the client's ``proxies`` or the environment.
        """
        if not url.startswith('wss://'):
            if not url.startswith('ws://'):
                raise ValueError('stream URLs must start with ws:// or wss://, got {!r}'.format(
                    url))
            self.proxy_for(url)
            return None
        from urllib.parse import urlsplit
        host = urlsplit(url).hostname or ''
        options = client_tls_options(host, self._tls_ca or self.settings.TLS_CA)
        self.proxy_for(url)
        return options

    def wants_microseconds(self, url: str) -> bool:
        """Whether the link to ``url`` asks for microsecond times: the client was made
        with ``time_unit='MICROSECOND'`` and ``url`` is a Spot stream or WebSocket API
        URL (Binance documents ``timeUnit`` for those only)."""
        if getattr(self.client, 'time_unit', None) != 'MICROSECOND':
            return False
        return url.startswith(self.stream_url()) or url.startswith(self.ws_api_url())

    def proxy_for(self, url: str) -> Optional[ProxySpec]:
        """The proxy the link to ``url`` goes through, ``None`` for a direct connection.

        :raises ValueError: for a malformed proxy URL (credentials hidden).
        """
        return proxy_for(url, self._proxy, self.client)

    # -- tunables ----------------------------------------------------------------------

    @property
    def control_limit(self) -> int:
        """Control messages per second per connection (Binance: 5)."""
        return self.settings.MAX_CONTROL_PER_SECOND

    @property
    def rotate_after(self) -> float:
        """Seconds after which a connection is replaced (before Binance's 24 h cut)."""
        return self.settings.ROTATE_AFTER

    @property
    def switch_timeout(self) -> float:
        """Seconds a switch-over may wait for a join or an answer (x6 in all)."""
        return self.settings.SWITCH_TIMEOUT

    def backoff(self) -> Backoff:
        """A fresh reconnect/retry policy with the manager's settings."""
        settings = self.settings
        return Backoff(settings.INITIAL_DELAY, RECONNECT_FACTOR, settings.MAX_DELAY,
                       jitter=RECONNECT_JITTER, max_retries=settings.MAX_RETRIES)

    def attempt_budget(self) -> AttemptBudget:
        """The connection-attempt budget of this reactor (shared process-wide)."""
        settings = self.settings
        return budget_for(self.reactor, settings.MAX_CONNECTION_ATTEMPTS,
                          settings.CONNECTION_WINDOW, initial=settings.INITIAL_DELAY,
                          max_delay=settings.MAX_DELAY)

    # -- connections -------------------------------------------------------------------

    def connect(self, url: str, hooks: LinkHooks, *, name: str) -> StreamFactory:
        """Make the reconnecting factory for ``url`` and open its first connection.

        Every WebSocket link of the manager is made here: market connections,
        user data streams and the WebSocket API session differ only in the
        ``hooks`` they plug in. A link with ``on_aged`` is rotated after
        :attr:`rotate_after` seconds. A link whose URL has a proxy
        (:meth:`proxy_for`) runs through its tunnel, TLS inside it.
        """
        settings = self.settings
        if self.wants_microseconds(url):
            url = with_time_unit(url)
            if hooks.before_reconnect is not None:
                hooks = hooks._replace(before_reconnect=_micro_urls(hooks.before_reconnect))
        proxy = self.proxy_for(url)
        if proxy is not None:
            log.debug('%s: connecting through the proxy %s', name, proxy.redacted)
        options = LinkOptions(
            reactor=self.reactor, backoff=self.backoff(), tls_options=self.tls_options(url),
            connect_timeout=settings.CONNECT_TIMEOUT, idle_timeout=settings.IDLE_TIMEOUT,
            max_age=self.rotate_after if hooks.on_aged is not None else 0.0,
            budget=self.attempt_budget(), healthy_after=settings.HEALTHY_AFTER,
            max_message_size=settings.MAX_MESSAGE_SIZE, control_limit=settings.MAX_CONTROL_PER_SECOND,
            open_link=None if proxy is None else open_tunneled(proxy))
        factory = StreamFactory(url, hooks, options, name=name)
        factory.connect()
        return factory

    def next_request_id(self) -> int:
        """A new id for a live request (unique within the manager)."""
        self._request_id += 1
        return self._request_id

    # -- the registry ------------------------------------------------------------------

    def start_entry(self, key: str, make_entry: Callable[[], SocketEntry]) -> Union[str, bool]:
        """Register the entry ``make_entry()`` under ``key`` and let it begin on the
        reactor thread (any thread); ``False`` when ``key`` is taken."""
        self.check_reactor_alive()
        with self.lock:
            if key in self.entries:
                return False
            entry = make_entry()
            self.entries[key] = entry
            self.gave_up.pop(key, None)
        self.call(entry.begin)
        return key

    def release(self, key: str, entry: Any) -> None:
        """Forget ``key`` if it still belongs to ``entry`` (the entry gave up)."""
        with self.lock:
            if self.entries.get(key) is entry:
                del self.entries[key]
                self.gave_up[key] = self.reactor.seconds()

    def socket_state(self, key: str) -> Optional[SocketState]:
        """The :class:`SocketState` of the socket ``key``; ``None`` when unknown."""
        with self.lock:
            entry = self.entries.get(key)
            gave_up = self.gave_up.get(key)
        if entry is None:
            return None if gave_up is None else gave_up_state(gave_up)
        return entry_state(entry, self.pool)


def with_time_unit(url: str) -> str:
    """``url`` asking for microseconds (``...?timeUnit=MICROSECOND``), once."""
    if 'timeUnit=' in url:
        return url
    return url + ('&' if '?' in url else '?') + 'timeUnit=MICROSECOND'


def _micro_urls(before_reconnect: Callable[[], Any]) -> Callable[[], Any]:
    """``before_reconnect`` whose new URL (a new listen key...) asks for microseconds too."""
    def prepare() -> Any:
        from twisted.internet.defer import maybeDeferred
        return maybeDeferred(before_reconnect).addCallback(
            lambda url: None if url is None else with_time_unit(url))
    return prepare


class StopListeners:
    """The stop listeners of an entry (a mixin)."""

    key: str
    stopped: bool
    _on_stop: List[StopListener]

    def add_stop_listener(self, listener: StopListener) -> bool:
        if self.stopped:
            return False
        self._on_stop.append(listener)
        return True

    def _tell_stopped(self) -> None:
        listeners, self._on_stop = self._on_stop, []
        for listener in listeners:
            try:
                listener(self.key)
            except Exception:
                log.exception('%s: a stop listener failed', self.key)
