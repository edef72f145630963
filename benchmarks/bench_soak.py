"""Soak under faults: trade streams and depth caches through a fault schedule, both modes.

::

    python -m benchmarks.bench_soak             # 3 min per mode, a fault every 20 s
    python -m benchmarks.bench_soak --quick     # about 1 minute in all (30 s per mode)

Everything stays on 127.0.0.1. Each mode runs in a process of its own (its
RSS and file descriptors are its alone; they include the local exchange
it runs): a :class:`binance.testing.LocalExchange` whose market this
process steps every 0.1 s, a ``BinanceSocketManager`` with one
``start_trade_socket`` per symbol and a ``DepthCacheManager`` for two of
them, and the fault schedule, one fault every ``--every`` seconds, in turn:

``notice``    Binance's ``serverShutdown`` event, the 1001 close 2 s later;
``drop``      every TCP connection aborted;
``close1001`` every connection closed with 1001 "going away";
``refuse4``   every connection dropped and new ones refused for 4 s;
``refuse25``  the same for 25 s (full run only: it outlasts a quick mode's window);
``stall``     every connection goes silent (found by the idle check, ``IDLE_TIMEOUT`` 6 s here);
``gap``       a diff depth event of each cached symbol withheld (the cache re-syncs).

Modes: ``default`` (one connection per stream) and ``packed``
(``streams_per_connection=1024``). ``MAX_RETRIES`` is 20 in both: the
25-second refusal outlasts the default 5 retries (about 18 s of backoff),
after which a socket reports ``Max reconnect retries reached`` and a
program would restart it.

Printed per mode: trades lost (ids the exchange made but no callback got)
and when (seconds since the start, by the last trade received before each
gap), out-of-order and duplicate deliveries, the longest outage after the
server came back (a stream's first trade after the server took
connections again; a symbol's own pause between trades counts too),
whether every depth cache equals the exchange's book at the end, sockets
that gave up, and RSS / open file descriptors at the start, middle and end.
"""
import argparse
import json
import os
import subprocess
import sys
import threading
import time
from decimal import Decimal
from typing import Any, Dict, List, Optional, Tuple

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

FAULTS_FULL = ['notice', 'drop', 'close1001', 'refuse4', 'refuse25', 'stall', 'gap']
FAULTS_QUICK = ['notice', 'drop', 'close1001', 'refuse4', 'stall', 'gap']


def rss_and_fds() -> Tuple[float, int]:
    """This process's resident memory (MB) and open file descriptors."""
    rss = 0.0
    with open('/proc/self/status') as status:
        for line in status:
            if line.startswith('VmRSS:'):
                rss = int(line.split()[1]) / 1024.0
    return round(rss, 1), len(os.listdir('/proc/self/fd'))


def run_mode(mode: str, seconds: float, every: float, faults: List[str],
             n_symbols: int) -> Dict[str, Any]:
    """One mode in this process; returns its measurements."""
    from binance.depthcache import DepthCacheManager
    from binance.testing import LocalExchange
    from binance.websockets import BinanceSocketManager

    ex = LocalExchange(tick=None).start()
    client = ex.client()
    symbols = [s['symbol'] for s in client.get_exchange_info()['symbols']][:n_symbols]
    cached = symbols[:2]
    bm = BinanceSocketManager(client, streams_per_connection=1 if mode == 'default' else 1024)
    bm.STREAM_URL = ex.stream_url
    bm.MAX_RETRIES, bm.IDLE_TIMEOUT = 20, 6.0
    bm.start()
    got: Dict[str, List[Tuple[int, float]]] = {s: [] for s in symbols}
    errors: List[Any] = []

    def on_trade(symbol: str) -> Any:
        mine = got[symbol]

        def callback(msg: Any) -> None:
            if msg.get('e') == 'error':
                errors.append((symbol, msg))
            else:
                mine.append((msg['t'], time.monotonic()))
        return callback

    keys = [bm.start_trade_socket(s, on_trade(s)) for s in symbols]
    stepping = threading.Event()
    stepping.set()
    stop = threading.Event()

    def drive() -> None:
        while not stop.is_set():
            if stepping.is_set():
                ex.step(1)
            time.sleep(0.1)

    driver = threading.Thread(target=drive, daemon=True)
    driver.start()
    dcms = [DepthCacheManager(client, s, bm=bm, limit=5000, conv_type=Decimal) for s in cached]
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not all(
            (bm.socket_state(k) or (None,))[0] == 'connected' for k in keys):
        time.sleep(0.05)
    t0 = time.monotonic()
    usage = {'start': rss_and_fds()}
    back_at: List[float] = []
    fault_log: List[Tuple[float, str]] = []
    next_fault, index = t0 + every, 0
    while time.monotonic() - t0 < seconds:
        now = time.monotonic()
        if 'middle' not in usage and now - t0 >= seconds / 2:
            usage['middle'] = rss_and_fds()
        if now >= next_fault and now - t0 < seconds - every / 2:
            kind = faults[index % len(faults)]
            index += 1
            next_fault += every
            fault_log.append((round(now - t0, 1), kind))
            streams = ex.streams
            if kind != 'stall':
                streams.resume()              # the previous stall ends
            if kind == 'notice':
                streams.server_shutdown(grace=2.0)
                back_at.append(now + 2.0)
            elif kind == 'drop':
                streams.drop()
                back_at.append(now)
            elif kind == 'close1001':
                streams.shutdown_notice()
                back_at.append(now)
            elif kind.startswith('refuse'):
                span = float(kind[len('refuse'):])
                streams.refuse(seconds=span)
                streams.drop()
                back_at.append(now + span)
            elif kind == 'stall':
                streams.stall()
                back_at.append(now)
            elif kind == 'gap':
                for symbol in cached:
                    streams.inject_depth_fault(symbol, 'gap')
        time.sleep(0.02)
    ex.streams.resume()
    # quiet end: the market stops, every stream and cache catches up
    time.sleep(3.0)
    stepping.clear()
    time.sleep(0.3)
    last_ids = {s: ex.market.recent_trades(s, limit=1)[0]['id'] for s in symbols}
    settle = time.monotonic() + 20
    while time.monotonic() < settle and not (
            all(got[s] and max(t for t, _ in got[s]) >= last_ids[s] for s in symbols)
            and all(_cache_id(d) == ex.market.update_id(s) for d, s in zip(dcms, cached))):
        time.sleep(0.05)
    usage['end'] = rss_and_fds()
    books_equal = all(_same_book(d, ex, s) for d, s in zip(dcms, cached))
    stop.set()
    driver.join(2)
    result = _measure(got, last_ids, t0, back_at)
    result.update(mode=mode, seconds=seconds, symbols=len(symbols), faults=fault_log,
                  books_equal=books_equal, gave_up=len(errors), usage=usage,
                  connections=_connections(ex))
    for dcm in dcms:
        dcm.close()
    bm.close()
    ex.stop()
    return result


def _cache_id(dcm: Any) -> Optional[int]:
    cache = dcm.get_depth_cache()
    return None if cache is None else cache.last_update_id


def _same_book(dcm: Any, ex: Any, symbol: str) -> bool:
    cache = dcm.get_depth_cache()
    if cache is None:
        return False
    bids, asks = ex.market.book(symbol)
    mine_bids = {Decimal(p): Decimal(q) for p, q in cache.get_bids()}
    mine_asks = {Decimal(p): Decimal(q) for p, q in cache.get_asks()}
    return mine_bids == bids and mine_asks == asks


def _connections(ex: Any) -> int:
    return len(ex.streams.connections)


def _measure(got: Dict[str, List[Tuple[int, float]]], last_ids: Dict[str, int], t0: float,
             back_at: List[float]) -> Dict[str, Any]:
    lost_when: Dict[float, int] = {}
    lost = out_of_order = duplicates = 0
    worst = 0.0
    for symbol, events in got.items():
        ids = [t for t, _ in events]
        seen = set()
        previous = None
        for t in ids:
            if t in seen:
                duplicates += 1
            elif previous is not None and t < previous:
                out_of_order += 1
            seen.add(t)
            previous = t if previous is None else max(previous, t)
        first = min(ids) if ids else last_ids[symbol] + 1
        arrival = dict(reversed(events))      # first arrival of each id
        missing = [t for t in range(first, last_ids[symbol] + 1) if t not in seen]
        lost += len(missing)
        for t in missing:
            before = max((a for i, a in arrival.items() if i < t), default=t0)
            when = round(before - t0, 0)
            lost_when[when] = lost_when.get(when, 0) + 1
        times = sorted(a for _, a in events)
        for back in back_at:
            after = [a for a in times if a >= back]
            if after:
                worst = max(worst, after[0] - back)
    return {'trades_lost': lost, 'lost_when': sorted(lost_when.items()),
            'out_of_order': out_of_order, 'duplicates': duplicates,
            'trades_received': sum(len(v) for v in got.values()),
            'longest_outage_after_back': round(worst, 2)}


def print_table(results: List[Dict[str, Any]]) -> None:
    print('Soak under faults (loopback): {} symbols, faults: {}'.format(
        results[0]['symbols'], ', '.join('{}@{}s'.format(k, t) for t, k in results[0]['faults'])))
    print('  {:<8} {:>9} {:>6} {:>6} {:>5} {:>11} {:>6} {:>6}   {}'.format(
        'mode', 'received', 'lost', 'order', 'dups', 'outage s', 'books', 'gave', 'when lost (s: n)'))
    for r in results:
        when = ', '.join('{:.0f}: {}'.format(t, n) for t, n in r['lost_when'][:8]) or '-'
        print('  {:<8} {:>9} {:>6} {:>6} {:>5} {:>11} {:>6} {:>6}   {}'.format(
            r['mode'], r['trades_received'], r['trades_lost'], r['out_of_order'], r['duplicates'],
            r['longest_outage_after_back'], 'equal' if r['books_equal'] else 'DIFFER',
            r['gave_up'], when))
    print('  {:<8} {:>22} {:>22} {:>22}'.format('mode', 'RSS MB / fds start', 'middle', 'end'))
    for r in results:
        u = r['usage']
        print('  {:<8} {:>22} {:>22} {:>22}'.format(
            r['mode'], '{} / {}'.format(*u['start']), '{} / {}'.format(*u.get('middle', ('-', '-'))),
            '{} / {}'.format(*u['end'])))


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--quick', action='store_true', help='30 s per mode, a fault every 4 s')
    parser.add_argument('--seconds', type=float, default=None, help='seconds per mode')
    parser.add_argument('--every', type=float, default=None, help='seconds between faults')
    parser.add_argument('--symbols', type=int, default=10)
    parser.add_argument('--modes', default='default,packed')
    parser.add_argument('--child', default=None, help=argparse.SUPPRESS)
    parser.add_argument('--json', action='store_true', help='print the results as JSON too')
    args = parser.parse_args(argv)
    seconds = args.seconds or (30.0 if args.quick else 180.0)
    every = args.every or (4.0 if args.quick else 20.0)
    faults = FAULTS_QUICK if args.quick else FAULTS_FULL
    if args.child:
        print(json.dumps(run_mode(args.child, seconds, every, faults, args.symbols)))
        return 0
    results = []
    for mode in args.modes.split(','):
        cmd = [sys.executable, '-m', 'benchmarks.bench_soak', '--child', mode,
               '--seconds', str(seconds), '--every', str(every), '--symbols', str(args.symbols)]
        if args.quick:
            cmd.append('--quick')
        out = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True,
                             timeout=seconds + 180)
        lines = [line for line in out.stdout.splitlines() if line.startswith('{')]
        if out.returncode != 0 or not lines:
            print('{}: failed: {}'.format(mode, out.stderr[-2000:]))
            return 1
        results.append(json.loads(lines[-1]))
    print_table(results)
    if args.json:
        print(json.dumps(results, indent=1))
    return 0


if __name__ == '__main__':
    sys.exit(main())
