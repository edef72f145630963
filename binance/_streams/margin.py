"""Margin user data sockets of :class:`binance.websockets.BinanceSocketManager`.

Binance retired margin listen keys on 2026-02-20; a margin socket gets a
listen token (``client.margin_stream_get_listen_token``,
``POST /sapi/v1/userListenToken``) and subscribes with it on the WebSocket
API (``userDataStream.subscribe.listenToken``), renewing the token before it
expires; callbacks receive the bare events, as from the spot user socket.
Started by ``start_margin_socket`` and ``start_isolated_margin_socket``
(:mod:`binance._streams.futures`). Everything here runs on the reactor thread.
"""
import json
import logging
from typing import Any, Dict, Optional, Protocol

from binance._streams.connection import Connection
from binance._streams.context import Callback, SocketContext
from binance._streams.protocol import LinkHooks
from binance._streams.switch import EventSwitch
from binance._streams.user import UserStream
from binance._streams.user_api import short_key
from binance._streams.user_switch import SwitchHost, UserSwitch
from binance.exceptions import BinanceAPIException

__all__ = ['MarginUserStream', 'MarginSwitch', 'TOKEN_RENEW_AT']

log = logging.getLogger('binance.websockets')

#: Renew a listen token when this share of its life has passed.
TOKEN_RENEW_AT = 0.8


class MarginSwitchHost(SwitchHost, Protocol):
    """What :class:`MarginSwitch` asks of the margin stream besides :class:`SwitchHost`."""

    def send_subscribe(self, proto: Any) -> Optional[int]:
        """Subscribe on ``proto`` with the current token; the request's id."""


class MarginSwitch(UserSwitch):
    """The margin stream's switch-over: the replacement subscribes with the listen token."""

    def __init__(self, ctx: SocketContext, host: MarginSwitchHost) -> None:
        super().__init__(ctx, host)
        self._margin = host

    def replacement_open(self, switch: EventSwitch, proto: Any) -> None:
        if switch is self.current:
            switch.request_id = self._margin.send_subscribe(proto)

    def replacement_event(self, switch: EventSwitch, msg: Any) -> Any:
        if msg.__class__ is dict and 'id' in msg and 'status' in msg:
            if msg['id'] == switch.request_id:
                if msg['status'] == 200:
                    self.replacement_ready(
                        switch, (msg.get('result') or {}).get('subscriptionId'))
                else:
                    self.drop_replacement('the replacement was refused: {}'.format(
                        (msg.get('error') or {}).get('msg')))
            return None
        return super().replacement_event(switch, msg)

    def token_renewed(self) -> None:
        """A new token: a replacement that subscribed with the previous one renews there too."""
        switch = self.current
        if switch is not None and not switch.switched and switch.request_id is not None:
            self._margin.send_subscribe(
                switch.new.open_protocol if switch.new is not None else None)


class MarginUserStream(UserStream):
    """The margin user socket: a listen token and the WebSocket API (see the module docs)."""

    def __init__(self, ctx: SocketContext, key: str, callback: Callback,
                 isolated_symbol: Optional[str] = None) -> None:
        super().__init__(ctx, key, callback)
        self._isolated = isolated_symbol
        self.token: Optional[str] = None
        self._renew_call: Any = None
        self.switch: MarginSwitch = MarginSwitch(ctx, self)

    def begin(self) -> None:
        if not self.stopped:
            self._get_token()

    def stop(self) -> None:
        self._cancel_renewal()
        super().stop()

    def _cancel_renewal(self) -> None:
        call, self._renew_call = self._renew_call, None
        if call is not None and call.active():
            call.cancel()

    def _get_token(self) -> None:
        self._retry_call = None
        if self.stopped:
            return
        client = self._ctx.client
        if self._isolated:
            fetch = lambda: client.margin_stream_get_listen_token(  # noqa: E731
                symbol=self._isolated, isIsolated=True)
        else:
            fetch = client.margin_stream_get_listen_token
        d = self._ctx.in_thread(fetch)
        d.addCallbacks(self._got_token, self._key_failed)
        d.addErrback(self._internal_error)

    def _fetch_key(self) -> None:  # the base class retries through this name
        self._get_token()

    def _got_token(self, result: Any) -> None:
        if self.stopped:
            return
        self._key_failures = 0
        self.token = result['token']
        expires_ms = int(result.get('expirationTime') or 0)
        self.mode = 'ws_api'
        reactor = self._ctx.reactor
        life = expires_ms / 1000.0 - reactor.seconds()
        self._cancel_renewal()
        if life > 0:
            self._renew_call = reactor.callLater(life * TOKEN_RENEW_AT, self._renew_token)
        log.info('%s: subscribing with listen token %s', self._key, short_key(self.token))
        self.switch.token_renewed()
        if self.connection is not None:
            proto = self.connection.open_protocol  # past its handshake
            if proto is not None:                  # connected: (re)subscribe on it now
                self.send_subscribe(proto)
            return                                 # else on_open subscribes with this token
        if self.connection is None:
            self.connection = Connection.handled(self._ctx, self._ctx.ws_api_url(), LinkHooks(
                self._on_api_message, self._gave_up, gate=self, on_open=self.send_subscribe,
                **self.switch.link_options()), name=self._key + ' (WebSocket API)')

    def _key_failed(self, failure: Any) -> None:
        exc = failure.value
        if not self.stopped and isinstance(exc, BinanceAPIException) and exc.status_code == 400:
            # Binance refused the request itself (e.g. no such isolated account): final
            text = 'Could not get a listen token: {} (code {})'.format(exc.message, exc.code)
            log.error('%s: %s', self._key, text)
            self._finish({'e': 'error', 'm': text})
            return
        super()._key_failed(failure)

    def _start_ws_api(self) -> None:
        self._finish({'e': 'error', 'm': 'The listen token endpoint is not available '
                                          '(POST /sapi/v1/userListenToken answered 404/405/410)'})

    def _renew_token(self) -> None:
        self._renew_call = None
        if not self.stopped:
            log.info('%s: renewing the listen token before it expires', self._key)
            self._get_token()

    def send_subscribe(self, proto: Any) -> Optional[int]:
        """Subscribe on ``proto`` with the current token; the request's id (``None``
        when there is no connection or no token yet)."""
        # On an open connection a new token renews the subscription in place
        # (Binance: "seamlessly renews your subscription"), so no unsubscribe.
        if proto is None or self.token is None:
            return None
        self._request_id += 1
        request = {'id': self._request_id, 'method': 'userDataStream.subscribe.listenToken',
                   'params': {'listenToken': self.token}}
        proto.sendMessage(json.dumps(request).encode('utf-8'), isBinary=False)
        return self._request_id

    def reopened(self, proto: Any) -> None:
        """A link reconnected after a switch-over: subscribe with the current token."""
        self.send_subscribe(proto)

    def _terminated(self, subscription_id: Any) -> None:
        """``eventStreamTerminated``: the listen token expired; get a new one."""
        log.info('%s: subscription ended (token expired); getting a new token', self._key)
        self.ready.clear()
        self._get_token()

    def _api_reply(self, msg: Dict[str, Any]) -> bool:
        if 'id' not in msg:
            return False
        if msg['status'] == 200:
            self._api_ready((msg.get('result') or {}).get('subscriptionId'))
            return True
        error = msg.get('error') or {}
        if error.get('code') == -1209:
            log.info('%s: listen token refused (-1209); getting a new one', self._key)
            self._get_token()
            return True
        self._api_failed('User data subscription failed: {} (code {}, HTTP {})'.format(
            error.get('msg', 'no message'), error.get('code'), msg.get('status')))
        return True
