"""USD-M futures in a replay: the contracts of the files and their prices.

A replay of USD-M files (data.binance.vision's ``futures/um/``) drives the
local exchange's derivatives engine (:class:`~binance.testing.futures_market.FuturesMarket`)
the way :class:`~binance.testing.replay.desk.Desk` drives the spot market,
with the same rules for prints, resting orders and the synthesised book (see
that module): the engine books every fill (margin, positions, profit, fees)
and sends ``ORDER_TRADE_UPDATE``, ``ACCOUNT_UPDATE`` and ``ALGO_UPDATE`` as it
does outside a replay. What is futures' own:

* **Contracts.** Each USD-M symbol of the files is a perpetual contract
  (:func:`contract_settings`): base and quote from its name, tick and step
  from the decimals of the data, listed at the replay's first event, futures'
  ``MIN_NOTIONAL`` of the engine's table for BTCUSDT, ETHUSDT and BNBUSDT and
  :data:`MIN_NOTIONAL` otherwise. A symbol that is in both the spot and the
  USD-M files is two markets, as on Binance.
* **Contract price** (``workingType=CONTRACT_PRICE``, tickers, klines): the last print.
* **Mark price** (:meth:`FuturesDesk.mark`; ``premiumIndex``, ``markPrice``
  streams, unrealised profit, margin, ``workingType=MARK_PRICE``): the last
  point of a ``markPriceKlines`` file when one is given for the symbol (each
  mark kline row is four points: open, the extreme nearer the open, the
  other extreme, close, spread over the kline like a kline's four prints),
  else the last print; before the first print, the mid of the replayed best
  bid and ask. The index price is the mark price (the premium is zero). The
  mark and index price klines (REST) are those points' when a
  ``markPriceKlines`` file is given, else the contract's prints.
* **Wallet.** The default account's futures wallet holds the engine's
  default 100,000 USDT and as much of any other margin asset the contracts
  need (USDC for ``...USDC`` contracts), unless ``futures_balances`` is given.
* **Funding** is not charged: the files do not hold it. ``premiumIndex``
  and the ``markPrice`` stream show the engine's constant rate, and no
  ``FUNDING_FEE`` income is booked.
"""
import bisect
from decimal import Decimal
from typing import Any, Dict, List, Optional

from binance.testing.derivatives.contract import DEFAULT_FUTURES_BALANCES, FUTURES_SYMBOLS
from binance.testing.market_base import fmt
from binance.testing.replay.desk import Desk
from binance.testing.replay.reader import FUTURES_PREFIX

__all__ = ['FuturesDesk', 'ReplayDesks', 'contract_settings', 'default_wallet', 'MIN_NOTIONAL']

#: Futures' ``MIN_NOTIONAL`` of a replayed contract the engine's table does not list
#: (Binance's for most USDⓈ-M perpetuals).
MIN_NOTIONAL = '5'


def contract_settings(parts: Dict[str, str], price: str, tick_size: str, step_size: str,
                      listed: int) -> Dict[str, Any]:
    """The :class:`~binance.testing.derivatives.contract.Contracts` settings of one
    replayed USD-M symbol (``parts``: its base and quote)."""
    name = parts['base'] + parts['quote']
    known = FUTURES_SYMBOLS.get(name)
    return dict(parts, price=price, tick_size=tick_size, step_size=step_size, listed=listed,
                min_notional=known['min_notional'] if known else MIN_NOTIONAL)


def default_wallet(futures_symbols: Dict[str, Dict[str, Any]]) -> Dict[str, str]:
    """The default account's futures wallet in a replay: the engine's default
    (:data:`~binance.testing.derivatives.contract.DEFAULT_FUTURES_BALANCES`) and as
    much of every other margin asset the replayed contracts need (USDC ...)."""
    amount = DEFAULT_FUTURES_BALANCES['USDT']
    wallet = dict(DEFAULT_FUTURES_BALANCES)
    for settings in futures_symbols.values():
        wallet.setdefault(settings['quote'], amount)
    return wallet


class FuturesDesk(Desk):
    """Applies replayed USD-M events to a :class:`~binance.testing.futures_market.FuturesMarket`
    and gives its mark price (see the module docs).

    :param market: the futures market (its symbols are the replayed contracts).
    :param book_symbols: contracts with a replayed ``bookTicker`` file.
    """

    def __init__(self, market: Any, book_symbols: Any = ()) -> None:
        super().__init__(market, book_symbols)
        self._marks: Dict[str, Decimal] = {}
        # every replayed mark point so far, per contract (for the mark-price klines)
        self._mark_times: Dict[str, List[int]] = {}
        self._mark_prices: Dict[str, List[Decimal]] = {}
        market.prices.mark_source = self.mark
        market.prices.mark_window = self.mark_window

    def apply(self, kind: str, symbol: str, fields: tuple) -> None:
        if kind == 'markPrice':
            market = self.market
            with market.lock:
                price = self._marks[symbol] = Decimal(fields[0])
                self._mark_times.setdefault(symbol, []).append(market.now_ms())
                self._mark_prices.setdefault(symbol, []).append(price)
                if market.algo.live:     # MARK_PRICE conditional orders watch it
                    market.algo.check()
            return
        super().apply(kind, symbol, fields)

    def mark_window(self, symbol: str, open_ms: int, close_ms: int) -> Optional[List[str]]:
        """Open, high, low and close of the replayed mark points of ``symbol`` in
        ``[open_ms, close_ms]`` (a window without one: flat at the mark before it);
        ``None`` for a contract without a markPriceKlines file."""
        times = self._mark_times.get(symbol)
        if not times:
            return None
        prices = self._mark_prices[symbol]
        lo, hi = bisect.bisect_left(times, open_ms), bisect.bisect_right(times, close_ms)
        points = prices[lo:hi] or prices[lo - 1:lo]
        if not points:
            return None
        return [fmt(points[0]), fmt(max(points)), fmt(min(points)), fmt(points[-1])]

    def last_price(self, symbol: str) -> Optional[Decimal]:
        """The last replayed print of ``symbol`` (``None`` before its first)."""
        tape = self._tapes.get(symbol)
        return tape.last_price if tape is not None else None

    def mark(self, symbol: str) -> Optional[Decimal]:
        """The replayed mark price of ``symbol``; ``None``: none yet (the engine then
        takes the book's mid)."""
        mark = self._marks.get(symbol)
        return mark if mark is not None else self.last_price(symbol)


class ReplayDesks(Desk):
    """The spot desk of a replay that also has USD-M files: events whose symbol
    starts with :data:`~binance.testing.replay.reader.FUTURES_PREFIX` go to ``futures``."""

    def __init__(self, market: Any, book_symbols: Any, futures: FuturesDesk) -> None:
        super().__init__(market, book_symbols)
        self.futures = futures

    def apply(self, kind: str, symbol: str, fields: tuple) -> None:
        if symbol.startswith(FUTURES_PREFIX):
            self.futures.apply(kind, symbol[len(FUTURES_PREFIX):], fields)
        else:
            super().apply(kind, symbol, fields)
