"""The yearly report on client satisfaction (Regulation on Administrative Service, art. 24).

Built on the period report (`compute_report`) of the year and of the year before: its
satisfaction and its handling of complaints within the deadlines (the register's own
`state_query`), with what the Regulation asks beyond it, each part aggregated in SQL:

- every written message, praise included, by channel and by theme. The *theme* of a
  message is the catalogue category of the service it concerns (the service chosen on
  the kiosk or named by the clerk who registered it); a message about no service is
  "service not chosen";
- the share of visitors called within 20 minutes of taking their ticket (the common
  quality standard), by site, by service category and by hour of issue: tickets never
  called (cancelled while waiting) are not among them;
- per art. 10(4), how often and how long each site served after closing: the days on
  which its last ticket of the day ended after the closing time, and by how many minutes.

Nothing here reads a message's text or a person's data: only counts leave the database.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, case, func, select

from kiosk.db import Database
from kiosk.hours import WorkingHours
from kiosk.models import NO_CATEGORY, Message, TicketOutcome
from kiosk.reports.compute import (
    BadPeriod,
    Period,
    Report,
    Satisfaction,
    Share,
    compute_report,
    in_period,
    on_one_snapshot,
    service_categories,
    site_filter,
)
from kiosk.vocabulary import TicketStatus

#: The common quality standard (2019): waiting in line at most 20 minutes.
WAIT_STANDARD_S = 20 * 60
#: Outcomes of a visitor the counter dealt with: a cancelled ticket was not served.
SERVED = (TicketStatus.DONE, TicketStatus.NO_SHOW)


@dataclass(frozen=True)
class AfterClosing:
    """A site's days with tickets ended, and those on which serving went on after closing."""

    days: int
    days_after: int
    median_min: float | None
    longest_min: float | None


@dataclass(frozen=True)
class Year:
    report: Report  # satisfaction, the register's deadlines: the period report of the year
    by_site: dict[str, Satisfaction]
    messages_by_channel: dict[tuple[str, str], int]  # (kind, channel) → messages
    messages_by_theme: dict[tuple[str, str], int]  # (kind, catalogue category) → messages
    within_standard: Share  # tickets called within 20 minutes, of the tickets called
    within_by_site: dict[str, Share]
    within_by_category: dict[str, Share]
    within_by_hour: dict[int, Share]
    after_closing: dict[str, AfterClosing]

    @property
    def messages(self) -> int:
        return sum(self.messages_by_channel.values())


@dataclass(frozen=True)
class YearlyReport:
    year: int
    sites: tuple[str, ...] | None
    as_of: dt.date
    closing: dt.time
    this: Year
    last: Year


def _messages(
    conn: Connection,
    start: dt.datetime,
    end: dt.datetime,
    sites: Any,
    categories: Mapping[str, str] | None,
) -> tuple[dict[tuple[str, str], int], dict[tuple[str, str], int]]:
    m = Message
    rows = conn.execute(
        select(m.kind, m.channel, m.service_id, func.count())
        .where(in_period(m.created_at, start, end), site_filter(m.site_id, sites))
        .group_by(m.kind, m.channel, m.service_id)
    ).all()
    category = service_categories(conn, categories)
    by_channel: dict[tuple[str, str], int] = defaultdict(int)
    by_theme: dict[tuple[str, str], int] = defaultdict(int)
    for kind, channel, service, n in rows:
        by_channel[str(kind), str(channel)] += n
        by_theme[str(kind), category.get(service, NO_CATEGORY) if service else NO_CATEGORY] += n
    return dict(by_channel), dict(by_theme)


def _waits(
    conn: Connection, start: dt.datetime, end: dt.datetime, sites: Any
) -> tuple[Share, dict[str, Share], dict[str, Share], dict[int, Share]]:
    o = TicketOutcome
    keys = (o.site_id, o.category, o.hour)
    rows = conn.execute(
        select(
            *keys,
            func.sum(case((o.wait_s <= WAIT_STANDARD_S, 1), else_=0)),
            func.count(o.wait_s),
        )
        .where(in_period(o.issued_at, start, end), site_filter(o.site_id, sites))
        .group_by(*keys)
    ).all()
    groups: list[dict[Any, list[int]]] = [defaultdict(lambda: [0, 0]) for _ in range(4)]
    for site, category, hour, within, called in rows:
        for group, key in zip(groups, (None, site, category, hour), strict=True):
            group[key][0] += int(within or 0)
            group[key][1] += int(called)
    overall, *parts = ({k: Share(*v) for k, v in g.items() if v[1]} for g in groups)
    return overall.get(None, Share(0, 0)), *parts  # type: ignore[return-value]


def _after_closing(
    conn: Connection, hours: WorkingHours, start: dt.datetime, end: dt.datetime, sites: Any
) -> dict[str, AfterClosing]:
    """From the end of each site's last ticket of each day, against that day's closing time."""
    o = TicketOutcome
    rows = conn.execute(
        select(o.site_id, o.service_day, func.max(o.created_at))
        .where(
            in_period(o.issued_at, start, end),
            site_filter(o.site_id, sites),
            o.outcome.in_(SERVED),
        )
        .group_by(o.site_id, o.service_day)
    ).all()
    late: dict[str, list[float]] = defaultdict(list)
    days: dict[str, int] = defaultdict(int)
    for site, day, last in rows:
        days[site] += 1
        closing = dt.datetime.combine(day, hours.close, tzinfo=hours.tz)
        if (over := (last - closing).total_seconds()) > 0:
            late[site].append(over / 60)
    return {
        site: AfterClosing(
            days=n,
            days_after=len(late[site]),
            median_min=statistics.median(late[site]) if late[site] else None,
            longest_min=max(late[site]) if late[site] else None,
        )
        for site, n in sorted(days.items())
    }


def _by_site(report: Report) -> dict[str, Satisfaction]:
    faces: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for (site, _counter), satisfaction in report.by_counter.items():
        for score, n in satisfaction.faces.items():
            faces[site][score] += n
    return {site: Satisfaction(dict(sorted(f.items()))) for site, f in sorted(faces.items())}


def _year(
    db: Database,
    period: Period,
    *,
    hours: WorkingHours,
    sites: tuple[str, ...] | None,
    as_of: dt.date,
    categories: Mapping[str, str] | None,
) -> Year:
    report = compute_report(
        db,
        period=period,
        tz=hours.tz,
        sites=sites,
        as_of=as_of,
        with_previous=False,
        categories=categories,
    )
    start, end = period.utc_range(hours.tz)
    got = on_one_snapshot(
        db,
        {
            "waits": lambda conn: _waits(conn, start, end, sites),
            "after_closing": lambda conn: _after_closing(conn, hours, start, end, sites),
            "messages": lambda conn: _messages(conn, start, end, sites, categories),
        },
    )
    within, within_by_site, within_by_category, within_by_hour = got["waits"]
    by_channel, by_theme = got["messages"]
    return Year(
        report=report,
        by_site=_by_site(report),
        messages_by_channel=by_channel,
        messages_by_theme=by_theme,
        within_standard=within,
        within_by_site=within_by_site,
        within_by_category=within_by_category,
        within_by_hour=within_by_hour,
        after_closing=got["after_closing"],
    )


def compute_yearly(
    db: Database,
    *,
    period: Period,
    hours: WorkingHours,
    sites: Iterable[str] | None = None,
    as_of: dt.date,
    categories: Mapping[str, str] | None = None,
) -> YearlyReport:
    """The yearly report of a calendar year and the year before, for some sites (None: all).

    Complaint states are as at `as_of` (the report is made after the year, by 1 March).
    `categories`: service id → catalogue category where the database has no catalogue
    (the centre's); the closing time is `hours.close` of the configuration that reports.
    """
    if period.kind != "year":
        raise BadPeriod(f"the yearly report is for a year, not {period.code}", period=period.code)
    site_list = tuple(sites) if sites else None
    common: dict[str, Any] = {
        "hours": hours,
        "sites": site_list,
        "as_of": as_of,
        "categories": categories,
    }
    return YearlyReport(
        year=period.start.year,
        sites=site_list,
        as_of=as_of,
        closing=hours.close,
        this=_year(db, period, **common),
        last=_year(db, period.previous(), **common),
    )
