"""``Client.request``: any Binance endpoint, signed and timed like the wrapped ones.

For the endpoints this package does not wrap (Simple Earn, COIN-M, options,
portfolio margin, ...): one call takes the HTTP method, Binance's path as its
docs print it and the parameters, and goes through the same machinery as
every method of :class:`~binance.client.Client` — the right host for the
client's ``tld``/``testnet``/``demo`` (or the local exchange it was pointed
at), the client's key (HMAC, RSA or Ed25519) and Binance's
percent-encode-then-sign rule, the synced clock and its ``-1021`` retry,
``used_weight`` and the package's exceptions.
"""
from typing import Any, Tuple

from binance._client_base import ClientBase
from binance._client_hosts import API_ROOTS, is_binance_host, official_base

__all__ = ['RequestMixin', 'HTTP_METHODS']

#: The HTTP methods Binance's REST APIs use.
HTTP_METHODS = ('GET', 'POST', 'PUT', 'DELETE')


def split_path(path: Any) -> Tuple[str, str]:
    """``('sapi', 'v1/capital/config/getall')`` for ``'/sapi/v1/capital/config/getall'``.

    :raises ValueError: for a path outside Binance's API roots, or with a query string.
    """
    roots = ', '.join('/' + root for root in API_ROOTS)
    if not isinstance(path, str) or not path.startswith('/') or any(
            c in path for c in '?# \t\r\n'):
        raise ValueError('path must be a Binance path such as \'/sapi/v1/capital/config/getall\' '
                         '(starting with one of {}; parameters go as keyword arguments, not in '
                         'a query string), got {!r}'.format(roots, path))
    for root in sorted(API_ROOTS, key=len, reverse=True):
        prefix = '/' + root + '/'
        if path.startswith(prefix) and len(path) > len(prefix):
            return root, path[len(prefix):]
    raise ValueError('path must start with one of {} followed by the endpoint, e.g. '
                     '\'/api/v3/account\', got {!r}'.format(roots, path))


class RequestMixin(ClientBase):
    """``request()`` and the base URLs of the APIs without endpoint methods here."""

    def _base_url(self, api: str) -> str:
        if api in ('dapi', 'eapi', 'papi'):
            base = self.API_URL.rstrip('/')
            if not is_binance_host(base):   # pointed elsewhere (a local exchange): follow it
                root = base[:-len('/api')] if base.endswith('/api') else base
                return root + '/' + api
            return official_base(api, self.tld, self.testnet, self.demo)
        return super()._base_url(api)

    def request(self, method: str, path: str, *, signed: bool = False, **params: Any) -> Any:
        """Call any Binance REST endpoint (ours; not in python-binance).

        :param method: ``'GET'``, ``'POST'``, ``'PUT'`` or ``'DELETE'``.
        :param path: the endpoint as Binance's docs print it, starting with
            ``/api``, ``/sapi``, ``/fapi``, ``/dapi``, ``/eapi``, ``/papi`` or
            ``/futures/data``, e.g. ``'/sapi/v1/simple-earn/flexible/list'``.
            ``/api`` and ``/sapi`` go to ``API_URL``'s host, ``/fapi`` and
            ``/futures/data`` to ``FUTURES_URL``'s, the others to Binance's
            host for them (``dapi.binance.com``, testnet or demo as the client
            was made), or, when ``API_URL`` points at another server such as
            :class:`binance.testing.LocalExchange`, to that server.
        :param signed: ``True`` for Binance's SIGNED (TRADE, USER_DATA,
            MARGIN) endpoints: adds ``timestamp`` (the synced clock) and the
            ``signature`` made with the client's key.
        :param params: the endpoint's parameters, e.g. ``asset='USDT'``;
            ``recvWindow`` and ``requests_params`` work as for every method.
        :returns: the decoded JSON answer.
        :raises ValueError: for a method or path Binance does not have, or
            ``signed=True`` on a client without a key (before any request).
        :raises BinanceAPIException: when Binance answers with an error.

        The API key header is sent whenever the client has a key. For
        example::

            client.request('GET', '/sapi/v1/simple-earn/flexible/list', signed=True, size=10)
            client.request('GET', '/dapi/v1/premiumIndex', symbol='BTCUSD_PERP')
        """
        if not isinstance(method, str) or method.upper() not in HTTP_METHODS:
            raise ValueError('method must be one of {}, got {!r}'.format(
                ', '.join(HTTP_METHODS), method))
        if not isinstance(signed, bool):
            raise TypeError('signed must be True or False, not {!r}'.format(signed))
        api, rest = split_path(path)
        return self._request(method.upper(), rest, params, signed=signed,
                             keyed=not signed and bool(self.API_KEY), api=api)
