"""Universal transfers and the other wallet methods of python-binance 0.7.11.

Paths are today's (Binance "Wallet" docs): the user universal transfer on
``/sapi/v1/asset/transfer``, the master account's universal transfer on
``/sapi/v1/sub-account/universalTransfer``, coin information on
``/sapi/v1/capital/config/getall``, the fast-withdraw switch and the API
trading status under ``/sapi/v1/account/``. Every method is SIGNED.

Transfer types are the constants 0.7.11 kept on ``Client``
(:data:`binance.enums.SPOT_TO_USDT_FUTURE` = ``'MAIN_UMFUTURE'`` ...).

Binance reference: https://developers.binance.com/docs/wallet
"""
from typing import Any, Dict, List

from binance._client_base import ClientBase
from binance._client_params import require
from binance.exceptions import BinanceRequestException

__all__ = ['WalletExtMixin', 'SNAPSHOT_TYPES']

#: ``type`` of ``GET /sapi/v1/accountSnapshot``.
SNAPSHOT_TYPES = ('SPOT', 'MARGIN', 'FUTURES')


class WalletExtMixin(ClientBase):
    """Universal transfers, coin information, snapshots and account switches (``/sapi``)."""

    def _wallet(self, method: str, path: str, params: Dict[str, Any]) -> Any:
        return self._request(method, path, params, signed=True, api='sapi')

    # -- universal transfer ------------------------------------------------------

    def universal_transfer(self, **params: Any) -> Dict[str, int]:
        """Move an asset between your own wallets (``POST /sapi/v1/asset/transfer``).

        :param type: required, e.g. ``Client.SPOT_TO_USDT_FUTURE`` (``'MAIN_UMFUTURE'``),
            ``Client.SPOT_TO_MARGIN_CROSS``, ``Client.USDT_FUTURE_TO_SPOT``.
        :param asset: required, e.g. ``'USDT'``. :param amount: required.
        :param fromSymbol: / :param toSymbol: the isolated margin symbol of
            ``ISOLATEDMARGIN_*`` types.
        :returns: ``{'tranId': 13526853623}``
        """
        require('universal_transfer', params, 'type', 'asset', 'amount')
        return self._wallet('POST', 'v1/asset/transfer', params)

    def make_universal_transfer(self, **params: Any) -> Dict[str, int]:
        """A universal transfer, of your own wallets or (master account) of sub-accounts.

        0.7.11 defined this name twice; the second definition (the master
        account's transfer) silently replaced the first. Here the parameters
        choose: ``type=`` makes the user universal transfer
        (``POST /sapi/v1/asset/transfer``, see :meth:`universal_transfer`);
        ``fromAccountType=``/``toAccountType=`` make the master account's
        (``POST /sapi/v1/sub-account/universalTransfer``): optional
        ``fromEmail``/``toEmail`` (empty: the master account),
        ``fromAccountType``/``toAccountType`` ``'SPOT'``, ``'USDT_FUTURE'``,
        ``'COIN_FUTURE'``, ``'MARGIN'`` (cross), ``'ISOLATED_MARGIN'``,
        ``asset``, ``amount``, optional ``clientTranId``, ``symbol``.

        :returns: ``{'tranId': 11945860693}`` (``clientTranId`` too when sent)
        :raises TypeError: when neither ``type`` nor the account types are given.
        """
        if params.get('type') is None and (params.get('fromAccountType') is not None
                                           or params.get('toAccountType') is not None):
            require('make_universal_transfer', params, 'fromAccountType', 'toAccountType',
                    'asset', 'amount')
            return self._wallet('POST', 'v1/sub-account/universalTransfer', params)
        if params.get('type') is None:
            raise TypeError('make_universal_transfer() needs type= (a transfer between your own '
                            'wallets, e.g. type=Client.SPOT_TO_USDT_FUTURE) or '
                            'fromAccountType= and toAccountType= (a master account\'s transfer '
                            'with fromEmail/toEmail), plus asset= and amount=')
        require('make_universal_transfer', params, 'type', 'asset', 'amount')
        return self._wallet('POST', 'v1/asset/transfer', params)

    def query_universal_transfer_history(self, **params: Any) -> Dict[str, Any]:
        """Your universal transfers of one type (``GET /sapi/v1/asset/transfer``).

        :param type: required, e.g. ``'MAIN_UMFUTURE'``.
        :param startTime: / :param endTime: optional (ms); :param current: page
            (default 1); :param size: rows per page (default 10, at most 100).
        :returns: ``{'total': 1, 'rows': [{'asset': 'USDT', 'amount': '1',
            'type': 'MAIN_UMFUTURE', 'status': 'CONFIRMED', 'tranId': 11415955596,
            'timestamp': 1544433328000}]}`` (``{'total': 0}`` when there are none)
        """
        require('query_universal_transfer_history', params, 'type')
        return self._wallet('GET', 'v1/asset/transfer', params)

    def new_transfer_history(self, **params: Any) -> Dict[str, Any]:
        """The same as :meth:`query_universal_transfer_history` (0.7.11's second name for it)."""
        require('new_transfer_history', params, 'type')
        return self._wallet('GET', 'v1/asset/transfer', params)

    def get_universal_transfer_history(self, **params: Any) -> Dict[str, Any]:
        """A master account's universal transfers (``GET /sapi/v1/sub-account/universalTransfer``).

        :param fromEmail: / :param toEmail: optional (not both); neither: the
            transfers from the master account. :param clientTranId: optional.
        :param startTime: / :param endTime: optional (ms, within 30 days;
            default the last 30 days). :param page: default 1;
            :param limit: default 500, at most 500.
        :returns: ``{'result': [{'tranId': 92275823339, 'fromEmail': 'a@test.com',
            'toEmail': 'b@test.com', 'asset': 'BNB', 'amount': '0.01',
            'createTimeStamp': 1640317374000, 'fromAccountType': 'USDT_FUTURE',
            'toAccountType': 'SPOT', 'status': 'SUCCESS', 'clientTranId': 'test'}],
            'totalCount': 1}``
        """
        return self._wallet('GET', 'v1/sub-account/universalTransfer', params)

    # -- coins, snapshots, switches ------------------------------------------------

    def get_all_coins_info(self, **params: Any) -> List[Dict[str, Any]]:
        """Every coin with your balance and its networks (``GET /sapi/v1/capital/config/getall``).

        :returns: ``[{'coin': 'BTC', 'depositAllEnable': True, 'withdrawAllEnable': True,
            'name': 'Bitcoin', 'free': '0.08', 'locked': '0', 'freeze': '0',
            'withdrawing': '0', 'ipoing': '0', 'ipoable': '0', 'storage': '0',
            'isLegalMoney': False, 'trading': True, 'networkList': [{'network': 'BTC',
            'coin': 'BTC', 'withdrawFee': '0.0002', 'withdrawMin': '0.0004', ...}]}, ...]``
        """
        return self._wallet('GET', 'v1/capital/config/getall', params)

    def get_account_snapshot(self, **params: Any) -> Dict[str, Any]:
        """Daily snapshots of an account (``GET /sapi/v1/accountSnapshot``).

        :param type: required, ``'SPOT'``, ``'MARGIN'`` or ``'FUTURES'``.
        :param startTime: / :param endTime: optional (ms, within the last
            month); :param limit: days, 7 (default) to 30.
        :returns: ``{'code': 200, 'msg': '', 'snapshotVos': [{'type': 'spot',
            'updateTime': 1576281599000, 'data': {'totalAssetOfBtc': '0.09942700',
            'balances': [{'asset': 'BTC', 'free': '0.09905021', 'locked': '0.00000000'}]}}]}``
        :raises ValueError: for another ``type``.
        """
        require('get_account_snapshot', params, 'type')
        if params['type'] not in SNAPSHOT_TYPES:
            raise ValueError('type must be one of {}, got {!r}'.format(
                ', '.join(SNAPSHOT_TYPES), params['type']))
        return self._wallet('GET', 'v1/accountSnapshot', params)

    def disable_fast_withdraw_switch(self, **params: Any) -> Dict[str, Any]:
        """Turn off fast withdrawals (``POST /sapi/v1/account/disableFastWithdrawSwitch``).

        :returns: ``{}``
        """
        return self._wallet('POST', 'v1/account/disableFastWithdrawSwitch', params)

    def enable_fast_withdraw_switch(self, **params: Any) -> Dict[str, Any]:
        """Turn on fast withdrawals (``POST /sapi/v1/account/enableFastWithdrawSwitch``).

        Withdrawals to another Binance account then move off-chain, free of fee.

        :returns: ``{}``
        """
        return self._wallet('POST', 'v1/account/enableFastWithdrawSwitch', params)

    def get_account_api_trading_status(self, **params: Any) -> Dict[str, Any]:
        """Whether Binance's trading rules locked your API key (``GET /sapi/v1/account/apiTradingStatus``).

        :returns: ``{'data': {'isLocked': False, 'plannedRecoverTime': 0,
            'triggerCondition': {'GCR': 150, 'IFER': 150, 'UFR': 300},
            'updateTime': 1547630471725}}``
        """
        return self._wallet('GET', 'v1/account/apiTradingStatus', params)

    def get_asset_dividend_history(self, **params: Any) -> Dict[str, Any]:
        """Asset distributions such as airdrops (``GET /sapi/v1/asset/assetDividend``).

        :param asset: / :param startTime: / :param endTime: optional;
            :param limit: default 20, at most 500.
        :returns: ``{'rows': [{'id': 1637366104, 'amount': '10.00000000', 'asset': 'BHFT',
            'divTime': 1563189166000, 'enInfo': 'BHFT distribution', 'tranId': 2968885920,
            'direction': 1}], 'total': 1}``
        """
        return self._wallet('GET', 'v1/asset/assetDividend', params)

    def get_withdraw_history_id(self, withdraw_id: str, **params: Any) -> Dict[str, Any]:
        """One withdrawal by its id (``GET /sapi/v1/capital/withdraw/history`` with ``idList``).

        :param withdraw_id: the ``id`` :meth:`withdraw` returned.
        :param coin: and the other filters of :meth:`get_withdraw_history`, optional.
        :returns: the withdrawal, e.g. ``{'id': 'b6ae22b3aa844210a7041aee7589627c',
            'amount': '8.91000000', 'transactionFee': '0.004', 'coin': 'USDT', 'status': 6, ...}``
        :raises BinanceRequestException: when Binance lists no withdrawal with that id.
        """
        if not isinstance(withdraw_id, str) or not withdraw_id:
            raise ValueError('withdraw_id must be the non-empty id string withdraw() returned, '
                             'got {!r}'.format(withdraw_id))
        if 'asset' in params and params.get('coin') is None:
            params['coin'] = params.pop('asset')
        result = self._wallet('GET', 'v1/capital/withdraw/history',
                              dict(params, idList=withdraw_id))
        for entry in result if isinstance(result, list) else []:
            if isinstance(entry, dict) and entry.get('id') == withdraw_id:
                return entry
        raise BinanceRequestException(
            'there is no withdrawal with id {!r}'.format(withdraw_id),
            request=getattr(self.response, 'request', None), response=self.response)
