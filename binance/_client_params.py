"""Checking and encoding of REST parameters (pure functions, no I/O).

Everything here runs before a request is sent, so misuse of an argument is
reported as :class:`ValueError` or :class:`TypeError` naming the valid values,
and values reach Binance in the form its rules accept (:mod:`binance._wire`:
``0.00001``, never ``1e-05``; client ids, order ids, one value per name).

How an endpoint registers what it takes: :data:`KNOWN_PARAMS` maps
``(method, path)`` to the names Binance documents for it (a call with any
other name is refused, and a missing required one is reported as missing,
never the others as unexpected); :data:`REPEATED_PARAMS` names the few that
may be sent more than once. :func:`register_params` adds both.
"""
import json
import re
from decimal import Decimal
from typing import Any, Dict, FrozenSet, Iterable, List, Mapping, Tuple

from binance import _wire
from binance._params_derivatives import FUTURES_PARAMS, MARGIN_PARAMS
from binance._signing import sign_payload
from binance.exceptions import BinanceParameterError

from binance.enums import (
    KLINE_INTERVALS, ORDER_RESP_TYPES, ORDER_TYPE_LIMIT, ORDER_TYPE_LIMIT_MAKER,
    ORDER_TYPE_MARKET, ORDER_TYPE_STOP_LOSS, ORDER_TYPE_STOP_LOSS_LIMIT,
    ORDER_TYPE_TAKE_PROFIT, ORDER_TYPE_TAKE_PROFIT_LIMIT, ORDER_TYPES, SIDE_BUY,
    SIDES, TIME_IN_FORCES,
)

__all__ = ['sign_payload', 'encode_params', 'encode_ws_params', 'check_symbol', 'check_choice',
           'require', 'check_limit', 'check_order', 'translate_oco', 'check_known',
           'KNOWN_PARAMS', 'REPEATED_PARAMS', 'register_params']

#: Binance's own pattern for a symbol (``-1100`` otherwise).
SYMBOL_RE = re.compile(r'^[A-Z0-9\-_.]{1,20}\Z')
#: An account or symbol permission such as ``SPOT``, ``MARGIN`` or ``TRD_GRP_002``.
PERMISSION_RE = re.compile(r'^[A-Z0-9_]{1,40}\Z')
MAX_RECV_WINDOW = 60000
#: Binance's codes for a missing parameter and for parameters it does not read.
MANDATORY_PARAM = -1102
UNREAD_PARAMETERS = -1104
#: Decimal places Binance accepts in ``recvWindow`` (microsecond precision).
RECV_WINDOW_DECIMALS = 3
#: Parameters whose list value Binance takes as one JSON array (``["A","B"]``).
JSON_LISTS = frozenset(('symbols', 'permissions'))

#: Parameters that carry a quantity or a price: checked to be positive numbers.
POSITIVE_NUMBERS = frozenset((
    'quantity', 'quoteOrderQty', 'price', 'stopPrice', 'icebergQty',
    'stopLimitPrice', 'limitIcebergQty', 'stopIcebergQty',
    'abovePrice', 'aboveStopPrice', 'aboveIcebergQty',
    'belowPrice', 'belowStopPrice', 'belowIcebergQty', 'amount',
    'activationPrice', 'callbackRate', 'triggerPrice', 'activatePrice',
))
# Checked wherever the parameter appears. ``type`` is not here: it is an order
# type for orders (:func:`check_order`) but ``FULL``/``MINI`` for tickers.
_CHOICES = {
    'side': SIDES,
    'timeInForce': TIME_IN_FORCES,
    'stopLimitTimeInForce': TIME_IN_FORCES,
    'aboveTimeInForce': TIME_IN_FORCES,
    'belowTimeInForce': TIME_IN_FORCES,
    'newOrderRespType': ORDER_RESP_TYPES,
    'interval': KLINE_INTERVALS,
}

# Order type -> parameters Binance requires besides symbol, side and type.
# A tuple inside the tuple means "one of these".
_ORDER_NEEDS = {
    ORDER_TYPE_LIMIT: ('timeInForce', 'quantity', 'price'),
    ORDER_TYPE_MARKET: (('quantity', 'quoteOrderQty'),),
    ORDER_TYPE_STOP_LOSS: ('quantity', ('stopPrice', 'trailingDelta')),
    ORDER_TYPE_STOP_LOSS_LIMIT: ('timeInForce', 'quantity', 'price', ('stopPrice', 'trailingDelta')),
    ORDER_TYPE_TAKE_PROFIT: ('quantity', ('stopPrice', 'trailingDelta')),
    ORDER_TYPE_TAKE_PROFIT_LIMIT: ('timeInForce', 'quantity', 'price', ('stopPrice', 'trailingDelta')),
    ORDER_TYPE_LIMIT_MAKER: ('quantity', 'price'),
}


def check_symbol(symbol: Any, name: str = 'symbol') -> str:
    """Return ``symbol`` when it is a well-formed Binance symbol such as ``'BNBBTC'``.

    :raises TypeError: when it is not a string.
    :raises ValueError: when it is empty, lower case or has other characters.
    """
    if not isinstance(symbol, str):
        raise TypeError('{} must be a str such as \'BNBBTC\', not {}'.format(
            name, type(symbol).__name__))
    if not symbol:
        raise ValueError('{} must not be empty; use e.g. \'BNBBTC\''.format(name))
    if not SYMBOL_RE.match(symbol):
        hint = ' (symbols are upper case: {!r})'.format(symbol.upper()) \
            if SYMBOL_RE.match(symbol.upper()) else ''
        raise ValueError('malformed {} {!r}{}: a symbol is 1 to 20 characters among '
                         'A-Z, 0-9, "-", "_" and ".", e.g. \'BNBBTC\''.format(name, symbol, hint))
    return symbol


def check_choice(name: str, value: Any, choices: Iterable[str]) -> str:
    """Return ``value`` when it is one of ``choices``, else raise :class:`ValueError`."""
    choices = tuple(choices)
    if value not in choices:
        raise ValueError('invalid {} {!r}; valid values are {}'.format(
            name, value, ', '.join(choices)))
    return value


def require(func: str, params: Mapping[str, Any], *names: Any) -> None:
    """Raise when a required parameter of ``func`` is missing.

    Each name may be a tuple of alternatives, one of which must be given.

    :raises BinanceParameterError: a :class:`TypeError` that is also a
        :class:`~binance.exceptions.BinanceAPIException` with code ``-1102``
        and Binance's message, as Binance would have answered (no request is sent).
    """
    for entry in names:
        options = entry if isinstance(entry, tuple) else (entry,)
        if not any(params.get(option) is not None for option in options):
            binance_text = _mandatory_text(options)
            unknown = [name for name in params if name not in _all_known()]
            if unknown:  # most likely a misspelling of the missing one: name it
                raise BinanceParameterError(
                    '{}() got unexpected keyword argument{} {}{} (and is missing the required '
                    'parameter {})'.format(
                        func, 's' if len(unknown) > 1 else '',
                        ', '.join(repr(n) for n in unknown), _did_you_mean(unknown[0], options),
                        ' or '.join(repr(o) for o in options)),
                    MANDATORY_PARAM, binance_text)
            raise BinanceParameterError('{}() missing required parameter {}'.format(
                func, ' or '.join(repr(o) for o in options)), MANDATORY_PARAM, binance_text)


def _mandatory_text(options: Tuple[str, ...]) -> str:
    """Binance's ``-1102`` message for these missing parameters (errors.md)."""
    if set(options) == {'orderId', 'origClientOrderId'}:  # Binance names them in this order
        options = ('origClientOrderId', 'orderId')
    if len(options) == 2:
        return "Param '{}' or '{}' must be sent, but both were empty/null!".format(*options)
    if len(options) == 1:
        return "Mandatory parameter '{}' was not sent, was empty/null, or malformed.".format(
            options[0])
    return 'A mandatory parameter was not sent, was empty/null, or malformed.'



def check_limit(params: Mapping[str, Any], maximum: int) -> None:
    """Check an optional ``limit`` parameter: an int (or a str of digits) from 1 to ``maximum``."""
    if params.get('limit') is None:
        return
    limit = params['limit']
    if isinstance(limit, str) and limit.isascii() and limit.isdigit():
        limit = int(limit)
    if isinstance(limit, bool) or not isinstance(limit, int):
        raise TypeError('limit must be an int, not {!r}'.format(limit))
    if not 1 <= limit <= maximum:
        raise ValueError('limit must be between 1 and {}, got {}'.format(maximum, limit))


def check_order(func: str, params: Mapping[str, Any]) -> None:
    """Check an order's parameters before it is sent.

    :raises TypeError: when symbol, side, type or a parameter that the order
        type needs (e.g. ``price`` and ``timeInForce`` for ``LIMIT``) is missing.
    :raises ValueError: for an unknown order type. (Values of symbol, side,
        timeInForce, quantity, price... are checked by :func:`encode_params`.)
    """
    require(func, params, 'symbol', 'side', 'type')
    order_type = check_choice('type', params['type'], ORDER_TYPES)
    require(func, params, *_ORDER_NEEDS[order_type])


def translate_oco(params: Dict[str, Any]) -> Dict[str, Any]:
    """Map the original OCO parameters onto today's ``/api/v3/orderList/oco``.

    The original sent ``price`` (the limit leg), ``stopPrice``,
    ``stopLimitPrice`` and ``stopLimitTimeInForce`` (the stop leg). Today
    each leg is described as the "above" or "below" order: for a SELL the
    limit leg is above the market and the stop leg below; for a BUY the other
    way round. The stop leg is ``STOP_LOSS_LIMIT`` when ``stopLimitPrice`` is
    given, ``STOP_LOSS`` otherwise; the limit leg is ``LIMIT_MAKER``.
    Parameters already in the new form (``aboveType``...) pass unchanged.

    :raises TypeError: when a required parameter is missing.
    :raises ValueError: when old and new forms are mixed.
    """
    new_style = any(key.startswith(('above', 'below')) for key in params)
    old_keys = ('price', 'stopPrice', 'stopLimitPrice', 'stopLimitTimeInForce',
                'limitClientOrderId', 'stopClientOrderId', 'limitIcebergQty', 'stopIcebergQty')
    old_style = any(key in params for key in old_keys)
    if new_style:
        if old_style:
            raise ValueError('create_oco_order() takes either the original parameters '
                             '(price, stopPrice, stopLimitPrice, ...) or today\'s '
                             '(aboveType, belowType, ...), not both')
        require('create_oco_order', params, 'symbol', 'side', 'quantity', 'aboveType', 'belowType')
        return dict(params)
    require('create_oco_order', params, 'symbol', 'side', 'quantity', 'price', 'stopPrice')
    if params.get('stopLimitPrice') is not None:
        require('create_oco_order', params, 'stopLimitTimeInForce')
    result = {k: v for k, v in params.items() if k not in old_keys}
    side = check_choice('side', params['side'], SIDES)
    limit_leg, stop_leg = ('below', 'above') if side == SIDE_BUY else ('above', 'below')
    result[limit_leg + 'Type'] = ORDER_TYPE_LIMIT_MAKER
    result[limit_leg + 'Price'] = params['price']
    result[stop_leg + 'StopPrice'] = params['stopPrice']
    if params.get('stopLimitPrice') is not None:
        result[stop_leg + 'Type'] = ORDER_TYPE_STOP_LOSS_LIMIT
        result[stop_leg + 'Price'] = params['stopLimitPrice']
        result[stop_leg + 'TimeInForce'] = params['stopLimitTimeInForce']
    else:
        result[stop_leg + 'Type'] = ORDER_TYPE_STOP_LOSS
    for old, leg, new in (('limitClientOrderId', limit_leg, 'ClientOrderId'),
                          ('limitIcebergQty', limit_leg, 'IcebergQty'),
                          ('stopClientOrderId', stop_leg, 'ClientOrderId'),
                          ('stopIcebergQty', stop_leg, 'IcebergQty')):
        if params.get(old) is not None:
            result[leg + new] = params[old]
    return result


def format_number(name: str, value: Any, positive: bool = False) -> str:
    """Render a number as the plain decimal string Binance accepts.

    ``0.00001`` becomes ``'0.00001'`` (``str`` would give ``'1e-05'``, which
    Binance rejects); strings are checked and passed in the same form. The
    rule is Binance's (:func:`binance._wire.format_decimal`).
    """
    return _wire.format_decimal(name, value, positive)


def _check_recv_window(value: Any) -> str:
    """``recvWindow``: milliseconds, more than 0 and at most 60000, with at most
    three decimal places (Binance reads ``5000.125`` as 5000 ms 125 µs)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        raise TypeError('recvWindow must be a number of milliseconds, not {}'.format(
            type(value).__name__))
    if not 0 < value <= MAX_RECV_WINDOW:
        raise ValueError('recvWindow must be more than 0 and at most {} ms, got {!r}'.format(
            MAX_RECV_WINDOW, value))
    number = Decimal(format_number('recvWindow', value)).normalize()
    if not 0 < number <= MAX_RECV_WINDOW:
        raise ValueError('recvWindow must be more than 0 and at most {} ms, got {!r}'.format(
            MAX_RECV_WINDOW, value))
    if number.as_tuple().exponent < -RECV_WINDOW_DECIMALS:  # type: ignore[operator]
        raise ValueError('recvWindow takes at most {} decimal places (microseconds), '
                         'got {!r}'.format(RECV_WINDOW_DECIMALS, value))
    return format(number, 'f')


def _json_list(name: str, value: Any) -> str:
    """A list of symbols or permissions as the JSON array Binance reads (``["A","B"]``)."""
    for item in value:
        if name == 'symbols':
            check_symbol(item, 'symbols entry')
        elif not isinstance(item, str):
            raise TypeError('permissions entries must be str such as \'SPOT\', not {}'.format(
                type(item).__name__))
        elif not PERMISSION_RE.match(item):
            raise ValueError('malformed permissions entry {!r}: a permission is upper case, '
                             'e.g. \'SPOT\', \'MARGIN\' or \'TRD_GRP_002\''.format(item))
    return json.dumps(list(value), separators=(',', ':'))


class Checked(str):
    """A value its caller already checked against another product's rules
    (e.g. a futures ``timeInForce`` of ``GTX``): sent as is."""


def _format_value(name: str, value: Any, repeated: Iterable[str] = (),
                  product: str = 'spot') -> Any:
    if isinstance(value, Checked):
        return str(value)
    if name in POSITIVE_NUMBERS:
        return format_number(name, value, positive=True)
    if name == 'recvWindow':
        return _check_recv_window(value)
    if name in _CHOICES:
        return check_choice(name, value, _CHOICES[name])
    if name == 'symbol':
        return check_symbol(value)
    if name in JSON_LISTS and isinstance(value, (list, tuple)):
        return _json_list(name, value)
    if isinstance(value, (list, tuple, set, frozenset, dict)):
        if name in repeated and isinstance(value, (list, tuple)):
            return [_format_value(name, item, (), product) for item in value]
        raise TypeError('{} takes one value, not a {} ({!r} would go out as a repeated '
                        'parameter, which Binance refuses)'.format(
                            name, type(value).__name__, value))
    rule = _wire.rule_for(name)
    if rule is not None:
        return rule(name, value, product)
    if isinstance(value, bool):
        return 'true' if value else 'false'
    if isinstance(value, (float, Decimal)):
        return format_number(name, value)
    if isinstance(value, int):
        return _wire.format_integer(name, value)
    if isinstance(value, str):
        return value
    raise TypeError('parameter {} must be a str or a number, not {}'.format(
        name, type(value).__name__))


def encode_params(params: Mapping[str, Any], repeated: Iterable[str] = (),
                  product: str = 'spot') -> List[Tuple[str, str]]:
    """Check and format every parameter; ``None`` values are left out.

    :param repeated: the names that may take a list, sent as one pair per
        item (:data:`REPEATED_PARAMS` of the endpoint); any other list is
        refused.
    :param product: ``'spot'`` (spot, margin, wallet) or ``'futures'``: the
        client id rule differs (:data:`binance._wire.CLIENT_ID_PATTERNS`).
    :returns: ``(name, value)`` pairs in the caller's order, ready for
        :func:`binance._signing.rest_query`.
    :raises TypeError, ValueError: naming the parameter and Binance's rule
        (:mod:`binance._wire`).
    """
    repeated = frozenset(repeated)
    pairs: List[Tuple[str, str]] = []
    for name, value in params.items():
        if value is None:
            continue
        formatted = _format_value(name, value, repeated, product)
        if isinstance(formatted, list):
            pairs.extend((name, item) for item in formatted)
        else:
            pairs.append((name, formatted))
    return pairs


def encode_ws_params(params: Mapping[str, Any], product: str = 'spot') -> Dict[str, str]:
    """The WebSocket API ``params`` of a request: checked and formatted like
    :func:`encode_params` (one value per name), as the text sent and signed."""
    return dict(encode_params(params, product=product))


_ORDER = ('symbol', 'side', 'type', 'timeInForce', 'quantity', 'quoteOrderQty', 'price',
          'newClientOrderId', 'strategyId', 'strategyType', 'stopPrice', 'trailingDelta',
          'icebergQty', 'newOrderRespType', 'selfTradePreventionMode', 'pegPriceType',
          'pegOffsetValue', 'pegOffsetType')
_OCO_LEG = ('Type', 'ClientOrderId', 'IcebergQty', 'Price', 'StopPrice', 'TrailingDelta',
            'TimeInForce', 'StrategyId', 'StrategyType', 'PegPriceType', 'PegOffsetType',
            'PegOffsetValue')
_HISTORY = ('coin', 'status', 'offset', 'limit', 'startTime', 'endTime')
# USD-M order API beyond 0.7.11 (Derivatives Trading USDS-M Futures docs, 2026)
_FAPI_ORDER = ('symbol', 'side', 'positionSide', 'type', 'timeInForce', 'quantity',
               'reduceOnly', 'price', 'newClientOrderId', 'stopPrice', 'closePosition',
               'activationPrice', 'callbackRate', 'workingType', 'priceProtect',
               'newOrderRespType', 'priceMatch', 'selfTradePreventionMode', 'goodTillDate')
_FAPI_ALGO = ('algoType', 'symbol', 'side', 'positionSide', 'type', 'timeInForce', 'quantity',
              'price', 'triggerPrice', 'workingType', 'priceMatch', 'closePosition',
              'priceProtect', 'reduceOnly', 'activatePrice', 'callbackRate', 'clientAlgoId',
              'newOrderRespType', 'selfTradePreventionMode', 'goodTillDate')
_FAPI_KLINES = ('interval', 'startTime', 'endTime', 'limit')
#: Parameters Binance documents for each endpoint the client calls, by
#: ``(method, path)``, besides ``timestamp``, ``signature`` and ``recvWindow``
#: (REST API and wallet docs, 2026).
KNOWN_PARAMS: Dict[Tuple[str, str], FrozenSet[str]] = {key: frozenset(names) for key, names in {
    ('GET', '/api/v3/ping'): (),
    ('GET', '/api/v3/time'): (),
    ('GET', '/api/v3/exchangeInfo'): ('symbol', 'symbols', 'permissions', 'showPermissionSets',
                                      'symbolStatus'),
    ('GET', '/api/v3/depth'): ('symbol', 'limit', 'symbolStatus'),
    ('GET', '/api/v3/trades'): ('symbol', 'limit'),
    ('GET', '/api/v3/historicalTrades'): ('symbol', 'limit', 'fromId'),
    ('GET', '/api/v3/aggTrades'): ('symbol', 'fromId', 'startTime', 'endTime', 'limit'),
    ('GET', '/api/v3/klines'): ('symbol', 'interval', 'startTime', 'endTime', 'timeZone', 'limit'),
    ('GET', '/api/v3/avgPrice'): ('symbol',),
    ('GET', '/api/v3/ticker/24hr'): ('symbol', 'symbols', 'type', 'symbolStatus'),
    ('GET', '/api/v3/ticker/price'): ('symbol', 'symbols', 'symbolStatus'),
    ('GET', '/api/v3/ticker/bookTicker'): ('symbol', 'symbols', 'symbolStatus'),
    ('POST', '/api/v3/order'): _ORDER,
    ('POST', '/api/v3/order/test'): _ORDER + ('computeCommissionRates',),
    ('POST', '/api/v3/orderList/oco'): (
        'symbol', 'listClientOrderId', 'side', 'quantity', 'newOrderRespType',
        'selfTradePreventionMode') + tuple(leg + name for leg in ('above', 'below')
                                           for name in _OCO_LEG),
    ('GET', '/api/v3/order'): ('symbol', 'orderId', 'origClientOrderId'),
    ('DELETE', '/api/v3/order'): ('symbol', 'orderId', 'origClientOrderId', 'newClientOrderId',
                                  'cancelRestrictions'),
    ('GET', '/api/v3/openOrders'): ('symbol',),
    ('GET', '/api/v3/allOrders'): ('symbol', 'orderId', 'startTime', 'endTime', 'limit'),
    ('GET', '/api/v3/account'): ('omitZeroBalances',),
    ('GET', '/api/v3/myTrades'): ('symbol', 'orderId', 'startTime', 'endTime', 'fromId', 'limit'),
    ('POST', '/api/v3/userDataStream'): (),
    ('PUT', '/api/v3/userDataStream'): ('listenKey',),
    ('DELETE', '/api/v3/userDataStream'): ('listenKey',),
    ('GET', '/sapi/v1/system/status'): (),
    ('GET', '/sapi/v1/account/status'): (),
    ('GET', '/sapi/v1/asset/dribblet'): ('startTime', 'endTime'),
    ('POST', '/sapi/v1/asset/dust'): ('asset', 'accountType'),
    ('GET', '/sapi/v1/asset/tradeFee'): ('symbol',),
    ('GET', '/sapi/v1/asset/assetDetail'): ('asset',),
    ('POST', '/sapi/v1/capital/withdraw/apply'): (
        'coin', 'withdrawOrderId', 'network', 'address', 'addressTag', 'amount',
        'transactionFeeFlag', 'name', 'walletType'),
    ('GET', '/sapi/v1/capital/deposit/hisrec'): _HISTORY + ('includeSource', 'txId'),
    ('GET', '/sapi/v1/capital/withdraw/history'): _HISTORY + ('withdrawOrderId', 'idList'),
    ('GET', '/sapi/v1/capital/deposit/address'): ('coin', 'network', 'amount'),
    # -- USD-M: Algo Service, batches, modify, test, countdown, commission, price klines --
    ('POST', '/fapi/v1/algoOrder'): _FAPI_ALGO,
    ('GET', '/fapi/v1/algoOrder'): ('algoId', 'clientAlgoId'),
    ('DELETE', '/fapi/v1/algoOrder'): ('algoId', 'clientAlgoId'),
    ('GET', '/fapi/v1/openAlgoOrders'): ('algoType', 'symbol', 'algoId'),
    ('GET', '/fapi/v1/allAlgoOrders'): ('symbol', 'algoId', 'startTime', 'endTime', 'limit'),
    ('DELETE', '/fapi/v1/algoOpenOrders'): ('symbol',),
    ('POST', '/fapi/v1/batchOrders'): ('batchOrders',),
    ('PUT', '/fapi/v1/batchOrders'): ('batchOrders',),
    ('PUT', '/fapi/v1/order'): ('symbol', 'side', 'quantity', 'price', 'orderId',
                                'origClientOrderId', 'priceMatch'),
    ('POST', '/fapi/v1/order/test'): _FAPI_ORDER,
    ('POST', '/fapi/v1/countdownCancelAll'): ('symbol', 'countdownTime'),
    ('GET', '/fapi/v1/commissionRate'): ('symbol',),
    ('GET', '/fapi/v1/markPriceKlines'): ('symbol',) + _FAPI_KLINES,
    ('GET', '/fapi/v1/indexPriceKlines'): ('pair',) + _FAPI_KLINES,
    ('GET', '/fapi/v1/premiumIndexKlines'): ('symbol',) + _FAPI_KLINES,
}.items()}
# Today's spot order API (binance/_client_orders.py): order lists, cancel-all,
# cancel-replace, amend, SOR, commission, filters, window tickers.
_LIST_LEG = ('Type', 'Side', 'ClientOrderId', 'Price', 'StopPrice', 'TrailingDelta', 'Quantity',
             'IcebergQty', 'TimeInForce', 'StrategyId', 'StrategyType', 'PegPriceType',
             'PegOffsetType', 'PegOffsetValue')
_LIST_MAIN = ('symbol', 'listClientOrderId', 'newOrderRespType', 'selfTradePreventionMode')
_LIST_OTO = _LIST_MAIN + tuple('working' + n for n in _LIST_LEG) + tuple(
    'pending' + n for n in _LIST_LEG)
_LIST_OTOCO = _LIST_MAIN + ('pendingSide', 'pendingQuantity') + tuple(
    'working' + n for n in _LIST_LEG) + tuple(
    leg + n for leg in ('pendingAbove', 'pendingBelow') for n in _LIST_LEG
    if n not in ('Side', 'Quantity'))
_SOR = ('symbol', 'side', 'type', 'timeInForce', 'quantity', 'price', 'newClientOrderId',
        'strategyId', 'strategyType', 'icebergQty', 'newOrderRespType', 'selfTradePreventionMode')
_TICKER = ('symbol', 'symbols', 'type')
KNOWN_PARAMS.update({key: frozenset(names) for key, names in {
    ('DELETE', '/api/v3/openOrders'): ('symbol',),
    ('POST', '/api/v3/order/cancelReplace'): _ORDER + (
        'cancelReplaceMode', 'cancelNewClientOrderId', 'cancelOrigClientOrderId', 'cancelOrderId',
        'cancelRestrictions', 'orderRateLimitExceededMode'),
    ('PUT', '/api/v3/order/amend/keepPriority'): ('symbol', 'orderId', 'origClientOrderId',
                                                   'newClientOrderId', 'newQty'),
    ('POST', '/api/v3/orderList/oto'): _LIST_OTO,
    ('POST', '/api/v3/orderList/otoco'): _LIST_OTOCO,
    ('POST', '/api/v3/orderList/opo'): _LIST_OTO,
    ('POST', '/api/v3/orderList/opoco'): _LIST_OTOCO,
    ('GET', '/api/v3/orderList'): ('orderListId', 'origClientOrderId'),
    ('GET', '/api/v3/allOrderList'): ('fromId', 'startTime', 'endTime', 'limit'),
    ('GET', '/api/v3/openOrderList'): (),
    ('DELETE', '/api/v3/orderList'): ('symbol', 'orderListId', 'listClientOrderId',
                                      'newClientOrderId'),
    ('POST', '/api/v3/sor/order'): _SOR,
    ('POST', '/api/v3/sor/order/test'): _SOR + ('computeCommissionRates',),
    ('GET', '/api/v3/account/commission'): ('symbol',),
    ('GET', '/api/v3/myFilters'): ('symbol',),
    ('GET', '/api/v3/myPreventedMatches'): ('symbol', 'preventedMatchId', 'orderId',
                                            'fromPreventedMatchId', 'limit'),
    ('GET', '/api/v3/myAllocations'): ('symbol', 'startTime', 'endTime', 'fromAllocationId',
                                       'limit', 'orderId'),
    ('GET', '/api/v3/uiKlines'): ('symbol', 'interval', 'startTime', 'endTime', 'timeZone',
                                  'limit'),
    ('GET', '/api/v3/ticker'): _TICKER + ('windowSize',),
    ('GET', '/api/v3/ticker/tradingDay'): _TICKER + ('timeZone',),
}.items()})
KNOWN_PARAMS.update(FUTURES_PARAMS)
KNOWN_PARAMS.update(MARGIN_PARAMS)
#: Parameters an endpoint takes more than once (``asset=ETH&asset=LTC``): a
#: list value is sent as one pair per item. Any other list is refused.
REPEATED_PARAMS: Dict[Tuple[str, str], FrozenSet[str]] = {
    ('POST', '/sapi/v1/asset/dust'): frozenset(('asset',)),
}
_ALWAYS_KNOWN = frozenset(('timestamp', 'recvWindow', 'requests_params'))
# Names the client takes and translates before sending (the original OCO ones).
_TRANSLATED = frozenset(('stopLimitPrice', 'stopLimitTimeInForce', 'limitClientOrderId',
                         'stopClientOrderId', 'limitIcebergQty', 'stopIcebergQty'))
_all_known_cache: List[Any] = [None, -1]


def register_params(method: str, path: str, names: Iterable[str],
                    repeated: Iterable[str] = ()) -> None:
    """Register the parameters Binance documents for ``method path``.

    ``names`` are every parameter the endpoint takes besides ``timestamp``,
    ``signature`` and ``recvWindow``; ``repeated`` the ones sent once per
    item of a list. Values are checked by name (:mod:`binance._wire`). For
    example, next to the module that calls the endpoint::

        register_params('GET', '/api/v3/ticker/tradingDay',
                        ('symbol', 'symbols', 'timeZone', 'type', 'symbolStatus'))
    """
    KNOWN_PARAMS[(method, path)] = frozenset(names)
    if repeated:
        REPEATED_PARAMS[(method, path)] = frozenset(repeated)


def _all_known() -> FrozenSet[str]:
    """Every name any registered endpoint takes (recomputed when the table grows)."""
    if _all_known_cache[1] != len(KNOWN_PARAMS):
        _all_known_cache[0] = frozenset().union(*KNOWN_PARAMS.values()) | _ALWAYS_KNOWN | \
            _TRANSLATED
        _all_known_cache[1] = len(KNOWN_PARAMS)
    return _all_known_cache[0]


def check_known(method: str, path: str, params: Mapping[str, Any]) -> None:
    """Raise :class:`TypeError` naming any parameter Binance does not take on this endpoint.

    A misspelt ``symbl='BNBBTC'`` would otherwise reach Binance, which answers
    only that ``symbol`` is missing. Endpoints not in :data:`KNOWN_PARAMS`
    are not checked.
    """
    known = KNOWN_PARAMS.get((method, path))
    if known is None:
        return
    unknown = [name for name in params if name not in known and name not in _ALWAYS_KNOWN]
    if unknown:
        raise BinanceParameterError(
            '{}() got unexpected keyword argument{} {}{}; {} {} takes {}'.format(
                _public_caller(), 's' if len(unknown) > 1 else '',
                ', '.join(repr(name) for name in unknown), _did_you_mean(unknown[0], known),
                method, path, ', '.join(sorted(known | {'recvWindow'}))),
            UNREAD_PARAMETERS, 'Not all sent parameters were read.')


def _did_you_mean(name: str, candidates: Iterable[str]) -> str:
    import difflib
    close = difflib.get_close_matches(name, list(candidates), n=1)
    return ' (did you mean {!r}?)'.format(close[0]) if close else ''


def _public_caller() -> str:
    """Name of the outermost public Client method on the stack (for error messages)."""
    import sys
    frame: Any = sys._getframe(2)
    name = 'request'
    while frame is not None:
        module = frame.f_globals.get('__name__', '')
        if module.startswith('binance._client') and not frame.f_code.co_name.startswith('_'):
            name = frame.f_code.co_name
        elif not module.startswith('binance._client'):
            break
        frame = frame.f_back
    return name
