"""Stream speed: our socket manager against a bare autobahn client and a raw socket.

Run from the repository root (``python benchmarks/bench_streams.py`` works too)::

    python -m benchmarks.bench_streams            # everything, about 1-2 minutes
    python -m benchmarks.bench_streams --quick    # one repetition, smaller counts
    python -m benchmarks.bench_streams --profile  # cProfile of the receive paths

Everything runs on 127.0.0.1: a feed server (``benchmarks/feed_server.py``)
in this process writes pre-built Binance frames, and each client runs in a
process of its own (``benchmarks/clients.py``) so that its CPU time and peak
RSS are its own. Measured in the same run, on the same feed:

1. throughput (msgs/s, first to last callback), CPU us per message and
   peak RSS, for raw trade events and for combined-stream envelopes: the
   shipped ``BinanceSocketManager`` (``manager``), the baseline bare autobahn
   client with ``json.loads`` (``autobahn``), the fast path alone
   (``fastframes``), the baseline with tuned options and orjson but no fast
   path (``autobahn-opts``), the raw-socket ceiling (``raw``), and, while the shipped
   manager lacks the fast path, the manager with it (``manager-fast``);
   medians over ``--reps`` interleaved repetitions, ratios to the baseline;
2. latency from the server's write to the callback at a paced 2,000 msgs/s,
   all clients at once in the same window (same background load);
3. RSS of one process holding 100 open streams;
4. time and memory of ``import binance.client`` and ``import binance.websockets``.

It ends with the targets of the "Stream speed" issue and whether they are met.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from typing import Any, Dict, List, Optional

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:  # also runnable as ``python benchmarks/bench_streams.py``
    sys.path.insert(0, ROOT)

from benchmarks.feed_server import FeedServer  # noqa: E402
BASELINE = 'autobahn'
#: Throughput the shipped manager keeps since packed connections came (ratios to
#: the baseline): raw trade events and combined-stream envelopes.
_KEPT_THROUGHPUT = {'trade events': 9.0, 'combined envelopes': 7.0}


def _python() -> str:
    return sys.executable


def run_client(client: str, scenario: str, base: str, *extra: str,
               timeout: float = 60.0) -> Dict[str, Any]:
    """Run one client process; its JSON result (``{'error': ...}`` on failure)."""
    cmd = [_python(), '-m', 'benchmarks.clients', client, scenario, '--base', base,
           '--timeout', str(timeout)] + list(extra)
    try:
        out = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=timeout + 15)
    except subprocess.TimeoutExpired:
        return {'error': 'no answer within {} s'.format(timeout + 15)}
    for line in reversed(out.stdout.splitlines()):
        if line.startswith('{'):
            return json.loads(line)
    return {'error': 'exit {}: {}'.format(out.returncode, out.stderr.strip()[-600:])}


def manager_integrated() -> bool:
    """True when the shipped stream protocol already has the fast path."""
    code = ('from benchmarks.integration import already_integrated; '
            'print(already_integrated())')
    out = subprocess.run([_python(), '-c', code], cwd=ROOT, capture_output=True, text=True,
                         timeout=60)
    return out.stdout.strip() == 'True'


def _median(values: List[float]) -> float:
    return statistics.median(values) if values else float('nan')


class Report:
    """Collects results, prints tables, checks the targets."""

    def __init__(self) -> None:
        self.data: Dict[str, Any] = {}
        self.checks: List[str] = []

    def check(self, label: str, ok: bool, detail: str) -> None:
        self.checks.append('  [{}] {:<46} {}'.format('ok' if ok else 'MISS', label, detail))


# -- sections ---------------------------------------------------------------------------

def throughput(server: FeedServer, clients: List[str], count: int, reps: int,
               deadline: float, report: Report) -> None:
    base = 'ws://127.0.0.1:{}/'.format(server.port)
    feeds = [('trade events', []), ('combined envelopes', ['--combined'])]
    print('\n1. Throughput: {} messages per run, median of {} interleaved runs'.format(count, reps))
    for feed, extra in feeds:
        results: Dict[str, List[Dict[str, Any]]] = {c: [] for c in clients}
        for rep in range(reps):
            if rep and time.monotonic() > deadline:
                print('   (time budget reached after {} runs)'.format(rep))
                break
            order = clients[rep % len(clients):] + clients[:rep % len(clients)]
            for client in order:
                res = run_client(client, 'flood', base, '--count', str(count), *extra)
                if 'error' in res:
                    print('   {} failed: {}'.format(client, res['error']))
                else:
                    results[client].append(res)
        rows = {}
        for client in clients:
            runs = results[client]
            rows[client] = {
                'msgs_per_s': _median([r['msgs_per_s'] for r in runs]),
                'cpu_us_per_msg': _median([r['cpu_us_per_msg'] for r in runs]),
                'peak_rss_mb': _median([r['peak_rss_kb'] / 1024.0 for r in runs]),
                'runs': len(runs),
                'all_msgs_per_s': [round(r['msgs_per_s']) for r in runs]}
        report.data.setdefault('throughput', {})[feed] = rows
        ref = rows.get(BASELINE, {})
        print('\n   {}'.format(feed))
        print('   {:<13}{:>11}{:>9}{:>12}{:>9}{:>10}   runs (msgs/s)'.format(
            'client', 'msgs/s', 'x base', 'CPU us/msg', 'x base', 'peak MB'))
        for client, row in rows.items():
            print('   {:<13}{:>11,.0f}{:>9.2f}{:>12.2f}{:>9.3f}{:>10.1f}   {}'.format(
                client, row['msgs_per_s'], row['msgs_per_s'] / ref.get('msgs_per_s', 1),
                row['cpu_us_per_msg'], row['cpu_us_per_msg'] / ref.get('cpu_us_per_msg', 1),
                row['peak_rss_mb'], row['all_msgs_per_s']))
        for client in ('manager', 'manager-fast'):
            if client in rows and ref:
                tp = rows[client]['msgs_per_s'] / ref['msgs_per_s']
                cpu = rows[client]['cpu_us_per_msg'] / ref['cpu_us_per_msg']
                report.check('{} throughput, {}'.format(client, feed), tp >= 4.0,
                             '{:.2f}x baseline (target >= 4.0x)'.format(tp))
                report.check('{} CPU per message, {}'.format(client, feed), cpu <= 0.25,
                             '{:.3f}x baseline (target <= 0.25x)'.format(cpu))
            if client == 'manager' and ref and feed in _KEPT_THROUGHPUT:
                # the many-streams work must not cost the single-connection path
                tp = rows[client]['msgs_per_s'] / ref['msgs_per_s']
                report.check('manager throughput kept, {}'.format(feed),
                             tp >= _KEPT_THROUGHPUT[feed], '{:.2f}x baseline (target >= {}x)'
                             .format(tp, _KEPT_THROUGHPUT[feed]))


def latency(server: FeedServer, clients: List[str], rate: int, seconds: int, reps: int,
            report: Report) -> None:
    """All clients at once, each on its own paced connection, in the same time window.

    Running them side by side (each uses a few per cent of a CPU at this rate)
    exposes every client to the same background load, which on a busy machine
    dominates the tail; their streams are staggered within the send period so
    that they do not wake at the same instant. The window is repeated
    ``reps`` times; medians are kept.
    """
    base = 'ws://127.0.0.1:{}/'.format(server.port)
    print('\n2. Latency, server write -> callback, paced at {:,} msgs/s for {} s, all clients in '
          'the same window, median of {}'.format(rate, seconds, reps))
    runs: Dict[str, List[Dict[str, Any]]] = {c: [] for c in clients}
    for _ in range(reps):
        start_at = (time.time() + 2.5) * 1000   # ms; time for every client to connect
        procs = {}
        for k, client in enumerate(clients):
            # stagger the streams within the period, so that no two clients wake at once
            offset_ms = 1000.0 / rate * k / len(clients)
            cmd = [_python(), '-m', 'benchmarks.clients', client, 'paced', '--base', base,
                   '--rate', str(rate), '--seconds', str(seconds),
                   '--start-at', '{:.3f}'.format(start_at + offset_ms),
                   '--timeout', str(seconds + 20)]
            procs[client] = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE,
                                             stderr=subprocess.PIPE, text=True)
        for client, proc in procs.items():
            try:
                out, err = proc.communicate(timeout=seconds + 30)
            except subprocess.TimeoutExpired:
                proc.kill()
                out, err = proc.communicate()
            lines = [line for line in out.splitlines() if line.startswith('{')]
            res = json.loads(lines[-1]) if lines else {'error': err.strip()[-300:]}
            if 'error' in res:
                print('   {} failed: {}'.format(client, res['error']))
            else:
                runs[client].append(res)
    print('   {:<13}{:>10}{:>10}{:>10}{:>9}'.format('client', 'p50 us', 'p99 us', 'max us',
                                                   'samples'))
    rows = {}
    for client in clients:
        if not runs[client]:
            continue
        rows[client] = {key: _median([r[key] for r in runs[client]])
                        for key in ('p50_us', 'p99_us', 'max_us', 'samples')}
        rows[client]['all_p99_us'] = [round(r['p99_us']) for r in runs[client]]
        row = rows[client]
        print('   {:<13}{:>10.0f}{:>10.0f}{:>10.0f}{:>9.0f}   p99 of each run: {}'.format(
            client, row['p50_us'], row['p99_us'], row['max_us'], row['samples'],
            row['all_p99_us']))
    report.data['latency'] = rows
    ref = rows.get(BASELINE)
    for client in ('manager', 'manager-fast'):
        if client in rows and ref:
            report.check('{} p99 latency at {} msgs/s'.format(client, rate),
                         rows[client]['p99_us'] <= ref['p99_us'],
                         '{:.0f} us vs baseline {:.0f} us'.format(rows[client]['p99_us'],
                                                                 ref['p99_us']))


def memory(server: FeedServer, clients: List[str], streams: int, report: Report) -> None:
    base = 'ws://127.0.0.1:{}/'.format(server.port)
    print('\n3. One process holding {} open streams (each has received a message)'.format(streams))
    print('   {:<13}{:>10}{:>14}{:>14}'.format('client', 'RSS MB', 'vs base MB', 'kB/stream'))
    rows = {}
    for client in clients:
        res = run_client(client, 'hold', base, '--streams', str(streams))
        if 'error' in res:
            print('   {} failed: {}'.format(client, res['error']))
            continue
        rows[client] = res
    ref = rows.get(BASELINE)
    for client, res in rows.items():
        diff = (res['rss_kb'] - ref['rss_kb']) / 1024.0 if ref else float('nan')
        print('   {:<13}{:>10.1f}{:>+14.1f}{:>14.1f}'.format(client, res['rss_kb'] / 1024.0, diff,
                                                          res['rss_per_stream_kb']))
    report.data['memory'] = rows
    for client in ('manager', 'manager-fast'):
        if client in rows and ref:
            diff = (rows[client]['rss_kb'] - ref['rss_kb']) / 1024.0
            report.check('{} RSS with {} streams'.format(client, streams), diff <= 5.0,
                         '{:+.1f} MB vs baseline (target <= +5 MB)'.format(diff))


_IMPORT_PROBE = '''
import json, sys, time
def rss():
    with open('/proc/self/status') as fh:
        for line in fh:
            if line.startswith('VmRSS:'):
                return int(line.split()[1])
before = rss(); t0 = time.perf_counter()
import {module}
t1 = time.perf_counter(); after = rss()
heavy = [m for m in ('twisted', 'autobahn', 'dateparser', 'requests', 'orjson', 'txaio')
         if m in sys.modules]
print(json.dumps({{'seconds': t1 - t0, 'rss_kb': after - before, 'loaded': heavy}}))
'''


def imports(repeat: int, report: Report) -> None:
    print('\n4. Import cost (fresh interpreter, median of {})'.format(repeat))
    print('   {:<22}{:>9}{:>9}   heavy modules loaded'.format('module', 'ms', '+MB'))
    rows = {}
    for module in ('binance.client', 'binance.websockets'):
        runs = []
        for _ in range(repeat):
            out = subprocess.run([_python(), '-c', _IMPORT_PROBE.format(module=module)], cwd=ROOT,
                                 capture_output=True, text=True, timeout=60)
            if out.returncode == 0:
                runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
            else:
                print('   import {} failed: {}'.format(module, out.stderr.strip()[-300:]))
                break
        if not runs:
            continue
        row = {'ms': _median([r['seconds'] * 1000 for r in runs]),
               'mb': _median([r['rss_kb'] / 1024.0 for r in runs]), 'loaded': runs[0]['loaded']}
        rows[module] = row
        print('   {:<22}{:>9.0f}{:>9.1f}   {}'.format(module, row['ms'], row['mb'],
                                                      ', '.join(row['loaded']) or '-'))
    report.data['imports'] = rows
    if 'binance.client' in rows:
        loaded = rows['binance.client']['loaded']
        bad = [m for m in ('twisted', 'autobahn', 'dateparser') if m in loaded]
        report.check('import binance.client: no twisted/autobahn/dateparser', not bad,
                     'loaded: {}'.format(', '.join(bad) or 'none of them'))
    if 'binance.websockets' in rows:
        bad = 'dateparser' in rows['binance.websockets']['loaded']
        report.check('import binance.websockets: no dateparser', not bad,
                     'dateparser {}loaded'.format('' if bad else 'not '))


def profile(server: FeedServer, clients: List[str], count: int) -> None:
    base = 'ws://127.0.0.1:{}/'.format(server.port)
    for client in clients:
        print('\n=== cProfile: {} receiving {} trade events ==='.format(client, count))
        cmd = [_python(), '-m', 'benchmarks.clients', client, 'flood', '--base', base,
               '--count', str(count), '--profile']
        out = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=120)
        print(out.stderr.strip() or out.stdout.strip())


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description='Stream speed benchmark (loopback only).')
    parser.add_argument('--count', type=int, default=100000, help='messages per throughput run')
    parser.add_argument('--reps', type=int, default=3, help='interleaved repetitions')
    parser.add_argument('--quick', action='store_true', help='1 repetition, 50,000 messages')
    parser.add_argument('--streams', type=int, default=100)
    parser.add_argument('--rate', type=int, default=2000)
    parser.add_argument('--latency-seconds', type=int, default=2,
                        help='duration of each paced window')
    parser.add_argument('--latency-reps', type=int, default=5, help='paced windows')
    parser.add_argument('--budget', type=float, default=75.0,
                        help='seconds after which throughput stops adding repetitions')
    parser.add_argument('--only', default='throughput,latency,memory,imports')
    parser.add_argument('--profile', action='store_true', help='profile the receive paths only')
    parser.add_argument('--json', help='also write the figures to this file')
    args = parser.parse_args(argv)
    if args.quick:
        args.reps, args.count, args.latency_reps = 1, 50000, 1
    sections = set(args.only.split(','))
    started = time.monotonic()

    integrated = manager_integrated()
    clients = ['autobahn', 'manager'] + ([] if integrated else ['manager-fast']) + \
        ['autobahn-opts', 'fastframes', 'raw']
    print('Stream speed benchmark: python {}, {} CPUs, JSON decoder: {}; manager has the '
          'fast path: {}'.format(sys.version.split()[0], os.cpu_count(), _decoder(), integrated))
    server = FeedServer()
    server.start()
    report = Report()
    try:
        if args.profile:
            profile(server, ['autobahn', 'manager' if integrated else 'manager-fast'], args.count)
            return 0
        if 'throughput' in sections:
            throughput(server, clients, args.count, args.reps, started + args.budget, report)
        if 'latency' in sections:
            latency(server, [c for c in clients if c not in ('fastframes', 'autobahn-opts')],
                    args.rate, args.latency_seconds, args.latency_reps, report)
        if 'memory' in sections:
            memory(server, [c for c in clients if c not in ('raw', 'fastframes', 'autobahn-opts')],
                   args.streams, report)
        if 'imports' in sections:
            imports(5, report)
    finally:
        server.stop()
    print('\nTargets (ratios to the bare autobahn baseline of this run):')
    print('\n'.join(report.checks))
    print('\nTotal time: {:.0f} s'.format(time.monotonic() - started))
    if args.json:
        with open(args.json, 'w') as fh:
            json.dump(report.data, fh, indent=1)
    return 0


def _decoder() -> str:
    out = subprocess.run([_python(), '-c', 'from binance._json import DECODER; print(DECODER)'],
                         cwd=ROOT, capture_output=True, text=True, timeout=60)
    return out.stdout.strip() or 'unknown'


if __name__ == '__main__':
    sys.exit(main())
