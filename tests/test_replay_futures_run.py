"""`python -m binance.testing run --replay` of USD-M (and spot) files in child processes: a
futures script's fills are the same byte for byte run after run, and the end-of-run report
has the futures part (realised and unrealised PnL in the margin asset)."""
import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

from tests import replay_files as rf

ROOT = Path(__file__).resolve().parents[1]

# Trades USD-M BTCUSDT (limit buys, market sells, a stop) and spot BTCUSDT; prints its events
SCRIPT = '''
import json
from binance.client import Client
from binance.websockets import BinanceSocketManager
client = Client('local-api-key', 'local-api-secret')
bm = BinanceSocketManager(client)
state = {'n': 0, 'aggs': 0}

def on_user(msg):
    print('USER', json.dumps(msg, sort_keys=True), flush=True)

def on_agg(msg):
    data = msg['data']
    state['n'] += 1
    state['aggs'] += 1
    price = float(data['p'])
    if state['n'] % 40 == 1:
        order = client.futures_create_order(symbol='BTCUSDT', side='BUY', type='LIMIT',
                                            quantity='0.010', timeInForce='GTC',
                                            price='{:.1f}'.format(price - 3))
        print('LIMIT', order['orderId'], order['status'], flush=True)
    if state['n'] % 90 == 2:
        order = client.futures_create_order(symbol='BTCUSDT', side='SELL', type='MARKET',
                                            quantity='0.004')
        print('MARKET', order['orderId'], flush=True)
    if state['n'] == 3:
        algo = client.futures_create_algo_order(symbol='BTCUSDT', side='SELL',
                                                type='STOP_MARKET', quantity='0.004',
                                                triggerPrice='{:.1f}'.format(price - 2))
        print('STOP', algo['algoId'], flush=True)

def on_spot(msg):
    if msg['t'] % 100 == 7:
        order = client.order_market_buy(symbol='BTCUSDT', quantity='0.001')
        print('SPOT', json.dumps(order['fills']), flush=True)

bm.start_futures_user_socket(on_user)
bm.start_user_socket(on_user)
bm.start_futures_multiplex_socket(['btcusdt@aggTrade', 'btcusdt@markPrice@1s'],
                                  lambda m: on_agg(m) if m['data']['e'] == 'aggTrade' else None)
bm.start_trade_socket('BTCUSDT', on_spot)
bm.start()

import atexit
atexit.register(lambda: print('END', state['aggs'], flush=True))
'''


def _run(*args, timeout=240):
    return subprocess.run([sys.executable, '-m', 'binance.testing', 'run'] + list(args),
                          cwd=str(ROOT), capture_output=True, text=True, timeout=timeout)


def _data(tmp_path):
    folder = tmp_path / 'data'
    rf.write(rf.um_path(folder, 'trades', 'BTCUSDT'), 'BTCUSDT-trades-2025-03-01',
             rf.um_trade_rows(360, step_ms=150), header=rf.UM_TRADES_HEADER)
    rf.write(folder / 'spot', 'BTCUSDT-trades-2025-03-01', rf.trade_rows(300, step_ms=170))
    return folder


def test_a_futures_script_gives_the_same_fills_byte_for_byte_and_a_futures_report(tmp_path):
    """Two lockstep runs over spot + USD-M files print the same bytes; the report's futures
    part sums the fills' realised PnL and fees in USDT."""
    folder = _data(tmp_path)
    script = tmp_path / 'bot.py'
    script.write_text(SCRIPT)
    report = tmp_path / 'report.json'
    first = _run('--replay', str(folder), '--speed', '0', '--report', str(report), str(script))
    second = _run('--replay', str(folder), str(script))
    assert first.returncode == 0, first.stderr[-3000:]
    assert second.returncode == 0, second.stderr[-3000:]
    assert first.stdout == second.stdout
    lines = first.stdout.splitlines()
    events = [json.loads(line[5:]) for line in lines if line.startswith('USER')]
    updates = [e['o'] for e in events if e['e'] == 'ORDER_TRADE_UPDATE']
    fills = [o for o in updates if o['x'] == 'TRADE']
    taken = sum(not o['m'] for o in fills)           # the script's taker fills print too
    assert lines[-1] == 'END {}'.format(360 + taken)  # every print, then the data ended
    assert any(o['m'] for o in fills) and any(not o['m'] for o in fills)   # maker and taker
    assert any(o['ot'] == 'STOP_MARKET' for o in fills)                    # the stop triggered
    assert [e['o']['X'] for e in events if e['e'] == 'ALGO_UPDATE'][-1] == 'FINISHED'
    assert any(e['e'] == 'executionReport' and e['x'] == 'TRADE' for e in events)   # spot too
    futures = json.loads(report.read_text())['futures']
    btc = futures['symbols']['BTCUSDT']
    assert btc['fills'] == len(fills) and btc['margin_asset'] == 'USDT'
    assert Decimal(btc['realised_pnl']) == sum(Decimal(o['rp']) for o in fills)
    assert Decimal(btc['fees']['USDT']) == sum(Decimal(o['n']) for o in fills)
    assert Decimal(btc['net_pnl']) == Decimal(btc['realised_pnl']) \
        + Decimal(btc['unrealised_pnl']) - Decimal(btc['fees']['USDT'])
    assert Decimal(btc['position']) == sum(Decimal(o['l']) * (1 if o['S'] == 'BUY' else -1)
                                           for o in fills)
    assert 'USD-M futures' in first.stderr and 'Futures wallet: 100000 USDT ->' in first.stderr


def test_the_0711_futures_script_runs_unchanged_on_a_replay(tmp_path):
    """The 0.7.11-style futures script of test_futures_script_0711 (klines, order, position,
    sockets, depth cache, stop-loss and take-profit) runs unchanged with --replay: the data's
    fall triggers its stop, the take-profit expires, the script stops the reactor itself."""
    from tests.test_futures_script_0711 import SCRIPT as SCRIPT_0711
    import textwrap
    prices = [rf.um_price_path(200)[i] for i in range(200)]
    prices += [round(60000 - (i + 1) * 120.0, 1) for i in range(60)]      # down to 52800.0
    prices += [round(52800.0 + (i % 7) * 0.1, 1) for i in range(340)]
    folder = tmp_path / 'data'
    rf.write(rf.um_path(folder, 'trades', 'BTCUSDT'), 'BTCUSDT-trades-2025-03-01',
             rf.um_trade_rows(600, step_ms=100, prices=prices), header=rf.UM_TRADES_HEADER)
    script = tmp_path / 'futures_bot.py'
    script.write_text(textwrap.dedent(SCRIPT_0711))
    proc = _run('--replay', str(folder), '--speed', '5', str(script))
    assert proc.returncode == 0, proc.stderr[-3000:]
    lines = dict(line.split(' ', 1) for line in proc.stdout.splitlines() if ' ' in line)
    assert lines['PRECISION'] == '1 3'                     # tick 0.1, step 0.001 from the data
    assert lines['AGG'].split()[:2] == ['btcusdt@aggTrade', 'aggTrade']
    assert lines['MARK'] == 'btcusdt@markPrice@1s markPriceUpdate'
    assert (lines['BOOK'], lines['ORDER'], lines['POSITION']) == ('True True', 'NEW 0.010 0',
                                                                  '0.010')
    assert lines['USER'] == "['ACCOUNT_UPDATE', 'ORDER_TRADE_UPDATE']"
    assert (lines['STOPS'], lines['CLOSED'], lines['TAKE']) == ('NEW NEW', 'True', 'EXPIRED')
    assert proc.stdout.rstrip().endswith('DONE')
