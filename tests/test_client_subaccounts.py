"""The Client's sub-account methods against the local exchange's sub-accounts, over loopback."""
from decimal import Decimal

import pytest

from binance.client import Client
from binance.exceptions import BinanceAPIException
from binance.testing import make_key_pair

#: The sub-account methods of python-binance 0.7.11 (all raised "not provided" before).
SUBACCOUNT_0711 = [
    'get_sub_account_list', 'get_sub_account_transfer_history', 'create_sub_account_transfer',
    'get_sub_account_futures_transfer_history', 'create_sub_account_futures_transfer',
    'get_sub_account_assets', 'query_subaccount_spot_summary', 'get_subaccount_deposit_address',
    'get_subaccount_deposit_history', 'get_subaccount_futures_margin_status',
    'enable_subaccount_margin', 'get_subaccount_margin_details', 'get_subaccount_margin_summary',
    'enable_subaccount_futures', 'get_subaccount_futures_details',
    'get_subaccount_futures_summary', 'get_subaccount_futures_positionrisk',
    'make_subaccount_futures_transfer', 'make_subaccount_margin_transfer',
    'make_subaccount_to_subaccount_transfer', 'make_subaccount_to_master_transfer',
    'get_subaccount_transfer_history',
]


def spot_free(client, asset):
    """The free spot balance of ``asset`` as the client's own account reports it."""
    return Decimal(client.get_asset_balance(asset=asset)['free'])


def sub_free(master, email, asset):
    """The sub-account's free balance of ``asset`` as the master reads it (v3 assets)."""
    rows = master.get_sub_account_assets(email=email)['balances']
    return Decimal(str(sum(row['free'] for row in rows if row['asset'] == asset)))


@pytest.fixture
def family(exchange):
    """The default account as master with two sub-accounts that have keys of their own."""
    first = exchange.add_sub_account(email='alice@example.com', api_key='alice-key',
                                     api_secret='alice-secret', balances={'USDT': '100'})
    second = exchange.add_sub_account(email='bob@example.com', api_key='bob-key',
                                      api_secret='bob-secret', balances={'USDT': '5'})
    return (exchange.client(), first, second,
            exchange.client(api_key='alice-key', api_secret='alice-secret'),
            exchange.client(api_key='bob-key', api_secret='bob-secret'))


def test_every_0711_subaccount_method_exists():
    """A 0.7.11 script finds every sub-account method on Client, as a method, not an error."""
    assert [name for name in SUBACCOUNT_0711 if not callable(getattr(Client, name, None))] == []


def test_a_virtual_sub_account_made_from_the_api_is_listed(exchange):
    """POST virtualSubAccount creates a sub-account the list, status and summary then show."""
    master = exchange.client()
    email = master.create_virtual_sub_account(subAccountString='bot1')['email']
    assert email.startswith('bot1_virtual@') and email.endswith('noemail.com')
    listed = master.get_sub_account_list(limit=10)['subAccounts']
    assert [row['email'] for row in listed] == [email]
    assert set(listed[0]) == {'subUserId', 'email', 'remark', 'isFreeze', 'createTime',
                              'isManagedSubAccount', 'isAssetManagementSubAccount'}
    status = master.get_subaccount_futures_margin_status(email=email)
    assert status[0]['isMarginEnabled'] is False and status[0]['isFutureEnabled'] is False
    assert master.query_subaccount_spot_summary()['totalCount'] == 1
    with pytest.raises(BinanceAPIException) as info:   # the same string twice
        master.create_virtual_sub_account(subAccountString='bot1')
    assert info.value.code == -1130
    with pytest.raises(BinanceAPIException) as info:
        master.create_virtual_sub_account(subAccountString='no spaces!')
    assert info.value.code == -1100


def test_the_list_pages_with_binances_default_limit_of_one(exchange, family):
    """get_sub_account_list() without limit gives one row per page, as Binance's default is 1."""
    master = family[0]
    assert [r['email'] for r in master.get_sub_account_list()['subAccounts']] == \
        ['alice@example.com']
    assert [r['email'] for r in master.get_sub_account_list(page=2)['subAccounts']] == \
        ['bob@example.com']


def test_master_to_sub_and_back_moves_spot_balances(exchange, family):
    """create_sub_account_transfer moves USDT master→sub; the sub's own key sends it back."""
    master, alice, _, alice_client, _ = family
    before = spot_free(master, 'USDT')
    answer = master.create_sub_account_transfer(toEmail=alice, asset='USDT', amount='30')
    assert set(answer) == {'tranId'}
    assert spot_free(master, 'USDT') == before - 30
    assert sub_free(master, alice, 'USDT') == 130 == spot_free(alice_client, 'USDT')
    assert set(alice_client.make_subaccount_to_master_transfer(asset='USDT', amount='10')) == \
        {'txnId'}
    assert spot_free(master, 'USDT') == before - 20 and spot_free(alice_client, 'USDT') == 120
    history = alice_client.get_subaccount_transfer_history()
    assert [(h['type'], h['qty'], h['counterParty']) for h in history] == \
        [(2, '10', 'master'), (1, '30', 'master')]
    assert alice_client.get_subaccount_transfer_history(type=1)[0]['qty'] == '30'
    merged = master.get_sub_account_transfer_history(email=alice)
    assert [(row['from'], row['to'], row['qty']) for row in merged] == [
        (alice, history[0]['email'], '10'), (history[0]['email'], alice, '30')]
    assert master.get_sub_account_transfer_history(fromEmail=alice)[0]['qty'] == '10'


def test_sub_to_sibling_transfer_and_who_may_call_it(exchange, family):
    """subToSub moves spot assets to a sibling; only a sub-account key may call it, and only
    towards a sub-account of the same master."""
    master, alice, bob, alice_client, bob_client = family
    alice_client.make_subaccount_to_subaccount_transfer(toEmail=bob, asset='USDT', amount='25')
    assert spot_free(alice_client, 'USDT') == 75 and spot_free(bob_client, 'USDT') == 30
    assert bob_client.get_subaccount_transfer_history()[0]['counterParty'] == 'subAccount'
    exchange.add_account('stranger', 'stranger-secret', {'USDT': '1'})
    stranger = exchange.call(exchange.subaccounts.add, 'stranger', 'carol@example.com')
    with pytest.raises(BinanceAPIException) as info:
        alice_client.make_subaccount_to_subaccount_transfer(toEmail=stranger, asset='USDT',
                                                            amount='1')
    assert info.value.code == -9000
    with pytest.raises(BinanceAPIException) as info:   # the master's key is not a sub-account
        master.make_subaccount_to_subaccount_transfer(toEmail=bob, asset='USDT', amount='1')
    assert info.value.code == -1002
    with pytest.raises(BinanceAPIException) as info:   # a sub-account's key is no master
        alice_client.get_sub_account_list()
    assert info.value.code == -1002
    with pytest.raises(BinanceAPIException) as info:   # another master's sub-account
        master.get_sub_account_assets(email=stranger)
    assert info.value.code == -9000
    with pytest.raises(BinanceAPIException) as info:
        alice_client.make_subaccount_to_master_transfer(asset='USDT', amount='1000')
    assert info.value.code == -3020 and spot_free(alice_client, 'USDT') == 75


def test_a_sub_account_key_trades_its_own_account(exchange, family):
    """An order sent with the sub-account's key fills on the sub-account, not the master."""
    master, alice, _, alice_client, _ = family
    master_usdt = spot_free(master, 'USDT')
    alice_client.order_market_buy(symbol='BTCUSDT', quoteOrderQty='20')
    assert spot_free(alice_client, 'BTC') > 0 and 80 <= spot_free(alice_client, 'USDT') < 100
    assert sub_free(master, alice, 'BTC') == spot_free(alice_client, 'BTC')
    assert spot_free(master, 'USDT') == master_usdt


def test_an_ed25519_sub_account_key_signs_its_requests(exchange):
    """A sub-account registered with an Ed25519 public key is reached with that key."""
    private_pem, public_pem = make_key_pair('Ed25519')
    exchange.add_sub_account(email='ed@example.com', api_key='ed-key', public_key=public_pem,
                             balances={'BTC': '0.5'}, margin=True)
    client = exchange.client(api_key='ed-key', private_key=private_pem)
    assert spot_free(client, 'BTC') == Decimal('0.5')
    client.make_subaccount_to_master_transfer(asset='BTC', amount='0.1')
    assert spot_free(client, 'BTC') == Decimal('0.4')


def test_sub_account_futures_wallet_transfers_and_summaries(exchange, family):
    """A sub-account's futures must be enabled; then spot↔USD-M transfers move its wallets and
    the details, summary and position risk read them."""
    master, alice, bob, alice_client, _ = family
    with pytest.raises(BinanceAPIException) as info:
        master.make_subaccount_futures_transfer(email=alice, asset='USDT', amount='10', type=1)
    assert info.value.code == -1002
    assert master.enable_subaccount_futures(email=alice) == {
        'email': alice, 'isFuturesEnabled': True}
    assert set(master.make_subaccount_futures_transfer(email=alice, asset='USDT', amount='60',
                                                       type=1)) == {'txnId'}
    assert spot_free(alice_client, 'USDT') == 40
    details = master.get_subaccount_futures_details(email=alice)
    assert details['email'] == alice and details['totalWalletBalance'] == '60.00000000'
    assert [a['walletBalance'] for a in details['assets'] if a['asset'] == 'USDT'] == \
        ['60.00000000']
    assert {a['asset']: a['balance'] for a in alice_client.futures_account_balance()}['USDT'] \
        == '60.00000000'
    summary = master.get_subaccount_futures_summary()
    assert summary['totalWalletBalance'] == '60.00000000' and summary['asset'] == 'USD'
    assert [row['email'] for row in summary['subAccountList']] == [alice]
    alice_client.futures_create_order(symbol='BTCUSDT', side='BUY', type='MARKET',
                                      quantity='0.002')
    risk = master.get_subaccount_futures_positionrisk(email=alice)
    assert [(r['symbol'], r['positionAmount']) for r in risk] == [('BTCUSDT', '0.002')]
    assert set(risk[0]) == {'entryPrice', 'leverage', 'maxNotional', 'liquidationPrice',
                            'markPrice', 'positionAmount', 'symbol', 'unrealizedProfit'}
    master.make_subaccount_futures_transfer(email=alice, asset='USDT', amount='5', type=2)
    assert spot_free(alice_client, 'USDT') == 45
    with pytest.raises(BinanceAPIException) as info:    # COIN-M is not simulated
        master.make_subaccount_futures_transfer(email=alice, asset='USDT', amount='5', type=3)
    assert info.value.code == -1130
    master.enable_subaccount_futures(email=bob)
    answer = master.create_sub_account_futures_transfer(fromEmail=alice, toEmail=bob,
                                                        futuresType=1, asset='USDT', amount='7')
    assert answer['success'] is True and answer['txnId']
    bob_details = master.get_subaccount_futures_details(email=bob)
    assert bob_details['totalWalletBalance'] == '7.00000000'
    history = master.get_sub_account_futures_transfer_history(email=bob, futuresType=1)
    assert history['futuresType'] == 1
    assert [(t['from'], t['to'], t['qty']) for t in history['transfers']] == [(alice, bob, '7')]
    with pytest.raises(BinanceAPIException) as info:
        master.create_sub_account_futures_transfer(fromEmail=alice, toEmail=bob, futuresType=2,
                                                   asset='USDT', amount='1')
    assert info.value.code == -1130


def test_sub_account_margin_wallet(exchange, family):
    """Enabling margin opens the sub-account's margin wallet; transfers move into it and the
    details and summary show it."""
    master, alice, _, alice_client, _ = family
    assert master.enable_subaccount_margin(email=alice) == {'email': alice,
                                                            'isMarginEnabled': True}
    master.make_subaccount_margin_transfer(email=alice, asset='USDT', amount='40', type=1)
    assert spot_free(alice_client, 'USDT') == 60
    details = master.get_subaccount_margin_details(email=alice)
    assert [(a['asset'], a['free']) for a in details['marginUserAssetVoList']] == \
        [('USDT', '40.00000000')]
    assert set(details['marginTradeCoeffVo']) == {'forceLiquidationBar', 'marginCallBar',
                                                  'normalBar'}
    assert alice_client.get_margin_account()['userAssets'][0]['free'] == '40.00000000'
    summary = master.get_subaccount_margin_summary()
    assert [row['email'] for row in summary['subAccountList']] == [alice]
    assert Decimal(summary['totalAssetOfBtc']) > 0
    master.make_subaccount_margin_transfer(email=alice, asset='USDT', amount='15', type=2)
    assert spot_free(alice_client, 'USDT') == 75
    status = {row['email']: row for row in master.get_subaccount_futures_margin_status()}
    assert status[alice]['isMarginEnabled'] is True


def test_master_universal_transfer_between_wallets_of_different_accounts(exchange, family):
    """sub-account/universalTransfer moves master spot → a sub-account's USD-M wallet and lists
    it with the clientTranId; COIN-M is refused as an unsupported account type."""
    master, alice, _, alice_client, _ = family
    master.enable_subaccount_futures(email=alice)
    before = spot_free(master, 'USDT')
    answer = master.make_universal_transfer(toEmail=alice, fromAccountType='SPOT',
                                            toAccountType='USDT_FUTURE', asset='USDT',
                                            amount='12', clientTranId='rebalance-1')
    assert answer['clientTranId'] == 'rebalance-1' and answer['tranId']
    assert spot_free(master, 'USDT') == before - 12
    assert master.get_subaccount_futures_details(email=alice)['totalWalletBalance'] == \
        '12.00000000'
    rows = master.get_universal_transfer_history(toEmail=alice)['result']
    assert [(r['toEmail'], r['fromAccountType'], r['toAccountType'], r['amount'],
             r['clientTranId']) for r in rows] == \
        [(alice, 'SPOT', 'USDT_FUTURE', '12', 'rebalance-1')]
    assert master.get_universal_transfer_history()['totalCount'] == 1   # out of the master
    with pytest.raises(BinanceAPIException) as info:
        master.make_universal_transfer(toEmail=alice, fromAccountType='SPOT',
                                       toAccountType='COIN_FUTURE', asset='USDT', amount='1')
    assert info.value.code == -1130 and spot_free(master, 'USDT') == before - 12
    for moves in ({'fromAccountType': 'USDT_FUTURE', 'toAccountType': 'USDT_FUTURE',
                   'fromEmail': alice},                       # futures to futures: not offered
                  {'fromAccountType': 'SPOT', 'toAccountType': 'SPOT'}):   # no email at all
        with pytest.raises(BinanceAPIException) as info:
            master.make_universal_transfer(asset='USDT', amount='1', **moves)
        assert info.value.code == -1130
    master.make_universal_transfer(fromEmail=alice, fromAccountType='USDT_FUTURE',
                                   toAccountType='SPOT', asset='USDT', amount='2')
    assert spot_free(master, 'USDT') == before - 10


def test_sub_account_deposits_and_spot_summary(exchange, family):
    """A sub-account's deposit address and history are the ones its own key sees; the spot
    summary values its wallet in BTC."""
    master, alice, _, alice_client, _ = family
    assert master.get_subaccount_deposit_address(email=alice, coin='BTC')['address'] == \
        alice_client.get_deposit_address(coin='BTC')['address']
    exchange.call(exchange.market.deposit, 'alice-key', 'BTC', '0.25')
    deposits = master.get_subaccount_deposit_history(email=alice)
    assert [(d['coin'], d['amount']) for d in deposits] == [('BTC', '0.25000000')]
    summary = master.query_subaccount_spot_summary(email=alice)['spotSubUserAssetBtcVoList']
    assert Decimal(summary[0]['totalAsset']) >= Decimal('0.25')


def test_missing_parameters_are_refused_before_any_request(exchange, family):
    """A sub-account method missing its required email raises TypeError without a request."""
    master = family[0]
    exchange.clear_requests()
    with pytest.raises(TypeError, match='email'):
        master.get_sub_account_assets()
    with pytest.raises(TypeError, match='type'):
        master.make_subaccount_futures_transfer(email='a@b.c', asset='USDT', amount='1')
    assert [r for r in exchange.requests if r.path != '/api/v3/time'] == []


def test_add_sub_account_refuses_a_used_email_or_key(exchange, family):
    """LocalExchange.add_sub_account refuses an email or API key that is taken."""
    with pytest.raises(ValueError, match='exists already'):
        exchange.add_sub_account(email='alice@example.com')
    with pytest.raises(ValueError, match='another account'):
        exchange.add_sub_account(email='new@example.com', api_key=exchange.api_key,
                                 api_secret='x')


@pytest.mark.parametrize('page', ['docs/subaccounts.rst', 'docs/ja/subaccounts.rst'])
def test_the_docs_table_names_every_method_and_its_endpoint(page):
    """The sub-accounts page (EN, JA) lists each sub-account method with the path it calls."""
    from pathlib import Path
    from binance._client_subaccounts import subaccount_method_table
    text = (Path(__file__).resolve().parent.parent / page).read_text(encoding='utf-8')
    rows = {line.split('``')[1]: line for line in text.splitlines() if line.count('``') >= 4}
    for method, endpoint in subaccount_method_table():
        assert method in rows and endpoint in rows[method], method
