"""Art. 10(4): visitors present at closing are still served; only the issuing of tickets stops.

A fixed clock walks a day across 17:00 (config: 08:30–17:00, issuing stops 15 minutes
before) while a clerk works the panel over real HTTP and the board is read as the lobby
screen reads it.
"""

from __future__ import annotations

import datetime as dt

import httpx
import pytest

from kiosk.config import Config
from kiosk.db import Database
from kiosk.hours import ClosedReason
from kiosk.labels import CLOSED_REASONS, label
from kiosk.models import TicketOutcome
from kiosk.queue import Queue, QueueClosed
from kiosk.web.app import create_app
from tests.report_fixtures import CIVIL, local
from tests.support import Clock
from tests.web_fixtures import add_staff, serve, sign_in_http

TUESDAY = dt.date(2026, 3, 10)


def test_issuing_stops_at_the_set_time_but_the_panel_and_board_serve_everyone_waiting(
    sqlite_db: Database, config: Config, clock: Clock
) -> None:
    queue = Queue(sqlite_db, config, clock=clock)
    add_staff(sqlite_db, config, clock)
    server = serve(create_app(config, sqlite_db, clock=clock))
    try:
        clock.set(local(TUESDAY, 16, 40))
        late = [queue.issue(category="А", service_id=CIVIL) for _ in range(3)]

        # 16:45: the kiosk stops issuing and says why, while the centre is still open
        clock.set(local(TUESDAY, 16, 45))
        with pytest.raises(QueueClosed) as refused:
            queue.issue(category="А")
        assert refused.value.state.reason is ClosedReason.ISSUING_STOPPED
        assert refused.value.state.is_open
        assert label(CLOSED_REASONS, ClosedReason.ISSUING_STOPPED, "bg") == (
            "Днес вече не се издават билети: центърът скоро затваря. "
            "Всички, които вече са на опашката, ще бъдат обслужени."
        )

        client = httpx.Client(base_url=server.url)
        token = {"X-CSRF-Token": sign_in_http(client, "maria")}

        def panel(action: str, **body: str) -> dict:
            response = client.post(f"/api/panel/{action}", headers=token, json=body)
            assert response.status_code == 200, response.text
            return response.json()

        def board_first_call() -> str:
            board = client.get("/api/board").json()
            assert board["open"] is (queue.open_state().is_open)
            return board["calls"][0]["label"]

        clock.set(local(TUESDAY, 16, 50))
        assert panel("call", previous="arrived")["ticket"]["label"] == late[0].label

        # 17:05, closed: nothing issues, and nothing waiting is dropped or closed
        clock.set(local(TUESDAY, 17, 5))
        with pytest.raises(QueueClosed) as closed:
            queue.issue(category="А")
        assert closed.value.state.reason is ClosedReason.AFTER_CLOSING
        assert not queue.open_state().is_open
        assert [t.label for t in queue.waiting()] == [late[1].label, late[2].label]
        assert {c.code: c.waiting for c in queue.status().categories}["А"] == 2
        panel("start")
        assert board_first_call() == late[0].label

        clock.set(local(TUESDAY, 17, 15))
        assert panel("call", previous="arrived")["ticket"]["label"] == late[1].label
        assert board_first_call() == late[1].label
        clock.set(local(TUESDAY, 17, 30))
        assert panel("call", previous="arrived")["ticket"]["label"] == late[2].label
        assert board_first_call() == late[2].label
        panel("start")

        clock.set(local(TUESDAY, 17, 55))
        panel("finish")
        with sqlite_db.read() as s:
            outcomes = {o.ticket_uuid: o for o in s.query(TicketOutcome)}
        assert set(outcomes) == {t.uuid for t in late}
        assert {o.outcome for o in outcomes.values()} == {"done"}  # served, none auto-closed
        assert queue.waiting() == []
    finally:
        server.stop()
