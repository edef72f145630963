"""The switch-over engine and its policies on their own (binance/_streams/switch.py), no I/O.

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
    """No ordering id: the old link's until the switch, then the new link's."""
    switch = OrderedSwitch(OLD, NEW)
    old, new = {'e': 'kline', 'x': 'old'}, {'e': 'kline', 'x': 'new'}
    assert run(switch, [(OLD, old), (NEW, new)]) == ['old']
    switch.switched = True
    assert run(switch, [(OLD, old), (NEW, new)]) == ['new']


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


class Clock:
    """Just enough of a reactor for the engine's timer."""

    def __init__(self):
        self.now, self.calls = 0.0, []

    def callLater(self, delay, fn, *args):
        call = _Call(self.now + delay, fn, args)
        self.calls.append(call)
        return call

    def advance(self, seconds):
        self.now += seconds
        for call in sorted(self.calls, key=lambda c: c.at):
            if call.at <= self.now and call.live:
                call.live = False
                call.fn(*call.args)


class _Call:
    def __init__(self, at, fn, args):
        self.at, self.fn, self.args, self.live = at, fn, args, True

    def active(self):
        return self.live

    def cancel(self):
        self.live = False


class Owner:
    def __init__(self):
        self.steps = []

    def take_over(self, switch):
        self.steps.append('take_over')

    def switch_done(self, switch):
        self.steps.append('done')

    def give_up_switch(self, switch, why):
        self.steps.append('give_up: ' + why)


def test_the_engine_promotes_once_then_ends_after_the_timeout():
    """promote(): take_over once, then switch_done SWITCH_TIMEOUT later; abandon() after it is a no-op."""
    clock, owner = Clock(), Owner()
    switch = OrderedSwitch(OLD, NEW, owner=owner, reactor=clock, timeout=10.0)
    switch.begin()
    switch.promote()
    switch.promote()
    switch.abandon('too late')
    clock.advance(10.0)
    assert owner.steps == ['take_over', 'done']


def test_at_the_deadline_ordered_promotes_and_event_abandons():
    """6 x timeout without a join: a market switch promotes anyway, a user switch gives up."""
    clock, market, user = Clock(), Owner(), Owner()
    OrderedSwitch(OLD, NEW, owner=market, reactor=clock, timeout=10.0).begin()
    EventSwitch(OLD, owner=user, reactor=clock, timeout=10.0).begin()
    clock.advance(59.0)
    assert market.steps == [] and user.steps == []
    clock.advance(1.0)
    assert market.steps == ['take_over']
    assert user.steps == ['give_up: the replacement was not ready within 60 s']


def test_a_user_switch_waits_for_its_barrier_or_the_timeout():
    """After the barrier request the answer promotes; without one, timeout seconds do."""
    clock, owner = Clock(), Owner()
    switch = EventSwitch(OLD, owner=owner, reactor=clock, timeout=10.0)
    switch.begin()
    switch.promote()
    assert owner.steps == []                      # not ready: nothing happens
    switch.ready = True
    switch.wait_for_barrier()
    clock.advance(10.0)
    assert owner.steps == ['take_over']
    clock.advance(10.0)
    assert owner.steps == ['take_over', 'done']


def test_old_link_lost_promotes_a_ready_switch_and_abandons_one_not_ready():
    """old_lost(): ready → take over; not ready → give up, the old link reconnects."""
    clock = Clock()
    ready_owner, late_owner = Owner(), Owner()
    ready = EventSwitch(OLD, owner=ready_owner, reactor=clock)
    ready.ready = True
    assert ready.old_lost() is True and ready_owner.steps == ['take_over']
    late = EventSwitch(OLD, owner=late_owner, reactor=clock)
    assert late.old_lost() is False
    assert late_owner.steps == ['give_up: the connection closed before its replacement was ready']
