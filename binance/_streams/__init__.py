"""The stream machinery behind :mod:`binance.websockets` (private).

The public faces are :mod:`binance.websockets` (``BinanceSocketManager``),
:mod:`binance.depthcache` and :mod:`binance.testing`; DESIGN.rst lists what
each module here holds.
"""
