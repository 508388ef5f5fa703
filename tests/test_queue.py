"""The queue engine on the SQLite file and on PostgreSQL."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict

import pytest
from sqlalchemy import event, select

from kiosk.catalog import ensure_catalog
from kiosk.config import PanelConfig
from kiosk.counters import CounterBusy, Counters, NotYourCounter
from kiosk.db import Database
from kiosk.hours import ClosedReason
from kiosk.models import NO_CATEGORY, TicketEvent, TicketOutcome
from kiosk.queue import (
    Arrival,
    CalledNotStarted,
    CounterClosed,
    NoActiveTicket,
    Queue,
    QueueClosed,
    QueueFull,
    Status,
    TicketNotWaiting,
)
from tests.support import SOFIA, Clock


@pytest.fixture
def queue(db: Database, config, clock: Clock) -> Queue:
    return Queue(db, config, clock=clock)


def test_numbers_run_per_category_and_restart_each_day(queue: Queue, clock: Clock) -> None:
    labels = [queue.issue(category=c).label for c in "ААБА"]
    assert labels == ["А001", "А002", "Б001", "А003"]
    clock.set(dt.datetime(2026, 11, 26, 9, 0, tzinfo=SOFIA))
    assert queue.issue(category="А").label == "А001"


def test_priority_first_then_oldest(queue: Queue, clock: Clock) -> None:
    queue.issue(category="А")
    clock.advance(minutes=1)
    queue.issue(category="А")
    clock.advance(minutes=1)
    queue.issue(category="П")
    called = [queue.call_next(counter=1, previous=Arrival.ARRIVED).label for _ in range(3)]
    assert called == ["П001", "А001", "А002"]
    assert queue.call_next(counter=1, previous=Arrival.ARRIVED) is None


def test_counter_only_calls_its_categories(queue: Queue) -> None:
    queue.issue(category="Б")
    assert queue.call_next(counter=1) is None  # counter 1 serves А and П
    assert queue.call_next(counter=3).label == "Б001"


def test_full_journey_is_recorded_as_events(queue: Queue, db: Database, clock: Clock) -> None:
    ticket = queue.issue(category="А", service_id="2016")
    queue.call_next(counter=2, clerk="maria")
    queue.recall(counter=2, clerk="maria")
    clock.advance(minutes=1)
    queue.start(counter=2, clerk="maria")
    clock.advance(minutes=7)
    done = queue.finish(counter=2, clerk="maria")
    assert done.status is Status.DONE
    with db.read() as s:
        kinds = list(
            s.scalars(
                select(TicketEvent.kind)
                .where(TicketEvent.ticket_uuid == ticket.uuid)
                .order_by(TicketEvent.seq)
            )
        )
        clerks = set(s.scalars(select(TicketEvent.clerk).where(TicketEvent.kind != "issued")))
    assert kinds == ["issued", "called", "recalled", "serving", "done"]
    assert clerks == {"maria"}
    with pytest.raises(NoActiveTicket):
        queue.finish(counter=2)


def test_transfer_keeps_place_and_goes_to_the_other_queue(queue: Queue, clock: Clock) -> None:
    first = queue.issue(category="А")
    clock.advance(minutes=5)
    queue.issue(category="Б")
    queue.call_next(counter=1)
    moved = queue.transfer(counter=1, to_category="Б", reason="tax question")
    assert moved.status is Status.WAITING and moved.category_code == "Б"
    # the transferred visitor was there first, so counter 3 calls them before Б001
    assert queue.call_next(counter=3).uuid == first.uuid


def test_transfer_to_a_counter_is_called_there_first(queue: Queue) -> None:
    other = queue.issue(category="Г")
    target = queue.issue(category="А")
    queue.call_next(counter=1)  # calls А001 (counter 1 does not serve Г)
    queue.transfer(counter=1, to_counter=4)
    # the clerk at 4 sees the visitor sent over at the top of the list, the one at 1 does not
    assert [t.uuid for t in queue.waiting(counter=4, categories=["Г"])] == [target.uuid, other.uuid]
    assert target.uuid not in [t.uuid for t in queue.waiting(counter=1, categories=["А", "Г"])]
    assert queue.call_next(counter=4).uuid == target.uuid


def test_a_clerk_closes_their_counter_for_a_break_and_nobody_sent_to_it_is_lost(
    queue: Queue, db: Database, config, clock: Clock
) -> None:
    counters = Counters(db, config, clock=clock)
    for _ in range(6):
        queue.issue(category="А")
    sent = queue.issue(category="Г")
    queue.call_next(counter=1)
    # GIVEN a visitor called at counter 1 WHEN its clerk closes it THEN it is refused
    with pytest.raises(CounterBusy) as busy:
        counters.open_counter(actor="maria", actor_counter=1, number=1, open=False)
    assert busy.value.params == {"number": 1, "label": "А001"}
    # and counter 2 is not hers to close
    with pytest.raises(NotYourCounter):
        counters.open_counter(actor="maria", actor_counter=1, number=2, open=False)
    queue.finish(counter=1)
    # GIVEN a colleague sends a visitor over to counter 1
    queue.call_ticket(counter=4, label=sent.label, clerk="ivan", reason="needs counter 1")
    queue.transfer(counter=4, to_counter=1, clerk="ivan")
    open_wait = next(c for c in queue.status().categories if c.code == "А")
    # WHEN the clerk closes counter 1 for lunch
    closed = counters.open_counter(actor="maria", actor_counter=1, number=1, open=False)
    assert not closed.active and closed.categories == ("А", "П")
    # THEN the board and the estimates have it no more, and no call is made there
    status = queue.status()
    assert 1 not in [c.number for c in status.counters]
    closed_wait = next(c for c in status.categories if c.code == "А")
    assert closed_wait.estimated_wait_minutes > open_wait.estimated_wait_minutes
    with pytest.raises(CounterClosed):
        queue.call_next(counter=1)
    # and the visitor sent over still waits for counter 1, not taken by another counter
    assert queue.ticket(sent.uuid).status is Status.WAITING
    assert sent.uuid not in [t.uuid for t in queue.waiting(counter=4, categories=["В", "Г"])]
    # WHEN it opens again THEN its first call is the visitor sent over
    counters.open_counter(actor="maria", actor_counter=1, number=1, open=True)
    assert queue.call_next(counter=1).uuid == sent.uuid
    changes = counters.changes(limit=2)
    assert [(c.actor, c.key, c.action) for c in changes] == [
        ("maria", "1", "opened"),
        ("maria", "1", "closed"),
    ]


def test_no_show_and_out_of_order_call(queue: Queue, db: Database) -> None:
    queue.issue(category="А")
    queue.issue(category="А")
    called = queue.call_ticket(counter=1, label="А002", clerk="ivan", reason="returning visitor")
    assert called.label == "А002"
    assert queue.no_show(counter=1).status is Status.NO_SHOW
    with pytest.raises(TicketNotWaiting):
        queue.call_ticket(counter=1, label="А002", clerk="ivan", reason="again")
    with db.read() as s:
        reason = s.scalar(select(TicketEvent.reason).where(TicketEvent.kind == "called"))
    assert reason == "out of order: returning visitor"


def test_call_next_finishes_the_ticket_being_served(queue: Queue) -> None:
    first = queue.issue(category="А")
    queue.issue(category="А")
    queue.call_next(counter=1)
    queue.start(counter=1)
    queue.call_next(counter=1)
    assert queue.ticket(first.uuid).status is Status.DONE


def test_a_called_ticket_never_started_is_not_silently_done(
    queue: Queue, db: Database, config
) -> None:
    # GIVEN a ticket called at counter 1 and never started, and another waiting
    first = queue.issue(category="А")
    second = queue.issue(category="А")
    queue.call_next(counter=1, clerk="maria")
    # WHEN the clerk calls the next without saying whether the visitor came
    with pytest.raises(CalledNotStarted) as refused:
        queue.call_next(counter=1, clerk="maria")
    # THEN nothing changed, and the refusal names the ticket for the question
    assert refused.value.params == {"label": "А001", "counter": 1}
    assert queue.ticket(first.uuid).status is Status.CALLED
    assert queue.ticket(second.uuid).status is Status.WAITING
    # WHEN the clerk answers "did not come", the first is a no-show and the second is called
    assert queue.call_next(counter=1, clerk="maria", previous=Arrival.NO_SHOW).label == "А002"
    assert queue.ticket(first.uuid).status is Status.NO_SHOW
    # and "arrived" records the second as served, from its call
    third = queue.issue(category="А")
    assert queue.call_next(counter=1, previous=Arrival.ARRIVED).uuid == third.uuid
    assert queue.ticket(second.uuid).status is Status.DONE
    with db.read() as s:
        outcomes = dict(s.execute(select(TicketOutcome.ticket_uuid, TicketOutcome.outcome)).all())
    assert outcomes == {first.uuid: "no_show", second.uuid: "done"}


@pytest.mark.parametrize(
    ("setting", "recalls", "outcome"), [(2, 2, "no_show"), (2, 1, None), (0, 5, None)]
)
def test_after_enough_recalls_the_next_call_records_a_no_show(
    db: Database, config, clock: Clock, setting: int, recalls: int, outcome: str | None
) -> None:
    # GIVEN panel.no_show_after_recalls = setting and a ticket recalled `recalls` times
    queue = Queue(
        db,
        config.model_copy(update={"panel": PanelConfig(no_show_after_recalls=setting)}),
        clock=clock,
    )
    first = queue.issue(category="А")
    queue.issue(category="А")
    queue.call_next(counter=1)
    for _ in range(recalls):
        clock.advance(minutes=1)
        queue.recall(counter=1)
    # WHEN the clerk calls the next one without an answer
    if outcome is None:
        # THEN below the setting (or with 0: always) the panel must ask
        with pytest.raises(CalledNotStarted):
            queue.call_next(counter=1)
        return
    assert queue.call_next(counter=1).label == "А002"
    # THEN the ticket nobody came for is a no-show, with why
    assert queue.ticket(first.uuid).status is Status.NO_SHOW
    with db.read() as s:
        reason = s.scalar(
            select(TicketEvent.reason).where(
                TicketEvent.ticket_uuid == first.uuid, TicketEvent.kind == "no_show"
            )
        )
    assert reason == "next called after 2 recalls"


def test_calling_out_of_order_also_asks_about_the_called_ticket(queue: Queue) -> None:
    first = queue.issue(category="А")
    queue.issue(category="А")
    queue.call_next(counter=1)
    with pytest.raises(CalledNotStarted):
        queue.call_ticket(counter=1, label="А002", clerk="ivan", reason="returning visitor")
    queue.call_ticket(
        counter=1, label="А002", clerk="ivan", reason="returning", previous=Arrival.NO_SHOW
    )
    assert queue.ticket(first.uuid).status is Status.NO_SHOW


@pytest.mark.parametrize(
    ("local", "reason"),
    [
        (dt.datetime(2026, 11, 25, 8, 0), ClosedReason.BEFORE_OPENING),
        (dt.datetime(2026, 11, 25, 16, 50), ClosedReason.ISSUING_STOPPED),
        (dt.datetime(2026, 11, 25, 17, 30), ClosedReason.AFTER_CLOSING),
        (dt.datetime(2026, 11, 28, 10, 0), ClosedReason.WEEKEND),
        (dt.datetime(2026, 12, 24, 10, 0), ClosedReason.HOLIDAY),
    ],
)
def test_no_tickets_outside_issuing_hours(
    queue: Queue, clock: Clock, local: dt.datetime, reason: ClosedReason
) -> None:
    clock.set(local.replace(tzinfo=SOFIA))
    with pytest.raises(QueueClosed) as info:
        queue.issue(category="А")
    assert info.value.state.reason is reason


def test_estimated_wait_uses_recent_service_times(queue: Queue, clock: Clock) -> None:
    for _ in range(3):
        queue.issue(category="Б")
    for _ in range(2):  # counter 3 serves two visitors, 10 minutes each
        queue.call_next(counter=3)
        clock.advance(minutes=10)
        queue.finish(counter=3)
    ticket = queue.issue(category="Б")
    # one person ahead, median 10 minutes, one counter (3) serving Б
    assert (ticket.people_ahead, ticket.estimated_wait_minutes) == (1, 10)


def test_a_category_stops_at_999(queue: Queue, db: Database) -> None:
    from kiosk.models import NumberSequence

    with db.write() as s:
        s.add(NumberSequence(scope=f"ticket:{queue.today().isoformat()}:В", value=999))
    with pytest.raises(QueueFull):
        queue.issue(category="В")


def test_status_shows_the_counter_that_called(queue: Queue) -> None:
    queue.issue(category="Г")
    queue.issue(category="Г")
    queue.call_next(counter=4)
    queue.call_next(counter=2)
    st = queue.status()
    assert [(c.label, c.counter_number) for c in st.recent_calls] == [("Г002", 2), ("Г001", 4)]
    assert {c.number: (c.current.label if c.current else None) for c in st.counters}[4] == "Г001"


def test_a_ticket_leaving_the_queue_records_its_outcome_and_seconds(
    queue: Queue, db: Database, clock: Clock
) -> None:
    ensure_catalog(db)
    served = queue.issue(category="А", service_id="2016")  # civil status
    missed = queue.issue(category="А")
    clock.advance(minutes=4)
    queue.call_next(counter=1)  # served: waited 4 min
    clock.advance(minutes=1)
    queue.recall(counter=1)  # a recall does not restart the wait
    queue.start(counter=1)
    clock.advance(minutes=6, seconds=30)
    queue.call_next(counter=1)  # finishes `served` after 6.5 min at the counter; calls `missed`
    clock.advance(minutes=2)
    queue.no_show(counter=1)
    with db.read() as s:
        rows = {o.ticket_uuid: o for o in s.scalars(select(TicketOutcome))}
    assert set(rows) == {served.uuid, missed.uuid}
    done, gone = rows[served.uuid], rows[missed.uuid]
    assert (done.outcome, done.wait_s, done.service_s) == ("done", 240, 390)
    assert (gone.outcome, gone.wait_s, gone.service_s) == ("no_show", 690, None)
    assert (done.category, gone.category) == ("civil_status", NO_CATEGORY)
    local_hour = served.issued_at.astimezone(SOFIA).hour
    assert done.hour == gone.hour == local_hour
    assert done.service_day == served.service_day and done.issued_at == served.issued_at


def _make_busy(queue: Queue, categories: str) -> None:
    """Three tickets of each category; every open counter serves one and calls the next."""
    for code in categories:
        for _ in range(3):
            queue.issue(category=code)
    for counter in queue.status().counters:
        if queue.call_next(counter=counter.number, previous=Arrival.ARRIVED):
            queue.call_next(counter=counter.number, previous=Arrival.ARRIVED)


def _statements(db: Database, queue: Queue) -> int:
    executed = []

    def count(*_: object) -> None:
        executed.append(1)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        queue.status()
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    return len(executed)


def test_status_runs_as_many_statements_for_many_categories_and_counters_as_for_few(
    db: Database, config, clock: Clock
) -> None:
    # GIVEN the seeded centre cut to 3 open categories and 3 counters, all busy
    counters = Counters(db, config, clock=clock)
    counters.save_counter(actor="admin", number=4, categories=["В", "Г"], active=False)
    for category in counters.categories():
        if category.code in "ВГ":
            counters.save_category(actor="admin", **{**asdict(category), "active": False})
    queue = Queue(db, config, clock=clock)
    _make_busy(queue, "АБП")
    queue.status()  # the counters' usual breaks, learnt once a day
    few = _statements(db, queue)
    # WHEN it grows to 12 of each, as busy
    more = "ДЕЖЗИКЛМН"
    for code, number in zip(more, range(5, 14), strict=True):
        counters.save_category(actor="admin", code=code, name_bg=code, name_en=code, create=True)
        counters.save_counter(
            actor="admin",
            number=number,
            name_bg=f"Гише {number}",
            name_en=f"Counter {number}",
            categories=[code],
            active=True,
            create=True,
        )
    _make_busy(queue, more)
    status = queue.status()
    assert (len(status.categories), len(status.counters)) == (12, 12)
    # THEN the board's status takes as many statements as before
    assert _statements(db, queue) == few
