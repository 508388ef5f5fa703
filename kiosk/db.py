"""The site database: engines, sessions, migrations and the schema revision check."""

from __future__ import annotations

import ast
import fcntl
import functools
import os
import threading
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
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
    """Another writer holds the site database's write lock (from `write_if_free` only)."""

    code = "write_busy"
    status = 409


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


def _sqlite_engine(url: str, *, busy_timeout_ms: int, begin: str) -> Engine:
    engine = create_engine(url, connect_args={"timeout": busy_timeout_ms / 1000})

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


class Database:
    """One site database. `read()` for queries, `write()` for changes (one transaction each).

    On SQLite a write transaction starts with BEGIN IMMEDIATE, so two writers never
    interleave and a read-then-write (call next) cannot hand one ticket to two counters.
    """

    def __init__(self, url: str, *, busy_timeout_ms: int = 10000) -> None:
        self.url = url
        parsed = make_url(url)
        self.is_sqlite = parsed.get_backend_name() == "sqlite"
        self._turns: Path | None = None
        self._threads_turn = threading.Lock()
        self._wait_s = busy_timeout_ms / 1000
        if self.is_sqlite:
            if parsed.database and parsed.database != ":memory:":
                Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
                self._turns = Path(f"{parsed.database}-writers.lock")
            self.engine = _sqlite_engine(url, busy_timeout_ms=busy_timeout_ms, begin="BEGIN")
            self.write_engine = _sqlite_engine(
                url, busy_timeout_ms=busy_timeout_ms, begin="BEGIN IMMEDIATE"
            )
            # never waits: background work takes the write lock only when nobody holds it
            self._free_engine = _sqlite_engine(url, busy_timeout_ms=0, begin="BEGIN IMMEDIATE")
        else:
            self.engine = create_engine(url, pool_pre_ping=True)
            self.write_engine = self._free_engine = self.engine
        self._read = sessionmaker(self.engine, expire_on_commit=False)
        self._write = sessionmaker(self.write_engine, expire_on_commit=False)
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
        with (
            _storage_refusals(),
            self._writers_turn(wait=True),
            self._write() as session,
            session.begin(),
        ):
            yield session

    @contextmanager
    def _writers_turn(self, *, wait: bool) -> Iterator[None]:
        """On a SQLite file, writers of every process take turns on a lock file first.

        SQLite's own busy handler sleeps up to 100 ms between tries, so under a steady
        stream of writers one of them can find the lock taken at every try until its
        timeout; here a waiter looks every millisecond and gets its turn as soon as the
        lock is free. SQLite's lock still decides (a tool outside this class may hold it).
        The threads of one process (the web server's) first wait on a lock of their own,
        asleep: ten of them polling the file every millisecond took the GIL from the one
        writing some 10,000 times a second.
        """
        if self._turns is None:
            yield
            return
        deadline = time.monotonic() + self._wait_s
        # A nested write (or a thread stuck past the timeout) goes on to SQLite's own error.
        mine = (
            self._threads_turn.acquire(timeout=self._wait_s)
            if wait
            else self._threads_turn.acquire(blocking=False)
        )
        if not mine and not wait:
            raise WriteBusy("another writer has its turn")
        fd = os.open(self._turns, os.O_RDWR | os.O_CREAT, 0o660)
        try:
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if not wait:
                        raise WriteBusy("another writer has its turn") from None
                    if time.monotonic() > deadline:
                        break  # let SQLite's busy timeout give its usual error
                    time.sleep(0.001)
            yield
        finally:
            os.close(fd)  # releases the turn
            if mine:
                self._threads_turn.release()

    def hold_writers(self, *, wait: bool) -> AbstractContextManager[None]:
        """The writers' turn without a transaction, for work that must not meet a writer (a
        backup's last step, a restore); `wait=False` raises WriteBusy when it is taken."""
        return self._writers_turn(wait=wait)

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
            self._writers_turn(wait=False),
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
