"""What the example scripts share: their usual options, the client, when to stop.

Not an example itself, and not part of the ``binance`` package: it keeps the
scaffolding out of the scripts so that they show the package's API. Each
script imports it as ``_common``, which works from any working directory
because Python puts a script's own directory first on ``sys.path``.
"""
import argparse
import contextlib
import os
import sys
import threading
from typing import Iterator, Optional

from binance.client import Client

NO_KEYS = 'set BINANCE_API_KEY and BINANCE_API_SECRET, or use --local'
#: Exit status after Ctrl-C (128 + SIGINT, what shells report for Python).
INTERRUPTED = 130


def parser(doc: str, stop_after: Optional[str] = None) -> argparse.ArgumentParser:
    """An argument parser with the options every example has.

    :param doc: the script's docstring; its first paragraph describes the script
    :param stop_after: what a streaming script counts (``'trades'``, ...) to add
        ``--count`` and ``--seconds``; ``None`` for a script that ends by itself
    :returns: a parser with ``--local`` (and ``--count``, ``--seconds``)
    """
    result = argparse.ArgumentParser(description=doc.split('\n\n')[0])
    result.add_argument('--local', action='store_true',
                        help='use the local exchange of binance.testing (offline)')
    if stop_after is not None:
        result.add_argument('--count', type=int, default=None,
                            help='stop after this many {}'.format(stop_after))
        result.add_argument('--seconds', type=float, default=None,
                            help='stop after this many seconds')
    return result


@contextlib.contextmanager
def open_client(local: bool, keys_required: bool = False, **exchange_options) -> Iterator[Client]:
    """A :class:`~binance.client.Client` for Binance, or for a local exchange.

    :param local: run a :class:`binance.testing.LocalExchange` for the ``with``
        block, installed so that sockets and requests go to it
    :param keys_required: on Binance, exit with status 1 and a message when
        ``BINANCE_API_KEY`` or ``BINANCE_API_SECRET`` is not set
    :param exchange_options: for the local exchange, e.g. ``listen_keys=False``
    """
    if local:
        from binance.testing import LocalExchange
        with LocalExchange(**exchange_options) as exchange, exchange.install():
            yield exchange.client()
        return
    key, secret = os.environ.get('BINANCE_API_KEY'), os.environ.get('BINANCE_API_SECRET')
    if keys_required and not (key and secret):
        sys.exit(NO_KEYS)
    yield Client(key, secret)


class Countdown:
    """Ends a streaming script: after ``--count`` messages, a socket error,
    ``--seconds`` or Ctrl-C.

    Socket callbacks (on the reactor thread) call :meth:`take` for each
    message and :meth:`fail` for an error; the main thread calls :meth:`wait`.
    """

    def __init__(self, count: Optional[int] = None) -> None:
        self.count = count
        self.taken = 0          #: messages taken so far
        self.failed = False     #: whether a socket reported an error
        self.interrupted = False  #: whether Ctrl-C ended the wait
        self._over = threading.Event()
        self._lock = threading.Lock()

    def take(self) -> bool:
        """Count one message; ``False`` (leave it out) once the end has come."""
        with self._lock:
            if self._over.is_set():
                return False
            self.taken += 1
            if self.count is not None and self.taken >= self.count:
                self._over.set()
            return True

    def fail(self, message: str) -> None:
        """Show a socket's error message on standard error and end the wait."""
        print('socket error: {}'.format(message), file=sys.stderr)
        self.failed = True
        self._over.set()

    def wait(self, seconds: Optional[float] = None) -> None:
        """Block until the end: the count, an error, ``seconds`` (``None``: no limit) or Ctrl-C."""
        try:
            self._over.wait(seconds)
        except KeyboardInterrupt:
            self.interrupted = True

    def status(self) -> int:
        """The script's exit status: 130 after Ctrl-C, 1 after a socket error, else 0."""
        return INTERRUPTED if self.interrupted else 1 if self.failed else 0
