"""A callback's ``sys.exit(n)`` is the process's exit status (child processes: it stops the reactor)."""
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from binance import _reactor
from tests.support import wait_until

ROOT = Path(__file__).resolve().parents[1]

# the seed docs' style: the main thread ends after bm.start(); a callback decides the end
CALLBACK_EXITS = '''
import sys
from binance.client import Client
from binance.websockets import BinanceSocketManager
CODE = {code}
def process_message(msg):
    sys.exit(CODE)
bm = BinanceSocketManager(Client('', ''))
bm.start_trade_socket('BNBBTC', process_message)
bm.start()
'''

# the same program without the launcher: it starts a local exchange itself
PLAIN = '''
from binance.testing import LocalExchange
from binance.websockets import BinanceSocketManager
exchange = LocalExchange(tick=0.02)
exchange.start()
BinanceSocketManager.STREAM_URL = exchange.stream_url
''' + CALLBACK_EXITS


def _python(*args, timeout=60):
    return subprocess.run([sys.executable] + list(args), cwd=str(ROOT), capture_output=True,
                          text=True, timeout=timeout)


@pytest.mark.parametrize('code, status, stderr', [(3, 3, ''), ("'failed'", 1, 'failed\n'),
                                                  (0, 0, ''), (None, 0, '')])
def test_sys_exit_in_a_callback_is_the_exit_status_of_a_plain_program(code, status, stderr):
    """sys.exit(3) in a callback ends the program with 3, sys.exit('failed') prints it and gives 1."""
    proc = _python('-c', PLAIN.format(code=code))
    assert proc.returncode == status, proc.stderr
    assert proc.stderr.endswith(stderr) and proc.stderr.count('failed') == stderr.count('failed')


@pytest.mark.parametrize('code, status', [(3, 3), ("'failed'", 1)])
def test_sys_exit_in_a_callback_is_the_exit_status_under_the_launcher(tmp_path, code, status):
    """`python -m binance.testing run` ends with the status a callback's sys.exit asked for."""
    script = tmp_path / 'bot.py'
    script.write_text(CALLBACK_EXITS.format(code=code))
    proc = _python('-m', 'binance.testing', 'run', '--tick', '0.02', str(script))
    assert proc.returncode == status, proc.stderr
    assert ('failed' in proc.stderr) == (status == 1)


def test_a_main_thread_crash_keeps_its_own_status():
    """A traceback in the main thread after a callback's sys.exit(3) still ends with status 1."""
    program = PLAIN.format(code=3) + '''
import time
from binance import _reactor
_reactor.wait_stopped(30)
raise RuntimeError('the main thread crashed')
'''
    proc = _python('-c', program)
    assert proc.returncode == 1 and 'the main thread crashed' in proc.stderr


def test_a_fake_reactor_does_not_record_an_exit_status():
    """A SystemExit under a test's fake reactor leaves the test process's status alone."""
    _reactor.request_exit(5, reactor=object())
    assert _reactor.take_exit_request() is None


def test_waiting_for_the_reactor_to_finish_ends_when_it_stops(monkeypatch):
    """Exit does not wait out a timeout for a call that a stopping reactor never runs."""

    class StoppingReactor:
        def callFromThread(self, fn, *args):
            stopped.set()         # the reactor shut down: the call is dropped

    running, stopped = threading.Event(), threading.Event()
    running.set()
    monkeypatch.setattr(_reactor, '_running', running)
    monkeypatch.setattr(_reactor, '_stopped', stopped)
    monkeypatch.setattr(_reactor, 'get_reactor', StoppingReactor)
    monkeypatch.setattr(_reactor, 'in_reactor_thread', lambda: False)
    waiter = threading.Thread(target=_reactor.let_reactor_finish_current_call,
                              kwargs={'timeout': 3600}, daemon=True)
    waiter.start()
    wait_until(lambda: not waiter.is_alive(), timeout=30, message='the exit wait to end')


FORGETS_START = '''
from binance.client import Client
from binance.websockets import BinanceSocketManager
bm = BinanceSocketManager(Client())
bm.start_trade_socket('BNBBTC', print)
bm.start_kline_socket('BNBBTC', print)
'''


def test_a_forgotten_bm_start_is_told_at_exit():
    """Sockets asked for without bm.start() (nothing connects): a warning on stderr at exit."""
    proc = _python('-c', FORGETS_START)
    assert proc.returncode == 0
    assert 'bnbbtc@trade, bnbbtc@kline_1m' in proc.stderr
    assert 'start() was never called' in proc.stderr and 'bm.start()' in proc.stderr


def test_no_warning_when_the_reactor_ran():
    """Started managers, or sockets the running reactor connected anyway, are not warned about."""
    program = PLAIN.format(code=0).replace('bm.start()\n', '') + '''
bm2 = BinanceSocketManager(Client(''))
bm2.start_trade_socket('ETHBTC', print)
bm2.start()
'''
    proc = _python('-c', program)
    assert proc.returncode == 0, proc.stderr
    assert 'never called' not in proc.stderr


# the callback exits before the main thread reaches bm.start(): the message came first
EXIT_BEFORE_START = '''
import time
from binance import _reactor
from binance.testing import LocalExchange
from binance.websockets import BinanceSocketManager
import sys
exchange = LocalExchange(tick=0.02)
exchange.start()
BinanceSocketManager.STREAM_URL = exchange.stream_url
def process_message(msg):
    sys.exit(3)
bm = BinanceSocketManager(exchange.client())
bm.start_trade_socket('BNBBTC', process_message)
deadline = time.monotonic() + 30
while not (_reactor.exit_requested() and _reactor.has_stopped()) and time.monotonic() < deadline:
    time.sleep(0.01)
bm.start()
'''


def test_a_callback_exit_before_start_is_still_the_exit_status():
    """A callback's sys.exit(3) that runs before the main thread calls bm.start() still ends
    the program with 3 (start() does nothing then, instead of raising ReactorStoppedError)."""
    proc = _python('-c', EXIT_BEFORE_START)
    assert proc.returncode == 3, proc.stderr
    assert 'ReactorStoppedError' not in proc.stderr
