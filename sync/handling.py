"""Who handles a site's cases, and the handling the centre did reaching the site.

The secretary sets per site whether its messages are handled at the site or at the centre
(`site_settings.handled_at`): one handler per case. The centre's register works on the
central tables with the site's own `Register` through `CentreDesk`; each `kiosk sync` pulls
the site's own setting and the events the centre made for its messages (row security lets
a site read only its own), so the site's register and kiosk show the true state. Pulled
events keep the centre's negative keys: a push sends and checks positive keys only, so
they never go back and never enter a pushed range.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

import psycopg
from sqlalchemy import ColumnElement, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from kiosk.db import Database
from kiosk.models import Message, MessageEvent, SiteSetting
from kiosk.register import HandledAtSite, RegisterError
from kiosk.vocabulary import EventOrigin, HandledAt
from sync.schema import CENTRE_EVENT_SEQ, site_settings

#: what a pull reads of an event, in the site's column names
PULLED_EVENT_COLUMNS = (
    "seq",
    "uuid",
    "site_id",
    "created_at",
    "message_uuid",
    "kind",
    "actor",
    "text",
    "new_due_date",
    "origin",
)


class CentreDesk:
    """The centre's register: it reads every site (or those named), and takes the steps on the
    cases of sites handled at the centre, under keys of the centre's own sequence."""

    elsewhere: type[RegisterError] = HandledAtSite

    def __init__(self, sites: frozenset[str] | None = None) -> None:
        self.sites = sites

    def handles(self, s: Session, site_id: str) -> bool:
        handled = s.execute(
            select(site_settings.c.handled_at).where(site_settings.c.site_id == site_id)
        ).scalar()
        return handled == HandledAt.CENTRE

    def lock(self, s: Session, site_id: str, message_uuid: uuid.UUID) -> None:
        # the web's role may not lock a site's row (that needs UPDATE): a transaction-long
        # advisory lock on the message's key serialises the centre's officers instead
        s.execute(
            text("SELECT pg_advisory_xact_lock(hashtext(:key))"),
            {"key": f"register {site_id} {message_uuid}"},
        )

    def stamp(self, s: Session, site_id: str) -> dict[str, object]:
        seq = s.execute(text(f"SELECT nextval('{CENTRE_EVENT_SEQ}')")).scalar_one()
        return {"site_id": site_id, "origin": EventOrigin.CENTRE, "seq": seq}

    def erasable(self) -> ColumnElement[bool]:
        # what the centre registered itself (negative keys): no site holds it, so no site's
        # retention reaches it; a site's own messages are erased there, and its pii_erased
        # event erases the centre's copy when it is pushed
        return Message.seq < 0

    def erase(self, s: Session, keys: list[tuple[str, uuid.UUID]]) -> None:
        # the web's login may not DELETE: the central trigger on each pii_erased event the
        # register records next deletes that message's contact and scans (sync/schema.py)
        return None


@dataclass(frozen=True)
class Handling:
    site_id: str
    handled_at: HandledAt
    updated_at: dt.datetime | None
    updated_by: str | None


def handling(db: Database, site_ids: list[str]) -> list[Handling]:
    """Each site's handler, with who set it and when (a site never set: at the site)."""
    with db.read() as s:
        rows = {r.site_id: r for r in s.execute(select(site_settings))}
    return [
        Handling(
            site_id=site,
            handled_at=HandledAt(rows[site].handled_at) if site in rows else HandledAt.SITE,
            updated_at=rows[site].updated_at if site in rows else None,
            updated_by=rows[site].updated_by if site in rows else None,
        )
        for site in site_ids
    ]


def set_handled_at(
    db: Database, site_id: str, handled_at: HandledAt, *, by: str, now: dt.datetime
) -> None:
    """Publish who handles the site's cases; the site learns it at its next sync."""
    values = {"handled_at": handled_at.value, "updated_at": now, "updated_by": by}
    statement = insert(site_settings).values(site_id=site_id, **values)
    with db.write() as s:
        s.execute(statement.on_conflict_do_update(index_elements=["site_id"], set_=values))


@dataclass(frozen=True)
class Pulled:
    handled_at: HandledAt | None  # None: the centre has published no setting for the site
    events: int  # events new to the site


def pull_handling(db: Database, central: psycopg.Connection) -> Pulled:
    """Store the site's setting and the centre's events for its messages; a replay adds nothing."""
    setting = central.execute(
        "SELECT site_id, handled_at, sync_every_min, updated_at, updated_by FROM site_settings"
    ).fetchone()
    rows = central.execute(
        f"SELECT {', '.join(PULLED_EVENT_COLUMNS)} FROM message_events WHERE origin = %s",
        (EventOrigin.CENTRE.value,),
    ).fetchall()
    central.commit()
    with db.write() as s:
        if setting is not None:
            site_id, handled_at, every, updated_at, updated_by = setting
            s.merge(
                SiteSetting(
                    site_id=site_id,
                    handled_at=HandledAt(handled_at),
                    sync_every_min=every,
                    updated_at=updated_at,
                    updated_by=updated_by,
                )
            )
        have = set(s.scalars(select(MessageEvent.uuid).where(MessageEvent.seq < 0)))
        wanted = {row[4] for row in rows}
        messages = set(s.scalars(select(Message.uuid).where(Message.uuid.in_(wanted))))
        new = [
            MessageEvent(**dict(zip(PULLED_EVENT_COLUMNS, row, strict=True)))
            for row in rows
            # a message the site no longer holds (a restored backup) waits for no event
            if row[1] not in have and row[4] in messages
        ]
        s.add_all(new)
    return Pulled(handled_at=HandledAt(setting[1]) if setting else None, events=len(new))
