"""Import weight: the REST client stays free of Twisted, autobahn and dateparser.

Each check runs in a fresh interpreter (a subprocess), because this test
process has long imported everything.
"""
import json
import os
import subprocess
import sys
from typing import List

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
#: Twisted and autobahn (streams), and the date parsing stack (dateparser with
#: its dateutil, pytz, tzlocal and regex).
HEAVY = ('twisted', 'autobahn', 'txaio', 'dateparser', 'dateutil', 'pytz', 'tzlocal', 'regex')
DATE_PARSING = {'dateparser', 'dateutil', 'pytz', 'tzlocal', 'regex'}


def loaded_after(code: str, watched: tuple = HEAVY) -> List[str]:
    """Top-level packages among ``watched`` that are in sys.modules after running ``code``."""
    probe = code + '\nimport json, sys\nprint(json.dumps(sorted({m.split(".")[0] for m in ' \
        'sys.modules} & set(%r))))' % (watched,)
    out = subprocess.run([sys.executable, '-c', probe], cwd=ROOT, capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0, out.stderr[-2000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_import_binance_is_light() -> None:
    """``import binance`` loads none of the heavy dependencies."""
    assert loaded_after('import binance') == []


def test_import_client_loads_no_twisted_autobahn_or_dateparser() -> None:
    """``import binance.client`` (REST only) imports neither Twisted, autobahn nor dateparser."""
    assert loaded_after('import binance.client') == []


def test_constructing_a_client_stays_light() -> None:
    """Creating a ``Client`` does not pull in Twisted, autobahn or dateparser either."""
    assert loaded_after('from binance.client import Client\nClient("k", "s")') == []


def test_import_websockets_does_not_load_dateparser() -> None:
    """``import binance.websockets`` needs Twisted and autobahn, not the date parsing stack."""
    loaded = loaded_after('import binance.websockets')
    assert not DATE_PARSING & set(loaded)
    assert 'twisted' in loaded and 'autobahn' in loaded  # the probe does see real imports


def test_import_websockets_does_not_load_the_rest_client_stack() -> None:
    """``import binance.websockets`` leaves requests (and urllib3) to the REST client: a socket
    manager's process pays for them only when it makes a Client (about 7 MB of RSS)."""
    loaded = set(loaded_after('import binance.websockets', ('requests', 'urllib3', 'twisted')))
    assert 'twisted' in loaded                    # the probe does see real imports
    assert not {'requests', 'urllib3'} & loaded


def test_dateparser_loads_only_when_a_date_string_is_parsed() -> None:
    """Millisecond ints skip dateparser; the first date string imports it."""
    assert loaded_after('from binance.helpers import date_to_milliseconds\n'
                        'date_to_milliseconds(1514764800000)\n'
                        'date_to_milliseconds("1514764800000")') == []
    loaded = loaded_after('from binance.helpers import date_to_milliseconds\n'
                          'assert date_to_milliseconds("1 Jan 2018") == 1514764800000')
    assert 'dateparser' in loaded and not {'twisted', 'autobahn'} & set(loaded)


def test_json_decoder_module_is_light() -> None:
    """``binance._json`` (used by the stream protocol) imports no Twisted or autobahn."""
    assert loaded_after('from binance._json import loads\nloads(b"{}")') == []


def test_from_binance_import_client_names_its_module() -> None:
    """The 1.x habit ``from binance import Client`` says where Client lives, staying light."""
    probe = ('try:\n    from binance import Client\nexcept ImportError as exc:\n    print(exc)\n'
             'import binance, json, sys\nprint(hasattr(binance, "nothing"))\n'
             'print(json.dumps(sorted({m.split(".")[0] for m in sys.modules} & set(%r))))' % (HEAVY,))
    out = subprocess.run([sys.executable, '-c', probe], cwd=ROOT, capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0, out.stderr[-2000:]
    message, has_nothing, loaded = out.stdout.strip().splitlines()
    assert 'from binance.client import Client' in message
    assert has_nothing == 'False' and json.loads(loaded) == []


def test_other_1x_package_names_get_a_hint() -> None:
    """Exceptions, enums and 1.x-only names imported from the package name their home or substitute."""
    import importlib
    import binance
    for name, hint in (('BinanceAPIException', 'from binance.exceptions import BinanceAPIException'),
                       ('SIDE_BUY', 'from binance.enums import SIDE_BUY'),
                       ('BinanceSocketManager', 'from binance.websockets import BinanceSocketManager'),
                       ('AsyncClient', 'asyncio.to_thread'),
                       ('ThreadedWebsocketManager', 'binance.websockets')):
        try:
            getattr(binance, name)
        except ImportError as exc:
            assert hint in str(exc), name
        else:
            raise AssertionError(name + ' did not raise')
    assert importlib.import_module('binance.client').Client  # the real homes still import
