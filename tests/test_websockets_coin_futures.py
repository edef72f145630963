"""COIN-M sockets against the local exchange's dstream, and the COIN-M depth cache."""
import queue
import threading

import pytest

from binance.futures_depthcache import CoinFuturesDepthCacheManager
from binance.websockets import BinanceSocketManager
from tests.support import first, local_manager, wait_until

# timer streams (markPrice@1s, @ticker, klines) ten times Binance's cadence: no test here
# pins the cadence, each waits for a first message
MODULE_EXCHANGE = {'tick': 0.05, 'stream_period_scale': 0.1}
PERP = 'BTCUSD_PERP'


@pytest.fixture(scope='module')
def ex(module_exchange):
    return module_exchange


@pytest.fixture
def bm(ex):
    manager = local_manager(ex)
    yield manager
    manager.close()


COIN_M = {'futures_type': 'COIN_M'}
SOCKETS = [
    ('start_aggtrade_futures_socket', (PERP,), COIN_M, 'btcusd_perp@aggTrade', 'aggTrade'),
    ('start_symbol_mark_price_socket', (PERP,), COIN_M, 'btcusd_perp@markPrice@1s',
     'markPriceUpdate'),
    ('start_all_mark_price_socket', (), COIN_M, '!markPrice@arr@1s', list),
    ('start_symbol_ticker_futures_socket', (PERP,), COIN_M, 'btcusd_perp@bookTicker',
     'bookTicker'),
    ('start_individual_symbol_ticker_futures_socket', ('ETHUSD_PERP',), COIN_M,
     'ethusd_perp@ticker', '24hrTicker'),
    ('start_all_ticker_futures_socket', (), COIN_M, '!bookTicker', 'bookTicker'),
    ('start_futures_kline_socket', (PERP,), dict(COIN_M, interval='1m'),
     'btcusd_perp@kline_1m', 'kline'),
    ('start_futures_depth_socket', (PERP,), COIN_M, 'btcusd_perp@depth', 'depthUpdate'),
    ('start_futures_depth_socket', (PERP,), dict(COIN_M, depth='5', interval=100),
     'btcusd_perp@depth5@100ms', 'depthUpdate'),
    ('start_coin_futures_depth_socket', (PERP,), {'interval': 100}, 'btcusd_perp@depth@100ms',
     'depthUpdate'),
]


@pytest.mark.parametrize('method, args, kwargs, name, kind', SOCKETS,
                         ids=[s[0] + ':' + s[3] for s in SOCKETS])
def test_each_coin_socket_connects_to_dstream_with_the_combined_envelope(ex, bm, method, args,
                                                                         kwargs, name, kind):
    """Each futures socket with futures_type='COIN_M' opens dstream's stream?streams=<name>
    (no route) and delivers {'stream', 'data'} with COIN-M's symbols."""
    messages = queue.Queue()
    key = getattr(bm, method)(*args, messages.put, **kwargs)
    assert key == 'coin/' + name
    assert bm.wait_connected(key, timeout=10)
    assert '/stream?streams=' + name in ex.coin.streams.connections
    message = first(messages)
    assert message['stream'] == name
    if kind is list:
        assert {m['s'] for m in message['data']} >= {'BTCUSD_PERP', 'ETHUSD_PERP'}
    else:
        assert message['data']['e'] == kind
    if kind == 'depthUpdate':
        assert {'U', 'u', 'pu', 'T'} <= set(message['data'])
    if kind != list and 's' in message['data']:
        assert message['data']['s'].endswith('_PERP')
    assert getattr(bm, method)(*args, messages.put, **kwargs) is False   # one socket per stream


def test_usd_m_and_coin_m_sockets_do_not_collide(ex, bm):
    """The same socket method opens fstream by default and dstream with COIN_M: two keys."""
    usd, coin = queue.Queue(), queue.Queue()
    assert bm.start_all_mark_price_socket(usd.put) == 'market/!markPrice@arr@1s'
    assert bm.start_all_mark_price_socket(coin.put, futures_type='COIN_M') == \
        'coin/!markPrice@arr@1s'
    assert {m['s'] for m in first(usd)['data']} == {'BTCUSDT', 'ETHUSDT', 'BNBUSDT'}
    assert {m['s'] for m in first(coin)['data']} >= {'BTCUSD_PERP'}


def test_coin_multiplex_delivers_every_stream_on_one_connection(ex, bm):
    """Depth and market streams share one dstream connection (no routes on COIN-M)."""
    messages = queue.Queue()
    names = ['btcusd_perp@depth', 'ethusd_perp@markPrice@1s', 'btcusd_perp@aggTrade']
    key = bm.start_futures_multiplex_socket(names, messages.put, futures_type='COIN_M')
    assert key == 'coin/stream?streams=' + '/'.join(names)
    seen = set()
    while seen != set(names):
        seen.add(messages.get(timeout=10)['stream'])
    assert len([p for p in ex.coin.streams.connections if 'ethusd_perp@markPrice@1s' in p]) == 1


def test_coin_sockets_check_their_arguments_before_connecting(bm):
    """USD-M names, unknown futures types and too many streams are refused at once."""
    with pytest.raises(ValueError, match='unknown COIN-M stream'):
        bm.start_aggtrade_futures_socket('BTCUSDT', print, futures_type='COIN_M')
    with pytest.raises(ValueError, match='unknown USD-M stream'):
        bm.start_aggtrade_futures_socket(PERP, print)
    with pytest.raises(ValueError, match='futures_type'):
        bm.start_aggtrade_futures_socket(PERP, print, futures_type='OPTIONS')
    with pytest.raises(ValueError, match='200'):
        bm.start_futures_multiplex_socket(['s{}usd_perp@aggTrade'.format(i) for i in range(201)],
                                          print, futures_type='COIN_M')
    with pytest.raises(ValueError):
        bm.start_coin_futures_depth_socket(PERP, print, interval=1000)
    assert bm.conn_keys == []


def test_a_futures_type_enum_is_accepted(ex, bm):
    """python-binance 1.0's FuturesType.COIN_M (an enum named COIN_M) selects dstream."""
    import enum

    class FuturesType(enum.Enum):
        USD_M = 1
        COIN_M = 2
    assert bm.start_aggtrade_futures_socket(PERP, print, futures_type=FuturesType.COIN_M) == \
        'coin/btcusd_perp@aggTrade'


def test_coin_user_socket_gets_order_and_account_events_and_renews_its_key(ex, bm):
    """ORDER_TRADE_UPDATE and ACCOUNT_UPDATE (balances in BTC, with the account alias i) arrive
    on dstream's ws/<listenKey>; an expired key is replaced."""
    events = queue.Queue()
    client = ex.client()
    key = bm.start_coin_futures_user_socket(events.put)
    assert key == 'coin_futures_user' and bm.wait_connected(key, timeout=10)
    client.futures_coin_create_order(symbol=PERP, side='BUY', type='MARKET', quantity=2)
    update = first(events, lambda e: e['e'] == 'ORDER_TRADE_UPDATE')
    assert update['o']['s'] == PERP and update['o']['ps'] == 'BOTH' and update['i']
    account = first(events, lambda e: e['e'] == 'ACCOUNT_UPDATE')
    assert account['a']['B'][0]['a'] == 'BTC' and account['a']['P'][0]['s'] == PERP
    old = client.futures_coin_stream_get_listen_key()
    assert '/ws/' + old in ex.coin.streams.connections
    seen = len(ex.coin.streams.connections)
    ex.call(ex.coin_futures.expire_listen_key, old)
    assert first(events, lambda e: e['e'] == 'listenKeyExpired')['listenKey'] == old
    assert wait_until(lambda: any(p.startswith('/ws/') and p != '/ws/' + old
                                  for p in ex.coin.streams.connections[seen:]), timeout=10)
    assert wait_until(lambda: bm.wait_connected(key, timeout=0.1), timeout=10)
    client.futures_coin_create_order(symbol=PERP, side='SELL', type='MARKET', quantity=2,
                                     reduceOnly=True)
    assert first(events, lambda e: e['e'] == 'ORDER_TRADE_UPDATE')['o']['S'] == 'SELL'
    assert bm.start_coin_futures_socket(events.put) is False    # 1.0's other name, same socket


def test_coin_user_socket_needs_a_keyed_client():
    """Without an API key the COIN-M user socket is refused at once."""
    with pytest.raises(ValueError):
        BinanceSocketManager(None).start_coin_futures_user_socket(print)


def test_coin_depth_cache_keeps_the_true_book(ex):
    """CoinFuturesDepthCacheManager follows /dapi/v1/depth and dstream's pu chain to the
    exchange's book, also after a withheld event."""
    client = ex.client()
    bm = local_manager(ex)
    updates = threading.Event()
    dcm = CoinFuturesDepthCacheManager(client, PERP, callback=lambda dc: updates.set(), bm=bm,
                                       limit=1000)
    try:
        def synced():
            bids, asks = ex.call(ex.coin_futures.book, PERP)
            cache = dcm.get_depth_cache()
            return cache.last_update_id == ex.call(ex.coin_futures.update_id, PERP) \
                and len(cache.get_bids()) == len(bids)
        assert wait_until(synced, timeout=15)
        ex.coin.streams.inject_depth_fault(PERP, 'gap')
        first_id = dcm.get_depth_cache().last_update_id
        assert wait_until(lambda: synced() and dcm.get_depth_cache().last_update_id > first_id,
                          timeout=15)
        assert [r.path for r in ex.requests].count('/dapi/v1/depth') >= 2   # resynced
        assert repr(dcm).startswith('<CoinFuturesDepthCacheManager BTCUSD_PERP')
    finally:
        dcm.close()
        bm.close()


def test_the_exchanges_stream_period_scale_reaches_its_three_stream_servers(ex):
    """LocalExchange(stream_period_scale=0.1) sets the timer cadence of spot, fstream and dstream."""
    assert [server.period_scale for server in (ex.streams, ex.fstreams, ex.coin.streams)] == \
        [0.1, 0.1, 0.1]
