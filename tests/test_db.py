"""The site database: pragmas on every connection, migrations on both backends, schema checks."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from kiosk.cli import main
from kiosk.db import Database, SchemaError
from kiosk.models import Base


def test_sqlite_pragmas_on_every_connection(sqlite_db: Database) -> None:
    for engine in (sqlite_db.engine, sqlite_db.write_engine):
        with engine.connect() as conn:
            values = [
                conn.exec_driver_sql(f"PRAGMA {p}").scalar()
                for p in ("journal_mode", "synchronous", "foreign_keys", "busy_timeout")
            ]
        assert values == ["wal", 2, 1, 10000]


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
    assert main(["--json", "queue", "issue", "А"]) in (0, 1)  # 1 outside working hours
    assert main(["catalog", "search", "udostoverenie", "naslednitsi"]) == 0
    assert "2016" in capsys.readouterr().out
