"""Shared fixtures: a running local exchange and a hand-driven clock for the market."""
import pytest


class FakeClock:
    """A clock in seconds that only moves when told to (``clock.advance(s)``)."""

    def __init__(self, now: float = 1700000000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def fake_clock():
    """A :class:`FakeClock` starting at 2023-11-14 22:13:20 UTC."""
    return FakeClock()


@pytest.fixture
def exchange():
    """A started ``LocalExchange(tick=None)`` (the market moves only on ``step``), stopped after."""
    from binance.testing import LocalExchange
    local = LocalExchange(tick=None)
    local.start()
    try:
        yield local
    finally:
        local.stop()


def pytest_sessionfinish(session, exitstatus):
    """A socket some test left open must not keep the test process alive at exit."""
    import sys
    websockets = sys.modules.get('binance.websockets')
    if websockets is not None:
        websockets.BinanceSocketManager.EXIT_WAITS_FOR_SOCKETS = False
