"""What happens when a stream callback raises.

A callback runs on the reactor thread, where an exception would only break
the connection its message arrived on: an ``Exception`` is logged and the
stream goes on; ``SystemExit`` and ``KeyboardInterrupt`` stop the reactor (or
are raised in an asyncio program's loop), so that the program can exit.
"""
import logging
from typing import Any, Callable

from twisted.internet import error as twisted_error

from binance import _reactor

__all__ = ['call_callback', 'stop_for_exit']

log = logging.getLogger('binance.websockets')


def call_callback(callback: Callable[[Any], Any], message: Any, reactor: Any,
                  name: str) -> None:
    """Give ``message`` to a user callback outside the message hot path.

    An exception is logged and swallowed (the stream goes on);
    ``SystemExit``/``KeyboardInterrupt`` stop the reactor (:func:`stop_for_exit`).
    """
    try:
        callback(message)
    except Exception:
        log.exception('%s: the callback raised', name)
    except (SystemExit, KeyboardInterrupt) as exc:
        stop_for_exit(reactor, name, exc)


def stop_for_exit(reactor: Any, name: str, exc: BaseException) -> None:
    """A callback raised ``SystemExit``/``KeyboardInterrupt``: stop the reactor.

    A callback cannot end the program by raising on the reactor thread (the
    exception would only break the connection it arrived on), so the
    request is honoured by stopping the reactor, which ends
    :meth:`BinanceSocketManager.run` and lets the program exit. In an asyncio
    program (:mod:`binance.aio`) it is raised in the program's loop instead.
    """
    if _reactor.raise_on_asyncio_loop(exc, reactor):  # an asyncio program: asyncio.run raises it
        return
    log.info('%s: the callback raised %s (%s): it asked to exit; stopping the reactor',
             name, type(exc).__name__, exc)
    if isinstance(exc, SystemExit):  # its code becomes the process's exit status
        _reactor.request_exit(exc.code, reactor)
    stop = getattr(reactor, 'stop', None)
    if stop is None:
        return
    try:
        stop()
    except twisted_error.ReactorNotRunning:
        pass
