"""`python -m binance.testing run --replay` in child processes: a script's fills are the same,
byte for byte, run after run; the run ends with the data; bad options are refused."""
import subprocess
import sys
from pathlib import Path

from tests import replay_files as rf

ROOT = Path(__file__).resolve().parents[1]

# Trades BTCUSDT and ETHUSDT, buys on a dip, sells on a rise, prints every user event
SCRIPT = '''
import json
from binance.client import Client
from binance.websockets import BinanceSocketManager
client = Client('local-api-key', 'local-api-secret')
bm = BinanceSocketManager(client)
state = {'n': 0, 'trades': 0, 'eth': 0}

def on_user(msg):
    print('USER', json.dumps(msg, sort_keys=True), flush=True)

def on_market(msg):
    data = msg['data']
    state['n'] += 1
    state['trades'] += data.get('e') == 'trade'
    if data.get('e') == 'trade' and data['s'] == 'BTCUSDT' and state['n'] % 50 == 1:
        price = '89995.00'
        order = client.order_limit_buy(symbol='BTCUSDT', quantity='0.002', price=price)
        print('ORDER', order['orderId'], order['status'], price, flush=True)
    state['eth'] += data.get('e') == 'trade' and data['s'] == 'ETHUSDT'
    if data.get('e') == 'trade' and data['s'] == 'ETHUSDT' and state['eth'] % 70 == 2:
        order = client.order_market_sell(symbol='ETHUSDT', quantity='0.5')
        print('MARKET', json.dumps(order['fills']), flush=True)

bm.start_user_socket(on_user)
bm.start_multiplex_socket(['btcusdt@trade', 'ethusdt@trade', 'ethusdt@bookTicker'], on_market)
bm.start()

import atexit
atexit.register(lambda: print('END', state['trades'], flush=True))
'''


def _run(*args, timeout=180):
    return subprocess.run([sys.executable, '-m', 'binance.testing', 'run'] + list(args),
                          cwd=str(ROOT), capture_output=True, text=True, timeout=timeout)


def _data(tmp_path):
    folder = tmp_path / 'data'
    rf.write(folder, 'BTCUSDT-trades-2025-03-01', rf.trade_rows(400, step_ms=150))
    eth = rf.write(folder, 'ETHUSDT-aggTrades-2025-03-01',
                   rf.agg_rows(300, step_ms=200), header=rf.AGG_HEADER, zipped=False)
    return folder, eth


def test_the_same_files_and_speed_zero_give_the_same_run_byte_for_byte(tmp_path):
    """Two lockstep runs of a trading script over the same directory print the same bytes."""
    folder, _ = _data(tmp_path)
    script = tmp_path / 'bot.py'
    script.write_text(SCRIPT)
    first = _run('--replay', str(folder), '--speed', '0', str(script))
    second = _run('--replay', str(folder), str(script))          # 0 is the default
    assert first.returncode == 0, first.stderr[-3000:]
    assert second.returncode == 0, second.stderr[-3000:]
    assert first.stdout == second.stdout
    lines = first.stdout.splitlines()
    fills = [line for line in lines if '"x": "TRADE"' in line]
    own = sum('"m": false' in f for f in fills)           # the script took the book: its trades
    assert own > 0                                        # print on the tape too
    assert lines[-1] == 'END {}'.format(700 + own)        # every print, then the data ended
    assert any('"s": "BTCUSDT"' in f and '"m": true' in f for f in fills)    # resting buys filled
    assert any('"s": "ETHUSDT"' in f and '"m": false' in f for f in fills)   # market sells took
    assert sum(line.startswith('USER') and 'outboundAccountPosition' in line for line in lines)


def test_a_script_ends_with_its_own_status_before_the_data_does(tmp_path):
    """A script's sys.exit(4) in a callback is the run's status; unknown symbols are refused."""
    folder, _ = _data(tmp_path)
    script = tmp_path / 'stop.py'
    script.write_text(
        'import sys\nfrom binance.client import Client\n'
        'from binance.exceptions import BinanceAPIException\n'
        'from binance.websockets import BinanceSocketManager\n'
        'client = Client("k", "s")\n'
        'try:\n    client.get_order_book(symbol="BNBBTC")\n'
        'except BinanceAPIException as exc:\n    print("REFUSED", exc.code, exc.message)\n'
        'print(sorted(s["symbol"] for s in client.get_exchange_info()["symbols"]))\n'
        'bm = BinanceSocketManager(client)\n'
        'def on_trade(msg):\n'
        '    if msg["t"] == 4000009:\n        print("AT", msg["T"], flush=True)\n'
        '        sys.exit(4)\n'
        'bm.start_trade_socket("BTCUSDT", on_trade)\nbm.start()\n')
    proc = _run('--replay', str(folder), str(script))
    assert proc.returncode == 4, proc.stderr[-3000:]
    assert proc.stdout.splitlines() == [
        'REFUSED -1121 Invalid symbol.', "['BTCUSDT', 'ETHUSDT']",
        'AT {}'.format(rf.MARCH_2025_MS + 9 * 150)]


def test_replay_options_are_checked_before_anything_runs(tmp_path):
    """A missing path, a COIN-M file, a negative speed and --speed alone are refused (status 2)."""
    script = tmp_path / 'noop.py'
    script.write_text('print("RAN")\n')
    missing = _run('--replay', str(tmp_path / 'nope.zip'), str(script))
    assert missing.returncode == 2 and 'no such replay file' in missing.stderr
    cm = rf.write(tmp_path / 'futures' / 'cm', 'BTCUSDPERP-trades-2025-03-01', rf.trade_rows(3),
                  header=rf.TRADES_HEADER)
    futures = _run('--replay', cm, str(script))
    assert futures.returncode == 2 and 'COIN-M futures files cannot be replayed yet' in \
        futures.stderr
    um = rf.write(tmp_path / 'futures' / 'um', 'BTCUSDT-trades-2025-03-01', rf.um_trade_rows(3),
                  header=rf.UM_TRADES_HEADER)
    negative = _run('--replay', um, '--speed', '-1', str(script))
    assert negative.returncode == 2 and '--speed must be a number >= 0' in negative.stderr
    alone = _run('--speed', '5', str(script))
    assert alone.returncode == 2 and '--speed is the pace of a replay' in alone.stderr
    assert 'RAN' not in missing.stdout + futures.stdout + negative.stdout + alone.stdout
