"""Exceptions raised by the package.

Every error that comes from Binance or from talking to it derives from
:class:`BinanceException`, so ``except BinanceException`` catches them all.
Misuse of an argument is reported with the built-in :class:`ValueError` or
:class:`TypeError` before any request is sent. Misuse of the process's
reactor raises :class:`RuntimeError` subclasses, such as
:class:`binance.websockets.ReactorStoppedError` when sockets are started
after ``reactor.stop()``.
"""
import time
from typing import Any, Dict, Optional

__all__ = [
    'BinanceException', 'BinanceAPIException', 'BinanceRateLimitException',
    'BinanceRequestException', 'BinanceTimeoutException',
    'BinanceWebSocketAPIException', 'BinanceWebSocketRateLimitException',
    'BinanceConnectionException', 'BinanceOrderException',
    'BinanceOrderMinAmountException', 'BinanceOrderMinPriceException',
    'BinanceOrderMinTotalException', 'BinanceOrderUnknownSymbolException',
    'BinanceOrderInactiveSymbolException', 'BinanceOrderFilterException',
    'BinanceWithdrawException', 'BinanceEndpointRetiredError', 'BinanceNotProvidedError',
    'BinanceParameterError',
]


class BinanceException(Exception):
    """Root of every exception this package raises.

    :ivar request: the :class:`requests.PreparedRequest` that failed, when
        there was one (its signature and API key header are never printed).
    :ivar response: the :class:`requests.Response`, when one arrived.
    """

    def __init__(self, message: str = '', *, request: Any = None, response: Any = None):
        super().__init__(message)
        self.message = message
        self.request = request
        self.response = response

    def __str__(self) -> str:
        return self.message

    def __reduce__(self) -> Any:
        # Rebuild from the attributes, not from the constructor's arguments
        # (which differ per subclass), so every exception survives pickle and
        # copy, e.g. when raised in a multiprocessing worker.
        return _rebuild, (type(self), self.__dict__.copy())


def _rebuild(cls: type, state: Dict[str, Any]) -> 'BinanceException':
    """Unpickle an exception of ``cls`` with the attributes ``state``."""
    error = cls.__new__(cls)  # type: ignore[call-overload]
    Exception.__init__(error, state.get('message', ''))
    error.__dict__.update(state)
    return error


class BinanceAPIException(BinanceException):
    """Binance answered with an HTTP error status.

    :ivar status_code: the HTTP status, e.g. ``400``.
    :ivar code: Binance's error code, e.g. ``-1121``; ``0`` when the body
        was not Binance's JSON error.
    :ivar message: Binance's ``msg``, or the start of the body.
    :ivar data: the error's ``data``, or ``None`` (``cancel_replace_order``'s
        ``cancelResult``, ``newOrderResult``, ``cancelResponse`` and
        ``newOrderResponse``).
    """

    def __init__(self, response: Any, status_code: Optional[int] = None,
                 text: Optional[str] = None, *, request: Any = None):
        if status_code is None:
            status_code = getattr(response, 'status_code', 0)
        if text is None:
            text = getattr(response, 'text', '') or ''
        if request is None:
            request = getattr(response, 'request', None)
        self.status_code = status_code
        self.code = 0
        self.data: Any = None
        message = ''
        try:
            import json
            body = json.loads(text)
        except ValueError:
            body = None
        if isinstance(body, dict) and 'code' in body:
            self.code = body.get('code') or 0
            self.data = body.get('data')
            message = str(body.get('msg', ''))
        else:
            snippet = text.strip()[:200]
            message = 'Invalid JSON error message from Binance: {!r}'.format(snippet)
        super().__init__(message, request=request, response=response)

    def __str__(self) -> str:
        return 'APIError(code={}): {} (HTTP {})'.format(self.code, self.message, self.status_code)


class BinanceParameterError(TypeError, BinanceAPIException):
    """A call missing a required parameter, or passing one the endpoint does not take.

    Raised before anything is sent. It is a :class:`TypeError` (the Python
    habit for a wrong call) and a :class:`BinanceAPIException` carrying the
    error Binance would have answered, so the documented python-binance
    0.7.x pattern ``except BinanceAPIException`` around such a call still
    catches it.

    :ivar code: ``-1102`` (a required parameter is missing) or ``-1104``
        (a parameter the endpoint does not read).
    :ivar message: Binance's message for that code, e.g. ``"Mandatory parameter
        'symbol' was not sent, was empty/null, or malformed."``
    :ivar status_code: ``400``, the HTTP status Binance answers it with.
    :ivar request: ``None`` (nothing was sent); ``response`` likewise.

    ``str()`` is the precise message naming the method and the parameter,
    e.g. ``get_order_book() missing required parameter 'symbol'``.
    """

    def __init__(self, detail: str, code: int, message: str) -> None:
        BinanceException.__init__(self, message)
        TypeError.__init__(self, detail)
        self.status_code = 400
        self.code = code
        self.detail = detail

    def __str__(self) -> str:
        return self.detail

    def __reduce__(self) -> Any:
        return type(self), (self.detail, self.code, self.message)


class BinanceRateLimitException(BinanceAPIException):
    """HTTP 429 (too many requests) or 418 (IP banned for ignoring 429s).

    :ivar retry_after: seconds to wait before the next request, from the
        ``Retry-After`` header (``None`` when absent).
    :ivar used_weight: the request weight used in the current minute, from
        ``X-MBX-USED-WEIGHT-1M`` (``None`` when absent).
    :ivar banned_until: for a 418, when the IP ban ends (epoch seconds).

    The client raises it itself, without sending, during a ban and with
    ``Client(rate_limit='raise')`` (see :ref:`rate-limits`).
    """

    def __init__(self, response: Any, status_code: Optional[int] = None,
                 text: Optional[str] = None, *, request: Any = None):
        super().__init__(response, status_code, text, request=request)
        headers = getattr(response, 'headers', None) or {}
        self.retry_after = _int_or_none(headers.get('Retry-After'))
        self.used_weight = _int_or_none(headers.get('X-MBX-USED-WEIGHT-1M'))
        #: When a 418 ban ends (epoch seconds), ``None`` for a 429.
        self.banned_until: Optional[float] = None
        if self.status_code == 418 and self.retry_after is not None:
            self.banned_until = time.time() + self.retry_after

    def __str__(self) -> str:
        base = super().__str__()
        text = '{} retry_after={} used_weight={}'.format(base, self.retry_after, self.used_weight)
        if self.banned_until is not None:
            text += ' banned_until={}'.format(
                time.strftime('%Y-%m-%d %H:%M:%S UTC', time.gmtime(self.banned_until)))
        return text


class BinanceWebSocketAPIException(BinanceAPIException):
    """The WebSocket API answered a request with an error status.

    :ivar status_code: the reply's ``status`` (HTTP-like: 400, 401, 409, 429...).
    :ivar code: Binance's error code, e.g. ``-2010``.
    :ivar message: Binance's ``msg``.
    :ivar data: the error's ``data`` (``order.cancelReplace`` details,
        ``retryAfter``...), or ``None``.
    :ivar rate_limits: the reply's ``rateLimits`` list (``[]`` when absent).
    :ivar method: the request's method, e.g. ``'order.place'``.
    """

    def __init__(self, reply: Dict[str, Any], method: str = '') -> None:
        error: Dict[str, Any] = reply['error'] if isinstance(reply.get('error'), dict) else {}
        BinanceException.__init__(self, str(error.get('msg', '')))
        self.status_code = reply.get('status') or 0
        self.code = error.get('code') or 0
        self.data = error.get('data')
        self.rate_limits = list(reply.get('rateLimits') or [])
        self.method = method

    def __str__(self) -> str:
        return 'APIError(code={}): {} (WebSocket API {}, status {})'.format(
            self.code, self.message, self.method or 'request', self.status_code)


class BinanceWebSocketRateLimitException(BinanceWebSocketAPIException,
                                         BinanceRateLimitException):
    """Status 429 (over a limit) or 418 (IP banned) on the WebSocket API.

    :ivar retry_after_time: ``error.data.retryAfter``: the time (ms) when
        requests are accepted again, or ``None``.
    :ivar retry_after: seconds from the server's time until then, or ``None``.
    :ivar used_weight: the ``REQUEST_WEIGHT`` count of ``rateLimits``, or ``None``.
    """

    def __init__(self, reply: Dict[str, Any], method: str = '') -> None:
        BinanceWebSocketAPIException.__init__(self, reply, method)
        data = self.data if isinstance(self.data, dict) else {}
        self.retry_after_time = _ms_or_none(data.get('retryAfter'))
        server = _ms_or_none(data.get('serverTime'))
        self.retry_after = None if self.retry_after_time is None or server is None else \
            max(0, -(-(self.retry_after_time - server) // 1000))
        self.used_weight = next((_int_or_none(limit.get('count')) for limit in self.rate_limits
                                 if isinstance(limit, dict)
                                 and limit.get('rateLimitType') == 'REQUEST_WEIGHT'), None)

    def __str__(self) -> str:
        return '{} retry_after={} used_weight={}'.format(
            BinanceWebSocketAPIException.__str__(self), self.retry_after, self.used_weight)


def _int_or_none(value: Any) -> Optional[int]:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _ms_or_none(value: Any) -> Optional[int]:
    """A time in ms; a microsecond one (``timeUnit=MICROSECOND``) divided by 1000."""
    from binance._clock import MICROSECONDS_FROM
    number = _int_or_none(value)
    if number is not None and number >= MICROSECONDS_FROM:
        return number // 1000
    return number


class BinanceRequestException(BinanceException):
    """The request could not be completed or its answer could not be read
    (for example a successful status with a body that is not JSON)."""


class BinanceTimeoutException(BinanceRequestException):
    """Binance did not answer within the configured timeout."""


class BinanceConnectionException(BinanceRequestException):
    """The connection to Binance could not be made or was cut."""


class BinanceOrderException(BinanceException):
    """An order was refused before it was sent.

    Kept so that ``except`` clauses of scripts written for python-binance
    0.7 still work; this package lets Binance (or the local exchange) judge
    orders and reports refusals as :class:`BinanceAPIException` with code
    ``-1013`` (filter failure) or ``-1121`` (unknown symbol).

    :ivar code: Binance's error code for the reason.
    """

    def __init__(self, code: Any, message: str):
        self.code = code
        super().__init__(message)

    def __str__(self) -> str:
        return 'BinanceOrderException(code={}): {}'.format(self.code, self.message)


class BinanceOrderMinAmountException(BinanceOrderException):
    def __init__(self, value: Any):
        super().__init__(-1013, 'the quantity is not a whole number of lot steps of {}'.format(value))


class BinanceOrderMinPriceException(BinanceOrderException):
    def __init__(self, value: Any):
        super().__init__(-1013, 'the price is below the minimum price {}'.format(value))


class BinanceOrderMinTotalException(BinanceOrderException):
    def __init__(self, value: Any):
        super().__init__(-1013, 'the order value is below the minimum notional {}'.format(value))


class BinanceOrderUnknownSymbolException(BinanceOrderException):
    def __init__(self, value: Any):
        super().__init__(-1013, 'no such symbol: {}'.format(value))


class BinanceOrderInactiveSymbolException(BinanceOrderException):
    def __init__(self, value: Any):
        super().__init__(-1013, 'symbol {} is not trading at the moment'.format(value))


class BinanceOrderFilterException(BinanceOrderException, ValueError):
    """An order does not fit its symbol's filters, found before it was sent.

    Raised by :meth:`binance.filters.SymbolFilters.check` (and
    ``order_params``): what Binance would refuse with ``-1013 Filter
    failure: <filter>``. Also a :class:`ValueError`.

    :ivar filter: the filter's name, e.g. ``'LOT_SIZE'``, ``'PRICE_FILTER'``,
        ``'NOTIONAL'``, ``'MIN_NOTIONAL'`` or ``'MARKET_LOT_SIZE'``.
    """

    def __init__(self, filter: str, message: str):
        self.filter = filter
        super().__init__(-1013, message)


class BinanceWithdrawException(BinanceException):
    """``withdraw`` was answered with a failure (``{"success": false, "msg": ...}``)."""

    def __init__(self, message: str, *, request: Any = None, response: Any = None):
        if message == u'\u6821\u9a8c\u6ca1\u6709\u901a\u8fc7':
            # Binance's Chinese "verification failed": the address was never
            # confirmed for withdrawals on the website.
            message = ('the withdrawal address failed verification; confirm it once '
                       'on the Binance website first')
        super().__init__(message, request=request, response=response)

    def __str__(self) -> str:
        return 'BinanceWithdrawException: {}'.format(self.message)


class BinanceEndpointRetiredError(BinanceException, NotImplementedError):
    """A python-binance 0.7 method whose Binance endpoint no longer exists.

    Raised before any request is sent. The message names the retired
    endpoint and what replaced it.

    :ivar method: the method that was called, e.g. ``'futures_liquidation_orders'``.
    :ivar replacement: what to use instead, e.g. ``'GET /fapi/v1/forceOrders'``.
    """

    def __init__(self, method: str, retired: str, replacement: str) -> None:
        super().__init__('{}() used {}, which Binance retired; use {} instead'.format(
            method, retired, replacement))
        self.method = method
        self.retired = retired
        self.replacement = replacement


class BinanceNotProvidedError(BinanceException, AttributeError):
    """A python-binance 0.7.11 method this package does not have.

    Raised when the attribute is looked up (an :class:`AttributeError`, so
    ``hasattr`` answers ``False``), with a message saying why and what to
    use instead, rather than a bare "object has no attribute".

    :ivar method: the missing method, e.g. ``'futures_coin_klines'``.
    :ivar replacement: what to use instead.
    """

    def __init__(self, method: str, reason: str, replacement: str) -> None:
        super().__init__('{}() of python-binance 0.7.11 {}; {}'.format(
            method, reason, replacement))
        self.method = method
        self.replacement = replacement
