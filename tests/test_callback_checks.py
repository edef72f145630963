"""start_* refuse a callback that cannot take one message, before anything connects."""
import functools

import pytest

from binance.testing.reactor import FakeReactor
from binance.websockets import BinanceSocketManager


class Bot:
    def on_message(self, msg):
        pass

    def __call__(self, msg, verbose=False):
        pass

    @staticmethod
    def static(msg):
        pass


def _two(a, b):
    pass


@pytest.fixture
def bm():
    return BinanceSocketManager(None, reactor=FakeReactor())


@pytest.mark.parametrize('callback', [
    print, len, [].append, Bot().on_message, Bot(), Bot.static, functools.partial(_two, 1),
    lambda *args: None, lambda msg, extra=1: None, lambda msg, **kw: None,
], ids=['print', 'len', 'list.append', 'bound method', 'callable object', 'staticmethod',
        'partial', '*args', 'default', '**kw'])
def test_callables_that_take_one_message_are_accepted(bm, callback):
    """Bound methods, partials, *args, defaults and builtins are valid stream callbacks."""
    assert bm.start_trade_socket('BNBBTC', callback) == 'bnbbtc@trade'


@pytest.mark.parametrize('callback, words', [
    (lambda: None, ['<lambda>()', 'too many positional arguments']),
    (_two, ['_two(a, b)', "missing a required argument: 'b'"]),
    (Bot.on_message, ['Bot.on_message(self, msg)', "'msg'"]),
    (functools.partial(_two, 1, 2), ['partial', 'too many positional arguments']),
    (lambda *, key: None, ['too many positional arguments']),
])
def test_a_callback_of_the_wrong_arity_is_refused(bm, callback, words):
    """A TypeError names the callback and the expected call; no socket is reserved."""
    with pytest.raises(TypeError) as info:
        bm.start_trade_socket('BNBBTC', callback)
    for word in words + ['callback(message)']:
        assert word in str(info.value)
    assert bm.conn_keys == []


def test_every_start_method_checks_the_arity(bm):
    """Kline, multiplex, user, futures and margin sockets refuse a two-argument callback too."""
    for start in (lambda cb: bm.start_kline_socket('BNBBTC', cb),
                  lambda cb: bm.start_multiplex_socket(['bnbbtc@trade'], cb),
                  bm.start_user_socket,
                  lambda cb: bm.start_aggtrade_futures_socket('BTCUSDT', cb),
                  bm.start_futures_user_socket,
                  bm.start_margin_socket):
        with pytest.raises(TypeError, match=r'_two\(a, b\) cannot be called as callback\(message\)'):
            start(_two)
    assert bm.conn_keys == []
