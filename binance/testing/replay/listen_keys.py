"""Listen keys of a replay expire in replay time.

Binance closes a user data stream 60 minutes after its listen key was
created or last kept alive: the key's stream receives ``listenKeyExpired``
and the key is refused from then on (``-1125``). Outside a replay the local
exchange's ticker looks for such keys at each step, on the exchange's clock.
A replay has no ticker and its clock is the data's, so :func:`expire_in_replay_time`
schedules the look on the tape's timer clock
(:attr:`~binance.testing.replay.tape.Tape.timers`, moved to each released
event's time) at each key's deadline: a key not kept alive expires at the
first replayed event at or after its deadline, with that event's time; a
keepalive in replay time moves the deadline (the look at the old one then
finds nothing due). A replay without listen keys pays nothing.
"""
import logging
import threading
from typing import Any, Callable, List, Sequence

__all__ = ['expire_in_replay_time']

log = logging.getLogger(__name__)


def expire_in_replay_time(reactor: Any, timers: Any, markets: Sequence[Any]) -> Callable[[], None]:
    """Expire the listen keys of ``markets`` (spot, USD-M, COIN-M) when ``timers``
    (the tape's clock) reaches their deadlines.

    The markets report new deadlines from REST threads; they are scheduled on the
    reactor thread by the returned ``drain`` (the lockstep hand-off runs it after
    each event, so a keepalive made in a callback counts before the next event)
    or, at the latest, in the reactor's next turn.
    """
    def check() -> None:
        for market in markets:
            if market.has_listen_keys:   # read without the lock: most have none
                try:
                    market.expire_due_keys()
                except Exception:   # the other markets still get their look
                    log.exception('the replay failed to expire listen keys')

    pending: List[int] = []
    lock = threading.Lock()

    def drain() -> None:   # reactor thread, as the tape's clock
        with lock:
            due = pending[:]
            del pending[:]
        for deadline_ms in due:
            timers.callLater(max(0.0, deadline_ms / 1000.0 - timers.seconds()), check)

    def at_deadline(deadline_ms: int) -> None:
        with lock:
            pending.append(deadline_ms)
        reactor.callFromThread(drain)

    for market in markets:
        market.on_listen_key_deadline = at_deadline
    return drain
