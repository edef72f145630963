"""The local exchange's answers, stream payloads and user events have the fields of Binance's spot docs (2026).

The expected field sets are the keys of the JSON examples in Binance's
rest-api.md, web-socket-streams.md and user-data-stream.md (fields the docs
call conditional, such as ``v`` "only visible if the order expired due to
STP", are left out).
"""
import queue

import pytest

from binance.websockets import BinanceSocketManager
from tests.support import wait_until

ORDER_INFO = {'clientOrderId', 'cummulativeQuoteQty', 'executedQty', 'icebergQty', 'isWorking',
              'orderId', 'orderListId', 'origQty', 'origQuoteOrderQty', 'price',
              'selfTradePreventionMode', 'side', 'status', 'stopPrice', 'symbol', 'time',
              'timeInForce', 'type', 'updateTime', 'workingTime'}
ORDER_RESULT = {'clientOrderId', 'cummulativeQuoteQty', 'executedQty', 'orderId', 'orderListId',
                'origQty', 'origQuoteOrderQty', 'price', 'selfTradePreventionMode', 'side',
                'status', 'symbol', 'timeInForce', 'transactTime', 'type', 'workingTime'}
CANCEL = {'clientOrderId', 'cummulativeQuoteQty', 'executedQty', 'orderId', 'orderListId',
          'origClientOrderId', 'origQty', 'origQuoteOrderQty', 'price', 'selfTradePreventionMode',
          'side', 'status', 'symbol', 'timeInForce', 'transactTime', 'type'}
TICKER_24H = {'askPrice', 'askQty', 'bidPrice', 'bidQty', 'closeTime', 'count', 'firstId',
              'highPrice', 'lastId', 'lastPrice', 'lastQty', 'lowPrice', 'openPrice', 'openTime',
              'prevClosePrice', 'priceChange', 'priceChangePercent', 'quoteVolume', 'symbol',
              'volume', 'weightedAvgPrice'}
SYMBOL_INFO = {'allowTrailingStop', 'allowedSelfTradePreventionModes', 'amendAllowed',
               'baseAsset', 'baseAssetPrecision', 'baseCommissionPrecision',
               'cancelReplaceAllowed', 'defaultSelfTradePreventionMode', 'filters',
               'icebergAllowed', 'isMarginTradingAllowed', 'isSpotTradingAllowed', 'ocoAllowed',
               'opoAllowed', 'orderTypes', 'otoAllowed', 'pegInstructionsAllowed',
               'permissionSets', 'permissions', 'quoteAsset', 'quoteAssetPrecision',
               'quoteCommissionPrecision', 'quoteOrderQtyMarketAllowed', 'quotePrecision',
               'status', 'symbol'}
ACCOUNT = {'accountType', 'balances', 'brokered', 'buyerCommission', 'canDeposit', 'canTrade',
           'canWithdraw', 'commissionRates', 'makerCommission', 'permissions', 'preventSor',
           'requireSelfTradePrevention', 'sellerCommission', 'takerCommission', 'uid',
           'updateTime'}

STREAMS = {
    'bnbbtc@aggTrade': {'E', 'M', 'T', 'a', 'e', 'f', 'l', 'm', 'p', 'q', 's'},
    'bnbbtc@trade': {'E', 'M', 'T', 'e', 'm', 'p', 'q', 's', 't'},
    'bnbbtc@kline_1m': {'E', 'e', 'k', 's'},
    'bnbbtc@miniTicker': {'E', 'c', 'e', 'h', 'l', 'o', 'q', 's', 'v'},
    'bnbbtc@ticker': {'A', 'B', 'C', 'E', 'F', 'L', 'O', 'P', 'Q', 'a', 'b', 'c', 'e', 'h', 'l',
                      'n', 'o', 'p', 'q', 's', 'v', 'w', 'x'},
    'bnbbtc@bookTicker': {'A', 'B', 'a', 'b', 's', 'u'},
    'bnbbtc@depth5': {'asks', 'bids', 'lastUpdateId'},
    'bnbbtc@depth': {'E', 'U', 'a', 'b', 'e', 's', 'u'},
}
KLINE = {'B', 'L', 'Q', 'T', 'V', 'c', 'f', 'h', 'i', 'l', 'n', 'o', 'q', 's', 't', 'v', 'x'}

USER_EVENTS = {
    'executionReport': {'C', 'E', 'F', 'I', 'L', 'M', 'N', 'O', 'P', 'Q', 'S', 'T', 'V', 'W', 'X',
                        'Y', 'Z', 'c', 'e', 'f', 'g', 'i', 'l', 'm', 'n', 'o', 'p', 'q', 'r', 's',
                        't', 'w', 'x', 'z'},
    'outboundAccountPosition': {'B', 'E', 'e', 'u'},
    'listStatus': {'C', 'E', 'L', 'O', 'T', 'c', 'e', 'g', 'l', 'r', 's'},
}


def test_rest_answers_have_the_documented_fields(exchange):
    """Market data, order, cancel, account and exchangeInfo answers carry exactly Binance's fields."""
    client = exchange.client()
    exchange.step(10)
    assert set(client.get_order_book(symbol='BNBBTC', limit=5)) == {'asks', 'bids', 'lastUpdateId'}
    assert set(client.get_recent_trades(symbol='BNBBTC', limit=1)[0]) == {
        'id', 'isBestMatch', 'isBuyerMaker', 'price', 'qty', 'quoteQty', 'time'}
    assert set(client.get_aggregate_trades(symbol='BNBBTC', limit=1)[0]) == {
        'M', 'T', 'a', 'f', 'l', 'm', 'p', 'q'}
    assert len(client.get_klines(symbol='BNBBTC', interval='1m', limit=1)[0]) == 12
    assert set(client.get_avg_price(symbol='BNBBTC')) == {'closeTime', 'mins', 'price'}
    assert set(client.get_ticker(symbol='BNBBTC')) == TICKER_24H
    assert set(client.get_orderbook_ticker(symbol='BNBBTC')) == {
        'askPrice', 'askQty', 'bidPrice', 'bidQty', 'symbol'}
    assert set(client.get_exchange_info(symbol='BNBBTC')['symbols'][0]) == SYMBOL_INFO
    assert set(client.get_account()) == ACCOUNT
    order = client.order_limit_buy(symbol='BNBBTC', quantity=1, price='0.00100000',
                                   newOrderRespType='RESULT')
    assert set(order) == ORDER_RESULT
    assert set(client.get_order(symbol='BNBBTC', orderId=order['orderId'])) == ORDER_INFO
    assert set(client.cancel_order(symbol='BNBBTC', orderId=order['orderId'])) == CANCEL
    market = client.order_market_buy(symbol='BNBBTC', quantity=1)
    assert set(market) == ORDER_RESULT | {'fills'}
    assert set(client.get_my_trades(symbol='BNBBTC')[0]) == {
        'commission', 'commissionAsset', 'id', 'isBestMatch', 'isBuyer', 'isMaker', 'orderId',
        'orderListId', 'price', 'qty', 'quoteQty', 'symbol', 'time'}


def _manager(exchange):
    bm = BinanceSocketManager(exchange.client())
    bm.STREAM_URL = exchange.stream_url
    bm.WS_API_URL = exchange.ws_api_url   # the user stream (no Spot listen keys by default)
    bm.start()
    return bm


# the kline (2 s) and ticker (1 s) timers at ten times Binance's cadence: a first message is enough
@pytest.mark.binance_exchange(stream_period_scale=0.1)
def test_stream_payloads_have_the_documented_fields(exchange):
    """Each market stream's payload carries exactly the fields of Binance's stream docs."""
    got = {}
    bm = _manager(exchange)
    try:
        bm.start_multiplex_socket(sorted(STREAMS), lambda m: got.setdefault(m['stream'], m['data']))
        exchange.streams.wait_for_connections(1, timeout=30)
        wait_until(lambda: (exchange.step(3), len(got) == len(STREAMS))[1], timeout=15,
                   message='a message of every stream')
    finally:
        bm.close()
    assert {name: set(payload) for name, payload in got.items()} == STREAMS
    assert set(got['bnbbtc@kline_1m']['k']) == KLINE


def test_user_events_have_the_documented_fields(exchange):
    """executionReport, outboundAccountPosition and listStatus carry Binance's (non-conditional) fields."""
    client = exchange.client()
    events = queue.Queue()
    bm = _manager(exchange)
    try:
        assert bm.wait_connected(bm.start_user_socket(events.put), timeout=30)
        client.order_oco_sell(symbol='BNBBTC', quantity=1, price='0.02', stopPrice='0.004',
                              stopLimitPrice='0.0039', stopLimitTimeInForce='GTC')
        seen = {}
        wait_until(lambda: (seen.update({e['e']: e for e in _drain(events)}),
                            set(USER_EVENTS) <= set(seen))[1], message='the three events')
    finally:
        bm.close()
    assert {kind: set(seen[kind]) for kind in USER_EVENTS} == USER_EVENTS


def _drain(events):
    out = []
    while True:
        try:
            out.append(events.get_nowait())
        except queue.Empty:
            return out
