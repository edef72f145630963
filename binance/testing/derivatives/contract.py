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
from typing import Any, Dict, List, Tuple

from binance.testing.market_base import MarketError, SymbolSpec, check_symbol_text

__all__ = ['ContractKind', 'LinearContract', 'LINEAR', 'InverseContract', 'INVERSE',
           'Contracts', 'FUTURES_SYMBOLS', 'DEFAULT_FUTURES_BALANCES']

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
#: Contracts of the simulated COIN-M market: quantities in contracts of
#: ``contract_size`` USD (Binance's ``contractSize``: 100 for BTCUSD, 10 for
#: the others), margined in the base coin. :func:`coin_futures_symbols` adds
#: the current quarter's BTCUSD delivery contract.
COIN_FUTURES_SYMBOLS: Dict[str, Dict[str, Any]] = {
    'BTCUSD_PERP': {'base': 'BTC', 'quote': 'USD', 'price': '60000', 'tick_size': '0.1',
                    'step_size': '1', 'contract_size': '100', 'listed': '2020-08-11 00:00'},
    'ETHUSD_PERP': {'base': 'ETH', 'quote': 'USD', 'price': '3000', 'tick_size': '0.01',
                    'step_size': '1', 'contract_size': '10', 'listed': '2020-08-14 00:00'},
}
#: The default account's COIN-M wallet (coins).
DEFAULT_COIN_FUTURES_BALANCES = {'BTC': '10', 'ETH': '100'}
#: Settings of a contract that are not the spot engine's: contract size, type, delivery.
_CONTRACT_SETTINGS = ('contract_size', 'contract_type', 'delivery')
#: Far-future ``deliveryDate`` Binance gives perpetuals (2100-12-25 08:00 UTC).
PERPETUAL_DELIVERY = 4133404800000


def quarter_delivery(now_ms: int) -> int:
    """The delivery time (08:00 UTC of the last Friday of the quarter's last month)
    of the current quarter's contract at ``now_ms``: the next one once it has passed."""
    import calendar
    import datetime
    now = datetime.datetime.fromtimestamp(now_ms / 1000.0, datetime.timezone.utc)
    year, month = now.year, (now.month - 1) // 3 * 3 + 3
    for _ in range(2):
        last = calendar.monthrange(year, month)[1]
        day = datetime.datetime(year, month, last, 8, tzinfo=datetime.timezone.utc)
        while day.weekday() != 4:
            day -= datetime.timedelta(days=1)
        if day > now:
            return int(day.timestamp() * 1000)
        year, month = (year + 1, 3) if month == 12 else (year, month + 3)
    raise AssertionError('unreachable')


def coin_futures_symbols(now_ms: int) -> Dict[str, Dict[str, Any]]:
    """:data:`COIN_FUTURES_SYMBOLS` and ``BTCUSD_<yymmdd>``, the current quarter's
    delivery contract at ``now_ms`` (``contractType`` ``CURRENT_QUARTER``)."""
    import datetime
    delivery = quarter_delivery(now_ms)
    day = datetime.datetime.fromtimestamp(delivery / 1000.0, datetime.timezone.utc)
    symbols = {name: dict(config) for name, config in COIN_FUTURES_SYMBOLS.items()}
    symbols['BTCUSD_' + day.strftime('%y%m%d')] = dict(
        COIN_FUTURES_SYMBOLS['BTCUSD_PERP'], contract_type='CURRENT_QUARTER',
        delivery=delivery, listed='2020-07-01 00:00')
    return symbols
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
    """How a family of contracts settles (see the module docs).

    ``size`` is the contract size: 1 for USD-M (a quantity is in the base
    asset), the USD value of one contract for COIN-M (``contractSize``).
    """

    #: ``futuresType`` of ``exchangeInfo``.
    futures_type = ''

    def margin_asset(self, spec: SymbolSpec) -> str:
        """The wallet asset that margins a contract and receives its profit and fees."""
        raise NotImplementedError

    def notional(self, qty: Decimal, price: Decimal, size: Decimal = Decimal(1)) -> Decimal:
        """The margin-asset value of ``qty`` contracts at ``price``."""
        raise NotImplementedError

    def pnl(self, signed_qty: Decimal, entry: Decimal, exit_price: Decimal,
            size: Decimal = Decimal(1)) -> Decimal:
        """Profit of a position of ``signed_qty`` (negative: short) from ``entry`` to ``exit_price``."""
        raise NotImplementedError

    def average_entry(self, amount: Decimal, entry: Decimal, added: Decimal,
                      price: Decimal) -> Decimal:
        """The entry price after adding ``added`` contracts at ``price`` to ``amount`` at ``entry``."""
        raise NotImplementedError

    def liquidation(self, signed_qty: Decimal, entry: Decimal, leverage: int,
                    maint_rate: Decimal) -> Decimal:
        """The price at which an isolated position's margin (``1/leverage`` of its
        notional at entry) plus its profit falls to the maintenance margin."""
        raise NotImplementedError


class LinearContract(ContractKind):
    """USD-M: quantities in the base asset, margin and profit in USDT."""

    futures_type = 'U_MARGINED'

    def margin_asset(self, spec: SymbolSpec) -> str:
        return spec.quote

    def notional(self, qty: Decimal, price: Decimal, size: Decimal = Decimal(1)) -> Decimal:
        return qty * price * size

    def pnl(self, signed_qty: Decimal, entry: Decimal, exit_price: Decimal,
            size: Decimal = Decimal(1)) -> Decimal:
        return signed_qty * size * (exit_price - entry)

    def average_entry(self, amount: Decimal, entry: Decimal, added: Decimal,
                      price: Decimal) -> Decimal:
        return (abs(amount) * entry + abs(added) * price) / (abs(amount) + abs(added))

    def liquidation(self, signed_qty: Decimal, entry: Decimal, leverage: int,
                    maint_rate: Decimal) -> Decimal:
        lev = Decimal(leverage)
        if signed_qty > 0:
            return max(ZERO, entry * (1 - 1 / lev + maint_rate))
        return entry * (1 + 1 / lev - maint_rate)


class InverseContract(ContractKind):
    """COIN-M: quantities in contracts of ``size`` USD; margin, fees and profit in the
    base coin (``notional = qty * size / price``; a long's profit is
    ``qty * size * (1/entry - 1/exit)``, Binance's COIN-M PnL formula)."""

    futures_type = 'COIN_MARGINED'

    def margin_asset(self, spec: SymbolSpec) -> str:
        return spec.base

    def notional(self, qty: Decimal, price: Decimal, size: Decimal = Decimal(1)) -> Decimal:
        return qty * size / price if price else ZERO

    def pnl(self, signed_qty: Decimal, entry: Decimal, exit_price: Decimal,
            size: Decimal = Decimal(1)) -> Decimal:
        if not entry or not exit_price:
            return ZERO
        return signed_qty * size * (1 / entry - 1 / exit_price)

    def average_entry(self, amount: Decimal, entry: Decimal, added: Decimal,
                      price: Decimal) -> Decimal:
        # the harmonic mean: contracts over the coin value they were bought for
        total = abs(amount) + abs(added)
        coins = (abs(amount) / entry if entry else ZERO) + abs(added) / price
        return total / coins

    def liquidation(self, signed_qty: Decimal, entry: Decimal, leverage: int,
                    maint_rate: Decimal) -> Decimal:
        # long: Q*S/(E*L) + Q*S*(1/E - 1/P) = Q*S*m/P  ->  P = E*(1+m)/(1+1/L)
        # short: Q*S/(E*L) + Q*S*(1/P - 1/E) = Q*S*m/P ->  P = E*(1-m)/(1-1/L)
        lev = Decimal(leverage)
        if signed_qty > 0:
            return entry * (1 + maint_rate) / (1 + 1 / lev)
        if lev == 1:
            return ZERO   # a 1x short cannot be liquidated (its margin covers any rise)
        return entry * (1 - maint_rate) / (1 - 1 / lev)


#: USD-M perpetuals.
LINEAR = LinearContract()
#: COIN-M perpetual and delivery contracts.
INVERSE = InverseContract()


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
    :param allow_empty: accept no contracts (a replay lists only the contracts of its files).
    """

    def __init__(self, symbols: Any, kind: ContractKind = LINEAR,
                 allow_empty: bool = False) -> None:
        if isinstance(symbols, int):
            raise TypeError('FuturesMarket symbols must be a list of names or a dict of '
                            'settings, not a number (symbols=N makes spot symbols)')
        if isinstance(symbols, str):
            raise TypeError('symbols must be a list of names or a dict of settings, not a string')
        if not isinstance(symbols, dict):
            table = COIN_FUTURES_SYMBOLS if kind is INVERSE else FUTURES_SYMBOLS
            unknown = [name for name in symbols if name not in table]
            if unknown:
                raise ValueError('unknown futures symbol {!r}; give its settings in a dict, or '
                                 'use one of {}'.format(unknown[0], ', '.join(table)))
            symbols = {name: table[name] for name in symbols}
        if not symbols and not allow_empty:
            raise ValueError('a market needs at least one symbol')
        self.kind = kind
        self.specs: Dict[str, SymbolSpec] = {}
        self.min_notional: Dict[str, Decimal] = {}
        #: ``contractSize`` per symbol (1 for USD-M)
        self.contract_size: Dict[str, Decimal] = {}
        #: ``contractType`` (``PERPETUAL``, ``CURRENT_QUARTER``) and ``deliveryDate``
        self.contract_type: Dict[str, str] = {}
        self.delivery: Dict[str, int] = {}
        #: the quoted asset (``USDT``; ``USD`` for COIN-M) and the ``pair``
        self.quote: Dict[str, str] = {}
        for name, config in symbols.items():
            config = dict(config)
            extra = {key: config.pop(key) for key in _CONTRACT_SETTINGS if key in config}
            self.quote[name] = str(config.get('quote', ''))
            if kind is INVERSE and 'base' in config:
                # the engine's books need symbol == base + quote: BTC + USD_PERP
                config['quote'] = name[len(str(config['base'])):]
            spec = SymbolSpec.from_config(name, config)
            self.specs[name] = spec
            # COIN-M has no MIN_NOTIONAL filter: 0 turns the check off
            self.min_notional[name] = ZERO if kind is INVERSE else spec.min_notional
            self.contract_size[name] = Decimal(str(extra.get('contract_size', 1)))
            self.contract_type[name] = str(extra.get('contract_type', 'PERPETUAL'))
            self.delivery[name] = int(extra.get('delivery', PERPETUAL_DELIVERY))

    def pair(self, symbol: str) -> str:
        """The ``pair`` of a contract (``BTCUSD`` for ``BTCUSD_PERP``)."""
        spec = self.spec(symbol)
        return spec.base + self.quote[spec.symbol]

    def notional(self, symbol: str, qty: Decimal, price: Decimal) -> Decimal:
        """The margin-asset value of ``qty`` contracts of ``symbol`` at ``price``."""
        return self.kind.notional(qty, price, self.contract_size[symbol])

    def pnl(self, symbol: str, signed_qty: Decimal, entry: Decimal,
            exit_price: Decimal) -> Decimal:
        """Profit of ``signed_qty`` contracts of ``symbol`` from ``entry`` to ``exit_price``."""
        return self.kind.pnl(signed_qty, entry, exit_price, self.contract_size[symbol])

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

    def levels_str(self, symbol: str, levels: List[List[Any]]) -> List[List[str]]:
        """Book levels ``[[price, qty, ...], ...]`` of ``symbol`` as ``[[price, qty]]``
        text with its precisions (looked up once for all the levels)."""
        price, qty = self.precisions(symbol)
        return [[_fixed(p, price), _fixed(q, qty)] for p, q, *_ in levels]

    def filters(self, symbol: str) -> list:
        """The ``filters`` of the contract's ``exchangeInfo`` entry."""
        spec = self.spec(symbol)
        filters: List[Dict[str, Any]] = [
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
        if self.kind is INVERSE:   # COIN-M's exchangeInfo has no MIN_NOTIONAL filter
            filters = [f for f in filters if f['filterType'] != 'MIN_NOTIONAL']
        return filters

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
        """``MIN_NOTIONAL`` (reduce-only and close-position orders are not checked;
        COIN-M has no such filter)."""
        minimum = self.min_notional[symbol]
        if minimum and notional < minimum:
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
