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


def _printed(stdout, argv):
    """The lines of ``stdout`` once the seed script's ``MAIN DONE <argv>`` (checked to be
    there once) is taken out. Its main thread prints that while the reactor thread may
    already print trades, and print() writes its parts one at a time: they can land
    anywhere, even inside a trade's line."""
    for part in ('MAIN DONE', repr(argv)):
        assert stdout.count(part) == 1, stdout
        stdout = stdout.replace(part, '')
    return [line.strip() for line in stdout.splitlines() if line.strip()]


def test_launcher_runs_a_script_that_ends_after_bm_start(tmp_path):
    """`python -m binance.testing run script.py 3` streams until the callback's reactor.stop()."""
    script = tmp_path / 'seed.py'
    script.write_text(SEED_SCRIPT)
    proc = _python('-m', 'binance.testing', 'run', '--tick', '0.02', str(script), '3')
    assert proc.returncode == 0, proc.stderr
    assert _printed(proc.stdout, ['3']) == ['message type: trade'] * 3
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
    assert _printed(proc.stdout, ['2']) == ['message type: trade'] * 2 + ['STATUS 0']


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


OWN_KEYS_SCRIPT = '''
from binance.client import Client
from binance.exceptions import BinanceAPIException
client = Client('my-real-looking-key', 'my-real-looking-secret')
try:
    print('BALANCES', len(client.get_account()['balances']), flush=True)
except BinanceAPIException as exc:
    print('ERROR', exc.code, exc.message, flush=True)
'''


def test_launcher_takes_the_scripts_own_keys(tmp_path):
    """`run --api-key K --api-secret S` makes the script's keys the local account: signed calls work."""
    script = tmp_path / 'own_keys.py'
    script.write_text(OWN_KEYS_SCRIPT)
    proc = _python('-m', 'binance.testing', 'run', '--api-key', 'my-real-looking-key',
                   '--api-secret', 'my-real-looking-secret', str(script))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith('BALANCES ') and int(proc.stdout.split()[1]) > 0


def test_unknown_keys_under_the_launcher_name_the_local_account(tmp_path):
    """Without --api-key, real-looking keys get -2015 naming 'local-api-key' and the option."""
    script = tmp_path / 'own_keys.py'
    script.write_text(OWN_KEYS_SCRIPT)
    proc = _python('-m', 'binance.testing', 'run', str(script))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith('ERROR -2015 Invalid API-key, IP, or permissions for action.')
    assert "'local-api-key'" in proc.stdout and '--api-key KEY --api-secret SECRET' in proc.stdout
    assert 'my-real-looking' not in proc.stdout


def test_api_key_needs_its_secret():
    """--api-key without --api-secret is refused before anything starts (status 2)."""
    proc = _python('-m', 'binance.testing', 'run', '--api-key', 'k', 'script.py')
    assert proc.returncode == 2 and '--api-key and --api-secret go together' in proc.stderr


USER_SOCKET_SCRIPT = '''
import sys
from binance.client import Client
from binance.websockets import BinanceSocketManager
client = Client('local-api-key', 'local-api-secret')
try:
    client.stream_get_listen_key()
    print('LISTEN KEY served', flush=True)
except Exception as exc:
    print('LISTEN KEY refused', exc.status_code, flush=True)
bm = BinanceSocketManager(client)
key = bm.start_user_socket(print)
bm.start()
print('CONNECTED', bm.wait_connected(key, timeout=30), flush=True)
bm.close()
'''


def test_launcher_refuses_spot_listen_keys_unless_asked(tmp_path):
    """Like binance.com, `run` answers listen keys 410 (user socket via the WebSocket API); --listen-keys serves them."""
    script = tmp_path / 'user.py'
    script.write_text(USER_SOCKET_SCRIPT)
    default = _python('-m', 'binance.testing', 'run', str(script))
    assert default.returncode == 0, default.stderr
    assert default.stdout.splitlines() == ['LISTEN KEY refused 410', 'CONNECTED True']
    served = _python('-m', 'binance.testing', 'run', '--listen-keys', str(script))
    assert served.returncode == 0, served.stderr
    assert served.stdout.splitlines() == ['LISTEN KEY served', 'CONNECTED True']
