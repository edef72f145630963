"""The local exchange's futures market as a pure simulation (no I/O): books, fills, events."""
from decimal import Decimal

import pytest

from binance.testing.futures_market import FuturesMarket
from binance.testing.market_base import MarketError

KEY, SECRET = 'k', 's'


@pytest.fixture
def market(fake_clock):
    m = FuturesMarket(seed=3, clock=fake_clock)
    m.add_account(KEY, SECRET, {'USDT': '10000'})
    m.events = []
    m.add_listener(lambda kind, key, payload: m.events.append((kind, key, payload)))
    return m


def user_events(market, kind):
    return [p for k, _, p in market.events if k == 'user' and p['e'] == kind]


def test_depth_events_chain_by_pu(market, fake_clock):
    """Each depthUpdate carries T and pu, and pu is the previous event's u."""
    for _ in range(20):
        fake_clock.advance(0.1)
        market.step()
    depth = [p for k, key, p in market.events if k == 'depthUpdate' and key == 'BTCUSDT']
    assert len(depth) > 3
    assert all(set(p) == {'e', 'E', 'T', 's', 'U', 'u', 'pu', 'b', 'a'} for p in depth)
    assert all(b['pu'] == a['u'] for a, b in zip(depth, depth[1:]))


def test_a_round_trip_books_realized_profit_and_fees(market):
    """Buy then sell: the wallet changes by the realized profit minus both fees."""
    market.f_place_order(KEY, 'BTCUSDT', 'BUY', 'MARKET', quantity='0.01')
    market.f_place_order(KEY, 'BTCUSDT', 'SELL', 'MARKET', quantity='0.01', reduceOnly='true')
    trades = market.f_user_trades(KEY, 'BTCUSDT')
    realized = sum(Decimal(t['realizedPnl']) for t in trades)
    fees = sum(Decimal(t['commission']) for t in trades)
    buys = sum(Decimal(t['quoteQty']) for t in trades if t['side'] == 'BUY')
    sells = sum(Decimal(t['quoteQty']) for t in trades if t['side'] == 'SELL')
    assert realized == sells - buys
    assert Decimal(market.f_balance(KEY)[0]['balance']) == Decimal('10000') + realized - fees
    assert market.f_position_risk(KEY) == []


def test_fills_publish_order_and_account_updates(market):
    """A fill gives ORDER_TRADE_UPDATE (TRADE, with commission) then ACCOUNT_UPDATE."""
    market.f_place_order(KEY, 'ETHUSDT', 'BUY', 'MARKET', quantity='0.1')
    updates = user_events(market, 'ORDER_TRADE_UPDATE')
    assert updates[0]['o']['x'] == 'NEW' and updates[-1]['o']['X'] == 'FILLED'
    trade = [u for u in updates if u['o']['x'] == 'TRADE'][0]['o']
    assert trade['N'] == 'USDT' and Decimal(trade['n']) > 0 and trade['ps'] == 'BOTH'
    account = user_events(market, 'ACCOUNT_UPDATE')[-1]['a']
    assert account['m'] == 'ORDER' and account['P'][0]['pa'] == '0.100'
    assert account['P'][0]['mt'] == 'cross'


def test_hedge_mode_keeps_long_and_short_apart(market):
    """In hedge mode LONG and SHORT positions coexist; BOTH orders are refused with -4061."""
    market.f_change_position_mode(KEY, 'true')
    market.f_place_order(KEY, 'BNBUSDT', 'BUY', 'MARKET', positionSide='LONG', quantity='1')
    market.f_place_order(KEY, 'BNBUSDT', 'SELL', 'MARKET', positionSide='SHORT', quantity='2')
    amounts = {p['positionSide']: p['positionAmt'] for p in market.f_position_risk(KEY)}
    assert amounts == {'LONG': '1.00', 'SHORT': '-2.00'}
    with pytest.raises(MarketError) as info:
        market.f_place_order(KEY, 'BNBUSDT', 'BUY', 'MARKET', quantity='1')
    assert info.value.code == -4061


def test_a_post_only_order_that_would_take_expires(market):
    """GTX crossing the book is accepted and expired at once, as on Binance."""
    ask = Decimal(market.book_ticker('BTCUSDT')['askPrice'])
    answer = market.f_place_order(KEY, 'BTCUSDT', 'BUY', 'LIMIT', timeInForce='GTX',
                                  quantity='0.01', price=str(ask))
    assert answer['status'] == 'EXPIRED'
    assert [u['o']['X'] for u in user_events(market, 'ORDER_TRADE_UPDATE')] == ['NEW', 'EXPIRED']


def test_leverage_sets_the_margin_an_order_needs(market):
    """At 1x an order larger than the wallet is refused; at 20x it fits."""
    market.f_change_leverage(KEY, 'BNBUSDT', '1')
    with pytest.raises(MarketError) as info:
        market.f_place_order(KEY, 'BNBUSDT', 'BUY', 'MARKET', quantity='20')   # ~12000 USDT
    assert info.value.code == -2019
    market.f_change_leverage(KEY, 'BNBUSDT', '20')
    assert market.f_place_order(KEY, 'BNBUSDT', 'BUY', 'MARKET', quantity='20',
                                newOrderRespType='RESULT')['status'] == 'FILLED'
    with pytest.raises(MarketError) as info:
        market.f_change_leverage(KEY, 'BNBUSDT', '0')
    assert info.value.code == -4028


def test_exchange_info_lists_perpetuals_with_futures_filters(market):
    """exchangeInfo has USD-M's fields: contract type, margin asset, MIN_NOTIONAL with notional."""
    info = market.f_exchange_info()
    assert info['futuresType'] == 'U_MARGINED'
    btc = [s for s in info['symbols'] if s['symbol'] == 'BTCUSDT'][0]
    assert btc['contractType'] == 'PERPETUAL' and btc['marginAsset'] == 'USDT'
    notional = [f for f in btc['filters'] if f['filterType'] == 'MIN_NOTIONAL'][0]
    assert notional == {'filterType': 'MIN_NOTIONAL', 'notional': '100'}
    assert 'GTX' in btc['timeInForce']


def test_funding_history_is_every_eight_hours(market):
    """fundingRate entries are 8 hours apart, newest last, within the limit."""
    rows = market.funding_rate('BTCUSDT', limit=5)
    times = [r['fundingTime'] for r in rows]
    assert len(times) == 5 and all(b - a == 8 * 3600 * 1000 for a, b in zip(times, times[1:]))
    assert times[-1] <= market.now_ms()


def _decimals(text):
    return len(text.split('.')[1]) if '.' in text else 0


def test_numbers_use_each_contracts_price_and_quantity_precision(market, fake_clock):
    """Depth, trades, aggTrades, klines and book tickers write prices with pricePrecision and
    quantities with quantityPrecision decimals, as fapi does (not spot's fixed 8)."""
    for _ in range(30):
        fake_clock.advance(0.1)
        market.step()
    info = {s['symbol']: s for s in market.f_exchange_info()['symbols']}
    for name, spec in info.items():
        price, qty = spec['pricePrecision'], spec['quantityPrecision']
        tick = [f for f in spec['filters'] if f['filterType'] == 'PRICE_FILTER'][0]['tickSize']
        assert price == _decimals(tick) and price < 8
        book = market.f_depth(name, 5)
        assert {(_decimals(p), _decimals(q)) for p, q in book['bids'] + book['asks']} == \
            {(price, qty)}
        trade = market.f_trades(name, 1)[0]
        assert (_decimals(trade['price']), _decimals(trade['qty'])) == (price, qty)
        agg = market.f_agg_trades(symbol=name, limit=1)[0]
        assert (_decimals(agg['p']), _decimals(agg['q'])) == (price, qty)
        kline = market.f_klines(name, '1m', limit=1)[0]
        assert [_decimals(v) for v in kline[1:6]] == [price] * 4 + [qty]
        ticker = market.f_book_ticker(name)
        assert (_decimals(ticker['bidPrice']), _decimals(ticker['askQty'])) == (price, qty)
    depth = [p for k, key, p in market.events if k == 'depthUpdate' and key == 'BTCUSDT']
    levels = [level for p in depth for level in p['b'] + p['a']]
    btc = info['BTCUSDT']
    assert levels and {(_decimals(p), _decimals(q)) for p, q in levels} == \
        {(btc['pricePrecision'], btc['quantityPrecision'])}
    aggs = [p for k, key, p in market.events if k == 'aggTrade' and key == 'BTCUSDT']
    assert aggs and all(_decimals(p['q']) == btc['quantityPrecision'] for p in aggs)


def test_orders_positions_and_user_events_use_the_contract_precision(market):
    """An order's price/origQty, its fills, positionAmt and ACCOUNT_UPDATE's pa follow the
    contract's precisions (BTCUSDT: 0.1 tick, 0.001 step)."""
    order = market.f_place_order(KEY, 'BTCUSDT', 'BUY', 'MARKET', quantity='0.01',
                                 newOrderRespType='RESULT')
    assert (order['origQty'], order['executedQty']) == ('0.010', '0.010')
    assert _decimals(order['cumQuote']) == 4
    resting = market.f_place_order(KEY, 'BTCUSDT', 'SELL', 'LIMIT', quantity='0.002',
                                   price='250000', timeInForce='GTC')
    assert (resting['price'], resting['origQty']) == ('250000.0', '0.002')
    assert market.f_position_risk(KEY, 'BTCUSDT')[0]['positionAmt'] == '0.010'
    fills = [p['o'] for p in user_events(market, 'ORDER_TRADE_UPDATE') if p['o']['x'] == 'TRADE']
    assert fills and all(_decimals(o['l']) == 3 and _decimals(o['L']) == 1 for o in fills)
    assert user_events(market, 'ACCOUNT_UPDATE')[-1]['a']['P'][0]['pa'] == '0.010'
    assert _decimals(market.f_user_trades(KEY, 'BTCUSDT')[0]['qty']) == 3


def test_a_modified_order_keeps_its_id_and_reports_an_amendment(market):
    """PUT /fapi/v1/order changes price and quantity in place: one ORDER_TRADE_UPDATE with
    x=AMENDMENT, no CANCELED or NEW of the engine's replacement, the same orderId."""
    mark = market.prices.mark('ETHUSDT')
    low = (mark * Decimal('0.97')).quantize(Decimal('0.01'))
    order = market.f_place_order(KEY, 'ETHUSDT', 'BUY', 'LIMIT', timeInForce='GTC',
                                 quantity='0.010', price=str(low))
    market.events.clear()
    moved = market.f_modify_order(KEY, symbol='ETHUSDT', orderId=order['orderId'], side='BUY',
                                  quantity='0.020', price=str(low - 1))
    assert (moved['orderId'], moved['origQty'], moved['price']) == \
        (order['orderId'], '0.020', str(low - 1))
    updates = [p['o'] for p in user_events(market, 'ORDER_TRADE_UPDATE')]
    assert [(u['i'], u['x'], u['X'], u['q']) for u in updates] == \
        [(order['orderId'], 'AMENDMENT', 'NEW', '0.020')]
    assert market.f_open_orders(KEY, 'ETHUSDT')[0]['price'] == str(low - 1)
    market.f_cancel_order(KEY, 'ETHUSDT', orderId=order['orderId'])
    assert market.f_get_order(KEY, 'ETHUSDT', orderId=order['orderId'])['status'] == 'CANCELED'
    with pytest.raises(MarketError) as info:
        market.f_modify_order(KEY, symbol='ETHUSDT', orderId=order['orderId'], side='BUY',
                              quantity='0.020', price=str(low))
    assert info.value.code == -2013


@pytest.mark.parametrize('side, factor, code', [('BUY', '1.06', -4016), ('SELL', '0.94', -4024)])
def test_limit_prices_stay_within_percent_price_of_the_mark(market, side, factor, code):
    """PERCENT_PRICE: a BUY more than 5 % above the mark or a SELL more than 5 % below is
    refused with fapi's code, naming the limit."""
    mark = market.prices.mark('ETHUSDT')
    price = (mark * Decimal(factor)).quantize(Decimal('0.01'))
    with pytest.raises(MarketError) as info:
        market.f_place_order(KEY, 'ETHUSDT', side, 'LIMIT', timeInForce='GTC',
                             quantity='0.010', price=str(price))
    assert info.value.code == code and 'Limit price can' in info.value.msg


def test_a_limit_order_needs_time_in_force(market):
    """LIMIT without timeInForce is -1102 (fapi makes it mandatory; no GTC by default)."""
    with pytest.raises(MarketError) as info:
        market.f_place_order(KEY, 'ETHUSDT', 'BUY', 'LIMIT', quantity='0.010', price='2900')
    assert info.value.code == -1102 and 'timeInForce' in info.value.msg


def test_client_order_ids_follow_fapis_rule(market):
    """newClientOrderId takes fapi's characters (dots, colons, slashes too); a duplicate of
    an open order is -4116 and a bad character -1100."""
    mark = market.prices.mark('ETHUSDT')
    low = str((mark * Decimal('0.97')).quantize(Decimal('0.01')))
    order = market.f_place_order(KEY, 'ETHUSDT', 'BUY', 'LIMIT', timeInForce='GTC',
                                 quantity='0.010', price=low, newClientOrderId='x-bot:1/a.b')
    assert order['clientOrderId'] == 'x-bot:1/a.b'
    assert market.f_get_order(KEY, 'ETHUSDT', origClientOrderId='x-bot:1/a.b')['orderId'] == \
        order['orderId']
    for client_id, code in (('x-bot:1/a.b', -4116), ('a b', -1100)):
        with pytest.raises(MarketError) as info:
            market.f_place_order(KEY, 'ETHUSDT', 'BUY', 'LIMIT', timeInForce='GTC',
                                 quantity='0.010', price=low, newClientOrderId=client_id)
        assert info.value.code == code


def test_a_gtd_order_expires_at_its_good_till_date(market, fake_clock):
    """timeInForce=GTD: the order is EXPIRED once goodTillDate passes on the market's clock."""
    mark = market.prices.mark('ETHUSDT')
    until = market.now_ms() + 700000
    order = market.f_place_order(KEY, 'ETHUSDT', 'BUY', 'LIMIT', timeInForce='GTD',
                                 goodTillDate=str(until), quantity='0.010',
                                 price=str((mark * Decimal('0.97')).quantize(Decimal('0.01'))))
    fake_clock.advance(699)
    market.run_timers()
    assert market.f_get_order(KEY, 'ETHUSDT', orderId=order['orderId'])['status'] == 'NEW'
    fake_clock.advance(1)
    market.run_timers()
    assert market.f_get_order(KEY, 'ETHUSDT', orderId=order['orderId'])['status'] == 'EXPIRED'
    assert user_events(market, 'ORDER_TRADE_UPDATE')[-1]['o']['x'] == 'EXPIRED'
