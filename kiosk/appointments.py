"""Appointments (issue #17): the slots a rule offers, a booking's code, and check-in's verdict.

The secretary sets rules at the centre, per site and ticket category: which weekdays and
hours take appointments, how long a slot is, how many visitors the counters serve in one
and the share of them kept for walk-ins. Citizens book what is left on the citizens' pages;
each site pulls its bookings before their day; the kiosk checks a booked visitor in by the
booking's code. This module is the arithmetic all three share, with no storage of its own.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from enum import StrEnum
from zoneinfo import ZoneInfo

from kiosk.hours import WorkingHours

#: digits only: typed on the kiosk's number pad by a visitor of any age
CODE_DIGITS = 6


@dataclass(frozen=True)
class SlotRule:
    """When one site's category takes appointments (set by the secretary at the centre)."""

    site_id: str
    category_code: str
    weekdays: tuple[int, ...]  # ISO: 1 = Monday
    starts: dt.time  # local time of the first slot
    ends: dt.time  # local time by which the last slot ends
    slot_minutes: int
    #: visitors the category's counters serve in one slot
    capacity: int
    #: percent of the capacity kept for visitors who come without booking
    walk_in_share: int
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None

    @property
    def bookable(self) -> int:
        """Bookings one slot takes: the capacity less the walk-ins' share (rounded in their
        favour, so a share above nought always keeps at least one place)."""
        kept = -(-self.capacity * self.walk_in_share // 100)
        return max(0, self.capacity - kept)

    def applies_on(self, day: dt.date) -> bool:
        return (
            day.isoweekday() in self.weekdays
            and (self.valid_from is None or day >= self.valid_from)
            and (self.valid_to is None or day <= self.valid_to)
        )


@dataclass(frozen=True)
class Slot:
    site_id: str
    category_code: str
    starts_at: dt.datetime  # aware, UTC
    minutes: int
    free: int


def slot_starts(rule: SlotRule, day: dt.date, tz: ZoneInfo) -> list[dt.datetime]:
    """The starts (UTC) of the rule's slots on a local day: none on a weekday it does not
    cover or on a public holiday (the Labour Code's, with their moved days off)."""
    if not rule.applies_on(day) or rule.slot_minutes <= 0:
        return []
    hours = WorkingHours(
        open=rule.starts,
        close=rule.ends,
        days=rule.weekdays,
        stop_issuing_minutes=0,
        extra_holidays=frozenset(),
        extra_working_days=frozenset(),
        tz=tz,
    )
    if hours.closed_reason_for_day(day) is not None:
        return []
    start = dt.datetime.combine(day, rule.starts, tzinfo=tz)
    end = dt.datetime.combine(day, rule.ends, tzinfo=tz)
    step = dt.timedelta(minutes=rule.slot_minutes)
    starts = []
    while start + step <= end:
        starts.append(start.astimezone(dt.UTC))
        start += step
    return starts


def free_slots(
    rule: SlotRule,
    day: dt.date,
    tz: ZoneInfo,
    *,
    booked: dict[dt.datetime, int],
    not_before: dt.datetime,
) -> list[Slot]:
    """The rule's slots on a day that still take a booking: `booked` counts the live bookings
    per slot start; a slot starting before `not_before` (now plus the notice) is gone."""
    return [
        Slot(rule.site_id, rule.category_code, at, rule.slot_minutes, free)
        for at in slot_starts(rule, day, tz)
        if at >= not_before and (free := rule.bookable - booked.get(at, 0)) > 0
    ]


def new_code() -> str:
    """A booking's code for the kiosk: random digits (the store retries on a collision).

    Not a secret: it only checks a visitor in, at the kiosk, rate-limited. The link to
    cancel or move a booking carries a separate unguessable token.
    """
    return "".join(secrets.choice("0123456789") for _ in range(CODE_DIGITS))


class CheckIn(StrEnum):
    """What the kiosk does with a booked visitor who types the code."""

    TOO_EARLY = "too_early"  #: come back from the window's start
    ON_TIME = "on_time"  #: a ticket, called at the slot's time ahead of walk-ins
    LATE = "late"  #: past the window: a walk-in ticket, and the rule shown
    OTHER_DAY = "other_day"  #: the booking is for another day


def check_in_verdict(
    starts_at: dt.datetime,
    now: dt.datetime,
    tz: ZoneInfo,
    *,
    early_minutes: int,
    late_minutes: int,
) -> CheckIn:
    if starts_at.astimezone(tz).date() != now.astimezone(tz).date():
        return CheckIn.OTHER_DAY
    if now < starts_at - dt.timedelta(minutes=early_minutes):
        return CheckIn.TOO_EARLY
    if now > starts_at + dt.timedelta(minutes=late_minutes):
        return CheckIn.LATE
    return CheckIn.ON_TIME
