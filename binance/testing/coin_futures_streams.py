"""The local exchange's COIN-M futures stream server (``dstream``).

Binance serves COIN-M streams on ``wss://dstream.binance.com`` without
routed paths (COIN-M "WebSocket Market Streams" docs): raw streams at
``/ws/<name>``, combined ones at ``/stream?streams=a/b``, the user data
stream at ``/ws/<listenKey>``. :class:`CoinFuturesStreamServer` does the
same over a :class:`~binance.testing.derivatives.coin.CoinFuturesMarket`,
with USD-M's payloads (``depthUpdate`` with ``T`` and ``pu``, ``bookTicker``
with ``e``/``E``/``T``, ``markPriceUpdate`` every 3 s or 1 s, partial depth
with ``U``/``u``/``pu``) on COIN-M's symbols (``btcusd_perp@aggTrade``), and
the user events ``ORDER_TRADE_UPDATE`` / ``ACCOUNT_UPDATE`` (with COIN-M's
``i``, the account alias). The WebSocket API is not served here (404).
"""
from typing import Any, List, Optional, Tuple

from autobahn.websocket.types import ConnectionDeny

from binance._streams import kinds as _kinds
from binance.testing.futures_streams import FuturesStreamServer, spec_of
from binance.testing.streams import StreamServer
from binance.testing.streams_format import StreamSpec

__all__ = ['CoinFuturesStreamServer', 'parse_coin_futures_stream', 'COIN_FUTURES_MAX_STREAMS']

#: Streams per connection on dstream (the futures limit).
COIN_FUTURES_MAX_STREAMS = _kinds.FUTURES_MAX_STREAMS


def parse_coin_futures_stream(name: str) -> Optional[StreamSpec]:
    """Parse a COIN-M stream name with :data:`binance._streams.kinds.COIN_FUTURES_KINDS`
    (a listen key is a ``user`` stream); ``None`` for a name dstream does not serve."""
    return spec_of(name, _kinds.parse_coin_futures(name))


class CoinFuturesStreamServer(FuturesStreamServer):
    """dstream over a COIN-M market (see the module docs)."""

    _parse_stream = staticmethod(parse_coin_futures_stream)

    def route(self, uri: str) -> Tuple[str, List[str]]:
        """``(route, stream names)`` of a request (no routed paths on dstream).

        :raises ConnectionDeny: 404 for a path dstream does not serve.
        """
        if uri.split('?', 1)[0] == '/ws-api/v3':
            raise ConnectionDeny(404, 'Not Found: dstream has no WebSocket API on this host')
        kind, names = StreamServer.route(self, uri)
        if len(names) > COIN_FUTURES_MAX_STREAMS:
            raise ConnectionDeny(400, 'Bad Request: more than {} streams'.format(
                COIN_FUTURES_MAX_STREAMS))
        return kind, names

    def subscribe(self, conn: Any, names: List[str]) -> None:
        """Subscribe to ``names``: every COIN-M stream is served on every path."""
        StreamServer.subscribe(self, conn, names[:max(0, COIN_FUTURES_MAX_STREAMS -
                                                      len(conn.streams))])
