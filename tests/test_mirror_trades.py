"""The mirror's trade feed: each upstream trade applied once, in id order, across a loss."""
from binance.testing.mirror_trades import TradeFeed


def _row(trade_id, price='1.0', qty='2', maker=True):
    return {'id': trade_id, 'price': price, 'qty': qty, 'quoteQty': '2', 'time': 1,
            'isBuyerMaker': maker, 'isBestMatch': True}


def _feed():
    applied = []
    return TradeFeed('BNBBTC', applied.append), applied


def test_live_trades_apply_once_each():
    """Live trades apply in arrival order; a repeated id is not applied twice."""
    feed, applied = _feed()
    for trade_id in (5, 6, 6, 7):
        feed.on_live({'t': trade_id, 'p': '1', 'q': '1', 'm': False})
    assert [e['t'] for e in applied] == [5, 6, 7] and feed.last_id == 7


def test_catch_up_applies_the_missed_trades_before_the_held_live_ones():
    """After a loss: the recent trades after the last applied one, in id order, then the live
    ones held meanwhile, skipping those the catch-up already applied."""
    feed, applied = _feed()
    feed.on_live({'t': 10, 'p': '1', 'q': '1', 'm': False})
    feed.hold()
    feed.on_live({'t': 13, 'p': '1', 'q': '1', 'm': False})
    feed.on_live({'t': 14, 'p': '1', 'q': '1', 'm': False})
    assert [e['t'] for e in applied] == [10]
    assert feed.catch_up([_row(13), _row(9), _row(12), _row(11), _row(10)]) == 3
    assert [e['t'] for e in applied] == [10, 11, 12, 13, 14]
    assert applied[1] == {'t': 11, 'p': '1.0', 'q': '2', 'T': 1, 'm': True}
    assert not feed.holding and feed.caught_up == 3


def test_release_without_catch_up_and_unreadable_rows_still_resume_the_feed():
    """A failed fetch (release) or unreadable rows end the holding: held trades apply."""
    feed, applied = _feed()
    feed.on_live({'t': 1, 'p': '1', 'q': '1', 'm': False})
    feed.hold()
    feed.on_live({'t': 4, 'p': '1', 'q': '1', 'm': False})
    assert feed.catch_up([{'price': '1'}]) == 0
    assert [e['t'] for e in applied] == [1, 4] and not feed.holding
    feed.hold()
    feed.on_live({'t': 5, 'p': '1', 'q': '1', 'm': False})
    feed.release()
    assert [e['t'] for e in applied] == [1, 4, 5]


def test_a_failing_apply_does_not_stop_the_feed():
    """An exception applying one trade is logged; the next trades still apply."""
    seen = []

    def apply(event):
        seen.append(event['t'])
        if event['t'] == 2:
            raise RuntimeError('boom')
    feed = TradeFeed('BNBBTC', apply)
    for trade_id in (1, 2, 3):
        feed.on_live({'t': trade_id, 'p': '1', 'q': '1', 'm': False})
    assert seen == [1, 2, 3] and feed.last_id == 3


def test_a_catch_up_from_before_a_later_loss_leaves_the_holding_to_the_later_one():
    """Two losses in a row: the first catch-up's trades apply, the live ones stay held until
    the second loss's catch-up."""
    feed, applied = _feed()
    feed.on_live({'t': 1, 'p': '1', 'q': '1', 'm': False})
    feed.hold()
    first = feed.generation
    feed.hold()                                    # dropped again before the answer came
    feed.on_live({'t': 4, 'p': '1', 'q': '1', 'm': False})
    assert feed.catch_up([_row(2)], first) == 1
    assert [e['t'] for e in applied] == [1, 2] and feed.holding
    feed.release(first)                            # a stale failure changes nothing
    assert feed.holding
    assert feed.catch_up([_row(2), _row(3)], feed.generation) == 1
    assert [e['t'] for e in applied] == [1, 2, 3, 4] and not feed.holding
