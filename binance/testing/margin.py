"""Cross margin and the wallet transfers of the local exchange: :class:`MarginDesk`.

A cross margin account trades on the spot books of the
:class:`~binance.testing.market.Market`: the desk keeps, per API key, an
internal spot account (key ``'margin:' + api_key``) that holds the margin
wallet, so margin orders are matched, reported (``executionReport``,
``outboundAccountPosition``) and answered exactly as spot orders are. On top
of it the desk books loans (``/sapi/v1/margin/borrow-repay``), transfers
(``/sapi/v1/asset/transfer`` between spot, cross margin and the USD-M and
COIN-M wallets, and the older ``/sapi/v1/futures/transfer``) and listen tokens
(``/sapi/v1/userListenToken``) for the WebSocket API's
``userDataStream.subscribe.listenToken``.

Simplifications: no interest accrues, isolated margin accounts are not
simulated (their list is empty), and the most one can borrow is twice the
account's net asset value (3x margin) converted at the last prices.
Everything runs on the reactor thread.
"""
import secrets
from decimal import Decimal
from typing import Any, Dict, List, Optional, Tuple

from binance.testing.market_base import MarketError, fmt, missing, parse_decimal, parse_int, round8

__all__ = ['MarginDesk', 'margin_key', 'LISTEN_TOKEN_VALIDITY_MS']

ZERO = Decimal(0)
#: A listen token's default and longest life (24 hours).
LISTEN_TOKEN_VALIDITY_MS = 24 * 3600 * 1000
_TRANSFER_TYPES = ('MAIN_MARGIN', 'MARGIN_MAIN', 'MAIN_UMFUTURE', 'UMFUTURE_MAIN',
                   'MARGIN_UMFUTURE', 'UMFUTURE_MARGIN', 'MAIN_CMFUTURE', 'CMFUTURE_MAIN',
                   'MARGIN_CMFUTURE', 'CMFUTURE_MARGIN')
#: ``type`` of ``/sapi/v1/futures/transfer``: 1/2 spot and USD-M, 3/4 spot and COIN-M.
_LEGACY_TYPES = {'1': 'MAIN_UMFUTURE', '2': 'UMFUTURE_MAIN', '3': 'MAIN_CMFUTURE',
                 '4': 'CMFUTURE_MAIN'}


def margin_key(api_key: str) -> str:
    """The internal spot account that holds ``api_key``'s cross margin wallet."""
    return 'margin:' + api_key


class MarginDesk:
    """Cross margin accounts over ``market``, transfers with ``futures`` (see the module docs)."""

    def __init__(self, market: Any, futures: Any = None) -> None:
        self.market = market
        self.futures = futures
        #: the COIN-M market (the local exchange sets it), for ``*_CMFUTURE`` transfers
        self.coin_futures: Any = None
        self._borrowed: Dict[str, Dict[str, Decimal]] = {}
        self._loans: Dict[str, List[Dict[str, Any]]] = {}
        self._transfers: Dict[str, List[Dict[str, Any]]] = {}
        self._tokens: Dict[str, Tuple[str, int]] = {}
        self._bnb_burn: Dict[str, Dict[str, bool]] = {}
        self._tran_id = 100000000

    # -- accounts ---------------------------------------------------------------

    def _ensure(self, api_key: str) -> str:
        if self.market.key_type(api_key) is None:   # HMAC, RSA and Ed25519 keys alike
            raise MarketError(-2015, 'Invalid API-key, IP, or permissions for action.', 401)
        inner = margin_key(api_key)
        if self.market.key_type(inner) is None:
            self.market.add_account(inner, secrets.token_hex(16), {})
            self._borrowed[api_key] = {}
        return inner

    def _usdt_price(self, asset: str) -> Decimal:
        if asset in ('USDT', 'USDC', 'FDUSD'):
            return Decimal(1)
        names = self.market.symbols
        if asset + 'USDT' in names:
            return Decimal(self.market.ticker_price(asset + 'USDT')['price'])
        if asset + 'BTC' in names and 'BTCUSDT' in names:
            return Decimal(self.market.ticker_price(asset + 'BTC')['price']) * \
                self._usdt_price('BTC')
        return ZERO

    def _value(self, api_key: str) -> Tuple[Decimal, Decimal]:
        """``(total assets, total liabilities)`` of the margin account, in USDT."""
        inner = self._ensure(api_key)
        assets = sum(((f + l) * self._usdt_price(a) for a, b in
                      self.market.balances(inner).items() for f, l in [(b['free'], b['locked'])]),
                     ZERO)
        debts = sum((amount * self._usdt_price(a)
                     for a, amount in self._borrowed[api_key].items()), ZERO)
        return assets, debts

    def account(self, api_key: str) -> Dict[str, Any]:
        """``GET /sapi/v1/margin/account``."""
        inner = self._ensure(api_key)
        assets, debts = self._value(api_key)
        btc = self._usdt_price('BTC') or Decimal(1)
        rows = []
        borrowed = self._borrowed[api_key]
        names = set(self.market.balances(inner)) | set(borrowed)
        for asset in sorted(names):
            entry = self.market.balances(inner).get(asset, {'free': ZERO, 'locked': ZERO})
            debt = borrowed.get(asset, ZERO)
            rows.append({'asset': asset, 'borrowed': fmt(debt), 'free': fmt(entry['free']),
                         'interest': fmt(ZERO), 'locked': fmt(entry['locked']),
                         'netAsset': fmt(entry['free'] + entry['locked'] - debt)})
        level = round8(assets / debts) if debts else Decimal(999)
        return {'created': True, 'borrowEnabled': True, 'marginLevel': fmt(level),
                'collateralMarginLevel': fmt(level),
                'totalAssetOfBtc': fmt(round8(assets / btc)),
                'totalLiabilityOfBtc': fmt(round8(debts / btc)),
                'totalNetAssetOfBtc': fmt(round8((assets - debts) / btc)),
                'TotalCollateralValueInUSDT': fmt(round8(assets)),
                'totalOpenOrderLossInUsdt': fmt(ZERO), 'tradeEnabled': True,
                'transferInEnabled': True, 'transferOutEnabled': True,
                'accountType': 'MARGIN_1', 'userAssets': rows}

    def isolated_account(self, api_key: str, symbols: Any = None) -> Dict[str, Any]:
        """``GET /sapi/v1/margin/isolated/account``: no isolated accounts are simulated."""
        self._ensure(api_key)
        zero = fmt(ZERO)
        return {'assets': [], 'totalAssetOfBtc': zero, 'totalLiabilityOfBtc': zero,
                'totalNetAssetOfBtc': zero}

    # -- reference data ---------------------------------------------------------------

    def all_assets(self, asset: Any = None) -> List[Dict[str, Any]]:
        """``GET /sapi/v1/margin/allAssets``."""
        names = sorted({a for s in self.market.symbols for a in self._pair(s)})
        if not missing(asset):
            if asset not in names:
                raise MarketError(-3027, 'Not a valid margin asset.')
            names = [asset]
        return [{'assetFullName': name, 'assetName': name, 'isBorrowable': True,
                 'isMortgageable': True, 'userMinBorrow': '0.00000000',
                 'userMinRepay': '0.00000000', 'delistTime': None} for name in names]

    def _pair(self, symbol: str) -> Tuple[str, str]:
        spec = self.market.symbol_state(symbol).spec
        return spec.base, spec.quote

    def all_pairs(self, symbol: Any = None) -> List[Dict[str, Any]]:
        """``GET /sapi/v1/margin/allPairs``."""
        names = self.market.symbols if missing(symbol) else [
            self.market.symbol_state(symbol).spec.symbol]
        rows = []
        for index, name in enumerate(names):
            base, quote = self._pair(name)
            rows.append({'id': 351637150141315861 + index, 'symbol': name, 'base': base,
                         'quote': quote, 'isMarginTrade': True, 'isBuyAllowed': True,
                         'isSellAllowed': True})
        return rows

    def isolated_pairs(self, api_key: str, symbol: Any = None) -> List[Dict[str, Any]]:
        """``GET /sapi/v1/margin/isolated/allPairs``."""
        self._ensure(api_key)
        return [{'symbol': row['symbol'], 'base': row['base'], 'quote': row['quote'],
                 'isMarginTrade': True, 'isBuyAllowed': True, 'isSellAllowed': True}
                for row in self.all_pairs(symbol)]

    def price_index(self, symbol: Any = None) -> Dict[str, Any]:
        """``GET /sapi/v1/margin/priceIndex``: the last price of the spot book."""
        price = self.market.ticker_price(symbol)
        return {'calcTime': self.market.now_ms(), 'price': price['price'],
                'symbol': price['symbol']}

    def bnb_burn(self, api_key: str, spotBNBBurn: Any = None,
                 interestBNBBurn: Any = None) -> Dict[str, bool]:
        """``POST``/``GET /sapi/v1/bnbBurn``."""
        self._ensure(api_key)
        state = self._bnb_burn.setdefault(api_key, {'spotBNBBurn': False,
                                                    'interestBNBBurn': False})
        for name, value in (('spotBNBBurn', spotBNBBurn), ('interestBNBBurn', interestBNBBurn)):
            if not missing(value):
                state[name] = str(value).lower() == 'true'
        return dict(state)

    # -- transfers and loans ------------------------------------------------------------

    def move_funds(self, source: Any, target: Any, asset: str, amount: Decimal) -> None:
        """Move ``amount`` between wallets: spot keys, margin keys or ``('futures', key)``."""
        def derivatives(owner: Any) -> Any:   # ('futures', key) USD-M, ('coin', key) COIN-M
            return (self.futures if owner[0] == 'futures' else self.coin_futures).ledger.account(
                owner[1])

        def wallet(owner: Any) -> List[Decimal]:
            if isinstance(owner, tuple):
                account = derivatives(owner)
                return [account.wallet.get(asset, ZERO), ZERO]
            return self.market.account_of(owner).balance(asset)
        have = wallet(source)[0]
        if amount > have:
            # Binance's exact code for an overdrawn universal transfer was not found in its docs
            raise MarketError(-3020, 'Transfer out amount exceeds max amount.')
        for owner, delta in ((source, -amount), (target, amount)):
            if isinstance(owner, tuple):
                account = derivatives(owner)
                account.wallet[asset] = account.wallet.get(asset, ZERO) + delta
            else:
                acc = self.market.account_of(owner)
                with self.market.transaction():
                    acc.balance(asset)[0] += delta
                    self.market.balance_changed(acc, asset)

    def _owner(self, api_key: str, side: str) -> Any:
        if side == 'MAIN':
            return api_key
        if side == 'MARGIN':
            return self._ensure(api_key)
        if side == 'CMFUTURE':
            if self.coin_futures is None:
                raise MarketError(-1002, 'You are not authorized to execute this request.')
            return ('coin', api_key)
        if self.futures is None:
            raise MarketError(-1002, 'You are not authorized to execute this request.')
        return ('futures', api_key)

    def universal_transfer(self, api_key: str, type: Any = None, asset: Any = None,
                           amount: Any = None, fromSymbol: Any = None,
                           toSymbol: Any = None) -> Dict[str, int]:
        """``POST /sapi/v1/asset/transfer`` for spot, cross margin and USD-M."""
        self._ensure(api_key)
        if type not in _TRANSFER_TYPES:
            raise MarketError(-1130, 'Invalid data sent for a parameter.')
        if missing(asset):
            raise MarketError(-1102, "Mandatory parameter 'asset' was not sent, was empty/null, "
                                     "or malformed.")
        value = parse_decimal('amount', amount)
        source, target = type.split('_')
        self.move_funds(self._owner(api_key, source), self._owner(api_key, target), asset, value)
        self._tran_id += 1
        self._transfers.setdefault(api_key, []).append({
            'asset': asset, 'tranId': self._tran_id, 'amount': fmt(value),
            'type': {v: k for k, v in _LEGACY_TYPES.items()}.get(type, type),
            'timestamp': self.market.now_ms(), 'status': 'CONFIRMED'})
        return {'tranId': self._tran_id}

    def futures_transfer(self, api_key: str, asset: Any = None, amount: Any = None,
                         type: Any = None) -> Dict[str, int]:
        """``POST /sapi/v1/futures/transfer``: type 1 spot to USD-M, 2 USD-M to spot,
        3 spot to COIN-M, 4 COIN-M to spot."""
        if str(type) not in _LEGACY_TYPES:
            raise MarketError(-1130, 'Invalid data sent for a parameter.')
        return self.universal_transfer(api_key, _LEGACY_TYPES[str(type)], asset, amount)

    def transfers_of(self, api_key: str) -> List[Dict[str, Any]]:
        """The universal transfers of ``api_key``'s account, oldest first."""
        return self._transfers.get(api_key, [])

    def futures_transfer_history(self, api_key: str, asset: Any = None, startTime: Any = None,
                                 endTime: Any = None, current: Any = None,
                                 size: Any = None) -> Dict[str, Any]:
        """``GET /sapi/v1/futures/transfer``."""
        self._ensure(api_key)
        start = parse_int('startTime', startTime)
        rows = [r for r in self._transfers.get(api_key, []) if r['type'] in _LEGACY_TYPES
                and r['asset'] == asset and r['timestamp'] >= start]
        return {'rows': rows, 'total': len(rows)}

    def max_borrowable(self, api_key: str, asset: Any = None) -> Dict[str, str]:
        """``GET /sapi/v1/margin/maxBorrowable``: twice the net asset value, in ``asset``."""
        self._ensure(api_key)
        price = self._usdt_price(asset) if not missing(asset) else ZERO
        if not price:
            raise MarketError(-3027, 'Not a valid margin asset.')
        assets, debts = self._value(api_key)
        room = max(ZERO, (assets - debts) * 2 - debts)
        return {'amount': fmt(round8(room / price)), 'borrowLimit': fmt(round8(room / price))}

    def max_transferable(self, api_key: str, asset: Any = None) -> Dict[str, str]:
        """``GET /sapi/v1/margin/maxTransferable``: the free amount not backing a loan."""
        inner = self._ensure(api_key)
        free = self.market.balances(inner).get(asset, {'free': ZERO})['free']
        return {'amount': fmt(max(ZERO, free - self._borrowed[api_key].get(asset, ZERO)))}

    def borrow_repay(self, api_key: str, asset: Any = None, isIsolated: Any = None,
                     symbol: Any = None, amount: Any = None, type: Any = None) -> Dict[str, int]:
        """``POST /sapi/v1/margin/borrow-repay`` (cross margin only)."""
        inner = self._ensure(api_key)
        if str(isIsolated).upper() == 'TRUE':
            raise MarketError(-3052, 'The isolated margin account does not exist.')
        if type not in ('BORROW', 'REPAY'):
            raise MarketError(-1130, 'Invalid data sent for a parameter.')
        value = parse_decimal('amount', amount)
        borrowed = self._borrowed[api_key]
        if type == 'BORROW':
            if value > Decimal(self.max_borrowable(api_key, asset)['amount']):
                raise MarketError(-3006, 'Your borrow amount has exceed maximum borrow amount.')
            borrowed[asset] = borrowed.get(asset, ZERO) + value
            self._move_in(inner, asset, value)
        else:
            debt = borrowed.get(asset, ZERO)
            if value > debt:  # no loan at all included (Binance's REPAY_EXCEED_LIABILITY)
                raise MarketError(-3015, 'Repay amount exceeds borrow amount.')
            free = self.market.balances(inner).get(asset, {'free': ZERO})['free']
            if value > free:
                raise MarketError(-3041, 'Balance is not enough')
            borrowed[asset] = debt - value
            self._move_in(inner, asset, -value)
        self._tran_id += 1
        self._loans.setdefault(api_key, []).append({
            'type': type, 'isolatedSymbol': '', 'amount': fmt(value), 'asset': asset,
            'interest': fmt(ZERO), 'principal': fmt(value), 'status': 'CONFIRMED',
            'timestamp': self.market.now_ms(), 'txId': self._tran_id})
        return {'tranId': self._tran_id}

    def _move_in(self, inner: str, asset: str, delta: Decimal) -> None:
        account = self.market.account_of(inner)
        with self.market.transaction():
            account.balance(asset)[0] += delta
            self.market.balance_changed(account, asset)

    def loan_records(self, api_key: str, type: Any = None, asset: Any = None,
                     isolatedSymbol: Any = None, txId: Any = None, startTime: Any = None,
                     endTime: Any = None, current: Any = None,
                     size: Any = None) -> Dict[str, Any]:
        """``GET /sapi/v1/margin/borrow-repay``."""
        self._ensure(api_key)
        if type not in ('BORROW', 'REPAY'):
            raise MarketError(-1102, "Mandatory parameter 'type' was not sent, was empty/null, "
                                     "or malformed.")
        rows = [{k: v for k, v in r.items() if k != 'type'}
                for r in self._loans.get(api_key, []) if r['type'] == type
                and (missing(asset) or r['asset'] == asset)
                and (missing(txId) or str(r['txId']) == str(txId))]
        return {'rows': rows, 'total': len(rows)}

    # -- orders: the spot engine on the margin account ---------------------------------

    def place_order(self, api_key: str, isIsolated: Any = None, sideEffectType: Any = None,
                    **params: Any) -> Dict[str, Any]:
        """``POST /sapi/v1/margin/order`` (``NO_SIDE_EFFECT`` only: no auto-borrow)."""
        inner = self._ensure(api_key)
        if str(isIsolated).upper() == 'TRUE':
            raise MarketError(-3052, 'The isolated margin account does not exist.')
        if not missing(sideEffectType) and sideEffectType != 'NO_SIDE_EFFECT':
            raise MarketError(-1130, 'Invalid data sent for a parameter.')
        return dict(self.market.place_order(inner, **params), isIsolated=False)

    def inner(self, api_key: str) -> str:
        """The internal account key (for the REST handlers)."""
        return self._ensure(api_key)

    # -- listen tokens ---------------------------------------------------------------------

    def listen_token(self, api_key: str, symbol: Any = None, isIsolated: Any = None,
                     validity: Any = None) -> Dict[str, Any]:
        """``POST /sapi/v1/userListenToken`` (cross margin; isolated is not simulated)."""
        self._ensure(api_key)
        if str(isIsolated).lower() == 'true':
            raise MarketError(-3052, 'The isolated margin account does not exist.')
        life = LISTEN_TOKEN_VALIDITY_MS if missing(validity) else parse_int('validity', validity, 1)
        if life > LISTEN_TOKEN_VALIDITY_MS:
            raise MarketError(-1130, 'Invalid data sent for a parameter.')
        token = secrets.token_urlsafe(48)
        expires = self.market.now_ms() + life
        self._tokens[token] = (api_key, expires)
        return {'token': token, 'expirationTime': expires}

    def token_owner(self, token: Any) -> Optional[Tuple[str, int]]:
        """``(internal margin account key, expiration ms)`` of a valid token, else ``None``."""
        entry = self._tokens.get(token) if isinstance(token, str) else None
        if entry is None or entry[1] <= self.market.now_ms():
            return None
        return margin_key(entry[0]), entry[1]
