"""Streaming readers of Binance's historical files (data.binance.vision) and of recordings.

Binance publishes its market history as zip files holding one CSV each, named
``<SYMBOL>-<kind>-<date>.zip`` under ``spot/`` or ``futures/um/``:

==================  =======================================================================
kind                columns
==================  =======================================================================
``trades``          id, price, qty, quoteQty, time, isBuyerMaker[, isBestMatch]
``aggTrades``       aggId, price, qty, firstTradeId, lastTradeId, time, isBuyerMaker[, isBestMatch]
``<interval>``      klines: openTime, open, high, low, close, volume, closeTime, quoteVolume,
                    count, takerBuyBase, takerBuyQuote, ignore
``bookTicker``      updateId, bidPrice, bidQty, askPrice, askQty, transactionTime, eventTime
==================  =======================================================================

Spot files have no header row, futures files have one (both are accepted
either way: a first row whose first field is not a number is a header).
USD-M (``futures/um/``) files have the same columns less the spot files'
last ``isBestMatch`` of trades and aggTrades, lower-case ``true``/``false``
and millisecond times; ``markPriceKlines`` files (under
``futures/um/.../markPriceKlines/``) are named like klines and hold the
mark price's twelve kline columns. A file is USD-M when its path says so
(``futures/um/``), or, outside such a path, when a trades file has six
columns or an aggTrades file seven (the spot ones have seven and eight).
The events of a USD-M file carry its symbol as :data:`FUTURES_PREFIX` +
symbol, so a name that is both a spot and a USD-M symbol stays two markets.
Spot timestamps are microseconds from 2025-01-01 on and milliseconds
before; a timestamp above :data:`MICROSECONDS_ABOVE` is read as
microseconds, so both units read correctly whatever the file's date.

A recording (``*.jsonl.gz`` or ``*.jsonl``) holds one JSON object a line,
``{"t": receive_ms, "stream": name, "data": payload}``, the payload as the
stream sent it (``trade``, ``aggTrade`` and ``bookTicker`` events are
replayed; other streams, klines included, are skipped: the replay builds
klines and tickers from the trades).

Every reader yields :data:`Event` tuples one at a time and never loads a file
whole; :func:`merge` interleaves many readers in time order with a heap.
"""
import csv
import gzip
import heapq
import io
import itertools
import json
import os
import re
import zipfile
from typing import IO, Any, Dict, Iterable, Iterator, List, NamedTuple, Optional, Tuple

__all__ = ['Event', 'DataFile', 'ReplayDataError', 'describe', 'expand_paths', 'read', 'merge',
           'MICROSECONDS_ABOVE', 'KINDS', 'FUTURES_PREFIX', 'PRICE_KLINE_KINDS']

#: Timestamps above this are microseconds (milliseconds reach it in the year 5138).
MICROSECONDS_ABOVE = 10 ** 14
#: The file kinds a replay reads (besides kline intervals).
KINDS = ('trades', 'aggTrades', 'bookTicker')
#: What the events of a USD-M file put before their symbol.
FUTURES_PREFIX = 'um:'
#: USD-M price-kline folders of data.binance.vision (their files are named like klines);
#: a replay reads ``markPriceKlines``, the others are refused.
PRICE_KLINE_KINDS = ('markPriceKlines', 'indexPriceKlines', 'premiumIndexKlines')
_INTERVALS = ('1s', '1m', '3m', '5m', '15m', '30m', '1h', '2h', '4h', '6h', '8h', '12h', '1d',
              '3d', '1w', '1mo', '1M')
_NAME = re.compile(r'^(?P<symbol>[A-Z0-9]{2,20})-(?P<kind>trades|aggTrades|bookTicker|'
                   + '|'.join(_INTERVALS) + r')-(?P<date>\d{4}-\d{2}(-\d{2})?)$')
_RECORDING = ('.jsonl.gz', '.jsonl', '.json.gz')

#: ``(time_ms, order, kind, symbol, fields)``: ``kind`` is ``'trade'`` (fields:
#: id, price, qty, buyer_maker), ``'aggTrade'`` (agg id, price, qty, first id,
#: last id, buyer_maker), ``'bookTicker'`` (update id, bid, bid qty, ask, ask
#: qty) or ``'markPrice'`` (price; USD-M only); prices and quantities are the file's text. ``order`` keeps the
#: order of a file and breaks ties between files (the order they were given).
Event = Tuple[int, int, str, str, tuple]


class ReplayDataError(ValueError):
    """A replay path that cannot be read, with what was wrong and what is valid."""


class DataFile(NamedTuple):
    """What a file name (and its path) says about a data file."""

    path: str
    symbol: Optional[str]      # None for a recording (symbols come from its messages)
    kind: str                  # 'trades', 'aggTrades', 'bookTicker', 'klines', 'recording'
    #                            or a price-kline kind (PRICE_KLINE_KINDS)
    interval: Optional[str]    # the kline interval
    market: str                # 'spot', 'usdm' or 'coinm'


def _stem(path: str) -> str:
    name = os.path.basename(path)
    for ext in ('.zip', '.csv'):
        if name.endswith(ext):
            return name[:-len(ext)]
    return name


def describe(path: str) -> DataFile:
    """Kind, symbol, interval and market of a data file from its name and path.

    :raises ReplayDataError: for a name that is not one of Binance's files or a recording.
    """
    name = os.path.basename(path)
    if name.endswith(_RECORDING):
        return DataFile(path, None, 'recording', None, 'spot')
    if not name.endswith(('.zip', '.csv')):
        raise ReplayDataError(
            'cannot replay {!r}: expected a data.binance.vision file (.zip or .csv named like '
            'BTCUSDT-trades-2025-03-01.zip, -aggTrades-, -1m- (any kline interval) or '
            '-bookTicker-) or a recording (.jsonl.gz)'.format(path))
    match = _NAME.match(_stem(path))
    if match is None:
        raise ReplayDataError(
            'cannot tell what {!r} holds: data.binance.vision names files SYMBOL-KIND-DATE, e.g. '
            'BTCUSDT-trades-2025-03-01.zip; KIND is trades, aggTrades, bookTicker or a kline '
            'interval ({})'.format(name, ', '.join(_INTERVALS)))
    kind = match.group('kind')
    interval = None
    if kind not in KINDS:
        interval, kind = ('1M' if kind == '1mo' else kind), 'klines'
    parts = os.path.abspath(path).replace(os.sep, '/').split('/')
    market = 'usdm' if any(a == 'futures' and b == 'um' for a, b in zip(parts, parts[1:])) \
        else 'spot'
    if 'futures' in parts and market != 'usdm':
        market = 'coinm' if 'cm' in parts else market
    if kind == 'klines':
        kind = next((k for k in PRICE_KLINE_KINDS if k in parts), kind)
    if market == 'spot' and kind in ('trades', 'aggTrades') and os.path.isfile(path):
        market = _market_of_columns(path, kind)
    return DataFile(path, match.group('symbol'), kind, interval, market)


def _market_of_columns(path: str, kind: str) -> str:
    """``'usdm'`` for a trades file of six columns or an aggTrades file of seven
    (USD-M's, without the spot files' ``isBestMatch``), else ``'spot'``."""
    try:
        with _open_text(path) as text:
            for row in csv.reader(text):
                if row and not _is_header(row):
                    return 'usdm' if len(row) == (6 if kind == 'trades' else 7) else 'spot'
    except (OSError, zipfile.BadZipFile, UnicodeDecodeError, csv.Error):
        pass   # read() says what is wrong with it
    return 'spot'


def expand_paths(paths: Iterable[Any]) -> List[DataFile]:
    """Every data file of ``paths`` (files, or directories searched recursively), described.

    :raises ReplayDataError: for a path that does not exist, an empty
        directory, or a file that is not one of Binance's.
    """
    if isinstance(paths, (str, bytes, os.PathLike)):
        paths = [paths]
    found: List[DataFile] = []
    for raw in paths:
        path = os.fspath(raw)
        if isinstance(path, bytes):
            path = os.fsdecode(path)
        if os.path.isdir(path):
            names = sorted(os.path.join(root, f) for root, _, files in os.walk(path)
                           for f in files if f.endswith(('.zip', '.csv') + _RECORDING))
            if not names:
                raise ReplayDataError('no data files in {!r} (expected .zip, .csv or .jsonl.gz '
                                      'files)'.format(path))
            found.extend(describe(name) for name in names)
        elif os.path.isfile(path):
            found.append(describe(path))
        else:
            raise ReplayDataError('no such replay file or directory: {!r}'.format(path))
    if not found:
        raise ReplayDataError('replay needs at least one data file or directory')
    return found


def _open_text(path: str) -> IO[str]:
    """The CSV text of ``path`` (the first .csv member of a zip), streamed."""
    if path.endswith('.zip'):
        archive = zipfile.ZipFile(path)
        members = [m for m in archive.namelist() if m.endswith('.csv')] or archive.namelist()
        if not members:
            raise ReplayDataError('{!r} is an empty zip file'.format(path))
        return io.TextIOWrapper(archive.open(members[0]), encoding='utf-8', newline='')
    return open(path, encoding='utf-8', newline='')


def _ms(value: str) -> int:
    number = int(value)
    return number // 1000 if number > MICROSECONDS_ABOVE else number


def _flag(value: str) -> bool:
    return value.strip().lower() == 'true'


def _is_header(row: List[str]) -> bool:
    return bool(row) and not row[0].strip().lstrip('-').isdigit()


def _rows(path: str) -> Iterator[List[str]]:
    with _open_text(path) as text:
        reader = csv.reader(text)
        first = next(reader, None)
        if first is None:
            return
        if not _is_header(first):
            yield first
        for row in reader:
            if row:
                yield row


def _csv_events(data: DataFile) -> Iterator[Tuple[int, str, str, tuple]]:
    symbol = (FUTURES_PREFIX if data.market == 'usdm' else '') + (data.symbol or '')
    line = 0
    try:
        if data.kind == 'trades':
            for line, row in enumerate(_rows(data.path), 1):
                yield (_ms(row[4]), 'trade', symbol,
                       (int(row[0]), row[1], row[2], _flag(row[5])))
        elif data.kind == 'aggTrades':
            for line, row in enumerate(_rows(data.path), 1):
                yield (_ms(row[5]), 'aggTrade', symbol,
                       (int(row[0]), row[1], row[2], int(row[3]), int(row[4]), _flag(row[6])))
        elif data.kind == 'bookTicker':
            for line, row in enumerate(_rows(data.path), 1):
                yield (_ms(row[5]), 'bookTicker', symbol,
                       (int(row[0]), row[1], row[2], row[3], row[4]))
        elif data.kind == 'markPriceKlines':
            for line, row in enumerate(_rows(data.path), 1):
                yield from _mark_points(symbol, row)
        else:
            for line, row in enumerate(_rows(data.path), 1):
                yield from _kline_trades(symbol, data.interval or '1m', row)
    except (IndexError, ValueError) as exc:
        raise ReplayDataError('{}: data row {} is not a {} row of data.binance.vision ({})'.format(
            data.path, line, data.kind, exc)) from None


def _kline_trades(symbol: str, interval: str, row: List[str]) -> Iterator[Tuple[int, str, str, tuple]]:
    """A kline row as four trades (the rule of the docs): open, then the extreme
    nearer the open, the other extreme, close, spread evenly over the kline."""
    open_ms, close_ms = _ms(row[0]), _ms(row[6])
    o, h, l, c = row[1], row[2], row[3], row[4]
    rising = float(c) >= float(o)
    prices = (o, l, h, c) if rising else (o, h, l, c)
    span = max(close_ms - open_ms, 3)
    quarter = _quarter(row[5])
    for number, price in enumerate(prices):
        yield (open_ms + span * number // 3, 'trade', symbol,
               (-1, price, quarter, number % 2 == 1 if rising else number % 2 == 0))


def _mark_points(symbol: str, row: List[str]) -> Iterator[Tuple[int, str, str, tuple]]:
    """A mark-price kline row as four mark prices, in the order and at the times a
    kline row's four prints take (:func:`_kline_trades`)."""
    for t, _, _, fields in _kline_trades(symbol, '', row):
        yield (t, 'markPrice', symbol, (fields[1],))


def _quarter(volume: str) -> str:
    places = len(volume.split('.')[1]) if '.' in volume else 0
    text = '{:.{}f}'.format(float(volume) / 4, places)
    return text


def _recording_events(data: DataFile) -> Iterator[Tuple[int, str, str, tuple]]:
    lines: IO[str] = gzip.open(data.path, 'rt', encoding='utf-8') \
        if data.path.endswith('.gz') else open(data.path, encoding='utf-8')
    with lines:
        for number, text in enumerate(lines, 1):
            if not text.strip():
                continue
            try:
                record = json.loads(text)
                payload = record['data']
                received = int(record['t'])
            except (ValueError, KeyError, TypeError) as exc:
                raise ReplayDataError('{}: line {} is not a recorded message ({{"t": ms, '
                                      '"stream": name, "data": payload}}): {}'.format(
                                          data.path, number, exc)) from None
            event = _from_payload(payload, received)
            if event is not None:
                yield event


def _from_payload(p: Any, received: int) -> Optional[Tuple[int, str, str, tuple]]:
    if not isinstance(p, dict):
        return None
    kind = p.get('e')
    if kind == 'trade':
        return (int(p.get('T', received)), 'trade', p['s'], (int(p['t']), p['p'], p['q'], p['m']))
    if kind == 'aggTrade':
        return (int(p.get('T', received)), 'aggTrade', p['s'],
                (int(p['a']), p['p'], p['q'], int(p['f']), int(p['l']), p['m']))
    if 'u' in p and 'b' in p and 'a' in p and 'B' in p and 's' in p:   # bookTicker has no 'e'
        return (int(p.get('T', received)), 'bookTicker', p['s'],
                (int(p['u']), p['b'], p['B'], p['a'], p['A']))
    return None


def read(data: DataFile) -> Iterator[Tuple[int, str, str, tuple]]:
    """The events of one file, ``(time_ms, kind, symbol, fields)``, in the file's order."""
    if data.kind == 'recording':
        return _recording_events(data)
    return _csv_events(data)


def merge(files: List[DataFile]) -> Iterator[Event]:
    """Every event of ``files`` in time order (a heap over streaming readers; ties:
    the order of ``files``, then each file's own order, so a recording rotated into
    hourly files keeps its order across a file boundary)."""
    streams = [_numbered(rank, data) for rank, data in enumerate(files)]
    return heapq.merge(*streams, key=_time_and_order)


def _numbered(rank: int, data: DataFile) -> Iterator[Event]:
    """The events of one file, each with its tie-break order: file-major (rank, position)."""
    counter = itertools.count(rank << _FILE_SHIFT)
    return ((t, next(counter), kind, symbol, fields) for t, kind, symbol, fields in read(data))


#: Bits of an event's position within its file in the merge's tie-break order.
_FILE_SHIFT = 48


def _time_and_order(event: Event) -> Tuple[int, int]:
    return event[0], event[1]


def peek(data: DataFile, rows: int = 2000) -> Dict[str, Any]:
    """What the first ``rows`` events of a file say: symbols, first time and price,
    and the most decimals of prices and quantities (the symbol's tick and step)."""
    found: Dict[str, Any] = {}
    for number, (t, kind, symbol, fields) in enumerate(read(data)):
        if number >= rows:
            break
        info = found.setdefault(symbol, {'first_ms': t, 'price': None, 'price_places': 0,
                                         'qty_places': 0})
        info['first_ms'] = min(info['first_ms'], t)
        texts = ((fields[1], fields[3]), (fields[2], fields[4])) if kind == 'bookTicker' \
            else ((fields[1],), (fields[2],))
        for key, values in (('price_places', texts[0]), ('qty_places', texts[1])):
            for value in values:
                places = len(value.rstrip('0').split('.')[1]) if '.' in value else 0
                info[key] = max(info[key], places)
        if info['price'] is None:
            info['price'] = fields[1]
    return found
