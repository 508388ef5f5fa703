"""The sites as the centre sees them: who they are, when each last synced, who handles it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select

from kiosk.db import Database
from kiosk.vocabulary import HandledAt
from sync.schema import site_settings, sites, sync_log


@dataclass(frozen=True)
class SiteRow:
    site_id: str
    added_at: dt.datetime
    last_sync_at: dt.datetime | None
    handled_at: HandledAt


def site_rows(db: Database) -> list[SiteRow]:
    """Every registered site, by id, with its newest sync run and its handling setting."""
    last = (
        select(sync_log.c.site_id, func.max(sync_log.c.finished_at).label("at"))
        .group_by(sync_log.c.site_id)
        .subquery()
    )
    query = (
        select(sites.c.site_id, sites.c.added_at, last.c.at, site_settings.c.handled_at)
        .outerjoin(last, last.c.site_id == sites.c.site_id)
        .outerjoin(site_settings, site_settings.c.site_id == sites.c.site_id)
        .order_by(sites.c.site_id)
    )
    with db.read() as s:
        return [
            SiteRow(
                site_id=row.site_id,
                added_at=row.added_at,
                last_sync_at=row.at,
                handled_at=HandledAt(row.handled_at or HandledAt.SITE),
            )
            for row in s.execute(query)
        ]
