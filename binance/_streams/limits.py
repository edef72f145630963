"""Binance's stream limits, and the objects that keep them.

Sources: the "WebSocket Streams" page of Binance's spot docs
(web-socket-streams.md: 5 messages a second from the client per connection,
1024 streams per connection, 300 connection attempts per 5 minutes per IP)
and the USD-M futures docs (200 streams per connection).

* :data:`MAX_STREAMS_PER_CONNECTION` / :data:`FUTURES_MAX_STREAMS`: streams
  on one connection (the client's checks, packing and the local exchange);
* :class:`AttemptBudget`: connection attempts per window, one budget per
  reactor (so: per process), shared by every manager; attempts past it wait,
  and a log line says so;
* :class:`ControlLimiter`: the pings, pongs and JSON requests a client sends
  on one connection, at most 5 per second; requests
  (``SUBSCRIBE``/``UNSUBSCRIBE``/``LIST_SUBSCRIPTIONS``) are batched and
  queued so that they leave room for the pongs.

Everything but the constants runs on the reactor thread.
"""
import logging
import weakref
from collections import deque
from typing import Any, Callable, Deque

from binance._fallback_log import SHOW

__all__ = ['MAX_STREAMS_PER_CONNECTION', 'FUTURES_MAX_STREAMS', 'MAX_CONNECTION_ATTEMPTS',
           'CONNECTION_WINDOW', 'MAX_CONTROL_PER_SECOND', 'SUBSCRIBE_BATCH', 'AttemptBudget',
           'budget_for', 'ControlLimiter']

log = logging.getLogger('binance.websockets')

#: Binance allows at most this many streams on one spot connection.
MAX_STREAMS_PER_CONNECTION = 1024
#: Streams per connection on USD-M futures.
FUTURES_MAX_STREAMS = 200
#: Connection attempts per :data:`CONNECTION_WINDOW` seconds (per IP; here per process).
MAX_CONNECTION_ATTEMPTS = 300
CONNECTION_WINDOW = 300.0
#: Control messages (pings, pongs, SUBSCRIBE...) per second per connection.
MAX_CONTROL_PER_SECOND = 5
#: ``SUBSCRIBE`` params per request (a connection's streams fit in one).
SUBSCRIBE_BATCH = MAX_STREAMS_PER_CONNECTION


# -- the connection-attempt budget ------------------------------------------------------

class AttemptBudget:
    """At most ``limit`` connection attempts per ``window`` seconds on one reactor.

    :meth:`admit` runs the attempt now when there is room, else queues it
    (first come, first served) and runs it as soon as the oldest attempt in
    the window is ``window`` seconds old.
    """

    def __init__(self, reactor: Any, limit: int = MAX_CONNECTION_ATTEMPTS,
                 window: float = CONNECTION_WINDOW) -> None:
        self.reactor = reactor
        self.limit = limit
        self.window = window
        self._times: Deque[float] = deque()
        self._waiting: Deque[Callable[[], Any]] = deque()
        self._call: Any = None

    @property
    def waiting(self) -> int:
        """Attempts queued until the budget allows them."""
        return len(self._waiting)

    def _room(self, now: float) -> bool:
        times = self._times
        while times and times[0] <= now - self.window:
            times.popleft()
        return len(times) < self.limit

    def admit(self, attempt: Callable[[], Any]) -> None:
        """Run ``attempt()`` now if the budget allows, otherwise later."""
        now = self.reactor.seconds()
        if not self._waiting and self._room(now):
            self._times.append(now)
            attempt()
            return
        self._waiting.append(attempt)
        if len(self._waiting) == 1:
            # shown even with no logging configured: sockets that seem not to
            # connect for minutes would otherwise look broken
            log.warning('connection attempts wait: Binance allows %d per %g s per IP; '
                        'the next one in %.1f s (BinanceSocketManager(client, '
                        'streams_per_connection=1024) carries up to 1024 streams a connection)',
                        self.limit, self.window, self._times[0] + self.window - now,
                        extra={SHOW: True})
        self._schedule(now)

    def _schedule(self, now: float) -> None:
        if self._call is not None and self._call.active():
            return
        delay = max(0.0, self._times[0] + self.window - now) if self._times else 0.0
        self._call = self.reactor.callLater(delay, self._drain)

    def _drain(self) -> None:
        self._call = None
        now = self.reactor.seconds()
        while self._waiting and self._room(now):
            self._times.append(now)
            attempt = self._waiting.popleft()
            try:
                attempt()
            except Exception:
                log.exception('a queued connection attempt failed')
        if self._waiting:
            log.info('%d connection attempt(s) still waiting for the budget', len(self._waiting))
            self._schedule(now)


_budgets: 'weakref.WeakKeyDictionary[Any, AttemptBudget]' = weakref.WeakKeyDictionary()


def budget_for(reactor: Any, limit: int, window: float) -> AttemptBudget:
    """The process's budget for ``reactor`` (one per reactor, shared by every manager)."""
    budget = _budgets.get(reactor)
    if budget is None:
        budget = _budgets[reactor] = AttemptBudget(reactor, limit, window)
    budget.limit, budget.window = limit, window
    return budget


# -- control messages -------------------------------------------------------------------

class ControlLimiter:
    """The client's control messages on one connection, at most ``limit`` per second.

    ``reserve`` of them are kept for the pongs answering the server's pings
    (sent by autobahn at once), so requests use ``limit - reserve``.
    """

    def __init__(self, reactor: Any, limit: int = MAX_CONTROL_PER_SECOND,
                 reserve: int = 1) -> None:
        self.reactor = reactor
        self.limit = limit
        self.reserve = reserve
        self.sent: Deque[float] = deque()
        #: the most control messages sent within one second so far (for tests, benchmarks)
        self.peak = 0

    def _prune(self, now: float) -> None:
        sent = self.sent
        while sent and sent[0] <= now - 1.0:
            sent.popleft()

    def note(self) -> None:
        """Count a control message sent now (a pong, a ping, a request)."""
        now = self.reactor.seconds()
        self._prune(now)
        self.sent.append(now)
        if len(self.sent) > self.peak:
            self.peak = len(self.sent)

    def room(self) -> bool:
        """Whether a request may be sent now."""
        self._prune(self.reactor.seconds())
        return len(self.sent) < self.limit - self.reserve

    def wait(self) -> float:
        """Seconds until a request may be sent."""
        now = self.reactor.seconds()
        self._prune(now)
        if len(self.sent) < self.limit - self.reserve:
            return 0.0
        return self.sent[-(self.limit - self.reserve)] + 1.0 - now + 1e-6
