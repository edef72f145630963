"""Market-data sockets: :class:`Subscription` and the :class:`StreamPool` that packs them.

* :class:`Subscription`: a market-data socket as the user sees it: its key,
  its callback, the streams it needs and how its messages are delivered
  (the raw payload, or the ``{'stream', 'data'}`` envelope of a combined
  stream). In the default mode it opens connections of its own (one per
  1024 streams); with ``streams_per_connection`` the pool carries it.
* :class:`StreamPool`: spreads the streams of every subscription over shared
  connections, at most ``streams_per_connection`` each; a stream wanted by
  two sockets is subscribed once.

The connections themselves are :class:`binance._streams.connection.Connection`.
Everything but the constructors and ``stopped`` flags runs on the reactor thread.
"""
import logging
import threading
from typing import Any, Dict, Iterable, List, Optional, Sequence, Set, Tuple

from binance._streams.connection import DELIVER_ENVELOPE, DELIVER_RAW, Connection
from binance._streams.context import Callback, SocketContext, StopListener, StopListeners
from binance._streams.limits import MAX_STREAMS_PER_CONNECTION
from binance._streams.protocol import MAX_RETRIES_MESSAGE, StreamFactory, call_callback

__all__ = ['Subscription', 'StreamPool', 'DELIVER_RAW', 'DELIVER_ENVELOPE']

log = logging.getLogger('binance.websockets')


class Subscription(StopListeners):
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

    # stopped and callback first: the two a packed connection reads for each message, in
    # one cache line (with thousands of streams it is rarely in the cache)
    __slots__ = ('stopped', 'callback', 'ctx', 'key', 'streams', 'delivery', 'connections',
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


# -- the pool of shared connections ---------------------------------------------------

class StreamPool:
    """Spreads the streams of the subscriptions over shared connections.

    :param ctx: the manager's context.
    :param per_connection: at most this many streams per connection.
    """

    def __init__(self, ctx: Any, per_connection: int) -> None:
        self.ctx = ctx
        self.per_connection = per_connection
        self.connections: List[Connection] = []
        self.carrier: Dict[str, Connection] = {}
        self._count = 0

    def attach(self, sub: Any) -> None:
        """Carry every stream of ``sub`` (reactor thread).

        The streams not carried yet go together onto one connection with room
        for all of them (a new one if none has), so that a multiplex socket
        keeps Binance's order across its streams; only a socket with more
        streams than fit on one connection is spread over several.
        """
        new = [stream for stream in dict.fromkeys(sub.streams) if stream not in self.carrier]
        home = self._with_room(len(new)) if new and len(new) <= self.per_connection else None
        for stream in sub.streams:
            connection = self.carrier.get(stream)
            if connection is None:
                connection = home if home is not None else self._with_room(1)
                self.carrier[stream] = connection
            connection.add(stream, sub)
            if stream in (connection.link.confirmed if connection.link else ()):
                self.confirmed(connection, [stream])

    def detach(self, sub: Any) -> None:
        """Stop carrying ``sub``'s streams for it; close connections left empty."""
        for stream in sub.streams:
            connection = self.carrier.get(stream)
            if connection is None:
                continue
            if connection.remove(stream, sub):
                del self.carrier[stream]
            self.close_if_empty(connection)

    def _with_room(self, streams: int) -> Connection:
        """A connection with room for ``streams`` more streams (opened if need be)."""
        for connection in self.connections:
            if connection.room >= streams and not connection.stopped:
                return connection
        self._count += 1
        connection = Connection(self.ctx, self.ctx.stream_url() + 'stream',
                                'shared connection {}'.format(self._count), shared=True,
                                capacity=self.per_connection, pool=self)
        self.connections.append(connection)
        connection.open()
        return connection

    def close_if_empty(self, connection: Connection) -> None:
        if not connection.routes and connection in self.connections:
            connection.close()
            self.forget(connection)

    def forget(self, connection: Connection) -> None:
        if connection in self.connections:
            self.connections.remove(connection)
        for stream in [s for s, c in self.carrier.items() if c is connection]:
            del self.carrier[stream]

    def forget_stream(self, connection: Connection, stream: str) -> None:
        if self.carrier.get(stream) is connection:
            del self.carrier[stream]

    def confirmed(self, connection: Connection, streams: Iterable[str]) -> None:
        """Streams confirmed by Binance: subscriptions whose streams all are become ready."""
        for stream in streams:
            for sub in connection.routes.get(stream, ()):
                if not sub.ready.is_set() and all(self._is_confirmed(s) for s in sub.streams):
                    sub.ready.set()

    def unconfirmed(self, connection: Connection) -> None:
        for subs in connection.routes.values():
            for sub in subs:
                sub.ready.clear()

    def _is_confirmed(self, stream: str) -> bool:
        connection = self.carrier.get(stream)
        link = connection.link if connection is not None else None
        return link is not None and stream in link.confirmed
