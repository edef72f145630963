"""Changing orders on the local exchange: amend, cancel-replace, SOR; account rules.

:class:`OrderChanges` is a part of :class:`~binance.testing.market.Market`
(``market.order_changes``), shared by the REST server and the WebSocket API:

* :meth:`~OrderChanges.amend_keep_priority` (``PUT /api/v3/order/amend/keepPriority``,
  ``order.amend.keepPriority``): reduces an open order's quantity and keeps
  its place in the queue; anything else (an increase, the same quantity, a
  pending OPO order, more than ``MAX_NUM_ORDER_AMENDS`` amendments) is refused
  with ``-2038`` and the order stays as it was. Both orders of an OCO pair
  change together. The user stream gets an ``executionReport`` with
  ``"x": "REPLACED"``, and a ``listStatus`` with ``"l": "UPDATED"`` when an
  order of a list gets a new client order id.
* :meth:`~OrderChanges.cancel_replace` (``POST /api/v3/order/cancelReplace``,
  ``order.cancelReplace``): Binance's table of outcomes — both steps done →
  the result; ``STOP_ON_FAILURE`` and the cancel failed → HTTP 400 ``-2022``
  with ``newOrderResult: NOT_ATTEMPTED``; one step failed → 409 ``-2021``;
  both failed → 400 ``-2022``; the error's ``data`` says which step failed
  and why. The new order's filters are checked before anything is cancelled.
* :meth:`~OrderChanges.sor_order` (``POST /api/v3/sor/order``,
  ``sor.order.place``): the local exchange models each symbol as a SOR
  configuration of one order book, so an SOR order fills on the symbol's
  own book (``"workingFloor": "EXCHANGE"``, ``"usedSor": true``, ordinary
  trades, no allocations).
* :meth:`~OrderChanges.commission` (``GET /api/v3/account/commission``),
  :meth:`~OrderChanges.my_filters` (``GET /api/v3/myFilters``), and
  :meth:`~OrderChanges.prevented_matches` / :meth:`~OrderChanges.allocations`
  (always empty: no self-trade prevention, no allocations here).
"""
import functools
import re
from decimal import Decimal
from typing import Any, Callable, Dict, List, Optional, TypeVar, cast

from binance.testing.market_base import (
    MAX_NUM_ORDER_AMENDS, ZERO, MarketError, fmt, mandatory, missing, parse_decimal, parse_int,
    round8)
from binance.testing.market_book import BUY, STOP_TYPES, Order
from binance.testing.order_lists import ACTIVE

__all__ = ['OrderChanges', 'ORDER_PARAMS', 'CANCEL_REPLACE_PARAMS', 'SOR_PARAMS',
           'CANCEL_REPLACE_MODES']

#: What ``POST /api/v3/order`` reads and the simulation acts on.
ORDER_PARAMS = ('symbol', 'side', 'type', 'timeInForce', 'quantity', 'quoteOrderQty', 'price',
                'newClientOrderId', 'stopPrice', 'icebergQty', 'newOrderRespType')
CANCEL_REPLACE_MODES = ('STOP_ON_FAILURE', 'ALLOW_FAILURE')
#: The cancel-replace parameters besides the new order's.
CANCEL_REPLACE_PARAMS = ('cancelReplaceMode', 'cancelOrderId', 'cancelOrigClientOrderId',
                         'cancelNewClientOrderId', 'cancelRestrictions',
                         'orderRateLimitExceededMode')
SOR_PARAMS = ('symbol', 'side', 'type', 'timeInForce', 'quantity', 'price', 'newClientOrderId',
              'icebergQty', 'newOrderRespType')
_CLIENT_ID_RE = re.compile(r'^[a-zA-Z0-9\-_]{1,36}\Z')
_ACCOUNT_FILTERS = ('MAX_NUM_ORDERS', 'MAX_NUM_ORDER_LISTS', 'MAX_NUM_ALGO_ORDERS',
                    'MAX_NUM_ORDER_AMENDS')
_F = TypeVar('_F', bound=Callable[..., Any])


def _locked(method: _F) -> _F:
    """Run ``method`` holding the market's lock, its events published together at the end."""
    def run(self: 'OrderChanges', *args: Any, **kwargs: Any) -> Any:
        market = self._market
        with market.lock, market.transaction():
            return method(self, *args, **kwargs)
    return cast(_F, functools.wraps(method)(run))


def _rejected(msg: str) -> MarketError:
    return MarketError(-2038, msg)


def _check_ids(limit: Any, **ids: Any) -> None:
    """Check each id given as an integer and ``limit`` (when given) as 1 to 1000
    (:func:`parse_int`'s errors)."""
    for name, value in ids.items():
        if not missing(value):
            parse_int(name, value)
    if not missing(limit):
        parse_int('limit', limit, 1, 1000)


class OrderChanges:
    """Amend, cancel-replace and SOR orders of a market (``market.order_changes``)."""

    def __init__(self, market: Any) -> None:
        self._market = market
        self._amends: Dict[int, int] = {}   # id(order) -> amendments so far

    # -- amend keepPriority ------------------------------------------------------

    def _account_symbol(self, api_key: str, symbol: Any) -> Any:
        """The symbol of a request of ``api_key``: the market's errors for an unknown
        key or symbol, -1102 without ``symbol``."""
        m = self._market
        m.account_of(api_key)
        if missing(symbol):
            raise mandatory('symbol')
        return m.symbol_state(symbol)

    @_locked
    def amend_keep_priority(self, api_key: str, symbol: Any = None, orderId: Any = None,
                            origClientOrderId: Any = None, newClientOrderId: Any = None,
                            newQty: Any = None) -> Dict[str, Any]:
        """Reduce an open order's quantity, keeping its priority.

        :returns: ``{'transactTime', 'executionId', 'amendedOrder': {...}}``, with
            ``'listStatus'`` for an order of a list.
        :raises MarketError: ``-2038`` for an amendment Binance refuses,
            ``-1013`` when ``newQty`` breaks ``LOT_SIZE``.
        """
        m = self._market
        account = m.account_of(api_key)
        sym = m.symbol_state(symbol)
        if missing(newQty):
            raise mandatory('newQty')
        qty = parse_decimal('newQty', newQty)
        order = m.find_order(account, sym.spec.symbol, orderId, origClientOrderId, -2038,
                             'Unknown order sent.')
        if order.status not in ACTIVE:
            raise _rejected('Unknown order sent.')
        order_list = m.order_lists.of(order)
        if order_list is not None and order_list.opo and order.status == 'PENDING_NEW':
            raise _rejected('Order amend (pending OPO order) is not supported.')
        if qty <= 0:
            raise MarketError(-1013, 'Invalid quantity.')
        if order.qty is None or qty > order.qty:
            raise _rejected('Order amend (quantity increase) is not supported.')
        if qty == order.qty:
            raise _rejected('The requested action would change no state; rejecting')
        spec = sym.spec
        if qty < spec.min_qty or (qty - spec.min_qty) % spec.step_size:
            raise MarketError(-1013, 'Filter failure: LOT_SIZE')
        if self._amends.get(id(order), 0) >= MAX_NUM_ORDER_AMENDS:
            raise _rejected('Filter failure: MAX_NUM_ORDER_AMENDS')
        if missing(newClientOrderId):
            new_id = m.new_client_id()
        elif not isinstance(newClientOrderId, str) or not _CLIENT_ID_RE.match(newClientOrderId):
            raise MarketError(-1100, "Illegal characters found in parameter 'newClientOrderId'; "
                                     "legal range is '^[a-zA-Z0-9-_]{1,36}$'.")
        else:
            new_id = newClientOrderId
        self._amends[id(order)] = self._amends.get(id(order), 0) + 1
        targets = [order]
        if order_list is not None and order in order_list.oco_legs:
            targets = [leg for leg in order_list.oco_legs if leg.status in ACTIVE]
        orig_id = order.client_id
        now = m.now_ms()
        for target in targets:
            self._shrink(sym, target, qty, now)
        order.client_id = new_id
        execution_id = 0
        for target in targets:
            execution_id = m.report_order(target, 'REPLACED',
                                          orig_client_id=orig_id if target is order else '')
        result: Dict[str, Any] = {'transactTime': now, 'executionId': execution_id,
                                  'amendedOrder': self._amended(order, orig_id)}
        if order_list is not None:
            if new_id != orig_id:
                m.report_list(order_list, 'UPDATED')
            info = order_list.info(now)
            result['listStatus'] = {key: info[key] for key in (
                'orderListId', 'contingencyType', 'listOrderStatus', 'listClientOrderId',
                'symbol', 'orders')}
        for target in targets:
            if target.status == 'EXPIRED' and target.list_id >= 0:
                m.order_lists.leg_closed(target)
        return result

    def _shrink(self, sym: Any, order: Order, qty: Decimal, now: int) -> None:
        """Set ``order``'s quantity to ``qty`` in place (its queue position stays)."""
        m = self._market
        before = order.remaining
        order.qty = qty
        delta = before - max(order.remaining, ZERO)
        if order.in_book:
            sym.book.reduce(order, delta)   # drops the order when nothing remains
        if order.locked:
            portion = round8((order.price or order.stop_price) * delta) if order.side == BUY \
                else delta
            portion = min(portion, order.locked)
            balance = order.owner.balance(order.lock_asset)
            balance[1] -= portion
            balance[0] += portion
            order.locked -= portion
            m.balance_changed(order.owner, order.lock_asset)
        order.update_time = now
        if order.remaining <= 0 and order.status != 'PENDING_NEW':
            if order in sym.stops:
                sym.stops.remove(order)
            order.status = 'EXPIRED'    # Binance: the order expires because of the amendment
            m.release_funds(order)

    @staticmethod
    def _amended(order: Order, orig_id: str) -> Dict[str, Any]:
        amended = {
            'symbol': order.symbol, 'orderId': order.order_id, 'orderListId': order.list_id,
            'origClientOrderId': orig_id, 'clientOrderId': order.client_id,
            'price': fmt(order.price or ZERO), 'qty': fmt(order.qty or ZERO),
            'executedQty': fmt(order.executed), 'preventedQty': fmt(ZERO),
            'quoteOrderQty': fmt(order.quote_qty), 'cumulativeQuoteQty': fmt(order.cum_quote),
            'status': order.status, 'timeInForce': order.tif or 'GTC', 'type': order.type,
            'side': order.side}
        if order.type in STOP_TYPES:
            amended['stopPrice'] = fmt(order.stop_price)
        if order.working_time != -1:
            amended['workingTime'] = order.working_time
        amended['selfTradePreventionMode'] = 'NONE'
        return amended

    # -- cancel-replace ---------------------------------------------------------------

    @_locked
    def cancel_replace(self, api_key: str, params: Dict[str, Any],
                       count_order: Optional[Callable[[], None]] = None) -> Dict[str, Any]:
        """Cancel an order and place a new one (``POST /api/v3/order/cancelReplace``).

        :param params: Binance's parameters (the new order's and ``cancel*``).
        :param count_order: called once the new order passed its filters, before
            anything changes (the WebSocket API counts the order there).
        :returns: ``{'cancelResult': 'SUCCESS', 'newOrderResult': 'SUCCESS',
            'cancelResponse': {...}, 'newOrderResponse': {...}}``.
        :raises MarketError: -2022 (HTTP 400) or -2021 (HTTP 409) with the
            outcome in ``data``; -1102/-1100 for missing or bad parameters.
        """
        m = self._market
        if missing(params.get('symbol')):
            raise mandatory('symbol')
        mode = params.get('cancelReplaceMode')
        if missing(mode):
            raise mandatory('cancelReplaceMode')
        if mode not in CANCEL_REPLACE_MODES:
            raise MarketError(-1100, "Illegal characters found in parameter 'cancelReplaceMode'; "
                                     "legal range is '{}'.".format(
                                         ' | '.join(CANCEL_REPLACE_MODES)))
        if missing(params.get('cancelOrderId')) and missing(params.get('cancelOrigClientOrderId')):
            raise MarketError(-1102, "Param 'cancelOrigClientOrderId' or 'cancelOrderId' must be "
                                     "sent, but both were empty/null!")
        order_args = {name: params[name] for name in ORDER_PARAMS if name in params}
        m.place_order(api_key, test=True, **order_args)   # filters before anything happens
        if count_order is not None:
            count_order()
        cancel_args = {'symbol': params['symbol']}
        for ours, theirs in (('cancelOrderId', 'orderId'),
                             ('cancelOrigClientOrderId', 'origClientOrderId'),
                             ('cancelNewClientOrderId', 'newClientOrderId')):
            if not missing(params.get(ours)):
                cancel_args[theirs] = params[ours]
        cancel: Any
        placed: Any = None
        try:
            cancel, cancel_ok = self._cancel(api_key, cancel_args, params), True
        except MarketError as error:
            cancel, cancel_ok = {'code': error.code, 'msg': error.msg}, False
        if not cancel_ok and mode == 'STOP_ON_FAILURE':
            raise MarketError(-2022, 'Order cancel-replace failed.', 400, {
                'cancelResult': 'FAILURE', 'newOrderResult': 'NOT_ATTEMPTED',
                'cancelResponse': cancel, 'newOrderResponse': None})
        try:
            placed, placed_ok = m.place_order(api_key, **order_args), True
        except MarketError as error:
            placed, placed_ok = {'code': error.code, 'msg': error.msg}, False
        data = {'cancelResult': 'SUCCESS' if cancel_ok else 'FAILURE',
                'newOrderResult': 'SUCCESS' if placed_ok else 'FAILURE',
                'cancelResponse': cancel, 'newOrderResponse': placed}
        if cancel_ok and placed_ok:
            return data
        if cancel_ok or placed_ok:
            raise MarketError(-2021, 'Order cancel-replace partially failed.', 409, data)
        raise MarketError(-2022, 'Order cancel-replace failed.', 400, data)

    def _cancel(self, api_key: str, cancel_args: Dict[str, Any],
                params: Dict[str, Any]) -> Dict[str, Any]:
        m = self._market
        restriction = params.get('cancelRestrictions')
        if not missing(restriction):
            if restriction not in ('ONLY_NEW', 'ONLY_PARTIALLY_FILLED'):
                raise MarketError(-1145, 'cancelRestrictions has to be either ONLY_NEW or '
                                         'ONLY_PARTIALLY_FILLED.')
            order = m.get_order(api_key, cancel_args['symbol'], cancel_args.get('orderId'),
                                cancel_args.get('origClientOrderId'))
            if order['status'] != restriction[len('ONLY_'):]:
                raise MarketError(-2011, 'Order was not canceled due to cancel restrictions.')
        return m.cancel_order(api_key, **cancel_args)

    # -- SOR ------------------------------------------------------------------------

    @_locked
    def sor_order(self, api_key: str, test: bool = False, **params: Any) -> Dict[str, Any]:
        """An order using smart order routing (``POST /api/v3/sor/order``; ``test``: ``/test``).

        Each symbol is its own SOR configuration here, so the order fills on
        its own book: the answer is ``POST /api/v3/order``'s with
        ``"workingFloor": "EXCHANGE"`` and ``"usedSor": true``.

        :raises MarketError: -1014 for an order type other than ``LIMIT`` and
            ``MARKET``; as ``POST /api/v3/order`` otherwise.
        """
        order_type = params.get('type')
        if missing(order_type):
            raise mandatory('type')
        if order_type not in ('LIMIT', 'MARKET'):
            raise MarketError(-1014, 'Unsupported order combination.')
        if missing(params.get('quantity')):
            raise mandatory('quantity')
        return self._market.place_order(api_key, test=test, sor=True, **params)

    # -- account rules ------------------------------------------------------------------

    @_locked
    def commission(self, api_key: str, symbol: Any = None) -> Dict[str, Any]:
        """``GET /api/v3/account/commission``: the rates the matching engine charges.

        The local exchange charges 0.1 % (maker and taker) in the asset
        received and no BNB discount (``enabledForAccount: false``).
        """
        from binance.testing.market_trading import COMMISSION_RATE
        sym = self._account_symbol(api_key, symbol)
        zero = fmt(ZERO)
        none = {'maker': zero, 'taker': zero, 'buyer': zero, 'seller': zero}
        return {'symbol': sym.spec.symbol,
                'standardCommission': {'maker': fmt(COMMISSION_RATE),
                                       'taker': fmt(COMMISSION_RATE),
                                       'buyer': zero, 'seller': zero},
                'specialCommission': dict(none), 'taxCommission': dict(none),
                'discount': {'enabledForAccount': False, 'enabledForSymbol': True,
                             'discountAsset': 'BNB', 'discount': '0.25000000'}}

    @_locked
    def prevented_matches(self, api_key: str, symbol: Any = None, preventedMatchId: Any = None,
                          orderId: Any = None, fromPreventedMatchId: Any = None,
                          limit: Any = None) -> List[Dict[str, Any]]:
        """``GET /api/v3/myPreventedMatches``: always ``[]`` here, as the local exchange
        has only the ``NONE`` self-trade prevention mode (no match is ever prevented).

        :raises MarketError: -1102 without ``symbol``, -1128 for a combination
            Binance does not take (``symbol`` with ``preventedMatchId``, or with
            ``orderId`` and optionally ``fromPreventedMatchId`` and ``limit``).
        """
        self._account_symbol(api_key, symbol)
        by_match = not missing(preventedMatchId)
        by_order = not missing(orderId)
        if by_match == by_order or (by_match and not (missing(fromPreventedMatchId)
                                                      and missing(limit))) \
                or (not by_order and not missing(fromPreventedMatchId)):
            raise MarketError(-1128, 'Combination of optional parameters invalid.')
        _check_ids(limit, preventedMatchId=preventedMatchId, orderId=orderId,
                   fromPreventedMatchId=fromPreventedMatchId)
        return []

    @_locked
    def allocations(self, api_key: str, symbol: Any = None, startTime: Any = None,
                    endTime: Any = None, fromAllocationId: Any = None, limit: Any = None,
                    orderId: Any = None) -> List[Dict[str, Any]]:
        """``GET /api/v3/myAllocations``: always ``[]`` here, as SOR orders fill on the
        symbol's own book (trades, not allocations).

        :raises MarketError: -1102 without ``symbol``, -1127 for more than 24 h
            between ``startTime`` and ``endTime``.
        """
        self._account_symbol(api_key, symbol)
        lo = None if missing(startTime) else parse_int('startTime', startTime)
        hi = None if missing(endTime) else parse_int('endTime', endTime)
        if lo is not None and hi is not None and hi - lo > 86400000:
            raise MarketError(-1127, 'More than 24 hours between startTime and endTime.')
        _check_ids(limit, fromAllocationId=fromAllocationId, orderId=orderId)
        return []

    @_locked
    def my_filters(self, api_key: str, symbol: Any = None) -> Dict[str, List[Dict[str, Any]]]:
        """``GET /api/v3/myFilters``: the filters that limit this account on ``symbol``."""
        sym = self._account_symbol(api_key, symbol)
        return {'exchangeFilters': [],
                'symbolFilters': [f for f in sym.spec.filters()
                                  if f['filterType'] in _ACCOUNT_FILTERS],
                'assetFilters': []}
