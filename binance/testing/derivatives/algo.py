"""The Algo Service of the derivatives engine: USD-M's conditional orders.

Since 2025-12-09 Binance keeps STOP, STOP_MARKET, TAKE_PROFIT,
TAKE_PROFIT_MARKET and TRAILING_STOP_MARKET orders outside the matching
engine (``POST /fapi/v1/algoOrder``, ``algoType=CONDITIONAL``). The service
keeps each one ``NEW`` until its price condition holds, on the contract
price or the mark price (``workingType``; with ``priceProtect`` not while
the two differ by more than ``triggerProtect``), then sends the actual order
to the order desk: ``TRIGGERING`` → ``TRIGGERED`` (``ai``: the actual order)
→ ``FINISHED`` once that order is done, or ``REJECTED`` (``rm``: why) when
the desk refuses it. Every change is an ``ALGO_UPDATE`` on the futures user
stream; the actual order has its own ``ORDER_TRADE_UPDATE`` events
(``o`` ``MARKET``/``LIMIT``, ``ot`` the conditional type).

Conditions (Binance's "New Algo Order" notes): STOP/STOP_MARKET trigger a
BUY at price >= triggerPrice and a SELL at price <= triggerPrice;
TAKE_PROFIT/TAKE_PROFIT_MARKET the other way round; a trailing SELL, once
the price reached ``activatePrice`` (default: the price at placement),
triggers when the price falls ``callbackRate`` % from the highest price
since, a BUY when it rises that much from the lowest. A close-position
order closes the whole position when it triggers, and is ``EXPIRED`` by the
system when a position it would close is closed before that.
"""
from decimal import Decimal
from typing import Any, Dict, List, Optional

from binance.testing.derivatives.contract import (CONDITIONAL_TYPES, MAX_NUM_ALGO_ORDERS,
                                                  TRIGGER_PROTECT, Contracts)
from binance.testing.derivatives.ledger import OPEN, Ledger
from binance.testing.derivatives.orders import (OrderDesk, Publish, check_client_id,
                                                check_limit_fields, check_side, parse_bool,
                                                position_side_of, working_type)
from binance.testing.derivatives.prices import Prices
from binance.testing.market_base import (MarketError, mandatory, missing, not_required,
                                         parse_decimal, parse_int)

__all__ = ['AlgoService']

ZERO = Decimal(0)
_LIMIT_TYPES = ('STOP', 'TAKE_PROFIT')
_CLOSE_TYPES = ('STOP_MARKET', 'TAKE_PROFIT_MARKET')
_ALIVE = ('NEW',)
_FINAL = ('FINISHED', 'CANCELED', 'REJECTED', 'EXPIRED')
_SEVEN_DAYS_MS = 7 * 24 * 3600 * 1000


class AlgoService:
    """Conditional orders of one futures market (see the module docs)."""

    def __init__(self, contracts: Contracts, prices: Prices, ledger: Ledger, desk: OrderDesk,
                 publish: Publish) -> None:
        self.contracts = contracts
        self.prices = prices
        self.ledger = ledger
        self.desk = desk
        self.publish = publish
        self.algos: Dict[int, Dict[str, Any]] = {}
        #: algoIds not yet final (NEW or waiting for their actual order), in placing order
        self.live: Dict[int, None] = {}
        self._state: Dict[int, Dict[str, Any]] = {}   # algoId -> owner, extremes, flags
        self._next_id = 3000000000
        self._checking = False
        self._again = False
        self._seen: Dict[Any, Decimal] = {}   # prices read in this round of check()

    # -- placing ----------------------------------------------------------------------

    def place(self, api_key: str, algoType: Any = None, symbol: Any = None, side: Any = None,
              type: Any = None, positionSide: Any = None, timeInForce: Any = None,
              quantity: Any = None, price: Any = None, triggerPrice: Any = None,
              workingType: Any = None, priceMatch: Any = None, closePosition: Any = None,
              priceProtect: Any = None, reduceOnly: Any = None, activatePrice: Any = None,
              callbackRate: Any = None, clientAlgoId: Any = None, newOrderRespType: Any = None,
              selfTradePreventionMode: Any = None,
              goodTillDate: Any = None) -> Dict[str, Any]:
        """``POST /fapi/v1/algoOrder``."""
        account = self.ledger.account(api_key)
        if missing(algoType):
            raise mandatory('algoType')
        if algoType != 'CONDITIONAL':
            raise MarketError(-1130, 'Invalid data sent for a parameter.')
        name = self.contracts.spec(symbol).symbol
        check_side(side)
        if type not in CONDITIONAL_TYPES:
            raise mandatory('type') if missing(type) else MarketError(-1116, 'Invalid orderType.')
        working = working_type(workingType)
        position_side = position_side_of(positionSide, account)
        close = parse_bool(closePosition, 'closePosition')
        reduce_only = parse_bool(reduceOnly, 'reduceOnly')
        protect = parse_bool(priceProtect, 'priceProtect')
        if close:
            if type not in _CLOSE_TYPES:
                raise not_required('closePosition')
            if not missing(quantity):
                raise not_required('quantity')
            if reduce_only:
                raise not_required('reduceOnly')
            if account.dual and (side, position_side) in (('BUY', 'LONG'), ('SELL', 'SHORT')):
                raise MarketError(-4061, "Order's position side does not match user's "
                                         "setting.")
        if reduce_only and account.dual:
            raise not_required('reduceOnly')
        tif = 'GTC'
        if type in _LIMIT_TYPES:
            tif = 'GTC' if missing(timeInForce) else timeInForce
            check_limit_fields(tif, goodTillDate, price)
        elif not missing(timeInForce):
            raise not_required('timeInForce')
        elif not missing(price):
            raise not_required('price')
        if close:
            tif = 'GTE_GTC'   # Binance's time in force of a close-position order
        qty = ZERO
        if not close:
            if missing(quantity):
                raise mandatory('quantity')
            qty = parse_decimal('quantity', quantity)
            self.contracts.check_qty(name, qty)
        limit = None
        if type in _LIMIT_TYPES:
            limit = parse_decimal('price', price)
            self.contracts.check_price(name, limit)
        current = self.prices.working(name, working)
        trigger = None
        activate, rate = None, None
        if type == 'TRAILING_STOP_MARKET':
            if missing(callbackRate):
                raise mandatory('callbackRate')
            rate = parse_decimal('callbackRate', callbackRate)
            if not Decimal('0.1') <= rate <= Decimal('10'):
                raise MarketError(-1130, 'Invalid data sent for a parameter.')
            if not missing(triggerPrice):
                raise not_required('triggerPrice')
            activate = current if missing(activatePrice) else parse_decimal(
                'activatePrice', activatePrice)
            self.contracts.check_price(name, activate, 'stopPrice')
            if (side == 'BUY' and activate > current) or (side == 'SELL' and activate < current):
                raise MarketError(-2021, 'Order would immediately trigger.')
        else:
            if not missing(activatePrice) or not missing(callbackRate):
                raise not_required('activatePrice' if not missing(activatePrice)
                                   else 'callbackRate')
            if missing(triggerPrice):
                raise mandatory('triggerPrice')
            trigger = parse_decimal('triggerPrice', triggerPrice)
            self.contracts.check_price(name, trigger, 'stopPrice')
            if self._condition(type, side, trigger, current):
                raise MarketError(-2021, 'Order would immediately trigger.')
        if not (close or reduce_only):
            self.contracts.check_notional(name, self.contracts.notional(
                name, qty, limit or trigger or activate or current))
        mine = [a for a in self.algos.values()
                if self._state[a['algoId']]['api_key'] == api_key and a['algoStatus'] in _ALIVE]
        if sum(1 for a in mine if a['symbol'] == name) >= MAX_NUM_ALGO_ORDERS:
            raise MarketError(-4045, 'Reach max stop order limit.')
        if missing(clientAlgoId):
            client_id = 'algo{}'.format(self._next_id + 1)
        else:
            client_id = clientAlgoId
            check_client_id(client_id, 'clientAlgoId', {a['clientAlgoId'] for a in mine})
        self._next_id += 1
        now = self.prices.now_ms()
        algo = {'algoId': self._next_id, 'clientAlgoId': client_id, 'algoType': 'CONDITIONAL',
                'orderType': type, 'symbol': name, 'side': side, 'positionSide': position_side,
                'timeInForce': tif,
                'quantity': self.contracts.qty_str(name, qty),
                'algoStatus': 'NEW',
                'triggerPrice': self.contracts.price_str(name, trigger or ZERO),
                'price': self.contracts.price_str(name, limit or ZERO),
                'icebergQuantity': None,
                'selfTradePreventionMode': 'EXPIRE_MAKER' if missing(selfTradePreventionMode)
                else selfTradePreventionMode,
                'workingType': working, 'priceMatch': 'NONE' if missing(priceMatch)
                else priceMatch,
                'closePosition': close, 'priceProtect': protect, 'reduceOnly': reduce_only,
                'activatePrice': self.contracts.price_str(name, activate) if activate else '',
                'callbackRate': str(rate) if rate is not None else '',
                'createTime': now, 'updateTime': now, 'triggerTime': 0,
                'goodTillDate': 0 if missing(goodTillDate) else parse_int('goodTillDate',
                                                                          goodTillDate)}
        self.algos[algo['algoId']] = algo
        self.live[algo['algoId']] = None
        pos = account.position(name, position_side)
        self._state[algo['algoId']] = {
            'api_key': api_key, 'extreme': None, 'activated': activate is None or (
                activate == current), 'order_id': None,
            'had_position': close and self._closable(pos.amount, side) != ZERO}
        self._event(algo)
        return self._answer(algo)

    @staticmethod
    def _condition(type_: str, side: str, trigger: Decimal, price: Decimal) -> bool:
        if type_ in ('STOP', 'STOP_MARKET'):
            return price >= trigger if side == 'BUY' else price <= trigger
        return price <= trigger if side == 'BUY' else price >= trigger

    @staticmethod
    def _closable(amount: Decimal, side: str) -> Decimal:
        """What a close-position order of ``side`` would close of a position of ``amount``."""
        if side == 'SELL' and amount > 0:
            return amount
        if side == 'BUY' and amount < 0:
            return -amount
        return ZERO

    # -- answers and events -------------------------------------------------------------

    @staticmethod
    def _answer(algo: Dict[str, Any]) -> Dict[str, Any]:
        return dict(algo)

    def _query(self, algo: Dict[str, Any]) -> Dict[str, Any]:
        row = {k: v for k, v in algo.items() if k not in ('activatePrice', 'callbackRate')}
        order = self._actual(algo)
        row.update(actualOrderId=str(order['orderId']) if order else '',
                   actualPrice=order['avgPrice'] if order else '0.00000',
                   actualType=order['type'] if order else '',
                   actualQty=order['executedQty'] if order else '0', tpOrderType='')
        if algo['orderType'] == 'TRAILING_STOP_MARKET':
            row.update(activatePrice=algo['activatePrice'], callbackRate=algo['callbackRate'])
        return row

    def _actual(self, algo: Dict[str, Any]) -> Optional[Dict[str, Any]]:
        state = self._state[algo['algoId']]
        if state['order_id'] is None:
            return None
        return self.ledger.accounts[state['api_key']].orders.get(state['order_id'])

    def _event(self, algo: Dict[str, Any], reason: str = '') -> None:
        state = self._state[algo['algoId']]
        now = self.prices.now_ms()
        body: Dict[str, Any] = {
            'caid': algo['clientAlgoId'], 'aid': algo['algoId'], 'at': 'CONDITIONAL',
            'o': algo['orderType'], 's': algo['symbol'], 'S': algo['side'],
            'ps': algo['positionSide'], 'f': algo['timeInForce'], 'q': algo['quantity'],
            'X': algo['algoStatus'], 'tp': algo['triggerPrice'], 'p': algo['price'],
            'V': algo['selfTradePreventionMode'], 'wt': algo['workingType'],
            'pm': algo['priceMatch'], 'cp': algo['closePosition'], 'pP': algo['priceProtect'],
            'R': algo['reduceOnly'], 'tt': algo['triggerTime'], 'gtd': algo['goodTillDate'],
            'rm': reason}
        order = self._actual(algo)
        if order is not None:
            body.update(ai=str(order['orderId']), ap=order['avgPrice'],
                        aq=order['executedQty'], act=order['type'])
        if algo['orderType'] == 'TRAILING_STOP_MARKET':
            body['ia'] = bool(state['activated'])
        self.publish('user', state['api_key'], {'e': 'ALGO_UPDATE', 'T': now, 'E': now,
                                                'o': body})

    def _set(self, algo: Dict[str, Any], status: str, reason: str = '') -> None:
        if status in _FINAL:
            self.live.pop(algo['algoId'], None)
        algo['algoStatus'] = status
        algo['updateTime'] = self.prices.now_ms()
        self._event(algo, reason)

    # -- queries and cancels --------------------------------------------------------------

    def _find(self, api_key: str, algoId: Any, clientAlgoId: Any, code: int) -> Dict[str, Any]:
        if missing(algoId) and missing(clientAlgoId):
            raise MarketError(-1102, "Param 'clientAlgoId' or 'algoId' must be sent, but both "
                                     "were empty/null!")
        for algo in self.algos.values():
            if self._state[algo['algoId']]['api_key'] != api_key:
                continue
            if (not missing(algoId) and str(algo['algoId']) == str(algoId)) or \
                    (missing(algoId) and algo['clientAlgoId'] == clientAlgoId):
                return algo
        if code == -2013:
            raise MarketError(-2013, 'Order does not exist.')
        raise MarketError(-2011, 'Unknown order sent.')

    def get(self, api_key: str, algoId: Any = None, clientAlgoId: Any = None) -> Dict[str, Any]:
        """``GET /fapi/v1/algoOrder``."""
        self.ledger.account(api_key)
        return self._query(self._find(api_key, algoId, clientAlgoId, -2013))

    def cancel(self, api_key: str, algoId: Any = None,
               clientAlgoId: Any = None) -> Dict[str, Any]:
        """``DELETE /fapi/v1/algoOrder``: only a conditional order not yet triggered."""
        self.ledger.account(api_key)
        algo = self._find(api_key, algoId, clientAlgoId, -2011)
        if algo['algoStatus'] not in _ALIVE:
            raise MarketError(-2011, 'Unknown order sent.')
        self._set(algo, 'CANCELED')
        return {'algoId': algo['algoId'], 'clientAlgoId': algo['clientAlgoId'],
                'code': '200', 'msg': 'success'}

    def cancel_all(self, api_key: str, symbol: Any = None) -> Dict[str, Any]:
        """``DELETE /fapi/v1/algoOpenOrders``."""
        self.ledger.account(api_key)
        name = self.contracts.spec(symbol).symbol
        for algo in self.open_records(api_key, name):
            self._set(algo, 'CANCELED')
        return {'code': 200, 'msg': 'The operation of cancel all open order is done.'}

    def open_records(self, api_key: str, symbol: Optional[str] = None) -> List[Dict[str, Any]]:
        return [a for a in self.algos.values()
                if self._state[a['algoId']]['api_key'] == api_key and a['algoStatus'] in _ALIVE
                and (symbol is None or a['symbol'] == symbol)]

    def open_orders(self, api_key: str, algoType: Any = None, symbol: Any = None,
                    algoId: Any = None) -> List[Dict[str, Any]]:
        """``GET /fapi/v1/openAlgoOrders``; every symbol without ``symbol``."""
        self.ledger.account(api_key)
        if not missing(algoType) and algoType != 'CONDITIONAL':
            raise MarketError(-1130, 'Invalid data sent for a parameter.')
        name = None if missing(symbol) else self.contracts.spec(symbol).symbol
        rows = self.open_records(api_key, name)
        if not missing(algoId):
            rows = [a for a in rows if str(a['algoId']) == str(algoId)]
        return [self._query(a) for a in rows]

    def all_orders(self, api_key: str, symbol: Any = None, algoId: Any = None,
                   startTime: Any = None, endTime: Any = None,
                   limit: Any = None) -> List[Dict[str, Any]]:
        """``GET /fapi/v1/allAlgoOrders``: the last 7 days by default (limit default 500,
        at most 1000); from ``algoId`` on when it is sent."""
        self.ledger.account(api_key)
        name = self.contracts.spec(symbol).symbol
        count = 500 if missing(limit) else parse_int('limit', limit, 1)
        if count > 1000:
            raise MarketError(-1130, 'Invalid data sent for a parameter.')
        end = self.prices.now_ms() if missing(endTime) else parse_int('endTime', endTime)
        start = end - _SEVEN_DAYS_MS if missing(startTime) else parse_int('startTime', startTime)
        if end - start > _SEVEN_DAYS_MS:
            raise MarketError(-1127, 'More than 7 days between startTime and endTime.')
        rows = [a for a in self.algos.values()
                if self._state[a['algoId']]['api_key'] == api_key and a['symbol'] == name]
        if not missing(algoId):
            rows = [a for a in rows if a['algoId'] >= parse_int('algoId', algoId)][:count]
        else:
            rows = [a for a in rows if start <= a['createTime'] <= end][-count:]
        return [self._query(a) for a in rows]

    # -- triggering ---------------------------------------------------------------------

    def check(self) -> None:
        """Trigger, finish and expire conditional orders at the current prices.

        Called after every batch of market events (and by the price hook);
        an actual order placed from here causes events of its own, which
        call it again: those calls only ask for one more round.
        """
        if self._checking:
            self._again = True
            return
        self._checking = True
        try:
            self._again = True
            while self._again:
                self._again = False
                self._seen = {}
                for algo_id in list(self.live):
                    algo = self.algos[algo_id]
                    status = algo['algoStatus']
                    if status == 'NEW':
                        self._watch(algo)
                    elif status == 'TRIGGERED':
                        order = self._actual(algo)
                        if order is None or order['status'] not in OPEN:
                            self._set(algo, 'FINISHED')
        finally:
            self._checking = False

    def _watch(self, algo: Dict[str, Any]) -> None:
        state = self._state[algo['algoId']]
        name, side = algo['symbol'], algo['side']
        account = self.ledger.accounts[state['api_key']]
        if algo['closePosition']:
            closable = self._closable(account.position(name, algo['positionSide']).amount, side)
            if closable:
                state['had_position'] = True
            elif state['had_position']:
                self._set(algo, 'EXPIRED')
                return
        key = (name, algo['workingType'])
        price = self._seen.get(key)
        if price is None:
            price = self._seen[key] = self.prices.working(name, algo['workingType'])
        if algo['orderType'] == 'TRAILING_STOP_MARKET':
            if not self._trailing(algo, state, price):
                return
        elif not self._condition(algo['orderType'], side, Decimal(algo['triggerPrice']), price):
            return
        if algo['priceProtect']:
            mark, last = self.prices.mark(name), self.prices.last(name)
            if mark and abs(mark - last) / mark > TRIGGER_PROTECT:
                return
        self._trigger(algo, state, account)

    @staticmethod
    def _trailing(algo: Dict[str, Any], state: Dict[str, Any], price: Decimal) -> bool:
        side = algo['side']
        if not state['activated']:
            activate = Decimal(algo['activatePrice'])
            if (side == 'SELL' and price >= activate) or (side == 'BUY' and price <= activate):
                state['activated'] = True
            else:
                return False
        extreme = state['extreme']
        if extreme is None or (side == 'SELL' and price > extreme) or \
                (side == 'BUY' and price < extreme):
            state['extreme'] = extreme = price
        rate = Decimal(algo['callbackRate']) / 100
        if side == 'SELL':
            return price <= extreme * (1 - rate)
        return price >= extreme * (1 + rate)

    def _trigger(self, algo: Dict[str, Any], state: Dict[str, Any], account: Any) -> None:
        name = algo['symbol']
        algo['triggerTime'] = self.prices.now_ms()
        self._set(algo, 'TRIGGERING')
        args: Dict[str, Any] = {'symbol': name, 'side': algo['side'],
                                'positionSide': algo['positionSide'],
                                'workingType': algo['workingType'],
                                'priceProtect': str(algo['priceProtect']).lower(),
                                'stopPrice': algo['triggerPrice']}
        if algo['orderType'] in _LIMIT_TYPES:
            args.update(type='LIMIT', price=algo['price'], timeInForce=algo['timeInForce'])
            if algo['timeInForce'] == 'GTD':
                args['goodTillDate'] = algo['goodTillDate']
        else:
            args['type'] = 'MARKET'
        if algo['closePosition']:
            amount = account.position(name, algo['positionSide']).amount
            args.update(quantity=self.contracts.qty_str(name, self._closable(amount,
                                                                             algo['side'])),
                        closePosition='true')
            if not account.dual:
                args['reduceOnly'] = 'true'
        else:
            args['quantity'] = algo['quantity']
            if algo['reduceOnly']:
                args['reduceOnly'] = 'true'
        try:
            placed = self.desk.place(state['api_key'], orig_type=algo['orderType'], **args)
        except MarketError as error:
            self._set(algo, 'REJECTED', error.msg)
            return
        state['order_id'] = placed['orderId']
        self._set(algo, 'TRIGGERED')
        self._again = True   # the actual order may be done already

    def has_open(self, api_key: str) -> bool:
        """Whether ``api_key`` has a conditional order not yet triggered."""
        return bool(self.open_records(api_key))
