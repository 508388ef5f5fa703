"""The citizens' bookings reaching the site (issue #17): each `kiosk sync` pulls its own.

The centre's row is the truth, so a pull replaces the site's copy whenever the centre's
`updated_at` is newer: a cancel or a move at the centre reaches the site. Row security
lets a site's login read only its own site's bookings. The site keeps the name for the
clerk's list of the day and never asks for the contact; a name of a day already past is
not stored again (kiosk.booked_days erases the others after their day).

A pull asks for the days from today to `appointments.horizon_days` ahead, but only for the
rows changed since the last pull, plus those of the days that have come into reach since,
plus any booking the site holds that changed (one moved beyond the days still changes
here). The mark is the centre's clock, less an overlap: a booking written in a transaction
that began before a pull and committed after it carries an older time.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import psycopg
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from kiosk.db import Database
from kiosk.models import Appointment, PullMark
from kiosk.vocabulary import BookingStatus

SOURCE = "bookings"
#: what a pull reads of a booking: never the contact, its hashes or the manage link's hash
PULLED_COLUMNS = (
    "booking_id",
    "code",
    "site_id",
    "category_code",
    "service_id",
    "starts_at",
    "slot_minutes",
    "status",
    "name",
    "language",
    "updated_at",
)
OVERLAP = dt.timedelta(minutes=10)
#: before any pull: every booking of the days in reach
NEVER = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


@dataclass(frozen=True)
class BookingWindow:
    """The local days a site pulls: today and `days` more."""

    tz: ZoneInfo
    days: int

    def bounds(self, now: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
        today = now.astimezone(self.tz).date()
        start = dt.datetime.combine(today, dt.time(0), tzinfo=self.tz)
        end = dt.datetime.combine(today + dt.timedelta(days=self.days + 1), dt.time(0), self.tz)
        return start.astimezone(dt.UTC), end.astimezone(dt.UTC)


def pull_bookings(
    db: Database, central: psycopg.Connection, window: BookingWindow, *, now: dt.datetime
) -> int:
    """Store the site's bookings new or changed at the centre; returns how many. A replay
    changes nothing."""
    start, end = window.bounds(now)
    with db.read() as s:
        mark = s.get(PullMark, SOURCE)
        held = list(s.scalars(select(Appointment.booking_id).where(Appointment.starts_at >= start)))
    since = mark.at - OVERLAP if mark else NEVER
    until = max(mark.until, start) if mark else start
    (centre_now,) = central.execute("SELECT statement_timestamp()").fetchone()
    rows = central.execute(
        f"SELECT {', '.join(PULLED_COLUMNS)} FROM bookings "
        "WHERE (starts_at >= %(start)s AND starts_at < %(end)s "
        "       AND (updated_at > %(since)s OR starts_at >= %(until)s)) "
        "   OR (booking_id = ANY(%(held)s) AND updated_at > %(since)s)",
        {"start": start, "end": end, "since": since, "until": until, "held": held},
    ).fetchall()
    central.commit()
    changed = 0
    with db.write() as s:
        for row in rows:
            booking = dict(zip(PULLED_COLUMNS, row, strict=True))
            if _store(s, booking, today_starts=start, now=now):
                changed += 1
        if mark is None:
            s.add(PullMark(source=SOURCE, at=centre_now, until=end))
        else:
            mark = s.get(PullMark, SOURCE)
            mark.at, mark.until = centre_now, max(mark.until, end)
    return changed


def _store(
    s: Session, booking: dict[str, Any], *, today_starts: dt.datetime, now: dt.datetime
) -> bool:
    have = s.get(Appointment, booking["booking_id"])
    if have is not None and have.updated_at >= booking["updated_at"]:
        return False
    # a code the centre gave again after erasing the booking that held it: the old copy goes
    s.execute(
        delete(Appointment).where(
            Appointment.code == booking["code"], Appointment.booking_id != booking["booking_id"]
        )
    )
    if booking["starts_at"] < today_starts:
        booking["name"] = None
    s.merge(
        Appointment(
            **booking | {"status": BookingStatus(booking["status"]), "pulled_at": now},
        )
    )
    return True
