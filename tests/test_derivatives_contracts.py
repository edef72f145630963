"""The derivatives engine takes its settlement arithmetic from a contract kind: COIN-M's
inverse contracts are the INVERSE kind with a contract size per symbol, not a copy of
the engine; the numbers are checked against inverse-contract examples worked by hand
from Binance's COIN-M formulas (PnL = qty x contractSize x (1/entry - 1/exit), in coin)."""
from decimal import Decimal

import pytest

from binance.testing.derivatives import LINEAR
from binance.testing.derivatives.coin import CoinFuturesMarket
from binance.testing.derivatives.contract import (COIN_FUTURES_SYMBOLS, INVERSE, Contracts,
                                                  coin_futures_symbols, quarter_delivery)

KEY = 'k'
EIGHT = Decimal('1e-8')


def q8(value):
    return Decimal(value).quantize(EIGHT)


def test_contract_sizes_are_part_of_the_definitions():
    """BTCUSD contracts are 100 USD, the others 10 USD, as COIN-M's contractSize says."""
    contracts = Contracts(coin_futures_symbols(1796601600000), INVERSE)
    assert contracts.contract_size['BTCUSD_PERP'] == 100
    assert contracts.contract_size['ETHUSD_PERP'] == 10
    delivery = [n for n in contracts.specs if not n.endswith('_PERP')]
    assert delivery == ['BTCUSD_261225'] and contracts.contract_size[delivery[0]] == 100
    assert contracts.margin_asset('ETHUSD_PERP') == 'ETH' and contracts.pair('BTCUSD_PERP') == \
        'BTCUSD'
    assert Contracts(['BTCUSDT']).contract_size['BTCUSDT'] == 1


def test_the_quarterly_contract_delivers_on_the_last_friday_of_the_quarter():
    """2026-12-07 -> 2026-12-25 08:00 UTC; once past, the next quarter's (2027-03-26)."""
    assert quarter_delivery(1796601600000) == 1798185600000          # 2026-12-25 08:00
    assert quarter_delivery(1798185600000 + 1) == 1806048000000      # 2027-03-26 08:00


@pytest.mark.parametrize('qty, entry, exit_price, size, expected', [
    # long 10 BTCUSD (1000 USD) from 10000 to 12000: 1000 x (1/10000 - 1/12000) BTC
    ('10', '10000', '12000', '100', '0.01666667'),
    # the same long when the price falls to 8000: 1000 x (1/10000 - 1/8000)
    ('10', '10000', '8000', '100', '-0.02500000'),
    # short 10 BTCUSD from 10000 to 12000 loses what the long won
    ('-10', '10000', '12000', '100', '-0.01666667'),
    # long 50 ETHUSD (10 USD each, 500 USD) from 2000 to 2500: 500 x (1/2000 - 1/2500) ETH
    ('50', '2000', '2500', '10', '0.05000000'),
])
def test_inverse_profit_is_in_coin(qty, entry, exit_price, size, expected):
    """Unrealised/realised PnL of an inverse position, hand-computed from Binance's formula."""
    assert q8(INVERSE.pnl(Decimal(qty), Decimal(entry), Decimal(exit_price),
                          Decimal(size))) == Decimal(expected)


def test_inverse_notional_margin_and_entry_price():
    """Notional = qty x size / price in coin; margin = notional / leverage; adding to a
    position averages the entry harmonically (contracts over coin paid)."""
    # 100 ETHUSD contracts at 2000: 1000 USD = 0.5 ETH; at 20x the margin is 0.025 ETH
    notional = INVERSE.notional(Decimal(100), Decimal(2000), Decimal(10))
    assert notional == Decimal('0.5') and notional / 20 == Decimal('0.025')
    # 100 at 10000 then 100 at 20000: 200 / (100/10000 + 100/20000) = 13333.33...
    entry = INVERSE.average_entry(Decimal(100), Decimal(10000), Decimal(100), Decimal(20000))
    assert entry.quantize(Decimal('0.01')) == Decimal('13333.33')
    assert LINEAR.average_entry(Decimal(1), Decimal(10000), Decimal(1), Decimal(20000)) == 15000


def test_inverse_liquidation_price():
    """Isolated, maintenance 0.4 %: a 20x long from 10000 is liquidated at
    10000 x 1.004 / 1.05 = 9561.90; a 20x short at 10000 x 0.996 / 0.95 = 10484.21."""
    long_price = INVERSE.liquidation(Decimal(1), Decimal(10000), 20, Decimal('0.004'))
    short_price = INVERSE.liquidation(Decimal(-1), Decimal(10000), 20, Decimal('0.004'))
    assert long_price.quantize(Decimal('0.01')) == Decimal('9561.90')
    assert short_price.quantize(Decimal('0.01')) == Decimal('10484.21')
    # at that price the long's margin plus its loss is its maintenance margin
    q, s, e = Decimal(10), Decimal(100), Decimal(10000)
    equity = q * s / (e * 20) + INVERSE.pnl(q, e, long_price, s)
    assert q8(equity) == q8(q * s / long_price * Decimal('0.004'))


def test_the_coin_m_desk_books_profit_fees_and_margin_in_coin(fake_clock):
    """Through the engine: a long's unrealised PnL, its realised PnL, the taker fees and the
    wallet are in BTC and match the formulas."""
    market = CoinFuturesMarket(seed=2, clock=fake_clock, symbols={
        'BTCUSD_PERP': dict(COIN_FUTURES_SYMBOLS['BTCUSD_PERP'])})
    market.add_account(KEY, 's', {'BTC': '1'})
    market.set_price('BTCUSD_PERP', '60000')
    market.d_place_order(KEY, symbol='BTCUSD_PERP', side='BUY', type='MARKET', quantity='10')
    market.set_price('BTCUSD_PERP', '66000')
    position = market.d_position_risk(KEY)[0]
    entry = Decimal(position['entryPrice'])
    assert Decimal(position['unRealizedProfit']) == q8(10 * 100 * (1 / entry - 1 / Decimal(66000)))
    assert Decimal(position['notionalValue']) == q8(Decimal(1000) / 66000)
    account = market.d_account(KEY)
    btc = next(a for a in account['assets'] if a['asset'] == 'BTC')
    assert Decimal(btc['positionInitialMargin']) == q8(Decimal(1000) / 66000 / 20)
    market.d_place_order(KEY, symbol='BTCUSD_PERP', side='SELL', type='MARKET', quantity='10',
                         reduceOnly='true')
    trades = market.d_user_trades(KEY, 'BTCUSD_PERP')
    assert {t['commissionAsset'] for t in trades} == {'BTC'} == {t['marginAsset'] for t in trades}
    for t in trades:   # taker fee 0.05 % of the coin value of each fill
        assert Decimal(t['baseQty']) == q8(Decimal(t['qty']) * 100 / Decimal(t['price']))
        assert Decimal(t['commission']) == q8(Decimal(t['baseQty']) * Decimal('0.0005'))
    for t in trades:   # each closing fill realises qty x 100 x (1/entry - 1/fill price)
        expected = INVERSE.pnl(Decimal(t['qty']), entry, Decimal(t['price']), Decimal(100)) \
            if t['side'] == 'SELL' else 0
        assert Decimal(t['realizedPnl']) == q8(expected)
    realized = sum(Decimal(t['realizedPnl']) for t in trades)
    fees = sum(Decimal(t['commission']) for t in trades)
    assert Decimal(market.d_balance(KEY)[0]['balance']) == 1 + realized - fees


def test_usd_m_is_the_linear_kind():
    """USD-M contracts are LINEAR: quote-margined, notional qty x price."""
    contracts = Contracts(['BTCUSDT'])
    assert contracts.kind is LINEAR and contracts.margin_asset('BTCUSDT') == 'USDT'
    assert LINEAR.notional(Decimal('0.5'), Decimal('100')) == 50
