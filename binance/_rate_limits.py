"""Binance's REST rate limits, tracked by the client so it stays within them.

Binance counts request weight per IP and new orders per account in fixed
windows of server time (``REQUEST_WEIGHT`` per minute, ``ORDERS`` per 10
seconds and per day on Spot) and reports what was used in every answer:
``X-MBX-USED-WEIGHT-1M`` and, on an order, ``X-MBX-ORDER-COUNT-10S`` /
``X-MBX-ORDER-COUNT-1D`` (USD-M futures: ``X-MBX-ORDER-COUNT-1M``). Over a
limit it answers HTTP 429 with ``Retry-After``; a client that keeps sending
during that back-off gets its IP banned (HTTP 418), for 2 minutes up to 3
days for repeat offenders (rest-api.md, "LIMITS").

:class:`RateLimiter` keeps, per API family (Spot, USD-M futures), the limits
(Binance's published ones, replaced by ``rateLimits`` whenever the client
reads ``exchangeInfo``), the counts of the last answer plus the requests in
flight, and any 429 back-off or 418 ban. Before each request it either waits
until the window that is full has passed (``mode='wait'``, the default; it
logs a warning saying for how long) or raises
:class:`~binance.exceptions.BinanceRateLimitException` without sending
(``mode='raise'``). During a ban it always raises, with the time the ban ends.

A request's weight is learnt from the answers: the growth of the used
weight across a request sent alone is that endpoint's weight (1 until seen).
Time comes from injectable ``clock`` and ``sleep`` callables, so tests drive
it without waiting.
"""
import json
import logging
import re
import threading
import time
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple

from binance.exceptions import BinanceRateLimitException

__all__ = ['RateLimiter', 'SPOT_RATE_LIMITS', 'FUTURES_RATE_LIMITS', 'COIN_FUTURES_RATE_LIMITS',
           'weight_limit', 'ORDER_PATHS', 'MODES',
           'family_of', 'interval_ms', 'header_suffix']

log = logging.getLogger('binance.client')

#: Spot's limits as ``GET /api/v3/exchangeInfo`` lists them.
SPOT_RATE_LIMITS: List[Dict[str, Any]] = [
    {'rateLimitType': 'REQUEST_WEIGHT', 'interval': 'MINUTE', 'intervalNum': 1, 'limit': 6000},
    {'rateLimitType': 'ORDERS', 'interval': 'SECOND', 'intervalNum': 10, 'limit': 100},
    {'rateLimitType': 'ORDERS', 'interval': 'DAY', 'intervalNum': 1, 'limit': 200000},
    {'rateLimitType': 'RAW_REQUESTS', 'interval': 'MINUTE', 'intervalNum': 5, 'limit': 61000},
]
#: USD-M futures' limits as ``GET /fapi/v1/exchangeInfo`` lists them.
FUTURES_RATE_LIMITS: List[Dict[str, Any]] = [
    {'rateLimitType': 'REQUEST_WEIGHT', 'interval': 'MINUTE', 'intervalNum': 1, 'limit': 2400},
    {'rateLimitType': 'ORDERS', 'interval': 'MINUTE', 'intervalNum': 1, 'limit': 1200},
    {'rateLimitType': 'ORDERS', 'interval': 'SECOND', 'intervalNum': 10, 'limit': 300},
]
#: COIN-M futures' limits as ``GET /dapi/v1/exchangeInfo`` lists them.
COIN_FUTURES_RATE_LIMITS: List[Dict[str, Any]] = [
    {'rateLimitType': 'REQUEST_WEIGHT', 'interval': 'MINUTE', 'intervalNum': 1, 'limit': 2400},
    {'rateLimitType': 'ORDERS', 'interval': 'MINUTE', 'intervalNum': 1, 'limit': 1200},
]


def weight_limit(limits: List[Dict[str, Any]]) -> int:
    """The ``REQUEST_WEIGHT`` per minute of one of the lists above."""
    return next(int(entry['limit']) for entry in limits
                if entry['rateLimitType'] == 'REQUEST_WEIGHT' and entry['interval'] == 'MINUTE')


#: ``(method, path)`` of the requests that place orders (they count against ``ORDERS``).
ORDER_PATHS = frozenset([
    ('POST', '/api/v3/order'), ('POST', '/api/v3/order/oco'),
    ('POST', '/api/v3/orderList/oco'), ('POST', '/api/v3/orderList/oto'),
    ('POST', '/api/v3/orderList/otoco'), ('POST', '/api/v3/orderList/opo'),
    ('POST', '/api/v3/orderList/opoco'), ('POST', '/api/v3/sor/order'),
    ('POST', '/api/v3/order/cancelReplace'),
    ('POST', '/fapi/v1/order'), ('POST', '/fapi/v1/batchOrders'),
])
#: ``rate_limit=`` values: wait before a request that would exceed a limit, or raise.
MODES = ('wait', 'raise')

_INTERVAL_MS = {'SECOND': 1000, 'MINUTE': 60000, 'HOUR': 3600000, 'DAY': 86400000}
_LETTER_MS = {'S': 1000, 'M': 60000, 'H': 3600000, 'D': 86400000}
_HEADER_RE = re.compile(r'^x-mbx-(used-weight|order-count)-([0-9]+)([smhd])\Z')
#: Requests that are sent again after a 429's ``Retry-After`` (safe to repeat).
RETRY_METHODS = frozenset(['GET'])
#: Times a safe request is sent again after a 429.
MAX_RETRIES = 3
#: Milliseconds waited past the end of a full window, for a clock that is a little off.
EDGE_MS = 250


def family_of(api: str) -> str:
    """``'spot'`` (``api``, ``sapi``), ``'futures'`` (``fapi``, ``futures``) or the API itself."""
    if api in ('api', 'sapi'):
        return 'spot'
    if api.startswith(('fapi', 'futures')):
        return 'futures'
    return api


def interval_ms(limit: Mapping[str, Any]) -> int:
    """Length of a rate limit's window in ms (``10 SECOND`` -> 10000)."""
    return _INTERVAL_MS[str(limit['interval'])] * int(str(limit['intervalNum']))


def header_suffix(limit: Mapping[str, Any]) -> str:
    """The header suffix of a limit's window: ``'1M'``, ``'10S'``, ``'1D'``."""
    return '{}{}'.format(limit['intervalNum'], str(limit['interval'])[0])


class _Family:
    """What is known of one API family's limits and use."""

    def __init__(self, limits: Sequence[Mapping[str, Any]]) -> None:
        self.limits: List[Dict[str, Any]] = [dict(limit) for limit in limits]
        #: (kind, window ms) -> (window start ms, count reported by the last answer)
        self.used: Dict[Tuple[str, int], Tuple[int, int]] = {}
        self.reserved: Dict[str, int] = {'weight': 0, 'orders': 0}
        self.in_flight = 0
        self.backoff_until = 0.0     # local seconds: a 429 asked to wait until then
        self.banned_until = 0.0      # local seconds: a 418 ban ends then
        self.weights: Dict[Tuple[str, str], int] = {}


class RateLimiter:
    """Keeps a client's REST requests within Binance's rate limits (see the module docs).

    :param mode: ``'wait'`` (sleep until the request fits) or ``'raise'``.
    :param clock: local time in seconds (``time.time``).
    :param sleep: waits a number of seconds (``time.sleep``).
    :param offset_ms: the offset of Binance's clock to ``clock``, in ms
        (the client passes its :class:`~binance._clock.ServerClock`'s).

    Thread-safe: the waiting happens outside the lock.
    """

    def __init__(self, mode: str = 'wait', *, clock: Callable[[], float] = time.time,
                 sleep: Callable[[float], Any] = time.sleep,
                 offset_ms: Callable[[], int] = lambda: 0) -> None:
        if mode not in MODES:
            raise ValueError("rate_limit must be 'wait' (wait before a request that would "
                             "exceed Binance's limits) or 'raise', got {!r}".format(mode))
        self.mode = mode
        self.clock = clock
        self.sleep = sleep
        self.offset_ms = offset_ms
        self._lock = threading.Lock()
        self._families: Dict[str, _Family] = {
            'spot': _Family(SPOT_RATE_LIMITS), 'futures': _Family(FUTURES_RATE_LIMITS)}

    def __repr__(self) -> str:
        return '<RateLimiter mode={!r}>'.format(self.mode)

    def _family(self, name: str) -> _Family:
        family = self._families.get(name)
        if family is None:
            family = self._families[name] = _Family(())
        return family

    def _server_ms(self) -> int:
        return int(self.clock() * 1000) + int(self.offset_ms())

    # -- what is known ----------------------------------------------------------

    def limits(self, family: str = 'spot') -> List[Dict[str, Any]]:
        """The limits in force for ``family`` (``'spot'`` or ``'futures'``)."""
        with self._lock:
            return [dict(limit) for limit in self._family(family).limits]

    def set_limits(self, family: str, rate_limits: Any) -> None:
        """Replace ``family``'s limits with an ``exchangeInfo`` ``rateLimits`` list."""
        if not isinstance(rate_limits, list):
            return
        limits = [dict(limit) for limit in rate_limits if isinstance(limit, dict)
                  and limit.get('interval') in _INTERVAL_MS and 'limit' in limit]
        with self._lock:
            self._family(family).limits = limits

    def used(self, family: str = 'spot') -> Dict[str, int]:
        """Counts in the current windows by header suffix, e.g. ``{'weight-1M': 120,
        'orders-10S': 3}`` (from the last answers, plus requests in flight)."""
        now = self._server_ms()
        with self._lock:
            fam = self._family(family)
            out = {}
            for limit in fam.limits:
                kind = _kind(limit)
                if kind is None:
                    continue
                out['{}-{}'.format(kind, header_suffix(limit))] = self._count(fam, kind, limit, now)
            return out

    def banned_until(self, family: str = 'spot') -> Optional[float]:
        """When the current 418 ban ends (local epoch seconds), ``None`` without a ban."""
        with self._lock:
            until = self._family(family).banned_until
        return until if until > self.clock() else None

    # -- before and after a request -----------------------------------------------

    def acquire(self, family: str, method: str, path: str, order: bool) -> Any:
        """Wait (or raise) until the request fits; reserve it. Returns a token for :meth:`release`.

        :raises BinanceRateLimitException: during a 418 ban, or in ``'raise'``
            mode when the request would exceed a limit.
        """
        while True:
            with self._lock:
                fam = self._family(family)
                now = self.clock()
                if fam.banned_until > now:
                    raise _refused(
                        418, 'IP banned by Binance until {} (HTTP 418, {:.0f} s from now); no '
                        'request is sent before then'.format(_utc(fam.banned_until),
                                                              fam.banned_until - now),
                        fam.banned_until - now, banned_until=fam.banned_until)
                weight = fam.weights.get((method, path), 1)
                wait, reason = self._wait_needed(fam, weight, order, now)
                if wait <= 0:
                    fam.reserved['weight'] += weight
                    fam.reserved['orders'] += 1 if order else 0
                    fam.in_flight += 1
                    server = self._server_ms()
                    return (family, method, path, weight, order,
                            self._count(fam, 'weight', _weight_limit(fam), server), server)
            if self.mode == 'raise':
                raise _refused(429, '{} {} not sent (rate_limit=\'raise\'): {}; retry in '
                               '{:.1f} s'.format(method, path, reason, wait), wait)
            log.warning('%s %s waits %.1f s: %s', method, path, wait, reason)
            self.sleep(wait)

    def _wait_needed(self, fam: _Family, weight: int, order: bool,
                     now: float) -> Tuple[float, str]:
        if fam.backoff_until > now:
            return fam.backoff_until - now, "Binance's Retry-After after an HTTP 429"
        server = self._server_ms()
        longest, reason = 0.0, ''
        for limit in fam.limits:
            kind = _kind(limit)
            amount = weight if kind == 'weight' else 1 if (kind == 'orders' and order) else 0
            if kind is None or not amount:
                continue
            count = self._count(fam, kind, limit, server) + fam.reserved[kind]
            if count + amount <= int(limit['limit']):
                continue
            span = interval_ms(limit)
            wait = (span - server % span + EDGE_MS) / 1000.0
            if wait > longest:
                longest = wait
                reason = 'the {} limit of {} per {} {} ({} used)'.format(
                    limit['rateLimitType'], limit['limit'], limit['intervalNum'],
                    limit['interval'], count)
        return longest, reason

    @staticmethod
    def _count(fam: _Family, kind: str, limit: Optional[Mapping[str, Any]], server_ms: int) -> int:
        if limit is None:
            return 0
        span = interval_ms(limit)
        start, count = fam.used.get((kind, span), (-1, 0))
        return count if start == server_ms - server_ms % span else 0

    def release(self, token: Any, status: Optional[int], headers: Mapping[str, str]) -> None:
        """Record an answer (``status`` ``None``: no answer arrived)."""
        family, method, path, weight, order, used_before, sent_ms = token
        server = self._server_ms()
        now = self.clock()
        with self._lock:
            fam = self._family(family)
            fam.reserved['weight'] -= weight
            fam.reserved['orders'] -= 1 if order else 0
            fam.in_flight -= 1
            for name, value in headers.items():
                match = _HEADER_RE.match(name.lower())
                if match is None:
                    continue
                try:
                    count = int(value)
                except ValueError:
                    continue
                kind = 'weight' if match.group(1) == 'used-weight' else 'orders'
                span = int(match.group(2)) * _LETTER_MS[match.group(3).upper()]
                fam.used[(kind, span)] = (server - server % span, count)
                if kind == 'weight' and fam.in_flight == 0 and status == 200 \
                        and span == 60000 and sent_ms - sent_ms % span == server - server % span:
                    learnt = count - used_before
                    if learnt >= 1:
                        fam.weights[(method, path)] = learnt
            retry_after = _seconds(headers.get('Retry-After'))
            if status == 429:
                fam.backoff_until = max(fam.backoff_until, now + (retry_after or 1))
            elif status == 418:
                fam.banned_until = max(fam.banned_until, now + (retry_after or 120))

    def retry_delay(self, family: str) -> float:
        """Seconds until a 429's back-off ends for ``family``."""
        with self._lock:
            return max(0.0, self._family(family).backoff_until - self.clock())


def _kind(limit: Mapping[str, Any]) -> Optional[str]:
    kind = limit.get('rateLimitType')
    return 'weight' if kind == 'REQUEST_WEIGHT' else 'orders' if kind == 'ORDERS' else None


def _weight_limit(fam: _Family) -> Optional[Mapping[str, Any]]:
    return next((limit for limit in fam.limits if _kind(limit) == 'weight'
                 and interval_ms(limit) == 60000), None)


def _seconds(value: Any) -> Optional[float]:
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        return None
    return seconds if seconds >= 0 else None


def _utc(epoch: float) -> str:
    return time.strftime('%Y-%m-%d %H:%M:%S UTC', time.gmtime(epoch))


def _refused(status: int, message: str, retry_after: float,
             banned_until: Optional[float] = None) -> BinanceRateLimitException:
    """The exception for a request the client refused to send."""
    error = BinanceRateLimitException(None, status, json.dumps({'code': -1003, 'msg': message}))
    error.retry_after = max(1, int(-(-retry_after // 1)))
    error.banned_until = banned_until
    return error
