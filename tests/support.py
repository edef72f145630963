"""Helpers shared by the tests: polling with a deadline instead of sleeping, and a
socket manager pointed at a local exchange."""
import time
from typing import Any, Callable


def wait_until(predicate: Callable[[], Any], timeout: float = 5.0, interval: float = 0.005,
               message: str = 'condition') -> Any:
    """Poll ``predicate`` until it returns a truthy value; fail after ``timeout`` s.

    Used only where a real socket is involved: the work happens on the
    reactor thread and the test thread waits for its visible effect.
    """
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError('timed out after {} s waiting for {}'.format(timeout, message))
        time.sleep(interval)


def local_manager(exchange: Any, **options: Any) -> Any:
    """A started socket manager with every stream URL pointed at ``exchange``."""
    from binance.websockets import BinanceSocketManager
    bm = BinanceSocketManager(exchange.client(), **options)
    bm.STREAM_URL = exchange.stream_url
    bm.FSTREAM_URL = exchange.fstream_url
    bm.DSTREAM_URL = exchange.dstream_url
    bm.WS_API_URL = exchange.ws_api_url
    bm.start()
    return bm


class FakeTime:
    """A clock that moves only when slept on: ``clock()`` and ``sleep(seconds)`` for
    :class:`binance._rate_limits.RateLimiter` (and a market's ``clock``)."""

    def __init__(self, start: float = 1700000000.0) -> None:
        self.now = start
        self.slept: list = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds

    def attach(self, client: Any) -> 'FakeTime':
        """Drive ``client``'s rate limiter with this clock; returns ``self``."""
        client.rate_limiter.clock = self.clock
        client.rate_limiter.sleep = self.sleep
        return self
