"""A site as `kiosk sync` sees it, syncing to the `centre` fixture's central database, and the
statuses it appended there (tests of issue #16's sites at a glance)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import psycopg
import pytest

from kiosk.cli import main
from kiosk.config import load_config
from kiosk.db import Database
from kiosk.models import SyncRun
from sync.job import SyncOutcome, run_sync
from sync.sites import SiteLogin
from sync.status import site_facts
from tests.central_web_fixtures import Centre


def _libpq(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


class Site:
    """A site's kiosk.toml and SQLite file, its login to the centre given by TEST_CENTRAL_URL."""

    def __init__(
        self,
        centre: Centre,
        site_id: str,
        folder: Path,
        mp: pytest.MonkeyPatch,
        login: SiteLogin | None = None,
    ) -> None:
        self.site_id = site_id
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self.config_file = folder / "kiosk.toml"
        self.config_file.write_text(
            f'[site]\nid = "{site_id}"\n[paths]\ndata_dir = "{folder / "var"}"\n'
            '[sync]\ncentral_url = "env:TEST_CENTRAL_URL"\nsslmode = "disable"\n'
            "time_budget_s = 10\n[web]\nport = 1\n"
            # the shared test machine's own disk must not be a finding of every report
            "[doctor]\ndisk_warn_percent = 98\ndisk_fail_percent = 99\n",
            encoding="utf-8",
        )
        self.target = centre.server.site_target(centre.admin_url, login or centre.sites[site_id])
        self.mp = mp
        mp.setenv("TEST_CENTRAL_URL", self.target.url)
        assert main(["--config", str(self.config_file), "db", "upgrade"]) == 0
        self.config = load_config(self.config_file)
        self.db = Database(f"sqlite:///{folder / 'var' / 'kiosk.sqlite'}")

    def sync(self, *options: str) -> int:
        """`kiosk sync`, as the timer runs it."""
        self.mp.setenv("TEST_CENTRAL_URL", self.target.url)
        return main(["--config", str(self.config_file), "sync", *options])

    def sync_at(self, clock: Callable[[], dt.datetime]) -> SyncOutcome:
        """The same run in this process, by the site's own `clock`."""
        return run_sync(
            self.db,
            self.target,
            batch_size=50,
            time_budget_s=5,
            site_id=self.site_id,
            clock_tolerance_s=self.config.sync.clock_tolerance_s,
            clock=clock,
            report=lambda: site_facts(self.config, self.db, clock=clock),
        )

    def runs(self) -> int:
        with self.db.read() as s:
            return s.query(SyncRun).count()


def statuses(centre: Centre, site_id: str) -> list[dict]:
    with psycopg.connect(_libpq(centre.admin_url)) as conn:
        rows = conn.execute(
            "SELECT reported_at, status FROM site_status WHERE site_id = %s ORDER BY reported_at",
            (site_id,),
        ).fetchall()
    return [status | {"reported_at": at} for at, status in rows]
