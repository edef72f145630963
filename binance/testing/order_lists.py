"""Order lists of the local exchange: OCO, OTO, OTOCO, OPO and OPOCO.

:class:`OrderLists` is a part of :class:`~binance.testing.market.Market`
(``market.order_lists``): it places the lists Binance documents under
"Order lists" (``POST /api/v3/orderList/oto``, ``otoco``, ``opo``,
``opoco``; OCO stays in :mod:`binance.testing.market_trading`), answers the
order-list queries and cancels whole lists. The rules are Binance's
(https://developers.binance.com/docs/binance-spot-api-docs/rest-api/trading-endpoints#order-lists
and ``faqs/opo.md``):

* the **working** order (``LIMIT`` or ``LIMIT_MAKER``) goes on the book at
  once; the **pending** order(s) wait as ``PENDING_NEW`` and are placed
  only when the working order is fully filled (OTOCO's two pending orders
  then form an OCO: the first to execute expires the other);
* OPO and OPOCO (One Pays the Other): the working order must be a ``BUY``
  (``-1222``) and the pending orders ``SELL`` (``-1223``) without a
  quantity (``-1225``); what the working order receives is locked as it
  arrives and becomes the pending quantity, rounded down to the
  ``LOT_SIZE`` step (the rest is unlocked) — net of commission, unless the
  asset is not BNB and the free balance can pay the commission instead;
* cancelling any order of a list cancels the whole list; a working order
  that expires expires its pending orders; pending orders that fail their
  filters or balance check when placed expire;
* an account may have ``MAX_NUM_ORDER_LISTS`` (20) open lists per symbol,
  and each order of a list counts towards ``MAX_NUM_ORDERS``.

Events follow Binance's user data stream: a ``listStatus`` (``c``: the
contingency type, ``OCO`` or ``OTO`` — OTOCO, OPO and OPOCO are ``OTO``
lists) when a list starts, changes or ends (``ALL_DONE``), and an
``executionReport`` per order (``X``: ``PENDING_NEW`` for a waiting pending
order, then ``NEW`` when it is placed).
"""
from decimal import Decimal
import functools
from typing import Any, Callable, Dict, List, Optional, Tuple, TypeVar, cast

from binance.testing.market_base import (
    MAX_NUM_ORDER_LISTS, MAX_NUM_ORDERS, ZERO, MarketError, mandatory, missing,
    parse_decimal, parse_int, quantize_down)
from binance.testing.market_book import BUY, SELL, STOP_TYPES, Order

__all__ = ['OrderList', 'OrderLists', 'ACTIVE', 'OCO_ABOVE', 'OCO_BELOW', 'KINDS', 'list_params']

#: Statuses of an order that still belongs to a running list.
ACTIVE = ('NEW', 'PARTIALLY_FILLED', 'PENDING_NEW')
#: Order types allowed as an OCO's above and below order, by side.
OCO_ABOVE = {SELL: ('LIMIT_MAKER', 'TAKE_PROFIT', 'TAKE_PROFIT_LIMIT'),
             BUY: ('STOP_LOSS', 'STOP_LOSS_LIMIT')}
OCO_BELOW = {SELL: ('STOP_LOSS', 'STOP_LOSS_LIMIT'),
             BUY: ('LIMIT_MAKER', 'TAKE_PROFIT', 'TAKE_PROFIT_LIMIT')}
_WORKING_TYPES = ('LIMIT', 'LIMIT_MAKER')
_RESP_TYPES = ('ACK', 'RESULT', 'FULL')
_LEG_FIELDS = ('Type', 'Side', 'ClientOrderId', 'Price', 'StopPrice', 'TrailingDelta',
               'Quantity', 'IcebergQty', 'TimeInForce')
#: The parameters each kind of list reads (besides symbol, listClientOrderId,
#: newOrderRespType), by REST path suffix.
KINDS = {
    'oto': ('working', 'pending'),
    'otoco': ('working', 'pendingAbove', 'pendingBelow'),
    'opo': ('working', 'pending'),
    'opoco': ('working', 'pendingAbove', 'pendingBelow'),
}
_F = TypeVar('_F', bound=Callable[..., Any])


def list_params(kind: str) -> Tuple[str, ...]:
    """Every parameter ``POST /api/v3/orderList/<kind>`` reads (simulated or not)."""
    names = ['symbol', 'listClientOrderId', 'newOrderRespType', 'selfTradePreventionMode']
    for prefix in KINDS[kind]:
        names += [prefix + field for field in _LEG_FIELDS
                  if not (prefix != 'working' and field == 'Side' and kind.endswith('co'))]
        names += [prefix + extra for extra in ('StrategyId', 'StrategyType', 'PegPriceType',
                                               'PegOffsetType', 'PegOffsetValue')]
    if kind.endswith('co'):
        names += ['pendingSide', 'pendingQuantity']
    return tuple(dict.fromkeys(names))


class OrderList:
    """An order list: its orders (``legs``), which of them form an OCO, and its working order.

    :ivar contingency: ``'OCO'`` or ``'OTO'`` (Binance's ``contingencyType``).
    :ivar working: the working order of an OTO-type list (``None`` for an OCO).
    :ivar opo: pending quantities come from what the working order received.
    :ivar received: (OPO) what the working order received so far, net of
        commission, locked for the pending orders.
    """

    def __init__(self, list_id: int, symbol: str, client_id: str, legs: List[Order],
                 time_ms: int, contingency: str = 'OCO', working: Optional[Order] = None,
                 opo: bool = False) -> None:
        self.list_id = list_id
        self.symbol = symbol
        self.client_id = client_id
        self.legs = legs
        self.time = time_ms
        self.contingency = contingency
        self.working = working
        self.opo = opo
        self.received = ZERO
        self.resolved = False
        self.done_reported = False
        self.update_time = time_ms

    @property
    def owner(self) -> Any:
        return self.legs[0].owner

    @property
    def pending(self) -> List[Order]:
        """The orders placed after the working order fills (none for an OCO)."""
        return [leg for leg in self.legs if leg is not self.working]

    @property
    def oco_legs(self) -> List[Order]:
        """The orders that cancel each other once one of them starts executing."""
        pending = self.pending
        return pending if len(pending) == 2 else []

    @property
    def done(self) -> bool:
        return not any(leg.status in ACTIVE for leg in self.legs)

    def info(self, time_ms: int) -> Dict[str, Any]:
        """The list as the order-list endpoints show it (without ``orderReports``)."""
        return {
            'orderListId': self.list_id, 'contingencyType': self.contingency,
            'listStatusType': 'ALL_DONE' if self.done else 'EXEC_STARTED',
            'listOrderStatus': 'ALL_DONE' if self.done else 'EXECUTING',
            'listClientOrderId': self.client_id, 'transactionTime': time_ms,
            'symbol': self.symbol,
            'orders': [{'symbol': leg.symbol, 'orderId': leg.order_id,
                        'clientOrderId': leg.client_id} for leg in self.legs],
        }


def _locked(method: _F) -> _F:
    """Run ``method`` holding the market's lock, its events published together at the end."""
    def run(self: 'OrderLists', *args: Any, **kwargs: Any) -> Any:
        market = self._market
        with market.lock, market.transaction():
            return method(self, *args, **kwargs)
    return cast(_F, functools.wraps(method)(run))


class OrderLists:
    """The order lists of a market (``market.order_lists``).

    :param market: the :class:`~binance.testing.market.Market` it belongs to;
        orders are validated, matched and reported with its machinery.
    """

    def __init__(self, market: Any) -> None:
        self._market = market
        #: ``orderListId -> OrderList``, of every account.
        self.lists: Dict[int, OrderList] = {}
        self._next_id = 1
        self._to_start: List[OrderList] = []

    def new_id(self) -> int:
        list_id = self._next_id
        self._next_id += 1
        return list_id

    def of(self, order: Order) -> Optional[OrderList]:
        """The list ``order`` belongs to, or ``None``."""
        return self.lists.get(order.list_id) if order.list_id >= 0 else None

    def open_lists(self, account: Any, symbol: Optional[str] = None) -> List[OrderList]:
        return [lst for lst in self.lists.values() if lst.owner is account and not lst.done
                and (symbol is None or lst.symbol == symbol)]

    # -- placing --------------------------------------------------------------

    @_locked
    def place(self, api_key: str, kind: str, params: Dict[str, Any]) -> Dict[str, Any]:
        """Place an OTO, OTOCO, OPO or OPOCO list (``kind``: ``'oto'`` ... ``'opoco'``).

        :param params: Binance's parameters (``workingType``, ``pendingSide``...).
        :returns: the list with ``orderReports`` (``newOrderRespType``: ``ACK``,
            ``RESULT`` (the default) or ``FULL``).
        :raises MarketError: with Binance's code when the list is refused.
        """
        m = self._market
        account = m.account_of(api_key)
        sym = m.symbol_state(params.get('symbol'))
        opo = kind.startswith('opo')
        with_oco = kind.endswith('co')
        resp_type = 'RESULT' if missing(params.get('newOrderRespType')) \
            else params['newOrderRespType']
        if resp_type not in _RESP_TYPES:
            raise MarketError(-1130, 'Invalid data sent for a parameter.')
        working_type = params.get('workingType')
        if missing(working_type):
            raise mandatory('workingType')
        if working_type not in _WORKING_TYPES:
            raise MarketError(-1014, 'Unsupported order combination.')
        for name in ('workingSide', 'workingPrice', 'workingQuantity'):
            if missing(params.get(name)):
                raise mandatory(name)
        legs = self._pending_legs(params, with_oco, opo)
        if opo:
            if params['workingSide'] != BUY:
                raise MarketError(-1222, 'Working order in an OPO list must be a bid.')
            if any(leg['Side'] != SELL for leg in legs):
                raise MarketError(-1223, 'Pending orders in an OPO list must be asks.')
        for name in [n for n in params if n.endswith(('TrailingDelta', 'IcebergQty'))]:
            if missing(params[name]):
                continue
            if name.endswith('TrailingDelta'):
                raise MarketError(-2010, 'Trailing stop orders are not supported for this symbol.')
            if parse_decimal(name, params[name]):
                raise MarketError(-1013, 'Filter failure: ICEBERG_PARTS')
        list_id = self._next_id
        working = m.prepare_order(account, sym, params['workingSide'], working_type,
                             params.get('workingTimeInForce'), params['workingQuantity'], None,
                             params['workingPrice'], None, params.get('workingClientOrderId'),
                             list_id)
        orders = [working]
        for leg in legs:
            quantity = params['workingQuantity'] if opo else leg['Quantity']
            order = m.prepare_order(account, sym, leg['Side'], leg['Type'], leg['TimeInForce'],
                               quantity, None, leg['Price'], leg['StopPrice'],
                               leg['ClientOrderId'], list_id)
            if opo:
                order.qty = None
            order.working, order.working_time, order.status = False, -1, 'PENDING_NEW'
            orders.append(order)
        self._check_counts(m, account, sym.spec.symbol, len(orders))
        client_id = self._list_client_id(m, account, params.get('listClientOrderId'))
        m.hold_funds(sym, working)
        self._next_id += 1
        now = m.now_ms()
        order_list = OrderList(list_id, sym.spec.symbol, client_id, orders, now,
                               contingency='OTO', working=working, opo=opo)
        self.lists[list_id] = order_list
        for order in orders:
            order.order_id = sym.next_order_id
            sym.next_order_id += 1
            account.orders.setdefault(sym.spec.symbol, {})[order.order_id] = order
        m.report_list(order_list)
        for order in orders:
            m.report_order(order, 'NEW')
        fills = m.work_order(sym, working)
        info = order_list.info(now)
        info['orderReports'] = [self._report_of(order, now, resp_type,
                                                fills if order is working else [])
                                for order in orders]
        return info

    @staticmethod
    def _pending_legs(params: Dict[str, Any], with_oco: bool,
                      opo: bool) -> List[Dict[str, Any]]:
        """The pending order(s) as ``{'Type':..., 'Side':..., ...}``, checked for presence.

        An OTOCO's or OPOCO's pair comes below first, then above (as OCOs list them).
        """
        prefixes = ('pendingBelow', 'pendingAbove') if with_oco else ('pending',)
        if with_oco and missing(params.get('pendingSide')):
            raise mandatory('pendingSide')
        legs = []
        for prefix in prefixes:
            leg = {field: params.get(prefix + field) for field in _LEG_FIELDS}
            if with_oco:
                leg['Side'], leg['Quantity'] = params['pendingSide'], params.get('pendingQuantity')
            if missing(leg['Type']):
                raise mandatory(prefix + 'Type')
            if missing(leg['Side']):
                raise mandatory(prefix + 'Side')
            if opo and not missing(leg['Quantity']):
                raise MarketError(-1225, "Pending orders should not include the "
                                         "'pendingQuantity' tag.")
            if not opo and missing(leg['Quantity']):
                raise mandatory('pendingQuantity')
            legs.append(leg)
        if with_oco:
            side = params['pendingSide']
            if side not in (BUY, SELL):
                raise MarketError(-1117, 'Invalid side.')
            below, above = legs
            if above['Type'] not in OCO_ABOVE[side] or below['Type'] not in OCO_BELOW[side]:
                raise MarketError(-1158, 'Order type not supported in OCO.')
        return legs

    @staticmethod
    def _check_counts(m: Any, account: Any, symbol: str, adding: int) -> None:
        if len(m.open_orders_of(account, symbol)) + adding > MAX_NUM_ORDERS:
            raise MarketError(-1013, 'Filter failure: MAX_NUM_ORDERS')

    def _list_client_id(self, m: Any, account: Any, client_id: Any) -> str:
        if len(self.open_lists(account)) >= MAX_NUM_ORDER_LISTS:
            raise MarketError(-1013, 'Filter failure: MAX_NUM_ORDER_LISTS')
        if missing(client_id):
            return m.new_client_id()
        if any(lst.client_id == client_id for lst in self.open_lists(account)):
            raise MarketError(-2010, 'Duplicate order sent.')
        return str(client_id)

    def check_list_count(self, account: Any, symbol: str) -> None:
        """-1013 ``MAX_NUM_ORDER_LISTS`` when the account has that many open lists on ``symbol``."""
        if len(self.open_lists(account, symbol)) >= MAX_NUM_ORDER_LISTS:
            raise MarketError(-1013, 'Filter failure: MAX_NUM_ORDER_LISTS')

    def _report_of(self, order: Order, now: int, resp_type: str,
                   fills: List[Dict[str, Any]]) -> Dict[str, Any]:
        if resp_type == 'ACK':
            return {'symbol': order.symbol, 'orderId': order.order_id,
                    'orderListId': order.list_id, 'clientOrderId': order.client_id,
                    'transactTime': now}
        report = order.result(now)
        if order.qty is None:
            del report['origQty']   # an OPO pending order has no quantity until it is placed
        if resp_type == 'FULL':
            report['fills'] = fills
        return report

    # -- the market's hooks -------------------------------------------------------

    def traded(self, order: Order, fill: Dict[str, Any]) -> None:
        """(OPO) A fill of a working order: lock what it received for the pending orders.

        The commission is deducted from it, unless the asset is not BNB and the
        free balance held enough to pay it before this fill: then the free
        balance pays and the whole quantity is locked (``faqs/opo.md``).
        """
        order_list = self.of(order)
        if order_list is None or not order_list.opo or order is not order_list.working:
            return
        m = self._market
        asset = fill['commissionAsset']
        quantity, commission = Decimal(fill['qty']), Decimal(fill['commission'])
        balance = order.owner.balance(asset)
        received = quantity - commission
        if asset != 'BNB' and balance[0] - received >= commission:
            received = quantity     # the free balance pays the commission
        balance[0] -= received
        balance[1] += received
        order_list.received += received
        m.balance_changed(order.owner, fill['commissionAsset'])

    def leg_closed(self, order: Order) -> None:
        """An order of a list closed (filled, cancelled, expired): move the list on."""
        order_list = self.of(order)
        if order_list is None:
            return
        m = self._market
        if order is order_list.working:
            waiting = [leg for leg in order_list.pending if leg.status == 'PENDING_NEW']
            if order.status == 'FILLED' and waiting:
                self._to_start.append(order_list)   # placed once the match is over
            elif order.status == 'EXPIRED':
                for leg in waiting:
                    m.close_order(leg, 'EXPIRED', reason='OTO_PHASE_ONE_EXPIRED')
        if order_list.done and not order_list.done_reported:
            order_list.done_reported = True
            self._unlock_received(order_list)
            m.report_list(order_list)

    def start_pending(self, sym: Any) -> None:
        """Place the pending orders of lists whose working order filled (``sym``'s lists)."""
        if not self._to_start:     # the usual answer, once per print
            return
        ready = [lst for lst in self._to_start if lst.symbol == sym.spec.symbol]
        for order_list in ready:
            self._to_start.remove(order_list)
            self._start(sym, order_list)

    def _start(self, sym: Any, order_list: OrderList) -> None:
        m = self._market
        spec = sym.spec
        legs = [leg for leg in order_list.pending if leg.status == 'PENDING_NEW']
        if not legs:
            return
        try:
            if order_list.opo:
                quantity = quantize_down(order_list.received, spec.step_size)
                for leg in legs:
                    leg.qty = quantity
            for leg in legs:
                self._check_quantity(m, sym, leg)
            if order_list.opo:
                holder = legs[0]
                holder.locked, holder.lock_asset = quantity, spec.base
                order_list.received -= quantity
                self._unlock_received(order_list)
            else:
                needs = [m.funds_needed(sym, leg) for leg in legs]
                m.hold_funds(sym, legs[needs.index(max(needs))])
        except MarketError:
            for leg in legs:
                m.close_order(leg, 'EXPIRED', reason='REJECTED')
            return
        now = m.now_ms()
        for leg in legs:
            leg.status = 'NEW'
            leg.working = leg.type not in STOP_TYPES
            leg.working_time = now if leg.working else -1
            leg.update_time = now
        m.report_list(order_list)
        for leg in legs:
            m.report_order(leg, 'NEW')
        for leg in legs:
            if not leg.is_open:
                continue
            if not leg.working:
                sym.stops.append(leg)
                continue
            if leg.type == 'LIMIT_MAKER' and self._would_take(sym, leg):
                m.close_order(leg, 'EXPIRED', reason='REJECTED')
                continue
            if leg.type == 'MARKET':
                m.release_funds(leg)
            m.work_order(sym, leg)

    @staticmethod
    def _would_take(sym: Any, order: Order) -> bool:
        best = sym.book.best(SELL if order.side == BUY else BUY)
        return best is not None and (order.price >= best if order.side == BUY
                                     else order.price <= best)

    @staticmethod
    def _check_quantity(m: Any, sym: Any, order: Order) -> None:
        """LOT_SIZE and NOTIONAL of a pending order whose quantity is now known."""
        spec, qty = sym.spec, order.qty
        if qty is None or qty < spec.min_qty or qty > spec.max_qty \
                or (qty - spec.min_qty) % spec.step_size:
            raise MarketError(-1013, 'Filter failure: LOT_SIZE')
        reference = order.price or (order.stop_price if order.type in STOP_TYPES else None) \
            or m.average_price_of(sym)
        if qty * reference < spec.min_notional:
            raise MarketError(-1013, 'Filter failure: NOTIONAL')

    def _unlock_received(self, order_list: OrderList) -> None:
        """(OPO) Return what the working order received and no pending order uses."""
        if not order_list.opo or order_list.received <= 0:
            return
        m = self._market
        asset = m.symbol_state(order_list.symbol).spec.base
        balance = order_list.owner.balance(asset)
        balance[1] -= order_list.received
        balance[0] += order_list.received
        order_list.received = ZERO
        m.balance_changed(order_list.owner, asset)

    # -- cancelling and querying --------------------------------------------------------

    def _find(self, account: Any, list_id: Any, client_id: Any, code: int) -> OrderList:
        mine = [lst for lst in self.lists.values() if lst.owner is account]
        if not missing(list_id):
            wanted = parse_int('orderListId', list_id)
            found = [lst for lst in mine if lst.list_id == wanted]
            if found and not missing(client_id) and found[0].client_id != client_id:
                found = []
        elif not missing(client_id):
            found = [lst for lst in mine if lst.client_id == client_id][-1:]
        else:
            raise MarketError(-1102, "Param 'origClientOrderId' or 'orderListId' must be sent, "
                                     "but both were empty/null!")
        if not found:
            raise MarketError(code, 'Order list does not exist.')
        return found[0]

    def cancel_list(self, sym: Any, order_list: OrderList,
                    new_client_id: Any = None) -> Dict[str, Any]:
        """Cancel every active order of ``order_list``; the ``DELETE /api/v3/orderList`` answer."""
        m = self._market
        new_id = new_client_id if not missing(new_client_id) else m.new_client_id()
        targets = [leg for leg in order_list.legs if leg.status in ACTIVE]
        for leg in targets:
            m.cancel_leg(sym, leg, new_id)
        now = m.now_ms()
        info = order_list.info(now)
        info['listStatusType'], info['listOrderStatus'] = 'ALL_DONE', 'ALL_DONE'
        info['orderReports'] = [m.cancel_answer(leg, new_id, leg.client_id) for leg in targets]
        return info

    @_locked
    def cancel(self, api_key: str, symbol: Any = None, orderListId: Any = None,
               listClientOrderId: Any = None, newClientOrderId: Any = None) -> Dict[str, Any]:
        """``DELETE /api/v3/orderList``: cancel a whole list; -2011 when it is unknown or done."""
        m = self._market
        account = m.account_of(api_key)
        sym = m.symbol_state(symbol)
        if missing(orderListId) and missing(listClientOrderId):
            raise MarketError(-1102, "Param 'listClientOrderId' or 'orderListId' must be sent, "
                                     "but both were empty/null!")
        order_list = self._find(account, orderListId, listClientOrderId, -2011)
        if order_list.symbol != sym.spec.symbol or order_list.done:
            raise MarketError(-2011, 'Unknown order list sent.')
        return self.cancel_list(sym, order_list, newClientOrderId)

    @_locked
    def status(self, api_key: str, orderListId: Any = None,
               origClientOrderId: Any = None) -> Dict[str, Any]:
        """``GET /api/v3/orderList``: one list; -2013 ``Order list does not exist.``"""
        account = self._market.account_of(api_key)
        order_list = self._find(account, orderListId, origClientOrderId, -2013)
        return order_list.info(order_list.update_time)

    @_locked
    def all_lists(self, api_key: str, fromId: Any = None, startTime: Any = None,
                  endTime: Any = None, limit: Any = None) -> List[Dict[str, Any]]:
        """``GET /api/v3/allOrderList``: the account's lists by id, or in a time range (<= 24 h)."""
        account = self._market.account_of(api_key)
        limit = parse_int('limit', 500 if missing(limit) else limit, 1, 1000)
        if not missing(fromId) and (not missing(startTime) or not missing(endTime)):
            raise MarketError(-1128, 'Combination of optional parameters invalid.')
        lists = sorted((lst for lst in self.lists.values() if lst.owner is account),
                       key=lambda lst: lst.list_id)
        if not missing(fromId):
            first = parse_int('fromId', fromId)
            chosen = [lst for lst in lists if lst.list_id >= first][:limit]
        elif not missing(startTime) or not missing(endTime):
            lo = parse_int('startTime', startTime) if not missing(startTime) else None
            hi = parse_int('endTime', endTime) if not missing(endTime) else None
            if lo is not None and hi is not None and hi - lo > 86400000:
                raise MarketError(-1127, 'More than 24 hours between startTime and endTime.')
            chosen = [lst for lst in lists if (lo is None or lst.time >= lo)
                      and (hi is None or lst.time <= hi)][:limit]
        else:
            chosen = lists[-limit:]
        return [lst.info(lst.update_time) for lst in chosen]

    @_locked
    def open_status(self, api_key: str) -> List[Dict[str, Any]]:
        """``GET /api/v3/openOrderList``: the account's lists still executing."""
        account = self._market.account_of(api_key)
        return [lst.info(lst.update_time) for lst in self.open_lists(account)]

