"""The estimated wait: what the counters will really do, played forward from the queue as it is."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from kiosk.config import Config, parse_config
from kiosk.db import Database
from kiosk.queue import Arrival, Queue
from kiosk.waits import (
    OpenCounter,
    Pace,
    ServiceTimes,
    WaitEstimator,
    Waiting,
    estimates_new,
    forecast,
    learn_past,
)
from tests.support import SOFIA, Clock, upgraded


@pytest.fixture
def queue(db: Database, config: Config, clock: Clock) -> Queue:
    return Queue(db, config, clock=clock)


def test_a_ticket_waits_for_other_categories_ahead_at_its_counters(queue: Queue) -> None:
    # GIVEN three Г tickets: counters 2, 3 and 4 serve Г; counter 3 is the only one for Б
    for _ in range(3):
        queue.issue(category="Г")
    # WHEN a Б ticket is issued, nobody of its own category ahead
    ticket = queue.issue(category="Б")
    # THEN it still waits for the Г ticket counter 3 calls first (6 minutes before any history)
    assert ticket.people_ahead == 0
    assert ticket.estimated_wait_minutes == 6


def test_priority_tickets_go_first_and_busy_counters_finish_first(
    queue: Queue, clock: Clock
) -> None:
    # GIVEN counters 1 and 2 (А and П) each just called an А ticket, one more А waiting
    for _ in range(3):
        queue.issue(category="А")
    queue.call_next(counter=1)
    queue.call_next(counter=2)
    clock.advance(minutes=1)
    # WHEN a priority ticket and then another А ticket are issued
    priority = queue.issue(category="П")
    ticket = queue.issue(category="А")
    # THEN П is called when the first counter is free (6 − 1 minutes), and the new А after
    # П and the А already waiting: a second round at both counters
    assert priority.estimated_wait_minutes == 5
    assert (ticket.people_ahead, ticket.estimated_wait_minutes) == (1, 11)


def test_a_long_queue_is_told_as_a_range(queue: Queue) -> None:
    for _ in range(12):
        queue.issue(category="В")
    ticket = queue.issue(category="В")
    assert ticket.wait_range is not None
    low, high = ticket.wait_range
    assert low < ticket.estimated_wait_minutes < high
    assert queue.issue(category="Б").wait_range is None  # nobody ahead: no doubt to tell


def _lunch_day(queue: Queue, clock: Clock, day: dt.date) -> None:
    """Counter 3, the only one for Б, serves until 12:00 and calls again at 12:45."""
    clock.set(dt.datetime.combine(day, dt.time(11, 45), tzinfo=SOFIA))
    for _ in range(3):
        queue.issue(category="Б")
    queue.call_next(counter=3)
    clock.advance(minutes=15)
    queue.finish(counter=3)
    clock.set(dt.datetime.combine(day, dt.time(12, 45), tzinfo=SOFIA))
    for _ in range(2):
        # the clerk says the visitor before came: a called ticket is not done by itself
        queue.call_next(counter=3, previous=Arrival.ARRIVED)
        clock.advance(minutes=5)
    queue.finish(counter=3)


def test_a_counters_usual_lunch_break_is_learnt_and_waited_for(
    db: Database, queue: Queue, clock: Clock
) -> None:
    # GIVEN two past days on which counter 3 left Б tickets waiting from 12:00 to 12:45
    monday, tuesday, wednesday = (dt.date(2026, 11, 23) + dt.timedelta(days=n) for n in range(3))
    _lunch_day(queue, clock, monday)
    _lunch_day(queue, clock, tuesday)
    with db.read() as s:
        breaks = learn_past(s, day=wednesday, tz=SOFIA).breaks
    assert breaks[3] == (
        (
            dt.datetime(2026, 11, 25, 12, 0, tzinfo=SOFIA),
            dt.datetime(2026, 11, 25, 12, 45, tzinfo=SOFIA),
        ),
    )
    assert breaks[1] == ()  # counter 1 never had anyone waiting: nothing to learn
    # WHEN on Wednesday at 11:58 a Б ticket is issued while counter 3 serves another
    clock.set(dt.datetime(2026, 11, 25, 11, 50, tzinfo=SOFIA))
    queue.issue(category="Б")
    queue.call_next(counter=3)
    clock.set(dt.datetime(2026, 11, 25, 11, 58, tzinfo=SOFIA))
    ticket = queue.issue(category="Б")
    # THEN its wait runs to the end of the usual break, not to the end of that service
    assert ticket.people_ahead == 0
    assert 45 <= ticket.estimated_wait_minutes <= 50


def test_forecast_follows_call_next_order() -> None:
    # GIVEN one counter for А and П, an А waiting since 10 minutes, ours an А, a П expected in 2
    counter = OpenCounter(1, frozenset({"А", "П"}), free_in=0.0)
    older = Waiting((0, 1, -10.0, 1), "А", 0.0)
    ours = Waiting((0, 1, 0.0, 2), "А", 0.0)
    expected_priority = Waiting((-1, 1, 2.0, 3), "П", 2.0)
    # WHEN the counter serves 6-minute А and 4-minute П tickets
    minutes, before = forecast(
        ticket=ours,
        queue=[older, expected_priority],
        counters=[counter],
        service_minutes=ServiceTimes({"А": 6.0, "П": 4.0}),
    )
    # THEN the older А goes first (0–6), the П that came meanwhile next (6–10), then ours
    assert (minutes, before) == (10.0, 2)


def test_forecast_skips_a_counters_break() -> None:
    counter = OpenCounter(1, frozenset({"А"}), free_in=3.0, away=((2.0, 30.0),))
    ours = Waiting((0, 1, 0.0, 1), "А", 0.0)
    assert forecast(
        ticket=ours, queue=[], counters=[counter], service_minutes=ServiceTimes({})
    ) == (30.0, 0)
    # a ticket no open counter serves is never called
    assert forecast(ticket=Waiting((0, 1, 0.0, 1), "Б", 0.0), queue=[], counters=[counter],
                    service_minutes=ServiceTimes({})) is None  # fmt: skip


def test_a_counter_that_leaves_its_tickets_waiting_is_expected_back_later(
    queue: Queue, clock: Clock
) -> None:
    # GIVEN counter 3, the only one for Б, has called nobody while a Б ticket waited 20 minutes
    first = queue.issue(category="Б")
    clock.advance(minutes=20)
    # WHEN another Б ticket is issued
    ticket = queue.issue(category="Б")
    # THEN the clerk is taken to be away as long again (20 minutes), then serves the first (6)
    assert first.estimated_wait_minutes == 0  # when it was alone, the counter was not yet late
    assert ticket.estimated_wait_minutes == 26


def test_a_lunch_break_is_learnt_from_its_start_when_the_clerk_finishes_a_visitor_first(
    db: Database, queue: Queue, clock: Clock
) -> None:
    # GIVEN four past days on which counter 3 called its last Б ticket before noon, served it
    # into the break (until 12:05, 12:10, 12:06, 12:12) and called again at 12:45, Б waiting
    days = [dt.date(2026, 11, 16) + dt.timedelta(days=n) for n in range(5)]
    for day, until in zip(days, ("12:05", "12:10", "12:06", "12:12"), strict=False):
        clock.set(dt.datetime.combine(day, dt.time(11, 50), tzinfo=SOFIA))
        for _ in range(3):
            queue.issue(category="Б")
        queue.call_next(counter=3)
        clock.set(dt.datetime.combine(day, dt.time.fromisoformat(until), tzinfo=SOFIA))
        queue.finish(counter=3)
        clock.set(dt.datetime.combine(day, dt.time(12, 45), tzinfo=SOFIA))
        for _ in range(2):
            queue.call_next(counter=3, previous=Arrival.ARRIVED)
            clock.advance(minutes=5)
        queue.finish(counter=3)
    # WHEN the breaks of the fifth day are learnt
    with db.read() as s:
        breaks = learn_past(s, day=days[4], tz=SOFIA).breaks
    # THEN the visitors served past noon do not move the break a quarter later: serving says
    # nothing of when the break begins; the clerk called nobody 12:00–12:15 on any day and
    # was away most of it on two
    assert breaks[3] == (
        (
            dt.datetime.combine(days[4], dt.time(12, 0), tzinfo=SOFIA),
            dt.datetime.combine(days[4], dt.time(12, 45), tzinfo=SOFIA),
        ),
    )


def test_an_absent_clerk_is_expected_back_as_the_sites_clerks_came_back_before(
    queue: Queue, clock: Clock
) -> None:
    # GIVEN two past days on which counter 3, the only one for Б, left a Б ticket waiting
    # 20 minutes, at different hours (short breaks, not a usual one)
    for day, at in (
        (dt.date(2026, 11, 23), dt.time(9, 0)),
        (dt.date(2026, 11, 24), dt.time(10, 30)),
    ):
        clock.set(dt.datetime.combine(day, at, tzinfo=SOFIA))
        queue.issue(category="Б")
        clock.advance(minutes=20)
        queue.call_next(counter=3)
        clock.advance(minutes=6)
        queue.finish(counter=3)
    # WHEN on Wednesday a Б ticket has waited 12 minutes for the counter and another is issued
    clock.set(dt.datetime(2026, 11, 25, 10, 48, tzinfo=SOFIA))
    queue.issue(category="Б")
    clock.advance(minutes=12)
    ticket = queue.issue(category="Б")
    # THEN the clerk is expected back as the past absences that lasted longer than 12 minutes
    # came back (8 more minutes, twice), with "as long again" (15 at least) as one more:
    # (8 + 8 + 15) / 3 ≈ 10.3 minutes, then the first ticket's 6-minute service
    assert ticket.estimated_wait_minutes == 16


def test_without_such_a_past_an_absent_clerk_is_expected_back_after_as_long_again(
    queue: Queue, clock: Clock
) -> None:
    # GIVEN a past day on which counter 3 was away only 12 minutes (not longer than today)
    clock.set(dt.datetime(2026, 11, 24, 9, 0, tzinfo=SOFIA))
    queue.issue(category="Б")
    clock.advance(minutes=12)
    queue.call_next(counter=3)
    clock.advance(minutes=6)
    queue.finish(counter=3)
    # WHEN on Wednesday a Б ticket has waited 30 minutes for the counter
    clock.set(dt.datetime(2026, 11, 25, 10, 0, tzinfo=SOFIA))
    queue.issue(category="Б")
    clock.advance(minutes=30)
    ticket = queue.issue(category="Б")
    # THEN nothing in the past says when a clerk away half an hour returns: as long again
    assert ticket.estimated_wait_minutes == 30 + 6


def test_a_service_running_three_times_its_mean_is_expected_to_go_on(
    queue: Queue, clock: Clock
) -> None:
    # GIVEN counter 3, the only one for Б, serving a Б ticket; services of 6 minutes on
    # average (spread 0.5) before there is any history
    queue.issue(category="Б")
    queue.call_next(counter=3)
    start = queue.clock()

    def told_at(minutes: int) -> int:
        clock.set(start + dt.timedelta(minutes=minutes))
        return next(c for c in queue.status().categories if c.code == "Б").estimated_wait_minutes

    # WHEN the service has run as long as its mean, and then three times as long
    at_mean, at_three_times = told_at(6), told_at(18)
    # THEN it is not expected to end any sooner for having run long (a lognormal's tail),
    # where "the mean minus what passed, at least 30 % of the mean" told 2 minutes either way
    assert 3 <= at_mean <= at_three_times


def test_a_lognormal_service_left_grows_with_what_it_has_run() -> None:
    # a one-counter category's services, as the bench draws them: 11 minutes, spread 0.59
    pace = Pace(11.0, 0.59)
    left = [pace.remaining(m) for m in (0, 5, 11, 33, 60)]
    assert left[0] == 11.0 and left[1] < 11.0  # at first a service is mostly still to come
    assert left[2] < left[3] < left[4]  # past its mean, the longer it runs the more is left
    assert left[3] > 0.5 * 11.0  # at three times the mean: more than half a service more


def test_the_boards_waits_are_what_each_category_alone_is_told(tmp_path: Path) -> None:
    # GIVEN counters 1 and 2 for А and Б alike, counter 3 for В, and Г on no counter
    config = parse_config(
        {
            "paths": {"data_dir": str(tmp_path / "var")},
            "counters": [
                {"number": 1, "categories": ["А", "Б"]},
                {"number": 2, "categories": ["А", "Б"]},
                {"number": 3, "categories": ["В"]},
                {"number": 4, "categories": ["В"]},
            ],
        },
        base_dir=tmp_path,
        source="test",
    )
    db = upgraded(f"sqlite:///{tmp_path / 'site.sqlite'}", config)
    clock = Clock()
    queue = Queue(db, config, clock=clock)
    for code in "АББАВБА":
        queue.issue(category=code)
    queue.call_next(counter=1)
    clock.advance(minutes=2)
    # WHEN the board reads every category's wait at once (А and Б share one play)
    status = {c.code: c for c in queue.status().categories}
    # THEN each is what a ticket of that category alone is told, and Г, which no counter
    # calls, tells no wait
    estimator = WaitEstimator(SOFIA)
    with db.read() as s:
        for code, told in status.items():
            snap = estimator.snapshot(s, categories=[code], day=clock().date(), now=clock())
            alone = estimates_new(snap, [(code, told.priority)])[0]
            assert (told.estimated_wait_minutes, told.wait_range) == (
                alone.minutes,
                (alone.low, alone.high) if alone.is_range else None,
            ), code
    assert status["А"].estimated_wait_minutes == status["Б"].estimated_wait_minutes > 0
    assert status["Г"].estimated_wait_minutes == 0
    db.dispose()
