"""The centre's log of views: who saw which page or API read, when, and the site and record it
showed (sync/schema.py `centre_views`; the web may append and read it, never change it)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select

from kiosk.db import Database
from sync.schema import centre_views

#: rows a page of the log shows, newest first; a filter narrows it further
PAGE_ROWS = 500


@dataclass(frozen=True)
class View:
    viewed_at: dt.datetime
    username: str
    method: str
    path: str
    site_id: str | None
    record: str | None
    status: int


def record_view(db: Database, view: View) -> None:
    with db.write() as s:
        s.execute(
            insert(centre_views).values(
                viewed_at=view.viewed_at,
                username=view.username,
                method=view.method,
                path=view.path[: centre_views.c.path.type.length],
                site_id=view.site_id,
                record=view.record,
                status=view.status,
            )
        )


def views(
    db: Database, *, tz: ZoneInfo, username: str | None = None, day: dt.date | None = None
) -> list[View]:
    """The newest views, of one person or of one day (in the centre's time zone) if given."""
    query = select(*(centre_views.c[f] for f in View.__dataclass_fields__))
    if username:
        query = query.where(centre_views.c.username == username)
    if day is not None:
        start = dt.datetime.combine(day, dt.time(), tzinfo=tz)
        end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=tz)
        query = query.where(centre_views.c.viewed_at >= start, centre_views.c.viewed_at < end)
    query = query.order_by(centre_views.c.viewed_at.desc()).limit(PAGE_ROWS)
    with db.read() as s:
        return [View(**row._mapping) for row in s.execute(query)]


def viewers(db: Database) -> list[str]:
    """Everyone the log names, for the page's filter."""
    with db.read() as s:
        return list(
            s.scalars(select(centre_views.c.username).distinct().order_by(centre_views.c.username))
        )
