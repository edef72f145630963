"""Today's spot order methods of the local exchange's WebSocket API.

``orderList.place.oco``, ``orderList.place.oto``, ``orderList.place.otoco``,
``orderList.place.opo``, ``orderList.place.opoco``, ``orderList.status``,
``orderList.cancel``, ``openOrderLists.status``, ``allOrderLists``,
``openOrders.cancelAll``, ``order.amend.keepPriority``, ``sor.order.place``,
``sor.order.test``, ``account.commission``, ``myFilters``,
``myPreventedMatches``, ``myAllocations`` (signed) and
``uiKlines``, ``ticker``, ``ticker.tradingDay`` (public) answer with the
``result`` of their REST counterparts, computed by the same parts of the
:class:`~binance.testing.market.Market`. Placing a list counts each of its
orders towards the account's ``ORDERS`` limits.
"""
from typing import Any, Callable, Dict, Tuple

from binance.testing import market_windows
from binance.testing.order_changes import SOR_PARAMS
from binance.testing.order_lists import KINDS, list_params
from binance.testing.streams_wsapi_orders import _count_order, _read, _signed, _wrap

__all__ = ['SPOT_HANDLERS', 'SPOT_WEIGHTS', 'SPOT_ORDER_METHODS']

_IGNORED = ('strategyId', 'strategyType', 'selfTradePreventionMode')
_OCO = ('symbol', 'side', 'quantity', 'listClientOrderId', 'newOrderRespType') + tuple(
    leg + name for leg in ('above', 'below')
    for name in ('Type', 'Price', 'StopPrice', 'TimeInForce', 'ClientOrderId', 'IcebergQty'))
Handler = Callable[[Any, Any, Dict[str, Any]], Any]


def _place_list(kind: str) -> Handler:
    orders = len(KINDS[kind])

    def handler(server: Any, conn: Any, params: Dict[str, Any]) -> Any:
        api_key = _signed(server, conn, params)
        args = _read(params, list_params(kind))
        for _ in range(orders):
            _count_order(server, api_key)
        return server.market.order_lists.place(api_key, kind, args)
    return handler


def _place_oco(server: Any, conn: Any, params: Dict[str, Any]) -> Any:
    api_key = _signed(server, conn, params)
    args = _read(params, _OCO + _IGNORED)
    for name in _IGNORED:
        args.pop(name, None)
    for _ in range(2):
        _count_order(server, api_key)
    return server.market.place_oco(api_key, **args)


def _signed_call(part: str, method: str, names: Tuple[str, ...],
                 ignored: Tuple[str, ...] = (), count: int = 0, **fixed: Any) -> Handler:
    def handler(server: Any, conn: Any, params: Dict[str, Any]) -> Any:
        api_key = _signed(server, conn, params)
        args = _read(params, names + ignored)
        for name in ignored:
            args.pop(name, None)
        for _ in range(count):
            _count_order(server, api_key)
        target = server.market if not part else getattr(server.market, part)
        return getattr(target, method)(api_key, **args, **fixed)
    return handler


def _public(function: Callable[..., Any], names: Tuple[str, ...],
            ignored: Tuple[str, ...] = ()) -> Handler:
    def handler(server: Any, conn: Any, params: Dict[str, Any]) -> Any:
        args = _read(params, names + ignored)
        for name in ignored:
            args.pop(name, None)
        return function(server.market, **args)
    return handler


def _klines(market: Any, **args: Any) -> Any:
    return market.klines(**args)


_HANDLERS: Dict[str, Handler] = {'orderList.place.' + kind: _place_list(kind) for kind in KINDS}
_HANDLERS.update({
    'orderList.place.oco': _place_oco,
    'orderList.status': _signed_call('order_lists', 'status', ('orderListId',
                                                               'origClientOrderId')),
    'orderList.cancel': _signed_call('order_lists', 'cancel', (
        'symbol', 'orderListId', 'listClientOrderId', 'newClientOrderId')),
    'openOrderLists.status': _signed_call('order_lists', 'open_status', ()),
    'allOrderLists': _signed_call('order_lists', 'all_lists', ('fromId', 'startTime', 'endTime',
                                                               'limit')),
    'openOrders.cancelAll': _signed_call('', 'cancel_open_orders', ('symbol',)),
    'order.amend.keepPriority': _signed_call('order_changes', 'amend_keep_priority', (
        'symbol', 'orderId', 'origClientOrderId', 'newClientOrderId', 'newQty')),
    'sor.order.place': _signed_call('order_changes', 'sor_order', SOR_PARAMS, _IGNORED, count=1),
    'sor.order.test': _signed_call('order_changes', 'sor_order', SOR_PARAMS,
                                   _IGNORED + ('computeCommissionRates',), test=True),
    'account.commission': _signed_call('order_changes', 'commission', ('symbol',)),
    'myFilters': _signed_call('order_changes', 'my_filters', ('symbol',)),
    'myPreventedMatches': _signed_call('order_changes', 'prevented_matches', (
        'symbol', 'preventedMatchId', 'orderId', 'fromPreventedMatchId', 'limit')),
    'myAllocations': _signed_call('order_changes', 'allocations', (
        'symbol', 'startTime', 'endTime', 'fromAllocationId', 'limit', 'orderId')),
    'uiKlines': _public(_klines, ('symbol', 'interval', 'startTime', 'endTime', 'limit'),
                        ('timeZone',)),
    'ticker': _public(market_windows.rolling_ticker, ('symbol', 'symbols', 'windowSize',
                                                      'type')),
    'ticker.tradingDay': _public(market_windows.trading_day_ticker, (
        'symbol', 'symbols', 'timeZone', 'type')),
})
#: method -> handler(server, conn, params)
SPOT_HANDLERS: Dict[str, Handler] = {name: _wrap(handler) for name, handler in _HANDLERS.items()}
#: Request weight of each method (Binance's; ``ticker``: 4 per symbol, counted as one).
SPOT_WEIGHTS: Dict[str, int] = {
    'orderList.place.oco': 1, 'orderList.place.oto': 1, 'orderList.place.otoco': 1,
    'orderList.place.opo': 1, 'orderList.place.opoco': 1, 'orderList.status': 4,
    'orderList.cancel': 1, 'openOrderLists.status': 6, 'allOrderLists': 20,
    'openOrders.cancelAll': 1, 'order.amend.keepPriority': 4, 'sor.order.place': 1,
    'sor.order.test': 1, 'account.commission': 20, 'myFilters': 40, 'uiKlines': 2,
    'myPreventedMatches': 20, 'myAllocations': 20,
    'ticker': 4, 'ticker.tradingDay': 4,
}
#: Methods whose replies show the account's ``ORDERS`` counts.
SPOT_ORDER_METHODS = frozenset(name for name in SPOT_HANDLERS
                               if name.startswith(('orderList.place', 'sor.order.place')))
