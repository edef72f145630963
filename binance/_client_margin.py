"""Margin methods of :class:`binance.client.Client` (``/sapi/v1/margin/...``).

The names and keyword arguments are python-binance 0.7.11's. Where Binance
replaced an endpoint with one that does the same thing, the method calls the
replacement and returns the same shape (loan and repay on
``/sapi/v1/margin/borrow-repay``, cross margin transfers on
``/sapi/v1/asset/transfer``, single asset/pair look-ups on the ``all*``
lists). Where nothing equivalent is left (margin listen keys, retired on
2026-02-20 for the listen token and the WebSocket API), the method raises
:class:`~binance.exceptions.BinanceEndpointRetiredError` naming the
replacement, before any request. Every method is SIGNED unless noted.

Binance reference: https://developers.binance.com/docs/margin_trading
"""
from typing import Any, Dict, List, Optional

from binance._client_base import ClientBase
from binance._client_params import check_order, check_symbol, require
from binance.exceptions import BinanceEndpointRetiredError, BinanceRequestException

_TOKEN_FLOW = ('POST /sapi/v1/userListenToken and the WebSocket API method '
               'userDataStream.subscribe.listenToken, which '
               'BinanceSocketManager.start_margin_socket / start_isolated_margin_socket use')

#: 0.7.11 margin methods with no equivalent endpoint: method -> (retired, replacement).
RETIRED_MARGIN = {
    'margin_stream_get_listen_key': ('POST /sapi/v1/userDataStream', _TOKEN_FLOW),
    'margin_stream_keepalive': ('PUT /sapi/v1/userDataStream', _TOKEN_FLOW),
    'margin_stream_close': ('DELETE /sapi/v1/userDataStream', _TOKEN_FLOW),
    'isolated_margin_stream_get_listen_key': ('POST /sapi/v1/userDataStream/isolated',
                                              _TOKEN_FLOW),
    'isolated_margin_stream_keepalive': ('PUT /sapi/v1/userDataStream/isolated', _TOKEN_FLOW),
    'isolated_margin_stream_close': ('DELETE /sapi/v1/userDataStream/isolated', _TOKEN_FLOW),
    'create_isolated_margin_account': (
        'POST /sapi/v1/margin/isolated/create',
        'POST /sapi/v1/margin/isolated/account (enable an isolated margin account)'),
    'transfer_isolated_margin_to_spot': (
        'POST /sapi/v1/margin/isolated/transfer',
        'POST /sapi/v1/asset/transfer with type ISOLATEDMARGIN_MARGIN, then MARGIN_MAIN'),
    'transfer_spot_to_isolated_margin': (
        'POST /sapi/v1/margin/isolated/transfer',
        'POST /sapi/v1/asset/transfer with type MAIN_MARGIN, then MARGIN_ISOLATEDMARGIN'),
}


def _retired(method: str) -> BinanceEndpointRetiredError:
    retired, replacement = RETIRED_MARGIN[method]
    return BinanceEndpointRetiredError(method, retired, replacement)


def _is_isolated(params: Dict[str, Any]) -> Dict[str, Any]:
    """``isIsolated`` as Binance's ``'TRUE'``/``'FALSE'``; ``symbol`` required when isolated."""
    params = dict(params)
    value = params.get('isIsolated', 'FALSE')
    if value in (True, 'TRUE', 'true'):
        params['isIsolated'] = 'TRUE'
        require('isolated margin', params, 'symbol')
    elif value in (False, 'FALSE', 'false', None):
        params['isIsolated'] = 'FALSE'
    else:
        raise ValueError('isIsolated must be True/\'TRUE\' or False/\'FALSE\', got {!r}'.format(value))
    return params


class MarginMixin(ClientBase):
    """Cross and isolated margin on ``/sapi/v1``."""

    def _sapi(self, method: str, path: str, params: Optional[Dict[str, Any]] = None,
              signed: bool = True, **kw: Any) -> Any:
        return self._request(method, path, params, signed=signed, api='sapi', **kw)

    # -- account and market ---------------------------------------------------

    def get_margin_account(self, **params: Any) -> Dict[str, Any]:
        """Cross margin account (``GET /sapi/v1/margin/account``).

        :returns: ``{'borrowEnabled': True, 'marginLevel': '11.64405625', 'totalAssetOfBtc': ...,
            'totalLiabilityOfBtc': ..., 'totalNetAssetOfBtc': ..., 'tradeEnabled': True,
            'transferEnabled': True, 'userAssets': [{'asset': 'BTC', 'borrowed': '0.00000000',
            'free': ..., 'interest': ..., 'locked': ..., 'netAsset': ...}]}``
        """
        return self._sapi('GET', 'v1/margin/account', params)

    def get_isolated_margin_account(self, **params: Any) -> Dict[str, Any]:
        """Isolated margin accounts (``GET /sapi/v1/margin/isolated/account``); symbols optional."""
        return self._sapi('GET', 'v1/margin/isolated/account', params)

    def get_margin_asset(self, **params: Any) -> Optional[Dict[str, Any]]:
        """One margin asset. 0.7.11's ``GET /sapi/v1/margin/asset`` is gone; this asks
        ``GET /sapi/v1/margin/allAssets?asset=...`` and returns its one entry.

        :param asset: required, e.g. ``'BNB'``.
        :returns: ``{'assetFullName': 'Binance Coin', 'assetName': 'BNB', 'isBorrowable': True,
            'isMortgageable': True, 'userMinBorrow': '0.00000000', 'userMinRepay': '0.00000000'}``,
            or ``None`` when the list is empty.
        """
        require('get_margin_asset', params, 'asset')
        return _first(self._sapi('GET', 'v1/margin/allAssets', params, signed=False,
                                 keyed=bool(self.API_KEY)))

    def get_margin_symbol(self, **params: Any) -> Optional[Dict[str, Any]]:
        """One cross margin pair. 0.7.11's ``GET /sapi/v1/margin/pair`` is gone; this asks
        ``GET /sapi/v1/margin/allPairs?symbol=...`` and returns its one entry.

        :returns: ``{'id': 323355778339572400, 'symbol': 'BTCUSDT', 'base': 'BTC', 'quote': 'USDT',
            'isMarginTrade': True, 'isBuyAllowed': True, 'isSellAllowed': True}`` or ``None``.
        """
        require('get_margin_symbol', params, 'symbol')
        return _first(self._sapi('GET', 'v1/margin/allPairs', params, signed=False,
                                 keyed=bool(self.API_KEY)))

    def get_isolated_margin_symbol(self, **params: Any) -> Optional[Dict[str, Any]]:
        """One isolated pair (``GET /sapi/v1/margin/isolated/allPairs?symbol=...``, which
        replaced 0.7.11's ``margin/isolated/pair``), or ``None``."""
        require('get_isolated_margin_symbol', params, 'symbol')
        return _first(self._sapi('GET', 'v1/margin/isolated/allPairs', params))

    def get_all_isolated_margin_symbols(self, **params: Any) -> List[Dict[str, Any]]:
        """Every isolated pair (``GET /sapi/v1/margin/isolated/allPairs``)."""
        return self._sapi('GET', 'v1/margin/isolated/allPairs', params)

    def get_margin_price_index(self, **params: Any) -> Dict[str, Any]:
        """Price index (``GET /sapi/v1/margin/priceIndex``, no key): symbol required.

        :returns: ``{'calcTime': 1562046418000, 'price': '0.00333930', 'symbol': 'BNBBTC'}``
        """
        require('get_margin_price_index', params, 'symbol')
        return self._sapi('GET', 'v1/margin/priceIndex', params, signed=False)

    def toggle_bnb_burn_spot_margin(self, **params: Any) -> Dict[str, Any]:
        """BNB burn for spot fees and margin interest (``POST /sapi/v1/bnbBurn``):
        spotBNBBurn and/or interestBNBBurn (``'true'``/``'false'``)."""
        return self._sapi('POST', 'v1/bnbBurn', params)

    def get_bnb_burn_spot_margin(self, **params: Any) -> Dict[str, Any]:
        """BNB burn status (``GET /sapi/v1/bnbBurn``).

        :returns: ``{'spotBNBBurn': True, 'interestBNBBurn': False}``
        """
        return self._sapi('GET', 'v1/bnbBurn', params)

    # -- transfers, loans -----------------------------------------------------

    def transfer_margin_to_spot(self, **params: Any) -> Dict[str, Any]:
        """Cross margin to spot: ``POST /sapi/v1/asset/transfer`` with type ``MARGIN_MAIN``
        (0.7.11's ``margin/transfer`` is gone). asset and amount required.

        :returns: ``{'tranId': 13526853623}``
        """
        require('transfer_margin_to_spot', params, 'asset', 'amount')
        return self._sapi('POST', 'v1/asset/transfer', dict(params, type='MARGIN_MAIN'))

    def transfer_spot_to_margin(self, **params: Any) -> Dict[str, Any]:
        """Spot to cross margin: ``POST /sapi/v1/asset/transfer`` with type ``MAIN_MARGIN``."""
        require('transfer_spot_to_margin', params, 'asset', 'amount')
        return self._sapi('POST', 'v1/asset/transfer', dict(params, type='MAIN_MARGIN'))

    def transfer_isolated_margin_to_spot(self, **params: Any) -> Dict[str, Any]:
        """Retired (``margin/isolated/transfer``): raises, naming ``asset/transfer``."""
        raise _retired('transfer_isolated_margin_to_spot')

    def transfer_spot_to_isolated_margin(self, **params: Any) -> Dict[str, Any]:
        """Retired (``margin/isolated/transfer``): raises, naming ``asset/transfer``."""
        raise _retired('transfer_spot_to_isolated_margin')

    def create_isolated_margin_account(self, **params: Any) -> Dict[str, Any]:
        """Retired (``margin/isolated/create``): raises, naming its replacement."""
        raise _retired('create_isolated_margin_account')

    def create_margin_loan(self, **params: Any) -> Dict[str, Any]:
        """Borrow: ``POST /sapi/v1/margin/borrow-repay`` with type ``BORROW`` (0.7.11's
        ``margin/loan`` is gone). asset and amount required; isIsolated and symbol optional.

        :returns: ``{'tranId': 100000001}``
        """
        require('create_margin_loan', params, 'asset', 'amount')
        return self._sapi('POST', 'v1/margin/borrow-repay', dict(_is_isolated(params), type='BORROW'))

    def repay_margin_loan(self, **params: Any) -> Dict[str, Any]:
        """Repay: ``POST /sapi/v1/margin/borrow-repay`` with type ``REPAY``."""
        require('repay_margin_loan', params, 'asset', 'amount')
        return self._sapi('POST', 'v1/margin/borrow-repay', dict(_is_isolated(params), type='REPAY'))

    def get_margin_loan_details(self, **params: Any) -> Dict[str, Any]:
        """Loan records: ``GET /sapi/v1/margin/borrow-repay`` with type ``BORROW``.

        :returns: ``{'rows': [{'isolatedSymbol': '', 'txId': 12807067523, 'asset': 'BNB',
            'principal': '0.84624403', 'timestamp': 1555056425000, 'status': 'CONFIRMED'}],
            'total': 1}``
        """
        return self._sapi('GET', 'v1/margin/borrow-repay', dict(params, type='BORROW'))

    def get_margin_repay_details(self, **params: Any) -> Dict[str, Any]:
        """Repay records: ``GET /sapi/v1/margin/borrow-repay`` with type ``REPAY``."""
        return self._sapi('GET', 'v1/margin/borrow-repay', dict(params, type='REPAY'))

    def get_max_margin_loan(self, **params: Any) -> Dict[str, Any]:
        """Most you can borrow (``GET /sapi/v1/margin/maxBorrowable``): asset required.

        :returns: ``{'amount': '1.69248805', 'borrowLimit': '60'}``
        """
        require('get_max_margin_loan', params, 'asset')
        return self._sapi('GET', 'v1/margin/maxBorrowable', params)

    def get_max_margin_transfer(self, **params: Any) -> Dict[str, Any]:
        """Most you can transfer out (``GET /sapi/v1/margin/maxTransferable``): asset required.

        :returns: ``{'amount': '3.59498107'}``
        """
        require('get_max_margin_transfer', params, 'asset')
        return self._sapi('GET', 'v1/margin/maxTransferable', params)

    # -- orders ---------------------------------------------------------------

    def create_margin_order(self, **params: Any) -> Dict[str, Any]:
        """Margin order (``POST /sapi/v1/margin/order``): the spot order parameters plus
        optional isIsolated and sideEffectType (``NO_SIDE_EFFECT``, ``MARGIN_BUY``,
        ``AUTO_REPAY``...). Checked like :meth:`create_order`."""
        check_order('create_margin_order', params)
        return self._sapi('POST', 'v1/margin/order', params)

    def cancel_margin_order(self, **params: Any) -> Dict[str, Any]:
        """Cancel (``DELETE /sapi/v1/margin/order``): symbol and orderId or origClientOrderId."""
        require('cancel_margin_order', params, 'symbol', ('orderId', 'origClientOrderId'))
        return self._sapi('DELETE', 'v1/margin/order', params)

    def get_margin_order(self, **params: Any) -> Dict[str, Any]:
        """One order (``GET /sapi/v1/margin/order``): symbol and orderId or origClientOrderId."""
        require('get_margin_order', params, 'symbol', ('orderId', 'origClientOrderId'))
        return self._sapi('GET', 'v1/margin/order', params)

    def get_open_margin_orders(self, **params: Any) -> List[Dict[str, Any]]:
        """Open orders (``GET /sapi/v1/margin/openOrders``); symbol optional."""
        return self._sapi('GET', 'v1/margin/openOrders', params)

    def get_all_margin_orders(self, **params: Any) -> List[Dict[str, Any]]:
        """All orders (``GET /sapi/v1/margin/allOrders``): symbol required."""
        require('get_all_margin_orders', params, 'symbol')
        return self._sapi('GET', 'v1/margin/allOrders', params)

    def get_margin_trades(self, **params: Any) -> List[Dict[str, Any]]:
        """Your margin trades (``GET /sapi/v1/margin/myTrades``): symbol required."""
        require('get_margin_trades', params, 'symbol')
        return self._sapi('GET', 'v1/margin/myTrades', params)

    # -- user data ------------------------------------------------------------

    def margin_stream_get_listen_token(self, symbol: Optional[str] = None,
                                       isIsolated: bool = False,
                                       validity: Optional[int] = None) -> Dict[str, Any]:
        """A listen token for margin user data (``POST /sapi/v1/userListenToken``).

        Not in 0.7.11: it replaced the margin listen key on 2026-02-20. The
        token is used with the WebSocket API's ``userDataStream.subscribe.listenToken``
        (:meth:`binance.websockets.BinanceSocketManager.start_margin_socket` does that).

        :param symbol: the isolated pair, required with ``isIsolated=True``.
        :param validity: optional, milliseconds (default and maximum 24 hours).
        :returns: ``{'token': '6xXxePXwZRjVSHKhzUCCGnmN3fkvMTXru+pYJS8RwijXk9Vcyr3rkwfVOTcP2OkONqciYA',
            'expirationTime': 1758792204196}``
        """
        params: Dict[str, Any] = {}
        if isIsolated:
            if symbol is None:
                raise TypeError('margin_stream_get_listen_token(isIsolated=True) needs symbol=')
            params['symbol'] = check_symbol(symbol)
            params['isIsolated'] = 'true'
        elif symbol is not None:
            raise ValueError('symbol= is for isolated margin; pass isIsolated=True with it')
        if validity is not None:
            if isinstance(validity, bool) or not isinstance(validity, int) \
                    or not 1 <= validity <= 86400000:
                raise ValueError('validity must be milliseconds from 1 to 86400000 (24 h), '
                                 'got {!r}'.format(validity))
            params['validity'] = validity
        result = self._sapi('POST', 'v1/userListenToken', params, signed=False, keyed=True)
        if not isinstance(result, dict) or not isinstance(result.get('token'), str):
            raise BinanceRequestException(
                'POST /sapi/v1/userListenToken answered without a token',
                request=getattr(self.response, 'request', None), response=self.response)
        return result

    def margin_stream_get_listen_key(self) -> str:
        """Retired on 2026-02-20: raises, naming the listen token flow."""
        raise _retired('margin_stream_get_listen_key')

    def margin_stream_keepalive(self, listenKey: str) -> Dict[str, Any]:
        """Retired on 2026-02-20: raises, naming the listen token flow."""
        raise _retired('margin_stream_keepalive')

    def margin_stream_close(self, listenKey: str) -> Dict[str, Any]:
        """Retired on 2026-02-20: raises, naming the listen token flow."""
        raise _retired('margin_stream_close')

    def isolated_margin_stream_get_listen_key(self, symbol: str) -> str:
        """Retired on 2026-02-20: raises, naming the listen token flow."""
        raise _retired('isolated_margin_stream_get_listen_key')

    def isolated_margin_stream_keepalive(self, symbol: str, listenKey: str) -> Dict[str, Any]:
        """Retired on 2026-02-20: raises, naming the listen token flow."""
        raise _retired('isolated_margin_stream_keepalive')

    def isolated_margin_stream_close(self, symbol: str, listenKey: str) -> Dict[str, Any]:
        """Retired on 2026-02-20: raises, naming the listen token flow."""
        raise _retired('isolated_margin_stream_close')


def _first(result: Any) -> Optional[Dict[str, Any]]:
    if isinstance(result, list):
        return result[0] if result else None
    return result
