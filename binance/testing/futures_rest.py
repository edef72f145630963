"""USD-M futures routes (``/fapi/...``) of the local exchange's REST server.

:func:`futures_routes` returns the ``(method, path) -> route`` entries the
:class:`~binance.testing.rest.RestResource` serves next to the spot ones;
each handler is bound to one
:class:`~binance.testing.futures_market.FuturesMarket`. Security types,
weights and parameter names are Binance's (USD-M REST docs): market data is
NONE (``historicalTrades`` is MARKET_DATA: it needs the API key), account and
trading endpoints are SIGNED, ``/fapi/v1/listenKey`` is USER_STREAM. The
retired paths 0.7.11 used (``/fapi/v1/account``, ``/fapi/v1/balance``,
``/fapi/v1/positionRisk``, ``/fapi/v1/ticker/openInterest``,
``/fapi/v1/allForceOrders``) are not served: they answer 404 as Binance does.
"""
from typing import Any, Callable, Dict, Tuple

from binance.testing.futures_market import FuturesMarket
from binance.testing.rest import KEY, NONE, SIGNED, _reading, _Route

__all__ = ['futures_routes']


def _bind(fmarket: FuturesMarket, method: str, names: Tuple[str, ...], private: bool) -> Any:
    def handler(market: Any, api_key: str, params: Dict[str, Any]) -> Any:
        fmarket.active = True
        args = {name: params[name] for name in names if name in params}
        if private:
            return getattr(fmarket, method)(api_key, **args)
        return getattr(fmarket, method)(**args)
    return _reading(names, handler)


def _weight_by_limit(params: Dict[str, Any]) -> int:
    try:
        limit = int(params.get('limit', 500))
    except (TypeError, ValueError):
        return 10
    return 2 if limit <= 50 else 5 if limit <= 100 else 10 if limit <= 500 else 20


def _kline_weight(params: Dict[str, Any]) -> int:
    try:
        limit = int(params.get('limit', 500))
    except (TypeError, ValueError):
        return 5
    return 1 if limit < 100 else 2 if limit < 500 else 5 if limit <= 1000 else 10


def _symbol_or(single: int, everything: int) -> Callable[[Dict[str, Any]], int]:
    return lambda params: single if 'symbol' in params else everything


_ORDER = ('symbol', 'side', 'type', 'positionSide', 'timeInForce', 'quantity', 'reduceOnly',
          'price', 'newClientOrderId', 'stopPrice', 'closePosition', 'workingType',
          'priceProtect', 'newOrderRespType', 'goodTillDate')
# Read by Binance, no effect in the simulation.
_ORDER_IGNORED = ('priceMatch', 'selfTradePreventionMode', 'activationPrice', 'callbackRate')
_ID = ('symbol', 'orderId', 'origClientOrderId')
_MODIFY = ('symbol', 'side', 'quantity', 'price', 'orderId', 'origClientOrderId', 'priceMatch')
_ALGO = ('algoType', 'symbol', 'side', 'type', 'positionSide', 'timeInForce', 'quantity',
         'price', 'triggerPrice', 'workingType', 'priceMatch', 'closePosition', 'priceProtect',
         'reduceOnly', 'activatePrice', 'callbackRate', 'clientAlgoId', 'newOrderRespType',
         'selfTradePreventionMode', 'goodTillDate')
_ALGO_ID = ('algoId', 'clientAlgoId')
_KLINE = ('symbol', 'interval', 'startTime', 'endTime', 'limit')


def _price_klines(fmarket: FuturesMarket, kind: str, first: str) -> Any:
    names = (first,) + _KLINE[1:]

    def handler(market: Any, api_key: str, params: Dict[str, Any]) -> Any:
        fmarket.active = True
        args = [params.get(name) for name in names]
        return fmarket.f_price_klines(kind, *args)
    return _reading(names, handler)


def futures_routes(fmarket: FuturesMarket) -> Dict[Tuple[str, str], _Route]:
    """The ``/fapi`` and ``/futures/data`` routes over ``fmarket``."""
    def pub(method: str, *names: str) -> Any:
        return _bind(fmarket, method, names, False)

    def own(method: str, *names: str) -> Any:
        return _bind(fmarket, method, names, True)

    def fixed(fn: Callable[[], Any]) -> Any:
        return _bind_fixed(fn)

    return {
        ('GET', '/fapi/v1/ping'): _Route(fixed(lambda: {}), NONE, 1),
        ('GET', '/fapi/v1/time'): _Route(fixed(fmarket.server_time), NONE, 1),
        ('GET', '/fapi/v1/exchangeInfo'): _Route(fixed(fmarket.f_exchange_info), NONE, 1),
        ('GET', '/fapi/v1/depth'): _Route(pub('f_depth', 'symbol', 'limit'), NONE,
                                          _weight_by_limit),
        ('GET', '/fapi/v1/trades'): _Route(pub('f_trades', 'symbol', 'limit'), NONE, 5),
        ('GET', '/fapi/v1/historicalTrades'): _Route(
            pub('f_trades', 'symbol', 'limit', 'fromId'), KEY, 20),
        ('GET', '/fapi/v1/aggTrades'): _Route(
            pub('f_agg_trades', 'symbol', 'fromId', 'startTime', 'endTime', 'limit'), NONE, 20),
        ('GET', '/fapi/v1/klines'): _Route(
            pub('f_klines', 'symbol', 'interval', 'startTime', 'endTime', 'limit'), NONE, 5),
        ('GET', '/fapi/v1/continuousKlines'): _Route(
            pub('f_continuous_klines', 'pair', 'contractType', 'interval', 'startTime',
                'endTime', 'limit'), NONE, 5),
        ('GET', '/fapi/v1/markPriceKlines'): _Route(_price_klines(fmarket, 'mark', 'symbol'),
                                                    NONE, _kline_weight),
        ('GET', '/fapi/v1/indexPriceKlines'): _Route(_price_klines(fmarket, 'index', 'pair'),
                                                     NONE, _kline_weight),
        ('GET', '/fapi/v1/premiumIndexKlines'): _Route(
            _price_klines(fmarket, 'premium', 'symbol'), NONE, _kline_weight),
        ('GET', '/fapi/v1/premiumIndex'): _Route(pub('premium_index', 'symbol'), NONE, 1),
        ('GET', '/fapi/v1/fundingRate'): _Route(
            pub('funding_rate', 'symbol', 'startTime', 'endTime', 'limit'), NONE, 1),
        ('GET', '/fapi/v1/ticker/24hr'): _Route(pub('f_ticker_24h', 'symbol'), NONE,
                                                _symbol_or(1, 40)),
        ('GET', '/fapi/v2/ticker/price'): _Route(pub('f_ticker_price', 'symbol'), NONE,
                                                 _symbol_or(1, 2)),
        ('GET', '/fapi/v1/ticker/price'): _Route(pub('f_ticker_price', 'symbol'), NONE,
                                                 _symbol_or(1, 2)),
        ('GET', '/fapi/v1/ticker/bookTicker'): _Route(pub('f_book_ticker', 'symbol'), NONE,
                                                      _symbol_or(2, 5)),
        ('GET', '/fapi/v1/openInterest'): _Route(pub('open_interest', 'symbol'), NONE, 1),
        ('GET', '/fapi/v1/leverageBracket'): _Route(own('leverage_bracket', 'symbol'),
                                                    SIGNED, 1),
        ('POST', '/fapi/v1/order'): _Route(own('f_place_order', *_ORDER), SIGNED, 0,
                                           ignored=_ORDER_IGNORED),
        ('POST', '/fapi/v1/order/test'): _Route(own('f_test_order', *_ORDER), SIGNED, 0,
                                                ignored=_ORDER_IGNORED),
        ('PUT', '/fapi/v1/order'): _Route(own('f_modify_order', *_MODIFY), SIGNED, 1),
        ('POST', '/fapi/v1/batchOrders'): _Route(own('f_place_batch', 'batchOrders'), SIGNED, 5),
        ('PUT', '/fapi/v1/batchOrders'): _Route(own('f_modify_batch', 'batchOrders'), SIGNED, 5),
        ('POST', '/fapi/v1/countdownCancelAll'): _Route(
            own('f_countdown_cancel_all', 'symbol', 'countdownTime'), SIGNED, 10),
        ('POST', '/fapi/v1/algoOrder'): _Route(own('f_algo_order', *_ALGO), SIGNED, 0),
        ('GET', '/fapi/v1/algoOrder'): _Route(own('f_get_algo_order', *_ALGO_ID), SIGNED, 1),
        ('DELETE', '/fapi/v1/algoOrder'): _Route(own('f_cancel_algo_order', *_ALGO_ID),
                                                 SIGNED, 1),
        ('DELETE', '/fapi/v1/algoOpenOrders'): _Route(own('f_cancel_all_algo', 'symbol'),
                                                      SIGNED, 1),
        ('GET', '/fapi/v1/openAlgoOrders'): _Route(
            own('f_open_algo_orders', 'algoType', 'symbol', 'algoId'), SIGNED, _symbol_or(1, 40)),
        ('GET', '/fapi/v1/allAlgoOrders'): _Route(
            own('f_all_algo_orders', 'symbol', 'algoId', 'startTime', 'endTime', 'limit'),
            SIGNED, 5),
        ('GET', '/fapi/v1/commissionRate'): _Route(own('f_commission_rate', 'symbol'),
                                                   SIGNED, 20),
        ('GET', '/fapi/v1/order'): _Route(own('f_get_order', *_ID), SIGNED, 1),
        ('DELETE', '/fapi/v1/order'): _Route(own('f_cancel_order', *_ID), SIGNED, 1),
        ('DELETE', '/fapi/v1/allOpenOrders'): _Route(own('f_cancel_all', 'symbol'), SIGNED, 1),
        ('DELETE', '/fapi/v1/batchOrders'): _Route(
            own('f_cancel_batch', 'symbol', 'orderIdList', 'origClientOrderIdList'), SIGNED, 1),
        ('GET', '/fapi/v1/openOrders'): _Route(own('f_open_orders', 'symbol'), SIGNED,
                                               _symbol_or(1, 40)),
        ('GET', '/fapi/v1/allOrders'): _Route(
            own('f_all_orders', 'symbol', 'orderId', 'startTime', 'endTime', 'limit'), SIGNED, 5),
        ('GET', '/fapi/v3/balance'): _Route(own('f_balance'), SIGNED, 5),
        ('GET', '/fapi/v3/account'): _Route(own('f_account'), SIGNED, 5),
        ('GET', '/fapi/v3/positionRisk'): _Route(own('f_position_risk', 'symbol'), SIGNED, 5),
        ('POST', '/fapi/v1/leverage'): _Route(own('f_change_leverage', 'symbol', 'leverage'),
                                              SIGNED, 1),
        ('POST', '/fapi/v1/marginType'): _Route(
            own('f_change_margin_type', 'symbol', 'marginType'), SIGNED, 1),
        ('POST', '/fapi/v1/positionMargin'): _Route(
            own('f_position_margin', 'symbol', 'positionSide', 'amount', 'type'), SIGNED, 1),
        ('GET', '/fapi/v1/positionMargin/history'): _Route(
            own('f_position_margin_history', 'symbol', 'type', 'startTime', 'endTime', 'limit'),
            SIGNED, 1),
        ('GET', '/fapi/v1/userTrades'): _Route(
            own('f_user_trades', 'symbol', 'orderId', 'startTime', 'endTime', 'fromId', 'limit'),
            SIGNED, 5),
        ('GET', '/fapi/v1/income'): _Route(
            own('f_income', 'symbol', 'incomeType', 'startTime', 'endTime', 'page', 'limit'),
            SIGNED, 30),
        ('POST', '/fapi/v1/positionSide/dual'): _Route(
            own('f_change_position_mode', 'dualSidePosition'), SIGNED, 1),
        ('GET', '/fapi/v1/positionSide/dual'): _Route(own('f_position_mode'), SIGNED, 30),
        ('POST', '/fapi/v1/listenKey'): _Route(own('f_listen_key'), KEY, 1),
        ('PUT', '/fapi/v1/listenKey'): _Route(own('f_listen_key_keepalive'), KEY, 1),
        ('DELETE', '/fapi/v1/listenKey'): _Route(own('f_listen_key_close'), KEY, 1),
        ('GET', '/futures/data/openInterestHist'): _Route(
            pub('open_interest_hist', 'symbol', 'period', 'limit', 'startTime', 'endTime'),
            NONE, 0),
    }


def _bind_fixed(fn: Callable[[], Any]) -> Any:
    def handler(market: Any, api_key: str, params: Dict[str, Any]) -> Any:
        return fn()
    return _reading((), handler)
