"""COIN-M futures sockets of :class:`binance.websockets.BinanceSocketManager` (dstream).

Binance serves COIN-M streams on ``wss://dstream.binance.com`` (COIN-M
"WebSocket Market Streams" docs) without routed paths: market streams at
``stream?streams=<name>`` (callbacks receive ``{'stream': name, 'data':
payload}``, as the USD-M sockets), the user data stream at
``ws/<listenKey>``. Stream names are USD-M's kinds on COIN-M symbols
(``btcusd_perp@aggTrade``, ``btcusd_261225@depth@100ms``; see
:data:`binance._streams.kinds.COIN_FUTURES_KINDS`).

python-binance 0.7.11 had no COIN-M socket. Its 1.0 names are used: the
USD-M futures ``start_*`` methods take ``futures_type='COIN_M'`` (or
``FuturesType.COIN_M``) to open the same stream on dstream, and
:meth:`CoinFuturesSocketsMixin.start_coin_futures_user_socket` (alias
``start_coin_futures_socket``) is the COIN-M account and order stream.
Connection keys are ``'coin/<name>'`` and ``'coin_futures_user'``.
"""
from typing import Any, Callable, List, Optional, Union

from binance._streams import kinds as _stream_kinds
from binance._streams.checks import check_callback
from binance._streams.context import SocketContext
from binance._streams.futures_common import (FuturesSubscription, ListenKeyUserStream,
                                             start_listen_key_stream)

__all__ = ['CoinFuturesSocketsMixin', 'CoinFuturesUserStream', 'FUTURES_TYPES',
           'COIN_FUTURES_USER_KEY', 'check_coin_futures_stream', 'is_coin_m']

Callback = Callable[[Any], Any]

_DEFAULT_DSTREAM_URL = 'wss://dstream.binance.com/'
_TESTNET_DSTREAM_URL = 'wss://dstream.binancefuture.com/'
#: Binance's demo host has no COIN-M streams of its own; python-binance 1.0 uses the testnet's.
_DEMO_DSTREAM_URL = 'wss://dstream.binancefuture.com/'
#: The ``futures_type`` values of the futures sockets (python-binance 1.0's FuturesType names).
FUTURES_TYPES = ('USD_M', 'COIN_M')
#: Key of the COIN-M user socket.
COIN_FUTURES_USER_KEY = 'coin_futures_user'


def is_coin_m(futures_type: Any) -> bool:
    """Whether ``futures_type`` (``'USD_M'``/``'COIN_M'`` or an enum of those names) is COIN-M."""
    name = getattr(futures_type, 'name', futures_type)
    if name not in FUTURES_TYPES:
        raise ValueError('futures_type must be \'USD_M\' or \'COIN_M\' (or FuturesType.USD_M / '
                         'FuturesType.COIN_M), got {!r}'.format(futures_type))
    return name == 'COIN_M'


def check_coin_futures_stream(name: Any) -> str:
    """``name`` when it is a COIN-M market stream of :data:`~binance._streams.kinds.COIN_FUTURES_KINDS`."""
    if not isinstance(name, str):
        raise TypeError('stream names must be str, got {!r}'.format(type(name).__name__))
    if _stream_kinds.parse_coin_futures(name) is None:
        raise ValueError('unknown COIN-M stream {!r}; COIN-M streams (symbols lower case, such '
                         'as btcusd_perp) are {}'.format(
                             name, _stream_kinds.coin_futures_valid_kinds_text()))
    return name


class CoinFuturesSocketsMixin:
    """The COIN-M plumbing and user socket (the USD-M mixin builds on it)."""

    DSTREAM_URL = _DEFAULT_DSTREAM_URL
    _ctx: SocketContext

    def _dstream_url(self) -> str:
        url = self._ctx.for_client(self.DSTREAM_URL, _DEFAULT_DSTREAM_URL, _TESTNET_DSTREAM_URL,
                                   'wss://dstream.binance.{}/', _DEMO_DSTREAM_URL)
        return url if url.endswith('/') else url + '/'

    def _start_coin_futures_streams(self, names: List[str],
                                    callback: Callback) -> Union[str, bool]:
        """COIN-M streams on one dstream connection (names checked, at most 200)."""
        check_callback(callback)
        if not names:
            raise ValueError('streams must name at least one stream, e.g. '
                             '[\'btcusd_perp@aggTrade\']')
        if len(names) > _stream_kinds.FUTURES_MAX_STREAMS:
            raise ValueError('COIN-M futures allows at most {} streams per connection, got {}'
                             .format(_stream_kinds.FUTURES_MAX_STREAMS, len(names)))
        for name in names:
            check_coin_futures_stream(name)
        base = self._dstream_url
        self._ctx.tls_options(base())
        key = 'coin/' + (names[0] if len(names) == 1 else 'stream?streams=' + '/'.join(names))
        return self._ctx.start_entry(key, lambda: FuturesSubscription(
            self._ctx, key, names, callback, base))

    def start_coin_futures_depth_socket(self, symbol: str, callback: Callback,
                                        depth: Optional[Union[str, int]] = None,
                                        interval: Optional[int] = None) -> Union[str, bool]:
        """Order book of a COIN-M contract on dstream (what
        :class:`~binance.futures_depthcache.CoinFuturesDepthCacheManager` uses); the same as
        ``start_futures_depth_socket(..., futures_type='COIN_M')``.

        :param depth: ``None`` for the diff stream (``<symbol>@depth``, events with
            ``U``, ``u`` and ``pu``), or 5, 10, 20 for the partial book.
        :param interval: update speed in ms, 100, 250 (Binance's default) or 500.
        """
        from binance._streams.checks import depth_suffix, stream_symbol
        if interval not in (None, 100, 250, 500) or isinstance(interval, bool):
            raise ValueError('interval must be None or one of 100, 250, 500 (ms), got {!r}'
                             .format(interval))
        name = stream_symbol(symbol) + '@depth' + depth_suffix(depth)
        if interval is not None:
            name += '@{}ms'.format(interval)
        return self._start_coin_futures_streams([name], callback)

    def start_coin_futures_user_socket(self, callback: Callback) -> Union[str, bool]:
        """COIN-M account and order events (``ORDER_TRADE_UPDATE``, ``ACCOUNT_UPDATE``...).

        A listen key from ``client.futures_coin_stream_get_listen_key()`` (in
        a worker thread), the socket ``DSTREAM_URL + 'ws/<key>'``, a keepalive
        every ``user_timeout`` seconds, and a new key plus a reconnect on
        ``listenKeyExpired`` or a keepalive answered ``-1125``. Failures reach
        the callback as ``{'e': 'error', 'm': ...}``.

        :returns: the key ``'coin_futures_user'``, or ``False`` if it is open already.
        :raises ValueError: when the manager's client has no API key.
        """
        return start_listen_key_stream(self._ctx, 'start_coin_futures_user_socket',
                                       COIN_FUTURES_USER_KEY, CoinFuturesUserStream, callback,
                                       self._dstream_url)

    def start_coin_futures_socket(self, callback: Callback) -> Union[str, bool]:
        """python-binance 1.0's other name of :meth:`start_coin_futures_user_socket`."""
        return self.start_coin_futures_user_socket(callback)


class CoinFuturesUserStream(ListenKeyUserStream):
    """The COIN-M user socket: the listen-key flow on ``/dapi/v1/listenKey`` and ``ws/<key>``."""

    GET_KEY = 'futures_coin_stream_get_listen_key'
    KEEPALIVE = 'futures_coin_stream_keepalive'
    KEY_PATH = 'ws/'
    ENDPOINT = 'POST /dapi/v1/listenKey'
    LABEL = 'COIN-M'
