"""The overall deadline of a REST call: connect and the whole answer.

``requests``' ``timeout`` bounds each socket operation: a server that sends
one byte a second never trips it, and a call could last as long as the
server likes. :class:`DeadlineAdapter` (mounted on the client's session)
lets :class:`Watchdog` find the connection a call uses; when the call's
deadline passes, the watchdog shuts that socket down, so the blocked read
returns at once and the client raises
:class:`~binance.exceptions.BinanceTimeoutException` naming the deadline.

One daemon thread (``binance-rest-deadline``, started on first use) watches
every call of the process; a call that ends in time costs a heap push and a
lock, not a thread.
"""
import heapq
import itertools
import socket
import threading
import time
from typing import Any, Callable, List, Optional, Tuple

from requests.adapters import HTTPAdapter

__all__ = ['DeadlineAdapter', 'Watch', 'watch', 'deadline_of']

_local = threading.local()
#: Seconds between two looks at a call that was still connecting at its deadline.
_AGAIN = 0.05


def deadline_of(timeout: Any) -> Optional[float]:
    """Seconds a call may take in all from requests' ``timeout`` (``None``: no deadline).

    A number is the deadline itself; a ``(connect, read)`` pair allows both in turn.
    """
    if isinstance(timeout, tuple):
        parts = [part for part in timeout if part is not None]
        if len(parts) < len(timeout):
            return None
        return float(sum(parts))
    if timeout is None or isinstance(timeout, bool):
        return None
    return float(timeout)


class Watch:
    """One call under a deadline; :attr:`expired` once the watchdog cut it off."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.expired = False
        self._lock = threading.Lock()
        self._done = False
        self._connections: List[Any] = []

    def add(self, connection: Any) -> None:
        """Remember a connection the call uses (called by the pool, in the call's thread)."""
        with self._lock:
            self._connections.append(connection)
            late = self.expired
        if late:
            _shutdown(connection)

    def finish(self) -> None:
        """The call is over: the watchdog must not touch its connections any more."""
        with self._lock:
            self._done = True
            del self._connections[:]

    def fire(self) -> bool:
        """Cut the call off (watchdog thread): shut its sockets down.

        :returns: ``True`` when a connection had no socket yet (still
            connecting): the watchdog fires again shortly.
        """
        with self._lock:
            if self._done:
                return False
            self.expired = True
            connections = list(self._connections)
        return not all([_shutdown(connection) for connection in connections])


def _shutdown(connection: Any) -> bool:
    """Shut ``connection``'s socket down; ``False`` if it has none yet."""
    sock = getattr(connection, 'sock', None)
    if sock is None:
        return False
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except (OSError, ValueError):
        pass
    return True


class Watchdog:
    """Fires :class:`Watch` objects at their deadlines from one daemon thread."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._cond = threading.Condition()
        self._heap: List[Tuple[float, int, Watch]] = []
        self._order = itertools.count()
        self._thread: Optional[threading.Thread] = None

    def start(self, seconds: float) -> Watch:
        """A new watch that fires in ``seconds``."""
        item = Watch(seconds)
        with self._cond:
            heapq.heappush(self._heap, (self._clock() + seconds, next(self._order), item))
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name='binance-rest-deadline',
                                                daemon=True)
                self._thread.start()
            elif self._heap[0][2] is item:
                self._cond.notify()
        return item

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._heap:
                    self._cond.wait()
                when, _, item = self._heap[0]
                wait = when - self._clock()
                if wait > 0:
                    self._cond.wait(wait)
                    continue
                heapq.heappop(self._heap)
            if item.fire():   # still connecting: look again soon
                with self._cond:
                    heapq.heappush(self._heap, (self._clock() + _AGAIN, next(self._order), item))


_WATCHDOG = Watchdog()


class watch:
    """``with watch(seconds) as w:`` runs a call under a deadline (``None``: none)."""

    def __init__(self, seconds: Optional[float]) -> None:
        self._seconds = seconds
        self.current: Optional[Watch] = None

    def __enter__(self) -> Optional[Watch]:
        if self._seconds is not None:
            self.current = _WATCHDOG.start(self._seconds)
            _local.watch = self.current
        return self.current

    def __exit__(self, *exc_info: Any) -> None:
        if self.current is not None:
            self.current.finish()
            _local.watch = None


class DeadlineAdapter(HTTPAdapter):
    """An :class:`~requests.adapters.HTTPAdapter` whose pools tell the current
    :class:`Watch` which connection a call took."""

    def get_connection(self, *args: Any, **kwargs: Any) -> Any:  # requests < 2.32.2
        return _watched(super().get_connection(*args, **kwargs))

    def get_connection_with_tls_context(self, *args: Any, **kwargs: Any) -> Any:
        return _watched(super().get_connection_with_tls_context(*args, **kwargs))


def _watched(pool: Any) -> Any:
    """``pool`` with its ``_get_conn`` reporting to the calling thread's watch (once per pool)."""
    if getattr(pool, '_binance_watched', False):
        return pool
    take = pool._get_conn

    def get_conn(*args: Any, **kwargs: Any) -> Any:
        connection = take(*args, **kwargs)
        current = getattr(_local, 'watch', None)
        if current is not None:
            current.add(connection)
        return connection

    pool._get_conn = get_conn
    pool._binance_watched = True
    return pool
