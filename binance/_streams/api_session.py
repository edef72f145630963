"""Orders that never block the reactor: a WebSocket API session and a thread helper.

:class:`WebSocketApi` (``BinanceSocketManager.ws_api``) keeps one connection
to Binance's WebSocket API (``WS_API_URL``) and sends requests on it:
``order.place``, ``order.cancel``, ``order.status``, ``openOrders.status``,
``order.cancelReplace``, ``account.status``, today's order lists, amend, SOR,
commission, filters and tickers (``orderList.place.otoco``,
``order.amend.keepPriority``, ``openOrders.cancelAll``... under snake_case
names: ``order_list_place_otoco``...) and any other method through
:meth:`WebSocketApi.request`. Each call returns at once:

* a :class:`~twisted.internet.defer.Deferred` firing on the reactor thread
  with the reply's ``result`` (or failing with
  :class:`~binance.exceptions.BinanceWebSocketAPIException`,
  :class:`~binance.exceptions.BinanceWebSocketRateLimitException` for 429/418,
  :class:`~binance.exceptions.BinanceTimeoutException`,
  :class:`~binance.exceptions.BinanceConnectionException`);
* and, with ``callback=``, calls ``callback(result)`` on the reactor thread,
  or ``callback({'e': 'error', 'm': text, 'status': ..., 'code': ..., ...})``.

From a thread that is not the reactor's, ``ws_api.blocking.order_place(...,
timeout=10)`` waits for the result and returns it (or raises); it starts the
manager (``bm.start()``) when the reactor does not run yet.

Signing: with an Ed25519 key the session logs on (``session.logon``) after
each connection and later requests carry only their ``timestamp``; with HMAC
or RSA keys each signed request carries ``apiKey`` and ``signature``. Timestamps
use the client's :class:`~binance._clock.ServerClock`; a session whose clock
was never measured asks the server's ``time`` first, and a request refused
with ``-1021`` is measured again and sent once more.

A request in flight when the connection drops fails with
:class:`~binance.exceptions.BinanceConnectionException` (its outcome is
unknown: query ``order.status``); requests made while (re)connecting wait
for the connection. :attr:`WebSocketApi.rate_limits` holds the last reply's
``rateLimits`` and :attr:`WebSocketApi.used_weight` its request weight.

:func:`call_in_thread` runs any blocking call (e.g. a REST ``Client``
method) in the reactor's thread pool and hands its result to a callback on
the reactor thread.
"""
import itertools
import json
import logging
import threading
from typing import Any, Callable, Dict, List, Mapping, Optional

from twisted.internet.defer import Deferred
from twisted.python.failure import Failure

from binance import _reactor
from binance._client_params import check_limit, check_order, encode_ws_params, require
from binance._order_checks import (
    check_amend, check_order_list, check_sor_order, check_trading_day_ticker, check_ui_klines,
    check_window_ticker)
from binance._streams.connection import Connection
from binance._streams.context import SocketContext
from binance._streams.protocol import LinkHooks, call_callback
from binance._streams.user_api import signed_params, signer_of
from binance.exceptions import (
    BinanceConnectionException, BinanceTimeoutException,
    BinanceWebSocketAPIException, BinanceWebSocketRateLimitException,
)

__all__ = ['WebSocketApi', 'call_in_thread', 'error_message']

log = logging.getLogger('binance.websockets')

#: Seconds a request may wait for its reply.
REQUEST_TIMEOUT = 10.0
_INVALID_TIMESTAMP = -1021
_LOGON_PARAMS = ('apiKey', 'signature')


def error_message(error: Any) -> Dict[str, Any]:
    """The error dict a callback receives for ``error`` (an exception or a Failure).

    ``{'e': 'error', 'm': text, 'status': ..., 'code': ..., 'data': ...,
    'retry_after': ..., 'exception': exc}``; absent values are ``None``.
    """
    exc = error.value if isinstance(error, Failure) else error
    return {'e': 'error', 'm': str(exc), 'status': getattr(exc, 'status_code', None),
            'code': getattr(exc, 'code', None), 'data': getattr(exc, 'data', None),
            'retry_after': getattr(exc, 'retry_after', None), 'exception': exc}


def _deliver(d: Deferred, callback: Optional[Callable[[Any], Any]], clock: Any,
             name: str) -> Deferred:
    """Hand the outcome of ``d`` to ``callback`` too; with a callback, failures end there."""
    if callback is None:
        return d

    def ok(result: Any) -> Any:
        call_callback(callback, result, clock, name)
        return result

    def failed(failure: Failure) -> None:
        call_callback(callback, error_message(failure), clock, name)
        return None

    return d.addCallbacks(ok, failed)


def call_in_thread(ctx: Any, callback: Optional[Callable[[Any], Any]],
                   fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Deferred:
    """Run blocking ``fn(*args, **kwargs)`` in the reactor's thread pool.

    ``callback(result)`` (or ``callback(error dict)``, see :func:`error_message`)
    runs on the reactor thread. Returns a Deferred with the same outcome
    (``None`` after a failure that went to the callback).
    """
    if not callable(fn):
        raise TypeError('call_in_thread needs a callable, got {!r}'.format(type(fn).__name__))
    if callback is not None and not callable(callback):
        raise TypeError('callback must be callable or None, got {!r}'.format(
            type(callback).__name__))
    reactor = ctx.reactor
    name = getattr(fn, '__name__', 'call')
    if ctx.uses_global_reactor() and not _reactor.in_reactor_thread():
        result: Deferred = Deferred()
        delivered = _deliver(result, callback, reactor, name)

        def start() -> None:
            ctx.in_thread(fn, *args, **kwargs).chainDeferred(result)
        reactor.callFromThread(start)
        return delivered
    return _deliver(ctx.in_thread(fn, *args, **kwargs), callback, reactor, name)


class _Pending:
    """One request: its id, the message to send, and how to report the outcome."""

    def __init__(self, method: str, params: Dict[str, Any], signed: bool,
                 deferred: Deferred, timeout: float) -> None:
        self.method = method
        self.params = params
        self.signed = signed
        self.deferred = deferred
        self.timeout = timeout
        self.request_id: Optional[int] = None
        self.timer: Any = None
        self.resent = False
        self.sent_ms = 0
        #: sent without a signature, relying on the logged-on session
        self.via_logon = False
        self.internal: Optional[Callable[[Dict[str, Any], int], Any]] = None
        self.event = threading.Event()
        self.outcome: Any = None


class _Blocking:
    """``ws_api.blocking.<method>(..., timeout=10)``: wait for the result in this thread."""

    def __init__(self, wait: Callable[[str, Any, Dict[str, Any], float], Any],
                 methods: Mapping[str, Any]) -> None:
        self._wait = wait
        self._methods = methods

    def __getattr__(self, name: str) -> Callable[..., Any]:
        methods = self._methods
        if name not in methods and name != 'request':
            raise AttributeError('no WebSocket API method {!r}; methods: {}'.format(
                name, ', '.join(sorted(methods) + ['request'])))

        def call(*args: Any, timeout: float = REQUEST_TIMEOUT, **params: Any) -> Any:
            return self._wait(name, args, params, timeout)
        call.__name__ = name
        return call


class WebSocketApi:
    """A WebSocket API session of a :class:`~binance.websockets.BinanceSocketManager`.

    Get it as ``bm.ws_api``; it connects on the first request. Every method
    is safe from any thread; add callbacks to the returned Deferred only on
    the reactor thread (from other threads pass ``callback=`` or use
    :attr:`blocking`).

    :ivar rate_limits: ``rateLimits`` of the last reply (``[]`` before one).
    :ivar used_weight: its ``REQUEST_WEIGHT`` count, or ``None``.
    :ivar blocking: the same methods, waiting for the result (not on the
        reactor thread): ``bm.ws_api.blocking.order_status(symbol=..., orderId=..., timeout=5)``.
    """

    #: Python name -> (WebSocket API method, signed).
    METHODS = {
        'order_place': ('order.place', True),
        'order_cancel': ('order.cancel', True),
        'order_status': ('order.status', True),
        'open_orders_status': ('openOrders.status', True),
        'order_cancel_replace': ('order.cancelReplace', True),
        'account_status': ('account.status', True),
        'ping': ('ping', False),
        'time': ('time', False),
        # today's spot order API (binance/_order_checks.py checks the parameters)
        'order_list_place_oco': ('orderList.place.oco', True),
        'order_list_place_oto': ('orderList.place.oto', True),
        'order_list_place_otoco': ('orderList.place.otoco', True),
        'order_list_place_opo': ('orderList.place.opo', True),
        'order_list_place_opoco': ('orderList.place.opoco', True),
        'order_list_status': ('orderList.status', True),
        'order_list_cancel': ('orderList.cancel', True),
        'open_order_lists_status': ('openOrderLists.status', True),
        'all_order_lists': ('allOrderLists', True),
        'open_orders_cancel_all': ('openOrders.cancelAll', True),
        'order_amend_keep_priority': ('order.amend.keepPriority', True),
        'sor_order_place': ('sor.order.place', True),
        'sor_order_test': ('sor.order.test', True),
        'account_commission': ('account.commission', True),
        'my_filters': ('myFilters', True),
        'my_prevented_matches': ('myPreventedMatches', True),
        'my_allocations': ('myAllocations', True),
        'ui_klines': ('uiKlines', False),
        'ticker': ('ticker', False),
        'ticker_trading_day': ('ticker.tradingDay', False),
    }

    #: how the connection is named in logs
    NAME = 'WebSocket API'
    #: whose parameter rules apply (:func:`binance._client_params.encode_params`)
    PRODUCT = 'spot'

    def __init__(self, ctx: SocketContext, request_timeout: float = REQUEST_TIMEOUT) -> None:
        self._ctx = ctx              # the client, the reactor, the URL, connections
        self.request_timeout = request_timeout
        self.stopped = False
        self.rate_limits: List[Dict[str, Any]] = []
        self.used_weight: Optional[int] = None
        self.blocking = _Blocking(self._wait, type(self).METHODS)
        # the timeout of a blocking call in progress in this thread: its request's own
        self._blocking_timeout = threading.local()
        #: ``True`` while the session is logged on with an Ed25519 key.
        self.logged_on = False
        self._connection: Optional[Connection] = None
        self._proto: Any = None
        self._ready = False
        self._queue: List[_Pending] = []
        self._pending: Dict[int, _Pending] = {}
        self._ids = itertools.count(1)
        self._logon_refused = False

    def __repr__(self) -> str:
        return '<WebSocketApi connected={} logged_on={} pending={}>'.format(
            self._ready, self.logged_on, len(self._pending) + len(self._queue))

    def requests_waiting(self) -> int:
        """Requests made but not sent yet (the connection is still opening)."""
        return len(self._queue)

    # -- public requests ----------------------------------------------------------

    def order_place(self, callback: Optional[Callable[[Any], Any]] = None,
                    **params: Any) -> Deferred:
        """``order.place``: a new order (same parameters as ``Client.create_order``).

        :returns: a Deferred with the order (ACK/RESULT/FULL, as REST answers).
        :raises TypeError/ValueError: for a missing or malformed parameter, before sending.
        """
        check_order('order_place', params)
        return self.request('order.place', params, callback=callback)

    def order_cancel(self, callback: Optional[Callable[[Any], Any]] = None,
                     **params: Any) -> Deferred:
        """``order.cancel``: ``symbol`` and ``orderId`` or ``origClientOrderId``."""
        require('order_cancel', params, 'symbol', ('orderId', 'origClientOrderId'))
        return self.request('order.cancel', params, callback=callback)

    def order_status(self, callback: Optional[Callable[[Any], Any]] = None,
                     **params: Any) -> Deferred:
        """``order.status``: ``symbol`` and ``orderId`` or ``origClientOrderId``."""
        require('order_status', params, 'symbol', ('orderId', 'origClientOrderId'))
        return self.request('order.status', params, callback=callback)

    def open_orders_status(self, callback: Optional[Callable[[Any], Any]] = None,
                           **params: Any) -> Deferred:
        """``openOrders.status``: open orders of ``symbol`` (weight 6), or all (weight 80)."""
        return self.request('openOrders.status', params, callback=callback)

    def order_cancel_replace(self, callback: Optional[Callable[[Any], Any]] = None,
                             **params: Any) -> Deferred:
        """``order.cancelReplace``: ``cancelReplaceMode`` (``STOP_ON_FAILURE`` or
        ``ALLOW_FAILURE``), ``cancelOrderId`` or ``cancelOrigClientOrderId``, and the
        new order's parameters. A partial failure fails the Deferred with status
        409 and the details in the exception's ``data``."""
        require('order_cancel_replace', params, 'cancelReplaceMode',
                ('cancelOrderId', 'cancelOrigClientOrderId'))
        check_order('order_cancel_replace', params)
        return self.request('order.cancelReplace', params, callback=callback)

    def account_status(self, callback: Optional[Callable[[Any], Any]] = None,
                       **params: Any) -> Deferred:
        """``account.status``: balances and permissions (weight 20)."""
        return self.request('account.status', params, callback=callback)

    def ping(self, callback: Optional[Callable[[Any], Any]] = None) -> Deferred:
        """``ping``: answers ``{}``."""
        return self.request('ping', {}, signed=False, callback=callback)

    def time(self, callback: Optional[Callable[[Any], Any]] = None) -> Deferred:
        """``time``: answers ``{'serverTime': ms}``."""
        return self.request('time', {}, signed=False, callback=callback)

    def request(self, method: str, params: Optional[Dict[str, Any]] = None, *,
                signed: bool = True, callback: Optional[Callable[[Any], Any]] = None,
                timeout: Optional[float] = None) -> Deferred:
        """Send any WebSocket API ``method`` (``signed``: add timestamp and signature).

        :raises ValueError: for a signed request without an API key and a
            secret or private key; :raises TypeError: for a bad callback.
        """
        if not isinstance(method, str) or not method:
            raise ValueError("method must be a WebSocket API method such as 'order.place'")
        if callback is not None and not callable(callback):
            raise TypeError('callback must be callable or None, got {!r}'.format(
                type(callback).__name__))
        client = self._ctx.client
        if signed and (client is None or not getattr(client, 'API_KEY', None)
                       or signer_of(client) is None):
            raise ValueError('{} needs the manager\'s Client to have an API key and an '
                             'api_secret or private_key'.format(method))
        encoded = encode_ws_params(dict(params or {}), self.PRODUCT)
        d: Deferred = Deferred()
        pending = _Pending(method, encoded, signed, d, timeout
                           or getattr(self._blocking_timeout, 'value', None)
                           or self.request_timeout)
        self._ctx.check_reactor_alive()
        # the callback is attached before the request can be answered (reactor thread)
        result = _deliver(d, callback, self._ctx.reactor, method)
        self._run(self._submit, pending)
        return result

    def close(self) -> None:
        """Close the connection; requests not answered yet fail. A new request reconnects."""
        self._run(self._close)

    # -- today's spot order API (order lists, cancel-all, amend, SOR, rules, tickers) --

    def _call(self, name: str, params: Dict[str, Any],
              callback: Optional[Callable[[Any], Any]]) -> Deferred:
        method, signed = self.METHODS[name]
        return self.request(method, params, signed=signed, callback=callback)

    def order_list_place_oco(self, callback: Optional[Callable[[Any], Any]] = None,
                             **params: Any) -> Deferred:
        """``orderList.place.oco``: an OCO pair with today's parameters (``side``,
        ``quantity``, ``aboveType``, ``abovePrice``, ``belowType``,
        ``belowStopPrice``...), as ``Client.create_oco_order`` sends them."""
        require('order_list_place_oco', params, 'symbol', 'side', 'quantity', 'aboveType',
                'belowType')
        return self._call('order_list_place_oco', params, callback)

    def order_list_place_oto(self, callback: Optional[Callable[[Any], Any]] = None,
                             **params: Any) -> Deferred:
        """``orderList.place.oto``: parameters as ``Client.create_oto_order``."""
        params = check_order_list('order_list_place_oto', 'oto', params)
        return self._call('order_list_place_oto', params, callback)

    def order_list_place_otoco(self, callback: Optional[Callable[[Any], Any]] = None,
                               **params: Any) -> Deferred:
        """``orderList.place.otoco``: parameters as ``Client.create_otoco_order``."""
        params = check_order_list('order_list_place_otoco', 'otoco', params)
        return self._call('order_list_place_otoco', params, callback)

    def order_list_place_opo(self, callback: Optional[Callable[[Any], Any]] = None,
                             **params: Any) -> Deferred:
        """``orderList.place.opo``: parameters as ``Client.create_opo_order``."""
        params = check_order_list('order_list_place_opo', 'opo', params)
        return self._call('order_list_place_opo', params, callback)

    def order_list_place_opoco(self, callback: Optional[Callable[[Any], Any]] = None,
                               **params: Any) -> Deferred:
        """``orderList.place.opoco``: parameters as ``Client.create_opoco_order``."""
        params = check_order_list('order_list_place_opoco', 'opoco', params)
        return self._call('order_list_place_opoco', params, callback)

    def order_list_status(self, callback: Optional[Callable[[Any], Any]] = None,
                          **params: Any) -> Deferred:
        """``orderList.status``: ``orderListId`` or ``origClientOrderId``."""
        require('order_list_status', params, ('orderListId', 'origClientOrderId'))
        return self._call('order_list_status', params, callback)

    def order_list_cancel(self, callback: Optional[Callable[[Any], Any]] = None,
                          **params: Any) -> Deferred:
        """``orderList.cancel``: ``symbol`` and ``orderListId`` or ``listClientOrderId``."""
        require('order_list_cancel', params, 'symbol', ('orderListId', 'listClientOrderId'))
        return self._call('order_list_cancel', params, callback)

    def open_order_lists_status(self, callback: Optional[Callable[[Any], Any]] = None,
                                **params: Any) -> Deferred:
        """``openOrderLists.status``: the order lists still executing."""
        return self._call('open_order_lists_status', params, callback)

    def all_order_lists(self, callback: Optional[Callable[[Any], Any]] = None,
                        **params: Any) -> Deferred:
        """``allOrderLists``: ``fromId`` or ``startTime``/``endTime``, ``limit`` (up to 1000)."""
        check_limit(params, 1000)
        return self._call('all_order_lists', params, callback)

    def open_orders_cancel_all(self, callback: Optional[Callable[[Any], Any]] = None,
                               **params: Any) -> Deferred:
        """``openOrders.cancelAll``: every open order of ``symbol``, order lists included."""
        require('open_orders_cancel_all', params, 'symbol')
        return self._call('open_orders_cancel_all', params, callback)

    def order_amend_keep_priority(self, callback: Optional[Callable[[Any], Any]] = None,
                                  **params: Any) -> Deferred:
        """``order.amend.keepPriority``: ``symbol``, ``orderId`` or
        ``origClientOrderId``, and a smaller ``newQty``; the order keeps its place."""
        params = check_amend('order_amend_keep_priority', params)
        return self._call('order_amend_keep_priority', params, callback)

    def sor_order_place(self, callback: Optional[Callable[[Any], Any]] = None,
                        **params: Any) -> Deferred:
        """``sor.order.place``: parameters as ``Client.create_sor_order``."""
        check_sor_order('sor_order_place', params)
        return self._call('sor_order_place', params, callback)

    def sor_order_test(self, callback: Optional[Callable[[Any], Any]] = None,
                       **params: Any) -> Deferred:
        """``sor.order.test``: check an SOR order without placing it."""
        check_sor_order('sor_order_test', params)
        return self._call('sor_order_test', params, callback)

    def account_commission(self, callback: Optional[Callable[[Any], Any]] = None,
                           **params: Any) -> Deferred:
        """``account.commission``: the commission rates on ``symbol``."""
        require('account_commission', params, 'symbol')
        return self._call('account_commission', params, callback)

    def my_filters(self, callback: Optional[Callable[[Any], Any]] = None,
                   **params: Any) -> Deferred:
        """``myFilters``: the filters that apply to the account on ``symbol``."""
        require('my_filters', params, 'symbol')
        return self._call('my_filters', params, callback)

    def my_prevented_matches(self, callback: Optional[Callable[[Any], Any]] = None,
                             **params: Any) -> Deferred:
        """``myPreventedMatches``: ``symbol`` with ``preventedMatchId`` or ``orderId``."""
        require('my_prevented_matches', params, 'symbol', ('preventedMatchId', 'orderId'))
        check_limit(params, 1000)
        return self._call('my_prevented_matches', params, callback)

    def my_allocations(self, callback: Optional[Callable[[Any], Any]] = None,
                       **params: Any) -> Deferred:
        """``myAllocations``: allocations of SOR orders on ``symbol``."""
        require('my_allocations', params, 'symbol')
        check_limit(params, 1000)
        return self._call('my_allocations', params, callback)

    def ui_klines(self, callback: Optional[Callable[[Any], Any]] = None,
                  **params: Any) -> Deferred:
        """``uiKlines``: ``symbol``, ``interval``; rows as ``Client.get_klines``."""
        check_ui_klines('ui_klines', params)
        check_limit(params, 1000)
        return self._call('ui_klines', params, callback)

    def ticker(self, callback: Optional[Callable[[Any], Any]] = None,
               **params: Any) -> Deferred:
        """``ticker``: rolling-window statistics, as ``Client.get_symbol_ticker_window``."""
        check_window_ticker('ticker', params)
        return self._call('ticker', params, callback)

    def ticker_trading_day(self, callback: Optional[Callable[[Any], Any]] = None,
                           **params: Any) -> Deferred:
        """``ticker.tradingDay``: today's statistics, as ``Client.get_trading_day_ticker``."""
        check_trading_day_ticker('ticker_trading_day', params)
        return self._call('ticker_trading_day', params, callback)

    # -- threads --------------------------------------------------------------------

    def _run(self, fn: Callable[..., Any], *args: Any) -> None:
        ctx = self._ctx
        if ctx.uses_global_reactor() and not _reactor.in_reactor_thread():
            ctx.call(fn, *args)
        else:
            fn(*args)

    def _wait(self, name: str, args: Any, params: Dict[str, Any], timeout: float) -> Any:
        if _reactor.in_reactor_thread():
            raise RuntimeError('ws_api.blocking.{} would block the reactor thread that carries '
                               'the reply; call ws_api.{}(..., callback=...) there'.format(
                                   name, name))
        if self._ctx.uses_global_reactor() and not _reactor.is_running():
            self._ctx.start_manager()  # nothing would carry the request otherwise
            _reactor.ensure_running()
        done = threading.Event()
        box: List[Any] = []

        def finished(outcome: Any) -> None:
            box.append(outcome)
            done.set()
        method = getattr(self, name)
        if name == 'request':
            d = method(*args, timeout=timeout, **params)
        else:
            self._blocking_timeout.value = timeout   # the request times out, not only the wait
            try:
                d = method(*args, **params)
            finally:
                self._blocking_timeout.value = None
        self._run(lambda: d.addBoth(finished))
        if not done.wait(timeout + 1.0):   # a backstop: the request's own timer answers first
            raise BinanceTimeoutException('WebSocket API {} got no answer within {} s'.format(
                name, timeout))
        outcome = box[0]
        if isinstance(outcome, Failure):
            outcome.raiseException()
        return outcome

    # -- reactor thread -------------------------------------------------------------

    def _submit(self, pending: _Pending) -> None:
        if self.stopped:
            self.stopped = False  # a request after close() reconnects
        clock = self._ctx.reactor
        pending.timer = clock.callLater(pending.timeout, self._timed_out, pending)
        self._queue.append(pending)
        if self._connection is None:
            self._connect()
        elif self._ready:
            self._flush()

    def _clock(self) -> Any:
        """The client's clock that stamps this session's requests (its ``server_clock``)."""
        return getattr(self._ctx.client, 'server_clock', None)

    def _url(self) -> str:
        """The URL to connect to (read at each connection)."""
        return str(self._ctx.ws_api_url())

    def _connect(self) -> None:
        self._connection = Connection.handled(self._ctx, self._url(), LinkHooks(
            self._on_message, self._gave_up, gate=self, on_open=self._opened),
            name=self.NAME)

    def _opened(self, proto: Any) -> None:
        self._proto = proto
        self.logged_on = False
        clock = self._clock()
        if clock is not None and clock.stale():
            self._measure(self._after_time)
        else:
            self._after_time()

    def _measure(self, then: Callable[[], Any]) -> None:
        """Measure the server's time (its ``time`` method), then call ``then()``."""
        def measured(reply: Dict[str, Any], sent_ms: int) -> None:
            self._measured(reply, sent_ms)
            then()
        self._send_internal('time', {}, False, measured)

    def _measured(self, reply: Dict[str, Any], sent_ms: int) -> None:
        clock = self._clock()
        result = reply.get('result') or {}
        if reply.get('status') == 200 and isinstance(result.get('serverTime'), int):
            clock.record(result['serverTime'], sent_ms, clock.local_ms())

    def _after_time(self) -> None:
        client = self._ctx.client
        if getattr(client, 'key_type', None) == 'Ed25519' and not self._logon_refused:
            self._send_internal('session.logon', {}, True, self._logon_answered)
        else:
            self._set_ready()

    def _logon_answered(self, reply: Dict[str, Any], sent_ms: int) -> None:
        if reply.get('status') == 200:
            self.logged_on = True
            log.info('WebSocket API: session logged on (Ed25519 key)')
        else:
            error = reply.get('error') or {}
            self._logon_refused = True
            log.warning('WebSocket API: session.logon refused (%s: %s); signing each request',
                        error.get('code'), error.get('msg'))
        self._set_ready()

    def _set_ready(self) -> None:
        self._ready = True
        self._flush()

    def _flush(self) -> None:
        queue, self._queue = self._queue, []
        for pending in queue:
            self._send(pending)

    def _timestamp(self) -> int:
        clock = self._clock()
        return clock.local_ms() + clock.offset_ms

    def _frame(self, pending: _Pending) -> bytes:
        params = dict(pending.params)
        if pending.signed:
            client = self._ctx.client
            params['timestamp'] = self._timestamp()
            pending.via_logon = self.logged_on
            if not self.logged_on:
                params = signed_params(client, params.pop('timestamp'), **params)
        request_id = pending.request_id = next(self._ids)
        return json.dumps({'id': request_id, 'method': pending.method,
                           'params': params}, separators=(',', ':')).encode('utf-8')

    def _send(self, pending: _Pending) -> None:
        if pending.deferred.called:
            return
        frame = self._frame(pending)
        assert pending.request_id is not None
        self._pending[pending.request_id] = pending
        pending.sent_ms = self._clock().local_ms()  # local: for record()
        self._proto.sendMessage(frame, isBinary=False)

    def _send_internal(self, method: str, params: Dict[str, Any], signed: bool,
                       handler: Callable[[Dict[str, Any], int], Any]) -> None:
        pending = _Pending(method, params, signed, Deferred(), self.request_timeout)
        pending.internal = handler
        self._send(pending)

    def _on_message(self, msg: Any) -> None:
        if msg.__class__ is not dict or 'status' not in msg:
            log.debug('WebSocket API: message without a status skipped')
            return
        if msg.get('rateLimits'):
            self.rate_limits = msg['rateLimits']
            self.used_weight = next((limit.get('count') for limit in self.rate_limits
                                     if limit.get('rateLimitType') == 'REQUEST_WEIGHT'), None)
        reply_id = msg.get('id')
        pending = self._pending.pop(reply_id, None) if isinstance(reply_id, int) else None
        if pending is None:
            if msg.get('id') is None and msg.get('status') == 401:  # the session was revoked
                log.info('WebSocket API: the server revoked the session (%s)',
                         (msg.get('error') or {}).get('msg'))
                self.logged_on = False
            return
        if pending.internal is not None:
            pending.internal(msg, pending.sent_ms)
            return
        status = msg.get('status')
        if status == 200:
            self._finish(pending, msg.get('result'))
            return
        code = (msg.get('error') or {}).get('code')
        if code == _INVALID_TIMESTAMP and pending.signed and not pending.resent \
                and self._clock().enabled:
            pending.resent = True
            log.info('WebSocket API: %s refused for its timestamp; measuring the server time '
                     'and sending it once more', pending.method)

            def resend() -> None:
                if self._ready and self._proto is not None:
                    self._send(pending)
            self._measure(resend)
            return
        if status == 401 and pending.via_logon and not pending.resent:
            # the server ended the session: log on again, then send this request once more
            pending.resent = True
            log.info('WebSocket API: the session was logged out by the server; logging on '
                     'again')
            self.logged_on = False
            self._ready = False
            self._queue.insert(0, pending)
            self._after_time()
            return
        error: BinanceWebSocketAPIException
        if status in (418, 429):
            error = limited = BinanceWebSocketRateLimitException(msg, pending.method)
            log.warning('WebSocket API %s rate limited: status %s, retry after %s s',
                        pending.method, status, limited.retry_after)
        else:
            error = BinanceWebSocketAPIException(msg, pending.method)
        self._finish(pending, Failure(error))

    def _finish(self, pending: _Pending, outcome: Any) -> None:
        timer, pending.timer = pending.timer, None
        if timer is not None and timer.active():
            timer.cancel()
        if not pending.deferred.called:
            if isinstance(outcome, Failure):
                pending.deferred.errback(outcome)
            else:
                pending.deferred.callback(outcome)

    def _timed_out(self, pending: _Pending) -> None:
        pending.timer = None
        if pending in self._queue:
            self._queue.remove(pending)
        if pending.request_id is not None:
            self._pending.pop(pending.request_id, None)
        self._finish(pending, Failure(BinanceTimeoutException(
            'WebSocket API {} got no answer within {} s{}'.format(
                pending.method, pending.timeout,
                '' if pending.request_id is None else ' (its outcome is unknown)'))))

    # -- connection events (the factory calls them) -------------------------------

    def connected(self, factory: Any) -> None:
        pass

    def disconnected(self, factory: Any) -> None:
        self._proto = None
        self._ready = False
        self.logged_on = False
        in_flight = [p for p in self._pending.values() if p.internal is None]
        self._pending.clear()
        for pending in in_flight:
            self._finish(pending, Failure(BinanceConnectionException(
                'the WebSocket API connection was lost before {} was answered; its outcome '
                'is unknown (query the order to find out)'.format(pending.method))))

    def _gave_up(self) -> None:
        self._connection = None
        self._fail_all('the WebSocket API connection could not be made (reconnect retries '
                       'exhausted)')

    def _fail_all(self, text: str) -> None:
        self.disconnected(None)
        queue, self._queue = self._queue, []
        for pending in queue:
            self._finish(pending, Failure(BinanceConnectionException(text)))

    def _close(self) -> None:
        self.stopped = True
        connection, self._connection = self._connection, None
        if connection is not None:
            connection.close()
        self._fail_all('the WebSocket API session was closed')

