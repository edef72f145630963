"""wss:// streams verify the server certificate and host name (local exchange over TLS).

The exchange's certificates come from :mod:`binance.testing.tls`: one CA per
process signs every server certificate, so a certificate for the wrong host
name is still signed by a trusted CA and only host-name verification can
refuse it.
"""
import logging

import pytest

from binance.testing import LocalExchange
from binance.websockets import BinanceSocketManager
from tests.support import wait_until

ERROR = {'e': 'error', 'm': 'Max reconnect retries reached'}


MODULE_EXCHANGE = {'tls': True, 'tick': None}


@pytest.fixture(scope='module')
def tls_exchange(module_exchange):
    return module_exchange


@pytest.fixture(scope='module')
def wrong_host_exchange():
    with LocalExchange(tls=True, tls_hostnames=('wrong.invalid',), tick=None) as ex:
        yield ex


class Recorder(list):
    def __call__(self, msg):
        self.append(msg)


def fast_manager(url, **kw):
    bm = BinanceSocketManager(None, **kw)
    bm.STREAM_URL = url
    bm.INITIAL_DELAY, bm.MAX_DELAY = 0.01, 0.05
    bm.start()
    return bm


def test_trusted_ca_connects_and_delivers(tls_exchange):
    """With the exchange's CA as tls_ca, a wss:// stream connects and delivers."""
    assert tls_exchange.stream_url.startswith('wss://')
    bm = fast_manager(tls_exchange.stream_url, tls_ca=tls_exchange.ca_file)
    rec = Recorder()
    try:
        key = bm.start_trade_socket('BNBBTC', rec)
        tls_exchange.streams.wait_for_connections(1, stream=key)
        tls_exchange.streams.push(key, {'e': 'trade', 'tls': True})
        wait_until(lambda: rec)
        assert rec == [{'e': 'trade', 'tls': True}]
    finally:
        bm.close()


def test_install_points_streams_and_trust_at_the_exchange(tls_exchange):
    """Inside exchange.install() an unmodified manager trusts the exchange's CA."""
    rec = Recorder()
    with tls_exchange.install():
        bm = BinanceSocketManager(tls_exchange.client())
        bm.start()
        try:
            key = bm.start_aggtrade_socket('BNBBTC', rec)
            tls_exchange.streams.wait_for_connections(1, stream=key)
            tls_exchange.streams.push(key, {'e': 'aggTrade'})
            wait_until(lambda: rec)
        finally:
            bm.close()
    assert BinanceSocketManager.STREAM_URL == 'wss://stream.binance.com:9443/'
    assert BinanceSocketManager.TLS_CA is None


def test_untrusted_certificate_is_refused(tls_exchange, caplog):
    """Without the exchange's CA the certificate is refused: TLS error logged, then the error dict."""
    bm = fast_manager(tls_exchange.stream_url)
    rec = Recorder()
    try:
        with caplog.at_level(logging.ERROR, logger='binance.websockets'):
            bm.start_trade_socket('BNBBTC', rec)
            wait_until(lambda: rec, timeout=30, message='the error message')
        assert rec == [ERROR]
        assert 'TLS verification' in caplog.text
        assert tls_exchange.streams.connection_count('bnbbtc@trade') == 0
    finally:
        bm.close()


def test_wrong_host_name_is_refused(wrong_host_exchange, caplog):
    """A certificate from a trusted CA but for another host name is refused."""
    bm = fast_manager(wrong_host_exchange.stream_url, tls_ca=wrong_host_exchange.ca_file)
    rec = Recorder()
    try:
        with caplog.at_level(logging.ERROR, logger='binance.websockets'):
            bm.start_trade_socket('BNBBTC', rec)
            wait_until(lambda: rec, timeout=30, message='the error message')
        assert rec == [ERROR]
        assert 'TLS verification' in caplog.text
        assert wrong_host_exchange.streams.connection_count() == 0
    finally:
        bm.close()
