#!/usr/bin/env python3
"""Watch several streams on one connection (a multiplex socket).

    python examples/multiplex.py bnbbtc@aggTrade neobtc@ticker ethbtc@kline_1m
    python examples/multiplex.py --local --count 15

Stream names use lower-case symbols; see Binance's WebSocket Streams
documentation for the names. With --local the script runs against the
package's local exchange (binance.testing), offline. Stops after --count
messages, after --seconds, or with Ctrl-C.
"""
import collections
import sys

from twisted.internet import reactor

from binance.websockets import BinanceSocketManager

import _common  # what the examples share (examples/_common.py)

DEFAULT_STREAMS = ['bnbbtc@aggTrade', 'neobtc@ticker', 'ethbtc@kline_1m']


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
    parser = _common.parser(__doc__, stop_after='messages')
    parser.add_argument('streams', nargs='*', default=DEFAULT_STREAMS, metavar='STREAM',
                        help='stream names (default: {})'.format(' '.join(DEFAULT_STREAMS)))
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    countdown = _common.Countdown(args.count)
    per_stream = collections.Counter()

    def process_m_message(msg):
        if msg.get('e') == 'error':              # the error message is not wrapped
            countdown.fail(msg['m'])
        elif countdown.take():
            per_stream[msg['stream']] += 1
            print('{:<20} {}'.format(msg['stream'], describe(msg['data'])), flush=True)

    with _common.open_client(args.local) as client:
        bm = BinanceSocketManager(client)
        try:
            bm.start_multiplex_socket(args.streams, process_m_message)
        except ValueError as exc:                # e.g. an upper-case symbol
            print('error: {}'.format(exc), file=sys.stderr)
            return 2
        bm.start()
        countdown.wait(args.seconds)
        bm.close()
    reactor.callFromThread(reactor.stop)
    for stream, count in sorted(per_stream.items()):
        print('{:>6} messages from {}'.format(count, stream), file=sys.stderr)
    return countdown.status()


if __name__ == '__main__':
    sys.exit(main())
