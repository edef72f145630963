"""Collect a run's report on a live :class:`~binance.testing.LocalExchange`.

:class:`RunReport` watches the default account's ``executionReport`` events
and samples its equity and the traded symbols' prices (at each fill and
every :attr:`RunReport.sample_interval` seconds of the reactor's clock).
At the end of the run (the script returned, stopped the reactor, or Ctrl-C)
:meth:`RunReport.finish` builds the report (:func:`binance.testing.report.build_report`),
prints its table, and writes ``--report FILE.json`` and ``--plot FILE.png``.

It works for any local exchange, so the replay engine ends its runs with
the same report: ``report.start(exchange)`` after the exchange started,
``report.sample()`` (reactor thread) whenever its clock moved, and
``report.finish(exchange)`` at the end.
"""
import importlib
import json
import logging
import sys
import threading
import time
from decimal import Decimal
from typing import Any, Dict, List, Optional, TextIO, Tuple

from binance.testing.report import build_report, equity, format_table, jsonable, valuation_asset
from binance.testing.report_futures import FuturesWatch, format_futures_table

__all__ = ['RunReport', 'PLOT_INSTALL_HINT', 'check_plot_available', 'plot_report']

log = logging.getLogger(__name__)

#: What ``--plot`` says when matplotlib is missing.
PLOT_INSTALL_HINT = "--plot needs matplotlib: pip install 'binance[plot]'"


def check_plot_available() -> None:
    """:raises RuntimeError: naming the install command when matplotlib is missing."""
    try:
        importlib.import_module('matplotlib')
    except ImportError:
        raise RuntimeError(PLOT_INSTALL_HINT) from None


class RunReport:
    """The report of one run (see the module docs).

    :param json_path: where to write the report as JSON (``--report``), or ``None``.
    :param plot_path: where to draw the equity curve and fills (``--plot``), or ``None``.
    :param out: where the table is printed (default ``sys.stderr``, so the
        script's own output stays as it was).
    :param always: print the table even when the account placed no order.
    :param sample_interval: seconds between equity samples.
    """

    def __init__(self, json_path: Optional[str] = None, plot_path: Optional[str] = None,
                 out: Optional[TextIO] = None, always: bool = False,
                 sample_interval: float = 1.0) -> None:
        self.json_path = json_path
        self.plot_path = plot_path
        self.out = out
        self.always = always
        self.sample_interval = sample_interval
        self.events: List[Dict[str, Any]] = []
        self._equity_samples: List[Tuple[int, Dict[str, Decimal]]] = []
        self._units: List[str] = []
        self.price_curves: Dict[str, List[Tuple[int, Decimal]]] = {}
        self.result: Optional[Dict[str, Any]] = None
        self._market: Any = None
        self._api_key = ''
        self._pairs: Dict[str, Tuple[str, str]] = {}
        self._start_balances: Dict[str, Decimal] = {}
        self._loop: Any = None
        #: the USD-M part: the account's futures orders (the report's ``"futures"``)
        self.futures = FuturesWatch()

    # -- during the run ------------------------------------------------------------

    def start(self, exchange: Any) -> None:
        """Begin watching ``exchange``'s default account (any thread)."""
        exchange.call(self._start_on_reactor, exchange)

    def _start_on_reactor(self, exchange: Any) -> None:
        from twisted.internet.task import LoopingCall
        from binance import _reactor
        self._market = market = exchange.market
        self._api_key = exchange.api_key
        with market.lock:
            self._pairs = {row['symbol']: (row['baseAsset'], row['quoteAsset'])
                           for row in market.exchange_info()['symbols']}
            self._start_balances = self._balances()
        self._units = sorted({quote for _, quote in self._pairs.values()})
        market.add_listener(self._on_event)
        self.futures.start(exchange)
        self.sample()
        self._loop = LoopingCall(self.sample)
        self._loop.clock = _reactor.get_reactor()
        self._loop.start(self.sample_interval, now=False)

    def _on_event(self, kind: str, key: str, payload: Any) -> None:
        if kind != 'user' or key != self._api_key or not isinstance(payload, dict) \
                or payload.get('e') != 'executionReport':
            return
        self.events.append(payload)
        self.price_curves.setdefault(payload['s'], [])
        if payload.get('x') == 'TRADE':
            self.sample()

    def _balances(self) -> Dict[str, Decimal]:
        rows = self._market.account(self._api_key)['balances']
        return {row['asset']: Decimal(row['free']) + Decimal(row['locked']) for row in rows}

    def _prices(self) -> Dict[str, Decimal]:
        return {row['symbol']: Decimal(row['price']) for row in self._market.ticker_price()}

    def sample(self) -> None:
        """Record the account's equity and the traded symbols' prices now (reactor thread)."""
        market = self._market
        if market is None:
            return
        try:
            with market.lock:
                now = market.now_ms()
                prices = self._prices()
                balances = self._balances()
            # in every quote asset: the report's unit depends on what gets traded
            self._equity_samples.append((now, {unit: equity(balances, unit, self._pairs, prices)
                                               for unit in self._units}))
            for symbol, curve in self.price_curves.items():
                if symbol in prices:
                    curve.append((now, prices[symbol]))
        except Exception:
            log.exception('the run report could not take a sample')

    @property
    def equity_curve(self) -> List[Tuple[int, Decimal]]:
        """``[(time_ms, equity), ...]`` in the report's unit (the traded symbols' quote)."""
        unit = valuation_asset(list(self.price_curves), self._pairs)
        return [(t, values.get(unit, Decimal(0))) for t, values in self._equity_samples]

    # -- at the end ----------------------------------------------------------------

    def finish(self, exchange: Any = None) -> Optional[Dict[str, Any]]:
        """Build, print and write the report; returns it (``None`` before :meth:`start`).

        Safe after ``reactor.stop()``: the market is read under its lock
        from the calling thread. Failures are logged, never raised: the
        run's exit status stays the script's.
        """
        if self._market is None:
            return None
        _let_queued_events_arrive()
        loop, self._loop = self._loop, None
        if loop is not None and loop.running:
            try:
                loop.stop()
            except Exception:   # pragma: no cover - the reactor is gone
                pass
        self._market.remove_listener(self._on_event)
        try:
            with self._market.lock:
                prices = self._prices()
                final = self._balances()
            unit = valuation_asset(list(self.price_curves), self._pairs)
            self.result = build_report(self.events, self._pairs, prices, self._start_balances,
                                       final, self.equity_curve, self.price_curves, unit)
            futures = self.futures.finish()
            if futures is not None:
                self.result['futures'] = jsonable(futures)
        except Exception:
            log.exception('the run report could not be built')
            return None
        self._emit(self.result)
        return self.result

    def _emit(self, report: Dict[str, Any]) -> None:
        out = self.out if self.out is not None else sys.stderr
        if self.always or report['symbols']:
            print(format_table(report), file=out, flush=True)
        if 'futures' in report:
            print(format_futures_table(report['futures']), file=out, flush=True)
        if self.json_path:
            try:
                with open(self.json_path, 'w', encoding='utf-8') as fh:
                    json.dump(report, fh, indent=1)
                print('report written to {}'.format(self.json_path), file=out, flush=True)
            except OSError as exc:
                print('error: cannot write the report: {}'.format(exc), file=out, flush=True)
        if self.plot_path:
            try:
                plot_report(report, self.plot_path)
                print('plot written to {}'.format(self.plot_path), file=out, flush=True)
            except (OSError, RuntimeError) as exc:
                print('error: cannot draw the plot: {}'.format(exc), file=out, flush=True)


def plot_report(report: Dict[str, Any], path: str) -> None:
    """Draw the equity curve and, per traded symbol, its price with the fills marked.

    :raises RuntimeError: when matplotlib is missing (:data:`PLOT_INSTALL_HINT`).
    """
    check_plot_available()
    matplotlib: Any = importlib.import_module('matplotlib')
    matplotlib.use('Agg')   # files only: no display needed
    pyplot: Any = importlib.import_module('matplotlib.pyplot')

    symbols = list(report['symbols'])
    figure, axes = pyplot.subplots(1 + len(symbols), 1, sharex=True,
                                   figsize=(10, 3 * (1 + len(symbols))), squeeze=False)
    unit = report['valuation_asset']
    curve = report['equity_curve']
    top = axes[0][0]
    top.plot([t / 1000.0 for t, _ in curve], [float(v) for _, v in curve], color='tab:blue')
    top.set_title('Equity ({}); largest drawdown {} {}'.format(
        unit, report['max_drawdown']['amount'], unit))
    for row, symbol in enumerate(symbols, start=1):
        ax = axes[row][0]
        prices = report['prices'].get(symbol, [])
        ax.plot([t / 1000.0 for t, _ in prices], [float(p) for _, p in prices], color='grey',
                label='price')
        for side, colour, marker in (('BUY', 'tab:green', '^'), ('SELL', 'tab:red', 'v')):
            fills = [f for f in report['fills'] if f['symbol'] == symbol and f['side'] == side]
            ax.scatter([f['time_ms'] / 1000.0 for f in fills], [float(f['price']) for f in fills],
                       color=colour, marker=marker, label=side.lower())
        ax.set_title(symbol)
        ax.legend(loc='best')
    axes[-1][0].set_xlabel('time (s since the epoch)')
    figure.tight_layout()
    figure.savefig(path)
    pyplot.close(figure)


def _let_queued_events_arrive(timeout: float = 5.0) -> None:
    """Wait until the reactor thread has run what was queued before now: the market hands
    its events to the reactor thread, so the script's last fills (its REST orders just
    before it ended) may still be on their way to :meth:`RunReport._on_event`. Returns at
    once on the reactor thread or once the reactor has stopped; waits ``timeout`` at most."""
    from binance import _reactor
    if _reactor.in_reactor_thread() or not _reactor.is_running() or _reactor.has_stopped():
        return
    done = threading.Event()
    _reactor.get_reactor().callFromThread(done.set)
    deadline = time.monotonic() + timeout
    while not done.wait(0.05) and time.monotonic() < deadline:
        if _reactor.has_stopped():
            return
