"""The handled mode of :class:`binance._streams.connection.Connection`, link by link.

User data streams and the WebSocket API session do not make factories of
their own: each holds a ``Connection`` whose messages go to the hooks it
plugs in, and a switch-over opens, promotes or drops a replacement link on
that same connection. Driven on a FakeReactor, with the server side of each
link played by hand.
"""
from binance._streams.connection import Connection
from binance._streams.context import SocketContext
from binance._streams.protocol import LinkHooks
from binance.testing.reactor import FakeReactor
from binance.websockets import BinanceSocketManager
from tests.test_websockets_unit import Conn


class Handler:
    """A handler as a user stream is one: a gate with ``stopped`` and the link events."""

    def __init__(self):
        self.stopped = False
        self.got = []
        self.opened = []
        self.gave_up = 0
        self.events = []

    def hooks(self, tag='current'):
        return LinkHooks(lambda msg: self.got.append((tag, msg)), self.give_up, gate=self,
                         on_open=self.opened.append)

    def give_up(self):
        self.gave_up += 1

    def connected(self, factory):
        self.events.append(('connected', factory))

    def disconnected(self, factory):
        self.events.append(('disconnected', factory))


def context(reactor):
    return SocketContext(BinanceSocketManager, client=None, user_timeout=1800, reactor=reactor)


def handled(reactor, handler, url='ws://127.0.0.1:9000/ws/key1'):
    return Connection.handled(context(reactor), url, handler.hooks(), name='user stream')


def test_a_handled_connection_hands_every_message_to_its_handler():
    """Connection.handled connects at once; messages and open/close go to the handler's hooks."""
    reactor, handler = FakeReactor(), Handler()
    connection = handled(reactor, handler)
    assert len(reactor.attempts) == 1
    conn = Conn(reactor.attempts[0]).handshake()
    assert connection.carries(conn.factory) and connection.open_protocol is conn.proto
    assert handler.opened == [conn.proto] and handler.events == [('connected', conn.factory)]
    conn.send_json({'e': 'executionReport', 'i': 1})
    assert handler.got == [('current', {'e': 'executionReport', 'i': 1})]
    conn.lose()
    assert handler.events[-1] == ('disconnected', conn.factory)
    assert connection.open_protocol is None


def test_a_promoted_replacement_carries_on_and_the_old_link_closes():
    """open_replacement adds a second link; promote_replacement makes it the current one."""
    reactor, handler = FakeReactor(), Handler()
    connection = handled(reactor, handler)
    old = Conn(reactor.attempts[0]).handshake()
    link = connection.open_replacement('ws://127.0.0.1:9000/ws/key2', handler.hooks('new'),
                                       name='user replacement')
    new = Conn(reactor.attempts[1])
    assert new.path == '/ws/key2'
    new.handshake()
    assert connection.replaces(new.factory) and not connection.carries(new.factory)
    new.send_json({'e': 'balanceUpdate', 'E': 1})
    assert handler.got == [('new', {'e': 'balanceUpdate', 'E': 1})]   # its own hooks first
    promoted = []
    connection.promote_replacement(promoted.append)
    assert connection.link is link and connection.replacement is None
    assert connection.carries(new.factory) and not connection.carries(old.factory)
    assert new.factory.name == 'user stream'
    assert 8 in [opcode for opcode, _ in old.sent()]        # the old link is closed
    new.send_json({'e': 'balanceUpdate', 'E': 2})
    assert promoted == [{'e': 'balanceUpdate', 'E': 2}]


def test_a_dropped_replacement_closes_and_the_current_link_goes_on():
    """drop_replacement closes the replacement only; the current link keeps delivering."""
    reactor, handler = FakeReactor(), Handler()
    connection = handled(reactor, handler)
    old = Conn(reactor.attempts[0]).handshake()
    connection.open_replacement('ws://127.0.0.1:9000/ws/key1', handler.hooks('new'),
                                name='user replacement')
    new = Conn(reactor.attempts[1]).handshake()
    connection.drop_replacement()
    assert connection.replacement is None and not connection.replaces(new.factory)
    assert 8 in [opcode for opcode, _ in new.sent()]
    old.send_json({'e': 'outboundAccountPosition', 'u': 1})
    assert handler.got == [('current', {'e': 'outboundAccountPosition', 'u': 1})]
    reactor.advance(60)
    assert len(reactor.attempts) == 2          # the dropped link does not reconnect


def test_closing_a_handled_connection_closes_both_links():
    """close() stops the current link and a replacement under way; neither reconnects."""
    reactor, handler = FakeReactor(), Handler()
    connection = handled(reactor, handler)
    old = Conn(reactor.attempts[0]).handshake()
    connection.open_replacement('ws://127.0.0.1:9000/ws/key1', handler.hooks('new'),
                                name='user replacement')
    new = Conn(reactor.attempts[1]).handshake()
    connection.close()
    assert 8 in [opcode for opcode, _ in old.sent()]
    assert 8 in [opcode for opcode, _ in new.sent()]
    old.lose()
    new.lose()
    reactor.advance(60)
    assert len(reactor.attempts) == 2 and handler.gave_up == 0
