"""The USD-M futures part of the end-of-run report.

:class:`FuturesWatch` collects the default account's ``ORDER_TRADE_UPDATE``
events on the exchange's USD-M market during a run (plain, ``--mirror`` or
``--replay``); at the end :meth:`FuturesWatch.finish` reads the account's
positions and wallet and :func:`futures_report` makes the report's
``"futures"`` part. The rules are the exchange's own, as Binance books them:

* realised PnL is the sum of the fills' ``rp`` (what the engine realised
  when a fill reduced a position), in the contract's margin asset;
* unrealised PnL is the position's ``unRealizedProfit`` at the end (at the
  mark price: in a replay the rule of :mod:`binance.testing.replay.futures_desk`);
* fees are the fills' commissions (``n``) in their asset (``N``); net is
  realised + unrealised - the fees in the margin asset;
* the wallet is the futures wallet balances at the start and the end;
  funding, which the local exchange does not charge, is not in it.
"""
from decimal import Decimal
from typing import Any, Dict, List, Mapping, Optional, Sequence

__all__ = ['FuturesWatch', 'futures_report', 'format_futures_table']

ZERO = Decimal(0)


def futures_report(events: Sequence[Mapping[str, Any]], positions: Sequence[Mapping[str, Any]],
                   start_wallet: Mapping[str, Decimal],
                   final_wallet: Mapping[str, Decimal]) -> Dict[str, Any]:
    """The ``"futures"`` part of the report (decimals as :class:`~decimal.Decimal`).

    :param events: the account's ``ORDER_TRADE_UPDATE`` payloads, in order.
    :param positions: ``GET /fapi/v3/positionRisk`` rows at the end.
    :param start_wallet: / :param final_wallet: ``{asset: wallet balance}``.
    """
    symbols: Dict[str, Dict[str, Any]] = {}
    orders: Dict[str, set] = {}
    for event in events:
        o = event['o']
        symbol = o['s']
        orders.setdefault(symbol, set()).add(o['i'])
        row = symbols.setdefault(symbol, {'fills': 0, 'bought': ZERO, 'sold': ZERO,
                                          'realised_pnl': ZERO, 'fees': {}})
        if o.get('x') == 'TRADE':
            qty = Decimal(o['l'])
            row['fills'] += 1
            row['bought' if o['S'] == 'BUY' else 'sold'] += qty
            row['realised_pnl'] += Decimal(o.get('rp') or '0')
            fee = Decimal(o.get('n') or '0')
            if fee:
                row['fees'][o.get('N') or ''] = row['fees'].get(o.get('N') or '', ZERO) + fee
    by_symbol = {p['symbol']: p for p in positions}
    for symbol, row in symbols.items():
        risk = by_symbol.get(symbol, {})
        margin = str(risk.get('marginAsset', ''))
        row['orders'] = len(orders[symbol])
        row['margin_asset'] = margin
        row['position'] = Decimal(str(risk.get('positionAmt', '0')))
        row['entry_price'] = Decimal(str(risk.get('entryPrice', '0')))
        row['mark_price'] = Decimal(str(risk.get('markPrice', '0')))
        row['unrealised_pnl'] = Decimal(str(risk.get('unRealizedProfit', '0')))
        row['net_pnl'] = row['realised_pnl'] + row['unrealised_pnl'] \
            - row['fees'].get(margin, ZERO)
    return {'symbols': dict(sorted(symbols.items())),
            'start_wallet': {a: v for a, v in sorted(start_wallet.items()) if v},
            'final_wallet': {a: v for a, v in sorted(final_wallet.items()) if v}}


def format_futures_table(part: Mapping[str, Any]) -> str:
    """The ``"futures"`` part (JSON-ready, decimals as text) as the lines ``run`` prints."""
    head = ('contract', 'orders', 'fills', 'position', 'entry', 'mark', 'fees', 'realised',
            'unrealised', 'net')
    rows = [head]
    for symbol, r in part['symbols'].items():
        fees = ', '.join('{} {}'.format(v, a) for a, v in r['fees'].items()) or '0'
        rows.append((symbol, str(r['orders']), str(r['fills']), r['position'], r['entry_price'],
                     r['mark_price'], fees, r['realised_pnl'], r['unrealised_pnl'],
                     '{} {}'.format(r['net_pnl'], r['margin_asset'])))
    widths = [max(len(row[i]) for row in rows) for i in range(len(head))]
    lines = ['USD-M futures (PnL in the margin asset; net after fees; no funding)']
    for index, row in enumerate(rows):
        lines.append('  '.join(cell.ljust(w) if i == 0 else cell.rjust(w)
                               for i, (cell, w) in enumerate(zip(row, widths))).rstrip())
        if index == 0:
            lines.append('  '.join('-' * w for w in widths))
    lines.append('Futures wallet: {} -> {}'.format(
        ', '.join('{} {}'.format(v, a) for a, v in part['start_wallet'].items()) or 'none',
        ', '.join('{} {}'.format(v, a) for a, v in part['final_wallet'].items()) or 'none'))
    return '\n'.join(lines)


class FuturesWatch:
    """Collects the default account's USD-M order events on a local exchange."""

    def __init__(self) -> None:
        self.events: List[Dict[str, Any]] = []
        self._market: Any = None
        self._api_key = ''
        self._start_wallet: Dict[str, Decimal] = {}

    def start(self, exchange: Any) -> None:
        """Begin watching ``exchange.futures`` (reactor thread, as the report's start)."""
        self._market = market = exchange.futures
        self._api_key = exchange.api_key
        with market.lock:
            self._start_wallet = self._wallet()
        market.add_listener(self._on_event)

    def _on_event(self, kind: str, key: str, payload: Any) -> None:
        if kind == 'user' and key == self._api_key and isinstance(payload, dict) \
                and payload.get('e') == 'ORDER_TRADE_UPDATE':
            self.events.append(payload)

    def _wallet(self) -> Dict[str, Decimal]:
        return {row['asset']: Decimal(row['balance'])
                for row in self._market.f_balance(self._api_key)}

    def finish(self) -> Optional[Dict[str, Any]]:
        """The report's ``"futures"`` part, ``None`` when the account placed no futures order."""
        market = self._market
        if market is None:
            return None
        market.remove_listener(self._on_event)
        if not self.events:
            return None
        with market.lock:
            positions = market.f_position_risk(self._api_key)
            final = self._wallet()
        return futures_report(self.events, positions, self._start_wallet, final)
