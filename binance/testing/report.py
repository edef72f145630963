"""The end-of-run report of a script run on the local exchange (pure computation).

What a ``python -m binance.testing run`` (plain, ``--mirror`` or ``--replay``)
prints when the script ends and writes with ``--report FILE.json``: per
symbol the orders, fills, fees, realised and unrealised profit and loss,
then the final balances and the largest drawdown of the account's equity.

Everything here is pure: it takes what :mod:`binance.testing.report_run`
collected during the run (the account's ``executionReport`` events, equity
and price samples, balances and last prices) and returns plain data.

The rules:

* a symbol's position and average price follow its fills in order
  (average cost): a buy adds to a long position at its price, a sell
  reduces it and realises ``(price - average) * quantity``; selling more
  than the position opens a short at the sell price, which buys realise
  the same way, mirrored;
* unrealised PnL is ``(last price - average) * position``;
* PnL is in the symbol's quote asset and before fees; fees are summed in
  the quote asset too (a fee in the base asset at the fill's price, in a
  third asset such as BNB at that asset's last price in the quote asset
  when the exchange lists a pair for it, else left out of the quote sum
  and listed by asset);
* equity is the account's balances (free + locked) valued in one asset
  (:func:`valuation_asset`) at the last prices; the largest drawdown is the
  largest fall of the equity from a previous peak, with its fraction of
  that peak.
"""
from decimal import Decimal
from typing import Any, Dict, Iterable, List, Mapping, NamedTuple, Optional, Sequence, Tuple

__all__ = ['Fill', 'fills_from_events', 'order_counts', 'symbol_result', 'max_drawdown',
           'convert', 'valuation_asset', 'equity', 'build_report', 'format_table']

ZERO = Decimal(0)
#: Assets preferred as the equity's unit, in order.
VALUATION_ASSETS = ('USDT', 'USDC', 'FDUSD', 'BTC')


class Fill(NamedTuple):
    """One execution of the account's order."""
    symbol: str
    side: str
    price: Decimal
    qty: Decimal
    fee: Decimal
    fee_asset: str
    time_ms: int
    order_id: int
    is_maker: bool


def fills_from_events(events: Iterable[Mapping[str, Any]]) -> List[Fill]:
    """The fills of a list of ``executionReport`` events (``x == 'TRADE'``), in order."""
    return [Fill(e['s'], e['S'], Decimal(e['L']), Decimal(e['l']), Decimal(e.get('n') or '0'),
                 e.get('N') or '', int(e.get('T', 0)), int(e.get('i', 0)), bool(e.get('m')))
            for e in events if e.get('e') == 'executionReport' and e.get('x') == 'TRADE']


def order_counts(events: Iterable[Mapping[str, Any]]) -> Dict[str, int]:
    """Orders per symbol: distinct order ids seen in ``executionReport`` events."""
    seen: Dict[str, set] = {}
    for e in events:
        if e.get('e') == 'executionReport':
            seen.setdefault(e['s'], set()).add(e.get('i'))
    return {symbol: len(ids) for symbol, ids in seen.items()}


Pairs = Mapping[str, Tuple[str, str]]


def convert(amount: Decimal, asset: str, target: str, pairs: Pairs,
            prices: Mapping[str, Decimal]) -> Optional[Decimal]:
    """``amount`` of ``asset`` in ``target`` at ``prices``, directly or through one
    other asset; ``None`` when no listed pair links them.

    :param pairs: ``{symbol: (base, quote)}``; :param prices: ``{symbol: last price}``.
    """
    if asset == target:
        return amount
    rates = _rates(pairs, prices)
    direct = rates.get((asset, target))
    if direct is not None:
        return amount * direct
    for (a, middle), first in rates.items():
        if a == asset and (middle, target) in rates:
            return amount * first * rates[(middle, target)]
    return None


def _rates(pairs: Pairs, prices: Mapping[str, Decimal]) -> Dict[Tuple[str, str], Decimal]:
    rates: Dict[Tuple[str, str], Decimal] = {}
    for symbol, (base, quote) in pairs.items():
        price = prices.get(symbol)
        if price is None or price <= 0:
            continue
        rates.setdefault((base, quote), price)
        rates.setdefault((quote, base), 1 / price)
    return rates


def valuation_asset(symbols: Iterable[str], pairs: Pairs) -> str:
    """The equity's unit: the quote asset shared by every traded symbol, else
    the first of :data:`VALUATION_ASSETS` the exchange quotes, else the first
    traded symbol's quote."""
    quotes = [pairs[s][1] for s in symbols if s in pairs]
    if quotes and all(q == quotes[0] for q in quotes):
        return quotes[0]
    listed = {quote for _, quote in pairs.values()}
    for asset in VALUATION_ASSETS:
        if asset in listed:
            return asset
    return quotes[0] if quotes else 'USDT'


def equity(balances: Mapping[str, Decimal], asset: str, pairs: Pairs,
           prices: Mapping[str, Decimal]) -> Decimal:
    """The sum of ``balances`` valued in ``asset`` (assets without a price link count 0)."""
    total = ZERO
    for name, amount in balances.items():
        if amount:
            value = convert(amount, name, asset, pairs, prices)
            total += value if value is not None else ZERO
    return total


def symbol_result(fills: Sequence[Fill], base: str, quote: str, last_price: Decimal,
                  pairs: Pairs, prices: Mapping[str, Decimal]) -> Dict[str, Any]:
    """Position, average price, realised/unrealised PnL and fees of one symbol's fills."""
    position = ZERO
    average = ZERO
    realised = ZERO
    fees_quote = ZERO
    other_fees: Dict[str, Decimal] = {}
    bought = sold = ZERO
    for fill in fills:
        signed = fill.qty if fill.side == 'BUY' else -fill.qty
        if fill.side == 'BUY':
            bought += fill.qty
        else:
            sold += fill.qty
        if position == 0 or (position > 0) == (signed > 0):      # opening or adding
            total = abs(position) + fill.qty
            average = (average * abs(position) + fill.price * fill.qty) / total
            position += signed
        else:                                                      # reducing, maybe flipping
            closed = min(abs(position), fill.qty)
            direction = 1 if position > 0 else -1
            realised += (fill.price - average) * closed * direction
            position += signed
            if position == 0:
                average = ZERO
            elif (position > 0) != (direction > 0):                # flipped: rest opens
                average = fill.price
        if fill.fee:
            if fill.fee_asset == quote:
                fees_quote += fill.fee
            elif fill.fee_asset == base:
                fees_quote += fill.fee * fill.price
            else:
                value = convert(fill.fee, fill.fee_asset, quote, pairs, prices)
                if value is None:
                    other_fees[fill.fee_asset] = other_fees.get(fill.fee_asset, ZERO) + fill.fee
                else:
                    fees_quote += value
    unrealised = (last_price - average) * position if position else ZERO
    return {'base': base, 'quote': quote, 'fills': len(fills), 'bought': bought, 'sold': sold,
            'position': position, 'average_price': average, 'last_price': last_price,
            'realised_pnl': realised, 'unrealised_pnl': unrealised, 'fees': fees_quote,
            'other_fees': other_fees, 'net_pnl': realised + unrealised - fees_quote}


def max_drawdown(curve: Sequence[Tuple[int, Decimal]]) -> Dict[str, Any]:
    """The largest fall of ``curve`` (``[(time_ms, value), ...]``) from an earlier peak.

    :returns: ``{'amount', 'fraction', 'peak_ms', 'trough_ms'}``; all zero /
        ``None`` for a curve that never falls.
    """
    amount = fraction = ZERO
    peak: Optional[Tuple[int, Decimal]] = None
    where: Tuple[Optional[int], Optional[int]] = (None, None)
    for time_ms, value in curve:
        if peak is None or value > peak[1]:
            peak = (time_ms, value)
            continue
        fall = peak[1] - value
        if fall > amount:
            amount, where = fall, (peak[0], time_ms)
            fraction = fall / peak[1] if peak[1] > 0 else ZERO
    return {'amount': amount, 'fraction': fraction, 'peak_ms': where[0], 'trough_ms': where[1]}


def build_report(events: Sequence[Mapping[str, Any]], pairs: Pairs,
                 prices: Mapping[str, Decimal], start_balances: Mapping[str, Decimal],
                 final_balances: Mapping[str, Decimal],
                 equity_curve: Sequence[Tuple[int, Decimal]],
                 price_curves: Optional[Mapping[str, Sequence[Tuple[int, Decimal]]]] = None,
                 asset: Optional[str] = None) -> Dict[str, Any]:
    """The whole report as JSON-ready data (decimals as strings).

    :param events: the account's ``executionReport`` events, in order.
    :param pairs: ``{symbol: (base, quote)}`` of the exchange's symbols.
    :param prices: the last price of each symbol at the end.
    :param start_balances: / :param final_balances: ``{asset: free + locked}``.
    :param equity_curve: ``[(time_ms, equity in asset), ...]`` sampled during the run.
    :param price_curves: ``{symbol: [(time_ms, price), ...]}`` for the plot.
    :param asset: the equity's unit (default :func:`valuation_asset`).
    """
    fills = fills_from_events(events)
    orders = order_counts(events)
    symbols = sorted(set(orders) | {f.symbol for f in fills})
    unit = asset or valuation_asset(symbols, pairs)
    per_symbol = {}
    for symbol in symbols:
        base, quote = pairs.get(symbol, ('', ''))
        result = symbol_result([f for f in fills if f.symbol == symbol], base, quote,
                               prices.get(symbol, ZERO), pairs, prices)
        result['orders'] = orders.get(symbol, 0)
        per_symbol[symbol] = result
    start_equity = equity(start_balances, unit, pairs, prices)
    end_equity = equity(final_balances, unit, pairs, prices)
    drawdown = max_drawdown(list(equity_curve) + [(equity_curve[-1][0] if equity_curve else 0,
                                                   end_equity)])
    return _jsonable({
        'valuation_asset': unit,
        'symbols': per_symbol,
        'start_balances': {a: v for a, v in sorted(start_balances.items()) if v},
        'final_balances': {a: v for a, v in sorted(final_balances.items()) if v},
        'start_equity': start_equity, 'final_equity': end_equity,
        'max_drawdown': drawdown,
        'fills': [dict(f._asdict()) for f in fills],
        'equity_curve': [[t, v] for t, v in equity_curve],
        'prices': {s: [[t, p] for t, p in curve] for s, curve in (price_curves or {}).items()},
    })


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return _text(value)
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value


#: JSON-ready data (decimals as text) for report parts built elsewhere (the futures part).
jsonable = _jsonable


def _text(value: Decimal) -> str:
    """A decimal without exponent or trailing zeros beyond 8 places."""
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -8:
        value = value.quantize(Decimal('0.00000001'))
    text = '{:f}'.format(value)
    if '.' in text:
        text = text.rstrip('0').rstrip('.')
    return '0' if text in ('-0', '') else text


def format_table(report: Mapping[str, Any]) -> str:
    """The report as the text table ``run`` prints."""
    head = ('symbol', 'orders', 'fills', 'position', 'avg price', 'last', 'fees',
            'realised', 'unrealised', 'net')
    rows = [head]
    for symbol, r in report['symbols'].items():
        rows.append((symbol, str(r['orders']), str(r['fills']), r['position'],
                     r['average_price'], r['last_price'],
                     '{} {}'.format(r['fees'], r['quote']), r['realised_pnl'],
                     r['unrealised_pnl'], '{} {}'.format(r['net_pnl'], r['quote'])))
    widths = [max(len(row[i]) for row in rows) for i in range(len(head))]
    lines = ['Run report (PnL before fees; net after them)']
    for index, row in enumerate(rows):
        lines.append('  '.join(cell.ljust(w) if i == 0 else cell.rjust(w)
                               for i, (cell, w) in enumerate(zip(row, widths))).rstrip())
        if index == 0:
            lines.append('  '.join('-' * w for w in widths))
    if len(rows) == 1:
        lines.append('(no orders)')
    for symbol, r in report['symbols'].items():
        for name, amount in r['other_fees'].items():
            lines.append('{}: also {} {} in fees (no price in {})'.format(
                symbol, amount, name, r['quote']))
    balances = report['final_balances']
    lines.append('Final balances: ' + (', '.join('{} {}'.format(v, a)
                                                 for a, v in balances.items()) or 'none'))
    dd = report['max_drawdown']
    unit = report['valuation_asset']
    lines.append('Equity: {} -> {} {}; largest drawdown {} {} ({:.2%})'.format(
        report['start_equity'], report['final_equity'], unit, dd['amount'], unit,
        float(dd['fraction'])))
    return '\n'.join(lines)
