"""BinanceSocketManager.ws_api and call_in_thread: orders that never block the reactor."""
import logging
import subprocess
import sys

import pytest

from binance import _reactor
from binance.exceptions import (
    BinanceAPIException, BinanceConnectionException, BinanceRateLimitException,
    BinanceTimeoutException, BinanceWebSocketAPIException)
from binance.websockets import BinanceSocketManager
from tests.support import keyed_client, wait_until

PASSWORD = 'ws-session-pass'


@pytest.fixture
def managers(exchange):
    made = []

    def make(client):
        bm = BinanceSocketManager(client)
        bm.STREAM_URL, bm.WS_API_URL = exchange.stream_url, exchange.ws_api_url
        made.append(bm)
        return bm

    yield make
    for bm in made:
        bm.close()


def _client(exchange, kind, ed_pair, rsa_pair):
    return keyed_client(exchange, kind, ed_pair, rsa_pair, PASSWORD, 'ws-',
                        balances={'BNB': '100', 'BTC': '1'})


def _ask_price(exchange):
    return exchange.call(exchange.market.depth, 'BNBBTC', 5)['asks'][-1][0]


@pytest.mark.parametrize('kind', ['HMAC', 'RSA', 'Ed25519'])
def test_blocking_order_round_trip_with_each_key_type(exchange, managers, kind, ed_pair,
                                                      rsa_pair):
    """place, status, open orders, cancel and account work with HMAC, RSA and Ed25519 keys."""
    bm = managers(_client(exchange, kind, ed_pair, rsa_pair))
    api = bm.ws_api.blocking
    order = api.order_place(symbol='BNBBTC', side='SELL', type='LIMIT', timeInForce='GTC',
                            quantity=1, price=_ask_price(exchange), timeout=5)
    assert order['status'] == 'NEW'
    assert api.order_status(symbol='BNBBTC', orderId=order['orderId'])['status'] == 'NEW'
    assert [o['orderId'] for o in api.open_orders_status(symbol='BNBBTC')] == [order['orderId']]
    assert api.order_cancel(symbol='BNBBTC', orderId=order['orderId'])['status'] == 'CANCELED'
    assert 'balances' in api.account_status(omitZeroBalances=True)
    assert bm.ws_api.logged_on is (kind == 'Ed25519')


def test_ed25519_session_logs_on_once_and_sends_no_signatures(exchange, managers, ed_pair,
                                                             rsa_pair, caplog):
    """With an Ed25519 key the session logs on; order frames carry only a timestamp."""
    caplog.set_level(logging.DEBUG)
    bm = managers(_client(exchange, 'Ed25519', ed_pair, rsa_pair))
    bm.ws_api.blocking.time()
    assert bm.ws_api.logged_on
    frames = []
    original = bm.ws_api._frame
    bm.ws_api._frame = lambda pending: frames.append(original(pending)) or frames[-1]
    bm.ws_api.blocking.account_status()
    assert b'"signature"' not in frames[0] and b'"timestamp"' in frames[0]
    assert PASSWORD not in caplog.text and repr(bm.ws_api).startswith('<WebSocketApi')


def test_callback_runs_on_the_reactor_thread_with_result_or_error(exchange, managers):
    """callback= gets the result, or an error dict with status and code, on the reactor thread."""
    bm = managers(exchange.client())
    got = []

    def on_reply(msg):
        got.append((msg, _reactor.in_reactor_thread()))

    bm.ws_api.order_status(symbol='BNBBTC', orderId=999999, callback=on_reply)
    bm.ws_api.ping(callback=on_reply)
    wait_until(lambda: len(got) == 2)
    (error, on_reactor), (pong, _) = got
    assert on_reactor and pong == {}
    assert (error['e'], error['status'], error['code']) == ('error', 400, -2013)
    assert isinstance(error['exception'], BinanceWebSocketAPIException)
    assert isinstance(error['exception'], BinanceAPIException)


def test_deferred_from_a_stream_callback_does_not_stall_other_streams(exchange, managers):
    """An order placed from a stream callback returns at once; the reply arrives later."""
    bm = managers(exchange.client())
    replies, returned = [], []

    def on_trade(msg):
        if not returned:
            d = bm.ws_api.order_place(symbol='BNBBTC', side='BUY', type='MARKET', quantity=1)
            returned.append(d.called)     # not answered yet: the call did not wait
            d.addCallback(replies.append)

    bm.start_trade_socket('BNBBTC', on_trade)
    bm.start()
    assert bm.wait_connected('bnbbtc@trade', timeout=5)
    exchange.step(20)
    wait_until(lambda: replies, message='order reply')
    assert returned == [False] and replies[0]['status'] == 'FILLED'


def test_rate_limited_reply_is_a_rate_limit_exception(exchange, managers):
    """A 429 reply raises BinanceWebSocketRateLimitException with retry_after; weight is shown."""
    bm = managers(exchange.client())
    bm.ws_api.blocking.ping()
    assert bm.ws_api.used_weight and bm.ws_api.rate_limits[0]['rateLimitType'] == \
        'REQUEST_WEIGHT'
    exchange.fail_next_ws_api('account.status', status=429)
    with pytest.raises(BinanceRateLimitException) as info:
        bm.ws_api.blocking.account_status()
    assert info.value.status_code == 429 and info.value.code == -1003
    assert 0 < info.value.retry_after <= 60 and info.value.retry_after_time % 60000 == 0


def test_minus_1021_on_the_ws_api_remeasures_and_resends(exchange, managers):
    """A request refused for its timestamp is measured again (time) and sent once more."""
    client = exchange.client()
    bm = managers(client)
    bm.ws_api.blocking.account_status()
    exchange.clock_offset = 30.0
    assert 'balances' in bm.ws_api.blocking.account_status()
    assert abs(client.timestamp_offset - 30000) < 1000
    exchange.clock_offset = -20.0                 # and back behind: measured from +30 s
    assert 'balances' in bm.ws_api.blocking.account_status()
    assert abs(client.timestamp_offset + 20000) < 1000


def test_blocking_form_times_out_and_refuses_the_reactor_thread(exchange, managers):
    """The blocking form raises BinanceTimeoutException when no reply comes, and its timeout is
    the request's own: nothing stays pending for the session's request_timeout; not on the
    reactor thread."""
    bm = managers(exchange.client())
    bm.ws_api.blocking.ping()
    exchange.streams.stall()
    try:
        with pytest.raises(BinanceTimeoutException, match=r'ping got no answer within 0\.3 s '
                                                          r'\(its outcome is unknown\)'):
            bm.ws_api.blocking.ping(timeout=0.3)
        assert 'pending=0' in repr(bm.ws_api)
    finally:
        exchange.streams.resume()
    with pytest.raises(RuntimeError, match='reactor thread'):
        exchange.call(bm.ws_api.blocking.ping)


def test_request_in_flight_fails_when_the_connection_drops(exchange, managers):
    """A request whose connection drops fails with BinanceConnectionException; the next works."""
    bm = managers(exchange.client())
    bm.ws_api.blocking.ping()
    exchange.streams.stall()
    errors = []
    bm.ws_api.ping(callback=errors.append)
    wait_until(lambda: bm.ws_api._pending, message='request sent')
    exchange.streams.resume()
    exchange.streams.drop('ws-api/v3')
    wait_until(lambda: errors)
    assert isinstance(errors[0]['exception'], BinanceConnectionException)
    assert bm.ws_api.blocking.ping(timeout=5) == {}


def test_bad_input_is_refused_before_sending(exchange, managers):
    """Missing order parameters, a bad callback, or no key raise before any traffic."""
    bm = managers(exchange.client())
    with pytest.raises(TypeError, match='price'):
        bm.ws_api.order_place(symbol='BNBBTC', side='BUY', type='LIMIT', quantity=1,
                              timeInForce='GTC')
    with pytest.raises(TypeError, match='callback'):
        bm.ws_api.ping(callback=5)
    with pytest.raises(ValueError, match='API key'):
        managers(None).ws_api.account_status()
    with pytest.raises(AttributeError, match='order_place'):
        bm.ws_api.blocking.order_plac
    assert exchange.streams.connection_count('ws-api/v3') == 0


def test_call_in_thread_runs_rest_calls_off_the_reactor(exchange, managers):
    """call_in_thread runs a blocking REST call in a worker; the callback gets the result on the
    reactor thread, or an error dict keeping a 429's retry_after."""
    client = exchange.client(rate_limit='raise')   # the 429 is raised, not waited out
    bm = managers(client)
    got = []
    worker = []

    def fetch():
        worker.append(not _reactor.in_reactor_thread())
        return client.get_open_orders()

    bm.call_in_thread(lambda r: got.append((r, _reactor.in_reactor_thread())), fetch)
    # the first call is answered before the 429 is armed: a 429 it took instead would make the
    # client refuse the second call for 7 s (Retry-After), as it should
    wait_until(lambda: len(got) == 1)
    exchange.fail_next('/api/v3/openOrders', status=429, headers={'Retry-After': '7'})
    bm.call_in_thread(lambda r: got.append((r, _reactor.in_reactor_thread())),
                      client.get_open_orders)
    wait_until(lambda: len(got) == 2)
    assert got[0] == ([], True) and worker == [True]
    error = got[1][0]
    assert error['status'] == 429 and error['retry_after'] == 7
    assert isinstance(error['exception'], BinanceRateLimitException)



# a program that calls the blocking form first: nothing runs the reactor yet
BLOCKING_FIRST = '''
import sys
from binance.client import Client
from binance.websockets import BinanceSocketManager
bm = BinanceSocketManager(Client('', ''))
bm.WS_API_URL = sys.argv[1]
print('ANSWER', bm.ws_api.blocking.ping(timeout=20))
print('STARTED', bm.is_alive())
'''


def test_a_blocking_call_before_start_starts_the_manager(exchange):
    """ws_api.blocking.ping() before bm.start(), no reactor running: starts the manager, answers."""
    proc = subprocess.run([sys.executable, '-c', BLOCKING_FIRST, exchange.ws_api_url],
                          capture_output=True, text=True, timeout=90)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == ['ANSWER {}', 'STARTED True']
