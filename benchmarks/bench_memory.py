"""Memory of a long local-exchange run: a 300-symbol exchange, RSS over time.

::

    python -m benchmarks.bench_memory                # 10 minutes, 300 symbols
    python -m benchmarks.bench_memory --quick        # 1 minute
    python -m benchmarks.bench_memory --minutes 3 --retention 1000

Everything stays on 127.0.0.1. The exchange runs in this process with its
ticker (``tick=0.1``: :data:`binance.testing.TICK_SYMBOLS` symbols move each
tick), one client streams all-market mini tickers from it and polls REST
(recent trades, klines, a depth snapshot) once a second, so the trade logs,
klines and books are used as a user would. Printed: RSS and the trades held
by the exchange's trade logs at the start, the middle and the end, and the
RSS growth per minute over the second half. With ``--retention`` the trade
logs keep that many trades per symbol instead of the default, which reaches
the plateau sooner (the default shares 500,000 trades between the
symbols: 1,666 each for 300).
"""
import argparse
import os
import sys
import threading
import time
from typing import Any, Dict, List

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))


def rss_mb() -> float:
    """This process's resident set size in MB (Linux /proc)."""
    with open('/proc/self/status') as status:
        for line in status:
            if line.startswith('VmRSS:'):
                return int(line.split()[1]) / 1024.0
    return float('nan')


def held_trades(exchange: Any) -> int:
    market = exchange.market
    with market.lock:
        return sum(len(market._symbol(name).log.times) for name in market.symbols)


def sample(exchange: Any, label: str, started: float) -> Dict[str, Any]:
    row = {'label': label, 'seconds': time.monotonic() - started, 'rss_mb': rss_mb(),
           'trades_held': held_trades(exchange)}
    print('{label:>6}  t={seconds:7.1f} s  RSS {rss_mb:7.1f} MB  trades held {trades_held:,}'
          .format(**row), flush=True)
    return row


def main(argv: Any = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--minutes', type=float, default=10.0)
    parser.add_argument('--quick', action='store_true', help='a 1-minute run')
    parser.add_argument('--symbols', type=int, default=300)
    parser.add_argument('--retention', type=int, default=None,
                        help='trades kept per symbol (default: the library default)')
    args = parser.parse_args(argv)
    seconds = 60.0 if args.quick else args.minutes * 60.0

    from binance.testing import LocalExchange
    from binance.websockets import BinanceSocketManager
    exchange = LocalExchange(symbols=args.symbols, tick=0.1)
    for name in exchange.market.symbols:   # generate every symbol's past now, not mid-run
        log = exchange.market._symbol(name).log
        if args.retention is not None:
            log.retention = args.retention
        log.ensure_history()
    retention = exchange.market._symbol(exchange.market.symbols[0]).log.retention
    exchange.start()
    client = exchange.client()
    bm = BinanceSocketManager(client)
    bm.STREAM_URL = exchange.stream_url
    bm.WS_API_URL = exchange.ws_api_url
    messages = [0]
    bm.start_miniticker_socket(lambda message: messages.__setitem__(0, messages[0] + 1))
    bm.start()
    names = exchange.market.symbols
    stop = threading.Event()

    def poll() -> None:
        number = 0
        while not stop.wait(1.0):
            name = names[number % len(names)]
            number += 1
            client.get_recent_trades(symbol=name, limit=500)
            client.get_klines(symbol=name, interval='1m', limit=500)
            client.get_order_book(symbol=name, limit=100)

    poller = threading.Thread(target=poll, daemon=True)
    print('{} symbols, {:.0f} s, retention {} trades per symbol'.format(
        args.symbols, seconds, retention), flush=True)
    started = time.monotonic()
    rows: List[Dict[str, Any]] = [sample(exchange, 'start', started)]
    poller.start()
    try:
        for label, at in (('middle', seconds / 2), ('end', seconds)):
            time.sleep(max(0.0, started + at - time.monotonic()))
            rows.append(sample(exchange, label, started))
    finally:
        stop.set()
        poller.join(10)
        bm.close()
        client.close()
        exchange.stop()
    middle, end = rows[1], rows[2]
    slope = (end['rss_mb'] - middle['rss_mb']) / max(1e-9, (end['seconds'] - middle['seconds'])
                                                       / 60.0)
    print('RSS growth over the second half: {:+.1f} MB/min; mini-ticker messages: {}'.format(
        slope, messages[0]), flush=True)
    return 0


if __name__ == '__main__':
    sys.exit(main())
