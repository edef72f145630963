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
from typing import Any, Mapping, Tuple

from binance.depthcache import DepthCacheManager, DepthCacheSync

__all__ = ['FuturesDepthCacheManager', 'CoinFuturesDepthCacheManager', 'FuturesDepthCacheSync',
           'FUTURES_VALID_LIMITS']

#: The ``limit`` values ``GET /fapi/v1/depth`` accepts.
FUTURES_VALID_LIMITS = (5, 10, 20, 50, 100, 500, 1000)


class FuturesDepthCacheSync(DepthCacheSync):
    """Binance's futures order book procedure as a pure state machine (see the module docs).

    Events need ``U``, ``u`` and ``pu``. Answers and backoff are those of
    :class:`~binance.depthcache.DepthCacheSync`.
    """

    @staticmethod
    def _ids(event: Mapping[str, Any]) -> Tuple[int, int]:
        first, last = DepthCacheSync._ids(event)
        try:
            int(event['pu'])
        except (KeyError, TypeError, ValueError):
            raise ValueError('a futures depthUpdate event needs an integer pu, got {!r}'.format(
                event.get('pu'))) from None
        return first, last

    def _is_old(self, event: Mapping[str, Any], first: int, last: int, book_id: int) -> bool:
        return last < book_id or (self._linked and last <= book_id)

    def _breaks_chain(self, event: Mapping[str, Any], first: int, last: int,
                      book_id: int) -> bool:
        if self._linked:
            return int(event['pu']) != book_id           # pu must be the previous u
        return not first <= book_id <= last              # U <= lastUpdateId <= u

    @staticmethod
    def _after_snapshot(event: Mapping[str, Any], last_id: int) -> bool:
        return int(event['u']) >= last_id       # futures: drop only u < lastUpdateId

    @staticmethod
    def _starts_after(event: Mapping[str, Any], last_id: int) -> bool:
        return int(event['U']) > last_id        # futures: the first needs U <= lastUpdateId


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


class CoinFuturesDepthCacheManager(FuturesDepthCacheManager):
    """Keep a :class:`~binance.depthcache.DepthCache` of a COIN-M contract in sync.

    The USD-M manager's ``pu`` chain on COIN-M's endpoints: the snapshot from
    ``client.futures_coin_order_book`` (``GET /dapi/v1/depth``) and the events
    from ``bm.start_coin_futures_depth_socket`` (dstream), e.g. for
    ``'BTCUSD_PERP'``. Quantities are numbers of contracts.
    """

    _SNAPSHOT_METHOD = 'futures_coin_order_book'
    _SOCKET_METHOD = 'start_coin_futures_depth_socket'

    def __repr__(self) -> str:
        return '<CoinFuturesDepthCacheManager {} limit={} {}>'.format(
            self._symbol, self._limit, 'closed' if self._closed else 'open')
