"""Building blocks of :class:`binance.testing.market.Market`.

Pure helpers with no state of their own: the :class:`MarketError` carrying
Binance's error codes, decimal parsing and formatting as Binance does it
(strings with 8 decimals), the symbol configuration (:class:`SymbolSpec`,
:data:`DEFAULT_SYMBOLS`) with its ``exchangeInfo`` entry, kline interval
arithmetic, and a seeded hash used to derive deterministic history.
"""
import calendar
import hashlib
import math
import numbers
import re
from datetime import datetime, timezone
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any, Dict, List, Mapping, Optional, Union

from binance.enums import KLINE_INTERVALS
from binance._rate_limits import SPOT_RATE_LIMITS

__all__ = ['MarketError', 'SymbolSpec', 'DEFAULT_SYMBOLS', 'MAX_GENERATED_SYMBOLS',
           'check_symbol_count', 'generated_symbols', 'fmt', 'parse_decimal',
           'parse_int', 'interval_ms', 'align_open', 'next_open', 'prev_open', 'unit_hash']

ZERO = Decimal(0)
ONE = Decimal(1)
SATOSHI = Decimal('0.00000001')
MAX_DECIMALS = 8

_SYMBOL_RE = re.compile(r'^[A-Z0-9\-_.]{1,20}\Z')
_DECIMAL_RE = re.compile(r'^([0-9]{1,20})(\.[0-9]{1,20})?\Z')
_INT_RE = re.compile(r'^-?[0-9]{1,20}\Z')


class MarketError(Exception):
    """A request the exchange refuses, with Binance's error code and message.

    :ivar code: Binance's code, e.g. ``-1121``.
    :ivar msg: Binance's message, e.g. ``"Invalid symbol."``.
    :ivar http_status: the HTTP status the REST server answers with (400, 401, ...).

    >>> MarketError(-1121, 'Invalid symbol.').as_json()
    {'code': -1121, 'msg': 'Invalid symbol.'}
    """

    def __init__(self, code: int, msg: str, http_status: int = 400, data: Any = None) -> None:
        super().__init__(msg)
        self.code = code
        self.msg = msg
        self.http_status = http_status
        #: details some errors carry (``cancelReplace``'s ``cancelResult``...), or ``None``
        self.data = data

    def as_json(self) -> Dict[str, Any]:
        """The error body Binance sends: ``{"code": ..., "msg": ...}`` (and ``"data"`` if any)."""
        body = {'code': self.code, 'msg': self.msg}
        if self.data is not None:
            body['data'] = self.data
        return body

    def __repr__(self) -> str:
        return 'MarketError({}, {!r}, http_status={})'.format(self.code, self.msg, self.http_status)


def mandatory(name: str) -> MarketError:
    """The -1102 error for a missing parameter ``name``."""
    return MarketError(-1102, "Mandatory parameter '{}' was not sent, was empty/null, "
                              "or malformed.".format(name))


def not_required(name: str) -> MarketError:
    """The -1106 error for a parameter that the order type does not take."""
    return MarketError(-1106, "Parameter '{}' sent when not required.".format(name))


def missing(value: Any) -> bool:
    """True for a parameter that was not sent (``None`` or an empty string)."""
    return value is None or (isinstance(value, str) and value == '')


# ---------------------------------------------------------------- numbers


def fmt(value: Decimal) -> str:
    """A decimal as Binance writes it: a string with exactly 8 decimals."""
    return '{:.8f}'.format(value)


def parse_decimal(name: str, value: Any) -> Decimal:
    """A non-negative decimal parameter, parsed and checked as Binance does.

    :raises MarketError: -1100 for anything but a plain non-negative number,
        -1111 for more than 8 decimals.
    """
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, bool):
        number = None
    elif isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, float):
        number = Decimal(repr(value)) if math.isfinite(value) else None
    elif isinstance(value, str) and _DECIMAL_RE.match(value):
        number = Decimal(value)
    else:
        number = None
    if number is None or not number.is_finite() or number < 0:
        raise MarketError(-1100, "Illegal characters found in parameter '{}'; legal range is "
                                 "'^([0-9]{{1,20}})(\\.[0-9]{{1,20}})?$'.".format(name))
    exponent = number.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -MAX_DECIMALS \
            and number != number.quantize(SATOSHI, rounding=ROUND_DOWN):
        raise MarketError(-1111, "Parameter '{}' has too much precision.".format(name))
    return number


def parse_int(name: str, value: Any, minimum: Optional[int] = None,
              maximum: Optional[int] = None) -> int:
    """An integer parameter; -1100 when it is not one, -1130 outside the range."""
    if isinstance(value, bool):
        number = None
    elif isinstance(value, int):
        number = value
    elif isinstance(value, str) and _INT_RE.match(value.strip()):
        number = int(value)
    else:
        number = None
    if number is None:
        raise MarketError(-1100, "Illegal characters found in parameter '{}'; legal range is "
                                 "'^[0-9]{{1,20}}$'.".format(name))
    if (minimum is not None and number < minimum) or (maximum is not None and number > maximum):
        raise MarketError(-1130, 'Invalid data sent for a parameter.')
    return number


def check_symbol_text(value: Any, name: str = 'symbol') -> str:
    """A symbol parameter's text; -1102 when absent, -1100 when malformed."""
    if missing(value):
        raise mandatory(name)
    if not isinstance(value, str) or not _SYMBOL_RE.match(value):
        raise MarketError(-1100, "Illegal characters found in parameter '{}'; legal range is "
                                 "'^[A-Z0-9-_.]{{1,20}}$'.".format(name))
    return value


def quantize_down(value: Decimal, step: Decimal) -> Decimal:
    """``value`` rounded down to a multiple of ``step``."""
    return (value / step).to_integral_value(rounding=ROUND_DOWN) * step


def round8(value: Decimal) -> Decimal:
    """``value`` rounded half-up to 8 decimals (commissions, quote amounts)."""
    return value.quantize(SATOSHI, rounding=ROUND_HALF_UP)


# ---------------------------------------------------------------- hashing

_MASK = (1 << 64) - 1


def _mix(x: int) -> int:
    x = (x + 0x9E3779B97F4A7C15) & _MASK
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _MASK
    return x ^ (x >> 31)


def seed_key(*parts: Any) -> int:
    """A 64-bit key derived from ``parts`` (stable across processes)."""
    digest = hashlib.sha256(':'.join(str(p) for p in parts).encode('utf-8')).digest()
    return int.from_bytes(digest[:8], 'big')


def unit_hash(key: int, a: int, b: int = 0) -> float:
    """A deterministic pseudo-random number in ``[0, 1)`` for ``(key, a, b)``."""
    x = (key ^ (a * 0x9E3779B97F4A7C15) ^ (b * 0xC2B2AE3D27D4EB4F)) & _MASK
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _MASK
    return ((x ^ (x >> 31)) >> 11) * (1.0 / (1 << 53))


# ---------------------------------------------------------------- intervals

_UNIT_MS = {'s': 1000, 'm': 60000, 'h': 3600000, 'd': 86400000, 'w': 604800000}
_WEEK_OFFSET = 4 * 86400000  # 1970-01-05 was a Monday; weekly klines open on Mondays


def interval_ms(interval: str) -> int:
    """Length of a fixed interval in ms (``1M`` counts as 31 days, an upper bound).

    :raises MarketError: -1120 for an unknown interval.
    """
    if interval not in KLINE_INTERVALS:
        raise MarketError(-1120, 'Invalid interval.')
    if interval == '1M':
        return 31 * 86400000
    return int(interval[:-1]) * _UNIT_MS[interval[-1]]


def _month_start(year: int, month: int) -> int:
    return calendar.timegm((year, month, 1, 0, 0, 0)) * 1000


def align_open(interval: str, t_ms: int) -> int:
    """Open time of the ``interval`` kline containing ``t_ms``."""
    if interval == '1M':
        moment = datetime.fromtimestamp(t_ms // 1000, tz=timezone.utc)
        return _month_start(moment.year, moment.month)
    if interval == '1w':
        week = _UNIT_MS['w']
        return (t_ms - _WEEK_OFFSET) // week * week + _WEEK_OFFSET
    size = interval_ms(interval)
    return t_ms - t_ms % size


def next_open(interval: str, open_ms: int) -> int:
    """Open time of the kline after the one opening at ``open_ms``."""
    if interval == '1M':
        moment = datetime.fromtimestamp(open_ms // 1000, tz=timezone.utc)
        year, month = moment.year + moment.month // 12, moment.month % 12 + 1
        return _month_start(year, month)
    return open_ms + interval_ms(interval)


def prev_open(interval: str, open_ms: int) -> int:
    """Open time of the kline before the one opening at ``open_ms``."""
    if interval == '1M':
        moment = datetime.fromtimestamp(open_ms // 1000, tz=timezone.utc)
        year, month = (moment.year - 1, 12) if moment.month == 1 \
            else (moment.year, moment.month - 1)
        return _month_start(year, month)
    return open_ms - interval_ms(interval)


# ---------------------------------------------------------------- symbols

def _ms(date_text: str) -> int:
    return int(datetime.strptime(date_text, '%Y-%m-%d %H:%M').replace(
        tzinfo=timezone.utc).timestamp() * 1000)


#: The symbols a market has unless told otherwise: base and quote asset,
#: a reference price, tick size, step size, minimum notional and listing time.
DEFAULT_SYMBOLS: Dict[str, Dict[str, Any]] = {
    # multiplier_down 0.1: the README's order (a buy at 0.001, BNB's price when
    # the original was written) is accepted on the book at today's ~0.0085
    'BNBBTC': dict(base='BNB', quote='BTC', price='0.0085', tick_size='0.000001',
                   step_size='0.001', min_notional='0.0001', listed='2017-07-14 04:00',
                   multiplier_down='0.1'),
    'ETHBTC': dict(base='ETH', quote='BTC', price='0.035', tick_size='0.00001',
                   step_size='0.0001', min_notional='0.0001', listed='2017-07-14 04:00'),
    'BTCUSDT': dict(base='BTC', quote='USDT', price='65000', tick_size='0.01',
                    step_size='0.00001', min_notional='5', listed='2017-08-17 04:00'),
    'NEOBTC': dict(base='NEO', quote='BTC', price='0.00012', tick_size='0.0000001',
                   step_size='0.01', min_notional='0.0001', listed='2017-07-14 04:00'),
    'LTCBTC': dict(base='LTC', quote='BTC', price='0.0013', tick_size='0.000001',
                   step_size='0.001', min_notional='0.0001', listed='2017-07-14 04:00'),
}

_ORDER_TYPES = ['LIMIT', 'LIMIT_MAKER', 'MARKET', 'STOP_LOSS', 'STOP_LOSS_LIMIT',
                'TAKE_PROFIT', 'TAKE_PROFIT_LIMIT']
_DEFAULT_TRADE_VALUE = {'BTC': Decimal('0.01'), 'USDT': Decimal('300'), 'BUSD': Decimal('300'),
                        'USDC': Decimal('300'), 'ETH': Decimal('0.2'), 'BNB': Decimal('0.5')}


def _dec(value: Any, what: str) -> Decimal:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ValueError('{} must be a number, got {!r}'.format(what, value)) from None
    if not number.is_finite() or number <= 0:
        raise ValueError('{} must be a positive number, got {!r}'.format(what, value))
    return number


#: ``PERCENT_PRICE_BY_SIDE`` multipliers (bid and ask alike) unless a symbol sets its own.
PRICE_MULTIPLIER_UP = Decimal(5)
PRICE_MULTIPLIER_DOWN = Decimal('0.2')


class SymbolSpec:
    """The static description of one symbol, and its ``exchangeInfo`` entry.

    :param symbol: e.g. ``'BNBBTC'``.
    :param base: base asset, e.g. ``'BNB'``; :param quote: quote asset.
    :param price: a reference price the simulation starts around.
    :param tick_size: price step (``PRICE_FILTER``); :param step_size: quantity
        step (``LOT_SIZE``); :param min_notional: ``NOTIONAL`` minimum.
    :param listed: listing time, ``'YYYY-MM-DD HH:MM'`` (UTC) or ms; klines start there.
    :param multiplier_down: ``PERCENT_PRICE_BY_SIDE``'s ``bidMultiplierDown`` and
        ``askMultiplierDown``: the lowest limit price as a fraction of the
        average price (Binance sets it per symbol; ``0.2`` is common).
    """

    def __init__(self, symbol: str, base: str, quote: str, price: Any, tick_size: Any,
                 step_size: Any, min_notional: Any = '0.0001',
                 listed: Union[str, int] = '2017-07-14 04:00',
                 multiplier_down: Any = PRICE_MULTIPLIER_DOWN) -> None:
        if not isinstance(symbol, str) or not _SYMBOL_RE.match(symbol):
            raise ValueError('symbol must be upper-case letters and digits, got {!r}'
                             .format(symbol))
        if symbol != base + quote:
            raise ValueError('symbol {!r} must be base + quote ({!r} + {!r})'.format(
                symbol, base, quote))
        self.symbol = symbol
        self.base = base
        self.quote = quote
        self.price = _dec(price, symbol + ' price')
        self.tick_size = _dec(tick_size, symbol + ' tick_size')
        self.step_size = _dec(step_size, symbol + ' step_size')
        self.min_notional = _dec(min_notional, symbol + ' min_notional')
        self.multiplier_down = _dec(multiplier_down, symbol + ' multiplier_down')
        self.listed_ms = listed if isinstance(listed, int) else _ms(listed)
        self.min_price = self.tick_size
        self.max_price = Decimal(1000000)
        self.min_qty = self.step_size
        self.max_qty = Decimal(9000000)
        value = _DEFAULT_TRADE_VALUE.get(quote, self.min_notional * 20)
        typical = quantize_down(value / self.price, self.step_size)
        self.typical_qty = max(typical, self.step_size)

    @classmethod
    def from_config(cls, symbol: str, config: Mapping[str, Any]) -> 'SymbolSpec':
        """Build from a ``DEFAULT_SYMBOLS``-style dict (``base``, ``quote``, ``price`` ...)."""
        known = {'base', 'quote', 'price', 'tick_size', 'step_size', 'min_notional', 'listed',
                 'multiplier_down'}
        unknown = set(config) - known
        if unknown:
            raise ValueError('unknown symbol settings {} for {}; valid: {}'.format(
                sorted(unknown), symbol, ', '.join(sorted(known))))
        for name in ('base', 'quote', 'price', 'tick_size', 'step_size'):
            if name not in config:
                raise ValueError('symbol {} needs {!r}'.format(symbol, name))
        return cls(symbol, **config)

    def quantize_price(self, value: float) -> Decimal:
        """A float price rounded to the nearest tick (at least one tick)."""
        ticks = max(1, int(round(value / float(self.tick_size))))
        return ticks * self.tick_size

    def exchange_info(self) -> Dict[str, Any]:
        """The symbol's entry of ``GET /api/v3/exchangeInfo``."""
        return {
            'symbol': self.symbol, 'status': 'TRADING',
            'baseAsset': self.base, 'baseAssetPrecision': 8,
            'quoteAsset': self.quote, 'quotePrecision': 8, 'quoteAssetPrecision': 8,
            'baseCommissionPrecision': 8, 'quoteCommissionPrecision': 8,
            'orderTypes': list(_ORDER_TYPES),
            'icebergAllowed': True, 'ocoAllowed': True, 'otoAllowed': True,
            'opoAllowed': True, 'quoteOrderQtyMarketAllowed': True, 'allowTrailingStop': False,
            'cancelReplaceAllowed': True, 'amendAllowed': True,
            'pegInstructionsAllowed': False, 'isSpotTradingAllowed': True,
            'isMarginTradingAllowed': False,
            'filters': self.filters(),
            'permissions': [], 'permissionSets': [['SPOT']],
            'defaultSelfTradePreventionMode': 'NONE',
            'allowedSelfTradePreventionModes': ['NONE'],
        }

    def filters(self) -> List[Dict[str, Any]]:
        """The symbol's filters, with the values the matching engine enforces."""
        return [
            {'filterType': 'PRICE_FILTER', 'minPrice': fmt(self.min_price),
             'maxPrice': fmt(self.max_price), 'tickSize': fmt(self.tick_size)},
            {'filterType': 'LOT_SIZE', 'minQty': fmt(self.min_qty),
             'maxQty': fmt(self.max_qty), 'stepSize': fmt(self.step_size)},
            {'filterType': 'ICEBERG_PARTS', 'limit': 10},
            {'filterType': 'MARKET_LOT_SIZE', 'minQty': fmt(ZERO),
             'maxQty': fmt(self.max_qty), 'stepSize': fmt(ZERO)},
            {'filterType': 'PERCENT_PRICE_BY_SIDE', 'bidMultiplierUp': str(PRICE_MULTIPLIER_UP),
             'bidMultiplierDown': str(self.multiplier_down),
             'askMultiplierUp': str(PRICE_MULTIPLIER_UP),
             'askMultiplierDown': str(self.multiplier_down), 'avgPriceMins': 5},
            {'filterType': 'NOTIONAL', 'minNotional': fmt(self.min_notional),
             'applyMinToMarket': True, 'maxNotional': '9000000.00000000',
             'applyMaxToMarket': False, 'avgPriceMins': 5},
            {'filterType': 'MAX_NUM_ORDERS', 'maxNumOrders': MAX_NUM_ORDERS},
            {'filterType': 'MAX_NUM_ORDER_LISTS', 'maxNumOrderLists': MAX_NUM_ORDER_LISTS},
            {'filterType': 'MAX_NUM_ALGO_ORDERS', 'maxNumAlgoOrders': MAX_NUM_ALGO_ORDERS},
            {'filterType': 'MAX_NUM_ORDER_AMENDS', 'maxNumOrderAmends': MAX_NUM_ORDER_AMENDS},
        ]


#: Spot's ``rateLimits`` (one home: :mod:`binance._rate_limits`).
RATE_LIMITS = SPOT_RATE_LIMITS

#: Percent-price and order-count limits, as in :meth:`SymbolSpec.filters`.
MAX_NUM_ORDERS = 200
MAX_NUM_ALGO_ORDERS = 5
#: Open order lists per account and symbol; amendments per order.
MAX_NUM_ORDER_LISTS = 20
MAX_NUM_ORDER_AMENDS = 10


#: The most symbols ``symbols=N`` makes (Binance lists a few thousand).
MAX_GENERATED_SYMBOLS = 5000


def check_symbol_count(count: Any) -> None:
    """Refuse a ``symbols=N`` that is not an int from 1 to :data:`MAX_GENERATED_SYMBOLS`."""
    if isinstance(count, bool) or not isinstance(count, int):
        raise TypeError('symbols must be a number of symbols (int), a list of names or a dict '
                        'of settings, not {!r}'.format(count))
    if not 1 <= count <= MAX_GENERATED_SYMBOLS:
        raise ValueError('symbols must be between 1 and {} symbols, got {}'.format(
            MAX_GENERATED_SYMBOLS, count))


def generated_symbols(count: int) -> Dict[str, Dict[str, Any]]:
    """Settings of ``count`` symbols: the :data:`DEFAULT_SYMBOLS` first, then
    ``SIM0001USDT``, ``SIM0002USDT`` ... with prices spread from 0.001 to 1000
    USDT and Binance-like tick and lot steps (the same for every seed).

    :raises TypeError: for a non-int; :raises ValueError: outside
        1 .. :data:`MAX_GENERATED_SYMBOLS`.
    """
    check_symbol_count(count)
    settings = dict(list(DEFAULT_SYMBOLS.items())[:count])
    for i in range(1, count - len(settings) + 1):
        price = Decimal(10) ** Decimal(-3 + 6 * unit_hash(0x53494D, i))
        exponent = price.adjusted()               # 10 ** exponent <= price < 10 ** (exponent + 1)
        units = (Decimal(300) / price).adjusted()  # a typical trade is worth about 300 USDT
        settings['SIM{:04d}USDT'.format(i)] = dict(
            base='SIM{:04d}'.format(i), quote='USDT',
            price=format(price.quantize(Decimal(10) ** (exponent - 3)), 'f'),
            tick_size=format(Decimal(10) ** (exponent - 4), 'f'),
            step_size=format(Decimal(10) ** min(0, units - 3), 'f'),
            min_notional='5', listed='2021-01-04 00:00')
    return settings


def build_specs(symbols: Any, allow_empty: bool = False) -> Dict[str, SymbolSpec]:
    """Symbol specs from ``None`` (the defaults), a number of symbols
    (:func:`generated_symbols`), names of default symbols, or a mapping.

    :param allow_empty: accept no symbols (a replay of USD-M files only has no spot ones).
    :raises ValueError: for an unknown default name or a bad setting.
    """
    if symbols is None:
        symbols = DEFAULT_SYMBOLS
    if isinstance(symbols, numbers.Number):
        symbols = generated_symbols(symbols)   # an int, else the TypeError that names the forms
    if isinstance(symbols, str):
        raise TypeError('symbols must be a list of names or a dict of settings, not a string')
    if isinstance(symbols, Mapping):
        items = list(symbols.items())
    else:
        items = []
        for name in symbols:
            if name not in DEFAULT_SYMBOLS:
                raise ValueError('unknown symbol {!r}; give its settings in a dict, or use one '
                                 'of {}'.format(name, ', '.join(DEFAULT_SYMBOLS)))
            items.append((name, DEFAULT_SYMBOLS[name]))
    if not items and not allow_empty:
        raise ValueError('a market needs at least one symbol')
    return {name: SymbolSpec.from_config(name, dict(config)) for name, config in items}
