"""The local exchange answers REST from its own threads: a callback may block the reactor on a REST call."""
import pytest

from binance.exceptions import BinanceConnectionException, BinanceRequestException
from binance.testing import LocalExchange
from binance.websockets import BinanceSocketManager
from tests.support import wait_until


def test_blocking_rest_call_inside_a_stream_callback_is_answered(exchange):
    """A callback that calls client.get_order_book (blocking the reactor thread) gets its answer."""
    client = exchange.client(requests_params={'timeout': 5})
    answers = []

    def process_message(msg):
        if not answers:
            answers.append(client.get_order_book(symbol='BNBBTC', limit=5))   # blocks the reactor
            answers.append(client.order_limit_buy(symbol='BNBBTC', quantity=1,
                                                  price='0.00100000')['status'])

    bm = BinanceSocketManager(client)
    bm.STREAM_URL = exchange.stream_url
    bm.start()
    try:
        key = bm.start_trade_socket('BNBBTC', process_message)
        assert bm.wait_connected(key, timeout=30)
        exchange.streams.push(key, {'e': 'trade', 's': 'BNBBTC'})
        wait_until(lambda: len(answers) == 2, timeout=8, message='both REST answers')
    finally:
        bm.close()
    assert len(answers[0]['bids']) == 5
    assert answers[1] in ('NEW', 'FILLED', 'PARTIALLY_FILLED')


def test_events_made_by_rest_threads_reach_the_streams_in_order(exchange):
    """An order placed over REST sends its user events in the market's order, on the reactor thread."""
    client = exchange.client()
    events = []
    bm = BinanceSocketManager(client)
    bm.STREAM_URL = exchange.stream_url
    bm.WS_API_URL = exchange.ws_api_url   # no listen keys by default: the WebSocket API
    bm.start()
    try:
        key = bm.start_user_socket(events.append)
        assert bm.wait_connected(key, timeout=30)
        order = client.order_limit_buy(symbol='BNBBTC', quantity=1, price='0.00100000')
        client.cancel_order(symbol='BNBBTC', orderId=order['orderId'])
        wait_until(lambda: [e.get('x') for e in events if e.get('e') == 'executionReport'][-1:]
                   == ['CANCELED'], message='the cancel report')
    finally:
        bm.close()
    reports = [e['x'] for e in events if e.get('e') == 'executionReport']
    assert reports == ['NEW', 'CANCELED']


def test_stop_closes_keep_alive_connections():
    """After LocalExchange.stop() a client's pooled keep-alive connection is not answered any more."""
    ex = LocalExchange(tick=None).start()
    client = ex.client(requests_params={'timeout': 3})
    assert client.ping() == {}                 # the session now holds a keep-alive connection
    ex.stop()
    with pytest.raises((BinanceConnectionException, BinanceRequestException)):
        client.ping()
