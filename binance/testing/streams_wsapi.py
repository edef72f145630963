"""The WebSocket API (``/ws-api/v3``) of the local exchange: requests and replies.

Follows Binance's WebSocket API documentation for the methods served here:

* ``ping``, ``time``;
* ``session.logon`` (Ed25519 keys only), ``session.status``, ``session.logout``;
* ``userDataStream.subscribe`` (on a logged-on session),
  ``userDataStream.subscribe.signature``, ``userDataStream.unsubscribe``,
  ``session.subscriptions`` (also as ``userDataStream.subscription.list``);
* ``order.place``, ``order.cancel``, ``order.status``, ``openOrders.status``,
  ``order.cancelReplace``, ``account.status`` (see
  :mod:`binance.testing.streams_wsapi_orders`).

Signed requests carry ``apiKey``, ``timestamp`` and ``signature`` (optional
``recvWindow`` up to 60000, three decimals at most); the signature covers
every other parameter sorted by name and joined as ``name=value&...``
(UTF-8, no percent-encoding), made with the account's key: HMAC-SHA256 hex,
or base64 RSA / Ed25519 (:mod:`binance.testing.keys`). After
``session.logon`` the ``apiKey`` and ``signature`` may be left out (the
``timestamp`` may not).

Replies look like Binance's::

    {"id": 1, "status": 200, "result": {...}, "rateLimits": [...]}
    {"id": 1, "status": 400,
     "error": {"code": -1022, "msg": "Signature for this request is not valid."},
     "rateLimits": [...]}

Request weight is counted per minute for the whole server (Binance counts
per IP address; connecting costs 2); beyond the limit requests are answered
with status 429, code -1003 and ``error.data.retryAfter`` (the time in ms when
the next minute starts). ``returnRateLimits: false`` leaves ``rateLimits`` out.
User data events arrive as ``{"subscriptionId": n, "event": {...}}``; a
subscription that ends (``userDataStream.unsubscribe``, ``session.logout``,
or :func:`terminate_user_streams`) first gets
``{"subscriptionId": n, "event": {"e": "eventStreamTerminated", "E": ms}}``.

Scripting (thread-safe, also through :class:`~binance.testing.LocalExchange`):
:func:`fail_next` answers the next requests of a method with an error;
:func:`terminate_user_streams` ends subscriptions, optionally logging the
sessions out, as the server would.

See https://developers.binance.com/docs/binance-spot-api-docs/websocket-api
"""
import logging
import re
import threading
from typing import Any, Callable, Dict, List, Optional

from binance._signing import sign_payload, wire_text, ws_api_payload
from binance.testing import hints
from binance.testing.market_base import RATE_LIMITS, MarketError
from binance.testing.streams_format import dumps, loads

__all__ = ['handle_request', 'signature_payload', 'sign', 'fail_next',
           'terminate_user_streams', 'WEIGHTS']

log = logging.getLogger(__name__)

DEFAULT_RECV_WINDOW = 5000
MAX_RECV_WINDOW = 60000
REQUEST_WEIGHT_LIMIT: int = next(int(str(limit['limit'])) for limit in RATE_LIMITS
                                 if limit['rateLimitType'] == 'REQUEST_WEIGHT')
#: Weight of connecting to the WebSocket API.
CONNECT_WEIGHT = 2
_RECV_WINDOW_RE = re.compile(r'^[0-9]{1,10}(\.[0-9]{1,3})?\Z')

#: Weight of each method (``openOrders.status``: 6 with a symbol, 80 without).
WEIGHTS: Dict[str, int] = {
    'ping': 1, 'time': 1,
    'session.logon': 2, 'session.status': 2, 'session.logout': 2,
    'userDataStream.subscribe': 2, 'userDataStream.subscribe.signature': 2,
    'userDataStream.unsubscribe': 2, 'session.subscriptions': 2,
    'userDataStream.subscription.list': 2,
    'order.place': 1, 'order.cancel': 1, 'order.cancelReplace': 1, 'order.status': 4,
    'openOrders.status': 6, 'account.status': 20,
}


class ApiError(Exception):
    """A refused request: HTTP-like ``status``, Binance ``code`` and ``msg``, optional ``data``."""

    def __init__(self, status: int, code: int, msg: str, data: Any = None) -> None:
        super().__init__(msg)
        self.status, self.code, self.msg, self.data = status, code, msg, data

    def as_error(self) -> Dict[str, Any]:
        error: Dict[str, Any] = {'code': self.code, 'msg': self.msg}
        if self.data is not None:
            error['data'] = self.data
        return error


_Error = ApiError  # the name used before the module grew


def from_market(error: MarketError) -> ApiError:
    return ApiError(error.http_status, error.code, error.msg, error.data)


class _Session:
    """Per-connection WebSocket API state."""

    def __init__(self, now_ms: int) -> None:
        self.connected_since = now_ms
        self.api_key: Optional[str] = None
        self.authorized_since: Optional[int] = None
        self.logon_subscription: Optional[int] = None
        self.return_rate_limits = True
        #: logged out by the server: the next request relying on the session is refused
        self.revoked = False


class _ServerState:
    """Per-server WebSocket API state: request weight and scripted failures."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.minute = -1
        self.weight = 0
        self.failures: List[List[Any]] = []   # [method, ApiError, count]
        self.orders: Dict[str, List[int]] = {}  # api key -> order times (ms)


def _state(server: Any) -> _ServerState:
    state = getattr(server, '_ws_api_state', None)
    if state is None:
        state = server._ws_api_state = _ServerState()
    return state


def now_ms(server: Any) -> int:
    """The exchange's time: the server's clock plus the market's clock offset."""
    return server.now_ms() + int(getattr(server.market, 'clock_offset_ms', 0) or 0)


def session_of(server: Any, conn: Any) -> _Session:
    session = getattr(conn, 'api_session', None)
    if session is None:
        session = conn.api_session = _Session(now_ms(server))
        _add_weight(server, CONNECT_WEIGHT)
    return session


# ---------------------------------------------------------------- signatures


_param_text = wire_text


def signature_payload(params: Dict[str, Any]) -> str:
    """The text a WebSocket API request signs: params but ``signature``, sorted, ``k=v&...``."""
    return ws_api_payload(params)


def sign(secret: str, params: Dict[str, Any]) -> str:
    """HMAC-SHA256 hex signature of ``params`` with ``secret`` (what an HMAC client sends)."""
    return sign_payload(secret, signature_payload(params))


def mandatory(params: Dict[str, Any], name: str) -> Any:
    value = params.get(name)
    if value is None or value == '':
        raise ApiError(400, -1102, "Mandatory parameter '{}' was not sent, was empty/null, "
                                   "or malformed.".format(name))
    return value


def integer(params: Dict[str, Any], name: str) -> int:
    value = params[name]
    if isinstance(value, bool):
        raise ApiError(400, -1100, "Illegal characters found in parameter '{}'; legal range "
                                   "is '^[0-9]{{1,20}}$'.".format(name))
    try:
        return int(str(value))
    except ValueError:
        raise ApiError(400, -1100, "Illegal characters found in parameter '{}'; legal range "
                                   "is '^[0-9]{{1,20}}$'.".format(name)) from None


def _recv_window(params: Dict[str, Any]) -> float:
    if params.get('recvWindow') is None:
        return DEFAULT_RECV_WINDOW
    text = _param_text(params['recvWindow'])
    if not _RECV_WINDOW_RE.match(text):
        raise ApiError(400, -1100, "Illegal characters found in parameter 'recvWindow'; legal "
                                   "range is '{}'.".format(_RECV_WINDOW_RE.pattern))
    value = float(text)
    if value > MAX_RECV_WINDOW:
        raise ApiError(400, -1131, 'recvWindow must be less than {}'.format(MAX_RECV_WINDOW))
    return value


def _check_timestamp(server: Any, params: Dict[str, Any]) -> None:
    mandatory(params, 'timestamp')
    timestamp = integer(params, 'timestamp')
    if timestamp >= 10 ** 14:  # microseconds
        timestamp //= 1000
    recv_window = _recv_window(params)
    now = now_ms(server)
    if timestamp > now + 1000:
        raise ApiError(400, -1021, "Timestamp for this request was 1000ms ahead of the server's "
                                   "time.")
    if now - timestamp > recv_window:
        raise ApiError(400, -1021, 'Timestamp for this request is outside of the recvWindow.')


def check_signed(server: Any, conn: Any, params: Dict[str, Any]) -> str:
    """Validate a signed request (explicitly signed, or on a logged-on session); its API key."""
    session = session_of(server, conn)
    if session.api_key is not None and 'signature' not in params and (
            params.get('apiKey') in (None, session.api_key)):
        if server.market.key_type(session.api_key) is None:  # the key was deleted meanwhile
            _logout(server, conn, session)
            raise ApiError(401, -2015, 'Invalid API-key, IP, or permissions for action.')
        _check_timestamp(server, params)
        return session.api_key
    if session.revoked and 'signature' not in params and params.get('apiKey') is None:
        # Binance: "after the next request the session will be revoked" with this message
        session.revoked = False
        text = 'Invalid API-key, IP, or permissions for action.'
        conn.send_json({'id': None, 'status': 401, 'error': {'code': -2015, 'msg': text}})
        raise ApiError(401, -2015, text)
    api_key = mandatory(params, 'apiKey')
    signature = mandatory(params, 'signature')
    _check_timestamp(server, params)
    if not isinstance(api_key, str) or server.market.key_type(api_key) is None:
        raise ApiError(401, -2015, hints.invalid_key(server.market))
    payload = signature_payload(params).encode('utf-8')
    if not server.market.verify_signature(api_key, payload, _param_text(signature)):
        raise ApiError(400, -1022, hints.invalid_signature(server.market))
    return api_key


# ---------------------------------------------------------------- sessions and user data


def _status(server: Any, conn: Any, session: _Session) -> Dict[str, Any]:
    return {'apiKey': session.api_key, 'authorizedSince': session.authorized_since,
            'connectedSince': session.connected_since,
            'returnRateLimits': session.return_rate_limits, 'serverTime': now_ms(server),
            'userDataStream': bool(conn.api_subscriptions)}


def _logon(server: Any, conn: Any, params: Dict[str, Any]) -> Dict[str, Any]:
    session = session_of(server, conn)
    api_key = mandatory(params, 'apiKey')
    if server.market.key_type(api_key) not in (None, 'Ed25519'):
        # Binance: "Only Ed25519 keys are supported for this feature."
        raise ApiError(400, -1022, 'Signature for this request is not valid.')
    api_key = check_signed(server, conn, dict(params))
    if session.api_key != api_key:
        _end_logon_subscription(server, conn, session)
    session.api_key = api_key
    session.authorized_since = now_ms(server)
    session.revoked = False
    return _status(server, conn, session)


def _logout(server: Any, conn: Any, session: _Session) -> None:
    _end_logon_subscription(server, conn, session)
    session.api_key = None
    session.authorized_since = None


def _end_logon_subscription(server: Any, conn: Any, session: _Session) -> None:
    sub_id, session.logon_subscription = session.logon_subscription, None
    if sub_id is not None and sub_id in conn.api_subscriptions:
        _end_subscription(server, conn, sub_id)


def _end_subscription(server: Any, conn: Any, sub_id: int) -> None:
    """Remove one subscription; it receives ``eventStreamTerminated`` first."""
    api_key = conn.api_subscriptions.pop(sub_id)
    conn.send_bytes(dumps({'subscriptionId': sub_id,
                           'event': {'e': 'eventStreamTerminated', 'E': now_ms(server)}}))
    if api_key not in conn.api_subscriptions.values():
        server.unregister_api_subscription(conn, api_key)
    session = getattr(conn, 'api_session', None)
    if session is not None and session.logon_subscription == sub_id:
        session.logon_subscription = None


def _subscribe(server: Any, conn: Any, api_key: str) -> Dict[str, Any]:
    if api_key in conn.api_subscriptions.values():
        # "You can have only one active subscription for a given account on a given connection."
        raise ApiError(400, -2039, 'User Data Stream subscription already active.')
    sub_id = conn.add_api_subscription(api_key)
    server.register_api_subscription(conn, api_key)
    return {'subscriptionId': sub_id}


def _subscribe_token(server: Any, conn: Any, params: Dict[str, Any]) -> Dict[str, Any]:
    """``userDataStream.subscribe.listenToken`` (margin user data since 2026-02-20)."""
    token = mandatory(params, 'listenToken')
    owner_of = server.listen_token_owner
    owner = owner_of(str(token)) if owner_of is not None else None
    if owner is None:
        # -1209 is Binance's code for an invalid token; its message text is not documented
        raise ApiError(400, -1209, 'Invalid listenToken.')
    account, expires = owner
    sub_id = next((i for i, a in conn.api_subscriptions.items() if a == account), None)
    if sub_id is None:  # else a new token renews the subscription in place
        sub_id = _subscribe(server, conn, account)['subscriptionId']
    _expire_at(server, conn, sub_id, expires)
    return {'subscriptionId': sub_id, 'expirationTime': expires}


def _expire_at(server: Any, conn: Any, sub_id: int, expires: int) -> None:
    """End the subscription with ``eventStreamTerminated`` at ``expires`` unless renewed."""
    deadlines = conn.__dict__.setdefault('token_expiry', {})
    deadlines[sub_id] = expires

    def end() -> None:
        if deadlines.get(sub_id) == expires and sub_id in conn.api_subscriptions:
            _end_subscription(server, conn, sub_id)   # not renewed in time
    delay = max(0.0, (expires - now_ms(server)) / 1000.0)
    clock = server.timer_clock if server.timer_clock is not None else server.reactor  # a replay's
    conn.__dict__.setdefault('token_timers', []).append(clock.callLater(delay, end))


def _subscribe_logon(server: Any, conn: Any, params: Dict[str, Any]) -> Dict[str, Any]:
    session = session_of(server, conn)
    if session.api_key is None:
        raise ApiError(401, -1002, 'You are not authorized to execute this request.')
    result = _subscribe(server, conn, session.api_key)
    session.logon_subscription = result['subscriptionId']
    return result


def _unsubscribe(server: Any, conn: Any, params: Dict[str, Any]) -> Dict[str, Any]:
    if params.get('subscriptionId') is None:
        ids = list(conn.api_subscriptions)
    else:
        sub_id = integer(params, 'subscriptionId')
        if sub_id not in conn.api_subscriptions:
            raise ApiError(400, -2035, 'Subscription not found.')
        ids = [sub_id]
    for sub_id in ids:
        _end_subscription(server, conn, sub_id)
    return {}


def session_method(server: Any, conn: Any, method: str, params: Dict[str, Any]) -> Any:
    """The answer of ``session.logon``, ``session.status`` or ``session.logout`` (the
    spot and futures WebSocket APIs' own), ``None`` for any other method."""
    if method == 'session.logon':
        return _logon(server, conn, params)
    if method == 'session.status':
        return _status(server, conn, session_of(server, conn))
    if method == 'session.logout':
        session = session_of(server, conn)
        _logout(server, conn, session)
        return _status(server, conn, session)
    return None


def _dispatch(server: Any, conn: Any, method: str, params: Dict[str, Any]) -> Any:
    from binance.testing import streams_wsapi_orders as orders
    session = session_of(server, conn)
    if method == 'ping':
        return {}
    if method == 'time':
        return {'serverTime': now_ms(server)}
    answer = session_method(server, conn, method, params)
    if answer is not None:
        return answer
    if method == 'userDataStream.subscribe':
        return _subscribe_logon(server, conn, params)
    if method == 'userDataStream.subscribe.signature':
        return _subscribe(server, conn, check_signed(server, conn, params))
    if method == 'userDataStream.subscribe.listenToken':
        return _subscribe_token(server, conn, params)
    if method == 'userDataStream.unsubscribe':
        return _unsubscribe(server, conn, params)
    if method in ('session.subscriptions', 'userDataStream.subscription.list'):
        return [{'subscriptionId': sub_id} for sub_id in sorted(conn.api_subscriptions)]
    handler = orders.HANDLERS.get(method)
    if handler is not None:
        return handler(server, conn, params)
    raise ApiError(400, -1020, 'Unsupported operation: {!r}.'.format(method)[:200])


# ---------------------------------------------------------------- limits and scripting


def _add_weight(server: Any, weight: int, limit: int = REQUEST_WEIGHT_LIMIT) -> bool:
    """Count ``weight`` in the current minute; False once over ``limit``."""
    state = _state(server)
    minute = now_ms(server) // 60000
    with state.lock:
        if minute != state.minute:
            state.minute, state.weight = minute, 0
        state.weight += weight
        return state.weight <= limit


def _weight_of(method: str, params: Dict[str, Any]) -> int:
    if method == 'openOrders.status' and params.get('symbol') is None:
        return 80
    return WEIGHTS.get(method, 1)


def rate_limits(server: Any, api_key: Optional[str] = None,
                orders: bool = False) -> List[Dict[str, Any]]:
    """The ``rateLimits`` of a reply: request weight, plus order counts for order methods."""
    state = _state(server)
    limits = []
    if orders and api_key is not None:
        times = state.orders.get(api_key, [])
        now = now_ms(server)
        for limit in RATE_LIMITS:
            if limit['rateLimitType'] != 'ORDERS':
                continue
            span = _span_ms(limit)
            window = now - now % span
            limits.append(dict(limit, count=sum(1 for t in times if t >= window)))
    limits.append({'rateLimitType': 'REQUEST_WEIGHT', 'interval': 'MINUTE', 'intervalNum': 1,
                   'limit': REQUEST_WEIGHT_LIMIT, 'count': state.weight})
    return limits


_INTERVAL_MS = {'SECOND': 1000, 'MINUTE': 60000, 'HOUR': 3600000, 'DAY': 86400000}


def _span_ms(limit: Dict[str, Any]) -> int:
    """Length in ms of a rate limit's interval (``10 SECOND`` -> 10000)."""
    return _INTERVAL_MS[str(limit['interval'])] * int(str(limit['intervalNum']))


def fail_next(server: Any, method: str, status: int = 429, code: Optional[int] = None,
              msg: Optional[str] = None, data: Any = None, count: int = 1) -> None:
    """Answer the next ``count`` requests of ``method`` (``'*'``: any) with an error.

    Defaults follow Binance: 429 and 418 get code -1003 and
    ``data: {"serverTime", "retryAfter"}`` (the next minute for 429, two
    minutes on for 418); other statuses code -1000.
    """
    if not isinstance(method, str) or not method:
        raise ValueError("method must be a WebSocket API method such as 'order.place', or '*'")
    if isinstance(status, bool) or not isinstance(status, int) or not 400 <= status <= 599:
        raise ValueError('status must be an error status (400-599), got {!r}'.format(status))
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise ValueError('count must be a positive int, got {!r}'.format(count))
    state = _state(server)
    with state.lock:
        state.failures.append([method, (status, code, msg, data), count])


def _scripted(server: Any, method: str) -> Optional[ApiError]:
    state = _state(server)
    with state.lock:
        for entry in state.failures:
            if entry[0] in ('*', method):
                entry[2] -= 1
                if entry[2] <= 0:
                    state.failures.remove(entry)
                status, code, msg, data = entry[1]
                break
        else:
            return None
    now = now_ms(server)
    if status in (418, 429):
        retry = now - now % 60000 + 60000 if status == 429 else now + 120000
        if code is None:
            code = -1003
        if msg is None:
            msg = ('Too much request weight used; current limit is {} request weight per 1 '
                   'MINUTE. Please use WebSocket Streams for live updates to avoid polling '
                   'the API.'.format(REQUEST_WEIGHT_LIMIT) if status == 429 else
                   'Way too much request weight used; IP banned until {}. Please use '
                   'WebSocket Streams for live updates to avoid bans.'.format(retry))
        if data is None:
            data = {'serverTime': now, 'retryAfter': retry}
    return ApiError(status, -1000 if code is None else code,
                    msg or 'An unknown error occurred while processing the request.', data)


def terminate_user_streams(server: Any, api_key: Optional[str] = None,
                           logout: bool = False) -> int:
    """End the user data subscriptions of ``api_key`` (all keys: ``None``), as Binance does
    when a subscription expires; ``logout=True`` also logs those sessions out.

    Each ended subscription receives ``eventStreamTerminated``. Reactor thread.

    :returns: how many subscriptions ended.
    """
    ended = 0
    for conn in list(getattr(server, '_open', ())):
        if getattr(conn, 'route', None) != 'api':
            continue
        for sub_id, owner in list(conn.api_subscriptions.items()):
            if api_key is None or owner == api_key:
                _end_subscription(server, conn, sub_id)
                ended += 1
        session = getattr(conn, 'api_session', None)
        if logout and session is not None and session.api_key is not None and (
                api_key is None or session.api_key == api_key):
            _logout(server, conn, session)
            session.revoked = True
    return ended


# ---------------------------------------------------------------- one request


def handle_request(server: Any, conn: Any, payload: bytes) -> Dict[str, Any]:
    """Answer one WebSocket API request frame; returns the reply as a dict.

    :param server: the :class:`~binance.testing.streams.StreamServer`.
    :param conn: the connection (keeps the session and the subscriptions).
    :param payload: the request frame, JSON ``{"id", "method", "params"}``.
    """
    def run(method: str, params: Dict[str, Any]) -> Any:
        if not _add_weight(server, _weight_of(method, params)):
            minute_end = now_ms(server) - now_ms(server) % 60000 + 60000
            raise ApiError(429, -1003, 'Too much request weight used; current limit is {} '
                                       'request weight per 1 MINUTE. Please use WebSocket '
                                       'Streams for live updates to avoid polling the API.'
                           .format(REQUEST_WEIGHT_LIMIT),
                           {'serverTime': now_ms(server), 'retryAfter': minute_end})
        return _dispatch(server, conn, method, params)

    def limits(api_key: Optional[str], method: Any) -> List[Dict[str, Any]]:
        from binance.testing.streams_wsapi_orders import ORDER_METHODS
        return rate_limits(server, api_key, orders=method in ORDER_METHODS)

    return answer_frame(server, conn, payload, run, limits, 'WebSocket API', strip='v3/')


def answer_frame(server: Any, conn: Any, payload: bytes,
                 run: Callable[[str, Dict[str, Any]], Any],
                 limits: Callable[[Optional[str], Any], List[Dict[str, Any]]],
                 what: str, strip: str = '',
                 logger: logging.Logger = log) -> Dict[str, Any]:
    """The reply to one request frame of a WebSocket API (spot's or futures').

    Reads ``{"id", "method", "params"}`` (``-1000``/``-1102`` when malformed),
    drops the ``strip`` prefix of the method, answers a scripted failure
    (:func:`fail_next`), else ``run(method, params)``'s result; errors become
    ``{"status", "error"}`` replies. ``limits(api_key, method)`` gives the
    ``rateLimits`` when the session or request asks for them. ``what`` names the
    API in the lines logged to ``logger``.
    """
    conn.request_count += 1
    session = session_of(server, conn)   # a new session counts the connection's weight
    request_id = None
    show_limits = session.return_rate_limits
    method: Any = None
    try:
        try:
            request = loads(payload)
        except ValueError:
            raise ApiError(400, -1000, 'Malformed request: not valid JSON.') from None
        if not isinstance(request, dict):
            raise ApiError(400, -1000, 'Malformed request: expected a JSON object.')
        request_id = request.get('id')
        params = request.get('params') or {}
        if not isinstance(params, dict):
            raise ApiError(400, -1000, "Malformed request: 'params' must be an object.")
        params = dict(params)
        if isinstance(params.get('returnRateLimits'), bool):
            show_limits = params.pop('returnRateLimits')
        method = request.get('method')
        if not isinstance(method, str) or not method:
            raise ApiError(400, -1102, "Mandatory parameter 'method' was not sent, was "
                                       "empty/null, or malformed.")
        if strip and method.startswith(strip):
            method = method[len(strip):]
        scripted = _scripted(server, method)
        if scripted is not None:
            raise scripted
        reply: Dict[str, Any] = {'id': request_id, 'status': 200,
                                 'result': run(method, params)}
    except ApiError as exc:
        logger.debug('%s request refused: %s %s', what, exc.code, exc.msg)
        reply = {'id': request_id, 'status': exc.status, 'error': exc.as_error()}
    except MarketError as exc:
        reply = {'id': request_id, 'status': exc.http_status,
                 'error': from_market(exc).as_error()}
    except Exception:
        logger.exception('the local exchange failed on %s method %r', what, method)
        reply = {'id': request_id, 'status': 500,
                 'error': {'code': -1000, 'msg': 'An unknown error occurred while processing '
                                                 'the request.'}}
    api_key = getattr(conn, '_last_api_key', None)
    conn._last_api_key = None
    if show_limits:
        reply['rateLimits'] = limits(api_key, method)
    return reply


Handler = Callable[[Any, Any, Dict[str, Any]], Any]
