"""REST routes of today's spot order API on the local exchange (merged into
:data:`binance.testing.rest.ROUTES`).

Order lists (``/api/v3/orderList/oto``, ``otoco``, ``opo``, ``opoco``; the
list queries and ``DELETE /api/v3/orderList``), ``/api/v3/order/cancelReplace``,
``/api/v3/order/amend/keepPriority``, SOR orders, ``/api/v3/account/commission``,
``/api/v3/myFilters``, ``/api/v3/uiKlines`` and the rolling-window and
trading-day tickers. The market answers them
(:mod:`binance.testing.order_lists`, :mod:`binance.testing.order_changes`,
:mod:`binance.testing.market_windows`); weights are Binance's.
"""
import json
from typing import Any, Callable, Dict, Tuple

from binance.testing import market_windows
from binance.testing.order_changes import CANCEL_REPLACE_PARAMS, ORDER_PARAMS, SOR_PARAMS
from binance.testing.order_lists import KINDS, list_params

__all__ = ['spot_order_routes']

# Read by Binance, no effect here (self-trade prevention, strategy tags...).
_IGNORED = ('strategyId', 'strategyType', 'selfTradePreventionMode')


def _reading(names: Tuple[str, ...], handler: Any) -> Any:
    handler.reads = names
    return handler


def _place_list(kind: str) -> Callable[..., Any]:
    def handler(market: Any, api_key: str, params: Dict[str, Any]) -> Any:
        return market.order_lists.place(api_key, kind, params)
    return _reading(list_params(kind), handler)


def _call(part: str, method: str, *names: str, **fixed: Any) -> Callable[..., Any]:
    def handler(market: Any, api_key: str, params: Dict[str, Any]) -> Any:
        args = {name: params[name] for name in names if name in params}
        return getattr(getattr(market, part), method)(api_key, **args, **fixed)
    return _reading(names, handler)


def _cancel_replace(market: Any, api_key: str, params: Dict[str, Any]) -> Any:
    return market.order_changes.cancel_replace(api_key, params)


def _window(function: Callable[..., Any], *names: str) -> Callable[..., Any]:
    def handler(market: Any, api_key: str, params: Dict[str, Any]) -> Any:
        return function(market, **{name: params[name] for name in names if name in params})
    return _reading(names, handler)


def _per_symbol(params: Dict[str, Any]) -> int:
    """4 per symbol, at most 200 (more than 50 symbols)."""
    symbols = params.get('symbols')
    if isinstance(symbols, str):
        try:
            count = len(json.loads(symbols))
        except (TypeError, ValueError):
            count = 1
        return min(4 * max(count, 1), 200)
    return 4


def spot_order_routes(route: Callable[..., Any], public: Callable[..., Any],
                      signed: str, none: str) -> Dict[Tuple[str, str], Any]:
    """The routes, built with :mod:`binance.testing.rest`'s ``_Route`` and ``_public``."""
    routes = {('POST', '/api/v3/orderList/' + kind): route(_place_list(kind), signed, 1)
              for kind in KINDS}
    routes.update({
        ('GET', '/api/v3/orderList'): route(
            _call('order_lists', 'status', 'orderListId', 'origClientOrderId'), signed, 4),
        ('DELETE', '/api/v3/orderList'): route(
            _call('order_lists', 'cancel', 'symbol', 'orderListId', 'listClientOrderId',
                  'newClientOrderId'), signed, 1),
        ('GET', '/api/v3/allOrderList'): route(
            _call('order_lists', 'all_lists', 'fromId', 'startTime', 'endTime', 'limit'),
            signed, 20),
        ('GET', '/api/v3/openOrderList'): route(_call('order_lists', 'open_status'), signed, 6),
        ('POST', '/api/v3/order/cancelReplace'): route(
            _reading(ORDER_PARAMS + CANCEL_REPLACE_PARAMS, _cancel_replace), signed, 1,
            ignored=_IGNORED),
        ('PUT', '/api/v3/order/amend/keepPriority'): route(
            _call('order_changes', 'amend_keep_priority', 'symbol', 'orderId',
                  'origClientOrderId', 'newClientOrderId', 'newQty'), signed, 4),
        ('POST', '/api/v3/sor/order'): route(
            _call('order_changes', 'sor_order', *SOR_PARAMS), signed, 1, ignored=_IGNORED),
        ('POST', '/api/v3/sor/order/test'): route(
            _call('order_changes', 'sor_order', *SOR_PARAMS, test=True), signed, 1,
            ignored=_IGNORED + ('computeCommissionRates',)),
        ('GET', '/api/v3/account/commission'): route(
            _call('order_changes', 'commission', 'symbol'), signed, 20),
        ('GET', '/api/v3/myPreventedMatches'): route(
            _call('order_changes', 'prevented_matches', 'symbol', 'preventedMatchId', 'orderId',
                  'fromPreventedMatchId', 'limit'), signed,
            lambda params: 20 if 'orderId' in params else 2),
        ('GET', '/api/v3/myAllocations'): route(
            _call('order_changes', 'allocations', 'symbol', 'startTime', 'endTime',
                  'fromAllocationId', 'limit', 'orderId'), signed, 20),
        ('GET', '/api/v3/myFilters'): route(
            _call('order_changes', 'my_filters', 'symbol'), signed, 40),
        ('GET', '/api/v3/uiKlines'): route(
            public('klines', 'symbol', 'interval', 'startTime', 'endTime', 'limit'), none, 2,
            ignored=('timeZone',)),
        ('GET', '/api/v3/ticker'): route(
            _window(market_windows.rolling_ticker, 'symbol', 'symbols', 'windowSize', 'type'),
            none, _per_symbol),
        ('GET', '/api/v3/ticker/tradingDay'): route(
            _window(market_windows.trading_day_ticker, 'symbol', 'symbols', 'timeZone', 'type'),
            none, _per_symbol),
    })
    return routes
