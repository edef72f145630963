"""Amend keepPriority, cancel-replace, SOR, commission, filters and the window tickers,
over REST and the WebSocket API, against the local exchange over real sockets."""
import itertools
from decimal import Decimal

import pytest

from binance.client import Client
from binance.exceptions import BinanceAPIException, BinanceWebSocketAPIException
from binance.websockets import BinanceSocketManager
from tests.support import wait_until

SYMBOL = 'BNBBTC'
TICK = Decimal('0.000001')
_accounts = itertools.count(1)
# The user sockets here are told apart by their listen keys (the original flow, an
# option of the local exchange since binance.com retired Spot listen keys).
MODULE_EXCHANGE = {'tick': None, 'listen_keys': True}


@pytest.fixture(scope='module')
def exchange(module_exchange):
    return module_exchange


class Recorder(list):
    def __call__(self, msg):
        self.append(msg)

    def reports(self, kind):
        return [m for m in list(self) if m.get('e') == 'executionReport' and m['x'] == kind]


@pytest.fixture
def account(exchange):
    """A fresh account: ``(client, manager)``; the manager is closed after the test."""
    key = 'changes-{}'.format(next(_accounts))
    exchange.add_account(key, 'secret-' + key, {'BTC': '1', 'BNB': '10'})
    client = exchange.client(api_key=key, api_secret='secret-' + key)
    bm = BinanceSocketManager(client)
    bm.STREAM_URL, bm.WS_API_URL = exchange.stream_url, exchange.ws_api_url
    yield client, bm
    bm.close()


def level(exchange, price):
    """Order ids resting on the bid side at ``price``, queue order."""
    def ids():
        return [o.order_id for o in exchange.market._symbol(SYMBOL).book.level('BUY', price)]
    return exchange.call(ids)


def low_bid(exchange):
    bids, _ = exchange.call(exchange.market.book, SYMBOL)
    return max(bids) - 10 * TICK


def user_stream(exchange, client, bm):
    events = Recorder()
    bm.start()
    bm.start_user_socket(events)
    owner = exchange.market.listen_key_owner
    wait_until(lambda: [p for p in list(exchange.streams.connections) if p.startswith('/ws/')
                        and exchange.call(owner, p[4:]) == client.API_KEY],
               timeout=20, message='the user socket')
    return events


def test_amend_over_rest_keeps_the_queue_position(exchange, account):
    """A smaller quantity stays first in its price level, unlocks the difference and is
    reported as REPLACED with the new client order id."""
    client, bm = account
    events = user_stream(exchange, client, bm)
    price = low_bid(exchange)
    first = client.order_limit_buy(symbol=SYMBOL, quantity='2', price=price)
    second = client.order_limit_buy(symbol=SYMBOL, quantity='1', price=price)
    before = level(exchange, price)
    assert before.index(first['orderId']) < before.index(second['orderId'])
    answer = client.amend_order_keep_priority(symbol=SYMBOL, orderId=first['orderId'],
                                              newQty='1.5', newClientOrderId='amended-1')
    amended = answer['amendedOrder']
    assert amended['qty'] == '1.50000000' and amended['clientOrderId'] == 'amended-1'
    assert amended['origClientOrderId'] == first['clientOrderId'] and 'listStatus' not in answer
    assert level(exchange, price) == before
    locked = Decimal(client.get_asset_balance('BTC')['locked'])
    assert locked == (Decimal('2.5') * price).quantize(Decimal('0.00000001'))
    report = wait_until(lambda: events.reports('REPLACED'), timeout=20,
                        message='the REPLACED report')[0]
    assert (report['i'], report['X'], report['q'], report['c'], report['C']) == (
        first['orderId'], 'NEW', '1.50000000', 'amended-1', first['clientOrderId'])


def test_amend_refuses_anything_but_a_decrease(exchange, account):
    """-2038 for an increase or the same quantity; TypeError/ValueError before sending."""
    client, _ = account
    order = client.order_limit_buy(symbol=SYMBOL, quantity='1', price=low_bid(exchange))
    for qty, msg in (('2', 'Order amend (quantity increase) is not supported.'),
                     ('1', 'The requested action would change no state; rejecting')):
        with pytest.raises(BinanceAPIException) as raised:
            client.amend_order_keep_priority(symbol=SYMBOL, orderId=order['orderId'],
                                             newQty=qty)
        assert (raised.value.code, raised.value.message) == (-2038, msg)
    with pytest.raises(TypeError, match='newQty'):
        client.amend_order_keep_priority(symbol=SYMBOL, orderId=order['orderId'])
    with pytest.raises(ValueError, match='newQty must be greater than 0'):
        client.amend_order_keep_priority(symbol=SYMBOL, orderId=order['orderId'], newQty='0')
    assert client.get_order(symbol=SYMBOL, orderId=order['orderId'])['origQty'] == '1.00000000'


def test_amend_over_the_websocket_api_changes_both_orders_of_an_oco(exchange, account):
    """order.amend.keepPriority on one order of an OCO pair reduces both (they share a quantity)."""
    client, bm = account
    bids, asks = exchange.call(exchange.market.book, SYMBOL)
    oco = client.create_oco_order(symbol=SYMBOL, side='SELL', quantity='2',
                                  price=min(asks) + 5 * TICK, stopPrice=max(bids) - 20 * TICK)
    first, second = [r['orderId'] for r in oco['orderReports']]
    answer = bm.ws_api.blocking.order_amend_keep_priority(symbol=SYMBOL, orderId=first,
                                                          newQty='1', timeout=20)
    assert answer['amendedOrder']['qty'] == '1.00000000'
    assert answer['listStatus']['contingencyType'] == 'OCO'
    assert client.get_order(symbol=SYMBOL, orderId=second)['origQty'] == '1.00000000'
    with pytest.raises(BinanceWebSocketAPIException) as raised:
        bm.ws_api.blocking.order_amend_keep_priority(symbol=SYMBOL, orderId=first,
                                                     newQty='3', timeout=20)
    assert raised.value.code == -2038


def test_cancel_replace_over_rest_answers_each_outcome(exchange, account):
    """200 both done; 400 -2022 NOT_ATTEMPTED (STOP_ON_FAILURE); 409 -2021 with the new
    order placed (ALLOW_FAILURE); the details in the exception's data."""
    client, _ = account
    price = low_bid(exchange)
    old = client.order_limit_buy(symbol=SYMBOL, quantity='1', price=price)
    new = dict(symbol=SYMBOL, side='BUY', type='LIMIT', timeInForce='GTC', quantity='1',
               price=price)
    done = client.cancel_replace_order(cancelReplaceMode='STOP_ON_FAILURE',
                                       cancelOrderId=old['orderId'], **new)
    assert (done['cancelResult'], done['newOrderResult']) == ('SUCCESS', 'SUCCESS')
    assert done['cancelResponse']['status'] == 'CANCELED'
    assert done['newOrderResponse']['status'] == 'NEW'
    with pytest.raises(BinanceAPIException) as raised:
        client.cancel_replace_order(cancelReplaceMode='STOP_ON_FAILURE',
                                    cancelOrderId=old['orderId'], **new)
    error = raised.value
    assert (error.status_code, error.code) == (400, -2022)
    assert error.data == {'cancelResult': 'FAILURE', 'newOrderResult': 'NOT_ATTEMPTED',
                          'cancelResponse': {'code': -2011, 'msg': 'Unknown order sent.'},
                          'newOrderResponse': None}
    with pytest.raises(BinanceAPIException) as raised:
        client.cancel_replace_order(cancelReplaceMode='ALLOW_FAILURE',
                                    cancelOrderId=old['orderId'], **new)
    assert (raised.value.status_code, raised.value.code) == (409, -2021)
    assert raised.value.data['newOrderResult'] == 'SUCCESS'
    assert len(client.get_open_orders(symbol=SYMBOL)) == 2
    with pytest.raises(ValueError, match='cancelReplaceMode'):
        client.cancel_replace_order(cancelReplaceMode='NEVER', cancelOrderId=1, **new)


def test_cancel_replace_over_the_websocket_api(exchange, account):
    """order.cancelReplace through bm.ws_api: success, then a 409 partial failure whose
    data says the cancel failed."""
    client, bm = account
    price = low_bid(exchange)
    old = client.order_limit_buy(symbol=SYMBOL, quantity='1', price=price)
    new = dict(symbol=SYMBOL, side='BUY', type='LIMIT', timeInForce='GTC', quantity='1',
               price=str(price))
    done = bm.ws_api.blocking.order_cancel_replace(
        cancelReplaceMode='STOP_ON_FAILURE', cancelOrderId=old['orderId'], timeout=20, **new)
    assert done['newOrderResult'] == 'SUCCESS'
    with pytest.raises(BinanceWebSocketAPIException) as raised:
        bm.ws_api.blocking.order_cancel_replace(
            cancelReplaceMode='ALLOW_FAILURE', cancelOrderId=old['orderId'], timeout=20, **new)
    assert (raised.value.status_code, raised.value.code) == (409, -2021)
    assert raised.value.data['cancelResult'] == 'FAILURE'


def test_sor_order_fills_on_the_symbols_own_book(exchange, account):
    """SOR orders (REST and ws_api) fill like orders, marked usedSor on the EXCHANGE floor;
    the test endpoint answers {} and only LIMIT and MARKET are taken."""
    client, bm = account
    filled = client.create_sor_order(symbol=SYMBOL, side='BUY', type='MARKET', quantity='1')
    assert filled['status'] == 'FILLED' and filled['usedSor'] is True
    assert filled['workingFloor'] == 'EXCHANGE' and filled['fills']
    placed = bm.ws_api.blocking.sor_order_place(symbol=SYMBOL, side='SELL', type='MARKET',
                                                quantity='0.5', timeout=20)
    assert placed['usedSor'] is True and placed['executedQty'] == '0.50000000'
    assert client.create_test_sor_order(symbol=SYMBOL, side='BUY', type='MARKET',
                                        quantity='1') == {}
    with pytest.raises(ValueError, match='LIMIT, MARKET'):
        client.create_sor_order(symbol=SYMBOL, side='BUY', type='STOP_LOSS', quantity='1',
                                stopPrice='0.001')


def test_commission_and_filters_over_rest_and_the_websocket_api(exchange, account):
    """account/commission shows the 0.1 % the engine charges; myFilters the count filters."""
    client, bm = account
    rates = client.get_commission_rates(symbol=SYMBOL)
    assert rates['standardCommission']['taker'] == '0.00100000'
    assert rates == bm.ws_api.blocking.account_commission(symbol=SYMBOL, timeout=20)
    filters = client.get_my_filters(symbol=SYMBOL)
    assert {'filterType': 'MAX_NUM_ORDER_LISTS', 'maxNumOrderLists': 20} in \
        filters['symbolFilters']
    assert filters == bm.ws_api.blocking.my_filters(symbol=SYMBOL, timeout=20)


def test_window_tickers_and_ui_klines(exchange, account):
    """ticker (windowSize), ticker/tradingDay (timeZone) and uiKlines over REST and ws_api."""
    client, bm = account
    now = exchange.call(exchange.market.now_ms)
    window = client.get_symbol_ticker_window(symbol=SYMBOL, windowSize='2h')
    assert window['closeTime'] >= now and window['openTime'] % 60000 == 0
    assert now - 2 * 3600000 - 60000 < window['openTime'] <= now - 2 * 3600000
    mini = client.get_symbol_ticker_window(symbols=[SYMBOL, 'ETHBTC'], type='MINI')
    assert [t['symbol'] for t in mini] == [SYMBOL, 'ETHBTC'] and 'priceChange' not in mini[0]
    day = client.get_trading_day_ticker(symbol=SYMBOL, timeZone='-1:00')
    assert (day['openTime'] - 3600000) % 86400000 == 0
    assert day['closeTime'] == day['openTime'] + 86400000 - 1
    assert bm.ws_api.blocking.ticker(symbol=SYMBOL, windowSize='2h',
                                     timeout=20)['openTime'] == window['openTime']
    assert bm.ws_api.blocking.ticker_trading_day(symbol=SYMBOL, timeZone='-1:00',
                                                 timeout=20)['openTime'] == day['openTime']
    ui = client.get_ui_klines(symbol=SYMBOL, interval='1h', limit=3)
    assert ui == client.get_klines(symbol=SYMBOL, interval='1h', limit=3) and len(ui) == 3
    assert bm.ws_api.blocking.ui_klines(symbol=SYMBOL, interval='1h', limit=3,
                                        timeout=20) == ui
    with pytest.raises(ValueError, match='windowSize'):
        client.get_symbol_ticker_window(symbol=SYMBOL, windowSize='60m')
    with pytest.raises(TypeError, match="'symbol' or 'symbols'"):
        client.get_trading_day_ticker()


def test_order_list_checks_run_before_sending():
    """Missing or contradictory order-list parameters raise before any request."""
    client = Client('key', 'secret', sync_clock=False)
    client.API_URL = 'http://127.0.0.1:9/api'   # nothing listens: a request would fail differently
    base = dict(symbol=SYMBOL, workingType='LIMIT', workingSide='BUY', workingPrice='0.008',
                workingQuantity='1', workingTimeInForce='GTC', pendingSide='SELL')
    with pytest.raises(TypeError, match="'pendingQuantity'"):
        client.create_oto_order(pendingType='MARKET', **base)
    with pytest.raises(TypeError, match="'pendingPrice'"):
        client.create_oto_order(pendingType='LIMIT', pendingQuantity='1',
                                pendingTimeInForce='GTC', **base)
    with pytest.raises(TypeError, match='takes no pendingQuantity'):
        client.create_opo_order(pendingType='MARKET', pendingQuantity='1', **base)
    with pytest.raises(ValueError, match='workingSide must be BUY'):
        client.create_opo_order(pendingType='MARKET', **dict(base, workingSide='SELL'))
    with pytest.raises(ValueError, match='invalid pendingAboveType'):
        client.create_otoco_order(pendingQuantity='1', pendingAboveType='MARKET',
                                  pendingBelowType='STOP_LOSS', pendingBelowStopPrice='0.007',
                                  **base)
    with pytest.raises(TypeError, match="'workingTimeInForce'"):
        client.create_otoco_order(pendingQuantity='1', pendingAboveType='LIMIT_MAKER',
                                  pendingAbovePrice='0.009', pendingBelowType='STOP_LOSS',
                                  pendingBelowStopPrice='0.007',
                                  **{k: v for k, v in base.items() if k != 'workingTimeInForce'})
    with pytest.raises(TypeError, match='unexpected keyword argument'):
        client.create_oto_order(pendingType='MARKET', pendingQuantity='1', pendingQty='1', **base)


def test_order_list_queries_and_cancels_over_the_websocket_api(exchange, account):
    """orderList.status, openOrderLists.status, allOrderLists, orderList.cancel and
    openOrders.cancelAll through bm.ws_api answer as their REST counterparts."""
    client, bm = account
    api = bm.ws_api.blocking
    price = str(low_bid(exchange))
    terms = dict(symbol=SYMBOL, workingType='LIMIT_MAKER', workingSide='BUY', workingPrice=price,
                 workingQuantity='1', pendingType='MARKET', pendingSide='SELL',
                 pendingQuantity='1', timeout=20)
    first = api.order_list_place_oto(listClientOrderId='first-list', **terms)
    second = api.order_list_place_oto(**terms)
    status = api.order_list_status(origClientOrderId='first-list', timeout=20)
    assert status == client.get_order_list(orderListId=first['orderListId'])
    assert [l['orderListId'] for l in api.open_order_lists_status(timeout=20)] == \
        [first['orderListId'], second['orderListId']]
    cancelled = api.order_list_cancel(symbol=SYMBOL, orderListId=first['orderListId'],
                                      timeout=20)
    assert [r['status'] for r in cancelled['orderReports']] == ['CANCELED', 'CANCELED']
    with pytest.raises(BinanceWebSocketAPIException) as raised:
        api.order_list_cancel(symbol=SYMBOL, orderListId=first['orderListId'], timeout=20)
    assert raised.value.code == -2011
    everything = api.open_orders_cancel_all(symbol=SYMBOL, timeout=20)
    assert [entry['orderListId'] for entry in everything] == [second['orderListId']]
    assert [l['listOrderStatus'] for l in api.all_order_lists(limit=10, timeout=20)] == \
        ['ALL_DONE', 'ALL_DONE']
    assert api.my_prevented_matches(symbol=SYMBOL, orderId=1, timeout=20) == []
    assert api.my_allocations(symbol=SYMBOL, timeout=20) == []
    assert api.sor_order_test(symbol=SYMBOL, side='BUY', type='MARKET', quantity='1',
                              timeout=20) == {}


def test_exchange_info_lists_each_symbol_as_its_own_sor_configuration(exchange):
    """exchangeInfo's sors: one entry per symbol (the local exchange's single-book model)."""
    info = exchange.client().get_exchange_info()
    assert {'baseAsset': 'BNB', 'symbols': ['BNBBTC']} in info['sors']
    symbol = info['symbols'][0]
    assert symbol['otoAllowed'] and symbol['opoAllowed'] and symbol['amendAllowed']
    assert symbol['cancelReplaceAllowed']
