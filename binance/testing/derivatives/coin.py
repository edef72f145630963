"""The COIN-M futures desk of the local exchange: :class:`CoinFuturesMarket`.

The same derivatives engine as USD-M (:class:`~.market.FuturesMarket`),
with the :data:`~.contract.INVERSE` contract kind and COIN-M's contracts
(:func:`~.contract.coin_futures_symbols`: ``BTCUSD_PERP`` and ``ETHUSD_PERP``
perpetuals, the current quarter's ``BTCUSD_<yymmdd>`` delivery contract).
A quantity is a number of contracts worth ``contractSize`` USD each (100 for
BTCUSD, 10 for ETHUSD); margin, fees, balances and profit are in the base
coin: a long of ``q`` contracts from ``entry`` at mark ``m`` has an
unrealised profit of ``q * contractSize * (1/entry - 1/m)`` BTC.

This module gives the engine's answers the shapes of Binance's COIN-M REST
docs (``/dapi/v1/...``): ``exchangeInfo`` with ``contractSize``,
``contractStatus``, ``marginAsset``; orders with ``pair`` and ``cumBase``
(the coin value of the fills) instead of ``cumQuote``; ``/dapi/v1/account``,
``/dapi/v1/balance`` (``withdrawAvailable``) and ``/dapi/v1/positionRisk``
(``notionalValue``, ``maxQty``, ``leverage``, ``marginType``); trades with
``baseQty`` and ``marginAsset``; tickers and the premium index as lists with
``pair``/``ps``; leverage brackets by ``qtyCap``. Conditional orders are the
Algo Service's (``/dapi/v1/algoOrder``, since Binance's 2026-06-30 COIN-M /
USD-M integration; ``/dapi/v1/order`` answers ``-4120`` for them).

Simplifications (the engine's): one leverage bracket, maintenance margin
0.4 %, the isolated liquidation price at that rate (see
:meth:`~.contract.InverseContract.liquidation`), no delivery settlement, the
index price equal to the mark price, a kline's coin volume taken at its
volume-weighted price.
"""
import time
from decimal import Decimal
from typing import Any, Callable, Dict, List, Mapping, Optional

from binance._rate_limits import COIN_FUTURES_RATE_LIMITS
from binance.testing.derivatives.contract import (CONDITIONAL_TYPES,
                                                  DEFAULT_COIN_FUTURES_BALANCES, INVERSE,
                                                  MAINT_RATE, MAX_LEVERAGE, ORDER_TYPES,
                                                  TIME_IN_FORCES, TRIGGER_PROTECT,
                                                  coin_futures_symbols)
from binance.testing.derivatives.market import FuturesMarket
from binance.testing.market import holding_the_lock
from binance.testing.market_base import fmt, missing, round8

__all__ = ['CoinFuturesMarket', 'ACCOUNT_ALIAS']

ZERO = Decimal(0)
#: The ``accountAlias`` of every simulated COIN-M account.
ACCOUNT_ALIAS = 'SgsR'
#: The most contracts one bracket lets an account hold (``qtyCap`` of the one bracket).
_QTY_CAP = 50000


@holding_the_lock
class CoinFuturesMarket(FuturesMarket):
    """A deterministic simulated COIN-M futures market (see the module docs).

    :param seed: seeds the simulation (a different market from the USD-M one of the same seed).
    :param symbols: a dict of settings as for :class:`FuturesMarket` plus
        ``contract_size`` (USD per contract), ``contract_type`` and ``delivery``
        (ms); default :func:`~.contract.coin_futures_symbols` at the clock's time.
    :param allow_empty: accept ``symbols={}``, a market of no contracts (a replay).
    """

    def __init__(self, seed: Any = 0, symbols: Any = None,
                 clock: Callable[[], float] = time.time, history: float = 4 * 3600.0,
                 allow_empty: bool = False) -> None:
        if symbols is None:
            symbols = coin_futures_symbols(int(clock() * 1000))
        super().__init__('{}:coin'.format(seed), symbols, clock=clock, history=history,
                         kind=INVERSE, allow_empty=allow_empty)

    def add_account(self, api_key: str, api_secret: Optional[str] = None,
                    balances: Optional[Mapping[str, Any]] = None, *,
                    public_key: Any = None) -> None:
        """Create (or reset the wallet of) a COIN-M account.

        :param balances: the COIN-M wallet in coins (default
            :data:`~.contract.DEFAULT_COIN_FUTURES_BALANCES`).
        """
        super().add_account(api_key, api_secret,
                            DEFAULT_COIN_FUTURES_BALANCES if balances is None else balances,
                            public_key=public_key)

    # -- events: COIN-M's carry the account alias ----------------------------------------

    def _emit(self, kind: str, key: str, payload: Dict[str, Any]) -> None:
        if kind == 'user' and payload.get('e') in ('ORDER_TRADE_UPDATE', 'ACCOUNT_UPDATE'):
            payload = dict(payload, i=ACCOUNT_ALIAS)
        super()._emit(kind, key, payload)

    # -- number helpers ------------------------------------------------------------------

    def _coin_value(self, symbol: str, qty: Decimal, price: Decimal) -> Decimal:
        return round8(self.contracts.notional(symbol, qty, price))

    def _order(self, row: Dict[str, Any]) -> Dict[str, Any]:
        """A fapi order answer in dapi's shape: ``pair`` and ``cumBase`` for ``cumQuote``."""
        if 'orderId' not in row or 'cumQuote' not in row:
            return row
        name = row['symbol']
        executed, avg = Decimal(row['executedQty']), Decimal(row['avgPrice'])
        out: Dict[str, Any] = {}
        for key, value in row.items():
            if key == 'cumQuote':
                out['cumBase'] = fmt(self._coin_value(name, executed, avg) if avg else ZERO)
            elif key == 'goodTillDate':
                continue
            else:
                out[key] = value
            if key == 'symbol':
                out['pair'] = self.contracts.pair(name)
        return out

    def _orders(self, rows: Any) -> Any:
        if isinstance(rows, list):
            return [self._order(r) if isinstance(r, dict) else r for r in rows]
        return self._order(rows) if isinstance(rows, dict) else rows

    # -- market data ----------------------------------------------------------------------

    def d_exchange_info(self) -> Dict[str, Any]:
        """``GET /dapi/v1/exchangeInfo``."""
        symbols = []
        for name in self.symbols:
            spec = self._symbol(name).spec
            price_decimals, qty_decimals = self.precisions(name)
            symbols.append({
                'symbol': name, 'pair': self.contracts.pair(name),
                'contractType': self.contracts.contract_type[name],
                'deliveryDate': self.contracts.delivery[name], 'onboardDate': spec.listed_ms,
                'contractStatus': 'TRADING',
                'contractSize': int(self.contracts.contract_size[name]),
                'marginAsset': spec.base, 'maintMarginPercent': '2.5000',
                'requiredMarginPercent': '5.0000', 'baseAsset': spec.base,
                'quoteAsset': self.contracts.quote[name],
                'pricePrecision': price_decimals, 'quantityPrecision': qty_decimals,
                'baseAssetPrecision': 8, 'quotePrecision': 8, 'equalQtyPrecision': 4,
                'maxMoveOrderLimit': 10000, 'triggerProtect': str(TRIGGER_PROTECT),
                'underlyingType': 'COIN', 'underlyingSubType': [],
                'liquidationFee': '0.010000', 'marketTakeBound': '0.05',
                'filters': self.contracts.filters(name),
                'orderTypes': list(ORDER_TYPES + CONDITIONAL_TYPES),
                'timeInForce': [t for t in TIME_IN_FORCES if t != 'GTD']})
        return {'timezone': 'UTC', 'serverTime': self.now_ms(),
                'rateLimits': [dict(entry) for entry in COIN_FUTURES_RATE_LIMITS],
                'exchangeFilters': [], 'symbols': symbols}

    def klines(self, symbol: Any = None, *args: Any, **kwargs: Any) -> List[List[Any]]:
        """Klines with COIN-M's volumes: fields 7 and 10 are the base asset (coin) volume
        and its taker-buy part, taken at each kline's volume-weighted price."""
        rows = super().klines(symbol, *args, **kwargs)
        name = self._symbol(symbol).spec.symbol
        size = self.contracts.contract_size[name]

        def coins(contracts: Any, usd_volume: Any) -> str:
            qty, value = Decimal(contracts), Decimal(usd_volume)
            return fmt(round8(qty * qty * size / value) if value else ZERO)
        return [r[:7] + [coins(r[5], r[7])] + r[8:10] + [coins(r[9], r[10])] + r[11:]
                for r in rows]

    def _as_list(self, result: Any) -> List[Dict[str, Any]]:
        return result if isinstance(result, list) else [result]

    def d_premium_index(self, symbol: Any = None, pair: Any = None) -> List[Dict[str, Any]]:
        """``GET /dapi/v1/premiumIndex``: always a list, with ``pair``."""
        rows = []
        for row in self._as_list(self.prices.premium_index(symbol)):
            if not missing(pair) and self.contracts.pair(row['symbol']) != pair:
                continue
            perpetual = self.contracts.contract_type[row['symbol']] == 'PERPETUAL'
            rows.append({'symbol': row['symbol'], 'pair': self.contracts.pair(row['symbol']),
                         'markPrice': row['markPrice'], 'indexPrice': row['indexPrice'],
                         'estimatedSettlePrice': row['estimatedSettlePrice'],
                         'lastFundingRate': row['lastFundingRate'] if perpetual else '',
                         'interestRate': row['interestRate'] if perpetual else '',
                         'nextFundingTime': row['nextFundingTime'] if perpetual else 0,
                         'time': row['time']})
        return rows

    def d_ticker_price(self, symbol: Any = None, pair: Any = None) -> List[Dict[str, Any]]:
        """``GET /dapi/v1/ticker/price``: a list with ``ps`` (the pair)."""
        rows = self._as_list(self.f_ticker_price(symbol))
        return [{'symbol': r['symbol'], 'ps': self.contracts.pair(r['symbol']),
                 'price': r['price'], 'time': r['time']} for r in rows
                if missing(pair) or self.contracts.pair(r['symbol']) == pair]

    def d_book_ticker(self, symbol: Any = None, pair: Any = None) -> List[Dict[str, Any]]:
        """``GET /dapi/v1/ticker/bookTicker``: a list with ``pair``."""
        rows = self._as_list(self.f_book_ticker(symbol))
        out = []
        for r in rows:
            if not missing(pair) and self.contracts.pair(r['symbol']) != pair:
                continue
            out.append({'lastUpdateId': r['lastUpdateId'], 'symbol': r['symbol'],
                        'pair': self.contracts.pair(r['symbol']), 'bidPrice': r['bidPrice'],
                        'bidQty': r['bidQty'], 'askPrice': r['askPrice'],
                        'askQty': r['askQty'], 'time': r['time']})
        return out

    def d_ticker_24h(self, symbol: Any = None, pair: Any = None) -> List[Dict[str, Any]]:
        """``GET /dapi/v1/ticker/24hr``: a list with ``pair`` and ``baseVolume`` (coins)."""
        out = []
        for r in self._as_list(self.f_ticker_24h(symbol)):
            name = r['symbol']
            if not missing(pair) and self.contracts.pair(name) != pair:
                continue
            row = {k: v for k, v in r.items() if k != 'quoteVolume'}
            row['pair'] = self.contracts.pair(name)
            weighted = Decimal(r['weightedAvgPrice'])
            row['baseVolume'] = fmt(self._coin_value(name, Decimal(r['volume']), weighted)
                                    if weighted else ZERO)
            out.append(row)
        return out

    def d_trades(self, symbol: Any = None, limit: Any = 500, fromId: Any = None) -> List[Any]:
        """``GET /dapi/v1/trades`` and ``historicalTrades``: ``baseQty`` for ``quoteQty``."""
        rows = self.f_trades(symbol, limit, fromId)
        name = self._symbol(symbol).spec.symbol
        return [{'id': t['id'], 'price': t['price'], 'qty': t['qty'],
                 'baseQty': fmt(self._coin_value(name, Decimal(t['qty']), Decimal(t['price']))),
                 'time': t['time'], 'isBuyerMaker': t['isBuyerMaker']} for t in rows]

    def d_open_interest(self, symbol: Any = None) -> Dict[str, Any]:
        """``GET /dapi/v1/openInterest``: with ``pair`` and ``contractType``."""
        row = self.open_interest(symbol)
        return {'symbol': row['symbol'], 'pair': self.contracts.pair(row['symbol']),
                'openInterest': row['openInterest'],
                'contractType': self.contracts.contract_type[row['symbol']], 'time': row['time']}

    def d_open_interest_hist(self, pair: Any = None, contractType: Any = None,
                             period: Any = None, limit: Any = None, startTime: Any = None,
                             endTime: Any = None) -> List[Dict[str, Any]]:
        """``GET /futures/data/openInterestHist`` on the dapi host (by ``pair`` and
        ``contractType``): ``sumOpenInterestValue`` in coins."""
        from binance.testing.market_base import MarketError, mandatory
        if missing(pair):
            raise mandatory('pair')
        names = [n for n in self.symbols if self.contracts.pair(n) == pair and (
            contractType in ('ALL', None) or self.contracts.contract_type[n] == contractType)]
        if not names:
            raise MarketError(-1121, 'Invalid symbol.')
        rows = self.open_interest_hist(names[0], period, limit, startTime, endTime)
        mark = self.prices.mark(names[0])
        return [{'pair': pair, 'contractType': self.contracts.contract_type[names[0]],
                 'sumOpenInterest': r['sumOpenInterest'],
                 'sumOpenInterestValue': fmt(self._coin_value(
                     names[0], Decimal(r['sumOpenInterest']), mark)),
                 'timestamp': r['timestamp']} for r in rows]

    def _by_pair(self, pair: Any, contract_type: Any = 'PERPETUAL') -> Optional[str]:
        from binance.testing.market_base import check_symbol_text
        pair = check_symbol_text(pair, 'pair')
        for name in self.symbols:
            if self.contracts.pair(name) == pair and \
                    self.contracts.contract_type[name] == contract_type:
                return name
        return None

    def d_continuous_klines(self, pair: Any = None, contractType: Any = None,
                            interval: Any = None, startTime: Any = None, endTime: Any = None,
                            limit: Any = None) -> List[List[Any]]:
        """``GET /dapi/v1/continuousKlines``: the klines of the pair's contract of
        ``contractType`` (none for a contract type the simulation does not list)."""
        from binance.testing.market_base import MarketError, mandatory
        if contractType not in ('PERPETUAL', 'CURRENT_QUARTER', 'NEXT_QUARTER'):
            raise mandatory('contractType') if missing(contractType) else \
                MarketError(-1130, 'Invalid data sent for a parameter.')
        name = self._by_pair(pair, contractType)
        if name is None:
            if self._by_pair(pair) is None:
                raise MarketError(-1121, 'Invalid symbol.')
            return []
        return self.f_klines(name, interval, startTime, endTime, limit)

    def d_index_klines(self, pair: Any = None, interval: Any = None, startTime: Any = None,
                       endTime: Any = None, limit: Any = None) -> List[List[Any]]:
        """``GET /dapi/v1/indexPriceKlines`` (by ``pair``): the simulation's index is the
        perpetual's mark price."""
        from binance.testing.market_base import MarketError
        name = self._by_pair(pair)
        if name is None:
            raise MarketError(-1121, 'Invalid symbol.')
        return self.f_price_klines('index', name, interval, startTime, endTime, limit)

    # -- orders: the engine's, in dapi's shape ----------------------------------------------

    def d_place_order(self, api_key: str, **params: Any) -> Dict[str, Any]:
        """``POST /dapi/v1/order`` (conditional types: ``-4120``, the Algo Service's;
        COIN-M has no ``GTD``)."""
        if params.get('timeInForce') == 'GTD':
            from binance.testing.market_base import MarketError
            raise MarketError(-1115, 'Invalid timeInForce.')
        return self._order(self.f_place_order(api_key, **params))

    def d_get_order(self, api_key: str, **params: Any) -> Dict[str, Any]:
        """``GET /dapi/v1/order``."""
        return self._order(self.f_get_order(api_key, **params))

    def d_cancel_order(self, api_key: str, **params: Any) -> Dict[str, Any]:
        """``DELETE /dapi/v1/order``."""
        return self._order(self.f_cancel_order(api_key, **params))

    def d_cancel_batch(self, api_key: str, **params: Any) -> List[Dict[str, Any]]:
        """``DELETE /dapi/v1/batchOrders``."""
        return self._orders(self.f_cancel_batch(api_key, **params))

    def d_open_orders(self, api_key: str, symbol: Any = None,
                      pair: Any = None) -> List[Dict[str, Any]]:
        """``GET /dapi/v1/openOrders`` (by symbol or pair)."""
        rows = self._orders(self.f_open_orders(api_key, symbol))
        return [r for r in rows if missing(pair) or r['pair'] == pair]

    def d_all_orders(self, api_key: str, **params: Any) -> List[Dict[str, Any]]:
        """``GET /dapi/v1/allOrders``."""
        return self._orders(self.f_all_orders(api_key, **params))

    def d_user_trades(self, api_key: str, symbol: Any = None,
                      **params: Any) -> List[Dict[str, Any]]:
        """``GET /dapi/v1/userTrades``: ``pair``, ``marginAsset`` and ``baseQty`` (coins)."""
        out = []
        for t in self.f_user_trades(api_key, symbol, **params):
            name = t['symbol']
            row = {k: v for k, v in t.items() if k != 'quoteQty'}
            row['pair'] = self.contracts.pair(name)
            row['marginAsset'] = self.contracts.margin_asset(name)
            row['baseQty'] = fmt(self._coin_value(name, Decimal(t['qty']), Decimal(t['price'])))
            out.append(row)
        return out

    # -- account ----------------------------------------------------------------------------

    def d_balance(self, api_key: str) -> List[Dict[str, Any]]:
        """``GET /dapi/v1/balance``: ``withdrawAvailable`` instead of ``maxWithdrawAmount``."""
        rows = []
        for r in self.f_balance(api_key):
            rows.append({'accountAlias': ACCOUNT_ALIAS, 'asset': r['asset'],
                         'balance': r['balance'], 'withdrawAvailable': r['maxWithdrawAmount'],
                         'crossWalletBalance': r['crossWalletBalance'],
                         'crossUnPnl': r['crossUnPnl'],
                         'availableBalance': r['availableBalance'],
                         'updateTime': r['updateTime']})
        return rows

    def _max_qty(self, account: Any, symbol: str) -> str:
        return str(_QTY_CAP * MAX_LEVERAGE // self.ledger.leverage_of(account, symbol))

    def d_account(self, api_key: str) -> Dict[str, Any]:
        """``GET /dapi/v1/account``: per-asset figures (no account totals: each coin
        margins its own contracts) and the positions."""
        info = self.f_account(api_key)
        account = self.ledger.account(api_key)
        assets = [{k: a[k] for k in (
            'asset', 'walletBalance', 'unrealizedProfit', 'marginBalance', 'maintMargin',
            'initialMargin', 'positionInitialMargin', 'openOrderInitialMargin',
            'maxWithdrawAmount', 'crossWalletBalance', 'crossUnPnl', 'availableBalance',
            'updateTime')} for a in info['assets']]
        positions = []
        for name, side in self.ledger.position_keys(account):
            pos = account.position(name, side)
            n = self.ledger.position_numbers(account, name, side)
            positions.append({
                'symbol': name, 'positionAmt': self.contracts.qty_str(name, pos.amount),
                'initialMargin': fmt(round8(n['im'] + n['oim'])),
                'maintMargin': fmt(round8(n['mm'])), 'unrealizedProfit': fmt(round8(n['up'])),
                'positionInitialMargin': fmt(round8(n['im'])),
                'openOrderInitialMargin': fmt(round8(n['oim'])),
                'leverage': str(self.ledger.leverage_of(account, name)),
                'isolated': account.margin_type.get(name) == 'ISOLATED',
                'positionSide': side, 'entryPrice': fmt(round8(pos.entry)),
                'breakEvenPrice': fmt(round8(self.ledger.break_even(pos))),
                'maxQty': self._max_qty(account, name), 'updateTime': pos.update_time})
        return {'assets': assets, 'positions': positions, 'canDeposit': True, 'canTrade': True,
                'canWithdraw': True, 'feeTier': 0, 'updateTime': account.update_time}

    def d_position_risk(self, api_key: str, marginAsset: Any = None,
                        pair: Any = None) -> List[Dict[str, Any]]:
        """``GET /dapi/v1/positionRisk`` (filtered by ``marginAsset`` or ``pair``)."""
        account = self.ledger.account(api_key)
        rows = []
        for r in self.f_position_risk(api_key):
            name = r['symbol']
            if not missing(pair) and self.contracts.pair(name) != pair:
                continue
            if not missing(marginAsset) and self.contracts.margin_asset(name) != marginAsset:
                continue
            rows.append({
                'symbol': name, 'positionAmt': r['positionAmt'], 'entryPrice': r['entryPrice'],
                'breakEvenPrice': r['breakEvenPrice'], 'markPrice': r['markPrice'],
                'unRealizedProfit': r['unRealizedProfit'],
                'liquidationPrice': r['liquidationPrice'],
                'leverage': str(self.ledger.leverage_of(account, name)),
                'maxQty': self._max_qty(account, name),
                'marginType': 'isolated' if account.margin_type.get(name) == 'ISOLATED'
                else 'cross',
                'isolatedMargin': r['isolatedMargin'], 'isAutoAddMargin': 'false',
                'positionSide': r['positionSide'], 'notionalValue': r['notional'],
                'isolatedWallet': r['isolatedWallet'], 'updateTime': r['updateTime']})
        return rows

    def d_leverage_bracket(self, api_key: str, symbol: Any = None) -> List[Dict[str, Any]]:
        """``GET /dapi/v2/leverageBracket``: one bracket per symbol, capped in contracts."""
        self.ledger.account(api_key)
        names = list(self.contracts.specs) if missing(symbol) else \
            [self.contracts.spec(symbol).symbol]
        return [{'symbol': name, 'notionalCoef': 1.0, 'brackets': [{
            'bracket': 1, 'initialLeverage': MAX_LEVERAGE, 'qtyCap': _QTY_CAP, 'qtyFloor': 0,
            'maintMarginRatio': float(MAINT_RATE), 'cum': 0.0}]} for name in names]

    def d_change_leverage(self, api_key: str, symbol: Any = None,
                          leverage: Any = None) -> Dict[str, Any]:
        """``POST /dapi/v1/leverage``: ``maxQty`` (contracts) instead of ``maxNotionalValue``."""
        result = self.f_change_leverage(api_key, symbol, leverage)
        return {'leverage': result['leverage'],
                'maxQty': self._max_qty(self.ledger.account(api_key), result['symbol']),
                'symbol': result['symbol']}
