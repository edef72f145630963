"""The stream clients the benchmark compares, each run in its own process.

``python -m benchmarks.clients CLIENT SCENARIO --base ws://127.0.0.1:P/ ...``
prints one JSON object with the measurements and exits. One process per
measurement keeps the figures apart: CPU time, peak RSS and import cost
belong to that client alone.

Clients:

``manager``
    :class:`binance.websockets.BinanceSocketManager` as shipped, with
    ``STREAM_URL`` pointed at the feed server and a counting callback.
``manager-fast``
    the same manager with its protocol class swapped for one that mixes in
    :class:`binance._streams.frames.FastFramesMixin` (prototype of the
    integration; used while the shipped manager does not include it).
``autobahn``
    the baseline: a bare autobahn ``WebSocketClientProtocol`` whose
    ``onMessage`` does ``json.loads(payload.decode('utf8'))``, as
    python-binance 0.6.2 did.
``autobahn-opts``
    the baseline tuned without the fast path: ``utf8validateIncoming=False``
    and :func:`binance._json.loads` (orjson) -- what protocol options and a
    faster decoder achieve on their own.
``fastframes``
    the same bare client with :class:`~binance._streams.frames.FastFramesMixin`
    and :func:`binance._json.loads`: the fast path on its own.
``raw``
    the ceiling: a blocking socket, a minimal frame splitter and the fastest
    JSON decoder installed. No control frames, no validation.

Scenarios: ``flood`` (throughput and CPU per message from the first to the
last callback), ``paced`` (latency percentiles from the server's write to the
callback), ``hold`` (RSS of a process holding N open streams).
"""
import argparse
import json
import os
import resource
import sys
import threading
import time
from typing import Any, Callable, Dict, List, Optional

from benchmarks.rawclient import raw_connect, raw_frames

CLIENTS = ('manager', 'manager-fast', 'autobahn', 'autobahn-opts', 'fastframes', 'raw')
TRADE_STREAMS = ['bnbbtc@trade', 'ethbtc@trade']


def rss_kb() -> int:
    """Current resident set size of this process in kB (Linux /proc)."""
    with open('/proc/self/status') as fh:
        for line in fh:
            if line.startswith('VmRSS:'):
                return int(line.split()[1])
    return 0


def peak_rss_kb() -> int:
    """Peak resident set size of this process in kB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def symbols(n: int) -> List[str]:
    """``n`` distinct, well-formed symbol names (AAABTC, AABBTC, ...)."""
    letters = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ'
    return ['{}{}{}BTC'.format(letters[i // 676 % 26], letters[i // 26 % 26], letters[i % 26])
            for i in range(n)]


def _emit(result: Dict[str, Any]) -> None:
    result['peak_rss_kb'] = peak_rss_kb()
    sys.stdout.write(json.dumps(result) + '\n')
    sys.stdout.flush()
    os._exit(0)


class Recorder:
    """Counts messages; times the span from the first to the last one.

    :param count: messages expected.
    :param paced: also record, per message, the latency from the server's
        write (``t`` carries its ``time.monotonic_ns()``) to this callback.
    """

    def __init__(self, count: int, paced: bool, on_done: Callable[[], None]) -> None:
        self.count = count
        self.n = 0
        self.latencies: List[int] = []
        self.on_done = on_done
        self.t0 = self.t1 = self.c0 = self.c1 = 0.0
        self.callback = self._paced if paced else self._count

    def _count(self, msg: Any) -> None:
        n = self.n = self.n + 1
        if n == 1:
            self.t0, self.c0 = time.perf_counter(), time.process_time()
        elif n == self.count:
            self.t1, self.c1 = time.perf_counter(), time.process_time()
            self.on_done()

    def _paced(self, msg: Any) -> None:
        now = time.monotonic_ns()
        data = msg.get('data', msg)
        self.latencies.append(now - data['t'])
        self._count(msg)

    def result(self) -> Dict[str, Any]:
        span = self.t1 - self.t0
        res: Dict[str, Any] = {'messages': self.n}
        if self.n >= self.count and span > 0:
            res.update(msgs_per_s=(self.count - 1) / span,
                       cpu_us_per_msg=(self.c1 - self.c0) / (self.count - 1) * 1e6,
                       seconds=span)
        if self.latencies:
            lat = sorted(self.latencies[len(self.latencies) // 20:])  # drop the warm-up 5 %
            res.update(p50_us=lat[len(lat) // 2] / 1000.0,
                       p99_us=lat[min(len(lat) - 1, int(len(lat) * 0.99))] / 1000.0,
                       max_us=lat[-1] / 1000.0, samples=len(lat))
        return res


def _watchdog(seconds: float, what: Callable[[], Dict[str, Any]]) -> None:
    def fire() -> None:
        time.sleep(seconds)
        res = what()
        res['error'] = 'timed out after {} s'.format(seconds)
        _emit(res)
    threading.Thread(target=fire, daemon=True).start()


# -- twisted-based clients ------------------------------------------------------------

def _autobahn_factory(url: str, callback: Callable[[Any], None], fast: bool,
                      tuned: bool = False) -> Any:
    from autobahn.twisted.websocket import WebSocketClientFactory, WebSocketClientProtocol

    if tuned:
        from binance._json import loads as fast_loads

        class Proto(WebSocketClientProtocol):  # type: ignore[no-redef]
            def onMessage(self, payload: bytes, isBinary: bool) -> None:
                if not isBinary:
                    callback(fast_loads(payload))
    elif fast:
        from binance._streams.frames import FastFramesMixin
        from binance._json import loads

        class Proto(FastFramesMixin, WebSocketClientProtocol):
            def onMessage(self, payload: bytes, isBinary: bool) -> None:
                if not isBinary:
                    callback(loads(payload))
    else:
        class Proto(WebSocketClientProtocol):  # type: ignore[no-redef]
            def onMessage(self, payload: bytes, isBinary: bool) -> None:
                if not isBinary:
                    callback(json.loads(payload.decode('utf8')))

    factory = WebSocketClientFactory(url)
    factory.protocol = Proto
    if tuned:
        factory.setProtocolOptions(utf8validateIncoming=False)
    return factory


def _stream_urls(base: str, prefix: str, combined: bool, n: int) -> List[str]:
    root = base + prefix + '/'
    if combined:
        return [root + 'stream?streams=' + '/'.join(TRADE_STREAMS)]
    if n == 1:
        return [root + 'ws/bnbbtc@trade']
    return [root + 'ws/{}@trade'.format(s.lower()) for s in symbols(n)]


def run_twisted(kind: str, urls: List[str], recorder_cb: Callable[[Any], None]) -> None:
    """Connect one bare autobahn client per URL and run the reactor here."""
    from autobahn.twisted.websocket import connectWS
    for url in urls:
        connectWS(_autobahn_factory(url, recorder_cb, fast=(kind == 'fastframes'),
                                    tuned=(kind == 'autobahn-opts')))


def start_manager(kind: str, base: str, prefix: str, combined: bool, n: int,
                  callback: Callable[[Any], None]) -> Any:
    """Open the streams through the real BinanceSocketManager."""
    from binance.websockets import BinanceSocketManager
    if kind == 'manager-fast':
        from benchmarks.integration import patch_manager
        patch_manager(BinanceSocketManager)
    manager = BinanceSocketManager(None)
    manager.STREAM_URL = base + prefix + '/'
    if combined:
        manager.start_multiplex_socket(TRADE_STREAMS, callback)
    elif n == 1:
        manager.start_trade_socket('BNBBTC', callback)
    else:
        for sym in symbols(n):
            manager.start_trade_socket(sym, callback)
    manager.start()
    return manager


def run(args: argparse.Namespace) -> None:
    prefix = {'flood': 'flood-{}'.format(args.count),
              'paced': 'paced-{}-{}-{:.3f}'.format(args.rate, args.seconds, args.start_at),
              'hold': 'hold-1'}[args.scenario]
    count = args.count if args.scenario == 'flood' else int(args.rate * args.seconds)
    done = threading.Event()

    def finish() -> None:
        done.set()

    if args.scenario == 'hold':
        seen: set = set()
        state: Dict[str, Any] = {}

        def hold_cb(msg: Any) -> None:
            data = msg.get('data', msg) if isinstance(msg, dict) else {}
            seen.add(data.get('s'))
            if len(seen) >= args.streams and 'rss' not in state:
                state['rss'] = rss_kb()
                done.set()
        callback = hold_cb
        recorder = None
    else:
        recorder = Recorder(count, args.scenario == 'paced', finish)
        callback = recorder.callback

    if args.scenario == 'hold' and args.client != 'raw':
        # the per-stream figure should not include the import of the libraries
        if args.client.startswith('manager'):
            import binance.websockets  # noqa: F401
        else:
            import autobahn.twisted.websocket  # noqa: F401
            from twisted.internet import reactor as _  # noqa: F401
    base_rss = rss_kb()
    _watchdog(args.timeout, lambda: recorder.result() if recorder else {'streams_seen': 0})

    if args.client == 'raw':
        if args.scenario == 'hold':
            _emit({'error': 'raw client has no hold scenario'})
        url = _stream_urls(args.base, prefix, args.combined, 1)[0]
        try:
            import orjson
            decode: Callable[[bytes], Any] = orjson.loads
        except ImportError:
            decode = json.loads
        sock, rest = raw_connect(url)
        for payload in raw_frames(sock, rest):
            callback(decode(payload))
            if done.is_set():
                break
        res = recorder.result() if recorder else {}
        res['decoder'] = decode.__module__ or 'orjson'
        _emit(res)

    from twisted.internet import reactor
    n_streams = args.streams if args.scenario == 'hold' else 1
    if args.client in ('manager', 'manager-fast') and not args.profile:
        # as users run it: the manager's own thread runs the reactor
        start_manager(args.client, args.base, prefix, args.combined, n_streams, callback)
        done.wait(args.timeout + 5)
    else:
        if args.client in ('manager', 'manager-fast'):
            reactor.callWhenRunning(start_manager, args.client, args.base, prefix,
                                    args.combined, n_streams, callback)
        else:
            reactor.callWhenRunning(run_twisted, args.client,
                                    _stream_urls(args.base, prefix, args.combined, n_streams),
                                    callback)
        threading.Thread(target=lambda: (done.wait(), reactor.callFromThread(reactor.stop)),
                         daemon=True).start()
        if args.profile:
            import cProfile
            import pstats
            prof = cProfile.Profile()
            prof.runcall(reactor.run, installSignalHandlers=False)
            stats = pstats.Stats(prof, stream=sys.stderr)
            stats.sort_stats('tottime').print_stats(18)
            stats.sort_stats('cumulative').print_stats(30)
        else:
            reactor.run(installSignalHandlers=False)
    if args.scenario == 'hold':
        _emit({'streams': args.streams, 'rss_kb': state.get('rss', 0),
               'rss_before_kb': base_rss, 'rss_per_stream_kb':
               (state.get('rss', 0) - base_rss) / max(args.streams, 1)})
    assert recorder is not None
    _emit(recorder.result())


def main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser(description='one benchmark client (see benchmarks/clients.py)')
    parser.add_argument('client', choices=CLIENTS)
    parser.add_argument('scenario', choices=('flood', 'paced', 'hold'))
    parser.add_argument('--base', required=True, help='ws://127.0.0.1:PORT/')
    parser.add_argument('--count', type=int, default=100000)
    parser.add_argument('--combined', action='store_true', help='combined-stream envelopes')
    parser.add_argument('--rate', type=int, default=2000)
    parser.add_argument('--seconds', type=int, default=3)
    parser.add_argument('--start-at', type=float, default=0,
                        help='paced: wall-clock ms at which the server starts sending')
    parser.add_argument('--streams', type=int, default=100)
    parser.add_argument('--timeout', type=float, default=60.0)
    parser.add_argument('--profile', action='store_true', help='cProfile the reactor thread')
    args = parser.parse_args(argv)
    if not args.base.startswith('ws://127.0.0.1:'):
        parser.error('--base must be a ws://127.0.0.1:PORT/ URL (benchmarks stay on loopback)')
    run(args)


if __name__ == '__main__':
    main()
