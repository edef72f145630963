#!/usr/bin/env python3
"""An asyncio program: streams, an order over the WebSocket API and REST, on one event loop.

    BINANCE_API_KEY=... BINANCE_API_SECRET=... python examples/asyncio_bot.py
    python examples/asyncio_bot.py --local --count 5

The socket manager runs on the program's own asyncio loop (binance.aio): the
trade socket's callback is called on the loop's thread and feeds an
asyncio.Queue; a WebSocket API request returns a Deferred that is awaited;
the blocking REST client is called in a thread with asyncio.to_thread. With
--local it runs against the package's local exchange (offline). Stops after
--count trades (default 5), after --seconds, or with Ctrl-C.
"""
import asyncio
import sys
import threading

import _common

from binance import aio


def parse_args(argv=None):
    parser = _common.parser(__doc__, stop_after='trades')
    parser.add_argument('symbol', nargs='?', default='BNBBTC', help='default: BNBBTC')
    return parser.parse_args(argv)


async def run(args):
    # first thing: Twisted (every socket) on this loop, no thread of its own
    async with aio.on_this_loop():
        from binance.websockets import BinanceSocketManager
        with _common.open_client(args.local, keys_required=True) as client:
            bm = BinanceSocketManager(client)
            trades = asyncio.Queue()
            threads = set()

            def on_trade(msg):          # on the loop's thread: no lock needed
                threads.add(threading.current_thread().name)
                trades.put_nowait(msg)

            bm.start_trade_socket(args.symbol, on_trade)
            try:
                for _ in range(args.count or 5):
                    msg = await trades.get()
                    if msg.get('e') == 'error':
                        print('socket error: {}'.format(msg['m']), file=sys.stderr)
                        return 1
                    print('{}  {:>14} @ {}'.format(msg['s'], msg['q'], msg['p']), flush=True)

                # REST is blocking: in a thread, so the sockets keep running meanwhile
                book = await asyncio.to_thread(client.get_orderbook_ticker, symbol=args.symbol)
                # the WebSocket API answers with a Deferred: await it
                status = await aio.as_future(bm.ws_api.account_status())
                print('best bid {}, {} balances, callbacks on {}'.format(
                    book['bidPrice'], len(status['balances']), ', '.join(sorted(threads))))
                return 0
            finally:
                bm.close()


def main(argv=None):
    args = parse_args(argv)
    try:
        return asyncio.run(asyncio.wait_for(run(args), args.seconds))
    except asyncio.TimeoutError:
        print('no {} trades within {} s'.format(args.count or 5, args.seconds), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return _common.INTERRUPTED


if __name__ == '__main__':
    sys.exit(main())
