"""Date and interval helpers used by the historical data methods, and lot-step rounding."""
from datetime import datetime, timezone
from decimal import Decimal
from typing import Union

from binance.enums import KLINE_INTERVALS

__all__ = ['date_to_milliseconds', 'interval_to_milliseconds', 'round_step_size']

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_UNIT_SECONDS = {'s': 1, 'm': 60, 'h': 3600, 'd': 86400, 'w': 604800}


def date_to_milliseconds(date_str: Union[str, int]) -> int:
    """Convert a date to milliseconds since the Unix epoch, in UTC.

    :param date_str: a date such as ``"1 Jan 2018"``, ``"January 01, 2018"``,
        ``"2018-01-01 12:00"``, a relative date such as ``"1 day ago UTC"`` or
        ``"now UTC"``, or an int that is already in milliseconds. Dates without
        a time zone are taken as UTC.
    :raises ValueError: when the string is not a date.

    >>> date_to_milliseconds("1 Jan 2018")
    1514764800000
    """
    if isinstance(date_str, bool):
        raise TypeError('date must be a date string or milliseconds as int, not bool')
    if isinstance(date_str, int):
        return date_str
    if not isinstance(date_str, str):
        raise TypeError('date must be a date string or milliseconds as int, got {}'.format(
            type(date_str).__name__))
    text = date_str.strip()
    if text.isascii() and text.isdigit():
        return int(text)
    import dateparser  # imported here: it is slow to import and only needed for strings
    parsed = dateparser.parse(text, languages=['en'], settings={'TIMEZONE': 'UTC', 'RETURN_AS_TIMEZONE_AWARE': True})
    if parsed is None:
        raise ValueError('could not understand the date {!r}; use e.g. "1 Jan 2018", '
                         '"2018-01-01 12:00" or "1 day ago UTC"'.format(date_str))
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return int((parsed - _EPOCH).total_seconds() * 1000)


def interval_to_milliseconds(interval: str) -> int:
    """Length of a kline interval in milliseconds.

    :param interval: one of :data:`binance.enums.KLINE_INTERVALS`, e.g. ``"5m"``.
    :raises ValueError: for any other string, naming the valid intervals.

    A month (``"1M"``) counts as 30 days here; use it only as an upper bound.

    >>> interval_to_milliseconds("1h")
    3600000
    """
    if interval not in KLINE_INTERVALS:
        raise ValueError('invalid kline interval {!r}; valid intervals are {}'.format(
            interval, ', '.join(KLINE_INTERVALS)))
    amount, unit = int(interval[:-1]), interval[-1]
    if unit == 'M':
        return amount * 30 * 86400 * 1000
    return amount * _UNIT_SECONDS[unit] * 1000


def round_step_size(quantity: Union[float, Decimal], step_size: Union[float, Decimal]) -> float:
    """``quantity`` rounded down to a whole number of ``step_size`` (python-binance 1.0's helper).

    :param quantity: e.g. ``1.23456789``; a ``str`` such as ``'1.23456789'`` works too.
    :param step_size: the symbol's ``LOT_SIZE`` ``stepSize`` (or a ``tickSize``),
        e.g. ``0.001`` or ``'0.00100000'``; ``0`` leaves ``quantity`` as it is.
    :returns: a float. Send it as ``format_decimal(...)`` (or use
        :meth:`binance.filters.SymbolFilters.format_quantity`): a float such as
        ``1e-05`` would be written with an exponent, which Binance refuses.
    :raises ValueError, TypeError: for a negative or non-numeric argument.

    >>> round_step_size(1.23456789, 0.001)
    1.234
    """
    from binance.filters import round_to_step
    return float(round_to_step(quantity, step_size, 'down'))
