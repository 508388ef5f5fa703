"""The appointments' figures at the centre (issue #17 item 5): booked, kept, cancelled, no-show,
on time; how long booked visitors waited against walk-ins; the share of capacity booked.

Counts only, never a name or a contact. A booking's fate is the newest event its site pushed
(`appointment_events`); a booked visitor's ticket is the one its check-in event names, every
other ticket of the period is a walk-in's (a late visitor's included: the kiosk gave a walk-in
ticket). Capacity is reckoned from the rules as they stand now, within their valid dates.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, and_, func, select

from kiosk.appointments import slot_starts
from kiosk.hours import WorkingHours
from kiosk.reports.compute import Period
from kiosk.reports.wording import number, percent, translator
from kiosk.vocabulary import AppointmentEventKind, BookingStatus
from sync.appointment_rules import appointment_events, load_rules
from sync.schema import bookings, central

ticket_outcomes = central.tables["ticket_outcomes"]


@dataclass(frozen=True)
class Waiting:
    tickets: int  # called tickets of the group
    mean_min: float | None
    median_min: float | None


@dataclass(frozen=True)
class AppointmentFigures:
    period: Period
    sites: tuple[str, ...] | None  # None: every site
    booked: int  # every booking for a slot in the period, cancelled ones too
    cancelled: int
    kept: int  # the visitor came: on time or late
    on_time: int  # checked in within the window: called at the slot's time
    late: int  # past the window: served as a walk-in
    no_show: int
    open: int  # booked, and the site has said nothing of it yet (a day to come, or no sync)
    capacity: int  # bookable places the rules offered in the period
    appointment_wait: Waiting
    walk_in_wait: Waiting

    @property
    def capacity_share(self) -> float | None:
        """Live bookings over the bookable places, in percent."""
        live = self.booked - self.cancelled
        return 100 * live / self.capacity if self.capacity else None


def _waiting(conn: Connection, where: Sequence[object]) -> Waiting:
    wait = ticket_outcomes.c.wait_s
    row = conn.execute(
        select(
            func.count(wait),
            func.avg(wait),
            func.percentile_cont(0.5).within_group(wait),
        ).where(*where, wait.is_not(None))
    ).one()
    count, mean, median = row
    return Waiting(
        tickets=count,
        mean_min=None if mean is None else float(mean) / 60,
        median_min=None if median is None else float(median) / 60,
    )


def _capacity(
    conn: Connection, period: Period, hours: WorkingHours, sites: Sequence[str] | None
) -> int:
    total = 0
    for stored in load_rules(conn):
        rule = stored.rule
        if sites is not None and rule.site_id not in sites:
            continue
        day = period.start
        while day < period.end:
            if hours.closed_reason_for_day(day) is None:
                total += rule.bookable * len(slot_starts(rule, day, hours.tz))
            day += dt.timedelta(days=1)
    return total


def appointment_figures(
    conn: Connection, *, period: Period, hours: WorkingHours, sites: Sequence[str] | None = None
) -> AppointmentFigures:
    """The period's figures over `sites` (None: all), read through a login that sees every
    site's records (the centre's web, or the owner for `kiosk central report`)."""
    start, end = period.utc_range(hours.tz)
    in_period = [bookings.c.starts_at >= start, bookings.c.starts_at < end]
    if sites is not None:
        in_period.append(bookings.c.site_id.in_(sites))
    # the site's newest word on each booking
    newest = (
        select(
            appointment_events.c.booking_id,
            appointment_events.c.kind,
            func.row_number()
            .over(
                partition_by=appointment_events.c.booking_id,
                order_by=appointment_events.c.created_at.desc(),
            )
            .label("n"),
        )
    ).subquery()
    rows = conn.execute(
        select(bookings.c.status, newest.c.kind, func.count())
        .select_from(
            bookings.outerjoin(
                newest, and_(newest.c.booking_id == bookings.c.booking_id, newest.c.n == 1)
            )
        )
        .where(*in_period)
        .group_by(bookings.c.status, newest.c.kind)
    )
    tally: Counter[str] = Counter()
    for status, kind, n in rows:
        tally["booked"] += n
        if status == BookingStatus.CANCELLED:
            tally["cancelled"] += n
        else:
            tally[kind or "open"] += n
    on_time, late = tally[AppointmentEventKind.CHECKED_IN], tally[AppointmentEventKind.LATE]

    issued = [ticket_outcomes.c.issued_at >= start, ticket_outcomes.c.issued_at < end]
    if sites is not None:
        issued.append(ticket_outcomes.c.site_id.in_(sites))
    booked_tickets = select(appointment_events.c.ticket_uuid).where(
        appointment_events.c.kind == AppointmentEventKind.CHECKED_IN.value,
        appointment_events.c.ticket_uuid.is_not(None),
        appointment_events.c.site_id == ticket_outcomes.c.site_id,
    )
    is_booked = ticket_outcomes.c.ticket_uuid.in_(booked_tickets)
    return AppointmentFigures(
        period=period,
        sites=tuple(sites) if sites is not None else None,
        booked=tally["booked"],
        cancelled=tally["cancelled"],
        kept=on_time + late,
        on_time=on_time,
        late=late,
        no_show=tally[AppointmentEventKind.NO_SHOW],
        open=tally["open"],
        capacity=_capacity(conn, period, hours, sites),
        appointment_wait=_waiting(conn, [*issued, is_booked]),
        walk_in_wait=_waiting(conn, [*issued, ~is_booked]),
    )


def figure_rows(figures: AppointmentFigures, language: str) -> list[tuple[str, str]]:
    """The figures as the report's lines, worded in `language`: the centre's page and
    `kiosk central report --appointments` show the same."""
    _ = translator(language)

    def waited(w: Waiting) -> str:
        if not w.tickets:
            return _("no ticket called")
        return _("{mean} min on average, median {median} min (tickets: {n})").format(
            mean=number(w.mean_min, language),
            median=number(w.median_min, language),
            n=w.tickets,
        )

    live = figures.booked - figures.cancelled
    share = None if figures.capacity_share is None else figures.capacity_share / 100
    return [
        (_("Booked"), str(figures.booked)),
        (_("Cancelled"), str(figures.cancelled)),
        (_("Kept (checked in)"), str(figures.kept)),
        (_("On time, within the check-in window"), str(figures.on_time)),
        (_("Late, served as walk-ins"), str(figures.late)),
        (_("No-show"), str(figures.no_show)),
        (_("Not yet reported by the site"), str(figures.open)),
        (
            _("Share of capacity booked"),
            _("{share} ({booked} of {capacity} bookable places)").format(
                share=percent(share, language), booked=live, capacity=figures.capacity
            ),
        ),
        (_("Waiting of booked visitors"), waited(figures.appointment_wait)),
        (_("Waiting of walk-ins"), waited(figures.walk_in_wait)),
    ]
