"""What type checkers see: the client's constants are declared, not set at run time."""
import ast
from pathlib import Path

from binance import enums

ROOT = Path(__file__).resolve().parents[1]


def test_client_constants_are_declared_in_a_class_body():
    """Every name of binance.enums.__all__ is assigned in the ClientConstants class body."""
    tree = ast.parse((ROOT / 'binance' / '_client_constants.py').read_text(encoding='utf-8'))
    body = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == 'ClientConstants')
    declared = [t.id for n in body.body if isinstance(n, ast.Assign) for t in n.targets]
    assert declared == list(enums.__all__)


def test_client_inherits_the_declared_constants():
    """Client.SIDE_BUY comes from the declared mixin, so editors and mypy resolve it."""
    from binance._client_constants import ClientConstants
    from binance.client import Client
    assert issubclass(Client, ClientConstants)
    assert 'SIDE_BUY' in vars(ClientConstants) and Client.SIDE_BUY == 'BUY'


def test_mypy_is_configured_in_the_repository():
    """setup.cfg holds the [mypy] section that `mypy binance` (and .ci/run) use."""
    text = (ROOT / 'setup.cfg').read_text(encoding='utf-8')
    assert '[mypy]' in text and 'files = binance' in text
    assert 'python -m mypy binance' in (ROOT / '.ci' / 'run').read_text(encoding='utf-8')
