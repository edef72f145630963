"""Orders, positions and the wallet of :class:`binance.testing.futures_market.FuturesMarket`.

Split from :mod:`binance.testing.futures_market` by concern. Orders are
checked as USD-M checks them (position side, reduce-only, initial margin,
minimum notional), then handed to the spot matching engine; every fill it
reports is booked here (position, realized profit, fee) and published as
``ORDER_TRADE_UPDATE`` and ``ACCOUNT_UPDATE``.

Error codes are Binance's USD-M codes: -2019 (margin is insufficient), -2022
(reduce-only rejected), -4028 (leverage not valid), -4046 / -4047 / -4048
(margin type), -4059 / -4067 / -4068 (position mode), -4061 (position side
does not match), -4164 (notional too small), -2011 / -2013 (unknown order),
-1125 (listen key).
"""
import json
from decimal import Decimal
from typing import Any, Callable, Dict, List, Optional

from binance.testing.market_base import MarketError, fmt, missing, parse_decimal, parse_int, round8

ZERO = Decimal(0)
_OPEN = ('NEW', 'PARTIALLY_FILLED')


def _bool(value: Any, name: str) -> bool:
    if missing(value):
        return False
    text = str(value).lower()
    if text not in ('true', 'false'):
        raise MarketError(-1102, "Mandatory parameter '{}' was not sent, was empty/null, or "
                                 "malformed.".format(name))
    return text == 'true'


class FuturesTradingMixin:
    """Account, position and order methods of the futures market (reactor thread)."""

    # provided by FuturesMarket / Market
    _futures: Dict[str, Any]
    price_str: Callable[[str, Any], str]
    qty_str: Callable[[str, Any], str]
    quote_str: Callable[[str, Any], str]

    # -- margin arithmetic --------------------------------------------------------

    def _lev(self, account: Any, symbol: str) -> int:
        from binance.testing.futures_market import DEFAULT_LEVERAGE
        return account.leverage.get(symbol, DEFAULT_LEVERAGE)

    def _open_records(self, account: Any, symbol: Optional[str] = None) -> List[Dict[str, Any]]:
        return [r for r in account.orders.values()
                if r['status'] in _OPEN and (symbol is None or r['symbol'] == symbol)]

    def _order_margin(self, account: Any, rec: Dict[str, Any]) -> Decimal:
        if rec['reduceOnly']:
            return ZERO
        left = Decimal(rec['origQty']) - Decimal(rec['executedQty'])
        price = Decimal(rec['price']) or Decimal(rec['stopPrice']) or \
            self.mark_price_dec(rec['symbol'])  # type: ignore[attr-defined]
        return left * price / self._lev(account, rec['symbol'])

    def _position_numbers(self, account: Any, symbol: str, side: str) -> Dict[str, Decimal]:
        from binance.testing.futures_market import MAINT_RATE
        pos = account.position(symbol, side)
        mark = self.mark_price_dec(symbol)  # type: ignore[attr-defined]
        notional = pos.amount * mark
        lev = self._lev(account, symbol)
        orders = [r for r in self._open_records(account, symbol) if r['positionSide'] == side]
        bids = sum((Decimal(r['origQty']) * Decimal(r['price'] or 0) for r in orders
                    if r['side'] == 'BUY'), ZERO)
        asks = sum((Decimal(r['origQty']) * Decimal(r['price'] or 0) for r in orders
                    if r['side'] == 'SELL'), ZERO)
        return {'mark': mark, 'notional': notional, 'up': pos.amount * (mark - pos.entry),
                'im': abs(notional) / lev, 'mm': abs(notional) * MAINT_RATE,
                'oim': sum((self._order_margin(account, r) for r in orders), ZERO),
                'bids': bids, 'asks': asks}

    def _totals(self, account: Any) -> Dict[str, Decimal]:
        totals = {'up': ZERO, 'im': ZERO, 'mm': ZERO, 'oim': ZERO}
        keys = {key for key in account.positions} | {
            (r['symbol'], r['positionSide']) for r in self._open_records(account)}
        for symbol, side in keys:
            numbers = self._position_numbers(account, symbol, side)
            for name in totals:
                totals[name] += numbers[name]
        wallet = account.wallet.get('USDT', ZERO)
        totals['wallet'] = wallet
        totals['available'] = wallet + totals['up'] - totals['im'] - totals['oim']
        return totals

    # -- orders ---------------------------------------------------------------------

    def f_place_order(self, api_key: str, symbol: Any = None, side: Any = None, type: Any = None,
                      positionSide: Any = None, timeInForce: Any = None, quantity: Any = None,
                      reduceOnly: Any = None, price: Any = None, newClientOrderId: Any = None,
                      stopPrice: Any = None, closePosition: Any = None,
                      newOrderRespType: Any = None, goodTillDate: Any = None) -> Dict[str, Any]:
        """``POST /fapi/v1/order``."""
        from binance.testing.futures_market import _FUTURES_TYPES, _RESP_TYPES, _TIFS
        account = self._faccount(api_key)  # type: ignore[attr-defined]
        sym = self._symbol(symbol)  # type: ignore[attr-defined]
        name = sym.spec.symbol
        if side not in ('BUY', 'SELL'):
            raise MarketError(-1117, 'Invalid side.')
        if type == 'TRAILING_STOP_MARKET':
            # not simulated: the matching engine has no trailing stops
            raise MarketError(-1116, 'Invalid orderType.')
        if type not in _FUTURES_TYPES:
            raise MarketError(-1116, 'Invalid orderType.')
        if not missing(newOrderRespType) and newOrderRespType not in _RESP_TYPES:
            raise MarketError(-1130, 'Invalid data sent for a parameter.')
        position_side = 'BOTH' if missing(positionSide) else positionSide
        if position_side not in ('BOTH', 'LONG', 'SHORT') or \
                (position_side == 'BOTH') == account.dual:
            raise MarketError(-4061, "Order's position side does not match user's setting.")
        reduce_only = _bool(reduceOnly, 'reduceOnly')
        close = _bool(closePosition, 'closePosition')
        if reduce_only and account.dual:
            raise MarketError(-1106, "Parameter 'reduceOnly' sent when not required.")
        pos = account.position(name, position_side)
        if close:
            if type not in ('STOP_MARKET', 'TAKE_PROFIT_MARKET'):
                raise MarketError(-1106, "Parameter 'closePosition' sent when not required.")
            if not missing(quantity):
                raise MarketError(-1106, "Parameter 'quantity' sent when not required.")
            quantity = fmt(abs(pos.amount))  # the position at the time of the order (simplified)
            reduce_only = True
        tif = None
        if type in ('LIMIT', 'STOP', 'TAKE_PROFIT'):
            tif = 'GTC' if missing(timeInForce) else timeInForce
            if tif not in _TIFS:
                raise MarketError(-1115, 'Invalid timeInForce.')
            if tif == 'GTD' and missing(goodTillDate):
                raise MarketError(-1102, "Mandatory parameter 'goodTillDate' was not sent, was "
                                         "empty/null, or malformed.")
        elif not missing(timeInForce):
            raise MarketError(-1106, "Parameter 'timeInForce' sent when not required.")
        if missing(quantity):
            raise MarketError(-1102, "Mandatory parameter 'quantity' was not sent, was "
                                     "empty/null, or malformed.")
        qty = parse_decimal('quantity', quantity)
        if qty <= 0:
            raise MarketError(-4003, 'Quantity less than or equal to zero.')
        signed = qty if side == 'BUY' else -qty
        if reduce_only and (pos.amount == 0 or (pos.amount > 0) == (signed > 0)
                            or qty > abs(pos.amount)):
            raise MarketError(-2022, 'ReduceOnly Order is rejected.')
        limit = None if missing(price) else parse_decimal('price', price)
        stop = None if missing(stopPrice) else parse_decimal('stopPrice', stopPrice)
        reference = limit or stop or self.mark_price_dec(name)  # type: ignore[attr-defined]
        if not reduce_only and qty * reference < sym.spec.min_notional:
            raise MarketError(-4164, "Order's notional must be no smaller than {} (unless you "
                                     "choose reduce only).".format(fmt(sym.spec.min_notional)
                                                                   .rstrip('0').rstrip('.')))
        closing = ZERO
        if pos.amount and (pos.amount > 0) != (signed > 0):
            closing = min(qty, abs(pos.amount))
        need = (qty - closing) * reference / self._lev(account, name)
        if not reduce_only and need > self._totals(account)['available']:
            raise MarketError(-2019, 'Margin is insufficient.')
        engine_type = _FUTURES_TYPES[type]
        engine_tif = tif
        if tif in ('GTX', 'GTD'):
            engine_tif = 'GTC'
            if tif == 'GTX':
                engine_type = 'LIMIT_MAKER' if type == 'LIMIT' else engine_type
        with self._transaction():  # type: ignore[attr-defined]
            try:
                placed = self.place_order(  # type: ignore[attr-defined]
                    api_key, name, side, engine_type,
                    timeInForce=None if engine_type == 'LIMIT_MAKER' else engine_tif,
                    quantity=fmt(qty), price=None if limit is None else fmt(limit),
                    stopPrice=None if stop is None else fmt(stop),
                    newClientOrderId=newClientOrderId, newOrderRespType='ACK')
            except MarketError as error:
                if error.code == -2010 and 'match and take' in error.msg:
                    # a GTX order that would take: Binance accepts and expires it
                    return self._expired_gtx(account, name, side, qty, limit, position_side,
                                             newClientOrderId)
                if error.code == -2010 and 'trigger immediately' in error.msg:
                    raise MarketError(-2021, 'Order would immediately trigger.') from None
                raise
            now = self.now_ms()  # type: ignore[attr-defined]
            rec = {'orderId': placed['orderId'], 'symbol': name, 'status': 'NEW',
                   'clientOrderId': placed['clientOrderId'],
                   'price': self.price_str(name, limit) if limit is not None else '0',
                   'avgPrice': '0', 'origQty': self.qty_str(name, qty), 'executedQty': '0',
                   'cumQty': '0',
                   'cumQuote': '0', 'timeInForce': tif or 'GTC', 'type': type,
                   'reduceOnly': reduce_only, 'closePosition': close, 'side': side,
                   'positionSide': position_side,
                   'stopPrice': self.price_str(name, stop) if stop is not None else '0',
                   'workingType': 'CONTRACT_PRICE', 'priceProtect': False, 'origType': type,
                   'priceMatch': 'NONE', 'selfTradePreventionMode': 'EXPIRE_MAKER',
                   'goodTillDate': 0 if missing(goodTillDate) else parse_int(
                       'goodTillDate', goodTillDate),
                   'time': now, 'updateTime': now}
            account.orders[rec['orderId']] = rec
        return self._order_answer(rec)

    def _expired_gtx(self, account: Any, name: str, side: str, qty: Decimal,
                     limit: Optional[Decimal], position_side: str, client_id: Any) -> Any:
        now = self.now_ms()  # type: ignore[attr-defined]
        self._fill_trade_id += 1  # type: ignore[attr-defined]
        order_id = 8000000000 + self._fill_trade_id  # type: ignore[attr-defined]
        rec = {'orderId': order_id, 'symbol': name, 'status': 'EXPIRED',
               'clientOrderId': client_id if not missing(client_id) else 'gtx{}'.format(order_id),
               'price': self.price_str(name, limit or ZERO), 'avgPrice': '0',
               'origQty': self.qty_str(name, qty),
               'executedQty': '0', 'cumQty': '0', 'cumQuote': '0', 'timeInForce': 'GTX',
               'type': 'LIMIT', 'reduceOnly': False, 'closePosition': False, 'side': side,
               'positionSide': position_side, 'stopPrice': '0', 'workingType': 'CONTRACT_PRICE',
               'priceProtect': False, 'origType': 'LIMIT', 'priceMatch': 'NONE',
               'selfTradePreventionMode': 'EXPIRE_MAKER', 'goodTillDate': 0, 'time': now,
               'updateTime': now}
        account.orders[order_id] = rec
        for exec_type, status in (('NEW', 'NEW'), ('EXPIRED', 'EXPIRED')):
            self._publish('user', account.api_key,  # type: ignore[attr-defined]
                          self._order_event(account, dict(rec, status=status), exec_type,
                                            None, ZERO))
        return self._order_answer(rec)

    @staticmethod
    def _order_answer(rec: Dict[str, Any]) -> Dict[str, Any]:
        answer = {k: v for k, v in rec.items() if k != 'time'}
        return answer

    @staticmethod
    def _order_query(rec: Dict[str, Any]) -> Dict[str, Any]:
        return {k: v for k, v in rec.items() if k != 'cumQty'}

    def _find(self, account: Any, symbol: Any, orderId: Any, origClientOrderId: Any,
              code: int) -> Dict[str, Any]:
        name = self._symbol(symbol).spec.symbol  # type: ignore[attr-defined]
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

    def f_get_order(self, api_key: str, symbol: Any = None, orderId: Any = None,
                    origClientOrderId: Any = None) -> Dict[str, Any]:
        """``GET /fapi/v1/order``."""
        account = self._faccount(api_key)  # type: ignore[attr-defined]
        return self._order_query(self._find(account, symbol, orderId, origClientOrderId, -2013))

    def f_cancel_order(self, api_key: str, symbol: Any = None, orderId: Any = None,
                       origClientOrderId: Any = None) -> Dict[str, Any]:
        """``DELETE /fapi/v1/order``."""
        account = self._faccount(api_key)  # type: ignore[attr-defined]
        rec = self._find(account, symbol, orderId, origClientOrderId, -2011)
        if rec['status'] not in _OPEN:
            raise MarketError(-2011, 'Unknown order sent.')
        self.cancel_order(api_key, rec['symbol'], orderId=rec['orderId'])  # type: ignore
        return self._order_answer(rec)

    def f_cancel_all(self, api_key: str, symbol: Any = None) -> Dict[str, Any]:
        """``DELETE /fapi/v1/allOpenOrders``."""
        account = self._faccount(api_key)  # type: ignore[attr-defined]
        name = self._symbol(symbol).spec.symbol  # type: ignore[attr-defined]
        with self._transaction():  # type: ignore[attr-defined]
            for rec in self._open_records(account, name):
                self.cancel_order(api_key, name, orderId=rec['orderId'])  # type: ignore
        return {'code': 200, 'msg': 'The operation of cancel all open order is done.'}

    def f_cancel_batch(self, api_key: str, symbol: Any = None, orderIdList: Any = None,
                       origClientOrderIdList: Any = None) -> List[Dict[str, Any]]:
        """``DELETE /fapi/v1/batchOrders``: ids as a JSON array; one answer per id."""
        self._faccount(api_key)  # type: ignore[attr-defined]
        if missing(orderIdList) == missing(origClientOrderIdList):
            raise MarketError(-1102, "Param 'orderIdList' or 'origClientOrderIdList' must be "
                                     "sent, but both were empty/null!")
        try:
            ids = json.loads(orderIdList if not missing(orderIdList) else origClientOrderIdList)
        except ValueError:
            ids = None
        if not isinstance(ids, list) or not 1 <= len(ids) <= 10:
            raise MarketError(-1100, 'Illegal characters found in a parameter.')
        results: List[Dict[str, Any]] = []
        for value in ids:
            try:
                if not missing(orderIdList):
                    results.append(self.f_cancel_order(api_key, symbol, orderId=value))
                else:
                    results.append(self.f_cancel_order(api_key, symbol, origClientOrderId=value))
            except MarketError as error:
                results.append(error.as_json())
        return results

    def f_open_orders(self, api_key: str, symbol: Any = None) -> List[Dict[str, Any]]:
        """``GET /fapi/v1/openOrders``."""
        account = self._faccount(api_key)  # type: ignore[attr-defined]
        name = None if missing(symbol) else self._symbol(symbol).spec.symbol  # type: ignore
        return [self._order_query(r) for r in self._open_records(account, name)]

    def f_all_orders(self, api_key: str, symbol: Any = None, orderId: Any = None,
                     startTime: Any = None, endTime: Any = None,
                     limit: Any = None) -> List[Dict[str, Any]]:
        """``GET /fapi/v1/allOrders`` (limit default 500, at most 1000)."""
        account = self._faccount(api_key)  # type: ignore[attr-defined]
        name = self._symbol(symbol).spec.symbol  # type: ignore[attr-defined]
        count = 500 if missing(limit) else parse_int('limit', limit, 1)
        rows = [r for r in account.orders.values() if r['symbol'] == name]
        if not missing(orderId):
            rows = [r for r in rows if r['orderId'] >= parse_int('orderId', orderId)]
        if not missing(startTime):
            rows = [r for r in rows if r['time'] >= parse_int('startTime', startTime)]
        if not missing(endTime):
            rows = [r for r in rows if r['time'] <= parse_int('endTime', endTime)]
        rows.sort(key=lambda r: r['orderId'])
        return [self._order_query(r) for r in rows[:min(count, 1000)]]

    # -- fills -> positions and events ----------------------------------------------------

    def _on_execution(self, account: Any, payload: Dict[str, Any]) -> None:
        from binance.testing.futures_market import MAKER_RATE, TAKER_RATE
        rec = account.orders.get(payload['i'])
        if rec is None:
            return
        rec['status'] = payload['X']
        rec['executedQty'] = rec['cumQty'] = self.qty_str(rec['symbol'], payload['z'])
        rec['cumQuote'] = self.quote_str(rec['symbol'], payload['Z'])
        rec['updateTime'] = payload['T']
        executed = Decimal(payload['z'])
        if executed:
            rec['avgPrice'] = fmt(round8(Decimal(payload['Z']) / executed))
        realized, fee = ZERO, ZERO
        if payload['x'] == 'TRADE':
            qty, price = Decimal(payload['l']), Decimal(payload['L'])
            signed = qty if rec['side'] == 'BUY' else -qty
            pos = account.position(rec['symbol'], rec['positionSide'])
            realized = self._apply_fill(pos, signed, price, payload['T'])
            fee = round8(qty * price * (MAKER_RATE if payload['m'] else TAKER_RATE))
            account.wallet['USDT'] = account.wallet.get('USDT', ZERO) + realized - fee
            account.update_time = payload['T']
            self._fill_trade_id += 1  # type: ignore[attr-defined]
            trade_id = payload['t'] if payload['t'] > 0 else self._fill_trade_id  # type: ignore
            account.trades.append({
                'buyer': rec['side'] == 'BUY', 'commission': fmt(fee), 'commissionAsset': 'USDT',
                'id': trade_id, 'maker': bool(payload['m']), 'orderId': rec['orderId'],
                'price': self.price_str(rec['symbol'], payload['L']),
                'qty': self.qty_str(rec['symbol'], payload['l']),
                'quoteQty': fmt(round8(qty * price)), 'realizedPnl': fmt(realized),
                'side': rec['side'], 'positionSide': rec['positionSide'],
                'symbol': rec['symbol'], 'time': payload['T']})
            for kind, amount in (('REALIZED_PNL', realized), ('COMMISSION', -fee)):
                if amount:
                    account.income.append({
                        'symbol': rec['symbol'], 'incomeType': kind, 'income': fmt(amount),
                        'asset': 'USDT', 'info': kind, 'time': payload['T'],
                        'tranId': 9000000 + len(account.income), 'tradeId': str(trade_id)})
        self._publish('user', account.api_key,  # type: ignore[attr-defined]
                      self._order_event(account, rec, payload['x'], payload, realized,
                                        fee=fee))
        if payload['x'] == 'TRADE':
            self._publish('user', account.api_key,  # type: ignore[attr-defined]
                          self._account_event(account, rec['symbol'], rec['positionSide'],
                                              payload['T']))

    @staticmethod
    def _apply_fill(pos: Any, signed: Decimal, price: Decimal, now: int) -> Decimal:
        """Book one fill on a position; the realized profit of the part that closed."""
        amount = pos.amount
        pos.update_time = now
        if amount == 0 or (amount > 0) == (signed > 0):
            total = amount + signed
            pos.entry = (abs(amount) * pos.entry + abs(signed) * price) / abs(total)
            pos.amount = total
            return ZERO
        closing = min(abs(signed), abs(amount))
        realized = round8(closing * (price - pos.entry) * (1 if amount > 0 else -1))
        total = amount + signed
        if total == 0:
            pos.entry = ZERO
        elif (total > 0) != (amount > 0):
            pos.entry = price
        pos.amount = total
        pos.realized += realized
        return realized

    def _order_event(self, account: Any, rec: Dict[str, Any], exec_type: str,
                     payload: Optional[Dict[str, Any]], realized: Decimal,
                     fee: Decimal = ZERO) -> Dict[str, Any]:
        now = self.now_ms()  # type: ignore[attr-defined]
        numbers = self._position_numbers(account, rec['symbol'], rec['positionSide'])
        order = {
            's': rec['symbol'], 'c': rec['clientOrderId'], 'S': rec['side'], 'o': rec['type'],
            'f': rec['timeInForce'], 'q': rec['origQty'], 'p': rec['price'],
            'ap': rec['avgPrice'], 'sp': rec['stopPrice'], 'x': exec_type, 'X': rec['status'],
            'i': rec['orderId'],
            'l': self.qty_str(rec['symbol'], payload['l']) if payload else '0',
            'z': rec['executedQty'],
            'L': self.price_str(rec['symbol'], payload['L']) if payload else '0',
            'T': now, 't': payload['t'] if payload and exec_type == 'TRADE' else 0,
            'b': fmt(numbers['bids']), 'a': fmt(numbers['asks']),
            'm': bool(payload['m']) if payload else False, 'R': rec['reduceOnly'],
            'wt': rec['workingType'], 'ot': rec['origType'], 'ps': rec['positionSide'],
            'cp': rec['closePosition'], 'rp': fmt(realized), 'pP': False, 'si': 0, 'ss': 0,
            'V': rec['selfTradePreventionMode'], 'pm': rec['priceMatch'],
            'gtd': rec['goodTillDate']}
        if exec_type == 'TRADE':  # Binance sends the commission only with one
            order['N'], order['n'] = 'USDT', fmt(fee)
        return {'e': 'ORDER_TRADE_UPDATE', 'E': now, 'T': now, 'o': order}

    def _account_event(self, account: Any, symbol: str, side: str, now: int) -> Dict[str, Any]:
        pos = account.position(symbol, side)
        numbers = self._position_numbers(account, symbol, side)
        wallet = fmt(account.wallet.get('USDT', ZERO))
        return {'e': 'ACCOUNT_UPDATE', 'E': now, 'T': now, 'a': {
            'm': 'ORDER',
            'B': [{'a': 'USDT', 'wb': wallet, 'cw': wallet, 'bc': '0'}],
            'P': [{'s': symbol, 'pa': self.qty_str(symbol, pos.amount), 'ep': fmt(round8(pos.entry)),
                   'bep': fmt(round8(self._break_even(pos))), 'cr': fmt(pos.realized),
                   'up': fmt(round8(numbers['up'])),
                   'mt': account.margin_type.get(symbol, 'CROSSED').lower().replace(
                       'crossed', 'cross'),
                   'iw': fmt(pos.isolated_wallet), 'ps': side}]}}

    @staticmethod
    def _break_even(pos: Any) -> Decimal:
        from binance.testing.futures_market import TAKER_RATE
        if not pos.amount:
            return ZERO
        return pos.entry * (1 + TAKER_RATE if pos.amount > 0 else 1 - TAKER_RATE)
