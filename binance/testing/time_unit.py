"""Microsecond time on the local exchange's Spot REST API (``X-MBX-TIME-UNIT``).

Binance (since 2024-12-17): a request to ``/api`` may send the header
``X-MBX-TIME-UNIT`` with ``MILLISECOND``/``millisecond`` (the default) or
``MICROSECOND``/``microsecond``; any other value is refused with -1194. In
microseconds every time field of the JSON answer (``serverTime``, ``time``,
``transactTime``, a kline's open and close times...) is in microseconds.
Timestamp parameters (``timestamp``, ``startTime``, ``endTime``) may be
sent in milliseconds or microseconds, whatever the header says.

The local exchange keeps time in milliseconds, so its microsecond values
are those milliseconds times 1000.
"""
from typing import Any, Dict

from binance.testing.market_base import MarketError

__all__ = ['TIME_UNIT_HEADER', 'wants_microseconds', 'to_microseconds', 'TIME_FIELDS',
           'timestamp_ms', 'TIME_PARAMS']

TIME_UNIT_HEADER = 'X-MBX-TIME-UNIT'
_VALUES = {'MILLISECOND': False, 'millisecond': False, 'MICROSECOND': True, 'microsecond': True}
#: Keys of time fields in Spot REST answers.
TIME_FIELDS = frozenset(['serverTime', 'time', 'updateTime', 'transactTime', 'workingTime',
                         'transactionTime', 'openTime', 'closeTime', 'T'])
#: Parameters that take a time, in milliseconds or microseconds.
TIME_PARAMS = ('startTime', 'endTime')
#: A time at or above this is in microseconds (ms reach it in the year 5138).
_MICRO_FROM = 10 ** 14
_KLINE_PATHS = ('/api/v3/klines', '/api/v3/uiKlines')


def wants_microseconds(value: Any) -> bool:
    """Whether an ``X-MBX-TIME-UNIT`` value asks for microseconds (``None``: no).

    :raises MarketError: -1194 for a value Binance does not accept.
    """
    if value is None:
        return False
    if value not in _VALUES:
        raise MarketError(-1194, 'Invalid value for time unit; expected either MICROSECOND or '
                                 'MILLISECOND.')
    return _VALUES[value]


def to_microseconds(payload: Any, path: str) -> Any:
    """``payload`` (a decoded answer to ``path``) with its time fields in microseconds."""
    if path in _KLINE_PATHS and isinstance(payload, list):
        return [[row[0] * 1000] + row[1:6] + [row[6] * 1000] + row[7:]
                if isinstance(row, list) and len(row) > 6 else row for row in payload]
    return _convert(payload)


def _convert(value: Any) -> Any:
    if isinstance(value, dict):
        out: Dict[str, Any] = {}
        for key, item in value.items():
            if key in TIME_FIELDS and isinstance(item, int) and not isinstance(item, bool):
                out[key] = item * 1000
            else:
                out[key] = _convert(item)
        return out
    if isinstance(value, list):
        return [_convert(item) for item in value]
    return value


def timestamp_ms(value: Any) -> Any:
    """A time parameter as milliseconds: a microsecond value (16 digits) divided by 1000."""
    if isinstance(value, str) and value.isdigit() and int(value) >= _MICRO_FROM:
        return str(int(value) // 1000)
    return value
