"""Which Binance host serves which API, for production, testnet and Demo Mode.

One home for the base URLs :meth:`binance.client.Client.request` needs
beyond ``API_URL`` (spot, ``/sapi``) and ``FUTURES_URL`` (USD-M): COIN-M
(``/dapi``), European options (``/eapi``) and portfolio margin (``/papi``),
and the check that refuses ``demo=True`` where Binance has no demo.

Binance Demo Mode hosts (spot: the spot API docs, ``demo-mode/general-info.md``,
2026-01-29): ``https://demo-api.binance.com/api``,
``wss://demo-stream.binance.com:9443``, ``wss://demo-ws-api.binance.com/ws-api/v3``;
USD-M: ``https://demo-fapi.binance.com/fapi`` and ``wss://demo-fstream.binance.com``.
"""
from typing import Any, Dict, Optional, Tuple
from urllib.parse import urlsplit

__all__ = ['API_ROOTS', 'check_demo', 'official_base', 'DAPI_HOSTS']

#: The API roots :meth:`~binance.client.Client.request` accepts, first path segment(s).
API_ROOTS = ('api', 'sapi', 'fapi', 'dapi', 'eapi', 'papi', 'futures/data')

#: ``root -> (production template, testnet URL or None, demo URL or None)`` for
#: the APIs that have no ``Client`` attribute of their own.
_OTHER_HOSTS: Dict[str, Tuple[str, Optional[str], Optional[str]]] = {
    'dapi': ('https://dapi.binance.{}/dapi', 'https://testnet.binancefuture.com/dapi',
             'https://demo-dapi.binance.com/dapi'),
    'eapi': ('https://eapi.binance.{}/eapi', None, None),
    'papi': ('https://papi.binance.{}/papi', None, None),
}
#: COIN-M's ``(production template, testnet, demo)`` REST bases (``Client.FUTURES_COIN_URL``).
DAPI_HOSTS = _OTHER_HOSTS['dapi']


def check_demo(demo: Any, testnet: Any, tld: Any) -> None:
    """Refuse a ``demo`` that is not a bool, or one combined with testnet or another tld."""
    if not isinstance(demo, bool):
        raise TypeError('demo must be True or False, not {!r}'.format(demo))
    if demo and testnet:
        raise ValueError('testnet=True and demo=True cannot be combined: the Spot testnet '
                         '(testnet.binance.vision) and Binance Demo Mode (demo-api.binance.com) '
                         'are separate environments with separate API keys; choose one')
    if demo and tld != 'com':
        raise ValueError("demo=True is Binance Demo Mode on binance.com; it cannot be combined "
                         "with tld={!r} (use tld='com')".format(tld))


def is_binance_host(url: str) -> bool:
    """Whether ``url`` is one of Binance's own hosts (not e.g. a local exchange)."""
    host = urlsplit(url).hostname or ''
    return '.binance.' in '.' + host   # api.binance.com, api1.binance.com, testnet.binance.vision


def official_base(root: str, tld: str, testnet: bool, demo: bool) -> str:
    """Binance's base URL of ``root`` (``'dapi'``, ``'eapi'`` or ``'papi'``).

    :raises ValueError: when that API has no testnet or no Demo Mode.
    """
    production, testnet_url, demo_url = _OTHER_HOSTS[root]
    if testnet:
        if testnet_url is None:
            raise ValueError('/{} has no testnet; create the client without testnet=True to '
                             'reach it'.format(root))
        return testnet_url
    if demo:
        if demo_url is None:
            raise ValueError('/{} has no Demo Mode; create the client without demo=True to '
                             'reach it'.format(root))
        return demo_url
    return production.format(tld)
