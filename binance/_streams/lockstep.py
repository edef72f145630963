"""The client's half of a local replay's lockstep (see ``binance/testing/replay/lockstep.py``).

Connecting to a loopback address, a link offers lockstep in its opening
handshake (:data:`HEADER`, value ``ack; handoff=<this process's token>``);
only a local exchange replaying at ``speed=0`` answers, in one of two ways:

* ``handoff``: the exchange runs in this very process (the token is ours)
  and hands every message of the connection to the protocol's ``onMessage``
  in memory, one event at a time, instead of writing frames to the socket.
  What the script sends (WebSocket API requests, ``SUBSCRIBE``) still goes
  through the socket; the exchange counts it (:func:`bind`) so the replay
  waits until it has read it.
* ``ack``: the exchange is in another process; every message is
  acknowledged with one :data:`ACK` binary frame once ``onMessage`` (the
  script's callbacks) returned.

Either way the replay never runs ahead of the script. Anywhere else nothing
changes: no header is sent to a remote host, and the per-message path is
untouched unless the server agreed.
"""
import ipaddress
import secrets
import weakref
from typing import Any, Callable, Dict, Optional, Tuple
from urllib.parse import urlsplit

__all__ = ['HEADER', 'ACK', 'HANDOFF', 'PROCESS_TOKEN', 'request_headers', 'parse_offer',
           'acknowledge_messages', 'connection_made', 'on_connect', 'claim', 'bind',
           'watch', 'sockets_connecting']

#: The handshake header (request and answer).
HEADER = 'X-Local-Replay-Lockstep'
#: The acknowledgement frame (binary, one byte).
ACK = b'\x06'
#: The server's answer when it hands messages over in memory.
HANDOFF = 'handoff'
#: Names this process in the offer: a local exchange that sees its own token
#: knows the client shares its process (and its reactor).
PROCESS_TOKEN = secrets.token_hex(8)
_OFFER = 'ack; handoff=' + PROCESS_TOKEN

_managers: 'weakref.WeakSet[Any]' = weakref.WeakSet()
#: protocols that offered a handoff, by (client host, client port, server host, server
#: port), from their TCP connection until the handshake's answer
_offered: 'weakref.WeakValueDictionary[Tuple[Any, ...], Any]' = weakref.WeakValueDictionary()


def request_headers(url: str) -> Dict[str, str]:
    """The extra handshake headers for ``url``: the lockstep offer on loopback only."""
    host = urlsplit(url).hostname or ''
    if host == 'localhost':
        return {HEADER: _OFFER}
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        return {}
    return {HEADER: _OFFER} if loopback else {}


def parse_offer(value: Optional[str]) -> Tuple[bool, Optional[str]]:
    """``(lockstep asked, handoff token or None)`` of a request's :data:`HEADER` value
    (``'ack'`` alone from a client that knows only acknowledgements)."""
    if not value:
        return False, None
    parts = [part.strip() for part in value.split(';')]
    if parts[0] != 'ack':
        return False, None
    for part in parts[1:]:
        if part.startswith('handoff='):
            return True, part[len('handoff='):]
    return True, None


def _key(transport: Any, server_side: bool) -> Optional[Tuple[Any, ...]]:
    try:
        mine, other = transport.getHost(), transport.getPeer()
    except Exception:
        return None
    client, server = (other, mine) if server_side else (mine, other)
    return (getattr(client, 'host', None), getattr(client, 'port', None),
            getattr(server, 'host', None), getattr(server, 'port', None))


def connection_made(protocol: Any) -> None:
    """Note ``protocol`` (its TCP connection just made) as offering a handoff, when its
    factory sends the offer: a local exchange of this process may claim it."""
    headers = getattr(protocol.factory, 'headers', None) or {}
    if headers.get(HEADER) != _OFFER:
        return
    key = _key(protocol.transport, server_side=False)
    if key is not None:
        _offered[key] = protocol


def on_connect(protocol: Any, response: Any) -> None:
    """The server's handshake answer: acknowledge each message after ``ack``; after
    ``handoff`` the exchange already took over (:func:`claim`)."""
    if _offered:
        key = _key(protocol.transport, server_side=False)
        if key is not None and _offered.get(key) is protocol:
            del _offered[key]
    headers = getattr(response, 'headers', None) or {}
    answer = headers.get(HEADER.lower())
    if answer == 'ack':
        acknowledge_messages(protocol)
    elif answer == HANDOFF:
        ready = getattr(protocol, 'lockstep_ready', None)
        if ready is not None:
            ready()


def claim(token: Optional[str], transport: Any) -> Any:
    """The server's half: the client protocol of this process at the other end of
    the server connection ``transport``, when it offered a handoff with our token;
    else ``None``."""
    if token != PROCESS_TOKEN:
        return None
    key = _key(transport, server_side=True)
    return _offered.pop(key, None) if key is not None else None


def bind(protocol: Any, on_send: Callable[[], Any], on_ready: Callable[[], Any]) -> None:
    """Hand-off terms for the claimed client ``protocol``: ``on_send()`` after each
    message it sends (the exchange counts them until it read them), ``on_ready()``
    once it read the handshake's answer (messages can be handed to it from then on)."""
    send = type(protocol).sendMessage

    def send_message(payload: bytes, isBinary: bool = False, *args: Any, **kwargs: Any) -> Any:
        result = send(protocol, payload, isBinary, *args, **kwargs)
        on_send()
        return result
    protocol.sendMessage = send_message
    protocol.lockstep_ready = on_ready


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
        if not manager.connecting_socket_count():     # the usual answer, and the cheaper look
            continue
        urls = (str(getattr(manager, 'STREAM_URL', '')), str(getattr(manager, 'WS_API_URL', '')))
        if any(url.startswith(url_prefix) for url in urls):
            return True
    return False
