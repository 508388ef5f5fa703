"""The site database: pragmas on every connection, migrations on both backends, schema checks."""

from __future__ import annotations

import datetime as dt
import uuid
from contextlib import ExitStack
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, create_engine, select, text
from sqlalchemy.orm import Session

from kiosk.cli import main
from kiosk.db import Database, SchemaError, migration_heads
from kiosk.models import NO_CATEGORY, Base, CatalogService, Ticket, TicketEvent, TicketOutcome
from tests.support import fresh_pg_url

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


def test_the_schema_check_reads_the_revisions_as_alembic_does(
    pg_server: str, tmp_path: Path
) -> None:
    """The start-up check does without Alembic; its heads and stamps must be Alembic's."""
    scripts = ScriptDirectory.from_config(Database("sqlite://")._alembic_config())
    assert migration_heads() == frozenset(scripts.get_heads())
    for url in (f"sqlite:///{tmp_path / 'new.sqlite'}", fresh_pg_url(pg_server)):
        db = Database(url)
        for revision in (None, "0001", "heads"):
            if revision:
                db.upgrade(revision)
            with db.engine.connect() as conn:
                stamped = frozenset(MigrationContext.configure(conn).get_current_heads())
            assert db.current_revisions() == stamped
        assert stamped == migration_heads()
        db.dispose()


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


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_upgrading_works_out_the_outcomes_of_tickets_already_finished(
    backend: str, tmp_path: Path, pg_server: str
) -> None:
    """0002 adds ticket_outcomes and fills it from the events a site recorded before it."""
    url = f"sqlite:///{tmp_path / 'old.sqlite'}" if backend == "sqlite" else fresh_pg_url(pg_server)
    db = Database(url)
    try:
        db.upgrade("0001")
        ensure_catalog_rows = {"id": "2016", "sort": 1, "category": "civil_status", "data": {}}
        issued = dt.datetime(2026, 11, 2, 7, 0, tzinfo=dt.UTC)  # 09:00 in Sofia
        served, left, waiting = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()

        def at(minutes: float) -> dt.datetime:
            return issued + dt.timedelta(minutes=minutes)

        events = [
            (served, "called", at(3), 1),
            (served, "recalled", at(4), 1),
            (served, "serving", at(5), 1),
            (served, "done", at(12.5), 1),
            (left, "called", at(20), 2),
            (left, "transferred", at(21), 2),
            (left, "called", at(30), 3),
            (left, "no_show", at(32), 3),
            (waiting, "called", at(40), 1),
        ]
        with db.write() as s:
            s.execute(CatalogService.__table__.insert(), [ensure_catalog_rows])
            for number, (ticket, service) in enumerate(
                ((served, "2016"), (left, None), (waiting, "2016")), start=1
            ):
                s.add(
                    Ticket(
                        uuid=ticket,
                        site_id="old",
                        created_at=issued,
                        service_day=issued.date(),
                        category_code="А",
                        number=number,
                        label=f"А{number:03d}",
                        service_id=service,
                        terminal_id="k",
                    )
                )
            s.flush()
            for ticket, kind, when, counter in events:
                s.add(
                    TicketEvent(
                        site_id="old",
                        created_at=when,
                        ticket_uuid=ticket,
                        kind=kind,
                        counter_number=counter,
                    )
                )
        db.upgrade()
        with db.read() as s:
            got = {
                o.ticket_uuid: (
                    o.outcome,
                    o.wait_s,
                    o.service_s,
                    o.category,
                    o.hour,
                    o.counter_number,
                )
                for o in s.scalars(select(TicketOutcome))
            }
        assert got == {
            served: ("done", 180, 450, "civil_status", 9, 1),
            left: ("no_show", 1200, None, NO_CATEGORY, 9, 3),
        }  # the ticket still called at the counter has no outcome yet
    finally:
        db.dispose()


def _kill_connections(url: str) -> int:
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        killed = conn.execute(
            text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        ).scalar_one()
    admin.dispose()
    return killed


def test_a_pooled_postgresql_connection_killed_while_idle_is_replaced_unseen(
    pg_server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a site on PostgreSQL whose pooled connections the server ended (a restart)
    url = fresh_pg_url(pg_server)
    db = Database(url)
    db.upgrade()
    with db.read() as s:
        assert s.scalar(text("SELECT 1")) == 1
    assert _kill_connections(url) >= 1
    # WHEN the next request comes after the connections' idle time
    monkeypatch.setattr("kiosk.db.PING_AFTER_IDLE_S", 0.0)
    # THEN it is answered on a new connection: the dead one was pinged and dropped
    with db.write() as s:
        assert s.scalar(text("SELECT 2")) == 2
    with db.read() as s:
        assert s.scalar(text("SELECT 3")) == 3
    db.dispose()


def test_a_connection_in_use_just_now_is_not_pinged_again(
    pg_server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = Database(fresh_pg_url(pg_server))
    db.upgrade()
    dialect = db.engine.dialect
    pings: list[object] = []

    def ping(conn: object) -> bool:
        pings.append(conn)
        return type(dialect).do_ping(dialect, conn)

    monkeypatch.setattr(dialect, "do_ping", ping)
    for _ in range(5):  # one clerk's requests, one after another
        with db.read() as s:
            s.scalar(text("SELECT 1"))
    assert pings == []
    monkeypatch.setattr("kiosk.db.PING_AFTER_IDLE_S", 0.0)  # …and one after a quiet spell
    with db.read() as s:
        s.scalar(text("SELECT 1"))
    assert len(pings) == 1
    db.dispose()


def test_a_postgresql_read_sends_no_begin_and_leaves_writes_transactional(
    pg_server: str,
) -> None:
    db = Database(fresh_pg_url(pg_server))
    db.upgrade()
    db.engine.dispose()  # one connection in the pool: the read's is the write's after it
    # GIVEN a read: in READ COMMITTED a BEGIN and COMMIT around it buy nothing but round trips
    with db.read() as s:
        assert s.connection().connection.dbapi_connection.autocommit is True
        assert s.scalar(text("SELECT count(*) FROM counters")) == 0
    # WHEN a write on that same connection fails half-way
    with pytest.raises(RuntimeError), db.write() as s:
        assert s.connection().connection.dbapi_connection.autocommit is False
        s.execute(
            text(
                "INSERT INTO counters (number, name_bg, name_en, active) "
                "VALUES (7, 'Гише 7', 'Counter 7', true)"
            )
        )
        raise RuntimeError("the request failed")
    # THEN nothing of it stays: the write was one transaction
    with db.read() as s:
        assert s.scalar(text("SELECT count(*) FROM counters")) == 0
    db.dispose()
