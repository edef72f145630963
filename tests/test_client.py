"""binance.client.Client: construction, request building, and every method over HTTP.

The first part needs no server: a recording transport adapter (mounted on the
client's ``requests.Session``, the library's transport seam) captures what
would be sent. The second part runs every method against the local exchange
over real HTTP (fixture ``exchange`` from tests/conftest.py).
"""
import logging
import socket
import time
from decimal import Decimal
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict

from binance import enums
from binance.client import DEFAULT_TIMEOUT, Client
from binance.exceptions import BinanceAPIException


class RecordingAdapter(BaseAdapter):
    """A transport that records each prepared request and answers a fixed response."""

    def __init__(self, status=200, body=b'{}', headers=None):
        super().__init__()
        self.status, self.body, self.headers = status, body, headers or {}
        self.requests = []
        self.send_kwargs = []

    def send(self, request, **kwargs):
        self.requests.append(request)
        self.send_kwargs.append(kwargs)
        response = requests.Response()
        response.status_code = self.status
        response._content = self.body
        response.headers = CaseInsensitiveDict(self.headers)
        response.request = request
        response.url = request.url
        return response

    def close(self):
        pass


def offline_client(api_key=None, api_secret=None, **kwargs):
    """A Client whose session answers from a RecordingAdapter instead of the network.

    Its clock is not synced (``sync_clock=False``), so only the calls under test are sent.
    """
    kwargs.setdefault('sync_clock', False)
    client = Client(api_key, api_secret, **kwargs)
    adapter = RecordingAdapter()
    client.session.mount('https://', adapter)
    client.session.mount('http://', adapter)
    return client, adapter


def sent_params(adapter, index=-1):
    """The query parameters of a recorded request, as a dict (signature and timestamp dropped)."""
    params = dict(parse_qsl(urlsplit(adapter.requests[index].url).query))
    params.pop('signature', None)
    params.pop('timestamp', None)
    return params


def sent_path(adapter, index=-1):
    request = adapter.requests[index]
    return request.method, urlsplit(request.url).path


# -- construction --------------------------------------------------------------------


def test_constructor_does_no_network_io(monkeypatch):
    """Client(...) opens no socket and sends no request."""
    def forbidden(*args, **kwargs):
        raise AssertionError('network I/O during construction')
    monkeypatch.setattr(socket, 'create_connection', forbidden)
    monkeypatch.setattr(requests.Session, 'request', forbidden)
    client = Client('key', 'secret', requests_params={'timeout': 3}, tld='us')
    assert client.API_URL == 'https://api.binance.us/api'


def test_base_urls_for_tld_and_testnet():
    """tld picks api.binance.<tld>, testnet the testnet host; the default is binance.com."""
    assert Client.API_URL == 'https://api.binance.com/api'
    assert Client().API_URL == 'https://api.binance.com/api'
    assert Client(tld='us').API_URL == 'https://api.binance.us/api'
    assert Client(testnet=True).API_URL == 'https://testnet.binance.vision/api'


def test_patched_class_api_url_is_respected(monkeypatch):
    """A Client.API_URL patched on the class (as LocalExchange.install() does) is used by new clients."""
    monkeypatch.setattr(Client, 'API_URL', 'http://127.0.0.1:9/api')
    assert Client().API_URL == 'http://127.0.0.1:9/api'
    assert Client(testnet=True).API_URL == 'https://testnet.binance.vision/api'


def test_instance_api_url_moves_api_and_sapi_requests():
    """Setting client.API_URL moves both /api and /sapi requests to that host."""
    client, adapter = offline_client('key', 'secret')
    client.API_URL = 'http://127.0.0.1:9/api'
    client.ping()
    client.get_system_status()
    client.get_account_status()
    assert [r.url.split('?')[0] for r in adapter.requests] == [
        'http://127.0.0.1:9/api/v3/ping',
        'http://127.0.0.1:9/sapi/v1/system/status',
        'http://127.0.0.1:9/sapi/v1/account/status']


@pytest.mark.parametrize('kwargs,error', [
    ({'tld': ''}, ValueError), ({'tld': 'com/evil'}, ValueError), ({'tld': 5}, ValueError),
    ({'api_key': 5}, TypeError), ({'api_secret': b'x'}, TypeError),
    ({'requests_params': 10}, TypeError),
])
def test_constructor_rejects_bad_arguments(kwargs, error):
    """Bad constructor arguments raise ValueError/TypeError naming the argument."""
    with pytest.raises(error, match=next(iter(kwargs))):
        Client(**kwargs)


def test_every_enum_constant_is_a_class_attribute():
    """Client.SIDE_BUY, Client.KLINE_INTERVAL_30MINUTE, Client.AGG_ID... equal binance.enums."""
    for name in enums.__all__:
        assert getattr(Client, name) == getattr(enums, name), name
    assert (Client.KLINE_INTERVAL_30MINUTE, Client.SIDE_SELL, Client.AGG_PRICE) == ('30m', 'SELL', 'p')


def test_repr_hides_credentials():
    """repr(client) says whether a key is set but never shows key or secret."""
    text = repr(Client('my-api-key-123', 'my-secret-456'))
    assert 'my-api-key-123' not in text and 'my-secret-456' not in text
    assert 'api_key=set' in text


# -- requests_params and response bookkeeping ----------------------------------------


def test_default_timeout_is_applied():
    """Without requests_params every request has a 10 s timeout."""
    client, adapter = offline_client()
    client.ping()
    assert DEFAULT_TIMEOUT == 10
    assert adapter.send_kwargs[-1]['timeout'] == 10


def test_requests_params_reach_every_request_and_per_call_adds():
    """requests_params (timeout, verify, proxies) go to every call; a call's requests_params adds to them."""
    proxies = {'https': 'http://127.0.0.1:3128'}
    client, adapter = offline_client(requests_params={'timeout': 2.5, 'verify': False,
                                                      'proxies': proxies})
    client.ping()
    sent = adapter.send_kwargs[-1]
    assert (sent['timeout'], sent['verify'], sent['proxies']) == (2.5, False, proxies)
    client.get_order_book(symbol='BNBBTC', requests_params={'timeout': 0.5})
    assert adapter.send_kwargs[-1]['timeout'] == 0.5
    assert 'requests_params' not in sent_params(adapter)


def test_response_and_used_weight_are_exposed():
    """client.response is the last answer and client.used_weight its X-MBX-USED-WEIGHT-1M."""
    client, adapter = offline_client()
    adapter.headers = {'X-MBX-USED-WEIGHT-1M': '42'}
    client.ping()
    assert client.used_weight == 42
    assert client.response.status_code == 200
    adapter.headers = {}
    client.ping()
    assert client.used_weight is None


# -- parameter encoding --------------------------------------------------------------


def test_small_floats_are_sent_in_plain_decimal():
    """quantity=0.00001 and price=1e-07 are sent as 0.00001 and 0.0000001, never in e-notation."""
    client, adapter = offline_client('key', 'secret')
    client.order_limit_buy(symbol='BNBBTC', quantity=0.00001, price=1e-07)
    params = sent_params(adapter)
    assert (params['quantity'], params['price']) == ('0.00001', '0.0000001')
    client.order_limit_buy(symbol='BNBBTC', quantity=Decimal('1E+2'), price='2.5e-6')
    params = sent_params(adapter)
    assert (params['quantity'], params['price']) == ('100', '0.0000025')


@pytest.mark.parametrize('method,expected', [
    ('order_limit_buy', {'side': 'BUY', 'type': 'LIMIT', 'timeInForce': 'GTC'}),
    ('order_limit_sell', {'side': 'SELL', 'type': 'LIMIT', 'timeInForce': 'GTC'}),
    ('order_market_buy', {'side': 'BUY', 'type': 'MARKET'}),
    ('order_market_sell', {'side': 'SELL', 'type': 'MARKET'}),
])
def test_order_shortcuts_fill_side_type_and_time_in_force(method, expected):
    """order_limit_buy & co. add side, type and (limit) timeInForce=GTC to a POST /api/v3/order."""
    client, adapter = offline_client('key', 'secret')
    extra = {'price': '0.001'} if 'limit' in method else {}
    getattr(client, method)(symbol='BNBBTC', quantity=1, **extra)
    assert sent_path(adapter) == ('POST', '/api/v3/order')
    params = sent_params(adapter)
    assert {k: params.get(k) for k in expected} == expected
    assert 'timeInForce' in params or 'limit' not in method


def test_order_limit_takes_another_time_in_force():
    """order_limit(timeInForce='IOC', ...) sends IOC."""
    client, adapter = offline_client('key', 'secret')
    client.order_limit(timeInForce=Client.TIME_IN_FORCE_IOC, symbol='BNBBTC', side='SELL',
                       quantity=1, price=1)
    assert sent_params(adapter)['timeInForce'] == 'IOC'


def test_oco_sell_in_the_original_form_becomes_above_and_below_legs():
    """order_oco_sell(price, stopPrice, stopLimitPrice...) maps to LIMIT_MAKER above, STOP_LOSS_LIMIT below."""
    client, adapter = offline_client('key', 'secret')
    client.order_oco_sell(symbol='BNBBTC', quantity=1, price='0.002', stopPrice='0.0009',
                          stopLimitPrice='0.00089', stopLimitTimeInForce='GTC',
                          limitClientOrderId='tp', stopClientOrderId='sl')
    assert sent_path(adapter) == ('POST', '/api/v3/orderList/oco')
    assert sent_params(adapter) == {
        'symbol': 'BNBBTC', 'quantity': '1', 'side': 'SELL',
        'aboveType': 'LIMIT_MAKER', 'abovePrice': '0.002', 'aboveClientOrderId': 'tp',
        'belowType': 'STOP_LOSS_LIMIT', 'belowStopPrice': '0.0009', 'belowPrice': '0.00089',
        'belowTimeInForce': 'GTC', 'belowClientOrderId': 'sl'}


def test_oco_buy_puts_the_stop_above_and_the_limit_below():
    """order_oco_buy without stopLimitPrice: STOP_LOSS above, LIMIT_MAKER below."""
    client, adapter = offline_client('key', 'secret')
    client.order_oco_buy(symbol='BNBBTC', quantity=1, price='0.0009', stopPrice='0.002')
    params = sent_params(adapter)
    assert (params['aboveType'], params['aboveStopPrice']) == ('STOP_LOSS', '0.002')
    assert (params['belowType'], params['belowPrice']) == ('LIMIT_MAKER', '0.0009')
    assert 'abovePrice' not in params


def test_wallet_calls_accept_the_original_asset_name():
    """withdraw/get_deposit_address/histories rename asset= to today's coin=."""
    client, adapter = offline_client('key', 'secret')
    adapter.body = b'{"id": "w1"}'
    assert client.withdraw(asset='ETH', address='0xabc', amount=1.5) == {'id': 'w1'}
    assert sent_path(adapter) == ('POST', '/sapi/v1/capital/withdraw/apply')
    assert sent_params(adapter) == {'coin': 'ETH', 'address': '0xabc', 'amount': '1.5'}
    client.get_deposit_address(asset='BTC')
    assert sent_params(adapter) == {'coin': 'BTC'}
    client.get_withdraw_history(asset='BTC')
    client.get_deposit_history(coin='BTC', status=1)
    assert sent_path(adapter, -2) == ('GET', '/sapi/v1/capital/withdraw/history')
    assert sent_params(adapter) == {'coin': 'BTC', 'status': '1'}


def test_transfer_dust_repeats_the_asset_parameter():
    """transfer_dust(asset=['ETH', 'LTC']) sends asset=ETH&asset=LTC."""
    client, adapter = offline_client('key', 'secret')
    client.transfer_dust(asset=['ETH', 'LTC'])
    query = urlsplit(adapter.requests[-1].url).query
    assert query.startswith('asset=ETH&asset=LTC&timestamp=')


def test_ticker_type_is_full_or_mini_not_an_order_type():
    """get_ticker(type='MINI') is sent as is (type is checked as an order type on orders only)."""
    client, adapter = offline_client()
    client.get_ticker(symbol='BNBBTC', type='MINI')
    assert sent_path(adapter) == ('GET', '/api/v3/ticker/24hr')
    assert sent_params(adapter) == {'symbol': 'BNBBTC', 'type': 'MINI'}


@pytest.mark.parametrize('permissions, sent', [
    (['SPOT', 'MARGIN'], '["SPOT","MARGIN"]'),
    (('TRD_GRP_002',), '["TRD_GRP_002"]'),
    ('SPOT', 'SPOT'),
])
def test_exchange_info_permissions_are_one_json_parameter(permissions, sent):
    """permissions=[...] is sent once as a JSON array, as Binance reads it (not repeated)."""
    client, adapter = offline_client()
    client.get_exchange_info(permissions=permissions)
    assert parse_qsl(urlsplit(adapter.requests[-1].url).query) == [('permissions', sent)]


@pytest.mark.parametrize('window, sent', [(5000, '5000'), (5000.125, '5000.125'),
                                          (Decimal('59999.500'), '59999.5'), (0.5, '0.5')])
def test_recv_window_may_carry_microseconds(window, sent):
    """recvWindow takes up to three decimals (Binance reads microseconds) and is sent in plain form."""
    client, adapter = offline_client('key', 'secret')
    client.get_account(recvWindow=window)
    assert sent_params(adapter)['recvWindow'] == sent


@pytest.mark.parametrize('symbol', ['bnbbtc', '', 'BNB/BTC', 'X' * 21])
def test_symbol_info_of_a_string_that_is_no_symbol_is_none(symbol):
    """get_symbol_info('bnbbtc') returns None without a request, as python-binance 0.7 did."""
    client, adapter = offline_client()
    assert client.get_symbol_info(symbol) is None
    assert adapter.requests == []


def test_urllib3_debug_lines_do_not_show_the_signature(exchange, caplog):
    """urllib3's DEBUG request line of a signed GET shows signature=<redacted>, not the HMAC."""
    caplog.set_level(logging.DEBUG, logger='urllib3')
    client = exchange.client()
    client.get_account()
    signature = exchange.requests[-1].params['signature']
    lines = [r.getMessage() for r in caplog.records if r.name == 'urllib3.connectionpool']
    assert any('/api/v3/account?' in line and 'signature=<redacted>' in line for line in lines)
    assert signature not in caplog.text


# -- every method over HTTP against the local exchange -------------------------------


def _true_book(exchange, symbol):
    """The exchange's real book as (bids high->low, asks low->high) of Decimal pairs."""
    bids, asks = exchange.call(exchange.market.book, symbol)
    return sorted(bids.items(), reverse=True), sorted(asks.items())


def test_ping_server_time_and_system_status(exchange):
    """ping answers {}, get_server_time the server clock, get_system_status 'normal'."""
    client = exchange.client()
    before = int(time.time() * 1000)
    assert client.ping() == {}
    server_time = client.get_server_time()['serverTime']
    assert before - 1000 <= server_time <= int(time.time() * 1000) + 1000
    assert client.get_system_status() == {'status': 0, 'msg': 'normal'}
    assert client.used_weight is not None and client.used_weight > 0


def test_exchange_info_symbol_info_and_products(exchange):
    """Exchange info lists the symbols; get_symbol_info finds one or None; get_products outlines them."""
    client = exchange.client()
    info = client.get_exchange_info()
    names = {s['symbol'] for s in info['symbols']}
    assert {'BNBBTC', 'ETHBTC', 'BTCUSDT'} <= names
    bnb = client.get_symbol_info('BNBBTC')
    assert (bnb['symbol'], bnb['baseAsset'], bnb['quoteAsset']) == ('BNBBTC', 'BNB', 'BTC')
    assert any(f['filterType'] == 'LOT_SIZE' for f in bnb['filters'])
    assert client.get_symbol_info('XXXYYY') is None and client.get_symbol_info('bnbbtc') is None
    assert [s['symbol'] for s in client.get_exchange_info(permissions=['SPOT', 'MARGIN'])[
        'symbols']] == [s['symbol'] for s in info['symbols']]
    assert client.get_exchange_info(permissions='MARGIN')['symbols'] == []
    products = {p['symbol']: p for p in client.get_products()['data']}
    assert set(products) == names
    assert products['BNBBTC']['baseAsset'] == 'BNB' and products['BNBBTC']['active'] is True
    assert Decimal(products['BNBBTC']['tickSize']) == Decimal('0.000001')
    assert Decimal(products['BNBBTC']['minTrade']) == Decimal('0.001')


def test_order_book_is_the_exchange_book(exchange):
    """get_order_book(limit=5) returns the best five levels of the real book, in order."""
    client = exchange.client()
    depth = client.get_order_book(symbol='BNBBTC', limit=5)
    bids, asks = _true_book(exchange, 'BNBBTC')
    assert [(Decimal(p), Decimal(q)) for p, q in depth['bids']] == bids[:5]
    assert [(Decimal(p), Decimal(q)) for p, q in depth['asks']] == asks[:5]
    assert depth['lastUpdateId'] == exchange.call(exchange.market.update_id, 'BNBBTC')


def test_tickers_agree_with_each_other_and_the_book(exchange):
    """All-symbol tickers match the per-symbol ones; the book ticker is the top of the book."""
    client = exchange.client()
    prices = {t['symbol']: t['price'] for t in client.get_all_tickers()}
    assert prices['BNBBTC'] == client.get_symbol_ticker(symbol='BNBBTC')['price']
    books = {t['symbol']: t for t in client.get_orderbook_tickers()}
    single = client.get_orderbook_ticker(symbol='BNBBTC')
    assert books['BNBBTC'] == single
    bids, asks = _true_book(exchange, 'BNBBTC')
    assert (Decimal(single['bidPrice']), Decimal(single['askPrice'])) == (bids[0][0], asks[0][0])
    day = client.get_ticker(symbol='BNBBTC')
    assert day['symbol'] == 'BNBBTC' and Decimal(day['lastPrice']) == Decimal(prices['BNBBTC'])
    assert {t['symbol'] for t in client.get_ticker()} == set(prices)
    pair = client.get_ticker(symbols=['BNBBTC', 'ETHBTC'])
    assert sorted(t['symbol'] for t in pair) == ['BNBBTC', 'ETHBTC']
    mini = client.get_ticker(symbol='BNBBTC', type='MINI')
    assert mini['lastPrice'] == day['lastPrice'] and 'priceChange' not in mini
    avg = Decimal(client.get_avg_price(symbol='BNBBTC')['price'])
    assert bids[0][0] * Decimal('0.9') < avg < asks[0][0] * Decimal('1.1')


def test_recent_historical_and_aggregate_trades(exchange):
    """Recent trades are the newest, historical trades page from an id, agg trades carry AGG_* keys."""
    client = exchange.client()
    exchange.step(20)
    recent = client.get_recent_trades(symbol='BNBBTC', limit=10)
    ids = [t['id'] for t in recent]
    assert len(ids) == 10 and ids == list(range(ids[0], ids[0] + 10))
    older = client.get_historical_trades(symbol='BNBBTC', fromId=ids[0] - 5, limit=5)
    assert [t['id'] for t in older] == list(range(ids[0] - 5, ids[0]))
    assert exchange.requests[-1].headers['X-MBX-APIKEY'] == exchange.api_key
    keyless = Client()
    keyless.API_URL = exchange.api_url
    assert keyless.get_historical_trades(symbol='BNBBTC', fromId=ids[0], limit=2) == recent[:2]
    aggs = client.get_aggregate_trades(symbol='BNBBTC', limit=3)
    assert len(aggs) == 3
    for key in (Client.AGG_ID, Client.AGG_PRICE, Client.AGG_QUANTITY, Client.AGG_FIRST_TRADE_ID,
                Client.AGG_LAST_TRADE_ID, Client.AGG_TIME, Client.AGG_BUYER_MAKES):
        assert key in aggs[0]
    assert [a['a'] for a in aggs] == [aggs[0]['a'], aggs[0]['a'] + 1, aggs[0]['a'] + 2]


def test_klines_are_spaced_by_the_interval(exchange):
    """get_klines returns the asked number of candles, one interval apart, high >= low."""
    client = exchange.client()
    klines = client.get_klines(symbol='BNBBTC', interval=Client.KLINE_INTERVAL_5MINUTE, limit=4)
    assert len(klines) == 4
    assert [k[0] - klines[0][0] for k in klines] == [0, 300000, 600000, 900000]
    assert all(Decimal(k[2]) >= Decimal(k[3]) for k in klines)
    assert all(k[6] == k[0] + 300000 - 1 for k in klines)


def test_resting_limit_order_lifecycle(exchange):
    """A limit buy below the market rests: open orders and get_order show it, cancel removes it."""
    client = exchange.client()
    order = client.order_limit_buy(symbol='BNBBTC', quantity=2, price='0.005',
                                   newClientOrderId='mine-1')
    assert (order['status'], order['clientOrderId']) == ('NEW', 'mine-1')
    assert Decimal(client.get_asset_balance('BTC')['locked']) == Decimal('0.01')
    assert [o['orderId'] for o in client.get_open_orders(symbol='BNBBTC')] == [order['orderId']]
    assert [o['orderId'] for o in client.get_open_orders()] == [order['orderId']]
    fetched = client.get_order(symbol='BNBBTC', origClientOrderId='mine-1')
    assert (fetched['orderId'], fetched['status'], Decimal(fetched['price'])) == (
        order['orderId'], 'NEW', Decimal('0.005'))
    cancelled = client.cancel_order(symbol='BNBBTC', orderId=order['orderId'])
    assert cancelled['status'] == 'CANCELED'
    assert client.get_open_orders(symbol='BNBBTC') == []
    assert Decimal(client.get_asset_balance('BTC')['locked']) == 0
    history = client.get_all_orders(symbol='BNBBTC')
    assert [(o['orderId'], o['status']) for o in history] == [(order['orderId'], 'CANCELED')]


def test_market_orders_move_balances_and_show_in_my_trades(exchange):
    """A market buy then sell fill against the book; balances and my trades reflect the fills."""
    client = exchange.client()
    bnb = Decimal(client.get_asset_balance('BNB')['free'])
    btc = Decimal(client.get_asset_balance('btc')['free'])
    buy = client.order_market_buy(symbol='BNBBTC', quantity=3)
    assert buy['status'] == 'FILLED' and Decimal(buy['executedQty']) == 3
    fee = sum(Decimal(f['commission']) for f in buy['fills'])
    assert Decimal(client.get_asset_balance('BNB')['free']) == bnb + 3 - fee
    assert Decimal(client.get_asset_balance('BTC')['free']) == btc - Decimal(buy['cummulativeQuoteQty'])
    sell = client.order_market_sell(symbol='BNBBTC', quantity=1)
    assert sell['status'] == 'FILLED'
    trades = client.get_my_trades(symbol='BNBBTC')
    assert {t['orderId'] for t in trades} == {buy['orderId'], sell['orderId']}
    assert {t['id'] for t in trades} == {f['tradeId'] for f in buy['fills'] + sell['fills']}
    assert client.get_open_orders(symbol='BNBBTC') == []


def test_quote_quantity_market_order(exchange):
    """order_market_buy(quoteOrderQty=...) spends about that much of the quote asset."""
    client = exchange.client()
    buy = client.order_market_buy(symbol='BNBBTC', quoteOrderQty='0.01')
    spent = Decimal(buy['cummulativeQuoteQty'])
    assert buy['status'] == 'FILLED' and Decimal('0.0099') <= spent <= Decimal('0.01')


def test_test_order_is_checked_but_not_placed(exchange):
    """create_test_order answers {} and no order appears."""
    client = exchange.client()
    assert client.create_test_order(symbol='BNBBTC', side='BUY', type='LIMIT', timeInForce='GTC',
                                    quantity=1, price='0.005') == {}
    assert client.get_all_orders(symbol='BNBBTC') == []


def test_oco_sell_places_two_linked_orders(exchange):
    """order_oco_sell places a take-profit and a stop-limit leg; cancelling one cancels both."""
    client = exchange.client()
    bids, asks = _true_book(exchange, 'BNBBTC')
    assert bids[0][0] > Decimal('0.004') and asks[0][0] < Decimal('0.015')
    result = client.order_oco_sell(symbol='BNBBTC', quantity=1, price='0.015', stopPrice='0.004',
                                   stopLimitPrice='0.0039', stopLimitTimeInForce='GTC')
    assert result['contingencyType'] == 'OCO' and len(result['orders']) == 2
    open_orders = client.get_open_orders(symbol='BNBBTC')
    assert {o['type'] for o in open_orders} == {'LIMIT_MAKER', 'STOP_LOSS_LIMIT'}
    assert {o['orderListId'] for o in open_orders} == {result['orderListId']}
    client.cancel_order(symbol='BNBBTC', orderId=open_orders[0]['orderId'])
    assert client.get_open_orders(symbol='BNBBTC') == []


def test_create_order_and_limit_variants_rest_on_the_book(exchange):
    """create_order, order_limit and order_limit_sell place resting orders; order_market fills."""
    client = exchange.client()
    placed = [
        client.create_order(symbol='BNBBTC', side=Client.SIDE_SELL, type=Client.ORDER_TYPE_LIMIT,
                            timeInForce=Client.TIME_IN_FORCE_GTC, quantity='1.5', price='0.02'),
        client.order_limit(symbol='BNBBTC', side='SELL', quantity=1, price=0.021),
        client.order_limit_sell(symbol='BNBBTC', quantity=0.5, price='0.022',
                                newOrderRespType=Client.ORDER_RESP_TYPE_ACK),
    ]
    open_orders = {o['orderId']: o for o in client.get_open_orders(symbol='BNBBTC')}
    assert set(open_orders) == {o['orderId'] for o in placed}
    assert sorted((Decimal(o['price']), Decimal(o['origQty'])) for o in open_orders.values()) == [
        (Decimal('0.02'), Decimal('1.5')), (Decimal('0.021'), 1), (Decimal('0.022'), Decimal('0.5'))]
    assert Decimal(client.get_asset_balance('BNB')['locked']) == 3
    filled = client.order_market(symbol='BNBBTC', side='BUY', quantity=1)
    assert filled['status'] == 'FILLED' and filled['orderId'] not in open_orders


def test_oco_buy_in_both_parameter_forms(exchange):
    """order_oco_buy (original form) and create_oco_order (today's form) both place a linked pair."""
    client = exchange.client()
    first = client.order_oco_buy(symbol='BNBBTC', quantity=1, price='0.004', stopPrice='0.015',
                                 stopLimitPrice='0.0151', stopLimitTimeInForce='GTC')
    second = client.create_oco_order(symbol='BNBBTC', side='BUY', quantity=1,
                                     aboveType='STOP_LOSS', aboveStopPrice='0.016',
                                     belowType='LIMIT_MAKER', belowPrice='0.0041')
    open_orders = client.get_open_orders(symbol='BNBBTC')
    legs = sorted((o['orderListId'], o['type'], Decimal(o['price']), Decimal(o['stopPrice']))
                  for o in open_orders)
    assert legs == sorted([
        (first['orderListId'], 'LIMIT_MAKER', Decimal('0.004'), 0),
        (first['orderListId'], 'STOP_LOSS_LIMIT', Decimal('0.0151'), Decimal('0.015')),
        (second['orderListId'], 'LIMIT_MAKER', Decimal('0.0041'), 0),
        (second['orderListId'], 'STOP_LOSS', 0, Decimal('0.016'))])


def test_account_and_asset_balance(exchange):
    """get_account lists every balance; get_asset_balance finds one, or None for an unknown asset."""
    client = exchange.client()
    account = client.get_account()
    balances = {b['asset']: b for b in account['balances']}
    assert account['canTrade'] is True
    assert Decimal(balances['BTC']['free']) == 10
    assert client.get_asset_balance('BNB') == balances['BNB']
    assert client.get_asset_balance('DOGE') is None


def test_account_wallet_queries(exchange):
    """Account status, trade fee, asset details and deposit address come from /sapi/v1."""
    client = exchange.client()
    assert client.get_account_status() == {'data': 'Normal'}
    fee = client.get_trade_fee(symbol='BNBBTC')
    assert [f['symbol'] for f in fee] == ['BNBBTC'] and 'takerCommission' in fee[0]
    details = client.get_asset_details()
    assert {'BTC', 'BNB'} <= set(details) and 'withdrawFee' in details['BTC']
    address = client.get_deposit_address(coin='BTC')
    assert address['coin'] == 'BTC' and address['address']
    assert client.get_deposit_address(asset='BTC') == address
    assert [r.path for r in exchange.requests[-4:]] == [
        '/sapi/v1/asset/tradeFee', '/sapi/v1/asset/assetDetail',
        '/sapi/v1/capital/deposit/address', '/sapi/v1/capital/deposit/address']


def test_deposit_and_withdraw_histories(exchange):
    """A deposit shows in get_deposit_history; withdraw debits the balance and shows in history."""
    client = exchange.client()
    exchange.call(exchange.market.deposit, exchange.api_key, 'BTC', '0.25')
    deposits = client.get_deposit_history(coin='BTC')
    assert [Decimal(d['amount']) for d in deposits] == [Decimal('0.25')]
    result = client.withdraw(asset='BTC', address='local-address', amount='1.5')
    assert Decimal(client.get_asset_balance('BTC')['free']) == Decimal('8.75')
    withdrawals = client.get_withdraw_history(coin='BTC')
    assert [w['id'] for w in withdrawals] == [result['id']]
    assert client.get_withdraw_history(asset='ETH') == []


def test_dust_transfer_and_log(exchange):
    """transfer_dust converts small balances to BNB and get_dust_log records it."""
    exchange.call(exchange.market.add_account, 'dust-key', 'dust-secret',
                  {'ETH': '0.001', 'LTC': '0.01', 'BNB': '0'})
    client = exchange.client(api_key='dust-key', api_secret='dust-secret')
    result = client.transfer_dust(asset=['ETH', 'LTC'])
    assert {r['fromAsset'] for r in result['transferResult']} == {'ETH', 'LTC'}
    assert Decimal(client.get_asset_balance('ETH')['free']) == 0
    assert Decimal(client.get_asset_balance('BNB')['free']) == Decimal(result['totalTransfered']) > 0
    log = client.get_dust_log()
    assert log['total'] == 1
    assert log['userAssetDribblets'][0]['totalTransferedAmount'] == result['totalTransfered']


@pytest.mark.binance_exchange(listen_keys=True)
def test_listen_key_lifecycle(exchange):
    """stream_get_listen_key returns a key; keepalive and close accept it; a closed key is unknown."""
    client = exchange.client()
    key = client.stream_get_listen_key()
    assert isinstance(key, str) and len(key) >= 20
    assert client.stream_keepalive(key) == {}
    assert client.stream_close(listenKey=key) == {}
    with pytest.raises(BinanceAPIException) as info:
        client.stream_keepalive(key)
    assert info.value.code == -1125
