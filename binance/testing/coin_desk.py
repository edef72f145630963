"""The COIN-M part of :class:`~binance.testing.LocalExchange`, in one place.

:class:`CoinDesk` owns the COIN-M market
(:class:`~binance.testing.derivatives.coin.CoinFuturesMarket`), its REST
routes (:mod:`binance.testing.coin_futures_rest`) and its stream server
(:class:`~binance.testing.coin_futures_streams.CoinFuturesStreamServer`);
the exchange calls it at start, stop, tick and step. COIN-M's REST paths
(``/dapi/...``) share the exchange's REST port; its streams have a port of
their own (what ``BinanceSocketManager.DSTREAM_URL`` takes).

``GET /futures/data/openInterestHist`` exists on both futures hosts; on the
one local port it answers COIN-M's form (``pair`` and ``contractType``) when
``pair`` is sent, USD-M's (``symbol``) otherwise.

Since Binance's COIN-M / USD-M integration (2026-06-30) the position mode
(``dualSidePosition``) is one setting of both: ``POST /fapi/v1/positionSide/dual``
and ``POST /dapi/v1/positionSide/dual`` flip it for both, and either side's
open orders (``-4067``) or positions (``-4068``) refuse the change.
"""
from typing import Any, Callable, Dict, Optional

from binance.testing.derivatives.coin import CoinFuturesMarket
from binance.testing.market_base import MarketError

__all__ = ['CoinDesk']

_HIST = ('GET', '/futures/data/openInterestHist')


class CoinDesk:
    """The COIN-M market, routes and stream server of one local exchange.

    :param seed: the exchange's seed. :param clock: its clock (seconds).
    :param usd: the exchange's USD-M market, which shares the position mode.
    :param empty: list no contracts (a replay: COIN-M files are not replayed, so
        every COIN-M symbol is refused as unknown).
    """

    def __init__(self, seed: Any, clock: Callable[[], float], usd: Any = None, *,
                 empty: bool = False) -> None:
        #: the :class:`~binance.testing.derivatives.coin.CoinFuturesMarket`
        self.market = CoinFuturesMarket(seed, {} if empty else None, clock=clock,
                                        allow_empty=empty)
        self.usd = usd
        #: the :class:`~binance.testing.coin_futures_streams.CoinFuturesStreamServer` (once started)
        self.streams: Any = None

    def routes(self, routes: Dict[Any, Any]) -> Dict[Any, Any]:
        """``routes`` with the ``/dapi`` ones added (and the shared data path dispatching)."""
        from binance.testing.coin_futures_rest import coin_futures_routes
        from binance.testing.rest import _reading, _Route
        mine = coin_futures_routes(self.market)
        hist = mine.pop(('GET', '/futures/data/openInterestHist@dapi'))
        usd = routes.get(_HIST)
        if usd is not None:
            def handler(market: Any, api_key: str, params: Dict[str, Any]) -> Any:
                chosen = hist if 'pair' in params else usd
                return chosen.handler(market, api_key, params)
            reads = tuple(sorted(set(usd.reads) | set(hist.reads)))
            def weight(params: Dict[str, Any]) -> int:
                chosen = hist if 'pair' in params else usd
                return chosen.weight(params) if callable(chosen.weight) else chosen.weight
            mine[_HIST] = _Route(_reading(reads, handler), usd.security, weight)
        routes.update(mine)
        if self.usd is not None:
            for path, primary, other in (('/fapi/v1/positionSide/dual', self.usd, self.market),
                                         ('/dapi/v1/positionSide/dual', self.market, self.usd)):
                route = routes[('POST', path)]
                routes[('POST', path)] = route._replace(
                    handler=_reading(('dualSidePosition',), _joint_mode(primary, other)))
        return routes

    def start(self, reactor: Any, lock: Any, dispatch: Callable[[Any], Any],
              tls_options: Any, stream_options: Dict[str, Any]) -> int:
        """Share the exchange's lock, send the market's events through the reactor,
        start listening for streams; returns the stream port."""
        from binance.testing.coin_futures_streams import CoinFuturesStreamServer
        market: Any = self.market
        market.lock = lock
        market.publish_through(dispatch(market).wrap_publish)
        self.streams = CoinFuturesStreamServer(self.market, reactor=reactor,
                                               tls_options=tls_options, **stream_options)
        return int(self.streams.listen(0))

    def stop(self) -> Optional[Any]:
        """Stop the stream server (a Deferred, or ``None`` when it never started)."""
        streams, self.streams = self.streams, None
        return streams.stop() if streams is not None and streams.port is not None else None

    def run_timers(self) -> None:
        """Fire the market's countdowns and conditional orders when any is due."""
        if self.market.has_timers():
            self.market.run_timers()

    def tick(self) -> None:
        """One step of the simulation, once someone has used COIN-M."""
        if self.market.active:
            self.market.step()


def _joint_mode(primary: Any, other: Any) -> Callable[[Any, str, Dict[str, Any]], Any]:
    """``POST .../positionSide/dual`` on ``primary`` that also checks and flips ``other``
    (the REST server calls it holding the markets' lock)."""
    def handler(_: Any, api_key: str, params: Dict[str, Any]) -> Any:
        primary.active = True
        value = str(params.get('dualSidePosition')).lower()
        mine = primary.ledger.accounts.get(api_key)
        theirs = other.ledger.accounts.get(api_key)
        if theirs is not None and mine is not None and value in ('true', 'false') \
                and (value == 'true') != mine.dual:
            if theirs.open_records() or other.algo.has_open(api_key):
                raise MarketError(-4067, 'Position side cannot be changed if there exists open '
                                         'orders.')
            if any(p.amount for p in theirs.positions.values()):
                raise MarketError(-4068, 'Position side cannot be changed if there exists '
                                         'position.')
        result = primary.f_change_position_mode(api_key, params.get('dualSidePosition'))
        if theirs is not None and mine is not None:
            theirs.dual = mine.dual
        return result
    return handler
