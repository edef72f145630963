"""python-binance 0.7.11 methods this package does not have, and what to say instead.

A 0.7.11 script calling one of them gets a
:class:`~binance.exceptions.BinanceNotProvidedError` naming the reason and
the replacement instead of a bare ``AttributeError``. :func:`not_provided`
is the ``__getattr__`` of :class:`~binance.client.Client` and
:class:`~binance.websockets.BinanceSocketManager`: it runs only for names
that normal lookup did not find.
"""
from typing import Any, Optional, Tuple

from binance.exceptions import BinanceNotProvidedError

__all__ = ['not_provided', 'explain']

_OPTIONS = ('used the vanilla options API (vapi.binance.com), which Binance retired',
            'its successor, the European Options API on https://eapi.binance.com, is not '
            'wrapped by this package; call it with Client.request, e.g. '
            'client.request(\'GET\', \'/eapi/v1/exchangeInfo\') or '
            'client.request(\'GET\', \'/eapi/v1/position\', signed=True)')
_OPTIONS_SOCKET = (_OPTIONS[0],
                   'its successor, the European Options API on https://eapi.binance.com '
                   '(streams on wss://nbstream.binance.com/eoptions/), is not provided by '
                   'this package')
_LENDING = ('used Binance Savings (/sapi/v1/lending), which Binance replaced with Simple Earn',
            'call the Simple Earn endpoints with Client.request, e.g. client.request(\'GET\', '
            '\'/sapi/v1/simple-earn/flexible/list\', signed=True) or client.request(\'GET\', '
            '\'/sapi/v1/simple-earn/flexible/position\', signed=True)')
_BOOK_TICKER = ('subscribed to the all-market !bookTicker stream, which Binance removed from '
                'Spot',
                'use start_symbol_book_ticker_socket(symbol, callback) per symbol, or '
                'start_multiplex_socket with <symbol>@bookTicker streams (USD-M futures still '
                'have it: start_all_ticker_futures_socket)')

_LENDING_NAMES = {
    'get_lending_product_list', 'get_lending_daily_quota_left', 'purchase_lending_product',
    'get_lending_daily_redemption_quota', 'redeem_lending_product', 'get_lending_position',
    'get_fixed_activity_project_list', 'get_lending_account', 'get_lending_purchase_history',
    'get_lending_redemption_history', 'get_lending_interest_history',
    'change_fixed_activity_to_daily_position',
}


def explain(name: str) -> Optional[Tuple[str, str]]:
    """``(reason, replacement)`` for a 0.7.11 method this package lacks, else ``None``."""
    if name.startswith('start_options_'):
        return _OPTIONS_SOCKET
    if name.startswith('options_'):
        return _OPTIONS
    if name == 'start_book_ticker_socket':
        return _BOOK_TICKER
    if name in _LENDING_NAMES:
        return _LENDING
    return None


def not_provided(self: Any, name: str) -> Any:
    """``__getattr__``: a clear :class:`BinanceNotProvidedError` for a known 0.7.11 name."""
    known = explain(name) if not name.startswith('_') else None
    if known is None:
        raise AttributeError('{!r} object has no attribute {!r}'.format(
            type(self).__name__, name))
    raise BinanceNotProvidedError(name, *known)
