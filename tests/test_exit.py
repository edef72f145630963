"""Programs that follow the README end promptly with ``reactor.stop()``.

``reactor.stop()`` ends the process's only reactor, so each case runs in a
child process. The child prints the monotonic time just before it calls
``reactor.stop()``; the parent checks the exit status and how long the
process took to end after that moment.
"""
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PROMPT = 2.0      # seconds allowed between reactor.stop() and the end of the process

COMMON = '''
import sys, threading, time
from tests.support import wait_until
received = []
threads = set()

def process_message(msg):
    threads.add(threading.current_thread().name)
    received.append(msg)

def stop_now():
    print('STOP', time.monotonic(), flush=True)
    from twisted.internet import reactor
    reactor.stop()
'''

EXCHANGE_FIRST = COMMON + '''
from binance.testing import LocalExchange
from binance.websockets import BinanceSocketManager
exchange = LocalExchange(tick=None)
exchange.start()                       # the exchange starts the reactor thread
with exchange.install():
    client = exchange.client()
    bm = BinanceSocketManager(client)
    bm.start_trade_socket('BNBBTC', process_message)
    bm.start_user_socket(process_message)      # uses the reactor's thread pool
    bm.start()
    exchange.streams.wait_for_connections(1, stream='bnbbtc@trade', timeout=10)
    exchange.streams.push('bnbbtc@trade', {'e': 'trade', 's': 'BNBBTC', 'p': '0.001'})
    wait_until(lambda: received, timeout=10, message='a trade')
    wait_until(lambda: any(r.method == 'POST' and r.path.endswith('/userDataStream')
                           for r in exchange.requests), timeout=10, message='a listen key')
print('RECEIVED', received[0]['e'], flush=True)
stop_now()
'''

MANAGER_FIRST = COMMON + '''
from binance.testing import LocalExchange
from binance.websockets import BinanceSocketManager
bm = BinanceSocketManager(None)
bm.start()                             # the first one: the manager runs the reactor
exchange = LocalExchange(tick=None)
exchange.start()                       # joins the reactor the manager runs
bm.STREAM_URL = exchange.stream_url
bm.start_trade_socket('BNBBTC', process_message)
exchange.streams.wait_for_connections(1, stream='bnbbtc@trade', timeout=10)
exchange.streams.push('bnbbtc@trade', {'e': 'trade', 's': 'BNBBTC', 'p': '0.001'})
wait_until(lambda: received, timeout=10, message='a trade')
print('RECEIVED', received[0]['e'], flush=True)
print('THREADS', ','.join(sorted(threads)), flush=True)
stop_now()
bm.join(10)                            # the manager thread ends with the reactor
print('JOINED', not bm.is_alive(), flush=True)
from binance._reactor import ReactorStoppedError
for name, call in (('START', bm.start),
                   ('NEWSOCKET', lambda: BinanceSocketManager(None).start_trade_socket(
                       'ETHBTC', process_message))):
    try:
        call()
        print(name, 'no-error', flush=True)
    except ReactorStoppedError:
        print(name, 'ReactorStoppedError', flush=True)
'''

CALLBACK_EXIT = COMMON + '''
from binance.testing import LocalExchange
from binance.websockets import BinanceSocketManager
bm = BinanceSocketManager(None)
bm.start()
exchange = LocalExchange(tick=None)
exchange.start()
bm.STREAM_URL = exchange.stream_url

def bot(msg):
    print('STOP', time.monotonic(), flush=True)
    sys.exit('the bot is done')

bm.start_trade_socket('BNBBTC', bot)
exchange.streams.wait_for_connections(1, stream='bnbbtc@trade', timeout=10)
exchange.streams.push('bnbbtc@trade', {'e': 'trade', 's': 'BNBBTC', 'p': '0.001'})
bm.join(10)                            # sys.exit in the callback stopped the reactor
print('JOINED', not bm.is_alive(), flush=True)
'''


def run_child(code, timeout=60):
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get('PYTHONPATH', ''))
    proc = subprocess.Popen([sys.executable, '-c', textwrap.dedent(code)], cwd=str(ROOT),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    try:
        stdout, stderr = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        stdout, stderr = proc.communicate()
        raise AssertionError('child did not exit: ' + stderr.decode(errors='replace')[-3000:])
    ended = time.monotonic()
    out = stdout.decode()
    lines = dict(line.split(' ', 1) for line in out.splitlines() if ' ' in line)
    return proc.returncode, lines, ended, stderr.decode(errors='replace')


def test_readme_flow_exits_promptly_after_reactor_stop():
    """Exchange, trade and user sockets, bm.start(), a message, reactor.stop(): exit 0 at once."""
    code, lines, ended, stderr = run_child(EXCHANGE_FIRST)
    assert code == 0, stderr[-3000:]
    assert lines['RECEIVED'] == 'trade'
    assert ended - float(lines['STOP']) < PROMPT


def test_manager_owning_the_reactor_ends_with_it():
    """When the manager runs the reactor, callbacks run in its thread and reactor.stop() ends it."""
    code, lines, ended, stderr = run_child(MANAGER_FIRST)
    assert code == 0, stderr[-3000:]
    assert lines['RECEIVED'] == 'trade'
    assert lines['THREADS'] == 'binance-socket-manager'
    assert lines['JOINED'] == 'True'
    assert ended - float(lines['STOP']) < PROMPT
    # Twisted cannot restart a stopped reactor: say so instead of returning dead keys
    assert lines['START'] == 'ReactorStoppedError'
    assert lines['NEWSOCKET'] == 'ReactorStoppedError'


def test_sys_exit_in_a_callback_ends_the_program():
    """sys.exit('msg') in a callback stops the reactor: the program exits with 1, as Python's would."""
    code, lines, ended, stderr = run_child(CALLBACK_EXIT)
    assert code == 1, stderr[-3000:]
    assert stderr.rstrip().endswith('the bot is done')
    assert lines['JOINED'] == 'True'
    assert ended - float(lines['STOP']) < PROMPT
    assert 'Unhandled Error' not in stderr
