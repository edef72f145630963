"""Twisted plumbing shared by the stream client and the local exchange.

* :func:`client_tls_options`: verified client TLS options (certifi's roots
  plus an optional extra CA file, host name checked); there is no way to
  turn verification off.
* :class:`ReactorTimer`: the stand-in for autobahn's batched timer that
  schedules on an injected reactor, so every handshake and close timeout of
  a WebSocket factory runs on the reactor (or the test's
  :class:`twisted.internet.task.Clock`) it was given.

:class:`binance.websockets.BinanceSocketManager` and
:class:`binance.testing.streams.StreamServer` both use this module.
"""
from typing import Any, Callable, Dict, List, Optional, Tuple

__all__ = ['client_tls_options', 'ReactorTimer', 'TolerantCall', 'use_reactor_timer',
           'pem_blocks']


# -- the timer shim ---------------------------------------------------------------

class TolerantCall:
    """A delayed call whose ``cancel`` may be called after it fired (what autobahn expects)."""

    __slots__ = ('_call',)

    def __init__(self, call: Any):
        self._call = call

    def cancel(self) -> None:
        if self._call.active():
            self._call.cancel()


class ReactorTimer:
    """Stand-in for autobahn's batched timer that uses the injected reactor."""

    def __init__(self, reactor: Any):
        self._reactor = reactor

    def call_later(self, delay: float, func: Callable[..., Any], *args: Any,
                   **kwargs: Any) -> TolerantCall:
        return TolerantCall(self._reactor.callLater(delay, func, *args, **kwargs))


def use_reactor_timer(factory: Any, reactor: Any) -> None:
    """Make an autobahn WebSocket factory schedule its timeouts on ``reactor``."""
    if hasattr(factory, '_batched_timer'):
        factory._batched_timer = ReactorTimer(reactor)


# -- TLS ---------------------------------------------------------------------------

_tls_cache: Dict[Tuple[str, bytes], Any] = {}


def client_tls_options(hostname: str, extra_ca: Optional[str] = None) -> Any:
    """Client TLS options that verify the certificate chain and host name.

    Trusts certifi's root certificates plus, when given, the PEM file
    ``extra_ca``. Host names are checked with ``service_identity``. There is no
    way to turn verification off.

    :param hostname: the host name (or IP address) the certificate must match.
    :param extra_ca: path of a PEM file with one or more extra CA certificates.
    :raises ValueError: if ``extra_ca`` cannot be read.
    """
    pem = b''
    if extra_ca:
        try:
            with open(extra_ca, 'rb') as f:
                pem = f.read()
        except OSError as exc:
            raise ValueError('cannot read the CA file {!r}: {}'.format(extra_ca, exc))
    key = (hostname, pem)
    options = _tls_cache.get(key)
    if options is None:
        from twisted.internet import ssl
        certificates = list(_certifi_roots())
        if pem:
            extra = [ssl.Certificate.loadPEM(block) for block in pem_blocks(pem)]
            if not extra:
                raise ValueError('no PEM certificate found in the CA file {!r}'.format(extra_ca))
            certificates.extend(extra)
        options = ssl.optionsForClientTLS(
            hostname, trustRoot=ssl.trustRootFromCertificates(certificates))
        _tls_cache[key] = options
    return options


_roots: Optional[List[Any]] = None


def _certifi_roots() -> List[Any]:
    """certifi's root certificates, parsed once per process."""
    global _roots
    if _roots is None:
        from twisted.internet import ssl
        roots = []
        try:
            import certifi
            with open(certifi.where(), 'rb') as f:
                bundle = f.read()
        except (ImportError, OSError):  # pragma: no cover - requests depends on certifi
            bundle = b''
        for block in pem_blocks(bundle):
            try:
                roots.append(ssl.Certificate.loadPEM(block))
            except Exception:  # pragma: no cover - a certificate OpenSSL cannot read
                continue
        _roots = roots
    return _roots


_PEM_BEGIN = b'-----BEGIN CERTIFICATE-----'
_PEM_END = b'-----END CERTIFICATE-----'


def pem_blocks(data: bytes) -> List[bytes]:
    """The PEM certificate blocks in ``data``, each ending with a newline."""
    blocks = []
    start = data.find(_PEM_BEGIN)
    while start != -1:
        end = data.find(_PEM_END, start)
        if end == -1:
            break
        end += len(_PEM_END)
        blocks.append(data[start:end] + b'\n')
        start = data.find(_PEM_BEGIN, end)
    return blocks
