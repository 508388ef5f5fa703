"""Working hours and Bulgaria's public holidays: when the centre is open and tickets issue."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from zoneinfo import ZoneInfo

from dateutil.easter import EASTER_ORTHODOX, easter

from kiosk.config import Config

# Labour Code art. 154(1): fixed-date public holidays.
_FIXED = ((1, 1), (3, 3), (5, 1), (5, 6), (5, 24), (9, 6), (9, 22), (12, 24), (12, 25), (12, 26))


@lru_cache(maxsize=32)
def public_holidays(year: int) -> frozenset[dt.date]:
    """Bulgaria's public holidays in a year, with the days off that replace weekend ones.

    Art. 154(2): a fixed holiday that falls on a Saturday or Sunday moves the day off
    to the first working day after it; the Easter days do not move.
    """
    pascha = easter(year, EASTER_ORTHODOX)
    days = {pascha + dt.timedelta(days=d) for d in (-2, -1, 0, 1)}
    fixed = sorted(dt.date(year, m, d) for m, d in _FIXED)
    days.update(fixed)
    for day in fixed:
        if day.isoweekday() >= 6:
            moved = day + dt.timedelta(days=1)
            while moved.isoweekday() >= 6 or moved in days:
                moved += dt.timedelta(days=1)
            days.add(moved)
    return frozenset(days)


class ClosedReason(StrEnum):
    HOLIDAY = "holiday"
    WEEKEND = "weekend"
    BEFORE_OPENING = "before_opening"
    AFTER_CLOSING = "after_closing"
    ISSUING_STOPPED = "issuing_stopped"


@dataclass(frozen=True)
class OpenState:
    is_open: bool
    can_issue: bool
    reason: ClosedReason | None
    next_opening: dt.datetime | None  # local time, when closed


@dataclass(frozen=True)
class WorkingHours:
    open: dt.time
    close: dt.time
    days: tuple[int, ...]
    stop_issuing_minutes: int
    extra_holidays: frozenset[dt.date]
    extra_working_days: frozenset[dt.date]
    tz: ZoneInfo

    @classmethod
    def from_config(cls, config: Config) -> WorkingHours:
        return cls(
            open=config.hours.open,
            close=config.hours.close,
            days=config.hours.days,
            stop_issuing_minutes=config.hours.stop_issuing_minutes,
            extra_holidays=frozenset(config.hours.holidays),
            extra_working_days=frozenset(config.hours.working_days),
            tz=config.tz,
        )

    def closed_reason_for_day(self, day: dt.date) -> ClosedReason | None:
        if day in self.extra_working_days:
            return None
        if day in self.extra_holidays or day in public_holidays(day.year):
            return ClosedReason.HOLIDAY
        if day.isoweekday() not in self.days:
            return ClosedReason.WEEKEND
        return None

    def local(self, when: dt.datetime) -> dt.datetime:
        return when.astimezone(self.tz)

    def next_opening(self, when: dt.datetime) -> dt.datetime:
        local = self.local(when)
        day = local.date()
        if local.time() >= self.open:
            day += dt.timedelta(days=1)
        for _ in range(400):
            if self.closed_reason_for_day(day) is None:
                return dt.datetime.combine(day, self.open, tzinfo=self.tz)
            day += dt.timedelta(days=1)
        raise RuntimeError("no working day within 400 days: check hours.days")

    def state(self, when: dt.datetime) -> OpenState:
        """Whether the centre is open at an aware datetime, and whether tickets may issue."""
        local = self.local(when)
        reason = self.closed_reason_for_day(local.date())
        if reason is None:
            now = local.time()
            stop = (
                dt.datetime.combine(local.date(), self.close)
                - dt.timedelta(minutes=self.stop_issuing_minutes)
            ).time()
            if now < self.open:
                reason = ClosedReason.BEFORE_OPENING
            elif now >= self.close:
                reason = ClosedReason.AFTER_CLOSING
            elif now >= stop:
                return OpenState(True, False, ClosedReason.ISSUING_STOPPED, None)
            else:
                return OpenState(True, True, None, None)
        return OpenState(False, False, reason, self.next_opening(when))
