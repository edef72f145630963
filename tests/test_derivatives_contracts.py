"""The derivatives engine takes its settlement arithmetic from a contract kind: a second kind
of contract (an inverse, coin-margined one) is a new ContractKind, not a copy of the engine."""
from decimal import Decimal

from binance.testing.derivatives import LINEAR, ContractKind, FuturesMarket
from binance.testing.derivatives.contract import Contracts

KEY = 'k'


class ToyInverse(ContractKind):
    """Inverse contracts of 100 USD each, margined and settled in the base asset."""

    futures_type = 'COIN_MARGINED'
    size = Decimal(100)

    def margin_asset(self, spec):
        return spec.base

    def notional(self, qty, price):
        return qty * self.size / price

    def pnl(self, signed_qty, entry, exit_price):
        return signed_qty * self.size * (1 / entry - 1 / exit_price)


def test_an_inverse_kind_settles_in_the_base_asset(fake_clock):
    """With an inverse kind the same engine books profit, fees and margin in BTC."""
    kind = ToyInverse()
    market = FuturesMarket(seed=2, clock=fake_clock, kind=kind, symbols={
        'BTCUSD': {'base': 'BTC', 'quote': 'USD', 'price': '60000', 'tick_size': '0.1',
                   'step_size': '1', 'min_notional': '0.0001'}})
    market.add_account(KEY, 's', {'BTC': '1'})
    market.f_place_order(KEY, 'BTCUSD', 'BUY', 'MARKET', quantity='10')
    market.set_price('BTCUSD', '66000')
    position = market.f_position_risk(KEY)[0]
    assert position['marginAsset'] == 'BTC'
    entry = Decimal(position['entryPrice'])
    assert Decimal(position['unRealizedProfit']) == \
        (10 * Decimal(100) * (1 / entry - 1 / Decimal('66000'))).quantize(Decimal('1e-8'))
    market.f_place_order(KEY, 'BTCUSD', 'SELL', 'MARKET', quantity='10', reduceOnly='true')
    trades = market.f_user_trades(KEY, 'BTCUSD')
    assert {t['commissionAsset'] for t in trades} == {'BTC'}
    realized = sum(Decimal(t['realizedPnl']) for t in trades)
    fees = sum(Decimal(t['commission']) for t in trades)
    assert Decimal(market.f_balance(KEY)[0]['balance']) == 1 + realized - fees
    info = market.f_exchange_info()
    assert info['futuresType'] == 'COIN_MARGINED' and info['assets'][0]['asset'] == 'BTC'


def test_usd_m_is_the_linear_kind():
    """USD-M contracts are LINEAR: quote-margined, notional qty x price."""
    contracts = Contracts(['BTCUSDT'])
    assert contracts.kind is LINEAR and contracts.margin_asset('BTCUSDT') == 'USDT'
    assert LINEAR.notional(Decimal('0.5'), Decimal('100')) == 50
