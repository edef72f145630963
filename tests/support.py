"""Helpers shared by the tests: polling with a deadline instead of sleeping, a socket
manager pointed at a local exchange, Ctrl-C for a child process."""
import signal
import time
from typing import Any, Callable, Tuple


def wait_until(predicate: Callable[[], Any], timeout: float = 20.0, interval: float = 0.005,
               message: str = 'condition') -> Any:
    """Poll ``predicate`` until it returns a truthy value; fail after ``timeout`` s.

    Used only where a real socket is involved: the work happens on the
    reactor thread and the test thread waits for its visible effect.
    """
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError('timed out after {} s waiting for {}'.format(timeout, message))
        time.sleep(interval)


def ctrl_c(proc: Any, ready: Callable[[], Any], timeout: float = 60) -> Tuple[Any, Any]:
    """Press Ctrl-C in the child ``proc`` once ``ready()`` holds (it may block until then,
    e.g. reading the child's first line); returns the child's remaining (stdout, stderr).
    The child is killed if it is still alive after ``timeout`` s or if a check fails."""
    try:
        assert ready(), 'the child was not ready for Ctrl-C'
        proc.send_signal(signal.SIGINT)
        return proc.communicate(timeout=timeout)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()


def local_manager(exchange: Any, **options: Any) -> Any:
    """A started socket manager with every stream URL pointed at ``exchange``."""
    from binance.websockets import BinanceSocketManager
    bm = BinanceSocketManager(exchange.client(), **options)
    bm.STREAM_URL = exchange.stream_url
    bm.FSTREAM_URL = exchange.fstream_url
    bm.DSTREAM_URL = exchange.dstream_url
    bm.WS_API_URL = exchange.ws_api_url
    bm.start()
    return bm


class FakeTime:
    """A clock that moves only when slept on: ``clock()`` and ``sleep(seconds)`` for
    :class:`binance._rate_limits.RateLimiter` (and a market's ``clock``)."""

    def __init__(self, start: float = 1700000000.0) -> None:
        self.now = start
        self.slept: list = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds

    def attach(self, client: Any) -> 'FakeTime':
        """Drive ``client``'s rate limiter with this clock; returns ``self``."""
        client.rate_limiter.clock = self.clock
        client.rate_limiter.sleep = self.sleep
        return self


def first(q: Any, predicate: Callable[[Any], Any] = lambda m: True, timeout: float = 10) -> Any:
    """The first message of queue ``q`` that ``predicate`` accepts (``queue.Empty`` after
    ``timeout`` s without a message)."""
    while True:
        message = q.get(timeout=timeout)
        if predicate(message):
            return message


def request_paths(exchange: Any, clock: Any) -> list:
    """Paths of ``exchange``'s recorded requests besides the ``clock`` paths (a signing
    client's clock checks, not part of the method under test)."""
    return [r.path for r in exchange.requests if r.path not in clock]


def check_path_and_shape(exchange: Any, client: Any, method: str, kwargs: dict, path: str,
                         key: Any, clock: Any) -> None:
    """``client.<method>(**kwargs)`` requests ``path`` alone (besides the ``clock`` paths)
    and answers with ``key`` in it (``0``: a non-empty list; ``None``: not checked)."""
    exchange.clear_requests()
    result = getattr(client, method)(**kwargs)
    assert [r.path for r in exchange.requests if r.path != clock[0]][-1:] == [path]
    assert len(request_paths(exchange, clock)) == (path not in clock)
    if key == 0:
        assert isinstance(result, list) and result
    elif key is not None:
        assert key in (result[0] if isinstance(result, list) else result)


def run_script(tmp_path: Any, name: str, source: str, wrapper: str,
               timeout: float = 90) -> Any:
    """Run the dedented ``source`` saved as ``tmp_path/name`` through the ``wrapper``
    program (which gets its path as ``sys.argv[1]``) in a child Python with this checkout
    on its path; returns ``(returncode, stdout, stderr, {first word: rest of line})``."""
    import os
    import subprocess
    import sys
    import textwrap
    from pathlib import Path
    root = Path(__file__).resolve().parents[1]
    script = tmp_path / name
    script.write_text(textwrap.dedent(source))
    env = dict(os.environ, PYTHONPATH=str(root) + os.pathsep + os.environ.get('PYTHONPATH', ''))
    proc = subprocess.run([sys.executable, '-c', wrapper, str(script)], cwd=str(tmp_path),
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                          timeout=timeout)
    out, err = proc.stdout.decode(), proc.stderr.decode()
    lines = dict(line.split(' ', 1) for line in out.splitlines() if ' ' in line)
    return proc.returncode, out, err, lines


def keyed_client(exchange: Any, kind: str, ed_pair: Any, rsa_pair: Any, password: str,
                 prefix: str, **account: Any) -> Any:
    """A client of ``exchange`` signing with ``kind`` (``'HMAC'``: the default account;
    ``'Ed25519'``/``'RSA'``: the account ``prefix + kind`` made with ``account``'s options
    and the public key of that pair, the Ed25519 private key encrypted with ``password``)."""
    if kind == 'HMAC':
        return exchange.client()
    private, public = ed_pair if kind == 'Ed25519' else rsa_pair
    exchange.add_account(prefix + kind, public_key=public, **account)
    extra = {'private_key_pass': password} if kind == 'Ed25519' else {}
    return exchange.client(api_key=prefix + kind, private_key=private, **extra)


def check_own_clock(exchange: Any, offset: float, call: Callable[[Any], Any],
                    paths: list, clock: Callable[[Any], Any]) -> None:
    """With ``exchange``'s clock ``offset`` s off, ``call(client)`` (a signed call answering
    ``[]``) first measures its API's own server time: the requests are ``paths``, and
    ``clock(client)`` holds the offset."""
    exchange.clock_offset = offset
    client = exchange.client()
    assert call(client) == []
    assert [r.path for r in exchange.requests] == paths
    assert abs(clock(client).offset_ms - offset * 1000) < 1000
