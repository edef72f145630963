"""Warn when a stream names a symbol the exchange does not list.

Binance accepts a subscription to ``foobar@trade`` and then sends nothing,
so a misspelt symbol looks like a quiet market. :class:`SymbolCheck` asks the
manager's REST client for the exchange information once, in a worker thread
after the stream was started (never at construction), and logs a warning
that reaches stderr even when no logging is configured
(:mod:`binance._fallback_log`) for every started stream whose symbol is not
listed. When the exchange information cannot be read, nothing is reported.
"""
import logging
import threading
from typing import Any, Callable, List, Optional, Set

from binance._fallback_log import SHOW

__all__ = ['SymbolCheck', 'stream_symbol_of']

log = logging.getLogger('binance.websockets')


def stream_symbol_of(stream: str) -> Optional[str]:
    """The upper-case symbol a stream name starts with (``'bnbbtc@trade'`` -> ``'BNBBTC'``)."""
    if stream.startswith('!') or '@' not in stream:
        return None
    return stream.split('@', 1)[0].upper() or None


class SymbolCheck:
    """Checks stream symbols against ``client.get_exchange_info()``, fetched once.

    :param client: the manager's REST client (``None``: no checks).
    :param in_thread: runs a blocking function off the reactor thread and
        returns a Deferred (the manager's ``_in_thread``).
    :param call: runs a function on the reactor thread.
    """

    def __init__(self, client: Any, in_thread: Callable[..., Any],
                 call: Callable[..., Any]) -> None:
        self._client = client
        self._in_thread = in_thread
        self._call = call
        self._lock = threading.Lock()
        self._listed: Optional[Set[str]] = None
        self._fetching = False
        self._failed = False
        self._pending: List[str] = []

    def check(self, streams: List[str]) -> None:
        """Warn (now or once the exchange information is known) about unlisted symbols."""
        if self._client is None or not hasattr(self._client, 'get_exchange_info'):
            return
        with self._lock:
            if self._failed:
                return
            if self._listed is None:
                self._pending.extend(streams)
                if self._fetching:
                    return
                self._fetching = True
            else:
                listed = self._listed
                self._report(streams, listed)
                return
        self._call(self._fetch)

    def _fetch(self) -> None:
        self._in_thread(self._client.get_exchange_info).addCallbacks(self._known, self._unknown)

    def _known(self, info: Any) -> None:
        try:
            listed = {entry['symbol'] for entry in info['symbols']}
        except (KeyError, TypeError):
            return self._unknown(None)
        with self._lock:
            self._listed = listed
            pending, self._pending = self._pending, []
        self._report(pending, listed)
        return None

    def _unknown(self, failure: Any) -> None:
        log.debug('could not read the exchange information to check stream symbols: %s',
                  getattr(failure, 'value', failure))
        with self._lock:
            self._failed = True
            self._pending = []

    @staticmethod
    def _report(streams: List[str], listed: Set[str]) -> None:
        for stream in streams:
            symbol = stream_symbol_of(stream)
            if symbol is not None and symbol not in listed:
                log.warning('%s: %s is not a symbol of this exchange (see get_exchange_info()); '
                            'the stream will deliver nothing', stream, symbol,
                            extra={SHOW: True})
