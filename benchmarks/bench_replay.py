"""Replay speed and memory: lockstep replay against the plain local exchange's streams.

Run from the repository root::

    python -m benchmarks.bench_replay             # a day of 3,000,000 trades, a few minutes
    python -m benchmarks.bench_replay --quick     # 200,000 trades, about a minute
    python -m benchmarks.bench_replay --rows 1000000 --keep /tmp/day
    python -m benchmarks.bench_replay --quick --profile   # and where the time goes

Everything runs on 127.0.0.1. The benchmark writes one day of one busy
symbol's trades in data.binance.vision's exact format (``BTCUSDT-trades-
2025-03-01.zip``: no header, 8-decimal prices, microsecond times) into a
temporary directory, then runs, each in a process of its own (its CPU and
RSS are its own):

1. ``replay``: ``LocalExchange(replay=[the file], speed=0)`` and a
   ``BinanceSocketManager`` trade socket in the same process, as
   ``python -m binance.testing run --replay`` runs a script: events per
   second from the first to the last callback, in lockstep (client and
   exchange share the process, so each message is handed to the socket's
   handler in memory and the next event waits for the callback to return),
   the process's CPU time per event over the same span (server and client:
   one process), and the RSS sampled every half second (flat memory: the
   file is streamed from the zip and the exchange keeps a bounded window of
   prints); with ``--profile``, where the reactor thread's time goes per
   event (cProfile over the middle of the run, grouped by part);
2. ``plain``: the local exchange without replay, its market stepped as fast
   as it goes, the same trade socket: trade messages per second to the
   callback (the simulation's own speed limit);

and prints both rates and their ratio (same run, same machine), against the
target of at least 25,000 lockstep events per second.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from typing import Any, Dict, List, Optional

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

TARGET_EVENTS_PER_SECOND = 25000
DAY_US = 86400 * 1000000
START_US = 1740787200 * 1000000          # 2025-03-01 00:00 UTC


def write_day(directory: str, rows: int) -> str:
    """One day of ``rows`` BTCUSDT trades as data.binance.vision's zip (streamed out)."""
    path = os.path.join(directory, 'BTCUSDT-trades-2025-03-01.zip')
    step = DAY_US // rows
    price = 8400000           # cents
    with zipfile.ZipFile(path, 'w', zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        with archive.open('BTCUSDT-trades-2025-03-01.csv', 'w') as out:
            chunk: List[str] = []
            for i in range(rows):
                price += (i * 7919) % 13 - 6                # a deterministic walk, tick 0.01
                qty = 100 + (i * 104729) % 90000            # 0.00100000 .. 0.90099999 BTC
                p = '{}.{:02d}000000'.format(price // 100, price % 100)
                q = '0.{:08d}'.format(qty * 10)
                quote = '{:.8f}'.format(price * qty / 1e10)
                chunk.append('{},{},{},{},{},{},True\n'.format(
                    4600000000 + i, p, q, quote, START_US + i * step,
                    'True' if (i * 31) % 7 < 3 else 'False'))
                if len(chunk) == 10000:
                    out.write(''.join(chunk).encode('ascii'))
                    chunk = []
            out.write(''.join(chunk).encode('ascii'))
    return path


def _rss_mb() -> float:
    with open('/proc/self/status') as status:
        for line in status:
            if line.startswith('VmRSS:'):
                return int(line.split()[1]) / 1024.0
    return 0.0


class _Sampler(threading.Thread):
    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.samples: List[float] = []
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.wait(0.5):
            self.samples.append(round(_rss_mb(), 1))


#: What the profile's functions belong to (first match of their file's path wins).
PARTS = (('book synthesis and fills (replay/desk.py, market_book.py)',
          ('replay/desk.py', 'market_book.py')),
         ('market: prints, history, events (market*.py, __init__ dispatch)',
          ('binance/testing/market', 'binance/testing/__init__.py')),
         ('stream server and hand-off (streams*.py, replay/lockstep.py)',
          ('binance/testing/streams', 'replay/lockstep.py')),
         ('client: decode, route, callback (binance/_streams, websockets.py)',
          ('binance/_streams/', 'binance/websockets.py', 'binance/_json')),
         ('reading the zip (replay/reader.py, zipfile, csv, heapq)',
          ('replay/reader.py', 'zipfile', 'csv', 'heapq', 'zlib')),
         ('tape (replay/tape.py)', ('replay/tape.py',)))


OTHER = 'other (contextlib, threading, weakref, Twisted)'


def _part(path: str) -> Optional[str]:
    for part, needles in PARTS:
        if any(needle in path for needle in needles):
            return part
    return None


def profile_parts(stats: Any) -> Dict[str, float]:
    """The share (percent) of each of :data:`PARTS` in the profiled time: each
    function's own time, a builtin's (``dict.pop``...) split between its callers."""
    totals: Dict[str, float] = {}
    for (path, _line, _name), (_cc, _nc, own, _cum, callers) in stats.stats.items():
        part = _part(path)
        if part is None and path == '~' and callers:
            for caller, row in callers.items():
                label = _part(caller[0]) or OTHER
                totals[label] = totals.get(label, 0.0) + row[2]
            continue
        label = part or OTHER
        totals[label] = totals.get(label, 0.0) + own
    whole = sum(totals.values()) or 1.0
    return {label: round(100.0 * seconds / whole, 1)
            for label, seconds in sorted(totals.items(), key=lambda kv: -kv[1])}


def child_replay(path: str, rows: int, profile: bool = False) -> Dict[str, Any]:
    import cProfile
    import pstats
    from binance.testing import LocalExchange
    from binance.websockets import BinanceSocketManager
    times: List[float] = []
    count = [0]
    done = threading.Event()
    profiler = cProfile.Profile()
    window = (rows // 4, rows // 4 + min(100000, rows // 2))   # profiled events

    cpu: List[float] = []

    def on_trade(msg: Any) -> None:
        if not count[0]:
            times.append(time.perf_counter())
            cpu.append(time.process_time())
        count[0] += 1
        if profile and count[0] == window[0]:
            profiler.enable()           # on the reactor thread, which runs everything
        elif profile and count[0] == window[1]:
            profiler.disable()
        if count[0] == rows:
            times.append(time.perf_counter())
            cpu.append(time.process_time())
            done.set()
    sampler = _Sampler()
    sampler.start()
    with LocalExchange(replay=[path], speed=0) as ex:
        bm = BinanceSocketManager(ex.client())
        bm.STREAM_URL = ex.stream_url
        bm.start()
        bm.start_trade_socket('BTCUSDT', on_trade)
        done.wait(3600)
        bm.close()
    sampler.done.set()
    seconds = times[-1] - times[0] if len(times) == 2 else float('nan')
    used = cpu[-1] - cpu[0] if len(cpu) == 2 else float('nan')   # first to last callback
    result = {'events': count[0], 'seconds': round(seconds, 2),
              'events_per_second': round((count[0] - 1) / seconds) if seconds else 0,
              'cpu_us_per_event': round(used / max(count[0] - 1, 1) * 1e6, 1),
              'rss_mb': sampler.samples}
    if profile:
        result['profile_percent'] = profile_parts(pstats.Stats(profiler))
    return result


def child_plain(count: int) -> Dict[str, Any]:
    from binance.testing import LocalExchange
    from binance.websockets import BinanceSocketManager
    got = [0]
    times: List[float] = []
    done = threading.Event()

    def on_trade(msg: Any) -> None:
        if not got[0]:
            times.append(time.perf_counter())
        got[0] += 1
        if got[0] == count:
            times.append(time.perf_counter())
            done.set()
    with LocalExchange(tick=None, symbols=['BTCUSDT']) as ex:
        bm = BinanceSocketManager(ex.client())
        bm.STREAM_URL = ex.stream_url
        bm.start()
        bm.start_trade_socket('BTCUSDT', on_trade)
        bm.wait_connected('btcusdt@trade', timeout=30)
        while not done.is_set():
            ex.step(50)
        bm.close()
    seconds = times[-1] - times[0]
    return {'events': got[0], 'seconds': round(seconds, 2),
            'events_per_second': round((got[0] - 1) / seconds)}


def _run_child(*args: str) -> Dict[str, Any]:
    out = subprocess.run([sys.executable, '-m', 'benchmarks.bench_replay', '--child'] + list(args),
                         cwd=ROOT, capture_output=True, text=True, timeout=7200)
    lines = [line for line in out.stdout.splitlines() if line.startswith('{')]
    if out.returncode or not lines:
        return {'error': (out.stderr or out.stdout)[-2000:]}
    return json.loads(lines[-1])


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog='python -m benchmarks.bench_replay')
    parser.add_argument('--quick', action='store_true', help='200,000 trades (about a minute)')
    parser.add_argument('--rows', type=int, default=None, help='trades in the day (3,000,000)')
    parser.add_argument('--keep', default=None, metavar='DIR',
                        help='write the day into DIR and keep it (default: a temporary dir)')
    parser.add_argument('--profile', action='store_true',
                        help='profile the replay (slower) and say where the time goes')
    parser.add_argument('--child', nargs='+', help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        kind = args.child[0]
        result = child_replay(args.child[1], int(args.child[2]), args.profile) \
            if kind == 'replay' else child_plain(int(args.child[1]))
        print(json.dumps(result), flush=True)
        return 0
    rows = args.rows or (200000 if args.quick else 3000000)
    directory = args.keep or tempfile.mkdtemp(prefix='bench-replay-')
    os.makedirs(directory, exist_ok=True)
    started = time.perf_counter()
    path = write_day(directory, rows)
    print('wrote {:,} trades ({:.1f} MB zipped) in {:.1f} s: {}'.format(
        rows, os.path.getsize(path) / 1e6, time.perf_counter() - started, path), flush=True)
    replay = _run_child('replay', path, str(rows), *(['--profile'] if args.profile else []))
    plain = _run_child('plain', str(min(rows, 100000)))
    print(json.dumps({'replay': replay, 'plain': plain}, indent=1))
    rate = replay.get('events_per_second', 0)
    base = plain.get('events_per_second', 0)
    rss = replay.get('rss_mb') or [0]
    print('lockstep replay: {:,} events/s to the callback ({} us CPU each); plain local '
          'exchange: {:,} trades/s; ratio {:.2f}'.format(
              rate, replay.get('cpu_us_per_event'), base, rate / base if base else 0))
    print('RSS during the replay: first {} MB, max {} MB, last {} MB ({} samples)'.format(
        rss[0], max(rss), rss[-1], len(rss)))
    shares = replay.get('profile_percent') or {}
    if shares:
        print('where the replay\'s time goes (cProfile of the reactor thread, share of it):')
    for part, percent in shares.items():
        print('  {:5.1f} %  {}'.format(percent, part))
    print('target >= {:,} events/s: {}'.format(
        TARGET_EVENTS_PER_SECOND, 'met' if rate >= TARGET_EVENTS_PER_SECOND else 'NOT met'))
    if not args.keep:
        os.remove(path)
        os.rmdir(directory)
    return 0


if __name__ == '__main__':
    sys.exit(main())
