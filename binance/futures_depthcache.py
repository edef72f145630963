"""A local copy of a USD-M futures order book: :class:`FuturesDepthCacheManager`.

Binance's futures procedure differs from spot's in how events chain (see
"How to manage a local order book correctly" in the USD-M WebSocket market
streams docs):

1. Buffer the ``<symbol>@depth`` events, then take a REST snapshot
   (``GET /fapi/v1/depth``) with ``lastUpdateId`` L.
2. Drop buffered events with ``u < L``.
3. The first event processed must have ``U <= L <= u``.
4. Every later event's ``pu`` must equal the previous event's ``u``;
   otherwise the book is rebuilt from a new snapshot.

:class:`FuturesDepthCacheSync` is that state machine (pure, no I/O), with
the same answers as :class:`~binance.depthcache.DepthCacheSync`;
:class:`FuturesDepthCacheManager` has the interface and guarantees of
:class:`~binance.depthcache.DepthCacheManager` (callback after each applied
event, ``callback(None)`` when the socket gave up, snapshot in a worker
thread, backoff between resyncs, periodic refresh), on
``client.futures_order_book`` and ``bm.start_futures_depth_socket``.

Example::

    from binance.client import Client
    from binance.futures_depthcache import FuturesDepthCacheManager

    def show(depth_cache):
        if depth_cache is not None:
            print(depth_cache.get_bids(limit=1), depth_cache.get_asks(limit=1))

    dcm = FuturesDepthCacheManager(Client(), 'BTCUSDT', callback=show)
"""
import logging
from typing import Any, Mapping

from binance.depthcache import DepthCacheManager, DepthCacheSync

__all__ = ['FuturesDepthCacheManager', 'FuturesDepthCacheSync', 'FUTURES_VALID_LIMITS']

logger = logging.getLogger(__name__)

#: The ``limit`` values ``GET /fapi/v1/depth`` accepts.
FUTURES_VALID_LIMITS = (5, 10, 20, 50, 100, 500, 1000)


class FuturesDepthCacheSync(DepthCacheSync):
    """Binance's futures order book procedure as a pure state machine (see the module docs).

    Events need ``U``, ``u`` and ``pu``. Answers and backoff are those of
    :class:`~binance.depthcache.DepthCacheSync`.
    """

    @staticmethod
    def _prev(event: Mapping[str, Any]) -> int:
        try:
            return int(event['pu'])
        except (KeyError, TypeError, ValueError):
            raise ValueError('a futures depthUpdate event needs an integer pu, got {!r}'.format(
                event.get('pu') if isinstance(event, Mapping) else event)) from None

    def on_event(self, event: Mapping[str, Any]) -> str:
        """Process one futures diff event (see :meth:`DepthCacheSync.on_event`)."""
        first, last = self._ids(event)
        previous = self._prev(event)
        book_id = self._book_id
        if book_id is None:
            self._buffer.append(event)
            return self.BUFFERED
        if last < book_id or (self._linked and last <= book_id):
            return self.IGNORED
        if self._linked:
            broken = previous != book_id
        else:
            broken = not first <= book_id <= last
        if broken:
            logger.warning('%s futures depth: events do not chain (book at %d, event U=%d u=%d '
                           'pu=%d); resyncing', self.cache.symbol, book_id, first, last, previous)
            return self._resync((event,))
        try:
            self.cache.apply_diff(event)
        except ValueError as exc:
            logger.warning('%s futures depth: malformed event U=%d u=%d (%s); resyncing',
                           self.cache.symbol, first, last, exc)
            return self._resync(())
        self._book_id = last
        if not self._linked:
            self._linked = True
            self.failures = 0
        return self.APPLIED

    def on_snapshot(self, snapshot: Mapping[str, Any]) -> str:
        """Apply a ``/fapi/v1/depth`` snapshot and replay the buffered events."""
        if self._book_id is not None:
            raise RuntimeError('snapshot received while the book is already synced; '
                               'call restart() first')
        try:
            last_id = int(snapshot['lastUpdateId'])
        except (KeyError, TypeError, ValueError):
            self.failures += 1
            raise ValueError('a depth snapshot needs an integer lastUpdateId') from None
        events = sorted(self._buffer, key=lambda e: int(e['u']))
        self._buffer.clear()
        pending = [e for e in events if int(e['u']) >= last_id]
        if pending and int(pending[0]['U']) > last_id:
            self._buffer.extend(pending)
            self.failures += 1
            logger.info('%s futures depth: snapshot %d is older than the buffered stream '
                        '(U=%s); fetching another', self.cache.symbol, last_id, pending[0]['U'])
            return self.STALE_SNAPSHOT
        try:
            self.cache.apply_snapshot(snapshot)
        except ValueError:
            self._buffer.extend(pending)
            self.failures += 1
            raise
        self._book_id = last_id
        self._linked = False
        status = self.SYNCED
        for index, event in enumerate(pending):
            result = self.on_event(event)
            if result == self.RESYNC:
                self._buffer.extend(pending[index + 1:])
                return self.RESYNC
            if result == self.APPLIED:
                status = self.APPLIED
        return status


class FuturesDepthCacheManager(DepthCacheManager):
    """Keep a :class:`~binance.depthcache.DepthCache` of a USD-M contract in sync.

    Same arguments, callbacks and guarantees as
    :class:`~binance.depthcache.DepthCacheManager`; the snapshot comes from
    ``client.futures_order_book`` (``limit`` one of :data:`FUTURES_VALID_LIMITS`)
    and the events from ``bm.start_futures_depth_socket`` (the ``/public``
    route of fstream).
    """

    _SYNC = FuturesDepthCacheSync
    _SNAPSHOT_METHOD = 'futures_order_book'
    _SOCKET_METHOD = 'start_futures_depth_socket'
    _LIMITS = FUTURES_VALID_LIMITS

    def _on_message(self, msg: Any) -> None:
        if isinstance(msg, dict) and 'data' in msg and 'stream' in msg:
            msg = msg['data']  # the futures sockets deliver the combined-stream envelope
        super()._on_message(msg)

    def __repr__(self) -> str:
        return '<FuturesDepthCacheManager {} limit={} {}>'.format(
            self._symbol, self._limit, 'closed' if self._closed else 'open')
