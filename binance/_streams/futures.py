"""USD-M futures and margin sockets of :class:`binance.websockets.BinanceSocketManager`.

Futures market streams connect to ``FSTREAM_URL`` on the route Binance
serves them on since 2026-04-23 (an unrouted connection silently receives
only the ``/public`` streams):

* ``public/``: ``<s>@depth...`` (diff and partial), ``<s>@bookTicker``, ``!bookTicker``;
* ``market/``: ``<s>@aggTrade``, ``<s>@markPrice``, ``!markPrice@arr``,
  ``<s>@kline_<i>``, ``<s>@ticker``, ``!ticker@arr``, ...;
* ``private/``: the user data stream (``ws/<listenKey>``).

Like python-binance 0.7.11, the market sockets use the combined endpoint
(``stream?streams=<name>``), so callbacks receive
``{'stream': name, 'data': payload}``. Connection keys are
``'<route>/<name>'`` (``'market/btcusdt@aggTrade'``), so a futures socket
never collides with the spot socket of the same name.

The margin sockets' ``start_*`` methods are here too; their user data
stream is :class:`binance._streams.margin.MarginUserStream`.
"""
import logging
from typing import Any, Callable, Iterable, Optional, Union

from binance._streams import kinds as _stream_kinds
from binance._not_provided import not_provided
from binance._streams.checks import check_callback, check_interval, stream_symbol
from binance._streams.coin_futures import CoinFuturesSocketsMixin, is_coin_m
from binance._streams.context import SocketContext
from binance._streams.futures_api import (DEFAULT_FUTURES_WS_API_URL, TESTNET_FUTURES_WS_API_URL,
                                          FuturesWebSocketApi)
from binance._streams.margin import MarginUserStream
from binance._streams.futures_common import (FuturesSubscription, ListenKeyUserStream,
                                             check_user_client, start_listen_key_stream)

log = logging.getLogger('binance.websockets')

Callback = Callable[[Any], Any]

_DEFAULT_FSTREAM_URL = 'wss://fstream.binance.com/'
_TESTNET_FSTREAM_URL = 'wss://fstream.binancefuture.com/'
_DEMO_FSTREAM_URL = 'wss://demo-fstream.binance.com/'
_NO_DEMO = 'no-demo:'   # Binance documents no demo host for the futures WebSocket API
#: Streams per connection on USD-M futures.
FUTURES_MAX_STREAMS = _stream_kinds.FUTURES_MAX_STREAMS
#: Update speeds of the futures diff depth stream (``None``: Binance's 250 ms).
FUTURES_DEPTH_SPEEDS = (None, 100, 250, 500)
#: Key of the futures user socket, and of the cross margin socket.
FUTURES_USER_KEY = 'futures_user'
MARGIN_USER_KEY = 'margin'


def check_futures_stream(name: Any) -> str:
    """``name`` when it is a USD-M market stream of :data:`binance._streams.kinds.FUTURES_KINDS`."""
    if not isinstance(name, str):
        raise TypeError('stream names must be str, got {!r}'.format(type(name).__name__))
    if _stream_kinds.parse_futures(name) is None:
        raise ValueError('unknown USD-M stream {!r}; futures streams (symbols lower case) are '
                         '{}'.format(name, _stream_kinds.futures_valid_kinds_text()))
    return name


def futures_route(name: str) -> str:
    """The fstream route of a stream name: ``'public'``, ``'market'`` or ``'private'``."""
    match = _stream_kinds.parse_futures(name)
    if match is not None:
        return match.kind.route
    if '@' not in name and not name.startswith('!'):
        return 'private'  # a listen key
    return 'market'


class FuturesSocketsMixin(CoinFuturesSocketsMixin):
    """The futures and margin ``start_*`` methods (mixed into the socket manager).

    The market sockets take ``futures_type='COIN_M'`` (python-binance 1.0's
    ``FuturesType.COIN_M``) for the same stream of a COIN-M contract on
    dstream (:mod:`binance._streams.coin_futures`).
    """

    FSTREAM_URL = _DEFAULT_FSTREAM_URL
    #: the USD-M futures WebSocket API (:attr:`futures_ws_api`)
    FUTURES_WS_API_URL = DEFAULT_FUTURES_WS_API_URL
    #: the host manager's context (its URLs, TLS options and registry)
    _ctx: SocketContext
    _conn_lock: Any
    #: a 0.7.11 socket method this package lacks (options, all-market book tickers)
    #: raises BinanceNotProvidedError naming the replacement
    __getattr__ = not_provided

    # -- plumbing -----------------------------------------------------------------

    def _fstream_url(self) -> str:
        url = self._ctx.for_client(self.FSTREAM_URL, _DEFAULT_FSTREAM_URL,
                                   _TESTNET_FSTREAM_URL, 'wss://fstream.binance.{}/',
                                   _DEMO_FSTREAM_URL)
        return url if url.endswith('/') else url + '/'

    def _start_futures_socket(self, name: str, callback: Callback,
                              futures_type: Any = 'USD_M') -> Union[str, bool]:
        """One futures stream on its route, as 0.7.11 did it (the combined envelope);
        a COIN-M one on dstream."""
        if is_coin_m(futures_type):
            return self._start_coin_futures_streams([name], callback)
        return self._start_futures_streams([name], callback)

    def _start_futures_streams(self, names: Any, callback: Callback) -> Union[str, bool]:
        check_callback(callback)
        for name in names:
            check_futures_stream(name)
        route = futures_route(names[0])
        base = lambda: self._fstream_url() + route + '/'  # noqa: E731 (URL may move)
        self._ctx.tls_options(base())
        key = route + '/' + (names[0] if len(names) == 1 else
                             'stream?streams=' + '/'.join(names))
        return self._ctx.start_entry(key, lambda: FuturesSubscription(
            self._ctx, key, names, callback, base))

    def _futures_ws_api_url(self) -> str:
        url = self._ctx.for_client(self.FUTURES_WS_API_URL, DEFAULT_FUTURES_WS_API_URL,
                                   TESTNET_FUTURES_WS_API_URL,
                                   'wss://ws-fapi.binance.{}/ws-fapi/v1', _NO_DEMO)
        if url == _NO_DEMO:
            raise ValueError('Binance documents no Demo Mode host for the futures WebSocket '
                             'API; use a client without demo=True, or set '
                             'bm.FUTURES_WS_API_URL to the host you mean')
        return url

    @property
    def futures_ws_api(self) -> Any:
        """This manager's USD-M futures WebSocket API session
        (:class:`binance._streams.futures_api.FuturesWebSocketApi`, ``FUTURES_WS_API_URL``).

        ``bm.futures_ws_api.order_place(symbol='BTCUSDT', side='BUY', type='LIMIT', ...,
        callback=on_order)`` returns a Deferred at once, like :attr:`ws_api`;
        ``bm.futures_ws_api.blocking.order_place(..., timeout=10)`` waits in the caller's thread.
        """
        with self._conn_lock:
            api = self.__dict__.get('_futures_ws_api')
            if api is None:
                self._ctx.tls_options(self._futures_ws_api_url())
                api = self.__dict__['_futures_ws_api'] = FuturesWebSocketApi(
                    self._ctx, self._futures_ws_api_url)
        return api

    def _close_futures_ws_api(self) -> None:
        api = self.__dict__.get('_futures_ws_api')
        if api is not None:
            api.close()

    # -- 0.7.11's futures sockets --------------------------------------------------

    def start_aggtrade_futures_socket(self, symbol: str, callback: Callback,
                                      futures_type: Any = 'USD_M') -> Union[str, bool]:
        """Aggregate trades of a USD-M contract (``market/``, ``<symbol>@aggTrade``).

        :param callback: receives ``{'stream': 'btcusdt@aggTrade', 'data': {'e': 'aggTrade',
            'E': 123456789, 's': 'BTCUSDT', 'a': 5933014, 'p': '0.001', 'q': '100',
            'f': 100, 'l': 105, 'T': 123456785, 'm': True}}``
        :returns: the key ``'market/btcusdt@aggTrade'``, or ``False`` if open already.
        """
        return self._start_futures_socket(stream_symbol(symbol) + '@aggTrade', callback,
                                          futures_type)

    def start_symbol_mark_price_socket(self, symbol: str, callback: Callback,
                                       fast: bool = True,
                                       futures_type: Any = 'USD_M') -> Union[str, bool]:
        """Mark price and funding rate of a contract (``<symbol>@markPrice@1s``, or
        every 3 s with ``fast=False``).

        :param callback: receives ``{'stream': ..., 'data': {'e': 'markPriceUpdate',
            'E': 1562305380000, 's': 'BTCUSDT', 'p': '11794.15000000', 'i': '11784.62659091',
            'P': '11784.25641265', 'r': '0.00038167', 'T': 1562306400000}}``
        """
        name = stream_symbol(symbol) + ('@markPrice@1s' if fast else '@markPrice')
        return self._start_futures_socket(name, callback, futures_type)

    def start_all_mark_price_socket(self, callback: Callback, fast: bool = True,
                                    futures_type: Any = 'USD_M') -> Union[str, bool]:
        """Mark prices of every contract (``!markPrice@arr@1s``; ``fast=False``: every 3 s);
        ``data`` is a list of ``markPriceUpdate`` events."""
        return self._start_futures_socket('!markPrice@arr@1s' if fast else '!markPrice@arr',
                                          callback, futures_type)

    def start_symbol_ticker_futures_socket(self, symbol: str, callback: Callback,
                                           futures_type: Any = 'USD_M') -> Union[str, bool]:
        """Best bid and ask of a contract (``public/``, ``<symbol>@bookTicker``, as 0.7.11).

        :param callback: receives ``{'stream': ..., 'data': {'e': 'bookTicker', 'u': 400900217,
            'E': 1568014460893, 'T': 1568014460891, 's': 'BNBUSDT', 'b': '25.35190000',
            'B': '31.21000000', 'a': '25.36520000', 'A': '40.66000000'}}``
        """
        return self._start_futures_socket(stream_symbol(symbol) + '@bookTicker', callback,
                                          futures_type)

    def start_individual_symbol_ticker_futures_socket(
            self, symbol: str, callback: Callback,
            futures_type: Any = 'USD_M') -> Union[str, bool]:
        """24 hour statistics of a contract (``market/``, ``<symbol>@ticker``)."""
        return self._start_futures_socket(stream_symbol(symbol) + '@ticker', callback,
                                          futures_type)

    def start_all_ticker_futures_socket(self, callback: Callback,
                                        futures_type: Any = 'USD_M') -> Union[str, bool]:
        """Best bid and ask of every contract (``public/``, ``!bookTicker``, as 0.7.11)."""
        return self._start_futures_socket('!bookTicker', callback, futures_type)

    # -- futures sockets 0.7.11 lacked ------------------------------------------------

    def start_futures_kline_socket(self, symbol: str, callback: Callback,
                                   interval: str = '1m',
                                   futures_type: Any = 'USD_M') -> Union[str, bool]:
        """Klines of a contract (``market/``, ``<symbol>@kline_<interval>``)."""
        name = '{}@kline_{}'.format(stream_symbol(symbol), check_interval(interval))
        return self._start_futures_socket(name, callback, futures_type)

    def start_futures_depth_socket(self, symbol: str, callback: Callback,
                                   depth: Optional[Union[str, int]] = None,
                                   interval: Optional[int] = None,
                                   futures_type: Any = 'USD_M') -> Union[str, bool]:
        """Order book of a contract on the ``public/`` route.

        :param depth: ``None`` for the diff stream (``<symbol>@depth``, events with
            ``U``, ``u`` and ``pu``), or 5, 10, 20 for the partial book.
        :param interval: update speed in ms, 100, 250 (Binance's default) or 500.
        """
        from binance._streams.checks import depth_suffix
        if interval not in FUTURES_DEPTH_SPEEDS or isinstance(interval, bool):
            raise ValueError('interval must be None or one of 100, 250, 500 (ms), got {!r}'
                             .format(interval))
        name = stream_symbol(symbol) + '@depth' + depth_suffix(depth)
        if interval is not None:
            name += '@{}ms'.format(interval)
        return self._start_futures_socket(name, callback, futures_type)

    def start_futures_multiplex_socket(self, streams: Iterable[str], callback: Callback,
                                       futures_type: Any = 'USD_M') -> Union[str, bool]:
        """Several futures streams on one connection (all of one route, at most 200).

        :raises ValueError: for streams of different routes (Binance serves each
            route on its own connection) or more than 200 streams.
        """
        check_callback(callback)
        if isinstance(streams, str):
            raise TypeError('streams must be a list of stream names, not one str')
        if is_coin_m(futures_type):   # dstream: one path for every stream
            return self._start_coin_futures_streams(list(dict.fromkeys(streams)), callback)
        names = list(dict.fromkeys(check_futures_stream(n) for n in streams))
        if not names:
            raise ValueError('streams must name at least one stream, e.g. [\'btcusdt@aggTrade\']')
        if len(names) > FUTURES_MAX_STREAMS:
            raise ValueError('USD-M futures allows at most {} streams per connection, got {}'
                             .format(FUTURES_MAX_STREAMS, len(names)))
        routes = {futures_route(n) for n in names}
        if len(routes) != 1:
            raise ValueError('streams of different routes ({}) need separate sockets: '
                             'depth and bookTicker are public/, the others market/'.format(
                                 ', '.join(sorted(routes))))
        return self._start_futures_streams(names, callback)

    # -- user data ------------------------------------------------------------------

    def start_futures_user_socket(self, callback: Callback) -> Union[str, bool]:
        """USD-M account and order events (``ORDER_TRADE_UPDATE``, ``ACCOUNT_UPDATE``...).

        A listen key from ``client.futures_stream_get_listen_key()`` (in a
        worker thread), the socket ``private/ws/<key>``, a keepalive every
        ``user_timeout`` seconds (the key lives 60 minutes), and a new key
        plus a reconnect on ``listenKeyExpired`` or a keepalive answered
        ``-1125``. Failures reach the callback as ``{'e': 'error', 'm': ...}``.

        :returns: the key ``'futures_user'``, or ``False`` if it is open already.
        :raises ValueError: when the manager's client has no API key.
        """
        return start_listen_key_stream(self._ctx, 'start_futures_user_socket', FUTURES_USER_KEY,
                                       FuturesUserStream, callback, self._fstream_url)

    def start_margin_socket(self, callback: Callback) -> Union[str, bool]:
        """Cross margin account and order events, through today's listen token.

        Gets a token from ``client.margin_stream_get_listen_token()``,
        subscribes with ``userDataStream.subscribe.listenToken`` on
        ``WS_API_URL`` (again after every reconnect), renews the token at 80 %
        of its life and on ``eventStreamTerminated`` or error ``-1209``; the
        callback receives the bare events (``executionReport``,
        ``outboundAccountPosition``, ``balanceUpdate``...).

        :returns: the key ``'margin'``, or ``False`` if it is open already.
        """
        check_callback(callback)
        self._check_user_client('start_margin_socket')
        self._ctx.tls_options(self._ctx.ws_api_url())
        return self._ctx.start_entry(MARGIN_USER_KEY, lambda: MarginUserStream(
            self._ctx, MARGIN_USER_KEY, callback))

    def start_isolated_margin_socket(self, symbol: str, callback: Callback) -> Union[str, bool]:
        """Isolated margin events of ``symbol`` (as :meth:`start_margin_socket`, with an
        isolated token). :returns: the key ``'isolated_margin:<SYMBOL>'``."""
        check_callback(callback)
        symbol = stream_symbol(symbol).upper()
        self._check_user_client('start_isolated_margin_socket')
        self._ctx.tls_options(self._ctx.ws_api_url())
        key = 'isolated_margin:' + symbol
        return self._ctx.start_entry(key, lambda: MarginUserStream(
            self._ctx, key, callback, isolated_symbol=symbol))

    def _check_user_client(self, method: str) -> None:
        check_user_client(self._ctx, method)


class FuturesUserStream(ListenKeyUserStream):
    """The futures user socket: the listen-key flow on ``/fapi/v1/listenKey`` and ``private/``."""

    GET_KEY = 'futures_stream_get_listen_key'
    KEEPALIVE = 'futures_stream_keepalive'
    KEY_PATH = 'private/ws/'
    ENDPOINT = 'POST /fapi/v1/listenKey'
    LABEL = 'futures'
