"""Small data files in data.binance.vision's exact formats, written by the replay tests.

Spot files: no header row, decimals printed with 8 places, ``True``/``False``;
timestamps in microseconds from 2025-01-01 on, milliseconds before.
``header=True`` adds the futures files' style of header row.
"""
import gzip
import json
import os
import zipfile
from decimal import Decimal
from typing import List, Optional, Sequence, Tuple

MARCH_2025_MS = 1740787200000     # 2025-03-01 00:00 UTC (spot files: microseconds)
MARCH_2024_MS = 1709251200000     # 2024-03-01 00:00 UTC (spot files: milliseconds)

TRADES_HEADER = 'id,price,qty,quote_qty,time,is_buyer_maker,is_best_match'
AGG_HEADER = 'agg_trade_id,price,quantity,first_trade_id,last_trade_id,transact_time,' \
             'is_buyer_maker,is_best_match'
BOOK_HEADER = 'update_id,best_bid_price,best_bid_qty,best_ask_price,best_ask_qty,' \
              'transaction_time,event_time'


def d8(value) -> str:
    return '{:.8f}'.format(Decimal(str(value)))


def stamp(ms: int, micro: bool) -> str:
    return str(ms * 1000 if micro else ms)


def price_path(count: int, start: float = 90000.0) -> List[float]:
    """A deterministic zig-zag of whole prices (tick 0.01 shows in the decimals)."""
    return [round(start + ((i * 7) % 23) - 11 + (i % 3) * 0.01, 2) for i in range(count)]


def trade_rows(count: int, start_ms: int = MARCH_2025_MS, step_ms: int = 250,
               first_id: int = 4000000, micro: Optional[bool] = None,
               prices: Optional[Sequence[float]] = None, qty: str = '0.01500000'
               ) -> List[str]:
    micro = start_ms >= MARCH_2025_MS if micro is None else micro
    prices = prices or price_path(count)
    rows = []
    for i in range(count):
        p = Decimal(str(prices[i]))
        q = Decimal(qty)
        rows.append(','.join([str(first_id + i), d8(p), d8(q), d8(p * q),
                              stamp(start_ms + i * step_ms, micro),
                              'True' if i % 2 else 'False', 'True']))
    return rows


def agg_rows(count: int, start_ms: int = MARCH_2025_MS, step_ms: int = 250,
             first_id: int = 700000, micro: Optional[bool] = None) -> List[str]:
    micro = start_ms >= MARCH_2025_MS if micro is None else micro
    rows = []
    for i, p in enumerate(price_path(count)):
        rows.append(','.join([str(first_id + i), d8(p), d8('0.03'), str(9000000 + 2 * i),
                              str(9000000 + 2 * i + 1), stamp(start_ms + i * step_ms, micro),
                              'False' if i % 2 else 'True', 'True']))
    return rows


def kline_rows(count: int, interval_ms: int = 60000, start_ms: int = MARCH_2024_MS,
               micro: bool = False) -> List[str]:
    rows = []
    for i in range(count):
        o = 60000 + i * 10
        c = o + (5 if i % 2 == 0 else -5)
        h, l = max(o, c) + 3, min(o, c) - 3
        open_ms = start_ms + i * interval_ms
        rows.append(','.join([stamp(open_ms, micro), d8(o), d8(h), d8(l), d8(c), d8('4.00000000'),
                              stamp(open_ms + interval_ms - 1, micro), d8(4 * o), '40',
                              d8('2.00000000'), d8(2 * o), '0']))
    return rows


def book_rows(count: int, start_ms: int = MARCH_2024_MS, step_ms: int = 100,
              first_id: int = 555000) -> List[str]:
    rows = []
    for i in range(count):
        bid = 3000 + (i % 5) * 0.1
        t = str(start_ms + i * step_ms)
        rows.append(','.join([str(first_id + i), d8(round(bid, 2)), d8('1.5'),
                              d8(round(bid + 0.01, 2)), d8('2.25'), t, t]))
    return rows


def write(directory, name: str, rows: Sequence[str], header: Optional[str] = None,
          zipped: bool = True) -> str:
    """Write ``rows`` as ``name`` + ``.zip`` (one ``.csv`` inside, as Binance's) or ``.csv``."""
    os.makedirs(str(directory), exist_ok=True)
    text = ((header + '\n') if header else '') + '\n'.join(rows) + '\n'
    if zipped:
        path = os.path.join(str(directory), name + '.zip')
        with zipfile.ZipFile(path, 'w', zipfile.ZIP_DEFLATED) as archive:
            archive.writestr(name + '.csv', text)
    else:
        path = os.path.join(str(directory), name + '.csv')
        with open(path, 'w', newline='') as out:
            out.write(text)
    return path


def write_recording(directory, name: str, messages: Sequence[Tuple[int, str, dict]]) -> str:
    """A recording: gzip JSON lines ``{"t": receive_ms, "stream": name, "data": payload}``."""
    os.makedirs(str(directory), exist_ok=True)
    path = os.path.join(str(directory), name + '.jsonl.gz')
    with gzip.open(path, 'wt', encoding='utf-8') as out:
        for t, stream, data in messages:
            out.write(json.dumps({'t': t, 'stream': stream, 'data': data}) + '\n')
    return path


# -- USD-M futures (data.binance.vision/data/futures/um/): header rows, milliseconds,
# ``true``/``false``, no isBestMatch column, the contract's own decimals

UM_TRADES_HEADER = 'id,price,qty,quote_qty,time,is_buyer_maker'
UM_AGG_HEADER = 'agg_trade_id,price,quantity,first_trade_id,last_trade_id,transact_time,' \
                'is_buyer_maker'
UM_KLINES_HEADER = 'open_time,open,high,low,close,volume,close_time,quote_volume,count,' \
                   'taker_buy_volume,taker_buy_quote_volume,ignore'


def um_price_path(count: int, start: float = 60000.0) -> List[float]:
    """A deterministic zig-zag with one decimal (tick 0.1 shows in the data)."""
    return [round(start + ((i * 7) % 23) - 11 + (i % 3) * 0.1, 1) for i in range(count)]


def um_trade_rows(count: int, start_ms: int = MARCH_2025_MS, step_ms: int = 250,
                  first_id: int = 6000000, prices: Optional[Sequence[float]] = None,
                  qty: str = '0.004') -> List[str]:
    """USD-M trades: prices with one decimal (tick 0.1), quantities with three."""
    prices = prices or um_price_path(count)
    rows = []
    for i in range(count):
        p = Decimal(str(prices[i])).quantize(Decimal('0.1'))
        q = Decimal(qty)
        rows.append(','.join([str(first_id + i), str(p), str(q), str((p * q).normalize()),
                              str(start_ms + i * step_ms), 'true' if i % 2 else 'false']))
    return rows


def um_agg_rows(count: int, start_ms: int = MARCH_2025_MS, step_ms: int = 250,
                first_id: int = 800000, start: float = 3000.0) -> List[str]:
    """USD-M aggTrades: prices with two decimals, quantities with three (step 0.001)."""
    rows = []
    for i, p in enumerate(price_path(count, start)):
        rows.append(','.join([str(first_id + i), '{:.2f}'.format(p), '0.50{}'.format(i % 4),
                              str(7000000 + 2 * i), str(7000000 + 2 * i + 1),
                              str(start_ms + i * step_ms), 'false' if i % 2 else 'true']))
    return rows


def um_kline_rows(count: int, interval_ms: int = 60000, start_ms: int = MARCH_2025_MS,
                  start: float = 600.0, volume: str = '4.00') -> List[str]:
    """USD-M klines (mark-price klines too: volumes 0): prices with two decimals."""
    rows = []
    for i in range(count):
        o = Decimal(str(start)) + i
        c = o + (Decimal('0.5') if i % 2 == 0 else Decimal('-0.5'))
        h, l = max(o, c) + Decimal('0.33'), min(o, c) - Decimal('0.27')
        open_ms = start_ms + i * interval_ms
        rows.append(','.join([str(open_ms)] + ['{:.2f}'.format(v) for v in (o, h, l, c)]
                             + [volume, str(open_ms + interval_ms - 1), '0', '40', '0', '0', '0']))
    return rows


def um_path(directory, kind: str = 'trades', symbol: str = 'BTCUSDT', interval: str = ''):
    """data.binance.vision's folder of a USD-M file: futures/um/daily/<kind>/<SYMBOL>[/<i>]."""
    parts = [str(directory), 'futures', 'um', 'daily', kind, symbol] + (
        [interval] if interval else [])
    return os.path.join(*parts)
