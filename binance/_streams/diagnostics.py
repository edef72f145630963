"""What a failed connection says in the log, and what autobahn may log at all.

* :func:`handshake_failure`: the real reason an opening handshake failed
  (the server's HTTP status such as 429, a bad ``Sec-WebSocket-Accept``, the
  handshake timeout) instead of Twisted's "Connection was aborted locally
  using ITCPTransport.abortConnection", which is all the connector reports
  because autobahn aborts the TCP connection;
* :func:`describe` / :func:`is_tls_error`: an exception in a few words;
* :class:`RedactedLog`: autobahn's logger for the stream protocols, with
  listen keys taken out. autobahn logs the whole HTTP request of the
  handshake at debug level (``GET /ws/<listenKey> HTTP/1.1``), and frames
  and octets when ``logFrames``/``logOctets`` are on; a listen key lets
  anyone read the account's events for 60 minutes, so every value reaching
  autobahn's log is scrubbed: a path segment after ``/ws/`` that is not a
  stream name (letters and digits only, 16 or more: Binance's listen keys
  are 60) and the value of ``listenKey``/``listenToken`` become
  ``<listen key>``.
"""
import re
from typing import Any, Optional

from twisted.internet import error as twisted_error

__all__ = ['handshake_failure', 'describe', 'is_tls_error', 'RedactedLog', 'redact',
           'REDACTED']

REDACTED = '<listen key>'

_SECRETS = re.compile(
    r'(/ws/)[A-Za-z0-9]{16,}(?![A-Za-z0-9@!_])'
    r'|((?:listenKey|listenToken)["\']?\s*[=:]\s*["\']?)[A-Za-z0-9._-]{16,}')


def _replace(match: 're.Match[str]') -> str:
    return (match.group(1) or match.group(2)) + REDACTED


def redact(value: Any) -> Any:
    """``value`` with listen keys replaced (strings and bytes; anything else as is)."""
    if isinstance(value, str):
        return _SECRETS.sub(_replace, value)
    if isinstance(value, (bytes, bytearray)):
        text = bytes(value).decode('utf-8', 'replace')
        cleaned = _SECRETS.sub(_replace, text)
        return value if cleaned == text else cleaned.encode('utf-8')
    return value


_LEVELS = frozenset(('critical', 'error', 'warn', 'info', 'debug', 'trace', 'failure'))


class RedactedLog:
    """A txaio logger whose every value passes :func:`redact` first.

    Used as the class attribute ``log`` of the stream protocols (autobahn
    logs through ``self.log``). A level that is off costs what it did: the
    logger's own no-op is returned untouched.
    """

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def __get__(self, instance: Any, owner: Any = None) -> 'RedactedLog':
        return self

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._inner, name)
        if name not in _LEVELS or getattr(method, '__name__', '') == '_no_op':
            return method

        def scrubbed(*args: Any, **kwargs: Any) -> Any:
            return method(*[redact(a) for a in args],
                          **{k: redact(v) for k, v in kwargs.items()})
        return scrubbed


def handshake_failure(proto: Any) -> Optional[str]:
    """Why the opening handshake of ``proto`` failed, in words (``None``: it did not,
    or the connection failed before it began).

    autobahn keeps the real reason in ``wasNotCleanReason`` (and the status
    line in ``http_status_line``) before it aborts the connection.
    """
    why = getattr(proto, 'wasNotCleanReason', None)
    if proto is None or not why or getattr(proto, 'opened_ok', False):
        return None
    text = 'the WebSocket handshake failed: {}'.format(str(redact(why))[:300])
    status = getattr(proto, 'http_status_line', None) or ''
    if ' 429' in status or ' 418' in status:
        text += (' (Binance answers 429 when an IP makes too many connection attempts, '
                 'then 418 while it bans it)')
    return text


def is_tls_error(exc: Any) -> bool:
    """Whether ``exc`` is a TLS failure (OpenSSL, or a certificate name mismatch)."""
    try:
        from OpenSSL import SSL
    except ImportError:  # pragma: no cover
        return False
    if isinstance(exc, SSL.Error):
        return True
    try:
        from service_identity import VerificationError
    except ImportError:  # pragma: no cover
        VerificationError = ()  # type: ignore
    return bool(VerificationError) and isinstance(exc, VerificationError)


def describe(exc: Any) -> str:
    """An exception in a few words (at most 300 characters)."""
    if isinstance(exc, twisted_error.ConnectionRefusedError):
        return 'connection refused'
    text = str(exc) or type(exc).__name__
    return text[:300]
