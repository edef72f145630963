"""The replay desk's book (binance.testing.replay.desk): held-back levels are exact.

Pure logic, no I/O: two markets replay the same prints, one with no depth
reader (the desk holds the synthesised levels back until something looks at
the book), one whose every change is applied at once (no ``wants``); every
answer, event, update id and order id must be the same.
"""
import random
from decimal import Decimal

import pytest

from binance.testing.market import Market, MarketError
from binance.testing.market_book import BUY, SELL
from binance.testing.replay.desk import BOOK_LEVELS, Desk

KEY, SECRET = 'key-a', 'secret-a'
SYMBOL = 'BTCUSDT'
TICK = Decimal('0.01')


class FakeClock:
    """Seconds that move only when told to."""

    def __init__(self) -> None:
        self.now = 1740787200.0

    def __call__(self) -> float:
        return self.now


class Side:
    """One market, its desk and what it published; ``depth_readers`` says whether a
    depth stream reads the symbol (``None``: no ``wants`` at all, every change at once)."""

    def __init__(self, clock: FakeClock, book_file: bool, depth_readers: object) -> None:
        self.market = Market(seed=5, symbols=[SYMBOL], clock=clock, history=0)
        self.market.add_account(KEY, SECRET, {'BTC': '3', 'USDT': '300000'})
        self.desk = Desk(self.market, {SYMBOL} if book_file else ())
        self.desk.forget_past(SYMBOL)
        self.events: list = []
        self.market.add_listener(lambda kind, key, payload: self.events.append(
            (kind, key, payload)))
        self.depth_readers = depth_readers
        if depth_readers is not None:
            self.market.wants = lambda kind, symbol: kind != 'depthUpdate' or bool(
                self.depth_readers)
        self.sym = self.market.symbol_state(SYMBOL)

    def do(self, action, *args, **kwargs):
        """``market.action(...)``: its answer, or the error it raised."""
        try:
            return getattr(self.market, action)(*args, **kwargs)
        except MarketError as exc:
            return ('error', exc.code, exc.msg)


def _compare(eager: Side, lazy: Side, with_depth: bool) -> None:
    """The two markets' update ids, order ids and events agree (depth updates only
    while the lazy market has a depth reader: else nobody reads them)."""
    assert lazy.sym.stored_book.update_id == eager.sym.stored_book.update_id
    assert lazy.sym.next_order_id == eager.sym.next_order_id
    wanted = [e for e in eager.events if with_depth or e[0] != 'depthUpdate']
    assert lazy.events == wanted
    eager.events.clear()
    lazy.events.clear()


def _run(book_file: bool, seed: int, reader_from: int = -1) -> int:
    """Replay 3,000 events on both markets with orders and reads in between; the
    number of times the lazy market held levels back."""
    clock = FakeClock()
    eager, lazy = Side(clock, book_file, None), Side(clock, book_file, [])
    rng = random.Random(seed)
    price = Decimal('65000.00')
    qtys = [Decimal('0.01'), Decimal('0.02'), Decimal('0.5')]
    held = 0
    trade_id = 1000
    for step in range(3000):
        if step == reader_from:      # a depth stream starts reading the lazy market
            lazy.depth_readers.append('depth')
        clock.now += 0.05
        price += TICK * rng.choice([0, 0, 0, 1, -1, 2, -2, 3, -3, 6, -6, 8, -8])
        qty = rng.choice(qtys)
        maker = rng.random() < 0.5
        for side in (eager, lazy):
            if book_file and step % 2:
                side.desk.apply('bookTicker', SYMBOL, (step, str(price - TICK), str(qty),
                                                       str(price + TICK), str(qtys[0])))
            else:
                side.desk.apply('trade', SYMBOL, (trade_id, str(price), str(qty), maker))
        trade_id += 1
        held += lazy.sym.book_pending is not None and lazy.desk._tapes[SYMBOL].held
        _compare(eager, lazy, bool(lazy.depth_readers))
        roll = rng.random()
        calls = []
        if roll < 0.04:
            calls.append(('depth', (SYMBOL, 20), {}))
        elif roll < 0.06:
            calls.append(('book_ticker', (SYMBOL,), {}))
        elif roll < 0.08:
            calls.append(('place_order', (KEY, SYMBOL, rng.choice([BUY, SELL]), 'MARKET'),
                          {'quantity': '0.013'}))
        elif roll < 0.11:
            offset = TICK * rng.randint(-3, 6)
            buy = rng.random() < 0.5
            calls.append(('place_order', (KEY, SYMBOL, BUY if buy else SELL, 'LIMIT'),
                          {'quantity': '0.02', 'timeInForce': 'GTC',
                           'price': str(price - offset if buy else price + offset)}))
        elif roll < 0.13:
            open_orders = eager.market.open_orders(KEY, SYMBOL)
            if open_orders:
                order_id = rng.choice(open_orders)['orderId']
                calls.append(('cancel_order', (KEY, SYMBOL), {'orderId': order_id}))
        elif roll < 0.14:
            calls.append(('ticker_24h', (SYMBOL,), {}))
        elif roll < 0.16:            # a stop that a later print triggers: it takes the book
            buy = rng.random() < 0.5
            stop = price + TICK * rng.randint(1, 9) * (1 if buy else -1)
            calls.append(('place_order', (KEY, SYMBOL, BUY if buy else SELL, 'STOP_LOSS'),
                          {'quantity': '0.011', 'stopPrice': str(stop)}))
        for action, args, kwargs in calls:
            assert lazy.do(action, *args, **kwargs) == eager.do(action, *args, **kwargs)
            _compare(eager, lazy, bool(lazy.depth_readers))
    assert lazy.market.depth(SYMBOL, 100) == eager.market.depth(SYMBOL, 100)
    assert lazy.market.open_orders(KEY, SYMBOL) == eager.market.open_orders(KEY, SYMBOL)
    assert lazy.market.balances(KEY) == eager.market.balances(KEY)
    assert lazy.market.my_trades(KEY, SYMBOL) == eager.market.my_trades(KEY, SYMBOL)
    return held


@pytest.mark.parametrize('book_file', [False, True], ids=['prints', 'bookTicker-file'])
@pytest.mark.parametrize('seed', [1, 2])
def test_held_back_levels_give_the_same_answers_events_and_ids(book_file, seed):
    """Levels held back until a look at the book give the same depth, fills, events,
    update ids and order ids as applying every print's levels at once."""
    held = _run(book_file, seed)
    assert held > 1000            # the lazy market did hold levels back


def test_a_depth_reader_arriving_mid_replay_gets_the_same_update_ids():
    """A depth stream that starts reading mid-replay sees the same depth updates (``U``,
    ``u``, levels) as if every level had been applied at once."""
    _run(False, 3, reader_from=1500)


def test_levels_are_held_back_until_the_book_is_read():
    """Without a depth reader a print moves only the update id; the first read brings
    in the levels the rule makes (one tick on the passive side, BOOK_LEVELS a side)."""
    clock = FakeClock()
    side = Side(clock, False, [])
    side.desk.apply('trade', SYMBOL, (1, '64990.00', '0.5', True))
    side.market.depth(SYMBOL, 5)                      # a read: the next print applies at once
    side.desk.apply('trade', SYMBOL, (2, '65000.00', '0.5', True))
    before = side.sym.stored_book.update_id
    side.desk.apply('trade', SYMBOL, (3, '65010.00', '0.25', False))
    assert side.sym.stored_book.update_id == before + 4 * BOOK_LEVELS
    assert side.sym.stored_book.best(BUY) == Decimal('65000.00')     # held back
    depth = side.market.depth(SYMBOL, 10)
    assert depth['lastUpdateId'] == before + 4 * BOOK_LEVELS
    assert depth['bids'][0] == ['65009.99000000', '0.25000000']
    assert depth['asks'][0] == ['65010.00000000', '0.25000000']
    assert len(depth['bids']) == len(depth['asks']) == BOOK_LEVELS
