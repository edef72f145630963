"""The local exchange's Algo Service as a pure simulation: conditional orders kept, triggered
on the contract or mark price, actual orders placed, ALGO_UPDATE events (no I/O)."""
from decimal import Decimal

import pytest

from binance.testing.futures_market import FuturesMarket
from binance.testing.market_base import MarketError

KEY, SECRET = 'k', 's'


@pytest.fixture
def market(fake_clock):
    m = FuturesMarket(seed=5, clock=fake_clock)
    m.add_account(KEY, SECRET, {'USDT': '10000'})
    m.events = []
    m.add_listener(lambda kind, key, payload: m.events.append((kind, key, payload)))
    return m


def algo_states(market, algo_id):
    return [p['o']['X'] for k, _, p in market.events
            if k == 'user' and p['e'] == 'ALGO_UPDATE' and p['o']['aid'] == algo_id]


def long_btc(market, qty='0.010'):
    market.f_place_order(KEY, 'BTCUSDT', 'BUY', 'MARKET', quantity=qty)
    return Decimal(market.f_position_risk(KEY, 'BTCUSDT')[0]['positionAmt'])


def stop(market, side='SELL', **params):
    last = market.prices.last('BTCUSDT')
    args = dict(algoType='CONDITIONAL', symbol='BTCUSDT', side=side, type='STOP_MARKET',
                triggerPrice=str((last * Decimal('0.9')).quantize(Decimal('0.1'))),
                quantity='0.010', reduceOnly='true')
    args.update(params)
    return market.f_algo_order(KEY, **args)


@pytest.mark.parametrize('type_', ['STOP', 'STOP_MARKET', 'TAKE_PROFIT', 'TAKE_PROFIT_MARKET',
                                   'TRAILING_STOP_MARKET'])
def test_conditional_types_are_refused_on_the_order_endpoint(market, type_):
    """/fapi/v1/order answers -4120 with Binance's text to the five conditional types."""
    with pytest.raises(MarketError) as info:
        market.f_place_order(KEY, 'BTCUSDT', 'SELL', type_, quantity='0.01', stopPrice='50000')
    assert (info.value.code, info.value.http_status) == (-4120, 400)
    assert info.value.msg == ('Order type not supported for this endpoint. Please use the Algo '
                              'Order API endpoints instead.')


def test_a_stop_market_waits_then_triggers_and_closes_the_position(market):
    """A reduce-only STOP_MARKET stays NEW above its trigger, then TRIGGERING, TRIGGERED and
    FINISHED once the contract price falls through it; its MARKET order closes the long."""
    assert long_btc(market) == Decimal('0.010')
    algo = stop(market)
    assert algo['algoStatus'] == 'NEW' and algo['algoType'] == 'CONDITIONAL'
    market.set_last_price('BTCUSDT', Decimal(algo['triggerPrice']) + 1)
    assert market.f_get_algo_order(KEY, algoId=algo['algoId'])['algoStatus'] == 'NEW'
    market.set_last_price('BTCUSDT', algo['triggerPrice'])
    assert algo_states(market, algo['algoId']) == ['NEW', 'TRIGGERING', 'TRIGGERED', 'FINISHED']
    done = market.f_get_algo_order(KEY, algoId=algo['algoId'])
    actual = market.f_get_order(KEY, 'BTCUSDT', orderId=done['actualOrderId'])
    assert (actual['status'], actual['type'], actual['origType'], actual['reduceOnly']) == \
        ('FILLED', 'MARKET', 'STOP_MARKET', True)
    assert market.f_position_risk(KEY, 'BTCUSDT') == []
    trade = [p['o'] for k, _, p in market.events if k == 'user' and p['e'] == 'ORDER_TRADE_UPDATE'
             and p['o']['i'] == actual['orderId'] and p['o']['x'] == 'TRADE']
    assert trade and trade[0]['ot'] == 'STOP_MARKET'
    finished = [p['o'] for k, _, p in market.events if k == 'user' and p['e'] == 'ALGO_UPDATE'
                and p['o']['X'] == 'FINISHED'][0]
    assert (finished['ai'], finished['aq'], finished['act']) == (
        str(actual['orderId']), '0.010', 'MARKET')


def test_working_type_mark_price_watches_the_mark_not_the_last_trade(market):
    """workingType=MARK_PRICE ignores the contract price and triggers on the mark price."""
    long_btc(market)
    algo = stop(market, workingType='MARK_PRICE')
    assert algo['workingType'] == 'MARK_PRICE'
    market.set_last_price('BTCUSDT', '1000')
    assert algo_states(market, algo['algoId']) == ['NEW']
    market.set_mark_price('BTCUSDT', algo['triggerPrice'])
    assert algo_states(market, algo['algoId'])[-1] == 'FINISHED'


def test_price_protect_holds_a_trigger_while_mark_and_last_disagree(market):
    """With priceProtect a trigger waits while mark and contract price differ by more than
    triggerProtect (5 %), and fires once they agree."""
    long_btc(market)
    algo = stop(market, priceProtect='true')
    trigger = Decimal(algo['triggerPrice'])
    market.set_mark_price('BTCUSDT', trigger * 2)
    market.set_last_price('BTCUSDT', trigger)
    assert algo_states(market, algo['algoId']) == ['NEW']
    market.set_mark_price('BTCUSDT', trigger)
    assert algo_states(market, algo['algoId'])[-1] == 'FINISHED'


def test_take_profit_limit_places_a_limit_order(market):
    """A TAKE_PROFIT (limit) order triggers on the way up and places its LIMIT order."""
    long_btc(market)
    last = market.prices.last('BTCUSDT')
    trigger = (last * Decimal('1.02')).quantize(Decimal('0.1'))
    algo = market.f_algo_order(KEY, algoType='CONDITIONAL', symbol='BTCUSDT', side='SELL',
                               type='TAKE_PROFIT', triggerPrice=str(trigger),
                               price=str(trigger + 1000), quantity='0.010', reduceOnly='true')
    assert algo['timeInForce'] == 'GTC'
    market.set_last_price('BTCUSDT', trigger)
    done = market.f_get_algo_order(KEY, algoId=algo['algoId'])
    assert done['algoStatus'] == 'TRIGGERED'
    actual = market.f_get_order(KEY, 'BTCUSDT', orderId=done['actualOrderId'])
    assert (actual['type'], actual['status'], actual['origType']) == ('LIMIT', 'NEW',
                                                                      'TAKE_PROFIT')


def test_a_reduce_only_stop_without_a_position_is_rejected_when_it_triggers(market):
    """The matching engine refuses a reduce-only actual order with nothing to reduce: the
    conditional order ends REJECTED, with the reason in rm."""
    algo = stop(market)
    market.set_last_price('BTCUSDT', algo['triggerPrice'])
    assert algo_states(market, algo['algoId']) == ['NEW', 'TRIGGERING', 'REJECTED']
    rejected = [p['o'] for k, _, p in market.events if k == 'user' and p['e'] == 'ALGO_UPDATE'][-1]
    assert rejected['rm'] == 'ReduceOnly Order is rejected.'


def test_close_position_closes_all_and_expires_when_the_position_is_gone(market):
    """closePosition=true closes the whole position when it triggers, and is EXPIRED by the
    system when the position is closed before that."""
    long_btc(market, '0.020')
    algo = stop(market, closePosition='true', quantity=None, reduceOnly=None)
    assert algo['closePosition'] is True and algo['timeInForce'] == 'GTE_GTC'
    market.set_last_price('BTCUSDT', algo['triggerPrice'])
    assert market.f_position_risk(KEY, 'BTCUSDT') == []
    long_btc(market)
    other = stop(market, closePosition='true', quantity=None, reduceOnly=None)
    market.set_last_price('BTCUSDT', None)
    market.f_place_order(KEY, 'BTCUSDT', 'SELL', 'MARKET', quantity='0.01', reduceOnly='true')
    assert algo_states(market, other['algoId']) == ['NEW', 'EXPIRED']


def test_a_small_close_is_exempt_from_the_minimum_notional(market):
    """A 0.001 BTC reduce-only stop (60 USDT, under BTCUSDT's 100 USDT MIN_NOTIONAL) is
    accepted as Binance accepts it; the same order opening a position is refused -4164."""
    long_btc(market)
    assert stop(market, quantity='0.001')['algoStatus'] == 'NEW'
    closing = market.f_place_order(KEY, 'BTCUSDT', 'SELL', 'MARKET', quantity='0.001',
                                   reduceOnly='true')
    assert closing['status'] == 'NEW'   # ACK: accepted
    with pytest.raises(MarketError) as info:
        stop(market, quantity='0.001', reduceOnly=None, side='BUY',
             triggerPrice=str((market.prices.last('BTCUSDT') * Decimal('1.1')).quantize(
                 Decimal('0.1'))))
    assert info.value.code == -4164


def test_a_trailing_stop_follows_the_high_and_fires_on_the_callback(market):
    """A trailing SELL activates at activatePrice, follows the highest price and triggers
    when the price falls callbackRate % from it."""
    long_btc(market)
    last = market.prices.last('BTCUSDT')
    algo = market.f_algo_order(KEY, algoType='CONDITIONAL', symbol='BTCUSDT', side='SELL',
                               type='TRAILING_STOP_MARKET', quantity='0.010', reduceOnly='true',
                               activatePrice=str((last + 100).quantize(Decimal('0.1'))),
                               callbackRate='1')
    for price in (last + 50, last + 500, last + 2000):
        market.set_last_price('BTCUSDT', price)
    assert algo_states(market, algo['algoId']) == ['NEW']
    market.set_last_price('BTCUSDT', (last + 2000) * Decimal('0.995'))
    assert algo_states(market, algo['algoId']) == ['NEW']
    market.set_last_price('BTCUSDT', (last + 2000) * Decimal('0.99'))
    assert algo_states(market, algo['algoId'])[-1] == 'FINISHED'
    with pytest.raises(MarketError) as info:   # a SELL activation below the price
        market.f_algo_order(KEY, algoType='CONDITIONAL', symbol='BTCUSDT', side='SELL',
                            type='TRAILING_STOP_MARKET', quantity='0.010',
                            activatePrice=str(last), callbackRate='1')
    assert info.value.code == -2021


@pytest.mark.parametrize('params, code', [
    ({'triggerPrice': '1000000'}, -2021),              # a SELL stop above the price
    ({'type': 'LIMIT'}, -1116),
    ({'algoType': 'VP'}, -1130),
    ({'triggerPrice': '50000.05'}, -4014),
    ({'quantity': '0.0105'}, -4023),
    ({'closePosition': 'true'}, -1106),                 # with a quantity
], ids=['immediate', 'type', 'algo-type', 'tick', 'step', 'close-with-qty'])
def test_refused_conditional_orders_keep_binances_codes(market, params, code):
    """Conditional orders Binance refuses are refused here with its code."""
    long_btc(market)
    with pytest.raises(MarketError) as info:
        stop(market, **params)
    assert info.value.code == code


def test_cancel_query_open_and_all(market):
    """Cancel by clientAlgoId, list open ones, cancel all, and find every one in allAlgoOrders."""
    long_btc(market)
    first = stop(market, clientAlgoId='my-stop')
    second = stop(market)
    assert [a['algoId'] for a in market.f_open_algo_orders(KEY, symbol='BTCUSDT')] == \
        [first['algoId'], second['algoId']]
    answer = market.f_cancel_algo_order(KEY, clientAlgoId='my-stop')
    assert answer == {'algoId': first['algoId'], 'clientAlgoId': 'my-stop', 'code': '200',
                      'msg': 'success'}
    with pytest.raises(MarketError) as info:
        market.f_cancel_algo_order(KEY, algoId=first['algoId'])
    assert info.value.code == -2011
    assert market.f_cancel_all_algo(KEY, 'BTCUSDT')['code'] == 200
    assert market.f_open_algo_orders(KEY) == []
    statuses = [a['algoStatus'] for a in market.f_all_algo_orders(KEY, symbol='BTCUSDT')]
    assert statuses == ['CANCELED', 'CANCELED']
    with pytest.raises(MarketError) as info:
        market.f_get_algo_order(KEY, algoId=123)
    assert info.value.code == -2013


def test_at_most_ten_open_conditional_orders_per_symbol(market):
    """MAX_NUM_ALGO_ORDERS (10): the eleventh is refused with -4045."""
    long_btc(market)
    for _ in range(10):
        stop(market)
    with pytest.raises(MarketError) as info:
        stop(market)
    assert info.value.code == -4045
