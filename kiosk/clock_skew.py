"""This PC's clock as the syncs saw it, and the records it stamped while it was off.

Every sync run that reaches the centre measures the site's clock against the centre's
(`sync_runs.clock_skew_s`). A run of measurements beyond the alert threshold is a period
the clock was off; records are stamped with the kiosk's clock, so the tickets, ratings and
messages stamped within that period may carry the wrong time. The period is known only
between measurements: it starts after the last good one and ends at the first good one
after (or now), widened by the skews seen, since a clock that was ahead stamped later
than it was and one that was behind earlier.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select, true

from kiosk.db import Database
from kiosk.models import Message, Rating, SyncRun, Ticket


@dataclass(frozen=True)
class Measurement:
    at: dt.datetime  #: the run's start, by the kiosk's clock
    skew_s: float  #: the kiosk's clock minus the centre's


@dataclass(frozen=True)
class Stamped:
    """Records of one table stamped within a period: how many, the first and last stamp."""

    count: int
    first: dt.datetime | None
    last: dt.datetime | None


@dataclass(frozen=True)
class OffPeriod:
    """The latest period the clock was off by more than the threshold."""

    worst_s: float  #: the largest skew measured in it, with its sign
    before: Measurement | None  #: the last good measurement before it; None: the history begins off
    first_off: Measurement
    last_off: Measurement
    ended: Measurement | None  #: the first good measurement after it; None: still off
    start: dt.datetime | None  #: records stamped from here (None: from the first) …
    end: dt.datetime  #: … to here may carry the wrong time
    tickets: Stamped
    ratings: Stamped
    messages: Stamped


def last_measurement(db: Database) -> Measurement | None:
    with db.read() as s:
        row = s.execute(
            select(SyncRun.started_at, SyncRun.clock_skew_s)
            .where(SyncRun.clock_skew_s.is_not(None))
            .order_by(SyncRun.id.desc())
            .limit(1)
        ).first()
    return None if row is None else Measurement(row[0], row[1])


def latest_off_period(db: Database, *, threshold_s: float, now: dt.datetime) -> OffPeriod | None:
    """The latest period in the skew history beyond `threshold_s`, with the records it touched."""
    with db.read() as s:
        rows = s.execute(
            select(SyncRun.started_at, SyncRun.clock_skew_s)
            .where(SyncRun.clock_skew_s.is_not(None))
            .order_by(SyncRun.id)
        ).all()
    history = [Measurement(at, skew) for at, skew in rows]
    off = [i for i, m in enumerate(history) if abs(m.skew_s) > threshold_s]
    if not off:
        return None
    last = off[-1]
    first = last
    while first > 0 and abs(history[first - 1].skew_s) > threshold_s:
        first -= 1
    before = history[first - 1] if first > 0 else None
    ended = history[last + 1] if last + 1 < len(history) else None
    period = history[first : last + 1]
    worst = max((m.skew_s for m in period), key=abs)
    ahead = max(0.0, max(m.skew_s for m in period))
    behind = max(0.0, -min(m.skew_s for m in period))
    # off since the history begins: every record up to the end
    start = None if before is None else before.at - dt.timedelta(seconds=behind)
    end = (ended.at if ended else now) + dt.timedelta(seconds=ahead)
    with db.read() as s:

        def stamped(model: type[Ticket] | type[Rating] | type[Message]) -> Stamped:
            count, first_at, last_at = s.execute(
                select(func.count(), func.min(model.created_at), func.max(model.created_at))
                .where(model.created_at <= end)
                .where(true() if start is None else model.created_at >= start)
            ).one()
            return Stamped(count, first_at, last_at)

        tickets, ratings, messages = stamped(Ticket), stamped(Rating), stamped(Message)
    return OffPeriod(
        worst_s=worst,
        before=before,
        first_off=history[first],
        last_off=history[last],
        ended=ended,
        start=start,
        end=end,
        tickets=tickets,
        ratings=ratings,
        messages=messages,
    )
