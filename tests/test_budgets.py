"""Binance's budgets and the 24 h rotation, on a fake clock with in-memory connections.

Connection attempts: at most 300 per 5 minutes per process (later ones wait);
control messages: at most 5 per second per connection (requests batched and
queued, room kept for pongs); a connection is replaced before the 24 h cut.
"""
import json
import logging

from binance.websockets import BinanceSocketManager
from tests.test_websockets_unit import (  # noqa: F401  (fixtures used by name)
    Conn, Recorder, reactor)


def packed(reactor, n):
    bm = BinanceSocketManager(None, reactor=reactor, streams_per_connection=n)
    bm.STREAM_URL = 'ws://127.0.0.1:9000/'
    return bm


def default(reactor):
    """A manager in the default mode (one connection per socket) on the fake reactor."""
    bm = BinanceSocketManager(None, reactor=reactor)
    bm.STREAM_URL = 'ws://127.0.0.1:9000/'
    return bm


def requests(conn):
    """The JSON requests the client sent on ``conn`` since the last call."""
    return [json.loads(payload) for opcode, payload in conn.sent() if opcode == 1]


def test_connection_attempts_past_the_budget_wait_and_are_logged(reactor, caplog):
    """1,000 sockets in the default mode: 300 attempts at once, the rest as the window frees."""
    bm = default(reactor)
    symbols = ['S{}BTC'.format(i) for i in range(1000)]
    with caplog.at_level(logging.WARNING, logger='binance.websockets'):
        for symbol in symbols:
            bm.start_trade_socket(symbol, Recorder())
        reactor.flush()
        reactor.advance(0)
    assert len(reactor.attempts) == 300
    assert '700 stream connection(s) wait' in caplog.text
    assert '300 attempts per 300 s' in caplog.text and 'up to 900 s' in caplog.text
    reactor.advance(299)
    assert len(reactor.attempts) == 300
    reactor.advance(1)
    assert len(reactor.attempts) == 600
    reactor.advance(300)
    assert len(reactor.attempts) == 900
    reactor.advance(300)
    assert len(reactor.attempts) == 1000
    assert len({a.factory.url for a in reactor.attempts}) == 1000


def test_reconnects_count_against_the_same_budget(reactor):
    """Reconnect attempts go through the budget too: none is made while it is spent."""
    bm = default(reactor)
    bm.MAX_CONNECTION_ATTEMPTS = 2
    bm.start_trade_socket('BNBBTC', Recorder())
    bm.start_trade_socket('ETHBTC', Recorder())
    reactor.flush()
    first = Conn(reactor.attempts[0]).handshake()
    first.lose()
    reactor.advance(bm.MAX_DELAY * 2)
    assert len(reactor.attempts) == 2            # the reconnect waits for the window
    reactor.advance(bm.CONNECTION_WINDOW)
    assert len(reactor.attempts) == 3 and reactor.attempts[2].factory is first.factory


def test_subscriptions_are_batched_and_never_exceed_the_control_limit(reactor):
    """200 sockets started at once: few SUBSCRIBE requests, at most 4 per second (1 left for pongs)."""
    bm = packed(reactor, 1024)
    bm.start_trade_socket('BNBBTC', Recorder())
    reactor.flush()
    conn = Conn(reactor.attempts[0]).handshake()
    sent_at = []
    for i in range(200):
        bm.start_aggtrade_socket('S{}BTC'.format(i), Recorder())
        reactor.flush()
        for request in requests(conn):
            sent_at.append((reactor.seconds(), request))
        reactor.advance(0.01)
    for _ in range(300):
        reactor.advance(0.01)
        for request in requests(conn):
            sent_at.append((reactor.seconds(), request))
    streams = [s for _, r in sent_at for s in r['params']]
    assert sorted(streams) == sorted(['bnbbtc@trade'] + ['s{}btc@aggTrade'.format(i)
                                                          for i in range(200)])
    assert all(r['method'] == 'SUBSCRIBE' for _, r in sent_at)
    times = [t for t, _ in sent_at]
    assert max(sum(1 for u in times if t <= u < t + 1.0) for t in times) <= 4
    assert len(sent_at) < 20                     # batched, not one request per socket


def test_pongs_count_against_the_control_limit(reactor):
    """Pongs answering the server's pings leave fewer slots for requests in that second."""
    bm = packed(reactor, 10)
    bm.start_trade_socket('BNBBTC', Recorder())
    reactor.flush()
    conn = Conn(reactor.attempts[0]).handshake()
    assert [r['method'] for r in requests(conn)] == ['SUBSCRIBE']
    reactor.advance(1.1)
    for _ in range(3):
        conn.send(b'p', opcode=9)               # three pings: three pongs at once
    for i in range(5):
        bm.start_trade_socket('S{}BTC'.format(i), Recorder())
        reactor.flush()
    frames = conn.sent()
    assert [op for op, _ in frames].count(10) == 3
    assert [op for op, _ in frames].count(1) == 1          # 3 pongs + 1 request: 4 of 5
    busy = reactor.seconds()
    reactor.advance(0.99)
    assert conn.sent() == []                                 # the second is full
    reactor.advance(0.02)
    later = requests(conn)
    assert len(later) == 1 and len(later[0]['params']) == 4  # the rest in one batch
    assert reactor.seconds() - busy >= 1.0                   # never 6 control frames in 1 s


def test_connection_is_rotated_before_the_24_hour_cut(reactor):
    """Before 24 h the manager opens a replacement, switches to it and closes the old one."""
    bm = default(reactor)
    rec = Recorder()
    bm.start_aggtrade_socket('BNBBTC', rec)
    reactor.flush()
    old = Conn(reactor.attempts[0]).handshake()
    old.send_json({'e': 'aggTrade', 'a': 1})
    reactor.advance(bm.ROTATE_AFTER - 1)
    assert len(reactor.attempts) == 1
    reactor.advance(1)
    assert bm.ROTATE_AFTER < 86400 and len(reactor.attempts) == 2
    new = Conn(reactor.attempts[1]).handshake()
    assert new.path == old.path
    new.send_json({'e': 'aggTrade', 'a': 2})        # ahead of the old one: held
    assert [m['a'] for m in rec] == [1]
    old.send_json({'e': 'aggTrade', 'a': 2})        # the old one catches up: switch
    new.send_json({'e': 'aggTrade', 'a': 3})
    old.send_json({'e': 'aggTrade', 'a': 3})        # a copy: dropped
    assert [m['a'] for m in rec] == [1, 2, 3]
    assert (8, ) == tuple(op for op, _ in old.sent() if op == 8)[:1]   # old one closed (1000)
    reactor.advance(bm.SWITCH_TIMEOUT)
    new.send_json({'e': 'aggTrade', 'a': 4})
    assert [m['a'] for m in rec] == [1, 2, 3, 4]
    assert len(reactor.attempts) == 2 and bm.conn_keys == ['bnbbtc@aggTrade']  # one switch


def test_server_shutdown_notice_never_reaches_the_callback(reactor):
    """Binance's serverShutdown event starts the switch-over and is not delivered."""
    bm = default(reactor)
    rec = Recorder()
    bm.start_trade_socket('BNBBTC', rec)
    reactor.flush()
    conn = Conn(reactor.attempts[0]).handshake()
    conn.send_json({'e': 'serverShutdown', 'E': 1770123456789})
    assert rec == [] and len(reactor.attempts) == 2


def test_a_gap_free_switch_keeps_the_depth_chain_unbroken(reactor):
    """Diff depth events across a switch keep U == previous u + 1, each event once."""
    bm = default(reactor)
    rec = Recorder()
    bm.start_depth_socket('BNBBTC', rec)
    reactor.flush()
    old = Conn(reactor.attempts[0]).handshake()

    def depth(first, last):
        return {'e': 'depthUpdate', 'U': first, 'u': last, 'b': [], 'a': []}
    old.send_json(depth(1, 3))
    old.send_json({'e': 'serverShutdown', 'E': 1})
    new = Conn(reactor.attempts[1]).handshake()
    new.send_json(depth(6, 8))                   # new one starts later
    old.send_json(depth(4, 5))
    old.send_json(depth(6, 8))                   # overlap: switch
    new.send_json(depth(9, 9))
    chain = [(m['U'], m['u']) for m in rec]
    assert chain == [(1, 3), (4, 5), (6, 8), (9, 9)]
