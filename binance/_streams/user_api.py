"""The WebSocket API subscription of the user data stream (one connection's messages).

How the user socket subscribes on ``WS_API_URL``, after every handshake:

* **Ed25519 key**: ``session.logon`` (signed), then ``userDataStream.subscribe``
  (no parameters) on the logged-on session;
* **HMAC or RSA key**: ``userDataStream.subscribe.signature`` with ``apiKey``,
  ``timestamp`` and ``signature``.

Signatures cover the parameters sorted by name (``name=value&...``) and are
made with the client's key (:mod:`binance._signing`). Handled afterwards:

* ``eventStreamTerminated`` (the subscription ended: a ``session.logout``,
  an ``userDataStream.unsubscribe`` or the server ending it) → the whole
  sequence again on the same connection, so events keep flowing;
* an unsolicited ``{"id": null, "status": 401, ...}`` (the server revoked the
  session) → log on and subscribe again; a refusal then ends the stream;
* ``-1021`` on a signed request → ``time``, a new offset, one more attempt.

:class:`ApiSubscription` has no I/O of its own: it is given a ``send``
function and reports through callbacks; :class:`binance._streams.user.UserStream`
wires it to a connection.
"""
import json
import logging
from typing import Any, Callable, Dict, Optional

from binance._signing import HmacSigner, Signer, sign_ws_api_params

__all__ = ['ApiSubscription', 'TERMINATED', 'listen_key_of', 'short_key']

log = logging.getLogger('binance.websockets')

#: Event type Binance sends when a subscription ends.
TERMINATED = 'eventStreamTerminated'
_INVALID_TIMESTAMP = -1021


def signer_of(client: Any) -> Optional[Signer]:
    """The client's signer; for a client-like object with only ``API_SECRET``, an HMAC one."""
    signer = getattr(client, '_signer', None)
    if signer is None and getattr(client, 'API_SECRET', None):
        signer = HmacSigner(client.API_SECRET)
    return signer


def signed_params(client: Any, now_ms: int, **params: Any) -> Dict[str, Any]:
    """``params`` plus ``apiKey``, ``timestamp`` and the ``signature`` of the client's key."""
    signer = signer_of(client)
    if signer is None:
        raise ValueError('signing needs a Client with an api_secret or a private_key')
    return sign_ws_api_params(signer, client.API_KEY, now_ms, params)


class ApiSubscription:
    """The subscribe sequence of one user-stream connection (reactor thread).

    :param client: the manager's client (API key, signer, server clock).
    :param clock: the reactor (``seconds()`` is the local time).
    :param send: ``send(proto, request_dict)``.
    :param on_ready: called with the subscription id once events flow.
    :param on_failed: called with a message when subscribing cannot succeed.
    """

    def __init__(self, client: Any, clock: Any, send: Callable[[Any, Dict[str, Any]], Any],
                 on_ready: Callable[[Any], Any], on_failed: Callable[[str], Any]) -> None:
        self.client = client
        self.clock = clock
        self._send_fn = send
        self.on_ready = on_ready
        self.on_failed = on_failed
        self.proto: Any = None
        self.subscription_id: Optional[int] = None
        self._ids = 0
        self._waiting: Dict[int, str] = {}
        self._sent_at: Dict[int, int] = {}
        self._retried = False

    @property
    def uses_logon(self) -> bool:
        return getattr(self.client, 'key_type', None) == 'Ed25519'

    def _now_ms(self) -> int:
        clock = getattr(self.client, 'server_clock', None)
        offset = clock.offset_ms if clock is not None else int(
            getattr(self.client, 'timestamp_offset', 0) or 0)
        return int(self.clock.seconds() * 1000) + offset

    def _send(self, method: str, params: Optional[Dict[str, Any]] = None) -> None:
        self._ids += 1
        request: Dict[str, Any] = {'id': self._ids, 'method': method}
        if params is not None:
            request['params'] = params
        self._waiting[self._ids] = method
        self._sent_at[self._ids] = int(self.clock.seconds() * 1000)
        self._send_fn(self.proto, request)

    # -- sequence ----------------------------------------------------------------

    def start(self, proto: Any) -> None:
        """Subscribe on a freshly opened connection."""
        self.proto = proto
        self._waiting.clear()
        self._retried = False
        self.subscription_id = None
        self._begin()

    def _begin(self) -> None:
        if self.uses_logon:
            self._send('session.logon', signed_params(self.client, self._now_ms()))
        else:
            self._send('userDataStream.subscribe.signature',
                       signed_params(self.client, self._now_ms()))

    def resubscribe(self, why: str) -> None:
        """Run the sequence again (after ``eventStreamTerminated`` or a revoked session)."""
        log.info('user stream: %s; subscribing again', why)
        self.subscription_id = None
        self._retried = False
        self._begin()

    def handle(self, msg: Dict[str, Any]) -> bool:
        """Take a WebSocket API reply; ``True`` when it was one of ours."""
        request_id = msg.get('id')
        if request_id is None:
            if msg.get('status') == 401:
                error = msg.get('error') or {}
                if self._retried:
                    self.on_failed('User data session revoked: {} (code {})'.format(
                        error.get('msg'), error.get('code')))
                else:
                    self._retried = True
                    log.info('user stream: the server revoked the session (%s); logging on '
                             'again', error.get('msg'))
                    self.subscription_id = None
                    self._begin()
                return True
            return False
        method = self._waiting.pop(request_id, None)
        if method is None:
            return False
        sent_at = self._sent_at.pop(request_id, 0)
        if method == 'time':
            result = msg.get('result') or {}
            clock = getattr(self.client, 'server_clock', None)
            if msg.get('status') == 200 and clock is not None and \
                    isinstance(result.get('serverTime'), int):
                clock.record(result['serverTime'], sent_at, int(self.clock.seconds() * 1000))
            self._begin()
            return True
        if msg.get('status') != 200:
            error = msg.get('error') or {}
            if error.get('code') == _INVALID_TIMESTAMP and not self._retried:
                self._retried = True
                log.info('user stream: %s refused for its timestamp; measuring the server '
                         'time', method)
                self._send('time')
                return True
            self.on_failed('User data subscription failed: {} (code {}, HTTP {})'.format(
                error.get('msg', 'no message'), error.get('code'), msg.get('status')))
            return True
        if method == 'session.logon':
            self._send('userDataStream.subscribe')
            return True
        result = msg.get('result') or {}
        self.subscription_id = result.get('subscriptionId')
        self._retried = False
        self.on_ready(self.subscription_id)
        return True


def send_json(proto: Any, request: Dict[str, Any]) -> None:
    """Send one request frame on ``proto``."""
    proto.sendMessage(json.dumps(request, separators=(',', ':')).encode('utf-8'), isBinary=False)


# -- listen keys (the user stream and its switch-over) ----------------------------------

def listen_key_of(result: Any) -> str:
    """The listen key in the answer of ``stream_get_listen_key`` (a dict or the key).

    :raises ValueError: when the answer holds none.
    """
    key = result.get('listenKey') if isinstance(result, dict) else result
    if not isinstance(key, str) or not key:
        raise ValueError('stream_get_listen_key returned no listen key: {!r}'.format(
            type(result).__name__))
    return key


def short_key(key: Optional[str]) -> str:
    """A listen key shortened for log lines (it grants read access to the account)."""
    if not key:
        return '-'
    return key[:4] + '...'
