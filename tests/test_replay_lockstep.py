"""Lockstep over real sockets: a client in the exchange's process gets its messages handed over in
memory, one in another process acknowledges each; what a callback does (a WebSocket API order, a
REST order, stopping a socket) takes effect before the next event."""
import json
import subprocess
import sys
import threading
from pathlib import Path

from binance._streams import lockstep
from binance.testing import LocalExchange
from tests import replay_files as rf
from tests.support import local_manager, wait_until

ROOT = Path(__file__).resolve().parents[1]


def test_the_offer_names_the_process_and_an_old_client_still_asks_for_acks():
    """The header offers acks plus this process's token; a bare 'ack' is still an offer."""
    offer = lockstep.request_headers('ws://127.0.0.1:9/ws')[lockstep.HEADER]
    assert lockstep.parse_offer(offer) == (True, lockstep.PROCESS_TOKEN)
    assert lockstep.parse_offer('ack') == (True, None)
    assert lockstep.parse_offer(None) == (False, None)
    assert lockstep.parse_offer('nak; handoff=x') == (False, None)
    assert lockstep.request_headers('wss://stream.binance.com:9443/ws') == {}


def test_a_client_in_the_exchanges_process_gets_every_event_handed_over_in_order(tmp_path):
    """In-process, the handshake agrees the hand-off: every trade, in order, at its own time."""
    path = rf.write(tmp_path, 'BTCUSDT-trades-2025-03-01', rf.trade_rows(150))
    with LocalExchange(replay=[path], speed=0) as ex:
        bm = local_manager(ex)
        client = ex.client()
        seen, wrong = [], []

        def on_trade(msg):
            seen.append(msg['t'])
            if len(seen) % 10 == 0 and client.get_server_time()['serverTime'] != msg['T']:
                wrong.append(msg['t'])
        try:
            bm.start_trade_socket('BTCUSDT', on_trade)
            wait_until(lambda: ex.replay.exhausted, timeout=60, message='the end of the data')
        finally:
            bm.close()
        gate = ex.replay.gate
        assert (gate.handoffs, gate.ack_connections) == (1, 0)
        assert seen == list(range(4000000, 4000150))
        assert wrong == []


CHILD = '''
import json, sys, threading
from binance.client import Client
from binance.websockets import BinanceSocketManager
api_url, stream_url, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
client = Client('local-api-key', 'local-api-secret')
client.API_URL = api_url
bm = BinanceSocketManager(client)
bm.STREAM_URL = stream_url
bm.start()
seen, wrong, done = [], [], threading.Event()

def on_trade(msg):
    seen.append(msg['t'])
    now = client.get_server_time()['serverTime']
    if now != msg['T']:
        wrong.append([msg['t'], now])
    if len(seen) == count:
        done.set()
bm.start_trade_socket('BTCUSDT', on_trade)
done.wait(60)
bm.close()
print(json.dumps({'seen': seen, 'wrong': wrong}), flush=True)
'''


def test_a_client_in_another_process_acknowledges_each_message_and_stays_in_lockstep(tmp_path):
    """A client in a child process gets 'ack': each trade waits for its callback (REST agrees)."""
    path = rf.write(tmp_path, 'BTCUSDT-trades-2025-03-01', rf.trade_rows(60))
    script = tmp_path / 'child.py'
    script.write_text(CHILD)
    with LocalExchange(replay=[path], speed=0) as ex:
        proc = subprocess.run([sys.executable, str(script), ex.api_url, ex.stream_url, '60'],
                              cwd=str(ROOT), capture_output=True, text=True, timeout=120,
                              env={'PYTHONPATH': str(ROOT), 'PATH': '/usr/bin:/bin'})
        assert proc.returncode == 0, proc.stderr[-3000:]
        wait_until(lambda: ex.replay.exhausted, timeout=30, message='the end of the data')
        gate = ex.replay.gate
        assert (gate.handoffs, gate.ack_connections) == (0, 1)
    result = json.loads(proc.stdout.splitlines()[-1])
    assert result['seen'] == list(range(4000000, 4000060))
    assert result['wrong'] == []


def test_a_websocket_api_order_placed_in_a_callback_fills_against_the_very_next_trade(tmp_path):
    """A bm.ws_api buy placed at trade 0 is in the book before trade 1, which fills it as maker."""
    prices = [100.0, 99.0, 101.0, 98.01, 97.0]     # the tick (0.01) shows in the data
    path = rf.write(tmp_path, 'ETHUSDT-trades-2025-03-01',
                    rf.trade_rows(5, prices=prices, qty='2.00000000'))
    with LocalExchange(replay=[path], speed=0) as ex:
        bm = local_manager(ex)
        reports, replies, order = [], [], []
        try:
            def on_trade(msg):
                if msg['t'] == 4000000:
                    order.append(bm.ws_api.order_place(
                        symbol='ETHUSDT', side='BUY', type='LIMIT', timeInForce='GTC',
                        quantity='1.0', price='99.50', callback=replies.append))
            ex.replay.gate.held = True          # as `run` holds it while a script sets up
            bm.start_trade_socket('ETHUSDT', on_trade)
            bm.start_user_socket(lambda msg: reports.append(msg)
                                 if msg.get('e') == 'executionReport' else None)
            bm.wait_connected('user', timeout=30)
            bm.ws_api.blocking.ping(timeout=30)   # the session is open: the order goes at once
            ex.call(lambda: setattr(ex.replay.gate, 'held', False))
            wait_until(lambda: ex.replay.exhausted and len(reports) >= 2, timeout=60,
                       message='the end of the data and the fill')
        finally:
            bm.close()
        assert replies and replies[0]['status'] == 'NEW'
        fills = [(r['x'], r['t'], r['L'], r['m']) for r in reports]
        assert fills == [('NEW', -1, '0.00000000', False), ('TRADE', 4000001, '99.50000000', True)]


def _reports_between_trades(path, first_id, start_user, user_key, report, start_trades,
                            trade_id, place):
    """Replay ``path`` in lockstep; ``place(client)`` at the 4th and 11th trades. Returns what
    the script saw, in order: ('trade', id) and ('report', execution type)."""
    with LocalExchange(replay=[path], speed=0) as ex:
        bm = local_manager(ex)
        client = ex.client()
        seen = []

        def on_user(msg):
            execution = report(msg)
            if execution is not None:
                seen.append(('report', execution))

        def on_trade(msg):
            seen.append(('trade', trade_id(msg)))
            if trade_id(msg) in (first_id + 3, first_id + 10):
                place(client)
        try:
            ex.replay.gate.held = True
            start_user(bm, on_user)
            bm.wait_connected(user_key, timeout=30)
            start_trades(bm, on_trade)
            ex.call(lambda: setattr(ex.replay.gate, 'held', False))
            wait_until(lambda: ex.replay.exhausted, timeout=60, message='the end of the data')
        finally:
            bm.close()
    return seen


def _trades_with_two_reports(first_id):
    trades = [('trade', first_id + i) for i in range(20)]
    return trades[:4] + [('report', 'NEW')] + trades[4:11] + [('report', 'NEW')] + trades[11:]


def test_a_rest_order_placed_in_a_callback_is_reported_before_the_next_trade(tmp_path):
    """The executionReport of a REST order made in a trade callback comes before the next trade."""
    path = rf.write(tmp_path, 'ETHUSDT-trades-2025-03-01',
                    rf.trade_rows(20, prices=[100.0 + i % 3 for i in range(20)]))
    seen = _reports_between_trades(
        path, 4000000, lambda bm, cb: bm.start_user_socket(cb), 'user',
        lambda msg: msg['x'] if msg.get('e') == 'executionReport' else None,
        lambda bm, cb: bm.start_trade_socket('ETHUSDT', cb), lambda msg: msg['t'],
        lambda client: client.order_limit_buy(symbol='ETHUSDT', quantity='0.1', price='90.00'))
    assert seen == _trades_with_two_reports(4000000)


def test_stopping_a_socket_in_its_callback_ends_its_messages_and_the_replay_goes_on(tmp_path):
    """stop_socket in a callback: nothing more for it; the other socket gets every trade."""
    path = rf.write(tmp_path, 'BTCUSDT-trades-2025-03-01', rf.trade_rows(80))
    with LocalExchange(replay=[path], speed=0) as ex:
        bm = local_manager(ex)
        stopped, other, key = [], [], []

        def on_stopped(msg):
            stopped.append(msg['t'])
            if len(stopped) == 10:
                bm.stop_socket(key[0])
        try:
            key.append(bm.start_trade_socket('BTCUSDT', on_stopped))
            bm.start_multiplex_socket(['btcusdt@trade'], lambda msg: other.append(msg['data']['t']))
            wait_until(lambda: ex.replay.exhausted, timeout=60, message='the end of the data')
        finally:
            bm.close()
        assert stopped == list(range(4000000, 4000010))
        assert other == list(range(4000000, 4000080))


def test_closing_every_socket_in_a_callback_lets_the_replay_run_to_its_end(tmp_path):
    """bm.close() in a callback: no message after it, and the tape is not left waiting."""
    path = rf.write(tmp_path, 'BTCUSDT-trades-2025-03-01', rf.trade_rows(80))
    with LocalExchange(replay=[path], speed=0) as ex:
        bm = local_manager(ex)
        trades, aggs = [], []

        def on_trade(msg):
            trades.append(msg['t'])
            if len(trades) == 5:
                bm.close()
        try:
            bm.start_trade_socket('BTCUSDT', on_trade)
            bm.start_aggtrade_socket('BTCUSDT', lambda msg: aggs.append(msg['a']))
            wait_until(lambda: ex.replay.exhausted, timeout=60, message='the end of the data')
        finally:
            bm.close()
        assert ex.replay.released == 80
        assert trades == list(range(4000000, 4000005))
        assert len(aggs) <= 5      # the fifth event's aggTrade comes after the close, if at all


def test_a_socket_a_callback_adds_to_a_packed_connection_gets_the_very_next_event(tmp_path):
    """Packed connections: a socket started in a callback (a SUBSCRIBE) sees the next print."""
    path = rf.write(tmp_path, 'BTCUSDT-trades-2025-03-01', rf.trade_rows(40))
    with LocalExchange(replay=[path], speed=0) as ex:
        bm = local_manager(ex, streams_per_connection=10)
        trades, aggs = [], []

        def on_trade(msg):
            trades.append(msg['t'])
            if msg['t'] == 4000009:
                bm.start_aggtrade_socket('BTCUSDT', lambda agg: aggs.append(agg['f']))
        try:
            bm.start_trade_socket('BTCUSDT', on_trade)
            wait_until(lambda: ex.replay.exhausted, timeout=60, message='the end of the data')
        finally:
            bm.close()
        assert ex.replay.gate.handoffs == 1          # one connection carried both streams
        assert trades == list(range(4000000, 4000040))
        assert aggs == list(range(4000010, 4000040))


class _Client:
    """A client protocol as the gate sees it: a state and onMessage."""
    STATE_CLOSED, STATE_CONNECTING, STATE_CLOSING, STATE_OPEN = 0, 1, 2, 3

    def __init__(self, got):
        self.state = self.STATE_CONNECTING
        self.got = got

    def onMessage(self, payload, is_binary):
        self.got.append(payload)


class _Conn:
    """A server connection as the gate sees it."""

    def __init__(self, clock, client):
        self.stream_server = type('Server', (), {'reactor': clock})()
        self.handoff = client
        self.lockstep = None
        self.lockstep_unacked = self.lockstep_requests = 0
        self.lockstep_gone = False


def test_messages_for_a_client_not_yet_open_wait_for_it_in_order_and_hold_the_tape():
    """A hand-off client not yet open gets its messages once it is, in order; the tape waits."""
    from twisted.internet.task import Clock
    from binance.testing.replay.lockstep import LockstepGate
    clock, got_a, got_b = Clock(), [], []
    gate = LockstepGate()
    cleared = []
    gate.on_clear = lambda: cleared.append(True)
    early, ready = _Client(got_a), _Client(got_b)
    ready.state = ready.STATE_OPEN
    a, b = _Conn(clock, early), _Conn(clock, ready)
    for conn in (a, b):
        conn.lockstep = gate
    gate.post(a, b'a1', False)
    gate.post(b, b'b1', False)
    gate.post(a, b'a2', False)
    clock.advance(0)                       # the flush the posts scheduled
    assert (got_a, got_b) == ([], [b'b1'])
    assert gate.busy() and not cleared     # the tape waits for the client to open
    early.state = early.STATE_OPEN         # it read the answer: the next flush hands over
    gate.flush()
    assert got_a == [b'a1', b'a2']
    assert not gate.busy()
    gate.post(a, b'a3', False)
    gate.closed(a)                         # gone before the flush: dropped, nothing owed
    clock.advance(0)
    assert got_a == [b'a1', b'a2'] and not gate.busy() and cleared


def test_a_futures_rest_order_placed_in_a_callback_is_reported_before_the_next_trade(tmp_path):
    """In a USD-M replay, the ORDER_TRADE_UPDATE of a /fapi order made in an aggTrade callback
    comes before the next aggTrade (the futures engine's events are handed over too)."""
    rows = rf.um_trade_rows(20)
    path = rf.write(rf.um_path(tmp_path, 'trades'), 'BTCUSDT-trades-2025-03-01', rows,
                    header=rf.UM_TRADES_HEADER)
    seen = _reports_between_trades(
        path, 6000000, lambda bm, cb: bm.start_futures_user_socket(cb), 'futures_user',
        lambda msg: msg['o']['x'] if msg.get('e') == 'ORDER_TRADE_UPDATE' else None,
        lambda bm, cb: bm.start_aggtrade_futures_socket('BTCUSDT', cb),
        lambda msg: msg['data']['f'],
        lambda client: client.futures_create_order(symbol='BTCUSDT', side='BUY', type='LIMIT',
                                                   quantity='0.010', price='50000.0',
                                                   timeInForce='GTC'))
    assert seen == _trades_with_two_reports(6000000)
