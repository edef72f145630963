"""Ed25519 and RSA API keys: loading, signing, and the local exchange verifying them."""
import base64
import logging
from urllib.parse import parse_qsl, unquote, urlsplit

import pytest
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from binance._keys import load_signer
from binance.client import Client
from binance.exceptions import BinanceAPIException
from binance.testing import make_key_pair
from tests.test_client import offline_client

PASSWORD = 'pa55-Word-Visible'

# Binance's RSA example payload (REST API docs, "SIGNED Endpoint Examples", RSA Keys).
RSA_PAYLOAD = ('symbol=BTCUSDT&side=SELL&type=LIMIT&timeInForce=GTC&quantity=1&price=0.2'
               '&timestamp=1668481559918&recvWindow=5000')


@pytest.fixture(scope='module')
def ed_pair():
    return make_key_pair('Ed25519')


@pytest.fixture(scope='module')
def ed_encrypted():
    private, public = make_key_pair('Ed25519', password=PASSWORD)
    return private, public


@pytest.fixture(scope='module')
def rsa_pair():
    return make_key_pair('RSA')


def _public(private_pem, password=None):
    key = serialization.load_pem_private_key(private_pem.encode(), password)
    return key.public_key()


def test_ed25519_signature_is_base64_of_the_payload_signature(ed_pair):
    """An Ed25519 key signs the payload bytes; the signature is base64 and verifies."""
    signer = load_signer(private_key=ed_pair[0])
    signature = signer.sign(RSA_PAYLOAD)
    _public(ed_pair[0]).verify(base64.b64decode(signature), RSA_PAYLOAD.encode())
    assert signer.key_type == 'Ed25519' and len(base64.b64decode(signature)) == 64


def test_rsa_signature_is_pkcs1v15_sha256_base64(rsa_pair):
    """An RSA key signs with RSASSA-PKCS1-v1_5 / SHA-256; the REST form is percent-encoded."""
    signer = load_signer(private_key=rsa_pair[0].encode())
    signature = signer.sign(RSA_PAYLOAD)
    _public(rsa_pair[0]).verify(base64.b64decode(signature), RSA_PAYLOAD.encode(),
                                padding.PKCS1v15(), hashes.SHA256())
    rest = signer.rest_signature(RSA_PAYLOAD)
    assert unquote(rest) == signature and not set('+/=') & set(rest)


def test_private_key_from_a_file_path_and_encrypted(tmp_path, ed_encrypted):
    """private_key may be a path to a PEM file; an encrypted key needs private_key_pass."""
    path = tmp_path / 'key.pem'
    path.write_text(ed_encrypted[0])
    for source in (str(path), path):
        signer = load_signer(private_key=source, private_key_pass=PASSWORD)
        _public(ed_encrypted[0], PASSWORD.encode()).verify(
            base64.b64decode(signer.sign('a=1')), b'a=1')


@pytest.mark.parametrize('kwargs,match', [
    ({'private_key_pass': 'wrong'}, 'wrong private_key_pass'),
    ({}, 'is encrypted: give its password'),
], ids=['wrong-password', 'no-password'])
def test_bad_password_fails_at_construction_without_leaking(ed_encrypted, kwargs, match):
    """A wrong or missing password raises ValueError in Client(); no secret in the message."""
    with pytest.raises(ValueError, match=match) as info:
        Client('key', private_key=ed_encrypted[0], **kwargs)
    assert PASSWORD not in str(info.value) and 'PRIVATE KEY' not in str(info.value)


#: A throwaway Ed25519 key encrypted with the password 'right', for which the wrong password
#: 'wrong29' happens to decrypt to bytes with valid padding that are no key (cryptography then
#: says "Could not deserialize key data", not "Bad decrypt"); about 1 wrong password in 256 does.
UNLUCKY_PEM = """-----BEGIN ENCRYPTED PRIVATE KEY-----
MIGjMF8GCSqGSIb3DQEFDTBSMDEGCSqGSIb3DQEFDDAkBBBxoUvHazHM3maDWz+u
LRcUAgIIADAMBggqhkiG9w0CCQUAMB0GCWCGSAFlAwQBKgQQEL+lpWz0sydMoYY+
G230zQRAE+FOkgBjRuCp/BfxiUREqMDV5QpGn1tO3dIq2qSxvG/Lk3NNE0FTNP9N
lPsq9eWbIYbBp2gjJN8eB3/H5vPUVw==
-----END ENCRYPTED PRIVATE KEY-----
"""


def test_a_wrong_password_that_decrypts_to_garbage_is_still_called_wrong():
    """A wrong password is named as such even when it decrypts to no key instead of failing to
    decrypt (the 1 in 256 case that made the random-key test above fail now and then)."""
    with pytest.raises(ValueError, match='wrong private_key_pass') as info:
        Client('key', private_key=UNLUCKY_PEM, private_key_pass='wrong29')
    assert 'wrong29' not in str(info.value) and 'PRIVATE KEY' not in str(info.value)
    assert load_signer(private_key=UNLUCKY_PEM, private_key_pass='right').key_type == 'Ed25519'


def _pem(key):
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()


@pytest.mark.parametrize('make,match', [
    (lambda: _pem(ec.generate_private_key(ec.SECP256R1())), 'Ed25519 and RSA'),
    (lambda: _pem(rsa.generate_private_key(public_exponent=65537, key_size=1024)),
     '1024-bit RSA'),
    (lambda: '-----BEGIN PRIVATE KEY-----\nnot base64\n-----END PRIVATE KEY-----\n',
     'not a usable PEM'),
    (lambda: '/no/such/dir/key.pem', 'cannot read the PEM file'),
], ids=['ecdsa', 'rsa-1024', 'garbage', 'missing-file'])
def test_unusable_keys_are_refused_before_any_request(make, match):
    """An EC key, a short RSA key, garbage or a missing file raise ValueError at construction."""
    with pytest.raises(ValueError, match=match):
        Client('key', private_key=make())


@pytest.mark.parametrize('pasted', ['body', 'hmac'])
def test_key_material_given_as_a_path_is_not_echoed(ed_pair, pasted):
    """A PEM body without its header, or an HMAC secret passed as private_key, is refused
    without repeating it in the error (it is neither PEM text nor a file)."""
    value = ''.join(ed_pair[0].splitlines()[1:-1]) if pasted == 'body' else 'Zk3' * 21 + 'q'
    with pytest.raises(ValueError, match='neither PEM text nor the path') as info:
        Client('key', private_key=value)
    assert value not in str(info.value) and value[:12] not in str(info.value)


def _secret_lines(pem):
    """The base64 lines of a PEM block (the key material)."""
    return [line for line in pem.splitlines() if line and not line.startswith('-----')]


@pytest.mark.parametrize('arrange, match', [
    (lambda a, b: a + b, 'holds 2 PEM blocks'),
    (lambda a, b: a + '\n' + b, 'holds 2 PEM blocks'),
    (lambda a, b: 'my key:\n' + a, 'text before'),
    (lambda a, b: a + 'trailing junk\n', 'text after'),
    (lambda a, b: 'x' + a + 'y', 'text before and text after'),
], ids=['two-keys', 'two-keys-newline', 'junk-before', 'junk-after', 'junk-both'])
@pytest.mark.parametrize('form', ['str', 'bytes', 'file'])
def test_exactly_one_pem_key_per_argument(ed_pair, rsa_pair, tmp_path, arrange, match, form):
    """Two concatenated PEM keys, or text before or after the key, are refused at
    construction (cryptography would silently use the first key) without quoting the key."""
    text = arrange(ed_pair[0], rsa_pair[0])
    if form == 'bytes':
        value = text.encode()
    elif form == 'file':
        value = tmp_path / 'key.pem'
        value.write_text(text)
    else:
        value = text
    with pytest.raises(ValueError, match=match) as info:
        Client('key', private_key=value)
    message = str(info.value)
    assert not any(line in message for line in _secret_lines(ed_pair[0]) + _secret_lines(rsa_pair[0]))
    assert 'my key' not in message and 'junk' not in message


def test_one_pem_key_with_surrounding_whitespace_is_accepted(ed_pair):
    """Blank lines and spaces around the one PEM block are not junk."""
    assert Client('key', private_key='\n  ' + ed_pair[0] + '\n\n').key_type == 'Ed25519'


def test_a_missing_pem_file_is_named_in_the_error(tmp_path):
    """A path that looks like one (a .pem name, an existing folder) is named in the error."""
    for path in (str(tmp_path / 'missing.pem'), str(tmp_path / 'missing')):
        with pytest.raises(ValueError, match='cannot read the PEM file') as info:
            Client('key', private_key=path)
        assert repr(path) in str(info.value)


def test_a_pem_key_given_as_api_secret_is_refused_naming_private_key(ed_pair):
    """Client(key, <PEM private key>) says to pass it as private_key= instead of signing
    with it as an HMAC secret (which Binance would refuse with -1022 later)."""
    with pytest.raises(ValueError, match='private_key=') as info:
        Client('key', ed_pair[0])
    assert ed_pair[0].splitlines()[1] not in str(info.value)


def test_secret_and_private_key_together_or_bad_types_are_refused(ed_pair):
    """Both api_secret and private_key, a password alone, or a non-PEM type are refused."""
    with pytest.raises(ValueError, match='not both'):
        Client('key', 'secret', private_key=ed_pair[0])
    with pytest.raises(ValueError, match='without a private_key'):
        Client('key', 'secret', private_key_pass='x')
    with pytest.raises(TypeError, match='private_key must be PEM'):
        Client('key', private_key=12)


def test_key_material_never_in_repr_or_logs(ed_encrypted, caplog):
    """Reprs of client and signer and the client's log lines never show the key or password."""
    caplog.set_level(logging.DEBUG)
    client, adapter = offline_client('visible-api-key', private_key=ed_encrypted[0],
                                     private_key_pass=PASSWORD)
    client.get_account()
    shown = repr(client) + repr(client._signer) + caplog.text
    body = ed_encrypted[0].splitlines()[1]
    assert 'Ed25519' in repr(client)
    for secret in (PASSWORD, body, 'visible-api-key'):
        assert secret not in shown
    with pytest.raises(TypeError):
        import copy
        copy.deepcopy(client._signer)


def test_rest_request_carries_url_encoded_signature_over_the_query(rsa_pair):
    """A signed REST call signs the percent-encoded query and sends the base64 URL-encoded."""
    client, adapter = offline_client('key', private_key=rsa_pair[0])
    client.get_all_orders(symbol='BNBBTC', limit=5)
    query = urlsplit(adapter.requests[-1].url).query
    payload, _, signature = query.partition('&signature=')
    assert '%' in signature and not set('+/=') & set(signature)
    _public(rsa_pair[0]).verify(base64.b64decode(unquote(signature)), payload.encode(),
                                padding.PKCS1v15(), hashes.SHA256())
    assert dict(parse_qsl(payload))['symbol'] == 'BNBBTC'


# -- against the local exchange ---------------------------------------------------------


@pytest.mark.parametrize('kind', ['Ed25519', 'RSA'])
def test_local_exchange_verifies_public_key_accounts(exchange, kind, ed_pair, rsa_pair):
    """An account registered with a public key trades with the matching private key over REST."""
    private, public = ed_pair if kind == 'Ed25519' else rsa_pair
    exchange.add_account('pk-' + kind, public_key=public, balances={'BTC': '1', 'BNB': '50'})
    client = exchange.client(api_key='pk-' + kind, private_key=private)
    assert client.key_type == kind
    ask = client.get_order_book(symbol='BNBBTC', limit=5)['asks'][-1][0]
    order = client.order_limit_sell(symbol='BNBBTC', quantity='1', price=ask)
    assert client.get_order(symbol='BNBBTC', orderId=order['orderId'])['status'] == 'NEW'
    balances = {b['asset']: b for b in client.get_account()['balances']}
    assert balances['BNB']['locked'] == '1.00000000'


def test_local_exchange_refuses_a_signature_from_another_key(exchange, ed_pair):
    """A signature made with a different private key is refused with -1022."""
    exchange.add_account('pk-other', public_key=ed_pair[1])
    intruder, _ = make_key_pair('Ed25519')
    client = exchange.client(api_key='pk-other', private_key=intruder)
    with pytest.raises(BinanceAPIException) as info:
        client.get_account()
    assert info.value.code == -1022


def test_local_exchange_refuses_unencoded_base64(exchange, ed_pair):
    """A base64 signature sent without percent-encoding ('+' read as space) is refused."""
    import requests
    exchange.add_account('pk-raw', public_key=ed_pair[1])
    signer = load_signer(private_key=ed_pair[0])
    for attempt in range(40):  # find a signature with a '+' in it
        query = 'timestamp={}&recvWindow=60000'.format(
            exchange.call(exchange.market.now_ms) - attempt)
        signature = signer.sign(query)
        if '+' in signature:
            break
    answer = requests.get(exchange.api_url + '/v3/account?' + query + '&signature=' + signature,
                          headers={'X-MBX-APIKEY': 'pk-raw'}, timeout=5)
    assert answer.status_code == 400 and answer.json()['code'] == -1022


def test_add_account_checks_its_key_arguments(exchange, ed_pair):
    """add_account needs exactly one of api_secret / public_key, and a usable public key."""
    with pytest.raises(ValueError, match='not both'):
        exchange.add_account('x', 'secret', public_key=ed_pair[1])
    with pytest.raises(ValueError, match='api_secret'):
        exchange.add_account('x')
    with pytest.raises(ValueError, match='PEM public key'):
        exchange.add_account('x', public_key='nope')
    small = rsa.generate_private_key(public_exponent=65537, key_size=1024).public_key()
    with pytest.raises(ValueError, match='2048 or 4096'):
        exchange.add_account('x', public_key=small)


def test_urllib3_debug_lines_hide_a_base64_signature(exchange, rsa_pair, caplog):
    """urllib3's DEBUG line of an RSA-signed GET masks the percent-encoded base64 signature."""
    from urllib.parse import quote
    exchange.add_account('pk-log', public_key=rsa_pair[1])
    client = exchange.client(api_key='pk-log', private_key=rsa_pair[0])
    client.get_open_orders()
    caplog.set_level(logging.DEBUG, logger='urllib3')
    client.get_account()
    signature = exchange.requests[-1].params['signature']
    lines = [r.getMessage() for r in caplog.records if r.name == 'urllib3.connectionpool']
    assert any('/api/v3/account?' in line and 'signature=<redacted>' in line for line in lines)
    assert quote(signature, safe='') not in caplog.text and signature[:20] not in caplog.text
