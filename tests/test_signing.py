"""Signing of REST requests: Binance's test vector and what the client sends."""
from urllib.parse import parse_qsl, urlsplit

import pytest

from binance.client import sign_payload
from tests.test_client import offline_client

VECTOR_SECRET = 'NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j'
VECTOR_KEY = 'vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A'
VECTOR_QUERY = ('symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1'
                '&recvWindow=5000&timestamp=1499827319559')
VECTOR_SIGNATURE = 'c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71'


def test_binance_documented_vector():
    """sign_payload reproduces the HMAC-SHA256 example of Binance's API docs."""
    assert sign_payload(VECTOR_SECRET, VECTOR_QUERY) == VECTOR_SIGNATURE


def test_create_order_sends_the_documented_query_and_signature():
    """create_order with the docs' parameters sends exactly the docs' query, signature last."""
    client, adapter = offline_client(VECTOR_KEY, VECTOR_SECRET)
    client.create_order(symbol='LTCBTC', side='BUY', type='LIMIT', timeInForce='GTC',
                        quantity=1, price=0.1, recvWindow=5000, timestamp=1499827319559)
    request = adapter.requests[-1]
    assert request.method == 'POST'
    assert urlsplit(request.url).path == '/api/v3/order'
    assert urlsplit(request.url).query == VECTOR_QUERY + '&signature=' + VECTOR_SIGNATURE
    assert request.headers['X-MBX-APIKEY'] == VECTOR_KEY
    assert not request.body


def test_signature_covers_the_percent_encoded_query():
    """Values needing escapes are percent-encoded first and the signature covers that exact text."""
    client, adapter = offline_client('key', 'secret')
    client.withdraw(coin='BTC', address='addr', amount=1, name='my id/é&x=1')
    query = urlsplit(adapter.requests[-1].url).query
    signed, _, signature = query.rpartition('&signature=')
    assert 'name=my+id%2F%C3%A9%26x%3D1' in signed
    assert signature == sign_payload('secret', signed)
    assert dict(parse_qsl(signed))['name'] == 'my id/é&x=1'


def test_timestamp_is_now_in_ms_plus_offset():
    """Signed calls carry timestamp = local time in ms + client.timestamp_offset."""
    client, adapter = offline_client('key', 'secret')
    client.server_clock.clock = lambda: 1700000000.25
    client.get_account()
    assert dict(parse_qsl(urlsplit(adapter.requests[-1].url).query))['timestamp'] == '1700000000250'
    client.timestamp_offset = -1500
    client.get_account()
    assert dict(parse_qsl(urlsplit(adapter.requests[-1].url).query))['timestamp'] == '1699999998750'


def test_public_calls_are_not_signed_and_carry_no_key():
    """A market data call sends neither timestamp, signature nor the API key header."""
    client, adapter = offline_client('key', 'secret')
    client.get_order_book(symbol='BNBBTC', limit=5)
    request = adapter.requests[-1]
    assert urlsplit(request.url).query == 'symbol=BNBBTC&limit=5'
    assert 'X-MBX-APIKEY' not in request.headers


def test_listen_key_calls_send_the_key_but_no_signature():
    """User-stream calls are USER_STREAM security: API key header, no timestamp or signature."""
    client, adapter = offline_client('key', 'secret')
    adapter.body = b'{"listenKey": "abc"}'
    assert client.stream_get_listen_key() == 'abc'
    client.stream_keepalive(listenKey='abc')
    methods = [(r.method, urlsplit(r.url).path, urlsplit(r.url).query) for r in adapter.requests]
    assert methods == [('POST', '/api/v3/userDataStream', ''),
                       ('PUT', '/api/v3/userDataStream', 'listenKey=abc')]
    assert all(r.headers['X-MBX-APIKEY'] == 'key' for r in adapter.requests)


@pytest.mark.parametrize('window', [5000, 60000, 1])
def test_recv_window_up_to_60000_is_sent(window):
    """recvWindow within (0, 60000] is sent as given."""
    client, adapter = offline_client('key', 'secret')
    client.get_account(recvWindow=window)
    assert dict(parse_qsl(urlsplit(adapter.requests[-1].url).query))['recvWindow'] == str(window)


@pytest.mark.parametrize('window', [60001, 0, -5])
def test_recv_window_out_of_range_is_refused_before_sending(window):
    """recvWindow above 60000 (or not positive) raises ValueError and sends nothing."""
    client, adapter = offline_client('key', 'secret')
    with pytest.raises(ValueError, match='60000'):
        client.get_account(recvWindow=window)
    assert adapter.requests == []


@pytest.mark.parametrize('key,secret', [(None, None), ('key', None), (None, 'secret')])
def test_signed_call_without_credentials_fails_before_sending(key, secret):
    """A signed call without both key and secret raises a clear ValueError and sends nothing."""
    client, adapter = offline_client(key, secret)
    with pytest.raises(ValueError, match='api_key, api_secret'):
        client.get_open_orders(symbol='BNBBTC')
    assert adapter.requests == []


def test_listen_key_needs_only_the_api_key():
    """stream_get_listen_key works with a key and no secret, fails clearly without a key."""
    client, adapter = offline_client('key', None)
    adapter.body = b'{"listenKey": "k1"}'
    assert client.stream_get_listen_key() == 'k1'
    keyless, keyless_adapter = offline_client(None, None)
    with pytest.raises(ValueError, match='API key'):
        keyless.stream_get_listen_key()
    assert keyless_adapter.requests == []
