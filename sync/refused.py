"""Records the push holds back, found before they are sent, and the repair of those it can.

PostgreSQL cannot store a NUL in text. The edges refuse one (kiosk.plain_text), but a row
stored before they did, or written by another tool, would fail its batch on every run and
stop its table and all after it for good. A record dated beyond the centre's clock (made
while the site's clock was ahead) would fall outside every report. So each table's pending
rows are searched for both before they go (for a NUL, from the first batch whose JSON shows
one: see sync.push): the table is pushed up to the row before the first, tables
whose parents are held back wait (the centre never holds an event whose ticket has not
arrived), the rest goes, and the run reports each such row by table and key.
`kiosk sync repair` strips the forbidden characters from the rows holding a NUL, the one
change a record may see: it has never left the site. Rows dated ahead need no repair: they
go once the centre's clock has passed their time.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import String, and_, cast, func, literal, or_, select, update
from sqlalchemy.types import LargeBinary

from kiosk.db import Database
from kiosk.models import RECORD_TABLES, Base, DeviceEvent, SyncMark, utcnow
from kiosk.plain_text import strip_forbidden

#: rows reported per table and run; the repair finds them all
REPORTED = 20


@dataclass(frozen=True)
class Refused:
    """A pending record the push holds back: a NUL in `column`, or dated ahead of the centre."""

    table: str
    seq: int
    site_id: str
    uuid: uuid.UUID
    column: str | None = None
    dated: dt.datetime | None = None

    def __str__(self) -> str:
        if self.dated is not None:
            why = f"dated {self.dated:%Y-%m-%d %H:%M} UTC, ahead of the centre's clock"
        else:
            why = f"{self.column} holds a NUL"
        return f"{self.table} ({self.site_id}, {self.uuid}): {why}"


def _text_columns(name: str) -> list:
    table = Base.metadata.tables[name]
    return [c for c in table.columns if isinstance(c.type, String) and c.name != "uuid"]


def refused_rows(
    db: Database,
    name: str,
    *,
    after: int,
    upto: int,
    not_after: dt.datetime | None = None,
    texts: bool = True,
    limit: int | None = REPORTED,
) -> list[Refused]:
    """This table's rows in (after, upto] that the push holds back, in key order: (with
    `texts`) a NUL in a text column, or (given `not_after`) a time later than it."""
    table = Base.metadata.tables[name]
    in_range = and_(table.c.seq > after, table.c.seq <= upto)
    found: list[Refused] = []
    with db.engine.connect() as conn:
        if not_after is not None:
            found += [
                Refused(name, seq, site_id, key, dated=at)
                for seq, site_id, key, at in conn.execute(
                    select(table.c.seq, table.c.site_id, table.c.uuid, table.c.created_at)
                    .where(in_range, table.c.created_at > not_after)
                    .order_by(table.c.seq)
                    .limit(limit)
                )
            ]
        if texts and db.dialect == "sqlite":  # PostgreSQL cannot hold a NUL in text either
            columns = _text_columns(name)
            has_nul = [
                func.instr(cast(c, LargeBinary), literal(b"\x00", LargeBinary)) > 0 for c in columns
            ]
            rows = conn.execute(
                select(table.c.seq, table.c.site_id, table.c.uuid, *has_nul)
                .where(in_range, or_(*has_nul))
                .order_by(table.c.seq)
                .limit(limit)
            ).all()
            found += [
                Refused(
                    name,
                    seq,
                    site_id,
                    key,
                    column=next(c.name for c, bad in zip(columns, flags, strict=True) if bad),
                )
                for seq, site_id, key, *flags in rows
            ]
    found.sort(key=lambda r: r.seq)
    return found[:limit]


def parents(name: str) -> set[str]:
    return {fk.column.table.name for fk in Base.metadata.tables[name].foreign_keys}


def pending_refused(db: Database) -> Iterator[Refused]:
    """Every record not yet pushed that holds a NUL (those dated ahead need no mending:
    they go once the centre's clock has passed their time)."""
    with db.read() as s:
        marks = {m.table_name: m.high_water for m in s.scalars(select(SyncMark))}
    for model in RECORD_TABLES:
        name = model.__tablename__
        rows = refused_rows(db, name, after=marks.get(name, 0), upto=2**62, limit=None)
        yield from (r for r in rows if r.column)


def offending_text(db: Database, row: Refused) -> str:
    """The column's text as Python writes it, so the NUL shows as \\x00."""
    table = Base.metadata.tables[row.table]
    with db.read() as s:
        value = s.execute(select(table.c[row.column]).where(table.c.seq == row.seq)).scalar()
    return repr(value)[:200]


def repair(db: Database, rows: list[Refused], *, site_id: str) -> None:
    """Strip the forbidden characters from these rows' text, each noted as a device event."""
    with db.write() as s:
        for row in rows:
            table = Base.metadata.tables[row.table]
            values = {
                c.name: strip_forbidden(v)
                for c in _text_columns(row.table)
                if isinstance(v := s.execute(select(c).where(table.c.seq == row.seq)).scalar(), str)
            }
            s.execute(update(table).where(table.c.seq == row.seq).values(**values))
            s.add(
                DeviceEvent(
                    site_id=site_id,
                    created_at=utcnow(),
                    device="sync",
                    status="text_repaired",
                    detail=f"{row.table} {row.uuid} {row.column}",
                )
            )
