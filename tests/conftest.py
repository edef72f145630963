"""Shared fixtures: the local exchange (from binance.testing's pytest plugin) and a hand-driven
clock; the order in which pytest-xdist hands out the test files; the package's bytecode for
the Python processes the tests start."""
import sys
from pathlib import Path

import pytest

#: Files that take the longest (several seconds each: child processes, module fixtures
#: running many scripts), handed out first under ``-n 2 --dist loadfile`` so that no worker
#: starts one of them while the other has nothing left to do. The two that run many
#: processes at once (examples, docs) go first and side by side, so that few other tests
#: run while they hold both cores. Measured with ``--durations=0``; a file missing here only
#: costs balance, never a result.
SLOW_FILES = (
    'test_examples.py', 'test_docs.py', 'test_market_retention.py',
    'test_replay_futures_run.py', 'test_offline.py', 'test_paper_cli.py',
    'test_exit_status.py', 'test_rest_deadline.py', 'test_replay_audit.py',
    'test_exit_sockets_open.py', 'test_market.py', 'test_record.py', 'test_replay_run.py',
    'test_fallback_log.py', 'test_cli.py', 'test_pytest_plugin.py', 'test_websockets_futures.py',
    'test_local_exchange.py', 'test_replay_desk.py', 'test_packed.py',
)


def pytest_configure(config):
    """Under xdist, hand out files in collection order (see pytest_collection_modifyitems)
    rather than by their number of tests, which puts slow files of few tests last."""
    if hasattr(config.option, 'loadscopereorder'):
        config.option.loadscopereorder = False
    if not hasattr(config, 'workerinput'):   # once: before xdist starts its workers
        _compile_the_package()
    sys.dont_write_bytecode = False   # see _compile_the_package


def _compile_the_package():
    """Byte-compile ``binance/`` once, when bytecode writing is off (``PYTHONDONTWRITEBYTECODE``
    or ``-B``): otherwise each of the hundred-odd Python processes the tests start (scripts,
    examples, the launcher) compiles the package from source again, about 0.2 s of CPU each
    for ``binance.testing``. Up-to-date files are left alone, so later runs cost nothing.
    For the same reason the test processes themselves write bytecode (pytest's rewritten
    test modules: collection takes about 1.5 s instead of 5 s per process once cached).
    The ``__pycache__`` directories are git-ignored."""
    if not sys.dont_write_bytecode:
        return   # the processes write and reuse their own bytecode
    import compileall
    compileall.compile_dir(str(Path(__file__).resolve().parents[1] / 'binance'), quiet=2)


def pytest_collection_modifyitems(config, items):
    """In an xdist worker, put the :data:`SLOW_FILES` first (each file stays in one piece)."""
    if not hasattr(config, 'workerinput'):
        return
    rank = {name: index for index, name in enumerate(SLOW_FILES)}
    items.sort(key=lambda item: rank.get(item.path.name, len(SLOW_FILES)))


class FakeClock:
    """A clock in seconds that only moves when told to (``clock.advance(s)``)."""

    def __init__(self, now: float = 1700000000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture(autouse=True)
def fresh_connection_budget():
    """Each test starts with a fresh connection-attempt budget, as a new script would: the
    budget is per process (Binance's 300 attempts per 5 minutes per IP), and a test worker
    runs hundreds of tests' loopback connections within those 5 minutes. Tests of the
    budget itself build or lower their own."""
    from binance._streams import budget
    budget._budgets.clear()
    yield


@pytest.fixture
def fake_clock():
    """A :class:`FakeClock` starting at 2023-11-14 22:13:20 UTC."""
    return FakeClock()


@pytest.fixture
def exchange(binance_exchange):
    """The pytest plugin's ``binance_exchange``: started with ``tick=None`` (the market moves
    only on ``step``), stopped after."""
    return binance_exchange


@pytest.fixture(scope='module')
def module_exchange(request):
    """One started :class:`~binance.testing.LocalExchange` shared by the tests of a module.

    Options: the module's ``MODULE_EXCHANGE`` dict (default ``{'tick': None}``: the
    market moves only on ``step``); stopped after the module's last test. For modules
    whose tests leave the exchange as later tests need it (each opens its own sockets,
    makes its own accounts or orders); a test that changes what others rely on (limits,
    scripted faults, the market's state) takes the per-test ``exchange`` instead.
    """
    from binance.testing import LocalExchange
    options = dict(getattr(request.module, 'MODULE_EXCHANGE', {'tick': None}))
    with LocalExchange(**options) as local:
        yield local


@pytest.fixture(scope='module')
def ed_pair(request):
    """An Ed25519 key pair ``(private PEM, public PEM)`` shared by a module's tests; the
    private key is encrypted with the module's ``PASSWORD``."""
    from binance.testing import make_key_pair
    return make_key_pair('Ed25519', password=request.module.PASSWORD)


@pytest.fixture(scope='module')
def rsa_pair():
    """An RSA key pair ``(private PEM, public PEM)`` shared by a module's tests."""
    from binance.testing import make_key_pair
    return make_key_pair('RSA')
