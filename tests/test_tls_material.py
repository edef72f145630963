"""Generated TLS material (binance.testing.tls) and the stream server over TLS."""
import ipaddress
import os
import ssl
import stat

import pytest
from cryptography import x509

from binance import _reactor
from binance.testing.streams import StreamServer
from binance.testing.tls import (
    client_tls_options, make_tls_material, server_tls_options)
from tests.support import wait_until
from tests.test_stream_server import FakeMarket, RawClient


def _load(material):
    return (x509.load_pem_x509_certificate(material.ca_pem),
            x509.load_pem_x509_certificate(material.cert_pem))


def _sans(cert):
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    return (san.get_values_for_type(x509.DNSName), san.get_values_for_type(x509.IPAddress))


def test_server_certificate_is_signed_by_the_ca_with_requested_sans():
    """The server certificate verifies against the CA and names localhost and 127.0.0.1."""
    material = make_tls_material()
    ca, cert = _load(material)
    cert.verify_directly_issued_by(ca)
    assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert _sans(cert) == (['localhost'], [ipaddress.ip_address('127.0.0.1')])
    with open(material.ca_file, 'rb') as f:
        assert f.read() == material.ca_pem


def test_wrong_hostname_material_is_trusted_by_the_same_ca():
    """Material for another host name is signed by the same process CA (only the name is wrong)."""
    good, wrong = make_tls_material(), make_tls_material(hostnames=('wrong.invalid',))
    ca, cert = _load(wrong)
    assert wrong.ca_pem == good.ca_pem
    cert.verify_directly_issued_by(ca)
    assert _sans(cert) == (['wrong.invalid'], [])


def test_self_signed_material_is_not_signed_by_the_ca():
    """self_signed=True gives a certificate the exchange CA did not sign."""
    ca, _ = _load(make_tls_material())
    own = make_tls_material(self_signed=True)
    cert = x509.load_pem_x509_certificate(own.cert_pem)
    with pytest.raises(Exception):
        cert.verify_directly_issued_by(ca)
    assert own.ca_file == own.cert_file and own.ca_key_file is None


def test_material_is_cached_per_process_and_written_to_a_directory(tmp_path):
    """Same arguments reuse the files; a directory gets fresh PEM files, private keys 0600."""
    assert make_tls_material() is make_tls_material()
    material = make_tls_material(str(tmp_path), hostnames=('localhost',))
    assert sorted(os.listdir(tmp_path)) == ['ca-key.pem', 'ca.pem', 'server-key.pem',
                                            'server.pem']
    assert stat.S_IMODE(os.stat(material.key_file).st_mode) == 0o600
    assert material.ca_pem != make_tls_material().ca_pem
    assert 'PRIVATE' not in repr(material)


def test_signing_with_an_earlier_ca(tmp_path):
    """ca=<material> signs the new certificate with that material's CA."""
    first = make_tls_material(str(tmp_path / 'a'))
    second = make_tls_material(str(tmp_path / 'b'), hostnames=('other.invalid',), ca=first)
    ca, _ = _load(first)
    x509.load_pem_x509_certificate(second.cert_pem).verify_directly_issued_by(ca)


def test_bad_hostnames_are_rejected():
    """A bare string or an empty host name is a TypeError/ValueError."""
    with pytest.raises(TypeError, match='sequence'):
        make_tls_material(hostnames='localhost')
    with pytest.raises(ValueError, match='at least one'):
        make_tls_material(hostnames=())
    with pytest.raises(ValueError, match='host name'):
        make_tls_material(hostnames=('bad host',))


@pytest.fixture
def tls_server():
    """A StreamServer serving wss:// with given material on the shared reactor."""
    _reactor.ensure_running()
    servers, clients = [], []

    def start(material):
        server = StreamServer(FakeMarket(), tls_options=server_tls_options(material),
                              ping_interval=0)
        port = _reactor.blocking_call(server.listen)
        servers.append(server)
        return server, port

    def connect(port, context, hostname='127.0.0.1'):
        client = RawClient(port, '/ws/bnbbtc@trade', ssl_context=context,
                           server_hostname=hostname)
        clients.append(client)
        return client

    start.connect = connect
    yield start
    for client in clients:
        client.close()
    for server in servers:
        _reactor.blocking_call(server.stop)


def _trusting(material):
    context = ssl.create_default_context(cafile=material.ca_file)
    assert context.check_hostname and context.verify_mode == ssl.CERT_REQUIRED
    return context


def test_tls_stream_server_accepts_a_client_trusting_the_ca(tls_server):
    """Over wss:// a client that trusts the CA and checks 127.0.0.1 gets its stream."""
    material = make_tls_material()
    server, port = tls_server(material)
    client = tls_server.connect(port, _trusting(material))
    assert client.status == 101
    assert server.push('bnbbtc@trade', {'e': 'trade'}) == 1
    assert client.recv_json() == {'e': 'trade'}


@pytest.mark.parametrize('kind', ['wrong-host', 'self-signed'])
def test_verifying_client_refuses_wrong_or_untrusted_certificates(tls_server, kind):
    """A verifying client refuses a certificate for another host or one the CA did not sign."""
    trusted = make_tls_material()
    served = (make_tls_material(hostnames=('wrong.invalid',)) if kind == 'wrong-host'
              else make_tls_material(self_signed=True))
    server, port = tls_server(served)
    with pytest.raises(ssl.SSLCertVerificationError):
        tls_server.connect(port, _trusting(trusted))


def test_twisted_client_options_verify_the_ip_address(tls_server):
    """client_tls_options() lets an autobahn client reach the server at 127.0.0.1 over TLS."""
    from autobahn.twisted.websocket import (
        WebSocketClientFactory, WebSocketClientProtocol, connectWS)
    material = make_tls_material()
    server, port = tls_server(material)
    received = []

    class Collect(WebSocketClientProtocol):
        def onMessage(self, payload, is_binary):
            received.append(payload)

    factory = WebSocketClientFactory('wss://127.0.0.1:{}/ws/bnbbtc@trade'.format(port))
    factory.protocol = Collect
    connector = _reactor.blocking_call(connectWS, factory,
                                       client_tls_options(material, '127.0.0.1'))
    try:
        server.wait_for_connections(1, timeout=5)
        server.push('bnbbtc@trade', {'e': 'trade'})
        wait_until(lambda: received, message='a message over TLS')
        assert received == [b'{"e":"trade"}']
    finally:
        _reactor.blocking_call(connector.disconnect)
