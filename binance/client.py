"""The REST client: :class:`Client`, built on :mod:`requests`.

The method names and keyword arguments are those of python-binance 0.7, so
existing scripts keep working; the endpoints are today's (``/api/v3`` and
``/sapi/v1``). The methods are defined by concern in
:mod:`binance._client_market` (public market data),
:mod:`binance._client_account` (orders, account, wallet, listen keys) and
:mod:`binance._client_orders` (order lists, cancel-replace, amend, SOR,
commission and filters, window tickers); the request plumbing is in
:mod:`binance._client_base`. This module never
imports Twisted.

Usage::

    from binance.client import Client

    client = Client(api_key, api_secret)
    depth = client.get_order_book(symbol='BNBBTC')
    order = client.order_limit_buy(symbol='BNBBTC', quantity=100, price='0.00001')
    klines = client.get_historical_klines('BNBBTC', Client.KLINE_INTERVAL_1MINUTE,
                                          '1 day ago UTC')

Point it at another server (e.g. :class:`binance.testing.LocalExchange`) with
``client.API_URL = 'http://127.0.0.1:PORT/api'``; wallet (``/sapi``) requests
follow it. USD-M futures methods (:mod:`binance._client_futures`,
:mod:`binance._client_futures_trading`) use
``Client.FUTURES_URL`` (``https://fapi.binance.com/fapi``); margin methods
are in :mod:`binance._client_margin`.
"""
from typing import Any, Dict, Optional, Union

from binance._client_account import AccountMixin
from binance._client_base import DEFAULT_TIMEOUT
from binance._client_coin_futures import CoinFuturesMixin
from binance._client_constants import ClientConstants
from binance._client_futures_trading import FuturesTradingMixin
from binance._client_margin import MarginMixin
from binance._client_market import MarketMixin
from binance._client_orders import SpotOrdersMixin
from binance._client_params import sign_payload
from binance._client_request import RequestMixin
from binance._client_subaccounts import SubAccountMixin
from binance._client_wallet_ext import WalletExtMixin
from binance._not_provided import not_provided
from binance.filters import SymbolFilters, SymbolFiltersCache

__all__ = ['Client', 'sign_payload', 'DEFAULT_TIMEOUT']


class Client(FuturesTradingMixin, CoinFuturesMixin, MarginMixin, SpotOrdersMixin,
             SubAccountMixin, WalletExtMixin, AccountMixin, MarketMixin, RequestMixin,
             ClientConstants):
    """Blocking REST client for Binance.

    :param api_key: the API key; needed for signed (account and trading) calls.
    :param api_secret: the secret of an HMAC API key, which signs them
        (HMAC-SHA256, hex).
    :param private_key: instead of ``api_secret``, the private key of an
        Ed25519 (recommended by Binance) or RSA API key: PEM text, PEM bytes
        or the path of a PEM file (PKCS#8, encrypted or not). Signatures are
        Ed25519 or RSASSA-PKCS1-v1_5/SHA-256, base64, percent-encoded in the
        query string. A key that cannot be used, or a wrong password, raises
        :class:`ValueError` here, before any request.
    :param private_key_pass: the password of an encrypted ``private_key``.
    :param sync_clock: keep an offset to Binance's server time (see
        :attr:`server_clock`): measured on the first signed request, renewed
        every 10 minutes and after a ``-1021`` answer, after which the
        refused request is sent once more with a fresh ``timestamp``.
        ``False`` uses the local clock plus :attr:`timestamp_offset` as set.
        The API key, the secret, the private key and its password are never
        logged or shown in a repr or an exception message.
    :param requests_params: keyword arguments for every :mod:`requests` call,
        e.g. ``{'timeout': 5, 'verify': '/path/ca.pem', 'proxies': {...}}``;
        ``timeout`` defaults to 10 s and is also each call's overall
        deadline (connect and the whole answer; a ``(connect, read)`` pair
        allows their sum). A method's ``requests_params=`` keyword adds to
        them for that one call.
    :param rate_limit: ``'wait'`` (default): before a request that would
        exceed Binance's request weight or order limits (tracked from the
        ``X-MBX-USED-WEIGHT-*``/``X-MBX-ORDER-COUNT-*`` headers and
        ``exchangeInfo``'s ``rateLimits``), sleep until it fits, logging a
        warning; ``'raise'``: raise
        :class:`~binance.exceptions.BinanceRateLimitException` without
        sending. A GET that gets HTTP 429 is sent again after ``Retry-After``
        (never an order); after a 418 every request raises until the ban ends.
        See :attr:`rate_limiter`.
    :param time_unit: ``'MICROSECOND'`` asks Binance for microsecond
        timestamps in Spot REST answers (``X-MBX-TIME-UNIT``); ``None`` or
        ``'MILLISECOND'``: milliseconds, Binance's default.
    :param tld: top-level domain: ``'us'`` uses ``https://api.binance.us/api``.
    :param testnet: use ``https://testnet.binance.vision/api`` (and
        ``https://testnet.binancefuture.com/fapi`` for the ``futures_*`` methods).
    :param demo: use Binance Demo Mode (paper trading on Binance's own
        engine): ``https://demo-api.binance.com/api`` and
        ``https://demo-fapi.binance.com/fapi``; a socket manager built from
        this client uses the demo streams and WebSocket API. Refused
        (:class:`ValueError`) together with ``testnet=True`` or a ``tld``
        other than ``'com'``.

    Construction does no network I/O. Every constant of :mod:`binance.enums`
    is also a class attribute (``Client.SIDE_BUY``, ``Client.KLINE_INTERVAL_30MINUTE``,
    ``Client.AGG_ID``...). After each answer ``client.response`` holds the
    :class:`requests.Response` and ``client.used_weight`` the request weight
    used this minute (``X-MBX-USED-WEIGHT-1M``); ``client.key_type`` says
    ``'HMAC'``, ``'RSA'`` or ``'Ed25519'``; ``client.timestamp_offset`` (ms)
    and ``client.timestamp_offset_age`` (seconds) show the clock correction.

    Errors: :class:`~binance.exceptions.BinanceAPIException` for an HTTP error
    status (:class:`~binance.exceptions.BinanceRateLimitException` for 429/418,
    with ``retry_after``), :class:`~binance.exceptions.BinanceRequestException`
    for an answer that is not JSON,
    :class:`~binance.exceptions.BinanceTimeoutException` and
    :class:`~binance.exceptions.BinanceConnectionException`; bad arguments
    raise :class:`ValueError`/:class:`TypeError` before anything is sent.

    Logging: the client logs to ``binance.client`` (method, path, status,
    used weight; never the key, the secret or a signature). Signed requests
    carry their ``signature`` in the query string, which urllib3 prints in
    its own DEBUG lines (``urllib3.connectionpool``); importing this module
    adds a filter to that logger that masks the value
    (``signature=<redacted>``). Other tools that log URLs (a proxy,
    ``http.client`` debug output) still see it: a signature is valid only
    for that one request within its ``recvWindow``, but keep such logs private.
    """

    #: a 0.7.11 method this package lacks raises BinanceNotProvidedError naming the replacement
    __getattr__ = not_provided

    def __init__(self, api_key: Optional[str] = None, api_secret: Optional[str] = None,
                 requests_params: Optional[Dict[str, Any]] = None, tld: str = 'com',
                 testnet: bool = False, *, private_key: Any = None,
                 private_key_pass: Optional[Union[str, bytes]] = None,
                 sync_clock: bool = True, demo: bool = False, rate_limit: str = 'wait',
                 time_unit: Optional[str] = None) -> None:
        super().__init__(api_key, api_secret, requests_params, tld, testnet,
                         private_key=private_key, private_key_pass=private_key_pass,
                         sync_clock=sync_clock, demo=demo, rate_limit=rate_limit,
                         time_unit=time_unit)
        self._symbol_filters = SymbolFiltersCache(self.get_exchange_info, 'spot')
        self._futures_symbol_filters = SymbolFiltersCache(self.futures_exchange_info, 'futures')

    def get_symbol_filters(self, symbol: str, refresh: bool = False) -> SymbolFilters:
        """The trading rules of a Spot (and margin) symbol, to round and check orders.

        From ``GET /api/v3/exchangeInfo``, fetched on first use and kept for
        :attr:`SymbolFiltersCache.MAX_AGE <binance.filters.SymbolFiltersCache.MAX_AGE>`
        (10 minutes; weight 20 per fetch). See :mod:`binance.filters`.

        :param symbol: e.g. ``'BNBBTC'``.
        :param refresh: fetch exchangeInfo now.
        :returns: a :class:`~binance.filters.SymbolFilters`:
            ``filters.order_params(quantity, price)`` gives the rounded, checked
            and formatted ``quantity`` and ``price`` of an order.
        :raises ValueError: when Binance does not list the symbol.
        """
        return self._symbol_filters.get(symbol, refresh)

    def futures_get_symbol_filters(self, symbol: str, refresh: bool = False) -> SymbolFilters:
        """:meth:`get_symbol_filters` for a USD-M futures symbol (``GET /fapi/v1/exchangeInfo``)."""
        return self._futures_symbol_filters.get(symbol, refresh)

