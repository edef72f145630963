"""Orders rounded to the symbol's filters (binance.filters, helpers.round_step_size).

The arithmetic is tested without I/O; that a rounded order is accepted and an
unrounded one refused with Binance's code is tested against the local
exchange over loopback.
"""
from decimal import Decimal

import pytest

from binance.exceptions import BinanceAPIException, BinanceOrderFilterException
from binance.filters import SymbolFilters, SymbolFiltersCache, format_decimal, round_to_step
from binance.helpers import round_step_size

SPOT_FILTERS = [
    {'filterType': 'PRICE_FILTER', 'minPrice': '0.00000100', 'maxPrice': '100.00000000',
     'tickSize': '0.00000100'},
    {'filterType': 'LOT_SIZE', 'minQty': '0.01000000', 'maxQty': '9000.00000000',
     'stepSize': '0.01000000'},
    {'filterType': 'MARKET_LOT_SIZE', 'minQty': '0.00000000', 'maxQty': '500.00000000',
     'stepSize': '0.00000000'},
    {'filterType': 'NOTIONAL', 'minNotional': '0.00010000', 'applyMinToMarket': True,
     'maxNotional': '9000000.00000000', 'applyMaxToMarket': False, 'avgPriceMins': 5},
]


# -- arithmetic (no I/O) -------------------------------------------------------------------

def test_round_step_size_keeps_python_binance_1_0s_signature_and_rounds_down():
    """round_step_size(quantity, step_size) -> float, floored to the step, without float noise."""
    assert round_step_size(1.23456789, 0.001) == 1.234
    assert round_step_size(0.3, 0.1) == 0.3                      # not 0.30000000000000004
    assert round_step_size(Decimal('5.999'), Decimal('1')) == 5.0
    assert round_step_size(10, '0.00100000') == 10.0
    assert round_step_size(0.7, 0) == 0.7                        # no step: unchanged
    assert isinstance(round_step_size(1, 1), float)


@pytest.mark.parametrize('rounding, expected', [('down', '1.23'), ('up', '1.24'),
                                                ('nearest', '1.24')])
def test_round_to_step_modes(rounding, expected):
    """down/up/nearest give a Decimal with the step's decimals."""
    assert round_to_step('1.2351', '0.01', rounding) == Decimal(expected)


def test_steps_count_from_the_minimum_as_binance_does():
    """(value - min) % step == 0 is Binance's rule: a minQty off the step grid is honoured."""
    assert round_to_step('1.0', '0.5', 'down', base='0.3') == Decimal('0.8')
    assert round_to_step('0.2', '0.5', 'down', base='0.3') == Decimal('0.0')   # below min


def test_format_decimal_never_writes_an_exponent():
    """Small, large and float-noisy numbers are written as Binance reads them."""
    assert format_decimal(1e-8) == '0.00000001'
    assert format_decimal(Decimal('1E+2')) == '100'
    assert format_decimal(Decimal('0.01000000')) == '0.01'
    assert format_decimal(0) == '0'


@pytest.mark.parametrize('value, error, words', [
    (-1, ValueError, 'negative'), (float('nan'), ValueError, 'finite'),
    ('abc', ValueError, "such as '0.001'"), (True, TypeError, 'bool'), (None, TypeError, 'NoneType'),
])
def test_bad_numbers_are_refused_with_a_clear_error(value, error, words):
    """Negative, NaN, text, bool and None name what was wrong."""
    with pytest.raises(error, match=words):
        round_step_size(value, 0.01)


def test_rounding_must_be_a_known_mode():
    """An unknown rounding names the valid ones."""
    with pytest.raises(ValueError, match="'down', 'up', 'nearest'"):
        round_to_step(1, 1, 'floor')


def test_order_params_round_check_and_format():
    """Quantity floored to the lot, price to the nearest tick, both plain strings."""
    filters = SymbolFilters('BNBBTC', SPOT_FILTERS)
    assert filters.order_params(1.23456, 0.00123456789) == {'quantity': '1.23',
                                                            'price': '0.001235'}
    assert filters.order_params(2.999, market=True) == {'quantity': '2.99'}
    assert filters.format_price(0.0012345, rounding='down') == '0.001234'
    assert filters.format_quantity(1e-05 + 7, rounding='up') == '7.01'


@pytest.mark.parametrize('quantity, price, market, name, words', [
    ('1.234', '0.001', False, 'LOT_SIZE', 'not a whole number of steps of 0.01; e.g. 1.23'),
    ('0.001', '0.001', False, 'LOT_SIZE', 'below minQty 0.01'),
    ('1', '0.0010005', False, 'PRICE_FILTER', 'not on the tick 0.000001; e.g. 0.001'),
    ('1', '200', False, 'PRICE_FILTER', 'above maxPrice 100'),
    ('0.05', '0.001', False, 'NOTIONAL', 'below the minimum notional 0.0001'),
    ('600', '0.001', True, 'MARKET_LOT_SIZE', 'above maxQty 500'),
])
def test_check_names_the_filter_binance_would_name(quantity, price, market, name, words):
    """check() raises BinanceOrderFilterException (a ValueError, code -1013) naming the filter."""
    filters = SymbolFilters('BNBBTC', SPOT_FILTERS)
    with pytest.raises(BinanceOrderFilterException) as info:
        filters.check(quantity, price, market=market)
    assert info.value.filter == name and info.value.code == -1013
    assert isinstance(info.value, ValueError)
    assert 'Filter failure: {} (spot BNBBTC)'.format(name) in str(info.value)
    assert words in str(info.value)


def test_futures_notional_and_market_lot():
    """Futures read MIN_NOTIONAL's 'notional' and use MARKET_LOT_SIZE alone for market orders."""
    filters = SymbolFilters('BTCUSDT', [
        {'filterType': 'PRICE_FILTER', 'minPrice': '0.10', 'maxPrice': '1000000', 'tickSize': '0.10'},
        {'filterType': 'LOT_SIZE', 'minQty': '0.001', 'maxQty': '1000', 'stepSize': '0.001'},
        {'filterType': 'MARKET_LOT_SIZE', 'minQty': '0.01', 'maxQty': '120', 'stepSize': '0.01'},
        {'filterType': 'MIN_NOTIONAL', 'notional': '100'}], market='futures')
    assert filters.min_notional == 100 and filters.notional_filter == 'MIN_NOTIONAL'
    assert filters.order_params('0.0157', 60000.04) == {'quantity': '0.015', 'price': '60000'}
    assert filters.order_params('0.0157', 60000, market=True) == {'quantity': '0.01'}
    with pytest.raises(BinanceOrderFilterException, match='MIN_NOTIONAL'):
        filters.check('0.001', '60000')


def test_the_cache_fetches_once_refreshes_when_old_and_on_request():
    """One fetch serves every symbol; MAX_AGE, refresh=True and a new symbol fetch again."""
    now = [0.0]
    fetched = []
    listed = [{'symbol': 'BNBBTC', 'filters': SPOT_FILTERS}]

    def fetch():
        fetched.append(now[0])
        return {'symbols': list(listed)}

    cache = SymbolFiltersCache(fetch, clock=lambda: now[0])
    assert cache.get('BNBBTC').step_size == Decimal('0.01')
    assert cache.get('BNBBTC') is cache.get('BNBBTC') and fetched == [0.0]
    now[0] = cache.MAX_AGE
    cache.get('BNBBTC')
    cache.get('BNBBTC', refresh=True)
    assert fetched == [0.0, cache.MAX_AGE, cache.MAX_AGE]
    with pytest.raises(ValueError, match="NEWBTC is not a spot symbol"):
        cache.get('NEWBTC')                      # fetched just now: not again
    assert len(fetched) == 3
    listed.append({'symbol': 'NEWBTC', 'filters': SPOT_FILTERS})
    now[0] += cache.MIN_REFETCH
    assert cache.get('NEWBTC').symbol == 'NEWBTC'   # a new listing is found
    assert len(fetched) == 4
    with pytest.raises(ValueError, match="upper case"):
        cache.get('bnbbtc')


# -- against the local exchange -----------------------------------------------------------

def _raw_price(client, symbol, factor):
    return float(client.get_avg_price(symbol=symbol)['price']) * factor


def test_a_rounded_order_is_accepted_and_unrounded_ones_get_binances_errors(exchange):
    """order_params makes an accepted order; the raw numbers get -1013 LOT_SIZE/PRICE_FILTER, -1111."""
    client = exchange.client()
    filters = client.get_symbol_filters('BNBBTC')
    price = _raw_price(client, 'BNBBTC', 0.97)        # a float with many decimals
    quantity = 1.23456                                # not on BNBBTC's lot step 0.001
    order = client.order_limit_buy(symbol='BNBBTC', **filters.order_params(quantity, price))
    assert order['status'] == 'NEW' and order['origQty'] == '1.23400000'
    refusals = {}
    for name, params in (('LOT_SIZE', {'quantity': quantity,
                                       'price': filters.format_price(price)}),
                         ('PRICE_FILTER', {'quantity': '1.234',
                                           'price': '{:.8f}'.format(price + 0.00000031)}),
                         ('precision', {'quantity': '1.2340000001',
                                        'price': filters.format_price(price)})):
        with pytest.raises(BinanceAPIException) as info:
            client.order_limit_buy(symbol='BNBBTC', **params)
        refusals[name] = (info.value.code, info.value.message)
        if name != 'precision':   # the helper names the same filter before sending
            with pytest.raises(BinanceOrderFilterException) as mine:
                filters.check(params['quantity'], params['price'])
            assert mine.value.filter == name
    assert refusals == {'LOT_SIZE': (-1013, 'Filter failure: LOT_SIZE'),
                        'PRICE_FILTER': (-1013, 'Filter failure: PRICE_FILTER'),
                        'precision': (-1111, "Parameter 'quantity' has too much precision.")}


def test_the_minimum_notional_is_checked_like_the_exchange_does(exchange):
    """Below BTCUSDT's minimum notional: the helper and the exchange both say NOTIONAL."""
    client = exchange.client()
    filters = client.get_symbol_filters('BTCUSDT')
    price = filters.format_price(_raw_price(client, 'BTCUSDT', 0.97))
    with pytest.raises(BinanceOrderFilterException) as mine:
        filters.order_params('0.00001', price)
    with pytest.raises(BinanceAPIException) as theirs:
        client.order_limit_buy(symbol='BTCUSDT', quantity='0.00001', price=price)
    assert mine.value.filter == 'NOTIONAL'
    assert (theirs.value.code, theirs.value.message) == (-1013, 'Filter failure: NOTIONAL')


def test_a_rounded_market_order_fills(exchange):
    """A market quantity rounded with market=True is accepted and fills."""
    client = exchange.client()
    filters = client.get_symbol_filters('BNBBTC')
    params = filters.order_params(2.71828, _raw_price(client, 'BNBBTC', 1), market=True)
    assert params == {'quantity': '2.718'}
    assert client.order_market_buy(symbol='BNBBTC', **params)['status'] == 'FILLED'


def test_exchange_info_is_fetched_once_for_many_lookups(exchange):
    """Filters of several symbols come from one exchangeInfo request until refresh=True."""
    client = exchange.client()
    exchange.clear_requests()
    for symbol in ('BNBBTC', 'ETHBTC', 'BTCUSDT', 'BNBBTC'):
        client.get_symbol_filters(symbol)
    client.get_symbol_filters('ETHBTC', refresh=True)
    paths = [r.path for r in exchange.requests if r.path.endswith('exchangeInfo')]
    assert paths == ['/api/v3/exchangeInfo'] * 2
    with pytest.raises(ValueError, match='FOOBAR is not a spot symbol'):
        client.get_symbol_filters('FOOBAR')


def test_a_rounded_futures_order_is_accepted(exchange):
    """USD-M filters come from /fapi/v1/exchangeInfo; the rounded order rests on the book."""
    client = exchange.client()
    filters = client.futures_get_symbol_filters('BTCUSDT')
    assert filters.market == 'futures' and filters.notional_filter == 'MIN_NOTIONAL'
    mark = float(client.futures_mark_price(symbol='BTCUSDT')['markPrice'])
    params = filters.order_params(0.0123456, mark * 0.9713)
    assert params['quantity'] == '0.012'
    assert Decimal(params['price']) % filters.tick_size == 0
    order = client.futures_create_order(symbol='BTCUSDT', side='BUY', type='LIMIT',
                                        timeInForce='GTC', **params)
    assert (order['status'], order['origQty']) == ('NEW', '0.012')
    with pytest.raises(BinanceOrderFilterException, match='MIN_NOTIONAL'):
        filters.order_params('0.001', mark * 0.9)   # 0.001 BTC is below 100 USDT
