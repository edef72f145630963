"""The parameters Binance documents for the USD-M futures and margin endpoints the client calls.

Pure data, merged into :data:`binance._client_params.KNOWN_PARAMS`: by
``(method, path)``, every parameter the endpoint takes besides
``timestamp``, ``signature`` and ``recvWindow`` (Binance "Derivatives
Trading USDⓈ-M Futures" and "Margin Trading" REST docs, 2026). A call with
a name not listed is refused before sending; a call missing a required
parameter is told which one, and never that its other arguments are unexpected.

``POST /fapi/v1/order`` keeps the conditional-order parameters (``stopPrice``,
``closePosition``, ``activationPrice``, ``callbackRate``, ``workingType``,
``priceProtect``) that python-binance 0.7.11's ``futures_create_order``
passes for ``STOP``/``TAKE_PROFIT``/``TRAILING_STOP_MARKET`` orders.
"""
from typing import Dict, FrozenSet, Tuple

__all__ = ['FUTURES_PARAMS', 'MARGIN_PARAMS']

_Table = Dict[Tuple[str, str], FrozenSet[str]]

_F_ORDER = ('symbol', 'side', 'type', 'positionSide', 'timeInForce', 'quantity', 'reduceOnly',
            'price', 'newClientOrderId', 'stopPrice', 'closePosition', 'activationPrice',
            'callbackRate', 'workingType', 'priceProtect', 'newOrderRespType', 'priceMatch',
            'selfTradePreventionMode', 'goodTillDate')
_F_ID = ('symbol', 'orderId', 'origClientOrderId')
_F_KLINES = ('interval', 'startTime', 'endTime', 'limit')

#: USD-M futures (``/fapi``, ``/futures/data``).
FUTURES_PARAMS: _Table = {key: frozenset(names) for key, names in {
    ('GET', '/fapi/v1/ping'): (),
    ('GET', '/fapi/v1/time'): (),
    ('GET', '/fapi/v1/exchangeInfo'): (),
    ('GET', '/fapi/v1/depth'): ('symbol', 'limit'),
    ('GET', '/fapi/v1/trades'): ('symbol', 'limit'),
    ('GET', '/fapi/v1/historicalTrades'): ('symbol', 'limit', 'fromId'),
    ('GET', '/fapi/v1/aggTrades'): ('symbol', 'fromId', 'startTime', 'endTime', 'limit'),
    ('GET', '/fapi/v1/klines'): ('symbol',) + _F_KLINES,
    ('GET', '/fapi/v1/continuousKlines'): ('pair', 'contractType') + _F_KLINES,
    ('GET', '/fapi/v1/premiumIndex'): ('symbol',),
    ('GET', '/fapi/v1/fundingRate'): ('symbol', 'startTime', 'endTime', 'limit'),
    ('GET', '/fapi/v1/ticker/24hr'): ('symbol',),
    ('GET', '/fapi/v2/ticker/price'): ('symbol',),
    ('GET', '/fapi/v1/ticker/bookTicker'): ('symbol',),
    ('GET', '/fapi/v1/openInterest'): ('symbol',),
    ('GET', '/futures/data/openInterestHist'): ('symbol', 'period', 'limit', 'startTime',
                                                'endTime'),
    ('GET', '/fapi/v1/leverageBracket'): ('symbol',),
    ('POST', '/fapi/v1/order'): _F_ORDER,
    ('GET', '/fapi/v1/order'): _F_ID,
    ('DELETE', '/fapi/v1/order'): _F_ID,
    ('GET', '/fapi/v1/openOrders'): ('symbol',),
    ('GET', '/fapi/v1/allOrders'): ('symbol', 'orderId', 'startTime', 'endTime', 'limit'),
    ('DELETE', '/fapi/v1/allOpenOrders'): ('symbol',),
    ('DELETE', '/fapi/v1/batchOrders'): ('symbol', 'orderIdList', 'origClientOrderIdList'),
    ('GET', '/fapi/v3/balance'): (),
    ('GET', '/fapi/v3/account'): (),
    ('GET', '/fapi/v3/positionRisk'): ('symbol',),
    ('POST', '/fapi/v1/leverage'): ('symbol', 'leverage'),
    ('POST', '/fapi/v1/marginType'): ('symbol', 'marginType'),
    ('POST', '/fapi/v1/positionMargin'): ('symbol', 'positionSide', 'amount', 'type'),
    ('GET', '/fapi/v1/positionMargin/history'): ('symbol', 'type', 'startTime', 'endTime',
                                                 'limit'),
    ('GET', '/fapi/v1/userTrades'): ('symbol', 'orderId', 'startTime', 'endTime', 'fromId',
                                     'limit'),
    ('GET', '/fapi/v1/income'): ('symbol', 'incomeType', 'startTime', 'endTime', 'page',
                                 'limit'),
    ('POST', '/fapi/v1/positionSide/dual'): ('dualSidePosition',),
    ('GET', '/fapi/v1/positionSide/dual'): (),
    ('POST', '/fapi/v1/listenKey'): (),
    ('PUT', '/fapi/v1/listenKey'): (),
    ('DELETE', '/fapi/v1/listenKey'): (),
}.items()}

_M_ID = ('symbol', 'isIsolated', 'orderId', 'origClientOrderId')

#: Cross and isolated margin, and the transfers the margin methods use (``/sapi``).
MARGIN_PARAMS: _Table = {key: frozenset(names) for key, names in {
    ('GET', '/sapi/v1/margin/account'): (),
    ('GET', '/sapi/v1/margin/isolated/account'): ('symbols',),
    ('GET', '/sapi/v1/margin/allAssets'): ('asset',),
    ('GET', '/sapi/v1/margin/allPairs'): ('symbol',),
    ('GET', '/sapi/v1/margin/isolated/allPairs'): ('symbol',),
    ('GET', '/sapi/v1/margin/priceIndex'): ('symbol',),
    ('POST', '/sapi/v1/bnbBurn'): ('spotBNBBurn', 'interestBNBBurn'),
    ('GET', '/sapi/v1/bnbBurn'): (),
    ('POST', '/sapi/v1/asset/transfer'): ('type', 'asset', 'amount', 'fromSymbol', 'toSymbol'),
    ('POST', '/sapi/v1/futures/transfer'): ('asset', 'amount', 'type'),
    ('GET', '/sapi/v1/futures/transfer'): ('asset', 'startTime', 'endTime', 'current', 'size'),
    ('POST', '/sapi/v1/margin/borrow-repay'): ('asset', 'isIsolated', 'symbol', 'amount',
                                               'type'),
    ('GET', '/sapi/v1/margin/borrow-repay'): ('type', 'asset', 'isolatedSymbol', 'txId',
                                              'startTime', 'endTime', 'current', 'size'),
    ('GET', '/sapi/v1/margin/maxBorrowable'): ('asset', 'isolatedSymbol'),
    ('GET', '/sapi/v1/margin/maxTransferable'): ('asset', 'isolatedSymbol'),
    ('POST', '/sapi/v1/margin/order'): (
        'symbol', 'isIsolated', 'side', 'type', 'quantity', 'quoteOrderQty', 'price',
        'stopPrice', 'newClientOrderId', 'icebergQty', 'newOrderRespType', 'sideEffectType',
        'timeInForce', 'selfTradePreventionMode', 'trailingDelta', 'autoRepayAtCancel'),
    ('DELETE', '/sapi/v1/margin/order'): _M_ID + ('newClientOrderId',),
    ('GET', '/sapi/v1/margin/order'): _M_ID,
    ('GET', '/sapi/v1/margin/openOrders'): ('symbol', 'isIsolated'),
    ('GET', '/sapi/v1/margin/allOrders'): ('symbol', 'isIsolated', 'orderId', 'startTime',
                                           'endTime', 'limit'),
    ('GET', '/sapi/v1/margin/myTrades'): ('symbol', 'isIsolated', 'orderId', 'startTime',
                                          'endTime', 'fromId', 'limit'),
    ('POST', '/sapi/v1/userListenToken'): ('symbol', 'isIsolated', 'validity'),
}.items()}
