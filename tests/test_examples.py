"""Every script in examples/ runs offline with --local and does its job.

The scripts run as users run them — ``python examples/<name>.py ... --local``
in a fresh interpreter — all at once in parallel subprocesses (the module
fixture); each test then checks one script's exit status and output.
"""
import csv
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support import ctrl_c

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / 'examples'

#: name -> command line arguments (after the script); every run uses --local
RUNS = {
    'stream_trades': ['stream_trades.py', 'BNBBTC', 'ETHBTC', '--local', '--count', '5',
                      '--seconds', '40'],
    'multiplex': ['multiplex.py', '--local', '--count', '6', '--seconds', '40'],
    'klines_stream': ['klines_stream.py', 'ETHBTC', '--interval', '5m', '--local', '--count', '1',
                      '--seconds', '40'],
    'depth_cache_viewer': ['depth_cache_viewer.py', 'BNBBTC', '--local', '--count', '2',
                           '--interval', '0.2', '--levels', '3'],
    'user_stream': ['user_stream.py', '--local', '--count', '4', '--seconds', '40'],
    'user_stream_listen_keys': ['user_stream.py', '--local', '--listen-keys', '--count', '4',
                           '--seconds', '40'],
    'save_historical_klines': ['save_historical_klines.py', 'BNBBTC', '1 Jan, 2018',
                               '1 Mar, 2018', '--local', '--output', 'bnbbtc.csv'],
    'place_and_cancel_order': ['place_and_cancel_order.py', '--local'],
    'depth_cache_viewer_unknown': ['depth_cache_viewer.py', 'FOOBAR', '--local', '--seconds', '5'],
    'asyncio_bot': ['asyncio_bot.py', '--local', '--count', '3', '--seconds', '40'],
    'stream_trades_unknown': ['stream_trades.py', 'FOOBAR', '--local', '--seconds', '3'],
    'futures_trader': ['futures_trader.py', 'BTCUSDT', '--local', '--count', '8',
                       '--seconds', '40'],
}
#: the ones that must refuse to run against Binance without API keys
NEEDS_KEYS = ['user_stream.py', 'place_and_cancel_order.py', 'futures_trader.py', 'asyncio_bot.py']
#: the scripts; examples/_common.py only holds what they share
SCRIPTS = sorted(p.name for p in EXAMPLES.glob('*.py') if not p.name.startswith('_'))


class Run:
    def __init__(self, returncode, stdout, stderr, workdir, seconds):
        self.returncode = returncode
        self.stdout = stdout
        self.stderr = stderr
        self.workdir = workdir
        self.seconds = seconds

    def __repr__(self):
        return 'exit {}\n--- stdout\n{}\n--- stderr\n{}'.format(
            self.returncode, self.stdout[-3000:], self.stderr[-3000:])


def _env(**extra):
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get('PYTHONPATH', ''),
               PYTHONUNBUFFERED='1', **extra)
    for name in ('BINANCE_API_KEY', 'BINANCE_API_SECRET'):
        env.pop(name, None)
    return env


@pytest.fixture(scope='module')
def runs(tmp_path_factory):
    """Start every example at once; wait for all; {name: Run}."""
    started = {}
    for name, args in (list(RUNS.items()) + [('no_keys:' + s, [s]) for s in NEEDS_KEYS]
                       + [('help:' + s, [s, '--help']) for s in SCRIPTS]):
        workdir = tmp_path_factory.mktemp(name.replace(':', '_').replace('.', '_'))
        proc = subprocess.Popen([sys.executable, str(EXAMPLES / args[0])] + args[1:],
                                cwd=str(workdir), env=_env(), stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
        started[name] = (proc, workdir, time.monotonic())
    def finish(item):
        name, (proc, workdir, began) = item
        try:
            out, err = proc.communicate(timeout=90)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, err = proc.communicate()
        # each run is timed by its own waiter: a slow example met earlier in
        # the loop must not count against the ones after it
        return name, Run(proc.returncode, out.decode('utf-8', 'replace'),
                         err.decode('utf-8', 'replace'), workdir, time.monotonic() - began)

    from concurrent.futures import ThreadPoolExecutor
    with ThreadPoolExecutor(max_workers=len(started)) as pool:
        results = dict(pool.map(finish, started.items()))
    return results


def test_depth_cache_viewer_of_an_unknown_symbol_stops_at_once(runs):
    """depth_cache_viewer.py FOOBAR --seconds 5 says the symbol is unknown and ends on the depth
    cache's stop, without waiting out its 5 s for a book."""
    run = runs['depth_cache_viewer_unknown']
    assert run.returncode == 1, run
    assert 'FOOBAR depth: Invalid symbol. (code -1121)' in run.stderr
    assert 'the depth cache stopped' in run.stderr
    assert 'no order book after' not in run.stderr, run   # it waited 30 s for a book before


def test_stream_of_an_unknown_symbol_is_warned_about_and_honours_seconds(runs):
    """stream_trades.py FOOBAR --seconds 3 warns on stderr that FOOBAR is not listed, then stops."""
    run = runs['stream_trades_unknown']
    assert run.returncode == 0, run
    assert 'foobar@trade: FOOBAR is not a symbol of this exchange' in run.stderr
    assert '0 trades' in run.stderr


def test_ctrl_c_ends_a_streaming_example_with_status_130(tmp_path):
    """Ctrl-C during stream_trades.py ends it with exit status 130, not 0."""
    proc = subprocess.Popen([sys.executable, str(EXAMPLES / 'stream_trades.py'), 'BNBBTC',
                             '--local'], cwd=str(tmp_path), env=_env(), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
    ctrl_c(proc, proc.stdout.readline, timeout=20)   # streaming: a first trade was printed
    assert proc.returncode == 130


def test_every_example_is_run_here():
    """Each script in examples/ has a --local run in this module."""
    assert set(SCRIPTS) == {args[0] for args in RUNS.values()}


@pytest.mark.parametrize('script', SCRIPTS)
def test_every_example_explains_its_options(runs, script):
    """``--help`` works from any directory and lists --local (and --count/--seconds to streams)."""
    run = runs['help:' + script]
    assert run.returncode == 0, run
    assert run.stdout.startswith('usage: ' + script)
    assert 'use the local exchange of binance.testing (offline)' in run.stdout
    streams = script not in ('save_historical_klines.py', 'place_and_cancel_order.py')
    assert ('--count COUNT' in run.stdout) == streams, run
    assert ('--seconds SECONDS' in run.stdout) == streams, run


def test_stream_trades_prints_the_requested_trades(runs):
    """stream_trades.py prints one line per trade of the chosen symbols and stops at --count."""
    run = runs['stream_trades']
    assert run.returncode == 0, run
    lines = run.stdout.splitlines()
    assert len(lines) == 5, run
    for line in lines:
        assert re.match(r'^(BNBBTC|ETHBTC)  (BUY |SELL) +\d+\.\d+ @ \d+\.\d+$', line), line
    assert '5 trades' in run.stderr


def test_multiplex_labels_each_message_with_its_stream(runs):
    """multiplex.py prints messages of the combined streams, each with its stream name."""
    run = runs['multiplex']
    assert run.returncode == 0, run
    lines = run.stdout.splitlines()
    assert len(lines) == 6, run
    assert all(re.match(r'^(bnbbtc@aggTrade|neobtc@ticker|ethbtc@kline_1m) +\S', l) for l in lines)
    assert any(l.startswith('bnbbtc@aggTrade') and 'aggTrade' in l and '@' in l for l in lines)
    assert 'messages from bnbbtc@aggTrade' in run.stderr


def test_klines_stream_shows_a_kline_of_the_interval(runs):
    """klines_stream.py prints kline updates of the chosen symbol and interval."""
    run = runs['klines_stream']
    assert run.returncode == 0, run
    line, = run.stdout.splitlines()
    assert re.match(r'^ETHBTC 5m \d\d:\d\d:\d\d-\d\d:\d\d:\d\d UTC  open \d+\.\d+  high \d+\.\d+  '
                    r'low \d+\.\d+  close \d+\.\d+  volume \d+\.\d+', line), line


def test_depth_cache_viewer_draws_a_consistent_book(runs):
    """depth_cache_viewer.py draws the book twice: asks above bids, best prices at the spread."""
    run = runs['depth_cache_viewer']
    assert run.returncode == 0, run
    screens = [s for s in run.stdout.strip().split('\n\n') if s]
    assert len(screens) == 2, run
    for screen in screens:
        lines = screen.splitlines()
        assert lines[0].startswith('BNBBTC order book (update id ')
        asks = [float(l.split()[0]) for l in lines if l.endswith('ask')]
        bids = [float(l.split()[0]) for l in lines if l.endswith('bid')]
        assert len(asks) == 3 and len(bids) == 3, screen
        assert asks == sorted(asks, reverse=True) and bids == sorted(bids, reverse=True)
        assert min(asks) > max(bids)


@pytest.mark.parametrize('name', ['user_stream', 'user_stream_listen_keys'])
def test_user_stream_shows_the_order_it_placed(runs, name):
    """user_stream.py shows the new and cancelled order and the balances, listen key or not."""
    run = runs[name]
    assert run.returncode == 0, run
    lines = run.stdout.splitlines()
    assert len(lines) == 4, run
    assert re.match(r'^order \d+ BNBBTC BUY LIMIT .*: NEW ', lines[0]), lines
    assert any(re.match(r'^order \d+ BNBBTC BUY LIMIT .*: CANCELED ', l) for l in lines), lines
    assert any(l.startswith('balances: BTC free ') for l in lines), lines
    assert 'cancelled order' in run.stderr


def test_asyncio_bot_streams_orders_and_calls_rest_on_one_loop(runs):
    """asyncio_bot.py prints trades, then REST and WebSocket API answers; callbacks ran on the loop."""
    run = runs['asyncio_bot']
    assert run.returncode == 0, run
    lines = run.stdout.splitlines()
    assert len(lines) == 4, run
    for line in lines[:3]:
        assert re.match(r'^BNBBTC +\d+\.\d+ @ \d+\.\d+$', line), line
    assert re.match(r'^best bid \d+\.\d+, \d+ balances, callbacks on MainThread$', lines[3]), lines


def test_save_historical_klines_writes_the_range_with_a_progress_bar(runs):
    """save_historical_klines.py writes every hourly kline of the range and shows progress."""
    run = runs['save_historical_klines']
    assert run.returncode == 0, run
    with open(run.workdir / 'bnbbtc.csv', newline='') as f:
        rows = list(csv.reader(f))
    assert rows[0][:6] == ['open_time', 'open', 'high', 'low', 'close', 'volume']
    open_times = [int(r[0]) for r in rows[1:]]
    assert open_times[0] == 1514764800000            # 1 Jan 2018 00:00 UTC
    assert open_times[-1] == 1519862400000           # 1 Mar 2018 00:00 UTC
    assert len(open_times) == (31 + 28) * 24 + 1
    assert all(b - a == 3600000 for a, b in zip(open_times, open_times[1:]))
    assert '1417 1h klines of BNBBTC written to bnbbtc.csv' in run.stdout
    assert re.search(r'\[#+\] 100%  1417 klines', run.stderr), run
    assert '%' not in run.stdout                     # progress goes to stderr only


def test_place_and_cancel_order_leaves_nothing_open(runs):
    """place_and_cancel_order.py places a resting order, sees it open, cancels it."""
    run = runs['place_and_cancel_order']
    assert run.returncode == 0, run
    out = run.stdout
    assert re.search(r'^BUY \S+ BNBBTC at \S+$', out, re.M), out
    order_id = re.search(r'^placed: order (\d+) status NEW$', out, re.M).group(1)
    assert 'open orders of BNBBTC: [{}]'.format(order_id) in out
    assert 'cancelled: order {} status CANCELED'.format(order_id) in out


def test_futures_trader_runs_a_0711_style_futures_script_offline(runs):
    """futures_trader.py shows klines, its order, the position, stream messages and its events."""
    run = runs['futures_trader']
    assert run.returncode == 0, run
    out = run.stdout
    assert len(re.findall(r'^kline \d+ open \S+ close \S+$', out, re.M)) == 3, out
    assert re.search(r'^order \d+ FILLED avg price \S+$', out, re.M), out
    assert re.search(r'^position BTCUSDT BOTH: 0\.01', out, re.M), out
    assert re.search(r'^order \d+ BTCUSDT BUY MARKET: TRADE ', out, re.M), out
    assert re.search(r'^account \(ORDER\): BTCUSDT position 0\.01', out, re.M), out
    assert re.search(r'^(trade BTCUSDT|mark price BTCUSDT) ', out, re.M), out
    closed = out.split('position closed\n', 1)[1]
    assert 'position BTCUSDT' not in closed, out   # v3 positionRisk lists open positions only


@pytest.mark.parametrize('script', NEEDS_KEYS)
def test_account_examples_need_keys_outside_local_mode(runs, script):
    """Without --local and without keys in the environment the scripts stop before any request."""
    run = runs['no_keys:' + script]
    assert run.returncode == 1, run
    assert 'set BINANCE_API_KEY and BINANCE_API_SECRET, or use --local' in run.stderr
    assert run.stdout == ''
