"""Market data methods of :class:`binance.client.Client` (public endpoints).

Binance reference: https://developers.binance.com/docs/binance-spot-api-docs/rest-api/market-data-endpoints
"""
from typing import Any, Dict, Iterator, List, Optional, Union

from binance._client_base import ClientBase
from binance._client_params import SYMBOL_RE, check_choice, check_limit, check_symbol, require
from binance.enums import AGG_ID, KLINE_INTERVALS
from binance.exceptions import BinanceAPIException
from binance.helpers import date_to_milliseconds, interval_to_milliseconds

DateLike = Union[int, str]

#: Most klines / aggregate trades Binance returns in one page.
MAX_PAGE = 1000
#: Width of the time windows ``aggregate_trade_iter`` walks from a start time (1 h).
AGG_WINDOW = 60 * 60 * 1000
#: Values of the ``type`` parameter of the 24 hour ticker.
TICKER_TYPES = ('FULL', 'MINI')


def _to_ms(value: DateLike, name: str) -> int:
    """Milliseconds from an int or a date string (dateparser only loads for strings)."""
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise TypeError('{} must be milliseconds as int or a date string such as '
                        '"1 Dec, 2017" or "1 day ago UTC", not {}'.format(name, type(value).__name__))
    return date_to_milliseconds(value)


class MarketMixin(ClientBase):
    """Public market data: ``/api/v3/...`` endpoints that need no key."""

    def ping(self) -> Dict[str, Any]:
        """Test connectivity to the REST API.

        :returns: ``{}``
        :raises BinanceAPIException: on an HTTP error status.
        """
        return self._get('v3/ping')

    def get_server_time(self) -> Dict[str, int]:
        """The server time.

        :returns: ``{'serverTime': 1499827319559}``
        """
        return self._get('v3/time')

    def get_exchange_info(self, **params: Any) -> Dict[str, Any]:
        """Trading rules and symbol information (``GET /api/v3/exchangeInfo``).

        :param params: optional ``symbol``, ``symbols`` (a list), or
            ``permissions`` (``'SPOT'`` or a list such as ``['SPOT', 'MARGIN']``,
            not together with ``symbol``/``symbols``); lists are sent as the
            JSON arrays Binance reads (``permissions=["SPOT","MARGIN"]``).
        :returns: ``{'timezone': 'UTC', 'serverTime': ..., 'rateLimits': [...],
            'symbols': [{'symbol': 'ETHBTC', 'status': 'TRADING', 'baseAsset': 'ETH',
            'quoteAsset': 'BTC', 'filters': [...], ...}, ...]}``
        """
        return self._get('v3/exchangeInfo', params)

    def get_symbol_info(self, symbol: str) -> Optional[Dict[str, Any]]:
        """The ``exchangeInfo`` entry of one symbol.

        :param symbol: e.g. ``'BNBBTC'``.
        :returns: the symbol's dict (``status``, ``baseAsset``, ``filters``...),
            or ``None`` when Binance does not list it. A string that cannot be
            a symbol (``'bnbbtc'``: symbols are upper case) gives ``None``
            without a request, as in python-binance 0.7.
        :raises TypeError: when ``symbol`` is not a str.
        """
        if not isinstance(symbol, str):
            check_symbol(symbol)  # raises the TypeError
        if not SYMBOL_RE.match(symbol):
            return None
        try:
            info = self._get('v3/exchangeInfo', {'symbol': symbol})
        except BinanceAPIException as exc:
            if exc.code == -1121:  # Invalid symbol.
                return None
            raise
        for entry in info.get('symbols', ()):
            if entry.get('symbol') == symbol:
                return entry
        return None

    def get_products(self) -> Dict[str, List[Dict[str, Any]]]:
        """Every symbol with its assets and trading steps.

        The original read a website endpoint (``/exchange/public/product``)
        that Binance has removed. This version builds the same outline from
        ``exchangeInfo``: for each symbol ``symbol``, ``baseAsset``,
        ``quoteAsset``, ``status``, ``active`` (status is ``TRADING``),
        ``tickSize``, ``minQty``, ``stepSize``, ``minTrade`` (the step size,
        as the original reported it) and ``minNotional`` when known. The
        original's 24-hour figures (open, close, volume...) are not included:
        use :meth:`get_ticker` for them.

        :returns: ``{'data': [{'symbol': 'BNBBTC', 'baseAsset': 'BNB', ...}, ...]}``
        """
        products = []
        for entry in self.get_exchange_info().get('symbols', ()):
            filters = {f.get('filterType'): f for f in entry.get('filters', ())}
            lot = filters.get('LOT_SIZE', {})
            notional = filters.get('NOTIONAL') or filters.get('MIN_NOTIONAL') or {}
            products.append({
                'symbol': entry.get('symbol'),
                'baseAsset': entry.get('baseAsset'),
                'quoteAsset': entry.get('quoteAsset'),
                'status': entry.get('status'),
                'active': entry.get('status') == 'TRADING',
                'tickSize': filters.get('PRICE_FILTER', {}).get('tickSize'),
                'minQty': lot.get('minQty'),
                'stepSize': lot.get('stepSize'),
                'minTrade': lot.get('stepSize'),
                'minNotional': notional.get('minNotional'),
            })
        return {'data': products}

    def get_all_tickers(self) -> List[Dict[str, str]]:
        """Latest price of every symbol.

        :returns: ``[{'symbol': 'LTCBTC', 'price': '4.00000200'}, ...]``
        """
        return self._get('v3/ticker/price')

    def get_orderbook_tickers(self) -> List[Dict[str, str]]:
        """Best bid and ask of every symbol.

        :returns: ``[{'symbol': 'LTCBTC', 'bidPrice': '4.00000000', 'bidQty': '431.00000000',
            'askPrice': '4.00000200', 'askQty': '9.00000000'}, ...]``
        """
        return self._get('v3/ticker/bookTicker')

    def get_order_book(self, **params: Any) -> Dict[str, Any]:
        """Order book snapshot (``GET /api/v3/depth``).

        :param symbol: required, e.g. ``'BNBBTC'``.
        :param limit: optional, 1 to 5000 (Binance's default 100).
        :returns: ``{'lastUpdateId': 1027024, 'bids': [['4.00000000', '431.00000000'], ...],
            'asks': [['4.00000200', '12.00000000'], ...]}``
        :raises TypeError: without ``symbol``.
        :raises ValueError: for a malformed symbol or limit.

        >>> client.get_order_book(symbol='BNBBTC', limit=5)  # doctest: +SKIP
        """
        require('get_order_book', params, 'symbol')
        check_limit(params, 5000)
        return self._get('v3/depth', params)

    def get_recent_trades(self, **params: Any) -> List[Dict[str, Any]]:
        """Recent trades (``GET /api/v3/trades``).

        :param symbol: required.
        :param limit: optional, up to 1000 (default 500).
        :returns: ``[{'id': 28457, 'price': '4.00000100', 'qty': '12.00000000',
            'time': 1499865549590, 'isBuyerMaker': True, 'isBestMatch': True}, ...]``
        """
        require('get_recent_trades', params, 'symbol')
        check_limit(params, MAX_PAGE)
        return self._get('v3/trades', params)

    def get_historical_trades(self, **params: Any) -> List[Dict[str, Any]]:
        """Older trades (``GET /api/v3/historicalTrades``).

        :param symbol: required.
        :param limit: optional, up to 1000.
        :param fromId: optional trade id to start from.
        :returns: the same shape as :meth:`get_recent_trades`.

        Binance serves it without an API key today (security type NONE), so
        ``Client()`` without keys can call it; a client that has a key still
        sends it, as the original did (Binance ignores it).
        """
        require('get_historical_trades', params, 'symbol')
        check_limit(params, MAX_PAGE)
        return self._get('v3/historicalTrades', params, keyed=bool(self.API_KEY))

    def get_aggregate_trades(self, **params: Any) -> List[Dict[str, Any]]:
        """Compressed, aggregate trades (``GET /api/v3/aggTrades``).

        :param symbol: required.
        :param fromId: optional, the first aggregate trade id to return.
        :param startTime: optional, ms: the trades from this time on;
            :param endTime: optional, ms: the trades up to this time (either
            may be sent alone; Binance lifted the one hour limit in 2022-12).
        :param limit: optional, up to 1000 (default 500).
        :returns: ``[{'a': 26129, 'p': '0.01633102', 'q': '4.70443515', 'f': 27781,
            'l': 27781, 'T': 1498793709153, 'm': True, 'M': True}, ...]`` (the
            keys are also ``Client.AGG_ID``, ``Client.AGG_PRICE``...)
        """
        require('get_aggregate_trades', params, 'symbol')
        check_limit(params, MAX_PAGE)
        return self._get('v3/aggTrades', params)

    def aggregate_trade_iter(self, symbol: str, start_str: Optional[DateLike] = None,
                             last_id: Optional[int] = None) -> Iterator[Dict[str, Any]]:
        """Iterate over aggregate trades, page by page, up to the latest one.

        The requests are those of python-binance 0.7.x, so code and tests
        written against the original see the same traffic:

        * without ``start_str`` and ``last_id``: ``fromId=0`` (the symbol's
          first trades);
        * with ``start_str``: one-hour windows (``startTime``, ``endTime =
          startTime + 1 h``), moving on hour by hour until a window holds a
          trade or the window's end passes the current time;
        * then ``fromId=<last id>`` again and again, dropping the first trade
          of each page (the one already yielded), until a page holds nothing new.

        No ``limit`` is sent, so each page has Binance's default of 500 trades.

        :param symbol: e.g. ``'BNBBTC'``.
        :param start_str: first trade time, ms or a date string (``"1 hour ago UTC"``).
            A start long before the first trade costs one request per hour in
            between, as in the original.
        :param last_id: the id of the last aggregate trade already known; the
            iteration starts with the trade after it.
        :returns: a generator of aggregate trade dicts as the server sent them.
        :raises ValueError: when both ``start_str`` and ``last_id`` are given.

        >>> for trade in client.aggregate_trade_iter('ETHBTC', '30 minutes ago UTC'):  # doctest: +SKIP
        ...     print(trade['p'])
        """
        check_symbol(symbol)
        if start_str is not None and last_id is not None:
            raise ValueError('aggregate_trade_iter() takes start_str or last_id, not both')
        if last_id is not None and (isinstance(last_id, bool) or not isinstance(last_id, int)):
            raise TypeError('last_id must be an int aggregate trade id, not {}'.format(
                type(last_id).__name__))
        start = None if start_str is None else _to_ms(start_str, 'start_str')
        return self._iter_agg_trades(symbol, start, last_id)

    def _iter_agg_trades(self, symbol: str, start: Optional[int],
                         last_id: Optional[int]) -> Iterator[Dict[str, Any]]:
        if last_id is None:
            if start is None:
                page = self.get_aggregate_trades(symbol=symbol, fromId=0)
            else:
                page = self._first_agg_window(symbol, start)
            if not page:
                return
            yield from page
            last_id = page[-1][AGG_ID]
        while True:
            # fromId=n starts with trade n itself, which was yielded already
            page = self.get_aggregate_trades(symbol=symbol, fromId=last_id)[1:]
            if not page:
                return
            yield from page
            last_id = page[-1][AGG_ID]

    def _first_agg_window(self, symbol: str, start: int) -> List[Dict[str, Any]]:
        """The trades of the first one-hour window from ``start`` on that holds any."""
        while True:
            end = start + AGG_WINDOW
            page = self.get_aggregate_trades(symbol=symbol, startTime=start, endTime=end)
            if page or end > self._now_ms():
                return page
            start = end

    def get_klines(self, **params: Any) -> List[List[Any]]:
        """Candlesticks (``GET /api/v3/klines``), identified by open time.

        :param symbol: required.
        :param interval: required, one of ``Client.KLINE_INTERVAL_*`` (``'1m'``...).
        :param startTime: optional ms; :param endTime: optional ms.
        :param limit: optional, up to 1000 (default 500).
        :returns: ``[[open_time, 'open', 'high', 'low', 'close', 'volume', close_time,
            'quote_volume', trades, 'taker_base_volume', 'taker_quote_volume', '0'], ...]``
        :raises ValueError: for an unknown interval, naming the valid ones.
        """
        require('get_klines', params, 'symbol', 'interval')
        check_limit(params, MAX_PAGE)
        return self._get('v3/klines', params)

    def get_historical_klines(self, symbol: str, interval: str, start_str: DateLike,
                              end_str: Optional[DateLike] = None,
                              limit: int = 500) -> List[List[Any]]:
        """Every kline from ``start_str`` to ``end_str``, fetched page by page.

        The requests are those of python-binance 0.7.x: first the symbol's
        earliest kline (``startTime=0``, ``limit=1``), then pages of ``limit``
        klines from ``max(start, earliest)`` with ``endTime`` when given, each
        page starting one interval after the last open time of the one before;
        paging stops after a short or an empty page. The klines are returned
        as the server sent them.

        :param symbol: e.g. ``'BNBBTC'``.
        :param interval: one of ``Client.KLINE_INTERVAL_*``.
        :param start_str: ms, or a date string (``"1 Dec, 2017"``, ``"1 day ago UTC"``).
            A start before the symbol was listed begins at its first kline.
        :param end_str: optional, same forms; default: up to now.
        :param limit: klines per request, 1 to 1000 (default 500).
        :returns: klines as :meth:`get_klines` returns them.

        >>> client.get_historical_klines('ETHBTC', Client.KLINE_INTERVAL_30MINUTE,
        ...                              '1 Dec, 2017', '1 Jan, 2018')  # doctest: +SKIP
        """
        return list(self.get_historical_klines_generator(symbol, interval, start_str, end_str, limit))

    def get_historical_klines_generator(self, symbol: str, interval: str, start_str: DateLike,
                                        end_str: Optional[DateLike] = None,
                                        limit: int = 500) -> Iterator[List[Any]]:
        """Like :meth:`get_historical_klines`, yielding klines as pages arrive.

        Arguments are checked (and date strings read) when it is called; the
        requests happen while it is iterated.
        """
        check_symbol(symbol)
        check_choice('interval', interval, KLINE_INTERVALS)
        check_limit({'limit': limit}, MAX_PAGE)
        start = _to_ms(start_str, 'start_str')
        end = None if end_str is None else _to_ms(end_str, 'end_str')
        return self._iter_klines(symbol, interval, start, end, limit)

    def _earliest_valid_timestamp(self, symbol: str, interval: str,
                                  fetch: Optional[Any] = None) -> Optional[int]:
        """Open time of the symbol's first kline, or ``None`` when it has none."""
        first = (fetch or self.get_klines)(symbol=symbol, interval=interval, limit=1, startTime=0)
        return first[0][0] if first else None

    def _iter_klines(self, symbol: str, interval: str, start: int, end: Optional[int],
                     limit: int, fetch: Optional[Any] = None) -> Iterator[List[Any]]:
        """Page through klines with ``fetch`` (``get_klines``; the futures ones pass theirs)."""
        fetch = fetch or self.get_klines
        earliest = self._earliest_valid_timestamp(symbol, interval, fetch)
        if earliest is None:
            return
        step = interval_to_milliseconds(interval)
        start = max(start, earliest)
        while True:
            page = fetch(symbol=symbol, interval=interval, limit=limit,
                         startTime=start, endTime=end)
            if not page:
                return
            yield from page
            if len(page) < limit:  # a short page is the last one
                return
            start = page[-1][0] + step

    def get_avg_price(self, **params: Any) -> Dict[str, Any]:
        """Current average price (``GET /api/v3/avgPrice``).

        :param symbol: required.
        :returns: ``{'mins': 5, 'price': '9.35751834', 'closeTime': 1694061154503}``
        """
        require('get_avg_price', params, 'symbol')
        return self._get('v3/avgPrice', params)

    def get_ticker(self, **params: Any) -> Any:
        """24 hour price change statistics (``GET /api/v3/ticker/24hr``).

        :param symbol: optional; without it (or with ``symbols=[...]``) a list
            for the symbols is returned.
        :param type: optional, ``'FULL'`` (default) or ``'MINI'`` (without the
            price change, bid/ask and last quantity fields).
        :returns: ``{'symbol': 'BNBBTC', 'priceChange': '-94.99999800', 'lastPrice': ...,
            'volume': ..., ...}``
        :raises ValueError: for another ``type``.
        """
        if params.get('type') is not None:
            check_choice('type', params['type'], TICKER_TYPES)
        return self._get('v3/ticker/24hr', params)

    def get_symbol_ticker(self, **params: Any) -> Any:
        """Latest price (``GET /api/v3/ticker/price``).

        :param symbol: optional; without it a list for every symbol.
        :returns: ``{'symbol': 'LTCBTC', 'price': '4.00000200'}``
        """
        return self._get('v3/ticker/price', params)

    def get_orderbook_ticker(self, **params: Any) -> Any:
        """Best bid and ask (``GET /api/v3/ticker/bookTicker``).

        :param symbol: optional; without it a list for every symbol.
        :returns: ``{'symbol': 'LTCBTC', 'bidPrice': '4.00000000', 'bidQty': '431.00000000',
            'askPrice': '4.00000200', 'askQty': '9.00000000'}``
        """
        return self._get('v3/ticker/bookTicker', params)

    def get_system_status(self) -> Dict[str, Any]:
        """Whether the system is up (``GET /sapi/v1/system/status``).

        :returns: ``{'status': 0, 'msg': 'normal'}`` (``1``: ``'system maintenance'``)
        """
        return self._get('v1/system/status', api='sapi')
