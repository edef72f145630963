"""The local exchange's USD-M futures stream server (``fstream``), with routed paths.

Since 2026-04-23 Binance serves USD-M streams on three routes, and
:class:`FuturesStreamServer` does the same:

* ``/public/ws/<s>``, ``/public/stream?streams=...``: high-frequency book data
  (``<s>@depth[@100ms|@250ms|@500ms]``, ``<s>@depth<5|10|20>[@...]``,
  ``<s>@bookTicker``, ``!bookTicker``);
* ``/market/...``: everything else public (``<s>@aggTrade``,
  ``<s>@markPrice[@1s]``, ``!markPrice@arr[@1s]``, ``<s>@kline_<i>``,
  ``<s>@ticker``, ``!ticker@arr``, ``<s>@miniTicker``, ``!miniTicker@arr``);
* ``/private/ws/<listenKey>``: user data (``ORDER_TRADE_UPDATE``,
  ``ACCOUNT_UPDATE``, ``listenKeyExpired``).

A connection without a route (``/ws/...``, ``/stream?...``) gets only the
``/public`` streams; other names are accepted and send nothing, as on
Binance (which is how an unmodified 0.7.11 script goes quiet). Payloads are
the futures ones: ``depthUpdate`` with ``T`` and ``pu``, partial depth as a
``depthUpdate`` with ``U``/``u``/``pu``, ``bookTicker`` with ``e``/``E``/``T``,
``markPriceUpdate`` every 3 s (1 s for ``@1s``). ``/ws-fapi/v1`` is the
futures WebSocket API (:mod:`binance.testing.futures_wsapi`; Binance serves
it on its own host, ``ws-fapi.binance.com``); the spot one (``/ws-api/v3``)
is 404. Everything else (scripting, pings,
limits) is :class:`~binance.testing.streams.StreamServer`'s; futures allow
200 streams per connection.
"""
from typing import Any, Dict, List, Optional, Tuple

from autobahn.websocket.types import ConnectionDeny

from binance._streams import kinds as _kinds
from binance.testing import futures_wsapi
from binance.testing.streams import StreamServer
from binance.testing.streams_protocol import ROUTE_API
from binance.testing.streams_format import (StreamSpec, as_list, dumps, looks_like_listen_key,
                                            ticker_event)

__all__ = ['FuturesStreamServer', 'ROUTES', 'stream_route', 'FUTURES_MAX_STREAMS']

#: The routed path prefixes of fstream.
ROUTES = ('public', 'market', 'private')
#: Streams per connection on USD-M futures.
FUTURES_MAX_STREAMS = _kinds.FUTURES_MAX_STREAMS
#: Path of the futures WebSocket API (Binance serves it on ws-fapi.binance.com).
FUTURES_WS_API_PATH = '/ws-fapi/v1'

def parse_futures_stream(name: str) -> Optional[StreamSpec]:
    """Parse a USD-M stream name with :data:`binance._streams.kinds.FUTURES_KINDS`
    (a listen key is a ``user`` stream); ``None`` for a name fstream does not serve."""
    return spec_of(name, _kinds.parse_futures(name))


def spec_of(name: str, match: Any) -> Optional[StreamSpec]:
    """The :class:`StreamSpec` of ``name`` given its kinds-table ``match`` (or
    ``None``: then a listen key is a ``user`` stream, anything else unserved)."""
    if match is not None:
        levels = match.options.get('levels')
        return StreamSpec(name, match.kind.name, match.symbol, match.period,
                          levels=int(levels) if levels else 0,
                          interval=match.options.get('interval', ''))
    if looks_like_listen_key(name) and '!' not in name:
        return StreamSpec(name, 'user', None, None)
    return None


def stream_route(name: str) -> str:
    """The route a stream name belongs to: ``'public'``, ``'market'`` or ``'private'``."""
    match = _kinds.parse_futures(name)
    if match is not None:
        return match.kind.route
    return 'private' if looks_like_listen_key(name) else 'market'


def _split_route(path: str) -> Tuple[str, str]:
    for route in ROUTES:
        prefix = '/' + route
        if path == prefix or path.startswith(prefix + '/') or path.startswith(prefix + '?'):
            return route, path[len(prefix):] or '/'
    return '', path


class FuturesStreamServer(StreamServer):
    """fstream over a :class:`~binance.testing.futures_market.FuturesMarket` (see the module docs)."""

    _parse_stream = staticmethod(parse_futures_stream)
    api_handler = staticmethod(futures_wsapi.handle_request)

    def route(self, uri: str) -> Tuple[str, List[str]]:
        """``(route, stream names)`` of a request, routed paths included.

        :raises ConnectionDeny: 404 for a path fstream does not serve.
        """
        prefix, rest = _split_route(uri)
        path = rest.split('?', 1)[0]
        if path == '/ws-api/v3':
            raise ConnectionDeny(404, 'Not Found: fstream has no WebSocket API on this host')
        if path == FUTURES_WS_API_PATH and not prefix:
            return ROUTE_API, []
        kind, names = super().route(rest)
        if len(names) > FUTURES_MAX_STREAMS:
            raise ConnectionDeny(400, 'Bad Request: more than {} streams'.format(
                FUTURES_MAX_STREAMS))
        return kind, names

    def connection_opened(self, conn: Any) -> None:
        self.market.active = True   # the local exchange's ticker now steps the futures market
        super().connection_opened(conn)

    @staticmethod
    def _route_of(conn: Any) -> str:
        return _split_route(conn.path)[0] or 'public'

    def subscribe(self, conn: Any, names: List[str]) -> None:
        """Subscribe to the names of the connection's route; others send nothing."""
        allowed = self._route_of(conn)
        super().subscribe(conn, [n for n in names if stream_route(n) == allowed])
        for name in names:  # accepted, like Binance, but silent
            if name not in conn.streams and len(conn.streams) < FUTURES_MAX_STREAMS:
                conn.streams.append(name)

    # -- events -----------------------------------------------------------------

    def _on_depth_update(self, symbol: str, payload: Dict[str, Any]) -> None:
        lower = symbol.lower()
        names = [lower + '@depth'] + [lower + '@depth@{}ms'.format(ms) for ms in (100, 250, 500)]
        if any(name in self._channels for name in names):
            for event in self._apply_depth_faults(symbol, payload):
                raw = dumps(event)
                for name in names:
                    self._publish(name, event, raw)
        for name in (lower + '@bookTicker', '!bookTicker'):
            channel = self._channels.get(name)
            if channel is None:
                continue
            event = self._book_ticker(symbol, payload)
            best = (event['b'], event['B'], event['a'], event['A'])
            if channel.state.get(symbol) != best:
                channel.state[symbol] = best
                self._publish(name, event)

    def _book_ticker(self, symbol: str, payload: Dict[str, Any]) -> Dict[str, Any]:
        book = self.market.book_ticker(symbol)
        return {'e': 'bookTicker', 'u': payload.get('u'), 'E': payload.get('E'),
                'T': payload.get('T', payload.get('E')), 's': symbol,
                'b': book['bidPrice'], 'B': book['bidQty'], 'a': book['askPrice'],
                'A': book['askQty']}

    def _periodic_payloads(self, channel: Any) -> List[Any]:
        spec, market, now = channel.spec, self.market, self.now_ms()
        if spec.kind == 'markPrice':
            return [market.mark_price_event(spec.symbol)]
        if spec.kind == 'allMarkPrice':
            return [[market.mark_price_event(name) for name in market.symbols]]
        if spec.kind == 'partialDepth':
            depth = market.depth(spec.symbol, spec.levels)
            last = depth['lastUpdateId']
            previous = channel.state.get('u', last)
            channel.state['u'] = last
            return [{'e': 'depthUpdate', 'E': now, 'T': now, 's': spec.symbol,
                     'U': previous + 1 if last > previous else last, 'u': last, 'pu': previous,
                     'b': [list(level[:2]) for level in depth['bids']],
                     'a': [list(level[:2]) for level in depth['asks']]}]
        if spec.kind in ('ticker', 'allTicker'):
            drop = ('x', 'b', 'B', 'a', 'A')  # futures' 24hrTicker has no bid/ask or prev close
            rows = [{k: v for k, v in ticker_event(t, now).items() if k not in drop}
                    for t in as_list(market.ticker_24h(spec.symbol))]
            return rows if spec.kind == 'ticker' else [rows]
        return super()._periodic_payloads(channel)
