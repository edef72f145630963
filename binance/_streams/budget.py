"""The process's connection-attempt budget: Binance's 300 attempts per 5 minutes,
shared fairly, and a mass reconnect spread behind one probe.

Binance counts connection attempts per IP (300 per 5 minutes, failed ones
included: web-socket-streams.md); past it, it answers the handshake with
HTTP 429 and then bans the IP. :class:`AttemptBudget` keeps the count for the
whole process (one per reactor, :func:`budget_for`) and adds two rules so
that one bad link or one outage cannot spend it:

* **fair share**: once half of the window's budget is used, one link (one
  reconnecting factory) may make at most :data:`FAIR_SHARE` of the limit
  (10 %, 30 attempts) per window; past that, its attempts wait for its own
  oldest attempt to leave the window, while other links still connect.
  When attempts wait for the budget, the oldest-served link goes first
  (fewest attempts in the window, then first come).
* **one probe per host**: when a connection to a host is lost or an attempt
  fails, the host is *suspect*: its next attempt is a probe, and the
  attempts of the other links to that host wait (they are *parked*, and
  count nothing) until the probe completes its handshake, which releases
  them all at once. A failed probe makes the next one wait (``initial``
  seconds, growing like a link's backoff up to ``max_delay``). So when
  every connection drops and the server refuses for a while, the refusal
  costs a few probes, not an attempt per socket per retry: a brief outage
  of every connection never exhausts the budget.

Each link reports to the budget: :meth:`AttemptBudget.admit` (make an
attempt now or later), :meth:`opened` (handshake done), :meth:`failed` (the
attempt failed), :meth:`lost` (an open connection was lost) and
:meth:`forget` (the link stopped or gave up). :meth:`eta` says when a
waiting link's attempt is expected (``bm.socket_state``).

While attempts wait for the budget, a warning naming how many links wait
and until when reaches stderr even with no logging configured
(:mod:`binance._fallback_log`), at most every :data:`WARN_EVERY` seconds.

Everything here runs on the reactor thread.
"""
import logging
import math
import weakref
from collections import deque
from typing import Any, Callable, Deque, Dict, List, Optional, Tuple

from binance._fallback_log import SHOW

__all__ = ['AttemptBudget', 'budget_for', 'FAIR_SHARE', 'WARN_EVERY']

log = logging.getLogger('binance.websockets')

#: share of the window's limit one link may use once the budget is half spent
FAIR_SHARE = 0.1
#: seconds between two warnings about attempts waiting for the budget
WARN_EVERY = 30.0

Attempt = Callable[[], Any]


class _Host:
    """The probe state of one host (``host:port``)."""

    __slots__ = ('suspect', 'probe', 'parked', 'failures', 'next_probe', 'call')

    def __init__(self) -> None:
        self.suspect = False
        self.probe: Any = None
        self.parked: Deque[Tuple[Any, Attempt]] = deque()
        self.failures = 0
        self.next_probe = 0.0
        self.call: Any = None


class AttemptBudget:
    """At most ``limit`` connection attempts per ``window`` seconds on one reactor.

    :param reactor: the clock and scheduler (a ``task.Clock`` in tests).
    :param limit: attempts per window (Binance: 300).
    :param window: seconds (Binance: 300).
    :param initial: seconds a host waits after its first failed probe.
    :param max_delay: the longest wait between two probes of a host.
    """

    def __init__(self, reactor: Any, limit: int = 300, window: float = 300.0, *,
                 initial: float = 0.1, max_delay: float = 10.0) -> None:
        self.reactor = reactor
        self.limit = limit
        self.window = window
        self.initial = initial
        self.max_delay = max_delay
        self._times: Deque[Tuple[float, Any]] = deque()
        self._per_owner: Dict[int, Deque[float]] = {}
        self._waiting: List[Tuple[Any, Attempt, float]] = []
        self._hosts: Dict[Tuple[Any, Any], _Host] = {}
        self._call: Any = None
        self._warned_at: Optional[float] = None
        self._seq = 0

    # -- what links and the manager read -----------------------------------------------

    @property
    def waiting(self) -> int:
        """Attempts queued until the budget allows them."""
        return len(self._waiting)

    @property
    def parked(self) -> int:
        """Attempts waiting behind a probe of their host."""
        return sum(len(h.parked) for h in self._hosts.values())

    def used(self) -> int:
        """Attempts made in the current window."""
        self._prune(self.reactor.seconds())
        return len(self._times)

    def eta(self, owner: Any) -> Optional[float]:
        """When (reactor time) ``owner``'s waiting attempt is expected to run;
        ``None`` when it has none waiting here."""
        now = self.reactor.seconds()
        for position, (who, _attempt, _seq) in enumerate(self._ordered()):
            if who is owner:
                return self._free_at(position, who, now)
        host = self._hosts.get(_host_key(owner))
        if host is not None and any(who is owner for who, _ in host.parked):
            return max(now, host.next_probe)
        return None

    # -- what links report -----------------------------------------------------------

    def admit(self, attempt: Attempt, owner: Any = None) -> None:
        """Run ``attempt()`` now if the budget (and its host's probe) allows, otherwise later."""
        if owner is not None:
            host = self._host(owner)
            if host.suspect and host.probe is not owner:
                now = self.reactor.seconds()
                if host.probe is None and now >= host.next_probe and not host.parked:
                    host.probe = owner
                else:
                    host.parked.append((owner, attempt))
                    self._schedule_probe(host, now)
                    return
        self._admit(attempt, owner)

    def opened(self, owner: Any) -> None:
        """``owner`` completed a handshake: its host is well; parked attempts go now."""
        host = self._hosts.get(_host_key(owner))
        if host is None or not host.suspect:
            return
        host.suspect, host.probe, host.failures = False, None, 0
        self._cancel(host)
        parked, host.parked = host.parked, deque()
        for who, attempt in parked:
            if not getattr(who, 'stopped', False):
                self._admit(attempt, who)

    def failed(self, owner: Any) -> None:
        """An attempt of ``owner`` failed (refused, handshake refused or timed out)."""
        host = self._host(owner)
        host.suspect = True
        if host.probe is owner or host.probe is None:
            host.probe = None
            host.failures += 1
            delay = min(self.initial * math.e ** (host.failures - 1), self.max_delay)
            # below a link's shortest jittered delay (0.9 x), so a lone link never waits twice
            host.next_probe = self.reactor.seconds() + 0.85 * delay
            self._schedule_probe(host, self.reactor.seconds())

    def lost(self, owner: Any) -> None:
        """An open connection of ``owner`` was lost: its host is suspect until one reconnects."""
        host = self._host(owner)
        if not host.suspect:
            host.suspect = True
            host.failures = 0
            host.next_probe = 0.0

    def forget(self, owner: Any) -> None:
        """``owner`` stopped or gave up: drop its waiting attempts; its probe passes on."""
        self._waiting = [w for w in self._waiting if w[0] is not owner]
        host = self._hosts.get(_host_key(owner))
        if host is None:
            return
        host.parked = deque(p for p in host.parked if p[0] is not owner)
        if host.probe is owner:
            host.probe = None
            self._schedule_probe(host, self.reactor.seconds())

    # -- the window ------------------------------------------------------------------

    def _host(self, owner: Any) -> _Host:
        key = _host_key(owner)
        host = self._hosts.get(key)
        if host is None:
            host = self._hosts[key] = _Host()
        return host

    def _prune(self, now: float) -> None:
        times, edge = self._times, now - self.window
        while times and times[0][0] <= edge:
            _, owner_id = times.popleft()
            mine = self._per_owner.get(owner_id)
            if mine is not None:
                mine.popleft()
                if not mine:
                    del self._per_owner[owner_id]

    def _fair_limit(self) -> int:
        return max(1, int(self.limit * FAIR_SHARE))

    def _may(self, owner: Any, now: float) -> bool:
        """Whether ``owner`` may make an attempt now (window pruned)."""
        used = len(self._times)
        if used >= self.limit:
            return False
        if owner is None or used < self.limit // 2:
            return True
        mine = self._per_owner.get(id(owner))
        return mine is None or len(mine) < self._fair_limit()

    def _record(self, owner: Any, now: float) -> None:
        self._times.append((now, id(owner)))
        self._per_owner.setdefault(id(owner), deque()).append(now)

    def _admit(self, attempt: Attempt, owner: Any) -> None:
        now = self.reactor.seconds()
        self._prune(now)
        if self._may(owner, now) and not any(self._may(w[0], now) for w in self._waiting):
            # (those waiting now wait for their own share, not for the budget)
            self._record(owner, now)
            attempt()
            return
        self._seq += 1
        self._waiting.append((owner, attempt, self._seq))
        if owner is not None:
            # a probe that waits for the budget must not hold back its host's others
            host = self._hosts.get(_host_key(owner))
            if host is not None and host.probe is owner:
                host.probe = None
                self._schedule_probe(host, now)
        self._warn(now)
        self._schedule(now)

    def _ordered(self) -> List[Tuple[Any, Attempt, float]]:
        """Waiting attempts in the order they will run: fewest attempts in the window first."""
        per_owner = self._per_owner
        return sorted(self._waiting, key=lambda w: (len(per_owner.get(id(w[0]), ())), w[2]))

    def _free_at(self, position: int, owner: Any, now: float) -> float:
        """Estimated time the ``position``-th waiting attempt gets its turn."""
        times = self._times
        index = position - max(0, self.limit - len(times))
        if index < 0 or not times:
            at = now
        else:  # the attempts of each later window go as those of this one age out
            rounds, index = divmod(index, self.limit)
            at = times[min(index, len(times) - 1)][0] + self.window * (rounds + 1)
        mine = self._per_owner.get(id(owner))
        if mine is not None and len(mine) >= self._fair_limit() and len(times) >= self.limit // 2:
            at = max(at, mine[0] + self.window)
        return max(now, at)

    def _schedule(self, now: float) -> None:
        if self._call is not None and self._call.active():
            return
        if not self._waiting:
            return
        at = min(self._free_at(i, w[0], now) for i, w in enumerate(self._ordered()))
        self._call = self.reactor.callLater(max(0.0, at - now), self._drain)

    def _drain(self) -> None:
        self._call = None
        now = self.reactor.seconds()
        self._prune(now)
        progress = True
        while self._waiting and progress:
            progress = False
            for entry in self._ordered():
                owner, attempt, _ = entry
                if self._may(owner, now):
                    self._waiting.remove(entry)
                    self._record(owner, now)
                    progress = True
                    try:
                        attempt()
                    except Exception:
                        log.exception('a queued connection attempt failed')
                    break
                if len(self._times) >= self.limit:
                    break
        if self._waiting:
            self._warn(now)
            self._schedule(now)
        else:
            self._warned_at = None

    def _warn(self, now: float) -> None:
        """Warn (after the attempts of this turn of the reactor joined the queue)."""
        if self._warned_at is not None and now - self._warned_at < WARN_EVERY:
            return
        self._warned_at = now
        self.reactor.callLater(0, self._warn_now)

    def _warn_now(self) -> None:
        if not self._waiting:
            return
        now = self.reactor.seconds()
        ordered = self._ordered()
        last = max(self._free_at(i, w[0], now) for i, w in enumerate(ordered))
        # shown even with no logging configured: streams silent for minutes
        # would otherwise look broken (or well)
        log.warning('%d stream connection(s) wait for the connection-attempt budget '
                    '(Binance allows %d attempts per %g s per IP), the last for up to %.0f s; '
                    'BinanceSocketManager(client, streams_per_connection=1024) carries many '
                    'streams on one connection', len(ordered), self.limit, self.window,
                    last - now, extra={SHOW: True})

    # -- probes ----------------------------------------------------------------------

    def _schedule_probe(self, host: _Host, now: float) -> None:
        if host.probe is not None or not host.parked:
            return
        if host.call is not None and host.call.active():
            return
        host.call = self.reactor.callLater(max(0.0, host.next_probe - now), self._probe, host)

    def _probe(self, host: _Host) -> None:
        host.call = None
        if host.probe is not None:
            return
        while host.parked:
            owner, attempt = host.parked.popleft()
            if getattr(owner, 'stopped', False):
                continue
            host.probe = owner
            self._admit(attempt, owner)
            return

    def _cancel(self, host: _Host) -> None:
        call, host.call = host.call, None
        if call is not None and call.active():
            call.cancel()


def _host_key(owner: Any) -> Tuple[Any, Any]:
    return (getattr(owner, 'host', None), getattr(owner, 'port', None))


_budgets: 'weakref.WeakKeyDictionary[Any, AttemptBudget]' = weakref.WeakKeyDictionary()


def budget_for(reactor: Any, limit: int, window: float, *, initial: float = 0.1,
               max_delay: float = 10.0) -> AttemptBudget:
    """The process's budget for ``reactor`` (one per reactor, shared by every manager)."""
    budget = _budgets.get(reactor)
    if budget is None:
        budget = _budgets[reactor] = AttemptBudget(reactor, limit, window)
    budget.limit, budget.window = limit, window
    budget.initial, budget.max_delay = initial, max_delay
    return budget
