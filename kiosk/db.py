"""The site database: engines, sessions, migrations and the schema revision check."""

from __future__ import annotations

import ast
import fcntl
import functools
import os
import threading
import time
from collections import deque
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, suppress
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, RootTransaction, create_engine, event, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from kiosk.errors import KioskError

if TYPE_CHECKING:
    from alembic.config import Config as AlembicConfig

# Alembic is imported where migrations are handled, not at import: it costs a kiosk's
# start-up half a second, and the touchscreen app only reads and writes records. Checking
# the schema at every command's start does without it (a nightly `kiosk sync`: #13).
MIGRATIONS = resources.files("kiosk") / "migrations"


def _declared(tree: ast.Module, name: str) -> Any:
    for node in tree.body:
        target = node.targets[0] if isinstance(node, ast.Assign) else getattr(node, "target", None)
        if isinstance(target, ast.Name) and target.id == name and node.value is not None:
            return ast.literal_eval(node.value)
    return None


@functools.cache
def migration_heads() -> frozenset[str]:
    """The revisions no other revision revises, from the version files' `revision` and
    `down_revision` as Alembic reads them; tests/test_db.py compares them with Alembic's."""
    revisions, revised = set(), set()
    for path in (MIGRATIONS / "versions").iterdir():
        if path.name.endswith(".py"):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            revisions.add(_declared(tree, "revision"))
            down = _declared(tree, "down_revision")
            revised.update((down,) if isinstance(down, str) else down or ())
    return frozenset(revisions - revised - {None})


class WriteBusy(KioskError):
    """The writers' turn did not come: taken now (`write_if_free`, `hold_writers(wait=False)`)
    or not reached within the busy timeout."""

    code = "write_busy"
    status = 409


class NestedWrite(RuntimeError):
    """A write begun inside this thread's own write: a mistake in the code, not a state."""


class SchemaError(KioskError):
    """The database's schema is not the one this code expects; the message says what to run."""

    code = "schema_mismatch"
    status = 409


class DatabaseDamaged(KioskError):
    """The database file is damaged; the message names it and what the check found."""

    code = "database_damaged"
    status = 409


class StorageFailed(KioskError):
    """Nothing can be stored (the database's disk is full or read-only); nothing was saved."""

    code = "storage_failed"
    status = 409  # the site is not in a state to store anything


# SQLite's words for a disk that takes nothing more (SQLITE_FULL), a file or file system that
# may not be written (SQLITE_READONLY_*; EROFS on a new connection is SQLITE_CANTOPEN, in the
# WAL index an SQLITE_IOERR_*); PostgreSQL's SQLSTATE 53100 disk_full and 25006 read-only
_STORAGE_ERRORS = ("SQLITE_FULL", "SQLITE_READONLY", "SQLITE_CANTOPEN", "SQLITE_IOERR")
_STORAGE_SQLSTATES = ("53100", "25006")


def is_storage_failure(exc: BaseException) -> bool:
    """Whether a database error says that the disk takes no more writes."""
    orig = getattr(exc, "orig", exc)
    name = getattr(orig, "sqlite_errorname", "")
    return name.startswith(_STORAGE_ERRORS) or getattr(orig, "sqlstate", None) in _STORAGE_SQLSTATES


@contextmanager
def _storage_refusals() -> Iterator[None]:
    """A database error for want of a writable disk becomes StorageFailed, which every UI
    words; a write's transaction was rolled back, so nothing half-stored remains."""
    try:
        yield
    except OperationalError as exc:
        if is_storage_failure(exc):
            raise StorageFailed(f"the database's disk takes no writes: {exc.orig}") from exc
        raise


def is_damage(exc: BaseException) -> bool:
    """Whether a database error says the file is damaged (SQLite: corrupt, or no database)."""
    name = getattr(getattr(exc, "orig", exc), "sqlite_errorname", "")
    return name.startswith(("SQLITE_CORRUPT", "SQLITE_NOTADB"))


def upsert_insert(session: Session) -> Any:
    """The INSERT of the session's dialect, the one with ON CONFLICT (`insert(...).on_conflict_do_update`).

    Its module is imported here, when first needed: PostgreSQL's costs a kiosk on SQLite
    some 80 ms before the attract screen's first frame.
    """
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert


# Connections kept open: the staff web's ten clerks' requests and the board's status at
# once. With SQLAlchemy's default of five, every request past the fifth opened a
# connection of its own and closed it again (on SQLite each open ran the pragmas below).
POOL = {"pool_size": 12, "max_overflow": 20}


# A connection given back to the pool this recently is taken as alive; one idle longer is
# pinged before use (a restarted server or a dropped link leaves it dead). SQLAlchemy's
# pool_pre_ping pinged at every checkout: two round trips of a clerk's ten, and 1.15× the
# calls a second without them (bench/counter_load.py on PostgreSQL).
PING_AFTER_IDLE_S = 10.0


def _postgresql_engine(url: str) -> Engine:
    engine = create_engine(url, **POOL)

    @event.listens_for(engine, "connect")
    @event.listens_for(engine, "checkin")
    def _in_use(_dbapi_conn: Any, record: Any) -> None:
        record.info["used_at"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _alive(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        if time.monotonic() - record.info.get("used_at", 0.0) < PING_AFTER_IDLE_S:
            return
        try:
            engine.dialect.do_ping(dbapi_conn)
        except Exception as exc:
            # the pool drops this connection and checks out another (SQLAlchemy's own rule)
            raise DisconnectionError("dead connection in the pool") from exc

    return engine


def _sqlite_engine(url: str, *, busy_timeout_ms: int, begin: str, on_file: bool) -> Engine:
    # in memory: one connection in SQLAlchemy's own pool, which takes no sizes
    engine = create_engine(
        url, connect_args={"timeout": busy_timeout_ms / 1000}, **(POOL if on_file else {})
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Hand transaction control to us so writers can take the lock up front.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=FULL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql(begin)

    return engine


GROUP_LIMIT = 16
"""Writers of one process that share one transaction at most: then the batch commits and
another process (the kiosk's) may have the next turn."""

# How long a process whose batch just ended lets one that waits take the turn first; a
# waiter looks every millisecond, so this only covers a loaded machine's scheduling.
_LET_IN_S = 0.05


def _open_lock(path: Path) -> int:
    return os.open(path, os.O_RDWR | os.O_CREAT, 0o660)


class _FileTurn:
    """The writers' turn among processes: an exclusive flock on `<database>-writers.lock`.

    A waiter looks every millisecond (SQLite's busy handler sleeps up to 100 ms between
    tries, and under a steady stream of writers could find the lock taken at every try
    until its timeout). While it waits it holds a shared flock on `<database>-writers.wait`;
    a process whose batch has just ended and sees that lets the waiter in first, so the
    turns alternate between processes instead of going to whichever looks again first (with
    twenty threads writing in one process and one in another, one side took turn after turn).
    """

    def __init__(self, database: str) -> None:
        self._turn = Path(f"{database}-writers.lock")
        self._waiting = Path(f"{database}-writers.wait")

    def take(self, *, deadline: float | None) -> int:
        """The turn, as a descriptor that gives it back when closed; `deadline` None: the
        turn now or WriteBusy."""
        fd = _open_lock(self._turn)
        mark: int | None = None
        letting_in = deadline is not None and self._others_wait()
        let_in_until = time.monotonic() + _LET_IN_S
        try:
            while True:
                if letting_in:
                    letting_in = not self._taken(fd) and time.monotonic() < let_in_until
                if not letting_in:
                    try:
                        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                        return fd
                    except BlockingIOError:
                        if deadline is None:
                            raise WriteBusy("another writer has its turn") from None
                    if mark is None:
                        mark = _open_lock(self._waiting)
                        fcntl.flock(mark, fcntl.LOCK_SH)
                if deadline is not None and time.monotonic() > deadline:
                    raise WriteBusy("the writers' turn did not come within the busy timeout")
                time.sleep(0.001)
        except BaseException:
            os.close(fd)
            raise
        finally:
            if mark is not None:
                os.close(mark)

    def _others_wait(self) -> bool:
        try:
            fd = os.open(self._waiting, os.O_RDWR)  # nobody waited yet: no file to make
        except FileNotFoundError:
            return False
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return False
        except BlockingIOError:
            return True
        finally:
            os.close(fd)

    @staticmethod
    def _taken(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(fd, fcntl.LOCK_UN)
        return False


@dataclass(eq=False)
class _Batch:
    """One transaction shared by writers of this process, each in a savepoint of its own."""

    connection: Connection
    transaction: RootTransaction
    turn: int  # the file turn's descriptor
    members: int = 0
    failure: BaseException | None = None  # the commit's, or what took the transaction
    durable: threading.Event = field(default_factory=threading.Event)

    @property
    def alive(self) -> bool:
        """Whether the transaction is still open: SQLite rolls it all back itself on some
        errors (a full disk), and then the batch's earlier writers' rows are gone too."""
        return bool(getattr(self.connection.connection.dbapi_connection, "in_transaction", False))


@dataclass(eq=False)
class _Waiter:
    joins: bool  # a writer, who may join the open batch (a hold or a free write does not)
    ready: threading.Event = field(default_factory=threading.Event)
    batch: _Batch | None = None


class _Queue:
    """Which of this process's threads has the writers' turn, and who waits, in order.

    Waiters sleep on an event of their own: ten request threads polling the lock file every
    millisecond took the GIL from the one writing some 10,000 times a second.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._waiting: deque[_Waiter] = deque()
        self._taken = False

    @property
    def waiting(self) -> int:
        return len(self._waiting)

    def take(self, *, joins: bool, deadline: float | None) -> _Batch | None:
        """Wait for this thread's turn: the open batch it joins, or None to begin one."""
        me = _Waiter(joins)
        with self._lock:
            if not self._taken:
                self._taken = True
                return None
            if deadline is None:
                raise WriteBusy("another writer has its turn")
            self._waiting.append(me)
        if not me.ready.wait(max(0.0, deadline - time.monotonic())):
            with self._lock:
                if me in self._waiting:
                    self._waiting.remove(me)
                    raise WriteBusy("the writers' turn did not come within the busy timeout")
            # handed the turn as the wait ran out
        return me.batch

    def hand_on(self, batch: _Batch) -> bool:
        """Give the open batch to the next in line if it is a writer and the batch has room."""
        with self._lock:
            if batch.members < GROUP_LIMIT and self._waiting and self._waiting[0].joins:
                nxt = self._waiting.popleft()
                nxt.batch = batch
                nxt.ready.set()
                return True
            return False

    def give_back(self) -> None:
        """The turn to the next in line, to begin a batch of its own, or free."""
        with self._lock:
            if self._waiting:
                self._waiting.popleft().ready.set()
            else:
                self._taken = False


class Database:
    """One site database. `read()` for queries, `write()` for changes (one transaction each).

    On SQLite a write transaction starts with BEGIN IMMEDIATE, so two writers never
    interleave and a read-then-write (call next) cannot hand one ticket to two counters.
    On a SQLite file the writers of one process that queue behind each other share one
    transaction (group commit, see `write`).
    """

    def __init__(self, url: str, *, busy_timeout_ms: int = 10000) -> None:
        self.url = url
        parsed = make_url(url)
        self.is_sqlite = parsed.get_backend_name() == "sqlite"
        self._file_turn: _FileTurn | None = None
        self._queue = _Queue()
        self._writing = threading.local()
        self._wait_s = busy_timeout_ms / 1000
        if self.is_sqlite:
            on_file = bool(parsed.database) and parsed.database != ":memory:"
            if on_file:
                Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
                self._file_turn = _FileTurn(parsed.database)
            self.engine = _sqlite_engine(
                url, busy_timeout_ms=busy_timeout_ms, begin="BEGIN", on_file=on_file
            )
            self.write_engine = _sqlite_engine(
                url, busy_timeout_ms=busy_timeout_ms, begin="BEGIN IMMEDIATE", on_file=on_file
            )
            # never waits: background work takes the write lock only when nobody holds it
            self._free_engine = _sqlite_engine(
                url, busy_timeout_ms=0, begin="BEGIN IMMEDIATE", on_file=on_file
            )
            readers: Engine = self.engine
        else:
            self.engine = _postgresql_engine(url)
            self.write_engine = self._free_engine = self.engine
            # In READ COMMITTED each statement reads its own snapshot, in a transaction or
            # not, so a read's BEGIN and COMMIT bought nothing but two more round trips: a
            # clerk's every request reads its session, and the board's status after each
            # call. Reads that must agree with each other ask for REPEATABLE READ themselves.
            readers = self.engine.execution_options(isolation_level="AUTOCOMMIT")
        self._read = sessionmaker(readers, expire_on_commit=False)
        # bound to a batch's connection, a writer's session is a savepoint in its transaction
        self._write = sessionmaker(
            self.write_engine, expire_on_commit=False, join_transaction_mode="create_savepoint"
        )
        self._write_free = sessionmaker(self._free_engine, expire_on_commit=False)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def read(self) -> Iterator[Session]:
        # a read too: on a read-only disk SQLite cannot open a new connection (its WAL index)
        with _storage_refusals(), self._read() as session, session.begin():
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A write transaction; when the `with` returns without an error, it is durable.

        On a SQLite file, writers of this process that queue behind the one writing (the
        staff web's request threads) join its transaction, each in a SAVEPOINT, and one
        COMMIT, one fsync, stores them all: each commit's fsync (`synchronous=FULL`) was
        what the others queued behind. Nobody's `with` returns before that commit; a writer
        that raises rolls back only its savepoint. A batch ends when nobody waits or at
        GROUP_LIMIT writers. A write inside this thread's own write raises NestedWrite.
        """
        if self._file_turn is None:
            with _storage_refusals(), self._write() as session, session.begin():
                yield session
            return
        with _storage_refusals(), self._this_thread_writes(), self._grouped() as session:
            yield session

    @contextmanager
    def _this_thread_writes(self) -> Iterator[None]:
        # It would wait for its own turn until the timeout.
        if getattr(self._writing, "now", False):
            raise NestedWrite("a write (or the writers' turn) inside this thread's own write")
        self._writing.now = True
        try:
            yield
        finally:
            self._writing.now = False

    @contextmanager
    def _grouped(self) -> Iterator[Session]:
        assert self._file_turn is not None
        deadline = time.monotonic() + self._wait_s
        batch = self._queue.take(joins=True, deadline=deadline)
        if batch is None:
            try:
                batch = self._begin_batch(self._file_turn.take(deadline=deadline))
            except BaseException:
                self._queue.give_back()
                raise
        batch.members += 1
        failure: BaseException | None = None
        session = self._write(bind=batch.connection)
        try:
            session.begin()
            yield session
            session.commit()  # RELEASE SAVEPOINT
        except BaseException as exc:
            failure = exc
        if batch.alive:
            try:
                session.close()  # after a failure: ROLLBACK TO SAVEPOINT
            except BaseException as exc:  # its rows may still be in: nobody's may be stored
                batch.failure = exc
        else:
            with suppress(OperationalError):
                session.close()  # no savepoint to roll back to
            batch.failure = failure or RuntimeError("the transaction ended inside a write")
        if batch.failure is not None or not self._queue.hand_on(batch):
            self._end_batch(batch)
        if failure is not None:
            raise failure
        batch.durable.wait()  # the last of the batch commits, whatever the outcome
        if batch.failure is not None:
            raise batch.failure

    def _begin_batch(self, turn: int) -> _Batch:
        try:
            connection = self.write_engine.connect()
            try:
                return _Batch(connection, connection.begin(), turn)  # BEGIN IMMEDIATE
            except BaseException:
                connection.close()
                raise
        except BaseException:
            os.close(turn)
            raise

    def _end_batch(self, batch: _Batch) -> None:
        """Commit the batch (roll it back if it failed), then the turn to the next."""
        try:
            if batch.failure is None:
                batch.transaction.commit()
            else:
                batch.transaction.rollback()
        except BaseException as exc:
            batch.failure = exc
        finally:
            try:
                batch.connection.close()
            finally:  # whatever happened, the batch's writers stop waiting and the turn moves
                os.close(batch.turn)
                batch.durable.set()
                self._queue.give_back()

    @contextmanager
    def _turn(self, *, wait: bool) -> Iterator[None]:
        """The writers' turn for one thread alone, no batch: a hold or a free write."""
        if self._file_turn is None:
            yield
            return
        with self._this_thread_writes():
            deadline = time.monotonic() + self._wait_s if wait else None
            self._queue.take(joins=False, deadline=deadline)
            try:
                fd = self._file_turn.take(deadline=deadline)
                try:
                    yield
                finally:
                    os.close(fd)
            finally:
                self._queue.give_back()

    def hold_writers(self, *, wait: bool) -> AbstractContextManager[None]:
        """The writers' turn without a transaction, for work that must not meet a writer (a
        backup's last step, a restore); `wait=False` raises WriteBusy when it is taken."""
        return self._turn(wait=wait)

    def _begin_if_free(self) -> Session:
        session = self._write_free()
        try:
            session.begin()
            session.connection()  # BEGIN IMMEDIATE runs here
        except OperationalError as exc:
            session.close()
            if "locked" in str(exc) or "busy" in str(exc):
                raise WriteBusy(str(exc.orig)) from None
            raise
        return session

    @staticmethod
    @contextmanager
    def _committing(session: Session) -> Iterator[Session]:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    @contextmanager
    def write_if_free(self) -> Iterator[Session]:
        """A write transaction if SQLite's write lock is free now, else WriteBusy at once.

        For background work (the sync moving its marks) that must never queue among the
        writers a visitor or a clerk is waiting on. On PostgreSQL, where writers lock rows
        and not the database, it is `write()`.
        """
        with (
            _storage_refusals(),
            self._turn(wait=False),
            self._committing(self._begin_if_free()) as s,
        ):
            yield s

    def dispose(self) -> None:
        self.engine.dispose()
        self.write_engine.dispose()
        self._free_engine.dispose()

    # --- migrations -------------------------------------------------------------------

    def _alembic_config(self) -> AlembicConfig:
        from alembic.config import Config as AlembicConfig

        cfg = AlembicConfig()
        cfg.set_main_option("script_location", str(MIGRATIONS))
        cfg.attributes["engine"] = self.write_engine
        return cfg

    def head_revisions(self) -> frozenset[str]:
        """The heads of the migration tree (one branch per package that adds tables)."""
        return migration_heads()

    def current_revisions(self) -> frozenset[str]:
        """The revisions the database is stamped with, read as Alembic stores them."""
        with self.engine.connect() as conn:
            if not inspect(conn).has_table("alembic_version"):
                return frozenset()
            return frozenset(
                conn.execute(text("SELECT version_num FROM alembic_version")).scalars()
            )

    def upgrade(self, revision: str = "heads") -> None:
        from alembic import command

        command.upgrade(self._alembic_config(), revision)

    def check_schema(self) -> None:
        """Raise SchemaError unless the database is at every head of the migration tree."""
        current, heads = self.current_revisions(), self.head_revisions()
        if current == heads:
            return
        if not current:
            raise SchemaError(
                f"the database {self.safe_url} has no tables yet: run `kiosk db upgrade`"
            )
        from alembic.script import ScriptDirectory

        known = {
            rev.revision
            for rev in ScriptDirectory.from_config(self._alembic_config()).walk_revisions()
        }
        if not current <= known:
            raise SchemaError(
                f"the database is at revision {', '.join(sorted(current - known))}, newer than this "
                "program knows: install the newer kiosk version"
            )
        raise SchemaError(
            f"the database is at revision {', '.join(sorted(current))}, the program needs "
            f"{', '.join(sorted(heads))}: run `kiosk db upgrade`"
        )

    def check_integrity(self) -> None:
        """Raise DatabaseDamaged if SQLite's `PRAGMA quick_check` finds damage anywhere in the
        file, also in pages no query has read yet (PostgreSQL checks its own pages)."""
        if self.dialect != "sqlite":
            return
        with self.engine.connect() as conn:
            rows = conn.execute(text("PRAGMA quick_check")).scalars().all()
        # one row "ok", or rows of problems that may each hold several lines
        found = [
            line
            for line in "\n".join(rows).splitlines()
            if line not in ("ok", "*** in database main ***")
        ]
        if found:
            raise DatabaseDamaged(
                f"the database {self.safe_url} is damaged: PRAGMA quick_check found "
                f"{len(found)} problem(s), the first: {found[0]}"
            )

    @property
    def safe_url(self) -> str:
        return make_url(self.url).render_as_string(hide_password=True)
