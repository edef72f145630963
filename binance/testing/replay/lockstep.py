"""Lockstep between the replay and our own client, invisible to the script.

Our stream client, connecting to a loopback address, asks for lockstep in
its opening handshake (request header :data:`HEADER`). A replaying local
exchange answers with the same header and counts every message it sends on
that connection; the client sends one :data:`ACK` (a one-byte binary frame)
once its callbacks for a message returned. At ``speed=0`` the tape releases
the next event only when no lockstep connection has messages outstanding, so
socket buffers cannot let the tape run ahead of the script; at any speed the
end of the data waits for the last acknowledgement.
Connections without the header (other clients) are never waited for. In
lockstep the tape also waits while a socket the script started in this
process is still connecting, so a script's sockets all see the first event.
"""
from typing import Any, Callable, Optional

from binance._streams.lockstep import ACK, HEADER, sockets_connecting

__all__ = ['HEADER', 'ACK', 'LockstepGate']


class LockstepGate:
    """Counts unacknowledged messages of lockstep connections (reactor thread)."""

    def __init__(self) -> None:
        self._outstanding = 0
        #: while true the tape waits as for a socket still connecting (``run``
        #: holds it while the script sets itself up)
        self.held = False
        #: the local exchange's stream URL: only managers pointed there are waited for
        self.stream_url = ''
        #: called when the count drops back to zero
        self.on_clear: Optional[Callable[[], Any]] = None

    def busy(self) -> bool:
        """True while a lockstep connection has messages it did not acknowledge."""
        return self._outstanding > 0

    def connecting(self) -> bool:
        """True while held, or while a socket the script (in this process) started is
        still connecting."""
        return self.held or (bool(self.stream_url) and sockets_connecting(self.stream_url))

    def sent(self, conn: Any) -> None:
        conn.lockstep_unacked += 1
        self._outstanding += 1

    def acked(self, conn: Any) -> None:
        if conn.lockstep_unacked > 0:
            conn.lockstep_unacked -= 1
            self._outstanding -= 1
            if self._outstanding == 0 and self.on_clear is not None:
                self.on_clear()

    def closed(self, conn: Any) -> None:
        """A lockstep connection went away: forget what it owed."""
        owed, conn.lockstep_unacked = conn.lockstep_unacked, 0
        if owed:
            self._outstanding -= owed
            if self._outstanding == 0 and self.on_clear is not None:
                self.on_clear()
