"""The local exchange's WebSocket stream server (binance.testing.streams).

Wire behaviour (paths, frames, refusals, drops) is tested with a small raw
WebSocket client over loopback against a server on the shared reactor;
timer logic (keepalive, periodic streams) with a ``Clock`` and an in-memory
transport, so nothing sleeps.
"""
import base64
import json
import os
import socket
import struct
import time

import pytest
from twisted.internet.address import IPv4Address
from twisted.internet.error import ConnectionDone
from twisted.internet.testing import MemoryReactorClock, StringTransport
from twisted.python.failure import Failure

from binance import _reactor
from binance.testing.streams import StreamServer
from binance._client_params import sign_payload
from binance.testing.streams_wsapi import sign

# ---------------------------------------------------------------- a fake Market

API_KEY, API_SECRET = 'key-a', 'secret-a'
OTHER_KEY, OTHER_SECRET = 'key-b', 'secret-b'
LISTEN_KEY, OTHER_LISTEN_KEY = 'lkA' * 20, 'lkB' * 20


class FakeMarket:
    """Implements the part of the Market contract (DESIGN.rst) the stream server uses."""

    def __init__(self):
        self.listeners = []
        self.best = {'BNBBTC': ('0.00100000', '5.00000000', '0.00110000', '7.00000000')}
        self.update_id = {'BNBBTC': 100}
        self.kline_open = 0
        self.secrets = {API_KEY: API_SECRET, OTHER_KEY: OTHER_SECRET}
        self.listen_keys = {LISTEN_KEY: API_KEY, OTHER_LISTEN_KEY: OTHER_KEY}

    def add_listener(self, fn):
        self.listeners.append(fn)

    def remove_listener(self, fn):
        self.listeners.remove(fn)

    def emit(self, kind, key, payload):
        for fn in list(self.listeners):
            fn(kind, key, payload)

    def depth_update(self, symbol='BNBBTC', bids=(('0.00100000', '1.00000000'),), asks=()):
        first = self.update_id[symbol] + 1
        self.update_id[symbol] += 2
        event = {'e': 'depthUpdate', 'E': 1, 's': symbol, 'U': first,
                 'u': self.update_id[symbol], 'b': [list(b) for b in bids],
                 'a': [list(a) for a in asks]}
        self.emit('depthUpdate', symbol, event)
        return event

    def _check(self, symbol):
        if symbol not in self.best:
            raise KeyError('Invalid symbol.')

    def depth(self, symbol, limit=100):
        self._check(symbol)
        bids = [['0.00{:06d}'.format(1000 - i), '1.0'] for i in range(limit)]
        asks = [['0.00{:06d}'.format(1100 + i), '2.0'] for i in range(limit)]
        return {'lastUpdateId': self.update_id[symbol], 'bids': bids, 'asks': asks}

    def book_ticker(self, symbol=None):
        self._check(symbol)
        b, bq, a, aq = self.best[symbol]
        return {'symbol': symbol, 'bidPrice': b, 'bidQty': bq, 'askPrice': a, 'askQty': aq}

    def ticker_24h(self, symbol=None):
        tickers = [{'symbol': s, 'priceChange': '0.1', 'priceChangePercent': '1.0',
                    'weightedAvgPrice': '1.0', 'prevClosePrice': '0.9', 'lastPrice': '1.0',
                    'lastQty': '3', 'bidPrice': '0.99', 'bidQty': '1', 'askPrice': '1.01',
                    'askQty': '2', 'openPrice': '0.9', 'highPrice': '1.1', 'lowPrice': '0.8',
                    'volume': '100', 'quoteVolume': '100', 'openTime': 0, 'closeTime': 1,
                    'firstId': 1, 'lastId': 9, 'count': 9} for s in sorted(self.best)]
        if symbol is None:
            return tickers
        self._check(symbol)
        return [t for t in tickers if t['symbol'] == symbol][0]

    def klines(self, symbol, interval, limit=500):
        self._check(symbol)
        rows = []
        for start in (self.kline_open - 60000, self.kline_open):
            rows.append([start, '1.0', '1.2', '0.9', '1.1', '10', start + 59999, '11', 4,
                         '5', '5.5', '0'])
        return rows[-limit:]

    def secret_for(self, api_key):
        return self.secrets.get(api_key)

    def key_type(self, api_key):
        return 'HMAC' if api_key in self.secrets else None

    def verify_signature(self, api_key, payload, signature):
        return signature == sign_payload(self.secrets[api_key], payload.decode('utf-8'))

    def listen_key_owner(self, key):
        return self.listen_keys.get(key)


# ---------------------------------------------------------------- WebSocket framing

def encode_frame(opcode, payload=b'', mask=True):
    """One final WebSocket frame; clients must mask."""
    head = bytes([0x80 | opcode])
    size, bit = len(payload), 0x80 if mask else 0
    if size < 126:
        head += bytes([bit | size])
    elif size < 65536:
        head += bytes([bit | 126]) + struct.pack('!H', size)
    else:
        head += bytes([bit | 127]) + struct.pack('!Q', size)
    if mask:
        key = os.urandom(4)
        payload = bytes(b ^ key[i % 4] for i, b in enumerate(payload))
        head += key
    return head + payload


def decode_frame(buf):
    """The first complete unmasked frame in ``buf`` as (opcode, payload), and the rest."""
    if len(buf) < 2:
        return None, buf
    size, pos = buf[1] & 0x7F, 2
    if size == 126:
        if len(buf) < 4:
            return None, buf
        size, pos = struct.unpack('!H', buf[2:4])[0], 4
    elif size == 127:
        if len(buf) < 10:
            return None, buf
        size, pos = struct.unpack('!Q', buf[2:10])[0], 10
    if len(buf) < pos + size:
        return None, buf
    return (buf[0] & 0x0F, buf[pos:pos + size]), buf[pos + size:]


def decode_frames(buf):
    """Every complete frame in ``buf``."""
    frames = []
    while True:
        frame, buf = decode_frame(buf)
        if frame is None:
            return frames
        frames.append(frame)


def handshake(path, port):
    key = base64.b64encode(os.urandom(16)).decode()
    return ('GET {} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nUpgrade: websocket\r\n'
            'Connection: Upgrade\r\nSec-WebSocket-Key: {}\r\nSec-WebSocket-Version: 13\r\n\r\n'
            .format(path, port, key)).encode()


class RawClient:
    """A blocking WebSocket client over a real socket; ``status`` is None if TCP was cut."""

    def __init__(self, port, path, ssl_context=None, server_hostname='127.0.0.1'):
        sock = socket.create_connection(('127.0.0.1', port), timeout=5)
        if ssl_context is not None:
            sock = ssl_context.wrap_socket(sock, server_hostname=server_hostname)
        self.sock, self.buf = sock, b''
        sock.sendall(handshake(path, port))
        head = b''
        while b'\r\n\r\n' not in head:
            chunk = self._read()
            if not chunk:
                break
            head += chunk
        head, _, self.buf = head.partition(b'\r\n\r\n')
        self.status = int(head.split()[1]) if head else None
        self.head = head.decode('latin-1')

    def _read(self):
        try:
            return self.sock.recv(65536)
        except ConnectionResetError:
            return b''

    def recv_frame(self):
        """The next frame, or None when the server closed the TCP connection."""
        while True:
            frame, self.buf = decode_frame(self.buf)
            if frame is not None:
                return frame
            chunk = self._read()
            if not chunk:
                return None
            self.buf += chunk

    def send(self, opcode, payload=b''):
        self.sock.sendall(encode_frame(opcode, payload))

    def send_json(self, obj):
        self.send(1, json.dumps(obj).encode())

    def recv(self, answer_pings=True):
        """The next non-ping frame; pings are answered with their payload when asked to."""
        while True:
            frame = self.recv_frame()
            if frame is not None and frame[0] == 9:
                if answer_pings:
                    self.send(10, frame[1])
                continue
            return frame

    def recv_json(self):
        frame = self.recv()
        assert frame is not None and frame[0] == 1, frame
        return json.loads(frame[1])

    def close(self):
        self.sock.close()


class _Transport(StringTransport):
    """A TCP transport in memory (tolerates autobahn unregistering no producer)."""

    def unregisterProducer(self):
        self.producer = None


class ClockClient:
    """A client over an in-memory transport to a server driven by a fake clock."""

    def __init__(self, server, path):
        addr = IPv4Address('TCP', '127.0.0.1', 40000)
        self.transport = _Transport(peerAddress=addr,
                                         hostAddress=IPv4Address('TCP', '127.0.0.1', 9443))
        self.proto = server.factory.buildProtocol(addr)
        self.proto.makeConnection(self.transport)
        self.proto.dataReceived(handshake(path, 9443))
        head, _, rest = self.transport.value().partition(b'\r\n\r\n')
        self.status = int(head.split()[1])
        self.transport.clear()
        self.buf = rest

    def frames(self):
        """Frames sent since the last call."""
        self.buf += self.transport.value()
        self.transport.clear()
        frames = decode_frames(self.buf)
        self.buf = b''
        return frames

    def messages(self):
        return [json.loads(payload) for opcode, payload in self.frames() if opcode == 1]

    def send(self, opcode, payload=b''):
        self.proto.dataReceived(encode_frame(opcode, payload))

    def lose(self):
        self.proto.connectionLost(Failure(ConnectionDone()))


# ---------------------------------------------------------------- fixtures

@pytest.fixture
def market():
    return FakeMarket()


@pytest.fixture
def make_server(market):
    """Start StreamServers on the shared reactor; stop them (and close clients) after."""
    _reactor.ensure_running()
    servers, clients = [], []

    def make(**kwargs):
        kwargs.setdefault('ping_interval', 0)
        server = StreamServer(market, **kwargs)
        server.port_number = _reactor.blocking_call(server.listen)
        servers.append(server)
        return server

    def connect(server, path, **kwargs):
        client = RawClient(server.port_number, path, **kwargs)
        clients.append(client)
        return client

    make.connect = connect
    yield make
    for client in clients:
        client.close()
    for server in servers:
        _reactor.blocking_call(server.stop)


@pytest.fixture
def server(make_server):
    return make_server()


@pytest.fixture
def connect(server, make_server):
    return lambda path, **kw: make_server.connect(server, path, **kw)


def emit(market, kind, key, payload):
    """Feed a market event on the reactor thread, as the real Market does."""
    _reactor.blocking_call(market.emit, kind, key, payload)


TRADE = {'e': 'trade', 'E': 1, 's': 'BNBBTC', 't': 7, 'p': '0.00100000', 'q': '2.00000000',
         'T': 1, 'm': True, 'M': True}
AGG = {'e': 'aggTrade', 'E': 1, 's': 'BNBBTC', 'a': 3, 'p': '0.00100000', 'q': '2.00000000',
       'f': 7, 'l': 7, 'T': 1, 'm': True, 'M': True}


# ---------------------------------------------------------------- paths and payloads

def test_raw_path_delivers_market_events_as_is(market, connect):
    """/ws/<stream> sends each market event's payload unchanged."""
    client = connect('/ws/bnbbtc@trade')
    assert client.status == 101
    emit(market, 'trade', 'BNBBTC', TRADE)
    assert client.recv_json() == TRADE


def test_combined_path_wraps_payloads_with_stream_name(market, connect):
    """/stream?streams=a/b wraps each payload as {"stream": name, "data": payload}."""
    client = connect('/stream?streams=bnbbtc@trade/bnbbtc@aggTrade')
    emit(market, 'aggTrade', 'BNBBTC', AGG)
    emit(market, 'trade', 'BNBBTC', TRADE)
    assert client.recv_json() == {'stream': 'bnbbtc@aggTrade', 'data': AGG}
    assert client.recv_json() == {'stream': 'bnbbtc@trade', 'data': TRADE}


def test_ws_path_with_several_streams_sends_raw_payloads(market, connect):
    """/ws/a/b subscribes to both streams without the combined wrapper."""
    client = connect('/ws/bnbbtc@trade/bnbbtc@aggTrade')
    emit(market, 'trade', 'BNBBTC', TRADE)
    emit(market, 'aggTrade', 'BNBBTC', AGG)
    assert [client.recv_json(), client.recv_json()] == [TRADE, AGG]


def test_unknown_stream_is_accepted_and_sends_nothing(server, market, connect):
    """An unknown stream name gets a handshake but no messages, like Binance."""
    client = connect('/stream?streams=bnbbtc@nonsense/BNBBTC@trade/bnbbtc@trade')
    assert client.status == 101
    assert server.push('bnbbtc@nonsense', {'x': 1}) == 0
    emit(market, 'trade', 'BNBBTC', TRADE)      # upper-case symbol stream: unknown too
    assert client.recv_json() == {'stream': 'bnbbtc@trade', 'data': TRADE}


@pytest.mark.parametrize('path,status', [
    ('/', 404), ('/api/v3/depth', 404), ('/ws-api/v2', 404),
    ('/ws/bnbbtc@trade//bnbbtc@ticker', 400), ('/stream?streams=', 400),
    ('/ws/bnb%20btc@trade', 400)])
def test_invalid_paths_are_refused_in_the_handshake(connect, path, status):
    """Paths Binance does not serve get an HTTP error instead of 101."""
    assert connect(path).status == status


def test_depth_diff_streams_forward_market_updates(market, connect):
    """<s>@depth and <s>@depth@100ms carry the market's depthUpdate events unchanged."""
    plain, fast = connect('/ws/bnbbtc@depth'), connect('/ws/bnbbtc@depth@100ms')
    event = _reactor.blocking_call(market.depth_update)
    assert plain.recv_json() == event
    assert fast.recv_json() == event


def test_book_ticker_is_sent_when_best_prices_change(market, connect):
    """<s>@bookTicker sends {u,s,b,B,a,A} on a change of the best bid/ask, not on other updates."""
    client = connect('/ws/bnbbtc@bookTicker')
    first = _reactor.blocking_call(market.depth_update)
    _reactor.blocking_call(market.depth_update)           # best prices unchanged
    market.best['BNBBTC'] = ('0.00100000', '6.00000000', '0.00110000', '7.00000000')
    third = _reactor.blocking_call(market.depth_update)
    assert client.recv_json() == {'u': first['u'], 's': 'BNBBTC', 'b': '0.00100000',
                                  'B': '5.00000000', 'a': '0.00110000', 'A': '7.00000000'}
    assert client.recv_json()['u'] == third['u']


def test_partial_depth_100ms_publishes_book_snapshots(market, connect):
    """<s>@depth5@100ms sends {lastUpdateId, bids, asks} with 5 levels on a timer."""
    client = connect('/ws/bnbbtc@depth5@100ms')
    message = client.recv_json()
    assert set(message) == {'lastUpdateId', 'bids', 'asks'}
    assert message['lastUpdateId'] == 100
    assert len(message['bids']) == len(message['asks']) == 5
    assert message['bids'][0] == ['0.00001000', '1.0']


# ---------------------------------------------------------------- scripting

def test_push_reaches_raw_and_combined_subscribers(server, connect):
    """push() sends a payload to every subscriber of the stream, wrapped on combined paths."""
    raw, combined = connect('/ws/neobtc@ticker'), connect('/stream?streams=neobtc@ticker')
    assert server.push('neobtc@ticker', {'e': '24hrTicker', 's': 'NEOBTC'}) == 2
    assert raw.recv_json() == {'e': '24hrTicker', 's': 'NEOBTC'}
    assert combined.recv_json() == {'stream': 'neobtc@ticker',
                                    'data': {'e': '24hrTicker', 's': 'NEOBTC'}}


def test_send_raw_sends_non_json_text_and_binary_frames(server, connect):
    """send_raw() sends arbitrary text frames and binary frames."""
    client = connect('/ws/bnbbtc@trade')
    assert server.send_raw('not json {', stream='bnbbtc@trade') == 1
    assert server.send_raw(b'\x00\x01', binary=True) == 1
    assert client.recv() == (1, b'not json {')
    assert client.recv() == (2, b'\x00\x01')


def test_drop_cuts_tcp_without_close_frame(server, connect):
    """drop() aborts the TCP connection: the client sees EOF, not a close frame."""
    kept, dropped = connect('/ws/ethbtc@trade'), connect('/ws/bnbbtc@trade')
    assert server.drop('bnbbtc@trade') == 1
    assert dropped.recv() is None
    assert server.connection_count() == 1
    assert server.push('ethbtc@trade', {'k': 1}) == 1 and kept.recv_json() == {'k': 1}


def test_refuse_count_fails_the_next_attempts_then_accepts(server, connect):
    """refuse(count=2) makes two connection attempts fail before any handshake."""
    server.refuse(count=2)
    assert connect('/ws/bnbbtc@trade').status is None
    assert connect('/ws/bnbbtc@trade').status is None
    assert connect('/ws/bnbbtc@trade').status == 101
    assert server.connections == ['/ws/bnbbtc@trade']


def test_refuse_without_limits_lasts_until_resume(server, connect):
    """refuse() refuses every attempt until resume()."""
    server.refuse()
    assert [connect('/ws/a@trade').status for _ in range(3)] == [None, None, None]
    server.resume()
    assert connect('/ws/a@trade').status == 101


def test_refuse_seconds_ends_on_the_server_clock(market):
    """refuse(seconds=...) refuses attempts only until that much reactor time has passed."""
    clock = MemoryReactorClock()
    server = StreamServer(market, reactor=clock)
    addr = IPv4Address('TCP', '127.0.0.1', 1)
    server.refuse(seconds=2)
    assert server.factory.buildProtocol(addr) is None
    clock.advance(1.9)
    assert server.factory.buildProtocol(addr) is None
    clock.advance(0.2)
    assert server.factory.buildProtocol(addr) is not None


def test_stall_silences_current_connections_until_resume(server, connect):
    """stall() stops data on open connections; new connections and resume() get data again."""
    stalled = connect('/ws/bnbbtc@trade')
    assert server.stall('bnbbtc@trade') == 1
    assert server.push('bnbbtc@trade', {'n': 1}) == 0
    fresh = connect('/ws/bnbbtc@trade')
    assert server.push('bnbbtc@trade', {'n': 2}) == 1
    assert fresh.recv_json() == {'n': 2}
    server.resume()
    assert server.push('bnbbtc@trade', {'n': 3}) == 2
    assert stalled.recv_json() == {'n': 3}


def test_shutdown_notice_sends_close_1001(server, connect):
    """shutdown_notice() sends a close frame with code 1001 'going away'."""
    client = connect('/stream?streams=bnbbtc@trade')
    assert server.shutdown_notice('stream?streams=bnbbtc@trade') == 1
    opcode, payload = client.recv()
    assert opcode == 8 and struct.unpack('!H', payload[:2])[0] == 1001


def test_connection_log_count_and_wait(server, connect):
    """connections logs handshaken paths; wait_for_connections polls and times out."""
    connect('/ws/bnbbtc@trade')
    connect('/stream?streams=bnbbtc@trade/ethbtc@trade')
    assert server.wait_for_connections(2, timeout=2) == 2
    assert server.connection_count('bnbbtc@trade') == 2
    assert server.connection_count('ethbtc@trade') == 1
    assert server.connections == ['/ws/bnbbtc@trade',
                                  '/stream?streams=bnbbtc@trade/ethbtc@trade']
    with pytest.raises(TimeoutError):
        server.wait_for_connections(1, stream='neobtc@trade', timeout=0.05)


def test_stop_closes_connections_and_port(make_server):
    """stop() ends every connection and stops listening."""
    server = make_server()
    client = make_server.connect(server, '/ws/bnbbtc@trade')
    _reactor.blocking_call(server.stop)
    assert client.recv() is None
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(('127.0.0.1', server.port_number), timeout=2).close()


def test_scripting_rejects_bad_arguments(server):
    """Bad scripting arguments raise ValueError/TypeError naming the valid values."""
    with pytest.raises(ValueError, match="'gap', 'duplicate', 'reorder'"):
        server.inject_depth_fault('BNBBTC', 'shuffle')
    with pytest.raises(ValueError, match='symbol'):
        server.inject_depth_fault('', 'gap')
    with pytest.raises(ValueError, match='stream'):
        server.push('', {})
    with pytest.raises(TypeError, match='payload'):
        server.push('bnbbtc@trade', 3.5)
    with pytest.raises(ValueError, match='count'):
        server.refuse(count=-1)
    with pytest.raises(ValueError, match='ping_interval'):
        StreamServer(FakeMarket(), ping_interval=-1)


# ---------------------------------------------------------------- depth faults

def _diff_ids(client, n):
    return [(m['U'], m['u']) for m in (client.recv_json() for _ in range(n))]


def test_gap_fault_withholds_one_diff_event(server, market, connect):
    """'gap': the next diff event is not sent, so the following one skips its ids."""
    client = connect('/ws/bnbbtc@depth')
    server.inject_depth_fault('bnbbtc', 'gap')
    events = [_reactor.blocking_call(market.depth_update) for _ in range(3)]
    assert _diff_ids(client, 2) == [(events[1]['U'], events[1]['u']),
                                    (events[2]['U'], events[2]['u'])]
    assert events[1]['U'] > events[0]['u'] > 0


def test_duplicate_fault_sends_the_next_diff_event_twice(server, market, connect):
    """'duplicate': the next diff event arrives twice."""
    client = connect('/stream?streams=bnbbtc@depth@100ms')
    server.inject_depth_fault('BNBBTC', 'duplicate')
    first = _reactor.blocking_call(market.depth_update)
    second = _reactor.blocking_call(market.depth_update)
    got = [client.recv_json()['data']['u'] for _ in range(3)]
    assert got == [first['u'], first['u'], second['u']]


def test_reorder_fault_swaps_the_next_two_diff_events(server, market, connect):
    """'reorder': the next two diff events arrive in swapped order."""
    client = connect('/ws/bnbbtc@depth')
    server.inject_depth_fault('BNBBTC', 'reorder')
    events = [_reactor.blocking_call(market.depth_update) for _ in range(3)]
    assert [client.recv_json()['u'] for _ in range(3)] == [events[1]['u'], events[0]['u'],
                                                           events[2]['u']]


# ---------------------------------------------------------------- user data

USER_EVENT = {'e': 'outboundAccountPosition', 'E': 1, 'u': 1,
              'B': [{'a': 'BTC', 'f': '1.0', 'l': '0.0'}]}


def test_listen_key_path_gets_only_its_accounts_events(market, connect):
    """/ws/<listenKey> receives the user events of that key's account only."""
    mine = connect('/ws/' + LISTEN_KEY)
    other = connect('/ws/' + OTHER_LISTEN_KEY)
    emit(market, 'user', OTHER_KEY, dict(USER_EVENT, u=2))
    emit(market, 'user', API_KEY, USER_EVENT)
    assert mine.recv_json() == USER_EVENT
    assert other.recv_json() == dict(USER_EVENT, u=2)


def test_listen_key_expiry_is_sent_and_ends_user_events(market, connect):
    """listenKeyExpired reaches the key's socket; later account events do not."""
    client = connect('/stream?streams={}/bnbbtc@trade'.format(LISTEN_KEY))
    expired = {'e': 'listenKeyExpired', 'E': 5, 'listenKey': LISTEN_KEY}
    emit(market, 'listenKeyExpired', LISTEN_KEY, expired)
    del market.listen_keys[LISTEN_KEY]
    emit(market, 'user', API_KEY, USER_EVENT)
    emit(market, 'trade', 'BNBBTC', TRADE)
    assert client.recv_json() == {'stream': LISTEN_KEY, 'data': expired}
    assert client.recv_json() == {'stream': 'bnbbtc@trade', 'data': TRADE}


def _signed(api_key=API_KEY, secret=API_SECRET, **extra):
    params = dict(apiKey=api_key, timestamp=int(time.time() * 1000), **extra)
    params['signature'] = sign(secret, params)
    return params


def test_ws_api_subscription_with_good_signature_delivers_events(market, connect):
    """userDataStream.subscribe.signature answers 200 + subscriptionId, then wraps events."""
    client = connect('/ws-api/v3')
    client.send_json({'id': 'a1', 'method': 'userDataStream.subscribe.signature',
                      'params': _signed(recvWindow=5000)})
    reply = client.recv_json()
    assert reply['id'] == 'a1' and reply['status'] == 200
    assert reply['result'] == {'subscriptionId': 0}
    assert reply['rateLimits'][0]['rateLimitType'] == 'REQUEST_WEIGHT'
    emit(market, 'user', OTHER_KEY, dict(USER_EVENT, u=2))
    emit(market, 'user', API_KEY, USER_EVENT)
    assert client.recv_json() == {'subscriptionId': 0, 'event': USER_EVENT}


def _stale():
    params = {'apiKey': API_KEY, 'timestamp': int(time.time() * 1000) - 60000}
    params['signature'] = sign(API_SECRET, params)
    return params


@pytest.mark.parametrize('make_params,status,code', [
    (lambda: dict(_signed(), signature='0' * 64), 400, -1022),
    (lambda: _signed(api_key='nobody', secret='x'), 401, -2015),
    (lambda: {'apiKey': API_KEY, 'signature': 'ab'}, 400, -1102),
    (_stale, 400, -1021),
], ids=['bad-signature', 'unknown-key', 'no-timestamp', 'stale-timestamp'])
def test_ws_api_subscription_errors(connect, make_params, status, code):
    """Bad signature, unknown key, missing or stale timestamp answer Binance's errors."""
    params = make_params()
    client = connect('/ws-api/v3')
    client.send_json({'id': 7, 'method': 'userDataStream.subscribe.signature',
                      'params': params})
    reply = client.recv_json()
    assert (reply['id'], reply['status'], reply['error']['code']) == (7, status, code)
    assert 'result' not in reply


def test_ws_api_unsubscribe_ping_and_time(market, connect):
    """unsubscribe ends events with eventStreamTerminated; ping answers {}; time serverTime."""
    client = connect('/ws-api/v3')
    client.send_json({'id': 1, 'method': 'userDataStream.subscribe.signature',
                      'params': _signed()})
    assert client.recv_json()['status'] == 200
    client.send_json({'id': 2, 'method': 'userDataStream.unsubscribe',
                      'params': {'subscriptionId': 0}})
    terminated = client.recv_json()
    assert terminated['subscriptionId'] == 0
    assert terminated['event']['e'] == 'eventStreamTerminated'
    assert client.recv_json()['result'] == {}
    emit(market, 'user', API_KEY, USER_EVENT)
    client.send_json({'id': 3, 'method': 'ping'})
    assert client.recv_json()['result'] == {}      # no event came before the pong
    before = int(time.time() * 1000)
    client.send_json({'id': 4, 'method': 'time'})
    assert client.recv_json()['result']['serverTime'] >= before
    client.send_json({'id': 5, 'method': 'order.place', 'params': {}})
    assert client.recv_json()['status'] == 400


def test_live_subscribe_and_list_on_stream_connection(market, connect):
    """SUBSCRIBE/LIST_SUBSCRIPTIONS work on a /ws connection, as on Binance."""
    client = connect('/ws')
    client.send_json({'method': 'SUBSCRIBE', 'params': ['bnbbtc@trade'], 'id': 1})
    assert client.recv_json() == {'result': None, 'id': 1}
    client.send_json({'method': 'LIST_SUBSCRIPTIONS', 'id': 2})
    assert client.recv_json() == {'result': ['bnbbtc@trade'], 'id': 2}
    emit(market, 'trade', 'BNBBTC', TRADE)
    assert client.recv_json() == TRADE


# ---------------------------------------------------------------- keepalive (real sockets)

def test_client_answering_pings_stays_connected(make_server):
    """A client that echoes each ping payload in a pong is kept past several pong timeouts."""
    server = make_server(ping_interval=0.05, pong_timeout=0.15, control_limit=0)
    client = make_server.connect(server, '/ws/bnbbtc@trade')
    payloads = []
    while len(payloads) < 6:                 # ~0.3 s: two pong timeouts
        opcode, payload = client.recv_frame()
        assert opcode == 9 and payload
        payloads.append(payload)
        client.send(10, payload)
    assert len(set(payloads)) == 6
    assert server.connection_count() == 1


def test_client_not_answering_pings_is_dropped(make_server):
    """A client that never pongs is dropped after pong_timeout."""
    server = make_server(ping_interval=0.05, pong_timeout=0.1)
    client = make_server.connect(server, '/ws/bnbbtc@trade')
    assert client.recv(answer_pings=False) is None   # TCP cut, no close frame
    assert server.connection_count() == 0


# ---------------------------------------------------------------- timers (fake clock)

@pytest.fixture
def clocked(market):
    clock = MemoryReactorClock()
    server = StreamServer(market, reactor=clock, ping_interval=20, pong_timeout=60,
                          max_connection_age=86400)
    server.listen()
    return clock, server


def test_ping_carries_payload_and_matching_pong_keeps_connection(clocked):
    """Pings every ping_interval carry a payload; a pong echoing it keeps the connection."""
    clock, server = clocked
    client = ClockClient(server, '/ws/bnbbtc@trade')
    clock.advance(20)
    [(opcode, payload)] = client.frames()
    assert opcode == 9 and payload
    client.send(10, payload)
    clock.advance(59)
    client.send(10, client.frames()[0][1])     # second ping at t=40 answered too
    clock.advance(30)
    assert not client.transport.disconnecting


def test_pong_with_wrong_payload_does_not_count(clocked):
    """A pong that does not echo the ping's payload leaves the client to be dropped."""
    clock, server = clocked
    client = ClockClient(server, '/ws/bnbbtc@trade')
    clock.advance(20)
    client.frames()
    client.send(10, b'something else')
    clock.advance(59.9)
    assert not client.transport.disconnecting
    clock.advance(0.2)
    assert client.transport.disconnecting


def test_stalled_connection_sends_no_pings_or_pongs(clocked):
    """A stalled connection sends nothing: no pings, no pong to the client's ping."""
    clock, server = clocked
    client = ClockClient(server, '/ws/bnbbtc@trade')
    server.stall()
    client.send(9, b'hello')
    clock.advance(100)
    assert client.frames() == []
    server.resume()
    client.send(9, b'again')
    assert client.frames() == [(10, b'again')]


def test_connection_is_closed_at_max_age(clocked):
    """After max_connection_age the server closes the connection with a close frame."""
    clock, server = clocked
    client = ClockClient(server, '/ws/bnbbtc@trade')
    closes = []
    for _ in range(86400 // 20):
        assert not closes
        clock.advance(20)
        for opcode, payload in client.frames():
            if opcode == 9:
                client.send(10, payload)
            closes += [payload] if opcode == 8 else []
    assert clock.seconds() == 86400
    assert [struct.unpack('!H', payload[:2])[0] for payload in closes] == [1000]


def test_periodic_streams_publish_on_their_timers(clocked):
    """Partial depth (1 s), tickers (1 s), arrays (1 s) and klines (2 s) publish on the clock."""
    clock, server = clocked
    client = ClockClient(server, '/stream?streams=bnbbtc@depth10/bnbbtc@ticker/'
                                 'bnbbtc@miniTicker/!miniTicker@arr/!ticker@arr/bnbbtc@kline_1m')
    clock.advance(1)
    got = {m['stream']: m['data'] for m in client.messages()}
    assert set(got) == {'bnbbtc@depth10', 'bnbbtc@ticker', 'bnbbtc@miniTicker',
                        '!miniTicker@arr', '!ticker@arr'}
    assert len(got['bnbbtc@depth10']['bids']) == 10
    assert got['bnbbtc@ticker']['e'] == '24hrTicker' and got['bnbbtc@ticker']['c'] == '1.0'
    assert got['bnbbtc@miniTicker'] == {'e': '24hrMiniTicker', 'E': 1000, 's': 'BNBBTC',
                                        'c': '1.0', 'o': '0.9', 'h': '1.1', 'l': '0.8',
                                        'v': '100', 'q': '100'}
    assert [t['s'] for t in got['!miniTicker@arr']] == ['BNBBTC']
    assert got['!ticker@arr'][0]['e'] == '24hrTicker'
    clock.advance(1)
    kline = [m['data'] for m in client.messages() if m['stream'] == 'bnbbtc@kline_1m']
    assert kline[0]['e'] == 'kline' and kline[0]['k']['i'] == '1m'
    assert kline[0]['k']['o'] == '1.0' and kline[0]['k']['x'] is False


def test_a_period_scale_shortens_every_timer_stream(market):
    """period_scale=0.1 sends a 1 s ticker every 0.1 s and a 2 s kline every 0.2 s."""
    clock = MemoryReactorClock()
    server = StreamServer(market, reactor=clock, period_scale=0.1)
    server.listen()
    client = ClockClient(server, '/stream?streams=bnbbtc@ticker/bnbbtc@kline_1m')
    clock.advance(0.05)
    assert client.messages() == []
    clock.advance(0.06)
    assert [m['stream'] for m in client.messages()] == ['bnbbtc@ticker']
    clock.advance(0.1)
    assert sorted(m['stream'] for m in client.messages()) == ['bnbbtc@kline_1m',
                                                              'bnbbtc@ticker']
    with pytest.raises(ValueError, match='period_scale must be a positive number'):
        StreamServer(market, reactor=clock, period_scale=0)


def test_kline_stream_sends_final_kline_when_it_closes(clocked, market):
    """When a new kline opens, the previous one is sent once more with x=true."""
    clock, server = clocked
    client = ClockClient(server, '/ws/bnbbtc@kline_1m')
    clock.advance(2)
    assert [m['k']['t'] for m in client.messages()] == [0]
    market.kline_open = 60000
    clock.advance(2)
    assert [(m['k']['t'], m['k']['x']) for m in client.messages()] == [(0, True), (60000, False)]


def test_timers_run_only_while_subscribed(clocked):
    """No timer is left once the last subscriber of periodic streams has gone."""
    clock, server = clocked
    client = ClockClient(server, '/ws/bnbbtc@depth5')
    clock.advance(1)
    assert client.messages()
    client.lose()
    assert clock.getDelayedCalls() == []
