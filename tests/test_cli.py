"""The ``python -m binance stream`` demo command, run as a newcomer would."""
import os
import subprocess
import sys

from binance.__main__ import format_message

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _run(*args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, '-m', 'binance', *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=timeout)


def test_local_stream_prints_live_messages_and_exits():
    """--local --count N prints N readable lines from the embedded exchange and exits 0."""
    proc = _run('stream', 'bnbbtc@trade', 'ethbtc@depth5', '--local', '--count', '6', '--timeout', '30')
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.strip().splitlines()
    assert lines[0].startswith('local exchange: REST http://127.0.0.1:')
    messages = lines[1:]
    assert len(messages) == 6
    assert all(line.startswith(('bnbbtc@trade  BNBBTC trade', 'ethbtc@depth5  book id=')) for line in messages)


def test_bad_stream_name_is_reported_without_traceback():
    """A malformed stream name gives exit status 2 and a one-line error naming it."""
    proc = _run('stream', 'BNB BTC@trade', '--count', '1')
    assert proc.returncode == 2
    assert "malformed stream name 'BNB BTC@trade'" in proc.stderr
    assert 'Traceback' not in proc.stderr


def test_unknown_stream_type_is_reported_before_the_local_exchange_starts():
    """An unknown stream type is refused (status 2) before the local exchange starts."""
    proc = _run('stream', 'bnbbtc@trades', '--local', '--count', '1')
    assert proc.returncode == 2
    assert "unknown stream type 'trades'" in proc.stderr
    assert 'local exchange' not in proc.stdout + proc.stderr and 'Traceback' not in proc.stderr


def test_count_must_be_positive():
    """--count 0 is refused by the argument parser before anything starts."""
    proc = _run('stream', 'bnbbtc@trade', '--count', '0')
    assert proc.returncode == 2
    assert '--count must be at least 1' in proc.stderr


def test_format_message_lines():
    """Each kind of stream message is rendered as one readable line."""
    trade = {'e': 'trade', 's': 'BNBBTC', 'p': '0.1', 'q': '2', 't': 7, 'm': True}
    assert format_message(trade) == 'BNBBTC trade sell price=0.1 qty=2 id=7'
    wrapped = {'stream': 'bnbbtc@trade', 'data': trade}
    assert format_message(wrapped) == 'bnbbtc@trade  BNBBTC trade sell price=0.1 qty=2 id=7'
    kline = {'e': 'kline', 's': 'BNBBTC', 'k': {'i': '1m', 'x': True, 'o': '1', 'h': '2', 'l': '0.5',
                                               'c': '1.5', 'v': '10'}}
    assert format_message(kline) == 'BNBBTC kline 1m closed o=1 h=2 l=0.5 c=1.5 v=10'
    assert format_message({'e': 'error', 'm': 'Max reconnect retries reached'}) == \
        'ERROR: Max reconnect retries reached'
    minis = [{'e': '24hrMiniTicker', 's': 'S{}'.format(i), 'c': '1', 'o': '1', 'h': '1', 'l': '1', 'v': '1'}
             for i in range(5)]
    assert format_message(minis).endswith('(+2 more)')
    book = {'u': 5, 's': 'BNBBTC', 'b': '0.1', 'B': '3', 'a': '0.2', 'A': '4'}
    assert format_message(book) == 'BNBBTC best bid=0.1x3 ask=0.2x4'


GIVE_UP_SCRIPT = r'''
import sys
from binance.testing import LocalExchange
from binance.websockets import BinanceSocketManager
from binance.__main__ import run_stream

with LocalExchange(tick=None) as ex, ex.install():
    assert BinanceSocketManager.STREAM_URL.startswith('ws://127.0.0.1:'), BinanceSocketManager.STREAM_URL
    BinanceSocketManager.INITIAL_DELAY = 0.01
    BinanceSocketManager.MAX_DELAY = 0.02
    ex.streams.refuse()
    status = run_stream(['bnbbtc@trade'], local=False, count={count})
sys.exit(status)
'''


def test_stream_that_gives_up_fails_the_command():
    """When the socket gives up reconnecting the command says so and exits 1 (with or without --count)."""
    for count in (1, None):
        proc = subprocess.run([sys.executable, '-c', GIVE_UP_SCRIPT.format(count=count)], cwd=ROOT,
                              capture_output=True, text=True, timeout=60)
        assert proc.returncode == 1, (count, proc.stdout, proc.stderr)
        assert 'error: the stream stopped: Max reconnect retries reached' in proc.stderr
