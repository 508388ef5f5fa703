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
import logging
import time
import uuid
from dataclasses import dataclass

import psycopg
from sqlalchemy import ColumnElement, exists, select, text, true
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from kiosk.db import Database
from kiosk.errors import KioskError
from kiosk.models import Message, MessageEvent, SiteSetting, SyncMark
from kiosk.register import HandledAtSite, RegisterError
from kiosk.vocabulary import EventOrigin, HandledAt
from sync.schema import CENTRE_EVENT_SEQ, site_settings, sync_log

log = logging.getLogger(__name__)

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


#: the local mark (sync_marks) of the centre's events already pulled: their keys are the
#: centre's, negative and falling, so the mark is the lowest one pulled
PULL_MARK = "pulled message_events"
#: a centre transaction takes an event's key a moment before it writes the event (and only
#: then has a transaction id a snapshot waits for): a pull that saw new events lets this pass
#: before it waits for every transaction then open, so none holding a key above the mark is
#: missed
KEY_TO_WRITE_S = 0.2
#: how long a pull waits for the centre's open transactions before it leaves its mark where it
#: was (the events are stored either way; the next pull reads them again and adds none twice)
SETTLE_WITHIN_S = 10.0


class HandoverPending(KioskError):
    """The site has not yet logged a sync that pulled the last handover of its cases."""

    code = "handover_pending"
    status = 409


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

    def ready(self, s: Session, site_id: str) -> None:
        # until the site knows, it still takes steps itself, and its push carries them: a step
        # here too would give the case two handlers
        if pending(s, site_id):
            raise HandoverPending(f"{site_id} has not yet synced since its cases were handed over")

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


def _learned(site_id: str) -> ColumnElement[bool]:
    """Whether the site logged a sync that pulled its setting's present version."""
    return exists().where(
        sync_log.c.site_id == site_id,
        sync_log.c.settings_version >= site_settings.c.version,
    )


def pending(s: Session, site_id: str, *, forced_too: bool = False) -> bool:
    """Whether the site's last handover waits for the site to learn it.

    A forced takeover does not hold the centre's steps back, but with `forced_too` it holds
    the next handover: handed back before the site learned the takeover, the site would
    never know the centre held its cases, nor that the centre's steps meanwhile were its.
    """
    return bool(
        s.scalar(
            select(site_settings.c.version > 0).where(
                site_settings.c.site_id == site_id,
                true() if forced_too else ~site_settings.c.forced,
                ~_learned(site_id),
            )
        )
    )


@dataclass(frozen=True)
class Handling:
    site_id: str
    handled_at: HandledAt
    updated_at: dt.datetime | None
    updated_by: str | None
    #: the site has not yet logged a sync that pulled this setting
    pending: bool = False
    #: the centre took the cases without waiting for that sync (`set_handled_at(force=True)`)
    forced: bool = False
    #: forced, and the site has not yet logged a sync that pulled it: no hand-back yet
    forced_unseen: bool = False


def handling(db: Database, site_ids: list[str]) -> list[Handling]:
    """Each site's handler, with who set it and when (a site never set: at the site)."""
    with db.read() as s:
        rows = {r.site_id: r for r in s.execute(select(site_settings))}
        # one look per site: forced or not, whether the site has yet to learn its setting
        unlearned = {site for site in rows if pending(s, site, forced_too=True)}
    waiting = {site for site in unlearned if not rows[site].forced}
    unseen = unlearned - waiting
    return [
        Handling(
            site_id=site,
            handled_at=HandledAt(rows[site].handled_at),
            updated_at=rows[site].updated_at,
            updated_by=rows[site].updated_by,
            pending=site in waiting,
            forced=rows[site].forced,
            forced_unseen=site in unseen,
        )
        if site in rows
        else Handling(site_id=site, handled_at=HandledAt.SITE, updated_at=None, updated_by=None)
        for site in site_ids
    ]


def set_handled_at(
    db: Database,
    site_id: str,
    handled_at: HandledAt,
    *,
    by: str,
    now: dt.datetime,
    force: bool = False,
) -> None:
    """Publish who handles the site's cases; the site learns it at its next sync.

    Each change raises the setting's version. The next change waits until the site has logged
    a sync that pulled this one (HandoverPending): handed there and back unseen, the site
    would never have known the centre held its cases. `force` takes a site's cases at once,
    for a site that does not sync: the centre's steps go before the site knows, and the
    steps the site takes meanwhile still reach the centre (two handlers, until it syncs).
    """
    if force and handled_at is not HandledAt.CENTRE:
        raise ValueError("only the centre takes a site's cases without the site's sync")
    with db.write() as s:
        # two secretaries clicking at once take turns: the second finds the first's change
        s.execute(
            text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": f"handover {site_id}"}
        )
        current = s.execute(
            select(site_settings.c.handled_at, site_settings.c.version).where(
                site_settings.c.site_id == site_id
            )
        ).first()
        version = current.version if current else 0
        if current is None or current.handled_at != handled_at.value:
            version += 1
        elif not force:
            return
        if not force and pending(s, site_id, forced_too=True):
            raise HandoverPending(f"{site_id} has not yet synced since its last handover")
        if force:
            log.warning("%s took %s's cases without waiting for its sync", by, site_id)
        values = {
            "handled_at": handled_at.value,
            "updated_at": now,
            "updated_by": by,
            "version": version,
            "forced": force,
        }
        statement = insert(site_settings).values(site_id=site_id, **values)
        s.execute(statement.on_conflict_do_update(index_elements=["site_id"], set_=values))


@dataclass(frozen=True)
class Pulled:
    handled_at: HandledAt | None  # None: the centre has published no setting for the site
    events: int  # events new to the site
    #: the setting's version as pulled (sync_log.settings_version; 0: none published)
    version: int = 0
    #: the centre's events read, new or not: none when the mark says nothing is new
    read: int = 0


def _settled(central: psycopg.Connection) -> bool:
    """Wait until every centre transaction open now has ended (False: not within the bound)."""
    time.sleep(KEY_TO_WRITE_S)
    (xmax,) = central.execute("SELECT pg_snapshot_xmax(pg_current_snapshot())").fetchone()
    central.commit()
    deadline = time.monotonic() + SETTLE_WITHIN_S
    while True:
        (done,) = central.execute(
            "SELECT pg_snapshot_xmin(pg_current_snapshot()) >= %s::xid8", (str(xmax),)
        ).fetchone()
        central.commit()
        if done:
            return True
        if time.monotonic() > deadline:
            log.info("a centre transaction stayed open: the pull mark stays where it was")
            return False
        time.sleep(0.05)


def pull_handling(db: Database, central: psycopg.Connection) -> Pulled:
    """Store the site's setting and the centre's events for its messages; a replay adds nothing.

    Only the events below the pull mark are read: a pull with nothing new reads none.
    """
    setting = central.execute(
        "SELECT site_id, handled_at, sync_every_min, updated_at, updated_by, version "
        "FROM site_settings"
    ).fetchone()
    with db.read() as s:
        mark = s.scalar(select(SyncMark.high_water).where(SyncMark.table_name == PULL_MARK)) or 0
    newest = f"FROM message_events WHERE origin = '{EventOrigin.CENTRE.value}' AND seq < %s"
    (lowest,) = central.execute(f"SELECT min(seq) {newest}", (mark,)).fetchone()
    central.commit()
    rows, moved = [], mark
    if lowest is not None:
        # the mark may pass the events seen only once no open transaction can add one above it
        moved = lowest if _settled(central) else mark
        rows = central.execute(
            f"SELECT {', '.join(PULLED_EVENT_COLUMNS)} {newest}", (mark,)
        ).fetchall()
        central.commit()
    with db.write() as s:
        if setting is not None:
            site_id, handled_at, every, updated_at, updated_by, _ = setting
            s.merge(
                SiteSetting(
                    site_id=site_id,
                    handled_at=HandledAt(handled_at),
                    sync_every_min=every,
                    updated_at=updated_at,
                    updated_by=updated_by,
                )
            )
        # a pull that read nothing new reads none of the site's history of pulled events either
        pulled = select(MessageEvent.uuid).where(MessageEvent.seq < 0)
        have = set(s.scalars(pulled)) if rows else set()
        wanted = {row[4] for row in rows}
        messages = set(s.scalars(select(Message.uuid).where(Message.uuid.in_(wanted))))
        new = [
            MessageEvent(**dict(zip(PULLED_EVENT_COLUMNS, row, strict=True)))
            for row in rows
            # a message the site no longer holds (a restored backup) waits for no event
            if row[1] not in have and row[4] in messages
        ]
        s.add_all(new)
        if moved < mark:
            s.merge(SyncMark(table_name=PULL_MARK, high_water=moved))
    return Pulled(
        handled_at=HandledAt(setting[1]) if setting else None,
        events=len(new),
        version=setting[5] if setting else 0,
        read=len(rows),
    )
