"""BinanceSocketManager.wait_connected: a script can know its socket is live before acting."""
import pytest

from binance.testing import LocalExchange
from binance.websockets import BinanceSocketManager
from tests.support import wait_until


def _manager(exchange, **attrs):
    bm = BinanceSocketManager(exchange.client())
    for name, value in attrs.items():
        setattr(bm, name, value)
    bm.start()
    return bm


@pytest.mark.parametrize('listen_keys', [True, False], ids=['listen-key', 'ws-api'])
def test_user_socket_sees_the_order_placed_right_after_wait_connected(listen_keys):
    """Once wait_connected('user') returns True, an order's executionReport is never missed."""
    with LocalExchange(tick=None, listen_keys=listen_keys) as exchange, exchange.install():
        bm = _manager(exchange)
        events = []
        try:
            assert bm.start_user_socket(events.append) == 'user'
            assert bm.wait_connected('user', timeout=10) is True
            client = exchange.client()
            client.order_market_buy(symbol='BNBBTC', quantity=1)
            wait_until(lambda: any(e.get('e') == 'executionReport' for e in events), timeout=10,
                       message='the executionReport of the order')
        finally:
            bm.close()


def test_market_socket_is_connected_when_the_server_has_it():
    """wait_connected returns True only once the server has accepted the stream's connection."""
    with LocalExchange(tick=None) as exchange, exchange.install():
        bm = _manager(exchange)
        try:
            key = bm.start_trade_socket('BNBBTC', lambda msg: None)
            assert bm.wait_connected(key, timeout=10) is True
            assert exchange.streams.connection_count('bnbbtc@trade') == 1
        finally:
            bm.close()


def test_refused_socket_returns_false_when_it_gives_up():
    """A socket that gives up makes wait_connected return False instead of hanging."""
    with LocalExchange(tick=None) as exchange, exchange.install():
        exchange.streams.refuse()
        bm = _manager(exchange, INITIAL_DELAY=0.01, MAX_DELAY=0.02)
        errors = []
        try:
            key = bm.start_trade_socket('BNBBTC', errors.append)
            assert bm.wait_connected(key, timeout=10) is False
            wait_until(lambda: errors, message='the error dict')
            assert errors == [{'e': 'error', 'm': 'Max reconnect retries reached'}]
        finally:
            bm.close()
            exchange.streams.resume()


def test_timeout_returns_false_and_unknown_key_is_an_error():
    """A socket not connected in time gives False; a key that is not open raises ValueError naming the open ones."""
    with LocalExchange(tick=None) as exchange, exchange.install():
        exchange.streams.refuse()
        bm = _manager(exchange, INITIAL_DELAY=5.0, MAX_DELAY=5.0)
        try:
            key = bm.start_trade_socket('BNBBTC', lambda msg: None)
            assert bm.wait_connected(key, timeout=0.2) is False
            with pytest.raises(ValueError, match=r"no open socket 'bnbbtc@depth'; open sockets: 'bnbbtc@trade'"):
                bm.wait_connected('bnbbtc@depth', timeout=1)
        finally:
            bm.close()
            exchange.streams.resume()
