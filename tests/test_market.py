"""The simulated market (binance.testing.market): pure logic, no I/O, a hand-driven clock."""
from decimal import Decimal

import pytest

from binance.helpers import date_to_milliseconds, interval_to_milliseconds
from binance.testing.market import Market, MarketError

KEY, SECRET = 'key-a', 'secret-a'
OTHER, OTHER_SECRET = 'key-b', 'secret-b'


def make_market(clock, seed=7, **kwargs):
    market = Market(seed=seed, clock=clock, **kwargs)
    market.add_account(KEY, SECRET, {'BTC': '2', 'BNB': '500', 'USDT': '50000'})
    market.add_account(OTHER, OTHER_SECRET, {'BTC': '50', 'BNB': '50000'})
    return market


def record(market):
    events = []
    market.add_listener(lambda kind, key, payload: events.append((kind, key, payload)))
    return events


def of_kind(events, kind, key=None):
    return [p for k, name, p in events if k == kind and (key is None or name == key)]


def user_events(events, api_key, event_type):
    return [p for p in of_kind(events, 'user', api_key) if p['e'] == event_type]


def best(market, symbol='BNBBTC'):
    depth = market.depth(symbol, 1)
    return Decimal(depth['bids'][0][0]), Decimal(depth['asks'][0][0])


def error_of(call):
    with pytest.raises(MarketError) as info:
        call()
    return info.value.code, info.value.msg


@pytest.fixture
def market(fake_clock):
    return make_market(fake_clock)


# -- determinism and the simulation ---------------------------------------------------


def test_same_seed_and_clock_give_identical_markets(fake_clock):
    """Two markets with one seed and clock emit the same events and books, step by step."""
    first, second = make_market(fake_clock), make_market(fake_clock)
    events_a, events_b = record(first), record(second)
    for _ in range(40):
        fake_clock.advance(0.1)
        first.step()
        second.step()
    assert events_a == events_b and len(events_a) > 100
    assert first.depth('ETHBTC', 50) == second.depth('ETHBTC', 50)
    assert first.agg_trades('BTCUSDT', limit=20) == second.agg_trades('BTCUSDT', limit=20)


def test_different_seeds_give_different_markets(fake_clock):
    """The seed changes prices and books."""
    assert make_market(fake_clock, seed=1).depth('BNBBTC', 5) != \
        make_market(fake_clock, seed=2).depth('BNBBTC', 5)


def test_depth_updates_chain_and_rebuild_the_true_book(market, fake_clock):
    """depthUpdate U/u chain without gaps from the snapshot id and replaying them gives book()."""
    snapshot = market.depth('BNBBTC', 5000)
    bids = {Decimal(p): Decimal(q) for p, q in snapshot['bids']}
    asks = {Decimal(p): Decimal(q) for p, q in snapshot['asks']}
    events = record(market)
    last = snapshot['lastUpdateId']
    for number in range(60):
        fake_clock.advance(0.1)
        market.step()
        if number == 30:  # account orders change the book too
            bid, _ = best(market)
            market.place_order(KEY, 'BNBBTC', 'BUY', 'LIMIT', timeInForce='GTC',
                               quantity='3', price=str(bid))
            market.place_order(KEY, 'BNBBTC', 'BUY', 'MARKET', quantity='2')
    updates = of_kind(events, 'depthUpdate', 'BNBBTC')
    assert len(updates) > 30
    for update in updates:
        assert update['U'] == last + 1 and update['u'] >= update['U']
        last = update['u']
        for side, levels in ((bids, update['b']), (asks, update['a'])):
            for price, qty in levels:
                if Decimal(qty):
                    side[Decimal(price)] = Decimal(qty)
                else:
                    side.pop(Decimal(price), None)
    assert last == market.depth('BNBBTC', 5)['lastUpdateId'] == market.update_id('BNBBTC')
    assert (bids, asks) == market.book('BNBBTC')


def test_book_stays_uncrossed_and_alive(market, fake_clock):
    """After many steps every book has both sides, best bid below best ask, near its start."""
    start = {s: best(market, s) for s in market.symbols}
    for _ in range(300):
        fake_clock.advance(0.1)
        market.step()
    for symbol in market.symbols:
        bids, asks = market.book(symbol)
        assert len(bids) >= 3 and len(asks) >= 3
        assert max(bids) < min(asks)
        assert Decimal('0.8') < max(bids) / start[symbol][0] < Decimal('1.25')


def test_trade_events_match_the_trade_history(market, fake_clock):
    """Every trade event is in recent trades; aggTrade events sum their trades' quantities."""
    events = record(market)
    for _ in range(50):
        fake_clock.advance(0.1)
        market.step()
    trades = of_kind(events, 'trade', 'ETHBTC')
    aggs = of_kind(events, 'aggTrade', 'ETHBTC')
    assert trades and aggs
    assert [t['t'] for t in trades] == list(range(trades[0]['t'], trades[-1]['t'] + 1))
    history = {t['id']: t for t in market.recent_trades('ETHBTC', limit=1000)}
    for trade in trades:
        known = history[trade['t']]
        assert known['price'] == trade['p'] and known['qty'] == trade['q']
        assert trade['e'] == 'trade' and trade['s'] == 'ETHBTC' and trade['M'] is True
    for agg in aggs:
        parts = [history[i] for i in range(agg['f'], agg['l'] + 1)]
        assert sum(Decimal(p['qty']) for p in parts) == Decimal(agg['q'])
        assert {p['price'] for p in parts} == {agg['p']}
    assert aggs[-1]['l'] == trades[-1]['t']


# -- history ---------------------------------------------------------------------------


def check_klines(rows, interval):
    step = interval_to_milliseconds(interval)
    for row in rows:
        open_, high, low, close = (Decimal(v) for v in row[1:5])
        assert low <= min(open_, close) and high >= max(open_, close) and low > 0
        assert Decimal(row[5]) >= 0 and Decimal(row[7]) >= 0 and row[8] >= 0
        assert Decimal(row[9]) <= Decimal(row[5])
        if interval != '1M':
            offset = 4 * 86400000 if interval == '1w' else 0  # weeks open on Mondays
            assert (row[0] - offset) % step == 0 and row[6] == row[0] + step - 1
    for before, after in zip(rows, rows[1:]):
        assert after[0] == before[6] + 1


def test_past_klines_are_the_same_whenever_the_market_is_made(fake_clock):
    """Klines of a past range are deterministic: independent of the creation time."""
    start = date_to_milliseconds('1 Dec, 2017')
    early = make_market(fake_clock).klines('BNBBTC', '1h', startTime=start, limit=300)
    fake_clock.advance(86400 * 3)
    later = make_market(fake_clock).klines('BNBBTC', '1h', startTime=start, limit=300)
    assert early == later and len(early) == 300
    assert early[0][0] == start
    check_klines(early, '1h')


def test_klines_page_from_2017_to_now(market, fake_clock):
    """Paging daily klines from 1 Dec 2017 reaches the open kline of today without gaps."""
    rows, start = [], date_to_milliseconds('1 Dec, 2017')
    while True:
        page = market.klines('BNBBTC', '1d', startTime=start, limit=1000)
        if not page:
            break
        rows += page
        start = page[-1][0] + 1
    check_klines(rows, '1d')
    now = market.now_ms()
    assert rows[0][0] == date_to_milliseconds('1 Dec, 2017')
    assert rows[-1][0] <= now <= rows[-1][6]


def test_klines_start_at_the_listing(market):
    """No kline opens before the symbol was listed (BNBBTC: 14 Jul 2017)."""
    rows = market.klines('BNBBTC', '1d', startTime=0, limit=3)
    assert rows[0][0] == date_to_milliseconds('14 Jul, 2017')
    assert market.klines('BNBBTC', '1h', endTime=date_to_milliseconds('1 Jan, 2017')) == []


def test_recent_klines_aggregate_the_trades(market, fake_clock):
    """Klines inside the trade history summarise its trades; the last one is open up to now."""
    for _ in range(20):
        fake_clock.advance(1)
        market.step()
    rows = market.klines('ETHBTC', '1m', limit=30)
    check_klines(rows, '1m')
    last = rows[-1]
    assert last[0] <= market.now_ms() <= last[6]
    opened = [t for t in market.agg_trades('ETHBTC', startTime=last[0], endTime=last[6],
                                           limit=1000)]
    assert opened and Decimal(last[5]) == sum(Decimal(a['q']) for a in opened)
    assert last[4] == opened[-1]['p'] == market.ticker_price('ETHBTC')['price']


def test_calendar_intervals_align_to_months_and_mondays(market):
    """1M klines open on the 1st of each month and 1w klines on Mondays."""
    months = market.klines('ETHBTC', '1M', startTime=date_to_milliseconds('1 Jan, 2018'), limit=3)
    assert [r[0] for r in months] == [date_to_milliseconds(d) for d in
                                      ('1 Jan, 2018', '1 Feb, 2018', '1 Mar, 2018')]
    assert months[0][6] == date_to_milliseconds('1 Feb, 2018') - 1
    weeks = market.klines('ETHBTC', '1w', startTime=date_to_milliseconds('1 Jan, 2018'), limit=2)
    assert weeks[0][0] == date_to_milliseconds('1 Jan, 2018')  # a Monday
    check_klines(weeks, '1w')


def test_agg_trades_by_time_and_by_id(market, fake_clock):
    """aggTrades honour startTime/endTime (inclusive) and fromId; ids are consecutive."""
    now = market.now_ms()
    window = market.agg_trades('BNBBTC', startTime=now - 3600000, endTime=now - 1800000,
                               limit=1000)
    assert window and all(now - 3600000 <= a['T'] <= now - 1800000 for a in window)
    ids = [a['a'] for a in window]
    assert ids == list(range(ids[0], ids[0] + len(ids)))
    assert market.agg_trades('BNBBTC', fromId=ids[5], limit=3) == window[5:8]
    assert len(market.agg_trades('BNBBTC')) == 500


def test_historical_trades_from_id(market):
    """historicalTrades pages by fromId through the generated history."""
    recent = market.recent_trades('LTCBTC', limit=10)
    first = recent[0]['id']
    assert market.historical_trades('LTCBTC', limit=4, fromId=first) == recent[:4]
    assert market.historical_trades('LTCBTC', limit=10) == recent


def test_ticker_and_avg_price_are_consistent(market):
    """The 24 h ticker's last price is the last trade, inside its high/low, bid below ask."""
    ticker = market.ticker_24h('BNBBTC')
    last = Decimal(ticker['lastPrice'])
    assert last == Decimal(market.recent_trades('BNBBTC', limit=1)[0]['price'])
    assert Decimal(ticker['lowPrice']) <= last <= Decimal(ticker['highPrice'])
    assert Decimal(ticker['bidPrice']) < Decimal(ticker['askPrice'])
    assert ticker['closeTime'] - ticker['openTime'] == 86400000
    assert len(market.ticker_24h()) == 5 and market.avg_price('BNBBTC')['mins'] == 5


# -- orders ------------------------------------------------------------------------------


def test_market_buy_fills_at_the_best_ask_and_settles(market):
    """A MARKET buy takes the best ask; BTC is paid, BNB received minus 0.1 % commission."""
    events = record(market)
    _, ask = best(market)
    result = market.place_order(KEY, 'BNBBTC', 'BUY', 'MARKET', quantity='1')
    assert result['status'] == 'FILLED' and result['fills'][0]['price'] == '{:.8f}'.format(ask)
    balances = market.balances(KEY)
    assert balances['BNB']['free'] == Decimal('500') + Decimal('0.999')
    assert balances['BTC']['free'] == Decimal('2') - ask
    reports = user_events(events, KEY, 'executionReport')
    assert [(r['x'], r['X']) for r in reports] == [('NEW', 'NEW'), ('TRADE', 'FILLED')]
    position = user_events(events, KEY, 'outboundAccountPosition')[-1]
    assert {b['a'] for b in position['B']} == {'BNB', 'BTC'}
    trades = market.my_trades(KEY, 'BNBBTC')
    assert trades[0]['isBuyer'] and not trades[0]['isMaker']
    assert trades[0]['commission'] == '0.00100000'


def test_limit_order_rests_locks_and_cancels(market):
    """A resting LIMIT order locks its quote, shows in the book, and cancel gives it back."""
    bid, _ = best(market)
    before = market.book('BNBBTC')[0].get(bid, Decimal(0))
    order = market.place_order(KEY, 'BNBBTC', 'BUY', 'LIMIT', timeInForce='GTC', quantity='10',
                               price=str(bid), newClientOrderId='my-order-1')
    assert order['status'] == 'NEW' and order['clientOrderId'] == 'my-order-1'
    assert market.book('BNBBTC')[0][bid] == before + 10
    assert market.balances(KEY)['BTC']['locked'] == bid * 10
    assert [o['orderId'] for o in market.open_orders(KEY, 'BNBBTC')] == [order['orderId']]
    cancelled = market.cancel_order(KEY, 'BNBBTC', origClientOrderId='my-order-1')
    assert cancelled['status'] == 'CANCELED' and cancelled['origClientOrderId'] == 'my-order-1'
    assert market.balances(KEY)['BTC'] == {'free': Decimal(2), 'locked': Decimal(0)}
    assert market.book('BNBBTC')[0].get(bid, Decimal(0)) == before
    assert market.get_order(KEY, 'BNBBTC', orderId=order['orderId'])['status'] == 'CANCELED'
    assert error_of(lambda: market.cancel_order(KEY, 'BNBBTC', orderId=order['orderId'])) == \
        (-2011, 'Unknown order sent.')


def test_resting_order_is_filled_by_simulated_traders(market, fake_clock):
    """A bid at the top of the book is eventually filled by simulated sellers (maker fill)."""
    events = record(market)
    bid, ask = best(market)
    price = ask - Decimal('0.000001') if ask - bid > Decimal('0.000001') else bid
    order = market.place_order(KEY, 'BNBBTC', 'BUY', 'LIMIT', timeInForce='GTC',
                               quantity='0.5', price=str(price))
    for _ in range(2000):
        fake_clock.advance(0.1)
        market.step()
        if market.get_order(KEY, 'BNBBTC', orderId=order['orderId'])['status'] == 'FILLED':
            break
    assert market.get_order(KEY, 'BNBBTC', orderId=order['orderId'])['status'] == 'FILLED'
    assert all(t['isMaker'] for t in market.my_trades(KEY, 'BNBBTC'))
    assert market.balances(KEY)['BTC']['locked'] == 0
    assert user_events(events, KEY, 'executionReport')[-1]['X'] == 'FILLED'


def test_time_in_force_and_quote_quantity(market):
    """FOK beyond the book expires untouched, IOC fills what it can, quoteOrderQty caps spend."""
    _, ask = best(market)
    more = str(market.book('BNBBTC')[1][ask] + 1)  # one more than the best ask level holds
    fok = market.place_order(OTHER, 'BNBBTC', 'BUY', 'LIMIT', timeInForce='FOK',
                             quantity=more, price=str(ask))
    assert fok['status'] == 'EXPIRED' and fok['executedQty'] == '0.00000000'
    ioc = market.place_order(OTHER, 'BNBBTC', 'BUY', 'LIMIT', timeInForce='IOC',
                             quantity=more, price=str(ask))
    assert ioc['status'] == 'EXPIRED' and Decimal(ioc['executedQty']) == Decimal(more) - 1
    assert market.balances(OTHER)['BTC']['locked'] == 0
    spent = market.place_order(KEY, 'BNBBTC', 'BUY', 'MARKET', quoteOrderQty='0.05')
    assert Decimal(spent['cummulativeQuoteQty']) <= Decimal('0.05')
    assert spent['status'] == 'FILLED' and spent['origQuoteOrderQty'] == '0.05000000'


@pytest.mark.parametrize('params,expected', [
    (dict(symbol='NOPE'), (-1121, 'Invalid symbol.')),
    (dict(symbol='bnbbtc'), -1100),
    (dict(symbol=None), -1102),
    (dict(side='HOLD'), (-1117, 'Invalid side.')),
    (dict(type='LIMITED'), (-1116, 'Invalid orderType.')),
    (dict(timeInForce='GTX'), (-1115, 'Invalid timeInForce.')),
    (dict(timeInForce=None), -1102),
    (dict(price=None), -1102),
    (dict(quantity='1.0005'), (-1013, 'Filter failure: LOT_SIZE')),
    (dict(price='0.0080005'), (-1013, 'Filter failure: PRICE_FILTER')),
    (dict(quantity='0.001'), (-1013, 'Filter failure: NOTIONAL')),
    (dict(price='0.5'), (-1013, 'Filter failure: PERCENT_PRICE_BY_SIDE')),
    (dict(quantity='-1'), -1100),
    (dict(quantity='1.000000001'), -1111),
    (dict(quantity='0'), (-1013, 'Invalid quantity.')),
    (dict(quantity='1000'), (-2010, 'Account has insufficient balance for requested action.')),
    (dict(type='MARKET', price=None, timeInForce=None, quantity=None), -1102),
    (dict(type='MARKET', timeInForce=None), (-1106, "Parameter 'price' sent when not required.")),
])
def test_order_validation_errors(market, params, expected):
    """Bad orders are refused with Binance's codes (and messages) before anything changes."""
    args = dict(symbol='BNBBTC', side='BUY', type='LIMIT', timeInForce='GTC', quantity='1',
                price='0.008')
    args.update(params)
    bid, _ = best(market)
    if args['price'] == '0.008':
        args['price'] = str(bid)
    before = market.balances(KEY), market.depth('BNBBTC', 50)
    code, msg = error_of(lambda: market.place_order(KEY, **args))
    if isinstance(expected, tuple):
        assert (code, msg) == expected
    else:
        assert code == expected
    assert (market.balances(KEY), market.depth('BNBBTC', 50)) == before


def test_more_order_refusals(market):
    """Unknown keys, unknown orders, self-crossing LIMIT_MAKER, early stops, duplicate ids."""
    bid, ask = best(market)
    assert error_of(lambda: market.account('nobody'))[0] == -2015
    assert error_of(lambda: market.get_order(KEY, 'BNBBTC', orderId=1)) == \
        (-2013, 'Order does not exist.')
    assert error_of(lambda: market.get_order(KEY, 'BNBBTC'))[0] == -1102
    assert error_of(lambda: market.place_order(
        KEY, 'BNBBTC', 'BUY', 'LIMIT_MAKER', quantity='1', price=str(ask))) == \
        (-2010, 'Order would immediately match and take.')
    assert error_of(lambda: market.place_order(
        KEY, 'BNBBTC', 'SELL', 'STOP_LOSS_LIMIT', timeInForce='GTC', quantity='1',
        price=str(ask), stopPrice=str(ask))) == (-2010, 'Order would trigger immediately.')
    market.place_order(KEY, 'BNBBTC', 'BUY', 'LIMIT', timeInForce='GTC', quantity='1',
                       price=str(bid), newClientOrderId='same')
    assert error_of(lambda: market.place_order(
        KEY, 'BNBBTC', 'BUY', 'LIMIT', timeInForce='GTC', quantity='1', price=str(bid),
        newClientOrderId='same')) == (-2010, 'Duplicate order sent.')


def test_test_orders_validate_without_effect(market):
    """order/test answers {} for a valid order and changes nothing; invalid ones still fail."""
    events = record(market)
    bid, _ = best(market)
    assert market.place_order(KEY, 'BNBBTC', 'BUY', 'LIMIT', timeInForce='GTC', quantity='1',
                              price=str(bid), test=True) == {}
    assert events == [] and market.open_orders(KEY) == []
    assert error_of(lambda: market.place_order(KEY, 'BNBBTC', 'BUY', 'LIMIT', timeInForce='GTC',
                                               quantity='1.0001', price=str(bid), test=True))[0] \
        == -1013


def test_stop_loss_triggers_when_the_price_falls(market):
    """An untriggered STOP_LOSS_LIMIT waits, then works once trades go through its stop price."""
    bid, _ = best(market)
    stop = bid - Decimal('0.000010')
    order = market.place_order(KEY, 'BNBBTC', 'SELL', 'STOP_LOSS_LIMIT', timeInForce='GTC',
                               quantity='2', price=str(stop - Decimal('0.000005')),
                               stopPrice=str(stop))
    assert market.get_order(KEY, 'BNBBTC', orderId=order['orderId'])['isWorking'] is False
    assert market.balances(KEY)['BNB']['locked'] == 2
    bids, _ = market.book('BNBBTC')
    to_sweep = sum(q for p, q in bids.items() if p >= stop)
    market.place_order(OTHER, 'BNBBTC', 'SELL', 'MARKET', quantity=str(to_sweep))
    info = market.get_order(KEY, 'BNBBTC', orderId=order['orderId'])
    assert info['isWorking'] is True and info['workingTime'] > 0
    assert info['status'] in ('NEW', 'PARTIALLY_FILLED', 'FILLED')


def test_oco_locks_once_and_one_leg_expires_the_other(market):
    """An OCO sell locks the quantity once; a fill of the limit leg expires the stop leg."""
    events = record(market)
    bid, ask = best(market)
    result = market.place_oco(KEY, 'BNBBTC', 'SELL', '3', price=str(ask + Decimal('0.000002')),
                              stopPrice=str(bid - Decimal('0.00002')),
                              stopLimitPrice=str(bid - Decimal('0.00003')),
                              stopLimitTimeInForce='GTC')
    assert result['contingencyType'] == 'OCO' and len(result['orders']) == 2
    assert market.balances(KEY)['BNB']['locked'] == 3
    stop_leg, limit_leg = result['orderReports']
    assert stop_leg['type'] == 'STOP_LOSS_LIMIT' and limit_leg['type'] == 'LIMIT_MAKER'
    market.place_order(OTHER, 'BNBBTC', 'BUY', 'MARKET', quantity='200')
    assert market.get_order(KEY, 'BNBBTC', orderId=limit_leg['orderId'])['status'] == 'FILLED'
    assert market.get_order(KEY, 'BNBBTC', orderId=stop_leg['orderId'])['status'] == 'EXPIRED'
    assert market.balances(KEY)['BNB'] == {'free': Decimal(497), 'locked': Decimal(0)}
    assert user_events(events, KEY, 'listStatus')[-1]['L'] == 'ALL_DONE'


def test_cancelling_one_oco_leg_cancels_the_list(market):
    """Cancelling either leg cancels both and unlocks the balance."""
    bid, ask = best(market)
    result = market.place_oco(KEY, 'BNBBTC', 'SELL', '1', aboveType='LIMIT_MAKER',
                              abovePrice=str(ask + Decimal('0.0001')), belowType='STOP_LOSS',
                              belowStopPrice=str(bid - Decimal('0.0001')))
    market.cancel_order(KEY, 'BNBBTC', orderId=result['orders'][0]['orderId'])
    assert [market.get_order(KEY, 'BNBBTC', orderId=o['orderId'])['status']
            for o in result['orders']] == ['CANCELED', 'CANCELED']
    assert market.balances(KEY)['BNB'] == {'free': Decimal(500), 'locked': Decimal(0)}


def test_all_orders_and_my_trades_paging(market):
    """allOrders/myTrades list oldest first and page by id and limit."""
    ids = [market.place_order(KEY, 'BNBBTC', 'BUY', 'MARKET', quantity='1')['orderId']
           for _ in range(4)]
    assert [o['orderId'] for o in market.all_orders(KEY, 'BNBBTC')] == ids
    assert [o['orderId'] for o in market.all_orders(KEY, 'BNBBTC', orderId=ids[1], limit=2)] \
        == ids[1:3]
    trades = market.my_trades(KEY, 'BNBBTC')
    assert len(market.my_trades(KEY, 'BNBBTC', fromId=trades[1]['id'], limit=1)) == 1
    assert {t['orderId'] for t in market.my_trades(KEY, 'BNBBTC', orderId=ids[2])} == {ids[2]}


# -- listen keys and wallet ----------------------------------------------------------------


def test_listen_keys_live_sixty_minutes_unless_kept_alive(market, fake_clock):
    """A listen key is reused per account, extended by keepalive, and expires with an event."""
    events = record(market)
    key = market.create_listen_key(KEY)
    assert market.create_listen_key(KEY) == key and market.listen_key_owner(key) == KEY
    fake_clock.advance(50 * 60)
    market.keepalive_listen_key(key, KEY)
    fake_clock.advance(50 * 60)
    market.step()
    assert market.listen_key_owner(key) == KEY
    fake_clock.advance(11 * 60)
    market.step()
    assert market.listen_key_owner(key) is None
    assert of_kind(events, 'listenKeyExpired', key) == [
        {'e': 'listenKeyExpired', 'E': market.now_ms(), 'listenKey': key}]
    assert error_of(lambda: market.keepalive_listen_key(key)) == \
        (-1125, 'This listenKey does not exist.')
    other = market.create_listen_key(OTHER)
    market.close_listen_key(other, OTHER)
    assert market.listen_key_owner(other) is None


def test_deposit_and_withdraw(market):
    """Deposits emit balanceUpdate; withdrawals check the balance and are listed."""
    events = record(market)
    market.deposit(KEY, 'ETH', '1.5')
    assert user_events(events, KEY, 'balanceUpdate')[0]['d'] == '1.50000000'
    assert market.deposit_history(KEY, coin='ETH')[0]['amount'] == '1.50000000'
    assert error_of(lambda: market.withdraw(KEY, coin='ETH', address='addr', amount='2')) == \
        (-4026, 'User has insufficient balance')
    result = market.withdraw(KEY, coin='ETH', address='addr', amount='1')
    history = market.withdraw_history(KEY)
    assert history[0]['id'] == result['id'] and history[0]['coin'] == 'ETH'
    assert market.balances(KEY)['ETH']['free'] == Decimal('0.5')
    assert market.deposit_address(KEY, coin='BTC') == market.deposit_address(KEY, coin='BTC')


def test_dust_converts_small_balances_to_bnb(market):
    """transfer_dust turns a tiny balance into BNB minus a fee and records it in the dust log."""
    market.deposit(KEY, 'ETH', '0.001')
    result = market.transfer_dust(KEY, ['ETH'])
    assert result['transferResult'][0]['fromAsset'] == 'ETH'
    assert market.balances(KEY)['ETH']['free'] == 0
    assert market.balances(KEY)['BNB']['free'] == 500 + Decimal(result['totalTransfered'])
    assert market.dust_log(KEY)['total'] == 1
    assert error_of(lambda: market.transfer_dust(KEY, 'BTC'))[0] == -5003


def test_exchange_info_describes_the_filters_enforced(market):
    """exchangeInfo lists each symbol's assets, precisions and filters, and the rate limits."""
    info = market.exchange_info()
    assert info['timezone'] == 'UTC' and info['rateLimits']
    symbols = {s['symbol']: s for s in info['symbols']}
    assert set(symbols) == {'BNBBTC', 'ETHBTC', 'BTCUSDT', 'NEOBTC', 'LTCBTC'}
    bnb = symbols['BNBBTC']
    assert (bnb['status'], bnb['baseAsset'], bnb['quoteAsset']) == ('TRADING', 'BNB', 'BTC')
    filters = {f['filterType']: f for f in bnb['filters']}
    assert filters['LOT_SIZE']['stepSize'] == '0.00100000'
    assert filters['PRICE_FILTER']['tickSize'] == '0.00000100'
    assert filters['NOTIONAL']['minNotional'] == '0.00010000'
    assert error_of(lambda: market.exchange_info(symbol='NOPE')) == (-1121, 'Invalid symbol.')


def test_custom_symbols_and_bad_settings(fake_clock):
    """Markets take a subset of default symbols or full settings; bad settings raise ValueError."""
    assert Market(symbols=['ETHBTC'], clock=fake_clock).symbols == ['ETHBTC']
    custom = Market(clock=fake_clock, symbols={'FOOUSDT': dict(
        base='FOO', quote='USDT', price='2.5', tick_size='0.001', step_size='0.1')})
    assert custom.depth('FOOUSDT', 1)['bids'] and custom.klines('FOOUSDT', '1h', limit=2)
    with pytest.raises(ValueError, match='unknown symbol'):
        Market(symbols=['DOGEBTC'])
    with pytest.raises(ValueError, match='base \\+ quote'):
        Market(symbols={'FOOBAR': dict(base='FOO', quote='BTC', price='1', tick_size='0.1',
                                       step_size='1')})


def test_a_number_of_symbols_gives_the_defaults_then_generated_ones(fake_clock):
    """symbols=N: the five default symbols first, then SIM0001USDT ... whatever the seed."""
    assert Market(symbols=3, clock=fake_clock).symbols == ['BNBBTC', 'ETHBTC', 'BTCUSDT']
    big = Market(symbols=300, clock=fake_clock)
    names = big.symbols
    assert len(names) == len(set(names)) == 300
    assert names[:5] == ['BNBBTC', 'ETHBTC', 'BTCUSDT', 'NEOBTC', 'LTCBTC']
    assert names[5:] == ['SIM{:04d}USDT'.format(i) for i in range(1, 296)]
    assert Market(seed=9, symbols=300, clock=fake_clock).exchange_info()['symbols'] == \
        big.exchange_info()['symbols']
    entry = big.exchange_info(symbol='SIM0001USDT')['symbols'][0]
    assert (entry['baseAsset'], entry['quoteAsset'], entry['status']) == ('SIM0001', 'USDT',
                                                                          'TRADING')


def test_generated_symbols_trade_within_their_filters(fake_clock):
    """Every generated symbol has a live book, and a 10 USDT market buy fills there."""
    market = Market(symbols=120, clock=fake_clock)
    market.add_account(KEY, SECRET, {'USDT': '5000'})
    prices = set()
    for name in market.symbols[5:]:
        bid, ask = (Decimal(side[0][0]) for side in (market.depth(name, 1)['bids'],
                                                     market.depth(name, 1)['asks']))
        assert 0 < bid < ask, name
        prices.add(ask.adjusted())
        result = market.place_order(KEY, name, 'BUY', 'MARKET', quoteOrderQty='10')
        assert result['status'] == 'FILLED', (name, result)
        assert Decimal('5') <= Decimal(result['cummulativeQuoteQty']) <= Decimal('10'), name
    assert len(prices) >= 5        # prices spread over several orders of magnitude


@pytest.mark.parametrize('bad, exc', [(0, ValueError), (5001, ValueError), (-3, ValueError),
                                      (True, TypeError), (2.5, TypeError)])
def test_bad_symbol_counts_are_refused_with_the_valid_forms(bad, exc):
    with pytest.raises(exc, match='1 and 5000|number of symbols'):
        Market(symbols=bad)


def test_step_some_moves_the_symbols_in_turn(fake_clock):
    """step_some(5) on 12 symbols moves symbols 0-4, then 5-9, then 10, 11, 0, 1, 2."""
    market = Market(symbols=12, clock=fake_clock)
    names = market.symbols
    events = record(market)
    moved = []
    for _ in range(3):
        market.step_some(5)
        moved.append([key for kind, key, _ in events if kind == 'depthUpdate'])
        events.clear()
    assert moved == [names[0:5], names[5:10], names[10:12] + names[0:3]]
    with pytest.raises(ValueError, match='positive int'):
        market.step_some(0)


def test_step_some_of_every_symbol_is_a_step(fake_clock):
    """With no more symbols than asked for, step_some is step (same events, same seed)."""
    first, second = make_market(fake_clock), make_market(fake_clock)
    events_a, events_b = record(first), record(second)
    for _ in range(5):
        first.step()
        second.step_some(200)
    assert events_a == events_b and events_a


def test_a_market_of_thousands_keeps_a_shorter_history(fake_clock):
    """Up to 200 symbols a market has 4 h of trades; a bigger one 4 h * 200 / symbols each."""
    def oldest_age(market, name):
        first = market.historical_trades(name, limit=1, fromId=0)[0]
        return fake_clock() - first['time'] / 1000.0
    assert 3.9 * 3600 < oldest_age(Market(symbols=200, clock=fake_clock), 'BNBBTC') <= 4 * 3600
    age = oldest_age(Market(symbols=1000, clock=fake_clock), 'SIM0500USDT')
    assert 0.7 * 48 * 60 < age <= 48 * 60


def test_listener_errors_do_not_break_the_market(market, fake_clock, caplog):
    """A failing listener is logged; other listeners and the market carry on."""
    def broken(kind, key, payload):
        raise RuntimeError('listener bug')
    market.add_listener(broken)
    events = record(market)
    market.step(3)
    assert events and 'listener' in caplog.text
    market.remove_listener(broken)


def test_account_secret_stays_out_of_reprs(market):
    """Neither the account repr nor errors show the secret."""
    account = market._accounts[KEY]
    assert SECRET not in repr(account) and KEY not in repr(account)
    assert market.secret_for(KEY) == SECRET and market.secret_for('nobody') is None
