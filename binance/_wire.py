"""Binance's rules for the values of request parameters (pure functions, no I/O).

Binance refuses a malformed value with ``-1100 Illegal characters found in
parameter '%s'; legal range is '%s'.``, naming the rule. The client checks
the same rules before anything is sent, so the error names the argument and
the rule at the call, and nothing malformed reaches the wire:

* **decimals** (quantities, prices, amounts): ``^([0-9]{1,20})(\\.[0-9]{1,20})?$``
  — no sign, no exponent, no bare point (``'.5'``, ``'1.'``), at most 20
  digits on either side of the point. ``float`` and ``Decimal`` values are
  written in plain decimals (``1e-05`` → ``'0.00001'``; trailing zeros past
  the 20th decimal dropped) and refused when they cannot be written within
  the rule (``1.79e308``, ``Decimal('1E-40')``).
* **integers** (times, counts, ``limit``...): ``^[0-9]{1,20}$``, no sign.
* **order ids** (``orderId``, ``fromId``...): integers from 0 to 2**63 - 1
  (Binance's ids are signed 64-bit); ``True``, ``1.5``, ``''``, ``-5``,
  ``2**70`` are refused.
* **client ids** (``newClientOrderId``, ``origClientOrderId``,
  ``listClientOrderId``...): on spot and margin ``^[a-zA-Z0-9-_]{1,36}$``
  (the rule Binance's spot ``-1100`` message and its FIX docs name), on
  USD-M futures ``^[\\.A-Z\\:/a-z0-9_-]{1,36}$`` (the futures docs'), which
  also admits ``.``, ``:`` and ``/``.
* **one value per name**: a list is refused where Binance expects one value
  (it would go out as a repeated parameter, which Binance answers with
  ``-1101 Duplicate values for a parameter detected.``); the few parameters
  that take a list say so (:data:`binance._client_params.REPEATED_PARAMS`,
  the JSON lists ``symbols``/``permissions``).

The tables below are by parameter name, for every endpoint (spot, margin,
futures, WebSocket API): a new endpoint's parameters follow them by name;
a new kind of id or decimal parameter is one more entry in a table.
"""
import math
import re
from decimal import Decimal, InvalidOperation
from typing import Any, Callable, Dict, Optional

__all__ = ['DECIMAL_PATTERN', 'INTEGER_PATTERN', 'CLIENT_ID_PATTERNS', 'MAX_ID',
           'CLIENT_ID_PARAMS', 'ORDER_ID_PARAMS', 'format_decimal', 'format_integer',
           'format_order_id', 'check_client_id', 'rule_for', 'product_of']

#: Binance's rule for a decimal parameter, as its ``-1100`` message writes it.
DECIMAL_PATTERN = '^([0-9]{1,20})(\\.[0-9]{1,20})?$'
#: Binance's rule for an integer (LONG) parameter.
INTEGER_PATTERN = '^[0-9]{1,20}$'
#: Binance's rule for a client order id, by product (``'spot'`` covers margin).
CLIENT_ID_PATTERNS = {'spot': '^[a-zA-Z0-9-_]{1,36}$',
                      'futures': '^[\\.A-Z\\:/a-z0-9_-]{1,36}$'}
#: The largest order id (Binance's ids are signed 64-bit integers).
MAX_ID = 2 ** 63 - 1
#: Most digits on either side of the decimal point.
MAX_DIGITS = 20

_DECIMAL_RE = re.compile(r'^([0-9]{1,20})(\.[0-9]{1,20})?\Z')
_INTEGER_RE = re.compile(r'^[0-9]{1,20}\Z')
_CLIENT_ID_RES = {'spot': re.compile(r'^[a-zA-Z0-9\-_]{1,36}\Z'),
                  'futures': re.compile(r'^[\.A-Z\:/a-z0-9_-]{1,36}\Z')}
_CLIENT_ID_CHARS = {'spot': 'A-Z, a-z, 0-9, "-" and "_"',
                    'futures': 'A-Z, a-z, 0-9, ".", ":", "/", "_" and "-"'}
# What may be read as a number at all (an exponent is rewritten in plain decimals).
_NUMBER_RE = re.compile(r'^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?\Z')

#: Parameters holding a client-chosen id (spot orders and order lists, their
#: legs, cancel-replace, margin, futures).
CLIENT_ID_PARAMS = frozenset((
    'newClientOrderId', 'origClientOrderId', 'listClientOrderId', 'newClientListId',
    'origClientListId', 'limitClientOrderId', 'stopClientOrderId', 'aboveClientOrderId',
    'belowClientOrderId', 'workingClientOrderId', 'pendingClientOrderId',
    'pendingAboveClientOrderId', 'pendingBelowClientOrderId', 'cancelNewClientOrderId',
    'cancelOrigClientOrderId', 'newClientStrategyId', 'clientAlgoId',
))
#: Parameters holding an id Binance assigned (order, order list, trade).
ORDER_ID_PARAMS = frozenset((
    'orderId', 'orderListId', 'cancelOrderId', 'fromId', 'algoId', 'strategyId',
))


def _number(name: str, value: Any) -> Decimal:
    """``value`` as a finite :class:`Decimal`; TypeError/ValueError naming ``name`` otherwise."""
    if isinstance(value, bool):
        raise TypeError('{} must be a number, not bool'.format(name))
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError('{} must be a finite number, got {!r}'.format(name, value))
        return Decimal(repr(value))
    if isinstance(value, (Decimal, str)):
        if isinstance(value, str) and not _NUMBER_RE.match(value.strip()):
            raise ValueError('{} must be a number written with ASCII digits, such as '
                             '\'0.001\', got {!r}'.format(name, value))
        try:
            number = Decimal(value.strip() if isinstance(value, str) else value)
        except InvalidOperation:
            raise ValueError('{} must be a number, got {!r}'.format(name, value)) from None
        if not number.is_finite():
            raise ValueError('{} must be a finite number, got {!r}'.format(name, value))
        return number
    raise TypeError('{} must be a number (str, int, float or Decimal), not {}'.format(
        name, type(value).__name__))


def _out_of_rule(name: str, value: Any, why: str) -> ValueError:
    return ValueError('{} {!r} cannot be sent: {}; Binance takes decimals matching {} '
                      '(no sign, no exponent, digits on both sides of a point, at most {} '
                      'on each side)'.format(name, value, why, DECIMAL_PATTERN, MAX_DIGITS))


def format_decimal(name: str, value: Any, positive: bool = False) -> str:
    """``value`` as the plain decimal text Binance accepts for a DECIMAL parameter.

    >>> format_decimal('price', 1e-07), format_decimal('quantity', Decimal('1.50'))
    ('0.0000001', '1.50')

    :raises TypeError: for a bool, or a value that is no number.
    :raises ValueError: for a negative (or, with ``positive``, zero) value,
        NaN/infinity, non-ASCII digits, or a value that cannot be written with
        at most 20 digits on either side of the point; the message names the
        parameter and the rule.
    """
    number = _number(name, value)
    if positive and number <= 0:
        raise ValueError('{} must be greater than 0, got {!r}'.format(name, value))
    if number < 0 or (isinstance(value, str) and value.strip().startswith('-')):
        raise _out_of_rule(name, value, 'it is negative')
    if isinstance(value, str):
        text = value.strip()
        if _DECIMAL_RE.match(text):
            return text
        if 'e' not in text.lower():  # '+1', '.5', '1.' or too many digits
            raise _out_of_rule(name, value, 'it is not written as Binance reads numbers')
    text = format(number, 'f')
    whole, _, fraction = text.partition('.')
    if len(fraction) > MAX_DIGITS:
        fraction = fraction.rstrip('0')
        if len(fraction) > MAX_DIGITS:
            raise _out_of_rule(name, value, 'it needs {} decimal places'.format(len(fraction)))
        text = whole + ('.' + fraction if fraction else '')
    if len(whole) > MAX_DIGITS:
        raise _out_of_rule(name, value, 'it has {} digits before the point'.format(len(whole)))
    return text


def format_integer(name: str, value: Any) -> str:
    """A non-negative ``int`` as Binance's INTEGER/LONG text (``^[0-9]{1,20}$``)."""
    if value < 0 or len(str(value)) > MAX_DIGITS:
        raise ValueError('{} {!r} cannot be sent: Binance takes integers matching {} '
                         '(no sign, at most {} digits)'.format(name, value, INTEGER_PATTERN,
                                                               MAX_DIGITS))
    return str(value)


def format_order_id(name: str, value: Any) -> str:
    """An id Binance assigned: an ``int`` (or a str of ASCII digits) from 0 to 2**63 - 1.

    :raises TypeError: for bool, float, Decimal, list and other types.
    :raises ValueError: for an empty, signed, non-digit or out-of-range value.
    """
    rule = ('{} must be an order id, an int from 0 to {} (or a str of its digits)'
            .format(name, MAX_ID))
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise TypeError('{}, not {}'.format(rule, type(value).__name__ if not isinstance(
            value, (float, Decimal)) else repr(value)))
    if isinstance(value, str):
        if not _INTEGER_RE.match(value):
            raise ValueError('{}; got {!r}'.format(rule, value))
        number = int(value)
    else:
        number = value
    if not 0 <= number <= MAX_ID:
        raise ValueError('{}; got {!r}'.format(rule, value))
    return str(number)


def check_client_id(name: str, value: Any, product: str = 'spot') -> str:
    """A client order id matching Binance's rule for ``product`` (:data:`CLIENT_ID_PATTERNS`)."""
    chars = _CLIENT_ID_CHARS[product]
    if not isinstance(value, str):
        raise TypeError('{} must be a str of 1 to 36 characters among {}, not {}'.format(
            name, chars, type(value).__name__))
    if not _CLIENT_ID_RES[product].match(value):
        why = ('it is empty' if not value else
               'it has {} characters'.format(len(value)) if len(value) > 36 else
               'it contains characters outside the rule')
        raise ValueError('{} {!r} cannot be sent: {}; Binance takes {} client ids matching {} '
                         '(1 to 36 characters among {})'.format(
                             name, value, why, product, CLIENT_ID_PATTERNS[product], chars))
    return value


def _order_id(name: str, value: Any, product: str = 'spot') -> str:
    return format_order_id(name, value)


_RULES: Dict[str, Callable[[str, Any, str], str]] = {}
_RULES.update((name, check_client_id) for name in CLIENT_ID_PARAMS)
_RULES.update((name, _order_id) for name in ORDER_ID_PARAMS)


def rule_for(name: str) -> Optional[Callable[[str, Any, str], str]]:
    """The value rule of parameter ``name`` (client id or order id), or ``None``:
    called as ``rule(name, value, product)``.

    Names ending in ``ClientOrderId`` are client ids wherever they appear.
    """
    rule = _RULES.get(name)
    if rule is None and name.endswith('ClientOrderId'):
        return check_client_id
    return rule


def product_of(api: str) -> str:
    """``'futures'`` for the derivatives APIs (``fapi``, ``dapi``, ``futures/data``),
    ``'spot'`` otherwise (``api``, ``sapi``, the spot WebSocket API)."""
    return 'futures' if api.startswith(('fapi', 'dapi', 'futures')) else 'spot'
