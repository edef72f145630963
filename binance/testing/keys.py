"""API keys of the local exchange: key pairs for tests and signature checks.

Binance verifies a request's ``signature`` with the account's key:

* HMAC: HMAC-SHA256 hex digest keyed with the secret (compared ignoring
  case, as Binance says HMAC signatures are not case-sensitive);
* RSA: base64 of RSASSA-PKCS1-v1_5 / SHA-256, checked with the public key;
* Ed25519: base64 of the Ed25519 signature, checked with the public key.

An account registered with a public key (``public_key=`` of
:meth:`binance.testing.LocalExchange.add_account`) is an RSA or Ed25519
account; one registered with a secret is an HMAC account.

:func:`make_key_pair` gives a fresh private key (PEM, optionally encrypted)
and its public key, for your tests::

    from binance.testing import LocalExchange, make_key_pair

    private_pem, public_pem = make_key_pair('Ed25519')
    with LocalExchange(tick=None) as ex:
        ex.add_account('my-ed25519-key', public_key=public_pem, balances={'BTC': '1'})
        client = ex.client(api_key='my-ed25519-key', private_key=private_pem)
        client.get_account()
"""
from typing import Any, Optional, Tuple, Union

from binance import _signing

__all__ = ['make_key_pair', 'load_public_key', 'verify', 'key_type_of']

KEY_TYPES = ('Ed25519', 'RSA')


def make_key_pair(key_type: str = 'Ed25519', password: Optional[Union[str, bytes]] = None,
                  rsa_bits: int = 2048) -> Tuple[str, str]:
    """A new ``(private key PEM, public key PEM)`` pair, PKCS#8 / SubjectPublicKeyInfo.

    :param key_type: ``'Ed25519'`` or ``'RSA'``.
    :param password: encrypt the private key PEM with it.
    :param rsa_bits: RSA key size (Binance accepts 2048 and 4096).
    """
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
    if key_type == 'Ed25519':
        key: Any = ed25519.Ed25519PrivateKey.generate()
    elif key_type == 'RSA':
        key = rsa.generate_private_key(public_exponent=65537, key_size=rsa_bits)
    else:
        raise ValueError("key_type must be 'Ed25519' or 'RSA', got {!r}".format(key_type))
    if password is None:
        encryption: Any = serialization.NoEncryption()
    else:
        secret = password.encode('utf-8') if isinstance(password, str) else password
        encryption = serialization.BestAvailableEncryption(secret)
    private_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                    encryption).decode('ascii')
    public_pem = key.public_key().public_bytes(
        serialization.Encoding.PEM,
        serialization.PublicFormat.SubjectPublicKeyInfo).decode('ascii')
    return private_pem, public_pem


def load_public_key(public_key: Any) -> Any:
    """An Ed25519 or RSA public key from PEM text/bytes (or a key object).

    :raises ValueError: for text that is no PEM public key, or another key type.
    """
    from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
    from cryptography.hazmat.primitives.serialization import load_pem_public_key
    if isinstance(public_key, (ed25519.Ed25519PublicKey, rsa.RSAPublicKey)):
        return public_key
    if isinstance(public_key, str):
        public_key = public_key.encode('ascii', 'replace')
    if not isinstance(public_key, bytes):
        raise TypeError('public_key must be PEM text or bytes ("-----BEGIN PUBLIC KEY-----"), '
                        'not {}'.format(type(public_key).__name__))
    try:
        key = load_pem_public_key(public_key)
    except Exception:
        raise ValueError('public_key is not a PEM public key ("-----BEGIN PUBLIC KEY-----")'
                         ) from None
    if isinstance(key, (ed25519.Ed25519PublicKey, rsa.RSAPublicKey)):
        return key
    raise ValueError('public_key must be an Ed25519 or RSA key, got {}'.format(
        type(key).__name__))


def key_type_of(public_key: Any) -> str:
    """``'Ed25519'`` or ``'RSA'`` for a loaded public key."""
    from cryptography.hazmat.primitives.asymmetric import ed25519
    return 'Ed25519' if isinstance(public_key, ed25519.Ed25519PublicKey) else 'RSA'


def verify(secret: Optional[str], public_key: Any, payload: bytes, signature: Any) -> bool:
    """Whether ``signature`` signs ``payload`` for an HMAC ``secret`` or a ``public_key``
    (Binance's rules, :func:`binance._signing.verify`)."""
    return _signing.verify(secret, public_key, payload, signature)
