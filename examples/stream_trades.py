#!/usr/bin/env python3
"""Print the trades of one or more symbols as they happen.

    python examples/stream_trades.py BNBBTC ETHBTC
    python examples/stream_trades.py BNBBTC --local --count 20

Market data needs no API key. With --local the script runs against the
package's local exchange (binance.testing) and needs no network at all.
Stops after --count trades, after --seconds, or with Ctrl-C.
"""
import argparse
import contextlib
import os
import sys
import threading

from twisted.internet import reactor

from binance.client import Client
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


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('symbols', nargs='*', default=['BNBBTC'], metavar='SYMBOL',
                        help='symbols such as BNBBTC (default: BNBBTC)')
    parser.add_argument('--local', action='store_true',
                        help='use the local exchange of binance.testing (offline)')
    parser.add_argument('--count', type=int, default=None, help='stop after this many trades')
    parser.add_argument('--seconds', type=float, default=None, help='stop after this many seconds')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    done = threading.Event()
    seen = {'trades': 0, 'errors': 0}
    lock = threading.Lock()

    def process_message(msg):
        # called on the reactor thread: print and count, nothing slow
        if msg.get('e') == 'error':
            print('socket error: {}'.format(msg['m']), file=sys.stderr)
            seen['errors'] += 1
            done.set()
            return
        with lock:
            seen['trades'] += 1
            side = 'SELL' if msg['m'] else 'BUY '     # m: the buyer was the maker
            print('{}  {}  {:>14} @ {}'.format(msg['s'], side, msg['q'], msg['p']), flush=True)
            if args.count is not None and seen['trades'] >= args.count:
                done.set()

    with open_client(args.local) as client:
        bm = BinanceSocketManager(client)
        for symbol in args.symbols:
            bm.start_trade_socket(symbol, process_message)
        bm.start()
        try:
            done.wait(args.seconds)
        except KeyboardInterrupt:
            pass
        bm.close()
    reactor.callFromThread(reactor.stop)
    print('{} trades'.format(seen['trades']), file=sys.stderr)
    return 1 if seen['errors'] else 0


if __name__ == '__main__':
    sys.exit(main())
