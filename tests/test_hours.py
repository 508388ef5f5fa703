"""Working hours and Bulgaria's public holidays."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from kiosk.config import load_config
from kiosk.hours import ClosedReason, WorkingHours, public_holidays
from tests.support import SOFIA, make_config

D = dt.date


def test_public_holidays_2026() -> None:
    # Orthodox Easter 2026 is 12 April; 24 May falls on a Sunday (moved to Monday 25 May),
    # 26 December on a Saturday (moved to Monday 28 December).
    expected = {
        D(2026, 1, 1), D(2026, 3, 3), D(2026, 4, 10), D(2026, 4, 11), D(2026, 4, 12), D(2026, 4, 13),
        D(2026, 5, 1), D(2026, 5, 6), D(2026, 5, 24), D(2026, 5, 25), D(2026, 9, 6), D(2026, 9, 7),
        D(2026, 9, 22), D(2026, 12, 24), D(2026, 12, 25), D(2026, 12, 26), D(2026, 12, 28),
    }  # fmt: skip
    assert public_holidays(2026) == expected


@pytest.mark.parametrize(
    ("year", "easter", "moved"),
    [  # checked against the published calendars of those years
        # 1 May 2021 was Holy Saturday: its day off moved past Easter Monday to Tuesday 4 May;
        # 25–26 December a weekend: 27 and 28 December off
        (2021, D(2021, 5, 2), {D(2021, 5, 4), D(2021, 12, 27), D(2021, 12, 28)}),
        # 2022: New Year and 1 May on a weekend (3 January, 2 May off); 24–25 December a
        # weekend and 26th a Monday anyway, so 27 and 28 December off
        (2022, D(2022, 4, 24), {D(2022, 1, 3), D(2022, 5, 2), D(2022, 12, 27), D(2022, 12, 28)}),
    ],
)
def test_weekend_holidays_move_to_the_next_working_day(
    year: int, easter: dt.date, moved: set[dt.date]
) -> None:
    fixed = {D(year, m, d) for m, d in ((1, 1), (3, 3), (5, 1), (5, 6), (5, 24), (9, 6), (9, 22))}
    fixed |= {D(year, 12, d) for d in (24, 25, 26)}
    easter_days = {easter + dt.timedelta(days=n) for n in (-2, -1, 0, 1)}
    assert public_holidays(year) == fixed | easter_days | moved


def test_the_euro_changeover_day_from_the_example_config() -> None:
    # the government closed 2 January 2026 once, for the euro; kiosk.toml.example lists it
    example = Path(__file__).resolve().parent.parent / "kiosk.toml.example"
    hours = WorkingHours.from_config(load_config(example))
    new_year_eve = hours.state(dt.datetime(2025, 12, 30, 17, 30, tzinfo=SOFIA))
    assert hours.closed_reason_for_day(D(2026, 1, 2)) is ClosedReason.HOLIDAY
    assert new_year_eve.next_opening == dt.datetime(2025, 12, 31, 8, 30, tzinfo=hours.tz)
    assert hours.state(dt.datetime(2026, 1, 1, 12, 0, tzinfo=SOFIA)).next_opening == (
        dt.datetime(2026, 1, 5, 8, 30, tzinfo=hours.tz)
    )


def test_config_holidays_and_working_days(tmp_path: Path) -> None:
    hours = WorkingHours.from_config(
        make_config(tmp_path, hours__holidays=["2026-11-27"], hours__working_days=["2026-11-28"])
    )
    assert hours.closed_reason_for_day(D(2026, 11, 27)) is ClosedReason.HOLIDAY
    assert hours.closed_reason_for_day(D(2026, 11, 28)) is None  # a Saturday made a working day
    assert hours.closed_reason_for_day(D(2026, 11, 29)) is ClosedReason.WEEKEND


def test_next_opening_skips_weekend_and_holidays(tmp_path: Path) -> None:
    hours = WorkingHours.from_config(make_config(tmp_path))
    friday_evening = dt.datetime(2026, 12, 23, 18, 0, tzinfo=SOFIA)
    state = hours.state(friday_evening)
    assert not state.is_open and state.reason is ClosedReason.AFTER_CLOSING
    # 24–26 Dec holidays, 27 Sunday, 28 the moved holiday: open again on 29 December
    assert state.next_opening == dt.datetime(2026, 12, 29, 8, 30, tzinfo=hours.tz)
    morning = hours.state(dt.datetime(2026, 11, 25, 7, 0, tzinfo=SOFIA))
    assert morning.next_opening == dt.datetime(2026, 11, 25, 8, 30, tzinfo=hours.tz)


def test_issuing_stops_before_closing_and_dst_is_respected(tmp_path: Path) -> None:
    hours = WorkingHours.from_config(make_config(tmp_path))
    summer = dt.datetime(2026, 7, 1, 14, 40, tzinfo=dt.UTC)  # 17:40 in Sofia (UTC+3): closed
    assert hours.state(summer).reason is ClosedReason.AFTER_CLOSING
    late = dt.datetime(2026, 7, 1, 13, 50, tzinfo=dt.UTC)  # 16:50 in Sofia
    state = hours.state(late)
    assert state.is_open and not state.can_issue and state.reason is ClosedReason.ISSUING_STOPPED
