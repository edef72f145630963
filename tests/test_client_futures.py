"""The Client's USD-M futures methods against the local exchange's /fapi, over loopback."""
import pytest

from binance.client import Client
from binance.exceptions import BinanceAPIException, BinanceEndpointRetiredError
from tests.support import check_own_clock, check_path_and_shape, request_paths

#: the clock checks a signing client makes once (spot and futures), not part of the method
CLOCK = ('/api/v3/time', '/fapi/v1/time')


def paths(exchange):
    """Paths of the recorded requests besides the client's clock checks."""
    return request_paths(exchange, CLOCK)


#: Every futures_* method of python-binance 0.7.11 (USD-M), plus transfer_history.
FUTURES_0711 = [
    'futures_ping', 'futures_time', 'futures_exchange_info', 'futures_order_book',
    'futures_recent_trades', 'futures_historical_trades', 'futures_aggregate_trades',
    'futures_klines', 'futures_continous_klines', 'futures_historical_klines',
    'futures_historical_klines_generator', 'futures_mark_price', 'futures_funding_rate',
    'futures_ticker', 'futures_symbol_ticker', 'futures_orderbook_ticker',
    'futures_liquidation_orders', 'futures_open_interest', 'futures_open_interest_hist',
    'futures_leverage_bracket', 'futures_account_transfer', 'transfer_history',
    'futures_create_order', 'futures_get_order', 'futures_get_open_orders',
    'futures_get_all_orders', 'futures_cancel_order', 'futures_cancel_all_open_orders',
    'futures_cancel_orders', 'futures_account_balance', 'futures_account',
    'futures_change_leverage', 'futures_change_margin_type', 'futures_change_position_margin',
    'futures_position_margin_history', 'futures_position_information',
    'futures_account_trades', 'futures_income_history', 'futures_change_position_mode',
    'futures_get_position_mode',
]

# method, keyword arguments, the path it must use today, a key of the answer
MARKET_CALLS = [
    ('futures_ping', {}, '/fapi/v1/ping', None),
    ('futures_time', {}, '/fapi/v1/time', 'serverTime'),
    ('futures_exchange_info', {}, '/fapi/v1/exchangeInfo', 'symbols'),
    ('futures_order_book', {'symbol': 'BTCUSDT', 'limit': 5}, '/fapi/v1/depth', 'lastUpdateId'),
    ('futures_recent_trades', {'symbol': 'BTCUSDT', 'limit': 3}, '/fapi/v1/trades', 0),
    ('futures_historical_trades', {'symbol': 'BTCUSDT', 'limit': 3},
     '/fapi/v1/historicalTrades', 0),
    ('futures_aggregate_trades', {'symbol': 'BTCUSDT', 'limit': 3}, '/fapi/v1/aggTrades', 0),
    ('futures_klines', {'symbol': 'BTCUSDT', 'interval': '1m', 'limit': 3}, '/fapi/v1/klines', 0),
    ('futures_continous_klines', {'pair': 'BTCUSDT', 'contractType': 'PERPETUAL',
                                  'interval': '1h', 'limit': 2}, '/fapi/v1/continuousKlines', 0),
    ('futures_mark_price', {'symbol': 'BTCUSDT'}, '/fapi/v1/premiumIndex', 'markPrice'),
    ('futures_funding_rate', {'symbol': 'BTCUSDT', 'limit': 2}, '/fapi/v1/fundingRate', 0),
    ('futures_ticker', {'symbol': 'BTCUSDT'}, '/fapi/v1/ticker/24hr', 'lastPrice'),
    ('futures_symbol_ticker', {'symbol': 'BTCUSDT'}, '/fapi/v2/ticker/price', 'price'),
    ('futures_orderbook_ticker', {'symbol': 'BTCUSDT'}, '/fapi/v1/ticker/bookTicker',
     'bidPrice'),
    ('futures_open_interest', {'symbol': 'BTCUSDT'}, '/fapi/v1/openInterest', 'openInterest'),
    ('futures_open_interest_hist', {'symbol': 'BTCUSDT', 'period': '5m', 'limit': 2},
     '/futures/data/openInterestHist', 0),
    ('futures_leverage_bracket', {'symbol': 'BTCUSDT'}, '/fapi/v1/leverageBracket', 'brackets'),
    ('futures_account_balance', {}, '/fapi/v3/balance', 0),
    ('futures_account', {}, '/fapi/v3/account', 'availableBalance'),
    ('futures_position_information', {}, '/fapi/v3/positionRisk', None),
    ('futures_get_open_orders', {'symbol': 'BTCUSDT'}, '/fapi/v1/openOrders', None),
    ('futures_get_all_orders', {'symbol': 'BTCUSDT'}, '/fapi/v1/allOrders', None),
    ('futures_account_trades', {'symbol': 'BTCUSDT'}, '/fapi/v1/userTrades', None),
    ('futures_income_history', {}, '/fapi/v1/income', None),
    ('futures_get_position_mode', {}, '/fapi/v1/positionSide/dual', 'dualSidePosition'),
    ('futures_position_margin_history', {'symbol': 'BTCUSDT'},
     '/fapi/v1/positionMargin/history', None),
    ('futures_change_leverage', {'symbol': 'BTCUSDT', 'leverage': 7}, '/fapi/v1/leverage',
     'leverage'),
]


def test_every_0711_futures_method_exists():
    """A 0.7.11 script finds every USD-M futures method it called on Client."""
    assert [name for name in FUTURES_0711 if not callable(getattr(Client, name, None))] == []


@pytest.mark.parametrize('method, kwargs, path, key', MARKET_CALLS, ids=[c[0] for c in MARKET_CALLS])
def test_method_uses_todays_path_and_gets_binances_shape(exchange, method, kwargs, path, key):
    """Each method reaches its current /fapi path and returns Binance's answer shape."""
    check_path_and_shape(exchange, exchange.client(), method, kwargs, path, key, CLOCK)


def test_signed_futures_requests_carry_key_and_signature(exchange):
    """Account calls are signed like spot ones: API key header, timestamp and signature."""
    client = exchange.client()
    exchange.clear_requests()
    client.futures_account()
    request = [r for r in exchange.requests if r.path not in CLOCK][0]
    assert request.headers['X-MBX-APIKEY'] == exchange.api_key
    assert 'timestamp' in request.params and 'signature' in request.params


def test_a_wrong_secret_is_refused_with_binances_code(exchange):
    """A signature made with another secret is answered -1022 on /fapi too."""
    client = exchange.client(api_secret='not-the-secret')
    with pytest.raises(BinanceAPIException) as info:
        client.futures_account_balance()
    assert info.value.code == -1022


def test_order_position_cancel_round_trip(exchange):
    """An order opens a position, a resting order is listed and cancelled, reduceOnly closes."""
    client = exchange.client()
    order = client.futures_create_order(symbol='BTCUSDT', side='BUY', type='MARKET',
                                        quantity='0.01')
    # Binance's default newOrderRespType is ACK: nothing executed yet in the answer
    assert (order['status'], order['executedQty'], order['avgPrice']) == ('NEW', '0', '0.00000')
    assert order['positionSide'] == 'BOTH'
    position = client.futures_position_information(symbol='BTCUSDT')[0]
    assert position['positionAmt'] == '0.010'   # quantityPrecision 3, as Binance writes it
    mark = float(client.futures_mark_price(symbol='BTCUSDT')['markPrice'])
    resting = client.futures_create_order(symbol='BTCUSDT', side='SELL', type='LIMIT',
                                          timeInForce='GTX', quantity='0.01',
                                          price='{:.1f}'.format(mark * 1.02))
    assert client.futures_get_order(symbol='BTCUSDT', orderId=resting['orderId'])['status'] == 'NEW'
    assert [o['orderId'] for o in client.futures_get_open_orders(symbol='BTCUSDT')] == \
        [resting['orderId']]
    assert client.futures_cancel_order(symbol='BTCUSDT',
                                       orderId=resting['orderId'])['status'] == 'CANCELED'
    answers = client.futures_cancel_orders(symbol='BTCUSDT', orderIdList=[resting['orderId']])
    assert answers == [{'code': -2011, 'msg': 'Unknown order sent.'}]
    assert client.futures_cancel_all_open_orders(symbol='BTCUSDT')['code'] == 200
    client.futures_create_order(symbol='BTCUSDT', side='SELL', type='MARKET', quantity='0.01',
                                reduceOnly='true')
    assert client.futures_position_information(symbol='BTCUSDT') == []
    trades = client.futures_account_trades(symbol='BTCUSDT')
    assert sum(float(t['qty']) for t in trades if t['side'] == 'SELL') == pytest.approx(0.01)
    kinds = {i['incomeType'] for i in client.futures_income_history(symbol='BTCUSDT')}
    assert 'COMMISSION' in kinds


def test_settings_margin_type_position_mode_and_margin(exchange):
    """Margin type, isolated margin and position mode change as Binance allows."""
    client = exchange.client()
    assert client.futures_change_margin_type(symbol='ETHUSDT', marginType='ISOLATED')['code'] == 200
    with pytest.raises(BinanceAPIException) as info:
        client.futures_change_margin_type(symbol='ETHUSDT', marginType='ISOLATED')
    assert info.value.code == -4046
    client.futures_create_order(symbol='ETHUSDT', side='BUY', type='MARKET', quantity='0.1')
    assert client.futures_change_position_margin(symbol='ETHUSDT', amount=5, type=1)['code'] == 200
    assert client.futures_position_margin_history(symbol='ETHUSDT')[0]['amount'] == '5.00000000'
    with pytest.raises(BinanceAPIException) as info:
        client.futures_change_position_mode(dualSidePosition=True)
    assert info.value.code == -4068      # a position is open
    client.futures_create_order(symbol='ETHUSDT', side='SELL', type='MARKET', quantity='0.1',
                                reduceOnly=True)
    assert client.futures_change_position_mode(dualSidePosition=True)['code'] == 200
    assert client.futures_get_position_mode() == {'dualSidePosition': True}
    with pytest.raises(BinanceAPIException) as info:   # BOTH is one-way mode only
        client.futures_create_order(symbol='ETHUSDT', side='BUY', type='MARKET', quantity='0.1')
    assert info.value.code == -4061
    client.futures_change_position_mode(dualSidePosition=False)


@pytest.mark.parametrize('kwargs, code', [
    ({'quantity': '10000'}, -2019),
    ({'quantity': '0.01', 'reduceOnly': True}, -2022),
    ({'symbol': 'BTCUSDT', 'quantity': '0.001'}, -4164),
    ({'quantity': '0.001'}, -4004),
    ({'quantity': '0.015'}, -4023),
    ({'type': 'LIMIT', 'timeInForce': 'GTC', 'quantity': '1', 'price': '600.005'}, -4014),
], ids=['margin', 'reduce-only', 'notional', 'lot-size-min', 'lot-size-step', 'tick-size'])
def test_refused_orders_keep_binances_codes(exchange, kwargs, code):
    """Orders Binance refuses raise BinanceAPIException with Binance's USD-M code
    (futures' own filters, not the spot engine's -1013)."""
    client = exchange.client()
    args = dict({'symbol': 'BNBUSDT', 'side': 'BUY', 'type': 'MARKET'}, **kwargs)
    with pytest.raises(BinanceAPIException) as info:
        client.futures_create_order(**args)
    assert info.value.code == code


def test_transfers_between_spot_and_futures(exchange):
    """futures_account_transfer moves USDT to the futures wallet; transfer_history lists it."""
    client = exchange.client()
    before = float(client.futures_account_balance()[0]['balance'])
    assert 'tranId' in client.futures_account_transfer(asset='USDT', amount='12', type=1)
    assert float(client.futures_account_balance()[0]['balance']) == pytest.approx(before + 12)
    assert client.transfer_history(asset='USDT', startTime=0)['total'] >= 1


def test_historical_klines_page_through_the_range(exchange):
    """futures_historical_klines pages like the spot one: each open time once, in order."""
    client = exchange.client()
    exchange.clear_requests()
    klines = client.futures_historical_klines('BTCUSDT', '1h', '1 day ago UTC', limit=5)
    opens = [k[0] for k in klines]
    assert len(opens) >= 23 and opens == sorted(set(opens))
    assert all(b - a == 3600000 for a, b in zip(opens, opens[1:]))
    assert sum(r.path == '/fapi/v1/klines' for r in exchange.requests) >= 5
    generated = list(client.futures_historical_klines_generator('BTCUSDT', '1h', opens[0],
                                                                opens[3]))
    assert [k[0] for k in generated] == opens[:4]


def test_listen_key_lifecycle(exchange):
    """futures_stream_* create, extend and close the account's key; a closed key is -1125."""
    client = exchange.client()
    key = client.futures_stream_get_listen_key()
    assert client.futures_stream_get_listen_key() == key      # the account's active key
    assert client.futures_stream_keepalive(key) == {'listenKey': key}
    assert client.futures_stream_close(key) == {}
    with pytest.raises(BinanceAPIException) as info:
        client.futures_stream_keepalive(key)
    assert info.value.code == -1125


def test_retired_endpoints_raise_before_any_request(exchange):
    """futures_liquidation_orders raises naming the replacement, sending nothing."""
    client = exchange.client()
    exchange.clear_requests()
    with pytest.raises(BinanceEndpointRetiredError) as info:
        client.futures_liquidation_orders(symbol='BTCUSDT')
    assert 'forceOrder' in str(info.value) and isinstance(info.value, NotImplementedError)
    assert exchange.requests == []


def test_the_retired_v1_paths_are_gone_on_the_local_exchange(exchange):
    """/fapi/v1/account and ticker/openInterest answer 404 there, as on Binance."""
    client = exchange.client()
    for path in ('v1/account', 'v1/ticker/openInterest'):
        with pytest.raises(BinanceAPIException) as info:
            client._fapi('GET', path, signed=path == 'v1/account')
        assert info.value.status_code == 404


@pytest.mark.parametrize('call, error', [
    (lambda c: c.futures_order_book(), TypeError),
    (lambda c: c.futures_order_book(symbol='BTCUSDT', limit=7), ValueError),
    (lambda c: c.futures_klines(symbol='BTCUSDT', interval='7m'), ValueError),
    (lambda c: c.futures_klines(symbol='BTCUSDT', interval='1m', limit=1501), ValueError),
    (lambda c: c.futures_create_order(symbol='BTCUSDT', side='BUY', type='LIMIT',
                                      quantity=1), TypeError),
    (lambda c: c.futures_create_order(symbol='BTCUSDT', side='BUY', type='OCO',
                                      quantity=1), ValueError),
    (lambda c: c.futures_create_order(symbol='BTCUSDT', side='BUY', type='LIMIT', quantity=1,
                                      price=1, timeInForce='DAY'), ValueError),
    (lambda c: c.futures_change_leverage(symbol='BTCUSDT', leverage=126), ValueError),
    (lambda c: c.futures_change_margin_type(symbol='BTCUSDT', marginType='cross'), ValueError),
    (lambda c: c.futures_change_position_mode(dualSidePosition='yes'), ValueError),
    (lambda c: c.futures_cancel_orders(symbol='BTCUSDT', orderIdList=list(range(11))),
     ValueError),
    (lambda c: c.futures_open_interest_hist(symbol='BTCUSDT', period='3m'), ValueError),
    (lambda c: c.futures_historical_klines('btcusdt', '1h', '1 day ago UTC'), ValueError),
], ids=lambda v: '' if callable(v) else v.__name__)
def test_bad_arguments_fail_before_any_request(exchange, call, error):
    """Misuse raises ValueError/TypeError naming the problem, and nothing is sent."""
    client = exchange.client()
    exchange.clear_requests()
    with pytest.raises(error):
        call(client)
    assert exchange.requests == []


def test_futures_urls_follow_testnet_tld_and_install(exchange):
    """testnet=True uses the futures testnet host; install() points FUTURES_URL here."""
    assert Client(testnet=True).FUTURES_URL == 'https://testnet.binancefuture.com/fapi'
    assert Client().FUTURES_URL == 'https://fapi.binance.com/fapi'
    with exchange.install():
        assert Client().FUTURES_URL == exchange.futures_api_url
        assert Client(testnet=True).futures_ping() == {}
    assert Client.FUTURES_URL == 'https://fapi.binance.com/fapi'


@pytest.mark.parametrize('offset', [-40.0, 25.0], ids=['server-behind', 'server-ahead'])
def test_signed_futures_calls_measure_the_futures_server_time(exchange, offset):
    """A signed /fapi call measures its clock with GET /fapi/v1/time, never the spot /api/v3/time."""
    check_own_clock(exchange, offset, lambda c: c.futures_get_open_orders(symbol='BTCUSDT'),
                    ['/fapi/v1/time', '/fapi/v1/openOrders'], lambda c: c.futures_server_clock)


def test_futures_clock_works_where_the_spot_api_is_unreachable(exchange):
    """A futures-only client (spot API_URL unreachable) still signs with the futures server's time."""
    exchange.clock_offset = -30.0
    client = exchange.client()
    client.API_URL = 'http://127.0.0.1:9/api'      # nothing listens on the discard port
    assert client.futures_account_balance()[0]['asset']
    assert all(r.path.startswith('/fapi/') for r in exchange.requests)


#: 0.7.11 methods this package lacks, one of each kind (options, savings)
NOT_PROVIDED = [
    ('options_klines', 'vanilla options', "client.request('GET', '/eapi/v1/exchangeInfo')"),
    ('get_lending_position', 'Savings', "client.request('GET', '/sapi/v1/simple-earn/"),
]


@pytest.mark.parametrize('name, reason, replacement', NOT_PROVIDED,
                         ids=[n[0] for n in NOT_PROVIDED])
def test_a_0711_method_this_package_lacks_says_why_and_what_instead(exchange, name, reason,
                                                                    replacement):
    """A 0.7.11 Client method that is not here raises BinanceNotProvidedError (an
    AttributeError) naming the reason and the replacement, before any request."""
    from binance.exceptions import BinanceNotProvidedError
    client = exchange.client()
    exchange.clear_requests()
    with pytest.raises(BinanceNotProvidedError) as info:
        getattr(client, name)
    assert isinstance(info.value, AttributeError) and not hasattr(client, name)
    assert name in str(info.value) and reason in str(info.value)
    assert replacement in info.value.replacement
    assert exchange.requests == []
    with pytest.raises(AttributeError, match="no attribute 'no_such_method'"):
        client.no_such_method


@pytest.mark.parametrize('name, replacement', [
    ('start_options_depth_socket', 'eapi.binance.com'),
    ('start_book_ticker_socket', 'start_symbol_book_ticker_socket'),
])
def test_a_0711_socket_method_this_package_lacks_names_the_replacement(name, replacement):
    """0.7.11's options sockets and the retired all-market !bookTicker socket raise
    BinanceNotProvidedError naming what to use instead."""
    from binance.exceptions import BinanceNotProvidedError
    from binance.websockets import BinanceSocketManager
    bm = BinanceSocketManager(Client())
    with pytest.raises(BinanceNotProvidedError, match=replacement):
        getattr(bm, name)
    assert not hasattr(bm, 'start_no_such_socket')
