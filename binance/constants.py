"""The constants of :mod:`binance.enums`, under the name the English docs use.

::

    import binance.constants as bc
    bm.start_depth_socket('BNBBTC', process_message, depth=bc.WEBSOCKET_DEPTH_5)
"""
from binance.enums import *  # noqa: F401,F403
from binance.enums import __all__  # noqa: F401
