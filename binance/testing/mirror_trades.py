"""A mirrored symbol's upstream trades, each applied once and in order, across upstream drops.

The mirror fills the script's resting orders from the upstream's trades
(:mod:`binance.testing.mirror`). While its upstream connection is down, the
upstream may print trades the stream will never resend; :class:`TradeFeed`
holds the live trades from the loss on, and once the connection is back the
mirror fetches the upstream's recent trades (``GET /api/v3/trades``, at most
:data:`CATCH_UP_LIMIT`) and hands them to :meth:`TradeFeed.catch_up`: those
with an id after the last one applied go first, in id order, then the held
live ones. Trade ids are consecutive per symbol on Binance, so a trade is
never applied twice and a gap of more than :data:`CATCH_UP_LIMIT` trades is
noticed (logged: the oldest of them are lost).

Pure state: no I/O, no clock; the mirror calls it on the reactor thread.
"""
import logging
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence

__all__ = ['CATCH_UP_LIMIT', 'TradeFeed']

log = logging.getLogger(__name__)

#: Recent trades asked of the upstream after a loss (Binance's largest ``limit``).
CATCH_UP_LIMIT = 1000


def _trade_id(event: Mapping[str, Any]) -> Optional[int]:
    value = event.get('t')
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def event_from_rest(row: Mapping[str, Any]) -> Dict[str, Any]:
    """A ``/api/v3/trades`` row as the fields of a ``<symbol>@trade`` event the mirror reads."""
    return {'t': int(row['id']), 'p': row['price'], 'q': row['qty'],
            'T': row.get('time'), 'm': bool(row.get('isBuyerMaker'))}


class TradeFeed:
    """The upstream trades of one symbol, applied by ``apply(event)`` once each, in id order.

    :param symbol: for log lines.
    :param apply: called with each trade event (``t``, ``p``, ``q``, ``m`` as in
        ``<symbol>@trade``) to apply.

    :ivar last_id: the id of the last trade applied (``None`` before the first).
    :ivar holding: live trades are held (the connection was lost, the catch-up
        has not come yet).
    :ivar caught_up: trades applied by catch-ups so far.
    :ivar generation: how many times :meth:`hold` was called: a catch-up asked
        for before a later loss applies its trades but leaves the holding to
        the later loss's catch-up.
    """

    def __init__(self, symbol: str, apply: Callable[[Dict[str, Any]], Any]) -> None:
        self.symbol = symbol
        self._apply = apply
        self.last_id: Optional[int] = None
        self.holding = False
        self._held: List[Dict[str, Any]] = []
        self.caught_up = 0
        self.generation = 0

    def on_live(self, event: Dict[str, Any]) -> None:
        """A trade from the upstream's stream: applied now, or held during a catch-up."""
        if self.holding:
            self._held.append(event)
            return
        self._take(event)

    def hold(self) -> None:
        """The connection was lost: hold live trades until :meth:`catch_up` or :meth:`release`."""
        self.holding = True
        self.generation += 1

    def catch_up(self, rows: Sequence[Mapping[str, Any]],
                 generation: Optional[int] = None) -> int:
        """Apply the upstream's recent trades after :attr:`last_id`, then the held ones.

        :param rows: ``GET /api/v3/trades`` rows (oldest first, as Binance answers).
        :param generation: :attr:`generation` when the rows were asked for; after a
            later loss the held trades wait for that loss's catch-up.
        :returns: how many of ``rows`` were applied.
        """
        applied = 0
        try:
            last = self.last_id
            if last is not None:
                events = sorted((event_from_rest(row) for row in rows), key=lambda e: e['t'])
                missed = [e for e in events if e['t'] > last]
                if missed and missed[0]['t'] > last + 1:
                    log.warning('%s: %d upstream trades printed while the mirror was away are '
                                'older than the upstream\'s %d recent ones; they are not '
                                'replayed', self.symbol, missed[0]['t'] - last - 1,
                                CATCH_UP_LIMIT)
                for event in missed:
                    self._take(event)
                    applied += 1
        except (KeyError, TypeError, ValueError) as exc:
            log.warning('%s: unreadable upstream trades (%s); the missed ones are not replayed',
                        self.symbol, exc)
        finally:
            self.caught_up += applied
            self.release(generation)
        return applied

    def release(self, generation: Optional[int] = None) -> None:
        """Stop holding: apply the held live trades (those not applied yet); nothing when
        ``generation`` is older than :attr:`generation` (a later loss holds them)."""
        if generation is not None and generation != self.generation:
            return
        held, self._held = self._held, []
        self.holding = False
        for event in held:
            self._take(event)

    def _take(self, event: Dict[str, Any]) -> None:
        trade_id = _trade_id(event)
        if trade_id is not None and self.last_id is not None and trade_id <= self.last_id:
            return      # applied already (by a catch-up, or a repeat)
        if trade_id is not None:
            self.last_id = trade_id
        try:
            self._apply(event)
        except Exception:   # one bad trade must not stop the feed
            log.exception('%s: the mirror failed on upstream trade %s', self.symbol, trade_id)
