"""Proxy settings for streams: parsing, requests' lookup rules, and the tunnel handshake
on an in-memory reactor (no sockets, time driven by the reactor's clock)."""
import base64

import pytest
from twisted.internet import error
from twisted.internet.testing import MemoryReactorClock, StringTransport

from binance.client import Client
from binance._streams.proxy import (
    ProxyError, ProxySpec, TunnelConnector, check_proxy_argument, parse_proxy, proxy_for)
from binance.websockets import BinanceSocketManager

ENV_NAMES = ('HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy', 'ALL_PROXY', 'all_proxy',
             'NO_PROXY', 'no_proxy')
STREAM = 'wss://stream.binance.com:9443/ws/bnbbtc@trade'


@pytest.fixture
def env(monkeypatch):
    for name in ENV_NAMES:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


# -- parsing -----------------------------------------------------------------------------

def test_parse_reads_scheme_host_port_and_decoded_credentials():
    """A proxy URL gives its parts; percent-escaped credentials are decoded as requests does."""
    spec = parse_proxy('http://us%40er:p%3Ass@proxy.example:3128')
    assert spec == ProxySpec('http', 'proxy.example', 3128, 'us@er', 'p:ss')
    assert parse_proxy('proxy.example:3128') == ProxySpec('http', 'proxy.example', 3128)
    assert parse_proxy('socks5h://[::1]').port == 1080
    assert parse_proxy('http://proxy.example').port == 80   # as requests
    assert parse_proxy('SOCKS5://10.0.0.1:9050').scheme == 'socks5'


def test_credentials_never_show_in_repr_or_errors():
    """repr/str of a proxy and every parse error hide the user name and password."""
    spec = parse_proxy('http://alice:hunter2@proxy.example:3128')
    assert repr(spec) == str(spec) == '<ProxySpec http://***@proxy.example:3128>'
    for bad in ('https://alice:hunter2@proxy.example:3128', 'http://alice:hunter2@h:99999',
                'ftp://alice:hunter2@h:21', 'http://alice:hunter2@h:1/path'):
        with pytest.raises(ValueError) as info:
            parse_proxy(bad, 'HTTPS_PROXY')
        assert 'hunter2' not in str(info.value) and 'alice' not in str(info.value)
        assert 'HTTPS_PROXY' in str(info.value)


@pytest.mark.parametrize('url, words', [
    ('https://proxy.example:443', 'unsupported proxy scheme \'https\''),
    ('socks4://proxy.example:1080', 'use one of http://, socks5://, socks5h://'),
    ('http://', 'names no proxy host'),
    ('http://h:1/x', 'a proxy URL has no path'),
    ('socks5://{}:p@h:1'.format('u' * 256), 'at most 255 bytes'),
])
def test_bad_proxy_urls_say_what_is_valid(url, words):
    """Each malformed proxy URL is refused with what was wrong and what is accepted."""
    with pytest.raises(ValueError, match='proxy') as info:
        parse_proxy(url, 'proxy=')
    assert words in str(info.value)


def test_manager_checks_proxy_argument_before_any_traffic():
    """proxy= must be a URL, None or False; a bad one raises in BinanceSocketManager()."""
    assert check_proxy_argument(None) is None
    assert check_proxy_argument(False) is False
    with pytest.raises(TypeError, match='None .*False .*no proxy'):
        BinanceSocketManager(None, proxy=True)
    with pytest.raises(TypeError, match="got 'int'"):
        BinanceSocketManager(None, proxy=3128)
    with pytest.raises(ValueError, match='unsupported proxy scheme'):
        BinanceSocketManager(None, proxy='socks4://127.0.0.1:1080')


# -- requests' lookup rules --------------------------------------------------------------

def test_explicit_proxy_wins_and_false_means_direct(env):
    """proxy= beats the client and the environment; proxy=False ignores both."""
    env.setenv('HTTPS_PROXY', 'http://env-proxy:1')
    client = Client('k', 's', requests_params={'proxies': {'https': 'http://client-proxy:2'}})
    own = parse_proxy('socks5h://mine:3')
    assert proxy_for(STREAM, own, client) is own
    assert proxy_for(STREAM, False, client) is None


def test_stream_urls_use_the_https_and_http_entries(env):
    """wss:// is looked up as https://, ws:// as http:// (the REST client's keys)."""
    client = Client('k', 's', requests_params={'proxies': {'https': 'http://secure:1',
                                                           'http': 'http://plain:2'}})
    assert proxy_for(STREAM, None, client).host == 'secure'
    assert proxy_for('ws://127.0.0.1:9000/ws/x', None, client).host == 'plain'


def test_requests_key_order_host_before_scheme_before_all(env):
    """As requests: 'https://host', then 'https', then 'all://host', then 'all'."""
    proxies = {'all': 'http://any:1', 'all://stream.binance.com': 'http://any-host:2',
               'https': 'http://scheme:3', 'https://stream.binance.com': 'http://exact:4'}
    order = ['exact', 'scheme', 'any-host', 'any']
    for expected in order:
        client = Client('k', 's', requests_params={'proxies': dict(proxies)})
        assert proxy_for(STREAM, None, client).host == expected
        del proxies[[k for k, v in proxies.items() if expected + ':' in v][0]]
    assert proxy_for(STREAM, None, Client('k', 's', requests_params={'proxies': proxies})) is None


def test_environment_variables_and_no_proxy(env):
    """HTTPS_PROXY/https_proxy and ALL_PROXY apply unless NO_PROXY names the host or domain."""
    assert proxy_for(STREAM) is None
    env.setenv('ALL_PROXY', 'socks5h://all-proxy:1080')
    assert proxy_for(STREAM).host == 'all-proxy'
    env.setenv('HTTPS_PROXY', 'http://u:p@upper:3128')
    assert proxy_for(STREAM) == ProxySpec('http', 'upper', 3128, 'u', 'p')
    env.setenv('https_proxy', 'http://lower:3128')
    assert proxy_for(STREAM).host == 'lower'   # urllib: the lowercase name wins
    env.setenv('NO_PROXY', 'example.org,.binance.com')
    assert proxy_for(STREAM) is None
    env.setenv('NO_PROXY', 'example.org')
    assert proxy_for(STREAM).host == 'lower'
    env.setenv('no_proxy', '*')
    assert proxy_for(STREAM) is None


def test_client_proxies_beat_environment_and_ignore_no_proxy(env):
    """As requests: the client's own proxies come first and NO_PROXY filters only the environment."""
    env.setenv('HTTPS_PROXY', 'http://env:1')
    env.setenv('NO_PROXY', 'stream.binance.com')
    client = Client('k', 's', requests_params={'proxies': {'https': 'http://client:2'}})
    assert proxy_for(STREAM, None, client).host == 'client'
    env.delenv('NO_PROXY')
    assert proxy_for(STREAM, None, Client('k', 's')).host == 'env'


def test_session_proxies_and_trust_env(env):
    """client.session.proxies count as the client's; trust_env=False ignores the environment."""
    env.setenv('HTTPS_PROXY', 'http://env:1')
    client = Client('k', 's')
    client.session.trust_env = False
    assert proxy_for(STREAM, None, client) is None
    client.session.proxies = {'https': 'socks5h://session:1080'}
    assert proxy_for(STREAM, None, client).host == 'session'


def test_bad_environment_proxy_fails_in_the_callers_thread(env):
    """A malformed HTTPS_PROXY is reported by start_*, naming the variable, before connecting."""
    env.setenv('HTTPS_PROXY', 'https://alice:hunter2@proxy.example:443')
    bm = BinanceSocketManager(None, reactor=MemoryReactorClock())
    with pytest.raises(ValueError) as info:
        bm.start_trade_socket('BNBBTC', lambda msg: None)
    assert 'HTTPS_PROXY' in str(info.value) and 'hunter2' not in str(info.value)
    assert bm._conns == {}


# -- the tunnel handshake on a memory reactor -----------------------------------------------

class FakeStreamFactory:
    """Records what a connector reports, as StreamFactory would receive it."""

    def __init__(self):
        self.failed = []
        self.lost = []
        self.built = []

    def doStart(self):
        pass

    def doStop(self):
        pass

    def startedConnecting(self, connector):
        pass

    def buildProtocol(self, addr):
        from twisted.internet.protocol import Protocol

        class Inner(Protocol):
            def __init__(self):
                self.data = b''

            def dataReceived(self, data):
                self.data += data

        proto = Inner()
        self.built.append(proto)
        return proto

    def clientConnectionFailed(self, connector, reason):
        self.failed.append(reason.value)

    def clientConnectionLost(self, connector, reason):
        self.lost.append(reason)


class TunnelTransport(StringTransport):
    """A StringTransport whose protocol can be swapped (as a TCP transport's)."""

    def __init__(self):
        super().__init__()
        self.aborted = False

    def abortConnection(self):
        self.aborted = True


def _open(proxy_url, host='stream.binance.com', port=9443, timeout=10.0):
    reactor = MemoryReactorClock()
    factory = FakeStreamFactory()
    connector = TunnelConnector(reactor, parse_proxy(proxy_url), factory, host, port, None,
                                timeout)
    connector.connect()
    assert len(reactor.tcpClients) == 1
    proxy_host, proxy_port, tunnel_factory, _, _ = reactor.tcpClients[0]
    proto = tunnel_factory.buildProtocol(None)
    transport = TunnelTransport()
    transport.protocol = proto
    proto.makeConnection(transport)
    return reactor, factory, connector, proto, transport, (proxy_host, proxy_port), tunnel_factory


def test_connect_request_has_host_port_and_basic_auth():
    """The CONNECT names host:port twice and carries Proxy-Authorization: Basic."""
    _, factory, _, proto, transport, address, _ = _open('http://al%20ice:p%40ss@10.1.2.3:3128')
    assert address == ('10.1.2.3', 3128)
    lines = transport.value().decode().split('\r\n')
    assert lines[0] == 'CONNECT stream.binance.com:9443 HTTP/1.1'
    assert 'Host: stream.binance.com:9443' in lines
    token = base64.b64encode(b'al ice:p@ss').decode()
    assert 'Proxy-Authorization: Basic ' + token in lines
    assert transport.value().endswith(b'\r\n\r\n')
    # the answer opens the tunnel: later bytes go to the stream protocol
    proto.dataReceived(b'HTTP/1.1 200 Connection established\r\nVia: x\r\n\r\nHELLO')
    assert [p.data for p in factory.built] == [b'HELLO']
    assert transport.protocol is factory.built[0]
    transport.protocol.dataReceived(b' again')
    assert factory.built[0].data == b'HELLO again' and factory.failed == []


@pytest.mark.parametrize('answer, words', [
    (b'HTTP/1.1 407 Proxy Authentication Required\r\n\r\n',
     'refused the CONNECT: 407 Proxy Authentication Required'),
    (b'HTTP/1.0 403 Forbidden\r\n\r\n', 'refused the CONNECT: 403 Forbidden'),
    (b'SSH-2.0-OpenSSH\r\n\r\n', 'not HTTP'),
    (b'HTTP/1.1 200 OK\r\nX: ' + b'y' * 17000, 'more than 16384 bytes of header'),
])
def test_refused_connect_is_a_proxy_error_naming_the_proxy(answer, words):
    """A non-2xx answer fails the attempt with the status, the proxy named, credentials hidden."""
    reactor, factory, connector, proto, transport, _, tunnel_factory = _open(
        'http://alice:hunter2@10.1.2.3:3128')
    proto.dataReceived(answer)
    assert transport.aborted
    tunnel_factory.clientConnectionLost(None, error.ConnectionLost())
    [exc] = factory.failed
    assert isinstance(exc, ProxyError)
    assert str(exc).startswith('the proxy http://***@10.1.2.3:3128 ')
    assert words in str(exc) and 'hunter2' not in str(exc)
    assert factory.built == [] and connector.state == 'disconnected'


def test_silent_proxy_times_out_on_the_reactor_clock():
    """A proxy that never answers fails the attempt after the connect timeout (clock-driven)."""
    reactor, factory, connector, proto, transport, _, tunnel_factory = _open(
        'http://10.1.2.3:3128', timeout=4.0)
    reactor.advance(3.9)
    assert factory.failed == []
    reactor.advance(0.2)
    [exc] = factory.failed
    assert 'did not open the tunnel to stream.binance.com:9443 within 4 s' in str(exc)
    assert transport.aborted
    tunnel_factory.clientConnectionLost(None, error.ConnectionLost())   # the abort's echo
    assert len(factory.failed) == 1
    connector.connect()   # the reconnect loop may try again
    assert len(reactor.tcpClients) == 2


def test_unreachable_proxy_names_it():
    """A TCP failure towards the proxy becomes 'cannot reach the proxy ...'."""
    reactor, factory, *_ = _open('socks5h://bob:pw@10.9.9.9:1080')
    tunnel_factory = reactor.tcpClients[0][2]
    from twisted.python.failure import Failure
    tunnel_factory.clientConnectionFailed(None, Failure(error.ConnectionRefusedError()))
    assert [str(e) for e in factory.failed] == [
        'cannot reach the proxy socks5h://***@10.9.9.9:1080: connection refused']


def test_stop_connecting_reports_once():
    """stopConnecting (the manager stopping) fails the attempt once; a second call is refused."""
    reactor, factory, connector, *_ = _open('http://10.1.2.3:3128')
    connector.stopConnecting()
    assert [type(e) for e in factory.failed] == [error.UserError]
    with pytest.raises(error.NotConnectingError):
        connector.stopConnecting()


def test_socks5h_handshake_with_password_sends_the_host_name():
    """SOCKS5: methods (none, user/pass), RFC 1929 credentials, CONNECT with a domain name."""
    _, factory, _, proto, transport, _, _ = _open('socks5h://bob:pw@10.1.2.3:1080')
    assert transport.value() == b'\x05\x02\x00\x02'
    transport.clear()
    proto.dataReceived(b'\x05\x02')
    assert transport.value() == b'\x01\x03bob\x02pw'
    transport.clear()
    proto.dataReceived(b'\x01\x00')
    name = b'stream.binance.com'
    assert transport.value() == b'\x05\x01\x00\x03' + bytes([len(name)]) + name + b'\x24\xe3'
    # a reply with a domain-name bound address, split across reads
    proto.dataReceived(b'\x05\x00\x00\x03\x04ab')
    assert factory.built == []
    proto.dataReceived(b'cd\x00\x50TLS')
    assert [p.data for p in factory.built] == [b'TLS']


@pytest.mark.parametrize('replies, words', [
    ([b'\x05\xff'], 'accepts none of our SOCKS5 authentication methods'),
    ([b'\x04\x00'], 'is not a SOCKS5 server'),
    ([b'\x05\x02', b'\x01\x01'], 'refused the SOCKS5 user name and password'),
    ([b'\x05\x00', b'\x05\x04\x00\x01\x00\x00\x00\x00\x00\x00'],
     'refused the SOCKS5 CONNECT to stream.binance.com:9443: host unreachable (code 4)'),
    ([b'\x05\x00', b'\x05\x00\x00\x09\x00'], 'address type 9'),
])
def test_socks5_refusals_say_which_step_failed(replies, words):
    """Each SOCKS5 refusal or malformed reply fails the attempt with its own reason."""
    _, factory, _, proto, transport, _, tunnel_factory = _open('socks5h://bob:pw@10.1.2.3:1080')
    for reply in replies:
        proto.dataReceived(reply)
    assert transport.aborted
    tunnel_factory.clientConnectionLost(None, error.ConnectionLost())
    [exc] = factory.failed
    assert words in str(exc) and 'bob' not in str(exc)


def test_socks5_without_h_sends_an_ip_address():
    """socks5:// with an IP target sends address type 1 (no name leaves the client)."""
    _, factory, _, proto, transport, _, _ = _open('socks5://10.1.2.3:1080', host='127.0.0.1',
                                                  port=9443)
    assert transport.value() == b'\x05\x01\x00'
    transport.clear()
    proto.dataReceived(b'\x05\x00')
    assert transport.value() == b'\x05\x01\x00\x01\x7f\x00\x00\x01\x24\xe3'


def test_local_proxy_routes_only_to_loopback():
    """LocalProxy refuses a route that would leave the machine, and bad options."""
    from binance.testing.proxy import LocalProxy
    with pytest.raises(ValueError, match='loopback'):
        LocalProxy(routes={'stream.binance.com:9443': 'stream.binance.com:9443'})
    with pytest.raises(ValueError, match='host:port'):
        LocalProxy(routes={'stream.binance.com': '127.0.0.1:1'})
    with pytest.raises(ValueError, match='400 to 599'):
        LocalProxy(refuse=200)
    proxy = LocalProxy(routes={'Stream.Binance.com:9443': 'localhost:1'})
    assert proxy.target_for('stream.binance.com', 9443) == ('localhost', 1)
    assert proxy.target_for('example.com', 443) is None
    assert proxy.target_for('127.0.0.2', 80) == ('127.0.0.2', 80)


def test_none_entries_and_session_proxies_follow_requests(env):
    """As requests: the environment beats session.proxies; a None entry removes a key."""
    env.setenv('HTTPS_PROXY', 'http://env:1')
    env.setenv('ALL_PROXY', 'http://all:2')
    client = Client('k', 's')
    client.session.proxies = {'https': 'http://session:3'}
    assert proxy_for(STREAM, None, client).host == 'env'
    client = Client('k', 's', requests_params={'proxies': {'https': None}})
    assert proxy_for(STREAM, None, client).host == 'all'
    client = Client('k', 's', requests_params={'proxies': {'https': None, 'all': None}})
    assert proxy_for(STREAM, None, client) is None
    client = Client('k', 's', requests_params={'proxies': {'no_proxy': 'binance.com'}})
    assert proxy_for(STREAM, None, client) is None


@pytest.mark.parametrize('environ', [{}, {'HTTPS_PROXY': 'http://env:1'},
                                     {'ALL_PROXY': 'socks5h://all:2', 'NO_PROXY': '.binance.com'},
                                     {'https_proxy': 'http://env:1', 'no_proxy': 'example.org'}])
@pytest.mark.parametrize('session_proxies', [{}, {'https': 'http://session:3'}])
@pytest.mark.parametrize('request_proxies', [{}, {'https': None}, {'all': 'http://req-all:4'},
                                             {'no_proxy': 'stream.binance.com'},
                                             {'https://stream.binance.com': 'http://exact:5'}])
def test_same_proxy_as_the_rest_client_would_use(env, environ, session_proxies, request_proxies):
    """For every mix of settings the stream's proxy is the one requests picks for REST."""
    from requests.utils import select_proxy
    for name, value in environ.items():
        env.setenv(name, value)
    client = Client('k', 's', requests_params={'proxies': dict(request_proxies)})
    client.session.proxies = dict(session_proxies)
    url = 'https://stream.binance.com:9443/ws/x'
    merged = client.session.merge_environment_settings(url, dict(request_proxies), None, None,
                                                       None)['proxies']
    expected = select_proxy(url, merged)
    got = proxy_for('wss://stream.binance.com:9443/ws/x', None, client)
    assert (got and '{}://{}:{}'.format(got.scheme, got.host, got.port)) == (expected or None)
