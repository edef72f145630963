"""The local exchange's order-list and amend engine, without I/O (binance/testing/order_lists.py,
binance/testing/order_changes.py): the edge cases of Binance's rules."""
from decimal import Decimal

import pytest

from binance.testing.market import Market, MarketError

SYMBOL = 'BNBBTC'
TICK = Decimal('0.000001')


@pytest.fixture
def market(fake_clock):
    market = Market(seed=3, clock=fake_clock)
    market.add_account('me', 'secret', {'BTC': '10', 'BNB': '100'})
    market.add_account('cp', 'secret', {'BTC': '100000', 'BNB': '10000000'})
    events = market.events = []
    market.add_listener(lambda kind, key, payload: events.append(payload)
                        if kind == 'user' and key == 'me' and payload['e'] != 'outboundAccountPosition'
                        else None)
    return market


def best(market):
    bids, asks = market.book(SYMBOL)
    return max(bids), min(asks)


def sell_into(market, price):
    bids, _ = market.book(SYMBOL)
    quantity = sum(q for p, q in bids.items() if p >= price)
    market.place_order('cp', SYMBOL, 'SELL', 'LIMIT', timeInForce='IOC', quantity=str(quantity),
                       price=str(price))


def oto(market, **changes):
    bid, ask = best(market)
    params = dict(symbol=SYMBOL, workingType='LIMIT', workingSide='BUY', workingPrice=str(bid),
                  workingQuantity='1', workingTimeInForce='GTC', pendingType='LIMIT',
                  pendingSide='SELL', pendingPrice=str(ask + 5 * TICK), pendingQuantity='1',
                  pendingTimeInForce='GTC')
    params.update(changes)
    return market.order_lists.place('me', 'oto', {k: v for k, v in params.items()
                                                   if v is not None})


def statuses(market, placed):
    return [market.get_order('me', SYMBOL, orderId=o['orderId'])['status']
            for o in placed['orders']]


def test_an_expiring_working_order_expires_the_pending_order(market):
    """A working IOC that cannot fill expires, and with it the PENDING_NEW order."""
    bid, _ = best(market)
    placed = oto(market, workingPrice=str(bid - 50 * TICK), workingTimeInForce='IOC')
    assert statuses(market, placed) == ['EXPIRED', 'EXPIRED']
    assert placed['orderReports'][0]['expiryReason'] == 'UNFILLED_IOC_QUANTITY_EXPIRED'
    assert [e['eR'] for e in market.events if e.get('x') == 'EXPIRED'] == [
        'UNFILLED_IOC_QUANTITY_EXPIRED', 'OTO_PHASE_ONE_EXPIRED']
    assert market.events[-1]['e'] == 'listStatus' and market.events[-1]['l'] == 'ALL_DONE'
    assert market.order_lists.open_status('me') == []


def test_opo_pending_market_sells_the_rounded_quantity_and_unlocks_the_rest(market):
    """OPO with a MARKET pending order: it sells the received 0.8991 BNB rounded down to
    0.899; the 0.0001 left is unlocked."""
    bid, _ = best(market)
    placed = market.order_lists.place('me', 'opo', dict(
        symbol=SYMBOL, workingType='LIMIT', workingSide='BUY', workingPrice=str(bid),
        workingQuantity='0.9', workingTimeInForce='GTC', pendingType='MARKET',
        pendingSide='SELL'))
    sell_into(market, bid)
    assert statuses(market, placed) == ['FILLED', 'FILLED']
    assert market.get_order('me', SYMBOL, orderId=placed['orders'][1]['orderId'])[
        'executedQty'] == '0.89900000'
    assert market.balances('me')['BNB'] == {'free': Decimal('100.0001'), 'locked': 0}


def test_opo_pending_order_failing_its_filters_expires_and_unlocks(market):
    """When the received quantity, rounded down, breaks NOTIONAL, the pending order expires
    and what the working order bought is free again."""
    bid, _ = best(market)
    step = Decimal('0.001')
    quantity = (Decimal('0.0001') / bid / step).to_integral_value(rounding='ROUND_CEILING') * step
    placed = market.order_lists.place('me', 'opo', dict(
        symbol=SYMBOL, workingType='LIMIT', workingSide='BUY', workingPrice=str(bid),
        workingQuantity=str(quantity), workingTimeInForce='GTC', pendingType='LIMIT',
        pendingSide='SELL', pendingPrice=str(bid), pendingTimeInForce='GTC'))
    sell_into(market, bid)
    assert statuses(market, placed) == ['FILLED', 'EXPIRED']
    assert [e['eR'] for e in market.events if e.get('x') == 'EXPIRED'] == ['REJECTED']
    assert market.balances('me')['BNB'] == {'free': 100 + quantity * Decimal('0.999'),
                                            'locked': 0}
    assert market.events[-1]['e'] == 'listStatus' and market.events[-1]['l'] == 'ALL_DONE'


def test_max_num_order_lists_is_enforced_per_symbol(market):
    """The 21st open list on a symbol is refused with MAX_NUM_ORDER_LISTS."""
    bid, _ = best(market)
    for _ in range(20):
        oto(market, workingPrice=str(bid - 50 * TICK), workingType='LIMIT_MAKER',
            workingTimeInForce=None)
    with pytest.raises(MarketError) as raised:
        oto(market, workingPrice=str(bid - 50 * TICK))
    assert (raised.value.code, raised.value.msg) == (-1013, 'Filter failure: MAX_NUM_ORDER_LISTS')


def test_order_lists_are_refused_with_binances_codes(market):
    """Unsupported working type -1014; pending pair types -1158; missing parameters -1102."""
    with pytest.raises(MarketError) as raised:
        oto(market, workingType='MARKET')
    assert raised.value.code == -1014
    bid, ask = best(market)
    pair = dict(symbol=SYMBOL, workingType='LIMIT', workingSide='BUY', workingPrice=str(bid),
                workingQuantity='1', workingTimeInForce='GTC', pendingSide='SELL',
                pendingQuantity='1', pendingAboveType='STOP_LOSS',
                pendingAboveStopPrice=str(bid - 20 * TICK), pendingBelowType='LIMIT_MAKER',
                pendingBelowPrice=str(ask + 5 * TICK))
    with pytest.raises(MarketError) as raised:
        market.order_lists.place('me', 'otoco', pair)
    assert raised.value.code == -1158
    with pytest.raises(MarketError) as raised:
        oto(market, pendingType=None)
    assert raised.value.msg == "Mandatory parameter 'pendingType' was not sent, was empty/null, " \
                               "or malformed."


def test_amend_of_an_order_in_a_list_reports_updated(market):
    """A new client order id on an order of a list: REPLACED, then listStatus UPDATED."""
    placed = oto(market)
    working = placed['orders'][0]['orderId']
    del market.events[:]
    answer = market.order_changes.amend_keep_priority('me', SYMBOL, orderId=working,
                                                      newQty='0.5', newClientOrderId='smaller')
    assert answer['listStatus']['orders'][0]['clientOrderId'] == 'smaller'
    assert [(e['e'], e['x'] if 'x' in e else e['l']) for e in market.events] == [
        ('executionReport', 'REPLACED'), ('listStatus', 'UPDATED')]


def test_amend_down_to_the_executed_quantity_expires_the_order(market):
    """After a partial fill, amending to the executed quantity ends the order (EXPIRED)."""
    bid, _ = best(market)
    bids, _ = market.book(SYMBOL)
    ahead = sum(q for p, q in bids.items() if p > bid) + bids[bid]
    order = market.place_order('me', SYMBOL, 'BUY', 'LIMIT', timeInForce='GTC', quantity='2',
                               price=str(bid))
    market.place_order('cp', SYMBOL, 'SELL', 'LIMIT', timeInForce='IOC',
                       quantity=str(ahead + 1), price=str(bid))
    assert market.get_order('me', SYMBOL, orderId=order['orderId'])['executedQty'] == '1.00000000'
    answer = market.order_changes.amend_keep_priority('me', SYMBOL, orderId=order['orderId'],
                                                      newQty='1')
    assert answer['amendedOrder']['status'] == 'EXPIRED'
    assert market.balances('me')['BTC']['locked'] == 0
    assert bid not in market.book(SYMBOL)[0] or all(
        o['orderId'] != order['orderId'] for o in market.open_orders('me', SYMBOL))


def test_amend_is_limited_per_order(market):
    """The 11th amendment of one order is refused (MAX_NUM_ORDER_AMENDS, -2038)."""
    bid, _ = best(market)
    order = market.place_order('me', SYMBOL, 'BUY', 'LIMIT', timeInForce='GTC', quantity='20',
                               price=str(bid - 50 * TICK))
    for qty in range(19, 9, -1):
        market.order_changes.amend_keep_priority('me', SYMBOL, orderId=order['orderId'],
                                                 newQty=str(qty))
    with pytest.raises(MarketError) as raised:
        market.order_changes.amend_keep_priority('me', SYMBOL, orderId=order['orderId'],
                                                 newQty='5')
    assert (raised.value.code, raised.value.msg) == (-2038, 'Filter failure: MAX_NUM_ORDER_AMENDS')


def test_a_pending_opo_order_cannot_be_amended(market):
    """-2038 'Order amend (pending OPO order) is not supported.' before the working order fills."""
    bid, _ = best(market)
    placed = market.order_lists.place('me', 'opo', dict(
        symbol=SYMBOL, workingType='LIMIT', workingSide='BUY', workingPrice=str(bid - 50 * TICK),
        workingQuantity='1', workingTimeInForce='GTC', pendingType='MARKET', pendingSide='SELL'))
    with pytest.raises(MarketError) as raised:
        market.order_changes.amend_keep_priority('me', SYMBOL,
                                                 orderId=placed['orders'][1]['orderId'],
                                                 newQty='0.5')
    assert raised.value.msg == 'Order amend (pending OPO order) is not supported.'


def test_sor_orders_are_marked_in_answers_queries_and_events(market):
    """An SOR order: usedSor/workingFloor in its answer and GET order, uS/k in its reports."""
    placed = market.order_changes.sor_order('me', symbol=SYMBOL, side='BUY', type='MARKET',
                                            quantity='1')
    assert (placed['usedSor'], placed['workingFloor']) == (True, 'EXCHANGE')
    status = market.get_order('me', SYMBOL, orderId=placed['orderId'])
    assert (status['usedSor'], status['workingFloor']) == (True, 'EXCHANGE')
    reports = [e for e in market.events if e['e'] == 'executionReport']
    assert reports and all((e['uS'], e['k']) == (True, 'EXCHANGE') for e in reports)
    plain = market.place_order('me', SYMBOL, 'BUY', 'MARKET', quantity='1')
    assert 'usedSor' not in plain
    assert 'uS' not in [e for e in market.events if e['e'] == 'executionReport'][-1]


@pytest.mark.parametrize('free_btc, sold', [('0', '0.00099'), ('1', '0.00100')])
def test_opo_commission_comes_from_free_funds_when_they_suffice(market, free_btc, sold):
    """OPO buying BTC (not BNB): with free BTC to pay the commission the pending order sells
    all that was bought; without, what was bought less the commission, rounded down."""
    market.add_account('usdt', 'secret', {'USDT': '1000', 'BTC': free_btc})
    bids, asks = market.book('BTCUSDT')
    bid = max(bids)
    placed = market.order_lists.place('usdt', 'opo', dict(
        symbol='BTCUSDT', workingType='LIMIT', workingSide='BUY', workingPrice=str(bid),
        workingQuantity='0.001', workingTimeInForce='GTC', pendingType='LIMIT',
        pendingSide='SELL', pendingPrice=str(min(asks) * 2), pendingTimeInForce='GTC'))
    quantity = sum(q for p, q in market.book('BTCUSDT')[0].items() if p >= bid)
    market.place_order('cp', 'BTCUSDT', 'SELL', 'LIMIT', timeInForce='IOC',
                       quantity=str(quantity), price=str(bid))
    pending = market.get_order('usdt', 'BTCUSDT', orderId=placed['orders'][1]['orderId'])
    assert (pending['status'], pending['origQty']) == ('NEW', sold + '000')
