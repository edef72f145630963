"""The offset between the local clock and Binance's server time.

Binance refuses a signed request whose ``timestamp`` is more than 1000 ms
ahead of its clock or older than ``recvWindow`` (code ``-1021``). A clock
that was right at start-up drifts, so a one-time offset is not enough:
:class:`ServerClock` measures the offset on first use, renews it every
:attr:`ServerClock.refresh_interval` seconds and on demand (after a
``-1021``), and is shared by the REST client and the WebSocket API session.

A measurement takes the server's time from one round trip and assumes the
server read its clock half-way: ``offset = server - (sent + received) / 2``.
"""
import logging
import threading
import time
from typing import Any, Callable, Optional

__all__ = ['ServerClock', 'DEFAULT_REFRESH_INTERVAL', 'RETRY_AFTER_FAILURE', 'MICROSECONDS_FROM']

log = logging.getLogger('binance.client')

#: Seconds between two measurements of the offset.
DEFAULT_REFRESH_INTERVAL = 600.0
#: Seconds before a failed measurement is tried again.
RETRY_AFTER_FAILURE = 30.0
#: A server time at or above this is in microseconds (milliseconds reach it in 5138).
MICROSECONDS_FROM = 10 ** 14


class ServerClock:
    """Local time corrected by a measured offset to Binance's server time.

    :param fetch: returns the server's time in ms (``GET /api/v3/time``);
        called by :meth:`sync`, in the caller's thread.
    :param enabled: ``False`` never measures (the offset stays what it is set to).
    :param refresh_interval: seconds after which :meth:`now_ms` measures again.
    :param clock: local wall clock in seconds (``time.time``).
    :param monotonic: local monotonic clock for the age (``time.monotonic``).

    Thread-safe: several threads may share a client.
    """

    def __init__(self, fetch: Optional[Callable[[], Any]] = None, *, enabled: bool = True,
                 refresh_interval: float = DEFAULT_REFRESH_INTERVAL,
                 clock: Callable[[], float] = time.time,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        if isinstance(refresh_interval, bool) or not isinstance(refresh_interval, (int, float)) \
                or not refresh_interval > 0:
            raise ValueError('refresh_interval must be a positive number of seconds, got {!r}'
                             .format(refresh_interval))
        self.fetch = fetch
        self.enabled = bool(enabled)
        self.refresh_interval = float(refresh_interval)
        self.clock = clock
        self.monotonic = monotonic
        self._lock = threading.Lock()
        self._offset_ms = 0
        self._measured_at: Optional[float] = None
        self._failed_at: Optional[float] = None

    def __repr__(self) -> str:
        age = self.age
        return '<ServerClock offset_ms={} age={} enabled={}>'.format(
            self._offset_ms, 'never' if age is None else '{:.0f}s'.format(age), self.enabled)

    @property
    def offset_ms(self) -> int:
        """Milliseconds added to the local clock (server time - local time)."""
        return self._offset_ms

    @offset_ms.setter
    def offset_ms(self, value: int) -> None:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise TypeError('the offset must be a number of milliseconds, got {!r}'.format(
                type(value).__name__))
        with self._lock:
            self._offset_ms = int(value)
            self._measured_at = self.monotonic()

    @property
    def age(self) -> Optional[float]:
        """Seconds since the offset was measured (or set), ``None`` if never."""
        measured = self._measured_at
        return None if measured is None else max(0.0, self.monotonic() - measured)

    def local_ms(self) -> int:
        return int(self.clock() * 1000)

    def stale(self) -> bool:
        """Whether :meth:`now_ms` would measure before answering."""
        if not self.enabled or self.fetch is None:
            return False
        now = self.monotonic()
        if self._failed_at is not None and now - self._failed_at < RETRY_AFTER_FAILURE:
            return False
        return self._measured_at is None or now - self._measured_at >= self.refresh_interval

    def now_ms(self) -> int:
        """Server time in ms: local time plus the offset, measured first when stale."""
        if self.stale():
            self.sync(quiet=True)
        return self.local_ms() + self._offset_ms

    def record(self, server_ms: int, sent_ms: int, received_ms: int) -> int:
        """Store the offset from one round trip; returns it (ms).

        A ``server_ms`` of 16 digits is a microsecond time (a WebSocket API
        connection with ``timeUnit=MICROSECOND``) and is read as such.
        """
        server_ms = int(server_ms)
        if server_ms >= MICROSECONDS_FROM:
            server_ms //= 1000
        offset = int(round(server_ms - (sent_ms + received_ms) / 2.0))
        with self._lock:
            previous, self._offset_ms = self._offset_ms, offset
            self._measured_at = self.monotonic()
            self._failed_at = None
        if abs(offset - previous) >= 1000:
            log.info('server time offset is now %+d ms (was %+d ms)', offset, previous)
        else:
            log.debug('server time offset %+d ms', offset)
        return offset

    def sync(self, quiet: bool = False) -> int:
        """Measure the offset now (one ``GET /api/v3/time``); returns it in ms.

        :param quiet: log a failure and keep the old offset instead of
            raising (then no new attempt for :data:`RETRY_AFTER_FAILURE` s).
        """
        if self.fetch is None:
            raise RuntimeError('this clock has no way to ask for the server time')
        sent = self.local_ms()
        try:
            answer = self.fetch()
            server = answer.get('serverTime') if isinstance(answer, dict) else answer
            if isinstance(server, bool) or not isinstance(server, (int, float)):
                raise ValueError('the server time answer has no serverTime: {!r}'.format(
                    answer)[:200])
        except Exception as exc:
            self._failed_at = self.monotonic()
            if not quiet:
                raise
            log.warning('could not measure the server time offset (%s); keeping %+d ms',
                        exc, self._offset_ms)
            return self._offset_ms
        received = self.local_ms()
        return self.record(int(server), sent, received)
