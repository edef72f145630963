"""The Client's margin methods against the local exchange's /sapi, over loopback."""
import pytest

from binance.client import Client
from binance.exceptions import BinanceAPIException, BinanceEndpointRetiredError

#: the clock check a signing client makes once (``/api/v3/time``), not part of the method
CLOCK = '/api/v3/time'


def paths(exchange):
    """Paths of the recorded requests besides the client's clock check."""
    return [r.path for r in exchange.requests if r.path != CLOCK]


#: The margin methods of python-binance 0.7.11.
MARGIN_0711 = [
    'get_margin_account', 'get_isolated_margin_account', 'get_margin_asset',
    'get_margin_symbol', 'create_isolated_margin_account', 'get_isolated_margin_symbol',
    'get_all_isolated_margin_symbols', 'toggle_bnb_burn_spot_margin', 'get_bnb_burn_spot_margin',
    'get_margin_price_index', 'transfer_margin_to_spot', 'transfer_spot_to_margin',
    'transfer_isolated_margin_to_spot', 'transfer_spot_to_isolated_margin',
    'create_margin_loan', 'repay_margin_loan', 'create_margin_order', 'cancel_margin_order',
    'get_margin_loan_details', 'get_margin_repay_details', 'get_margin_order',
    'get_open_margin_orders', 'get_all_margin_orders', 'get_margin_trades',
    'get_max_margin_loan', 'get_max_margin_transfer', 'margin_stream_get_listen_key',
    'margin_stream_keepalive', 'margin_stream_close', 'isolated_margin_stream_get_listen_key',
    'isolated_margin_stream_keepalive', 'isolated_margin_stream_close',
]

RETIRED = [
    ('margin_stream_get_listen_key', (), 'userListenToken'),
    ('margin_stream_keepalive', ('key',), 'userListenToken'),
    ('margin_stream_close', ('key',), 'userListenToken'),
    ('isolated_margin_stream_get_listen_key', ('BNBBTC',), 'userListenToken'),
    ('isolated_margin_stream_keepalive', ('BNBBTC', 'key'), 'userListenToken'),
    ('isolated_margin_stream_close', ('BNBBTC', 'key'), 'userListenToken'),
    ('create_isolated_margin_account', (), 'margin/isolated/account'),
    ('transfer_isolated_margin_to_spot', (), 'asset/transfer'),
    ('transfer_spot_to_isolated_margin', (), 'asset/transfer'),
]


def test_every_0711_margin_method_exists():
    """A 0.7.11 script finds every margin method it called on Client."""
    assert [name for name in MARGIN_0711 if not callable(getattr(Client, name, None))] == []


@pytest.mark.parametrize('method, args, replacement', RETIRED, ids=[r[0] for r in RETIRED])
def test_retired_margin_methods_name_their_replacement(exchange, method, args, replacement):
    """A method without an equivalent endpoint raises before any request, naming the new way."""
    client = exchange.client()
    exchange.clear_requests()
    with pytest.raises(BinanceEndpointRetiredError) as info:
        getattr(client, method)(*args)
    assert replacement in info.value.replacement and info.value.method == method
    assert exchange.requests == []


def test_transfers_loans_and_account(exchange):
    """Transfers and loans use today's endpoints and show in the margin account."""
    client = exchange.client()
    exchange.clear_requests()
    client.transfer_spot_to_margin(asset='USDT', amount='500')
    transfer = [r for r in exchange.requests if r.path != CLOCK][-1]
    assert (transfer.path, transfer.params['type']) == ('/sapi/v1/asset/transfer', 'MAIN_MARGIN')
    most = float(client.get_max_margin_loan(asset='BTC')['amount'])
    assert most > 0
    with pytest.raises(BinanceAPIException) as info:
        client.create_margin_loan(asset='BTC', amount='{:.8f}'.format(most * 2))
    assert info.value.code == -3006
    loan = client.create_margin_loan(asset='BTC', amount='0.001')
    assert [r for r in exchange.requests if r.path != CLOCK][-1].params['type'] == 'BORROW'
    assets = {a['asset']: a for a in client.get_margin_account()['userAssets']}
    assert assets['BTC']['borrowed'] == '0.00100000' and assets['USDT']['free'] == '500.00000000'
    rows = client.get_margin_loan_details(asset='BTC', txId=loan['tranId'])['rows']
    assert rows[0]['principal'] == '0.00100000'
    client.repay_margin_loan(asset='BTC', amount='0.001')
    assert client.get_margin_repay_details(asset='BTC')['total'] == 1
    assert float(client.get_max_margin_transfer(asset='USDT')['amount']) == 500
    client.transfer_margin_to_spot(asset='USDT', amount='100')
    assert [r for r in exchange.requests if r.path != CLOCK][-1].params['type'] == 'MARGIN_MAIN'


def test_repaying_more_than_the_loan_is_refused_as_binance_does(exchange):
    """A repay with no loan, or above the debt, is -3015 (not -3041) while the balance is ample."""
    client = exchange.client()
    client.transfer_spot_to_margin(asset='BTC', amount='1')
    for amount in ('0.001', '0.003'):
        with pytest.raises(BinanceAPIException) as info:
            client.repay_margin_loan(asset='BTC', amount=amount)
        assert (info.value.code, info.value.message) == (
            -3015, 'Repay amount exceeds borrow amount.')
        client.create_margin_loan(asset='BTC', amount='0.002')   # then a loan below the repay
    client.repay_margin_loan(asset='BTC', amount='0.004')          # the whole debt: accepted
    assets = {a['asset']: a for a in client.get_margin_account()['userAssets']}
    assert assets['BTC']['borrowed'] == '0.00000000'


def test_margin_orders_match_on_the_spot_book(exchange):
    """Margin orders fill against the spot book and are listed on the margin endpoints."""
    client = exchange.client()
    client.transfer_spot_to_margin(asset='BTC', amount='1')
    order = client.create_margin_order(symbol='BNBBTC', side='BUY', type='MARKET', quantity='10')
    assert order['status'] == 'FILLED' and order['isIsolated'] is False
    assert client.get_margin_order(symbol='BNBBTC', orderId=order['orderId'])['status'] == 'FILLED'
    bid = float(client.get_orderbook_ticker(symbol='BNBBTC')['bidPrice'])
    resting = client.create_margin_order(symbol='BNBBTC', side='BUY', type='LIMIT',
                                         timeInForce='GTC', quantity='1',
                                         price='{:.6f}'.format(bid * 0.95))
    assert [o['orderId'] for o in client.get_open_margin_orders(symbol='BNBBTC')] == \
        [resting['orderId']]
    client.cancel_margin_order(symbol='BNBBTC', orderId=resting['orderId'])
    assert len(client.get_all_margin_orders(symbol='BNBBTC')) == 2
    assert client.get_margin_trades(symbol='BNBBTC')
    with pytest.raises(TypeError):
        client.create_margin_order(symbol='BNBBTC', side='BUY', type='LIMIT', quantity='1')


def test_reference_data_and_bnb_burn(exchange):
    """The single look-ups return one entry of today's lists; bnbBurn toggles."""
    client = exchange.client()
    exchange.clear_requests()
    assert client.get_margin_asset(asset='BNB')['assetName'] == 'BNB'
    assert client.get_margin_symbol(symbol='BNBBTC')['base'] == 'BNB'
    assert client.get_isolated_margin_symbol(symbol='BNBBTC')['quote'] == 'BTC'
    assert paths(exchange) == [
        '/sapi/v1/margin/allAssets', '/sapi/v1/margin/allPairs',
        '/sapi/v1/margin/isolated/allPairs']
    assert client.get_all_isolated_margin_symbols()
    assert client.get_isolated_margin_account()['assets'] == []
    assert client.get_margin_price_index(symbol='BNBBTC')['symbol'] == 'BNBBTC'
    assert client.toggle_bnb_burn_spot_margin(spotBNBBurn='true')['spotBNBBurn'] is True
    assert client.get_bnb_burn_spot_margin()['spotBNBBurn'] is True


def test_listen_token(exchange):
    """margin_stream_get_listen_token returns a token and its expiry; bad arguments fail early."""
    client = exchange.client()
    token = client.margin_stream_get_listen_token(validity=60000)
    assert token['token'] and token['expirationTime'] > 0
    with pytest.raises(TypeError):
        client.margin_stream_get_listen_token(isIsolated=True)
    with pytest.raises(ValueError):
        client.margin_stream_get_listen_token(validity=86400001)
