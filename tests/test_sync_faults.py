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
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text

from kiosk.config import Config
from kiosk.db import Database
from sync.job import run_sync
from sync.sites import SiteLogin
from tests.support import upgraded
from tests.sync_data import add_records, digest, new_site_id
from tests.sync_fixtures import CentralServer, CuttingProxy


@dataclass
class SiteAndCentre:
    """A site database and a fresh central one that knows the site."""

    central: str  #: the central database's URL
    site_id: str
    login: SiteLogin
    db: Database  #: the site's
    engine: Engine  #: on the central database, as its owner


@pytest.fixture
def site(central_server: CentralServer, tmp_path: Path, config: Config) -> Iterator[SiteAndCentre]:
    central = central_server.new_central()
    site_id = new_site_id()
    login = central_server.add_site(central, site_id)
    db = upgraded(f"sqlite:///{tmp_path / 'site.sqlite'}", config)
    engine = create_engine(central)
    yield SiteAndCentre(central, site_id, login, db, engine)
    engine.dispose()
    db.dispose()


def _same(db: Database, engine, site_id: str) -> None:
    with db.engine.connect() as local, engine.connect() as remote:
        assert digest(remote, site_id=site_id, central=True) == digest(
            local, site_id=site_id, central=False
        )


def test_link_cut_at_random_bytes_fifty_times(
    central_server: CentralServer, site: SiteAndCentre
) -> None:
    proxy = CuttingProxy(central_server.port)
    target = central_server.site_target(site.central, site.login, port=proxy.port)
    rng = random.Random(20261125)
    try:
        runs = 0
        while proxy.cuts < 50 and runs < 150:  # until fifty runs were really cut
            runs += 1
            add_records(site.db, site_id=site.site_id, visits=rng.randrange(2, 6), rng=rng)
            # from inside the login handshake to past the last batch's commit; the run's first
            # connection, its pull, passes, so the cut lands on the push
            proxy.cut_after, proxy.spare = rng.randrange(50, 9000), 1
            outcome = run_sync(site.db, target, batch_size=4, time_budget_s=60, first_delay_s=0.01)
            assert outcome.ok, outcome.error
            _same(site.db, site.engine, site.site_id)
    finally:
        proxy.close()
    assert proxy.cuts >= 50


def test_backend_terminated_mid_push(central_server: CentralServer, site: SiteAndCentre) -> None:
    add_records(site.db, site_id=site.site_id, visits=300, rng=random.Random(5))
    target = central_server.site_target(site.central, site.login)
    done = threading.Event()
    killed = []

    def killer() -> None:
        admin = create_engine(site.central, isolation_level="AUTOCOMMIT")
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
    outcome = run_sync(site.db, target, batch_size=5, time_budget_s=60, first_delay_s=0.01)
    done.set()
    thread.join()
    assert outcome.ok, outcome.error
    assert killed and outcome.attempts > 1
    _same(site.db, site.engine, site.site_id)


def test_sync_process_killed_mid_batch(
    central_server: CentralServer, site: SiteAndCentre, tmp_path: Path
) -> None:
    add_records(site.db, site_id=site.site_id, visits=600, rng=random.Random(6))
    target = central_server.site_target(site.central, site.login)
    config_file = tmp_path / "kiosk.toml"
    config_file.write_text(
        f'[site]\nid = "{site.site_id}"\n[paths]\ndata_dir = "{tmp_path / "var"}"\n'
        f'[database]\nurl = "{site.db.url}"\n'
        '[sync]\ncentral_url = "env:TEST_CENTRAL_URL"\nsslmode = "disable"\nbatch_size = 3\n'
    )
    env = os.environ | {"TEST_CENTRAL_URL": target.url}
    command = [sys.executable, "-m", "kiosk.cli", "--config", str(config_file), "sync"]
    rng = random.Random(7)
    count = text("SELECT count(*) FROM ratings")
    partial = []
    for _ in range(2):
        with site.engine.connect() as conn:
            before = conn.execute(count).scalar_one()
        proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL)
        while proc.poll() is None:  # wait until this run has sent something, then kill it
            with site.engine.connect() as conn:
                if conn.execute(count).scalar_one() > before:
                    break
            time.sleep(0.02)
        time.sleep(rng.uniform(0, 0.05))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        with site.engine.connect() as conn:
            partial.append(conn.execute(count).scalar_one())
    with site.db.engine.connect() as conn:
        total = digest(conn, site_id=site.site_id, central=False)["ratings"][0]
    assert 0 < partial[0] < total  # the kill landed inside the push
    assert subprocess.run(command, env=env, stdout=subprocess.DEVNULL).returncode == 0
    _same(site.db, site.engine, site.site_id)


def test_central_server_restarted_mid_push(
    central_server: CentralServer, site: SiteAndCentre
) -> None:
    add_records(site.db, site_id=site.site_id, visits=300, rng=random.Random(8))
    target = central_server.site_target(site.central, site.login)
    result = []
    worker = threading.Thread(
        target=lambda: result.append(
            run_sync(site.db, target, batch_size=5, time_budget_s=60, first_delay_s=0.2)
        )
    )
    worker.start()
    marks = text("SELECT count(*) FROM sync_marks")
    while True:  # restart once the first batches have landed
        with site.db.engine.connect() as conn:
            if conn.execute(marks).scalar_one():
                break
        time.sleep(0.02)
    site.engine.dispose()
    central_server.restart()
    worker.join()
    assert result[0].ok, result[0].error
    assert result[0].attempts > 1
    _same(site.db, site.engine, site.site_id)
