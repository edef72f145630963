"""What the USD-M (``/fapi``) and COIN-M (``/dapi``) client methods share.

Both futures APIs take the same order, cancel, leverage, position-mode and
listen-key requests under their own root; a :class:`FuturesFamily` names one
of them (its request root, its method-name prefix and its order rules) and
its methods do the checks and routing the two mixins used to spell out twice.
``call`` is always the mixin's bound request helper (``_fapi`` or ``_dapi``),
which signs with that family's own clock.
"""
import json
from typing import Any, Callable, Dict, NamedTuple, Optional, Tuple

from binance._client_params import Checked, check_choice, require
from binance._clock import ServerClock
from binance._wire import rule_for
from binance.enums import SIDES
from binance.exceptions import BinanceRequestException

Call = Callable[..., Any]

#: The ``limit`` values the futures ``depth`` endpoints accept.
FUTURES_DEPTH_LIMITS = (5, 10, 20, 50, 100, 500, 1000)


class FuturesFamily(NamedTuple):
    """One futures API as the client methods see it."""

    #: request root of :meth:`ClientBase._request` (``'fapi'`` or ``'dapi'``).
    api: str
    #: method-name prefix (``'futures_'`` or ``'futures_coin_'``), for error messages.
    prefix: str
    #: ``type`` values of ``POST /<api>/v1/order``.
    order_types: Tuple[str, ...]
    #: the types Binance serves on the Algo Service (``POST /<api>/v1/algoOrder``).
    conditional_types: Tuple[str, ...]
    #: ``timeInForce`` values.
    time_in_forces: Tuple[str, ...]
    #: whether a ``MARKET`` order with ``closePosition=True`` needs no quantity.
    market_close_position: bool

    def check_order(self, func: str, params: Dict[str, Any]) -> Dict[str, Any]:
        """Check an order of ``func`` before it is sent: symbol, side, type and what
        the type needs; ``timeInForce`` against this family's values.

        :returns: ``params`` (``timeInForce`` checked); :raises TypeError/ValueError:
            naming the missing or invalid parameter.
        """
        require(func, params, 'symbol', 'side', 'type')
        check_choice('side', params['side'], SIDES)
        order_type = check_choice('type', params['type'], self.order_types)
        if order_type == 'LIMIT':
            require(func, params, 'timeInForce', 'quantity', 'price')
        elif order_type in ('STOP', 'TAKE_PROFIT'):
            require(func, params, 'quantity', 'price', 'stopPrice')
        elif order_type in ('STOP_MARKET', 'TAKE_PROFIT_MARKET'):
            require(func, params, 'stopPrice')
        elif order_type == 'TRAILING_STOP_MARKET':
            require(func, params, 'callbackRate')
        elif not (self.market_close_position and params.get('closePosition')):
            require(func, params, 'quantity')
        if params.get('timeInForce') is not None:
            params = dict(params, timeInForce=check_choice(
                'timeInForce', params['timeInForce'], self.time_in_forces))
        return params

    def create_order(self, call: Call, func: str, params: Dict[str, Any]) -> Any:
        """Check and send an order: conditional types to the Algo Service
        (:func:`to_algo_params`), the others to ``POST /<api>/v1/order``."""
        params = self.check_order(func, params)
        if params['type'] in self.conditional_types:
            return call('POST', 'v1/algoOrder', without_spot_checks(to_algo_params(params)),
                        signed=True)
        return call('POST', 'v1/order', without_spot_checks(params), signed=True)

    def one_order(self, call: Call, method: str, func: str, params: Dict[str, Any]) -> Any:
        """``GET``/``DELETE`` one order: by ``algoId``/``clientAlgoId`` on
        ``/<api>/v1/algoOrder``, else by symbol and orderId/origClientOrderId."""
        algo = algo_query(params)
        if algo is not None:
            return call(method, 'v1/algoOrder', algo, signed=True)
        require(func, params, 'symbol', ('orderId', 'origClientOrderId'))
        return call(method, 'v1/order', params, signed=True)

    def cancel_orders(self, call: Call, func: str, params: Dict[str, Any]) -> Any:
        """``DELETE /<api>/v1/batchOrders`` with the id lists sent as JSON arrays."""
        require(func, params, 'symbol', ('orderIdList', 'origClientOrderIdList'))
        params = dict(params)
        json_id_list(params, 'orderIdList')
        json_id_list(params, 'origClientOrderIdList')
        return call('DELETE', 'v1/batchOrders', params, signed=True)

    def change_leverage(self, call: Call, func: str, params: Dict[str, Any]) -> Any:
        """``POST /<api>/v1/leverage``: symbol and leverage 1 to 125."""
        require(func, params, 'symbol', 'leverage')
        leverage = params['leverage']
        if isinstance(leverage, bool) or not isinstance(leverage, (int, str)) \
                or not str(leverage).isdigit() or not 1 <= int(leverage) <= 125:
            raise ValueError('leverage must be an int from 1 to 125, got {!r}'.format(leverage))
        return call('POST', 'v1/leverage', params, signed=True)

    def change_position_mode(self, call: Call, func: str, params: Dict[str, Any]) -> Any:
        """``POST /<api>/v1/positionSide/dual``: dualSidePosition true or false."""
        require(func, params, 'dualSidePosition')
        if params['dualSidePosition'] not in (True, False, 'true', 'false'):
            raise ValueError('dualSidePosition must be True (hedge mode) or False (one-way '
                             'mode), got {!r}'.format(params['dualSidePosition']))
        return call('POST', 'v1/positionSide/dual', params, signed=True)

    def get_listen_key(self, call: Call, client: Any) -> str:
        """``POST /<api>/v1/listenKey`` (API key only): the key, or an error naming
        the answer that lacked one."""
        result = call('POST', 'v1/listenKey', keyed=True)
        key = result.get('listenKey') if isinstance(result, dict) else None
        if not isinstance(key, str) or not key:
            raise BinanceRequestException(
                'POST /{}/v1/listenKey answered without a listenKey'.format(self.api),
                request=getattr(client.response, 'request', None), response=client.response)
        return key

    def listen_key_call(self, call: Call, method: str, listenKey: Any) -> Any:
        """``PUT``/``DELETE /<api>/v1/listenKey``; ``listenKey`` is checked, not sent
        (Binance acts on the account's key)."""
        if listenKey is not None and (not isinstance(listenKey, str) or not listenKey):
            raise ValueError('listenKey must be the non-empty str returned by '
                             '{}stream_get_listen_key(), got {!r}'.format(self.prefix, listenKey))
        return call(method, 'v1/listenKey', keyed=True)


def check_depth_limit(params: Dict[str, Any]) -> None:
    """Raise unless ``limit`` (when given) is one of :data:`FUTURES_DEPTH_LIMITS`."""
    if params.get('limit') is not None:
        limit = params['limit']
        limit = int(limit) if isinstance(limit, str) and limit.isdigit() else limit
        if isinstance(limit, bool) or limit not in FUTURES_DEPTH_LIMITS:
            raise ValueError('invalid limit {!r}; valid values are {}'.format(
                limit, ', '.join(map(str, FUTURES_DEPTH_LIMITS))))


def family_root(client: Any, name: str) -> str:
    """The REST root of ``client`` for the ``<name>_URL`` family of attributes:
    testnet, demo, another ``tld``, or the class attribute (which
    ``LocalExchange.install()`` may have moved)."""
    if client.testnet:
        return getattr(client, name + '_TESTNET_URL')
    if client.demo:
        return getattr(client, name + '_DEMO_URL')
    if client.tld != 'com':
        return getattr(client, name + '_URL_TEMPLATE').format(client.tld)
    return getattr(type(client), name + '_URL')


def family_clock(client: Any, fetch: Callable[[], Any]) -> ServerClock:
    """A family's own server clock (measured with ``fetch``), or the client's one
    clock when syncing is off."""
    return ServerClock(fetch) if client.server_clock.enabled else client.server_clock


def to_algo_params(params: Dict[str, Any]) -> Dict[str, Any]:
    """A ``/fapi/v1/order`` conditional order as ``POST /fapi/v1/algoOrder`` takes it:
    ``algoType=CONDITIONAL``, ``stopPrice`` -> ``triggerPrice``, ``activationPrice``
    -> ``activatePrice``, ``newClientOrderId`` -> ``clientAlgoId``."""
    renamed = {'stopPrice': 'triggerPrice', 'activationPrice': 'activatePrice',
               'newClientOrderId': 'clientAlgoId'}
    algo: Dict[str, Any] = {'algoType': 'CONDITIONAL'}
    for name, value in params.items():
        new = renamed.get(name, name)
        if new != name and new in params:
            raise ValueError('send {} or {}, not both'.format(name, new))
        algo[new] = value
    return algo


def algo_query(params: Dict[str, Any]) -> Optional[Dict[str, Any]]:
    """The algo-endpoint parameters of a ``futures_get_order``/``futures_cancel_order`` call
    given ``algoId``/``clientAlgoId`` (or ``conditional=True``), else ``None``."""
    conditional = params.get('conditional')
    if conditional is not None and not isinstance(conditional, bool):
        raise TypeError('conditional must be True or False, got {!r}'.format(conditional))
    if not conditional and 'algoId' not in params and 'clientAlgoId' not in params:
        return None
    query = {k: v for k, v in params.items() if k not in ('conditional', 'symbol')}
    if query.get('algoId') is None and query.get('clientAlgoId') is None:
        raise ValueError('a conditional order is found by algoId or clientAlgoId (the answer '
                         'of futures_create_order / futures_create_algo_order)')
    return query


def json_id_list(params: Dict[str, Any], name: str) -> None:
    """Send a list of order ids as the JSON array ``batchOrders`` reads (``[1,2]``),
    each id checked by the rule of its single form (``orderId``, ``origClientOrderId``)."""
    value = params.get(name)
    if isinstance(value, (list, tuple)):
        if not value or len(value) > 10:
            raise ValueError('{} takes 1 to 10 ids, got {}'.format(name, len(value)))
        rule = rule_for(name[:-len('List')])
        assert rule is not None
        items = [rule('{} entry'.format(name), item, 'futures') for item in value]
        params[name] = json.dumps([int(i) if name == 'orderIdList' else i for i in items],
                                  separators=(',', ':'))


def without_spot_checks(params: Dict[str, Any]) -> Dict[str, Any]:
    """Futures order parameters with ``timeInForce`` marked as checked.

    The spot encoder checks ``timeInForce`` against spot's values, which lack
    futures' ``GTX`` and ``GTD``; :meth:`FuturesFamily.check_order` has checked
    it against the family's own.
    """
    if params.get('timeInForce') is None:
        return params
    return dict(params, timeInForce=Checked(params['timeInForce']))
