"""The board's spoken calls: only calls that happened, from a bounded cache; requests make nothing."""

from __future__ import annotations

import random
from pathlib import Path

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from kiosk.config import Config
from kiosk.db import Database
from kiosk.models import Base
from kiosk.queue import Arrival, Queue
from kiosk.web.announcements import Announcements
from tests.support import Clock


def _files(root: Path) -> set[Path]:
    return {p for p in root.rglob("*") if p.is_file() and "-wal" not in p.name}


def _rows(db: Database) -> dict[str, int]:
    with db.read() as s:
        return {
            t.name: s.scalar(select(func.count()).select_from(t))
            for t in Base.metadata.sorted_tables
        }


def test_a_call_that_happened_is_spoken_by_its_event_number(
    web_app: FastAPI, sqlite_db: Database, config: Config, clock: Clock
) -> None:
    queue = Queue(sqlite_db, config, clock=clock)
    queue.issue(category="Б")
    queue.call_next(counter=3, clerk="ivan")
    with TestClient(web_app) as board:
        seq = board.get("/api/board").json()["calls"][0]["seq"]
        wav = board.get(f"/api/announce/{seq}.wav", params={"lang": "en"})
        assert wav.status_code == 200 and wav.headers["content-type"] == "audio/wav"
        assert wav.content[:4] == b"RIFF"
        assert board.get(f"/api/announce/{seq}.wav").status_code == 200
        assert board.get(f"/api/announce/{seq}.wav", params={"lang": "en"}).content == wav.content
        issued_seq = seq - 1  # the ticket's "issued" event: not a call
        assert board.get(f"/api/announce/{issued_seq}.wav").status_code == 404
        assert board.get(f"/api/announce/{seq}.wav", params={"lang": "xx"}).status_code == 422
    announcer = web_app.state.site.announcements.announcer
    assert announcer.calls == [("Б001", 3, "en"), ("Б001", 3, "bg")]  # each made once, then cached
    clock.advance(days=1)
    with TestClient(web_app) as board:
        assert board.get(f"/api/announce/{seq}.wav").status_code == 404  # yesterday's call


def test_many_random_anonymous_requests_create_no_file_and_no_row(
    web_app: FastAPI, sqlite_db: Database, config: Config, clock: Clock, tmp_path: Path
) -> None:
    queue = Queue(sqlite_db, config, clock=clock)
    queue.issue(category="А")
    queue.call_next(counter=1, clerk="maria")
    files, rows = _files(tmp_path), _rows(sqlite_db)
    rng = random.Random(12)
    with TestClient(web_app) as attacker:
        for _ in range(300):
            label = f"{rng.choice('АБВГДП')}{rng.randrange(1000):03d}"
            counter = rng.randrange(1, 1000)
            attacker.get("/api/announce.wav", params={"label": label, "counter": counter})
            attacker.get(f"/api/announce/{rng.randrange(3, 2**62)}.wav")
            attacker.get("/login")
            attacker.get("/board")
    assert _files(tmp_path) == files
    assert _rows(sqlite_db) == rows


def test_the_cache_keeps_only_the_newest_calls_and_no_files(
    web_app: FastAPI, sqlite_db: Database, config: Config, clock: Clock, tmp_path: Path
) -> None:
    queue = Queue(sqlite_db, config, clock=clock)
    site = web_app.state.site
    site.announcements = Announcements(site.announcements.announcer, size=3)
    with TestClient(web_app) as board:
        for _ in range(8):
            queue.issue(category="А")
            queue.call_next(counter=1, clerk="maria", previous=Arrival.ARRIVED)
            seq = board.get("/api/board").json()["calls"][0]["seq"]
            assert board.get(f"/api/announce/{seq}.wav").status_code == 200
    assert len(site.announcements) == 3
    assert {p.name for p in (tmp_path / "wav").iterdir()} == {"chime.wav"}
