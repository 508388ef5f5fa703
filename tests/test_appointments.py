"""The appointment arithmetic the centre, the citizens' pages and the kiosk share."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from kiosk.appointments import (
    CODE_DIGITS,
    CheckIn,
    SlotRule,
    check_in_verdict,
    free_slots,
    new_code,
    slot_starts,
)

SOFIA = ZoneInfo("Europe/Sofia")


def rule(**changes: object) -> SlotRule:
    values: dict[str, object] = {
        "site_id": "centre",
        "category_code": "А",
        "weekdays": (1, 2, 3, 4, 5),
        "starts": dt.time(9, 0),
        "ends": dt.time(11, 0),
        "slot_minutes": 30,
        "capacity": 4,
        "walk_in_share": 50,
    }
    values.update(changes)
    return SlotRule(**values)  # type: ignore[arg-type]


def local(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=SOFIA).astimezone(dt.UTC)


MONDAY = dt.date(2026, 12, 7)


def test_slots_fill_the_hours_on_a_working_day() -> None:
    assert slot_starts(rule(), MONDAY, SOFIA) == [
        local(MONDAY, 9),
        local(MONDAY, 9, 30),
        local(MONDAY, 10),
        local(MONDAY, 10, 30),
    ]


def test_a_slot_that_would_end_after_the_hours_is_not_offered() -> None:
    assert slot_starts(rule(ends=dt.time(10, 50)), MONDAY, SOFIA)[-1] == local(MONDAY, 10)


@pytest.mark.parametrize(
    "day",
    [
        dt.date(2026, 12, 5),  # a Saturday
        dt.date(2026, 12, 24),  # Christmas Eve, a public holiday on a Thursday
        dt.date(2027, 3, 3),  # Liberation Day
        dt.date(2027, 4, 30),  # Orthodox Good Friday 2027
    ],
)
def test_no_slots_on_weekends_or_public_holidays(day: dt.date) -> None:
    assert slot_starts(rule(weekdays=(1, 2, 3, 4, 5)), day, SOFIA) == []


def test_a_rule_outside_its_dates_offers_nothing() -> None:
    later = rule(valid_from=MONDAY + dt.timedelta(days=1))
    assert slot_starts(later, MONDAY, SOFIA) == []
    assert slot_starts(rule(valid_to=MONDAY - dt.timedelta(days=1)), MONDAY, SOFIA) == []


@pytest.mark.parametrize(
    ("capacity", "share", "bookable"),
    [(4, 50, 2), (3, 50, 1), (5, 0, 5), (1, 10, 0), (10, 25, 7), (2, 100, 0)],
)
def test_the_walk_ins_share_is_kept_rounded_in_their_favour(
    capacity: int, share: int, bookable: int
) -> None:
    assert rule(capacity=capacity, walk_in_share=share).bookable == bookable


def test_free_slots_leave_out_full_and_too_soon_ones() -> None:
    nine, half_past = local(MONDAY, 9), local(MONDAY, 9, 30)
    slots = free_slots(
        rule(), MONDAY, SOFIA, booked={half_past: 2, local(MONDAY, 10): 1}, not_before=half_past
    )
    assert [(s.starts_at, s.free) for s in slots] == [
        (local(MONDAY, 10), 1),
        (local(MONDAY, 10, 30), 2),
    ]
    assert nine not in [s.starts_at for s in slots]


def test_codes_are_digits_of_a_fixed_length_and_vary() -> None:
    codes = {new_code() for _ in range(200)}
    assert all(len(c) == CODE_DIGITS and c.isdigit() for c in codes)
    assert len(codes) > 190


@pytest.mark.parametrize(
    ("arrives", "verdict"),
    [
        ((7, 59), CheckIn.TOO_EARLY),
        ((8, 0), CheckIn.ON_TIME),
        ((9, 0), CheckIn.ON_TIME),
        ((9, 10), CheckIn.ON_TIME),
        ((9, 11), CheckIn.LATE),
    ],
)
def test_check_in_window(arrives: tuple[int, int], verdict: CheckIn) -> None:
    now = local(MONDAY, *arrives)
    got = check_in_verdict(local(MONDAY, 9), now, SOFIA, early_minutes=60, late_minutes=10)
    assert got is verdict


def test_check_in_on_another_day() -> None:
    tomorrow = local(MONDAY + dt.timedelta(days=1), 9)
    got = check_in_verdict(tomorrow, local(MONDAY, 9), SOFIA, early_minutes=60, late_minutes=10)
    assert got is CheckIn.OTHER_DAY
