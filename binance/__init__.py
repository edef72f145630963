"""binance: a Binance client with the API of the Twisted-era python-binance.

The REST client lives in :mod:`binance.client`, streams in
:mod:`binance.websockets`, the order book in :mod:`binance.depthcache` and a
local exchange for offline use and tests in :mod:`binance.testing`. This
module imports none of them, so ``import binance.client`` stays light.
"""
import logging

__version__ = '0.8.0'

logging.getLogger(__name__).addHandler(logging.NullHandler())
