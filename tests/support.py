"""Helpers shared by the tests: polling with a deadline instead of sleeping."""
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
