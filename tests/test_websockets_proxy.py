"""Streams and the WebSocket API through an HTTP CONNECT or SOCKS5 proxy, over real sockets.

The local exchange runs with TLS and a certificate for made-up Binance host
names under ``.invalid`` (which never resolve); a :class:`LocalProxy` on
127.0.0.1 routes those names to the exchange. So a link that arrives has
gone through the tunnel, TLS was verified for the real host name inside it,
and nothing could leave the machine even if a proxy were bypassed.
"""
import logging
from urllib.parse import urlsplit

import pytest

from binance.testing import LocalExchange
from binance.testing.proxy import LocalProxy
from binance.websockets import BinanceSocketManager
from tests.support import wait_until

STREAM_HOST = 'stream.binance.invalid'
API_HOST = 'ws-api.binance.invalid'
FUTURES_HOST = 'fstream.binance.invalid'
STREAM_URL = 'wss://{}:9443/'.format(STREAM_HOST)
WS_API_URL = 'wss://{}:443/ws-api/v3'.format(API_HOST)
ERROR = {'e': 'error', 'm': 'Max reconnect retries reached'}
USER, PASSWORD = 'trader', 'pr0xy-s3cret'


@pytest.fixture(scope='module')
def tls_exchange():
    with LocalExchange(tls=True, tick=None,
                       tls_hostnames=('127.0.0.1', 'localhost', STREAM_HOST, API_HOST,
                                      FUTURES_HOST)) as ex:
        yield ex


def _routes(exchange):
    port = urlsplit(exchange.stream_url).port
    return {'{}:9443'.format(STREAM_HOST): '127.0.0.1:{}'.format(port),
            '{}:443'.format(API_HOST): '127.0.0.1:{}'.format(port),
            '{}:443'.format(FUTURES_HOST): '127.0.0.1:{}'.format(
                urlsplit(exchange.fstream_url).port)}


@pytest.fixture(scope='module')
def proxy(tls_exchange):
    with LocalProxy(auth=(USER, PASSWORD), routes=_routes(tls_exchange)) as p:
        yield p


@pytest.fixture
def managers():
    made = []

    def make(client=None, *, ca=None, **kw):
        bm = BinanceSocketManager(client, tls_ca=ca, **kw)
        bm.STREAM_URL, bm.WS_API_URL = STREAM_URL, WS_API_URL
        bm.INITIAL_DELAY, bm.MAX_DELAY, bm.MAX_RETRIES = 0.01, 0.05, 2
        bm.start()
        made.append(bm)
        return bm

    yield make
    for bm in made:
        bm.close()


@pytest.fixture
def no_env_proxy(monkeypatch):
    for name in ('HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy', 'ALL_PROXY',
                 'all_proxy', 'NO_PROXY', 'no_proxy'):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


class Recorder(list):
    def __call__(self, msg):
        self.append(msg)


def _deliver_one(exchange, bm, name):
    """Start a trade socket on ``bm``, push one message, return what the callback got."""
    rec = Recorder()
    key = bm.start_trade_socket('BNBBTC', rec)
    assert bm.wait_connected(key, timeout=20)
    # other tests' connections to the stream may still be closing: push until ours has one
    wait_until(lambda: exchange.streams.push(key, {'e': 'trade', 'via': name}) and rec,
               timeout=20, interval=0.05, message='a message through the proxy')
    return rec[:1]


def _requests_since(proxy, start):
    return proxy.requests[start:]


@pytest.mark.parametrize('scheme', ['http', 'socks5h'])
def test_stream_delivers_through_the_proxy_with_tls_inside(tls_exchange, proxy, managers,
                                                           no_env_proxy, scheme):
    """A wss:// stream goes through the tunnel to Binance's host name, TLS verified inside it."""
    start = len(proxy.requests)
    bm = managers(ca=tls_exchange.ca_file, proxy=proxy.url(scheme))
    assert _deliver_one(tls_exchange, bm, scheme) == [{'e': 'trade', 'via': scheme}]
    seen = _requests_since(proxy, start)
    kind = 'http' if scheme == 'http' else 'socks5'
    assert [(r.kind, r.host, r.port, r.username, r.password, r.answer) for r in seen] == [
        (kind, STREAM_HOST, 9443, USER, PASSWORD, 200 if kind == 'http' else 0)]
    # socks5h: the proxy got the name (remote DNS); nothing resolved it here
    assert seen[0].remote_dns is (scheme == 'socks5h')


def test_socks5_resolves_the_host_name_locally(tls_exchange, managers, no_env_proxy):
    """socks5:// (without h) resolves the host here and sends the proxy an IP address."""
    port = urlsplit(tls_exchange.stream_url).port
    with LocalProxy() as plain:
        bm = managers(ca=tls_exchange.ca_file, proxy=plain.url('socks5'))
        bm.STREAM_URL = 'wss://localhost:{}/'.format(port)
        assert _deliver_one(tls_exchange, bm, 'socks5') == [{'e': 'trade', 'via': 'socks5'}]
        assert [(r.host, r.port, r.remote_dns, r.username) for r in plain.requests] == [
            ('127.0.0.1', port, False, None)]


def test_ws_api_and_user_stream_go_through_the_proxy(tls_exchange, proxy, managers,
                                                     no_env_proxy):
    """The WebSocket API session and the user data stream use the same tunnel rules."""
    start = len(proxy.requests)
    bm = managers(tls_exchange.client(), ca=tls_exchange.ca_file, proxy=proxy.url('http'))
    assert 'serverTime' in bm.ws_api.blocking.time(timeout=20)
    events = Recorder()
    bm.start_user_socket(events)
    assert bm.wait_connected('user', timeout=20)
    tls_exchange.client().order_market_buy(symbol='BNBBTC', quantity=1)
    wait_until(lambda: any(e.get('e') == 'executionReport' for e in events), timeout=20,
               message='the order event through the proxy')
    hosts = {(r.host, r.port) for r in _requests_since(proxy, start)}
    assert hosts == {(API_HOST, 443)}


def test_futures_streams_go_through_the_proxy(tls_exchange, proxy, managers, no_env_proxy):
    """A USD-M futures socket (FSTREAM_URL) is tunnelled too, TLS verified for its host."""
    start = len(proxy.requests)
    bm = managers(ca=tls_exchange.ca_file, proxy=proxy.url('socks5h'))
    bm.FSTREAM_URL = 'wss://{}/'.format(FUTURES_HOST)
    key = bm.start_aggtrade_futures_socket('BTCUSDT', lambda msg: None)
    assert bm.wait_connected(key, timeout=20)
    assert [(r.host, r.port, r.remote_dns) for r in _requests_since(proxy, start)] == [
        (FUTURES_HOST, 443, True)]


def test_wrong_ca_is_refused_inside_the_tunnel(tls_exchange, proxy, managers, no_env_proxy,
                                               caplog):
    """Without the exchange's CA the certificate is refused although the tunnel opened."""
    start = len(proxy.requests)
    rec = Recorder()
    with caplog.at_level(logging.WARNING, logger='binance.websockets'):
        bm = managers(proxy=proxy.url('http'))
        bm.start_trade_socket('BNBBTC', rec)
        wait_until(lambda: rec, timeout=20, message='the error message')
    assert rec == [ERROR]
    assert 'TLS verification of {} failed'.format(STREAM_HOST) in caplog.text
    assert {r.answer for r in _requests_since(proxy, start)} == {200}
    assert tls_exchange.streams.connection_count('bnbbtc@trade') == 0


def _failure_text(managers, caplog, proxy_url, **kw):
    rec = Recorder()
    with caplog.at_level(logging.WARNING, logger='binance.websockets'):
        bm = managers(proxy=proxy_url, **kw)
        bm.start_trade_socket('BNBBTC', rec)
        wait_until(lambda: rec, timeout=20, message='the error message')
    assert rec == [ERROR]
    return caplog.text


def test_unreachable_proxy_is_named_without_credentials(managers, no_env_proxy, caplog):
    """A proxy address where nothing listens: the log names it, credentials hidden."""
    with LocalProxy() as gone:
        port = gone.port
    text = _failure_text(managers, caplog,
                         'http://{}:{}@127.0.0.1:{}'.format(USER, PASSWORD, port))
    assert 'cannot reach the proxy http://***@127.0.0.1:{}: connection refused'.format(
        port) in text
    assert PASSWORD not in text and USER not in text


def test_wrong_proxy_password_gets_407_named_in_the_log(proxy, managers, no_env_proxy, caplog):
    """A CONNECT the proxy refuses with 407 is reported with the proxy's status line."""
    url = proxy.url('http').replace(PASSWORD, 'not-it')
    text = _failure_text(managers, caplog, url)
    assert 'the proxy http://***@127.0.0.1:{} refused the CONNECT: 407 Proxy Authentication ' \
           'Required'.format(proxy.port) in text
    assert 'not-it' not in text


def test_forbidden_connect_is_reported(tls_exchange, managers, no_env_proxy, caplog):
    """A proxy that answers 403 to the CONNECT: the status is in the error."""
    with LocalProxy(refuse=403, routes=_routes(tls_exchange)) as strict:
        text = _failure_text(managers, caplog, strict.url('http'))
        assert 'refused the CONNECT: 403 Forbidden' in text
        assert [(r.host, r.answer) for r in strict.requests][0] == (STREAM_HOST, 403)


def test_socks5_bad_password_and_refusal_are_reported(tls_exchange, proxy, managers,
                                                      no_env_proxy, caplog):
    """SOCKS5: a wrong password and a ruleset refusal each give their own message."""
    text = _failure_text(managers, caplog, proxy.url('socks5h').replace(PASSWORD, 'nope'))
    assert 'the proxy socks5h://***@127.0.0.1:{} refused the SOCKS5 user name and password' \
        .format(proxy.port) in text
    caplog.clear()
    with LocalProxy(routes={}) as unrouted:   # stream.binance.invalid is not loopback: refused
        text = _failure_text(managers, caplog, unrouted.url('socks5h'))
    assert 'refused the SOCKS5 CONNECT to {}:9443: connection not allowed by ruleset (code 2)' \
        .format(STREAM_HOST) in text


def test_client_requests_params_proxies_are_used(tls_exchange, proxy, managers, no_env_proxy):
    """With no proxy= the manager uses the proxy of the client's requests_params."""
    client = tls_exchange.client(requests_params={'proxies': {'https': proxy.url('http')}})
    start = len(proxy.requests)
    bm = managers(client, ca=tls_exchange.ca_file)
    assert _deliver_one(tls_exchange, bm, 'client') == [{'e': 'trade', 'via': 'client'}]
    seen = _requests_since(proxy, start)
    # the stream's tunnel (REST calls of the client, e.g. the symbol check, use it too)
    assert [r.port for r in seen if r.host == STREAM_HOST] == [9443]
    assert {r.username for r in seen} == {USER}


def test_environment_proxy_and_no_proxy_are_honoured(tls_exchange, proxy, managers,
                                                     no_env_proxy):
    """HTTPS_PROXY is used; NO_PROXY naming the host, or proxy=False, connects directly."""
    no_env_proxy.setenv('HTTPS_PROXY', proxy.url('socks5h'))
    start = len(proxy.requests)
    bm = managers(ca=tls_exchange.ca_file)
    _deliver_one(tls_exchange, bm, 'env')
    assert [r.host for r in _requests_since(proxy, start)] == [STREAM_HOST]
    bm.close()
    # direct connections: the exchange's own address (the .invalid names only exist via the proxy)
    for no_proxy, kw in (('127.0.0.1', {}), (None, {'proxy': False})):
        if no_proxy is None:
            no_env_proxy.delenv('NO_PROXY')
        else:
            no_env_proxy.setenv('NO_PROXY', no_proxy)
        start = len(proxy.requests)
        direct = managers(ca=tls_exchange.ca_file, **kw)
        direct.STREAM_URL = tls_exchange.stream_url
        rec = _deliver_one(tls_exchange, direct, 'direct')
        assert rec == [{'e': 'trade', 'via': 'direct'}]
        assert _requests_since(proxy, start) == []
        direct.close()
