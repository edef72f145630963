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
from typing import Any, Callable, Dict, Optional, Protocol, Set

from binance._streams.connection import Connection
from binance._streams.context import SocketContext
from binance._streams.protocol import LinkHooks
from binance._streams.switch import EventSwitch, SwitchOver
from binance._streams.user_api import TERMINATED, ApiSubscription, listen_key_of, send_json

__all__ = ['SwitchHost', 'UserSwitch']

log = logging.getLogger('binance.websockets')


class SwitchHost(Protocol):
    """What :class:`UserSwitch` asks of the user stream that holds it."""

    @property
    def key(self) -> str:
        """The stream's key (in log lines)."""

    @property
    def stopped(self) -> bool:
        """The stream stopped: nothing more is started or delivered."""

    @property
    def mode(self) -> Optional[str]:
        """``'listen_key'`` or ``'ws_api'`` (``None`` until decided)."""

    @property
    def connection(self) -> Optional[Connection]:
        """The stream's current connection (``None`` while there is none)."""

    def fetching_key(self) -> bool:
        """A listen key request is under way (no switch-over starts meanwhile)."""

    def request_key(self) -> Any:
        """A Deferred firing with the REST answer of a listen key request."""

    def key_url(self, key: str) -> str:
        """The URL of the stream of listen key ``key``."""

    def refetch_key(self) -> Any:
        """The ``before_reconnect`` hook of a listen-key link."""

    def reopened(self, proto: Any) -> None:
        """A WebSocket API link reconnected: subscribe on it as usual."""

    def handler(self) -> Callable[[Any], None]:
        """What receives the messages of the stream's current link."""

    def adopt(self, switch: EventSwitch) -> None:
        """The replacement took over: use its listen key or subscription; events flow."""

    def emit(self, message: Any) -> None:
        """Hand ``message`` to the stream's callback."""


class UserSwitch:
    """Switch-over of a user stream (see the module docs), held by the stream as ``switch``.

    The stream's handlers ask :meth:`answers` first whether a message answers
    the barrier request and hand each user event to :meth:`let_through`;
    every link of the stream gets :meth:`link_options`. To the switch-over
    engine it is the :class:`~binance._streams.switch.SwitchOwner`.

    :param ctx: the manager's context (reactor, client, URLs, request ids).
    :param host: the user stream (:class:`SwitchHost`).
    """

    def __init__(self, ctx: SocketContext, host: SwitchHost) -> None:
        self._ctx = ctx
        self._host = host
        #: the switch-over under way
        self.current: Optional[EventSwitch] = None
        #: ids of barrier requests not answered yet (an abandoned switch's too: its answer
        #: must not reach the callback)
        self.barriers: Set[Any] = set()

    # -- what every connection of the stream gets ---------------------------------

    def link_options(self) -> Dict[str, Any]:
        """:class:`~binance._streams.protocol.LinkHooks` of every connection of the
        stream: the shutdown notice, and the rotation before 24 h."""
        return {'on_shutdown': self._shutdown_notice, 'on_aged': self._aged}

    def _shutdown_notice(self, factory: Any, msg: Any) -> None:
        if self.carries(factory) and not self._host.stopped:
            log.info('%s: Binance announced a server shutdown; opening the replacement '
                     'connection', self._host.key)
            self.start()

    def _aged(self, factory: Any) -> None:
        if self.carries(factory) and not self._host.stopped:
            log.info('%s: rotating the connection before Binance cuts it at 24 h',
                     self._host.key)
            self.start()

    def carries(self, factory: Any) -> bool:
        """Whether ``factory`` is the reconnect loop of the stream's current link."""
        connection = self._host.connection
        return connection is not None and connection.carries(factory)

    def let_through(self, event: Any) -> bool:
        """Whether to hand a user event of the current link to the callback."""
        switch = self.current
        return switch is None or switch.let_through(event)

    def answers(self, msg: Any) -> bool:
        """Whether ``msg`` answers a barrier request (then switch, if still under way)."""
        if not self.barriers or msg.__class__ is not dict:
            return False
        request_id = msg.get('id')
        if request_id is None or request_id not in self.barriers:
            return False
        self.barriers.discard(request_id)
        switch = self.current
        if switch is not None and request_id == switch.barrier:
            switch.promote()
        return True

    # -- starting -----------------------------------------------------------------------

    def start(self) -> None:
        """Open a replacement connection; switch to it once it is ready (reactor thread)."""
        host = self._host
        connection = host.connection
        if host.stopped or self.current is not None or connection is None \
                or host.fetching_key() or connection.open_protocol is None:
            return
        switch = self.current = EventSwitch(connection.link, owner=self,
                                            reactor=self._ctx.reactor,
                                            timeout=float(self._ctx.switch_timeout))
        switch.begin()               # not ready by the deadline: abandoned
        if host.mode == 'listen_key':
            d = host.request_key()
            d.addCallbacks(self._replacement_key, self._replacement_key_failed,
                           callbackArgs=(switch,), errbackArgs=(switch,))
            d.addErrback(self._replacement_error, switch)
        else:
            self._connect_replacement(switch, self._ctx.ws_api_url(), ' (WebSocket API)')

    def _replacement_key(self, result: Any, switch: EventSwitch) -> None:
        if switch is not self.current or self._host.stopped:
            return
        switch.new_key = listen_key_of(result)
        self._connect_replacement(switch, self._host.key_url(switch.new_key), '')

    def _replacement_key_failed(self, failure: Any, switch: EventSwitch) -> None:
        if switch is self.current:
            self.drop_replacement('could not get the listen key for the replacement ({})'
                                  .format(failure.getErrorMessage()))

    def _replacement_error(self, failure: Any, switch: EventSwitch) -> None:
        log.error('%s: switch-over failed: %s', self._host.key, failure.getTraceback())
        if switch is self.current:
            self.drop_replacement('internal error')

    def _connect_replacement(self, switch: EventSwitch, url: str, suffix: str) -> None:
        # after the switch it is the stream's link: it reconnects like the old one
        host = self._host
        connection = host.connection
        if connection is None:
            self.drop_replacement('the connection was closed')
            return
        refetch = host.refetch_key if host.mode == 'listen_key' else None
        switch.new = connection.open_replacement(url, LinkHooks(
            lambda msg: self._on_replacement(switch, msg),
            lambda: self._replacement_gave_up(switch), gate=host,
            on_open=lambda proto: self._on_open_replacement(switch, proto),
            before_reconnect=refetch, **self.link_options()),
            name='{} replacement{}'.format(host.key, suffix))

    def _on_open_replacement(self, switch: EventSwitch, proto: Any) -> None:
        host = self._host
        if switch is self.current and not switch.switched:
            self.replacement_open(switch, proto)
        elif host.mode != 'listen_key' and host.connection is not None \
                and switch.new is host.connection.link:
            host.reopened(proto)      # switched, then reconnected: subscribe as usual

    # -- the replacement ----------------------------------------------------------------

    def replacement_open(self, switch: EventSwitch, proto: Any) -> None:
        """The replacement's handshake completed: subscribe on it, or (listen key) done."""
        if switch is not self.current:
            return
        if self._host.mode == 'listen_key':
            self.replacement_ready(switch, None)
            return
        switch.api = ApiSubscription(
            self._ctx.client, self._ctx.reactor, send_json,
            lambda sid: self.replacement_ready(switch, sid),
            lambda text: self._replacement_refused(switch, text))
        switch.api.start(proto)

    def _replacement_refused(self, switch: EventSwitch, text: str) -> None:
        if switch is self.current and not switch.switched:
            self.drop_replacement(text)

    def _on_replacement(self, switch: EventSwitch, msg: Any) -> None:
        """A message on the replacement before the switch: held back, or a reply."""
        if switch is not self.current:
            return
        event = self.replacement_event(switch, msg)
        if event is not None:
            switch.held.append(event)

    def replacement_event(self, switch: EventSwitch, msg: Any) -> Any:
        """The user event in ``msg`` (to hold back), ``None`` for anything else."""
        if msg.__class__ is not dict:
            return msg
        if self._host.mode == 'listen_key':
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

    def replacement_ready(self, switch: EventSwitch, subscription_id: Any) -> None:
        """The replacement carries the events: ask the old connection for its last ones."""
        if switch is not self.current or switch.ready:
            return
        switch.ready = True
        switch.subscription_id = subscription_id
        proto = switch.old.open_protocol
        if proto is None:
            switch.promote()
            return
        if self._host.mode == 'listen_key':
            switch.barrier = self._ctx.next_request_id()
            request: Dict[str, Any] = {'method': 'LIST_SUBSCRIPTIONS', 'id': switch.barrier}
        else:
            switch.barrier = 'switch{}'.format(self._ctx.next_request_id())
            request = {'id': switch.barrier, 'method': 'ping'}
        self.barriers.add(switch.barrier)
        switch.old.note_control()
        send_json(proto, request)
        switch.wait_for_barrier()   # no answer in time: switch anyway (copies are dropped)

    def _replacement_gave_up(self, switch: EventSwitch) -> None:
        if switch is self.current and not switch.switched:
            self.drop_replacement('the replacement connection could not be opened')

    # -- what the switch-over engine asks of its owner ------------------------------------

    def take_over(self, switch: SwitchOver) -> None:
        """The replacement becomes the connection: held events go out, the old one closes."""
        host = self._host
        if switch is not self.current or host.stopped:
            return
        assert isinstance(switch, EventSwitch)
        connection = host.connection
        if connection is None or connection.replacement is not switch.new:
            return
        connection.promote_replacement(host.handler())    # the old link closes
        host.adopt(switch)
        held, switch.held = switch.held, []
        log.debug('%s: the replacement held %d events back', host.key, len(held))
        for event in held:
            if host.stopped:
                break
            if switch.let_through(event):
                host.emit(event)
        log.info('%s: switched to the replacement connection', host.key)

    def switch_done(self, switch: SwitchOver) -> None:
        """Copies of old events are no longer dropped."""
        assert isinstance(switch, EventSwitch)
        if self.current is switch:
            self.current = None
        self.barriers.discard(switch.barrier)
        log.debug('%s: switch-over done; %d copies of events the old connection had '
                  'delivered were dropped', self._host.key, switch.dropped)

    def give_up_switch(self, switch: SwitchOver, why: str) -> None:
        """The old connection carries on (and reconnects as usual); the replacement closes."""
        assert isinstance(switch, EventSwitch)
        if self.current is switch:
            self.current = None
        log.warning('%s: switch-over abandoned: %s; the current connection carries on and '
                    'reconnects when it closes', self._host.key, why)
        self._close_replacement(switch)

    def _close_replacement(self, switch: EventSwitch) -> None:
        new, connection = switch.new, self._host.connection
        if connection is not None and connection.replacement is new:
            connection.drop_replacement()
        elif new is not None:
            new.close()

    # -- what the stream asks ---------------------------------------------------------------

    def drop_replacement(self, why: str) -> None:
        """Give up this switch-over: the old connection carries on (and reconnects as usual)."""
        switch = self.current
        if switch is not None:
            switch.abandon(why)

    def abort(self) -> None:
        """Stop any replacement (the stream stops or renews its connection)."""
        switch, self.current = self.current, None
        if switch is not None:
            switch.stop()
            if not switch.switched:
                self._close_replacement(switch)

    def replacement_closed(self, factory: Any) -> bool:
        """``factory`` (a link that closed) is the replacement, not switched to yet:
        the switch-over is abandoned (``True``)."""
        switch = self.current
        if switch is not None and switch.new is not None and switch.new.factory is factory \
                and not switch.switched:
            self.drop_replacement('the replacement connection closed')
            return True
        return False

    def old_lost(self, factory: Any) -> bool:
        """The current connection closed: switch now if the replacement is ready
        (``True``), else fall back to the reconnect."""
        switch = self.current
        if switch is None or not self.carries(factory):
            return False
        return switch.old_lost()
