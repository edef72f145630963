"""Wallet, positions, leverage and listen keys of the futures market.

Split from :mod:`binance.testing.futures_trading` by concern; answers are
shaped as ``/fapi/v3/account``, ``/fapi/v3/balance``, ``/fapi/v3/positionRisk``,
``/fapi/v1/leverage``, ``/fapi/v1/marginType``, ``/fapi/v1/positionMargin``,
``/fapi/v1/positionSide/dual``, ``/fapi/v1/userTrades``, ``/fapi/v1/income``
and ``/fapi/v1/listenKey`` return them.

Simplifications (documented, not Binance's exact risk engine): one leverage
bracket per symbol, maintenance margin 0.4 % of the notional, and the
liquidation price of an isolated position at that rate for every position.
"""
from decimal import Decimal
from typing import Any, Callable, Dict, List

from binance.testing.market_base import MarketError, fmt, missing, parse_decimal, parse_int, round8

ZERO = Decimal(0)


class FuturesAccountMixin:
    """Account reads and settings of the futures market (reactor thread)."""

    # provided by FuturesMarket
    qty_str: Callable[[str, Any], str]

    def _liquidation(self, account: Any, symbol: str, pos: Any) -> Decimal:
        from binance.testing.futures_market import MAINT_RATE
        if not pos.amount:
            return ZERO
        lev = Decimal(self._lev(account, symbol))  # type: ignore[attr-defined]
        if pos.amount > 0:
            return max(ZERO, pos.entry * (1 - 1 / lev + MAINT_RATE))
        return pos.entry * (1 + 1 / lev - MAINT_RATE)

    def _position_keys(self, account: Any, symbol: Any = None) -> List[Any]:
        name = None if missing(symbol) else self._symbol(symbol).spec.symbol  # type: ignore
        keys = {k for k, p in account.positions.items() if p.amount} | {
            (r['symbol'], r['positionSide'])
            for r in self._open_records(account)}  # type: ignore[attr-defined]
        return sorted(k for k in keys if name is None or k[0] == name)

    def f_position_risk(self, api_key: str, symbol: Any = None) -> List[Dict[str, Any]]:
        """``GET /fapi/v3/positionRisk``: symbols with a position or an open order."""
        account = self._faccount(api_key)  # type: ignore[attr-defined]
        rows = []
        for name, side in self._position_keys(account, symbol):
            pos = account.position(name, side)
            n = self._position_numbers(account, name, side)  # type: ignore[attr-defined]
            isolated = account.margin_type.get(name) == 'ISOLATED'
            rows.append({
                'symbol': name, 'positionSide': side, 'positionAmt': self.qty_str(name, pos.amount),
                'entryPrice': fmt(round8(pos.entry)),
                'breakEvenPrice': fmt(round8(self._break_even(pos))),  # type: ignore
                'markPrice': fmt(n['mark']), 'unRealizedProfit': fmt(round8(n['up'])),
                'liquidationPrice': fmt(round8(self._liquidation(account, name, pos))),
                'isolatedMargin': fmt(pos.isolated_wallet + n['up'] if isolated else ZERO),
                'notional': fmt(round8(n['notional'])), 'marginAsset': 'USDT',
                'isolatedWallet': fmt(pos.isolated_wallet),
                'initialMargin': fmt(round8(n['im'] + n['oim'])),
                'maintMargin': fmt(round8(n['mm'])),
                'positionInitialMargin': fmt(round8(n['im'])),
                'openOrderInitialMargin': fmt(round8(n['oim'])), 'adl': 0,
                'bidNotional': fmt(n['bids']), 'askNotional': fmt(n['asks']),
                'updateTime': pos.update_time})
        return rows

    def f_balance(self, api_key: str) -> List[Dict[str, Any]]:
        """``GET /fapi/v3/balance``."""
        account = self._faccount(api_key)  # type: ignore[attr-defined]
        totals = self._totals(account)  # type: ignore[attr-defined]
        rows = []
        for asset, amount in sorted(account.wallet.items()):
            usdt = asset == 'USDT'
            available = max(totals['available'], ZERO) if usdt else amount
            rows.append({'accountAlias': 'SgsR', 'asset': asset, 'balance': fmt(amount),
                         'crossWalletBalance': fmt(amount),
                         'crossUnPnl': fmt(round8(totals['up'])) if usdt else fmt(ZERO),
                         'availableBalance': fmt(round8(available)),
                         'maxWithdrawAmount': fmt(round8(min(available, amount))),
                         'marginAvailable': True, 'updateTime': account.update_time})
        return rows

    def f_account(self, api_key: str) -> Dict[str, Any]:
        """``GET /fapi/v3/account``."""
        account = self._faccount(api_key)  # type: ignore[attr-defined]
        t = self._totals(account)  # type: ignore[attr-defined]
        available = round8(max(t['available'], ZERO))
        assets = []
        for asset, amount in sorted(account.wallet.items()):
            usdt = asset == 'USDT'
            assets.append({
                'asset': asset, 'walletBalance': fmt(amount),
                'unrealizedProfit': fmt(round8(t['up'])) if usdt else fmt(ZERO),
                'marginBalance': fmt(round8(amount + (t['up'] if usdt else ZERO))),
                'maintMargin': fmt(round8(t['mm'])) if usdt else fmt(ZERO),
                'initialMargin': fmt(round8(t['im'] + t['oim'])) if usdt else fmt(ZERO),
                'positionInitialMargin': fmt(round8(t['im'])) if usdt else fmt(ZERO),
                'openOrderInitialMargin': fmt(round8(t['oim'])) if usdt else fmt(ZERO),
                'crossWalletBalance': fmt(amount),
                'crossUnPnl': fmt(round8(t['up'])) if usdt else fmt(ZERO),
                'availableBalance': fmt(available if usdt else amount),
                'maxWithdrawAmount': fmt(min(available, amount) if usdt else amount),
                'updateTime': account.update_time})
        positions = []
        for name, side in self._position_keys(account):
            pos = account.position(name, side)
            n = self._position_numbers(account, name, side)  # type: ignore[attr-defined]
            positions.append({
                'symbol': name, 'positionSide': side, 'positionAmt': self.qty_str(name, pos.amount),
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

    # -- settings ---------------------------------------------------------------------

    def f_change_leverage(self, api_key: str, symbol: Any = None,
                          leverage: Any = None) -> Dict[str, Any]:
        """``POST /fapi/v1/leverage`` (1 to 125)."""
        from binance.testing.futures_market import MAX_LEVERAGE
        account = self._faccount(api_key)  # type: ignore[attr-defined]
        name = self._symbol(symbol).spec.symbol  # type: ignore[attr-defined]
        value = parse_int('leverage', leverage)
        if not 1 <= value <= MAX_LEVERAGE:
            raise MarketError(-4028, 'Leverage {} is not valid'.format(value))
        account.leverage[name] = value
        return {'leverage': value, 'maxNotionalValue': str(50000 * MAX_LEVERAGE // value),
                'symbol': name}

    def f_change_margin_type(self, api_key: str, symbol: Any = None,
                             marginType: Any = None) -> Dict[str, Any]:
        """``POST /fapi/v1/marginType``: ``ISOLATED`` or ``CROSSED``."""
        account = self._faccount(api_key)  # type: ignore[attr-defined]
        name = self._symbol(symbol).spec.symbol  # type: ignore[attr-defined]
        if marginType not in ('ISOLATED', 'CROSSED'):
            raise MarketError(-1130, 'Invalid data sent for a parameter.')
        if account.margin_type.get(name, 'CROSSED') == marginType:
            raise MarketError(-4046, 'No need to change margin type.')
        if self._open_records(account, name):  # type: ignore[attr-defined]
            raise MarketError(-4047, 'Margin type cannot be changed if there exists open orders.')
        if any(p.amount for (s, _), p in account.positions.items() if s == name):
            raise MarketError(-4048, 'Margin type cannot be changed if there exists position.')
        account.margin_type[name] = marginType
        return {'code': 200, 'msg': 'success'}

    def f_position_margin(self, api_key: str, symbol: Any = None, positionSide: Any = None,
                          amount: Any = None, type: Any = None) -> Dict[str, Any]:
        """``POST /fapi/v1/positionMargin``: type 1 adds, 2 reduces (isolated positions)."""
        account = self._faccount(api_key)  # type: ignore[attr-defined]
        name = self._symbol(symbol).spec.symbol  # type: ignore[attr-defined]
        side = 'BOTH' if missing(positionSide) else positionSide
        value = parse_decimal('amount', amount)
        kind = parse_int('type', type)
        if kind not in (1, 2):
            raise MarketError(-1130, 'Invalid data sent for a parameter.')
        pos = account.position(name, side)
        if account.margin_type.get(name) != 'ISOLATED' or not pos.amount:
            # Binance's exact code for this case was not found in its docs
            raise MarketError(-4051, 'Isolated balance insufficient.')
        wallet = account.wallet.get('USDT', ZERO)
        if kind == 1:
            if value > self._totals(account)['available']:  # type: ignore[attr-defined]
                raise MarketError(-2019, 'Margin is insufficient.')
            pos.isolated_wallet += value
            account.wallet['USDT'] = wallet - value
        else:
            if value > pos.isolated_wallet:
                raise MarketError(-4051, 'Isolated balance insufficient.')
            pos.isolated_wallet -= value
            account.wallet['USDT'] = wallet + value
        now = self.now_ms()  # type: ignore[attr-defined]
        account.margin_history.append({'symbol': name, 'type': kind, 'deltaType': 'TRADE',
                                       'amount': fmt(value), 'asset': 'USDT', 'time': now,
                                       'positionSide': side})
        return {'amount': float(value), 'code': 200,
                'msg': 'Successfully modify position margin.', 'type': kind}

    def f_position_margin_history(self, api_key: str, symbol: Any = None, type: Any = None,
                                  startTime: Any = None, endTime: Any = None,
                                  limit: Any = None) -> List[Dict[str, Any]]:
        """``GET /fapi/v1/positionMargin/history``."""
        account = self._faccount(api_key)  # type: ignore[attr-defined]
        name = self._symbol(symbol).spec.symbol  # type: ignore[attr-defined]
        rows = [r for r in account.margin_history if r['symbol'] == name and (
            missing(type) or str(r['type']) == str(type))]
        return rows[:500 if missing(limit) else parse_int('limit', limit, 1)]

    def f_change_position_mode(self, api_key: str, dualSidePosition: Any = None) -> Dict[str, Any]:
        """``POST /fapi/v1/positionSide/dual``."""
        account = self._faccount(api_key)  # type: ignore[attr-defined]
        text = str(dualSidePosition).lower()
        if text not in ('true', 'false'):
            raise MarketError(-1102, "Mandatory parameter 'dualSidePosition' was not sent, was "
                                     "empty/null, or malformed.")
        dual = text == 'true'
        if dual == account.dual:
            raise MarketError(-4059, 'No need to change position side.')
        if self._open_records(account):  # type: ignore[attr-defined]
            raise MarketError(-4067, 'Position side cannot be changed if there exists open '
                                     'orders.')
        if any(p.amount for p in account.positions.values()):
            raise MarketError(-4068, 'Position side cannot be changed if there exists position.')
        account.dual = dual
        return {'code': 200, 'msg': 'success'}

    def f_position_mode(self, api_key: str) -> Dict[str, Any]:
        """``GET /fapi/v1/positionSide/dual``."""
        return {'dualSidePosition': self._faccount(api_key).dual}  # type: ignore[attr-defined]

    def f_user_trades(self, api_key: str, symbol: Any = None, orderId: Any = None,
                      startTime: Any = None, endTime: Any = None, fromId: Any = None,
                      limit: Any = None) -> List[Dict[str, Any]]:
        """``GET /fapi/v1/userTrades`` (limit default 500, at most 1000)."""
        account = self._faccount(api_key)  # type: ignore[attr-defined]
        name = self._symbol(symbol).spec.symbol  # type: ignore[attr-defined]
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

    def f_income(self, api_key: str, symbol: Any = None, incomeType: Any = None,
                 startTime: Any = None, endTime: Any = None, page: Any = None,
                 limit: Any = None) -> List[Dict[str, Any]]:
        """``GET /fapi/v1/income`` (realized profit and commissions of the simulation)."""
        account = self._faccount(api_key)  # type: ignore[attr-defined]
        rows = [r for r in account.income
                if (missing(symbol) or r['symbol'] == symbol)
                and (missing(incomeType) or r['incomeType'] == incomeType)]
        if not missing(startTime):
            rows = [r for r in rows if r['time'] >= parse_int('startTime', startTime)]
        if not missing(endTime):
            rows = [r for r in rows if r['time'] <= parse_int('endTime', endTime)]
        count = 100 if missing(limit) else parse_int('limit', limit, 1)
        return rows[-min(count, 1000):]

    # -- listen keys: one per account; PUT and DELETE take no parameter -------------------

    def f_listen_key(self, api_key: str) -> Dict[str, str]:
        """``POST /fapi/v1/listenKey``: the account's key (a new one when it has none)."""
        self._faccount(api_key)  # type: ignore[attr-defined]
        return {'listenKey': self.create_listen_key(api_key)}  # type: ignore[attr-defined]

    def _account_key(self, api_key: str) -> str:
        for key, entry in self._listen_keys.items():  # type: ignore[attr-defined]
            if entry[0] == api_key:
                return key
        raise MarketError(-1125, 'This listenKey does not exist.')

    def f_listen_key_keepalive(self, api_key: str) -> Dict[str, str]:
        """``PUT /fapi/v1/listenKey``: extends the account's key by 60 minutes."""
        key = self._account_key(api_key)
        self.keepalive_listen_key(key, api_key)  # type: ignore[attr-defined]
        return {'listenKey': key}

    def f_listen_key_close(self, api_key: str) -> Dict[str, Any]:
        """``DELETE /fapi/v1/listenKey``."""
        self.close_listen_key(self._account_key(api_key), api_key)  # type: ignore
        return {}
