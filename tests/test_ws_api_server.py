"""The local exchange's WebSocket API: session logon, signed order methods, limits, shapes."""
import pytest

from binance._keys import load_signer
from binance.testing import make_key_pair
from binance.testing.streams_wsapi import signature_payload
from tests.test_stream_server import RawClient

ED_KEY, RSA_KEY = 'ws-ed25519-key', 'ws-rsa-key'


@pytest.fixture(scope='module')
def pairs():
    return {'Ed25519': make_key_pair('Ed25519'), 'RSA': make_key_pair('RSA')}


@pytest.fixture
def api(exchange, pairs):
    """A raw /ws-api/v3 connection to an exchange with an Ed25519 and an RSA account."""
    exchange.add_account(ED_KEY, public_key=pairs['Ed25519'][1],
                         balances={'BTC': '1', 'BNB': '100'})
    exchange.add_account(RSA_KEY, public_key=pairs['RSA'][1], balances={'BTC': '1', 'BNB': '100'})
    clients = []

    def connect():
        client = RawClient(exchange.streams.port, '/ws-api/v3')
        clients.append(client)
        return client

    yield connect
    for client in clients:
        client.close()


def _now(exchange):
    return exchange.call(exchange.market.now_ms)


def signed(exchange, api_key, private_pem=None, secret=None, **params):
    """``params`` with apiKey, timestamp and a signature made like a client would."""
    params = dict(params, apiKey=api_key, timestamp=_now(exchange))
    signer = load_signer(api_secret=secret, private_key=private_pem)
    params['signature'] = signer.sign(signature_payload(params))
    return params


def ask(client, method, params=None, request_id=1):
    client.send_json({'id': request_id, 'method': method, 'params': params or {}})
    return client.recv_json()


def _price(exchange):
    return exchange.call(exchange.market.depth, 'BNBBTC', 5)['asks'][-1][0]


def test_session_logon_with_ed25519_then_unsigned_requests(exchange, api, pairs):
    """session.logon (Ed25519) answers the session status; later requests need no signature."""
    client = api()
    reply = ask(client, 'session.logon', signed(exchange, ED_KEY, pairs['Ed25519'][0]))
    assert reply['status'] == 200
    assert set(reply['result']) == {'apiKey', 'authorizedSince', 'connectedSince',
                                    'returnRateLimits', 'serverTime', 'userDataStream'}
    assert reply['result']['apiKey'] == ED_KEY and reply['result']['userDataStream'] is False
    account = ask(client, 'account.status', {'timestamp': _now(exchange)}, 2)
    assert account['status'] == 200 and 'balances' in account['result']
    assert ask(client, 'account.status', {}, 3)['error']['code'] == -1102  # timestamp still needed
    logout = ask(client, 'session.logout', None, 4)
    assert logout['result']['apiKey'] is None
    assert ask(client, 'account.status', {'timestamp': _now(exchange)}, 5)['error']['code'] \
        == -1102  # apiKey is mandatory again


@pytest.mark.parametrize('kind', ['HMAC', 'RSA'])
def test_session_logon_refuses_other_key_types(exchange, api, pairs, kind):
    """session.logon accepts Ed25519 keys only: HMAC and RSA signatures are refused."""
    client = api()
    params = signed(exchange, exchange.api_key, secret=exchange.api_secret) if kind == 'HMAC' \
        else signed(exchange, RSA_KEY, pairs['RSA'][0])
    reply = ask(client, 'session.logon', params)
    assert (reply['status'], reply['error']['code']) == (400, -1022)


def test_user_data_subscribe_needs_a_logon_and_ends_on_logout(exchange, api, pairs):
    """userDataStream.subscribe needs session.logon; session.logout ends it with
    eventStreamTerminated; a signature subscription survives the logout."""
    client = api()
    refused = ask(client, 'userDataStream.subscribe')
    assert (refused['status'], refused['error']['code']) == (401, -1002)
    ask(client, 'session.logon', signed(exchange, ED_KEY, pairs['Ed25519'][0]), 2)
    assert ask(client, 'userDataStream.subscribe', None, 3)['result'] == {'subscriptionId': 0}
    other = ask(client, 'userDataStream.subscribe.signature',
                signed(exchange, RSA_KEY, pairs['RSA'][0]), 4)
    assert other['result'] == {'subscriptionId': 1}
    client.send_json({'id': 5, 'method': 'session.logout'})
    terminated = client.recv_json()
    assert terminated['subscriptionId'] == 0
    assert set(terminated['event']) == {'e', 'E'} and terminated['event']['e'] == \
        'eventStreamTerminated'
    assert client.recv_json()['id'] == 5
    assert ask(client, 'session.subscriptions', None, 6)['result'] == [{'subscriptionId': 1}]


def test_terminate_user_streams_with_logout(exchange, api, pairs):
    """The exchange can end a key's subscriptions and log its sessions out, as Binance may."""
    client = api()
    ask(client, 'session.logon', signed(exchange, ED_KEY, pairs['Ed25519'][0]))
    ask(client, 'userDataStream.subscribe', None, 2)
    assert exchange.terminate_user_streams(ED_KEY, logout=True) == 1
    assert client.recv_json()['event']['e'] == 'eventStreamTerminated'
    assert ask(client, 'session.status', None, 3)['result']['apiKey'] is None


@pytest.mark.parametrize('kind', ['HMAC', 'RSA', 'Ed25519'])
def test_signed_order_place_status_and_cancel(exchange, api, pairs, kind):
    """order.place / order.status / openOrders.status / order.cancel with each key type."""
    if kind == 'HMAC':
        key, sign = exchange.api_key, {'secret': exchange.api_secret}
    else:
        key = RSA_KEY if kind == 'RSA' else ED_KEY
        sign = {'private_pem': pairs[kind][0]}
    client = api()
    symbol = 'BNBBTC'
    placed = ask(client, 'order.place', signed(
        exchange, key, symbol=symbol, side='SELL', type='LIMIT', timeInForce='GTC',
        quantity='1', price=_price(exchange), newOrderRespType='RESULT', **sign))
    assert placed['status'] == 200, placed
    order = placed['result']
    assert order['status'] == 'NEW' and order['symbol'] == symbol
    kinds = [limit['rateLimitType'] for limit in placed['rateLimits']]
    assert kinds == ['ORDERS', 'ORDERS', 'REQUEST_WEIGHT']
    status = ask(client, 'order.status', signed(exchange, key, symbol=symbol,
                                                orderId=order['orderId'], **sign), 2)
    assert status['result']['orderId'] == order['orderId']
    open_orders = ask(client, 'openOrders.status', signed(exchange, key, symbol=symbol, **sign), 3)
    assert [o['orderId'] for o in open_orders['result']] == [order['orderId']]
    cancelled = ask(client, 'order.cancel', signed(exchange, key, symbol=symbol,
                                                   orderId=order['orderId'], **sign), 4)
    assert cancelled['result']['status'] == 'CANCELED'
    again = ask(client, 'order.cancel', signed(exchange, key, symbol=symbol,
                                               orderId=order['orderId'], **sign), 5)
    assert (again['status'], again['error']) == (400, {'code': -2011,
                                                       'msg': 'Unknown order sent.'})


def test_bad_signature_and_unread_parameter(exchange, api, pairs):
    """A signature of another key is -1022; a parameter no method reads is -1104."""
    client = api()
    params = signed(exchange, ED_KEY, make_key_pair('Ed25519')[0])
    assert ask(client, 'account.status', params)['error']['code'] == -1022
    params = signed(exchange, ED_KEY, pairs['Ed25519'][0], colour='red')
    assert ask(client, 'account.status', params, 2)['error']['code'] == -1104


def test_cancel_replace_answers_each_outcome_like_binance(exchange, api):
    """order.cancelReplace: 200 both done; 400 -2022 NOT_ATTEMPTED; 409 -2021 partial."""
    client = api()
    key, secret = exchange.api_key, {'secret': exchange.api_secret}
    price = _price(exchange)
    first = ask(client, 'order.place', signed(exchange, key, symbol='BNBBTC', side='SELL',
                                              type='LIMIT', timeInForce='GTC', quantity='1',
                                              price=price, **secret))['result']
    new = dict(symbol='BNBBTC', side='SELL', type='LIMIT', timeInForce='GTC', quantity='2',
               price=price)
    done = ask(client, 'order.cancelReplace', signed(
        exchange, key, cancelReplaceMode='STOP_ON_FAILURE', cancelOrderId=first['orderId'],
        **new, **secret), 2)
    assert done['status'] == 200
    assert (done['result']['cancelResult'], done['result']['newOrderResult']) == \
        ('SUCCESS', 'SUCCESS')
    assert done['result']['cancelResponse']['status'] == 'CANCELED'
    assert done['result']['newOrderResponse']['origQty'] == '2.00000000'
    stop = ask(client, 'order.cancelReplace', signed(
        exchange, key, cancelReplaceMode='STOP_ON_FAILURE', cancelOrderId=first['orderId'],
        **new, **secret), 3)
    assert (stop['status'], stop['error']['code'], stop['error']['msg']) == \
        (400, -2022, 'Order cancel-replace failed.')
    assert stop['error']['data'] == {'cancelResult': 'FAILURE', 'newOrderResult': 'NOT_ATTEMPTED',
                                     'cancelResponse': {'code': -2011,
                                                        'msg': 'Unknown order sent.'},
                                     'newOrderResponse': None}
    partial = ask(client, 'order.cancelReplace', signed(
        exchange, key, cancelReplaceMode='ALLOW_FAILURE', cancelOrderId=first['orderId'],
        **new, **secret), 4)
    assert (partial['status'], partial['error']['code']) == (409, -2021)
    assert partial['error']['data']['newOrderResult'] == 'SUCCESS'


def test_rate_limit_replies_carry_retry_after(exchange, api):
    """A scripted 429 answers -1003 with data.retryAfter; rateLimits can be switched off."""
    client = api()
    exchange.fail_next_ws_api('time', status=429)
    reply = ask(client, 'time')
    assert (reply['status'], reply['error']['code']) == (429, -1003)
    data = reply['error']['data']
    assert data['retryAfter'] > data['serverTime'] and data['retryAfter'] % 60000 == 0
    quiet = ask(client, 'time', {'returnRateLimits': False}, 2)
    assert quiet['status'] == 200 and 'rateLimits' not in quiet
    weight = ask(client, 'time', None, 3)['rateLimits'][-1]
    assert weight['rateLimitType'] == 'REQUEST_WEIGHT' and weight['limit'] == 6000


def test_request_weight_over_the_limit_is_refused(exchange, api):
    """Past 6000 weight in a minute requests get status 429 with retryAfter."""
    client = api()
    # the exchange's minute has just begun, so the 301 requests fall into one window (on
    # the wall clock they could straddle two, and the 301st would rightly be answered)
    before = exchange.clock_offset
    exchange.clock_offset = before + (60000 - _now(exchange) % 60000 + 1000) / 1000.0
    try:
        for request_id in range(300):  # account.status weighs 20: 300 x 20 = 6000
            client.send_json({'id': request_id, 'method': 'account.status', 'params': signed(
                exchange, exchange.api_key, secret=exchange.api_secret)})
        replies = [client.recv_json() for _ in range(300)]
        refused = ask(client, 'account.status', signed(exchange, exchange.api_key,
                                                       secret=exchange.api_secret), 'last')
    finally:
        exchange.clock_offset = before
    assert replies[0]['status'] == 200
    assert refused['status'] == 429 and refused['error']['code'] == -1003
    assert 'retryAfter' in refused['error']['data']


def test_order_count_limit_answers_minus_1015(exchange, api):
    """Past 100 new orders in a 10 s window order.place gets 429 -1015 with retryAfter."""
    client = api()
    exchange.add_account('ws-busy', 'busy-secret', {'BTC': '100', 'BNB': '10000'})
    order = dict(symbol='BNBBTC', side='SELL', type='LIMIT', timeInForce='IOC', quantity='1',
                 price=exchange.call(exchange.market.depth, 'BNBBTC', 5)['asks'][-1][0],
                 newOrderRespType='ACK')
    replies = []
    for request_id in range(250):  # 100 fit in a 10 s window (two if the window turns)
        replies.append(ask(client, 'order.place', signed(exchange, 'ws-busy',
                                                         secret='busy-secret', **order),
                           request_id))
        if replies[-1]['status'] != 200:
            break
    last = replies[-1]
    assert (last['status'], last['error']['code']) == (429, -1015)
    assert last['error']['msg'] == 'Too many new orders; current limit is 100 orders per 10 SECOND.'
    assert last['error']['data']['retryAfter'] % 10000 == 0
    counts = [limit['count'] for limit in replies[-2]['rateLimits']
              if limit['rateLimitType'] == 'ORDERS']
    assert counts[0] == 100
