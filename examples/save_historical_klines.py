#!/usr/bin/env python3
"""Download the klines of a date range and save them as CSV or JSON.

    python examples/save_historical_klines.py BNBBTC "1 Dec, 2017" "1 Jan, 2018" --interval 30m
    python examples/save_historical_klines.py ETHBTC "1 week ago UTC" --output eth.json
    python examples/save_historical_klines.py BNBBTC "1 Jan, 2018" "1 Mar, 2018" --local

Dates are anything binance.helpers.date_to_milliseconds understands: "1 Jan,
2018", "2018-01-01 12:00", "3 days ago UTC", or milliseconds. The end
defaults to now. The format follows the file name (.csv or .json). A range
that takes more than one request shows a progress bar on standard error.
With --local the klines come from the package's local exchange
(binance.testing), offline.
"""
import csv
import json
import sys

from binance.enums import KLINE_INTERVALS
from binance.helpers import date_to_milliseconds, interval_to_milliseconds

import _common  # what the examples share (examples/_common.py)

COLUMNS = ['open_time', 'open', 'high', 'low', 'close', 'volume', 'close_time',
           'quote_volume', 'trades', 'taker_buy_base_volume', 'taker_buy_quote_volume']


class ProgressBar:
    """A one-line progress bar on a stream, redrawn in place."""

    def __init__(self, total, stream=sys.stderr, width=30):
        self.total = max(total, 1)
        self.stream = stream
        self.width = width
        self.shown = -1

    def update(self, done):
        percent = min(100, done * 100 // self.total)
        if percent == self.shown:
            return
        self.shown = percent
        filled = self.width * percent // 100
        self.stream.write('\r[{}{}] {:3d}%  {} klines'.format(
            '#' * filled, '.' * (self.width - filled), percent, done))
        self.stream.flush()

    def close(self, done):
        self.shown = -1
        self.update(self.total if done >= self.total else done)
        self.stream.write('\n')
        self.stream.flush()


def parse_args(argv=None):
    parser = _common.parser(__doc__)
    parser.add_argument('symbol', help='symbol, e.g. BNBBTC')
    parser.add_argument('start', help='first open time, e.g. "1 Dec, 2017" or "1 day ago UTC"')
    parser.add_argument('end', nargs='?', default=None, help='last open time (default: now)')
    parser.add_argument('--interval', default='1h', choices=KLINE_INTERVALS,
                        help='kline interval (default 1h)')
    parser.add_argument('--output', default=None,
                        help='file to write, .csv or .json (default: SYMBOL-INTERVAL.csv)')
    parser.add_argument('--quiet', action='store_true', help='no progress bar')
    args = parser.parse_args(argv)
    if args.output is None:
        args.output = '{}-{}.csv'.format(args.symbol, args.interval)
    if not args.output.endswith(('.csv', '.json')):
        parser.error('--output must end in .csv or .json, got {!r}'.format(args.output))
    return args


def main(argv=None):
    args = parse_args(argv)
    try:
        start_ms = date_to_milliseconds(args.start)
        end_ms = date_to_milliseconds(args.end if args.end is not None else 'now UTC')
    except ValueError as exc:
        print('error: {}'.format(exc), file=sys.stderr)
        return 2
    page = 1000
    expected = max(0, (end_ms - start_ms) // interval_to_milliseconds(args.interval) + 1)
    bar = ProgressBar(expected) if expected > page and not args.quiet else None

    klines = []
    with _common.open_client(args.local) as client:
        for kline in client.get_historical_klines_generator(
                args.symbol, args.interval, args.start, args.end, limit=page):
            klines.append(kline)
            if bar is not None and len(klines) % 100 == 0:
                bar.update(len(klines))
    if bar is not None:
        bar.close(len(klines))

    with open(args.output, 'w', newline='') as f:
        if args.output.endswith('.json'):
            json.dump(klines, f)
        else:
            writer = csv.writer(f)
            writer.writerow(COLUMNS)
            writer.writerows(kline[:len(COLUMNS)] for kline in klines)
    print('{} {} klines of {} written to {}'.format(
        len(klines), args.interval, args.symbol, args.output))
    return 0


if __name__ == '__main__':
    sys.exit(main())
