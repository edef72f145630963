"""Orders from a stream callback: WebSocket API vs REST, and how long other streams stall.

Run from the repository root (``python benchmarks/bench_orders.py`` works too)::

    python -m benchmarks.bench_orders              # 100 orders per mode, about 30 s
    python -m benchmarks.bench_orders --orders 50  # quicker

Nothing leaves 127.0.0.1. A local exchange (:class:`binance.testing.LocalExchange`)
runs in a child process and pushes two streams at a steady pace: a *trigger*
stream (``bnbbtc@trade``, every ``--period`` ms), whose callback places an
order, and an *other* stream (``ethbtc@bookTicker``, every 2 ms) stamped with
its send time, standing for the rest of a bot's streams. The client (this
process) is a ``BinanceSocketManager``; each order is a ``LIMIT`` ``IOC`` buy
at the best bid (it expires at once: a full matching-engine round trip that
leaves the book as it was). Modes, in one run:

``idle``
    no orders: the other stream's latency baseline;
``rest``
    the usual bot pattern: ``client.create_order(...)`` inside the callback,
    blocking the reactor thread for the whole round trip;
``rest-thread``
    the same REST call through ``bm.call_in_thread`` (worker thread, result
    handed back to a callback);
``ws-api``
    ``bm.ws_api.order_place(..., callback=...)`` (HMAC key, signed per request);
``ws-api-ed25519``
    the same with an Ed25519 key (``session.logon``, no per-request signature);
``futures-rest``
    ``client.futures_create_order(...)`` inside the callback (USD-M, ``BTCUSDT``
    ``LIMIT`` ``IOC`` at the best bid), blocking like ``rest``;
``futures-ws-api``
    ``bm.futures_ws_api.order_place(..., callback=...)`` (HMAC key);
``futures-ws-api-ed25519``
    the same with the Ed25519 key (logged-on session).

For each mode it prints p50/p99 of the order round trip (trigger callback
start to result in hand), of the time the callback held the reactor thread,
and of the other stream's latency (server write to callback), with ratios
to ``rest`` (round trip, hold) and to ``idle`` (latency) from the same run.
"""
import argparse
import json
import os
import subprocess
import sys
import threading
import time
from typing import Any, Dict, List

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

MODES = ('idle', 'rest', 'rest-thread', 'ws-api', 'ws-api-ed25519', 'futures-rest',
         'futures-ws-api', 'futures-ws-api-ed25519')
OTHER_PERIOD = 0.002


def serve(period: float) -> None:
    """Child process: the exchange, the paced pushes, and the key pair on stdout."""
    from twisted.internet import reactor
    from twisted.internet.task import LoopingCall

    from binance.testing import LocalExchange, make_key_pair
    private, public = make_key_pair('Ed25519')
    ex = LocalExchange(tick=None).start()
    ex.add_account('bench-ed25519', public_key=public,
                   balances={'BTC': '1000', 'BNB': '100000'})
    ex.add_account(ex.api_key, ex.api_secret, {'BTC': '1000', 'BNB': '100000'})
    seq = [0]

    def other() -> None:
        seq[0] += 1
        ex.streams.push('ethbtc@bookTicker', {'u': seq[0], 's': 'ETHBTC', 'T': time.time_ns()})

    def trigger() -> None:
        ex.streams.push('bnbbtc@trade', {'e': 'trade', 's': 'BNBBTC', 'T': time.time_ns()})

    def start() -> None:
        LoopingCall(other).start(OTHER_PERIOD)
        LoopingCall(trigger).start(period)
    bid = ex.call(ex.market.depth, 'BNBBTC', 5)['bids'][0][0]
    futures_bid = ex.call(ex.futures.f_depth, 'BTCUSDT', 5)['bids'][0][0]
    reactor.callFromThread(start)
    print(json.dumps({'api_url': ex.api_url, 'stream_url': ex.stream_url,
                      'ws_api_url': ex.ws_api_url, 'api_key': ex.api_key,
                      'futures_api_url': ex.futures_api_url,
                      'futures_ws_api_url': ex.futures_ws_api_url, 'futures_bid': futures_bid,
                      'api_secret': ex.api_secret, 'ed_key': 'bench-ed25519',
                      'ed_private': private, 'bid': bid}), flush=True)
    sys.stdin.read()  # until the parent closes our stdin
    ex.stop()


def _pct(values: List[float], q: float) -> float:
    if not values:
        return float('nan')
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


class Phase:
    """One mode: places ``orders`` orders from the trigger callback, records timings."""

    def __init__(self, mode: str, orders: int) -> None:
        self.mode = mode
        self.orders = orders
        self.round_trips: List[float] = []
        self.holds: List[float] = []
        self.latencies: List[float] = []
        self.errors: List[str] = []
        self.placed = 0
        self.done = threading.Event()


def run(args: argparse.Namespace) -> Dict[str, Any]:
    server = subprocess.Popen([sys.executable, '-m', 'benchmarks.bench_orders', '--serve',
                               '--period', str(args.period)], cwd=ROOT, stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        info = json.loads(server.stdout.readline())
        return _measure(info, args)
    finally:
        server.stdin.close()
        server.wait(timeout=30)


def _measure(info: Dict[str, Any], args: argparse.Namespace) -> Dict[str, Any]:
    from binance.client import Client
    from binance.websockets import BinanceSocketManager

    def make(api_key: str, **keys: Any) -> Any:
        client = Client(api_key, **keys)
        client.API_URL, client.FUTURES_URL = info['api_url'], info['futures_api_url']
        bm = BinanceSocketManager(client)
        bm.STREAM_URL, bm.WS_API_URL = info['stream_url'], info['ws_api_url']
        bm.FUTURES_WS_API_URL = info['futures_ws_api_url']
        return client, bm

    client, bm = make(info['api_key'], api_secret=info['api_secret'])
    ed_client, ed_bm = make(info['ed_key'], private_key=info['ed_private'])
    order = dict(symbol='BNBBTC', side='BUY', type='LIMIT', timeInForce='IOC', quantity='1',
                 price=info['bid'], newOrderRespType='ACK')
    futures_order = dict(symbol='BTCUSDT', side='BUY', type='LIMIT', timeInForce='IOC',
                         quantity='0.002', price=info['futures_bid'], newOrderRespType='ACK')
    client.get_server_time()
    ed_bm.ws_api.blocking.time()   # connect and log on before measuring
    bm.ws_api.blocking.time()
    ed_bm.futures_ws_api.blocking.account_balance()
    bm.futures_ws_api.blocking.account_balance()
    state: Dict[str, Any] = {'phase': None}

    def on_other(msg: Dict[str, Any]) -> None:
        phase = state['phase']
        if phase is not None and 'T' in msg:
            phase.latencies.append((time.time_ns() - msg['T']) / 1000.0)

    def on_trigger(msg: Dict[str, Any]) -> None:
        phase = state['phase']
        if phase is None or phase.placed >= phase.orders:
            return
        phase.placed += 1
        start = time.perf_counter()
        last = phase.placed == phase.orders

        def finished(result: Any) -> None:
            phase.round_trips.append((time.perf_counter() - start) * 1e6)
            if isinstance(result, dict) and result.get('e') == 'error':
                phase.errors.append(result['m'])
            if last:
                phase.done.set()

        if phase.mode == 'idle':
            finished(None)
        elif phase.mode == 'rest':
            try:
                finished(client.create_order(**order))
            except Exception as exc:
                finished({'e': 'error', 'm': str(exc)})
        elif phase.mode == 'rest-thread':
            bm.call_in_thread(finished, client.create_order, **order)
        elif phase.mode == 'ws-api':
            bm.ws_api.order_place(callback=finished, **order)
        elif phase.mode == 'ws-api-ed25519':
            ed_bm.ws_api.order_place(callback=finished, **order)
        elif phase.mode == 'futures-rest':
            try:
                finished(client.futures_create_order(**futures_order))
            except Exception as exc:
                finished({'e': 'error', 'm': str(exc)})
        elif phase.mode == 'futures-ws-api':
            bm.futures_ws_api.order_place(callback=finished, **futures_order)
        else:
            ed_bm.futures_ws_api.order_place(callback=finished, **futures_order)
        phase.holds.append((time.perf_counter() - start) * 1e6)

    bm.start_symbol_book_ticker_socket('ETHBTC', on_other)
    bm.start_trade_socket('BNBBTC', on_trigger)
    bm.start()
    for key in ('ethbtc@bookTicker', 'bnbbtc@trade'):
        if not bm.wait_connected(key, timeout=10):
            raise SystemExit('stream {} did not connect'.format(key))
    results = {}
    for mode in MODES:
        phase = Phase(mode, args.orders)
        state['phase'] = phase
        if not phase.done.wait(args.orders * args.period + 60):
            phase.errors.append('phase did not finish')
        state['phase'] = None
        time.sleep(0.2)  # let the last replies in
        results[mode] = phase
    bm.close()
    ed_bm.close()
    return _report(results, args)


def _report(results: Dict[str, Phase], args: argparse.Namespace) -> Dict[str, Any]:
    rows = {}
    for mode, phase in results.items():
        rows[mode] = {
            'round_trip_p50_us': _pct(phase.round_trips, 0.5),
            'round_trip_p99_us': _pct(phase.round_trips, 0.99),
            'hold_p50_us': _pct(phase.holds, 0.5), 'hold_p99_us': _pct(phase.holds, 0.99),
            'other_p50_us': _pct(phase.latencies, 0.5),
            'other_p99_us': _pct(phase.latencies, 0.99),
            'other_max_us': max(phase.latencies) if phase.latencies else float('nan'),
            'orders': len(phase.round_trips), 'other_samples': len(phase.latencies),
            'errors': len(phase.errors)}
        if phase.errors:
            print('  {}: {} errors, first: {}'.format(mode, len(phase.errors), phase.errors[0]))
    rest, idle = rows['rest'], rows['idle']
    print('\nOrders from a stream callback: {} per mode, one every {:.0f} ms; other stream every '
          '{:.0f} ms (times in microseconds)'.format(args.orders, args.period * 1000,
                                                       OTHER_PERIOD * 1000))
    head = '{:<24}{:>10}{:>10}{:>9}{:>10}{:>10}{:>9}{:>10}{:>10}{:>10}{:>9}{:>7}'
    print(head.format('mode', 'rtt p50', 'rtt p99', 'x rest', 'hold p50', 'hold p99', 'x rest',
                      'other p50', 'other p99', 'other max', 'x idle', 'errors'))
    line = '{:<24}{:>10.0f}{:>10.0f}{:>9.2f}{:>10.0f}{:>10.0f}{:>9.3f}{:>10.0f}{:>10.0f}' \
           '{:>10.0f}{:>9.2f}{:>7}'
    for mode, row in rows.items():
        print(line.format(mode, row['round_trip_p50_us'], row['round_trip_p99_us'],
                          row['round_trip_p50_us'] / rest['round_trip_p50_us'],
                          row['hold_p50_us'], row['hold_p99_us'],
                          row['hold_p99_us'] / rest['hold_p99_us'],
                          row['other_p50_us'], row['other_p99_us'], row['other_max_us'],
                          row['other_p99_us'] / idle['other_p99_us'], row['errors']))
    print('\n  rtt: trigger callback start -> order result in hand; hold: time the callback '
          'kept the reactor thread;\n  other: latency of the other stream (server write -> '
          'callback) during the phase; x rest / x idle: ratios in this run.')
    return rows


def main(argv: Any = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--orders', type=int, default=100,
                        help='orders per mode (100; Binance allows an account 100 orders '
                             'per 10 s)')
    parser.add_argument('--period', type=float, default=0.05,
                        help='seconds between trigger messages (0.05)')
    parser.add_argument('--json', metavar='FILE', help='also write the figures as JSON')
    parser.add_argument('--serve', action='store_true', help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        serve(args.period)
        return 0
    rows = run(args)
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(rows, f, indent=2)
    return 0


if __name__ == '__main__':
    sys.exit(main())
