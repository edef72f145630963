"""Nothing malformed on the wire: Binance's value rules checked before any request.

Numbers (``^([0-9]{1,20})(\\.[0-9]{1,20})?$``), client ids
(``^[\\.A-Z\\:/a-z0-9_-]{1,36}$``), order ids (0 to 2**63 - 1) and one value per
name, for REST spot, futures and margin and for ``bm.ws_api`` alike.
"""
from decimal import Decimal

import pytest

from binance.testing.reactor import FakeReactor
from binance.websockets import BinanceSocketManager
from tests.test_client import offline_client, sent_params


def _spot_order(c, **kw):
    return c.create_order(**dict(dict(symbol='BNBBTC', side='BUY', type='LIMIT',
                                      timeInForce='GTC', quantity='1', price='0.001'), **kw))


def _futures_order(c, **kw):
    return c.futures_create_order(**dict(dict(symbol='BTCUSDT', side='BUY', type='LIMIT',
                                              timeInForce='GTC', quantity='1', price='100'),
                                         **kw))


def _margin_order(c, **kw):
    return c.create_margin_order(**dict(dict(symbol='BNBBTC', side='BUY', type='LIMIT',
                                             timeInForce='GTC', quantity='1', price='0.001'),
                                        **kw))


def _ws_order(bm, **kw):
    return bm.ws_api.order_place(**dict(dict(symbol='BNBBTC', side='BUY', type='LIMIT',
                                             timeInForce='GTC', quantity='1', price='0.001'),
                                        **kw))


ORDERS = {'spot': _spot_order, 'futures': _futures_order, 'margin': _margin_order}
CANCELS = {
    'spot': lambda c, **kw: c.cancel_order(symbol='BNBBTC', **kw),
    'futures': lambda c, **kw: c.futures_cancel_order(symbol='BTCUSDT', **kw),
    'margin': lambda c, **kw: c.cancel_margin_order(symbol='BNBBTC', **kw),
}


@pytest.fixture
def ws_manager():
    """A socket manager on a fake reactor: any connection attempt would show in ``attempts``."""
    from binance.client import Client
    reactor = FakeReactor()
    bm = BinanceSocketManager(Client('key', 'secret', sync_clock=False), reactor=reactor)
    bm.WS_API_URL = 'ws://127.0.0.1:9001/ws-api/v3'
    yield bm
    assert reactor.attempts == [], 'a refused request opened a connection'


MALFORMED_NUMBERS = [
    ('+1', 'not written as Binance reads'),
    ('.5', 'not written as Binance reads'),
    ('1.', 'not written as Binance reads'),
    ('1' * 21, 'not written as Binance reads'),
    ('0.' + '0' * 20 + '1', 'not written as Binance reads'),
    (1.79e308, '309 digits before the point'),
    (Decimal('1E-40'), '40 decimal places'),
    (Decimal('1E+25'), '26 digits before the point'),
    (10 ** 21, '22 digits before the point'),
]


@pytest.mark.parametrize('value, why', MALFORMED_NUMBERS,
                         ids=[repr(v)[:20] for v, _ in MALFORMED_NUMBERS])
@pytest.mark.parametrize('api', sorted(ORDERS))
def test_numbers_outside_binances_rule_are_refused_before_sending(api, value, why):
    """A sign, a bare point or more than 20 digits on a side (a float of 1.79e308 is a
    309-digit number, Decimal('1E-40') 40 decimals) raise ValueError naming the
    parameter and the rule; nothing is sent."""
    client, adapter = offline_client('k', 's')
    with pytest.raises(ValueError, match=r"quantity .*{}.*\(\[0-9\]\{{1,20\}}\)".format(why)):
        ORDERS[api](client, quantity=value)
    assert adapter.requests == []


@pytest.mark.parametrize('value, why', MALFORMED_NUMBERS,
                         ids=[repr(v)[:20] for v, _ in MALFORMED_NUMBERS])
def test_numbers_outside_binances_rule_are_refused_by_ws_api(ws_manager, value, why):
    """bm.ws_api.order_place refuses the same numbers before opening any connection."""
    with pytest.raises(ValueError, match='quantity .*{}'.format(why)):
        _ws_order(ws_manager, quantity=value)


@pytest.mark.parametrize('value, sent', [
    (Decimal('1.' + '0' * 24), '1'),
    (Decimal('0.00000001000000000000000'), '0.00000001'),
    (1e-07, '0.0000001'),
    (Decimal('2E+3'), '2000'),
    ('1e-05', '0.00001'),
    ('0.00100', '0.00100'),
    ('9' * 20 + '.' + '9' * 20, '9' * 20 + '.' + '9' * 20),
], ids=['trailing-zeros', 'trailing-zeros-2', 'float', 'exponent', 'str-exponent', 'str',
        'widest'])
@pytest.mark.parametrize('api', sorted(ORDERS))
def test_numbers_that_fit_the_rule_are_written_in_plain_decimals(api, value, sent):
    """Floats, Decimals and exponent strings that can be written within the rule are
    sent in plain decimals (trailing zeros past the 20th decimal dropped)."""
    client, adapter = offline_client('k', 's')
    ORDERS[api](client, price=value)
    assert sent_params(adapter)['price'] == sent


BAD_CLIENT_IDS = [
    ('line\nbreak', 'outside the rule'),
    ('ｘ-full-width', 'outside the rule'),
    ('space here', 'outside the rule'),
    ('x' * 37, 'has 37 characters'),
    ('', 'is empty'),
]


@pytest.mark.parametrize('value, why', BAD_CLIENT_IDS, ids=['newline', 'non-ascii', 'space',
                                                             '37-chars', 'empty'])
@pytest.mark.parametrize('api', sorted(ORDERS))
def test_client_order_ids_outside_binances_pattern_are_refused(api, value, why):
    """newClientOrderId with a newline, non-ASCII, a space, over 36 characters or empty
    raises ValueError naming Binance's pattern; nothing is sent."""
    client, adapter = offline_client('k', 's')
    with pytest.raises(ValueError, match=r'newClientOrderId .*{}.*\{{1,36\}}'.format(why)):
        ORDERS[api](client, newClientOrderId=value)
    assert adapter.requests == []


@pytest.mark.parametrize('api, name', [(api, 'origClientOrderId') for api in sorted(CANCELS)] +
                         [('spot', 'newClientOrderId'), ('margin', 'newClientOrderId')])
def test_other_client_id_parameters_follow_the_same_pattern(api, name):
    """origClientOrderId (and the spot/margin cancel's newClientOrderId) are checked the same way."""
    client, adapter = offline_client('k', 's')
    kwargs = {'orderId': 5} if name == 'newClientOrderId' else {}
    with pytest.raises(ValueError, match='{} .*outside the rule'.format(name)):
        CANCELS[api](client, **dict(kwargs, **{name: 'bad id\n'}))
    assert adapter.requests == []


def test_list_and_oco_client_ids_are_checked():
    """listClientOrderId and the OCO legs' client ids follow the pattern too."""
    client, adapter = offline_client('k', 's')
    with pytest.raises(ValueError, match='listClientOrderId'):
        client.order_oco_sell(symbol='BNBBTC', quantity=1, price=2, stopPrice=1,
                              listClientOrderId='a' * 40)
    with pytest.raises(ValueError, match='aboveClientOrderId'):
        client.order_oco_sell(symbol='BNBBTC', quantity=1, price=2, stopPrice=1,
                              limitClientOrderId='é')
    assert adapter.requests == []


def test_client_ids_binance_accepts_are_sent_unchanged():
    """Spot/margin ids of A-Z, a-z, 0-9, '-' and '_' and futures ids that also hold '.', ':'
    and '/' (each product's documented pattern), up to 36 characters, are sent as given."""
    client, adapter = offline_client('k', 's')
    for value in ('bot_1-x', 'a' * 36):
        _spot_order(client, newClientOrderId=value)
        assert sent_params(adapter)['newClientOrderId'] == value
        _margin_order(client, newClientOrderId=value)
        assert sent_params(adapter)['newClientOrderId'] == value
    _futures_order(client, newClientOrderId='web.bot:1/x_y-z')
    assert sent_params(adapter)['newClientOrderId'] == 'web.bot:1/x_y-z'


def test_spot_refuses_the_characters_only_futures_allow(ws_manager):
    """'.', ':' and '/' are outside spot's ^[a-zA-Z0-9-_]{1,36}$: refused on REST and ws_api."""
    client, adapter = offline_client('k', 's')
    with pytest.raises(ValueError, match=r'spot client ids matching \^\[a-zA-Z0-9-_\]'):
        _spot_order(client, newClientOrderId='web.bot:1/x')
    with pytest.raises(ValueError, match='newClientOrderId'):
        _ws_order(ws_manager, newClientOrderId='web.bot:1/x')
    assert adapter.requests == []


BAD_ORDER_IDS = [
    (1.5, TypeError), (True, TypeError), ('', ValueError), (-5, ValueError),
    (2 ** 70, ValueError), ([1, 2], TypeError), ('12a', ValueError), (Decimal(3), TypeError),
    ('-5', ValueError),
]


@pytest.mark.parametrize('value, error', BAD_ORDER_IDS, ids=[repr(v) for v, _ in BAD_ORDER_IDS])
@pytest.mark.parametrize('api', sorted(CANCELS))
def test_order_ids_must_be_64_bit_integers(api, value, error):
    """cancel_order(orderId=...) refuses 1.5, True (once sent as 'true'), '', -5, 2**70 and
    [1, 2] (once sent as a repeated parameter), naming the field and the rule."""
    client, adapter = offline_client('k', 's')
    rule = ('orderId takes one value' if isinstance(value, list) else
            'orderId must be an order id, an int from 0 to 9223372036854775807')
    with pytest.raises(error, match=rule):
        CANCELS[api](client, orderId=value)
    assert adapter.requests == []


@pytest.mark.parametrize('value, error', BAD_ORDER_IDS, ids=[repr(v) for v, _ in BAD_ORDER_IDS])
def test_order_ids_are_checked_by_ws_api(ws_manager, value, error):
    """bm.ws_api.order_cancel refuses the same order ids before connecting."""
    with pytest.raises(error, match='orderId (must be an order id|takes one value)'):
        ws_manager.ws_api.order_cancel(symbol='BNBBTC', orderId=value)


@pytest.mark.parametrize('value', [0, 1, 2 ** 63 - 1, '123'])
def test_valid_order_ids_are_sent(value):
    """Ints from 0 to 2**63 - 1 (and a str of digits, as read from JSON) are sent as digits."""
    client, adapter = offline_client('k', 's')
    client.cancel_order(symbol='BNBBTC', orderId=value)
    assert sent_params(adapter)['orderId'] == str(value)


@pytest.mark.parametrize('name, value', [
    ('quantity', [1, 2]), ('newClientOrderId', ['a', 'b']), ('symbol', ['BNBBTC']),
    ('icebergQty', ('1',)), ('price', {'0.1'}),
])
@pytest.mark.parametrize('api', sorted(ORDERS))
def test_lists_are_refused_where_one_value_is_expected(api, name, value):
    """A list for a single-valued parameter raises TypeError; it never goes out as a
    repeated parameter (which Binance refuses with -1101)."""
    client, adapter = offline_client('k', 's')
    with pytest.raises(TypeError, match=name):
        ORDERS[api](client, **{name: value})
    assert adapter.requests == []


def test_lists_are_refused_on_any_endpoint_and_by_ws_api(ws_manager):
    """A list for startTime (account trades) or for the ws_api order's quantity is refused."""
    client, adapter = offline_client('k', 's')
    with pytest.raises(TypeError, match='startTime takes one value'):
        client.get_my_trades(symbol='BNBBTC', startTime=[1, 2])
    assert adapter.requests == []
    with pytest.raises(TypeError, match='quantity'):
        _ws_order(ws_manager, quantity=['1', '2'])


def test_the_documented_repeated_parameter_is_still_repeated():
    """transfer_dust(asset=[...]) still sends asset once per item, as Binance documents."""
    client, adapter = offline_client('k', 's')
    client.transfer_dust(asset=['ETH', 'LTC'])
    from urllib.parse import parse_qsl, urlsplit
    pairs = parse_qsl(urlsplit(adapter.requests[-1].url).query)
    assert [v for k, v in pairs if k == 'asset'] == ['ETH', 'LTC']


@pytest.mark.parametrize('value', [-1, -1700000000000, 10 ** 20])
def test_integers_with_a_sign_or_over_20_digits_are_refused(value):
    """startTime=-1 (or a 21-digit int) is not Binance's ^[0-9]{1,20}$: refused, not sent."""
    client, adapter = offline_client('k', 's')
    with pytest.raises(ValueError, match=r'startTime .*\^\[0-9\]\{1,20\}\$'):
        client.get_my_trades(symbol='BNBBTC', startTime=value)
    assert adapter.requests == []


def test_futures_batch_cancel_ids_are_checked_one_by_one():
    """futures_cancel_orders checks each id of orderIdList / origClientOrderIdList."""
    client, adapter = offline_client('k', 's')
    with pytest.raises(ValueError, match='orderIdList entry'):
        client.futures_cancel_orders(symbol='BTCUSDT', orderIdList=[1, -2])
    with pytest.raises(ValueError, match='origClientOrderIdList entry'):
        client.futures_cancel_orders(symbol='BTCUSDT', origClientOrderIdList=['ok', 'no\n'])
    assert adapter.requests == []
    client.futures_cancel_orders(symbol='BTCUSDT', orderIdList=[1, '2'])
    assert sent_params(adapter)['orderIdList'] == '[1,2]'
