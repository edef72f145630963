"""Run the Python code blocks of the documentation against the local exchange.

Used by ``tests/test_docs.py`` (and handy by hand)::

    python tests/docrunner.py --report /tmp/docs.json docs/websockets.rst docs/ja/websockets.rst

Every ``.. code-block:: python`` (or ``.. code:: python``) block of a page runs,
in document order, in one namespace where ``client`` is already defined: a
:class:`binance.client.Client` of a fresh :class:`binance.testing.LocalExchange`
whose :meth:`~binance.testing.LocalExchange.install` is active, so the page's
own ``Client()`` and ``BinanceSocketManager`` objects reach the local exchange
too. Each page runs in its own process: a page may end the program with
``reactor.stop()``, which Twisted cannot undo.

Starting Python and importing Twisted, autobahn and dateparser costs about a
second per process, so the runner imports them once and then forks one child
per page (no reactor is installed and no thread runs before the fork). Where
``os.fork`` does not exist each page gets a fresh interpreter instead.

Code is compiled with the ``.rst`` file as its file name and its real line
numbers, so a traceback points at the line of the documentation.
"""
import argparse
import json
import os
import re
import sys
import textwrap
import time
import traceback
from pathlib import Path
from typing import Any, Dict, List, NamedTuple, Optional

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / 'docs'

#: Languages of code blocks that run. Anything else is shown, not run.
PYTHON = ('python', 'python3', 'py')
#: Languages allowed for blocks that are intentionally not run.
NOT_RUN = ('text', 'console', 'shell', 'bash', 'json', 'ini', 'none')

_DIRECTIVE = re.compile(r'^(\s*)\.\.\s+(code-block|code|sourcecode)::\s*(\S*)\s*$')
_OPTION = re.compile(r'^\s+:[\w-]+:')
_ANY_DIRECTIVE = re.compile(r'^\s*\.\.\s+[\w:-]+::')


class Block(NamedTuple):
    """One code block of a page: its language, first body line (1-based) and code."""

    language: str
    line: int
    code: str


# -- reading pages -----------------------------------------------------------------

def doc_pages(root: Path = DOCS) -> List[Path]:
    """Every ``.rst`` page under ``root`` (both languages), build output excluded."""
    return sorted(p for p in root.rglob('*.rst') if '_build' not in p.relative_to(root).parts)


def extract_blocks(text: str) -> List[Block]:
    """The code directives of a reST document, in order, bodies dedented.

    The body keeps its line count, so ``Block.line + n`` is the document line
    of the body's line ``n``.
    """
    lines = text.splitlines()
    blocks = []
    i = 0
    while i < len(lines):
        match = _DIRECTIVE.match(lines[i])
        if not match:
            i += 1
            continue
        indent = len(match.group(1))
        language = match.group(3).lower()
        i += 1
        while i < len(lines) and _OPTION.match(lines[i]):
            i += 1
        while i < len(lines) and not lines[i].strip():
            i += 1
        start = i
        while i < len(lines):
            line = lines[i]
            if line.strip() and len(line) - len(line.lstrip()) <= indent:
                break
            i += 1
        body = lines[start:i]
        while body and not body[-1].strip():
            body.pop()
        blocks.append(Block(language, start + 1, textwrap.dedent('\n'.join(body)) + '\n'))
    return blocks


def python_blocks(text: str) -> List[Block]:
    """The blocks that run."""
    return [b for b in extract_blocks(text) if b.language in PYTHON]


def bare_literal_blocks(text: str) -> List[int]:
    """Line numbers of paragraphs ending in ``::`` (untagged literal blocks).

    The docs tag every code block with its language, so Python code can never
    hide in a block that is not run.
    """
    found = []
    inside = None                          # indent of the code directive we are in
    for number, line in enumerate(text.splitlines(), 1):
        if inside is not None:
            if line.strip() and len(line) - len(line.lstrip()) <= inside:
                inside = None
            else:
                continue
        match = _DIRECTIVE.match(line)
        if match:
            inside = len(match.group(1))
            continue
        if line.rstrip().endswith('::') and not _ANY_DIRECTIVE.match(line):
            found.append(number)
    return found


def calls_reactor_stop(blocks: List[Block]) -> bool:
    return any('reactor.stop()' in b.code for b in blocks)


# -- running one page (child process) -----------------------------------------------

class _Collector:
    """A logging handler keeping WARNING and above (with whether a traceback came along)."""

    def __init__(self) -> None:
        import logging
        self.records: List[Dict[str, Any]] = []
        collector = self

        class Handler(logging.Handler):
            def emit(self, record: Any) -> None:
                collector.records.append({
                    'logger': record.name, 'level': record.levelname,
                    'message': record.getMessage()[:500],
                    'traceback': bool(record.exc_info)})

        self.handler = Handler(logging.WARNING)


def _reactor_stopped(timeout: float) -> bool:
    from binance import _reactor
    return _reactor.wait_stopped(timeout)


def run_page(page: Path, tick: float, workdir: Optional[Path] = None) -> Dict[str, Any]:
    """Run ``page``'s Python blocks; returns the report (see the module docs).

    The blocks run with ``workdir`` (default: a new temporary directory) as
    the current directory, so files the docs write land there.
    """
    import logging
    import threading

    started = time.monotonic()
    text = page.read_text(encoding='utf-8')
    blocks = python_blocks(text)
    report: Dict[str, Any] = {
        'page': str(page.relative_to(ROOT)) if page.is_relative_to(ROOT) else str(page),
        'blocks': len(blocks), 'ran': 0, 'error': None, 'block_seconds': [],
        'stops_reactor': calls_reactor_stop(blocks), 'reactor_stopped': None,
        'threads_left': []}
    collector = _Collector()
    logging.getLogger().addHandler(collector.handler)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr,
                        format='%(levelname)s %(name)s: %(message)s')
    report['logged'] = collector.records

    if workdir is None:
        import tempfile
        workdir = Path(tempfile.mkdtemp(prefix='docpage-'))
    os.chdir(str(workdir))

    from binance.testing import LocalExchange
    exchange = LocalExchange(tick=tick).start()
    install = exchange.install()
    install.__enter__()
    # the docs read API keys from the environment, as users should
    os.environ['BINANCE_API_KEY'] = exchange.api_key
    os.environ['BINANCE_API_SECRET'] = exchange.api_secret
    namespace: Dict[str, Any] = {'__name__': '__main__', 'client': exchange.client()}
    filename = str(page)
    for block in blocks:
        # pad so the compiled code's line numbers are the page's
        code = '\n' * (block.line - 1) + block.code
        t0 = time.monotonic()
        try:
            exec(compile(code, filename, 'exec'), namespace)
        except BaseException:
            report['error'] = 'block at {}:{} raised:\n{}'.format(
                filename, block.line, traceback.format_exc())
            break
        finally:
            report['block_seconds'].append(round(time.monotonic() - t0, 3))
        report['ran'] += 1
    install.__exit__(None, None, None)
    sys.stdout.flush()
    if report['stops_reactor']:
        report['reactor_stopped'] = _reactor_stopped(5.0)
        main = threading.main_thread()
        deadline = time.monotonic() + 5.0
        for thread in threading.enumerate():
            if thread is not main and not thread.daemon:
                thread.join(max(0.0, deadline - time.monotonic()))
        report['threads_left'] = [t.name for t in threading.enumerate()
                                  if t is not main and not t.daemon and t.is_alive()]
    report['seconds'] = round(time.monotonic() - started, 3)
    return report


def _child(page: Path, report_path: Path, tick: float) -> None:
    """Body of a page's process: output to ``<report>.out``, report as JSON."""
    out = os.open(str(report_path) + '.out', os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    sys.stdout.flush()
    sys.stderr.flush()
    os.dup2(out, 1)
    os.dup2(out, 2)
    try:
        workdir = Path(str(report_path) + '.cwd')
        workdir.mkdir(exist_ok=True)
        report = run_page(page, tick, workdir)
    except BaseException:
        report = {'page': str(page), 'error': 'the runner failed:\n' + traceback.format_exc()}
    sys.stdout.flush()
    sys.stderr.flush()
    report_path.write_text(json.dumps(report, default=repr), encoding='utf-8')


# -- running many pages (parent) ----------------------------------------------------

def _preimport() -> None:
    """Import the heavy modules once, before forking (installs no reactor)."""
    import binance.client  # noqa: F401
    import binance.depthcache  # noqa: F401
    import binance.testing  # noqa: F401
    import binance.testing.streams  # noqa: F401
    import binance.websockets  # noqa: F401
    import dateparser
    dateparser.parse('1 day ago UTC', languages=['en'])   # loads its language data
    # what LocalExchange.start() imports on first use (each page starts one): imported
    # here once instead of in every page's process; a module renamed since only costs time
    import importlib
    for name in ('coin_desk', 'coin_futures_rest', 'coin_futures_streams', 'futures_rest',
                 'futures_streams', 'futures_wsapi', 'margin', 'margin_rest', 'rest_server',
                 'streams_wsapi_orders', 'streams_wsapi_spot', 'subaccounts', 'wallet_extras',
                 'derivatives.coin'):
        try:
            importlib.import_module('binance.testing.' + name)
        except ImportError:
            pass
    import http.server  # noqa: F401
    import netrc  # noqa: F401
    time.strptime('2024', '%Y')   # compiles _strptime's patterns
    assert 'twisted.internet.reactor' not in sys.modules


def _finish(page: Path, report_path: Path, status: Optional[int], seconds: float,
            timed_out: bool) -> Dict[str, Any]:
    try:
        report = json.loads(report_path.read_text(encoding='utf-8'))
    except (OSError, ValueError):
        report = {'page': str(page), 'error': 'the page process wrote no report'}
    try:
        report['output'] = Path(str(report_path) + '.out').read_text(
            encoding='utf-8', errors='replace')[-20000:]
    except OSError:
        report['output'] = ''
    report['exit_status'] = status
    report['timed_out'] = timed_out
    report['wall_seconds'] = round(seconds, 3)
    if timed_out and not report.get('error'):
        report['error'] = 'the page did not finish within the time limit'
    return report


def run_pages(pages: List[Path], workdir: Path, tick: float = 0.05, jobs: int = 12,
              timeout: float = 60.0) -> List[Dict[str, Any]]:
    """Run every page in its own process, ``jobs`` at a time; returns the reports in order."""
    workdir.mkdir(parents=True, exist_ok=True)
    paths = {page: workdir / '{:03d}.json'.format(n) for n, page in enumerate(pages)}
    use_fork = hasattr(os, 'fork')
    if use_fork:
        _preimport()
    pending = sorted(pages, key=_expected_cost, reverse=True)   # the slow ones first
    running: Dict[Any, Any] = {}
    done: Dict[Path, Dict[str, Any]] = {}
    while pending or running:
        while pending and len(running) < jobs:
            page = pending.pop(0)
            if use_fork:
                pid = os.fork()
                if pid == 0:                       # the child
                    try:
                        _child(page, paths[page], tick)
                    finally:
                        os._exit(0)
                running[pid] = (page, time.monotonic())
            else:
                import subprocess
                proc = subprocess.Popen([sys.executable, __file__, '--single', str(page),
                                         str(paths[page]), '--tick', str(tick)], cwd=str(ROOT))
                running[proc] = (page, time.monotonic())
        for key, (page, began) in list(running.items()):
            status = _poll(key)
            elapsed = time.monotonic() - began
            if status is None and elapsed > timeout:
                _kill(key)
                done[page] = _finish(page, paths[page], None, elapsed, True)
                del running[key]
            elif status is not None:
                done[page] = _finish(page, paths[page], status, elapsed, False)
                del running[key]
        if running:
            time.sleep(0.01)
    return [done[page] for page in pages]


def _expected_cost(page: Path) -> int:
    """A rough guess of how long a page takes: its waits and exchanges count most."""
    code = ''.join(b.code for b in python_blocks(page.read_text(encoding='utf-8')))
    return (10 * (code.count('sleep(') + code.count('LocalExchange(') + code.count('.get(timeout'))
            + len(code) // 200)


def _poll(key: Any) -> Optional[int]:
    if isinstance(key, int):
        pid, status = os.waitpid(key, os.WNOHANG)
        if pid == 0:
            return None
        return os.waitstatus_to_exitcode(status)
    return key.poll()


def _kill(key: Any) -> None:
    if isinstance(key, int):
        import signal
        os.kill(key, signal.SIGKILL)
        os.waitpid(key, 0)
    else:
        key.kill()
        key.wait()


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('pages', nargs='*', type=Path,
                        help='.rst pages (default: every page under docs/)')
    parser.add_argument('--report', type=Path, help='write every page report here (JSON)')
    parser.add_argument('--tick', type=float, default=0.05,
                        help='seconds between steps of the local market (default 0.05)')
    parser.add_argument('--jobs', type=int, default=12, help='pages run at once (default 12)')
    parser.add_argument('--timeout', type=float, default=60.0, help='seconds per page')
    parser.add_argument('--single', nargs=2, type=Path, metavar=('PAGE', 'REPORT'),
                        help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    if args.single:
        _child(args.single[0].resolve(), args.single[1], args.tick)
        return 0
    import tempfile
    pages = [p.resolve() for p in args.pages] or doc_pages()
    with tempfile.TemporaryDirectory() as tmp:
        reports = run_pages(pages, Path(tmp), tick=args.tick, jobs=args.jobs,
                            timeout=args.timeout)
    failed = 0
    for report in reports:
        ok = not report.get('error') and report.get('exit_status') == 0
        failed += not ok
        print('{:<40} {:>2}/{:<2} blocks {:6.2f} s  {}'.format(
            report['page'], report.get('ran', 0), report.get('blocks', 0),
            report.get('wall_seconds', 0), 'ok' if ok else 'FAILED'))
        if not ok:
            print(textwrap.indent(str(report.get('error')), '    '))
            print(textwrap.indent(report.get('output', '')[-3000:], '    | '))
    if args.report:
        args.report.write_text(json.dumps(reports, indent=1), encoding='utf-8')
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
