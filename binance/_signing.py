"""What a signed request signs, and how: the one home of Binance's signing rules.

Every signer and verifier of the package goes through this module: the REST
client (spot, futures, margin), the WebSocket API session, the user stream's
WebSocket API subscription, the public :func:`binance.websockets.ws_api_signature`,
and the local exchange's verifiers (REST and WebSocket API).

The payload (Binance "SIGNED Endpoint security" / "SIGNED request security"):

* **REST**: the query string followed without separator by the body, exactly
  as sent, *percent-encoded before signing* (enforced by Binance since
  2026-01-15: a payload signed before encoding gets ``-1022``). The client
  builds the query once (:func:`rest_query`), signs that text and sends that
  text, so the two cannot differ.
* **WebSocket API**: every parameter but ``signature``, sorted by name, as
  ``name=value`` joined with ``&``; values are the text sent on the wire,
  UTF-8, *not* percent-encoded (:func:`ws_api_payload`).

Values are written as they go on the wire (:func:`wire_text`): booleans as
``true``/``false``, everything else as its text; a list as a compact JSON
array. Key types:

* **HMAC** (deprecated by Binance): HMAC-SHA256 keyed with the secret; the
  signature is the lower-case hex digest (Binance compares it ignoring case).
* **RSA** (2048 or 4096 bits): RSASSA-PKCS1-v1_5 with SHA-256, base64.
* **Ed25519** (recommended; the only type ``session.logon`` accepts): base64.

A base64 signature contains ``+``, ``/`` and ``=``: in a REST query string it
is percent-encoded (:meth:`Signer.rest_signature`).

A :class:`Signer` holds the key material privately: its repr names the key
type only, and it cannot be pickled or copied. Loading keys from PEM is
:mod:`binance._keys`.
"""
import base64
import binascii
import hashlib
import hmac
import json
from typing import Any, Dict, Iterable, Mapping, Optional, Tuple
from urllib.parse import quote, urlencode

__all__ = ['Signer', 'HmacSigner', 'RsaSigner', 'Ed25519Signer', 'sign_payload',
           'wire_text', 'ws_api_payload', 'sign_ws_api_params', 'ws_api_signature',
           'rest_query', 'signed_rest_query', 'rest_payload_of', 'verify']


class Signer:
    """Signs payloads with one API key's secret or private key.

    :ivar key_type: ``'HMAC'``, ``'RSA'`` or ``'Ed25519'``.
    """

    key_type = ''

    def sign(self, payload: str) -> str:
        """The signature of ``payload`` (UTF-8) as Binance expects it: hex or base64."""
        raise NotImplementedError

    def rest_signature(self, payload: str) -> str:
        """The signature ready for a REST query string (base64 percent-encoded)."""
        return quote(self.sign(payload), safe='')

    def __repr__(self) -> str:
        return '<{} key_type={}>'.format(type(self).__name__, self.key_type)

    def __reduce__(self) -> Any:
        raise TypeError('a {} holds a secret and cannot be pickled or copied'.format(
            type(self).__name__))


class HmacSigner(Signer):
    """HMAC-SHA256 with the API secret (lower-case hex)."""

    key_type = 'HMAC'

    def __init__(self, secret: str) -> None:
        self.__secret = secret.encode('utf-8')

    def sign(self, payload: str) -> str:
        return hmac.new(self.__secret, payload.encode('utf-8'), hashlib.sha256).hexdigest()


class RsaSigner(Signer):
    """RSASSA-PKCS1-v1_5 with SHA-256 (base64)."""

    key_type = 'RSA'

    def __init__(self, key: Any) -> None:
        self.__key = key

    def sign(self, payload: str) -> str:
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import padding
        raw = self.__key.sign(payload.encode('utf-8'), padding.PKCS1v15(), hashes.SHA256())
        return base64.b64encode(raw).decode('ascii')


class Ed25519Signer(Signer):
    """Ed25519 (base64)."""

    key_type = 'Ed25519'

    def __init__(self, key: Any) -> None:
        self.__key = key

    def sign(self, payload: str) -> str:
        return base64.b64encode(self.__key.sign(payload.encode('utf-8'))).decode('ascii')


def sign_payload(secret: str, payload: str) -> str:
    """HMAC-SHA256 of ``payload`` keyed with ``secret``, as lower-case hex.

    ``payload`` is the percent-encoded query string followed by the request
    body, exactly as sent (Binance "SIGNED endpoint security").

    >>> sign_payload('NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j',
    ...              'symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1'
    ...              '&price=0.1&recvWindow=5000&timestamp=1499827319559')
    'c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71'
    """
    return HmacSigner(secret).sign(payload)


# ---------------------------------------------------------------- payloads


def wire_text(value: Any) -> str:
    """A parameter value as it is written on the wire and into a signature payload.

    >>> [wire_text(v) for v in (True, False, 5, 'BNBBTC', ['A', 'B'])]
    ['true', 'false', '5', 'BNBBTC', '["A","B"]']
    """
    if isinstance(value, bool):
        return 'true' if value else 'false'
    if isinstance(value, (list, tuple)):
        return json.dumps(list(value), separators=(',', ':'), ensure_ascii=False)
    return str(value)


def ws_api_payload(params: Mapping[str, Any]) -> str:
    """What a WebSocket API request signs: every parameter but ``signature``,
    sorted by name, as ``name=value`` joined with ``&`` (UTF-8, no percent-encoding).

    >>> ws_api_payload({'timestamp': 1, 'apiKey': 'k', 'test': True})
    'apiKey=k&test=true&timestamp=1'
    """
    return '&'.join('{}={}'.format(name, wire_text(params[name]))
                    for name in sorted(params) if name != 'signature')


def sign_ws_api_params(signer: Signer, api_key: Optional[str], now_ms: int,
                       params: Mapping[str, Any]) -> Dict[str, Any]:
    """``params`` plus ``apiKey``, ``timestamp`` and their ``signature`` (WebSocket API).

    ``params`` are the values as they go on the wire (already checked and
    formatted, see :func:`binance._client_params.encode_ws_params`).
    """
    signed = dict(params, apiKey=api_key, timestamp=now_ms)
    signed['signature'] = signer.sign(ws_api_payload(signed))
    return signed


def ws_api_signature(secret: str, params: Dict[str, Any]) -> str:
    """HMAC signature of a WebSocket API request's ``params`` with ``secret``.

    The values are checked and written exactly as
    :attr:`BinanceSocketManager.ws_api <binance.websockets.BinanceSocketManager.ws_api>`
    sends them (booleans ``true``/``false``, numbers in plain decimals, no
    exponent), so this gives the same signature as the wire.

    :raises ValueError: for a value the wire would refuse (e.g. ``quantity=-1``).
    """
    from binance._client_params import encode_ws_params
    encoded = encode_ws_params({k: v for k, v in params.items() if k != 'signature'})
    return HmacSigner(secret).sign(ws_api_payload(encoded))


def rest_query(pairs: Iterable[Tuple[str, str]]) -> str:
    """The percent-encoded query string of ``(name, value)`` pairs (UTF-8).

    This text is both what is sent and what is signed.

    >>> rest_query([('symbol', '１２'), ('side', 'BUY')])
    'symbol=%EF%BC%91%EF%BC%92&side=BUY'
    """
    return urlencode(list(pairs))


def signed_rest_query(signer: Signer, pairs: Iterable[Tuple[str, str]]) -> str:
    """:func:`rest_query` of ``pairs`` followed by ``&signature=`` and its signature."""
    query = rest_query(pairs)
    return query + '&signature=' + signer.rest_signature(query)


def _without_signature(text: str) -> str:
    if 'signature=' not in text:
        return text
    return '&'.join(part for part in text.split('&') if not part.startswith('signature='))


def rest_payload_of(query: str, body: str = '') -> str:
    """What a received REST request signed: its raw (still percent-encoded)
    query followed by its body, without the ``signature`` parameter."""
    return _without_signature(query) + _without_signature(body)


# ---------------------------------------------------------------- verifying


def verify(secret: Optional[str], public_key: Any, payload: bytes, signature: Any) -> bool:
    """Whether ``signature`` signs ``payload`` for an HMAC ``secret`` or a ``public_key``.

    HMAC signatures are compared ignoring case (Binance: they are not
    case-sensitive); RSA and Ed25519 ones are base64 and case-sensitive.
    """
    if not isinstance(signature, str):
        return False
    if secret is not None:
        expected = hmac.new(secret.encode('utf-8'), payload, hashlib.sha256).hexdigest()
        return hmac.compare_digest(expected.encode('ascii'),
                                   signature.lower().encode('utf-8', 'replace'))
    if public_key is None:
        return False
    try:
        raw = base64.b64decode(signature.encode('ascii'), validate=True)
    except (binascii.Error, ValueError, UnicodeEncodeError):
        return False
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric import ed25519
    try:
        if isinstance(public_key, ed25519.Ed25519PublicKey):
            public_key.verify(raw, payload)
        else:
            from cryptography.hazmat.primitives import hashes
            from cryptography.hazmat.primitives.asymmetric import padding
            public_key.verify(raw, payload, padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature:
        return False
    return True
