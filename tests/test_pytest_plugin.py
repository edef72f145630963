"""The pytest plugin of binance.testing: its fixtures in a user's project, plain and under pytest-twisted.

Each case runs pytest in a child process on a small test file in a fresh
directory (no setup.cfg of ours), as a user's project would.
"""
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

USER_TESTS = '''
import queue

import pytest

from binance.client import Client
from binance.websockets import BinanceSocketManager


def test_client_reads_the_local_book(binance_exchange, binance_client):
    book = binance_client.get_order_book(symbol='BNBBTC', limit=5)
    assert len(book['bids']) == 5
    assert binance_exchange.requests[-1].path == '/api/v3/depth'


def test_socket_manager_gets_pushed_trades(binance_exchange, binance_socket_manager):
    seen = queue.Queue()
    key = binance_socket_manager.start_trade_socket('BNBBTC', seen.put)
    assert binance_socket_manager.wait_connected(key, timeout=5)
    binance_exchange.streams.push(key, {'e': 'trade', 's': 'BNBBTC', 'p': '0.0075'})
    assert seen.get(timeout=5)['p'] == '0.0075'


def test_offline_points_new_clients_at_the_exchange(binance_offline):
    assert Client().ping() == {}
    assert BinanceSocketManager.STREAM_URL == binance_offline.stream_url


@pytest.mark.binance_exchange(seed=7, symbols=['ETHBTC'])
def test_marker_passes_exchange_options(binance_client):
    assert [s['symbol'] for s in binance_client.get_exchange_info()['symbols']] == ['ETHBTC']
'''

TWISTED_TESTS = '''
import pytest_twisted
from twisted.internet import defer, reactor, task, threads


@pytest_twisted.inlineCallbacks
def test_inline_callbacks_test_uses_the_fixtures(binance_exchange, binance_client):
    book = yield threads.deferToThread(binance_client.get_order_book, symbol='BNBBTC', limit=5)
    assert len(book['asks']) == 5
    yield task.deferLater(reactor, 0.01, lambda: None)


def test_blockon_waits_on_the_shared_reactor(binance_exchange):
    d = task.deferLater(reactor, 0.01, lambda: 'done')
    assert pytest_twisted.blockon(d) == 'done'
'''


def _pytest(tmp_path, files, *options):
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    return subprocess.run([sys.executable, '-m', 'pytest', '-q', '-p', 'no:cacheprovider']
                          + list(options), cwd=str(tmp_path), capture_output=True, text=True,
                          timeout=120)


def test_plugin_is_registered_through_the_pytest11_entry_point():
    """The installed package registers its plugin under pytest11."""
    from importlib.metadata import entry_points
    plugins = [e.value for e in entry_points(group='pytest11')]
    assert 'binance._pytest_plugin' in plugins


def test_loading_the_plugin_does_not_import_the_local_exchange():
    """Every pytest run of a project with binance installed loads the plugin; that costs no
    import of binance.testing (or Twisted) until a test asks for a binance_* fixture."""
    code = ('import sys, binance._pytest_plugin; '
            'print(sorted(m for m in sys.modules if m.startswith(("binance.testing", "twisted"))))')
    out = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == '[]'


def test_the_plugins_first_module_name_still_gives_the_fixtures(tmp_path):
    """A project that names binance.testing.pytest_plugin itself gets the same fixtures."""
    proc = _pytest(tmp_path, {'test_user.py': USER_TESTS}, '-p', 'no:twisted',
                   '-p', 'binance.testing.pytest_plugin')
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert '4 passed' in proc.stdout


def test_fixtures_work_in_a_plain_pytest_run(tmp_path):
    """A user's project gets binance_exchange, binance_client, ... without any conftest.py."""
    proc = _pytest(tmp_path, {'test_user.py': USER_TESTS}, '-p', 'no:twisted')
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert '4 passed' in proc.stdout


@pytest.mark.parametrize('files', [{'test_user.py': USER_TESTS, 'test_tw.py': TWISTED_TESTS}])
def test_fixtures_work_under_pytest_twisted(tmp_path, files):
    """Under pytest-twisted (-p twisted) the same fixtures work, and inlineCallbacks/blockon tests too."""
    proc = _pytest(tmp_path, files, '-p', 'twisted')
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert '6 passed' in proc.stdout
