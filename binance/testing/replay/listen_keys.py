"""Listen keys of a replay expire in replay time.

Binance closes a user data stream 60 minutes after its listen key was
created or last kept alive: the key's stream receives ``listenKeyExpired``
and the key is refused from then on (``-1125``). Outside a replay the local
exchange's ticker looks for such keys at each step, on the exchange's clock.
A replay has no ticker and its clock is the data's, so :func:`expire_in_replay_time`
makes the same look on the tape's timer clock
(:attr:`~binance.testing.replay.tape.Tape.timers`, moved to each released
event's time): a key not kept alive expires once the replay clock has passed
its deadline, at most :data:`CHECK_INTERVAL` replay seconds later, with the
event time of the replay; a keepalive in replay time moves the deadline.
"""
import logging
from typing import Any, Sequence

from twisted.internet.task import LoopingCall

__all__ = ['expire_in_replay_time', 'CHECK_INTERVAL']

log = logging.getLogger(__name__)

#: Replay seconds between two looks at the listen keys.
CHECK_INTERVAL = 1.0


def expire_in_replay_time(timers: Any, markets: Sequence[Any]) -> LoopingCall:
    """Expire the due listen keys of ``markets`` (spot, USD-M, COIN-M) every
    :data:`CHECK_INTERVAL` seconds of ``timers`` (the tape's clock); returns the
    running :class:`~twisted.internet.task.LoopingCall`. Reactor thread."""
    def check() -> None:
        for market in markets:
            if market.has_listen_keys:   # read without the lock: most replays have none
                try:
                    market.expire_due_keys()
                except Exception:   # never stop looking
                    log.exception('the replay failed to expire listen keys')
    loop = LoopingCall(check)
    loop.clock = timers
    loop.start(CHECK_INTERVAL, now=False)
    return loop
