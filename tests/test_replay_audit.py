"""Issue 23's promises not pinned elsewhere: recordings of the local exchange rotated per hour
replay from their directory; a replay run's report at the end of the data and on Ctrl-C."""
import json
import subprocess
import sys
import threading
from pathlib import Path

from binance._record import HourlyWriter
from binance.testing import LocalExchange
from tests import replay_files as rf
from tests.support import ctrl_c, local_manager, wait_until

ROOT = Path(__file__).resolve().parents[1]
T0 = 1767225600000          # 2026-01-01 00:00:00 UTC: the receive times written
QUARTER_HOUR_MS = 15 * 60 * 1000


def _replayed_trades(paths, count):
    """The trade stream of a lockstep replay of ``paths``: ``(id, price, qty, time)`` each."""
    got, done = [], threading.Event()
    with LocalExchange(replay=paths, speed=0) as ex:
        bm = local_manager(ex)

        def on_trade(msg):
            got.append((msg['t'], msg['p'], msg['q'], msg['T']))
            if len(got) == count:
                done.set()
        try:
            bm.start_trade_socket('BNBBTC', on_trade)
            assert done.wait(60), 'replayed {} of {} trades'.format(len(got), count)
            wait_until(lambda: ex.replay.exhausted, 30, message='the end of the recording')
        finally:
            bm.close()
    return got


def test_a_recording_rotated_per_hour_replays_from_its_directory(tmp_path):
    """Trades recorded from the local exchange into several hourly files replay from the
    directory once each, in order, with their ids, prices, quantities and times."""
    out = tmp_path / 'rec'
    writer = HourlyWriter(str(out))
    recorded = []
    with LocalExchange(seed=4, tick=None) as source:
        bm = local_manager(source)

        def on_message(msg):
            data = msg['data']
            recorded.append((data['t'], data['p'], data['q'], data['T']))
            # receive times a quarter hour apart: a new file every 4 trades, so trades of
            # the same millisecond fall on both sides of a file boundary
            writer.write(T0 + writer.count * QUARTER_HOUR_MS, msg['stream'], data)
        try:
            key = bm.start_multiplex_socket(['bnbbtc@trade'], on_message)
            assert bm.wait_connected(key, 10)
            source.step(40)
            wait_until(lambda: len(recorded) >= 10, 20, message='recorded trades')
        finally:
            bm.close()
    writer.close()
    files = sorted(p.name for p in out.iterdir())
    assert len(files) >= 3 and files[0] == 'binance-stream-2026-01-01-00.jsonl.gz'
    assert _replayed_trades([str(out)], len(recorded)) == recorded


def test_merge_ties_keep_the_order_of_the_files_then_their_own(tmp_path):
    """Events of the same millisecond: every one of the first file's before the second's, each
    file in its own order (the hourly files of one recording stay in recorded order)."""
    from binance.testing.replay.reader import expand_paths, merge

    def trade(i):
        return (T0, 'bnbbtc@trade', {'e': 'trade', 's': 'BNBBTC', 't': i, 'p': '1.0',
                                     'q': '1.0', 'T': T0, 'm': False})
    rf.write_recording(tmp_path, 'binance-stream-2026-01-01-00', [trade(i) for i in (1, 2, 3)])
    rf.write_recording(tmp_path, 'binance-stream-2026-01-01-01', [trade(i) for i in (4, 5)])
    assert [e[4][0] for e in merge(expand_paths([str(tmp_path)]))] == [1, 2, 3, 4, 5]


def test_a_record_cli_recording_replays(tmp_path):
    """What `python -m binance record --local` wrote replays: the same trades, in order."""
    out = tmp_path / 'rec'
    proc = subprocess.run(
        [sys.executable, '-m', 'binance', 'record', 'bnbbtc@trade', '--local', '--out',
         str(out), '--duration', '1'], cwd=str(ROOT), capture_output=True, text=True,
        timeout=90)
    assert proc.returncode == 0, proc.stderr
    import gzip
    recorded = []
    for path in sorted(out.iterdir()):
        with gzip.open(str(path), 'rt', encoding='utf-8') as fh:
            for line in fh:
                data = json.loads(line)['data']
                recorded.append((data['t'], data['p'], data['q'], data['T']))
    assert recorded and 'wrote {} messages'.format(len(recorded)) in proc.stdout
    assert _replayed_trades([str(out)], len(recorded)) == recorded


SCRIPT = '''
from binance.client import Client
from binance.websockets import BinanceSocketManager
client = Client('local-api-key', 'local-api-secret')
bm = BinanceSocketManager(client)
state = {'n': 0}

def on_trade(msg):
    state['n'] += 1
    if state['n'] == 1:
        client.order_market_buy(symbol='BTCUSDT', quantity='0.01')
        client.order_limit_buy(symbol='BTCUSDT', quantity='0.01', price='89990.00')
        print('ORDERED', flush=True)

bm.start_trade_socket('BTCUSDT', on_trade)
bm.start()
'''


def _script_and_data(tmp_path, count):
    script = tmp_path / 'bot.py'
    script.write_text(SCRIPT)
    data = rf.write(tmp_path / 'data', 'BTCUSDT-trades-2025-03-01',
                    rf.trade_rows(count, step_ms=150))
    return script, data


def test_a_replay_run_reports_when_the_data_is_exhausted(tmp_path):
    """The run ends with the data (status 0), prints the table and writes --report with the
    orders, fills and the replay's last price."""
    script, data = _script_and_data(tmp_path, 300)
    out = tmp_path / 'report.json'
    proc = subprocess.run([sys.executable, '-m', 'binance.testing', 'run', '--replay', data,
                           '--report', str(out), str(script)], cwd=str(ROOT),
                          capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout == 'ORDERED\n'
    assert 'BTCUSDT' in proc.stderr and 'Final balances:' in proc.stderr
    report = json.loads(out.read_text())
    btc = report['symbols']['BTCUSDT']
    assert btc['orders'] == 2 and btc['fills'] >= 2      # the market buy, the resting buy later
    assert btc['bought'] == '0.02' and report['valuation_asset'] == 'USDT'
    last = rf.price_path(300)[-1]
    assert float(btc['last_price']) == last


def test_a_replay_run_reports_on_ctrl_c(tmp_path):
    """Ctrl-C during a replay at --speed 1 ends the run with status 130 and writes the report."""
    script, data = _script_and_data(tmp_path, 2000)      # five minutes of data at speed 1
    out = tmp_path / 'report.json'
    proc = subprocess.Popen([sys.executable, '-m', 'binance.testing', 'run', '--replay', data,
                             '--speed', '1', '--report', str(out), str(script)], cwd=str(ROOT),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _, stderr = ctrl_c(proc, lambda: proc.stdout.readline().strip() == 'ORDERED')
    assert proc.returncode == 130, stderr[-3000:]
    report = json.loads(out.read_text())
    assert report['symbols']['BTCUSDT']['orders'] == 2
    assert report['symbols']['BTCUSDT']['fills'] >= 1


def test_ticker_streams_in_a_replay_follow_the_data_up_to_their_event_time(tmp_path):
    """@ticker, @ticker_1h and @avgPrice of a replayed symbol come each replay second, in
    replay time, with the last price, last id, count and average of the trades before then
    (a trade of the very same millisecond comes after the ticker)."""
    from decimal import Decimal
    count = 300
    path = rf.write(tmp_path, 'BTCUSDT-trades-2025-03-01', rf.trade_rows(count))
    prices = [Decimal(rf.d8(p)) for p in rf.price_path(count)]
    times = [rf.MARCH_2025_MS + 250 * i for i in range(count)]
    with LocalExchange(replay=[path], speed=0) as ex:
        bm = local_manager(ex)
        got = []
        try:
            bm.start_multiplex_socket(['btcusdt@ticker', 'btcusdt@ticker_1h', 'btcusdt@avgPrice'],
                                      got.append)
            wait_until(lambda: ex.replay.exhausted, 60, message='the end of the data')
        finally:
            bm.close()
    by_kind = {}
    for msg in got:
        by_kind.setdefault(msg['data']['e'], []).append(msg['data'])
    assert set(by_kind) == {'24hrTicker', '1hTicker', 'avgPrice'}
    for kind, events in by_kind.items():
        stamps = [e['E'] for e in events]
        assert stamps == sorted(stamps) and len(events) >= 70, kind     # one a replay second
        assert all(times[0] <= t <= times[-1] and t % 1000 == 0 for t in stamps), kind
        for event in events:
            seen = [i for i, t in enumerate(times) if t < event['E']]
            last = seen[-1]
            if kind == 'avgPrice':
                qty = Decimal('0.015')
                vwap = sum(prices[i] * qty for i in seen) / (qty * len(seen))
                assert abs(Decimal(event['w']) - vwap) < Decimal('0.00000002')
                assert event['T'] == times[last]
            else:
                assert (event['c'], event['L'], event['n']) == (
                    rf.d8(prices[last]), 4000000 + last, len(seen))
                assert event['o'] == rf.d8(prices[0])


def test_listen_keys_are_valid_sixty_replay_minutes(tmp_path):
    """A listen key made in a replay lasts 60 minutes of replay time from its last keepalive:
    kept alive 50 replay minutes on, refused (-1125) 70 replay minutes after that."""
    from binance.exceptions import BinanceAPIException
    path = rf.write(tmp_path, 'BTCUSDT-trades-2025-03-01',
                    rf.trade_rows(13, step_ms=10 * 60000))       # a trade every 10 replay min
    with LocalExchange(replay=[path], speed=0, listen_keys=True) as ex:
        client = ex.client()
        key, answers = [], []

        def on_trade(msg):
            minute = (msg['T'] - rf.MARCH_2025_MS) // 60000
            if minute == 0:
                key.append(client.stream_get_listen_key())
            elif minute in (50, 120):
                try:
                    client.stream_keepalive(listenKey=key[0])
                    answers.append((minute, 'kept'))
                except BinanceAPIException as exc:
                    answers.append((minute, exc.code, exc.message))
        done = threading.Event()
        bm = local_manager(ex)
        try:
            bm.start_trade_socket('BTCUSDT', lambda msg: (on_trade(msg), msg['t'] == 4000012
                                                          and done.set()))
            assert done.wait(60)
        finally:
            bm.close()
    assert answers == [(50, 'kept'), (120, -1125, 'This listenKey does not exist.')]


def test_a_recording_of_klines_only_is_refused_saying_what_replays(tmp_path):
    """A recording with nothing replayable (klines only) is refused, naming what a recording
    replays."""
    import pytest
    from binance.testing.replay import ReplayDataError
    t0 = rf.MARCH_2025_MS
    kline = {'t': t0, 'T': t0 + 59999, 's': 'BTCUSDT', 'i': '1m', 'f': 1, 'L': 2, 'o': '1.0',
             'c': '1.1', 'h': '1.2', 'l': '0.9', 'v': '3', 'n': 2, 'x': True, 'q': '3',
             'V': '1', 'Q': '1', 'B': '0'}
    path = rf.write_recording(tmp_path, 'binance-stream-2025-03-01-00', [
        (t0 + 60000, 'btcusdt@kline_1m', {'e': 'kline', 'E': t0 + 60000, 's': 'BTCUSDT',
                                          'k': kline})])
    with pytest.raises(ReplayDataError, match='trade, aggTrade and bookTicker messages'):
        LocalExchange(replay=[path], speed=0)


def test_a_klines_file_replays_its_candles_on_streams_and_rest(tmp_path):
    """A 5m klines file (milliseconds, with a header row): the kline_5m stream closes each
    candle with the file's open, high, low, close and volume, and REST klines answer them."""
    rows = rf.kline_rows(6, interval_ms=300000)
    header = 'open_time,open,high,low,close,volume,close_time,quote_volume,count,' \
             'taker_buy_volume,taker_buy_quote_volume,ignore'
    path = rf.write(tmp_path, 'BNBUSDT-5m-2024-03-01', rows, header=header)
    expected = [[int(r.split(',')[0])] + r.split(',')[1:6] for r in rows]
    with LocalExchange(replay=[path], speed=0) as ex:
        bm = local_manager(ex)
        closed = []
        try:
            bm.start_kline_socket('BNBUSDT', lambda msg: msg['k']['x'] and closed.append(
                [msg['k'][f] for f in 't o h l c v'.split()]), interval='5m')
            wait_until(lambda: ex.replay.exhausted, 60, message='the end of the data')
            wait_until(lambda: len(closed) >= 5, 10, message='closed candles')
        finally:
            bm.close()
        answered = [row[:6] for row in ex.client().get_klines(symbol='BNBUSDT', interval='5m')]
    assert closed[:5] == expected[:5]          # the last one closes only after the data ends
    assert answered == expected
