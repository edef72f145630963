"""``bm.socket_state(conn_key)``: what a socket is doing, where a program can see it.

A socket whose connection is down says so here: ``'retrying'`` (waiting
for its backoff delay), ``'waiting'`` (for Binance's connection-attempt
budget, or behind a probe of its host, see :mod:`binance._streams.budget`),
with the time it is expected to try again, and since when it has been down.
A socket spread over several connections reports the worst of them.
"""
from typing import Any, Iterable, List, NamedTuple, Optional

__all__ = ['SocketState', 'entry_state', 'STATES']

#: every ``state``, from the best to the worst (a socket over several connections
#: reports the worst of its connections')
STATES = ('connected', 'connecting', 'retrying', 'waiting', 'gave_up', 'stopped')


class SocketState(NamedTuple):
    """A snapshot of one socket (``bm.socket_state(conn_key)``).

    :ivar state: ``'connected'`` (open), ``'connecting'`` (an attempt under way),
        ``'retrying'`` (waiting for its backoff delay), ``'waiting'`` (for the
        connection-attempt budget), ``'gave_up'`` (the retries ran out; the
        callback got the error message) or ``'stopped'``.
    :ivar until: for ``'retrying'`` and ``'waiting'``: when (``time.time()``;
        the injected reactor's clock in tests) the next attempt is expected;
        else ``None``.
    :ivar down_since: since when (same clock) the socket has had no open
        connection; ``None`` while connected.
    :ivar retries: failed attempts counted against ``MAX_RETRIES`` since its
        last healthy connection (the most of its connections).
    """

    state: str
    until: Optional[float] = None
    down_since: Optional[float] = None
    retries: int = 0


def _factories(entry: Any, pool: Any) -> List[Any]:
    """The reconnecting factories carrying ``entry`` (none before it began)."""
    connections = list(getattr(entry, 'connections', ()) or ())
    if not connections and pool is not None and getattr(entry, 'poolable', False):
        carrier = pool.carrier
        connections = [carrier[s] for s in getattr(entry, 'streams', ()) if s in carrier]
    if connections:
        return [c.factory for c in connections if c.factory is not None]
    factory = getattr(entry, 'factory', None)
    return [] if factory is None else [factory]


def entry_state(entry: Any, pool: Any = None) -> SocketState:
    """The :class:`SocketState` of a manager's entry (a socket)."""
    if getattr(entry, 'stopped', False):
        return SocketState('stopped')
    states = [_factory_state(f) for f in _factories(entry, pool)]
    if not states:
        return SocketState('connecting')
    return _worst(states)


def _factory_state(factory: Any) -> SocketState:
    state, until = factory.link_state()
    return SocketState(state, until, factory.down_since, factory.retries)


def _worst(states: Iterable[SocketState]) -> SocketState:
    states = list(states)
    worst = max(states, key=lambda s: STATES.index(s.state))
    untils = [s.until for s in states if s.state == worst.state and s.until is not None]
    downs = [s.down_since for s in states if s.down_since is not None]
    return SocketState(worst.state, max(untils) if untils else None,
                       min(downs) if downs else None, max(s.retries for s in states))


def gave_up_state(at: float) -> SocketState:
    """The state of a socket that gave up at ``at`` (its key was released)."""
    return SocketState('gave_up', None, at, 0)
