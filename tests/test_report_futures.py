"""The end-of-run report's USD-M part (pure): realised PnL from the fills' rp, unrealised from
the end's position risk, fees per asset, net in the margin asset, the table's lines."""
from decimal import Decimal as D

from binance.testing.report import jsonable
from binance.testing.report_futures import format_futures_table, futures_report


def _update(order_id, x, side='BUY', qty='0', price='0', rp='0', fee=None, asset='USDT'):
    o = {'s': 'BTCUSDT', 'i': order_id, 'x': x, 'S': side, 'l': qty, 'L': price, 'rp': rp}
    if fee is not None:
        o.update(n=fee, N=asset)
    return {'e': 'ORDER_TRADE_UPDATE', 'o': o}


EVENTS = [_update(1, 'NEW'), _update(1, 'TRADE', 'BUY', '0.010', '60000.0', '0', '0.12'),
          _update(2, 'NEW', 'SELL'),
          _update(2, 'TRADE', 'SELL', '0.004', '60100.0', '0.40000000', '0.04808'),
          _update(3, 'NEW', 'SELL'), _update(3, 'CANCELED', 'SELL'),
          _update(4, 'TRADE', 'BUY', '0.001', '60050.0', '0', '0.01', 'BNB')]
POSITION = [{'symbol': 'BTCUSDT', 'positionAmt': '0.007', 'entryPrice': '60007.14285714',
             'markPrice': '60200.00000000', 'unRealizedProfit': '1.35000000',
             'marginAsset': 'USDT'}]


def test_the_futures_part_sums_fills_and_reads_the_end_position():
    """Orders are distinct ids; realised = sum of rp; net = realised + unrealised - USDT fees."""
    part = futures_report(EVENTS, POSITION, {'USDT': D('100000')}, {'USDT': D('100000.2')})
    btc = part['symbols']['BTCUSDT']
    assert (btc['orders'], btc['fills'], btc['bought'], btc['sold']) == (4, 3, D('0.011'),
                                                                        D('0.004'))
    assert btc['realised_pnl'] == D('0.4') and btc['unrealised_pnl'] == D('1.35')
    assert btc['fees'] == {'USDT': D('0.16808'), 'BNB': D('0.01')}
    assert btc['net_pnl'] == D('0.4') + D('1.35') - D('0.16808')
    assert (btc['position'], btc['margin_asset']) == (D('0.007'), 'USDT')


def test_the_futures_table_names_the_margin_asset_and_the_wallet():
    """The table's row carries fees per asset and the net in USDT; the wallet line follows."""
    part = jsonable(futures_report(EVENTS, POSITION, {'USDT': D('100000')},
                                   {'USDT': D('100000.2')}))
    lines = format_futures_table(part).splitlines()
    assert lines[0].startswith('USD-M futures')
    row = lines[3].split()
    assert row[:6] == ['BTCUSDT', '4', '3', '0.007', '60007.14285714', '60200']
    assert '1.58192 USDT' in lines[3] and '0.16808 USDT, 0.01 BNB' in lines[3]
    assert lines[-1] == 'Futures wallet: 100000 USDT -> 100000.2 USDT'
