"""pytest fixtures for testing trading code against the local exchange.

Installed with the package and registered through the ``pytest11`` entry
point, so the fixtures are there in any project that has ``binance``
installed, with no ``conftest.py`` needed:

* ``binance_exchange``: a started :class:`~binance.testing.LocalExchange`
  (``tick=None``: the market moves only when the test calls
  ``binance_exchange.step(n)``), stopped after the test. Options go in a
  marker: ``@pytest.mark.binance_exchange(seed=3, tick=0.1, tls=True)``.
* ``binance_client``: a :class:`~binance.client.Client` of the exchange's
  default account, pointed at it.
* ``binance_socket_manager``: a started
  :class:`~binance.websockets.BinanceSocketManager` of that client, its
  streams and WebSocket API pointed at the exchange; closed after the test.
* ``binance_offline``: the exchange with :meth:`~binance.testing.LocalExchange.install`
  in effect, for code that creates its own ``Client()`` and managers.

Example::

    def test_my_bot_sees_trades(binance_exchange, binance_socket_manager):
        seen = queue.Queue()
        key = binance_socket_manager.start_trade_socket('BNBBTC', seen.put)
        binance_socket_manager.wait_connected(key, timeout=5)
        binance_exchange.streams.push(key, {'e': 'trade', 's': 'BNBBTC', 'p': '0.0075'})
        assert seen.get(timeout=5)['p'] == '0.0075'

It works in a plain pytest run and under pytest-twisted (``-p twisted``):
there the shared reactor thread is started before pytest-twisted
configures itself, so pytest-twisted treats it as an external reactor
(``@pytest_twisted.inlineCallbacks`` tests run on that thread,
``pytest_twisted.blockon`` waits for it) instead of running the reactor in a
greenlet that only turns while a test waits; and plain tests that use these
fixtures run in the main thread as in a plain run (pytest-twisted would run
them on the reactor thread, where waiting for a socket waits forever).
Sockets a test leaves open never keep the pytest process alive at exit.

Every pytest run of a project with ``binance`` installed loads this module,
so it imports nothing heavy and lives outside :mod:`binance.testing`: loading
a module of that package would import the whole local exchange (a quarter of
a second) into every such run. The fixtures import it when a test asks for
them. ``binance.testing.pytest_plugin`` names the same fixtures and hooks.
"""
from typing import Any, Iterator

import pytest

MARKER = 'binance_exchange'


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: Any) -> None:
    """Register the marker; start the reactor thread first when pytest-twisted is active."""
    config.addinivalue_line('markers', '{}(**options): options of the binance_exchange '
                                       'fixture (LocalExchange keyword arguments)'.format(MARKER))
    if config.pluginmanager.hasplugin('twisted'):
        from binance import _reactor
        _reactor.ensure_running()


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem: Any) -> Any:
    """Under pytest-twisted, run plain tests that use these fixtures in the main thread.

    pytest-twisted calls every test function on the reactor thread. A plain
    test that waits there (``wait_connected``, ``queue.get``, polling) would
    stop the very thread that delivers what it waits for. Tests written for
    pytest-twisted (``@pytest_twisted.inlineCallbacks``,
    ``@pytest_twisted.ensureDeferred``, ``async def``) are left to it; a plain
    test that returns a Deferred is waited for.
    """
    config = pyfuncitem.config
    if not config.pluginmanager.hasplugin('twisted'):
        return None
    if not any(name.startswith('binance_') for name in getattr(pyfuncitem, 'fixturenames', ())):
        return None
    import inspect
    func = pyfuncitem.obj
    if inspect.iscoroutinefunction(func) or getattr(func, '_pytest_twisted_mark', None) \
            or hasattr(func, 'hypothesis'):
        return None
    kwargs = {name: pyfuncitem.funcargs[name] for name in pyfuncitem._fixtureinfo.argnames}
    result = func(**kwargs)
    from twisted.internet.defer import Deferred
    if isinstance(result, Deferred):
        from twisted.internet.threads import blockingCallFromThread

        from binance import _reactor
        blockingCallFromThread(_reactor.get_reactor(), lambda: result)
    return True


def pytest_sessionfinish(session: Any, exitstatus: Any) -> None:
    """A socket some test left open must not keep the test process alive at exit."""
    import sys
    websockets = sys.modules.get('binance.websockets')
    if websockets is not None:
        websockets.BinanceSocketManager.EXIT_WAITS_FOR_SOCKETS = False


@pytest.fixture
def binance_exchange(request: Any) -> Iterator[Any]:
    """A started ``LocalExchange`` (``tick=None`` unless the marker says otherwise), stopped after."""
    from binance.testing import LocalExchange
    options: dict = {'tick': None}
    marker = request.node.get_closest_marker(MARKER)
    if marker is not None:
        if marker.args:
            raise TypeError('@pytest.mark.{} takes keyword arguments only'.format(MARKER))
        options.update(marker.kwargs)
    exchange = LocalExchange(**options)
    exchange.start()
    try:
        yield exchange
    finally:
        exchange.stop()


@pytest.fixture
def binance_client(binance_exchange: Any) -> Iterator[Any]:
    """A ``Client`` of the exchange's default account, pointed at it."""
    client = binance_exchange.client()
    try:
        yield client
    finally:
        client.close()


@pytest.fixture
def binance_socket_manager(binance_exchange: Any, binance_client: Any) -> Iterator[Any]:
    """A started ``BinanceSocketManager`` whose sockets go to the exchange; closed after."""
    from binance.websockets import BinanceSocketManager
    manager = BinanceSocketManager(binance_client, tls_ca=binance_exchange.ca_file)
    manager.STREAM_URL = binance_exchange.stream_url
    manager.WS_API_URL = binance_exchange.ws_api_url
    manager.start()
    try:
        yield manager
    finally:
        manager.close()


@pytest.fixture
def binance_offline(binance_exchange: Any) -> Iterator[Any]:
    """The exchange, installed: ``Client()`` and new managers anywhere in the code go to it."""
    with binance_exchange.install():
        yield binance_exchange
