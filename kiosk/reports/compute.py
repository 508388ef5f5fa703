"""The satisfaction and service report: every figure aggregated in SQL, on SQLite and PostgreSQL.

The tickets and ratings of the period are first reduced to one row of facts each
(a temporary table: local hour and weekday, service category, waiting and service
seconds); every table of the report is then a GROUP BY over those facts. Percentiles
come from window functions (ROW_NUMBER over each group), so only the two rows around
each percentile leave the database. Only ratings marked `counted` count.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta
from sqlalchemy import (
    Column,
    Connection,
    Date,
    Integer,
    MetaData,
    String,
    Table,
    Uuid,
    and_,
    case,
    cast,
    func,
    literal,
    or_,
    select,
)

from kiosk.db import Database
from kiosk.models import (
    CatalogService,
    Rating,
    RatingReason,
    Ticket,
    TicketEvent,
)
from kiosk.register import CLOSED, Status, state_query
from kiosk.reports.localtime import LocalTime, seconds_between

NO_CATEGORY = "-"
#: Faces 1–5 on the 0–100 scale of the market's smiley terminals.
HAPPY_WEIGHTS = {1: 0, 2: 25, 3: 50, 4: 75, 5: 100}
PERCENTILES = (Fraction(1, 2), Fraction(9, 10))
Z95 = 1.959963984540054
#: Kinds of message with a deadline to answer (charter and АПК).
ANSWERABLE = ("complaint", "signal", "suggestion")


# --- the period ------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """A month, quarter or year: [start, end) in local dates."""

    kind: str
    start: dt.date
    end: dt.date

    @classmethod
    def parse(cls, text: str) -> Period:
        """'2026' (year), '2026-Q3' (quarter) or '2026-09' (month)."""
        if m := re.fullmatch(r"(\d{4})", text):
            start = dt.date(int(m[1]), 1, 1)
            return cls("year", start, start + relativedelta(years=1))
        if m := re.fullmatch(r"(\d{4})-[Qq]([1-4])", text):
            start = dt.date(int(m[1]), 3 * int(m[2]) - 2, 1)
            return cls("quarter", start, start + relativedelta(months=3))
        if (m := re.fullmatch(r"(\d{4})-(\d{2})", text)) and 1 <= int(m[2]) <= 12:
            start = dt.date(int(m[1]), int(m[2]), 1)
            return cls("month", start, start + relativedelta(months=1))
        raise ValueError(f"a period like 2026, 2026-Q3 or 2026-09, not {text!r}")

    @property
    def code(self) -> str:
        if self.kind == "year":
            return f"{self.start.year}"
        if self.kind == "quarter":
            return f"{self.start.year}-Q{(self.start.month - 1) // 3 + 1}"
        return f"{self.start.year}-{self.start.month:02d}"

    def previous(self) -> Period:
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

_meta = MetaData()
TICKET_FACTS = Table(
    "report_ticket_facts",
    _meta,
    Column("category", String(20)),
    Column("hour", Integer),
    Column("weekday", Integer),
    Column("day", Date),
    Column("called", Integer),
    Column("no_show", Integer),
    Column("wait_s", Integer),
    Column("service_s", Integer),
    prefixes=["TEMPORARY"],
)
RATING_FACTS = Table(
    "report_rating_facts",
    _meta,
    Column("uuid", Uuid),
    Column("site_id", String(40)),
    Column("category", String(20)),
    Column("counter", Integer),
    Column("hour", Integer),
    Column("weekday", Integer),
    Column("score", Integer),
    prefixes=["TEMPORARY"],
)


def _site_filter(column: Any, sites: Sequence[str] | None) -> Any:
    return column.in_(list(sites)) if sites else literal(True)


def _load_ticket_facts(
    conn: Connection, local: LocalTime, start: dt.datetime, end: dt.datetime, sites: Any
) -> None:
    kind = TicketEvent.kind
    at = TicketEvent.created_at
    steps = (
        select(
            TicketEvent.ticket_uuid.label("ticket_uuid"),
            func.min(at).filter(kind == "called").label("first_called"),
            func.max(at).filter(kind.in_(("called", "serving"))).label("started"),
            func.max(at).filter(kind == "done").label("done_at"),
            func.count().filter(kind == "no_show").label("no_show"),
        )
        .where(
            kind.in_(("called", "serving", "done", "no_show")),
            at >= start,
            at < end + dt.timedelta(days=1),  # a ticket is served on its day
            _site_filter(TicketEvent.site_id, sites),
        )
        .group_by(TicketEvent.ticket_uuid)
        .subquery("steps")
    )
    dialect = local.dialect
    facts = (
        select(
            func.coalesce(CatalogService.category, NO_CATEGORY),
            local.hour(Ticket.created_at),
            local.isoweekday(Ticket.created_at),
            Ticket.service_day,
            case((steps.c.first_called.is_not(None), 1), else_=0),
            case((and_(steps.c.no_show > 0, steps.c.done_at.is_(None)), 1), else_=0),
            seconds_between(dialect, steps.c.first_called, Ticket.created_at),
            seconds_between(dialect, steps.c.done_at, steps.c.started),
        )
        .outerjoin(steps, steps.c.ticket_uuid == Ticket.uuid)
        .outerjoin(CatalogService, CatalogService.id == Ticket.service_id)
        .where(
            Ticket.created_at >= start, Ticket.created_at < end, _site_filter(Ticket.site_id, sites)
        )
    )
    conn.execute(TICKET_FACTS.insert().from_select([c.name for c in TICKET_FACTS.c], facts))


def _load_rating_facts(
    conn: Connection, local: LocalTime, start: dt.datetime, end: dt.datetime, sites: Any
) -> None:
    facts = (
        select(
            Rating.uuid,
            Rating.site_id,
            func.coalesce(CatalogService.category, NO_CATEGORY),
            Rating.counter_number,
            local.hour(Rating.created_at),
            local.isoweekday(Rating.created_at),
            Rating.score,
        )
        .outerjoin(Ticket, Ticket.uuid == Rating.ticket_uuid)
        .outerjoin(
            CatalogService,
            CatalogService.id == func.coalesce(Rating.service_id, Ticket.service_id),
        )
        .where(
            Rating.counted.is_(True),
            Rating.created_at >= start,
            Rating.created_at < end,
            _site_filter(Rating.site_id, sites),
        )
    )
    conn.execute(RATING_FACTS.insert().from_select([c.name for c in RATING_FACTS.c], facts))


def _faces(conn: Connection, *keys: Any) -> dict[Any, Satisfaction]:
    f = RATING_FACTS.c
    rows = conn.execute(select(*keys, f.score, func.count()).group_by(*keys, f.score)).all()
    grouped: dict[Any, dict[int, int]] = defaultdict(dict)
    for *key, score, count in rows:
        grouped[tuple(key) if len(key) > 1 else (key[0] if key else None)][score] = count
    return {k: Satisfaction(dict(sorted(v.items()))) for k, v in grouped.items()}


def _percentiles(
    conn: Connection, value: Any, keys: Sequence[Any]
) -> dict[Any, tuple[int, list[float | None]]]:
    """Per group: its count and the PERCENTILES of `value` (linear between ranks, as percentile_cont).

    The values are first counted per distinct value (thousands of rows, not millions),
    then a running sum over them finds the value at each wanted rank.
    """
    labelled = [k.label(f"k{i}") for i, k in enumerate(keys)]
    dist = (
        select(*labelled, value.label("v"), func.count().label("c"))
        .where(value.is_not(None))
        .group_by(*keys, value)
        .subquery("dist")
    )
    part = [dist.c[f"k{i}"] for i in range(len(keys))] or None
    ranked = select(
        *(dist.c[f"k{i}"] for i in range(len(keys))),
        dist.c.v,
        dist.c.c,
        cast(func.sum(dist.c.c).over(partition_by=part, order_by=dist.c.v), Integer).label("cum"),
        cast(func.sum(dist.c.c).over(partition_by=part), Integer).label("n"),
    ).subquery("ranked")
    # 1-based ranks either side of each percentile: floor((n-1)·p)+1 and the one after it
    targets = [
        (ranked.c.n - 1) * p.numerator // p.denominator + 1 + d for p in PERCENTILES for d in (0, 1)
    ]
    holds = [and_(ranked.c.cum - ranked.c.c < t, t <= ranked.c.cum) for t in targets]
    rows = conn.execute(
        select(
            *(ranked.c[f"k{i}"] for i in range(len(keys))),
            ranked.c.v,
            ranked.c.c,
            ranked.c.cum,
            ranked.c.n,
        ).where(or_(*holds))
    ).all()
    spans: dict[Any, list[tuple[int, int, int]]] = defaultdict(list)  # (first rank, last, value)
    counts: dict[Any, int] = {}
    for *key, v, c, cum, n_rows in rows:
        k = tuple(key) if len(key) > 1 else (key[0] if key else None)
        spans[k].append((cum - c + 1, cum, v))
        counts[k] = n_rows

    def at(k: Any, rank: int) -> int:
        return next(v for first, last, v in spans[k] if first <= rank <= last)

    out = {}
    for k, n_rows in counts.items():
        results: list[float | None] = []
        for p in PERCENTILES:
            h = (n_rows - 1) * p
            lo = math.floor(h) + 1
            v_lo = at(k, lo)
            v_hi = at(k, lo + 1) if lo < n_rows else v_lo
            results.append(float(v_lo + (h - math.floor(h)) * (v_hi - v_lo)))
        out[k] = (n_rows, results)
    return out


def _times(conn: Connection, *keys: Any) -> dict[Any, Times]:
    f = TICKET_FACTS.c
    waits = _percentiles(conn, f.wait_s, keys)
    services = _percentiles(conn, f.service_s, keys)
    out = {}
    for k in set(waits) | set(services):
        w_n, (w_med, w_p90) = waits.get(k, (0, [None, None]))
        s_n, (s_med, s_p90) = services.get(k, (0, [None, None]))
        out[k] = Times(w_n, w_med, w_p90, s_n, s_med, s_p90)
    return out


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
    in_scope = and_(c.created_at >= start, c.created_at < end, _site_filter(c.site_id, sites))
    received = dict(
        conn.execute(select(c.kind, func.count()).where(in_scope).group_by(c.kind)).all()
    )
    is_open = c.status.notin_([s.value for s in CLOSED])
    answered = c.status == Status.ANSWERED.value
    on_time = and_(answered, local.date(c.answered_at) <= c.original_due_date)

    def total(condition: Any) -> Any:
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    row = conn.execute(
        select(
            func.count(),
            total(answered),
            total(on_time),
            total(c.extension_reason.is_not(None)),
            total(c.status == Status.NOT_SUBJECT.value),
            total(and_(is_open, c.due_date < as_of)),
            total(and_(is_open, c.due_date >= as_of)),
        ).where(in_scope, c.kind.in_(ANSWERABLE))
    ).one()
    n, n_answered, n_on_time, n_extended, n_not_subject, n_overdue, n_open = (int(x) for x in row)
    return Complaints(
        received=received,
        answerable=n,
        answered=n_answered,
        answered_on_time=n_on_time,
        answered_late=n_answered - n_on_time,
        extended=n_extended,
        not_subject=n_not_subject,
        overdue=n_overdue,
        open_not_due=n_open,
    )


def compute_report(
    db: Database,
    *,
    period: Period,
    tz: ZoneInfo,
    sites: Iterable[str] | None = None,
    as_of: dt.date,
    with_previous: bool = True,
) -> Report:
    """The report for a period and some sites (None: all), complaint states as at `as_of`."""
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
    with db.read() as s:
        conn = s.connection()
        if db.dialect == "postgresql":
            # a year of tickets grouped by ticket fits in memory; the 4 MB default spills to disk
            conn.exec_driver_sql("SET LOCAL work_mem = '256MB'")
        TICKET_FACTS.create(conn)
        RATING_FACTS.create(conn)
        _load_ticket_facts(conn, local, start, end, site_list)
        _load_rating_facts(conn, local, start, end, site_list)
        report = _report_from_facts(conn, local, period, site_list, start, end, as_of, as_of_utc)
        # on an error the rollback takes the temporary tables with it (DDL is transactional)
        RATING_FACTS.drop(conn)
        TICKET_FACTS.drop(conn)
    if with_previous:
        previous = compute_report(
            db, period=period.previous(), tz=tz, sites=site_list, as_of=as_of, with_previous=False
        )
        report = replace(report, previous=previous)
    return report


def _report_from_facts(
    conn: Connection,
    local: LocalTime,
    period: Period,
    sites: tuple[str, ...] | None,
    start: dt.datetime,
    end: dt.datetime,
    as_of: dt.date,
    as_of_utc: dt.datetime,
) -> Report:
    r, t = RATING_FACTS.c, TICKET_FACTS.c
    reasons = dict(
        conn.execute(
            select(RatingReason.reason, func.count(func.distinct(RatingReason.rating_uuid)))
            .join(
                RATING_FACTS,
                r.uuid == RatingReason.rating_uuid,
            )
            .group_by(RatingReason.reason)
        ).all()
    )
    ticket_row = conn.execute(
        select(
            func.count(),
            func.coalesce(func.sum(t.called), 0),
            func.coalesce(func.sum(t.no_show), 0),
        )
    ).one()
    heat = {
        (wd, h): n
        for wd, h, n in conn.execute(
            select(t.weekday, t.hour, func.count()).group_by(t.weekday, t.hour)
        ).all()
    }
    days = dict(
        conn.execute(select(t.weekday, func.count(func.distinct(t.day))).group_by(t.weekday)).all()
    )
    overall_times = _times(conn).get(None, Times(0, None, None, 0, None, None))
    return Report(
        period=period,
        sites=sites,
        as_of=as_of,
        overall=_faces(conn).get(None, Satisfaction({})),
        by_category=_faces(conn, r.category),
        by_counter=_faces(conn, r.site_id, r.counter),
        by_hour=_faces(conn, r.hour),
        by_weekday=_faces(conn, r.weekday),
        reasons=dict(sorted(reasons.items(), key=lambda kv: -kv[1])),
        times=overall_times,
        times_by_category=_times(conn, t.category),
        times_by_hour=_times(conn, t.hour),
        tickets=int(ticket_row[0]),
        heat=heat,
        days_by_weekday=days,
        called=int(ticket_row[1]),
        no_shows=Share(int(ticket_row[2]), int(ticket_row[1])),
        complaints=_complaints(conn, local, start, end, sites, as_of, as_of_utc),
    )
