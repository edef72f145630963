"""WebSocket links through an HTTP CONNECT or SOCKS5 proxy.

* :func:`parse_proxy` / :class:`ProxySpec`: a proxy URL
  (``http://user:pass@host:3128``, ``socks5://...``, ``socks5h://...``) checked
  and parsed; its ``repr`` and every message hide the credentials.
* :func:`proxy_for`: which proxy a ``ws://``/``wss://`` URL uses, by the rules
  of requests (the REST client's library): the client's
  ``requests_params['proxies']`` (and ``client.session.proxies``) first, then
  the environment (``HTTPS_PROXY``/``https_proxy``, ``ALL_PROXY``,
  ``NO_PROXY``/``no_proxy``) unless ``client.session.trust_env`` is off.
  A ``wss://`` URL is looked up as ``https://``, ``ws://`` as ``http://``.
* :class:`TunnelConnector`: opens a TCP connection to the proxy, asks it for a
  tunnel to the stream host (HTTP ``CONNECT`` with basic auth, or the SOCKS5
  handshake of RFC 1928 with the username/password method of RFC 1929), then
  starts TLS *inside* the tunnel with the stream host's name — the
  certificate is verified end to end exactly as without a proxy — and hands
  the connection to the WebSocket factory. It behaves as Twisted's connector
  towards the factory (``connect``, ``stopConnecting``, ``disconnect``,
  ``clientConnectionFailed``/``clientConnectionLost``), so the reconnect loop
  of :class:`~binance._streams.protocol.StreamFactory` is unchanged.

No maintained Twisted SOCKS library exists (txsocksx is Python 2 only), so
the SOCKS5 client handshake is this module's own.
"""
import base64
import ipaddress
import os
import struct
from typing import Any, Dict, NamedTuple, Optional, Tuple, Union
from urllib.parse import unquote, urlsplit

from twisted.internet.protocol import ClientFactory, Protocol

__all__ = ['ProxySpec', 'ProxyError', 'parse_proxy', 'proxy_for', 'check_proxy_argument',
           'TunnelConnector', 'open_tunneled', 'PROXY_SCHEMES']

#: the proxy URL schemes accepted (``socks5h``: the proxy resolves the host name)
PROXY_SCHEMES = ('http', 'socks5', 'socks5h')
#: as requests (urllib3): port 80 for an http:// proxy without one, 1080 for SOCKS
_DEFAULT_PORTS = {'http': 80, 'socks5': 1080, 'socks5h': 1080}
#: the longest proxy answer header we read before calling it a failure
_MAX_HEADER = 16384


class ProxyError(ConnectionError):
    """A proxy could not be reached, or refused or broke the tunnel (names the
    proxy with its credentials hidden)."""


class ProxySpec(NamedTuple):
    """A parsed proxy URL; ``str``/``repr`` hide the username and password."""

    scheme: str
    host: str
    port: int
    username: Optional[str] = None
    password: Optional[str] = None

    @property
    def redacted(self) -> str:
        """The proxy URL with ``***`` for any credentials."""
        host = '[{}]'.format(self.host) if ':' in self.host else self.host
        auth = '***@' if self.username is not None else ''
        return '{}://{}{}:{}'.format(self.scheme, auth, host, self.port)

    def __repr__(self) -> str:
        return '<ProxySpec {}>'.format(self.redacted)


def _redact_text(url: str) -> str:
    """``url`` with the user-info part (before ``@``) replaced by ``***``."""
    scheme, sep, rest = url.partition('://')
    if not sep:
        scheme, rest = '', url
    netloc, slash, tail = rest.partition('/')
    if '@' in netloc:
        netloc = '***@' + netloc.rpartition('@')[2]
    return (scheme + sep if sep else '') + netloc + slash + tail


def parse_proxy(url: str, source: str = 'proxy') -> ProxySpec:
    """Parse a proxy URL as requests does (no scheme means ``http://``).

    :param source: what the URL came from, for the error message (e.g.
        ``'HTTPS_PROXY'``).
    :raises TypeError: when ``url`` is not a string.
    :raises ValueError: for another scheme, a missing host, a bad port, a path,
        or credentials longer than SOCKS5 allows; the message hides them.
    """
    if not isinstance(url, str):
        raise TypeError('{} must be a proxy URL string such as "http://host:3128", got {}'.format(
            source, type(url).__name__))
    text = url.strip()
    if '://' not in text:
        text = 'http://' + text
    shown = _redact_text(text)
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as exc:
        raise ValueError('{} {!r} is not a valid proxy URL ({}); expected e.g. '
                         '"http://user:password@host:3128"'.format(
                             source, shown, str(exc).replace(text, shown)))
    scheme = parts.scheme.lower()
    if scheme not in PROXY_SCHEMES:
        hint = (' (a TLS connection to the proxy itself is not supported: use http://)'
                if scheme == 'https' else '')
        raise ValueError('{} {!r}: unsupported proxy scheme {!r}{}; use one of {}'.format(
            source, shown, scheme, hint, ', '.join(s + '://' for s in PROXY_SCHEMES)))
    if not parts.hostname:
        raise ValueError('{} {!r} names no proxy host; expected e.g. "{}://host:{}"'.format(
            source, shown, scheme, _DEFAULT_PORTS[scheme]))
    if parts.path not in ('', '/') or parts.query or parts.fragment:
        raise ValueError('{} {!r}: a proxy URL has no path or query; expected "{}://host:port"'
                         .format(source, shown, scheme))
    username = unquote(parts.username) if parts.username is not None else None
    password = unquote(parts.password) if parts.password is not None else None
    if username is not None and password is None:
        password = ''
    if scheme != 'http' and username is not None:
        if len(username.encode()) > 255 or len((password or '').encode()) > 255:
            raise ValueError('{} {!r}: SOCKS5 allows at most 255 bytes of user name and of '
                             'password'.format(source, shown))
    return ProxySpec(scheme, parts.hostname, port or _DEFAULT_PORTS[scheme], username, password)


def check_proxy_argument(proxy: Any) -> Union[None, bool, ProxySpec]:
    """The socket manager's ``proxy=`` argument checked: ``None`` (look it up),
    ``False`` (never a proxy) or a :class:`ProxySpec`.

    :raises TypeError: for anything but ``None``, ``False``, a string or a
        :class:`ProxySpec`.
    :raises ValueError: for a proxy URL that :func:`parse_proxy` refuses.
    """
    if proxy is None or proxy is False or isinstance(proxy, ProxySpec):
        return proxy
    if proxy is True or not isinstance(proxy, str):
        raise TypeError('proxy must be a proxy URL such as "http://user:password@host:3128" or '
                        '"socks5h://host:1080", None (use the client\'s and the environment\'s '
                        'proxy) or False (no proxy), got {!r}'.format(
                            proxy if isinstance(proxy, bool) else type(proxy).__name__))
    return parse_proxy(proxy, 'proxy=')


def _lookup_url(url: str) -> str:
    """The http(s) URL requests would look ``url`` up as (``wss`` -> ``https``)."""
    if url.startswith('wss://'):
        return 'https://' + url[6:]
    if url.startswith('ws://'):
        return 'http://' + url[5:]
    return url


def proxy_for(url: str, explicit: Union[None, bool, ProxySpec] = None,
              client: Any = None) -> Optional[ProxySpec]:
    """The proxy for the stream URL ``url``, or ``None`` to connect directly.

    :param explicit: the manager's checked ``proxy=``: a :class:`ProxySpec`
        wins, ``False`` means no proxy, ``None`` looks it up.
    :param client: the REST client, whose ``requests_params['proxies']`` and
        ``session.proxies``/``session.trust_env`` apply as they do to REST.
    :raises ValueError: when the chosen proxy URL is malformed (names where it
        came from, credentials hidden).
    """
    if explicit is False:
        return None
    if isinstance(explicit, ProxySpec):
        return explicit
    session = getattr(client, 'session', None)
    params = getattr(client, '_requests_params', None) or {}
    if (not params.get('proxies') and not getattr(session, 'proxies', None)
            and not any(name.lower().endswith('_proxy') for name in os.environ)):
        return None   # no proxy anywhere: no need to import requests' lookup (about 7 MB)
    from requests.utils import get_environ_proxies, select_proxy
    # as requests' Session.request: the request's proxies, the environment's for
    # the keys they lack (NO_PROXY applies to those only), then the session's
    # underneath; a key set to None removes the entry
    request: Dict[str, Optional[str]] = dict(params.get('proxies') or {})
    origin = {key: 'the client\'s requests_params proxies[{!r}]'.format(key) for key in request}
    target = _lookup_url(url)
    if getattr(session, 'trust_env', True):
        for key, value in get_environ_proxies(target, no_proxy=request.get('no_proxy')).items():
            if key not in request:
                request[key] = value
                origin[key] = '{}_PROXY (or {}_proxy) in the environment'.format(key.upper(),
                                                                                 key)
    merged: Dict[str, Optional[str]] = {}
    for key, value in (getattr(session, 'proxies', None) or {}).items():
        merged[key] = value
        origin.setdefault(key, 'client.session.proxies[{!r}]'.format(key))
    merged.update(request)
    proxies = {key: value for key, value in merged.items() if value is not None}
    chosen = select_proxy(target, proxies)
    if not chosen:
        return None
    key = next(k for k in _proxy_keys(target) if proxies.get(k) == chosen)
    return parse_proxy(chosen, origin.get(key, 'proxy'))


def _proxy_keys(url: str) -> Tuple[str, ...]:
    parts = urlsplit(url)
    host = parts.hostname or ''
    return (parts.scheme + '://' + host, parts.scheme, 'all://' + host, 'all')


# -- the tunnel -----------------------------------------------------------------------

def _socks_address(host: str, remote_dns: bool) -> bytes:
    """SOCKS5 ``ATYP`` + address for ``host`` (a literal IP, else a domain name)."""
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        ip = None
    if ip is not None:
        return (b'\x01' if ip.version == 4 else b'\x04') + ip.packed
    name = host.encode('idna')
    if not remote_dns:  # pragma: no cover - resolved by the connector before this
        raise ValueError('socks5:// needs an IP address here')
    if len(name) > 255:
        raise ProxyError('the host name {!r} is too long for SOCKS5'.format(host))
    return b'\x03' + bytes([len(name)]) + name


_SOCKS_REPLIES = {
    1: 'general SOCKS server failure', 2: 'connection not allowed by ruleset',
    3: 'network unreachable', 4: 'host unreachable', 5: 'connection refused',
    6: 'TTL expired', 7: 'command not supported', 8: 'address type not supported',
}


class _Refused(Exception):
    """The proxy answered but did not open the tunnel."""


class _TunnelProtocol(Protocol):
    """Speaks to the proxy until the tunnel is open, then hands the transport over."""

    transport: Any

    def __init__(self, connector: 'TunnelConnector') -> None:
        self.connector = connector
        self._buffer = b''
        self._step = ''
        self.done = False

    def connectionMade(self) -> None:
        connector = self.connector
        if connector.proxy.scheme == 'http':
            self._step = 'http'
            self.transport.write(connector.connect_request())
        else:
            self._step = 'socks-method'
            methods = b'\x00\x02' if connector.proxy.username is not None else b'\x00'
            self.transport.write(b'\x05' + bytes([len(methods)]) + methods)

    def dataReceived(self, data: bytes) -> None:
        if self.done:
            return
        self._buffer += data
        try:
            while not self.done and self._advance():
                pass
        except _Refused as exc:
            self.done = True
            self.connector.refused(str(exc))
            self.transport.abortConnection()

    def connectionLost(self, reason: Any = None) -> None:
        pass  # the connector hears of it from the TCP connector (clientConnectionLost)

    def _take(self, n: int) -> Optional[bytes]:
        if len(self._buffer) < n:
            return None
        head, self._buffer = self._buffer[:n], self._buffer[n:]
        return head

    def _advance(self) -> bool:
        """Handle what the buffer holds; ``True`` to look again."""
        step = self._step
        if step == 'http':
            end = self._buffer.find(b'\r\n\r\n')
            if end < 0:
                if len(self._buffer) > _MAX_HEADER:
                    raise _Refused('answered the CONNECT with more than {} bytes of header'
                                   .format(_MAX_HEADER))
                return False
            header = self._buffer[:end].decode('latin-1')
            self._buffer = self._buffer[end + 4:]
            status = header.split('\r\n', 1)[0]
            fields = status.split(' ', 2)
            if len(fields) < 2 or not fields[0].startswith('HTTP/') or not fields[1].isdigit():
                raise _Refused('answered the CONNECT with {!r}, not HTTP'.format(status[:80]))
            if not fields[1].startswith('2'):
                raise _Refused('refused the CONNECT: {}'.format(' '.join(fields[1:]).strip()))
            self._open()
            return False
        if step == 'socks-method':
            reply = self._take(2)
            if reply is None:
                return False
            if reply[0] != 5:
                raise _Refused('is not a SOCKS5 server (answered {!r})'.format(reply))
            if reply[1] == 0:
                self._socks_request()
            elif reply[1] == 2 and self.connector.proxy.username is not None:
                proxy = self.connector.proxy
                user = (proxy.username or '').encode()
                password = (proxy.password or '').encode()
                self._step = 'socks-auth'
                self.transport.write(b'\x01' + bytes([len(user)]) + user
                                     + bytes([len(password)]) + password)
            else:
                raise _Refused('accepts none of our SOCKS5 authentication methods ({})'.format(
                    'user name/password, none' if self.connector.proxy.username is not None
                    else 'none: it may need a user name and password'))
            return True
        if step == 'socks-auth':
            reply = self._take(2)
            if reply is None:
                return False
            if reply[1] != 0:
                raise _Refused('refused the SOCKS5 user name and password')
            self._socks_request()
            return True
        if step == 'socks-reply':
            if len(self._buffer) < 5:
                return False
            version, code, _, atyp, first = self._buffer[:5]
            if version != 5:
                raise _Refused('sent a malformed SOCKS5 reply')
            if code != 0:
                raise _Refused('refused the SOCKS5 CONNECT to {}: {} (code {})'.format(
                    self.connector.target, _SOCKS_REPLIES.get(code, 'unknown error'), code))
            size = {1: 4, 4: 16, 3: 1 + first}.get(atyp)
            if size is None:
                raise _Refused('sent a SOCKS5 reply with address type {}'.format(atyp))
            if self._take(4 + size + 2) is None:
                return False
            self._open()
            return False
        return False

    def _socks_request(self) -> None:
        connector = self.connector
        self._step = 'socks-reply'
        self.transport.write(b'\x05\x01\x00' + _socks_address(
            connector.tunnel_host, connector.proxy.scheme == 'socks5h')
            + struct.pack('>H', connector.port))

    def _open(self) -> None:
        self.done = True
        self.connector.tunnel_open(self.transport, self._buffer)
        self._buffer = b''


class _TunnelFactory(ClientFactory):
    """The TCP connection to the proxy: reports to the :class:`TunnelConnector`."""

    noisy = False

    def __init__(self, connector: 'TunnelConnector') -> None:
        self.connector = connector

    def buildProtocol(self, addr: Any) -> _TunnelProtocol:
        proto = _TunnelProtocol(self.connector)
        self.connector.tunnel_protocol = proto
        return proto

    def clientConnectionFailed(self, tcp_connector: Any, reason: Any) -> None:
        self.connector.tcp_failed(reason)

    def clientConnectionLost(self, tcp_connector: Any, reason: Any) -> None:
        self.connector.tcp_lost(reason)


def _describe(reason: Any) -> str:
    from twisted.internet import error
    exc = getattr(reason, 'value', reason)
    if isinstance(exc, error.ConnectionRefusedError):
        return 'connection refused'
    if isinstance(exc, error.TimeoutError):
        return 'timed out'
    if isinstance(exc, error.DNSLookupError):
        return 'its host name does not resolve'
    text = str(exc) or type(exc).__name__
    return text[:200]


class TunnelConnector:
    """A connector (as Twisted's) whose connections run through a proxy tunnel.

    :param reactor: the reactor for the TCP connection and the timeout.
    :param proxy: the proxy.
    :param factory: the WebSocket client factory (builds the protocol, hears
        ``clientConnectionFailed``/``clientConnectionLost`` with this connector).
    :param host: the stream host (sent to the proxy, and the TLS server name).
    :param port: the stream port.
    :param tls_options: client TLS options for ``wss://`` (TLS inside the
        tunnel), ``None`` for ``ws://``.
    :param timeout: seconds for reaching the proxy and opening the tunnel.
    """

    def __init__(self, reactor: Any, proxy: ProxySpec, factory: Any, host: str, port: int,
                 tls_options: Any, timeout: float) -> None:
        self.reactor = reactor
        self.proxy = proxy
        self.factory = factory
        self.host = host
        self.port = port
        self.tls_options = tls_options
        self.timeout = timeout
        #: what the proxy is asked to connect to (an address for socks5://)
        self.tunnel_host = host
        self.state = 'disconnected'
        self.tunnel_protocol: Optional[_TunnelProtocol] = None
        self._tcp: Any = None
        self._timer: Any = None
        self._failure: Optional[str] = None
        self._factory_started = False

    @property
    def target(self) -> str:
        """``host:port`` of the stream server, as sent to the proxy."""
        host = '[{}]'.format(self.tunnel_host) if ':' in self.tunnel_host else self.tunnel_host
        return '{}:{}'.format(host, self.port)

    def connect_request(self) -> bytes:
        """The HTTP ``CONNECT`` request (with basic auth when the proxy has credentials)."""
        lines = ['CONNECT {0} HTTP/1.1'.format(self.target), 'Host: {}'.format(self.target)]
        proxy = self.proxy
        if proxy.username is not None:
            token = base64.b64encode('{}:{}'.format(proxy.username, proxy.password or '')
                                     .encode('utf-8')).decode('ascii')
            lines.append('Proxy-Authorization: Basic ' + token)
        lines.append('User-Agent: python-binance-twisted')
        return ('\r\n'.join(lines) + '\r\n\r\n').encode('latin-1', 'replace')

    # -- Twisted's IConnector -----------------------------------------------------

    def getDestination(self) -> Any:
        from twisted.internet.address import HostnameAddress
        return HostnameAddress(self.host.encode('idna'), self.port)

    def connect(self) -> None:
        """Start one attempt (again after a failure or a lost connection)."""
        if self.state != 'disconnected':
            raise RuntimeError('can\'t connect in this state')
        self.state = 'connecting'
        self._failure = None
        self.tunnel_protocol = None
        if not self._factory_started:
            self.factory.doStart()
            self._factory_started = True
        self._timer = self.reactor.callLater(self.timeout, self._timed_out)
        self.factory.startedConnecting(self)
        if self.proxy.scheme == 'socks5' and not _is_ip(self.host):
            d = self.reactor.resolve(self.host)
            d.addCallbacks(self._resolved, self._not_resolved)
        else:
            self._open_tcp()

    def _resolved(self, address: str) -> None:
        if self.state == 'connecting':
            self.tunnel_host = address
            self._open_tcp()

    def _not_resolved(self, failure: Any) -> None:
        if self.state == 'connecting':
            self._fail('cannot resolve {} locally for socks5:// ({}; socks5h:// lets the proxy '
                       'resolve it)'.format(self.host, _describe(failure)))

    def _open_tcp(self) -> None:
        self._tcp = self.reactor.connectTCP(self.proxy.host, self.proxy.port,
                                            _TunnelFactory(self), timeout=self.timeout)

    def stopConnecting(self) -> None:
        from twisted.internet import error
        if self.state != 'connecting':
            raise error.NotConnectingError('we\'re not trying to connect')
        self.state = 'aborting'   # what the aborted TCP connection reports is not news
        self._abort_tcp()
        self._fail_with(error.UserError())

    def disconnect(self) -> None:
        if self.state == 'connecting':
            self.stopConnecting()
        elif self.state == 'connected' and self._tcp is not None:
            transport = getattr(self._tcp, 'transport', None)
            if transport is not None:
                transport.loseConnection()

    # -- what the proxy connection reports -------------------------------------------

    def refused(self, why: str) -> None:
        """The proxy answered but did not open the tunnel (the TCP connection is closing)."""
        self._failure = 'the proxy {} {}'.format(self.proxy.redacted, why)

    def tunnel_open(self, transport: Any, rest: bytes) -> None:
        """The tunnel is open: TLS inside it, then the WebSocket protocol on top."""
        self._cancel_timer()
        if self.state != 'connecting':
            transport.abortConnection()
            return
        self.state = 'connected'
        proto = self.factory.buildProtocol(transport.getPeer())
        if proto is None:  # pragma: no cover - our factories always build one
            transport.loseConnection()
            return
        top = proto
        if self.tls_options is not None:
            # TLS inside the tunnel, layered as connectSSL does (the stream
            # protocol's transport is the TLS protocol, as autobahn expects)
            from twisted.protocols.tls import TLSMemoryBIOFactory
            tls_factory = TLSMemoryBIOFactory(self.tls_options, True, self.factory)
            top = tls_factory.protocol(tls_factory, proto)
        # the TCP transport now delivers to the stream protocol (through TLS for
        # wss://): the tunnel's own protocol is out of the data path
        transport.protocol = top
        top.makeConnection(transport)
        if rest:
            top.dataReceived(rest)

    def tcp_failed(self, reason: Any) -> None:
        if self.state == 'connecting':
            self._fail('cannot reach the proxy {}: {}'.format(self.proxy.redacted,
                                                              _describe(reason)))

    def tcp_lost(self, reason: Any) -> None:
        if self.state == 'connecting':
            self._fail(self._failure or 'the proxy {} closed the connection before opening '
                       'the tunnel to {}'.format(self.proxy.redacted, self.target))
        elif self.state == 'connected':
            self.state = 'disconnected'
            self.factory.clientConnectionLost(self, reason)
            self._stop_factory()

    # -- helpers --------------------------------------------------------------------------

    def _timed_out(self) -> None:
        self._timer = None
        if self.state == 'connecting':
            self.state = 'aborting'
            self._abort_tcp()
            self._fail('the proxy {} did not open the tunnel to {} within {:g} s'.format(
                self.proxy.redacted, self.target, self.timeout))

    def _abort_tcp(self) -> None:
        tcp, self._tcp = self._tcp, None
        if tcp is None:
            return
        proto = self.tunnel_protocol
        if proto is not None and proto.transport is not None:
            proto.done = True
            proto.transport.abortConnection()
        elif getattr(tcp, 'state', '') == 'connecting':
            tcp.stopConnecting()

    def _cancel_timer(self) -> None:
        timer, self._timer = self._timer, None
        if timer is not None and timer.active():
            timer.cancel()

    def _fail(self, message: str) -> None:
        self._fail_with(ProxyError(message))

    def _fail_with(self, exc: BaseException) -> None:
        from twisted.python.failure import Failure
        self._cancel_timer()
        self.state = 'disconnected'
        self._tcp = None
        self.factory.clientConnectionFailed(self, Failure(exc))
        self._stop_factory()

    def _stop_factory(self) -> None:
        if self.state == 'disconnected' and self._factory_started:
            self._factory_started = False
            self.factory.doStop()


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def open_tunneled(proxy: ProxySpec) -> Any:
    """A replacement for autobahn's ``connectWS`` that connects through ``proxy``:
    called as ``open(factory, tls_options, timeout=...)``, returns the connector."""

    def open_link(factory: Any, tls_options: Any = None, timeout: float = 30) -> TunnelConnector:
        connector = TunnelConnector(factory.reactor, proxy, factory, factory.host, factory.port,
                                    tls_options if factory.isSecure else None, timeout)
        connector.connect()
        return connector

    return open_link
