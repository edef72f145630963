"""A multiplex socket with more streams than fit on one connection is spread over several.

Binance carries at most 1024 streams on a connection; a socket naming more
gets as many connections as it needs, in the default mode and packed. First
on a fake clock (URLs, readiness), then over real loopback sockets against
the local exchange (which refuses a 1025th stream on a connection).
"""
import json

import pytest

from binance.websockets import BinanceSocketManager
from tests.support import wait_until
from tests.test_websockets_unit import (  # noqa: F401  (fixtures used by name)
    Conn, Recorder, reactor)

NAMES = ['s{}btc@trade'.format(i) for i in range(1100)]
KEY = 'stream?streams=' + '/'.join(NAMES)


def trade(t, symbol):
    return {'e': 'trade', 'E': t, 's': symbol, 't': t, 'p': '0.001', 'q': '1', 'T': t,
            'm': True, 'M': True}


def test_default_mode_opens_one_connection_per_1024_streams(reactor):
    """1,100 streams: two combined-stream URLs (1024 + 76), ready once both are open."""
    bm = BinanceSocketManager(None, reactor=reactor)
    bm.STREAM_URL = 'ws://127.0.0.1:9000/'
    rec = Recorder()
    assert bm.start_multiplex_socket(NAMES, rec) == KEY
    reactor.flush()
    assert len(reactor.attempts) == 2
    urls = [a.factory.url for a in reactor.attempts]
    parts = [url.split('streams=', 1)[1].split('/') for url in urls]
    assert parts == [NAMES[:1024], NAMES[1024:]]
    first = Conn(reactor.attempts[0]).handshake()
    assert not bm.wait_connected(KEY, timeout=0)
    second = Conn(reactor.attempts[1]).handshake()
    assert bm.wait_connected(KEY, timeout=0)
    first.send_json({'stream': NAMES[0], 'data': trade(1, 'S0BTC')})
    second.send_json({'stream': NAMES[-1], 'data': trade(2, 'S1099BTC')})
    assert [m['stream'] for m in rec] == [NAMES[0], NAMES[-1]]
    second.lose()
    assert not bm.wait_connected(KEY, timeout=0)
    bm.stop_socket(KEY)
    reactor.flush()
    assert bm.conn_keys == []


def test_packed_mode_spreads_a_large_socket_over_full_connections(reactor):
    """streams_per_connection=1024: 1,100 streams SUBSCRIBE on two shared connections."""
    bm = BinanceSocketManager(None, reactor=reactor, streams_per_connection=1024)
    bm.STREAM_URL = 'ws://127.0.0.1:9000/'
    assert bm.start_multiplex_socket(NAMES, Recorder()) == KEY
    reactor.flush()
    assert len(reactor.attempts) == 2
    subscribed = []
    for attempt in reactor.attempts:
        conn = Conn(attempt).handshake()
        sent = [json.loads(p) for op, p in conn.sent() if op == 1]
        subscribed.append([s for request in sent for s in request['params']])
    assert [len(s) for s in subscribed] == [1024, 76]
    assert sorted(subscribed[0] + subscribed[1]) == sorted(NAMES)


@pytest.fixture(scope='module')
def exchange(module_exchange):
    return module_exchange


@pytest.mark.parametrize('per_connection', [1, 1024])
def test_1100_streams_over_real_sockets(exchange, per_connection):
    """Against the local exchange: two connections, messages of both reach the callback."""
    bm = BinanceSocketManager(exchange.client(), streams_per_connection=per_connection)
    bm.STREAM_URL = exchange.stream_url
    bm.start()
    try:
        rec = Recorder()
        assert bm.start_multiplex_socket(NAMES, rec) == KEY
        assert bm.wait_connected(KEY, timeout=30)
        assert exchange.streams.connection_count() == 2
        sizes = sorted(len(s) for s in exchange.streams.subscriptions())
        assert sizes == [76, 1024]
        exchange.streams.push(NAMES[0], trade(1, 'S0BTC'))
        exchange.streams.push(NAMES[-1], trade(2, 'S1099BTC'))
        wait_until(lambda: len(rec) == 2, timeout=30, message='both connections deliver')
        assert sorted(m['stream'] for m in rec) == sorted([NAMES[0], NAMES[-1]])
        assert all(m['data']['e'] == 'trade' for m in rec)
    finally:
        bm.close()
        wait_until(lambda: exchange.streams.connection_count() == 0, timeout=30,
                   message='all sockets closed')
        exchange.streams.clear_connections()
