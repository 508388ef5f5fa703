"""One status per change, fanned out: the board's streams and the counter panels share it."""

from __future__ import annotations

import datetime as dt
import json
import queue
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from kiosk.config import Config
from kiosk.db import Database
from kiosk.queue import Queue
from kiosk.web.app import create_app
from kiosk.web.events import SharedStatus
from tests.support import Clock
from tests.web_fixtures import LiveServer, ToneAnnouncer, add_staff, serve, sign_in_http

BOARDS = 3


@pytest.fixture
def slow_poll(
    sqlite_db: Database, config: Config, clock: Clock, tmp_path: Path
) -> Iterator[LiveServer]:
    """A server whose feed looks at the database only once a minute by itself."""
    add_staff(sqlite_db, config, clock)
    app = create_app(
        config, sqlite_db, clock=clock, announcer=ToneAnnouncer(tmp_path / "wav"), poll_seconds=60
    )
    server = serve(app)
    yield server
    server.stop()


def _listen(url: str, out: queue.Queue[str], stop: threading.Event) -> None:
    with (
        httpx.Client(base_url=url, timeout=None) as client,
        client.stream("GET", "/api/events") as stream,
    ):
        for line in stream.iter_lines():
            if line.startswith("data: "):
                out.put(line[6:])
            if stop.is_set():
                return


def test_a_call_reaches_every_board_at_once_and_the_panels_share_its_status(
    slow_poll: LiveServer, sqlite_db: Database, config: Config, clock: Clock
) -> None:
    # GIVEN two waiting tickets and three boards listening (the first event is the queue as it is)
    kiosk = Queue(sqlite_db, config, clock=clock)
    labels = {kiosk.issue(category="А").label for _ in range(2)}
    stop = threading.Event()
    streams: list[queue.Queue[str]] = [queue.Queue() for _ in range(BOARDS)]
    for out in streams:
        threading.Thread(target=_listen, args=(slow_poll.url, out, stop), daemon=True).start()
    for out in streams:
        assert json.loads(out.get(timeout=10))["calls"] == []
    site = slow_poll.app.state.site
    maria = httpx.Client(base_url=slow_poll.url, timeout=10)
    ivan = httpx.Client(base_url=slow_poll.url, timeout=10)
    token = sign_in_http(maria, "maria")
    sign_in_http(ivan, "ivan")
    computed = site.status.computed

    # WHEN a clerk calls the next ticket
    called = maria.post("/api/panel/call", headers={"X-CSRF-Token": token}).json()["ticket"]

    # THEN every board gets the call with its counter, long before the feed's own next look
    # (a minute away): the server's own write woke it
    seen = [out.get(timeout=10) for out in streams]
    assert len(set(seen)) == 1  # the same data, built once
    assert json.loads(seen[0])["calls"][0] == {
        "label": called["label"],
        "counter": 1,
        "at": json.loads(seen[0])["calls"][0]["at"],
        "kind": "called",
        "seq": json.loads(seen[0])["calls"][0]["seq"],
        "booked": False,
    }
    assert called["label"] in labels
    # AND the panels refetching after the event read that status: computed once for the change
    panels = [maria.get("/api/panel").json(), ivan.get("/api/panel").json()]
    panels.append(maria.get("/api/panel").json())
    assert site.status.computed == computed + 1
    assert panels[0]["current"]["label"] == called["label"]
    assert panels[1]["current"] is None
    assert [c["waiting"] for c in panels[1]["categories"] if c["code"] == "А"] == [1]
    stop.set()
    maria.close()
    ivan.close()


def test_shared_status_is_computed_again_only_when_something_changed() -> None:
    version = [1]
    now = [dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)]
    status = SharedStatus(
        version=lambda: version[0],
        compute=lambda: object(),
        clock=lambda: now[0],
        max_age=dt.timedelta(seconds=5),
    )
    first = status.get()
    # readers at once, nothing changed: the one value, computed once
    got: list[object] = []
    threads = [threading.Thread(target=lambda: got.append(status.get())) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(value is first for value in got) and status.computed == 1
    # a new event number, this server's own write, the waits growing old: each a new value
    version[0] = 2
    second = status.get()
    status.changed()
    third = status.get()
    now[0] += dt.timedelta(seconds=5)
    fourth = status.get()
    assert len({id(first), id(second), id(third), id(fourth)}) == 4
    assert status.get() is fourth and status.computed == 4
