"""Stream names and Binance's stream payload shapes, for :mod:`binance.testing.streams`.

Pure functions, no I/O: parsing a stream name such as ``bnbbtc@depth5@100ms``
into a :class:`StreamSpec`, and turning the REST-shaped answers of
:class:`binance.testing.market.Market` (klines rows, 24 h tickers, book
tickers) into the stream events Binance sends. See
https://developers.binance.com/docs/binance-spot-api-docs/web-socket-streams
"""
import json
import re
from decimal import Decimal
from typing import Any, Dict, List, NamedTuple, Optional, Sequence

from binance._streams import kinds as _kinds
from binance.testing.market_base import fmt

__all__ = ['StreamSpec', 'parse_stream', 'looks_like_listen_key', 'dumps', 'loads',
           'kline_event', 'ticker_event', 'mini_ticker_event', 'book_ticker_event',
           'partial_depth_event', 'rolling_ticker_event', 'avg_price_event',
           'reference_price_event', 'aggregate_klines', 'stream_names',
           'MAX_STREAMS_PER_CONNECTION']

MAX_STREAMS_PER_CONNECTION = _kinds.MAX_STREAMS_PER_CONNECTION

# ---------------------------------------------------------------- JSON


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError('cannot encode {} as JSON'.format(type(value).__name__))


try:  # the fastest encoder available; json from the stdlib otherwise
    import orjson as _orjson

    def dumps(obj: Any) -> bytes:
        """Encode ``obj`` as compact JSON bytes (Decimals become strings)."""
        return _orjson.dumps(obj, default=_default)

    def loads(data: Any) -> Any:
        """Decode JSON text or bytes."""
        return _orjson.loads(data)
except ImportError:  # pragma: no cover - orjson is optional
    _encoder = json.JSONEncoder(separators=(',', ':'), default=_default, ensure_ascii=False)

    def dumps(obj: Any) -> bytes:
        """Encode ``obj`` as compact JSON bytes (Decimals become strings)."""
        return _encoder.encode(obj).encode('utf-8')

    def loads(data: Any) -> Any:
        """Decode JSON text or bytes."""
        return json.loads(data)


# ---------------------------------------------------------------- names

_VALID_NAME = re.compile(r'^[A-Za-z0-9!@_.:+\-]+\Z')
_LISTEN_KEY = re.compile(r'^[A-Za-z0-9_\-]{1,128}\Z')


class StreamSpec(NamedTuple):
    """What a stream name asks for (a row of :data:`binance._streams.kinds.KINDS` and its options).

    :ivar name: the stream name as subscribed, e.g. ``'bnbbtc@depth5@100ms'``.
    :ivar kind: the :class:`~binance._streams.kinds.StreamKind` name: ``trade``,
        ``aggTrade``, ``blockTrade``, ``kline``, ``miniTicker``, ``ticker``,
        ``rollingTicker``, ``bookTicker``, ``avgPrice``, ``referencePrice``,
        ``partialDepth``, ``depth`` (diff), ``allMiniTicker``, ``allTicker``,
        ``allRollingTicker``, or ``user`` (a listen key).
    :ivar symbol: upper-case symbol, or ``None`` for ``!…@arr`` and listen keys.
    :ivar period: seconds between timer-driven messages, ``None`` for event-driven streams.
    :ivar levels: 5, 10 or 20 for partial depth, else 0.
    :ivar interval: the kline interval, else ``''``.
    :ivar window: the rolling-window size (``'1h'``, ``'4h'``, ``'1d'``), else ``''``.
    :ivar tz: ``'+08:00'`` for klines in UTC+8, else ``''``.
    """

    name: str
    kind: str
    symbol: Optional[str]
    period: Optional[float]
    levels: int = 0
    interval: str = ''
    window: str = ''
    tz: str = ''


def is_valid_name(name: str) -> bool:
    """Whether ``name`` is made of the characters stream names and listen keys use."""
    return bool(_VALID_NAME.match(name))


def looks_like_listen_key(name: str) -> bool:
    """A name without ``@`` or ``!`` is taken as a listen key (as Binance does)."""
    return bool(_LISTEN_KEY.match(name)) and '@' not in name


def parse_stream(name: str) -> Optional[StreamSpec]:
    """Parse a stream name with the shared table; ``None`` for a name this server does not know.

    Symbols must be lower case, as on Binance (``BNBBTC@trade`` is unknown).

    >>> parse_stream('bnbbtc@depth5@100ms')  # doctest: +NORMALIZE_WHITESPACE
    StreamSpec(name='bnbbtc@depth5@100ms', kind='partialDepth', symbol='BNBBTC', period=0.1,
               levels=5, interval='', window='', tz='')
    """
    match = _kinds.parse(name, strict=False)
    if match is not None:
        options = match.options
        levels = options.get('levels')
        return StreamSpec(name, match.kind.name, match.symbol, match.period,
                          levels=int(levels) if levels else 0,
                          interval=options.get('interval', ''),
                          window=options.get('window', ''),
                          tz=options.get('tz', '').lstrip('@'))
    if looks_like_listen_key(name) and '!' not in name:
        return StreamSpec(name, 'user', None, None)
    return None


def stream_names(kind: str, symbol: str) -> List[str]:
    """Every name of a market-driven ``kind`` for ``symbol`` (all its speeds).

    >>> stream_names('depth', 'BNBBTC')
    ['bnbbtc@depth', 'bnbbtc@depth@100ms', 'bnbbtc@depth@1000ms']
    """
    row = _kinds.KINDS_BY_NAME[kind]
    speeds = row.options.get('speed', ('',))
    return [row.build(symbol.lower(), speed=speed) for speed in speeds]


# ---------------------------------------------------------------- payloads


def kline_event(symbol: str, interval: str, row: Sequence[Any], now_ms: int,
                closed: bool) -> Dict[str, Any]:
    """A ``kline`` stream event from a REST klines row.

    :param row: ``[openTime, open, high, low, close, volume, closeTime, quoteVolume,
        trades, takerBuyBase, takerBuyQuote, ignore]`` as ``GET /api/v3/klines`` returns.
    :param closed: the ``x`` flag: whether this kline is final.
    """
    trades = row[8] if len(row) > 8 else 0
    return {
        'e': 'kline', 'E': now_ms, 's': symbol,
        'k': {
            't': row[0], 'T': row[6], 's': symbol, 'i': interval,
            'f': -1, 'L': -1,  # first/last trade id: the REST row does not carry them
            'o': row[1], 'c': row[4], 'h': row[2], 'l': row[3], 'v': row[5],
            'n': trades, 'x': bool(closed), 'q': row[7],
            'V': row[9] if len(row) > 9 else '0', 'Q': row[10] if len(row) > 10 else '0',
            'B': '0',
        },
    }


def ticker_event(ticker: Dict[str, Any], now_ms: int) -> Dict[str, Any]:
    """A ``24hrTicker`` stream event from a ``GET /api/v3/ticker/24hr`` answer."""
    get = ticker.get
    return {
        'e': '24hrTicker', 'E': now_ms, 's': get('symbol'),
        'p': get('priceChange', '0'), 'P': get('priceChangePercent', '0'),
        'w': get('weightedAvgPrice', '0'), 'x': get('prevClosePrice', '0'),
        'c': get('lastPrice', '0'), 'Q': get('lastQty', '0'),
        'b': get('bidPrice', '0'), 'B': get('bidQty', '0'),
        'a': get('askPrice', '0'), 'A': get('askQty', '0'),
        'o': get('openPrice', '0'), 'h': get('highPrice', '0'), 'l': get('lowPrice', '0'),
        'v': get('volume', '0'), 'q': get('quoteVolume', '0'),
        'O': get('openTime', 0), 'C': get('closeTime', 0),
        'F': get('firstId', -1), 'L': get('lastId', -1), 'n': get('count', 0),
    }


def mini_ticker_event(ticker: Dict[str, Any], now_ms: int) -> Dict[str, Any]:
    """A ``24hrMiniTicker`` stream event from a ``GET /api/v3/ticker/24hr`` answer."""
    get = ticker.get
    return {
        'e': '24hrMiniTicker', 'E': now_ms, 's': get('symbol'),
        'c': get('lastPrice', '0'), 'o': get('openPrice', '0'),
        'h': get('highPrice', '0'), 'l': get('lowPrice', '0'),
        'v': get('volume', '0'), 'q': get('quoteVolume', '0'),
    }


def book_ticker_event(book: Dict[str, Any], update_id: int) -> Dict[str, Any]:
    """A ``bookTicker`` stream event from a ``GET /api/v3/ticker/bookTicker`` answer."""
    return {
        'u': update_id, 's': book.get('symbol'),
        'b': book.get('bidPrice'), 'B': book.get('bidQty'),
        'a': book.get('askPrice'), 'A': book.get('askQty'),
    }


def partial_depth_event(depth: Dict[str, Any], levels: int) -> Dict[str, Any]:
    """A partial book depth event (``<s>@depth<N>``) from a ``GET /api/v3/depth`` answer."""
    return {
        'lastUpdateId': depth['lastUpdateId'],
        'bids': [list(level[:2]) for level in depth.get('bids', [])[:levels]],
        'asks': [list(level[:2]) for level in depth.get('asks', [])[:levels]],
    }


def aggregate_klines(rows: Sequence[Sequence[Any]], open_ms: int,
                     close_ms: int) -> Optional[List[Any]]:
    """One klines row covering ``rows`` (consecutive REST rows), opening at
    ``open_ms`` and closing at ``close_ms``; ``None`` when ``rows`` is empty."""
    if not rows:
        return None
    high = max(Decimal(r[2]) for r in rows)
    low = min(Decimal(r[3]) for r in rows)

    def total(i: int) -> str:
        return fmt(sum((Decimal(r[i]) for r in rows), Decimal(0)))
    return [open_ms, rows[0][1], fmt(high), fmt(low), rows[-1][4], total(5), close_ms,
            total(7), sum(int(r[8]) for r in rows), total(9), total(10), '0']


def rolling_ticker_event(symbol: str, window: str, row: Sequence[Any], now_ms: int,
                         last_id: int) -> Dict[str, Any]:
    """A ``<window>Ticker`` event (``<symbol>@ticker_<window>``) from an aggregated klines row.

    :param row: :func:`aggregate_klines` of the 1-minute-aligned window up to now.
    :param last_id: the symbol's latest trade id (``F``/``L`` are -1 without trades).
    """
    open_price, close_price = Decimal(row[1]), Decimal(row[4])
    volume, quote = Decimal(row[5]), Decimal(row[7])
    change = close_price - open_price
    count = int(row[8])
    return {
        'e': window + 'Ticker', 'E': now_ms, 's': symbol,
        'p': fmt(change),
        'P': '{:.3f}'.format(change * 100 / open_price) if open_price else '0.000',
        'o': row[1], 'h': row[2], 'l': row[3], 'c': row[4],
        'w': fmt(quote / volume) if volume else row[4],
        'v': row[5], 'q': row[7], 'O': row[0], 'C': now_ms,
        'F': last_id - count + 1 if count else -1, 'L': last_id if count else -1, 'n': count,
    }


def avg_price_event(symbol: str, avg: Dict[str, Any], now_ms: int) -> Dict[str, Any]:
    """An ``avgPrice`` event from a ``GET /api/v3/avgPrice`` answer."""
    return {'e': 'avgPrice', 'E': now_ms, 's': symbol, 'i': '{}m'.format(avg.get('mins', 5)),
            'w': avg.get('price'), 'T': avg.get('closeTime')}


def reference_price_event(symbol: str, price: Optional[str], now_ms: int) -> Dict[str, Any]:
    """A ``referencePrice`` event; ``price`` is ``None`` for a symbol without one."""
    return {'e': 'referencePrice', 's': symbol, 'r': price, 't': now_ms}


def as_list(value: Any) -> List[Any]:
    """``value`` as a list: a dict becomes a one-element list."""
    if value is None:
        return []
    if isinstance(value, dict):
        return [value]
    return list(value)
