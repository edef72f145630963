"""Accounts, listen keys and wallet (``/sapi``) data of the local exchange.

:class:`Account` is one API key's balances, orders and wallet history;
:class:`WalletMixin` adds to :class:`binance.testing.market.Market` the
account and wallet queries (``account``, deposits, withdrawals, dust, fees,
asset details) and the listen-key lifecycle, emitting ``outboundAccountPosition``,
``balanceUpdate`` and ``listenKeyExpired`` events.
"""
import hashlib
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any, Callable, Dict, List, Mapping, Optional

from binance.testing.market_base import (
    ZERO, MarketError, fmt, mandatory, missing, parse_decimal, parse_int, round8)
from binance.testing.market_trading import COMMISSION_RATE
from binance.testing import keys as _keys

__all__ = ['Account', 'WalletMixin']

#: Seconds a listen key lives after its creation or last keepalive, on the exchange's
#: clock (``now_ms``: a replay's time, or the machine's plus ``clock_offset``).
LISTEN_KEY_VALIDITY = 3600.0
_LISTEN_KEY_CHARS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'
_DUST_BTC = Decimal('0.001')
_DUST_FEE = Decimal('0.02')
_WITHDRAW_FEES = {'BTC': '0.0002', 'ETH': '0.0016', 'BNB': '0.001', 'USDT': '1', 'LTC': '0.001',
                  'NEO': '0'}


class Account:
    """One API key's balances, orders, trades and wallet history.

    The secret (HMAC) or public key (RSA, Ed25519) is kept for signature
    checks only and never shown in a repr.

    :ivar key_type: ``'HMAC'``, ``'RSA'`` or ``'Ed25519'``.
    """

    def __init__(self, api_key: str, api_secret: Optional[str], uid: int, time_ms: int,
                 public_key: Any = None) -> None:
        self.api_key = api_key
        self._secret = api_secret
        self.public_key = public_key
        self.key_type = 'HMAC' if public_key is None else _keys.key_type_of(public_key)
        self.uid = uid
        self.balances: Dict[str, List[Decimal]] = {}
        self.orders: Dict[str, Dict[int, Any]] = {}
        self.trades: Dict[str, List[Dict[str, Any]]] = {}
        self.deposits: List[Dict[str, Any]] = []
        self.withdrawals: List[Dict[str, Any]] = []
        self.dribblets: List[Dict[str, Any]] = []
        self.update_time = time_ms

    @property
    def api_secret(self) -> Optional[str]:
        return self._secret

    def verify(self, payload: bytes, signature: Any) -> bool:
        """Whether ``signature`` signs ``payload`` with this account's key."""
        return _keys.verify(self._secret, self.public_key, payload, signature)

    def balance(self, asset: str) -> List[Decimal]:
        """``[free, locked]`` of ``asset`` (created at zero), changed in place."""
        entry = self.balances.get(asset)
        if entry is None:
            entry = self.balances[asset] = [ZERO, ZERO]
        return entry

    def __repr__(self) -> str:
        return '<Account uid={}>'.format(self.uid)


def _asset_text(value: Any, name: str = 'coin') -> str:
    if missing(value):
        raise mandatory(name)
    if not isinstance(value, str) or not value.isalnum() or not value.isupper():
        raise MarketError(-1100, "Illegal characters found in parameter '{}'; legal range is "
                                 "'^[A-Z0-9]{{1,20}}$'.".format(name))
    return value


def _date_text(time_ms: int) -> str:
    return datetime.fromtimestamp(time_ms / 1000.0, tz=timezone.utc).strftime('%Y-%m-%d %H:%M:%S')


class WalletMixin:
    """Accounts, listen keys and the ``/sapi`` wallet endpoints' data."""

    # -- accounts ---------------------------------------------------------------

    def add_account(self, api_key: str, api_secret: Optional[str] = None,
                    balances: Optional[Mapping[str, Any]] = None, *,
                    public_key: Any = None) -> None:
        """Create (or reset the balances of) the account of ``api_key``.

        :param api_secret: the secret of an HMAC key; or
        :param public_key: the public key (PEM) of an Ed25519 or RSA key.
        :param balances: ``{asset: free amount}``, e.g. ``{'BTC': '1.5'}``.
        :raises ValueError: for an empty key, neither or both of secret and
            public key, an unusable public key or a bad amount.
        """
        if not isinstance(api_key, str) or not api_key:
            raise ValueError('api_key must be a non-empty string')
        loaded = None
        if public_key is not None:
            if api_secret is not None:
                raise ValueError('give api_secret (HMAC) or public_key (Ed25519/RSA), not both')
            loaded = _keys.load_public_key(public_key)
            if _keys.key_type_of(loaded) == 'RSA' and loaded.key_size not in (2048, 4096):
                raise ValueError('Binance accepts RSA keys of 2048 or 4096 bits, got {}'.format(
                    loaded.key_size))
        elif not isinstance(api_secret, str) or not api_secret:
            raise ValueError('api_secret must be a non-empty string (or give public_key)')
        account = self._accounts.get(api_key)
        if account is None:
            account = Account(api_key, api_secret, 10000000 + len(self._accounts), self.now_ms(),
                              public_key=loaded)
            self._accounts[api_key] = account
        for asset, amount in (balances or {}).items():
            try:
                value = parse_decimal('balance', amount)
            except MarketError:
                raise ValueError('balance of {} must be a non-negative number, got {!r}'.format(
                    asset, amount)) from None
            account.balance(asset)[0] = value

    def secret_for(self, api_key: str) -> Optional[str]:
        """The secret of ``api_key``'s HMAC account, ``None`` for an unknown key or another type."""
        account = self._accounts.get(api_key)
        return account.api_secret if account is not None else None

    def default_api_key(self) -> Optional[str]:
        """The API key of the first account added (the local exchange's default account)."""
        return next(iter(self._accounts), None)

    def key_type(self, api_key: Any) -> Optional[str]:
        """``'HMAC'``, ``'RSA'`` or ``'Ed25519'`` for a known API key, ``None`` otherwise."""
        account = self._accounts.get(api_key) if isinstance(api_key, str) else None
        return account.key_type if account is not None else None

    def verify_signature(self, api_key: str, payload: bytes, signature: str) -> bool:
        """Whether ``signature`` signs ``payload`` with the key's secret or public key."""
        account = self._accounts.get(api_key) if isinstance(api_key, str) else None
        return account is not None and account.verify(payload, signature)

    def _account(self, api_key: Any) -> Account:
        account = self._accounts.get(api_key) if isinstance(api_key, str) else None
        if account is None:
            raise MarketError(-2015, 'Invalid API-key, IP, or permissions for action.', 401)
        return account

    def balances(self, api_key: str) -> Dict[str, Dict[str, Decimal]]:
        """``{asset: {'free': Decimal, 'locked': Decimal}}`` of an account (for tests)."""
        account = self._account(api_key)
        return {asset: {'free': free, 'locked': locked}
                for asset, (free, locked) in sorted(account.balances.items())}

    def _touch_balance(self, account: Account, asset: str) -> None:
        self._dirty_accounts.setdefault(account.api_key, {})[asset] = None

    def account_of(self, api_key: Any) -> Account:
        """The :class:`Account` behind ``api_key``; an unknown key is refused as
        Binance does (-2015)."""
        return self._account(api_key)

    def balance_changed(self, account: Account, asset: str) -> None:
        """Note that ``account``'s ``asset`` balance moved: it goes out in the
        account's next ``outboundAccountPosition`` (call inside :meth:`transaction`)."""
        self._touch_balance(account, asset)

    def _account_position(self, api_key: str, assets: Any) -> Dict[str, Any]:
        """The ``outboundAccountPosition`` payload for the changed ``assets``."""
        account = self._accounts[api_key]
        account.update_time = self.now_ms()
        return {'e': 'outboundAccountPosition', 'E': self.now_ms(), 'u': account.update_time,
                'B': [{'a': asset, 'f': fmt(account.balance(asset)[0]),
                       'l': fmt(account.balance(asset)[1])} for asset in assets]}

    def account(self, api_key: str) -> Dict[str, Any]:
        """Account information as ``GET /api/v3/account`` returns it."""
        account = self._account(api_key)
        rate = fmt(COMMISSION_RATE)
        return {
            'makerCommission': 10, 'takerCommission': 10, 'buyerCommission': 0,
            'sellerCommission': 0,
            'commissionRates': {'maker': rate, 'taker': rate, 'buyer': fmt(ZERO),
                                'seller': fmt(ZERO)},
            'canTrade': True, 'canWithdraw': True, 'canDeposit': True, 'brokered': False,
            'requireSelfTradePrevention': False, 'preventSor': False,
            'updateTime': account.update_time, 'accountType': 'SPOT',
            'balances': [{'asset': asset, 'free': fmt(free), 'locked': fmt(locked)}
                         for asset, (free, locked) in sorted(account.balances.items())],
            'permissions': ['SPOT'], 'uid': account.uid,
        }

    def deposit(self, api_key: str, asset: str, amount: Any, network: Optional[str] = None,
                address: str = '') -> Dict[str, Any]:
        """Credit a deposit (for tests and demos): emits ``balanceUpdate`` and a position.

        :returns: the deposit history entry.
        """
        with self._transaction():
            account = self._account(api_key)
            asset = _asset_text(asset, 'asset')
            value = parse_decimal('amount', amount)
            now = self.now_ms()
            account.balance(asset)[0] += value
            self._touch_balance(account, asset)
            self._queue('user', api_key, {'e': 'balanceUpdate', 'E': now, 'a': asset,
                                          'd': fmt(value), 'T': now})
            self._wallet_id += 1
            entry = {
                'id': str(self._wallet_id), 'amount': fmt(value), 'coin': asset,
                'network': network or asset, 'status': 1,
                'address': address or self._address(account, asset), 'addressTag': '',
                'txId': 'local-tx-{}'.format(self._wallet_id), 'insertTime': now,
                'completeTime': now, 'transferType': 0, 'confirmTimes': '1/1',
                'unlockConfirm': 0, 'walletType': 0}
            account.deposits.append(entry)
            return dict(entry)

    # -- listen keys ------------------------------------------------------------------

    def create_listen_key(self, api_key: str) -> str:
        """A listen key for the account, valid 60 minutes (the active one if any)."""
        account = self._account(api_key)
        self._expire_due_keys()
        for key, entry in self._listen_keys.items():
            if entry[0] == account.api_key:
                entry[1] = self._key_deadline()
                return key
        rng = self._id_rng
        key = ''.join(rng.choice(_LISTEN_KEY_CHARS) for _ in range(60))
        self._listen_keys[key] = [account.api_key, self._key_deadline()]
        return key

    #: called with a listen key's new deadline (ms) when it is created or kept alive
    #: (a replay schedules its expiry on the replay clock); any thread, lock held
    on_listen_key_deadline: Optional[Callable[[int], Any]] = None

    def _key_deadline(self) -> int:
        # on the exchange's clock (ms, clock_offset included): moved ahead, keys run out
        deadline = self.now_ms() + int(LISTEN_KEY_VALIDITY * 1000)
        if self.on_listen_key_deadline is not None:
            self.on_listen_key_deadline(deadline)
        return deadline

    def _listen_entry(self, listen_key: Any, api_key: Optional[str]) -> List[Any]:
        self._expire_due_keys()
        if missing(listen_key):
            raise mandatory('listenKey')
        entry = self._listen_keys.get(listen_key)
        if entry is None or (api_key is not None and entry[0] != api_key):
            raise MarketError(-1125, 'This listenKey does not exist.')
        return entry

    def keepalive_listen_key(self, listen_key: str, api_key: Optional[str] = None) -> None:
        """Extend a listen key by 60 minutes; -1125 when it does not exist."""
        self._listen_entry(listen_key, api_key)[1] = self._key_deadline()

    def close_listen_key(self, listen_key: str, api_key: Optional[str] = None) -> None:
        """Delete a listen key; -1125 when it does not exist."""
        self._listen_entry(listen_key, api_key)
        del self._listen_keys[listen_key]

    def expire_listen_key(self, listen_key: str) -> bool:
        """Expire a listen key now, emitting ``listenKeyExpired``; False if unknown."""
        if self._listen_keys.pop(listen_key, None) is None:
            return False
        now = self.now_ms()
        self._queue('listenKeyExpired', listen_key,
                    {'e': 'listenKeyExpired', 'E': now, 'listenKey': listen_key})
        return True

    def listen_key_owner(self, listen_key: str) -> Optional[str]:
        """The API key a valid listen key belongs to, ``None`` otherwise."""
        self._expire_due_keys()
        entry = self._listen_keys.get(listen_key)
        return entry[0] if entry is not None else None

    @property
    def has_listen_keys(self) -> bool:
        """Whether any listen key is open (a cheap look, safe without the lock)."""
        return bool(self._listen_keys)

    def expire_due_keys(self) -> None:
        """Expire the listen keys whose validity ran out (``listenKeyExpired`` events)."""
        self._expire_due_keys()

    def _expire_due_keys(self) -> None:
        now = self.now_ms()
        for key in [k for k, entry in self._listen_keys.items() if entry[1] <= now]:
            self.expire_listen_key(key)

    # -- wallet ----------------------------------------------------------------------

    def system_status(self) -> Dict[str, Any]:
        """``GET /sapi/v1/system/status``: always normal."""
        return {'status': 0, 'msg': 'normal'}

    def account_status(self, api_key: str) -> Dict[str, Any]:
        """``GET /sapi/v1/account/status``."""
        self._account(api_key)
        return {'data': 'Normal'}

    def _assets(self, account: Optional[Account] = None) -> List[str]:
        names = set()
        for sym in self._symbols.values():
            names.update((sym.spec.base, sym.spec.quote))
        if account is not None:
            names.update(account.balances)
        return sorted(names)

    def asset_detail(self, api_key: str, asset: Any = None) -> Dict[str, Any]:
        """``GET /sapi/v1/asset/assetDetail``: withdraw fees and limits per asset."""
        account = self._account(api_key)
        names = self._assets(account) if missing(asset) else [_asset_text(asset, 'asset')]
        return {name: {'minWithdrawAmount': fmt(Decimal(_WITHDRAW_FEES.get(name, '0.01')) * 2),
                       'depositStatus': True,
                       'withdrawFee': float(_WITHDRAW_FEES.get(name, '0.01')),
                       'withdrawStatus': True, 'depositTip': ''} for name in names}

    def trade_fee(self, api_key: str, symbol: Any = None) -> List[Dict[str, Any]]:
        """``GET /sapi/v1/asset/tradeFee``: maker/taker commission per symbol."""
        self._account(api_key)
        names = sorted(self._symbols) if missing(symbol) else [self._symbol(symbol).spec.symbol]
        rate = str(COMMISSION_RATE)
        return [{'symbol': name, 'makerCommission': rate, 'takerCommission': rate}
                for name in names]

    def withdraw_fee(self, coin: str) -> Decimal:
        """The withdrawal fee of ``coin`` (the minimum withdrawal is twice it)."""
        return Decimal(_WITHDRAW_FEES.get(coin, '0.01'))

    def asset_names(self, account: Optional[Account] = None) -> List[str]:
        """Every asset of a listed symbol, and those ``account`` holds, sorted."""
        return self._assets(account)

    def btc_value(self, asset: str, amount: Decimal) -> Decimal:
        """``amount`` of ``asset`` in BTC at the last prices (0 when no pair prices it)."""
        return self._btc_value(asset, amount)

    def next_wallet_id(self) -> int:
        """A fresh wallet transaction id (``tranId``)."""
        self._wallet_id += 1
        return self._wallet_id

    def _btc_value(self, asset: str, amount: Decimal) -> Decimal:
        if asset == 'BTC':
            return amount
        for name, sym in self._symbols.items():
            if sym.spec.base == asset and sym.spec.quote == 'BTC':
                return amount * sym.log.last_price
            if sym.spec.base == 'BTC' and sym.spec.quote == asset:
                return amount / sym.log.last_price
        return ZERO

    def transfer_dust(self, api_key: str, asset: Any = None) -> Dict[str, Any]:
        """``POST /sapi/v1/asset/dust``: convert small balances (< 0.001 BTC) to BNB.

        :param asset: an asset, a list of assets or a comma-separated string.
        """
        with self._transaction():
            account = self._account(api_key)
            if missing(asset):
                raise mandatory('asset')
            names = asset.split(',') if isinstance(asset, str) else list(asset)
            bnb_btc = self._btc_value('BNB', Decimal(1))
            results, total_bnb, total_fee = [], ZERO, ZERO
            now = self.now_ms()
            for name in names:
                name = _asset_text(name.strip(), 'asset')
                free = account.balance(name)[0]
                value = self._btc_value(name, free)
                if name == 'BNB' or free <= 0 or not bnb_btc or value >= _DUST_BTC:
                    raise MarketError(-5003, 'Asset {} cannot be converted to BNB.'.format(name))
                amount = round8(value / bnb_btc)
                fee = round8(amount * _DUST_FEE)
                self._wallet_id += 1
                results.append({'amount': fmt(free), 'fromAsset': name, 'operateTime': now,
                                'serviceChargeAmount': fmt(fee), 'tranId': self._wallet_id,
                                'transferedAmount': fmt(amount - fee)})
                account.balance(name)[0] = ZERO
                account.balance('BNB')[0] += amount - fee
                self._touch_balance(account, name)
                self._touch_balance(account, 'BNB')
                total_bnb += amount - fee
                total_fee += fee
            account.dribblets.append({
                'operateTime': now, 'totalTransferedAmount': fmt(total_bnb),
                'totalServiceChargeAmount': fmt(total_fee), 'transId': self._wallet_id,
                'userAssetDribbletDetails': [dict(r, transId=r['tranId']) for r in results]})
            return {'totalServiceCharge': fmt(total_fee), 'totalTransfered': fmt(total_bnb),
                    'transferResult': results}

    def dust_log(self, api_key: str, startTime: Any = None,
                 endTime: Any = None) -> Dict[str, Any]:
        """``GET /sapi/v1/asset/dribblet``: earlier dust conversions."""
        account = self._account(api_key)
        entries = _in_range(account.dribblets, 'operateTime', startTime, endTime)
        return {'total': len(entries), 'userAssetDribblets': entries}

    def _address(self, account: Account, coin: str) -> str:
        text = '{}:{}:{}'.format(self._seed, account.uid, coin)
        digest = hashlib.sha256(text.encode()).hexdigest()
        return 'local' + digest[:34]

    def deposit_address(self, api_key: str, coin: Any = None,
                        network: Any = None) -> Dict[str, Any]:
        """``GET /sapi/v1/capital/deposit/address``: a fixed address per account and coin."""
        account = self._account(api_key)
        coin = _asset_text(coin)
        return {'address': self._address(account, coin), 'coin': coin, 'tag': '', 'url': ''}

    def deposit_history(self, api_key: str, coin: Any = None, status: Any = None,
                        startTime: Any = None, endTime: Any = None, offset: Any = 0,
                        limit: Any = 1000) -> List[Dict[str, Any]]:
        """``GET /sapi/v1/capital/deposit/hisrec``: deposits, newest first."""
        account = self._account(api_key)
        return _history(account.deposits, 'insertTime', coin, status, startTime, endTime,
                        offset, limit)

    def withdraw(self, api_key: str, coin: Any = None, address: Any = None, amount: Any = None,
                 network: Any = None, addressTag: Any = None, name: Any = None,
                 withdrawOrderId: Any = None, transactionFeeFlag: Any = None,
                 walletType: Any = None) -> Dict[str, Any]:
        """``POST /sapi/v1/capital/withdraw/apply``: debit ``amount`` and record it.

        :returns: ``{"id": ...}``.
        :raises MarketError: -4026 when the free balance is too small.
        """
        with self._transaction():
            account = self._account(api_key)
            coin = _asset_text(coin)
            if missing(address):
                raise mandatory('address')
            if missing(amount):
                raise mandatory('amount')
            value = parse_decimal('amount', amount)
            if value <= 0:
                raise MarketError(-1013, 'Invalid amount.')
            balance = account.balance(coin)
            if balance[0] < value:
                raise MarketError(-4026, 'User has insufficient balance')
            now = self.now_ms()
            balance[0] -= value
            self._touch_balance(account, coin)
            self._queue('user', api_key, {'e': 'balanceUpdate', 'E': now, 'a': coin,
                                          'd': fmt(-value), 'T': now})
            self._wallet_id += 1
            ident = hashlib.sha256('{}:withdraw:{}'.format(self._seed, self._wallet_id)
                                   .encode()).hexdigest()[:32]
            fee = Decimal(_WITHDRAW_FEES.get(coin, '0.01'))
            entry = {
                'id': ident, 'amount': fmt(value - min(fee, value)), 'transactionFee': fmt(fee),
                'coin': coin, 'status': 6, 'address': str(address),
                'txId': 'local-tx-{}'.format(self._wallet_id), 'applyTime': _date_text(now),
                'network': str(network) if not missing(network) else coin,
                'transferType': 0, 'info': '', 'confirmNo': 1, 'walletType': 0, 'txKey': '',
                'completeTime': _date_text(now), '_time': now}
            if not missing(addressTag):
                entry['addressTag'] = str(addressTag)
            if not missing(withdrawOrderId):
                entry['withdrawOrderId'] = str(withdrawOrderId)
            account.withdrawals.append(entry)
            return {'id': ident}

    def withdraw_history(self, api_key: str, coin: Any = None, status: Any = None,
                         startTime: Any = None, endTime: Any = None, offset: Any = 0,
                         limit: Any = 1000, withdrawOrderId: Any = None,
                         idList: Any = None) -> List[Dict[str, Any]]:
        """``GET /sapi/v1/capital/withdraw/history``: withdrawals, newest first.

        :param idList: comma-separated withdrawal ids (at most 45) to list only those.
        """
        account = self._account(api_key)
        entries = account.withdrawals
        if not missing(withdrawOrderId):
            entries = [e for e in entries if e.get('withdrawOrderId') == withdrawOrderId]
        if not missing(idList):
            wanted = str(idList).split(',')
            if len(wanted) > 45:
                raise MarketError(-1130, 'Invalid data sent for a parameter.')
            entries = [e for e in entries if e['id'] in wanted]
        found = _history(entries, '_time', coin, status, startTime, endTime, offset, limit)
        for entry in found:
            entry.pop('_time', None)
        return found


def _in_range(entries: List[Dict[str, Any]], time_key: str, start: Any,
              end: Any) -> List[Dict[str, Any]]:
    lo = parse_int('startTime', start) if not missing(start) else None
    hi = parse_int('endTime', end) if not missing(end) else None
    return [dict(e) for e in entries
            if (lo is None or e[time_key] >= lo) and (hi is None or e[time_key] <= hi)]


def _history(entries: List[Dict[str, Any]], time_key: str, coin: Any, status: Any,
             start: Any, end: Any, offset: Any, limit: Any) -> List[Dict[str, Any]]:
    found = _in_range(entries, time_key, start, end)
    if not missing(coin):
        found = [e for e in found if e['coin'] == coin]
    if not missing(status):
        wanted = parse_int('status', status)
        found = [e for e in found if e['status'] == wanted]
    offset = parse_int('offset', 0 if missing(offset) else offset, 0)
    limit = parse_int('limit', 1000 if missing(limit) else limit, 1, 1000)
    found.reverse()
    return found[offset:offset + limit]
