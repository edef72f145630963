"""Switch-over of the user data stream's connection, with no gap and no repeat.

Binance sends ``serverShutdown`` minutes before it closes a connection (on a
listen-key or futures ``private/`` stream as ``{"e": "serverShutdown", ...}``,
on the WebSocket API as ``{"event": {"e": "serverShutdown", ...}}``) and
cuts every connection at 24 h. At the notice, and at the manager's
``ROTATE_AFTER`` age (23 h 45 min), the user socket:

1. opens a replacement while the current ("old") connection keeps
   delivering: listen-key mode asks for the key again (as on a reconnect:
   the same key while it is valid) and connects to it; WebSocket API mode
   connects and subscribes (``session.logon`` + ``userDataStream.subscribe``,
   ``userDataStream.subscribe.signature``, or the margin listen token);
2. from the moment it starts, remembers every event the old connection
   delivers, and holds back what the replacement brings;
3. once the replacement is ready (open, or its subscription confirmed) it
   sends one request on the old connection (``LIST_SUBSCRIPTIONS`` on a
   stream connection, ``ping`` on the WebSocket API). Its answer comes after
   every event Binance sent on the old connection before it, so from then on
   the replacement carries everything: the switch. The held-back events
   are delivered minus those the old connection delivered (decoded payloads
   compared as a multiset), the old connection is closed, and for
   ``SWITCH_TIMEOUT`` seconds more the replacement's copies of old-delivered
   events are dropped.

User events carry no ordering id, hence the multiset. If the old connection
closes before the replacement is ready, or the replacement cannot be opened,
the stream falls back to its usual reconnect (and logs it). The callback
never receives the ``serverShutdown`` notice. Everything runs on the reactor
thread.
"""
import logging
import threading
from typing import Any, Dict, List, Optional, Set

from binance._streams.protocol import LinkHooks
from binance._streams.switch import EventSwitch, SwitchOver
from binance._streams.user_api import (TERMINATED, ApiSubscription, listen_key_of, send_json,
                                       short_key)

__all__ = ['SwitchOverMixin']

log = logging.getLogger('binance.websockets')


class SwitchOverMixin:
    """Switch-over of :class:`binance._streams.user.UserStream` (see the module docs).

    The stream's handlers hand each user event to :meth:`_deliver` and ask
    :meth:`_switch_reply` first whether a message answers the barrier request.
    """

    _ctx: Any
    _key: str
    _callback: Any
    stopped: bool
    mode: Optional[str]
    connection: Any
    listen_key: Optional[str]
    subscription_id: Optional[int]
    _api: Optional[ApiSubscription]
    _switch: Optional[EventSwitch] = None
    #: ids of barrier requests not answered yet (an abandoned switch's too: its answer
    #: must not reach the callback)
    _barriers: Set[Any]
    _fetching: bool
    ready: threading.Event
    GET_KEY: str

    # -- what every connection of the stream gets ---------------------------------

    def _switch_options(self) -> Dict[str, Any]:
        """:class:`~binance._streams.protocol.LinkHooks` of every connection of the
        stream: the shutdown notice, and the rotation before 24 h."""
        return {'on_shutdown': self._shutdown_notice, 'on_aged': self._aged}

    def _shutdown_notice(self, factory: Any, msg: Any) -> None:
        if self._carries(factory) and not self.stopped:
            log.info('%s: Binance announced a server shutdown; opening the replacement '
                     'connection', self._key)
            self.start_switch()

    def _aged(self, factory: Any) -> None:
        if self._carries(factory) and not self.stopped:
            log.info('%s: rotating the connection before Binance cuts it at 24 h', self._key)
            self.start_switch()

    def _carries(self, factory: Any) -> bool:
        """Whether ``factory`` is the reconnect loop of the stream's current link."""
        connection = self.connection
        return connection is not None and connection.carries(factory)

    def _deliver(self, event: Any) -> None:
        """Hand one user event to the callback (the protocol logs what it raises)."""
        switch = self._switch
        if switch is not None and not switch.let_through(event):
            return
        self._callback(event)

    def _switch_reply(self, msg: Any) -> bool:
        """Whether ``msg`` answers a barrier request (then switch, if still under way)."""
        if msg.__class__ is not dict:
            return False
        request_id = msg.get('id')
        if request_id is None or request_id not in self._barriers:
            return False
        self._barriers.discard(request_id)
        switch = self._switch
        if switch is not None and request_id == switch.barrier:
            switch.promote()
        return True

    # -- starting -----------------------------------------------------------------------

    def start_switch(self) -> None:
        """Open a replacement connection; switch to it once it is ready (reactor thread)."""
        connection = self.connection
        if self.stopped or self._switch is not None or connection is None or self._fetching \
                or connection.open_protocol is None:
            return
        switch = self._switch = EventSwitch(connection.link, owner=self,
                                            reactor=self._ctx.reactor,
                                            timeout=self._switch_timeout())
        switch.begin()               # not ready by the deadline: abandoned
        if self.mode == 'listen_key':
            d = self._ctx.in_thread(getattr(self._ctx.client, self.GET_KEY))
            d.addCallbacks(self._replacement_key, self._replacement_key_failed,
                           callbackArgs=(switch,), errbackArgs=(switch,))
            d.addErrback(self._replacement_error, switch)
        else:
            self._connect_replacement(switch, self._ctx.ws_api_url(), ' (WebSocket API)')

    def _switch_timeout(self) -> float:
        return float(self._ctx.switch_timeout)

    def _replacement_key(self, result: Any, switch: EventSwitch) -> None:
        if switch is not self._switch or self.stopped:
            return
        switch.new_key = listen_key_of(result)
        self._connect_replacement(switch, self._key_url(switch.new_key), '')

    def _replacement_key_failed(self, failure: Any, switch: EventSwitch) -> None:
        if switch is self._switch:
            self._drop_replacement('could not get the listen key for the replacement ({})'
                                   .format(failure.getErrorMessage()))

    def _replacement_error(self, failure: Any, switch: EventSwitch) -> None:
        log.error('%s: switch-over failed: %s', self._key, failure.getTraceback())
        if switch is self._switch:
            self._drop_replacement('internal error')

    def _connect_replacement(self, switch: EventSwitch, url: str, suffix: str) -> None:
        # after the switch it is the stream's link: it reconnects like the old one
        connection = self.connection
        if connection is None:
            self._drop_replacement('the connection was closed')
            return
        refetch = self._refetch_key if self.mode == 'listen_key' else None
        switch.new = connection.open_replacement(url, LinkHooks(
            lambda msg: self._on_replacement(switch, msg),
            lambda: self._replacement_gave_up(switch), gate=self,
            on_open=lambda proto: self._on_open_replacement(switch, proto),
            before_reconnect=refetch, **self._switch_options()),
            name='{} replacement{}'.format(self._key, suffix))

    def _on_open_replacement(self, switch: EventSwitch, proto: Any) -> None:
        if switch is self._switch and not switch.switched:
            self._replacement_open(switch, proto)
        elif self.mode != 'listen_key' and self.connection is not None \
                and switch.new is self.connection.link:
            self._reopened(proto)      # switched, then reconnected: subscribe as usual

    def _reopened(self, proto: Any) -> None:  # pragma: no cover - UserStream defines it
        raise NotImplementedError

    def _refetch_key(self) -> Any:  # pragma: no cover - UserStream defines it
        raise NotImplementedError

    def _key_url(self, key: str) -> str:  # pragma: no cover - UserStream defines it
        raise NotImplementedError

    # -- the replacement ----------------------------------------------------------------

    def _replacement_open(self, switch: EventSwitch, proto: Any) -> None:
        """The replacement's handshake completed: subscribe on it, or (listen key) done."""
        if switch is not self._switch:
            return
        if self.mode == 'listen_key':
            self._replacement_ready(switch, None)
            return
        switch.api = ApiSubscription(
            self._ctx.client, self._ctx.reactor, send_json,
            lambda sid: self._replacement_ready(switch, sid),
            lambda text: self._replacement_refused(switch, text))
        switch.api.start(proto)

    def _replacement_refused(self, switch: EventSwitch, text: str) -> None:
        if switch is self._switch and not switch.switched:
            self._drop_replacement(text)

    def _on_replacement(self, switch: EventSwitch, msg: Any) -> None:
        """A message on the replacement before the switch: held back, or a reply."""
        if switch is not self._switch:
            return
        event = self._replacement_event(switch, msg)
        if event is not None:
            switch.held.append(event)

    def _replacement_event(self, switch: EventSwitch, msg: Any) -> Any:
        """The user event in ``msg`` (to hold back), ``None`` for anything else."""
        if msg.__class__ is not dict:
            return msg
        if self.mode == 'listen_key':
            # the old connection reports an expiry (and renews); results answer nobody
            if msg.get('e') == 'listenKeyExpired' or ('result' in msg and 'id' in msg):
                return None
            return msg
        event = msg.get('event')
        if event is not None and 'subscriptionId' in msg:
            if event.__class__ is dict and event.get('e') == TERMINATED:
                return None
            return event
        if 'status' in msg and switch.api is not None and switch.api.handle(msg):
            return None
        return msg

    def _replacement_ready(self, switch: EventSwitch, subscription_id: Any) -> None:
        """The replacement carries the events: ask the old connection for its last ones."""
        if switch is not self._switch or switch.ready:
            return
        switch.ready = True
        switch.subscription_id = subscription_id
        proto = switch.old.open_protocol
        if proto is None:
            switch.promote()
            return
        if self.mode == 'listen_key':
            switch.barrier = self._ctx.next_request_id()
            request: Dict[str, Any] = {'method': 'LIST_SUBSCRIPTIONS', 'id': switch.barrier}
        else:
            switch.barrier = 'switch{}'.format(self._ctx.next_request_id())
            request = {'id': switch.barrier, 'method': 'ping'}
        if not self._barriers:
            self._barriers = set()
        self._barriers.add(switch.barrier)
        switch.old.note_control()
        send_json(proto, request)
        switch.wait_for_barrier()   # no answer in time: switch anyway (copies are dropped)

    def _replacement_gave_up(self, switch: EventSwitch) -> None:
        if switch is self._switch and not switch.switched:
            self._drop_replacement('the replacement connection could not be opened')

    # -- switching ----------------------------------------------------------------------

    # -- what the switch-over engine asks of a user stream --------------------------------

    def take_over(self, switch: SwitchOver) -> None:
        """The replacement becomes the connection: held events go out, the old one closes."""
        if switch is not self._switch or self.stopped:
            return
        assert isinstance(switch, EventSwitch)
        connection = self.connection
        if connection is None or connection.replacement is not switch.new:
            return
        connection.promote_replacement(self._handler())    # the old link closes
        if self.mode == 'listen_key':
            if switch.new_key != self.listen_key:
                log.info('%s: the replacement uses the new listen key %s', self._key,
                         short_key(switch.new_key))
            self.listen_key = switch.new_key
        elif switch.api is not None:
            self._api = switch.api
            self.subscription_id = switch.subscription_id
        self.ready.set()
        held, switch.held = switch.held, []
        log.debug('%s: the replacement held %d events back', self._key, len(held))
        for event in held:
            if self.stopped:
                break
            if switch.let_through(event):
                self._emit(event)
        log.info('%s: switched to the replacement connection', self._key)

    def _handler(self) -> Any:
        return self._on_event if self.mode == 'listen_key' else self._on_api_message

    # -- what the stream defines ----------------------------------------------------------

    def _emit(self, message: Any) -> None:  # pragma: no cover - UserStream defines it
        raise NotImplementedError

    def _on_event(self, msg: Any) -> None:  # pragma: no cover - UserStream defines it
        raise NotImplementedError

    def _on_api_message(self, msg: Any) -> None:  # pragma: no cover - UserStream defines it
        raise NotImplementedError

    def switch_done(self, switch: SwitchOver) -> None:
        """Copies of old events are no longer dropped."""
        assert isinstance(switch, EventSwitch)
        if self._switch is switch:
            self._switch = None
        if switch.barrier in self._barriers:
            self._barriers.discard(switch.barrier)
        log.debug('%s: switch-over done; %d copies of events the old connection had '
                  'delivered were dropped', self._key, switch.dropped)

    def give_up_switch(self, switch: SwitchOver, why: str) -> None:
        """The old connection carries on (and reconnects as usual); the replacement closes."""
        assert isinstance(switch, EventSwitch)
        if self._switch is switch:
            self._switch = None
        log.warning('%s: switch-over abandoned: %s; the current connection carries on and '
                    'reconnects when it closes', self._key, why)
        self._close_replacement(switch)

    def _close_replacement(self, switch: EventSwitch) -> None:
        new, connection = switch.new, self.connection
        if connection is not None and connection.replacement is new:
            connection.drop_replacement()
        elif new is not None:
            new.close()

    def _drop_replacement(self, why: str) -> None:
        """Give up this switch-over: the old connection carries on (and reconnects as usual)."""
        switch = self._switch
        if switch is not None:
            switch.abandon(why)

    def _abort_switch(self) -> None:
        """Stop any replacement (the stream stops or renews its connection)."""
        switch, self._switch = self._switch, None
        if switch is not None:
            switch.stop()
            if not switch.switched:
                self._close_replacement(switch)

    def _old_lost(self, factory: Any) -> bool:
        """The current connection closed: switch now if the replacement is ready
        (``True``), else fall back to the reconnect."""
        switch = self._switch
        if switch is None or not self._carries(factory):
            return False
        return switch.old_lost()
