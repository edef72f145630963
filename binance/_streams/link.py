"""What the owner of a link plugs into its reconnecting factory, and how it connects.

:class:`LinkHooks` (callbacks and routes of the link's owner) and
:class:`LinkOptions` (reactor, backoff, budget, timeouts, limits, made by
:meth:`binance._streams.context.SocketContext.connect` from the manager's
settings) are the two arguments of
:class:`binance._streams.protocol.StreamFactory` besides its URL; they are
re-exported by :mod:`binance._streams.protocol`.
"""
from typing import Any, Callable, Mapping, NamedTuple, Optional

from binance._streams.backoff import Backoff

__all__ = ['LinkHooks', 'LinkOptions']


class LinkHooks(NamedTuple):
    """What the owner of a link plugs into its :class:`StreamFactory`.

    :ivar deliver: called with each decoded message.
    :ivar on_give_up: called once when the retries are exhausted.
    :ivar gate: an object whose ``stopped`` attribute, once true, drops every
        further message (the manager's entry of the socket), told
        ``connected(factory)``/``disconnected(factory)`` when it has them;
        ``None``: the factory itself.
    :ivar on_open: called with the protocol after each successful handshake.
    :ivar before_reconnect: called (no arguments) before reconnecting after a
        connection that had been open; may return a Deferred. Its result,
        when not ``None``, is the URL to connect to (same host and port). A
        failure counts as a failed attempt and is retried with backoff.
    :ivar on_shutdown: called as ``on_shutdown(factory, msg)`` for Binance's
        ``serverShutdown`` event (never delivered); ``None``: log it and let
        the close that follows reconnect as usual.
    :ivar on_control: called for each control frame the client sends (our
        pings, the pongs answering the server's), which Binance counts.
    :ivar on_aged: called as ``on_aged(factory)`` ``max_age`` seconds after
        each handshake (the rotation before Binance's 24 h cut).
    :ivar fast_routes: for a shared combined-stream connection: the routes of
        :class:`SharedStreamProtocol` (its owner updates the dict in place);
        ``None``: a plain :class:`StreamProtocol`.
    :ivar control: the :class:`~binance._streams.limits.ControlLimiter` its owner
        sends requests through (pongs then share its 5 a second); ``None``: the
        factory keeps one for its pings and pongs.
    """

    deliver: Callable[[Any], Any]
    on_give_up: Callable[[], Any]
    gate: Any = None
    on_open: Optional[Callable[[Any], Any]] = None
    before_reconnect: Optional[Callable[[], Any]] = None
    on_shutdown: Optional[Callable[[Any, Any], Any]] = None
    on_control: Optional[Callable[[], Any]] = None
    on_aged: Optional[Callable[[Any], Any]] = None
    fast_routes: Optional[Mapping[str, Any]] = None
    control: Any = None


class LinkOptions(NamedTuple):
    """How a :class:`StreamFactory` connects (made by
    :meth:`binance._streams.context.SocketContext.connect` from the manager's settings).

    :ivar reactor: the reactor for connections and every timer.
    :ivar backoff: the reconnect policy: delays and the retry budget.
    :ivar tls_options: client TLS options for ``wss://`` URLs.
    :ivar connect_timeout: seconds for TCP connect and for the handshake.
    :ivar idle_timeout: seconds without any frame after which the connection
        is dropped (``0``: never).
    :ivar max_age: seconds after each handshake at which ``on_aged`` runs (0: never).
    :ivar budget: the connection-attempt budget
        (:class:`~binance._streams.budget.AttemptBudget`) that runs each
        attempt now or later and hears how it went; ``None``: attempts run now.
    :ivar healthy_after: seconds a connection must stay open, receiving
        frames, to count as healthy (see :class:`StreamFactory`).
    :ivar max_message_size: bytes; a larger message is skipped (an unfragmented
        one) or closes the connection with 1009 (a fragmented one); 0: no limit.
    :ivar control_limit: control messages a second (Binance: 5) when the
        owner brings no limiter of its own (``LinkHooks.control``).
    :ivar open_link: makes the first connection and returns its connector,
        called as autobahn's ``connectWS(factory, tls_options, timeout=...)``
        (the default); a proxy's tunnel (:mod:`binance._streams.proxy`).
    """

    reactor: Any
    backoff: Backoff
    tls_options: Any = None
    connect_timeout: float = 10.0
    idle_timeout: float = 90.0
    max_age: float = 0.0
    budget: Any = None
    healthy_after: float = 10.0
    max_message_size: int = 0
    control_limit: int = 5
    open_link: Optional[Callable[..., Any]] = None
