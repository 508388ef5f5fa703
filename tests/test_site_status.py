"""What a site reports at each sync (issue #16, item 6): appended to the centre's
site_status by the real `kiosk sync` over TCP, even with nothing to push, and kept from every
other site; the daytime interval the centre sets, which `kiosk sync --when-due` follows."""

from __future__ import annotations

import datetime as dt
import json
import random
from pathlib import Path

import httpx
import psycopg
import pytest
from sqlalchemy import create_engine, text

from central_web.app import create_central_app
from kiosk.health import Health
from kiosk.models import SyncRun, utcnow
from sync.status import SCHEDULE_FILE
from tests.central_web_fixtures import Centre, sign_in_centre
from tests.site_status_fixtures import Site, statuses
from tests.sync_data import add_records
from tests.web_fixtures import serve


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
    first, second = statuses(centre, "shivachevo")
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
    assert len(statuses(centre, "shivachevo")) == 1


def test_a_refused_run_reports_its_refusal(centre: Centre, village: Site) -> None:
    # GIVEN a site clock a day ahead of the centre's WHEN it syncs
    ahead = lambda: utcnow() + dt.timedelta(days=1)  # noqa: E731
    outcome = village.sync_at(ahead)
    # THEN nothing was pushed, and the centre still reads why
    assert not outcome.ok
    (status,) = statuses(centre, "shivachevo")
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
    assert statuses(centre, "shivachevo")[-1]["every_min"] == 5
    # THEN a tick right after it is not due
    assert village.sync("--when-due") == 0
    assert village.runs() == 1
    # AND one five minutes later is
    with village.db.write() as s:
        for run in s.query(SyncRun):
            run.started_at -= dt.timedelta(minutes=5)
    assert village.sync("--when-due") == 0
    assert village.runs() == 2
    assert len(statuses(centre, "shivachevo")) == 2


def test_a_kiosk_that_never_ran_is_an_alert_in_words_of_its_own(
    centre: Centre, village: Site
) -> None:
    # GIVEN a PC that syncs, whose touchscreen app has never started
    assert village.sync() == 0
    server = serve(create_central_app(centre.config, centre.db))
    try:
        with httpx.Client(base_url=server.url) as client:
            sign_in_centre(client, "auditor")
            (alert,) = client.get("/api/site-alerts").json()["alerts"]
    finally:
        server.stop()
    # THEN monitoring reads it as a silent kiosk, said as it is
    assert (alert["site"], alert["alert"], alert["heartbeat_at"]) == (
        "shivachevo",
        "kiosk_silent",
        None,
    )
    assert alert["text"].startswith(
        "shivachevo: киоскът не е работил, откакто компютърът е настроен (отчет от "
    )
