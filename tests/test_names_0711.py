"""Every public name of python-binance 0.7.11 (tests/data/names_0711.txt, made once by
tools/list_0711_names.py from 0.7.11's source) exists here, or says why not and what to
use instead; what is still missing is printed and may only shrink.

Run ``python -m tests.test_names_0711`` to print the names missing today (the content of
tests/data/names_0711_missing.txt after a name was added).
"""
import importlib
from pathlib import Path
from typing import Any, Dict, List, Tuple

DATA = Path(__file__).resolve().parent / 'data'


def _lines(name: str) -> List[str]:
    text = (DATA / name).read_text(encoding='utf-8')
    return [line for line in text.splitlines() if line and not line.startswith('#')]


def _instances() -> Dict[Tuple[str, str], Any]:
    """Objects whose ``__getattr__`` explains a missing 0.7.11 name (built offline)."""
    from binance.client import Client
    from binance.websockets import BinanceSocketManager
    client = Client()
    return {('binance.client', 'Client'): client,
            ('binance.websockets', 'BinanceSocketManager'): BinanceSocketManager(client)}


def classify() -> Dict[str, List[Any]]:
    """``{'present': [...], 'explained': [(name, error)], 'missing': [...]}`` for every name."""
    from binance.exceptions import BinanceNotProvidedError
    instances = _instances()
    result: Dict[str, List[Any]] = {'present': [], 'explained': [], 'missing': []}
    for line in _lines('names_0711.txt'):
        module_name, _, dotted = line.partition(':')
        module = importlib.import_module(module_name)
        owner, _, attribute = dotted.partition('.')
        try:
            obj = getattr(module, owner)
            if attribute:
                getattr(instances.get((module_name, owner), obj), attribute)
        except BinanceNotProvidedError as error:
            result['explained'].append((line, error))
        except AttributeError:
            result['missing'].append(line)
        else:
            result['present'].append(line)
    return result


def test_each_0711_name_exists_or_names_its_replacement():
    """A 0.7.11 name is here, or raises BinanceNotProvidedError with a replacement; the ones
    still missing are exactly those listed in names_0711_missing.txt, so that list is always
    the true list of what is missing (a name added must leave it: regenerate the file)."""
    names = classify()
    for line, error in names['explained']:
        assert error.replacement, line
    allowed = set(_lines('names_0711_missing.txt'))
    unexpected = [line for line in names['missing'] if line not in allowed]
    assert not unexpected, 'these 0.7.11 names disappeared: {}'.format(unexpected)
    now_present = sorted(allowed - set(names['missing']))
    print('\n0.7.11 names: {} present, {} explained, {} missing'.format(
        len(names['present']), len(names['explained']), len(names['missing'])))
    for line in names['missing']:
        print('  missing:', line)
    assert not now_present, ('these 0.7.11 names are here now: take them out of '
                             'tests/data/names_0711_missing.txt (python -m tests.test_names_0711 '
                             '> tests/data/names_0711_missing.txt): {}'.format(now_present))


def test_the_futures_constants_of_0711_are_here():
    """A 0.7.11 futures script's constants resolve: Client.FUTURE_ORDER_TYPE_STOP_MARKET,
    binance.enums' futures types and TIME_IN_FORCE_GTX, the socket manager's
    DEFAULT_USER_TIMEOUT and the depth cache manager's DEFAULT_REFRESH."""
    from binance import enums
    from binance.client import Client
    from binance.depthcache import DepthCacheManager
    from binance.websockets import BinanceSocketManager
    assert Client.FUTURE_ORDER_TYPE_STOP_MARKET == enums.FUTURE_ORDER_TYPE_STOP_MARKET == \
        'STOP_MARKET'
    assert (enums.FUTURE_ORDER_TYPE_TAKE_PROFIT_MARKET, enums.TIME_IN_FORCE_GTX) == \
        ('TAKE_PROFIT_MARKET', 'GTX')
    assert enums.TIME_IN_FORCE_GTX not in enums.TIME_IN_FORCES   # spot has no GTX
    assert BinanceSocketManager.DEFAULT_USER_TIMEOUT == 1800
    assert DepthCacheManager.DEFAULT_REFRESH == 1800


if __name__ == '__main__':
    print('# 0.7.11 names not provided yet (python -m tests.test_names_0711)')
    for missing in classify()['missing']:
        print(missing)
