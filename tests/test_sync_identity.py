"""A record's identity at the centre is its site and its UUID, and "ok" means verified.

Sites pushing over TCP with SCRAM to a real central PostgreSQL: two sites sharing UUIDs both
arrive whole, a site cannot shadow another's record, a row the centre holds differently under
the site's own key fails the run naming the table and the key, and a centre made before the
site became part of the key is re-keyed by `init_central` without losing a row.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from pathlib import Path

from sqlalchemy import create_engine, insert, select, text

from kiosk.catalog import ensure_catalog, load_catalog
from kiosk.config import Config
from kiosk.db import Database
from kiosk.demo_seed import synthetic_activity
from kiosk.models import RECORD_TABLES, Message, SyncMark, SyncRun, Ticket
from sync.job import run_sync
from sync.schema import RECORDS, SCHEMA_VERSION, init_central
from tests.support import upgraded
from tests.sync_data import add_records, central_digest, local_digest, new_site_id
from tests.sync_fixtures import CentralServer


def _site(tmp_path: Path, config: Config, name: str) -> Database:
    return upgraded(f"sqlite:///{tmp_path / f'{name}.sqlite'}", config)


def _copy_records(source: Database, target: Database, *, site_id: str) -> None:
    """Every record of `source` into `target` under another site: the same UUIDs and keys."""
    with source.engine.connect() as conn, target.write() as s:
        for model in RECORD_TABLES:
            table = model.__table__  # type: ignore[attr-defined]
            rows = [dict(r._mapping) | {"site_id": site_id} for r in conn.execute(select(table))]
            if rows:
                s.execute(insert(table), rows)


def _push(db: Database, target) -> object:
    return run_sync(db, target, batch_size=9, time_budget_s=30, first_delay_s=0.05)


def _central_pk(url: str) -> dict[str, list[str]]:
    engine = create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT c.conrelid::regclass::text, array_agg(a.attname::text ORDER BY a.attname) "
                "FROM pg_constraint c JOIN pg_attribute a "
                "ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey) "
                "WHERE c.contype = 'p' GROUP BY c.conrelid"
            )
        ).all()
    engine.dispose()
    return {name: keys for name, keys in rows}


def test_two_sites_sharing_uuids_both_arrive_whole(
    central_server: CentralServer, tmp_path: Path, config: Config
) -> None:
    central = central_server.new_central()
    a_id, b_id = new_site_id(), new_site_id()
    a, b = _site(tmp_path, config, "a"), _site(tmp_path, config, "b")
    n = add_records(a, site_id=a_id, visits=40, rng=random.Random(11))
    _copy_records(a, b, site_id=b_id)  # what two sites seeded alike used to be
    for db, site in ((a, a_id), (b, b_id)):
        target = central_server.site_target(central, central_server.add_site(central, site))
        outcome = _push(db, target)
        assert outcome.ok, outcome.error
        assert sum(outcome.pushed.values()) == n
    for db, site in ((a, a_id), (b, b_id)):
        assert central_digest(central, site) == local_digest(db, site)
    a.dispose()
    b.dispose()


def test_a_site_cannot_shadow_another_sites_record(
    central_server: CentralServer, tmp_path: Path, config: Config
) -> None:
    """B pushes first a message under A's not yet synced UUID: A's own message still arrives."""
    central = central_server.new_central()
    a_id, b_id = new_site_id(), new_site_id()
    a, b = _site(tmp_path, config, "a"), _site(tmp_path, config, "b")
    add_records(a, site_id=a_id, visits=30, rng=random.Random(12))
    with a.read() as s:
        victim = s.scalars(select(Message)).first()
    with b.write() as s:
        s.add(
            Message(
                uuid=victim.uuid,
                site_id=b_id,
                kind="complaint",
                text="не е истинското съобщение",
                language="bg",
                anonymous=True,
                health_safety=False,
                obscene=False,
                review_status="registered",
                reg_number="ОЦИУ-2026-99999",
                due_date=dt.date(2026, 12, 31),
                terminal_id="kiosk-1",
            )
        )
    targets = {
        site: central_server.site_target(central, central_server.add_site(central, site))
        for site in (a_id, b_id)
    }
    assert _push(b, targets[b_id]).ok
    outcome = _push(a, targets[a_id])
    assert outcome.ok, outcome.error
    assert central_digest(central, a_id) == local_digest(a, a_id)
    assert central_digest(central, b_id) == local_digest(b, b_id)
    owner = create_engine(central)
    with owner.connect() as conn:
        texts = dict(
            conn.execute(
                text("SELECT site_id, text FROM messages WHERE uuid = :u"), {"u": victim.uuid}
            ).all()
        )
    owner.dispose()
    assert texts == {a_id: victim.text, b_id: "не е истинското съобщение"}
    a.dispose()
    b.dispose()


def test_a_different_row_under_the_sites_own_key_fails_the_run_naming_it(
    central_server: CentralServer, sqlite_db: Database
) -> None:
    """A site database restored from an old copy makes a record anew under a pushed key."""
    central = central_server.new_central()
    site = new_site_id()
    target = central_server.site_target(central, central_server.add_site(central, site))
    add_records(sqlite_db, site_id=site, visits=20, rng=random.Random(13))
    assert _push(sqlite_db, target).ok
    with sqlite_db.write() as s:
        changed = s.scalars(select(Message).order_by(Message.seq.desc())).first()
        changed.text = "друг текст под същия ключ"
        s.execute(text("DELETE FROM sync_marks"))
    outcome = _push(sqlite_db, target)
    assert not outcome.ok and outcome.attempts == 1
    assert f"messages ({site}, {changed.uuid})" in outcome.error
    assert "RecordConflict" in outcome.error
    with sqlite_db.read() as s:
        marks = {m.table_name: m.high_water for m in s.scalars(select(SyncMark))}
        run = s.scalars(select(SyncRun).order_by(SyncRun.id.desc())).first()
    assert not run.ok and str(changed.uuid) in run.error
    # the tables before it were replayed and verified; the mark stops before the conflict
    assert marks["tickets"] > 0 and marks.get("messages", 0) < changed.seq
    again = _push(sqlite_db, target)
    assert not again.ok and str(changed.uuid) in again.error  # never silently "ok"


def test_rows_at_the_centre_the_site_never_sent_fail_the_range_check(
    central_server: CentralServer, sqlite_db: Database
) -> None:
    """An extra row of this site in the pushed range (another key) is caught by the count."""
    central = central_server.new_central()
    site = new_site_id()
    target = central_server.site_target(central, central_server.add_site(central, site))
    add_records(sqlite_db, site_id=site, visits=10, rng=random.Random(14))
    owner = create_engine(central)
    with owner.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO tickets (seq, uuid, site_id, created_at, service_day, category_code, "
                "number, label, priority, language, terminal_id) VALUES (3, :u, :s, now(), "
                "current_date, 'А', 999, 'А999', false, 'bg', 'kiosk-1')"
            ),
            {"u": uuid.uuid4(), "s": site},
        )
    owner.dispose()
    outcome = _push(sqlite_db, target)
    assert not outcome.ok and "RangeMismatch" in outcome.error and "tickets seq 1…" in outcome.error
    with sqlite_db.read() as s:
        assert s.get(SyncMark, "tickets").high_water == 0  # sent again by the next run
        assert s.get(SyncMark, "ticket_events") is None  # children wait for their parents


def test_demo_data_of_different_sites_differ(config: Config, sqlite_db: Database) -> None:
    ensure_catalog(sqlite_db)
    services = load_catalog(sqlite_db).services

    def uuids(site: str) -> set[uuid.UUID]:
        batches = synthetic_activity(
            config=config,
            services=services,
            sites=[site],
            first_day=dt.date(2026, 11, 2),
            days=5,
            tickets_per_day=20,
            now=dt.datetime(2026, 11, 9, tzinfo=dt.UTC),
        )
        return {r["uuid"] for b in batches for r in b.rows[Ticket]}

    first = uuids("tvarditsa-ociu")
    assert first and first == uuids("tvarditsa-ociu")  # a seed still gives the same rows
    assert not first & uuids("shivachevo")


def test_init_re_keys_a_centre_made_before_by_site(
    central_server: CentralServer, tmp_path: Path, config: Config
) -> None:
    central = central_server.new_central()
    a_id = new_site_id()
    a = _site(tmp_path, config, "a")
    add_records(a, site_id=a_id, visits=15, rng=random.Random(15))
    a_target = central_server.site_target(central, central_server.add_site(central, a_id))
    assert _push(a, a_target).ok
    owner = create_engine(central)
    with owner.begin() as conn:  # the centre as schema version 2 made it: keyed by UUID alone
        for table in RECORDS:
            conn.execute(
                text(
                    f"ALTER TABLE {table.name} DROP CONSTRAINT {table.name}_pkey, "
                    "ADD PRIMARY KEY (uuid)"
                )
            )
        conn.execute(text("UPDATE central_schema SET version = 2"))
    assert set(_central_pk(central)["tickets"]) == {"uuid"}
    with owner.begin() as conn:
        assert init_central(conn) == (2, SCHEMA_VERSION)
    with owner.begin() as conn:
        assert init_central(conn) == (SCHEMA_VERSION, SCHEMA_VERSION)
    owner.dispose()
    keys = _central_pk(central)
    assert all(keys[t.name] == ["site_id", "uuid"] for t in RECORDS)
    assert central_digest(central, a_id) == local_digest(a, a_id)  # every row kept
    b_id = new_site_id()
    b = _site(tmp_path, config, "b")
    _copy_records(a, b, site_id=b_id)
    b_target = central_server.site_target(central, central_server.add_site(central, b_id))
    assert _push(b, b_target).ok
    assert central_digest(central, b_id) == local_digest(b, b_id)
    a.dispose()
    b.dispose()


def test_a_centre_storing_other_contents_than_sent_fails_the_digest(
    central_server: CentralServer, sqlite_db: Database
) -> None:
    """The same count but other contents (here a trigger on the centre rewriting texts)."""
    central = central_server.new_central()
    site = new_site_id()
    target = central_server.site_target(central, central_server.add_site(central, site))
    add_records(sqlite_db, site_id=site, visits=30, rng=random.Random(17))
    owner = create_engine(central)
    with owner.begin() as conn:
        conn.execute(
            text(
                "CREATE FUNCTION shout() RETURNS trigger LANGUAGE plpgsql AS "
                "$$ BEGIN NEW.text = upper(NEW.text); RETURN NEW; END $$"
            )
        )
        conn.execute(
            text(
                "CREATE TRIGGER shout BEFORE INSERT ON messages FOR EACH ROW EXECUTE FUNCTION shout()"
            )
        )
    owner.dispose()
    outcome = _push(sqlite_db, target)
    assert not outcome.ok and "RangeMismatch: messages seq 1…" in outcome.error
    with sqlite_db.read() as s:
        assert s.get(SyncMark, "messages").high_water == 0
        assert s.get(SyncMark, "ratings").high_water > 0  # the tables before it were verified
