#!/usr/bin/env python3
"""Place a limit order away from the market, check it, and cancel it.

    python examples/place_and_cancel_order.py --local
    export BINANCE_API_KEY=... BINANCE_API_SECRET=...
    python examples/place_and_cancel_order.py BNBBTC           # a test order only
    python examples/place_and_cancel_order.py BNBBTC --real    # a real order

The price is --distance (a fraction, default 0.05) below the best bid for a
buy, above the best ask for a sell, rounded to the symbol's price step, so
the order rests instead of filling. The quantity is the smallest the symbol's
filters allow unless --quantity is given.

On Binance the script only sends a *test* order (checked by Binance, never
placed) unless you pass --real. With --local it runs against the package's
local exchange (binance.testing), offline, and places a real (local) order.
"""
import sys
from decimal import ROUND_UP, Decimal

from binance.client import Client
from binance.exceptions import BinanceAPIException

import _common  # what the examples share (examples/_common.py)


def order_terms(client, symbol, side, distance, quantity=None):
    """(price, quantity) of a resting order, valid for the symbol's filters."""
    info = client.get_symbol_info(symbol)
    if info is None:
        raise SystemExit('unknown symbol {}'.format(symbol))
    filters = {f['filterType']: f for f in info['filters']}
    tick = Decimal(filters['PRICE_FILTER']['tickSize'])
    step = Decimal(filters['LOT_SIZE']['stepSize'])
    book = client.get_orderbook_ticker(symbol=symbol)
    if side == Client.SIDE_BUY:
        price = Decimal(book['bidPrice']) * (1 - distance) // tick * tick
    else:
        above = Decimal(book['askPrice']) * (1 + distance) / tick
        price = above.to_integral_value(ROUND_UP) * tick
    if quantity is None:
        quantity = Decimal(filters['LOT_SIZE']['minQty'])
        notional = filters.get('NOTIONAL') or filters.get('MIN_NOTIONAL') or {}
        if notional.get('minNotional'):
            # enough to be worth the minimum order value, with a margin
            needed = Decimal(notional['minNotional']) * Decimal('1.1') / price
            quantity = max(quantity, (needed / step).to_integral_value(ROUND_UP) * step)
    return price, Decimal(quantity)


def parse_args(argv=None):
    parser = _common.parser(__doc__)
    parser.add_argument('symbol', nargs='?', default='BNBBTC', help='symbol (default: BNBBTC)')
    parser.add_argument('--side', choices=[Client.SIDE_BUY, Client.SIDE_SELL],
                        default=Client.SIDE_BUY)
    parser.add_argument('--distance', type=Decimal, default=Decimal('0.05'),
                        help='how far from the best price, as a fraction (default 0.05)')
    parser.add_argument('--quantity', type=Decimal, default=None,
                        help='order quantity (default: the smallest allowed)')
    parser.add_argument('--real', action='store_true',
                        help='on Binance, place a real order (default: a test order only)')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    with _common.open_client(args.local, keys_required=True) as client:
        price, quantity = order_terms(client, args.symbol, args.side, args.distance, args.quantity)
        params = dict(symbol=args.symbol, side=args.side, type=Client.ORDER_TYPE_LIMIT,
                      timeInForce=Client.TIME_IN_FORCE_GTC, quantity=quantity, price=price)
        print('{} {} {} at {}'.format(args.side, quantity, args.symbol, price))
        try:
            if not (args.local or args.real):
                client.create_test_order(**params)
                print('test order accepted by Binance (nothing was placed; use --real to place it)')
                return 0
            order = client.create_order(**params)
            print('placed: order {} status {}'.format(order['orderId'], order['status']))

            status = client.get_order(symbol=args.symbol, orderId=order['orderId'])
            print('checked: status {}, filled {} of {}'.format(
                status['status'], status['executedQty'], status['origQty']))
            open_ids = [o['orderId'] for o in client.get_open_orders(symbol=args.symbol)]
            print('open orders of {}: {}'.format(args.symbol, open_ids))

            result = client.cancel_order(symbol=args.symbol, orderId=order['orderId'])
            print('cancelled: order {} status {}'.format(result['orderId'], result['status']))
        except BinanceAPIException as exc:
            print('Binance refused: code {} {}'.format(exc.code, exc.message), file=sys.stderr)
            return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
