"""Universal transfers and the other 0.7.11 wallet methods against the local exchange."""
from decimal import Decimal

import pytest

from binance import enums
from binance.client import Client
from binance.exceptions import BinanceAPIException, BinanceRequestException

#: The wallet and transfer methods of python-binance 0.7.11 this module covers.
WALLET_0711 = [
    'make_universal_transfer', 'query_universal_transfer_history', 'universal_transfer',
    'new_transfer_history', 'get_universal_transfer_history', 'get_all_coins_info',
    'get_account_snapshot', 'disable_fast_withdraw_switch', 'enable_fast_withdraw_switch',
    'get_account_api_trading_status', 'get_asset_dividend_history', 'get_withdraw_history_id',
]

#: python-binance 0.7.11's transfer types (Client attributes there), name -> Binance's value.
TRANSFER_TYPES_0711 = {
    'SPOT_TO_FIAT': 'MAIN_C2C', 'SPOT_TO_USDT_FUTURE': 'MAIN_UMFUTURE',
    'SPOT_TO_COIN_FUTURE': 'MAIN_CMFUTURE', 'SPOT_TO_MARGIN_CROSS': 'MAIN_MARGIN',
    'SPOT_TO_MINING': 'MAIN_MINING', 'FIAT_TO_SPOT': 'C2C_MAIN',
    'FIAT_TO_USDT_FUTURE': 'C2C_UMFUTURE', 'FIAT_TO_MINING': 'C2C_MINING',
    'USDT_FUTURE_TO_SPOT': 'UMFUTURE_MAIN', 'USDT_FUTURE_TO_FIAT': 'UMFUTURE_C2C',
    'USDT_FUTURE_TO_MARGIN_CROSS': 'UMFUTURE_MARGIN', 'COIN_FUTURE_TO_SPOT': 'CMFUTURE_MAIN',
    'MARGIN_CROSS_TO_SPOT': 'MARGIN_MAIN', 'MARGIN_CROSS_TO_USDT_FUTURE': 'MARGIN_UMFUTURE',
    'MINING_TO_SPOT': 'MINING_MAIN', 'MINING_TO_USDT_FUTURE': 'MINING_UMFUTURE',
    'MINING_TO_FIAT': 'MINING_C2C',
}


def spot_free(client, asset):
    """The client's free spot balance of ``asset``."""
    return Decimal(client.get_asset_balance(asset=asset)['free'])


def futures_wallet(client, asset='USDT'):
    """The client's USD-M wallet balance of ``asset``."""
    return Decimal({row['asset']: row['balance']
                    for row in client.futures_account_balance()}.get(asset, '0'))


def test_every_0711_wallet_method_exists():
    """A 0.7.11 script finds every universal-transfer and wallet method on Client."""
    assert [name for name in WALLET_0711 if not callable(getattr(Client, name, None))] == []


def test_transfer_types_are_0711s_names_and_values():
    """Client.SPOT_TO_USDT_FUTURE & co. have 0.7.11's values, also in binance.enums."""
    for name, value in TRANSFER_TYPES_0711.items():
        assert getattr(Client, name) == value == getattr(enums, name), name


def test_universal_transfer_moves_spot_futures_and_margin_balances(exchange):
    """universal_transfer moves real balances spot → USD-M → cross margin → spot; the history
    methods list each type's transfers."""
    client = exchange.client()
    spot, futures = spot_free(client, 'USDT'), futures_wallet(client)
    assert set(client.universal_transfer(type=Client.SPOT_TO_USDT_FUTURE, asset='USDT',
                                         amount='250')) == {'tranId'}
    assert spot_free(client, 'USDT') == spot - 250 and futures_wallet(client) == futures + 250
    client.make_universal_transfer(type=Client.USDT_FUTURE_TO_MARGIN_CROSS, asset='USDT',
                                   amount='50')
    assert futures_wallet(client) == futures + 200
    assert client.get_margin_account()['userAssets'][0]['free'] == '50.00000000'
    client.universal_transfer(type=Client.MARGIN_CROSS_TO_SPOT, asset='USDT', amount='20')
    assert spot_free(client, 'USDT') == spot - 230
    history = client.query_universal_transfer_history(type='MAIN_UMFUTURE')
    assert history['total'] == 1
    assert [(r['asset'], r['amount'], r['type'], r['status']) for r in history['rows']] == \
        [('USDT', '250', 'MAIN_UMFUTURE', 'CONFIRMED')]
    assert client.new_transfer_history(type='MARGIN_MAIN')['rows'][0]['amount'] == '20'
    assert client.query_universal_transfer_history(type='UMFUTURE_MAIN') == {'total': 0}


def coin_wallet(client, asset):
    rows = client.futures_coin_account_balance()
    return next(Decimal(r['balance']) for r in rows if r['asset'] == asset)


def test_a_transfer_to_and_from_coin_m_moves_real_balances(exchange):
    """SPOT_TO_COIN_FUTURE / COIN_FUTURE_TO_SPOT move the coin between the spot and COIN-M
    wallets; an overdraft is refused and moves nothing."""
    client = exchange.client()
    spot, coin = spot_free(client, 'BTC'), coin_wallet(client, 'BTC')
    assert client.universal_transfer(type=Client.SPOT_TO_COIN_FUTURE, asset='BTC',
                                     amount='0.5')['tranId']
    assert spot_free(client, 'BTC') == spot - Decimal('0.5')
    assert coin_wallet(client, 'BTC') == coin + Decimal('0.5')
    client.universal_transfer(type=Client.COIN_FUTURE_TO_SPOT, asset='BTC', amount='0.2')
    assert coin_wallet(client, 'BTC') == coin + Decimal('0.3')
    with pytest.raises(BinanceAPIException):
        client.universal_transfer(type=Client.COIN_FUTURE_TO_SPOT, asset='BTC', amount='1000')
    assert coin_wallet(client, 'BTC') == coin + Decimal('0.3')
    rows = client.query_universal_transfer_history(type='MAIN_CMFUTURE')['rows']
    assert [(r['asset'], r['amount']) for r in rows] == [('BTC', '0.5')]


def test_the_older_futures_transfer_types_3_and_4_reach_coin_m(exchange):
    """POST /sapi/v1/futures/transfer type 3 is spot to COIN-M, 4 COIN-M to spot; both are
    in the transfer history with their legacy type."""
    client = exchange.client()
    coin = coin_wallet(client, 'ETH')
    start = client.get_server_time()['serverTime'] - 1000
    client.request('POST', '/sapi/v1/futures/transfer', signed=True, asset='ETH', amount='2',
                   type=3)
    client.request('POST', '/sapi/v1/futures/transfer', signed=True, asset='ETH', amount='1',
                   type=4)
    assert coin_wallet(client, 'ETH') == coin + 1
    rows = client.transfer_history(asset='ETH', startTime=start)['rows']
    assert [(r['type'], Decimal(r['amount'])) for r in rows] == [('3', 2), ('4', 1)]


def test_make_universal_transfer_needs_a_type_or_account_types(exchange):
    """make_universal_transfer without type= or fromAccountType=/toAccountType= raises
    TypeError naming both forms, before any request."""
    client = exchange.client()
    exchange.clear_requests()
    with pytest.raises(TypeError, match='fromAccountType'):
        client.make_universal_transfer(asset='USDT', amount='1')
    with pytest.raises(TypeError, match='type'):
        client.query_universal_transfer_history()
    assert exchange.requests == []


def test_all_coins_info_carries_the_balances_and_network_fees(exchange):
    """get_all_coins_info lists each coin with the account's balance and its network's fee."""
    client = exchange.client()
    coins = {row['coin']: row for row in client.get_all_coins_info()}
    assert Decimal(coins['BTC']['free']) == spot_free(client, 'BTC')
    network = coins['BTC']['networkList'][0]
    assert network['withdrawFee'] == '0.0002' and network['network'] == 'BTC'
    detail = client.get_asset_details(asset='BTC')['BTC']
    assert Decimal(network['withdrawMin']) == Decimal(detail['minWithdrawAmount'])


def test_account_snapshots_cover_completed_days(exchange):
    """No snapshot before a UTC day ends; after midnight the day's balances are listed, for
    spot, margin and futures, with Binance's envelope (weight 2400 each, as on Binance)."""
    client = exchange.client()
    assert client.get_account_snapshot(type='SPOT') == {'code': 200, 'msg': '',
                                                        'snapshotVos': []}
    assert client.used_weight >= 2400
    exchange.clock_offset = 86400.0      # a day later (and a new weight minute)
    client.sync_time()
    spot = client.get_account_snapshot(type='SPOT')['snapshotVos']
    assert len(spot) == 1 and spot[0]['type'] == 'spot'
    assert spot[0]['updateTime'] % 86400000 == 86399000
    balances = {row['asset']: row['free'] for row in spot[0]['data']['balances']}
    assert Decimal(balances['BTC']) == spot_free(client, 'BTC')
    assert 'totalAssetOfBtc' in spot[0]['data']
    futures = client.get_account_snapshot(type='FUTURES')['snapshotVos'][0]['data']
    assert futures['assets'][0]['walletBalance'] == '100000.00000000'
    exchange.clock_offset = 86400.0 + 60   # a third snapshot would pass 6000 in one minute
    client.sync_time()
    margin = client.get_account_snapshot(type='MARGIN')['snapshotVos'][0]['data']
    assert set(margin) == {'marginLevel', 'totalAssetOfBtc', 'totalLiabilityOfBtc',
                           'totalNetAssetOfBtc', 'userAssets'}
    with pytest.raises(ValueError, match='SPOT, MARGIN, FUTURES'):
        client.get_account_snapshot(type='spot')


def test_fast_withdraw_switch_and_api_trading_status(exchange):
    """The fast-withdraw switch is kept per account; the API trading status is never locked."""
    client = exchange.client()
    assert client.enable_fast_withdraw_switch() == {}
    assert exchange.call(exchange.wallet_extras.fast_withdraw_enabled, exchange.api_key)
    assert client.disable_fast_withdraw_switch() == {}
    assert not exchange.call(exchange.wallet_extras.fast_withdraw_enabled, exchange.api_key)
    status = client.get_account_api_trading_status()['data']
    assert status['isLocked'] is False and set(status['triggerCondition']) == {'GCR', 'IFER',
                                                                               'UFR'}


def test_dividends_credit_the_balance_and_are_listed(exchange):
    """A distribution paid by the exchange raises the balance and appears in the history."""
    client = exchange.client()
    before = spot_free(client, 'BNB')
    exchange.pay_dividend(exchange.api_key, 'BNB', '1.25', info='BNB airdrop')
    assert spot_free(client, 'BNB') == before + Decimal('1.25')
    history = client.get_asset_dividend_history(asset='BNB')
    assert history['total'] == 1
    assert {k: history['rows'][0][k] for k in ('amount', 'asset', 'enInfo', 'direction')} == \
        {'amount': '1.25000000', 'asset': 'BNB', 'enInfo': 'BNB airdrop', 'direction': 1}
    assert client.get_asset_dividend_history(asset='BTC') == {'rows': [], 'total': 0}


def test_withdraw_history_by_id(exchange):
    """get_withdraw_history_id finds one withdrawal by id (idList), and says when none has it."""
    client = exchange.client()
    first = client.withdraw(coin='BTC', address='addr-1', amount='0.01')['id']
    client.withdraw(coin='BTC', address='addr-2', amount='0.02')
    entry = client.get_withdraw_history_id(first)
    assert entry['id'] == first and entry['address'] == 'addr-1'
    assert exchange.requests[-1].params['idList'] == first
    with pytest.raises(BinanceRequestException, match='no withdrawal'):
        client.get_withdraw_history_id('0' * 32)
    with pytest.raises(ValueError):
        client.get_withdraw_history_id('')
