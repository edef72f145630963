"""The ceiling: a blocking socket that only splits frames (no Twisted, no autobahn).

It does the opening handshake by hand and then yields the payload of every
complete, unfragmented data frame. It skips everything a real client must do
(validation, control frames, fragments, the closing handshake), which is why
it is a ceiling and not a client.
"""
import base64
import os
import socket
from typing import Iterator, Tuple
from urllib.parse import urlsplit

__all__ = ['raw_connect', 'raw_frames']

_from = int.from_bytes


def raw_connect(url: str, timeout: float = 10.0) -> Tuple[socket.socket, bytes]:
    """Open ``ws://127.0.0.1:P/path`` and do the HTTP upgrade.

    :returns: the connected socket and any bytes read past the response head.
    :raises ConnectionError: when the server does not answer 101.
    """
    parts = urlsplit(url)
    if parts.hostname != '127.0.0.1':
        raise ValueError('the raw benchmark client only connects to 127.0.0.1, not {!r}'.format(
            parts.hostname))
    sock = socket.create_connection((parts.hostname, parts.port or 80), timeout=timeout)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    target = parts.path + ('?' + parts.query if parts.query else '')
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall(('GET {} HTTP/1.1\r\nHost: {}:{}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n'
                  'Sec-WebSocket-Key: {}\r\nSec-WebSocket-Version: 13\r\n\r\n'
                  .format(target, parts.hostname, parts.port, key)).encode())
    data = b''
    while b'\r\n\r\n' not in data:
        chunk = sock.recv(4096)
        if not chunk:
            raise ConnectionError('connection closed during the handshake')
        data += chunk
    head, _, rest = data.partition(b'\r\n\r\n')
    if not head.startswith(b'HTTP/1.1 101'):
        raise ConnectionError('handshake refused: {!r}'.format(head[:80]))
    sock.settimeout(None)
    return sock, rest


def raw_frames(sock: socket.socket, buf: bytes = b'') -> Iterator[bytes]:
    """Yield data-frame payloads until the server sends anything else or closes."""
    recv = sock.recv
    while True:
        pos, end = 0, len(buf)
        while end - pos >= 2:
            b0, n = buf[pos], buf[pos + 1]
            if n < 126:
                start = pos + 2
            elif n == 126:
                start = pos + 4
                if start > end:
                    break
                n = _from(buf[pos + 2:start], 'big')
            else:
                start = pos + 10
                if start > end:
                    break
                n = _from(buf[pos + 2:start], 'big')
            stop = start + n
            if stop > end:
                break
            if b0 & 0x0F not in (1, 2):
                return
            yield buf[start:stop]
            pos = stop
        chunk = recv(262144)
        if not chunk:
            return
        buf = buf[pos:] + chunk if pos < end else chunk
