"""The futures order book procedure: pure state machine, then the manager over loopback."""
import threading

import pytest

from binance.depthcache import DepthCache
from binance.futures_depthcache import FuturesDepthCacheManager, FuturesDepthCacheSync
from binance.websockets import BinanceSocketManager
from tests.support import wait_until

SNAPSHOT = {'lastUpdateId': 100, 'bids': [['10.0', '1']], 'asks': [['11.0', '1']]}


def event(first, last, prev, bids=(), asks=()):
    return {'e': 'depthUpdate', 'U': first, 'u': last, 'pu': prev, 'b': list(bids),
            'a': list(asks)}


def sync():
    return FuturesDepthCacheSync(DepthCache('BTCUSDT'))


def test_first_event_must_span_the_snapshot_id():
    """Buffered events with u < L are dropped; the first applied has U <= L <= u."""
    s = sync()
    s.on_event(event(90, 95, 89))
    s.on_event(event(96, 103, 95, bids=[['10.0', '2']]))
    assert s.on_snapshot(SNAPSHOT) == s.APPLIED
    assert s.last_update_id == 103
    assert s.cache.get_bids() == [[10.0, 2.0]]


def test_later_events_chain_by_pu_not_by_u_plus_one():
    """After the first event each pu must equal the previous u; ids may jump."""
    s = sync()
    s.on_event(event(99, 101, 98))
    s.on_snapshot(SNAPSHOT)
    assert s.on_event(event(150, 160, 101, asks=[['11.0', '3']])) == s.APPLIED
    assert s.cache.get_asks() == [[11.0, 3.0]]
    assert s.on_event(event(150, 160, 101)) == s.IGNORED        # a duplicate


def test_a_broken_chain_clears_the_book_and_resyncs():
    """An event whose pu is not the previous u clears the book and asks for a snapshot."""
    s = sync()
    s.on_event(event(99, 101, 98))
    s.on_snapshot(SNAPSHOT)
    assert s.on_event(event(120, 130, 115)) == s.RESYNC
    assert s.cache.get_bids() == [] and s.waiting_for_snapshot and s.retry_delay > 0


def test_a_snapshot_older_than_the_stream_is_stale():
    """When the first buffered event starts after L, another snapshot is needed."""
    s = sync()
    s.on_event(event(105, 110, 104))
    assert s.on_snapshot(SNAPSHOT) == s.STALE_SNAPSHOT
    assert s.buffered == 1


def test_an_event_without_pu_is_refused():
    """A spot-style event (no pu) is a ValueError, not a silent mis-sync."""
    s = sync()
    s.on_snapshot(SNAPSHOT)
    with pytest.raises(ValueError):
        s.on_event({'U': 100, 'u': 101, 'b': [], 'a': []})


def test_manager_keeps_the_true_book_and_recovers_from_a_gap(exchange):
    """Over loopback the cache equals the exchange's book, also after a withheld event."""
    client = exchange.client()
    bm = BinanceSocketManager(client)
    bm.FSTREAM_URL = exchange.fstream_url
    updates = threading.Event()
    dcm = FuturesDepthCacheManager(client, 'ETHUSDT', callback=lambda dc: updates.set(), bm=bm,
                                   limit=1000)
    try:
        def synced():
            exchange.step()
            bids, asks = exchange.call(exchange.futures.book, 'ETHUSDT')
            cache = dcm.get_depth_cache()
            return cache.last_update_id == exchange.call(exchange.futures.update_id, 'ETHUSDT') \
                and len(cache.get_bids()) == len(bids)
        assert wait_until(synced, timeout=10)
        exchange.fstreams.inject_depth_fault('ETHUSDT', 'gap')
        first_id = dcm.get_depth_cache().last_update_id
        assert wait_until(lambda: synced() and dcm.get_depth_cache().last_update_id > first_id,
                          timeout=15)
        assert [r.path for r in exchange.requests].count('/fapi/v1/depth') >= 2   # resynced
    finally:
        dcm.close()
        bm.close()


def test_manager_checks_its_arguments():
    """Spot-only depths and clients without futures_order_book are refused at once."""
    from binance.client import Client
    with pytest.raises(ValueError):
        FuturesDepthCacheManager(Client(), 'BTCUSDT', limit=5000)
    with pytest.raises(TypeError):
        FuturesDepthCacheManager(object(), 'BTCUSDT')
