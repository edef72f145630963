"""Binance's REST rate limits as the local exchange enforces them.

Per API family (Spot: ``/api`` and ``/sapi``; USD-M futures: ``/fapi`` and
``/futures/data``), as Binance documents them (rest-api.md, "LIMITS"):

* request weight per IP in fixed windows of the exchange's time (Spot
  6000 per minute, futures 2400); each answer carries
  ``X-MBX-USED-WEIGHT-1M``; beyond the limit: HTTP 429, code -1003 and
  ``Retry-After`` (seconds to the end of the window);
* new orders per account (Spot 100 per 10 s and 200,000 per day; futures
  300 per 10 s and 1200 per minute); an order's answer carries
  ``X-MBX-ORDER-COUNT-10S``/``-1D`` (futures ``-10S``/``-1M``); beyond:
  HTTP 429, code -1015;
* the escalation: a request sent while a weight 429's ``Retry-After`` is
  still running is a violation, answered 429 again; at the
  :attr:`FamilyLimits.ban_after`-th violation the IP is banned: HTTP 418
  with ``Retry-After`` for every request until the ban ends. Bans scale
  for repeat offenders: 2 minutes, doubled at each new ban, at most 3 days.
  (Binance does not publish how many violations lead to a ban; 5 is ours.)

The counters are exact fixed windows, so a test can fill one quickly with
small limits (:meth:`FamilyLimits.set_limits`) and a fake clock.
"""
import threading
import time
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple

from binance._rate_limits import (
    FUTURES_RATE_LIMITS, ORDER_PATHS, SPOT_RATE_LIMITS, header_suffix, interval_ms)

__all__ = ['ExchangeLimits', 'FamilyLimits', 'BAN_FIRST_S', 'BAN_MAX_S', 'BAN_AFTER']

#: The first ban lasts 2 minutes; each new one twice the last, at most 3 days.
BAN_FIRST_S = 120
BAN_MAX_S = 3 * 86400
#: Requests sent during a 429's Retry-After that lead to a ban (ours).
BAN_AFTER = 5

#: ``(status, body, headers)`` of a refusal.
Refusal = Tuple[int, Dict[str, Any], Dict[str, str]]


class FamilyLimits:
    """The counters, back-off and bans of one API family."""

    def __init__(self, limits: Sequence[Mapping[str, Any]], now_ms: Callable[[], int]) -> None:
        self._now_ms = now_ms
        self._lock = threading.Lock()
        self.limits: List[Dict[str, Any]] = [dict(limit) for limit in limits]
        self.ban_after = BAN_AFTER
        self._weight: Dict[int, Tuple[int, int]] = {}     # span -> (window start, used)
        self._orders: Dict[Tuple[str, int], Tuple[int, int]] = {}
        self._backoff_until = 0
        self._violations = 0
        self._banned_until = 0
        self._bans = 0

    def set_limits(self, limits: Sequence[Mapping[str, Any]]) -> None:
        """Replace the limits (``rateLimits`` entries), e.g. small ones for a test."""
        with self._lock:
            self.limits = [dict(limit) for limit in limits]

    def rate_limits(self) -> List[Dict[str, Any]]:
        """The limits as ``exchangeInfo`` lists them (``rateLimits``)."""
        with self._lock:
            return [dict(limit) for limit in self.limits]

    def _of(self, kind: str) -> List[Dict[str, Any]]:
        return [limit for limit in self.limits if limit['rateLimitType'] == kind]

    @staticmethod
    def _used(table: Dict[Any, Tuple[int, int]], key: Any, span: int, now: int) -> int:
        start, used = table.get(key, (-1, 0))
        return used if start == now - now % span else 0

    def used_weight(self) -> Dict[str, str]:
        """``X-MBX-USED-WEIGHT-*`` headers of the current windows."""
        now = self._now_ms()
        with self._lock:
            return {'X-MBX-USED-WEIGHT-' + header_suffix(limit): str(
                self._used(self._weight, interval_ms(limit), interval_ms(limit), now))
                for limit in self._of('REQUEST_WEIGHT')}

    def admit(self, weight: int) -> Optional[Refusal]:
        """Count a request of ``weight``; a 429/418 refusal, or ``None`` to answer it."""
        now = self._now_ms()
        with self._lock:
            if now < self._banned_until:
                return self._ban_answer(now)
            if now < self._backoff_until:
                self._violations += 1
                if self._violations >= self.ban_after:
                    self._bans += 1
                    seconds = min(BAN_MAX_S, BAN_FIRST_S * 2 ** (self._bans - 1))
                    self._banned_until = now + seconds * 1000
                    self._backoff_until = self._violations = 0
                    return self._ban_answer(now)
            over = None
            for limit in self._of('REQUEST_WEIGHT'):
                span = interval_ms(limit)
                used = self._used(self._weight, span, span, now) + weight
                self._weight[span] = (now - now % span, used)
                if used > int(limit['limit']) and over is None:
                    over = (limit, span)
            if over is None:
                return None
            limit, span = over
            end = now - now % span + span
            if now >= self._backoff_until:
                self._violations = 0
            self._backoff_until = max(self._backoff_until, end)
            return 429, {'code': -1003, 'msg': 'Too much request weight used; current limit is '
                                               '{} request weight per {} {}. Please use WebSocket '
                                               'Streams for live updates to avoid polling the '
                                               'API.'.format(limit['limit'], limit['intervalNum'],
                                                             limit['interval'])}, \
                {'Retry-After': str(_ceil_s(end - now))}

    def _ban_answer(self, now: int) -> Refusal:
        return 418, {'code': -1003, 'msg': 'Way too much request weight used; IP banned until '
                                           '{}. Please use WebSocket Streams for live updates '
                                           'to avoid bans.'.format(self._banned_until)}, \
            {'Retry-After': str(_ceil_s(self._banned_until - now))}

    def count_order(self, api_key: str) -> Tuple[Optional[Refusal], Dict[str, str]]:
        """Count a new order of ``api_key``: ``(refusal or None, X-MBX-ORDER-COUNT-* headers)``."""
        now = self._now_ms()
        with self._lock:
            limits = self._of('ORDERS')
            for limit in limits:
                span = interval_ms(limit)
                if self._used(self._orders, (api_key, span), span, now) >= int(limit['limit']):
                    end = now - now % span + span
                    return (429, {'code': -1015, 'msg': 'Too many new orders; current limit is '
                                                        '{} orders per {} {}.'.format(
                                                            limit['limit'], limit['intervalNum'],
                                                            limit['interval'])},
                            {'Retry-After': str(_ceil_s(end - now))}), {}
            headers = {}
            for limit in limits:
                span = interval_ms(limit)
                used = self._used(self._orders, (api_key, span), span, now) + 1
                self._orders[(api_key, span)] = (now - now % span, used)
                headers['X-MBX-ORDER-COUNT-' + header_suffix(limit)] = str(used)
            return None, headers

    @property
    def banned_until(self) -> Optional[int]:
        """When the current ban ends (exchange ms), ``None`` without one."""
        with self._lock:
            return self._banned_until if self._banned_until > self._now_ms() else None


def _ceil_s(ms: int) -> int:
    return max(1, -(-ms // 1000))


class ExchangeLimits:
    """The :class:`FamilyLimits` of the local exchange's REST API, by path."""

    def __init__(self, now_ms: Optional[Callable[[], int]] = None) -> None:
        clock = now_ms or (lambda: int(time.time() * 1000))
        self.spot = FamilyLimits(SPOT_RATE_LIMITS, clock)
        self.futures = FamilyLimits(FUTURES_RATE_LIMITS, clock)

    def family(self, path: str) -> FamilyLimits:
        """The family that counts a request to ``path``."""
        return self.futures if path.startswith(('/fapi/', '/futures/')) else self.spot

    @staticmethod
    def is_order(method: str, path: str) -> bool:
        """Whether ``method path`` places an order (counted against ``ORDERS``)."""
        return (method, path) in ORDER_PATHS
