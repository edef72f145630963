"""The user stream's WebSocket API subscribe sequence, without I/O (binance/_streams/user_api.py)."""
import base64

import pytest
from cryptography.hazmat.primitives import serialization
from twisted.internet.task import Clock

from binance._streams.user_api import ApiSubscription, signed_params
from binance.client import Client
from binance.testing import make_key_pair
from binance.testing.streams_wsapi import sign, signature_payload


@pytest.fixture(scope='module')
def ed_pem():
    return make_key_pair('Ed25519')


def _run(client):
    clock = Clock()
    clock.advance(1700000000)
    sent, ready, failed = [], [], []
    sub = ApiSubscription(client, clock, lambda proto, req: sent.append(req), ready.append,
                          failed.append)
    sub.start(object())
    return sub, sent, ready, failed


def test_hmac_key_subscribes_by_signature():
    """An HMAC client sends userDataStream.subscribe.signature signed like Binance checks it."""
    client = Client('k', 's', sync_clock=False)
    sub, sent, ready, _ = _run(client)
    assert [r['method'] for r in sent] == ['userDataStream.subscribe.signature']
    params = sent[0]['params']
    assert params['timestamp'] == 1700000000000 and params['signature'] == sign('s', params)
    assert sub.handle({'id': sent[0]['id'], 'status': 200, 'result': {'subscriptionId': 3}})
    assert ready == [3]


def test_ed25519_key_logs_on_then_subscribes(ed_pem):
    """An Ed25519 client sends session.logon (base64 signature) then userDataStream.subscribe."""
    client = Client('k', private_key=ed_pem[0], sync_clock=False)
    sub, sent, ready, _ = _run(client)
    logon = sent[0]
    assert logon['method'] == 'session.logon'
    public = serialization.load_pem_public_key(ed_pem[1].encode())
    public.verify(base64.b64decode(logon['params']['signature']),
                  signature_payload(logon['params']).encode())
    sub.handle({'id': logon['id'], 'status': 200, 'result': {'apiKey': 'k'}})
    assert sent[1] == {'id': sent[1]['id'], 'method': 'userDataStream.subscribe'}
    sub.handle({'id': sent[1]['id'], 'status': 200, 'result': {'subscriptionId': 0}})
    assert ready == [0]


def test_revoked_session_logs_on_again_once_then_fails(ed_pem):
    """An id-less 401 (session revoked) runs the sequence again; a second one fails the stream."""
    client = Client('k', private_key=ed_pem[0], sync_clock=False)
    sub, sent, ready, failed = _run(client)
    revoked = {'id': None, 'status': 401, 'error': {'code': -2015, 'msg': 'Invalid API-key'}}
    assert sub.handle(revoked)
    assert [r['method'] for r in sent] == ['session.logon', 'session.logon']
    sub.handle(revoked)
    assert failed and '-2015' in failed[0]


def test_timestamp_refusal_measures_the_time_and_tries_once_more():
    """-1021 sends `time`, records the offset, and subscribes again; a second -1021 fails."""
    client = Client('k', 's')
    sub, sent, ready, failed = _run(client)
    stale = {'status': 400, 'error': {'code': -1021, 'msg': 'outside of the recvWindow'}}
    sub.handle(dict(stale, id=sent[0]['id']))
    assert sent[1]['method'] == 'time'
    sub.handle({'id': sent[1]['id'], 'status': 200, 'result': {'serverTime': 1700000030000}})
    assert client.timestamp_offset == 30000
    assert sent[2]['params']['timestamp'] == 1700000030000
    sub.handle(dict(stale, id=sent[2]['id']))
    assert failed and 'code -1021' in failed[0] and not ready


def test_replies_of_others_are_left_alone():
    """Replies whose id the sequence did not send are not consumed."""
    sub, sent, _, _ = _run(Client('k', 's', sync_clock=False))
    assert not sub.handle({'id': 999, 'status': 200, 'result': {}})
    assert signed_params(Client('k', 's'), 5)['apiKey'] == 'k'
