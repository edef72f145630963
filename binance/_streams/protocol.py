"""WebSocket client protocol and reconnecting factory behind
:class:`binance.websockets.BinanceSocketManager`.

Everything here runs on the reactor thread. One :class:`StreamFactory` serves
one stream key; it keeps reconnecting with exponential backoff until it is
told to stop (:meth:`StreamFactory.stop`) or runs out of retries, and every
timer it uses (backoff, idle detection, autobahn's handshake timeouts) runs on
the reactor it was given, so tests drive it with
:class:`twisted.internet.task.Clock`.
"""
import logging
from types import MappingProxyType
from typing import Any, Callable, List, Mapping, Optional, Tuple

from autobahn.twisted.websocket import (WebSocketClientFactory, WebSocketClientProtocol,
                                        connectWS)
from twisted.internet import error as twisted_error

from binance._streams.callbacks import call_callback, stop_for_exit
from binance._streams.diagnostics import RedactedLog, describe, handshake_failure, is_tls_error
from binance._streams import lockstep
from binance._streams.frames import FastFramesMixin
from binance._streams.limits import ControlLimiter
from binance._streams.link import LinkHooks, LinkOptions
from binance._json import first_loads as _first_loads
from binance._json import loads as _loads
from binance._json import stdlib_loads as _stdlib_loads
from binance._streams.tls import client_tls_options, use_reactor_timer

__all__ = ['StreamFactory', 'LinkHooks', 'LinkOptions', 'StreamProtocol', 'SharedStreamProtocol',
           'client_tls_options',
           'loads',
           'MAX_RETRIES_MESSAGE', 'call_callback', 'stop_for_exit']

log = logging.getLogger('binance.websockets')

loads = _loads  # orjson when installed, else json (see binance._json)

#: The ``m`` of the message a callback receives when its socket gave up.
MAX_RETRIES_MESSAGE = 'Max reconnect retries reached'

#: Number of idle checks per idle period; the connection is dropped after this
#: many consecutive checks saw no traffic (so after IDLE_TIMEOUT .. 4/3 of it).
_IDLE_WINDOWS = 3

#: Frames shorter than this are checked for Binance's ``serverShutdown`` notice
#: (41 bytes raw, 78 in a combined stream's envelope); a market message of this
#: size is rare, so the check costs next to nothing per message.
_NOTICE_MAX = 96

_OPEN = WebSocketClientProtocol.STATE_OPEN

#: What :meth:`StreamProtocol._decode_edge` returns for a frame that is not JSON.
_NOT_JSON = object()

#: The routes of a protocol that is not (or no longer) open.
_NO_ROUTES: Mapping[str, Any] = MappingProxyType({})


def _noop(_msg: Any) -> None:
    """Swallow messages that arrive after a socket was stopped."""


class _Closed:
    """The gate of a protocol that has not been handed to a socket (drops everything)."""

    stopped = True


_CLOSED = _Closed()


class _NeverStops:
    """Stands in for a reactor without Twisted's ``_stopped`` flag (``task.Clock``)."""

    _stopped = False


_NEVER_STOPS = _NeverStops()


class StreamProtocol(FastFramesMixin, WebSocketClientProtocol):  # type: ignore[misc]
    """One WebSocket connection of a stream.

    Decodes each text frame as JSON and hands it to the factory's ``deliver``
    function, unless the factory's ``gate`` (the manager's entry for the
    socket) says ``stopped``: that flag is set synchronously by
    ``stop_socket``/``close`` in the caller's thread, so no message is
    delivered once they returned, even the rest of a burst already read.
    A callback that raises ``SystemExit`` or ``KeyboardInterrupt`` stops the
    reactor (see :func:`stop_for_exit`).
    Pings are answered by autobahn with a pong echoing the payload.
    Every received message, ping or pong marks the connection alive; a
    connection silent for the factory's ``idle_timeout`` is dropped (which
    makes the factory reconnect).
    """

    #: autobahn's logger with listen keys taken out (its debug lines print the URL)
    log = RedactedLog(WebSocketClientProtocol.log)
    _deliver: Callable[[Any], Any] = _noop
    _routes: Mapping[str, Any] = _NO_ROUTES
    _gate: Any = _CLOSED
    _running_reactor: Any = _NEVER_STOPS
    _alive = False
    _quiet = 0
    _idle_call: Any = None
    opened_ok = False
    #: a ping or a pong arrived (data messages are counted in ``trafficStats``)
    control_seen = False
    #: pings answered by a later pong (coalesced) instead of one pong each
    pongs_coalesced = 0
    _pong_call: Any = None
    _pong_payload = b''

    # -- autobahn callbacks ---------------------------------------------

    def connectionMade(self) -> None:
        lockstep.connection_made(self)   # a local replay of this process may claim it
        super().connectionMade()

    def onConnect(self, response: Any) -> None:
        lockstep.on_connect(self, response)   # a local replay at speed 0 (never Binance)

    def onOpen(self) -> None:
        factory = self.factory
        self.opened_ok = True
        if not factory.opened(self):
            return
        self._deliver = factory.deliver
        self._gate = factory.gate
        if hasattr(factory.reactor, '_stopped'):
            self._running_reactor = factory.reactor
        if factory.idle_timeout:
            self._idle_call = factory.reactor.callLater(
                factory.idle_timeout / _IDLE_WINDOWS, self._check_idle)

    def onMessage(self, payload: bytes, isBinary: bool) -> None:
        if not isBinary:
            self.text_messages([payload])
            return
        self._alive = True
        if not (self._gate.stopped or self._running_reactor._stopped):
            log.warning('%s: skipped a binary frame of %d bytes', self.factory.name, len(payload))

    def text_messages(self, payloads: List[bytes]) -> int:
        """The text messages of one read, in order, each as ``onMessage(payload, False)``
        (the fast path hands them over together: one call per read, not per message).

        Each is decoded and given to ``deliver``; none once the gate says
        ``stopped`` or the reactor is stopping (``reactor.stop()`` was called,
        perhaps by the previous message's callback); Binance's
        ``serverShutdown`` notice goes to the factory instead.

        :returns: how many were consumed (see
            :meth:`~binance._streams.frames.FastFramesMixin.text_messages`).
        """
        self._alive = True
        gate = self._gate
        running = self._running_reactor
        loads = _first_loads
        done = 0
        try:
            for payload in payloads:
                done += 1
                if gate.stopped or running._stopped:
                    return len(payloads)
                try:
                    msg = loads(payload)
                except ValueError:
                    msg = self._decode_edge(payload)
                    if msg is _NOT_JSON:
                        continue
                if len(payload) < _NOTICE_MAX and _is_shutdown(msg):
                    self.factory.server_shutdown(self, msg)   # never reaches a market callback
                    continue
                try:
                    self._deliver(msg)
                except Exception:
                    log.exception('%s: the callback raised; the stream goes on', self.factory.name)
                except (SystemExit, KeyboardInterrupt) as exc:
                    self._deliver = _noop
                    stop_for_exit(self.factory.reactor, self.factory.name, exc)
                if self.state != _OPEN:
                    break
        except BaseException:
            self.run_consumed = done
            raise
        return done

    def _decode_edge(self, payload: bytes) -> Any:
        """A frame the fast decoder refused: the standard library's answer (``NaN``,
        big numbers), or :data:`_NOT_JSON` after logging that it was skipped (not
        JSON, not UTF-8, encoded surrogates, nested beyond the decoder's depth)."""
        try:
            return _stdlib_loads(payload)
        except ValueError as exc:
            log.warning('%s: skipped a frame that is not JSON (or not UTF-8): %s: %r',
                        self.factory.name, str(exc)[:100], payload[:200])
            return _NOT_JSON

    def message_skipped(self, size: int, binary: bool) -> None:
        log.warning('%s: skipped a %s message of %d bytes, above the maximum message size '
                    '(%d bytes, BinanceSocketManager.MAX_MESSAGE_SIZE)', self.factory.name,
                    'binary' if binary else 'text', size, self.max_message_size)

    def onPing(self, payload: bytes) -> None:
        self._alive = True
        self.control_seen = True
        # Binance counts our pongs among the 5 control messages a second: answer at
        # once while there is room, else once for the latest ping when room comes
        # (RFC 6455 5.5.3 lets a pong answer only the most recent ping)
        factory = self.factory
        if self._pong_call is None and factory.control.pong_room():
            factory.note_control()
            WebSocketClientProtocol.onPing(self, payload)
            return
        self._pong_payload = payload
        if self._pong_call is None:
            self.pongs_coalesced += 1
            self._pong_call = factory.reactor.callLater(factory.control.pong_wait(),
                                                        self._late_pong)
        else:
            self.pongs_coalesced += 1

    def _late_pong(self) -> None:
        self._pong_call = None
        payload, self._pong_payload = self._pong_payload, b''
        if self.state == self.STATE_OPEN:
            self.factory.note_control()
            self.sendPong(payload)

    def set_deliver(self, deliver: Callable[[Any], Any]) -> None:
        """Hand the following messages to ``deliver`` (while open)."""
        if self._deliver is not _noop:
            self._deliver = deliver

    def onPong(self, payload: bytes) -> None:
        self._alive = True
        self.control_seen = True

    def connectionLost(self, reason: Any = None) -> None:
        # The connector reports a TLS refusal as a plain abort; keep the real reason.
        self.lost_reason = reason
        WebSocketClientProtocol.connectionLost(self, reason)

    def onClose(self, wasClean: bool, code: Optional[int], reason: Optional[str]) -> None:
        self._cancel_idle()
        pong, self._pong_call = self._pong_call, None
        if pong is not None and pong.active():
            pong.cancel()
        self._deliver = _noop
        self._routes = _NO_ROUTES
        # autobahn leaves these armed after the TCP connection is gone
        for name in ('closeHandshakeTimeoutCall', 'serverConnectionDropTimeoutCall'):
            call = getattr(self, name, None)
            if call is not None:
                setattr(self, name, None)
                try:
                    call.cancel()
                except Exception:  # already fired or cancelled
                    pass
        self.close_info = (code, reason)

    # -- idle detection ---------------------------------------------------

    def _check_idle(self) -> None:
        factory = self.factory
        self._idle_call = None
        if self._alive:
            self._alive = False
            self._quiet = 0
        else:
            self._quiet += 1
            if self._quiet >= _IDLE_WINDOWS:
                log.warning('%s: nothing received for %s s; dropping the connection to reconnect',
                            factory.name, factory.idle_timeout)
                self.wasClean = False
                self.wasNotCleanReason = 'idle timeout'
                self.dropConnection(abort=True)
                return
            if self.state == self.STATE_OPEN:
                factory.note_control()
                self.sendPing()  # provoke a pong from a healthy server
        self._idle_call = factory.reactor.callLater(factory.idle_timeout / _IDLE_WINDOWS,
                                                  self._check_idle)

    def _cancel_idle(self) -> None:
        call, self._idle_call = self._idle_call, None
        if call is not None and call.active():
            call.cancel()

    def stop(self) -> None:
        """Stop delivering and close the connection (reactor thread)."""
        self._deliver = _noop
        self._routes = _NO_ROUTES
        self._cancel_idle()
        if self.state == self.STATE_OPEN:
            self.sendClose(1000)
        elif self.state != self.STATE_CLOSED:
            self.dropConnection(abort=True)


class SharedStreamProtocol(StreamProtocol):
    """A combined-stream connection carrying the streams of many sockets.

    The factory's ``fast_routes`` maps a stream name to the subscription
    for each stream with exactly one subscriber, which wants the bare
    payload, while no switch-over is under way (kept up to date by
    :class:`binance._streams.connection.Connection`). A message of such a stream
    goes straight from here to the subscription's callback. Every other
    message (replies, ``!serverShutdown``, multiplex sockets, streams wanted
    by several sockets, anything during a switch-over) goes to the
    factory's ``deliver``, as in :class:`StreamProtocol`. This saves a call
    and several lookups per message on the busiest path of a packed
    connection (``benchmarks/bench_many.py``).
    """

    def onOpen(self) -> None:
        StreamProtocol.onOpen(self)
        if self._deliver is not _noop:
            self._routes = self.factory.fast_routes

    def onMessage(self, payload: bytes, isBinary: bool) -> None:
        if isBinary:
            StreamProtocol.onMessage(self, payload, isBinary)
            return
        self.text_messages([payload])

    def text_messages(self, payloads: List[bytes]) -> int:
        """:meth:`StreamProtocol.text_messages`, with the envelopes of the fast routes
        given straight to their subscription's callback.

        The checks and the decoding repeat StreamProtocol's on purpose (as does
        :meth:`_general` its end): a helper shared by the two would cost a call
        per message on both hot paths.
        """
        self._alive = True
        gate = self._gate
        running = self._running_reactor
        loads = _first_loads
        done = 0
        try:
            for payload in payloads:
                done += 1
                if gate.stopped or running._stopped:
                    return len(payloads)
                try:
                    msg = loads(payload)
                except ValueError:
                    msg = self._decode_edge(payload)
                    if msg is _NOT_JSON:
                        continue
                try:
                    sub = self._routes[msg['stream']]
                    data = msg['data']
                except (KeyError, TypeError, IndexError):
                    self._general(payload, msg)
                else:
                    if not sub.stopped:
                        try:
                            sub.callback(data)
                        except Exception:
                            log.exception('%s: the callback of %s raised; the stream goes on',
                                          self.factory.name, sub.key)
                        except (SystemExit, KeyboardInterrupt) as exc:
                            self._exit(exc)
                if self.state != _OPEN:
                    break
        except BaseException:
            self.run_consumed = done
            raise
        return done

    def _general(self, payload: bytes, msg: Any) -> None:
        """What :meth:`StreamProtocol.onMessage` does with a decoded message."""
        if len(payload) < _NOTICE_MAX and _is_shutdown(msg):
            self.factory.server_shutdown(self, msg)
            return
        try:
            self._deliver(msg)
        except Exception:
            log.exception('%s: the callback raised; the stream goes on', self.factory.name)
        except (SystemExit, KeyboardInterrupt) as exc:
            self._exit(exc)

    def _exit(self, exc: BaseException) -> None:
        self._deliver = _noop
        self._routes = _NO_ROUTES
        stop_for_exit(self.factory.reactor, self.factory.name, exc)


class StreamFactory(WebSocketClientFactory):
    """Connects one WebSocket URL and keeps it connected: a reconnect loop.

    Its retry policy is one :class:`~binance._streams.backoff.Backoff`
    (``options.backoff``): each failed attempt, and each loss of a
    connection that had not proved healthy, counts one failure (the delay
    grows, one retry of ``max_retries`` is spent); when the retries are
    used up, ``on_give_up()`` is called once.

    A connection proves itself **healthy** only by staying open
    ``options.healthy_after`` seconds (10 by default) and receiving at least
    one frame: its loss then forgets every failure (a fresh set of retries,
    the next delay is the initial one). A handshake alone proves nothing, nor
    does a first message: a server that accepts and closes at once, a stream
    whose first frame is poison (a protocol violation the client must close
    on) or a connection that dies after one message backs off to the
    maximum delay and gives up like a refused one, never in a tight loop.

    :param url: ``ws://`` or ``wss://`` URL of the stream.
    :param hooks: what its owner plugs in (:class:`LinkHooks`).
    :param options: how it connects (:class:`LinkOptions`).
    :param name: label for log lines (never contains secrets).

    The clock of every timer and the connector is ``self.reactor``
    (autobahn's own attribute), and connections are made with autobahn's
    :func:`~autobahn.twisted.websocket.connectWS`.
    """

    protocol = StreamProtocol
    noisy = False

    def __init__(self, url: str, hooks: LinkHooks, options: LinkOptions, *, name: str) -> None:
        reactor = options.reactor
        WebSocketClientFactory.__init__(self, url, reactor=reactor,
                                        useragent='python-binance-twisted',
                                        headers=lockstep.request_headers(url))
        self.setProtocolOptions(
            autoPingInterval=0,            # our idle check pings when the line is quiet
            openHandshakeTimeout=options.connect_timeout,
            closeHandshakeTimeout=1,
            perMessageCompressionOffers=[],
            # invalid UTF-8 is a bad frame like any other: logged and skipped by
            # onMessage (the JSON decoder refuses it), not a failed connection
            utf8validateIncoming=False,
            # the backstop for fragmented messages (the fast path skips whole frames)
            maxFramePayloadSize=options.max_message_size,
            maxMessagePayloadSize=options.max_message_size,
        )
        # Every autobahn timer on the injected reactor (tests use a Clock).
        use_reactor_timer(self, reactor)
        self.reactor = reactor
        self.name = name
        self.deliver = hooks.deliver
        self.on_give_up = hooks.on_give_up
        self.on_open = hooks.on_open
        self.gate = self if hooks.gate is None else hooks.gate
        self.before_reconnect = hooks.before_reconnect
        self.on_shutdown = hooks.on_shutdown
        self.on_control = hooks.on_control
        self.on_aged = hooks.on_aged
        self.fast_routes = hooks.fast_routes
        self.max_message_size = options.max_message_size
        self._own_control = hooks.control is None
        #: the control messages (pings, pongs, requests) of this link, at most 5 a second
        self.control = (ControlLimiter(reactor, options.control_limit, reserve=0)
                        if hooks.control is None else hooks.control)
        if hooks.fast_routes is not None:
            self.protocol = SharedStreamProtocol
        #: the reconnect policy: delay after consecutive failures, and the retry budget
        self.backoff = options.backoff
        self.budget = options.budget
        self.healthy_after = options.healthy_after
        self.max_age = options.max_age
        self.idle_timeout = options.idle_timeout
        self.tls_options = options.tls_options
        self.connect_timeout = options.connect_timeout
        self.open_link = connectWS if options.open_link is None else options.open_link
        #: called when a connection is lost and no reconnect follows (``stopTrying``)
        self.on_lost: Optional[Callable[[], Any]] = None
        #: 0 after :meth:`stopTrying`: a lost connection is not reconnected
        self.continueTrying = 1
        self.connector: Any = None
        self._callID: Any = None
        self._age_call: Any = None
        self.current: Optional[StreamProtocol] = None
        self.stopped = False
        self.gave_up = False
        self.attempts = 0
        self._open_proto: Optional[StreamProtocol] = None
        self._opened_at = 0.0
        self._was_open = False
        #: reactor time since which the stream has had no open connection (``None``: open)
        self.down_since: Optional[float] = reactor.seconds()

    @property
    def open_protocol(self) -> Optional[StreamProtocol]:
        """The protocol of the open connection (handshake done), ``None`` when closed."""
        return self._open_proto

    @property
    def backoff_step(self) -> int:
        """Consecutive attempts since the last healthy connection (sets the delay)."""
        return self.backoff.attempts

    @property
    def retries(self) -> int:
        """Attempts counted against the retry budget since the last completed handshake."""
        return self.backoff.retries

    # -- connecting ---------------------------------------------------------

    def connect(self) -> None:
        """Open the first connection (reactor thread)."""
        if self.stopped:
            return
        if self.isSecure and self.tls_options is None:
            raise ValueError('wss:// needs TLS options')  # never silently unverified
        if self.budget is None:
            self._first_attempt()
        else:
            self.budget.admit(self._first_attempt, self)

    def _first_attempt(self) -> None:
        if self.stopped:
            return
        self.attempts += 1
        self.connector = self.open_link(self, self.tls_options, timeout=self.connect_timeout)

    # -- what the protocol reports ------------------------------------------------

    def server_shutdown(self, proto: Any, msg: Any) -> None:
        """Binance announced that it will close this connection soon."""
        if self.on_shutdown is not None:
            try:
                self.on_shutdown(self, msg)
                return
            except Exception:
                log.exception('%s: handling the server shutdown notice failed', self.name)
        log.info('%s: Binance announced a server shutdown; reconnecting when it closes',
                 self.name)

    def note_control(self) -> None:
        if self._own_control:
            self.control.note()
        if self.on_control is not None:
            self.on_control()

    def set_deliver(self, deliver: Callable[[Any], Any]) -> None:
        """Deliver the following messages (also of the open connection) to ``deliver``."""
        self.deliver = deliver
        proto = self._open_proto
        if proto is not None:
            proto.set_deliver(deliver)

    def set_url(self, url: str) -> None:
        """Use another path on the same host for the next connections.

        :raises ValueError: when ``url`` names another scheme, host or port.
        """
        from autobahn.websocket.util import parse_url
        is_secure, host, port, resource, path, params = parse_url(url)
        if (is_secure, host, port) != (self.isSecure, self.host, self.port):
            raise ValueError('set_url may change only the path of the stream URL')
        self.url, self.resource, self.path, self.params = url, resource, path, params

    def buildProtocol(self, addr: Any) -> StreamProtocol:
        proto: StreamProtocol = self.protocol()     # as twisted's Factory.buildProtocol
        proto.factory = self
        proto.max_message_size = self.max_message_size
        self.current = proto
        return proto

    def opened(self, proto: StreamProtocol) -> bool:
        """The handshake of ``proto`` completed; ``False`` if it must close."""
        if self.stopped:
            proto.stop()
            return False
        # the retries and the delay wait for proof of health (clientConnectionLost)
        self._open_proto = proto
        self._opened_at = self.reactor.seconds()
        self.down_since = None
        if self.budget is not None:
            self.budget.opened(self)
        if self.max_age and self.on_aged is not None:
            self._age_call = self.reactor.callLater(self.max_age, self._aged)
        log.debug('%s: connected', self.name)
        if self.on_open is not None:
            try:
                self.on_open(proto)
            except Exception:
                log.exception('%s: on_open failed', self.name)
        connected = getattr(self.gate, 'connected', None)
        if connected is not None:
            connected(self)
        return True

    def clientConnectionFailed(self, connector: Any, reason: Any) -> None:
        self.current = None
        if self.stopped:
            return
        self._log_failure(reason)
        self.connector = connector
        if self.budget is not None:
            self.budget.failed(self)
        self.retry(connector)

    def _aged(self) -> None:
        self._age_call = None
        if not self.stopped and self.on_aged is not None:
            self.on_aged(self)

    def _cancel_age(self) -> None:
        call, self._age_call = self._age_call, None
        if call is not None and call.active():
            call.cancel()

    def clientConnectionLost(self, connector: Any, reason: Any) -> None:
        self._cancel_age()
        proto, self.current = self.current, None
        had_opened = proto is not None and proto is self._open_proto
        self._open_proto = None
        if had_opened:
            disconnected = getattr(self.gate, 'disconnected', None)
            if disconnected is not None:
                disconnected(self)
        if not self.continueTrying and not self.stopped and self.on_lost is not None:
            on_lost, self.on_lost = self.on_lost, None
            on_lost()
            return
        if self.stopped:
            return
        reason = getattr(proto, 'lost_reason', None) or reason
        self.connector = connector
        if had_opened:
            self._was_open = True
            self.down_since = self.reactor.seconds()
            if self.budget is not None:
                self.budget.lost(self)
            if self._proved_healthy(proto):
                self.backoff.reset()   # a fresh series: quick retries, all of them
            code, why = getattr(proto, 'close_info', (None, None))
            log.info('%s: connection closed (code %s: %s); reconnecting', self.name, code, why)
        else:
            self._log_failure(reason, proto)
            if self.budget is not None:
                self.budget.failed(self)
        self.retry(connector)

    def _proved_healthy(self, proto: Any) -> bool:
        """Whether the connection just lost stayed open ``healthy_after`` seconds and
        received at least one frame (a message, a ping or a pong)."""
        if self.reactor.seconds() - self._opened_at < self.healthy_after:
            return False
        if getattr(proto, 'control_seen', False):
            return True
        stats = getattr(proto, 'trafficStats', None)
        return stats is None or stats.incomingWebSocketMessages > 0

    def link_state(self) -> Tuple[str, Optional[float]]:
        """``(state, until)``: ``'connected'``, ``'connecting'`` (an attempt under
        way), ``'retrying'`` (waiting for the backoff delay, until the reactor time
        ``until``), ``'waiting'`` (for the connection-attempt budget or its host's
        probe, expected at ``until``), ``'gave_up'`` or ``'stopped'``."""
        if self.gave_up:
            return 'gave_up', None
        if self.stopped:
            return 'stopped', None
        if self._open_proto is not None:
            return 'connected', None
        call = self._callID
        if call is not None and call.active():
            return 'retrying', call.getTime()
        if self.budget is not None:
            eta = self.budget.eta(self)
            if eta is not None:
                return 'waiting', eta
        return 'connecting', None

    def _log_failure(self, reason: Any, proto: Any = None) -> None:
        exc = getattr(reason, 'value', reason)
        if is_tls_error(exc):
            log.error('%s: TLS verification of %s failed, connection refused: %s',
                      self.name, self.host, describe(exc))
            return
        why = handshake_failure(proto)
        if why is not None:
            log.warning('%s: connection attempt failed: %s', self.name, why)
        else:
            log.warning('%s: connection attempt failed: %s', self.name, describe(exc))

    def retry(self, connector: Any = None) -> None:
        """Schedule the next attempt, or give up when the retry budget is spent."""
        if self.stopped or not self.continueTrying:
            return
        if connector is None:
            connector = self.connector
        backoff = self.backoff
        backoff.fail()
        if backoff.exhausted:
            self.continueTrying = 0
            self.gave_up = True
            if self.budget is not None:
                self.budget.forget(self)
            log.error('%s: giving up after %s retries', self.name, backoff.max_retries)
            self.on_give_up()
            return
        self._callID = self.reactor.callLater(backoff.delay(), self._reconnect, connector)

    def _reconnect(self, connector: Any) -> None:
        self._callID = None
        if self.stopped:
            return
        if self._was_open and self.before_reconnect is not None:
            from twisted.internet.defer import maybeDeferred
            d = maybeDeferred(self.before_reconnect)
            d.addCallback(self._prepared, connector)
            d.addErrback(self._prepare_failed, connector)
            return
        self._connect_again(connector)

    def _prepared(self, url: Optional[str], connector: Any) -> None:
        if self.stopped:
            return
        if url is not None:
            self.set_url(url)
        self._was_open = False
        self._connect_again(connector)

    def _prepare_failed(self, failure: Any, connector: Any) -> None:
        if self.stopped:
            return
        log.warning('%s: could not prepare the reconnect: %s', self.name,
                    describe(failure.value))
        self.retry(connector)

    def _connect_again(self, connector: Any) -> None:
        if self.budget is None:
            self._attempt_again(connector)
        else:
            self.budget.admit(lambda: self._attempt_again(connector), self)

    def _attempt_again(self, connector: Any) -> None:
        if self.stopped:
            return
        self.attempts += 1
        connector.connect()

    # -- stopping ------------------------------------------------------------

    def stopTrying(self) -> None:
        """Reconnect no more (a connection open now stays open)."""
        call, self._callID = self._callID, None
        if call is not None and call.active():
            call.cancel()
        self.continueTrying = 0
        if self.connector is not None:
            try:
                self.connector.stopConnecting()
            except twisted_error.NotConnectingError:
                pass

    def stop(self) -> None:
        """Stop trying, then disconnect; never reconnects afterwards (reactor thread)."""
        self.stopped = True
        self._cancel_age()
        self.stopTrying()
        if self.budget is not None:
            self.budget.forget(self)
        proto = self.current
        if proto is not None:
            proto.stop()
        elif self.connector is not None:
            try:
                self.connector.disconnect()
            except Exception:  # already disconnected
                pass


def _is_shutdown(msg: Any) -> bool:
    """Binance's ``serverShutdown`` event: raw, in a combined stream's envelope, or the
    WebSocket API's connection event ``{"event": {"e": "serverShutdown", ...}}``."""
    if msg.__class__ is not dict:
        return False
    if msg.get('e') == 'serverShutdown':
        return True
    event = msg.get('event')
    if event.__class__ is dict and 'subscriptionId' not in msg:
        return event.get('e') == 'serverShutdown'
    return msg.get('stream') == '!serverShutdown'
