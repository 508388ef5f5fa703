"""What staff are told is wrong with the kiosk: each alert appears and goes away again, on the
admin page and the counter panel, never on the lobby board or its stream."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from babel.messages.pofile import read_po
from fastapi import FastAPI
from fastapi.testclient import TestClient

from kiosk.config import Config
from kiosk.db import Database
from kiosk.health import Health
from kiosk.health_alerts import HealthAlert, HealthAlertCode, disk_use, health_alerts
from kiosk.models import SyncRun
from kiosk.web.alert_texts import ALERT_TEXTS
from tests.support import Clock, make_config, upgraded
from tests.support import small_disk as support_small_disk
from tests.web_fixtures import LiveServer, sign_in_http

WEB = Path(__file__).resolve().parent.parent / "kiosk" / "web"
Code = HealthAlertCode


def codes(db: Database, config: Config, clock: Clock) -> set[HealthAlertCode]:
    return {a.code for a in health_alerts(db, config, now=clock())}


def sync_run(db: Database, *, at: dt.datetime, ok: bool, skew_s: float | None = None) -> None:
    with db.write() as s:
        s.add(
            SyncRun(
                started_at=at,
                finished_at=at + dt.timedelta(seconds=5),
                ok=ok,
                pushed={},
                error=None if ok else "OperationalError: connection refused",
                clock_skew_s=skew_s,
            )
        )


def test_the_heartbeat_is_one_row_overwritten(db: Database, config: Config, clock: Clock) -> None:
    health = Health(db, config, clock=clock)
    assert health.last_beat() is None
    assert health.beat(printer="ok")
    clock.advance(seconds=30)
    assert health.beat(printer="paper_out")
    beat = health.last_beat()
    assert beat is not None and (beat.at, beat.printer) == (clock(), "paper_out")


def test_the_heartbeat_waits_for_no_writer(
    sqlite_db: Database, config: Config, clock: Clock
) -> None:
    health = Health(sqlite_db, config, clock=clock)
    holding, done = threading.Event(), threading.Event()

    def store_a_ticket() -> None:  # a visitor's ticket being stored, by another thread
        with sqlite_db.write():
            holding.set()
            done.wait(30)

    writer = threading.Thread(target=store_a_ticket)
    writer.start()
    try:
        assert holding.wait(30)
        assert health.beat(printer="ok") is False
    finally:
        done.set()
        writer.join(30)
    assert health.beat(printer="ok") is True


def test_a_silent_kiosk_is_reported_from_its_last_heartbeat(
    sqlite_db: Database, config: Config, clock: Clock
) -> None:
    Health(sqlite_db, config, clock=clock).beat(printer="ok")
    assert Code.KIOSK_SILENT not in codes(sqlite_db, config, clock)
    beat_at = clock()
    clock.advance(seconds=config.health.silent_after_s + 1)
    assert health_alerts(sqlite_db, config, now=clock())[0] == HealthAlert(
        Code.KIOSK_SILENT, since=beat_at
    )
    Health(sqlite_db, config, clock=clock).beat(printer="ok")  # the app is back
    assert Code.KIOSK_SILENT not in codes(sqlite_db, config, clock)


@pytest.mark.parametrize(
    ("state", "code"),
    [
        ("paper_out", Code.PRINTER_PAPER_OUT),
        ("cover_open", Code.PRINTER_COVER_OPEN),
        ("paper_near_end", Code.PRINTER_PAPER_NEAR_END),
        ("no_answer", Code.PRINTER_OFFLINE),
    ],
)
def test_the_printers_trouble_until_it_is_mended(
    sqlite_db: Database, config: Config, clock: Clock, state: str, code: HealthAlertCode
) -> None:
    health = Health(sqlite_db, config, clock=clock)
    health.record_device(device="printer", status=state)
    assert code in codes(sqlite_db, config, clock)
    clock.advance(minutes=3)
    health.record_device(device="printer", status="paper_replaced", detail="kiosk admin")
    assert code not in codes(sqlite_db, config, clock)
    # the app's heartbeat is newer news than the last device event
    clock.advance(minutes=1)
    health.beat(printer=state)
    assert code in codes(sqlite_db, config, clock)


def test_the_clock_and_sync_alerts(sqlite_db: Database, config: Config, clock: Clock) -> None:
    assert not codes(sqlite_db, config, clock) & {Code.SYNC_FAILED, Code.SYNC_NEVER}
    # a failed run, never a good one
    sync_run(sqlite_db, at=clock(), ok=False)
    assert {Code.SYNC_FAILED, Code.SYNC_NEVER} <= codes(sqlite_db, config, clock)
    # a good one 7 minutes ahead of the centre
    clock.advance(hours=1)
    sync_run(sqlite_db, at=clock(), ok=True, skew_s=7 * 60 + 5)
    alerts = health_alerts(sqlite_db, config, now=clock())
    assert HealthAlert(Code.CLOCK_AHEAD, amount=7) in alerts
    assert not {a.code for a in alerts} & {Code.SYNC_FAILED, Code.SYNC_NEVER, Code.SYNC_TOO_OLD}
    # the clock set right, then two days without a sync
    clock.advance(minutes=5)
    sync_run(sqlite_db, at=clock(), ok=True, skew_s=-0.4)
    good = clock()
    clock.advance(hours=config.doctor.sync_max_age_hours + 1)
    alerts = health_alerts(sqlite_db, config, now=clock())
    assert [a for a in alerts if a.code.startswith(("clock", "sync"))] == [
        HealthAlert(Code.SYNC_TOO_OLD, since=good)
    ]
    sync_run(sqlite_db, at=clock(), ok=True, skew_s=-600)
    assert HealthAlert(Code.CLOCK_BEHIND, amount=10) in health_alerts(
        sqlite_db, config, now=clock()
    )
    # a run that failed before reaching the centre measured no skew: the last one counts
    clock.advance(minutes=5)
    sync_run(sqlite_db, at=clock(), ok=False, skew_s=None)
    assert {Code.CLOCK_BEHIND, Code.SYNC_FAILED} <= codes(sqlite_db, config, clock)


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A real 2 MB file system (tmpfs)."""
    with support_small_disk(tmp_path / "disk", "2m") as disk:
        yield disk


def test_a_nearly_full_and_a_read_only_disk(small_disk: Path, clock: Clock) -> None:
    # the data directory on the small disk, with the shipped thresholds
    config = make_config(small_disk, doctor__disk_warn_percent=85, doctor__disk_fail_percent=95)
    config.data_dir.mkdir()
    db = upgraded(f"sqlite:///{config.data_dir / 'site.sqlite'}", config)
    try:
        assert not codes(db, config, clock) & {Code.DISK_NEARLY_FULL, Code.DISK_READ_ONLY}
        # WHEN a file fills it to 95 %
        filler = config.data_dir / "filler"
        assert disk_use(small_disk).percent < config.doctor.disk_warn_percent
        st = os.statvfs(small_disk)
        filler.write_bytes(b"\0" * int(st.f_bavail * st.f_frsize * 0.95))
        [alert] = [a for a in health_alerts(db, config, now=clock()) if a.code.startswith("disk")]
        assert alert.code is Code.DISK_NEARLY_FULL and alert.amount >= 95
        # WHEN it is freed and the file system remounted read-only
        filler.unlink()
        db.dispose()
        subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
        assert Code.DISK_READ_ONLY in codes(db, config, clock)
        subprocess.run(["mount", "-o", "remount,rw", str(small_disk)], check=True)
        assert not codes(db, config, clock) & {Code.DISK_NEARLY_FULL, Code.DISK_READ_ONLY}
    finally:
        db.dispose()


def _make_trouble(db: Database, config: Config, clock: Clock) -> None:
    Health(db, config, clock=clock).beat(printer="ok")
    Health(db, config, clock=clock).record_device(device="printer", status="paper_out")
    clock.advance(minutes=10)


def test_admin_page_and_panel_say_it_in_bulgarian(
    web_app: FastAPI, sqlite_db: Database, config: Config, clock: Clock
) -> None:
    _make_trouble(sqlite_db, config, clock)
    silent_since = (clock() - dt.timedelta(minutes=10)).astimezone(config.tz).strftime("%H:%M")
    expected = [f"Киоскът не отговаря от {silent_since}.", "Принтерът за билети няма хартия."]
    with TestClient(web_app) as admin:
        sign_in_http(admin, "admin")
        page = admin.get("/admin").text
        assert all(text in page for text in expected)
        assert admin.get("/api/health-alerts").json() == expected
    with TestClient(web_app) as clerk:
        sign_in_http(clerk, "maria")
        assert clerk.get("/api/panel").json()["alerts"] == expected
        assert clerk.get("/api/health-alerts").status_code == 403  # the admin's list
    # WHEN the kiosk beats again and the roll is changed THEN the list is empty
    Health(sqlite_db, config, clock=clock).beat(printer="ok")
    Health(sqlite_db, config, clock=clock).record_device(device="printer", status="paper_replaced")
    with TestClient(web_app) as clerk:
        sign_in_http(clerk, "maria")
        assert clerk.get("/api/panel").json()["alerts"] == []


def test_the_board_and_its_stream_carry_none_of_it(
    live: LiveServer, sqlite_db: Database, config: Config, clock: Clock
) -> None:
    _make_trouble(sqlite_db, config, clock)
    with httpx.Client(base_url=live.url) as client:
        sign_in_http(client, "admin")
        texts = client.get("/api/health-alerts").json()
        assert len(texts) == 2
        board = client.get("/board").text
        with client.stream("GET", "/api/events", timeout=10) as stream:
            data = next(line for line in stream.iter_lines() if line.startswith("data:"))
    json.loads(data.removeprefix("data:"))  # a real queue snapshot
    for shown in (board, data):
        assert not any(text in shown for text in texts)
        assert not any(code in shown for code in HealthAlertCode)
        assert "health-alerts" not in shown


def test_every_alert_has_a_text_and_its_bulgarian() -> None:
    with (WEB / "locale" / "bg.po").open("rb") as po:
        bulgarian = {m.id: m.string for m in read_po(po) if m.id}
    assert set(ALERT_TEXTS) == set(HealthAlertCode)
    assert [t for t in ALERT_TEXTS.values() if not bulgarian.get(t)] == []


def test_the_cli_says_the_disk_is_full_and_stores_nothing(
    small_disk: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from kiosk.cli import EXIT_DATABASE, main

    config = small_disk / "kiosk.toml"
    config.write_text(
        '[paths]\ndata_dir = "var"\n[hours]\nopen = "00:00"\nclose = "23:59"\n'
        "days = [1, 2, 3, 4, 5, 6, 7]\nstop_issuing_minutes = 0\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("KIOSK_CONFIG", str(config))
    assert main(["db", "upgrade"]) == 0
    with (small_disk / "filler").open("wb", buffering=0) as f:
        try:
            while True:
                f.write(b"\0" * 4096)
        except OSError:
            pass  # full
    capsys.readouterr()
    assert main(["queue", "issue", "А"]) == EXIT_DATABASE
    # SQLite's own words, "database or disk is full" or "disk I/O error" (its WAL index)
    assert "kiosk: cannot use sqlite:" in capsys.readouterr().err
    (small_disk / "filler").unlink()
    assert main(["queue", "issue", "А"]) == 0
    assert "А001" in capsys.readouterr().out  # the refused one took no number
