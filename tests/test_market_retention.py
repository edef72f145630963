"""The local exchange's memory bound: a symbol's trade log keeps its last trades only.

Pure Market, no sockets: the market is stepped on a hand-driven clock with
a small retention so that it prunes within a second.
"""
import pytest

from binance.testing.market import Market
from binance.testing.market_history import (
    MARKET_TRADE_BUDGET, MIN_RETENTION, TRADE_RETENTION, retention_for)


@pytest.fixture
def small_retention():
    return MIN_RETENTION


def _run(market, fake_clock, symbol, trades):
    log = market._symbol(symbol).log
    log.retention = MIN_RETENTION
    log.ensure_history()
    target = log.next_trade_id + trades
    while log.next_trade_id < target:
        market.step()
        fake_clock.advance(0.1)
    return log


@pytest.mark.parametrize('symbols, each', [(5, 100000), (300, 1666), (500, 1000), (1000, 1000), (5000, 1000)])
def test_a_market_shares_its_trade_budget_between_its_symbols(fake_clock, symbols, each):
    """A market keeps 500,000 trades in all, 1,000 to 100,000 per symbol, as documented."""
    assert (MARKET_TRADE_BUDGET, TRADE_RETENTION, MIN_RETENTION) == (500000, 100000, 1000)
    assert retention_for(symbols) == each
    market = Market(seed=3, symbols=symbols, clock=fake_clock)
    assert {market._symbol(name).log.retention for name in market.symbols} == {each}


def test_trade_log_stays_within_its_retention(fake_clock, small_retention):
    """After 5x the retention in trades, a log holds between retention and retention + 10%."""
    market = Market(seed=3, symbols=['BNBBTC'], clock=fake_clock)
    log = _run(market, fake_clock, 'BNBBTC', 5 * small_retention)
    assert small_retention <= len(log.times) <= small_retention * 11 // 10
    assert len(log.prices) == len(log.qtys) == len(log.buyer_maker) == len(log.times)
    assert log.first_trade_id + len(log.times) == log.next_trade_id


def test_pruned_history_answers_as_binance_shapes(fake_clock, small_retention):
    """After pruning, trades, historicalTrades and aggTrades agree: ids continue, aggTrades are whole."""
    market = Market(seed=3, symbols=['BNBBTC'], clock=fake_clock)
    log = _run(market, fake_clock, 'BNBBTC', 3 * small_retention)
    oldest = market.historical_trades('BNBBTC', limit=1000, fromId=0)
    assert oldest[0]['id'] == log.first_trade_id
    assert [t['id'] for t in oldest] == list(range(log.first_trade_id, log.first_trade_id + 1000))
    recent = market.recent_trades('BNBBTC', limit=5)
    assert recent[-1]['id'] == log.next_trade_id - 1
    aggs = market.agg_trades('BNBBTC', fromId=0, limit=1000)
    assert aggs[0]['a'] == log.first_agg_id and aggs[0]['f'] == log.first_trade_id
    by_id = {t['id']: t for t in market.historical_trades('BNBBTC', limit=1000, fromId=0)}
    for agg in aggs[:200]:
        assert agg['f'] <= agg['l'] and agg['f'] in by_id
        assert agg['p'] == by_id[agg['f']]['price']
    assert [a['a'] for a in aggs] == list(range(aggs[0]['a'], aggs[0]['a'] + len(aggs)))


def test_klines_and_tickers_still_answer_after_pruning(fake_clock, small_retention):
    """Klines over and before the kept trades, and the 24 h ticker, still answer after pruning."""
    market = Market(seed=3, symbols=['BNBBTC'], clock=fake_clock)
    log = _run(market, fake_clock, 'BNBBTC', 3 * small_retention)
    rows = market.klines('BNBBTC', '1m', limit=1000)
    assert rows and rows[-1][0] <= market.now_ms() <= rows[-1][6]
    assert all(float(row[2]) >= float(row[3]) for row in rows)
    ticker = market.ticker_24h('BNBBTC')
    assert ticker['lastId'] == log.next_trade_id - 1
    assert float(ticker['lastPrice']) == float(log.last_price)
