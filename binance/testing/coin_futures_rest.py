"""COIN-M futures routes (``/dapi/...``) of the local exchange's REST server.

:func:`coin_futures_routes` returns the ``(method, path) -> route`` entries
the :class:`~binance.testing.rest.RestResource` serves next to the spot and
USD-M ones, each bound to one
:class:`~binance.testing.derivatives.coin.CoinFuturesMarket`. Paths, security
types, weights and parameter names are Binance's COIN-M REST docs': market
data is NONE (``historicalTrades`` needs the API key), account and trading
SIGNED, ``/dapi/v1/listenKey`` USER_STREAM; conditional orders are the Algo
Service's (``/dapi/v1/algoOrder`` ...). ``/dapi/v1/allForceOrders``, which
Binance retired, is not served (404).
"""
from typing import Any, Callable, Dict, Tuple

from binance.testing.derivatives.coin import CoinFuturesMarket
from binance.testing.futures_rest import (_ALGO, _ALGO_ID, _ID, _ORDER, _ORDER_IGNORED, _bind,
                                          _bind_fixed, _kline_weight, _price_klines,
                                          _weight_by_limit)
from binance.testing.rest import KEY, NONE, SIGNED, _Route

__all__ = ['coin_futures_routes']


def _with(key: str, single: int, other: int) -> Callable[[Dict[str, Any]], int]:
    return lambda params: single if key in params else other


#: ``POST /dapi/v1/order``'s parameters: USD-M's without ``goodTillDate`` (no GTD on COIN-M).
_DORDER = tuple(name for name in _ORDER if name != 'goodTillDate')


def coin_futures_routes(market: CoinFuturesMarket) -> Dict[Tuple[str, str], _Route]:
    """The ``/dapi`` routes over ``market`` (``/futures/data`` stays USD-M's host)."""
    def pub(method: str, *names: str) -> Any:
        return _bind(market, method, names, False)

    def own(method: str, *names: str) -> Any:
        return _bind(market, method, names, True)

    kline = ('symbol', 'interval', 'startTime', 'endTime', 'limit')
    return {
        ('GET', '/dapi/v1/ping'): _Route(_bind_fixed(lambda: {}), NONE, 1),
        ('GET', '/dapi/v1/time'): _Route(_bind_fixed(market.server_time), NONE, 1),
        ('GET', '/dapi/v1/exchangeInfo'): _Route(_bind_fixed(market.d_exchange_info), NONE, 1),
        ('GET', '/dapi/v1/depth'): _Route(pub('f_depth', 'symbol', 'limit'), NONE,
                                          _weight_by_limit),
        ('GET', '/dapi/v1/trades'): _Route(pub('d_trades', 'symbol', 'limit'), NONE, 5),
        ('GET', '/dapi/v1/historicalTrades'): _Route(
            pub('d_trades', 'symbol', 'limit', 'fromId'), KEY, 20),
        ('GET', '/dapi/v1/aggTrades'): _Route(
            pub('f_agg_trades', 'symbol', 'fromId', 'startTime', 'endTime', 'limit'), NONE, 20),
        ('GET', '/dapi/v1/klines'): _Route(pub('f_klines', *kline), NONE, _kline_weight),
        ('GET', '/dapi/v1/continuousKlines'): _Route(
            pub('d_continuous_klines', 'pair', 'contractType', 'interval', 'startTime',
                'endTime', 'limit'), NONE, _kline_weight),
        ('GET', '/dapi/v1/markPriceKlines'): _Route(_price_klines(market, 'mark', 'symbol'),
                                                    NONE, _kline_weight),
        ('GET', '/dapi/v1/indexPriceKlines'): _Route(
            pub('d_index_klines', 'pair', 'interval', 'startTime', 'endTime', 'limit'), NONE,
            _kline_weight),
        ('GET', '/dapi/v1/premiumIndex'): _Route(pub('d_premium_index', 'symbol', 'pair'),
                                                 NONE, 10),
        ('GET', '/dapi/v1/fundingRate'): _Route(
            pub('funding_rate', 'symbol', 'startTime', 'endTime', 'limit'), NONE, 1),
        ('GET', '/dapi/v1/ticker/24hr'): _Route(pub('d_ticker_24h', 'symbol', 'pair'), NONE,
                                                _with('symbol', 1, 40)),
        ('GET', '/dapi/v1/ticker/price'): _Route(pub('d_ticker_price', 'symbol', 'pair'), NONE,
                                                 _with('symbol', 1, 2)),
        ('GET', '/dapi/v1/ticker/bookTicker'): _Route(pub('d_book_ticker', 'symbol', 'pair'),
                                                      NONE, _with('symbol', 2, 5)),
        ('GET', '/dapi/v1/openInterest'): _Route(pub('d_open_interest', 'symbol'), NONE, 1),
        ('GET', '/futures/data/openInterestHist@dapi'): _Route(
            pub('d_open_interest_hist', 'pair', 'contractType', 'period', 'limit',
                'startTime', 'endTime'), NONE, 1),
        ('GET', '/dapi/v2/leverageBracket'): _Route(own('d_leverage_bracket', 'symbol'),
                                                    SIGNED, 1),
        ('POST', '/dapi/v1/order'): _Route(own('d_place_order', *_DORDER), SIGNED, 1,
                                           ignored=_ORDER_IGNORED),
        ('GET', '/dapi/v1/order'): _Route(own('d_get_order', *_ID), SIGNED, 1),
        ('DELETE', '/dapi/v1/order'): _Route(own('d_cancel_order', *_ID), SIGNED, 1),
        ('DELETE', '/dapi/v1/allOpenOrders'): _Route(own('f_cancel_all', 'symbol'), SIGNED, 1),
        ('DELETE', '/dapi/v1/batchOrders'): _Route(
            own('d_cancel_batch', 'symbol', 'orderIdList', 'origClientOrderIdList'), SIGNED, 1),
        ('GET', '/dapi/v1/openOrders'): _Route(own('d_open_orders', 'symbol', 'pair'), SIGNED,
                                               _with('symbol', 1, 40)),
        ('GET', '/dapi/v1/allOrders'): _Route(
            own('d_all_orders', 'symbol', 'orderId', 'startTime', 'endTime', 'limit'), SIGNED,
            _with('symbol', 20, 40)),
        ('POST', '/dapi/v1/algoOrder'): _Route(own('f_algo_order', *_ALGO), SIGNED, 1),
        ('GET', '/dapi/v1/algoOrder'): _Route(own('f_get_algo_order', *_ALGO_ID), SIGNED, 1),
        ('DELETE', '/dapi/v1/algoOrder'): _Route(own('f_cancel_algo_order', *_ALGO_ID),
                                                 SIGNED, 1),
        ('DELETE', '/dapi/v1/algoOpenOrders'): _Route(own('f_cancel_all_algo', 'symbol'),
                                                      SIGNED, 1),
        ('GET', '/dapi/v1/openAlgoOrders'): _Route(
            own('f_open_algo_orders', 'algoType', 'symbol', 'algoId'), SIGNED,
            _with('symbol', 1, 40)),
        ('GET', '/dapi/v1/allAlgoOrders'): _Route(
            own('f_all_algo_orders', 'symbol', 'algoId', 'startTime', 'endTime', 'limit'),
            SIGNED, 5),
        ('GET', '/dapi/v1/balance'): _Route(own('d_balance'), SIGNED, 1),
        ('GET', '/dapi/v1/account'): _Route(own('d_account'), SIGNED, 5),
        ('GET', '/dapi/v1/positionRisk'): _Route(
            own('d_position_risk', 'marginAsset', 'pair'), SIGNED, 1),
        ('POST', '/dapi/v1/leverage'): _Route(own('d_change_leverage', 'symbol', 'leverage'),
                                              SIGNED, 1),
        ('POST', '/dapi/v1/marginType'): _Route(
            own('f_change_margin_type', 'symbol', 'marginType'), SIGNED, 1),
        ('POST', '/dapi/v1/positionMargin'): _Route(
            own('f_position_margin', 'symbol', 'positionSide', 'amount', 'type'), SIGNED, 1),
        ('GET', '/dapi/v1/positionMargin/history'): _Route(
            own('f_position_margin_history', 'symbol', 'type', 'startTime', 'endTime', 'limit'),
            SIGNED, 1),
        ('GET', '/dapi/v1/userTrades'): _Route(
            own('d_user_trades', 'symbol', 'orderId', 'startTime', 'endTime', 'fromId', 'limit'),
            SIGNED, _with('symbol', 20, 40)),
        ('GET', '/dapi/v1/income'): _Route(
            own('f_income', 'symbol', 'incomeType', 'startTime', 'endTime', 'page', 'limit'),
            SIGNED, 20),
        ('POST', '/dapi/v1/positionSide/dual'): _Route(
            own('f_change_position_mode', 'dualSidePosition'), SIGNED, 1),
        ('GET', '/dapi/v1/positionSide/dual'): _Route(own('f_position_mode'), SIGNED, 30),
        ('POST', '/dapi/v1/listenKey'): _Route(own('f_listen_key'), KEY, 1),
        ('PUT', '/dapi/v1/listenKey'): _Route(own('f_listen_key_keepalive'), KEY, 1),
        ('DELETE', '/dapi/v1/listenKey'): _Route(own('f_listen_key_close'), KEY, 1),
    }
