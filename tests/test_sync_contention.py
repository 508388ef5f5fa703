"""No ticket fails because a sync runs: tickets issued in a tight loop by another process
(its own engine, as `kiosk queue issue`) all along a large push."""

from __future__ import annotations

import random
import sqlite3
import threading
import time
from pathlib import Path

from sqlalchemy import create_engine, select, text

from kiosk.db import Database
from kiosk.models import SyncMark
from sync.job import run_sync
from sync.schema import RECORDS
from tests.sync_data import add_records, central_digest, local_digest, new_site_id
from tests.sync_fixtures import CentralServer
from tests.sync_issuer import Issuer


def test_tickets_issued_through_a_large_push_never_fail(
    central_server: CentralServer, sqlite_db: Database, tmp_path: Path, config
) -> None:
    central = central_server.new_central()
    site = config.site_id
    target = central_server.site_target(central, central_server.add_site(central, site))
    n = add_records(sqlite_db, site_id=site, visits=6000, rng=random.Random(31))
    with Issuer(sqlite_db, site_id=site, data_dir=tmp_path / "var") as issuer:
        assert issuer.ready.wait(timeout=60)  # the issuer is in its loop before the push starts
        outcome = run_sync(sqlite_db, target, batch_size=200, time_budget_s=120)
        time.sleep(0.5)
        issued = issuer.result()
    assert outcome.ok, outcome.error
    assert outcome.attempts == 1  # the push itself never met a lock either
    assert sum(outcome.pushed.values()) >= n
    assert issued.failures == []
    assert len(issued.latencies_ms) >= 20  # the loop ran through the push
    # what was issued during the push goes with the next run
    assert run_sync(sqlite_db, target, batch_size=200, time_budget_s=60).ok
    assert central_digest(central, site) == local_digest(sqlite_db, site)


def test_the_push_reads_and_sends_while_another_writer_holds_the_lock(
    central_server: CentralServer, sqlite_db: Database
) -> None:
    """A writer holds SQLite's write lock from the first batch until the centre has every
    row: the push never needed it to read or send, and moves its marks once it is free."""
    central = central_server.new_central()
    site = new_site_id()
    target = central_server.site_target(central, central_server.add_site(central, site))
    n = add_records(sqlite_db, site_id=site, visits=400, rng=random.Random(32))
    holder = sqlite3.connect(
        sqlite_db.url.removeprefix("sqlite:///"), isolation_level=None, check_same_thread=False
    )
    held = threading.Event()
    owner = create_engine(central)
    count = text("SELECT " + " + ".join(f"(SELECT count(*) FROM {t.name})" for t in RECORDS))

    def take_the_lock(_table: str, _rows: int) -> None:
        if not held.is_set():
            holder.execute("BEGIN IMMEDIATE")
            held.set()

    def release_when_all_arrived() -> None:
        held.wait()
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            with owner.connect() as conn:
                if conn.execute(count).scalar_one() == n:
                    break
            time.sleep(0.05)
        with sqlite_db.engine.connect() as conn:  # a read while the lock is held, too
            marks = conn.execute(text("SELECT count(*) FROM sync_marks")).scalar_one()
        arrived.append((time.monotonic() < deadline, marks))
        holder.execute("COMMIT")

    arrived: list[tuple[bool, int]] = []
    releaser = threading.Thread(target=release_when_all_arrived)
    releaser.start()
    outcome = run_sync(sqlite_db, target, batch_size=50, time_budget_s=120, progress=take_the_lock)
    releaser.join()
    holder.close()
    owner.dispose()
    assert outcome.ok and outcome.attempts == 1, outcome.error
    assert arrived == [(True, 0)]  # everything sent under another's lock, no mark moved then
    with sqlite_db.read() as s:
        assert len(s.scalars(select(SyncMark)).all()) == len(RECORDS)
    assert central_digest(central, site) == local_digest(sqlite_db, site)
