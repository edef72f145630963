"""Replay Binance's historical files (data.binance.vision) or a recording through the local exchange.

``LocalExchange(replay=[paths...], speed=0)`` or ``python -m binance.testing
run --replay PATH [--replay PATH ...] [--speed X] script.py``: the exchange's
symbols, clock, streams, REST market data and order fills come from the
files instead of the simulation. The parts:

* :mod:`~binance.testing.replay.reader`: file names, streaming readers, the time-ordered merge;
* :mod:`~binance.testing.replay.desk`: how an event changes the market (prints,
  fills of resting orders, the synthesised book) — the fill rules;
* :mod:`~binance.testing.replay.tape`: the replay clock and the pace (``speed``, lockstep);
* :mod:`~binance.testing.replay.lockstep`: the exchange's half of lockstep.

For what comes after a run (an end-of-run report), :class:`Replay` tells
whether the data was exhausted (:attr:`Replay.exhausted`, :meth:`Replay.on_end`)
and the last replayed prices (:meth:`Replay.last_prices`).
"""
import math
from typing import Any, Callable, Dict, List, Optional

from binance.testing.replay.desk import Desk
from binance.testing.replay.lockstep import LockstepGate
from binance.testing.replay.reader import DataFile, ReplayDataError, expand_paths, merge, peek
from binance.testing.replay.tape import Tape

__all__ = ['Replay', 'ReplayDataError', 'QUOTE_ASSETS']

#: Quote assets a symbol name is split by (the longest that ends it wins).
QUOTE_ASSETS = ('USDT', 'USDC', 'FDUSD', 'BUSD', 'TUSD', 'USDP', 'DAI', 'BTC', 'ETH', 'BNB',
                'EUR', 'TRY', 'BRL', 'JPY', 'GBP', 'AUD', 'UAH', 'ZAR', 'PLN', 'RON', 'ARS',
                'MXN', 'COP', 'CZK', 'IDRT', 'BIDR', 'XRP', 'TRX', 'DOGE', 'DOT', 'SOL')
_USD = ('USDT', 'USDC', 'FDUSD', 'BUSD', 'TUSD', 'USDP', 'DAI', 'EUR', 'GBP')


def check_speed(speed: Any) -> float:
    """``speed`` as a float, or ValueError saying what is valid."""
    if isinstance(speed, bool) or not isinstance(speed, (int, float)) or not math.isfinite(speed) \
            or speed < 0:
        raise ValueError('speed must be a number >= 0 (replay seconds per second; 0 = lockstep '
                         'with the script), got {!r}'.format(speed))
    return float(speed)


def split_symbol(symbol: str) -> Dict[str, str]:
    """``{'base': ..., 'quote': ...}`` of a replayed symbol name."""
    for quote in sorted(QUOTE_ASSETS, key=len, reverse=True):
        if symbol.endswith(quote) and len(symbol) > len(quote):
            return {'base': symbol[:-len(quote)], 'quote': quote}
    raise ReplayDataError('cannot tell the quote asset of {!r}; replayed symbols end with one of '
                          '{}'.format(symbol, ', '.join(QUOTE_ASSETS)))


def _chosen(files: List[DataFile]) -> List[DataFile]:
    """The files a replay reads: per symbol trades, else aggTrades, else klines (one
    interval, the finest); bookTicker files and recordings always."""
    for data in files:
        if data.market != 'spot':
            raise ReplayDataError(
                '{}: {} files cannot be replayed yet; this version replays spot files (from '
                'data.binance.vision/data/spot/...) and recordings'.format(
                    data.path, 'USD-M futures' if data.market == 'usdm' else 'COIN-M futures'))
    kinds: Dict[str, set] = {}
    for data in files:
        if data.symbol is not None:
            kinds.setdefault(data.symbol, set()).add(data.kind)
    finest: Dict[str, int] = {}
    from binance.testing.market_base import interval_ms
    for data in files:
        if data.kind == 'klines' and data.symbol is not None:
            length = interval_ms(data.interval or '1m')
            finest[data.symbol] = min(finest.get(data.symbol, length), length)
    chosen = []
    for data in files:
        have = kinds.get(data.symbol or '', set())
        if data.kind == 'aggTrades' and 'trades' in have:
            continue
        if data.kind == 'klines' and ({'trades', 'aggTrades'} & have
                                      or interval_ms(data.interval or '1m')
                                      != finest[data.symbol or '']):
            continue
        chosen.append(data)
    return chosen


class Replay:
    """The replay of one local exchange: its files, symbols, clock and tape.

    :param paths: data.binance.vision files (zip or csv), directories of
        them, or recordings (``.jsonl.gz``).
    :param speed: replay seconds per second; ``0`` (default) is lockstep.
    :raises ReplayDataError: (a ``ValueError``) for a path that cannot be replayed.
    """

    def __init__(self, paths: Any, speed: Any = 0.0) -> None:
        self.speed = check_speed(speed)
        self.files = _chosen(expand_paths(paths))
        info: Dict[str, Dict[str, Any]] = {}
        self.book_symbols = set()
        for data in self.files:
            for symbol, seen in peek(data).items():
                known = info.setdefault(symbol, dict(seen))
                for key in ('price_places', 'qty_places'):
                    known[key] = max(known[key], seen[key])
                if seen['first_ms'] < known['first_ms']:
                    known['first_ms'], known['price'] = seen['first_ms'], seen['price']
            if data.kind == 'bookTicker' and data.symbol:
                self.book_symbols.add(data.symbol)
        if not info:
            raise ReplayDataError('the replay files hold no events: {} (a recording replays '
                                  'its trade, aggTrade and bookTicker messages; kline, depth '
                                  'and ticker streams are skipped)'.format(
                                      ', '.join(d.path for d in self.files)))
        self.first_ms: int = min(i['first_ms'] for i in info.values())
        #: the replayed symbols, as ``Market(symbols=...)`` takes them
        self.symbols: Dict[str, Dict[str, Any]] = {}
        for symbol, seen in sorted(info.items()):
            parts = split_symbol(symbol)
            self.symbols[symbol] = dict(
                parts, price=seen['price'], listed=self.first_ms,
                tick_size=_step(seen['price_places']), step_size=_step(seen['qty_places']),
                min_notional='5' if parts['quote'] in _USD else '0.0001')
        self.gate: Optional[LockstepGate] = LockstepGate()
        self.tape: Optional[Tape] = None

    def clock(self) -> float:
        """The replay time in seconds (the market's clock)."""
        if self.tape is None:
            return (self.first_ms + 0.5) / 1000.0
        return self.tape.clock()

    def attach(self, market: Any) -> Tape:
        """Make the tape that drives ``market`` (its symbols are :attr:`symbols`)."""
        desk = Desk(market, self.book_symbols)
        for name in self.symbols:
            desk.forget_past(name)
        self.tape = Tape(merge(self.files), self.first_ms, desk, self.speed, self.gate)
        return self.tape

    # -- for what comes after the run ---------------------------------------------

    @property
    def exhausted(self) -> bool:
        """True once every event was released (the data is exhausted)."""
        return self.tape is not None and self.tape.exhausted

    @property
    def released(self) -> int:
        """Events released so far."""
        return self.tape.released if self.tape is not None else 0

    def on_end(self, callback: Callable[[Any], Any]) -> None:
        """Call ``callback(tape)`` on the reactor thread once the data is exhausted."""
        if self.tape is None:
            raise RuntimeError('the replay has no tape yet (LocalExchange makes it)')
        self.tape.on_end(callback)

    def last_prices(self) -> Dict[str, str]:
        """``{symbol: price}``: the last replayed print of each symbol."""
        return self.tape.last_prices() if self.tape is not None else {}


def _step(places: int) -> str:
    return '1' if places <= 0 else '0.' + '0' * (places - 1) + '1'
