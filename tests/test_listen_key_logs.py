"""The listen key never reaches autobahn's log lines, even at debug level (issue 25).

autobahn logs the whole HTTP request of the opening handshake at debug level
(``GET /ws/<listenKey> HTTP/1.1``); the stream protocols log through
:class:`binance._streams.diagnostics.RedactedLog`, which takes the key out.
Real loopback sockets against a local exchange that serves listen keys.
"""
import pytest
import txaio
from twisted.logger import formatEvent, globalLogPublisher

from binance._streams.diagnostics import REDACTED, redact
from binance.websockets import BinanceSocketManager
from tests.support import wait_until

MODULE_EXCHANGE = {'tick': None, 'listen_keys': True}


@pytest.fixture(scope='module')
def exchange(module_exchange):
    return module_exchange


def test_autobahn_debug_lines_never_show_the_listen_key(exchange):
    """With autobahn's debug logging on, its handshake lines (client and local server) show <listen key>, never the key."""
    events = []

    def observe(event):
        # the client's lines and the local exchange's own (its server logs the requests it
        # receives: a test log that users share must not carry the key either)
        events.append(formatEvent(event) + ' ' + repr(event.get('request', '')))

    before = txaio.get_global_log_level()
    txaio.set_global_log_level('debug')
    globalLogPublisher.addObserver(observe)
    bm = BinanceSocketManager(exchange.client())
    bm.STREAM_URL = exchange.stream_url
    try:
        bm.start()
        bm.start_user_socket(lambda msg: None)
        wait_until(lambda: [p for p in exchange.streams.connections if p.startswith('/ws/')],
                   timeout=20, message='the user stream connection')
        wait_until(lambda: any('HTTP/1.1' in e for e in list(events)), timeout=20,
                   message="autobahn's handshake line")
    finally:
        globalLogPublisher.removeObserver(observe)
        txaio.set_global_log_level(before)
        bm.close()
    keys = [p[len('/ws/'):] for p in exchange.streams.connections if p.startswith('/ws/')]
    assert keys and all(len(k) >= 16 for k in keys)
    text = '\n'.join(events)
    assert REDACTED in text
    assert not any(key in text for key in keys)


@pytest.mark.parametrize('line, expected', [
    ('GET /ws/' + 'a1B2' * 15 + ' HTTP/1.1', 'GET /ws/<listen key> HTTP/1.1'),
    ('GET /ws/bnbbtc@trade HTTP/1.1', 'GET /ws/bnbbtc@trade HTTP/1.1'),
    ('GET /stream?streams=bnbbtc@trade/ethbtc@depth HTTP/1.1',
     'GET /stream?streams=bnbbtc@trade/ethbtc@depth HTTP/1.1'),
    ('{"listenKey": "' + 'x' * 60 + '"}', '{"listenKey": "<listen key>"}'),
    ('listenToken=' + 'T' * 40, 'listenToken=<listen key>'),
])
def test_redact_takes_out_keys_and_keeps_stream_names(line, expected):
    """Listen keys in paths, JSON and queries are replaced; stream names stay readable."""
    assert redact(line) == expected
    assert redact(line.encode()) == expected.encode()
