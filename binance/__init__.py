"""binance: a Binance client with the API of the Twisted-era python-binance.

The REST client lives in :mod:`binance.client`, streams in
:mod:`binance.websockets`, the order book in :mod:`binance.depthcache` and a
local exchange for offline use and tests in :mod:`binance.testing`. This
module imports none of them, so ``import binance.client`` stays light.
"""
import logging

__version__ = '0.8.0'

logging.getLogger(__name__).addHandler(logging.NullHandler())

# errors (a callback's traceback, a stream that gave up) reach stderr when the
# application configured no logging; see binance/_fallback_log.py
from binance import _fallback_log  # noqa: E402

_fallback_log.install(__name__)


# ``from binance import Client`` is python-binance 1.x's habit; here the names
# live in their modules (as in 0.7). Say where, instead of a bare ImportError.
_HOMES = {
    'Client': 'binance.client',
    'BinanceSocketManager': 'binance.websockets',
    'DepthCacheManager': 'binance.depthcache',
    'DepthCache': 'binance.depthcache',
    'FuturesDepthCacheManager': 'binance.futures_depthcache',
    'LocalExchange': 'binance.testing',
}
_NOT_HERE = {
    'AsyncClient': 'the REST Client is blocking (requests); an asyncio program runs the sockets '
                   'on its loop with binance.aio.on_this_loop() and calls REST in a thread, '
                   'e.g. await asyncio.to_thread(client.get_account)',
    'ThreadedWebsocketManager': 'BinanceSocketManager already runs in a thread of its own: '
                                'from binance.websockets import BinanceSocketManager',
    'ThreadedDepthCacheManager': 'DepthCacheManager already runs without blocking your thread '
                                 '(on the reactor thread): '
                                 'from binance.depthcache import DepthCacheManager',
}


def __getattr__(name: str) -> object:
    """Name the module of a 1.x-style package-level name (``from binance import Client``)."""
    home = _HOMES.get(name)
    if home is None and not name.startswith('_'):
        import importlib  # enums and exceptions are light; loaded only on this error path
        home = next((module for module in ('binance.exceptions', 'binance.enums')
                     if name in getattr(importlib.import_module(module), '__all__', ())), None)
    if home is not None:
        raise ImportError('{name} is not importable from the package binance: it lives in '
                          '{home} (the 0.7 layout); write: from {home} import {name}'.format(
                              name=name, home=home), name=__name__)
    if name in _NOT_HERE:
        raise ImportError('binance has no {} (a python-binance 1.x name): {}'.format(
            name, _NOT_HERE[name]), name=__name__)
    raise AttributeError('module {!r} has no attribute {!r}'.format(__name__, name))
