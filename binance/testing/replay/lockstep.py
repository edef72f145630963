"""Lockstep between the replay and our own client, invisible to the script.

Our stream client, connecting to a loopback address, offers lockstep in its
opening handshake (request header :data:`HEADER`, see
:mod:`binance._streams.lockstep`). A replaying local exchange agrees in one
of two ways:

* **Hand-off** (the client runs in this process, as under ``python -m
  binance.testing run``): the answer is ``handoff``, and every message the
  exchange sends on that connection goes to an outbox instead of the socket.
  :meth:`LockstepGate.flush` hands the outbox, in order, to the client
  protocol's ``onMessage`` (the handler a socket frame reaches), outside any
  market lock, so a callback may call REST. Between two events the tape
  flushes until nothing is left: the callbacks returned, every message the
  script sent on such a connection (a WebSocket API order, a ``SUBSCRIBE``)
  was read and answered, and the events of REST calls made in a callback
  (queued by the REST thread for the reactor, :attr:`LockstepGate.drains`)
  were delivered. No socket round trip per event.
* **Acknowledgements** (a client in another process): the answer is ``ack``;
  the exchange counts every message it sends on that connection and the
  client sends one :data:`ACK` (a one-byte binary frame) once its callbacks
  for a message returned.

At ``speed=0`` the tape releases the next event only when the gate is not
:meth:`~LockstepGate.busy`, so neither socket buffers nor the outbox let the
tape run ahead of the script; at any speed the end of the data waits for
the last message to be handled. Connections without the header (other
clients) are never waited for. In lockstep the tape also waits while a socket
the script started in this process is still connecting, so a script's
sockets all see the first event.
"""
import collections
import logging
from typing import Any, Callable, Deque, List, Optional, Tuple

from binance._streams import lockstep as client_half
from binance._streams.lockstep import ACK, HANDOFF, HEADER, sockets_connecting

__all__ = ['HEADER', 'ACK', 'LockstepGate']

log = logging.getLogger(__name__)


class LockstepGate:
    """What lockstep connections still owe or are owed (reactor thread)."""

    def __init__(self) -> None:
        self._outstanding = 0          # messages sent on ack connections, not acknowledged
        self._requests = 0             # messages hand-off clients sent, not yet read
        self._outbox: Deque[Tuple[Any, bytes, bool]] = collections.deque()
        self._flushing = False
        self._flush_call: Any = None
        #: while true the tape waits as for a socket still connecting (``run``
        #: holds it while the script sets itself up)
        self.held = False
        #: true while the tape releases events (it flushes the outbox itself)
        self.stepping = False
        #: the local exchange's stream URL: only managers pointed there are waited for
        self.stream_url = ''
        #: called when nothing is owed any more
        self.on_clear: Optional[Callable[[], Any]] = None
        #: run the work REST threads queued for the reactor (the exchange's dispatch
        #: queues): a REST order placed in a callback publishes its events there
        self.drains: List[Callable[[], Any]] = []
        #: hand-off connections agreed so far, acknowledging ones (for tests and reports)
        self.handoffs = 0
        self.ack_connections = 0

    # -- the tape's questions ------------------------------------------------------

    def busy(self) -> bool:
        """True while a message is unacknowledged, unread or not handed over yet."""
        return self._outstanding > 0 or self._requests > 0 or bool(self._outbox)

    def connecting(self) -> bool:
        """True while held, or while a socket the script (in this process) started is
        still connecting."""
        return self.held or (bool(self.stream_url) and sockets_connecting(self.stream_url))

    # -- the handshake ---------------------------------------------------------------

    def agree(self, conn: Any, offer: Optional[str]) -> Optional[str]:
        """The server connection ``conn``'s handshake offered ``offer`` (the header's
        value): make it a lockstep connection, and return the answer (``None``: no
        lockstep asked)."""
        asked, token = client_half.parse_offer(offer)
        if not asked:
            return None
        conn.lockstep = self
        client = client_half.claim(token, conn.transport)
        if client is None:
            self.ack_connections += 1
            return 'ack'
        conn.handoff = client
        reactor = conn.stream_server.reactor
        client_half.bind(client, lambda: self._request_sent(conn),
                         lambda: self._schedule_flush(reactor))
        self.handoffs += 1
        return HANDOFF

    # -- acknowledging connections ------------------------------------------------

    def sent(self, conn: Any) -> None:
        conn.lockstep_unacked += 1
        self._outstanding += 1

    def acked(self, conn: Any) -> None:
        if conn.lockstep_unacked > 0:
            conn.lockstep_unacked -= 1
            self._outstanding -= 1
            if not self._outstanding:
                self._check_clear()

    # -- hand-off connections -----------------------------------------------------

    def post(self, conn: Any, payload: bytes, binary: bool) -> None:
        """``conn`` sends ``payload``: into the outbox, handed over at the next flush."""
        self._outbox.append((conn, payload, binary))
        if not self.stepping and not self._flushing and self._flush_call is None:
            self._schedule_flush(conn.stream_server.reactor)

    def stepped(self, reactor: Any) -> None:
        """The tape's steps are over for this reactor turn: what they left in the
        outbox is flushed at the next."""
        self.stepping = False
        if self._outbox and not self._flushing:
            self._schedule_flush(reactor)

    def _schedule_flush(self, reactor: Any) -> None:
        """Flush at the reactor's next turn (messages sent outside the tape's steps:
        answers to requests, events of REST calls, a client just opened)."""
        if self._flush_call is None:
            self._flush_call = reactor.callLater(0, self._scheduled_flush)

    def _scheduled_flush(self) -> None:
        self._flush_call = None
        self.flush()
        self._check_clear()

    def _request_sent(self, conn: Any) -> None:
        if conn.lockstep is self and not conn.lockstep_gone:
            conn.lockstep_requests += 1
            self._requests += 1

    def request_read(self, conn: Any) -> None:
        """The server read (and answered) one message of hand-off connection ``conn``."""
        if conn.lockstep_requests > 0:
            conn.lockstep_requests -= 1
            self._requests -= 1
            if not self._requests and not self._flushing:
                self._check_clear()

    def flush(self) -> None:
        """Hand every message in the outbox to its client, in order, and what those
        callbacks cause (their replies, the events of their REST calls), until
        nothing is left but messages for clients not yet open (reactor thread; a
        call from inside a flush returns at once)."""
        if self._flushing:
            return
        self._flushing = True
        outbox = self._outbox
        waiting: Deque[Tuple[Any, bytes, bool]] = collections.deque()
        try:
            while True:
                while outbox:
                    item = outbox.popleft()
                    conn = item[0]
                    client = conn.handoff
                    if client is None:
                        continue                  # the connection went away
                    if client.state != client.STATE_OPEN:
                        if client.state == client.STATE_CLOSED:
                            continue
                        if client.state != client.STATE_CLOSING:
                            waiting.append(item)  # its handshake answer not read yet
                            continue
                    try:
                        client.onMessage(item[1], item[2])
                    except Exception:
                        log.exception('a hand-off delivery failed')
                for drain in self.drains:
                    drain()
                if not outbox:
                    break
        finally:
            if waiting:
                waiting.extend(outbox)
                outbox.clear()
                outbox.extend(waiting)
            self._flushing = False

    # -- the end of a connection ----------------------------------------------------

    def closed(self, conn: Any) -> None:
        """A lockstep connection went away: forget what it owed and what it was owed."""
        conn.lockstep_gone = True
        owed, conn.lockstep_unacked = conn.lockstep_unacked, 0
        self._outstanding -= owed
        unread, conn.lockstep_requests = conn.lockstep_requests, 0
        self._requests -= unread
        if conn.handoff is not None:
            conn.handoff = None       # its messages still in the outbox are skipped
            if self._outbox:
                kept = [item for item in self._outbox if item[0] is not conn]
                self._outbox.clear()
                self._outbox.extend(kept)
        if not self._flushing:
            self._check_clear()

    def _check_clear(self) -> None:
        if self.on_clear is not None and not self.busy():
            self.on_clear()
