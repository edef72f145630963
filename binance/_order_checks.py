"""Checks of today's spot order requests, shared by the REST client and ``bm.ws_api``.

Pure functions, no I/O: each takes the caller's name and its keyword
arguments, raises :class:`TypeError` for a missing parameter and
:class:`ValueError` for a value Binance would refuse (naming the valid
ones), and returns the parameters with numbers in the plain decimal form
Binance reads. They cover order lists (OTO, OTOCO, OPO, OPOCO),
cancel-replace, amend keepPriority, SOR orders and the rolling-window and
trading-day tickers.
"""
import re
from typing import Any, Dict, Tuple

from binance._client_params import (
    _ORDER_NEEDS, check_choice, check_order, format_number, require)
from binance.enums import (
    KLINE_INTERVALS, ORDER_RESP_TYPES, ORDER_TYPE_LIMIT, ORDER_TYPE_LIMIT_MAKER,
    ORDER_TYPE_MARKET, ORDER_TYPES, SIDE_BUY, SIDE_SELL, SIDES, TIME_IN_FORCES)

__all__ = ['check_order_list', 'check_cancel_replace', 'check_amend', 'check_sor_order',
           'check_window_ticker', 'check_trading_day_ticker', 'ORDER_LIST_KINDS',
           'CANCEL_REPLACE_MODES', 'TICKER_TYPES']

#: ``kind -> (pending order prefixes)``: the order lists of ``POST /api/v3/orderList/<kind>``.
ORDER_LIST_KINDS = {
    'oto': ('pending',),
    'otoco': ('pendingAbove', 'pendingBelow'),
    'opo': ('pending',),
    'opoco': ('pendingAbove', 'pendingBelow'),
}
CANCEL_REPLACE_MODES = ('STOP_ON_FAILURE', 'ALLOW_FAILURE')
CANCEL_RESTRICTIONS = ('ONLY_NEW', 'ONLY_PARTIALLY_FILLED')
TICKER_TYPES = ('FULL', 'MINI')
_WORKING_TYPES = (ORDER_TYPE_LIMIT, ORDER_TYPE_LIMIT_MAKER)
#: OCO pair order types (Binance's ``aboveType``/``belowType`` values).
_ABOVE_TYPES = ('STOP_LOSS_LIMIT', 'STOP_LOSS', 'LIMIT_MAKER', 'TAKE_PROFIT', 'TAKE_PROFIT_LIMIT')
_BELOW_TYPES = ('STOP_LOSS', 'STOP_LOSS_LIMIT', 'TAKE_PROFIT', 'TAKE_PROFIT_LIMIT')
_LEG_NUMBERS = ('Price', 'StopPrice', 'Quantity', 'IcebergQty')
_WINDOW_RE = re.compile(r'^([1-9][0-9]?)([mhd])\Z')
_WINDOW_MAX = {'m': 59, 'h': 23, 'd': 7}
_TIME_ZONE_RE = re.compile(r'^[+-]?[0-9]{1,2}(:[0-5][0-9])?\Z')


def _leg(func: str, params: Dict[str, Any], prefix: str, type_: Any,
         types: Tuple[str, ...], quantity: bool = True) -> None:
    """Check one order of a list: its type and what that type needs, prefixed."""
    check_choice(prefix + 'Type', type_, types)
    needs = []
    for entry in _ORDER_NEEDS[type_]:
        options = entry if isinstance(entry, tuple) else (entry,)
        if quantity or 'quantity' not in options:   # the list gives the quantity elsewhere
            needs.append(tuple(prefix + o[0].upper() + o[1:] for o in options))
    require(func, params, *needs)
    if params.get(prefix + 'TimeInForce') is not None:
        check_choice(prefix + 'TimeInForce', params[prefix + 'TimeInForce'], TIME_IN_FORCES)


def _numbers(params: Dict[str, Any], prefixes: Tuple[str, ...]) -> Dict[str, Any]:
    out = dict(params)
    for prefix in prefixes:
        for name in _LEG_NUMBERS:
            if out.get(prefix + name) is not None:
                out[prefix + name] = format_number(prefix + name, out[prefix + name],
                                                   positive=True)
    return out


def check_order_list(func: str, kind: str, params: Dict[str, Any]) -> Dict[str, Any]:
    """Check an OTO, OTOCO, OPO or OPOCO list (``kind``: ``'oto'`` ... ``'opoco'``).

    :raises TypeError: for a missing parameter (e.g. ``workingTimeInForce``
        with ``workingType='LIMIT'``); for an OPO, a ``pendingQuantity``.
    :raises ValueError: for a bad type, side or time in force, an OPO whose
        working order is not a ``BUY`` or whose pending orders are not ``SELL``.
    """
    pending = ORDER_LIST_KINDS[kind]
    opo = kind.startswith('opo')
    pair = len(pending) == 2
    require(func, params, 'symbol', 'workingType', 'workingSide', 'workingPrice',
            'workingQuantity', 'pendingSide', *(() if opo else ('pendingQuantity',)))
    if pair:
        require(func, params, 'pendingAboveType', 'pendingBelowType')
    else:
        require(func, params, 'pendingType')
    _leg(func, params, 'working', params['workingType'], _WORKING_TYPES)
    for side_name in ('workingSide', 'pendingSide'):
        check_choice(side_name, params[side_name], SIDES)
    if params.get('newOrderRespType') is not None:
        check_choice('newOrderRespType', params['newOrderRespType'], ORDER_RESP_TYPES)
    if opo:
        if params.get('pendingQuantity') is not None:
            raise TypeError('{}() takes no pendingQuantity: the pending order gets what the '
                            'working order bought (One Pays the Other)'.format(func))
        if params['workingSide'] != SIDE_BUY or params['pendingSide'] != SIDE_SELL:
            raise ValueError('{}(): an OPO list buys first and sells after: workingSide must '
                             'be BUY and pendingSide SELL, got {} and {}'.format(
                                 func, params['workingSide'], params['pendingSide']))
    if pair:
        _leg(func, params, 'pendingAbove', params['pendingAboveType'], _ABOVE_TYPES, False)
        _leg(func, params, 'pendingBelow', params['pendingBelowType'], _BELOW_TYPES, False)
    else:
        _leg(func, params, 'pending', params['pendingType'], ORDER_TYPES, not opo)
    return _numbers(params, ('working', 'pending') + pending)


def check_cancel_replace(func: str, params: Dict[str, Any]) -> None:
    """Check a cancel-replace: the new order as :func:`check_order`, ``cancelReplaceMode``
    (``STOP_ON_FAILURE`` or ``ALLOW_FAILURE``) and the order to cancel."""
    require(func, params, 'symbol', 'cancelReplaceMode',
            ('cancelOrderId', 'cancelOrigClientOrderId'))
    check_choice('cancelReplaceMode', params['cancelReplaceMode'], CANCEL_REPLACE_MODES)
    if params.get('cancelRestrictions') is not None:
        check_choice('cancelRestrictions', params['cancelRestrictions'], CANCEL_RESTRICTIONS)
    check_order(func, params)


def check_amend(func: str, params: Dict[str, Any]) -> Dict[str, Any]:
    """Check an amend keepPriority: ``symbol``, the order, and ``newQty`` > 0."""
    require(func, params, 'symbol', ('orderId', 'origClientOrderId'), 'newQty')
    out = dict(params)
    out['newQty'] = format_number('newQty', params['newQty'], positive=True)
    return out


def check_sor_order(func: str, params: Dict[str, Any]) -> None:
    """Check an SOR order: ``LIMIT`` (with ``timeInForce`` and ``price``) or ``MARKET``,
    always with ``quantity`` (SOR takes no ``quoteOrderQty``)."""
    require(func, params, 'symbol', 'side', 'type', 'quantity')
    check_choice('type', params['type'], (ORDER_TYPE_LIMIT, ORDER_TYPE_MARKET))
    if params.get('quoteOrderQty') is not None:
        raise TypeError('{}() takes no quoteOrderQty: SOR orders give a quantity'.format(func))
    check_order(func, params)


def _ticker_symbols(func: str, params: Dict[str, Any]) -> None:
    require(func, params, ('symbol', 'symbols'))
    if params.get('symbol') is not None and params.get('symbols') is not None:
        raise ValueError('{}() takes symbol or symbols, not both'.format(func))
    symbols = params.get('symbols')
    if isinstance(symbols, (list, tuple)) and not 1 <= len(symbols) <= 100:
        raise ValueError('{}(): symbols takes 1 to 100 symbols, got {}'.format(
            func, len(symbols)))
    if params.get('type') is not None:
        check_choice('type', params['type'], TICKER_TYPES)


def check_window_ticker(func: str, params: Dict[str, Any]) -> None:
    """``symbol`` or ``symbols``, ``windowSize`` ``1m``..``59m``, ``1h``..``23h``, ``1d``..``7d``."""
    _ticker_symbols(func, params)
    window = params.get('windowSize')
    if window is not None:
        match = _WINDOW_RE.match(window) if isinstance(window, str) else None
        if match is None or int(match.group(1)) > _WINDOW_MAX[match.group(2)]:
            raise ValueError('invalid windowSize {!r}; valid values are 1m to 59m, 1h to 23h '
                             'and 1d to 7d'.format(window))


def check_trading_day_ticker(func: str, params: Dict[str, Any]) -> None:
    """``symbol`` or ``symbols``; ``timeZone`` as hours[:minutes], ``-12:00`` to ``+14:00``."""
    _ticker_symbols(func, params)
    zone = params.get('timeZone')
    if zone is not None:
        text = str(zone)
        if not _TIME_ZONE_RE.match(text):
            raise ValueError('invalid timeZone {!r}; give hours[:minutes] from -12:00 to '
                             '+14:00, e.g. \'0\', \'-1:00\' or \'05:45\''.format(zone))


def check_ui_klines(func: str, params: Dict[str, Any]) -> None:
    """``symbol`` and ``interval`` (one of the kline intervals)."""
    require(func, params, 'symbol', 'interval')
    check_choice('interval', params['interval'], KLINE_INTERVALS)
