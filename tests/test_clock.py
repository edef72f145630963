"""The server clock offset: measured on first signed use, renewed, and re-measured on -1021."""
import pytest

from binance._clock import ServerClock
from binance.exceptions import BinanceAPIException


class Ticking:
    """Wall and monotonic clocks that only move when told to."""

    def __init__(self):
        self.wall = 1700000000.0
        self.mono = 100.0

    def advance(self, seconds):
        self.wall += seconds
        self.mono += seconds


def test_offset_is_taken_at_the_round_trip_midpoint():
    """offset = server time - midpoint of send and receive; age counts from then."""
    t = Ticking()

    def fetch():
        t.advance(0.2)  # 200 ms round trip, the server reads its clock half-way
        return {'serverTime': int((t.wall - 0.1) * 1000) + 5000}

    clock = ServerClock(fetch, clock=lambda: t.wall, monotonic=lambda: t.mono)
    assert clock.age is None
    assert clock.now_ms() == int(t.wall * 1000) + 5000
    assert clock.offset_ms == 5000 and clock.age == 0
    t.mono += 30
    assert clock.age == pytest.approx(30)


def test_offset_is_renewed_after_the_refresh_interval_and_not_before():
    """now_ms measures again only once refresh_interval seconds have passed."""
    t = Ticking()
    calls = []

    def fetch():
        calls.append(t.mono)
        return {'serverTime': int(t.wall * 1000) + 1000 * len(calls)}

    clock = ServerClock(fetch, refresh_interval=60, clock=lambda: t.wall,
                        monotonic=lambda: t.mono)
    clock.now_ms()
    t.mono += 59
    clock.now_ms()
    assert len(calls) == 1
    t.mono += 1
    clock.now_ms()
    assert len(calls) == 2 and clock.offset_ms == 2000


def test_failed_measurement_keeps_the_offset_and_waits_before_retrying():
    """A failing /time keeps the old offset and is retried only after a pause."""
    t = Ticking()
    calls = []

    def fetch():
        calls.append(1)
        raise OSError('down')

    clock = ServerClock(fetch, clock=lambda: t.wall, monotonic=lambda: t.mono)
    clock.offset_ms = 250
    t.mono += 10000
    assert clock.now_ms() == int(t.wall * 1000) + 250
    clock.now_ms()
    assert len(calls) == 1
    with pytest.raises(OSError):
        clock.sync()


def test_disabled_clock_never_measures():
    """enabled=False (sync_clock=False) leaves the offset as set."""
    clock = ServerClock(lambda: pytest.fail('measured'), enabled=False)
    clock.offset_ms = -40
    assert not clock.stale()


# -- against the local exchange ---------------------------------------------------------


@pytest.mark.parametrize('offset', [-90.0, 45.0], ids=['server-behind', 'server-ahead'])
def test_signed_calls_work_with_the_exchange_clock_ahead_or_behind(exchange, offset):
    """With the server clock 90 s behind or 45 s ahead, signed calls succeed after one /time."""
    exchange.clock_offset = offset
    client = exchange.client()
    assert client.get_open_orders() == []
    assert abs(client.timestamp_offset - offset * 1000) < 1000
    assert client.timestamp_offset_age is not None and client.timestamp_offset_age < 5
    paths = [r.path for r in exchange.requests]
    assert paths == ['/api/v3/time', '/api/v3/openOrders']


def test_unsynced_client_fails_and_sync_time_fixes_it(exchange):
    """sync_clock=False gets -1021 from a skewed exchange; sync_time() measures and fixes it."""
    exchange.clock_offset = -30.0
    client = exchange.client(sync_clock=False)
    with pytest.raises(BinanceAPIException) as info:
        client.get_open_orders()
    assert info.value.code == -1021
    assert abs(client.sync_time() + 30000) < 1000
    assert client.get_open_orders() == []


def test_minus_1021_remeasures_and_resends_once(exchange):
    """A -1021 after the clock moved re-measures the offset and sends the request once more."""
    client = exchange.client()
    client.get_open_orders()
    exchange.clock_offset = 20.0                      # the server's clock jumps ahead
    exchange.clear_requests()
    assert client.get_open_orders() == []
    assert [r.path for r in exchange.requests] == [
        '/api/v3/openOrders', '/api/v3/time', '/api/v3/openOrders']
    assert abs(client.timestamp_offset - 20000) < 1000


def test_minus_1021_is_resent_only_once(exchange):
    """If the resent request is refused for its timestamp too, the error reaches the caller."""
    client = exchange.client()
    client.get_open_orders()
    body = {'code': -1021, 'msg': 'Timestamp for this request is outside of the recvWindow.'}
    exchange.fail_next('/api/v3/openOrders', status=400, body=body, count=2)
    exchange.clear_requests()
    with pytest.raises(BinanceAPIException) as info:
        client.get_open_orders()
    assert info.value.code == -1021
    assert [r.path for r in exchange.requests] == [
        '/api/v3/openOrders', '/api/v3/time', '/api/v3/openOrders']


def test_a_caller_timestamp_is_not_replaced(exchange):
    """A timestamp the caller passed is sent as is and a -1021 for it is not retried."""
    client = exchange.client()
    with pytest.raises(BinanceAPIException) as info:
        client.get_open_orders(timestamp=1)
    assert info.value.code == -1021
    assert [r.path for r in exchange.requests].count('/api/v3/openOrders') == 1


def test_exchange_clock_offset_shows_in_server_time(exchange):
    """clock_offset moves serverTime of REST and of the WebSocket API clock together."""
    from binance.testing import streams_wsapi
    exchange.clock_offset = 12.5
    client = exchange.client(sync_clock=False)
    rest = client.get_server_time()['serverTime']
    ws = exchange.call(streams_wsapi.now_ms, exchange.streams)
    local = exchange.call(lambda: int(exchange.streams.reactor.seconds() * 1000))
    assert abs(rest - ws) < 1000 and abs(ws - local - 12500) < 5
    with pytest.raises(ValueError, match='clock_offset'):
        exchange.clock_offset = float('nan')
