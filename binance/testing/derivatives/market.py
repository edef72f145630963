"""The USD-M futures market of the local exchange: :class:`FuturesMarket`.

A :class:`FuturesMarket` is a :class:`~binance.testing.market.Market` (the
simulated traders, books, trade history, klines and matching engine) over
perpetual contracts, and holds the parts that make it a derivatives market:

* :attr:`~FuturesMarket.contracts` (:class:`~.contract.Contracts`): the
  contract definitions, their filters and number formats; the contract
  kind (:data:`~.contract.LINEAR` for USD-M) does the settlement arithmetic;
* :attr:`~FuturesMarket.prices` (:class:`~.prices.Prices`): contract, mark
  and index price, funding, price klines, and the test hook that pins them;
* :attr:`~FuturesMarket.ledger` (:class:`~.ledger.Ledger`): accounts,
  positions and margin;
* :attr:`~FuturesMarket.orders` (:class:`~.orders.OrderDesk`): orders,
  batches, modify, countdown cancel-all;
* :attr:`~FuturesMarket.algo` (:class:`~.algo.AlgoService`): conditional orders.

The matching engine works on an internal spot account per API key without
balance limits or notional minimum; every fill of it is booked by the
ledger and published as Binance's futures user events:

* ``('user', API_KEY, {'e': 'ORDER_TRADE_UPDATE', 'E', 'T', 'o': {...}})``
* ``('user', API_KEY, {'e': 'ACCOUNT_UPDATE', 'E', 'T', 'a': {'m': 'ORDER', 'B': [...], 'P': [...]}})``
* ``('user', API_KEY, {'e': 'ALGO_UPDATE', 'E', 'T', 'o': {...}})``

and :meth:`FuturesMarket.mark_price_event` builds the ``markPriceUpdate``
payload the stream server sends on its timer. The book's ``depthUpdate``
events carry futures' ``T`` and ``pu`` (previous ``u``) fields. Everything
else (``trade``, ``aggTrade``, listen keys) is the spot market's. Answers
follow Binance's "Derivatives Trading USDⓈ-M Futures" REST docs, numbers
included: prices carry the contract's ``pricePrecision`` decimals,
quantities its ``quantityPrecision`` (spot's fixed 8 decimals stay for mark
prices, rates and wallet amounts).

The public methods named after fapi (``f_place_order``, ``f_algo_order``
...) are what the REST routes call; each holds the market's lock.
"""
import time
from decimal import Decimal
from typing import Any, Callable, Dict, List, Mapping, Optional, Tuple

from binance._rate_limits import FUTURES_RATE_LIMITS
from binance.testing.derivatives.algo import AlgoService
from binance.testing.derivatives.contract import (CONDITIONAL_TYPES, DEFAULT_FUTURES_BALANCES,
                                                  FUTURES_SYMBOLS, ORDER_TYPES, TIME_IN_FORCES,
                                                  TRIGGER_PROTECT, ContractKind, Contracts,
                                                  LINEAR)
from binance.testing.derivatives.ledger import FuturesAccount, Ledger
from binance.testing.derivatives.orders import OrderDesk
from binance.testing.derivatives.prices import Prices
from binance.testing.market import Market, holding_the_lock
from binance.testing.market_base import MarketError, fmt, missing, parse_decimal, parse_int

__all__ = ['FuturesMarket', 'FUTURES_SYMBOLS', 'DEFAULT_FUTURES_BALANCES']

_HUGE = '1000000000'


@holding_the_lock
class FuturesMarket(Market):
    """A deterministic simulated USD-M futures market (see the module docs).

    :param seed: seeds the simulation (a different market from the spot one of the same seed).
    :param symbols: names of :data:`~.contract.FUTURES_SYMBOLS` or a dict of
        settings as for :class:`~binance.testing.market.Market` (``min_notional``
        is futures' ``MIN_NOTIONAL``); default :data:`~.contract.FUTURES_SYMBOLS`.
    :param clock: callable returning seconds.
    :param kind: the contract kind (:data:`~.contract.LINEAR`: USD-M).
    :param allow_empty: accept ``symbols={}``, a market of no contracts (a replay
        without USD-M files), where every symbol is refused as unknown (-1121).
    """

    def __init__(self, seed: Any = 0, symbols: Any = None,
                 clock: Callable[[], float] = time.time, history: float = 4 * 3600.0,
                 kind: ContractKind = LINEAR, allow_empty: bool = False) -> None:
        contracts = Contracts(FUTURES_SYMBOLS if symbols is None else symbols, kind,
                              allow_empty)
        super().__init__('{}:futures'.format(seed), contracts.engine_symbols(),
                         clock=clock, history=history, allow_empty=allow_empty)
        self.contracts = contracts
        self.prices = Prices(contracts, self._quotes, self._price_before, self.f_klines,
                             self.now_ms)
        self.ledger = Ledger(contracts, self.prices, self.now_ms)
        self.orders = OrderDesk(self, self._transaction, contracts, self.prices, self.ledger,
                                self._emit)
        self.algo = AlgoService(contracts, self.prices, self.ledger, self.orders, self._emit)
        self._outer: List[Callable[[str, str, Dict[str, Any]], Any]] = []
        #: set once a futures request or stream connection arrived; the local
        #: exchange's ticker steps this market only from then on
        self.active = False
        super().add_listener(self._translate)

    # -- what the parts read from the engine ----------------------------------------

    def _quotes(self, symbol: str) -> Tuple[Optional[Decimal], Optional[Decimal], Decimal]:
        sym = self._symbol(symbol)
        return sym.book.best('BUY'), sym.book.best('SELL'), sym.log.last_price

    def _price_before(self, symbol: str, t_ms: int) -> Optional[Decimal]:
        return self._symbol(symbol).log.price_before(t_ms)

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

    #: What :meth:`publish_through` put between the engine and its listeners.
    _wrapped_publish: Optional[Callable[[str, str, Any], Any]] = None

    def publish_through(self, wrap: Callable[[Callable[..., Any]], Callable[..., Any]]) -> None:
        """From now on send what the engine publishes through ``wrap(publish)`` (the
        exchange hands it to the reactor thread); only the first call counts."""
        if self._wrapped_publish is None:
            self._wrapped_publish = wrap(self._publish_now)

    def _emit(self, kind: str, key: str, payload: Dict[str, Any]) -> None:
        self._publish(kind, key, payload)

    def _publish(self, kind: str, key: str, payload: Any) -> None:
        wrapped = self._wrapped_publish
        if wrapped is not None:
            wrapped(kind, key, payload)
        else:
            self._publish_now(kind, key, payload)

    def _publish_now(self, kind: str, key: str, payload: Any) -> None:
        for listener in list(self._outer):
            try:
                listener(kind, key, payload)
            except Exception:  # same isolation as the spot market
                import logging
                logging.getLogger(__name__).exception('a futures listener failed on %s', kind)

    def _translate(self, kind: str, key: str, payload: Dict[str, Any]) -> None:
        if kind == 'user':
            if payload.get('e') == 'executionReport' and key in self.ledger.accounts:
                self.orders.on_execution(payload)
            return  # the engine's balance events are not futures events
        if kind == 'depthUpdate':
            payload = {'e': payload['e'], 'E': payload['E'], 'T': payload['E'], 's': payload['s'],
                       'U': payload['U'], 'u': payload['u'], 'pu': payload['U'] - 1,
                       'b': self._levels(key, payload['b']), 'a': self._levels(key, payload['a'])}
        elif kind == 'aggTrade':
            payload = {k: v for k, v in payload.items() if k != 'M'}
            payload.update(p=self.price_str(key, payload['p']), q=self.qty_str(key, payload['q']))
        elif kind == 'listenKeyExpired' and self.contracts.kind is LINEAR:
            payload = dict(payload, E=str(payload['E']))   # USD-M writes this event time as text
        self._publish(kind, key, payload)

    def deliver(self, events: List[Tuple[str, str, Dict[str, Any]]]) -> None:
        """Deliver a batch of engine events, then let the Algo Service look at the prices."""
        super().deliver(events)
        if self.algo.live:
            self.algo.check()

    def has_timers(self) -> bool:
        """Whether :meth:`run_timers` has anything to look at (read without the lock)."""
        return bool(self.orders.countdowns or self.orders.good_till or self.algo.live)

    def run_timers(self) -> None:
        """Fire what is due on the market's clock: countdown cancel-alls, algo triggers.

        The local exchange calls it every 50 ms; a test with a fake clock calls it itself.
        """
        if self.orders.countdowns or self.orders.good_till:
            self.orders.run_timers(self.now_ms())
        if self.algo.live:
            self.algo.check()

    # -- the test hook ------------------------------------------------------------------

    def set_mark_price(self, symbol: str, price: Any) -> None:
        """Pin the mark price of ``symbol`` (``None`` releases it) and trigger what it crosses.

        For tests: every reader sees the pinned price (``premiumIndex``, the
        ``markPrice`` stream, positions' profit, margin, ``workingType=MARK_PRICE``
        conditional orders). Orders that trigger still fill against the book.
        """
        self.prices.pin_mark(symbol, price)
        self.algo.check()

    def set_last_price(self, symbol: str, price: Any) -> None:
        """Pin the contract (last trade) price of ``symbol`` (``None`` releases it) and
        trigger the ``workingType=CONTRACT_PRICE`` conditional orders it crosses."""
        self.prices.pin_last(symbol, price)
        self.algo.check()

    def set_price(self, symbol: str, price: Any) -> None:
        """Pin both the mark and the contract price of ``symbol`` (``None`` releases both)."""
        self.prices.pin_mark(symbol, price)
        self.prices.pin_last(symbol, price)
        self.algo.check()

    # -- accounts ---------------------------------------------------------------

    def add_account(self, api_key: str, api_secret: Optional[str] = None,
                    balances: Optional[Mapping[str, Any]] = None, *,
                    public_key: Any = None) -> None:
        """Create (or reset the wallet of) a futures account.

        :param balances: the futures wallet, ``{asset: amount}`` (default
            :data:`~.contract.DEFAULT_FUTURES_BALANCES`).
        """
        assets = {a for name in self.symbols for a in (self._symbol(name).spec.base,
                                                        self._symbol(name).spec.quote)}
        super().add_account(api_key, api_secret, {asset: _HUGE for asset in assets},
                            public_key=public_key)
        wallet = {asset: parse_decimal('balance', amount) for asset, amount in
                  (DEFAULT_FUTURES_BALANCES if balances is None else balances).items()}
        self.ledger.open(api_key, wallet)

    def _faccount(self, api_key: Any) -> FuturesAccount:
        return self.ledger.account(api_key)

    # -- prices -------------------------------------------------------------------

    def mark_price_dec(self, symbol: str) -> Decimal:
        """The mark price (the book's mid, or the pinned one)."""
        return self.prices.mark(symbol)

    def premium_index(self, symbol: Any = None) -> Any:
        """``GET /fapi/v1/premiumIndex``; the index price is the mark price here."""
        return self.prices.premium_index(symbol)

    def mark_price_event(self, symbol: str) -> Dict[str, Any]:
        """The ``<symbol>@markPrice`` stream payload."""
        return self.prices.mark_price_event(symbol)

    def funding_rate(self, symbol: Any = None, startTime: Any = None, endTime: Any = None,
                     limit: Any = None) -> List[Dict[str, Any]]:
        """``GET /fapi/v1/fundingRate``."""
        return self.prices.funding_rate(symbol, startTime, endTime, limit)

    def f_price_klines(self, kind: str, symbol: Any = None, interval: Any = None,
                       startTime: Any = None, endTime: Any = None,
                       limit: Any = None) -> List[List[Any]]:
        """``GET /fapi/v1/markPriceKlines``, ``indexPriceKlines``, ``premiumIndexKlines``."""
        return self.prices.price_klines(kind, symbol, interval, startTime, endTime, limit)

    def open_interest(self, symbol: Any = None) -> Dict[str, Any]:
        """``GET /fapi/v1/openInterest``."""
        return self.ledger.open_interest(symbol)

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
        value = fmt(amount * self.prices.mark(name))
        rows: List[Dict[str, Any]] = [
            {'symbol': name, 'sumOpenInterest': fmt(amount), 'sumOpenInterestValue': value,
             'timestamp': last - i * step} for i in range(count)][::-1]
        if not missing(startTime):
            rows = [r for r in rows if r['timestamp'] >= parse_int('startTime', startTime)]
        return rows

    # -- numbers as fapi writes them: each contract's pricePrecision / quantityPrecision --

    def precisions(self, symbol: str) -> Tuple[int, int]:
        """``(pricePrecision, quantityPrecision)`` of a contract."""
        return self.contracts.precisions(symbol)

    def price_str(self, symbol: str, value: Any) -> str:
        """A price of ``symbol`` with its ``pricePrecision`` decimals."""
        return self.contracts.price_str(symbol, value)

    def qty_str(self, symbol: str, value: Any) -> str:
        """A quantity of ``symbol`` with its ``quantityPrecision`` decimals."""
        return self.contracts.qty_str(symbol, value)

    def quote_str(self, symbol: str, value: Any) -> str:
        """A quote amount (price x quantity) of ``symbol``: both precisions' decimals."""
        return self.contracts.quote_str(symbol, value)

    def _levels(self, symbol: str, levels: List[List[Any]]) -> List[List[str]]:
        return self.contracts.levels_str(symbol, levels)

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
                'underlyingSubType': [], 'settlePlan': 0, 'triggerProtect': str(TRIGGER_PROTECT),
                'liquidationFee': '0.012500', 'marketTakeBound': '0.05',
                'maxMoveOrderLimit': 10000,
                'filters': self.contracts.filters(name),
                'orderTypes': list(ORDER_TYPES + CONDITIONAL_TYPES),
                'timeInForce': list(TIME_IN_FORCES)})
        return {'timezone': 'UTC', 'serverTime': self.now_ms(),
                'futuresType': self.contracts.kind.futures_type,
                'rateLimits': [dict(entry) for entry in FUTURES_RATE_LIMITS],
                'exchangeFilters': [],
                'assets': [{'asset': asset, 'marginAvailable': True,
                            'autoAssetExchange': '-10000'}
                           for asset in self.contracts.margin_assets()],
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

    # -- the fapi façade: one line each, the parts do the work ---------------------------

    def leverage_bracket(self, api_key: str, symbol: Any = None) -> Any:
        """``GET /fapi/v1/leverageBracket``."""
        return self.ledger.leverage_bracket(api_key, symbol)

    def f_place_order(self, api_key: str, symbol: Any = None, side: Any = None, type: Any = None,
                      **params: Any) -> Dict[str, Any]:
        """``POST /fapi/v1/order``."""
        return self.orders.place(api_key, symbol, side, type, **params)

    def f_test_order(self, api_key: str, **params: Any) -> Dict[str, Any]:
        """``POST /fapi/v1/order/test``."""
        return self.orders.place(api_key, test=True, **params)

    def f_get_order(self, api_key: str, symbol: Any = None, orderId: Any = None,
                    origClientOrderId: Any = None) -> Dict[str, Any]:
        """``GET /fapi/v1/order``."""
        return self.orders.get(api_key, symbol, orderId, origClientOrderId)

    def f_cancel_order(self, api_key: str, symbol: Any = None, orderId: Any = None,
                       origClientOrderId: Any = None) -> Dict[str, Any]:
        """``DELETE /fapi/v1/order``."""
        return self.orders.cancel(api_key, symbol, orderId, origClientOrderId)

    def f_cancel_all(self, api_key: str, symbol: Any = None) -> Dict[str, Any]:
        """``DELETE /fapi/v1/allOpenOrders``."""
        return self.orders.cancel_all(api_key, symbol)

    def f_cancel_batch(self, api_key: str, **params: Any) -> List[Dict[str, Any]]:
        """``DELETE /fapi/v1/batchOrders``."""
        return self.orders.cancel_batch(api_key, **params)

    def f_place_batch(self, api_key: str, batchOrders: Any = None) -> List[Dict[str, Any]]:
        """``POST /fapi/v1/batchOrders``."""
        return self.orders.place_batch(api_key, batchOrders)

    def f_modify_order(self, api_key: str, **params: Any) -> Dict[str, Any]:
        """``PUT /fapi/v1/order``."""
        return self.orders.modify(api_key, **params)

    def f_modify_batch(self, api_key: str, batchOrders: Any = None) -> List[Dict[str, Any]]:
        """``PUT /fapi/v1/batchOrders``."""
        return self.orders.modify_batch(api_key, batchOrders)

    def f_countdown_cancel_all(self, api_key: str, symbol: Any = None,
                               countdownTime: Any = None) -> Dict[str, Any]:
        """``POST /fapi/v1/countdownCancelAll``."""
        return self.orders.countdown(api_key, symbol, countdownTime)

    def f_open_orders(self, api_key: str, symbol: Any = None) -> List[Dict[str, Any]]:
        """``GET /fapi/v1/openOrders``."""
        return self.orders.open_orders(api_key, symbol)

    def f_all_orders(self, api_key: str, **params: Any) -> List[Dict[str, Any]]:
        """``GET /fapi/v1/allOrders``."""
        return self.orders.all_orders(api_key, **params)

    def f_algo_order(self, api_key: str, **params: Any) -> Dict[str, Any]:
        """``POST /fapi/v1/algoOrder``."""
        return self.algo.place(api_key, **params)

    def f_get_algo_order(self, api_key: str, algoId: Any = None,
                         clientAlgoId: Any = None) -> Dict[str, Any]:
        """``GET /fapi/v1/algoOrder``."""
        return self.algo.get(api_key, algoId, clientAlgoId)

    def f_cancel_algo_order(self, api_key: str, algoId: Any = None,
                            clientAlgoId: Any = None) -> Dict[str, Any]:
        """``DELETE /fapi/v1/algoOrder``."""
        return self.algo.cancel(api_key, algoId, clientAlgoId)

    def f_cancel_all_algo(self, api_key: str, symbol: Any = None) -> Dict[str, Any]:
        """``DELETE /fapi/v1/algoOpenOrders``."""
        return self.algo.cancel_all(api_key, symbol)

    def f_open_algo_orders(self, api_key: str, **params: Any) -> List[Dict[str, Any]]:
        """``GET /fapi/v1/openAlgoOrders``."""
        return self.algo.open_orders(api_key, **params)

    def f_all_algo_orders(self, api_key: str, **params: Any) -> List[Dict[str, Any]]:
        """``GET /fapi/v1/allAlgoOrders``."""
        return self.algo.all_orders(api_key, **params)

    def f_position_risk(self, api_key: str, symbol: Any = None) -> List[Dict[str, Any]]:
        """``GET /fapi/v3/positionRisk``."""
        return self.ledger.position_risk(api_key, symbol)

    def f_balance(self, api_key: str) -> List[Dict[str, Any]]:
        """``GET /fapi/v3/balance``."""
        return self.ledger.balance(api_key)

    def f_account(self, api_key: str) -> Dict[str, Any]:
        """``GET /fapi/v3/account``."""
        return self.ledger.account_info(api_key)

    def f_commission_rate(self, api_key: str, symbol: Any = None) -> Dict[str, Any]:
        """``GET /fapi/v1/commissionRate``."""
        return self.ledger.commission_rate(api_key, symbol)

    def f_change_leverage(self, api_key: str, symbol: Any = None,
                          leverage: Any = None) -> Dict[str, Any]:
        """``POST /fapi/v1/leverage``."""
        return self.ledger.change_leverage(api_key, symbol, leverage)

    def f_change_margin_type(self, api_key: str, symbol: Any = None,
                             marginType: Any = None) -> Dict[str, Any]:
        """``POST /fapi/v1/marginType``."""
        return self.ledger.change_margin_type(api_key, symbol, marginType)

    def f_position_margin(self, api_key: str, **params: Any) -> Dict[str, Any]:
        """``POST /fapi/v1/positionMargin``."""
        return self.ledger.position_margin(api_key, **params)

    def f_position_margin_history(self, api_key: str, **params: Any) -> List[Dict[str, Any]]:
        """``GET /fapi/v1/positionMargin/history``."""
        return self.ledger.position_margin_history(api_key, **params)

    def f_change_position_mode(self, api_key: str, dualSidePosition: Any = None) -> Dict[str, Any]:
        """``POST /fapi/v1/positionSide/dual`` (refused while orders or conditional orders are open)."""
        return self.ledger.change_position_mode(api_key, dualSidePosition,
                                                self.algo.has_open(api_key))

    def f_position_mode(self, api_key: str) -> Dict[str, Any]:
        """``GET /fapi/v1/positionSide/dual``."""
        return self.ledger.position_mode(api_key)

    def f_user_trades(self, api_key: str, symbol: Any = None, **params: Any) -> List[Dict[str, Any]]:
        """``GET /fapi/v1/userTrades``."""
        return self.ledger.user_trades(api_key, symbol, **params)

    def f_income(self, api_key: str, **params: Any) -> List[Dict[str, Any]]:
        """``GET /fapi/v1/income``."""
        return self.ledger.income(api_key, **params)

    # -- listen keys: one per account; PUT and DELETE take no parameter -------------------

    def f_listen_key(self, api_key: str) -> Dict[str, str]:
        """``POST /fapi/v1/listenKey``: the account's key (a new one when it has none)."""
        self.ledger.account(api_key)
        return {'listenKey': self.create_listen_key(api_key)}

    def _account_key(self, api_key: str) -> str:
        for key, entry in self._listen_keys.items():
            if entry[0] == api_key:
                return key
        raise MarketError(-1125, 'This listenKey does not exist.')

    def f_listen_key_keepalive(self, api_key: str) -> Dict[str, str]:
        """``PUT /fapi/v1/listenKey``: extends the account's key by 60 minutes."""
        key = self._account_key(api_key)
        self.keepalive_listen_key(key, api_key)
        return {'listenKey': key}

    def f_listen_key_close(self, api_key: str) -> Dict[str, Any]:
        """``DELETE /fapi/v1/listenKey``."""
        self.close_listen_key(self._account_key(api_key), api_key)
        return {}
