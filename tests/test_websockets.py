"""BinanceSocketManager over real loopback sockets against the local exchange.

All tests share the process's reactor thread (started by the exchange) and
poll for effects with a deadline (``tests.support.wait_until``); nothing
sleeps. Timing logic is covered with a Clock in ``test_websockets_unit.py``.
"""
import logging
import threading

import pytest

from binance.websockets import BinanceSocketManager
from tests.support import wait_until

ERROR = {'e': 'error', 'm': 'Max reconnect retries reached'}
# timer streams (tickers, klines, partial depth) at ten times Binance's cadence: no test
# here pins the cadence, the timed ones wait for a first message
MODULE_EXCHANGE = {'tick': None, 'stream_period_scale': 0.1}


@pytest.fixture(scope='module')
def exchange(module_exchange):
    return module_exchange


@pytest.fixture
def bm(exchange):
    manager = BinanceSocketManager(exchange.client())
    manager.STREAM_URL = exchange.stream_url
    manager.start()
    yield manager
    manager.close()
    exchange.streams.resume()
    wait_until(lambda: exchange.streams.connection_count() == 0, message='all sockets closed')
    exchange.streams.clear_connections()


class Recorder(list):
    def __call__(self, msg):
        self.append(msg)


def paths(exchange, path):
    return [p for p in exchange.streams.connections if p == path]


# -- each socket --------------------------------------------------------------------

def test_market_driven_sockets_deliver_the_exchange_messages(exchange, bm):
    """Trade, aggTrade, diff depth and book ticker sockets deliver the market's own events."""
    recs = {name: Recorder() for name in ('trade', 'agg', 'depth', 'book')}
    assert bm.start_trade_socket('BNBBTC', recs['trade']) == 'bnbbtc@trade'
    assert bm.start_aggtrade_socket('BNBBTC', recs['agg']) == 'bnbbtc@aggTrade'
    assert bm.start_depth_socket('BNBBTC', recs['depth']) == 'bnbbtc@depth'
    assert bm.start_symbol_book_ticker_socket('BNBBTC', recs['book']) == 'bnbbtc@bookTicker'
    exchange.streams.wait_for_connections(4)

    def all_got():
        if not all(recs.values()):
            exchange.step(5)
            return False
        return True
    wait_until(all_got, timeout=10, message='messages on all four sockets')
    assert recs['trade'][0]['e'] == 'trade' and recs['trade'][0]['s'] == 'BNBBTC'
    assert recs['agg'][0]['e'] == 'aggTrade'
    assert recs['depth'][0]['e'] == 'depthUpdate' and 'U' in recs['depth'][0]
    assert {'u', 's', 'b', 'B', 'a', 'A'} <= set(recs['book'][0])


def test_timed_sockets_deliver_their_streams(exchange, bm):
    """Kline, partial depth, tickers and mini tickers (lists) arrive in Binance's formats."""
    recs = {name: Recorder() for name in ('kline', 'depth5', 'ticker', 'all', 'mini')}
    assert bm.start_kline_socket('BNBBTC', recs['kline'], interval='1s') == 'bnbbtc@kline_1s'
    assert bm.start_depth_socket('BNBBTC', recs['depth5'], depth=5) == 'bnbbtc@depth5'
    assert bm.start_symbol_ticker_socket('BNBBTC', recs['ticker']) == 'bnbbtc@ticker'
    assert bm.start_ticker_socket(recs['all']) == '!ticker@arr'
    assert bm.start_miniticker_socket(recs['mini']) == '!miniTicker@arr'
    wait_until(lambda: all(recs.values()), timeout=10, message='a message on every socket')
    assert recs['kline'][0]['e'] == 'kline' and recs['kline'][0]['k']['i'] == '1s'
    assert len(recs['depth5'][0]['bids']) <= 5 and 'lastUpdateId' in recs['depth5'][0]
    assert recs['ticker'][0]['e'] == '24hrTicker' and recs['ticker'][0]['s'] == 'BNBBTC'
    assert isinstance(recs['all'][0], list) and recs['all'][0][0]['e'] == '24hrTicker'
    assert isinstance(recs['mini'][0], list) and recs['mini'][0][0]['e'] == '24hrMiniTicker'


def test_multiplex_socket_wraps_each_message(exchange, bm):
    """A combined stream delivers {'stream': name, 'data': payload} for each of its streams."""
    rec = Recorder()
    key = bm.start_multiplex_socket(['bnbbtc@aggTrade', 'ethbtc@trade'], rec)
    assert key == 'stream?streams=bnbbtc@aggTrade/ethbtc@trade'
    exchange.streams.wait_for_connections(1, stream=key)
    exchange.streams.push('bnbbtc@aggTrade', {'e': 'aggTrade', 'a': 1})
    exchange.streams.push('ethbtc@trade', {'e': 'trade', 't': 2})
    wait_until(lambda: len(rec) >= 2)
    assert rec[:2] == [{'stream': 'bnbbtc@aggTrade', 'data': {'e': 'aggTrade', 'a': 1}},
                       {'stream': 'ethbtc@trade', 'data': {'e': 'trade', 't': 2}}]


# -- one socket per stream, stop, close --------------------------------------------

def test_one_socket_per_stream(exchange, bm):
    """Starting an open stream again returns False and the server sees one connection."""
    rec, other = Recorder(), Recorder()
    assert bm.start_trade_socket('BNBBTC', rec) == 'bnbbtc@trade'
    assert bm.start_trade_socket('BNBBTC', other) is False
    exchange.streams.wait_for_connections(1, stream='bnbbtc@trade')
    exchange.streams.push('bnbbtc@trade', {'e': 'trade', 'n': 1})
    wait_until(lambda: rec)
    assert exchange.streams.connection_count('bnbbtc@trade') == 1
    assert paths(exchange, '/ws/bnbbtc@trade') == ['/ws/bnbbtc@trade']
    assert other == []


def test_concurrent_starts_from_many_threads_open_one_socket(exchange, bm):
    """Ten threads starting the same stream at once: one key, nine False, one connection."""
    results = []
    barrier = threading.Barrier(10)

    def start():
        barrier.wait()
        results.append(bm.start_aggtrade_socket('ETHBTC', Recorder()))
    threads = [threading.Thread(target=start) for _ in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results, key=str) == [False] * 9 + ['ethbtc@aggTrade']
    exchange.streams.wait_for_connections(1, stream='ethbtc@aggTrade')
    assert exchange.streams.connection_count('ethbtc@aggTrade') == 1


def test_stop_socket_closes_and_never_reconnects(exchange, bm):
    """After stop_socket the connection closes and no new one is made for that stream."""
    rec, probe = Recorder(), Recorder()
    key = bm.start_trade_socket('BNBBTC', rec)
    exchange.streams.wait_for_connections(1, stream=key)
    bm.stop_socket(key)
    wait_until(lambda: exchange.streams.connection_count(key) == 0)
    # a later socket's full round trip proves the reactor went on meanwhile
    bm.start_aggtrade_socket('BNBBTC', probe)
    exchange.streams.wait_for_connections(1, stream='bnbbtc@aggTrade')
    exchange.streams.push('bnbbtc@aggTrade', {'e': 'aggTrade'})
    exchange.streams.push('bnbbtc@trade', {'e': 'trade'})
    wait_until(lambda: probe)
    assert paths(exchange, '/ws/bnbbtc@trade') == ['/ws/bnbbtc@trade']
    assert exchange.streams.connection_count(key) == 0 and rec == []


def test_stop_and_restart_inside_the_callback_during_a_burst(exchange, bm):
    """'Close and restart' in the callback mid-burst: old gets no more, new gets its own."""
    old, new = Recorder(), Recorder()

    def callback(msg):
        old.append(msg)
        if len(old) == 1:
            bm.stop_socket('bnbbtc@trade')
            assert bm.start_trade_socket('BNBBTC', new) == 'bnbbtc@trade'

    bm.start_trade_socket('BNBBTC', callback)
    exchange.streams.wait_for_connections(1, stream='bnbbtc@trade')
    exchange.call(lambda: [exchange.streams.push('bnbbtc@trade', {'e': 'trade', 't': i})
                           for i in range(50)])
    wait_until(lambda: len(paths(exchange, '/ws/bnbbtc@trade')) == 2, message='the restart')
    exchange.streams.wait_for_connections(1, stream='bnbbtc@trade')
    exchange.streams.push('bnbbtc@trade', {'e': 'trade', 't': 'new'})
    wait_until(lambda: new)
    assert old == [{'e': 'trade', 't': 0}] and new == [{'e': 'trade', 't': 'new'}]


def test_close_then_start_again(exchange, bm):
    """close() drops every socket; the same streams can then be started and deliver again."""
    rec = Recorder()
    bm.start_trade_socket('BNBBTC', rec)
    bm.start_depth_socket('BNBBTC', rec)
    exchange.streams.wait_for_connections(2)
    bm.close()
    wait_until(lambda: exchange.streams.connection_count() == 0)
    assert bm.start_trade_socket('BNBBTC', rec) == 'bnbbtc@trade'
    bm.start()                                      # harmless after close
    exchange.streams.wait_for_connections(1, stream='bnbbtc@trade')
    exchange.streams.push('bnbbtc@trade', {'e': 'trade', 'again': True})
    wait_until(lambda: rec)
    assert rec == [{'e': 'trade', 'again': True}]


def test_hundred_sockets_started_quickly_all_deliver(exchange, bm):
    """100 sockets started back to back from the main thread all connect and deliver."""
    symbols = ['bnbbtc', 'ethbtc', 'btcusdt', 'neobtc', 'ltcbtc']
    kinds = ['trade', 'aggTrade', 'depth', 'bookTicker'] + \
        ['kline_' + i for i in ('1m', '3m', '5m', '15m', '30m', '1h', '2h', '4h', '6h', '8h',
                                '12h', '1d', '3d', '1w', '1M', '1s')]
    streams = ['{}@{}'.format(s, k) for s in symbols for k in kinds]
    assert len(streams) == 100
    recs = {}
    for stream in streams:
        symbol, kind = stream.split('@')
        rec = recs[stream] = Recorder()
        if kind.startswith('kline_'):
            key = bm.start_kline_socket(symbol.upper(), rec, interval=kind[len('kline_'):])
        else:
            key = {'trade': bm.start_trade_socket, 'aggTrade': bm.start_aggtrade_socket,
                   'depth': bm.start_depth_socket,
                   'bookTicker': bm.start_symbol_book_ticker_socket}[kind](symbol.upper(), rec)
        assert key == stream
    exchange.streams.wait_for_connections(100, timeout=20)
    for stream in streams:
        exchange.streams.push(stream, {'for': stream})
    wait_until(lambda: all({'for': s} in recs[s] for s in streams), timeout=20,
               message='a message on all 100 sockets')


# -- failures -----------------------------------------------------------------------

def test_reconnects_after_the_server_drops_the_connection(exchange, bm):
    """A dropped TCP connection is re-established and messages flow again."""
    rec = Recorder()
    key = bm.start_trade_socket('BNBBTC', rec)
    exchange.streams.wait_for_connections(1, stream=key)
    assert exchange.streams.drop(key) == 1
    wait_until(lambda: len(paths(exchange, '/ws/' + key)) == 2, message='a second connection')
    exchange.streams.wait_for_connections(1, stream=key)
    exchange.streams.push(key, {'e': 'trade', 'after': 'drop'})
    wait_until(lambda: rec)
    assert rec == [{'e': 'trade', 'after': 'drop'}]


def test_shutdown_notice_reconnects_without_error(exchange, bm):
    """A 1001 close from the server is followed by a transparent reconnect."""
    rec = Recorder()
    key = bm.start_trade_socket('BNBBTC', rec)
    exchange.streams.wait_for_connections(1, stream=key)
    assert exchange.streams.shutdown_notice(key) == 1
    wait_until(lambda: len(paths(exchange, '/ws/' + key)) == 2, message='a second connection')
    exchange.streams.wait_for_connections(1, stream=key)
    exchange.streams.push(key, {'e': 'trade'})
    wait_until(lambda: rec)
    assert rec == [{'e': 'trade'}]


def test_refused_connections_end_in_one_error_message(exchange, bm):
    """Refused 6 times (first try + 5 retries): the callback gets the error dict exactly once."""
    bm.INITIAL_DELAY, bm.MAX_DELAY = 0.01, 0.05
    exchange.streams.refuse(count=6)
    rec = Recorder()
    key = bm.start_trade_socket('BNBBTC', rec)
    wait_until(lambda: rec, timeout=10, message='the error message')
    assert rec == [ERROR]
    assert key not in bm.conn_keys
    # the documented reaction: start the socket again
    assert bm.start_trade_socket('BNBBTC', rec) == key
    exchange.streams.wait_for_connections(1, stream=key)
    exchange.streams.push(key, {'e': 'trade'})
    wait_until(lambda: len(rec) == 2)
    assert rec == [ERROR, {'e': 'trade'}]


def test_five_refusals_are_ridden_out(exchange, bm):
    """The first try and 4 retries refused: the 5th retry connects, silently."""
    bm.INITIAL_DELAY, bm.MAX_DELAY = 0.01, 0.05
    exchange.streams.refuse(count=5)
    rec = Recorder()
    key = bm.start_trade_socket('BNBBTC', rec)
    exchange.streams.wait_for_connections(1, stream=key, timeout=10)
    exchange.streams.push(key, {'e': 'trade'})
    wait_until(lambda: rec)
    assert rec == [{'e': 'trade'}]


def test_stalled_connection_is_detected_and_replaced(exchange, bm):
    """A connection that goes silent (no data, pings or pongs) is dropped and reconnected."""
    bm.IDLE_TIMEOUT = 0.3
    rec = Recorder()
    key = bm.start_trade_socket('BNBBTC', rec)
    exchange.streams.wait_for_connections(1, stream=key)
    assert exchange.streams.stall(key) == 1
    wait_until(lambda: len(paths(exchange, '/ws/' + key)) == 2, timeout=10,
               message='a reconnect after the stall')
    exchange.streams.wait_for_connections(1, stream=key)
    exchange.streams.push(key, {'e': 'trade', 'fresh': True})
    wait_until(lambda: {'e': 'trade', 'fresh': True} in rec)


def test_callback_exception_does_not_stop_the_stream(exchange, bm, caplog):
    """A callback that raises is logged with its traceback; the next message still arrives."""
    seen = []

    def callback(msg):
        seen.append(msg)
        if len(seen) == 1:
            raise ValueError('user bug')
    key = bm.start_trade_socket('BNBBTC', callback)
    other = Recorder()
    bm.start_aggtrade_socket('BNBBTC', other)
    exchange.streams.wait_for_connections(2)
    with caplog.at_level(logging.ERROR, logger='binance.websockets'):
        exchange.streams.push(key, {'n': 1})
        exchange.streams.push(key, {'n': 2})
        exchange.streams.push('bnbbtc@aggTrade', {'n': 3})
        wait_until(lambda: len(seen) == 2 and other)
    assert seen == [{'n': 1}, {'n': 2}] and other == [{'n': 3}]
    assert 'user bug' in caplog.text and 'Traceback' in caplog.text


def test_bad_frames_are_skipped(exchange, bm, caplog):
    """Non-JSON text and binary frames are logged and skipped; good frames still arrive."""
    rec = Recorder()
    key = bm.start_trade_socket('BNBBTC', rec)
    exchange.streams.wait_for_connections(1, stream=key)
    with caplog.at_level(logging.WARNING, logger='binance.websockets'):
        exchange.streams.send_raw('{not json', stream=key)
        exchange.streams.send_raw(b'\x00\xffbinary', stream=key, binary=True)
        exchange.streams.push(key, {'e': 'trade', 'ok': 1})
        wait_until(lambda: rec)
    assert rec == [{'e': 'trade', 'ok': 1}]
    assert 'not JSON' in caplog.text and 'binary' in caplog.text


def test_invalid_utf8_text_frame_is_logged_and_skipped(exchange, bm, caplog):
    """A text frame that is not valid UTF-8 is skipped like any bad frame; the connection stays up."""
    rec = Recorder()
    key = bm.start_trade_socket('BNBBTC', rec)
    exchange.streams.wait_for_connections(1, stream=key)
    with caplog.at_level(logging.WARNING, logger='binance.websockets'):
        exchange.streams.send_raw(b'{"e": "trade", "p": "\xff\xfe"}', stream=key)
        exchange.streams.push(key, {'e': 'trade', 'ok': 2})
        wait_until(lambda: rec)
    assert rec == [{'e': 'trade', 'ok': 2}]
    assert 'not JSON' in caplog.text
    assert paths(exchange, '/ws/' + key) == ['/ws/' + key]   # no drop, no reconnect
