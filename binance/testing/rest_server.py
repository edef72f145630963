"""The local exchange's HTTP(S) server for REST, in threads of its own.

Binance answers a REST call whatever the caller's program is doing. A bot
commonly makes a blocking REST call from inside a stream callback, which
runs on the reactor thread; if the local exchange served REST on that same
thread, the call could never be answered and would time out. So
:class:`RestServer` serves :class:`~binance.testing.rest.RestResource` with
the standard library's threading HTTP server: one thread accepts, one thread
per connection answers (HTTP/1.1 keep-alive, optional TLS). The market it
reads locks itself (:attr:`binance.testing.market.Market.lock`).

:meth:`RestServer.stop` closes the listening socket *and* every open
connection, so a client's pooled keep-alive connection is not answered
after the exchange stopped.
"""
import http.server
import logging
import selectors
import socket
import ssl
import threading
from typing import Any, Optional, Set

from binance.testing.rest import Headers, RestResource

__all__ = ['RestServer']

log = logging.getLogger(__name__)

#: Seconds a TLS client has to finish its handshake.
HANDSHAKE_TIMEOUT = 10.0


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'
    # TCP_NODELAY, and the head and body go out in one write (a buffered
    # wfile, flushed once): with Nagle's algorithm on, the body waited for the
    # client's delayed ACK of the head, about 40 ms per request on Linux.
    disable_nagle_algorithm = True
    wbufsize = 1 << 16
    server: '_HTTPServer'

    def _serve(self) -> None:
        length = int(self.headers.get('Content-Length') or 0)
        body = self.rfile.read(length) if length > 0 else b''
        headers = Headers((name.lower(), value) for name, value in self.headers.items())
        delay, respond = self.server.resource.handle(self.command, self.path, headers, body)
        if delay and self.server.stopping.wait(delay):
            self.close_connection = True  # stopped while delaying: no answer
            return
        status, data, reply_headers = respond()
        self.send_response_only(status)
        for name, value in reply_headers.items():
            self.send_header(name, value)
        self.send_header('Content-Length', str(len(data)))
        self.end_headers()
        self.wfile.write(data)
        self.wfile.flush()

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = _serve

    def log_message(self, format: str, *args: Any) -> None:  # no access log: URLs carry signatures
        pass


class _HTTPServer(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, port: int, resource: RestResource,
                 tls_context: Optional[ssl.SSLContext]) -> None:
        self.resource = resource
        self.tls_context = tls_context
        self.stopping = threading.Event()
        self.open_sockets: Set[socket.socket] = set()
        self.sockets_lock = threading.Lock()
        # stop() writes a byte here so the accept loop ends at once instead of
        # at its next poll (socketserver's shutdown() waits for that poll)
        self._wake_read, self._wake_write = socket.socketpair()
        super().__init__(('127.0.0.1', port), _Handler)

    def serve(self) -> None:
        """Accept connections until :meth:`wake` is called after ``stopping`` was set."""
        with selectors.DefaultSelector() as selector:
            selector.register(self, selectors.EVENT_READ)
            selector.register(self._wake_read, selectors.EVENT_READ)
            while not self.stopping.is_set():
                ready = selector.select()
                if self.stopping.is_set():
                    break
                if any(key.fileobj is self for key, _ in ready):
                    self.handle_request()    # ready: accepts without waiting

    def wake(self) -> None:
        """Make :meth:`serve` look at ``stopping`` now (set it first)."""
        try:
            self._wake_write.send(b'\0')
        except OSError:
            pass

    def server_close(self) -> None:
        super().server_close()
        self._wake_read.close()
        self._wake_write.close()

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        with self.sockets_lock:
            if self.stopping.is_set():
                self.shutdown_request(request)
                return
            self.open_sockets.add(request)
        try:
            if self.tls_context is not None:
                request.settimeout(HANDSHAKE_TIMEOUT)
                try:
                    tls = self.tls_context.wrap_socket(request, server_side=True)
                except (OSError, ssl.SSLError) as exc:
                    log.debug('REST TLS handshake with %s failed: %s', client_address, exc)
                    return
                tls.settimeout(None)
                with self.sockets_lock:
                    self.open_sockets.discard(request)
                    self.open_sockets.add(tls)
                request = tls
            super().process_request_thread(request, client_address)
        finally:
            with self.sockets_lock:
                self.open_sockets.discard(request)
            try:
                request.close()
            except OSError:
                pass

    def handle_error(self, request: Any, client_address: Any) -> None:
        if self.stopping.is_set():
            return
        log.debug('REST connection from %s failed', client_address, exc_info=True)


class RestServer:
    """Serves a :class:`RestResource` on 127.0.0.1 from its own threads.

    :param resource: what answers the requests.
    :param port: TCP port, ``0`` for a free one.
    :param cert_file: with ``key_file``, serve HTTPS with this certificate (PEM).
    """

    def __init__(self, resource: RestResource, port: int = 0, *, cert_file: Optional[str] = None,
                 key_file: Optional[str] = None) -> None:
        context = None
        if cert_file is not None:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(cert_file, key_file)
        self._server = _HTTPServer(port, resource, context)
        self._thread = threading.Thread(target=self._server.serve, name='binance-local-rest',
                                        daemon=True)
        self._thread.start()

    @property
    def port(self) -> int:
        """The port listened on."""
        return self._server.server_address[1]

    def stop(self) -> None:
        """Stop accepting, close every open connection and wake delayed answers (idempotent)."""
        server = self._server
        if server.stopping.is_set():
            return
        with server.sockets_lock:
            server.stopping.set()
            sockets = list(server.open_sockets)
        server.wake()
        if self._thread is not threading.current_thread():
            self._thread.join()
        server.server_close()
        for sock in sockets:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            try:
                sock.close()
            except OSError:
                pass
