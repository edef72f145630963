"""Subscriptions, connections and the contract between them and the socket manager.

:class:`binance.websockets.BinanceSocketManager` keeps a registry of
*entries*, one per key a ``start_*`` method returned. This module declares
what an entry is and what it may use:

* :class:`SocketEntry` (a :class:`typing.Protocol`): what the manager calls
  on an entry (``begin``, ``stop``, ``add_stop_listener``) and reads from it
  (``key``, ``stopped``, ``ready``).
* :class:`SocketContext`: the few things an entry needs from the manager
  (the reactor, the URLs, a way to connect, to release its key, a fresh
  :class:`~binance._streams.backoff.Backoff`, the REST client and a worker thread);
  entries never see the manager itself.
* :class:`Subscription`: a market-data socket as the user sees it: its key,
  its callback, the streams it needs and how its messages are delivered
  (the raw payload, or the ``{'stream', 'data'}`` envelope of a combined stream).
* :class:`~binance._streams.connection.Connection`: one reconnecting WebSocket
  carrying subscriptions: one each by default, many with
  ``streams_per_connection`` (:class:`~binance._streams.connection.StreamPool`).

Everything but the constructors and ``stopped`` flags runs on the reactor thread.
"""
import logging
import threading
from typing import Any, Callable, Dict, List, Optional, Sequence, Set, Tuple

try:  # Python 3.8+
    from typing import Protocol
except ImportError:  # pragma: no cover
    from typing_extensions import Protocol  # type: ignore

from binance._streams.backoff import Backoff
from binance._streams.connection import DELIVER_ENVELOPE, DELIVER_RAW, Connection
from binance._streams.limits import MAX_STREAMS_PER_CONNECTION
from binance._streams.protocol import MAX_RETRIES_MESSAGE, StreamFactory, call_callback

__all__ = ['SocketEntry', 'SocketContext', 'Subscription', 'Connection', 'StopListener',
           'DELIVER_RAW', 'DELIVER_ENVELOPE']

log = logging.getLogger('binance.websockets')

Callback = Callable[[Any], Any]
#: called as ``listener(conn_key)`` on the reactor thread when a socket is stopped
StopListener = Callable[[str], Any]



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


class SocketContext:
    """What an entry may use of the manager that owns it.

    :ivar client: the REST client (the user stream's listen keys), may be ``None``.
    :ivar user_timeout: seconds between listen-key keepalives.
    """

    __slots__ = ('_get_reactor', 'client', 'user_timeout', '_stream_url', '_ws_api_url',
                 '_make_factory', '_release', '_backoff', '_in_thread', 'pool', 'tunables',
                 '_request_id')

    def __init__(self, *, reactor: Callable[[], Any], client: Any, user_timeout: float,
                 stream_url: Callable[[], str], ws_api_url: Callable[[], str],
                 make_factory: Callable[..., StreamFactory],
                 release: Callable[[str, Any], None], backoff: Callable[[], Backoff],
                 in_thread: Callable[..., Any]) -> None:
        self._get_reactor = reactor
        self.client = client
        self.user_timeout = user_timeout
        self._stream_url = stream_url
        self._ws_api_url = ws_api_url
        self._make_factory = make_factory
        self._release = release
        self._backoff = backoff
        self._in_thread = in_thread
        #: the shared-connection pool (``streams_per_connection > 1``), else ``None``
        self.pool: Any = None
        #: connection tunables: control_limit, rotate_after, switch_timeout
        self.tunables: Dict[str, Any] = {}
        self._request_id = 0

    def next_request_id(self) -> int:
        """A new id for a live request (unique within the manager)."""
        self._request_id += 1
        return self._request_id

    @property
    def reactor(self) -> Any:
        """The reactor for connections and every timer (looked up when first needed)."""
        return self._get_reactor()

    def stream_url(self) -> str:
        """The base stream URL, ending with ``/`` (``wss://stream.binance.com:9443/``)."""
        return self._stream_url()

    def ws_api_url(self) -> str:
        """The WebSocket API URL (``wss://ws-api.binance.com:443/ws-api/v3``)."""
        return self._ws_api_url()

    def connect(self, url: str, deliver: Callback, on_give_up: Callable[[], Any], *,
                name: str, gate: Any, on_open: Optional[Callable[[Any], Any]] = None,
                before_reconnect: Optional[Callable[[], Any]] = None,
                **extra: Any) -> StreamFactory:
        """Make the reconnecting factory for ``url`` and open its first connection.

        ``extra``: further :class:`~binance._streams.protocol.StreamFactory` keywords
        (``on_shutdown``, ``on_control``).
        """
        factory = self._make_factory(url, deliver, on_give_up, name=name, gate=gate,
                                     on_open=on_open, before_reconnect=before_reconnect,
                                     **extra)
        factory.connect()
        return factory

    def release(self, key: str, entry: Any) -> None:
        """Forget ``key`` if it still belongs to ``entry`` (the entry gave up)."""
        self._release(key, entry)

    def backoff(self) -> Backoff:
        """A fresh :class:`~binance._streams.backoff.Backoff` with the manager's settings."""
        return self._backoff()

    def in_thread(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Run blocking ``fn`` in a worker thread; returns a Deferred."""
        return self._in_thread(fn, *args, **kwargs)


class _StopListeners:
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


class Subscription(_StopListeners):
    """One market-data socket: what the user started with a ``start_*`` method.

    :param ctx: the manager's :class:`SocketContext`.
    :param key: the key ``start_*`` returned (``'bnbbtc@trade'``,
        ``'stream?streams=a/b'``).
    :param streams: the stream names it needs.
    :param callback: the user's callback.
    :param delivery: :data:`DELIVER_RAW` or :data:`DELIVER_ENVELOPE`.

    ``stopped`` is set synchronously by ``stop_socket``/``close`` in the
    caller's thread; the protocol checks it before every message (the
    subscription is its connection's ``gate``), so nothing is delivered
    afterwards.
    """

    __slots__ = ('ctx', 'key', 'streams', 'callback', 'delivery', 'connections', 'stopped',
                 '_on_stop', 'ready', '_open')

    #: whether ``streams_per_connection`` may put it on a shared spot connection
    poolable = True
    #: streams on one of its own connections; more are spread over several
    per_connection = MAX_STREAMS_PER_CONNECTION

    def __init__(self, ctx: SocketContext, key: str, streams: Sequence[str], callback: Callback,
                 delivery: str = DELIVER_RAW) -> None:
        if delivery not in (DELIVER_RAW, DELIVER_ENVELOPE):
            raise ValueError('delivery must be {!r} or {!r}, got {!r}'.format(
                DELIVER_RAW, DELIVER_ENVELOPE, delivery))
        self.ctx = ctx
        self.key = key
        self.streams: Tuple[str, ...] = tuple(streams)
        self.callback = callback
        self.delivery = delivery
        #: its own connections (default mode): one, or one per ``per_connection`` streams
        self.connections: List[Connection] = []
        self.stopped = False
        self._on_stop: List[StopListener] = []
        #: set while every connection of it is open (see ``wait_connected``)
        self.ready = threading.Event()
        self._open: Set[Connection] = set()

    def __repr__(self) -> str:
        return '<Subscription {} {}{}>'.format(self.key, self.delivery,
                                               ' stopped' if self.stopped else '')

    def url_for(self, streams: Sequence[str]) -> str:
        """The URL of a connection of its own for ``streams``: ``ws/<stream>`` or
        ``stream?streams=a/b``."""
        if self.delivery == DELIVER_RAW:
            return self.ctx.stream_url() + 'ws/' + '/'.join(streams)
        return self.ctx.stream_url() + 'stream?streams=' + '/'.join(streams)

    @property
    def url(self) -> str:
        """The URL of its own connection (the first one, when spread over several)."""
        return self.url_for(self.streams[:self.per_connection])

    @property
    def connection(self) -> Optional[Connection]:
        """Its own (first) connection, once connecting; ``None`` when pooled."""
        return self.connections[0] if self.connections else None

    @property
    def factory(self) -> Optional[StreamFactory]:
        """The reconnecting factory of its connection, once connecting."""
        connection = self.connection
        return None if connection is None else connection.factory

    # -- gate of the connection's protocol ---------------------------------------

    def connected(self, factory: Any) -> None:
        mine = self._mine(factory)
        if mine is not None:
            self._open.update(mine)
            if all(c in self._open for c in self.connections):
                self.ready.set()

    def disconnected(self, factory: Any) -> None:
        mine = self._mine(factory)
        if mine is not None:
            self._open.difference_update(mine)
            self.ready.clear()

    def _mine(self, factory: Any) -> Optional[List[Connection]]:
        """Its connections whose current factory is ``factory`` (not a replacement's or a
        closed one's); ``None`` when it is none of them."""
        if not self.connections:
            return []
        mine = [c for c in self.connections if c.factory is None or c.factory is factory]
        return mine or None

    # -- life cycle ----------------------------------------------------------------

    def begin(self) -> None:
        if self.stopped:
            return
        try:
            pool = self.ctx.pool if self.poolable else None
            if pool is not None:
                pool.attach(self)
                return
            size = self.per_connection
            parts = [self.streams[i:i + size] for i in range(0, len(self.streams), size)]
            for number, part in enumerate(parts):
                name = self.key if len(parts) == 1 else '{} ({} of {})'.format(
                    self.key, number + 1, len(parts))
                connection = Connection(self.ctx, self.url_for(part), name)
                self.connections.append(connection)
                connection.open(self)
        except Exception:
            log.exception('%s: could not start connecting', self.key)
            self.connection_gave_up()

    def stop(self) -> None:
        """Close the socket (reactor thread), then tell the stop listeners."""
        self.stopped = True
        self.ready.clear()
        self._let_go()
        self._tell_stopped()

    def _let_go(self) -> None:
        pool = self.ctx.pool if self.poolable else None
        if pool is not None:
            pool.detach(self)
        for connection in self.connections:
            connection.close()

    def connection_gave_up(self) -> None:
        """Its connection ran out of retries: free the key, tell the callback once."""
        if self.stopped:
            return
        self.stopped = True
        self._on_stop = []
        self.ready.clear()
        if self.ctx.pool is not None and self.poolable:
            self.ctx.pool.detach(self)
        for connection in self.connections:
            connection.close()       # the others of a socket spread over several
        self.ctx.release(self.key, self)
        call_callback(self.callback, {'e': 'error', 'm': MAX_RETRIES_MESSAGE},
                      self.ctx.reactor, self.key)
