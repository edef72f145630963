"""What the USD-M (fstream) and COIN-M (dstream) sockets share.

Market sockets: :class:`FuturesSubscription`, the combined endpoint under a
host (an fstream route or dstream), never pooled with spot. User sockets: both
take a listen key from REST (``/fapi/v1/listenKey``, ``/dapi/v1/listenKey``),
connect to their stream host (``private/ws/<key>`` on fstream, ``ws/<key>`` on
dstream) and keep the key alive; neither has a WebSocket API fallback.
"""
from typing import Any, Callable, Dict, Type, Union

from binance._streams.checks import check_callback
from binance._streams import kinds as _stream_kinds
from binance._streams.context import SocketContext
from binance._streams.market import DELIVER_ENVELOPE, Subscription
from binance._streams.user import UserStream

__all__ = ['FuturesSubscription', 'ListenKeyUserStream', 'check_user_client',
           'start_listen_key_stream']

Callback = Callable[[Any], Any]


class FuturesSubscription(Subscription):
    """A futures market socket: a :class:`~binance._streams.context.Subscription` on an
    fstream route or on dstream (combined envelope)."""

    __slots__ = ('_base',)

    poolable = False   # futures hosts: never on the spot manager's shared connections
    per_connection = _stream_kinds.FUTURES_MAX_STREAMS

    def __init__(self, ctx: SocketContext, key: str, streams: Any, callback: Callback,
                 base: Callable[[], str]) -> None:
        super().__init__(ctx, key, streams, callback, DELIVER_ENVELOPE)
        self._base = base

    def url_for(self, streams: Any) -> str:
        """``base()`` (``FSTREAM_URL`` + route, or ``DSTREAM_URL``) + ``stream?streams=a/b``."""
        return self._base() + 'stream?streams=' + '/'.join(streams)


class ListenKeyUserStream(UserStream):
    """A futures user socket: the listen-key flow on ``ENDPOINT`` and ``host() + KEY_PATH + key``."""

    #: where the key goes after the stream host.
    KEY_PATH = 'ws/'
    #: the listen key endpoint, named when Binance answers it with 404/405/410.
    ENDPOINT = ''
    #: the product named in that message.
    LABEL = ''

    def __init__(self, ctx: SocketContext, key: str, callback: Callback, *,
                 host: Callable[[], str]) -> None:
        super().__init__(ctx, key, callback)
        self._host = host

    def key_url(self, key: str) -> str:
        return self._host() + self.KEY_PATH + key

    def _start_ws_api(self) -> None:
        message: Dict[str, str] = {
            'e': 'error', 'm': 'The {} listen key endpoint is not available ({} answered '
                               '404/405/410)'.format(self.LABEL, self.ENDPOINT)}
        self._finish(message)


def check_user_client(ctx: SocketContext, method: str) -> None:
    """Raise unless the manager's client has an API key (which ``method`` needs)."""
    client = ctx.client
    if client is None or not getattr(client, 'API_KEY', None):
        raise ValueError('{} needs the manager to have a Client created with an API key'
                         .format(method))


def start_listen_key_stream(ctx: SocketContext, method: str, key: str,
                            cls: Type[ListenKeyUserStream], callback: Callback,
                            host: Callable[[], str]) -> Union[str, bool]:
    """Check and open the user socket ``key`` of ``cls`` (the body of ``method``)."""
    check_callback(callback)
    check_user_client(ctx, method)
    ctx.tls_options(host())
    return ctx.start_entry(key, lambda: cls(ctx, key, callback, host=host))
