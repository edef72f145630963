"""Sub-accounts of the local exchange: :class:`SubAccountDesk` and its ``/sapi`` routes.

A master account (any account that is not itself a sub-account) owns
sub-accounts, each identified by its email. A sub-account is an ordinary
account of the :class:`~binance.testing.market.Market`: its spot wallet is
the market account of its API key, its cross margin wallet the
:class:`~binance.testing.margin.MarginDesk`'s (once margin is enabled) and
its USD-M wallet the :class:`~binance.testing.futures_market.FuturesMarket`'s
(once futures are enabled). So a sub-account's own API key trades, streams
and transfers on its own account, and every transfer moves real balances.

Sub-accounts come from :meth:`binance.testing.LocalExchange.add_sub_account`
(with an API key, balances and wallets) or from the API as Binance allows it:
``POST /sapi/v1/sub-account/virtualSubAccount`` (a virtual sub-account, no
API key of its own; reach its wallets through the master's endpoints).

The master account's email is made up (``master_<uid>@local.binance.test``):
Binance shows the master's email in transfer histories.

Simplifications, stated where Binance's docs name no error code: an email
that is not one of the caller's sub-accounts gets ``-9000 This two users are
not in parent-child relation.``; a master-only endpoint called with a
sub-account's key (and the reverse) ``-1002``; an overdrawn wallet
``-3020``; a wallet not enabled (margin, futures) ``-1002``; a universal
transfer Binance does not support (its docs list the supported moves: SPOT
to SPOT or futures and back for any account, master SPOT to a sub-account's
margin and back, cross margin between sub-accounts; at least one email)
``-1130``. Weights are IP weights; Binance's UID weight of
``universalTransfer`` (360) is not modelled. Sub-accounts have no
COIN-M account (the master's is the exchange's COIN-M desk):
``COIN_FUTURE`` account types and futures type ``2`` / transfer
types ``3`` and ``4`` are refused with ``-1130 Invalid data sent for a
parameter.`` as an unsupported value is; isolated margin likewise.

Binance reference: https://developers.binance.com/docs/sub_account
"""
import hashlib
import secrets
from decimal import Decimal
from typing import Any, Callable, Dict, List, Optional, Tuple

from binance.testing.market_base import (
    MarketError, fmt, mandatory, missing, parse_decimal, parse_int, round8)
from binance.testing.rest import SIGNED, _reading, _Route

__all__ = ['SubAccountDesk', 'SubAccount', 'subaccount_routes', 'plain']

ZERO = Decimal(0)
_NOT_RELATED = (-9000, 'This two users are not in parent-child relation.')
_ACCOUNT_TYPES = ('SPOT', 'USDT_FUTURE', 'COIN_FUTURE', 'MARGIN', 'ISOLATED_MARGIN')
_LETTERS = 'abcdefghijklmnopqrstuvwxyz'


def _unauthorized() -> MarketError:
    return MarketError(-1002, 'You are not authorized to execute this request.')


def _invalid() -> MarketError:
    return MarketError(-1130, 'Invalid data sent for a parameter.')


class SubAccount:
    """One sub-account: its email, master, market account key and switches.

    The key material is kept only to open its futures account; never shown.
    """

    def __init__(self, email: str, master: str, key: str, uid: int, created: int,
                 secret: Optional[str], public_key: Any, virtual: bool) -> None:
        self.email = email
        self.master = master
        self.key = key
        self.uid = uid
        self.created = created
        self._secret = secret
        self._public_key = public_key
        self.virtual = virtual
        self.margin = False
        self.futures = False

    def __repr__(self) -> str:
        return '<SubAccount {}>'.format(self.email)

    def open_futures(self, futures: Any, wallet: Dict[str, Any]) -> None:
        """Open this sub-account's account on the ``futures`` engine, under its own keys."""
        futures.add_account(self.key, self._secret, wallet, public_key=self._public_key)
        self.futures = True


class SubAccountDesk:
    """Sub-accounts over ``market``, their margin (``margin``) and USD-M (``futures``) wallets."""

    def __init__(self, market: Any, futures: Any, margin: Any) -> None:
        self.market = market
        self.futures = futures
        self.margin = margin
        self._subs: Dict[str, SubAccount] = {}       # email -> sub-account
        self._by_key: Dict[str, SubAccount] = {}     # market account key -> sub-account
        self._transfers: List[Dict[str, Any]] = []   # every sub-account transfer, oldest first
        self._tran_id = 200000000
        self._uid = 30000000

    # -- accounts -------------------------------------------------------------------

    def key_of(self, email: str) -> str:
        """The market account key of a sub-account (its API key, or ``'sub:' + email``)."""
        return self._subs[email].key

    def master_email(self, api_key: str) -> str:
        """The made-up email of a master account."""
        return 'master_{}@local.binance.test'.format(self.market.account_of(api_key).uid)

    def add(self, master: str, email: Optional[str] = None, api_key: Optional[str] = None,
            api_secret: Optional[str] = None, public_key: Any = None,
            balances: Optional[Dict[str, Any]] = None,
            futures_balances: Optional[Dict[str, Any]] = None, margin: bool = False,
            virtual: bool = False) -> str:
        """Create a sub-account of ``master``; returns its email (reactor thread).

        Without ``api_key`` the sub-account has no key of its own (like a
        virtual one made from the API). ``futures_balances`` enables its USD-M
        account with that wallet; ``margin=True`` its cross margin account.
        """
        self._master(master)
        if email is None:
            email = 'sub{}@local.binance.test'.format(len(self._subs) + 1)
        if not isinstance(email, str) or '@' not in email:
            raise ValueError('email must be an email address such as "sub1@example.com", got '
                             '{!r}'.format(email))
        if email in self._subs:
            raise ValueError('a sub-account with email {!r} exists already'.format(email))
        if api_key is None:
            if api_secret is not None or public_key is not None:
                raise ValueError('api_secret/public_key need the api_key they belong to')
            api_key, api_secret = 'sub:' + email, secrets.token_hex(16)
        elif api_key in self._by_key or self.market.key_type(api_key) is not None:
            raise ValueError('api_key {!r} belongs to another account already'.format(api_key))
        self.market.add_account(api_key, api_secret, balances or {}, public_key=public_key)
        self._uid += 1
        sub = SubAccount(email, master, api_key, self._uid, self.market.now_ms(), api_secret,
                         public_key, virtual)
        self._subs[email] = sub
        self._by_key[api_key] = sub
        if futures_balances is not None:
            self._enable_futures(sub, futures_balances)
        if margin:
            self._enable_margin(sub)
        return email

    def _master(self, api_key: str) -> Any:
        account = self.market.account_of(api_key)
        if api_key in self._by_key:
            raise _unauthorized()
        return account

    def _sub(self, master: str, email: Any) -> SubAccount:
        self._master(master)
        if missing(email):
            raise mandatory('email')
        sub = self._subs.get(email) if isinstance(email, str) else None
        if sub is None or sub.master != master:
            raise MarketError(*_NOT_RELATED)
        return sub

    def _own(self, api_key: str) -> SubAccount:
        """The sub-account of a sub-account's own API key."""
        self.market.account_of(api_key)
        sub = self._by_key.get(api_key)
        if sub is None:
            raise _unauthorized()
        return sub

    def _family(self, master: str) -> List[SubAccount]:
        return [sub for sub in self._subs.values() if sub.master == master]

    def _email_of(self, key: str) -> str:
        sub = self._by_key.get(key)
        return sub.email if sub is not None else self.master_email(key)

    def _enable_futures(self, sub: SubAccount, wallet: Optional[Dict[str, Any]] = None) -> None:
        if not sub.futures:
            sub.open_futures(self.futures, wallet if wallet is not None else {})

    def _enable_margin(self, sub: SubAccount) -> None:
        self.margin.inner(sub.key)
        sub.margin = True

    # -- management endpoints ---------------------------------------------------------

    def create_virtual(self, api_key: str, subAccountString: Any = None) -> Dict[str, str]:
        """``POST /sapi/v1/sub-account/virtualSubAccount``."""
        self._master(api_key)
        if missing(subAccountString):
            raise mandatory('subAccountString')
        if not isinstance(subAccountString, str) or not subAccountString.isalnum() \
                or not subAccountString.isascii():
            raise MarketError(-1100, "Illegal characters found in parameter 'subAccountString'; "
                                     "legal range is '^[A-Za-z0-9]+$'.")
        digest = hashlib.sha256('{}:{}:{}'.format(self.market.seed, api_key, subAccountString)
                                .encode()).digest()
        domain = ''.join(_LETTERS[b % 26] for b in digest[:10])
        email = '{}_virtual@{}noemail.com'.format(subAccountString.lower(), domain)
        if email in self._subs:
            raise _invalid()
        self.add(api_key, email, virtual=True)
        return {'email': email}

    def _sub_row(self, sub: SubAccount) -> Dict[str, Any]:
        return {'subUserId': sub.uid, 'email': sub.email, 'remark': '', 'isFreeze': False,
                'createTime': sub.created, 'isManagedSubAccount': False,
                'isAssetManagementSubAccount': False}

    def list(self, api_key: str, email: Any = None, isFreeze: Any = None, page: Any = None,
             limit: Any = None) -> Dict[str, Any]:
        """``GET /sapi/v1/sub-account/list`` (``limit`` defaults to 1, as on Binance)."""
        self._master(api_key)
        subs = self._family(api_key)
        if not missing(email):
            subs = [sub for sub in subs if sub.email == email]
        if not missing(isFreeze) and str(isFreeze).lower() == 'true':
            subs = []
        page_no = parse_int('page', 1 if missing(page) else page, 1)
        size = parse_int('limit', 1 if missing(limit) else limit, 1, 200)
        chosen = subs[(page_no - 1) * size:page_no * size]
        return {'subAccounts': [self._sub_row(sub) for sub in chosen]}

    def status(self, api_key: str, email: Any = None) -> List[Dict[str, Any]]:
        """``GET /sapi/v1/sub-account/status``."""
        subs = [self._sub(api_key, email)] if not missing(email) else self._family(api_key)
        self._master(api_key)
        return [{'email': sub.email, 'isSubUserEnabled': True, 'isUserActive': True,
                 'insertTime': sub.created, 'isMarginEnabled': sub.margin,
                 'isFutureEnabled': sub.futures, 'mobile': 0} for sub in subs]

    def enable_margin(self, api_key: str, email: Any = None) -> Dict[str, Any]:
        """``POST /sapi/v1/sub-account/margin/enable``."""
        sub = self._sub(api_key, email)
        self._enable_margin(sub)
        return {'email': sub.email, 'isMarginEnabled': True}

    def enable_futures(self, api_key: str, email: Any = None) -> Dict[str, Any]:
        """``POST /sapi/v1/sub-account/futures/enable``."""
        sub = self._sub(api_key, email)
        self._enable_futures(sub)
        return {'email': sub.email, 'isFuturesEnabled': True}

    # -- balances ------------------------------------------------------------------------

    def assets(self, api_key: str, email: Any = None) -> Dict[str, Any]:
        """``GET /sapi/v3/sub-account/assets``: numbers, not strings, on this endpoint."""
        sub = self._sub(api_key, email)
        return {'balances': [
            {'freeze': 0, 'withdrawing': 0, 'asset': asset, 'free': float(entry['free']),
             'locked': float(entry['locked'])}
            for asset, entry in self.market.balances(sub.key).items()
            if entry['free'] or entry['locked']]}

    def _btc_total(self, key: str) -> Decimal:
        total = ZERO
        for asset, entry in self.market.balances(key).items():
            total += self.market.btc_value(asset, entry['free'] + entry['locked'])
        return round8(total)

    def spot_summary(self, api_key: str, email: Any = None, page: Any = None,
                     size: Any = None) -> Dict[str, Any]:
        """``GET /sapi/v1/sub-account/spotSummary`` (BTC values at the last prices)."""
        subs = [self._sub(api_key, email)] if not missing(email) else self._family(api_key)
        page_no = parse_int('page', 1 if missing(page) else page, 1)
        rows = parse_int('size', 10 if missing(size) else size, 1, 20)
        return {'totalCount': len(subs),
                'masterAccountTotalAsset': fmt(self._btc_total(api_key)),
                'spotSubUserAssetBtcVoList': [
                    {'email': sub.email, 'totalAsset': fmt(self._btc_total(sub.key))}
                    for sub in subs[(page_no - 1) * rows:page_no * rows]]}

    def _margin_sub(self, api_key: str, email: Any) -> SubAccount:
        sub = self._sub(api_key, email)
        if not sub.margin:
            raise _unauthorized()
        return sub

    def margin_account(self, api_key: str, email: Any = None) -> Dict[str, Any]:
        """``GET /sapi/v1/sub-account/margin/account``."""
        sub = self._margin_sub(api_key, email)
        account = self.margin.account(sub.key)
        return {'email': sub.email, 'marginLevel': account['marginLevel'],
                'totalAssetOfBtc': account['totalAssetOfBtc'],
                'totalLiabilityOfBtc': account['totalLiabilityOfBtc'],
                'totalNetAssetOfBtc': account['totalNetAssetOfBtc'],
                'marginTradeCoeffVo': {'forceLiquidationBar': '1.10000000',
                                       'marginCallBar': '1.50000000',
                                       'normalBar': '2.00000000'},
                'marginUserAssetVoList': account['userAssets']}

    def margin_summary(self, api_key: str) -> Dict[str, Any]:
        """``GET /sapi/v1/sub-account/margin/accountSummary``."""
        self._master(api_key)
        names = ('totalAssetOfBtc', 'totalLiabilityOfBtc', 'totalNetAssetOfBtc')
        rows, totals = [], dict.fromkeys(names, ZERO)
        for sub in self._family(api_key):
            if not sub.margin:
                continue
            account = self.margin.account(sub.key)
            rows.append(dict({'email': sub.email}, **{n: account[n] for n in names}))
            for name in names:
                totals[name] += Decimal(account[name])
        return dict({name: fmt(value) for name, value in totals.items()}, subAccountList=rows)

    def _futures_sub(self, api_key: str, email: Any) -> SubAccount:
        sub = self._sub(api_key, email)
        if not sub.futures:
            raise _unauthorized()
        return sub

    def futures_account(self, api_key: str, email: Any = None) -> Dict[str, Any]:
        """``GET /sapi/v1/sub-account/futures/account`` (USD-M)."""
        sub = self._futures_sub(api_key, email)
        account = self.futures.f_account(sub.key)
        names = ('initialMargin', 'maintenanceMargin', 'marginBalance', 'maxWithdrawAmount',
                 'openOrderInitialMargin', 'positionInitialMargin', 'unrealizedProfit',
                 'walletBalance')
        assets = [{name: row.get('maintMargin' if name == 'maintenanceMargin' else name,
                                 fmt(ZERO)) for name in names} for row in account['assets']]
        for row, source in zip(assets, account['assets']):
            row['asset'] = source['asset']
        return {'email': sub.email, 'asset': 'USDT', 'assets': assets, 'canDeposit': True,
                'canTrade': True, 'canWithdraw': True, 'feeTier': 0,
                'maxWithdrawAmount': account['maxWithdrawAmount'],
                'totalInitialMargin': account['totalInitialMargin'],
                'totalMaintenanceMargin': account['totalMaintMargin'],
                'totalMarginBalance': account['totalMarginBalance'],
                'totalOpenOrderInitialMargin': account['totalOpenOrderInitialMargin'],
                'totalPositionInitialMargin': account['totalPositionInitialMargin'],
                'totalUnrealizedProfit': account['totalUnrealizedProfit'],
                'totalWalletBalance': account['totalWalletBalance'],
                'updateTime': self.market.now_ms()}

    def futures_summary(self, api_key: str, page: Any = None,
                        limit: Any = None) -> Dict[str, Any]:
        """``GET /sapi/v1/sub-account/futures/accountSummary`` (USD-M, in USD)."""
        self._master(api_key)
        names = ('totalInitialMargin', 'totalMaintenanceMargin', 'totalMarginBalance',
                 'totalOpenOrderInitialMargin', 'totalPositionInitialMargin',
                 'totalUnrealizedProfit', 'totalWalletBalance')
        rows, totals = [], dict.fromkeys(names, ZERO)
        for sub in self._family(api_key):
            if not sub.futures:
                continue
            account = self.futures_account(api_key, sub.email)
            rows.append(dict({'email': sub.email, 'asset': 'USD'},
                             **{n: account[n] for n in names}))
            for name in names:
                totals[name] += Decimal(account[name])
        page_no = parse_int('page', 1 if missing(page) else page, 1)
        size = parse_int('limit', 10 if missing(limit) else limit, 1, 20)
        return dict({name: fmt(value) for name, value in totals.items()}, asset='USD',
                    subAccountList=rows[(page_no - 1) * size:page_no * size])

    def futures_position_risk(self, api_key: str, email: Any = None) -> List[Dict[str, Any]]:
        """``GET /sapi/v1/sub-account/futures/positionRisk`` (USD-M, open positions)."""
        sub = self._futures_sub(api_key, email)
        account = self.futures.ledger.account(sub.key)
        rows = []
        for row in self.futures.f_position_risk(sub.key):
            if not Decimal(row['positionAmt']):
                continue
            leverage = getattr(account, 'leverage', {}).get(row['symbol'], 20)
            rows.append({'entryPrice': row['entryPrice'], 'leverage': str(leverage),
                         'maxNotional': row.get('maxNotional', '1000000'),
                         'liquidationPrice': row['liquidationPrice'],
                         'markPrice': row['markPrice'], 'positionAmount': row['positionAmt'],
                         'symbol': row['symbol'], 'unrealizedProfit': row['unRealizedProfit']})
        return rows

    def deposit_address(self, api_key: str, email: Any = None, coin: Any = None,
                        network: Any = None) -> Dict[str, str]:
        """``GET /sapi/v1/capital/deposit/subAddress``."""
        sub = self._sub(api_key, email)
        return self.market.deposit_address(sub.key, coin, network)

    def deposit_history(self, api_key: str, email: Any = None, **filters: Any) -> Any:
        """``GET /sapi/v1/capital/deposit/subHisrec``."""
        sub = self._sub(api_key, email)
        return self.market.deposit_history(sub.key, **filters)

    # -- transfers -------------------------------------------------------------------------

    def _wallet(self, key: str, account_type: Any) -> Any:
        """The owner of ``key``'s wallet of ``account_type`` for :meth:`MarginDesk._move`."""
        sub = self._by_key.get(key)
        if account_type == 'SPOT':
            return key
        if account_type == 'MARGIN':
            if sub is not None and not sub.margin:
                raise _unauthorized()
            return self.margin.inner(key)
        if account_type == 'USDT_FUTURE':
            if sub is not None and not sub.futures:
                raise _unauthorized()
            self.futures.ledger.account(key)
            return ('futures', key)
        raise _invalid()   # COIN_FUTURE and ISOLATED_MARGIN are not simulated

    def _move(self, source: Any, target: Any, asset: Any, amount: Any) -> Tuple[str, Decimal]:
        if missing(asset):
            raise mandatory('asset')
        if missing(amount):
            raise mandatory('amount')
        if not isinstance(asset, str) or not asset.isalnum():
            raise MarketError(-1100, "Illegal characters found in parameter 'asset'.")
        value = parse_decimal('amount', amount)
        if value <= 0:
            raise MarketError(-1013, 'Invalid amount.')
        self.margin.move_funds(source, target, asset, value)
        return asset, value

    def _record(self, kind: str, source: str, target: str, from_type: str, to_type: str,
                asset: str, value: Decimal, client_id: Any = None) -> int:
        self._tran_id += 1
        self._transfers.append({'kind': kind, 'from': source, 'to': target,
                                'fromAccountType': from_type, 'toAccountType': to_type,
                                'asset': asset, 'qty': value, 'tranId': self._tran_id,
                                'time': self.market.now_ms(),
                                'clientTranId': '' if missing(client_id) else str(client_id)})
        return self._tran_id

    def _email_key(self, master: str, email: Any) -> str:
        """The market key of ``email`` (a sub-account of ``master``, or empty: the master)."""
        if missing(email) or email == self.master_email(master):
            return master
        return self._sub(master, email).key

    def universal_transfer(self, api_key: str, fromEmail: Any = None, toEmail: Any = None,
                           fromAccountType: Any = None, toAccountType: Any = None,
                           clientTranId: Any = None, symbol: Any = None, asset: Any = None,
                           amount: Any = None) -> Dict[str, Any]:
        """``POST /sapi/v1/sub-account/universalTransfer`` (master account)."""
        self._master(api_key)
        for name, value in (('fromAccountType', fromAccountType),
                            ('toAccountType', toAccountType)):
            if missing(value):
                raise mandatory(name)
            if value not in _ACCOUNT_TYPES:
                raise _invalid()
        if missing(fromEmail) and missing(toEmail):
            raise _invalid()   # Binance: at least one of fromEmail and toEmail
        source, target = self._email_key(api_key, fromEmail), self._email_key(api_key, toEmail)
        if (source == target and fromAccountType == toAccountType) or not _supported(
                source == api_key, target == api_key, fromAccountType, toAccountType):
            raise _invalid()
        if not missing(clientTranId) and any(t['clientTranId'] == str(clientTranId)
                                             for t in self._transfers):
            raise _invalid()
        name, value = self._move(self._wallet(source, fromAccountType),
                                 self._wallet(target, toAccountType), asset, amount)
        tran_id = self._record('universal', source, target, fromAccountType, toAccountType,
                               name, value, clientTranId)
        answer: Dict[str, Any] = {'tranId': tran_id}
        if not missing(clientTranId):
            answer['clientTranId'] = str(clientTranId)
        return answer

    def universal_history(self, api_key: str, fromEmail: Any = None, toEmail: Any = None,
                          clientTranId: Any = None, startTime: Any = None, endTime: Any = None,
                          page: Any = None, limit: Any = None) -> Dict[str, Any]:
        """``GET /sapi/v1/sub-account/universalTransfer``, newest first.

        Neither email: the transfers out of the master account.
        """
        self._master(api_key)
        if not missing(fromEmail) and not missing(toEmail):
            raise _invalid()
        if not missing(fromEmail):
            rows = [t for t in self._transfers if t['from'] == self._email_key(api_key, fromEmail)]
        elif not missing(toEmail):
            rows = [t for t in self._transfers if t['to'] == self._email_key(api_key, toEmail)]
        else:
            rows = [t for t in self._transfers if t['from'] == api_key]
        rows = [t for t in _in_range(rows, startTime, endTime) if t['kind'] == 'universal'
                and (missing(clientTranId) or t['clientTranId'] == str(clientTranId))]
        page_no = parse_int('page', 1 if missing(page) else page, 1)
        size = parse_int('limit', 500 if missing(limit) else limit, 1, 500)
        chosen = list(reversed(rows))[(page_no - 1) * size:page_no * size]
        return {'result': [{'tranId': t['tranId'], 'fromEmail': self._email_of(t['from']),
                            'toEmail': self._email_of(t['to']), 'asset': t['asset'],
                            'amount': plain(t['qty']), 'createTimeStamp': t['time'],
                            'fromAccountType': t['fromAccountType'],
                            'toAccountType': t['toAccountType'], 'status': 'SUCCESS',
                            'clientTranId': t['clientTranId']} for t in chosen],
                'totalCount': len(rows)}

    def sub_futures_transfer(self, api_key: str, email: Any = None, asset: Any = None,
                             amount: Any = None, type: Any = None) -> Dict[str, str]:
        """``POST /sapi/v1/sub-account/futures/transfer``: 1 spot→USD-M, 2 USD-M→spot."""
        sub = self._sub(api_key, email)
        kinds = {'1': ('SPOT', 'USDT_FUTURE'), '2': ('USDT_FUTURE', 'SPOT')}
        if missing(type):
            raise mandatory('type')
        if str(type) not in kinds:
            raise _invalid()   # 3 and 4 are COIN-M, not simulated
        from_type, to_type = kinds[str(type)]
        name, value = self._move(self._wallet(sub.key, from_type), self._wallet(sub.key, to_type),
                                 asset, amount)
        return {'txnId': str(self._record('futures', sub.key, sub.key, from_type, to_type, name,
                                          value))}

    def sub_margin_transfer(self, api_key: str, email: Any = None, asset: Any = None,
                            amount: Any = None, type: Any = None) -> Dict[str, str]:
        """``POST /sapi/v1/sub-account/margin/transfer``: 1 spot→margin, 2 margin→spot."""
        sub = self._sub(api_key, email)
        kinds = {'1': ('SPOT', 'MARGIN'), '2': ('MARGIN', 'SPOT')}
        if missing(type):
            raise mandatory('type')
        if str(type) not in kinds:
            raise _invalid()
        from_type, to_type = kinds[str(type)]
        name, value = self._move(self._wallet(sub.key, from_type), self._wallet(sub.key, to_type),
                                 asset, amount)
        return {'txnId': str(self._record('margin', sub.key, sub.key, from_type, to_type, name,
                                          value))}

    def futures_internal_transfer(self, api_key: str, fromEmail: Any = None, toEmail: Any = None,
                                  futuresType: Any = None, asset: Any = None,
                                  amount: Any = None) -> Dict[str, Any]:
        """``POST /sapi/v1/sub-account/futures/internalTransfer`` (USD-M: futuresType 1)."""
        self._master(api_key)
        for name, value in (('fromEmail', fromEmail), ('toEmail', toEmail),
                            ('futuresType', futuresType)):
            if missing(value):
                raise mandatory(name)
        if str(futuresType) != '1':
            raise _invalid()   # 2 is COIN-M, not simulated
        source, target = self._email_key(api_key, fromEmail), self._email_key(api_key, toEmail)
        name, value = self._move(self._wallet(source, 'USDT_FUTURE'),
                                 self._wallet(target, 'USDT_FUTURE'), asset, amount)
        tran_id = self._record('internal', source, target, 'USDT_FUTURE', 'USDT_FUTURE', name,
                               value)
        return {'success': True, 'txnId': str(tran_id)}

    def futures_internal_history(self, api_key: str, email: Any = None, futuresType: Any = None,
                                 startTime: Any = None, endTime: Any = None, page: Any = None,
                                 limit: Any = None) -> Dict[str, Any]:
        """``GET /sapi/v1/sub-account/futures/internalTransfer``, newest first."""
        key = self._sub(api_key, email).key
        if missing(futuresType):
            raise mandatory('futuresType')
        if str(futuresType) not in ('1', '2'):
            raise _invalid()
        rows = [t for t in _in_range(self._transfers, startTime, endTime)
                if t['kind'] == 'internal' and key in (t['from'], t['to'])
                and str(futuresType) == '1']
        page_no = parse_int('page', 1 if missing(page) else page, 1)
        size = parse_int('limit', 50 if missing(limit) else limit, 1, 500)
        chosen = list(reversed(rows))[(page_no - 1) * size:page_no * size]
        return {'success': True, 'futuresType': int(futuresType), 'transfers': [
            {'from': self._email_of(t['from']), 'to': self._email_of(t['to']),
             'asset': t['asset'], 'qty': plain(t['qty']), 'tranId': t['tranId'],
             'time': t['time']} for t in chosen]}

    def spot_history(self, api_key: str, fromEmail: Any = None, toEmail: Any = None,
                     startTime: Any = None, endTime: Any = None, page: Any = None,
                     limit: Any = None) -> List[Dict[str, Any]]:
        """``GET /sapi/v1/sub-account/sub/transfer/history``: spot to spot moves, newest first."""
        self._master(api_key)
        family = {sub.key for sub in self._family(api_key)} | {api_key}
        rows = [t for t in _in_range(self._transfers, startTime, endTime)
                if t['fromAccountType'] == t['toAccountType'] == 'SPOT' and t['from'] != t['to']
                and t['from'] in family and t['to'] in family]
        if not missing(fromEmail):
            rows = [t for t in rows if t['from'] == self._email_key(api_key, fromEmail)]
        if not missing(toEmail):
            rows = [t for t in rows if t['to'] == self._email_key(api_key, toEmail)]
        page_no = parse_int('page', 1 if missing(page) else page, 1)
        size = parse_int('limit', 500 if missing(limit) else limit, 1, 500)
        return [{'from': self._email_of(t['from']), 'to': self._email_of(t['to']),
                 'asset': t['asset'], 'qty': plain(t['qty']), 'status': 'SUCCESS',
                 'tranId': t['tranId'], 'time': t['time']}
                for t in list(reversed(rows))[(page_no - 1) * size:page_no * size]]

    def sub_to_sub(self, api_key: str, toEmail: Any = None, asset: Any = None,
                   amount: Any = None) -> Dict[str, str]:
        """``POST /sapi/v1/sub-account/transfer/subToSub`` (a sub-account's own key)."""
        sub = self._own(api_key)
        if missing(toEmail):
            raise mandatory('toEmail')
        target = self._subs.get(toEmail) if isinstance(toEmail, str) else None
        if target is None or target.master != sub.master or target is sub:
            raise MarketError(*_NOT_RELATED)
        name, value = self._move(sub.key, target.key, asset, amount)
        return {'txnId': str(self._record('sub', sub.key, target.key, 'SPOT', 'SPOT', name,
                                          value))}

    def sub_to_master(self, api_key: str, asset: Any = None,
                      amount: Any = None) -> Dict[str, str]:
        """``POST /sapi/v1/sub-account/transfer/subToMaster`` (a sub-account's own key)."""
        sub = self._own(api_key)
        name, value = self._move(sub.key, sub.master, asset, amount)
        return {'txnId': str(self._record('sub', sub.key, sub.master, 'SPOT', 'SPOT', name,
                                          value))}

    def sub_user_history(self, api_key: str, asset: Any = None, type: Any = None,
                         startTime: Any = None, endTime: Any = None, limit: Any = None,
                         returnFailHistory: Any = None) -> List[Dict[str, Any]]:
        """``GET /sapi/v1/sub-account/transfer/subUserHistory``: a sub-account's transfers
        in (type 1) and out (type 2) of its spot wallet, newest first."""
        sub = self._own(api_key)
        wanted = None if missing(type) else parse_int('type', type, 1, 2)
        rows = []
        for t in _in_range(self._transfers, startTime, endTime):
            if t['from'] == t['to'] or sub.key not in (t['from'], t['to']):
                continue
            direction = 1 if t['to'] == sub.key else 2
            if (wanted is not None and direction != wanted) or (
                    not missing(asset) and t['asset'] != asset):
                continue
            other = t['from'] if direction == 1 else t['to']
            rows.append({'counterParty': 'master' if other == sub.master else 'subAccount',
                         'email': self._email_of(other), 'type': direction,
                         'asset': t['asset'], 'qty': plain(t['qty']),
                         'fromAccountType': t['fromAccountType'],
                         'toAccountType': t['toAccountType'], 'status': 'SUCCESS',
                         'tranId': t['tranId'], 'time': t['time']})
        size = parse_int('limit', 500 if missing(limit) else limit, 1, 500)
        return list(reversed(rows))[:size]


def _supported(from_master: bool, to_master: bool, from_type: str, to_type: str) -> bool:
    """Whether Binance's master-account universal transfer supports this move (its docs:
    SPOT to SPOT/futures and futures to SPOT for any account; master SPOT to a sub-account's
    margin; a sub-account's margin to master SPOT; cross margin between sub-accounts)."""
    futures = ('USDT_FUTURE', 'COIN_FUTURE')
    margins = ('MARGIN', 'ISOLATED_MARGIN')
    return ((from_type == 'SPOT' and to_type in ('SPOT',) + futures)
            or (to_type == 'SPOT' and from_type in futures)
            or (from_master and not to_master and from_type == 'SPOT' and to_type in margins)
            or (not from_master and to_master and from_type in margins and to_type == 'SPOT')
            or (not from_master and not to_master and from_type == to_type == 'MARGIN'))


def plain(value: Decimal) -> str:
    """A transferred amount as Binance writes it in histories (``'0.1'``, no padding)."""
    text = format(value.normalize(), 'f')
    return text


def _in_range(rows: List[Dict[str, Any]], start: Any, end: Any) -> List[Dict[str, Any]]:
    lo = parse_int('startTime', start) if not missing(start) else None
    hi = parse_int('endTime', end) if not missing(end) else None
    return [r for r in rows if (lo is None or r['time'] >= lo) and (hi is None or r['time'] <= hi)]


def _route(fn: Callable[..., Any], names: Tuple[str, ...], weight: int = 1) -> _Route:
    def handler(market: Any, api_key: str, params: Dict[str, Any]) -> Any:
        return fn(api_key, **{name: params[name] for name in names if name in params})
    return _Route(_reading(names, handler), SIGNED, weight)


def subaccount_routes(desk: SubAccountDesk) -> Dict[Tuple[str, str], _Route]:
    """The sub-account routes over ``desk`` (served next to the spot ones)."""
    base = '/sapi/v1/sub-account/'
    history = ('startTime', 'endTime', 'page', 'limit')
    return {
        ('POST', base + 'virtualSubAccount'): _route(desk.create_virtual, ('subAccountString',)),
        ('GET', base + 'list'): _route(desk.list, ('email', 'isFreeze', 'page', 'limit')),
        ('GET', base + 'status'): _route(desk.status, ('email',)),
        ('POST', base + 'margin/enable'): _route(desk.enable_margin, ('email',)),
        ('POST', base + 'futures/enable'): _route(desk.enable_futures, ('email',)),
        ('GET', '/sapi/v3/sub-account/assets'): _route(desk.assets, ('email',), 60),
        ('GET', base + 'spotSummary'): _route(desk.spot_summary, ('email', 'page', 'size')),
        ('GET', base + 'margin/account'): _route(desk.margin_account, ('email',), 10),
        ('GET', base + 'margin/accountSummary'): _route(desk.margin_summary, (), 10),
        ('GET', base + 'futures/account'): _route(desk.futures_account, ('email',), 10),
        ('GET', base + 'futures/accountSummary'): _route(desk.futures_summary,
                                                          ('page', 'limit'), 10),
        ('GET', base + 'futures/positionRisk'): _route(desk.futures_position_risk,
                                                        ('email',), 10),
        ('GET', '/sapi/v1/capital/deposit/subAddress'): _route(
            desk.deposit_address, ('email', 'coin', 'network')),
        ('GET', '/sapi/v1/capital/deposit/subHisrec'): _route(
            desk.deposit_history, ('email', 'coin', 'status', 'startTime', 'endTime', 'limit',
                                   'offset')),
        ('POST', base + 'universalTransfer'): _route(
            desk.universal_transfer, ('fromEmail', 'toEmail', 'fromAccountType', 'toAccountType',
                                      'clientTranId', 'symbol', 'asset', 'amount')),
        ('GET', base + 'universalTransfer'): _route(
            desk.universal_history, ('fromEmail', 'toEmail', 'clientTranId') + history),
        ('POST', base + 'futures/transfer'): _route(desk.sub_futures_transfer,
                                                    ('email', 'asset', 'amount', 'type')),
        ('POST', base + 'margin/transfer'): _route(desk.sub_margin_transfer,
                                                   ('email', 'asset', 'amount', 'type')),
        ('POST', base + 'futures/internalTransfer'): _route(
            desk.futures_internal_transfer, ('fromEmail', 'toEmail', 'futuresType', 'asset',
                                             'amount')),
        ('GET', base + 'futures/internalTransfer'): _route(
            desk.futures_internal_history, ('email', 'futuresType') + history),
        ('GET', base + 'sub/transfer/history'): _route(
            desk.spot_history, ('fromEmail', 'toEmail') + history),
        ('POST', base + 'transfer/subToSub'): _route(desk.sub_to_sub,
                                                     ('toEmail', 'asset', 'amount')),
        ('POST', base + 'transfer/subToMaster'): _route(desk.sub_to_master, ('asset', 'amount')),
        ('GET', base + 'transfer/subUserHistory'): _route(
            desk.sub_user_history, ('asset', 'type', 'startTime', 'endTime', 'limit',
                                    'returnFailHistory')),
    }
