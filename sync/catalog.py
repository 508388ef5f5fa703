"""The service catalogue between the centre and the sites: publish a revision, pull the newest.

The centre keeps each revision as the YAML text of a validated document, so a site checks
a pulled snapshot with the very parser that checks a file, and a bad one changes nothing.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import psycopg
from sqlalchemy import Connection, select, text

from kiosk.db import Database
from kiosk.errors import KioskError
from kiosk.models import CatalogRevision
from sync.schema import NEXT_REVISION, SITE_ROLE_PREFIX, require_schema

if TYPE_CHECKING:
    from kiosk.catalog import CatalogDocument

# kiosk.catalog (YAML, the catalogue's checks) is imported when a catalogue is handled: most
# nightly runs find no new revision, and start-up is a large part of their cost (#13)


def _store(
    conn: Connection,
    doc: CatalogDocument,
    *,
    source: str,
    author: str | None,
    note: str | None,
    sites: Sequence[str] | None,
    draft: bool,
) -> int:
    from kiosk.catalog import to_yaml

    require_schema(conn)
    # numbered under the table's lock by the schema's own function (sync/schema.py)
    revision = conn.execute(
        text(f"SELECT {NEXT_REVISION}(:floor)"), {"floor": doc.revision}
    ).scalar_one()
    conn.execute(
        text(
            "INSERT INTO catalog_revisions (revision, source, document, author, note, sites, draft) "
            "VALUES (:r, :s, :d, coalesce(:a, current_user), :n, CAST(:sites AS jsonb), :draft)"
        ),
        {
            "r": revision,
            "s": source[:300],
            "d": to_yaml(dataclasses.replace(doc, revision=revision)),
            "a": author,
            "n": note or None,
            "sites": None if sites is None else json.dumps(sorted(set(sites))),
            "draft": draft,
        },
    )
    return revision


def publish(
    conn: Connection,
    doc: CatalogDocument,
    *,
    source: str,
    author: str | None = None,
    note: str | None = None,
    sites: Sequence[str] | None = None,
) -> int:
    """Store a validated document as the next central revision; returns its number.

    The number is one above both the newest revision and the document's own, so that it
    outranks a site that imported the same file locally: sites pull only a revision above
    theirs. `sites` names the sites it is meant for (None: every site); `author` defaults to
    the database login (the command line's).
    """
    return _store(conn, doc, source=source, author=author, note=note, sites=sites, draft=False)


def save_draft(
    conn: Connection, doc: CatalogDocument, *, author: str, note: str | None = None
) -> int:
    """Keep an edited document as a draft revision, numbered as a published one is."""
    return _store(conn, doc, source="centre web", author=author, note=note, sites=None, draft=True)


@dataclass(frozen=True)
class RevisionRow:
    revision: int
    source: str
    author: str | None
    note: str | None
    sites: tuple[str, ...] | None
    draft: bool
    stored_at: dt.datetime


def revisions(conn: Connection) -> list[RevisionRow]:
    """Every central revision, drafts and published, the newest first."""
    rows = conn.execute(
        text(
            "SELECT revision, source, author, note, sites, draft, published_at "
            "FROM catalog_revisions ORDER BY revision DESC"
        )
    )
    return [
        RevisionRow(r[0], r[1], r[2], r[3], None if r[4] is None else tuple(r[4]), r[5], r[6])
        for r in rows
    ]


def revision_document(conn: Connection, revision: int | None = None) -> CatalogDocument | None:
    """A stored revision (the newest, drafts included, when `revision` is None), or None."""
    from kiosk.catalog import parse_yaml

    query = "SELECT revision, document FROM catalog_revisions"
    row = conn.execute(
        text(f"{query} ORDER BY revision DESC LIMIT 1")
        if revision is None
        else text(f"{query} WHERE revision = :r"),
        {"r": revision},
    ).first()
    if row is None:
        return None
    doc = parse_yaml(row[1].encode("utf-8"), f"central revision {row[0]}")
    return dataclasses.replace(doc, revision=row[0])


class SnapshotRejected(KioskError):
    """The central catalogue failed validation; the site's catalogue is unchanged."""

    code = "snapshot_rejected"


def local_revision(db: Database) -> int:
    with db.read() as s:
        return s.scalar(select(CatalogRevision.revision).where(CatalogRevision.id == 1)) or 0


def pull(db: Database, central: psycopg.Connection) -> int | None:
    """Apply the newest central revision if it is above the site's; returns it, or None."""
    have = local_revision(db)
    # drafts stay at the centre; a revision meant for a group reaches only its sites, named by
    # the login (site_<id>) as row security names them, not by a value the site sends
    row = central.execute(
        "SELECT revision, document FROM catalog_revisions WHERE revision > %s AND NOT draft "
        "AND (sites IS NULL OR sites @> jsonb_build_array(substr(current_user, %s))) "
        "ORDER BY revision DESC LIMIT 1",
        (have, len(SITE_ROLE_PREFIX) + 1),
    ).fetchone()
    central.commit()
    if row is None:
        return None
    from kiosk.catalog import CatalogError, parse_yaml, store_catalog

    revision, document = row
    source = f"central revision {revision}"
    try:
        doc = parse_yaml(document.encode("utf-8"), source)
    except CatalogError as exc:
        raise SnapshotRejected(f"{source} rejected, the catalogue in use stays:\n{exc}") from exc
    store_catalog(db, dataclasses.replace(doc, revision=revision), source=source)
    return revision


def central_categories(conn: Connection) -> dict[str, str]:
    """Service id → catalogue category, from the newest published revision (or the shipped one).

    The centre keeps no catalogue table of its own; its reports group by these.
    """
    from kiosk.catalog import parse_yaml, shipped_catalog

    document = conn.execute(
        text(
            "SELECT document FROM catalog_revisions WHERE NOT draft ORDER BY revision DESC LIMIT 1"
        )
    ).scalar()
    doc = parse_yaml(document.encode("utf-8"), "central catalogue") if document else None
    return {s.id: s.category for s in (doc or shipped_catalog()).services}
