"""Faults that used to fool the reconnect policy or spend the attempt budget (issue 25),
on a fake clock with the in-memory connections of ``test_websockets_unit.py``.

* a connection that dies after one message, or whose first frame breaks the
  protocol (a reserved bit), backs off and gives up like a refused one;
* one bad connection cannot spend the budget the others need;
* 50 sockets in the default mode ride out three server faults and a 4 s
  refusal without waiting for the budget (no stream down > 30 s);
* ``bm.socket_state`` tells what a socket is doing, and a warning that
  reaches stderr names how many wait for the budget and for how long.
"""
import logging

import pytest

from binance._fallback_log import SHOW
from binance._streams.budget import AttemptBudget, budget_for
from binance.websockets import BinanceSocketManager
from tests.test_websockets_unit import (  # noqa: F401  (fixtures used by name)
    ERROR, Conn, Recorder, manager, reactor, refuse)


def test_dies_after_one_message_gives_up_with_max_retries_1(reactor, manager):
    """MAX_RETRIES=1 and a server that closes after one message: 2 connections, then the error."""
    manager.MAX_RETRIES = 1
    rec = Recorder()
    manager.start_trade_socket('BNBBTC', rec)
    reactor.flush()
    for _ in range(10):
        if len(reactor.attempts) > _ + 1 or not manager.conn_keys:
            break
        conn = Conn(reactor.attempts[-1]).handshake()
        conn.send_json({'e': 'trade', 't': _})
        conn.server_close(1000)
        reactor.advance(60)
    assert len(reactor.attempts) == 2
    assert rec == [{'e': 'trade', 't': 0}, {'e': 'trade', 't': 1}, ERROR]
    assert manager.socket_state('bnbbtc@trade').state == 'gave_up'


def test_reserved_bit_frame_backs_off_and_gives_up(reactor, manager):
    """A first frame with a reserved bit fails each connection: delays grow, the socket gives up."""
    rec = Recorder()
    manager.start_trade_socket('BNBBTC', rec)
    reactor.flush()
    times = []
    while manager.conn_keys and reactor.seconds() < 150:
        if len(times) < len(reactor.attempts):
            times.append(reactor.seconds())
            conn = Conn(reactor.attempts[-1]).handshake()
            conn.proto.dataReceived(bytes([0xC1, 2]) + b'{}')   # FIN + RSV1 + text
            assert conn.proto.state != conn.proto.STATE_OPEN      # autobahn failed it
            conn.lose()
        reactor.advance(0.05)
    assert len(times) == manager.MAX_RETRIES + 1 and rec == [ERROR]
    gaps = [b - a for a, b in zip(times, times[1:])]
    assert all(b > a for a, b in zip(gaps, gaps[1:]))


def test_one_bad_connection_cannot_starve_the_others(reactor):
    """A socket flapping every 0.5 s for 5 min uses at most its share; a new socket connects at once."""
    bm = BinanceSocketManager(None, reactor=reactor)
    bm.STREAM_URL = 'ws://127.0.0.1:9000/'
    bm.MAX_RETRIES, bm.MAX_DELAY = 10 ** 6, 0.5
    bm.start_trade_socket('BADBTC', Recorder())
    reactor.flush()
    handled = 0
    while reactor.seconds() < 290:
        while handled < len(reactor.attempts):
            Conn(reactor.attempts[handled]).handshake().server_close(1000)
            handled += 1
        reactor.advance(0.05)
    budget = budget_for(reactor, bm.MAX_CONNECTION_ATTEMPTS, bm.CONNECTION_WINDOW)
    assert handled <= 300 // 2 + 30          # half the window, then its 10 % share
    bm.start_trade_socket('BNBBTC', Recorder())
    reactor.flush()
    good = [a for a in reactor.attempts if 'bnbbtc' in a.factory.url]
    assert len(good) == 1 and bm.socket_state('bnbbtc@trade').state == 'connecting'
    assert bm.socket_state('badbtc@trade').state == 'waiting' and budget.waiting == 1


class FakeServer:
    """Answers the manager's attempts on the fake reactor: handshakes, one trade a
    second per stream, drops and refusals on a schedule."""

    def __init__(self, reactor, bm):
        self.reactor, self.bm = reactor, bm
        self.handled = 0
        self.open = {}
        self.refusing_until = -1.0

    def step(self, dt):
        reactor = self.reactor
        while self.handled < len(reactor.attempts):
            connector = reactor.attempts[self.handled]
            self.handled += 1
            if reactor.seconds() < self.refusing_until:
                refuse(connector)
            else:
                conn = Conn(connector).handshake()
                self.open[connector.factory.url] = conn
        now = reactor.seconds()
        if int(now) != int(now - dt):           # one message a second on each connection
            for conn in list(self.open.values()):
                if conn.proto.state == conn.proto.STATE_OPEN:
                    conn.send_json({'e': 'trade', 'T': now})
        reactor.advance(dt)

    def drop_all(self, code=None):
        conns, self.open = list(self.open.values()), {}
        for conn in conns:
            if code is None:
                conn.lose()
            else:
                conn.server_close(code)


def test_fifty_sockets_ride_out_three_faults_and_a_refusal(reactor):
    """Default mode, 50 sockets, 3 server faults and a 4 s refusal: no wait for the budget, none down > 30 s."""
    bm = BinanceSocketManager(None, reactor=reactor)
    bm.STREAM_URL = 'ws://127.0.0.1:9000/'
    recs = {}
    for i in range(50):
        recs[bm.start_trade_socket('S{}BTC'.format(i), Recorder())] = None
    reactor.flush()
    server = FakeServer(reactor, bm)
    schedule = {20.0: ('drop', None), 40.0: ('drop', 1001), 60.0: ('drop', None),
                80.0: ('refuse', 4.0)}
    worst_outage, back_at = 0.0, None
    budget = budget_for(reactor, bm.MAX_CONNECTION_ATTEMPTS, bm.CONNECTION_WINDOW)
    while reactor.seconds() < 200:
        now = round(reactor.seconds(), 2)
        fault = schedule.get(now)
        if fault is not None:
            kind, arg = fault
            if kind == 'drop':
                server.drop_all(arg)
                back_at = now
            else:
                server.refusing_until = now + arg
                server.drop_all()
                back_at = now + arg
        server.step(0.05)
        assert budget.waiting == 0
        states = [bm.socket_state(key) for key in recs]
        down = [s.down_since for s in states if s.down_since is not None]
        if down and back_at is not None:
            worst_outage = max(worst_outage, reactor.seconds() - max(back_at, min(down)))
    assert all(bm.socket_state(key).state == 'connected' for key in recs)
    assert worst_outage <= 30
    assert budget.used() <= 300 and len(reactor.attempts) < 300


def test_socket_state_follows_the_socket(reactor, manager):
    """connecting, connected, retrying until a time, waiting for the budget, stopped/unknown."""
    key = manager.start_trade_socket('BNBBTC', Recorder())
    assert manager.socket_state('nope@trade') is None
    reactor.flush()
    assert manager.socket_state(key).state == 'connecting'
    conn = Conn(reactor.attempts[-1]).handshake()
    assert manager.socket_state(key) == ('connected', None, None, 0)
    conn.lose()
    state = manager.socket_state(key)
    assert state.state == 'retrying' and state.down_since == reactor.seconds()
    assert 0.09 <= state.until - reactor.seconds() <= 0.11
    manager.stop_socket(key)
    assert manager.socket_state(key) is None


def test_waiting_sockets_say_until_when_and_warn_on_stderr(reactor, caplog):
    """Sockets past the budget are 'waiting' with their expected time; one warning, marked for stderr."""
    bm = BinanceSocketManager(None, reactor=reactor)
    bm.STREAM_URL = 'ws://127.0.0.1:9000/'
    bm.MAX_CONNECTION_ATTEMPTS = 3
    with caplog.at_level(logging.WARNING, logger='binance.websockets'):
        keys = [bm.start_trade_socket('S{}BTC'.format(i), Recorder()) for i in range(5)]
        reactor.flush()
        reactor.advance(0)
    assert [bm.socket_state(k).state for k in keys] == ['connecting'] * 3 + ['waiting'] * 2
    assert {bm.socket_state(k).until for k in keys[3:]} == {bm.CONNECTION_WINDOW}
    (record,) = [r for r in caplog.records if 'wait for the connection-attempt budget' in r.message]
    assert getattr(record, SHOW) is True
    assert record.getMessage().startswith('2 stream connection(s) wait')
    assert 'up to 300 s' in record.getMessage()


def test_a_failed_probe_keeps_the_other_sockets_of_the_host_parked():
    """After a loss, one probe at a time: the others' attempts wait and cost nothing until it opens."""
    from twisted.internet.task import Clock
    clock = Clock()
    budget = AttemptBudget(clock, 300, 300.0)

    class Owner:
        host, port, stopped = 'h', 1, False

    owners = [Owner() for _ in range(3)]
    runs = []
    for owner in owners:
        budget.lost(owner)
    for i, owner in enumerate(owners):
        budget.admit(lambda i=i: runs.append(i), owner)
    assert runs == [0] and budget.parked == 2
    budget.failed(owners[0])
    clock.advance(1)
    assert runs == [0, 1] and budget.parked == 1      # the next probe is another socket
    budget.opened(owners[1])
    assert runs == [0, 1, 2] and budget.parked == 0 and budget.used() == 3


@pytest.mark.parametrize('limit', [10, 300])
def test_budget_warning_is_repeated_at_most_every_30_s(limit, caplog):
    """While attempts wait, the warning comes back at most every 30 s."""
    from twisted.internet.task import Clock
    clock = Clock()
    budget = AttemptBudget(clock, limit, 300.0)
    with caplog.at_level(logging.WARNING, logger='binance.websockets'):
        for i in range(limit + 5):
            budget.admit(lambda: None, object())
        clock.advance(0)
        for _ in range(10):
            clock.advance(10)
            budget.admit(lambda: None, object())
            clock.advance(0)
    warnings = [r for r in caplog.records if 'connection-attempt budget' in r.message]
    assert 3 <= len(warnings) <= 5
