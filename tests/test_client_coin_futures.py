"""The Client's COIN-M futures methods (0.7.11's futures_coin_*) against the local
exchange's /dapi desk, over loopback."""
from decimal import Decimal

import pytest

from binance.client import Client
from binance.exceptions import BinanceAPIException, BinanceEndpointRetiredError
from tests.support import check_own_clock, check_path_and_shape, request_paths

#: the clock checks a signing client makes once, not part of the method
CLOCK = ('/api/v3/time', '/dapi/v1/time')
PERP = 'BTCUSD_PERP'


def paths(exchange):
    """Paths of the recorded requests besides the client's clock checks."""
    return request_paths(exchange, CLOCK)


#: Every futures_coin_* method of python-binance 0.7.11 (38).
COIN_0711 = [
    'futures_coin_ping', 'futures_coin_time', 'futures_coin_exchange_info',
    'futures_coin_order_book', 'futures_coin_recent_trades', 'futures_coin_historical_trades',
    'futures_coin_aggregate_trades', 'futures_coin_klines', 'futures_coin_continous_klines',
    'futures_coin_index_price_klines', 'futures_coin_mark_price_klines',
    'futures_coin_mark_price', 'futures_coin_funding_rate', 'futures_coin_ticker',
    'futures_coin_symbol_ticker', 'futures_coin_orderbook_ticker',
    'futures_coin_liquidation_orders', 'futures_coin_open_interest',
    'futures_coin_open_interest_hist', 'futures_coin_leverage_bracket',
    'futures_coin_create_order', 'futures_coin_get_order', 'futures_coin_get_open_orders',
    'futures_coin_get_all_orders', 'futures_coin_cancel_order',
    'futures_coin_cancel_all_open_orders', 'futures_coin_cancel_orders',
    'futures_coin_account_balance', 'futures_coin_account', 'futures_coin_change_leverage',
    'futures_coin_change_margin_type', 'futures_coin_change_position_margin',
    'futures_coin_position_margin_history', 'futures_coin_position_information',
    'futures_coin_account_trades', 'futures_coin_income_history',
    'futures_coin_change_position_mode', 'futures_coin_get_position_mode',
]

# method, keyword arguments, the path it must use today, a key of the answer
MARKET_CALLS = [
    ('futures_coin_ping', {}, '/dapi/v1/ping', None),
    ('futures_coin_time', {}, '/dapi/v1/time', 'serverTime'),
    ('futures_coin_exchange_info', {}, '/dapi/v1/exchangeInfo', 'symbols'),
    ('futures_coin_order_book', {'symbol': PERP, 'limit': 5}, '/dapi/v1/depth', 'lastUpdateId'),
    ('futures_coin_recent_trades', {'symbol': PERP, 'limit': 3}, '/dapi/v1/trades', 'baseQty'),
    ('futures_coin_historical_trades', {'symbol': PERP, 'limit': 3},
     '/dapi/v1/historicalTrades', 'baseQty'),
    ('futures_coin_aggregate_trades', {'symbol': PERP, 'limit': 3}, '/dapi/v1/aggTrades', 'a'),
    ('futures_coin_klines', {'symbol': PERP, 'interval': '1m', 'limit': 3}, '/dapi/v1/klines',
     0),
    ('futures_coin_continous_klines', {'pair': 'BTCUSD', 'contractType': 'PERPETUAL',
                                       'interval': '1h', 'limit': 2},
     '/dapi/v1/continuousKlines', 0),
    ('futures_coin_index_price_klines', {'pair': 'BTCUSD', 'interval': '1m', 'limit': 2},
     '/dapi/v1/indexPriceKlines', 0),
    ('futures_coin_mark_price_klines', {'symbol': PERP, 'interval': '1m', 'limit': 2},
     '/dapi/v1/markPriceKlines', 0),
    ('futures_coin_mark_price', {'symbol': PERP}, '/dapi/v1/premiumIndex', 'markPrice'),
    ('futures_coin_funding_rate', {'symbol': PERP, 'limit': 2}, '/dapi/v1/fundingRate',
     'fundingRate'),
    ('futures_coin_ticker', {'symbol': PERP}, '/dapi/v1/ticker/24hr', 'baseVolume'),
    ('futures_coin_symbol_ticker', {'pair': 'BTCUSD'}, '/dapi/v1/ticker/price', 'ps'),
    ('futures_coin_orderbook_ticker', {'symbol': PERP}, '/dapi/v1/ticker/bookTicker', 'pair'),
    ('futures_coin_open_interest', {'symbol': PERP}, '/dapi/v1/openInterest', 'contractType'),
    ('futures_coin_open_interest_hist', {'pair': 'BTCUSD', 'contractType': 'PERPETUAL',
                                         'period': '5m', 'limit': 2},
     '/futures/data/openInterestHist', 'sumOpenInterestValue'),
    ('futures_coin_leverage_bracket', {'symbol': PERP}, '/dapi/v2/leverageBracket', 'brackets'),
    ('futures_coin_account_balance', {}, '/dapi/v1/balance', 'withdrawAvailable'),
    ('futures_coin_account', {}, '/dapi/v1/account', 'assets'),
    ('futures_coin_position_information', {'pair': 'BTCUSD'}, '/dapi/v1/positionRisk', None),
    ('futures_coin_get_open_orders', {'symbol': PERP}, '/dapi/v1/openOrders', None),
    ('futures_coin_get_all_orders', {'symbol': PERP}, '/dapi/v1/allOrders', None),
    ('futures_coin_account_trades', {'symbol': PERP}, '/dapi/v1/userTrades', None),
    ('futures_coin_income_history', {}, '/dapi/v1/income', None),
    ('futures_coin_get_position_mode', {}, '/dapi/v1/positionSide/dual', 'dualSidePosition'),
    ('futures_coin_position_margin_history', {'symbol': PERP},
     '/dapi/v1/positionMargin/history', None),
    ('futures_coin_change_leverage', {'symbol': PERP, 'leverage': 7}, '/dapi/v1/leverage',
     'maxQty'),
]


def test_every_0711_coin_futures_method_exists():
    """A 0.7.11 script finds every one of the 38 COIN-M methods it called on Client."""
    assert len(COIN_0711) == 38
    assert [name for name in COIN_0711 if not callable(getattr(Client, name, None))] == []


@pytest.mark.parametrize('method, kwargs, path, key', MARKET_CALLS,
                         ids=[c[0] for c in MARKET_CALLS])
def test_method_uses_todays_path_and_gets_binances_shape(exchange, method, kwargs, path, key):
    """Each method reaches its current /dapi path and returns COIN-M's answer shape."""
    check_path_and_shape(exchange, exchange.client(), method, kwargs, path, key, CLOCK)


def test_exchange_info_lists_inverse_contracts(exchange):
    """exchangeInfo has the perpetuals and the quarter's delivery contract with
    contractSize (100 USD for BTCUSD, 10 for ETHUSD) and the coin as marginAsset."""
    info = exchange.client().futures_coin_exchange_info()
    rows = {s['symbol']: s for s in info['symbols']}
    assert rows['BTCUSD_PERP']['contractSize'] == 100 and rows['ETHUSD_PERP']['contractSize'] == 10
    assert rows['BTCUSD_PERP']['marginAsset'] == 'BTC' and rows['BTCUSD_PERP']['pair'] == 'BTCUSD'
    quarter = [s for s in rows.values() if s['contractType'] == 'CURRENT_QUARTER']
    assert len(quarter) == 1 and quarter[0]['symbol'].startswith('BTCUSD_')
    assert quarter[0]['deliveryDate'] < rows['BTCUSD_PERP']['deliveryDate']
    assert 'MIN_NOTIONAL' not in {f['filterType'] for f in rows['BTCUSD_PERP']['filters']}


def test_order_position_and_cancel_round_trip(exchange):
    """A market order opens a position in contracts with profit in BTC; a resting order is
    listed, cancelled by id and in a batch; reduceOnly closes; trades and income are in BTC."""
    client = exchange.client()
    order = client.futures_coin_create_order(symbol=PERP, side='BUY', type='MARKET',
                                             quantity=10)
    assert order['pair'] == 'BTCUSD' and 'cumBase' in order and 'cumQuote' not in order
    filled = client.futures_coin_get_order(symbol=PERP, orderId=order['orderId'])
    assert filled['status'] == 'FILLED' and filled['executedQty'] == '10'
    assert Decimal(filled['cumBase']) == pytest.approx(
        Decimal(1000) / Decimal(filled['avgPrice']), abs=Decimal('1e-8'))
    position = client.futures_coin_position_information(pair='BTCUSD')
    assert [(p['symbol'], p['positionAmt'], p['marginType']) for p in position] == \
        [(PERP, '10', 'cross')]
    price = Decimal(client.futures_coin_orderbook_ticker(symbol=PERP)[0]['bidPrice'])
    rests = [client.futures_coin_create_order(
        symbol=PERP, side='BUY', type='LIMIT', timeInForce='GTC', quantity=1,
        price=str((price * Decimal('0.97')).quantize(Decimal('0.1')))) for _ in range(3)]
    assert {o['orderId'] for o in client.futures_coin_get_open_orders(symbol=PERP)} == \
        {o['orderId'] for o in rests}
    assert client.futures_coin_cancel_order(symbol=PERP, orderId=rests[0]['orderId'])[
        'status'] == 'CANCELED'
    batch = client.futures_coin_cancel_orders(symbol=PERP, orderIdList=[rests[1]['orderId']])
    assert batch[0]['status'] == 'CANCELED'
    assert client.futures_coin_cancel_all_open_orders(symbol=PERP)['code'] == 200
    assert client.futures_coin_get_open_orders() == []
    client.futures_coin_create_order(symbol=PERP, side='SELL', type='MARKET', quantity=10,
                                     reduceOnly='true')
    assert client.futures_coin_position_information() == []
    trades = client.futures_coin_account_trades(symbol=PERP)
    assert {t['commissionAsset'] for t in trades} == {'BTC'}
    assert {i['asset'] for i in client.futures_coin_income_history()} == {'BTC'}
    assert len(client.futures_coin_get_all_orders(symbol=PERP)) == 5


def test_a_conditional_order_goes_to_the_algo_service(exchange):
    """STOP_MARKET is sent to POST /dapi/v1/algoOrder (stopPrice -> triggerPrice); it is
    found and cancelled by algoId; /dapi/v1/order itself refuses it with -4120."""
    client = exchange.client()
    client.futures_coin_create_order(symbol=PERP, side='BUY', type='MARKET', quantity=5)
    exchange.clear_requests()
    algo = client.futures_coin_create_order(symbol=PERP, side='SELL', type='STOP_MARKET',
                                            stopPrice='20000', quantity=5, reduceOnly='true')
    assert paths(exchange) == ['/dapi/v1/algoOrder']
    assert algo['algoStatus'] == 'NEW' and algo['triggerPrice'] == '20000.0'
    assert exchange.requests[-1].params['triggerPrice'] == '20000'
    assert client.futures_coin_get_order(algoId=algo['algoId'])['algoStatus'] == 'NEW'
    assert client.futures_coin_cancel_order(algoId=algo['algoId'])['code'] == '200'
    with pytest.raises(BinanceAPIException) as info:
        client.request('POST', '/dapi/v1/order', signed=True, symbol=PERP, side='SELL',
                       type='STOP_MARKET', stopPrice='20000', quantity=5)
    assert info.value.code == -4120


def test_settings_leverage_margin_type_position_mode_and_margin(exchange):
    """Leverage answers maxQty in contracts; ISOLATED allows adding margin in BTC (in the
    history); hedge mode is switched and read back."""
    client = exchange.client()
    assert client.futures_coin_change_leverage(symbol=PERP, leverage=10)['leverage'] == 10
    assert client.futures_coin_change_margin_type(symbol=PERP, marginType='ISOLATED')[
        'code'] == 200
    client.futures_coin_create_order(symbol=PERP, side='BUY', type='MARKET', quantity=3)
    added = client.futures_coin_change_position_margin(symbol=PERP, amount='0.01', type=1)
    assert added['code'] == 200
    history = client.futures_coin_position_margin_history(symbol=PERP)
    assert [(h['asset'], h['amount']) for h in history] == [('BTC', '0.01000000')]
    risk = client.futures_coin_position_information()[0]
    assert risk['marginType'] == 'isolated' and risk['leverage'] == '10'
    entry = Decimal(risk['entryPrice'])
    assert Decimal(risk['liquidationPrice']).quantize(Decimal('0.01')) == \
        (entry * Decimal('1.004') / Decimal('1.1')).quantize(Decimal('0.01'))
    client.futures_coin_create_order(symbol=PERP, side='SELL', type='MARKET', quantity=3,
                                     reduceOnly='true')
    assert client.futures_coin_change_position_mode(dualSidePosition=True)['code'] == 200
    assert client.futures_coin_get_position_mode() == {'dualSidePosition': True}
    long_ = client.futures_coin_create_order(symbol='ETHUSD_PERP', side='BUY', type='MARKET',
                                             quantity=2, positionSide='LONG')
    assert long_['positionSide'] == 'LONG'
    sides = {p['positionSide'] for p in client.futures_coin_position_information()}
    assert sides == {'LONG'}


def test_balances_and_account_are_in_coins(exchange):
    """The COIN-M wallet holds BTC and ETH; account assets are per coin with no USD totals."""
    client = exchange.client()
    balances = {b['asset']: b for b in client.futures_coin_account_balance()}
    assert set(balances) == {'BTC', 'ETH'} and balances['BTC']['balance'] == '10.00000000'
    account = client.futures_coin_account()
    assert {a['asset'] for a in account['assets']} == {'BTC', 'ETH'}
    assert 'totalWalletBalance' not in account and account['canTrade'] is True


def test_listen_key_lifecycle(exchange):
    """POST, PUT and DELETE /dapi/v1/listenKey (python-binance 1.0's method names)."""
    client = exchange.client()
    key = client.futures_coin_stream_get_listen_key()
    assert client.futures_coin_stream_get_listen_key() == key
    assert client.futures_coin_stream_keepalive(key) == {'listenKey': key}
    assert client.futures_coin_stream_close(key) == {}
    assert [r.path for r in exchange.requests][-1] == '/dapi/v1/listenKey'


def test_retired_liquidation_orders_raise_before_any_request(exchange):
    """futures_coin_liquidation_orders names GET /dapi/v1/allForceOrders and its replacement;
    the local exchange does not serve the retired path (404, as Binance)."""
    client = exchange.client()
    exchange.clear_requests()
    with pytest.raises(BinanceEndpointRetiredError) as info:
        client.futures_coin_liquidation_orders(symbol=PERP)
    assert 'allForceOrders' in str(info.value) and 'forceOrder' in info.value.replacement
    assert exchange.requests == []
    with pytest.raises(BinanceAPIException) as refused:
        client.request('GET', '/dapi/v1/allForceOrders')
    assert refused.value.status_code == 404


@pytest.mark.parametrize('call, error', [
    (lambda c: c.futures_coin_order_book(), TypeError),
    (lambda c: c.futures_coin_order_book(symbol=PERP, limit=7), ValueError),
    (lambda c: c.futures_coin_create_order(symbol=PERP, side='BUY', type='LIMIT', quantity=1),
     TypeError),
    (lambda c: c.futures_coin_create_order(symbol=PERP, side='UP', type='MARKET', quantity=1),
     ValueError),
    (lambda c: c.futures_coin_create_order(symbol=PERP, side='BUY', type='LIMIT', quantity=1,
                                           price='1', timeInForce='GTD'), ValueError),
    (lambda c: c.futures_coin_continous_klines(pair='BTCUSD', contractType='WEEKLY',
                                               interval='1m'), ValueError),
    (lambda c: c.futures_coin_open_interest_hist(pair='BTCUSD', contractType='ALL',
                                                 period='3m'), ValueError),
    (lambda c: c.futures_coin_change_leverage(symbol=PERP, leverage=200), ValueError),
    (lambda c: c.futures_coin_get_all_orders(), TypeError),
    (lambda c: c.futures_coin_mark_price(symbol='btcusd_perp'), ValueError),
    (lambda c: c.futures_coin_klines(symbol=PERP, interval='1m', wrong=1), TypeError),
], ids=['no-symbol', 'limit', 'limit-order-no-price', 'side', 'gtd', 'contract-type', 'period',
        'leverage', 'all-orders-no-symbol', 'lower-case', 'unknown-param'])
def test_bad_arguments_fail_before_any_request(exchange, call, error):
    """Wrong or missing arguments raise with the valid values, and nothing is sent."""
    client = exchange.client()
    exchange.clear_requests()
    with pytest.raises(error):
        call(client)
    assert exchange.requests == []


def test_coin_futures_urls_follow_testnet_tld_demo_and_install(exchange):
    """FUTURES_COIN_URL (0.7.11's name) is Binance's dapi host, testnet, demo or tld; inside
    install() a plain Client reaches the local exchange."""
    assert Client().FUTURES_COIN_URL == 'https://dapi.binance.com/dapi'
    assert Client(testnet=True).FUTURES_COIN_URL == 'https://testnet.binancefuture.com/dapi'
    assert Client(demo=True).FUTURES_COIN_URL == 'https://demo-dapi.binance.com/dapi'
    assert Client(tld='us').FUTURES_COIN_URL == 'https://dapi.binance.us/dapi'
    assert Client().FUTURES_COIN_DATA_URL == 'https://dapi.binance.com/futures/data'
    with exchange.install():
        assert Client().FUTURES_COIN_URL == exchange.coin_futures_api_url
        assert Client(testnet=True).futures_coin_ping() == {}
    assert Client.FUTURES_COIN_URL == 'https://dapi.binance.com/dapi'


@pytest.mark.parametrize('offset', [-40.0, 25.0], ids=['server-behind', 'server-ahead'])
def test_signed_coin_calls_measure_the_coin_futures_server_time(exchange, offset):
    """A signed /dapi call measures its clock with GET /dapi/v1/time, not the spot one."""
    check_own_clock(exchange, offset, lambda c: c.futures_coin_get_open_orders(symbol=PERP),
                    ['/dapi/v1/time', '/dapi/v1/openOrders'],
                    lambda c: c.coin_futures_server_clock)


def test_weights_are_binances(exchange):
    """The local exchange counts COIN-M's weights: depth by limit, account 5, ticker 40
    without a symbol."""
    client = exchange.client()
    client.coin_futures_server_clock.sync()    # the clock check is a request of its own
    for call, weight in ((lambda: client.futures_coin_order_book(symbol=PERP, limit=1000), 20),
                         (lambda: client.futures_coin_account(), 5),
                         (lambda: client.futures_coin_ticker(), 40),
                         (lambda: client.futures_coin_ticker(symbol=PERP), 1)):
        before = client.used_weight or 0
        call()
        assert client.used_weight - before == weight


@pytest.mark.parametrize('page', ['docs/coin_futures.rst', 'docs/ja/coin_futures.rst'])
def test_the_docs_table_names_every_method_and_its_endpoint(page):
    """The COIN-M page (EN, JA) lists each of the 38 0.7.11 methods with the path it calls."""
    from pathlib import Path
    from binance._client_coin_futures import coin_futures_method_table
    text = (Path(__file__).resolve().parent.parent / page).read_text(encoding='utf-8')
    rows = {line.split('``')[1]: line for line in text.splitlines()
            if line.startswith('``futures_coin_') and line.count('``') >= 4}
    for method in COIN_0711:
        assert method in rows, method
    for method, endpoint in coin_futures_method_table():
        if method in COIN_0711 and endpoint:
            assert endpoint.split(' (')[0] in rows[method], method


def test_coin_m_refuses_what_binance_refuses(exchange):
    """COIN-M has no GTD orders and no goodTillDate (-1115, -1104), as Binance answers."""
    from binance._client_params import Checked   # past the client's own check, to the server
    client = exchange.client()
    with pytest.raises(BinanceAPIException) as info:
        client.request('POST', '/dapi/v1/order', signed=True, symbol=PERP, side='BUY',
                       type='LIMIT', timeInForce=Checked('GTD'), quantity=1, price='10000')
    assert info.value.code == -1115
    with pytest.raises(BinanceAPIException) as info:
        client.request('POST', '/dapi/v1/order', signed=True, symbol=PERP, side='BUY',
                       type='LIMIT', timeInForce='GTC', quantity=1, price='10000',
                       goodTillDate=1)
    assert info.value.code == -1104


def test_kline_volumes_are_in_contracts_and_coins(exchange):
    """A COIN-M kline's volume is in contracts and its field 7 (base asset volume) in BTC:
    between volume x 100 / high and volume x 100 / low."""
    rows = exchange.client().futures_coin_klines(symbol=PERP, interval='1h', limit=5)
    traded = [r for r in rows if Decimal(r[5])]
    assert traded
    for r in traded:
        contracts, coins = Decimal(r[5]), Decimal(r[7])
        assert contracts * 100 / Decimal(r[2]) - Decimal('1e-8') <= coins <= \
            contracts * 100 / Decimal(r[3]) + Decimal('1e-8')
        assert Decimal(r[10]) <= coins


def test_the_position_mode_is_one_setting_of_usd_m_and_coin_m(exchange):
    """Since 2026-06-30 flipping dualSidePosition on /dapi flips USD-M too (and back), and a
    USD-M position refuses the change on /dapi with -4068."""
    client = exchange.client()
    client.futures_coin_change_position_mode(dualSidePosition=True)
    assert client.futures_get_position_mode() == {'dualSidePosition': True}
    client.futures_change_position_mode(dualSidePosition=False)
    assert client.futures_coin_get_position_mode() == {'dualSidePosition': False}
    client.futures_create_order(symbol='BTCUSDT', side='BUY', type='MARKET', quantity=0.01)
    with pytest.raises(BinanceAPIException) as info:
        client.futures_coin_change_position_mode(dualSidePosition=True)
    assert info.value.code == -4068
    assert client.futures_coin_get_position_mode() == {'dualSidePosition': False}


def test_position_information_takes_a_symbol_as_scripts_pass_it(exchange):
    """futures_coin_position_information(symbol=...) asks for the pair (the endpoint takes no
    symbol) and keeps that symbol's rows only."""
    client = exchange.client()
    client.futures_coin_create_order(symbol=PERP, side='BUY', type='MARKET', quantity=1)
    client.futures_coin_create_order(symbol='ETHUSD_PERP', side='BUY', type='MARKET', quantity=1)
    exchange.clear_requests()
    rows = client.futures_coin_position_information(symbol=PERP)
    assert [r['symbol'] for r in rows] == [PERP]
    sent = [r for r in exchange.requests if r.path == '/dapi/v1/positionRisk'][0]
    assert sent.params['pair'] == 'BTCUSD' and 'symbol' not in sent.params
