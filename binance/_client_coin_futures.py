"""COIN-M futures methods of :class:`binance.client.Client` (``https://dapi.binance.com``).

The names and keyword arguments are python-binance 0.7.11's 38
``futures_coin_*`` methods; the paths are today's (Binance "Derivatives
Trading COIN-M Futures" docs): ``/dapi/v1/...``, leverage brackets on
``/dapi/v2/leverageBracket``, open interest history on the dapi host's
``/futures/data/openInterestHist``. Since Binance's COIN-M / USD-M
integration (2026-06-30) conditional orders live on the Algo Service
(``/dapi/v1/algoOrder``) and ``/dapi/v1/order`` refuses them with
``-4120``: :meth:`CoinFuturesMixin.futures_coin_create_order` sends them
there itself, as the USD-M method does. The endpoint Binance retired
(``/dapi/v1/allForceOrders``) raises
:class:`~binance.exceptions.BinanceEndpointRetiredError` naming the
replacement before any request.

COIN-M contracts are inverse: a quantity is a number of contracts of a fixed
USD value (``contractSize`` of ``exchangeInfo``: 100 USD for BTCUSD, 10 USD for
the others); margin, balances and profit are in the base coin.

Signed requests carry COIN-M's own clock (:attr:`CoinFuturesMixin.coin_futures_server_clock`,
measured with ``GET /dapi/v1/time``).

Binance reference: https://developers.binance.com/docs/derivatives/coin-margined-futures/general-info
"""
from typing import Any, Dict, List, Optional, Tuple

from binance._client_base import ClientBase
from binance._client_futures import (FUTURES_CONTRACT_TYPES, FUTURES_DATA_PERIODS,
                                     FUTURES_MARGIN_TYPES, FUTURES_MAX_KLINES)
from binance._client_hosts import DAPI_HOSTS, is_binance_host
from binance._client_params import check_choice, check_limit, check_symbol, register_params, \
    require
from binance._clock import ServerClock
from binance._futures_family import FuturesFamily, check_depth_limit, family_clock, family_root
from binance.exceptions import BinanceEndpointRetiredError

__all__ = ['CoinFuturesMixin', 'coin_futures_method_table', 'RETIRED_COIN_FUTURES']

#: Order types of COIN-M (the conditional ones go to ``POST /dapi/v1/algoOrder``).
COIN_FUTURES_ORDER_TYPES = ('LIMIT', 'MARKET', 'STOP', 'STOP_MARKET', 'TAKE_PROFIT',
                            'TAKE_PROFIT_MARKET', 'TRAILING_STOP_MARKET')
COIN_FUTURES_CONDITIONAL_TYPES = COIN_FUTURES_ORDER_TYPES[2:]
#: Time in force values of COIN-M orders (no ``GTD`` on COIN-M).
COIN_FUTURES_TIME_IN_FORCES = ('GTC', 'IOC', 'FOK', 'GTX')
#: COIN-M as :mod:`binance._futures_family` serves it (a ``MARKET`` order needs a quantity).
COINM = FuturesFamily('dapi', 'futures_coin_', COIN_FUTURES_ORDER_TYPES,
                      COIN_FUTURES_CONDITIONAL_TYPES, COIN_FUTURES_TIME_IN_FORCES,
                      market_close_position=False)
#: ``contractType`` of ``/futures/data/openInterestHist`` on the dapi host.
COIN_FUTURES_DATA_CONTRACT_TYPES = ('ALL', 'PERPETUAL', 'CURRENT_QUARTER', 'NEXT_QUARTER')

#: 0.7.11 methods whose endpoint is gone: method -> (retired endpoint, replacement).
RETIRED_COIN_FUTURES = {
    'futures_coin_liquidation_orders': (
        'GET /dapi/v1/allForceOrders',
        'the !forceOrder@arr / <symbol>@forceOrder streams on dstream for the market, or '
        'GET /dapi/v1/forceOrders (signed) for your own liquidations'),
}

_KLINES = ('interval', 'startTime', 'endTime', 'limit')
_ORDER = ('symbol', 'side', 'positionSide', 'type', 'timeInForce', 'quantity', 'reduceOnly',
          'price', 'newClientOrderId', 'stopPrice', 'closePosition', 'activationPrice',
          'callbackRate', 'workingType', 'priceProtect', 'newOrderRespType', 'priceMatch',
          'selfTradePreventionMode')
_ALGO = ('algoType', 'symbol', 'side', 'positionSide', 'type', 'timeInForce', 'quantity',
         'price', 'triggerPrice', 'workingType', 'priceMatch', 'closePosition', 'priceProtect',
         'reduceOnly', 'activatePrice', 'callbackRate', 'clientAlgoId', 'newOrderRespType',
         'selfTradePreventionMode')
_ID = ('symbol', 'orderId', 'origClientOrderId')
#: Parameters of each COIN-M endpoint (COIN-M REST docs, 2026) besides
#: ``timestamp``, ``signature`` and ``recvWindow``.
COIN_FUTURES_PARAMS: Dict[Tuple[str, str], Tuple[str, ...]] = {
    ('GET', '/dapi/v1/ping'): (),
    ('GET', '/dapi/v1/time'): (),
    ('GET', '/dapi/v1/exchangeInfo'): (),
    ('GET', '/dapi/v1/depth'): ('symbol', 'limit'),
    ('GET', '/dapi/v1/trades'): ('symbol', 'limit'),
    ('GET', '/dapi/v1/historicalTrades'): ('symbol', 'limit', 'fromId'),
    ('GET', '/dapi/v1/aggTrades'): ('symbol', 'fromId', 'startTime', 'endTime', 'limit'),
    ('GET', '/dapi/v1/klines'): ('symbol',) + _KLINES,
    ('GET', '/dapi/v1/continuousKlines'): ('pair', 'contractType') + _KLINES,
    ('GET', '/dapi/v1/indexPriceKlines'): ('pair',) + _KLINES,
    ('GET', '/dapi/v1/markPriceKlines'): ('symbol',) + _KLINES,
    ('GET', '/dapi/v1/premiumIndex'): ('symbol', 'pair'),
    ('GET', '/dapi/v1/fundingRate'): ('symbol', 'startTime', 'endTime', 'limit'),
    ('GET', '/dapi/v1/ticker/24hr'): ('symbol', 'pair'),
    ('GET', '/dapi/v1/ticker/price'): ('symbol', 'pair'),
    ('GET', '/dapi/v1/ticker/bookTicker'): ('symbol', 'pair'),
    ('GET', '/dapi/v1/openInterest'): ('symbol',),
    ('GET', '/dapi-data/openInterestHist'): ('pair', 'contractType', 'period', 'limit',
                                             'startTime', 'endTime'),
    ('GET', '/dapi/v2/leverageBracket'): ('symbol',),
    ('POST', '/dapi/v1/order'): _ORDER,
    ('POST', '/dapi/v1/algoOrder'): _ALGO,
    ('GET', '/dapi/v1/algoOrder'): ('algoId', 'clientAlgoId'),
    ('DELETE', '/dapi/v1/algoOrder'): ('algoId', 'clientAlgoId'),
    ('GET', '/dapi/v1/order'): _ID,
    ('DELETE', '/dapi/v1/order'): _ID,
    ('GET', '/dapi/v1/openOrders'): ('symbol', 'pair'),
    ('GET', '/dapi/v1/allOrders'): ('symbol', 'pair', 'orderId', 'startTime', 'endTime',
                                    'limit'),
    ('DELETE', '/dapi/v1/allOpenOrders'): ('symbol',),
    ('DELETE', '/dapi/v1/batchOrders'): ('symbol', 'orderIdList', 'origClientOrderIdList'),
    ('GET', '/dapi/v1/balance'): (),
    ('GET', '/dapi/v1/account'): (),
    ('POST', '/dapi/v1/leverage'): ('symbol', 'leverage'),
    ('POST', '/dapi/v1/marginType'): ('symbol', 'marginType'),
    ('POST', '/dapi/v1/positionMargin'): ('symbol', 'positionSide', 'amount', 'type'),
    ('GET', '/dapi/v1/positionMargin/history'): ('symbol', 'type', 'startTime', 'endTime',
                                                 'limit'),
    ('GET', '/dapi/v1/positionRisk'): ('marginAsset', 'pair'),
    ('GET', '/dapi/v1/userTrades'): ('symbol', 'pair', 'orderId', 'startTime', 'endTime',
                                     'fromId', 'limit'),
    ('GET', '/dapi/v1/income'): ('symbol', 'incomeType', 'startTime', 'endTime', 'page',
                                 'limit'),
    ('POST', '/dapi/v1/positionSide/dual'): ('dualSidePosition',),
    ('GET', '/dapi/v1/positionSide/dual'): (),
    ('POST', '/dapi/v1/listenKey'): (),
    ('PUT', '/dapi/v1/listenKey'): (),
    ('DELETE', '/dapi/v1/listenKey'): (),
}
for (_method, _path), _names in COIN_FUTURES_PARAMS.items():
    register_params(_method, _path, _names)


def _retired(method: str) -> BinanceEndpointRetiredError:
    retired, replacement = RETIRED_COIN_FUTURES[method]
    return BinanceEndpointRetiredError(method, retired, replacement)


def _symbol_or_pair(method: str, params: Dict[str, Any]) -> None:
    for name in ('symbol', 'pair'):
        if params.get(name) is not None:
            check_symbol(params[name], name)


class CoinFuturesMixin(ClientBase):
    """COIN-M futures: ``/dapi/...`` endpoints on ``FUTURES_COIN_URL``."""

    FUTURES_COIN_URL_TEMPLATE: str = DAPI_HOSTS[0]
    FUTURES_COIN_URL = FUTURES_COIN_URL_TEMPLATE.format('com')
    FUTURES_COIN_TESTNET_URL: str = DAPI_HOSTS[1] or ''
    FUTURES_COIN_DEMO_URL: str = DAPI_HOSTS[2] or ''

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)   # the Client's arguments (see ClientBase)
        self.FUTURES_COIN_URL = family_root(self, 'FUTURES_COIN')
        #: The offset to the COIN-M server's time (``GET /dapi/v1/time``), which
        #: stamps signed ``/dapi`` requests; kept like :attr:`server_clock`.
        self.coin_futures_server_clock = family_clock(self, self._fetch_coin_futures_server_time)

    @property
    def FUTURES_COIN_DATA_URL(self) -> str:
        """0.7.11's name for the dapi host's ``/futures/data`` root (follows ``FUTURES_COIN_URL``)."""
        return self._base_url('dapi-data')

    def _fetch_coin_futures_server_time(self) -> Any:
        return self._dapi('GET', 'v1/time')

    def _clock_for(self, api: str) -> ServerClock:
        if api == 'dapi':
            return self.coin_futures_server_clock
        return super()._clock_for(api)

    def _coin_futures_base(self) -> str:
        base = self.FUTURES_COIN_URL.rstrip('/')
        api = self.API_URL.rstrip('/')
        if is_binance_host(base) and not is_binance_host(api):
            # the client was pointed at another server (a local exchange) by API_URL
            # only: COIN-M follows it rather than leaving for dapi.binance.com
            return (api[:-len('/api')] if api.endswith('/api') else api) + '/dapi'
        return base

    def _base_url(self, api: str) -> str:
        if api == 'dapi':
            return self._coin_futures_base()
        if api == 'dapi-data':   # /futures/data on the dapi host
            base = self._coin_futures_base()
            return (base[:-len('/dapi')] if base.endswith('/dapi') else base) + '/futures/data'
        return super()._base_url(api)

    def _dapi(self, method: str, path: str, params: Optional[Dict[str, Any]] = None,
              signed: bool = False, **kw: Any) -> Any:
        return self._request(method, path, params, signed=signed, api='dapi', **kw)

    # -- market data ----------------------------------------------------------

    def futures_coin_ping(self) -> Dict[str, Any]:
        """Test connectivity (``GET /dapi/v1/ping``). :returns: ``{}``"""
        return self._dapi('GET', 'v1/ping')

    def futures_coin_time(self) -> Dict[str, int]:
        """Server time (``GET /dapi/v1/time``). :returns: ``{'serverTime': 1499827319559}``"""
        return self._dapi('GET', 'v1/time')

    def futures_coin_exchange_info(self) -> Dict[str, Any]:
        """Contract rules (``GET /dapi/v1/exchangeInfo``).

        :returns: ``{'timezone': 'UTC', 'serverTime': ..., 'rateLimits': [...],
            'symbols': [{'symbol': 'BTCUSD_PERP', 'pair': 'BTCUSD', 'contractType':
            'PERPETUAL', 'contractSize': 100, 'contractStatus': 'TRADING',
            'marginAsset': 'BTC', 'pricePrecision': 1, 'quantityPrecision': 0,
            'filters': [...], ...}]}``
        """
        return self._dapi('GET', 'v1/exchangeInfo')

    def futures_coin_order_book(self, **params: Any) -> Dict[str, Any]:
        """Order book (``GET /dapi/v1/depth``): symbol required; limit 5, 10, 20, 50,
        100, 500 (default) or 1000.

        :returns: ``{'lastUpdateId': 16769853, 'symbol': 'BTCUSD_PERP', 'pair': 'BTCUSD',
            'E': ..., 'T': ..., 'bids': [['9638.0', '431']], 'asks': [...]}``
        """
        require('futures_coin_order_book', params, 'symbol')
        check_depth_limit(params)
        return self._dapi('GET', 'v1/depth', params)

    def futures_coin_recent_trades(self, **params: Any) -> List[Dict[str, Any]]:
        """Recent trades (``GET /dapi/v1/trades``): symbol required, limit up to 1000.

        :returns: ``[{'id': 28457, 'price': '9635.0', 'qty': '1', 'baseQty': '0.01037883',
            'time': 1591250192508, 'isBuyerMaker': True}]``
        """
        require('futures_coin_recent_trades', params, 'symbol')
        check_limit(params, 1000)
        return self._dapi('GET', 'v1/trades', params)

    def futures_coin_historical_trades(self, **params: Any) -> List[Dict[str, Any]]:
        """Older trades (``GET /dapi/v1/historicalTrades``): symbol required, limit up
        to 1000, optional fromId. Sends the API key when the client has one."""
        require('futures_coin_historical_trades', params, 'symbol')
        check_limit(params, 1000)
        return self._dapi('GET', 'v1/historicalTrades', params, keyed=bool(self.API_KEY))

    def futures_coin_aggregate_trades(self, **params: Any) -> List[Dict[str, Any]]:
        """Aggregate trades (``GET /dapi/v1/aggTrades``): symbol required; fromId,
        startTime, endTime, limit (up to 1000) optional."""
        require('futures_coin_aggregate_trades', params, 'symbol')
        check_limit(params, 1000)
        return self._dapi('GET', 'v1/aggTrades', params)

    def futures_coin_klines(self, **params: Any) -> List[List[Any]]:
        """Candlesticks (``GET /dapi/v1/klines``): symbol and interval required,
        startTime/endTime optional, limit up to 1500 (default 500)."""
        require('futures_coin_klines', params, 'symbol', 'interval')
        check_limit(params, FUTURES_MAX_KLINES)
        return self._dapi('GET', 'v1/klines', params)

    def futures_coin_continous_klines(self, **params: Any) -> List[List[Any]]:
        """Klines of a pair's contract type (``GET /dapi/v1/continuousKlines``; 0.7.11's spelling).

        :param pair: required, e.g. ``'BTCUSD'``. :param contractType: required,
            ``PERPETUAL``, ``CURRENT_QUARTER`` or ``NEXT_QUARTER``.
        :param interval: required. :param limit: up to 1500.
        """
        require('futures_coin_continous_klines', params, 'pair', 'contractType', 'interval')
        check_symbol(params['pair'], 'pair')
        check_choice('contractType', params['contractType'], FUTURES_CONTRACT_TYPES)
        check_limit(params, FUTURES_MAX_KLINES)
        return self._dapi('GET', 'v1/continuousKlines', params)

    def futures_coin_index_price_klines(self, **params: Any) -> List[List[Any]]:
        """Index price klines of a pair (``GET /dapi/v1/indexPriceKlines``): pair and
        interval required, limit up to 1500."""
        require('futures_coin_index_price_klines', params, 'pair', 'interval')
        check_symbol(params['pair'], 'pair')
        check_limit(params, FUTURES_MAX_KLINES)
        return self._dapi('GET', 'v1/indexPriceKlines', params)

    def futures_coin_mark_price_klines(self, **params: Any) -> List[List[Any]]:
        """Mark price klines of a contract (``GET /dapi/v1/markPriceKlines``): symbol
        and interval required, limit up to 1500."""
        require('futures_coin_mark_price_klines', params, 'symbol', 'interval')
        check_limit(params, FUTURES_MAX_KLINES)
        return self._dapi('GET', 'v1/markPriceKlines', params)

    def futures_coin_mark_price(self, **params: Any) -> List[Dict[str, Any]]:
        """Mark price and funding rate (``GET /dapi/v1/premiumIndex``); symbol or pair optional.

        :returns: a list, even for one symbol: ``[{'symbol': 'BTCUSD_PERP', 'pair': 'BTCUSD',
            'markPrice': '11029.69574559', 'indexPrice': ..., 'estimatedSettlePrice': ...,
            'lastFundingRate': '0.00071003', 'interestRate': '0.00010000',
            'nextFundingTime': 1596096000000, 'time': ...}]`` (delivery contracts have
            empty funding fields)
        """
        _symbol_or_pair('futures_coin_mark_price', params)
        return self._dapi('GET', 'v1/premiumIndex', params)

    def futures_coin_funding_rate(self, **params: Any) -> List[Dict[str, Any]]:
        """Funding rate history of a perpetual (``GET /dapi/v1/fundingRate``): symbol
        required; startTime, endTime, limit (up to 1000) optional."""
        require('futures_coin_funding_rate', params, 'symbol')
        check_limit(params, 1000)
        return self._dapi('GET', 'v1/fundingRate', params)

    def futures_coin_ticker(self, **params: Any) -> List[Dict[str, Any]]:
        """24 hour statistics (``GET /dapi/v1/ticker/24hr``); symbol or pair optional.

        :returns: a list, with ``pair`` and ``baseVolume`` (the volume in coins).
        """
        _symbol_or_pair('futures_coin_ticker', params)
        return self._dapi('GET', 'v1/ticker/24hr', params)

    def futures_coin_symbol_ticker(self, **params: Any) -> List[Dict[str, Any]]:
        """Latest price (``GET /dapi/v1/ticker/price``); symbol or pair optional.

        :returns: a list: ``[{'symbol': 'BTCUSD_PERP', 'ps': 'BTCUSD', 'price': '9647.8',
            'time': 1591257246176}]``
        """
        _symbol_or_pair('futures_coin_symbol_ticker', params)
        return self._dapi('GET', 'v1/ticker/price', params)

    def futures_coin_orderbook_ticker(self, **params: Any) -> List[Dict[str, Any]]:
        """Best bid and ask (``GET /dapi/v1/ticker/bookTicker``); symbol or pair optional.

        :returns: a list: ``[{'lastUpdateId': 1027024, 'symbol': 'BTCUSD_PERP', 'pair':
            'BTCUSD', 'bidPrice': '9650.1', 'bidQty': '16', 'askPrice': '9650.3',
            'askQty': '7', 'time': 1591257300345}]``
        """
        _symbol_or_pair('futures_coin_orderbook_ticker', params)
        return self._dapi('GET', 'v1/ticker/bookTicker', params)

    def futures_coin_liquidation_orders(self, **params: Any) -> Any:
        """Retired (0.7.11: ``GET /dapi/v1/allForceOrders``): raises
        :class:`~binance.exceptions.BinanceEndpointRetiredError` naming the replacement."""
        raise _retired('futures_coin_liquidation_orders')

    def futures_coin_open_interest(self, **params: Any) -> Dict[str, Any]:
        """Open interest of a contract (``GET /dapi/v1/openInterest``): symbol required.

        :returns: ``{'symbol': 'BTCUSD_PERP', 'pair': 'BTCUSD', 'openInterest': '15004',
            'contractType': 'PERPETUAL', 'time': 1591261042378}``
        """
        require('futures_coin_open_interest', params, 'symbol')
        return self._dapi('GET', 'v1/openInterest', params)

    def futures_coin_open_interest_hist(self, **params: Any) -> List[Dict[str, Any]]:
        """Open interest history (``GET /futures/data/openInterestHist`` on the dapi host).

        :param pair: required, e.g. ``'BTCUSD'``. :param contractType: required,
            ``ALL``, ``PERPETUAL``, ``CURRENT_QUARTER`` or ``NEXT_QUARTER``.
        :param period: required, ``5m`` ... ``1d``. :param limit: up to 500 (default 30).
        :returns: ``[{'pair': 'BTCUSD', 'contractType': 'CURRENT_QUARTER',
            'sumOpenInterest': '20403', 'sumOpenInterestValue': '176196512.23400000',
            'timestamp': 1591261042378}]``
        """
        require('futures_coin_open_interest_hist', params, 'pair', 'contractType', 'period')
        check_symbol(params['pair'], 'pair')
        check_choice('contractType', params['contractType'], COIN_FUTURES_DATA_CONTRACT_TYPES)
        check_choice('period', params['period'], FUTURES_DATA_PERIODS)
        check_limit(params, 500)
        return self._request('GET', 'openInterestHist', params, api='dapi-data')

    def futures_coin_leverage_bracket(self, **params: Any) -> List[Dict[str, Any]]:
        """Leverage brackets by contract (``GET /dapi/v2/leverageBracket``, as 0.7.11); symbol optional.

        :returns: ``[{'symbol': 'BTCUSD_PERP', 'notionalCoef': 1.5, 'brackets': [{'bracket': 1,
            'initialLeverage': 125, 'qtyCap': 50, 'qtyFloor': 0, 'maintMarginRatio': 0.004,
            'cum': 0.0}]}]`` (caps in contracts)
        """
        return self._dapi('GET', 'v2/leverageBracket', params, signed=True)

    # -- trading --------------------------------------------------------------------

    def futures_coin_create_order(self, **params: Any) -> Dict[str, Any]:
        """Send an order (``POST /dapi/v1/order``; conditional types ``POST /dapi/v1/algoOrder``).

        Since 2026-06-30 Binance refuses ``STOP``, ``STOP_MARKET``,
        ``TAKE_PROFIT``, ``TAKE_PROFIT_MARKET`` and ``TRAILING_STOP_MARKET``
        on ``/dapi/v1/order`` (``-4120``); this method sends them to the Algo
        Service (``stopPrice`` becomes ``triggerPrice``, ``activationPrice``
        ``activatePrice``, ``newClientOrderId`` ``clientAlgoId``) and returns
        its answer (``algoId``, ``algoStatus``, ...).

        :param symbol: required, e.g. ``'BTCUSD_PERP'``. :param side: ``BUY`` or ``SELL``.
        :param type: one of ``LIMIT MARKET STOP STOP_MARKET TAKE_PROFIT
            TAKE_PROFIT_MARKET TRAILING_STOP_MARKET``.
        :param quantity: in contracts (100 USD each for BTCUSD, 10 USD for the others).
        :param price: and ``timeInForce`` for ``LIMIT``; ``stopPrice`` for stop types.
        :returns: ``{'orderId': 22542179, 'symbol': 'BTCUSD_PERP', 'pair': 'BTCUSD',
            'status': 'NEW', 'clientOrderId': ..., 'price': '0', 'avgPrice': '0.0',
            'origQty': '10', 'executedQty': '0', 'cumQty': '0', 'cumBase': '0',
            'timeInForce': 'GTC', 'type': 'MARKET', 'side': 'BUY', 'positionSide': 'BOTH',
            'updateTime': ...}``
        """
        return COINM.create_order(self._dapi, 'futures_coin_create_order', params)

    def futures_coin_get_order(self, **params: Any) -> Dict[str, Any]:
        """One order (``GET /dapi/v1/order``): symbol and orderId or origClientOrderId.

        Given ``algoId`` or ``clientAlgoId`` (a conditional order), it asks
        ``GET /dapi/v1/algoOrder`` instead.
        """
        return COINM.one_order(self._dapi, 'GET', 'futures_coin_get_order', params)

    def futures_coin_get_open_orders(self, **params: Any) -> List[Dict[str, Any]]:
        """Open orders (``GET /dapi/v1/openOrders``); symbol or pair optional."""
        _symbol_or_pair('futures_coin_get_open_orders', params)
        return self._dapi('GET', 'v1/openOrders', params, signed=True)

    def futures_coin_get_all_orders(self, **params: Any) -> List[Dict[str, Any]]:
        """All orders (``GET /dapi/v1/allOrders``): symbol or pair; orderId, startTime,
        endTime optional; limit up to 100."""
        require('futures_coin_get_all_orders', params, ('symbol', 'pair'))
        check_limit(params, 100)
        return self._dapi('GET', 'v1/allOrders', params, signed=True)

    def futures_coin_cancel_order(self, **params: Any) -> Dict[str, Any]:
        """Cancel an order (``DELETE /dapi/v1/order``): symbol and orderId or origClientOrderId.

        Given ``algoId`` or ``clientAlgoId``, it cancels with ``DELETE /dapi/v1/algoOrder``.
        """
        return COINM.one_order(self._dapi, 'DELETE', 'futures_coin_cancel_order', params)

    def futures_coin_cancel_all_open_orders(self, **params: Any) -> Dict[str, Any]:
        """Cancel every open order of a contract (``DELETE /dapi/v1/allOpenOrders``).

        :returns: ``{'code': 200, 'msg': 'The operation of cancel all open order is done.'}``
        """
        require('futures_coin_cancel_all_open_orders', params, 'symbol')
        return self._dapi('DELETE', 'v1/allOpenOrders', params, signed=True)

    def futures_coin_cancel_orders(self, **params: Any) -> List[Dict[str, Any]]:
        """Cancel up to 10 orders (``DELETE /dapi/v1/batchOrders``): symbol and
        ``orderIdList`` or ``origClientOrderIdList`` (a list, sent as a JSON array)."""
        return COINM.cancel_orders(self._dapi, 'futures_coin_cancel_orders', params)

    # -- account ------------------------------------------------------------------------

    def futures_coin_account_balance(self, **params: Any) -> List[Dict[str, Any]]:
        """Balances in coins (``GET /dapi/v1/balance``).

        :returns: ``[{'accountAlias': 'SgsR', 'asset': 'BTC', 'balance': '0.00250000',
            'withdrawAvailable': '0.00250000', 'crossWalletBalance': '0.00241969',
            'crossUnPnl': '0.00000000', 'availableBalance': '0.00241969',
            'updateTime': 1592468353979}]``
        """
        return self._dapi('GET', 'v1/balance', params, signed=True)

    def futures_coin_account(self, **params: Any) -> Dict[str, Any]:
        """Account (``GET /dapi/v1/account``): ``assets`` (per coin: walletBalance,
        unrealizedProfit, marginBalance, maintMargin, initialMargin, availableBalance,
        ...) and ``positions`` (symbol, positionAmt, entryPrice, leverage, isolated,
        positionSide, maxQty, ...), ``canTrade``, ``feeTier``, ``updateTime``."""
        return self._dapi('GET', 'v1/account', params, signed=True)

    def futures_coin_change_leverage(self, **params: Any) -> Dict[str, Any]:
        """Initial leverage (``POST /dapi/v1/leverage``): symbol and leverage 1 to 125.

        :returns: ``{'leverage': 21, 'maxQty': '1000', 'symbol': 'BTCUSD_PERP'}``
        """
        return COINM.change_leverage(self._dapi, 'futures_coin_change_leverage', params)

    def futures_coin_change_margin_type(self, **params: Any) -> Dict[str, Any]:
        """Margin type (``POST /dapi/v1/marginType``): symbol and ``ISOLATED`` or ``CROSSED``."""
        require('futures_coin_change_margin_type', params, 'symbol', 'marginType')
        check_choice('marginType', params['marginType'], FUTURES_MARGIN_TYPES)
        return self._dapi('POST', 'v1/marginType', params, signed=True)

    def futures_coin_change_position_margin(self, **params: Any) -> Dict[str, Any]:
        """Isolated position margin in coins (``POST /dapi/v1/positionMargin``): symbol,
        amount and type (``1`` add, ``2`` reduce) required; positionSide optional."""
        require('futures_coin_change_position_margin', params, 'symbol', 'amount', 'type')
        check_choice('type', str(params['type']), ('1', '2'))
        return self._dapi('POST', 'v1/positionMargin', params, signed=True)

    def futures_coin_position_margin_history(self, **params: Any) -> List[Dict[str, Any]]:
        """Position margin changes (``GET /dapi/v1/positionMargin/history``): symbol required."""
        require('futures_coin_position_margin_history', params, 'symbol')
        return self._dapi('GET', 'v1/positionMargin/history', params, signed=True)

    def futures_coin_position_information(self, **params: Any) -> List[Dict[str, Any]]:
        """Positions (``GET /dapi/v1/positionRisk``); marginAsset or pair optional.

        :returns: ``[{'symbol': 'BTCUSD_PERP', 'positionAmt': '10', 'entryPrice': '60000.0',
            'markPrice': ..., 'unRealizedProfit': ... (coins), 'liquidationPrice': ...,
            'leverage': '20', 'maxQty': '250', 'marginType': 'cross', 'isolatedMargin': ...,
            'isAutoAddMargin': 'false', 'positionSide': 'BOTH', 'notionalValue': ... (coins),
            'isolatedWallet': '0', 'updateTime': ...}]``

        ``symbol=`` (which ``/dapi/v1/positionRisk`` does not take) is accepted for
        scripts that pass it: the positions of that symbol's ``pair`` are asked
        for and the others left out.
        """
        symbol = params.pop('symbol', None) if 'symbol' in params else None
        if symbol is not None:
            check_symbol(symbol)
            if params.get('pair') is None and '_' in symbol:
                params['pair'] = symbol.split('_', 1)[0]
        if params.get('pair') is not None:
            check_symbol(params['pair'], 'pair')
        rows = self._dapi('GET', 'v1/positionRisk', params, signed=True)
        if symbol is None or not isinstance(rows, list):
            return rows
        return [row for row in rows if isinstance(row, dict) and row.get('symbol') == symbol]

    def futures_coin_account_trades(self, **params: Any) -> List[Dict[str, Any]]:
        """Your trades (``GET /dapi/v1/userTrades``): symbol or pair; limit up to 1000.

        :returns: ``[{'symbol': 'BTCUSD_PERP', 'id': 6, 'orderId': 28, 'pair': 'BTCUSD',
            'side': 'SELL', 'price': '8800', 'qty': '1', 'realizedPnl': '0',
            'marginAsset': 'BTC', 'baseQty': '0.01136364', 'commission': '0.00000454',
            'commissionAsset': 'BTC', 'time': ..., 'positionSide': 'BOTH',
            'buyer': False, 'maker': False}]``
        """
        require('futures_coin_account_trades', params, ('symbol', 'pair'))
        check_limit(params, 1000)
        return self._dapi('GET', 'v1/userTrades', params, signed=True)

    def futures_coin_income_history(self, **params: Any) -> List[Dict[str, Any]]:
        """Income history in coins (``GET /dapi/v1/income``): symbol, incomeType,
        startTime, endTime optional; limit up to 1000."""
        check_limit(params, 1000)
        return self._dapi('GET', 'v1/income', params, signed=True)

    def futures_coin_change_position_mode(self, **params: Any) -> Dict[str, Any]:
        """Hedge or one-way mode (``POST /dapi/v1/positionSide/dual``): dualSidePosition
        ``True``/``False``. Since 2026-06-30 one setting for USD-M and COIN-M alike."""
        return COINM.change_position_mode(self._dapi, 'futures_coin_change_position_mode',
                                          params)

    def futures_coin_get_position_mode(self, **params: Any) -> Dict[str, Any]:
        """Position mode (``GET /dapi/v1/positionSide/dual``). :returns: ``{'dualSidePosition': True}``"""
        return self._dapi('GET', 'v1/positionSide/dual', params, signed=True)

    # -- user data stream (python-binance 1.0's names) ----------------------------------

    def futures_coin_stream_get_listen_key(self) -> str:
        """A listen key for the COIN-M user data stream (``POST /dapi/v1/listenKey``).

        Needs the API key only; the key lives 60 minutes.
        """
        return COINM.get_listen_key(self._dapi, self)

    def futures_coin_stream_keepalive(self, listenKey: Optional[str] = None) -> Dict[str, Any]:
        """Extend the COIN-M listen key by 60 minutes (``PUT /dapi/v1/listenKey``);
        ``listenKey`` is checked, not sent (Binance extends the account's key)."""
        return COINM.listen_key_call(self._dapi, 'PUT', listenKey)

    def futures_coin_stream_close(self, listenKey: Optional[str] = None) -> Dict[str, Any]:
        """Close the COIN-M listen key (``DELETE /dapi/v1/listenKey``). :returns: ``{}``"""
        return COINM.listen_key_call(self._dapi, 'DELETE', listenKey)


def coin_futures_method_table(cls: type = CoinFuturesMixin) -> List[Tuple[str, str]]:
    """``(method, endpoint)`` of every ``futures_coin_*`` method of ``cls`` (docs and tests)."""
    rows = []
    for name in sorted(dir(cls)):
        if name.startswith('futures_coin_'):
            doc = getattr(cls, name).__doc__ or ''
            rows.append((name, doc.split('(``', 1)[-1].split('``', 1)[0] if '(``' in doc else ''))
    return rows
