"""What the local exchange adds to Binance's key errors (-2015, -1022).

A user who runs a script offline with real-looking keys would get Binance's
bare "Invalid API-key, IP, or permissions for action." and no idea why. The
local exchange answers with Binance's code and message, followed by a
sentence naming the local account (its API key, never a secret, and never
the key that was sent).
"""
from typing import Any

__all__ = ['INVALID_KEY', 'INVALID_SIGNATURE', 'invalid_key', 'invalid_signature']

#: Binance's messages (kept first, so code that matches them keeps working).
INVALID_KEY = 'Invalid API-key, IP, or permissions for action.'
INVALID_SIGNATURE = 'Signature for this request is not valid.'

_HOW = ('use LocalExchange.client(), or run the script with python -m binance.testing run '
        '--api-key KEY --api-secret SECRET to make its own keys the local account')


def invalid_key(market: Any) -> str:
    """-2015 for an API key the local exchange does not know."""
    return '{} (local exchange: this API key is not one of its accounts; {}: {})'.format(
        INVALID_KEY, _default_account(market), _HOW)


def invalid_signature(market: Any) -> str:
    """-1022 for a signature that does not match the key's secret (or public key)."""
    return '{} (local exchange: sign with the secret or private key of the account of the ' \
           'API key sent; {}, its secret is LocalExchange.api_secret: {})'.format(
               INVALID_SIGNATURE, _default_account(market), _HOW)


def _default_account(market: Any) -> str:
    default = getattr(market, 'default_api_key', None)
    key = default() if callable(default) else None
    return 'the default account is {!r}'.format(key) if key else 'it has no account yet'
