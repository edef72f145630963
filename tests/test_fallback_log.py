"""With no logging configured, errors a user must see still reach stderr; once configured, only the handlers.

Each case is a child process: pytest configures logging in its own process,
and the child must start with none at all.
"""
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

SCRIPT = '''
import logging, sys
from binance.testing import LocalExchange
from binance.websockets import BinanceSocketManager
from tests.support import wait_until
{configure}
seen = []
def process_message(msg):
    seen.append(msg)
    print(msg['price'])          # a trade has 'p', not 'price'
with LocalExchange(tick=0.02) as ex, ex.install():
    bm = BinanceSocketManager(ex.client())
    bm.start_trade_socket('BNBBTC', process_message)
    bm.start()
    wait_until(lambda: len(seen) >= 2, timeout=10, message='two trades')
    bm.close()
print('STREAM WENT ON', len(seen) >= 2)
'''


def _run(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, '-c', textwrap.dedent(code)], cwd=str(ROOT),
                          capture_output=True, text=True, timeout=60)


def test_callback_traceback_reaches_stderr_without_logging_configured():
    """A raising callback prints its traceback on stderr when the script configured no logging."""
    proc = _run(SCRIPT.format(configure=''))
    assert proc.returncode == 0, proc.stderr
    assert 'binance: ERROR: bnbbtc@trade: the callback raised' in proc.stderr
    assert "KeyError: 'price'" in proc.stderr and 'Traceback' in proc.stderr
    assert 'STREAM WENT ON True' in proc.stdout


def test_configured_logging_gets_the_records_and_stderr_stays_quiet():
    """Once the script configures logging, the records go to its handler only, not to stderr as well."""
    proc = _run(SCRIPT.format(configure="logging.basicConfig(stream=sys.stdout, "
                                        "format='LOGGED %(name)s %(message)s')"))
    assert proc.returncode == 0, proc.stderr
    assert 'LOGGED binance.websockets bnbbtc@trade: the callback raised' in proc.stdout
    assert 'binance:' not in proc.stderr and 'Traceback' not in proc.stderr


def test_handler_on_the_binance_logger_counts_as_configured():
    """A handler on the 'binance.websockets' logger alone also takes the records away from stderr."""
    configure = ("h = logging.StreamHandler(sys.stdout); h.setFormatter(logging.Formatter("
                 "'MINE %(message)s')); logging.getLogger('binance.websockets').addHandler(h)")
    proc = _run(SCRIPT.format(configure=configure))
    assert 'MINE bnbbtc@trade: the callback raised' in proc.stdout
    assert 'binance:' not in proc.stderr


def test_a_stream_that_gives_up_is_reported_on_stderr():
    """A socket that gave up after its retries says so on stderr, with no logging configured."""
    proc = _run('''
        from binance.testing import LocalExchange
        from binance.websockets import BinanceSocketManager
        BinanceSocketManager.INITIAL_DELAY = 0.01
        BinanceSocketManager.MAX_DELAY = 0.02
        with LocalExchange(tick=None) as ex, ex.install():
            ex.streams.refuse()
            bm = BinanceSocketManager(ex.client())
            bm.start_trade_socket('BNBBTC', lambda msg: print('GOT', msg['m'], flush=True))
            bm.start()
            from tests.support import wait_until
            wait_until(lambda: bm.open_socket_count() == 0, timeout=20, message='giving up')
    ''')
    assert 'GOT Max reconnect retries reached' in proc.stdout
    assert 'binance: ERROR: bnbbtc@trade: giving up after 5 retries' in proc.stderr
    assert 'connection attempt failed' not in proc.stderr   # warnings stay in the logger


def test_sockets_waiting_for_the_connection_budget_are_reported_on_stderr():
    """Past Binance's connection-attempt budget the wait is said on stderr, naming the remedy."""
    proc = _run('''
        from binance.testing import LocalExchange
        from binance.websockets import BinanceSocketManager
        from tests.support import wait_until
        BinanceSocketManager.MAX_CONNECTION_ATTEMPTS = 3
        with LocalExchange(tick=None) as ex, ex.install():
            bm = BinanceSocketManager(ex.client())
            keys = [bm.start_trade_socket(s, print) for s in ('BNBBTC', 'ETHBTC', 'NEOBTC',
                                                              'LTCBTC')]
            bm.start()
            wait_until(lambda: ex.streams.connection_count() == 3, timeout=10)
            # the server counts a connection at its handshake, a beat before the client does
            wait_until(lambda: sum(bm.wait_connected(k, 0) for k in keys) >= 3, timeout=10)
            print('CONNECTED', sum(bm.wait_connected(k, 0) for k in keys))
            bm.close()
    ''')
    assert proc.returncode == 0, proc.stderr
    assert 'CONNECTED 3' in proc.stdout
    assert proc.stderr.count('binance: WARNING: 1 stream connection(s) wait for the '
                             'connection-attempt budget (Binance allows 3 attempts per 300 s '
                             'per IP), the last for up to 300 s') == 1, proc.stderr
    assert 'streams_per_connection=1024' in proc.stderr
