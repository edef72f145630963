"""A python-binance 0.7.11-style USD-M futures script runs unchanged against the local exchange.

The script below is written the way a 0.7.11 user writes one (module-level
code, its own ``Client`` and ``BinanceSocketManager``, queues fed by
callbacks, ``reactor.stop()`` at the end, no logging configured). It runs in
a child process, because it stops the process's reactor, with the local
exchange installed around it by a small wrapper; the parent checks what it
printed and that nothing was written to stderr.
"""
import os
import subprocess
import sys
from pathlib import Path

from tests.support import run_script

ROOT = Path(__file__).resolve().parents[1]

SCRIPT = '''
import queue
import time
from binance.client import Client
from binance.websockets import BinanceSocketManager
from binance.futures_depthcache import FuturesDepthCacheManager

client = Client('local-api-key', 'local-api-secret')

klines = client.futures_klines(symbol='BTCUSDT', interval=Client.KLINE_INTERVAL_1MINUTE,
                               limit=5)
print('KLINES', len(klines))
info = client.futures_exchange_info()
btc = [s for s in info['symbols'] if s['symbol'] == 'BTCUSDT'][0]
print('PRECISION', btc['pricePrecision'], btc['quantityPrecision'])

aggs, marks, user, books = queue.Queue(), queue.Queue(), queue.Queue(), queue.Queue()
bm = BinanceSocketManager(client)
bm.start_aggtrade_futures_socket('BTCUSDT', aggs.put)
bm.start_symbol_mark_price_socket('BTCUSDT', marks.put)
bm.start_futures_user_socket(user.put)
bm.start()
dcm = FuturesDepthCacheManager(client, 'BTCUSDT', callback=books.put, bm=bm)

agg = aggs.get(timeout=20)
print('AGG', agg['stream'], agg['data']['e'], agg['data']['p'], agg['data']['q'])
mark = marks.get(timeout=20)
print('MARK', mark['stream'], mark['data']['e'])
book = books.get(timeout=20)
print('BOOK', len(book.get_bids()) > 0, len(book.get_asks()) > 0)

order = client.futures_create_order(symbol='BTCUSDT', side='BUY', type='MARKET',
                                    quantity=0.01)
print('ORDER', order['status'], order['origQty'], order['executedQty'])
position = client.futures_position_information(symbol='BTCUSDT')[0]
print('POSITION', position['positionAmt'])
usdt = [b for b in client.futures_account_balance() if b['asset'] == 'USDT'][0]
print('BALANCE', float(usdt['balance']) < 100000)

kinds = set()
while not {'ORDER_TRADE_UPDATE', 'ACCOUNT_UPDATE'} <= kinds:
    kinds.add(user.get(timeout=20)['e'])
print('USER', sorted(kinds))

entry = float(position['entryPrice'])
stop = client.futures_create_order(symbol='BTCUSDT', side='SELL',
                                   type=Client.FUTURE_ORDER_TYPE_STOP_MARKET,
                                   stopPrice=round(entry * 0.9, 1), closePosition=True)
take = client.futures_create_order(symbol='BTCUSDT', side='SELL',
                                   type=Client.FUTURE_ORDER_TYPE_TAKE_PROFIT_MARKET,
                                   stopPrice=round(entry * 1.1, 1), closePosition=True)
print('STOPS', stop['algoStatus'], take['algoStatus'])
deadline = time.time() + 20
while client.futures_position_information(symbol='BTCUSDT') and time.time() < deadline:
    time.sleep(0.1)
print('CLOSED', client.futures_position_information(symbol='BTCUSDT') == [])
while time.time() < deadline:   # not 0.7.11: what became of the take-profit
    status = client.futures_get_order(symbol='BTCUSDT', algoId=take['algoId'])['algoStatus']
    if status != 'NEW':
        break
    time.sleep(0.1)
print('TAKE', status)

dcm.close()
bm.close()
from twisted.internet import reactor
reactor.stop()
print('DONE')
'''

WRAPPER = '''
import runpy, sys, threading, time
from binance.testing import LocalExchange


def move_the_price(exchange):
    # the test's hand: once the script's stop-loss and take-profit wait, the price falls
    # to the stop's trigger
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        algos = exchange.call(lambda: {a['orderType']: a['triggerPrice']
                                       for a in exchange.futures.algo.algos.values()})
        if len(algos) == 2:
            exchange.call(exchange.futures.set_price, 'BTCUSDT', algos['STOP_MARKET'])
            return
        time.sleep(0.05)


with LocalExchange() as exchange, exchange.install():
    threading.Thread(target=move_the_price, args=(exchange,), daemon=True).start()
    runpy.run_path(sys.argv[1], run_name='__main__')
'''


def test_a_0711_futures_script_runs_unchanged_on_the_local_exchange(tmp_path):
    """klines, an order, position, balance, aggTrade/markPrice/user sockets, a futures depth
    cache, and a stop-loss and take-profit (sent to the Algo Service; the stop fires when the
    test moves the price) all work from an unmodified 0.7.11-style script, nothing on stderr."""
    returncode, out, err, lines = run_script(tmp_path, 'futures_bot.py', SCRIPT, WRAPPER)
    assert returncode == 0, err
    assert lines['KLINES'] == '5'
    price, qty = (int(n) for n in lines['PRECISION'].split())
    stream, event, p, q = lines['AGG'].split()
    assert (stream, event) == ('btcusdt@aggTrade', 'aggTrade')
    assert len(p.split('.')[1]) == price and len(q.split('.')[1]) == qty
    assert lines['MARK'] == 'btcusdt@markPrice@1s markPriceUpdate'
    assert lines['BOOK'] == 'True True'
    assert lines['ORDER'] == 'NEW 0.010 0'   # Binance's default answer (ACK)
    assert lines['POSITION'] == '0.010'
    assert lines['BALANCE'] == 'True'      # the fee was paid from the futures wallet
    assert lines['USER'] == "['ACCOUNT_UPDATE', 'ORDER_TRADE_UPDATE']"
    assert lines['STOPS'] == 'NEW NEW'
    assert lines['CLOSED'] == 'True'
    assert lines['TAKE'] == 'EXPIRED'      # a close-position order outlives no position
    assert out.rstrip().endswith('DONE') and err == ''


STOPPED_FIRST = """
from binance import _reactor
from binance.testing import LocalExchange
from twisted.internet import reactor
exchange = LocalExchange(tick=None).start()
reactor.callFromThread(reactor.stop)     # what a script's last line does
assert _reactor.wait_stopped(10)
exchange.stop()                          # the end of a with block around the script
print('STOPPED')
"""


def test_the_exchange_stops_at_once_after_the_script_stopped_the_reactor():
    """LocalExchange.stop() (the end of its with block) returns at once when the reactor was
    already stopped, instead of waiting forever for a call the reactor will never run."""
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get('PYTHONPATH', ''))
    try:
        proc = subprocess.run([sys.executable, '-c', STOPPED_FIRST], cwd=str(ROOT),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, timeout=30)
    except subprocess.TimeoutExpired:
        raise AssertionError('LocalExchange.stop() hung after reactor.stop()') from None
    assert proc.returncode == 0, proc.stderr.decode()[-2000:]
    assert proc.stdout.decode().split() == ['STOPPED']
