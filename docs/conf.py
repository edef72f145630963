"""Sphinx configuration for the binance package documentation."""
import os
import sys

sys.path.insert(0, os.path.abspath('..'))

project = 'binance'
author = 'The binance package authors'
copyright = '2026, ' + author

from binance import __version__ as release  # noqa: E402

version = release
extensions = ['sphinx.ext.autodoc', 'sphinx.ext.viewcode', 'sphinx.ext.intersphinx']
intersphinx_mapping = {}
autodoc_member_order = 'bysource'
autodoc_typehints = 'description'
exclude_patterns = ['_build']
html_theme = 'alabaster'
language = 'en'
