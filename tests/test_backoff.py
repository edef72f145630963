"""binance._streams.backoff.Backoff: the one retry policy of reconnects, listen keys and depth re-syncs."""
import random

import pytest
from twisted.internet.task import Clock

from binance._streams.backoff import Backoff


def test_delays_grow_by_the_factor_up_to_the_cap():
    """Without jitter the n-th delay is initial * factor**(n-1), never above max_delay."""
    backoff = Backoff(0.5, 2.0, 30.0)
    assert [backoff.next_delay() for _ in range(8)] == [0.5, 1, 2, 4, 8, 16, 30, 30]
    assert backoff.current == 30


def test_reset_starts_again_from_the_initial_delay():
    """After reset() the next delay is the initial one and the budget is fresh."""
    backoff = Backoff(0.1, 3.0, 10.0, max_retries=2)
    for _ in range(2):
        backoff.next_delay()
    assert not backoff.exhausted            # two retries allowed; the third failure ends it
    backoff.next_delay()
    assert backoff.exhausted
    backoff.reset()
    assert not backoff.exhausted and backoff.current == 0 and backoff.next_delay() == 0.1


def test_budget_and_delay_reset_separately():
    """reset_budget keeps the grown delay; reset_delay keeps the spent budget."""
    backoff = Backoff(1.0, 2.0, 100.0, max_retries=3)
    for _ in range(3):
        backoff.next_delay()
    backoff.reset_budget()
    assert backoff.retries == 0 and backoff.next_delay() == 8.0
    backoff.reset_delay()
    assert backoff.next_delay() == 1.0 and backoff.retries == 2


def test_jitter_stays_within_its_spread():
    """Each jittered delay lies within [1 - jitter, 1 + jitter] of the plain one."""
    backoff = Backoff(1.0, 2.0, 8.0, jitter=0.1, rng=random.Random(3))
    seen = []
    for n in range(1, 7):
        delay = backoff.next_delay()
        plain = min(2.0 ** (n - 1), 8.0)
        assert plain * 0.9 <= delay <= plain * 1.1
        seen.append(delay / plain)
    assert len(set(seen)) > 1             # the factor really varies


def test_call_later_schedules_on_the_given_clock():
    """call_later runs the retry after the computed delay on an injected Clock."""
    clock, calls = Clock(), []
    backoff = Backoff(0.25, 2.0, 1.0)
    backoff.call_later(clock, calls.append, 'first')
    clock.advance(0.24)
    assert calls == []
    clock.advance(0.01)
    assert calls == ['first']
    backoff.call_later(clock, calls.append, 'second')
    clock.advance(0.49)
    assert calls == ['first']
    clock.advance(0.01)
    assert calls == ['first', 'second']


@pytest.mark.parametrize('kwargs, word', [
    ({'initial': -1, 'factor': 2, 'max_delay': 1}, 'delays'),
    ({'initial': 1, 'factor': 0.5, 'max_delay': 1}, 'factor'),
    ({'initial': 1, 'factor': 2, 'max_delay': 1, 'jitter': 1.0}, 'jitter'),
    ({'initial': 1, 'factor': 2, 'max_delay': 1, 'max_retries': -1}, 'max_retries'),
])
def test_bad_settings_are_refused(kwargs, word):
    """Negative delays, a shrinking factor, a jitter of 100 % or a negative budget are errors."""
    with pytest.raises(ValueError, match=word):
        Backoff(**kwargs)


def test_the_three_users_share_the_policy():
    """Stream factories, the user stream's key fetch and the depth-cache sync all use Backoff."""
    from binance.depthcache import DepthCache, DepthCacheSync
    from binance.websockets import BinanceSocketManager
    from binance.testing.reactor import FakeReactor
    reactor = FakeReactor()
    bm = BinanceSocketManager(None, reactor=reactor)
    bm.STREAM_URL = 'ws://127.0.0.1:9000/'
    bm.start_trade_socket('BNBBTC', print)
    reactor.flush()
    assert isinstance(reactor.attempts[0].factory.backoff, Backoff)
    sync = DepthCacheSync(DepthCache('BNBBTC'))
    assert isinstance(sync.backoff, Backoff)
    sync.note_failure()
    assert sync.retry_delay == DepthCacheSync.INITIAL_BACKOFF
