"""Push: each record table's rows after its high-water mark, in key order and bounded batches.

Every batch is one `INSERT … SELECT FROM unnest(arrays) ON CONFLICT DO NOTHING` on the
central database (one statement, one round trip, binary arrays, and only the INSERT
privilege: no temporary table, no conflict target that would need SELECT), committed
there before the local mark moves. A crash between the two replays the batch, which
the UUID key turns into a no-op.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import psycopg
from sqlalchemy import func, select, text
from sqlalchemy.dialects import postgresql

from kiosk.db import Database
from kiosk.models import RECORD_TABLES, SyncMark
from sync.schema import RECORDS, SENT_COLUMNS

Progress = Callable[[str, int], None]


@dataclass
class PushPlan:
    """Per table: the mark to start after and the last key that is safe to send."""

    marks: dict[str, int]
    uppers: dict[str, int]
    pending: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.pending.values())


def _array_type(column: Any) -> str:
    name = column.type.compile(dialect=postgresql.dialect())
    return name.split("(")[0] + "[]"


INSERT_SQL: dict[str, str] = {
    t.name: (
        f"INSERT INTO {t.name} ({', '.join(SENT_COLUMNS[t.name])}) SELECT * FROM unnest("
        + ", ".join(f"%s::{_array_type(t.c[c])}" for c in SENT_COLUMNS[t.name])
        + ") ON CONFLICT DO NOTHING"
    )
    for t in RECORDS
}


def _settled_uppers(db: Database) -> dict[str, int]:
    """The highest key per table that no unfinished transaction can still go below.

    On SQLite writers are serialised, so keys commit in order. On PostgreSQL a sequence
    value can commit after a higher one; so the maxima are read together with the
    snapshot's xmax, and we wait until every transaction that had started by then has
    ended: any key at or below those maxima was taken by one of them, now committed or gone.
    """
    with db.engine.connect() as conn:
        if db.dialect != "postgresql":
            return {
                m.__tablename__: conn.execute(
                    select(func.coalesce(func.max(m.seq), 0))
                ).scalar_one()
                for m in RECORD_TABLES
            }
        parts = ", ".join(
            f"(SELECT coalesce(max(seq), 0) FROM {m.__tablename__})" for m in RECORD_TABLES
        )
        row = conn.execute(text(f"SELECT {parts}, pg_snapshot_xmax(pg_current_snapshot())")).one()
        conn.commit()
        xmax = row[-1]
        deadline = time.monotonic() + 600
        wait = text("SELECT pg_snapshot_xmin(pg_current_snapshot()) >= CAST(:x AS xid8)")
        while not conn.execute(wait, {"x": str(xmax)}).scalar_one():
            conn.commit()
            if time.monotonic() > deadline:
                raise TimeoutError("a site transaction has stayed open for ten minutes")
            time.sleep(0.05)
        return {m.__tablename__: int(v) for m, v in zip(RECORD_TABLES, row[:-1], strict=True)}


def plan_push(db: Database, *, count: bool = False) -> PushPlan:
    uppers = _settled_uppers(db)
    with db.read() as s:
        marks = {m.table_name: m.high_water for m in s.scalars(select(SyncMark))}
        marks = {name: marks.get(name, 0) for name in uppers}
        plan = PushPlan(marks=marks, uppers=uppers)
        if count:
            for model in RECORD_TABLES:
                name = model.__tablename__
                plan.pending[name] = s.execute(
                    select(func.count())
                    .select_from(model)
                    .where(model.seq > marks[name], model.seq <= uppers[name])
                ).scalar_one()
    return plan


def _batches(
    db: Database, model: type, *, after: int, upper: int, size: int
) -> Iterator[Sequence[Any]]:
    """Keyset pagination: each batch is its own short read, so memory stays one batch."""
    table = model.__table__  # type: ignore[attr-defined]
    columns = [table.c[c] for c in SENT_COLUMNS[table.name]]
    while after < upper:
        with db.read() as s:
            rows = s.execute(
                select(*columns)
                .where(table.c.seq > after, table.c.seq <= upper)
                .order_by(table.c.seq)
                .limit(size)
            ).all()
        if not rows:
            return
        yield rows
        after = rows[-1].seq


def _move_mark(db: Database, name: str, seq: int) -> None:
    with db.write() as s:
        mark = s.get(SyncMark, name)
        if mark is None:
            s.add(SyncMark(table_name=name, high_water=seq))
        elif seq > mark.high_water:
            mark.high_water = seq


def push(
    db: Database,
    central: psycopg.Connection,
    *,
    plan: PushPlan,
    batch_size: int,
    progress: Progress | None = None,
) -> dict[str, int]:
    """Send everything the plan covers, parents before children; returns rows sent per table."""
    sent: dict[str, int] = {}
    for model in RECORD_TABLES:
        name = model.__tablename__
        sql = INSERT_SQL[name]
        for rows in _batches(
            db, model, after=plan.marks[name], upper=plan.uppers[name], size=batch_size
        ):
            with central.cursor() as cur:
                cur.execute(sql, [list(col) for col in zip(*rows, strict=True)])
            central.commit()
            last = rows[-1].seq
            _move_mark(db, name, last)
            plan.marks[name] = last
            sent[name] = sent.get(name, 0) + len(rows)
            if progress:
                progress(name, len(rows))
    return sent
