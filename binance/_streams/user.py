"""The user data stream of :class:`binance.websockets.BinanceSocketManager`.

Two ways to get account, order and balance events, tried in this order:

1. **Listen key** (the original design): ``client.stream_get_listen_key()``
   gives a key, the socket connects to ``STREAM_URL + 'ws/' + key`` and a
   timer calls ``client.stream_keepalive(listenKey=key)`` every
   ``user_timeout`` seconds. A ``listenKeyExpired`` event, or a keepalive
   answered with code ``-1125`` (the key does not exist), gets a new key and
   reconnects. Every reconnect after a connection that had been open first
   asks for the key again (Binance answers with the same key while it is
   valid, with a new one when it expired meanwhile), so a key that expired
   while the socket was down is never reused. An API key Binance rejects
   (HTTP 401, code ``-2014`` or ``-2015``) ends the stream at once with one
   error message.
2. **WebSocket API**: when the listen-key endpoint answers HTTP 404, 405 or
   410 (binance.com retired it for Spot on 2026-02-20) the stream connects to
   ``WS_API_URL`` and subscribes on every (re)connection: ``session.logon`` +
   ``userDataStream.subscribe`` with an Ed25519 key,
   ``userDataStream.subscribe.signature`` with HMAC and RSA keys; after
   ``eventStreamTerminated`` or a server-side logout it subscribes again
   (see :mod:`binance._streams.user_api`). Events arrive wrapped as
   ``{"subscriptionId": n, "event": {...}}``; the callback gets the bare event.

At Binance's ``serverShutdown`` notice and before the 24 h cut, either mode
switches to a replacement connection opened first, losing and repeating no
event (see :mod:`binance._streams.user_switch`); the notice never reaches the
callback.

REST calls run in the reactor's thread pool, never on the reactor thread.
Everything else here runs on the reactor thread.
"""
import logging
import threading
from typing import Any, Callable, Dict, List, Optional

from twisted.internet.task import LoopingCall
from twisted.python.failure import Failure

from binance import _signing
from binance._streams.connection import Connection
from binance._streams.context import SocketContext, StopListener, StopListeners
from binance._streams.protocol import MAX_RETRIES_MESSAGE, LinkHooks, call_callback
from binance._streams.user_api import (TERMINATED, ApiSubscription, listen_key_of, send_json,
                                       short_key, signer_of)
from binance._streams.switch import EventSwitch
from binance._streams.user_switch import UserSwitch
from binance.exceptions import BinanceAPIException

__all__ = ['UserStream', 'USER_STREAM_KEY', 'LISTEN_KEY_RETIRED_STATUSES']

log = logging.getLogger('binance.websockets')

#: The connection key of the user socket (stable across listen-key renewals).
USER_STREAM_KEY = 'user'

#: HTTP statuses of the listen-key endpoint that mean "use the WebSocket API".
LISTEN_KEY_RETIRED_STATUSES = (404, 405, 410)

#: Binance's code for "This listenKey does not exist."
_UNKNOWN_LISTEN_KEY = -1125

#: Binance's codes for an API key it rejects ("API-key format invalid.",
#: "Invalid API-key, IP, or permissions for action."): retrying cannot help.
_REJECTED_KEY_CODES = (-2014, -2015)


def _key_rejected(exc: Any) -> bool:
    """True when the listen-key request failed because the API key is refused."""
    return isinstance(exc, BinanceAPIException) and (
        exc.status_code == 401 or exc.code in _REJECTED_KEY_CODES)


def _rejected_message(exc: Any) -> str:
    return ('Could not get a listen key: Binance rejected the API key (HTTP {}, code {}: {}); '
            'check the key, its permissions and its IP restrictions'.format(
                exc.status_code, exc.code, exc.message))


class UserStream(StopListeners):
    """State of one user socket (created by the manager, used on the reactor thread).

    :ivar mode: ``None`` until decided, then ``'listen_key'`` or ``'ws_api'``.
    :ivar listen_key: the listen key in use (listen-key mode).
    :ivar connection: the current :class:`~binance._streams.connection.Connection`
        (handled mode: this stream is its handler).
    :ivar switch: its :class:`~binance._streams.user_switch.UserSwitch` (the
        switch-over to a replacement connection; this stream is its host).
    """

    #: The client methods of the listen-key flow (the futures stream uses its own).
    GET_KEY = 'stream_get_listen_key'
    KEEPALIVE = 'stream_keepalive'

    def __init__(self, ctx: SocketContext, key: str, callback: Callable[[Any], Any]):
        self._ctx = ctx
        self.key = self._key = key
        self._callback = callback
        self.stopped = False
        self.mode: Optional[str] = None
        self.listen_key: Optional[str] = None
        self.connection: Optional[Connection] = None
        self.subscription_id: Optional[int] = None
        self._keepalive: Optional[LoopingCall] = None
        self._fetching = False
        self._key_backoff = ctx.backoff()
        self._retry_call: Any = None
        self._request_id = 0
        self._api: Optional[ApiSubscription] = None
        self.switch = UserSwitch(ctx, self)
        self._on_stop: List[StopListener] = []
        #: set while events can flow: the listen-key socket is open, or the
        #: WebSocket API subscription was confirmed (see ``wait_connected``)
        self.ready = threading.Event()

    # -- life cycle ----------------------------------------------------------

    def begin(self) -> None:
        """Get a listen key and connect (reactor thread)."""
        if not self.stopped:
            self._fetch_key()

    def connected(self, factory: Any) -> None:
        if self.mode == 'listen_key' and self.switch.carries(factory):
            self.ready.set()

    def disconnected(self, factory: Any) -> None:
        switch = self.switch
        if switch.replacement_closed(factory) or not switch.carries(factory) \
                or switch.old_lost(factory):
            return
        self.ready.clear()

    def stop(self) -> None:
        """Stop the keepalive and the socket (the listen key is not deleted),
        then tell the stop listeners."""
        self.stopped = True
        self.ready.clear()
        call, self._retry_call = self._retry_call, None
        if call is not None and call.active():
            call.cancel()
        self._stop_keepalive()
        self._stop_connection()
        self._tell_stopped()

    def _finish(self, message: Dict[str, str]) -> None:
        """Give up for good: stop, free the key, tell the callback once."""
        if self.stopped:
            return
        self._on_stop = []          # giving up is not a stop: the callback hears of it
        self.stop()
        self._ctx.release(self._key, self)
        self.emit(message)

    def emit(self, message: Any) -> None:
        """Hand ``message`` to the callback (the callback's exceptions are logged)."""
        call_callback(self._callback, message, self._ctx.reactor, 'user stream')

    def _emit_error(self, text: str) -> None:
        self.emit({'e': 'error', 'm': text})

    def _stop_connection(self) -> None:
        self.switch.abort()
        connection, self.connection = self.connection, None
        if connection is not None:
            connection.close()

    def _gave_up(self) -> None:
        self._finish({'e': 'error', 'm': MAX_RETRIES_MESSAGE})

    # -- listen key ----------------------------------------------------------

    def _fetch_key(self) -> None:
        self._retry_call = None
        if self.stopped:
            return
        self._fetching = True
        d = self.request_key()
        d.addCallbacks(self._got_key, self._key_failed)
        d.addErrback(self._internal_error)

    def _got_key(self, result: Any) -> None:
        self._fetching = False
        if self.stopped:
            return
        key = listen_key_of(result)
        self._key_backoff.reset()
        self.mode = 'listen_key'
        self._stop_connection()
        self.listen_key = key
        url = self.key_url(key)
        log.info('user stream: connecting with listen key %s', short_key(key))
        self.connection = Connection.handled(self._ctx, url, LinkHooks(
            self._on_event, self._gave_up, gate=self, before_reconnect=self.refetch_key,
            **self.switch.link_options()), name='user stream')
        self._start_keepalive()

    def key_url(self, key: str) -> str:
        """The URL of the stream of listen key ``key``."""
        return self._ctx.stream_url() + 'ws/' + key

    def fetching_key(self) -> bool:
        """A listen key request is under way."""
        return self._fetching

    def request_key(self) -> Any:
        """A Deferred of the client's listen key request (run in the thread pool)."""
        return self._ctx.in_thread(getattr(self._ctx.client, self.GET_KEY))

    def refetch_key(self) -> Any:
        """Before a reconnect: ask for the key again (the same one while it is valid).

        :returns: a Deferred firing with the URL to connect to, or ``None``
            when the stream switched mode or ended; a failure makes the
            factory retry with backoff.
        """
        self._fetching = True
        d = self.request_key()
        d.addBoth(self._refetched)
        return d

    def _refetched(self, result: Any) -> Any:
        self._fetching = False
        if self.stopped:
            return None
        if isinstance(result, Failure):
            exc = result.value
            if _key_rejected(exc):
                log.error('user stream: %s', _rejected_message(exc))
                self._finish({'e': 'error', 'm': _rejected_message(exc)})
                return None
            if (isinstance(exc, BinanceAPIException)
                    and exc.status_code in LISTEN_KEY_RETIRED_STATUSES):
                log.info('user stream: listen keys are no longer available (HTTP %s); '
                         'subscribing through the WebSocket API', exc.status_code)
                self._start_ws_api()
                return None
            return result
        key = listen_key_of(result)
        if key != self.listen_key:
            log.info('user stream: listen key %s is no longer valid; reconnecting with %s',
                     short_key(self.listen_key), short_key(key))
            self.listen_key = key
        return self.key_url(key)

    def _key_failed(self, failure: Any) -> None:
        self._fetching = False
        if self.stopped:
            return
        exc = failure.value
        if (isinstance(exc, BinanceAPIException)
                and exc.status_code in LISTEN_KEY_RETIRED_STATUSES):
            log.info('user stream: listen keys are not available (HTTP %s); '
                     'subscribing through the WebSocket API', exc.status_code)
            self._start_ws_api()
            return
        if _key_rejected(exc):
            log.error('user stream: %s', _rejected_message(exc))
            self._finish({'e': 'error', 'm': _rejected_message(exc)})
            return
        backoff = self._key_backoff
        backoff.fail()
        if backoff.exhausted:
            log.error('user stream: could not get a listen key: %s', exc)
            self._finish({'e': 'error', 'm': 'Could not get a listen key: {}'.format(exc)})
            return
        delay = backoff.delay()
        log.warning('user stream: could not get a listen key (%s); retrying in %.1f s',
                    exc, delay)
        self._retry_call = self._ctx.reactor.callLater(delay, self._fetch_key)

    def _renew(self) -> None:
        """Get a new listen key and reconnect with it."""
        if self.stopped or self._fetching:
            return
        log.info('user stream: listen key %s expired; getting a new one', short_key(self.listen_key))
        self.ready.clear()   # no events until the new key's socket is open (a replay waits)
        self._stop_connection()
        self.listen_key = None
        self._fetch_key()

    def _on_event(self, msg: Any) -> None:
        # The protocol drops messages once ``self.stopped`` (this object is its gate).
        if self.switch.answers(msg):
            return
        if msg.__class__ is dict and msg.get('e') == 'listenKeyExpired':
            self.emit(msg)
            self._renew()
            return
        self._deliver(msg)

    def _deliver(self, event: Any) -> None:
        """Hand one user event to the callback (the protocol logs what it raises)."""
        if self.switch.let_through(event):
            self._callback(event)

    # -- what the switch-over asks (``SwitchHost``) ----------------------------

    def handler(self) -> Callable[[Any], None]:
        """What receives the messages of the current link."""
        return self._on_event if self.mode == 'listen_key' else self._on_api_message

    def adopt(self, switch: EventSwitch) -> None:
        """The replacement took over: its listen key or subscription is the stream's."""
        if self.mode == 'listen_key':
            if switch.new_key != self.listen_key:
                log.info('%s: the replacement uses the new listen key %s', self._key,
                         short_key(switch.new_key))
            self.listen_key = switch.new_key
        elif switch.api is not None:
            self._api = switch.api
            self.subscription_id = switch.subscription_id
        self.ready.set()

    # -- keepalive -----------------------------------------------------------

    def _start_keepalive(self) -> None:
        if self._keepalive is not None:
            return
        loop = LoopingCall(self._send_keepalive)
        loop.clock = self._ctx.reactor
        self._keepalive = loop
        loop.start(self._ctx.user_timeout, now=False)

    def _stop_keepalive(self) -> None:
        loop, self._keepalive = self._keepalive, None
        if loop is not None and loop.running:
            loop.stop()

    def _send_keepalive(self) -> None:
        key = self.listen_key
        if self.stopped or key is None or self._fetching:
            return
        d = self._ctx.in_thread(getattr(self._ctx.client, self.KEEPALIVE), listenKey=key)
        d.addCallbacks(lambda _result: None, self._keepalive_failed, errbackArgs=(key,))
        d.addErrback(self._internal_error)

    def _keepalive_failed(self, failure: Any, key: str) -> None:
        if self.stopped or key != self.listen_key:
            return
        exc = failure.value
        if getattr(exc, 'code', None) == _UNKNOWN_LISTEN_KEY:
            self._renew()
            return
        log.warning('user stream: keepalive of listen key %s failed: %s', short_key(key), exc)
        self._emit_error('Listen key keepalive failed: {}'.format(exc))

    # -- WebSocket API -------------------------------------------------------

    def _start_ws_api(self) -> None:
        client = self._ctx.client
        if not getattr(client, 'API_KEY', None) or signer_of(client) is None:
            self._finish({'e': 'error', 'm': 'The WebSocket API user data stream needs a '
                                              'Client with an API key and an api_secret or '
                                              'private_key'})
            return
        self.mode = 'ws_api'
        self._stop_keepalive()
        self._stop_connection()
        self.listen_key = None
        url = self._ctx.ws_api_url()
        self.connection = Connection.handled(self._ctx, url, LinkHooks(
            self._on_api_message, self._gave_up, gate=self, on_open=self._subscribe,
            **self.switch.link_options()), name='user stream (WebSocket API)')

    def reopened(self, proto: Any) -> None:
        """A link reconnected after a switch-over: subscribe on it as on any handshake."""
        self._subscribe(proto)

    def _subscribe(self, proto: Any) -> None:
        """Subscribe after every handshake: ``session.logon`` + ``userDataStream.subscribe``
        with an Ed25519 key, ``userDataStream.subscribe.signature`` otherwise
        (:mod:`binance._streams.user_api`)."""
        self._api = ApiSubscription(self._ctx.client, self._ctx.reactor, send_json,
                                    self._api_ready, self._api_failed)
        self._api.start(proto)

    def _on_api_message(self, msg: Any) -> None:
        if self.switch.answers(msg):
            return
        if msg.__class__ is dict:
            event = msg.get('event')
            if event is not None and 'subscriptionId' in msg:
                if event.__class__ is dict and event.get('e') == TERMINATED:
                    self._terminated(msg.get('subscriptionId'))
                    return
                self._deliver(event)
                return
            if 'status' in msg and self._api_reply(msg):
                return
        self._deliver(msg)

    def _api_reply(self, msg: Dict[str, Any]) -> bool:
        """Handle a reply (``{'id', 'status', ...}``) to one of the stream's requests;
        ``False`` when it is none of them."""
        return self._api is not None and self._api.handle(msg)

    def _terminated(self, subscription_id: Any) -> None:
        """``eventStreamTerminated``: Binance ended the subscription; subscribe again."""
        api = self._api
        if api is None or self.stopped or subscription_id != api.subscription_id:
            return
        self.ready.clear()
        api.resubscribe('Binance ended subscription {} (eventStreamTerminated)'.format(
            subscription_id))

    def _api_ready(self, subscription_id: Any) -> None:
        self.subscription_id = subscription_id
        self.ready.set()
        log.info('user stream: subscribed through the WebSocket API (subscription %s)',
                 subscription_id)

    def _api_failed(self, text: str) -> None:
        log.error('user stream: %s', text)
        self._finish({'e': 'error', 'm': text})

    # -- errors in this module ---------------------------------------------

    def _internal_error(self, failure: Any) -> None:
        """An unexpected exception on the reactor thread: end the stream, like a give-up.

        The key is released (the socket can be started again) and the
        callback receives one error message.
        """
        log.error('user stream: internal error: %s', failure.getTraceback())
        self._finish({'e': 'error', 'm': 'User stream error: {}'.format(
            failure.getErrorMessage())})


def ws_api_signature(secret: str, params: Dict[str, Any]) -> str:
    """Signature of a WebSocket API request.

    HMAC-SHA256 (hex) keyed with the API secret over the parameters except
    ``signature``, sorted by name and joined as ``name=value&...`` (Binance's
    WebSocket API "SIGNED request security"), each value written as the wire
    writes it (``true``/``false``, plain decimals): the same bytes as the
    signer of :attr:`BinanceSocketManager.ws_api` (:mod:`binance._signing`).

    >>> ws_api_signature('secret', {'timestamp': 1, 'apiKey': 'k'})  # signs 'apiKey=k&timestamp=1'
    '0fbe4e671d54dcb14f5f8a52f86beaacc764fb0912688a45ee9f56f2bb56d2fb'
    """
    return _signing.ws_api_signature(secret, params)
