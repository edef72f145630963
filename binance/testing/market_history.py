"""Price history of the local exchange: a synthetic past, a trade log, klines.

* :class:`SyntheticPath` is a deterministic price path for *any* moment since
  a symbol's listing, computed from a hash of ``(seed, symbol, time)`` — so
  paging klines from "1 Dec, 2017" gives the same answer every run without
  storing years of data.
* :class:`TradeLog` holds the trades of a symbol since a few hours before
  the market was created: a generated history (made on first use) followed
  by the trades of the live simulation, the last :data:`TRADE_RETENTION`
  of them (older ones are dropped, so a long run's memory stays bounded).
  It answers trades, aggTrades and range statistics.
* :func:`klines` merges both: klines before the log starts come from the
  path, later ones are aggregated from the trades.
"""
import bisect
import math
import random
from array import array
from decimal import Decimal
from typing import Any, Dict, List, Optional, Tuple

from binance.testing.market_base import (
    ZERO, SymbolSpec, align_open, fmt, next_open, prev_open, quantize_down, round8, unit_hash)

__all__ = ['SyntheticPath', 'TradeLog', 'RangeStats', 'klines']

# (period in ms, amplitude of the log price) of the octaves of the path
_OCTAVES = ((5000, 0.0003), (60000, 0.001), (900000, 0.003), (14400000, 0.012),
            (259200000, 0.05), (7776000000, 0.15), (63072000000, 0.25))
_DAY_MS = 86400000.0
_MASK = (1 << 64) - 1
_UNIT = 1.0 / (1 << 53)
_TRADES_PER_MINUTE = 6.0
#: The most trades a symbol keeps (``TradeLog.retention``): what ``historicalTrades``
#: and ``aggTrades`` can reach; klines and tickers of older times come from the
#: synthetic path. Dropping starts 10% above it, in one slice.
TRADE_RETENTION = 100000
#: Trades a whole market keeps, shared by its symbols (about 100 bytes each).
MARKET_TRADE_BUDGET = 500000
#: The fewest trades a symbol keeps (a tick's trades must stay reachable).
MIN_RETENTION = 1000


def retention_for(symbols: int) -> int:
    """Trades each of ``symbols`` symbols keeps: the market's budget shared out,
    between :data:`MIN_RETENTION` and :data:`TRADE_RETENTION` (5 symbols:
    100,000 each; 300: 1,666; 500 or more: 1,000)."""
    return max(MIN_RETENTION, min(TRADE_RETENTION, MARKET_TRADE_BUDGET // max(1, symbols)))
#: Distinct prices (and quantities) shared per log before the table starts over.
_INTERN_LIMIT = 4096

#: (open, high, low, close, volume, quote volume, trades, taker buy base,
#: taker buy quote, first trade id, last trade id) over a time range.
RangeStats = Tuple[Decimal, Decimal, Decimal, Decimal, Decimal, Decimal, int,
                   Decimal, Decimal, int, int]


class SyntheticPath:
    """A deterministic price path ``price(t)`` and range statistics for the past.

    The log price is a sum of smoothly interpolated hashed noise at several
    time scales (seconds to years), so it looks like a random walk at every
    zoom level and costs a few microseconds per point.
    """

    def __init__(self, spec: SymbolSpec, key: int) -> None:
        self.spec = spec
        self.key = key
        self._log_ref = math.log(float(spec.price))
        self._rate = float(spec.typical_qty) * _TRADES_PER_MINUTE / 60000.0
        self._cached = (None, 0.0)  # the last point computed: klines share their bounds
        self._octaves = [((key ^ (number * 0xC2B2AE3D27D4EB4F)) & _MASK, period, amplitude)
                         for number, (period, amplitude) in enumerate(_OCTAVES)]

    def log_price(self, t_ms: int) -> float:
        """Natural log of the path's price at ``t_ms``."""
        if t_ms == self._cached[0]:
            return self._cached[1]
        total = self._log_ref
        for salt, period, amplitude in self._octaves:
            position = t_ms / period
            cell = math.floor(position)
            frac = position - cell
            values = []
            for lattice in (cell, cell + 1):  # unit_hash, inlined: this is the hot loop
                x = (salt ^ (lattice * 0x9E3779B97F4A7C15)) & _MASK
                x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
                x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _MASK
                values.append(((x ^ (x >> 31)) >> 11) * _UNIT)
            v0, v1 = values
            smooth = frac * frac * (3.0 - 2.0 * frac)
            total += amplitude * (2.0 * (v0 + (v1 - v0) * smooth) - 1.0)
        self._cached = (t_ms, total)
        return total

    def price(self, t_ms: int) -> Decimal:
        """The path's price at ``t_ms``, rounded to the symbol's tick."""
        return self.spec.quantize_price(math.exp(self.log_price(t_ms)))

    def stats(self, start_ms: int, end_ms: int) -> RangeStats:
        """Statistics of the synthetic trading in ``[start_ms, end_ms)``."""
        spec = self.spec
        log_open, log_close = self.log_price(start_ms), self.log_price(end_ms)
        length = max(end_ms - start_ms, 1)
        u_high = unit_hash(self.key, start_ms, length * 3 + 1)
        u_low = unit_hash(self.key, start_ms, length * 3 + 2)
        u_vol = unit_hash(self.key, start_ms, length * 3 + 3)
        sigma = min(0.5, 0.03 * math.sqrt(length / _DAY_MS))
        open_price = spec.quantize_price(math.exp(log_open))
        close_price = spec.quantize_price(math.exp(log_close))
        high = max(open_price, close_price,
                   spec.quantize_price(math.exp(max(log_open, log_close) + sigma * u_high * 0.6)))
        low = min(open_price, close_price,
                  spec.quantize_price(math.exp(min(log_open, log_close) - sigma * u_low * 0.6)))
        volume = quantize_down(Decimal(repr(self._rate * length * (0.5 + u_vol))), spec.step_size)
        average = (open_price + high + low + close_price) / 4
        quote_volume = round8(volume * average)
        count = int(float(volume) / float(spec.typical_qty))
        buy_share = Decimal(repr(round(0.35 + 0.3 * u_high, 4)))
        taker_base = quantize_down(volume * buy_share, spec.step_size)
        taker_quote = round8(taker_base * average)
        return (open_price, high, low, close_price, volume, quote_volume, count,
                taker_base, taker_quote, -1, -1)


class TradeLog:
    """Every trade of one symbol since ``start_ms``, with ids and aggregation.

    :param history_count: number of generated trades before ``end_ms`` (the
        creation of the market); they are generated on first use only, but
        their number is fixed so that live trade ids are known at once.

    Times and aggregate ids are kept in ``array('q')`` and equal prices and
    quantities share one :class:`~decimal.Decimal` each, so a trade costs
    about 100 bytes;
    at most :attr:`retention` trades are kept (the market sets it with
    :func:`retention_for`).
    """

    #: Trades kept (see :func:`retention_for`); set it on a log.
    retention = TRADE_RETENTION

    def __init__(self, spec: SymbolSpec, path: SyntheticPath, rng_seed: str, start_ms: int,
                 end_ms: int, first_trade_id: int, first_agg_id: int,
                 history_count: int, history_aggs: int) -> None:
        self.spec = spec
        self.path = path
        self.start_ms = start_ms
        self._end_ms = end_ms
        self._rng_seed = rng_seed
        self.first_trade_id = first_trade_id
        self.first_agg_id = first_agg_id
        self._history_count = history_count
        self._history_aggs = history_aggs if history_count else 0
        self._loaded = history_count == 0
        # trades (index = id - first_trade_id)
        self.times = array('q')
        self.prices: List[Decimal] = []
        self.qtys: List[Decimal] = []
        self.buyer_maker: List[bool] = []
        # aggregate trades (index = id - first_agg_id): first/last trade id
        self.agg_first = array('q')
        self.agg_last = array('q')
        self.agg_qty: List[Decimal] = []
        self._agg_times = array('q')
        self._prices: Dict[Decimal, Decimal] = {}
        self._qtys: Dict[Decimal, Decimal] = {}
        self._last_agg_key: Any = None
        self.last_price = path.price(end_ms)
        sizes_rng = random.Random(rng_seed + ':sizes')
        #: 64 log-normal multiples of the typical trade size, drawn by index (fast)
        self.sizes = sorted(max(spec.step_size, quantize_down(spec.typical_qty * Decimal(repr(
            round(sizes_rng.lognormvariate(0.0, 0.8), 6))), spec.step_size)) for _ in range(64))
        self.next_trade_id = first_trade_id + history_count
        self.next_agg_id = first_agg_id + self._history_aggs

    # -- history ------------------------------------------------------------

    def ensure_history(self) -> None:
        """Generate the pre-market history on first use (deterministically)."""
        if self._loaded:
            return
        self._loaded = True
        rng = random.Random(self._rng_seed)
        spec = self.spec
        count, groups = self._history_count, self._history_aggs
        span = max(self._end_ms - self.start_ms, groups)
        times = sorted(self.start_ms + rng.randrange(span) for _ in range(groups))
        cuts = sorted(rng.sample(range(1, count), groups - 1)) if groups > 1 else []
        bounds = [0] + cuts + [count]
        log_start = self.path.log_price(self.start_ms)
        log_end = self.path.log_price(self._end_ms)
        walk, walk_points = 0.0, []
        for _ in range(groups):
            walk += rng.gauss(0.0, 0.0008)
            walk_points.append(walk)
        drift = walk / groups if groups else 0.0
        h_times: List[int] = []
        h_prices: List[Decimal] = []
        h_qtys: List[Decimal] = []
        h_maker: List[bool] = []
        a_first: List[int] = []
        a_last: List[int] = []
        a_qty: List[Decimal] = []
        trade_id = self.first_trade_id
        for number in range(groups):
            frac = (times[number] - self.start_ms) / span
            log_price = log_start + (log_end - log_start) * frac \
                + walk_points[number] - drift * (number + 1)
            price = spec.quantize_price(math.exp(log_price))
            if number == groups - 1:
                price = self.path.price(self._end_ms)  # where the live market starts
            maker = rng.random() < 0.5
            total = ZERO
            a_first.append(trade_id)
            sizes = self.sizes
            for _ in range(bounds[number + 1] - bounds[number]):
                qty = sizes[int(rng.random() * 64)]
                h_times.append(times[number])
                h_prices.append(price)
                h_qtys.append(qty)
                h_maker.append(maker)
                total += qty
                trade_id += 1
            a_last.append(trade_id - 1)
            a_qty.append(total)
        self.times[:0] = array('q', h_times)
        self.prices[:0] = h_prices
        self.qtys[:0] = h_qtys
        self.buyer_maker[:0] = h_maker
        self.agg_first[:0] = array('q', a_first)
        self.agg_last[:0] = array('q', a_last)
        self.agg_qty[:0] = a_qty
        self._agg_times[:0] = array('q', [times[n] for n in range(groups)])

    # -- live trades --------------------------------------------------------

    def add(self, price: Decimal, qty: Decimal, time_ms: int, buyer_maker: bool,
            agg_key: Any) -> Tuple[int, int]:
        """Record a trade; trades of one taker order at one price share an aggTrade.

        :returns: ``(trade id, aggTrade id)``.
        """
        trade_id = self.next_trade_id
        self.next_trade_id += 1
        prices, qtys = self._prices, self._qtys
        if len(prices) > _INTERN_LIMIT:
            prices.clear()
        if len(qtys) > _INTERN_LIMIT:
            qtys.clear()
        price = prices.setdefault(price, price)
        qty = qtys.setdefault(qty, qty)
        self.times.append(time_ms)
        self.prices.append(price)
        self.qtys.append(qty)
        self.buyer_maker.append(buyer_maker)
        self.last_price = price
        if agg_key is not None and agg_key == self._last_agg_key \
                and self.agg_last and self.agg_last[-1] == trade_id - 1:
            self.agg_last[-1] = trade_id
            self.agg_qty[-1] += qty
        else:
            self.agg_first.append(trade_id)
            self.agg_last.append(trade_id)
            self.agg_qty.append(qty)
            self._agg_times.append(time_ms)
            self.next_agg_id += 1
        self._last_agg_key = agg_key
        if len(self.times) > self.retention + self.retention // 10:
            self.prune()
        return trade_id, self.next_agg_id - 1

    def prune(self) -> None:
        """Drop the oldest trades beyond :attr:`retention` (whole aggTrades only).

        The log then starts at its first kept trade (:attr:`start_ms`):
        klines and statistics of earlier times come from the synthetic path.
        """
        self.ensure_history()
        keep = max(MIN_RETENTION, int(self.retention))
        extra = len(self.times) - keep
        if extra <= 0:
            return
        # cut where an aggTrade starts, so that every kept aggTrade is whole
        aggs = bisect.bisect_right(self.agg_first, self.first_trade_id + extra) - 1
        if aggs <= 0:
            return
        extra = self.agg_first[aggs] - self.first_trade_id
        for column in (self.times, self.prices, self.qtys, self.buyer_maker):
            del column[:extra]
        for agg_column in (self.agg_first, self.agg_last, self.agg_qty, self._agg_times):
            del agg_column[:aggs]
        self.first_trade_id += extra
        self.first_agg_id += aggs
        self.start_ms = self.times[0]

    def end_aggregation(self) -> None:
        """Close the current aggTrade: the next trade starts a new one."""
        self._last_agg_key = None

    # -- queries ------------------------------------------------------------

    def trade(self, index: int) -> Dict[str, Any]:
        """The REST shape of the trade at list position ``index``."""
        price, qty = self.prices[index], self.qtys[index]
        return {'id': self.first_trade_id + index, 'price': fmt(price), 'qty': fmt(qty),
                'quoteQty': fmt(round8(price * qty)), 'time': self.times[index],
                'isBuyerMaker': self.buyer_maker[index], 'isBestMatch': True}

    def recent(self, limit: int) -> List[Dict[str, Any]]:
        """The last ``limit`` trades, oldest first."""
        self.ensure_history()
        total = len(self.times)
        return [self.trade(i) for i in range(max(0, total - limit), total)]

    def from_id(self, from_id: Optional[int], limit: int) -> List[Dict[str, Any]]:
        """Up to ``limit`` trades from id ``from_id`` on (the last ones without it)."""
        if from_id is None:
            return self.recent(limit)
        self.ensure_history()
        start = max(0, from_id - self.first_trade_id)
        return [self.trade(i) for i in range(start, min(len(self.times), start + limit))]

    def agg(self, index: int) -> Dict[str, Any]:
        """The REST shape of the aggTrade at list position ``index``."""
        first = self.agg_first[index] - self.first_trade_id
        return {'a': self.first_agg_id + index, 'p': fmt(self.prices[first]),
                'q': fmt(self.agg_qty[index]), 'f': self.agg_first[index],
                'l': self.agg_last[index], 'T': self._agg_times[index],
                'm': self.buyer_maker[first], 'M': True}

    def agg_event(self, agg_id: int, event_ms: int) -> Dict[str, Any]:
        """The ``aggTrade`` stream payload of aggTrade ``agg_id``."""
        self.ensure_history()
        payload = {'e': 'aggTrade', 'E': event_ms, 's': self.spec.symbol}
        payload.update(self.agg(agg_id - self.first_agg_id))
        return payload

    def aggs(self, from_id: Optional[int], start_ms: Optional[int], end_ms: Optional[int],
             limit: int) -> List[Dict[str, Any]]:
        """AggTrades by id (``from_id`` on) and/or time (``start_ms``..``end_ms`` inclusive)."""
        self.ensure_history()
        total = len(self.agg_first)
        lo, hi = 0, total
        if from_id is not None:
            lo = max(lo, from_id - self.first_agg_id)
        if start_ms is not None:
            lo = max(lo, bisect.bisect_left(self._agg_times, start_ms))
        if end_ms is not None:
            hi = min(hi, bisect.bisect_right(self._agg_times, end_ms))
        if hi <= lo:
            return []
        if from_id is None and start_ms is None:
            lo = max(lo, hi - limit)
        return [self.agg(i) for i in range(lo, min(hi, lo + limit))]

    def price_before(self, t_ms: int) -> Optional[Decimal]:
        """Price of the last trade before ``t_ms``, ``None`` when there is none."""
        self.ensure_history()
        index = bisect.bisect_left(self.times, t_ms)
        return self.prices[index - 1] if index else None

    def stats(self, start_ms: int, end_ms: int) -> Optional[RangeStats]:
        """Statistics of the trades with ``start_ms <= time <= end_ms``; ``None`` if none."""
        self.ensure_history()
        lo = bisect.bisect_left(self.times, start_ms)
        hi = bisect.bisect_right(self.times, end_ms)
        if hi <= lo:
            return None
        prices, qtys, makers = self.prices, self.qtys, self.buyer_maker
        high = low = prices[lo]
        volume = quote = taker_base = taker_quote = ZERO
        for i in range(lo, hi):
            price, qty = prices[i], qtys[i]
            if price > high:
                high = price
            elif price < low:
                low = price
            value = price * qty
            volume += qty
            quote += value
            if not makers[i]:
                taker_base += qty
                taker_quote += value
        return (prices[lo], high, low, prices[hi - 1], volume, round8(quote), hi - lo,
                taker_base, round8(taker_quote), self.first_trade_id + lo,
                self.first_trade_id + hi - 1)

    def volume_weighted(self, start_ms: int, end_ms: int) -> Optional[Decimal]:
        """Average trade price weighted by quantity in the range, ``None`` if no trade."""
        stats = self.stats(start_ms, end_ms)
        if stats is None or not stats[4]:
            return None
        return stats[5] / stats[4]


def merge(first: Optional[RangeStats], second: Optional[RangeStats]) -> Optional[RangeStats]:
    """Statistics of two consecutive ranges taken together."""
    if first is None:
        return second
    if second is None:
        return first
    return (first[0], max(first[1], second[1]), min(first[2], second[2]), second[3],
            first[4] + second[4], first[5] + second[5], first[6] + second[6],
            first[7] + second[7], first[8] + second[8],
            first[9] if first[9] >= 0 else second[9], second[10])


def range_stats(path: SyntheticPath, log: TradeLog, start_ms: int,
                end_ms: int) -> Tuple[Optional[RangeStats], Optional[Decimal]]:
    """Statistics of ``[start_ms, end_ms]`` from the path before the log and the log after.

    :returns: ``(stats or None, price before the range)``; the second is used
        to draw an empty kline flat at the previous price.
    """
    synthetic = None
    if start_ms < log.start_ms:
        synthetic = path.stats(start_ms, min(end_ms + 1, log.start_ms))
    traded = log.stats(max(start_ms, log.start_ms), end_ms) if end_ms >= log.start_ms else None
    combined = merge(synthetic, traded)
    if combined is not None:
        return combined, None
    before = log.price_before(start_ms)
    if before is None:
        before = path.price(log.start_ms)
    return None, before


def _row(open_ms: int, close_ms: int, stats: Optional[RangeStats],
         before: Optional[Decimal]) -> List[Any]:
    if stats is None:
        flat = fmt(before if before is not None else ZERO)
        return [open_ms, flat, flat, flat, flat, fmt(ZERO), close_ms, fmt(ZERO), 0,
                fmt(ZERO), fmt(ZERO), '0']
    o, h, l, c, v, q, n, tb, tq = stats[:9]
    return [open_ms, fmt(o), fmt(h), fmt(l), fmt(c), fmt(v), close_ms, fmt(q), n,
            fmt(tb), fmt(tq), '0']


def klines(path: SyntheticPath, log: TradeLog, interval: str, start_ms: Optional[int],
           end_ms: Optional[int], limit: int, now_ms: int) -> List[List[Any]]:
    """Klines as ``GET /api/v3/klines`` returns them.

    Klines whose open time is in ``[start_ms, end_ms]`` (both optional), never
    before the symbol's listing or after ``now_ms``: the first ``limit`` from
    ``start_ms`` when it is given, else the last ``limit`` up to ``end_ms``
    (or now). The newest kline is the open one, up to now.
    """
    first_open = align_open(interval, path.spec.listed_ms)
    last_open = align_open(interval, now_ms if end_ms is None else min(end_ms, now_ms))
    opens: List[int] = []
    if start_ms is not None:
        current = max(first_open, align_open(interval, max(start_ms, 0)))
        if current < start_ms:
            current = next_open(interval, current)
        while current <= last_open and len(opens) < limit:
            opens.append(current)
            current = next_open(interval, current)
    else:
        current = last_open
        while current >= first_open and len(opens) < limit:
            opens.append(current)
            current = prev_open(interval, current)
        opens.reverse()
    rows = []
    for open_ms in opens:
        close_ms = next_open(interval, open_ms) - 1
        stats, before = range_stats(path, log, open_ms, min(close_ms, now_ms))
        rows.append(_row(open_ms, close_ms, stats, before))
    return rows
