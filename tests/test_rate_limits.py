"""REST rate limits: the client stays within them, and the local exchange enforces them.

Against the local exchange over loopback, on a fake clock shared by the
exchange's market and the client's rate limiter (``tests.support.FakeTime``):
a wait for a full window is a jump of the fake clock, so nothing sleeps.
"""
import logging

import pytest
import requests

from binance.client import Client
from binance.exceptions import BinanceAPIException, BinanceRateLimitException
from binance.testing.rate_limits import BAN_AFTER, BAN_FIRST_S
from tests.support import FakeTime


def _weight(limit):
    return {'rateLimitType': 'REQUEST_WEIGHT', 'interval': 'MINUTE', 'intervalNum': 1,
            'limit': limit}


def _orders(limit, seconds=10):
    return {'rateLimitType': 'ORDERS', 'interval': 'SECOND', 'intervalNum': seconds,
            'limit': limit}


@pytest.fixture
def fake(exchange):
    """A fake clock driving the exchange's market (and so its rate-limit windows)."""
    time = FakeTime(1700000000.0)
    exchange.market.clock = time.clock
    return time


def _client(exchange, fake, **kwargs):
    client = exchange.client(sync_clock=False, **kwargs)
    client.server_clock.clock = fake.clock     # signed timestamps in the exchange's time
    fake.attach(client)
    return client


def _statuses(exchange, path):
    return [r for r in exchange.requests if r.path == path]


def test_a_burst_of_1000_requests_never_exceeds_the_weight_limit(exchange, fake):
    """1,000 requests (weights 1 and 5) against a 50-per-minute limit: never a 429, the used weight <= 50."""
    exchange.rate_limits.spot.set_limits([_weight(50)])
    client = _client(exchange, fake)
    client.get_exchange_info()            # the client learns the exchange's limits
    assert client.rate_limiter.limits('spot') == [_weight(50)]
    exchange.clear_requests()
    highest = 0
    for number in range(1000):
        if number % 4:
            client.ping()
        else:
            client.get_order_book(symbol='BNBBTC', limit=100)   # weight 5
        highest = max(highest, client.used_weight)
    assert highest <= 50
    assert len(exchange.requests) == 1000          # no request was refused and sent again
    assert len(fake.slept) >= (750 + 250 * 5) // 50 - 1
    assert all(0 < seconds <= 61 for seconds in fake.slept)


def test_waiting_is_logged_with_its_length(exchange, fake, caplog):
    """A wait for the next window is logged as a warning saying how long and which limit."""
    exchange.rate_limits.spot.set_limits([_weight(3)])
    client = _client(exchange, fake)
    client.rate_limiter.set_limits('spot', [_weight(3)])
    caplog.set_level(logging.WARNING, logger='binance.client')
    fake.now = 1699999990.0                                  # 50 s before the minute ends
    for _ in range(4):
        client.ping()
    assert fake.slept == [pytest.approx(50.25)]
    assert any('GET /api/v3/ping waits 50.2 s: the REQUEST_WEIGHT limit of 3 per 1 MINUTE'
               in r.getMessage() for r in caplog.records)


def test_rate_limit_raise_refuses_before_sending(exchange, fake):
    """rate_limit='raise': the request over the limit raises BinanceRateLimitException and is not sent."""
    exchange.rate_limits.spot.set_limits([_weight(3)])
    client = _client(exchange, fake, rate_limit='raise')
    client.rate_limiter.set_limits('spot', [_weight(3)])
    for _ in range(3):
        client.ping()
    with pytest.raises(BinanceRateLimitException, match=r"GET /api/v3/ping not sent "
                                                        r"\(rate_limit='raise'\): the "
                                                        r"REQUEST_WEIGHT limit of 3 per 1 MINUTE") \
            as info:
        client.ping()
    assert fake.now % 60 == 20 and info.value.retry_after == 41   # 40 s to the next minute
    assert len(exchange.requests) == 3 and fake.slept == []


def test_orders_wait_for_the_order_count_window(exchange, fake):
    """Orders beyond 'ORDERS 3 per 10 s' wait for the next 10 s window; the exchange never says -1015."""
    exchange.rate_limits.spot.set_limits([_weight(6000), _orders(3)])
    client = _client(exchange, fake)
    client.rate_limiter.set_limits('spot', [_weight(6000), _orders(3)])
    for _ in range(7):
        order = client.order_market_buy(symbol='BNBBTC', quantity=1)
        assert order['status'] == 'FILLED'
        assert int(client.response.headers['X-MBX-ORDER-COUNT-10S']) <= 3
    assert len(fake.slept) == 2 and all(0 < s <= 10.25 for s in fake.slept)


def test_a_429_on_a_get_is_sent_again_after_retry_after(exchange, fake):
    """A GET answered 429 is sent again after Retry-After (on the fake clock) and returns the answer."""
    client = _client(exchange, fake)
    exchange.fail_next('/api/v3/depth', status=429, headers={'Retry-After': '3'})
    assert client.get_order_book(symbol='BNBBTC', limit=5)['bids']
    assert fake.slept == [pytest.approx(3.0)]
    assert len(_statuses(exchange, '/api/v3/depth')) == 2


def test_a_429_on_an_order_is_not_sent_again(exchange, fake):
    """An order answered 429 raises at once (never repeated); the next request waits for Retry-After."""
    client = _client(exchange, fake)
    exchange.fail_next('/api/v3/order', status=429, headers={'Retry-After': '4'})
    with pytest.raises(BinanceRateLimitException):
        client.order_market_buy(symbol='BNBBTC', quantity=1)
    assert len(_statuses(exchange, '/api/v3/order')) == 1
    client.ping()
    assert fake.slept == [pytest.approx(4.0)]


def test_a_418_stops_every_request_until_the_ban_ends(exchange, fake):
    """After a 418 every request raises without being sent, naming when the ban ends; then they go again."""
    client = _client(exchange, fake)
    exchange.fail_next('/api/v3/ping', status=418, headers={'Retry-After': '300'})
    with pytest.raises(BinanceRateLimitException) as info:
        client.ping()
    assert info.value.status_code == 418
    sent = len(exchange.requests)
    with pytest.raises(BinanceRateLimitException, match=r'IP banned by Binance until '
                                                        r'2023-11-14 22:18:20 UTC') as info:
        client.get_order_book(symbol='BNBBTC')
    assert info.value.banned_until == 1700000000.0 + 300 and info.value.retry_after == 300
    assert len(exchange.requests) == sent and fake.slept == []
    fake.now += 300
    assert client.ping() == {}


def test_raise_mode_refuses_during_a_429_back_off(exchange, fake):
    """rate_limit='raise': after a 429 the next request raises unsent until Retry-After has passed."""
    client = _client(exchange, fake, rate_limit='raise')
    exchange.fail_next('/api/v3/depth', status=429, headers={'Retry-After': '5'})
    with pytest.raises(BinanceRateLimitException):
        client.get_order_book(symbol='BNBBTC')
    sent = len(exchange.requests)
    with pytest.raises(BinanceRateLimitException, match="Retry-After after an HTTP 429") as info:
        client.ping()
    assert info.value.retry_after == 5 and len(exchange.requests) == sent
    fake.now += 5
    assert client.ping() == {}


def test_bad_rate_limit_value_is_refused():
    """Client(rate_limit=...) accepts 'wait' or 'raise' only, saying so."""
    with pytest.raises(ValueError, match="rate_limit must be 'wait' .* or 'raise', got 'sleep'"):
        Client(rate_limit='sleep')


# -- the exchange's side ----------------------------------------------------------


def _get(exchange, path='/api/v3/ping'):
    return requests.get(exchange.api_url.rsplit('/api', 1)[0] + path, timeout=10)


def test_exchange_answers_429_over_the_weight_limit_with_retry_after(exchange, fake):
    """Over REQUEST_WEIGHT the exchange answers 429 -1003 with Retry-After to the window's end."""
    exchange.rate_limits.spot.set_limits([_weight(3)])
    fake.now = 1699999990.0                                  # 50 s before the minute ends
    answers = [_get(exchange) for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert [a.headers['X-MBX-USED-WEIGHT-1M'] for a in answers] == ['1', '2', '3', '4']
    assert answers[3].headers['Retry-After'] == '50'
    assert answers[3].json() == {'code': -1003, 'msg': 'Too much request weight used; current '
                                 'limit is 3 request weight per 1 MINUTE. Please use WebSocket '
                                 'Streams for live updates to avoid polling the API.'}
    fake.now += 50
    assert _get(exchange).status_code == 200


def test_exchange_bans_a_client_that_ignores_429_and_bans_scale(exchange, fake):
    """Requests sent during a 429's Retry-After lead to a 418 ban of 2 min, then 4 min the next time."""
    exchange.rate_limits.spot.set_limits([_weight(1)])
    fake.now = 1699999990.0
    assert [_get(exchange).status_code for _ in range(2)] == [200, 429]
    statuses = [_get(exchange).status_code for _ in range(BAN_AFTER)]
    assert statuses == [429] * (BAN_AFTER - 1) + [418]
    banned = _get(exchange, '/api/v3/time')
    assert banned.status_code == 418 and banned.headers['Retry-After'] == str(BAN_FIRST_S)
    assert banned.json()['code'] == -1003
    assert banned.json()['msg'].startswith('Way too much request weight used; IP banned until '
                                           '{}.'.format(1699999990000 + BAN_FIRST_S * 1000))
    fake.now += BAN_FIRST_S
    assert _get(exchange).status_code == 200
    fake.now += 60
    assert [_get(exchange).status_code for _ in range(2)] == [200, 429]
    statuses = [_get(exchange).status_code for _ in range(BAN_AFTER)]
    assert statuses[-1] == 418
    assert _get(exchange).headers['Retry-After'] == str(2 * BAN_FIRST_S)


def test_exchange_counts_orders_and_refuses_beyond_the_limit(exchange, fake):
    """Orders carry X-MBX-ORDER-COUNT-10S/-1D; beyond ORDERS the exchange answers 429 -1015."""
    exchange.rate_limits.spot.set_limits([_weight(6000), _orders(2),
                                          dict(_orders(1000), interval='DAY', intervalNum=1)])
    client = _client(exchange, fake, rate_limit='raise')
    client.rate_limiter.set_limits('spot', [_weight(6000)])       # the client does not know
    for count in (1, 2):
        client.order_market_buy(symbol='BNBBTC', quantity=1)
        assert client.response.headers['X-MBX-ORDER-COUNT-10S'] == str(count)
        assert client.response.headers['X-MBX-ORDER-COUNT-1D'] == str(count)
    with pytest.raises(BinanceAPIException) as info:
        client.order_market_buy(symbol='BNBBTC', quantity=1)
    assert (info.value.status_code, info.value.code) == (429, -1015)
    assert info.value.message == 'Too many new orders; current limit is 2 orders per 10 SECOND.'


def test_spot_and_futures_weights_are_counted_apart(exchange, fake):
    """Spot (/api) and USD-M (/fapi) requests use separate weight counters, as on Binance."""
    spot = _get(exchange)
    futures = requests.get(exchange.futures_api_url.rsplit('/fapi', 1)[0] + '/fapi/v1/ping',
                           timeout=10)
    again = _get(exchange)
    assert (spot.headers['X-MBX-USED-WEIGHT-1M'], futures.headers['X-MBX-USED-WEIGHT-1M'],
            again.headers['X-MBX-USED-WEIGHT-1M']) == ('1', '1', '2')
