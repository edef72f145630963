"""The markets of a replay hold only what its files hold, over real sockets: a spot-only
replay lists no USD-M contract, no replay lists a COIN-M one, and every such symbol is
refused (REST) or silent (streams) as Binance treats an unknown symbol; the wallets,
account endpoints and `python -m binance.testing run --replay` work on."""
import json
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from binance.exceptions import BinanceAPIException
from binance.testing import LocalExchange
from tests import replay_files as rf
from tests.support import local_manager, wait_until

ROOT = Path(__file__).resolve().parents[1]
T0 = rf.MARCH_2025_MS
INVALID = (-1121, 'Invalid symbol.')


def _spot(tmp_path, count=40):
    return rf.write(tmp_path / 'spot', 'BTCUSDT-trades-2025-03-01',
                    rf.trade_rows(count, step_ms=100))


def _um(tmp_path, count=40):
    return rf.write(rf.um_path(tmp_path / 'um', 'trades', 'BTCUSDT'),
                    'BTCUSDT-trades-2025-03-01', rf.um_trade_rows(count, step_ms=100),
                    header=rf.UM_TRADES_HEADER)


def _refusal(call):
    with pytest.raises(BinanceAPIException) as refused:
        call()
    return refused.value.code, refused.value.message


def test_a_spot_only_replay_refuses_every_usdm_and_coinm_symbol_as_unknown(tmp_path):
    """Market data and orders on /fapi and /dapi answer -1121 'Invalid symbol.' (spot replay)."""
    with LocalExchange(replay=[_spot(tmp_path)], speed=0) as ex:
        client = ex.client()
        refusals = [
            _refusal(lambda: client.futures_symbol_ticker(symbol='BTCUSDT')),
            _refusal(lambda: client.futures_order_book(symbol='ETHUSDT')),
            _refusal(lambda: client.futures_klines(symbol='BNBUSDT', interval='1m')),
            _refusal(lambda: client.futures_mark_price(symbol='BTCUSDT')),
            _refusal(lambda: client.futures_create_order(symbol='BTCUSDT', side='BUY',
                                                         type='MARKET', quantity='0.010')),
            _refusal(lambda: client.futures_coin_symbol_ticker(symbol='BTCUSD_PERP')),
            _refusal(lambda: client.futures_coin_order_book(symbol='ETHUSD_PERP')),
            _refusal(lambda: client.futures_coin_create_order(symbol='BTCUSD_PERP', side='BUY',
                                                              type='MARKET', quantity='1'))]
        spot_price = client.get_symbol_ticker(symbol='BTCUSDT')['price']
    assert refusals == [INVALID] * len(refusals)
    assert spot_price == rf.d8(rf.price_path(40)[0])   # the spot symbol of the files is there


def test_a_spot_only_replay_lists_no_futures_symbols_and_its_accounts_work(tmp_path):
    """exchangeInfo, all-symbol tickers and the premium index list nothing on /fapi and /dapi;
    futures wallets, positions, transfers and the position mode still answer."""
    with LocalExchange(replay=[_spot(tmp_path)], speed=0) as ex:
        client = ex.client()
        listed = [client.futures_exchange_info()['symbols'],
                  client.futures_coin_exchange_info()['symbols'],
                  client.futures_symbol_ticker(), client.futures_coin_symbol_ticker(),
                  client.futures_ticker(), client.futures_coin_ticker(),
                  client.futures_orderbook_ticker(), client.futures_mark_price(),
                  client.futures_coin_mark_price(), client.futures_position_information(),
                  client.futures_coin_position_information(), client.futures_get_open_orders()]
        usd = {b['asset']: b['balance'] for b in client.futures_account_balance()}
        coin = {b['asset']: b['balance'] for b in client.futures_coin_account_balance()}
        client.futures_account_transfer(asset='USDT', amount='100', type=1)  # spot -> USD-M
        after = {b['asset']: b['balance'] for b in client.futures_account_balance()}
        mode = client.futures_coin_change_position_mode(dualSidePosition='true')
        dual = client.futures_get_position_mode()['dualSidePosition']
        margin = client.get_margin_account()['created']
    assert listed == [[]] * len(listed)
    assert usd == {'USDT': '100000.00000000'}
    assert coin == {'BTC': '10.00000000', 'ETH': '100.00000000'}
    assert after == {'USDT': '100100.00000000'}
    assert mode['code'] == 200 and dual is True and margin is True


def test_a_usdm_replay_lists_only_its_contracts_and_no_coinm_ones(tmp_path):
    """USD-M files: /fapi lists exactly their contracts, other USD-M names and every
    COIN-M name are refused (-1121), /dapi lists nothing, the COIN-M wallet answers."""
    with LocalExchange(replay=[_um(tmp_path)], speed=0) as ex:
        client = ex.client()
        usd = [s['symbol'] for s in client.futures_exchange_info()['symbols']]
        refusals = [
            _refusal(lambda: client.futures_symbol_ticker(symbol='ETHUSDT')),
            _refusal(lambda: client.futures_coin_symbol_ticker(symbol='BTCUSD_PERP')),
            _refusal(lambda: client.futures_coin_klines(symbol='BTCUSD_PERP', interval='1m'))]
        coin_listed = client.futures_coin_exchange_info()['symbols']
        coin_wallet = [b['asset'] for b in client.futures_coin_account_balance()]
        price = client.futures_symbol_ticker(symbol='BTCUSDT')['price']
    assert usd == ['BTCUSDT'] and coin_listed == []
    assert refusals == [INVALID] * 3
    assert coin_wallet == ['BTC', 'ETH'] and price == '{:.1f}'.format(rf.um_price_path(40)[0])


def test_streams_of_unlisted_futures_symbols_are_accepted_and_stay_silent(tmp_path):
    """fstream and dstream connections for symbols a spot replay does not hold open, as
    Binance's for unknown symbols, and send nothing while the spot data plays to its end."""
    with LocalExchange(replay=[_spot(tmp_path)], speed=0) as ex:
        bm = local_manager(ex)
        spot, usd, coin = [], [], []
        done = threading.Event()

        def on_spot(msg):
            spot.append(msg)
            if len(spot) == 40:
                done.set()
        ex.replay.gate.held = True     # the tape waits until every socket is open
        try:
            bm.start_futures_multiplex_socket(
                ['btcusdt@aggTrade', 'btcusdt@markPrice@1s', 'btcusdt@kline_1m',
                 '!markPrice@arr@1s', '!ticker@arr'], usd.append)
            bm.start_futures_multiplex_socket(['btcusd_perp@aggTrade', 'btcusd_perp@markPrice@1s'],
                                              coin.append, futures_type='COIN_M')
            bm.start_trade_socket('BTCUSDT', on_spot)
            wait_until(lambda: ex.fstreams.connections and ex.coin.streams.connections
                       and ex.streams.connections, timeout=30, message='the connections')
            ex.call(setattr, ex.replay.gate, 'held', False)
            assert done.wait(90)
            wait_until(lambda: ex.replay.exhausted, timeout=60, message='the end of the data')
            # 4 s of replay time: a listed contract's markPrice@1s would have sent 3 updates
            assert ex.replay.tape.timers.seconds() * 1000 >= T0 + 3900
            ex.call(lambda: None)      # what the last events sent has been written
        finally:
            bm.close()
    assert [m['T'] for m in spot] == [T0 + 100 * i for i in range(40)]
    assert usd == [] and coin == []


SCRIPT = '''
import atexit
from binance.client import Client
from binance.exceptions import BinanceAPIException
from binance.websockets import BinanceSocketManager
client = Client('local-api-key', 'local-api-secret')

def probe(name, call):
    try:
        print(name, 'OK', call(), flush=True)
    except BinanceAPIException as e:
        print(name, e.code, e.message, flush=True)

probe('SPOT', lambda: client.get_symbol_ticker(symbol='BTCUSDT')['price'])
probe('USDM', lambda: client.futures_symbol_ticker(symbol='BTCUSDT')['price'])
probe('COINM', lambda: client.futures_coin_symbol_ticker(symbol='BTCUSD_PERP'))
print('LISTED', len(client.get_exchange_info()['symbols']),
      len(client.futures_exchange_info()['symbols']),
      len(client.futures_coin_exchange_info()['symbols']), flush=True)
seen = []
bm = BinanceSocketManager(client)
if STREAM == 'spot':
    bm.start_trade_socket('BTCUSDT', seen.append)
else:
    bm.start_aggtrade_futures_socket('BTCUSDT', seen.append)
bm.start()
atexit.register(lambda: print('END', len(seen), flush=True))
'''


@pytest.mark.parametrize('kind', ['spot', 'usdm'])
def test_run_replay_of_spot_only_and_usdm_only_files_refuses_the_other_markets(tmp_path, kind):
    """`run --replay` of spot-only (USD-M-only) files: the other markets' symbols are
    refused with -1121, only the files' symbol is listed, the script's stream plays to the
    end and the report is written."""
    data = _spot(tmp_path) if kind == 'spot' else _um(tmp_path)
    script = tmp_path / 'bot.py'
    script.write_text('STREAM = {!r}\n'.format(kind) + SCRIPT)
    report = tmp_path / 'report.json'
    proc = subprocess.run([sys.executable, '-m', 'binance.testing', 'run', '--replay', data,
                           '--report', str(report), str(script)],
                          cwd=str(ROOT), capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stderr[-3000:]
    lines = dict(line.split(' ', 1) for line in proc.stdout.splitlines())
    spot_price, usd_price = rf.d8(rf.price_path(40)[0]), '{:.1f}'.format(rf.um_price_path(40)[0])
    if kind == 'spot':
        assert lines['SPOT'] == 'OK ' + spot_price and lines['USDM'] == '-1121 Invalid symbol.'
        assert lines['LISTED'] == '1 0 0'
    else:
        assert lines['SPOT'] == '-1121 Invalid symbol.' and lines['USDM'] == 'OK ' + usd_price
        assert lines['LISTED'] == '0 1 0'
    assert lines['COINM'] == '-1121 Invalid symbol.' and lines['END'] == '40'
    written = json.loads(report.read_text())
    assert written['symbols'] == {} and written['final_balances'] == written['start_balances']


def test_a_futures_market_of_no_contracts_is_only_made_on_purpose():
    """FuturesMarket / CoinFuturesMarket refuse symbols={} unless allow_empty=True (a replay)."""
    from binance.testing.derivatives.coin import CoinFuturesMarket
    from binance.testing.futures_market import FuturesMarket
    from binance.testing.market_base import MarketError
    for market_class in (FuturesMarket, CoinFuturesMarket):
        with pytest.raises(ValueError, match='a market needs at least one symbol'):
            market_class(symbols={})
    usd = FuturesMarket(symbols={}, allow_empty=True)
    with pytest.raises(MarketError) as unknown:
        usd.f_ticker_price('BTCUSDT')
    assert (unknown.value.code, unknown.value.msg) == INVALID
    assert usd.f_exchange_info()['symbols'] == [] and usd.f_ticker_price() == []
    assert CoinFuturesMarket(symbols={}, allow_empty=True).d_exchange_info()['symbols'] == []
