"""Order lists (OTO, OTOCO, OPO, OPOCO) against the local exchange over real sockets.

Each kind runs its whole life: placed with the REST client (or ``bm.ws_api``),
its working order filled by another account trading into it, its pending
order(s) placed, then filled or cancelled; every ``executionReport`` and
``listStatus`` of the account's user stream is checked on the way.
"""
import itertools
from decimal import Decimal

import pytest

from binance.exceptions import BinanceAPIException
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
    module_exchange.add_account('counterparty', 'cp-secret',
                                {'BNB': '10000000', 'BTC': '100000'})
    return module_exchange


class Recorder(list):
    def __call__(self, msg):
        self.append(msg)

    def steps(self):
        """Order and list events as tuples; consecutive TRADEs of one order as one
        (a sweep may fill an order in several trades)."""
        out = []
        for msg in list(self):
            if msg.get('e') == 'executionReport':
                step = ('order', msg['i'], msg['x'], msg['X'])
                if out and step[2] == 'TRADE' and out[-1][:3] == step[:3]:
                    out[-1] = step
                    continue
                out.append(step)
            elif msg.get('e') == 'listStatus':
                out.append(('list', msg['c'], msg['l'], msg['L']))
        return out


class Trader:
    """An account of its own, its REST client and its user stream."""

    def __init__(self, exchange, balances):
        self.exchange = exchange
        self.key = 'list-trader-{}'.format(next(_accounts))
        exchange.add_account(self.key, 'secret-' + self.key, balances)
        self.client = exchange.client(api_key=self.key, api_secret='secret-' + self.key)
        self.bm = BinanceSocketManager(self.client)
        self.bm.STREAM_URL, self.bm.WS_API_URL = exchange.stream_url, exchange.ws_api_url
        self.bm.start()
        self.events = Recorder()
        self.bm.start_user_socket(self.events)
        wait_until(self._connected, timeout=20, message='the user socket')

    def _connected(self):
        owner = self.exchange.market.listen_key_owner
        return [path for path in list(self.exchange.streams.connections)
                if path.startswith('/ws/') and self.exchange.call(owner, path[4:]) == self.key]

    def wait_steps(self, count):
        return wait_until(lambda: len(self.events.steps()) >= count and self.events.steps(),
                          timeout=20, message='{} order/list events'.format(count))

    def balance(self, asset):
        entry = self.client.get_asset_balance(asset)
        return Decimal(entry['free']), Decimal(entry['locked'])

    def close(self):
        self.bm.close()


@pytest.fixture
def trader(exchange):
    made = []

    def make(balances=None):
        made.append(Trader(exchange, balances or {'BTC': '1', 'BNB': '10'}))
        return made[-1]
    yield make
    for one in made:
        one.close()


def book(exchange):
    bids, asks = exchange.call(exchange.market.book, SYMBOL)
    return bids, asks


def sell_into(exchange, price):
    """The counterparty sells into every bid at ``price`` or above (fills them all)."""
    bids, _ = book(exchange)
    quantity = sum(q for p, q in bids.items() if p >= price)
    exchange.client(api_key='counterparty', api_secret='cp-secret').order_limit_sell(
        symbol=SYMBOL, quantity=quantity, price=price, timeInForce='IOC')


def buy_into(exchange, price):
    """The counterparty buys every ask at ``price`` or below (fills them all)."""
    _, asks = book(exchange)
    quantity = sum(q for p, q in asks.items() if p <= price)
    exchange.client(api_key='counterparty', api_secret='cp-secret').order_limit_buy(
        symbol=SYMBOL, quantity=quantity, price=price, timeInForce='IOC')


def prices(exchange):
    bids, asks = book(exchange)
    return max(bids), min(asks)


def test_oto_places_the_pending_order_when_the_working_order_fills(exchange, trader):
    """OTO: pending PENDING_NEW until the working BUY fills, then NEW on the book, then filled."""
    me = trader()
    bid, ask = prices(exchange)
    target = ask + 5 * TICK
    placed = me.client.create_oto_order(
        symbol=SYMBOL, workingType='LIMIT', workingSide='BUY', workingPrice=bid,
        workingQuantity='1', workingTimeInForce='GTC', pendingType='LIMIT',
        pendingSide='SELL', pendingPrice=target, pendingQuantity='1', pendingTimeInForce='GTC')
    working, pending = [r['orderId'] for r in placed['orderReports']]
    assert placed['contingencyType'] == 'OTO' and placed['listStatusType'] == 'EXEC_STARTED'
    assert [r['status'] for r in placed['orderReports']] == ['NEW', 'PENDING_NEW']
    assert placed['orderReports'][1]['workingTime'] == -1
    assert me.wait_steps(3) == [
        ('list', 'OTO', 'EXEC_STARTED', 'EXECUTING'),
        ('order', working, 'NEW', 'NEW'), ('order', pending, 'NEW', 'PENDING_NEW')]
    assert me.client.get_order(symbol=SYMBOL, orderId=pending)['status'] == 'PENDING_NEW'

    sell_into(exchange, bid)
    assert me.wait_steps(6)[3:] == [
        ('order', working, 'TRADE', 'FILLED'), ('list', 'OTO', 'EXEC_STARTED', 'EXECUTING'),
        ('order', pending, 'NEW', 'NEW')]
    assert exchange.call(exchange.market.book, SYMBOL)[1][target] >= Decimal('1')

    buy_into(exchange, target)
    assert me.wait_steps(8)[6:] == [
        ('order', pending, 'TRADE', 'FILLED'), ('list', 'OTO', 'ALL_DONE', 'ALL_DONE')]
    status = me.client.get_order_list(orderListId=placed['orderListId'])
    assert status['listStatusType'] == 'ALL_DONE' and status['listOrderStatus'] == 'ALL_DONE'
    assert me.client.get_open_order_lists() == []


def test_otoco_bracket_take_profit_fills_and_expires_the_stop(exchange, trader):
    """OTOCO: after the entry fills, the take-profit and stop form an OCO; the first to
    execute expires the other and the list ends ALL_DONE."""
    me = trader()
    bid, ask = prices(exchange)
    take_profit, stop = ask + 5 * TICK, bid - 20 * TICK
    placed = me.client.create_otoco_order(
        symbol=SYMBOL, workingType='LIMIT', workingSide='BUY', workingPrice=bid,
        workingQuantity='1', workingTimeInForce='GTC', pendingSide='SELL', pendingQuantity='1',
        pendingAboveType='LIMIT_MAKER', pendingAbovePrice=take_profit,
        pendingBelowType='STOP_LOSS', pendingBelowStopPrice=stop)
    working, below, above = [r['orderId'] for r in placed['orderReports']]
    assert [r['type'] for r in placed['orderReports']] == ['LIMIT', 'STOP_LOSS', 'LIMIT_MAKER']
    assert me.wait_steps(4) == [
        ('list', 'OTO', 'EXEC_STARTED', 'EXECUTING'), ('order', working, 'NEW', 'NEW'),
        ('order', below, 'NEW', 'PENDING_NEW'), ('order', above, 'NEW', 'PENDING_NEW')]

    sell_into(exchange, bid)
    assert me.wait_steps(8)[4:] == [
        ('order', working, 'TRADE', 'FILLED'), ('list', 'OTO', 'EXEC_STARTED', 'EXECUTING'),
        ('order', below, 'NEW', 'NEW'), ('order', above, 'NEW', 'NEW')]
    # 1 BNB bought (0.001 commission); the pair's quantity is locked once for both orders
    assert me.balance('BNB') == (Decimal('9.999'), Decimal('1'))

    buy_into(exchange, take_profit)
    assert me.wait_steps(12)[8:] == [
        ('order', below, 'EXPIRED', 'EXPIRED'), ('list', 'OTO', 'EXEC_STARTED', 'EXECUTING'),
        ('order', above, 'TRADE', 'FILLED'), ('list', 'OTO', 'ALL_DONE', 'ALL_DONE')]
    assert me.client.get_order(symbol=SYMBOL, orderId=below)['status'] == 'EXPIRED'
    expired = [m for m in list(me.events) if m.get('e') == 'executionReport'
               and m['x'] == 'EXPIRED']
    assert [(m['i'], m['eR']) for m in expired] == [(below, 'OCO_TRIGGER')]
    assert me.balance('BNB') == (Decimal('9.999'), Decimal('0'))


def test_opo_pending_sells_what_the_working_order_bought_then_cancel_unlocks(exchange,
                                                                              trader):
    """OPO: the pending SELL gets the bought quantity net of commission, rounded down to
    the lot step and locked; cancelling the list unlocks it."""
    me = trader()
    bid, ask = prices(exchange)
    target = ask + 5 * TICK
    placed = me.client.create_opo_order(
        symbol=SYMBOL, workingType='LIMIT', workingSide='BUY', workingPrice=bid,
        workingQuantity='1.5', workingTimeInForce='GTC', pendingType='LIMIT',
        pendingSide='SELL', pendingPrice=target, pendingTimeInForce='GTC')
    working, pending = [r['orderId'] for r in placed['orderReports']]
    assert 'origQty' not in placed['orderReports'][1]
    assert me.wait_steps(3) == [
        ('list', 'OTO', 'EXEC_STARTED', 'EXECUTING'),
        ('order', working, 'NEW', 'NEW'), ('order', pending, 'NEW', 'PENDING_NEW')]

    sell_into(exchange, bid)
    me.wait_steps(6)
    # 1.5 BNB bought, 0.0015 commission: 1.4985 received, 1.498 sold (LOT_SIZE step 0.001)
    order = me.client.get_order(symbol=SYMBOL, orderId=pending)
    assert order['status'] == 'NEW' and order['origQty'] == '1.49800000'
    assert me.balance('BNB') == (Decimal('10.0005'), Decimal('1.498'))

    cancelled = me.client.cancel_order_list(symbol=SYMBOL, orderListId=placed['orderListId'])
    assert cancelled['listStatusType'] == 'ALL_DONE'
    assert [r['status'] for r in cancelled['orderReports']] == ['CANCELED']
    assert me.wait_steps(8)[6:] == [
        ('order', pending, 'CANCELED', 'CANCELED'), ('list', 'OTO', 'ALL_DONE', 'ALL_DONE')]
    assert me.balance('BNB') == (Decimal('11.4985'), Decimal('0'))


def test_opoco_over_the_websocket_api_stop_loss_triggers(exchange, trader):
    """OPOCO placed with bm.ws_api: after the entry fills, a price fall triggers the stop,
    which expires the take-profit and sells what the entry bought."""
    me = trader()
    bid, ask = prices(exchange)
    take_profit, stop = ask + 5 * TICK, bid - 3 * TICK
    placed = me.bm.ws_api.blocking.order_list_place_opoco(
        symbol=SYMBOL, workingType='LIMIT', workingSide='BUY', workingPrice=bid,
        workingQuantity='2', workingTimeInForce='GTC', pendingSide='SELL',
        pendingAboveType='LIMIT_MAKER', pendingAbovePrice=take_profit,
        pendingBelowType='STOP_LOSS', pendingBelowStopPrice=stop, timeout=20)
    working, below, above = [r['orderId'] for r in placed['orderReports']]
    assert me.wait_steps(4)[0] == ('list', 'OTO', 'EXEC_STARTED', 'EXECUTING')

    sell_into(exchange, bid)
    me.wait_steps(8)
    assert me.client.get_order(symbol=SYMBOL, orderId=above)['origQty'] == '1.99800000'
    sell_into(exchange, stop)     # the last price falls to the stop: it triggers
    steps = me.wait_steps(12)
    assert steps[8:12] == [
        ('order', above, 'EXPIRED', 'EXPIRED'), ('list', 'OTO', 'EXEC_STARTED', 'EXECUTING'),
        ('order', below, 'TRADE', 'FILLED'), ('list', 'OTO', 'ALL_DONE', 'ALL_DONE')]
    assert me.balance('BNB') == (Decimal('10.0000'), Decimal('0'))


def test_cancelling_the_pending_order_cancels_the_whole_list(exchange, trader):
    """DELETE /api/v3/order on a PENDING_NEW order cancels the working order too."""
    me = trader()
    bid, _ = prices(exchange)
    placed = me.client.create_oto_order(
        symbol=SYMBOL, workingType='LIMIT', workingSide='BUY', workingPrice=bid - 10 * TICK,
        workingQuantity='1', workingTimeInForce='GTC', pendingType='MARKET',
        pendingSide='SELL', pendingQuantity='1')
    working, pending = [r['orderId'] for r in placed['orderReports']]
    me.wait_steps(3)
    me.client.cancel_order(symbol=SYMBOL, orderId=pending)
    assert me.wait_steps(6)[3:] == [
        ('order', working, 'CANCELED', 'CANCELED'), ('order', pending, 'CANCELED', 'CANCELED'),
        ('list', 'OTO', 'ALL_DONE', 'ALL_DONE')]
    assert me.balance('BTC') == (Decimal('1'), Decimal('0'))


def test_cancel_all_open_orders_answers_orders_and_lists(exchange, trader):
    """DELETE /api/v3/openOrders cancels lone orders and whole lists, each in its own shape."""
    me = trader()
    bid, _ = prices(exchange)
    low = bid - 10 * TICK
    lone = me.client.order_limit_buy(symbol=SYMBOL, quantity='1', price=low)
    placed = me.client.create_oto_order(
        symbol=SYMBOL, workingType='LIMIT', workingSide='BUY', workingPrice=low,
        workingQuantity='1', workingTimeInForce='GTC', pendingType='MARKET',
        pendingSide='SELL', pendingQuantity='1')
    answer = me.client.cancel_all_open_orders(symbol=SYMBOL)
    assert answer[0]['orderId'] == lone['orderId'] and answer[0]['status'] == 'CANCELED'
    assert answer[1]['orderListId'] == placed['orderListId']
    assert [r['status'] for r in answer[1]['orderReports']] == ['CANCELED', 'CANCELED']
    assert me.client.get_open_orders(symbol=SYMBOL) == []
    with pytest.raises(BinanceAPIException) as raised:
        me.client.cancel_all_open_orders(symbol=SYMBOL)
    assert raised.value.code == -2011


def test_opo_refuses_what_binance_refuses(exchange, trader):
    """OPO: a SELL working order is -1222, a BUY pending order -1223 (sent as raw requests)."""
    me = trader()
    bid, _ = prices(exchange)
    base = dict(symbol=SYMBOL, workingType='LIMIT', workingPrice=str(bid), workingQuantity='1',
                workingTimeInForce='GTC', pendingType='MARKET')
    for sides, code in ((('SELL', 'SELL'), -1222), (('BUY', 'BUY'), -1223)):
        with pytest.raises(BinanceAPIException) as raised:
            me.client._post('v3/orderList/opo', dict(base, workingSide=sides[0],
                                                     pendingSide=sides[1]), signed=True)
        assert raised.value.code == code
    with pytest.raises(BinanceAPIException) as raised:
        me.client._post('v3/orderList/opo', dict(base, workingSide='BUY', pendingSide='SELL',
                                                 pendingQuantity='1'), signed=True)
    assert raised.value.code == -1225
