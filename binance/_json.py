"""The fastest JSON decoder available, with the standard library as fallback.

Stream messages are decoded on the reactor thread, once per message, so the
decoder is a large share of the cost of a busy stream: ``orjson`` decodes a
Binance trade event in about 1 us where :func:`json.loads` needs 5-8 us.
``orjson`` is optional; without it :func:`loads` uses :func:`json.loads`.

Both decoders give the same result for every message Binance sends. At the
edges :func:`loads` keeps the standard library's behaviour:

* input ``orjson`` rejects but the standard library accepts (``NaN``,
  ``Infinity``, numbers beyond the float range) is decoded again with
  :func:`json.loads`, so :func:`loads` accepts what the standard library
  accepts and raises what it raises;
* the one remaining difference: integers wider than 64 bits come back from
  ``orjson`` as floats (Binance sends none; its ids and timestamps fit).

Set the environment variable ``BINANCE_JSON=stdlib`` before the first import
to force the standard library (for comparisons and tests).
"""
import json
import os
from typing import Any, Callable, Union

__all__ = ['loads', 'DECODER', 'first_loads', 'stdlib_loads']

JSONInput = Union[bytes, bytearray, memoryview, str]

_stdlib_loads = json.loads


def _loads_stdlib(data: JSONInput) -> Any:
    """Decode one JSON document with :func:`json.loads`.

    :param data: the document as UTF-8 ``bytes`` (as a WebSocket text frame
        carries it), ``bytearray``, ``memoryview`` or ``str``.
    :returns: the decoded value (``dict``, ``list``, ``str``, number, ...).
    :raises ValueError: when ``data`` is not JSON, not valid UTF-8 (encoded
        surrogates such as ``b'\\xed\\xa0\\x80'`` included) or nested deeper
        than the decoder's recursion limit (``json.JSONDecodeError`` and
        ``UnicodeDecodeError`` are both subclasses of ``ValueError``).
    """
    if not isinstance(data, str):
        # strict UTF-8 (json.loads on bytes would let encoded surrogates through)
        data = bytes(data).decode('utf-8')
    try:
        return _stdlib_loads(data)
    except RecursionError:
        raise ValueError('JSON nested deeper than the decoder allows') from None


def _make_orjson_loads() -> 'Callable[[JSONInput], Any] | None':
    try:
        import orjson
    except ImportError:
        return None
    fast = orjson.loads

    def _loads_orjson(data: JSONInput) -> Any:
        try:
            return fast(data)
        except ValueError:
            # NaN, Infinity, 1e400: the stdlib decides, and raises its own
            # error for input that is not JSON at all.
            return _loads_stdlib(data)

    _loads_orjson.__doc__ = (_loads_stdlib.__doc__ or '').replace(
        'with :func:`json.loads`', 'with ``orjson`` (stdlib rules at the edges)')
    return _loads_orjson


def _select() -> 'tuple[str, Callable[[JSONInput], Any]]':
    if os.environ.get('BINANCE_JSON', '').strip().lower() != 'stdlib':
        fast = _make_orjson_loads()
        if fast is not None:
            return 'orjson', fast
    return 'json', _loads_stdlib


#: Name of the decoder in use: ``'orjson'`` or ``'json'``.
DECODER: str
#: ``loads(data) -> value``: decode one JSON document (bytes, bytearray,
#: memoryview or str); raises ``ValueError`` for anything that is not JSON.
#:
#: >>> loads(b'{"e": "trade", "p": "0.001"}')
#: {'e': 'trade', 'p': '0.001'}
loads: Callable[[JSONInput], Any]
DECODER, loads = _select()


def _first() -> Callable[[JSONInput], Any]:
    if DECODER == 'orjson':
        import orjson
        return orjson.loads  # type: ignore[no-any-return]
    return _loads_stdlib


#: The decoder itself, without :func:`loads`' Python wrapper, for the
#: per-message path of a stream (one call less per message): where it raises
#: ``ValueError``, call :data:`stdlib_loads` for the standard library's answer
#: (the two together behave as :func:`loads`).
first_loads: Callable[[JSONInput], Any] = _first()
#: :func:`json.loads` taking memoryviews too.
stdlib_loads: Callable[[JSONInput], Any] = _loads_stdlib
