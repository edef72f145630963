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

The exit policy lives here too: :func:`keep_process_alive_for` makes the
interpreter wait at exit while a started socket manager has open sockets
(as the original's non-daemon reactor thread did), and
:func:`watch_for_stop` keeps the reactor loop waking up so that a
``reactor.stop()`` from another thread takes effect promptly.
"""
import atexit
import threading
import time
import weakref
from typing import Any, Callable, Optional

__all__ = ['get_reactor', 'claim', 'ensure_running', 'blocking_call',
           'in_reactor_thread', 'ReactorStoppedError', 'keep_process_alive_for',
           'watch_for_stop']

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
    """True while the shared reactor runs (on an asyncio loop: while that loop runs)."""
    return _running.is_set() and (_guest_loop is None or _guest_loop.is_running())


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


_threadable: Any = None


def in_reactor_thread() -> bool:
    """True when called from the thread that runs the reactor."""
    global _threadable
    if not _running.is_set():
        return False
    if _threadable is None:   # imported once: twisted.python's attributes are slow to reach
        from twisted.python import threadable
        _threadable = threadable
    return bool(_threadable.isInIOThread())


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


def installed_reactor_or_none() -> Any:
    """The global reactor if it is already installed, without installing one."""
    import sys
    return sys.modules.get('twisted.internet.reactor')


# -- exiting -------------------------------------------------------------------------
#
# The original ran the reactor in a non-daemon thread: a script whose main
# thread ended right after ``bm.start()`` (as the documentation's examples do)
# kept receiving messages, and one that had called ``close()`` never exited.
# Here the thread is a daemon, and an exit hook keeps the first behaviour
# without the second: while a started socket owner (a
# ``BinanceSocketManager``) still has an open socket, the interpreter waits at
# exit until ``reactor.stop()`` or until the last socket is stopped, closed or
# has given up.

_socket_owners: 'weakref.WeakSet[Any]' = weakref.WeakSet()
_exit_wait_registered = False


def keep_process_alive_for(owner: Any) -> None:
    """Make the interpreter wait at exit while ``owner`` has open sockets.

    ``owner`` provides ``open_socket_count() -> int`` and the class flag
    ``EXIT_WAITS_FOR_SOCKETS`` (``False``: do not wait for it). The owner is
    held weakly.
    """
    global _exit_wait_registered
    _socket_owners.add(owner)
    if not _exit_wait_registered:
        _exit_wait_registered = True
        atexit.register(wait_for_open_sockets)


def open_socket_count() -> int:
    """Open sockets of every owner that wants the process kept alive for them."""
    count = 0
    for owner in list(_socket_owners):
        if getattr(owner, 'EXIT_WAITS_FOR_SOCKETS', True):
            count += owner.open_socket_count()
    return count


def wait_for_open_sockets() -> None:
    """At interpreter exit: wait while started managers hold open sockets.

    No waiting when the main thread ended with an uncaught exception (a
    crashed script must not linger, Ctrl-C included). Ctrl-C while waiting
    stops the reactor and ends the program with status 130, the status of a
    Python program ended by Ctrl-C.
    """
    if not any(getattr(owner, 'EXIT_WAITS_FOR_SOCKETS', True) for owner in list(_socket_owners)):
        return
    try:
        if main_ended_by_exception():  # a traceback was printed, or Ctrl-C: no waiting
            stop_and_wait()
            return
        while is_running() and open_socket_count():
            # sleep, not Event.wait: a Ctrl-C landing inside Event.wait can leave
            # the event's lock held, and the ending below would wait on it forever
            time.sleep(0.1)
        let_reactor_finish_current_call()
        _exit_as_requested()    # a callback's sys.exit(n) stopped the reactor
    except KeyboardInterrupt:  # Ctrl-C while waiting: end now, as interrupted
        _ignore_further_ctrl_c()
        _stop_and_poll(2.0)
        _exit_interrupted()


def _stop_and_poll(timeout: float) -> None:
    """Stop the reactor and poll (no locks) until it has stopped or ``timeout`` passed."""
    if is_running():
        reactor = get_reactor()
        reactor.callFromThread(reactor.stop)
        deadline = time.monotonic() + timeout
        while not _stopped.is_set() and time.monotonic() < deadline:
            time.sleep(0.01)


def _ignore_further_ctrl_c() -> None:
    """A second Ctrl-C while the program already ends must not break the ending."""
    import signal
    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    except ValueError:  # not the main thread: nothing to change
        pass


def _exit_interrupted() -> None:
    """End the process with status 130 after the remaining exit hooks have run."""
    _end_process(130)


def _end_process(status: int) -> None:
    """Run the remaining exit hooks, flush, and end the process with ``status`` now."""
    import os
    import sys
    for hook in (wait_for_open_sockets, _exit_as_requested):
        atexit.unregister(hook)
    try:
        atexit._run_exitfuncs()
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:  # a closed or broken stream: nothing more to do
                pass
        os._exit(status)


def let_reactor_finish_current_call(timeout: float = 2.0) -> None:
    """Wait until the reactor thread has finished what it is doing now.

    A socket that gives up is forgotten just before its callback receives the
    error message (so the callback may restart it); without this round trip
    the interpreter could end while that callback still runs.
    """
    if is_running() and not in_reactor_thread():
        done = threading.Event()
        get_reactor().callFromThread(done.set)
        # a reactor already shutting down never runs the call: stop waiting once
        # it has stopped, not after ``timeout`` (the exit then took 2 s longer
        # about half the time)
        deadline = time.monotonic() + timeout
        while not (done.is_set() or _stopped.is_set()) and time.monotonic() < deadline:
            time.sleep(0.005)


def main_ended_by_exception() -> bool:
    """True when the main thread ended with an uncaught exception (Ctrl-C included)."""
    import sys
    exc_type = getattr(sys, 'last_type', None)
    return isinstance(exc_type, type) and issubclass(exc_type, BaseException) \
        and not issubclass(exc_type, SystemExit)


def stop_and_wait(timeout: float = 2.0) -> None:
    """Stop the shared reactor from another thread and wait until it has stopped."""
    if is_running():
        reactor = get_reactor()
        reactor.callFromThread(reactor.stop)
        wait_stopped(timeout)


# -- asyncio programs ------------------------------------------------------------------
#
# An asyncio program runs Twisted on its own loop (Twisted's asyncio reactor,
# started without running the loop itself: the program's ``asyncio.run``
# does), so sockets, timers and callbacks live on the loop's thread and no
# reactor thread is started. Stopping it must leave the program's loop
# running: Twisted's asyncio reactor stops the loop when it shuts down.

_guest_loop: Any = None


def _guest_reactor(loop: Any) -> Any:
    from twisted.internet.asyncioreactor import AsyncioSelectorReactor

    class GuestAsyncioReactor(AsyncioSelectorReactor):
        """Twisted on a loop it does not own: its shutdown leaves the loop running."""

        def crash(self) -> None:
            super(AsyncioSelectorReactor, self).crash()

    return GuestAsyncioReactor(loop)


def start_on_asyncio_loop() -> Any:
    """Install Twisted's reactor on the running asyncio loop and start it there.

    Call it from a coroutine, before anything imported
    ``twisted.internet.reactor``. Idempotent on the same loop.

    :returns: the reactor.
    :raises RuntimeError: with no running asyncio loop, or when another
        reactor is already installed (or ran) in this process.
    """
    import asyncio
    global _runner, _guest_loop
    loop = asyncio.get_running_loop()
    with _lock:
        installed = installed_reactor_or_none()
        if installed is not None and _guest_loop is loop:
            return installed
        if installed is not None or _runner is not None or _stopped.is_set():
            raise RuntimeError(
                'a Twisted reactor is already installed in this process ({}); start the '
                'asyncio mode first thing in your main coroutine, before anything imports '
                'twisted.internet.reactor or starts a socket manager or a local '
                'exchange'.format(type(installed).__name__ if installed is not None
                                  else 'another one ran'))
        reactor = _guest_reactor(loop)
        from twisted.internet.main import installReactor
        installReactor(reactor)
        _runner = threading.current_thread()
        _guest_loop = loop
    reactor.addSystemEventTrigger('after', 'shutdown', _mark_stopped)
    reactor.startRunning(installSignalHandlers=False)
    _running.set()
    return reactor


def raise_on_asyncio_loop(exc: BaseException, reactor: Any = None) -> bool:
    """In an asyncio program, raise a callback's ``SystemExit``/``KeyboardInterrupt`` in its loop.

    The loop lets them through (``asyncio.run`` then cancels the program's
    tasks and re-raises), so the program ends as if its coroutine had raised.

    :returns: ``False`` outside the asyncio mode (nothing done).
    """
    if _guest_loop is None or not _guest_loop.is_running() or (
            reactor is not None and reactor is not installed_reactor_or_none()):
        return False

    def reraise() -> None:
        raise exc

    _guest_loop.call_soon(reraise)
    return True


async def stop_on_asyncio_loop() -> None:
    """Stop the reactor of :func:`start_on_asyncio_loop`, leaving the loop running.

    Runs Twisted's shutdown (open connections closed, its thread pool joined).
    """
    if _guest_loop is None or _stopped.is_set():
        return
    reactor = get_reactor()
    done = _guest_loop.create_future()
    reactor.addSystemEventTrigger('after', 'shutdown',
                                  lambda: done.done() or done.set_result(None))
    reactor.stop()
    await done


# -- a forgotten ``bm.start()`` ---------------------------------------------------------
#
# ``start_trade_socket`` only asks for a socket; nothing connects until the
# reactor runs, which ``bm.start()`` does. A script that forgets it would end
# silently with status 0: say so at exit, on stderr (no logging needed).

_unstarted_owners: 'weakref.WeakSet[Any]' = weakref.WeakSet()
_unstarted_hook_registered = False


def warn_at_exit_unless_started(owner: Any) -> None:
    """At exit, warn if ``owner`` asked for sockets but was never started.

    ``owner`` provides ``_unstarted_socket_keys() -> list``. Nothing is said
    when the reactor ran (someone else started it, so the sockets connected).
    """
    global _unstarted_hook_registered
    _unstarted_owners.add(owner)
    with _lock:
        if _unstarted_hook_registered:
            return
        _unstarted_hook_registered = True
    atexit.register(warn_unstarted)


def warn_unstarted() -> None:
    """The exit hook of :func:`warn_at_exit_unless_started`."""
    if is_running() or has_stopped() or main_ended_by_exception():
        return
    import sys
    for owner in list(_unstarted_owners):
        keys = owner._unstarted_socket_keys()
        if keys:
            print('warning: {} socket(s) of a {} were started ({}) but its start() was never '
                  'called, so nothing connected and no message arrived; call bm.start() after '
                  'the start_*_socket calls'.format(len(keys), type(owner).__name__,
                                                     ', '.join(keys)),
                  file=sys.stderr, flush=True)


# -- the exit status a callback asked for ---------------------------------------------
#
# ``sys.exit(3)`` inside a callback raises SystemExit on the reactor thread,
# where it can only stop the reactor (see ``_streams.callbacks.stop_for_exit``). The
# code is kept here and becomes the process's exit status when the program
# ends (or :func:`binance.testing.run_offline`'s return value), as it would be
# had the callback run in the main thread.

_exit_request: dict = {}        # 'code': of the first SystemExit raised in a callback; 'taken'


def request_exit(code: Any, reactor: Any = None) -> None:
    """Keep ``code`` (a ``SystemExit``'s ``code``) as the process's exit status.

    Only for the process's real reactor: a callback raising ``SystemExit``
    under a fake reactor in a test changes nothing. The first request wins.
    """
    if reactor is not None and reactor is not installed_reactor_or_none():
        return
    with _lock:
        if 'code' in _exit_request:
            return
        _exit_request['code'] = code
    # for a program still running; one already exiting is ended by the exit
    # hook that waits for its sockets (hooks registered now would not run)
    atexit.register(_exit_as_requested)


def exit_requested() -> bool:
    """Whether a callback's ``sys.exit`` has asked the process to end."""
    with _lock:
        return 'code' in _exit_request


def take_exit_request() -> Optional[int]:
    """The exit status a callback's ``sys.exit`` asked for, once (else ``None``).

    A message code (``sys.exit('failed')``) is printed to stderr and gives 1.
    """
    with _lock:
        if 'code' not in _exit_request or 'taken' in _exit_request:
            return None
        _exit_request['taken'] = True
        code = _exit_request['code']
    atexit.unregister(_exit_as_requested)
    return exit_status(code)


def exit_status(code: Any) -> int:
    """The status Python gives ``sys.exit(code)``; a message is printed to stderr and means 1."""
    if code is None:
        return 0
    if isinstance(code, int):
        return int(code)
    import sys
    print(code, file=sys.stderr)
    return 1


def _exit_as_requested() -> None:
    """At interpreter exit: end with the status a callback's ``sys.exit`` asked for.

    Not when the main thread ended with an uncaught exception: its traceback
    and status 1 stand.
    """
    if main_ended_by_exception():
        return
    status = take_exit_request()
    if status:
        _end_process(status)


#: Seconds between wake-ups of the reactor loop. ``reactor.stop()`` called from
#: another thread (as the docs show) only sets a flag the loop checks when it
#: wakes; without a timer a quiet reactor could sleep long before noticing, and
#: the program would not exit promptly.
STOP_CHECK_INTERVAL = 0.25

_stop_watch: Any = None


def watch_for_stop() -> None:
    """Start the process-wide wake-up timer (reactor thread, once)."""
    global _stop_watch
    if _stop_watch is None:
        from twisted.internet.task import LoopingCall
        _stop_watch = LoopingCall(lambda: None)
        _stop_watch.start(STOP_CHECK_INTERVAL, now=False)
