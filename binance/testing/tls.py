"""Generated TLS material for the local exchange.

The local exchange can serve ``https://`` and ``wss://`` on loopback. It needs
a certificate authority (given to clients as the trust root) and a server
certificate signed by it whose subject alternative names are the host names
the client connects to. This module generates both with ``cryptography``
(EC P-256 keys, which take microseconds to create) and writes them as PEM
files.

Within one process the material is cached: every call without ``directory``
and with the same arguments returns the same files, and all such material is
signed by one process-wide CA. A certificate for the wrong host name is
therefore still *trusted* by a client that trusts the exchange's CA — exactly
what a host-name verification test needs — while ``self_signed=True`` gives a
certificate no generated CA vouches for.

Example::

    from binance.testing.tls import make_tls_material, server_tls_options

    material = make_tls_material()              # CA + cert for localhost/127.0.0.1
    options = server_tls_options(material)      # for reactor.listenSSL
    wrong = make_tls_material(hostnames=('wrong.invalid',))   # same CA, wrong name
    untrusted = make_tls_material(self_signed=True)           # nobody's CA
"""
import atexit
import datetime
import ipaddress
import os
import shutil
import tempfile
import threading
from typing import Any, Dict, Iterable, NamedTuple, Optional, Tuple, Union

__all__ = ['TLSMaterial', 'make_tls_material', 'server_tls_options', 'client_tls_options']

_VALIDITY = datetime.timedelta(days=365)
_BACKDATE = datetime.timedelta(days=1)


class TLSMaterial(NamedTuple):
    """PEM files (and their contents) of a generated CA and server certificate.

    :ivar ca_file: path of the CA certificate PEM — the trust root to give clients
        (for ``self_signed`` material: the server certificate itself).
    :ivar cert_file: path of the server certificate PEM.
    :ivar key_file: path of the server private key PEM (unencrypted).
    :ivar ca_key_file: path of the CA private key PEM (``None`` for self-signed material).
    :ivar hostnames: the DNS names / IP addresses in the certificate's SANs.
    :ivar directory: the directory holding the files.
    :ivar ca_pem: bytes of ``ca_file``.
    :ivar cert_pem: bytes of ``cert_file``.
    :ivar key_pem: bytes of ``key_file``.
    """

    ca_file: str
    cert_file: str
    key_file: str
    ca_key_file: Optional[str]
    hostnames: Tuple[str, ...]
    directory: str
    ca_pem: bytes
    cert_pem: bytes
    key_pem: bytes

    def __repr__(self) -> str:  # keep key material out of reprs and logs
        return 'TLSMaterial(cert_file={!r}, hostnames={!r})'.format(self.cert_file, self.hostnames)


class _CA(NamedTuple):
    key: Any
    cert: Any
    cert_pem: bytes
    key_pem: bytes


_lock = threading.Lock()
_process_ca: Optional[_CA] = None
_cache: Dict[Tuple[Any, ...], TLSMaterial] = {}
_temp_dirs = []


def _cleanup_temp_dirs() -> None:
    for path in _temp_dirs:
        shutil.rmtree(path, ignore_errors=True)


atexit.register(_cleanup_temp_dirs)


def _new_key() -> Any:
    from cryptography.hazmat.primitives.asymmetric import ec
    return ec.generate_private_key(ec.SECP256R1())


def _pem_key(key: Any) -> bytes:
    from cryptography.hazmat.primitives import serialization
    return key.private_bytes(serialization.Encoding.PEM,
                             serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def _pem_cert(cert: Any) -> bytes:
    from cryptography.hazmat.primitives import serialization
    return cert.public_bytes(serialization.Encoding.PEM)


def _name(common_name: str) -> Any:
    from cryptography import x509
    from cryptography.x509.oid import NameOID
    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, 'binance.testing'),
                      x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _make_ca() -> _CA:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    key = _new_key()
    now = datetime.datetime.now(datetime.timezone.utc)
    name = _name('binance.testing local CA')
    cert = (x509.CertificateBuilder()
            .subject_name(name).issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - _BACKDATE).not_valid_after(now + _VALIDITY)
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False,
                                         key_encipherment=False, data_encipherment=False,
                                         key_agreement=False, key_cert_sign=True, crl_sign=True,
                                         encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                           critical=False)
            .sign(key, hashes.SHA256()))
    return _CA(key, cert, _pem_cert(cert), _pem_key(key))


def _san_entries(hostnames: Iterable[str]) -> list:
    from cryptography import x509
    entries = []
    for host in hostnames:
        try:
            entries.append(x509.IPAddress(ipaddress.ip_address(host)))
        except ValueError:
            entries.append(x509.DNSName(host))
    return entries


def _make_server_cert(hostnames: Tuple[str, ...], ca: Optional[_CA]) -> Tuple[Any, Any]:
    """A server key and certificate; signed by ``ca``, or self-signed when it is None."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.x509.oid import ExtendedKeyUsageOID
    key = _new_key()
    now = datetime.datetime.now(datetime.timezone.utc)
    subject = _name(hostnames[0])
    issuer_key = ca.key if ca is not None else key
    builder = (x509.CertificateBuilder()
               .subject_name(subject)
               .issuer_name(ca.cert.subject if ca is not None else subject)
               .public_key(key.public_key())
               .serial_number(x509.random_serial_number())
               .not_valid_before(now - _BACKDATE).not_valid_after(now + _VALIDITY)
               .add_extension(x509.SubjectAlternativeName(_san_entries(hostnames)), critical=False)
               .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
               .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False,
                                            key_encipherment=False, data_encipherment=False,
                                            key_agreement=False, key_cert_sign=False,
                                            crl_sign=False, encipher_only=False,
                                            decipher_only=False), critical=True)
               .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]),
                              critical=False)
               .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                              critical=False))
    if ca is not None:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.key.public_key()),
            critical=False)
    cert = builder.sign(issuer_key, hashes.SHA256())
    return key, cert


def _ca_from_material(material: TLSMaterial) -> _CA:
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization
    if material.ca_key_file is None:
        raise ValueError('ca must be TLSMaterial made with a CA (not self_signed); '
                         'its ca_key_file is None')
    with open(material.ca_key_file, 'rb') as f:
        key_pem = f.read()
    key = serialization.load_pem_private_key(key_pem, password=None)
    cert = x509.load_pem_x509_certificate(material.ca_pem)
    return _CA(key, cert, material.ca_pem, key_pem)


def _get_process_ca() -> _CA:
    global _process_ca
    if _process_ca is None:
        _process_ca = _make_ca()
    return _process_ca


def _write(directory: str, name: str, data: bytes, private: bool = False) -> str:
    path = os.path.join(directory, name)
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC
    fd = os.open(path, flags, 0o600 if private else 0o644)
    with os.fdopen(fd, 'wb') as f:
        f.write(data)
    return path


def _check_hostnames(hostnames: Union[str, Iterable[str]]) -> Tuple[str, ...]:
    if isinstance(hostnames, (str, bytes)):
        raise TypeError('hostnames must be a sequence of host names or IP addresses, '
                        'e.g. (\'localhost\', \'127.0.0.1\'), not a single string')
    names = tuple(hostnames)
    if not names:
        raise ValueError('hostnames must name at least one DNS name or IP address')
    for host in names:
        if not isinstance(host, str) or not host or any(c.isspace() for c in host):
            raise ValueError('invalid host name {!r}: expected a DNS name or an IP '
                             'address such as \'localhost\' or \'127.0.0.1\''.format(host))
    return names


def make_tls_material(directory: Optional[str] = None,
                      hostnames: Iterable[str] = ('localhost', '127.0.0.1'),
                      *, self_signed: bool = False,
                      ca: Optional[TLSMaterial] = None) -> TLSMaterial:
    """Generate a CA and a server certificate for ``hostnames`` and write them as PEM files.

    :param directory: where to write ``ca.pem``, ``ca-key.pem``, ``server.pem`` and
        ``server-key.pem``; ``None`` uses a temporary directory removed at exit, and
        caches the result for the process (same arguments → same material).
    :param hostnames: DNS names and IP addresses put in the certificate's subject
        alternative names; the first is also its common name. Use e.g.
        ``('wrong.invalid',)`` for a certificate that does not match ``127.0.0.1``.
    :param self_signed: make the server certificate sign itself instead of using a CA;
        a client trusting only the exchange's CA must refuse it. ``ca_file`` is then the
        server certificate itself and ``ca_key_file`` is ``None``.
    :param ca: sign with the CA of this earlier material instead of the process-wide CA
        (or, with ``directory``, a fresh CA).
    :returns: a :class:`TLSMaterial`.
    :raises ValueError: for an empty or malformed host name, or ``self_signed`` with ``ca``.
    :raises TypeError: when ``hostnames`` is a single string.
    """
    names = _check_hostnames(hostnames)
    if self_signed and ca is not None:
        raise ValueError('self_signed=True and ca=... exclude each other: a self-signed '
                         'certificate has no CA')
    if ca is not None and not isinstance(ca, TLSMaterial):
        raise TypeError('ca must be a TLSMaterial, not {}'.format(type(ca).__name__))
    cache_key = (names, self_signed, ca.ca_file if ca is not None else None)
    with _lock:
        if directory is None and cache_key in _cache:
            return _cache[cache_key]
        if self_signed:
            authority = None
        elif ca is not None:
            authority = _ca_from_material(ca)
        elif directory is None:
            authority = _get_process_ca()
        else:
            authority = _make_ca()
        key, cert = _make_server_cert(names, authority)
        if directory is None:
            target = tempfile.mkdtemp(prefix='binance-tls-')
            _temp_dirs.append(target)
        else:
            target = directory
            os.makedirs(target, exist_ok=True)
        cert_pem, key_pem = _pem_cert(cert), _pem_key(key)
        cert_file = _write(target, 'server.pem', cert_pem)
        key_file = _write(target, 'server-key.pem', key_pem, private=True)
        if authority is None:
            ca_pem, ca_file, ca_key_file = cert_pem, cert_file, None
        else:
            ca_pem = authority.cert_pem
            ca_file = _write(target, 'ca.pem', ca_pem)
            ca_key_file = _write(target, 'ca-key.pem', authority.key_pem, private=True)
        material = TLSMaterial(ca_file=ca_file, cert_file=cert_file, key_file=key_file,
                               ca_key_file=ca_key_file, hostnames=names, directory=target,
                               ca_pem=ca_pem, cert_pem=cert_pem, key_pem=key_pem)
        if directory is None:
            _cache[cache_key] = material
        return material


def server_tls_options(material: TLSMaterial) -> Any:
    """A Twisted context factory serving ``material``'s certificate, for ``listenSSL``.

    :param material: from :func:`make_tls_material`.
    :returns: a :class:`twisted.internet.ssl.CertificateOptions`.

    Example::

        port = reactor.listenSSL(0, factory, server_tls_options(make_tls_material()),
                                 interface='127.0.0.1')
    """
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization
    from twisted.internet import ssl
    if not isinstance(material, TLSMaterial):
        raise TypeError('material must be a TLSMaterial from make_tls_material(), not {}'
                        .format(type(material).__name__))
    cert = x509.load_pem_x509_certificate(material.cert_pem)
    key = serialization.load_pem_private_key(material.key_pem, password=None)

    class ServerOptions(ssl.CertificateOptions):
        """Twisted's secure defaults; certificate and key given as ``cryptography`` objects
        (pyOpenSSL deprecates its own X509/PKey types, which ``PrivateCertificate`` uses)."""

        _loaded_into = None

        def getContext(self) -> Any:
            context = super().getContext()
            if context is not self._loaded_into:
                context.use_certificate(cert)
                context.use_privatekey(key)
                context.check_privatekey()
                self._loaded_into = context
            return context

    return ServerOptions()


def client_tls_options(material: TLSMaterial, hostname: str = '127.0.0.1') -> Any:
    """Client TLS options trusting only ``material``'s CA and checking ``hostname``.

    Handy in tests that connect to the local exchange with plain Twisted/autobahn.

    :param material: the material whose ``ca_pem`` is the trust root.
    :param hostname: the name (or IP address) the server certificate must match.
    :returns: an ``IOpenSSLClientConnectionCreator`` for ``connectSSL``/``connectWS``.
    """
    from twisted.internet import ssl
    root = ssl.Certificate.loadPEM(material.ca_pem)
    return ssl.optionsForClientTLS(hostname, trustRoot=root)
