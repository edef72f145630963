"""The client's half of a local replay's lockstep (see ``binance/testing/replay/lockstep.py``).

Connecting to a loopback address, a link asks for lockstep in its opening
handshake (:data:`HEADER`); only a local exchange replaying at ``speed=0``
answers with it. On such a connection every message is acknowledged with
one :data:`ACK` binary frame once ``onMessage`` (the script's callbacks)
returned, so the replay never runs ahead of the script. Anywhere else
nothing changes: no header is sent to a remote host, and the per-message
path is untouched unless the server agreed.
"""
import ipaddress
import weakref
from typing import Any, Dict
from urllib.parse import urlsplit

__all__ = ['HEADER', 'ACK', 'request_headers', 'agreed', 'acknowledge_messages',
           'watch', 'sockets_connecting']

#: The handshake header (request and answer), value ``ack``.
HEADER = 'X-Local-Replay-Lockstep'
#: The acknowledgement frame (binary, one byte).
ACK = b'\x06'

_managers: 'weakref.WeakSet[Any]' = weakref.WeakSet()


def request_headers(url: str) -> Dict[str, str]:
    """The extra handshake headers for ``url``: the lockstep offer on loopback only."""
    host = urlsplit(url).hostname or ''
    if host == 'localhost':
        return {HEADER: 'ack'}
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        return {}
    return {HEADER: 'ack'} if loopback else {}


def agreed(response: Any) -> bool:
    """True when the server's handshake answer accepted lockstep."""
    headers = getattr(response, 'headers', None) or {}
    return headers.get(HEADER.lower()) == 'ack'


def acknowledge_messages(protocol: Any) -> None:
    """Make ``protocol`` send :data:`ACK` after handling each message."""
    handle = type(protocol).onMessage

    def on_message(payload: bytes, isBinary: bool) -> None:
        try:
            handle(protocol, payload, isBinary)
        finally:
            if protocol.state == protocol.STATE_OPEN:
                protocol.sendMessage(ACK, isBinary=True)
    protocol.onMessage = on_message


def watch(manager: Any) -> None:
    """Count ``manager``'s sockets in :func:`sockets_connecting` (held weakly)."""
    _managers.add(manager)


def sockets_connecting(url_prefix: str = '') -> bool:
    """True while a socket manager of this process whose stream or WebSocket API
    URL starts with ``url_prefix`` (a local exchange's stream URL) has a socket
    still connecting: a lockstep replay waits for the script's sockets, and
    for no other."""
    for manager in list(_managers):
        urls = (str(getattr(manager, 'STREAM_URL', '')), str(getattr(manager, 'WS_API_URL', '')))
        if any(url.startswith(url_prefix) for url in urls) and manager.connecting_socket_count():
            return True
    return False
