#!/usr/bin/env python3
"""Watch several streams on one connection (a multiplex socket).

    python examples/multiplex.py bnbbtc@aggTrade neobtc@ticker ethbtc@kline_1m
    python examples/multiplex.py --local --count 15

Stream names use lower-case symbols; see Binance's WebSocket Streams
documentation for the names. With --local the script runs against the
package's local exchange (binance.testing), offline. Stops after --count
messages, after --seconds, or with Ctrl-C.
"""
import argparse
import collections
import contextlib
import os
import sys
import threading

from twisted.internet import reactor

from binance.client import Client
from binance.websockets import BinanceSocketManager

DEFAULT_STREAMS = ['bnbbtc@aggTrade', 'neobtc@ticker', 'ethbtc@kline_1m']


@contextlib.contextmanager
def open_client(local):
    """A Client for Binance (keys from the environment) or for a local exchange."""
    if not local:
        yield Client(os.environ.get('BINANCE_API_KEY'), os.environ.get('BINANCE_API_SECRET'))
        return
    from binance.testing import LocalExchange
    with LocalExchange() as exchange, exchange.install():
        yield exchange.client()


def describe(data):
    """One short line for the payload of a market stream."""
    event = data.get('e')
    if event in ('trade', 'aggTrade'):
        return '{} {} @ {}'.format(event, data['q'], data['p'])
    if event == 'kline':
        k = data['k']
        return 'kline {} o={} h={} l={} c={}{}'.format(
            k['i'], k['o'], k['h'], k['l'], k['c'], ' (closed)' if k['x'] else '')
    if event == '24hrTicker':
        return 'ticker last={} change={}%'.format(data['c'], data['P'])
    return str(data)[:100]


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('streams', nargs='*', default=DEFAULT_STREAMS, metavar='STREAM',
                        help='stream names (default: {})'.format(' '.join(DEFAULT_STREAMS)))
    parser.add_argument('--local', action='store_true',
                        help='use the local exchange of binance.testing (offline)')
    parser.add_argument('--count', type=int, default=None, help='stop after this many messages')
    parser.add_argument('--seconds', type=float, default=None, help='stop after this many seconds')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    done = threading.Event()
    per_stream = collections.Counter()
    errors = []

    def process_m_message(msg):
        if msg.get('e') == 'error':              # the error message is not wrapped
            errors.append(msg['m'])
            print('socket error: {}'.format(msg['m']), file=sys.stderr)
            done.set()
            return
        per_stream[msg['stream']] += 1
        print('{:<20} {}'.format(msg['stream'], describe(msg['data'])), flush=True)
        if args.count is not None and sum(per_stream.values()) >= args.count:
            done.set()

    with open_client(args.local) as client:
        bm = BinanceSocketManager(client)
        try:
            bm.start_multiplex_socket(args.streams, process_m_message)
        except ValueError as exc:                # e.g. an upper-case symbol
            print('error: {}'.format(exc), file=sys.stderr)
            return 2
        bm.start()
        try:
            done.wait(args.seconds)
        except KeyboardInterrupt:
            pass
        bm.close()
    reactor.callFromThread(reactor.stop)
    for stream, count in sorted(per_stream.items()):
        print('{:>6} messages from {}'.format(count, stream), file=sys.stderr)
    return 1 if errors else 0


if __name__ == '__main__':
    sys.exit(main())
