"""The site database: pragmas on every connection, migrations on both backends, schema checks."""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, text
from sqlalchemy.orm import Session

from kiosk.cli import main
from kiosk.db import Database, SchemaError
from kiosk.models import Base

PRAGMAS = ("journal_mode", "synchronous", "foreign_keys", "busy_timeout")


def _pragmas(conn: Connection | Session) -> list[object]:
    return [conn.execute(text(f"PRAGMA {p}")).scalar() for p in PRAGMAS]


def test_sqlite_pragmas_on_every_connection(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'site.sqlite'}", busy_timeout_ms=4321)
    expected = ["wal", 2, 1, 4321]
    try:
        # several connections open at once from both engines (each a new sqlite3 connection)
        with ExitStack() as stack:
            for engine in (db.engine, db.write_engine):
                for _ in range(3):
                    conn = stack.enter_context(engine.connect())
                    assert _pragmas(conn) == expected
                    conn.rollback()  # a writer's transaction holds the lock: let the next one in
        for session in (db.read, db.write):
            with session() as s:
                assert _pragmas(s) == expected
    finally:
        db.dispose()


def test_migrations_match_the_models(db: Database) -> None:
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []
    db.check_schema()


def test_a_fresh_database_is_refused_until_upgraded(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'new.sqlite'}")
    with pytest.raises(SchemaError, match="kiosk db upgrade"):
        db.check_schema()


def test_cli_upgrade_status_and_exit_code_3(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "kiosk.toml"
    config.write_text(f'[paths]\ndata_dir = "{tmp_path}"\n', encoding="utf-8")
    monkeypatch.setenv("KIOSK_CONFIG", str(config))
    assert main(["queue", "status"]) == 3
    assert "run `kiosk db upgrade`" in capsys.readouterr().err
    assert main(["db", "status"]) == 1
    assert main(["db", "upgrade"]) == 0
    assert main(["db", "status"]) == 0
    assert main(["catalog", "search", "udostoverenie", "naslednitsi"]) == 0
    assert "2016" in capsys.readouterr().out


def test_an_unreachable_database_is_a_message_not_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "kiosk.toml"
    config.write_text(
        '[database]\nurl = "postgresql+psycopg://kiosk@127.0.0.1:1/site"\n', encoding="utf-8"
    )
    assert main(["--config", str(config), "db", "status"]) == 4
    err = capsys.readouterr().err
    assert (
        err.startswith("kiosk: cannot use postgresql+psycopg://kiosk@127.0.0.1:1/site")
        and "Traceback" not in err
    )
