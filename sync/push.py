"""Push: each record table's rows after its high-water mark, in key order and bounded batches.

Every batch is one `INSERT … SELECT … FROM jsonb_array_elements(%s)` on the central
database: one statement and one round trip, only the INSERT privilege (no temporary
table). COPY would be faster but PostgreSQL refuses it on a table with row-level
security. A batch that meets a key already there (a replay after a failure) is sent again
with `ON CONFLICT DO NOTHING` (no conflict target, which would need SELECT); sending every
batch that way costs the server a speculative insertion per row, a quarter of the push.
The centre keys a record by its site and UUID, so only the site's own rows can meet a key,
and a replay then proves every row it skipped equal to the one sent, or names the key.

The rows never become Python objects here: the site's database writes each batch as one
JSON text, which the central server casts into the column types (its session runs in UTC,
the zone of the naive timestamps a SQLite site keeps). The same statement returns the
count and a digest of the rows sent; after each table the centre's count and digest of
this site's rows in the pushed key range must equal them, and the count the site's own:
only then is the table done.

The events a site pulled from the centre (sync/handling.py) keep the centre's negative
keys: every range here starts above a mark of 0 or more, so they are never sent back, and
neither side counts them in a pushed range.

An INSERT with a unique index costs the server about three times what COPY does, so a
few connections push a table's batches side by side while this thread reads and encodes
the next. Each batch commits on its own; the local mark moves only over the unbroken run
of committed batches, so after a failure anywhere the replay starts at the first batch
that may be missing, and the key turns what was already there into a no-op. A table
is finished before the next starts: parents before children, even when a run breaks off.
"""

from __future__ import annotations

import datetime as dt
import logging
import queue
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor, wait
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass, field
from typing import Any

import psycopg
from sqlalchemy import Select, Text, bindparam, cast, func, select, text, type_coerce
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from kiosk.db import Database, WriteBusy
from kiosk.errors import KioskError
from kiosk.models import RECORD_TABLES, Base, SyncMark
from sync.refused import Refused, parents, refused_rows
from sync.schema import RECORD_KEY, RECORDS, SENT_COLUMNS

log = logging.getLogger(__name__)

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


class PushRefused(KioskError):
    """The centre holds something other than what the site sent: waiting will not mend it."""

    code = "sync_refused"
    status = 409


class RecordConflict(PushRefused):
    """A row under this site's key at the centre differs from the site's row of that key."""

    code = "sync_conflict"

    def __init__(self, table: str, site_id: str, key: str) -> None:
        self.table, self.site_id, self.key = table, site_id, key
        super().__init__(
            f"{table} ({site_id}, {key}): the centre holds another row under this key; "
            "nothing after it in that table was pushed",
            table=table,
            key=key,
        )


class RangeMismatch(PushRefused):
    """After a table, the centre's rows of this site in the pushed range are not the site's."""

    code = "sync_mismatch"

    def __init__(
        self, table: str, after: int, upto: int, site: int, sent: int, stored: int
    ) -> None:
        self.table = table
        super().__init__(
            f"{table} seq {after + 1}…{upto}: the site has {site} rows, {sent} were sent and "
            f"the centre holds {stored} (or other contents); the range will be sent again",
            table=table,
        )


def _cast(column: Any) -> str:
    return column.type.compile(dialect=postgresql.dialect())


def _row_hash(alias: str, columns: tuple[str, ...]) -> str:
    """A 64-bit hash of the row from each column type's own hash function (no text form),
    the same for a row the centre stores as for the sent row cast to the same types."""
    row = ", ".join(f"{alias}.{c}" for c in columns)
    # summed as bigint: PostgreSQL adds those in 128 bits and returns a numeric, the same
    # exact sum as of each hash cast to numeric without a numeric made per row
    return f"hash_record_extended(ROW({row}), 0)"


def _sent(table: Any) -> str:
    """The batch's rows cast into the column types, once, for the INSERT and its digest."""
    columns = SENT_COLUMNS[table.name]
    casts = ", ".join(f"(r->>{i})::{_cast(table.c[c])} AS {c}" for i, c in enumerate(columns))
    return f"sent AS (SELECT {casts} FROM jsonb_array_elements(%s::jsonb) AS r)"


def _insert(table: Any, *, on_conflict: str = "") -> str:
    """Insert the batch and return the count and digest of the rows sent."""
    columns = ", ".join(SENT_COLUMNS[table.name])
    return (
        f"WITH {_sent(table)}, stored AS (INSERT INTO {table.name} ({columns}) "
        f"SELECT {columns} FROM sent{on_conflict}) "
        f"SELECT count(*), coalesce(sum({_row_hash('sent', SENT_COLUMNS[table.name])}), 0) "
        "FROM sent"
    )


def _conflicting(table: Any) -> str:
    """The first sent row whose key the centre holds with other contents (a replay's proof)."""
    columns = SENT_COLUMNS[table.name]
    on = " AND ".join(f"t.{c} = sent.{c}" for c in RECORD_KEY)
    return (
        f"WITH {_sent(table)} SELECT sent.site_id, sent.uuid::text FROM sent "
        f"LEFT JOIN {table.name} AS t ON {on} "
        f"WHERE ROW({', '.join(f't.{c}' for c in columns)}) IS DISTINCT FROM "
        f"ROW({', '.join(f'sent.{c}' for c in columns)}) LIMIT 1"
    )


def _stored(table: Any) -> str:
    """Count and digest of the rows the centre holds in a key range (row security: this site's)."""
    return (
        f"SELECT count(*), coalesce(sum({_row_hash('t', SENT_COLUMNS[table.name])}), 0) "
        f"FROM {table.name} AS t WHERE t.seq > %s AND t.seq <= %s"
    )


# the usual case, a batch the centre has not seen, skips the per-row speculative insertion
# that ON CONFLICT costs; a batch some of whose rows are there already (a replay) fails
# on the key as a whole and is sent again to skip them, then proves the skipped rows equal
INSERT_NEW: dict[str, str] = {t.name: _insert(t) for t in RECORDS}
INSERT_REPLAY: dict[str, str] = {
    t.name: _insert(t, on_conflict=" ON CONFLICT DO NOTHING") for t in RECORDS
}
CONFLICTING: dict[str, str] = {t.name: _conflicting(t) for t in RECORDS}
STORED: dict[str, str] = {t.name: _stored(t) for t in RECORDS}


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


@dataclass(frozen=True)
class Batch:
    table: str
    rows: int
    last_seq: int
    payload: str


def _batch_query(db: Database, name: str, size: int) -> Select[Any]:
    """The next batch after :after, as its last key, its size and its rows as one JSON text.

    The site's database writes the JSON itself, so no row becomes Python objects here;
    the order of rows within a batch does not matter, only which keys it covers.
    """
    site_table = Base.metadata.tables[name]
    page = (
        select(*(site_table.c[c] for c in SENT_COLUMNS[name]))
        .where(site_table.c.seq > bindparam("after"), site_table.c.seq <= bindparam("upper"))
        .order_by(site_table.c.seq)
        .limit(size)
        .subquery("page")
    )
    values = [page.c[c] for c in SENT_COLUMNS[name]]
    if db.dialect == "sqlite":
        rows = func.json_group_array(func.json_array(*values))
    else:
        rows = cast(func.json_agg(func.json_build_array(*values)), Text)
    return select(func.max(page.c.seq), func.count(), type_coerce(rows, Text))


#: tables whose rows are large: a scanned letter is up to `register.attachment_max_mb`, so a
#: batch of the usual thousands would hold gigabytes in memory on both sides
ROWS_PER_BATCH = {"message_attachments": 4}

# how the site's JSON writes a NUL; a text holding these six characters reads as one too,
# which costs only the search below
NUL_IN_JSON = "\\u0000"


def _batches(
    db: Database, name: str, *, after: int, upper: int, size: int, refused: list[Refused]
) -> Iterator[Batch]:
    """Keyset pagination: each batch is its own short read, so memory stays one batch.

    The first batch whose JSON shows a NUL has the rest of the range searched for rows
    holding one (a scan of every text column, so only then): the table stops before the
    first, and those found are added to `refused`.
    """
    query = _batch_query(db, name, size)
    searched = False
    while after < upper:
        with db.engine.connect() as conn:
            last, count, payload = conn.execute(query, {"after": after, "upper": upper}).one()
        if not count:
            return
        if not searched and NUL_IN_JSON in payload:
            searched = True
            if found := refused_rows(db, name, after=after, upto=upper):
                refused.extend(found)
                upper = found[0].seq - 1
                continue  # this batch again, up to the row before
        after = last
        yield Batch(name, count, last, payload)


def _move_marks(s: Session, marks: dict[str, int]) -> None:
    for name, seq in marks.items():
        mark = s.get(SyncMark, name)
        if mark is None:
            s.add(SyncMark(table_name=name, high_water=seq))
        elif seq > mark.high_water:
            mark.high_water = seq


@dataclass(frozen=True)
class Receipt:
    """A batch the centre committed, with the count and digest of the rows it was sent."""

    batch: Batch
    rows: int
    digest: int


@dataclass
class Holdback:
    """What a push left on the site: rows the centre would refuse, and tables waiting for them."""

    refused: list[Refused] = field(default_factory=list)
    waiting: dict[str, list[str]] = field(default_factory=dict)

    @property
    def stopped(self) -> set[str]:
        return {r.table for r in self.refused} | set(self.waiting)

    def __bool__(self) -> bool:
        return bool(self.refused or self.waiting)

    def __str__(self) -> str:
        lines = [f"held back: {r}" for r in self.refused]
        lines += [
            f"{table} waits for {', '.join(parents)}" for table, parents in self.waiting.items()
        ]
        if any(r.column for r in self.refused):
            lines.append("run `kiosk sync repair` to see and mend the rows holding a NUL")
        if any(r.dated for r in self.refused):
            lines.append("rows dated ahead go once the centre's clock has passed their time")
        return "\n".join(lines)


def _send(central: psycopg.Connection, batch: Batch) -> Receipt:
    """One batch in one central transaction; a replay proves the rows it skipped are the same."""
    try:
        rows, digest = central.execute(INSERT_NEW[batch.table], (batch.payload,)).fetchone()
    except psycopg.errors.UniqueViolation:
        central.rollback()
        rows, digest = central.execute(INSERT_REPLAY[batch.table], (batch.payload,)).fetchone()
        if clash := central.execute(CONFLICTING[batch.table], (batch.payload,)).fetchone():
            central.rollback()
            raise RecordConflict(batch.table, *clash) from None
    central.commit()
    return Receipt(batch, rows, int(digest))


def _site_count(db: Database, name: str, after: int, upto: int) -> int:
    site_table = Base.metadata.tables[name]
    with db.engine.connect() as conn:
        return conn.execute(
            select(func.count()).where(site_table.c.seq > after, site_table.c.seq <= upto)
        ).scalar_one()


class _Window:
    """One table's batches in flight, in key order, and its mark behind them.

    The mark is a durable local write, so it moves at most once a second, and whenever
    the table ends or a batch fails: a replay of what it lags behind is a no-op.
    """

    MARK_EVERY_S = 1.0

    def __init__(
        self,
        db: Database,
        plan: PushPlan,
        name: str,
        sent: dict[str, int],
        progress: Progress | None,
    ) -> None:
        self.db, self.plan, self.name, self.sent, self.progress = db, plan, name, sent, progress
        self.in_flight: list[Future[Receipt]] = []
        self.start = self.committed = self.marked = plan.marks[name]
        self.marked_at = time.monotonic()
        self.rows = self.digest = 0

    def settle(self, *, everything: bool) -> None:
        """Wait for the front batch (or all) and take the committed ones from the front.

        A failed batch stays at the front and its error is raised: nothing after it counts.
        """
        wait(self.in_flight if everything else self.in_flight[:1])
        try:
            while self.in_flight and self.in_flight[0].done():
                if error := self.in_flight[0].exception():
                    raise error
                receipt = self.in_flight.pop(0).result()
                self.committed = receipt.batch.last_seq
                self.rows += receipt.rows
                self.digest += receipt.digest
                self.sent[self.name] = self.sent.get(self.name, 0) + receipt.batch.rows
                if self.progress:
                    self.progress(self.name, receipt.batch.rows)
        except BaseException:
            if self.lagging:
                with self.db.write() as s:
                    _move_marks(s, {self.name: self.committed})
                self.moved()
            raise
        if self.lagging and (everything or time.monotonic() - self.marked_at >= self.MARK_EVERY_S):
            # only when no one holds SQLite's write lock: a ticket never waits behind the
            # sync; else the mark moves at the next try, at the latest when the push ends
            # (a replay of what it lags behind is a no-op)
            with suppress(WriteBusy), self.db.write_if_free() as s:
                _move_marks(s, {self.name: self.committed})
                self.moved()

    @property
    def lagging(self) -> bool:
        return self.committed > self.marked

    def moved(self) -> None:
        self.plan.marks[self.name] = self.marked = self.committed
        self.marked_at = time.monotonic()

    def verify(self, central: psycopg.Connection) -> None:
        """The site's rows in the range this run pushed (not empty), the rows sent and the
        centre's agree.

        Otherwise the mark goes back to where the run found it, so the next run sends the
        range again (its replay names a conflicting key) instead of passing it as done.
        """
        stored, digest = central.execute(STORED[self.name], (self.start, self.committed)).fetchone()
        central.commit()
        site = _site_count(self.db, self.name, self.start, self.committed)
        if site == self.rows == stored and int(digest) == self.digest:
            return
        with self.db.write() as s:
            if mark := s.get(SyncMark, self.name):
                mark.high_water = self.start
        self.plan.marks[self.name] = self.committed = self.marked = self.start
        raise RangeMismatch(self.name, self.start, self.committed, site, self.rows, stored)


class _Connections:
    """Up to `most` central connections, each opened when first wanted: a night with
    nothing to send opens none (each login is a SCRAM exchange and a TLS handshake).
    Leaving it closes those opened."""

    def __init__(self, connect: Callable[[], psycopg.Connection], most: int) -> None:
        self.connect, self.unopened = connect, most
        self.opened = ExitStack()
        self.idle: queue.SimpleQueue[psycopg.Connection] = queue.SimpleQueue()
        self.lock = threading.Lock()

    def __enter__(self) -> _Connections:
        return self

    def __exit__(self, *exc: object) -> None:
        self.opened.close()

    @contextmanager
    def one(self) -> Iterator[psycopg.Connection]:
        with self.lock:
            if self.idle.empty() and self.unopened:
                # counted once open: a login that failed leaves its place to the next try
                self.idle.put(self.opened.enter_context(self.connect()))
                self.unopened -= 1
        central = self.idle.get()
        try:
            yield central
        finally:
            self.idle.put(central)


@dataclass(frozen=True)
class PushResult:
    """What a push did: the rows the centre committed, by table, and what it held back."""

    sent: dict[str, int]
    held: Holdback


def push(
    db: Database,
    connect: Callable[[], psycopg.Connection],
    *,
    plan: PushPlan,
    batch_size: int,
    connections: int = 2,
    progress: Progress | None = None,
    not_after: dt.datetime | None = None,
) -> PushResult:
    """Send everything the plan covers, parents before children.

    Each table ends with a check of the centre's copy of what was pushed (count and digest).
    A table stops before a row the centre would refuse, or one dated after `not_after`, and
    its children wait: what was held back is in the result. On a failure the marks still
    cover what was committed before it is raised, and `progress` has been told of each
    committed batch.
    """
    hold = Holdback()
    sent: dict[str, int] = {}
    with ExitStack() as stack:
        centrals = stack.enter_context(_Connections(connect, connections))

        def send(batch: Batch) -> Receipt:
            with centrals.one() as central:
                return _send(central, batch)

        # entered after the connections, so its threads are done before they close
        pool = stack.enter_context(ThreadPoolExecutor(connections, "sync-push"))
        windows: list[_Window] = []
        for model in RECORD_TABLES:
            name = model.__tablename__
            upper = plan.uppers[name]
            if waiting_for := parents(name) & hold.stopped:
                hold.waiting[name] = sorted(waiting_for)
                continue
            # a NUL is searched for only where the batches show one (in _batches)
            if not_after is not None and (
                dated := refused_rows(
                    db, name, after=plan.marks[name], upto=upper, not_after=not_after, texts=False
                )
            ):
                hold.refused.extend(dated)
                upper = dated[0].seq - 1
            window = _Window(db, plan, name, sent, progress)
            windows.append(window)
            try:
                for batch in _batches(
                    db,
                    name,
                    after=plan.marks[name],
                    upper=upper,
                    size=min(batch_size, ROWS_PER_BATCH.get(name, batch_size)),
                    refused=hold.refused,
                ):
                    window.in_flight.append(pool.submit(send, batch))
                    # one batch ready beyond those the connections are sending: memory stays flat
                    if len(window.in_flight) > connections:
                        window.settle(everything=False)
                window.settle(everything=True)
            except BaseException:
                # let the batches still in flight end, and keep the committed ones; the first
                # error is the one raised, a later one only logged
                try:
                    window.settle(everything=True)
                except Exception:
                    log.warning("push: a batch in flight failed too", exc_info=True)
                raise
            if window.committed > window.start:
                with centrals.one() as central:
                    window.verify(central)
        # the marks a busy writer kept from moving, in one transaction: it takes its turn
        # among the writers like any other, a few milliseconds
        if lagging := [w for w in windows if w.lagging]:
            with db.write() as s:
                _move_marks(s, {w.name: w.committed for w in lagging})
            for window in lagging:
                window.moved()
    return PushResult(sent=sent, held=hold)
