"""REST rate limits in a replay count replay time: weight per replay minute, 429 windows and
order counts in replay seconds (lockstep, real sockets)."""
import threading

from binance.exceptions import BinanceAPIException
from binance.testing import LocalExchange
from binance.websockets import BinanceSocketManager
from tests import replay_files as rf

MINUTE = 60000


def _manager(ex):
    """A socket manager on the replay without a client: no request of its own counts."""
    bm = BinanceSocketManager()
    bm.STREAM_URL = ex.stream_url
    bm.start()
    return bm


def _run(ex, count, on_trade):
    """Stream the replay's trades at speed 0, calling ``on_trade`` in lockstep for each."""
    done, errors = threading.Event(), []

    def callback(msg):
        try:
            on_trade(msg)
        except Exception as exc:   # reported in the test thread
            errors.append(exc)
        if msg['t'] == 4000000 + count - 1:
            done.set()
    bm = _manager(ex)
    try:
        bm.start_trade_socket('BTCUSDT', callback)
        assert done.wait(60), 'the replay did not reach its end'
    finally:
        bm.close()
    assert errors == []


def test_weight_counts_per_replay_minute_and_resets_when_it_changes(tmp_path):
    """X-MBX-USED-WEIGHT-1M adds up the requests of one replay minute and starts again
    with the next replay minute, though the whole replay takes seconds of wall time."""
    path = rf.write(tmp_path, 'BTCUSDT-trades-2025-03-01', rf.trade_rows(12, step_ms=15000))
    with LocalExchange(replay=[path], speed=0) as ex:
        client = ex.client()
        seen = []

        def on_trade(msg):
            client.get_server_time()                               # weight 1
            client.get_recent_trades(symbol='BTCUSDT', limit=5)    # weight 25
            seen.append(((msg['T'] - rf.MARCH_2025_MS) // MINUTE, client.used_weight))
        _run(ex, 12, on_trade)
    by_minute = {}
    for minute, used in seen:
        by_minute.setdefault(minute, []).append(used)
    assert by_minute == {0: [26, 52, 78, 104], 1: [26, 52, 78, 104], 2: [26, 52, 78, 104]}


def test_429_and_its_retry_after_are_in_replay_time(tmp_path):
    """Past the weight limit the answer is 429 -1003 with Retry-After the replay seconds to
    the end of the replay minute; the next replay minute answers again (plain HTTP: the
    exchange's windows, not a client's own back-off)."""
    import requests
    path = rf.write(tmp_path, 'BTCUSDT-trades-2025-03-01', rf.trade_rows(8, step_ms=15000))
    with LocalExchange(replay=[path], speed=0) as ex:
        ex.rate_limits.spot.set_limits([{'rateLimitType': 'REQUEST_WEIGHT', 'interval': 'MINUTE',
                                         'intervalNum': 1, 'limit': 3}])
        answers = []

        def on_trade(msg):
            second = (msg['T'] - rf.MARCH_2025_MS) // 1000
            answer = requests.get(ex.api_url + '/v3/time', timeout=10)
            if answer.status_code == 200:
                assert answer.json() == {'serverTime': msg['T']}
                answers.append((second, answer.headers['X-MBX-USED-WEIGHT-1M']))
            else:
                answers.append((second, answer.status_code, answer.json()['code'],
                                answer.headers['Retry-After']))
        _run(ex, 8, on_trade)
    assert answers == [(0, '1'), (15, '2'), (30, '3'), (45, 429, -1003, '15'),
                       (60, '1'), (75, '2'), (90, '3'), (105, 429, -1003, '15')]


def test_a_ban_lasts_two_replay_minutes(tmp_path):
    """Requests during a 429's back-off lead to a 418 ban whose Retry-After and end are replay
    time: refused until two replay minutes have passed, answered after."""
    import requests
    path = rf.write(tmp_path, 'BTCUSDT-trades-2025-03-01', rf.trade_rows(10, step_ms=15000))
    with LocalExchange(replay=[path], speed=0) as ex:
        ex.rate_limits.spot.set_limits([{'rateLimitType': 'REQUEST_WEIGHT', 'interval': 'MINUTE',
                                         'intervalNum': 1, 'limit': 1}])
        answers = []

        def on_trade(msg):
            second = (msg['T'] - rf.MARCH_2025_MS) // 1000
            sends = 7 if second == 0 else 1     # 1 answered, 1 refused, 5 violations: banned
            for _ in range(sends):
                answer = requests.get(ex.api_url + '/v3/time', timeout=10)
            answers.append((second, answer.status_code, answer.headers.get('Retry-After')))
        _run(ex, 10, on_trade)
    assert answers == [(0, 418, '120'), (15, 418, '105'), (30, 418, '90'), (45, 418, '75'),
                       (60, 418, '60'), (75, 418, '45'), (90, 418, '30'), (105, 418, '15'),
                       (120, 200, None), (135, 429, '45')]


def test_order_counts_follow_replay_seconds(tmp_path):
    """New orders count per replay 10 s: the third in one window is refused (-1015, Retry-After
    to the window's end); the next trade, 15 replay seconds on, may order again."""
    path = rf.write(tmp_path, 'BTCUSDT-trades-2025-03-01', rf.trade_rows(3, step_ms=15000))
    with LocalExchange(replay=[path], speed=0) as ex:
        ex.rate_limits.spot.set_limits([
            {'rateLimitType': 'REQUEST_WEIGHT', 'interval': 'MINUTE', 'intervalNum': 1,
             'limit': 6000},
            {'rateLimitType': 'ORDERS', 'interval': 'SECOND', 'intervalNum': 10, 'limit': 2}])
        answers = []
        client = None

        def order():
            client.order_limit_buy(symbol='BTCUSDT', quantity='0.001', price='85000')
            return client.response.headers['X-MBX-ORDER-COUNT-10S']

        def on_trade(msg):
            nonlocal client
            client = ex.client()     # a new client: no back-off of its own from the last 429
            answers.append(order())
            answers.append(order())
            try:
                order()
            except BinanceAPIException as exc:
                answers.append((exc.code, exc.response.headers.get('Retry-After')))
        _run(ex, 3, on_trade)
    # trades at 0 s, 15 s and 30 s: windows [0, 10), [10, 20), [30, 40)
    assert answers == ['1', '2', (-1015, '10'), '1', '2', (-1015, '5'), '1', '2', (-1015, '10')]
