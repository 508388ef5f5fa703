"""The satisfaction and service report: every figure aggregated in SQL, on SQLite and PostgreSQL.

Each part reads its facts once, all parts from one snapshot of the database (on
PostgreSQL two at a time, on connections sharing an exported snapshot). Waiting and
service times come from `ticket_outcomes` (one row a ticket, its seconds worked out when
it left the queue, so no event is regrouped): one GROUP BY (category, local hour) hands
each group's seconds over as one comma-separated text, and numpy finds the percentiles of
the whole, of each category and of each hour, linear between ranks as `percentile_cont`.
Tickets and ratings are counted per quarter hour (`date_bin` on PostgreSQL, epoch
arithmetic on SQLite) and placed in local time here, once per quarter hour, not a zone
lookup a row; only the complaints' answer dates are local dates in SQL (`localtime`).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from fractions import Fraction
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
from dateutil.relativedelta import relativedelta
from sqlalchemy import BigInteger, Connection, Text, and_, case, cast, func, literal, select

from kiosk.db import Database
from kiosk.errors import KioskError
from kiosk.models import (
    NO_CATEGORY,
    CatalogService,
    Message,
    Rating,
    RatingReason,
    Ticket,
    TicketOutcome,
)
from kiosk.register import CLOSED, Status, state_query
from kiosk.reports.localtime import LocalTime

#: Faces 1–5 on the 0–100 scale of the market's smiley terminals.
HAPPY_WEIGHTS = {1: 0, 2: 25, 3: 50, 4: 75, 5: 100}
PERCENTILES = (Fraction(1, 2), Fraction(9, 10))
Z95 = 1.959963984540054
#: Kinds of message with a deadline to answer (charter and АПК).
ANSWERABLE = ("complaint", "signal", "suggestion")


# --- the period ------------------------------------------------------------------------


class BadPeriod(KioskError):
    """Not a report period: a year (2026), a quarter (2026-Q3), a month (2026-09) or a day
    (2026-09-14)."""

    code = "bad_period"


class PeriodOutOfRange(KioskError):
    """A period no record can be in (before the system or after next year): asking would only
    cost a full scan. `params`: first, last (years)."""

    code = "period_out_of_range"


@dataclass(frozen=True)
class Period:
    """A year, quarter, month or day: [start, end) in local dates.

    A day is the whole calendar day, not the opening hours: a visitor who took a ticket
    before closing and was served after it counts on that day, with the rating given then."""

    kind: str
    start: dt.date
    end: dt.date

    @classmethod
    def parse(cls, text: str) -> Period:
        """'2026' (year), '2026-Q3' (quarter), '2026-09' (month) or '2026-09-14' (day)."""
        try:
            period = cls._parse(text)
        except (ValueError, OverflowError):  # a period ending past the year 9999
            period = None
        if period is None:
            raise BadPeriod(
                f"a period like 2026, 2026-Q3, 2026-09 or 2026-09-14, not {text!r}", period=text
            )
        return period

    @classmethod
    def _parse(cls, text: str) -> Period | None:
        if m := re.fullmatch(r"(\d{4})", text):
            start = dt.date(int(m[1]), 1, 1)
            return cls("year", start, start + relativedelta(years=1))
        if m := re.fullmatch(r"(\d{4})-[Qq]([1-4])", text):
            start = dt.date(int(m[1]), 3 * int(m[2]) - 2, 1)
            return cls("quarter", start, start + relativedelta(months=3))
        if (m := re.fullmatch(r"(\d{4})-(\d{2})", text)) and 1 <= int(m[2]) <= 12:
            start = dt.date(int(m[1]), int(m[2]), 1)
            return cls("month", start, start + relativedelta(months=1))
        if m := re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", text):
            start = dt.date(int(m[1]), int(m[2]), int(m[3]))  # ValueError for 2026-02-30
            return cls("day", start, start + dt.timedelta(days=1))
        return None

    @property
    def code(self) -> str:
        if self.kind == "year":
            return f"{self.start.year}"
        if self.kind == "quarter":
            return f"{self.start.year}-Q{(self.start.month - 1) // 3 + 1}"
        if self.kind == "day":
            return self.start.isoformat()
        return f"{self.start.year}-{self.start.month:02d}"

    def previous(self) -> Period:
        """The period compared with: the one just before, or for a day the same weekday a
        week before, since the day before a Monday is a Sunday with no service and each
        weekday has its own crowd (the heat map's rows)."""
        if self.kind == "day":
            week = dt.timedelta(days=7)
            return Period("day", self.start - week, self.end - week)
        step = {"year": relativedelta(years=1), "quarter": relativedelta(months=3)}.get(
            self.kind, relativedelta(months=1)
        )
        return Period(self.kind, self.start - step, self.start)

    def utc_range(self, tz: ZoneInfo) -> tuple[dt.datetime, dt.datetime]:
        return tuple(  # type: ignore[return-value]
            dt.datetime.combine(d, dt.time(0), tzinfo=tz).astimezone(dt.UTC)
            for d in (self.start, self.end)
        )


# --- results ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Share:
    """count of total, with the Wilson 95% interval."""

    count: int
    total: int

    @property
    def value(self) -> float | None:
        return self.count / self.total if self.total else None

    @property
    def interval(self) -> tuple[float, float] | None:
        if not self.total:
            return None
        n, p = self.total, self.count / self.total
        centre = (p + Z95**2 / (2 * n)) / (1 + Z95**2 / n)
        half = Z95 / (1 + Z95**2 / n) * math.sqrt(p * (1 - p) / n + Z95**2 / (4 * n * n))
        return max(0.0, centre - half), min(1.0, centre + half)


@dataclass(frozen=True)
class Satisfaction:
    faces: dict[int, int]  # score → ratings

    @property
    def count(self) -> int:
        return sum(self.faces.values())

    @property
    def mean(self) -> float | None:
        n = self.count
        return sum(s * c for s, c in self.faces.items()) / n if n else None

    @property
    def happiness(self) -> float | None:
        n = self.count
        return sum(HAPPY_WEIGHTS[s] * c for s, c in self.faces.items()) / n if n else None

    @property
    def satisfied(self) -> Share:
        return Share(self.faces.get(4, 0) + self.faces.get(5, 0), self.count)

    @property
    def dissatisfied(self) -> Share:
        return Share(self.faces.get(1, 0) + self.faces.get(2, 0), self.count)


@dataclass(frozen=True)
class Times:
    """Waiting (issue → first call) and service (call or arrival → done) seconds of a group."""

    waited: int
    wait_median: float | None
    wait_p90: float | None
    served: int
    service_median: float | None
    service_p90: float | None


@dataclass(frozen=True)
class Complaints:
    received: dict[str, int]  # kind → messages
    by_channel: dict[str, int]  # channel → messages (the kiosk, a letter, the box…)
    answerable: int
    answered: int
    answered_on_time: int
    answered_late: int
    extended: int
    not_subject: int
    overdue: int
    open_not_due: int


@dataclass(frozen=True)
class Report:
    period: Period
    sites: tuple[str, ...] | None
    as_of: dt.date
    overall: Satisfaction
    by_category: dict[str, Satisfaction]
    by_counter: dict[tuple[str, int | None], Satisfaction]
    by_hour: dict[int, Satisfaction]
    by_weekday: dict[int, Satisfaction]
    reasons: dict[str, int]
    times: Times
    times_by_category: dict[str, Times]
    times_by_hour: dict[int, Times]
    tickets: int
    heat: dict[tuple[int, int], int]  # (weekday, hour) → tickets
    days_by_weekday: dict[int, int]  # weekday → days with tickets
    called: int
    no_shows: Share
    complaints: Complaints
    previous: Report | None = field(default=None)

    def tickets_per_day(self, weekday: int, hour: int) -> float:
        days = self.days_by_weekday.get(weekday, 0)
        return self.heat.get((weekday, hour), 0) / days if days else 0.0


# --- computing -------------------------------------------------------------------------

#: Tickets and ratings are counted per quarter hour, then placed in local time here: every
#: zone's offset is a whole number of quarter hours.
QUARTER_HOUR = dt.timedelta(minutes=15)
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def site_filter(column: Any, sites: Sequence[str] | None) -> Any:
    return column.in_(list(sites)) if sites else literal(True)


def in_period(column: Any, start: dt.datetime, end: dt.datetime) -> Any:
    return and_(column >= start, column < end)


def _quarter_hour(conn: Connection, column: Any) -> Any:
    """The quarter hour an instant falls in: PostgreSQL's date_bin, the epoch's on SQLite."""
    if conn.dialect.name == "postgresql":
        # a fraction of the cost of epoch arithmetic on each of a year's rows
        return func.date_bin(QUARTER_HOUR, column, EPOCH).label("quarter")
    seconds = int(QUARTER_HOUR.total_seconds())
    return (cast(func.strftime("%s", column), BigInteger) // seconds).label("quarter")


@lru_cache(maxsize=1 << 16)  # tickets and ratings share their quarter hours
def _local(quarter: dt.datetime | int, tz: ZoneInfo) -> dt.datetime:
    if isinstance(quarter, dt.datetime):
        return quarter.astimezone(tz)
    return (EPOCH + quarter * QUARTER_HOUR).astimezone(tz)


def _values(conn: Connection, column: Any) -> Any:
    """A group's non-null integers as one comma-separated text (turned into an array here)."""
    if conn.dialect.name == "postgresql":
        return func.string_agg(cast(column, Text), ",")
    return func.group_concat(column, ",")


def _array(text: str | None) -> np.ndarray:
    return np.fromstring(text, dtype=np.int64, sep=",") if text else np.empty(0, np.int64)


def _times_of(waits: np.ndarray, services: np.ndarray) -> Times:
    def cut(values: np.ndarray) -> list[float | None]:
        if not len(values):
            return [None] * len(PERCENTILES)
        # linear between ranks, as percentile_cont; rounded off binary fractions (1020.0000000001)
        found = np.percentile(values, [float(p) * 100 for p in PERCENTILES])
        return [round(float(v), 6) for v in found]

    return Times(len(waits), *cut(waits), len(services), *cut(services))


def _times(
    conn: Connection, start: dt.datetime, end: dt.datetime, sites: Any
) -> tuple[Times, dict[str, Times], dict[int, Times], int, int]:
    """Waiting and service times overall, by category and by hour; tickets called; no-shows.

    The database hands over each (category, hour)'s seconds as one text and numpy
    finds the percentiles: an exact percentile needs every value, and this moves them
    most cheaply (PostgreSQL's own percentile_cont sorted row by row was four times slower).
    """
    o = TicketOutcome
    rows = conn.execute(
        select(
            o.category,
            o.hour,
            _values(conn, o.wait_s),
            _values(conn, o.service_s),
            func.sum(case((o.outcome == "no_show", 1), else_=0)),
        )
        .where(in_period(o.issued_at, start, end), site_filter(o.site_id, sites))
        .group_by(o.category, o.hour)
    ).all()
    groups = [(category, hour, _array(w), _array(v)) for category, hour, w, v, _ in rows]
    no_shows = sum(int(r[4]) for r in rows)

    def merged(keep: Callable[[str, int], bool]) -> Times:
        chosen = [(w, v) for category, hour, w, v in groups if keep(category, hour)]
        empty = np.empty(0, np.int64)
        return _times_of(
            np.concatenate([w for w, _ in chosen] or [empty]),
            np.concatenate([v for _, v in chosen] or [empty]),
        )

    def present(times: Times) -> bool:
        return bool(times.waited or times.served)

    overall = merged(lambda c, h: True)
    by_category = {
        k: t for k in {g[0] for g in groups} if present(t := merged(lambda c, h, k=k: c == k))
    }
    by_hour = {
        k: t for k in {g[1] for g in groups} if present(t := merged(lambda c, h, k=k: h == k))
    }
    return overall, by_category, by_hour, overall.waited, no_shows


def _tickets(
    conn: Connection, tz: ZoneInfo, start: dt.datetime, end: dt.datetime, sites: Any
) -> tuple[dict[tuple[int, int], int], dict[int, int]]:
    """Tickets by local (weekday, hour), and the number of days with tickets per weekday."""
    bucket = _quarter_hour(conn, Ticket.created_at)
    rows = conn.execute(
        select(bucket, func.count())
        .where(in_period(Ticket.created_at, start, end), site_filter(Ticket.site_id, sites))
        .group_by(bucket)
    ).all()
    heat: dict[tuple[int, int], int] = defaultdict(int)
    days: dict[int, set[dt.date]] = defaultdict(set)
    for b, n in rows:
        at = _local(b, tz)
        heat[at.isoweekday(), at.hour] += n
        days[at.isoweekday()].add(at.date())
    return dict(heat), {wd: len(d) for wd, d in days.items()}


def _rated(start: dt.datetime, end: dt.datetime, sites: Any) -> tuple[Any, ...]:
    return (
        Rating.counted.is_(True),
        in_period(Rating.created_at, start, end),
        site_filter(Rating.site_id, sites),
    )


def service_categories(conn: Connection, categories: Mapping[str, str] | None) -> Mapping[str, str]:
    """Service id → catalogue category: `categories` where given (the centre's), else the site's."""
    if categories is not None:
        return categories
    return dict(conn.execute(select(CatalogService.id, CatalogService.category)).all())


def _faces_by_service(
    conn: Connection,
    start: dt.datetime,
    end: dt.datetime,
    sites: Any,
    categories: Mapping[str, str] | None,
) -> dict[str, dict[Any, dict[int, int]]]:
    """Counted ratings by face: overall, by catalogue category and by counter."""
    category = service_categories(conn, categories)
    faces: dict[str, dict[Any, dict[int, int]]] = {
        name: defaultdict(lambda: defaultdict(int)) for name in ("overall", "category", "counter")
    }
    keys = (Rating.service_id, Rating.site_id, Rating.counter_number, Rating.score)
    for service, site, counter, score, n in conn.execute(
        select(*keys, func.count()).where(*_rated(start, end, sites)).group_by(*keys)
    ).all():
        faces["overall"][None][score] += n
        faces["category"][category.get(service, NO_CATEGORY)][score] += n
        faces["counter"][site, counter][score] += n
    return faces


def _faces_by_time(
    conn: Connection, tz: ZoneInfo, start: dt.datetime, end: dt.datetime, sites: Any
) -> dict[str, dict[Any, dict[int, int]]]:
    """Counted ratings by face and local hour, and by face and weekday."""
    faces: dict[str, dict[Any, dict[int, int]]] = {
        name: defaultdict(lambda: defaultdict(int)) for name in ("hour", "weekday")
    }
    quarter = _quarter_hour(conn, Rating.created_at)
    for q, score, n in conn.execute(
        select(quarter, Rating.score, func.count())
        .where(*_rated(start, end, sites))
        .group_by(quarter, Rating.score)
    ).all():
        at = _local(q, tz)
        faces["hour"][at.hour][score] += n
        faces["weekday"][at.isoweekday()][score] += n
    return faces


def _complaints(
    conn: Connection,
    local: LocalTime,
    start: dt.datetime,
    end: dt.datetime,
    sites: Any,
    as_of: dt.date,
    as_of_utc: dt.datetime,
) -> Complaints:
    state = state_query(before=as_of_utc).subquery("state")
    c = state.c
    in_scope = and_(in_period(c.created_at, start, end), site_filter(c.site_id, sites))
    received = dict(
        conn.execute(select(c.kind, func.count()).where(in_scope).group_by(c.kind)).all()
    )
    registered = and_(
        in_period(Message.created_at, start, end), site_filter(Message.site_id, sites)
    )
    by_channel = dict(
        conn.execute(
            select(Message.channel, func.count()).where(registered).group_by(Message.channel)
        ).all()
    )
    is_open = c.status.notin_(CLOSED)
    answered = c.status == Status.ANSWERED
    on_time = and_(answered, local.date(c.answered_at) <= c.original_due_date)

    def total(condition: Any) -> Any:
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    row = conn.execute(
        select(
            func.count(),
            total(answered),
            total(on_time),
            total(c.extension_reason.is_not(None)),
            total(c.status == Status.NOT_SUBJECT),
            total(and_(is_open, c.due_date < as_of)),
            total(and_(is_open, c.due_date >= as_of)),
        ).where(in_scope, c.kind.in_(ANSWERABLE))
    ).one()
    n, n_answered, n_on_time, n_extended, n_not_subject, n_overdue, n_open = (int(x) for x in row)
    return Complaints(
        received=received,
        by_channel=by_channel,
        answerable=n,
        answered=n_answered,
        answered_on_time=n_on_time,
        answered_late=n_answered - n_on_time,
        extended=n_extended,
        not_subject=n_not_subject,
        overdue=n_overdue,
        open_not_due=n_open,
    )


def _reasons(conn: Connection, start: dt.datetime, end: dt.datetime, sites: Any) -> dict[str, int]:
    rows = conn.execute(
        select(RatingReason.reason, func.count())
        # at the centre a UUID is unique only within its site
        .join(
            Rating,
            (Rating.uuid == RatingReason.rating_uuid) & (Rating.site_id == RatingReason.site_id),
        )
        .where(
            Rating.counted.is_(True),
            in_period(Rating.created_at, start, end),
            site_filter(Rating.site_id, sites),
        )
        .group_by(RatingReason.reason)
    ).all()
    return dict(sorted(rows, key=lambda kv: -kv[1]))


def on_one_snapshot(db: Database, parts: dict[str, Callable[[Connection], Any]]) -> dict[str, Any]:
    """Each part's result, all read from one consistent state of the database.

    On PostgreSQL the parts run side by side, two at a time, on connections that share
    the first one's snapshot (as `pg_dump -j` does), so a ticket committed meanwhile is
    in every part or in none. SQLite reads them in turn in one transaction.
    """
    if db.dialect != "postgresql":
        with db.read() as s:
            return {name: part(s.connection()) for name, part in parts.items()}
    repeatable = db.engine.execution_options(isolation_level="REPEATABLE READ")
    with repeatable.connect() as leader:
        snapshot = leader.exec_driver_sql("SELECT pg_export_snapshot()").scalar_one()

        def run(part: Callable[[Connection], Any]) -> Any:
            with repeatable.connect() as conn:
                conn.exec_driver_sql(f"SET TRANSACTION SNAPSHOT '{snapshot}'")
                return part(conn)

        with ThreadPoolExecutor(2, "report") as pool:
            futures = {name: pool.submit(run, part) for name, part in parts.items()}
            return {name: future.result() for name, future in futures.items()}


def compute_report(
    db: Database,
    *,
    period: Period,
    tz: ZoneInfo,
    sites: Iterable[str] | None = None,
    as_of: dt.date,
    with_previous: bool = True,
    categories: Mapping[str, str] | None = None,
) -> Report:
    """The report for a period and some sites (None: all), complaint states as at `as_of`.

    `categories` maps service ids to catalogue categories where the database has no
    catalogue of its own (the central one); a site's own catalogue serves by default.
    """
    site_list = tuple(sites) if sites else None
    start, end = period.utc_range(tz)
    as_of_utc = dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time(0), tzinfo=tz).astimezone(
        dt.UTC
    )
    local = LocalTime(
        dialect=db.dialect,
        tz=tz,
        start=start - dt.timedelta(days=1),
        end=max(end, as_of_utc) + dt.timedelta(days=1),
    )
    # the costliest first, so the two at a time finish together
    got = on_one_snapshot(
        db,
        {
            "times": lambda conn: _times(conn, start, end, site_list),
            "tickets": lambda conn: _tickets(conn, tz, start, end, site_list),
            "faces": lambda conn: _faces_by_service(conn, start, end, site_list, categories),
            "faces_by_time": lambda conn: _faces_by_time(conn, tz, start, end, site_list),
            "reasons": lambda conn: _reasons(conn, start, end, site_list),
            "complaints": lambda conn: _complaints(
                conn, local, start, end, site_list, as_of, as_of_utc
            ),
        },
    )
    (heat, days) = got["tickets"]
    faces = {
        name: {k: Satisfaction(dict(sorted(v.items()))) for k, v in groups.items()}
        for name, groups in (got["faces"] | got["faces_by_time"]).items()
    }
    times, times_by_category, times_by_hour, called, no_shows = got["times"]
    report = Report(
        period=period,
        sites=site_list,
        as_of=as_of,
        overall=faces["overall"].get(None, Satisfaction({})),
        by_category=faces["category"],
        by_counter=faces["counter"],
        by_hour=faces["hour"],
        by_weekday=faces["weekday"],
        reasons=got["reasons"],
        times=times,
        times_by_category=times_by_category,
        times_by_hour=times_by_hour,
        tickets=sum(heat.values()),
        heat=heat,
        days_by_weekday=days,
        called=called,
        no_shows=Share(no_shows, called),
        complaints=got["complaints"],
    )
    if with_previous:
        previous = compute_report(
            db,
            period=period.previous(),
            tz=tz,
            sites=site_list,
            as_of=as_of,
            with_previous=False,
            categories=categories,
        )
        report = replace(report, previous=previous)
    return report
