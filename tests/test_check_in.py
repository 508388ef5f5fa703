"""A booked visitor's check-in by code: a ticket due at the slot within the window, a walk-in
ticket after it, a clear refusal otherwise; one ticket per booking; wrong codes paused."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest
from sqlalchemy import func, select

from devices.printer import VirtualPrinter
from devices.render import decode
from kiosk.check_in import (
    BookingCancelled,
    CheckedIn,
    CheckInPaused,
    CheckIns,
    OtherDay,
    TicketUsed,
    TooEarly,
    UnknownCode,
)
from kiosk.config import Config
from kiosk.db import Database
from kiosk.models import AppointmentEvent, QueueState
from kiosk.printing import ticket_slip
from kiosk.queue import Queue, QueueClosed
from kiosk.vocabulary import AppointmentEventKind, BookingStatus, TicketStatus
from tests.support import SOFIA, WORKING_MORNING, Clock, make_config, store_booking

TODAY = WORKING_MORNING.date()  # the clock's day: Wednesday, 10:00 in Sofia


def at(hour: int, minute: int = 0, *, days: int = 0) -> dt.datetime:
    local = dt.datetime.combine(TODAY + dt.timedelta(days=days), dt.time(hour, minute), SOFIA)
    return local.astimezone(dt.UTC)


def book(
    db: Database,
    config: Config,
    starts_at: dt.datetime,
    *,
    code: str = "482917",
    status: BookingStatus = BookingStatus.BOOKED,
    site_id: str | None = None,
) -> uuid.UUID:
    return store_booking(
        db,
        code=code,
        site_id=site_id or config.site_id,
        category_code="Б",
        service_id="2016",
        starts_at=starts_at,
        slot_minutes=30,
        status=status,
        name="Мария Георгиева",
        updated_at=starts_at - dt.timedelta(days=3),
    )


def events(db: Database, booking_id: uuid.UUID) -> list[tuple[AppointmentEventKind, Any]]:
    with db.read() as s:
        rows = s.execute(
            select(AppointmentEvent.kind, AppointmentEvent.ticket_uuid)
            .where(AppointmentEvent.booking_id == booking_id)
            .order_by(AppointmentEvent.seq)
        ).all()
    return [tuple(r) for r in rows]


def queued(db: Database, ticket_uuid: uuid.UUID) -> QueueState:
    with db.read() as s:
        row = s.get(QueueState, ticket_uuid)
        assert row is not None
        return row


def waiting_tickets(db: Database) -> int:
    with db.read() as s:
        return s.scalar(
            select(func.count())
            .select_from(QueueState)
            .where(QueueState.status == TicketStatus.WAITING)
        )


@pytest.fixture
def desk(sqlite_db: Database, config: Config, clock: Clock) -> CheckIns:
    return CheckIns(sqlite_db, config, clock=clock)


def test_an_early_visitor_gets_a_ticket_due_at_the_slot(
    sqlite_db: Database, config: Config, desk: CheckIns
) -> None:
    booking = book(sqlite_db, config, at(10, 30))  # 30 minutes early: inside the 60 allowed
    result = desk.check_in("482 917", language="en")
    assert not result.late and not result.again and result.starts_at == at(10, 30)
    ticket = result.ticket
    assert (ticket.category_code, ticket.service_id, ticket.label) == ("Б", "2016", "Б001")
    row = queued(sqlite_db, ticket.uuid)
    assert (row.due_at, row.service_id, row.status) == (at(10, 30), "2016", TicketStatus.WAITING)
    assert events(sqlite_db, booking) == [(AppointmentEventKind.CHECKED_IN, ticket.uuid)]


def test_within_the_late_minutes_the_ticket_is_still_due_at_the_slot(
    sqlite_db: Database, config: Config, desk: CheckIns
) -> None:
    book(sqlite_db, config, at(9, 50))  # 10 minutes ago: the last minute of the window
    result = desk.check_in("482917")
    assert not result.late
    assert queued(sqlite_db, result.ticket.uuid).due_at == at(9, 50)


def test_a_late_visitor_gets_a_walk_in_ticket_and_the_rule(
    sqlite_db: Database, config: Config, desk: CheckIns, clock: Clock
) -> None:
    booking = book(sqlite_db, config, at(9, 30))
    clock.advance(minutes=1)  # 10:01: 31 minutes after the slot, the rule allows 10
    result = desk.check_in("482917")
    assert result.late and result.late_minutes == config.appointments.late_minutes == 10
    row = queued(sqlite_db, result.ticket.uuid)
    assert row.due_at is None and row.category_code == "Б" and row.service_id == "2016"
    assert events(sqlite_db, booking) == [(AppointmentEventKind.LATE, result.ticket.uuid)]


@pytest.mark.parametrize(
    ("starts_at", "refusal"),
    [
        (at(11, 30), TooEarly),  # 90 minutes ahead: the window opens at 10:30
        (at(10, 30, days=1), OtherDay),
        (at(10, 30, days=-1), OtherDay),
    ],
)
def test_a_booking_outside_today_s_window_gives_no_ticket(
    sqlite_db: Database, config: Config, desk: CheckIns, starts_at: dt.datetime, refusal: type
) -> None:
    booking = book(sqlite_db, config, starts_at)
    with pytest.raises(refusal) as refused:
        desk.check_in("482917")
    if isinstance(refused.value, TooEarly):
        assert refused.value.opens_at == at(10, 30)
    else:
        assert refused.value.day == starts_at.astimezone(SOFIA).date()
        assert refused.value.past is (starts_at < desk.clock())
    assert events(sqlite_db, booking) == [] and waiting_tickets(sqlite_db) == 0
    assert desk.paused_until() is None  # a real code is not a wrong try


def test_unknown_cancelled_and_another_site_s_codes_are_refused(
    sqlite_db: Database, config: Config, desk: CheckIns
) -> None:
    book(sqlite_db, config, at(10, 30), code="111111", status=BookingStatus.CANCELLED)
    book(sqlite_db, config, at(10, 30), code="222222", site_id="other-site")
    with pytest.raises(BookingCancelled):
        desk.check_in("111111")
    with pytest.raises(UnknownCode):
        desk.check_in("222222")
    with pytest.raises(UnknownCode):
        desk.check_in("333333")
    with pytest.raises(UnknownCode):
        desk.check_in("48291")  # a digit short
    assert waiting_tickets(sqlite_db) == 0


def test_a_second_check_in_gives_back_the_same_ticket_until_it_is_called(
    sqlite_db: Database, config: Config, desk: CheckIns, clock: Clock
) -> None:
    booking = book(sqlite_db, config, at(10, 30))
    first = desk.check_in("482917")
    clock.advance(minutes=5)
    again = desk.check_in("482917")
    assert again.again and again.ticket.uuid == first.ticket.uuid
    assert again.ticket.label == first.ticket.label and not again.late
    assert waiting_tickets(sqlite_db) == 1 and len(events(sqlite_db, booking)) == 1
    Queue(sqlite_db, config, clock=clock).call_ticket(
        counter=3, label=first.ticket.label, clerk=None, reason="called by name"
    )
    with pytest.raises(TicketUsed) as used:
        desk.check_in("482917")
    assert used.value.label == first.ticket.label


def test_a_late_visitor_checking_in_again_keeps_the_walk_in_ticket(
    sqlite_db: Database, config: Config, desk: CheckIns, clock: Clock
) -> None:
    book(sqlite_db, config, at(9, 0))
    first = desk.check_in("482917")
    again = desk.check_in("482917")
    assert first.late and again.late and again.again
    assert again.ticket.uuid == first.ticket.uuid and waiting_tickets(sqlite_db) == 1


class RacingQueue(Queue):
    """A queue in which another kiosk checks the same code in while this one issues."""

    other: CheckIns | None = None

    def issue(self, **kwargs: Any) -> Any:
        other, self.other = self.other, None
        if other is not None:
            self.raced = other.check_in("482917")
        return super().issue(**kwargs)


def test_two_kiosks_checking_one_code_in_at_once_leave_one_ticket(
    db: Database, config: Config, clock: Clock, tmp_path: Any
) -> None:
    booking = book(db, config, at(10, 30))
    racing = RacingQueue(db, config, clock=clock)
    second_kiosk = make_config(tmp_path, feedback__terminal_id="kiosk-2")
    racing.other = CheckIns(db, second_kiosk, clock=clock)
    mine = CheckIns(db, config, clock=clock, queue=racing).check_in("482917")
    assert mine.again and mine.ticket.uuid == racing.raced.ticket.uuid
    assert waiting_tickets(db) == 1
    assert events(db, booking) == [(AppointmentEventKind.CHECKED_IN, mine.ticket.uuid)]


def test_wrong_codes_pause_the_kiosk_across_a_restart_until_the_window_ends(
    sqlite_db: Database, config: Config, clock: Clock
) -> None:
    book(sqlite_db, config, at(10, 30))
    attempts = config.appointments.check_in_attempts
    desk = CheckIns(sqlite_db, config, clock=clock)
    for _ in range(attempts - 1):
        with pytest.raises(UnknownCode):
            desk.check_in("000000")
    assert desk.check_in("482917").ticket  # a right code gives its try back
    with pytest.raises(CheckInPaused) as paused:
        desk.check_in("000001")  # the last try pauses at once
    until = clock() + dt.timedelta(seconds=config.appointments.check_in_window_s)
    assert paused.value.until == until
    restarted = CheckIns(sqlite_db, config, clock=clock)
    assert restarted.paused_until() == until
    with pytest.raises(CheckInPaused):
        restarted.check_in("482917")  # even a right code waits for the pause to end
    clock.set(until)
    assert restarted.paused_until() is None
    assert restarted.check_in("482917").again


def test_outside_issuing_hours_a_late_visitor_gets_no_ticket(
    sqlite_db: Database, config: Config, desk: CheckIns, clock: Clock
) -> None:
    book(sqlite_db, config, at(9, 0))
    clock.set(at(22, 0))
    with pytest.raises(QueueClosed):
        desk.check_in("482917")
    assert waiting_tickets(sqlite_db) == 0


def test_the_result_holds_no_personal_data(
    sqlite_db: Database, config: Config, desk: CheckIns
) -> None:
    book(sqlite_db, config, at(10, 30))
    result: CheckedIn = desk.check_in("482917")
    assert "Мария" not in repr(result)


@pytest.mark.parametrize("language", ["bg", "en"])
def test_the_printed_ticket_says_the_appointment_time_or_that_it_was_missed(
    sqlite_db: Database, config: Config, desk: CheckIns, language: str
) -> None:
    printer = VirtualPrinter(config.data_dir / "printer")
    book(sqlite_db, config, at(10, 30))
    book(sqlite_db, config, at(9, 0), code="135790")
    for code in ("482917", "135790"):
        checked = desk.check_in(code, language=language)
        slip = ticket_slip(
            issued=checked.ticket, config=config, service=None, language=language, check_in=checked
        )
        assert printer.print_ticket(slip).ok
    on_time, late = (decode(job).text.splitlines() for job in printer.jobs[-2:])
    words = {
        "bg": ("Записан час: 10:30", "Ще ви поканим в 10:30 ч.", "Очаквано чакане"),
        "en": ("Appointment at 10:30", "You will be called at 10:30.", "Expected wait"),
    }[language]
    assert words[0] in on_time and words[1] in on_time
    assert not any(line.startswith(words[2]) for line in on_time)  # called at its time
    missed = {
        "bg": "Записаният час 09:00 е пропуснат: чакате по реда си",
        "en": "Appointment at 09:00 missed: waiting in turn",
    }[language]
    # a long line wraps at the paper's width
    assert missed in " ".join(late) and any(line.startswith(words[2]) for line in late)
