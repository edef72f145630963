"""The end-of-run report's arithmetic, on hand-computed examples (no I/O)."""
from decimal import Decimal as D

from binance.testing.report import (build_report, convert, equity, fills_from_events,
                                    format_table, max_drawdown, order_counts, symbol_result,
                                    valuation_asset)

PAIRS = {'BTCUSDT': ('BTC', 'USDT'), 'BNBUSDT': ('BNB', 'USDT'), 'ETHBTC': ('ETH', 'BTC'),
         'BNBBTC': ('BNB', 'BTC')}


def _report(symbol, side, price, qty, fee='0', fee_asset='USDT', order_id=1, x='TRADE', t=0):
    return {'e': 'executionReport', 's': symbol, 'S': side, 'L': price, 'l': qty, 'n': fee,
            'N': fee_asset, 'x': x, 'i': order_id, 'T': t, 'm': False}


def test_average_cost_realised_and_unrealised():
    """Buy 1 @100, buy 1 @110 (avg 105), sell 1 @120: realised 15; last 100: unrealised -5."""
    fills = fills_from_events([_report('BTCUSDT', 'BUY', '100', '1', '0.1'),
                               _report('BTCUSDT', 'BUY', '110', '1', '0.11'),
                               _report('BTCUSDT', 'SELL', '120', '1', '0.12')])
    r = symbol_result(fills, 'BTC', 'USDT', D('100'), PAIRS, {})
    assert r['position'] == D('1') and r['average_price'] == D('105')
    assert r['realised_pnl'] == D('15') and r['unrealised_pnl'] == D('-5')
    assert r['fees'] == D('0.33') and r['net_pnl'] == D('9.67')
    assert (r['bought'], r['sold'], r['fills']) == (D('2'), D('1'), 3)


def test_selling_through_zero_opens_a_short_at_the_sell_price():
    """Buy 1 @100, sell 3 @90: realised -10, short 2 @90; last 80: unrealised +20."""
    fills = fills_from_events([_report('BTCUSDT', 'BUY', '100', '1'),
                               _report('BTCUSDT', 'SELL', '90', '3')])
    r = symbol_result(fills, 'BTC', 'USDT', D('80'), PAIRS, {})
    assert r['realised_pnl'] == D('-10')
    assert (r['position'], r['average_price']) == (D('-2'), D('90'))
    assert r['unrealised_pnl'] == D('20')


def test_fees_in_base_and_in_a_third_asset_are_valued_in_the_quote():
    """0.001 BTC fee at 100 is 0.1 USDT; 0.5 BNB at BNBUSDT 2 is 1 USDT; an unpriced one is listed."""
    fills = fills_from_events([_report('BTCUSDT', 'BUY', '100', '1', '0.001', 'BTC'),
                               _report('BTCUSDT', 'SELL', '100', '1', '0.5', 'BNB'),
                               _report('BTCUSDT', 'SELL', '100', '1', '3', 'XYZ')])
    r = symbol_result(fills, 'BTC', 'USDT', D('100'), PAIRS, {'BNBUSDT': D('2')})
    assert r['fees'] == D('1.1')
    assert r['other_fees'] == {'XYZ': D('3')}


def test_drawdown_is_the_largest_fall_from_an_earlier_peak():
    """100, 120, 90, 130, 110: the largest fall is 120 -> 90 = 30, a quarter of the peak."""
    dd = max_drawdown([(1, D(100)), (2, D(120)), (3, D(90)), (4, D(130)), (5, D(110))])
    assert dd == {'amount': D(30), 'fraction': D('0.25'), 'peak_ms': 2, 'trough_ms': 3}
    assert max_drawdown([(1, D(1)), (2, D(2))])['amount'] == 0


def test_conversion_direct_inverse_and_through_one_asset():
    """ETH->BTC direct, BTC->ETH inverse, ETH->USDT through BTC; unlinked gives None."""
    prices = {'ETHBTC': D('0.05'), 'BTCUSDT': D('20000')}
    assert convert(D(2), 'ETH', 'BTC', PAIRS, prices) == D('0.1')
    assert convert(D('0.1'), 'BTC', 'ETH', PAIRS, prices) == D(2)
    assert convert(D(2), 'ETH', 'USDT', PAIRS, prices) == D(2000)
    assert convert(D(1), 'NEO', 'USDT', PAIRS, prices) is None
    assert equity({'ETH': D(2), 'USDT': D(5), 'NEO': D(9)}, 'USDT', PAIRS, prices) == D(2005)


def test_valuation_asset_prefers_the_shared_quote():
    """The traded symbols' common quote, else USDT when listed."""
    assert valuation_asset(['ETHBTC', 'BNBBTC'], PAIRS) == 'BTC'
    assert valuation_asset(['ETHBTC', 'BTCUSDT'], PAIRS) == 'USDT'


def test_order_counts_count_distinct_orders():
    """NEW and TRADE reports of one order count once."""
    events = [_report('BTCUSDT', 'BUY', '0', '0', x='NEW', order_id=7),
              _report('BTCUSDT', 'BUY', '100', '1', order_id=7),
              _report('BNBUSDT', 'BUY', '0', '0', x='NEW', order_id=8)]
    assert order_counts(events) == {'BTCUSDT': 1, 'BNBUSDT': 1}


def test_build_report_and_table():
    """A whole report: per-symbol figures, balances, equity and drawdown, as JSON-ready text."""
    events = [_report('BTCUSDT', 'BUY', '0', '0', x='NEW', order_id=1),
              _report('BTCUSDT', 'BUY', '100', '1', '0.1', order_id=1, t=1000)]
    report = build_report(events, PAIRS, {'BTCUSDT': D('90')},
                          {'USDT': D('1000')}, {'USDT': D('899.9'), 'BTC': D('1')},
                          [(0, D('1000')), (1000, D('999.9'))], {'BTCUSDT': [(0, D('100'))]})
    btc = report['symbols']['BTCUSDT']
    assert (btc['orders'], btc['fills'], btc['unrealised_pnl'], btc['net_pnl']) == (
        1, 1, '-10', '-10.1')
    assert report['final_equity'] == '989.9' and report['start_equity'] == '1000'
    assert report['max_drawdown']['amount'] == '10.1'
    assert report['final_balances'] == {'BTC': '1', 'USDT': '899.9'}
    table = format_table(report)
    assert 'BTCUSDT' in table and '-10.1 USDT' in table and '(1.01%)' in table
    empty = build_report([], PAIRS, {}, {'USDT': D(5)}, {'USDT': D(5)}, [])
    assert '(no orders)' in format_table(empty)
