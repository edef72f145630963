"""Client errors: argument checks before sending, and HTTP failures mapped to exceptions.

Argument checks use a recording transport (nothing must be sent); HTTP
failures come from the local exchange over loopback.
"""
import copy
import logging
import pickle
import re
import socket
import time

import pytest

from binance.client import Client
from binance import exceptions
from binance.exceptions import (
    BinanceAPIException, BinanceConnectionException, BinanceException, BinanceRateLimitException,
    BinanceRequestException, BinanceTimeoutException, BinanceWithdrawException,
)
from tests.support import FakeTime
from tests.test_client import offline_client

SECRET = 'sEcReT-do-not-leak-0123456789'
KEY = 'kEy-do-not-leak-9876543210'
_SIGNATURE_HEX = re.compile('[0-9a-f]{64}')


@pytest.mark.parametrize('call,error,match', [
    (lambda c: c.get_order_book(), TypeError, "get_order_book\\(\\) missing required parameter 'symbol'"),
    (lambda c: c.get_order_book(symbol=''), ValueError, 'must not be empty'),
    (lambda c: c.get_order_book(symbol='bnbbtc'), ValueError, "upper case: 'BNBBTC'"),
    (lambda c: c.get_order_book(symbol='BNB/BTC'), ValueError, 'malformed symbol'),
    (lambda c: c.get_order_book(symbol=5), TypeError, 'symbol must be a str'),
    (lambda c: c.get_order_book(symbol='BNBBTC', limit=0), ValueError, 'between 1 and 5000'),
    (lambda c: c.get_order_book(symbol='BNBBTC', limit='five'), TypeError, 'limit must be an int'),
    (lambda c: c.get_order_book(symbol='BNBBTC', limit='6000'), ValueError, 'between 1 and 5000'),
    (lambda c: c.get_klines(symbol='BNBBTC'), TypeError, "'interval'"),
    (lambda c: c.get_klines(symbol='BNBBTC', interval='7m'), ValueError, 'valid values are 1s, 1m'),
    (lambda c: c.get_klines(symbol='BNBBTC', interval='1m', limit=1001), ValueError, '1000'),
    (lambda c: c.get_historical_klines('BNBBTC', '2x', 0), ValueError, 'valid values are 1s'),
    (lambda c: c.get_historical_klines('BNBBTC', '1m', 0, limit=5000), ValueError, '1000'),
    (lambda c: c.get_historical_klines('BNBBTC', '1m', 1.5), TypeError, 'start_str'),
    (lambda c: c.aggregate_trade_iter('BNBBTC', start_str=0, last_id=5), ValueError, 'not both'),
    (lambda c: c.aggregate_trade_iter('BNBBTC', last_id='5'), TypeError, 'last_id'),
    (lambda c: c.create_order(side='BUY', type='MARKET', quantity=1), TypeError, "'symbol'"),
    (lambda c: c.create_order(symbol='BNBBTC', type='MARKET', quantity=1), TypeError, "'side'"),
    (lambda c: c.create_order(symbol='BNBBTC', side='BUY', quantity=1), TypeError, "'type'"),
    (lambda c: c.create_order(symbol='BNBBTC', side='HOLD', type='MARKET', quantity=1),
     ValueError, 'invalid side .* BUY, SELL'),
    (lambda c: c.create_order(symbol='BNBBTC', side='BUY', type='LIMITED', quantity=1),
     ValueError, 'valid values are LIMIT, MARKET'),
    (lambda c: c.create_order(symbol='BNBBTC', side='BUY', type='MARKET'), TypeError,
     "'quantity' or 'quoteOrderQty'"),
    (lambda c: c.order_limit_buy(symbol='BNBBTC', quantity=1), TypeError, "'price'"),
    (lambda c: c.order_limit_buy(symbol='BNBBTC', price=1), TypeError, "'quantity'"),
    (lambda c: c.order_limit_buy(symbol='BNBBTC', quantity=1, price=1, timeInForce='GTX'),
     ValueError, 'GTC, IOC, FOK'),
    (lambda c: c.order_market_buy(symbol='BNBBTC', quantity=1, newOrderRespType='ALL'),
     ValueError, 'ACK, RESULT, FULL'),
    (lambda c: c.order_market_buy(symbol='BNBBTC', quantity=-1), ValueError, 'greater than 0'),
    (lambda c: c.order_market_buy(symbol='BNBBTC', quantity='lots'), ValueError, 'must be a number'),
    (lambda c: c.order_market_buy(symbol='BNBBTC', quantity=float('nan')), ValueError, 'finite'),
    (lambda c: c.create_order(symbol='BNBBTC', side='SELL', type='STOP_LOSS_LIMIT', quantity=1,
                              price=1, timeInForce='GTC'), TypeError, "'stopPrice' or 'trailingDelta'"),
    (lambda c: c.create_test_order(symbol='BNBBTC', side='SELL', type='LIMIT_MAKER', quantity=1),
     TypeError, "create_test_order\\(\\) missing required parameter 'price'"),
    (lambda c: c.order_oco_sell(symbol='BNBBTC', quantity=1, price=2), TypeError, "'stopPrice'"),
    (lambda c: c.order_oco_sell(symbol='BNBBTC', quantity=1, price=2, stopPrice=1, stopLimitPrice=1),
     TypeError, "'stopLimitTimeInForce'"),
    (lambda c: c.order_oco_sell(symbol='BNBBTC', quantity=1, price=2, stopPrice=1,
                                belowType='STOP_LOSS'), ValueError, 'not both'),
    (lambda c: c.get_order(symbol='BNBBTC'), TypeError, "'orderId' or 'origClientOrderId'"),
    (lambda c: c.cancel_order(orderId=1), TypeError, "'symbol'"),
    (lambda c: c.get_my_trades(), TypeError, "'symbol'"),
    (lambda c: c.get_asset_balance(''), ValueError, 'asset'),
    (lambda c: c.withdraw(coin='BTC', amount=1), TypeError, "'address'"),
    (lambda c: c.withdraw(coin='BTC', asset='ETH', address='a', amount=1), ValueError, 'not both'),
    (lambda c: c.get_deposit_address(), TypeError, "'coin'"),
    (lambda c: c.transfer_dust(), TypeError, "'asset'"),
    (lambda c: c.stream_keepalive(''), ValueError, 'listenKey'),
    (lambda c: c.stream_close(None), ValueError, 'listenKey'),
    (lambda c: c.get_ticker(symbols=['BNBBTC', 'eth']), ValueError, 'symbols entry'),
    (lambda c: c.get_account(recvWindow='5000'), TypeError, 'recvWindow'),
    (lambda c: c.get_account(recvWindow=5000.1234), ValueError, 'at most 3 decimal places'),
    (lambda c: c.get_account(recvWindow=60000.5), ValueError, 'at most 60000'),
    (lambda c: c.get_ticker(symbol='BNBBTC', type='SMALL'), ValueError,
     "invalid type 'SMALL'; valid values are FULL, MINI"),
    (lambda c: c.get_exchange_info(permissions=['SPOT', 'margin']), ValueError,
     "malformed permissions entry 'margin'"),
    (lambda c: c.get_exchange_info(permissions=['SPOT', 1]), TypeError, 'permissions entries'),
    (lambda c: c.get_symbol_info(5), TypeError, 'symbol must be a str'),
    (lambda c: c.get_account(omitZeroBalances=object()), TypeError, 'omitZeroBalances'),
    (lambda c: c.get_order_book(symbl='BNBBTC'), TypeError,
     "get_order_book\\(\\) got unexpected keyword argument 'symbl' \\(did you mean 'symbol'\\?\\)"),
    (lambda c: c.get_order_book(symbol='BNBBTC', limt=5), TypeError,
     "get_order_book\\(\\) got unexpected keyword argument 'limt'.*takes limit, recvWindow, symbol"),
    (lambda c: c.order_limit_buy(symbol='BNBBTC', quantity=1, price='0.001', tiemInForce='GTC'),
     TypeError, "order_limit_buy\\(\\) got unexpected keyword argument 'tiemInForce'"),
    (lambda c: c.get_account(foo=1, bar=2), TypeError,
     "get_account\\(\\) got unexpected keyword arguments 'foo', 'bar'"),
    (lambda c: c.order_oco_sell(symbol='BNBBTC', quantity=1, price='0.002', stopPrice='0.001',
                                stopLimtPrice='0.0009'), TypeError,
     "order_oco_sell\\(\\) got unexpected keyword argument 'stopLimtPrice'"),
    (lambda c: c.get_deposit_history(coinn='BTC'), TypeError, "'coinn'"),
])
def test_bad_arguments_fail_before_any_request(call, error, match):
    """Missing or malformed arguments raise ValueError/TypeError naming the problem; nothing is sent."""
    client, adapter = offline_client(KEY, SECRET)
    with pytest.raises(error, match=match):
        call(client)
    assert adapter.requests == []


# -- HTTP failures against the local exchange ------------------------------------------


@pytest.fixture
def client(exchange):
    """A client of an account whose key and secret are easy to spot in any output."""
    exchange.call(exchange.market.add_account, KEY, SECRET, {'BTC': '1', 'BNB': '10'})
    return exchange.client(api_key=KEY, api_secret=SECRET)


def test_wrong_secret_is_a_signature_error(exchange):
    """A signed call with the wrong secret raises BinanceAPIException code -1022, HTTP 4xx."""
    client = exchange.client(api_secret='not-the-secret')
    with pytest.raises(BinanceAPIException) as info:
        client.get_account()
    assert info.value.code == -1022 and 400 <= info.value.status_code < 500
    assert 'Signature' in info.value.message
    assert info.value.response.status_code == info.value.status_code
    assert info.value.request.method == 'GET'


@pytest.mark.parametrize('offset', [-120000, 30000])
def test_clock_skew_is_a_timestamp_error(exchange, client, offset):
    """Without clock sync a timestamp outside recvWindow raises -1021; the offset fixes it."""
    client = exchange.client(api_key=KEY, api_secret=SECRET, sync_clock=False)
    client.timestamp_offset = offset
    with pytest.raises(BinanceAPIException) as info:
        client.get_open_orders()
    assert info.value.code == -1021
    client.timestamp_offset = 0
    assert client.get_open_orders() == []


def test_unknown_symbol_and_unknown_key(client, exchange):
    """An unknown symbol raises -1121; an unknown API key raises -2015 with HTTP 401."""
    with pytest.raises(BinanceAPIException) as info:
        client.get_order_book(symbol='XXXYYY')
    assert (info.value.code, info.value.message) == (-1121, 'Invalid symbol.')
    stranger = exchange.client(api_key='nobody', api_secret='nothing')
    with pytest.raises(BinanceAPIException) as info:
        stranger.get_account()
    assert (info.value.code, info.value.status_code) == (-2015, 401)


def test_refused_orders_keep_binance_code(client):
    """An order beyond the balance raises -2010; an unknown order id raises -2013."""
    with pytest.raises(BinanceAPIException) as info:
        client.order_market_buy(symbol='BNBBTC', quantity=100000)
    assert info.value.code == -2010
    with pytest.raises(BinanceAPIException) as info:
        client.get_order(symbol='BNBBTC', orderId=987654321)
    assert info.value.code == -2013


def test_429_is_a_rate_limit_error_with_retry_after(exchange):
    """With rate_limit='raise', HTTP 429 raises BinanceRateLimitException with retry_after and used_weight."""
    client = exchange.client(rate_limit='raise')
    exchange.fail_next('/api/v3/depth', status=429, headers={'Retry-After': '7',
                                                            'X-MBX-USED-WEIGHT-1M': '6100'})
    with pytest.raises(BinanceRateLimitException) as info:
        client.get_order_book(symbol='BNBBTC')
    error = info.value
    assert isinstance(error, BinanceAPIException)
    assert (error.status_code, error.code, error.retry_after, error.used_weight) == (429, -1003, 7, 6100)
    assert client.used_weight == 6100
    assert 'retry_after=7' in str(error)
    assert len(exchange.requests) == 1


def test_418_ban_is_a_rate_limit_error(exchange):
    """HTTP 418 (IP banned) raises BinanceRateLimitException carrying Retry-After and the ban's end."""
    client = exchange.client()
    exchange.fail_next('/api/v3/account', status=418, headers={'Retry-After': '120'})
    before = time.time()
    with pytest.raises(BinanceRateLimitException) as info:
        client.get_account()
    assert (info.value.status_code, info.value.retry_after) == (418, 120)
    assert before + 119 <= info.value.banned_until <= time.time() + 121
    assert 'banned_until=' in str(info.value)


def test_non_json_error_body_is_still_an_api_error(client, exchange):
    """A 502 with an HTML body raises BinanceAPIException (code 0) quoting the start of the body."""
    exchange.fail_next('/api/v3/ticker/price', status=502, body='<html>Bad Gateway</html>')
    with pytest.raises(BinanceAPIException) as info:
        client.get_symbol_ticker(symbol='BNBBTC')
    assert (info.value.status_code, info.value.code) == (502, 0)
    assert 'Bad Gateway' in info.value.message


def test_non_json_success_body_is_a_request_error(client, exchange):
    """A 200 whose body is not JSON raises BinanceRequestException, not a decode error."""
    exchange.fail_next('/api/v3/ping', status=200, body='<html>captive portal</html>')
    with pytest.raises(BinanceRequestException) as info:
        client.ping()
    assert not isinstance(info.value, BinanceAPIException)
    assert 'captive portal' in str(info.value) and info.value.response.status_code == 200


def test_timeout_raises_and_the_client_recovers(exchange):
    """A server slower than requests_params' timeout raises BinanceTimeoutException; the next call works."""
    client = exchange.client(requests_params={'timeout': 0.2})
    exchange.fail_next('/api/v3/time', delay=0.6)
    started = time.monotonic()
    with pytest.raises(BinanceTimeoutException) as info:
        client.get_server_time()
    assert time.monotonic() - started < 0.55
    assert '0.2' in str(info.value)
    assert 'serverTime' in client.get_server_time()


def test_per_call_timeout(exchange):
    """A call's own requests_params={'timeout': ...} applies to that call only."""
    client = exchange.client()
    exchange.fail_next('/api/v3/ping', delay=0.5)
    with pytest.raises(BinanceTimeoutException):
        client._get('v3/ping', {'requests_params': {'timeout': 0.15}})
    exchange.fail_next('/api/v3/exchangeInfo', delay=0.3)
    assert client.get_symbol_info('BNBBTC')['symbol'] == 'BNBBTC'


def _closed_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def test_connection_refused_is_a_connection_error():
    """Nothing listening raises BinanceConnectionException, with the signature masked in its text."""
    client = Client(KEY, SECRET)
    client.API_URL = 'http://127.0.0.1:{}/api'.format(_closed_port())
    with pytest.raises(BinanceConnectionException) as info:
        client.get_account()
    text = str(info.value)
    assert '/api/v3/account' in text and 'signature=<redacted>' in text
    assert not _SIGNATURE_HEX.search(text)


def test_withdraw_failure_raises_withdraw_exception(client, exchange):
    """withdraw raises BinanceWithdrawException when the answer says success false."""
    exchange.fail_next('/sapi/v1/capital/withdraw/apply', status=200,
                       body={'success': False, 'msg': 'Insufficient balance'})
    with pytest.raises(BinanceWithdrawException, match='Insufficient balance'):
        client.withdraw(coin='BTC', address='somewhere', amount='0.1')


def test_secrets_never_appear_in_errors_reprs_or_logs(client, exchange, caplog):
    """After many failing calls, neither key nor secret is in str/repr of errors, the client or logs."""
    caplog.set_level(logging.DEBUG)
    texts = [repr(client)]
    exchange.fail_next('/api/v3/account', status=429, count=4)   # every retry too
    FakeTime(time.time()).attach(client)   # the retries wait for Retry-After on a fake clock
    exchange.fail_next('/api/v3/openOrders', status=502)
    exchange.fail_next('/api/v3/myTrades', status=200, body='not json')
    calls = [lambda: client.get_account(), lambda: client.get_open_orders(),
             lambda: client.get_my_trades(symbol='BNBBTC'),
             lambda: client.get_order(symbol='XXXYYY', orderId=1),
             lambda: client.order_limit_buy(symbol='BNBBTC', quantity=1, price='0.0000001'),
             lambda: client.withdraw(coin='BTC', address='x', amount='1000')]
    for call in calls:
        with pytest.raises(BinanceException) as info:
            call()
        texts += [str(info.value), repr(info.value), repr(info.value.request)]
    with pytest.raises(ValueError) as info:
        Client(KEY, None).get_account()
    texts.append(str(info.value))
    offline = Client(KEY, SECRET)
    offline.API_URL = 'http://127.0.0.1:{}/api'.format(_closed_port())
    with pytest.raises(BinanceConnectionException) as info:
        offline.get_account()
    texts += [str(info.value), repr(info.value)]
    texts.append(caplog.text)
    for text in texts:
        assert KEY not in text and SECRET not in text
    assert 'GET /api/v3/account' in caplog.text  # the client does log its requests


# -- pickling --------------------------------------------------------------------------


def _one_of_each_exception():
    body = '{"code": -2010, "msg": "Account has insufficient balance for requested action."}'
    samples = {
        'BinanceException': exceptions.BinanceException('root'),
        'BinanceAPIException': exceptions.BinanceAPIException(None, 400, body),
        'BinanceRateLimitException': exceptions.BinanceRateLimitException(
            None, 429, '{"code": -1003, "msg": "Too many requests."}'),
        'BinanceRequestException': exceptions.BinanceRequestException('not json'),
        'BinanceTimeoutException': exceptions.BinanceTimeoutException('no answer within 10 s'),
        'BinanceConnectionException': exceptions.BinanceConnectionException('refused'),
        'BinanceOrderException': exceptions.BinanceOrderException(-1013, 'refused order'),
        'BinanceWithdrawException': exceptions.BinanceWithdrawException('Insufficient balance'),
        'BinanceEndpointRetiredError': exceptions.BinanceEndpointRetiredError(
            'futures_liquidation_orders', 'GET /fapi/v1/allForceOrders', 'GET /fapi/v1/forceOrders'),
        'BinanceNotProvidedError': exceptions.BinanceNotProvidedError(
            'futures_coin_klines', 'is not provided', 'use the futures_* methods'),
        'BinanceParameterError': exceptions.BinanceParameterError(
            "get_order_book() missing required parameter 'symbol'", -1102,
            "Mandatory parameter 'symbol' was not sent, was empty/null, or malformed."),
        'BinanceWebSocketAPIException': exceptions.BinanceWebSocketAPIException(
            {'id': 1, 'status': 400, 'error': {'code': -2011, 'msg': 'Unknown order sent.'}},
            'order.cancel'),
        'BinanceWebSocketRateLimitException': exceptions.BinanceWebSocketRateLimitException(
            {'id': 2, 'status': 429, 'error': {'code': -1003, 'msg': 'Too much request weight.',
                                               'data': {'serverTime': 1000, 'retryAfter': 60000}},
             'rateLimits': [{'rateLimitType': 'REQUEST_WEIGHT', 'count': 6001}]}, 'time'),
    }
    samples['BinanceOrderFilterException'] = exceptions.BinanceOrderFilterException(
        'LOT_SIZE', 'Filter failure: LOT_SIZE (spot BNBBTC): quantity 1.0005 ...')
    for name in exceptions.__all__:
        if name.startswith('BinanceOrder') and name not in samples:
            samples[name] = getattr(exceptions, name)('0.001')
    return samples


def test_every_exception_survives_pickle_and_copy():
    """Every exception class survives pickle and copy (e.g. from a worker process) unchanged."""
    samples = _one_of_each_exception()
    assert set(samples) == set(exceptions.__all__)
    for name, error in samples.items():
        for clone in (pickle.loads(pickle.dumps(error)), copy.copy(error), copy.deepcopy(error)):
            assert type(clone) is type(error), name
            assert str(clone) == str(error) and clone.args == error.args, name
            assert vars(clone) == vars(error), name
    assert pickle.loads(pickle.dumps(samples['BinanceAPIException'])).code == -2010


def test_an_api_error_with_its_response_pickles(client):
    """A real BinanceAPIException (with response and request) pickles with status, code and message."""
    with pytest.raises(BinanceAPIException) as info:
        client.get_order(symbol='BNBBTC', orderId=12345)
    clone = pickle.loads(pickle.dumps(info.value))
    assert (clone.status_code, clone.code, clone.message) == (400, -2013, 'Order does not exist.')
    assert clone.response.status_code == 400
