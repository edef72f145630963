"""The local USD-M engine refuses what Binance refuses, with the code and text of Binance's
"Error Codes" page (USDⓈ-M futures) or, where live answers differ from it, the live text."""
from decimal import Decimal

import pytest

from binance.testing.futures_market import FuturesMarket
from binance.testing.market_base import MarketError

KEY = 'k'
LIMIT = {'type': 'LIMIT', 'timeInForce': 'GTC'}


@pytest.fixture
def market(fake_clock):
    m = FuturesMarket(seed=3, clock=fake_clock)
    m.add_account(KEY, 's', {'USDT': '100000'})
    return m


def refusal(call, *args, **kwargs):
    with pytest.raises(MarketError) as info:
        call(*args, **kwargs)
    return info.value.code, info.value.msg


@pytest.mark.parametrize('params, code, msg', [
    (dict(LIMIT, price='60000.05', quantity='0.010'), -4014, 'Price not increased by tick size.'),
    (dict(LIMIT, price='60000', quantity='0.0105'), -4023, 'Qty not increased by step size.'),
    (dict(LIMIT, price='60000', quantity='0'), -4003, 'Quantity less than zero.'),
    (dict(LIMIT, price='60000', quantity='0.0005'), -4004, 'Quantity less than min quantity.'),
    (dict(LIMIT, price='60000', quantity='10000000'), -4005,
     'Quantity greater than max quantity.'),
    (dict(LIMIT, price='0', quantity='0.010'), -4001, 'Price less than 0.'),
    (dict(LIMIT, price='2000000', quantity='0.010'), -4002, 'Price greater than max price.'),
    (dict(type='MARKET', quantity='0.010', price='60000'), -1106,
     "Parameter 'price' sent when not required."),
], ids=['tick', 'step', 'zero-qty', 'min-qty', 'max-qty', 'zero-price', 'max-price',
        'price-on-market'])
def test_order_filters_answer_binances_codes_and_texts(market, params, code, msg):
    """PRICE_FILTER, LOT_SIZE and parameter rules refuse an order with Binance's code and text."""
    assert refusal(market.f_place_order, KEY, 'BTCUSDT', 'BUY', **params) == (code, msg)


@pytest.mark.parametrize('trigger, code, msg', [
    ('0', -4006, 'Stop price less than zero.'),
    ('2000000', -4007, 'Stop price greater than max price.'),
    ('60000.05', -4014, 'Price not increased by tick size.'),
])
def test_trigger_prices_answer_the_stop_price_codes(market, trigger, code, msg):
    """A conditional order's triggerPrice is checked like a stop price (-4006/-4007/-4014)."""
    assert refusal(market.f_algo_order, KEY, algoType='CONDITIONAL', symbol='BTCUSDT',
                   side='BUY', type='STOP_MARKET', quantity='0.010',
                   triggerPrice=trigger) == (code, msg)


def test_duplicate_client_id_and_unchanged_modify(market):
    """A client order id of an open order is -4116 (live text); a modify that changes
    nothing is -5027."""
    price = str((market.mark_price_dec('BTCUSDT') * Decimal('0.98')).quantize(Decimal('0.1')))
    order = market.f_place_order(KEY, 'BTCUSDT', 'BUY', price=price, quantity='0.010',
                                 newClientOrderId='same-id', **LIMIT)
    assert refusal(market.f_place_order, KEY, 'BTCUSDT', 'BUY', price=price,
                   quantity='0.010', newClientOrderId='same-id',
                   **LIMIT) == (-4116, 'ClientOrderId is duplicated.')
    assert refusal(market.f_modify_order, KEY, symbol='BTCUSDT', side='BUY',
                   orderId=order['orderId'], quantity=order['origQty'],
                   price=order['price']) == (-5027, 'No need to modify the order.')


def test_min_notional_spares_reduce_only_orders(market):
    """-4164 names the minimum; a reduce-only order of the same size is accepted."""
    market.f_place_order(KEY, 'BTCUSDT', 'BUY', type='MARKET', quantity='0.010')
    code, msg = refusal(market.f_place_order, KEY, 'BTCUSDT', 'SELL', type='MARKET',
                        quantity='0.001')
    assert code == -4164
    assert msg.startswith("Order's notional must be no smaller than ") and msg.endswith(
        ' (unless you choose reduce only).')
    closed = market.f_place_order(KEY, 'BTCUSDT', 'SELL', type='MARKET', quantity='0.001',
                                  reduceOnly='true')
    assert closed['status'] == 'NEW' and closed['reduceOnly'] is True
