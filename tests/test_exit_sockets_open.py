"""A script whose main thread ends while sockets are open keeps streaming, as the original did.

The original's reactor thread was not a daemon, so the documentation's
examples (which end right after ``bm.start()``) kept receiving messages.
Our thread is a daemon, and an exit hook waits while started managers have
open sockets; ``reactor.stop()``, ``close()`` or a socket giving up end the
program. Each case is a child process (its reactor cannot be restarted).
"""
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

PRELUDE = '''
import os, sys, threading
from binance.testing import LocalExchange
from binance.websockets import BinanceSocketManager
exchange = LocalExchange(tick=0.02)
exchange.start()
install = exchange.install()
install.__enter__()
client = exchange.client()
'''


def _run(body: str, timeout: float = 30) -> subprocess.CompletedProcess:
    code = PRELUDE + textwrap.dedent(body)
    return subprocess.run([sys.executable, '-c', code], cwd=str(ROOT), capture_output=True,
                          text=True, timeout=timeout)


def test_main_thread_ending_after_start_keeps_delivering_until_reactor_stop():
    """Messages keep arriving after the main thread ended; reactor.stop() in the callback ends the program."""
    proc = _run('''
        import threading
        main_done = threading.Event()
        seen = []
        def process_message(msg):
            if not main_done.is_set():
                return  # a message may beat the main thread's last line
            seen.append(msg)
            print('MSG', msg['e'], flush=True)
            if len(seen) == 3:
                from twisted.internet import reactor
                reactor.stop()
        bm = BinanceSocketManager(client)
        bm.start_trade_socket('BNBBTC', process_message)
        bm.start()
        print('MAIN DONE', flush=True)
        main_done.set()
    ''')
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines == ['MAIN DONE'] + ['MSG trade'] * 3


def test_close_lets_the_program_end_without_reactor_stop():
    """After bm.close() the program ends when its main thread does (the original hung here)."""
    proc = _run('''
        bm = BinanceSocketManager(client)
        key = bm.start_trade_socket('BNBBTC', lambda msg: None)
        bm.start()
        assert bm.wait_connected(key, timeout=10)
        bm.close()
        print('CLOSED', flush=True)
    ''', timeout=20)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == 'CLOSED'


def test_socket_that_gives_up_lets_the_program_end():
    """When the last socket has given up (error dict delivered) the program ends by itself."""
    proc = _run('''
        BinanceSocketManager.INITIAL_DELAY = 0.01
        BinanceSocketManager.MAX_DELAY = 0.02
        exchange.streams.refuse()
        bm = BinanceSocketManager(client)
        bm.start_trade_socket('BNBBTC', lambda msg: print('GOT', msg, flush=True))
        bm.start()
    ''', timeout=20)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "GOT {'e': 'error', 'm': 'Max reconnect retries reached'}"


def test_opt_out_exits_with_the_main_thread():
    """EXIT_WAITS_FOR_SOCKETS = False ends the program with its main thread, sockets open or not."""
    proc = _run('''
        BinanceSocketManager.EXIT_WAITS_FOR_SOCKETS = False
        bm = BinanceSocketManager(client)
        key = bm.start_trade_socket('BNBBTC', lambda msg: None)
        bm.start()
        assert bm.wait_connected(key, timeout=10)
        print('BYE', flush=True)
    ''', timeout=20)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == 'BYE'


def test_first_ctrl_c_in_the_main_thread_ends_the_program():
    """Ctrl-C that ends the main thread (blocked in bm.join()) ends the program at once, sockets open or not."""
    import signal
    code = PRELUDE + textwrap.dedent('''
        bm = BinanceSocketManager(client)
        key = bm.start_trade_socket('BNBBTC', lambda msg: None)
        bm.start()
        assert bm.wait_connected(key, timeout=10)
        print('READY', flush=True)
        bm.join()
    ''')
    proc = subprocess.Popen([sys.executable, '-c', code], cwd=str(ROOT), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == 'READY'
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=10)   # before the fix it lingered until killed
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.communicate()
    assert proc.returncode != 0   # KeyboardInterrupt, as for any Python program


def test_ctrl_c_while_the_exit_hook_waits_ends_with_status_130():
    """A seed-style script (main thread ended after bm.start()) stopped by Ctrl-C exits with status 130."""
    import signal
    import time
    code = PRELUDE + textwrap.dedent('''
        import atexit
        atexit.register(lambda: print('EARLIER EXIT HOOK RAN', flush=True))
        bm = BinanceSocketManager(client)
        key = bm.start_trade_socket('BNBBTC', lambda msg: None)
        bm.start()
        assert bm.wait_connected(key, timeout=10)
        atexit.register(lambda: print('READY', flush=True))  # runs just before the waiting hook
    ''')
    proc = subprocess.Popen([sys.executable, '-c', code], cwd=str(ROOT), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == 'READY'
        deadline = time.monotonic() + 10
        while proc.poll() is None and time.monotonic() < deadline:
            proc.send_signal(signal.SIGINT)  # again if it landed before the hook began waiting
            try:
                proc.wait(timeout=0.5)
            except subprocess.TimeoutExpired:
                pass
        out, err = proc.communicate(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 130, err
    assert out.split() == ['READY', 'EARLIER', 'EXIT', 'HOOK', 'RAN']


def test_uncaught_exception_in_the_offline_wrapper_exits_at_once():
    """An exception inside `with LocalExchange() as ex, ex.install():` ends the program promptly with status 1."""
    import time
    code = textwrap.dedent('''
        from binance.testing import LocalExchange
        from binance.websockets import BinanceSocketManager
        with LocalExchange() as ex, ex.install():
            bm = BinanceSocketManager(ex.client())
            key = bm.start_trade_socket('BNBBTC', lambda msg: None)
            bm.start()
            assert bm.wait_connected(key, timeout=10)
            raise RuntimeError('the script failed')
    ''')
    started = time.monotonic()
    proc = subprocess.run([sys.executable, '-c', code], cwd=str(ROOT), capture_output=True,
                          text=True, timeout=30)
    assert proc.returncode == 1
    assert 'RuntimeError: the script failed' in proc.stderr
    assert time.monotonic() - started < 6   # it lingered ~12 s (reconnecting) before
