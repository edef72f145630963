"""One reconnect/retry policy for everything in the package that waits and tries again.

:class:`Backoff` is used by the stream connections (reconnects), the user
stream (listen-key requests) and the depth cache (snapshot re-syncs). It only
computes delays and counts attempts; the caller schedules the retry, usually
with :meth:`Backoff.call_later` on its injected reactor, so tests drive it
with :class:`twisted.internet.task.Clock`::

    from twisted.internet.task import Clock
    clock, backoff = Clock(), Backoff(initial=0.1, factor=2.0, max_delay=10.0)
    call = backoff.call_later(clock, reconnect)   # 0.1 s from now
    clock.advance(0.1)                            # reconnect() runs

The delay of attempt *n* (1-based) is ``min(initial * factor ** (n - 1),
max_delay)``, multiplied by a random factor in ``[1 - jitter, 1 + jitter]``.
"""
import math
import random
from typing import Any, Callable, Optional

__all__ = ['Backoff', 'RECONNECT_FACTOR', 'RECONNECT_JITTER']

#: growth of the reconnect delay per failed attempt (the socket manager's policy)
RECONNECT_FACTOR = math.e
#: relative spread of each reconnect delay (±10 %)
RECONNECT_JITTER = 0.1


class Backoff:
    """Exponential backoff with a cap, jitter and an optional retry budget.

    :param initial: seconds before the first retry.
    :param factor: growth of the delay per consecutive failure (>= 1).
    :param max_delay: the largest delay, before jitter.
    :param jitter: relative spread of each delay, ``0 <= jitter < 1``.
    :param max_retries: retries allowed before :attr:`exhausted`; ``None``: no limit.
    :param rng: ``random.Random``-like source of :meth:`uniform` (tests pass a seeded one).
    :raises ValueError: for a negative delay, a factor below 1 or a jitter outside [0, 1).
    """

    __slots__ = ('initial', 'factor', 'max_delay', 'jitter', 'max_retries', 'attempts',
                 'retries', '_rng')

    def __init__(self, initial: float, factor: float, max_delay: float, *, jitter: float = 0.0,
                 max_retries: Optional[int] = None, rng: Any = None) -> None:
        if initial < 0 or max_delay < 0:
            raise ValueError('backoff delays must be >= 0 seconds, got initial={!r}, '
                             'max_delay={!r}'.format(initial, max_delay))
        if factor < 1:
            raise ValueError('backoff factor must be >= 1, got {!r}'.format(factor))
        if not 0 <= jitter < 1:
            raise ValueError('backoff jitter must be in [0, 1), got {!r}'.format(jitter))
        if max_retries is not None and max_retries < 0:
            raise ValueError('max_retries must be None or >= 0, got {!r}'.format(max_retries))
        self.initial = initial
        self.factor = factor
        self.max_delay = max_delay
        self.jitter = jitter
        self.max_retries = max_retries
        #: consecutive failures that set the delay (back to 0 by :meth:`reset_delay`)
        self.attempts = 0
        #: failures counted against ``max_retries`` (back to 0 by :meth:`reset_budget`)
        self.retries = 0
        self._rng = random if rng is None else rng

    def __repr__(self) -> str:
        return '<Backoff attempts={} initial={} factor={} max={}>'.format(
            self.attempts, self.initial, self.factor, self.max_delay)

    def delay_for(self, attempt: int) -> float:
        """The delay (without jitter) before retry number ``attempt`` (1-based); 0 for 0."""
        if attempt <= 0:
            return 0.0
        return min(self.initial * self.factor ** (attempt - 1), self.max_delay)

    @property
    def current(self) -> float:
        """The delay (without jitter) that goes with the failures counted so far."""
        return self.delay_for(self.attempts)

    @property
    def exhausted(self) -> bool:
        """True once more failures were counted than ``max_retries`` allows."""
        return self.max_retries is not None and self.retries > self.max_retries

    def fail(self) -> None:
        """Count one failure (for the delay and against the retry budget)."""
        self.attempts += 1
        self.retries += 1

    def delay(self) -> float:
        """Seconds to wait now: :attr:`current` with jitter applied."""
        delay = self.current
        if self.jitter:
            delay *= self._rng.uniform(1.0 - self.jitter, 1.0 + self.jitter)
        return delay

    def next_delay(self) -> float:
        """Count one failure and return the (jittered) seconds to wait before retrying."""
        self.fail()
        return self.delay()

    def reset(self) -> None:
        """Forget every failure: a fresh budget, and the next delay is ``initial``."""
        self.attempts = 0
        self.retries = 0

    def reset_delay(self) -> None:
        """The next delay is ``initial`` again; the retry budget is unchanged."""
        self.attempts = 0

    def reset_budget(self) -> None:
        """A fresh retry budget; the delay keeps growing from where it is."""
        self.retries = 0

    def call_later(self, reactor: Any, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Count a failure and schedule ``fn`` after :meth:`next_delay` on ``reactor``.

        :returns: the ``IDelayedCall``.
        """
        return reactor.callLater(self.next_delay(), fn, *args, **kwargs)
