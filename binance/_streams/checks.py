"""Argument checks of :class:`binance.websockets.BinanceSocketManager`.

Everything here runs in the caller's thread, before any connection is made,
and raises :class:`ValueError`/:class:`TypeError` naming the valid values.
"""
import re
from typing import Any, Iterable, List

from binance._streams import kinds as _kinds
from binance.enums import KLINE_INTERVALS, WEBSOCKET_DEPTHS

#: Binance allows at most this many streams on one connection.
MAX_STREAMS_PER_CONNECTION = _kinds.MAX_STREAMS_PER_CONNECTION

MINITICKER_UPDATE_TIMES = _kinds.MINITICKER_UPDATE_TIMES
_STREAM_SYMBOL_RE = re.compile(r'^[a-z0-9]+\Z')
_STREAM_NAME_RE = re.compile(r'^[A-Za-z0-9_@!.:+-]+\Z')
_LISTEN_KEY_RE = re.compile(r'^[A-Za-z0-9]{32,}\Z')

#: Windows of the rolling-window ticker streams (``<symbol>@ticker_<window>``).
TICKER_WINDOWS = _kinds.TICKER_WINDOWS
#: Stream types after ``<symbol>@`` that Binance serves (from :data:`binance._streams.kinds.KINDS`).
SYMBOL_STREAM_KINDS = frozenset(_kinds.symbol_stream_suffixes())
#: Streams of every symbol at once.
ARRAY_STREAMS = tuple(_kinds.array_streams())
_VALID_KINDS_TEXT = _kinds.valid_kinds_text()


def stream_name(kind: str, symbol: Any = None, **options: str) -> str:
    """The name of a ``kind`` stream (a row of :data:`binance._streams.kinds.KINDS`).

    The symbol is checked and lower-cased; options are the table's (already checked).
    """
    row = _kinds.KINDS_BY_NAME[kind]
    return row.build(stream_symbol(symbol) if row.needs_symbol else None, **options)


# -- argument checks ---------------------------------------------------------------

def check_callback(callback: Any) -> None:
    if not callable(callback):
        raise TypeError('callback must be a callable taking one message, got {!r}'.format(
            type(callback).__name__))
    check_callback_arity(callback)


def check_callback_arity(callback: Any) -> None:
    """Refuse a callback that cannot be called as ``callback(message)``.

    Otherwise it would be accepted and then fail on every message, each
    failure logged with a traceback. Bound methods, ``functools.partial``,
    ``*args``, defaults and builtins pass; a callable whose signature Python
    cannot tell (some builtins) is accepted.
    """
    import inspect
    try:
        signature = inspect.signature(callback)
    except (TypeError, ValueError):  # no signature to check (e.g. some builtins)
        return
    try:
        signature.bind(None)
    except TypeError as exc:
        name = getattr(callback, '__qualname__', None) or type(callback).__name__
        raise TypeError('callback {}{} cannot be called as callback(message) ({}); '
                        'a stream callback takes one argument, the message, e.g. '
                        'def process_message(msg): ...'.format(name, signature, exc)) from None


def stream_symbol(symbol: Any) -> str:
    """The lower-case stream form of a symbol such as ``'BNBBTC'``."""
    if not isinstance(symbol, str):
        raise TypeError('symbol must be a str such as \'BNBBTC\', got {!r}'.format(
            type(symbol).__name__))
    if not symbol:
        raise ValueError('symbol must not be empty; give a symbol such as \'BNBBTC\'')
    # letters and digits; COIN-M contracts have one underscore (BTCUSD_PERP, BTCUSD_261225)
    if not (symbol.isascii() and symbol.replace('_', '', 1).isalnum()) or \
            symbol.startswith('_') or symbol.endswith('_'):
        raise ValueError('malformed symbol {!r}: a symbol has only ASCII letters and digits, '
                         'such as \'BNBBTC\' (COIN-M: one underscore, \'BTCUSD_PERP\')'
                         .format(symbol))
    return symbol.lower()


def depth_suffix(depth: Any) -> str:
    if depth is None or depth == '':
        return ''
    if isinstance(depth, bool) or not isinstance(depth, (str, int)) \
            or str(depth) not in WEBSOCKET_DEPTHS:
        raise ValueError('depth must be None (diff stream) or one of {} '
                         '(WEBSOCKET_DEPTH_5/10/20), got {!r}'.format(
                             ', '.join(WEBSOCKET_DEPTHS), depth))
    return str(depth)


def check_interval(interval: Any) -> str:
    if interval not in KLINE_INTERVALS:
        raise ValueError('unknown kline interval {!r}; valid intervals: {}'.format(
            interval, ', '.join(KLINE_INTERVALS)))
    return interval


def check_stream_name(name: Any) -> str:
    if not isinstance(name, str):
        raise TypeError('stream names must be str, got {!r}'.format(type(name).__name__))
    if not name or not _STREAM_NAME_RE.match(name):
        raise ValueError('malformed stream name {!r}; stream names look like '
                         '\'bnbbtc@aggTrade\' or \'!miniTicker@arr\''.format(name))
    if name.startswith('!'):
        if name not in ARRAY_STREAMS:
            raise ValueError('unknown stream {!r}; valid streams: {}'.format(
                name, _VALID_KINDS_TEXT))
        return name
    symbol, sep, kind = name.partition('@')
    if not sep and _LISTEN_KEY_RE.match(name):
        return name  # a listen key: the user data stream
    if not sep or not kind or not symbol:
        raise ValueError('malformed stream name {!r}; stream names look like '
                         '\'<symbol>@<type>\', e.g. \'bnbbtc@aggTrade\''.format(name))
    if not _STREAM_SYMBOL_RE.match(symbol):
        raise ValueError('symbols in stream names must be lowercase letters and digits, '
                         'e.g. \'bnbbtc@aggTrade\'; got {!r}'.format(name))
    if kind not in SYMBOL_STREAM_KINDS or _kinds.parse(name) is None:
        raise ValueError('unknown stream type {!r} in {!r}; valid streams: {}'.format(
            kind, name, _VALID_KINDS_TEXT))
    return name


def check_stream_names(streams: Any) -> List[str]:
    """The stream names of a combined stream, checked (``start_multiplex_socket``, the CLI)."""
    if isinstance(streams, (str, bytes)) or not isinstance(streams, Iterable):
        raise TypeError('streams must be a list of stream names such as '
                        '[\'bnbbtc@aggTrade\', \'neobtc@ticker\'], got {!r}'.format(
                            type(streams).__name__))
    names = [check_stream_name(name) for name in streams]
    seen = set()
    for name in names:
        if name in seen:
            raise ValueError('stream {!r} is named twice; give each stream once'.format(name))
        seen.add(name)
    if not names:
        raise ValueError('streams must name at least one stream, e.g. [\'bnbbtc@aggTrade\']')
    return names
