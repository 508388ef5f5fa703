"""Live alerts for admin and quality staff: a run of bad faces, a message near or past its deadline.

As the market's smiley terminals do: when, within the configured window, the share of
1–2 faces at a site or at one counter passes the threshold (with enough ratings for
it to mean something), or a message's answer is due within a few days or overdue.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import case, func, select

from kiosk.config import Config
from kiosk.db import Database
from kiosk.models import Rating
from kiosk.register import CLOSED, state_query


class AlertKind(StrEnum):
    LOW_RATINGS = "low_ratings"
    DUE_SOON = "due_soon"
    OVERDUE = "overdue"


@dataclass(frozen=True)
class RatingAlert:
    kind: AlertKind
    site_id: str
    counter: int | None  # None: the whole site
    low: int
    total: int
    since: dt.datetime

    @property
    def share(self) -> float:
        return self.low / self.total


@dataclass(frozen=True)
class DeadlineAlert:
    kind: AlertKind
    site_id: str
    reg_number: str
    message_kind: str
    due_date: dt.date
    days_left: int  # negative when overdue


def rating_alerts(db: Database, config: Config, *, now: dt.datetime) -> list[RatingAlert]:
    """Sites and counters whose recent counted ratings are too often 1 or 2."""
    since = now - dt.timedelta(minutes=config.reports.alert_window_minutes)
    low = func.sum(case((Rating.score <= 2, 1), else_=0))
    recent = (Rating.counted.is_(True), Rating.created_at >= since, Rating.created_at <= now)
    with db.read() as s:
        by_site = s.execute(
            select(Rating.site_id, low, func.count()).where(*recent).group_by(Rating.site_id)
        ).all()
        by_counter = s.execute(
            select(Rating.site_id, Rating.counter_number, low, func.count())
            .where(*recent, Rating.counter_number.is_not(None))
            .group_by(Rating.site_id, Rating.counter_number)
        ).all()
    rows = [(site, None, n_low, n) for site, n_low, n in by_site] + [tuple(r) for r in by_counter]
    return [
        RatingAlert(AlertKind.LOW_RATINGS, site, counter, int(n_low), int(n), since)
        for site, counter, n_low, n in rows
        if n >= config.reports.alert_min_ratings and n_low / n > config.reports.alert_threshold
    ]


def deadline_alerts(db: Database, config: Config, *, now: dt.datetime) -> list[DeadlineAlert]:
    """Open messages due within `register.due_soon_days`, and those already overdue, soonest first."""
    today = now.astimezone(config.tz).date()
    horizon = today + dt.timedelta(days=config.register.due_soon_days)
    state = state_query().subquery("state")
    with db.read() as s:
        rows = s.execute(
            select(state.c.site_id, state.c.reg_number, state.c.kind, state.c.due_date)
            .where(
                state.c.status.notin_(CLOSED),
                state.c.due_date.is_not(None),
                state.c.due_date <= horizon,
            )
            .order_by(state.c.due_date, state.c.reg_number)
        ).all()
    return [
        DeadlineAlert(
            AlertKind.OVERDUE if due < today else AlertKind.DUE_SOON,
            site,
            reg,
            kind,
            due,
            (due - today).days,
        )
        for site, reg, kind, due in rows
    ]


def current_alerts(
    db: Database, config: Config, *, now: dt.datetime
) -> list[RatingAlert | DeadlineAlert]:
    return [*rating_alerts(db, config, now=now), *deadline_alerts(db, config, now=now)]
