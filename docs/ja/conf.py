"""Sphinx configuration of the Japanese edition (``docs/ja/``).

It reads ``docs/conf.py`` and changes only what differs. Build it as a
second project, next to the English pages::

    python -m sphinx -W --keep-going -b html docs/ja docs/_build/html/ja
"""
import os

_PARENT = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'conf.py')
_settings = {'__file__': _PARENT, '__name__': 'docs_conf'}
with open(_PARENT, encoding='utf-8') as _f:
    exec(compile(_f.read(), _PARENT, 'exec'), _settings)
globals().update({k: v for k, v in _settings.items()
                  if not k.startswith('_') and k not in ('os', 'sys')})

language = 'ja'
exclude_patterns = ['_build', 'Thumbs.db', '.DS_Store']
html_theme_options = dict(html_theme_options,
                          description='Twisted 時代の python-binance と同じ API で、今の Binance に接続します')
html_search_language = 'ja'

# reST turns the line breaks inside a paragraph into spaces, which Japanese
# text does not have: join lines that break between two Japanese characters,
# and drop the space written between Japanese text and a link such as
# :doc:`overview` whose title is Japanese.
_JAPANESE = '\u3000-\u303f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef'
_BREAK = None


def _join_japanese_lines(app, doctree, docname=None):
    import re
    from docutils import nodes
    global _BREAK
    if _BREAK is None:
        _BREAK = re.compile('(?<=[{0}])\\n[ \\t]*(?=[{0}])'.format(_JAPANESE))
    japanese = re.compile('[{}]'.format(_JAPANESE))
    skip = (nodes.literal_block, nodes.literal, nodes.raw, nodes.comment)
    for text in list(doctree.findall(nodes.Text)):
        if isinstance(text.parent, skip) or not (set(text) & {'\n', ' '}):
            continue
        joined = _BREAK.sub('', str(text))
        # a break or a space next to an inline element (a reference, say)
        # that ends or starts with a Japanese character
        # (skipping the hidden target node docutils puts after `text <url>`_,
        # whose text is empty)
        siblings = [child for child in text.parent.children
                    if child is text or not isinstance(child, nodes.target)]
        index = next(i for i, child in enumerate(siblings) if child is text)
        before = siblings[index - 1] if index > 0 else None
        after = siblings[index + 1] if index + 1 < len(siblings) else None
        if before is not None and joined[:1].isspace() and len(joined) > 1 \
                and japanese.match(joined.lstrip()[:1]) and japanese.match(before.astext()[-1:]):
            joined = joined.lstrip()
        if after is not None and joined[-1:].isspace() and len(joined) > 1 \
                and japanese.match(joined.rstrip()[-1:]) and japanese.match(after.astext()[:1]):
            joined = joined.rstrip()
        if joined != str(text):
            text.parent.replace(text, nodes.Text(joined))


def setup(app):
    app.connect('doctree-resolved', _join_japanese_lines)
    return {'parallel_read_safe': True, 'parallel_write_safe': True}
