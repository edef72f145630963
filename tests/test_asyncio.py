"""asyncio programs run the socket manager on their own loop (child processes: one reactor each)."""
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

PROGRAM = '''
import asyncio, threading
from binance import aio

async def main():
    loop_thread = threading.get_ident()
    async with aio.on_this_loop() as reactor:
        from binance.testing import LocalExchange
        from binance.websockets import BinanceSocketManager
        with LocalExchange(tick=0.02) as exchange, exchange.install():
            client = exchange.client()
            bm = BinanceSocketManager(client)
            trades = asyncio.Queue()
            on_loop = []
            def on_trade(msg):
                on_loop.append(threading.get_ident() == loop_thread)
                trades.put_nowait(msg)
            bm.start_trade_socket('BNBBTC', on_trade)
            first = await asyncio.wait_for(trades.get(), 30)
            # a blocking REST call in a thread: the loop (and the socket) keep running
            ticks = []
            async def ticker():
                while True:
                    ticks.append(1)
                    await asyncio.sleep(0)
            spinner = asyncio.ensure_future(ticker())
            account = await asyncio.to_thread(client.get_account)
            spinner.cancel()
            pong = await aio.as_future(bm.ws_api.ping())
            status = await aio.as_future(bm.ws_api.account_status())
            await asyncio.wait_for(trades.get(), 30)
            during = {t.name for t in threading.enumerate()}
            bm.close()
    after = {t.name for t in threading.enumerate()}
    print('TRADE', first['e'], flush=True)
    print('ON_LOOP', all(on_loop) and len(on_loop) >= 2, flush=True)
    print('REST', len(account['balances']) > 0, 'LOOP_RAN_MEANWHILE', len(ticks) > 1, flush=True)
    print('WS_API', pong == {}, len(status['balances']) > 0, flush=True)
    print('DURING', ','.join(sorted(n for n in during if n.startswith(
        ('binance-reactor', 'binance-socket-manager')))) or '-',
          flush=True)
    print('AFTER', ','.join(sorted(n for n in after if n.startswith('PoolThread'))) or '-',
          flush=True)
    print('REACTOR', type(reactor).__name__, reactor.running, flush=True)
    await asyncio.sleep(0)            # the loop still runs after the block
    print('LOOP_ALIVE', asyncio.get_running_loop().is_running(), flush=True)

asyncio.run(main())
print('DONE', flush=True)
'''

TOO_LATE = '''
import asyncio
from twisted.internet import reactor     # the default reactor is installed first
from binance import aio

async def main():
    try:
        async with aio.on_this_loop():
            pass
    except RuntimeError as exc:
        print('REFUSED', exc, flush=True)

asyncio.run(main())
'''


CALLBACK_EXITS = '''
import asyncio, sys
from binance import aio

async def main():
    async with aio.on_this_loop():
        from binance.testing import LocalExchange
        from binance.websockets import BinanceSocketManager
        with LocalExchange(tick=0.02) as exchange, exchange.install():
            bm = BinanceSocketManager(exchange.client())
            def on_trade(msg):
                sys.exit(4)
            bm.start_trade_socket('BNBBTC', on_trade)
            try:
                await asyncio.sleep(60)
            finally:
                print('CLEANUP', flush=True)

asyncio.run(main())
print('NOT REACHED', flush=True)
'''


def _child(code):
    return subprocess.run([sys.executable, '-c', code], cwd=str(ROOT), capture_output=True,
                          text=True, timeout=120)


def test_sockets_callbacks_ws_api_and_rest_share_the_programs_loop():
    """Callbacks run on the loop's thread, no reactor thread starts, Deferreds and REST are awaited."""
    proc = _child(PROGRAM)
    assert proc.returncode == 0, proc.stderr[-3000:]
    lines = dict(line.split(' ', 1) for line in proc.stdout.splitlines() if ' ' in line)
    assert lines['TRADE'] == 'trade'
    assert lines['ON_LOOP'] == 'True'
    assert lines['REST'] == 'True LOOP_RAN_MEANWHILE True'
    assert lines['WS_API'] == 'True True'
    assert lines['DURING'] == '-'       # no binance-reactor thread, no manager thread
    assert lines['AFTER'] == '-'        # Twisted's thread pool was joined at the end
    assert lines['REACTOR'] == 'GuestAsyncioReactor False'   # stopped when the block ended
    assert lines['LOOP_ALIVE'] == 'True'
    assert proc.stdout.splitlines()[-1] == 'DONE'


def test_a_reactor_installed_before_is_refused_with_a_clear_error():
    """Entering on_this_loop after twisted.internet.reactor was imported says what to do."""
    proc = _child(TOO_LATE)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.startswith('REFUSED a Twisted reactor is already installed')
    assert 'before anything imports twisted.internet.reactor' in proc.stdout


def test_sys_exit_in_a_callback_ends_the_asyncio_program_with_its_status():
    """sys.exit(4) in a callback is raised in the loop: the program's cleanup runs, status 4."""
    proc = _child(CALLBACK_EXITS)
    assert proc.returncode == 4, proc.stderr[-3000:]
    assert proc.stdout.splitlines() == ['CLEANUP']
