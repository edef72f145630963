"""A python-binance 0.7.11-style COIN-M script runs unchanged against the local exchange.

0.7.11 reached COIN-M through its 38 ``futures_coin_*`` REST methods (it had no
COIN-M socket). The script below uses them the way a 0.7.11 user did (its own
``Client``, module-level code, a spot socket next to it, ``reactor.stop()`` at
the end); it runs in a child process with the local exchange installed
around it, and the parent checks what it printed and that stderr stayed empty.
"""
from decimal import Decimal

from tests.support import run_script

SCRIPT = '''
import queue
import time
from binance.client import Client
from binance.websockets import BinanceSocketManager

client = Client('local-api-key', 'local-api-secret')

info = client.futures_coin_exchange_info()
perp = [s for s in info['symbols'] if s['symbol'] == 'BTCUSD_PERP'][0]
print('CONTRACT', perp['contractSize'], perp['marginAsset'])
klines = client.futures_coin_klines(symbol='BTCUSD_PERP', interval=Client.KLINE_INTERVAL_1MINUTE,
                                    limit=5)
print('KLINES', len(klines))
mark = float(client.futures_coin_mark_price(symbol='BTCUSD_PERP')[0]['markPrice'])
book = client.futures_coin_order_book(symbol='BTCUSD_PERP')
print('BOOK', len(book['bids']) > 0, len(book['asks']) > 0)

trades = queue.Queue()
bm = BinanceSocketManager(client)
bm.start_trade_socket('BNBBTC', trades.put)
bm.start()
print('SPOT', trades.get(timeout=20)['e'])

client.futures_coin_change_leverage(symbol='BTCUSD_PERP', leverage=5)
before = float(client.futures_coin_account_balance()[0]['balance'])
order = client.futures_coin_create_order(symbol='BTCUSD_PERP', side='BUY', type='MARKET',
                                         quantity=20)
print('ORDER', order['status'], order['origQty'])
position = client.futures_coin_position_information(pair='BTCUSD')[0]
print('POSITION', position['positionAmt'], position['leverage'])
print('NOTIONAL', position['notionalValue'], position['entryPrice'])
stop = client.futures_coin_create_order(symbol='BTCUSD_PERP', side='SELL',
                                        type=Client.FUTURE_ORDER_TYPE_STOP_MARKET,
                                        stopPrice=round(mark * 0.8, 1), quantity=20,
                                        reduceOnly='true')
print('STOP', stop['algoStatus'])
print('CANCEL', client.futures_coin_cancel_order(symbol='BTCUSD_PERP',
                                                 algoId=stop['algoId'])['code'])
client.futures_coin_create_order(symbol='BTCUSD_PERP', side='SELL', type='MARKET',
                                 quantity=20, reduceOnly='true')
print('FLAT', client.futures_coin_position_information(pair='BTCUSD') == [])
trades_ = client.futures_coin_account_trades(symbol='BTCUSD_PERP')
print('TRADES', sorted({t['commissionAsset'] for t in trades_}))
after = float(client.futures_coin_account_balance()[0]['balance'])
pnl = sum(float(t['realizedPnl']) - float(t['commission']) for t in trades_)
print('WALLET', abs(after - (before + pnl)) < 1e-7)

bm.close()
from twisted.internet import reactor
reactor.stop()
print('DONE')
'''

WRAPPER = '''
import runpy, sys
from binance.testing import LocalExchange

with LocalExchange() as exchange, exchange.install():
    runpy.run_path(sys.argv[1], run_name='__main__')
'''


def test_a_0711_coin_futures_script_runs_unchanged_on_the_local_exchange(tmp_path):
    """Contract rules, klines, mark price, book, leverage, a market order, the position in
    contracts and coin, a stop (to the Algo Service) cancelled by algoId, the close, trades
    and the BTC wallet all work from an unmodified 0.7.11-style COIN-M script."""
    returncode, out, err, lines = run_script(tmp_path, 'coin_bot.py', SCRIPT, WRAPPER)
    assert returncode == 0, err
    assert lines['CONTRACT'] == '100 BTC'
    assert lines['KLINES'] == '5'
    assert lines['BOOK'] == 'True True'
    assert lines['SPOT'] == 'trade'
    assert lines['ORDER'] == 'NEW 20'
    assert lines['POSITION'] == '20 5'
    notional, entry = (Decimal(v) for v in lines['NOTIONAL'].split())
    assert abs(notional - Decimal(2000) / entry) < Decimal('0.001')   # 20 x 100 USD in BTC
    assert lines['STOP'] == 'NEW' and lines['CANCEL'] == '200'
    assert lines['FLAT'] == 'True'
    assert lines['TRADES'] == "['BTC']"
    assert lines['WALLET'] == 'True'
    assert out.rstrip().endswith('DONE') and err == ''
