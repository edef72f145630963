"""The code blocks of the original websockets docs (English and Japanese) run unchanged.

Every ``.. code:: python`` block of both seed documents is executed in one
namespace, in document order, against the local exchange
(``with exchange.install():`` and ``client = exchange.client()``). Two
mechanical fixes only:

* the error-handling block has ``if``/``else`` branches holding only
  comments; a ``pass`` is inserted into each so it compiles;
* the block that only *defines* ``process_message`` runs before the first
  block that uses it (the docs show usage first, a reader defines the
  callback first).

The last block calls ``reactor.stop()``, so each document runs in a child
process: that also checks the documented way to end a program works.
The callbacks defined by the blocks are wrapped to record what they receive;
the parent asserts each socket's callback got its stream's messages.
"""
import ast
import json
import os
import re
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / 'tests' / 'seeds'   # copies of ../shared/seeds (test_seed_copies_are_current)
CALLBACK_NAMES = ('process_message', 'process_m_message')


# -- extracting the blocks ---------------------------------------------------------

def seed_files():
    files = sorted(SEEDS.glob('*.txt'))
    assert files, 'the seed documents are missing from {}'.format(SEEDS)
    return files


def extract_blocks(text):
    """The bodies of the ``.. code:: python`` directives of a reST document, dedented."""
    lines = text.splitlines()
    blocks = []
    i = 0
    while i < len(lines):
        if re.match(r'^\s*\.\. code(-block)?:: python\s*$', lines[i]):
            indent = len(lines[i]) - len(lines[i].lstrip())
            i += 1
            body = []
            while i < len(lines):
                line = lines[i]
                if line.strip() and len(line) - len(line.lstrip()) <= indent:
                    break
                body.append(line)
                i += 1
            blocks.append(textwrap.dedent('\n'.join(body)).strip('\n') + '\n')
        else:
            i += 1
    return blocks


def fill_empty_branches(code):
    """Insert ``pass`` into branches whose body is only comments (the one documented fix)."""
    try:
        ast.parse(code)
        return code
    except SyntaxError:
        pass
    lines = code.split('\n')
    out = []
    for n, line in enumerate(lines):
        out.append(line)
        stripped = line.strip()
        if stripped.endswith(':') and not stripped.startswith('#'):
            indent = len(line) - len(line.lstrip())
            rest = [l for l in lines[n + 1:] if l.strip()]
            body = []
            for l in rest:
                if len(l) - len(l.lstrip()) <= indent:
                    break
                body.append(l)
            if body and all(l.strip().startswith('#') for l in body):
                out.append(' ' * (len(body[0]) - len(body[0].lstrip())) + 'pass')
    fixed = '\n'.join(out)
    ast.parse(fixed)
    return fixed


def _defines_only(code):
    tree = ast.parse(code)
    if tree.body and all(isinstance(node, ast.FunctionDef) for node in tree.body):
        return {node.name for node in tree.body}
    return set()


def _loads(code):
    return {node.id for node in ast.walk(ast.parse(code))
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)}


def _assigned(code):
    names = set()
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, ast.FunctionDef):
            names.add(node.name)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
    return names


def ordered_blocks(text):
    """Blocks in document order, with definition-only blocks moved before their first use."""
    blocks = [fill_empty_branches(b) for b in extract_blocks(text)]
    order = list(range(len(blocks)))
    for j, block in enumerate(blocks):
        defined = _defines_only(block)
        if not defined:
            continue
        known = set()
        for pos, i in enumerate(order):
            if i == j:
                break
            if (_loads(blocks[i]) & defined) - known:
                order.remove(j)
                order.insert(pos, j)
                break
            known |= _assigned(blocks[i])
    return [blocks[i] for i in order]


def test_every_block_is_found_and_compiles():
    """Both documents yield their 14 code blocks, each valid Python after the mechanical fix."""
    for path in seed_files():
        blocks = ordered_blocks(path.read_text(encoding='utf-8'))
        assert len(blocks) == 14, path.name
        assert 'def process_message' in blocks[0]
        assert blocks[-1].rstrip().endswith('reactor.stop()')
        assert sum(bool(re.search(r'^\s*pass\s*$', b, re.M)) for b in blocks) == 1


# -- running them (parent) -----------------------------------------------------------

def run_document(path, report):
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get('PYTHONPATH', ''))
    return subprocess.Popen([sys.executable, __file__, str(path), str(report)], cwd=str(ROOT),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)


@pytest.fixture(scope='module')
def results(tmp_path_factory):
    """Run both documents in parallel child processes; collect their reports."""
    tmp = tmp_path_factory.mktemp('seeds')
    procs = []
    for path in seed_files():
        report = tmp / (path.stem + '.json')
        procs.append((path, report, run_document(path, report), time.monotonic()))
    out = {}
    for path, report, proc, started in procs:
        try:
            stdout, stderr = proc.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            stdout, stderr = proc.communicate()
            pytest.fail('{} did not exit after reactor.stop(): {}'.format(
                path.name, stderr.decode(errors='replace')[-3000:]))
        out[path.name] = {
            'returncode': proc.returncode,
            'stdout': stdout.decode('utf-8', errors='replace'),
            'stderr': stderr.decode('utf-8', errors='replace'),
            'report': json.loads(report.read_text()) if report.exists() else None,
            'seconds': time.monotonic() - started,
        }
    return out


@pytest.fixture(params=[p.name for p in seed_files()])
def result(request, results):
    res = results[request.param]
    assert res['report'] is not None, res['stderr'][-3000:]
    return res


def got(report, key):
    """Messages recorded for socket ``key``: list of (callback name, version, message)."""
    return [(r['callback'], r['version'], r['msg']) for r in report['received']
            if r['key'] == key]


def test_document_runs_and_exits_after_reactor_stop(result):
    """The whole document runs; the final reactor.stop() ends the program with status 0."""
    assert result['returncode'] == 0, result['stderr'][-3000:]


def test_trade_socket_of_the_usage_block_prints_messages(result):
    """The first block's trade socket feeds the documented print callback."""
    report = result['report']
    (cb, version, msg), = got(report, 'bnbbtc@trade')
    assert cb == 'process_message' and version == 1 and msg['e'] == 'trade'
    assert 'message type: trade' in result['stdout']


def test_multiplex_socket_wraps_stream_and_data(result):
    """process_m_message receives {'stream': ..., 'data': ...} and prints both."""
    report = result['report']
    key = 'stream?streams=bnbbtc@aggTrade/neobtc@ticker'
    messages = got(report, key)
    assert messages and all(cb == 'process_m_message' for cb, _, _ in messages)
    streams = {msg['stream'] for _, _, msg in messages}
    assert streams == {'bnbbtc@aggTrade', 'neobtc@ticker'}
    assert 'stream: bnbbtc@aggTrade data: ' in result['stdout']


@pytest.mark.parametrize('key, check', [
    ('bnbbtc@depth', lambda m: m['e'] == 'depthUpdate'),
    ('bnbbtc@depth5', lambda m: 'bids' in m and 'asks' in m and 'lastUpdateId' in m),
    ('bnbbtc@kline_30m', lambda m: m['e'] == 'kline' and m['k']['i'] == '30m'),
    ('bnbbtc@aggTrade', lambda m: m['e'] == 'aggTrade'),
    ('bnbbtc@ticker', lambda m: m['e'] == '24hrTicker'),
    ('!ticker@arr', lambda m: isinstance(m, list) and m[0]['e'] == '24hrTicker'),
    ('user', lambda m: m['e'] == 'executionReport' and m['s'] == 'BNBBTC'),
])
def test_each_documented_socket_delivers_its_stream(result, key, check):
    """Depth (diff and partial), kline, aggTrade, tickers and the user socket deliver their messages."""
    messages = got(result['report'], key)
    assert messages, 'no message for {}'.format(key)
    # the error-checking process_message of the 'Websocket Errors' block, defined by then
    assert all(cb == 'process_message' and version == 2 for cb, version, _ in messages)
    assert all(check(msg) for _, _, msg in messages), messages[:2]


def test_repeated_trade_socket_is_refused_and_stop_and_close_work(result):
    """The second trade socket returns False; stop_socket and close() leave no connection."""
    report = result['report']
    assert report['keys']["bm.start_trade_socket('BNBBTC', process_message)"] == \
        ['bnbbtc@trade', False]
    assert report['open_after_stop_socket'] == {'!ticker@arr': 0}
    assert report['open_after_close'] == 0


# -- running them (child) -----------------------------------------------------------

def _payload(stream, n):
    """A Binance-shaped message for ``stream`` (raw, not wrapped)."""
    symbol = stream.split('@')[0].upper()
    if stream.endswith('@trade'):
        return {'e': 'trade', 'E': n, 's': symbol, 't': n, 'p': '0.00100000', 'q': '1.00000000',
                'T': n, 'm': True, 'M': True}
    if stream.endswith('@aggTrade'):
        return {'e': 'aggTrade', 'E': n, 's': symbol, 'a': n, 'p': '0.00100000',
                'q': '1.00000000', 'f': n, 'l': n, 'T': n, 'm': True, 'M': True}
    if stream.endswith('@depth'):
        return {'e': 'depthUpdate', 'E': n, 's': symbol, 'U': n, 'u': n,
                'b': [['0.00100000', '2.00000000']], 'a': []}
    if re.search(r'@depth\d+$', stream):
        return {'lastUpdateId': n, 'bids': [['0.00100000', '2.00000000']],
                'asks': [['0.00110000', '1.00000000']]}
    if '@kline_' in stream:
        interval = stream.split('@kline_')[1]
        return {'e': 'kline', 'E': n, 's': symbol, 'k': {
            't': 0, 'T': 1, 's': symbol, 'i': interval, 'f': 1, 'L': 2, 'o': '0.00100000',
            'c': '0.00110000', 'h': '0.00120000', 'l': '0.00090000', 'v': '10.00000000',
            'n': 2, 'x': False, 'q': '0.01', 'V': '5', 'Q': '0.005', 'B': '0'}}
    ticker = {'e': '24hrTicker', 'E': n, 's': 'BNBBTC', 'p': '0.0001', 'P': '1.0',
              'w': '0.001', 'c': '0.00110000', 'Q': '1', 'b': '0.00100000', 'B': '1',
              'a': '0.00110000', 'A': '1', 'o': '0.00100000', 'h': '0.0012', 'l': '0.0009',
              'v': '100', 'q': '0.1', 'O': 0, 'C': 1, 'F': 0, 'L': 1, 'n': 2}
    if stream == '!ticker@arr':
        return [ticker, dict(ticker, s='ETHBTC')]
    if stream.endswith('@ticker'):
        return dict(ticker, s=symbol)
    raise AssertionError('no payload for ' + stream)


MARK = 900000          # pushed messages carry E = MARK + n: tells them from the exchange's own


def _marker(msg):
    """The E of a pushed message (raw, in a list, or wrapped by a combined stream)."""
    if isinstance(msg, dict) and 'data' in msg and 'stream' in msg:
        msg = msg['data']
    if isinstance(msg, list) and msg:
        msg = msg[0]
    if isinstance(msg, dict):
        e = msg.get('E', msg.get('lastUpdateId'))
        if isinstance(e, int) and e > MARK:
            return e
    return None


class Namespace(dict):
    """Block-level names; callbacks defined by the blocks are wrapped to record messages."""

    def __init__(self, globals_, record):
        super().__init__()
        self.globals_ = globals_
        self.record = record
        self.versions = {}

    def __setitem__(self, name, value):
        if name in CALLBACK_NAMES and callable(value):
            self.versions[name] = version = self.versions.get(name, 0) + 1
            value = self._wrap(name, version, value)
        super().__setitem__(name, value)
        self.globals_[name] = value        # function bodies look names up in globals

    def _wrap(self, name, version, fn):
        def recorder(msg):
            self.record(name, version, msg)
            return fn(msg)
        return recorder


def _child(doc_path, report_path):  # pragma: no cover - runs in the child process
    import logging
    import threading
    from binance.testing import LocalExchange
    from tests.support import wait_until

    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    lock = threading.Lock()
    received = []
    key_of_mark = {}
    combined_keys = set()
    report = {'received': received, 'keys': {}}

    def record(name, version, msg):
        mark = _marker(msg)
        key = key_of_mark.get(mark)
        if key is not None and isinstance(msg, dict) and 'stream' in msg and 'data' in msg:
            # the same push reaches a combined socket too: that socket is the key
            key = next((k for k in combined_keys if msg['stream'] in k[15:].split('/')), key)
        if key is None and isinstance(msg, dict) and msg.get('e') == 'executionReport':
            key = 'user'
        with lock:
            received.append({'callback': name, 'version': version, 'msg': msg, 'key': key})

    def count(key):
        with lock:
            return sum(1 for r in received if r['key'] == key)

    name = Path(doc_path).name
    blocks = ordered_blocks(Path(doc_path).read_text(encoding='utf-8'))
    # the seed docs' user socket is the original listen-key flow (retired on binance.com)
    exchange = LocalExchange(tick=None, listen_keys=True).start()
    install = exchange.install()
    install.__enter__()
    client = exchange.client()
    globals_ = {'__name__': '__seed__', '__builtins__': __builtins__}
    ns = Namespace(globals_, record)
    ns['client'] = client
    pushed = 0

    for index, code in enumerate(blocks[:-1]):
        bm = ns.get('bm')
        before = set(bm.conn_keys) if bm is not None else set()
        exec(compile(code, '<{} block {}>'.format(name, index), 'exec'), globals_, ns)
        for node in ast.parse(code).body:       # what each `x = bm.start_...(...)` returned
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
                call = ast.get_source_segment(code, node.value)
                if call.startswith('bm.start_'):
                    report['keys'].setdefault(call, []).append(ns[node.targets[0].id])
        bm = ns.get('bm')
        for key in sorted(set(bm.conn_keys) - before if bm is not None else ()):
            if key == 'user':
                # a real order on the exchange produces the executionReport
                wait_until(lambda: any(p.startswith('/ws/') and '@' not in p and '!' not in p
                                       for p in exchange.streams.connections),
                           timeout=10, message='the user socket')
                book = exchange.call(exchange.market.book_ticker, 'BNBBTC')
                client.order_limit_buy(symbol='BNBBTC', quantity=1, price=book['bidPrice'])
                wait_until(lambda: count('user'), timeout=10, message='an executionReport')
                continue
            combined = key.startswith('stream?streams=')
            # by request path: a combined socket may already receive the same stream
            exchange.streams.wait_for_connections(1, stream=key if combined else 'ws/' + key,
                                                  timeout=10)
            if combined:
                combined_keys.add(key)
            streams = key[len('stream?streams='):].split('/') if combined else [key]
            for stream in streams:
                pushed += 1
                key_of_mark[MARK + pushed] = key
                exchange.streams.push(stream, _payload(stream, MARK + pushed))
            wait_until(lambda: count(key) >= len(streams), timeout=10,
                       message='messages of ' + key)
        if re.search(r'\bbm\.stop_socket\(', code):
            stopped = ns['conn_key']
            wait_until(lambda: exchange.streams.connection_count(stopped) == 0, timeout=10)
            report['open_after_stop_socket'] = {stopped: exchange.streams.connection_count(stopped)}
        if re.search(r'\bbm\.close\(', code):
            wait_until(lambda: exchange.streams.connection_count() == 0, timeout=10)
            report['open_after_close'] = exchange.streams.connection_count()
    install.__exit__(None, None, None)
    Path(report_path).write_text(json.dumps(report))
    sys.stdout.flush()
    # the last block: the documented way to end the program
    exec(compile(blocks[-1], '<{} last block>'.format(name), 'exec'), globals_, ns)


if __name__ == '__main__':  # pragma: no cover
    _child(sys.argv[1], sys.argv[2])


def test_seed_copies_are_current():
    """tests/seeds holds the seed documents unchanged (compared with ../shared/seeds when it is there)."""
    shared = ROOT.parent / 'shared' / 'seeds'
    ours = {p.name: p.read_bytes() for p in SEEDS.glob('*.txt')}
    assert len(ours) == 2
    assert any('ウェブソケット' in text.decode('utf-8') for text in ours.values())
    if shared.is_dir():
        assert ours == {p.name: p.read_bytes() for p in shared.glob('*.txt')}
