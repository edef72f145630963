"""The overall deadline of a REST call, against a hostile HTTP server on 127.0.0.1.

The server answers slowly on purpose: headers then one body byte every
``pause`` seconds (or the headers themselves byte by byte), or a body cut
short. Each test finishes in about a second because the client's deadline
(half a second to one and a half), not the server, ends the call; every
pause is well under the deadline, so no single read times out first.
"""
import logging
import socket
import threading
import time

import pytest

from binance import _client_base
from binance.client import Client
from binance.exceptions import BinanceRequestException, BinanceTimeoutException
from tests.support import local_manager, wait_until

_BODY = b'{"lastUpdateId":1,"bids":[],"asks":[]}'


class HostileServer:
    """An HTTP server on 127.0.0.1 that answers every request in one of these ways:

    ``'trickle'``: the headers at once, then one body byte per ``pause`` s;
    ``'trickle_headers'``: the status line and headers one byte per ``pause`` s;
    ``'truncated'``: a Content-Length of 100 and 10 bytes, then it closes;
    ``'cut_json'``: no Content-Length, half a JSON object, then it closes.
    """

    def __init__(self, mode: str, pause: float = 1.0) -> None:
        self.mode = mode
        self.pause = pause
        self.connections = 0
        self._stop = threading.Event()
        self._sock = socket.socket()
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(('127.0.0.1', 0))
        self._sock.listen(16)
        self._sock.settimeout(0.1)
        self._threads = [threading.Thread(target=self._accept, daemon=True)]
        self._threads[0].start()

    @property
    def url(self) -> str:
        return 'http://127.0.0.1:{}/api'.format(self._sock.getsockname()[1])

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except OSError:
                continue
            self.connections += 1
            thread = threading.Thread(target=self._serve, args=(conn,), daemon=True)
            self._threads.append(thread)
            thread.start()

    def _serve(self, conn: socket.socket) -> None:
        try:
            conn.settimeout(5)
            data = b''
            while b'\r\n\r\n' not in data:
                chunk = conn.recv(4096)
                if not chunk:
                    return
                data += chunk
            head = ('HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n'
                    'Content-Length: {}\r\n\r\n')
            if self.mode == 'cut_json':
                conn.sendall(b'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n'
                             b'Connection: close\r\n\r\n' + _BODY[:20])
                return
            if self.mode == 'truncated':
                conn.sendall(head.format(100).encode() + _BODY[:10])
                return
            if self.mode == 'trickle_headers':
                self._drip(conn, head.format(len(_BODY)).encode() + _BODY)
                return
            conn.sendall(head.format(1000).encode())
            self._drip(conn, _BODY + b' ' * 1000)
        except OSError:
            pass
        finally:
            conn.close()

    def _drip(self, conn: socket.socket, data: bytes) -> None:
        for index in range(len(data)):
            if self._stop.wait(self.pause):
                return
            conn.sendall(data[index:index + 1])

    def close(self) -> None:
        self._stop.set()
        self._sock.close()
        for thread in self._threads:
            thread.join(5)


@pytest.fixture
def hostile(request):
    servers = []

    def make(mode, pause=1.0):
        server = HostileServer(mode, pause)
        servers.append(server)
        return server
    yield make
    for server in servers:
        server.close()


def _client(server: HostileServer, **kwargs) -> Client:
    client = Client(**kwargs)
    client.API_URL = server.url
    return client


def test_trickling_body_ends_at_the_requests_params_timeout(hostile):
    """A body sent one byte every 0.2 s stops at the client's timeout (0.5 s), naming the deadline."""
    client = _client(hostile('trickle', pause=0.2), requests_params={'timeout': 0.5})
    started = time.monotonic()
    with pytest.raises(BinanceTimeoutException, match=r'GET /api/v3/depth did not complete '
                                                      r'within its deadline of 0\.5 s'):
        client.get_order_book(symbol='BNBBTC')
    assert 0.45 < time.monotonic() - started < 8   # the body alone would take 200 s


def test_the_default_timeout_is_an_overall_deadline(hostile, monkeypatch):
    """Without requests_params the default timeout (DEFAULT_TIMEOUT) bounds the whole call."""
    monkeypatch.setattr(_client_base, 'DEFAULT_TIMEOUT', 0.5)
    client = _client(hostile('trickle', pause=0.2))   # each byte within the 0.5 s read timeout
    started = time.monotonic()
    with pytest.raises(BinanceTimeoutException, match=r'deadline of 0\.5 s'):
        client.get_order_book(symbol='BNBBTC')
    assert time.monotonic() - started < 8


def test_a_calls_own_timeout_overrides_the_clients(hostile):
    """requests_params={'timeout': 0.5} on one call bounds that call though the client allows 60 s."""
    client = _client(hostile('trickle', pause=0.2), requests_params={'timeout': 60})
    started = time.monotonic()
    with pytest.raises(BinanceTimeoutException, match=r'deadline of 0\.5 s'):
        client.get_order_book(symbol='BNBBTC', requests_params={'timeout': 0.5})
    assert time.monotonic() - started < 8


def test_a_connect_read_pair_allows_their_sum(hostile):
    """A (connect, read) timeout pair gives the call connect + read seconds in all."""
    client = _client(hostile('trickle', pause=0.2), requests_params={'timeout': (0.5, 1.0)})
    started = time.monotonic()
    with pytest.raises(BinanceTimeoutException, match=r'deadline of 1\.5 s'):
        client.ping()
    assert time.monotonic() - started < 8


def test_trickling_headers_are_cut_off_too(hostile):
    """Status line and headers sent byte by byte (0.2 s apart) are bounded by the deadline."""
    client = _client(hostile('trickle_headers', pause=0.2), requests_params={'timeout': 0.5})
    started = time.monotonic()
    with pytest.raises(BinanceTimeoutException, match='deadline'):
        client.ping()
    assert time.monotonic() - started < 8


def test_the_connection_is_not_reused_after_a_cut_off(hostile):
    """After a deadline, the next call of the same client opens a new connection and gets its answer."""
    server = hostile('trickle', pause=0.2)
    client = _client(server, requests_params={'timeout': 0.5})
    with pytest.raises(BinanceTimeoutException):
        client.ping()
    server.mode = 'trickle_headers'
    server.pause = 0.0
    assert client.get_order_book(symbol='BNBBTC') == {'lastUpdateId': 1, 'bids': [], 'asks': []}
    assert server.connections == 2


def test_a_truncated_body_says_it_was_truncated(hostile):
    """A body shorter than its Content-Length raises BinanceRequestException saying 'truncated'."""
    client = _client(hostile('truncated'))
    with pytest.raises(BinanceRequestException, match='truncated') as info:
        client.get_order_book(symbol='BNBBTC')
    assert 'not JSON' not in str(info.value)
    assert not isinstance(info.value, BinanceTimeoutException)


def test_json_cut_short_without_a_length_says_truncated(hostile):
    """An answer without Content-Length that stops mid-JSON is reported as truncated, not as not-JSON."""
    client = _client(hostile('cut_json'))
    with pytest.raises(BinanceRequestException,
                       match='truncated body .it ends in the middle of a JSON value') as info:
        client.get_order_book(symbol='BNBBTC')
    assert 'not JSON' not in str(info.value) and str(info.value).startswith('Invalid Response')


def test_a_fast_answer_is_not_cut_off(exchange):
    """Many quick calls under a short deadline all succeed: the watchdog never fires after a call ended."""
    client = exchange.client(requests_params={'timeout': 0.3})
    for _ in range(50):
        assert client.ping() == {}


def _deadline_logged(caplog) -> bool:
    return any('did not complete within its deadline' in record.getMessage()
               for record in caplog.records)


def test_depth_cache_snapshot_in_the_thread_pool_is_cut_off(exchange, hostile, caplog,
                                                           monkeypatch):
    """A depth cache's snapshot (a reactor thread-pool call) stops at the deadline and is retried."""
    from binance.depthcache import DepthCacheManager, DepthCacheSync
    caplog.set_level(logging.WARNING)
    # asked for at once (the market does not move: no first diff event), retried at once
    monkeypatch.setattr(DepthCacheManager, 'SNAPSHOT_WAIT', 0.02)
    monkeypatch.setattr(DepthCacheSync, 'INITIAL_BACKOFF', 0.02)
    server = hostile('trickle', pause=0.2)
    client = _client(server, requests_params={'timeout': 0.5})
    bm = local_manager(exchange)
    manager = DepthCacheManager(client, 'ETHBTC', callback=lambda cache: None, bm=bm,
                                refresh_interval=0)
    try:
        wait_until(lambda: _deadline_logged(caplog), timeout=8,
                   message='the snapshot to fail at its deadline')
        wait_until(lambda: server.connections >= 2, timeout=8,
                   message='the snapshot to be requested again')
    finally:
        manager.close()
        bm.close()


def test_listen_key_request_in_the_thread_pool_is_cut_off(exchange, hostile, caplog):
    """The user socket's listen-key POST (a thread-pool call) stops at the deadline, logged as such."""
    caplog.set_level(logging.WARNING)
    server = hostile('trickle', pause=0.2)
    from binance.websockets import BinanceSocketManager
    bm = BinanceSocketManager(_client(server, api_key='k', api_secret='s',
                                      requests_params={'timeout': 0.5}))
    bm.STREAM_URL, bm.WS_API_URL = exchange.stream_url, exchange.ws_api_url
    bm.start()
    try:
        bm.start_user_socket(lambda message: None)
        wait_until(lambda: _deadline_logged(caplog), timeout=8,
                   message='the listen-key request to fail at its deadline')
    finally:
        bm.close()
