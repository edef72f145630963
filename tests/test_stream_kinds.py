"""The one stream-kind table drives the client's checks and the local exchange's routing."""
import pytest

from binance._streams.kinds import KINDS, _expand, parse
from binance.testing.reactor import FakeReactor
from binance.testing.streams_format import parse_stream
from binance.websockets import BinanceSocketManager

ALL_NAMES = [name for kind in KINDS for name in _expand(kind, 'bnbbtc' if kind.needs_symbol
                                                         else None)]


@pytest.mark.parametrize('name', ALL_NAMES)
def test_client_accepts_and_server_routes_every_name_of_the_table(name):
    """start_multiplex_socket accepts each table name; the local exchange parses it to the same kind."""
    bm = BinanceSocketManager(None, reactor=FakeReactor())
    assert bm.start_multiplex_socket([name], lambda msg: None) == 'stream?streams=' + name
    spec = parse_stream(name)
    assert spec is not None and spec.kind == parse(name).kind.name
    assert spec.symbol == ('BNBBTC' if parse(name).kind.needs_symbol else None)


def test_binances_documented_kinds_are_all_in_the_table():
    """Every stream of Binance's spot web-socket-streams.md has a row."""
    documented = ['bnbbtc@referencePrice', 'bnbbtc@aggTrade', 'bnbbtc@trade',
                  'bnbbtc@blockTrade', 'bnbbtc@kline_1s', 'bnbbtc@kline_1M@+08:00',
                  'bnbbtc@miniTicker', '!miniTicker@arr', 'bnbbtc@ticker', 'bnbbtc@ticker_1h',
                  '!ticker_4h@arr', 'bnbbtc@bookTicker', 'bnbbtc@avgPrice', 'bnbbtc@depth5',
                  'bnbbtc@depth10@100ms', 'bnbbtc@depth', 'bnbbtc@depth@100ms']
    assert [name for name in documented if name not in ALL_NAMES] == []


@pytest.mark.parametrize('name', ['bnbbtc@depth15', 'bnbbtc@kline_2m', 'bnbbtc@ticker_2h',
                                  'bnbbtc@kline_1h@+09:00', '!ticker_2d@arr', 'BNBBTC@trade'])
def test_names_outside_the_table_are_refused_by_the_client_and_silent_on_the_server(name):
    """A name no row accepts is a ValueError in the client and an unknown (silent) stream locally."""
    bm = BinanceSocketManager(None, reactor=FakeReactor())
    with pytest.raises(ValueError):
        bm.start_multiplex_socket([name], lambda msg: None)
    assert parse_stream(name) is None
