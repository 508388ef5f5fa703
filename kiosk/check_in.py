"""A booked visitor's check-in at the kiosk: the booking's code gives a ticket called at its time.

The code is typed on the number pad. Within the window (`[appointments]`
check_in_early_minutes before the slot to late_minutes after it) the ticket is due at the
slot: the queue calls it then, ahead of walk-ins. Later than that, the visitor gets a
walk-in ticket of the same category, and the screen says why. A code checked in once
gives back the same ticket, so a booking never holds two places in the queue.

Codes are six digits and not secret, but a kiosk must not let anyone walk through them
to learn who booked when: wrong codes are counted per terminal in the database with
kiosk.sign_in_limit's functions, as the message status check counts its wrong pairs.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from kiosk.appointments import CODE_DIGITS, CheckIn, check_in_verdict
from kiosk.config import Config
from kiosk.db import Database
from kiosk.errors import KioskError
from kiosk.models import Appointment, AppointmentEvent, utcnow
from kiosk.queue import IssuedTicket, Queue
from kiosk.sign_in_limit import bump, forget_ended, give_back, paused_until
from kiosk.site import SiteBound
from kiosk.vocabulary import AppointmentEventKind, BookingStatus

KEY_PREFIX = "check_in:"
#: the events that gave a booking its ticket
TICKETED = (AppointmentEventKind.CHECKED_IN, AppointmentEventKind.LATE)


class CheckInRefused(KioskError):
    """A booking code that gives no ticket; the subclass says why."""

    code = "check_in_refused"
    status = 409


class UnknownCode(CheckInRefused):
    """No booking at this site has this code (or it was mistyped)."""

    code = "check_in_unknown"
    status = 404


class CheckInPaused(CheckInRefused):
    """Too many wrong codes on this terminal: no check-in until `until` (UTC)."""

    code = "check_in_paused"

    def __init__(self, until: dt.datetime) -> None:
        self.until = until
        super().__init__(f"check-in paused until {until.isoformat()}", until=until)


class BookingCancelled(CheckInRefused):
    code = "check_in_cancelled"


class OtherDay(CheckInRefused):
    """The booking is for another day: `day` (local), before or after today."""

    code = "check_in_other_day"

    def __init__(self, day: dt.date, *, past: bool) -> None:
        self.day, self.past = day, past
        super().__init__(f"the booking is for {day.isoformat()}", day=day, past=past)


class TooEarly(CheckInRefused):
    """Earlier than the window: the visitor may check in from `opens_at` (UTC)."""

    code = "check_in_too_early"

    def __init__(self, opens_at: dt.datetime) -> None:
        self.opens_at = opens_at
        super().__init__(f"check-in opens at {opens_at.isoformat()}", opens_at=opens_at)


class TicketUsed(CheckInRefused):
    """The booking's ticket has been called already (or cancelled): it is not given again."""

    code = "check_in_used"

    def __init__(self, label: str) -> None:
        self.label = label
        super().__init__(f"the booking's ticket {label} is no longer waiting", label=label)


@dataclass(frozen=True)
class CheckedIn:
    """A booked visitor's ticket, and what the kiosk tells them of it."""

    booking_id: uuid.UUID
    ticket: IssuedTicket
    service_id: str | None
    starts_at: dt.datetime  # the slot's start, UTC
    #: past the window: a walk-in ticket, called in turn
    late: bool
    #: the rule the late visitor is told: minutes after the slot's start check-in stays open
    late_minutes: int
    #: the code was checked in before: the same ticket, to print again
    again: bool = False


class CheckIns(SiteBound):
    def __init__(
        self,
        db: Database,
        config: Config,
        *,
        clock: Callable[[], dt.datetime] = utcnow,
        queue: Queue | None = None,
    ) -> None:
        super().__init__(db, config, clock=clock)
        self.queue = queue or Queue(db, config, clock=clock)
        self.rules = config.appointments
        self.window = dt.timedelta(seconds=config.appointments.check_in_window_s)
        self.key = f"{KEY_PREFIX}{self.terminal_id}"

    def paused_until(self) -> dt.datetime | None:
        """When this terminal may check in again, while its wrong codes are used up; else None."""
        with self.db.read() as s:
            return paused_until(
                s,
                self.key,
                attempts=self.rules.check_in_attempts,
                window=self.window,
                now=self.clock(),
            )

    def check_in(self, code: str, *, language: str = "bg") -> CheckedIn:
        """The ticket of the booking with this code, issued now or, checked in before, again.

        Raises a CheckInRefused subclass when no ticket is given, and the queue's
        QueueError outside issuing hours. The try is counted before the code is looked up
        and given back when a booking has it: the try that uses up the last one pauses.
        """
        now = self.clock()
        attempts = self.rules.check_in_attempts
        typed = "".join(ch for ch in code if ch.isdigit())
        earlier = None
        with self.db.write() as s:  # the count is committed whatever the answer
            forget_ended(s, KEY_PREFIX, now=now, window=self.window)
            count, started = bump(s, self.key, now)
            booking = (
                s.scalar(
                    select(Appointment).where(
                        Appointment.code == typed, Appointment.site_id == self.site_id
                    )
                )
                if len(typed) == CODE_DIGITS and count <= attempts
                else None
            )
            if booking is not None:
                give_back(s, self.key)
                earlier = _ticketed(s, booking.booking_id)
        if count > attempts or (booking is None and count == attempts):
            raise CheckInPaused(started + self.window)
        if booking is None:
            raise UnknownCode("no booking at this site with that code")
        if earlier is not None:
            return self._again(booking, earlier)
        if booking.status is BookingStatus.CANCELLED:
            raise BookingCancelled("the booking was cancelled")
        verdict = check_in_verdict(
            booking.starts_at,
            now,
            self.config.tz,
            early_minutes=self.rules.check_in_early_minutes,
            late_minutes=self.rules.late_minutes,
        )
        if verdict is CheckIn.OTHER_DAY:
            day = booking.starts_at.astimezone(self.config.tz).date()
            raise OtherDay(day, past=booking.starts_at < now)
        if verdict is CheckIn.TOO_EARLY:
            raise TooEarly(
                booking.starts_at - dt.timedelta(minutes=self.rules.check_in_early_minutes)
            )
        return self._issue(booking, late=verdict is CheckIn.LATE, language=language, now=now)

    def _issue(
        self, booking: Appointment, *, late: bool, language: str, now: dt.datetime
    ) -> CheckedIn:
        ticket = self.queue.issue(
            category=booking.category_code,
            service_id=booking.service_id,
            language=language,
            due_at=None if late else booking.starts_at,
        )
        with self.db.write() as s:
            # the booking's row locked (PostgreSQL; SQLite's write is one at a time anyway):
            # of two kiosks checking one code in at once, the second finds the first's event
            s.execute(
                select(Appointment.booking_id)
                .where(Appointment.booking_id == booking.booking_id)
                .with_for_update()
            )
            earlier = _ticketed(s, booking.booking_id)
            if earlier is None:
                s.add(
                    AppointmentEvent(
                        site_id=self.site_id,
                        created_at=now,
                        booking_id=booking.booking_id,
                        kind=AppointmentEventKind.LATE if late else AppointmentEventKind.CHECKED_IN,
                        ticket_uuid=ticket.uuid,
                    )
                )
        if earlier is not None:
            self.queue.cancel(ticket_uuid=ticket.uuid, reason="appointment checked in twice")
            return self._again(booking, earlier)
        return self._result(booking, ticket, late=late)

    def _again(self, booking: Appointment, earlier: AppointmentEvent) -> CheckedIn:
        assert earlier.ticket_uuid is not None, "a check-in's event names its ticket"
        ticket = self.queue.issued_again(earlier.ticket_uuid)
        if ticket is None:
            shown = self.queue.ticket(earlier.ticket_uuid)
            raise TicketUsed(shown.label if shown else "")
        late = earlier.kind is AppointmentEventKind.LATE
        return self._result(booking, ticket, late=late, again=True)

    def _result(
        self, booking: Appointment, ticket: IssuedTicket, *, late: bool, again: bool = False
    ) -> CheckedIn:
        return CheckedIn(
            booking_id=booking.booking_id,
            ticket=ticket,
            service_id=booking.service_id,
            starts_at=booking.starts_at,
            late=late,
            late_minutes=self.rules.late_minutes,
            again=again,
        )


def _ticketed(s: Session, booking_id: uuid.UUID) -> AppointmentEvent | None:
    """The event that gave the booking its ticket, if one did."""
    return s.scalar(
        select(AppointmentEvent)
        .where(AppointmentEvent.booking_id == booking_id, AppointmentEvent.kind.in_(TICKETED))
        .order_by(AppointmentEvent.seq)
        .limit(1)
    )
