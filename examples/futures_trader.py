#!/usr/bin/env python3
"""A small USD-M futures script in python-binance 0.7.11 style: klines, an order,
the position, aggregate trade and mark price sockets, and the futures user socket.

    BINANCE_API_KEY=... BINANCE_API_SECRET=... python examples/futures_trader.py BTCUSDT
    python examples/futures_trader.py BTCUSDT --local --count 6

Needs an API key and secret (read from BINANCE_API_KEY and BINANCE_API_SECRET)
with futures enabled: it really opens a position of --quantity contracts at
the market and closes it again. With --local it runs against the package's
local exchange (binance.testing), offline. Prints the last hourly klines, the
order and the position, then --count messages of the aggTrade and mark price
sockets, the order and account events of the user socket, and closes the
position. Stops after --count messages, after --seconds, or with Ctrl-C.
"""
import queue
import sys
import time

from twisted.internet import reactor

from binance.client import Client
from binance.websockets import BinanceSocketManager

import _common  # what the examples share (examples/_common.py)


def describe(message):
    """One line for a socket message (the futures sockets send the combined envelope)."""
    data = message.get('data', message)
    kind = data.get('e') if isinstance(data, dict) else None
    if kind == 'aggTrade':
        return 'trade {s} {q} @ {p}'.format(**data)
    if kind == 'markPriceUpdate':
        return 'mark price {s} {p}, funding rate {r}'.format(**data)
    if kind == 'ORDER_TRADE_UPDATE':
        return 'order {i} {s} {S} {o}: {x} (status {X}, filled {z})'.format(**data['o'])
    if kind == 'ACCOUNT_UPDATE':
        return 'account ({}): '.format(data['a']['m']) + ', '.join(
            '{s} position {pa} @ {ep}'.format(**p) for p in data['a']['P'])
    if kind == 'error':
        return 'ERROR: ' + data['m']
    return str(message)


def show_position(client, symbol):
    for position in client.futures_position_information(symbol=symbol):
        print('position {} {}: {} @ {} (unrealized {})'.format(
            position['symbol'], position['positionSide'], position['positionAmt'],
            position['entryPrice'], position['unRealizedProfit']))


def main(argv=None):
    parser = _common.parser(__doc__, stop_after='messages')
    parser.add_argument('symbol', nargs='?', default='BTCUSDT', help='contract, e.g. BTCUSDT')
    parser.add_argument('--quantity', default='0.01', help='contracts to buy and sell again')
    args = parser.parse_args(argv)
    messages = queue.Queue()          # callbacks only queue; the main thread prints
    deadline = None if args.seconds is None else time.monotonic() + args.seconds
    shown = 0
    failed = False
    with _common.open_client(args.local, keys_required=True) as client:
        klines = client.futures_klines(symbol=args.symbol,
                                       interval=Client.KLINE_INTERVAL_1HOUR, limit=3)
        for kline in klines:
            print('kline {} open {} close {}'.format(kline[0], kline[1], kline[4]))

        bm = BinanceSocketManager(client)
        user_key = bm.start_futures_user_socket(messages.put)
        bm.start_aggtrade_futures_socket(args.symbol, messages.put)
        bm.start_symbol_mark_price_socket(args.symbol, messages.put)
        bm.start()
        try:
            if not bm.wait_connected(user_key, timeout=30):
                print('the user socket did not connect', file=sys.stderr)
                failed = True
            else:
                # RESULT: the answer carries the fill (Binance's default, ACK, does not)
                order = client.futures_create_order(symbol=args.symbol, side='BUY',
                                                    type='MARKET', quantity=args.quantity,
                                                    newOrderRespType='RESULT')
                print('order {} {} avg price {}'.format(order['orderId'], order['status'],
                                                        order['avgPrice']))
                show_position(client, args.symbol)
            while not failed and (args.count is None or shown < args.count):
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    break
                try:
                    message = messages.get(timeout=left)
                except queue.Empty:
                    break
                print(describe(message), flush=True)
                shown += 1
                if message.get('e') == 'error':
                    failed = True
        except KeyboardInterrupt:
            pass
        if not failed:
            client.futures_create_order(symbol=args.symbol, side='SELL', type='MARKET',
                                        quantity=args.quantity, reduceOnly=True)
            print('position closed')
            show_position(client, args.symbol)
        bm.close()
    reactor.callFromThread(reactor.stop)
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
