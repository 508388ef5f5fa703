"""The sites as the centre sees them: who they are, when each last synced and how it went,
what its kiosk said of itself at that sync, who handles its messages; and which need a look.

A site is an alert when it has not synced for `STALE_AFTER` (its PC, its link or its timer
is down) or when its kiosk was silent at its last report: the heartbeat older than
`health.silent_after_s` when the site sent it (the touchscreen app hung or stopped while
the PC still syncs).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import func, select, true
from sqlalchemy.dialects.postgresql import insert

from kiosk.checks import Finding
from kiosk.db import Database
from kiosk.errors import KioskError
from kiosk.models import Message
from kiosk.text import Text
from kiosk.vocabulary import HandledAt
from sync.schema import site_settings, site_status, sites, sync_log
from sync.status import findings_from

#: a site not heard from for this long is an alert
STALE_AFTER = dt.timedelta(days=1)


class SiteAlert(StrEnum):
    STALE = "stale"  #: no sync for STALE_AFTER (or none since it was added that long ago)
    KIOSK_SILENT = "kiosk_silent"  #: the kiosk's heartbeat was old at the site's last report


@dataclass(frozen=True)
class PrinterReport:
    status: str
    detail: str | None
    at: dt.datetime | None


@dataclass(frozen=True)
class SiteStatus:
    """The newest status a site pushed (sync/status.py)."""

    reported_at: dt.datetime
    version: str | None
    sync_ok: bool
    sync_code: str | None  #: the refusal's code when the run failed, else None
    sync_error: str | None  #: the run's own words (English), for the IT person
    waiting: int | None  #: records still on the site, not yet at the centre
    heartbeat_at: dt.datetime | None
    heartbeat_printer: str | None  #: the printer's state the kiosk knew at its heartbeat
    printer: PrinterReport | None  #: the printer's last recorded device event
    checks: list[Finding]
    clock_skew_s: float | None
    every_min: int | None

    @classmethod
    def from_row(cls, reported_at: dt.datetime, status: Mapping[str, Any]) -> SiteStatus:
        run = status.get("sync") or {}
        beat = status.get("heartbeat") or {}
        printer = status.get("printer")
        return cls(
            reported_at=reported_at,
            version=status.get("version"),
            sync_ok=bool(run.get("ok")),
            sync_code=run.get("code"),
            sync_error=run.get("error"),
            waiting=status.get("waiting"),
            heartbeat_at=_moment(beat.get("at")),
            heartbeat_printer=beat.get("printer"),
            printer=None
            if not printer
            else PrinterReport(
                printer["status"], printer.get("detail"), _moment(printer.get("at"))
            ),
            checks=findings_from(status.get("checks") or []),
            clock_skew_s=status.get("clock_skew_s"),
            every_min=status.get("every_min"),
        )

    def kiosk_silent(self, silent_after_s: float) -> bool:
        if self.heartbeat_at is None:
            return True
        return (self.reported_at - self.heartbeat_at).total_seconds() > silent_after_s


def _moment(value: str | None) -> dt.datetime | None:
    if not value:
        return None
    moment = dt.datetime.fromisoformat(value)
    # a SQLite site's times are naive UTC
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


@dataclass(frozen=True)
class SiteRow:
    site_id: str
    added_at: dt.datetime
    last_sync_at: dt.datetime | None  #: the newest run the centre heard of, logged or reported
    handled_at: HandledAt
    every_min: int | None  #: the daytime interval the centre set (None: nightly)
    status: SiteStatus | None
    alerts: tuple[SiteAlert, ...] = ()


def site_names(db: Database) -> dict[str, Text]:
    """The names the secretary gave the sites (`kiosk central name-site`), by id; a site not
    named yet is absent, and its pages show its id."""
    with db.read() as s:
        rows = s.execute(
            select(sites.c.site_id, sites.c.name, sites.c.name_en).where(sites.c.name.is_not(None))
        )
        return {r.site_id: Text(r.name, r.name_en or "") for r in rows}


@dataclass(frozen=True)
class SharedPrefix:
    """A registration-number prefix that more than one site's own messages carry."""

    prefix: str
    site_ids: tuple[str, ...]


def shared_prefixes(db: Database) -> list[SharedPrefix]:
    """The prefixes two or more sites number their own messages with, as pushed.

    `add_site --register-prefix` refuses a prefix another site has, but sites added before
    that check, or without a prefix, may keep the built-in one: "ТВ-2026-00001" then names
    two cases, on letters, on the phone and in the officer's register. Read from the pushed
    messages (the centre's own, under negative keys, carry the centre's mark and are left
    out), so it shows what citizens were really given, whatever the sites table says.
    """
    prefix = func.split_part(Message.reg_number, "-", 1)
    with db.read() as s:
        rows = s.execute(
            select(prefix, Message.site_id)
            .where(Message.seq > 0)
            .group_by(prefix, Message.site_id)
            .order_by(prefix, Message.site_id)
        ).all()
    by_prefix: dict[str, list[str]] = {}
    for value, site_id in rows:
        by_prefix.setdefault(value, []).append(site_id)
    return [SharedPrefix(p, tuple(ids)) for p, ids in by_prefix.items() if len(ids) > 1]


def site_rows(
    db: Database, *, now: dt.datetime | None = None, silent_after_s: float | None = None
) -> list[SiteRow]:
    """Every registered site, by id, with its newest sync and status; given `now` and
    `silent_after_s`, each with its alerts."""
    last = (
        select(func.max(sync_log.c.finished_at).label("at"))
        .where(sync_log.c.site_id == sites.c.site_id)
        .lateral("last")
    )
    # one row per site from the index on (site_id, reported_at): the table grows all day
    newest = (
        select(site_status.c.reported_at, site_status.c.status)
        .where(site_status.c.site_id == sites.c.site_id)
        .order_by(site_status.c.reported_at.desc())
        .limit(1)
        .lateral("newest")
    )
    query = (
        select(
            sites.c.site_id,
            sites.c.added_at,
            last.c.at,
            site_settings.c.handled_at,
            site_settings.c.sync_every_min,
            newest.c.reported_at,
            newest.c.status,
        )
        .select_from(
            sites.outerjoin(last, true())
            .outerjoin(newest, true())
            .outerjoin(site_settings, site_settings.c.site_id == sites.c.site_id)
        )
        .order_by(sites.c.site_id)
    )
    with db.read() as s:
        rows = s.execute(query).all()
    found = []
    for row in rows:
        status = (
            None if row.reported_at is None else SiteStatus.from_row(row.reported_at, row.status)
        )
        heard = [t for t in (row.at, row.reported_at) if t is not None]
        site = SiteRow(
            site_id=row.site_id,
            added_at=row.added_at,
            last_sync_at=max(heard, default=None),
            handled_at=HandledAt(row.handled_at or HandledAt.SITE),
            every_min=row.sync_every_min,
            status=status,
        )
        if now is not None and silent_after_s is not None:
            site = _with_alerts(site, now=now, silent_after_s=silent_after_s)
        found.append(site)
    return found


def _with_alerts(site: SiteRow, *, now: dt.datetime, silent_after_s: float) -> SiteRow:
    alerts = []
    if now - (site.last_sync_at or site.added_at) > STALE_AFTER:
        alerts.append(SiteAlert.STALE)
    if site.status is not None and site.status.kiosk_silent(silent_after_s):
        alerts.append(SiteAlert.KIOSK_SILENT)
    return dataclasses.replace(site, alerts=tuple(alerts))


#: the daytime intervals the centre offers; the site's timer ticks every five minutes
SYNC_INTERVALS = (5, 10, 15, 30, 60)


class SyncIntervalRefused(KioskError):
    """A daytime interval the timer cannot keep, or a site the centre does not know."""

    code = "sync_interval_refused"
    status = 422


def set_sync_every(
    db: Database, *, site_id: str, every_min: int | None, by: str, now: dt.datetime
) -> None:
    """Set a site's daytime interval (None: nightly only); the site reads it at its next sync."""
    if every_min is not None and every_min not in SYNC_INTERVALS:
        raise SyncIntervalRefused(
            f"{every_min} min is not a daytime interval (one of {SYNC_INTERVALS} or nightly)",
            choices=", ".join(map(str, SYNC_INTERVALS)),
        )
    values = {"sync_every_min": every_min, "updated_at": now, "updated_by": by}
    with db.write() as s:
        if s.scalar(select(sites.c.site_id).where(sites.c.site_id == site_id)) is None:
            raise SyncIntervalRefused(
                f"no site {site_id!r}", choices=", ".join(map(str, SYNC_INTERVALS))
            )
        s.execute(
            insert(site_settings)
            .values(site_id=site_id, **values)
            .on_conflict_do_update(index_elements=["site_id"], set_=values)
        )
