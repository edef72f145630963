"""Client.request (any Binance path, signed like the wrapped methods) and demo=True."""
import re

import pytest

from binance._not_provided import explain
from binance.client import Client
from binance.exceptions import BinanceAPIException
from binance.testing import make_key_pair
from binance.websockets import BinanceSocketManager

CLOCK = '/api/v3/time'


def test_request_reaches_spot_wallet_and_futures_paths_of_the_local_exchange(exchange):
    """request() sends /api, /sapi and /fapi paths to the servers the client points at and
    returns the decoded answer; used_weight follows the answer."""
    client = exchange.client()
    depth = client.request('GET', '/api/v3/depth', symbol='BNBBTC', limit=5)
    assert len(depth['bids']) <= 5 and 'lastUpdateId' in depth
    assert client.used_weight is not None and client.used_weight >= 5
    account = client.request('GET', '/api/v3/account', signed=True, omitZeroBalances='true')
    assert account['balances'] and account['accountType'] == 'SPOT'
    coins = client.request('get', '/sapi/v1/capital/config/getall', signed=True)
    assert {row['coin'] for row in coins} >= {'BTC', 'BNB'}
    assert client.request('GET', '/fapi/v1/time')['serverTime'] > 0
    paths = [(r.method, r.path) for r in exchange.requests if r.path != CLOCK]
    assert paths == [('GET', '/api/v3/depth'), ('GET', '/api/v3/account'),
                     ('GET', '/sapi/v1/capital/config/getall'), ('GET', '/fapi/v1/time')]
    signed = [r for r in exchange.requests if r.path == '/api/v3/account'][0]
    assert 'signature' in signed.params and 'timestamp' in signed.params
    assert signed.headers['X-MBX-APIKEY'] == exchange.api_key


def test_request_moves_real_balances_with_a_post(exchange):
    """A signed POST through request() is an ordinary signed request: the transfer happens."""
    client = exchange.client()
    before = client.get_asset_balance(asset='USDT')['free']
    answer = client.request('POST', '/sapi/v1/asset/transfer', signed=True, type='MAIN_MARGIN',
                            asset='USDT', amount='7')
    assert set(answer) == {'tranId'}
    assert float(client.get_asset_balance(asset='USDT')['free']) == float(before) - 7


def test_request_signs_with_an_ed25519_key(exchange):
    """request(signed=True) signs with whatever key the client holds (here Ed25519)."""
    private_pem, public_pem = make_key_pair('Ed25519')
    exchange.add_account('ed-key', public_key=public_pem, balances={'BTC': '2'})
    client = exchange.client(api_key='ed-key', private_key=private_pem)
    balances = client.request('GET', '/api/v3/account', signed=True)['balances']
    assert {b['asset']: b['free'] for b in balances}['BTC'] == '2.00000000'


def test_request_resyncs_the_clock_on_minus_1021(exchange):
    """A signed request refused for its timestamp is sent once more after a clock sync."""
    client = exchange.client()
    client.request('GET', '/api/v3/account', signed=True)
    exchange.clock_offset = 30.0
    exchange.clear_requests()
    assert client.request('GET', '/api/v3/account', signed=True)['balances']
    assert [r.path for r in exchange.requests] == ['/api/v3/account', CLOCK, '/api/v3/account']


def test_paths_without_a_local_server_follow_the_local_exchange(exchange):
    """/eapi and /papi go to the host API_URL was pointed at (here: 404 from the local
    exchange, which has neither), raised as BinanceAPIException; /dapi reaches its COIN-M desk."""
    client = exchange.client()
    assert client.request('GET', '/dapi/v1/ping') == {}
    assert exchange.requests[-1].path == '/dapi/v1/ping'
    for path in ('/eapi/v1/time', '/papi/v1/ping'):
        with pytest.raises(BinanceAPIException) as info:
            client.request('GET', path)
        assert info.value.status_code == 404
        assert exchange.requests[-1].path == path


@pytest.mark.parametrize('method, path, match', [
    ('FETCH', '/api/v3/ping', 'method must be one of GET, POST, PUT, DELETE'),
    ('GET', 'api/v3/ping', 'must be a Binance path'),
    ('GET', '/v3/ping', 'must start with one of /api, /sapi, /fapi, /dapi, /eapi, /papi'),
    ('GET', '/api/v3/depth?symbol=BNBBTC', 'keyword arguments'),
    ('GET', '/api/', 'must start with one of'),
])
def test_request_refuses_bad_methods_and_paths_before_sending(exchange, method, path, match):
    """A method or path Binance does not have raises ValueError naming the valid ones, offline."""
    client = exchange.client()
    exchange.clear_requests()
    with pytest.raises(ValueError, match=re.escape(match)):
        client.request(method, path)
    assert exchange.requests == []


def test_signed_request_without_a_key_is_refused_offline(exchange):
    """request(signed=True) on a client without a key raises ValueError before any request."""
    client = Client()
    client.API_URL = exchange.api_url
    exchange.clear_requests()
    with pytest.raises(ValueError, match='needs an API key'):
        client.request('GET', '/api/v3/account', signed=True)
    with pytest.raises(TypeError, match='signed must be True or False'):
        client.request('GET', '/api/v3/ping', signed='yes')
    assert exchange.requests == []


def test_official_hosts_for_each_api_root():
    """Without a local exchange each root goes to Binance's host for it, per environment."""
    live, testnet, demo = Client(), Client(testnet=True), Client(demo=True)
    assert live._base_url('dapi') == 'https://dapi.binance.com/dapi'
    assert live._base_url('eapi') == 'https://eapi.binance.com/eapi'
    assert live._base_url('papi') == 'https://papi.binance.com/papi'
    assert Client(tld='us')._base_url('sapi') == 'https://api.binance.us/sapi'
    live.API_URL = 'https://api1.binance.com/api'       # another of Binance's spot hosts
    assert live._base_url('dapi') == 'https://dapi.binance.com/dapi'
    assert testnet._base_url('dapi') == 'https://testnet.binancefuture.com/dapi'
    assert demo._base_url('dapi') == 'https://demo-dapi.binance.com/dapi'
    with pytest.raises(ValueError, match='/eapi has no Demo Mode'):
        demo.request('GET', '/eapi/v1/time')
    with pytest.raises(ValueError, match='/papi has no testnet'):
        testnet.request('GET', '/papi/v1/ping')


def test_not_provided_messages_give_a_line_that_works(exchange):
    """The ready client.request(...) line of a "not provided" message, run as given, sends
    that request (404 here: the local exchange has no Simple Earn nor options)."""
    client = exchange.client()
    for name in ('get_lending_position', 'options_klines'):
        line = re.search(r"client\.request\([^)]*\)", explain(name)[1]).group(0)
        path = re.search(r"'(/[a-z]+/[^']+)'", line).group(1)
        with pytest.raises(BinanceAPIException):
            eval(line, {'client': client})
        assert exchange.requests[-1].path == path


def test_demo_mode_hosts_for_rest_and_sockets():
    """Client(demo=True) and the socket manager built from it use Binance's demo hosts."""
    client = Client(demo=True)
    assert client.demo is True
    assert client.API_URL == 'https://demo-api.binance.com/api'
    assert client.FUTURES_URL == 'https://demo-fapi.binance.com/fapi'
    assert client._base_url('sapi') == 'https://demo-api.binance.com/sapi'
    assert socket_urls(client) == {
        'spot': 'wss://demo-stream.binance.com:9443/ws/bnbbtc@trade',
        'ws_api': 'wss://demo-ws-api.binance.com/ws-api/v3',
        'futures': 'wss://demo-fstream.binance.com/market/stream?streams=btcusdt@aggTrade'}
    assert socket_urls(Client())['spot'] == 'wss://stream.binance.com:9443/ws/bnbbtc@trade'


def socket_urls(client):
    """The URLs a manager of ``client`` connects a spot, a WebSocket API and a futures
    socket to (on a FakeReactor: nothing leaves the process)."""
    from binance.testing.reactor import FakeReactor
    reactor = FakeReactor()
    bm = BinanceSocketManager(client, reactor=reactor)
    urls = {}
    for name, start in (('spot', lambda: bm.start_trade_socket('BNBBTC', print)),
                        ('ws_api', bm.ws_api.ping),
                        ('futures', lambda: bm.start_aggtrade_futures_socket('BTCUSDT', print))):
        start()
        reactor.flush()
        urls[name] = reactor.attempts[-1].factory.url
    return urls


@pytest.mark.parametrize('kwargs, error, match', [
    ({'demo': True, 'testnet': True}, ValueError, 'testnet=True and demo=True cannot be combined'),
    ({'demo': True, 'tld': 'us'}, ValueError, "tld='us'"),
    ({'demo': 'yes'}, TypeError, 'demo must be True or False'),
])
def test_demo_mode_refuses_what_binance_does_not_have(kwargs, error, match):
    """demo=True with testnet=True, or with another tld, or a non-bool demo is refused."""
    with pytest.raises(error, match=re.escape(match)):
        Client(**kwargs)


def test_install_keeps_a_demo_client_offline(exchange):
    """Inside LocalExchange.install() a demo client talks to the local exchange."""
    with exchange.install():
        client = Client(exchange.api_key, exchange.api_secret, demo=True)
        assert client.API_URL == exchange.api_url
        assert client.FUTURES_URL == exchange.futures_api_url
        assert client.get_account()['balances']
