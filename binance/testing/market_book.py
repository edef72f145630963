"""Orders and the order book of one symbol (no matching policy, no accounts).

:class:`Book` keeps resting orders in price-time priority and counts every
change with the symbol's update id, remembering which levels changed so the
market can publish them as one ``depthUpdate`` event (``U``..``u``).
"""
import bisect
from decimal import Decimal
from typing import Any, Callable, Dict, List, Optional, Tuple

from binance.testing.market_base import ZERO, fmt

__all__ = ['Order', 'Book', 'BUY', 'SELL']

BUY = 'BUY'
SELL = 'SELL'

#: order types that wait for their stop price before they work
STOP_TYPES = ('STOP_LOSS', 'STOP_LOSS_LIMIT', 'TAKE_PROFIT', 'TAKE_PROFIT_LIMIT')


class Order:
    """One order, of an account (``owner``) or of a simulated trader (``owner=None``)."""

    __slots__ = ('symbol', 'order_id', 'client_id', 'side', 'type', 'tif', 'price', 'qty',
                 'quote_qty', 'stop_price', 'owner', 'time', 'update_time', 'status',
                 'executed', 'cum_quote', 'working', 'working_time', 'list_id', 'locked',
                 'lock_asset', 'in_book', 'used_sor', 'expiry_reason')

    def __init__(self, symbol: str, order_id: int, side: str, type_: str, *,
                 price: Optional[Decimal] = None, qty: Optional[Decimal] = None,
                 quote_qty: Decimal = ZERO, tif: Optional[str] = None,
                 stop_price: Decimal = ZERO, owner: Any = None, client_id: str = '',
                 time_ms: int = 0, list_id: int = -1) -> None:
        self.symbol = symbol
        self.order_id = order_id
        self.client_id = client_id
        self.side = side
        self.type = type_
        self.tif = tif
        self.price = price
        self.qty = qty
        self.quote_qty = quote_qty
        self.stop_price = stop_price
        self.owner = owner
        self.time = time_ms
        self.update_time = time_ms
        self.status = 'NEW'
        self.executed = ZERO
        self.cum_quote = ZERO
        self.working = type_ not in STOP_TYPES
        self.working_time = time_ms if self.working else -1
        self.list_id = list_id
        self.locked = ZERO
        self.lock_asset: Optional[str] = None
        self.in_book = False
        #: placed with smart order routing (``POST /api/v3/sor/order``)
        self.used_sor = False
        #: why the order expired (Binance's ``eR`` / ``expiryReason``), or ``None``
        self.expiry_reason: Optional[str] = None

    @property
    def remaining(self) -> Decimal:
        """Quantity still to execute (``0`` for a quote-quantity market order)."""
        return (self.qty - self.executed) if self.qty is not None else ZERO

    @property
    def is_open(self) -> bool:
        """True while the order can still execute."""
        return self.status in ('NEW', 'PARTIALLY_FILLED')

    def info(self) -> Dict[str, Any]:
        """The order as ``GET /api/v3/order`` returns it."""
        info = {
            'symbol': self.symbol, 'orderId': self.order_id, 'orderListId': self.list_id,
            'clientOrderId': self.client_id, 'price': fmt(self.price or ZERO),
            'origQty': fmt(self.qty or ZERO), 'executedQty': fmt(self.executed),
            'cummulativeQuoteQty': fmt(self.cum_quote), 'status': self.status,
            'timeInForce': self.tif or 'GTC', 'type': self.type, 'side': self.side,
            'stopPrice': fmt(self.stop_price), 'icebergQty': fmt(ZERO), 'time': self.time,
            'updateTime': self.update_time, 'isWorking': self.working,
            'workingTime': self.working_time, 'origQuoteOrderQty': fmt(self.quote_qty),
            'selfTradePreventionMode': 'NONE',
        }
        if self.used_sor:   # the local exchange's SOR configurations have one book each
            info.update(usedSor=True, workingFloor='EXCHANGE')
        return info

    def result(self, transact_ms: int) -> Dict[str, Any]:
        """The order as a ``newOrderRespType=RESULT`` answer."""
        result = {
            'symbol': self.symbol, 'orderId': self.order_id, 'orderListId': self.list_id,
            'clientOrderId': self.client_id, 'transactTime': transact_ms,
            'price': fmt(self.price or ZERO), 'origQty': fmt(self.qty or ZERO),
            'executedQty': fmt(self.executed), 'origQuoteOrderQty': fmt(self.quote_qty),
            'cummulativeQuoteQty': fmt(self.cum_quote), 'status': self.status,
            'timeInForce': self.tif or 'GTC', 'type': self.type, 'side': self.side,
            'workingTime': self.working_time, 'selfTradePreventionMode': 'NONE',
        }
        if self.type in STOP_TYPES:
            result['stopPrice'] = fmt(self.stop_price)
        if self.used_sor:
            result.update(workingFloor='EXCHANGE', usedSor=True)
        if self.expiry_reason is not None:
            result['expiryReason'] = self.expiry_reason
        return result

    def __repr__(self) -> str:
        return '<Order {} {} {} {} {}@{} {}>'.format(
            self.symbol, self.order_id, self.side, self.type, self.qty, self.price, self.status)


class Book:
    """Resting orders of one symbol by side and price, FIFO within a level.

    :ivar update_id: the symbol's update id, bumped by every change.
    """

    def __init__(self, update_id: int) -> None:
        self.update_id = update_id
        self._orders: Dict[str, Dict[Decimal, List[Order]]] = {BUY: {}, SELL: {}}
        self.sizes: Dict[str, Dict[Decimal, Decimal]] = {BUY: {}, SELL: {}}
        self._prices: Dict[str, List[Decimal]] = {BUY: [], SELL: []}
        self._first_change: Optional[int] = None
        self._changed: Dict[str, Dict[Decimal, None]] = {BUY: {}, SELL: {}}
        self.counts: Dict[str, int] = {BUY: 0, SELL: 0}  # resting orders per side
        #: Called with no arguments at the first change after :meth:`take_changes`
        #: (the market keeps the set of books with changes to publish).
        self.on_first_change: Optional[Callable[[], None]] = None

    # -- reading ------------------------------------------------------------

    def best(self, side: str) -> Optional[Decimal]:
        """Best price of ``side`` (highest bid, lowest ask), ``None`` when empty."""
        prices = self._prices[side]
        if not prices:
            return None
        return prices[-1] if side == BUY else prices[0]

    def prices(self, side: str) -> List[Decimal]:
        """Prices of ``side``, best first."""
        prices = self._prices[side]
        return prices[::-1] if side == BUY else list(prices)

    def level(self, side: str, price: Decimal) -> List[Order]:
        """The orders resting at ``price`` (a copy), oldest first."""
        return list(self._orders[side].get(price, ()))

    def depth(self, limit: int) -> Tuple[List[List[str]], List[List[str]]]:
        """The top ``limit`` levels of each side as ``[[price, qty], ...]`` strings."""
        bid_sizes, ask_sizes = self.sizes[BUY], self.sizes[SELL]
        bids = [[fmt(p), fmt(bid_sizes[p])] for p in self._prices[BUY][::-1][:limit]]
        asks = [[fmt(p), fmt(ask_sizes[p])] for p in self._prices[SELL][:limit]]
        return bids, asks

    def level_count(self, side: str) -> int:
        """Number of price levels on ``side``."""
        return len(self._prices[side])

    def orders(self, side: str) -> List[Order]:
        """Every resting order of ``side`` (best price first)."""
        return [order for price in self.prices(side) for order in self._orders[side][price]]

    def order_at(self, side: str, level: int, position: int) -> Order:
        """The order at ``position`` (modulo its length) of the ``level``-th price (ascending)."""
        orders = self._orders[side][self._prices[side][level]]
        return orders[position % len(orders)]

    # -- changing -------------------------------------------------------------

    def _touch(self, side: str, price: Decimal) -> None:
        self.update_id += 1
        if self._first_change is None:
            self._first_change = self.update_id
            if self.on_first_change is not None:
                self.on_first_change()
        self._changed[side][price] = None

    def add(self, order: Order) -> None:
        """Rest ``order`` at the back of its price level."""
        self._place(order)
        self._touch(order.side, order.price)

    def _place(self, order: Order) -> None:
        """Put ``order`` at the back of its price level (no change counted)."""
        side, price = order.side, order.price
        assert price is not None
        level = self._orders[side].get(price)
        if level is None:
            level = self._orders[side][price] = []
            self.sizes[side][price] = ZERO
            bisect.insort(self._prices[side], price)
        level.append(order)
        self.counts[side] += 1
        self.sizes[side][price] += order.remaining
        order.in_book = True

    def reduce(self, order: Order, qty: Decimal) -> None:
        """A resting order executed ``qty``; remove it when nothing remains.

        Call after ``order.executed`` has been increased.
        """
        side, price = order.side, order.price
        self.sizes[side][price] -= qty
        if order.remaining <= 0:
            self._drop(order)
        self._touch(side, price)

    def alone(self, order: Order) -> bool:
        """True when ``order`` is the only order resting at its price."""
        price = order.price
        level = self._orders[order.side].get(price) if price is not None else None
        return level is not None and len(level) == 1 and level[0] is order

    def resize(self, order: Order, remaining: Decimal) -> None:
        """Make the resting ``order`` show ``remaining`` (a quote that changed its size
        in place: it keeps its place in the level)."""
        side, price = order.side, order.price
        self.sizes[side][price] += remaining - order.remaining
        order.qty = order.executed + remaining
        self._touch(side, price)

    def remove(self, order: Order) -> None:
        """Take a resting order out of the book (cancel, expiry)."""
        side, price = order.side, order.price
        self.sizes[side][price] -= order.remaining
        self._drop(order)
        self._touch(side, price)

    def move_quietly(self, order: Order, price: Decimal, remaining: Decimal) -> None:
        """Move the resting ``order`` to ``price`` showing ``remaining``, without counting
        a change: a replay bringing in levels whose changes :attr:`update_id` already
        counted (:mod:`binance.testing.replay.desk`)."""
        side = order.side
        if price == order.price:
            self.sizes[side][price] += remaining - order.remaining
            order.qty = order.executed + remaining
            return
        self.sizes[side][order.price] -= order.remaining
        self._drop(order)
        order.price, order.qty = price, order.executed + remaining
        self._place(order)

    def _drop(self, order: Order) -> None:
        side, price = order.side, order.price
        level = self._orders[side][price]
        level.remove(order)
        self.counts[side] -= 1
        order.in_book = False
        if not level:
            del self._orders[side][price]
            del self.sizes[side][price]
            prices = self._prices[side]
            del prices[bisect.bisect_left(prices, price)]

    def forget_changes(self) -> None:
        """Drop the changes since the last :meth:`take_changes` unformatted (nobody
        reads them); :attr:`update_id` keeps counting."""
        if self._first_change is not None:
            self._first_change = None
            self._changed[BUY].clear()
            self._changed[SELL].clear()

    def take_changes(self) -> Optional[Tuple[int, int, List[List[str]], List[List[str]]]]:
        """Changes since the last call: ``(U, u, bids, asks)`` or ``None``.

        ``bids``/``asks`` give each changed level's new total quantity,
        ``"0.00000000"`` for a level that is gone.
        """
        if self._first_change is None:
            return None
        first, self._first_change = self._first_change, None
        sides = []
        for side in (BUY, SELL):
            sizes = self.sizes[side]
            sides.append([[fmt(p), fmt(sizes.get(p, ZERO))] for p in self._changed[side]])
            self._changed[side] = {}
        return first, self.update_id, sides[0], sides[1]
