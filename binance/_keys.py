"""API key types: loading a private key (no I/O but reading a PEM file).

Binance accepts three kinds of API keys (see "API Key Types" and "SIGNED
Endpoint security" in Binance's Spot API docs):

* **HMAC** (deprecated by Binance): the secret key signs with HMAC-SHA256;
  the signature is the lower-case hex digest.
* **RSA** (2048 or 4096 bits): RSASSA-PKCS1-v1_5 with SHA-256; the signature
  is base64.
* **Ed25519** (recommended; the only type the WebSocket API's
  ``session.logon`` accepts): the signature is base64.

What is signed and how is :mod:`binance._signing`; this module turns the
``api_secret``/``private_key`` arguments into its :class:`Signer`. No error
raised here quotes the key or its password.
"""
import os
import re
from typing import Any, Optional, Union

# The signers and payload rules live in binance._signing; re-exported here
# for the code that imported them from this module.
from binance._signing import Ed25519Signer, HmacSigner, RsaSigner, Signer, ws_api_payload

__all__ = ['Signer', 'HmacSigner', 'RsaSigner', 'Ed25519Signer', 'load_signer',
           'load_private_key', 'ws_api_payload', 'KEY_TYPES']

#: The key types, as :attr:`Signer.key_type` names them.
KEY_TYPES = ('HMAC', 'RSA', 'Ed25519')
#: RSA key sizes Binance accepts.
RSA_KEY_SIZES = (2048, 4096)

PrivateKeyArg = Union[str, bytes, 'os.PathLike[str]', Any]

# One PEM block: its BEGIN line, its body (headers of an encrypted legacy key
# included) and the END line of the same label.
_PEM_BLOCK_RE = re.compile(rb'-----BEGIN ([A-Z0-9 ]{1,64})-----.*?-----END \1-----', re.S)
_PEM_BEGIN = b'-----BEGIN '


def _check_one_pem(data: bytes) -> None:
    """Refuse PEM data that is not exactly one block (whitespace around it allowed).

    cryptography reads the first private key of the data and ignores the
    rest, so two concatenated keys, or junk before or after a key, would be
    used silently. The messages name counts and positions only, never the content.
    """
    begins = data.count(_PEM_BEGIN)
    if begins > 1:
        raise ValueError('private_key holds {} PEM blocks; give exactly one private key per '
                         'argument (one "-----BEGIN ... PRIVATE KEY-----" ... "-----END ... '
                         'PRIVATE KEY-----" block)'.format(begins))
    match = _PEM_BLOCK_RE.search(data)
    if match is None:
        return  # no complete block: cryptography's error says it is no PEM private key
    before, after = data[:match.start()].strip(), data[match.end():].strip()
    if before or after:
        raise ValueError('private_key has {} outside its PEM block ({} bytes); give exactly '
                         'one key, from "-----BEGIN" to the "-----END ...-----" line'.format(
                             ' and '.join(where for where, extra in (
                                 ('text before', before), ('text after', after)) if extra),
                             len(before) + len(after)))


def _shown_path(path: str) -> str:
    """``path`` quoted for an error message, unless it may be a secret.

    A string that is neither PEM text nor a readable file may be key material
    pasted without its PEM header, or an HMAC secret given as ``private_key``:
    it is shown only when it looks like a path (a ``.pem``/``.key`` name, or
    its folder exists).
    """
    folder = os.path.dirname(path)
    if path.lower().endswith(('.pem', '.key', '.txt')) or (folder and os.path.isdir(folder)):
        return repr(path)
    return '(not shown: {} characters, neither PEM text nor the path of a file)'.format(
        len(path))


def _pem_bytes(private_key: Any) -> bytes:
    """The PEM bytes of ``private_key`` given as PEM text, PEM bytes or a file path."""
    if isinstance(private_key, bytes):
        return private_key
    if isinstance(private_key, str) and '-----BEGIN' in private_key:
        return private_key.encode('ascii', 'replace')
    if isinstance(private_key, (str, os.PathLike)):
        path = os.fspath(private_key)
        if not path:
            raise ValueError('private_key must not be empty: give PEM text, PEM bytes or the '
                             'path of a PEM file')
        try:
            with open(path, 'rb') as f:
                return f.read()
        except OSError as exc:
            raise ValueError('private_key: cannot read the PEM file {} ({}); give PEM text, '
                             'PEM bytes or the path of a readable PEM file'.format(
                                 _shown_path(path), exc.strerror or type(exc).__name__)
                             ) from None
    raise TypeError('private_key must be PEM text (str), PEM bytes or a path to a PEM file, '
                    'not {}'.format(type(private_key).__name__))


def load_private_key(private_key: PrivateKeyArg, password: Optional[Union[str, bytes]] = None
                     ) -> Any:
    """Load an Ed25519 or RSA private key (PEM, PKCS#8, encrypted or not).

    :param private_key: PEM text, PEM bytes, a path to a PEM file, or a key
        object of :mod:`cryptography` (``Ed25519PrivateKey``/``RSAPrivateKey``).
    :param password: the password of an encrypted key.
    :returns: the :mod:`cryptography` private key object.
    :raises ValueError: for a wrong or missing password, a file that cannot be
        read, text that is not a PEM private key, more than one PEM block or
        text around the block, or a key type/size Binance does not accept.
        The message never contains the key or the password.
    :raises TypeError: for arguments of the wrong type.
    """
    try:
        from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
        from cryptography.hazmat.primitives.serialization import load_pem_private_key
    except ImportError:  # pragma: no cover - cryptography is a dependency
        raise ImportError('Ed25519 and RSA API keys need the cryptography package: '
                          'pip install cryptography') from None
    if password is not None and not isinstance(password, (str, bytes)):
        raise TypeError('private_key_pass must be a str, bytes or None, not {}'.format(
            type(password).__name__))
    key: Any
    if isinstance(private_key, (ed25519.Ed25519PrivateKey, rsa.RSAPrivateKey)):
        key = private_key
    else:
        data = _pem_bytes(private_key)
        _check_one_pem(data)
        secret = password.encode('utf-8') if isinstance(password, str) else password
        try:
            key = load_pem_private_key(data, password=secret or None)
        except TypeError:  # cryptography: a password missing, or given for a plain key
            if secret is None:
                raise ValueError('private_key is encrypted: give its password as '
                                 'private_key_pass') from None
            raise ValueError('private_key is not encrypted but private_key_pass was given; '
                             'leave private_key_pass out') from None
        except ValueError as exc:
            text = str(exc).lower()
            # a wrong password sometimes decrypts to bytes with valid padding that are no
            # key (about 1 in 256 for AES-CBC): for an encrypted block it is still the password
            if secret is not None and ('password' in text or 'decrypt' in text
                                       or b'ENCRYPTED' in data):
                raise ValueError('private_key could not be decrypted: wrong '
                                 'private_key_pass') from None
            raise ValueError('private_key is not a usable PEM private key (expected an '
                             'Ed25519 or RSA key, "-----BEGIN PRIVATE KEY-----" or '
                             '"-----BEGIN ENCRYPTED PRIVATE KEY-----")') from None
        except Exception as exc:  # cryptography raises UnsupportedAlgorithm for some keys
            raise ValueError('private_key could not be loaded ({}); Binance accepts Ed25519 '
                             'and RSA keys'.format(type(exc).__name__)) from None
    if isinstance(key, rsa.RSAPrivateKey):
        if key.key_size not in RSA_KEY_SIZES:
            raise ValueError('private_key is a {}-bit RSA key; Binance accepts RSA keys of {} '
                             'bits (or use an Ed25519 key)'.format(
                                 key.key_size, ' or '.join(str(s) for s in RSA_KEY_SIZES)))
        return key
    if isinstance(key, ed25519.Ed25519PrivateKey):
        return key
    raise ValueError('private_key is a {} key; Binance accepts Ed25519 and RSA keys '
                     '(Ed25519 recommended)'.format(type(key).__name__.replace('PrivateKey', '')
                                                    .lstrip('_')))


def load_signer(api_secret: Optional[str] = None, private_key: Optional[PrivateKeyArg] = None,
                private_key_pass: Optional[Union[str, bytes]] = None) -> Optional[Signer]:
    """The :class:`Signer` for a secret (HMAC) or a private key (Ed25519/RSA), or ``None``.

    :raises ValueError: when both a secret and a private key are given, a
        password without a key, or a key that cannot be used (see
        :func:`load_private_key`).
    """
    if private_key is None or (isinstance(private_key, (str, bytes)) and not private_key):
        if private_key_pass is not None:
            raise ValueError('private_key_pass was given without a private_key')
        if private_key is not None:
            raise ValueError('private_key must not be empty: give PEM text, PEM bytes or the '
                             'path of a PEM file')
        if isinstance(api_secret, (str, bytes)) and \
                ('-----BEGIN' in api_secret if isinstance(api_secret, str)
                 else b'-----BEGIN' in api_secret):
            raise ValueError('api_secret is a PEM key, not an HMAC secret: give an Ed25519 or '
                             'RSA private key as private_key=... (and its password as '
                             'private_key_pass=...)')
        return HmacSigner(api_secret) if api_secret else None
    if api_secret:
        raise ValueError('give either api_secret (an HMAC key) or private_key (an Ed25519 or '
                         'RSA key), not both')
    key = load_private_key(private_key, private_key_pass)
    from cryptography.hazmat.primitives.asymmetric import ed25519
    if isinstance(key, ed25519.Ed25519PrivateKey):
        return Ed25519Signer(key)
    return RsaSigner(key)
