#!/usr/bin/env python3
"""Print the events of your account: orders, trades and balance changes.

    BINANCE_API_KEY=... BINANCE_API_SECRET=... python examples/user_stream.py
    python examples/user_stream.py --local --count 4

Needs an API key and secret (read from BINANCE_API_KEY and BINANCE_API_SECRET).
The socket manager uses a listen key where Binance still offers one and
Binance's WebSocket API where it does not (binance.com Spot); the events are
the same. With --local the script runs against the package's local exchange
(binance.testing), offline, and places and cancels an order of its own so
that there is something to see. Stops after --count events, after --seconds,
or with Ctrl-C.
"""
import argparse
import queue
import sys
import time

from twisted.internet import reactor

from binance.websockets import BinanceSocketManager

import _common  # what the examples share (examples/_common.py)


def describe(event):
    kind = event.get('e')
    if kind == 'executionReport':
        return 'order {i} {s} {S} {o} {q} @ {p}: {x} (status {X}, filled {z})'.format(**event)
    if kind == 'outboundAccountPosition':
        return 'balances: ' + ', '.join('{a} free {f} locked {l}'.format(**b) for b in event['B'])
    if kind == 'balanceUpdate':
        return 'balance update: {a} {d}'.format(**event)
    if kind == 'error':
        return 'ERROR: ' + event['m']
    return str(event)


def demo_order(client, symbol):
    """Place a limit buy well below the market, then cancel it (local exchange only)."""
    bid = float(client.get_orderbook_ticker(symbol=symbol)['bidPrice'])
    order = client.order_limit_buy(symbol=symbol, quantity=1, price='{:.6f}'.format(bid * 0.95))
    print('placed order {} at {}'.format(order['orderId'], order['price']), file=sys.stderr)
    client.cancel_order(symbol=symbol, orderId=order['orderId'])
    print('cancelled order {}'.format(order['orderId']), file=sys.stderr)


def parse_args(argv=None):
    parser = _common.parser(__doc__, stop_after='events')
    keys = parser.add_mutually_exclusive_group()
    keys.add_argument('--listen-keys', dest='listen_keys', action='store_true', default=False,
                      help='with --local: serve the Spot listen keys that binance.com retired, '
                           'so the original listen-key flow is used (default: refuse them, as '
                           'binance.com does, so the WebSocket API is used)')
    keys.add_argument('--no-listen-keys', dest='listen_keys', action='store_false',
                      help=argparse.SUPPRESS)  # the default now; still accepted
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    events = queue.Queue()      # the callback only queues; the main thread prints
    deadline = None if args.seconds is None else time.monotonic() + args.seconds
    shown = 0
    failed = False
    interrupted = False
    with _common.open_client(args.local, keys_required=True,
                             listen_keys=args.listen_keys) as client:
        bm = BinanceSocketManager(client)
        bm.start_user_socket(events.put)
        bm.start()
        try:
            # events flow once connected; an order placed before could be missed
            wait = 30 if deadline is None else max(0, min(30, deadline - time.monotonic()))
            if args.local and bm.wait_connected('user', timeout=wait):
                demo_order(client, 'BNBBTC')   # its events wait in the queue
            while args.count is None or shown < args.count:
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    break
                try:
                    event = events.get(timeout=left)
                except queue.Empty:
                    break
                print(describe(event), flush=True)
                shown += 1
                # a failed keepalive is reported but the socket goes on; other errors end it
                if event.get('e') == 'error' and \
                        not event['m'].startswith('Listen key keepalive failed'):
                    failed = True
                    break
        except KeyboardInterrupt:
            interrupted = True
        bm.close()
    reactor.callFromThread(reactor.stop)
    return _common.INTERRUPTED if interrupted else 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
