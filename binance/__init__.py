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
