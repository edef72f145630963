"""Run an unmodified trading script against the local exchange, to its natural end.

``with LocalExchange() as ex, ex.install(): main()`` stops the exchange when
the block ends. A script written like the original's docs often ends right
after ``bm.start()`` and lives on in its callbacks until one of them calls
``reactor.stop()``; inside that block the exchange would be gone while the
sockets still need it. :func:`run_offline` keeps the exchange for as long as
the program needs it, as Binance would be there::

    from binance.testing import run_offline
    run_offline('my_bot.py', ['--symbol', 'BNBBTC'])       # a script, with its arguments
    run_offline(main)                                       # or a function

From a shell: ``python -m binance.testing run my_bot.py --symbol BNBBTC``.
"""
import contextlib
import os
import runpy
import sys
from typing import Any, Callable, Iterator, Optional, Sequence, Union

from binance import _reactor

__all__ = ['run_offline']

Target = Union[str, 'os.PathLike[str]', Callable[[], Any]]


def run_offline(target: Target, args: Optional[Sequence[str]] = None, *, report: Any = None,
                **exchange_options: Any) -> int:
    """Run ``target`` with every client and socket manager pointed at a local exchange.

    :param target: a script's path (run as ``__main__``, with ``sys.argv`` set
        to the path and ``args``) or a callable taking no arguments.
    :param args: the script's command line arguments (scripts only).
    :param report: a :class:`~binance.testing.report_run.RunReport`: it watches
        the default account and reports when the run ends, Ctrl-C included.
    :param exchange_options: for :class:`~binance.testing.LocalExchange`
        (``seed=``, ``tls=``, ``tick=``, ``mirror=``, ``upstream=`` ...).
    :returns: the exit status: ``0`` when the script ended normally, the code of
        a ``SystemExit`` it raised (``sys.exit(2)`` gives 2), in the main
        thread or in a callback.
    :raises KeyboardInterrupt: on Ctrl-C (after stopping the reactor).

    After ``target`` returns, the exchange stays up while socket managers
    the program started still have open sockets, until ``reactor.stop()`` (as
    the original's docs end a program), ``close()``/``stop_socket`` or until
    the sockets gave up. An exception raised by ``target`` propagates at once.
    """
    from binance.testing import LocalExchange
    if args is not None and callable(target):
        raise TypeError('args are for a script path; call the function with its own arguments')
    if not callable(target) and not isinstance(target, (str, os.PathLike)):
        raise TypeError('target must be a script path or a callable, not {}'.format(
            type(target).__name__))
    if not callable(target) and not os.path.isfile(os.fspath(target)):
        raise ValueError('no such script: {!r}'.format(os.fspath(target)))
    exchange = LocalExchange(**exchange_options)
    exchange.start()
    status = 0
    if report is not None:
        report.start(exchange)
    try:
        # the script's argv and path stay for the program's life: its callbacks run later
        with exchange.install(), _as_main(target, list(args or [])):
            try:
                if callable(target):
                    target()
                else:
                    runpy.run_path(os.fspath(target), run_name='__main__')
            except SystemExit as exc:
                status = _reactor.exit_status(exc.code)
            if status == 0:
                _wait_while_sockets_are_open()
            requested = _reactor.take_exit_request()   # sys.exit(n) in a callback
            if status == 0 and requested is not None:
                status = requested
    except KeyboardInterrupt:
        _reactor.stop_and_wait()
        raise
    finally:
        if report is not None:
            report.finish(exchange)
        exchange.stop()
    return status


@contextlib.contextmanager
def _as_main(target: Target, args: list) -> Iterator[None]:
    """``sys.argv`` and ``sys.path[0]`` as ``python script.py args`` sets them (scripts only)."""
    if callable(target):
        yield
        return
    path = os.fspath(target)
    saved_argv = sys.argv
    sys.argv = [path] + args
    sys.path.insert(0, os.path.dirname(os.path.abspath(path)))
    try:
        yield
    finally:
        sys.argv = saved_argv
        try:
            sys.path.remove(os.path.dirname(os.path.abspath(path)))
        except ValueError:
            pass


def _wait_while_sockets_are_open() -> None:
    """Wait while started socket managers hold open sockets and the reactor runs."""
    while _reactor.is_running() and not _reactor.has_stopped() and _reactor.open_socket_count():
        _reactor.wait_stopped(0.1)
    _reactor.let_reactor_finish_current_call()  # a callback that just got a last message
