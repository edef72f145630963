"""Count private names reached from outside their owner, in ``binance/``.

::

    python -m benchmarks.private_reach            # totals
    python -m benchmarks.private_reach --files    # per file

Two kinds are counted, by reading each module's syntax tree:

* ``obj._name`` where ``obj`` is anything but ``self`` or ``cls`` (another
  object's private attribute, or a private name of another module reached
  through the module object);
* ``from binance.x import _name`` (a private name imported from another
  module).

Dunder names (``__init__``) and the private module names in import paths
(``binance._json``) do not count. The figure is a proxy: it cannot tell an
instance of the same class from another one, so it only ever over-counts.
"""

import argparse
import ast
import pathlib
import sys
from typing import Dict, List

ROOT = pathlib.Path(__file__).resolve().parent.parent / 'binance'


def _private(name: str) -> bool:
    return name.startswith('_') and not name.endswith('__')


def count_file(path: pathlib.Path) -> int:
    tree = ast.parse(path.read_text(encoding='utf8'), str(path))
    found = 0
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and _private(node.attr):
            owner = node.value
            if not (isinstance(owner, ast.Name) and owner.id in ('self', 'cls')):
                found += 1
        elif isinstance(node, ast.ImportFrom):
            found += sum(1 for alias in node.names if _private(alias.name))
    return found


def main(argv: List[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--files', action='store_true', help='one line per file')
    args = parser.parse_args(argv)
    counts: Dict[str, int] = {}
    for path in sorted(ROOT.rglob('*.py')):
        counts[str(path.relative_to(ROOT.parent))] = count_file(path)
    if args.files:
        for name, value in sorted(counts.items(), key=lambda item: -item[1]):
            if value:
                print('%5d  %s' % (value, name))
    stream = sum(v for k, v in counts.items()
                 if '/_ws_' in k or '/_streams/' in k or k.endswith(
                     ('websockets.py', '_stream_kinds.py', '_backoff.py', '_transport.py')))
    print('total %d, stream layer %d' % (sum(counts.values()), stream))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
