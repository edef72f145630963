"""Microsecond time on REST: Client(time_unit='MICROSECOND') and the local exchange's X-MBX-TIME-UNIT."""
import time

import pytest
import requests

from binance.client import Client


def _header(exchange, path):
    return [r.headers.get('X-MBX-TIME-UNIT') for r in exchange.requests if r.path == path]


def test_microsecond_client_sends_the_header_on_spot_requests_only(exchange):
    """time_unit='MICROSECOND' sends X-MBX-TIME-UNIT on /api requests; /sapi and /fapi get none."""
    client = exchange.client(time_unit='MICROSECOND')
    client.ping()
    client.get_account()
    client.get_system_status()
    client.futures_ping()
    assert _header(exchange, '/api/v3/ping') == ['MICROSECOND']
    assert _header(exchange, '/api/v3/account') == ['MICROSECOND']
    assert _header(exchange, '/sapi/v1/system/status') == [None]
    assert _header(exchange, '/fapi/v1/ping') == [None]


@pytest.mark.parametrize('unit', [None, 'MILLISECOND', 'millisecond'])
def test_millisecond_or_none_sends_no_header(exchange, unit):
    """The default (None) and 'MILLISECOND' send no X-MBX-TIME-UNIT: milliseconds are Binance's default."""
    client = exchange.client(time_unit=unit)
    client.ping()
    assert _header(exchange, '/api/v3/ping') == [None] and client.time_unit is None


@pytest.mark.parametrize('unit', ['NANOSECOND', 'us', 1000, ''])
def test_bad_time_unit_is_refused_before_sending(unit):
    """time_unit accepts MICROSECOND, MILLISECOND or None, and says so."""
    with pytest.raises(ValueError, match="time_unit must be 'MICROSECOND', 'MILLISECOND' or None"):
        Client(time_unit=unit)


def test_exchange_answers_in_microseconds(exchange):
    """With the header, serverTime, klines, trades, aggTrades, tickers and orders carry microseconds."""
    micro = exchange.client(time_unit='MICROSECOND')
    milli = exchange.client()
    before = int(time.time() * 1000)
    server_us = micro.get_server_time()['serverTime']
    assert before * 1000 <= server_us <= (int(time.time() * 1000) + 1) * 1000
    assert micro.get_klines(symbol='BNBBTC', interval='1m', limit=3) == [
        [row[0] * 1000] + row[1:6] + [row[6] * 1000] + row[7:]
        for row in milli.get_klines(symbol='BNBBTC', interval='1m', limit=3)]
    assert [t['time'] for t in micro.get_recent_trades(symbol='BNBBTC', limit=3)] == [
        t['time'] * 1000 for t in milli.get_recent_trades(symbol='BNBBTC', limit=3)]
    assert [t['T'] for t in micro.get_aggregate_trades(symbol='BNBBTC', limit=3)] == [
        t['T'] * 1000 for t in milli.get_aggregate_trades(symbol='BNBBTC', limit=3)]
    ticker = micro.get_ticker(symbol='BNBBTC')
    assert ticker['closeTime'] >= 10 ** 15 and ticker['openTime'] >= 10 ** 15
    order = micro.order_market_buy(symbol='BNBBTC', quantity=1)
    assert order['transactTime'] >= 10 ** 15 and order['workingTime'] >= 10 ** 15
    assert micro.get_my_trades(symbol='BNBBTC')[-1]['time'] >= 10 ** 15
    assert milli.get_my_trades(symbol='BNBBTC')[-1]['time'] < 10 ** 14


def test_exchange_refuses_an_unknown_time_unit_with_1194(exchange):
    """An X-MBX-TIME-UNIT other than MICROSECOND/MILLISECOND (upper or lower case) gets -1194."""
    url = exchange.api_url + '/v3/time'
    for value, status in (('Microsecond', 400), ('SECOND', 400), ('microsecond', 200)):
        answer = requests.get(url, headers={'X-MBX-TIME-UNIT': value}, timeout=10)
        assert answer.status_code == status
    answer = requests.get(url, headers={'X-MBX-TIME-UNIT': 'SECOND'}, timeout=10)
    assert answer.json() == {'code': -1194, 'msg': 'Invalid value for time unit; expected '
                                                   'either MICROSECOND or MILLISECOND.'}


def test_exchange_takes_time_parameters_in_microseconds(exchange):
    """timestamp and startTime/endTime may be sent in microseconds, as Binance accepts."""
    client = exchange.client()
    rows = client.get_klines(symbol='BNBBTC', interval='1m', limit=5)
    start_us, end_us = rows[1][0] * 1000, rows[3][0] * 1000
    assert client.get_klines(symbol='BNBBTC', interval='1m', startTime=start_us,
                             endTime=end_us) == rows[1:4]
    stamp_us = int(time.time() * 1_000_000)
    assert 'balances' in client._get('v3/account', {'timestamp': stamp_us}, signed=True)


def test_the_server_clock_keeps_milliseconds_with_microsecond_answers(exchange):
    """A microsecond client still measures its offset to the server in ms and signs in ms."""
    exchange.clock_offset = -2.5
    client = exchange.client(time_unit='MICROSECOND')
    offset = client.sync_time()
    assert -3000 < offset < -2000 and client.timestamp_offset == offset
    client.get_account()
    sent = [r for r in exchange.requests if r.path == '/api/v3/account'][-1]
    assert len(sent.params['timestamp']) == 13
