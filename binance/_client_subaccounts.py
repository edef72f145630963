"""Sub-account methods of :class:`binance.client.Client` (python-binance 0.7.11's names).

0.7.11 reached sub-accounts partly on the retired ``/wapi`` (``list.html``,
``transfer.html``, ``assets.html`` ...) and partly on ``/sapi``; here every
method uses today's path (Binance "Sub Account" docs): ``/sapi/v1/sub-account/list``,
``/sapi/v3/sub-account/assets``, ``/sapi/v1/sub-account/universalTransfer`` for
0.7.11's ``create_sub_account_transfer``, and so on (each docstring names its
endpoint). Unless said otherwise a method is for the master account's API
key; ``make_subaccount_to_subaccount_transfer``,
``make_subaccount_to_master_transfer`` and ``get_subaccount_transfer_history``
are for a sub-account's key. Every method is SIGNED.

Binance reference: https://developers.binance.com/docs/sub_account
"""
from typing import Any, Dict, List, Tuple

from binance._client_base import ClientBase
from binance._client_params import require

__all__ = ['SubAccountMixin', 'subaccount_method_table']


class SubAccountMixin(ClientBase):
    """Sub-account management, assets and transfers (``/sapi/.../sub-account/...``)."""

    def _sub(self, method: str, path: str, params: Dict[str, Any], *required: Any,
             caller: str = '') -> Any:
        if required:
            require(caller, params, *required)
        return self._request(method, path, params, signed=True, api='sapi')

    # -- management ----------------------------------------------------------------

    def create_virtual_sub_account(self, **params: Any) -> Dict[str, str]:
        """Create a virtual sub-account (``POST /sapi/v1/sub-account/virtualSubAccount``; ours).

        :param subAccountString: required, letters and digits; Binance makes
            the email from it. :returns: ``{'email': 'abc_virtual@xxxxxnoemail.com'}``
        """
        return self._sub('POST', 'v1/sub-account/virtualSubAccount', params, 'subAccountString',
                         caller='create_virtual_sub_account')

    def get_sub_account_list(self, **params: Any) -> Dict[str, Any]:
        """The master account's sub-accounts (``GET /sapi/v1/sub-account/list``).

        :param email: / :param isFreeze: optional filters; :param page:
            default 1; :param limit: default 1, at most 200.
        :returns: ``{'subAccounts': [{'subUserId': 123456, 'email': 'sub@test.com',
            'remark': '', 'isFreeze': False, 'createTime': 1544433328000,
            'isManagedSubAccount': False, 'isAssetManagementSubAccount': False}]}``
        """
        return self._sub('GET', 'v1/sub-account/list', params)

    def get_subaccount_futures_margin_status(self, **params: Any) -> List[Dict[str, Any]]:
        """Whether margin and futures are on per sub-account (``GET /sapi/v1/sub-account/status``).

        :param email: optional. :returns: ``[{'email': 'sub@test.com',
            'isSubUserEnabled': True, 'isUserActive': True, 'insertTime': 1570791523523,
            'isMarginEnabled': True, 'isFutureEnabled': True, 'mobile': 1570791523523}]``
        """
        return self._sub('GET', 'v1/sub-account/status', params)

    def enable_subaccount_margin(self, **params: Any) -> Dict[str, Any]:
        """Open a sub-account's margin account (``POST /sapi/v1/sub-account/margin/enable``).

        :param email: required. :returns: ``{'email': 'sub@test.com', 'isMarginEnabled': True}``
        """
        return self._sub('POST', 'v1/sub-account/margin/enable', params, 'email',
                         caller='enable_subaccount_margin')

    def enable_subaccount_futures(self, **params: Any) -> Dict[str, Any]:
        """Open a sub-account's futures account (``POST /sapi/v1/sub-account/futures/enable``).

        :param email: required. :returns: ``{'email': 'sub@test.com', 'isFuturesEnabled': True}``
        """
        return self._sub('POST', 'v1/sub-account/futures/enable', params, 'email',
                         caller='enable_subaccount_futures')

    # -- balances and summaries ---------------------------------------------------------

    def get_sub_account_assets(self, **params: Any) -> Dict[str, Any]:
        """A sub-account's spot balances (``GET /sapi/v3/sub-account/assets``).

        :param email: required. :returns: ``{'balances': [{'asset': 'ADA',
            'free': 10000.0, 'locked': 0.0, 'freeze': 0.0, 'withdrawing': 0.0}]}``
            (numbers, as Binance sends them on this endpoint)
        """
        return self._sub('GET', 'v3/sub-account/assets', params, 'email',
                         caller='get_sub_account_assets')

    def query_subaccount_spot_summary(self, **params: Any) -> Dict[str, Any]:
        """BTC value of every sub-account's spot wallet (``GET /sapi/v1/sub-account/spotSummary``).

        :param email: optional; :param page: default 1; :param size: default 10, at most 20.
        :returns: ``{'totalCount': 2, 'masterAccountTotalAsset': '0.23231201',
            'spotSubUserAssetBtcVoList': [{'email': 'sub@test.com', 'totalAsset': '9999.00000000'}]}``
        """
        return self._sub('GET', 'v1/sub-account/spotSummary', params)

    def get_subaccount_margin_details(self, **params: Any) -> Dict[str, Any]:
        """A sub-account's cross margin account (``GET /sapi/v1/sub-account/margin/account``).

        :param email: required. :returns: ``{'email': ..., 'marginLevel': ...,
            'totalAssetOfBtc': ..., 'totalLiabilityOfBtc': ..., 'totalNetAssetOfBtc': ...,
            'marginTradeCoeffVo': {...}, 'marginUserAssetVoList': [{'asset': 'BTC',
            'borrowed': ..., 'free': ..., 'interest': ..., 'locked': ..., 'netAsset': ...}]}``
        """
        return self._sub('GET', 'v1/sub-account/margin/account', params, 'email',
                         caller='get_subaccount_margin_details')

    def get_subaccount_margin_summary(self, **params: Any) -> Dict[str, Any]:
        """Margin totals of every sub-account (``GET /sapi/v1/sub-account/margin/accountSummary``).

        :returns: ``{'totalAssetOfBtc': ..., 'totalLiabilityOfBtc': ..., 'totalNetAssetOfBtc':
            ..., 'subAccountList': [{'email': ..., 'totalAssetOfBtc': ..., ...}]}``
        """
        return self._sub('GET', 'v1/sub-account/margin/accountSummary', params)

    def get_subaccount_futures_details(self, **params: Any) -> Dict[str, Any]:
        """A sub-account's USD-M futures account (``GET /sapi/v1/sub-account/futures/account``).

        :param email: required. :returns: ``{'email': ..., 'asset': 'USDT', 'assets':
            [{'asset': 'USDT', 'walletBalance': ..., 'marginBalance': ..., ...}],
            'canDeposit': True, 'canTrade': True, 'canWithdraw': True, 'feeTier': 0,
            'maxWithdrawAmount': ..., 'totalWalletBalance': ..., 'updateTime': ...}``
        """
        return self._sub('GET', 'v1/sub-account/futures/account', params, 'email',
                         caller='get_subaccount_futures_details')

    def get_subaccount_futures_summary(self, **params: Any) -> Dict[str, Any]:
        """USD-M totals of every sub-account (``GET /sapi/v1/sub-account/futures/accountSummary``).

        :returns: ``{'totalWalletBalance': ..., 'asset': 'USD', 'subAccountList':
            [{'email': ..., 'totalWalletBalance': ..., 'asset': 'USD', ...}], ...}``
        """
        return self._sub('GET', 'v1/sub-account/futures/accountSummary', params)

    def get_subaccount_futures_positionrisk(self, **params: Any) -> List[Dict[str, Any]]:
        """A sub-account's USD-M positions (``GET /sapi/v1/sub-account/futures/positionRisk``).

        :param email: required. :returns: ``[{'entryPrice': ..., 'leverage': '20',
            'maxNotional': ..., 'liquidationPrice': ..., 'markPrice': ...,
            'positionAmount': '0.010', 'symbol': 'BTCUSDT', 'unrealizedProfit': ...}]``
        """
        return self._sub('GET', 'v1/sub-account/futures/positionRisk', params, 'email',
                         caller='get_subaccount_futures_positionrisk')

    # -- deposits --------------------------------------------------------------------

    def get_subaccount_deposit_address(self, **params: Any) -> Dict[str, str]:
        """A sub-account's deposit address (``GET /sapi/v1/capital/deposit/subAddress``).

        :param email: required. :param coin: required. :param network: optional.
        :returns: ``{'address': '...', 'coin': 'USDT', 'tag': '', 'url': '...'}``
        """
        return self._sub('GET', 'v1/capital/deposit/subAddress', params, 'email', 'coin',
                         caller='get_subaccount_deposit_address')

    def get_subaccount_deposit_history(self, **params: Any) -> List[Dict[str, Any]]:
        """A sub-account's deposits (``GET /sapi/v1/capital/deposit/subHisrec``).

        :param email: required. :param coin: / :param status: / :param startTime: /
            :param endTime: / :param limit: / :param offset: optional.
        :returns: deposits as :meth:`get_deposit_history` lists them.
        """
        return self._sub('GET', 'v1/capital/deposit/subHisrec', params, 'email',
                         caller='get_subaccount_deposit_history')

    # -- transfers (master account) ---------------------------------------------------------

    def create_sub_account_transfer(self, **params: Any) -> Dict[str, Any]:
        """Spot to spot between sub-accounts or the master (``POST /sapi/v1/sub-account/universalTransfer``).

        0.7.11 used the retired ``/wapi/v3/sub-account/transfer.html``; the
        same move is today a universal transfer from ``SPOT`` to ``SPOT``.

        :param fromEmail: / :param toEmail: the sub-accounts (leave one out
            for the master account). :param asset: required. :param amount: required.
        :returns: ``{'tranId': 11945860693}``
        """
        require('create_sub_account_transfer', params, 'asset', 'amount')
        params = dict(params, fromAccountType='SPOT', toAccountType='SPOT')
        return self._sub('POST', 'v1/sub-account/universalTransfer', params)

    def get_sub_account_transfer_history(self, **params: Any) -> List[Dict[str, Any]]:
        """Spot transfers between sub-accounts (``GET /sapi/v1/sub-account/sub/transfer/history``).

        :param fromEmail: / :param toEmail: optional; 0.7.11's ``email=`` asks
            for both directions (two requests, merged newest first).
        :param startTime: / :param endTime: / :param page: / :param limit: optional.
        :returns: ``[{'from': 'a@test.com', 'to': 'b@test.com', 'asset': 'BTC',
            'qty': '10', 'status': 'SUCCESS', 'tranId': 6489943656, 'time': 1544433328000}]``
        """
        email = params.pop('email', None)
        if email is None:
            return self._sub('GET', 'v1/sub-account/sub/transfer/history', params)
        rows = []
        for side in ('fromEmail', 'toEmail'):
            rows += self._sub('GET', 'v1/sub-account/sub/transfer/history',
                              dict(params, **{side: email}))
        unique = {row['tranId']: row for row in rows}
        return sorted(unique.values(), key=lambda row: row.get('time', 0), reverse=True)

    def make_subaccount_futures_transfer(self, **params: Any) -> Dict[str, str]:
        """Move between a sub-account's spot and futures wallets (``POST /sapi/v1/sub-account/futures/transfer``).

        :param email: required. :param asset: required. :param amount: required.
        :param type: required: ``1`` spot to USD-M, ``2`` USD-M to spot,
            ``3`` spot to COIN-M, ``4`` COIN-M to spot.
        :returns: ``{'txnId': '2966662589'}``
        """
        return self._sub('POST', 'v1/sub-account/futures/transfer', params, 'email', 'asset',
                         'amount', 'type', caller='make_subaccount_futures_transfer')

    def make_subaccount_margin_transfer(self, **params: Any) -> Dict[str, str]:
        """Move between a sub-account's spot and margin wallets (``POST /sapi/v1/sub-account/margin/transfer``).

        :param email: required. :param asset: required. :param amount: required.
        :param type: required: ``1`` spot to margin, ``2`` margin to spot.
        :returns: ``{'txnId': '2966662589'}``
        """
        return self._sub('POST', 'v1/sub-account/margin/transfer', params, 'email', 'asset',
                         'amount', 'type', caller='make_subaccount_margin_transfer')

    def create_sub_account_futures_transfer(self, **params: Any) -> Dict[str, Any]:
        """Futures to futures between sub-accounts (``POST /sapi/v1/sub-account/futures/internalTransfer``).

        :param fromEmail: / :param toEmail: required. :param futuresType:
            required, ``1`` USD-M, ``2`` COIN-M. :param asset: / :param amount: required.
        :returns: ``{'success': True, 'txnId': '2934662589'}``
        """
        return self._sub('POST', 'v1/sub-account/futures/internalTransfer', params, 'fromEmail',
                         'toEmail', 'futuresType', 'asset', 'amount',
                         caller='create_sub_account_futures_transfer')

    def get_sub_account_futures_transfer_history(self, **params: Any) -> Dict[str, Any]:
        """Futures transfers of a sub-account (``GET /sapi/v1/sub-account/futures/internalTransfer``).

        :param email: required. :param futuresType: required, ``1`` or ``2``.
        :param startTime: / :param endTime: / :param page: / :param limit: optional.
        :returns: ``{'success': True, 'futuresType': 1, 'transfers': [{'from': 'a@test.com',
            'to': 'b@test.com', 'asset': 'USDT', 'qty': '1', 'tranId': 11897001102,
            'time': 1544433328000}]}``
        """
        return self._sub('GET', 'v1/sub-account/futures/internalTransfer', params, 'email',
                         'futuresType', caller='get_sub_account_futures_transfer_history')

    # -- transfers (sub-account's own key) -------------------------------------------------

    def make_subaccount_to_subaccount_transfer(self, **params: Any) -> Dict[str, str]:
        """Sub-account key: send spot assets to a sibling (``POST /sapi/v1/sub-account/transfer/subToSub``).

        :param toEmail: required. :param asset: required. :param amount: required.
        :returns: ``{'txnId': '2966662589'}``
        """
        return self._sub('POST', 'v1/sub-account/transfer/subToSub', params, 'toEmail', 'asset',
                         'amount', caller='make_subaccount_to_subaccount_transfer')

    def make_subaccount_to_master_transfer(self, **params: Any) -> Dict[str, str]:
        """Sub-account key: send spot assets to the master (``POST /sapi/v1/sub-account/transfer/subToMaster``).

        :param asset: required. :param amount: required. :returns: ``{'txnId': '2966662589'}``
        """
        return self._sub('POST', 'v1/sub-account/transfer/subToMaster', params, 'asset',
                         'amount', caller='make_subaccount_to_master_transfer')

    def get_subaccount_transfer_history(self, **params: Any) -> List[Dict[str, Any]]:
        """Sub-account key: its transfers in and out (``GET /sapi/v1/sub-account/transfer/subUserHistory``).

        :param asset: optional; :param type: ``1`` in, ``2`` out (default
            both); :param startTime: / :param endTime: / :param limit: optional.
        :returns: ``[{'counterParty': 'master', 'email': 'master@test.com', 'type': 1,
            'asset': 'BTC', 'qty': '1', 'fromAccountType': 'SPOT', 'toAccountType': 'SPOT',
            'status': 'SUCCESS', 'tranId': 11798835829, 'time': 1544433325000}]``
        """
        return self._sub('GET', 'v1/sub-account/transfer/subUserHistory', params)


def subaccount_method_table() -> List[Tuple[str, str]]:
    """``(method, endpoint)`` of every method here (for the docs and their test)."""
    rows = []
    for name in sorted(vars(SubAccountMixin)):
        if name.startswith('_'):
            continue
        doc = getattr(SubAccountMixin, name).__doc__ or ''
        rows.append((name, doc.split('(``', 1)[-1].split('``', 1)[0]))
    return rows
