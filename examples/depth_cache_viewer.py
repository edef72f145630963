#!/usr/bin/env python3
"""Show the top of a symbol's order book, kept in sync by a depth cache.

    python examples/depth_cache_viewer.py BNBBTC --levels 10
    python examples/depth_cache_viewer.py ETHBTC --local --count 3

Redraws the best --levels bids and asks every --interval seconds from the
main thread, while the depth cache is updated on the reactor thread. With
--local the script runs against the package's local exchange
(binance.testing), offline. Stops after --count screens, after --seconds, or
with Ctrl-C.
"""
import sys
import threading
import time
from decimal import Decimal

from twisted.internet import reactor

from binance.depthcache import DepthCacheManager

import _common  # what the examples share (examples/_common.py)


def render(depth_cache, levels):
    """The book as text: asks above (best at the bottom), bids below (best at the top)."""
    bids = depth_cache.get_bids(limit=levels)
    asks = depth_cache.get_asks(limit=levels)
    lines = ['{} order book (update id {})'.format(depth_cache.symbol, depth_cache.last_update_id),
             '{:>16} {:>16}'.format('price', 'quantity')]
    lines += ['{:>16} {:>16}  ask'.format(str(p), str(q)) for p, q in reversed(asks)]
    if bids and asks:
        lines.append('{:>16} spread'.format(str(asks[0][0] - bids[0][0])))
    lines += ['{:>16} {:>16}  bid'.format(str(p), str(q)) for p, q in bids]
    return '\n'.join(lines)


def parse_args(argv=None):
    parser = _common.parser(__doc__, stop_after='screens')
    parser.add_argument('symbol', nargs='?', default='BNBBTC', help='symbol (default: BNBBTC)')
    parser.add_argument('--levels', type=int, default=5, help='price levels per side (default 5)')
    parser.add_argument('--interval', type=float, default=1.0,
                        help='seconds between screens (default 1)')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    synced = threading.Event()
    stopped = threading.Event()

    def on_update(depth_cache):
        # reactor thread: only note that the book is there (or gone)
        if depth_cache is None:
            print('the depth cache stopped (an unknown symbol, or the socket gave up)',
                  file=sys.stderr)
            stopped.set()
        synced.set()

    with _common.open_client(args.local) as client:
        dcm = DepthCacheManager(client, args.symbol, callback=on_update, conv_type=Decimal)
        deadline = None if args.seconds is None else time.monotonic() + args.seconds
        screens = 0
        interrupted = False
        try:
            first = 30 if deadline is None else max(0, min(30, deadline - time.monotonic()))
            if not synced.wait(first):
                print('no order book after {:g} s'.format(first), file=sys.stderr)
                stopped.set()
            while not stopped.is_set():
                print(render(dcm.get_depth_cache(), args.levels), end='\n\n', flush=True)
                screens += 1
                if args.count is not None and screens >= args.count:
                    break
                if deadline is not None and time.monotonic() + args.interval > deadline:
                    break
                stopped.wait(args.interval)
        except KeyboardInterrupt:
            interrupted = True
        dcm.close()
    reactor.callFromThread(reactor.stop)
    return _common.INTERRUPTED if interrupted else 1 if stopped.is_set() else 0


if __name__ == '__main__':
    sys.exit(main())
