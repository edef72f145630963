"""The switch-over engine and its two policies.

At Binance's ``serverShutdown`` notice, and before its 24 h cut, a
connection opens its replacement while the old one keeps delivering; for a
while both bring the same messages. :class:`SwitchOver` is the engine every
connection kind uses: a deadline while the replacement opens, the hold,
an optional barrier, the take-over (once), a time during which copies are
still dropped, and abandoning on failure; what is particular to a kind of
connection (its links, what it holds, what it closes) is its
:class:`SwitchOwner` part. A policy, a subclass of the engine, decides
message by message what reaches the callback so that nothing is lost or
repeated:

* :class:`OrderedSwitch` for market streams whose messages carry an
  ordering id (the ``order_key`` column of :mod:`binance._streams.kinds`):
  the replacement's messages are held until they overlap what the old
  connection delivered, then each id is delivered once, strictly in order;
* :class:`EventSwitch` for user data streams, whose events carry no id: a
  barrier request on the old connection marks the switch, and the
  replacement's copies of events the old one delivered are dropped
  (decoded payloads compared as a multiset).

The owners: :class:`binance._streams.connection.Connection` (market) and
:class:`binance._streams.user_switch.UserSwitch`, the part a
:class:`binance._streams.user.UserStream` holds, which opens its
replacement: a listen key or a WebSocket API subscription.
Everything runs on the reactor thread.
"""
import json
from collections import Counter, deque
from typing import Any, Callable, Deque, Dict, List, Optional, Protocol, Set, Tuple

from binance._streams.kinds import FUTURES_KINDS, KINDS

__all__ = ['order_id', 'SwitchOver', 'SwitchOwner', 'OrderedSwitch', 'EventSwitch']

#: ``e`` -> the field holding the ordering id, from the stream-kind tables
_ORDER_KEYS: Dict[str, str] = {
    kind.event: kind.order_key for kind in KINDS + FUTURES_KINDS
    if kind.order_key and kind.event is not None}
#: the ordering-id field of the spot payloads without ``e`` (bookTicker's ``u``)
_UNNAMED_KEYS: Tuple[str, ...] = tuple(sorted({
    kind.order_key for kind in KINDS if kind.order_key and kind.event is None}))


def order_id(payload: Any) -> Optional[int]:
    """The ordering id of a market payload, ``None`` when it has none.

    trade ``t``, aggTrade ``a``, diff depth ``u`` (the last update id of the
    event), bookTicker ``u`` (its order book update id): the ``order_key``
    column of the stream-kind tables.
    """
    if payload.__class__ is not dict:
        return None
    event = payload.get('e')
    if event is not None:
        key = _ORDER_KEYS.get(event)
        value = payload.get(key) if key is not None else None
    elif 'b' in payload and 'a' in payload:     # a book ticker: best bid and ask
        value = None
        for key in _UNNAMED_KEYS:
            if key in payload:
                value = payload[key]
                break
    else:
        return None
    return value if isinstance(value, int) else None


Emit = Callable[[str, Any], None]


class SwitchOwner(Protocol):
    """What a connection does at the steps of its switch-over (the engine calls it)."""

    def take_over(self, switch: 'SwitchOver') -> None:
        """The replacement becomes the connection: swap the links, deliver what the
        policy held back, close the old link."""

    def switch_done(self, switch: 'SwitchOver') -> None:
        """The replacement's copies are no longer dropped: the switch-over is over."""

    def give_up_switch(self, switch: 'SwitchOver', why: str) -> None:
        """Close the replacement; the old link carries on (and reconnects when it closes)."""


class _NoOwner:
    """The owner of a policy used on its own (unit tests): does nothing."""

    def take_over(self, switch: 'SwitchOver') -> None:
        pass

    def switch_done(self, switch: 'SwitchOver') -> None:
        pass

    def give_up_switch(self, switch: 'SwitchOver', why: str) -> None:
        pass


class SwitchOver:
    """The switch-over engine: one per switch-over of any connection, whatever its policy.

    Its steps: :meth:`begin` once the replacement is being opened (a
    deadline of ``6 * timeout`` starts); the policy holds the replacement's
    messages; :meth:`wait_for_barrier` when a barrier request went out on the
    old link (its answer, or ``timeout``, promotes); :meth:`promote` hands
    over to the replacement (once, when the policy allows) and keeps
    dropping copies for ``timeout`` more seconds; :meth:`abandon` on failure
    (the old link carries on); :meth:`stop` when the connection stops. The
    owner (:class:`SwitchOwner`) does what is particular to its links.

    :param old: the link being replaced (compared by identity).
    :param new: its replacement (``None`` while it is being prepared).
    :param owner: the connection switching; default: one that does nothing.
    :param reactor: the clock of the deadline and of the copies' timeout.
    :param timeout: the manager's ``SWITCH_TIMEOUT``.
    :ivar switched: the replacement delivers; the old link is closed.
    :ivar abandoned: given up (or stopped); nothing more happens.
    """

    #: at the deadline: promote anyway (``True``) or abandon the replacement
    PROMOTE_AT_DEADLINE = True

    def __init__(self, old: Any, new: Any = None, *, owner: Optional[SwitchOwner] = None,
                 reactor: Any = None, timeout: float = 10.0) -> None:
        self.old = old
        self.new = new
        self.owner: SwitchOwner = _NoOwner() if owner is None else owner
        self.reactor = reactor
        self.timeout = timeout
        self.switched = False
        self.abandoned = False
        self.timer: Any = None

    # -- the steps --------------------------------------------------------------------

    def begin(self) -> None:
        """The replacement is being opened: start the deadline."""
        self.arm(self.timeout * 6, self._deadline)

    def _deadline(self) -> None:
        self.timer = None
        if self.PROMOTE_AT_DEADLINE:
            self.promote()
        else:
            self.abandon('the replacement was not ready within {:g} s'.format(self.timeout * 6))

    def wait_for_barrier(self) -> None:
        """A barrier request went out on the old link: its answer promotes, or
        ``timeout`` does (the policy drops the copies either way)."""
        self.arm(self.timeout, self.promote)

    def may_promote(self) -> bool:
        """Whether the policy lets the replacement take over now."""
        return True

    def promote(self) -> None:
        """The replacement takes over (once; not after :meth:`abandon`)."""
        if self.switched or self.abandoned or not self.may_promote():
            return
        self.switched = True
        self.cancel_timer()
        self.owner.take_over(self)
        if not self.abandoned:
            self.arm(self.timeout, self._done)

    def _done(self) -> None:
        self.timer = None
        self.owner.switch_done(self)

    def abandon(self, why: str) -> None:
        """Give the switch-over up before the take-over: the old link carries on
        (after the take-over: nothing to give up)."""
        if self.switched or self.abandoned:
            return
        self.cancel_timer()
        self.abandoned = True
        self.owner.give_up_switch(self, why)

    def old_lost(self) -> bool:
        """The old link closed: promote now if the policy allows (``True``), else abandon."""
        if self.switched or self.abandoned:
            return False
        if self.may_promote():
            self.promote()
            return True
        self.abandon('the connection closed before its replacement was ready')
        return False

    def stop(self) -> None:
        """The connection stops: no step follows (the owner closes its links)."""
        self.cancel_timer()
        self.abandoned = True

    # -- the timer ----------------------------------------------------------------------

    def arm(self, seconds: float, fn: Callable[..., Any], *args: Any) -> None:
        """Call ``fn(*args)`` in ``seconds`` instead of what the timer was set for."""
        self.cancel_timer()
        self.timer = self.reactor.callLater(seconds, fn, *args)

    def cancel_timer(self) -> None:
        call, self.timer = self.timer, None
        if call is not None and call.active():
            call.cancel()


class OrderedSwitch(SwitchOver):
    """A switch-over in progress: the old link delivers while the new one catches up.

    Per stream with ordering ids: ``last`` is the highest id delivered. The
    new link's messages are held until they overlap what the old one
    delivered (its first held id <= ``last``); from then on a message is
    delivered once, from whichever link brings it first, in id order: when
    the old link's message completes the join it is delivered before the
    held newer ones. Streams without ids are delivered from the old link
    until the switch, then from the new.

    :param old: the link being replaced (any object; compared by identity).
    :param new: its replacement.
    """

    def __init__(self, old: Any, new: Any, **engine: Any) -> None:
        super().__init__(old, new, **engine)
        self.last: Dict[str, int] = {}
        self.held: Dict[str, Deque[Tuple[int, Any]]] = {}
        self.joined: Set[str] = set()
        self.new_seen = False

    def accept(self, link: Any, stream: str, payload: Any, emit: Emit) -> bool:
        """Whether the caller delivers ``payload`` now; ``emit(stream, payload)``
        delivers whatever the policy releases itself (in order)."""
        oid = order_id(payload)
        if link is self.new:
            self.new_seen = True
        if oid is None:
            return (link is self.old) != self.switched
        last = self.last.get(stream)
        if link is self.old or stream in self.joined or self.switched:
            if last is not None and oid <= last:
                return False
            self.last[stream] = oid
            if link is self.old and self._joins(stream):
                emit(stream, payload)        # the old link's message first,
                self.joined.add(stream)
                self.release(stream, emit)   # then the newer ones held from the new link
                return False
            return True
        # the new link, not joined yet: hold until it overlaps the old one
        held = self.held.setdefault(stream, deque(maxlen=100000))
        held.append((oid, payload))
        if self._joins(stream):
            self.joined.add(stream)
            self.release(stream, emit)
        return False

    def _joins(self, stream: str) -> bool:
        """Whether the new link's held messages overlap what was delivered."""
        held = self.held.get(stream)
        last = self.last.get(stream)
        return held is not None and len(held) > 0 and last is not None and held[0][0] <= last

    def release(self, stream: str, emit: Emit) -> None:
        """Deliver the held messages of ``stream`` newer than the last delivered."""
        held = self.held.pop(stream, None)
        while held:
            oid, payload = held.popleft()
            last = self.last.get(stream)
            if last is None or oid > last:
                self.last[stream] = oid
                emit(stream, payload)

    def ready(self) -> bool:
        """The new link delivers, holds nothing the old one has yet to bring, and every
        stream the old link delivered with ids during the switch has joined."""
        if not self.new_seen:
            return False
        if any(self.held.values()):
            return False      # the new link is ahead somewhere: wait for the old one
        return all(stream in self.joined for stream in self.last)


def _fingerprint(event: Any) -> str:
    """A hashable form of a decoded payload (equal payloads, equal fingerprints)."""
    try:
        return json.dumps(event, sort_keys=True, separators=(',', ':'))
    except (TypeError, ValueError):
        return repr(event)


class EventSwitch(SwitchOver):
    """A user stream's switch-over in progress: the old connection, its replacement,
    the overlap (see :mod:`binance._streams.user_switch` for the steps).

    :ivar old: the link of the :class:`~binance._streams.connection.Connection` being
        replaced.
    :ivar new: its replacement link on the same connection (``None`` while its listen
        key is fetched).
    :ivar ready: the replacement is open (listen key) or subscribed (WebSocket API).
    :ivar switched: the replacement delivers; copies of old events are still dropped.
    """

    #: a replacement not ready in time is abandoned (the old connection carries on)
    PROMOTE_AT_DEADLINE = False

    def __init__(self, old: Any, **engine: Any) -> None:
        super().__init__(old, **engine)
        self.new_key: Optional[str] = None
        self.api: Any = None
        self.subscription_id: Any = None
        self.request_id: Any = None        # the margin subscribe request on the replacement
        self.barrier: Any = None           # the id of the request sent on the old connection
        self.ready = False
        self.delivered: 'Counter[str]' = Counter()
        self.held: List[Any] = []
        #: copies of old-delivered events the replacement brought (not delivered)
        self.dropped = 0

    def may_promote(self) -> bool:
        return self.ready

    def let_through(self, event: Any) -> bool:
        """Whether to deliver ``event`` (the old connection's before the switch, the
        replacement's after it): remembers the former, drops copies of them in the latter."""
        key = _fingerprint(event)
        if not self.switched:
            self.delivered[key] += 1
            return True
        if self.delivered.get(key):
            self.delivered[key] -= 1
            self.dropped += 1
            return False
        return True
