"""Replay over real sockets: lockstep, no answers from the future, streams from the data, fills
by the tape's rules, refusals (LocalExchange(replay=...) in this process)."""
import threading
from decimal import Decimal

import pytest

from binance.exceptions import BinanceAPIException
from binance.testing import LocalExchange
from tests import replay_files as rf
from tests.support import local_manager, wait_until


@pytest.fixture
def trades_file(tmp_path):
    return rf.write(tmp_path, 'BTCUSDT-trades-2025-03-01', rf.trade_rows(240))


def _collect(bm, streams, count):
    """Start a multiplex socket; returns (messages list, event set when ``count`` arrived)."""
    got, done = [], threading.Event()

    def on_message(msg):
        got.append(msg)
        if len(got) >= count:
            done.set()
    bm.start_multiplex_socket(streams, on_message)
    return got, done


def test_in_lockstep_the_tape_starts_with_the_first_stream_and_the_clock_follows_the_data(
        trades_file):
    """At speed 0 REST alone leaves the clock at the first event; a stream starts the tape."""
    with LocalExchange(replay=[trades_file], speed=0) as ex:
        client = ex.client()
        client.ping()                            # a script's first request: not set up yet
        assert client.get_server_time()['serverTime'] == rf.MARCH_2025_MS
        assert ex.call(lambda: ex.replay.released) == 0
        bm = local_manager(ex)
        try:
            bm.start_aggtrade_socket('BTCUSDT', lambda msg: None)
            wait_until(lambda: ex.replay.exhausted, timeout=60, message='the end of the data')
        finally:
            bm.close()
        assert client.get_server_time()['serverTime'] == rf.MARCH_2025_MS + 239 * 250
        assert ex.replay.last_prices() == {'BTCUSDT': rf.d8(rf.price_path(240)[-1])}


def test_with_a_speed_the_first_request_starts_the_tape_in_replay_time(trades_file):
    """At --speed 1000 a REST request starts the tape; server time moves at 1000x to the end."""
    with LocalExchange(replay=[trades_file], speed=1000) as ex:
        assert ex.call(lambda: (ex.replay.released, ex.market.now_ms())) == (0, rf.MARCH_2025_MS)
        client = ex.client()
        client.ping()
        wait_until(lambda: ex.replay.exhausted, timeout=30, message='the end of the data')
        assert client.get_server_time()['serverTime'] == rf.MARCH_2025_MS + 239 * 250


def test_lockstep_callbacks_see_the_exchange_exactly_at_their_event(tmp_path):
    """At speed 0 each trade callback's REST view (time, last trade, kline close) is that trade."""
    path = rf.write(tmp_path, 'BTCUSDT-trades-2025-03-01', rf.trade_rows(120))
    with LocalExchange(replay=[path], speed=0) as ex:
        bm = local_manager(ex)
        client = ex.client()
        wrong, seen, done = [], [], threading.Event()

        def on_trade(msg):
            seen.append(msg['t'])
            last_id = msg['t']      # GET /api/v3/trades weighs 25: looked at every 40th trade
            if len(seen) % 40 == 0:
                last_id = client.get_recent_trades(symbol='BTCUSDT', limit=1)[-1]['id']
            view = (client.get_server_time()['serverTime'], last_id,
                    client.get_klines(symbol='BTCUSDT', interval='1m', limit=1)[-1][4])
            if view != (msg['T'], msg['t'], msg['p']):
                wrong.append((msg['t'], view))
            if len(seen) == 120:
                done.set()
        try:
            bm.start_trade_socket('BTCUSDT', on_trade)
            assert done.wait(60), 'got {} of 120 trades'.format(len(seen))
        finally:
            bm.close()
        assert wrong == []
        assert seen == list(range(4000000, 4000120))


def test_streams_of_a_trades_file_trade_aggtrade_klines_book_and_tickers(tmp_path):
    """A trades file feeds trade, aggTrade, klines of any interval, bookTicker, depth and tickers."""
    path = rf.write(tmp_path, 'BTCUSDT-trades-2025-03-01', rf.trade_rows(300))
    with LocalExchange(replay=[path], speed=0) as ex:
        bm = local_manager(ex)
        streams = ['btcusdt@trade', 'btcusdt@aggTrade', 'btcusdt@kline_1m', 'btcusdt@kline_5m',
                   'btcusdt@bookTicker', 'btcusdt@depth5', 'btcusdt@miniTicker']
        try:
            got, _ = _collect(bm, streams, 10 ** 9)
            wait_until(lambda: ex.replay.exhausted, timeout=60, message='the end of the data')
        finally:
            bm.close()
        kinds = {}
        for msg in got:
            kinds.setdefault(msg['stream'].split('@', 1)[1], []).append(msg['data'])
        assert set(kinds) == {s.split('@', 1)[1] for s in streams}
        assert len(kinds['trade']) == 300
        first, last = rf.MARCH_2025_MS, rf.MARCH_2025_MS + 299 * 250
        for kline in kinds['kline_1m']:
            assert first <= kline['E'] <= last
            assert kline['k']['t'] % 60000 == 0
        closed = [k['k'] for k in kinds['kline_1m'] if k['k']['x']]
        assert closed and closed[0]['t'] == first and closed[0]['n'] == 240     # 60 s = 240 trades
        assert closed[0]['c'] == rf.d8(rf.price_path(300)[239])
        assert {k['k']['t'] for k in kinds['kline_5m']} == {first}
        # the book sits around each print: the bid at a seller's print, the ask at a buyer's
        assert all(Decimal(b['a']) - Decimal(b['b']) == Decimal('0.01') for b in kinds['bookTicker'])
        assert all(len(d['bids']) == 5 and len(d['asks']) == 5 for d in kinds['depth5'])


def test_rest_market_data_never_answers_from_the_future(tmp_path):
    """While the tape waits for a callback, trades, klines and tickers end at the current event."""
    path = rf.write(tmp_path, 'BTCUSDT-trades-2025-03-01', rf.trade_rows(120))
    with LocalExchange(replay=[path], speed=0) as ex:
        bm = local_manager(ex)
        client = ex.client()
        checked, done = [], threading.Event()

        def on_trade(msg):
            if msg['t'] == 4000059:
                trades = client.get_historical_trades(symbol='BTCUSDT', limit=1000)
                aggs = client.get_aggregate_trades(symbol='BTCUSDT', limit=1000)
                ticker = client.get_ticker(symbol='BTCUSDT')
                klines = client.get_klines(symbol='BTCUSDT', interval='1s', limit=1000)
                checked.append((trades[-1]['id'], len(trades), aggs[-1]['T'], ticker['lastId'],
                                ticker['closeTime'], klines[-1][0]))
                done.set()
        try:
            bm.start_trade_socket('BTCUSDT', on_trade)
            assert done.wait(60)
        finally:
            bm.close()
        now = rf.MARCH_2025_MS + 59 * 250
        assert checked == [(4000059, 60, now, 4000059, now, now // 1000 * 1000)]


def test_resting_orders_fill_against_later_prints_at_their_price_as_maker(tmp_path):
    """A resting buy fills when a print is at or below its price, up to that print's quantity."""
    prices = [100.0, 101.0, 100.5, 99.91, 99.5, 101.0]     # the tick (0.01) shows in the data
    path = rf.write(tmp_path, 'ETHUSDT-trades-2025-03-01',
                    rf.trade_rows(6, prices=prices, qty='0.40000000'))
    with LocalExchange(replay=[path], speed=0) as ex:
        bm = local_manager(ex)
        client = ex.client()
        reports, done = [], threading.Event()
        order = {}

        def on_user(msg):
            if msg.get('e') == 'executionReport':
                reports.append(msg)
                if len(reports) == 3:
                    done.set()

        def on_trade(msg):
            if msg['t'] == 4000000:
                order.update(client.order_limit_buy(symbol='ETHUSDT', quantity='1.0',
                                                    price='99.95'))
        try:
            bm.start_user_socket(on_user)
            bm.start_trade_socket('ETHUSDT', on_trade)
            assert done.wait(60)
        finally:
            bm.close()
        assert order['status'] == 'NEW'
        trades = [(r['x'], r['l'], r['L'], r['t'], r['m'], r['n'], r['T']) for r in reports]
        t0 = rf.MARCH_2025_MS
        assert trades == [
            ('NEW', '0.00000000', '0.00000000', -1, False, '0', t0),
            # 101.0 and 100.5 do not reach it; 99.91 fills 0.4, 99.5 0.4, then 101.0 nothing
            ('TRADE', '0.40000000', '99.95000000', 4000003, True, '0.00040000', t0 + 750),
            ('TRADE', '0.40000000', '99.95000000', 4000004, True, '0.00040000', t0 + 1000)]
        assert client.get_order(symbol='ETHUSDT', orderId=order['orderId'])['executedQty'] \
            == '0.80000000'


def test_a_book_ticker_file_is_the_book_and_market_orders_take_it(tmp_path):
    """With a bookTicker file the book's top is the file's; a market buy takes the ask as taker."""
    rf.write(tmp_path, 'ETHUSDT-bookTicker-2024-03-01', rf.book_rows(50), header=rf.BOOK_HEADER)
    rf.write(tmp_path, 'ETHUSDT-1m-2024-03-01', [
        row.replace('60000', '3000', 1) for row in rf.kline_rows(1)], zipped=False)
    with LocalExchange(replay=[str(tmp_path)], speed=0) as ex:
        bm = local_manager(ex)
        client = ex.client()
        result, done = {}, threading.Event()

        seen = []

        def on_book(msg):
            seen.append(msg)
            if len(seen) == 10:
                result['msg'] = msg
                result['book'] = client.get_order_book(symbol='ETHUSDT', limit=5)
                result['order'] = client.order_market_buy(symbol='ETHUSDT', quantity='1.0')
                done.set()
        try:
            bm.start_symbol_book_ticker_socket('ETHUSDT', on_book)
            assert done.wait(60)
        finally:
            bm.close()
    book, msg = result['book'], result['msg']
    rows = {(r.split(',')[1], r.split(',')[3]) for r in rf.book_rows(50)}
    assert (msg['b'], msg['a']) in rows and (msg['B'], msg['A']) == ('1.50000000', '2.25000000')
    # the file's best bid and ask, then four more levels a tick apart with the same quantity
    tick = Decimal('0.01')
    assert book['bids'] == [[rf.d8(Decimal(msg['b']) - tick * k), '1.50000000'] for k in range(5)]
    assert book['asks'] == [[rf.d8(Decimal(msg['a']) + tick * k), '2.25000000'] for k in range(5)]
    fills = result['order']['fills']
    assert [(f['price'], f['qty'], f['commission'], f['commissionAsset']) for f in fills] == [
        (msg['a'], '1.00000000', '0.00100000', 'ETH')]


def test_a_recording_replays_through_the_streams(tmp_path):
    """A recording's trades come out of the trade stream with their ids, prices and times."""
    t0 = rf.MARCH_2025_MS
    messages = [(t0 + 100 * i, 'bnbusdt@trade',
                 {'e': 'trade', 'E': t0 + 100 * i, 's': 'BNBUSDT', 't': 80 + i,
                  'p': '600.{:02d}000000'.format(i), 'q': '1.00000000', 'T': t0 + 100 * i,
                  'm': bool(i % 2), 'M': True}) for i in range(20)]
    path = rf.write_recording(tmp_path, '2025-03-01T00', messages)
    with LocalExchange(replay=[path], speed=0) as ex:
        bm = local_manager(ex)
        got, done = [], threading.Event()

        def on_trade(msg):
            got.append((msg['t'], msg['p'], msg['T'], msg['m']))
            if len(got) == 20:
                done.set()
        try:
            bm.start_trade_socket('BNBUSDT', on_trade)
            assert done.wait(60)
        finally:
            bm.close()
    assert got == [(m['t'], m['p'], m['T'], m['m']) for _, _, m in messages]
