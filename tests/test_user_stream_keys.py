"""The user socket over the WebSocket API with each key type: logon, resubscribe, signatures."""
import pytest

from binance.testing import make_key_pair
from binance.websockets import BinanceSocketManager
from tests.support import wait_until


MODULE_EXCHANGE = {'tick': None, 'listen_keys': False}


@pytest.fixture(scope='module')
def ex(module_exchange):
    return module_exchange


@pytest.fixture(scope='module')
def accounts(ex):
    """Key type -> (api key, Client keyword arguments) of a funded account."""
    made = {'HMAC': ('user-hmac', {'api_secret': 'user-hmac-secret'})}
    ex.add_account('user-hmac', 'user-hmac-secret', {'BTC': '5', 'BNB': '500'})
    for kind in ('Ed25519', 'RSA'):
        private, public = make_key_pair(kind)
        ex.add_account('user-' + kind, public_key=public, balances={'BTC': '5', 'BNB': '500'})
        made[kind] = ('user-' + kind, {'private_key': private})
    return made


class Recorder(list):
    def __call__(self, msg):
        self.append(msg)

    def kinds(self):
        return [m.get('e') for m in list(self)]


def _start(ex, api_key, keys):
    client = ex.client(api_key=api_key, **keys)
    bm = BinanceSocketManager(client)
    bm.STREAM_URL, bm.WS_API_URL = ex.stream_url, ex.ws_api_url
    rec = Recorder()
    bm.start_user_socket(rec)
    bm.start()
    assert bm.wait_connected('user', timeout=10)
    return client, bm, rec


def _sessions(ex, api_key):
    """(logged-on key, subscribed keys) of each WebSocket API connection subscribed for api_key."""
    def read():
        found = []
        for conn in list(ex.streams._open):
            owners = set(conn.api_subscriptions.values())
            if api_key in owners:
                session = getattr(conn, 'api_session', None)
                found.append((getattr(session, 'api_key', None), owners))
        return found
    return ex.call(read)


def _order_event(ex, client, rec):
    """Place an order; wait for its executionReport on the user socket."""
    before = rec.kinds().count('executionReport')
    bid = ex.call(ex.market.book_ticker, 'BNBBTC')['bidPrice']
    client.order_limit_buy(symbol='BNBBTC', quantity=1, price=bid)
    wait_until(lambda: rec.kinds().count('executionReport') > before, message='executionReport')


@pytest.mark.parametrize('kind,logged_on', [('Ed25519', True), ('HMAC', False),
                                            ('RSA', False)])
def test_ed25519_logs_on_others_subscribe_by_signature(ex, accounts, kind, logged_on):
    """Ed25519: session.logon + userDataStream.subscribe; HMAC/RSA: subscribe.signature."""
    api_key, keys = accounts[kind]
    client, bm, rec = _start(ex, api_key, keys)
    try:
        sessions = _sessions(ex, api_key)
        assert sessions == [(api_key if logged_on else None, {api_key})]
        _order_event(ex, client, rec)
        assert 'error' not in rec.kinds()
    finally:
        bm.close()


@pytest.mark.parametrize('logout', [False, True], ids=['terminated', 'server-logout'])
def test_subscribes_again_after_event_stream_terminated(ex, accounts, logout):
    """eventStreamTerminated (and a server-side logout) make the socket subscribe again;
    the callback never sees the termination and keeps getting events."""
    api_key, keys = accounts['Ed25519']
    client, bm, rec = _start(ex, api_key, keys)
    try:
        assert ex.terminate_user_streams(api_key, logout=logout) == 1
        wait_until(lambda: _sessions(ex, api_key) == [(api_key, {api_key})],
                   message='a new logon subscription')
        _order_event(ex, client, rec)
        assert 'eventStreamTerminated' not in rec.kinds() and 'error' not in rec.kinds()
        assert ex.streams.connections.count('/ws-api/v3') >= 1
    finally:
        bm.close()


def test_signature_subscription_also_resubscribes(ex, accounts):
    """An HMAC subscription ended by the server is renewed with a new signature."""
    api_key, keys = accounts['HMAC']
    client, bm, rec = _start(ex, api_key, keys)
    try:
        ex.terminate_user_streams(api_key)
        wait_until(lambda: _sessions(ex, api_key) == [(None, {api_key})],
                   message='a new signature subscription')
        _order_event(ex, client, rec)
    finally:
        bm.close()


def test_subscription_refused_ends_the_stream_with_one_error(ex, accounts):
    """A key the exchange does not know ends the user socket with one error message."""
    private, _ = make_key_pair('Ed25519')
    client = ex.client(api_key='nobody-ed25519', private_key=private)
    bm = BinanceSocketManager(client)
    bm.STREAM_URL, bm.WS_API_URL = ex.stream_url, ex.ws_api_url
    rec = Recorder()
    bm.start_user_socket(rec)
    bm.start()
    try:
        wait_until(lambda: rec.kinds() == ['error'], message='the error message')
        assert '-2015' in rec[0]['m'] and 'user' not in bm.conn_keys
        assert private.splitlines()[1] not in rec[0]['m']
    finally:
        bm.close()
