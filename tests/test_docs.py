"""The documentation's code runs: every Python block of every page, both languages.

``tests/docrunner.py`` executes each page's ``.. code-block:: python`` blocks
in order, in one namespace with ``client`` predefined, against a fresh
:class:`binance.testing.LocalExchange` (``install()`` active, market tick
0.05 s) — one process per page, forked from a runner that has imported the
package once. The runner starts in a subprocess of its own (the module
fixture), as forking the pytest process, whose reactor thread may be running,
is not safe. Each test then checks one page's report, so a failing page names
itself and the line of the ``.rst`` file that raised.

The other tests check the shape of the docs: every code block is tagged, the
Japanese edition has every page and runs the same calls, and the Japanese
websockets page covers everything the Japanese seed document covered.
"""
import ast
import json
import re
import runpy
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest

from tests.docrunner import (DOCS, NOT_RUN, PYTHON, ROOT, bare_literal_blocks, doc_pages,
                             extract_blocks, python_blocks)

JA = DOCS / 'ja'
SEEDS = ROOT / 'tests' / 'seeds'   # copies of ../shared/seeds (test_seed_copies_are_current)
PAGES = doc_pages()
RUNNABLE = [p for p in PAGES if python_blocks(p.read_text(encoding='utf-8'))]
EN_PAGES = sorted(p.relative_to(DOCS) for p in PAGES if JA not in p.parents)
JA_PAGES = sorted(p.relative_to(JA) for p in PAGES if JA in p.parents)


def page_id(path):
    return str(path.relative_to(DOCS))


@pytest.fixture(scope='module')
def reports(tmp_path_factory):
    """Run every page with Python blocks (both languages); {page id: report}."""
    report_file = tmp_path_factory.mktemp('docs') / 'report.json'
    proc = subprocess.run(
        [sys.executable, str(ROOT / 'tests' / 'docrunner.py'), '--report', str(report_file),
         '--jobs', '12', '--timeout', '60'] + [str(p) for p in RUNNABLE],
        cwd=str(ROOT), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=110)
    if not report_file.exists():
        pytest.fail('the doc runner wrote no report:\n' + proc.stdout.decode(errors='replace'))
    reports = json.loads(report_file.read_text(encoding='utf-8'))
    return {str(Path(r['page']).relative_to('docs')): r for r in reports}


def describe(report):
    return '{}\n--- output (end)\n{}'.format(report.get('error'), report.get('output', '')[-3000:])


@pytest.mark.parametrize('page', RUNNABLE, ids=page_id)
def test_every_code_block_of_the_page_runs(reports, page):
    """All Python blocks of the page run in order against the local exchange without raising."""
    report = reports[page_id(page)]
    assert not report.get('timed_out'), describe(report)
    assert report.get('error') is None, describe(report)
    assert report['exit_status'] == 0, describe(report)
    assert report['ran'] == report['blocks'] == len(python_blocks(page.read_text('utf-8')))


@pytest.mark.parametrize('page', RUNNABLE, ids=page_id)
def test_callbacks_of_the_page_never_raise(reports, page):
    """No callback the page defines raised on a message it received (the library logs those)."""
    report = reports[page_id(page)]
    raised = [r for r in report.get('logged', []) if r['traceback']]
    assert raised == [], describe(report)


def test_websockets_pages_end_the_program_with_reactor_stop():
    """Both websockets pages end with the documented reactor.stop(), so its effect is checked."""
    stopping = [p for p in RUNNABLE if _stops_reactor(p)]
    assert {page_id(p) for p in stopping} >= {'websockets.rst', 'ja/websockets.rst'}


def _stops_reactor(page):
    return any('reactor.stop()' in b.code for b in python_blocks(page.read_text('utf-8')))


@pytest.mark.parametrize('page', [p for p in RUNNABLE if _stops_reactor(p)], ids=page_id)
def test_reactor_stop_ends_the_reactor_and_leaves_no_thread(reports, page):
    """After the page's reactor.stop(), the reactor has stopped and no non-daemon thread is left."""
    report = reports[page_id(page)]
    assert report['stops_reactor'] is True
    assert report['reactor_stopped'] is True, describe(report)
    assert report['threads_left'] == [], describe(report)


# -- the shape of the documentation ---------------------------------------------------

@pytest.mark.parametrize('page', PAGES, ids=page_id)
def test_every_code_block_says_its_language(page):
    """Code blocks name a language; Python ones run, the rest are shell, text or JSON."""
    text = page.read_text(encoding='utf-8')
    for block in extract_blocks(text):
        assert block.language in PYTHON + NOT_RUN, '{}:{} {!r}'.format(
            page, block.line, block.language)
    assert bare_literal_blocks(text) == [], 'untagged "::" literal blocks in {}'.format(page)


def test_python_blocks_are_found_where_expected():
    """The extractor sees the blocks of the main pages (a guard against a silent regex break)."""
    counts = {page_id(p): len(python_blocks(p.read_text('utf-8'))) for p in PAGES}
    assert counts['websockets.rst'] >= 20 and counts['ja/websockets.rst'] >= 20
    assert counts['overview.rst'] >= 4 and counts['testing.rst'] >= 8
    assert len(RUNNABLE) >= 26


def test_japanese_edition_has_every_page():
    """docs/ja has a page for every English page, and no other."""
    assert JA_PAGES == EN_PAGES
    assert (JA / 'conf.py').exists()


def _calls(page):
    """Names of the functions and methods the page's Python blocks call."""
    names = set()
    for block in python_blocks(page.read_text(encoding='utf-8')):
        for node in ast.walk(ast.parse(block.code)):
            if isinstance(node, ast.Call):
                func = node.func
                names.add(func.attr if isinstance(func, ast.Attribute) else getattr(func, 'id', ''))
    names.discard('print')
    return names


@pytest.mark.parametrize('page', [p for p in JA_PAGES], ids=str)
def test_japanese_page_runs_the_same_calls_as_the_english_one(page):
    """Each Japanese page demonstrates the same API calls as its English original."""
    assert _calls(JA / page) == _calls(DOCS / page)


def _seed_text(language):
    for path in sorted(SEEDS.glob('*.txt')):
        text = path.read_text(encoding='utf-8')
        if ('ウェブソケット' in text) == (language == 'ja'):
            return text
    raise AssertionError('no {} seed document in {}'.format(language, SEEDS))


@pytest.mark.parametrize('language, page', [('ja', JA / 'websockets.rst'),
                                             ('en', DOCS / 'websockets.rst')])
def test_websockets_page_covers_everything_the_seed_covers(language, page):
    """Every manager method, constant and exit step the seed document shows, the page shows too."""
    seed = _seed_text(language)
    text = page.read_text(encoding='utf-8')
    code = '\n'.join(b.code for b in python_blocks(text))
    seed_code = '\n'.join(b.code for b in extract_blocks(seed) if b.language == 'python')
    for method in set(_method_names(seed_code)):
        assert 'bm.{}('.format(method) in code, method
    for needle in ('Max reconnect retries reached', 'reactor.stop()',
                   "start_multiplex_socket(['bnbbtc@aggTrade', 'neobtc@ticker']",
                   'KLINE_INTERVAL_30MINUTE', 'WEBSOCKET_DEPTH_5'):
        assert needle in seed_code and needle in code, needle
    if language == 'ja':
        assert 'from binance.enums import *' in code
        assert 'BinanceSocketManager.WEBSOCKET_DEPTH_5' in code
    # every section of the seed (its title, or the method its title links to) is there
    for title in _section_titles(seed):
        assert title.lower() in text.lower(), title


def _method_names(code):
    return re.findall(r'\bbm\.(\w+)\(', code)


def _section_titles(text):
    """Section titles of a reST text; linked titles give their method name instead."""
    lines = text.splitlines()
    titles = []
    for above, line in zip(lines, lines[1:]):
        if above.strip() and line and len(set(line)) == 1 and line[0] in '=-+~':
            link = re.match(r'^`.*<binance\.html#binance\.websockets\.'
                            r'BinanceSocketManager\.(\w+)>`_$', above)
            titles.append(link.group(1) if link else above.strip())
    return titles


def _public_methods(cls):
    """Public methods of ``cls`` defined by this package (not by Thread or object)."""
    names = set()
    for klass in cls.__mro__:
        if klass.__module__.startswith('binance'):
            names |= {n for n, v in vars(klass).items() if not n.startswith('_') and callable(v)}
    return names


def test_every_public_client_and_manager_method_is_shown_running():
    """Each public method of Client and BinanceSocketManager is called in the docs' code (EN, JA)."""
    from binance.client import Client
    from binance.websockets import BinanceSocketManager
    wanted = _public_methods(Client) | (_public_methods(BinanceSocketManager) - {'run'})
    assert {'get_order_book', 'withdraw', 'start_user_socket', 'stop_socket'} <= wanted
    for root, pages in ((DOCS, EN_PAGES), (JA, JA_PAGES)):
        shown = set().union(*(_calls(root / p) for p in pages))
        assert sorted(wanted - shown) == [], root


def _sleeps(code):
    """Lines of ``code`` that call a ``sleep`` function."""
    return [line.strip() for line in code.splitlines() if re.search(r'\bsleep\(', line)]


def test_docs_and_examples_never_sleep_to_wait_for_a_socket():
    """No doc block or example sleeps to let a socket connect; wait_connected is the way.

    The only sleep allowed is one a user really writes: waiting as long as
    Binance asked (``retry_after``).
    """
    found = []
    for page in PAGES:
        for block in python_blocks(page.read_text(encoding='utf-8')):
            found += ['{}:{}: {}'.format(page_id(page), block.line, line)
                      for line in _sleeps(block.code) if 'retry_after' not in line]
    for script in sorted((ROOT / 'examples').glob('*.py')):
        found += ['{}: {}'.format(script.name, line)
                  for line in _sleeps(script.read_text(encoding='utf-8'))
                  if 'retry_after' not in line]
    assert found == []


def test_websockets_pages_show_waiting_for_the_connection_and_the_exit_opt_out():
    """Both websockets pages run wait_connected, EXIT_WAITS_FOR_SOCKETS and ReactorStoppedError."""
    for page in (DOCS / 'websockets.rst', JA / 'websockets.rst'):
        code = '\n'.join(b.code for b in python_blocks(page.read_text(encoding='utf-8')))
        for needle in ('bm.wait_connected(user_key, timeout=10)',
                       'BinanceSocketManager.EXIT_WAITS_FOR_SOCKETS = False',
                       'except ReactorStoppedError'):
            assert needle in code, (page_id(page), needle)


# -- inline markup next to Japanese text ------------------------------------------------

_INLINE = re.compile(r'``.+?``|:[\w:-]+:`[^`]+`|`[^`]+`__?|\*\*[^*]+\*\*')
_ASCII_BEFORE = set(' \t-:/\'"<([{')
_ASCII_AFTER = set(' \t-.,:;!?\\/\'")]}>')


def _fits_before(char):
    return char == '' or char in _ASCII_BEFORE or \
        unicodedata.category(char) in ('Pd', 'Po', 'Ps', 'Pi', 'Pf', 'Zs')


def _fits_after(char):
    return char == '' or char in _ASCII_AFTER or \
        unicodedata.category(char) in ('Pd', 'Po', 'Pe', 'Pi', 'Pf', 'Zs')


def _markup_boundary_errors(text):
    """Inline markup whose neighbours stop docutils from recognising it (outside code)."""
    errors = []
    code_lines = set()
    for block in extract_blocks(text):
        code_lines.update(range(block.line, block.line + block.code.count('\n')))
    for number, line in enumerate(text.splitlines(), 1):
        if number in code_lines:
            continue
        for match in _INLINE.finditer(line):
            before = line[match.start() - 1] if match.start() else ''
            after = line[match.end()] if match.end() < len(line) else ''
            if not (_fits_before(before) and _fits_after(after)):
                errors.append('{}: {!r}'.format(number, line[max(0, match.start() - 3):
                                                               match.end() + 3]))
    return errors


@pytest.mark.parametrize('page', PAGES, ids=page_id)
def test_inline_markup_is_set_off_from_the_text_around_it(page):
    """Inline markup has a space or punctuation on each side, so docutils sees it (Japanese too)."""
    assert _markup_boundary_errors(page.read_text(encoding='utf-8')) == []


# -- Japanese line breaks --------------------------------------------------------------

def _japanese_conf():
    return runpy.run_path(str(JA / 'conf.py'))


def test_japanese_line_break_after_an_external_link_leaves_no_space():
    """A break between `text <url>`_ and Japanese text is dropped, so the HTML shows no space."""
    from docutils.core import publish_doctree
    join = _japanese_conf()['_join_japanese_lines']
    doctree = publish_doctree('`ドキュメント <https://example.com/>`_\nを参照してください。\n',
                              settings_overrides={'report_level': 5})
    join(None, doctree)
    assert doctree.astext() == 'ドキュメントを参照してください。'


_MARKUP_AT_LINE_END = re.compile(r'(``|`_|`)\s*$')
_CLOSE_UP = ('（', '）', '、', '。', '：')


@pytest.mark.parametrize('page', [JA / p for p in JA_PAGES], ids=page_id)
def test_japanese_punctuation_after_markup_stays_on_its_line(page):
    """Full-width punctuation right after inline markup is not on the next line (it would show a space)."""
    lines = page.read_text(encoding='utf-8').splitlines()
    code_lines = set()
    for block in extract_blocks('\n'.join(lines)):
        code_lines.update(range(block.line, block.line + block.code.count('\n') + 1))
    found = ['{}: {!r}'.format(number + 1, line.strip()[:30])
             for number, (above, line) in enumerate(zip(lines, lines[1:]), 1)
             if number + 1 not in code_lines and _MARKUP_AT_LINE_END.search(above)
             and line.lstrip().startswith(_CLOSE_UP)]
    assert found == []
