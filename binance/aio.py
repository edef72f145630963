"""asyncio programs: the socket manager on the program's own event loop.

Twisted, which carries every socket of this package, can run on an asyncio
loop (Twisted's asyncio reactor). :func:`on_this_loop` installs it on the
running loop for the ``async with`` block, so that sockets connect, timers
run and your callbacks are called on the loop's own thread, between your
coroutines, with no thread of their own::

    import asyncio
    from binance import aio
    from binance.client import Client
    from binance.websockets import BinanceSocketManager

    async def main():
        async with aio.on_this_loop():
            client = Client(api_key, api_secret)
            bm = BinanceSocketManager(client)
            trades = asyncio.Queue()
            bm.start_trade_socket('BNBBTC', trades.put_nowait)   # called on this loop
            print(await trades.get())
            account = await asyncio.to_thread(client.get_account)  # REST: in a thread
            pong = await aio.as_future(bm.ws_api.ping())         # a Deferred, awaited
            bm.close()

    asyncio.run(main())

* Enter the block first thing, before anything imports
  ``twisted.internet.reactor`` (a socket manager, a local exchange): a
  process has one reactor, and this one must be the asyncio one.
* The REST :class:`~binance.client.Client` is blocking (requests): call it
  with ``await asyncio.to_thread(client.method, ...)`` so the loop, and every
  socket, keeps running meanwhile.
* ``bm.start()`` is not needed (the reactor already runs on the loop);
  calling it starts only a thread that waits for the end.
* Leaving the block stops Twisted (open connections are closed, its thread
  pool is joined); the loop keeps running. Twisted cannot start again in the
  same process.
"""
import asyncio
import contextlib
from typing import Any, AsyncIterator

from binance import _reactor

__all__ = ['on_this_loop', 'as_future']


@contextlib.asynccontextmanager
async def on_this_loop() -> AsyncIterator[Any]:
    """Run Twisted, and so every socket manager, on the running asyncio loop.

    :returns: (as the ``async with`` target) the reactor.
    :raises RuntimeError: outside a running loop, or when a Twisted reactor
        is already installed in this process.
    """
    reactor = _reactor.start_on_asyncio_loop()
    try:
        yield reactor
    finally:
        await _reactor.stop_on_asyncio_loop()


def as_future(deferred: Any) -> 'asyncio.Future[Any]':
    """A Twisted Deferred (e.g. of ``bm.ws_api``) as an awaitable future of the running loop."""
    return deferred.asFuture(asyncio.get_running_loop())
