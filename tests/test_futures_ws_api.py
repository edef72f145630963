"""bm.futures_ws_api against the local exchange's futures WebSocket API (/ws-fapi/v1)."""
import json
import logging
import queue
from decimal import Decimal

import pytest

from binance import _reactor
from binance.client import Client
from binance.exceptions import BinanceWebSocketAPIException, BinanceWebSocketRateLimitException
from binance.testing.streams_wsapi import fail_next
from binance.websockets import BinanceSocketManager
from tests.support import keyed_client, local_manager, wait_until

PASSWORD = 'futures-ws-pass'


@pytest.fixture(scope='module')
def ex(module_exchange):
    return module_exchange


@pytest.fixture
def managers(ex):
    made = []

    def make(client=None):
        bm = local_manager(ex) if client is None else BinanceSocketManager(client)
        bm.FSTREAM_URL, bm.FUTURES_WS_API_URL = ex.fstream_url, ex.futures_ws_api_url
        bm.STREAM_URL, bm.WS_API_URL = ex.stream_url, ex.ws_api_url
        made.append(bm)
        return bm

    yield make
    for bm in made:
        bm.close()


def _client(ex, kind, ed_pair, rsa_pair):
    return keyed_client(ex, kind, ed_pair, rsa_pair, PASSWORD, 'fws-')


def _below_book(ex, symbol='BTCUSDT', factor='0.95'):
    """A BUY price well under the best bid (rests on the book), on the tick."""
    bid = Decimal(ex.call(ex.futures.f_depth, symbol, 5)['bids'][0][0])
    return str((bid * Decimal(factor)).quantize(Decimal('0.1')))


@pytest.mark.parametrize('kind', ['HMAC', 'RSA', 'Ed25519'])
def test_place_modify_status_cancel_with_each_key_type(ex, managers, kind, ed_pair, rsa_pair):
    """order.place, order.modify, order.status, order.cancel and account.balance answer as
    their REST counterparts with HMAC, RSA and Ed25519 keys; only Ed25519 logs on."""
    bm = managers(_client(ex, kind, ed_pair, rsa_pair))
    api = bm.futures_ws_api.blocking
    price = _below_book(ex)
    order = api.order_place(symbol='BTCUSDT', side='BUY', type='LIMIT', timeInForce='GTC',
                            quantity='0.010', price=price, timeout=10)
    assert (order['status'], order['price'], order['origQty']) == ('NEW', price, '0.010')
    new_price = str(Decimal(price) - Decimal('10'))
    modified = api.order_modify(symbol='BTCUSDT', side='BUY', orderId=order['orderId'],
                                quantity='0.020', price=new_price, timeout=10)
    assert (modified['orderId'], modified['price'], modified['origQty']) == (
        order['orderId'], new_price, '0.020')
    status = api.order_status(symbol='BTCUSDT', orderId=order['orderId'], timeout=10)
    assert (status['status'], status['price']) == ('NEW', new_price)
    assert api.order_cancel(symbol='BTCUSDT', orderId=order['orderId'],
                            timeout=10)['status'] == 'CANCELED'
    assert 'USDT' in [row['asset'] for row in api.account_balance(timeout=10)]
    assert bm.futures_ws_api.logged_on is (kind == 'Ed25519')
    owner = ex.api_key if kind == 'HMAC' else 'fws-' + kind
    assert ex.call(ex.futures.f_get_order, owner, 'BTCUSDT',
                   orderId=order['orderId'])['status'] == 'CANCELED'


def test_ed25519_session_logs_on_and_sends_no_signatures(ex, managers, ed_pair, rsa_pair,
                                                         caplog):
    """With an Ed25519 key the session logs on once; later frames carry only a timestamp,
    and neither the key's password nor a signature reaches the logs."""
    caplog.set_level(logging.DEBUG)
    bm = managers(_client(ex, 'Ed25519', ed_pair, rsa_pair))
    bm.futures_ws_api.blocking.account_balance(timeout=10)
    assert bm.futures_ws_api.logged_on
    frames = []
    original = bm.futures_ws_api._frame
    bm.futures_ws_api._frame = lambda pending: frames.append(original(pending)) or frames[-1]
    bm.futures_ws_api.blocking.account_position_v2(timeout=10)
    sent = json.loads(frames[0])
    assert sent['method'] == 'v2/account.position'
    assert 'signature' not in sent['params'] and 'timestamp' in sent['params']
    assert PASSWORD not in caplog.text
    assert repr(bm.futures_ws_api).startswith('<FuturesWebSocketApi')


def test_a_stop_market_goes_to_the_algo_service_and_fires_on_the_user_socket(ex, managers):
    """order_place(type='STOP_MARKET', stopPrice=...) is sent as algoOrder.place; the futures
    user socket gets ALGO_UPDATE, and once the price crosses, the actual order's
    ORDER_TRADE_UPDATE."""
    bm = managers()
    events = queue.Queue()
    assert bm.wait_connected(bm.start_futures_user_socket(events.put), timeout=10)
    api = bm.futures_ws_api.blocking
    filled = api.order_place(symbol='BTCUSDT', side='BUY', type='MARKET', quantity='0.010',
                             newOrderRespType='RESULT', timeout=10)
    assert filled['status'] == 'FILLED'
    trigger = _below_book(ex, factor='0.9')
    algo = api.order_place(symbol='BTCUSDT', side='SELL', type='STOP_MARKET', stopPrice=trigger,
                           quantity='0.010', reduceOnly=True, timeout=10)
    assert (algo['algoType'], algo['orderType'], algo['algoStatus'], algo['triggerPrice']) == (
        'CONDITIONAL', 'STOP_MARKET', 'NEW', trigger)
    seen = []

    def next_event(predicate):
        while True:
            event = events.get(timeout=10)
            seen.append(event)
            if predicate(event):
                return event

    next_event(lambda e: e['e'] == 'ALGO_UPDATE' and e['o']['aid'] == algo['algoId'])
    ex.call(ex.futures.set_price, 'BTCUSDT', trigger)
    try:
        done = next_event(lambda e: e['e'] == 'ALGO_UPDATE' and e['o']['X'] == 'FINISHED')
        actual = int(done['o']['ai'])
        trades = [e['o'] for e in seen if e['e'] == 'ORDER_TRADE_UPDATE'
                  and e['o']['i'] == actual and e['o']['X'] == 'FILLED']
        assert [(t['ot'], t['S'], t['R']) for t in trades] == [('STOP_MARKET', 'SELL', True)]
        assert [e['o']['X'] for e in seen if e['e'] == 'ALGO_UPDATE'] == [
            'NEW', 'TRIGGERING', 'TRIGGERED', 'FINISHED']
    finally:
        ex.call(ex.futures.set_price, 'BTCUSDT', None)


def test_algo_orders_are_placed_and_cancelled(ex, managers):
    """algo_order_place answers the algo order; algo_order_cancel and order_cancel(algoId=...)
    cancel it with Binance's {'code': '200', 'msg': 'success'}, and the user socket gets the
    ALGO_UPDATE of each step (NEW, CANCELED)."""
    bm = managers()
    events = queue.Queue()
    assert bm.wait_connected(bm.start_futures_user_socket(events.put), timeout=10)
    api = bm.futures_ws_api.blocking
    trigger = str(Decimal(_below_book(ex)) * 2)
    first = api.algo_order_place(symbol='BTCUSDT', side='BUY', type='STOP', quantity='0.005',
                                 price=trigger, triggerPrice=trigger, timeInForce='GTC',
                                 clientAlgoId='ws-algo-1', timeout=10)
    assert (first['clientAlgoId'], first['orderType'], first['algoStatus']) == (
        'ws-algo-1', 'STOP', 'NEW')
    answer = api.algo_order_cancel(clientAlgoId='ws-algo-1', timeout=10)
    assert (answer['algoId'], answer['code'], answer['msg']) == (first['algoId'], '200',
                                                                 'success')
    second = api.order_place(symbol='BTCUSDT', side='BUY', type='TAKE_PROFIT_MARKET',
                             stopPrice=_below_book(ex, factor='0.5'), quantity='0.005',
                             timeout=10)
    assert api.order_cancel(symbol='BTCUSDT', algoId=second['algoId'],
                            timeout=10)['algoId'] == second['algoId']
    assert ex.call(ex.futures.f_get_algo_order, ex.api_key,
                   algoId=second['algoId'])['algoStatus'] == 'CANCELED'
    steps = []
    while len(steps) < 4:
        event = events.get(timeout=10)
        if event['e'] == 'ALGO_UPDATE':
            steps.append((event['o']['aid'], event['o']['X']))
    assert steps == [(first['algoId'], 'NEW'), (first['algoId'], 'CANCELED'),
                     (second['algoId'], 'NEW'), (second['algoId'], 'CANCELED')]


def test_order_place_method_refuses_conditional_types_with_4120(ex, managers):
    """Sent as a raw order.place, a STOP_MARKET is refused with -4120 as on Binance."""
    api = managers().futures_ws_api
    with pytest.raises(BinanceWebSocketAPIException) as info:
        api.blocking.request('order.place', {
            'symbol': 'BTCUSDT', 'side': 'SELL', 'type': 'STOP_MARKET', 'quantity': '0.010',
            'stopPrice': _below_book(ex)}, timeout=10)
    assert (info.value.status_code, info.value.code) == (400, -4120)
    assert 'Algo Order API' in info.value.message


def test_errors_come_back_with_binance_codes(ex, managers):
    """A bad signature is -1022, an unread parameter -1104, an unknown order -2013, a
    method the futures WebSocket API lacks -1020."""
    api = managers(Client(ex.api_key, 'not-the-secret')).futures_ws_api.blocking
    with pytest.raises(BinanceWebSocketAPIException) as bad_signature:
        api.account_balance(timeout=10)
    assert bad_signature.value.code == -1022
    api = managers().futures_ws_api.blocking
    with pytest.raises(BinanceWebSocketAPIException) as unread:
        api.order_status(symbol='BTCUSDT', orderId=1, colour='red', timeout=10)
    assert unread.value.code == -1104
    with pytest.raises(BinanceWebSocketAPIException) as unknown:
        api.order_status(symbol='BTCUSDT', orderId=987654321, timeout=10)
    assert unknown.value.code == -2013
    with pytest.raises(BinanceWebSocketAPIException) as unsupported:
        api.request('orderList.place.oco', {}, signed=False, timeout=10)
    assert unsupported.value.code == -1020


def test_rate_limits_are_reported_and_a_429_is_a_rate_limit_exception(ex, managers):
    """Replies carry futures' REQUEST_WEIGHT (2400) and ORDERS counts; a 429 fails with
    BinanceWebSocketRateLimitException and its retry time."""
    bm = managers()
    api = bm.futures_ws_api
    api.blocking.order_place(symbol='BTCUSDT', side='BUY', type='LIMIT', timeInForce='GTC',
                             quantity='0.002', price=_below_book(ex), timeout=10)
    kinds = {(r['rateLimitType'], r['intervalNum'], r['interval']): r['limit']
             for r in api.rate_limits}
    assert kinds == {('REQUEST_WEIGHT', 1, 'MINUTE'): 2400, ('ORDERS', 10, 'SECOND'): 300,
                     ('ORDERS', 1, 'MINUTE'): 1200}
    fail_next(ex.fstreams, 'account.balance', status=429)
    with pytest.raises(BinanceWebSocketRateLimitException) as info:
        api.blocking.account_balance(timeout=10)
    assert info.value.status_code == 429 and info.value.retry_after is not None


def test_callback_form_runs_on_the_reactor_thread(ex, managers):
    """callback= gets the result, or the error dict, on the reactor thread."""
    bm = managers()
    got = []
    bm.futures_ws_api.ticker_price(symbol='BTCUSDT',
                                   callback=lambda m: got.append((m, _reactor.in_reactor_thread())))
    bm.futures_ws_api.order_status(symbol='BTCUSDT', orderId=424242,
                                   callback=lambda m: got.append((m, _reactor.in_reactor_thread())))
    wait_until(lambda: len(got) == 2, timeout=10)
    by_kind = {('e' in m): (m, on_reactor) for m, on_reactor in got}
    price, on_reactor = by_kind[False]
    assert price['symbol'] == 'BTCUSDT' and Decimal(price['price']) > 0 and on_reactor
    error, on_reactor = by_kind[True]
    assert (error['e'], error['code']) == ('error', -2013) and on_reactor


def test_account_status_v1_lists_every_symbol_and_v2_only_those_in_use(ex, managers):
    """account.status has a row per symbol with leverage; v2/account.status only symbols with
    a position or an open order, like GET /fapi/v3/account."""
    ex.add_account('fws-accounts', 'fws-secret')
    api = managers(ex.client(api_key='fws-accounts', api_secret='fws-secret')).futures_ws_api
    v1 = api.blocking.account_status(timeout=10)
    v2 = api.blocking.account_status_v2(timeout=10)
    assert {p['symbol'] for p in v1['positions']} == set(ex.call(lambda: ex.futures.symbols))
    assert all('leverage' in p for p in v1['positions']) and v2['positions'] == []
    assert v1['canTrade'] is True and all(a['marginAvailable'] for a in v1['assets'])
    positions = api.blocking.account_position(symbol='ETHUSDT', timeout=10)
    assert [(p['symbol'], p['positionAmt'], p['marginType']) for p in positions] == [
        ('ETHUSDT', '0.000', 'cross')]


def test_bad_input_is_refused_before_sending(managers):
    """Missing or invalid parameters and spot-only methods raise in the caller, naming
    what is wrong and what is valid."""
    api = managers().futures_ws_api
    with pytest.raises(TypeError, match='price'):
        api.order_place(symbol='BTCUSDT', side='BUY', type='LIMIT', timeInForce='GTC',
                        quantity='0.001')
    with pytest.raises(ValueError, match='GTX'):
        api.order_place(symbol='BTCUSDT', side='BUY', type='LIMIT', timeInForce='DAY',
                        quantity='0.001', price='1')
    with pytest.raises(ValueError, match='algoOrder.status'):
        api.order_status(symbol='BTCUSDT', algoId=1)
    with pytest.raises(AttributeError, match='algo_order_place'):
        api.order_list_place_oco
    with pytest.raises(AttributeError, match='order_modify'):
        api.blocking.sor_order_place
    assert not hasattr(api, 'ping')


def test_the_url_follows_testnet_and_tld():
    """FUTURES_WS_API_URL becomes the testnet or tld host with the client's settings; Demo
    Mode, which Binance documents no host for, is refused with a clear error."""
    assert BinanceSocketManager(Client(testnet=True))._futures_ws_api_url() == \
        'wss://testnet.binancefuture.com/ws-fapi/v1'
    assert BinanceSocketManager(Client(tld='us'))._futures_ws_api_url() == \
        'wss://ws-fapi.binance.us/ws-fapi/v1'
    assert BinanceSocketManager(Client())._futures_ws_api_url() == \
        'wss://ws-fapi.binance.com/ws-fapi/v1'
    with pytest.raises(ValueError, match='Demo Mode'):
        BinanceSocketManager(Client(demo=True)).futures_ws_api


def test_minus_1021_is_measured_with_the_rest_clock_and_sent_again(exchange):
    """ws-fapi has no time method: a request refused for its timestamp makes the client
    measure its futures clock over REST (/fapi/v1/time) and send it once more."""
    client = exchange.client()
    bm = BinanceSocketManager(client)
    bm.FUTURES_WS_API_URL = exchange.futures_ws_api_url
    try:
        assert bm.futures_ws_api.blocking.account_balance(timeout=10)
        exchange.clock_offset = 30.0
        assert bm.futures_ws_api.blocking.account_balance(timeout=10)
        assert abs(client.futures_server_clock.offset_ms - 30000) < 1000
    finally:
        bm.close()


def test_listen_keys_over_the_futures_websocket_api(ex, managers):
    """userDataStream.start answers the account's listen key (the one REST gives), .ping
    keeps it, .stop closes it; a key the exchange does not know is -2015."""
    ex.add_account('fws-listen', 'fws-listen-secret')
    client = ex.client(api_key='fws-listen', api_secret='fws-listen-secret')
    api = managers(client).futures_ws_api.blocking
    key = api.user_data_stream_start(timeout=10)['listenKey']
    assert key == client.futures_stream_get_listen_key()
    assert api.user_data_stream_ping(timeout=10) == {'listenKey': key}
    assert api.user_data_stream_stop(timeout=10) == {}
    assert client.futures_stream_get_listen_key() != key
    stranger = managers(Client('no-such-key', 'x')).futures_ws_api.blocking
    with pytest.raises(BinanceWebSocketAPIException) as info:
        stranger.user_data_stream_start(timeout=10)
    assert info.value.code == -2015


def test_new_orders_beyond_300_per_10_seconds_get_1015(ex, managers):
    """The futures ORDERS limit: at most 300 new orders of an account per 10 s window; the
    next ones are refused with 429, -1015 and the window's end as retryAfter."""
    ex.add_account('fws-orders', 'fws-orders-secret')
    api = managers(ex.client(api_key='fws-orders', api_secret='fws-orders-secret')).futures_ws_api
    replies = []
    price = _below_book(ex, factor='0.9')
    # 650 orders within well under 10 s: whichever two windows they fall in, one of them
    # gets more than 300 (IOC far below the book: each expires at once, none rests)
    for _ in range(650):
        api.order_place(symbol='BTCUSDT', side='BUY', type='LIMIT', timeInForce='IOC',
                        quantity='0.002', price=price, callback=replies.append)
    wait_until(lambda: len(replies) == 650, timeout=60, message='650 replies')
    refused = [r for r in replies if r.get('e') == 'error']
    assert refused and all((r['status'], r['code']) == (429, -1015) for r in refused)
    assert 'current limit is 300 orders per 10 SECOND' in refused[0]['m']
    assert refused[0]['retry_after'] is not None
    accepted = [r for r in replies if r.get('e') != 'error']
    assert 300 <= len(accepted) <= 600 and all(r['status'] == 'NEW' for r in accepted)
