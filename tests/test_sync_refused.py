"""A row already stored with a NUL (before the edges refused one) does not stop the rest of a
site's sync: it is reported by table and key, what order allows is pushed, and
`kiosk sync repair` mends it so the next run sends everything."""

from __future__ import annotations

import random
import uuid
from pathlib import Path

from sqlalchemy import create_engine, select, text

from kiosk.cli import main
from kiosk.db import Database
from kiosk.models import DeviceEvent
from sync.job import run_sync
from tests.sync_data import add_records, central_digest, local_digest, new_site_id
from tests.sync_fixtures import CentralServer, cli_site


def _poison(db: Database, table: str, column: str, *, nth: int) -> uuid.UUID:
    """Put a NUL into the nth row of a table the way an old version could have: in SQL."""
    with db.write() as s:
        seq, key = s.execute(
            text(f"SELECT seq, uuid FROM {table} ORDER BY seq LIMIT 1 OFFSET :n"), {"n": nth}
        ).one()
        s.execute(
            text(f"UPDATE {table} SET {column} = 'до' || char(0) || 'пълнено' WHERE seq = :s"),
            {"s": seq},
        )
    return uuid.UUID(key)


def test_a_stored_nul_is_reported_and_does_not_stop_the_rest(
    central_server: CentralServer, sqlite_db: Database
) -> None:
    central = central_server.new_central()
    site = new_site_id()
    target = central_server.site_target(central, central_server.add_site(central, site))
    add_records(sqlite_db, site_id=site, visits=120, rng=random.Random(21))
    key = _poison(sqlite_db, "message_events", "text", nth=3)
    outcome = run_sync(
        sqlite_db, target, batch_size=5, time_budget_s=30, first_delay_s=0.05, site_id=site
    )
    assert not outcome.ok and outcome.attempts == 1
    assert f"message_events ({site}, {key}): text holds a NUL" in outcome.error
    assert "kiosk sync repair" in outcome.error
    there, here = central_digest(central, site), local_digest(sqlite_db, site)
    assert {t: v for t, v in there.items() if t != "message_events"} == {
        t: v for t, v in here.items() if t != "message_events"
    }
    assert there["message_events"][0] == 3  # the rows before it went
    owner = create_engine(central)
    with owner.connect() as conn:
        held = conn.execute(
            text("SELECT held FROM sync_log WHERE site_id = :s"), {"s": site}
        ).scalar_one()
    owner.dispose()
    assert held == [f"message_events ({site}, {key}): text holds a NUL"]


def test_a_nul_in_a_parent_holds_its_children_and_repair_mends_it(
    central_server: CentralServer, tmp_path: Path, capsys, monkeypatch
) -> None:
    central = central_server.new_central()
    site = new_site_id()
    cli = cli_site(central_server, central, site, tmp_path)
    monkeypatch.setenv("TEST_CENTRAL_URL", cli.central_url)
    cfg, db = cli.args, cli.db
    add_records(db, site_id=site, visits=80, rng=random.Random(22))
    key = _poison(db, "messages", "text", nth=2)
    capsys.readouterr()
    assert main([*cfg, "sync"]) == 65  # EX_DATAERR: records held back
    out = capsys.readouterr().out
    assert f"messages ({site}, {key}): text holds a NUL" in out
    assert "message_contacts waits for messages" in out
    assert "message_events waits for messages" in out
    there = central_digest(central, site)
    assert there["message_contacts"][0] == there["message_events"][0] == 0
    assert there["device_events"] == local_digest(db, site)["device_events"]  # not held
    assert main([*cfg, "sync", "repair"]) == 0
    listed = capsys.readouterr().out
    assert f"messages ({site}, {key})" in listed and "'до\\x00пълнено'" in listed
    assert "--apply" in listed
    assert main([*cfg, "sync", "repair", "--apply"]) == 0
    assert "1 record(s) repaired" in capsys.readouterr().out
    assert main([*cfg, "sync"]) == 0
    capsys.readouterr()
    assert central_digest(central, site) == local_digest(db, site)
    with db.read() as s:
        repaired = s.scalars(select(DeviceEvent).where(DeviceEvent.device == "sync")).one()
    assert repaired.status == "text_repaired" and repaired.detail == f"messages {key} text"
    assert main([*cfg, "sync", "repair"]) == 0
    assert "nothing to repair" in capsys.readouterr().out
    db.dispose()


def test_a_nul_past_the_first_batches_stops_there_and_its_escape_in_text_is_no_nul(
    central_server: CentralServer, sqlite_db: Database
) -> None:
    central = central_server.new_central()
    site = new_site_id()
    target = central_server.site_target(central, central_server.add_site(central, site))
    add_records(sqlite_db, site_id=site, visits=300, rng=random.Random(23))
    # a backslash and "u0000" read in the batch's JSON like a NUL: they are only text
    escape = "C:\\u0000 е път"
    with sqlite_db.write() as s:
        seq = s.execute(text("SELECT seq FROM message_events ORDER BY seq LIMIT 1 OFFSET 1")).one()[
            0
        ]
        s.execute(
            text("UPDATE message_events SET text = :t WHERE seq = :s"), {"t": escape, "s": seq}
        )
    key = _poison(sqlite_db, "message_events", "text", nth=12)  # in the third batch of five
    outcome = run_sync(
        sqlite_db, target, batch_size=5, time_budget_s=30, first_delay_s=0.05, site_id=site
    )
    assert not outcome.ok and outcome.attempts == 1
    assert outcome.held == [f"message_events ({site}, {key}): text holds a NUL"]
    assert central_digest(central, site)["message_events"][0] == 12  # the rows before it went
    owner = create_engine(central)
    with owner.connect() as conn:
        stored = conn.execute(
            text("SELECT text FROM message_events WHERE site_id = :site AND seq = :s"),
            {"site": site, "s": seq},
        ).scalar_one()
    owner.dispose()
    assert stored == escape
