"""A booked visitor's ticket in the queue: not called before its slot, then ahead of walk-ins.

The order a counter calls in: a ticket sent to it, then priority, then a booked visitor's
whose slot has come (by the slot), then the oldest walk-in. The clock is the tests' own.
"""

from __future__ import annotations

import datetime as dt

import pytest

from kiosk.config import Config
from kiosk.db import Database
from kiosk.queue import Arrival, Queue
from tests.support import Clock


@pytest.fixture
def queue(db: Database, config: Config, clock: Clock) -> Queue:
    return Queue(db, config, clock=clock)


def _in(clock: Clock, minutes: float) -> dt.datetime:
    return clock() + dt.timedelta(minutes=minutes)


def test_an_early_booked_visitor_waits_for_the_slot_then_goes_before_walk_ins(
    queue: Queue, clock: Clock
) -> None:
    # GIVEN a booked visitor checked in 20 minutes before the slot, then two walk-ins
    booked = queue.issue(category="Б", due_at=_in(clock, 20))
    first, second = (queue.issue(category="Б") for _ in range(2))
    # WHEN counter 3 (Б) calls before the slot, the walk-ins come in turn
    assert queue.call_next(counter=3).label == first.label
    # THEN once the slot has come, the booked ticket is called ahead of the walk-in waiting
    clock.advance(minutes=20)
    assert queue.call_next(counter=3, previous=Arrival.ARRIVED).label == booked.label
    assert queue.call_next(counter=3, previous=Arrival.ARRIVED).label == second.label


def test_nobody_else_waiting_the_counter_still_does_not_call_a_booked_ticket_early(
    queue: Queue, clock: Clock
) -> None:
    booked = queue.issue(category="Б", due_at=_in(clock, 5))
    assert queue.call_next(counter=3) is None
    clock.advance(minutes=4, seconds=59)
    assert queue.call_next(counter=3) is None
    clock.advance(seconds=1)  # the slot's minute itself: due, not "minus nothing" later
    assert queue.call_next(counter=3).label == booked.label


def test_booked_tickets_go_by_their_slot_not_by_when_they_checked_in(
    queue: Queue, clock: Clock
) -> None:
    later_slot = queue.issue(category="А", due_at=_in(clock, 10))
    earlier_slot = queue.issue(category="А", due_at=_in(clock, 5))
    clock.advance(minutes=30)  # both due, both late for the counter
    assert queue.call_next(counter=1).label == earlier_slot.label
    assert queue.call_next(counter=1, previous=Arrival.ARRIVED).label == later_slot.label


def test_a_ticket_sent_to_the_counter_and_priority_go_before_a_due_booking(
    queue: Queue, clock: Clock
) -> None:
    # GIVEN at counter 1 (А, П): a Б ticket counter 3 sends it, a booked А whose slot is
    # now, a walk-in А and a priority ticket
    sent = queue.issue(category="Б")
    queue.call_next(counter=3)
    queue.transfer(counter=3, to_counter=1, reason="a civil status document first")
    booked = queue.issue(category="А", due_at=clock())
    walk_in = queue.issue(category="А")
    priority = queue.issue(category="П")
    # WHEN counter 1 calls four times
    order = [queue.call_next(counter=1, previous=Arrival.ARRIVED).label for _ in range(4)]
    # THEN the ticket sent to it, the priority ticket, the due booking, the walk-in
    assert order == [sent.label, priority.label, booked.label, walk_in.label]


def test_the_waiting_list_and_people_ahead_follow_the_calling_order(
    queue: Queue, clock: Clock
) -> None:
    walk_in = queue.issue(category="В")
    early = queue.issue(category="В", due_at=_in(clock, 15))
    late_walk_in = queue.issue(category="В")
    assert [t.label for t in queue.waiting(categories=["В"])] == [
        early.label,
        walk_in.label,
        late_walk_in.label,
    ]
    assert queue.waiting(categories=["В"])[0].due_at == _in(clock, 15)
    # the booked visitor is told nobody is ahead; a walk-in counts the booked one ahead
    assert queue.ahead_of(early.uuid) == 0
    assert queue.ahead_of(walk_in.uuid) == 1
    assert queue.ahead_of(late_walk_in.uuid) == 2


def test_a_walk_ins_forecast_counts_a_booking_that_falls_due_while_it_waits(
    queue: Queue, clock: Clock
) -> None:
    # GIVEN counter 4 (В, Г) alone for В, 6 minutes a service before any history, and a
    # booked В visitor whose slot is in 3 minutes
    queue.issue(category="В", due_at=_in(clock, 3))
    ahead = queue.issue(category="В")
    ours = queue.issue(category="В")
    # THEN the first walk-in is called now (0), the booking when that service ends (6), ours
    # after it (12): the booking passes ours, not the walk-in called before its slot
    assert queue.wait_of(ahead.uuid).minutes == 0
    assert queue.wait_of(ours.uuid).minutes == 12


def test_a_booking_far_off_does_not_delay_a_walk_in_served_before_its_slot(
    queue: Queue, clock: Clock
) -> None:
    queue.issue(category="В", due_at=_in(clock, 90))
    first = queue.issue(category="В")
    ours = queue.issue(category="В")
    assert queue.wait_of(first.uuid).minutes == 0
    assert queue.wait_of(ours.uuid).minutes == 6


def test_an_early_booked_visitor_does_not_make_the_counter_look_away(
    queue: Queue, clock: Clock
) -> None:
    # GIVEN a booked visitor who checked in 40 minutes before the slot, nobody else waiting
    queue.issue(category="В", due_at=_in(clock, 40))
    clock.advance(minutes=30)
    # WHEN a walk-in comes 30 minutes later: counter 4 has called nobody, rightly
    ours = queue.issue(category="В")
    # THEN it is told the counter calls it now, not "the clerk is away, back in a while"
    assert ours.estimated_wait_minutes == 0


def test_a_booked_visitor_is_told_who_is_really_ahead_and_the_wait_until_the_slot(
    queue: Queue, clock: Clock
) -> None:
    # GIVEN two walk-ins waiting for В and a booked visitor of 10:25 already checked in
    for _ in range(2):
        queue.issue(category="В")
    queue.issue(category="В", due_at=_in(clock, 25))
    # WHEN a booked visitor of 10:20 checks in at 10:00
    ticket = queue.issue(category="В", due_at=_in(clock, 20))
    # THEN nobody is ahead (the walk-ins are called before the slot, the 10:25 one after),
    # and the wait is the 20 minutes to the slot
    assert ticket.people_ahead == 0
    assert ticket.estimated_wait_minutes == 20
