"""The service catalogue between the centre and the sites: publish a revision, pull the newest.

The centre keeps each revision as the YAML text of a validated document, so a site checks
a pulled snapshot with the very parser that checks a file, and a bad one changes nothing.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

import psycopg
from sqlalchemy import Connection, select, text

from kiosk.db import Database
from kiosk.errors import KioskError
from kiosk.models import CatalogRevision
from sync.schema import require_schema

if TYPE_CHECKING:
    from kiosk.catalog import CatalogDocument

# kiosk.catalog (YAML, the catalogue's checks) is imported when a catalogue is handled: most
# nightly runs find no new revision, and start-up is a large part of their cost (#13)


def publish(conn: Connection, doc: CatalogDocument, *, source: str) -> int:
    """Store a validated document as the next central revision; returns its number.

    The number is one above both the newest published and the document's own, so that it
    outranks a site that imported the same file locally: sites pull only a revision above theirs.
    """
    from kiosk.catalog import to_yaml

    require_schema(conn)
    conn.execute(text("LOCK TABLE catalog_revisions IN EXCLUSIVE MODE"))
    newest = conn.execute(text("SELECT coalesce(max(revision), 0) FROM catalog_revisions"))
    revision = max(doc.revision, newest.scalar_one()) + 1
    conn.execute(
        text("INSERT INTO catalog_revisions (revision, source, document) VALUES (:r, :s, :d)"),
        {
            "r": revision,
            "s": source[:300],
            "d": to_yaml(dataclasses.replace(doc, revision=revision)),
        },
    )
    return revision


class SnapshotRejected(KioskError):
    """The central catalogue failed validation; the site's catalogue is unchanged."""

    code = "snapshot_rejected"


def local_revision(db: Database) -> int:
    with db.read() as s:
        return s.scalar(select(CatalogRevision.revision).where(CatalogRevision.id == 1)) or 0


def pull(db: Database, central: psycopg.Connection) -> int | None:
    """Apply the newest central revision if it is above the site's; returns it, or None."""
    have = local_revision(db)
    row = central.execute(
        "SELECT revision, document FROM catalog_revisions WHERE revision > %s "
        "ORDER BY revision DESC LIMIT 1",
        (have,),
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
        text("SELECT document FROM catalog_revisions ORDER BY revision DESC LIMIT 1")
    ).scalar()
    doc = parse_yaml(document.encode("utf-8"), "central catalogue") if document else None
    return {s.id: s.category for s in (doc or shipped_catalog()).services}
