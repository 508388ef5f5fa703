"""Booked visitors on their day at the site (issue #17): the clerk's list, and the day's end.

The bookings come from the centre (sync/booking_pull.py); the kiosk checks a visitor in by
the code (kiosk/check_in.py), recording `checked_in` with the ticket or `late`. Here the
clerk's panel reads where each of today's bookings stands, and the day's end records a
no-show for every booking nobody checked in — at the close of the working day, not at the
end of the check-in window: a visitor past the window may still come and take a walk-in
ticket (recorded `late`), and counting them also as a no-show would count them twice.
The same step erases the names of the days gone by: the clerk needs them only on the day.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Collection
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import select, update

from kiosk.hours import WorkingHours
from kiosk.models import Appointment, AppointmentEvent, QueueState
from kiosk.site import SiteBound
from kiosk.vocabulary import AppointmentEventKind, BookingStatus


class VisitStatus(StrEnum):
    """Where a booking of today stands, as the clerk's panel shows it."""

    BOOKED = "booked"  #: the slot or its check-in window is still to come
    CHECKED_IN = "checked_in"  #: a ticket called at the slot's time
    LATE = "late"  #: came past the window: a walk-in ticket
    OVERDUE = "overdue"  #: the window is over and nobody has checked in (yet)
    NO_SHOW = "no_show"  #: recorded at the day's end
    CANCELLED = "cancelled"  #: cancelled by the citizen at the centre


_RECORDED = {
    AppointmentEventKind.CHECKED_IN: VisitStatus.CHECKED_IN,
    AppointmentEventKind.LATE: VisitStatus.LATE,
    AppointmentEventKind.NO_SHOW: VisitStatus.NO_SHOW,
}


@dataclass(frozen=True)
class BookedVisit:
    booking_id: uuid.UUID
    starts_at: dt.datetime
    slot_minutes: int
    code: str
    name: str | None
    category_code: str
    service_id: str | None
    status: VisitStatus
    #: the ticket the visitor took at check-in (on time or late)
    ticket_label: str | None = None


@dataclass(frozen=True)
class DayEnd:
    no_shows: int  # no-shows recorded now
    names_erased: int


class Booked(SiteBound):
    """Today's bookings of the site and what became of them."""

    def _day(self, day: dt.date) -> tuple[dt.datetime, dt.datetime]:
        tz = self.config.tz
        start = dt.datetime.combine(day, dt.time(0), tzinfo=tz)
        return start.astimezone(dt.UTC), (start + dt.timedelta(days=1)).astimezone(dt.UTC)

    def today(self, *, categories: Collection[str] | None = None) -> list[BookedVisit]:
        """Today's bookings (of `categories`, or all) by their time, each with its status."""
        now = self.clock()
        start, end = self._day(now.astimezone(self.config.tz).date())
        late = dt.timedelta(minutes=self.config.appointments.late_minutes)
        with self.db.read() as s:
            query = select(Appointment).where(
                Appointment.starts_at >= start, Appointment.starts_at < end
            )
            if categories is not None:
                query = query.where(Appointment.category_code.in_(categories))
            booked = list(s.scalars(query.order_by(Appointment.starts_at, Appointment.code)))
            latest: dict[uuid.UUID, tuple[AppointmentEventKind, str | None]] = {}
            for booking_id, kind, label in s.execute(
                select(AppointmentEvent.booking_id, AppointmentEvent.kind, QueueState.label)
                .outerjoin(QueueState, QueueState.ticket_uuid == AppointmentEvent.ticket_uuid)
                .where(AppointmentEvent.booking_id.in_([b.booking_id for b in booked]))
                .order_by(AppointmentEvent.seq)
            ):
                latest[booking_id] = (kind, label)
        visits = []
        for b in booked:
            kind, label = latest.get(b.booking_id, (None, None))
            if b.status is BookingStatus.CANCELLED:
                status = VisitStatus.CANCELLED
            elif kind is not None:
                status = _RECORDED[kind]
            else:
                status = VisitStatus.OVERDUE if now > b.starts_at + late else VisitStatus.BOOKED
            visits.append(
                BookedVisit(
                    booking_id=b.booking_id,
                    starts_at=b.starts_at,
                    slot_minutes=b.slot_minutes,
                    code=b.code,
                    name=b.name,
                    category_code=b.category_code,
                    service_id=b.service_id,
                    status=status,
                    ticket_label=label,
                )
            )
        return visits

    def end_days(self) -> DayEnd:
        """Record a no-show for each booking of a day over (today's once the working day has
        closed) that nobody checked in, and erase the names of the days before today. A
        second run records nothing more."""
        now = self.clock()
        tz = self.config.tz
        hours = WorkingHours.from_config(self.config)
        today = now.astimezone(tz).date()
        today_start, today_end = self._day(today)
        closed = now >= dt.datetime.combine(today, hours.close, tzinfo=tz)
        over = today_end if closed else today_start
        late = dt.timedelta(minutes=self.config.appointments.late_minutes)
        with self.db.write() as s:
            missed = [
                booking_id
                for booking_id, starts_at in s.execute(
                    select(Appointment.booking_id, Appointment.starts_at).where(
                        Appointment.status == BookingStatus.BOOKED,
                        Appointment.starts_at < over,
                        Appointment.booking_id.not_in(select(AppointmentEvent.booking_id)),
                    )
                )
                # a slot that ends the day (or a rule beyond the hours) keeps its window
                if starts_at + late < now
            ]
            s.add_all(
                AppointmentEvent(
                    site_id=self.site_id,
                    created_at=now,
                    booking_id=booking_id,
                    kind=AppointmentEventKind.NO_SHOW,
                )
                for booking_id in missed
            )
            erased = s.execute(
                update(Appointment)
                .where(Appointment.starts_at < today_start, Appointment.name.isnot(None))
                .values(name=None)
            ).rowcount
        return DayEnd(no_shows=len(missed), names_erased=erased)
