"""Unmodified seed-style scripts run offline to their natural end (child processes: they stop the reactor)."""
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# the seed docs' style: start sockets, end the main thread, stop the reactor in a callback
SEED_SCRIPT = '''
import sys
from binance.client import Client
from binance.websockets import BinanceSocketManager
client = Client('', '')
bm = BinanceSocketManager(client)
seen = []
def process_message(msg):
    seen.append(msg)
    print("message type: {}".format(msg['e']), flush=True)
    if len(seen) == int(sys.argv[1]):
        from twisted.internet import reactor
        reactor.stop()
bm.start_trade_socket('BNBBTC', process_message)
bm.start()
print('MAIN DONE', sys.argv[1:], flush=True)
'''


def _python(*args, timeout=60):
    return subprocess.run([sys.executable] + list(args), cwd=str(ROOT), capture_output=True,
                          text=True, timeout=timeout)


def test_launcher_runs_a_script_that_ends_after_bm_start(tmp_path):
    """`python -m binance.testing run script.py 3` streams until the callback's reactor.stop()."""
    script = tmp_path / 'seed.py'
    script.write_text(SEED_SCRIPT)
    proc = _python('-m', 'binance.testing', 'run', '--tick', '0.02', str(script), '3')
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == ["MAIN DONE ['3']"] + ['message type: trade'] * 3
    assert 'Max reconnect retries' not in proc.stdout + proc.stderr


def test_launcher_passes_the_scripts_exit_status(tmp_path):
    """A script's sys.exit(3) is the launcher's exit status; a missing script is status 2."""
    script = tmp_path / 'fails.py'
    script.write_text('import sys\nfrom binance.client import Client\n'
                      'print(Client().get_order_book(symbol="BNBBTC", limit=5)["bids"][0])\n'
                      'sys.exit(3)\n')
    proc = _python('-m', 'binance.testing', 'run', str(script))
    assert proc.returncode == 3, proc.stderr
    assert proc.stdout.startswith("['0.")            # answered by the local exchange
    missing = _python('-m', 'binance.testing', 'run', str(tmp_path / 'nope.py'))
    assert missing.returncode == 2 and 'no such script' in missing.stderr


def test_run_offline_runs_a_function_to_its_natural_end():
    """run_offline(main) keeps the exchange up while main's sockets run, until reactor.stop()."""
    code = textwrap.dedent('''
        from binance.testing import run_offline
        def main():
            exec(compile(open('SCRIPT').read(), 'seed', 'exec'), {'__name__': '__main__'})
        import sys
        sys.argv = ['seed', '2']
        print('STATUS', run_offline(main, tick=0.02), flush=True)
    ''')
    import tempfile
    with tempfile.NamedTemporaryFile('w', suffix='.py', delete=False) as f:
        f.write(SEED_SCRIPT)
    proc = _python('-c', code.replace('SCRIPT', f.name))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[-3:] == ['message type: trade'] * 2 + ['STATUS 0']


def test_reactor_stop_inside_the_with_block_ends_cleanly():
    """`with LocalExchange() as ex, ex.install():` around a script ending in reactor.stop() exits 0, no error."""
    code = textwrap.dedent('''
        import threading
        from binance.testing import LocalExchange
        from binance.websockets import BinanceSocketManager
        with LocalExchange(tick=0.02) as ex, ex.install():
            got = threading.Event()
            bm = BinanceSocketManager(ex.client())
            bm.start_trade_socket('BNBBTC', lambda msg: got.set())
            bm.start()
            assert got.wait(10)
            from twisted.internet import reactor
            reactor.stop()
        print('ENDED', flush=True)
    ''')
    proc = _python('-c', code)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == 'ENDED'
    assert 'Error' not in proc.stderr


def test_launcher_trades_as_many_symbols_as_asked(tmp_path):
    """`run --symbols 40 script.py` serves 40 symbols; a count out of range is refused first."""
    script = tmp_path / 'count.py'
    script.write_text('from binance.client import Client\n'
                      'names = [s["symbol"] for s in Client().get_exchange_info()["symbols"]]\n'
                      'print(len(names), names[0], names[-1])\n')
    proc = _python('-m', 'binance.testing', 'run', '--symbols', '40', str(script))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ['40', 'BNBBTC', 'SIM0035USDT']
    refused = _python('-m', 'binance.testing', 'run', '--symbols', '0', str(script))
    assert refused.returncode == 2 and '--symbols must be between 1 and 5000' in refused.stderr
    assert refused.stdout == ''
