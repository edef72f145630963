"""Client errors: argument checks before sending, and HTTP failures mapped to exceptions.

Argument checks use a recording transport (nothing must be sent); HTTP
failures come from the local exchange over loopback.
"""
import pytest

from tests.test_client import offline_client

SECRET = 'sEcReT-do-not-leak-0123456789'
KEY = 'kEy-do-not-leak-9876543210'


@pytest.mark.parametrize('call,error,match', [
    (lambda c: c.get_order_book(), TypeError, "get_order_book\\(\\) missing required parameter 'symbol'"),
    (lambda c: c.get_order_book(symbol=''), ValueError, 'must not be empty'),
    (lambda c: c.get_order_book(symbol='bnbbtc'), ValueError, "upper case: 'BNBBTC'"),
    (lambda c: c.get_order_book(symbol='BNB/BTC'), ValueError, 'malformed symbol'),
    (lambda c: c.get_order_book(symbol=5), TypeError, 'symbol must be a str'),
    (lambda c: c.get_order_book(symbol='BNBBTC', limit=0), ValueError, 'between 1 and 5000'),
    (lambda c: c.get_order_book(symbol='BNBBTC', limit='5'), TypeError, 'limit must be an int'),
    (lambda c: c.get_klines(symbol='BNBBTC'), TypeError, "'interval'"),
    (lambda c: c.get_klines(symbol='BNBBTC', interval='7m'), ValueError, 'valid values are 1s, 1m'),
    (lambda c: c.get_klines(symbol='BNBBTC', interval='1m', limit=1001), ValueError, '1000'),
    (lambda c: c.get_historical_klines('BNBBTC', '2x', 0), ValueError, 'valid values are 1s'),
    (lambda c: c.get_historical_klines('BNBBTC', '1m', 0, limit=5000), ValueError, '1000'),
    (lambda c: c.get_historical_klines('BNBBTC', '1m', 1.5), TypeError, 'start_str'),
    (lambda c: c.get_historical_klines('BNBBTC', '1m', 'no such date xyz'), ValueError, 'date'),
    (lambda c: c.aggregate_trade_iter('BNBBTC', start_str=0, last_id=5), ValueError, 'not both'),
    (lambda c: c.aggregate_trade_iter('BNBBTC', last_id='5'), TypeError, 'last_id'),
    (lambda c: c.create_order(side='BUY', type='MARKET', quantity=1), TypeError, "'symbol'"),
    (lambda c: c.create_order(symbol='BNBBTC', type='MARKET', quantity=1), TypeError, "'side'"),
    (lambda c: c.create_order(symbol='BNBBTC', side='BUY', quantity=1), TypeError, "'type'"),
    (lambda c: c.create_order(symbol='BNBBTC', side='HOLD', type='MARKET', quantity=1),
     ValueError, 'invalid side .* BUY, SELL'),
    (lambda c: c.create_order(symbol='BNBBTC', side='BUY', type='LIMITED', quantity=1),
     ValueError, 'valid values are LIMIT, MARKET'),
    (lambda c: c.create_order(symbol='BNBBTC', side='BUY', type='MARKET'), TypeError,
     "'quantity' or 'quoteOrderQty'"),
    (lambda c: c.order_limit_buy(symbol='BNBBTC', quantity=1), TypeError, "'price'"),
    (lambda c: c.order_limit_buy(symbol='BNBBTC', price=1), TypeError, "'quantity'"),
    (lambda c: c.order_limit_buy(symbol='BNBBTC', quantity=1, price=1, timeInForce='GTX'),
     ValueError, 'GTC, IOC, FOK'),
    (lambda c: c.order_market_buy(symbol='BNBBTC', quantity=1, newOrderRespType='ALL'),
     ValueError, 'ACK, RESULT, FULL'),
    (lambda c: c.order_market_buy(symbol='BNBBTC', quantity=-1), ValueError, 'greater than 0'),
    (lambda c: c.order_market_buy(symbol='BNBBTC', quantity='lots'), ValueError, 'must be a number'),
    (lambda c: c.order_market_buy(symbol='BNBBTC', quantity=float('nan')), ValueError, 'finite'),
    (lambda c: c.create_order(symbol='BNBBTC', side='SELL', type='STOP_LOSS_LIMIT', quantity=1,
                              price=1, timeInForce='GTC'), TypeError, "'stopPrice' or 'trailingDelta'"),
    (lambda c: c.create_test_order(symbol='BNBBTC', side='SELL', type='LIMIT_MAKER', quantity=1),
     TypeError, "create_test_order\\(\\) missing required parameter 'price'"),
    (lambda c: c.order_oco_sell(symbol='BNBBTC', quantity=1, price=2), TypeError, "'stopPrice'"),
    (lambda c: c.order_oco_sell(symbol='BNBBTC', quantity=1, price=2, stopPrice=1, stopLimitPrice=1),
     TypeError, "'stopLimitTimeInForce'"),
    (lambda c: c.order_oco_sell(symbol='BNBBTC', quantity=1, price=2, stopPrice=1,
                                belowType='STOP_LOSS'), ValueError, 'not both'),
    (lambda c: c.get_order(symbol='BNBBTC'), TypeError, "'orderId' or 'origClientOrderId'"),
    (lambda c: c.cancel_order(orderId=1), TypeError, "'symbol'"),
    (lambda c: c.get_my_trades(), TypeError, "'symbol'"),
    (lambda c: c.get_asset_balance(''), ValueError, 'asset'),
    (lambda c: c.withdraw(coin='BTC', amount=1), TypeError, "'address'"),
    (lambda c: c.withdraw(coin='BTC', asset='ETH', address='a', amount=1), ValueError, 'not both'),
    (lambda c: c.get_deposit_address(), TypeError, "'coin'"),
    (lambda c: c.transfer_dust(), TypeError, "'asset'"),
    (lambda c: c.stream_keepalive(''), ValueError, 'listenKey'),
    (lambda c: c.stream_close(None), ValueError, 'listenKey'),
    (lambda c: c.get_ticker(symbols=['BNBBTC', 'eth']), ValueError, 'symbols entry'),
    (lambda c: c.get_account(recvWindow='5000'), TypeError, 'recvWindow'),
    (lambda c: c.get_account(omitZeroBalances=object()), TypeError, 'omitZeroBalances'),
])
def test_bad_arguments_fail_before_any_request(call, error, match):
    """Missing or malformed arguments raise ValueError/TypeError naming the problem; nothing is sent."""
    client, adapter = offline_client(KEY, SECRET)
    with pytest.raises(error, match=match):
        call(client)
    assert adapter.requests == []
