"""Contract definitions of the local exchange's derivatives engine.

A :class:`ContractKind` says how one family of contracts settles: which
asset margins it, how a quantity and a price make a notional, and how a
move of the price makes a profit. USD-M perpetuals are :data:`LINEAR`
(``notional = qty * price`` in the quote asset, ``pnl = qty * (exit -
entry)``); COIN-M's inverse contracts are a second kind (``notional = qty *
contract size / price`` in the base asset), written as a new
:class:`ContractKind`, not as a copy of the engine.

:class:`Contracts` holds every listed contract of one market: its
:class:`~binance.testing.market_base.SymbolSpec` (tick, step, listing), the
futures-only rules (minimum notional of futures' ``MIN_NOTIONAL`` filter,
``PERCENT_PRICE`` multipliers, order count limits) and the number formats
fapi writes (``pricePrecision`` / ``quantityPrecision`` decimals).

The constants below are the simulation's one home for USD-M's numbers.
"""
from decimal import Decimal
from typing import Any, Dict, Tuple

from binance.testing.market_base import MarketError, SymbolSpec, check_symbol_text

__all__ = ['ContractKind', 'LinearContract', 'LINEAR', 'Contracts', 'FUTURES_SYMBOLS',
           'DEFAULT_FUTURES_BALANCES']

ZERO = Decimal(0)
#: Contracts of the simulated USD-M market (perpetuals margined in USDT).
FUTURES_SYMBOLS = {
    'BTCUSDT': {'base': 'BTC', 'quote': 'USDT', 'price': '60000', 'tick_size': '0.10',
                'step_size': '0.001', 'min_notional': '100', 'listed': '2019-09-08 00:00'},
    'ETHUSDT': {'base': 'ETH', 'quote': 'USDT', 'price': '3000', 'tick_size': '0.01',
                'step_size': '0.001', 'min_notional': '20', 'listed': '2019-11-27 00:00'},
    'BNBUSDT': {'base': 'BNB', 'quote': 'USDT', 'price': '600', 'tick_size': '0.010',
                'step_size': '0.01', 'min_notional': '5', 'listed': '2020-02-10 00:00'},
}
#: The default account's futures wallet.
DEFAULT_FUTURES_BALANCES = {'USDT': '100000'}
#: Fee rates of the default tier (VIP 0): 0.02 % maker, 0.05 % taker.
MAKER_RATE, TAKER_RATE = Decimal('0.0002'), Decimal('0.0005')
#: The simulation's maintenance margin rate (Binance's first bracket of BTCUSDT is 0.4 %).
MAINT_RATE = Decimal('0.004')
DEFAULT_LEVERAGE = 20
MAX_LEVERAGE = 125
FUNDING_INTERVAL_MS = 8 * 3600 * 1000
#: The simulation's funding rate: Binance's interest-rate baseline (0.01 % per 8 h).
FUNDING_RATE = Decimal('0.00010000')
#: ``PERCENT_PRICE``: a limit price within 5 % of the mark price.
MULTIPLIER_UP, MULTIPLIER_DOWN = Decimal('1.0500'), Decimal('0.9500')
#: ``triggerProtect``: the largest gap between mark and contract price at which
#: a ``priceProtect`` conditional order still triggers.
TRIGGER_PROTECT = Decimal('0.0500')
#: ``MAX_NUM_ORDERS`` and ``MAX_NUM_ALGO_ORDERS`` of every contract.
MAX_NUM_ORDERS, MAX_NUM_ALGO_ORDERS = 200, 10
#: Order types ``POST /fapi/v1/order`` takes; the conditional ones go to the Algo Service.
ORDER_TYPES = ('LIMIT', 'MARKET')
CONDITIONAL_TYPES = ('STOP', 'STOP_MARKET', 'TAKE_PROFIT', 'TAKE_PROFIT_MARKET',
                     'TRAILING_STOP_MARKET')
TIME_IN_FORCES = ('GTC', 'IOC', 'FOK', 'GTX', 'GTD')
RESPONSE_TYPES = ('ACK', 'RESULT')
WORKING_TYPES = ('MARK_PRICE', 'CONTRACT_PRICE')
#: The spot engine under the futures books sees no notional minimum: futures'
#: own ``MIN_NOTIONAL`` (with its reduce-only exemption) is checked first.
_ENGINE_MIN_NOTIONAL = '0.00000001'


class ContractKind:
    """How a family of contracts settles (see the module docs)."""

    #: ``futuresType`` of ``exchangeInfo``.
    futures_type = ''

    def margin_asset(self, spec: SymbolSpec) -> str:
        """The wallet asset that margins a contract and receives its profit and fees."""
        raise NotImplementedError

    def notional(self, qty: Decimal, price: Decimal) -> Decimal:
        """The margin-asset value of ``qty`` contracts at ``price``."""
        raise NotImplementedError

    def pnl(self, signed_qty: Decimal, entry: Decimal, exit_price: Decimal) -> Decimal:
        """Profit of a position of ``signed_qty`` (negative: short) from ``entry`` to ``exit_price``."""
        raise NotImplementedError


class LinearContract(ContractKind):
    """USD-M: quantities in the base asset, margin and profit in USDT."""

    futures_type = 'U_MARGINED'

    def margin_asset(self, spec: SymbolSpec) -> str:
        return spec.quote

    def notional(self, qty: Decimal, price: Decimal) -> Decimal:
        return qty * price

    def pnl(self, signed_qty: Decimal, entry: Decimal, exit_price: Decimal) -> Decimal:
        return signed_qty * (exit_price - entry)


#: USD-M perpetuals.
LINEAR = LinearContract()


def _decimals(step: Decimal) -> int:
    """Decimals of a tick or step size (``Decimal('0.010')`` -> 2)."""
    exponent = Decimal(step).normalize().as_tuple().exponent
    return max(0, -int(exponent))


def _fixed(value: Any, decimals: int) -> str:
    return '{:.{}f}'.format(Decimal(value), decimals)


def plain(value: Decimal) -> str:
    """A filter value as fapi writes it: no trailing zeros (``'0.1'``, ``'1000'``)."""
    return '{:f}'.format(Decimal(value).normalize())


class Contracts:
    """The listed contracts of one market: specs, futures rules and number formats.

    :param symbols: ``{symbol: {base, quote, price, tick_size, step_size,
        min_notional, listed}}`` (``min_notional`` is futures' ``MIN_NOTIONAL``).
    :param kind: the :class:`ContractKind` of every contract here.
    """

    def __init__(self, symbols: Any, kind: ContractKind = LINEAR) -> None:
        if isinstance(symbols, int):
            raise TypeError('FuturesMarket symbols must be a list of names or a dict of '
                            'settings, not a number (symbols=N makes spot symbols)')
        if isinstance(symbols, str):
            raise TypeError('symbols must be a list of names or a dict of settings, not a string')
        if not isinstance(symbols, dict):
            unknown = [name for name in symbols if name not in FUTURES_SYMBOLS]
            if unknown:
                raise ValueError('unknown futures symbol {!r}; give its settings in a dict, or '
                                 'use one of {}'.format(unknown[0], ', '.join(FUTURES_SYMBOLS)))
            symbols = {name: FUTURES_SYMBOLS[name] for name in symbols}
        if not symbols:
            raise ValueError('a market needs at least one symbol')
        self.kind = kind
        self.specs: Dict[str, SymbolSpec] = {}
        self.min_notional: Dict[str, Decimal] = {}
        for name, config in symbols.items():
            spec = SymbolSpec.from_config(name, dict(config))
            self.specs[name] = spec
            self.min_notional[name] = spec.min_notional

    def engine_symbols(self) -> Dict[str, Dict[str, Any]]:
        """The settings the matching engine's books are built from (no notional minimum)."""
        return {name: {'base': s.base, 'quote': s.quote, 'price': str(s.price),
                       'tick_size': str(s.tick_size), 'step_size': str(s.step_size),
                       'min_notional': _ENGINE_MIN_NOTIONAL, 'listed': s.listed_ms,
                       'multiplier_down': '0.0001'}
                for name, s in self.specs.items()}

    def spec(self, symbol: Any) -> SymbolSpec:
        """The spec of a listed contract; -1121 for anything else."""
        spec = self.specs.get(check_symbol_text(symbol))
        if spec is None:
            raise MarketError(-1121, 'Invalid symbol.')
        return spec

    def margin_asset(self, symbol: str) -> str:
        """The wallet asset that margins ``symbol`` (USD-M: its quote asset)."""
        return self.kind.margin_asset(self.spec(symbol))

    def margin_assets(self) -> Tuple[str, ...]:
        """Every margin asset of the listed contracts, sorted."""
        return tuple(sorted({self.kind.margin_asset(spec) for spec in self.specs.values()}))

    def precisions(self, symbol: str) -> Tuple[int, int]:
        """``(pricePrecision, quantityPrecision)``: the decimals of tick and step size."""
        spec = self.spec(symbol)
        return _decimals(spec.tick_size), _decimals(spec.step_size)

    def price_str(self, symbol: str, value: Any) -> str:
        """A price of ``symbol`` with its ``pricePrecision`` decimals."""
        return _fixed(value, self.precisions(symbol)[0])

    def qty_str(self, symbol: str, value: Any) -> str:
        """A quantity of ``symbol`` with its ``quantityPrecision`` decimals."""
        return _fixed(value, self.precisions(symbol)[1])

    def quote_str(self, symbol: str, value: Any) -> str:
        """A quote amount (price x quantity) of ``symbol``: both precisions' decimals."""
        price, qty = self.precisions(symbol)
        return _fixed(value, price + qty)

    def filters(self, symbol: str) -> list:
        """The ``filters`` of the contract's ``exchangeInfo`` entry."""
        spec = self.spec(symbol)
        return [
            {'filterType': 'PRICE_FILTER', 'minPrice': plain(spec.min_price),
             'maxPrice': plain(spec.max_price), 'tickSize': plain(spec.tick_size)},
            {'filterType': 'LOT_SIZE', 'minQty': plain(spec.min_qty),
             'maxQty': plain(spec.max_qty), 'stepSize': plain(spec.step_size)},
            {'filterType': 'MARKET_LOT_SIZE', 'minQty': plain(spec.min_qty),
             'maxQty': plain(spec.max_qty), 'stepSize': plain(spec.step_size)},
            {'filterType': 'MAX_NUM_ORDERS', 'limit': MAX_NUM_ORDERS},
            {'filterType': 'MAX_NUM_ALGO_ORDERS', 'limit': MAX_NUM_ALGO_ORDERS},
            {'filterType': 'MIN_NOTIONAL', 'notional': plain(self.min_notional[symbol])},
            {'filterType': 'PERCENT_PRICE', 'multiplierUp': str(MULTIPLIER_UP),
             'multiplierDown': str(MULTIPLIER_DOWN), 'multiplierDecimal': '4'}]

    def check_price(self, symbol: str, price: Decimal, name: str = 'price') -> None:
        """``PRICE_FILTER`` for a price or trigger price, with fapi's codes."""
        spec = self.spec(symbol)
        if price <= 0:
            raise MarketError(-4001, 'Price less than 0.') if name == 'price' else \
                MarketError(-4006, 'Stop price less than zero.')
        if price < spec.min_price:
            raise MarketError(-4013, 'Price less than min price.')
        if price > spec.max_price:
            raise MarketError(-4002, 'Price greater than max price.') if name == 'price' else \
                MarketError(-4007, 'Stop price greater than max price.')
        if (price - spec.min_price) % spec.tick_size:
            raise MarketError(-4014, 'Price not increased by tick size.')

    def check_qty(self, symbol: str, qty: Decimal) -> None:
        """``LOT_SIZE`` / ``MARKET_LOT_SIZE`` (the same numbers here), with fapi's codes."""
        spec = self.spec(symbol)
        if qty <= 0:
            raise MarketError(-4003, 'Quantity less than zero.')  # Binance's text, also for 0
        if qty < spec.min_qty:
            raise MarketError(-4004, 'Quantity less than min quantity.')
        if qty > spec.max_qty:
            raise MarketError(-4005, 'Quantity greater than max quantity.')
        if (qty - spec.min_qty) % spec.step_size:
            raise MarketError(-4023, 'Qty not increased by step size.')

    def check_notional(self, symbol: str, notional: Decimal) -> None:
        """``MIN_NOTIONAL`` (reduce-only and close-position orders are not checked)."""
        minimum = self.min_notional[symbol]
        if notional < minimum:
            raise MarketError(-4164, "Order's notional must be no smaller than {} (unless you "
                                     "choose reduce only).".format(plain(minimum)))

    def check_percent_price(self, symbol: str, side: str, price: Decimal, mark: Decimal) -> None:
        """``PERCENT_PRICE``: a BUY at most 5 % above the mark, a SELL at most 5 % below.

        The texts are what Binance answers live ("Limit price can't be higher than
        X."); its Error Codes page lists the generic "Price is higher than mark price
        multiplier cap." for the same codes.
        """
        if side == 'BUY' and price > mark * MULTIPLIER_UP:
            raise MarketError(-4016, 'Limit price can\'t be higher than {}.'.format(
                self.price_str(symbol, mark * MULTIPLIER_UP)))
        if side == 'SELL' and price < mark * MULTIPLIER_DOWN:
            raise MarketError(-4024, 'Limit price can\'t be lower than {}.'.format(
                self.price_str(symbol, mark * MULTIPLIER_DOWN)))
