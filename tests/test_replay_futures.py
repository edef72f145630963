"""Replay of USD-M futures files over real sockets: the files' contracts, fstream and /fapi
market data from the tape and never from its future, fills of orders and conditional orders
by the tape's rules with the engine's margin, positions and user events (in this process)."""
import threading
from decimal import Decimal

import pytest

from binance.exceptions import BinanceAPIException
from binance.testing import LocalExchange
from binance.testing.replay import Replay, ReplayDataError
from tests import replay_files as rf
from tests.support import local_manager, wait_until

T0 = rf.MARCH_2025_MS


def _um(tmp_path, rows, symbol='BTCUSDT', kind='trades', header=rf.UM_TRADES_HEADER,
        zipped=True, interval=''):
    name = '{}-{}-2025-03-01'.format(symbol, interval or kind)
    return rf.write(rf.um_path(tmp_path, kind, symbol, interval), name, rows, header=header,
                    zipped=zipped)


def _collect(bm, streams, count=10 ** 9):
    got, done = [], threading.Event()

    def on_message(msg):
        got.append(msg['data'])
        if len(got) >= count:
            done.set()
    bm.start_futures_multiplex_socket(streams, on_message)
    return got, done


def _run_to_end(ex, bm):
    try:
        wait_until(lambda: ex.replay.exhausted, timeout=90, message='the end of the data')
    finally:
        bm.close()


def test_um_files_zip_and_csv_are_the_futures_exchange_and_others_are_unknown(tmp_path):
    """A um trades zip and aggTrades csv (header rows, ms) are the contracts; others -1121."""
    _um(tmp_path, rf.um_trade_rows(20))
    _um(tmp_path, rf.um_agg_rows(20), 'ETHUSDT', 'aggTrades', rf.UM_AGG_HEADER, zipped=False)
    with LocalExchange(replay=[str(tmp_path)], speed=0) as ex:
        client = ex.client()
        info = client.futures_exchange_info()
        assert client.futures_time()['serverTime'] == T0
        with pytest.raises(BinanceAPIException) as unknown:
            client.futures_order_book(symbol='BNBUSDT')
        with pytest.raises(BinanceAPIException) as spot:
            client.get_order_book(symbol='BTCUSDT')        # no spot files: no spot symbols
        spot_symbols = client.get_exchange_info()['symbols']
    assert (unknown.value.code, unknown.value.message) == (-1121, 'Invalid symbol.')
    assert spot.value.code == -1121 and spot_symbols == []
    symbols = {s['symbol']: s for s in info['symbols']}
    assert sorted(symbols) == ['BTCUSDT', 'ETHUSDT']
    btc = {f['filterType']: f for f in symbols['BTCUSDT']['filters']}
    eth = {f['filterType']: f for f in symbols['ETHUSDT']['filters']}
    # tick and step from the data's decimals; MIN_NOTIONAL of the engine's table
    assert (btc['PRICE_FILTER']['tickSize'], btc['LOT_SIZE']['stepSize'],
            btc['MIN_NOTIONAL']['notional']) == ('0.1', '0.001', '100')
    assert (eth['PRICE_FILTER']['tickSize'], eth['LOT_SIZE']['stepSize']) == ('0.01', '0.001')
    assert symbols['BTCUSDT']['marginAsset'] == 'USDT'


def test_a_symbol_in_spot_and_um_files_is_two_markets_merged_in_time_order(tmp_path):
    """Spot BTCUSDT (µs) and USD-M BTCUSDT (ms) replay side by side, each at its own prices."""
    spot = rf.write(tmp_path / 'spot', 'BTCUSDT-trades-2025-03-01',
                    rf.trade_rows(40, step_ms=100))
    um = _um(tmp_path, rf.um_trade_rows(30, start_ms=T0 + 50, step_ms=130))
    with LocalExchange(replay=[spot, um], speed=0) as ex:
        bm = local_manager(ex)
        order = []
        bm.start_trade_socket('BTCUSDT', lambda m: order.append(('spot', m['T'])))
        bm.start_aggtrade_futures_socket('BTCUSDT',
                                         lambda m: order.append(('um', m['data']['T'])))
        _run_to_end(ex, bm)
        client = ex.client()
        spot_last = client.get_symbol_ticker(symbol='BTCUSDT')['price']
        um_last = client.futures_symbol_ticker(symbol='BTCUSDT')['price']
    assert spot_last == rf.d8(rf.price_path(40)[-1])
    assert Decimal(um_last) == Decimal(str(rf.um_price_path(30)[-1]))
    assert sorted(order, key=lambda o: o[1]) == order          # one tape, in time order
    assert sum(kind == 'spot' for kind, _ in order) == 40
    assert sum(kind == 'um' for kind, _ in order) == 30
    assert {k: Decimal(v) for k, v in ex.replay.futures_last_prices().items()} == {
        'BTCUSDT': Decimal(um_last)}


def test_fstream_serves_what_the_files_support_on_replay_time(tmp_path):
    """aggTrade, klines of any interval, bookTicker, depth, markPrice and tickers come from the tape."""
    _um(tmp_path, rf.um_trade_rows(300))
    with LocalExchange(replay=[str(tmp_path)], speed=0) as ex:
        bm = local_manager(ex)
        market, _ = _collect(bm, ['btcusdt@aggTrade', 'btcusdt@kline_1m', 'btcusdt@kline_5m',
                                  'btcusdt@markPrice@1s', 'btcusdt@ticker'])
        public, _ = _collect(bm, ['btcusdt@bookTicker', 'btcusdt@depth5@100ms'])
        _run_to_end(ex, bm)
    kinds = {}
    for msg in market + public:
        key = msg['e'] + ('_' + msg['k']['i'] if msg['e'] == 'kline' else '')
        kinds.setdefault(key, []).append(msg)
    assert set(kinds) == {'aggTrade', 'kline_1m', 'kline_5m', 'markPriceUpdate', '24hrTicker',
                          'bookTicker', 'depthUpdate'}
    prices = rf.um_price_path(300)
    assert [Decimal(a['p']) for a in kinds['aggTrade']] == [Decimal(str(p)) for p in prices]
    assert [a['f'] for a in kinds['aggTrade']] == list(range(6000000, 6000300))
    last = T0 + 299 * 250
    assert all(T0 <= m['E'] <= last for m in market + public)
    closed = [k['k'] for k in kinds['kline_1m'] if k['k']['x']]
    assert closed and closed[0]['t'] == T0 and closed[0]['n'] == 240
    assert Decimal(closed[0]['c']) == Decimal(str(prices[239]))
    assert {k['k']['t'] for k in kinds['kline_5m']} == {T0}
    # the mark price is the last print before each update; the index is the mark
    for mark in kinds['markPriceUpdate']:
        index = (mark['E'] - T0 - 1) // 250
        assert Decimal(mark['p']) == Decimal(str(prices[index])) and mark['i'] == mark['p']
    # one tick around each print, five synthesised levels
    assert all(Decimal(b['a']) - Decimal(b['b']) == Decimal('0.1') for b in kinds['bookTicker'])
    assert all(len(d['b']) == 5 and len(d['a']) == 5 for d in kinds['depthUpdate'])


def test_fapi_market_data_is_the_tape_up_to_the_current_event(tmp_path):
    """While an aggTrade callback runs, /fapi trades, klines, tickers and the mark end at it."""
    _um(tmp_path, rf.um_trade_rows(120))
    prices = rf.um_price_path(120)
    with LocalExchange(replay=[str(tmp_path)], speed=0) as ex:
        bm = local_manager(ex)
        client = ex.client()
        views, done = [], threading.Event()

        def on_agg(msg):
            msg = msg['data']
            if msg['f'] in (6000010, 6000079):
                views.append((
                    msg['f'], client.futures_time()['serverTime'],
                    client.futures_recent_trades(symbol='BTCUSDT', limit=1000)[-1]['id'],
                    len(client.futures_historical_trades(symbol='BTCUSDT', limit=500)),
                    client.futures_aggregate_trades(symbol='BTCUSDT')[-1]['T'],
                    client.futures_klines(symbol='BTCUSDT', interval='1m')[-1][4],
                    client.futures_ticker(symbol='BTCUSDT')['lastPrice'],
                    client.futures_mark_price(symbol='BTCUSDT')['markPrice'],
                    client.futures_orderbook_ticker(symbol='BTCUSDT')['bidPrice']))
            if msg['f'] == 6000079:
                done.set()
        try:
            bm.start_aggtrade_futures_socket('BTCUSDT', on_agg)
            assert done.wait(90)
        finally:
            bm.close()
    for index, view in ((10, views[0]), (79, views[1])):
        now, price = T0 + index * 250, Decimal(str(prices[index]))
        seller = index % 2 == 1                    # a seller's print sets the bid at its price
        bid = price if seller else price - Decimal('0.1')
        assert view[:5] == (6000000 + index, now, 6000000 + index, index + 1, now)
        assert [Decimal(v) for v in view[5:]] == [price, price, price, bid]


def test_a_resting_limit_order_fills_against_later_prints_with_the_engines_booking(tmp_path):
    """A resting BUY fills at its price as maker per print; a MARKET SELL takes the book as
    taker and realises the profit; ORDER_TRADE_UPDATE and ACCOUNT_UPDATE as live."""
    prices = [60000.0, 60010.0, 60005.0, 59990.0, 59980.1, 60020.0, 60030.2, 60040.0]
    _um(tmp_path, rf.um_trade_rows(8, prices=prices, qty='0.004'))
    with LocalExchange(replay=[str(tmp_path)], speed=0) as ex:
        bm = local_manager(ex)
        client = ex.client()
        user, placed, done = [], {}, threading.Event()

        def on_user(msg):
            user.append(msg)

        def on_agg(msg):
            msg = msg['data']
            if msg['f'] == 6000000:
                placed['limit'] = client.futures_create_order(
                    symbol='BTCUSDT', side='BUY', type='LIMIT', quantity='0.010',
                    price='59995.0', timeInForce='GTC')
            if msg['f'] == 6000006:
                placed['market'] = client.futures_create_order(
                    symbol='BTCUSDT', side='SELL', type='MARKET', quantity='0.008')
            if msg['f'] == 6000007:
                done.set()
        try:
            bm.start_futures_user_socket(on_user)
            bm.start_aggtrade_futures_socket('BTCUSDT', on_agg)
            assert done.wait(90)
            wait_until(lambda: ex.replay.exhausted, timeout=60)
        finally:
            bm.close()
        positions = client.futures_position_information(symbol='BTCUSDT')
        trades = client.futures_account_trades(symbol='BTCUSDT')
    fills = [(e['o']['x'], e['o']['X'], e['o']['l'], e['o']['L'], e['o']['t'], e['o']['m'],
              e['o'].get('n'), e['o']['rp'], e['T']) for e in user if e['e'] == 'ORDER_TRADE_UPDATE']
    assert fills[:3] == [
        ('NEW', 'NEW', '0.000', '0.0', 0, False, None, '0.00000000', T0),
        # 60010 and 60005 do not reach 59995.0; 59990.0 and 59980.1 fill 0.004 each as maker
        ('TRADE', 'PARTIALLY_FILLED', '0.004', '59995.0', 6000003, True, '0.04799600',
         '0.00000000', T0 + 750),
        ('TRADE', 'PARTIALLY_FILLED', '0.004', '59995.0', 6000004, True, '0.04799600',
         '0.00000000', T0 + 1000)]
    # the market sell takes the synthesised book under the buyer's print 60030.2: the
    # bid one tick under it, then the next level, each with the print's quantity
    sell = [f for f in fills if f[0] == 'TRADE' and not f[5]]
    assert [(f[2], f[3]) for f in sell] == [('0.004', '60030.1'), ('0.004', '60030.0')]
    assert sum(Decimal(f[7]) for f in sell) == Decimal('0.2804')   # vs the entry 59995.0
    assert [Decimal(f[6]) for f in sell] == [                       # taker: 0.05 %
        (Decimal(f[2]) * Decimal(f[3]) * Decimal('0.0005')).quantize(Decimal('1e-8'))
        for f in sell]
    accounts = [e['a'] for e in user if e['e'] == 'ACCOUNT_UPDATE']
    assert accounts[0]['P'][0]['pa'] == '0.004' and Decimal(accounts[-1]['P'][0]['pa']) == 0
    assert all(Decimal(p['positionAmt']) == 0 for p in positions)
    assert [t['maker'] for t in trades] == [True, True, False, False]
    assert placed['limit']['status'] == 'NEW'


def test_a_conditional_order_triggers_on_the_tape_and_fills_against_its_book(tmp_path):
    """A STOP_MARKET SELL (Algo Service) triggers at the first print at or below its price."""
    prices = [60000.0, 60010.0, 60005.0, 59990.0, 59980.1, 59970.0, 60030.2, 60040.0]
    _um(tmp_path, rf.um_trade_rows(8, prices=prices, qty='0.004'))
    with LocalExchange(replay=[str(tmp_path)], speed=0) as ex:
        bm = local_manager(ex)
        client = ex.client()
        user, done = [], threading.Event()

        def on_agg(msg):
            msg = msg['data']
            if msg['f'] == 6000000:
                client.futures_create_order(symbol='BTCUSDT', side='BUY', type='MARKET',
                                            quantity='0.010')
                client.futures_create_algo_order(
                    symbol='BTCUSDT', side='SELL', type='STOP_MARKET', triggerPrice='59985.0',
                    closePosition='true')
            if msg['f'] == 6000007:
                done.set()
        try:
            bm.start_futures_user_socket(user.append)
            bm.start_aggtrade_futures_socket('BTCUSDT', on_agg)
            assert done.wait(90)
            wait_until(lambda: ex.replay.exhausted, timeout=60)
        finally:
            bm.close()
        positions = client.futures_position_information(symbol='BTCUSDT')
    algo = [(e['o']['X'], e['T']) for e in user if e['e'] == 'ALGO_UPDATE']
    assert algo[0] == ('NEW', T0)
    assert ('TRIGGERING', T0 + 1000) in algo or ('TRIGGERED', T0 + 1000) in algo
    assert algo[-1][0] == 'FINISHED'
    trades = [(e['o']['S'], e['o']['L'], e['T']) for e in user
              if e['e'] == 'ORDER_TRADE_UPDATE' and e['o']['x'] == 'TRADE']
    # bought at the ask (the buyer's first print) and up; the stop sells from the bid one
    # tick under the buyer's print 59980.1 (each level the print's 0.004)
    assert trades == [('BUY', '60000.0', T0), ('BUY', '60000.1', T0), ('BUY', '60000.2', T0),
                      ('SELL', '59980.0', T0 + 1000), ('SELL', '59979.9', T0 + 1000),
                      ('SELL', '59979.8', T0 + 1000)]
    assert all(Decimal(p['positionAmt']) == 0 for p in positions)


def test_a_mark_price_klines_file_is_the_mark_price(tmp_path):
    """With markPriceKlines the mark (premiumIndex, mark klines) follows the file, not the prints."""
    _um(tmp_path, rf.um_kline_rows(3), 'BNBUSDT', 'klines', rf.UM_KLINES_HEADER, interval='1m')
    _um(tmp_path, rf.um_kline_rows(3, start=610.0, volume='0'), 'BNBUSDT', 'markPriceKlines',
        rf.UM_KLINES_HEADER, interval='1m')
    replay = Replay([str(tmp_path)])
    assert [d.kind for d in replay.files] == ['markPriceKlines', 'klines']
    with LocalExchange(replay=[str(tmp_path)], speed=0) as ex:
        bm = local_manager(ex)
        client = ex.client()
        marks, done = [], threading.Event()

        def on_agg(msg):
            msg = msg['data']
            marks.append((msg['p'], client.futures_mark_price(symbol='BNBUSDT')['markPrice']))
            if len(marks) == 6:     # the second kline's open and nearer extreme
                result['klines'] = client.futures_mark_price_klines(symbol='BNBUSDT',
                                                                    interval='1m')
            if len(marks) == 12:
                done.set()
        result = {}
        try:
            bm.start_aggtrade_futures_socket('BNBUSDT', on_agg)
            assert done.wait(90)
        finally:
            bm.close()
    # each kline is four points (open, nearer extreme, other extreme, close) at the same times
    rows = [r.split(',') for r in rf.um_kline_rows(3, start=610.0, volume='0')]
    expected = []
    for r in rows:
        rising = Decimal(r[4]) >= Decimal(r[1])
        expected += [r[1], r[3], r[2], r[4]] if rising else [r[1], r[2], r[3], r[4]]
    assert [Decimal(m) for _, m in marks] == [Decimal(e) for e in expected]
    assert marks[0][0] == '600.00'                   # the contract price stays the klines'
    # markPriceKlines: the file's first row whole, the second one so far (never its future)
    first, second = result['klines']
    assert [Decimal(v) for v in first[1:5]] == [Decimal(v) for v in rows[0][1:5]]
    assert first[0] == T0 and second[0] == T0 + 60000
    assert [Decimal(v) for v in second[1:5]] == [Decimal(expected[4]), Decimal(expected[5]),
                                                 Decimal(expected[4]), Decimal(expected[5])]


def test_coin_m_and_other_price_klines_are_refused_with_what_is_valid(tmp_path):
    """COIN-M files and index/premium price klines say what a replay reads."""
    cm = rf.write(tmp_path / 'futures' / 'cm', 'BTCUSDPERP-aggTrades-2025-03-01',
                  rf.um_agg_rows(2), header=rf.UM_AGG_HEADER)
    with pytest.raises(ReplayDataError, match='COIN-M futures files cannot be replayed yet.*'
                                              'USD-M futures files'):
        Replay([cm])
    index = _um(tmp_path / 'x', rf.um_kline_rows(2), 'BTCUSDT', 'indexPriceKlines',
                rf.UM_KLINES_HEADER, interval='1m')
    with pytest.raises(ReplayDataError, match='indexPriceKlines files cannot be replayed.*'
                                              'markPriceKlines'):
        Replay([index])
    alone = _um(tmp_path / 'y', rf.um_kline_rows(2), 'BTCUSDT', 'markPriceKlines',
                rf.UM_KLINES_HEADER, interval='1m')
    with pytest.raises(ReplayDataError, match='needs the trades, aggTrades or klines of BTCUSDT'):
        Replay([alone])


def test_um_trades_outside_a_futures_folder_are_told_by_their_columns(tmp_path):
    """Six-column trades and seven-column aggTrades are USD-M wherever they lie."""
    trades = rf.write(tmp_path, 'BTCUSDT-trades-2025-03-01', rf.um_trade_rows(3),
                      header=rf.UM_TRADES_HEADER)
    aggs = rf.write(tmp_path, 'ETHUSDT-aggTrades-2025-03-01', rf.um_agg_rows(3), zipped=False)
    spot = rf.write(tmp_path, 'BNBUSDT-trades-2025-03-01', rf.trade_rows(3))
    replay = Replay([trades, aggs, spot])
    assert sorted(replay.futures_symbols) == ['BTCUSDT', 'ETHUSDT']
    assert sorted(replay.symbols) == ['BNBUSDT']


def test_a_um_book_ticker_file_is_the_book_and_klines_feed_the_prints(tmp_path):
    """A um bookTicker csv is the contract's top of book; 5m klines print; a MARKET buy takes
    the file's ask as taker."""
    book = [','.join([str(900 + i), '{:.2f}'.format(600 + i * 0.01), '12.34',
                      '{:.2f}'.format(600.05 + i * 0.01), '5.67', str(T0 + 1000 * i),
                      str(T0 + 1000 * i + 3)]) for i in range(60)]
    _um(tmp_path, book, 'BNBUSDT', 'bookTicker', rf.BOOK_HEADER, zipped=False)
    _um(tmp_path, rf.um_kline_rows(2, interval_ms=300000), 'BNBUSDT', 'klines',
        rf.UM_KLINES_HEADER, interval='5m')
    with LocalExchange(replay=[str(tmp_path)], speed=0) as ex:
        bm = local_manager(ex)
        client = ex.client()
        seen, result, done = [], {}, threading.Event()

        def on_book(msg):
            seen.append(msg['data'])
            if len(seen) == 10:
                result['top'] = msg['data']
                result['book'] = client.futures_order_book(symbol='BNBUSDT', limit=5)
                result['order'] = client.futures_create_order(
                    symbol='BNBUSDT', side='BUY', type='MARKET', quantity='1.00',
                    newOrderRespType='RESULT')
                done.set()
        try:
            bm.start_futures_multiplex_socket(['bnbusdt@bookTicker'], on_book)
            assert done.wait(90)
        finally:
            bm.close()
    top = result['top']
    rows = {(r.split(',')[1], r.split(',')[3]) for r in book}
    assert (top['b'], top['a']) in rows and (top['B'], top['A']) == ('12.34', '5.67')
    assert result['book']['asks'][0] == [top['a'], '5.67']
    assert [level[0] for level in result['book']['bids']] == [
        '{:.2f}'.format(Decimal(top['b']) - Decimal('0.01') * k) for k in range(5)]
    assert result['order']['status'] == 'FILLED'
    assert Decimal(result['order']['avgPrice']) == Decimal(top['a'])


def test_with_a_speed_a_fapi_request_starts_the_tape(tmp_path):
    """At --speed 1000 a /fapi request alone starts the tape; futures time reaches the end."""
    _um(tmp_path, rf.um_trade_rows(40))
    with LocalExchange(replay=[str(tmp_path)], speed=1000) as ex:
        assert ex.call(lambda: (ex.replay.released, ex.futures.now_ms())) == (0, T0)
        client = ex.client()
        client.futures_ping()
        wait_until(lambda: ex.replay.exhausted, timeout=60, message='the end of the data')
        assert client.futures_time()['serverTime'] == T0 + 39 * 250
        assert client.futures_recent_trades(symbol='BTCUSDT')[-1]['id'] == 6000039


def test_usdc_contracts_are_margined_in_usdc_and_the_wallet_holds_it(tmp_path):
    """An ETHUSDC um file is a USDC-margined contract; the default wallet holds USDC too."""
    _um(tmp_path, rf.um_agg_rows(30), 'ETHUSDC', 'aggTrades', rf.UM_AGG_HEADER)
    with LocalExchange(replay=[str(tmp_path)], speed=1000) as ex:
        client = ex.client()
        wallet = {b['asset']: b['balance'] for b in client.futures_account_balance()}
        # that request started the tape; before its first print the book is empty
        wait_until(lambda: ex.replay.tape.released, timeout=30, message='the first print')
        order = client.futures_create_order(symbol='ETHUSDC', side='BUY', type='MARKET',
                                            quantity='0.100', newOrderRespType='RESULT')
        trades = client.futures_account_trades(symbol='ETHUSDC')
    assert Decimal(wallet['USDC']) == Decimal(wallet['USDT']) == 100000
    assert order['status'] == 'FILLED'
    assert {t['commissionAsset'] for t in trades} == {'USDC'}


def _replay_with_orders(tmp_path, read_depth):
    """Replay 200 um trades placing a MARKET and a LIMIT order on the way; with or without a
    depth reader. Returns the fills and the final /fapi depth."""
    _um(tmp_path, rf.um_trade_rows(200))
    with LocalExchange(replay=[str(tmp_path)], speed=0) as ex:
        bm = local_manager(ex)
        client = ex.client()
        fills, depths = [], []

        def on_agg(msg):
            msg = msg['data']
            if msg['f'] == 6000050:
                client.futures_create_order(symbol='BTCUSDT', side='BUY', type='MARKET',
                                            quantity='0.012')
            if msg['f'] == 6000120:
                depths.append(client.futures_order_book(symbol='BTCUSDT', limit=10))
                client.futures_create_order(symbol='BTCUSDT', side='SELL', type='LIMIT',
                                            quantity='0.012', price='60005.0',
                                            timeInForce='GTC')

        def on_user(msg):
            if msg['e'] == 'ORDER_TRADE_UPDATE' and msg['o']['x'] == 'TRADE':
                fills.append((msg['o']['S'], msg['o']['l'], msg['o']['L'], msg['o']['m'],
                              msg['T']))
        ex.replay.gate.held = True
        bm.start_futures_user_socket(on_user)
        bm.start_futures_multiplex_socket(['btcusdt@aggTrade'], on_agg)
        if read_depth:
            bm.start_futures_multiplex_socket(['btcusdt@depth@100ms'], lambda msg: None)
        wait_until(lambda: bm.connecting_socket_count() == 0, timeout=30,
                   message='the sockets')
        ex.call(lambda: setattr(ex.replay.gate, 'held', False))
        _run_to_end(ex, bm)
        depths.append(client.futures_order_book(symbol='BTCUSDT', limit=10))
    return fills, depths


def test_a_depth_reader_changes_nothing_a_script_sees(tmp_path):
    """The synthesised book is built only when read: with or without a depth stream reading
    it, the same orders get the same fills and /fapi/v1/depth the same levels and ids."""
    with_reader = _replay_with_orders(tmp_path / 'a', read_depth=True)
    without = _replay_with_orders(tmp_path / 'b', read_depth=False)
    fills, depths = without
    assert [f[0] for f in fills][:1] == ['BUY'] and any(f[0] == 'SELL' for f in fills)
    assert all(d['bids'] and d['asks'] for d in depths)
    assert without == with_reader
