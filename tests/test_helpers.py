"""binance.helpers: dates and kline intervals to milliseconds."""
import subprocess
import sys
import time

import pytest

from binance.enums import KLINE_INTERVALS
from binance.helpers import date_to_milliseconds, interval_to_milliseconds


@pytest.mark.parametrize('text,expected', [
    ('1 Jan 2018', 1514764800000),
    ('1 Dec, 2017', 1512086400000),
    ('January 01, 2018', 1514764800000),
    ('2018-01-01 12:00', 1514808000000),
    ('2018-01-01 12:00 +02:00', 1514800800000),
])
def test_absolute_dates_are_utc_milliseconds(text, expected):
    """Absolute date strings convert to ms since the epoch, taken as UTC without a zone."""
    assert date_to_milliseconds(text) == expected


def test_relative_dates_count_back_from_now():
    """'1 day ago UTC' is 86400000 ms before 'now UTC' (within the test's run time)."""
    before = int(time.time() * 1000)
    day_ago = date_to_milliseconds('1 day ago UTC')
    now = date_to_milliseconds('now UTC')
    after = int(time.time() * 1000)
    assert before - 86400000 - 1000 <= day_ago <= after - 86400000 + 1000
    assert before - 1000 <= now <= after + 1000


def test_milliseconds_pass_through():
    """An int, or a string of digits, is already milliseconds."""
    assert date_to_milliseconds(1514764800000) == 1514764800000
    assert date_to_milliseconds('1514764800000') == 1514764800000


@pytest.mark.parametrize('value,error', [('2018-13-45', ValueError), (True, TypeError),
                                         (1.5, TypeError), (None, TypeError)])
def test_bad_dates_are_refused(value, error):
    """A string that is not a date raises ValueError; other types raise TypeError."""
    with pytest.raises(error):
        date_to_milliseconds(value)


def test_interval_lengths():
    """Every interval has its length in ms; a month counts as 30 days."""
    expected = {'1s': 1000, '1m': 60000, '3m': 180000, '5m': 300000, '15m': 900000,
                '30m': 1800000, '1h': 3600000, '2h': 7200000, '4h': 14400000,
                '6h': 21600000, '8h': 28800000, '12h': 43200000, '1d': 86400000,
                '3d': 259200000, '1w': 604800000, '1M': 2592000000}
    assert {i: interval_to_milliseconds(i) for i in KLINE_INTERVALS} == expected


def test_unknown_interval_names_the_valid_ones():
    """An unknown interval raises ValueError listing the valid intervals."""
    with pytest.raises(ValueError, match='1m, 3m, 5m'):
        interval_to_milliseconds('7m')


def test_dateparser_is_loaded_only_for_date_strings():
    """Importing the client and using ms timestamps never imports dateparser; a date string does."""
    code = (
        'import sys\n'
        'from binance.client import Client\n'
        'from binance.helpers import date_to_milliseconds\n'
        'c = Client()\n'
        "c.get_historical_klines_generator('BNBBTC', '1m', 1500000000000, 1500000600000)\n"
        "c.aggregate_trade_iter('BNBBTC', start_str=1500000000000)\n"
        "assert 'dateparser' not in sys.modules, 'dateparser imported early'\n"
        "assert 'twisted' not in sys.modules, 'the REST client imported Twisted'\n"
        "date_to_milliseconds('1 Jan 2018')\n"
        "assert 'dateparser' in sys.modules\n"
    )
    result = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
