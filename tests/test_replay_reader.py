"""Reading data.binance.vision files and recordings: names, units, headers, merge order (no sockets)."""
import pytest

from binance.testing.replay import Replay, ReplayDataError
from binance.testing.replay.reader import describe, expand_paths, merge, read
from tests import replay_files as rf


def test_file_names_give_kind_symbol_interval_and_market(tmp_path):
    """SYMBOL-KIND-DATE names: trades, aggTrades, bookTicker, any kline interval; futures/um paths."""
    assert describe('BTCUSDT-trades-2025-03-01.zip')[1:] == ('BTCUSDT', 'trades', None, 'spot')
    assert describe('x/ETHBTC-aggTrades-2024-02.csv')[1:] == ('ETHBTC', 'aggTrades', None, 'spot')
    assert describe('BNBUSDT-15m-2024-03-01.zip')[1:] == ('BNBUSDT', 'klines', '15m', 'spot')
    assert describe('BNBUSDT-1mo-2024-03.zip')[2:4] == ('klines', '1M')
    um = describe('/data/futures/um/daily/trades/BTCUSDT/BTCUSDT-trades-2025-03-01.zip')
    assert um.market == 'usdm'
    assert describe('rec/2025-03-01T10.jsonl.gz').kind == 'recording'


def test_names_that_are_not_binance_files_are_refused_with_what_is_valid(tmp_path):
    """A wrong name says which names are valid; a missing path and an empty directory are named."""
    with pytest.raises(ReplayDataError, match='SYMBOL-KIND-DATE.*trades, aggTrades, bookTicker'):
        describe('BTCUSDT-candles-2025-03-01.zip')
    with pytest.raises(ReplayDataError, match=r'\.zip or \.csv'):
        describe('BTCUSDT-trades-2025-03-01.parquet')
    with pytest.raises(ReplayDataError, match='no such replay file'):
        expand_paths([str(tmp_path / 'missing')])
    (tmp_path / 'empty').mkdir()
    with pytest.raises(ReplayDataError, match='no data files'):
        expand_paths([str(tmp_path / 'empty')])


def test_microseconds_and_milliseconds_read_as_the_same_milliseconds(tmp_path):
    """A 2025 spot file (µs) and the same trades in ms give the same event times."""
    micro = rf.write(tmp_path / 'a', 'BTCUSDT-trades-2025-03-01', rf.trade_rows(5, micro=True))
    milli = rf.write(tmp_path / 'b', 'BTCUSDT-trades-2025-03-01', rf.trade_rows(5, micro=False),
                     zipped=False)
    events_us = list(read(describe(micro)))
    events_ms = list(read(describe(milli)))
    assert events_us == events_ms
    assert [e[0] for e in events_us] == [rf.MARCH_2025_MS + 250 * i for i in range(5)]
    assert events_us[0][1:] == ('trade', 'BTCUSDT', (4000000, '89989.00000000', '0.01500000',
                                                     False))


def test_a_header_row_is_skipped_and_changes_nothing(tmp_path):
    """The same rows with and without a header row give the same events (zip and csv)."""
    rows = rf.trade_rows(4)
    plain = rf.write(tmp_path / 'a', 'BTCUSDT-trades-2025-03-01', rows)
    headed = rf.write(tmp_path / 'b', 'BTCUSDT-trades-2025-03-01', rows,
                      header=rf.TRADES_HEADER, zipped=False)
    assert list(read(describe(plain))) == list(read(describe(headed)))
    book = rf.write(tmp_path / 'c', 'ETHUSDT-bookTicker-2024-03-01', rf.book_rows(2),
                    header=rf.BOOK_HEADER)
    assert [e[1] for e in read(describe(book))] == ['bookTicker', 'bookTicker']


def test_a_kline_row_becomes_four_prints_open_extremes_close(tmp_path):
    """A rising kline prints open, low, high, close; a falling one open, high, low, close."""
    path = rf.write(tmp_path, 'BNBUSDT-1m-2024-03-01', rf.kline_rows(2))
    events = list(read(describe(path)))
    assert [e[3][1] for e in events] == [rf.d8(x) for x in (60000, 59997, 60008, 60005,
                                                            60010, 60013, 60002, 60005)]
    assert events[0][0] == rf.MARCH_2024_MS and events[3][0] == rf.MARCH_2024_MS + 59999
    assert all(e[3][2] == '1.00000000' for e in events)      # a quarter of the volume each


def test_files_merge_in_time_order_across_symbols_and_kinds(tmp_path):
    """Two symbols' files interleave by time; equal times keep the order the files were given."""
    a = rf.write(tmp_path, 'BTCUSDT-trades-2025-03-01', rf.trade_rows(4, step_ms=100))
    b = rf.write(tmp_path, 'ETHBTC-aggTrades-2025-03-01', rf.agg_rows(3, step_ms=150))
    events = list(merge(expand_paths([a, b])))
    times = [e[0] for e in events]
    assert times == sorted(times) and len(events) == 7
    assert [(e[0] - rf.MARCH_2025_MS, e[3]) for e in events[:3]] == [
        (0, 'BTCUSDT'), (0, 'ETHBTC'), (100, 'BTCUSDT')]


def test_recordings_replay_trade_aggtrade_and_book_ticker_messages(tmp_path):
    """A recording's trade, aggTrade and bookTicker payloads are events; other streams are skipped."""
    t0 = rf.MARCH_2025_MS
    path = rf.write_recording(tmp_path, '2025-03-01T00', [
        (t0, 'btcusdt@trade', {'e': 'trade', 'E': t0, 's': 'BTCUSDT', 't': 7, 'p': '1.00',
                               'q': '2.00', 'T': t0, 'm': True, 'M': True}),
        (t0 + 5, 'btcusdt@depth', {'e': 'depthUpdate', 'E': t0 + 5, 's': 'BTCUSDT'}),
        (t0 + 9, 'btcusdt@bookTicker', {'u': 3, 's': 'BTCUSDT', 'b': '0.99', 'B': '1',
                                        'a': '1.01', 'A': '2'})])
    events = list(read(describe(path)))
    assert events == [(t0, 'trade', 'BTCUSDT', (7, '1.00', '2.00', True)),
                      (t0 + 9, 'bookTicker', 'BTCUSDT', (3, '0.99', '1', '1.01', '2'))]


def test_replay_settings_come_from_the_data_and_bad_ones_are_refused(tmp_path):
    """Symbols, base/quote, tick and step from the data; COIN-M files and a negative speed refused."""
    path = rf.write(tmp_path, 'BTCUSDT-trades-2025-03-01', rf.trade_rows(10))
    replay = Replay([path])
    assert replay.first_ms == rf.MARCH_2025_MS
    spec = replay.symbols['BTCUSDT']
    assert (spec['base'], spec['quote'], spec['tick_size'], spec['step_size']) == (
        'BTC', 'USDT', '0.01', '0.001')
    cm = rf.write(tmp_path / 'futures' / 'cm', 'BTCUSDPERP-trades-2025-03-01',
                  rf.trade_rows(2), header=rf.TRADES_HEADER)
    with pytest.raises(ReplayDataError, match='COIN-M futures files cannot be replayed yet'):
        Replay([cm])
    with pytest.raises(ValueError, match='speed must be a number >= 0'):
        Replay([path], speed=-1)


def _replayed_market(path, **options):
    from binance.testing.market import Market
    replay = Replay([path], **options)
    market = Market(0, replay.symbols, clock=replay.clock, history=0)
    tape = replay.attach(market)
    return market, tape


def test_a_long_replay_keeps_recent_prints_and_minute_statistics_only(tmp_path, monkeypatch):
    """Past KEEP_PRINTS the oldest prints go; klines and the 24 h ticker stay as if all were kept."""
    from binance.testing.replay import desk
    path = rf.write(tmp_path, 'BTCUSDT-trades-2025-03-01', rf.trade_rows(3000, step_ms=1700))
    full, tape = _replayed_market(path)
    tape.release()
    monkeypatch.setattr(desk, 'KEEP_PRINTS', 400)
    trimmed, tape = _replayed_market(path)
    assert tape.release() == 3000
    symbol = 'BTCUSDT'
    assert len(trimmed.recent_trades(symbol, limit=1000)) <= 600
    assert trimmed.recent_trades(symbol, limit=5) == full.recent_trades(symbol, limit=5)
    for interval in ('1m', '5m', '1h'):
        assert trimmed.klines(symbol, interval, limit=1000) == full.klines(symbol, interval,
                                                                          limit=1000)
    assert trimmed.ticker_24h(symbol) == full.ticker_24h(symbol)
    assert trimmed.agg_trades(symbol, limit=3) == full.agg_trades(symbol, limit=3)
