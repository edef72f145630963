#!/usr/bin/env python3
"""Print the trades of one or more symbols as they happen.

    python examples/stream_trades.py BNBBTC ETHBTC
    python examples/stream_trades.py BNBBTC --local --count 20

Market data needs no API key. With --local the script runs against the
package's local exchange (binance.testing) and needs no network at all.
Stops after --count trades, after --seconds, or with Ctrl-C.
"""
import sys

from twisted.internet import reactor

from binance.websockets import BinanceSocketManager

import _common  # what the examples share (examples/_common.py)


def parse_args(argv=None):
    parser = _common.parser(__doc__, stop_after='trades')
    parser.add_argument('symbols', nargs='*', default=['BNBBTC'], metavar='SYMBOL',
                        help='symbols such as BNBBTC (default: BNBBTC)')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    countdown = _common.Countdown(args.count)

    def process_message(msg):
        # called on the reactor thread: print and count, nothing slow
        if msg.get('e') == 'error':
            countdown.fail(msg['m'])
        elif countdown.take():
            side = 'SELL' if msg['m'] else 'BUY '     # m: the buyer was the maker
            print('{}  {}  {:>14} @ {}'.format(msg['s'], side, msg['q'], msg['p']), flush=True)

    with _common.open_client(args.local) as client:
        bm = BinanceSocketManager(client)
        for symbol in args.symbols:
            bm.start_trade_socket(symbol, process_message)
        bm.start()
        countdown.wait(args.seconds)
        bm.close()
    reactor.callFromThread(reactor.stop)
    print('{} trades'.format(countdown.taken), file=sys.stderr)
    return countdown.status()


if __name__ == '__main__':
    sys.exit(main())
