"""The ``binance_*`` pytest fixtures under their first name.

The plugin itself is :mod:`binance._pytest_plugin`, which the ``pytest11``
entry point loads in every pytest run; it lives outside this package so that
loading it does not import the local exchange. A project that names this
module (``-p binance.testing.pytest_plugin``, ``pytest_plugins = [...]``)
gets the same fixtures and hooks.
"""
from binance._pytest_plugin import (MARKER, binance_client, binance_exchange, binance_offline,
                                    binance_socket_manager, pytest_configure, pytest_pyfunc_call,
                                    pytest_sessionfinish)

__all__ = ['MARKER', 'binance_exchange', 'binance_client', 'binance_socket_manager',
           'binance_offline', 'pytest_configure', 'pytest_pyfunc_call', 'pytest_sessionfinish']
