"""What a site reports at each sync (issue #16, item 6): appended to the centre's
site_status by the real `kiosk sync` over TCP, even with nothing to push, and kept from every
other site; the daytime interval the centre sets, which `kiosk sync --when-due` follows."""

from __future__ import annotations

import datetime as dt
import json
import random
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import create_engine, text

from kiosk.cli import main
from kiosk.config import load_config
from kiosk.db import Database
from kiosk.health import Health
from kiosk.models import SyncRun, utcnow
from sync.job import run_sync
from sync.status import SCHEDULE_FILE, site_facts
from tests.central_web_fixtures import Centre
from tests.sync_data import add_records


def _libpq(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


class Site:
    """A site's kiosk.toml and SQLite file, its login to the centre given by TEST_CENTRAL_URL."""

    def __init__(self, centre: Centre, site_id: str, folder: Path, mp: pytest.MonkeyPatch) -> None:
        self.site_id = site_id
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self.config_file = folder / "kiosk.toml"
        self.config_file.write_text(
            f'[site]\nid = "{site_id}"\n[paths]\ndata_dir = "{folder / "var"}"\n'
            '[sync]\ncentral_url = "env:TEST_CENTRAL_URL"\nsslmode = "disable"\n'
            "time_budget_s = 10\n[web]\nport = 1\n",
            encoding="utf-8",
        )
        self.target = centre.server.site_target(centre.admin_url, centre.sites[site_id])
        mp.setenv("TEST_CENTRAL_URL", self.target.url)
        assert main(["--config", str(self.config_file), "db", "upgrade"]) == 0
        self.config = load_config(self.config_file)
        self.db = Database(f"sqlite:///{folder / 'var' / 'kiosk.sqlite'}")

    def sync(self, *options: str) -> int:
        return main(["--config", str(self.config_file), "sync", *options])

    def runs(self) -> int:
        with self.db.read() as s:
            return s.query(SyncRun).count()


def _statuses(centre: Centre, site_id: str) -> list[dict]:
    with psycopg.connect(_libpq(centre.admin_url)) as conn:
        rows = conn.execute(
            "SELECT reported_at, status FROM site_status WHERE site_id = %s ORDER BY reported_at",
            (site_id,),
        ).fetchall()
    return [status | {"reported_at": at} for at, status in rows]


@pytest.fixture
def village(centre: Centre, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Site:
    return Site(centre, "shivachevo", tmp_path / "shivachevo", monkeypatch)


def test_each_sync_appends_the_sites_status_even_with_nothing_to_push(
    centre: Centre, village: Site
) -> None:
    # GIVEN a kiosk whose app last beat with the paper nearly out, and records to push
    add_records(village.db, site_id="shivachevo", visits=5, rng=random.Random(1))
    Health(village.db, village.config).beat(printer="paper_near_end")
    # WHEN it syncs twice, the second time with nothing left to push
    assert village.sync() == 0
    assert village.sync() == 0
    first, second = _statuses(centre, "shivachevo")
    # THEN each run left its status: the second pushed nothing and still reported
    assert first["sync"]["ok"] and first["sync"]["pushed"] > 0
    assert second["sync"] == {
        "ok": True,
        "code": None,
        "error": None,
        "attempts": 1,
        "pushed": 0,
        "held": 0,
    }
    assert second["waiting"] == 0
    assert second["heartbeat"]["printer"] == "paper_near_end"
    beat = dt.datetime.fromisoformat(second["heartbeat"]["at"]).replace(tzinfo=dt.UTC)
    assert abs(utcnow() - beat) < dt.timedelta(minutes=5)
    assert abs(second["clock_skew_s"]) < 5
    assert second["version"]
    checks = {c["check"]: c for c in second["checks"]}
    # the quick checks only; the centre sees the sync and the clock itself
    assert {"config", "database", "disk", "web_port"} <= checks.keys()
    assert not {"printer", "central", "speech", "last_sync", "clock"} & checks.keys()
    # nothing listens on web.port 1: the doctor's finding, as codes the centre words itself
    assert checks["web_port"]["status"] == "failure"
    assert checks["web_port"]["params"]["port"] == 1


def test_a_site_can_neither_read_nor_append_another_sites_status(
    centre: Centre, village: Site, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert village.sync() == 0
    other = centre.server.site_target(centre.admin_url, centre.sites["centre"])
    with psycopg.connect(other.libpq_url) as conn:
        # GIVEN the other site's login WHEN it reads THEN it sees no row of Шивачево's
        assert conn.execute("SELECT count(*) FROM site_status").fetchone() == (0,)
        # WHEN it appends a status in Шивачево's name THEN row security refuses it
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute(
                "INSERT INTO site_status (site_id, reported_at, status) "
                "VALUES ('shivachevo', now(), '{\"sync\": {\"ok\": true}}')"
            )
        conn.rollback()
        # AND it may not rewrite the history its own site appended either
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("UPDATE site_status SET status = '{}'")
    assert len(_statuses(centre, "shivachevo")) == 1


def test_a_refused_run_reports_its_refusal(centre: Centre, village: Site) -> None:
    # GIVEN a site clock a day ahead of the centre's WHEN it syncs
    ahead = lambda: utcnow() + dt.timedelta(days=1)  # noqa: E731
    outcome = run_sync(
        village.db,
        village.target,
        batch_size=50,
        time_budget_s=5,
        site_id="shivachevo",
        clock_tolerance_s=600,
        clock=ahead,
        report=lambda: site_facts(village.config, village.db, clock=ahead),
    )
    # THEN nothing was pushed, and the centre still reads why
    assert not outcome.ok
    (status,) = _statuses(centre, "shivachevo")
    assert status["sync"]["ok"] is False
    assert status["sync"]["code"] == "sync_clock_ahead"
    assert status["clock_skew_s"] > 86000


def test_when_due_syncs_only_at_the_interval_the_centre_set(centre: Centre, village: Site) -> None:
    # GIVEN a site the centre left nightly WHEN a daytime tick comes THEN it does nothing
    assert village.sync("--when-due") == 0
    assert village.runs() == 0
    # WHEN the centre sets five minutes and the nightly run pulls it
    engine = create_engine(centre.admin_url)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO site_settings (site_id, sync_every_min, updated_by) "
                "VALUES ('shivachevo', 5, 'secretary')"
            )
        )
    engine.dispose()
    assert village.sync() == 0
    kept = json.loads((village.folder / "var" / SCHEDULE_FILE).read_text())
    assert kept["every_min"] == 5
    assert _statuses(centre, "shivachevo")[-1]["every_min"] == 5
    # THEN a tick right after it is not due
    assert village.sync("--when-due") == 0
    assert village.runs() == 1
    # AND one five minutes later is
    with village.db.write() as s:
        for run in s.query(SyncRun):
            run.started_at -= dt.timedelta(minutes=5)
    assert village.sync("--when-due") == 0
    assert village.runs() == 2
    assert len(_statuses(centre, "shivachevo")) == 2
