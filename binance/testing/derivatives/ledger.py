"""Accounts, positions and margin of the derivatives engine.

The :class:`Ledger` keeps each API key's futures account: the wallet,
leverage and margin type per symbol, one-way (``BOTH``) or hedge
(``LONG``/``SHORT``) positions, its orders' records (the order desk writes
them), trades, income and margin changes. It books fills (position, entry
price, realized profit, fee) in the contract kind's arithmetic and answers
``/fapi/v3/account``, ``/fapi/v3/balance``, ``/fapi/v3/positionRisk``,
``/fapi/v1/leverage``, ``/fapi/v1/marginType``, ``/fapi/v1/positionMargin``,
``/fapi/v1/positionSide/dual``, ``/fapi/v1/userTrades``, ``/fapi/v1/income``
and ``/fapi/v1/commissionRate``.

Simplifications (documented, not Binance's exact risk engine): one leverage
bracket per symbol, maintenance margin 0.4 % of the notional, and the
liquidation price of an isolated position at that rate for every position.
"""
from decimal import Decimal
from typing import Any, Callable, Dict, List, Optional, Tuple

from binance.testing.derivatives.contract import (DEFAULT_LEVERAGE, MAINT_RATE, MAKER_RATE,
                                                  MAX_LEVERAGE, TAKER_RATE, Contracts)
from binance.testing.derivatives.prices import Prices
from binance.testing.market_base import MarketError, fmt, missing, parse_decimal, parse_int, round8

__all__ = ['Ledger', 'FuturesAccount', 'Position', 'OPEN']

ZERO = Decimal(0)
#: Statuses of an order still on the book.
OPEN = ('NEW', 'PARTIALLY_FILLED')


class Position:
    """One position: signed amount, entry price, realized profit, isolated wallet."""

    __slots__ = ('amount', 'entry', 'realized', 'isolated_wallet', 'update_time')

    def __init__(self) -> None:
        self.amount = ZERO
        self.entry = ZERO
        self.realized = ZERO
        self.isolated_wallet = ZERO
        self.update_time = 0


class FuturesAccount:
    """One API key's futures account."""

    def __init__(self, api_key: str, wallet: Dict[str, Decimal], now: int) -> None:
        self.api_key = api_key
        self.wallet = wallet
        self.leverage: Dict[str, int] = {}
        self.margin_type: Dict[str, str] = {}
        self.dual = False
        self.positions: Dict[Tuple[str, str], Position] = {}
        self.orders: Dict[int, Dict[str, Any]] = {}  # orderId -> futures fields
        self.trades: List[Dict[str, Any]] = []
        self.income: List[Dict[str, Any]] = []
        self.margin_history: List[Dict[str, Any]] = []
        self.update_time = now

    def position(self, symbol: str, side: str) -> Position:
        return self.positions.setdefault((symbol, side), Position())

    def open_records(self, symbol: Optional[str] = None) -> List[Dict[str, Any]]:
        """The account's orders still on the book (of ``symbol``)."""
        return [r for r in self.orders.values()
                if r['status'] in OPEN and (symbol is None or r['symbol'] == symbol)]


class Ledger:
    """Every futures account of one market (see the module docs).

    :param contracts: the listed contracts (formats, contract kind).
    :param prices: mark prices for profit and margin.
    :param now_ms: the market's clock.
    """

    def __init__(self, contracts: Contracts, prices: Prices, now_ms: Callable[[], int]) -> None:
        self.contracts = contracts
        self.prices = prices
        self.now_ms = now_ms
        self.accounts: Dict[str, FuturesAccount] = {}
        self._trade_id = 1

    def open(self, api_key: str, wallet: Dict[str, Decimal]) -> FuturesAccount:
        """Create the account of ``api_key`` (or reset its wallet)."""
        account = self.accounts.get(api_key)
        if account is None:
            account = self.accounts[api_key] = FuturesAccount(api_key, wallet, self.now_ms())
        else:
            account.wallet = wallet
        return account

    def account(self, api_key: Any) -> FuturesAccount:
        """The account of ``api_key``; -2015 for an unknown key."""
        account = self.accounts.get(api_key) if isinstance(api_key, str) else None
        if account is None:
            raise MarketError(-2015, 'Invalid API-key, IP, or permissions for action.', 401)
        return account

    def next_trade_id(self) -> int:
        self._trade_id += 1
        return self._trade_id

    # -- margin arithmetic --------------------------------------------------------

    @staticmethod
    def leverage_of(account: FuturesAccount, symbol: str) -> int:
        return account.leverage.get(symbol, DEFAULT_LEVERAGE)

    def order_margin(self, account: FuturesAccount, rec: Dict[str, Any]) -> Decimal:
        """Initial margin an open order holds (none for reduce-only orders)."""
        if rec['reduceOnly']:
            return ZERO
        left = Decimal(rec['origQty']) - Decimal(rec['executedQty'])
        price = Decimal(rec['price']) or self.prices.mark(rec['symbol'])
        return self.contracts.notional(rec['symbol'], left, price) / self.leverage_of(
            account, rec['symbol'])

    def position_numbers(self, account: FuturesAccount, symbol: str,
                         side: str) -> Dict[str, Decimal]:
        contracts = self.contracts
        pos = account.position(symbol, side)
        mark = self.prices.mark(symbol)
        notional = contracts.notional(symbol, pos.amount, mark)
        lev = self.leverage_of(account, symbol)
        orders = [r for r in account.open_records(symbol) if r['positionSide'] == side]
        bids = sum((contracts.notional(symbol, Decimal(r['origQty']), Decimal(r['price']))
                    for r in orders if r['side'] == 'BUY' and Decimal(r['price'])), ZERO)
        asks = sum((contracts.notional(symbol, Decimal(r['origQty']), Decimal(r['price']))
                    for r in orders if r['side'] == 'SELL' and Decimal(r['price'])), ZERO)
        up = contracts.pnl(symbol, pos.amount, pos.entry, mark) if pos.amount else ZERO
        return {'mark': mark, 'notional': notional, 'up': up,
                'im': abs(notional) / lev, 'mm': abs(notional) * MAINT_RATE,
                'oim': sum((self.order_margin(account, r) for r in orders), ZERO),
                'bids': bids, 'asks': asks}

    def totals(self, account: FuturesAccount, asset: str) -> Dict[str, Decimal]:
        """Profit and margins of the contracts ``asset`` margins, and what is available."""
        totals = {'up': ZERO, 'im': ZERO, 'mm': ZERO, 'oim': ZERO}
        keys = set(account.positions) | {
            (r['symbol'], r['positionSide']) for r in account.open_records()}
        for symbol, side in keys:
            if self.contracts.margin_asset(symbol) != asset:
                continue
            numbers = self.position_numbers(account, symbol, side)
            for name in totals:
                totals[name] += numbers[name]
        wallet = account.wallet.get(asset, ZERO)
        totals['wallet'] = wallet
        totals['available'] = wallet + totals['up'] - totals['im'] - totals['oim']
        return totals

    # -- fills --------------------------------------------------------------------

    def book_fill(self, account: FuturesAccount, rec: Dict[str, Any], qty: Decimal,
                  price: Decimal, maker: bool, time_ms: int,
                  trade_id: int) -> Tuple[Decimal, Decimal, int]:
        """Book one fill of ``rec``: ``(realized profit, fee, trade id)``."""
        signed = qty if rec['side'] == 'BUY' else -qty
        pos = account.position(rec['symbol'], rec['positionSide'])
        realized = self._apply_fill(rec['symbol'], pos, signed, price, time_ms)
        fee = round8(self.contracts.notional(rec['symbol'], qty, price) * (
            MAKER_RATE if maker else TAKER_RATE))
        asset = self.contracts.margin_asset(rec['symbol'])
        account.wallet[asset] = account.wallet.get(asset, ZERO) + realized - fee
        account.update_time = time_ms
        trade_id = trade_id if trade_id > 0 else self.next_trade_id()
        name = rec['symbol']
        account.trades.append({
            'buyer': rec['side'] == 'BUY', 'commission': fmt(fee), 'commissionAsset': asset,
            'id': trade_id, 'maker': maker, 'orderId': rec['orderId'],
            'price': self.contracts.price_str(name, price),
            'qty': self.contracts.qty_str(name, qty),
            'quoteQty': fmt(round8(qty * price)), 'realizedPnl': fmt(realized),
            'side': rec['side'], 'positionSide': rec['positionSide'],
            'symbol': name, 'time': time_ms})
        for kind, amount in (('REALIZED_PNL', realized), ('COMMISSION', -fee)):
            if amount:
                account.income.append({
                    'symbol': name, 'incomeType': kind, 'income': fmt(amount),
                    'asset': asset, 'info': kind, 'time': time_ms,
                    'tranId': 9000000 + len(account.income), 'tradeId': str(trade_id)})
        return realized, fee, trade_id

    def _apply_fill(self, symbol: str, pos: Position, signed: Decimal, price: Decimal,
                    now: int) -> Decimal:
        """Book one fill on a position; the realized profit of the part that closed."""
        amount = pos.amount
        pos.update_time = now
        if amount == 0 or (amount > 0) == (signed > 0):
            pos.entry = self.contracts.kind.average_entry(amount, pos.entry, signed, price)
            pos.amount = amount + signed
            return ZERO
        closing = min(abs(signed), abs(amount))
        realized = round8(self.contracts.pnl(symbol, closing if amount > 0 else -closing,
                                             pos.entry, price))
        total = amount + signed
        if total == 0:
            pos.entry = ZERO
        elif (total > 0) != (amount > 0):
            pos.entry = price
        pos.amount = total
        pos.realized += realized
        return realized

    @staticmethod
    def break_even(pos: Position) -> Decimal:
        if not pos.amount:
            return ZERO
        return pos.entry * (1 + TAKER_RATE if pos.amount > 0 else 1 - TAKER_RATE)

    def account_event(self, account: FuturesAccount, symbol: str, side: str,
                      now: int) -> Dict[str, Any]:
        """The ``ACCOUNT_UPDATE`` of a fill (reason ``ORDER``)."""
        pos = account.position(symbol, side)
        numbers = self.position_numbers(account, symbol, side)
        asset = self.contracts.margin_asset(symbol)
        wallet = fmt(account.wallet.get(asset, ZERO))
        return {'e': 'ACCOUNT_UPDATE', 'E': now, 'T': now, 'a': {
            'm': 'ORDER',
            'B': [{'a': asset, 'wb': wallet, 'cw': wallet, 'bc': '0'}],
            'P': [{'s': symbol, 'pa': self.contracts.qty_str(symbol, pos.amount),
                   'ep': fmt(round8(pos.entry)), 'bep': fmt(round8(self.break_even(pos))),
                   'cr': fmt(pos.realized), 'up': fmt(round8(numbers['up'])),
                   'mt': account.margin_type.get(symbol, 'CROSSED').lower().replace(
                       'crossed', 'cross'),
                   'iw': fmt(pos.isolated_wallet), 'ps': side}]}}

    # -- reads ----------------------------------------------------------------------

    def liquidation_price(self, account: FuturesAccount, symbol: str, pos: Position) -> Decimal:
        """Where ``pos`` on ``symbol`` would be liquidated (0 for a flat position)."""
        if not pos.amount:
            return ZERO
        return self.contracts.kind.liquidation(pos.amount, pos.entry,
                                               self.leverage_of(account, symbol), MAINT_RATE)

    def position_keys(self, account: FuturesAccount, symbol: Any = None) -> List[Any]:
        """``(symbol, positionSide)`` of ``account``'s positions and open orders, sorted
        (on ``symbol`` only when given)."""
        name = None if missing(symbol) else self.contracts.spec(symbol).symbol
        keys = {k for k, p in account.positions.items() if p.amount} | {
            (r['symbol'], r['positionSide']) for r in account.open_records()}
        return sorted(k for k in keys if name is None or k[0] == name)

    def position_risk(self, api_key: str, symbol: Any = None) -> List[Dict[str, Any]]:
        """``GET /fapi/v3/positionRisk``: symbols with a position or an open order."""
        account = self.account(api_key)
        rows = []
        for name, side in self.position_keys(account, symbol):
            pos = account.position(name, side)
            n = self.position_numbers(account, name, side)
            isolated = account.margin_type.get(name) == 'ISOLATED'
            rows.append({
                'symbol': name, 'positionSide': side,
                'positionAmt': self.contracts.qty_str(name, pos.amount),
                'entryPrice': fmt(round8(pos.entry)),
                'breakEvenPrice': fmt(round8(self.break_even(pos))),
                'markPrice': fmt(n['mark']), 'unRealizedProfit': fmt(round8(n['up'])),
                'liquidationPrice': fmt(round8(self.liquidation_price(account, name, pos))),
                'isolatedMargin': fmt(pos.isolated_wallet + n['up'] if isolated else ZERO),
                'notional': fmt(round8(n['notional'])),
                'marginAsset': self.contracts.margin_asset(name),
                'isolatedWallet': fmt(pos.isolated_wallet),
                'initialMargin': fmt(round8(n['im'] + n['oim'])),
                'maintMargin': fmt(round8(n['mm'])),
                'positionInitialMargin': fmt(round8(n['im'])),
                'openOrderInitialMargin': fmt(round8(n['oim'])), 'adl': 0,
                'bidNotional': fmt(n['bids']), 'askNotional': fmt(n['asks']),
                'updateTime': pos.update_time})
        return rows

    def balance(self, api_key: str) -> List[Dict[str, Any]]:
        """``GET /fapi/v3/balance``."""
        account = self.account(api_key)
        rows = []
        for asset, amount in sorted(account.wallet.items()):
            margin = asset in self.contracts.margin_assets()
            totals = self.totals(account, asset)
            available = max(totals['available'], ZERO) if margin else amount
            rows.append({'accountAlias': 'SgsR', 'asset': asset, 'balance': fmt(amount),
                         'crossWalletBalance': fmt(amount),
                         'crossUnPnl': fmt(round8(totals['up'])) if margin else fmt(ZERO),
                         'availableBalance': fmt(round8(available)),
                         'maxWithdrawAmount': fmt(round8(min(available, amount))),
                         'marginAvailable': True, 'updateTime': account.update_time})
        return rows

    def account_info(self, api_key: str) -> Dict[str, Any]:
        """``GET /fapi/v3/account``."""
        account = self.account(api_key)
        per_asset = {asset: self.totals(account, asset) for asset in
                     set(account.wallet) | set(self.contracts.margin_assets())}
        t = {name: sum((v[name] for v in per_asset.values()), ZERO) for name in
             ('up', 'im', 'mm', 'oim', 'wallet', 'available')}
        available = round8(max(t['available'], ZERO))
        assets = []
        for asset, amount in sorted(account.wallet.items()):
            margin = asset in self.contracts.margin_assets()
            mine = per_asset[asset]
            free = round8(max(mine['available'], ZERO))

            def of(value: Decimal) -> str:
                return fmt(round8(value)) if margin else fmt(ZERO)
            assets.append({
                'asset': asset, 'walletBalance': fmt(amount),
                'unrealizedProfit': of(mine['up']),
                'marginBalance': fmt(round8(amount + (mine['up'] if margin else ZERO))),
                'maintMargin': of(mine['mm']), 'initialMargin': of(mine['im'] + mine['oim']),
                'positionInitialMargin': of(mine['im']),
                'openOrderInitialMargin': of(mine['oim']),
                'crossWalletBalance': fmt(amount), 'crossUnPnl': of(mine['up']),
                'availableBalance': fmt(free if margin else amount),
                'maxWithdrawAmount': fmt(min(free, amount) if margin else amount),
                'updateTime': account.update_time})
        positions = []
        for name, side in self.position_keys(account):
            pos = account.position(name, side)
            n = self.position_numbers(account, name, side)
            positions.append({
                'symbol': name, 'positionSide': side,
                'positionAmt': self.contracts.qty_str(name, pos.amount),
                'unrealizedProfit': fmt(round8(n['up'])),
                'isolatedMargin': fmt(pos.isolated_wallet), 'notional': fmt(round8(n['notional'])),
                'isolatedWallet': fmt(pos.isolated_wallet),
                'initialMargin': fmt(round8(n['im'] + n['oim'])),
                'maintMargin': fmt(round8(n['mm'])), 'updateTime': pos.update_time})
        return {'totalInitialMargin': fmt(round8(t['im'] + t['oim'])),
                'totalMaintMargin': fmt(round8(t['mm'])),
                'totalWalletBalance': fmt(t['wallet']),
                'totalUnrealizedProfit': fmt(round8(t['up'])),
                'totalMarginBalance': fmt(round8(t['wallet'] + t['up'])),
                'totalPositionInitialMargin': fmt(round8(t['im'])),
                'totalOpenOrderInitialMargin': fmt(round8(t['oim'])),
                'totalCrossWalletBalance': fmt(t['wallet']),
                'totalCrossUnPnl': fmt(round8(t['up'])), 'availableBalance': fmt(available),
                'maxWithdrawAmount': fmt(min(available, t['wallet'])),
                'assets': assets, 'positions': positions}

    def commission_rate(self, api_key: str, symbol: Any = None) -> Dict[str, Any]:
        """``GET /fapi/v1/commissionRate``: the default tier's rates."""
        self.account(api_key)
        name = self.contracts.spec(symbol).symbol
        return {'symbol': name, 'makerCommissionRate': str(MAKER_RATE),
                'takerCommissionRate': str(TAKER_RATE), 'rpiCommissionRate': '0'}

    def leverage_bracket(self, api_key: str, symbol: Any = None) -> Any:
        """``GET /fapi/v1/leverageBracket``: one bracket per symbol (a simplification)."""
        self.account(api_key)
        names = [self.contracts.spec(symbol).symbol] if not missing(symbol) \
            else list(self.contracts.specs)
        rows = [{'symbol': name, 'brackets': [{
            'bracket': 1, 'initialLeverage': MAX_LEVERAGE, 'notionalCap': 50000,
            'notionalFloor': 0, 'maintMarginRatio': float(MAINT_RATE), 'cum': 0.0}]}
            for name in names]
        return rows[0] if not missing(symbol) else rows

    # -- settings ---------------------------------------------------------------------

    def change_leverage(self, api_key: str, symbol: Any = None,
                        leverage: Any = None) -> Dict[str, Any]:
        """``POST /fapi/v1/leverage`` (1 to 125)."""
        account = self.account(api_key)
        name = self.contracts.spec(symbol).symbol
        value = parse_int('leverage', leverage)
        if not 1 <= value <= MAX_LEVERAGE:
            raise MarketError(-4028, 'Leverage {} is not valid'.format(value))
        account.leverage[name] = value
        return {'leverage': value, 'maxNotionalValue': str(50000 * MAX_LEVERAGE // value),
                'symbol': name}

    def change_margin_type(self, api_key: str, symbol: Any = None,
                           marginType: Any = None) -> Dict[str, Any]:
        """``POST /fapi/v1/marginType``: ``ISOLATED`` or ``CROSSED``."""
        account = self.account(api_key)
        name = self.contracts.spec(symbol).symbol
        if marginType not in ('ISOLATED', 'CROSSED'):
            raise MarketError(-1130, 'Invalid data sent for a parameter.')
        if account.margin_type.get(name, 'CROSSED') == marginType:
            raise MarketError(-4046, 'No need to change margin type.')
        if account.open_records(name):
            raise MarketError(-4047, 'Margin type cannot be changed if there exists open orders.')
        if any(p.amount for (s, _), p in account.positions.items() if s == name):
            raise MarketError(-4048, 'Margin type cannot be changed if there exists position.')
        account.margin_type[name] = marginType
        return {'code': 200, 'msg': 'success'}

    def position_margin(self, api_key: str, symbol: Any = None, positionSide: Any = None,
                        amount: Any = None, type: Any = None) -> Dict[str, Any]:
        """``POST /fapi/v1/positionMargin``: type 1 adds, 2 reduces (isolated positions)."""
        account = self.account(api_key)
        name = self.contracts.spec(symbol).symbol
        side = 'BOTH' if missing(positionSide) else positionSide
        value = parse_decimal('amount', amount)
        kind = parse_int('type', type)
        if kind not in (1, 2):
            raise MarketError(-1130, 'Invalid data sent for a parameter.')
        pos = account.position(name, side)
        if account.margin_type.get(name) != 'ISOLATED' or not pos.amount:
            # Binance's exact code for this case was not found in its docs
            raise MarketError(-4051, 'Isolated balance insufficient.')
        asset = self.contracts.margin_asset(name)
        wallet = account.wallet.get(asset, ZERO)
        if kind == 1:
            if value > self.totals(account, asset)['available']:
                raise MarketError(-2019, 'Margin is insufficient.')
            pos.isolated_wallet += value
            account.wallet[asset] = wallet - value
        else:
            if value > pos.isolated_wallet:
                raise MarketError(-4051, 'Isolated balance insufficient.')
            pos.isolated_wallet -= value
            account.wallet[asset] = wallet + value
        account.margin_history.append({'symbol': name, 'type': kind, 'deltaType': 'TRADE',
                                       'amount': fmt(value), 'asset': asset,
                                       'time': self.now_ms(), 'positionSide': side})
        return {'amount': float(value), 'code': 200,
                'msg': 'Successfully modify position margin.', 'type': kind}

    def position_margin_history(self, api_key: str, symbol: Any = None, type: Any = None,
                                startTime: Any = None, endTime: Any = None,
                                limit: Any = None) -> List[Dict[str, Any]]:
        """``GET /fapi/v1/positionMargin/history``."""
        account = self.account(api_key)
        name = self.contracts.spec(symbol).symbol
        rows = [r for r in account.margin_history if r['symbol'] == name and (
            missing(type) or str(r['type']) == str(type))]
        return rows[:500 if missing(limit) else parse_int('limit', limit, 1)]

    def change_position_mode(self, api_key: str, dualSidePosition: Any = None,
                             has_algo_orders: bool = False) -> Dict[str, Any]:
        """``POST /fapi/v1/positionSide/dual``."""
        account = self.account(api_key)
        text = str(dualSidePosition).lower()
        if text not in ('true', 'false'):
            raise MarketError(-1102, "Mandatory parameter 'dualSidePosition' was not sent, was "
                                     "empty/null, or malformed.")
        dual = text == 'true'
        if dual == account.dual:
            raise MarketError(-4059, 'No need to change position side.')
        if account.open_records() or has_algo_orders:
            raise MarketError(-4067, 'Position side cannot be changed if there exists open '
                                     'orders.')
        if any(p.amount for p in account.positions.values()):
            raise MarketError(-4068, 'Position side cannot be changed if there exists position.')
        account.dual = dual
        return {'code': 200, 'msg': 'success'}

    def position_mode(self, api_key: str) -> Dict[str, Any]:
        """``GET /fapi/v1/positionSide/dual``."""
        return {'dualSidePosition': self.account(api_key).dual}

    def user_trades(self, api_key: str, symbol: Any = None, orderId: Any = None,
                    startTime: Any = None, endTime: Any = None, fromId: Any = None,
                    limit: Any = None) -> List[Dict[str, Any]]:
        """``GET /fapi/v1/userTrades`` (limit default 500, at most 1000)."""
        account = self.account(api_key)
        name = self.contracts.spec(symbol).symbol
        rows = [t for t in account.trades if t['symbol'] == name]
        if not missing(orderId):
            rows = [t for t in rows if str(t['orderId']) == str(orderId)]
        if not missing(fromId):
            rows = [t for t in rows if t['id'] >= parse_int('fromId', fromId)]
        if not missing(startTime):
            rows = [t for t in rows if t['time'] >= parse_int('startTime', startTime)]
        if not missing(endTime):
            rows = [t for t in rows if t['time'] <= parse_int('endTime', endTime)]
        count = 500 if missing(limit) else parse_int('limit', limit, 1)
        return rows[-min(count, 1000):]

    def income(self, api_key: str, symbol: Any = None, incomeType: Any = None,
               startTime: Any = None, endTime: Any = None, page: Any = None,
               limit: Any = None) -> List[Dict[str, Any]]:
        """``GET /fapi/v1/income`` (realized profit and commissions of the simulation)."""
        account = self.account(api_key)
        rows = [r for r in account.income
                if (missing(symbol) or r['symbol'] == symbol)
                and (missing(incomeType) or r['incomeType'] == incomeType)]
        if not missing(startTime):
            rows = [r for r in rows if r['time'] >= parse_int('startTime', startTime)]
        if not missing(endTime):
            rows = [r for r in rows if r['time'] <= parse_int('endTime', endTime)]
        count = 100 if missing(limit) else parse_int('limit', limit, 1)
        return rows[-min(count, 1000):]

    def open_interest(self, symbol: Any = None) -> Dict[str, Any]:
        """``GET /fapi/v1/openInterest``: the accounts' long positions in the simulation."""
        name = self.contracts.spec(symbol).symbol
        total = sum((p.amount for acc in self.accounts.values()
                     for (s, _), p in acc.positions.items() if s == name and p.amount > 0), ZERO)
        return {'openInterest': fmt(total), 'symbol': name, 'time': self.now_ms()}
