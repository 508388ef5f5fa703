"""The report's figures on a hand-built month, exactly, and the same on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from kiosk.db import Database
from kiosk.reports.compute import BadPeriod, Period, Report, Share, compute_report
from tests.report_fixtures import build_evening, build_known_month

SOFIA = ZoneInfo("Europe/Sofia")
AS_OF = dt.date(2026, 12, 10)


@pytest.fixture
def report(db: Database, config) -> Report:
    build_known_month(db, config)
    return compute_report(db, period=Period.parse("2026-11"), tz=SOFIA, sites=None, as_of=AS_OF)


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("2026", dt.date(2026, 1, 1), dt.date(2027, 1, 1)),
        ("2026-Q3", dt.date(2026, 7, 1), dt.date(2026, 10, 1)),
        ("2026-09", dt.date(2026, 9, 1), dt.date(2026, 10, 1)),
    ],
)
def test_periods(text: str, start: dt.date, end: dt.date) -> None:
    period = Period.parse(text)
    assert (period.start, period.end, period.code) == (start, end, text)
    assert period.previous().end == start


def test_a_day_is_a_period_compared_with_the_same_weekday_a_week_before() -> None:
    day = Period.parse("2026-12-03")
    assert (day.kind, day.start, day.end, day.code) == (
        "day",
        dt.date(2026, 12, 3),
        dt.date(2026, 12, 4),
        "2026-12-03",
    )
    # a Thursday against a Thursday: the day before a Monday would be a closed Sunday
    assert day.previous() == Period("day", dt.date(2026, 11, 26), dt.date(2026, 11, 27))


@pytest.mark.parametrize(
    "text", ["2026-02-30", "2026-13-01", "2026-12-3", "9999-12-31", "2026-12-03x"]
)
def test_a_day_that_is_no_date_is_refused(text: str) -> None:
    with pytest.raises(BadPeriod):
        Period.parse(text)


def test_a_day_counts_the_service_that_went_on_after_closing(db: Database, config) -> None:
    # GIVEN a day whose last visitor, issued a ticket before 17:00, was served after it
    day = build_evening(db, config)
    # WHEN the quality officer asks for that day
    report = compute_report(db, period=Period.parse("2026-12-03"), tz=SOFIA, as_of=day)
    # THEN the evening's service is in it, and nothing of the next morning
    assert (report.tickets, report.heat) == (1, {(4, 16): 1})
    t = report.times
    assert (t.waited, t.wait_median, t.served, t.service_median) == (1, 1500.0, 1, 1800.0)
    assert report.overall.faces == {4: 1}
    assert report.by_hour == {17: report.overall}
    assert report.previous.period.code == "2026-11-26" and report.previous.tickets == 0


def test_ratings_only_counted_ones(report: Report) -> None:
    overall = report.overall
    assert overall.faces == {1: 1, 3: 1, 4: 1, 5: 1}  # the repeated 2 is not counted
    assert (overall.count, overall.mean, overall.happiness) == (4, 3.25, 56.25)
    assert (overall.satisfied.count, overall.dissatisfied.count) == (2, 1)
    low, high = overall.satisfied.interval
    assert low == pytest.approx(0.1500, abs=1e-4) and high == pytest.approx(0.8500, abs=1e-4)


def test_ratings_by_category_counter_hour_and_weekday(report: Report, config) -> None:
    faces = lambda groups: {k: v.faces for k, v in groups.items()}  # noqa: E731
    assert faces(report.by_category) == {
        "civil_status": {4: 1, 5: 1},
        "local_taxes": {1: 1},
        "-": {3: 1},
    }
    site = config.site_id
    assert faces(report.by_counter) == {
        (site, 1): {4: 1, 5: 1},
        (site, 3): {1: 1},
        (site, None): {3: 1},
    }
    assert faces(report.by_hour) == {9: {4: 1, 5: 1}, 10: {1: 1}, 11: {3: 1}}
    assert faces(report.by_weekday) == {3: {1: 1, 3: 1, 4: 1, 5: 1}}
    assert report.reasons == {"fast": 1, "kind": 1, "waiting": 1}


def test_waiting_and_service_times(report: Report) -> None:
    t = report.times
    assert (t.waited, t.wait_median, t.wait_p90) == (3, 600.0, 1080.0)
    assert (t.served, t.service_median, t.service_p90) == (2, 540.0, 588.0)
    civil = report.times_by_category["civil_status"]
    assert (civil.wait_median, civil.wait_p90, civil.service_median) == (450.0, 570.0, 540.0)
    assert report.times_by_category["local_taxes"].wait_median == 1200.0
    assert "-" not in report.times_by_category  # its one ticket was never called
    assert {h: v.wait_median for h, v in report.times_by_hour.items()} == {
        9: 450.0,
        10: 1200.0,
    }


def test_tickets_heat_map_and_no_shows(report: Report) -> None:
    assert report.tickets == 4
    assert report.heat == {(3, 9): 2, (3, 10): 2}
    assert report.days_by_weekday == {3: 1}
    assert report.tickets_per_day(3, 9) == 2.0
    assert (report.called, report.no_shows) == (3, Share(1, 3))


def test_complaints_as_at_a_date(report: Report) -> None:
    c = report.complaints
    assert c.received == {"complaint": 5, "signal": 1, "praise": 1}
    assert (c.answerable, c.answered, c.answered_on_time, c.answered_late) == (6, 3, 2, 1)
    assert (c.extended, c.not_subject, c.overdue, c.open_not_due) == (1, 1, 1, 1)


def test_previous_period_is_summer_time_and_compared(report: Report) -> None:
    prev = report.previous
    assert prev.period.code == "2026-10"
    assert prev.overall.faces == {2: 1}
    # 09:00 in Sofia in October is 06:00 UTC: bucketed at local 9
    assert prev.heat == {(3, 9): 1} and prev.times.wait_median == 120.0
    assert prev.complaints.received == {}


def test_site_filter(db: Database, config) -> None:
    build_known_month(db, config)
    period = Period.parse("2026-11")
    other = compute_report(db, period=period, tz=SOFIA, sites=["elsewhere"], as_of=AS_OF)
    assert (other.tickets, other.overall.count, other.complaints.answerable) == (0, 0, 0)
    mine = compute_report(db, period=period, tz=SOFIA, sites=[config.site_id], as_of=AS_OF)
    assert (mine.tickets, mine.overall.count) == (4, 4)


def test_sqlite_and_postgresql_give_the_same_report(
    sqlite_db: Database, pg_db: Database, config
) -> None:
    reports = []
    for database in (sqlite_db, pg_db):
        build_known_month(database, config)
        reports.append(
            compute_report(database, period=Period.parse("2026-Q4"), tz=SOFIA, as_of=AS_OF)
        )
    assert reports[0] == reports[1]
    assert (reports[0].overall.count, reports[0].tickets) == (5, 5)
