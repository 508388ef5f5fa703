"""SQL expressions for local clock time, the same numbers on PostgreSQL and SQLite.

Times are stored in UTC and reported by the local hour, weekday and date. PostgreSQL
converts with its own time-zone database (`timezone(zone, ts)`); SQLite has none, so
the UTC offsets in force over the report's range are worked out here from zoneinfo and
applied with one CASE. The cross-database tests compare the two, which checks this
module's offsets against PostgreSQL's.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from sqlalchemy import Integer, case, cast, func
from sqlalchemy.sql.elements import ColumnElement


def offset_changes(
    tz: ZoneInfo, start: dt.datetime, end: dt.datetime
) -> list[tuple[dt.datetime, int]]:
    """(UTC instant, offset in seconds from then on) for each change in [start, end), first at start."""

    def offset(at: dt.datetime) -> int:
        return int(at.astimezone(tz).utcoffset().total_seconds())  # type: ignore[union-attr]

    changes = [(start, offset(start))]
    at = start
    while at < end:
        step = at + dt.timedelta(hours=1)
        if offset(step) != changes[-1][1]:
            lo, hi = at, step  # narrow the change to the second
            while hi - lo > dt.timedelta(seconds=1):
                mid = lo + (hi - lo) / 2
                lo, hi = (mid, hi) if offset(mid) == changes[-1][1] else (lo, mid)
            changes.append((hi, offset(hi)))
        at = step
    return changes


class LocalTime:
    """Builds local-time expressions for one dialect, zone and range of instants."""

    def __init__(self, *, dialect: str, tz: ZoneInfo, start: dt.datetime, end: dt.datetime) -> None:
        self.dialect = dialect
        self.tz = tz
        self.changes = offset_changes(tz, start, end) if dialect != "postgresql" else []

    def _shifted(self, column: ColumnElement) -> ColumnElement:
        if self.dialect == "postgresql":
            return func.timezone(self.tz.key, column)
        first, *rest = self.changes
        if not rest:
            return func.datetime(column, f"{first[1]:+d} seconds")
        # the latest change at or before the instant decides its offset
        modifier = case(
            *((column >= at, f"{off:+d} seconds") for at, off in reversed(rest)),
            else_=f"{first[1]:+d} seconds",
        )
        return func.datetime(column, modifier)

    def hour(self, column: ColumnElement) -> ColumnElement:
        local = self._shifted(column)
        if self.dialect == "postgresql":
            return cast(func.extract("hour", local), Integer)
        return cast(func.strftime("%H", local), Integer)

    def isoweekday(self, column: ColumnElement) -> ColumnElement:
        """1 = Monday … 7 = Sunday."""
        local = self._shifted(column)
        if self.dialect == "postgresql":
            return cast(func.extract("isodow", local), Integer)
        sunday_zero = cast(func.strftime("%w", local), Integer)
        return case((sunday_zero == 0, 7), else_=sunday_zero)

    def date(self, column: ColumnElement) -> ColumnElement:
        return func.date(self._shifted(column))


def seconds_between(dialect: str, end: ColumnElement, start: ColumnElement) -> ColumnElement:
    """Whole seconds from start to end (NULL when either is NULL)."""
    if dialect == "postgresql":
        span = func.extract("epoch", end - start)
    else:
        span = (func.julianday(end) - func.julianday(start)) * 86400
    return cast(func.round(span), Integer)
