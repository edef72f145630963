#!/usr/bin/env python3
"""Follow the candlesticks (klines) of a symbol live.

    python examples/klines_stream.py BNBBTC --interval 1m
    python examples/klines_stream.py ETHBTC --interval 5m --local --count 3

Binance sends the current kline about every two seconds while it is open,
and a last time when it closes. Shows each update on one line and marks
closed klines. With --local the script runs against the package's local
exchange (binance.testing), offline. Stops after --count updates, after
--seconds, or with Ctrl-C.
"""
import argparse
import contextlib
import datetime
import os
import sys
import threading

from twisted.internet import reactor

from binance.client import Client
from binance.enums import KLINE_INTERVALS
from binance.websockets import BinanceSocketManager


@contextlib.contextmanager
def open_client(local):
    """A Client for Binance (keys from the environment) or for a local exchange."""
    if not local:
        yield Client(os.environ.get('BINANCE_API_KEY'), os.environ.get('BINANCE_API_SECRET'))
        return
    from binance.testing import LocalExchange
    with LocalExchange() as exchange, exchange.install():
        yield exchange.client()


def utc(ms):
    return datetime.datetime.fromtimestamp(ms / 1000, datetime.timezone.utc).strftime('%H:%M:%S')


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('symbol', nargs='?', default='BNBBTC', help='symbol (default: BNBBTC)')
    parser.add_argument('--interval', default='1m', choices=KLINE_INTERVALS,
                        help='kline interval (default: 1m)')
    parser.add_argument('--local', action='store_true',
                        help='use the local exchange of binance.testing (offline)')
    parser.add_argument('--count', type=int, default=None, help='stop after this many updates')
    parser.add_argument('--seconds', type=float, default=None, help='stop after this many seconds')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    done = threading.Event()
    updates = []

    def process_message(msg):
        if msg.get('e') == 'error':
            print('socket error: {}'.format(msg['m']), file=sys.stderr)
            done.set()
            return
        k = msg['k']
        updates.append(k)
        print('{} {} {}-{} UTC  open {}  high {}  low {}  close {}  volume {}{}'.format(
            k['s'], k['i'], utc(k['t']), utc(k['T'] + 1), k['o'], k['h'], k['l'], k['c'], k['v'],
            '  CLOSED' if k['x'] else ''), flush=True)
        if args.count is not None and len(updates) >= args.count:
            done.set()

    with open_client(args.local) as client:
        bm = BinanceSocketManager(client)
        bm.start_kline_socket(args.symbol, process_message, interval=args.interval)
        bm.start()
        try:
            done.wait(args.seconds)
        except KeyboardInterrupt:
            pass
        bm.close()
    reactor.callFromThread(reactor.stop)
    return 0 if updates else 1


if __name__ == '__main__':
    sys.exit(main())
