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


# -- one signer for every path (binance._signing) -------------------------------------

# Binance's WebSocket API HMAC examples ("SIGNED request example (HMAC)").
WS_ASCII = {'symbol': 'BTCUSDT', 'side': 'SELL', 'type': 'LIMIT', 'timeInForce': 'GTC',
            'quantity': '0.01000000', 'price': '52000.00', 'recvWindow': 100,
            'timestamp': 1645423376532, 'apiKey': VECTOR_KEY}
WS_ASCII_SIGNATURE = 'aa1b5712c094bc4e57c05a1a5c1fd8d88dcd628338ea863fec7b88e59fe2db24'
WS_UNICODE = dict(WS_ASCII, symbol='１２３４５６', side='BUY', quantity='1.00000000',
                  price='0.10000000', recvWindow=5000)
WS_UNICODE_SIGNATURE = 'b33892ae8e687c939f4468c6268ddd4c40ac1af18ad19a064864c47bae0752cd'
# Binance's REST HMAC example with a non-ASCII symbol: percent-encoded, then signed.
REST_UNICODE_SIGNATURE = 'e1353ec6b14d888f1164ae9af8228a3dbd508bc82eb867db8ab6046442f33ef3'


def test_rest_payload_is_percent_encoded_before_signing_as_binance_documents():
    """The REST signer percent-encodes the query (UTF-8) and signs that text: Binance's
    non-ASCII example gives its documented query and signature (rule of 2026-01-15)."""
    from binance._signing import HmacSigner, signed_rest_query
    pairs = [('symbol', '１２３４５６'), ('side', 'BUY'), ('type', 'LIMIT'),
             ('timeInForce', 'GTC'), ('quantity', '1'), ('price', '0.1'),
             ('recvWindow', '5000'), ('timestamp', '1499827319559')]
    query = signed_rest_query(HmacSigner(VECTOR_SECRET), pairs)
    assert query == ('symbol=%EF%BC%91%EF%BC%92%EF%BC%93%EF%BC%94%EF%BC%95%EF%BC%96&side=BUY'
                     '&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000'
                     '&timestamp=1499827319559&signature=' + REST_UNICODE_SIGNATURE)


def test_ws_api_payload_matches_binance_examples():
    """The WebSocket API payload is sorted and UTF-8, not percent-encoded: both of
    Binance's HMAC examples (ASCII and non-ASCII symbol) give the documented signatures."""
    from binance._signing import HmacSigner, ws_api_payload
    from binance.websockets import ws_api_signature
    assert ws_api_signature(VECTOR_SECRET, WS_ASCII) == WS_ASCII_SIGNATURE
    assert HmacSigner(VECTOR_SECRET).sign(ws_api_payload(WS_UNICODE)) == WS_UNICODE_SIGNATURE


def _ws_api_wire_params(params):
    """The params (with signature) that bm.ws_api sends for ``params``, read off the socket."""
    import json

    from binance.client import Client
    from binance.testing.reactor import FakeReactor
    from binance.websockets import BinanceSocketManager
    from tests.test_websockets_unit import Conn
    reactor = FakeReactor()
    bm = BinanceSocketManager(Client('key', 'secret', sync_clock=False), reactor=reactor)
    bm.WS_API_URL = 'ws://127.0.0.1:9001/ws-api/v3'
    bm.ws_api.request('custom.method', params)
    reactor.flush()
    frames = Conn(reactor.attempts[0]).handshake().sent()
    return json.loads(frames[0][1])['params']


def test_ws_api_signature_gives_the_bytes_the_wire_signer_sends():
    """binance.websockets.ws_api_signature and the bm.ws_api signer agree for booleans,
    floats, Decimals, ints, lists and non-ASCII text (they once differed: True vs true)."""
    from decimal import Decimal

    from binance.websockets import ws_api_signature
    params = {'flag': True, 'off': False, 'quantity': 0.1, 'price': Decimal('1E-8'), 'n': 7,
              'symbols': ['BNBBTC', 'ETHBTC'], 'note': 'ｘé'}
    sent = _ws_api_wire_params(params)
    assert (sent['flag'], sent['off'], sent['quantity'], sent['price']) == (
        'true', 'false', '0.1', '0.00000001')
    mine = ws_api_signature('secret', dict(params, apiKey='key', timestamp=sent['timestamp']))
    assert mine == sent['signature']


def test_every_signer_uses_the_signing_module():
    """REST, the WebSocket API session, the user-stream subscription and the local
    exchange's verifiers all sign or verify through binance._signing (one home)."""
    import inspect

    from binance import _client_base, _keys, _signing
    from binance._streams import api_session, user as _ws_user, user_api as _ws_user_api
    from binance.testing import keys as testing_keys
    from binance.testing import rest as testing_rest
    from binance.testing import streams_wsapi
    assert _keys.HmacSigner is _signing.HmacSigner and _keys.Signer is _signing.Signer
    assert _client_base.signed_rest_query is _signing.signed_rest_query
    assert _ws_user_api.sign_ws_api_params is _signing.sign_ws_api_params
    assert streams_wsapi.ws_api_payload is _signing.ws_api_payload
    assert testing_rest.rest_payload_of is _signing.rest_payload_of
    for module in (_client_base, _ws_user, _ws_user_api, api_session, testing_keys, testing_rest,
                   streams_wsapi):
        assert 'hmac.new' not in inspect.getsource(module), module.__name__


# -- the local exchange verifies what Binance verifies ---------------------------------

def test_local_rest_verifier_requires_the_percent_encoded_payload(exchange):
    """A signature over the decoded query (non-ASCII value) gets -1022 from the local
    exchange, as from Binance since 2026-01-15; one over the percent-encoded query passes
    the signature check (and meets the endpoint's own answer)."""
    import requests
    from urllib.parse import urlencode

    from binance._signing import sign_payload
    pairs = [('symbol', 'ＢＮＢＢＴＣ'), ('timestamp', str(exchange.call(exchange.market.now_ms)))]
    encoded = urlencode(pairs)
    decoded = '&'.join('{}={}'.format(k, v) for k, v in pairs)
    url = exchange.api_url.rstrip('/') + '/v3/openOrders?' + encoded + '&signature='
    headers = {'X-MBX-APIKEY': exchange.api_key}
    for payload, refused in ((decoded, True), (encoded, False)):
        answer = requests.get(url + sign_payload(exchange.api_secret, payload), headers=headers,
                              timeout=30).json()
        assert (answer.get('code') == -1022) is refused, answer


def test_local_ws_api_verifier_requires_the_utf8_payload(exchange):
    """The WebSocket API signs the UTF-8 text, not percent-encoded: the local exchange
    accepts the former's signature and refuses the latter's with -1022."""
    from urllib.parse import quote

    from binance._signing import sign_payload, ws_api_payload
    from tests.test_stream_server import RawClient
    client = RawClient(exchange.streams.port, '/ws-api/v3')
    try:
        for request_id, encode in ((1, False), (2, True)):
            params = {'symbol': 'ＢＮＢＢＴＣ', 'apiKey': exchange.api_key,
                      'timestamp': exchange.call(exchange.market.now_ms)}
            payload = ws_api_payload(params)
            if encode:
                payload = '&'.join(k + '=' + quote(v, safe='')
                                   for k, v in (p.split('=', 1) for p in payload.split('&')))
            params['signature'] = sign_payload(exchange.api_secret, payload)
            client.send_json({'id': request_id, 'method': 'openOrders.status', 'params': params})
            reply = client.recv_json()
            assert (reply.get('error', {}).get('code') == -1022) is encode, reply
    finally:
        client.close()
