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
from typing import Any, Sequence

__all__ = ['expire_in_replay_time']

log = logging.getLogger(__name__)


def expire_in_replay_time(reactor: Any, timers: Any, markets: Sequence[Any]) -> None:
    """Expire the listen keys of ``markets`` (spot, USD-M, COIN-M) when ``timers``
    (the tape's clock) reaches their deadlines; ``reactor`` runs the scheduling
    (the markets report new deadlines from REST threads)."""
    def check() -> None:
        for market in markets:
            if market.has_listen_keys:   # read without the lock: most have none
                try:
                    market.expire_due_keys()
                except Exception:   # the other markets still get their look
                    log.exception('the replay failed to expire listen keys')

    def schedule(deadline_ms: int) -> None:   # reactor thread, as the tape's clock
        timers.callLater(max(0.0, deadline_ms / 1000.0 - timers.seconds()), check)

    def at_deadline(deadline_ms: int) -> None:
        reactor.callFromThread(schedule, deadline_ms)

    for market in markets:
        market.on_listen_key_deadline = at_deadline
