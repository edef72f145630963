"""A loopback WebSocket feed that writes pre-built Binance frames as fast as it can.

The benchmark clients connect to it exactly as they would to Binance, so the
same URL scheme works for a bare autobahn client, a raw socket and
:class:`binance.websockets.BinanceSocketManager` (through ``STREAM_URL``).
The first path segment chooses what the server does::

    ws://127.0.0.1:PORT/flood-200000/ws/bnbbtc@trade
        200,000 trade events, written as fast as the socket takes them
    ws://127.0.0.1:PORT/flood-200000/stream?streams=bnbbtc@trade/ethbtc@trade
        the same, each wrapped as {"stream": name, "data": payload}
    ws://127.0.0.1:PORT/paced-2000-3/ws/bnbbtc@trade
        2,000 events a second for 3 s; each event's trade id ``t`` is the
        server's time.monotonic_ns() when it was written (latency probes);
        ``paced-2000-3-<unix ms>`` starts at that wall-clock time, so that
        clients connected at different moments are measured in one window
    ws://127.0.0.1:PORT/hold-1/ws/bnbbtc@trade
        one event at once, then one a second, until the client leaves

Without a mode segment the server holds the stream (``hold-1``). A stream
name containing ``@depth`` gets depth updates (about 1.2 kB, 16-bit frame
lengths) instead of trades. After its messages the server keeps the
connection open and answers pings and the client's close handshake.

The server listens on 127.0.0.1 only, in background threads. Run it alone
with ``python -m benchmarks.feed_server [--port N]``.
"""
import argparse
import base64
import hashlib
import json
import random
import socket
import struct
import threading
import time
from typing import Dict, List, Optional, Tuple
from urllib.parse import parse_qs, urlsplit

__all__ = ['FeedServer', 'server_frame', 'trade_payload', 'depth_payload', 'build_pool']

WS_GUID = b'258EAFA5-E914-47DA-95CA-C5AB0DC85B11'
POOL_SIZE = 4096          # distinct pre-built messages per stream set
CHUNK_FRAMES = 512        # frames per sendall() in flood mode


def server_frame(payload: bytes, opcode: int = 0x1, fin: bool = True) -> bytes:
    """One unmasked server-to-client frame (7, 16 or 64-bit length as needed)."""
    first = (0x80 if fin else 0) | opcode
    n = len(payload)
    if n < 126:
        header = struct.pack('!BB', first, n)
    elif n < 65536:
        header = struct.pack('!BBH', first, 126, n)
    else:
        header = struct.pack('!BBQ', first, 127, n)
    return header + payload


def _symbol_of(stream: str) -> str:
    return stream.split('@', 1)[0].upper() or 'BNBBTC'


def trade_payload(stream: str, i: int, rng: random.Random, trade_id: Optional[int] = None) -> dict:
    """A trade event shaped like Binance's ``<symbol>@trade`` stream."""
    now = 1700000000000 + i
    return {'e': 'trade', 'E': now + 2, 's': _symbol_of(stream),
            't': 4200000000 + i if trade_id is None else trade_id,
            'p': '{:.8f}'.format(0.0123 + rng.random() * 1e-4),
            'q': '{:.8f}'.format(rng.random() * 50),
            'T': now, 'm': rng.random() < 0.5, 'M': True}


def depth_payload(stream: str, i: int, rng: random.Random, trade_id: Optional[int] = None) -> dict:
    """A diff depth event (``<symbol>@depth``) with 10 bid and 10 ask levels."""
    def levels(base: float, sign: int) -> List[List[str]]:
        return [['{:.8f}'.format(base + sign * k * 1e-6), '{:.8f}'.format(rng.random() * 20)]
                for k in range(10)]
    first = 9000000 + i * 3
    return {'e': 'depthUpdate', 'E': 1700000000000 + i if trade_id is None else trade_id,
            's': _symbol_of(stream), 'U': first, 'u': first + 2,
            'b': levels(0.0123, -1), 'a': levels(0.0124, 1)}


def _payload(stream: str, i: int, rng: random.Random, combined: bool,
             stamp: Optional[int] = None) -> bytes:
    maker = depth_payload if '@depth' in stream else trade_payload
    body = maker(stream, i, rng, stamp)
    if combined:
        body = {'stream': stream, 'data': body}
    return json.dumps(body, separators=(',', ':')).encode()


def build_pool(streams: List[str], combined: bool, size: int = POOL_SIZE) -> List[bytes]:
    """``size`` distinct pre-built frames cycling over ``streams``."""
    rng = random.Random(7)
    return [server_frame(_payload(streams[i % len(streams)], i, rng, combined))
            for i in range(size)]


def _parse_target(target: str) -> Tuple[str, List[int], List[str], bool]:
    """``/mode-a-b/ws/name`` -> (mode, [a, b], [name], combined)."""
    parts = urlsplit(target)
    segments = [s for s in parts.path.split('/') if s]
    mode, args = 'hold', [1]
    if segments and segments[0].split('-')[0] in ('flood', 'paced', 'hold'):
        head = segments.pop(0).split('-')
        mode = head[0]
        args = [int(x) if x.isdigit() else float(x) for x in head[1:]] or args
    combined = bool(segments) and segments[0] == 'stream'
    if combined:
        names = parse_qs(parts.query).get('streams', ['bnbbtc@trade'])[0].split('/')
    else:
        names = [segments[-1] if segments else 'bnbbtc@trade']
    return mode, args, [n for n in names if n] or ['bnbbtc@trade'], combined


class _Connection:
    """One accepted client: handshake, then the chosen feed, plus a reader thread."""

    def __init__(self, server: 'FeedServer', sock: socket.socket) -> None:
        self.server = server
        self.sock = sock
        self.send_lock = threading.Lock()
        self.closed = threading.Event()

    # -- plumbing -----------------------------------------------------------------
    def _send(self, data: bytes) -> bool:
        if self.closed.is_set():
            return False
        try:
            with self.send_lock:
                self.sock.sendall(data)
            return True
        except OSError:
            self.closed.set()
            return False

    def _handshake(self) -> Optional[str]:
        data = b''
        while b'\r\n\r\n' not in data:
            chunk = self.sock.recv(4096)
            if not chunk or len(data) > 65536:
                return None
            data += chunk
        head, _, self.pending = data.partition(b'\r\n\r\n')
        lines = head.decode('latin-1').split('\r\n')
        method, target, _ = (lines[0].split(' ') + ['', ''])[:3]
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(':')
            headers[name.strip().lower()] = value.strip()
        key = headers.get('sec-websocket-key')
        if method != 'GET' or not key:
            self.sock.sendall(b'HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n')
            return None
        accept = base64.b64encode(hashlib.sha1(key.encode() + WS_GUID).digest()).decode()
        self.sock.sendall(('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n'
                           'Connection: Upgrade\r\nSec-WebSocket-Accept: {}\r\n\r\n'
                           .format(accept)).encode())
        return target

    def _reader(self) -> None:
        """Answer pings, and the client's close frame with a close frame and a TCP close."""
        buf = self.pending
        try:
            while not self.closed.is_set():
                while len(buf) >= 6:
                    b1 = buf[1] & 0x7F
                    pos = 2
                    if b1 == 126:
                        if len(buf) < 8:
                            break
                        b1, pos = struct.unpack('!H', buf[2:4])[0], 4
                    elif b1 == 127:
                        if len(buf) < 14:
                            break
                        b1, pos = struct.unpack('!Q', buf[2:10])[0], 10
                    if len(buf) < pos + 4 + b1:
                        break
                    mask = buf[pos:pos + 4]
                    body = buf[pos + 4:pos + 4 + b1]
                    payload = bytes(c ^ mask[k % 4] for k, c in enumerate(body))
                    opcode = buf[0] & 0x0F
                    buf = buf[pos + 4 + b1:]
                    if opcode == 0x9:
                        self._send(server_frame(payload, 0xA))
                    elif opcode == 0x8:
                        self._send(server_frame(payload[:2], 0x8))
                        self.closed.set()
                        self.sock.shutdown(socket.SHUT_RDWR)
                        return
                chunk = self.sock.recv(65536)
                if not chunk:
                    return
                buf += chunk
        except OSError:
            pass
        finally:
            self.closed.set()

    # -- feeds --------------------------------------------------------------------
    def run(self) -> None:
        try:
            target = self._handshake()
            if target is None:
                return
            mode, args, names, combined = _parse_target(target)
            reader = threading.Thread(target=self._reader, daemon=True, name='feed-reader')
            reader.start()
            if mode == 'flood':
                self._flood(int(args[0]), names, combined)
            elif mode == 'paced':
                rate, seconds, start_ms = (list(args) + [3, 0])[:3]
                self._paced(float(rate), float(seconds), names, combined, start_ms / 1000.0)
            else:
                self._hold(float(args[0]), names, combined)
            reader.join()
        except OSError:
            pass
        finally:
            self.closed.set()
            try:
                self.sock.close()
            except OSError:
                pass
            self.server._forget(self)

    def _flood(self, count: int, names: List[str], combined: bool) -> None:
        chunks, frames = self.server.chunks(names, combined)
        sent = 0
        while sent < count and not self.closed.is_set():
            left = count - sent
            if left >= CHUNK_FRAMES:
                chunk = chunks[(sent // CHUNK_FRAMES) % len(chunks)]
                sent += CHUNK_FRAMES
            else:
                chunk = b''.join(frames[:left])
                sent += left
            if not self._send(chunk):
                return

    def _paced(self, rate: float, seconds: float, names: List[str], combined: bool,
               start_at: float = 0.0) -> None:
        rng = random.Random(11)
        total = int(rate * seconds)
        wait = start_at - time.time()
        if wait > 0 and self.closed.wait(min(wait, 30.0)):
            return
        start = time.monotonic()
        for i in range(total):
            due = start + i / rate
            delay = due - time.monotonic()
            if delay > 0:
                if self.closed.wait(delay):
                    return
            frame = server_frame(_payload(names[i % len(names)], i, rng, combined,
                                          stamp=time.monotonic_ns()))
            if not self._send(frame):
                return

    def _hold(self, interval: float, names: List[str], combined: bool) -> None:
        rng = random.Random(13)
        i = 0
        while not self.closed.is_set():
            if not self._send(server_frame(_payload(names[i % len(names)], i, rng, combined))):
                return
            i += 1
            if self.closed.wait(max(interval, 0.01)):
                return


class FeedServer:
    """Threaded loopback WebSocket server writing pre-built Binance frames.

    :param port: TCP port on 127.0.0.1 (0 picks a free one).

    >>> server = FeedServer(); port = server.start()
    >>> url = 'ws://127.0.0.1:{}/flood-1000/ws/bnbbtc@trade'.format(port)
    >>> server.stop()
    """

    def __init__(self, port: int = 0) -> None:
        self._requested_port = port
        self._sock: Optional[socket.socket] = None
        self._thread: Optional[threading.Thread] = None
        self._lock = threading.Lock()
        self._connections: List[_Connection] = []
        self._pools: Dict[Tuple[Tuple[str, ...], bool], Tuple[List[bytes], List[bytes]]] = {}
        self.port = 0

    def chunks(self, names: List[str], combined: bool) -> Tuple[List[bytes], List[bytes]]:
        """Pre-built frames for a stream set, and the same joined into sendall() chunks."""
        key = (tuple(names), combined)
        with self._lock:
            if key not in self._pools:
                frames = build_pool(names, combined)
                chunks = [b''.join(frames[k:k + CHUNK_FRAMES])
                          for k in range(0, len(frames), CHUNK_FRAMES)]
                self._pools[key] = (chunks, frames)
            return self._pools[key]

    def start(self) -> int:
        """Listen on 127.0.0.1 and serve in a daemon thread; returns the port."""
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(('127.0.0.1', self._requested_port))
        sock.listen(256)
        self._sock = sock
        self.port = sock.getsockname()[1]
        self._thread = threading.Thread(target=self._accept_loop, daemon=True, name='feed-accept')
        self._thread.start()
        return self.port

    def url(self, mode: str = 'hold-1') -> str:
        """The ``STREAM_URL``-style base for ``mode``: ``ws://127.0.0.1:P/<mode>/``."""
        return 'ws://127.0.0.1:{}/{}/'.format(self.port, mode)

    def _accept_loop(self) -> None:
        assert self._sock is not None
        while True:
            try:
                client, _ = self._sock.accept()
            except OSError:
                return
            client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            conn = _Connection(self, client)
            with self._lock:
                self._connections.append(conn)
            threading.Thread(target=conn.run, daemon=True, name='feed-conn').start()

    def _forget(self, conn: _Connection) -> None:
        with self._lock:
            if conn in self._connections:
                self._connections.remove(conn)

    def connection_count(self) -> int:
        """Connections currently open."""
        with self._lock:
            return len(self._connections)

    def stop(self) -> None:
        """Stop listening and close every connection."""
        if self._sock is not None:
            try:
                self._sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            self._sock.close()
            self._sock = None
        with self._lock:
            conns = list(self._connections)
        for conn in conns:
            conn.closed.set()
            try:
                conn.sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--port', type=int, default=0)
    args = parser.parse_args()
    server = FeedServer(args.port)
    port = server.start()
    print('feed server on ws://127.0.0.1:{}/  (e.g. /flood-100000/ws/bnbbtc@trade)'.format(port),
          flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        server.stop()


if __name__ == '__main__':
    main()
