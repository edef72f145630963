"""Binance's stream limits, and the objects that keep them.

Sources: the "WebSocket Streams" page of Binance's spot docs
(web-socket-streams.md: 5 messages a second from the client per connection,
1024 streams per connection, 300 connection attempts per 5 minutes per IP)
and the USD-M futures docs (200 streams per connection).

* :data:`MAX_STREAMS_PER_CONNECTION` / :data:`FUTURES_MAX_STREAMS`: streams
  on one connection (the client's checks, packing and the local exchange);
* :class:`~binance._streams.budget.AttemptBudget` (re-exported here):
  connection attempts per window, one budget per reactor (so: per process),
  shared fairly by every manager and link; attempts past it wait, and a
  warning says so;
* :class:`ControlLimiter`: the pings, pongs and JSON requests a client sends
  on one connection, at most 5 per second; requests
  (``SUBSCRIBE``/``UNSUBSCRIBE``/``LIST_SUBSCRIPTIONS``) are batched and
  queued so that they leave room for the pongs.

Everything but the constants runs on the reactor thread.
"""
import logging
from collections import deque
from typing import Any, Deque

from binance._streams.budget import AttemptBudget, budget_for

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

    def pong_room(self) -> bool:
        """Whether a pong (or a ping) may be sent now: fewer than ``limit`` control
        messages in the last second (requests leave ``reserve`` of them for these)."""
        self._prune(self.reactor.seconds())
        return len(self.sent) < self.limit

    def pong_wait(self) -> float:
        """Seconds until a pong may be sent."""
        now = self.reactor.seconds()
        self._prune(now)
        if len(self.sent) < self.limit:
            return 0.0
        return self.sent[-self.limit] + 1.0 - now + 1e-6
