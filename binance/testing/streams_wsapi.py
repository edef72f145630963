"""The WebSocket API (``/ws-api/v3``) of the local exchange: requests and replies.

Implements the part of Binance's WebSocket API that the socket manager uses
for Spot user data since the listen-key endpoints were retired:

* ``userDataStream.subscribe.signature`` — params ``apiKey``, ``timestamp``,
  ``signature`` (optionally ``recvWindow``). The signature is the HMAC-SHA256
  hex digest, keyed with the account's secret, of every other parameter sorted
  by name and joined as ``name=value&...``. The reply carries a
  ``subscriptionId``; the account's events then arrive as
  ``{"subscriptionId": n, "event": {...}}``.
* ``userDataStream.unsubscribe`` (one ``subscriptionId`` or all),
  ``userDataStream.subscription.list``, ``ping`` and ``time``.

Replies look like Binance's::

    {"id": 1, "status": 200, "result": {"subscriptionId": 0}, "rateLimits": [...]}
    {"id": 1, "status": 400,
     "error": {"code": -1022, "msg": "Signature for this request is not valid."},
     "rateLimits": [...]}

See https://developers.binance.com/docs/binance-spot-api-docs/websocket-api
"""
import hmac
import logging
from typing import Any, Dict, Optional

from binance._client_params import sign_payload
from binance.testing.streams_format import loads

__all__ = ['handle_request', 'signature_payload', 'sign']

log = logging.getLogger(__name__)

DEFAULT_RECV_WINDOW = 5000
MAX_RECV_WINDOW = 60000
REQUEST_WEIGHT_LIMIT = 6000


class _Error(Exception):
    def __init__(self, status: int, code: int, msg: str) -> None:
        super().__init__(msg)
        self.status, self.code, self.msg = status, code, msg


def _param_text(value: Any) -> str:
    if isinstance(value, bool):
        return 'true' if value else 'false'
    return str(value)


def signature_payload(params: Dict[str, Any]) -> str:
    """The text a WebSocket API request signs: params but ``signature``, sorted, ``k=v&...``."""
    return '&'.join('{}={}'.format(name, _param_text(params[name]))
                    for name in sorted(params) if name != 'signature')


def sign(secret: str, params: Dict[str, Any]) -> str:
    """HMAC-SHA256 hex signature of ``params`` with ``secret`` (what a client sends)."""
    return sign_payload(secret, signature_payload(params))


def _mandatory(params: Dict[str, Any], name: str) -> Any:
    value = params.get(name)
    if value is None or value == '':
        raise _Error(400, -1102, "Mandatory parameter '{}' was not sent, was empty/null, "
                                 "or malformed.".format(name))
    return value


def _integer(params: Dict[str, Any], name: str) -> int:
    value = params[name]
    if isinstance(value, bool):
        raise _Error(400, -1100, "Illegal characters found in parameter '{}'; legal range "
                                 "is '^[0-9]{{1,20}}$'.".format(name))
    try:
        return int(str(value))
    except ValueError:
        raise _Error(400, -1100, "Illegal characters found in parameter '{}'; legal range "
                                 "is '^[0-9]{{1,20}}$'.".format(name)) from None


def _secret_for(market: Any, api_key: str) -> Optional[str]:
    try:
        return market.secret_for(api_key)
    except Exception:  # an unknown key may raise (MarketError) or return None
        return None


def _check_signed(server: Any, params: Dict[str, Any]) -> str:
    """Validate a signed request; return its API key."""
    api_key = _mandatory(params, 'apiKey')
    _mandatory(params, 'timestamp')
    signature = _mandatory(params, 'signature')
    timestamp = _integer(params, 'timestamp')
    recv_window = DEFAULT_RECV_WINDOW
    if params.get('recvWindow') is not None:
        recv_window = _integer(params, 'recvWindow')
        if recv_window > MAX_RECV_WINDOW or recv_window <= 0:
            raise _Error(400, -1131, 'recvWindow must be less than 60000')
    secret = _secret_for(server.market, str(api_key))
    if not secret:
        raise _Error(401, -2015, 'Invalid API-key, IP, or permissions for action.')
    now = server.now_ms()
    if timestamp > now + 1000 or now - timestamp > recv_window:
        raise _Error(400, -1021, 'Timestamp for this request is outside of the recvWindow.')
    expected = sign(secret, params)
    if not hmac.compare_digest(expected.encode('ascii'), str(signature).encode('utf-8')):
        raise _Error(400, -1022, 'Signature for this request is not valid.')
    return str(api_key)


def _subscribe(server: Any, conn: Any, params: Dict[str, Any]) -> Dict[str, Any]:
    api_key = _check_signed(server, params)
    sub_id = conn.add_api_subscription(api_key)
    server.register_api_subscription(conn, api_key)
    return {'subscriptionId': sub_id}


def _subscribe_token(server: Any, conn: Any, params: Dict[str, Any]) -> Dict[str, Any]:
    """``userDataStream.subscribe.listenToken`` (margin user data since 2026-02-20)."""
    token = _mandatory(params, 'listenToken')
    owner_of = server.listen_token_owner
    owner = owner_of(str(token)) if owner_of is not None else None
    if owner is None:
        # -1209 is Binance's code for an invalid token; its message text is not documented
        raise _Error(400, -1209, 'Invalid listenToken.')
    account, expires = owner
    sub_id = next((i for i, a in conn.api_subscriptions.items() if a == account), None)
    if sub_id is None:  # else a new token renews the subscription in place
        sub_id = conn.add_api_subscription(account)
        server.register_api_subscription(conn, account)
    _expire_at(server, conn, sub_id, expires)
    return {'subscriptionId': sub_id, 'expirationTime': expires}


def _expire_at(server: Any, conn: Any, sub_id: int, expires: int) -> None:
    """End the subscription with ``eventStreamTerminated`` at ``expires`` unless renewed."""
    deadlines = conn.__dict__.setdefault('token_expiry', {})
    deadlines[sub_id] = expires

    def end() -> None:
        if deadlines.get(sub_id) != expires or sub_id not in conn.api_subscriptions:
            return  # renewed or unsubscribed meanwhile
        account = conn.api_subscriptions.pop(sub_id)
        if account not in conn.api_subscriptions.values():
            server.unregister_api_subscription(conn, account)
        conn.send_json({'subscriptionId': sub_id,
                        'event': {'e': 'eventStreamTerminated', 'E': server.now_ms()}})
    delay = max(0.0, (expires - server.now_ms()) / 1000.0)
    conn.__dict__.setdefault('token_timers', []).append(server.reactor.callLater(delay, end))


def _unsubscribe(server: Any, conn: Any, params: Dict[str, Any]) -> Dict[str, Any]:
    if params.get('subscriptionId') is None:
        ids = list(conn.api_subscriptions)
    else:
        sub_id = _integer(params, 'subscriptionId')
        if sub_id not in conn.api_subscriptions:
            raise _Error(400, -2035, 'Subscription not found.')
        ids = [sub_id]
    for sub_id in ids:
        api_key = conn.api_subscriptions.pop(sub_id)
        if api_key not in conn.api_subscriptions.values():
            server.unregister_api_subscription(conn, api_key)
    return {}


def _dispatch(server: Any, conn: Any, method: Any, params: Dict[str, Any]) -> Any:
    if method == 'ping':
        return {}
    if method == 'time':
        return {'serverTime': server.now_ms()}
    if method == 'userDataStream.subscribe.signature':
        return _subscribe(server, conn, params)
    if method == 'userDataStream.subscribe.listenToken':
        return _subscribe_token(server, conn, params)
    if method == 'userDataStream.unsubscribe':
        return _unsubscribe(server, conn, params)
    if method == 'userDataStream.subscription.list':
        return [{'subscriptionId': sub_id} for sub_id in sorted(conn.api_subscriptions)]
    raise _Error(400, -1020, 'Unsupported operation: {!r}.'.format(method)[:200])


def handle_request(server: Any, conn: Any, payload: bytes) -> Dict[str, Any]:
    """Answer one WebSocket API request frame; returns the reply as a dict.

    :param server: the :class:`~binance.testing.streams.StreamServer`.
    :param conn: the connection (keeps the subscriptions and the request count).
    :param payload: the request frame, JSON ``{"id", "method", "params"}``.
    """
    conn.request_count += 1
    request_id = None
    try:
        try:
            request = loads(payload)
        except ValueError:
            raise _Error(400, -1000, 'Malformed request: not valid JSON.') from None
        if not isinstance(request, dict):
            raise _Error(400, -1000, 'Malformed request: expected a JSON object.')
        request_id = request.get('id')
        params = request.get('params') or {}
        if not isinstance(params, dict):
            raise _Error(400, -1000, "Malformed request: 'params' must be an object.")
        method = request.get('method')
        if not isinstance(method, str) or not method:
            raise _Error(400, -1102, "Mandatory parameter 'method' was not sent, was "
                                     "empty/null, or malformed.")
        reply: Dict[str, Any] = {'id': request_id, 'status': 200,
                                 'result': _dispatch(server, conn, method, params)}
    except _Error as exc:
        log.debug('WebSocket API request refused: %s %s', exc.code, exc.msg)
        reply = {'id': request_id, 'status': exc.status,
                 'error': {'code': exc.code, 'msg': exc.msg}}
    reply['rateLimits'] = [{'rateLimitType': 'REQUEST_WEIGHT', 'interval': 'MINUTE',
                            'intervalNum': 1, 'limit': REQUEST_WEIGHT_LIMIT,
                            'count': conn.request_count * 2}]
    return reply
