"""Local clock time for reports, the same on PostgreSQL and SQLite.

Times are stored in UTC. Tickets and ratings are counted per quarter hour and placed
in local time in Python (`compute`); only the dates of answers are local dates in SQL,
which PostgreSQL works out with its own time-zone database and SQLite, which has none,
with the UTC offsets in force over the report's range, found here from zoneinfo and
applied with one CASE. The cross-database tests compare
the two, which checks these offsets against PostgreSQL's.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import case, func
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
    """Local dates in SQL for one dialect, zone and range of instants."""

    def __init__(self, *, dialect: str, tz: ZoneInfo, start: dt.datetime, end: dt.datetime) -> None:
        self.dialect = dialect
        self.tz = tz
        self.changes = offset_changes(tz, start, end) if dialect != "postgresql" else []

    def date(self, column: ColumnElement) -> ColumnElement:
        if self.dialect == "postgresql":
            return func.date(func.timezone(self.tz.key, column))
        first, *rest = self.changes
        modifier: Any = f"{first[1]:+d} seconds"
        if rest:
            modifier = case(
                *((column >= at, f"{off:+d} seconds") for at, off in reversed(rest)),
                else_=modifier,
            )
        return func.date(func.datetime(column, modifier))
