"""Microsecond time on the local exchange's streams (``timeUnit`` in the URL).

Binance's spot streams and WebSocket API take ``timeUnit=MICROSECOND`` (or
``microsecond``) in the connection URL: every time field of what that
connection receives is then in microseconds (``/ws/btcusdt@trade?timeUnit=
MICROSECOND``, ``/stream?streams=...&timeUnit=MICROSECOND``,
``/ws-api/v3?timeUnit=MICROSECOND``). ``MILLISECOND``/``millisecond`` is the
default. The local exchange keeps time in milliseconds, so its microsecond
values are those milliseconds times 1000; another value refuses the
handshake (HTTP 400) with Binance's REST message for a bad time unit.

:data:`EVENT_TIME_FIELDS` is where the time fields of each stream event are
listed (from web-socket-streams.md and user-data-stream.md).
"""
from typing import Any, Dict, FrozenSet, Optional
from urllib.parse import parse_qs, urlsplit

from binance.testing.streams_format import dumps, loads
from binance.testing.time_unit import TIME_FIELDS

__all__ = ['wants_microseconds_in', 'event_to_microseconds', 'raw_to_microseconds',
           'reply_to_microseconds', 'EVENT_TIME_FIELDS', 'REPLY_TIME_FIELDS', 'BAD_TIME_UNIT']

_VALUES = {'MILLISECOND': False, 'millisecond': False, 'MICROSECOND': True, 'microsecond': True}
#: what Binance answers a time unit it does not know (its REST message, -1194)
BAD_TIME_UNIT = 'Invalid value for time unit; expected either MICROSECOND or MILLISECOND.'

_TICKER = frozenset('EOC')
#: time fields by event type (``e``); ``E`` is always one. A kline's ``k.t``/``k.T`` too.
EVENT_TIME_FIELDS: Dict[str, FrozenSet[str]] = {
    'trade': frozenset('ET'), 'aggTrade': frozenset('ET'), 'kline': frozenset('E'),
    '24hrTicker': _TICKER, '24hrMiniTicker': _TICKER, '1hTicker': _TICKER,
    '4hTicker': _TICKER, '1dTicker': _TICKER, 'depthUpdate': frozenset('E'),
    'avgPrice': frozenset('ET'), 'referencePrice': frozenset('t'),
    'executionReport': frozenset('ETOW'), 'outboundAccountPosition': frozenset('Eu'),
    'balanceUpdate': frozenset('ET'), 'listStatus': frozenset('ET'),
    'externalLockUpdate': frozenset('ET'), 'listenKeyExpired': frozenset('E'),
    'eventStreamTerminated': frozenset('E'), 'serverShutdown': frozenset('E'),
}
_KLINE_FIELDS = frozenset('tT')
#: time fields of WebSocket API answers: REST's, and ``retryAfter`` of an error's ``data``
REPLY_TIME_FIELDS = TIME_FIELDS | frozenset(['retryAfter'])


def wants_microseconds_in(uri: str) -> Optional[bool]:
    """Whether the request URI asks for microseconds; ``None`` for a value Binance refuses."""
    values = parse_qs(urlsplit(uri).query, keep_blank_values=True).get('timeUnit')
    if not values:
        return False
    return _VALUES.get(values[-1])


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def event_to_microseconds(event: Any) -> Any:
    """A stream event (or a list of them, e.g. ``!miniTicker@arr``) with its time
    fields in microseconds; a combined-stream envelope's ``data`` likewise."""
    if isinstance(event, list):
        return [event_to_microseconds(item) for item in event]
    if not isinstance(event, dict):
        return event
    if 'data' in event and 'stream' in event:
        return dict(event, data=event_to_microseconds(event['data']))
    kind = event.get('e')
    fields = EVENT_TIME_FIELDS.get(kind) if isinstance(kind, str) else None
    if fields is None:
        fields = frozenset('E') if kind is not None else frozenset()
    out = {key: value * 1000 if key in fields and _is_int(value) else value
           for key, value in event.items()}
    kline = out.get('k')
    if kind == 'kline' and isinstance(kline, dict):
        out['k'] = {key: value * 1000 if key in _KLINE_FIELDS and _is_int(value) else value
                    for key, value in kline.items()}
    return out


def raw_to_microseconds(raw: bytes) -> bytes:
    """The JSON event ``raw`` re-encoded with its time fields in microseconds."""
    return dumps(event_to_microseconds(loads(raw)))


def reply_to_microseconds(reply: Dict[str, Any]) -> Dict[str, Any]:
    """A WebSocket API answer with the time fields of its ``result`` (and of an
    error's ``data``) in microseconds; kline rows' open and close times too."""
    out = dict(reply)
    if 'result' in out:
        out['result'] = _reply_value(out['result'])
    error = out.get('error')
    if isinstance(error, dict) and isinstance(error.get('data'), dict):
        out['error'] = dict(error, data=_reply_value(error['data']))
    return out


def _reply_value(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: item * 1000 if key in REPLY_TIME_FIELDS and _is_int(item)
                else _reply_value(item) for key, item in value.items()}
    if isinstance(value, list):
        if value and all(_is_kline_row(row) for row in value):
            return [[row[0] * 1000] + row[1:6] + [row[6] * 1000] + row[7:] for row in value]
        return [_reply_value(item) for item in value]
    return value


def _is_kline_row(row: Any) -> bool:
    return isinstance(row, list) and len(row) == 12 and _is_int(row[0]) and _is_int(row[6])
