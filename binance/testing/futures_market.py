"""Where :class:`FuturesMarket` used to live: it is :mod:`binance.testing.derivatives` now.

Kept so that ``from binance.testing.futures_market import FuturesMarket`` goes on working.
"""
from binance.testing.derivatives.contract import DEFAULT_FUTURES_BALANCES, FUTURES_SYMBOLS
from binance.testing.derivatives.market import FuturesMarket

__all__ = ['FuturesMarket', 'FUTURES_SYMBOLS', 'DEFAULT_FUTURES_BALANCES']
