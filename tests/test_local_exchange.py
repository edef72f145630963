"""The local exchange over real HTTP (requests against binance.testing's REST server)."""
import hashlib
import hmac
import logging
import os
import signal
import subprocess
import sys
import time
from decimal import Decimal
from urllib.parse import urlencode

import pytest
import requests

from binance.testing import LocalExchange
from tests.support import wait_until

KEY, SECRET = 'local-api-key', 'local-api-secret'


def url(exchange, path):
    """``path`` like '/api/v3/ping' or '/sapi/v1/system/status' on the exchange."""
    return exchange.api_url[:-len('/api')] + path


def send(exchange, method, path, params=None, body=None, key=KEY, secret=SECRET, sign=True,
         timestamp=None, signature=None, headers=None, **kwargs):
    """Send a request as a Binance client would: params in the query, optional form body,
    signed over query + body with ``secret``."""
    params = dict(params or {})
    if sign:
        params.setdefault('timestamp', timestamp if timestamp is not None
                          else int(time.time() * 1000))
    query = urlencode(params)
    body_text = urlencode(body) if body else ''
    if sign:
        digest = signature or hmac.new(secret.encode(), (query + body_text).encode(),
                                       hashlib.sha256).hexdigest()
        query += '&signature=' + digest
    all_headers = dict(headers or {})
    if key is not None:
        all_headers['X-MBX-APIKEY'] = key
    if body_text:
        all_headers['Content-Type'] = 'application/x-www-form-urlencoded'
    return requests.request(method, url(exchange, path) + '?' + query, data=body_text or None,
                            headers=all_headers, timeout=kwargs.pop('timeout', 5), **kwargs)


def error(response):
    return response.status_code, response.json()['code']


# -- public endpoints ---------------------------------------------------------------------


def test_public_endpoints_answer_with_binance_shapes(exchange):
    """ping/time/exchangeInfo/depth/trades/klines/tickers answer like Binance, with the weight."""
    get = lambda path, **p: requests.get(url(exchange, path), params=p, timeout=5)  # noqa: E731
    assert get('/api/v3/ping').json() == {}
    assert abs(get('/api/v3/time').json()['serverTime'] - time.time() * 1000) < 5000
    info = get('/api/v3/exchangeInfo').json()
    assert {'timezone', 'serverTime', 'rateLimits', 'symbols'} <= set(info)
    depth = get('/api/v3/depth', symbol='BNBBTC', limit=5)
    assert depth.json()['lastUpdateId'] == exchange.call(exchange.market.update_id, 'BNBBTC')
    assert len(depth.json()['bids']) == 5 and int(depth.headers['X-MBX-USED-WEIGHT-1M']) >= 5
    assert depth.headers['Content-Type'].startswith('application/json')
    trade = get('/api/v3/trades', symbol='ETHBTC', limit=1).json()[0]
    assert set(trade) == {'id', 'price', 'qty', 'quoteQty', 'time', 'isBuyerMaker', 'isBestMatch'}
    kline = get('/api/v3/klines', symbol='ETHBTC', interval='1h', limit=2).json()
    assert len(kline) == 2 and len(kline[0]) == 12
    agg = get('/api/v3/aggTrades', symbol='ETHBTC', limit=3).json()
    assert [set(a) for a in agg] == [{'a', 'p', 'q', 'f', 'l', 'T', 'm', 'M'}] * 3
    assert get('/api/v3/avgPrice', symbol='LTCBTC').json()['mins'] == 5
    assert get('/api/v3/ticker/24hr', symbol='LTCBTC').json()['symbol'] == 'LTCBTC'
    assert len(get('/api/v3/ticker/price').json()) == 5
    both = get('/api/v3/ticker/bookTicker', symbols='["BNBBTC","ETHBTC"]').json()
    assert [t['symbol'] for t in both] == ['BNBBTC', 'ETHBTC']
    assert get('/sapi/v1/system/status').json() == {'status': 0, 'msg': 'normal'}


@pytest.mark.parametrize('path,params,expected', [
    ('/api/v3/depth', {'symbol': 'NOPE'}, (400, -1121)),
    ('/api/v3/depth', {'symbol': 'bnbbtc'}, (400, -1100)),
    ('/api/v3/depth', {}, (400, -1102)),
    ('/api/v3/depth', {'symbol': 'BNBBTC', 'limit': 'many'}, (400, -1100)),
    ('/api/v3/klines', {'symbol': 'BNBBTC', 'interval': '7m'}, (400, -1120)),
    ('/api/v3/trades', {'symbol': 'BNBBTC', 'limit': 5000}, (400, -1130)),
    ('/api/v3/ticker/price', {'symbol': 'BNBBTC', 'symbols': '["BNBBTC"]'}, (400, -1128)),
])
def test_bad_public_requests_get_binance_errors(exchange, path, params, expected):
    """Bad symbols, intervals and values are answered with Binance's HTTP status and code."""
    response = requests.get(url(exchange, path), params=params, timeout=5)
    assert error(response) == expected
    assert set(response.json()) == {'code', 'msg'}


def test_unknown_paths_and_methods(exchange):
    """An unknown path is a 404 and a known path with the wrong method a 405."""
    assert requests.get(url(exchange, '/api/v1/depth'), timeout=5).status_code == 404
    assert requests.get(url(exchange, '/wapi/v3/withdraw.html'), timeout=5).status_code == 404
    assert requests.put(url(exchange, '/api/v3/depth'), timeout=5).status_code == 405


def test_duplicate_parameters_are_refused(exchange):
    """A parameter sent twice is refused with -1101 (except the dust endpoint's asset list)."""
    response = requests.get(url(exchange, '/api/v3/depth') + '?symbol=BNBBTC&symbol=ETHBTC',
                            timeout=5)
    assert error(response) == (400, -1101)


@pytest.mark.parametrize('method, path, params, signed', [
    ('GET', '/api/v3/klines', {'symbol': 'BNBBTC', 'interval': '1m', 'limt': 5}, False),
    ('GET', '/api/v3/ping', {'foo': 'bar'}, False),
    ('GET', '/api/v3/openOrders', {'symbol': 'BNBBTC', 'foo': 'bar'}, True),
    ('POST', '/api/v3/order', {'symbol': 'BNBBTC', 'side': 'BUY', 'type': 'LIMIT',
                               'timeInForce': 'GTC', 'quantity': 1, 'price': '0.0050',
                               'icebergqty': '0.5'}, True),
])
def test_parameters_an_endpoint_does_not_read_are_refused(exchange, method, path, params, signed):
    """A misspelt or unknown parameter gets -1104 with Binance's message, and nothing happens."""
    response = send(exchange, method, path, params, sign=signed)
    assert error(response) == (400, -1104)
    sent = len(params) + (2 if signed else 0)  # timestamp and signature count as read
    assert response.json()['msg'] == ("Not all sent parameters were read; read '{}' parameter(s) "
                                      "but was sent '{}'.".format(sent - 1, sent))
    assert send(exchange, 'GET', '/api/v3/openOrders').json() == []


def test_signing_parameters_and_documented_extras_are_accepted(exchange):
    """timestamp/signature/recvWindow pass everywhere; a documented but unsimulated parameter is ignored."""
    assert send(exchange, 'GET', '/api/v3/ping', {'recvWindow': 5000}).json() == {}
    order = send(exchange, 'POST', '/api/v3/order', {
        'symbol': 'BNBBTC', 'side': 'BUY', 'type': 'LIMIT', 'timeInForce': 'GTC',
        'quantity': 1, 'price': '0.0050', 'selfTradePreventionMode': 'NONE', 'strategyId': 7})
    assert order.status_code == 200 and order.json()['status'] == 'NEW'
    balances = send(exchange, 'GET', '/api/v3/account', {'omitZeroBalances': 'true'}).json()
    assert balances['balances'] and all(b['free'] != '0.00000000' or b['locked'] != '0.00000000'
                                        for b in balances['balances'])


def test_agg_trades_by_start_or_end_time_alone_and_wide_windows(exchange):
    """startTime alone gives the trades from then on, endTime alone those before; no 1 hour limit (weight 4)."""
    every = exchange.call(exchange.market.agg_trades, 'BNBBTC', fromId=0, limit=1000)
    middle = every[len(every) // 2]['T']
    get = lambda **p: requests.get(url(exchange, '/api/v3/aggTrades'),  # noqa: E731
                                   params=dict(symbol='BNBBTC', **p), timeout=5)
    after = get(startTime=middle - 3 * 86400000 * 365, limit=3).json()
    assert after == every[:3]
    assert get(startTime=middle, limit=2).json() == [t for t in every if t['T'] >= middle][:2]
    assert get(endTime=middle, limit=2).json() == [t for t in every if t['T'] <= middle][-2:]
    wide = get(startTime=every[0]['T'], endTime=every[-1]['T'], limit=1000)
    assert wide.status_code == 200 and wide.json() == every  # Binance lifted the 1 h limit (2022-12)
    before = int(wide.headers['X-MBX-USED-WEIGHT-1M'])
    assert int(get(limit=1).headers['X-MBX-USED-WEIGHT-1M']) == before + 4


def test_exchange_info_permissions_status_and_permission_sets(exchange):
    """exchangeInfo filters by permissions (one or a JSON list) and symbolStatus, as Binance does."""
    get = lambda **p: requests.get(url(exchange, '/api/v3/exchangeInfo'),  # noqa: E731
                                   params=p, timeout=5)
    names = lambda r: [s['symbol'] for s in r.json()['symbols']]  # noqa: E731
    everything = names(get())
    assert names(get(permissions='["SPOT","MARGIN"]')) == everything
    assert names(get(permissions='SPOT')) == everything
    assert names(get(permissions='MARGIN')) == []
    assert names(get(symbolStatus='TRADING')) == everything
    assert get(symbol='BNBBTC', showPermissionSets='false').json()['symbols'][0][
        'permissionSets'] == []
    assert error(get(symbol='BNBBTC', permissions='SPOT')) == (400, -1128)
    assert error(get(permissions='spot')) == (400, -1100)
    assert error(get(symbolStatus='OPEN')) == (400, -1122)


# -- signatures ------------------------------------------------------------------------------


def test_signed_request_with_query_and_body(exchange):
    """The signature covers the query string followed directly by the form body."""
    book = exchange.call(exchange.market.book_ticker, 'BNBBTC')
    response = send(exchange, 'POST', '/api/v3/order',
                    params={'symbol': 'BNBBTC', 'side': 'BUY', 'type': 'LIMIT'},
                    body={'timeInForce': 'GTC', 'quantity': '1', 'price': book['bidPrice']})
    assert response.status_code == 200, response.text
    order = response.json()
    assert order['status'] == 'NEW' and order['price'] == book['bidPrice']
    found = send(exchange, 'GET', '/api/v3/order',
                 {'symbol': 'BNBBTC', 'orderId': order['orderId']})
    assert found.json()['orderId'] == order['orderId']
    assert [o['orderId'] for o in send(exchange, 'GET', '/api/v3/openOrders').json()] == \
        [order['orderId']]
    cancelled = send(exchange, 'DELETE', '/api/v3/order', body={
        'symbol': 'BNBBTC', 'orderId': order['orderId']})
    assert cancelled.json()['status'] == 'CANCELED'


@pytest.mark.parametrize('kwargs,expected', [
    (dict(key=None), (401, -2014)),
    (dict(key='unknown-key'), (401, -2015)),
    (dict(sign=False), (400, -1102)),
    (dict(params={'recvWindow': 70000}), (400, -1131)),
    (dict(timestamp=int(time.time() * 1000) - 3600000), (400, -1021)),
    (dict(timestamp=int(time.time() * 1000) + 3600000), (400, -1021)),
    (dict(secret='wrong-secret'), (400, -1022)),
    (dict(signature='0' * 64), (400, -1022)),
])
def test_signed_endpoint_checks(exchange, kwargs, expected):
    """Missing/unknown key, missing timestamp, big recvWindow, stale time, bad signature."""
    assert error(send(exchange, 'GET', '/api/v3/account', **kwargs)) == expected


def test_message_texts_of_signature_errors(exchange):
    """-1021 and -1022 carry Binance's messages; -1022/-2015 then name the local account."""
    stale = send(exchange, 'GET', '/api/v3/account', timestamp=int(time.time() * 1000) - 60000)
    assert stale.json()['msg'] == 'Timestamp for this request is outside of the recvWindow.'
    forged = send(exchange, 'GET', '/api/v3/account', secret='nope').json()['msg']
    assert forged.startswith('Signature for this request is not valid. (local exchange: ')
    unknown = send(exchange, 'GET', '/api/v3/account', key='a-real-looking-key',
                   secret='a-real-looking-secret').json()['msg']
    assert unknown.startswith('Invalid API-key, IP, or permissions for action. (local exchange: ')
    for text in (forged, unknown):
        assert "the default account is 'local-api-key'" in text
        assert '--api-key KEY --api-secret SECRET' in text
        assert 'local-api-secret' not in text and 'a-real-looking' not in text


def test_recv_window_widens_the_accepted_delay(exchange):
    """A timestamp 10 s old passes with recvWindow=20000 but not with the default 5000."""
    old = int(time.time() * 1000) - 10000
    assert send(exchange, 'GET', '/api/v3/account', timestamp=old).status_code == 400
    accepted = send(exchange, 'GET', '/api/v3/account', {'recvWindow': 20000}, timestamp=old)
    assert accepted.status_code == 200 and accepted.json()['accountType'] == 'SPOT'


def test_recv_window_takes_up_to_three_decimals(exchange):
    """recvWindow may carry microseconds (20000.125); a fourth decimal is -1100, over 60000 -1131."""
    old = int(time.time() * 1000) - 10000
    window = lambda value: send(exchange, 'GET', '/api/v3/account',  # noqa: E731
                                {'recvWindow': value}, timestamp=old)
    assert window('20000.125').json()['accountType'] == 'SPOT'
    assert error(window('20000.1255')) == (400, -1100)
    assert error(window('60000.001')) == (400, -1131)


@pytest.mark.binance_exchange(listen_keys=True)
def test_historical_trades_need_no_key_and_listen_keys_need_the_key_only(exchange):
    """historicalTrades is market data (no key, like Binance today); userDataStream wants the key only."""
    params = {'symbol': 'BNBBTC', 'limit': 2}
    assert len(send(exchange, 'GET', '/api/v3/historicalTrades', params, key=None,
                    sign=False).json()) == 2
    assert error(send(exchange, 'POST', '/api/v3/userDataStream', key=None,
                      sign=False)) == (401, -2014)
    assert 'listenKey' in send(exchange, 'POST', '/api/v3/userDataStream', sign=False).json()


def test_order_errors_over_http(exchange):
    """Order refusals come back as Binance error bodies (filter failure, balance, unknown)."""
    order = {'symbol': 'BNBBTC', 'side': 'BUY', 'type': 'MARKET'}
    lot = send(exchange, 'POST', '/api/v3/order', dict(order, quantity='0.0001'))
    assert lot.json() == {'code': -1013, 'msg': 'Filter failure: LOT_SIZE'}
    broke = send(exchange, 'POST', '/api/v3/order', dict(order, quantity='100000'))
    assert broke.json() == {'code': -2010,
                            'msg': 'Account has insufficient balance for requested action.'}
    unknown = send(exchange, 'DELETE', '/api/v3/order', {'symbol': 'BNBBTC', 'orderId': 42})
    assert unknown.json() == {'code': -2011, 'msg': 'Unknown order sent.'}
    assert send(exchange, 'POST', '/api/v3/order/test', dict(order, quantity='1')).json() == {}


def test_market_order_and_account_over_http(exchange):
    """A FULL market order returns fills; account and myTrades reflect it."""
    filled = send(exchange, 'POST', '/api/v3/order', {
        'symbol': 'BNBBTC', 'side': 'BUY', 'type': 'MARKET', 'quantity': '2',
        'newOrderRespType': 'FULL'}).json()
    assert filled['status'] == 'FILLED' and filled['fills']
    balances = {b['asset']: b for b in send(exchange, 'GET', '/api/v3/account').json()['balances']}
    assert balances['BNB']['free'] == '1001.99800000'
    trades = send(exchange, 'GET', '/api/v3/myTrades', {'symbol': 'BNBBTC'}).json()
    assert {t['orderId'] for t in trades} == {filled['orderId']}
    book = exchange.call(exchange.market.book_ticker, 'BNBBTC')
    above = Decimal(book['askPrice']) * Decimal('1.2')
    below = Decimal(book['bidPrice']) * Decimal('0.8')
    oco = send(exchange, 'POST', '/api/v3/orderList/oco', {
        'symbol': 'BNBBTC', 'side': 'SELL', 'quantity': '1', 'aboveType': 'LIMIT_MAKER',
        'abovePrice': '{:.6f}'.format(above), 'belowType': 'STOP_LOSS',
        'belowStopPrice': '{:.6f}'.format(below)})
    assert oco.status_code == 200 and oco.json()['listOrderStatus'] == 'EXECUTING'


def test_wallet_endpoints(exchange):
    """sapi wallet endpoints: status, fees, details, address, withdraw and histories, dust."""
    assert send(exchange, 'GET', '/sapi/v1/account/status').json() == {'data': 'Normal'}
    fees = send(exchange, 'GET', '/sapi/v1/asset/tradeFee', {'symbol': 'BNBBTC'}).json()
    assert fees == [{'symbol': 'BNBBTC', 'makerCommission': '0.001', 'takerCommission': '0.001'}]
    assert 'BTC' in send(exchange, 'GET', '/sapi/v1/asset/assetDetail').json()
    address = send(exchange, 'GET', '/sapi/v1/capital/deposit/address', {'coin': 'BTC'}).json()
    assert address['coin'] == 'BTC' and address['address']
    too_much = send(exchange, 'POST', '/sapi/v1/capital/withdraw/apply',
                    {'coin': 'BTC', 'address': 'x', 'amount': '1000'})
    assert too_much.json()['code'] == -4026
    done = send(exchange, 'POST', '/sapi/v1/capital/withdraw/apply',
                {'coin': 'BTC', 'address': 'x', 'amount': '1'}).json()
    history = send(exchange, 'GET', '/sapi/v1/capital/withdraw/history').json()
    assert history[0]['id'] == done['id']
    assert send(exchange, 'GET', '/sapi/v1/capital/deposit/hisrec').json() == []
    for asset in ('ETH', 'LTC'):
        exchange.call(exchange.market.add_account, KEY, SECRET, {asset: '0.001'})
    dust = requests.post(url(exchange, '/sapi/v1/asset/dust') + '?' + signed_query(
        'asset=ETH&asset=LTC'), headers={'X-MBX-APIKEY': KEY}, timeout=5)
    assert [r['fromAsset'] for r in dust.json()['transferResult']] == ['ETH', 'LTC']
    assert send(exchange, 'GET', '/sapi/v1/asset/dribblet').json()['total'] == 1


def signed_query(query):
    query += '&timestamp={}'.format(int(time.time() * 1000))
    return query + '&signature=' + hmac.new(SECRET.encode(), query.encode(),
                                            hashlib.sha256).hexdigest()


# -- listen keys -----------------------------------------------------------------------------


@pytest.mark.binance_exchange(listen_keys=True)
def test_listen_key_endpoints(exchange):
    """POST creates a key, PUT keeps it alive, DELETE removes it; unknown keys give -1125."""
    created = send(exchange, 'POST', '/api/v3/userDataStream', sign=False)
    key = created.json()['listenKey']
    assert exchange.call(exchange.market.listen_key_owner, key) == KEY
    assert send(exchange, 'PUT', '/api/v3/userDataStream', {'listenKey': key},
                sign=False).json() == {}
    assert send(exchange, 'DELETE', '/api/v3/userDataStream', {'listenKey': key},
                sign=False).json() == {}
    assert error(send(exchange, 'PUT', '/api/v3/userDataStream', {'listenKey': key},
                      sign=False)) == (400, -1125)
    assert error(send(exchange, 'POST', '/api/v3/userDataStream', key=None,
                      sign=False)) == (401, -2014)


def test_retired_listen_keys_answer_410(exchange):
    """By default the Spot listen-key endpoints answer 410 Gone (an HTML page), as binance.com does."""
    for method in ('POST', 'PUT', 'DELETE'):
        response = send(exchange, method, '/api/v3/userDataStream', {'listenKey': 'x'},
                        sign=False)
        assert response.status_code == 410
        assert response.headers['Content-Type'].startswith('text/html')
        assert '<title>410 Gone</title>' in response.text
    assert exchange.listen_keys is False


# -- scripting --------------------------------------------------------------------------------


def test_fail_next_scripts_statuses_bodies_and_headers(exchange):
    """429 gets a -1003 body and Retry-After, 418 likewise, 502 an HTML page; then normal."""
    depth = url(exchange, '/api/v3/depth')
    exchange.fail_next('/api/v3/depth', status=429)
    exchange.fail_next('/api/v3/depth', status=418, headers={'Retry-After': '7'})
    exchange.fail_next('/api/v3/depth', status=502)
    first = requests.get(depth, params={'symbol': 'BNBBTC'}, timeout=5)
    assert error(first) == (429, -1003) and first.headers['Retry-After'] == '1'
    second = requests.get(depth, params={'symbol': 'BNBBTC'}, timeout=5)
    assert error(second) == (418, -1003) and second.headers['Retry-After'] == '7'
    third = requests.get(depth, params={'symbol': 'BNBBTC'}, timeout=5)
    assert third.status_code == 502 and third.text.startswith('<html>')
    assert requests.get(depth, params={'symbol': 'BNBBTC'}, timeout=5).status_code == 200


def test_fail_next_count_body_and_path_matching(exchange):
    """count repeats a failure; a custom body is sent as is; other paths are untouched."""
    exchange.fail_next('v3/ping', status=503, body='{"code": -1001, "msg": "busy"}', count=2)
    ping = url(exchange, '/api/v3/ping')
    assert requests.get(url(exchange, '/api/v3/time'), timeout=5).status_code == 200
    assert [requests.get(ping, timeout=5).json() for _ in range(3)] == [
        {'code': -1001, 'msg': 'busy'}, {'code': -1001, 'msg': 'busy'}, {}]
    with pytest.raises(ValueError):
        exchange.fail_next('/api/v3/ping', status=1000)


def test_fail_next_delay_times_the_client_out(exchange):
    """A delay longer than the client's timeout makes it time out; the server stays healthy."""
    exchange.fail_next('/api/v3/time', delay=2.0)
    with pytest.raises(requests.Timeout):
        requests.get(url(exchange, '/api/v3/time'), timeout=0.2)
    assert requests.get(url(exchange, '/api/v3/time'), timeout=5).status_code == 200


def test_fail_next_delay_alone_answers_normally_later(exchange):
    """A delay without a status answers the real response after the delay."""
    exchange.fail_next('/api/v3/ping', delay=0.2)
    started = time.monotonic()
    response = requests.get(url(exchange, '/api/v3/ping'), timeout=5)
    assert response.json() == {} and time.monotonic() - started >= 0.2


def test_requests_are_recorded(exchange):
    """Every request is recorded with method, path, merged params, headers and raw body."""
    exchange.clear_requests()
    send(exchange, 'POST', '/api/v3/order/test', {'symbol': 'BNBBTC'},
         body={'side': 'BUY', 'type': 'MARKET', 'quantity': '1'})
    requests.get(url(exchange, '/api/v3/nothing'), timeout=5)
    recorded = exchange.requests
    assert [(r.method, r.path) for r in recorded] == [('POST', '/api/v3/order/test'),
                                                      ('GET', '/api/v3/nothing')]
    first = recorded[0]
    assert first.params['symbol'] == 'BNBBTC' and first.params['quantity'] == '1'
    assert first.headers['X-MBX-APIKEY'] == KEY and first.headers['x-mbx-apikey'] == KEY
    assert first.body == b'side=BUY&type=MARKET&quantity=1'
    assert KEY not in repr(first) and first.params['signature'] not in repr(first)
    exchange.clear_requests()
    assert exchange.requests == []


def test_weight_limit_answers_429(exchange):
    """More than 6000 weight in a minute is answered with 429, -1003 and Retry-After."""
    used = 0
    for _ in range(60):
        response = requests.get(url(exchange, '/api/v3/depth'),
                                params={'symbol': 'BNBBTC', 'limit': 5000}, timeout=5)
        if response.status_code == 429:
            break
        used = int(response.headers['X-MBX-USED-WEIGHT-1M'])
    assert error(response) == (429, -1003) and int(response.headers['Retry-After']) > 0
    assert used > 5000


def test_secrets_never_reach_the_logs(exchange, caplog):
    """Signed traffic logs neither the API key nor the secret."""
    caplog.set_level(logging.DEBUG)
    exchange.call(exchange.market.add_account, 'KEY-find-me-123', 'SECRET-find-me-456',
                  {'BTC': '1'})
    send(exchange, 'GET', '/api/v3/account', key='KEY-find-me-123', secret='SECRET-find-me-456')
    send(exchange, 'GET', '/api/v3/account', key='KEY-find-me-123', secret='wrong')
    assert 'find-me' not in caplog.text


# -- the exchange object ------------------------------------------------------------------------


def test_start_is_fast_and_stop_closes_the_ports():
    """start() returns as soon as the ports listen (no polling delay); after stop() nothing listens."""
    LocalExchange(tick=None).start().stop()  # warm up the reactor thread and imports
    started = time.monotonic()
    exchange = LocalExchange(tick=None).start()
    assert time.monotonic() - started < 2   # generous: loaded CI machines; a poll loop took seconds
    address = exchange.api_url
    assert requests.get(address + '/v3/ping', timeout=5).status_code == 200
    exchange.stop()
    exchange.stop()  # idempotent
    with pytest.raises(requests.ConnectionError):
        requests.get(address + '/v3/ping', timeout=5)
    with pytest.raises(RuntimeError, match='start'):
        exchange.api_url


def test_context_manager_urls_and_client(exchange):
    """URLs follow DESIGN.rst and client() talks to this exchange with the default account."""
    assert exchange.api_url.startswith('http://127.0.0.1:') and exchange.api_url.endswith('/api')
    assert exchange.stream_url.startswith('ws://127.0.0.1:') and exchange.stream_url.endswith('/')
    assert exchange.ws_api_url == exchange.stream_url + 'ws-api/v3'
    assert exchange.ca_file is None
    client = exchange.client()
    assert client.API_URL == exchange.api_url
    assert client.get_account()['accountType'] == 'SPOT'
    assert 'local-api-secret' not in repr(exchange)


def test_install_points_classes_here_and_restores_them(exchange):
    """install() patches Client.API_URL and the socket manager URLs for the block only."""
    from binance.client import Client
    from binance.websockets import BinanceSocketManager
    before = (Client.API_URL, BinanceSocketManager.STREAM_URL, BinanceSocketManager.WS_API_URL,
              BinanceSocketManager.TLS_CA)
    with exchange.install():
        assert Client.API_URL == exchange.api_url
        assert BinanceSocketManager.STREAM_URL == exchange.stream_url
        assert BinanceSocketManager.WS_API_URL == exchange.ws_api_url
        assert Client(KEY, SECRET).get_server_time()['serverTime'] > 0
    assert (Client.API_URL, BinanceSocketManager.STREAM_URL, BinanceSocketManager.WS_API_URL,
            BinanceSocketManager.TLS_CA) == before


@pytest.mark.parametrize('kwargs', [{}, {'tld': 'us'}, {'tld': 'co.jp'}, {'testnet': True},
                                    {'tld': 'us', 'testnet': True}])
def test_install_keeps_every_client_configuration_on_loopback(exchange, kwargs):
    """Under install() a Client built with any tld or testnet talks to 127.0.0.1; afterwards to Binance again."""
    from urllib.parse import urlsplit

    from binance.client import Client
    real = Client(**kwargs).API_URL
    with exchange.install():
        client = Client(KEY, SECRET, **kwargs)
        assert urlsplit(client.API_URL).hostname == '127.0.0.1'
        assert client.get_account()['accountType'] == 'SPOT'
    assert Client(**kwargs).API_URL == real and 'binance' in urlsplit(real).hostname


def test_tick_moves_the_market_by_itself():
    """With a tick the market steps on its own (a LoopingCall on the reactor)."""
    with LocalExchange(tick=0.01) as exchange:
        first = exchange.call(exchange.market.update_id, 'BNBBTC')
        wait_until(lambda: exchange.call(exchange.market.update_id, 'BNBBTC') > first,
                   message='an automatic market step')


def test_step_and_add_account_from_the_test_thread(exchange):
    """step() advances the market and add_account() creates a usable account."""
    first = exchange.call(exchange.market.update_id, 'ETHBTC')
    exchange.step(3)
    assert exchange.call(exchange.market.update_id, 'ETHBTC') > first
    exchange.add_account('second-key', 'second-secret', {'USDT': '10'})
    balances = send(exchange, 'GET', '/api/v3/account', key='second-key',
                    secret='second-secret').json()['balances']
    assert balances == [{'asset': 'USDT', 'free': '10.00000000', 'locked': '0.00000000'}]
    with pytest.raises(ValueError):
        exchange.step(-1)


def test_tls_serves_https_trusted_through_the_ca_file():
    """With tls=True the REST server speaks https, verified with ca_file and only with it."""
    with LocalExchange(tls=True, tick=None) as exchange:
        assert exchange.api_url.startswith('https://') and os.path.exists(exchange.ca_file)
        assert exchange.stream_url.startswith('wss://')
        ping = exchange.api_url + '/v3/ping'
        assert requests.get(ping, verify=exchange.ca_file, timeout=5).json() == {}
        with pytest.raises(requests.exceptions.SSLError):
            requests.get(ping, timeout=5)
        assert exchange.client().ping() == {}
        from binance.client import Client
        with exchange.install():  # an unmodified client trusts the exchange inside install()
            assert Client(KEY, SECRET).get_account()['accountType'] == 'SPOT'


def test_bad_constructor_arguments():
    """Bad settings raise before anything listens."""
    with pytest.raises(ValueError, match='tick'):
        LocalExchange(tick=0)
    with pytest.raises(ValueError, match='api_key'):
        LocalExchange(api_key='')
    with pytest.raises(ValueError, match='unknown symbol'):
        LocalExchange(symbols=['XYZBTC'])
    for scale in (0, -1, True, '0.1'):
        with pytest.raises(ValueError, match='stream_period_scale must be a positive number'):
            LocalExchange(stream_period_scale=scale)


@pytest.mark.timeout(60)
def test_command_line_runs_until_interrupted():
    """python -m binance.testing prints its URLs, serves, and exits 0 on Ctrl-C."""
    env = dict(os.environ, PYTHONUNBUFFERED='1')
    process = subprocess.Popen([sys.executable, '-m', 'binance.testing', '--seed', '3',
                                '--tick', '0'], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, env=env,
                               cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    try:
        lines = []
        while not any(line.strip().startswith('Streams:') for line in lines):
            line = process.stdout.readline()
            assert line, 'the exchange exited early: ' + process.stderr.read()
            lines.append(line)
        rest = [line.split()[-1] for line in lines if line.strip().startswith('REST:')][0]
        assert requests.get(rest + '/v3/ping', timeout=5).json() == {}
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=20) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_readme_example_order_is_accepted(exchange):
    """README's order_limit_buy(symbol='BNBBTC', quantity=1, price='0.00100000') rests on the book."""
    client = exchange.client()
    order = client.order_limit_buy(symbol='BNBBTC', quantity=1, price='0.00100000')
    assert (order['status'], order['price']) == ('NEW', '0.00100000')
