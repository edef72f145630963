"""Unknown symbols are reported instead of failing silently (streams, depth cache, examples)."""
import logging
import subprocess
import sys
import time
from pathlib import Path

from binance.websockets import BinanceSocketManager
from tests.support import wait_until

ROOT = Path(__file__).resolve().parents[1]


def _manager(exchange):
    bm = BinanceSocketManager(exchange.client())
    bm.STREAM_URL = exchange.stream_url
    return bm


def _warnings(caplog):
    return [r.getMessage() for r in caplog.records
            if r.name == 'binance.websockets' and 'is not a symbol' in r.getMessage()]


def test_unlisted_symbol_of_a_stream_is_warned_about(exchange, caplog):
    """start_trade_socket('FOOBAR') logs a warning naming FOOBAR once the exchange info is known."""
    caplog.set_level(logging.WARNING, 'binance.websockets')
    bm = _manager(exchange)
    assert exchange.requests == []            # construction is offline
    bm.start()
    try:
        assert bm.start_trade_socket('FOOBAR', lambda msg: None) == 'foobar@trade'
        bm.start_trade_socket('BNBBTC', lambda msg: None)
        bm.start_multiplex_socket(['ethbtc@trade', 'xyzabc@depth'], lambda msg: None)
        wait_until(lambda: len(_warnings(caplog)) >= 2, message='two warnings')
        warnings = _warnings(caplog)
        assert warnings[0].startswith('foobar@trade: FOOBAR is not a symbol of this exchange')
        assert warnings[1].startswith('xyzabc@depth: XYZABC is not a symbol')
        assert len(warnings) == 2
        infos = [r for r in exchange.requests if r.path == '/api/v3/exchangeInfo']
        assert len(infos) == 1                 # asked once per manager
    finally:
        bm.close()


def test_listed_symbols_cause_no_warning(exchange, caplog):
    """Streams of listed symbols are not warned about."""
    caplog.set_level(logging.WARNING, 'binance.websockets')
    bm = _manager(exchange)
    bm.start()
    try:
        key = bm.start_aggtrade_socket('BNBBTC', lambda msg: None)
        wait_until(lambda: bm._symbols._listed is not None, message='the exchange info')
        assert bm.wait_connected(key, timeout=5)
        assert _warnings(caplog) == []
    finally:
        bm.close()


def test_depth_cache_of_an_unlisted_symbol_calls_back_none_and_stops(exchange, caplog,
                                                                     monkeypatch):
    """DepthCacheManager(client, 'FOOBAR') gets -1121 once: callback(None), an error logged, no retries."""
    from binance.depthcache import DepthCacheManager
    caplog.set_level(logging.WARNING)
    # no diff event ever comes for FOOBAR: ask for the snapshot after 0.02 s, not SNAPSHOT_WAIT's 1 s
    monkeypatch.setattr(DepthCacheManager, 'SNAPSHOT_WAIT', 0.02)
    bm = _manager(exchange)
    got = []
    DepthCacheManager(exchange.client(), 'FOOBAR', callback=got.append, bm=bm)
    try:
        wait_until(lambda: got, timeout=10, message='callback(None)')
        assert got == [None]
        errors = [r.getMessage() for r in caplog.records
                  if r.name == 'binance.depthcache' and r.levelno == logging.ERROR]
        assert errors == ['FOOBAR depth: Invalid symbol. (code -1121); the depth cache stops']
        depth_requests = [r for r in exchange.requests if r.path == '/api/v3/depth']
        assert len(depth_requests) == 1
        assert 'foobar@depth' not in bm.conn_keys
    finally:
        bm.close()
