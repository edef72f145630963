"""Construction and the request machinery of :class:`binance.client.Client`.

Split from :mod:`binance.client` by concern: this module sends requests,
signs them and turns answers into data or exceptions; the endpoint methods
live in :mod:`binance._client_market` and :mod:`binance._client_account`.
"""
import logging
import re
from typing import Any, Dict, Mapping, NoReturn, Optional, Union
from urllib.parse import urlencode

import requests
from urllib3.exceptions import ReadTimeoutError

from binance import __version__
from binance._json import loads
from binance._client_params import REPEATED_PARAMS, check_known, encode_params
from binance._client_hosts import check_demo
from binance._clock import ServerClock
from binance._keys import load_signer
from binance._signing import Signer, rest_query, signed_rest_query
from binance._wire import product_of
from binance._deadline import DeadlineAdapter, deadline_of, watch
from binance._rate_limits import (
    MAX_RETRIES, ORDER_PATHS, RETRY_METHODS, RateLimiter, family_of)
from binance.exceptions import (
    BinanceAPIException, BinanceException, BinanceConnectionException, BinanceRateLimitException,
    BinanceRequestException, BinanceTimeoutException, _int_or_none,
)

log = logging.getLogger('binance.client')

#: Seconds a request may take when ``requests_params`` sets no ``timeout``.
DEFAULT_TIMEOUT = 10
_TLD_RE = re.compile(r'^[a-z]{2,}(\.[a-z]{2,})*\Z')
#: Query values that must not reach a log line: request signatures (hex, or
#: percent-encoded base64 for RSA/Ed25519 keys) and listen keys.
_SECRET_PARAM_RE = re.compile(r'\b(signature|listenKey)=[0-9A-Za-z%+/=_-]+')
#: Binance's code for "Timestamp for this request is outside of the recvWindow."
INVALID_TIMESTAMP = -1021
#: ``time_unit=`` values (Binance's ``X-MBX-TIME-UNIT``; ``None`` is milliseconds).
TIME_UNITS = ('MILLISECOND', 'MICROSECOND')


class _SignatureRedactor(logging.Filter):
    """Masks ``signature=...`` and ``listenKey=...`` in the records of urllib3's connection pool.

    urllib3 logs every request line (method and URL with its query string) at
    DEBUG level, and a signed GET carries its signature in the query. The
    filter only rewrites that value; it never drops a record or changes a level.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and any(
                isinstance(arg, str) and _SECRET_PARAM_RE.search(arg) for arg in record.args):
            record.args = tuple(_redact_text(arg) if isinstance(arg, str) else arg
                                for arg in record.args)
        elif isinstance(record.msg, str) and _SECRET_PARAM_RE.search(record.msg):
            record.msg = _redact_text(record.msg)
        return True


def _install_redactor() -> None:
    pool_log = logging.getLogger('urllib3.connectionpool')
    if not any(isinstance(f, _SignatureRedactor) for f in pool_log.filters):
        pool_log.addFilter(_SignatureRedactor())


class ClientBase:
    """Settings, session and request plumbing shared by every endpoint method."""

    API_URL = 'https://api.binance.com/api'
    API_URL_TEMPLATE = 'https://api.binance.{}/api'
    API_TESTNET_URL = 'https://testnet.binance.vision/api'
    #: Binance Demo Mode (``demo=True``), https://developers.binance.com/docs/binance-spot-api-docs/demo-mode/general-info
    API_DEMO_URL = 'https://demo-api.binance.com/api'

    def __init__(self, api_key: Optional[str] = None, api_secret: Optional[str] = None,
                 requests_params: Optional[Dict[str, Any]] = None, tld: str = 'com',
                 testnet: bool = False, *, private_key: Any = None,
                 private_key_pass: Optional[Union[str, bytes]] = None,
                 sync_clock: bool = True, demo: bool = False, rate_limit: str = 'wait',
                 time_unit: Optional[str] = None) -> None:
        check_demo(demo, testnet, tld)
        for name, value in (('api_key', api_key), ('api_secret', api_secret)):
            if value is not None and not isinstance(value, str):
                raise TypeError('{} must be a str or None, not {}'.format(name, type(value).__name__))
        if requests_params is not None and not isinstance(requests_params, Mapping):
            raise TypeError('requests_params must be a dict of requests keyword arguments '
                            '(e.g. {{"timeout": 10}}), not {}'.format(type(requests_params).__name__))
        if not isinstance(tld, str) or not _TLD_RE.match(tld):
            raise ValueError('tld must be a top-level domain such as \'com\' or \'us\', '
                             'got {!r}'.format(tld))
        if not isinstance(sync_clock, bool):
            raise TypeError('sync_clock must be True or False, not {!r}'.format(sync_clock))
        if time_unit is not None and (not isinstance(time_unit, str)
                                      or time_unit.upper() not in TIME_UNITS):
            raise ValueError("time_unit must be 'MICROSECOND', 'MILLISECOND' or None "
                             "(milliseconds), got {!r}".format(time_unit))
        #: Binance's time unit for REST answers: ``'MICROSECOND'`` or ``None``
        #: (milliseconds; ``'MILLISECOND'`` is stored as ``None``).
        self.time_unit: Optional[str] = None if time_unit is None or \
            time_unit.upper() == 'MILLISECOND' else 'MICROSECOND'
        self._signer: Optional[Signer] = load_signer(api_secret, private_key, private_key_pass)
        #: The API key, sent in the ``X-MBX-APIKEY`` header (never logged).
        self.API_KEY = api_key or None
        #: The HMAC secret that signs requests (never sent, never logged);
        #: ``None`` with an Ed25519/RSA ``private_key``.
        self.API_SECRET = api_secret or None
        self.tld = tld
        self.testnet = bool(testnet)
        #: Binance Demo Mode (``Client(..., demo=True)``): the demo hosts for REST and streams.
        self.demo = demo
        if self.testnet:
            self.API_URL = self.API_TESTNET_URL
        elif self.demo:
            self.API_URL = self.API_DEMO_URL
        elif tld != 'com':
            self.API_URL = self.API_URL_TEMPLATE.format(tld)
        else:  # the class attribute, which a user or LocalExchange.install() may have moved
            self.API_URL = type(self).API_URL
        self._requests_params: Dict[str, Any] = dict(requests_params or {})
        #: The offset to Binance's server time, measured with ``GET /api/v3/time``
        #: on the first signed request, renewed every ``refresh_interval`` s
        #: and after a ``-1021`` (``sync_clock=False``: never measured).
        self.server_clock = ServerClock(self._fetch_server_time, enabled=sync_clock)
        #: Binance's request weight and order limits, tracked from the answers
        #: (:class:`binance._rate_limits.RateLimiter`; ``rate_limit='raise'``
        #: raises instead of waiting).
        self.rate_limiter = RateLimiter(rate_limit, offset_ms=lambda: self.server_clock.offset_ms)
        #: The :class:`requests.Response` of the last request that got an answer.
        self.response: Optional[requests.Response] = None
        #: The request weight used this minute according to the last answer
        #: (``X-MBX-USED-WEIGHT-1M``), or ``None``.
        self.used_weight: Optional[int] = None
        self.session = requests.Session()
        for prefix in ('https://', 'http://'):   # the overall deadline of each call
            self.session.mount(prefix, DeadlineAdapter())
        self.session.headers.update({
            'Accept': 'application/json',
            'User-Agent': 'binance/{} (python-binance compatible)'.format(__version__),
        })

    def __repr__(self) -> str:
        return '<{} API_URL={!r} api_key={} key_type={}>'.format(
            type(self).__name__, self.API_URL, 'set' if self.API_KEY else 'None',
            self.key_type)

    @property
    def key_type(self) -> Optional[str]:
        """``'HMAC'``, ``'RSA'``, ``'Ed25519'`` or ``None`` (no secret nor private key)."""
        return self._signer.key_type if self._signer is not None else None

    @property
    def timestamp_offset(self) -> int:
        """Milliseconds added to the local clock for ``timestamp`` (server - local).

        Measured automatically (see :attr:`server_clock`); setting it stores
        your value, which automatic renewals replace unless the client was
        made with ``sync_clock=False``.
        """
        return self.server_clock.offset_ms

    @timestamp_offset.setter
    def timestamp_offset(self, value: int) -> None:
        self.server_clock.offset_ms = value

    @property
    def timestamp_offset_age(self) -> Optional[float]:
        """Seconds since :attr:`timestamp_offset` was measured or set; ``None`` if never."""
        return self.server_clock.age

    def sync_time(self) -> int:
        """Measure the offset to Binance's server time now; returns it in ms.

        :raises BinanceException: when ``GET /api/v3/time`` fails.
        """
        return self.server_clock.sync()

    def _fetch_server_time(self) -> Any:
        answer = self._request('GET', 'v3/time')
        if self.time_unit == 'MICROSECOND' and isinstance(answer, dict) \
                and isinstance(answer.get('serverTime'), int):
            return answer['serverTime'] // 1000   # the clock keeps milliseconds
        return answer

    def _clock_for(self, api: str) -> ServerClock:
        """The clock that stamps signed requests to ``api`` (the spot one here)."""
        return self.server_clock

    def _sign(self, payload: str) -> str:
        """The REST ``signature`` value of ``payload`` (already percent-encoded)."""
        return self._require_signer().rest_signature(payload)

    def _require_signer(self) -> Signer:
        if self._signer is None:
            raise ValueError('signing needs an api_secret or a private_key')
        return self._signer

    def close(self) -> None:
        """Close the HTTP session and its pooled connections."""
        self.session.close()

    def __enter__(self) -> 'ClientBase':
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    # -- URLs -------------------------------------------------------------

    def _base_url(self, api: str) -> str:
        base = self.API_URL.rstrip('/')
        if api == 'api':
            return base
        root = base[:-len('/api')] if base.endswith('/api') else base
        return root + '/' + api

    def _now_ms(self) -> int:
        """Binance's time in ms as this client estimates it (may measure the offset)."""
        return self.server_clock.now_ms()

    # -- requests ---------------------------------------------------------

    def _get(self, path: str, params: Optional[Mapping[str, Any]] = None, **kw: Any) -> Any:
        return self._request('GET', path, params, **kw)

    def _post(self, path: str, params: Optional[Mapping[str, Any]] = None, **kw: Any) -> Any:
        return self._request('POST', path, params, **kw)

    def _put(self, path: str, params: Optional[Mapping[str, Any]] = None, **kw: Any) -> Any:
        return self._request('PUT', path, params, **kw)

    def _delete(self, path: str, params: Optional[Mapping[str, Any]] = None, **kw: Any) -> Any:
        return self._request('DELETE', path, params, **kw)

    def _request(self, method: str, path: str, params: Optional[Mapping[str, Any]] = None, *,
                 signed: bool = False, keyed: bool = False, api: str = 'api') -> Any:
        """Send one request and return the decoded JSON answer.

        :param path: relative to the API root, e.g. ``'v3/depth'``.
        :param signed: add ``timestamp`` and ``signature`` (SIGNED endpoints).
        :param keyed: send the API key header (USER_STREAM endpoints).
        :param api: ``'api'`` or ``'sapi'`` (wallet endpoints).

        Parameters go in the query string for every method; a ``requests_params``
        entry in ``params`` is merged into this one request's keyword arguments.
        """
        params = dict(params or {})
        extra = params.pop('requests_params', None) or {}
        full_path = '/{}/{}'.format(api, path)
        check_known(method, full_path, params)
        pairs = encode_params(params, REPEATED_PARAMS.get((method, full_path), ()),
                              product_of(api))
        headers: Dict[str, str] = {}
        if signed or keyed:
            if not self.API_KEY or (signed and self._signer is None):
                raise ValueError('{} {} needs {}: create the client with '
                                 'Client(api_key, api_secret) or Client(api_key, '
                                 'private_key=...)'.format(
                                     method, full_path,
                                     'an API key and a secret or private key' if signed
                                     else 'an API key'))
            headers['X-MBX-APIKEY'] = self.API_KEY
        if self.time_unit is not None and api == 'api':
            headers['X-MBX-TIME-UNIT'] = self.time_unit
        own_timestamp = signed and not any(name == 'timestamp' for name, _ in pairs)
        kwargs: Dict[str, Any] = {'timeout': DEFAULT_TIMEOUT}
        kwargs.update(self._requests_params)
        kwargs.update(extra)
        headers = dict(kwargs.pop('headers', None) or {}, **headers)
        try:
            return self._send_retrying(method, api, path, full_path, pairs, signed,
                                       own_timestamp, headers, kwargs)
        except BinanceAPIException as exc:
            clock = self._clock_for(api)
            if not (own_timestamp and exc.code == INVALID_TIMESTAMP and clock.enabled):
                raise
            log.info('%s %s: Binance refused the timestamp (%s); measuring the server time '
                     'and sending it once more', method, full_path, exc.message)
            try:
                clock.sync()
            except BinanceException:
                raise exc from None
            return self._send_retrying(method, api, path, full_path, pairs, signed,
                                       own_timestamp, headers, kwargs)

    def _send_retrying(self, method: str, api: str, path: str, full_path: str, pairs: list,
                       signed: bool, own_timestamp: bool, headers: Dict[str, str],
                       kwargs: Dict[str, Any]) -> Any:
        """:meth:`_send`, within the rate limits; a safe request is sent again after a 429."""
        limiter = self.rate_limiter
        family = family_of(api)
        order = (method, full_path) in ORDER_PATHS
        for attempt in range(MAX_RETRIES + 1):
            token = limiter.acquire(family, method, full_path, order)
            status: Optional[int] = None
            reply: Mapping[str, str] = {}
            try:
                result = self._send(method, api, path, full_path, pairs, signed, own_timestamp,
                                    headers, kwargs)
                if self.response is not None:
                    status, reply = self.response.status_code, self.response.headers
            except BinanceAPIException as exc:
                response = exc.response
                status = exc.status_code
                reply = response.headers if response is not None else {}
                limiter.release(token, status, reply)
                if status != 429 or method not in RETRY_METHODS or limiter.mode == 'raise' \
                        or attempt == MAX_RETRIES:
                    raise
                log.warning('%s %s got HTTP 429: sending it again after %.1f s (Retry-After)',
                            method, full_path, limiter.retry_delay(family))
                continue
            except BaseException:
                limiter.release(token, None, {})
                raise
            limiter.release(token, status, reply)
            if path.endswith('exchangeInfo') and isinstance(result, dict):
                limiter.set_limits(family, result.get('rateLimits'))
            return result
        raise AssertionError('unreachable')  # pragma: no cover

    def _send(self, method: str, api: str, path: str, full_path: str, pairs: list,
              signed: bool, own_timestamp: bool, headers: Dict[str, str],
              kwargs: Dict[str, Any]) -> Any:
        if signed:
            if own_timestamp:
                pairs = pairs + [('timestamp', str(self._clock_for(api).now_ms()))]
            query = signed_rest_query(self._require_signer(), pairs)
        else:
            query = rest_query(pairs)
        url = self._base_url(api) + '/' + path + ('?' + query if query else '')
        deadline = deadline_of(kwargs.get('timeout'))
        with watch(deadline) as cutoff:
            try:
                response = self.session.request(method, url, headers=headers, **kwargs)
            except requests.RequestException as exc:
                if cutoff is not None and cutoff.expired:
                    raise BinanceTimeoutException(
                        '{} {} did not complete within its deadline of {} s (connect and the '
                        'whole answer; requests_params timeout)'.format(method, full_path,
                                                                        deadline),
                        request=exc.request) from None
                self._raise_request_error(method, full_path, kwargs, exc)
        return self._handle_response(method, full_path, response)

    def _raise_request_error(self, method: str, full_path: str, kwargs: Mapping[str, Any],
                             exc: requests.RequestException) -> NoReturn:
        if isinstance(exc, requests.Timeout) or (
                isinstance(exc, requests.ConnectionError) and exc.args
                and isinstance(exc.args[0], ReadTimeoutError)):  # stalled while reading the body
            raise self._timeout_error(method, full_path, kwargs, exc) from None
        if isinstance(exc, requests.exceptions.ChunkedEncodingError):
            raise BinanceRequestException(
                '{} {}: the answer was truncated (the connection ended before the whole '
                'body arrived): {}'.format(method, full_path, _redact(exc)),
                request=exc.request) from None
        if isinstance(exc, requests.ConnectionError):
            raise BinanceConnectionException(
                'connection failed for {} {}: {}'.format(method, full_path, _redact(exc)),
                request=exc.request) from None
        raise BinanceRequestException(
            'request {} {} failed: {}'.format(method, full_path, _redact(exc)),
            request=exc.request) from None

    @staticmethod
    def _timeout_error(method: str, path: str, kwargs: Mapping[str, Any],
                       exc: requests.RequestException) -> BinanceTimeoutException:
        which = 'could not connect' if isinstance(exc, requests.ConnectTimeout) else \
            'got no data'
        return BinanceTimeoutException(
            '{} {} {} within {} s (requests_params timeout, per socket operation): {}'.format(
                method, path, which, kwargs.get('timeout'), _redact(exc)),
            request=exc.request)

    def _handle_response(self, method: str, path: str, response: requests.Response) -> Any:
        self.response = response
        self.used_weight = _int_or_none(response.headers.get('X-MBX-USED-WEIGHT-1M'))
        status = response.status_code
        log.debug('%s %s -> HTTP %s (used weight %s)', method, path, status, self.used_weight)
        if status in (418, 429):
            error = BinanceRateLimitException(response)
            log.warning('%s %s rate limited: HTTP %s, retry after %s s', method, path,
                        status, error.retry_after)
            raise error
        if not 200 <= status < 300:
            raise BinanceAPIException(response)
        try:
            return loads(response.content)
        except ValueError:
            truncated = _truncation(response)
            raise BinanceRequestException(
                'Invalid Response: {} {} answered HTTP {} with {}: {!r}'.format(
                    method, path, status,
                    'a truncated body ({})'.format(truncated) if truncated
                    else 'a body that is not JSON', response.text.strip()[:200]),
                request=response.request, response=response) from None


def _truncation(response: requests.Response) -> str:
    """How the body was cut short (shorter than its Content-Length, or JSON that
    stops early), ``''`` when it was not."""
    expected = _int_or_none(response.headers.get('Content-Length'))
    got = len(response.content)
    if expected is not None and got < expected:
        return '{} of {} bytes'.format(got, expected)
    try:
        import json
        json.loads(response.content)
    except ValueError as exc:
        if isinstance(exc, json.JSONDecodeError) and exc.doc.lstrip()[:1] in ('{', '[') and (
                exc.pos >= len(exc.doc.rstrip()) or exc.msg.startswith('Unterminated string')):
            return 'it ends in the middle of a JSON value'
    return ''


def _redact_text(text: str) -> str:
    """``text`` with any request signature or listen key masked."""
    return _SECRET_PARAM_RE.sub(lambda m: m.group(1) + '=<redacted>', text)


def _redact(exc: BaseException) -> str:
    """The exception's text with any request signature masked."""
    return _redact_text(str(exc))


_install_redactor()
