"""The REST side of the local exchange: a ``twisted.web`` resource over a Market.

:class:`RestResource` serves Binance's ``/api/v3`` and ``/sapi/v1`` endpoints
(the list is :data:`ROUTES`) with Binance's JSON shapes, error bodies
(``{"code": -1121, "msg": "Invalid symbol."}``) and checks:

* parameters from the query string and/or a form body (POST/PUT/DELETE);
  a parameter sent twice is refused with -1101, a parameter the endpoint
  does not read (a misspelt ``limt=5``) with -1104, as Binance does
  (``timestamp``, ``signature`` and ``recvWindow`` are accepted everywhere);
* ``SIGNED`` endpoints need the ``X-MBX-APIKEY`` header (-2014 missing,
  -2015 unknown), ``timestamp`` (-1102), ``recvWindow`` <= 60000 (-1131;
  up to three decimals, e.g. ``5000.125``, -1100 beyond), a
  timestamp within ``recvWindow`` of the server's time (-1021) and
  ``signature`` over *totalParams* — the query string followed directly
  by the body, exactly as received, without the ``signature`` parameter —
  made with the account's key: HMAC-SHA256 hex with its secret, or base64
  RSA (PKCS#1 v1.5, SHA-256) / Ed25519 checked with its public key (-1022;
  see :mod:`binance.testing.keys`);
* ``USER_STREAM`` endpoints (``userDataStream``) need the API key only;
  market data, ``historicalTrades`` included, needs no key (Binance's
  security type NONE);
* every answer carries ``X-MBX-USED-WEIGHT-1M``; more than 6000 weight in a
  minute (USD-M: 2400) is answered with 429 and ``Retry-After``, too many
  new orders with 429 -1015, and a client that keeps sending during a
  429's ``Retry-After`` is banned with 418 (see
  :mod:`binance.testing.rate_limits`, :attr:`RestResource.limits`).

Each request is recorded as a :class:`RecordedRequest` before it is
answered, and :meth:`RestResource.fail_next` scripts failures (status, body,
headers, delay). Everything is thread-safe: the local exchange answers each
request in a thread of its own (:mod:`binance.testing.rest_server`), so a
blocking REST call made from a stream callback, which blocks the reactor
thread, is still answered.

See https://developers.binance.com/docs/binance-spot-api-docs/rest-api
"""
import contextlib
import functools
import json
import logging
import re
import threading
from decimal import Decimal, InvalidOperation
from typing import Any, Callable, Dict, FrozenSet, List, NamedTuple, Optional, Tuple, Union
from urllib.parse import parse_qsl, urlsplit

from twisted.web import resource, server

from binance._rate_limits import SPOT_RATE_LIMITS, weight_limit
from binance._signing import rest_payload_of
from binance.testing import hints
from binance.testing.market import Market, MarketError
from binance.testing.market_base import parse_int
from binance.testing.order_changes import ORDER_PARAMS as _ORDER_PARAMS
from binance.testing.rest_spot_orders import spot_order_routes
from binance.testing.rate_limits import ExchangeLimits
from binance.testing.time_unit import (
    TIME_PARAMS, TIME_UNIT_HEADER, timestamp_ms, to_microseconds, wants_microseconds)

__all__ = ['RestResource', 'RecordedRequest', 'ROUTES', 'MAX_RECV_WINDOW', 'WEIGHT_LIMIT']

log = logging.getLogger(__name__)

MAX_RECV_WINDOW = 60000
DEFAULT_RECV_WINDOW = 5000
#: ``recvWindow``: milliseconds with up to three decimals (microseconds).
_RECV_WINDOW_RE = re.compile(r'^[0-9]{1,10}(\.[0-9]{1,3})?\Z')
#: Parameters every endpoint accepts (the signing ones).
_ALWAYS_READ = frozenset(('timestamp', 'signature', 'recvWindow'))
#: Spot's request weight per minute (:data:`binance._rate_limits.SPOT_RATE_LIMITS`).
WEIGHT_LIMIT = weight_limit(SPOT_RATE_LIMITS)

NONE, KEY, SIGNED = 'NONE', 'USER_STREAM', 'SIGNED'

_REDACTED_HEADERS = ('x-mbx-apikey', 'authorization', 'cookie')


class Headers(dict):
    """Request headers with lower-case names; lookups ignore case."""

    def __getitem__(self, name: str) -> str:
        return dict.__getitem__(self, name.lower())

    def get(self, name: str, default: Any = None) -> Any:  # type: ignore[override]
        return dict.get(self, name.lower(), default)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and dict.__contains__(self, name.lower())


class RecordedRequest(NamedTuple):
    """One request the REST server received.

    :ivar method: ``'GET'``, ``'POST'``, ...
    :ivar path: the URL path, e.g. ``'/api/v3/order'``.
    :ivar params: query and body parameters, ``{name: value}`` (a list of
        values for a parameter sent several times).
    :ivar headers: request headers (:class:`Headers`: lower-case names, lookups
        ignore case).
    :ivar body: the raw request body.

    The repr hides the API key header and the signature.
    """

    method: str
    path: str
    params: Dict[str, Any]
    headers: Dict[str, str]
    body: bytes

    def __repr__(self) -> str:
        params = {k: ('<redacted>' if k == 'signature' else v) for k, v in self.params.items()}
        headers = {k: ('<redacted>' if k.lower() in _REDACTED_HEADERS else v)
                   for k, v in self.headers.items()}
        return 'RecordedRequest(method={!r}, path={!r}, params={!r}, headers={!r}, ' \
               'body=<{} bytes>)'.format(self.method, self.path, params, headers, len(self.body))


class _Failure:
    def __init__(self, status: Optional[int], body: Any, headers: Optional[Dict[str, str]],
                 delay: Optional[float], count: int) -> None:
        self.status = status
        self.body = body
        self.headers = dict(headers or {})
        self.delay = delay
        self.count = count


class _Route(NamedTuple):
    handler: Callable[[Market, str, Dict[str, Any]], Any]
    security: str
    weight: Union[int, Callable[[Dict[str, Any]], int]]
    multi: Tuple[str, ...] = ()
    #: Parameters Binance reads on this endpoint that the simulation ignores
    #: (accepted without effect, so they are not refused with -1104).
    ignored: Tuple[str, ...] = ()

    @property
    def reads(self) -> FrozenSet[str]:
        """Every parameter the endpoint reads besides timestamp, signature and recvWindow."""
        return frozenset(getattr(self.handler, 'reads', ())) | frozenset(self.ignored)


# ---------------------------------------------------------------- handlers


def _args(params: Dict[str, Any], names: Tuple[str, ...]) -> Dict[str, Any]:
    return {name: params[name] for name in names if name in params}


def _reading(names: Tuple[str, ...], handler: Any) -> Any:
    """``handler`` marked as reading the parameters ``names`` (the rest get -1104)."""
    handler.reads = names
    return handler


def _public(method: str, *names: str) -> Callable[[Market, str, Dict[str, Any]], Any]:
    def handler(market: Market, api_key: str, params: Dict[str, Any]) -> Any:
        return getattr(market, method)(**_args(params, names))
    return _reading(names, handler)


def _private(method: str, *names: str,
             **fixed: Any) -> Callable[[Market, str, Dict[str, Any]], Any]:
    def handler(market: Market, api_key: str, params: Dict[str, Any]) -> Any:
        return getattr(market, method)(api_key, **_args(params, names), **fixed)
    return _reading(names, handler)


_OCO_OLD = ('price', 'stopPrice', 'stopLimitPrice', 'stopLimitTimeInForce',
            'limitClientOrderId', 'stopClientOrderId')
_OCO_LEG = ('Type', 'Price', 'StopPrice', 'TimeInForce', 'ClientOrderId', 'IcebergQty')
_OCO_MAIN = ('symbol', 'side', 'quantity', 'listClientOrderId', 'newOrderRespType')


def _oco(market: Market, api_key: str, params: Dict[str, Any]) -> Any:
    legs = {name: params[name] for name in _OCO_OLD if name in params}
    for prefix in ('above', 'below'):
        for suffix in _OCO_LEG:
            if prefix + suffix in params:
                legs[prefix + suffix] = params[prefix + suffix]
    return market.place_oco(api_key, **_args(params, _OCO_MAIN), **legs)


_reading(_OCO_MAIN + _OCO_OLD + tuple(prefix + suffix for prefix in ('above', 'below')
                                      for suffix in _OCO_LEG), _oco)


def _account(market: Market, api_key: str, params: Dict[str, Any]) -> Any:
    account = market.account(api_key)
    if str(params.get('omitZeroBalances', '')).lower() == 'true':
        account['balances'] = [b for b in account['balances']
                               if Decimal(b['free']) or Decimal(b['locked'])]
    return account


_reading(('omitZeroBalances',), _account)


def _listen_key_new(market: Market, api_key: str, params: Dict[str, Any]) -> Any:
    return {'listenKey': market.create_listen_key(api_key)}


@functools.partial(_reading, ('listenKey',))
def _listen_key_keepalive(market: Market, api_key: str, params: Dict[str, Any]) -> Any:
    market.keepalive_listen_key(params.get('listenKey'), api_key)
    return {}


@functools.partial(_reading, ('listenKey',))
def _listen_key_close(market: Market, api_key: str, params: Dict[str, Any]) -> Any:
    market.close_listen_key(params.get('listenKey'), api_key)
    return {}


def _depth_weight(params: Dict[str, Any]) -> int:
    try:
        limit = int(params.get('limit', 100))
    except (TypeError, ValueError):
        return 5
    return 5 if limit <= 100 else 25 if limit <= 500 else 50 if limit <= 1000 else 250


def _all_or(single: int, everything: int) -> Callable[[Dict[str, Any]], int]:
    return lambda params: single if 'symbol' in params or 'symbols' in params else everything


_SYMBOLS = ('symbol', 'symbols')
_TRADE_LIST = ('symbol', 'orderId', 'startTime', 'endTime', 'fromId', 'limit')
_WALLET_HISTORY = ('coin', 'status', 'startTime', 'endTime', 'offset', 'limit')
# Read by Binance, no effect here (self-trade prevention, strategy tags...).
_ORDER_IGNORED = ('strategyId', 'strategyType', 'selfTradePreventionMode')
_OCO_IGNORED = _ORDER_IGNORED + tuple(leg + suffix for leg in ('above', 'below', 'limit', 'stop')
                                      for suffix in ('StrategyId', 'StrategyType'))

#: ``(method, path) -> route``: every endpoint the server answers.
ROUTES: Dict[Tuple[str, str], _Route] = {
    ('GET', '/api/v3/ping'): _Route(lambda m, k, p: {}, NONE, 1),
    ('GET', '/api/v3/time'): _Route(lambda m, k, p: m.server_time(), NONE, 1),
    ('GET', '/api/v3/exchangeInfo'): _Route(
        _public('exchange_info', *_SYMBOLS, 'permissions', 'showPermissionSets', 'symbolStatus'),
        NONE, 20),
    ('GET', '/api/v3/depth'): _Route(_public('depth', 'symbol', 'limit'), NONE, _depth_weight),
    ('GET', '/api/v3/trades'): _Route(_public('recent_trades', 'symbol', 'limit'), NONE, 25),
    ('GET', '/api/v3/historicalTrades'): _Route(
        _public('historical_trades', 'symbol', 'limit', 'fromId'), NONE, 25),
    ('GET', '/api/v3/aggTrades'): _Route(
        _public('agg_trades', 'symbol', 'fromId', 'startTime', 'endTime', 'limit'), NONE, 4),
    ('GET', '/api/v3/klines'): _Route(
        _public('klines', 'symbol', 'interval', 'startTime', 'endTime', 'limit'), NONE, 2),
    ('GET', '/api/v3/avgPrice'): _Route(_public('avg_price', 'symbol'), NONE, 2),
    ('GET', '/api/v3/ticker/24hr'): _Route(_public('ticker_24h', *_SYMBOLS, 'type'), NONE,
                                           _all_or(2, 80)),
    ('GET', '/api/v3/ticker/price'): _Route(_public('ticker_price', *_SYMBOLS), NONE,
                                            _all_or(2, 4)),
    ('GET', '/api/v3/ticker/bookTicker'): _Route(_public('book_ticker', *_SYMBOLS), NONE,
                                                 _all_or(2, 4)),
    ('POST', '/api/v3/order'): _Route(_private('place_order', *_ORDER_PARAMS), SIGNED, 1,
                                      ignored=_ORDER_IGNORED),
    ('POST', '/api/v3/order/test'): _Route(
        _private('place_order', *_ORDER_PARAMS, test=True), SIGNED, 1,
        ignored=_ORDER_IGNORED + ('computeCommissionRates',)),
    ('GET', '/api/v3/order'): _Route(
        _private('get_order', 'symbol', 'orderId', 'origClientOrderId'), SIGNED, 4),
    ('DELETE', '/api/v3/order'): _Route(
        _private('cancel_order', 'symbol', 'orderId', 'origClientOrderId', 'newClientOrderId'),
        SIGNED, 1, ignored=('cancelRestrictions',)),
    ('POST', '/api/v3/orderList/oco'): _Route(_oco, SIGNED, 1, ignored=_OCO_IGNORED),
    ('POST', '/api/v3/order/oco'): _Route(_oco, SIGNED, 1, ignored=_OCO_IGNORED),
    ('GET', '/api/v3/openOrders'): _Route(_private('open_orders', 'symbol'), SIGNED,
                                          _all_or(6, 80)),
    ('DELETE', '/api/v3/openOrders'): _Route(_private('cancel_open_orders', 'symbol'), SIGNED, 1),
    ('GET', '/api/v3/allOrders'): _Route(
        _private('all_orders', 'symbol', 'orderId', 'startTime', 'endTime', 'limit'), SIGNED, 20),
    ('GET', '/api/v3/account'): _Route(_account, SIGNED, 20),
    ('GET', '/api/v3/myTrades'): _Route(_private('my_trades', *_TRADE_LIST), SIGNED, 20),
    ('POST', '/api/v3/userDataStream'): _Route(_listen_key_new, KEY, 2),
    ('PUT', '/api/v3/userDataStream'): _Route(_listen_key_keepalive, KEY, 2),
    ('DELETE', '/api/v3/userDataStream'): _Route(_listen_key_close, KEY, 2),
    ('POST', '/sapi/v1/capital/withdraw/apply'): _Route(
        _private('withdraw', 'coin', 'address', 'amount', 'network', 'addressTag', 'name',
                 'withdrawOrderId', 'transactionFeeFlag', 'walletType'), SIGNED, 600),
    ('GET', '/sapi/v1/capital/deposit/hisrec'): _Route(
        _private('deposit_history', *_WALLET_HISTORY), SIGNED, 1,
        ignored=('includeSource', 'txId')),
    ('GET', '/sapi/v1/capital/withdraw/history'): _Route(
        _private('withdraw_history', *(_WALLET_HISTORY + ('withdrawOrderId', 'idList'))),
        SIGNED, 10),
    ('GET', '/sapi/v1/capital/deposit/address'): _Route(
        _private('deposit_address', 'coin', 'network'), SIGNED, 10, ignored=('amount',)),
    ('GET', '/sapi/v1/system/status'): _Route(lambda m, k, p: m.system_status(), NONE, 1),
    ('GET', '/sapi/v1/account/status'): _Route(_private('account_status'), SIGNED, 1),
    ('GET', '/sapi/v1/asset/assetDetail'): _Route(_private('asset_detail', 'asset'), SIGNED, 1),
    ('GET', '/sapi/v1/asset/tradeFee'): _Route(_private('trade_fee', 'symbol'), SIGNED, 1),
    ('GET', '/sapi/v1/asset/dribblet'): _Route(
        _private('dust_log', 'startTime', 'endTime'), SIGNED, 1),
    ('POST', '/sapi/v1/asset/dust'): _Route(_private('transfer_dust', 'asset'), SIGNED, 10,
                                            multi=('asset',), ignored=('accountType',)),
}

ROUTES.update(spot_order_routes(_Route, _public, SIGNED, NONE))

_LISTEN_KEY_PATH = '/api/v3/userDataStream'

_DEFAULT_BODIES = {
    429: {'code': -1003, 'msg': 'Too many requests; current limit of IP(127.0.0.1) request '
                                'weight per 1 minute is 6000. Please use WebSocket Streams for '
                                'live updates to avoid polling the API.'},
    418: {'code': -1003, 'msg': 'Way too many requests; IP(127.0.0.1) banned. Please use '
                                'WebSocket Streams for live updates to avoid bans.'},
    500: {'code': -1000, 'msg': 'An unknown error occurred while processing the request.'},
    503: {'code': -1001, 'msg': 'Internal error; unable to process your request. '
                                'Please try again.'},
    502: '<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n'
         '<center><h1>502 Bad Gateway</h1></center>\r\n</body>\r\n</html>\r\n',
    504: '<html>\r\n<head><title>504 Gateway Time-out</title></head>\r\n<body>\r\n'
         '<center><h1>504 Gateway Time-out</h1></center>\r\n</body>\r\n</html>\r\n',
}
_DEFAULT_RETRY_AFTER = {429: '1', 418: '120'}
_NOT_FOUND = b'<html><head><title>404 Not Found</title></head><body><h1>404 Not Found</h1>' \
             b'</body></html>'
#: binance.com's answer to the Spot listen-key endpoints since their retirement
#: (2026-02-20, spot CHANGELOG 2026-01-21): HTTP 410 with an HTML page.
_GONE = b'<html><head><title>410 Gone</title></head><body><h1>410 Gone</h1></body></html>'


def _encode(body: Any) -> Tuple[bytes, str]:
    """``(bytes, content type)`` of a scripted or computed body."""
    if isinstance(body, bytes):
        return body, 'application/octet-stream'
    if isinstance(body, str):
        text = body.lstrip()
        kind = 'text/html' if text.startswith('<') else 'text/plain'
        if text.startswith(('{', '[')):
            kind = 'application/json;charset=UTF-8'
        return body.encode('utf-8'), kind
    return json.dumps(body, separators=(',', ':')).encode('utf-8'), 'application/json;charset=UTF-8'


def _normalize_path(path: str) -> str:
    if not isinstance(path, str) or not path:
        raise ValueError("path must be a request path such as '/api/v3/depth', got {!r}"
                         .format(path))
    if path == '*':
        return path
    path = urlsplit(path).path if '://' in path else path.split('?', 1)[0]
    return '/' + path.lstrip('/')


class RestResource(resource.Resource):
    """Binance's REST API over a :class:`~binance.testing.market.Market`.

    :param market: the market answering the requests.
    :param listen_keys: ``False`` (default) answers the retired listen-key endpoints
        (``/api/v3/userDataStream``) with HTTP 410 Gone, as binance.com has since
        2026-02-20; ``True`` serves them (the original flow).
    :param reactor: the reactor for scripted delays (default: the global one).
    :param routes: the ``(method, path) -> route`` table (default :data:`ROUTES`;
        the local exchange adds the futures and margin ones).
    :param limits: the rate limits to enforce (default: Binance's, on the market's clock).
    """

    isLeaf = True

    def __init__(self, market: Market, *, listen_keys: bool = False, reactor: Any = None,
                 routes: Optional[Dict[Tuple[str, str], _Route]] = None,
                 limits: Optional[ExchangeLimits] = None) -> None:
        super().__init__()
        self.market = market
        self.routes = ROUTES if routes is None else routes
        #: Called as ``before_route(path, params)`` before each routed request (REST
        #: thread), e.g. the mirror following a symbol the request names.
        self.before_route: Optional[Callable[[str, Dict[str, Any]], None]] = None
        self._paths = {path for _, path in self.routes}
        self.listen_keys = listen_keys
        self._reactor = reactor
        self._lock = threading.Lock()
        self._requests: List[RecordedRequest] = []
        self._failures: List[Tuple[str, _Failure]] = []
        #: The request weight, order count and ban state per API family
        #: (:class:`~binance.testing.rate_limits.ExchangeLimits`).
        self.limits = limits if limits is not None else ExchangeLimits(market.now_ms)
        self._delayed: List[Any] = []
        #: Held while a route's handler runs (the local exchange sets its
        #: markets' lock: handlers of futures and margin routes touch several).
        self.lock: Any = contextlib.nullcontext()
        #: called (REST thread) at each request; a replay starts its tape
        self.on_request: Optional[Callable[[], Any]] = None

    def cancel_pending(self) -> None:
        """Drop the answers still waiting for a scripted delay (when the server stops)."""
        for call in self._delayed:
            if call.active():
                call.cancel()
        del self._delayed[:]

    # -- scripting (thread-safe) -------------------------------------------------

    @property
    def requests(self) -> List[RecordedRequest]:
        """A copy of the requests received so far, oldest first."""
        with self._lock:
            return list(self._requests)

    def clear_requests(self) -> None:
        """Forget the recorded requests."""
        with self._lock:
            del self._requests[:]

    def fail_next(self, path: str, status: Optional[int] = None, body: Any = None,
                  headers: Optional[Dict[str, str]] = None, delay: Optional[float] = None,
                  count: int = 1) -> None:
        """Script the answer to the next ``count`` requests to ``path``.

        :param path: e.g. ``'/api/v3/depth'`` (a path without its ``/api`` prefix,
            such as ``'v3/depth'``, matches as a suffix); ``'*'`` matches any path.
        :param status: HTTP status to answer with; ``None`` with a ``delay``
            answers normally after the delay, ``None`` without one means 500.
        :param body: dict/list (sent as JSON), str or bytes (sent as is);
            default: Binance's body for the status (``-1003`` for 429/418, an
            HTML page for 502/504, ``-1000`` otherwise).
        :param headers: extra response headers; 429 and 418 get a
            ``Retry-After`` unless one is given.
        :param delay: seconds to wait before answering (longer than a client's
            timeout to provoke a timeout).
        :param count: how many requests get this answer.
        """
        path = _normalize_path(path)
        if status is not None and (isinstance(status, bool) or not isinstance(status, int)
                                   or not 100 <= status <= 599):
            raise ValueError('status must be an HTTP status code (100-599), got {!r}'
                             .format(status))
        if delay is not None and (isinstance(delay, bool) or not isinstance(delay, (int, float))
                                  or delay < 0):
            raise ValueError('delay must be a number of seconds >= 0, got {!r}'.format(delay))
        if isinstance(count, bool) or not isinstance(count, int) or count < 1:
            raise ValueError('count must be a positive int, got {!r}'.format(count))
        if status is None and delay is None:
            status = 500
        with self._lock:
            self._failures.append((path, _Failure(status, body, headers, delay, count)))

    def _take_failure(self, path: str) -> Optional[_Failure]:
        with self._lock:
            for index, (pattern, failure) in enumerate(self._failures):
                if pattern == '*' or pattern == path or path.endswith(pattern):
                    failure.count -= 1
                    if failure.count <= 0:
                        del self._failures[index]
                    return failure
        return None

    # -- serving -------------------------------------------------------------------

    @property
    def reactor(self) -> Any:
        if self._reactor is None:
            from twisted.internet import reactor
            self._reactor = reactor
        return self._reactor

    def handle(self, method: str, uri: str, headers: Headers,
               body: bytes) -> Tuple[Optional[float], Callable[[], Tuple[int, bytes, Dict[str, str]]]]:
        """Record one request and decide its answer (any thread; the market locks itself).

        :param uri: the request target as received, e.g. ``'/api/v3/depth?symbol=BNBBTC'``.
        :returns: ``(delay, respond)``: wait ``delay`` seconds (``None``: none),
            then ``respond()`` gives ``(status, body bytes, response headers)``.
        """
        path, _, query = uri.partition('?')
        query = query.partition('#')[0]
        pairs = parse_qsl(query, keep_blank_values=True)
        body_text = body.decode('utf-8', 'replace')
        if body and method in ('POST', 'PUT', 'DELETE') and '=' in body_text:
            pairs += parse_qsl(body_text, keep_blank_values=True)
        params: Dict[str, Any] = {}
        duplicate = False
        for name, value in pairs:
            if name in params:
                duplicate = True
                previous = params[name]
                params[name] = (previous if isinstance(previous, list) else [previous]) + [value]
            else:
                params[name] = value
        with self._lock:
            self._requests.append(RecordedRequest(method, path, dict(params), headers, body))
        if self.on_request is not None:   # a replay starts its tape
            self.on_request()
        log.debug('REST %s %s', method, path)
        args = (method, path, query, body, headers, params, duplicate)
        failure = self._take_failure(path)
        if failure is None:
            return None, lambda: self._reply(*self._answer(*args), path=path)
        if failure.status is None:
            return failure.delay or None, lambda: self._reply(*self._answer(*args), path=path)
        reply_body = failure.body if failure.body is not None else _DEFAULT_BODIES.get(
            failure.status, _DEFAULT_BODIES[500] if failure.status >= 400 else {})
        extra = dict(failure.headers)
        if failure.status in _DEFAULT_RETRY_AFTER and not any(
                k.lower() == 'retry-after' for k in extra):
            extra['Retry-After'] = _DEFAULT_RETRY_AFTER[failure.status]
        status = failure.status
        return failure.delay or None, lambda: self._reply(status, reply_body, extra, path=path)

    def _reply(self, status: int, payload: Any, headers: Optional[Dict[str, str]] = None, *,
               path: str = '/api') -> Tuple[int, bytes, Dict[str, str]]:
        data, content_type = _encode(payload)
        out = {'Content-Type': content_type}
        out.update(self.limits.family(path).used_weight())
        out.update({name: str(value) for name, value in (headers or {}).items()})
        return status, data, out

    def render(self, request: Any) -> Any:
        """``twisted.web`` entry point (the local exchange itself serves REST from
        :class:`binance.testing.rest_server.RestServer`, off the reactor thread)."""
        method = request.method.decode('ascii', 'replace')
        body = request.content.read() if request.content is not None else b''
        headers = Headers((name.decode('latin-1').lower(), values[-1].decode('latin-1'))
                          for name, values in request.requestHeaders.getAllRawHeaders())
        delay, respond = self.handle(method, request.uri.decode('latin-1'), headers, body)
        if not delay:
            return self._write(request, *respond())
        finished: List[Any] = []
        request.notifyFinish().addBoth(finished.append)

        def later() -> None:
            if finished:  # the client gave up and closed the connection
                return
            request.write(self._write(request, *respond()))
            request.finish()

        self._delayed = [call for call in self._delayed if call.active()]
        self._delayed.append(self.reactor.callLater(delay, later))
        return server.NOT_DONE_YET

    @staticmethod
    def _write(request: Any, status: int, data: bytes, headers: Dict[str, str]) -> bytes:
        request.setResponseCode(status)
        for name, value in headers.items():
            request.setHeader(name.encode('latin-1'), value.encode('latin-1'))
        return data

    def _answer(self, method: str, path: str, query: str, body: bytes, headers: Headers,
                params: Dict[str, Any],
                duplicate: bool) -> Tuple[int, Any, Optional[Dict[str, str]]]:
        """``(status, body, extra headers)`` for one request."""
        if path == _LISTEN_KEY_PATH and not self.listen_keys:
            return 410, _GONE, {'Content-Type': 'text/html'}  # retired on 2026-02-20
        route = self.routes.get((method, path))
        if route is None:
            if path in self._paths:
                return 405, {'code': -1000, 'msg': 'Method {} is not allowed for {}.'.format(
                    method, path)}, None
            return 404, _NOT_FOUND, {'Content-Type': 'text/html'}
        if self.before_route is not None:
            self.before_route(path, params)
        weight = route.weight(params) if callable(route.weight) else route.weight
        family = self.limits.family(path)
        refusal = family.admit(weight)
        if refusal is not None:
            return refusal
        try:
            if duplicate and any(isinstance(v, list) for k, v in params.items()
                                 if k not in route.multi):
                raise MarketError(-1101, 'Duplicate values for a parameter detected.')
            micro = path.startswith('/api/') and wants_microseconds(
                headers.get(TIME_UNIT_HEADER))
            api_key = ''
            if route.security != NONE:
                api_key = self._check_key(headers)
            if route.security == SIGNED:
                self._check_signature(api_key, query, body, params)
            args = {k: timestamp_ms(v) if k in TIME_PARAMS else v
                    for k, v in params.items() if k not in _ALWAYS_READ}
            unread = [name for name in args if name not in route.reads]
            if unread:
                log.debug('REST %s %s: parameters not read: %s', method, path, unread)
                raise MarketError(-1104, "Not all sent parameters were read; read '{}' "
                                         "parameter(s) but was sent '{}'.".format(
                                             len(params) - len(unread), len(params)))
            order_headers = None
            if self.limits.is_order(method, path):
                refusal, order_headers = family.count_order(api_key)
                if refusal is not None:
                    return refusal
            if getattr(route.handler, 'unlocked', False):   # takes the lock itself if it needs it
                result = route.handler(self.market, api_key, args)
            else:
                with self.lock:
                    result = route.handler(self.market, api_key, args)
            if path.endswith('/exchangeInfo') and isinstance(result, dict):
                result['rateLimits'] = family.rate_limits()   # the limits enforced here
            if micro:
                result = to_microseconds(result, path)
            return 200, result, order_headers
        except MarketError as error:
            return error.http_status, error.as_json(), None
        except Exception:
            log.exception('the local exchange failed on %s %s', method, path)
            return 500, _DEFAULT_BODIES[500], None

    def _check_key(self, headers: Headers) -> str:
        api_key = headers.get('X-MBX-APIKEY')
        if not api_key:
            raise MarketError(-2014, 'API-key format invalid.', 401)
        if self.market.key_type(api_key) is None:
            raise MarketError(-2015, hints.invalid_key(self.market), 401)
        return api_key

    def _check_signature(self, api_key: str, query: str, body: bytes,
                         params: Dict[str, Any]) -> None:
        for name in ('timestamp', 'signature'):
            if not params.get(name) or isinstance(params[name], list):
                raise MarketError(-1102, "Mandatory parameter '{}' was not sent, was empty/null, "
                                         "or malformed.".format(name))
        recv_window: Any = DEFAULT_RECV_WINDOW
        if params.get('recvWindow') not in (None, ''):
            recv_window = _parse_recv_window(params['recvWindow'])
        timestamp = parse_int('timestamp', timestamp_ms(params['timestamp']))
        now = self.market.now_ms()
        if timestamp > now + 1000:
            raise MarketError(-1021, "Timestamp for this request was 1000ms ahead of the "
                                     "server's time.")
        if now - timestamp > recv_window:
            raise MarketError(-1021, 'Timestamp for this request is outside of the recvWindow.')
        total = rest_payload_of(query, body.decode('utf-8', 'replace'))
        if not self.market.verify_signature(api_key, total.encode('utf-8'), params['signature']):
            raise MarketError(-1022, hints.invalid_signature(self.market))


def _parse_recv_window(value: Any) -> Decimal:
    """``recvWindow`` in ms with at most three decimals (µs), -1100 otherwise; -1131 over 60000."""
    text = value if isinstance(value, str) else ''
    if not _RECV_WINDOW_RE.match(text):
        raise MarketError(-1100, "Illegal characters found in parameter 'recvWindow'; legal "
                                 "range is '{}'.".format(_RECV_WINDOW_RE.pattern))
    try:
        number = Decimal(text)
    except InvalidOperation:  # pragma: no cover - the pattern admits decimals only
        raise MarketError(-1100, "Illegal characters found in parameter 'recvWindow'.") from None
    if number > MAX_RECV_WINDOW:
        raise MarketError(-1131, 'recvWindow must be less than {}'.format(MAX_RECV_WINDOW))
    return number

