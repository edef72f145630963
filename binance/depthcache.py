"""A local copy of a symbol's order book, kept in sync with Binance.

Three layers, each usable on its own:

* :class:`DepthCache` — the book itself: a pure data structure with no I/O.
  Prices and quantities are held exactly, as the decimal strings Binance
  sent; reads give them as ``conv_type`` (``float`` by default, as the
  original library returned, or :class:`~decimal.Decimal`, ``str``).
* :class:`DepthCacheSync` — the pure state machine of Binance's documented
  procedure for a local order book (buffer the diff stream, apply a REST
  snapshot, chain the update ids, start again on a gap, back off between
  attempts). It never does I/O; it tells its caller what to do next.
* :class:`DepthCacheManager` — wires the two to a
  :class:`~binance.websockets.BinanceSocketManager` diff depth socket and to
  ``client.get_order_book`` (run in a worker thread, never on the reactor
  thread).

See `How to manage a local order book correctly
<https://developers.binance.com/docs/binance-spot-api-docs/web-socket-streams#how-to-manage-a-local-order-book-correctly>`_.

Example::

    from binance.client import Client
    from binance.depthcache import DepthCacheManager

    def process_depth(depth_cache):
        if depth_cache is None:          # the socket gave up reconnecting
            print('depth cache stopped')
            return
        print(depth_cache.symbol, depth_cache.get_bids(limit=5), depth_cache.get_asks(limit=5))

    dcm = DepthCacheManager(Client(), 'BNBBTC', callback=process_depth)
"""
import logging
import re
from bisect import bisect_left, insort
from collections import deque
from decimal import Decimal, InvalidOperation
from typing import Any, Callable, Deque, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

from binance._streams.backoff import Backoff

__all__ = ['DepthCache', 'DepthCacheSync', 'DepthCacheManager', 'VALID_LIMITS']

logger = logging.getLogger(__name__)

#: The ``limit`` values ``GET /api/v3/depth`` accepts.
VALID_LIMITS = (5, 10, 20, 50, 100, 500, 1000, 5000)

_SYMBOL_RE = re.compile(r'^[A-Za-z0-9_.-]{1,20}\Z')
_PRICE_CACHE_MAX = 50000    # entries of a side's price-text cache before it is emptied
_Parsed = Tuple[str, Optional[str], Decimal]


def _to_decimal(value: Any, what: str) -> Decimal:
    """Exact Decimal of a price or quantity given as a string (or number)."""
    if isinstance(value, str):
        try:
            number = Decimal(value)
        except InvalidOperation:
            raise ValueError('{} must be a decimal number, got {!r}'.format(what, value)) from None
    elif isinstance(value, (Decimal, int)) and not isinstance(value, bool):
        number = Decimal(value)
    elif isinstance(value, float):
        number = Decimal(repr(value))   # 0.1 -> Decimal('0.1'), not its binary expansion
    else:
        raise TypeError('{} must be a decimal string such as "0.00120000", got {}'.format(
            what, type(value).__name__))
    if not number.is_finite() or number.is_signed():
        raise ValueError('{} must be a finite number >= 0, got {!r}'.format(what, value))
    return number


def _is_plain(text: str) -> bool:
    """True for Binance's own number format: ASCII digits with at most one ``.``."""
    return text.isascii() and text.replace('.', '', 1).isdigit()


class _LevelTypeError(ValueError, TypeError):
    """A level of the wrong type: a ValueError for apply_diff, a TypeError for add_bid."""


class _Side:
    """One side of the book, its best level last.

    ``levels`` maps a price's sort key to ``[price, qty, price text, qty text]``:
    floats for reading, then the exact texts Binance sent. The key is the
    price's Decimal, negated for asks, so that ``prices``, the keys in
    ascending order (:mod:`bisect`), changes near its end on both sides: a
    change is an O(log n) search and a short list insert or delete, and the
    best N levels are the last N keys. ``keys`` caches price text -> key
    (Binance repeats its price strings; a cached Decimal keeps its hash).
    """
    __slots__ = ('levels', 'prices', 'keys', 'negated', 'name', 'field')

    def __init__(self, negated: bool, keys: Optional[Dict[str, Decimal]] = None,
                 parsed: Iterable[_Parsed] = ()) -> None:
        self.negated = negated
        self.name, self.field = ('ask', 'a') if negated else ('bid', 'b')
        self.keys: Dict[str, Decimal] = {} if keys is None else keys
        self.levels: Dict[Decimal, List[Any]] = {
            key: [float(price), float(qty), price, qty] for price, qty, key in parsed if qty}
        self.prices: List[Decimal] = sorted(self.levels)

    def empty(self, parsed: Iterable[_Parsed] = ()) -> '_Side':
        """A new side of the same kind and cache, holding the ``parsed`` levels."""
        return _Side(self.negated, self.keys, parsed)

    def parse(self, level: Any) -> _Parsed:
        """``[price, qty, ...]`` as ``(price text, qty text or None for zero, key)``.

        The careful path, for levels :meth:`DepthCache.apply_diff` does not take at
        once: plain decimal strings stay, other forms ``Decimal`` accepts (``'1e-3'``,
        numbers) become ``str(Decimal)``. Raises ValueError or TypeError if malformed.
        """
        try:
            price, qty = level[0], level[1]
        except (TypeError, IndexError, KeyError):
            raise ValueError('each {} level must be [price, quantity], got {!r}'.format(
                self.name, level)) from None
        keys = self.keys
        key = keys.get(price) if type(price) is str else None
        if key is None:
            number = _to_decimal(price, self.name + ' price')
            if type(price) is not str or not _is_plain(price):
                price = str(number)
            key = keys.get(price)
            if key is None:
                key = number.copy_negate() if self.negated else number    # exact: no context
                if len(keys) >= _PRICE_CACHE_MAX:
                    keys.clear()
                keys[price] = key
        if type(qty) is not str or not _is_plain(qty):
            number = _to_decimal(qty, self.name + ' quantity')
            return price, str(number) if number else None, key
        return price, qty if qty.lstrip('0.') else None, key

    def rollback(self, undo: List[Tuple[Decimal, Any, Optional[str]]]) -> None:
        """Undo the changes :meth:`DepthCache.apply_diff` recorded, newest first."""
        levels, prices = self.levels, self.prices
        for key, entry, old_qty in reversed(undo):
            if entry is None:               # the level was added
                del levels[key]
                del prices[bisect_left(prices, key)]
            elif old_qty is None:           # the level was removed
                levels[key] = entry
                insort(prices, key)
            else:                           # the quantity was changed
                entry[1] = float(old_qty)
                entry[3] = old_qty


class DepthCache:
    """The order book of one symbol: bids and asks by price.

    :param symbol: the symbol, e.g. ``'BNBBTC'``.
    :param conv_type: how :meth:`get_bids`/:meth:`get_asks` return prices and
        quantities: ``float`` (the default, like the original library),
        :class:`~decimal.Decimal` for the exact values, ``str`` for decimal
        strings, or any callable taking a ``Decimal``.

    The book keeps every price and quantity exactly, as the decimal string
    Binance sent, ordered by exact value; levels are keyed by price value, so
    ``"0.0010"`` and ``"0.00100000"`` are the same level. Other types than
    ``float`` are made from the exact value when read, for the levels read.

    :ivar symbol: the symbol.
    :ivar update_time: event time (``E``, ms) of the last diff applied, or
        ``None`` when the book holds only a snapshot (or nothing).
    :ivar last_update_id: Binance update id the book is at (``lastUpdateId``
        of the snapshot, then ``u`` of each diff applied), or ``None``.

    Reads from another thread while the reactor thread applies updates never
    raise; they see the book before or after each level change.

    >>> dc = DepthCache('BNBBTC')
    >>> dc.add_bid(['0.0010', '5.0'])
    >>> dc.add_bid(['0.0012', '1.5'])
    >>> dc.get_bids()
    [[0.0012, 1.5], [0.001, 5.0]]
    """

    def __init__(self, symbol: str, conv_type: Callable[[Decimal], Any] = float) -> None:
        if not callable(conv_type):
            raise TypeError('conv_type must be callable, e.g. float, Decimal or str')
        self.symbol = symbol
        self.conv_type = conv_type
        self.update_time: Optional[int] = None
        self.last_update_id: Optional[int] = None
        self._bids, self._asks = _Side(False), _Side(True)

    def __repr__(self) -> str:
        return '<DepthCache {} bids={} asks={} last_update_id={}>'.format(
            self.symbol, len(self._bids.levels), len(self._asks.levels), self.last_update_id)

    # -- changes ----------------------------------------------------------

    def add_bid(self, bid: Sequence[Any]) -> None:
        """Set one bid level; a quantity of zero removes it.

        :param bid: ``[price, quantity]`` as Binance sends them, e.g.
            ``['0.00120000', '5.00000000']`` (extra items are ignored).
        :raises ValueError, TypeError: when the price or quantity is not a number >= 0.
        """
        self.apply_diff({'b': (bid,)})

    def add_ask(self, ask: Sequence[Any]) -> None:
        """Set one ask level; a quantity of zero removes it (see :meth:`add_bid`)."""
        self.apply_diff({'a': (ask,)})

    def clear(self) -> None:
        """Remove every level and forget ``update_time`` and ``last_update_id``."""
        self._bids, self._asks = self._bids.empty(), self._asks.empty()
        self.update_time = self.last_update_id = None

    def apply_snapshot(self, snapshot: Mapping[str, Any]) -> None:
        """Replace the whole book with a REST depth snapshot.

        :param snapshot: the answer of ``GET /api/v3/depth``:
            ``{'lastUpdateId': 160, 'bids': [['0.0024', '10']], 'asks': [...]}``.
        :raises ValueError: when a level is malformed (the book is then unchanged).

        No level of the previous book survives. ``update_time`` becomes
        ``None`` (a snapshot carries no event time).
        """
        try:
            last_id = int(snapshot['lastUpdateId'])
            sides = []
            for side, levels in ((self._bids, snapshot['bids']), (self._asks, snapshot['asks'])):
                sides.append(side.empty([side.parse(level) for level in levels]))
        except (KeyError, TypeError) as exc:
            raise ValueError('a depth snapshot needs lastUpdateId, bids and asks: {}'.format(
                exc)) from None
        self._bids, self._asks = sides
        self.update_time = None
        self.last_update_id = last_id

    def apply_diff(self, event: Mapping[str, Any]) -> None:
        """Apply a ``depthUpdate`` event's levels; set ``update_time`` and ``last_update_id``.

        :param event: a diff depth stream message, e.g.
            ``{'e': 'depthUpdate', 'E': 1672515782136, 's': 'BNBBTC', 'U': 157,
            'u': 160, 'b': [['0.0024', '10']], 'a': [['0.0026', '0']]}``.
        :raises ValueError: when a level is malformed (the book is then unchanged).

        This only applies the levels; checking that the event follows the
        previous one is :class:`DepthCacheSync`'s job.
        """
        undo: List[Tuple[Decimal, Any, Optional[str]]] = []     # how to take each change back
        record = undo.append
        split = None                        # undo[:split] are the bids' changes
        side = self._bids
        try:
            for side in (side, self._asks):
                levels, prices, keys = side.levels, side.prices, side.keys
                for level in event.get(side.field, ()):
                    # Hot path: a cached price text, and a quantity string float() reads as
                    # a finite number > 0, or a plain zero (a string float() takes, Decimal()
                    # takes too, and float(text) == float(Decimal(text))). Else: parse().
                    try:
                        price, qty = level
                        key = keys[price]
                        number = float(qty)
                        if 0.0 < number < 1e308 and type(qty) is str:
                            pass
                        elif number == 0.0 and (qty == '0.00000000' or not qty.lstrip('0.')):
                            qty = None
                        else:
                            raise ValueError(qty)
                    except Exception:
                        price, qty, key = side.parse(level)
                        number = 0.0 if qty is None else float(qty)
                    if qty is not None:
                        entry = levels.get(key)
                        if entry is None:
                            levels[key] = [float(price), number, price, qty]
                            insort(prices, key)
                            record((key, None, None))
                        else:
                            record((key, entry, entry[3]))
                            entry[1] = number
                            entry[3] = qty
                    else:
                        entry = levels.pop(key, None)
                        if entry is not None:
                            del prices[bisect_left(prices, key)]
                            record((key, entry, None))
                split = len(undo)
        except BaseException as exc:
            if side is self._asks:
                side.rollback(undo[split:])
            self._bids.rollback(undo[:split])
            if isinstance(exc, TypeError):
                raise _LevelTypeError('malformed depth levels: {}'.format(exc)) from None
            raise
        if 'E' in event:
            self.update_time = event['E']
        if 'u' in event:
            self.last_update_id = int(event['u'])

    # -- reads ------------------------------------------------------------

    def _read(self, side: _Side, limit: Optional[int]) -> List[List[Any]]:
        if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int)):
            raise TypeError('limit must be an int or None, got {}'.format(type(limit).__name__))
        if limit is not None and limit < 0:
            raise ValueError('limit must be >= 0 or None, got {}'.format(limit))
        prices = side.prices            # take both references once: clear() swaps sides
        levels = side.levels
        if limit == 0:
            return []
        chosen = prices[::-1] if limit is None else prices[:-limit - 1:-1]   # best first
        if self.conv_type is float:     # floats made once, as the level was set
            return [entry[:2] for entry in map(levels.get, chosen) if entry is not None]
        conv = self.conv_type
        return [[conv(Decimal(entry[2])), conv(Decimal(entry[3]))]
                for entry in map(levels.get, chosen) if entry is not None]

    def get_bids(self, limit: Optional[int] = None) -> List[List[Any]]:
        """Bids, highest price first, as ``[[price, quantity], ...]``.

        :param limit: return at most this many levels (the best ones);
            ``None`` returns all. Costs O(limit), not O(book).
        :returns: values converted with ``conv_type`` (floats by default).

        >>> dc = DepthCache('BNBBTC')
        >>> dc.add_bid(['1.0', '2']); dc.add_bid(['1.5', '1'])
        >>> dc.get_bids(limit=1)
        [[1.5, 1.0]]
        """
        return self._read(self._bids, limit)

    def get_asks(self, limit: Optional[int] = None) -> List[List[Any]]:
        """Asks, lowest price first, as ``[[price, quantity], ...]`` (see :meth:`get_bids`)."""
        return self._read(self._asks, limit)

    @staticmethod
    def sort_depth(vals: Mapping[Any, Any], reverse: bool = False) -> List[List[float]]:
        """Sort a ``{price: quantity}`` mapping into ``[[price, quantity], ...]`` floats.

        Kept for scripts written for the original library; the cache itself
        no longer sorts on each read.
        """
        pairs = [[float(price), float(qty)] for price, qty in vals.items()]
        pairs.sort(key=lambda pair: pair[0], reverse=reverse)
        return pairs


class DepthCacheSync:
    """Binance's local order book procedure as a pure state machine.

    Feed it every diff event (:meth:`on_event`) and every REST snapshot
    (:meth:`on_snapshot`); it updates its :class:`DepthCache` and answers what
    happened, one of the ``BUFFERED``, ``IGNORED``, ``APPLIED``, ``SYNCED``,
    ``STALE_SNAPSHOT`` or ``RESYNC`` strings below. It does no I/O and keeps
    no clock: the caller fetches snapshots and waits :attr:`retry_delay`
    seconds before the next one.

    The rules:

    1. Until a snapshot arrives, events are buffered.
    2. Snapshot with ``lastUpdateId`` L: buffered events with ``u <= L`` are
       dropped; if the first one left has ``U > L + 1`` the snapshot is older
       than the stream (``STALE_SNAPSHOT``: fetch another, the buffer is kept).
       Otherwise the book becomes the snapshot and the buffer is replayed.
    3. An event with ``u`` <= the book's id is a duplicate or old: ignored.
    4. The first event applied after a snapshot must have
       ``U <= L + 1 <= u``; every later one ``U == previous u + 1``. Anything
       else is a gap: the book is cleared at once (no stale level survives),
       the event is kept for the next attempt, and ``RESYNC`` asks for a new
       snapshot.
    5. Consecutive failures (gap, stale snapshot, failed request) grow
       :attr:`retry_delay` from ``INITIAL_BACKOFF`` by ``BACKOFF_FACTOR`` up
       to ``MAX_BACKOFF``; it goes back to 0 once an event links to a snapshot.

    :param cache: the book to maintain.
    """

    BUFFERED = 'buffered'
    IGNORED = 'ignored'
    APPLIED = 'applied'
    SYNCED = 'synced'
    STALE_SNAPSHOT = 'stale_snapshot'
    RESYNC = 'resync'

    INITIAL_BACKOFF = 0.5
    BACKOFF_FACTOR = 2.0
    MAX_BACKOFF = 30.0
    #: events kept while waiting for a snapshot; the oldest are dropped beyond it
    MAX_BUFFER = 10000

    def __init__(self, cache: DepthCache) -> None:
        self.cache = cache
        self._buffer: Deque[Mapping[str, Any]] = deque(maxlen=self.MAX_BUFFER)
        self._book_id: Optional[int] = None     # None: waiting for a snapshot
        self._linked = False                    # an event has followed the snapshot
        #: the retry policy (no jitter: the delay is a pure function of the failures)
        self.backoff = Backoff(self.INITIAL_BACKOFF, self.BACKOFF_FACTOR, self.MAX_BACKOFF)

    @property
    def waiting_for_snapshot(self) -> bool:
        """True while events are buffered until a snapshot arrives."""
        return self._book_id is None

    @property
    def last_update_id(self) -> Optional[int]:
        """Update id the book is at, or ``None`` while waiting for a snapshot."""
        return self._book_id

    @property
    def buffered(self) -> int:
        """Number of events waiting for a snapshot."""
        return len(self._buffer)

    @property
    def retry_delay(self) -> float:
        """Seconds to wait before asking for the next snapshot (0 after a success)."""
        return self.backoff.current

    @property
    def failures(self) -> int:
        """Consecutive failed attempts (gap, stale snapshot, failed request)."""
        return self.backoff.attempts

    def note_failure(self) -> None:
        """Count a failed snapshot request, so :attr:`retry_delay` grows."""
        self.backoff.fail()

    def restart(self) -> None:
        """Wait for a fresh snapshot (for a periodic refresh).

        The book stays readable as it is until the snapshot replaces it
        completely; events are buffered meanwhile.
        """
        self._book_id = None
        self._linked = False
        self._buffer.clear()

    @staticmethod
    def _ids(event: Mapping[str, Any]) -> Tuple[int, int]:
        try:
            first, last = int(event['U']), int(event['u'])
        except (KeyError, TypeError, ValueError):
            raise ValueError('a depthUpdate event needs integer U and u, got {!r}'.format(
                {k: event.get(k) for k in ('U', 'u')} if isinstance(event, Mapping)
                else event)) from None
        if first > last:
            raise ValueError('depthUpdate event with U > u: U={} u={}'.format(first, last))
        return first, last

    def _resync(self, keep: Iterable[Mapping[str, Any]]) -> str:
        self.cache.clear()
        self._book_id = None
        self._linked = False
        self._buffer.clear()
        self._buffer.extend(keep)
        self.backoff.fail()
        return self.RESYNC

    def on_event(self, event: Mapping[str, Any]) -> str:
        """Process one diff depth event.

        :returns: ``BUFFERED`` (no snapshot yet), ``IGNORED`` (``u`` <= book
            id), ``APPLIED`` (the book changed) or ``RESYNC`` (gap or malformed
            levels: the book was cleared, fetch a new snapshot after
            :attr:`retry_delay`).
        :raises ValueError: when ``U``/``u`` are missing or inconsistent (the
            state is unchanged; a real gap shows up with the next event).
        """
        first, last = self._ids(event)
        book_id = self._book_id
        if book_id is None:
            self._buffer.append(event)
            return self.BUFFERED
        if self._is_old(event, first, last, book_id):
            return self.IGNORED
        if self._breaks_chain(event, first, last, book_id):
            logger.warning('%s depth: gap in update ids (book at %d, event U=%d u=%d); resyncing',
                           self.cache.symbol, book_id, first, last)
            return self._resync((event,))
        try:
            self.cache.apply_diff(event)
        except ValueError as exc:
            logger.warning('%s depth: malformed event U=%d u=%d (%s); resyncing',
                           self.cache.symbol, first, last, exc)
            return self._resync(())
        self._book_id = last
        if not self._linked:
            self._linked = True
            self.backoff.reset()
        return self.APPLIED

    def _is_old(self, event: Mapping[str, Any], first: int, last: int, book_id: int) -> bool:
        """A duplicate or an event the book already has (spot: ``u <= book id``)."""
        return last <= book_id

    def _breaks_chain(self, event: Mapping[str, Any], first: int, last: int,
                      book_id: int) -> bool:
        """Spot: the first event spans ``book id + 1``, later ones start right after it."""
        return first != book_id + 1 and (self._linked or first > book_id + 1)

    @staticmethod
    def _after_snapshot(event: Mapping[str, Any], last_id: int) -> bool:
        """Whether a buffered event is kept for snapshot ``last_id`` (spot: ``u > L``)."""
        return int(event['u']) > last_id

    @staticmethod
    def _starts_after(event: Mapping[str, Any], last_id: int) -> bool:
        """Whether the first kept event begins after the snapshot (spot: ``U > L + 1``)."""
        return int(event['U']) > last_id + 1

    def on_snapshot(self, snapshot: Mapping[str, Any]) -> str:
        """Apply a REST snapshot and replay the buffered events.

        :returns: ``STALE_SNAPSHOT`` (older than the buffered stream; fetch
            another after :attr:`retry_delay`), ``SYNCED`` (the book is the
            snapshot), ``APPLIED`` (the snapshot plus buffered events) or
            ``RESYNC`` (a gap inside the buffered events).
        :raises RuntimeError: when no snapshot was expected.
        :raises ValueError: when the snapshot is malformed (counted as a failure).
        """
        if self._book_id is not None:
            raise RuntimeError('snapshot received while the book is already synced; '
                               'call restart() first')
        try:
            last_id = int(snapshot['lastUpdateId'])
        except (KeyError, TypeError, ValueError):
            self.backoff.fail()
            raise ValueError('a depth snapshot needs an integer lastUpdateId') from None
        events = sorted(self._buffer, key=lambda e: int(e['u']))
        self._buffer.clear()
        pending = [e for e in events if self._after_snapshot(e, last_id)]
        if pending and self._starts_after(pending[0], last_id):
            self._buffer.extend(pending)
            self.backoff.fail()
            logger.info('%s depth: snapshot %d is older than the buffered stream (U=%s); '
                        'fetching another', self.cache.symbol, last_id, pending[0]['U'])
            return self.STALE_SNAPSHOT
        try:
            self.cache.apply_snapshot(snapshot)
        except ValueError:
            self._buffer.extend(pending)
            self.backoff.fail()
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


def _validate_manager_args(client: Any, symbol: Any, callback: Any, refresh_interval: Any,
                           bm: Any, limit: Any, limits: Sequence[int] = VALID_LIMITS,
                           snapshot_method: str = 'get_order_book',
                           socket_method: str = 'start_depth_socket') -> None:
    if not callable(getattr(client, snapshot_method, None)):
        raise TypeError('client must be a binance.client.Client (it needs {})'.format(
            snapshot_method))
    if not isinstance(symbol, str) or not _SYMBOL_RE.match(symbol):
        raise ValueError('symbol must be a Binance symbol such as "BNBBTC" (1-20 letters, '
                         'digits, "-", "_" or "."), got {!r}'.format(symbol))
    if callback is not None and not callable(callback):
        raise TypeError('callback must be callable or None, got {}'.format(
            type(callback).__name__))
    if refresh_interval is not None:
        if isinstance(refresh_interval, bool) or not isinstance(refresh_interval, (int, float)):
            raise TypeError('refresh_interval must be seconds as a number, or 0/None to disable')
        if not refresh_interval >= 0:
            raise ValueError('refresh_interval must be >= 0 seconds (0 or None disables it), '
                             'got {!r}'.format(refresh_interval))
    if isinstance(limit, bool) or not isinstance(limit, int) or limit not in limits:
        raise ValueError('limit must be one of {}, got {!r}'.format(
            ', '.join(map(str, limits)), limit))
    if bm is not None and not callable(getattr(bm, socket_method, None)):
        raise TypeError('bm must be a BinanceSocketManager or None')


#: Binance error codes of a snapshot request that no retry can fix: ``-1121``
#: "Invalid symbol." (the symbol is not listed) and ``-1100`` (malformed).
FATAL_SNAPSHOT_CODES = frozenset((-1121, -1100))


class DepthCacheManager:
    """Keep a :class:`DepthCache` of ``symbol`` in sync with Binance.

    :param client: a :class:`binance.client.Client`; only ``get_order_book``
        is used, always in a worker thread.
    :param symbol: e.g. ``'BNBBTC'``.
    :param callback: called on the reactor thread as ``callback(depth_cache)``
        after every diff event applied to the book (once for the events
        replayed with a snapshot), and once as
        ``callback(None)`` when the depth socket gave up reconnecting, when
        the snapshot request was answered "Invalid symbol." (``-1121``: the
        symbol is not listed; logged as an error, no more retries), or when it was
        closed on the socket manager (``bm.stop_socket(...)``, ``bm.close()``)
        rather than by :meth:`close`; the manager is then closed, its timers
        cancelled. An exception it raises is logged.
    :param refresh_interval: seconds between full re-syncs from a fresh
        snapshot (``0`` or ``None``: never).
    :param bm: a :class:`~binance.websockets.BinanceSocketManager` to open the
        diff depth socket on; several managers can share one. ``None``: the
        manager creates its own. A manager that is not running yet is started.
    :param limit: depth of the REST snapshot, one of :data:`VALID_LIMITS`.
        Levels deeper than the snapshot are known only once they change.
    :param reactor: the reactor for timers (``callLater``), thread hand-offs
        (``callFromThread``) and the snapshot's worker thread
        (``getThreadPool``); default: Twisted's global reactor. Injectable for tests.
    :param conv_type: output type of :meth:`DepthCache.get_bids`/``get_asks``
        (``float``, ``Decimal``, ``str`` ...).
    :raises ValueError, TypeError: on invalid arguments, before any I/O.
    :raises RuntimeError: when ``bm`` already has a diff depth socket open
        for this symbol (one socket per stream).

    The snapshot is requested when the first diff event has been buffered
    (or after ``SNAPSHOT_WAIT`` seconds without one), as Binance describes;
    :meth:`get_depth_cache` is empty until then.
    """

    #: seconds to wait for the first diff event before asking for the snapshot anyway
    SNAPSHOT_WAIT = 1.0
    #: 0.7.11's name for the default ``refresh_interval``: 30 minutes.
    DEFAULT_REFRESH = 60 * 30
    # What differs for another market (see binance.futures_depthcache): the
    # state machine, the snapshot method of the client, the socket method of
    # the socket manager and the snapshot depths.
    _SYNC: Any = DepthCacheSync
    _SNAPSHOT_METHOD = 'get_order_book'
    _SOCKET_METHOD = 'start_depth_socket'
    _LIMITS: Sequence[int] = VALID_LIMITS

    def __init__(self, client: Any, symbol: str, callback: Optional[Callable[[Any], Any]] = None,
                 refresh_interval: Optional[float] = DEFAULT_REFRESH, bm: Any = None,
                 limit: int = 500,
                 *, reactor: Any = None, conv_type: Callable[[Decimal], Any] = float) -> None:
        _validate_manager_args(client, symbol, callback, refresh_interval, bm, limit,
                               self._LIMITS, self._SNAPSHOT_METHOD, self._SOCKET_METHOD)
        if not callable(conv_type):
            raise TypeError('conv_type must be callable, e.g. float, Decimal or str')
        if reactor is None:
            from binance._reactor import get_reactor
            reactor = get_reactor()
        self._client = client
        self._symbol = symbol.upper()
        self._callback = callback
        self._refresh_interval = refresh_interval or 0
        self._limit = limit
        self._reactor = reactor
        self._depth_cache = DepthCache(self._symbol, conv_type=conv_type)
        self._sync = self._SYNC(self._depth_cache)
        self._closed = False
        self._snapshot_call: Any = None      # IDelayedCall of the next snapshot request
        self._early_request = False          # a buffered event may bring that request forward
        self._snapshot_pending = False       # a request runs in a worker thread
        self._refresh_call: Any = None
        self._owns_bm = bm is None
        if bm is None:
            from binance.websockets import BinanceSocketManager
            bm = BinanceSocketManager(client)
        self._bm = bm
        self._conn_key: Any = None
        self._conn_key = getattr(bm, self._SOCKET_METHOD)(self._symbol, self._on_message)
        if self._conn_key is False:
            self._closed = True
            raise RuntimeError('a diff depth socket for {} is already open on this socket '
                               'manager; use another BinanceSocketManager'.format(self._symbol))
        watch = getattr(bm, 'add_stop_listener', None)
        if watch is not None and not watch(self._conn_key, self._socket_closed,
                                           callback=self._on_message):
            reactor.callFromThread(self._socket_closed)   # closed by another thread meanwhile
        is_alive = getattr(bm, 'is_alive', None)
        if is_alive is not None and not is_alive():
            bm.start()
        reactor.callFromThread(self._start)

    def __repr__(self) -> str:
        return '<DepthCacheManager {} limit={} {}>'.format(
            self._symbol, self._limit, 'closed' if self._closed else 'open')

    # -- public -------------------------------------------------------------

    def get_symbol(self) -> str:
        """The symbol this manager keeps (upper case), as 0.7.11's ``get_symbol``."""
        return self._symbol

    def get_depth_cache(self) -> DepthCache:
        """The :class:`DepthCache` this manager keeps up to date (always the same object)."""
        return self._depth_cache

    def close(self, close_socket: bool = False) -> None:
        """Stop the depth socket and the timers; safe from any thread.

        Other managers sharing the socket manager keep running. The cache
        keeps its last content.

        :param close_socket: also close the whole socket manager (all its
            sockets). A socket manager the depth cache created itself is
            always closed.
        """
        if self._closed:
            return
        self._closed = True
        self._bm.stop_socket(self._conn_key)
        if close_socket or self._owns_bm:
            self._bm.close()
        self._reactor.callFromThread(self._cancel_timers)

    # -- reactor thread -------------------------------------------------------

    def _start(self) -> None:
        if self._closed:
            return
        if self._sync.buffered:
            self._request_snapshot()
        else:
            self._schedule_snapshot(self.SNAPSHOT_WAIT, early=True)

    def _cancel_timers(self) -> None:
        for name in ('_snapshot_call', '_refresh_call'):
            call = getattr(self, name)
            if call is not None and call.active():
                call.cancel()
            setattr(self, name, None)

    def _schedule_snapshot(self, delay: float, early: bool = False) -> None:
        if self._snapshot_call is not None and self._snapshot_call.active():
            self._snapshot_call.cancel()
        self._early_request = early
        self._snapshot_call = self._reactor.callLater(delay, self._request_snapshot)

    def _request_snapshot(self) -> None:
        if self._snapshot_call is not None and self._snapshot_call.active():
            self._snapshot_call.cancel()
        self._snapshot_call = None
        if self._closed or self._snapshot_pending:
            return
        self._snapshot_pending = True
        from twisted.internet import threads
        reactor = self._reactor
        d = threads.deferToThreadPool(reactor, reactor.getThreadPool(),
                                      getattr(self._client, self._SNAPSHOT_METHOD),
                                      symbol=self._symbol, limit=self._limit)
        d.addCallbacks(self._on_snapshot, self._on_snapshot_error)

    def _on_snapshot(self, snapshot: Any) -> None:
        self._snapshot_pending = False
        if self._closed:
            return
        try:
            status = self._sync.on_snapshot(snapshot)
        except ValueError as exc:
            logger.warning('%s depth: unusable snapshot (%s); retrying in %.1f s',
                           self._symbol, exc, self._sync.retry_delay)
            self._schedule_snapshot(self._sync.retry_delay)
            return
        if status in (DepthCacheSync.STALE_SNAPSHOT, DepthCacheSync.RESYNC):
            self._schedule_snapshot(self._sync.retry_delay)
            return
        self._schedule_refresh()
        if status == DepthCacheSync.APPLIED:
            self._notify(self._depth_cache)

    def _on_snapshot_error(self, failure: Any) -> None:
        self._snapshot_pending = False
        if self._closed:
            return
        if getattr(failure.value, 'code', None) in FATAL_SNAPSHOT_CODES:
            logger.error('%s depth: %s (code %s); the depth cache stops', self._symbol,
                         getattr(failure.value, 'message', failure.getErrorMessage()),
                         failure.value.code)
            self._give_up()
            return
        self._sync.note_failure()
        delay = self._sync.retry_delay
        retry_after = getattr(failure.value, 'retry_after', None)
        if isinstance(retry_after, (int, float)) and retry_after > delay:
            delay = float(retry_after)
        logger.warning('%s depth: snapshot request failed (%s); retrying in %.1f s',
                       self._symbol, failure.getErrorMessage(), delay)
        self._schedule_snapshot(delay)

    def _schedule_refresh(self) -> None:
        if self._refresh_call is not None and self._refresh_call.active():
            self._refresh_call.cancel()
        self._refresh_call = None
        if self._refresh_interval:
            self._refresh_call = self._reactor.callLater(self._refresh_interval, self._refresh)

    def _refresh(self) -> None:
        self._refresh_call = None
        if self._closed:
            return
        logger.debug('%s depth: periodic refresh from a new snapshot', self._symbol)
        self._sync.restart()
        self._start()

    def _on_message(self, msg: Any) -> None:
        if self._closed:
            return
        if isinstance(msg, dict) and msg.get('e') == 'error':
            logger.error('%s depth: socket gave up: %s', self._symbol, msg.get('m'))
            self._give_up()
            return
        if not isinstance(msg, dict) or msg.get('e', 'depthUpdate') != 'depthUpdate':
            logger.debug('%s depth: ignoring message %.200r', self._symbol, msg)
            return
        try:
            status = self._sync.on_event(msg)
        except ValueError as exc:
            logger.warning('%s depth: ignoring malformed event: %s', self._symbol, exc)
            return
        if status == DepthCacheSync.APPLIED:
            self._notify(self._depth_cache)
        elif status == DepthCacheSync.BUFFERED:
            if (self._early_request and self._snapshot_call is not None
                    and self._snapshot_call.active()):
                self._request_snapshot()
        elif status == DepthCacheSync.RESYNC:
            if self._refresh_call is not None and self._refresh_call.active():
                self._refresh_call.cancel()
            self._refresh_call = None
            self._schedule_snapshot(self._sync.retry_delay)

    def _give_up(self) -> None:
        """Close the socket and the timers, then ``callback(None)`` (reactor thread)."""
        self._closed = True
        self._cancel_timers()
        if self._conn_key:
            self._bm.stop_socket(self._conn_key)
        if self._owns_bm:
            self._bm.close()
        self._notify(None)

    def _socket_closed(self, conn_key: Any = None) -> None:
        """The socket manager closed our socket (reactor thread): close and tell the callback."""
        if self._closed:
            return
        logger.warning('%s depth: the socket manager closed the depth socket; the depth cache '
                       'stops updating', self._symbol)
        self._closed = True
        self._cancel_timers()
        if self._owns_bm:
            self._bm.close()
        self._notify(None)

    def _notify(self, value: Optional[DepthCache]) -> None:
        if self._callback is None:
            return
        try:
            self._callback(value)
        except Exception:
            logger.exception('%s depth: the callback raised', self._symbol)

