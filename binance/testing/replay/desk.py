"""How replayed events change the local exchange's market: prints, fills, the book.

The rules (the docs' "How orders fill in a replay" states them for users):

* **Prints.** Every replayed trade is printed on the symbol's tape with its
  own id, price, quantity, time and side: the ``trade`` and ``aggTrade``
  streams, ``GET /api/v3/trades``, ``historicalTrades``, ``aggTrades``,
  klines and tickers all come from these prints. An ``aggTrades`` row is one
  print of its whole quantity (the file does not say how it split); a kline
  row is four prints (:mod:`~binance.testing.replay.reader`).
* **Resting orders** fill against later prints only: a resting buy fills
  when a print is at or below its price, a resting sell when a print is at
  or above it, at the order's own price, as the maker, up to the print's
  quantity (shared by the account's orders in price, then time, priority).
  Stop orders trigger on the last print as on the live exchange.
* **The book.** A replay knows at most the best bid and ask: from a
  ``bookTicker`` file that level, else one tick on the passive side of the
  last print (a print by a seller sets the bid at its price and the ask one
  tick above, a buyer's the other way round), with the print's quantity.
  :data:`BOOK_LEVELS` levels are synthesised on each side, one tick apart,
  each with the top level's quantity. Orders that can execute on arrival
  (market orders, crossing limit orders) take this book, as the taker.
  Synthesised levels never cross the account's resting orders.

What a replay cannot know: where an order would have queued (a print at the
order's price fills it, as if it stood first in line), and how the market
would have answered the order (market impact: the tape is the same with or
without it).

How the desk keeps the book (the same levels, quantities, fills and update
ids as applying each print's rule to the book at once, for less work): while
the book holds nothing but the synthesised levels, none of them traded, and
no ``depth``/``bookTicker`` stream reads the symbol, a print only counts the
book changes its rule would make (the update id moves on) and holds the new
levels back; the first look at the book (``sym.book``: a REST depth or ticker
answer, an arriving order, a stop that triggers, a timer stream) brings them in
without counting them again.
"""
import bisect
import functools
import math
from decimal import Decimal
from typing import Any, Callable, Dict, List, Optional, Tuple

from binance.testing.market_base import fmt
from binance.testing.market_history import merge
from binance.testing.market_book import BUY, SELL, Order

__all__ = ['Desk', 'BOOK_LEVELS']

#: Synthesised price levels on each side of a replayed book.
BOOK_LEVELS = 5
#: Prints kept per symbol for trade queries; older ones leave per-minute statistics
#: (klines, tickers) behind, so a day of a busy symbol replays in flat memory.
KEEP_PRINTS = 100000
MINUTE_MS = 60000


class _Tape:
    """Per-symbol replay state: the synthesised quotes and the last print."""

    __slots__ = ('sym', 'name', 'offsets', 'shared', 'quotes', 'top', 'has_book', 'next_id',
                 'last_price', 'prints', 'settled', 'held', 'hook')

    def __init__(self, sym: Any, has_book: bool) -> None:
        #: the market's state of the symbol (looked up once)
        self.sym = sym
        self.name = sym.spec.symbol
        #: the synthesised levels' distances from the top of the book
        self.offsets = [sym.spec.tick_size * level for level in range(BOOK_LEVELS)]
        #: levels two tops a distance apart share (when it is one of the offsets)
        self.shared = {offset: BOOK_LEVELS - level for level, offset in enumerate(self.offsets)}
        self.quotes: List[Order] = []
        self.top: Optional[Tuple[Decimal, Decimal, Decimal, Decimal]] = None
        self.has_book = has_book
        self.next_id = 1
        self.last_price: Optional[Decimal] = None
        self.prints = 0
        #: the book holds exactly :data:`BOOK_LEVELS` untraded synthesised levels a
        #: side and nothing else, and nobody has looked at it since (``hook`` armed)
        self.settled = False
        #: the levels of ``top`` are held back: the book shows an earlier top's
        self.held = False
        #: ``sym.book_pending`` while settled: a look at the book ends that
        self.hook: Optional[Callable[[], None]] = None


class _Archive:
    """Stands in for the simulation's synthetic price path: per-minute statistics of
    the prints the trade log no longer keeps, and no trading before the data."""

    def __init__(self, spec: Any) -> None:
        self.spec = spec
        self._first_price = spec.price
        self._minutes: List[int] = []
        self._rows: List[Any] = []

    def keep(self, minute_ms: int, row: Any) -> None:
        """Archive the statistics ``row`` of the minute starting at ``minute_ms``."""
        self._minutes.append(minute_ms)
        self._rows.append(row)

    def price(self, t_ms: int) -> Decimal:
        index = bisect.bisect_right(self._minutes, t_ms)
        return self._rows[index - 1][3] if index else self._first_price

    def log_price(self, t_ms: int) -> float:
        return math.log(float(self.price(t_ms)))

    def stats(self, start_ms: int, end_ms: int) -> Any:
        """Statistics of the archived minutes in ``[start_ms, end_ms)`` (``None``: none)."""
        lo = bisect.bisect_left(self._minutes, start_ms - MINUTE_MS + 1)
        hi = bisect.bisect_left(self._minutes, end_ms)
        result = None
        for row in self._rows[lo:hi]:
            result = merge(result, row)
        return result


class Desk:
    """Applies replayed events to a :class:`~binance.testing.market.Market`.

    :param market: the market (its symbols are the replayed ones).
    :param book_symbols: symbols with replayed book data (``bookTicker``):
        their book follows that data instead of the prints.
    """

    def __init__(self, market: Any, book_symbols: Any = ()) -> None:
        self.market = market
        self._tapes: Dict[str, _Tape] = {}
        with market.lock:
            for name in market.symbols:
                sym = market.symbol_state(name)
                for side in (BUY, SELL):      # the simulated starting book is not data
                    for order in sym.book.orders(side):
                        if order.owner is None:
                            sym.book.remove(order)
                sym.book.take_changes()
                tape = self._tapes[name] = _Tape(sym, name in book_symbols)
                tape.hook = functools.partial(self._looked_at, tape)

    def forget_past(self, symbol: str) -> None:
        """No invented past for ``symbol``: klines before its first print are flat
        at the first price with no volume, never the simulation's history."""
        with self.market.lock:
            sym = self.market.symbol_state(symbol)
            sym.path = sym.log.path = _Archive(sym.spec)
            sym.log.last_price = sym.spec.price

    def last_prices(self) -> Dict[str, str]:
        """The last replayed price of each symbol that printed."""
        return {name: fmt(tape.last_price) for name, tape in self._tapes.items()
                if tape.last_price is not None}

    def prints(self) -> int:
        """Prints so far, all symbols."""
        return sum(tape.prints for tape in self._tapes.values())

    # -- events --------------------------------------------------------------

    def apply(self, kind: str, symbol: str, fields: tuple) -> None:
        """One replayed event (the market's clock already at its time)."""
        market = self.market
        with market.lock, market.transaction():
            if kind == 'trade':
                trade_id, price, qty, maker = fields
                self._print(symbol, Decimal(price), Decimal(qty), maker, trade_id, None, None)
            elif kind == 'aggTrade':
                agg_id, price, qty, first, _last, maker = fields
                self._print(symbol, Decimal(price), Decimal(qty), maker, first, agg_id, agg_id)
            elif kind == 'bookTicker':
                _, bid, bid_qty, ask, ask_qty = fields
                self._quote(self._tapes[symbol], (Decimal(bid), Decimal(bid_qty), Decimal(ask),
                                                  Decimal(ask_qty)))

    def _print(self, symbol: str, price: Decimal, qty: Decimal, buyer_maker: bool,
               trade_id: int, agg_id: Optional[int], agg_key: Any) -> None:
        market = self.market
        tape = self._tapes[symbol]
        sym = tape.sym
        now = market.now_ms()
        trade_id = trade_id if trade_id >= 0 else max(tape.next_id, sym.log.next_trade_id)
        tape.next_id = trade_id + 1
        if not tape.settled:            # else no order of an account rests
            self._fill_resting(sym, price, qty, trade_id)
        log = sym.log
        # the file's ids while they run on without gaps (the log numbers its trades itself)
        if not log.times and trade_id >= 0:
            log.first_trade_id = log.next_trade_id = trade_id
        if agg_id is not None:
            log.end_aggregation()
            if not log.agg_first:
                log.first_agg_id = log.next_agg_id = agg_id
        else:
            agg_key = (now, price, buyer_maker)
        market.print_trade(symbol, price, qty, buyer_maker, agg_key)
        tape.last_price = price
        tape.prints += 1
        if len(log.times) > KEEP_PRINTS + KEEP_PRINTS // 2:
            self._trim(sym)
        if not tape.has_book:
            tick = sym.spec.tick_size
            if buyer_maker:
                self._quote(tape, (price, qty, price + tick, qty))
            else:
                self._quote(tape, (price - tick, qty, price, qty))

    @staticmethod
    def _trim(sym: Any) -> None:
        """Drop the oldest prints down to about :data:`KEEP_PRINTS`, whole minutes,
        archiving each dropped minute's statistics."""
        log, archive = sym.log, sym.path
        cut_ms = log.times[len(log.times) - KEEP_PRINTS] // MINUTE_MS * MINUTE_MS
        count = bisect.bisect_left(log.times, cut_ms)
        if count <= 0 or not isinstance(archive, _Archive):
            return
        minute = log.times[0] // MINUTE_MS * MINUTE_MS
        while minute < cut_ms:
            row = log.stats(minute, minute + MINUTE_MS - 1)
            if row is not None:
                archive.keep(minute, row)
            minute += MINUTE_MS
        log.drop_oldest(count)
        log.start_ms = cut_ms

    def _fill_resting(self, sym: Any, price: Decimal, qty: Decimal, trade_id: int) -> None:
        """The account orders a print at ``price`` reaches fill, up to ``qty`` in all."""
        book = sym.stored_book
        left = qty
        for side in (BUY, SELL):
            best = book.best(side)
            if best is None or (best < price if side == BUY else best > price):
                continue
            for order in book.orders(side):
                if left <= 0 or (order.price < price if side == BUY else order.price > price):
                    break
                if order.owner is None:
                    continue
                take = min(left, order.remaining)
                if take > 0:
                    self.market.fill_resting(order, take, trade_id)
                    left -= take

    def _quote(self, tape: _Tape, top: Tuple[Decimal, Decimal, Decimal, Decimal]) -> None:
        """Synthesise the book around the best bid and ask ``top`` (see the module docs).

        A quote already resting alone at a wanted price keeps its place and only
        changes its size; the others leave and new ones rest, so a print moves
        only the levels it changes."""
        if tape.top == top:
            return
        if tape.settled:
            if tape.top is not None and self._may_hold(tape, top):
                tape.sym.stored_book.update_id += self._changes(tape.top, top, tape.shared)
                tape.top = top
                tape.held = True
                return
            self._looked_at(tape)
        tape.top = top
        sym = tape.sym
        book = sym.stored_book
        bid, bid_qty, ask, ask_qty = top
        old: Dict[str, Dict[Any, Order]] = {BUY: {}, SELL: {}}
        resting = 0
        for quote in tape.quotes:
            if quote.in_book:
                old[quote.side][quote.price] = quote
                resting += 1
        own_bid = own_ask = None
        if book.counts[BUY] + book.counts[SELL] > resting:    # the account's orders rest too
            own_bid = max((o.price for o in book.orders(BUY) if o.owner is not None),
                          default=None)
            own_ask = min((o.price for o in book.orders(SELL) if o.owner is not None),
                          default=None)
        kept: List[Tuple[Order, Decimal]] = []
        new: List[Tuple[str, Decimal, Decimal]] = []
        for side, size in ((BUY, bid_qty), (SELL, ask_qty)):
            if size <= 0:
                continue
            olds = old[side]
            if side == BUY:
                prices = [bid - offset for offset in tape.offsets]
                if own_ask is not None or prices[-1] <= 0:
                    prices = [p for p in prices if p > 0 and (own_ask is None or p < own_ask)]
            else:
                prices = [ask + offset for offset in tape.offsets]
                if own_bid is not None or ask <= 0:
                    prices = [p for p in prices if p > 0 and (own_bid is None or p > own_bid)]
            for price in prices:
                order = olds.pop(price, None)
                if order is not None and book.alone(order):
                    kept.append((order, size))
                else:
                    if order is not None:
                        olds[price] = order             # shares its level: leaves, rests anew
                    new.append((side, price, size))
        spare: Dict[str, List[Order]] = {BUY: [], SELL: []}
        for olds in old.values():
            for order in olds.values():
                book.remove(order)
                if not order.executed:
                    spare[order.side].append(order)
        quotes = []
        for order, size in kept:
            if order.remaining != size:
                book.resize(order, size)
            quotes.append(order)
        fresh = []
        for side, price, size in new:
            pool = spare[side]
            if pool:                   # a quote that left moves to its new price
                order = pool.pop()
                order.price, order.qty = price, size
                book.add(order)
                quotes.append(order)
            else:
                fresh.append((side, price, size))
        if fresh:
            quotes.extend(self.market.quote_many(sym.spec.symbol, fresh))
        tape.quotes = quotes
        if (len(quotes) == 2 * BOOK_LEVELS and book.counts[BUY] == BOOK_LEVELS
                and book.counts[SELL] == BOOK_LEVELS and not any(q.executed for q in quotes)):
            tape.settled = True
            sym.book_pending = tape.hook

    # -- levels held back ----------------------------------------------------------

    def _may_hold(self, tape: _Tape, top: Tuple[Decimal, Decimal, Decimal, Decimal]) -> bool:
        """Whether the levels of ``top`` may wait for a look at the book: no stream
        reads the symbol's depth, and the rule rests every level (sizes above zero,
        prices above zero, no order of an account in the way: the book is settled)."""
        wants = self.market.wants
        if wants is None or wants('depthUpdate', tape.name):
            return False
        bid, bid_qty, ask, ask_qty = top
        return bid_qty > 0 and ask_qty > 0 and ask > 0 and bid - tape.offsets[-1] > 0

    @staticmethod
    def _changes(old: Tuple[Decimal, Decimal, Decimal, Decimal],
                 new: Tuple[Decimal, Decimal, Decimal, Decimal], shared_at: Dict[Any, int]
                 ) -> int:
        """The book changes :meth:`_quote` makes going from settled levels around
        ``old`` to those around ``new``: on each side a level that leaves and one that
        rests anew per price not shared, a resize per shared price if the size changed
        (``shared_at``: :attr:`_Tape.shared`)."""
        count = 0
        for index in (0, 2):
            shared = shared_at.get(abs(new[index] - old[index]), 0)
            count += 2 * (BOOK_LEVELS - shared)
            if new[index + 1] != old[index + 1]:
                count += shared
        return count

    def _looked_at(self, tape: _Tape) -> None:
        """The book of a settled tape is read or traded (``sym.book``): bring the levels
        held back in, and stop counting on the book being untouched."""
        with self.market.lock:
            tape.sym.book_pending = None
            tape.settled = False
            if tape.held:
                tape.held = False
                self._bring_in(tape)

    @staticmethod
    def _bring_in(tape: _Tape) -> None:
        """Move the settled levels to those of ``tape.top``, as the rule would have left
        them, without counting changes (the update id counted them already)."""
        book, top = tape.sym.stored_book, tape.top
        if top is None:
            return
        bid, bid_qty, ask, ask_qty = top
        for side, prices, size in (
                (BUY, [bid - offset for offset in tape.offsets], bid_qty),
                (SELL, [ask + offset for offset in tape.offsets], ask_qty)):
            by_price = {quote.price: quote for quote in tape.quotes if quote.side == side}
            free = []
            for price in prices:
                quote = by_price.pop(price, None)
                if quote is None:
                    free.append(price)
                else:
                    book.move_quietly(quote, price, size)
            for quote, price in zip(list(by_price.values()), free):
                book.move_quietly(quote, price, size)
