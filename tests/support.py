"""Test helpers shared by the test modules: a hand-moved clock, configs, databases."""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path

from sqlalchemy import create_engine, text

from kiosk.config import Config, parse_config
from kiosk.db import Database
from kiosk.queue import apply_queue_config

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
    data: dict = {"paths": {"data_dir": str(tmp_path / "var")}}
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
