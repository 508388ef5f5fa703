"""Test helpers shared by the test modules: a hand-moved clock, configs, databases."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from kiosk.config import Config, parse_config
from kiosk.db import Database
from kiosk.queue import apply_queue_config

#: libraries only some commands use, each costing a `kiosk` start tenths of a second or more
HEAVY = ("matplotlib", "kivy", "uvicorn", "fastapi", "openpyxl", "escpos", "PIL", "rich", "alembic")

SOFIA = dt.timezone(dt.timedelta(hours=2))
# A Wednesday in November, 10:00 in Sofia: the centre is open and issuing.
WORKING_MORNING = dt.datetime(2026, 11, 25, 10, 0, tzinfo=SOFIA)


class Clock:
    """A clock the test moves by hand; the domain takes it as `clock=`."""

    def __init__(self, now: dt.datetime = WORKING_MORNING) -> None:
        self.now = now.astimezone(dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> dt.datetime:
        self.now += dt.timedelta(**delta)
        return self.now

    def set(self, when: dt.datetime) -> None:
        self.now = when.astimezone(dt.UTC)


def make_config(tmp_path: Path, **overrides: object) -> Config:
    # the disk alerts at 98 %/99 %: the shared test machine's own disk (often 80–90 % full)
    # must not add an alert to tests about other alerts; the disk's tests fill a small one
    data: dict = {
        "paths": {"data_dir": str(tmp_path / "var")},
        "doctor": {"disk_warn_percent": 98, "disk_fail_percent": 99},
    }
    for key, value in overrides.items():
        section, _, name = key.partition("__")
        data.setdefault(section, {})[name] = value
    return parse_config(data, base_dir=tmp_path, source="test")


def fresh_pg_url(server_url: str) -> str:
    """A new empty database on the test server; returns its URL."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    base, _, query = server_url.partition("?")
    return f"{base.rsplit('/', 1)[0]}/{name}?{query}"


def upgraded(url: str, config: Config) -> Database:
    db = Database(url)
    db.upgrade()
    apply_queue_config(db, config)
    return db


def loaded_heavy_modules(*argv: str) -> set[str]:
    """The HEAVY libraries a fresh `kiosk ARGV` process has imported when it ends; the
    command must succeed (exit 0)."""
    code = (
        "import json, sys\nfrom kiosk.cli import main\n"
        "try:\n    code = main(sys.argv[1:])\nexcept SystemExit as exc:\n    code = exc.code\n"
        f"print(json.dumps(sorted({{m.partition('.')[0] for m in sys.modules}} & set({HEAVY!r}))))\n"
        "sys.exit(code)"
    )
    run = subprocess.run([sys.executable, "-c", code, *argv], capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr
    return set(json.loads(run.stdout.splitlines()[-1]))


@contextmanager
def small_disk(where: Path, size: str = "2m") -> Iterator[Path]:
    """A real file system of `size` (tmpfs) mounted at `where`, for a full or read-only disk;
    the test is skipped where this user may not mount."""
    where.mkdir(parents=True, exist_ok=True)
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)], capture_output=True
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small file system here: {mounted.stderr.decode().strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=True)


def store_booking(db: Database, **fields: Any) -> uuid.UUID:
    """A booking as the sync's pull stores it at the site (kiosk.models.Appointment), with
    the fields a test chooses; returns its id."""
    from kiosk.models import Appointment

    booking_id = uuid.uuid4()
    with db.write() as s:
        s.add(Appointment(booking_id=booking_id, **fields))
    return booking_id
