"""Replay Binance's historical files (data.binance.vision) or a recording through the local exchange.

``LocalExchange(replay=[paths...], speed=0)`` or ``python -m binance.testing
run --replay PATH [--replay PATH ...] [--speed X] script.py``: the exchange's
symbols, clock, streams, REST market data and order fills come from the
files instead of the simulation. The parts:

* :mod:`~binance.testing.replay.reader`: file names, streaming readers, the time-ordered merge;
* :mod:`~binance.testing.replay.desk`: how an event changes the market (prints,
  fills of resting orders, the synthesised book) — the fill rules;
* :mod:`~binance.testing.replay.futures_desk`: USD-M files through the
  derivatives engine (contracts, contract and mark price, funding);
* :mod:`~binance.testing.replay.tape`: the replay clock and the pace (``speed``, lockstep);
* :mod:`~binance.testing.replay.lockstep`: the exchange's half of lockstep.

For what comes after a run (an end-of-run report), :class:`Replay` tells
whether the data was exhausted (:attr:`Replay.exhausted`, :meth:`Replay.on_end`)
and the last replayed prices (:meth:`Replay.last_prices`).
"""
import math
from typing import Any, Callable, Dict, List, Optional, Set

from binance.testing.replay.desk import Desk
from binance.testing.replay.futures_desk import FuturesDesk, ReplayDesks, contract_settings
from binance.testing.replay.lockstep import LockstepGate
from binance.testing.replay.reader import (FUTURES_PREFIX, PRICE_KLINE_KINDS, DataFile,
                                           ReplayDataError, expand_paths, merge, peek)
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
    """The files a replay reads: per symbol (and market) trades, else aggTrades, else
    klines (one interval, the finest); bookTicker, markPriceKlines files and recordings always."""
    for data in files:
        if data.market == 'coinm':
            raise ReplayDataError(
                '{}: COIN-M futures files cannot be replayed yet; this version replays spot '
                'files (data.binance.vision/data/spot/...), USD-M futures files '
                '(data/futures/um/...) and recordings'.format(data.path))
        if data.kind in PRICE_KLINE_KINDS and data.kind != 'markPriceKlines':
            raise ReplayDataError(
                '{}: {} files cannot be replayed; of the USD-M price klines a replay reads '
                'markPriceKlines (the mark price)'.format(data.path, data.kind))
        if data.kind == 'markPriceKlines' and data.market != 'usdm':
            raise ReplayDataError('{}: markPriceKlines files are USD-M futures data; keep them '
                                  'under futures/um/ as data.binance.vision does'.format(data.path))
    kinds: Dict[tuple, set] = {}
    for data in files:
        if data.symbol is not None:
            kinds.setdefault((data.market, data.symbol), set()).add(data.kind)
    finest: Dict[tuple, int] = {}
    from binance.testing.market_base import interval_ms
    for data in files:
        if data.kind == 'klines' and data.symbol is not None:
            length = interval_ms(data.interval or '1m')
            key = (data.market, data.symbol)
            finest[key] = min(finest.get(key, length), length)
    chosen = []
    for data in files:
        key = (data.market, data.symbol or '')
        have = kinds.get(key, set())
        if data.kind == 'aggTrades' and 'trades' in have:
            continue
        if data.kind == 'klines' and ({'trades', 'aggTrades'} & have
                                      or interval_ms(data.interval or '1m') != finest[key]):
            continue
        if data.kind == 'markPriceKlines' and not {'trades', 'aggTrades', 'klines'} & have:
            raise ReplayDataError('{}: a markPriceKlines file needs the trades, aggTrades or '
                                  'klines of {} (USD-M) too'.format(data.path, data.symbol))
        chosen.append(data)
    # a mark price of time t applies before the prints of t (ties go in file order)
    return sorted(chosen, key=lambda data: data.kind != 'markPriceKlines')


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
        self.book_symbols: Set[str] = set()
        #: USD-M contracts with a bookTicker file
        self.futures_book_symbols: Set[str] = set()
        for data in self.files:
            if data.kind == 'markPriceKlines':
                continue          # mark prices say nothing of the contract's tick or step
            for symbol, seen in peek(data).items():
                known = info.setdefault(symbol, dict(seen))
                for key in ('price_places', 'qty_places'):
                    known[key] = max(known[key], seen[key])
                if seen['first_ms'] < known['first_ms']:
                    known['first_ms'], known['price'] = seen['first_ms'], seen['price']
            if data.kind == 'bookTicker' and data.symbol:
                (self.futures_book_symbols if data.market == 'usdm'
                 else self.book_symbols).add(data.symbol)
        if not info:
            raise ReplayDataError('the replay files hold no events: {} (a recording replays '
                                  'its trade, aggTrade and bookTicker messages; kline, depth '
                                  'and ticker streams are skipped)'.format(
                                      ', '.join(d.path for d in self.files)))
        self.first_ms: int = min(i['first_ms'] for i in info.values())
        #: the replayed symbols, as ``Market(symbols=...)`` takes them
        self.symbols: Dict[str, Dict[str, Any]] = {}
        #: the replayed USD-M contracts, as ``FuturesMarket(symbols=...)`` takes them
        self.futures_symbols: Dict[str, Dict[str, Any]] = {}
        for symbol, seen in sorted(info.items()):
            if symbol.startswith(FUTURES_PREFIX):
                name = symbol[len(FUTURES_PREFIX):]
                self.futures_symbols[name] = contract_settings(
                    split_symbol(name), seen['price'], _step(seen['price_places']),
                    _step(seen['qty_places']), self.first_ms)
                continue
            parts = split_symbol(symbol)
            self.symbols[symbol] = dict(
                parts, price=seen['price'], listed=self.first_ms,
                tick_size=_step(seen['price_places']), step_size=_step(seen['qty_places']),
                min_notional='5' if parts['quote'] in _USD else '0.0001')
        self.gate: Optional[LockstepGate] = LockstepGate()
        self.tape: Optional[Tape] = None
        self.futures_desk: Optional[FuturesDesk] = None

    def clock(self) -> float:
        """The replay time in seconds (the market's clock)."""
        if self.tape is None:
            return (self.first_ms + 0.5) / 1000.0
        return self.tape.clock()

    def attach(self, market: Any, futures: Any = None) -> Tape:
        """Make the tape that drives ``market`` (its symbols are :attr:`symbols`) and
        ``futures``, the :class:`~binance.testing.futures_market.FuturesMarket` of
        :attr:`futures_symbols` (needed when the files hold USD-M data)."""
        if self.futures_symbols and futures is None:
            raise ValueError('this replay has USD-M files: attach(market, futures) needs the '
                             'futures market of Replay.futures_symbols')
        desk: Desk
        if self.futures_symbols:
            self.futures_desk = FuturesDesk(futures, self.futures_book_symbols)
            for name in self.futures_symbols:
                self.futures_desk.forget_past(name)
            desk = ReplayDesks(market, self.book_symbols, self.futures_desk)
        else:
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
        """``{symbol: price}``: the last replayed print of each spot symbol."""
        return self.tape.last_prices() if self.tape is not None else {}

    def futures_last_prices(self) -> Dict[str, str]:
        """``{symbol: price}``: the last replayed print of each USD-M contract."""
        return self.futures_desk.last_prices() if self.futures_desk is not None else {}


def _step(places: int) -> str:
    return '1' if places <= 0 else '0.' + '0' * (places - 1) + '1'
