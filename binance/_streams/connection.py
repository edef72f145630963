"""Connections of the socket manager: packing and switch-overs.

Binance's limits (connection attempts, control messages, streams per
connection) are kept by :mod:`binance._streams.limits`; which message to
deliver during a switch-over is decided by :mod:`binance._streams.switch`.

* :class:`Connection`: one reconnecting WebSocket that carries
  subscriptions. In the default mode it carries exactly one
  (``/ws/<stream>`` or ``/stream?streams=a/b``) and hands each message
  straight to its callback. Shared (``streams_per_connection > 1``) it
  connects to ``/stream``, subscribes live, and routes each
  ``{'stream', 'data'}`` envelope to the subscriptions of that stream.
* Switch-over: at Binance's ``serverShutdown`` event, and before the 24 h
  cut, a connection opens its replacement first and switches when the
  replacement's messages join the old ones, so that streams with an
  ordering id (trade ``t``, aggTrade ``a``, diff depth ``u``, bookTicker
  ``u``) lose nothing and repeat nothing.
* Handled (:meth:`Connection.handled`): the connection of a user data
  stream (:class:`binance._streams.user.UserStream`) or of the WebSocket API
  session (:class:`binance._streams.api_session.WebSocketApi`). Its messages
  go to the handler's :class:`~binance._streams.protocol.LinkHooks` instead
  of market routing (the handler tells its links apart with
  :meth:`Connection.carries`). Its switch-over policy
  (:class:`~binance._streams.switch.EventSwitch`, driven by
  :mod:`binance._streams.user_switch`) opens the replacement link on the same
  connection (:meth:`Connection.open_replacement`) and promotes it
  (:meth:`Connection.promote_replacement`) or drops it
  (:meth:`Connection.drop_replacement`).
The subscriptions a connection carries, and the pool that spreads them over
shared connections, are in :mod:`binance._streams.market`.

Everything here runs on the reactor thread.
"""
import json
import logging
from typing import Any, Callable, Dict, Iterable, List, Optional, Set, Tuple

from binance._streams.protocol import MAX_RETRIES_MESSAGE, LinkHooks, StreamFactory, stop_for_exit
from binance._streams.limits import SUBSCRIBE_BATCH, ControlLimiter
from binance._streams.switch import OrderedSwitch, SwitchOver

__all__ = ['Connection', 'DELIVER_RAW', 'DELIVER_ENVELOPE']

log = logging.getLogger('binance.websockets')

#: The key (no stream's) every ``fast_routes`` holds first. A dict with a key that is
#: not a string keeps each entry's hash beside it (CPython): a lookup probing past
#: another stream's entry compares that hash instead of reading the other stream's key
#: string, which with thousands of streams is out of the CPU cache by the time its
#: stream comes again (``benchmarks/bench_many.py``: about 0.04 us a message).
_KEEP_HASHES = object()

#: a subscription's callback gets each payload as it is (``/ws/<stream>``)
DELIVER_RAW = 'raw'
#: a subscription's callback gets ``{'stream': name, 'data': payload}`` (``/stream?streams=``)
DELIVER_ENVELOPE = 'envelope'


# -- one link: a factory and its live-subscription state --------------------------------

class _Link:
    """One reconnecting factory of a :class:`Connection` and what it has subscribed."""

    def __init__(self, connection: 'Connection') -> None:
        self.connection = connection
        self.factory: Optional[StreamFactory] = None
        self.proto: Any = None
        self.limiter = ControlLimiter(connection.ctx.reactor, connection.control_limit)
        self.requests: Dict[int, Tuple[str, List[str]]] = {}
        self.to_subscribe: Dict[str, None] = {}
        self.to_unsubscribe: Dict[str, None] = {}
        self.confirmed: Set[str] = set()
        self.want_list = False
        self.opened_before = False
        self.flush_call: Any = None

    @property
    def is_open(self) -> bool:
        return self.proto is not None

    @property
    def open_protocol(self) -> Any:
        """The protocol of its open connection (handshake done), ``None`` when closed."""
        factory = self.factory
        return None if factory is None else factory.open_protocol

    def note_control(self) -> None:
        """Count a control message sent on it (Binance limits them per connection)."""
        factory = self.factory
        if factory is not None:
            factory.note_control()

    def cancel_timers(self) -> None:
        for name in ('flush_call',):
            call = getattr(self, name)
            setattr(self, name, None)
            if call is not None and call.active():
                call.cancel()

    def close(self) -> None:
        self.cancel_timers()
        factory, self.factory = self.factory, None
        self.proto = None
        if factory is not None:
            factory.stop()


# -- the connection -------------------------------------------------------------------

class Connection:
    """One reconnecting WebSocket carrying one or more subscriptions (see the module docs).

    :param ctx: the manager's :class:`~binance._streams.context.SocketContext`.
    :param url: the full URL (``.../ws/<stream>``, ``.../stream?streams=...`` or,
        shared, ``.../stream``).
    :param name: label for log lines.
    :param shared: carry many subscriptions with live SUBSCRIBE/UNSUBSCRIBE.
    :param capacity: at most this many streams (shared).
    """

    def __init__(self, ctx: Any, url: str, name: str, *, shared: bool = False,
                 capacity: int = 1, pool: Any = None, hooks: Optional[LinkHooks] = None) -> None:
        self.ctx = ctx
        self.url = url
        self.name = name
        self.shared = shared
        self.capacity = capacity
        self.pool = pool
        self.control_limit: int = ctx.control_limit
        self.switch_timeout: float = ctx.switch_timeout
        #: single mode: the one subscription
        self.subscriptions: List[Any] = []
        #: shared mode: stream name -> the subscriptions that want it (in order)
        self.routes: Dict[str, List[Any]] = {}
        #: shared mode: the streams :class:`~binance._streams.protocol.SharedStreamProtocol`
        #: routes without the general path (one subscriber, no switch-over under way)
        self.fast_routes: Dict[Any, Any] = {_KEEP_HASHES: None}
        self.link: Optional[_Link] = None
        self.replacement: Optional[_Link] = None
        self.switch: Optional[OrderedSwitch] = None
        self.stopped = False
        self.switches = 0
        #: handled mode: what the handler plugs in (``None``: market routing)
        self.hooks = hooks

    @classmethod
    def handled(cls, ctx: Any, url: str, hooks: LinkHooks, *, name: str) -> 'Connection':
        """A connection whose messages go to ``hooks`` (a user data stream, the WebSocket
        API session), opened at once."""
        connection = cls(ctx, url, name, hooks=hooks)
        connection.open()
        return connection

    def __repr__(self) -> str:
        return '<Connection {} streams={}>'.format(self.name, len(self.routes))

    # -- gate of the shared protocol ---------------------------------------------------

    def connected(self, factory: Any) -> None:
        pass

    def disconnected(self, factory: Any) -> None:
        link = self.link
        if link is not None and link.factory is factory:
            link.proto = None
            link.confirmed.clear()
            if self.pool is not None:
                self.pool.unconfirmed(self)

    # -- opening and closing -------------------------------------------------------------

    def open(self, subscription: Any = None) -> None:
        """Start connecting (reactor thread); single mode gets its subscription here."""
        if subscription is not None:
            self.subscriptions = [subscription]
        self.link = self._new_link()

    def _new_link(self) -> _Link:
        link = _Link(self)
        if self.hooks is not None:
            link.factory = self.ctx.connect(self.url, self.hooks, name=self.name)
            return link
        fast_routes: Optional[Dict[Any, Any]] = None
        if self.shared:
            deliver = self._shared_deliver(link)
            gate: Any = self
            fast_routes = self.fast_routes
        else:
            sub = self.subscriptions[0]
            deliver = sub.callback if self.switch is None else \
                (lambda msg: self._on_single(link, msg))
            gate = sub
        link.factory = self.ctx.connect(self.url, LinkHooks(
            deliver, lambda: self._gave_up(link), gate=gate,
            on_open=lambda proto: self._opened(link, proto),
            on_shutdown=lambda factory, msg: self._shutdown_notice(link, msg),
            on_control=link.limiter.note, control=link.limiter,
            on_aged=lambda factory: self._rotate(link),
            fast_routes=fast_routes), name=self.name)
        return link

    # -- what a handler uses ---------------------------------------------------------------

    def carries(self, factory: Any) -> bool:
        """Whether ``factory`` is this connection's current reconnect loop."""
        link = self.link
        return link is not None and link.factory is factory

    def replaces(self, factory: Any) -> bool:
        """Whether ``factory`` is the reconnect loop of the replacement being prepared."""
        link = self.replacement
        return link is not None and link.factory is factory

    @property
    def open_protocol(self) -> Any:
        """The protocol of the open connection (handshake done), ``None`` when closed."""
        link = self.link
        return None if link is None else link.open_protocol

    def note_control(self) -> None:
        """Count a control message the handler sends (Binance limits them per connection)."""
        link = self.link
        if link is not None:
            link.note_control()

    def open_replacement(self, url: str, hooks: LinkHooks, *, name: str) -> _Link:
        """Handled mode: open the link that is to replace the current one (its own
        ``hooks`` until it is promoted); a previous replacement is closed."""
        self.drop_replacement()
        link = _Link(self)
        link.factory = self.ctx.connect(url, hooks, name=name)
        self.replacement = link
        return link

    def promote_replacement(self, deliver: Callable[[Any], Any]) -> None:
        """Handled mode: the replacement becomes the current link and hands its messages
        to ``deliver``; the old link is closed."""
        new = self.replacement
        if new is None:
            return
        if new.factory is not None:
            new.factory.name = self.name
            new.factory.set_deliver(deliver)
        self._swap_in(new)

    def _swap_in(self, new: _Link) -> None:
        """``new`` (the replacement) becomes the current link; the old one closes."""
        old, self.link, self.replacement = self.link, new, None
        self.switches += 1
        if old is not None:
            old.close()

    def drop_replacement(self) -> None:
        """Close the replacement link, if any; the current one carries on."""
        link, self.replacement = self.replacement, None
        if link is not None:
            link.close()

    def close(self) -> None:
        """Stop reconnecting and close (reactor thread)."""
        self.stopped = True
        if self.switch is not None:
            self.switch.stop()
        for link in (self.link, self.replacement):
            if link is not None:
                link.close()
        self.replacement = None
        self.switch = None
        self._clear_fast_routes()

    @property
    def factory(self) -> Optional[StreamFactory]:
        link = self.link
        return None if link is None else link.factory

    def _opened(self, link: _Link, proto: Any) -> None:
        link.proto = proto
        link.cancel_timers()
        if self.shared:
            link.confirmed.clear()
            link.to_unsubscribe.clear()
            link.to_subscribe = dict.fromkeys(self.routes)
            link.want_list = link.opened_before and bool(self.routes)
            link.opened_before = True
            link.requests.clear()
            self._flush(link)

    def _gave_up(self, link: _Link) -> None:
        switch = self.switch
        if link is self.replacement:
            if switch is not None:
                switch.abandon('the replacement connection gave up')
            return
        if link is not self.link or self.stopped:
            return
        if switch is not None and self.replacement is not None and self.replacement.is_open:
            switch.promote()         # the replacement carries on
            return
        self.close()
        if self.pool is not None:
            self.pool.forget(self)
        subs = self.subscriptions if not self.shared else _unique(
            sub for subs in self.routes.values() for sub in subs)
        for sub in list(subs):
            sub.connection_gave_up()

    # -- single mode -----------------------------------------------------------------------

    def _on_single(self, link: _Link, msg: Any) -> None:
        sub = self.subscriptions[0]
        if sub.delivery == DELIVER_ENVELOPE and msg.__class__ is dict:
            stream, payload = msg.get('stream') or '', msg.get('data')
        else:
            stream, payload = '', msg
        switch = self.switch
        if switch is not None and not switch.accept(
                link, stream, payload, lambda s, p: self._emit_single(s, p)):
            self._check_switch()
            return
        sub.callback(msg)
        self._check_switch()

    def _emit_single(self, stream: str, payload: Any) -> None:
        sub = self.subscriptions[0]
        msg = {'stream': stream, 'data': payload} if sub.delivery == DELIVER_ENVELOPE \
            else payload
        _deliver(sub, msg, self)

    # -- shared mode: routing ---------------------------------------------------------------

    def _shared_deliver(self, link: _Link) -> Callable[[Any], None]:
        """The hot path of a shared link: one envelope for one subscriber, no switch."""
        routes = self.routes
        slow = self._on_shared

        def deliver(msg: Any) -> None:
            if self.switch is None and msg.__class__ is dict:
                subs = routes.get(msg.get('stream', ''))
                if subs is not None and len(subs) == 1:
                    sub = subs[0]
                    if not sub.stopped:     # an exception is logged by the protocol
                        sub.callback(msg['data'] if sub.delivery == DELIVER_RAW else msg)
                    return
            slow(link, msg)
        return deliver

    def _on_shared(self, link: _Link, msg: Any) -> None:
        if msg.__class__ is dict:
            stream = msg.get('stream')
            if stream is not None:
                switch = self.switch
                if switch is not None and not switch.accept(
                        link, stream, msg.get('data'), self._emit_shared):
                    self._check_switch()
                    return
                self._route(stream, msg)
                if switch is not None:
                    self._check_switch()
                return
            if 'id' in msg and ('result' in msg or 'error' in msg):
                self._reply(link, msg)
                return
        log.debug('%s: skipped a message that is no stream envelope: %.200r', self.name, msg)

    def _emit_shared(self, stream: str, payload: Any) -> None:
        self._route(stream, {'stream': stream, 'data': payload})

    def _route(self, stream: str, msg: Dict[str, Any]) -> None:
        subs = self.routes.get(stream)
        if not subs:
            return
        for sub in subs:
            if sub.stopped:
                continue
            _deliver(sub, msg['data'] if sub.delivery == DELIVER_RAW else msg, self)

    def _update_fast_route(self, stream: str) -> None:
        """Let the protocol route ``stream`` itself while it has one subscriber, which
        wants the bare payload, and no switch-over is under way (the switch needs
        every message)."""
        subs = self.routes.get(stream)
        if (self.switch is None and subs is not None and len(subs) == 1
                and subs[0].delivery == DELIVER_RAW):
            self.fast_routes[stream] = subs[0]
        else:
            self.fast_routes.pop(stream, None)

    def _clear_fast_routes(self) -> None:
        self.fast_routes.clear()
        self.fast_routes[_KEEP_HASHES] = None   # first again, before any stream

    def _rebuild_fast_routes(self) -> None:
        self._clear_fast_routes()
        for stream in self.routes:
            self._update_fast_route(stream)

    # -- shared mode: live subscriptions -----------------------------------------------

    @property
    def room(self) -> int:
        """Streams it can still take."""
        return self.capacity - len(self.routes)

    def add(self, stream: str, sub: Any) -> None:
        """Deliver ``stream`` to ``sub`` too (subscribing it when it is new here)."""
        subs = self.routes.get(stream)
        if subs is None:
            self.routes[stream] = [sub]
            for link in self._links():
                link.to_unsubscribe.pop(stream, None)
                link.to_subscribe[stream] = None
                self._flush(link)
        elif sub not in subs:
            subs.append(sub)
        self._update_fast_route(stream)

    def remove(self, stream: str, sub: Any) -> bool:
        """Stop delivering ``stream`` to ``sub``; ``True`` when nobody wants it any more."""
        subs = self.routes.get(stream)
        if subs is None:
            return False
        if sub in subs:
            subs.remove(sub)
        if subs:
            self._update_fast_route(stream)
            return False
        del self.routes[stream]
        self._update_fast_route(stream)
        for link in self._links():
            link.confirmed.discard(stream)
            if link.to_subscribe.pop(stream, 0) is None:
                continue      # never sent: nothing to take back
            link.to_unsubscribe[stream] = None
            self._flush(link)
        return True

    def _links(self) -> List[_Link]:
        return [link for link in (self.link, self.replacement) if link is not None]

    def _flush(self, link: _Link) -> None:
        """Send queued requests as the limiter allows (batched params)."""
        if link.flush_call is not None and link.flush_call.active():
            return
        link.flush_call = None
        while link.is_open and (link.to_unsubscribe or link.to_subscribe or link.want_list):
            if not link.limiter.room():
                link.flush_call = self.ctx.reactor.callLater(link.limiter.wait(), self._flush,
                                                             link)
                return
            if link.to_unsubscribe:
                method, pending = 'UNSUBSCRIBE', link.to_unsubscribe
            elif link.to_subscribe:
                method, pending = 'SUBSCRIBE', link.to_subscribe
            else:
                link.want_list = False
                self._send(link, 'LIST_SUBSCRIPTIONS', None)
                continue
            streams = list(pending)[:SUBSCRIBE_BATCH]
            for stream in streams:
                del pending[stream]
            self._send(link, method, streams)

    def _send(self, link: _Link, method: str, streams: Optional[List[str]]) -> None:
        request_id = self.ctx.next_request_id()
        request: Dict[str, Any] = {'method': method, 'id': request_id}
        if streams is not None:
            request['params'] = streams
        link.requests[request_id] = (method, streams or [])
        link.limiter.note()
        link.proto.sendMessage(json.dumps(request).encode('utf-8'), isBinary=False)

    def _reply(self, link: _Link, msg: Dict[str, Any]) -> None:
        request = link.requests.pop(msg.get('id', 0), None)   # ids start at 1
        if request is None:
            return
        method, streams = request
        error = msg.get('error')
        if error is not None:
            text = '{} (code {})'.format(error.get('msg', 'no message'), error.get('code'))
            if method == 'SUBSCRIBE':
                self._refused(streams, 'Binance refused the subscription to {}: ' + text)
            else:
                log.warning('%s: %s failed: %s', self.name, method, text)
            return
        if method == 'SUBSCRIBE':
            link.confirmed.update(s for s in streams if s in self.routes)
            if link is self.link and self.pool is not None:
                self.pool.confirmed(self, streams)
        elif method == 'LIST_SUBSCRIPTIONS':
            listed = set(msg.get('result') or ())
            missing = [s for s in self.routes if s not in listed and s not in link.to_subscribe]
            if missing:
                log.warning('%s: after reconnecting, Binance lists no subscription to %s',
                            self.name, ', '.join(missing[:10]))
                self._refused(missing, 'Binance did not restore the subscription to {} '
                                       'after a reconnect')

    def _refused(self, streams: Iterable[str], template: str) -> None:
        for stream in streams:
            subs = self.routes.pop(stream, None)
            if self.pool is not None:
                self.pool.forget_stream(self, stream)
            log.error('%s: %s', self.name, template.format(stream))
            for sub in subs or ():
                if not sub.stopped:
                    _deliver(sub, {'e': 'error', 'm': template.format(stream)}, self)
        if self.shared and not self.routes and self.pool is not None:
            self.pool.close_if_empty(self)

    # -- switch-over -----------------------------------------------------------------------

    def _shutdown_notice(self, link: _Link, msg: Any) -> None:
        if link is not self.link:
            return
        log.info('%s: Binance announced a server shutdown; opening the replacement connection',
                 self.name)
        self.start_switch()

    def _rotate(self, link: _Link) -> None:
        if link is self.link and not self.stopped:
            log.info('%s: rotating the connection before Binance cuts it at 24 h', self.name)
            self.start_switch()

    def start_switch(self) -> None:
        """Open a replacement; switch when its messages join the current ones."""
        if self.stopped or self.replacement is not None or self.link is None:
            return
        old = self.link
        self.switch = None
        new = self._new_link()
        self.replacement = new
        switch = self.switch = OrderedSwitch(old, new, owner=self, reactor=self.ctx.reactor,
                                             timeout=self.switch_timeout)
        self._clear_fast_routes()    # every message through the switch from now on
        old_factory, new_factory = old.factory, new.factory
        assert old_factory is not None and new_factory is not None   # both just made
        if not self.shared:
            old_factory.set_deliver(lambda msg: self._on_single(old, msg))
            new_factory.set_deliver(lambda msg: self._on_single(new, msg))
        # the old connection must not reconnect when the server closes it
        old_factory.stopTrying()

        def old_lost() -> None:
            if self.link is old and self.replacement is new:
                switch.promote()
        old_factory.on_lost = old_lost
        switch.begin()               # at the deadline the replacement takes over anyway

    def _check_switch(self) -> None:
        switch = self.switch
        if switch is not None and not switch.switched and switch.ready():
            switch.promote()

    # -- what the switch-over engine asks of a market connection -------------------------

    def take_over(self, switch: SwitchOver) -> None:
        """The replacement becomes the connection; the old one is closed."""
        new = self.replacement
        if switch is not self.switch or new is None:
            return
        assert isinstance(switch, OrderedSwitch)
        emit = self._emit_shared if self.shared else self._emit_single
        for stream in list(switch.held):
            switch.release(stream, emit)
        self._swap_in(new)
        if self.shared and self.pool is not None and new.is_open:
            self.pool.confirmed(self, list(new.confirmed))
        log.info('%s: switched to the replacement connection', self.name)

    def switch_done(self, switch: SwitchOver) -> None:
        """Copies are no longer dropped: back to the direct paths."""
        if switch is not self.switch:
            return
        self.switch = None
        self._rebuild_fast_routes()
        if not self.shared and self.link is not None and self.link.factory is not None:
            self.link.factory.set_deliver(self.subscriptions[0].callback)  # the direct path

    def give_up_switch(self, switch: SwitchOver, why: str) -> None:
        """Close the replacement; the current link carries on and reconnects as usual."""
        if switch is not self.switch:
            return
        log.warning('%s: %s; keeping the current one', self.name, why)
        new, self.replacement = self.replacement, None
        self.switch = None
        self._rebuild_fast_routes()
        if new is not None:
            new.close()
        old = self.link
        if old is not None and old.factory is not None:
            old.factory.continueTrying = 1
            old.factory.on_lost = None
            if not self.shared:
                old.factory.set_deliver(self.subscriptions[0].callback)


def _deliver(sub: Any, message: Any, connection: Connection) -> None:
    try:
        sub.callback(message)
    except Exception:
        log.exception('%s: the callback of %s raised; the stream goes on', connection.name,
                      sub.key)
    except (SystemExit, KeyboardInterrupt) as exc:
        stop_for_exit(connection.ctx.reactor, sub.key, exc)


def _unique(items: Iterable[Any]) -> List[Any]:
    out: List[Any] = []
    for item in items:
        if item not in out:
            out.append(item)
    return out


__all__ += ['MAX_RETRIES_MESSAGE']
