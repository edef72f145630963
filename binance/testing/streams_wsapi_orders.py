"""Trading and account methods of the local exchange's WebSocket API.

``order.place``, ``order.cancel``, ``order.status``, ``openOrders.status``,
``order.cancelReplace`` and ``account.status`` answer with the same
``result`` shapes as their REST counterparts (``POST/DELETE/GET
/api/v3/order``, ``GET /api/v3/openOrders``, ``POST
/api/v3/order/cancelReplace``, ``GET /api/v3/account``), computed by the
:class:`~binance.testing.market.Market`; each is a signed request (see
:mod:`binance.testing.streams_wsapi`).

``order.cancelReplace`` follows Binance's table: both steps done → 200;
``STOP_ON_FAILURE`` and the cancel failed → 400 ``-2022`` with
``newOrderResult: NOT_ATTEMPTED``; one step failed → 409 ``-2021``; both
failed → 400 ``-2022``; ``error.data`` tells which step failed and why. The
new order's filters are checked before anything is cancelled.

Placing orders counts towards the account's ``ORDERS`` limits (100 per 10 s,
200000 per day, as ``exchangeInfo`` says); beyond them: 429, ``-1015``.
"""
from decimal import Decimal
from typing import Any, Dict, Iterable, Tuple

from binance.testing.market_base import RATE_LIMITS, MarketError
from binance.testing.order_changes import CANCEL_REPLACE_PARAMS, ORDER_PARAMS as _ORDER_PARAMS
from binance.testing.streams_wsapi import (
    ApiError, Handler, _param_text, _span_ms, _state, check_signed, from_market, mandatory,
    now_ms)

__all__ = ['HANDLERS', 'ORDER_METHODS']

_SIGNING = frozenset(('apiKey', 'signature', 'timestamp', 'recvWindow'))
# Read by Binance, without effect here.
_ORDER_IGNORED = ('strategyId', 'strategyType', 'selfTradePreventionMode')

#: Methods whose replies show the account's ``ORDERS`` counts.
ORDER_METHODS = frozenset(('order.place', 'order.cancelReplace'))


def _read(params: Dict[str, Any], reads: Tuple[str, ...],
          ignored: Tuple[str, ...] = ()) -> Dict[str, Any]:
    """The parameters ``reads`` as REST strings (``ignored`` ones accepted and dropped);
    -1104 for a parameter nobody reads."""
    known = reads + ignored
    unread = [name for name in params if name not in known and name not in _SIGNING]
    if unread:
        raise ApiError(400, -1104, "Not all sent parameters were read; read '{}' parameter(s) "
                                   "but was sent '{}'.".format(len(params) - len(unread),
                                                               len(params)))
    return {name: _param_text(value) for name, value in params.items()
            if name in reads and value is not None}


def _signed(server: Any, conn: Any, params: Dict[str, Any]) -> str:
    api_key = check_signed(server, conn, params)
    conn._last_api_key = api_key
    return api_key


def _count_order(server: Any, api_key: str, limits: Iterable[Dict[str, Any]] = RATE_LIMITS,
                 kept_ms: int = 86400000) -> None:
    """Count one new order; 429 -1015 beyond the ``ORDERS`` entries of ``limits`` (the
    spot account's by default), whose longest window is ``kept_ms``."""
    state = _state(server)
    now = now_ms(server)
    with state.lock:
        times = [t for t in state.orders.get(api_key, []) if now - t < kept_ms]
        for limit in limits:
            if limit['rateLimitType'] != 'ORDERS':
                continue
            span = _span_ms(limit)
            window = now - now % span
            if sum(1 for t in times if t >= window) >= int(str(limit['limit'])):
                raise ApiError(429, -1015, 'Too many new orders; current limit is {} orders per '
                                           '{} {}.'.format(limit['limit'], limit['intervalNum'],
                                                           limit['interval']),
                               {'serverTime': now, 'retryAfter': window + span})
        times.append(now)
        state.orders[api_key] = times


def _place(server: Any, conn: Any, params: Dict[str, Any]) -> Any:
    api_key = _signed(server, conn, params)
    args = _read(params, _ORDER_PARAMS + _ORDER_IGNORED)
    for name in _ORDER_IGNORED:
        args.pop(name, None)
    _count_order(server, api_key)
    return server.market.place_order(api_key, **args)


def _cancel(server: Any, conn: Any, params: Dict[str, Any]) -> Any:
    api_key = _signed(server, conn, params)
    args = _read(params, ('symbol', 'orderId', 'origClientOrderId', 'newClientOrderId',
                          'cancelRestrictions'))
    args.pop('cancelRestrictions', None)
    return server.market.cancel_order(api_key, **args)


def _status(server: Any, conn: Any, params: Dict[str, Any]) -> Any:
    api_key = _signed(server, conn, params)
    return server.market.get_order(api_key, **_read(params, ('symbol', 'orderId',
                                                             'origClientOrderId')))


def _open_orders(server: Any, conn: Any, params: Dict[str, Any]) -> Any:
    api_key = _signed(server, conn, params)
    return server.market.open_orders(api_key, **_read(params, ('symbol',)))


def _account(server: Any, conn: Any, params: Dict[str, Any]) -> Any:
    api_key = _signed(server, conn, params)
    args = _read(params, ('omitZeroBalances',))
    account = server.market.account(api_key)
    if args.get('omitZeroBalances', '').lower() == 'true':
        account['balances'] = [b for b in account['balances']
                               if Decimal(b['free']) or Decimal(b['locked'])]
    return account


def _cancel_replace(server: Any, conn: Any, params: Dict[str, Any]) -> Any:
    api_key = _signed(server, conn, params)
    args = _read(params, _ORDER_PARAMS + _ORDER_IGNORED + CANCEL_REPLACE_PARAMS)
    return server.market.order_changes.cancel_replace(
        api_key, args, count_order=lambda: _count_order(server, api_key))


def _wrap(handler: Handler) -> Handler:
    def run(server: Any, conn: Any, params: Dict[str, Any]) -> Any:
        try:
            return handler(server, conn, params)
        except MarketError as error:
            raise from_market(error) from None
    return run


#: method -> handler(server, conn, params)
HANDLERS: Dict[str, Handler] = {
    'order.place': _wrap(_place),
    'order.cancel': _wrap(_cancel),
    'order.status': _wrap(_status),
    'openOrders.status': _wrap(_open_orders),
    'order.cancelReplace': _wrap(_cancel_replace),
    'account.status': _wrap(_account),
}


def _spot() -> None:
    """Add today's spot order methods (:mod:`binance.testing.streams_wsapi_spot`)."""
    global ORDER_METHODS
    from binance.testing import streams_wsapi
    from binance.testing.streams_wsapi_spot import SPOT_HANDLERS, SPOT_ORDER_METHODS, SPOT_WEIGHTS
    HANDLERS.update(SPOT_HANDLERS)
    streams_wsapi.WEIGHTS.update(SPOT_WEIGHTS)
    ORDER_METHODS = ORDER_METHODS | SPOT_ORDER_METHODS


_spot()
