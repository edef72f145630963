"""Orders that fit the symbol's filters: round, check and format quantities and prices.

Binance refuses an order whose price is not on the symbol's tick
(``PRICE_FILTER``), whose quantity is not a whole number of lot steps
(``LOT_SIZE``, and ``MARKET_LOT_SIZE`` for market orders) or whose value is
below the minimum notional (``NOTIONAL``/``MIN_NOTIONAL``), with ``-1013
Filter failure: <filter>``; a number with more decimals than Binance reads
gets ``-1111``. :class:`SymbolFilters` holds one symbol's filters and does
the arithmetic in :class:`~decimal.Decimal`, so ``0.1 + 0.2`` never becomes
``0.30000000000000004`` and nothing is written with an exponent::

    filters = client.get_symbol_filters('BNBBTC')       # cached exchangeInfo
    client.order_limit_buy(symbol='BNBBTC', **filters.order_params(1.23456789, 0.0012345678))

:class:`SymbolFiltersCache` keeps the symbols of one ``exchangeInfo``
answer and fetches it again when it is older than
:attr:`~SymbolFiltersCache.MAX_AGE` (the client holds one for Spot and one
for USD-M futures). This module does no I/O itself and imports nothing
heavy.

See Binance's "Filters" (spot ``filters.md``; USD-M futures "Exchange
Information").
"""
import threading
import time
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal, \
    InvalidOperation
from typing import Any, Callable, Dict, List, Mapping, Optional, Union

from binance.exceptions import BinanceOrderFilterException

__all__ = ['SymbolFilters', 'SymbolFiltersCache', 'round_to_step', 'to_decimal',
           'format_decimal', 'ROUNDINGS']

Number = Union[Decimal, int, float, str]

#: The ``rounding=`` choices (amounts are never negative): down to the step
#: below, up to the step above, to the nearest step (a half goes up).
ROUNDINGS = {'down': ROUND_FLOOR, 'up': ROUND_CEILING, 'nearest': ROUND_HALF_UP}
_ZERO = Decimal(0)
_MARKETS = ('spot', 'futures')


def to_decimal(value: Any, name: str = 'value') -> Decimal:
    """``value`` as an exact :class:`~decimal.Decimal`.

    A float is taken by its shortest representation (``0.1`` is
    ``Decimal('0.1')``, not ``0.1000000000000000055...``).

    :raises TypeError: for anything but a number or a numeric string (``bool`` included).
    :raises ValueError: for NaN, infinities, negative numbers and non-numeric strings.
    """
    if isinstance(value, bool) or not isinstance(value, (Decimal, int, float, str)):
        raise TypeError('{} must be a number (Decimal, int, float or a numeric str), '
                        'got {}'.format(name, type(value).__name__))
    try:
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    except InvalidOperation:
        raise ValueError('{} must be a number such as \'0.001\', got {!r}'.format(
            name, value)) from None
    if not number.is_finite():
        raise ValueError('{} must be a finite number, got {!r}'.format(name, value))
    if number < 0:
        raise ValueError('{} must not be negative, got {!r}'.format(name, value))
    return number


def format_decimal(value: Number) -> str:
    """A number as Binance reads it: plain digits, no exponent, no trailing zeros.

    >>> format_decimal(Decimal('1E-8')), format_decimal(0.30000000000000004), format_decimal(100)
    ('0.00000001', '0.30000000000000004', '100')
    """
    number = to_decimal(value)
    text = '{:f}'.format(number)
    if '.' in text:
        text = text.rstrip('0').rstrip('.')
    return text or '0'


def round_to_step(value: Number, step: Number, rounding: str = 'down',
                  base: Number = _ZERO) -> Decimal:
    """``value`` rounded to a whole number of ``step`` above ``base``.

    :param step: the tick or lot step; ``0`` means no step (``value`` is returned).
    :param rounding: ``'down'`` (towards zero: never more than you have),
        ``'up'`` or ``'nearest'`` (half up).
    :param base: where the steps start (Binance counts them from ``minPrice``
        / ``minQty``); below it, steps count from zero.
    :returns: a Decimal with the step's decimals, e.g. ``Decimal('1.23')``
        for a step of ``'0.01'``.
    """
    if rounding not in ROUNDINGS:
        raise ValueError('rounding must be one of {}, got {!r}'.format(
            ', '.join(repr(r) for r in ROUNDINGS), rounding))
    number = to_decimal(value)
    step_dec = to_decimal(step, 'step')
    if not step_dec:
        return number
    start = to_decimal(base, 'base')
    if number < start:
        start = _ZERO
    steps = ((number - start) / step_dec).to_integral_value(rounding=ROUNDINGS[rounding])
    result = start + steps * step_dec
    exponent = min(int(step_dec.normalize().as_tuple().exponent),
                   int(start.normalize().as_tuple().exponent), 0)
    return result.quantize(Decimal(1).scaleb(exponent), rounding=ROUND_HALF_EVEN)


def _filters_by_type(filters: Any) -> Dict[str, Mapping[str, Any]]:
    if not isinstance(filters, list):
        raise TypeError('filters must be the list of a symbol\'s exchangeInfo "filters", '
                        'got {}'.format(type(filters).__name__))
    return {f['filterType']: f for f in filters if isinstance(f, Mapping) and 'filterType' in f}


def _field(row: Optional[Mapping[str, Any]], name: str) -> Decimal:
    if row is None or row.get(name) in (None, ''):
        return _ZERO
    return to_decimal(row[name], name)


class SymbolFilters:
    """The trading rules of one symbol, to round, check and format orders.

    :param symbol: e.g. ``'BNBBTC'``.
    :param filters: the symbol's ``filters`` list from ``exchangeInfo``.
    :param market: ``'spot'`` (also margin) or ``'futures'`` (USD-M).

    Usually made by :meth:`binance.client.Client.get_symbol_filters` (or
    ``futures_get_symbol_filters``) from a cached ``exchangeInfo``; or
    :meth:`from_symbol_info` with an entry of your own.

    A value of ``0`` means "no such rule": a ``tick_size`` of 0 disables the
    price step, like Binance's ``tickSize`` of ``"0.00000000"``.

    :ivar tick_size: ``PRICE_FILTER`` ``tickSize``; ``min_price`` / ``max_price`` likewise.
    :ivar step_size: ``LOT_SIZE`` ``stepSize``; ``min_qty`` / ``max_qty`` likewise.
    :ivar market_step_size: ``MARKET_LOT_SIZE`` ``stepSize``; ``market_min_qty`` /
        ``market_max_qty`` likewise (for market orders, on top of ``LOT_SIZE``
        on Spot, instead of it on futures).
    :ivar min_notional: price x quantity at least (``NOTIONAL`` ``minNotional``,
        ``MIN_NOTIONAL`` ``minNotional`` or, futures, ``notional``);
        ``max_notional`` at most (``NOTIONAL`` ``maxNotional``, 0: none).
    :ivar notional_filter: which of ``'NOTIONAL'`` / ``'MIN_NOTIONAL'`` the
        symbol has (``None``: neither).
    """

    def __init__(self, symbol: str, filters: List[Mapping[str, Any]], *,
                 market: str = 'spot') -> None:
        if not isinstance(symbol, str) or not symbol:
            raise TypeError('symbol must be a non-empty str such as \'BNBBTC\', got {!r}'.format(
                symbol))
        if market not in _MARKETS:
            raise ValueError('market must be \'spot\' or \'futures\', got {!r}'.format(market))
        rows = _filters_by_type(filters)
        self.symbol = symbol
        self.market = market
        self.filters = list(filters)
        price, lot, market_lot = rows.get('PRICE_FILTER'), rows.get('LOT_SIZE'), \
            rows.get('MARKET_LOT_SIZE')
        self.tick_size = _field(price, 'tickSize')
        self.min_price = _field(price, 'minPrice')
        self.max_price = _field(price, 'maxPrice')
        self.step_size = _field(lot, 'stepSize')
        self.min_qty = _field(lot, 'minQty')
        self.max_qty = _field(lot, 'maxQty')
        self.market_step_size = _field(market_lot, 'stepSize')
        self.market_min_qty = _field(market_lot, 'minQty')
        self.market_max_qty = _field(market_lot, 'maxQty')
        notional = rows.get('NOTIONAL')
        legacy = rows.get('MIN_NOTIONAL')
        self.notional_filter: Optional[str] = None
        self.min_notional = _ZERO
        self.max_notional = _ZERO
        self._min_notional_for_market = True
        self._max_notional_for_market = False
        if notional is not None:
            self.notional_filter = 'NOTIONAL'
            self.min_notional = _field(notional, 'minNotional')
            self.max_notional = _field(notional, 'maxNotional')
            self._min_notional_for_market = bool(notional.get('applyMinToMarket', True))
            self._max_notional_for_market = bool(notional.get('applyMaxToMarket', False))
        elif legacy is not None:
            self.notional_filter = 'MIN_NOTIONAL'
            self.min_notional = _field(legacy, 'notional' if market == 'futures'
                                       else 'minNotional')
            self._min_notional_for_market = bool(legacy.get('applyToMarket', True))

    @classmethod
    def from_symbol_info(cls, info: Mapping[str, Any], market: str = 'spot') -> 'SymbolFilters':
        """From one entry of ``exchangeInfo['symbols']`` (or ``client.get_symbol_info(...)``)."""
        if not isinstance(info, Mapping) or 'symbol' not in info:
            raise TypeError('info must be an exchangeInfo symbol entry (a dict with '
                            '\'symbol\' and \'filters\'), got {}'.format(type(info).__name__))
        return cls(info['symbol'], list(info.get('filters') or []), market=market)

    def __repr__(self) -> str:
        return '<SymbolFilters {} {} tick={} step={} min_notional={}>'.format(
            self.market, self.symbol, format_decimal(self.tick_size),
            format_decimal(self.step_size), format_decimal(self.min_notional))

    # -- rounding ---------------------------------------------------------------------

    def round_price(self, price: Number, rounding: str = 'nearest') -> Decimal:
        """``price`` on the symbol's tick (``PRICE_FILTER``).

        :param rounding: ``'nearest'`` (default), ``'down'`` (a buy that never
            pays more) or ``'up'`` (a sell that never takes less).
        """
        return round_to_step(price, self.tick_size, rounding, self.min_price)

    def round_quantity(self, quantity: Number, *, market: bool = False,
                       rounding: str = 'down') -> Decimal:
        """``quantity`` in whole lot steps (``LOT_SIZE``; market orders ``MARKET_LOT_SIZE`` too).

        :param market: for a ``MARKET`` order.
        :param rounding: ``'down'`` (default: never more than you meant, or have),
            ``'up'`` or ``'nearest'``.
        """
        value = to_decimal(quantity, 'quantity')
        for step, base in self._lot_steps(market):
            value = round_to_step(value, step, rounding, base)
        return value

    def _lot_steps(self, market: bool) -> List[Any]:
        if not market:
            return [(self.step_size, self.min_qty)]
        if self.market == 'futures':
            return [(self.market_step_size or self.step_size,
                     self.market_min_qty if self.market_step_size else self.min_qty)]
        return [(self.step_size, self.min_qty), (self.market_step_size, self.market_min_qty)]

    def format_price(self, price: Number, rounding: str = 'nearest') -> str:
        """:meth:`round_price`, written as Binance reads it (``'0.001234'``)."""
        return format_decimal(self.round_price(price, rounding))

    def format_quantity(self, quantity: Number, *, market: bool = False,
                        rounding: str = 'down') -> str:
        """:meth:`round_quantity`, written as Binance reads it (``'1.2'``)."""
        return format_decimal(self.round_quantity(quantity, market=market, rounding=rounding))

    # -- checking ---------------------------------------------------------------------

    def check(self, quantity: Number, price: Optional[Number] = None, *,
              market: bool = False) -> None:
        """Raise what Binance would refuse, before sending the order.

        :param quantity: the order's quantity.
        :param price: the limit price; for a market order the price you expect
            (e.g. the last price), used for the notional check only (Spot uses
            the average price of the last minutes); ``None`` skips the checks
            that need a price.
        :param market: a ``MARKET`` order (``MARKET_LOT_SIZE``; notional limits
            only where they apply to market orders).
        :raises BinanceOrderFilterException: naming the filter (``.filter``),
            the value and the symbol's limits.
        """
        qty = to_decimal(quantity, 'quantity')
        if price is not None and not market:
            self._check_price(to_decimal(price, 'price'))
        if not (market and self.market == 'futures' and self.market_step_size):
            self._check_lot('LOT_SIZE', qty, self.min_qty, self.max_qty, self.step_size)
        if market:
            self._check_lot('MARKET_LOT_SIZE', qty, self.market_min_qty, self.market_max_qty,
                            self.market_step_size)
        if price is not None:
            self._check_notional(qty * to_decimal(price, 'price'), market)

    def _fail(self, name: str, text: str) -> BinanceOrderFilterException:
        return BinanceOrderFilterException(name, 'Filter failure: {} ({} {}): {}'.format(
            name, self.market, self.symbol, text))

    def _check_price(self, price: Decimal) -> None:
        if self.min_price and price < self.min_price:
            raise self._fail('PRICE_FILTER', 'price {} is below minPrice {}'.format(
                format_decimal(price), format_decimal(self.min_price)))
        if self.max_price and price > self.max_price:
            raise self._fail('PRICE_FILTER', 'price {} is above maxPrice {}'.format(
                format_decimal(price), format_decimal(self.max_price)))
        if self.tick_size and (price - self.min_price) % self.tick_size:
            raise self._fail('PRICE_FILTER', 'price {} is not on the tick {}; e.g. {}'.format(
                format_decimal(price), format_decimal(self.tick_size),
                self.format_price(price, 'down')))

    def _check_lot(self, name: str, qty: Decimal, low: Decimal, high: Decimal,
                   step: Decimal) -> None:
        if low and qty < low:
            raise self._fail(name, 'quantity {} is below minQty {}'.format(
                format_decimal(qty), format_decimal(low)))
        if high and qty > high:
            raise self._fail(name, 'quantity {} is above maxQty {}'.format(
                format_decimal(qty), format_decimal(high)))
        if step and (qty - low) % step:
            raise self._fail(name, 'quantity {} is not a whole number of steps of {}; '
                                   'e.g. {}'.format(format_decimal(qty), format_decimal(step),
                                                    format_decimal(round_to_step(qty, step,
                                                                                 'down', low))))

    def _check_notional(self, notional: Decimal, market: bool) -> None:
        name = self.notional_filter or 'NOTIONAL'
        if self.min_notional and notional < self.min_notional and \
                (not market or self._min_notional_for_market):
            raise self._fail(name, 'price x quantity = {} is below the minimum notional '
                                   '{}'.format(format_decimal(notional),
                                               format_decimal(self.min_notional)))
        if self.max_notional and notional > self.max_notional and \
                (not market or self._max_notional_for_market):
            raise self._fail(name, 'price x quantity = {} is above the maximum notional '
                                   '{}'.format(format_decimal(notional),
                                               format_decimal(self.max_notional)))

    def order_params(self, quantity: Number, price: Optional[Number] = None, *,
                     market: bool = False, quantity_rounding: str = 'down',
                     price_rounding: str = 'nearest') -> Dict[str, str]:
        """Round, check and format an order's ``quantity`` (and ``price``).

        :returns: ``{'quantity': '1.23', 'price': '0.001235'}`` (no ``price``
            when none was given), ready for ``client.create_order(...,
            **params)``.
        :raises BinanceOrderFilterException: when the rounded order still does
            not fit, e.g. below the minimum notional.
        """
        params = {'quantity': self.format_quantity(quantity, market=market,
                                                   rounding=quantity_rounding)}
        rounded_price: Optional[Decimal] = None
        if price is not None:
            rounded_price = to_decimal(price, 'price') if market else \
                self.round_price(price, price_rounding)
            if not market:
                params['price'] = format_decimal(rounded_price)
        self.check(params['quantity'], rounded_price, market=market)
        return params


class SymbolFiltersCache:
    """The :class:`SymbolFilters` of every symbol of one ``exchangeInfo``, kept for a while.

    :param fetch: returns a fresh ``exchangeInfo`` answer (e.g.
        ``client.get_exchange_info``); called from the thread asking.
    :param market: ``'spot'`` or ``'futures'``.
    :param clock: seconds, monotonic; injectable for tests.

    Thread-safe. Fetches on first use, when the answer is older than
    :attr:`MAX_AGE`, when asked (``refresh=True``) and once for a symbol it
    does not know (a new listing), at most every :attr:`MIN_REFETCH` seconds.
    """

    #: seconds an exchangeInfo answer is used (Binance changes filters rarely, with notice)
    MAX_AGE = 600.0
    #: seconds between fetches caused by symbols the last answer did not have
    MIN_REFETCH = 60.0

    def __init__(self, fetch: Callable[[], Mapping[str, Any]], market: str = 'spot', *,
                 clock: Callable[[], float] = time.monotonic) -> None:
        if market not in _MARKETS:
            raise ValueError('market must be \'spot\' or \'futures\', got {!r}'.format(market))
        self._fetch = fetch
        self.market = market
        self._clock = clock
        self._lock = threading.Lock()
        self._symbols: Dict[str, SymbolFilters] = {}
        self._fetched_at: Optional[float] = None

    def get(self, symbol: str, refresh: bool = False) -> SymbolFilters:
        """The filters of ``symbol`` (e.g. ``'BNBBTC'``).

        :raises ValueError: when exchangeInfo does not list the symbol.
        :raises TypeError: when ``symbol`` is not a str.
        """
        if not isinstance(symbol, str):
            raise TypeError('symbol must be a str such as \'BNBBTC\', got {}'.format(
                type(symbol).__name__))
        with self._lock:
            now = self._clock()
            stale = self._fetched_at is None or now - self._fetched_at >= self.MAX_AGE
            if refresh or stale or (symbol not in self._symbols
                                    and now - (self._fetched_at or 0.0) >= self.MIN_REFETCH):
                self._load(now)
            filters = self._symbols.get(symbol)
        if filters is None:
            hint = ' (symbols are upper case, e.g. \'BNBBTC\')' if symbol != symbol.upper() else ''
            raise ValueError('{} is not a {} symbol of this exchange{}; '
                             'see get_exchange_info()'.format(symbol, self.market, hint))
        return filters

    def refresh(self) -> None:
        """Fetch exchangeInfo now."""
        with self._lock:
            self._load(self._clock())

    def _load(self, now: float) -> None:
        info = self._fetch()
        self._symbols = {entry['symbol']: SymbolFilters.from_symbol_info(entry, self.market)
                         for entry in info.get('symbols', ()) if isinstance(entry, Mapping)}
        self._fetched_at = now
