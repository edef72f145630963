"""The order desk of the derivatives engine: ``/fapi/v1/order`` and its kin.

Orders are checked as USD-M checks them, in fapi's codes: order type
(-1116; the five conditional types answer -4120 and belong to the Algo
Service), position side (-4061), reduce-only (-2022), futures' own filters
(``PRICE_FILTER`` -4013/-4014, ``LOT_SIZE``/``MARKET_LOT_SIZE``
-4003/-4004/-4005/-4023, ``PERCENT_PRICE`` -4016/-4024 against the mark
price, ``MAX_NUM_ORDERS`` -2025, ``MIN_NOTIONAL`` -4164 with reduce-only and
close-position orders exempt) and initial margin (-2019); then they are
handed to the matching engine, whose fills the :class:`~.ledger.Ledger`
books. Answers use ``newOrderRespType=ACK`` unless ``RESULT`` is asked for,
as Binance does: a MARKET order answers ``NEW`` with nothing executed.

Also here: batch place, cancel and modify (``/fapi/v1/batchOrders``),
modify (``PUT /fapi/v1/order``), test orders, and the countdown cancel-all
(``POST /fapi/v1/countdownCancelAll``), fired by :meth:`OrderDesk.run_timers`
on the market's clock, which also expires ``GTD`` orders at their ``goodTillDate``.
"""
import json
import re
from decimal import Decimal
from typing import Any, Callable, ContextManager, Dict, List, Optional

from binance.testing.derivatives.contract import (CONDITIONAL_TYPES, MAX_NUM_ORDERS,
                                                  ORDER_TYPES, RESPONSE_TYPES, TIME_IN_FORCES,
                                                  WORKING_TYPES, Contracts)
from binance.testing.derivatives.ledger import OPEN, FuturesAccount, Ledger
from binance.testing.derivatives.prices import Prices
from binance.testing.market import Market
from binance.testing.market_base import (MarketError, fmt, mandatory, missing, not_required,
                                         parse_decimal, parse_int, round8)

__all__ = ['OrderDesk', 'ALGO_ONLY', 'parse_bool']

ZERO = Decimal(0)
#: Binance's answer to a conditional type sent to ``/fapi/v1/order`` since 2025-12-09.
ALGO_ONLY = (-4120, 'Order type not supported for this endpoint. Please use the Algo Order '
                    'API endpoints instead.')
_ENGINE_TYPES = {'LIMIT': 'LIMIT', 'MARKET': 'MARKET'}
#: fapi's rule for newClientOrderId and clientAlgoId (wider than spot's).
CLIENT_ID_RE = re.compile(r'^[.A-Z:/a-z0-9_-]{1,36}\Z')


def check_client_id(value: Any, name: str, taken: Any) -> None:
    """A client order id: fapi's characters (-1100), not one of ``taken`` (-4116)."""
    if not isinstance(value, str) or not CLIENT_ID_RE.match(value):
        raise MarketError(-1100, "Illegal characters found in parameter '{}'; legal range is "
                                 "'^[\\.A-Z\\:/a-z0-9_-]{{1,36}}$'.".format(name))
    if value in taken:
        # live text; Binance's Error Codes page writes "clientOrderId is duplicated"
        raise MarketError(-4116, 'ClientOrderId is duplicated.')
Publish = Callable[[str, str, Dict[str, Any]], None]


def parse_bool(value: Any, name: str) -> bool:
    """A ``'true'``/``'false'`` parameter (absent: false); -1102 for anything else."""
    if missing(value):
        return False
    text = str(value).lower()
    if text not in ('true', 'false'):
        raise mandatory(name)
    return text == 'true'


def check_side(side: Any) -> None:
    """``BUY`` or ``SELL``: -1102 when absent, -1117 otherwise."""
    if side not in ('BUY', 'SELL'):
        raise mandatory('side') if missing(side) else MarketError(-1117, 'Invalid side.')


def working_type(value: Any) -> str:
    """``workingType`` (default ``CONTRACT_PRICE``); -1130 for another value."""
    working = 'CONTRACT_PRICE' if missing(value) else value
    if working not in WORKING_TYPES:
        raise MarketError(-1130, 'Invalid data sent for a parameter.')
    return working


def position_side_of(value: Any, account: Any) -> str:
    """``positionSide`` (default ``BOTH``): -4061 unless it fits the account's mode
    (``BOTH`` in one-way mode, ``LONG``/``SHORT`` in hedge mode)."""
    position_side = 'BOTH' if missing(value) else value
    if position_side not in ('BOTH', 'LONG', 'SHORT') or \
            (position_side == 'BOTH') == account.dual:
        raise MarketError(-4061, "Order's position side does not match user's setting.")
    return position_side


def check_limit_fields(tif: Any, goodTillDate: Any, price: Any) -> None:
    """What a limit order needs: a known ``timeInForce`` (-1115), ``goodTillDate``
    with ``GTD`` and a ``price`` (-1102)."""
    if tif not in TIME_IN_FORCES:
        raise MarketError(-1115, 'Invalid timeInForce.')
    if tif == 'GTD' and missing(goodTillDate):
        raise mandatory('goodTillDate')
    if missing(price):
        raise mandatory('price')


class OrderDesk:
    """Orders of one futures market (see the module docs).

    :param engine: the matching engine holding the books.
    :param transaction: groups engine changes; their events go out when it ends.
    :param publish: ``publish(kind, key, payload)`` sends a futures event.
    """

    def __init__(self, engine: Market, transaction: Callable[[], ContextManager[None]],
                 contracts: Contracts, prices: Prices, ledger: Ledger,
                 publish: Publish) -> None:
        self.engine = engine
        self.transaction = transaction
        self.contracts = contracts
        self.prices = prices
        self.ledger = ledger
        self.publish = publish
        #: engine order id -> (api key, futures order id)
        self._by_engine_id: Dict[int, Any] = {}
        #: futures order id -> the quantity and quote executed before its last amendment
        self._carried: Dict[int, Any] = {}
        self._amending: Dict[int, None] = {}
        #: (api key, symbol) -> the time its countdown cancels its open orders
        self.countdowns: Dict[Any, int] = {}
        #: (api key, futures order id) -> goodTillDate of an open GTD order
        self.good_till: Dict[Any, int] = {}
        self._expiring: Dict[int, None] = {}

    # -- placing --------------------------------------------------------------------

    def place(self, api_key: str, symbol: Any = None, side: Any = None, type: Any = None,
              positionSide: Any = None, timeInForce: Any = None, quantity: Any = None,
              reduceOnly: Any = None, price: Any = None, newClientOrderId: Any = None,
              stopPrice: Any = None, closePosition: Any = None, workingType: Any = None,
              priceProtect: Any = None, newOrderRespType: Any = None,
              goodTillDate: Any = None, test: bool = False,
              orig_type: Optional[str] = None) -> Dict[str, Any]:
        """``POST /fapi/v1/order`` (``test=True``: ``/fapi/v1/order/test``, which answers ``{}``).

        ``orig_type`` is the Algo Service's: the conditional type an actual order came from.
        """
        account = self.ledger.account(api_key)
        name = self.contracts.spec(symbol).symbol
        check_side(side)
        if type in CONDITIONAL_TYPES and orig_type is None:
            raise MarketError(*ALGO_ONLY)
        if type not in ORDER_TYPES:
            raise mandatory('type') if missing(type) else MarketError(-1116, 'Invalid orderType.')
        resp_type = 'ACK' if missing(newOrderRespType) else newOrderRespType
        if resp_type not in RESPONSE_TYPES:
            raise MarketError(-1130, 'Invalid data sent for a parameter.')
        working = working_type(workingType)
        protect = parse_bool(priceProtect, 'priceProtect')
        position_side = position_side_of(positionSide, account)
        reduce_only = parse_bool(reduceOnly, 'reduceOnly')
        if not missing(closePosition) and orig_type is None:
            raise not_required('closePosition')
        if not missing(stopPrice) and orig_type is None:
            raise not_required('stopPrice')
        if reduce_only and account.dual:
            raise MarketError(-1106, "Parameter 'reduceOnly' sent when not required.")
        close = orig_type is not None and parse_bool(closePosition, 'closePosition')
        tif = None
        if type == 'LIMIT':
            if missing(timeInForce):
                raise mandatory('timeInForce')
            tif = timeInForce
            check_limit_fields(tif, goodTillDate, price)
        elif not missing(timeInForce):
            raise not_required('timeInForce')
        if missing(quantity):
            raise mandatory('quantity')
        qty = parse_decimal('quantity', quantity)
        self.contracts.check_qty(name, qty)
        limit = None
        mark = self.prices.mark(name)
        if type == 'LIMIT':
            limit = parse_decimal('price', price)
            self.contracts.check_price(name, limit)
            self.contracts.check_percent_price(name, side, limit, mark)
        elif not missing(price):
            raise not_required('price')
        if not missing(newClientOrderId):
            check_client_id(newClientOrderId, 'newClientOrderId',
                            {r['clientOrderId'] for r in account.open_records()})
        if len(account.open_records(name)) >= MAX_NUM_ORDERS:
            raise MarketError(-2025, 'Reach max open order limit.')
        pos = account.position(name, position_side)
        signed = qty if side == 'BUY' else -qty
        if reduce_only and (pos.amount == 0 or (pos.amount > 0) == (signed > 0)
                            or qty > abs(pos.amount)):
            raise MarketError(-2022, 'ReduceOnly Order is rejected.')
        reference = limit or mark
        if not (reduce_only or close):
            self.contracts.check_notional(name, self.contracts.notional(name, qty, reference))
        closing = ZERO
        if pos.amount and (pos.amount > 0) != (signed > 0):
            closing = min(qty, abs(pos.amount))
        need = self.contracts.notional(name, qty - closing, reference) / \
            self.ledger.leverage_of(account, name)
        available = self.ledger.totals(account, self.contracts.margin_asset(name))['available']
        if not reduce_only and need > available:
            raise MarketError(-2019, 'Margin is insufficient.')
        if test:
            return {}
        engine_type, engine_tif = _ENGINE_TYPES[type], tif
        if tif in ('GTX', 'GTD'):
            engine_tif = 'GTC'
            if tif == 'GTX':
                engine_type = 'LIMIT_MAKER'
        with self.transaction():
            try:
                placed = self.engine.place_order(
                    api_key, name, side, engine_type,
                    timeInForce=None if engine_type == 'LIMIT_MAKER' else engine_tif,
                    quantity=fmt(qty), price=None if limit is None else fmt(limit),
                    newOrderRespType='ACK')
            except MarketError as error:
                if error.code == -2010 and 'match and take' in error.msg:
                    # a GTX order that would take: Binance accepts and expires it
                    return self._expired_gtx(account, name, side, qty, limit, position_side,
                                             newClientOrderId)
                raise
            now = self.engine.now_ms()
            rec = {'orderId': placed['orderId'], 'symbol': name, 'status': 'NEW',
                   'clientOrderId': placed['clientOrderId'] if missing(newClientOrderId)
                   else newClientOrderId,
                   'price': self.contracts.price_str(name, limit) if limit is not None else '0',
                   'avgPrice': '0.00000', 'origQty': self.contracts.qty_str(name, qty),
                   'executedQty': '0', 'cumQty': '0', 'cumQuote': '0',
                   'timeInForce': tif or 'GTC', 'type': type,
                   'reduceOnly': reduce_only, 'closePosition': close, 'side': side,
                   'positionSide': position_side,
                   'stopPrice': '0' if orig_type is None or missing(stopPrice) else
                   self.contracts.price_str(name, stopPrice), 'workingType': working,
                   'priceProtect': protect, 'origType': orig_type or type,
                   'priceMatch': 'NONE', 'selfTradePreventionMode': 'EXPIRE_MAKER',
                   'goodTillDate': 0 if missing(goodTillDate) else parse_int(
                       'goodTillDate', goodTillDate),
                   'time': now, 'updateTime': now}
            account.orders[rec['orderId']] = rec
            self._by_engine_id[rec['orderId']] = (api_key, rec['orderId'])
            if tif == 'GTD':
                self.good_till[(api_key, rec['orderId'])] = rec['goodTillDate']
            acknowledged = self._answer(rec)
        return acknowledged if resp_type == 'ACK' else self._answer(rec)

    def _expired_gtx(self, account: FuturesAccount, name: str, side: str, qty: Decimal,
                     limit: Optional[Decimal], position_side: str, client_id: Any) -> Any:
        now = self.engine.now_ms()
        order_id = 8000000000 + self.ledger.next_trade_id()
        rec = {'orderId': order_id, 'symbol': name, 'status': 'EXPIRED',
               'clientOrderId': client_id if not missing(client_id) else 'gtx{}'.format(order_id),
               'price': self.contracts.price_str(name, limit or ZERO), 'avgPrice': '0.00000',
               'origQty': self.contracts.qty_str(name, qty),
               'executedQty': '0', 'cumQty': '0', 'cumQuote': '0', 'timeInForce': 'GTX',
               'type': 'LIMIT', 'reduceOnly': False, 'closePosition': False, 'side': side,
               'positionSide': position_side, 'stopPrice': '0', 'workingType': 'CONTRACT_PRICE',
               'priceProtect': False, 'origType': 'LIMIT', 'priceMatch': 'NONE',
               'selfTradePreventionMode': 'EXPIRE_MAKER', 'goodTillDate': 0, 'time': now,
               'updateTime': now}
        account.orders[order_id] = rec
        for exec_type, status in (('NEW', 'NEW'), ('EXPIRED', 'EXPIRED')):
            self.publish('user', account.api_key,
                         self.order_event(account, dict(rec, status=status), exec_type))
        return self._answer(rec)

    @staticmethod
    def _answer(rec: Dict[str, Any]) -> Dict[str, Any]:
        return {k: v for k, v in rec.items() if k != 'time'}

    @staticmethod
    def _query(rec: Dict[str, Any]) -> Dict[str, Any]:
        return {k: v for k, v in rec.items() if k != 'cumQty'}

    # -- finding, cancelling, listing -------------------------------------------------

    def find(self, account: FuturesAccount, symbol: Any, orderId: Any, origClientOrderId: Any,
             code: int) -> Dict[str, Any]:
        name = self.contracts.spec(symbol).symbol
        if missing(orderId) and missing(origClientOrderId):
            raise MarketError(-1102, "Param 'origClientOrderId' or 'orderId' must be sent, but "
                                     "both were empty/null!")
        for rec in account.orders.values():
            if rec['symbol'] != name:
                continue
            if (not missing(orderId) and str(rec['orderId']) == str(orderId)) or \
                    (missing(orderId) and rec['clientOrderId'] == origClientOrderId):
                return rec
        if code == -2013:
            raise MarketError(-2013, 'Order does not exist.')
        raise MarketError(-2011, 'Unknown order sent.')

    def get(self, api_key: str, symbol: Any = None, orderId: Any = None,
            origClientOrderId: Any = None) -> Dict[str, Any]:
        """``GET /fapi/v1/order``."""
        account = self.ledger.account(api_key)
        return self._query(self.find(account, symbol, orderId, origClientOrderId, -2013))

    def _engine_id(self, api_key: str, order_id: int) -> int:
        for engine_id, owner in self._by_engine_id.items():
            if owner == (api_key, order_id):
                return engine_id
        return order_id

    def cancel(self, api_key: str, symbol: Any = None, orderId: Any = None,
               origClientOrderId: Any = None) -> Dict[str, Any]:
        """``DELETE /fapi/v1/order``."""
        account = self.ledger.account(api_key)
        rec = self.find(account, symbol, orderId, origClientOrderId, -2011)
        if rec['status'] not in OPEN:
            raise MarketError(-2011, 'Unknown order sent.')
        self.engine.cancel_order(api_key, rec['symbol'],
                                 orderId=self._engine_id(api_key, rec['orderId']))
        return self._answer(rec)

    def cancel_all(self, api_key: str, symbol: Any = None) -> Dict[str, Any]:
        """``DELETE /fapi/v1/allOpenOrders``."""
        account = self.ledger.account(api_key)
        name = self.contracts.spec(symbol).symbol
        with self.transaction():
            for rec in account.open_records(name):
                self.engine.cancel_order(api_key, name,
                                         orderId=self._engine_id(api_key, rec['orderId']))
        return {'code': 200, 'msg': 'The operation of cancel all open order is done.'}

    def cancel_batch(self, api_key: str, symbol: Any = None, orderIdList: Any = None,
                     origClientOrderIdList: Any = None) -> List[Dict[str, Any]]:
        """``DELETE /fapi/v1/batchOrders``: ids as a JSON array; one answer per id."""
        self.ledger.account(api_key)
        if missing(orderIdList) == missing(origClientOrderIdList):
            raise MarketError(-1102, "Param 'orderIdList' or 'origClientOrderIdList' must be "
                                     "sent, but both were empty/null!")
        ids = _json_list(orderIdList if not missing(orderIdList) else origClientOrderIdList, 10)
        results: List[Dict[str, Any]] = []
        for value in ids:
            try:
                if not missing(orderIdList):
                    results.append(self.cancel(api_key, symbol, orderId=value))
                else:
                    results.append(self.cancel(api_key, symbol, origClientOrderId=value))
            except MarketError as error:
                results.append(error.as_json())
        return results

    def open_orders(self, api_key: str, symbol: Any = None) -> List[Dict[str, Any]]:
        """``GET /fapi/v1/openOrders``."""
        account = self.ledger.account(api_key)
        name = None if missing(symbol) else self.contracts.spec(symbol).symbol
        return [self._query(r) for r in account.open_records(name)]

    def all_orders(self, api_key: str, symbol: Any = None, orderId: Any = None,
                   startTime: Any = None, endTime: Any = None,
                   limit: Any = None) -> List[Dict[str, Any]]:
        """``GET /fapi/v1/allOrders`` (limit default 500, at most 1000)."""
        account = self.ledger.account(api_key)
        name = self.contracts.spec(symbol).symbol
        count = 500 if missing(limit) else parse_int('limit', limit, 1)
        rows = [r for r in account.orders.values() if r['symbol'] == name]
        if not missing(orderId):
            rows = [r for r in rows if r['orderId'] >= parse_int('orderId', orderId)]
        if not missing(startTime):
            rows = [r for r in rows if r['time'] >= parse_int('startTime', startTime)]
        if not missing(endTime):
            rows = [r for r in rows if r['time'] <= parse_int('endTime', endTime)]
        rows.sort(key=lambda r: r['orderId'])
        return [self._query(r) for r in rows[:min(count, 1000)]]

    # -- batches, modify, countdown -------------------------------------------------------

    def place_batch(self, api_key: str, batchOrders: Any = None) -> List[Dict[str, Any]]:
        """``POST /fapi/v1/batchOrders``: up to 5 orders; one answer (or error) per order."""
        self.ledger.account(api_key)
        orders = _json_list(batchOrders, 5, 'batchOrders')
        results: List[Dict[str, Any]] = []
        for order in orders:
            try:
                if not isinstance(order, dict):
                    raise MarketError(-1130, 'Invalid data sent for a parameter.')
                args = {k: v for k, v in order.items() if k in _BATCH_FIELDS}
                unknown = set(order) - set(_BATCH_FIELDS) - {'activationPrice', 'callbackRate',
                                                             'priceMatch',
                                                             'selfTradePreventionMode'}
                if unknown:
                    raise MarketError(-1104, 'Not all sent parameters were read; read {} '
                                             'parameter(s) but was sent {}.'.format(
                                                 len(order) - len(unknown), len(order)))
                results.append(self.place(api_key, **args))
            except MarketError as error:
                results.append(error.as_json())
        return results

    def modify(self, api_key: str, symbol: Any = None, side: Any = None, quantity: Any = None,
               price: Any = None, orderId: Any = None, origClientOrderId: Any = None,
               priceMatch: Any = None) -> Dict[str, Any]:
        """``PUT /fapi/v1/order``: a LIMIT order's new price and quantity (both required).

        A new quantity at or below what has executed cancels the order, as on Binance.
        """
        account = self.ledger.account(api_key)
        for value, name in ((side, 'side'), (quantity, 'quantity'), (price, 'price')):
            if missing(value):
                raise mandatory(name)
        rec = self.find(account, symbol, orderId, origClientOrderId, -2013)
        if rec['status'] not in OPEN:
            raise MarketError(-2013, 'Order does not exist.')
        if side != rec['side']:
            raise MarketError(-1117, 'Invalid side.')
        name = rec['symbol']
        qty = parse_decimal('quantity', quantity)
        limit = parse_decimal('price', price)
        self.contracts.check_qty(name, qty)
        self.contracts.check_price(name, limit)
        self.contracts.check_percent_price(name, side, limit, self.prices.mark(name))
        if qty == Decimal(rec['origQty']) and limit == Decimal(rec['price']):
            raise MarketError(-5027, 'No need to modify the order.')
        executed = Decimal(rec['executedQty'])
        old_engine_id = self._engine_id(api_key, rec['orderId'])
        with self.transaction():
            if qty <= executed:
                self.engine.cancel_order(api_key, name, orderId=old_engine_id)
                return self._answer(rec)
            del self._by_engine_id[old_engine_id]   # its CANCELED is not the order's
            self.engine.cancel_order(api_key, name, orderId=old_engine_id)
            engine_type = 'LIMIT_MAKER' if rec['timeInForce'] == 'GTX' else 'LIMIT'
            engine_tif = None if engine_type == 'LIMIT_MAKER' else (
                'GTC' if rec['timeInForce'] == 'GTD' else rec['timeInForce'])
            placed = self.engine.place_order(api_key, name, side, engine_type,
                                             timeInForce=engine_tif, quantity=fmt(qty - executed),
                                             price=fmt(limit), newOrderRespType='ACK')
            self._by_engine_id[placed['orderId']] = (api_key, rec['orderId'])
            self._amending[placed['orderId']] = None
            self._carried[rec['orderId']] = (executed, Decimal(rec['cumQuote']))
            rec['origQty'] = self.contracts.qty_str(name, qty)
            rec['price'] = self.contracts.price_str(name, limit)
            rec['updateTime'] = self.engine.now_ms()
            self.publish('user', api_key, self.order_event(account, rec, 'AMENDMENT'))
            answer = self._answer(rec)
        return answer

    def modify_batch(self, api_key: str, batchOrders: Any = None) -> List[Dict[str, Any]]:
        """``PUT /fapi/v1/batchOrders``: up to 5 modifications; one answer per order."""
        self.ledger.account(api_key)
        results: List[Dict[str, Any]] = []
        for order in _json_list(batchOrders, 5, 'batchOrders'):
            try:
                if not isinstance(order, dict):
                    raise MarketError(-1130, 'Invalid data sent for a parameter.')
                args = {k: v for k, v in order.items() if k in _MODIFY_FIELDS}
                results.append(self.modify(api_key, **args))
            except MarketError as error:
                results.append(error.as_json())
        return results

    def countdown(self, api_key: str, symbol: Any = None,
                  countdownTime: Any = None) -> Dict[str, Any]:
        """``POST /fapi/v1/countdownCancelAll``: cancel the symbol's open orders when
        ``countdownTime`` ms pass without another call; ``0`` stops the countdown."""
        self.ledger.account(api_key)
        name = self.contracts.spec(symbol).symbol
        if missing(countdownTime):
            raise mandatory('countdownTime')
        value = parse_int('countdownTime', countdownTime, 0)
        if value == 0:
            self.countdowns.pop((api_key, name), None)
        else:
            self.countdowns[(api_key, name)] = self.engine.now_ms() + value
        return {'symbol': name, 'countdownTime': str(value)}

    def run_timers(self, now: int) -> None:
        """Cancel the open orders of every countdown that has run out by ``now``, and expire
        the GTD orders whose ``goodTillDate`` has passed."""
        for (api_key, order_id), until in list(self.good_till.items()):
            if until <= now:
                del self.good_till[(api_key, order_id)]
                rec = self.ledger.accounts[api_key].orders[order_id]
                if rec['status'] in OPEN:
                    engine_id = self._engine_id(api_key, order_id)
                    self._expiring[engine_id] = None
                    self.engine.cancel_order(api_key, rec['symbol'], orderId=engine_id)
        for key, deadline in list(self.countdowns.items()):
            if deadline <= now:
                del self.countdowns[key]
                api_key, name = key
                if api_key in self.ledger.accounts:
                    self.cancel_all(api_key, name)

    # -- engine events -> futures records and events ------------------------------------

    def on_execution(self, payload: Dict[str, Any]) -> None:
        """Book one ``executionReport`` of the engine on its futures order."""
        owner = self._by_engine_id.get(payload['i'])
        if owner is None:
            return
        if payload['x'] == 'NEW' and payload['i'] in self._amending:
            del self._amending[payload['i']]
            return
        api_key, order_id = owner
        account = self.ledger.accounts[api_key]
        rec = account.orders[order_id]
        if payload['x'] == 'CANCELED' and payload['i'] in self._expiring:
            del self._expiring[payload['i']]
            payload = dict(payload, x='EXPIRED', X='EXPIRED')   # goodTillDate passed
        if payload['X'] not in OPEN:
            self.good_till.pop((api_key, order_id), None)
        name = rec['symbol']
        carried_qty, carried_quote = self._carried.get(order_id, (ZERO, ZERO))
        executed = carried_qty + Decimal(payload['z'])
        quote = carried_quote + Decimal(payload['Z'])
        rec['status'] = payload['X']
        rec['executedQty'] = rec['cumQty'] = self.contracts.qty_str(name, executed)
        rec['cumQuote'] = self.contracts.quote_str(name, quote)
        rec['updateTime'] = payload['T']
        if executed:
            rec['avgPrice'] = fmt(round8(quote / executed))
        if payload['X'] not in OPEN:
            del self._by_engine_id[payload['i']]
            self._carried.pop(order_id, None)
        realized, fee, trade_id = ZERO, ZERO, 0
        if payload['x'] == 'TRADE':
            realized, fee, trade_id = self.ledger.book_fill(
                account, rec, Decimal(payload['l']), Decimal(payload['L']), bool(payload['m']),
                payload['T'], payload['t'])
        self.publish('user', api_key, self.order_event(account, rec, payload['x'], payload,
                                                       realized, fee, trade_id))
        if payload['x'] == 'TRADE':
            self.publish('user', api_key, self.ledger.account_event(
                account, name, rec['positionSide'], payload['T']))

    def order_event(self, account: FuturesAccount, rec: Dict[str, Any], exec_type: str,
                    payload: Optional[Dict[str, Any]] = None, realized: Decimal = ZERO,
                    fee: Decimal = ZERO, trade_id: int = 0) -> Dict[str, Any]:
        """The ``ORDER_TRADE_UPDATE`` of ``rec``."""
        now = self.engine.now_ms()
        name = rec['symbol']
        numbers = self.ledger.position_numbers(account, name, rec['positionSide'])
        order = {
            's': name, 'c': rec['clientOrderId'], 'S': rec['side'], 'o': rec['type'],
            'f': rec['timeInForce'], 'q': rec['origQty'], 'p': rec['price'],
            'ap': rec['avgPrice'], 'sp': rec['stopPrice'], 'x': exec_type, 'X': rec['status'],
            'i': rec['orderId'],
            'l': self.contracts.qty_str(name, payload['l']) if payload else '0',
            'z': rec['executedQty'],
            'L': self.contracts.price_str(name, payload['L']) if payload else '0',
            'T': now, 't': trade_id if exec_type == 'TRADE' else 0,
            'b': fmt(numbers['bids']), 'a': fmt(numbers['asks']),
            'm': bool(payload['m']) if payload else False, 'R': rec['reduceOnly'],
            'wt': rec['workingType'], 'ot': rec['origType'], 'ps': rec['positionSide'],
            'cp': rec['closePosition'], 'rp': fmt(realized), 'pP': rec['priceProtect'],
            'si': 0, 'ss': 0, 'V': rec['selfTradePreventionMode'], 'pm': rec['priceMatch'],
            'gtd': rec['goodTillDate']}
        if exec_type == 'TRADE':  # Binance sends the commission only with one
            order['N'], order['n'] = self.contracts.margin_asset(name), fmt(fee)
        return {'e': 'ORDER_TRADE_UPDATE', 'E': now, 'T': now, 'o': order}


_BATCH_FIELDS = ('symbol', 'side', 'type', 'positionSide', 'timeInForce', 'quantity',
                 'reduceOnly', 'price', 'newClientOrderId', 'stopPrice', 'closePosition',
                 'workingType', 'priceProtect', 'newOrderRespType', 'goodTillDate')
_MODIFY_FIELDS = ('symbol', 'side', 'quantity', 'price', 'orderId', 'origClientOrderId',
                  'priceMatch')


def _json_list(value: Any, most: int, name: str = '') -> List[Any]:
    """A JSON array parameter of 1 to ``most`` items; -1102 when absent, -1100 when malformed."""
    if missing(value):
        raise mandatory(name or 'orderIdList')
    try:
        items = json.loads(value)
    except (TypeError, ValueError):
        items = None
    if not isinstance(items, list) or not 1 <= len(items) <= most:
        raise MarketError(-1100, 'Illegal characters found in a parameter.')
    return items
