"""Trading, account, wallet and user-stream methods of :class:`binance.client.Client`.

Every method here except the user-stream ones is a SIGNED request: it needs
the client's API key and secret, and accepts an optional ``recvWindow``
(milliseconds, at most 60000).

Binance reference: https://developers.binance.com/docs/binance-spot-api-docs/rest-api/trading-endpoints
and https://developers.binance.com/docs/wallet
"""
from typing import Any, Dict, List, Optional

from binance._client_base import ClientBase
from binance._client_params import check_limit, check_order, require, translate_oco
from binance.enums import (
    ORDER_TYPE_LIMIT, ORDER_TYPE_MARKET, SIDE_BUY, SIDE_SELL, TIME_IN_FORCE_GTC,
)
from binance.exceptions import BinanceRequestException, BinanceWithdrawException


def _coin(params: Dict[str, Any]) -> Dict[str, Any]:
    """Rename the original wallet parameter ``asset`` to today's ``coin``."""
    params = dict(params)
    if 'asset' in params:
        if params.get('coin') is not None:
            raise ValueError('give the coin as coin= (today\'s name) or asset= (the '
                             'original name), not both')
        params['coin'] = params.pop('asset')
    return params


def _check_listen_key(listen_key: Any) -> str:
    if not isinstance(listen_key, str) or not listen_key:
        raise ValueError('listenKey must be the non-empty str returned by '
                         'stream_get_listen_key(), got {!r}'.format(listen_key))
    return listen_key


class AccountMixin(ClientBase):
    """Orders, account data, wallet and the user data stream's listen key."""

    # -- orders -----------------------------------------------------------

    def create_order(self, **params: Any) -> Dict[str, Any]:
        """Send a new order (``POST /api/v3/order``).

        :param symbol: required, e.g. ``'BNBBTC'``.
        :param side: required, ``Client.SIDE_BUY`` or ``Client.SIDE_SELL``.
        :param type: required, one of ``Client.ORDER_TYPE_*``.
        :param timeInForce: required for limit types, ``Client.TIME_IN_FORCE_*``.
        :param quantity: required except for ``MARKET`` with ``quoteOrderQty``;
            str, int, float or Decimal (sent in plain decimal form).
        :param price: required for limit types.
        :param stopPrice: required for stop and take-profit types (or ``trailingDelta``).
        :param newClientOrderId: optional unique id for the order.
        :param icebergQty: optional.
        :param newOrderRespType: optional, ``ACK``, ``RESULT`` or ``FULL``.
        :param recvWindow: optional, at most 60000.
        :returns: the order, e.g. ``{'symbol': 'BNBBTC', 'orderId': 28, 'clientOrderId': '...',
            'transactTime': 1507725176595, 'price': '0.00100000', 'origQty': '10.00000000',
            'executedQty': '0.00000000', 'status': 'NEW', 'type': 'LIMIT', 'side': 'BUY',
            'fills': [...]}``
        :raises TypeError: when a parameter that the order type needs is missing.
        :raises ValueError: for a bad symbol, side, type, timeInForce or amount.
        :raises BinanceAPIException: when Binance refuses the order (e.g. ``-2010``).

        >>> client.create_order(symbol='BNBBTC', side=Client.SIDE_BUY,  # doctest: +SKIP
        ...                     type=Client.ORDER_TYPE_LIMIT, timeInForce='GTC',
        ...                     quantity=100, price='0.00001')
        """
        check_order('create_order', params)
        return self._post('v3/order', params, signed=True)

    def order_limit(self, timeInForce: str = TIME_IN_FORCE_GTC, **params: Any) -> Dict[str, Any]:
        """A ``LIMIT`` order; needs ``symbol``, ``side``, ``quantity`` and ``price``.

        :param timeInForce: default ``'GTC'``.
        :returns: see :meth:`create_order`.
        """
        params.update(type=ORDER_TYPE_LIMIT, timeInForce=timeInForce)
        return self.create_order(**params)

    def order_limit_buy(self, timeInForce: str = TIME_IN_FORCE_GTC, **params: Any) -> Dict[str, Any]:
        """A ``LIMIT`` ``BUY`` order; needs ``symbol``, ``quantity`` and ``price``.

        >>> client.order_limit_buy(symbol='BNBBTC', quantity=100, price='0.00001')  # doctest: +SKIP
        """
        params['side'] = SIDE_BUY
        return self.order_limit(timeInForce=timeInForce, **params)

    def order_limit_sell(self, timeInForce: str = TIME_IN_FORCE_GTC, **params: Any) -> Dict[str, Any]:
        """A ``LIMIT`` ``SELL`` order; needs ``symbol``, ``quantity`` and ``price``."""
        params['side'] = SIDE_SELL
        return self.order_limit(timeInForce=timeInForce, **params)

    def order_market(self, **params: Any) -> Dict[str, Any]:
        """A ``MARKET`` order; needs ``symbol``, ``side`` and ``quantity`` (or ``quoteOrderQty``)."""
        params['type'] = ORDER_TYPE_MARKET
        return self.create_order(**params)

    def order_market_buy(self, **params: Any) -> Dict[str, Any]:
        """A ``MARKET`` ``BUY`` order; needs ``symbol`` and ``quantity`` (or ``quoteOrderQty``).

        >>> client.order_market_buy(symbol='BNBBTC', quantity=100)  # doctest: +SKIP
        """
        params['side'] = SIDE_BUY
        return self.order_market(**params)

    def order_market_sell(self, **params: Any) -> Dict[str, Any]:
        """A ``MARKET`` ``SELL`` order; needs ``symbol`` and ``quantity``."""
        params['side'] = SIDE_SELL
        return self.order_market(**params)

    def create_oco_order(self, **params: Any) -> Dict[str, Any]:
        """A one-cancels-the-other pair (``POST /api/v3/orderList/oco``).

        Takes the original parameters — ``symbol``, ``side``, ``quantity``,
        ``price`` (limit leg), ``stopPrice``, optional ``stopLimitPrice`` with
        ``stopLimitTimeInForce``, ``listClientOrderId``, ``limitClientOrderId``,
        ``stopClientOrderId``, ``limitIcebergQty``, ``stopIcebergQty`` — and
        translates them into today's above/below legs (see
        :func:`binance._client_params.translate_oco`), or today's parameters
        (``aboveType``, ``belowType``, ``abovePrice``...) unchanged.

        :returns: the order list, ``{'orderListId': 0, 'contingencyType': 'OCO',
            'listStatusType': 'EXEC_STARTED', 'orders': [...], 'orderReports': [...], ...}``
        :raises TypeError: when a required parameter is missing.
        """
        return self._post('v3/orderList/oco', translate_oco(params), signed=True)

    def order_oco_buy(self, **params: Any) -> Dict[str, Any]:
        """A ``BUY`` OCO pair; see :meth:`create_oco_order`."""
        params['side'] = SIDE_BUY
        return self.create_oco_order(**params)

    def order_oco_sell(self, **params: Any) -> Dict[str, Any]:
        """A ``SELL`` OCO pair; see :meth:`create_oco_order`."""
        params['side'] = SIDE_SELL
        return self.create_oco_order(**params)

    def create_test_order(self, **params: Any) -> Dict[str, Any]:
        """Check an order without placing it (``POST /api/v3/order/test``).

        Takes the parameters of :meth:`create_order`.

        :returns: ``{}`` when Binance would accept the order.
        """
        check_order('create_test_order', params)
        return self._post('v3/order/test', params, signed=True)

    def get_order(self, **params: Any) -> Dict[str, Any]:
        """An order's status (``GET /api/v3/order``).

        :param symbol: required.
        :param orderId: or :param origClientOrderId: one of them is required.
        :returns: ``{'symbol': 'LTCBTC', 'orderId': 1, 'status': 'NEW', 'price': '0.1',
            'origQty': '1.0', 'executedQty': '0.0', ...}``
        :raises BinanceAPIException: ``-2013`` when the order does not exist.
        """
        require('get_order', params, 'symbol', ('orderId', 'origClientOrderId'))
        return self._get('v3/order', params, signed=True)

    def get_all_orders(self, **params: Any) -> List[Dict[str, Any]]:
        """Every order of a symbol: open, cancelled or filled (``GET /api/v3/allOrders``).

        :param symbol: required.
        :param orderId: optional, return orders from this id on.
        :param limit: optional, up to 1000.
        """
        require('get_all_orders', params, 'symbol')
        check_limit(params, 1000)
        return self._get('v3/allOrders', params, signed=True)

    def cancel_order(self, **params: Any) -> Dict[str, Any]:
        """Cancel an open order (``DELETE /api/v3/order``).

        :param symbol: required.
        :param orderId: or :param origClientOrderId: one of them is required.
        :returns: the cancelled order with ``'status': 'CANCELED'``.
        """
        require('cancel_order', params, 'symbol', ('orderId', 'origClientOrderId'))
        return self._delete('v3/order', params, signed=True)

    def get_open_orders(self, **params: Any) -> List[Dict[str, Any]]:
        """Open orders (``GET /api/v3/openOrders``).

        :param symbol: optional; without it, open orders of every symbol.
        """
        return self._get('v3/openOrders', params, signed=True)

    # -- account ----------------------------------------------------------

    def get_account(self, **params: Any) -> Dict[str, Any]:
        """Account information (``GET /api/v3/account``).

        :returns: ``{'makerCommission': 15, 'canTrade': True, ..., 'balances': [{'asset': 'BTC',
            'free': '4723846.89208129', 'locked': '0.00000000'}, ...]}``
        """
        return self._get('v3/account', params, signed=True)

    def get_asset_balance(self, asset: str, **params: Any) -> Optional[Dict[str, str]]:
        """One asset's balance from :meth:`get_account`.

        :param asset: e.g. ``'BTC'`` (case does not matter).
        :returns: ``{'asset': 'BTC', 'free': '4723846.89208129', 'locked': '0.00000000'}``,
            or ``None`` when the account has no such asset.
        """
        if not isinstance(asset, str) or not asset:
            raise ValueError('asset must be a non-empty str such as \'BTC\', got {!r}'.format(asset))
        wanted = asset.upper()
        for balance in self.get_account(**params).get('balances', ()):
            if str(balance.get('asset', '')).upper() == wanted:
                return balance
        return None

    def get_my_trades(self, **params: Any) -> List[Dict[str, Any]]:
        """The account's trades of a symbol (``GET /api/v3/myTrades``).

        :param symbol: required.
        :param limit: optional, up to 1000; ``fromId``, ``startTime``, ``endTime`` optional.
        :returns: ``[{'symbol': 'BNBBTC', 'id': 28457, 'orderId': 100234, 'price': '4.00000100',
            'qty': '12.00000000', 'commission': '10.10000000', 'isBuyer': True, ...}, ...]``
        """
        require('get_my_trades', params, 'symbol')
        check_limit(params, 1000)
        return self._get('v3/myTrades', params, signed=True)

    def get_account_status(self, **params: Any) -> Dict[str, Any]:
        """Account status (``GET /sapi/v1/account/status``).

        :returns: ``{'data': 'Normal'}`` (the original wapi answered
            ``{'msg': 'Order failed:Low Order fill rate! ...', 'success': True}``).
        """
        return self._get('v1/account/status', params, signed=True, api='sapi')

    def get_dust_log(self, **params: Any) -> Dict[str, Any]:
        """Small-balance conversions to BNB (``GET /sapi/v1/asset/dribblet``).

        :returns: ``{'total': 8, 'userAssetDribblets': [{'operateTime': ..., 'totalTransferedAmount':
            '0.00132256', 'transId': 45178372831, 'userAssetDribbletDetails': [...]}, ...]}``
        """
        return self._get('v1/asset/dribblet', params, signed=True, api='sapi')

    def transfer_dust(self, **params: Any) -> Dict[str, Any]:
        """Convert small balances to BNB (``POST /sapi/v1/asset/dust``).

        :param asset: required, an asset or a list of assets, e.g. ``['ETH', 'LTC']``.
        :returns: ``{'totalServiceCharge': '0.02102542', 'totalTransfered': '1.05127099',
            'transferResult': [...]}``
        """
        require('transfer_dust', params, 'asset')
        return self._post('v1/asset/dust', params, signed=True, api='sapi')

    def get_trade_fee(self, **params: Any) -> List[Dict[str, Any]]:
        """Trading fees (``GET /sapi/v1/asset/tradeFee``).

        :param symbol: optional.
        :returns: ``[{'symbol': 'ADABNB', 'makerCommission': '0.001', 'takerCommission': '0.001'}, ...]``
            (the original wapi wrapped ``maker``/``taker`` in ``{'tradeFee': [...]}``).
        """
        return self._get('v1/asset/tradeFee', params, signed=True, api='sapi')

    def get_asset_details(self, **params: Any) -> Dict[str, Any]:
        """Deposit and withdrawal details per asset (``GET /sapi/v1/asset/assetDetail``).

        :param asset: optional.
        :returns: ``{'CTR': {'minWithdrawAmount': '70.00000000', 'depositStatus': False,
            'withdrawFee': 35, 'withdrawStatus': True, 'depositTip': '...'}, ...}``
        """
        return self._get('v1/asset/assetDetail', params, signed=True, api='sapi')

    # -- wallet -----------------------------------------------------------

    def withdraw(self, **params: Any) -> Dict[str, Any]:
        """Withdraw to an address (``POST /sapi/v1/capital/withdraw/apply``).

        :param coin: required (the original's ``asset=`` is accepted and renamed).
        :param address: required.
        :param amount: required.
        :param network: optional; :param addressTag: optional (memo);
            :param name: optional address description.
        :returns: ``{'id': '7213fea8e94b4a5593d507237e5a555b'}``
        :raises BinanceWithdrawException: when the answer says ``"success": false``.
        :raises BinanceAPIException: when Binance refuses the withdrawal.
        """
        params = _coin(params)
        require('withdraw', params, 'coin', 'address', 'amount')
        result = self._post('v1/capital/withdraw/apply', params, signed=True, api='sapi')
        if isinstance(result, dict) and result.get('success') is False:
            raise BinanceWithdrawException(str(result.get('msg', 'withdrawal refused')),
                                           request=getattr(self.response, 'request', None),
                                           response=self.response)
        return result

    def get_deposit_history(self, **params: Any) -> List[Dict[str, Any]]:
        """Deposits (``GET /sapi/v1/capital/deposit/hisrec``).

        :param coin: optional (``asset=`` accepted); ``status``, ``startTime``,
            ``endTime`` optional.
        :returns: ``[{'amount': '0.00999800', 'coin': 'PAXG', 'network': 'ETH', 'status': 1,
            'address': '...', 'txId': '...', 'insertTime': 1599621997000, ...}, ...]``
        """
        return self._get('v1/capital/deposit/hisrec', _coin(params), signed=True, api='sapi')

    def get_withdraw_history(self, **params: Any) -> List[Dict[str, Any]]:
        """Withdrawals (``GET /sapi/v1/capital/withdraw/history``).

        :param coin: optional (``asset=`` accepted); ``status``, ``startTime``,
            ``endTime`` optional.
        :returns: ``[{'id': '...', 'amount': '8.91000000', 'coin': 'USDT', 'status': 6, ...}, ...]``
        """
        return self._get('v1/capital/withdraw/history', _coin(params), signed=True, api='sapi')

    def get_deposit_address(self, **params: Any) -> Dict[str, Any]:
        """The deposit address of a coin (``GET /sapi/v1/capital/deposit/address``).

        :param coin: required (``asset=`` accepted); :param network: optional.
        :returns: ``{'address': '1HPn8Rx2y6nNSfagQBKy27GB99Vbzg89wv', 'coin': 'BTC',
            'tag': '', 'url': '...'}``
        """
        params = _coin(params)
        require('get_deposit_address', params, 'coin')
        return self._get('v1/capital/deposit/address', params, signed=True, api='sapi')

    # -- user data stream -------------------------------------------------

    def stream_get_listen_key(self) -> str:
        """A listen key for the user data stream (``POST /api/v3/userDataStream``).

        Needs the API key (not the secret). Binance retired this endpoint for
        Spot on 2026-02-20; there it answers with an error and
        :class:`binance.websockets.BinanceSocketManager` falls back to the
        WebSocket API.

        :returns: the key, e.g. ``'pqia91ma19a5s61cv6a81va65sdf19v8a65a1a5s61cv6a81va65sdf19v8a65a1'``
        """
        result = self._post('v3/userDataStream', keyed=True)
        key = result.get('listenKey') if isinstance(result, dict) else None
        if not isinstance(key, str) or not key:
            raise BinanceRequestException(
                'POST /api/v3/userDataStream answered without a listenKey',
                request=getattr(self.response, 'request', None), response=self.response)
        return key

    def stream_keepalive(self, listenKey: str) -> Dict[str, Any]:
        """Extend a listen key's validity by 60 minutes (``PUT /api/v3/userDataStream``).

        :returns: ``{}``
        """
        params = {'listenKey': _check_listen_key(listenKey)}
        return self._put('v3/userDataStream', params, keyed=True)

    def stream_close(self, listenKey: str) -> Dict[str, Any]:
        """Close a listen key (``DELETE /api/v3/userDataStream``).

        :returns: ``{}``
        """
        params = {'listenKey': _check_listen_key(listenKey)}
        return self._delete('v3/userDataStream', params, keyed=True)
