"""Benchmark the order book: binance.depthcache.DepthCache against a dict-and-sort book.

Run from the repository root::

    python benchmarks/bench_depthcache.py [--levels 5000] [--events 20000] [--reads 1000]

The baseline is measured in the same run: a plain ``{float price: float qty}``
dict per side, sorted on every read, which is how the original library kept
its book. Both books start from the same 5,000-level-per-side snapshot and
receive the same diff events (updates, removals and new levels, mostly near
the top of the book, as on Binance). No network.
"""
import argparse
import os
import random
import sys
import time
from decimal import Decimal

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from binance.depthcache import DepthCache, DepthCacheSync  # noqa: E402

TICK = Decimal('0.00000100')
MID = 20000                     # mid price in ticks


class DictSortBook:
    """The baseline: float-keyed dicts, sorted on every read."""

    def __init__(self, snapshot):
        self.bids = {float(p): float(q) for p, q in snapshot['bids']}
        self.asks = {float(p): float(q) for p, q in snapshot['asks']}

    def apply_diff(self, event):
        for book, levels in ((self.bids, event['b']), (self.asks, event['a'])):
            for price, qty in levels:
                q = float(qty)
                if q == 0:
                    book.pop(float(price), None)
                else:
                    book[float(price)] = q

    def get_bids(self, limit=None):
        return [[p, q] for p, q in sorted(self.bids.items(), reverse=True)[:limit]]

    def get_asks(self, limit=None):
        return [[p, q] for p, q in sorted(self.asks.items())[:limit]]


def price_str(ticks):
    return '{:.8f}'.format(ticks * TICK)


def make_snapshot(levels, rng):
    bids = [[price_str(MID - i), '{:.8f}'.format(rng.randint(1, 10 ** 6) / 1000)]
            for i in range(1, levels + 1)]
    asks = [[price_str(MID + i), '{:.8f}'.format(rng.randint(1, 10 ** 6) / 1000)]
            for i in range(1, levels + 1)]
    return {'lastUpdateId': 1000, 'bids': bids, 'asks': asks}


def make_events(count, levels, rng, first_id=1001):
    """Diff events of 3 bid and 3 ask changes each; depth from the top is skewed to the top."""
    events = []
    last = first_id - 1
    for _ in range(count):
        changes = {'b': [], 'a': []}
        for side, sign in (('b', -1), ('a', 1)):
            for _ in range(3):
                depth = min(int(rng.expovariate(1 / 40)) + 1, levels + 50)
                roll = rng.random()
                qty = 0 if roll < 0.2 else rng.randint(1, 10 ** 6) / 1000
                changes[side].append([price_str(MID + sign * depth), '{:.8f}'.format(qty)])
        events.append({'e': 'depthUpdate', 'E': last, 's': 'BNBBTC', 'U': last + 1,
                       'u': last + 1, 'b': changes['b'], 'a': changes['a']})
        last += 1
    return events


def best_of(repeat, fn):
    """Seconds of the fastest of ``repeat`` runs (each given a fresh setup by ``fn``)."""
    return min(fn() for _ in range(repeat))


def timed_apply(make_book, apply_name, events):
    def run():
        book = make_book()
        apply = getattr(book, apply_name)
        start = time.perf_counter()
        for ev in events:
            apply(ev)
        return time.perf_counter() - start
    return run


def timed_reads(book, reads, limit):
    def run():
        get_bids, get_asks = book.get_bids, book.get_asks
        start = time.perf_counter()
        for _ in range(reads):
            get_bids(limit)
            get_asks(limit)
        return time.perf_counter() - start
    return run


def timed_apply_and_read(make_book, apply_name, events, limit):
    def run():
        book = make_book()
        apply = getattr(book, apply_name)
        start = time.perf_counter()
        for ev in events:
            apply(ev)
            book.get_bids(limit)
            book.get_asks(limit)
        return time.perf_counter() - start
    return run


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--levels', type=int, default=5000, help='levels per side (5000)')
    parser.add_argument('--events', type=int, default=20000, help='diff events applied (20000)')
    parser.add_argument('--reads', type=int, default=1000,
                        help='top-N reads of both sides, and events of the mixed test (1000)')
    parser.add_argument('--top', type=int, default=20, help='N of the top-N reads (20)')
    parser.add_argument('--repeat', type=int, default=3, help='best of this many runs (3)')
    args = parser.parse_args(argv)

    rng = random.Random(42)
    snap = make_snapshot(args.levels, rng)
    events = make_events(args.events, args.levels, rng)

    def new_cache():
        cache = DepthCache('BNBBTC')
        cache.apply_snapshot(snap)
        return cache

    def new_sync():
        sync = DepthCacheSync(DepthCache('BNBBTC'))
        sync.on_snapshot(snap)
        return sync

    # both books agree after the same events (sanity check, not timed)
    cache, base = new_cache(), DictSortBook(snap)
    for ev in events:
        cache.apply_diff(ev)
        base.apply_diff(ev)
    assert cache.get_bids() == base.get_bids() and cache.get_asks() == base.get_asks()

    n_ev, n_rd = args.events, args.reads
    t_base_apply = best_of(args.repeat,
                           timed_apply(lambda: DictSortBook(snap), 'apply_diff', events))
    t_dc_apply = best_of(args.repeat, timed_apply(new_cache, 'apply_diff', events))
    t_sync_apply = best_of(args.repeat, timed_apply(new_sync, 'on_event', events))
    t_base_read = best_of(args.repeat, timed_reads(base, n_rd, args.top))
    t_dc_read = best_of(args.repeat, timed_reads(cache, n_rd, args.top))
    mixed_events = events[:max(1, min(n_rd, n_ev))]
    t_base_mixed = best_of(args.repeat, timed_apply_and_read(
        lambda: DictSortBook(snap), 'apply_diff', mixed_events, args.top))
    t_dc_mixed = best_of(args.repeat, timed_apply_and_read(
        new_cache, 'apply_diff', mixed_events, args.top))

    print('book: {} levels per side, {} diff events (6 level changes each), best of {}'.format(
        args.levels, n_ev, args.repeat))
    print('python {}'.format(sys.version.split()[0]))
    print()
    rows = [
        ('diff events applied / s', n_ev / t_base_apply, n_ev / t_dc_apply),
        ('  via DepthCacheSync.on_event', None, n_ev / t_sync_apply),
        ('top-{} reads (bids+asks) / s'.format(args.top), n_rd / t_base_read, n_rd / t_dc_read),
        ('event + top-{} read / s'.format(args.top), len(mixed_events) / t_base_mixed,
         len(mixed_events) / t_dc_mixed),
    ]
    print('{:34} {:>16} {:>16} {:>9}'.format('', 'dict+sort', 'DepthCache', 'ratio'))
    for name, base_rate, dc_rate in rows:
        if base_rate is None:
            print('{:34} {:>16} {:>16,.0f} {:>9}'.format(name, '', dc_rate, ''))
        else:
            print('{:34} {:>16,.0f} {:>16,.0f} {:>8.1f}x'.format(name, base_rate, dc_rate,
                                                                dc_rate / base_rate))
    print()
    print('ratio = DepthCache rate / dict+sort rate (higher is better for DepthCache).')
    print('DepthCache keeps exact values (the strings Binance sent, ordered by Decimal)\n'
          'and applies an event all or nothing; the baseline keeps floats.')


if __name__ == '__main__':
    main()
