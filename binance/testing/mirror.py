"""Paper trading on live prices: the local exchange follows an upstream exchange.

``LocalExchange(mirror=True, upstream=...)`` (``python -m binance.testing run
--mirror [--upstream URL] script.py``) keeps its own accounts and matching
engine, but takes the market from an upstream exchange, Binance by default:

* the symbols' settings (assets, tick and step sizes, minimum notional) come
  from the upstream's ``exchangeInfo``: those given as ``symbols`` (default:
  the five default symbols the upstream lists) when the exchange is built,
  and any other the script names later, in a REST request or a stream
  subscription, if the upstream lists it (else it is unknown, ``-1121``);
* the upstream's ``<symbol>@trade``, ``<symbol>@aggTrade`` and
  ``<symbol>@depth@100ms`` streams are followed for each mirrored symbol,
  and their payloads are republished unchanged to the script's streams of
  the same names; the script's kline, ticker, rolling ticker, average price
  and partial book streams are relayed from the upstream's streams of the
  same names (:data:`FORWARDED_KINDS`); the simulated traders are off;
* each symbol's book is kept from the upstream's depth stream and REST
  snapshots by Binance's documented procedure
  (:class:`binance.depthcache.DepthCacheSync`): the local book holds the
  upstream's levels (one resting quantity per level) plus the script's own
  orders, and answers ``/api/v3/depth`` with the upstream's update ids;
* the script's orders match locally: a marketable order takes the mirrored
  levels at their prices (the upstream book is not changed: no market
  impact); a resting order fills at its own price when an upstream trade
  prints at or through it (a buy when a trade prints at or below its price,
  a sell at or above), up to that trade's quantity; fees, balance checks,
  filters and user-stream events are the local exchange's, as on Binance;
* REST market data of these symbols (trades, aggTrades, klines, tickers,
  average price: :data:`PROXIED`) is the upstream's answer, errors
  included; upstream trades also go into the local trade log, so the last
  price (``ticker/price``) and stop triggers follow the upstream's prices.

When an upstream connection drops (the mirror looks at its sockets'
:meth:`~binance.websockets.BinanceSocketManager.socket_state` every
:data:`WATCH_INTERVAL` seconds, well within the shortest reconnect delay),
every book it carried resynchronises by Binance's procedure: its diff events
are buffered from the loss on, a REST snapshot is taken once the connection
is back, events with ``u <= lastUpdateId`` are dropped and the first one
applied must span ``lastUpdateId + 1`` (else another snapshot). The script's
connections carrying those symbols' market streams (and the relayed ones of
that connection) are dropped at the loss, so they reconnect as they would
when Binance's connection drops. The mirror retries its upstream without
giving up (every :data:`UPSTREAM_MAX_DELAY` seconds at most). A depth event
that does not link to the book (a gap within a connection) resynchronises
it the same way.

What it cannot know: the queue position of a resting order (it fills only
when trades print at or through its price) and the market's reaction to the
script's orders.
"""
import json
import logging
import threading
import time
from decimal import Decimal
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple

from binance.depthcache import DepthCache, DepthCacheSync
from binance.testing.mirror_trades import CATCH_UP_LIMIT, TradeFeed

__all__ = ['BINANCE_UPSTREAM', 'Mirror', 'mirror_settings', 'parse_upstream', 'upstream_symbols']

log = logging.getLogger(__name__)

#: Binance's spot REST base and stream base: the default upstream.
BINANCE_UPSTREAM = ('https://api.binance.com/api', 'wss://stream.binance.com:9443/')

#: Depth of the REST snapshots the mirror takes (Binance's largest cheap one).
SNAPSHOT_LIMIT = 1000

#: REST market data answered from the upstream for the mirrored symbols (the
#: history before the run and the upstream's own trade ids); the book
#: (``depth``), ``ticker/price`` and ``ticker/bookTicker`` are the local book's.
PROXIED = ('/api/v3/trades', '/api/v3/historicalTrades', '/api/v3/aggTrades',
           '/api/v3/klines', '/api/v3/uiKlines', '/api/v3/avgPrice', '/api/v3/ticker/24hr',
           '/api/v3/ticker', '/api/v3/ticker/tradingDay')
#: Seconds a proxied request waits for the upstream.
UPSTREAM_TIMEOUT = 10.0

#: Stream kinds relayed from the upstream as they are (the local server would
#: make them from its own book and tape); trade, aggTrade and the diff depth
#: are followed for every mirrored symbol anyway, bookTicker follows the local book.
FORWARDED_KINDS = frozenset({'kline', 'ticker', 'miniTicker', 'rollingTicker', 'avgPrice',
                             'partialDepth'})
#: Milliseconds of synthetic history of a symbol listed during the run (its REST
#: history is the upstream's anyway).
ADDED_HISTORY_MS = 0

#: Seconds :meth:`Mirror.start` waits for the upstream connection and the first books.
SYNC_TIMEOUT = 15.0

#: Seconds between two looks at the upstream sockets' state: shorter than the
#: shortest reconnect delay (``BinanceSocketManager.INITIAL_DELAY`` less its
#: jitter), so no drop goes unseen.
WATCH_INTERVAL = 0.03
#: Longest wait between two reconnect attempts to the upstream (seconds); the
#: mirror never gives up reconnecting.
UPSTREAM_MAX_DELAY = 5.0
UPSTREAM_MAX_RETRIES = 10 ** 9

_BUY, _SELL = 'BUY', 'SELL'


def parse_upstream(upstream: Any) -> Tuple[str, str]:
    """``(rest base, stream base)`` of an upstream.

    :param upstream: ``None`` for Binance (:data:`BINANCE_UPSTREAM`), a pair
        ``(api_url, stream_url)``, or the text ``'API_URL,STREAM_URL'``, e.g.
        ``'http://127.0.0.1:8001/api,ws://127.0.0.1:8002/'`` (another local
        exchange's :attr:`~binance.testing.LocalExchange.api_url` and
        :attr:`~binance.testing.LocalExchange.stream_url`). The REST base ends
        in ``/api`` as ``Client.API_URL`` does; the stream base is what
        ``BinanceSocketManager.STREAM_URL`` takes.
    :raises ValueError: for anything else, naming the valid forms.
    """
    if upstream is None:
        return BINANCE_UPSTREAM
    if isinstance(upstream, str):
        parts = [part.strip() for part in upstream.split(',')]
    elif isinstance(upstream, (tuple, list)):
        parts = list(upstream)
    else:
        parts = []
    valid = ("upstream must be 'API_URL,STREAM_URL' (e.g. 'https://api.binance.com/api,"
             "wss://stream.binance.com:9443/') or a pair (api_url, stream_url), got {!r}"
             .format(upstream))
    if len(parts) != 2 or not all(isinstance(part, str) for part in parts):
        raise ValueError(valid)
    api_url, stream_url = parts
    if not api_url.startswith(('http://', 'https://')) or not api_url.rstrip('/').endswith('/api'):
        raise ValueError('the upstream REST base must be an http(s) URL ending in /api, '
                         'like Client.API_URL; got {!r}'.format(api_url))
    if not stream_url.startswith(('ws://', 'wss://')):
        raise ValueError('the upstream stream base must be a ws:// or wss:// URL, '
                         'like BinanceSocketManager.STREAM_URL; got {!r}'.format(stream_url))
    return api_url.rstrip('/'), stream_url if stream_url.endswith('/') else stream_url + '/'


def _filter(info: Mapping[str, Any], kind: str) -> Mapping[str, Any]:
    for item in info.get('filters', ()):
        if item.get('filterType') == kind:
            return item
    return {}


def upstream_symbols(client: Any, names: Sequence[str]) -> Dict[str, Dict[str, Any]]:
    """The local market's settings of ``names``, read from the upstream (blocking).

    :param client: a :class:`binance.client.Client` pointed at the upstream.
    :returns: ``{symbol: {base, quote, price, tick_size, step_size, min_notional}}``.
    :raises ValueError: when the upstream does not list one of them.
    """
    from binance.exceptions import BinanceAPIException
    names = [name.upper() for name in names]
    try:
        info = client.get_exchange_info(symbols=json.dumps(names, separators=(',', ':')))
        prices = client.get_symbol_ticker(symbols=json.dumps(names, separators=(',', ':')))
    except BinanceAPIException as exc:
        raise ValueError('the upstream refused the symbols {}: {}'.format(
            ', '.join(names), exc.message)) from None
    last = {row['symbol']: row['price'] for row in prices}
    config: Dict[str, Dict[str, Any]] = {}
    for row in info.get('symbols', ()):
        name = row['symbol']
        notional = _filter(row, 'NOTIONAL') or _filter(row, 'MIN_NOTIONAL')
        config[name] = {
            'base': row['baseAsset'], 'quote': row['quoteAsset'], 'price': last[name],
            'tick_size': _filter(row, 'PRICE_FILTER').get('tickSize', '0.00000001'),
            'step_size': _filter(row, 'LOT_SIZE').get('stepSize', '0.00000001'),
            'min_notional': notional.get('minNotional', '0')}
        down = _filter(row, 'PERCENT_PRICE_BY_SIDE').get('bidMultiplierDown')
        if down is not None:
            config[name]['multiplier_down'] = down
    absent = [name for name in names if name not in config]
    if absent:
        raise ValueError('the upstream does not list {}'.format(', '.join(absent)))
    return {name: config[name] for name in names}


def mirror_settings(mirror: Any, upstream: Any,
                    symbols: Any) -> Tuple[Tuple[str, str, List[str]], Dict[str, Any]]:
    """``LocalExchange(mirror=..., upstream=..., symbols=...)``'s checks and upstream look-up.

    :returns: ``((api_url, stream_url, names), symbol settings for the Market)``.
    :raises ValueError: for ``upstream`` without ``mirror=True``, symbols that
        are not a list of names, or symbols the upstream does not list.
    """
    from binance.testing.market_base import DEFAULT_SYMBOLS
    if mirror is not True:
        raise ValueError('upstream= is for mirror=True (paper trading on an upstream\'s '
                         'prices); got mirror={!r}'.format(mirror))
    api_url, stream_url = parse_upstream(upstream)
    if symbols is None:
        names = list(DEFAULT_SYMBOLS)
    elif isinstance(symbols, (list, tuple)) and symbols and all(
            isinstance(name, str) and name.isalnum() for name in symbols):
        names = [name.upper() for name in symbols]
    else:
        raise ValueError('with mirror=True, symbols must be a list of symbol names such as '
                         "['BTCUSDT'] (their settings come from the upstream), got {!r}"
                         .format(symbols))
    from binance.client import Client
    client = Client()
    client.API_URL = api_url
    if symbols is not None:
        return (api_url, stream_url, names), upstream_symbols(client, names)
    try:
        return (api_url, stream_url, names), upstream_symbols(client, names)
    except ValueError:   # default symbols: those the upstream lists (others come on demand)
        config: Dict[str, Any] = {}
        for name in names:
            try:
                config.update(upstream_symbols(client, [name]))
            except ValueError:
                continue
        if not config:
            raise ValueError('the upstream lists none of {}; name the symbols to mirror'
                             .format(', '.join(names))) from None
        return (api_url, stream_url, list(config)), config


class _Follower:
    """One mirrored symbol: its book's state machine, its trade feed and counters."""

    def __init__(self, symbol: str, apply_trade: Callable[[Dict[str, Any]], Any]) -> None:
        self.symbol = symbol
        self.trades = TradeFeed(symbol, apply_trade)
        self.cache = DepthCache(symbol, conv_type=Decimal)
        self.sync = DepthCacheSync(self.cache)
        self.snapshot_pending = False
        self.resyncs = 0
        #: upstream losses so far: a snapshot asked for before the latest one is not used
        self.epoch = 0


class Mirror:
    """Follows an upstream exchange for a :class:`~binance.testing.LocalExchange`
    (see the module docs); built by ``LocalExchange(mirror=True)``.

    :param market: the local :class:`~binance.testing.market.Market`.
    :param api_url: the upstream's REST base; :param stream_url: its stream base.
    :param symbols: the symbols to follow (upper case).

    :ivar resyncs: how many times a book was resynchronised (after a gap or a drop).
    :ivar losses: how many times an upstream connection was lost.
    """

    def __init__(self, market: Any, api_url: str, stream_url: str,
                 symbols: Sequence[str]) -> None:
        self.market = market
        self.api_url = api_url
        self.stream_url = stream_url
        self.followers = {name: self._new_follower(name) for name in symbols}
        self.streams: Any = None
        self._client: Any = None
        self._bm: Any = None
        self._reactor: Any = None
        self._filtered: Optional[Callable[[str, str, Any], None]] = None
        import requests
        self._session = requests.Session()
        self._lock = threading.Lock()          # one upstream look-up at a time
        self._unlisted: set = set()            # names the upstream does not list
        self._forwarded: set = set()           # stream names relayed from the upstream
        #: upstream socket key -> the symbols it follows (a relayed stream: its name)
        self._links: Dict[str, Tuple[Tuple[str, ...], Tuple[str, ...]]] = {}
        self._up: Dict[str, bool] = {}          # socket key -> connected at the last look
        self._watch: Any = None
        self.losses = 0

    def _new_follower(self, name: str) -> _Follower:
        return _Follower(name, lambda event: self._on_trade(name, event))

    @property
    def symbols(self) -> List[str]:
        """The mirrored symbols."""
        return list(self.followers)

    @property
    def resyncs(self) -> int:
        return sum(f.resyncs for f in self.followers.values())

    # -- lifecycle (any thread but the reactor's) -------------------------------

    def start(self, streams: Any, reactor: Any, rest: Any = None) -> None:
        """Take over the symbols' market events of ``streams``, connect upstream and
        wait for the first books (any thread but the reactor's).

        :param rest: the exchange's :class:`~binance.testing.rest.RestResource`: a
            request naming a symbol the market does not list yet makes the
            mirror follow it when the upstream lists it.
        """
        from binance import _reactor
        from binance.client import Client
        from binance.websockets import BinanceSocketManager
        self.streams = streams
        self._reactor = reactor
        _reactor.blocking_call(self._take_over)
        self._client = Client()
        self._client.API_URL = self.api_url
        bm = BinanceSocketManager(self._client)
        bm.STREAM_URL = self.stream_url
        bm.EXIT_WAITS_FOR_SOCKETS = False   # the exchange's link, not the script's socket
        bm.MAX_RETRIES = UPSTREAM_MAX_RETRIES   # follow the upstream until stopped
        bm.MAX_DELAY = UPSTREAM_MAX_DELAY
        self._bm = bm
        bm.start()
        _reactor.blocking_call(self._start_watch)
        streams.external_feed = self._feed
        if rest is not None:
            rest.before_route = self._before_route
        self._follow(list(self.followers))

    def _follow(self, symbols: List[str]) -> None:
        """Subscribe upstream to ``symbols``' tape and book; wait for their first books."""
        bm = self._bm
        if bm is None or not symbols:
            return
        names = [name.lower() + suffix for name in symbols
                 for suffix in ('@trade', '@aggTrade', '@depth@100ms')]
        key = bm.start_multiplex_socket(names, self._on_upstream)
        if isinstance(key, str):
            self._links[key] = (tuple(symbols), ())
        # the script starts with the books in place: connected, then a snapshot each
        if not isinstance(key, str) or not bm.wait_connected(key, SYNC_TIMEOUT):
            log.warning('the mirror could not connect to %s within %s s; retrying',
                        self.stream_url, SYNC_TIMEOUT)
        else:   # connected: a drop from now on is a loss, even before the watch's next look
            self._reactor.callFromThread(self._up.setdefault, key, True)
        followers = [self.followers[name] for name in symbols]
        for follower in followers:
            self._reactor.callFromThread(self._request_snapshot, follower, 0.0)
        deadline = time.monotonic() + SYNC_TIMEOUT
        while any(f.sync.waiting_for_snapshot for f in followers):
            if time.monotonic() > deadline:
                log.warning('the mirror has no book yet for %s', ', '.join(
                    f.symbol for f in followers if f.sync.waiting_for_snapshot))
                break
            time.sleep(0.01)

    # -- symbols the script names later (REST threads, worker threads) -------------

    def _before_route(self, path: str, params: Mapping[str, Any]) -> None:
        if not path.startswith('/api/'):   # spot symbols only (not /fapi, /sapi)
            return
        names: List[Any] = [params.get('symbol')]
        listed = params.get('symbols')
        if isinstance(listed, str) and listed.startswith('['):
            try:
                names.extend(json.loads(listed))
            except ValueError:
                pass
        for name in names:
            if isinstance(name, str):
                self.ensure(name)

    def ensure(self, symbol: str) -> bool:
        """Follow ``symbol`` if the upstream lists it (blocking; not on the reactor thread).

        :returns: whether the symbol is mirrored now. A symbol the upstream
            does not list stays unknown here too (answered ``-1121``).
        """
        name = symbol.upper()
        if name in self.followers:
            return True
        if not name.isalnum() or len(name) > 20 or self._bm is None:
            return False
        with self._lock:
            if name in self.followers:
                return True
            if name in self._unlisted:
                return False
            try:
                config = upstream_symbols(self._client, [name])[name]
            except ValueError:
                self._unlisted.add(name)
                return False
            except Exception as exc:   # the upstream is away: try again next time
                log.warning('the mirror could not look %s up upstream: %s', name, exc)
                return False
            from binance import _reactor
            _reactor.blocking_call(self._add_symbol, name, config)
            self.followers[name] = self._new_follower(name)
        self._follow([name])
        return True

    def _add_symbol(self, name: str, config: Dict[str, Any]) -> None:
        """List ``name`` on the local market, with an empty book (reactor thread)."""
        from binance.testing.market_base import SymbolSpec
        market = self.market
        with market.lock:
            if name not in market.symbols:
                market.list_symbol(SymbolSpec.from_config(name, config), ADDED_HISTORY_MS)

    def _feed(self, spec: Any) -> bool:
        """A new stream channel on the local server (reactor thread): follow its symbol;
        streams made from the upstream's (klines, tickers...) come from the upstream."""
        symbol = spec.symbol
        if symbol is None or self._bm is None:
            return False
        if symbol not in self.followers:
            from twisted.internet import threads
            threads.deferToThreadPool(self._reactor, self._reactor.getThreadPool(),
                                      self.ensure, symbol).addErrback(
                lambda failure: log.warning('the mirror could not follow %s: %s', symbol,
                                            failure.getErrorMessage()))
        if spec.kind not in FORWARDED_KINDS:
            return False
        if spec.name not in self._forwarded:
            self._forwarded.add(spec.name)
            key = self._bm.start_multiplex_socket([spec.name], self._on_forwarded)
            if isinstance(key, str):
                self._links[key] = ((), (spec.name,))
        return True

    def _on_forwarded(self, msg: Any) -> None:
        if isinstance(msg, dict) and 'stream' in msg and 'data' in msg \
                and self.streams is not None:
            self.streams.push(msg['stream'], msg['data'])

    def tick(self) -> None:
        """What the exchange's ticker does instead of simulating: expire listen keys."""
        with self.market.lock:
            self.market.expire_due_keys()

    def _take_over(self) -> None:
        market, streams = self.market, self.streams
        with market.lock:
            for name in self.followers:     # no simulated quotes: the upstream's come
                sym = market.symbol_state(name)
                for side in (_BUY, _SELL):
                    for order in sym.book.orders(side):
                        if order.owner is None:
                            sym.book.remove(order)
                sym.book.take_changes()
        publish = streams.on_market_event
        mirrored = self.followers

        def filtered(kind: str, key: str, payload: Any) -> None:
            # the script sees the upstream's tape and book, not the local fills' echo
            if kind in ('trade', 'aggTrade', 'depthUpdate') and key in mirrored:
                return
            publish(kind, key, payload)
        market.remove_listener(publish)
        market.add_listener(filtered)
        self._filtered = filtered

    def stop(self) -> None:
        """Close the upstream connection (idempotent)."""
        bm, self._bm = self._bm, None
        watch, self._watch = self._watch, None
        if watch is not None and self._reactor is not None:
            self._reactor.callFromThread(lambda: watch.stop() if watch.running else None)
        if bm is not None:
            bm.close()
            self._session.close()

    # -- the upstream connections (reactor thread) -----------------------------------

    def _start_watch(self) -> None:
        from twisted.internet import task
        watch = task.LoopingCall(self._look)
        watch.clock = self._reactor
        self._watch = watch
        watch.start(WATCH_INTERVAL, now=False)

    def _look(self) -> None:
        """Notice an upstream socket going down and coming back."""
        bm = self._bm
        if bm is None:
            return
        for key, (symbols, relayed) in list(self._links.items()):
            state = bm.socket_state(key)
            up = state is not None and state.state == 'connected'
            was = self._up.get(key)   # None until it first connected
            if up and was is not True:
                self._up[key] = True
                if was is False:
                    self._on_back(symbols)
            elif not up and was:
                self._up[key] = False
                self._on_lost(key, symbols, relayed)

    def _on_lost(self, key: str, symbols: Sequence[str], relayed: Sequence[str]) -> None:
        """An upstream connection dropped: its books wait for a new snapshot, buffering
        events; the script's connections carrying what it carried drop too."""
        self.losses += 1
        log.warning('the mirror lost its upstream connection %s; resynchronising %s', key,
                    ', '.join(symbols) or ', '.join(relayed))
        for symbol in symbols:
            follower = self.followers[symbol]
            follower.resyncs += 1
            follower.epoch += 1
            follower.sync.restart()
            follower.trades.hold()      # until the trades printed meanwhile are fetched
            self._drop_script_streams(symbol)
        for name in relayed:
            self.streams.drop(name)

    def _on_back(self, symbols: Sequence[str]) -> None:
        """The connection is back: a snapshot for each of its books (Binance's step 3)."""
        for symbol in symbols:
            follower = self.followers[symbol]
            if not follower.sync.waiting_for_snapshot:   # synced from an earlier snapshot
                follower.sync.restart()
            self._request_snapshot(follower, 0.0)
            if follower.trades.holding:
                self._catch_up_trades(follower)

    def _catch_up_trades(self, follower: _Follower) -> None:
        """Fetch the upstream's recent trades: those printed while away fill resting orders."""
        from twisted.internet import threads
        feed = follower.trades
        generation = feed.generation
        d = threads.deferToThreadPool(self._reactor, self._reactor.getThreadPool(),
                                      self._client.get_recent_trades, symbol=follower.symbol,
                                      limit=CATCH_UP_LIMIT)

        def failed(failure: Any) -> None:
            log.warning('the mirror could not fetch the %s trades it missed: %s',
                        follower.symbol, failure.getErrorMessage())
            feed.release(generation)
        d.addCallbacks(lambda rows: feed.catch_up(rows, generation), failed)

    # -- upstream events (reactor thread) -----------------------------------------

    def _on_upstream(self, msg: Any) -> None:
        if not isinstance(msg, dict) or 'data' not in msg:
            if isinstance(msg, dict) and msg.get('e') == 'error':
                log.warning('the mirror lost its upstream: %s', msg.get('m'))
            return
        data = msg['data']
        stream = str(msg.get('stream', ''))
        symbol = stream.split('@', 1)[0].upper()
        follower = self.followers.get(symbol)
        if follower is None or not isinstance(data, dict):
            return
        try:
            if stream.endswith('@trade'):
                follower.trades.on_live(data)
                self.streams.on_market_event('trade', symbol, data)
            elif stream.endswith('@aggTrade'):
                self.streams.on_market_event('aggTrade', symbol, data)
            elif '@depth' in stream:
                self._on_depth(follower, data)
                self.streams.on_market_event('depthUpdate', symbol, data)
        except Exception:
            log.exception('the mirror failed on an upstream %s event', stream)

    def _on_depth(self, follower: _Follower, event: Dict[str, Any]) -> None:
        result = follower.sync.on_event(event)
        if result == DepthCacheSync.APPLIED:
            with self.market.lock:
                sym = self.market.symbol_state(follower.symbol)
                for side, key in ((_BUY, 'b'), (_SELL, 'a')):
                    for price, qty in event.get(key, ()):
                        self._set_level(sym, side, Decimal(price), Decimal(qty))
                self._settle_ids(sym, follower)
        elif result == DepthCacheSync.RESYNC:
            follower.resyncs += 1
            self._drop_script_streams(follower.symbol)
            self._request_snapshot(follower)
        elif result == DepthCacheSync.BUFFERED:
            self._request_snapshot(follower)

    def _set_level(self, sym: Any, side: str, price: Decimal, qty: Decimal) -> None:
        book = sym.book
        for order in book.level(side, price):
            if order.owner is None:
                book.remove(order)
        if qty > 0:
            self.market.quote(sym.spec.symbol, side, price, qty)

    @staticmethod
    def _settle_ids(sym: Any, follower: _Follower) -> None:
        """The local book at the upstream's update id; its own change log emptied."""
        sym.book.take_changes()
        if follower.sync.last_update_id is not None:
            sym.book.update_id = follower.sync.last_update_id

    def _rebuild(self, follower: _Follower) -> None:
        with self.market.lock:
            sym = self.market.symbol_state(follower.symbol)
            for side in (_BUY, _SELL):
                for order in sym.book.orders(side):
                    if order.owner is None:
                        sym.book.remove(order)
            for side, levels in ((_BUY, follower.cache.get_bids()),
                                 (_SELL, follower.cache.get_asks())):
                for price, qty in levels:
                    self._set_level(sym, side, Decimal(price), Decimal(qty))
            self._settle_ids(sym, follower)

    def _request_snapshot(self, follower: _Follower, delay: Optional[float] = None) -> None:
        if follower.snapshot_pending or self._bm is None and self._client is None:
            return
        follower.snapshot_pending = True
        wait = follower.sync.retry_delay if delay is None else delay
        self._reactor.callLater(wait, self._fetch_snapshot, follower)

    def _fetch_snapshot(self, follower: _Follower) -> None:
        from twisted.internet import threads
        if self._client is None:
            follower.snapshot_pending = False
            return
        epoch = follower.epoch
        d = threads.deferToThreadPool(self._reactor, self._reactor.getThreadPool(),
                                      self._client.get_order_book, symbol=follower.symbol,
                                      limit=SNAPSHOT_LIMIT)
        d.addCallbacks(lambda snapshot: self._on_snapshot(follower, snapshot, epoch),
                       lambda failure: self._on_snapshot_failed(follower, failure))

    def _on_snapshot(self, follower: _Follower, snapshot: Any, epoch: int) -> None:
        follower.snapshot_pending = False
        if not follower.sync.waiting_for_snapshot:
            return
        if epoch != follower.epoch:   # asked for before the latest loss: take a fresh one
            self._request_snapshot(follower, 0.0)
            return
        result = follower.sync.on_snapshot(snapshot)
        if result in (DepthCacheSync.SYNCED, DepthCacheSync.APPLIED):
            self._rebuild(follower)
        else:   # stale or a gap in the buffered events: another one, after the backoff
            self._request_snapshot(follower)

    def _on_snapshot_failed(self, follower: _Follower, failure: Any) -> None:
        follower.snapshot_pending = False
        follower.sync.note_failure()
        log.warning('the mirror could not fetch the %s snapshot: %s', follower.symbol,
                    failure.getErrorMessage())
        if self._bm is not None:
            self._request_snapshot(follower)

    def _on_trade(self, symbol: str, event: Dict[str, Any]) -> None:
        """An upstream trade: into the local tape; fills the script's orders it prints through."""
        market = self.market
        price, qty = Decimal(str(event['p'])), Decimal(str(event['q']))
        buyer_maker = bool(event.get('m'))
        with market.lock:
            sym = market.symbol_state(symbol)
            with market.transaction():
                sym.log.add(price, qty, market.now_ms(), buyer_maker, None)
                market.last_price_moved(sym)     # stops look at the new last price
                # the seller took the bids (buyer is the maker): resting buys at or above
                # the price would have been hit first; likewise sells at or below
                side = _BUY if buyer_maker else _SELL
                makers: List[Any] = []
                for level in sym.book.prices(side):   # best first, while they cross
                    if level < price if side == _BUY else level > price:
                        break
                    makers.extend(order for order in sym.book.level(side, level)
                                  if order.owner is not None)
                if not makers:
                    return
                taker = market.taker_order(sym, _SELL if side == _BUY else _BUY, qty)
                for maker in makers:
                    if not taker.is_open:
                        break
                    fill = min(maker.remaining, taker.remaining)
                    if fill > 0:
                        market.trade_between(sym, taker, maker, maker.price, fill)

    # -- REST market data (REST threads) -------------------------------------------

    def rest_routes(self, routes: Mapping[Any, Any]) -> Dict[Any, Any]:
        """The routes of :data:`PROXIED` answering from the upstream for mirrored symbols."""
        proxied = {}
        for path in PROXIED:
            route = routes.get(('GET', path))
            if route is not None:
                proxied[('GET', path)] = route._replace(
                    handler=self._proxy(path, route.handler))
        return proxied

    def _proxy(self, path: str, local: Callable[..., Any]) -> Callable[..., Any]:
        def handler(market: Any, api_key: str, params: Dict[str, Any]) -> Any:
            symbol = params.get('symbol')
            if isinstance(symbol, str) and symbol.upper() in self.followers:
                return self._upstream_get(path, params)   # without the market's lock
            with market.lock:
                return local(market, api_key, params)
        setattr(handler, 'reads', getattr(local, 'reads', ()))
        setattr(handler, 'unlocked', True)
        return handler

    def _upstream_get(self, path: str, params: Mapping[str, Any]) -> Any:
        """The upstream's answer; its errors become the same errors here."""
        import requests
        from binance.testing.market_base import MarketError
        url = self.api_url[:-len('/api')] + path
        try:
            response = self._session.get(url, params=dict(params), timeout=UPSTREAM_TIMEOUT)
        except requests.RequestException as exc:
            log.warning('the mirror could not reach %s: %s', url, exc)
            raise MarketError(-1001, 'Internal error; unable to process your request. '
                                     'Please try again.', 503) from None
        try:
            body = response.json()
        except ValueError:
            body = None
        if response.status_code == 200 and body is not None:
            return body
        if isinstance(body, dict) and 'code' in body:
            raise MarketError(int(body['code']), str(body.get('msg', '')), response.status_code)
        raise MarketError(-1001, 'Internal error; unable to process your request. '
                                 'Please try again.', 503)

    def _drop_script_streams(self, symbol: str) -> None:
        """Drop the script's connections that carry ``symbol``'s market streams."""
        prefix = symbol.lower() + '@'
        names = {name for name in self._stream_names() if name.startswith(prefix)}
        for name in sorted(names):
            self.streams.drop(name)

    def _stream_names(self) -> List[str]:
        try:
            return [name for row in self.streams.subscriptions() for name in row]
        except Exception:   # pragma: no cover - a server without the listing
            return []
