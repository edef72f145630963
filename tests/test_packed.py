"""streams_per_connection > 1: many streams on shared connections, over real loopback sockets.

The local exchange plays Binance: live SUBSCRIBE/UNSUBSCRIBE, LIST_SUBSCRIPTIONS,
the 5-per-second limit (it disconnects past it and counts ``over_limit``),
``serverShutdown`` and one live sequence per stream shared by all connections.
"""
import pytest

from binance.websockets import BinanceSocketManager
from tests.support import wait_until

ERROR = {'e': 'error', 'm': 'Max reconnect retries reached'}


@pytest.fixture(scope='module')
def exchange(module_exchange):
    return module_exchange


def manager(exchange, n):
    bm = BinanceSocketManager(exchange.client(), streams_per_connection=n)
    bm.STREAM_URL = exchange.stream_url
    bm.start()
    return bm


@pytest.fixture
def cleanup(exchange):
    managers = []
    yield managers
    for bm in managers:
        bm.close()
    exchange.streams.resume()
    wait_until(lambda: exchange.streams.connection_count() == 0, message='all sockets closed')
    exchange.streams.clear_connections()
    assert exchange.call(lambda: exchange.streams.over_limit) == 0


class Recorder(list):
    def __call__(self, msg):
        self.append(msg)


def trade(t, symbol='BNBBTC'):
    return {'e': 'trade', 'E': t, 's': symbol, 't': t, 'p': '0.001', 'q': '1', 'T': t,
            'm': True, 'M': True}


def test_streams_per_connection_is_checked_before_any_connection():
    """0, 1025, a float or a bool are refused with the valid range named."""
    for bad, exc in ((0, ValueError), (1025, ValueError), (2.0, TypeError), (True, TypeError)):
        with pytest.raises(exc, match='1 .*1024|from 1'):
            BinanceSocketManager(None, streams_per_connection=bad)


def test_sockets_share_connections_and_see_what_they_would_alone(exchange, cleanup):
    """Raw sockets get payloads, multiplex sockets envelopes, on at most N streams per connection."""
    bm = manager(exchange, 3)
    cleanup.append(bm)
    a, b, m = Recorder(), Recorder(), Recorder()
    assert bm.start_trade_socket('BNBBTC', a) == 'bnbbtc@trade'
    assert bm.start_trade_socket('ETHBTC', b) == 'ethbtc@trade'
    key = bm.start_multiplex_socket(['bnbbtc@trade', 'neobtc@trade', 'ltcbtc@trade'], m)
    assert key == 'stream?streams=bnbbtc@trade/neobtc@trade/ltcbtc@trade'
    for k in ('bnbbtc@trade', 'ethbtc@trade', key):
        assert bm.wait_connected(k, timeout=10), k
    assert exchange.streams.connection_count() == 2            # 4 distinct streams, 3 per connection
    lists = sorted(sorted(s) for s in exchange.streams.subscriptions())
    # bnbbtc@trade is subscribed once; the multiplex socket's two new streams
    # go together onto a connection with room for both
    assert lists == [['bnbbtc@trade', 'ethbtc@trade'], ['ltcbtc@trade', 'neobtc@trade']]
    exchange.streams.push('bnbbtc@trade', trade(1))
    exchange.streams.push('ltcbtc@trade', trade(2, 'LTCBTC'))
    wait_until(lambda: len(a) == 1 and len(m) == 2)
    assert a == [trade(1)] and b == []
    # (bnbbtc@trade is on the other connection: the order across those two is not kept)
    assert sorted(m, key=lambda e: e['stream']) == [
        {'stream': 'bnbbtc@trade', 'data': trade(1)},
        {'stream': 'ltcbtc@trade', 'data': trade(2, 'LTCBTC')}]


def test_stop_socket_unsubscribes_and_closes_an_empty_connection(exchange, cleanup):
    """Stopping a socket silences it, UNSUBSCRIBEs streams nobody else wants, closes empty connections."""
    bm = manager(exchange, 2)
    cleanup.append(bm)
    a, b, c = Recorder(), Recorder(), Recorder()
    bm.start_trade_socket('BNBBTC', a)
    bm.start_aggtrade_socket('BNBBTC', b)
    bm.start_trade_socket('ETHBTC', c)
    for k in ('bnbbtc@trade', 'bnbbtc@aggTrade', 'ethbtc@trade'):
        assert bm.wait_connected(k, timeout=10)
    assert exchange.streams.connection_count() == 2
    bm.stop_socket('bnbbtc@trade')
    wait_until(lambda: ['bnbbtc@aggTrade'] in exchange.streams.subscriptions(),
               message='bnbbtc@trade unsubscribed')
    exchange.streams.push('bnbbtc@trade', trade(5))
    exchange.streams.push('bnbbtc@aggTrade', {'e': 'aggTrade', 'a': 9})
    wait_until(lambda: b)
    assert a == []
    bm.stop_socket('ethbtc@trade')
    wait_until(lambda: exchange.streams.connection_count() == 1, message='empty connection closed')


def test_a_refused_stream_reaches_its_callback_as_an_error(exchange, cleanup):
    """A SUBSCRIBE the server answers with an error becomes an error message, never silence."""
    bm = manager(exchange, 1024)
    cleanup.append(bm)
    exchange.call(lambda: setattr(exchange.streams, 'max_streams', 2))
    try:
        ok, refused = Recorder(), Recorder()
        bm.start_multiplex_socket(['bnbbtc@trade', 'ethbtc@trade'], ok)
        assert bm.wait_connected('stream?streams=bnbbtc@trade/ethbtc@trade', timeout=10)
        bm.start_trade_socket('NEOBTC', refused)
        wait_until(lambda: refused)
        assert refused[0]['e'] == 'error' and 'neobtc@trade' in refused[0]['m']
        assert 'at most 2 streams' in refused[0]['m']
    finally:
        exchange.call(lambda: setattr(exchange.streams, 'max_streams', 1024))


def test_after_a_reconnect_every_subscription_is_restored(exchange, cleanup):
    """A dropped shared connection reconnects, subscribes again and LIST_SUBSCRIPTIONS agrees."""
    bm = manager(exchange, 10)
    cleanup.append(bm)
    recs = [Recorder() for _ in range(3)]
    for rec, symbol in zip(recs, ('BNBBTC', 'ETHBTC', 'NEOBTC')):
        bm.start_trade_socket(symbol, rec)
    wait_until(lambda: all(bm.wait_connected(k, 0) for k in bm.conn_keys))
    exchange.streams.drop()
    wait_until(lambda: sorted(sum(exchange.streams.subscriptions(), [])) ==
               ['bnbbtc@trade', 'ethbtc@trade', 'neobtc@trade'], message='restored')
    wait_until(lambda: all(bm.wait_connected(k, 0) for k in bm.conn_keys))
    exchange.streams.push('ethbtc@trade', trade(7, 'ETHBTC'))
    wait_until(lambda: recs[1])
    assert recs[1] == [trade(7, 'ETHBTC')] and recs[0] == [] and recs[2] == []


def test_a_shared_connection_that_gives_up_tells_each_socket_once(exchange, cleanup):
    """When the shared connection runs out of retries, each of its sockets gets the error once."""
    bm = manager(exchange, 5)
    bm.INITIAL_DELAY, bm.MAX_DELAY = 0.01, 0.02
    cleanup.append(bm)
    a, m = Recorder(), Recorder()
    bm.start_trade_socket('BNBBTC', a)
    bm.start_multiplex_socket(['bnbbtc@trade', 'ethbtc@trade'], m)
    wait_until(lambda: all(bm.wait_connected(k, 0) for k in bm.conn_keys))
    exchange.streams.refuse()
    exchange.streams.drop()
    wait_until(lambda: a and m and bm.conn_keys == [], timeout=10)
    assert a == [ERROR] and m == [ERROR]


def test_server_shutdown_switches_over_without_gap_or_duplicate(exchange, cleanup):
    """At serverShutdown a replacement connects first; trades before, during and after arrive once each."""
    for n in (1, 4):
        bm = manager(exchange, n)
        cleanup.append(bm)
        raw, env = Recorder(), Recorder()
        bm.start_aggtrade_socket('BNBBTC', raw)
        bm.start_multiplex_socket(['bnbbtc@aggTrade'], env)
        wait_until(lambda: all(bm.wait_connected(k, 0) for k in bm.conn_keys))
        count = exchange.streams.connection_count()
        agg = lambda i: {'e': 'aggTrade', 'E': i, 's': 'BNBBTC', 'a': i}  # noqa: E731
        for i in range(1, 4):
            exchange.streams.push('bnbbtc@aggTrade', agg(i))
        assert exchange.streams.server_shutdown(grace=30) == count
        wait_until(lambda: exchange.streams.connection_count() == 2 * count,
                   message='replacement opened first')
        i = 3
        while exchange.streams.connection_count() > count:      # the old ones close at the switch
            i += 1
            exchange.streams.push('bnbbtc@aggTrade', agg(i))
            wait_until(lambda: len(raw) >= i and len(env) >= i)
            assert i < 200, 'no switch'
        for j in range(i + 1, i + 4):
            exchange.streams.push('bnbbtc@aggTrade', agg(j))
        last = i + 3
        wait_until(lambda: len(raw) >= last and len(env) >= last)
        assert [m['a'] for m in raw] == list(range(1, last + 1)), n
        assert [m['data']['a'] for m in env] == list(range(1, last + 1)), n
        assert all(m.get('e') != 'serverShutdown' for m in raw)
        bm.close()
        wait_until(lambda: exchange.streams.connection_count() == 0)


def test_every_trade_stream_of_a_300_symbol_exchange_on_three_connections():
    """A script following all 300 symbols of LocalExchange(symbols=300) gets each one's own trades."""
    from binance.testing import LocalExchange
    with LocalExchange(symbols=300, tick=None) as ex:
        client = ex.client()
        names = [s['symbol'] for s in client.get_exchange_info()['symbols']]
        assert len(names) == 300
        bm = BinanceSocketManager(client, streams_per_connection=128)
        bm.STREAM_URL = ex.stream_url
        bm.start()
        got = {name: Recorder() for name in names}
        try:
            keys = [bm.start_trade_socket(name, got[name]) for name in names]
            assert keys == [name.lower() + '@trade' for name in names]
            wait_until(lambda: all(bm.wait_connected(k, 0) for k in keys), timeout=20,
                       message='every socket connected')
            assert ex.streams.connection_count() == 3           # 128 + 128 + 44 streams
            for _ in range(60):
                ex.step()
                if all(got.values()):
                    break
            wait_until(lambda: all(got.values()), message='a trade on every stream')
            for name, messages in got.items():
                assert {m['s'] for m in messages} == {name}
                ids = [m['t'] for m in messages]
                assert ids == sorted(set(ids)), name            # each stream's order, no repeats
        finally:
            bm.close()
