"""The USD-M futures WebSocket API session: ``bm.futures_ws_api``.

:class:`FuturesWebSocketApi` is a :class:`~binance._streams.api_session.WebSocketApi`
on Binance's futures WebSocket API (``FUTURES_WS_API_URL``:
``wss://ws-fapi.binance.com/ws-fapi/v1``; testnet
``wss://testnet.binancefuture.com/ws-fapi/v1``; Demo Mode
``wss://testnet.binancefuture.com/ws-fapi/v1`` too, Binance's futures demo
trading runs on the futures testnet) with the methods Binance documents
there ("Derivatives Trading USDⓈ-M Futures", WebSocket API):

============================  ===========================  ======================
method                        WebSocket API method         REST counterpart
============================  ===========================  ======================
``order_place``               ``order.place``              ``futures_create_order``
``order_modify``              ``order.modify``             ``futures_modify_order``
``order_cancel``              ``order.cancel``             ``futures_cancel_order``
``order_status``              ``order.status``             ``futures_get_order``
``algo_order_place``          ``algoOrder.place``          ``futures_create_algo_order``
``algo_order_cancel``         ``algoOrder.cancel``         ``futures_cancel_algo_order``
``account_status``            ``account.status``           ``futures_account``
``account_status_v2``         ``v2/account.status``        ``futures_account``
``account_balance``           ``account.balance``          ``futures_account_balance``
``account_balance_v2``        ``v2/account.balance``       ``futures_account_balance``
``account_position``          ``account.position``         ``futures_position_information``
``account_position_v2``       ``v2/account.position``      ``futures_position_information``
``user_data_stream_start``    ``userDataStream.start``     ``futures_stream_get_listen_key``
``user_data_stream_ping``     ``userDataStream.ping``      ``futures_stream_keepalive``
``user_data_stream_stop``     ``userDataStream.stop``      ``futures_stream_close``
``depth``                     ``depth``                    ``futures_order_book``
``ticker_price``              ``ticker.price``             ``futures_symbol_ticker``
``ticker_book``               ``ticker.book``              ``futures_orderbook_ticker``
============================  ===========================  ======================

and any other method through :meth:`~WebSocketApi.request`. The forms are
``bm.ws_api``'s: a Deferred, ``callback=``, or ``.blocking.<method>(...,
timeout=10)`` from another thread; an Ed25519 key logs the session on
(``session.logon``), HMAC and RSA keys sign each request.

Like :meth:`~binance.client.Client.futures_create_order`, :meth:`order_place`
sends the conditional types (``STOP``, ``STOP_MARKET``, ``TAKE_PROFIT``,
``TAKE_PROFIT_MARKET``, ``TRAILING_STOP_MARKET``), which Binance refuses on
``order.place`` since 2025-12-09 (``-4120``), to ``algoOrder.place``
(``stopPrice`` -> ``triggerPrice``, ``activationPrice`` -> ``activatePrice``,
``newClientOrderId`` -> ``clientAlgoId``) and answers with the algo order;
:meth:`order_cancel` given ``algoId``/``clientAlgoId`` cancels with
``algoOrder.cancel``.

Timestamps come from the client's futures clock (``client.futures_server_clock``,
the one signed ``/fapi`` requests use). The futures WebSocket API has no
``time`` method: a session whose clock was never measured (or a request
refused with ``-1021``) measures it over REST (``GET /fapi/v1/time``, in a
worker thread).
The spot-only methods of ``bm.ws_api`` (order lists, SOR, ``ping``...) do not
exist here: asking for one raises :class:`AttributeError` naming the methods.
"""
import logging
from typing import Any, Callable, Dict, Optional

from twisted.internet.defer import Deferred

from binance._client_params import check_choice, require
from binance._streams.api_session import WebSocketApi
from binance._streams.context import SocketContext
from binance.enums import SIDES

__all__ = ['FuturesWebSocketApi', 'DEFAULT_FUTURES_WS_API_URL', 'TESTNET_FUTURES_WS_API_URL',
           'DEMO_FUTURES_WS_API_URL']

log = logging.getLogger('binance.websockets')

DEFAULT_FUTURES_WS_API_URL = 'wss://ws-fapi.binance.com/ws-fapi/v1'
TESTNET_FUTURES_WS_API_URL = 'wss://testnet.binancefuture.com/ws-fapi/v1'
#: Binance's futures demo trading is served by the futures testnet hosts
DEMO_FUTURES_WS_API_URL = TESTNET_FUTURES_WS_API_URL

Callback = Optional[Callable[[Any], Any]]


class _SpotOnly:
    """A spot WebSocket API method the futures session does not have."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, obj: Any, owner: Any = None) -> Any:
        raise AttributeError('{!r} is a method of the spot WebSocket API (bm.ws_api), not of '
                             'the futures one; bm.futures_ws_api has: {}'.format(
                                 self.name, ', '.join(sorted(FuturesWebSocketApi.METHODS))))


class FuturesWebSocketApi(WebSocketApi):
    """The USD-M futures WebSocket API session of a socket manager (see the module docs).

    Get it as ``bm.futures_ws_api``; it connects on the first request to
    ``bm.FUTURES_WS_API_URL`` (or the testnet/demo/``tld`` host of the client).
    """

    NAME = 'futures WebSocket API'
    PRODUCT = 'futures'
    #: Python name -> (WebSocket API method, signed).
    METHODS = {
        'order_place': ('order.place', True),
        'order_modify': ('order.modify', True),
        'order_cancel': ('order.cancel', True),
        'order_status': ('order.status', True),
        'algo_order_place': ('algoOrder.place', True),
        'algo_order_cancel': ('algoOrder.cancel', True),
        'account_status': ('account.status', True),
        'account_status_v2': ('v2/account.status', True),
        'account_balance': ('account.balance', True),
        'account_balance_v2': ('v2/account.balance', True),
        'account_position': ('account.position', True),
        'account_position_v2': ('v2/account.position', True),
        'user_data_stream_start': ('userDataStream.start', False),
        'user_data_stream_ping': ('userDataStream.ping', False),
        'user_data_stream_stop': ('userDataStream.stop', False),
        'depth': ('depth', False),
        'ticker_price': ('ticker.price', False),
        'ticker_book': ('ticker.book', False),
    }

    def __init__(self, ctx: SocketContext, url: Callable[[], str], **kwargs: Any) -> None:
        super().__init__(ctx, **kwargs)
        self._futures_url = url

    def __repr__(self) -> str:
        return '<FuturesWebSocketApi connected={} logged_on={} pending={}>'.format(
            self._ready, self.logged_on, len(self._pending) + len(self._queue))

    def _url(self) -> str:
        return self._futures_url()

    def _clock(self) -> Any:
        """The client's futures clock (``futures_server_clock``, measured on ``/fapi/v1/time``)."""
        client = self._ctx.client
        return getattr(client, 'futures_server_clock', None) or getattr(client, 'server_clock',
                                                                        None)

    def _measure(self, then: Callable[[], Any]) -> None:
        """No ``time`` method on ws-fapi: the client's futures clock is measured over REST
        (``GET /fapi/v1/time``, in a worker thread)."""
        clock = self._clock()

        def failed(failure: Any) -> None:
            log.warning('futures WebSocket API: could not measure the server time (%s)',
                        failure.getErrorMessage())
        d = self._ctx.in_thread(clock.sync, True)
        d.addErrback(failed)
        d.addBoth(lambda _: then())

    # -- orders -------------------------------------------------------------------

    def order_place(self, callback: Callback = None, **params: Any) -> Deferred:
        """``order.place``: parameters as ``Client.futures_create_order``.

        The conditional types go to ``algoOrder.place`` (see the module docs),
        so a 0.7.11-style stop-loss is placed as Binance takes it today.

        :returns: a Deferred with the order (``newOrderRespType`` ``ACK``, the
            default, or ``RESULT``), or the algo order for a conditional type.
        :raises TypeError/ValueError: for a missing or malformed parameter, before sending.
        """
        # the REST client's checks, imported here: binance.websockets stays light (no requests)
        from binance._client_futures import (FUTURES_CONDITIONAL_TYPES, check_futures_order,
                                             to_algo_params)
        params = check_futures_order('order_place', params)
        if params['type'] in FUTURES_CONDITIONAL_TYPES:
            return self.request('algoOrder.place', to_algo_params(params), callback=callback)
        return self.request('order.place', params, callback=callback)

    def algo_order_place(self, callback: Callback = None, **params: Any) -> Deferred:
        """``algoOrder.place``: a conditional order, parameters as
        ``Client.futures_create_algo_order`` (``algoType`` defaults to ``CONDITIONAL``)."""
        from binance._client_futures_trading import check_algo_order
        return self.request('algoOrder.place', check_algo_order('algo_order_place', params),
                            callback=callback)

    def order_modify(self, callback: Callback = None, **params: Any) -> Deferred:
        """``order.modify``: a LIMIT order's new ``price`` and ``quantity`` (``symbol``,
        ``side``, ``orderId`` or ``origClientOrderId``), as ``Client.futures_modify_order``."""
        require('order_modify', params, 'symbol', 'side', 'quantity', 'price',
                ('orderId', 'origClientOrderId'))
        check_choice('side', params['side'], SIDES)
        return self.request('order.modify', params, callback=callback)

    def order_cancel(self, callback: Callback = None, **params: Any) -> Deferred:
        """``order.cancel``: ``symbol`` and ``orderId`` or ``origClientOrderId``; given
        ``algoId`` or ``clientAlgoId`` (a conditional order), ``algoOrder.cancel``."""
        if params.get('algoId') is not None or params.get('clientAlgoId') is not None:
            params = {k: v for k, v in params.items() if k != 'symbol'}
            return self.algo_order_cancel(callback, **params)
        require('order_cancel', params, 'symbol', ('orderId', 'origClientOrderId'))
        return self.request('order.cancel', params, callback=callback)

    def algo_order_cancel(self, callback: Callback = None, **params: Any) -> Deferred:
        """``algoOrder.cancel``: ``algoId`` or ``clientAlgoId``.

        :returns: ``{'algoId': ..., 'clientAlgoId': ..., 'code': '200', 'msg': 'success'}``
        """
        require('algo_order_cancel', params, ('algoId', 'clientAlgoId'))
        return self.request('algoOrder.cancel', params, callback=callback)

    def order_status(self, callback: Callback = None, **params: Any) -> Deferred:
        """``order.status``: ``symbol`` and ``orderId`` or ``origClientOrderId``.

        :raises ValueError: given ``algoId``/``clientAlgoId``: the futures
            WebSocket API has no algo order query (use ``Client.futures_get_algo_order``).
        """
        if params.get('algoId') is not None or params.get('clientAlgoId') is not None:
            raise ValueError('the futures WebSocket API cannot query conditional orders '
                             '(no algoOrder.status); use client.futures_get_algo_order(algoId=...) '
                             'or watch ALGO_UPDATE on the futures user socket')
        require('order_status', params, 'symbol', ('orderId', 'origClientOrderId'))
        return self.request('order.status', params, callback=callback)

    # -- account --------------------------------------------------------------------

    def _call(self, name: str, params: Dict[str, Any], callback: Callback) -> Deferred:
        method, signed = self.METHODS[name]
        return self.request(method, params, signed=signed, callback=callback)

    def account_status(self, callback: Callback = None, **params: Any) -> Deferred:
        """``account.status``: the futures account, its assets and positions (weight 5)."""
        return self._call('account_status', params, callback)

    def account_status_v2(self, callback: Callback = None, **params: Any) -> Deferred:
        """``v2/account.status``: the account; positions only of symbols in use (weight 5)."""
        return self._call('account_status_v2', params, callback)

    def account_balance(self, callback: Callback = None, **params: Any) -> Deferred:
        """``account.balance``: one row per asset of the futures wallet (weight 5)."""
        return self._call('account_balance', params, callback)

    def account_balance_v2(self, callback: Callback = None, **params: Any) -> Deferred:
        """``v2/account.balance``: as :meth:`account_balance` (weight 5)."""
        return self._call('account_balance_v2', params, callback)

    def account_position(self, callback: Callback = None, **params: Any) -> Deferred:
        """``account.position``: positions, ``symbol`` optional (weight 5)."""
        return self._call('account_position', params, callback)

    def account_position_v2(self, callback: Callback = None, **params: Any) -> Deferred:
        """``v2/account.position``: positions of the symbols in use, ``symbol`` optional."""
        return self._call('account_position_v2', params, callback)

    # -- listen keys (USER_STREAM: the API key, no signature) -----------------------------

    def _keyed(self, name: str, callback: Callback) -> Deferred:
        client = self._ctx.client
        if client is None or not getattr(client, 'API_KEY', None):
            raise ValueError('{} needs the manager\'s Client to have an API key'.format(name))
        method = self.METHODS[name][0]
        return self.request(method, {'apiKey': client.API_KEY}, signed=False, callback=callback)

    def user_data_stream_start(self, callback: Callback = None) -> Deferred:
        """``userDataStream.start``: the account's listen key (``{'listenKey': ...}``), as
        ``Client.futures_stream_get_listen_key`` (the key of an active stream, extended)."""
        return self._keyed('user_data_stream_start', callback)

    def user_data_stream_ping(self, callback: Callback = None) -> Deferred:
        """``userDataStream.ping``: keep the listen key 60 more minutes."""
        return self._keyed('user_data_stream_ping', callback)

    def user_data_stream_stop(self, callback: Callback = None) -> Deferred:
        """``userDataStream.stop``: close the listen key (answers ``{}``)."""
        return self._keyed('user_data_stream_stop', callback)

    # -- market data ------------------------------------------------------------------

    def depth(self, callback: Callback = None, **params: Any) -> Deferred:
        """``depth``: the order book of ``symbol`` (``limit`` 5 ... 1000)."""
        require('depth', params, 'symbol')
        return self._call('depth', params, callback)

    def ticker_price(self, callback: Callback = None, **params: Any) -> Deferred:
        """``ticker.price``: the last price of ``symbol``, or of every symbol."""
        return self._call('ticker_price', params, callback)

    def ticker_book(self, callback: Callback = None, **params: Any) -> Deferred:
        """``ticker.book``: best bid and ask of ``symbol``, or of every symbol."""
        return self._call('ticker_book', params, callback)


for _name in sorted(set(WebSocketApi.METHODS) - set(FuturesWebSocketApi.METHODS)):
    _descriptor = _SpotOnly()
    _descriptor.__set_name__(FuturesWebSocketApi, _name)
    setattr(FuturesWebSocketApi, _name, _descriptor)
