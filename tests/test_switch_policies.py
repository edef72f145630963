"""The switch-over policies on their own (binance/_streams/switch.py), without I/O.

OrderedSwitch decides per message with ordering ids which link delivers;
EventSwitch drops the replacement's copies of user events the old
connection delivered (a multiset of decoded payloads).
"""
from binance._streams.switch import EventSwitch, OrderedSwitch

OLD, NEW = object(), object()


def trade(tid):
    return {'e': 'trade', 't': tid}


def run(switch, steps):
    """Feed (link, payload) steps; return the ids delivered, in order."""
    out = []

    def emit(stream, payload):
        out.append(payload.get('t', payload.get('x')))
    for link, payload in steps:
        if switch.accept(link, 's', payload, emit):
            out.append(payload.get('t', payload.get('x')))
    return out


def test_held_messages_follow_the_old_message_that_completes_the_join():
    """New link 3 ahead: 1 (old), then 2 (old, joins), 3, 4, 5 (held) — in id order."""
    switch = OrderedSwitch(OLD, NEW)
    steps = [(OLD, trade(1)), (NEW, trade(2)), (NEW, trade(3)), (NEW, trade(4)),
             (NEW, trade(5)), (OLD, trade(2)), (OLD, trade(3)), (NEW, trade(6))]
    assert run(switch, steps) == [1, 2, 3, 4, 5, 6]
    assert switch.ready()


def test_a_new_link_behind_the_old_one_joins_on_its_own_message():
    """The new link starts before what the old one delivered: its copies are dropped."""
    switch = OrderedSwitch(OLD, NEW)
    steps = [(OLD, trade(1)), (OLD, trade(2)), (NEW, trade(1)), (NEW, trade(2)),
             (NEW, trade(3)), (OLD, trade(3)), (OLD, trade(4)), (NEW, trade(4))]
    assert run(switch, steps) == [1, 2, 3, 4]


def test_messages_without_ids_come_from_the_old_link_until_the_switch():
    """No ordering id: the old link's until done, then the new link's."""
    switch = OrderedSwitch(OLD, NEW)
    kline = {'e': 'kline', 'x': 'k'}
    assert run(switch, [(OLD, kline), (NEW, kline)]) == ['k']
    switch.done = True
    assert run(switch, [(OLD, kline), (NEW, kline)]) == ['k']


def test_not_ready_while_the_new_link_is_ahead():
    """ready() waits until no held message is left and every stream has joined."""
    switch = OrderedSwitch(OLD, NEW)
    run(switch, [(OLD, trade(1)), (NEW, trade(3))])
    assert not switch.ready()
    run(switch, [(OLD, trade(2)), (OLD, trade(3))])
    assert switch.ready()


def test_event_switch_drops_each_copy_once():
    """Events the old connection delivered are dropped once each from the replacement."""
    switch = EventSwitch(old=OLD)
    a, b = {'e': 'executionReport', 'i': 1}, {'e': 'executionReport', 'i': 2}
    assert switch.let_through(a) and switch.let_through(a) and switch.let_through(b)
    switch.switched = True
    assert [switch.let_through(e) for e in (a, b, a, a, b)] == [False, False, False, True, True]
    assert switch.dropped == 3
