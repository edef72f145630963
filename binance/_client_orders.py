"""Today's spot order API on :class:`binance.client.Client`: order lists,
cancel-all, cancel-replace, amend keepPriority, SOR, commission and filters,
and the rolling-window, trading-day and UI tickers and klines.

Names are python-binance 1.0's where it has them (``cancel_all_open_orders``,
``cancel_replace_order``, ``get_open_oco_orders``, ``get_prevented_matches``,
``get_allocations``, ``get_ui_klines``, ``get_symbol_ticker_window``, and its
``v3_*`` names as aliases); ours
otherwise (``create_oto_order``, ``create_otoco_order``, ``create_opo_order``,
``create_opoco_order``, ``amend_order_keep_priority``, ``get_order_list``,
``cancel_order_list``, ``create_sor_order``, ``get_commission_rates``,
``get_my_filters``, ``get_trading_day_ticker``). Every trading and account
method is SIGNED and takes an optional ``recvWindow``.

Binance reference: https://developers.binance.com/docs/binance-spot-api-docs/rest-api/trading-endpoints
"""
from typing import Any, Dict, List

from binance._client_base import ClientBase
from binance._client_params import check_limit, require
from binance._order_checks import (
    check_amend, check_cancel_replace, check_order_list, check_sor_order,
    check_trading_day_ticker, check_ui_klines, check_window_ticker)

__all__ = ['SpotOrdersMixin']


class SpotOrdersMixin(ClientBase):
    """Order lists, cancel-all, cancel-replace, amend, SOR, commission, filters, tickers."""

    # -- cancel-all, cancel-replace, amend ------------------------------------------

    def cancel_all_open_orders(self, **params: Any) -> List[Dict[str, Any]]:
        """Cancel every open order of a symbol, order lists included (``DELETE /api/v3/openOrders``).

        :param symbol: required.
        :returns: one entry per order (as :meth:`cancel_order` returns it) and
            one per order list (as :meth:`cancel_order_list` returns it).
        :raises BinanceAPIException: ``-2011`` when no order is open.
        """
        require('cancel_all_open_orders', params, 'symbol')
        return self._delete('v3/openOrders', params, signed=True)

    def cancel_replace_order(self, **params: Any) -> Dict[str, Any]:
        """Cancel an order and place a new one (``POST /api/v3/order/cancelReplace``).

        :param symbol: required.
        :param cancelReplaceMode: required: ``'STOP_ON_FAILURE'`` (no new order
            when the cancel fails) or ``'ALLOW_FAILURE'``.
        :param cancelOrderId: or :param cancelOrigClientOrderId: the order to cancel.
        :param cancelNewClientOrderId: optional id of the cancel;
            :param cancelRestrictions: optional ``'ONLY_NEW'`` or ``'ONLY_PARTIALLY_FILLED'``.
        :param side: and ``type``, ``quantity``, ``price``... the new order, as
            :meth:`create_order` takes it.
        :returns: ``{'cancelResult': 'SUCCESS', 'newOrderResult': 'SUCCESS',
            'cancelResponse': {...}, 'newOrderResponse': {...}}``
        :raises BinanceAPIException: ``-2022`` (HTTP 400) when nothing was done
            or both steps failed, ``-2021`` (HTTP 409) when one step failed; its
            ``data`` holds ``cancelResult``, ``newOrderResult`` and both responses.
        """
        check_cancel_replace('cancel_replace_order', params)
        return self._post('v3/order/cancelReplace', params, signed=True)

    def amend_order_keep_priority(self, **params: Any) -> Dict[str, Any]:
        """Reduce an open order's quantity without losing its place in the queue
        (``PUT /api/v3/order/amend/keepPriority``).

        :param symbol: required.
        :param orderId: or :param origClientOrderId: the order.
        :param newQty: required, more than 0 and less than the order's quantity.
        :param newClientOrderId: optional; default: a new random id (send the
            current one to keep it).
        :returns: ``{'transactTime': ..., 'executionId': ..., 'amendedOrder': {'orderId': ...,
            'qty': '5.00000000', 'status': 'NEW', ...}}``, plus ``'listStatus'``
            for an order of a list.
        :raises BinanceAPIException: ``-2038`` for a quantity increase, the same
            quantity, a pending OPO order or too many amendments.
        """
        params = check_amend('amend_order_keep_priority', params)
        return self._put('v3/order/amend/keepPriority', params, signed=True)

    # -- order lists ----------------------------------------------------------------

    def _order_list(self, func: str, kind: str, params: Dict[str, Any]) -> Dict[str, Any]:
        params = check_order_list(func, kind, params)
        return self._post('v3/orderList/' + kind, params, signed=True)

    def create_oto_order(self, **params: Any) -> Dict[str, Any]:
        """One-Triggers-the-Other (``POST /api/v3/orderList/oto``).

        The working order (``workingType`` ``LIMIT`` or ``LIMIT_MAKER``,
        ``workingSide``, ``workingPrice``, ``workingQuantity``,
        ``workingTimeInForce`` for ``LIMIT``) goes on the book; the pending
        order (``pendingType``, ``pendingSide``, ``pendingQuantity`` and what its
        type needs: ``pendingPrice``, ``pendingStopPrice``,
        ``pendingTimeInForce``) is placed when the working order is fully
        filled. Optional: ``listClientOrderId``, ``workingClientOrderId``,
        ``pendingClientOrderId``, ``newOrderRespType``.

        :returns: ``{'orderListId': 0, 'contingencyType': 'OTO', 'listStatusType':
            'EXEC_STARTED', 'orders': [...], 'orderReports': [...]}``; the pending
            order's status is ``'PENDING_NEW'`` until it is placed.
        :raises TypeError: for a missing parameter; :raises ValueError: for a bad value.
        """
        return self._order_list('create_oto_order', 'oto', params)

    def create_otoco_order(self, **params: Any) -> Dict[str, Any]:
        """One-Triggers-a-One-Cancels-the-Other (``POST /api/v3/orderList/otoco``): a
        bracket order.

        The working order as in :meth:`create_oto_order`; when it is filled an
        OCO pair is placed: ``pendingSide``, ``pendingQuantity``, and the above
        and below orders (``pendingAboveType``: ``LIMIT_MAKER``, ``TAKE_PROFIT``,
        ``TAKE_PROFIT_LIMIT``, ``STOP_LOSS`` or ``STOP_LOSS_LIMIT``;
        ``pendingBelowType``: ``STOP_LOSS``, ``STOP_LOSS_LIMIT``, ``TAKE_PROFIT``
        or ``TAKE_PROFIT_LIMIT``; with ``pendingAbovePrice``,
        ``pendingAboveStopPrice``, ``pendingAboveTimeInForce``... as the types need).

        >>> client.create_otoco_order(  # doctest: +SKIP
        ...     symbol='BNBBTC', workingType='LIMIT', workingSide='BUY',
        ...     workingPrice='0.0080', workingQuantity='1', workingTimeInForce='GTC',
        ...     pendingSide='SELL', pendingQuantity='1',
        ...     pendingAboveType='LIMIT_MAKER', pendingAbovePrice='0.0090',
        ...     pendingBelowType='STOP_LOSS', pendingBelowStopPrice='0.0075')
        """
        return self._order_list('create_otoco_order', 'otoco', params)

    def create_opo_order(self, **params: Any) -> Dict[str, Any]:
        """One-Pays-the-Other (``POST /api/v3/orderList/opo``): an OTO whose pending
        ``SELL`` sells what the working ``BUY`` bought (less the commission, unless
        the asset is not BNB and the free balance pays it).

        Parameters as :meth:`create_oto_order` without ``pendingQuantity``;
        ``workingSide`` must be ``BUY`` and ``pendingSide`` ``SELL``.
        """
        return self._order_list('create_opo_order', 'opo', params)

    def create_opoco_order(self, **params: Any) -> Dict[str, Any]:
        """One-Pays-the-Other with an OCO pair (``POST /api/v3/orderList/opoco``).

        Parameters as :meth:`create_otoco_order` without ``pendingQuantity``;
        ``workingSide`` must be ``BUY`` and ``pendingSide`` ``SELL``.
        """
        return self._order_list('create_opoco_order', 'opoco', params)

    def get_order_list(self, **params: Any) -> Dict[str, Any]:
        """An order list (``GET /api/v3/orderList``).

        :param orderListId: or :param origClientOrderId: (its ``listClientOrderId``).
        :returns: ``{'orderListId': ..., 'contingencyType': 'OTO', 'listStatusType': ...,
            'listOrderStatus': ..., 'orders': [{'symbol':..., 'orderId':..., 'clientOrderId':...}]}``
        """
        require('get_order_list', params, ('orderListId', 'origClientOrderId'))
        return self._get('v3/orderList', params, signed=True)

    def get_all_order_lists(self, **params: Any) -> List[Dict[str, Any]]:
        """The account's order lists (``GET /api/v3/allOrderList``).

        :param fromId: optional, or :param startTime: / :param endTime: (at most 24 h apart).
        :param limit: optional, up to 1000 (default 500).
        """
        check_limit(params, 1000)
        return self._get('v3/allOrderList', params, signed=True)

    def get_open_order_lists(self, **params: Any) -> List[Dict[str, Any]]:
        """The account's order lists still executing (``GET /api/v3/openOrderList``)."""
        return self._get('v3/openOrderList', params, signed=True)

    def cancel_order_list(self, **params: Any) -> Dict[str, Any]:
        """Cancel a whole order list (``DELETE /api/v3/orderList``).

        :param symbol: required.
        :param orderListId: or :param listClientOrderId: the list.
        :param newClientOrderId: optional id of the cancel.
        :returns: the list with ``'listStatusType': 'ALL_DONE'`` and an
            ``orderReports`` entry per cancelled order.
        """
        require('cancel_order_list', params, 'symbol', ('orderListId', 'listClientOrderId'))
        return self._delete('v3/orderList', params, signed=True)

    # -- SOR ------------------------------------------------------------------------

    def create_sor_order(self, **params: Any) -> Dict[str, Any]:
        """An order using smart order routing (``POST /api/v3/sor/order``).

        :param symbol: required.
        :param side: required.
        :param type: required, ``'LIMIT'`` (with ``price`` and ``timeInForce``)
            or ``'MARKET'``.
        :param quantity: required (SOR orders take no ``quoteOrderQty``).
        :returns: the order as :meth:`create_order` returns it, with
            ``'workingFloor'`` and ``'usedSor': True``.
        """
        check_sor_order('create_sor_order', params)
        return self._post('v3/sor/order', params, signed=True)

    def create_test_sor_order(self, **params: Any) -> Dict[str, Any]:
        """Check an SOR order without placing it (``POST /api/v3/sor/order/test``).

        :returns: ``{}`` when Binance would accept the order.
        """
        check_sor_order('create_test_sor_order', params)
        return self._post('v3/sor/order/test', params, signed=True)

    # -- commission and filters ------------------------------------------------------

    def get_commission_rates(self, **params: Any) -> Dict[str, Any]:
        """The account's commission rates on a symbol (``GET /api/v3/account/commission``).

        :param symbol: required.
        :returns: ``{'symbol': 'BNBBTC', 'standardCommission': {'maker': '0.00100000',
            'taker': ..., 'buyer': ..., 'seller': ...}, 'specialCommission': {...},
            'taxCommission': {...}, 'discount': {'enabledForAccount': ..., ...}}``
        """
        require('get_commission_rates', params, 'symbol')
        return self._get('v3/account/commission', params, signed=True)

    def get_my_filters(self, **params: Any) -> Dict[str, Any]:
        """The filters that apply to the account on a symbol (``GET /api/v3/myFilters``).

        :param symbol: required.
        :returns: ``{'exchangeFilters': [...], 'symbolFilters': [{'filterType':
            'MAX_NUM_ORDER_LISTS', 'maxNumOrderLists': 20}, ...], 'assetFilters': [...]}``
        """
        require('get_my_filters', params, 'symbol')
        return self._get('v3/myFilters', params, signed=True)

    def get_prevented_matches(self, **params: Any) -> List[Dict[str, Any]]:
        """Orders that expired because of self-trade prevention (``GET /api/v3/myPreventedMatches``).

        :param symbol: required, with ``preventedMatchId``, or with ``orderId``
            (and optionally ``fromPreventedMatchId`` and ``limit``, up to 1000).
        :returns: ``[{'symbol': ..., 'preventedMatchId': 1, 'takerOrderId': 5,
            'makerOrderId': 3, 'selfTradePreventionMode': 'EXPIRE_MAKER', ...}]``
        """
        require('get_prevented_matches', params, 'symbol', ('preventedMatchId', 'orderId'))
        check_limit(params, 1000)
        return self._get('v3/myPreventedMatches', params, signed=True)

    def get_allocations(self, **params: Any) -> List[Dict[str, Any]]:
        """Allocations from SOR orders (``GET /api/v3/myAllocations``).

        :param symbol: required; ``startTime``, ``endTime`` (at most 24 h apart),
            ``fromAllocationId``, ``orderId``, ``limit`` (up to 1000) optional.
        :returns: ``[{'symbol': ..., 'allocationId': 0, 'allocationType': 'SOR', 'orderId': 2,
            'price': ..., 'qty': ..., 'commission': ..., 'isBuyer': True, ...}]``
        """
        require('get_allocations', params, 'symbol')
        check_limit(params, 1000)
        return self._get('v3/myAllocations', params, signed=True)

    # -- market data -------------------------------------------------------------------

    def get_ui_klines(self, **params: Any) -> List[List[Any]]:
        """Klines for presentation (``GET /api/v3/uiKlines``); parameters and rows as
        :meth:`get_klines`, plus an optional ``timeZone``."""
        check_ui_klines('get_ui_klines', params)
        check_limit(params, 1000)
        return self._get('v3/uiKlines', params)

    def get_symbol_ticker_window(self, **params: Any) -> Any:
        """Price change statistics of a rolling window (``GET /api/v3/ticker``).

        :param symbol: or :param symbols: (up to 100) required.
        :param windowSize: optional, ``'1m'``..``'59m'``, ``'1h'``..``'23h'``,
            ``'1d'``..``'7d'`` (default ``'1d'``).
        :param type: optional, ``'FULL'`` or ``'MINI'``.
        :returns: ``{'symbol': 'BNBBTC', 'priceChange': ..., 'openPrice': ..., 'lastPrice': ...,
            'volume': ..., 'openTime': ..., 'closeTime': ..., 'count': ...}`` (a list for ``symbols``).
        """
        check_window_ticker('get_symbol_ticker_window', params)
        return self._get('v3/ticker', params)

    def get_trading_day_ticker(self, **params: Any) -> Any:
        """Price change statistics of today's trading day (``GET /api/v3/ticker/tradingDay``).

        :param symbol: or :param symbols: (up to 100) required.
        :param timeZone: optional hours[:minutes], e.g. ``'-1:00'`` (default UTC).
        :param type: optional, ``'FULL'`` or ``'MINI'``.
        :returns: as :meth:`get_symbol_ticker_window`.
        """
        check_trading_day_ticker('get_trading_day_ticker', params)
        return self._get('v3/ticker/tradingDay', params)

    # -- python-binance 1.0's names ---------------------------------------------------

    #: python-binance 1.0's name of :meth:`get_open_order_lists`.
    get_open_oco_orders = get_open_order_lists
    v3_post_order_list_oto = create_oto_order
    v3_post_order_list_otoco = create_otoco_order
    v3_post_sor_order = create_sor_order
    v3_post_sor_order_test = create_test_sor_order
    v3_get_order_list = get_order_list
    v3_get_all_order_list = get_all_order_lists
    v3_get_open_order_list = get_open_order_lists
    v3_delete_order_list = cancel_order_list
    v3_get_account_commission = get_commission_rates
    v3_get_ticker_trading_day = get_trading_day_ticker
