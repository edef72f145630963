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

from binance.enums import KLINE_INTERVALS

__all__ = ['StreamSpec', 'parse_stream', 'looks_like_listen_key', 'dumps', 'loads',
           'kline_event', 'ticker_event', 'mini_ticker_event', 'book_ticker_event',
           'partial_depth_event', 'MAX_STREAMS_PER_CONNECTION']

MAX_STREAMS_PER_CONNECTION = 1024

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

_SYMBOL = r'(?P<symbol>[a-z0-9]+)'
_SPEED = r'(?:@(?P<speed>100|1000)ms)?'
_PATTERNS = [
    ('trade', re.compile(_SYMBOL + r'@trade\Z')),
    ('aggTrade', re.compile(_SYMBOL + r'@aggTrade\Z')),
    ('bookTicker', re.compile(_SYMBOL + r'@bookTicker\Z')),
    ('ticker', re.compile(_SYMBOL + r'@ticker\Z')),
    ('miniTicker', re.compile(_SYMBOL + r'@miniTicker\Z')),
    ('depth', re.compile(_SYMBOL + r'@depth' + _SPEED + r'\Z')),
    ('partialDepth', re.compile(_SYMBOL + r'@depth(?P<levels>5|10|20)' + _SPEED + r'\Z')),
    ('kline', re.compile(_SYMBOL + r'@kline_(?P<interval>[0-9]+[smhdwM])\Z')),
    ('allTicker', re.compile(r'!ticker@arr\Z')),
    ('allMiniTicker', re.compile(r'!miniTicker@arr(?:@(?P<ms>[0-9]+)ms)?\Z')),
]
_VALID_NAME = re.compile(r'^[A-Za-z0-9!@_.\-]+\Z')
_LISTEN_KEY = re.compile(r'^[A-Za-z0-9_\-]{1,128}\Z')


class StreamSpec(NamedTuple):
    """What a stream name asks for.

    :ivar name: the stream name as subscribed, e.g. ``'bnbbtc@depth5@100ms'``.
    :ivar kind: ``trade``, ``aggTrade``, ``bookTicker``, ``ticker``, ``miniTicker``,
        ``depth`` (diff), ``partialDepth``, ``kline``, ``allTicker``,
        ``allMiniTicker`` or ``user`` (a listen key).
    :ivar symbol: upper-case symbol, or ``None`` for ``!…@arr`` and listen keys.
    :ivar period: seconds between timer-driven messages, ``None`` for event-driven streams.
    :ivar levels: 5, 10 or 20 for partial depth, else 0.
    :ivar interval: the kline interval, else ``''``.
    """

    name: str
    kind: str
    symbol: Optional[str]
    period: Optional[float]
    levels: int = 0
    interval: str = ''


def is_valid_name(name: str) -> bool:
    """Whether ``name`` is made of the characters stream names and listen keys use."""
    return bool(_VALID_NAME.match(name))


def looks_like_listen_key(name: str) -> bool:
    """A name without ``@`` or ``!`` is taken as a listen key (as Binance does)."""
    return bool(_LISTEN_KEY.match(name)) and '@' not in name


def parse_stream(name: str) -> Optional[StreamSpec]:
    """Parse a stream name; ``None`` for a name this server does not know.

    Symbols must be lower case, as on Binance (``BNBBTC@trade`` is unknown).

    >>> parse_stream('bnbbtc@depth5@100ms')
    StreamSpec(name='bnbbtc@depth5@100ms', kind='partialDepth', symbol='BNBBTC', period=0.1, levels=5, interval='')
    """
    for kind, pattern in _PATTERNS:
        match = pattern.match(name)
        if match is None:
            continue
        groups = match.groupdict()
        symbol = groups['symbol'].upper() if groups.get('symbol') else None
        if kind == 'depth':
            return StreamSpec(name, kind, symbol, None)
        if kind == 'partialDepth':
            period = 0.1 if groups.get('speed') == '100' else 1.0
            return StreamSpec(name, kind, symbol, period, levels=int(groups['levels']))
        if kind == 'kline':
            interval = groups['interval']
            if interval not in KLINE_INTERVALS:
                return None
            # Binance: every 1000 ms for 1s klines, every 2000 ms otherwise.
            return StreamSpec(name, kind, symbol, 1.0 if interval == '1s' else 2.0,
                              interval=interval)
        if kind in ('ticker', 'miniTicker', 'allTicker'):
            return StreamSpec(name, kind, symbol, 1.0)
        if kind == 'allMiniTicker':
            ms = int(groups['ms']) if groups.get('ms') else 1000
            if ms < 100:
                return None
            return StreamSpec(name, kind, None, ms / 1000.0)
        return StreamSpec(name, kind, symbol, None)
    if looks_like_listen_key(name) and '!' not in name:
        return StreamSpec(name, 'user', None, None)
    return None


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


def as_list(value: Any) -> List[Any]:
    """``value`` as a list: a dict becomes a one-element list."""
    if value is None:
        return []
    if isinstance(value, dict):
        return [value]
    return list(value)
