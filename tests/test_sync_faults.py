"""Faults in the middle of a push: the link cut at random bytes, the backend terminated, the
sync process killed, the central server restarted. After recovery the centre holds exactly
the site's rows: the same count and the same digest over every id and payload."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from kiosk.config import Config
from kiosk.db import Database
from sync.job import run_sync
from tests.support import upgraded
from tests.sync_data import add_records, digest, new_site_id
from tests.sync_fixtures import CentralServer, CuttingProxy
from tests.sync_fixtures import central_server as central_server


@pytest.fixture
def setup(central_server: CentralServer, tmp_path: Path, config: Config) -> Iterator[tuple]:
    central = central_server.new_central()
    site_id = new_site_id()
    login = central_server.add_site(central, site_id)
    db = upgraded(f"sqlite:///{tmp_path / 'site.sqlite'}", config)
    engine = create_engine(central)
    yield central, site_id, login, db, engine
    engine.dispose()
    db.dispose()


def _same(db: Database, engine, site_id: str) -> None:
    with db.engine.connect() as local, engine.connect() as remote:
        assert digest(remote, site_id=site_id, central=True) == digest(
            local, site_id=site_id, central=False
        )


def test_link_cut_at_random_bytes_fifty_times(central_server: CentralServer, setup) -> None:
    central, site_id, login, db, engine = setup
    proxy = CuttingProxy(central_server.port)
    target = central_server.site_target(central, login, port=proxy.port)
    rng = random.Random(20261125)
    try:
        runs = 0
        while proxy.cuts < 50 and runs < 150:  # until fifty runs were really cut
            runs += 1
            add_records(db, site_id=site_id, visits=rng.randrange(2, 6), rng=rng)
            # from inside the login handshake to past the last batch's commit
            proxy.cut_after = rng.randrange(50, 9000)
            outcome = run_sync(db, target, batch_size=4, time_budget_s=60, first_delay_s=0.01)
            assert outcome.ok, outcome.error
            _same(db, engine, site_id)
    finally:
        proxy.close()
    assert proxy.cuts >= 50


def test_backend_terminated_mid_push(central_server: CentralServer, setup) -> None:
    central, site_id, login, db, engine = setup
    add_records(db, site_id=site_id, visits=300, rng=random.Random(5))
    target = central_server.site_target(central, login)
    done = threading.Event()
    killed = []

    def killer() -> None:
        admin = create_engine(central, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            while not done.is_set() and len(killed) < 3:
                n = conn.execute(
                    text(
                        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                        "WHERE application_name = 'kiosk-sync' AND datname = current_database()"
                    )
                ).scalar_one()
                if n:
                    killed.append(n)
                time.sleep(0.1)
        admin.dispose()

    thread = threading.Thread(target=killer)
    thread.start()
    outcome = run_sync(db, target, batch_size=5, time_budget_s=60, first_delay_s=0.01)
    done.set()
    thread.join()
    assert outcome.ok, outcome.error
    assert killed and outcome.attempts > 1
    _same(db, engine, site_id)


def test_sync_process_killed_mid_batch(central_server: CentralServer, setup, tmp_path) -> None:
    central, site_id, login, db, engine = setup
    add_records(db, site_id=site_id, visits=600, rng=random.Random(6))
    target = central_server.site_target(central, login)
    config_file = tmp_path / "kiosk.toml"
    config_file.write_text(
        f'[site]\nid = "{site_id}"\n[paths]\ndata_dir = "{tmp_path / "var"}"\n'
        f'[database]\nurl = "{db.url}"\n'
        '[sync]\ncentral_url = "env:TEST_CENTRAL_URL"\nsslmode = "disable"\nbatch_size = 3\n'
    )
    env = os.environ | {"TEST_CENTRAL_URL": target.url}
    command = [sys.executable, "-m", "kiosk.cli", "--config", str(config_file), "sync"]
    rng = random.Random(7)
    count = text("SELECT count(*) FROM ratings")
    partial = []
    for _ in range(2):
        with engine.connect() as conn:
            before = conn.execute(count).scalar_one()
        proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL)
        while proc.poll() is None:  # wait until this run has sent something, then kill it
            with engine.connect() as conn:
                if conn.execute(count).scalar_one() > before:
                    break
            time.sleep(0.02)
        time.sleep(rng.uniform(0, 0.05))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        with engine.connect() as conn:
            partial.append(conn.execute(count).scalar_one())
    with db.engine.connect() as conn:
        total = digest(conn, site_id=site_id, central=False)["ratings"][0]
    assert 0 < partial[0] < total  # the kill landed inside the push
    assert subprocess.run(command, env=env, stdout=subprocess.DEVNULL).returncode == 0
    _same(db, engine, site_id)


def test_central_server_restarted_mid_push(central_server: CentralServer, setup) -> None:
    central, site_id, login, db, engine = setup
    add_records(db, site_id=site_id, visits=300, rng=random.Random(8))
    target = central_server.site_target(central, login)
    result = []
    worker = threading.Thread(
        target=lambda: result.append(
            run_sync(db, target, batch_size=5, time_budget_s=60, first_delay_s=0.2)
        )
    )
    worker.start()
    marks = text("SELECT count(*) FROM sync_marks")
    while True:  # restart once the first batches have landed
        with db.engine.connect() as conn:
            if conn.execute(marks).scalar_one():
                break
        time.sleep(0.02)
    engine.dispose()
    central_server.restart()
    worker.join()
    assert result[0].ok, result[0].error
    assert result[0].attempts > 1
    _same(db, engine, site_id)
