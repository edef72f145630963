"""Known parameters of futures and margin endpoints, and the early error 0.7.11 scripts catch.

A call missing a required argument is told which one is missing, never that its
legitimate futures/margin arguments are "unexpected"; the error is raised before
sending and is both a TypeError and a BinanceAPIException with Binance's -1102.
"""
import pytest

from binance._client_params import KNOWN_PARAMS, REPEATED_PARAMS, register_params
from binance.exceptions import BinanceAPIException, BinanceParameterError
from tests.test_client import offline_client

MISSING = [
    (lambda c: c.futures_create_order(symbol='BTCUSDT', side='SELL', type='STOP_MARKET',
                                      closePosition=True, workingType='MARK_PRICE',
                                      priceProtect=True, positionSide='BOTH'),
     "futures_create_order() missing required parameter 'stopPrice'", 'stopPrice'),
    (lambda c: c.futures_create_order(symbol='BTCUSDT', side='SELL', type='LIMIT', quantity=1,
                                      reduceOnly=True, goodTillDate=1700000000000,
                                      selfTradePreventionMode='EXPIRE_MAKER',
                                      priceMatch='QUEUE', timeInForce='GTD'),
     "futures_create_order() missing required parameter 'price'", 'price'),
    (lambda c: c.futures_create_order(symbol='BTCUSDT', side='SELL',
                                      type='TRAILING_STOP_MARKET', quantity=1,
                                      activationPrice=100),
     "futures_create_order() missing required parameter 'callbackRate'", 'callbackRate'),
    (lambda c: c.futures_change_leverage(leverage=5),
     "futures_change_leverage() missing required parameter 'symbol'", 'symbol'),
    (lambda c: c.futures_change_position_margin(symbol='BTCUSDT', positionSide='LONG', type=1),
     "futures_change_position_margin() missing required parameter 'amount'", 'amount'),
    (lambda c: c.create_margin_order(symbol='BNBBTC', side='BUY', type='LIMIT', quantity=1,
                                     timeInForce='GTC', isIsolated='TRUE',
                                     sideEffectType='MARGIN_BUY', autoRepayAtCancel=False),
     "create_margin_order() missing required parameter 'price'", 'price'),
    (lambda c: c.get_margin_order(symbol='BNBBTC', isIsolated='TRUE'),
     "get_margin_order() missing required parameter 'orderId' or 'origClientOrderId'", None),
]


@pytest.mark.parametrize('call, message, missing', MISSING,
                         ids=['closePosition', 'reduceOnly', 'activationPrice', 'leverage',
                              'positionSide', 'sideEffectType', 'isIsolated'])
def test_missing_argument_is_named_and_legitimate_ones_are_not_unexpected(call, message,
                                                                         missing):
    """closePosition, workingType, priceProtect, positionSide, reduceOnly, leverage,
    isIsolated, sideEffectType... are known: only the missing parameter is reported."""
    client, adapter = offline_client('k', 's')
    with pytest.raises(TypeError) as info:
        call(client)
    assert str(info.value) == message
    assert 'unexpected' not in str(info.value)
    assert adapter.requests == []


@pytest.mark.parametrize('call, message, missing', MISSING[:4] + MISSING[5:6],
                         ids=['closePosition', 'reduceOnly', 'activationPrice', 'leverage',
                              'sideEffectType'])
def test_the_early_error_is_caught_by_except_binance_api_exception(call, message, missing):
    """0.7.11's documented `except BinanceAPIException` still catches a missing parameter:
    code -1102, Binance's message naming it, status 400, and nothing sent."""
    client, adapter = offline_client('k', 's')
    try:
        call(client)
    except BinanceAPIException as exc:
        assert isinstance(exc, TypeError) and isinstance(exc, BinanceParameterError)
        assert (exc.status_code, exc.code) == (400, -1102)
        assert exc.message == ("Mandatory parameter '{}' was not sent, was empty/null, or "
                               "malformed.".format(missing))
        assert exc.response is None and exc.request is None
    else:
        pytest.fail('no exception')
    assert adapter.requests == []


def test_one_of_two_missing_gets_binances_either_message():
    """For 'orderId or origClientOrderId' the message is Binance's two-parameter -1102 text."""
    client, _ = offline_client('k', 's')
    with pytest.raises(BinanceAPIException) as info:
        client.cancel_order(symbol='BNBBTC')
    assert info.value.code == -1102
    assert info.value.message == ("Param 'origClientOrderId' or 'orderId' must be sent, "
                                  "but both were empty/null!")


def test_a_misspelt_futures_or_margin_argument_is_refused_with_a_suggestion():
    """reduceOnyl on a futures order or sideEfectType on a margin order is refused before
    sending (Binance would answer -1104), naming the endpoint's parameters."""
    client, adapter = offline_client('k', 's')
    with pytest.raises(BinanceParameterError, match="'reduceOnyl' \\(did you mean "
                                                    "'reduceOnly'\\?\\); POST /fapi/v1/order") \
            as info:
        client.futures_create_order(symbol='BTCUSDT', side='BUY', type='MARKET', quantity=1,
                                    reduceOnyl=True)
    assert (info.value.code, info.value.message) == (-1104, 'Not all sent parameters were read.')
    with pytest.raises(BinanceAPIException, match="'sideEfectType' \\(did you mean "
                                                  "'sideEffectType'\\?\\)"):
        client.create_margin_order(symbol='BNBBTC', side='BUY', type='MARKET', quantity=1,
                                   sideEfectType='MARGIN_BUY')
    assert adapter.requests == []


def test_documented_futures_and_margin_arguments_are_sent():
    """Every conditional-order argument of futures_create_order (routed to the Algo Service,
    stopPrice sent as triggerPrice), and the margin ones, go out."""
    client, adapter = offline_client('k', 's')
    client.futures_create_order(symbol='BTCUSDT', side='SELL', type='STOP_MARKET',
                                stopPrice='90', closePosition=True, workingType='MARK_PRICE',
                                priceProtect=True, positionSide='BOTH')
    client.create_margin_order(symbol='BNBBTC', side='BUY', type='MARKET', quantity=1,
                               isIsolated='TRUE', sideEffectType='MARGIN_BUY',
                               autoRepayAtCancel=False, selfTradePreventionMode='NONE')
    assert [r.url.split('?')[0].split('.com')[-1] for r in adapter.requests] == [
        '/fapi/v1/algoOrder', '/sapi/v1/margin/order']
    futures_query = adapter.requests[0].url.split('?', 1)[1]
    for sent in ('triggerPrice=90', 'closePosition=true', 'workingType=MARK_PRICE',
                 'priceProtect=true', 'positionSide=BOTH', 'algoType=CONDITIONAL'):
        assert sent in futures_query


def test_local_exchange_reads_what_the_client_knows(exchange):
    """The local exchange's futures and margin routes read exactly the parameters the client
    knows for them (one description of Binance's docs on each side, kept equal).
    Exception: margin orders' trailingDelta, which Binance documents and the simulation
    does not read."""
    from binance.testing.futures_rest import futures_routes
    from binance.testing.margin_rest import margin_routes
    routes = {**futures_routes(exchange.futures), **margin_routes(exchange.margin)}
    checked = 0
    for key, known in KNOWN_PARAMS.items():
        if not key[1].startswith(('/fapi', '/futures', '/sapi/v1/margin')) or key not in routes:
            continue
        reads = set(routes[key].reads)
        expected = set(known) - ({'trailingDelta'} if key == ('POST', '/sapi/v1/margin/order')
                                 else set())
        assert reads == expected, key
        checked += 1
    assert checked >= 40


def test_register_params_adds_an_endpoint_for_checks_and_repeats():
    """register_params makes a new endpoint's names known (misspellings refused, the names
    accepted by require) and its repeated names sent once per item."""
    key = ('GET', '/api/v3/testRegistered')
    try:
        register_params(*key, ('symbol', 'assets'), repeated=('assets',))
        assert KNOWN_PARAMS[key] == frozenset(('symbol', 'assets'))
        assert REPEATED_PARAMS[key] == frozenset(('assets',))
        client, adapter = offline_client()
        with pytest.raises(BinanceParameterError, match="'symbl'"):
            client._get('v3/testRegistered', {'symbl': 'BNBBTC'})
        client._get('v3/testRegistered', {'symbol': 'BNBBTC', 'assets': ['A', 'B']})
        assert adapter.requests[-1].url.endswith('?symbol=BNBBTC&assets=A&assets=B')
    finally:
        KNOWN_PARAMS.pop(key, None)
        REPEATED_PARAMS.pop(key, None)
