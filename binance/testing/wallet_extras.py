"""The other wallet endpoints of the local exchange: :class:`WalletExtras` and its routes.

Served with Binance's shapes (Binance "Wallet" docs):

* ``GET /sapi/v1/capital/config/getall``: every asset of the market and of
  the account, with the account's balance and one network (named after the
  coin, as the local deposits are) carrying the withdrawal fee and minimum
  that ``assetDetail`` reports;
* ``GET /sapi/v1/accountSnapshot``: daily snapshots (``SPOT``, ``MARGIN``,
  ``FUTURES``). Binance has one per completed UTC day, so here too: the
  first query after a UTC midnight the exchange lived through records the
  day just ended (with the balances of that moment); a fresh exchange has
  none until its clock passes midnight (``ex.clock_offset += 86400`` in a test);
* ``POST /sapi/v1/account/enableFastWithdrawSwitch`` / ``disable...``: the
  switch is kept (:meth:`WalletExtras.fast_withdraw_enabled`); it does not
  change how the local exchange withdraws;
* ``GET /sapi/v1/account/apiTradingStatus``: never locked;
* ``GET /sapi/v1/asset/assetDividend``: distributions paid with
  :meth:`WalletExtras.pay_dividend` (:meth:`binance.testing.LocalExchange.pay_dividend`),
  which credit the spot balance;
* ``GET /sapi/v1/asset/transfer``: the user universal transfers the
  :class:`~binance.testing.margin.MarginDesk` made (``POST`` on the same path,
  and ``/sapi/v1/futures/transfer``).
"""
from decimal import Decimal
from typing import Any, Callable, Dict, List, Tuple

from binance.testing.market_base import MarketError, fmt, mandatory, missing, parse_decimal, \
    parse_int
from binance.testing.rest import SIGNED, _reading, _Route
from binance.testing.subaccounts import plain

__all__ = ['WalletExtras', 'wallet_extra_routes']

DAY_MS = 86400000
_SNAPSHOT_TYPES = ('SPOT', 'MARGIN', 'FUTURES')
#: ``type`` of the legacy futures transfer rows, back to the universal transfer type.
_LEGACY_TYPES = {'1': 'MAIN_UMFUTURE', '2': 'UMFUTURE_MAIN', '3': 'MAIN_CMFUTURE',
                 '4': 'CMFUTURE_MAIN'}


class WalletExtras:
    """Coin information, snapshots, switches, dividends and transfer history (reactor thread)."""

    def __init__(self, market: Any, futures: Any, margin: Any) -> None:
        self.market = market
        self.futures = futures
        self.margin = margin
        self._started = market.now_ms()
        self._fast_withdraw: Dict[str, bool] = {}
        self._dividends: Dict[str, List[Dict[str, Any]]] = {}
        self._snapshots: Dict[Tuple[str, str], Dict[int, Dict[str, Any]]] = {}
        self._dividend_id = 1637366100

    # -- coins ---------------------------------------------------------------------

    def coins(self, api_key: str) -> List[Dict[str, Any]]:
        """``GET /sapi/v1/capital/config/getall``."""
        account = self.market.account_of(api_key)
        rows = []
        for coin in self.market.asset_names(account):
            free, locked = account.balances.get(coin, [Decimal(0), Decimal(0)])
            fee = self.market.withdraw_fee(coin)
            rows.append({
                'coin': coin, 'depositAllEnable': True, 'withdrawAllEnable': True, 'name': coin,
                'free': plain(free), 'locked': plain(locked), 'freeze': '0', 'withdrawing': '0',
                'ipoing': '0', 'ipoable': '0', 'storage': '0', 'isLegalMoney': False,
                'trading': True,
                'networkList': [{
                    'network': coin, 'coin': coin, 'withdrawIntegerMultiple': '0.00000001',
                    'isDefault': True, 'depositEnable': True, 'withdrawEnable': True,
                    'depositDesc': '', 'withdrawDesc': '', 'specialTips': '',
                    'specialWithdrawTips': '', 'name': coin, 'resetAddressStatus': False,
                    'addressRegex': '^local[0-9a-f]{34}$', 'memoRegex': '',
                    'withdrawFee': plain(fee), 'withdrawMin': plain(fee * 2),
                    'withdrawMax': '9999999999', 'withdrawInternalMin': '0.00000001',
                    'depositDust': '0.00000001', 'minConfirm': 1, 'unLockConfirm': 0,
                    'sameAddress': False, 'withdrawTag': False, 'estimatedArrivalTime': 1,
                    'busy': False, 'contractAddressUrl': '', 'contractAddress': ''}]})
        return rows

    # -- snapshots ----------------------------------------------------------------------

    def _snapshot_data(self, api_key: str, kind: str) -> Dict[str, Any]:
        if kind == 'SPOT':
            balances = self.market.balances(api_key)
            total = sum((self.market.btc_value(a, e['free'] + e['locked'])
                         for a, e in balances.items()), Decimal(0))
            return {'balances': [{'asset': a, 'free': fmt(e['free']), 'locked': fmt(e['locked'])}
                                 for a, e in balances.items()],
                    'totalAssetOfBtc': fmt(round(total, 8))}
        if kind == 'MARGIN':
            account = self.margin.account(api_key)
            return {name: account[name] for name in (
                'marginLevel', 'totalAssetOfBtc', 'totalLiabilityOfBtc', 'totalNetAssetOfBtc',
                'userAssets')}
        account = self.futures.f_account(api_key)
        risk = self.futures.f_position_risk(api_key)
        return {'assets': [{'asset': row['asset'], 'marginBalance': row['marginBalance'],
                            'walletBalance': row['walletBalance']} for row in account['assets']],
                'position': [{'entryPrice': row['entryPrice'], 'markPrice': row['markPrice'],
                              'positionAmt': row['positionAmt'], 'symbol': row['symbol'],
                              'unRealizedProfit': row['unRealizedProfit']}
                             for row in risk if Decimal(row['positionAmt'])]}

    def snapshot(self, api_key: str, type: Any = None, startTime: Any = None,
                 endTime: Any = None, limit: Any = None) -> Dict[str, Any]:
        """``GET /sapi/v1/accountSnapshot``: completed UTC days, oldest first."""
        self.market.account_of(api_key)
        if missing(type):
            raise mandatory('type')
        if type not in _SNAPSHOT_TYPES:
            raise MarketError(-1130, 'Invalid data sent for a parameter.')
        days = parse_int('limit', 7 if missing(limit) else limit, 7, 30)
        book = self._snapshots.setdefault((api_key, type), {})
        today = self.market.now_ms() // DAY_MS
        first = max(self._started // DAY_MS, today - 30)
        pending = [day for day in range(first, today) if day not in book]
        if pending:
            data = self._snapshot_data(api_key, type)
            for day in pending:
                book[day] = data
        lo = parse_int('startTime', startTime) if not missing(startTime) else None
        hi = parse_int('endTime', endTime) if not missing(endTime) else None
        rows = []
        for day in sorted(book):
            update = (day + 1) * DAY_MS - 1000
            if (lo is None or update >= lo) and (hi is None or update <= hi):
                rows.append({'type': type.lower(), 'updateTime': update, 'data': book[day]})
        return {'code': 200, 'msg': '', 'snapshotVos': rows[-days:]}

    # -- switches and status -------------------------------------------------------------

    def set_fast_withdraw(self, api_key: str, enabled: bool) -> Dict[str, Any]:
        """``POST /sapi/v1/account/enableFastWithdrawSwitch`` / ``disable...``: ``{}``."""
        self.market.account_of(api_key)
        self._fast_withdraw[api_key] = enabled
        return {}

    def fast_withdraw_enabled(self, api_key: str) -> bool:
        """Whether the account turned the fast-withdraw switch on (off by default)."""
        return self._fast_withdraw.get(api_key, False)

    def api_trading_status(self, api_key: str) -> Dict[str, Any]:
        """``GET /sapi/v1/account/apiTradingStatus``: the local exchange never locks a key."""
        self.market.account_of(api_key)
        return {'data': {'isLocked': False, 'plannedRecoverTime': 0,
                         'triggerCondition': {'GCR': 150, 'IFER': 150, 'UFR': 300},
                         'updateTime': self._started}}

    # -- dividends --------------------------------------------------------------------------

    def pay_dividend(self, api_key: str, asset: str, amount: Any,
                     info: str = '') -> Dict[str, Any]:
        """Credit a distribution (an airdrop) to the spot balance and record it (for tests)."""
        with self.market.transaction():
            account = self.market.account_of(api_key)
            value = parse_decimal('amount', amount)
            account.balance(asset)[0] += value
            self.market.balance_changed(account, asset)
            self._dividend_id += 1
            tran_id = self.market.next_wallet_id()
            row = {'id': self._dividend_id, 'amount': fmt(value), 'asset': asset,
                   'divTime': self.market.now_ms(),
                   'enInfo': info or '{} distribution'.format(asset),
                   'tranId': tran_id, 'direction': 1}
            self._dividends.setdefault(api_key, []).append(row)
            return dict(row)

    def dividends(self, api_key: str, asset: Any = None, startTime: Any = None,
                  endTime: Any = None, limit: Any = None) -> Dict[str, Any]:
        """``GET /sapi/v1/asset/assetDividend``, newest first."""
        self.market.account_of(api_key)
        size = parse_int('limit', 20 if missing(limit) else limit, 1, 500)
        lo = parse_int('startTime', startTime) if not missing(startTime) else None
        hi = parse_int('endTime', endTime) if not missing(endTime) else None
        rows = [dict(r) for r in reversed(self._dividends.get(api_key, []))
                if (missing(asset) or r['asset'] == asset)
                and (lo is None or r['divTime'] >= lo) and (hi is None or r['divTime'] <= hi)]
        return {'rows': rows[:size], 'total': len(rows)}

    # -- universal transfer history -------------------------------------------------------------

    def transfer_history(self, api_key: str, type: Any = None, startTime: Any = None,
                         endTime: Any = None, current: Any = None, size: Any = None,
                         fromSymbol: Any = None, toSymbol: Any = None) -> Dict[str, Any]:
        """``GET /sapi/v1/asset/transfer``: ``{'total': 0}`` when there are none, as on Binance."""
        self.market.account_of(api_key)
        if missing(type):
            raise mandatory('type')
        page = parse_int('current', 1 if missing(current) else current, 1)
        rows_per_page = parse_int('size', 10 if missing(size) else size, 1, 100)
        lo = parse_int('startTime', startTime) if not missing(startTime) else None
        hi = parse_int('endTime', endTime) if not missing(endTime) else None
        rows = []
        for row in reversed(self.margin.transfers_of(api_key)):
            kind = _LEGACY_TYPES.get(row['type'], row['type'])
            if kind == type and (lo is None or row['timestamp'] >= lo) and (
                    hi is None or row['timestamp'] <= hi):
                rows.append(dict(row, type=kind, amount=plain(Decimal(row['amount']))))
        if not rows:
            return {'total': 0}
        return {'total': len(rows),
                'rows': rows[(page - 1) * rows_per_page:page * rows_per_page]}


def _route(fn: Callable[..., Any], names: Tuple[str, ...], weight: int = 1) -> _Route:
    def handler(market: Any, api_key: str, params: Dict[str, Any]) -> Any:
        return fn(api_key, **{name: params[name] for name in names if name in params})
    return _Route(_reading(names, handler), SIGNED, weight)


def wallet_extra_routes(extras: WalletExtras) -> Dict[Tuple[str, str], _Route]:
    """The routes of :class:`WalletExtras` (served next to the spot ones)."""
    return {
        ('GET', '/sapi/v1/capital/config/getall'): _route(extras.coins, (), 10),
        ('GET', '/sapi/v1/accountSnapshot'): _route(
            extras.snapshot, ('type', 'startTime', 'endTime', 'limit'), 2400),
        ('POST', '/sapi/v1/account/enableFastWithdrawSwitch'): _route(
            lambda key: extras.set_fast_withdraw(key, True), ()),
        ('POST', '/sapi/v1/account/disableFastWithdrawSwitch'): _route(
            lambda key: extras.set_fast_withdraw(key, False), ()),
        ('GET', '/sapi/v1/account/apiTradingStatus'): _route(extras.api_trading_status, ()),
        ('GET', '/sapi/v1/asset/assetDividend'): _route(
            extras.dividends, ('asset', 'startTime', 'endTime', 'limit'), 10),
        ('GET', '/sapi/v1/asset/transfer'): _route(
            extras.transfer_history, ('type', 'startTime', 'endTime', 'current', 'size',
                                      'fromSymbol', 'toSymbol')),
    }
