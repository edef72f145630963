"""A small HTTP CONNECT and SOCKS5 proxy on 127.0.0.1, for trying a proxy setup offline.

:class:`LocalProxy` listens on one port and speaks both protocols (a SOCKS5
client's first byte is 5, an HTTP request's a letter). It opens tunnels
only to loopback addresses and to the targets of its ``routes`` — so a
script can keep Binance's host names (``stream.binance.com:9443``) and
reach a :class:`~binance.testing.LocalExchange` instead, without any
traffic leaving the machine; any other target is refused (HTTP 403, SOCKS5
reply 2, "not allowed by ruleset").

Example::

    from binance.testing import LocalExchange
    from binance.testing.proxy import LocalProxy

    with LocalExchange() as exchange, LocalProxy(auth=('me', 'secret')) as proxy:
        bm = BinanceSocketManager(exchange.client(), proxy=proxy.url('http'))
        ...
        print(proxy.requests)   # what each tunnel was asked for

Everything runs on the reactor thread of :mod:`binance._reactor` (started
if needed), like the local exchange.
"""
import base64
import ipaddress
import struct
import threading
from typing import Any, Dict, List, Mapping, NamedTuple, Optional, Tuple

from twisted.internet.protocol import ClientFactory, Factory, Protocol

from binance import _reactor

__all__ = ['LocalProxy', 'ProxyRequest']

_LOOPBACK_NAMES = ('localhost',)


class ProxyRequest(NamedTuple):
    """One tunnel a client asked for (whether or not it was opened).

    :ivar kind: ``'http'`` (CONNECT) or ``'socks5'``.
    :ivar host: the target host as the client sent it (a name for SOCKS5
        address type 3, i.e. remote DNS, else an IP address).
    :ivar port: the target port.
    :ivar username: the user name the client authenticated with, or ``None``.
    :ivar password: the password it sent, or ``None``.
    :ivar remote_dns: ``True`` when the client sent a host name for the proxy to resolve.
    :ivar answer: what the proxy answered: an HTTP status (``200``, ``403``,
        ``407``, ``502``) or a SOCKS5 reply code (``0`` success).
    """

    kind: str
    host: str
    port: int
    username: Optional[str]
    password: Optional[str]
    remote_dns: bool
    answer: int


def _split_target(text: str) -> Tuple[str, int]:
    host, _, port = text.rpartition(':')
    host = host.strip('[]')
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError('expected host:port, got {!r}'.format(text))
    return host, int(port)


def _is_loopback(host: str) -> bool:
    if host.lower() in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class LocalProxy:
    """An HTTP CONNECT + SOCKS5 proxy on ``127.0.0.1`` (see the module docs).

    :param auth: ``(user, password)`` every client must send (HTTP basic
        ``Proxy-Authorization``, SOCKS5 username/password), or ``None``.
    :param routes: ``{'host:port': 'host:port'}``: tunnels asked for a key go
        to its value (which must be a loopback address).
    :param refuse: answer every CONNECT with this HTTP status (e.g. ``403``)
        and every SOCKS5 request with reply 2, to try a proxy that says no.
    :raises ValueError: for a route that is not ``host:port`` or leaves the machine.
    """

    def __init__(self, *, auth: Optional[Tuple[str, str]] = None,
                 routes: Optional[Mapping[str, str]] = None, refuse: Optional[int] = None) -> None:
        if auth is not None and (len(auth) != 2 or not all(isinstance(x, str) for x in auth)):
            raise ValueError('auth must be a (user, password) pair of strings')
        if refuse is not None and not (isinstance(refuse, int) and 400 <= refuse < 600):
            raise ValueError('refuse must be an HTTP error status from 400 to 599, got {!r}'
                             .format(refuse))
        self.auth = auth
        self.refuse = refuse
        self.routes: Dict[Tuple[str, int], Tuple[str, int]] = {}
        for source, target in (routes or {}).items():
            to = _split_target(target)
            if not _is_loopback(to[0]):
                raise ValueError('a route must lead to a loopback address, got {!r}'.format(target))
            host, port = _split_target(source)
            self.routes[(host.lower(), port)] = to
        #: every tunnel asked for, in order (:class:`ProxyRequest`)
        self.requests: List[ProxyRequest] = []
        self._port: Any = None
        self._open: List[Any] = []
        self._lock = threading.Lock()

    # -- lifecycle -----------------------------------------------------------------------

    def start(self) -> 'LocalProxy':
        """Listen on an ephemeral port of 127.0.0.1 (starts the reactor thread if needed)."""
        if self._port is None:
            _reactor.ensure_running()
            self._port = _reactor.blocking_call(self._listen)
        return self

    def _listen(self) -> Any:
        return _reactor.get_reactor().listenTCP(0, _ProxyFactory(self), interface='127.0.0.1')

    def stop(self) -> None:
        """Stop listening and close every tunnel (idempotent)."""
        port, self._port = self._port, None
        if port is None or _reactor.has_stopped():
            return
        _reactor.blocking_call(self._stop_on_reactor, port)

    def _stop_on_reactor(self, port: Any) -> Any:
        for proto in list(self._open):
            if proto.transport is not None:
                proto.transport.abortConnection()
        return port.stopListening()

    def __enter__(self) -> 'LocalProxy':
        return self.start()

    def __exit__(self, *exc_info: Any) -> None:
        self.stop()

    def __repr__(self) -> str:
        state = 'port={}'.format(self.port) if self._port is not None else 'stopped'
        return '<LocalProxy {} auth={} tunnels={}>'.format(
            state, 'yes' if self.auth else 'no', len(self.requests))

    # -- addresses ------------------------------------------------------------------------

    @property
    def port(self) -> int:
        """The port it listens on."""
        if self._port is None:
            raise RuntimeError('the proxy is not running; call start() first')
        return int(self._port.getHost().port)

    def url(self, scheme: str = 'http', credentials: bool = True) -> str:
        """Its URL for ``proxy=``: ``scheme`` is ``'http'``, ``'socks5'`` or
        ``'socks5h'``; with the ``auth`` credentials unless ``credentials=False``."""
        if scheme not in ('http', 'socks5', 'socks5h'):
            raise ValueError('scheme must be http, socks5 or socks5h, got {!r}'.format(scheme))
        from urllib.parse import quote
        auth = ''
        if credentials and self.auth is not None:
            auth = '{}:{}@'.format(quote(self.auth[0], safe=''), quote(self.auth[1], safe=''))
        return '{}://{}127.0.0.1:{}'.format(scheme, auth, self.port)

    @property
    def open_tunnels(self) -> int:
        """Tunnels open now."""
        return sum(1 for proto in list(self._open) if proto.peer is not None)

    # -- used by the protocol (reactor thread) ------------------------------------------------

    def target_for(self, host: str, port: int) -> Optional[Tuple[str, int]]:
        """Where a tunnel to ``host:port`` goes, ``None`` when it is not allowed."""
        routed = self.routes.get((host.lower(), port))
        if routed is not None:
            return routed
        return (host, port) if _is_loopback(host) else None

    def record(self, request: ProxyRequest) -> None:
        with self._lock:
            self.requests.append(request)


class _Pipe(Protocol):
    """The upstream side of a tunnel: bytes from the target go to the client."""

    transport: Any

    def __init__(self, server: '_ProxyServerProtocol') -> None:
        self.server = server

    def connectionMade(self) -> None:
        self.server.upstream_ready(self)

    def dataReceived(self, data: bytes) -> None:
        if self.server.transport is not None:
            self.server.transport.write(data)

    def connectionLost(self, reason: Any = None) -> None:
        self.server.upstream_lost()


class _ProxyServerProtocol(Protocol):
    """One client of :class:`LocalProxy`: the handshake, then a byte pipe."""

    transport: Any

    def __init__(self, proxy: LocalProxy) -> None:
        self.proxy = proxy
        self.buffer = b''
        self.mode = ''
        self.peer: Optional[_Pipe] = None
        self.username: Optional[str] = None
        self.password: Optional[str] = None
        self.pending: Optional[ProxyRequest] = None

    def connectionMade(self) -> None:
        self.proxy._open.append(self)

    def connectionLost(self, reason: Any = None) -> None:
        if self in self.proxy._open:
            self.proxy._open.remove(self)
        peer, self.peer = self.peer, None
        if peer is not None and peer.transport is not None:
            peer.transport.loseConnection()

    def dataReceived(self, data: bytes) -> None:
        if self.mode == 'pipe':
            if self.peer is not None and self.peer.transport is not None:
                self.peer.transport.write(data)
            return
        self.buffer += data
        if not self.mode:
            self.mode = 'socks-greeting' if self.buffer[:1] == b'\x05' else 'http'
        while self.mode not in ('pipe', 'wait', 'closed') and self._step():
            pass

    # -- the handshakes ----------------------------------------------------------------------

    def _step(self) -> bool:
        if self.mode == 'http':
            return self._http()
        if self.mode == 'socks-greeting':
            return self._socks_greeting()
        if self.mode == 'socks-auth':
            return self._socks_auth()
        if self.mode == 'socks-request':
            return self._socks_request()
        return False

    def _close(self, answer: bytes) -> None:
        self.mode = 'closed'
        self.transport.write(answer)
        self.transport.loseConnection()

    def _http(self) -> bool:
        end = self.buffer.find(b'\r\n\r\n')
        if end < 0:
            if len(self.buffer) > 16384:
                self._close(b'HTTP/1.1 431 Request Header Fields Too Large\r\n\r\n')
            return False
        head, self.buffer = self.buffer[:end].decode('latin-1'), self.buffer[end + 4:]
        lines = head.split('\r\n')
        parts = lines[0].split(' ')
        if len(parts) != 3 or parts[0] != 'CONNECT':
            self._close(b'HTTP/1.1 405 Method Not Allowed\r\nAllow: CONNECT\r\n\r\n')
            return False
        try:
            host, port = _split_target(parts[1])
        except ValueError:
            self._close(b'HTTP/1.1 400 Bad Request\r\n\r\n')
            return False
        for line in lines[1:]:
            name, _, value = line.partition(':')
            if name.strip().lower() == 'proxy-authorization':
                kind, _, token = value.strip().partition(' ')
                if kind.lower() == 'basic':
                    try:
                        user, _, password = base64.b64decode(token).decode('utf-8').partition(':')
                    except ValueError:
                        continue
                    self.username, self.password = user, password
        answer = self._decide(host, port, http=True)
        request = ProxyRequest('http', host, port, self.username, self.password, False, answer)
        if answer == 407:
            self.proxy.record(request)
            self._close(b'HTTP/1.1 407 Proxy Authentication Required\r\n'
                        b'Proxy-Authenticate: Basic realm="binance.testing"\r\n'
                        b'Content-Length: 0\r\n\r\n')
        elif answer != 200:
            self.proxy.record(request)
            self._close('HTTP/1.1 {} {}\r\nContent-Length: 0\r\n\r\n'.format(
                answer, _REASONS.get(answer, 'Refused')).encode())
        else:
            self._connect(request)
        return False

    def _decide(self, host: str, port: int, http: bool) -> int:
        """HTTP status (``http``) or SOCKS5 reply code for a tunnel to ``host:port``."""
        proxy = self.proxy
        if http and proxy.auth is not None and (self.username, self.password) != proxy.auth:
            return 407
        if proxy.refuse is not None:
            return proxy.refuse if http else 2
        if proxy.target_for(host, port) is None:
            return 403 if http else 2
        return 200 if http else 0

    def _socks_greeting(self) -> bool:
        if len(self.buffer) < 2 or len(self.buffer) < 2 + self.buffer[1]:
            return False
        methods = self.buffer[2:2 + self.buffer[1]]
        self.buffer = self.buffer[2 + self.buffer[1]:]
        want = 2 if self.proxy.auth is not None else 0
        if want not in methods:
            self._close(b'\x05\xff')
            return False
        self.transport.write(bytes([5, want]))
        self.mode = 'socks-auth' if want == 2 else 'socks-request'
        return True

    def _socks_auth(self) -> bool:
        buf = self.buffer
        if len(buf) < 2 or len(buf) < 3 + buf[1] or len(buf) < 3 + buf[1] + buf[2 + buf[1]]:
            return False
        ulen = buf[1]
        plen = buf[2 + ulen]
        user = buf[2:2 + ulen].decode('utf-8', 'replace')
        password = buf[3 + ulen:3 + ulen + plen].decode('utf-8', 'replace')
        self.buffer = buf[3 + ulen + plen:]
        self.username, self.password = user, password
        if (user, password) != self.proxy.auth:
            self._close(b'\x01\x01')
            return False
        self.transport.write(b'\x01\x00')
        self.mode = 'socks-request'
        return True

    def _socks_request(self) -> bool:
        buf = self.buffer
        if len(buf) < 5:
            return False
        atyp = buf[3]
        size = {1: 4, 4: 16, 3: 1 + buf[4]}.get(atyp)
        if size is None:
            self._close(b'\x05\x08\x00\x01\x00\x00\x00\x00\x00\x00')
            return False
        if len(buf) < 4 + size + 2:
            return False
        raw = buf[4:4 + size]
        port = struct.unpack('>H', buf[4 + size:6 + size])[0]
        self.buffer = buf[6 + size:]
        if atyp == 3:
            host = raw[1:].decode('idna')
        else:
            host = str(ipaddress.ip_address(raw))
        if buf[1] != 1:  # only CONNECT
            self.proxy.record(ProxyRequest('socks5', host, port, self.username, self.password,
                                           atyp == 3, 7))
            self._close(b'\x05\x07\x00\x01\x00\x00\x00\x00\x00\x00')
            return False
        answer = self._decide(host, port, http=False)
        request = ProxyRequest('socks5', host, port, self.username, self.password, atyp == 3,
                               answer)
        if answer != 0:
            self.proxy.record(request)
            self._close(bytes([5, answer]) + b'\x00\x01\x00\x00\x00\x00\x00\x00')
            return False
        self._connect(request)
        return False

    # -- the tunnel -----------------------------------------------------------------------

    def _connect(self, request: ProxyRequest) -> None:
        self.mode = 'wait'
        self.pending = request
        target = self.proxy.target_for(request.host, request.port)
        assert target is not None
        server = self

        class Upstream(ClientFactory):
            noisy = False

            def buildProtocol(self, addr: Any) -> Any:
                return _Pipe(server)

            def clientConnectionFailed(self, connector: Any, reason: Any) -> None:
                server.upstream_failed()

        _reactor.get_reactor().connectTCP(target[0], target[1], Upstream(), timeout=10)

    def upstream_ready(self, pipe: _Pipe) -> None:
        request, self.pending = self.pending, None
        if self.transport is None or request is None or self.mode == 'closed':
            pipe.transport.loseConnection()
            return
        self.proxy.record(request)
        self.peer = pipe
        self.mode = 'pipe'
        if request.kind == 'http':
            self.transport.write(b'HTTP/1.1 200 Connection established\r\n\r\n')
        else:
            self.transport.write(b'\x05\x00\x00\x01\x7f\x00\x00\x01' + struct.pack(
                '>H', pipe.transport.getHost().port))
        rest, self.buffer = self.buffer, b''
        if rest:
            pipe.transport.write(rest)

    def upstream_failed(self) -> None:
        request, self.pending = self.pending, None
        if request is None or self.transport is None:
            return
        if request.kind == 'http':
            self.proxy.record(request._replace(answer=502))
            self._close(b'HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n')
        else:
            self.proxy.record(request._replace(answer=5))
            self._close(b'\x05\x05\x00\x01\x00\x00\x00\x00\x00\x00')

    def upstream_lost(self) -> None:
        self.peer = None
        if self.transport is not None and self.mode != 'closed':
            self.mode = 'closed'
            self.transport.loseConnection()


class _ProxyFactory(Factory):
    noisy = False

    def __init__(self, proxy: LocalProxy) -> None:
        self.proxy = proxy

    def buildProtocol(self, addr: Any) -> _ProxyServerProtocol:
        return _ProxyServerProtocol(self.proxy)


_REASONS = {400: 'Bad Request', 403: 'Forbidden', 404: 'Not Found',
            405: 'Method Not Allowed', 407: 'Proxy Authentication Required',
            502: 'Bad Gateway', 503: 'Service Unavailable'}
