"""The secretary's appointment rules as stored at the centre, read as kiosk.appointments.SlotRule.

One reading serves the centre's rules page (which edits them) and the citizens' booking pages
(which offer their free slots), so the two never disagree on what a row means. Saving checks
a rule whole (`check_rule`): every problem is named with its form field, so the page shows it
beside the field; a rule is never saved in part.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, delete, func, insert, select, update

from kiosk.appointments import SlotRule, slot_starts
from kiosk.checks import N_
from kiosk.counters import CODE
from kiosk.errors import KioskError
from kiosk.hours import WorkingHours
from kiosk.reports.wording import weekday_text
from kiosk.vocabulary import BookingStatus
from sync.schema import appointment_rules, bookings, central

#: what the sites pushed of their booked visitors (kiosk.models.AppointmentEvent)
appointment_events = central.tables["appointment_events"]


#: a slot shorter than this is no visit; longer than this is half a day
SLOT_MINUTES = (5, 240)
MAX_CAPACITY = 50

#: the problems a rule can have, by code, in English with {named} places
PROBLEM_TEXTS: dict[str, str] = {
    "no_site": N_("There is no such site."),
    "bad_category": N_("A ticket category is one capital letter, Cyrillic or Latin."),
    "no_weekday": N_("Choose at least one working day."),
    "not_working_day": N_("{day} is not a working day."),
    "bad_time": N_("Give the time as HH:MM, e.g. 09:00."),
    "before_opening": N_("The hours begin at {open} at the earliest: the site opens then."),
    "after_closing": N_("The hours end at {close} at the latest: the site closes then."),
    "ends_before_start": N_("The end comes after the start."),
    "bad_slot": N_("A slot lasts {low} to {high} minutes, in steps of 5."),
    "slots_do_not_fit": N_(
        "The hours from {starts} to {ends} are not a whole number of {minutes}-minute slots."
    ),
    "bad_capacity": N_("Capacity is a whole number from 1 to {high}."),
    "bad_share": N_("The walk-ins' share is a whole number from 0 to 100."),
    "bad_date": N_("Give the date as YYYY-MM-DD, or leave it empty."),
    "to_before_from": N_("The last valid day comes after the first."),
    "overlaps": N_("Overlaps the rule for {days} {starts}–{ends} of this site and category."),
}


@dataclass(frozen=True)
class StoredRule:
    id: int
    rule: SlotRule
    updated_at: dt.datetime
    updated_by: str | None


def load_rules(
    conn: Connection,
    *,
    site_id: str | None = None,
    category_code: str | None = None,
    rule_id: int | None = None,
) -> list[StoredRule]:
    """The rules, by site, category and first slot; narrowed to a site, a category or one
    rule if given."""
    query = select(appointment_rules).order_by(
        appointment_rules.c.site_id, appointment_rules.c.category_code, appointment_rules.c.starts
    )
    if rule_id is not None:
        query = query.where(appointment_rules.c.id == rule_id)
    if site_id is not None:
        query = query.where(appointment_rules.c.site_id == site_id)
    if category_code is not None:
        query = query.where(appointment_rules.c.category_code == category_code)
    return [
        StoredRule(
            id=row.id,
            rule=SlotRule(
                site_id=row.site_id,
                category_code=row.category_code,
                weekdays=tuple(sorted(row.weekdays)),
                starts=row.starts,
                ends=row.ends,
                slot_minutes=row.slot_minutes,
                capacity=row.capacity,
                walk_in_share=row.walk_in_share,
                valid_from=row.valid_from,
                valid_to=row.valid_to,
            ),
            updated_at=row.updated_at,
            updated_by=row.updated_by,
        )
        for row in conn.execute(query)
    ]


_WEEKDAY_PARAMS = {"day", "days"}
_ISO_WEEKDAYS = {str(n) for n in range(1, 8)}


@dataclass(frozen=True)
class RuleProblem:
    """One thing wrong with a rule, and the form field it belongs beside."""

    field: str
    code: str
    params: tuple[tuple[str, str], ...] = ()

    def text(self, translate: Callable[[str], str], language: str) -> str:
        params = dict(self.params)
        # weekdays are kept as ISO numbers and named in the reader's language
        for key in _WEEKDAY_PARAMS & params.keys():
            params[key] = ", ".join(weekday_text(int(d), language) for d in params[key].split(","))
        return translate(PROBLEM_TEXTS[self.code]).format(**params)


class RuleRefused(KioskError):
    """A rule the centre does not save; `problems` say why, field by field."""

    code = "rule_refused"

    def __init__(self, problems: Sequence[RuleProblem]) -> None:
        super().__init__("; ".join(f"{p.field}: {p.code}" for p in problems))
        self.problems = tuple(problems)


class NoSuchRule(KioskError):
    code = "no_rule"
    status = 404


@dataclass(frozen=True)
class RuleForm:
    """A rule as the page's form sends it: text, checked here and nowhere else."""

    site_id: str = ""
    category_code: str = ""
    weekdays: tuple[str, ...] = ()
    starts: str = ""
    ends: str = ""
    slot_minutes: str = ""
    capacity: str = ""
    walk_in_share: str = ""
    valid_from: str = ""
    valid_to: str = ""

    @classmethod
    def of(cls, rule: SlotRule) -> RuleForm:
        return cls(
            site_id=rule.site_id,
            category_code=rule.category_code,
            weekdays=tuple(str(d) for d in rule.weekdays),
            starts=f"{rule.starts:%H:%M}",
            ends=f"{rule.ends:%H:%M}",
            slot_minutes=str(rule.slot_minutes),
            capacity=str(rule.capacity),
            walk_in_share=str(rule.walk_in_share),
            valid_from=rule.valid_from.isoformat() if rule.valid_from else "",
            valid_to=rule.valid_to.isoformat() if rule.valid_to else "",
        )


def _time(text: str) -> dt.time | None:
    try:
        return dt.datetime.strptime(text.strip(), "%H:%M").time()
    except ValueError:
        return None


def _whole(text: str, low: int, high: int) -> int | None:
    text = text.strip()
    return int(text) if text.isascii() and text.isdecimal() and low <= int(text) <= high else None


def _date(text: str) -> tuple[dt.date | None, bool]:
    """The date typed, and whether it could be read (empty: none, and fine)."""
    if not text.strip():
        return None, True
    try:
        return dt.date.fromisoformat(text.strip()), True
    except ValueError:
        return None, False


@dataclass
class _Checker:
    problems: list[RuleProblem] = field(default_factory=list)

    def refuse(self, key: str, code: str, **params: object) -> None:
        self.problems.append(RuleProblem(key, code, tuple((k, str(v)) for k, v in params.items())))


def check_rule(
    conn: Connection,
    form: RuleForm,
    *,
    hours: WorkingHours,
    site_ids: Iterable[str],
    rule_id: int | None = None,
) -> SlotRule:
    """The rule the form describes, or `RuleRefused` with every problem it has: its hours
    inside the site's working hours and on its working days, a whole number of slots, and no
    overlap with another rule of the site and category (`rule_id`: the one being edited)."""
    check = _Checker()
    if form.site_id not in set(site_ids):
        check.refuse("site_id", "no_site")
    code = form.category_code.strip().upper()
    if not CODE.fullmatch(code):
        check.refuse("category_code", "bad_category")
    days = sorted({int(d) for d in form.weekdays if d in _ISO_WEEKDAYS})
    if not days:
        check.refuse("weekdays", "no_weekday")
    for day in days:
        if day not in hours.days:
            check.refuse("weekdays", "not_working_day", day=day)
    starts, ends = _time(form.starts), _time(form.ends)
    for key, value in (("starts", starts), ("ends", ends)):
        if value is None:
            check.refuse(key, "bad_time")
    if starts is not None and starts < hours.open:
        check.refuse("starts", "before_opening", open=f"{hours.open:%H:%M}")
    if ends is not None and ends > hours.close:
        check.refuse("ends", "after_closing", close=f"{hours.close:%H:%M}")
    if starts is not None and ends is not None and ends <= starts:
        check.refuse("ends", "ends_before_start")
    minutes = _whole(form.slot_minutes, *SLOT_MINUTES)
    if minutes is None or minutes % 5:
        check.refuse("slot_minutes", "bad_slot", low=SLOT_MINUTES[0], high=SLOT_MINUTES[1])
    elif starts is not None and ends is not None and ends > starts:
        span = (ends.hour * 60 + ends.minute) - (starts.hour * 60 + starts.minute)
        if span % minutes:
            check.refuse(
                "slot_minutes",
                "slots_do_not_fit",
                starts=f"{starts:%H:%M}",
                ends=f"{ends:%H:%M}",
                minutes=minutes,
            )
    capacity = _whole(form.capacity, 1, MAX_CAPACITY)
    if capacity is None:
        check.refuse("capacity", "bad_capacity", high=MAX_CAPACITY)
    share = _whole(form.walk_in_share, 0, 100)
    if share is None:
        check.refuse("walk_in_share", "bad_share")
    valid_from, from_ok = _date(form.valid_from)
    valid_to, to_ok = _date(form.valid_to)
    for key, ok in (("valid_from", from_ok), ("valid_to", to_ok)):
        if not ok:
            check.refuse(key, "bad_date")
    if valid_from and valid_to and valid_to < valid_from:
        check.refuse("valid_to", "to_before_from")
    if check.problems:
        raise RuleRefused(check.problems)
    assert starts and ends and minutes and capacity is not None and share is not None
    rule = SlotRule(
        site_id=form.site_id,
        category_code=code,
        weekdays=tuple(days),
        starts=starts,
        ends=ends,
        slot_minutes=minutes,
        capacity=capacity,
        walk_in_share=share,
        valid_from=valid_from,
        valid_to=valid_to,
    )
    for other in load_rules(conn, site_id=rule.site_id, category_code=rule.category_code):
        if other.id != rule_id and overlap(rule, other.rule):
            check.refuse(
                "starts",
                "overlaps",
                days=",".join(str(d) for d in other.rule.weekdays),
                starts=f"{other.rule.starts:%H:%M}",
                ends=f"{other.rule.ends:%H:%M}",
            )
    if check.problems:
        raise RuleRefused(check.problems)
    return rule


def overlap(a: SlotRule, b: SlotRule) -> bool:
    """Whether two rules could offer the same minute: a shared weekday, overlapping hours and
    overlapping validity (an open end reaches forever)."""
    far_past, far_future = dt.date.min, dt.date.max
    return (
        bool(set(a.weekdays) & set(b.weekdays))
        and a.starts < b.ends
        and b.starts < a.ends
        and (a.valid_from or far_past) <= (b.valid_to or far_future)
        and (b.valid_from or far_past) <= (a.valid_to or far_future)
    )


def _values(rule: SlotRule, *, by: str, now: dt.datetime) -> dict[str, object]:
    return {
        "site_id": rule.site_id,
        "category_code": rule.category_code,
        "weekdays": list(rule.weekdays),
        "starts": rule.starts,
        "ends": rule.ends,
        "slot_minutes": rule.slot_minutes,
        "capacity": rule.capacity,
        "walk_in_share": rule.walk_in_share,
        "valid_from": rule.valid_from,
        "valid_to": rule.valid_to,
        "updated_at": now,
        "updated_by": by,
    }


def _lock(conn: Connection, form: RuleForm) -> None:
    # two secretaries saving rules of one site and category at once would each miss the
    # other's in the overlap check: a transaction-long lock on the pair serialises them
    key = f"rules {form.site_id} {form.category_code.strip().upper()}"
    conn.execute(select(func.pg_advisory_xact_lock(func.hashtext(key))))


def save_rule(
    conn: Connection,
    form: RuleForm,
    *,
    hours: WorkingHours,
    site_ids: Iterable[str],
    by: str,
    now: dt.datetime,
    rule_id: int | None = None,
) -> int:
    """Check the form's rule and store it, as a new rule or over `rule_id`; its id."""
    _lock(conn, form)
    rule = check_rule(conn, form, hours=hours, site_ids=site_ids, rule_id=rule_id)
    values = _values(rule, by=by, now=now)
    if rule_id is None:
        return conn.execute(
            insert(appointment_rules).values(values).returning(appointment_rules.c.id)
        ).scalar_one()
    changed = conn.execute(
        update(appointment_rules).where(appointment_rules.c.id == rule_id).values(values)
    )
    if changed.rowcount != 1:
        raise NoSuchRule(f"no rule {rule_id}", rule=rule_id)
    return rule_id


def delete_rule(conn: Connection, rule_id: int) -> StoredRule:
    """Remove a rule; bookings already made keep their slots (the citizens were told)."""
    found = load_rules(conn, rule_id=rule_id)
    if not found:
        raise NoSuchRule(f"no rule {rule_id}", rule=rule_id)
    conn.execute(delete(appointment_rules).where(appointment_rules.c.id == rule_id))
    return found[0]


@dataclass(frozen=True)
class DayPreview:
    day: dt.date
    slots: int
    bookable: int
    booked: int


def _booked(
    conn: Connection, site_id: str, category_code: str, start: dt.datetime, end: dt.datetime
) -> Counter[dt.datetime]:
    rows = conn.execute(
        select(bookings.c.starts_at, func.count())
        .where(
            bookings.c.site_id == site_id,
            bookings.c.category_code == category_code,
            bookings.c.status == BookingStatus.BOOKED.value,
            bookings.c.starts_at >= start,
            bookings.c.starts_at < end,
        )
        .group_by(bookings.c.starts_at)
    )
    return Counter({at: n for at, n in rows})


def preview(
    conn: Connection, rule: SlotRule, *, days: Sequence[dt.date], hours: WorkingHours
) -> list[DayPreview]:
    """Each day's slots under the rule, the bookings they take and those made already; a day
    the site is closed (a holiday the centre set too) offers none."""
    tz: ZoneInfo = hours.tz
    start = dt.datetime.combine(days[0], dt.time(), tzinfo=tz)
    end = dt.datetime.combine(days[-1] + dt.timedelta(days=1), dt.time(), tzinfo=tz)
    booked = _booked(conn, rule.site_id, rule.category_code, start, end)
    out = []
    for day in days:
        starts = [] if hours.closed_reason_for_day(day) else slot_starts(rule, day, tz)
        out.append(
            DayPreview(
                day=day,
                slots=len(starts),
                bookable=rule.bookable * len(starts),
                booked=sum(booked[at] for at in starts),
            )
        )
    return out


def next_week(today: dt.date) -> list[dt.date]:
    """Monday to Sunday of the week after `today`'s."""
    monday = today + dt.timedelta(days=7 - today.weekday())
    return [monday + dt.timedelta(days=n) for n in range(7)]


@dataclass(frozen=True)
class DayBookings:
    site_id: str
    day: dt.date
    #: booked, cancelled, and what the site reported (checked in, late, no-show)
    counts: dict[str, int]


@dataclass(frozen=True)
class Booking:
    """A booking as the secretary's list shows it; `name` and `contact` only to a role that
    may see personal data."""

    site_id: str
    category_code: str
    service_id: str | None
    starts_at: dt.datetime
    status: str
    seen: str | None  # the site's last event of it
    name: str | None
    contact: str | None


def _seen(conn: Connection, booking_ids: Sequence[object]) -> dict[object, str]:
    """The site's newest event of each booking (a late check-in follows a too-early try)."""
    if not booking_ids:
        return {}
    rows = conn.execute(
        select(appointment_events.c.booking_id, appointment_events.c.kind)
        .where(appointment_events.c.booking_id.in_(booking_ids))
        .order_by(appointment_events.c.created_at)
    )
    return {booking: kind for booking, kind in rows}


def coming_bookings(
    conn: Connection,
    *,
    days: Sequence[dt.date],
    tz: ZoneInfo,
    site_id: str | None = None,
    personal: bool = False,
) -> tuple[list[DayBookings], list[Booking]]:
    """The bookings of `days` (local), counted per site and day by status, and one by one;
    names and contacts only if `personal` (the caller's role may see them)."""
    start = dt.datetime.combine(days[0], dt.time(), tzinfo=tz)
    end = dt.datetime.combine(days[-1] + dt.timedelta(days=1), dt.time(), tzinfo=tz)
    query = (
        select(bookings)
        .where(bookings.c.starts_at >= start, bookings.c.starts_at < end)
        .order_by(bookings.c.site_id, bookings.c.starts_at, bookings.c.category_code)
    )
    if site_id is not None:
        query = query.where(bookings.c.site_id == site_id)
    rows = list(conn.execute(query))
    seen = _seen(conn, [r.booking_id for r in rows])
    counts: dict[tuple[str, dt.date], Counter[str]] = {}
    listed = []
    for r in rows:
        day = r.starts_at.astimezone(tz).date()
        tally = counts.setdefault((r.site_id, day), Counter())
        tally[r.status] += 1
        if (kind := seen.get(r.booking_id)) is not None:
            tally[kind] += 1
        listed.append(
            Booking(
                site_id=r.site_id,
                category_code=r.category_code,
                service_id=r.service_id,
                starts_at=r.starts_at,
                status=r.status,
                seen=seen.get(r.booking_id),
                name=r.name if personal else None,
                contact=r.contact if personal else None,
            )
        )
    return [DayBookings(s, d, dict(c)) for (s, d), c in sorted(counts.items())], listed
