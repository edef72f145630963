"""Historical klines and aggregate trades, paged over real HTTP against the local exchange."""
import time

import pytest

from binance.client import Client
from binance.exceptions import BinanceAPIException

HOUR = 3600000
DAY = 24 * HOUR
LISTED_BNBBTC = 1499990400000  # 2017-07-14 00:00 UTC, the day BNBBTC was listed (locally too)


def _requests(exchange, path):
    return [r for r in exchange.requests if r.path == path]


def _assert_contiguous(klines, step):
    opens = [k[0] for k in klines]
    assert opens == list(range(opens[0], opens[0] + step * len(opens), step))


def _kline_calls(exchange):
    return [(r.params.get('startTime'), r.params.get('endTime'), r.params.get('limit'))
            for r in _requests(exchange, '/api/v3/klines')]


def test_range_pages_like_python_binance_0_7_11(exchange):
    """A 2501-hour range: the startTime=0 probe, then pages stepped by one interval after each last open."""
    client = exchange.client()
    start = 1514764800000  # 1 Jan 2018
    end = start + 2500 * HOUR
    klines = client.get_historical_klines('BNBBTC', Client.KLINE_INTERVAL_1HOUR, start, end,
                                          limit=1000)
    assert len(klines) == 2501
    assert (klines[0][0], klines[-1][0]) == (start, end)
    _assert_contiguous(klines, HOUR)
    assert _kline_calls(exchange) == [
        ('0', None, '1'),
        (str(start), str(end), '1000'),
        (str(start + 1000 * HOUR), str(end), '1000'),
        (str(start + 2000 * HOUR), str(end), '1000')]


def test_default_limit_is_500_and_a_full_last_page_ends_with_an_empty_one(exchange):
    """Two full pages of 500 (the default limit) are followed by one empty page, which ends the paging."""
    client = exchange.client()
    start = 1514764800000
    end = start + 999 * HOUR
    klines = client.get_historical_klines('BNBBTC', '1h', start, end)
    assert len(klines) == 1000
    assert _kline_calls(exchange) == [
        ('0', None, '1'), (str(start), str(end), '500'), (str(start + 500 * HOUR), str(end), '500'),
        (str(start + 1000 * HOUR), str(end), '500')]


def test_pages_are_returned_as_the_server_sent_them(exchange, monkeypatch):
    """Klines are not filtered client-side: whatever a page holds is returned as is."""
    client = exchange.client()
    pages = [[[0, 'probe']], [[5, 'a'], [7, 'b']]]
    monkeypatch.setattr(client, 'get_klines', lambda **params: pages.pop(0))
    assert client.get_historical_klines('BNBBTC', '1h', 10, 20, limit=5) == [[5, 'a'], [7, 'b']]


def test_date_strings_are_accepted(exchange):
    """'1 Dec, 2017' to '1 Jan, 2018' in days gives the 32 daily klines of December and 1 January."""
    client = exchange.client()
    klines = client.get_historical_klines('ETHBTC', Client.KLINE_INTERVAL_1DAY,
                                          '1 Dec, 2017', '1 Jan, 2018')
    assert len(klines) == 32
    assert (klines[0][0], klines[-1][0]) == (1512086400000, 1514764800000)
    _assert_contiguous(klines, DAY)


def test_start_before_listing_begins_at_the_first_kline(exchange):
    """A start before the symbol's listing begins at its first kline, found with startTime=0."""
    client = exchange.client()
    klines = client.get_historical_klines('BNBBTC', '1w', '1 Jan, 2015', '1 Sep, 2017')
    assert klines[0][0] >= LISTED_BNBBTC - 7 * DAY
    assert klines[0][0] == client.get_klines(symbol='BNBBTC', interval='1w', startTime=0,
                                             limit=1)[0][0]
    _assert_contiguous(klines, 7 * DAY)
    assert klines[-1][0] <= 1504224000000


def test_open_ended_range_runs_up_to_now_and_stops(exchange):
    """Without end_str the pages run to the current, still open kline, then stop."""
    client = exchange.client()
    now = int(time.time() * 1000)
    start = now - now % 60000 - 250 * 60000
    klines = client.get_historical_klines('BNBBTC', '1m', start, limit=100)
    assert klines[0][0] == start
    _assert_contiguous(klines, 60000)
    assert 251 <= len(klines) <= 252
    assert klines[-1][0] <= int(time.time() * 1000) < klines[-1][6] + 1
    assert [c[0] for c in _kline_calls(exchange)] == [
        '0', str(start), str(start + 100 * 60000), str(start + 200 * 60000)]


def test_future_or_inverted_ranges_are_empty(exchange):
    """A range in the future, or with end before start, gives no klines and stops at once."""
    client = exchange.client()
    now = int(time.time() * 1000)
    assert client.get_historical_klines('BNBBTC', '1h', now + 10 * DAY) == []
    assert client.get_historical_klines('BNBBTC', '1h', now - DAY, now - 2 * DAY) == []
    assert len(_requests(exchange, '/api/v3/klines')) <= 4


def test_generator_fetches_pages_as_it_is_consumed(exchange):
    """The generator sends nothing until iterated, and only the pages that are consumed."""
    client = exchange.client()
    klines = client.get_historical_klines_generator('BNBBTC', '1h', 1514764800000, limit=10)
    assert _requests(exchange, '/api/v3/klines') == []
    first = [next(klines) for _ in range(12)]
    _assert_contiguous(first, HOUR)
    assert len(_requests(exchange, '/api/v3/klines')) == 1 + 2


def test_unknown_symbol_fails_on_first_request(exchange):
    """An unknown symbol raises BinanceAPIException -1121 from the history methods."""
    client = exchange.client()
    with pytest.raises(BinanceAPIException) as info:
        client.get_historical_klines('XXXYYY', '1h', 1514764800000)
    assert info.value.code == -1121


# -- aggregate trades ------------------------------------------------------------------


def _latest_agg_id(exchange, symbol='BNBBTC'):
    return exchange.call(exchange.market.agg_trades, symbol, limit=1)[0]['a']


def _agg_calls(exchange):
    return [r.params for r in _requests(exchange, '/api/v3/aggTrades')]


def test_agg_trades_from_a_start_time_to_the_latest(exchange):
    """From a start time: one 1-hour window, then fromId=<last id> pages without limit, as 0.7.11."""
    client = exchange.client()
    start = int(time.time() * 1000) - 2 * HOUR
    trades = list(client.aggregate_trade_iter('BNBBTC', start_str=start))
    ids = [t[Client.AGG_ID] for t in trades]
    assert ids == list(range(ids[0], ids[0] + len(ids)))
    assert ids[-1] == _latest_agg_id(exchange)
    first = exchange.call(exchange.market.agg_trades, 'BNBBTC', startTime=start, limit=1)[0]
    assert trades[0] == first
    calls = _agg_calls(exchange)
    assert calls[0] == {'symbol': 'BNBBTC', 'startTime': str(start), 'endTime': str(start + HOUR)}
    window = [t for t in trades if t['T'] <= start + HOUR]
    assert calls[1] == {'symbol': 'BNBBTC', 'fromId': str(window[-1]['a'])}
    assert calls[-1] == {'symbol': 'BNBBTC', 'fromId': str(ids[-1])}


def test_agg_trades_from_hours_before_the_first_trade_walk_hour_by_hour(exchange):
    """A start 5 h before the first trade asks for each 1-hour window in turn until one holds trades."""
    client = exchange.client()
    earliest = exchange.call(exchange.market.agg_trades, 'BNBBTC', fromId=0, limit=1)[0]
    start = earliest['T'] - 5 * HOUR - 1234
    trades = client.aggregate_trade_iter('BNBBTC', start_str=start)
    assert next(trades) == earliest
    assert _agg_calls(exchange) == [
        {'symbol': 'BNBBTC', 'startTime': str(start + n * HOUR), 'endTime': str(start + (n + 1) * HOUR)}
        for n in range(6)]


def test_agg_trades_from_a_date_string(exchange):
    """'5 hours ago UTC' (before the local history starts) yields every trade once, oldest first."""
    client = exchange.client()
    trades = list(client.aggregate_trade_iter('BNBBTC', '5 hours ago UTC'))
    assert trades == exchange.call(exchange.market.agg_trades, 'BNBBTC', fromId=0, limit=1000)


def test_agg_trades_after_last_id_page_by_page(exchange):
    """With last_id the iterator asks fromId=<last id> (default 500 per page) and drops each page's first trade."""
    client = exchange.client()
    latest = _latest_agg_id(exchange)
    trades = list(client.aggregate_trade_iter('BNBBTC', last_id=latest - 600))
    assert [t['a'] for t in trades] == list(range(latest - 599, latest + 1))
    assert _agg_calls(exchange) == [{'symbol': 'BNBBTC', 'fromId': str(n)}
                                    for n in (latest - 600, latest - 101, latest)]


def test_agg_trades_from_the_beginning(exchange):
    """Without start_str or last_id the iterator asks fromId=0 and starts at the symbol's first agg trade."""
    client = exchange.client()
    trades = list(client.aggregate_trade_iter('ETHBTC'))
    first = exchange.call(exchange.market.agg_trades, 'ETHBTC', fromId=0, limit=1)[0]
    assert trades[0] == first
    assert [t['a'] for t in trades] == list(range(first['a'], _latest_agg_id(exchange, 'ETHBTC') + 1))
    assert _agg_calls(exchange)[0] == {'symbol': 'ETHBTC', 'fromId': '0'}


def test_agg_trades_follow_new_trades_and_stop_at_the_end(exchange):
    """Trades made after the last one known are yielded by a new iteration from last_id; none after."""
    client = exchange.client()
    latest = _latest_agg_id(exchange)
    assert list(client.aggregate_trade_iter('BNBBTC', last_id=latest)) == []
    exchange.step(30)
    newer = list(client.aggregate_trade_iter('BNBBTC', last_id=latest))
    assert newer and newer[0]['a'] == latest + 1 and newer[-1]['a'] == _latest_agg_id(exchange)


def test_agg_trades_from_the_future_are_empty(exchange):
    """A start time in the future yields nothing after one window request, as in the original."""
    client = exchange.client()
    start = int(time.time() * 1000) + DAY
    assert list(client.aggregate_trade_iter('BNBBTC', start_str=start)) == []
    assert _agg_calls(exchange) == [
        {'symbol': 'BNBBTC', 'startTime': str(start), 'endTime': str(start + HOUR)}]
