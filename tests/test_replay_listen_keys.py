"""Listen keys expire 60 minutes after their creation or last keepalive, over real sockets:
in a replay on the replay clock (spot, USD-M and COIN-M keys, ``listenKeyExpired`` with the
replay's event time, a keepalive in replay time moves the deadline), and on the live local
exchange on its own clock (moved ahead with ``clock_offset``, no sleeping)."""
import queue

import pytest

from binance.exceptions import BinanceAPIException
from binance.testing import LocalExchange
from tests import replay_files as rf
from tests.support import first, local_manager, wait_until

T0 = rf.MARCH_2025_MS
MINUTE = 60000
HOUR = 60 * MINUTE


def _spot_minutes(tmp_path, count=100):
    """Spot BTCUSDT trades one replay minute apart from T0."""
    return rf.write(tmp_path / 'spot', 'BTCUSDT-trades-2025-03-01',
                    rf.trade_rows(count, step_ms=MINUTE))


def _um_minutes(tmp_path, count=100):
    """USD-M BTCUSDT trades one replay minute apart from T0."""
    return rf.write(rf.um_path(tmp_path, 'trades', 'BTCUSDT'), 'BTCUSDT-trades-2025-03-01',
                    rf.um_trade_rows(count, step_ms=MINUTE), header=rf.UM_TRADES_HEADER)


def _play(ex, bm):
    """Let the held tape go and wait for the end of the data."""
    ex.call(setattr, ex.replay.gate, 'held', False)
    try:
        wait_until(lambda: ex.replay.exhausted, timeout=90, message='the end of the data')
        ex.call(lambda: None)    # what the last events sent has been handed to the sockets
    finally:
        bm.close()


@pytest.mark.parametrize('keepalive_minute, expiry_minute', [(None, 60), (30, 90)])
def test_a_spot_key_expires_an_hour_of_replay_time_after_its_last_keepalive(
        tmp_path, keepalive_minute, expiry_minute):
    """Not kept alive, a key expires at the first event an hour after its creation; a
    keepalive at replay minute 30 moves that to minute 90; then the key is refused (-1125)."""
    with LocalExchange(replay=[_spot_minutes(tmp_path)], speed=0, listen_keys=True) as ex:
        client = ex.client()
        key = client.stream_get_listen_key()          # at T0: the tape has not started
        bm = local_manager(ex)
        seen = []

        def on_message(msg):
            data = msg['data']
            seen.append(data)
            if data.get('e') == 'trade' and data['T'] == T0 + (keepalive_minute or -1) * MINUTE:
                client.stream_keepalive(key)
        ex.replay.gate.held = True
        bm.start_multiplex_socket([key, 'btcusdt@trade'], on_message)
        wait_until(lambda: ex.streams.connections, timeout=30, message='the connection')
        _play(ex, bm)
        with pytest.raises(BinanceAPIException) as refused:
            client.stream_keepalive(key)
    expired = [m for m in seen if m['e'] == 'listenKeyExpired']
    assert expired == [{'e': 'listenKeyExpired', 'E': T0 + expiry_minute * MINUTE,
                        'listenKey': key}]
    trades_before = [m['T'] for m in seen[:seen.index(expired[0])] if m['e'] == 'trade']
    assert trades_before == [T0 + i * MINUTE for i in range(expiry_minute)]
    assert (refused.value.code, refused.value.message) == (-1125,
                                                           'This listenKey does not exist.')


def test_usdm_and_coinm_keys_expire_in_replay_time_and_the_sockets_take_new_ones(tmp_path):
    """In a USD-M replay, the fstream and dstream user sockets get listenKeyExpired at
    replay minute 60 (USD-M writes E as text, COIN-M as a number), then fetch new keys."""
    with LocalExchange(replay=[_um_minutes(tmp_path)], speed=0) as ex:
        client = ex.client()
        usd_key = client.futures_stream_get_listen_key()
        coin_key = client.futures_coin_stream_get_listen_key()
        bm = local_manager(ex)
        usd, coin = queue.Queue(), queue.Queue()
        ex.replay.gate.held = True
        bm.start_futures_user_socket(usd.put)
        bm.start_coin_futures_user_socket(coin.put)
        wait_until(lambda: ex.fstreams.connections and ex.coin.streams.connections,
                   timeout=30, message='the user connections')
        usd_paths, coin_paths = len(ex.fstreams.connections), len(ex.coin.streams.connections)
        try:
            ex.call(setattr, ex.replay.gate, 'held', False)
            usd_expired = first(usd, lambda m: m['e'] == 'listenKeyExpired', timeout=60)
            coin_expired = first(coin, lambda m: m['e'] == 'listenKeyExpired', timeout=60)
            wait_until(lambda: len(ex.fstreams.connections) > usd_paths
                       and len(ex.coin.streams.connections) > coin_paths, timeout=30,
                       message='the sockets on new keys')
            new_usd = ex.fstreams.connections[-1].rsplit('/', 1)[-1]
            new_coin = ex.coin.streams.connections[-1].rsplit('/', 1)[-1]
        finally:
            bm.close()
    assert usd_expired == {'e': 'listenKeyExpired', 'E': str(T0 + HOUR), 'listenKey': usd_key}
    assert coin_expired == {'e': 'listenKeyExpired', 'E': T0 + HOUR, 'listenKey': coin_key}
    # POST answers the account's active key: a new one means the old one is gone
    assert new_usd not in ('', usd_key) and new_coin not in ('', coin_key)


def test_the_live_exchange_expires_keys_an_hour_after_the_last_keepalive_on_its_clock():
    """With the exchange's clock moved an hour ahead, its ticker expires the spot, USD-M and
    COIN-M keys: each user socket gets listenKeyExpired, and the old keys are refused."""
    with LocalExchange(tick=0.05, listen_keys=True) as ex:
        client = ex.client()
        bm = local_manager(ex)
        spot, usd, coin = queue.Queue(), queue.Queue(), queue.Queue()
        try:
            bm.start_user_socket(spot.put)
            bm.start_futures_user_socket(usd.put)
            bm.start_coin_futures_user_socket(coin.put)
            for server in (ex.streams, ex.fstreams, ex.coin.streams):
                wait_until(lambda: server.connections, timeout=30, message='a user socket')
            keys = (ex.streams.connections[0][len('/ws/'):],
                    ex.fstreams.connections[0].rsplit('/', 1)[-1],
                    ex.coin.streams.connections[0].rsplit('/', 1)[-1])
            assert client.stream_keepalive(keys[0]) == {}         # valid on the live clock
            moved = ex.call(ex.market.now_ms) + 3601 * 1000
            ex.clock_offset = 3601.0
            expired = [first(q, lambda m: m['e'] == 'listenKeyExpired', timeout=30)
                       for q in (spot, usd, coin)]
            with pytest.raises(BinanceAPIException) as refused:
                client.stream_keepalive(keys[0])
        finally:
            ex.clock_offset = 0.0
            bm.close()
    assert [e['listenKey'] for e in expired] == list(keys)
    assert [type(e['E']) for e in expired] == [int, str, int]
    assert all(moved <= int(e['E']) < moved + 30000 for e in expired)
    assert refused.value.code == -1125


def test_a_margin_listen_token_ends_in_replay_time_and_the_socket_takes_a_new_one(
        tmp_path, monkeypatch):
    """A 30-minute listen token's subscription ends at replay minute 30, not 30 wall
    minutes later: the margin socket fetches its next token within the replay."""
    validity = 30 * MINUTE
    with LocalExchange(replay=[_spot_minutes(tmp_path)], speed=0) as ex:
        bm = local_manager(ex)
        client, tokens, trades = bm.client, [], []
        real = client.margin_stream_get_listen_token

        def fetch(**kw):
            tokens.append(real(validity=validity, **kw))
            return tokens[-1]
        monkeypatch.setattr(client, 'margin_stream_get_listen_token', fetch)
        ex.replay.gate.held = True
        bm.start_margin_socket(lambda msg: None)
        bm.start_trade_socket('BTCUSDT', trades.append)
        wait_until(lambda: '/ws-api/v3' in ex.streams.connections and tokens
                   and len(ex.streams.connections) == 2, timeout=30, message='the sockets')
        _play(ex, bm)
    assert tokens[0]['expirationTime'] == T0 + validity
    assert len(trades) == 100 and len(tokens) >= 2
    renewed_at = tokens[1]['expirationTime'] - validity
    assert T0 + validity <= renewed_at <= T0 + 99 * MINUTE


def test_a_user_socket_misses_no_fill_while_it_renews_an_expired_key(tmp_path):
    """In lockstep the tape waits while the user socket fetches a new key after
    listenKeyExpired: fills of resting orders right after the expiry all reach it."""
    count, expiry = 420, 360                     # trades 10 s apart: the key expires at #360
    prices = [90000.0] * (expiry + 1) + [90000.0 - k for k in range(1, count - expiry)]
    data = rf.write(tmp_path / 'spot', 'BTCUSDT-trades-2025-03-01',
                    rf.trade_rows(count, step_ms=10000, qty='0.001', prices=prices))
    with LocalExchange(replay=[data], speed=0, listen_keys=True) as ex:
        client, bm, user = ex.client(), local_manager(ex), []
        resting = [client.order_limit_buy(symbol='BTCUSDT', quantity='0.001',
                                          price='{:.2f}'.format(89999 - k))['orderId']
                   for k in range(40)]            # each fills at one print after the expiry
        ex.replay.gate.held = True
        bm.start_user_socket(user.append)
        bm.start_trade_socket('BTCUSDT', lambda msg: None)
        wait_until(lambda: len(ex.streams.connections) == 2, timeout=30, message='the sockets')
        _play(ex, bm)
        filled = {o['orderId'] for o in client.get_all_orders(symbol='BTCUSDT')
                  if o['status'] == 'FILLED'}
    expired = [m for m in user if m.get('e') == 'listenKeyExpired']
    reported = {m['i'] for m in user if m.get('e') == 'executionReport' and m['X'] == 'FILLED'}
    assert len(expired) == 1 and expired[0]['E'] == T0 + HOUR
    assert filled == set(resting) and reported == filled
