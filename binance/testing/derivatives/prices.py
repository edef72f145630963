"""Prices of the derivatives engine: contract (last) price, mark and index
price, premium index, funding, and the price klines fapi derives from them.

The simulation's mark price is the mid of the best bid and ask (else the
last trade); the index price is the mark price (one venue, no basis), so the
premium is zero; a replay gives the mark price from its data instead
(:attr:`Prices.mark_source`). Tests pin either price with :meth:`Prices.pin_mark` /
:meth:`Prices.pin_last` (``FuturesMarket.set_mark_price`` /
``set_last_price``): a pinned price is what every reader sees (``premiumIndex``,
``markPriceUpdate``, positions' profit, margin checks, the Algo Service's
triggers) until it is released with ``None``.
"""
from decimal import Decimal
from typing import Any, Callable, Dict, List, Optional, Tuple

from binance.testing.derivatives.contract import (FUNDING_INTERVAL_MS, FUNDING_RATE,
                                                  Contracts)
from binance.testing.market_base import MarketError, fmt, missing, parse_decimal, parse_int

__all__ = ['Prices']

#: ``(best bid, best ask, last trade price)`` of a contract's book.
Quotes = Callable[[str], Tuple[Optional[Decimal], Optional[Decimal], Decimal]]


class Prices:
    """The price readings of one futures market (see the module docs).

    :param contracts: the market's :class:`Contracts`.
    :param quotes: ``quotes(symbol)`` -> best bid, best ask, last price.
    :param price_before: ``price_before(symbol, t_ms)``: the last trade before ``t_ms``.
    :param klines: the contract klines (``GET /fapi/v1/klines``'s rows).
    :param now_ms: the market's clock.
    """

    def __init__(self, contracts: Contracts, quotes: Quotes,
                 price_before: Callable[[str, int], Optional[Decimal]],
                 klines: Callable[..., List[List[Any]]], now_ms: Callable[[], int]) -> None:
        self.contracts = contracts
        self._quotes = quotes
        self._price_before = price_before
        self._klines = klines
        self.now_ms = now_ms
        self._mark_pins: Dict[str, Decimal] = {}
        self._last_pins: Dict[str, Decimal] = {}
        #: ``mark_source(symbol)``: the mark price from elsewhere (a replay's data),
        #: ``None`` for the book's mid; a pin still wins
        self.mark_source: Optional[Callable[[str], Optional[Decimal]]] = None
        #: ``mark_window(symbol, open_ms, close_ms)``: the mark price's open, high,
        #: low and close in that window from elsewhere (a replay's mark-price klines),
        #: ``None`` for the contract's trades (the mark and index klines)
        self.mark_window: Optional[Callable[[str, int, int], Optional[List[str]]]] = None

    # -- readings -----------------------------------------------------------------

    def last(self, symbol: str) -> Decimal:
        """The contract price (``workingType=CONTRACT_PRICE``): the last trade, or its pin."""
        pinned = self._last_pins.get(symbol)
        return pinned if pinned is not None else self._quotes(symbol)[2]

    def mark(self, symbol: str) -> Decimal:
        """The mark price (``workingType=MARK_PRICE``): the book's mid, or its pin."""
        pinned = self._mark_pins.get(symbol)
        if pinned is not None:
            return pinned
        if self.mark_source is not None:
            given = self.mark_source(symbol)
            if given is not None:
                return given
        bid, ask, last = self._quotes(symbol)
        if bid is not None and ask is not None:
            return self.contracts.spec(symbol).quantize_price(float((bid + ask) / 2))
        return last

    def working(self, symbol: str, working_type: str) -> Decimal:
        """The price a ``workingType`` watches."""
        return self.mark(symbol) if working_type == 'MARK_PRICE' else self.last(symbol)

    # -- the test hook ------------------------------------------------------------

    def _pin(self, pins: Dict[str, Decimal], symbol: Any, price: Any) -> str:
        name = self.contracts.spec(symbol).symbol
        if price is None:
            pins.pop(name, None)
        else:
            value = parse_decimal('price', price)
            if value <= 0:
                raise ValueError('a price must be positive, got {!r}'.format(price))
            pins[name] = value
        return name

    def pin_mark(self, symbol: Any, price: Any) -> str:
        """Pin the mark price of ``symbol`` at ``price`` (``None`` releases it)."""
        return self._pin(self._mark_pins, symbol, price)

    def pin_last(self, symbol: Any, price: Any) -> str:
        """Pin the contract price of ``symbol`` at ``price`` (``None`` releases it)."""
        return self._pin(self._last_pins, symbol, price)

    # -- fapi answers -------------------------------------------------------------

    @staticmethod
    def next_funding(now: int) -> int:
        return (now // FUNDING_INTERVAL_MS + 1) * FUNDING_INTERVAL_MS

    def _names(self, symbol: Any) -> List[str]:
        if missing(symbol):
            return list(self.contracts.specs)
        return [self.contracts.spec(symbol).symbol]

    def premium_index(self, symbol: Any = None) -> Any:
        """``GET /fapi/v1/premiumIndex``; the index price is the mark price here."""
        now = self.now_ms()
        rows = []
        for name in self._names(symbol):
            mark = fmt(self.mark(name))
            rows.append({'symbol': name, 'markPrice': mark, 'indexPrice': mark,
                         'estimatedSettlePrice': mark, 'lastFundingRate': fmt(FUNDING_RATE),
                         'interestRate': fmt(FUNDING_RATE),
                         'nextFundingTime': self.next_funding(now), 'time': now})
        return rows[0] if not missing(symbol) else rows

    def mark_price_event(self, symbol: str) -> Dict[str, Any]:
        """The ``<symbol>@markPrice`` stream payload."""
        row = self.premium_index(symbol)
        return {'e': 'markPriceUpdate', 'E': row['time'], 's': symbol, 'p': row['markPrice'],
                'i': row['indexPrice'], 'P': row['estimatedSettlePrice'],
                'r': row['lastFundingRate'], 'T': row['nextFundingTime']}

    def funding_rate(self, symbol: Any = None, startTime: Any = None, endTime: Any = None,
                     limit: Any = None) -> List[Dict[str, Any]]:
        """``GET /fapi/v1/fundingRate``: one entry per 8 hours since listing, oldest first.

        Without ``startTime``/``endTime`` the most recent ``limit`` (default
        100, at most 1000) entries.
        """
        names = self._names(symbol)
        count = 100 if missing(limit) else parse_int('limit', limit, 1)
        if count > 1000:
            raise MarketError(-1130, 'Invalid data sent for a parameter.')
        now = self.now_ms()
        end = now if missing(endTime) else parse_int('endTime', endTime)
        start = None if missing(startTime) else parse_int('startTime', startTime)
        rows: List[Dict[str, Any]] = []
        for name in names:
            spec = self.contracts.spec(name)
            first = max(spec.listed_ms, start or 0)
            t = (first + FUNDING_INTERVAL_MS - 1) // FUNDING_INTERVAL_MS * FUNDING_INTERVAL_MS
            last = min(end, now) // FUNDING_INTERVAL_MS * FUNDING_INTERVAL_MS
            if start is None:
                t = max(t, last - (count - 1) * FUNDING_INTERVAL_MS)
            while t <= last and len(rows) < count * len(names):
                price = self._price_before(name, t) or spec.price
                rows.append({'symbol': name, 'fundingRate': fmt(FUNDING_RATE),
                             'fundingTime': t, 'markPrice': fmt(price)})
                t += FUNDING_INTERVAL_MS
        rows.sort(key=lambda r: r['fundingTime'])
        return rows[:count] if start is not None else rows[-count:]

    def price_klines(self, kind: str, symbol: Any = None, interval: Any = None,
                     startTime: Any = None, endTime: Any = None,
                     limit: Any = None) -> List[List[Any]]:
        """``GET /fapi/v1/markPriceKlines`` (``kind='mark'``), ``indexPriceKlines``
        (``'index'``, by ``pair``) and ``premiumIndexKlines`` (``'premium'``).

        Rows are Binance's twelve fields with the volumes ``"0"`` and the
        count of basic readings in the ninth; the mark and index klines follow
        the contract's trades (the simulation's index is its mark), or
        :attr:`mark_window` when it knows the window; the premium is zero.
        """
        rows = self._klines(symbol, interval, startTime, endTime, limit)
        name = self.contracts.spec(symbol).symbol
        zero = self.contracts.price_str(name, 0) if kind != 'premium' else '0.00000000'
        result = []
        window = self.mark_window if kind != 'premium' else None
        for r in rows:
            span = max(1, (r[6] + 1 - r[0]) // 1000)
            given = window(name, r[0], r[6]) if window is not None else None
            if given is not None:
                values = given
            elif kind == 'premium':
                values = [zero, zero, zero, zero]
            else:
                values = [r[1], r[2], r[3], r[4]]
            result.append([r[0]] + values + ['0', r[6], '0', span // 60 or 1, '0', '0', '0'])
        return result
