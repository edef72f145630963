"""Switch-overs deliver strictly in order, also when the replacement runs ahead.

The replacement connection's messages are held until the old connection
catches up; when the old connection's message completes the join it is
delivered first, then the held newer ones (on a fake clock, in memory).
"""
import json

from binance.websockets import BinanceSocketManager
from tests.test_websockets_unit import (  # noqa: F401  (fixtures used by name)
    Conn, Recorder, reactor)


def manager(reactor, per_connection=1):
    bm = BinanceSocketManager(None, reactor=reactor, streams_per_connection=per_connection)
    bm.STREAM_URL = 'ws://127.0.0.1:9000/'
    return bm


def trade(tid):
    return {'e': 'trade', 's': 'BNBBTC', 't': tid}


def depth(first, last):
    return {'e': 'depthUpdate', 's': 'BNBBTC', 'U': first, 'u': last, 'b': [], 'a': []}


def envelope(stream, payload):
    return {'stream': stream, 'data': payload}


def test_trades_stay_in_order_when_the_replacement_is_three_ahead(reactor):
    """Default mode: the old link's trade that completes the join comes before the held newer ones."""
    bm = manager(reactor)
    rec = Recorder()
    bm.start_trade_socket('BNBBTC', rec)
    reactor.flush()
    old = Conn(reactor.attempts[0]).handshake()
    old.send_json(trade(1))
    old.send_json({'e': 'serverShutdown', 'E': 1})
    new = Conn(reactor.attempts[1]).handshake()
    for tid in (2, 3, 4, 5):
        new.send_json(trade(tid))                # ahead of the old link: held
    assert [m['t'] for m in rec] == [1]
    old.send_json(trade(2))                      # completes the join
    assert [m['t'] for m in rec] == [1, 2, 3, 4, 5]
    old.send_json(trade(3))                      # a copy
    new.send_json(trade(6))
    assert [m['t'] for m in rec] == [1, 2, 3, 4, 5, 6]


def test_diff_depth_stays_in_order_when_the_replacement_is_two_ahead(reactor):
    """Default mode, diff depth: the chain U == previous u + 1 holds through the join."""
    bm = manager(reactor)
    rec = Recorder()
    bm.start_depth_socket('BNBBTC', rec)
    reactor.flush()
    old = Conn(reactor.attempts[0]).handshake()
    old.send_json(depth(1, 3))
    old.send_json({'e': 'serverShutdown', 'E': 1})
    new = Conn(reactor.attempts[1]).handshake()
    new.send_json(depth(4, 5))
    new.send_json(depth(6, 8))
    new.send_json(depth(9, 9))
    old.send_json(depth(4, 5))                   # completes the join
    chain = [(m['U'], m['u']) for m in rec]
    assert chain == [(1, 3), (4, 5), (6, 8), (9, 9)]


def test_multiplex_envelopes_stay_in_order_when_the_replacement_is_ahead(reactor):
    """Default mode, combined stream: each stream's envelopes keep their order through the join."""
    bm = manager(reactor)
    rec = Recorder()
    bm.start_multiplex_socket(['bnbbtc@trade', 'bnbbtc@depth'], rec)
    reactor.flush()
    old = Conn(reactor.attempts[0]).handshake()
    old.send_json(envelope('bnbbtc@trade', trade(1)))
    old.send_json(envelope('bnbbtc@depth', depth(1, 1)))
    old.send_json(envelope('!serverShutdown', {'e': 'serverShutdown', 'E': 1}))
    new = Conn(reactor.attempts[1]).handshake()
    for tid in (2, 3, 4):
        new.send_json(envelope('bnbbtc@trade', trade(tid)))
    for uid in (2, 3):
        new.send_json(envelope('bnbbtc@depth', depth(uid, uid)))
    old.send_json(envelope('bnbbtc@trade', trade(2)))
    old.send_json(envelope('bnbbtc@depth', depth(2, 2)))
    trades = [m['data']['t'] for m in rec if m['stream'] == 'bnbbtc@trade']
    depths = [m['data']['u'] for m in rec if m['stream'] == 'bnbbtc@depth']
    assert trades == [1, 2, 3, 4] and depths == [1, 2, 3]


def test_packed_trades_stay_in_order_when_the_replacement_is_ahead(reactor):
    """Packed mode: the same order through a switch-over of a shared connection."""
    bm = manager(reactor, 10)
    rec = Recorder()
    bm.start_trade_socket('BNBBTC', rec)
    reactor.flush()
    old = Conn(reactor.attempts[0]).handshake()
    request = [json.loads(p) for op, p in old.sent() if op == 1][0]
    old.send_json({'result': None, 'id': request['id']})
    old.send_json(envelope('bnbbtc@trade', trade(1)))
    old.send_json({'e': 'serverShutdown', 'E': 1})
    new = Conn(reactor.attempts[1]).handshake()
    request = [json.loads(p) for op, p in new.sent() if op == 1][0]
    new.send_json({'result': None, 'id': request['id']})
    for tid in (2, 3, 4):
        new.send_json(envelope('bnbbtc@trade', trade(tid)))
    assert [m['t'] for m in rec] == [1]
    old.send_json(envelope('bnbbtc@trade', trade(2)))
    assert [m['t'] for m in rec] == [1, 2, 3, 4]


def test_ordering_ids_come_from_the_stream_kind_table():
    """order_id reads the order_key column: trade t, aggTrade a, diff depth u, bookTicker u."""
    from binance._streams.switch import order_id
    assert order_id(trade(7)) == 7
    assert order_id({'e': 'aggTrade', 'a': 8, 'p': '1'}) == 8
    assert order_id(depth(3, 9)) == 9
    assert order_id({'u': 11, 's': 'BNBBTC', 'b': '1', 'B': '2', 'a': '3', 'A': '4'}) == 11
    assert order_id({'e': 'kline', 'k': {'t': 1}}) is None
    assert order_id({'lastUpdateId': 5, 'bids': [], 'asks': []}) is None


def test_kinds_with_the_same_event_name_the_same_ordering_field():
    """One event, one ordering field: the switch looks ids up by the payload's e."""
    from binance._streams.kinds import FUTURES_KINDS, KINDS
    by_event = {}
    for kind in KINDS + FUTURES_KINDS:
        if kind.order_key and kind.event is not None:
            assert by_event.setdefault(kind.event, kind.order_key) == kind.order_key, kind
    assert by_event == {'trade': 't', 'aggTrade': 'a', 'depthUpdate': 'u'}
