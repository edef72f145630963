"""Write the public names of python-binance 0.7.11 to ``tests/data/names_0711.txt``.

Run once, from a clone of https://github.com/sammchardy/python-binance (tag
``0.7.11``); the list is committed and read by ``tests/test_names_0711.py``,
which needs no clone::

    python tools/list_0711_names.py /path/to/python-binance > tests/data/names_0711.txt

The source is parsed (:mod:`ast`), never imported. A name is public when it
does not start with ``_``: module-level classes, functions and constants of
each module, and the methods and class attributes of each public class.
Lines are ``module:Name`` or ``module:Class.attribute``, sorted.
"""
import ast
import subprocess
import sys
from typing import Iterator

TAG = '0.7.11'
MODULES = ('client', 'websockets', 'depthcache', 'enums', 'exceptions', 'helpers')


def source(repo: str, module: str) -> str:
    return subprocess.run(['git', '-C', repo, 'show', '{}:binance/{}.py'.format(TAG, module)],
                          check=True, stdout=subprocess.PIPE).stdout.decode()


def public_names(module: str, text: str) -> Iterator[str]:
    prefix = 'binance.{}:'.format(module)
    for node in ast.parse(text).body:
        if isinstance(node, ast.ClassDef) and not node.name.startswith('_'):
            yield prefix + node.name
            for item in node.body:
                if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    names = [item.name]
                elif isinstance(item, ast.Assign):
                    names = [t.id for t in item.targets if isinstance(t, ast.Name)]
                else:
                    names = []
                for name in names:
                    if not name.startswith('_'):
                        yield '{}{}.{}'.format(prefix, node.name, name)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            if not node.name.startswith('_'):
                yield prefix + node.name
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name) and not target.id.startswith('_'):
                    yield prefix + target.id


def main(repo: str) -> None:
    names = set()
    for module in MODULES:
        names.update(public_names(module, source(repo, module)))
    print('# public names of python-binance {} (tools/list_0711_names.py)'.format(TAG))
    for name in sorted(names):
        print(name)


if __name__ == '__main__':
    main(sys.argv[1])
