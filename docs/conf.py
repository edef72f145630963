"""Sphinx configuration of the English documentation (``docs/``).

The Japanese edition (``docs/ja/``) is a second Sphinx project whose
``conf.py`` reads this file and changes only what differs. Build both with
warnings as errors::

    python -m sphinx -W --keep-going -b html docs docs/_build/html
    python -m sphinx -W --keep-going -b html docs/ja docs/_build/html/ja
"""
import os
import sys

DOCS = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(DOCS)
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from binance import __version__ as release  # noqa: E402

project = 'binance'
author = 'The binance package authors'
copyright = '2026, ' + author
version = release

extensions = ['sphinx.ext.autodoc', 'sphinx.ext.viewcode', 'sphinx.ext.intersphinx']
intersphinx_mapping = {}          # no network during the build
autodoc_member_order = 'bysource'
autodoc_typehints = 'description'

# What "sphinx -n" (nitpicky) cannot resolve, on purpose: intersphinx is off
# (no network during the build), so references to the standard library,
# requests and Twisted have no target; and docstrings mention private modules
# and the local exchange's internals, which the API reference leaves out.
nitpick_ignore_regex = [
    (r'py:.*', r'(decimal|requests|queue|logging|threading|twisted)(\..+)?'),
    (r'py:.*', r'binance\._\w+(\..+)?'),
    (r'py:mod', r'binance\.testing\.\w+'),
    (r'py:.*', r'binance\.testing\.(rest|market_history|tls)\..+'),
    (r'py:class', r'Headers'),
]

# The Japanese edition is its own project (docs/ja/conf.py).
exclude_patterns = ['_build', 'ja', 'Thumbs.db', '.DS_Store']
# Bare "::" blocks are shell commands or output; Python code is written as
# ".. code-block:: python" so that tests/test_docs.py runs it.
highlight_language = 'none'
language = 'en'

html_theme = 'alabaster'
html_theme_options = {
    'description': 'Binance REST and streams with the API of the Twisted-era python-binance',
    'fixed_sidebar': True,
}
html_static_path = []
