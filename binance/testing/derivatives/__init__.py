"""The local exchange's derivatives engine (USD-M futures today).

One engine, by composition: a :class:`~.market.FuturesMarket` is the
simulated books and matching engine, holding its contract definitions
(:mod:`.contract`), prices (:mod:`.prices`), accounts and positions
(:mod:`.ledger`), order desk (:mod:`.orders`) and Algo Service
(:mod:`.algo`). A second contract type is a new
:class:`~.contract.ContractKind`, not a copy of these modules.
"""
from binance.testing.derivatives.contract import (DEFAULT_FUTURES_BALANCES, FUTURES_SYMBOLS,
                                                  LINEAR, ContractKind, Contracts)
from binance.testing.derivatives.market import FuturesMarket

__all__ = ['FuturesMarket', 'Contracts', 'ContractKind', 'LINEAR', 'FUTURES_SYMBOLS',
           'DEFAULT_FUTURES_BALANCES']
