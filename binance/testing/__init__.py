"""A local Binance-compatible exchange, for tests and offline runs of trading scripts.

:class:`LocalExchange` runs, on loopback, a real HTTP(S) REST server
(:mod:`binance.testing.rest`, served from threads of its own by
:mod:`binance.testing.rest_server`, so it answers even while a stream
callback blocks the reactor) and, on the process's shared reactor thread
(:mod:`binance._reactor`), a real WebSocket stream server
(:mod:`binance.testing.streams`) over one simulated :class:`Market`
(:mod:`binance.testing.market`). It checks signatures like Binance, records
every REST request, and can be scripted to fail requests or misbehave on
streams.

Example::

    from binance.testing import LocalExchange

    with LocalExchange(seed=1, tick=None) as ex:
        client = ex.client()
        client.get_order_book(symbol='BNBBTC')
        ex.step(10)                                   # let simulated traders trade
        ex.fail_next('/api/v3/depth', status=429)     # the next depth request gets a 429
        ex.call(ex.market.depth, 'BNBBTC', 5)         # the truth, read on the reactor thread

    # run an unmodified script offline, to its natural end (e.g. reactor.stop())
    run_offline('my_trading_script.py')

From a shell: ``python -m binance.testing`` (see :mod:`binance.testing.__main__`).
"""
import collections
import contextlib
import functools
import logging
import os
import threading
from typing import Any, Callable, Dict, Iterator, List, Mapping, Optional, Sequence

from binance import _reactor
from binance.testing.futures_market import FuturesMarket
from binance.testing.market import Market, MarketError
from binance.testing.keys import make_key_pair
from binance.testing.market_base import DEFAULT_SYMBOLS
from binance.testing.rest import RecordedRequest, RestResource

__all__ = ['LocalExchange', 'Market', 'FuturesMarket', 'MarketError', 'RecordedRequest',
           'DEFAULT_BALANCES', 'DEFAULT_SYMBOLS', 'make_key_pair', 'run_offline']

log = logging.getLogger(__name__)

#: Balances of the default account unless ``balances`` is given; assets of
#: other configured symbols get 1000.
DEFAULT_BALANCES: Dict[str, str] = {
    'BTC': '10', 'USDT': '100000', 'BNB': '1000', 'ETH': '100', 'NEO': '1000', 'LTC': '1000'}


#: Symbols the ticker moves per tick; a bigger market moves them in turn.
TICK_SYMBOLS = 200
#: Seconds between two looks at the futures timers (countdown cancel-all, algo triggers);
#: Binance checks its countdowns about every 10 ms.
FUTURES_TIMER_INTERVAL = 0.05


class _ReactorDispatch:
    """Hands a market's events to the reactor thread, in the order the market made them.

    ``dispatch(events)`` (a market's :attr:`~binance.testing.market.Market.dispatch`)
    and :meth:`publish` queue their work; the reactor thread runs the queue in
    order: at once when they are called on it, else as soon as it is free. So
    events made by a REST thread (an order placed) reach the stream servers on
    the reactor thread, which alone touches their sockets, and never overtake
    or fall behind the events of the market's own steps.
    """

    def __init__(self, market: Any, reactor: Any) -> None:
        self._market = market
        self._reactor = reactor
        self._queue: collections.deque = collections.deque()
        self._lock = threading.Lock()
        self._draining = False

    def __call__(self, events: List[Any]) -> None:
        self._enqueue(functools.partial(self._market.deliver, events))

    def wrap_publish(self, publish: Callable[..., Any]) -> Callable[..., Any]:
        """A ``publish(kind, key, payload)`` that goes through the same queue."""
        def ordered(*args: Any) -> None:
            self._enqueue(functools.partial(publish, *args))
        return ordered

    def _enqueue(self, work: Callable[[], Any]) -> None:
        with self._lock:
            self._queue.append(work)
        if _reactor.in_reactor_thread():
            self.drain()
        else:
            self._reactor.callFromThread(self.drain)

    def drain(self) -> None:
        """Run every queued delivery (reactor thread; re-entrant calls return at once)."""
        if self._draining or not self._queue:
            return
        self._draining = True
        try:
            while True:
                with self._lock:
                    if not self._queue:
                        return
                    work = self._queue.popleft()
                try:
                    work()
                except Exception:
                    log.exception('the local exchange failed to deliver market events')
        finally:
            self._draining = False


class LocalExchange:
    """A Binance-compatible REST + WebSocket exchange on 127.0.0.1 (see the module docs).

    :param seed: seed of the simulated market (same seed, same market).
    :param symbols: symbols traded (see :class:`~binance.testing.market.Market`),
        e.g. ``symbols=300`` for 300 of them. With more than :data:`TICK_SYMBOLS`,
        each tick moves that many in turn (:meth:`Market.step_some
        <binance.testing.market.Market.step_some>`).
    :param tls: serve ``https://`` and ``wss://`` with a generated CA (:attr:`ca_file`).
    :param tls_hostnames: names in the server certificate.
    :param tick: seconds between automatic market steps; ``None`` disables them
        (tests then drive the market with :meth:`step`).
    :param listen_keys: ``False`` (default) answers ``/api/v3/userDataStream`` with
        HTTP 410 Gone, as binance.com has since 2026-02-20 (user data only through
        the WebSocket API); ``True`` serves Spot listen keys (the original flow).
    :param api_key: API key of the default account; :param api_secret: its secret.
    :param balances: ``{asset: amount}`` of the default account (default
        :data:`DEFAULT_BALANCES`).
    :param futures_balances: the default account's USD-M futures wallet
        (default ``{'USDT': '100000'}``).
    :param ping_interval: seconds between the stream server's pings;
        :param pong_timeout: seconds it waits for a pong;
        :param max_connection_age: seconds after which it closes a connection.
    :param stream_period_scale: factor on the period of the timer-driven
        streams of every stream server (spot, USD-M, COIN-M: tickers, mark
        prices, klines, partial depth, average price). ``1.0`` (default) is
        Binance's cadence; ``0.1`` sends ``<symbol>@markPrice@1s`` every
        0.1 s, for tests and quick demos that should not wait a second for
        each message.
    :param clock_offset: seconds the exchange's clock runs ahead of this
        machine's (negative: behind); see :attr:`clock_offset`.
    :param mirror: paper trading on live prices: follow an upstream exchange's
        market for ``symbols`` (names; default the five default symbols) and
        match the accounts' orders locally against it (:mod:`binance.testing.mirror`).
    :param upstream: the upstream of ``mirror``: ``None`` for Binance, or
        ``'API_URL,STREAM_URL'`` / ``(api_url, stream_url)``, e.g. another
        local exchange's :attr:`api_url` and :attr:`stream_url`.
    :param replay: data.binance.vision files (zip or csv of trades, aggTrades,
        klines or bookTicker, spot or USD-M futures), directories of them or recordings: the
        exchange replays them instead of simulating (its symbols, clock,
        streams, market data and fills come from the files, and its USD-M and
        COIN-M markets list only the files' contracts; see
        :mod:`binance.testing.replay` and the "Backtest" docs). ``tick`` is
        then ignored.
    :param speed: a replay's pace, replay seconds per second; ``0`` (default)
        is lockstep: the next event only once the script's callbacks returned.

    :ivar market: the :class:`~binance.testing.market.Market`; touch it on the
        reactor thread only, e.g. ``ex.call(ex.market.depth, 'BNBBTC', 100)``.
    :ivar futures: the :class:`~binance.testing.futures_market.FuturesMarket`
        (USD-M perpetuals, served on ``/fapi``); reactor thread only, like ``market``.
        The ticker steps it once a futures request or stream connection arrived
        (``futures.active``); :meth:`step` always steps it.
    :ivar coin_futures: the COIN-M
        :class:`~binance.testing.derivatives.coin.CoinFuturesMarket` (inverse
        contracts, served on ``/dapi`` and :attr:`dstream_url`), stepped like
        ``futures``; its default wallet is ``{'BTC': '10', 'ETH': '100'}``.
    :ivar margin: the :class:`~binance.testing.margin.MarginDesk` (cross margin
        and transfers on ``/sapi``); reactor thread only.
    :ivar subaccounts: the :class:`~binance.testing.subaccounts.SubAccountDesk`
        (sub-accounts of master accounts, ``/sapi/.../sub-account/...``); reactor thread only.
    :ivar wallet_extras: the :class:`~binance.testing.wallet_extras.WalletExtras`
        (coin information, snapshots, dividends ...); reactor thread only.
    :ivar streams: the :class:`~binance.testing.streams.StreamServer` (after
        :meth:`start`); its scripting methods are safe from any thread.
    :ivar fstreams: the USD-M
        :class:`~binance.testing.futures_streams.FuturesStreamServer` (after
        :meth:`start`; routed paths ``/public``, ``/market``, ``/private``).
    """

    def __init__(self, seed: Any = 0, *, symbols: Any = None, tls: bool = False,
                 tls_hostnames: Sequence[str] = ('localhost', '127.0.0.1'),
                 tick: Optional[float] = 0.1, listen_keys: bool = False,
                 api_key: str = 'local-api-key', api_secret: str = 'local-api-secret',
                 balances: Optional[Mapping[str, Any]] = None, ping_interval: float = 20.0,
                 pong_timeout: float = 60.0, max_connection_age: float = 86400.0,
                 clock_offset: float = 0.0,
                 futures_balances: Optional[Mapping[str, Any]] = None,
                 mirror: bool = False, upstream: Any = None, replay: Any = None,
                 speed: float = 0.0, stream_period_scale: float = 1.0) -> None:
        if tick is not None and (isinstance(tick, bool) or not isinstance(tick, (int, float))
                                 or tick <= 0):
            raise ValueError('tick must be a positive number of seconds or None, got {!r}'
                             .format(tick))
        from binance.testing.streams import check_period_scale
        check_period_scale(stream_period_scale, 'stream_period_scale')
        if isinstance(tls_hostnames, str) or not tls_hostnames:
            raise ValueError('tls_hostnames must be a non-empty sequence of host names, got {!r}'
                             .format(tls_hostnames))
        for name, value in (('api_key', api_key), ('api_secret', api_secret)):
            if not isinstance(value, str) or not value:
                raise ValueError('{} must be a non-empty string'.format(name))
        # paper trading: the market's symbols and prices come from the upstream
        self.mirror: Any = None
        mirror_source = None
        if mirror or upstream is not None:
            from binance.testing.mirror import mirror_settings
            mirror_source, symbols = mirror_settings(mirror, upstream, symbols)
        self.seed = seed
        self.tls = bool(tls)
        self.tls_hostnames = tuple(tls_hostnames)
        self.tick = tick
        self.listen_keys = bool(listen_keys)
        self.api_key = api_key
        self._api_secret = api_secret
        self._stream_options: Dict[str, Any] = dict(
            ping_interval=ping_interval, pong_timeout=pong_timeout,
            max_connection_age=max_connection_age, period_scale=stream_period_scale)
        #: the :class:`~binance.testing.replay.Replay` of ``replay=`` (else ``None``)
        self.replay: Any = None
        if replay is not None:
            from binance.testing.replay import Replay
            if mirror_source is not None:
                raise ValueError('mirror= and replay= do not go together: a replay trades '
                                 'the prices of its files, a mirror those of its upstream')
            if symbols is not None:
                raise ValueError('symbols= and replay= do not go together: a replay trades '
                                 'the symbols of its files')
            self.replay = Replay(replay, speed)
            self.tick = tick = None          # the data moves the market, not the simulation
            self.market = Market(seed, self.replay.symbols, clock=self.replay.clock, history=0,
                                 allow_empty=True)   # USD-M files only: no spot symbols
        else:
            if speed != 0.0:
                raise ValueError('speed= is the pace of a replay; give replay=[files] with it')
            self.market = Market(seed, symbols)
            if mirror_source is not None:
                from binance.testing.mirror import Mirror
                self.mirror = Mirror(self.market, *mirror_source)
        self._set_offset(clock_offset)
        if balances is None:
            assets = {a for name in self.market.symbols
                      for a in (name[:len(name) - len(self._quote(name))], self._quote(name))}
            balances = {asset: DEFAULT_BALANCES.get(asset, '1000') for asset in sorted(assets)}
        self.market.add_account(api_key, api_secret, balances)
        if self.replay is not None:   # USD-M from the files: none without USD-M files
            self.futures = FuturesMarket(seed, self.replay.futures_symbols,
                                         clock=self.market.clock, history=0, allow_empty=True)
            if futures_balances is None:
                from binance.testing.replay.futures_desk import default_wallet
                futures_balances = default_wallet(self.replay.futures_symbols)
        else:
            self.futures = FuturesMarket(seed, clock=self.market.clock)
        if self.replay is not None:
            self.replay.attach(self.market, self.futures)
        self.futures.clock_offset_ms = self.market.clock_offset_ms
        self.futures.add_account(api_key, api_secret, futures_balances)
        from binance.testing.coin_desk import CoinDesk
        # a replay lists no COIN-M contracts: COIN-M files are not replayed
        self.coin = CoinDesk(seed, self.market.clock, usd=self.futures,
                             empty=self.replay is not None)
        #: the COIN-M :class:`~binance.testing.derivatives.coin.CoinFuturesMarket`
        self.coin_futures = self.coin.market
        self.coin_futures.clock_offset_ms = self.market.clock_offset_ms
        self.coin_futures.add_account(api_key, api_secret, None)
        from binance.testing.margin import MarginDesk
        self.margin = MarginDesk(self.market, self.futures)
        self.margin.coin_futures = self.coin_futures
        from binance.testing.subaccounts import SubAccountDesk
        from binance.testing.wallet_extras import WalletExtras
        self.subaccounts = SubAccountDesk(self.market, self.futures, self.margin)
        self.wallet_extras = WalletExtras(self.market, self.futures, self.margin)
        self.streams: Any = None
        self.fstreams: Any = None
        self._rest: Optional[RestResource] = None
        from binance.testing.rate_limits import ExchangeLimits
        #: REST rate limits, per family (``rate_limits.spot``, ``rate_limits.futures``):
        #: :class:`~binance.testing.rate_limits.ExchangeLimits` (thread-safe).
        self.rate_limits = ExchangeLimits(self.market.now_ms)
        self._rest_server: Any = None
        self._ticker: Any = None
        self._timers: Any = None
        self._material: Any = None
        self._host = '127.0.0.1'
        if self.tls and '127.0.0.1' not in self.tls_hostnames and 'localhost' in self.tls_hostnames:
            self._host = 'localhost'
        self._ports: Optional[Dict[str, int]] = None

    @property
    def clock_offset(self) -> float:
        """Seconds the exchange's clock (``serverTime``, the ``timestamp`` checks
        of REST and WebSocket API, event times) runs ahead of this machine's.

        Set it from any thread, e.g. ``ex.clock_offset = -3.0`` for a server 3 s behind.
        """
        return self.market.clock_offset_ms / 1000.0

    @clock_offset.setter
    def clock_offset(self, seconds: float) -> None:
        if self._ports is None:
            self._set_offset(seconds)
        else:
            self.call(self._set_offset, seconds)

    def _set_offset(self, seconds: float) -> None:
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) \
                or seconds != seconds or abs(seconds) == float('inf'):
            raise ValueError('clock_offset must be a finite number of seconds, got {!r}'.format(
                seconds))
        self.market.clock_offset_ms = int(round(seconds * 1000))
        for name in ('futures', 'coin_futures'):   # one exchange clock: spot, USD-M, COIN-M
            derivatives = getattr(self, name, None)
            if derivatives is not None:
                derivatives.clock_offset_ms = self.market.clock_offset_ms

    def _quote(self, symbol: str) -> str:
        info = self.market.exchange_info(symbol=symbol)['symbols'][0]
        return info['quoteAsset']

    @property
    def api_secret(self) -> str:
        """The default account's secret."""
        return self._api_secret

    def __repr__(self) -> str:
        state = 'stopped' if self._ports is None else 'rest={} streams={}'.format(
            self.api_url, self.stream_url)
        return '<LocalExchange seed={!r} {}>'.format(self.seed, state)

    # -- lifecycle -------------------------------------------------------------------

    def start(self, *, rest_port: int = 0, stream_port: int = 0) -> 'LocalExchange':
        """Start listening (ephemeral ports by default) and the market ticker.

        Starts the shared reactor thread if nothing runs the reactor yet.
        Calling it again while running does nothing.

        :returns: ``self``.
        """
        if self._ports is not None:
            return self
        _reactor.ensure_running()
        _reactor.blocking_call(self._start_on_reactor, rest_port, stream_port)
        if self.mirror is not None:
            self.mirror.start(self.streams, _reactor.get_reactor(), self._rest)
        return self

    def _start_on_reactor(self, rest_port: int, stream_port: int) -> None:
        from twisted.internet import reactor as _installed
        reactor: Any = _installed
        from twisted.internet.task import LoopingCall

        from binance.testing.streams import StreamServer
        tls_options = None
        if self.tls:
            from binance.testing.tls import make_tls_material, server_tls_options
            self._material = make_tls_material(hostnames=self.tls_hostnames)
            tls_options = server_tls_options(self._material)
        from binance.testing.rest_server import RestServer
        self._rest = RestResource(self.market, listen_keys=self.listen_keys, reactor=reactor,
                                  routes=self._routes(), limits=self.rate_limits)
        # one lock for the whole exchange: REST threads (spot, futures, margin
        # routes) and the reactor thread take turns on the markets
        self._rest.lock = self.market.lock
        self.futures.lock = self.market.lock
        self._dispatch = self.market.dispatch = _ReactorDispatch(self.market, reactor)
        # the futures engine updates its accounts from its own listener at once;
        # only what it publishes to the futures stream server goes to the reactor
        self._futures_dispatch = _ReactorDispatch(self.futures, reactor)
        self.futures.publish_through(self._futures_dispatch.wrap_publish)
        # REST in threads of its own: answered even while a callback blocks the reactor
        self._rest_server = RestServer(
            self._rest, rest_port,
            cert_file=self._material.cert_file if self._material is not None else None,
            key_file=self._material.key_file if self._material is not None else None)
        try:
            self.streams = StreamServer(self.market, reactor=reactor, tls_options=tls_options,
                                        **self._stream_options)
            streams_port = self.streams.listen(stream_port)
            self.streams.listen_token_owner = self.margin.token_owner
            from binance.testing.futures_streams import FuturesStreamServer
            self.fstreams = FuturesStreamServer(self.futures, reactor=reactor,
                                                tls_options=tls_options, **self._stream_options)
            fstreams_port = self.fstreams.listen(0)
            dstreams_port = self.coin.start(
                reactor, self.market.lock, lambda m: _ReactorDispatch(m, reactor),
                tls_options, self._stream_options)
        except Exception:
            self._rest_server.stop()
            if self.streams is not None and self.streams.port is not None:
                self.streams.stop()
            raise
        self._ports = {'rest': self._rest_server.port, 'streams': streams_port,
                       'fstreams': fstreams_port, 'dstreams': dstreams_port}
        if self.replay is not None:
            self._wire_replay(reactor)
        # countdown cancel-alls and conditional orders run on the exchange's clock
        self._timers = LoopingCall(self._run_futures_timers)
        self._timers.clock = reactor
        self._timers.start(FUTURES_TIMER_INTERVAL, now=False)
        if self.tick is not None:
            self._ticker = LoopingCall(self._tick)
            self._ticker.clock = reactor
            self._ticker.start(self.tick, now=False)
        log.debug('local exchange listening: REST %s, streams %s', self.api_url, self.stream_url)

    def _wire_replay(self, reactor: Any) -> None:
        """The replay's tape starts at the script's first connection or request."""
        tape = self.replay.tape
        servers = (self.streams, self.fstreams)   # spot and USD-M streams: one tape
        for server in servers:
            server.lockstep = self.replay.gate
            server.timer_clock = tape.timers
        self.replay.gate.stream_url = self.stream_url
        # a hand-off flush delivers the events of REST calls made in a callback
        self.replay.gate.drains.append(self._dispatch.drain)
        self.replay.gate.drains.append(self._futures_dispatch.drain)
        # trades, aggTrades and depth updates are formatted only where streams read them
        self.market.wants = self.streams.wants
        self.futures.wants = self.fstreams.wants
        from binance.testing.replay.listen_keys import expire_in_replay_time
        self.replay.gate.drains.append(expire_in_replay_time(
            reactor, tape.timers, (self.market, self.futures, self.coin_futures)))
        rest = self._rest

        def begin() -> None:
            tape.begin(reactor)
            for server in servers:
                server.on_connection = None

        def begin_from_rest() -> None:
            if rest is not None:
                rest.on_request = None
            reactor.callFromThread(begin)

        def rest_only() -> None:
            if not tape.started:
                log.warning('replay at speed 0 (lockstep) starts with the first stream the '
                            'script opens; for a script polling REST only, give a speed '
                            '(--speed 60: a replay minute per second)')
        for server in servers:
            server.on_connection = begin
        if rest is not None:
            if tape.speed:
                rest.on_request = begin_from_rest
            else:   # lockstep: the script's first stream starts it, not a request
                def first_request() -> None:
                    rest.on_request = None
                    reactor.callFromThread(reactor.callLater, 5.0, rest_only)
                rest.on_request = first_request

    def _routes(self) -> Dict[Any, Any]:
        from binance.testing.futures_rest import futures_routes
        from binance.testing.margin_rest import margin_routes
        from binance.testing.rest import ROUTES
        routes = dict(ROUTES)
        routes.update(futures_routes(self.futures))
        routes.update(margin_routes(self.margin))
        from binance.testing.subaccounts import subaccount_routes
        from binance.testing.wallet_extras import wallet_extra_routes
        routes.update(subaccount_routes(self.subaccounts))
        routes.update(wallet_extra_routes(self.wallet_extras))
        routes = self.coin.routes(routes)
        if self.mirror is not None:   # market data of the mirrored symbols: the upstream's
            routes.update(self.mirror.rest_routes(routes))
        return routes

    def _run_futures_timers(self) -> None:
        if not (self.futures.has_timers() or self.coin_futures.has_timers()):
            return   # nothing due: leave the markets' lock alone
        try:
            if self.futures.has_timers():
                self.futures.run_timers()
            self.coin.run_timers()
        except Exception:
            log.exception('the futures timers failed')

    def _tick(self) -> None:
        try:
            if self.mirror is not None:   # the upstream moves the market
                self.mirror.tick()
            else:
                self.market.step_some(TICK_SYMBOLS)
            if self.futures.active:   # simulated only once someone uses futures
                self.futures.step()
            self.coin.tick()
        except Exception:
            log.exception('the market simulation failed a step')

    def stop(self) -> None:
        """Stop the ticker, both servers and every open connection (idempotent).

        Works after ``reactor.stop()`` too (a script that stopped the reactor
        inside ``with exchange, exchange.install():``): the REST server is
        stopped from the calling thread, and the reactor's part is skipped
        once the reactor has stopped, instead of waiting for it forever.
        """
        if self._ports is None:
            return
        if self.mirror is not None:
            self.mirror.stop()
        if self._rest_server is not None:
            self._rest_server.stop()  # its own threads: no reactor needed
        if _reactor.in_reactor_thread():
            self._stop_on_reactor()
            return
        if not _reactor.is_running() or _reactor.has_stopped():
            self._ports = None
            return
        done = threading.Event()

        def run() -> None:
            from twisted.internet import defer
            defer.maybeDeferred(self._stop_on_reactor).addBoth(lambda _: done.set())
        _reactor.get_reactor().callFromThread(run)
        while not done.wait(0.05):
            if _reactor.has_stopped():  # reactor.stop() came first: nothing left to wait for
                self._ports = None
                return

    def _stop_on_reactor(self) -> Any:
        from twisted.internet import defer
        if self.replay is not None and self.replay.tape is not None:
            self.replay.tape.stop()
        if self._ticker is not None and self._ticker.running:
            self._ticker.stop()
        self._ticker = None
        if self._timers is not None and self._timers.running:
            self._timers.stop()
        self._timers = None
        waits = []
        if self._rest_server is not None:
            self._rest_server.stop()  # closes keep-alive connections too
            self._rest_server = None
        if self._rest is not None:
            self._rest.cancel_pending()
        if self.streams is not None:
            waits.append(defer.maybeDeferred(self.streams.stop))
        if self.fstreams is not None:
            waits.append(defer.maybeDeferred(self.fstreams.stop))
        waits.append(defer.maybeDeferred(self.coin.stop))
        self._ports = None
        return defer.gatherResults(waits, consumeErrors=True).addCallback(lambda _: None)

    def __enter__(self) -> 'LocalExchange':
        return self.start()

    def __exit__(self, *exc_info: Any) -> None:
        self.stop()

    # -- addresses -------------------------------------------------------------------

    def _port(self, which: str) -> int:
        if self._ports is None:
            raise RuntimeError('the local exchange is not running; call start() first')
        return self._ports[which]

    @property
    def api_url(self) -> str:
        """REST base, e.g. ``http://127.0.0.1:PORT/api`` (what ``Client.API_URL`` takes)."""
        scheme = 'https' if self.tls else 'http'
        return '{}://{}:{}/api'.format(scheme, self._host, self._port('rest'))

    @property
    def futures_api_url(self) -> str:
        """USD-M REST base, e.g. ``http://127.0.0.1:PORT/fapi`` (what ``Client.FUTURES_URL`` takes)."""
        return self.api_url[:-len('/api')] + '/fapi'

    @property
    def coin_futures_api_url(self) -> str:
        """COIN-M REST base, e.g. ``http://127.0.0.1:PORT/dapi`` (what
        ``Client.FUTURES_COIN_URL`` takes)."""
        return self.api_url[:-len('/api')] + '/dapi'

    @property
    def dstream_url(self) -> str:
        """COIN-M stream base, e.g. ``ws://127.0.0.1:PORT/`` (what ``DSTREAM_URL`` takes)."""
        scheme = 'wss' if self.tls else 'ws'
        return '{}://{}:{}/'.format(scheme, self._host, self._port('dstreams'))

    @property
    def stream_url(self) -> str:
        """Stream base, e.g. ``ws://127.0.0.1:PORT/`` (what ``STREAM_URL`` takes)."""
        scheme = 'wss' if self.tls else 'ws'
        return '{}://{}:{}/'.format(scheme, self._host, self._port('streams'))

    @property
    def fstream_url(self) -> str:
        """USD-M stream base, e.g. ``ws://127.0.0.1:PORT/`` (what ``FSTREAM_URL`` takes);
        its routes are ``public/``, ``market/`` and ``private/``."""
        scheme = 'wss' if self.tls else 'ws'
        return '{}://{}:{}/'.format(scheme, self._host, self._port('fstreams'))

    @property
    def ws_api_url(self) -> str:
        """WebSocket API URL, e.g. ``ws://127.0.0.1:PORT/ws-api/v3``."""
        return self.stream_url + 'ws-api/v3'

    @property
    def futures_ws_api_url(self) -> str:
        """USD-M futures WebSocket API URL, e.g. ``ws://127.0.0.1:PORT/ws-fapi/v1``
        (what ``BinanceSocketManager.FUTURES_WS_API_URL`` takes)."""
        return self.fstream_url + 'ws-fapi/v1'

    @property
    def ca_file(self) -> Optional[str]:
        """PEM file of the generated CA under ``tls=True`` (after :meth:`start`), else ``None``."""
        return self._material.ca_file if self._material is not None else None

    # -- clients -----------------------------------------------------------------------

    def client(self, **kwargs: Any) -> Any:
        """A :class:`binance.client.Client` for the default account, pointed here.

        Keyword arguments go to ``Client`` (``api_key``/``api_secret`` override
        the default account's; with ``private_key`` no secret is passed);
        under TLS ``requests_params`` gets ``verify=ca_file``.
        """
        from binance.client import Client
        api_key = kwargs.pop('api_key', self.api_key)
        api_secret = kwargs.pop('api_secret',
                                None if kwargs.get('private_key') is not None else self._api_secret)
        requests_params = dict(kwargs.pop('requests_params', None) or {})
        if self.tls:
            requests_params.setdefault('verify', self.ca_file)
        client = Client(api_key, api_secret, requests_params=requests_params or None, **kwargs)
        client.API_URL = self.api_url
        client.FUTURES_URL = self.futures_api_url
        client.FUTURES_COIN_URL = self.coin_futures_api_url
        return client

    @contextlib.contextmanager
    def install(self) -> Iterator['LocalExchange']:
        """Point ``Client.API_URL`` and ``BinanceSocketManager.STREAM_URL`` /
        ``WS_API_URL`` / ``FSTREAM_URL`` / ``FUTURES_WS_API_URL`` / ``TLS_CA`` at this
        exchange; restore them on exit.

        ``Client.API_TESTNET_URL``, ``Client.API_DEMO_URL`` and
        ``Client.API_URL_TEMPLATE`` are pointed here too, so ``Client(testnet=True)``,
        ``Client(demo=True)`` and ``Client(tld='us')`` stay offline as well.

        Under TLS it also sets ``REQUESTS_CA_BUNDLE`` to :attr:`ca_file` for the
        duration, so clients created without ``requests_params`` trust the
        exchange. Use it around an unmodified script::

            with exchange.install():
                main()
        """
        patches: List[Any] = []
        try:
            from binance.client import Client
            for name in ('API_URL', 'API_TESTNET_URL', 'API_URL_TEMPLATE', 'API_DEMO_URL'):
                # the template has no '{}' left: every tld formats to this exchange
                patches.append((Client, name, self.api_url))
            for name in ('FUTURES_URL', 'FUTURES_TESTNET_URL', 'FUTURES_URL_TEMPLATE',
                         'FUTURES_DEMO_URL'):
                patches.append((Client, name, self.futures_api_url))
            for name in ('FUTURES_COIN_URL', 'FUTURES_COIN_TESTNET_URL',
                         'FUTURES_COIN_URL_TEMPLATE', 'FUTURES_COIN_DEMO_URL'):
                patches.append((Client, name, self.coin_futures_api_url))
        except ImportError:  # pragma: no cover - the package always has a client
            pass
        try:
            from binance.websockets import BinanceSocketManager
            for name, value in (('STREAM_URL', self.stream_url),
                                ('FSTREAM_URL', self.fstream_url),
                                ('FUTURES_WS_API_URL', self.futures_ws_api_url),
                                ('DSTREAM_URL', self.dstream_url),
                                ('WS_API_URL', self.ws_api_url), ('TLS_CA', self.ca_file)):
                if hasattr(BinanceSocketManager, name) and (name != 'TLS_CA' or self.tls):
                    patches.append((BinanceSocketManager, name, value))
        except ImportError:  # pragma: no cover
            pass
        saved = [(owner, name, owner.__dict__.get(name, _MISSING)) for owner, name, _ in patches]
        saved_env = os.environ.get('REQUESTS_CA_BUNDLE', _MISSING)
        for owner, name, value in patches:
            setattr(owner, name, value)
        if self.tls:
            os.environ['REQUESTS_CA_BUNDLE'] = str(self.ca_file)
        try:
            yield self
        finally:
            for owner, name, value in saved:
                if value is _MISSING:
                    delattr(owner, name)
                else:
                    setattr(owner, name, value)
            if self.tls:
                if saved_env is _MISSING:
                    os.environ.pop('REQUESTS_CA_BUNDLE', None)
                else:
                    os.environ['REQUESTS_CA_BUNDLE'] = str(saved_env)

    # -- scripting (any thread) -----------------------------------------------------------

    def call(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Run ``fn(*args, **kwargs)`` on the reactor thread and return its result."""
        return _reactor.blocking_call(fn, *args, **kwargs)

    def step(self, n: int = 1) -> None:
        """Advance the market ``n`` steps (on the reactor thread); events go out at once."""
        if isinstance(n, bool) or not isinstance(n, int) or n < 0:
            raise ValueError('n must be a non-negative int, got {!r}'.format(n))
        if self.mirror is not None:
            raise RuntimeError('this exchange mirrors its upstream, whose market moves it; '
                               'step() the upstream instead')
        self.call(self._step_both, n)

    def _step_both(self, n: int) -> None:
        self.market.step(n)
        self.futures.step(n)
        self.coin_futures.step(n)

    def add_account(self, api_key: str, api_secret: Optional[str] = None,
                    balances: Optional[Mapping[str, Any]] = None, *,
                    public_key: Any = None) -> None:
        """Add an account (or reset its balances) on the market.

        :param api_secret: the secret of an HMAC API key, or
        :param public_key: the public key (PEM) of an Ed25519 or RSA API key
            (see :func:`make_key_pair`); the exchange then verifies that key's
            signatures on REST and on the WebSocket API.
        """
        self.call(self.market.add_account, api_key, api_secret, balances, public_key=public_key)
        # the same key trades USD-M futures with the default futures wallet
        # (``ex.call(ex.futures.add_account, ...)`` sets another)
        self.call(self.futures.add_account, api_key, api_secret, None, public_key=public_key)
        self.call(self.coin_futures.add_account, api_key, api_secret, None,
                  public_key=public_key)

    def add_sub_account(self, master_api_key: Optional[str] = None, email: Optional[str] = None,
                        *, api_key: Optional[str] = None, api_secret: Optional[str] = None,
                        public_key: Any = None, balances: Optional[Mapping[str, Any]] = None,
                        futures_balances: Optional[Mapping[str, Any]] = None,
                        margin: bool = False) -> str:
        """Add a sub-account to a master account; returns its email.

        :param master_api_key: the master account (default: the default account).
        :param email: default ``sub<n>@local.binance.test``.
        :param api_key: the sub-account's own API key, with ``api_secret``
            (HMAC) or ``public_key`` (Ed25519/RSA): a client made with it trades
            the sub-account. Without one the sub-account is reached through
            the master's endpoints only, like a virtual sub-account.
        :param balances: its spot wallet, ``{asset: amount}``.
        :param futures_balances: enables its USD-M futures account with this wallet.
        :param margin: enable its cross margin account.
        :raises ValueError: for an email or API key in use, or bad balances.
        """
        return self.call(self.subaccounts.add, master_api_key or self.api_key, email, api_key,
                         api_secret, public_key, dict(balances or {}),
                         None if futures_balances is None else dict(futures_balances), margin)

    def pay_dividend(self, api_key: str, asset: str, amount: Any, info: str = '') -> Dict[str, Any]:
        """Credit an asset distribution (an airdrop) to ``api_key``'s spot wallet.

        It appears in ``GET /sapi/v1/asset/assetDividend``
        (``client.get_asset_dividend_history()``); returns that row.
        """
        return self.call(self.wallet_extras.pay_dividend, api_key, asset, amount, info)

    @property
    def requests(self) -> List[RecordedRequest]:
        """Every REST request received so far (a copy), oldest first."""
        return self._rest.requests if self._rest is not None else []

    def clear_requests(self) -> None:
        """Forget the recorded REST requests."""
        if self._rest is not None:
            self._rest.clear_requests()

    def fail_next(self, path: str, status: Optional[int] = None, body: Any = None,
                  headers: Optional[Dict[str, str]] = None, delay: Optional[float] = None,
                  count: int = 1) -> None:
        """Script the answer of the next ``count`` requests to ``path``.

        See :meth:`binance.testing.rest.RestResource.fail_next`, e.g.
        ``ex.fail_next('/api/v3/depth', status=429, headers={'Retry-After': '3'})``,
        ``ex.fail_next('/api/v3/ping', status=502)`` (an HTML body) or
        ``ex.fail_next('/api/v3/time', delay=5)`` (longer than a client's timeout).
        """
        if self._rest is None:
            raise RuntimeError('the local exchange is not running; call start() first')
        self._rest.fail_next(path, status, body, headers, delay, count)

    def fail_next_ws_api(self, method: str, status: int = 429, code: Optional[int] = None,
                         msg: Optional[str] = None, data: Any = None, count: int = 1) -> None:
        """Answer the next ``count`` WebSocket API requests of ``method`` with an error.

        E.g. ``ex.fail_next_ws_api('order.place', status=429)`` answers like
        Binance over its weight limit (code -1003, ``error.data.retryAfter``);
        see :func:`binance.testing.streams_wsapi.fail_next`.
        """
        from binance.testing import streams_wsapi
        if self.streams is None:
            raise RuntimeError('the local exchange is not running; call start() first')
        streams_wsapi.fail_next(self.streams, method, status, code, msg, data, count)

    def terminate_user_streams(self, api_key: Optional[str] = None, logout: bool = False) -> int:
        """End the WebSocket API user data subscriptions of ``api_key`` (``None``: all).

        Each gets ``eventStreamTerminated``, as when Binance ends a
        subscription; ``logout=True`` also logs the sessions out (a
        server-side ``session.logout``). Returns how many ended.
        """
        from binance.testing import streams_wsapi
        if self.streams is None:
            raise RuntimeError('the local exchange is not running; call start() first')
        return self.call(streams_wsapi.terminate_user_streams, self.streams, api_key, logout)


_MISSING = object()


def run_offline(target: Any, args: Optional[Sequence[str]] = None, **exchange_options: Any) -> int:
    """Run a script or callable against a local exchange to its natural end.

    See :func:`binance.testing.offline.run_offline`.
    """
    from binance.testing.offline import run_offline as run
    return run(target, args, **exchange_options)
