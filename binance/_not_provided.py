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

_COIN_M = ('is the COIN-M futures API (/dapi on https://dapi.binance.com), which this package '
           'does not provide',
           'USD-M futures are the futures_* methods without "coin" (see the futures docs)')
_OPTIONS = ('used the vanilla options API (vapi.binance.com), which Binance retired',
            'its successor, the European Options API on https://eapi.binance.com, is not '
            'provided by this package')
_LENDING = ('used Binance Savings (/sapi/v1/lending), which Binance replaced with Simple Earn',
            'use the Simple Earn endpoints (/sapi/v1/simple-earn/...); this package does not '
            'wrap them')
_BOOK_TICKER = ('subscribed to the all-market !bookTicker stream, which Binance removed from '
                'Spot',
                'use start_symbol_book_ticker_socket(symbol, callback) per symbol, or '
                'start_multiplex_socket with <symbol>@bookTicker streams (USD-M futures still '
                'have it: start_all_ticker_futures_socket)')
_OTHER = ('is not provided by this package',
          'call the Binance endpoint it wrapped with a generic HTTP client')

_LENDING_NAMES = {
    'get_lending_product_list', 'get_lending_daily_quota_left', 'purchase_lending_product',
    'get_lending_daily_redemption_quota', 'redeem_lending_product', 'get_lending_position',
    'get_fixed_activity_project_list', 'get_lending_account', 'get_lending_purchase_history',
    'get_lending_redemption_history', 'get_lending_interest_history',
    'change_fixed_activity_to_daily_position',
}
#: Other Client methods of 0.7.11 (sub-accounts, universal transfers, ...) not provided.
_OTHER_NAMES = {
    'get_account_api_trading_status', 'get_asset_dividend_history', 'make_universal_transfer',
    'query_universal_transfer_history', 'get_withdraw_history_id', 'get_sub_account_list',
    'get_sub_account_transfer_history', 'create_sub_account_transfer',
    'get_sub_account_futures_transfer_history', 'create_sub_account_futures_transfer',
    'get_sub_account_assets', 'query_subaccount_spot_summary', 'get_subaccount_deposit_address',
    'get_subaccount_deposit_history', 'get_subaccount_futures_margin_status',
    'enable_subaccount_margin', 'get_subaccount_margin_details', 'get_subaccount_margin_summary',
    'enable_subaccount_futures', 'get_subaccount_futures_details',
    'get_subaccount_futures_summary', 'get_subaccount_futures_positionrisk',
    'make_subaccount_futures_transfer', 'make_subaccount_margin_transfer',
    'make_subaccount_to_subaccount_transfer', 'make_subaccount_to_master_transfer',
    'get_subaccount_transfer_history', 'get_universal_transfer_history', 'new_transfer_history',
    'universal_transfer', 'get_all_coins_info', 'get_account_snapshot',
    'disable_fast_withdraw_switch', 'enable_fast_withdraw_switch',
}


def explain(name: str) -> Optional[Tuple[str, str]]:
    """``(reason, replacement)`` for a 0.7.11 method this package lacks, else ``None``."""
    if name.startswith('futures_coin_'):
        return _COIN_M
    if name.startswith(('options_', 'start_options_')):
        return _OPTIONS
    if name == 'start_book_ticker_socket':
        return _BOOK_TICKER
    if name in _LENDING_NAMES:
        return _LENDING
    if name in _OTHER_NAMES:
        return _OTHER
    return None


def not_provided(self: Any, name: str) -> Any:
    """``__getattr__``: a clear :class:`BinanceNotProvidedError` for a known 0.7.11 name."""
    known = explain(name) if not name.startswith('_') else None
    if known is None:
        raise AttributeError('{!r} object has no attribute {!r}'.format(
            type(self).__name__, name))
    raise BinanceNotProvidedError(name, *known)
