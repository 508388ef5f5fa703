"""`kiosk backup` and `kiosk restore` on real SQLite files: a copy taken while tickets are
issued, the rotation over simulated days, refusals of damaged copies and of a database in use."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from kiosk.backup import (
    SPARE_BYTES,
    BackupBusy,
    BackupNeedsPgDump,
    CopyDamaged,
    CopyTooNew,
    DatabaseInUse,
    NoSpace,
    copies,
    last_backup,
    megabytes,
    restore,
    take_backup,
)
from kiosk.cli import main
from kiosk.config import Config
from kiosk.db import Database, migration_heads
from kiosk.models import Ticket
from kiosk.queue import Queue, QueueFull
from tests.support import SOFIA, Clock, make_config, upgraded
from tests.support import small_disk as support_small_disk


@pytest.fixture
def site(tmp_path: Path, config: Config) -> Iterator[Database]:
    """The site's own database file, where the config says it is."""
    db = upgraded(config.database_url, config)
    yield db
    db.dispose()


def _tickets(path: Path) -> set[str]:
    db = Database(f"sqlite:///{path}")
    try:
        with db.read() as s:
            return {str(u) for u in s.scalars(select(Ticket.uuid))}
    finally:
        db.dispose()


def _integrity(path: Path) -> str:
    with sqlite3.connect(path) as conn:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]


def test_a_copy_taken_while_tickets_are_issued_restores_every_ticket_committed_before_it_was_complete(
    site: Database, config: Config, clock: Clock
) -> None:
    # GIVEN a site with a day of tickets, and a clerk's terminal issuing more without a pause
    queue = Queue(site, config, clock=clock)
    for _ in range(150):
        queue.issue(category="А")
    committed: list[str] = []
    stop = threading.Event()

    def issue() -> None:
        issuer_db = Database(config.database_url)
        issuer_clock = Clock(clock.now)
        issuer = Queue(issuer_db, config, clock=issuer_clock)
        while not stop.is_set():
            try:
                committed.append(str(issuer.issue(category="Б").uuid))
            except QueueFull:  # a day's 999 numbers: the next working day
                issuer_clock.advance(days=1)
        issuer_db.dispose()

    thread = threading.Thread(target=issue)
    thread.start()
    try:
        while len(committed) < 5:  # the issuer is under way
            stop.wait(0.01)
        before = len(committed)
        done: list[str] = []

        def copied(pages: int, total: int) -> None:
            if pages == total:  # the copy is complete; its check and rename come next
                done.extend(committed)  # each of these had its commit return already

        # WHEN the backup is taken in small steps, so that the issuing writes between them
        result = take_backup(config, pages_per_step=8, progress=copied)
    finally:
        stop.set()
        thread.join()
    assert len(done) > before, "tickets were issued while the copy was made"
    assert result.integrity == "ok" and result.pages > 8 * 4
    # THEN restored, the database has every one of those tickets and a clean check
    site.dispose()
    restored = restore(config, result.path)
    database = Path(config.database_url.removeprefix("sqlite:///"))
    assert restored.kept_aside is not None and restored.kept_aside.exists()
    tickets = _tickets(database)
    assert set(done) <= tickets
    assert len(tickets) >= 150 + len(done)
    assert _integrity(database) == "ok"
    # AND the file it replaced, with the tickets issued since, is kept aside whole
    assert set(committed) <= _tickets(restored.kept_aside)


def _daily(config: Config, clock: Clock, day: dt.date) -> None:
    clock.set(dt.datetime.combine(day, dt.time(3, 30), SOFIA))
    take_backup(config, clock=clock)


def test_the_rotation_keeps_the_newest_copy_of_each_of_the_last_days_and_weeks(
    tmp_path: Path, clock: Clock
) -> None:
    second = Path(tempfile.mkdtemp(dir="/dev/shm"))  # another file system: the "USB stick"
    try:
        config = make_config(
            tmp_path, backup__keep_daily=7, backup__keep_weekly=5, backup__second_dir=str(second)
        )
        upgraded(config.database_url, config).dispose()
        # GIVEN a copy every night for 40 days from Monday 2 November, two on the last day
        first = dt.date(2026, 11, 2)
        for n in range(40):
            _daily(config, clock, first + dt.timedelta(days=n))
        clock.advance(hours=10)
        take_backup(config, clock=clock)
        # THEN the last 7 days are kept (the last day's newest copy) and the newest of each of
        # the last 5 weeks: Sunday 29, 22 and 15 November besides
        kept = [c.taken_at.astimezone(SOFIA) for c in copies(config.backup_dir)]
        expected = [
            *(dt.date(2026, 12, d) for d in range(11, 4, -1)),
            *(dt.date(2026, 11, d) for d in (29, 22, 15)),
        ]
        assert [k.date() for k in kept] == expected
        assert kept[0].time() == dt.time(13, 30)
        # AND the second disk keeps the same ones, each checked
        on_second = copies(second)
        assert [c.path.name for c in on_second] == [c.path.name for c in copies(config.backup_dir)]
        assert all(c.check is not None and c.check.ok for c in on_second)
        assert sorted(p.name for p in second.iterdir()) == sorted(
            [c.path.name for c in on_second] + [f"{c.path.name}.json" for c in on_second]
        )
        # AND copies with a label stay apart: the newest three of them
        for n in range(4):
            clock.advance(hours=1)
            take_backup(config, clock=clock, label=f"before-v{n}")
        labels = [c.label for c in copies(config.backup_dir) if c.label]
        assert labels == ["before-v3", "before-v2", "before-v1"]
        assert len(copies(config.backup_dir)) == 10 + 3
    finally:
        shutil.rmtree(second)


def test_a_second_disk_not_mounted_is_a_warning_not_a_failure(
    tmp_path: Path,
    site: Database,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # GIVEN a second_dir that is only a folder on the same disk (the stick not mounted on it)
    (tmp_path / "usb").mkdir()
    text = f'[paths]\ndata_dir = "{tmp_path / "var"}"\n[backup]\nsecond_dir = "usb"\n'
    (tmp_path / "kiosk.toml").write_text(text, encoding="utf-8")
    monkeypatch.setenv("KIOSK_CONFIG", str(tmp_path / "kiosk.toml"))
    # WHEN the backup runs THEN it succeeds, says why there is no second copy, and writes none
    assert main(["--json", "backup"]) == 0
    out, err = capsys.readouterr()
    result = json.loads(out)
    assert {"path", "size", "pages", "integrity", "duration_s", "writers_held_s"} <= set(result)
    assert result["integrity"] == "ok" and Path(result["path"]).stat().st_size == result["size"]
    assert "same disk" in err and "not mounted" in err
    assert result["second_path"] is None and not any((tmp_path / "usb").iterdir())
    # AND with the folder gone it is the same: a warning, exit 0
    (tmp_path / "usb").rmdir()
    assert main(["backup"]) == 0
    assert "is not there (USB stick not plugged in or not mounted)" in capsys.readouterr().err


def _corrupt_tickets_table(path: Path) -> None:
    with sqlite3.connect(path) as conn:
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
        (root,) = conn.execute(
            "SELECT rootpage FROM sqlite_master WHERE name = 'tickets'"
        ).fetchone()
    conn.close()
    with path.open("r+b") as f:
        f.seek((root - 1) * page_size)
        f.write(b"\xa5" * page_size)


@pytest.mark.parametrize("damage", ["page", "cut short", "not a database"])
def test_a_damaged_copy_is_refused_and_the_database_left_as_it_was(
    site: Database, config: Config, clock: Clock, damage: str
) -> None:
    Queue(site, config, clock=clock).issue(category="А")
    copy = take_backup(config).path
    # GIVEN a copy damaged after it was made
    if damage == "page":
        _corrupt_tickets_table(copy)
    elif damage == "cut short":
        os.truncate(copy, copy.stat().st_size // 3)
    else:
        copy.write_bytes(b"MZ this is not a database" * 500)
    # THEN the listing no longer calls it checked
    (listed,) = copies(config.backup_dir)
    assert listed.check is None or damage == "page"
    site.dispose()
    database = Path(config.database_url.removeprefix("sqlite:///"))
    before = database.read_bytes()
    # WHEN it is restored THEN it is refused, the database untouched and nothing left behind
    with pytest.raises(CopyDamaged):
        restore(config, copy)
    assert database.read_bytes() == before
    assert sorted(p.name for p in database.parent.iterdir()) == [
        "backups",
        "kiosk.sqlite",
        "kiosk.sqlite-backup.lock",
        "kiosk.sqlite-writers.lock",
    ]


def test_a_copy_newer_than_the_code_is_refused_and_an_older_one_migrated(
    tmp_path: Path, config: Config
) -> None:
    database = Path(config.database_url.removeprefix("sqlite:///"))
    # GIVEN a copy of a database at an older revision
    old = Database(config.database_url)
    old.upgrade("0003")
    old.dispose()
    older = take_backup(config, label="at-0003").path
    assert copies(config.backup_dir)[0].check.revisions == ("0003",)  # type: ignore[union-attr]
    # WHEN restored THEN it is migrated to the code's revision
    result = restore(config, older)
    assert result.upgraded_to == tuple(sorted(migration_heads()))
    # GIVEN a copy made by a newer version
    newer = tmp_path / "newer.sqlite"
    shutil.copy(older, newer)
    with sqlite3.connect(newer) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '0099'")
    conn.close()
    before = database.read_bytes()
    with pytest.raises(CopyTooNew, match="0099, newer than this program"):
        restore(config, newer)
    assert database.read_bytes() == before


def test_restore_is_refused_while_the_writers_lock_is_held_or_the_database_open(
    site: Database, config: Config, tmp_path: Path
) -> None:
    copy = take_backup(config).path
    site.dispose()
    database = Path(config.database_url.removeprefix("sqlite:///"))
    before = database.read_bytes()
    # WHEN a writer has its turn THEN restore is refused, naming the units to stop
    with (
        site.hold_writers(wait=False),
        pytest.raises(DatabaseInUse, match="systemctl stop kiosk-app kiosk-web"),
    ):
        restore(config, copy)
    # WHEN another process (the staff web, say) has the database open THEN it is refused too
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; from kiosk.db import Database\n"
            f"db = Database({config.database_url!r}); db.current_revisions()\n"
            "print('open', flush=True); sys.stdin.read()",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)},
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "open\n"
        with pytest.raises(DatabaseInUse):
            restore(config, copy)
    finally:
        holder.communicate("")
    assert database.read_bytes() == before
    assert not list(database.parent.glob("*.before-restore-*"))
    # AND once it has closed the database the restore goes through
    assert restore(config, copy).kept_aside is not None


def test_on_postgresql_backup_and_restore_refuse_with_the_advice_of_pg_dump(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    text = '[database]\nurl = "postgresql://kiosk@db.local/site"\n'
    (tmp_path / "kiosk.toml").write_text(text, encoding="utf-8")
    monkeypatch.setenv("KIOSK_CONFIG", str(tmp_path / "kiosk.toml"))
    assert main(["backup"]) == 1
    assert "back it up with pg_dump and restore it with pg_restore" in capsys.readouterr().err
    (tmp_path / "copy.sqlite").write_bytes(b"")
    assert main(["restore", str(tmp_path / "copy.sqlite")]) == 1
    assert "pg_dump" in capsys.readouterr().err
    with pytest.raises(BackupNeedsPgDump):
        take_backup(make_config(tmp_path, database__url="postgresql://kiosk@db.local/site"))


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 256 KiB file system (tmpfs), for a disk too full for the copy."""
    with support_small_disk(tmp_path / "small", "256k") as disk:
        yield disk


def test_no_space_says_how_much_is_needed_and_leaves_no_half_copy(
    tmp_path: Path,
    small_disk: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    text = f'[paths]\ndata_dir = "{tmp_path / "var"}"\n[backup]\ndir = "{small_disk}"\n'
    (tmp_path / "kiosk.toml").write_text(text, encoding="utf-8")
    monkeypatch.setenv("KIOSK_CONFIG", str(tmp_path / "kiosk.toml"))
    assert main(["db", "upgrade"]) == 0
    capsys.readouterr()
    config = make_config(tmp_path, backup__dir=str(small_disk))
    # the database's pages and the spare the copy keeps: the schema's size, not a constant
    with sqlite3.connect(config.database_url.removeprefix("sqlite:///")) as probe:
        pages = probe.execute("PRAGMA page_count").fetchone()[0]
        page_size = probe.execute("PRAGMA page_size").fetchone()[0]
    needed = megabytes(pages * page_size + SPARE_BYTES)
    assert main(["backup"]) == 1
    err = capsys.readouterr().err
    assert f"not enough free space in {small_disk}: the copy needs {needed}" in err
    assert not any(small_disk.iterdir())
    with pytest.raises(NoSpace) as refused:
        take_backup(config)
    assert refused.value.params["needed"] == needed


def test_the_last_backup_says_when_where_and_whether_it_checked_ok(
    site: Database, config: Config, clock: Clock
) -> None:
    assert last_backup(config) is None
    take_backup(config, clock=clock)
    clock.advance(days=1)
    path = take_backup(config, clock=clock).path
    last = last_backup(config)
    assert last is not None and last.path == path
    assert last.taken_at == clock.now.replace(microsecond=0)
    assert last.check is not None and last.check.ok
    assert last.age(clock.now + dt.timedelta(hours=5)) == dt.timedelta(hours=5)


def test_backup_list_shows_each_copy_its_age_size_and_whether_it_was_checked(
    tmp_path: Path,
    site: Database,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    text = (
        f'[paths]\ndata_dir = "{tmp_path / "var"}"\n[backup]\nsecond_dir = "{tmp_path / "usb"}"\n'
    )
    (tmp_path / "kiosk.toml").write_text(text, encoding="utf-8")
    monkeypatch.setenv("KIOSK_CONFIG", str(tmp_path / "kiosk.toml"))
    # GIVEN a copy made by `kiosk backup` and one put there by hand, without its check
    assert main(["backup"]) == 0
    (made,) = copies(tmp_path / "var" / "backups")
    by_hand = made.path.with_name("kiosk-20261101T000000Z.sqlite")
    shutil.copy(made.path, by_hand)
    capsys.readouterr()
    # WHEN listed THEN each has its size and age, the first checked, the other not
    assert main(["--json", "backup", "list"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [(c["path"], c["checked"], c["integrity"]) for c in listed] == [
        (str(made.path), True, "ok"),
        (str(by_hand), False, None),
    ]
    assert listed[0]["size"] == made.size and listed[1]["age_s"] > listed[0]["age_s"]
    assert main(["backup", "list"]) == 0
    out = capsys.readouterr().out
    assert "checked: ok" in out and "not checked" in out
    assert f"{tmp_path / 'usb'}: the second backup folder" in out


@pytest.mark.parametrize(("damage", "code"), [("page", 1), ("not a database", 5)])
def test_a_damaged_site_database_gives_no_copy_and_says_so(
    tmp_path: Path,
    site: Database,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    damage: str,
    code: int,
) -> None:
    (tmp_path / "kiosk.toml").write_text(f'[paths]\ndata_dir = "{tmp_path / "var"}"\n', "utf-8")
    monkeypatch.setenv("KIOSK_CONFIG", str(tmp_path / "kiosk.toml"))
    site.dispose()
    database = tmp_path / "var" / "kiosk.sqlite"
    if damage == "page":
        _corrupt_tickets_table(database)
    else:
        database.write_bytes(os.urandom(100))
    # WHEN backed up THEN it fails, says the site database is damaged, and keeps no copy
    assert main(["backup"]) == code
    assert "damaged" in capsys.readouterr().err
    assert not any((tmp_path / "var" / "backups").iterdir())


def test_a_second_backup_while_one_runs_is_refused(site: Database, config: Config) -> None:
    # GIVEN a backup under way (held in its first step's progress)
    under_way, go_on = threading.Event(), threading.Event()

    def held(_copied: int, _total: int) -> None:
        under_way.set()
        go_on.wait(30)

    first: list[object] = []
    thread = threading.Thread(
        target=lambda: first.append(take_backup(config, progress=held, pages_per_step=8))
    )
    thread.start()
    try:
        assert under_way.wait(30)
        # WHEN another starts THEN it is refused at once, and the first one finishes
        with pytest.raises(BackupBusy, match=r"another backup of .* is running"):
            take_backup(config)
    finally:
        go_on.set()
        thread.join()
    assert len(first) == 1 and len(copies(config.backup_dir)) == 1
