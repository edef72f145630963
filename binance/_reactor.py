"""One Twisted reactor per process, run in a daemon thread.

Twisted's global reactor can run only once per process. Everything in this
package that needs it (socket managers, the local exchange) shares it through
this module:

* :func:`ensure_running` starts the reactor in a daemon thread if nothing is
  running it yet, and returns once it runs.
* :func:`claim` lets :class:`binance.websockets.BinanceSocketManager` run the
  reactor in its own thread, as the original did, when it is the first.
* :func:`blocking_call` runs a function on the reactor thread and waits for
  its result (directly when already on that thread).

A reactor that has been stopped (``reactor.stop()``) cannot be started again;
:func:`ensure_running` then raises :class:`ReactorStoppedError`.
"""
import threading
from typing import Any, Callable, Optional

__all__ = ['get_reactor', 'claim', 'ensure_running', 'blocking_call',
           'in_reactor_thread', 'ReactorStoppedError']

_lock = threading.Lock()
_runner: Optional[threading.Thread] = None     # the thread that runs reactor.run()
_running = threading.Event()                   # set while the reactor runs
_stopped = threading.Event()                   # set once it has stopped for good


class ReactorStoppedError(RuntimeError):
    """The process's reactor was stopped and Twisted cannot restart it."""


def get_reactor() -> Any:
    """The global Twisted reactor, imported lazily (never at import time)."""
    from twisted.internet import reactor
    return reactor


def _mark_running() -> None:
    _running.set()


def _mark_stopped() -> None:
    _running.clear()
    _stopped.set()


def claim(thread: threading.Thread) -> bool:
    """Register ``thread`` as the one that will call ``reactor.run``.

    :returns: ``True`` when the caller must run the reactor (see :func:`run`),
        ``False`` when another thread already runs it (or it has stopped).
    """
    global _runner
    with _lock:
        if _runner is not None or _stopped.is_set():
            return False
        reactor = get_reactor()
        if reactor.running:  # somebody else (e.g. the main program) runs it
            _runner = threading.main_thread()
            _running.set()
            # the reactor's state belongs to its thread: register from there
            reactor.callFromThread(reactor.addSystemEventTrigger, 'after', 'shutdown',
                                   _mark_stopped)
            return False
        _runner = thread
        reactor.callWhenRunning(_mark_running)
        reactor.addSystemEventTrigger('after', 'shutdown', _mark_stopped)
        return True


def run() -> None:
    """Run the reactor in the calling thread (after a successful :func:`claim`)."""
    reactor = get_reactor()
    try:
        reactor.run(installSignalHandlers=False)
    finally:
        _mark_stopped()


def ensure_running(timeout: float = 10.0) -> None:
    """Make sure the reactor runs, starting a daemon thread for it if needed.

    :raises ReactorStoppedError: when the reactor was stopped earlier.
    """
    if _stopped.is_set():
        raise ReactorStoppedError('the Twisted reactor of this process was stopped and '
                                  'cannot be restarted; start a new process')
    thread = threading.Thread(target=run, name='binance-reactor', daemon=True)
    if claim(thread):
        thread.start()
    if not _running.wait(timeout):
        raise RuntimeError('the Twisted reactor did not start within {} s'.format(timeout))


def is_running() -> bool:
    """True while the shared reactor runs."""
    return _running.is_set()


def has_stopped() -> bool:
    """True once the shared reactor has stopped or is stopping (it cannot run again).

    Also notices a reactor that someone else ran and stopped before this
    module saw it (without installing a reactor when none is installed).
    """
    if _stopped.is_set():
        return True
    import sys
    reactor = sys.modules.get('twisted.internet.reactor')
    return bool(getattr(reactor, '_startedBefore', False) and getattr(reactor, '_stopped', False))


def wait_stopped(timeout: Optional[float] = None) -> bool:
    """Block until the reactor has stopped; ``True`` if it did within ``timeout``."""
    return _stopped.wait(timeout)


def in_reactor_thread() -> bool:
    """True when called from the thread that runs the reactor."""
    from twisted.python import threadable
    return _running.is_set() and threadable.isInIOThread()


def blocking_call(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Call ``fn`` on the reactor thread and return its result.

    If ``fn`` returns a Deferred, waits for it. Runs ``fn`` directly when
    already on the reactor thread (returning whatever it returns).
    """
    if in_reactor_thread():
        return fn(*args, **kwargs)
    ensure_running()
    from twisted.internet.threads import blockingCallFromThread
    return blockingCallFromThread(get_reactor(), fn, *args, **kwargs)
