"""Many streams in one process: packed connections against one connection per stream.

::

    python -m benchmarks.bench_many                 # 3,000 trade streams, both modes
    python -m benchmarks.bench_many --streams 500 --seconds 3
    python -m benchmarks.bench_many --sweep         # the ratio at 300, 1,000, 3,000 streams

Everything stays on 127.0.0.1. A server process runs the local exchange's
:class:`binance.testing.streams.StreamServer` (Binance's SUBSCRIBE handling,
its 5 messages/s limit and its 1024-stream limit) over a stub market with
``--streams`` symbols, and publishes one trade on every subscribed stream per
round, ``--rounds`` rounds per second. Each client runs in a process of its
own (its CPU time and RSS are its alone):

``packed``
    ``BinanceSocketManager(streams_per_connection=1024)`` with one
    ``start_trade_socket`` per symbol;
``default``
    the same with one connection per stream. Binance's 300 connection
    attempts per 5 minutes would make 3,000 sockets take 45 minutes to
    connect (the manager queues them, as it should); to measure the rest,
    this client raises the manager's budget and the server's limit, and the
    table shows the time the budget alone imposes;
``single``
    one raw trade socket receiving the same message rate alone: the CPU per
    message reference.

Reported: connections used, seconds until every stream delivered, the peak of
control messages per second per connection (client side, and how many
connections the server dropped for exceeding 5/s), peak RSS, CPU
microseconds per message in steady state (the lowest of one-second windows
over ``--seconds``, so that other load on the machine does not count; the
mean over all windows is in ``--json``).
"""
import argparse
import json
import os
import resource
import subprocess
import sys
import threading
import time
from typing import Any, Dict, List, Optional

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


# -- the server process ---------------------------------------------------------------

class StubMarket:
    """Just what the stream server asks of a market for trade streams."""

    def __init__(self) -> None:
        self.listeners: List[Any] = []

    def add_listener(self, fn: Any) -> None:
        self.listeners.append(fn)

    def remove_listener(self, fn: Any) -> None:
        self.listeners.remove(fn)


def serve(args: argparse.Namespace) -> None:
    from twisted.internet import reactor
    from twisted.internet.task import LoopingCall

    from binance.testing.streams import StreamServer
    from binance.testing.streams_format import dumps

    server = StreamServer(StubMarket(), ping_interval=20.0, connection_limit=0)
    port = server.listen(0)
    names = ['s{}btc@trade'.format(i) for i in range(args.streams)]
    trade_id = [0]

    def trade(symbol: str, t: int) -> bytes:
        """A trade shaped and sized as Binance's: ms times, a 10-digit id, 8 decimals."""
        now = 1764720000000 + t
        return dumps({'e': 'trade', 'E': now + 2, 's': symbol, 't': 4200000000 + t,
                      'p': '0.01234567', 'q': '12.34000000', 'T': now, 'm': t % 2 == 0,
                      'M': True})

    def round_() -> None:
        trade_id[0] += 1
        t = trade_id[0]
        channels = server._channels
        for i, name in enumerate(names):
            if name in channels:
                server._publish(name, None, trade('S{}BTC'.format(i), t))

    def single() -> None:            # the same message rate on one stream
        channels = server._channels
        if names[0] in channels:
            for _ in range(len(names)):
                trade_id[0] += 1
                server._publish(names[0], None, trade('S0BTC', trade_id[0]))

    loop = LoopingCall(single if args.mode == 'single' else round_)
    loop.start(1.0 / args.rounds, now=False)

    def report() -> None:
        sys.stdout.write(json.dumps({'over_limit': server.over_limit,   # on the reactor thread
                                     'connections': len(server._select(None))}) + '\n')
        sys.stdout.flush()

    LoopingCall(report).start(0.5, now=False)
    print(port, flush=True)
    reactor.run()   # ended by the driver (SIGTERM)


# -- the client process ---------------------------------------------------------------

def cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def client(args: argparse.Namespace) -> None:
    from binance.websockets import BinanceSocketManager
    n = 1 if args.mode == 'single' else args.streams
    packed = 1024 if args.mode == 'packed' else 1
    bm = BinanceSocketManager(None, streams_per_connection=packed)
    bm.STREAM_URL = 'ws://127.0.0.1:{}/'.format(args.port)
    if args.mode == 'default':
        bm.MAX_CONNECTION_ATTEMPTS = 10 ** 6       # measured without the budget (see above)
    counts = [0] * n
    seen = [0]
    first_all = threading.Event()
    lock = threading.Lock()

    def make(i: int) -> Any:
        def callback(msg: Any) -> None:
            if counts[i] == 0:
                with lock:
                    seen[0] += 1
                    if seen[0] == n:
                        first_all.set()
            counts[i] += 1
        return callback

    t0 = time.monotonic()
    bm.start()
    for i in range(n):
        bm.start_trade_socket('S{}BTC'.format(i), make(i))
    ok = first_all.wait(args.timeout)
    all_delivered = time.monotonic() - t0 if ok else None
    # steady state: CPU per message in one-second windows over --seconds; the
    # quietest window is the figure (other load on the machine only adds to it)
    c0, m0 = cpu(), sum(counts)
    windows = []
    cw, mw = c0, m0
    for _ in range(max(1, int(round(args.seconds)))):
        time.sleep(1.0)
        c, m = cpu(), sum(counts)
        if m > mw:
            windows.append((c - cw) * 1e6 / (m - mw))
        cw, mw = c, m
    c1, m1 = cw, mw
    pool = bm._ctx.pool
    if pool is not None:
        connections = len(pool.connections)
        peaks = [c.link.limiter.peak for c in pool.connections if c.link is not None]
    else:
        entries = list(bm._conns.values())
        connections = len(entries)
        peaks = [e.connection.link.limiter.peak for e in entries
                 if e.connection is not None and e.connection.link is not None]
    result = {'mode': args.mode, 'streams': n, 'connections': connections,
              'all_delivered_s': all_delivered, 'control_peak_per_s': max(peaks or [0]),
              'rss_mb': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0,
              'messages': m1 - m0, 'cpu_us_per_msg': min(windows or [0.0]),
              'cpu_us_per_msg_mean': (c1 - c0) * 1e6 / max(1, m1 - m0)}
    sys.stdout.write(json.dumps(result) + '\n')
    sys.stdout.flush()
    os._exit(0)


# -- the driver -----------------------------------------------------------------------

def run_mode(mode: str, args: argparse.Namespace) -> Dict[str, Any]:
    env = dict(os.environ, PYTHONPATH=ROOT)
    server = subprocess.Popen(
        [sys.executable, '-m', 'benchmarks.bench_many', '--role', 'server', '--mode', mode,
         '--streams', str(args.streams), '--rounds', str(args.rounds)],
        stdout=subprocess.PIPE, text=True, cwd=ROOT, env=env)
    try:
        assert server.stdout is not None
        port = int(server.stdout.readline())
        out = subprocess.run(
            [sys.executable, '-m', 'benchmarks.bench_many', '--role', 'client', '--mode', mode,
             '--streams', str(args.streams), '--port', str(port), '--seconds', str(args.seconds),
             '--timeout', str(args.timeout)],
            capture_output=True, text=True, cwd=ROOT, env=env, timeout=args.timeout + 120)
        lines = [line for line in out.stdout.splitlines() if line.startswith('{')]
        if not lines:
            raise RuntimeError('client {} failed: {}'.format(mode, out.stderr[-2000:]))
        result = json.loads(lines[-1])
    finally:
        server.terminate()
        try:
            rest, _ = server.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            rest, _ = server.communicate()
    reports = [line for line in rest.splitlines() if line.startswith('{')]
    result.update({'server_' + k: v for k, v in json.loads(reports[-1]).items()})
    return result


def sweep(args: argparse.Namespace) -> None:
    """The packed/single ratio as the number of distinct streams grows, at one message
    rate and one batch per round for both modes, so that the number of streams is the
    only thing that changes between the points."""
    rate = args.streams * args.rounds
    print('packed against single at {:,.0f} messages/s'.format(rate))
    print('{:>8} {:>9} {:>14} {:>14} {:>9}'.format(
        'streams', 'rounds/s', 'packed us/msg', 'single us/msg', 'x single'))
    rows = []
    for streams in (300, 1000, 3000):
        point = argparse.Namespace(**dict(vars(args), streams=streams, rounds=rate / streams))
        packed, single = (run_mode(mode, point)['cpu_us_per_msg'] for mode in ('packed', 'single'))
        rows.append({'streams': streams, 'packed': packed, 'single': single})
        print('{:>8} {:>9.1f} {:>14.2f} {:>14.2f} {:>9.2f}'.format(
            streams, point.rounds, packed, single, packed / single))
    if args.json:
        with open(args.json, 'w') as fh:
            json.dump(rows, fh, indent=1)


def main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--role', choices=('driver', 'server', 'client'), default='driver')
    parser.add_argument('--mode', choices=('packed', 'default', 'single'), default='packed')
    parser.add_argument('--streams', type=int, default=3000)
    parser.add_argument('--rounds', type=float, default=5.0, help='trade rounds per second')
    parser.add_argument('--seconds', type=float, default=10.0, help='steady-state measurement')
    parser.add_argument('--timeout', type=float, default=120.0)
    parser.add_argument('--port', type=int, default=0)
    parser.add_argument('--json', help='write the results to this file')
    parser.add_argument('--sweep', action='store_true',
                        help='packed against single at 300, 1,000 and 3,000 streams, '
                             'all at the message rate of --streams x --rounds')
    args = parser.parse_args(argv)
    if args.role == 'server':
        serve(args)
        return
    if args.role == 'client':
        client(args)
        return
    if args.sweep:
        sweep(args)
        return
    results = [run_mode(mode, args) for mode in ('packed', 'default', 'single')]
    print('{} trade streams, {} rounds/s'.format(args.streams, args.rounds))
    print('{:8} {:>6} {:>11} {:>12} {:>12} {:>8} {:>10} {:>9}'.format(
        'mode', 'conns', 'all in (s)', 'ctrl peak/s', 'srv dropped', 'RSS MB', 'us/msg',
        'x single'))
    single = results[-1]['cpu_us_per_msg']
    for r in results:
        print('{:8} {:>6} {:>11} {:>12} {:>12} {:>8.1f} {:>10.2f} {:>9.2f}'.format(
            r['mode'], r['connections'],
            '-' if r['all_delivered_s'] is None else '{:.2f}'.format(r['all_delivered_s']),
            r['control_peak_per_s'], r['server_over_limit'], r['rss_mb'], r['cpu_us_per_msg'],
            r['cpu_us_per_msg'] / single))
    windows = max(0, -(-args.streams // 300) - 1)
    print('default mode within Binance\'s budget: the last of {} sockets connects after '
          '{} s (300 attempts per 300 s)'.format(args.streams, windows * 300))
    packed = results[0]
    checks = [('packed: <= 3 connections', packed['connections'] <= 3),
              ('packed: every stream delivering within 5 s',
               packed['all_delivered_s'] is not None and packed['all_delivered_s'] <= 5),
              ('control messages <= 5/s per connection',
               all(r['control_peak_per_s'] <= 5 and r['server_over_limit'] == 0
                   for r in results)),
              ('packed CPU per message within 1.2x of a single raw stream',
               packed['cpu_us_per_msg'] <= 1.2 * single)]
    for text, ok in checks:
        print('  [{}] {}'.format('ok' if ok else 'MISS', text))
    if args.json:
        with open(args.json, 'w') as fh:
            json.dump(results, fh, indent=1)


if __name__ == '__main__':
    main()
