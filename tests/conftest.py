"""Shared fixtures: the local exchange (from binance.testing's pytest plugin) and a hand-driven clock."""
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
def exchange(binance_exchange):
    """The pytest plugin's ``binance_exchange``: started with ``tick=None`` (the market moves
    only on ``step``), stopped after."""
    return binance_exchange
