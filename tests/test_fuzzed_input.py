"""Inputs found by fuzzing: each is refused with ValueError/TypeError before any request or connection."""
import logging
from decimal import Decimal

import pytest

from binance.depthcache import DepthCacheManager
from binance.helpers import date_to_milliseconds
from binance.websockets import BinanceSocketManager
from tests.test_client import offline_client

NON_ASCII_NUMBERS = ['５', '１.５', '٣', '1_000', '0.000_1', '²']


@pytest.mark.parametrize('call', [
    lambda c: c.get_order_book(symbol='BNBBTC\n'),
    lambda c: c.get_symbol_ticker(symbol='BNBBTC\n'),
    lambda c: c.get_exchange_info(symbols=['BNBBTC\n']),
    lambda c: c.get_exchange_info(permissions=['SPOT\n']),
])
def test_symbol_with_a_trailing_newline_is_refused(call):
    """'BNBBTC\\n' is not a symbol: the check anchors at the very end, not before a newline."""
    client, adapter = offline_client('k', 's')
    with pytest.raises(ValueError, match='malformed'):
        call(client)
    assert adapter.requests == []


@pytest.mark.parametrize('value', NON_ASCII_NUMBERS)
@pytest.mark.parametrize('name', ['quantity', 'price'])
def test_numbers_in_non_ascii_digits_or_with_underscores_are_refused(name, value):
    """Full-width or other non-ASCII digits, and '_' separators, are not numbers Binance reads."""
    client, adapter = offline_client('k', 's')
    params = dict(symbol='BNBBTC', quantity='1', price='0.001')
    params[name] = value
    with pytest.raises(ValueError, match='{} must be a number written with ASCII digits'.format(name)):
        client.order_limit_buy(**params)
    assert adapter.requests == []


@pytest.mark.parametrize('value', ['５', '٣', '1_0'])
def test_limit_in_non_ascii_digits_is_refused(value):
    """limit='５' is not taken for 5."""
    client, adapter = offline_client()
    with pytest.raises(TypeError, match='limit must be an int'):
        client.get_order_book(symbol='BNBBTC', limit=value)
    assert adapter.requests == []


def test_date_of_non_ascii_digits_is_not_read_as_milliseconds():
    """date_to_milliseconds('５') is not 5 ms."""
    assert date_to_milliseconds('1500000000000') == 1500000000000
    try:
        assert date_to_milliseconds('５') != 5
    except ValueError:
        pass


@pytest.mark.parametrize('name', ['bnbbtc@trade\n', 'bnbbtc@trade\r\nX-Evil: 1', 'bnbbtc@trade\n/x'])
def test_stream_name_with_a_newline_never_reaches_the_handshake(name):
    """A stream name with a line break is refused before anything connects."""
    bm = BinanceSocketManager(None)
    with pytest.raises(ValueError, match='malformed stream name'):
        bm.start_multiplex_socket([name], lambda msg: None)
    assert bm.conn_keys == []


@pytest.mark.parametrize('value', [Decimal('sNaN'), Decimal('NaN'), float('nan')])
def test_not_a_number_arguments_are_value_errors(value):
    """Decimal('sNaN') and NaN give ValueError, never decimal.InvalidOperation."""
    bm = BinanceSocketManager(None)
    with pytest.raises(ValueError, match='update_time must be one of'):
        bm.start_miniticker_socket(lambda msg: None, update_time=value)
    client, adapter = offline_client('k', 's')
    with pytest.raises(ValueError):
        client.order_limit_buy(symbol='BNBBTC', quantity=value, price='0.001')
    with pytest.raises(ValueError):
        DepthCacheManager(client, 'BNBBTC', limit=value, bm=bm)
    assert adapter.requests == [] and bm.conn_keys == []


@pytest.mark.binance_exchange(listen_keys=True)
def test_listen_keys_are_redacted_in_urllib3_debug_lines(exchange, caplog):
    """urllib3's DEBUG request lines show listenKey=<redacted>, never the key."""
    caplog.set_level(logging.DEBUG, 'urllib3.connectionpool')
    client = exchange.client()
    key = client.stream_get_listen_key()
    client.stream_keepalive(key)
    client.stream_close(key)
    lines = [r.getMessage() for r in caplog.records if r.name == 'urllib3.connectionpool']
    assert any('listenKey=<redacted>' in line for line in lines), lines
    assert not any(key in line for line in lines)
