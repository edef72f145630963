"""The simulated market behind the local exchange: pure Python, no I/O, no Twisted.

A :class:`Market` holds, for each symbol, an order book made of simulated
traders' resting orders around a seeded random-walk mid price, a trade log
(a few generated hours of history, then live trades) and a deterministic
synthetic past for klines since the symbol's listing. Accounts (API key +
secret + balances) place orders that are validated with Binance's rules and
error codes and matched against the book. Every change is published to the
listeners in Binance's stream payload formats.

Everything is deterministic for a given ``seed`` and ``clock``. Every public
method holds the market's lock (:attr:`Market.lock`, re-entrant) while it
runs, so the local exchange's REST threads and its reactor thread can share
one market. Events go to :attr:`Market.dispatch` (by default: straight to
the listeners, in the calling thread); the local exchange replaces it to
hand them to the reactor thread in order.

Example::

    from binance.testing.market import Market
    market = Market(seed=1)
    market.add_account('key', 'secret', {'BTC': '1'})
    events = []
    market.add_listener(lambda kind, key, payload: events.append((kind, key, payload)))
    market.step(10)
    market.place_order('key', 'BNBBTC', 'BUY', 'MARKET', quantity='1')
    market.depth('BNBBTC', 5)   # {'lastUpdateId': ..., 'bids': [[price, qty], ...], 'asks': ...}
"""
import functools
import inspect
import json
import logging
import math
import random
import re
import threading
import time
from decimal import Decimal
from typing import Any, Callable, Dict, Iterable, List, Optional, Tuple, TypeVar, Union

from binance.testing.market_base import (
    RATE_LIMITS, ZERO, MarketError, SymbolSpec, build_specs, check_symbol_text, fmt,
    interval_ms, missing, parse_int, round8, seed_key)
from binance.testing.market_book import BUY, SELL, Book, Order
from binance.testing.market_history import (
    SyntheticPath, TradeLog, klines, range_stats, retention_for)
from binance.testing.market_trading import TradingMixin
from binance.testing.market_wallet import LISTEN_KEY_VALIDITY, Account, WalletMixin
from binance.testing.order_changes import OrderChanges
from binance.testing.order_lists import OrderList, OrderLists

__all__ = ['Market', 'MarketError', 'SymbolSpec', 'Account', 'LISTEN_KEY_VALIDITY']

log = logging.getLogger(__name__)

Listener = Callable[[str, str, Dict[str, Any]], None]

_STEP_SIGMA = 0.0001        # random walk of the log mid price per step
_REVERSION = 0.002          # pull back towards the starting price per step
_LEVEL_GAP = 0.0001         # relative distance between seeded levels
_QUOTE_DISTANCE = 0.0006    # mean relative distance of new simulated quotes
_MAX_LEVELS = 60            # per side; farther simulated orders are cancelled
_SEED_LEVELS = 40
_MARKET_ORDER_PROBABILITY = 0.3
_CHASE_PROBABILITY = 0.8     # of a taker order when the mid price is beyond the best quote
_STALE_CANCEL = 0.3          # of a quote on the wrong side of the mid price, per step
_HISTORY_TRADE_SECONDS = 15  # one generated trade per 15 s of history
_HISTORY_SECONDS = 4 * 3600.0  # of a market's default history ...
_FULL_HISTORY_SYMBOLS = 200    # ... up to this many symbols; a bigger market has less each


_DEFAULT_PERMISSIONS = ('SPOT', 'MARGIN', 'LEVERAGED')
_PERMISSION_RE = re.compile(r'^[A-Z0-9_]{1,40}\Z')
_MINI_TICKER = ('symbol', 'openPrice', 'highPrice', 'lowPrice', 'lastPrice', 'volume',
                'quoteVolume', 'openTime', 'closeTime', 'firstId', 'lastId', 'count')


def _permission_list(value: Any) -> Tuple[str, ...]:
    """``'SPOT'`` or ``'["SPOT","MARGIN"]'`` as a tuple of names; -1100 when malformed."""
    names: Any = [value]
    if isinstance(value, str) and value.startswith('['):
        try:
            names = json.loads(value)
        except ValueError:
            names = None
    if not isinstance(names, list) or not names or not all(
            isinstance(n, str) and _PERMISSION_RE.match(n) for n in names):
        raise MarketError(-1100, "Illegal characters found in parameter 'permissions'; legal "
                                 "range is '^\\[(\"[A-Z0-9_]{1,40}\"(,\"[A-Z0-9_]{1,40}\")"
                                 "{0,}){0,1}\\]$' or a single permission.")
    return tuple(names)


class _Symbol:
    """Per-symbol state: spec, synthetic past, trade log, book and simulation."""

    def __init__(self, spec: SymbolSpec, seed: Any, now_ms: int, history_ms: int) -> None:
        name = spec.symbol
        self.spec = spec
        self.path = SyntheticPath(spec, seed_key(seed, name, 'path'))
        count = max(0, history_ms // (_HISTORY_TRADE_SECONDS * 1000))
        ids = seed_key(seed, name, 'ids')
        self.log = TradeLog(spec, self.path, '{}:{}:history'.format(seed, name),
                            now_ms - history_ms, now_ms,
                            first_trade_id=10000000 + ids % 90000000,
                            first_agg_id=1000000 + (ids >> 20) % 9000000,
                            history_count=count, history_aggs=count * 2 // 3)
        #: the order book as it stands (:attr:`book` brings a replay's pending levels in first)
        self.stored_book = Book(update_id=100000000 + (ids >> 40) % 900000000)
        #: set while a replay holds synthesised levels back: called before the book is read
        self.book_pending: Optional[Callable[[], None]] = None
        self.rng = random.Random('{}:{}:simulation'.format(seed, name))
        self.log_anchor = math.log(float(self.log.last_price))
        self.log_mid = self.log_anchor
        self.next_order_id = 1000000 + (ids >> 8) % 1000000
        self.stops: List[Order] = []
        self.sizes = self.log.sizes  # log-normal order sizes, drawn by index

    @property
    def book(self) -> Book:
        """The symbol's order book, with what a replay holds back materialised first."""
        if self.book_pending is not None:
            self.book_pending()
        return self.stored_book


class _Grouping:
    """``with market._transaction():`` (a class, not a generator: a replay enters one
    per event)."""

    __slots__ = ('_market',)

    def __init__(self, market: 'Market') -> None:
        self._market = market

    def __enter__(self) -> None:
        self._market._depth += 1

    def __exit__(self, *exc_info: Any) -> None:
        self._market._group_ended()


_Cls = TypeVar('_Cls', bound=type)
#: public methods that run without the lock (``now_ms`` reads only the clock)
_UNLOCKED = ('deliver', 'now_ms')


def holding_the_lock(cls: _Cls) -> _Cls:
    """Make every public method of ``cls`` (and of its mixins) but :data:`_UNLOCKED`
    run with ``self.lock`` held."""
    for klass in cls.__mro__:
        for name, attr in vars(klass).items():
            if name.startswith('_') or name in _UNLOCKED or name in vars(cls) and klass is not cls:
                continue
            if not inspect.isfunction(attr) or getattr(attr, '_locked', False):
                continue

            def locked(self: Any, *args: Any, __fn: Callable[..., Any] = attr, **kwargs: Any) -> Any:
                with self.lock:
                    return __fn(self, *args, **kwargs)
            locked = functools.wraps(attr)(locked)
            locked._locked = True  # type: ignore[attr-defined]
            setattr(cls, name, locked)
    return cls


@holding_the_lock
class Market(TradingMixin, WalletMixin):
    """A deterministic simulated Binance spot market.

    :param seed: seeds every random choice (prices, books, ids, history).
    :param symbols: ``None`` for :data:`~binance.testing.market_base.DEFAULT_SYMBOLS`
        (BNBBTC, ETHBTC, BTCUSDT, NEOBTC, LTCBTC), a list of those names, a
        number of symbols (those five, then ``SIM0001USDT``, ``SIM0002USDT``
        ..., up to 5000: :func:`~binance.testing.market_base.generated_symbols`), or
        ``{symbol: {base, quote, price, tick_size, step_size, min_notional, listed}}``.
    :param clock: callable returning the time in seconds (``time.time``).
    :param history: seconds of generated trade history before now; ``None``
        for 4 hours, shortened in a market of more than 200 symbols to
        ``4 h * 200 / symbols`` (the same number of generated trades in all,
        so that ``symbols=3000`` stays light).
    :param allow_empty: accept a market of no symbols (a replay of USD-M files only).
    """

    def __init__(self, seed: Any = 0, symbols: Any = None,
                 clock: Callable[[], float] = time.time,
                 history: Optional[float] = None, *, allow_empty: bool = False) -> None:
        if not callable(clock):
            raise TypeError('clock must be a callable returning seconds, e.g. time.time')
        self.clock = clock
        #: Milliseconds the market's time runs ahead of ``clock`` (negative: behind).
        self.clock_offset_ms = 0
        self._seed = seed
        #: Held by every public method; take it to read several things at once.
        self.lock = threading.RLock()
        #: ``dispatch(events)`` publishes a list of ``(kind, key, payload)``
        #: events; called with :attr:`lock` held. Default: :meth:`deliver`.
        self.dispatch: Callable[[List[Tuple[str, str, Dict[str, Any]]]], None] = self.deliver
        self._listeners: List[Listener] = []
        #: ``None`` (default): every ``trade``, ``aggTrade`` and ``depthUpdate`` event
        #: is made. Else ``wants(kind, symbol)`` says whether anyone reads those
        #: events of ``symbol``; when not, they are not made (a replay's exchange
        #: sets it to its stream server's subscriptions: no formatting nobody reads).
        self.wants: Optional[Callable[[str, str], bool]] = None
        self._pending: List[Tuple[str, str, Dict[str, Any]]] = []
        self._depth = 0
        self._grouping = _Grouping(self)
        self._traded: Dict[str, _Symbol] = {}
        self._dirty_aggs: Dict[str, Dict[int, None]] = {}
        self._dirty_accounts: Dict[str, Dict[str, None]] = {}
        self._fills: Dict[int, List[Dict[str, Any]]] = {}
        self._accounts: Dict[str, Account] = {}
        self._listen_keys: Dict[str, List[Any]] = {}
        #: The order lists (OCO, OTO, OTOCO, OPO, OPOCO) of every account.
        self.order_lists = OrderLists(self)
        #: Amend, cancel-replace, SOR orders; commission and filters of an account.
        self.order_changes = OrderChanges(self)
        self._event_id = 1000
        self._wallet_id = 5000
        self._id_rng = random.Random('{}:ids'.format(seed))
        now = self.now_ms()
        specs = build_specs(symbols, allow_empty)
        if history is None:
            history = _HISTORY_SECONDS * min(1.0, _FULL_HISTORY_SYMBOLS / len(specs))
        self._symbols: Dict[str, _Symbol] = {
            name: _Symbol(spec, seed, now, int(history * 1000)) for name, spec in specs.items()}
        retention = retention_for(len(specs))   # the memory bound of a long run
        for sym in self._symbols.values():
            sym.log.retention = retention
        #: Symbols whose book changed since the last flush, and the order to publish them in.
        self._changed_books: Dict[str, None] = {}
        self._publish_order = {name: i for i, name in enumerate(self._symbols)}
        self._next_to_step = 0   # where step_some goes on
        for name, sym in self._symbols.items():
            self._seed_book(sym)
            sym.book.on_first_change = functools.partial(self._changed_books.__setitem__, name,
                                                         None)

    # -- plumbing ---------------------------------------------------------------

    def now_ms(self) -> int:
        """The market's time in milliseconds (``clock`` plus :attr:`clock_offset_ms`)."""
        return int(self.clock() * 1000) + self.clock_offset_ms

    @property
    def symbols(self) -> List[str]:
        """Names of the symbols traded."""
        return list(self._symbols)

    def add_listener(self, fn: Listener) -> None:
        """Call ``fn(kind, key, payload)`` for every event (see the module docs)."""
        if not callable(fn):
            raise TypeError('listener must be callable as fn(kind, key, payload)')
        self._listeners.append(fn)

    def remove_listener(self, fn: Listener) -> None:
        """Stop calling ``fn``; unknown listeners are ignored."""
        if fn in self._listeners:
            self._listeners.remove(fn)

    def _symbol(self, symbol: Any) -> _Symbol:
        name = check_symbol_text(symbol)
        sym = self._symbols.get(name)
        if sym is None:
            raise MarketError(-1121, 'Invalid symbol.')
        return sym

    def _queue(self, kind: str, key: str, payload: Dict[str, Any]) -> None:
        self._pending.append((kind, key, payload))
        if self._depth == 0:
            self._flush()

    def _transaction(self) -> '_Grouping':
        """Group changes; their events are published once, when the outermost ends."""
        return self._grouping

    def _group_ended(self) -> None:
        self._depth -= 1
        if self._depth == 0:
            self._flush()

    def _flush(self) -> None:
        self._depth += 1
        try:
            while self._traded:
                _, sym = self._traded.popitem()
                self._check_stops(sym)
        finally:
            self._depth -= 1
        events, self._pending = self._pending, []
        now = self.now_ms()
        dirty_aggs, self._dirty_aggs = self._dirty_aggs, {}
        for name, agg_ids in dirty_aggs.items():
            if self.wants is not None and not self.wants('aggTrade', name):
                continue
            trade_log = self._symbols[name].log
            events.extend(('aggTrade', name, trade_log.agg_event(agg_id, now))
                          for agg_id in agg_ids)
        changed = self._changed_books
        names = list(changed) if len(changed) < 2 else sorted(changed,
                                                               key=self._publish_order.__getitem__)
        changed.clear()
        wants = self.wants
        for name in names:
            book = self._symbols[name].stored_book    # its changes: nothing held back
            if wants is not None and not wants('depthUpdate', name):
                book.forget_changes()      # the ids still count every change
                continue
            changes = book.take_changes()
            if changes is not None:
                first, last, bids, asks = changes
                events.append(('depthUpdate', name, {'e': 'depthUpdate', 'E': now, 's': name,
                                                     'U': first, 'u': last, 'b': bids, 'a': asks}))
        dirty_accounts, self._dirty_accounts = self._dirty_accounts, {}
        events.extend(('user', api_key, self._account_position(api_key, list(assets)))
                      for api_key, assets in dirty_accounts.items())
        if events:
            self.dispatch(events)

    def deliver(self, events: List[Tuple[str, str, Dict[str, Any]]]) -> None:
        """Call every listener with each event, in order (a failing listener is logged)."""
        for kind, key, payload in events:
            for listener in list(self._listeners):
                try:
                    listener(kind, key, payload)
                except Exception:
                    log.exception('a market listener failed on a %s event', kind)

    # -- simulation -------------------------------------------------------------

    def _sim_order(self, sym: _Symbol, side: str, type_: str, qty: Decimal,
                   price: Optional[Decimal] = None, tif: Optional[str] = None,
                   now_ms: Optional[int] = None) -> Order:
        order = Order(sym.spec.symbol, sym.next_order_id, side, type_, price=price, qty=qty,
                      tif=tif, time_ms=self.now_ms() if now_ms is None else now_ms)
        sym.next_order_id += 1
        return order

    def _sim_qty(self, sym: _Symbol, scale: int = 1) -> Decimal:
        """A simulated order size: ``scale`` times a log-normal multiple of the typical size."""
        return sym.sizes[int(sym.rng.random() * len(sym.sizes))] * scale

    def _seed_book(self, sym: _Symbol) -> None:
        rng, spec, book = sym.rng, sym.spec, sym.book
        mid = float(sym.log.last_price)
        for side, sign in ((BUY, -1), (SELL, 1)):
            distance = 0.0
            best_bid = book.best(BUY) if side == SELL else None   # no bid is added meanwhile
            for _ in range(_SEED_LEVELS):
                distance += _LEVEL_GAP * (0.5 + rng.random())
                price = spec.quantize_price(mid * (1 + sign * distance))
                if best_bid is not None and price <= best_bid:
                    price = best_bid + spec.tick_size
                book.add(self._sim_order(sym, side, 'LIMIT', self._sim_qty(sym, 3), price, 'GTC'))
        book.forget_changes()  # the starting book is the snapshot, not an update

    def _simulate(self, sym: _Symbol) -> None:
        rng, book = sym.rng, sym.book
        sym.log_mid += rng.gauss(0.0, _STEP_SIGMA) - _REVERSION * (sym.log_mid - sym.log_anchor)
        mid = math.exp(sym.log_mid)
        # simulated traders withdraw some quotes, above all stale ones past the mid
        for side in (BUY, SELL):
            for _ in range(rng.randint(0, 1) + book.counts[side] // 40):
                levels = book.level_count(side)
                if not levels:
                    break
                order = book.order_at(side, rng.randrange(levels), rng.randrange(8))
                if order.owner is None:
                    book.remove(order)
        for side in (BUY, SELL):
            for price in book.prices(side)[:3]:
                if (float(price) <= mid) if side == BUY else (float(price) >= mid):
                    break
                for order in book.level(side, price):
                    if order.owner is None and rng.random() < _STALE_CANCEL:
                        book.remove(order)
            while book.level_count(side) > _MAX_LEVELS:
                simulated = [o for o in book.level(side, book.prices(side)[-1])
                             if o.owner is None]
                if not simulated:
                    break
                for order in simulated:
                    book.remove(order)
        # a simulated taker, pushed by the mid price when the book lags behind it
        ask, bid = book.best(SELL), book.best(BUY)
        if ask is not None and mid > float(ask):
            side, probability = BUY, _CHASE_PROBABILITY
        elif bid is not None and mid < float(bid):
            side, probability = SELL, _CHASE_PROBABILITY
        else:
            side = BUY if rng.random() < 0.5 else SELL
            probability = _MARKET_ORDER_PROBABILITY
        if rng.random() < probability:
            self._match(sym, self._sim_order(sym, side, 'MARKET', self._sim_qty(sym)), None)
        # and new quotes
        for side in (BUY, SELL):
            count = rng.randint(0, 2) + (3 if book.level_count(side) < _SEED_LEVELS // 2 else 0)
            for _ in range(count):
                self._add_quote(sym, side, mid)

    def _add_quote(self, sym: _Symbol, side: str, mid: float) -> None:
        spec, book = sym.spec, sym.book
        tick = float(spec.tick_size)
        mean_ticks = max(3.0, _QUOTE_DISTANCE * mid / tick)
        distance = (1 + int(sym.rng.expovariate(1.0 / mean_ticks))) * tick
        price = spec.quantize_price(mid - distance if side == BUY else mid + distance)
        other = book.best(SELL if side == BUY else BUY)
        if other is not None and (price >= other if side == BUY else price <= other):
            price = other - spec.tick_size if side == BUY else other + spec.tick_size
        if price > 0:
            book.add(self._sim_order(sym, side, 'LIMIT', self._sim_qty(sym, 3), price, 'GTC'))

    def step(self, n: int = 1) -> None:
        """Advance the simulation ``n`` steps: each moves every symbol's mid price,
        cancels and adds simulated quotes and lets simulated traders trade
        (which can fill accounts' orders and trigger their stops). Also expires
        listen keys that were not kept alive."""
        if isinstance(n, bool) or not isinstance(n, int) or n < 0:
            raise ValueError('n must be a non-negative int, got {!r}'.format(n))
        for _ in range(n):
            self._step_symbols(self._symbols.values())

    def _step_symbols(self, symbols: Iterable[_Symbol]) -> None:
        self._expire_due_keys()
        for sym in symbols:
            with self._transaction():
                self._simulate(sym)

    def step_some(self, count: int) -> None:
        """One step of the next ``count`` symbols, taking the symbols in turn
        (all of them, as :meth:`step`, when there are no more than ``count``).

        What the exchange's ticker runs: a market of thousands of symbols
        (``symbols=3000``) then costs each tick the same as one of ``count``
        symbols, and each symbol trades less often, as most of Binance's do.
        """
        if isinstance(count, bool) or not isinstance(count, int) or count < 1:
            raise ValueError('count must be a positive int, got {!r}'.format(count))
        symbols = list(self._symbols.values())
        n = len(symbols)
        if count >= n:
            self.step()
            return
        start = self._next_to_step
        self._next_to_step = (start + count) % n
        self._step_symbols(symbols[(start + k) % n] for k in range(count))

    # -- driven from outside: a replay's tape (binance/testing/replay/desk.py) ---------

    def symbol_state(self, symbol: Any) -> _Symbol:
        """The state of ``symbol`` (spec, trade ``log``, ``book``, ``path``), for an
        engine that drives the market itself; take :attr:`lock` while using it.
        An unknown symbol is refused as Binance does (-1121)."""
        return self._symbol(symbol)

    def transaction(self) -> Any:
        """A context grouping changes: their events go out once, when it ends."""
        return self._transaction()

    # -- the order machinery, for order lists and order changes (order_lists.py...) -------

    def new_client_id(self) -> str:
        """A fresh ``x-...`` client order id, as Binance makes when none is given."""
        return self._new_client_id()

    def open_orders_of(self, account: Account, symbol: str) -> List[Order]:
        """``account``'s open orders on ``symbol`` (for the MAX_NUM_ORDERS filter)."""
        return self._open_orders_of(account, symbol)

    def average_price_of(self, sym: _Symbol) -> Decimal:
        """``sym``'s 5-minute average price (the reference of a market order's NOTIONAL)."""
        return self._avg_price_dec(sym)

    def prepare_order(self, account: Account, sym: _Symbol, side: Any, type_: Any, tif: Any,
                      quantity: Any, quote_qty: Any, price: Any, stop_price: Any,
                      client_id: Any, list_id: int = -1) -> Order:
        """Validate one order against ``sym``'s filters and build it, without side
        effects; :class:`MarketError` with Binance's code when it is refused."""
        return self._prepare(account, sym, side, type_, tif, quantity, quote_qty, price,
                             stop_price, client_id, list_id)

    def funds_needed(self, sym: _Symbol, order: Order) -> Decimal:
        """How much of its asset ``order`` needs (quote for a buy, base for a sell)."""
        return self._lock_need(sym, order)[1]

    def hold_funds(self, sym: _Symbol, order: Order) -> None:
        """Check the owner's balance for ``order`` (-2010 if short) and lock it if it rests."""
        self._reserve(sym, order)

    def release_funds(self, order: Order) -> None:
        """Give what ``order`` still locks back to its owner's free balance."""
        self._release(order)

    def work_order(self, sym: _Symbol, order: Order) -> List[Dict[str, Any]]:
        """Let a placed working ``order`` match, then rest or expire; returns its fills."""
        fills: List[Dict[str, Any]] = []
        self._fills[id(order)] = fills
        try:
            self._work(sym, order)
        finally:
            self._fills.pop(id(order), None)
        return fills

    def close_order(self, order: Order, status: str, reason: Optional[str] = None) -> None:
        """Close ``order`` with ``status`` (``reason``: an EXPIRED order's expiry reason):
        its lock released, its ``executionReport`` queued, its list moved on."""
        self._finish(order, status, reason=reason)

    def cancel_leg(self, sym: _Symbol, order: Order, new_client_id: str) -> None:
        """Cancel ``order`` under ``new_client_id`` (``executionReport`` CANCELED)."""
        self._cancel(sym, order, new_client_id)

    def cancel_answer(self, order: Order, new_id: str, orig_id: str) -> Dict[str, Any]:
        """A cancelled ``order`` as ``DELETE /api/v3/order`` answers."""
        return self._cancel_result(order, new_id, orig_id)

    def report_order(self, order: Order, exec_type: str, orig_client_id: str = '') -> int:
        """Queue ``order``'s ``executionReport`` with ``exec_type`` (``NEW``...);
        returns the last execution id (the report's ``I``)."""
        self._report(order, exec_type, orig_client_id=orig_client_id)
        return self._event_id

    def report_list(self, order_list: OrderList, status_type: Optional[str] = None) -> None:
        """Queue ``order_list``'s ``listStatus`` user event (``status_type``: its
        ``listStatusType`` when not the list's own, e.g. ``UPDATED``)."""
        self._list_status(order_list, status_type)

    def find_order(self, account: Account, symbol: str, order_id: Any, client_id: Any,
                   code: int, msg: str) -> Order:
        """``account``'s order on ``symbol`` by ``order_id`` or ``client_id``;
        :class:`MarketError` ``(code, msg)`` when there is none."""
        return self._find_order(account, symbol, order_id, client_id, code, msg)

    @property
    def seed(self) -> Any:
        """The seed everything simulated derives from."""
        return self._seed

    def list_symbol(self, spec: SymbolSpec, history_ms: int) -> bool:
        """List ``spec``'s symbol with an empty book and ``history_ms`` of synthetic
        history (a mirror following an upstream); False if it is listed already."""
        name = spec.symbol
        if name in self._symbols:
            return False
        sym = _Symbol(spec, self._seed, self.now_ms(), history_ms)
        self._symbols[name] = sym
        self._publish_order[name] = len(self._publish_order)
        sym.book.on_first_change = functools.partial(self._changed_books.__setitem__, name,
                                                     None)
        return True

    def taker_order(self, sym: _Symbol, side: str, qty: Decimal) -> Order:
        """A MARKET order of no account on ``sym`` (a trade printed elsewhere, taking
        the resting orders it crosses through :meth:`trade_between`)."""
        return self._sim_order(sym, side, 'MARKET', qty)

    def trade_between(self, sym: _Symbol, taker: Order, maker: Order, price: Decimal,
                      qty: Decimal) -> None:
        """One trade of ``qty`` at ``price`` between ``taker`` and the resting ``maker``
        (tape, balances, reports); call inside :meth:`transaction`."""
        self._execute(sym, taker, maker, price, qty)

    def last_price_moved(self, sym: _Symbol) -> None:
        """``sym``'s last price moved outside the matcher: its stop orders are checked
        when the current :meth:`transaction` ends."""
        self._traded[sym.spec.symbol] = sym

    def print_trade(self, symbol: str, price: Decimal, qty: Decimal, buyer_maker: bool,
                    agg_key: Any) -> int:
        """Print a trade made elsewhere on ``symbol``'s tape (log, ``trade`` and
        ``aggTrade`` events, stop triggers at the flush); returns its trade id."""
        sym = self._symbol(symbol)
        now = self.now_ms()
        trade_id, agg_id = sym.log.add(price, qty, now, buyer_maker, agg_key)
        self._traded[symbol] = sym
        self._dirty_aggs.setdefault(symbol, {})[agg_id] = None
        if self.wants is None or self.wants('trade', symbol):
            self._queue('trade', symbol, {
                'e': 'trade', 'E': now, 's': symbol, 't': trade_id, 'p': fmt(price),
                'q': fmt(qty), 'T': now, 'm': buyer_maker, 'M': True})
        return trade_id

    def fill_resting(self, order: Order, qty: Decimal, trade_id: int) -> None:
        """An account's resting ``order`` executes ``qty`` at its own price as the
        maker of trade ``trade_id`` printed elsewhere: balances, commission,
        ``executionReport``, order lists; no trade of its own on the tape."""
        sym = self._symbol(order.symbol)
        now = self.now_ms()
        price = order.price
        if order.list_id >= 0:
            self._resolve_list(sym, order)
        order.executed += qty
        order.cum_quote += round8(price * qty)
        order.update_time = now
        order.status = 'FILLED' if order.remaining <= 0 else 'PARTIALLY_FILLED'
        sym.book.reduce(order, qty)
        fill = self._settle(sym, order, price, qty, True, trade_id, now)
        if order.list_id >= 0:
            self.order_lists.traded(order, fill)
        if not order.is_open:
            self._release(order)
        self._report(order, 'TRADE', last=(qty, price, fill, trade_id, True))
        self._list_done(order)

    def quote(self, symbol: str, side: str, price: Decimal, qty: Decimal) -> Order:
        """Rest a simulated trader's limit order (no account) in ``symbol``'s book."""
        sym = self._symbol(symbol)
        order = self._sim_order(sym, side, 'LIMIT', qty, price, 'GTC')
        sym.book.add(order)
        return order

    def quote_many(self, symbol: str, levels: Iterable[Tuple[str, Decimal, Decimal]]
                   ) -> List[Order]:
        """:meth:`quote` for each ``(side, price, qty)`` of ``levels``, in order, with
        one look-up of the symbol (a replay synthesises its book this way)."""
        sym = self._symbol(symbol)
        book = sym.book
        now = self.now_ms()
        orders = []
        for side, price, qty in levels:
            order = self._sim_order(sym, side, 'LIMIT', qty, price, 'GTC', now)
            book.add(order)
            orders.append(order)
        return orders

    # -- market data --------------------------------------------------------------

    def server_time(self) -> Dict[str, int]:
        """``GET /api/v3/time``."""
        return {'serverTime': self.now_ms()}

    def symbols_asked(self, symbol: Any, symbols: Any) -> Tuple[List[_Symbol], bool]:
        """The symbols a request's ``symbol`` or ``symbols`` names (all if neither), and
        whether ``symbol`` named one; Binance's error for a bad or unknown name."""
        return self._symbol_list(symbol, symbols)

    def _symbol_list(self, symbol: Any, symbols: Any) -> Tuple[List[_Symbol], bool]:
        """Symbols asked for by ``symbol`` or ``symbols`` (list or JSON text); all if neither.

        :returns: ``(symbols, single)``; ``single`` when ``symbol`` was given.
        """
        if not missing(symbol) and not missing(symbols):
            raise MarketError(-1128, 'Combination of optional parameters invalid.')
        if not missing(symbol):
            return [self._symbol(symbol)], True
        if missing(symbols):
            return list(self._symbols.values()), False
        names = symbols
        if isinstance(symbols, str):
            try:
                names = json.loads(symbols)
            except ValueError:
                names = None
        if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
            raise MarketError(-1100, "Illegal characters found in parameter 'symbols'; legal "
                                     "range is '^\\[(\"[A-Z0-9-_.]{1,20}\"(,\"[A-Z0-9-_.]{1,20}\")"
                                     "{0,}){0,1}\\]$'.")
        return [self._symbol(name) for name in names], False

    def exchange_info(self, symbol: Any = None, symbols: Any = None, permissions: Any = None,
                      showPermissionSets: Any = None, symbolStatus: Any = None) -> Dict[str, Any]:
        """``GET /api/v3/exchangeInfo``: rate limits and the rules of the symbols asked for.

        :param permissions: ``'SPOT'`` or a JSON list (``'["SPOT","MARGIN"]'``):
            only symbols with one of them in their ``permissionSets``
            (default ``SPOT``, ``MARGIN`` and ``LEVERAGED``).
        :param symbolStatus: ``TRADING``, ``HALT`` or ``BREAK``.
        :param showPermissionSets: ``'false'`` leaves ``permissionSets`` empty.
        :raises MarketError: -1128 when ``permissions`` or ``symbolStatus`` comes
            with ``symbol``/``symbols``; -1100 for a malformed permission;
            -1122 for an unknown status.
        """
        if (not missing(symbol) or not missing(symbols)) and (
                not missing(permissions) or not missing(symbolStatus)):
            raise MarketError(-1128, 'Combination of optional parameters invalid.')
        chosen, _ = self._symbol_list(symbol, symbols)
        entries = [sym.spec.exchange_info() for sym in chosen]
        wanted = _DEFAULT_PERMISSIONS if missing(permissions) else _permission_list(permissions)
        entries = [e for e in entries if any(p in wanted for s in e['permissionSets'] for p in s)]
        if not missing(symbolStatus):
            if symbolStatus not in ('TRADING', 'HALT', 'BREAK'):
                raise MarketError(-1122, 'Invalid symbolStatus.')
            entries = [e for e in entries if e['status'] == symbolStatus]
        if str(showPermissionSets).lower() == 'false':
            for entry in entries:
                entry['permissionSets'] = []
        # every symbol is an SOR configuration of its own book (binance.testing.order_changes)
        sors = [{'baseAsset': e['baseAsset'], 'symbols': [e['symbol']]} for e in entries]
        return {'timezone': 'UTC', 'serverTime': self.now_ms(), 'rateLimits': list(RATE_LIMITS),
                'exchangeFilters': [], 'symbols': entries, 'sors': sors}

    def depth(self, symbol: Any = None, limit: Any = 100) -> Dict[str, Any]:
        """``GET /api/v3/depth``: the top ``limit`` (1..5000) levels and ``lastUpdateId``."""
        sym = self._symbol(symbol)
        limit = min(parse_int('limit', 100 if missing(limit) else limit, 1), 5000)
        bids, asks = sym.book.depth(limit)
        return {'lastUpdateId': sym.book.update_id, 'bids': bids, 'asks': asks}

    def book(self, symbol: str) -> Tuple[Dict[Decimal, Decimal], Dict[Decimal, Decimal]]:
        """The true book as ``(bids, asks)``, each ``{price: total qty}`` (for tests)."""
        book = self._symbol(symbol).book
        return dict(book.sizes[BUY]), dict(book.sizes[SELL])

    def update_id(self, symbol: str) -> int:
        """The symbol's current update id (``lastUpdateId`` of a snapshot now)."""
        return self._symbol(symbol).book.update_id

    def recent_trades(self, symbol: Any = None, limit: Any = 500) -> List[Dict[str, Any]]:
        """``GET /api/v3/trades``: the last ``limit`` (1..1000) trades."""
        sym = self._symbol(symbol)
        return sym.log.recent(parse_int('limit', 500 if missing(limit) else limit, 1, 1000))

    def historical_trades(self, symbol: Any = None, limit: Any = 500,
                          fromId: Any = None) -> List[Dict[str, Any]]:
        """``GET /api/v3/historicalTrades``: trades from ``fromId`` on (or the last ones)."""
        sym = self._symbol(symbol)
        limit = parse_int('limit', 500 if missing(limit) else limit, 1, 1000)
        from_id = None if missing(fromId) else parse_int('fromId', fromId, 0)
        return sym.log.from_id(from_id, limit)

    def agg_trades(self, symbol: Any = None, fromId: Any = None, startTime: Any = None,
                   endTime: Any = None, limit: Any = 500) -> List[Dict[str, Any]]:
        """``GET /api/v3/aggTrades`` by ``fromId`` and/or ``startTime``..``endTime``."""
        sym = self._symbol(symbol)
        limit = parse_int('limit', 500 if missing(limit) else limit, 1, 1000)
        from_id = None if missing(fromId) else parse_int('fromId', fromId, 0)
        start = None if missing(startTime) else parse_int('startTime', startTime, 0)
        end = None if missing(endTime) else parse_int('endTime', endTime, 0)
        return sym.log.aggs(from_id, start, end, limit)

    def klines(self, symbol: Any = None, interval: Any = None, startTime: Any = None,
               endTime: Any = None, limit: Any = 500) -> List[List[Any]]:
        """``GET /api/v3/klines``: see :func:`binance.testing.market_history.klines`.

        :raises MarketError: -1120 for an unknown interval, -1121 unknown symbol.
        """
        sym = self._symbol(symbol)
        if missing(interval):
            raise MarketError(-1102, "Mandatory parameter 'interval' was not sent, was "
                                     "empty/null, or malformed.")
        interval_ms(interval)
        limit = parse_int('limit', 500 if missing(limit) else limit, 1, 1000)
        start = None if missing(startTime) else parse_int('startTime', startTime, 0)
        end = None if missing(endTime) else parse_int('endTime', endTime, 0)
        return klines(sym.path, sym.log, interval, start, end, limit, self.now_ms())

    def avg_price(self, symbol: Any = None) -> Dict[str, Any]:
        """``GET /api/v3/avgPrice``: volume-weighted price of the last 5 minutes."""
        sym = self._symbol(symbol)
        now = self.now_ms()
        price = sym.log.volume_weighted(now - 300000, now)
        return {'mins': 5, 'price': fmt(price if price is not None else sym.log.last_price),
                'closeTime': sym.log.times[-1] if sym.log.times else now}

    def _ticker(self, sym: _Symbol) -> Dict[str, Any]:
        now = self.now_ms()
        start = now - 86400000
        stats, before = range_stats(sym.path, sym.log, start, now)
        trade_log, book = sym.log, sym.book
        last = trade_log.last_price
        if stats is None:
            stats = (before, before, before, before, ZERO, ZERO, 0, ZERO, ZERO, -1, -1)
        open_price = stats[0]
        change = last - open_price
        bid, ask = book.best(BUY), book.best(SELL)
        return {
            'symbol': sym.spec.symbol, 'priceChange': fmt(change),
            'priceChangePercent': '{:.3f}'.format(change * 100 / open_price),
            'weightedAvgPrice': fmt(stats[5] / stats[4] if stats[4] else last),
            'prevClosePrice': fmt(trade_log.price_before(start) or open_price),
            'lastPrice': fmt(last), 'lastQty': fmt(trade_log.qtys[-1] if trade_log.qtys else ZERO),
            'bidPrice': fmt(bid or ZERO), 'bidQty': fmt(book.sizes[BUY].get(bid, ZERO)),
            'askPrice': fmt(ask or ZERO), 'askQty': fmt(book.sizes[SELL].get(ask, ZERO)),
            'openPrice': fmt(open_price), 'highPrice': fmt(max(stats[1], last)),
            'lowPrice': fmt(min(stats[2], last)), 'volume': fmt(stats[4]),
            'quoteVolume': fmt(stats[5]), 'openTime': start, 'closeTime': now,
            'firstId': stats[9], 'lastId': stats[10], 'count': stats[6],
        }

    def ticker_24h(self, symbol: Any = None, symbols: Any = None,
                   type: Any = None) -> Union[Dict[str, Any], List[Dict[str, Any]]]:
        """``GET /api/v3/ticker/24hr``: one dict for ``symbol``, else a list.

        ``type='MINI'`` leaves out the price change, bid/ask and last quantity
        fields (``FULL``, the default, has them); another type is -1139.
        """
        if not missing(type) and type not in ('FULL', 'MINI'):
            raise MarketError(-1139, 'Invalid ticker type.')
        chosen, single = self._symbol_list(symbol, symbols)
        tickers = [self._ticker(sym) for sym in chosen]
        if type == 'MINI':
            tickers = [{k: v for k, v in t.items() if k in _MINI_TICKER} for t in tickers]
        return tickers[0] if single else tickers

    def ticker_price(self, symbol: Any = None,
                     symbols: Any = None) -> Union[Dict[str, Any], List[Dict[str, Any]]]:
        """``GET /api/v3/ticker/price``: last prices."""
        chosen, single = self._symbol_list(symbol, symbols)
        prices = [{'symbol': sym.spec.symbol, 'price': fmt(sym.log.last_price)} for sym in chosen]
        return prices[0] if single else prices

    def book_ticker(self, symbol: Any = None,
                    symbols: Any = None) -> Union[Dict[str, Any], List[Dict[str, Any]]]:
        """``GET /api/v3/ticker/bookTicker``: best bid and ask."""
        chosen, single = self._symbol_list(symbol, symbols)
        result = []
        for sym in chosen:
            book = sym.book
            bid, ask = book.best(BUY), book.best(SELL)
            result.append({'symbol': sym.spec.symbol, 'bidPrice': fmt(bid or ZERO),
                           'bidQty': fmt(book.sizes[BUY].get(bid, ZERO)),
                           'askPrice': fmt(ask or ZERO),
                           'askQty': fmt(book.sizes[SELL].get(ask, ZERO))})
        return result[0] if single else result

