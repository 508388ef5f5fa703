"""Push, pull and the job against a real central PostgreSQL reached over TCP with SCRAM."""

from __future__ import annotations

import dataclasses
import random
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import create_engine, select, text

from kiosk.catalog import ensure_catalog, load_catalog, to_yaml
from kiosk.config import Config
from kiosk.db import Database
from kiosk.models import SyncRun
from sync.catalog import publish
from sync.job import SyncBusy, run_lock, run_sync
from sync.push import plan_push, push
from tests.support import fresh_pg_url, upgraded
from tests.sync_data import add_records, central_digest, local_digest, new_site_id
from tests.sync_fixtures import CentralServer


def test_push_sends_every_record_once_and_replay_is_a_no_op(
    central_server: CentralServer, sqlite_db: Database
) -> None:
    central = central_server.new_central()
    site = new_site_id()
    login = central_server.add_site(central, site)
    target = central_server.site_target(central, login)
    n = add_records(sqlite_db, site_id=site, visits=40, rng=random.Random(1))
    first = run_sync(sqlite_db, target, batch_size=7, time_budget_s=30, first_delay_s=0.05)
    assert first.ok, first.error
    assert sum(first.pushed.values()) == n
    assert central_digest(central, site) == local_digest(sqlite_db, site)
    again = run_sync(sqlite_db, target, batch_size=7, time_budget_s=30, first_delay_s=0.05)
    assert again.ok and again.pushed == {}
    # the marks lost and half the centre's copy too: the whole backlog goes again; batches
    # whose rows are all or partly there meet their keys and are resent to skip those rows
    owner = create_engine(central)
    with owner.begin() as conn:
        conn.execute(text("DELETE FROM ticket_events WHERE random() < 0.5"))
    owner.dispose()
    with sqlite_db.write() as s:
        s.execute(text("DELETE FROM sync_marks"))
    replay = run_sync(sqlite_db, target, batch_size=7, time_budget_s=30, first_delay_s=0.05)
    assert replay.ok, replay.error
    assert sum(replay.pushed.values()) == n  # each row sent, none stored twice:
    assert central_digest(central, site) == local_digest(sqlite_db, site)


def test_a_push_opens_central_connections_only_when_there_is_something_to_send(
    central_server: CentralServer, sqlite_db: Database
) -> None:
    central = central_server.new_central()
    site = new_site_id()
    target = central_server.site_target(central, central_server.add_site(central, site))
    opened: list[int] = []

    def connect() -> psycopg.Connection:
        opened.append(1)
        return target.connect()

    def push_all() -> dict[str, int]:
        result = push(sqlite_db, connect, plan=plan_push(sqlite_db), batch_size=7)
        assert not result.held
        return result.sent

    assert push_all() == {} and opened == []  # a new site: nothing yet
    n = add_records(sqlite_db, site_id=site, visits=40, rng=random.Random(2))
    assert sum(push_all().values()) == n and len(opened) in (1, 2)
    assert central_digest(central, site) == local_digest(sqlite_db, site)
    opened.clear()
    assert push_all() == {} and opened == []  # the next night: all sent


@pytest.fixture
def pg_site(central_server: CentralServer, config: Config) -> Iterator[Database]:
    """A site database on PostgreSQL (on the central test server: one cluster is enough)."""
    db = upgraded(fresh_pg_url(central_server.admin_url), config)
    yield db
    db.dispose()


def test_a_postgresql_site_waits_for_a_lower_key_still_in_flight(
    central_server: CentralServer, pg_site: Database
) -> None:
    """A rating whose key was taken before another's but commits after it is not skipped."""
    central = central_server.new_central()
    site = new_site_id()
    target = central_server.site_target(central, central_server.add_site(central, site))
    add_records(pg_site, site_id=site, visits=5, rng=random.Random(2))
    rating = (
        "INSERT INTO ratings (uuid, site_id, created_at, terminal_id, score, counted) "
        "VALUES (gen_random_uuid(), :site, now(), 'kiosk-1', 4, true)"
    )
    slow = pg_site.engine.connect()
    slow.execute(text(rating), {"site": site})  # takes the lower key, stays uncommitted
    with pg_site.engine.begin() as conn:
        conn.execute(text(rating), {"site": site})
    result: list = []
    worker = threading.Thread(
        target=lambda: result.append(
            run_sync(pg_site, target, batch_size=3, time_budget_s=30, first_delay_s=0.05)
        )
    )
    worker.start()
    time.sleep(0.3)
    slow.commit()
    slow.close()
    worker.join()
    assert result[0].ok, result[0].error
    assert run_sync(pg_site, target, batch_size=3, time_budget_s=30).ok
    assert central_digest(central, site) == local_digest(pg_site, site)
    assert local_digest(pg_site, site)["ratings"][0] == 5 + 2


def test_sync_run_is_recorded_and_a_bad_snapshot_leaves_the_catalogue(
    central_server: CentralServer, sqlite_db: Database
) -> None:
    central = central_server.new_central()
    site = new_site_id()
    target = central_server.site_target(central, central_server.add_site(central, site))
    ensure_catalog(sqlite_db)
    doc = load_catalog(sqlite_db)
    engine = create_engine(central)
    fewer = dataclasses.replace(doc, services=doc.services[:3])
    with engine.begin() as conn:
        published = publish(conn, fewer, source="test")
    assert published == doc.revision + 1
    outcome = run_sync(sqlite_db, target, batch_size=50, time_budget_s=30)
    assert outcome.ok and outcome.pulled_revision == published
    pulled = load_catalog(sqlite_db)
    assert (pulled.revision, [s.id for s in pulled.services]) == (
        published,
        [s.id for s in doc.services[:3]],
    )
    # a snapshot that fails validation: a service without its Bulgarian name
    broken = to_yaml(dataclasses.replace(doc, revision=published + 1)).replace(
        "name_bg:", "nme:", 1
    )
    with engine.begin() as conn:
        conn.execute(
            text("INSERT INTO catalog_revisions (revision, source, document) VALUES (:r, 'x', :d)"),
            {"r": published + 1, "d": broken},
        )
    engine.dispose()
    outcome = run_sync(sqlite_db, target, batch_size=50, time_budget_s=30)
    assert not outcome.ok and "rejected" in outcome.error and outcome.attempts == 1
    assert load_catalog(sqlite_db) == pulled
    with sqlite_db.read() as s:
        runs = s.scalars(select(SyncRun).order_by(SyncRun.id)).all()
    assert [(r.ok, r.pulled_revision) for r in runs] == [(True, published), (False, None)]
    assert runs[-1].finished_at is not None and "nme" in runs[-1].error


def test_the_lock_keeps_a_second_run_out(tmp_path: Path) -> None:
    with run_lock(tmp_path), pytest.raises(SyncBusy), run_lock(tmp_path):
        pass
    with run_lock(tmp_path):  # released on exit
        pass
