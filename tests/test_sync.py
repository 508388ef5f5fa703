"""Push, pull and the job against a real central PostgreSQL reached over TCP with SCRAM."""

from __future__ import annotations

import random
import uuid

from sqlalchemy import create_engine

from kiosk.db import Database
from sync.job import run_sync
from tests.sync_data import add_records, digest
from tests.sync_fixtures import CentralServer
from tests.sync_fixtures import central_server as central_server


def _site_id() -> str:
    return f"s-{uuid.uuid4().hex[:8]}"


def central_digest(url: str, site_id: str) -> dict:
    engine = create_engine(url)
    with engine.connect() as conn:
        out = digest(conn, site_id=site_id, central=True)
    engine.dispose()
    return out


def local_digest(db: Database, site_id: str) -> dict:
    with db.engine.connect() as conn:
        return digest(conn, site_id=site_id, central=False)


def test_push_sends_every_record_once_and_replay_is_a_no_op(
    central_server: CentralServer, sqlite_db: Database
) -> None:
    central = central_server.new_central()
    site = _site_id()
    login = central_server.add_site(central, site)
    target = central_server.site_target(central, login)
    n = add_records(sqlite_db, site_id=site, visits=40, rng=random.Random(1))
    first = run_sync(sqlite_db, target, batch_size=7, time_budget_s=30, first_delay_s=0.05)
    assert first.ok, first.error
    assert sum(first.pushed.values()) == n
    assert central_digest(central, site) == local_digest(sqlite_db, site)
    again = run_sync(sqlite_db, target, batch_size=7, time_budget_s=30, first_delay_s=0.05)
    assert again.ok and again.pushed == {}
