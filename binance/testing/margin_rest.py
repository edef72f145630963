"""Margin and transfer routes (``/sapi/v1/...``) of the local exchange's REST server.

:func:`margin_routes` returns the entries served next to the spot ones,
bound to one :class:`~binance.testing.margin.MarginDesk`. Security types
follow Binance's margin docs: ``allAssets``/``allPairs`` are MARKET_DATA (API
key), ``priceIndex`` is NONE, ``userListenToken`` is USER_STREAM, the rest is
SIGNED. The retired margin paths of python-binance 0.7.11
(``margin/loan``, ``margin/repay``, ``margin/transfer``, ``margin/asset``,
``margin/pair``, ``margin/isolated/*`` transfers, ``userDataStream``) answer 404.

Weights are IP weights (the server counts one IP budget). Binance weighs
``asset/transfer`` (900) and ``borrow-repay`` (1500) per UID, a budget the
local exchange does not model, so they count 1 here.
"""
from typing import Any, Callable, Dict, Tuple

from binance.testing.margin import MarginDesk
from binance.testing.rest import KEY, NONE, SIGNED, _Route

__all__ = ['margin_routes']

_SPOT_ORDER = ('symbol', 'side', 'type', 'timeInForce', 'quantity', 'quoteOrderQty', 'price',
               'newClientOrderId', 'stopPrice', 'icebergQty', 'newOrderRespType')
_TRADES = ('symbol', 'orderId', 'startTime', 'endTime', 'fromId', 'limit')


def _handler(fn: Callable[..., Any], names: Tuple[str, ...], keyed: bool = True) -> Any:
    def handler(market: Any, api_key: str, params: Dict[str, Any]) -> Any:
        args = {name: params[name] for name in names if name in params}
        return fn(api_key, **args) if keyed else fn(**args)
    handler.reads = names  # type: ignore[attr-defined]
    return handler


def margin_routes(desk: MarginDesk) -> Dict[Tuple[str, str], _Route]:
    """The margin, transfer and listen-token routes over ``desk``."""
    market = desk.market

    def spot(method: str, *names: str, isolated: bool = True) -> Any:
        def call(api_key: str, **args: Any) -> Any:
            args.pop('isIsolated', None)
            result = getattr(market, method)(desk.inner(api_key), **args)
            if isinstance(result, list):
                return [dict(r, isIsolated=False) if isinstance(r, dict) else r for r in result]
            return dict(result, isIsolated=False)
        return _handler(call, names + (('isIsolated',) if isolated else ()))

    def order(api_key: str, **args: Any) -> Any:
        return desk.place_order(api_key, **args)

    return {
        ('GET', '/sapi/v1/margin/account'): _Route(_handler(desk.account, ()), SIGNED, 10),
        ('GET', '/sapi/v1/margin/isolated/account'): _Route(
            _handler(desk.isolated_account, ('symbols',)), SIGNED, 10),
        ('GET', '/sapi/v1/margin/allAssets'): _Route(
            _handler(desk.all_assets, ('asset',), keyed=False), KEY, 1),
        ('GET', '/sapi/v1/margin/allPairs'): _Route(
            _handler(desk.all_pairs, ('symbol',), keyed=False), KEY, 1),
        ('GET', '/sapi/v1/margin/isolated/allPairs'): _Route(
            _handler(desk.isolated_pairs, ('symbol',)), SIGNED, 10),
        ('GET', '/sapi/v1/margin/priceIndex'): _Route(
            _handler(desk.price_index, ('symbol',), keyed=False), NONE, 10),
        ('POST', '/sapi/v1/bnbBurn'): _Route(
            _handler(desk.bnb_burn, ('spotBNBBurn', 'interestBNBBurn')), SIGNED, 1),
        ('GET', '/sapi/v1/bnbBurn'): _Route(_handler(desk.bnb_burn, ()), SIGNED, 1),
        ('POST', '/sapi/v1/asset/transfer'): _Route(
            _handler(desk.universal_transfer, ('type', 'asset', 'amount', 'fromSymbol',
                                               'toSymbol')), SIGNED, 1),
        ('POST', '/sapi/v1/futures/transfer'): _Route(
            _handler(desk.futures_transfer, ('asset', 'amount', 'type')), SIGNED, 1),
        ('GET', '/sapi/v1/futures/transfer'): _Route(
            _handler(desk.futures_transfer_history, ('asset', 'startTime', 'endTime',
                                                     'current', 'size')), SIGNED, 10),
        ('POST', '/sapi/v1/margin/borrow-repay'): _Route(
            _handler(desk.borrow_repay, ('asset', 'isIsolated', 'symbol', 'amount', 'type')),
            SIGNED, 1),
        ('GET', '/sapi/v1/margin/borrow-repay'): _Route(
            _handler(desk.loan_records, ('type', 'asset', 'isolatedSymbol', 'txId',
                                         'startTime', 'endTime', 'current', 'size')), SIGNED, 10),
        ('GET', '/sapi/v1/margin/maxBorrowable'): _Route(
            _handler(desk.max_borrowable, ('asset',)), SIGNED, 50,
            ignored=('isolatedSymbol',)),
        ('GET', '/sapi/v1/margin/maxTransferable'): _Route(
            _handler(desk.max_transferable, ('asset',)), SIGNED, 50,
            ignored=('isolatedSymbol',)),
        ('POST', '/sapi/v1/margin/order'): _Route(
            _handler(order, _SPOT_ORDER + ('isIsolated', 'sideEffectType')), SIGNED, 6,
            ignored=('selfTradePreventionMode', 'autoRepayAtCancel')),
        ('DELETE', '/sapi/v1/margin/order'): _Route(
            spot('cancel_order', 'symbol', 'orderId', 'origClientOrderId', 'newClientOrderId'),
            SIGNED, 10),
        ('GET', '/sapi/v1/margin/order'): _Route(
            spot('get_order', 'symbol', 'orderId', 'origClientOrderId'), SIGNED, 10),
        ('GET', '/sapi/v1/margin/openOrders'): _Route(spot('open_orders', 'symbol'),
                                                      SIGNED, 10),
        ('GET', '/sapi/v1/margin/allOrders'): _Route(
            spot('all_orders', 'symbol', 'orderId', 'startTime', 'endTime', 'limit'), SIGNED, 200),
        ('GET', '/sapi/v1/margin/myTrades'): _Route(spot('my_trades', *_TRADES), SIGNED, 10),
        ('POST', '/sapi/v1/userListenToken'): _Route(
            _handler(desk.listen_token, ('symbol', 'isIsolated', 'validity')), KEY, 1),
    }
