"""binance._json: the fastest decoder installed, with the standard library's rules."""
import json
import math
import os
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from binance import _json

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

TRADE = (b'{"e":"trade","E":1700000000123,"s":"BNBBTC","t":4200000001,"p":"0.01230000",'
         b'"q":"1.50000000","T":1700000000120,"m":true,"M":true}')


def test_uses_orjson_when_installed() -> None:
    """With orjson installed (as in this environment) the fast decoder is selected."""
    pytest.importorskip('orjson')
    assert _json.DECODER == 'orjson'


@pytest.mark.parametrize('data', [TRADE, TRADE.decode(), bytearray(TRADE), memoryview(TRADE)])
def test_decodes_bytes_str_bytearray_memoryview(data: object) -> None:
    """A trade event decodes to the same dict from any of the accepted input types."""
    assert _json.loads(data) == json.loads(TRADE)


def test_stdlib_only_values_are_accepted() -> None:
    """NaN, Infinity and out-of-range numbers decode as the standard library decodes them."""
    value = _json.loads(b'{"a":NaN,"b":-Infinity,"c":1e400}')
    assert math.isnan(value['a']) and value['b'] == -math.inf and value['c'] == math.inf


@pytest.mark.parametrize('bad', [b'', b'{x', b'[1,]', b'\xff', b'{"a":1}}', 'nope'])
def test_invalid_json_raises_value_error(bad: object) -> None:
    """Anything that is not JSON raises ValueError (what the stream protocol catches)."""
    with pytest.raises(ValueError):
        _json.loads(bad)


@settings(max_examples=200, deadline=None)
@given(st.recursive(st.none() | st.booleans() | st.integers(-2**63, 2**64 - 1)
                    | st.floats(allow_nan=False) | st.text(),
                    lambda children: st.lists(children, max_size=4)
                    | st.dictionaries(st.text(max_size=5), children, max_size=4), max_leaves=12))
def test_same_result_as_stdlib(value: object) -> None:
    """For any JSON document with 64-bit integers the result equals json.loads'."""
    text = json.dumps(value)
    assert _json.loads(text.encode()) == json.loads(text)


def _decoder_in_child(env: dict, prelude: str = '') -> str:
    code = prelude + 'from binance._json import DECODER, loads\nassert loads(b"[1]") == [1]\n' \
        'print(DECODER)'
    out = subprocess.run([sys.executable, '-c', code], cwd=ROOT, capture_output=True, text=True,
                         timeout=60, env=dict(os.environ, **env))
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


def test_falls_back_to_stdlib_without_orjson() -> None:
    """Without orjson the module still works, with json.loads."""
    assert _decoder_in_child({}, 'import sys\nsys.modules["orjson"] = None\n') == 'json'


def test_environment_variable_forces_stdlib() -> None:
    """BINANCE_JSON=stdlib selects json.loads even when orjson is installed."""
    assert _decoder_in_child({'BINANCE_JSON': 'stdlib'}) == 'json'
