"""Ticker statistics over a chosen window: ``GET /api/v3/ticker`` and ``/ticker/tradingDay``.

Pure functions over a :class:`~binance.testing.market.Market`'s symbols
(its trade log and synthetic past), with Binance's rules:

* the rolling window (``windowSize``: ``1m``..``59m``, ``1h``..``23h``,
  ``1d``..``7d``; default ``1d``) opens on a minute, so it is up to 59999 ms
  wider than asked; ``closeTime`` is now;
* the trading day runs from midnight in ``timeZone`` (hours and minutes
  from ``-12:00`` to ``+14:00``, default UTC) to now; ``closeTime`` is the
  day's last millisecond;
* ``symbol`` or ``symbols`` (at most 100) is required; ``type`` is ``FULL``
  (default) or ``MINI``.
"""
import re
from typing import Any, Dict, List, Tuple, Union

from binance.testing.market_base import ZERO, MarketError, fmt, missing
from binance.testing.market_history import range_stats

__all__ = ['rolling_ticker', 'trading_day_ticker', 'window_ms', 'time_zone_ms']

_WINDOW_RE = re.compile(r'^([1-9][0-9]?)([mhd])\Z')
_WINDOW_LIMITS = {'m': (59, 60000), 'h': (23, 3600000), 'd': (7, 86400000)}
_TIME_ZONE_RE = re.compile(r'^([+-]?)([0-9]{1,2})(?::([0-9]{2}))?\Z')
MAX_SYMBOLS = 100
_MINI = ('symbol', 'openPrice', 'highPrice', 'lowPrice', 'lastPrice', 'volume', 'quoteVolume',
         'openTime', 'closeTime', 'firstId', 'lastId', 'count')


def window_ms(window: Any) -> int:
    """``windowSize`` in ms; -1100 for anything but ``1m``..``59m``, ``1h``..``23h``, ``1d``..``7d``."""
    match = _WINDOW_RE.match(window) if isinstance(window, str) else None
    if match is not None:
        count, unit = int(match.group(1)), match.group(2)
        most, size = _WINDOW_LIMITS[unit]
        if count <= most:
            return count * size
    raise MarketError(-1100, "Illegal characters found in parameter 'windowSize'; legal range "
                             "is '1m'-'59m', '1h'-'23h', '1d'-'7d'.")


def time_zone_ms(zone: Any) -> int:
    """``timeZone`` (``'0'``, ``'-1:00'``, ``'05:45'``) as an offset in ms; -1100 when invalid."""
    match = _TIME_ZONE_RE.match(zone) if isinstance(zone, str) else None
    if match is not None:
        sign = -1 if match.group(1) == '-' else 1
        minutes = int(match.group(2)) * 60 + int(match.group(3) or 0)
        offset = sign * minutes
        if -12 * 60 <= offset <= 14 * 60 and int(match.group(3) or 0) < 60:
            return offset * 60000
    raise MarketError(-1100, "Illegal characters found in parameter 'timeZone'; legal range "
                             "is '-12:00' to '+14:00'.")


def _symbols(market: Any, symbol: Any, symbols: Any) -> Tuple[List[Any], bool]:
    if missing(symbol) and missing(symbols):
        raise MarketError(-1102, "Param 'symbol' or 'symbols' must be sent, but both were "
                                 "empty/null!")
    chosen, single = market.symbols_asked(symbol, symbols)
    if len(chosen) > MAX_SYMBOLS:
        raise MarketError(-1101, "Too many values sent for parameter 'symbols', max allowed "
                                 "is {}.".format(MAX_SYMBOLS))
    return chosen, single


def _stats(sym: Any, open_ms: int, now: int, close_ms: int, mini: bool) -> Dict[str, Any]:
    found, before = range_stats(sym.path, sym.log, open_ms, now)
    last = sym.log.last_price
    flat = before if before is not None else last
    stats = found if found is not None else (flat, flat, flat, flat, ZERO, ZERO, 0, ZERO, ZERO,
                                             -1, -1)
    open_price = stats[0]
    change = last - open_price
    ticker = {
        'symbol': sym.spec.symbol, 'priceChange': fmt(change),
        'priceChangePercent': '{:.3f}'.format(change * 100 / open_price),
        'weightedAvgPrice': fmt(stats[5] / stats[4] if stats[4] else last),
        'openPrice': fmt(open_price), 'highPrice': fmt(max(stats[1], last)),
        'lowPrice': fmt(min(stats[2], last)), 'lastPrice': fmt(last),
        'volume': fmt(stats[4]), 'quoteVolume': fmt(stats[5]),
        'openTime': open_ms, 'closeTime': close_ms,
        'firstId': stats[9], 'lastId': stats[10], 'count': stats[6],
    }
    if mini:
        ticker = {key: ticker[key] for key in _MINI}
    return ticker


def _mini(type_: Any) -> bool:
    if missing(type_):
        return False
    if type_ not in ('FULL', 'MINI'):
        raise MarketError(-1139, 'Invalid ticker type.')
    return type_ == 'MINI'


def rolling_ticker(market: Any, symbol: Any = None, symbols: Any = None,
                   windowSize: Any = None, type: Any = None
                   ) -> Union[Dict[str, Any], List[Dict[str, Any]]]:
    """``GET /api/v3/ticker``: statistics of the last ``windowSize`` (default ``1d``)."""
    with market.lock:
        mini = _mini(type)
        size = window_ms('1d' if missing(windowSize) else windowSize)
        chosen, single = _symbols(market, symbol, symbols)
        now = market.now_ms()
        open_ms = (now - size) - (now - size) % 60000
        tickers = [_stats(sym, open_ms, now, now, mini) for sym in chosen]
        return tickers[0] if single else tickers


def trading_day_ticker(market: Any, symbol: Any = None, symbols: Any = None,
                       timeZone: Any = None, type: Any = None
                       ) -> Union[Dict[str, Any], List[Dict[str, Any]]]:
    """``GET /api/v3/ticker/tradingDay``: statistics of today in ``timeZone`` (default UTC)."""
    with market.lock:
        mini = _mini(type)
        offset = 0 if missing(timeZone) else time_zone_ms(timeZone)
        chosen, single = _symbols(market, symbol, symbols)
        now = market.now_ms()
        day_open = (now + offset) - (now + offset) % 86400000 - offset
        tickers = [_stats(sym, day_open, now, day_open + 86400000 - 1, mini) for sym in chosen]
        return tickers[0] if single else tickers
