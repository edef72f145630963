"""The replay's clock and pace: releases the merged events to the market.

* **Clock.** :meth:`Tape.clock` (seconds) is the market's clock: it starts at
  the first event's time and follows the data; with ``speed > 0`` it also
  moves between two events (never past the next one), with ``speed == 0`` it
  stands at the last released event. Timer-driven streams (klines, tickers,
  partial depth) run on :attr:`Tape.timers`, a :class:`twisted.internet.task.Clock`
  moved to the replay time at each event, so they too are replay time.
* **Start.** Nothing is released before :meth:`Tape.begin` (the exchange calls
  it at the script's first stream connection or request).
* **Pace.** ``speed`` replay seconds per wall second; ``0`` is lockstep: an
  event is released only once the script handled what the previous ones
  sent (:class:`~binance.testing.replay.lockstep.LockstepGate`: handed over in
  memory to a client of this process and answered, or acknowledged by one in
  another process), so what a script sees never depends on the machine's
  speed. After each event the tape flushes the gate's hand-off outbox. At any
  speed the end comes only once the script handled every message.
* **End.** When the data is exhausted, :attr:`Tape.exhausted` is set and every
  :meth:`Tape.on_end` callback runs once with the tape (the end-of-run report
  reads :meth:`Tape.last_prices` there).
"""
import logging
import time
from typing import Any, Callable, Iterator, List, Optional

from twisted.internet.task import Clock

from binance.testing.replay.desk import Desk
from binance.testing.replay.reader import Event

__all__ = ['Tape']

log = logging.getLogger(__name__)

#: Events released per reactor turn at most (other work runs in between).
BATCH = 2000
#: Seconds between two looks at the script's sockets still connecting (lockstep).
CONNECTING_POLL = 0.005


class Tape:
    """Releases ``events`` (a time-ordered iterator) to ``desk`` at ``speed``.

    :param events: :data:`~binance.testing.replay.reader.Event` tuples in time order.
    :param first_ms: the first event's time (the clock before :meth:`begin`).
    :param desk: applies each event to the market.
    :param speed: replay seconds per wall second; ``0`` for lockstep.
    :param gate: the lockstep gate (``None``: nothing to wait for).
    :param wall: the wall clock (seconds), for ``speed > 0``.
    """

    def __init__(self, events: Iterator[Event], first_ms: int, desk: Desk, speed: float,
                 gate: Any = None, wall: Callable[[], float] = time.monotonic) -> None:
        self._events = events
        self.desk = desk
        self.speed = float(speed)
        self.gate = gate
        self._wall = wall
        self.now_ms = first_ms
        #: the clock of the timer-driven streams (replay seconds)
        self.timers = Clock()
        self.timers.advance(first_ms / 1000.0)
        self.started = False
        self.exhausted = False
        self.released = 0
        self._reactor: Any = None
        self._pending: Optional[Event] = None
        self._anchor: Optional[tuple] = None   # (wall seconds, replay ms) when speed > 0
        self._call: Any = None
        self._waiting = False
        self._stopped = False
        self._end_callbacks: List[Callable[['Tape'], Any]] = []

    # -- the market's clock --------------------------------------------------

    def clock(self) -> float:
        """Replay time in seconds (the market's ``clock``)."""
        if self.speed and self._anchor is not None and not self.exhausted:
            wall, replay_ms = self._anchor
            moved = replay_ms + int((self._wall() - wall) * self.speed * 1000)
            limit = self._pending[0] if self._pending is not None else self.now_ms
            return (min(max(moved, self.now_ms), max(limit, self.now_ms)) + 0.5) / 1000.0
        return (self.now_ms + 0.5) / 1000.0

    def last_prices(self) -> dict:
        """``{symbol: last replayed price}`` (for the end-of-run report)."""
        return self.desk.last_prices()

    def on_end(self, callback: Callable[['Tape'], Any]) -> None:
        """Call ``callback(tape)`` once the data is exhausted (at once if it is)."""
        if self.exhausted:
            callback(self)
        else:
            self._end_callbacks.append(callback)

    # -- running -------------------------------------------------------------

    def begin(self, reactor: Any) -> None:
        """Start releasing events (reactor thread); later calls do nothing."""
        if self.started or self._stopped:
            return
        self.started = True
        self._reactor = reactor
        if self.gate is not None:
            self.gate.on_clear = self._clear
        self._anchor = (self._wall(), self.now_ms)
        self._call = reactor.callLater(0, self._run)

    def release(self, count: Optional[int] = None) -> int:
        """Release up to ``count`` events now (all when ``None``), without pace or
        lockstep, on the calling thread; for tests and tools driving a market with no
        servers running. Returns how many were released."""
        released = 0
        while count is None or released < count:
            event = self._pending or next(self._events, None)
            self._pending = None
            if event is None:
                self._end()
                break
            self._release(event)
            released += 1
        return released

    def stop(self) -> None:
        """Release nothing more (the exchange stops)."""
        self._stopped = True
        if self._call is not None and self._call.active():
            self._call.cancel()
        self._call = None

    def _clear(self) -> None:
        """The lockstep gate is clear again: go on at once (the acknowledgement's
        reactor turn; a callLater would cost one more turn per event)."""
        if self._waiting and not self._stopped:
            self._waiting = False
            if self._call is not None and self._call.active():
                self._call.cancel()
            self._run()

    def _schedule(self, delay: float) -> None:
        if self._call is None or not self._call.active():
            self._call = self._reactor.callLater(delay, self._run)

    def _run(self) -> None:
        self._call = None
        if self._stopped:
            return
        gate = self.gate
        if gate is not None:
            gate.stepping = True     # it flushes after each event: no flush scheduled per send
        try:
            for _ in range(BATCH):
                if gate is not None and not self.speed:
                    if gate.busy():
                        self._waiting = True
                        return
                    if gate.connecting():     # no ack will come: look again soon
                        self._schedule(CONNECTING_POLL)
                        return
                event = self._pending
                if event is None:
                    event = next(self._events, None)
                    if event is None:
                        if gate is not None and gate.busy():
                            # the end comes once the script handled every message
                            self._pending = None
                            self._events = iter(())
                            self._waiting = True
                            return
                        self._end()
                        return
                if self.speed:
                    assert self._anchor is not None
                    wall, replay_ms = self._anchor
                    due = wall + (event[0] - replay_ms) / 1000.0 / self.speed
                    wait = due - self._wall()
                    if wait > 0:
                        self._pending = event
                        self._schedule(wait)
                        return
                self._pending = None
                self._release(event)
                if gate is not None:
                    gate.flush()     # hand the event over to in-process clients
        except Exception:
            log.exception('the replay failed; it stops here')
            self._end()
            return
        finally:
            if gate is not None:
                gate.stepped(self._reactor)
        self._schedule(0)

    def _release(self, event: Event) -> None:
        t = event[0]
        if t > self.now_ms:
            self.now_ms = t
            self.timers.advance(max(0.0, (t + 0.5) / 1000.0 - self.timers.seconds()))
        self.released += 1
        self.desk.apply(event[2], event[3], event[4])

    def _end(self) -> None:
        if self.exhausted:
            return
        self.exhausted = True
        log.info('replay: the data is exhausted after %d events', self.released)
        callbacks, self._end_callbacks = self._end_callbacks, []
        for callback in callbacks:
            try:
                callback(self)
            except Exception:
                log.exception('a replay end callback failed')
