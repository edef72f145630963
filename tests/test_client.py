"""binance.client.Client: construction, request building, and every method over HTTP.

The first part needs no server: a recording transport adapter (mounted on the
client's ``requests.Session``, the library's transport seam) captures what
would be sent. The second part runs every method against the local exchange
over real HTTP (fixture ``exchange`` from tests/conftest.py).
"""
import socket
from decimal import Decimal
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict

from binance import enums
from binance.client import DEFAULT_TIMEOUT, Client


class RecordingAdapter(BaseAdapter):
    """A transport that records each prepared request and answers a fixed response."""

    def __init__(self, status=200, body=b'{}', headers=None):
        super().__init__()
        self.status, self.body, self.headers = status, body, headers or {}
        self.requests = []
        self.send_kwargs = []

    def send(self, request, **kwargs):
        self.requests.append(request)
        self.send_kwargs.append(kwargs)
        response = requests.Response()
        response.status_code = self.status
        response._content = self.body
        response.headers = CaseInsensitiveDict(self.headers)
        response.request = request
        response.url = request.url
        return response

    def close(self):
        pass


def offline_client(api_key=None, api_secret=None, **kwargs):
    """A Client whose session answers from a RecordingAdapter instead of the network."""
    client = Client(api_key, api_secret, **kwargs)
    adapter = RecordingAdapter()
    client.session.mount('https://', adapter)
    client.session.mount('http://', adapter)
    return client, adapter


def sent_params(adapter, index=-1):
    """The query parameters of a recorded request, as a dict (signature and timestamp dropped)."""
    params = dict(parse_qsl(urlsplit(adapter.requests[index].url).query))
    params.pop('signature', None)
    params.pop('timestamp', None)
    return params


def sent_path(adapter, index=-1):
    request = adapter.requests[index]
    return request.method, urlsplit(request.url).path


# -- construction --------------------------------------------------------------------


def test_constructor_does_no_network_io(monkeypatch):
    """Client(...) opens no socket and sends no request."""
    def forbidden(*args, **kwargs):
        raise AssertionError('network I/O during construction')
    monkeypatch.setattr(socket, 'create_connection', forbidden)
    monkeypatch.setattr(requests.Session, 'request', forbidden)
    client = Client('key', 'secret', requests_params={'timeout': 3}, tld='us')
    assert client.API_URL == 'https://api.binance.us/api'


def test_base_urls_for_tld_and_testnet():
    """tld picks api.binance.<tld>, testnet the testnet host; the default is binance.com."""
    assert Client.API_URL == 'https://api.binance.com/api'
    assert Client().API_URL == 'https://api.binance.com/api'
    assert Client(tld='us').API_URL == 'https://api.binance.us/api'
    assert Client(testnet=True).API_URL == 'https://testnet.binance.vision/api'


def test_patched_class_api_url_is_respected(monkeypatch):
    """A Client.API_URL patched on the class (as LocalExchange.install() does) is used by new clients."""
    monkeypatch.setattr(Client, 'API_URL', 'http://127.0.0.1:9/api')
    assert Client().API_URL == 'http://127.0.0.1:9/api'
    assert Client(testnet=True).API_URL == 'https://testnet.binance.vision/api'


def test_instance_api_url_moves_api_and_sapi_requests():
    """Setting client.API_URL moves both /api and /sapi requests to that host."""
    client, adapter = offline_client('key', 'secret')
    client.API_URL = 'http://127.0.0.1:9/api'
    client.ping()
    client.get_system_status()
    client.get_account_status()
    assert [r.url.split('?')[0] for r in adapter.requests] == [
        'http://127.0.0.1:9/api/v3/ping',
        'http://127.0.0.1:9/sapi/v1/system/status',
        'http://127.0.0.1:9/sapi/v1/account/status']


@pytest.mark.parametrize('kwargs,error', [
    ({'tld': ''}, ValueError), ({'tld': 'com/evil'}, ValueError), ({'tld': 5}, ValueError),
    ({'api_key': 5}, TypeError), ({'api_secret': b'x'}, TypeError),
    ({'requests_params': 10}, TypeError),
])
def test_constructor_rejects_bad_arguments(kwargs, error):
    """Bad constructor arguments raise ValueError/TypeError naming the argument."""
    with pytest.raises(error, match=next(iter(kwargs))):
        Client(**kwargs)


def test_every_enum_constant_is_a_class_attribute():
    """Client.SIDE_BUY, Client.KLINE_INTERVAL_30MINUTE, Client.AGG_ID... equal binance.enums."""
    for name in enums.__all__:
        assert getattr(Client, name) == getattr(enums, name), name
    assert (Client.KLINE_INTERVAL_30MINUTE, Client.SIDE_SELL, Client.AGG_PRICE) == ('30m', 'SELL', 'p')


def test_repr_hides_credentials():
    """repr(client) says whether a key is set but never shows key or secret."""
    text = repr(Client('my-api-key-123', 'my-secret-456'))
    assert 'my-api-key-123' not in text and 'my-secret-456' not in text
    assert 'api_key=set' in text


# -- requests_params and response bookkeeping ----------------------------------------


def test_default_timeout_is_applied():
    """Without requests_params every request has a 10 s timeout."""
    client, adapter = offline_client()
    client.ping()
    assert DEFAULT_TIMEOUT == 10
    assert adapter.send_kwargs[-1]['timeout'] == 10


def test_requests_params_reach_every_request_and_per_call_adds():
    """requests_params (timeout, verify, proxies) go to every call; a call's requests_params adds to them."""
    proxies = {'https': 'http://127.0.0.1:3128'}
    client, adapter = offline_client(requests_params={'timeout': 2.5, 'verify': False,
                                                      'proxies': proxies})
    client.ping()
    sent = adapter.send_kwargs[-1]
    assert (sent['timeout'], sent['verify'], sent['proxies']) == (2.5, False, proxies)
    client.get_order_book(symbol='BNBBTC', requests_params={'timeout': 0.5})
    assert adapter.send_kwargs[-1]['timeout'] == 0.5
    assert 'requests_params' not in sent_params(adapter)


def test_response_and_used_weight_are_exposed():
    """client.response is the last answer and client.used_weight its X-MBX-USED-WEIGHT-1M."""
    client, adapter = offline_client()
    adapter.headers = {'X-MBX-USED-WEIGHT-1M': '42'}
    client.ping()
    assert client.used_weight == 42
    assert client.response.status_code == 200
    adapter.headers = {}
    client.ping()
    assert client.used_weight is None


# -- parameter encoding --------------------------------------------------------------


def test_small_floats_are_sent_in_plain_decimal():
    """quantity=0.00001 and price=1e-07 are sent as 0.00001 and 0.0000001, never in e-notation."""
    client, adapter = offline_client('key', 'secret')
    client.order_limit_buy(symbol='BNBBTC', quantity=0.00001, price=1e-07)
    params = sent_params(adapter)
    assert (params['quantity'], params['price']) == ('0.00001', '0.0000001')
    client.order_limit_buy(symbol='BNBBTC', quantity=Decimal('1E+2'), price='2.5e-6')
    params = sent_params(adapter)
    assert (params['quantity'], params['price']) == ('100', '0.0000025')


@pytest.mark.parametrize('method,expected', [
    ('order_limit_buy', {'side': 'BUY', 'type': 'LIMIT', 'timeInForce': 'GTC'}),
    ('order_limit_sell', {'side': 'SELL', 'type': 'LIMIT', 'timeInForce': 'GTC'}),
    ('order_market_buy', {'side': 'BUY', 'type': 'MARKET'}),
    ('order_market_sell', {'side': 'SELL', 'type': 'MARKET'}),
])
def test_order_shortcuts_fill_side_type_and_time_in_force(method, expected):
    """order_limit_buy & co. add side, type and (limit) timeInForce=GTC to a POST /api/v3/order."""
    client, adapter = offline_client('key', 'secret')
    extra = {'price': '0.001'} if 'limit' in method else {}
    getattr(client, method)(symbol='BNBBTC', quantity=1, **extra)
    assert sent_path(adapter) == ('POST', '/api/v3/order')
    params = sent_params(adapter)
    assert {k: params.get(k) for k in expected} == expected
    assert 'timeInForce' in params or 'limit' not in method


def test_order_limit_takes_another_time_in_force():
    """order_limit(timeInForce='IOC', ...) sends IOC."""
    client, adapter = offline_client('key', 'secret')
    client.order_limit(timeInForce=Client.TIME_IN_FORCE_IOC, symbol='BNBBTC', side='SELL',
                       quantity=1, price=1)
    assert sent_params(adapter)['timeInForce'] == 'IOC'


def test_oco_sell_in_the_original_form_becomes_above_and_below_legs():
    """order_oco_sell(price, stopPrice, stopLimitPrice...) maps to LIMIT_MAKER above, STOP_LOSS_LIMIT below."""
    client, adapter = offline_client('key', 'secret')
    client.order_oco_sell(symbol='BNBBTC', quantity=1, price='0.002', stopPrice='0.0009',
                          stopLimitPrice='0.00089', stopLimitTimeInForce='GTC',
                          limitClientOrderId='tp', stopClientOrderId='sl')
    assert sent_path(adapter) == ('POST', '/api/v3/orderList/oco')
    assert sent_params(adapter) == {
        'symbol': 'BNBBTC', 'quantity': '1', 'side': 'SELL',
        'aboveType': 'LIMIT_MAKER', 'abovePrice': '0.002', 'aboveClientOrderId': 'tp',
        'belowType': 'STOP_LOSS_LIMIT', 'belowStopPrice': '0.0009', 'belowPrice': '0.00089',
        'belowTimeInForce': 'GTC', 'belowClientOrderId': 'sl'}


def test_oco_buy_puts_the_stop_above_and_the_limit_below():
    """order_oco_buy without stopLimitPrice: STOP_LOSS above, LIMIT_MAKER below."""
    client, adapter = offline_client('key', 'secret')
    client.order_oco_buy(symbol='BNBBTC', quantity=1, price='0.0009', stopPrice='0.002')
    params = sent_params(adapter)
    assert (params['aboveType'], params['aboveStopPrice']) == ('STOP_LOSS', '0.002')
    assert (params['belowType'], params['belowPrice']) == ('LIMIT_MAKER', '0.0009')
    assert 'abovePrice' not in params


def test_wallet_calls_accept_the_original_asset_name():
    """withdraw/get_deposit_address/histories rename asset= to today's coin=."""
    client, adapter = offline_client('key', 'secret')
    adapter.body = b'{"id": "w1"}'
    assert client.withdraw(asset='ETH', address='0xabc', amount=1.5) == {'id': 'w1'}
    assert sent_path(adapter) == ('POST', '/sapi/v1/capital/withdraw/apply')
    assert sent_params(adapter) == {'coin': 'ETH', 'address': '0xabc', 'amount': '1.5'}
    client.get_deposit_address(asset='BTC')
    assert sent_params(adapter) == {'coin': 'BTC'}
    client.get_withdraw_history(asset='BTC')
    client.get_deposit_history(coin='BTC', status=1)
    assert sent_path(adapter, -2) == ('GET', '/sapi/v1/capital/withdraw/history')
    assert sent_params(adapter) == {'coin': 'BTC', 'status': '1'}


def test_transfer_dust_repeats_the_asset_parameter():
    """transfer_dust(asset=['ETH', 'LTC']) sends asset=ETH&asset=LTC."""
    client, adapter = offline_client('key', 'secret')
    client.transfer_dust(asset=['ETH', 'LTC'])
    query = urlsplit(adapter.requests[-1].url).query
    assert query.startswith('asset=ETH&asset=LTC&timestamp=')
