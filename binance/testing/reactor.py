"""Fake reactors for testing stream code without a network or a running reactor.

Like ``treq.testing``, this module is public so that your own tests can drive
a :class:`~binance.websockets.BinanceSocketManager` (or a
:class:`~binance.depthcache.DepthCacheManager`) with a hand-moved clock::

    from binance.testing.reactor import FakeReactor
    from binance.websockets import BinanceSocketManager

    reactor = FakeReactor()
    bm = BinanceSocketManager(None, reactor=reactor)
    bm.STREAM_URL = 'ws://127.0.0.1:9000/'
    key = bm.start_trade_socket('BNBBTC', print)
    reactor.flush()                      # what callFromThread queued runs now
    assert len(reactor.attempts) == 1    # one connection attempt, recorded
    reactor.advance(10)                  # time moves only when told to

* :class:`FakeReactor`: a :class:`twisted.internet.testing.MemoryReactorClock`
  whose ``callFromThread`` queues the call until :meth:`~FakeReactor.flush`
  or :meth:`~FakeReactor.run_until` runs it (the test thread plays the reactor
  thread), and whose ``connectTCP``/``connectSSL`` record a
  :class:`FakeConnector` in :attr:`~FakeReactor.attempts` instead of
  connecting. It has no thread pool, so blocking REST calls of the user
  stream run inline.
* :class:`ThreadedFakeReactor`: the same with a real thread pool
  (``getThreadPool``), for code that hands blocking calls to worker threads
  and waits for them with :meth:`~FakeReactor.run_until`; call :meth:`stop` at the end.
* :func:`use_clock_timers`: make an autobahn factory schedule its handshake
  and close timeouts on a :class:`~twisted.internet.task.Clock`.
"""
import threading
import time
from typing import Any, Callable, Dict, List, Optional, Tuple

from twisted.internet.testing import MemoryReactorClock

from binance._streams.tls import use_reactor_timer

__all__ = ['FakeReactor', 'ThreadedFakeReactor', 'FakeConnector', 'use_clock_timers']

_Call = Tuple[Callable[..., Any], Tuple[Any, ...], Dict[str, Any]]


class FakeConnector:
    """An ``IConnector`` whose (re)connects are recorded on the reactor.

    :ivar host: the host asked for.
    :ivar port: the port asked for.
    :ivar factory: the client factory to build the protocol with.
    :ivar tls: the TLS options (``connectSSL``), ``None`` for ``connectTCP``.
    """

    def __init__(self, reactor: 'FakeReactor', host: str, port: int, factory: Any,
                 tls: Any) -> None:
        self.reactor, self.host, self.port, self.factory, self.tls = \
            reactor, host, port, factory, tls
        self.stopped_connecting = False
        self.disconnected = False

    def connect(self) -> None:
        """A reconnect: recorded as another attempt."""
        self.reactor.attempts.append(self)

    def stopConnecting(self) -> None:
        self.stopped_connecting = True

    def disconnect(self) -> None:
        self.disconnected = True

    def getDestination(self) -> Tuple[str, int]:
        return (self.host, self.port)


class FakeReactor(MemoryReactorClock):
    """A Clock with a ``callFromThread`` queue and recorded connection attempts.

    :ivar attempts: every :class:`FakeConnector` connected or reconnected, in order.
    """

    def __init__(self) -> None:
        super().__init__()
        self._queue: List[_Call] = []
        self._cond = threading.Condition()
        self.attempts: List[FakeConnector] = []

    @property
    def queue(self) -> List[_Call]:
        """The calls waiting to run, as ``(fn, args, kwargs)`` (a copy)."""
        with self._cond:
            return list(self._queue)

    def callFromThread(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        with self._cond:
            self._queue.append((fn, args, kwargs))
            self._cond.notify_all()

    def _pop(self) -> Optional[_Call]:
        with self._cond:
            return self._queue.pop(0) if self._queue else None

    def flush(self) -> None:
        """Run every queued call (and those they queue) in this thread."""
        while True:
            call = self._pop()
            if call is None:
                return
            fn, args, kwargs = call
            fn(*args, **kwargs)

    def run_until(self, until: Callable[[], Any] = lambda: True, timeout: float = 5.0) -> None:
        """Run queued calls until ``until()`` holds (and the queue is empty).

        Waits for calls that worker threads hand back, with a deadline.

        :raises AssertionError: when ``until()`` does not hold within ``timeout`` seconds.
        """
        deadline = time.monotonic() + timeout
        while True:
            self.flush()
            if until():
                return
            if time.monotonic() > deadline:
                raise AssertionError('fake reactor: condition not reached in {} s'.format(timeout))
            with self._cond:
                if not self._queue:
                    self._cond.wait(0.05)

    def _connect(self, host: str, port: int, factory: Any, tls: Any) -> FakeConnector:
        connector = FakeConnector(self, host, port, factory, tls)
        self.attempts.append(connector)
        return connector

    def connectTCP(self, host: str, port: int, factory: Any, timeout: float = 30,
                   bindAddress: Any = None) -> FakeConnector:
        return self._connect(host, port, factory, None)

    def connectSSL(self, host: str, port: int, factory: Any, contextFactory: Any,
                   timeout: float = 30, bindAddress: Any = None) -> FakeConnector:
        return self._connect(host, port, factory, contextFactory)


class ThreadedFakeReactor(FakeReactor):
    """A :class:`FakeReactor` that also owns a real thread pool (``getThreadPool``).

    :meth:`run_until` runs what worker threads hand back with ``callFromThread``,
    as the reactor loop would. Call :meth:`stop` to end the pool.
    """

    def __init__(self, min_threads: int = 1, max_threads: int = 2) -> None:
        super().__init__()
        from twisted.python.threadpool import ThreadPool
        self._pool = ThreadPool(min_threads, max_threads, name='fake-reactor-pool')
        self._pool.start()

    def getThreadPool(self) -> Any:
        return self._pool

    def stop(self) -> None:
        """Stop the thread pool (the clock itself has nothing to stop)."""
        self._pool.stop()


def use_clock_timers(factory: Any, clock: Any) -> None:
    """Make an autobahn WebSocket factory run its timeouts on ``clock``.

    autobahn schedules handshake and close timeouts on a process-wide timer of
    its own; with this they run on the given
    :class:`~twisted.internet.task.Clock` (or reactor) instead.
    """
    use_reactor_timer(factory, clock)
