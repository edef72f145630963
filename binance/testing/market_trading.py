"""Order entry and matching of :class:`binance.testing.market.Market`.

:class:`TradingMixin` validates orders the way Binance does (mandatory
parameters, filters, balances — with Binance's error codes), matches them
against the book in price-time priority, settles balances and commissions,
triggers stop orders, links OCO legs, and queues the ``executionReport`` /
``trade`` events. It relies on the state that ``Market.__init__`` creates.
"""
import re
from decimal import Decimal
from typing import Any, Dict, List, Optional, Tuple

from binance.testing.market_base import (
    MAX_NUM_ALGO_ORDERS, MAX_NUM_ORDERS, PRICE_MULTIPLIER_UP, ZERO,
    MarketError, fmt, mandatory, missing, not_required, parse_decimal, parse_int,
    quantize_down, round8)
from binance.testing.market_book import BUY, SELL, STOP_TYPES, Order
from binance.testing.order_lists import ACTIVE, OCO_ABOVE, OCO_BELOW, OrderList

__all__ = ['TradingMixin', 'COMMISSION_RATE']

#: maker and taker commission (0.1 %), charged in the asset received
COMMISSION_RATE = Decimal('0.001')

_SIDES = (BUY, SELL)
_TYPES = ('LIMIT', 'MARKET', 'STOP_LOSS', 'STOP_LOSS_LIMIT', 'TAKE_PROFIT',
          'TAKE_PROFIT_LIMIT', 'LIMIT_MAKER')
_TIFS = ('GTC', 'IOC', 'FOK')
_RESP_TYPES = ('ACK', 'RESULT', 'FULL')
_LIMIT_TIF_TYPES = ('LIMIT', 'STOP_LOSS_LIMIT', 'TAKE_PROFIT_LIMIT')
_MARKET_LIKE = ('MARKET', 'STOP_LOSS', 'TAKE_PROFIT')
_CLIENT_ID_RE = re.compile(r'^[a-zA-Z0-9\-_]{1,36}\Z')
_ID_CHARS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'
_INSUFFICIENT = 'Account has insufficient balance for requested action.'


def _choice(value: Any, name: str, choices: Tuple[str, ...], code: int, msg: str) -> str:
    if missing(value):
        raise mandatory(name)
    if value not in choices:
        raise MarketError(code, msg)
    return value


def _filter_failure(name: str) -> MarketError:
    return MarketError(-1013, 'Filter failure: {}'.format(name))


class TradingMixin:
    """Orders of accounts: placing, matching, settling, cancelling, querying."""

    # -- helpers ------------------------------------------------------------

    def _new_client_id(self) -> str:
        rng = self._id_rng
        return 'x-' + ''.join(rng.choice(_ID_CHARS) for _ in range(20))

    def _avg_price_dec(self, sym: Any) -> Decimal:
        now = self.now_ms()
        average = sym.log.volume_weighted(now - 300000, now)
        return average if average is not None else sym.log.last_price

    def _open_orders_of(self, account: Any, symbol: str) -> List[Order]:
        return [o for o in account.orders.get(symbol, {}).values() if o.status in ACTIVE]

    def _available(self, sym: Any, side: str, limit: Optional[Decimal]) -> Decimal:
        """Quantity a taker on ``side`` could execute up to ``limit``."""
        book, total = sym.book, ZERO
        opposite = SELL if side == BUY else BUY
        for price in book.prices(opposite):
            if limit is not None and (price > limit if side == BUY else price < limit):
                break
            total += book.sizes[opposite][price]
        return total

    def _walk(self, sym: Any, side: str, qty: Optional[Decimal],
              quote: Optional[Decimal]) -> Tuple[Decimal, Decimal]:
        """``(base, quote)`` a market order would execute against the book now."""
        book, step = sym.book, sym.spec.step_size
        opposite = SELL if side == BUY else BUY
        base_total = quote_total = ZERO
        for price in book.prices(opposite):
            size = book.sizes[opposite][price]
            if qty is not None:
                take = min(size, qty - base_total)
            else:
                take = min(size, quantize_down((quote - quote_total) / price, step))
            if take <= 0:
                break
            base_total += take
            quote_total += take * price
        last = sym.log.last_price if not book.prices(opposite) else book.prices(opposite)[-1]
        # what the book cannot fill is estimated at its worst price (Binance refuses an
        # order the account could not pay for, rather than filling a fraction of it)
        if qty is not None and base_total < qty:
            quote_total += (qty - base_total) * last
            base_total = qty
        elif qty is None and quote_total < quote:
            base_total += quantize_down((quote - quote_total) / last, step)
            quote_total = quote
        return base_total, quote_total

    def _would_trigger(self, order: Order, last: Decimal) -> bool:
        if order.type.startswith('STOP_LOSS'):
            return last <= order.stop_price if order.side == SELL else last >= order.stop_price
        return last >= order.stop_price if order.side == SELL else last <= order.stop_price

    # -- validation -----------------------------------------------------------

    def _prepare(self, account: Any, sym: Any, side: Any, type_: Any, tif: Any,
                 quantity: Any, quote_qty: Any, price: Any, stop_price: Any,
                 client_id: Any, list_id: int = -1) -> Order:
        """Validate one order (or OCO leg) and build it, without side effects."""
        spec = sym.spec
        side = _choice(side, 'side', _SIDES, -1117, 'Invalid side.')
        type_ = _choice(type_, 'type', _TYPES, -1116, 'Invalid orderType.')
        if type_ in _LIMIT_TIF_TYPES:
            tif = _choice(tif, 'timeInForce', _TIFS, -1115, 'Invalid timeInForce.')
        elif not missing(tif):
            raise not_required('timeInForce')
        else:
            tif = None
        if type_ == 'MARKET':
            if not missing(price):
                raise not_required('price')
            if missing(quantity) and missing(quote_qty):
                raise MarketError(-1102, "Param 'quantity' or 'quoteOrderQty' must be sent, "
                                         "but both were empty/null!")
            if not missing(quantity) and not missing(quote_qty):
                raise not_required('quoteOrderQty')
        else:
            if missing(quantity):
                raise mandatory('quantity')
            if not missing(quote_qty):
                raise not_required('quoteOrderQty')
            if type_ in _LIMIT_TIF_TYPES or type_ == 'LIMIT_MAKER':
                if missing(price):
                    raise mandatory('price')
            elif not missing(price):
                raise not_required('price')
        if type_ in STOP_TYPES:
            if missing(stop_price):
                raise mandatory('stopPrice')
        elif not missing(stop_price):
            raise not_required('stopPrice')
        qty = None if missing(quantity) else parse_decimal('quantity', quantity)
        quote = ZERO if missing(quote_qty) else parse_decimal('quoteOrderQty', quote_qty)
        limit = None if missing(price) else parse_decimal('price', price)
        stop = ZERO if missing(stop_price) else parse_decimal('stopPrice', stop_price)
        if qty is not None and qty == 0:
            raise MarketError(-1013, 'Invalid quantity.')
        if not missing(quote_qty) and quote == 0:
            raise MarketError(-1013, 'Invalid quantity.')
        if limit is not None and limit == 0:
            raise MarketError(-1013, 'Invalid price.')
        if type_ in STOP_TYPES and stop == 0:
            raise MarketError(-1013, 'Stop price is invalid.')
        for value in (limit, stop if type_ in STOP_TYPES else None):
            if value is not None and (value < spec.min_price or value > spec.max_price
                                      or (value - spec.min_price) % spec.tick_size):
                raise _filter_failure('PRICE_FILTER')
        if qty is not None and (qty < spec.min_qty or qty > spec.max_qty
                                or (qty - spec.min_qty) % spec.step_size):
            raise _filter_failure('LOT_SIZE')
        average = self._avg_price_dec(sym)
        reference = limit if limit is not None else (stop if type_ in STOP_TYPES else average)
        notional = quote if qty is None else qty * reference
        if notional < spec.min_notional:
            raise _filter_failure('NOTIONAL')
        if limit is not None and not (average * spec.multiplier_down <= limit
                                      <= average * PRICE_MULTIPLIER_UP):
            raise _filter_failure('PERCENT_PRICE_BY_SIDE')
        if account is not None:
            open_orders = self._open_orders_of(account, spec.symbol)
            if len(open_orders) >= MAX_NUM_ORDERS:
                raise _filter_failure('MAX_NUM_ORDERS')
            if type_ in STOP_TYPES and sum(1 for o in open_orders if o.type in STOP_TYPES) \
                    >= MAX_NUM_ALGO_ORDERS:
                raise _filter_failure('MAX_NUM_ALGO_ORDERS')
        if missing(client_id):
            client_id = self._new_client_id()
        elif not isinstance(client_id, str) or not _CLIENT_ID_RE.match(client_id):
            raise MarketError(-1100, "Illegal characters found in parameter 'newClientOrderId'; "
                                     "legal range is '^[a-zA-Z0-9-_]{1,36}$'.")
        elif account is not None and any(o.client_id == client_id
                                         for o in self._open_orders_of(account, spec.symbol)):
            raise MarketError(-2010, 'Duplicate order sent.')
        order = Order(spec.symbol, 0, side, type_, price=limit, qty=qty, quote_qty=quote,
                      tif=tif, stop_price=stop, owner=account, client_id=client_id,
                      time_ms=self.now_ms(), list_id=list_id)
        if type_ in STOP_TYPES and self._would_trigger(order, sym.log.last_price):
            raise MarketError(-2010, 'Order would trigger immediately.')
        if type_ == 'LIMIT_MAKER':
            best = sym.book.best(SELL if side == BUY else BUY)
            if best is not None and (limit >= best if side == BUY else limit <= best):
                raise MarketError(-2010, 'Order would immediately match and take.')
        return order

    def _lock_need(self, sym: Any, order: Order) -> Tuple[str, Decimal, bool]:
        """``(asset, amount, lock)``: what the order needs; ``lock`` for resting orders."""
        spec = sym.spec
        if order.type == 'MARKET':
            if order.side == BUY:
                if order.qty is None:
                    return spec.quote, order.quote_qty, False
                return spec.quote, round8(self._walk(sym, BUY, order.qty, None)[1]), False
            if order.qty is None:
                return spec.base, self._walk(sym, SELL, None, order.quote_qty)[0], False
            return spec.base, order.qty, False
        if order.side == BUY:
            return spec.quote, round8((order.price or order.stop_price) * order.remaining), True
        return spec.base, order.remaining, True

    def _reserve(self, sym: Any, order: Order, amount: Optional[Decimal] = None) -> None:
        """Check the balance for ``order`` and lock it for a resting order (-2010 if short)."""
        asset, need, lock = self._lock_need(sym, order)
        if amount is not None:
            need = amount
        balance = order.owner.balance(asset)
        if balance[0] < need:
            raise MarketError(-2010, _INSUFFICIENT)
        if lock:
            balance[0] -= need
            balance[1] += need
            order.locked, order.lock_asset = need, asset
            self._touch_balance(order.owner, asset)

    def _release(self, order: Order) -> None:
        """Give an order's remaining lock back to the free balance."""
        if order.owner is not None and order.locked:
            balance = order.owner.balance(order.lock_asset)
            balance[1] -= order.locked
            balance[0] += order.locked
            order.locked = ZERO
            self._touch_balance(order.owner, order.lock_asset)

    # -- placing --------------------------------------------------------------

    def place_order(self, api_key: str, symbol: Any = None, side: Any = None, type: Any = None,
                    *, timeInForce: Any = None, quantity: Any = None, quoteOrderQty: Any = None,
                    price: Any = None, newClientOrderId: Any = None, stopPrice: Any = None,
                    icebergQty: Any = None, newOrderRespType: Any = None,
                    test: bool = False, sor: bool = False) -> Dict[str, Any]:
        """Place an order as ``POST /api/v3/order`` (``test=True``: ``/order/test``).

        Arguments are Binance's parameters (strings or numbers); ``sor`` marks an
        order placed with smart order routing.

        :returns: the ACK, RESULT or FULL answer (``{}`` for a test order).
        :raises MarketError: with Binance's code when the order is refused.
        """
        with self._transaction():
            account = self._account(api_key)
            sym = self._symbol(symbol)
            order = self._prepare(account, sym, side, type, timeInForce, quantity, quoteOrderQty,
                                  price, stopPrice, newClientOrderId)
            default = 'FULL' if order.type in ('MARKET', 'LIMIT') else 'ACK'
            resp_type = default if missing(newOrderRespType) else _choice(
                newOrderRespType, 'newOrderRespType', _RESP_TYPES, -1130,
                'Invalid data sent for a parameter.')
            if not missing(icebergQty) and parse_decimal('icebergQty', icebergQty):
                raise MarketError(-1013, 'Filter failure: ICEBERG_PARTS')
            if test:
                return {}
            order.used_sor = sor
            self._reserve(sym, order)
            fills: List[Dict[str, Any]] = []
            self._submit(sym, order, fills)
            now = self.now_ms()
            if resp_type == 'ACK':
                return {'symbol': order.symbol, 'orderId': order.order_id, 'orderListId': -1,
                        'clientOrderId': order.client_id, 'transactTime': now}
            result = order.result(now)
            if resp_type == 'FULL':
                result['fills'] = fills
            return result

    def _submit(self, sym: Any, order: Order, fills: Optional[List[Dict[str, Any]]]) -> None:
        """Give a validated order its id, record it, report NEW and let it work."""
        order.order_id = sym.next_order_id
        sym.next_order_id += 1
        account = order.owner
        account.orders.setdefault(sym.spec.symbol, {})[order.order_id] = order
        self._report(order, 'NEW')
        if not order.working:
            sym.stops.append(order)
            return
        self._fills[id(order)] = fills if fills is not None else []
        try:
            self._work(sym, order)
        finally:
            self._fills.pop(id(order), None)

    def _work(self, sym: Any, order: Order) -> None:
        """Execute a working order: match, then rest (GTC) or expire the rest."""
        limit = None if order.type in _MARKET_LIKE else order.price
        if order.tif == 'FOK' and self._available(sym, order.side, limit) < order.qty:
            self._finish(order, 'EXPIRED', reason='UNFILLED_FOK_ORDER_EXPIRED')
            return
        self._match(sym, order, limit)
        if not order.is_open:
            return
        if order.type in _MARKET_LIKE or order.tif in ('IOC', 'FOK'):
            self._finish(order, 'EXPIRED', reason='INSUFFICIENT_LIQUIDITY'
                         if order.type in _MARKET_LIKE else 'UNFILLED_IOC_QUANTITY_EXPIRED')
        else:
            sym.book.add(order)

    def _finish(self, order: Order, status: str, report: bool = True,
                reason: Optional[str] = None) -> None:
        """Close ``order`` with ``status``; ``reason``: an EXPIRED order's expiry reason."""
        order.status = status
        if status == 'EXPIRED':
            order.expiry_reason = reason
        order.update_time = self.now_ms()
        if order.owner is not None:
            self._release(order)
            if report:
                self._report(order, status)
            self._list_done(order)

    def _list_done(self, order: Order) -> None:
        """An order closed: move its list on (ALL_DONE ``listStatus``, pending orders...)."""
        if order.list_id >= 0:
            self.order_lists.leg_closed(order)

    def _match(self, sym: Any, taker: Order, limit: Optional[Decimal]) -> None:
        book = sym.book
        opposite = SELL if taker.side == BUY else BUY
        while taker.is_open:
            best = book.best(opposite)
            if best is None or (limit is not None and (best > limit if taker.side == BUY
                                                        else best < limit)):
                break
            for maker in book.level(opposite, best):
                qty = self._fill_size(sym, taker, maker, best)
                if qty <= 0:
                    if taker.qty is None and taker.executed:
                        # a quote-quantity order that cannot buy one more step is done
                        taker.status = 'FILLED'
                    return
                self._execute(sym, taker, maker, best, qty)
                if not taker.is_open:
                    return

    def _fill_size(self, sym: Any, taker: Order, maker: Order, price: Decimal) -> Decimal:
        step = sym.spec.step_size
        if taker.qty is not None:
            qty = min(maker.remaining, taker.remaining)
        else:
            qty = min(maker.remaining, quantize_down((taker.quote_qty - taker.cum_quote) / price,
                                                     step))
        if taker.owner is not None and taker.type in _MARKET_LIKE:
            if taker.side == BUY:
                free = taker.owner.balance(sym.spec.quote)[0]
                qty = min(qty, quantize_down(free / price, step))
            else:
                qty = min(qty, quantize_down(taker.owner.balance(sym.spec.base)[0], step))
        return qty

    def _execute(self, sym: Any, taker: Order, maker: Order, price: Decimal,
                 qty: Decimal) -> None:
        """One trade between ``taker`` and the resting ``maker``."""
        now = self.now_ms()
        for order in (taker, maker):
            if order.list_id >= 0:
                self._resolve_list(sym, order)
        trade_id, agg_id = sym.log.add(price, qty, now, maker.side == BUY,
                                       (taker.order_id, price))
        self._traded[sym.spec.symbol] = sym
        self._dirty_aggs.setdefault(sym.spec.symbol, {})[agg_id] = None
        quote = round8(price * qty)
        for order in (maker, taker):
            order.executed += qty
            order.cum_quote += quote
            order.update_time = now
            if order.qty is not None:
                order.status = 'FILLED' if order.remaining <= 0 else 'PARTIALLY_FILLED'
            else:
                order.status = 'PARTIALLY_FILLED'
        sym.book.reduce(maker, qty)
        self._queue('trade', sym.spec.symbol, {
            'e': 'trade', 'E': now, 's': sym.spec.symbol, 't': trade_id, 'p': fmt(price),
            'q': fmt(qty), 'T': now, 'm': maker.side == BUY, 'M': True})
        for order, is_maker in ((maker, True), (taker, False)):
            if order.owner is None:
                continue
            if order.qty is None and not is_maker and order.cum_quote >= order.quote_qty:
                order.status = 'FILLED'
            fill = self._settle(sym, order, price, qty, is_maker, trade_id, now)
            if order.list_id >= 0:
                self.order_lists.traded(order, fill)
            if id(order) in self._fills:
                self._fills[id(order)].append(fill)
            if not order.is_open:
                self._release(order)
            self._report(order, 'TRADE', last=(qty, price, fill, trade_id, is_maker))
            self._list_done(order)

    def _settle(self, sym: Any, order: Order, price: Decimal, qty: Decimal, is_maker: bool,
                trade_id: int, now: int) -> Dict[str, Any]:
        """Move the assets of one fill and record the account's trade."""
        spec, account = sym.spec, order.owner
        quote = round8(price * qty)
        if order.side == BUY:
            pay_asset, pay, get_asset, get = spec.quote, quote, spec.base, qty
        else:
            pay_asset, pay, get_asset, get = spec.base, qty, spec.quote, quote
        paying = account.balance(pay_asset)
        if order.locked:
            portion = min(order.locked, round8((order.price or order.stop_price) * qty)
                          if order.side == BUY else qty)
            order.locked -= portion
            paying[1] -= portion
            paying[0] += portion
        paying[0] -= pay
        commission = round8(get * COMMISSION_RATE)
        account.balance(get_asset)[0] += get - commission
        self._touch_balance(account, pay_asset)
        self._touch_balance(account, get_asset)
        account.trades.setdefault(spec.symbol, []).append({
            'symbol': spec.symbol, 'id': trade_id, 'orderId': order.order_id,
            'orderListId': order.list_id, 'price': fmt(price), 'qty': fmt(qty),
            'quoteQty': fmt(round8(quote)), 'commission': fmt(commission),
            'commissionAsset': get_asset, 'time': now, 'isBuyer': order.side == BUY,
            'isMaker': is_maker, 'isBestMatch': True})
        return {'price': fmt(price), 'qty': fmt(qty), 'commission': fmt(commission),
                'commissionAsset': get_asset, 'tradeId': trade_id}

    def _report(self, order: Order, exec_type: str, *, last: Optional[Tuple[Any, ...]] = None,
                client_id: Optional[str] = None, orig_client_id: str = '') -> None:
        """Queue an ``executionReport`` user event for ``order``."""
        if order.owner is None:
            return
        now = self.now_ms()
        qty, price, fill, trade_id, is_maker = last or (ZERO, ZERO, None, -1, False)
        self._event_id += 1
        self._queue('user', order.owner.api_key, {
            'e': 'executionReport', 'E': now, 's': order.symbol,
            'c': client_id or order.client_id, 'S': order.side, 'o': order.type,
            'f': order.tif or 'GTC', 'q': fmt(order.qty or ZERO), 'p': fmt(order.price or ZERO),
            'P': fmt(order.stop_price), 'F': fmt(ZERO), 'g': order.list_id, 'C': orig_client_id,
            'x': exec_type, 'X': order.status, 'r': 'NONE', 'i': order.order_id,
            'l': fmt(qty), 'z': fmt(order.executed), 'L': fmt(price),
            'n': fill['commission'] if fill else '0',
            'N': fill['commissionAsset'] if fill else None, 'T': now, 't': trade_id,
            'I': self._event_id, 'w': order.in_book or (
                exec_type == 'NEW' and order.working and order.type not in _MARKET_LIKE
                and order.tif not in ('IOC', 'FOK')),
            'm': is_maker, 'M': False, 'O': order.time, 'Z': fmt(order.cum_quote),
            'Y': fmt(round8(qty * price)), 'Q': fmt(order.quote_qty), 'W': order.working_time,
            'V': 'NONE', **({'k': 'EXCHANGE', 'uS': True} if order.used_sor else {}),
            **({'eR': order.expiry_reason} if exec_type == 'EXPIRED' and order.expiry_reason
               else {})})

    # -- stops and order lists -------------------------------------------------

    def _check_stops(self, sym: Any) -> None:
        self.order_lists.start_pending(sym)
        last = sym.log.last_price
        for order in list(sym.stops):
            if order not in sym.stops:
                continue
            if not order.is_open:
                sym.stops.remove(order)
            elif self._would_trigger(order, last):
                sym.stops.remove(order)
                self._trigger(sym, order)

    def _trigger(self, sym: Any, order: Order) -> None:
        if order.list_id >= 0:
            self._resolve_list(sym, order)
        order.working = True
        order.working_time = self.now_ms()
        if order.type in _MARKET_LIKE:
            self._release(order)
        self._work(sym, order)

    def _resolve_list(self, sym: Any, order: Order) -> None:
        """A leg starts executing: expire the other legs, keep the lock for this one."""
        order_list = self.order_lists.of(order)
        if order_list is None or order_list.resolved or order not in order_list.oco_legs:
            return
        order_list.resolved = True
        for leg in order_list.oco_legs:
            if leg is not order and leg.is_open:
                if leg.in_book:
                    sym.book.remove(leg)
                if leg in sym.stops:
                    sym.stops.remove(leg)
                self._finish(leg, 'EXPIRED', reason='OCO_TRIGGER')
        if not order.locked and order.type not in _MARKET_LIKE:
            asset, need, _ = self._lock_need(sym, order)
            balance = order.owner.balance(asset)
            need = min(need, balance[0])
            balance[0] -= need
            balance[1] += need
            order.locked, order.lock_asset = need, asset
            self._touch_balance(order.owner, asset)
        self._list_status(order_list)

    def _list_status(self, order_list: OrderList, status_type: Optional[str] = None) -> None:
        info = order_list.info(self.now_ms())
        order_list.update_time = self.now_ms()
        self._queue('user', order_list.legs[0].owner.api_key, {
            'e': 'listStatus', 'E': self.now_ms(), 's': order_list.symbol,
            'g': order_list.list_id, 'c': order_list.contingency,
            'l': status_type or info['listStatusType'],
            'L': info['listOrderStatus'], 'r': 'NONE', 'C': order_list.client_id,
            'T': self.now_ms(),
            'O': [{'s': leg.symbol, 'i': leg.order_id, 'c': leg.client_id}
                  for leg in order_list.legs]})

    def place_oco(self, api_key: str, symbol: Any = None, side: Any = None,
                  quantity: Any = None, *, listClientOrderId: Any = None,
                  newOrderRespType: Any = None, **legs: Any) -> Dict[str, Any]:
        """Place an OCO as ``POST /api/v3/orderList/oco``.

        Legs are given as Binance does today (``aboveType``, ``abovePrice``,
        ``aboveStopPrice``, ``aboveTimeInForce``, ``aboveClientOrderId`` and the
        same with ``below``) or in the original form (``price``, ``stopPrice``,
        ``stopLimitPrice``, ``stopLimitTimeInForce``, ``limitClientOrderId``,
        ``stopClientOrderId``).
        """
        with self._transaction():
            account = self._account(api_key)
            sym = self._symbol(symbol)
            side = _choice(side, 'side', _SIDES, -1117, 'Invalid side.')
            legs = self._oco_legs(side, legs)
            for name, allowed in (('above', OCO_ABOVE[side]), ('below', OCO_BELOW[side])):
                leg_type = legs.get(name + 'Type')
                if missing(leg_type):
                    raise mandatory(name + 'Type')
                if leg_type not in allowed:
                    raise MarketError(-1014, 'Unsupported order combination.')
            self.order_lists.check_list_count(account, sym.spec.symbol)
            list_id = self.order_lists.new_id()
            orders = []
            for name in ('below', 'above'):
                orders.append(self._prepare(
                    account, sym, side, legs[name + 'Type'], legs.get(name + 'TimeInForce'),
                    quantity, None, legs.get(name + 'Price'), legs.get(name + 'StopPrice'),
                    legs.get(name + 'ClientOrderId'), list_id))
            needs = [self._lock_need(sym, order) for order in orders]
            holder = max(range(2), key=lambda i: needs[i][1])
            self._reserve(sym, orders[holder])
            client_id = listClientOrderId if not missing(listClientOrderId) \
                else self._new_client_id()
            order_list = OrderList(list_id, sym.spec.symbol, str(client_id), orders, self.now_ms())
            self.order_lists.lists[list_id] = order_list
            for order in orders:
                order.order_id = sym.next_order_id
                sym.next_order_id += 1
                account.orders.setdefault(sym.spec.symbol, {})[order.order_id] = order
            self._list_status(order_list)
            for order in orders:
                self._report(order, 'NEW')
                if order.working:
                    sym.book.add(order)
                else:
                    sym.stops.append(order)
            info = order_list.info(self.now_ms())
            info['orderReports'] = [order.result(self.now_ms()) for order in orders]
            return info

    @staticmethod
    def _oco_legs(side: str, legs: Dict[str, Any]) -> Dict[str, Any]:
        old = {k: legs.pop(k) for k in ('price', 'stopPrice', 'stopLimitPrice',
                                         'stopLimitTimeInForce', 'limitClientOrderId',
                                         'stopClientOrderId') if k in legs}
        unknown = [k for k in legs if not k.startswith(('above', 'below'))]
        if unknown:
            raise TypeError('unknown OCO parameters: {}'.format(', '.join(sorted(unknown))))
        if not old or any(k.endswith('Type') and not missing(v) for k, v in legs.items()):
            return legs
        limit_leg, stop_leg = ('below', 'above') if side == BUY else ('above', 'below')
        result = dict(legs)
        result[limit_leg + 'Type'] = 'LIMIT_MAKER'
        result[limit_leg + 'Price'] = old.get('price')
        result[limit_leg + 'ClientOrderId'] = old.get('limitClientOrderId')
        result[stop_leg + 'StopPrice'] = old.get('stopPrice')
        result[stop_leg + 'ClientOrderId'] = old.get('stopClientOrderId')
        if not missing(old.get('stopLimitPrice')):
            result[stop_leg + 'Type'] = 'STOP_LOSS_LIMIT'
            result[stop_leg + 'Price'] = old['stopLimitPrice']
            result[stop_leg + 'TimeInForce'] = old.get('stopLimitTimeInForce')
        else:
            result[stop_leg + 'Type'] = 'STOP_LOSS'
        return result

    # -- cancelling and querying ---------------------------------------------------

    def _find_order(self, account: Any, symbol: str, order_id: Any, client_id: Any,
                    code: int, msg: str) -> Order:
        orders = account.orders.get(symbol, {})
        if not missing(order_id):
            order = orders.get(parse_int('orderId', order_id))
        elif not missing(client_id):
            matches = [o for o in orders.values() if o.client_id == client_id]
            order = matches[-1] if matches else None
        else:
            raise MarketError(-1102, "Param 'origClientOrderId' or 'orderId' must be sent, "
                                     "but both were empty/null!")
        if order is None:
            raise MarketError(code, msg)
        return order

    def cancel_order(self, api_key: str, symbol: Any = None, orderId: Any = None,
                     origClientOrderId: Any = None,
                     newClientOrderId: Any = None) -> Dict[str, Any]:
        """Cancel an open order as ``DELETE /api/v3/order`` (a whole OCO for one leg).

        :raises MarketError: -2011 ``Unknown order sent.`` for an unknown or closed order.
        """
        with self._transaction():
            account = self._account(api_key)
            sym = self._symbol(symbol)
            order = self._find_order(account, sym.spec.symbol, orderId, origClientOrderId,
                                     -2011, 'Unknown order sent.')
            if order.status not in ACTIVE:
                raise MarketError(-2011, 'Unknown order sent.')
            new_id = newClientOrderId if not missing(newClientOrderId) else self._new_client_id()
            targets = [order]
            order_list = self.order_lists.of(order)
            if order_list is not None:
                targets = [leg for leg in order_list.legs if leg.status in ACTIVE]
            for target in targets:
                self._cancel(sym, target, new_id if target is order else self._new_client_id())
            return self._cancel_result(order, new_id, order.client_id)

    def _cancel_result(self, order: Order, new_id: str, orig_id: str) -> Dict[str, Any]:
        """A cancelled order as ``DELETE /api/v3/order`` answers."""
        result = {'symbol': order.symbol, 'origClientOrderId': orig_id,
                  'orderId': order.order_id, 'orderListId': order.list_id,
                  'clientOrderId': new_id, 'transactTime': self.now_ms()}
        info = order.result(self.now_ms())
        for key in ('price', 'origQty', 'executedQty', 'origQuoteOrderQty',
                    'cummulativeQuoteQty', 'status', 'timeInForce', 'type', 'side',
                    'stopPrice', 'selfTradePreventionMode'):
            if key in info:
                result[key] = info[key]
        return result

    def _cancel(self, sym: Any, order: Order, new_client_id: str) -> None:
        if order.in_book:
            sym.book.remove(order)
        if order in sym.stops:
            sym.stops.remove(order)
        order.status = 'CANCELED'
        order.update_time = self.now_ms()
        self._release(order)
        self._report(order, 'CANCELED', client_id=new_client_id, orig_client_id=order.client_id)
        self._list_done(order)

    def cancel_open_orders(self, api_key: str, symbol: Any = None) -> List[Dict[str, Any]]:
        """Cancel every open order of a symbol, order lists included
        (``DELETE /api/v3/openOrders``): a cancelled order's answer for each
        order alone, the ``DELETE /api/v3/orderList`` answer for each list.

        :raises MarketError: -2011 ``Unknown order sent.`` when nothing is open.
        """
        with self._transaction():
            account = self._account(api_key)
            sym = self._symbol(symbol)
            orders = self._open_orders_of(account, sym.spec.symbol)
            if not orders:
                raise MarketError(-2011, 'Unknown order sent.')
            results, seen = [], set()
            new_id = self._new_client_id()
            for order in orders:
                if order.status not in ACTIVE or order.list_id in seen:
                    continue
                order_list = self.order_lists.of(order)
                if order_list is not None:
                    seen.add(order.list_id)
                    results.append(self.order_lists.cancel_list(sym, order_list, new_id))
                else:
                    self._cancel(sym, order, new_id)
                    results.append(self._cancel_result(order, new_id, order.client_id))
            return results

    def get_order(self, api_key: str, symbol: Any = None, orderId: Any = None,
                  origClientOrderId: Any = None) -> Dict[str, Any]:
        """An order as ``GET /api/v3/order``; -2013 ``Order does not exist.``"""
        account = self._account(api_key)
        sym = self._symbol(symbol)
        return self._find_order(account, sym.spec.symbol, orderId, origClientOrderId,
                                -2013, 'Order does not exist.').info()

    def open_orders(self, api_key: str, symbol: Any = None) -> List[Dict[str, Any]]:
        """Open orders of one symbol or all (``GET /api/v3/openOrders``)."""
        account = self._account(api_key)
        symbols = [self._symbol(symbol).spec.symbol] if not missing(symbol) \
            else sorted(account.orders)
        return [order.info() for name in symbols
                for order in self._open_orders_of(account, name)]

    def all_orders(self, api_key: str, symbol: Any = None, orderId: Any = None,
                   startTime: Any = None, endTime: Any = None,
                   limit: Any = 500) -> List[Dict[str, Any]]:
        """Orders of a symbol, oldest first (``GET /api/v3/allOrders``)."""
        account = self._account(api_key)
        sym = self._symbol(symbol)
        limit = parse_int('limit', 500 if missing(limit) else limit, 1, 1000)
        orders = sorted(account.orders.get(sym.spec.symbol, {}).values(),
                        key=lambda o: o.order_id)
        return [o.info() for o in _page(orders, lambda o: o.order_id, lambda o: o.time,
                                        orderId, startTime, endTime, limit, 'orderId')]

    def my_trades(self, api_key: str, symbol: Any = None, orderId: Any = None,
                  startTime: Any = None, endTime: Any = None, fromId: Any = None,
                  limit: Any = 500) -> List[Dict[str, Any]]:
        """The account's trades of a symbol (``GET /api/v3/myTrades``)."""
        account = self._account(api_key)
        sym = self._symbol(symbol)
        limit = parse_int('limit', 500 if missing(limit) else limit, 1, 1000)
        trades = account.trades.get(sym.spec.symbol, [])
        if not missing(orderId):
            wanted = parse_int('orderId', orderId)
            trades = [t for t in trades if t['orderId'] == wanted]
        return [dict(t) for t in _page(trades, lambda t: t['id'], lambda t: t['time'],
                                       fromId, startTime, endTime, limit, 'fromId')]


def _page(items: List[Any], id_of: Any, time_of: Any, from_id: Any, start: Any, end: Any,
          limit: int, id_name: str) -> List[Any]:
    """Binance's paging: from an id, or within a time range, else the newest ``limit``."""
    if not missing(from_id):
        first = parse_int(id_name, from_id)
        return [i for i in items if id_of(i) >= first][:limit]
    if not missing(start) or not missing(end):
        lo = parse_int('startTime', start) if not missing(start) else None
        hi = parse_int('endTime', end) if not missing(end) else None
        chosen = [i for i in items if (lo is None or time_of(i) >= lo)
                  and (hi is None or time_of(i) <= hi)]
        return chosen[:limit] if lo is not None else chosen[-limit:]
    return items[-limit:]
