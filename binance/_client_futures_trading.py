"""USD-M futures trading beyond 0.7.11 (:class:`binance.client.Client`): the Algo
Service, batch place and modify, modify, test orders, the countdown
cancel-all, commission rate and the price klines.

Names are python-binance 1.0's, which users migrate with
(``futures_create_algo_order`` ... ``futures_countdown_cancel_all``);
``futures_modify_batch_order`` is ours (1.0 has only a generated name for
``PUT /fapi/v1/batchOrders``). Paths and parameters follow Binance's
"Derivatives Trading USDⓈ-M Futures" docs.

Binance reference: https://developers.binance.com/docs/derivatives/usds-margined-futures/trade/rest-api
"""
import json
from typing import Any, Dict, List, Mapping

from binance._client_futures import (FUTURES_CONDITIONAL_TYPES, FUTURES_MAX_KLINES,
                                     FUTURES_TIME_IN_FORCES, FuturesMixin, _without_spot_checks)
from binance._client_params import check_choice, check_limit, check_symbol, require
from binance.enums import SIDES

__all__ = ['FuturesTradingMixin', 'check_algo_order', 'FUTURES_WORKING_TYPES', 'FUTURES_BATCH_MOST']

#: ``workingType``: the price a conditional order watches.
FUTURES_WORKING_TYPES = ('MARK_PRICE', 'CONTRACT_PRICE')
#: Most orders ``/fapi/v1/batchOrders`` places or modifies in one request.
FUTURES_BATCH_MOST = 5


def _batch(func: str, orders: Any) -> str:
    """``batchOrders`` as the JSON array of string-valued objects Binance reads."""
    if not isinstance(orders, (list, tuple)) or not orders:
        raise TypeError('{}: batchOrders must be a non-empty list of dicts, got {!r}'.format(
            func, orders))
    if len(orders) > FUTURES_BATCH_MOST:
        raise ValueError('{}: batchOrders takes at most {} orders, got {}'.format(
            func, FUTURES_BATCH_MOST, len(orders)))
    items = []
    for order in orders:
        if not isinstance(order, Mapping):
            raise TypeError('{}: each batchOrders entry must be a dict, got {!r}'.format(
                func, order))
        items.append({name: _wire(value) for name, value in order.items() if value is not None})
    return json.dumps(items, separators=(',', ':'))


def _wire(value: Any) -> str:
    if isinstance(value, bool):
        return 'true' if value else 'false'
    if isinstance(value, (int, float, str)):
        return str(value)
    from decimal import Decimal
    if isinstance(value, Decimal):
        return '{:f}'.format(value)
    raise TypeError('batchOrders values must be str, numbers or bools, not {}'.format(
        type(value).__name__))


def check_algo_order(func: str, params: Mapping[str, Any]) -> Dict[str, Any]:
    """Check a conditional order of ``func`` (REST or WebSocket API) before it is sent.

    :returns: the parameters with ``algoType=CONDITIONAL`` (the default);
    :raises TypeError/ValueError: naming the missing or invalid parameter.
    """
    params = dict({'algoType': 'CONDITIONAL'}, **params)
    require(func, params, 'symbol', 'side', 'type')
    check_choice('side', params['side'], SIDES)
    check_choice('algoType', params['algoType'], ('CONDITIONAL',))
    check_choice('type', params['type'], FUTURES_CONDITIONAL_TYPES)
    if params['type'] == 'TRAILING_STOP_MARKET':
        require(func, params, 'callbackRate')
    else:
        require(func, params, 'triggerPrice')
    if params['type'] in ('STOP', 'TAKE_PROFIT'):
        require(func, params, 'quantity', 'price')
    elif not params.get('closePosition'):
        require(func, params, 'quantity')
    if params.get('workingType') is not None:
        check_choice('workingType', params['workingType'], FUTURES_WORKING_TYPES)
    if params.get('timeInForce') is not None:
        params['timeInForce'] = check_choice('timeInForce', params['timeInForce'],
                                             FUTURES_TIME_IN_FORCES)
    return params


class FuturesTradingMixin(FuturesMixin):
    """The USD-M order API beyond 0.7.11 (see the module docs)."""

    # -- Algo Service --------------------------------------------------------------

    def futures_create_algo_order(self, **params: Any) -> Dict[str, Any]:
        """A conditional order (``POST /fapi/v1/algoOrder``).

        :param symbol: required. :param side: required. :param type: required,
            ``STOP``, ``STOP_MARKET``, ``TAKE_PROFIT``, ``TAKE_PROFIT_MARKET``
            or ``TRAILING_STOP_MARKET``. :param algoType: ``CONDITIONAL`` (the
            default, the only type Binance has).
        :param triggerPrice: required except for trailing stops (which take
            ``callbackRate`` and optionally ``activatePrice``).
        :param quantity: or ``closePosition=True`` (``STOP_MARKET``/``TAKE_PROFIT_MARKET``).
        :param price: and ``timeInForce`` for ``STOP``/``TAKE_PROFIT``.
        :param workingType: ``CONTRACT_PRICE`` (default) or ``MARK_PRICE``.
        :param priceProtect: optional. :param reduceOnly: optional. :param clientAlgoId: optional.
        :returns: ``{'algoId': 2146760, 'clientAlgoId': '6B2I9XVcJpCjqPAJ4YoFX7',
            'algoType': 'CONDITIONAL', 'orderType': 'TAKE_PROFIT', 'symbol': 'BNBUSDT',
            'side': 'SELL', 'positionSide': 'BOTH', 'timeInForce': 'GTC', 'quantity': '0.01',
            'algoStatus': 'NEW', 'triggerPrice': '750.000', 'price': '750.000',
            'workingType': 'CONTRACT_PRICE', 'closePosition': False, 'priceProtect': False,
            'reduceOnly': False, 'createTime': ..., 'updateTime': ..., 'triggerTime': 0, ...}``
        """
        params = check_algo_order('futures_create_algo_order', params)
        return self._fapi('POST', 'v1/algoOrder', _without_spot_checks(params), signed=True)

    def futures_get_algo_order(self, **params: Any) -> Dict[str, Any]:
        """One conditional order (``GET /fapi/v1/algoOrder``): algoId or clientAlgoId.

        :returns: the order with ``algoStatus`` (``NEW``, ``TRIGGERING``,
            ``TRIGGERED``, ``FINISHED``, ``CANCELED``, ``REJECTED``, ``EXPIRED``)
            and, once triggered, ``actualOrderId`` and ``actualPrice``.
        """
        require('futures_get_algo_order', params, ('algoId', 'clientAlgoId'))
        return self._fapi('GET', 'v1/algoOrder', params, signed=True)

    def futures_cancel_algo_order(self, **params: Any) -> Dict[str, Any]:
        """Cancel a conditional order (``DELETE /fapi/v1/algoOrder``): algoId or clientAlgoId.

        :returns: ``{'algoId': 2146760, 'clientAlgoId': '...', 'code': '200', 'msg': 'success'}``
        """
        require('futures_cancel_algo_order', params, ('algoId', 'clientAlgoId'))
        return self._fapi('DELETE', 'v1/algoOrder', params, signed=True)

    def futures_get_open_algo_orders(self, **params: Any) -> List[Dict[str, Any]]:
        """Conditional orders not yet triggered (``GET /fapi/v1/openAlgoOrders``);
        symbol, algoType, algoId optional (no symbol: weight 40)."""
        return self._fapi('GET', 'v1/openAlgoOrders', params, signed=True)

    def futures_get_all_algo_orders(self, **params: Any) -> List[Dict[str, Any]]:
        """Conditional orders of the last 7 days (``GET /fapi/v1/allAlgoOrders``):
        symbol required; algoId, startTime, endTime optional; limit up to 1000."""
        require('futures_get_all_algo_orders', params, 'symbol')
        check_limit(params, 1000)
        return self._fapi('GET', 'v1/allAlgoOrders', params, signed=True)

    def futures_cancel_all_algo_open_orders(self, **params: Any) -> Dict[str, Any]:
        """Cancel every open conditional order of a symbol (``DELETE /fapi/v1/algoOpenOrders``).

        :returns: ``{'code': 200, 'msg': 'The operation of cancel all open order is done.'}``
        """
        require('futures_cancel_all_algo_open_orders', params, 'symbol')
        return self._fapi('DELETE', 'v1/algoOpenOrders', params, signed=True)

    # -- batches, modify, test, countdown ------------------------------------------------

    def futures_place_batch_order(self, **params: Any) -> List[Dict[str, Any]]:
        """Place up to 5 orders (``POST /fapi/v1/batchOrders``).

        :param batchOrders: a list of dicts with :meth:`futures_create_order`'s
            parameters (``LIMIT``/``MARKET``: conditional types belong to
            :meth:`futures_create_algo_order`).
        :returns: one entry per order, in order: the order, or ``{'code': ..., 'msg': ...}``
        """
        require('futures_place_batch_order', params, 'batchOrders')
        for order in params['batchOrders'] if isinstance(params['batchOrders'], list) else ():
            if isinstance(order, Mapping) and order.get('type') in FUTURES_CONDITIONAL_TYPES:
                raise ValueError('futures_place_batch_order: {} orders go to the Algo Service; '
                                 'use futures_create_algo_order'.format(order['type']))
        params = dict(params, batchOrders=_batch('futures_place_batch_order',
                                                 params['batchOrders']))
        return self._fapi('POST', 'v1/batchOrders', params, signed=True)

    def futures_modify_order(self, **params: Any) -> Dict[str, Any]:
        """Change a LIMIT order's price and quantity (``PUT /fapi/v1/order``).

        :param symbol: required. :param side: required. :param quantity: required.
        :param price: required. :param orderId: or ``origClientOrderId``.
        :returns: the order as it is now (same ``orderId``); a quantity at or
            below what has executed cancels the order, as on Binance.
        """
        require('futures_modify_order', params, 'symbol', 'side', 'quantity', 'price',
                ('orderId', 'origClientOrderId'))
        check_choice('side', params['side'], SIDES)
        return self._fapi('PUT', 'v1/order', params, signed=True)

    def futures_modify_batch_order(self, **params: Any) -> List[Dict[str, Any]]:
        """Modify up to 5 orders (``PUT /fapi/v1/batchOrders``; the name is ours).

        :param batchOrders: a list of dicts with :meth:`futures_modify_order`'s parameters.
        :returns: one entry per order: the order, or ``{'code': ..., 'msg': ...}``
        """
        require('futures_modify_batch_order', params, 'batchOrders')
        params = dict(params, batchOrders=_batch('futures_modify_batch_order',
                                                 params['batchOrders']))
        return self._fapi('PUT', 'v1/batchOrders', params, signed=True)

    def futures_create_test_order(self, **params: Any) -> Dict[str, Any]:
        """Check an order without placing it (``POST /fapi/v1/order/test``). :returns: ``{}``"""
        require('futures_create_test_order', params, 'symbol', 'side', 'type')
        if params.get('timeInForce') is not None:
            params = dict(params, timeInForce=check_choice(
                'timeInForce', params['timeInForce'], FUTURES_TIME_IN_FORCES))
        return self._fapi('POST', 'v1/order/test', _without_spot_checks(params), signed=True)

    def futures_countdown_cancel_all(self, **params: Any) -> Dict[str, Any]:
        """The dead-man switch (``POST /fapi/v1/countdownCancelAll``).

        :param symbol: required. :param countdownTime: required, milliseconds;
            when no call renews it in time, Binance cancels every open order
            of the symbol. ``0`` stops the countdown.
        :returns: ``{'symbol': 'BTCUSDT', 'countdownTime': '100000'}``
        """
        require('futures_countdown_cancel_all', params, 'symbol', 'countdownTime')
        value = params['countdownTime']
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValueError('countdownTime must be an int of milliseconds (0 stops the '
                             'countdown), got {!r}'.format(value))
        return self._fapi('POST', 'v1/countdownCancelAll', params, signed=True)

    def futures_commission_rate(self, **params: Any) -> Dict[str, Any]:
        """Your fee rates for a symbol (``GET /fapi/v1/commissionRate``): symbol required.

        :returns: ``{'symbol': 'BTCUSDT', 'makerCommissionRate': '0.0002',
            'takerCommissionRate': '0.0004', 'rpiCommissionRate': '0.00005'}``
        """
        require('futures_commission_rate', params, 'symbol')
        return self._fapi('GET', 'v1/commissionRate', params, signed=True)

    # -- price klines ---------------------------------------------------------------------

    def futures_mark_price_klines(self, **params: Any) -> List[List[Any]]:
        """Mark price candlesticks (``GET /fapi/v1/markPriceKlines``): symbol and
        interval required; startTime, endTime, limit (up to 1500) optional."""
        require('futures_mark_price_klines', params, 'symbol', 'interval')
        check_limit(params, FUTURES_MAX_KLINES)
        return self._fapi('GET', 'v1/markPriceKlines', params)

    def futures_index_price_klines(self, **params: Any) -> List[List[Any]]:
        """Index price candlesticks (``GET /fapi/v1/indexPriceKlines``): pair and
        interval required; startTime, endTime, limit (up to 1500) optional."""
        require('futures_index_price_klines', params, 'pair', 'interval')
        check_symbol(params['pair'], 'pair')
        check_limit(params, FUTURES_MAX_KLINES)
        return self._fapi('GET', 'v1/indexPriceKlines', params)

    def futures_premium_index_klines(self, **params: Any) -> List[List[Any]]:
        """Premium index candlesticks (``GET /fapi/v1/premiumIndexKlines``): symbol
        and interval required; startTime, endTime, limit (up to 1500) optional."""
        require('futures_premium_index_klines', params, 'symbol', 'interval')
        check_limit(params, FUTURES_MAX_KLINES)
        return self._fapi('GET', 'v1/premiumIndexKlines', params)
