"""Copies of the SQLite site database: taken while the kiosk runs, checked, rotated, restored.

A copy is made with SQLite's online backup API in steps of `PAGES_PER_STEP` pages with a
pause between them, so the disk stays the kiosk's. Under WAL the backup's reads never hold
a writer up; what SQLite does instead is start the copy again when another connection
writes between two steps, so the finished copy holds every transaction committed before
its last step. The last step runs holding the writers' turn of `kiosk.db` (a writer waits
for one step of pages, a few milliseconds): no ticket can be committed between that step
and the copy's end, so the copy has every ticket committed before it was complete (its
check and rename come after, without the turn: tickets of those moments are not in it). When
writers keep restarting the copy (a busy hour), the pass after `RESTARTS_BEFORE_TURN`
restarts runs holding the turn without pauses: writers then wait for one pass, which is
bounded, where the copy would otherwise never end.

Each copy is written as a hidden temporary file, checked (`PRAGMA integrity_check`, its
schema revision known to this code), synced to disk and renamed into place, with its check
beside it (`<copy>.json`), so a copy with the final name is a whole, checked one.
"""

from __future__ import annotations

import datetime as dt
import errno
import fcntl
import json
import os
import re
import shutil
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy.engine import make_url

from kiosk.config import Config
from kiosk.db import MIGRATIONS, Database, DatabaseDamaged, WriteBusy, migration_heads
from kiosk.errors import KioskError
from kiosk.models import utcnow

#: 256 pages of 4 KiB: 1 MiB a step, a few milliseconds of the disk.
PAGES_PER_STEP = 256
#: between steps: the kiosk's reads and writes go first.
PAUSE_S = 0.02
#: restarts of the copy by writers after which a pass runs holding the writers' turn.
RESTARTS_BEFORE_TURN = 3
#: copies with a label (the installer's `before-<version>`) kept besides the rotation.
KEEP_LABELLED = 3
#: room left free beyond the copy's size, so the copy never fills the disk to the last byte.
SPARE_BYTES = 16 * 1024 * 1024

_NAME = re.compile(r"^kiosk-(\d{8}T\d{6}Z)(?:-([A-Za-z0-9._-]+))?\.sqlite$")
LABEL = re.compile(r"^[A-Za-z0-9._-]{1,80}$")
_STAMP = "%Y%m%dT%H%M%SZ"
# SQLite's unix VFS: every connection to a WAL database holds a shared lock on this byte of
# the -shm file while it is open, the "DMS" lock (https://sqlite.org/walformat.html, 2.3.1).
_SHM_DMS_BYTE = 128


class BackupError(KioskError):
    """A backup or a restore that cannot be done; the message says why and what to do."""

    code = "backup_error"
    status = 409


class BackupNeedsPgDump(BackupError):
    """The site database is PostgreSQL: its own tools back it up."""

    code = "backup_postgresql"


class NoSpace(BackupError):
    """Not enough free space for the copy; `params`: where, needed and free (MB)."""

    code = "backup_no_space"


class BackupBusy(BackupError):
    """Another backup of the same database is running."""

    code = "backup_busy"


class CopyDamaged(BackupError):
    """The copy is damaged or not a site database; `params`: path."""

    code = "backup_damaged"


class CopyTooNew(BackupError):
    """The copy's schema is newer than this program; `params`: path."""

    code = "backup_too_new"


class DatabaseInUse(BackupError):
    """The touchscreen app, the staff web or another program has the database open."""

    code = "database_in_use"


class NoCopy(BackupError):
    """There is no copy to restore in the backup folders."""

    code = "no_backup"
    status = 404


@dataclass(frozen=True)
class Check:
    """What the check of a copy found: `integrity` is "ok" or the first problem."""

    integrity: str
    revisions: tuple[str, ...]
    pages: int

    @property
    def ok(self) -> bool:
        return self.integrity == "ok" and bool(self.revisions)


@dataclass(frozen=True)
class Copy:
    """A copy in a backup folder; `check` as recorded when it was made (None: not checked,
    or the file changed since)."""

    path: Path
    taken_at: dt.datetime
    label: str | None
    size: int
    check: Check | None

    def age(self, now: dt.datetime) -> dt.timedelta:
        return now - self.taken_at


@dataclass(frozen=True)
class BackupResult:
    path: Path
    size: int
    pages: int
    integrity: str
    revisions: tuple[str, ...]
    duration_s: float
    restarts: int
    #: how long the writers' turn was held: the longest a ticket could have waited for it
    writers_held_s: float
    second_path: Path | None = None
    removed: tuple[Path, ...] = ()
    warnings: tuple[str, ...] = ()

    def as_json(self) -> dict[str, object]:
        return {k: str(v) if isinstance(v, Path) else v for k, v in asdict(self).items()} | {
            "removed": [str(p) for p in self.removed],
        }


@dataclass(frozen=True)
class RestoreResult:
    restored: Path
    database: Path
    kept_aside: Path | None
    revisions: tuple[str, ...]
    upgraded_to: tuple[str, ...] | None = None


def megabytes(n: int) -> str:
    """A size as the messages and `kiosk backup list` give it."""
    return f"{n / 1024 / 1024:.1f} MB"


def sqlite_file(config: Config) -> Path:
    """The site database's file; BackupNeedsPgDump when it is PostgreSQL."""
    url = make_url(config.database_url)
    if url.get_backend_name() != "sqlite":
        raise BackupNeedsPgDump(
            "the site database is PostgreSQL: back it up with pg_dump and restore it with "
            "pg_restore (README, Backups), not with kiosk backup"
        )
    if not url.database or url.database == ":memory:":
        raise BackupError("the site database is in memory: there is no file to back up")
    return Path(url.database)


# --- taking a copy ------------------------------------------------------------------------


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _private_file(path: Path) -> None:
    """Create `path` empty with mode 0600: a copy holds personal data."""
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def _need_space(directory: Path, needed: int) -> None:
    free = shutil.disk_usage(directory).free
    if free < needed + SPARE_BYTES:
        raise NoSpace(
            f"not enough free space in {directory}: the copy needs {megabytes(needed + SPARE_BYTES)}, "
            f"{megabytes(free)} are free; free {megabytes(needed + SPARE_BYTES - free)} there "
            "(old files, `journalctl --vacuum-size`) or set backup.dir to another disk",
            where=str(directory),
            needed=megabytes(needed + SPARE_BYTES),
            free=megabytes(free),
        )


def _is_full(exc: BaseException) -> bool:
    return (isinstance(exc, OSError) and exc.errno == errno.ENOSPC) or (
        isinstance(exc, sqlite3.OperationalError) and "full" in str(exc)
    )


class _Turn:
    """The writers' turn, taken and given back during a copy, and how long it was held."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._held: AbstractContextManager[None] | None = None
        self._since = 0.0
        self.held_s = 0.0

    @property
    def holding(self) -> bool:
        return self._held is not None

    def take(self) -> None:
        if self._held is None:
            self._held = self._db.hold_writers(wait=True)
            self._held.__enter__()
            self._since = time.monotonic()

    def give_back(self) -> None:
        if self._held is not None:
            self._held.__exit__(None, None, None)
            self._held = None
            self.held_s += time.monotonic() - self._since


def _copy_pages(
    db: Database,
    source: Path,
    target: Path,
    *,
    progress: Callable[[int, int], None] | None,
    pages_per_step: int,
) -> tuple[int, int, float]:
    """SQLite's online backup of `source` into `target` in steps; (pages, restarts, seconds
    the writers' turn was held)."""
    src = sqlite3.connect(source, timeout=30, isolation_level=None)
    dest = sqlite3.connect(target, isolation_level=None)
    restarts, copied_before, total_pages = 0, 0, 0
    turn = _Turn(db)
    if src.execute("PRAGMA page_count").fetchone()[0] <= pages_per_step:
        turn.take()  # a copy of one step is made in one step: the turn from the start

    def step(_status: int, remaining: int, total: int) -> None:
        nonlocal restarts, copied_before, total_pages
        total_pages = total
        if remaining and total - remaining <= copied_before:
            restarts += 1  # a writer changed the database: SQLite starts over
        copied_before = total - remaining
        if progress is not None:
            progress(total - remaining, total)
        if remaining == 0:
            return
        if remaining <= pages_per_step or restarts >= RESTARTS_BEFORE_TURN:
            turn.take()
        else:
            # a writer came in before the turn was ours: pause again for the next pass
            turn.give_back()
            time.sleep(PAUSE_S)

    try:
        src.backup(dest, pages=pages_per_step, progress=step)
    finally:
        turn.give_back()  # the writers go on as soon as the last step is done
        src.close()
    # one self-contained file: no -wal beside a copy on a USB stick
    dest.execute("PRAGMA journal_mode=DELETE")
    dest.close()
    return total_pages, restarts, turn.held_s


def check_copy(path: Path) -> Check:
    """`PRAGMA integrity_check` of a copy and its schema revisions (() when it has none)."""
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        return Check(integrity=str(exc), revisions=(), pages=0)
    try:
        rows = [r[0] for r in conn.execute("PRAGMA integrity_check")]
        found = [line for line in "\n".join(rows).splitlines() if line != "ok"]
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
        try:
            revisions = tuple(
                sorted(r[0] for r in conn.execute("SELECT version_num FROM alembic_version"))
            )
        except sqlite3.OperationalError:
            revisions = ()  # no table: not a site database
        return Check(integrity=found[0] if found else "ok", revisions=revisions, pages=pages)
    except sqlite3.DatabaseError as exc:
        return Check(integrity=str(exc), revisions=(), pages=0)
    finally:
        conn.close()


def known_revisions() -> frozenset[str]:
    """Every schema revision this code knows (Alembic's walk of the version files)."""
    from alembic.script import ScriptDirectory

    return frozenset(r.revision for r in ScriptDirectory(str(MIGRATIONS)).walk_revisions())


def _sidecar(path: Path) -> Path:
    return path.with_name(path.name + ".json")


def _write_sidecar(path: Path, check: Check, taken_at: dt.datetime) -> None:
    side, tmp = _sidecar(path), path.with_name(f".{path.name}.json.tmp")
    tmp.unlink(missing_ok=True)
    _private_file(tmp)
    record = asdict(check) | {"size": path.stat().st_size, "checked_at": taken_at.isoformat()}
    tmp.write_text(json.dumps(record), encoding="utf-8")
    os.replace(tmp, side)


def _name(taken_at: dt.datetime, label: str | None) -> str:
    return f"kiosk-{taken_at.astimezone(dt.UTC):{_STAMP}}{f'-{label}' if label else ''}.sqlite"


def _damaged(source: Path, exc: BaseException) -> DatabaseDamaged:
    return DatabaseDamaged(f"the database {source} is damaged: {exc}")


def take_backup(
    config: Config,
    *,
    label: str | None = None,
    clock: Callable[[], dt.datetime] = utcnow,
    progress: Callable[[int, int], None] | None = None,
    pages_per_step: int = PAGES_PER_STEP,
) -> BackupResult:
    """A checked copy of the site database into `backup.dir`, rotated there and, when
    mounted, in `backup.second_dir`. A `label` (`before-<version>`) keeps the copy out of
    the rotation (the newest `KEEP_LABELLED` of those stay)."""
    if label is not None and not LABEL.match(label):
        raise BackupError(f"a label is letters, digits, dots, dashes or underscores: {label!r}")
    source = sqlite_file(config)
    if not source.exists():
        raise BackupError(f"there is no site database {source}: nothing to back up")
    directory = config.backup_dir
    directory.mkdir(parents=True, exist_ok=True)
    with _one_at_a_time(source):
        return _take(config, source, directory, label, clock, progress, pages_per_step)


@contextmanager
def _one_at_a_time(source: Path) -> Iterator[None]:
    """The timer's run and the installer's (or a hand's) never copy at once."""
    fd = os.open(f"{source}-backup.lock", os.O_RDWR | os.O_CREAT, 0o660)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BackupBusy(f"another backup of {source} is running: try again later") from None
        yield
    finally:
        os.close(fd)


def _take(
    config: Config,
    source: Path,
    directory: Path,
    label: str | None,
    clock: Callable[[], dt.datetime],
    progress: Callable[[int, int], None] | None,
    pages_per_step: int,
) -> BackupResult:
    taken_at = clock()
    final = directory / _name(taken_at, label)
    tmp = directory / f".{final.name}.tmp"
    started = time.monotonic()
    probe = sqlite3.connect(source, timeout=30)
    try:
        size = (
            probe.execute("PRAGMA page_count").fetchone()[0]
            * probe.execute("PRAGMA page_size").fetchone()[0]
        )
    except sqlite3.DatabaseError as exc:
        raise _damaged(source, exc) from exc
    finally:
        probe.close()
    _need_space(directory, size)
    db = Database(config.database_url, busy_timeout_ms=config.database.busy_timeout_ms)
    try:
        tmp.unlink(missing_ok=True)  # left by a run that was killed
        _private_file(tmp)
        try:
            pages, restarts, held_s = _copy_pages(
                db, source, tmp, progress=progress, pages_per_step=pages_per_step
            )
        except sqlite3.DatabaseError as exc:
            if _is_full(exc):
                raise
            raise _damaged(source, exc) from exc
        check = check_copy(tmp)
        if not check.ok:
            raise CopyDamaged(
                f"the copy of {source} failed its check ({check.integrity}, revisions "
                f"{list(check.revisions)}); no copy was kept: the site database itself may be "
                "damaged, see README, Damaged site database",
                path=str(source),
            )
        _fsync(tmp)
        os.replace(tmp, final)
        _write_sidecar(final, check, taken_at)
        _fsync_dir(directory)
    except BaseException as exc:
        tmp.unlink(missing_ok=True)
        if _is_full(exc):
            raise NoSpace(
                f"{directory} filled up during the copy: it needs about {megabytes(size + SPARE_BYTES)}",
                where=str(directory),
                needed=megabytes(size + SPARE_BYTES),
                free=megabytes(shutil.disk_usage(directory).free),
            ) from exc
        raise
    finally:
        db.dispose()
    removed = prune(directory, config)
    second, warnings = _second_copy(config, final, check, taken_at)
    if second is not None:
        removed += prune(second.parent, config)
    return BackupResult(
        path=final,
        size=final.stat().st_size,
        pages=pages,
        integrity=check.integrity,
        revisions=check.revisions,
        duration_s=round(time.monotonic() - started, 3),
        restarts=restarts,
        writers_held_s=round(held_s, 4),
        second_path=second,
        removed=tuple(removed),
        warnings=tuple(warnings),
    )


def second_dir_problem(config: Config) -> str | None:
    """Why backup.second_dir cannot take a copy now (not there, nothing mounted on it), or
    None; a folder on the same file system as backup.dir is an unmounted mount point."""
    second = config.backup_second_dir
    if second is None:
        return None
    if not second.is_dir():
        return (
            f"the second backup folder {second} is not there (USB stick not plugged in or not "
            "mounted)"
        )
    first = config.backup_dir
    if first.is_dir() and second.stat().st_dev == first.stat().st_dev:
        return (
            f"{second} is on the same disk as {first}, so the second disk is not mounted there "
            "(mount it, see README, Backups)"
        )
    return None


def _second_copy(
    config: Config, copy: Path, check: Check, taken_at: dt.datetime
) -> tuple[Path | None, list[str]]:
    """The checked copy also onto the second disk; a warning (not a failure) when it is not
    there, not mounted or full: today's copy is safe in backup.dir all the same."""
    second = config.backup_second_dir
    if second is None:
        return None, []
    problem = second_dir_problem(config)
    if problem:
        return None, [f"{problem}: this copy is only in {copy.parent}"]
    target, tmp = second / copy.name, second / f".{copy.name}.tmp"
    try:
        _need_space(second, copy.stat().st_size)
        tmp.unlink(missing_ok=True)
        _private_file(tmp)
        shutil.copyfile(copy, tmp)
        _fsync(tmp)
        os.replace(tmp, target)
        _write_sidecar(target, check, taken_at)
        _fsync_dir(second)
    except (OSError, NoSpace) as exc:
        tmp.unlink(missing_ok=True)
        return None, [f"no second copy in {second}: {exc}; this copy is only in {copy.parent}"]
    return target, []


# --- the folders: listing and rotation ----------------------------------------------------


def copies(directory: Path) -> list[Copy]:
    """The copies in a backup folder, newest first (other files are left alone)."""
    if not directory.is_dir():
        return []
    found = []
    for path in directory.iterdir():
        m = _NAME.match(path.name)
        if not m:
            continue
        taken_at = dt.datetime.strptime(m.group(1), _STAMP).replace(tzinfo=dt.UTC)
        size = path.stat().st_size
        check = None
        try:
            record = json.loads(_sidecar(path).read_text(encoding="utf-8"))
            if record["size"] == size:
                check = Check(record["integrity"], tuple(record["revisions"]), record["pages"])
        except (OSError, ValueError, KeyError, TypeError):
            pass  # made by hand or by the installer before `kiosk backup`: not checked
        found.append(Copy(path, taken_at, m.group(2), size, check))
    return sorted(found, key=lambda c: c.taken_at, reverse=True)


def to_keep(found: Iterable[Copy], *, keep_daily: int, keep_weekly: int, tz: ZoneInfo) -> set[Path]:
    """The newest copy of each of the newest `keep_daily` local days that have one, and of
    each of the newest `keep_weekly` ISO weeks; of labelled copies the newest few."""
    keep: set[Path] = set()
    days: list[dt.date] = []
    weeks: list[tuple[int, int]] = []
    labelled = 0
    for c in sorted(found, key=lambda c: c.taken_at, reverse=True):
        if c.label is not None:
            if labelled < KEEP_LABELLED:
                keep.add(c.path)
            labelled += 1
            continue
        local = c.taken_at.astimezone(tz)
        day, week = local.date(), local.isocalendar()[:2]
        if day not in days and len(days) < keep_daily:
            days.append(day)
            keep.add(c.path)
        if week not in weeks and len(weeks) < keep_weekly:
            weeks.append(week)
            keep.add(c.path)
    return keep


def prune(directory: Path, config: Config) -> list[Path]:
    """Remove the copies the rotation does not keep; the removed."""
    found = copies(directory)
    keep = to_keep(
        found,
        keep_daily=config.backup.keep_daily,
        keep_weekly=config.backup.keep_weekly,
        tz=config.tz,
    )
    removed = []
    for c in found:
        if c.path not in keep:
            c.path.unlink()
            _sidecar(c.path).unlink(missing_ok=True)
            removed.append(c.path)
    return removed


def last_backup(config: Config) -> Copy | None:
    """The newest copy in backup.dir (for `kiosk doctor`: when, where, checked ok?)."""
    found = copies(config.backup_dir)
    return found[0] if found else None


def latest_good(config: Config) -> Copy:
    """The newest copy that passed its check, in backup.dir or else the second disk."""
    second = config.backup_second_dir
    for directory in (config.backup_dir, *([second] if second else [])):
        for c in copies(directory):
            if c.check is not None and c.check.ok:
                return c
    raise NoCopy(f"no checked copy in {config.backup_dir}: give the file to restore")


# --- restoring ----------------------------------------------------------------------------


def _open_elsewhere(database: Path) -> bool:
    """Whether another process has the WAL database open (the app and the web keep their
    connections open): its shared lock on the -shm file's DMS byte is held.

    Only call this with no SQLite connection to `database` open in this process: closing
    the descriptor drops every POSIX lock the process holds on the file.
    """
    shm = Path(f"{database}-shm")
    try:
        fd = os.open(shm, os.O_RDWR)
    except FileNotFoundError:
        return False  # nobody has opened it since the last one closed it
    try:
        fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, _SHM_DMS_BYTE)
    except OSError:
        return True
    else:
        fcntl.lockf(fd, fcntl.LOCK_UN, 1, _SHM_DMS_BYTE)
        return False
    finally:
        os.close(fd)


IN_USE = (
    "the site database {database} is in use (the touchscreen app, the staff web or a kiosk "
    "command): stop them first with `systemctl stop kiosk-app kiosk-web`, run the restore "
    "again, then `systemctl start kiosk-web kiosk-app`"
)


def restore(
    config: Config, copy: Path, *, clock: Callable[[], dt.datetime] = utcnow
) -> RestoreResult:
    """Put a checked copy in place of the site database, the current file kept aside as
    `<name>.before-restore-<time>`; migrated when the copy is older than the code."""
    database = sqlite_file(config)
    if not copy.is_file():
        raise NoCopy(f"there is no file {copy}")
    db = Database(config.database_url, busy_timeout_ms=config.database.busy_timeout_ms)
    tmp = database.with_name(f".{database.name}.restoring")
    aside = None
    try:
        with db.hold_writers(wait=False):
            if _open_elsewhere(database):
                raise DatabaseInUse(IN_USE.format(database=database), database=str(database))
            database.parent.mkdir(parents=True, exist_ok=True)  # a new PC, restored from the stick
            _need_space(database.parent, copy.stat().st_size)
            tmp.unlink(missing_ok=True)
            _private_file(tmp)
            shutil.copyfile(copy, tmp)
            # checked here, in the bytes that go in place, not in the folder it came from
            check = check_copy(tmp)
            if not check.ok:
                raise CopyDamaged(
                    f"{copy} is damaged or not a site database ({check.integrity}; revisions "
                    f"{list(check.revisions)}): not restored, the database is unchanged; "
                    "choose another copy (`kiosk backup list`)",
                    path=str(copy),
                )
            unknown = set(check.revisions) - known_revisions()
            if unknown:
                raise CopyTooNew(
                    f"{copy} is at schema revision {', '.join(sorted(unknown))}, newer than this "
                    "program: install the version that made it, or choose an older copy",
                    path=str(copy),
                )
            _fsync(tmp)
            if database.exists():
                aside = database.with_name(
                    f"{database.name}.before-restore-{clock().astimezone(dt.UTC):{_STAMP}}"
                )
                os.link(database, aside)  # the current file stays in place until the rename
                wal = Path(f"{database}-wal")
                if wal.exists():  # its transactions belong to the file set aside
                    os.replace(wal, f"{aside}-wal")
                Path(f"{database}-shm").unlink(missing_ok=True)
            os.replace(tmp, database)
            _fsync_dir(database.parent)
    except WriteBusy:
        raise DatabaseInUse(IN_USE.format(database=database), database=str(database)) from None
    finally:
        tmp.unlink(missing_ok=True)
    upgraded = None
    try:
        if frozenset(check.revisions) != migration_heads():
            db.upgrade()
            upgraded = tuple(sorted(db.current_revisions()))
    finally:
        db.dispose()
    return RestoreResult(
        restored=copy,
        database=database,
        kept_aside=aside,
        revisions=check.revisions,
        upgraded_to=upgraded,
    )
