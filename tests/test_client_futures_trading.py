"""The USD-M order API beyond 0.7.11 against the local exchange over loopback: the Algo
Service (and futures_create_order's routing to it), batches, modify, test orders, the
countdown cancel-all, commission rate and price klines."""
import json
import queue
from decimal import Decimal

import pytest

from binance.exceptions import BinanceAPIException
from tests.support import local_manager, wait_until

CLOCK = ('/api/v3/time', '/fapi/v1/time')


def sent(exchange, path):
    """The parameters of the last request to ``path``."""
    return [r for r in exchange.requests if r.path == path][-1].params


def open_long(client, qty='0.010'):
    client.futures_create_order(symbol='BTCUSDT', side='BUY', type='MARKET', quantity=qty)


def last_price(exchange):
    return exchange.call(exchange.futures.prices.last, 'BTCUSDT')


def test_a_0711_stop_market_goes_to_the_algo_service(exchange):
    """futures_create_order(type=STOP_MARKET, stopPrice=...) posts /fapi/v1/algoOrder with
    algoType=CONDITIONAL and triggerPrice; get/cancel with algoId use /fapi/v1/algoOrder."""
    client = exchange.client()
    open_long(client)
    trigger = '{:.1f}'.format(last_price(exchange) * Decimal('0.9'))
    algo = client.futures_create_order(symbol='BTCUSDT', side='SELL', type='STOP_MARKET',
                                       stopPrice=trigger, closePosition=True,
                                       newClientOrderId='sl-1')
    params = sent(exchange, '/fapi/v1/algoOrder')
    assert (params['algoType'], params['triggerPrice'], params['clientAlgoId']) == \
        ('CONDITIONAL', trigger, 'sl-1')
    assert 'stopPrice' not in params and 'newClientOrderId' not in params
    assert (algo['algoStatus'], algo['orderType'], algo['triggerPrice']) == \
        ('NEW', 'STOP_MARKET', trigger)
    got = client.futures_get_order(symbol='BTCUSDT', algoId=algo['algoId'])
    assert got['clientAlgoId'] == 'sl-1'
    assert [r.method for r in exchange.requests if r.path == '/fapi/v1/algoOrder'] == \
        ['POST', 'GET']
    cancelled = client.futures_cancel_order(symbol='BTCUSDT', clientAlgoId='sl-1')
    assert cancelled['code'] == '200'
    assert client.futures_get_algo_order(algoId=algo['algoId'])['algoStatus'] == 'CANCELED'


def test_a_trailing_stops_activation_price_is_renamed(exchange):
    """0.7.11's activationPrice reaches the Algo Service as activatePrice."""
    client = exchange.client()
    open_long(client)
    activation = '{:.1f}'.format(last_price(exchange) * Decimal('1.01'))
    algo = client.futures_create_order(symbol='BTCUSDT', side='SELL',
                                       type='TRAILING_STOP_MARKET', quantity='0.010',
                                       activationPrice=activation, callbackRate='1',
                                       reduceOnly=True)
    params = sent(exchange, '/fapi/v1/algoOrder')
    assert params['activatePrice'] == activation and 'activationPrice' not in params
    assert (algo['activatePrice'], algo['callbackRate']) == (activation, '1')


def test_the_local_exchange_refuses_conditional_types_on_the_order_endpoint(exchange):
    """A conditional order sent straight to /fapi/v1/order gets HTTP 400 and -4120."""
    client = exchange.client()
    with pytest.raises(BinanceAPIException) as info:
        client._fapi('POST', 'v1/order', {'symbol': 'BTCUSDT', 'side': 'SELL',
                                          'type': 'STOP_MARKET', 'stopPrice': '50000',
                                          'quantity': '0.01'}, signed=True)
    assert (info.value.status_code, info.value.code) == (400, -4120)
    assert 'Please use the Algo Order API endpoints instead.' in info.value.message


def test_the_stop_fires_when_the_test_moves_the_price_and_the_user_socket_sees_it(exchange):
    """Moving the price through the trigger fills the stop; the futures user socket delivers
    ALGO_UPDATE (NEW ... FINISHED) and the actual order's ORDER_TRADE_UPDATE."""
    client = exchange.client()
    bm = local_manager(exchange)
    try:
        events = queue.Queue()
        assert bm.wait_connected(bm.start_futures_user_socket(events.put), timeout=10)
        open_long(client)
        trigger = '{:.1f}'.format(last_price(exchange) * Decimal('0.95'))
        algo = client.futures_create_algo_order(symbol='BTCUSDT', side='SELL',
                                                type='STOP_MARKET', triggerPrice=trigger,
                                                quantity='0.010', reduceOnly=True)
        exchange.call(exchange.futures.set_last_price, 'BTCUSDT', trigger)
        assert wait_until(lambda: client.futures_get_algo_order(
            algoId=algo['algoId'])['algoStatus'] == 'FINISHED', timeout=10)
        assert client.futures_position_information(symbol='BTCUSDT') == []
        seen, trades = [], []
        while 'FINISHED' not in seen or not trades:
            event = events.get(timeout=10)
            if event['e'] == 'ALGO_UPDATE' and event['o']['aid'] == algo['algoId']:
                seen.append(event['o']['X'])
            elif event['e'] == 'ORDER_TRADE_UPDATE' and event['o']['ot'] == 'STOP_MARKET' \
                    and event['o']['x'] == 'TRADE':
                trades.append(event['o'])
        assert seen == ['NEW', 'TRIGGERING', 'TRIGGERED', 'FINISHED']
    finally:
        bm.close()


def test_open_all_and_cancel_all_algo_orders(exchange):
    """openAlgoOrders lists what has not triggered, algoOpenOrders cancels it all, and
    allAlgoOrders keeps the history."""
    client = exchange.client()
    open_long(client)
    low = '{:.1f}'.format(last_price(exchange) * Decimal('0.9'))
    high = '{:.1f}'.format(last_price(exchange) * Decimal('1.1'))
    client.futures_create_algo_order(symbol='BTCUSDT', side='SELL', type='STOP_MARKET',
                                     triggerPrice=low, quantity='0.005', reduceOnly=True)
    client.futures_create_algo_order(symbol='BTCUSDT', side='SELL', type='TAKE_PROFIT_MARKET',
                                     triggerPrice=high, quantity='0.005', reduceOnly=True,
                                     workingType='MARK_PRICE')
    assert [a['orderType'] for a in client.futures_get_open_algo_orders(symbol='BTCUSDT')] == \
        ['STOP_MARKET', 'TAKE_PROFIT_MARKET']
    assert client.futures_cancel_all_algo_open_orders(symbol='BTCUSDT')['code'] == 200
    assert client.futures_get_open_algo_orders() == []
    history = client.futures_get_all_algo_orders(symbol='BTCUSDT')
    assert [a['algoStatus'] for a in history] == ['CANCELED', 'CANCELED']
    assert history[1]['workingType'] == 'MARK_PRICE'


def test_market_orders_answer_ack_unless_result_is_asked_for(exchange):
    """A MARKET order answers Binance's ACK (NEW, nothing executed); RESULT gives the fill."""
    client = exchange.client()
    ack = client.futures_create_order(symbol='ETHUSDT', side='BUY', type='MARKET',
                                      quantity='0.010')
    assert (ack['status'], ack['executedQty'], ack['avgPrice']) == ('NEW', '0', '0.00000')
    assert client.futures_get_order(symbol='ETHUSDT', orderId=ack['orderId'])['status'] == \
        'FILLED'
    result = client.futures_create_order(symbol='ETHUSDT', side='BUY', type='MARKET',
                                         quantity='0.010', newOrderRespType='RESULT')
    assert (result['status'], result['executedQty']) == ('FILLED', '0.010')
    assert Decimal(result['avgPrice']) > 0


def test_batch_place_modify_and_cancel(exchange):
    """batchOrders places up to 5 orders (errors in place), PUT modifies price and quantity
    keeping the orderId, and the batch DELETE cancels them."""
    client = exchange.client()
    mark = Decimal(client.futures_mark_price(symbol='BTCUSDT')['markPrice'])
    low, lower = (mark * Decimal('0.97')).quantize(Decimal('0.1')), \
        (mark * Decimal('0.96')).quantize(Decimal('0.1'))
    answers = client.futures_place_batch_order(batchOrders=[
        {'symbol': 'BTCUSDT', 'side': 'BUY', 'type': 'LIMIT', 'timeInForce': 'GTC',
         'quantity': '0.002', 'price': str(low)},
        {'symbol': 'BTCUSDT', 'side': 'BUY', 'type': 'LIMIT', 'timeInForce': 'GTC',
         'quantity': 0.003, 'price': lower},
        {'symbol': 'BTCUSDT', 'side': 'BUY', 'type': 'LIMIT', 'timeInForce': 'GTC',
         'quantity': '0.002', 'price': str(low + Decimal('0.05'))},
    ])
    assert json.loads(sent(exchange, '/fapi/v1/batchOrders')['batchOrders'])[1]['quantity'] \
        == '0.003'
    assert [a.get('status') for a in answers[:2]] == ['NEW', 'NEW']
    assert answers[2]['code'] == -4014
    first, second = answers[0]['orderId'], answers[1]['orderId']
    modified = client.futures_modify_order(symbol='BTCUSDT', orderId=first, side='BUY',
                                           quantity='0.004', price=str(lower))
    assert (modified['orderId'], modified['origQty'], modified['price']) == \
        (first, '0.004', str(lower))
    with pytest.raises(BinanceAPIException) as info:
        client.futures_modify_order(symbol='BTCUSDT', orderId=first, side='BUY',
                                    quantity='0.004', price=str(lower))
    assert info.value.code == -5027
    batch = client.futures_modify_batch_order(batchOrders=[
        {'symbol': 'BTCUSDT', 'orderId': second, 'side': 'BUY', 'quantity': '0.005',
         'price': str(low)},
        {'symbol': 'BTCUSDT', 'orderId': 1, 'side': 'BUY', 'quantity': '0.005',
         'price': str(low)}])
    assert batch[0]['origQty'] == '0.005' and batch[1]['code'] == -2013
    open_ids = {o['orderId']: o['origQty'] for o in client.futures_get_open_orders(
        symbol='BTCUSDT')}
    assert open_ids == {first: '0.004', second: '0.005'}
    cancelled = client.futures_cancel_orders(symbol='BTCUSDT', orderIdList=[first, second])
    assert [c['status'] for c in cancelled] == ['CANCELED', 'CANCELED']


def test_a_modify_fills_when_it_crosses_and_keeps_the_order(exchange):
    """A modified price that crosses the book fills the same orderId (AMENDMENT, then TRADE)."""
    client = exchange.client()
    mark = Decimal(client.futures_mark_price(symbol='ETHUSDT')['markPrice'])
    order = client.futures_create_order(symbol='ETHUSDT', side='BUY', type='LIMIT',
                                        timeInForce='GTC', quantity='0.010',
                                        price=str((mark * Decimal('0.97')).quantize(
                                            Decimal('0.01'))))
    ask = Decimal(client.futures_orderbook_ticker(symbol='ETHUSDT')['askPrice'])
    client.futures_modify_order(symbol='ETHUSDT', orderId=order['orderId'], side='BUY',
                                quantity='0.010', price=str(ask))
    done = client.futures_get_order(symbol='ETHUSDT', orderId=order['orderId'])
    assert (done['status'], done['executedQty']) == ('FILLED', '0.010')
    assert client.futures_position_information(symbol='ETHUSDT')[0]['positionAmt'] == '0.010'


def test_test_orders_check_without_placing(exchange):
    """order/test answers {} for a good order, refuses a bad one and places nothing."""
    client = exchange.client()
    assert client.futures_create_test_order(symbol='BTCUSDT', side='BUY', type='MARKET',
                                            quantity='0.010') == {}
    with pytest.raises(BinanceAPIException) as info:
        client.futures_create_test_order(symbol='BTCUSDT', side='BUY', type='MARKET',
                                         quantity='0.001')
    assert info.value.code == -4164
    assert client.futures_get_all_orders(symbol='BTCUSDT') == []


def test_the_countdown_cancels_open_orders_when_it_runs_out(exchange):
    """The dead-man switch: once countdownTime passes without a renewal, the exchange itself
    cancels the symbol's open orders; countdownTime=0 stops it."""
    client = exchange.client()
    mark = Decimal(client.futures_mark_price(symbol='BNBUSDT')['markPrice'])
    price = str((mark * Decimal('0.97')).quantize(Decimal('0.01')))
    kept = client.futures_create_order(symbol='BNBUSDT', side='BUY', type='LIMIT',
                                       timeInForce='GTC', quantity='1', price=price)
    assert client.futures_countdown_cancel_all(symbol='BNBUSDT', countdownTime=60000) == \
        {'symbol': 'BNBUSDT', 'countdownTime': '60000'}
    assert client.futures_countdown_cancel_all(symbol='BNBUSDT', countdownTime=0)[
        'countdownTime'] == '0'
    client.futures_countdown_cancel_all(symbol='BNBUSDT', countdownTime=300)
    assert wait_until(lambda: client.futures_get_order(
        symbol='BNBUSDT', orderId=kept['orderId'])['status'] == 'CANCELED', timeout=10)


def test_the_countdown_runs_on_the_exchanges_clock(fake_clock):
    """With a fake clock nothing is cancelled before countdownTime, everything at it."""
    from binance.testing.futures_market import FuturesMarket
    market = FuturesMarket(seed=1, clock=fake_clock)
    market.add_account('k', 's')
    mark = market.prices.mark('BNBUSDT')
    order = market.f_place_order('k', 'BNBUSDT', 'BUY', 'LIMIT', timeInForce='GTC',
                                 quantity='1', price=str((mark * Decimal('0.97')).quantize(
                                     Decimal('0.01'))))
    market.f_countdown_cancel_all('k', 'BNBUSDT', '1000')
    fake_clock.advance(0.999)
    market.run_timers()
    assert market.f_get_order('k', 'BNBUSDT', orderId=order['orderId'])['status'] == 'NEW'
    fake_clock.advance(0.001)
    market.run_timers()
    assert market.f_get_order('k', 'BNBUSDT', orderId=order['orderId'])['status'] == 'CANCELED'


def test_commission_rate_and_price_klines(exchange):
    """commissionRate gives the account's rates; mark, index and premium klines have
    Binance's twelve fields with zero volumes."""
    client = exchange.client()
    assert client.futures_commission_rate(symbol='BTCUSDT') == {
        'symbol': 'BTCUSDT', 'makerCommissionRate': '0.0002', 'takerCommissionRate': '0.0005',
        'rpiCommissionRate': '0'}
    contract = client.futures_klines(symbol='BTCUSDT', interval='1m', limit=3)
    mark = client.futures_mark_price_klines(symbol='BTCUSDT', interval='1m', limit=3)
    index = client.futures_index_price_klines(pair='BTCUSDT', interval='1m', limit=3)
    premium = client.futures_premium_index_klines(symbol='BTCUSDT', interval='1m', limit=3)
    for rows in (mark, index, premium):
        assert len(rows) == 3 and all(len(r) == 12 for r in rows)
        assert [r[0] for r in rows] == [r[0] for r in contract]
        assert all(r[5] == '0' and r[7] == '0' for r in rows)
    assert [r[4] for r in mark] == [r[4] for r in contract]
    assert {r[4] for r in premium} == {'0.00000000'}


@pytest.mark.parametrize('call, error', [
    (lambda c: c.futures_place_batch_order(batchOrders=[{'symbol': 'BTCUSDT'}] * 6),
     ValueError),
    (lambda c: c.futures_place_batch_order(batchOrders=[{'symbol': 'BTCUSDT', 'side': 'SELL',
                                                         'type': 'STOP_MARKET'}]), ValueError),
    (lambda c: c.futures_place_batch_order(batchOrders='[]'), TypeError),
    (lambda c: c.futures_countdown_cancel_all(symbol='BTCUSDT', countdownTime=-1), ValueError),
    (lambda c: c.futures_create_algo_order(symbol='BTCUSDT', side='SELL', type='LIMIT',
                                           triggerPrice='1'), ValueError),
    (lambda c: c.futures_create_algo_order(symbol='BTCUSDT', side='SELL', type='STOP_MARKET',
                                           quantity='1'), TypeError),
    (lambda c: c.futures_get_order(symbol='BTCUSDT', conditional=True), ValueError),
    (lambda c: c.futures_create_order(symbol='BTCUSDT', side='SELL', type='STOP_MARKET',
                                      stopPrice='1', triggerPrice='1', quantity='1'),
     ValueError),
    (lambda c: c.futures_get_algo_order(algoid=1), TypeError),
], ids=['batch-size', 'batch-conditional', 'batch-type', 'countdown', 'algo-type',
        'algo-trigger', 'no-algo-id', 'both-prices', 'misspelt'])
def test_bad_arguments_fail_before_any_request(exchange, call, error):
    """Misuse raises ValueError/TypeError naming what was wrong, and sends nothing."""
    client = exchange.client()
    with pytest.raises(error):
        call(client)
    assert [r.path for r in exchange.requests if r.path not in CLOCK] == []
