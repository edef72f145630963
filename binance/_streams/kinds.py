"""The tables of Binance's stream kinds: spot (:data:`KINDS`), USD-M (:data:`FUTURES_KINDS`).

Each :class:`StreamKind` row says how a stream name is spelled, whether it
needs a symbol, which options it takes and what its messages look like. The
table produces:

* the socket manager's argument checks and their error texts
  (:mod:`binance._streams.checks`): which names ``start_multiplex_socket``
  accepts, what ``start_*`` build;
* the local exchange's routing and payload choice
  (:mod:`binance.testing.streams_format`, :mod:`binance.testing.streams`):
  :func:`parse` turns a name into a :class:`StreamMatch` whose ``kind.payload``
  selects how the server produces the messages and ``period`` how often.

Adding a stream kind means one row here, its payload in the local exchange,
a ``start_*`` method if it gets one, and its docs.

Source: https://developers.binance.com/docs/binance-spot-api-docs/web-socket-streams
(``web-socket-streams.md`` of github.com/binance/binance-spot-api-docs).
"""
import re
from typing import Any, Dict, List, NamedTuple, Optional, Tuple

from binance.enums import KLINE_INTERVALS, WEBSOCKET_DEPTHS
from binance._streams.limits import FUTURES_MAX_STREAMS, MAX_STREAMS_PER_CONNECTION

__all__ = ['StreamKind', 'StreamMatch', 'KINDS', 'KINDS_BY_NAME', 'parse', 'valid_kinds_text',
           'symbol_stream_suffixes', 'array_streams', 'TICKER_WINDOWS', 'DEPTH_SPEEDS',
           'KLINE_TIMEZONES', 'MINITICKER_UPDATE_TIMES', 'MAX_STREAMS_PER_CONNECTION',
           'FUTURES_KINDS', 'FUTURES_MAX_STREAMS', 'FUTURES_DEPTH_SPEEDS', 'parse_futures',
           'futures_valid_kinds_text', 'COIN_FUTURES_KINDS', 'parse_coin_futures',
           'coin_futures_valid_kinds_text']

#: Windows of the rolling-window ticker streams.
TICKER_WINDOWS = ('1h', '4h', '1d')
#: Update-speed suffixes of the depth streams ('' is the default 1000 ms).
DEPTH_SPEEDS = ('', '@100ms', '@1000ms')
#: Time-zone suffixes of the kline streams ('' is UTC).
KLINE_TIMEZONES = ('', '@+08:00')
#: Update times (ms) of ``!miniTicker@arr``: 1000 is the plain name.
MINITICKER_UPDATE_TIMES = (1000, 3000)

_SYMBOL_RE = r'(?P<symbol>[a-z0-9]+)'


class StreamKind(NamedTuple):
    """One kind of stream.

    :ivar name: the kind's name, e.g. ``'trade'``, ``'partialDepth'``.
    :ivar spelling: how its names look, for error texts (``<symbol>@depth<levels>``).
    :ivar pattern: regular expression of the whole stream name; named groups
        carry the options (``symbol``, ``interval``, ``levels``, ``speed``,
        ``window``, ``tz``, ``ms``).
    :ivar needs_symbol: whether the name starts with ``<symbol>@``.
    :ivar options: the valid values of each option group.
    :ivar event: the ``e`` of its messages (``{window}`` filled in), ``None``
        for payloads without one; a list payload is marked by ``is_array``.
    :ivar is_array: messages are lists (one entry per symbol).
    :ivar payload: how the local exchange produces its messages:
        ``'market'`` (forwarded market events), ``'timer'`` (built every
        :attr:`period` seconds) or ``'push'`` (only what a test pushes).
    :ivar period: seconds between timer messages (``None``: event-driven).
    :ivar retired: a note when Binance no longer sends it.
    :ivar route: USD-M futures only: the fstream route serving it.
    :ivar order_key: the payload field holding an id that grows with every
        message of one stream (``'t'`` of a trade), ``''`` when there is
        none; switch-overs use it to join two connections without a gap or
        a repeat (:mod:`binance._streams.switch`). Kinds with the same
        ``event`` name the same field.
    """

    name: str
    spelling: str
    pattern: 're.Pattern[str]'
    needs_symbol: bool
    options: Dict[str, Tuple[str, ...]]
    event: Optional[str]
    is_array: bool
    payload: str
    period: Optional[float]
    retired: str = ''
    #: USD-M futures only: the fstream route serving it (``'public'`` or ``'market'``)
    route: str = ''
    order_key: str = ''

    def build(self, symbol: Optional[str] = None, **options: str) -> str:
        """The stream name for ``symbol`` (lower case) and ``options`` (no checks)."""
        text = _TEMPLATES[self.name]
        return text.format(symbol=symbol or '', **options)


class StreamMatch(NamedTuple):
    """A stream name parsed against the table.

    :ivar name: the name as given.
    :ivar kind: its :class:`StreamKind`.
    :ivar symbol: upper-case symbol, ``None`` for all-market streams.
    :ivar options: the option values found in the name.
    :ivar period: seconds between timer messages, ``None`` when event-driven.
    """

    name: str
    kind: StreamKind
    symbol: Optional[str]
    options: Dict[str, str]
    period: Optional[float]


def _re(text: str) -> 're.Pattern[str]':
    return re.compile('^' + text + r'\Z')


_SPEED = r'(?P<speed>@100ms|@1000ms)?'
_INTERVAL = r'(?P<interval>[0-9]+[smhdwM])'
_WINDOW = r'(?P<window>[0-9]+[hd])'

_TEMPLATES = {
    'trade': '{symbol}@trade',
    'aggTrade': '{symbol}@aggTrade',
    'blockTrade': '{symbol}@blockTrade',
    'kline': '{symbol}@kline_{interval}{tz}',
    'miniTicker': '{symbol}@miniTicker',
    'ticker': '{symbol}@ticker',
    'rollingTicker': '{symbol}@ticker_{window}',
    'bookTicker': '{symbol}@bookTicker',
    'avgPrice': '{symbol}@avgPrice',
    'referencePrice': '{symbol}@referencePrice',
    'partialDepth': '{symbol}@depth{levels}{speed}',
    'depth': '{symbol}@depth{speed}',
    'allMiniTicker': '!miniTicker@arr{ms}',
    'allTicker': '!ticker@arr',
    'allRollingTicker': '!ticker_{window}@arr',
}

#: Every stream kind of Binance's spot docs (plus ``!ticker@arr``, retired
#: 2026-03, and the legacy ``@1000ms``/``@3000ms`` spellings still accepted).
KINDS: Tuple[StreamKind, ...] = (
    StreamKind('trade', '<symbol>@trade', _re(_SYMBOL_RE + '@trade'), True, {}, 'trade',
               False, 'market', None, order_key='t'),
    StreamKind('aggTrade', '<symbol>@aggTrade', _re(_SYMBOL_RE + '@aggTrade'), True, {},
               'aggTrade', False, 'market', None, order_key='a'),
    StreamKind('blockTrade', '<symbol>@blockTrade', _re(_SYMBOL_RE + '@blockTrade'), True, {},
               'blockTrade', False, 'push', None),
    StreamKind('kline', '<symbol>@kline_<interval>[@+08:00]',
               _re(_SYMBOL_RE + '@kline_' + _INTERVAL + r'(?P<tz>@\+08:00)?'), True,
               {'interval': tuple(KLINE_INTERVALS), 'tz': KLINE_TIMEZONES}, 'kline', False,
               'timer', 2.0),
    StreamKind('miniTicker', '<symbol>@miniTicker', _re(_SYMBOL_RE + '@miniTicker'), True, {},
               '24hrMiniTicker', False, 'timer', 1.0),
    StreamKind('ticker', '<symbol>@ticker', _re(_SYMBOL_RE + '@ticker'), True, {}, '24hrTicker',
               False, 'timer', 1.0),
    StreamKind('rollingTicker', '<symbol>@ticker_<window>',
               _re(_SYMBOL_RE + '@ticker_' + _WINDOW), True, {'window': TICKER_WINDOWS},
               '{window}Ticker', False, 'timer', 1.0),
    StreamKind('bookTicker', '<symbol>@bookTicker', _re(_SYMBOL_RE + '@bookTicker'), True, {},
               None, False, 'market', None, order_key='u'),
    StreamKind('avgPrice', '<symbol>@avgPrice', _re(_SYMBOL_RE + '@avgPrice'), True, {},
               'avgPrice', False, 'timer', 1.0),
    StreamKind('referencePrice', '<symbol>@referencePrice',
               _re(_SYMBOL_RE + '@referencePrice'), True, {}, 'referencePrice', False,
               'timer', 1.0),
    StreamKind('partialDepth', '<symbol>@depth<levels>[@100ms]',
               _re(_SYMBOL_RE + '@depth(?P<levels>[0-9]+)' + _SPEED), True,
               {'levels': tuple(WEBSOCKET_DEPTHS), 'speed': DEPTH_SPEEDS}, None, False,
               'timer', 1.0),
    StreamKind('depth', '<symbol>@depth[@100ms]', _re(_SYMBOL_RE + '@depth' + _SPEED), True,
               {'speed': DEPTH_SPEEDS}, 'depthUpdate', False, 'market', None, order_key='u'),
    StreamKind('allMiniTicker', '!miniTicker@arr', _re(r'!miniTicker@arr(?P<ms>@[0-9]+ms)?'),
               False, {'ms': ('', '@3000ms')}, '24hrMiniTicker', True, 'timer', 1.0),
    StreamKind('allTicker', '!ticker@arr', _re(r'!ticker@arr'), False, {}, '24hrTicker', True,
               'timer', 1.0, retired='Binance retired !ticker@arr in 2026-03'),
    StreamKind('allRollingTicker', '!ticker_<window>@arr', _re(r'!ticker_' + _WINDOW + '@arr'),
               False, {'window': TICKER_WINDOWS}, '{window}Ticker', True, 'timer', 1.0),
)

KINDS_BY_NAME: Dict[str, StreamKind] = {kind.name: kind for kind in KINDS}


def _period(kind: StreamKind, options: Dict[str, str]) -> Optional[float]:
    if kind.period is None:
        return None
    if kind.name == 'kline':
        return 1.0 if options.get('interval') == '1s' else 2.0   # Binance: 1000 / 2000 ms
    if kind.name == 'partialDepth':
        return 0.1 if options.get('speed') == '@100ms' else 1.0
    if kind.name == 'allMiniTicker' and options.get('ms'):
        return int(options['ms'][1:-2]) / 1000.0
    return kind.period


def parse(name: str, strict: bool = True) -> Optional[StreamMatch]:
    """Parse ``name`` against the table; ``None`` when no kind matches.

    :param strict: only option values the table lists (the client's view).
        ``False`` also takes other well-formed values where the local
        exchange can serve them (``!miniTicker@arr@<N>ms`` with N >= 100).
    """
    for kind in KINDS:
        match = kind.pattern.match(name)
        if match is None:
            continue
        groups = {k: v for k, v in match.groupdict().items() if k != 'symbol'}
        options = {k: (v or '') for k, v in groups.items()}
        for option, value in options.items():
            valid = kind.options.get(option)
            if valid is None or value in valid:
                continue
            if not strict and option == 'ms' and int(value[1:-2]) >= 100:
                continue
            return None
        symbol = match.groupdict().get('symbol')
        return StreamMatch(name, kind, symbol.upper() if symbol else None, options,
                           _period(kind, options))
    return None


def symbol_stream_suffixes() -> List[str]:
    """Every valid text after ``<symbol>@`` (e.g. ``'depth5@100ms'``), in table order."""
    out: List[str] = []
    for kind in KINDS:
        if not kind.needs_symbol:
            continue
        out.extend(name[len('x@'):] for name in _expand(kind, 'x'))
    return out


def array_streams() -> List[str]:
    """Every valid all-market stream name, in table order."""
    out: List[str] = []
    for kind in KINDS:
        if not kind.needs_symbol:
            out.extend(_expand(kind, None))
    return out


def _expand(kind: StreamKind, symbol: Optional[str]) -> List[str]:
    combos: List[Dict[str, str]] = [{}]
    for option, values in kind.options.items():
        combos = [dict(c, **{option: v}) for c in combos for v in values]
    return [kind.build(symbol, **c) for c in combos]


def valid_kinds_text() -> str:
    """The list of valid stream names used in error messages."""
    parts = []
    for kind in KINDS:
        if not kind.needs_symbol:
            continue
        if kind.name == 'kline':
            parts.append('kline_<interval> ({}; optionally @+08:00)'.format(
                ', '.join(KLINE_INTERVALS)))
        elif kind.name == 'rollingTicker':
            parts.append('ticker_<window> ({})'.format(', '.join(TICKER_WINDOWS)))
        elif kind.name == 'partialDepth':
            parts.append('{} (optionally @100ms or @1000ms)'.format(
                '/'.join('depth' + n for n in WEBSOCKET_DEPTHS)))
        elif kind.name == 'depth':
            parts.append('depth, depth@100ms, depth@1000ms')
        else:
            parts.append(kind.spelling.split('@', 1)[1])
    return ('<symbol>@ followed by {}; or one of {}; or a listen key (user data)'.format(
        ', '.join(parts[:-1]) + ' or ' + parts[-1], ', '.join(array_streams())))


def event_type(match: StreamMatch) -> Any:
    """The ``e`` of the stream's messages (``None`` when they carry none)."""
    event = match.kind.event
    if event is None:
        return None
    return event.format(window=match.options.get('window', ''))


# -- USD-M futures (fstream) -------------------------------------------------------------
#
# Source: the USD-M "WebSocket Market Streams" docs and Binance's 2026-03-06
# notice of the routed paths (retiring unrouted fstream on 2026-04-23): book
# data on /public, other market data on /market, user data on /private.

#: Update speeds of the futures depth streams ('' is the default 250 ms).
FUTURES_DEPTH_SPEEDS = ('', '@100ms', '@250ms', '@500ms')
_FSPEED = r'(?P<speed>@100ms|@250ms|@500ms)?'


def _f(name: str, spelling: str, pattern: str, needs_symbol: bool, options: Dict[str, Any],
       event: Optional[str], is_array: bool, payload: str, period: Optional[float],
       route: str, order_key: str = '') -> StreamKind:
    return StreamKind(name, spelling, _re(pattern), needs_symbol, options, event, is_array,
                      payload, period, route=route, order_key=order_key)


#: Every USD-M stream kind the package knows, with its route.
FUTURES_KINDS: Tuple[StreamKind, ...] = (
    _f('aggTrade', '<symbol>@aggTrade', _SYMBOL_RE + '@aggTrade', True, {}, 'aggTrade', False,
       'market', None, 'market', 'a'),
    _f('markPrice', '<symbol>@markPrice[@1s]', _SYMBOL_RE + '@markPrice(?P<fast>@1s)?', True,
       {'fast': ('', '@1s')}, 'markPriceUpdate', False, 'timer', 3.0, 'market'),
    _f('allMarkPrice', '!markPrice@arr[@1s]', r'!markPrice@arr(?P<fast>@1s)?', False,
       {'fast': ('', '@1s')}, 'markPriceUpdate', True, 'timer', 3.0, 'market'),
    _f('kline', '<symbol>@kline_<interval>', _SYMBOL_RE + '@kline_' + _INTERVAL, True,
       {'interval': tuple(i for i in KLINE_INTERVALS if i != '1s')}, 'kline', False, 'timer',
       0.25, 'market'),
    _f('miniTicker', '<symbol>@miniTicker', _SYMBOL_RE + '@miniTicker', True, {},
       '24hrMiniTicker', False, 'timer', 1.0, 'market'),
    _f('ticker', '<symbol>@ticker', _SYMBOL_RE + '@ticker', True, {}, '24hrTicker', False,
       'timer', 1.0, 'market'),
    _f('allMiniTicker', '!miniTicker@arr', r'!miniTicker@arr', False, {}, '24hrMiniTicker',
       True, 'timer', 1.0, 'market'),
    _f('allTicker', '!ticker@arr', r'!ticker@arr', False, {}, '24hrTicker', True, 'timer', 1.0,
       'market'),
    _f('forceOrder', '<symbol>@forceOrder', _SYMBOL_RE + '@forceOrder', True, {}, 'forceOrder',
       False, 'push', None, 'market'),
    _f('allForceOrder', '!forceOrder@arr', r'!forceOrder@arr', False, {}, 'forceOrder', False,
       'push', None, 'market'),
    _f('bookTicker', '<symbol>@bookTicker', _SYMBOL_RE + '@bookTicker', True, {}, 'bookTicker',
       False, 'market', None, 'public'),
    _f('allBookTicker', '!bookTicker', r'!bookTicker', False, {}, 'bookTicker', False, 'market',
       None, 'public'),
    _f('partialDepth', '<symbol>@depth<levels>[@100ms|@250ms|@500ms]',
       _SYMBOL_RE + '@depth(?P<levels>[0-9]+)' + _FSPEED, True,
       {'levels': tuple(WEBSOCKET_DEPTHS), 'speed': FUTURES_DEPTH_SPEEDS}, 'depthUpdate', False,
       'timer', 0.25, 'public', 'u'),
    _f('depth', '<symbol>@depth[@100ms|@250ms|@500ms]', _SYMBOL_RE + '@depth' + _FSPEED, True,
       {'speed': FUTURES_DEPTH_SPEEDS}, 'depthUpdate', False, 'market', None, 'public', 'u'),
)


def _futures_period(kind: StreamKind, options: Dict[str, str]) -> Optional[float]:
    if kind.period is None:
        return None
    if kind.name in ('markPrice', 'allMarkPrice'):
        return 1.0 if options.get('fast') else 3.0
    if kind.name == 'partialDepth' and options.get('speed'):
        return int(options['speed'][1:-2]) / 1000.0
    return kind.period


def parse_futures(name: str) -> Optional[StreamMatch]:
    """Parse a USD-M stream name against :data:`FUTURES_KINDS`; ``None`` when unknown."""
    return _parse_table(name, FUTURES_KINDS)


def _parse_table(name: str, table: Tuple[StreamKind, ...]) -> Optional[StreamMatch]:
    for kind in table:
        match = kind.pattern.match(name)
        if match is None:
            continue
        options = {k: (v or '') for k, v in match.groupdict().items() if k != 'symbol'}
        if any(v not in kind.options.get(k, (v,)) for k, v in options.items()):
            return None
        symbol = match.groupdict().get('symbol')
        return StreamMatch(name, kind, symbol.upper() if symbol else None, options,
                           _futures_period(kind, options))
    return None


def futures_valid_kinds_text() -> str:
    """The list of valid USD-M stream names used in error messages."""
    return ', '.join(kind.spelling for kind in FUTURES_KINDS)



# -- COIN-M futures (dstream) -------------------------------------------------------------
#
# Source: the COIN-M "WebSocket Market Streams" docs: wss://dstream.binance.com, raw
# streams at /ws/<name>, combined at /stream?streams=..., no routed paths; the user
# data stream at /ws/<listenKey>. The stream kinds are USD-M's, on symbols such as
# btcusd_perp and btcusd_261225 (an underscore).

_COIN_SYMBOL_RE = r'(?P<symbol>[a-z0-9]+_[a-z0-9]+)'

#: Every COIN-M stream kind the package knows (USD-M's kinds on COIN-M symbols, no route).
COIN_FUTURES_KINDS: Tuple[StreamKind, ...] = tuple(
    kind._replace(pattern=re.compile(kind.pattern.pattern.replace(_SYMBOL_RE, _COIN_SYMBOL_RE)),
                  route='')
    for kind in FUTURES_KINDS)


def parse_coin_futures(name: str) -> Optional[StreamMatch]:
    """Parse a COIN-M stream name against :data:`COIN_FUTURES_KINDS`; ``None`` when unknown."""
    return _parse_table(name, COIN_FUTURES_KINDS)


def coin_futures_valid_kinds_text() -> str:
    """The list of valid COIN-M stream names used in error messages."""
    return ', '.join(kind.spelling for kind in COIN_FUTURES_KINDS)
