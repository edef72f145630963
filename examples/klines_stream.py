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
import datetime
import sys

from twisted.internet import reactor

from binance.enums import KLINE_INTERVALS
from binance.websockets import BinanceSocketManager

import _common  # what the examples share (examples/_common.py)


def utc(ms):
    return datetime.datetime.fromtimestamp(ms / 1000, datetime.timezone.utc).strftime('%H:%M:%S')


def parse_args(argv=None):
    parser = _common.parser(__doc__, stop_after='updates')
    parser.add_argument('symbol', nargs='?', default='BNBBTC', help='symbol (default: BNBBTC)')
    parser.add_argument('--interval', default='1m', choices=KLINE_INTERVALS,
                        help='kline interval (default: 1m)')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    countdown = _common.Countdown(args.count)

    def process_message(msg):
        if msg.get('e') == 'error':
            countdown.fail(msg['m'])
        elif countdown.take():
            k = msg['k']
            print('{} {} {}-{} UTC  open {}  high {}  low {}  close {}  volume {}{}'.format(
                k['s'], k['i'], utc(k['t']), utc(k['T'] + 1), k['o'], k['h'], k['l'], k['c'],
                k['v'], '  CLOSED' if k['x'] else ''), flush=True)

    with _common.open_client(args.local) as client:
        bm = BinanceSocketManager(client)
        bm.start_kline_socket(args.symbol, process_message, interval=args.interval)
        bm.start()
        countdown.wait(args.seconds)
        bm.close()
    reactor.callFromThread(reactor.stop)
    return _common.INTERRUPTED if countdown.interrupted else 0 if countdown.taken else 1


if __name__ == '__main__':
    sys.exit(main())
