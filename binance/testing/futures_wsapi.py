"""The USD-M futures WebSocket API (``/ws-fapi/v1``) of the local exchange.

Served by :class:`~binance.testing.futures_streams.FuturesStreamServer` on
``/ws-fapi/v1`` (Binance: ``wss://ws-fapi.binance.com/ws-fapi/v1``), over the
:class:`~binance.testing.futures_market.FuturesMarket`. Methods, as
Binance's "Derivatives Trading USDⓈ-M Futures" WebSocket API documents them:

* ``session.logon`` (Ed25519 keys only), ``session.status``, ``session.logout``;
* ``order.place``, ``order.modify``, ``order.cancel``, ``order.status``,
  ``algoOrder.place``, ``algoOrder.cancel``: the ``result`` of their REST
  counterparts (``POST/PUT/DELETE/GET /fapi/v1/order``, ``POST/DELETE
  /fapi/v1/algoOrder``), so ``order.place`` refuses the conditional types
  with ``-4120`` as ``POST /fapi/v1/order`` does;
* ``account.status``, ``account.balance``, ``account.position`` and their
  ``v2/`` forms (``v2/account.status`` is ``GET /fapi/v3/account``,
  ``v2/account.position`` ``GET /fapi/v3/positionRisk``, the v1 forms list
  every symbol with leverage and margin type);
* ``userDataStream.start``, ``userDataStream.ping``, ``userDataStream.stop``
  (``USER_STREAM``: the ``apiKey`` only): the listen key of ``/fapi/v1/listenKey``;
* ``depth``, ``ticker.price``, ``ticker.book`` (public).

Signatures, ``recvWindow``, timestamps, sessions and replies are those of
the spot WebSocket API (:mod:`binance.testing.streams_wsapi`). Limits are
futures': ``REQUEST_WEIGHT`` 2400 per minute (Binance counts the IP's REST
and WebSocket API weight together; here this server's requests), beyond it
status 429 and ``-1003``; new orders (``order.place``, ``order.modify``,
``algoOrder.place``) count towards ``ORDERS`` 300 per 10 s and 1200 per
minute, beyond them 429 and ``-1015``. There is no ``time`` or ``ping``
method (``-1020``, as for every unknown method... see :func:`handle_request`).
"""
import logging
from decimal import Decimal
from typing import Any, Callable, Dict, List, Optional, Tuple

from binance._rate_limits import FUTURES_RATE_LIMITS as _LIMITS, weight_limit
from binance.testing.market_base import MarketError, fmt
from binance.testing.streams_wsapi import (
    ApiError, _add_weight, _span_ms, _state, answer_frame, from_market, now_ms, session_method,
    session_of)
from binance.testing.streams_wsapi_orders import _count_order as count_order, _read, _signed

__all__ = ['handle_request', 'FUTURES_WEIGHTS', 'FUTURES_RATE_LIMITS']

log = logging.getLogger(__name__)

#: The futures limits (``GET /fapi/v1/exchangeInfo`` ``rateLimits``).
FUTURES_RATE_LIMITS: Tuple[Dict[str, Any], ...] = tuple(_LIMITS)
_WEIGHT_LIMIT = weight_limit(_LIMITS)
#: IP weight of each method (Binance's futures WebSocket API docs).
FUTURES_WEIGHTS: Dict[str, int] = {
    'session.logon': 2, 'session.status': 2, 'session.logout': 2,
    'order.place': 0, 'order.modify': 0, 'algoOrder.place': 0, 'order.cancel': 1,
    'algoOrder.cancel': 1, 'order.status': 1,
    'account.status': 5, 'v2/account.status': 5, 'account.balance': 5,
    'v2/account.balance': 5, 'account.position': 5, 'v2/account.position': 5,
    'userDataStream.start': 1, 'userDataStream.ping': 1, 'userDataStream.stop': 1,
}
_ORDER_METHODS = frozenset(('order.place', 'order.modify', 'algoOrder.place'))

_ORDER = ('symbol', 'side', 'type', 'positionSide', 'timeInForce', 'quantity', 'reduceOnly',
          'price', 'newClientOrderId', 'stopPrice', 'closePosition', 'workingType',
          'priceProtect', 'newOrderRespType', 'goodTillDate')
# read by Binance, without effect here
_ORDER_IGNORED = ('priceMatch', 'selfTradePreventionMode', 'activationPrice', 'callbackRate')
_MODIFY = ('symbol', 'side', 'quantity', 'price', 'orderId', 'origClientOrderId', 'priceMatch')
_MODIFY_IGNORED = ('modifyId',)
_ALGO = ('algoType', 'symbol', 'side', 'type', 'positionSide', 'timeInForce', 'quantity',
         'price', 'triggerPrice', 'workingType', 'priceMatch', 'closePosition', 'priceProtect',
         'reduceOnly', 'activatePrice', 'callbackRate', 'clientAlgoId', 'newOrderRespType',
         'selfTradePreventionMode', 'goodTillDate')
_ID = ('symbol', 'orderId', 'origClientOrderId')

Handler = Callable[[Any, Any, Dict[str, Any]], Any]


def _count_order(server: Any, api_key: str) -> None:
    """Count one new order; 429 -1015 beyond the futures ``ORDERS`` limits."""
    count_order(server, api_key, FUTURES_RATE_LIMITS, kept_ms=60000)


def _trading(method: str, reads: Tuple[str, ...], ignored: Tuple[str, ...] = (),
             order: bool = False) -> Handler:
    """A signed handler calling ``FuturesMarket.<method>(api_key, **params)``."""
    def handler(server: Any, conn: Any, params: Dict[str, Any]) -> Any:
        api_key = _signed(server, conn, params)
        args = _read(params, reads, ignored)
        if order:
            _count_order(server, api_key)
        fmarket = server.market
        fmarket.active = True
        return getattr(fmarket, method)(api_key, **args)
    return handler


def _public(method: str, reads: Tuple[str, ...]) -> Handler:
    def handler(server: Any, conn: Any, params: Dict[str, Any]) -> Any:
        fmarket = server.market
        fmarket.active = True
        return getattr(fmarket, method)(**_read(params, reads))
    return handler


# -- the v1 account forms (every symbol, leverage and margin type) -----------------------


def _account_v1(server: Any, conn: Any, params: Dict[str, Any]) -> Any:
    """``account.status``: ``v2/account.status`` plus a row per symbol and side."""
    api_key = _signed(server, conn, params)
    _read(params, ())
    fmarket = server.market
    with fmarket.lock:
        info = fmarket.f_account(api_key)
        info['positions'] = [_position_v1(fmarket, api_key, name, side, account_form=True)
                             for name, side in _every_position(fmarket, api_key, None)]
        info.update(feeTier=0, canTrade=True, canDeposit=True, canWithdraw=True,
                    updateTime=0, multiAssetsMargin=False, tradeGroupId=-1)
        for asset in info['assets']:
            asset['marginAvailable'] = True
    return info


def _positions_v1(server: Any, conn: Any, params: Dict[str, Any]) -> Any:
    """``account.position``: one row per symbol and side, flat ones too."""
    api_key = _signed(server, conn, params)
    args = _read(params, ('symbol',))
    fmarket = server.market
    with fmarket.lock:
        return [_position_v1(fmarket, api_key, name, side, account_form=False)
                for name, side in _every_position(fmarket, api_key, args.get('symbol'))]


def _every_position(fmarket: Any, api_key: str, symbol: Optional[str]) -> List[Tuple[str, str]]:
    account = fmarket.ledger.account(api_key)
    names = [fmarket.contracts.spec(symbol).symbol] if symbol else list(fmarket.symbols)
    sides = ('LONG', 'SHORT') if account.dual else ('BOTH',)
    return [(name, side) for name in names for side in sides]


def _position_v1(fmarket: Any, api_key: str, name: str, side: str,
                 account_form: bool) -> Dict[str, Any]:
    ledger = fmarket.ledger
    account = ledger.account(api_key)
    pos = account.position(name, side)
    n = ledger.position_numbers(account, name, side)
    leverage = ledger.leverage_of(account, name)
    isolated = account.margin_type.get(name) == 'ISOLATED'
    cap = ledger.leverage_bracket(api_key, name)['brackets'][0]['notionalCap']
    entry = fmt(pos.entry.quantize(Decimal('1e-8')))
    common = {'symbol': name, 'positionSide': side, 'leverage': str(leverage),
              'positionAmt': fmarket.contracts.qty_str(name, pos.amount), 'entryPrice': entry,
              'breakEvenPrice': fmt(ledger.break_even(pos).quantize(Decimal('1e-8'))),
              'updateTime': pos.update_time}
    if account_form:
        return dict(common, initialMargin=fmt(n['im'] + n['oim']), maintMargin=fmt(n['mm']),
                    unrealizedProfit=fmt(n['up']), positionInitialMargin=fmt(n['im']),
                    openOrderInitialMargin=fmt(n['oim']), isolated=isolated,
                    maxNotional=str(cap), bidNotional=fmt(n['bids']), askNotional=fmt(n['asks']))
    return dict(common, marginType='isolated' if isolated else 'cross',
                isAutoAddMargin='false',
                isolatedMargin=fmt(pos.isolated_wallet + n['up'] if isolated else Decimal(0)),
                liquidationPrice=fmt(ledger.liquidation_price(account, name, pos)),
                markPrice=fmt(n['mark']), maxNotionalValue=str(cap),
                notional=fmt(n['notional']), isolatedWallet=fmt(pos.isolated_wallet),
                unRealizedProfit=fmt(n['up']))


def _listen_key(method: str) -> Handler:
    """A ``USER_STREAM`` handler: ``apiKey`` only (or the logged-on session's key)."""
    def handler(server: Any, conn: Any, params: Dict[str, Any]) -> Any:
        session = session_of(server, conn)
        _read(params, ('apiKey',))
        api_key = params.get('apiKey') or session.api_key
        if api_key is None:
            raise ApiError(400, -1102, "Mandatory parameter 'apiKey' was not sent, was "
                                       "empty/null, or malformed.")
        if not isinstance(api_key, str) or server.market.key_type(api_key) is None:
            raise ApiError(401, -2015, 'Invalid API-key, IP, or permissions for action.')
        conn._last_api_key = api_key
        return getattr(server.market, method)(api_key)
    return handler


def _balance(server: Any, conn: Any, params: Dict[str, Any]) -> Any:
    api_key = _signed(server, conn, params)
    _read(params, ())
    return server.market.f_balance(api_key)


def _depth_weight(params: Dict[str, Any]) -> int:
    try:
        limit = int(str(params.get('limit', 500)))
    except ValueError:
        return 10
    return 2 if limit <= 50 else 5 if limit <= 100 else 10 if limit <= 500 else 20


HANDLERS: Dict[str, Handler] = {
    'order.place': _trading('f_place_order', _ORDER, _ORDER_IGNORED, order=True),
    'order.modify': _trading('f_modify_order', _MODIFY, _MODIFY_IGNORED, order=True),
    'order.cancel': _trading('f_cancel_order', _ID),
    'order.status': _trading('f_get_order', _ID),
    'algoOrder.place': _trading('f_algo_order', _ALGO, order=True),
    'algoOrder.cancel': _trading('f_cancel_algo_order', ('algoId', 'clientAlgoId')),
    'account.status': _account_v1,
    'v2/account.status': _trading('f_account', ()),
    'account.balance': _balance,
    'v2/account.balance': _balance,
    'account.position': _positions_v1,
    'v2/account.position': _trading('f_position_risk', ('symbol',)),
    'userDataStream.start': _listen_key('f_listen_key'),
    'userDataStream.ping': _listen_key('f_listen_key_keepalive'),
    'userDataStream.stop': _listen_key('f_listen_key_close'),
    'depth': _public('f_depth', ('symbol', 'limit')),
    'ticker.price': _public('f_ticker_price', ('symbol',)),
    'ticker.book': _public('f_book_ticker', ('symbol',)),
}


def _dispatch(server: Any, conn: Any, method: str, params: Dict[str, Any]) -> Any:
    answer = session_method(server, conn, method, params)
    if answer is not None:
        return answer
    handler = HANDLERS.get(method)
    if handler is None:
        raise ApiError(400, -1020, 'Unsupported operation: {!r}.'.format(method)[:200])
    try:
        return handler(server, conn, params)
    except MarketError as error:
        raise from_market(error) from None


def _weight_of(method: str, params: Dict[str, Any]) -> int:
    if method == 'depth':
        return _depth_weight(params)
    if method in ('ticker.price', 'ticker.book'):
        single = params.get('symbol') is not None
        return (1 if single else 2) if method == 'ticker.price' else (2 if single else 5)
    return FUTURES_WEIGHTS.get(method, 1)


def _rate_limits(server: Any, api_key: Optional[str], orders: bool) -> List[Dict[str, Any]]:
    state = _state(server)
    limits = [dict(FUTURES_RATE_LIMITS[0], count=state.weight)]
    if orders and api_key is not None:
        now = now_ms(server)
        times = state.orders.get(api_key, [])
        for limit in FUTURES_RATE_LIMITS[1:]:
            span = _span_ms(limit)
            window = now - now % span
            limits.append(dict(limit, count=sum(1 for t in times if t >= window)))
    return limits


def handle_request(server: Any, conn: Any, payload: bytes) -> Dict[str, Any]:
    """Answer one futures WebSocket API request frame; returns the reply as a dict."""
    def run(method: str, params: Dict[str, Any]) -> Any:
        if not _add_weight(server, _weight_of(method, params), _WEIGHT_LIMIT):
            now = now_ms(server)
            raise ApiError(429, -1003, 'Too many requests; current limit is {} requests per '
                                       'minute. Please use the websocket for live updates to '
                                       'avoid polling the API.'.format(_WEIGHT_LIMIT),
                           {'serverTime': now, 'retryAfter': now - now % 60000 + 60000})
        return _dispatch(server, conn, method, params)

    def limits(api_key: Optional[str], method: Any) -> List[Dict[str, Any]]:
        return _rate_limits(server, api_key, method in _ORDER_METHODS)

    return answer_frame(server, conn, payload, run, limits, 'futures WebSocket API', logger=log)
