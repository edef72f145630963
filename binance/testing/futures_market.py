"""The USD-M futures side of the local exchange: :class:`FuturesMarket`.

A :class:`FuturesMarket` is a :class:`~binance.testing.market.Market` (same
simulated traders, books, trade history, klines and matching) over perpetual
contracts, with USD-M's accounting on top: a USDT wallet per account,
leverage and margin type per symbol, one-way (``BOTH``) or hedge
(``LONG``/``SHORT``) positions, initial-margin checks, realized profit and
fees, mark price and funding. The matching engine works on an internal spot
account per API key that has no balance limits; every fill of it is booked
here and published as Binance's futures user events:

* ``('user', API_KEY, {'e': 'ORDER_TRADE_UPDATE', 'E', 'T', 'o': {...}})``
* ``('user', API_KEY, {'e': 'ACCOUNT_UPDATE', 'E', 'T', 'a': {'m': 'ORDER', 'B': [...], 'P': [...]}})``
and :meth:`FuturesMarket.mark_price_event` builds the ``markPriceUpdate``
payload the stream server sends on its timer. The book's ``depthUpdate`` events carry futures' ``T`` and ``pu``
(previous ``u``) fields. Everything else (``trade``, ``aggTrade``, listen
keys) is the spot market's. Answers follow Binance's "Derivatives Trading
USDⓈ-M Futures" REST docs, numbers included: prices carry the contract's
``pricePrecision`` decimals, quantities its ``quantityPrecision`` (spot's
fixed 8 decimals stay for mark prices, rates and wallet amounts); where the simulation simplifies (liquidation price,
maintenance margin, one funding rate), the method says so.

Everything here runs on the reactor thread, like the spot market.
"""
import time
from decimal import Decimal
from typing import Any, Callable, Dict, List, Mapping, Optional, Tuple

from binance.testing.futures_account import FuturesAccountMixin
from binance.testing.futures_trading import FuturesTradingMixin
from binance.testing.market import Market, _holding_the_lock
from binance.testing.market_base import MarketError, fmt, missing, parse_decimal, parse_int

__all__ = ['FuturesMarket', 'FUTURES_SYMBOLS', 'DEFAULT_FUTURES_BALANCES']

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
_HUGE = '1000000000'
_FUTURES_TYPES = {  # futures order type -> the matching engine's type
    'LIMIT': 'LIMIT', 'MARKET': 'MARKET', 'STOP': 'STOP_LOSS_LIMIT',
    'STOP_MARKET': 'STOP_LOSS', 'TAKE_PROFIT': 'TAKE_PROFIT_LIMIT',
    'TAKE_PROFIT_MARKET': 'TAKE_PROFIT'}
_TIFS = ('GTC', 'IOC', 'FOK', 'GTX', 'GTD')
_RESP_TYPES = ('ACK', 'RESULT')


class _Position:
    __slots__ = ('amount', 'entry', 'realized', 'isolated_wallet', 'update_time')

    def __init__(self) -> None:
        self.amount = ZERO
        self.entry = ZERO
        self.realized = ZERO
        self.isolated_wallet = ZERO
        self.update_time = 0


class _FuturesAccount:
    def __init__(self, api_key: str, wallet: Dict[str, Decimal], now: int) -> None:
        self.api_key = api_key
        self.wallet = wallet
        self.leverage: Dict[str, int] = {}
        self.margin_type: Dict[str, str] = {}
        self.dual = False
        self.positions: Dict[Tuple[str, str], _Position] = {}
        self.orders: Dict[int, Dict[str, Any]] = {}  # orderId -> futures fields
        self.trades: List[Dict[str, Any]] = []
        self.income: List[Dict[str, Any]] = []
        self.margin_history: List[Dict[str, Any]] = []
        self.update_time = now

    def position(self, symbol: str, side: str) -> _Position:
        return self.positions.setdefault((symbol, side), _Position())


def _decimals(step: Decimal) -> int:
    """Decimals of a tick or step size (``Decimal('0.010')`` -> 2)."""
    exponent = Decimal(step).normalize().as_tuple().exponent
    return max(0, -int(exponent))


def _fixed(value: Any, decimals: int) -> str:
    """``value`` (a decimal or its string) with exactly ``decimals`` decimals."""
    return '{:.{}f}'.format(Decimal(value), decimals)


def _plain(value: Decimal) -> str:
    """A filter value as fapi writes it: no trailing zeros (``'0.1'``, ``'1000'``)."""
    text = '{:f}'.format(Decimal(value).normalize())
    return text


@_holding_the_lock
class FuturesMarket(FuturesTradingMixin, FuturesAccountMixin, Market):
    """A deterministic simulated USD-M futures market (see the module docs).

    :param seed: seeds the simulation (a different market from the spot one of the same seed).
    :param symbols: as for :class:`~binance.testing.market.Market`; default
        :data:`FUTURES_SYMBOLS`.
    :param clock: callable returning seconds.
    """

    def __init__(self, seed: Any = 0, symbols: Any = None,
                 clock: Callable[[], float] = time.time, history: float = 4 * 3600.0) -> None:
        if isinstance(symbols, int):
            raise TypeError('FuturesMarket symbols must be a list of names or a dict of '
                            'settings, not a number (symbols=N makes spot symbols)')
        super().__init__('{}:futures'.format(seed), FUTURES_SYMBOLS if symbols is None else symbols,
                         clock=clock, history=history)
        self._outer: List[Callable[[str, str, Dict[str, Any]], Any]] = []
        self._futures: Dict[str, _FuturesAccount] = {}
        self._last_u: Dict[str, int] = {}
        self._fill_trade_id = 1
        #: set once a futures request or stream connection arrived; the local
        #: exchange's ticker steps this market only from then on
        self.active = False
        super().add_listener(self._translate)

    # -- listeners: futures events instead of the engine's spot user events ------

    def add_listener(self, fn: Callable[[str, str, Dict[str, Any]], Any]) -> None:
        """Call ``fn(kind, key, payload)`` for every futures event (see the module docs)."""
        if not callable(fn):
            raise TypeError('listener must be callable as fn(kind, key, payload)')
        self._outer.append(fn)

    def remove_listener(self, fn: Callable[[str, str, Dict[str, Any]], Any]) -> None:
        """Stop calling ``fn``; unknown listeners are ignored."""
        if fn in self._outer:
            self._outer.remove(fn)

    def _publish(self, kind: str, key: str, payload: Any) -> None:
        for listener in list(self._outer):
            try:
                listener(kind, key, payload)
            except Exception:  # same isolation as the spot market
                import logging
                logging.getLogger(__name__).exception('a futures listener failed on %s', kind)

    def _translate(self, kind: str, key: str, payload: Dict[str, Any]) -> None:
        if kind == 'user':
            if payload.get('e') == 'executionReport' and key in self._futures:
                self._on_execution(self._futures[key], payload)
            return  # the engine's balance events are not futures events
        if kind == 'depthUpdate':
            payload = dict(payload, T=payload['E'], pu=payload['U'] - 1)
            self._last_u[key] = payload['u']
            payload = {k: payload[k] for k in ('e', 'E', 'T', 's', 'U', 'u', 'pu', 'b', 'a')}
            payload['b'] = self._levels(key, payload['b'])
            payload['a'] = self._levels(key, payload['a'])
        elif kind == 'aggTrade':
            payload = {k: v for k, v in payload.items() if k != 'M'}
            payload.update(p=self.price_str(key, payload['p']), q=self.qty_str(key, payload['q']))
        self._publish(kind, key, payload)

    # -- accounts ---------------------------------------------------------------

    def add_account(self, api_key: str, api_secret: Optional[str] = None,
                    balances: Optional[Mapping[str, Any]] = None, *,
                    public_key: Any = None) -> None:
        """Create (or reset the wallet of) a futures account.

        :param balances: the futures wallet, ``{asset: amount}`` (default
            :data:`DEFAULT_FUTURES_BALANCES`).
        """
        assets = {a for name in self.symbols for a in (self._symbol(name).spec.base,
                                                        self._symbol(name).spec.quote)}
        super().add_account(api_key, api_secret, {asset: _HUGE for asset in assets},
                            public_key=public_key)
        wallet = {asset: parse_decimal('balance', amount) for asset, amount in
                  (DEFAULT_FUTURES_BALANCES if balances is None else balances).items()}
        account = self._futures.get(api_key)
        if account is None:
            self._futures[api_key] = _FuturesAccount(api_key, wallet, self.now_ms())
        else:
            account.wallet = wallet

    def _faccount(self, api_key: Any) -> _FuturesAccount:
        account = self._futures.get(api_key) if isinstance(api_key, str) else None
        if account is None:
            raise MarketError(-2015, 'Invalid API-key, IP, or permissions for action.', 401)
        return account

    # -- prices -------------------------------------------------------------------

    def mark_price_dec(self, symbol: str) -> Decimal:
        """The simulation's mark price: the mid of the best bid and ask (else the last trade)."""
        sym = self._symbol(symbol)
        bid, ask = sym.book.best('BUY'), sym.book.best('SELL')
        if bid is not None and ask is not None:
            return sym.spec.quantize_price(float((bid + ask) / 2))
        return sym.log.last_price

    def _next_funding(self, now: int) -> int:
        return (now // FUNDING_INTERVAL_MS + 1) * FUNDING_INTERVAL_MS

    def premium_index(self, symbol: Any = None) -> Any:
        """``GET /fapi/v1/premiumIndex``; the index price is the mark price here."""
        names = [self._symbol(symbol).spec.symbol] if not missing(symbol) else self.symbols
        now = self.now_ms()
        rows = []
        for name in names:
            mark = fmt(self.mark_price_dec(name))
            rows.append({'symbol': name, 'markPrice': mark, 'indexPrice': mark,
                         'estimatedSettlePrice': mark, 'lastFundingRate': fmt(FUNDING_RATE),
                         'interestRate': fmt(FUNDING_RATE),
                         'nextFundingTime': self._next_funding(now), 'time': now})
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
        names = [self._symbol(symbol).spec.symbol] if not missing(symbol) else self.symbols
        count = 100 if missing(limit) else parse_int('limit', limit, 1)
        if count > 1000:
            raise MarketError(-1130, 'Invalid data sent for a parameter.')
        now = self.now_ms()
        end = now if missing(endTime) else parse_int('endTime', endTime)
        start = None if missing(startTime) else parse_int('startTime', startTime)
        rows: List[Dict[str, Any]] = []
        for name in names:
            sym = self._symbol(name)
            first = max(sym.spec.listed_ms, start or 0)
            t = (first + FUNDING_INTERVAL_MS - 1) // FUNDING_INTERVAL_MS * FUNDING_INTERVAL_MS
            last = min(end, now) // FUNDING_INTERVAL_MS * FUNDING_INTERVAL_MS
            if start is None:
                t = max(t, last - (count - 1) * FUNDING_INTERVAL_MS)
            while t <= last and len(rows) < count * len(names):
                price = sym.log.price_before(t) or sym.spec.price
                rows.append({'symbol': name, 'fundingRate': fmt(FUNDING_RATE),
                             'fundingTime': t, 'markPrice': fmt(price)})
                t += FUNDING_INTERVAL_MS
        rows.sort(key=lambda r: r['fundingTime'])
        return rows[:count] if start is not None else rows[-count:]

    def open_interest(self, symbol: Any = None) -> Dict[str, Any]:
        """``GET /fapi/v1/openInterest``: the accounts' long positions in the simulation."""
        name = self._symbol(symbol).spec.symbol
        total = sum((p.amount for acc in self._futures.values()
                     for (s, _), p in acc.positions.items() if s == name and p.amount > 0), ZERO)
        return {'openInterest': fmt(total), 'symbol': name, 'time': self.now_ms()}

    def open_interest_hist(self, symbol: Any = None, period: Any = None, limit: Any = None,
                           startTime: Any = None, endTime: Any = None) -> List[Dict[str, Any]]:
        """``GET /futures/data/openInterestHist``: the current open interest for each
        of the last ``limit`` periods (default 30, at most 500; the simulation
        keeps no history of it)."""
        from binance.testing.market_base import interval_ms
        name = self._symbol(symbol).spec.symbol
        periods = ('5m', '15m', '30m', '1h', '2h', '4h', '6h', '12h', '1d')
        if period not in periods:
            raise MarketError(-1130, 'Invalid data sent for a parameter.')
        count = 30 if missing(limit) else parse_int('limit', limit, 1)
        if count > 500:
            raise MarketError(-1130, 'Invalid data sent for a parameter.')
        step = interval_ms(period)
        end = self.now_ms() if missing(endTime) else parse_int('endTime', endTime)
        last = end // step * step
        amount = Decimal(self.open_interest(name)['openInterest'])
        value = fmt(amount * self.mark_price_dec(name))
        rows: List[Dict[str, Any]] = [
            {'symbol': name, 'sumOpenInterest': fmt(amount), 'sumOpenInterestValue': value,
             'timestamp': last - i * step} for i in range(count)][::-1]
        if not missing(startTime):
            rows = [r for r in rows if r['timestamp'] >= parse_int('startTime', startTime)]
        return rows

    # -- market data shapes -------------------------------------------------------

    # -- numbers as fapi writes them: each contract's pricePrecision / quantityPrecision --

    def precisions(self, symbol: str) -> Tuple[int, int]:
        """``(pricePrecision, quantityPrecision)`` of a contract: the decimals of
        its tick and step sizes, which fapi uses for prices and quantities."""
        spec = self._symbol(symbol).spec
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

    def _levels(self, symbol: str, levels: List[List[Any]]) -> List[List[str]]:
        return [[self.price_str(symbol, p), self.qty_str(symbol, q)] for p, q, *_ in levels]

    def depth(self, symbol: Any = None, limit: Any = 100) -> Dict[str, Any]:
        book = super().depth(symbol, limit)
        name = self._symbol(symbol).spec.symbol
        return dict(book, bids=self._levels(name, book['bids']),
                    asks=self._levels(name, book['asks']))

    def _trade_rows(self, symbol: Any, rows: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
        name = self._symbol(symbol).spec.symbol
        return [dict(t, price=self.price_str(name, t['price']), qty=self.qty_str(name, t['qty']),
                     quoteQty=self.quote_str(name, t['quoteQty'])) for t in rows]

    def recent_trades(self, symbol: Any = None, limit: Any = 500) -> List[Dict[str, Any]]:
        return self._trade_rows(symbol, super().recent_trades(symbol, limit))

    def historical_trades(self, symbol: Any = None, limit: Any = 500,
                          fromId: Any = None) -> List[Dict[str, Any]]:
        return self._trade_rows(symbol, super().historical_trades(symbol, limit, fromId))

    def agg_trades(self, symbol: Any = None, *args: Any, **kwargs: Any) -> List[Dict[str, Any]]:
        rows = super().agg_trades(symbol, *args, **kwargs)
        name = self._symbol(symbol).spec.symbol
        return [dict(t, p=self.price_str(name, t['p']), q=self.qty_str(name, t['q']))
                for t in rows]

    def klines(self, symbol: Any = None, *args: Any, **kwargs: Any) -> List[List[Any]]:
        rows = super().klines(symbol, *args, **kwargs)
        name = self._symbol(symbol).spec.symbol
        price, qty, quote = (lambda v: self.price_str(name, v)), \
            (lambda v: self.qty_str(name, v)), (lambda v: self.quote_str(name, v))
        return [[r[0], price(r[1]), price(r[2]), price(r[3]), price(r[4]), qty(r[5]), r[6],
                 quote(r[7]), r[8], qty(r[9]), quote(r[10])] + list(r[11:]) for r in rows]

    def book_ticker(self, symbol: Any = None, *args: Any, **kwargs: Any) -> Any:
        result = super().book_ticker(symbol, *args, **kwargs)
        rows = [dict(row, bidPrice=self.price_str(row['symbol'], row['bidPrice']),
                     bidQty=self.qty_str(row['symbol'], row['bidQty']),
                     askPrice=self.price_str(row['symbol'], row['askPrice']),
                     askQty=self.qty_str(row['symbol'], row['askQty']))
                for row in (result if isinstance(result, list) else [result])]
        return rows if isinstance(result, list) else rows[0]

    def ticker_price(self, symbol: Any = None, *args: Any, **kwargs: Any) -> Any:
        result = super().ticker_price(symbol, *args, **kwargs)
        rows = [dict(row, price=self.price_str(row['symbol'], row['price']))
                for row in (result if isinstance(result, list) else [result])]
        return rows if isinstance(result, list) else rows[0]

    def f_exchange_info(self) -> Dict[str, Any]:
        """``GET /fapi/v1/exchangeInfo``."""
        symbols = []
        for name in self.symbols:
            spec = self._symbol(name).spec
            price_decimals, qty_decimals = self.precisions(name)
            symbols.append({
                'symbol': name, 'pair': name, 'contractType': 'PERPETUAL',
                'deliveryDate': 4133404800000, 'onboardDate': spec.listed_ms, 'status': 'TRADING',
                'maintMarginPercent': '2.5000', 'requiredMarginPercent': '5.0000',
                'baseAsset': spec.base, 'quoteAsset': spec.quote, 'marginAsset': spec.quote,
                'pricePrecision': price_decimals, 'quantityPrecision': qty_decimals,
                'baseAssetPrecision': 8, 'quotePrecision': 8, 'underlyingType': 'COIN',
                'underlyingSubType': [], 'settlePlan': 0, 'triggerProtect': '0.0500',
                'liquidationFee': '0.012500', 'marketTakeBound': '0.05',
                'maxMoveOrderLimit': 10000,
                'filters': [
                    {'filterType': 'PRICE_FILTER', 'minPrice': _plain(spec.min_price),
                     'maxPrice': _plain(spec.max_price), 'tickSize': _plain(spec.tick_size)},
                    {'filterType': 'LOT_SIZE', 'minQty': _plain(spec.min_qty),
                     'maxQty': _plain(spec.max_qty), 'stepSize': _plain(spec.step_size)},
                    {'filterType': 'MARKET_LOT_SIZE', 'minQty': _plain(spec.min_qty),
                     'maxQty': _plain(spec.max_qty), 'stepSize': _plain(spec.step_size)},
                    {'filterType': 'MAX_NUM_ORDERS', 'limit': 200},
                    {'filterType': 'MAX_NUM_ALGO_ORDERS', 'limit': 10},
                    {'filterType': 'MIN_NOTIONAL', 'notional': _plain(spec.min_notional)},
                    {'filterType': 'PERCENT_PRICE', 'multiplierUp': '1.0500',
                     'multiplierDown': '0.9500', 'multiplierDecimal': '4'}],
                'orderTypes': list(_FUTURES_TYPES) + ['TRAILING_STOP_MARKET'],
                'timeInForce': list(_TIFS)})
        return {'timezone': 'UTC', 'serverTime': self.now_ms(), 'futuresType': 'U_MARGINED',
                'rateLimits': [
                    {'rateLimitType': 'REQUEST_WEIGHT', 'interval': 'MINUTE', 'intervalNum': 1,
                     'limit': 2400},
                    {'rateLimitType': 'ORDERS', 'interval': 'MINUTE', 'intervalNum': 1,
                     'limit': 1200},
                    {'rateLimitType': 'ORDERS', 'interval': 'SECOND', 'intervalNum': 10,
                     'limit': 300}],
                'exchangeFilters': [],
                'assets': [{'asset': 'USDT', 'marginAvailable': True,
                            'autoAssetExchange': '-10000'}],
                'symbols': symbols}

    def f_depth(self, symbol: Any = None, limit: Any = 500) -> Dict[str, Any]:
        """``GET /fapi/v1/depth`` (limit 5, 10, 20, 50, 100, 500 or 1000; default 500)."""
        value = 500 if missing(limit) else parse_int('limit', limit)
        if value not in (5, 10, 20, 50, 100, 500, 1000):
            raise MarketError(-1130, 'Invalid data sent for a parameter.')
        book = self.depth(symbol, value)
        now = self.now_ms()
        return {'lastUpdateId': book['lastUpdateId'], 'E': now, 'T': now,
                'bids': book['bids'], 'asks': book['asks']}

    def f_trades(self, symbol: Any = None, limit: Any = 500, fromId: Any = None) -> List[Any]:
        """``GET /fapi/v1/trades`` and ``historicalTrades``: futures' trade fields."""
        if missing(fromId):
            rows = self.recent_trades(symbol, limit)
        else:
            rows = self.historical_trades(symbol, limit, fromId)
        return [{'id': t['id'], 'price': t['price'], 'qty': t['qty'], 'quoteQty': t['quoteQty'],
                 'time': t['time'], 'isBuyerMaker': t['isBuyerMaker']} for t in rows]

    def f_agg_trades(self, **params: Any) -> List[Dict[str, Any]]:
        """``GET /fapi/v1/aggTrades``: spot's fields without ``M``."""
        return [{k: v for k, v in t.items() if k != 'M'} for t in self.agg_trades(**params)]

    def f_klines(self, symbol: Any = None, interval: Any = None, startTime: Any = None,
                 endTime: Any = None, limit: Any = None) -> List[List[Any]]:
        """``GET /fapi/v1/klines`` (limit up to 1500, default 500)."""
        value = 500 if missing(limit) else parse_int('limit', limit, 1)
        if value > 1500:
            raise MarketError(-1130, 'Invalid data sent for a parameter.')
        rows: List[List[Any]] = []
        start = startTime
        while len(rows) < value:  # the engine pages by 1000
            page = self.klines(symbol, interval, start, endTime, min(1000, value - len(rows)))
            if not page:
                break
            rows.extend(page)
            if len(page) < min(1000, value - len(rows) + len(page)) or missing(start):
                break
            start = page[-1][0] + 1
        return rows

    def f_continuous_klines(self, pair: Any = None, contractType: Any = None,
                            interval: Any = None, startTime: Any = None, endTime: Any = None,
                            limit: Any = None) -> List[List[Any]]:
        """``GET /fapi/v1/continuousKlines``: only perpetuals are simulated."""
        if contractType not in ('PERPETUAL', 'CURRENT_QUARTER', 'NEXT_QUARTER'):
            raise MarketError(-1130, 'Invalid data sent for a parameter.')
        if contractType != 'PERPETUAL':
            return []  # no delivery contracts in the simulation
        return self.f_klines(pair, interval, startTime, endTime, limit)

    def f_ticker_24h(self, symbol: Any = None) -> Any:
        """``GET /fapi/v1/ticker/24hr``: futures' fields (no bid/ask, no prevClosePrice)."""
        drop = ('prevClosePrice', 'bidPrice', 'bidQty', 'askPrice', 'askQty')
        result = self.ticker_24h(symbol)
        rows = result if isinstance(result, list) else [result]
        rows = [{k: v for k, v in row.items() if k not in drop} for row in rows]
        return rows if isinstance(result, list) else rows[0]

    def f_ticker_price(self, symbol: Any = None) -> Any:
        """``GET /fapi/v2/ticker/price``: ``{'symbol', 'price', 'time'}``."""
        result = self.ticker_price(symbol)
        now = self.now_ms()
        if isinstance(result, list):
            return [dict(row, time=now) for row in result]
        return dict(result, time=now)

    def f_book_ticker(self, symbol: Any = None) -> Any:
        """``GET /fapi/v1/ticker/bookTicker``: with ``time`` and ``lastUpdateId``."""
        result = self.book_ticker(symbol)
        now = self.now_ms()
        rows = result if isinstance(result, list) else [result]
        rows = [dict(row, time=now, lastUpdateId=self.update_id(row['symbol'])) for row in rows]
        return rows if isinstance(result, list) else rows[0]

    def leverage_bracket(self, api_key: str, symbol: Any = None) -> Any:
        """``GET /fapi/v1/leverageBracket``: one bracket per symbol (a simplification)."""
        self._faccount(api_key)
        names = [self._symbol(symbol).spec.symbol] if not missing(symbol) else self.symbols
        rows = [{'symbol': name, 'brackets': [{
            'bracket': 1, 'initialLeverage': MAX_LEVERAGE, 'notionalCap': 50000,
            'notionalFloor': 0, 'maintMarginRatio': float(MAINT_RATE), 'cum': 0.0}]}
            for name in names]
        return rows[0] if not missing(symbol) else rows

    # Orders and fills: futures_trading.py; wallet, positions, settings: futures_account.py.
