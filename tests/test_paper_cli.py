"""`python -m binance.testing run` with the report, --plot and --mirror (child processes)."""
import json
import subprocess
import sys
from pathlib import Path

from binance.testing import LocalExchange
from tests.support import ctrl_c

ROOT = Path(__file__).resolve().parents[1]

TRADING_SCRIPT = '''
import sys
from binance.client import Client
client = Client('local-api-key', 'local-api-secret')
buy = client.order_market_buy(symbol='BNBBTC', quantity='2')
sell = client.order_market_sell(symbol='BNBBTC', quantity='1')
client.order_limit_buy(symbol='BNBBTC', quantity='1', price='0.00100000')
print('FILLS', len(buy['fills']) + len(sell['fills']), flush=True)
sys.exit(int(sys.argv[1]))
'''

# stops the reactor from a stream callback, the seed docs' way of ending
STOPPING_SCRIPT = '''
from binance.client import Client
from binance.websockets import BinanceSocketManager
client = Client('local-api-key', 'local-api-secret')
client.order_market_buy(symbol='ETHBTC', quantity='1')
bm = BinanceSocketManager(client)
def on_message(msg):
    from twisted.internet import reactor
    reactor.stop()
bm.start_trade_socket('BNBBTC', on_message)
bm.start()
'''


def _python(*args, timeout=90):
    return subprocess.run([sys.executable] + list(args), cwd=str(ROOT), capture_output=True,
                          text=True, timeout=timeout)


def test_report_is_printed_and_written_and_the_exit_status_is_the_scripts(tmp_path):
    """A trading script's run prints the table on stderr, writes the JSON, exits with its status."""
    script = tmp_path / 'trade.py'
    script.write_text(TRADING_SCRIPT)
    out = tmp_path / 'report.json'
    proc = _python('-m', 'binance.testing', 'run', '--tick', '0', '--report', str(out),
                   str(script), '4')
    assert proc.returncode == 4, proc.stderr
    assert proc.stdout.startswith('FILLS ')       # the script's own output is unchanged
    fills = int(proc.stdout.split()[1])
    assert 'BNBBTC' in proc.stderr and 'Final balances:' in proc.stderr
    report = json.loads(out.read_text())
    bnb = report['symbols']['BNBBTC']
    assert (bnb['orders'], bnb['fills']) == (3, fills)
    assert (bnb['bought'], bnb['sold'], bnb['position']) == ('2', '1', '1')
    assert len(report['fills']) == fills and float(bnb['fees']) > 0
    assert report['valuation_asset'] == 'BTC'
    assert report['equity_curve'] and 'max_drawdown' in report
    start = float(report['start_equity'])      # one unit (BTC) all along the curve
    assert all(abs(float(v) - start) < 0.01 * start for _, v in report['equity_curve'])
    assert float(report['max_drawdown']['amount']) < 0.01 * start


def test_report_after_the_script_stops_the_reactor(tmp_path):
    """A script ending with reactor.stop() in a callback still gets its report."""
    script = tmp_path / 'stops.py'
    script.write_text(STOPPING_SCRIPT)
    out = tmp_path / 'report.json'
    proc = _python('-m', 'binance.testing', 'run', '--tick', '0.02', '--report', str(out),
                   str(script))
    assert proc.returncode == 0, proc.stderr
    report = json.loads(out.read_text())
    assert report['symbols']['ETHBTC']['fills'] >= 1


def test_a_run_without_orders_prints_no_table(tmp_path):
    """A script that places no order leaves stderr without a report (unless asked for)."""
    script = tmp_path / 'quiet.py'
    script.write_text('from binance.client import Client\nClient().get_server_time()\n')
    proc = _python('-m', 'binance.testing', 'run', str(script))
    assert proc.returncode == 0 and 'Run report' not in proc.stderr
    asked = _python('-m', 'binance.testing', 'run', '--report', str(tmp_path / 'r.json'),
                    str(script))
    assert asked.returncode == 0 and '(no orders)' in asked.stderr


def test_plot_without_matplotlib_says_how_to_install_it(tmp_path):
    """--plot with matplotlib missing exits 2 before running, naming pip install 'binance[plot]'."""
    script = tmp_path / 'never.py'
    script.write_text('open({!r}, "w").write("ran")\n'.format(str(tmp_path / 'ran')))
    code = ('import sys; sys.modules["matplotlib"] = None\n'
            'from binance.testing.__main__ import main\n'
            'sys.exit(main(["run", "--plot", "out.png", {!r}]))'.format(str(script)))
    proc = _python('-c', code)
    assert proc.returncode == 2
    assert "pip install 'binance[plot]'" in proc.stderr
    assert not (tmp_path / 'ran').exists()


def test_plot_draws_a_png(tmp_path):
    """--plot FILE.png writes a PNG of the equity curve and the fills."""
    script = tmp_path / 'trade.py'
    script.write_text(TRADING_SCRIPT)
    png = tmp_path / 'run.png'
    proc = _python('-m', 'binance.testing', 'run', '--tick', '0', '--plot', str(png),
                   str(script), '0')
    assert proc.returncode == 0, proc.stderr
    assert png.read_bytes()[:8] == b'\x89PNG\r\n\x1a\n'


def test_upstream_needs_mirror_and_a_valid_form(tmp_path):
    """--upstream alone, or a malformed one, is refused with status 2 before the script runs."""
    script = tmp_path / 'x.py'
    script.write_text('')
    alone = _python('-m', 'binance.testing', 'run', '--upstream', 'http://127.0.0.1:1/api,'
                    'ws://127.0.0.1:2/', str(script))
    assert alone.returncode == 2 and '--upstream is for --mirror' in alone.stderr
    bad = _python('-m', 'binance.testing', 'run', '--mirror', '--upstream', 'nowhere',
                  str(script))
    assert bad.returncode == 2 and 'API_URL,STREAM_URL' in bad.stderr


def test_mirror_run_paper_trades_on_the_upstreams_book(tmp_path):
    """run --mirror --upstream: the script's buy fills at the upstream's ask; the upstream gets no order."""
    with LocalExchange(seed=5, tick=None) as upstream:
        ask = upstream.call(upstream.market.depth, 'BNBBTC', 1)['asks'][0][0]
        script = tmp_path / 'paper.py'
        script.write_text(
            'import time\nfrom binance.client import Client\nc = Client("local-api-key", "local-api-secret")\n'
            'deadline = time.monotonic() + 30\n'
            'while c.get_order_book(symbol="BNBBTC", limit=5)["asks"][0][0] != {!r}:\n'
            '    assert time.monotonic() < deadline, "the mirror never synced"\n'
            '    time.sleep(0.05)\n'
            'print(c.order_market_buy(symbol="BNBBTC", quantity="1")["fills"][0]["price"])\n'
            .format(ask))
        out = tmp_path / 'paper.json'
        proc = _python('-m', 'binance.testing', 'run', '--mirror', '--upstream',
                       '{},{}'.format(upstream.api_url, upstream.stream_url),
                       '--report', str(out), str(script))
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout.strip() == ask
        report = json.loads(out.read_text())
        assert report['symbols']['BNBBTC']['fills'] == 1
        assert not [r for r in upstream.requests if r.path == '/api/v3/order']


def test_report_after_ctrl_c(tmp_path):
    """Ctrl-C ends the run with status 130 and the report is still written."""
    script = tmp_path / 'forever.py'
    script.write_text(
        "import threading\nfrom binance.client import Client\n"
        "Client('local-api-key', 'local-api-secret').order_market_buy(symbol='BNBBTC', quantity='1')\n"
        "print('ORDERED', flush=True)\nthreading.Event().wait()\n")
    out = tmp_path / 'report.json'
    proc = subprocess.Popen([sys.executable, '-m', 'binance.testing', 'run', '--report', str(out),
                             str(script)], cwd=str(ROOT), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    _, stderr = ctrl_c(proc, lambda: proc.stdout.readline().strip() == 'ORDERED')
    assert proc.returncode == 130, stderr
    assert json.loads(out.read_text())['symbols']['BNBBTC']['fills'] >= 1
