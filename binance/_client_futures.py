"""USD-M futures methods of :class:`binance.client.Client` (``https://fapi.binance.com``).

The names and keyword arguments are python-binance 0.7.11's ``futures_*``
methods; the paths are today's (Binance "Derivatives Trading USDⓈ-M
Futures" docs): account, balance and position risk on ``/fapi/v3``, open
interest on ``/fapi/v1/openInterest``. Methods whose endpoint Binance retired
raise :class:`~binance.exceptions.BinanceEndpointRetiredError` naming the
replacement before any request. Errors, signing and argument checks are the
spot ones (:mod:`binance._client_base`, :mod:`binance._client_params`).

Binance reference: https://developers.binance.com/docs/derivatives/usds-margined-futures/general-info
"""
from typing import Any, Dict, Iterator, List, Optional, Tuple

from binance._client_base import ClientBase
from binance._clock import ServerClock
from binance._client_market import DateLike, _to_ms
from binance._client_params import check_choice, check_limit, check_symbol, require
# to_algo_params and _without_spot_checks are also imported from here (the futures
# WebSocket API session, the trading mixin)
from binance._futures_family import (FuturesFamily, check_depth_limit, family_clock, family_root,
                                     to_algo_params,
                                     without_spot_checks as _without_spot_checks)
from binance.enums import KLINE_INTERVALS
from binance.exceptions import BinanceEndpointRetiredError

#: Most klines ``/fapi/v1/klines`` returns in one page.
FUTURES_MAX_KLINES = 1500
#: Order types of ``POST /fapi/v1/order``.
FUTURES_ORDER_TYPES = ('LIMIT', 'MARKET', 'STOP', 'STOP_MARKET', 'TAKE_PROFIT',
                       'TAKE_PROFIT_MARKET', 'TRAILING_STOP_MARKET')
#: The conditional types Binance serves on the Algo Service since 2025-12-09
#: (``POST /fapi/v1/algoOrder``, ``algoType=CONDITIONAL``).
FUTURES_CONDITIONAL_TYPES = ('STOP', 'STOP_MARKET', 'TAKE_PROFIT', 'TAKE_PROFIT_MARKET',
                             'TRAILING_STOP_MARKET')
#: Time in force values of USD-M orders (``GTX``: post only; ``GTD``: good till date).
FUTURES_TIME_IN_FORCES = ('GTC', 'IOC', 'FOK', 'GTX', 'GTD')
#: ``marginType`` of ``POST /fapi/v1/marginType``.
FUTURES_MARGIN_TYPES = ('ISOLATED', 'CROSSED')
#: ``contractType`` of ``/fapi/v1/continuousKlines``.
FUTURES_CONTRACT_TYPES = ('PERPETUAL', 'CURRENT_QUARTER', 'NEXT_QUARTER')
#: ``period`` of ``/futures/data/openInterestHist``.
FUTURES_DATA_PERIODS = ('5m', '15m', '30m', '1h', '2h', '4h', '6h', '12h', '1d')

#: USD-M as :mod:`binance._futures_family` serves it (``MARKET`` with
#: ``closePosition=True`` needs no quantity).
USDM = FuturesFamily('fapi', 'futures_', FUTURES_ORDER_TYPES, FUTURES_CONDITIONAL_TYPES,
                     FUTURES_TIME_IN_FORCES, market_close_position=True)

#: 0.7.11 methods whose endpoint is gone: method -> (retired endpoint, replacement).
RETIRED_FUTURES = {
    'futures_liquidation_orders': (
        'GET /fapi/v1/allForceOrders (0.7.11: ticker/allForceOrders)',
        'the !forceOrder@arr / <symbol>@forceOrder streams for the market, or '
        'GET /fapi/v1/forceOrders (signed) for your own liquidations'),
}


def _retired(method: str) -> BinanceEndpointRetiredError:
    retired, replacement = RETIRED_FUTURES[method]
    return BinanceEndpointRetiredError(method, retired, replacement)


def check_futures_order(func: str, params: Dict[str, Any]) -> Dict[str, Any]:
    """Check a USD-M order of ``func`` before it is sent (REST or WebSocket API):
    symbol, side, type and what the type needs; ``timeInForce`` against futures' values.

    :returns: ``params`` (``timeInForce`` checked); :raises TypeError/ValueError:
        naming the missing or invalid parameter.
    """
    return USDM.check_order(func, params)


class FuturesMixin(ClientBase):
    """USD-M futures: ``/fapi/...`` endpoints on ``FUTURES_URL``."""

    FUTURES_URL = 'https://fapi.binance.com/fapi'
    FUTURES_URL_TEMPLATE = 'https://fapi.binance.{}/fapi'
    FUTURES_TESTNET_URL = 'https://testnet.binancefuture.com/fapi'
    FUTURES_DEMO_URL = 'https://demo-fapi.binance.com/fapi'

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)   # the Client's arguments (see ClientBase)
        self.FUTURES_URL = family_root(self, 'FUTURES')
        #: The offset to the futures server's time (``GET /fapi/v1/time``), which
        #: stamps signed ``/fapi`` requests; kept like :attr:`server_clock`. With
        #: ``sync_clock=False`` both are one clock (the offset you set).
        self.futures_server_clock = family_clock(self, self._fetch_futures_server_time)

    def _fetch_futures_server_time(self) -> Any:
        return self._fapi('GET', 'v1/time')

    def _clock_for(self, api: str) -> ServerClock:
        if api == 'fapi':
            return self.futures_server_clock
        return super()._clock_for(api)

    def _base_url(self, api: str) -> str:
        if api in ('fapi', 'futures/data'):
            base = self.FUTURES_URL.rstrip('/')
            if api == 'fapi':
                return base
            root = base[:-len('/fapi')] if base.endswith('/fapi') else base
            return root + '/futures/data'
        return super()._base_url(api)

    def _fapi(self, method: str, path: str, params: Optional[Dict[str, Any]] = None,
              signed: bool = False, **kw: Any) -> Any:
        return self._request(method, path, params, signed=signed, api='fapi', **kw)

    # -- market data --------------------------------------------------------

    def futures_ping(self) -> Dict[str, Any]:
        """Test connectivity (``GET /fapi/v1/ping``). :returns: ``{}``"""
        return self._fapi('GET', 'v1/ping')

    def futures_time(self) -> Dict[str, int]:
        """Server time (``GET /fapi/v1/time``). :returns: ``{'serverTime': 1499827319559}``"""
        return self._fapi('GET', 'v1/time')

    def futures_exchange_info(self) -> Dict[str, Any]:
        """Contract rules (``GET /fapi/v1/exchangeInfo``).

        :returns: ``{'timezone': 'UTC', 'serverTime': ..., 'rateLimits': [...], 'assets': [...],
            'symbols': [{'symbol': 'BTCUSDT', 'pair': 'BTCUSDT', 'contractType': 'PERPETUAL',
            'status': 'TRADING', 'filters': [...], ...}]}``
        """
        return self._fapi('GET', 'v1/exchangeInfo')

    def futures_order_book(self, **params: Any) -> Dict[str, Any]:
        """Order book (``GET /fapi/v1/depth``).

        :param symbol: required. :param limit: 5, 10, 20, 50, 100 (default), 500 or 1000.
        :returns: ``{'lastUpdateId': 1027024, 'E': ..., 'T': ..., 'bids': [['4.00000000',
            '431.00000000']], 'asks': [...]}``
        """
        require('futures_order_book', params, 'symbol')
        check_depth_limit(params)
        return self._fapi('GET', 'v1/depth', params)

    def futures_recent_trades(self, **params: Any) -> List[Dict[str, Any]]:
        """Recent trades (``GET /fapi/v1/trades``): symbol required, limit up to 1000.

        :returns: ``[{'id': 28457, 'price': '4.00000100', 'qty': '12.00000000',
            'quoteQty': '48.00', 'time': 1499865549590, 'isBuyerMaker': True}]``
        """
        require('futures_recent_trades', params, 'symbol')
        check_limit(params, 1000)
        return self._fapi('GET', 'v1/trades', params)

    def futures_historical_trades(self, **params: Any) -> List[Dict[str, Any]]:
        """Older trades (``GET /fapi/v1/historicalTrades``): symbol required, limit up
        to 500, optional fromId. Sends the API key when the client has one."""
        require('futures_historical_trades', params, 'symbol')
        check_limit(params, 500)
        return self._fapi('GET', 'v1/historicalTrades', params, keyed=bool(self.API_KEY))

    def futures_aggregate_trades(self, **params: Any) -> List[Dict[str, Any]]:
        """Aggregate trades (``GET /fapi/v1/aggTrades``): symbol required; fromId,
        startTime, endTime, limit (up to 1000) optional.

        :returns: ``[{'a': 26129, 'p': '0.01633102', 'q': '4.70443515', 'f': 27781,
            'l': 27781, 'T': 1498793709153, 'm': True}]``
        """
        require('futures_aggregate_trades', params, 'symbol')
        check_limit(params, 1000)
        return self._fapi('GET', 'v1/aggTrades', params)

    def futures_klines(self, **params: Any) -> List[List[Any]]:
        """Candlesticks (``GET /fapi/v1/klines``): symbol and interval required,
        startTime/endTime optional, limit up to 1500 (default 500)."""
        require('futures_klines', params, 'symbol', 'interval')
        check_limit(params, FUTURES_MAX_KLINES)
        return self._fapi('GET', 'v1/klines', params)

    def futures_continous_klines(self, **params: Any) -> List[List[Any]]:
        """Klines of a contract type (``GET /fapi/v1/continuousKlines``; 0.7.11's spelling).

        :param pair: required, e.g. ``'BTCUSDT'``. :param contractType: required,
            ``PERPETUAL``, ``CURRENT_QUARTER`` or ``NEXT_QUARTER``.
        :param interval: required. :param limit: up to 1500.
        """
        require('futures_continous_klines', params, 'pair', 'contractType', 'interval')
        check_symbol(params['pair'], 'pair')
        check_choice('contractType', params['contractType'], FUTURES_CONTRACT_TYPES)
        check_limit(params, FUTURES_MAX_KLINES)
        return self._fapi('GET', 'v1/continuousKlines', params)

    def futures_historical_klines(self, symbol: str, interval: str, start_str: DateLike,
                                  end_str: Optional[DateLike] = None,
                                  limit: int = 500) -> List[List[Any]]:
        """Every futures kline from ``start_str`` to ``end_str``, page by page.

        Same arguments and result as :meth:`get_historical_klines` (0.7.11
        ignored ``end_str`` and ``limit`` here; they are honoured now);
        ``limit`` may be up to 1500.
        """
        return list(self.futures_historical_klines_generator(symbol, interval, start_str,
                                                             end_str, limit))

    def futures_historical_klines_generator(self, symbol: str, interval: str,
                                            start_str: DateLike,
                                            end_str: Optional[DateLike] = None,
                                            limit: int = 500) -> Iterator[List[Any]]:
        """Like :meth:`futures_historical_klines`, yielding klines as pages arrive.

        Arguments are checked when it is called; requests happen while it is iterated.
        """
        check_symbol(symbol)
        check_choice('interval', interval, KLINE_INTERVALS)
        check_limit({'limit': limit}, FUTURES_MAX_KLINES)
        start = _to_ms(start_str, 'start_str')
        end = None if end_str is None else _to_ms(end_str, 'end_str')
        return self._iter_klines(symbol, interval, start, end, limit,  # type: ignore
                                 fetch=self.futures_klines)

    def futures_mark_price(self, **params: Any) -> Any:
        """Mark price and funding rate (``GET /fapi/v1/premiumIndex``); symbol optional.

        :returns: ``{'symbol': 'BTCUSDT', 'markPrice': '11793.63104562', 'indexPrice': ...,
            'estimatedSettlePrice': ..., 'lastFundingRate': '0.00038246',
            'interestRate': '0.00010000', 'nextFundingTime': 1597392000000, 'time': ...}``
            (a list without ``symbol``)
        """
        return self._fapi('GET', 'v1/premiumIndex', params)

    def futures_funding_rate(self, **params: Any) -> List[Dict[str, Any]]:
        """Funding rate history (``GET /fapi/v1/fundingRate``): symbol, startTime,
        endTime optional; limit up to 1000.

        :returns: ``[{'symbol': 'BTCUSDT', 'fundingRate': '-0.03750000',
            'fundingTime': 1570608000000, 'markPrice': '34287.54619963'}]``
        """
        check_limit(params, 1000)
        return self._fapi('GET', 'v1/fundingRate', params)

    def futures_ticker(self, **params: Any) -> Any:
        """24 hour statistics (``GET /fapi/v1/ticker/24hr``); symbol optional."""
        return self._fapi('GET', 'v1/ticker/24hr', params)

    def futures_symbol_ticker(self, **params: Any) -> Any:
        """Latest price (``GET /fapi/v2/ticker/price``, which superseded v1); symbol optional.

        :returns: ``{'symbol': 'BTCUSDT', 'price': '6000.01', 'time': 1589437530011}``
        """
        return self._fapi('GET', 'v2/ticker/price', params)

    def futures_orderbook_ticker(self, **params: Any) -> Any:
        """Best bid and ask (``GET /fapi/v1/ticker/bookTicker``); symbol optional."""
        return self._fapi('GET', 'v1/ticker/bookTicker', params)

    def futures_liquidation_orders(self, **params: Any) -> Any:
        """Retired: Binance removed the market's liquidation order list.

        :raises BinanceEndpointRetiredError: always, before any request, naming
            the ``forceOrder`` streams and ``GET /fapi/v1/forceOrders``.
        """
        raise _retired('futures_liquidation_orders')

    def futures_open_interest(self, **params: Any) -> Dict[str, Any]:
        """Open interest of a symbol (``GET /fapi/v1/openInterest``; 0.7.11 used the
        retired ``ticker/openInterest``).

        :returns: ``{'openInterest': '10659.509', 'symbol': 'BTCUSDT', 'time': 1589437530011}``
        """
        require('futures_open_interest', params, 'symbol')
        return self._fapi('GET', 'v1/openInterest', params)

    def futures_open_interest_hist(self, **params: Any) -> List[Dict[str, Any]]:
        """Open interest statistics (``GET /futures/data/openInterestHist``).

        :param symbol: required. :param period: required, one of
            ``5m 15m 30m 1h 2h 4h 6h 12h 1d``. :param limit: up to 500.
        """
        require('futures_open_interest_hist', params, 'symbol', 'period')
        check_choice('period', params['period'], FUTURES_DATA_PERIODS)
        check_limit(params, 500)
        return self._request('GET', 'openInterestHist', params, api='futures/data')

    # -- account and trading (SIGNED) ----------------------------------------

    def futures_leverage_bracket(self, **params: Any) -> Any:
        """Notional and leverage brackets (``GET /fapi/v1/leverageBracket``); symbol optional."""
        return self._fapi('GET', 'v1/leverageBracket', params, signed=True)

    def futures_account_transfer(self, **params: Any) -> Dict[str, Any]:
        """Transfer between spot and USD-M futures (``POST /sapi/v1/futures/transfer``).

        :param asset: required. :param amount: required.
        :param type: required, ``1`` spot to USD-M, ``2`` USD-M to spot.
        :returns: ``{'tranId': 100000001}``

        Binance also offers ``POST /sapi/v1/asset/transfer`` (``MAIN_UMFUTURE``);
        whether it has retired this older path could not be confirmed from its
        docs at the time of writing, so 0.7.11's path is kept.
        """
        require('futures_account_transfer', params, 'asset', 'amount', 'type')
        return self._request('POST', 'v1/futures/transfer', params, signed=True, api='sapi')

    def transfer_history(self, **params: Any) -> Dict[str, Any]:
        """Spot/futures transfer history (``GET /sapi/v1/futures/transfer``).

        :param asset: required. :param startTime: required (ms).
        :returns: ``{'rows': [{'asset': 'USDT', 'tranId': 100000001, 'amount': '40.84624400',
            'type': '1', 'timestamp': 1555056425000, 'status': 'CONFIRMED'}], 'total': 1}``
        """
        require('transfer_history', params, 'asset', 'startTime')
        return self._request('GET', 'v1/futures/transfer', params, signed=True, api='sapi')

    def futures_create_order(self, **params: Any) -> Dict[str, Any]:
        """Send an order (``POST /fapi/v1/order``; conditional types ``POST /fapi/v1/algoOrder``).

        Since 2025-12-09 Binance refuses ``STOP``, ``STOP_MARKET``,
        ``TAKE_PROFIT``, ``TAKE_PROFIT_MARKET`` and ``TRAILING_STOP_MARKET`` on
        ``/fapi/v1/order`` (``-4120``); this method sends them to the Algo
        Service itself (:func:`to_algo_params`: ``stopPrice`` becomes
        ``triggerPrice``, ``activationPrice`` ``activatePrice``,
        ``newClientOrderId`` ``clientAlgoId``) and returns its answer
        (``algoId``, ``algoStatus`` ... see :meth:`futures_create_algo_order`).

        :param symbol: required. :param side: required, ``BUY`` or ``SELL``.
        :param type: required, one of ``LIMIT MARKET STOP STOP_MARKET TAKE_PROFIT
            TAKE_PROFIT_MARKET TRAILING_STOP_MARKET``.
        :param quantity: required except with ``closePosition=True``.
        :param price: and ``timeInForce`` for ``LIMIT``; ``stopPrice`` for stop types.
        :param positionSide: optional ``BOTH`` (one-way mode), ``LONG`` or ``SHORT``.
        :param reduceOnly: optional. :param newClientOrderId: optional.
        :returns: the order: ``{'orderId': 22542179, 'symbol': 'BTCUSDT', 'status': 'NEW',
            'clientOrderId': ..., 'price': '0', 'avgPrice': '0.00000', 'origQty': '10',
            'executedQty': '0', 'cumQuote': '0', 'timeInForce': 'GTC', 'type': 'MARKET',
            'reduceOnly': False, 'side': 'SELL', 'positionSide': 'SHORT', 'updateTime': ...}``
        """
        return USDM.create_order(self._fapi, 'futures_create_order', params)

    def futures_get_order(self, **params: Any) -> Dict[str, Any]:
        """One order (``GET /fapi/v1/order``): symbol and orderId or origClientOrderId.

        Given ``algoId`` or ``clientAlgoId`` (a conditional order), it asks
        ``GET /fapi/v1/algoOrder`` instead (``symbol`` is not sent there).
        """
        return USDM.one_order(self._fapi, 'GET', 'futures_get_order', params)

    def futures_get_open_orders(self, **params: Any) -> List[Dict[str, Any]]:
        """Open orders (``GET /fapi/v1/openOrders``); symbol optional."""
        return self._fapi('GET', 'v1/openOrders', params, signed=True)

    def futures_get_all_orders(self, **params: Any) -> List[Dict[str, Any]]:
        """All orders (``GET /fapi/v1/allOrders``): symbol required; orderId,
        startTime, endTime optional; limit up to 1000."""
        require('futures_get_all_orders', params, 'symbol')
        check_limit(params, 1000)
        return self._fapi('GET', 'v1/allOrders', params, signed=True)

    def futures_cancel_order(self, **params: Any) -> Dict[str, Any]:
        """Cancel an order (``DELETE /fapi/v1/order``): symbol and orderId or origClientOrderId.

        Given ``algoId`` or ``clientAlgoId`` (a conditional order), it cancels
        with ``DELETE /fapi/v1/algoOrder`` instead.
        """
        return USDM.one_order(self._fapi, 'DELETE', 'futures_cancel_order', params)

    def futures_cancel_all_open_orders(self, **params: Any) -> Dict[str, Any]:
        """Cancel every open order of a symbol (``DELETE /fapi/v1/allOpenOrders``).

        :returns: ``{'code': 200, 'msg': 'The operation of cancel all open order is done.'}``
        """
        require('futures_cancel_all_open_orders', params, 'symbol')
        return self._fapi('DELETE', 'v1/allOpenOrders', params, signed=True)

    def futures_cancel_orders(self, **params: Any) -> List[Dict[str, Any]]:
        """Cancel up to 10 orders (``DELETE /fapi/v1/batchOrders``).

        :param symbol: required. :param orderIdList: or ``origClientOrderIdList``:
            a list (sent as Binance's JSON array).
        :returns: one entry per order: the cancelled order, or ``{'code': -2011,
            'msg': 'Unknown order sent.'}``
        """
        return USDM.cancel_orders(self._fapi, 'futures_cancel_orders', params)

    def futures_account_balance(self, **params: Any) -> List[Dict[str, Any]]:
        """Balances (``GET /fapi/v3/balance``; 0.7.11 used the retired v1).

        :returns: ``[{'accountAlias': 'SgsR', 'asset': 'USDT', 'balance': '122607.35137903',
            'crossWalletBalance': ..., 'crossUnPnl': ..., 'availableBalance': ...,
            'maxWithdrawAmount': ..., 'marginAvailable': True, 'updateTime': ...}]``
        """
        return self._fapi('GET', 'v3/balance', params, signed=True)

    def futures_account(self, **params: Any) -> Dict[str, Any]:
        """Account (``GET /fapi/v3/account``; 0.7.11 used the retired v1).

        :returns: ``{'totalInitialMargin': ..., 'totalWalletBalance': ..., 'availableBalance': ...,
            'maxWithdrawAmount': ..., 'assets': [...], 'positions': [...]}``; v3 lists
            only symbols with a position or open order.
        """
        return self._fapi('GET', 'v3/account', params, signed=True)

    def futures_change_leverage(self, **params: Any) -> Dict[str, Any]:
        """Initial leverage (``POST /fapi/v1/leverage``): symbol and leverage 1 to 125.

        :returns: ``{'leverage': 21, 'maxNotionalValue': '1000000', 'symbol': 'BTCUSDT'}``
        """
        return USDM.change_leverage(self._fapi, 'futures_change_leverage', params)

    def futures_change_margin_type(self, **params: Any) -> Dict[str, Any]:
        """Margin type (``POST /fapi/v1/marginType``): symbol and ``ISOLATED`` or ``CROSSED``.

        :returns: ``{'code': 200, 'msg': 'success'}``
        """
        require('futures_change_margin_type', params, 'symbol', 'marginType')
        check_choice('marginType', params['marginType'], FUTURES_MARGIN_TYPES)
        return self._fapi('POST', 'v1/marginType', params, signed=True)

    def futures_change_position_margin(self, **params: Any) -> Dict[str, Any]:
        """Isolated position margin (``POST /fapi/v1/positionMargin``).

        :param symbol: required. :param amount: required. :param type: required,
            ``1`` add, ``2`` reduce. :param positionSide: optional.
        :returns: ``{'amount': 100.0, 'code': 200, 'msg': 'Successfully modify position margin.',
            'type': 1}``
        """
        require('futures_change_position_margin', params, 'symbol', 'amount', 'type')
        check_choice('type', str(params['type']), ('1', '2'))
        return self._fapi('POST', 'v1/positionMargin', params, signed=True)

    def futures_position_margin_history(self, **params: Any) -> List[Dict[str, Any]]:
        """Position margin changes (``GET /fapi/v1/positionMargin/history``): symbol required."""
        require('futures_position_margin_history', params, 'symbol')
        return self._fapi('GET', 'v1/positionMargin/history', params, signed=True)

    def futures_position_information(self, **params: Any) -> List[Dict[str, Any]]:
        """Positions (``GET /fapi/v3/positionRisk``; 0.7.11 used the retired v1).

        v3 lists only symbols with a position or open order, and its entries
        have no ``leverage``/``marginType`` (see :meth:`futures_leverage_bracket`).

        :returns: ``[{'symbol': 'ADAUSDT', 'positionSide': 'BOTH', 'positionAmt': '30',
            'entryPrice': '0.385', 'breakEvenPrice': ..., 'markPrice': ..., 'unRealizedProfit': ...,
            'liquidationPrice': '0', 'isolatedMargin': '0', 'notional': ..., 'marginAsset': 'USDT',
            'isolatedWallet': '0', 'initialMargin': ..., 'maintMargin': ...,
            'positionInitialMargin': ..., 'openOrderInitialMargin': '0', 'adl': 2,
            'bidNotional': '0', 'askNotional': '0', 'updateTime': ...}]``
        """
        return self._fapi('GET', 'v3/positionRisk', params, signed=True)

    def futures_account_trades(self, **params: Any) -> List[Dict[str, Any]]:
        """Your trades (``GET /fapi/v1/userTrades``): symbol required, limit up to 1000."""
        require('futures_account_trades', params, 'symbol')
        check_limit(params, 1000)
        return self._fapi('GET', 'v1/userTrades', params, signed=True)

    def futures_income_history(self, **params: Any) -> List[Dict[str, Any]]:
        """Income history (``GET /fapi/v1/income``): symbol, incomeType, startTime,
        endTime optional; limit up to 1000."""
        check_limit(params, 1000)
        return self._fapi('GET', 'v1/income', params, signed=True)

    def futures_change_position_mode(self, **params: Any) -> Dict[str, Any]:
        """Hedge or one-way mode (``POST /fapi/v1/positionSide/dual``): dualSidePosition
        ``True``/``False`` (or ``'true'``/``'false'``)."""
        return USDM.change_position_mode(self._fapi, 'futures_change_position_mode', params)

    def futures_get_position_mode(self, **params: Any) -> Dict[str, Any]:
        """Position mode (``GET /fapi/v1/positionSide/dual``). :returns: ``{'dualSidePosition': True}``"""
        return self._fapi('GET', 'v1/positionSide/dual', params, signed=True)

    # -- user data stream ---------------------------------------------------

    def futures_stream_get_listen_key(self) -> str:
        """A listen key for the futures user data stream (``POST /fapi/v1/listenKey``).

        Needs the API key only. The key lives 60 minutes; Binance answers with
        the account's current key while it is valid.
        """
        return USDM.get_listen_key(self._fapi, self)

    def futures_stream_keepalive(self, listenKey: Optional[str] = None) -> Dict[str, Any]:
        """Extend the futures listen key by 60 minutes (``PUT /fapi/v1/listenKey``).

        Binance extends the account's key and takes no parameter; ``listenKey``
        is accepted for symmetry with the spot method and checked, not sent.
        An expired key answers ``-1125``.

        :returns: ``{'listenKey': '...'}``
        """
        return USDM.listen_key_call(self._fapi, 'PUT', listenKey)

    def futures_stream_close(self, listenKey: Optional[str] = None) -> Dict[str, Any]:
        """Close the futures listen key (``DELETE /fapi/v1/listenKey``). :returns: ``{}``"""
        return USDM.listen_key_call(self._fapi, 'DELETE', listenKey)


def futures_method_table(cls: type = FuturesMixin) -> List[Tuple[str, str]]:
    """``(method, endpoint)`` of every futures method of ``cls`` (used by the docs and tests)."""
    rows = []
    for name in sorted(dir(cls)):
        if name.startswith('futures_') or name == 'transfer_history':
            doc = getattr(cls, name).__doc__ or ''
            rows.append((name, doc.split('(``', 1)[-1].split('``', 1)[0] if '(``' in doc else ''))
    return rows
