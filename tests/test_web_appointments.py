"""Today's booked visitors on the clerk's panel, and their tickets on the board.

The bookings are the site's pulled copies (sync/booking_pull.py); what the kiosk's check-in
records is written here as it would write it. Over real HTTP against uvicorn, and in
Debian's Chromium for the panel as the clerk sees it.
"""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path

import httpx
from playwright.sync_api import Browser, expect

from kiosk.config import Config
from kiosk.db import Database
from kiosk.models import AppointmentEvent
from kiosk.queue import Arrival, Queue
from kiosk.staff import Role
from kiosk.vocabulary import AppointmentEventKind, BookingStatus
from tests.browser_fixtures import needs_chromium, shoot
from tests.support import SOFIA, Clock, store_booking
from tests.web_fixtures import PASSWORD, LiveServer, sign_in_http

DOCS = Path(__file__).resolve().parent.parent / "docs"
WEDNESDAY = dt.date(2026, 11, 25)
SITE = "tvarditsa"


def _at(hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(WEDNESDAY, dt.time(hour, minute), tzinfo=SOFIA)


def _book(
    db: Database,
    code: str,
    starts_at: dt.datetime,
    *,
    name: str | None,
    category: str = "А",
    status: BookingStatus = BookingStatus.BOOKED,
) -> uuid.UUID:
    return store_booking(
        db,
        code=code,
        site_id=SITE,
        category_code=category,
        service_id="2134",
        starts_at=starts_at,
        slot_minutes=15,
        status=status,
        name=name,
        language="bg",
        updated_at=starts_at - dt.timedelta(days=2),
        pulled_at=starts_at - dt.timedelta(days=1),
    )


def _record(
    db: Database,
    booking_id: uuid.UUID,
    kind: AppointmentEventKind,
    ticket: uuid.UUID,
    at: dt.datetime,
) -> None:
    with db.write() as s:
        s.add(
            AppointmentEvent(
                site_id=SITE,
                created_at=at,
                booking_id=booking_id,
                kind=kind,
                ticket_uuid=ticket,
            )
        )


def a_morning_of_bookings(db: Database, config: Config, clock: Clock) -> dict[str, str]:
    """Counter 1 serves А and П: six А bookings in every state, one Б (counter 3's).
    Returns the tickets' labels by what they were for."""
    queue = Queue(db, config, clock=clock)
    clock.set(_at(8, 40))
    came = _book(db, "418302", _at(8, 45), name="Мария Петрова")
    on_time = queue.issue(category="А", due_at=_at(8, 45))
    _record(db, came, AppointmentEventKind.CHECKED_IN, on_time.uuid, clock())
    clock.set(_at(8, 45))
    assert queue.call_next(counter=1).label == on_time.label
    clock.set(_at(9, 40))
    late = _book(db, "550917", _at(9, 15), name="Георги Иванов")
    walk_in = queue.issue(category="А")
    _record(db, late, AppointmentEventKind.LATE, walk_in.uuid, clock())
    _book(db, "771204", _at(9, 30), name="Елена Димитрова")
    _book(db, "300148", _at(9, 45), name="Стоян Колев", status=BookingStatus.CANCELLED)
    clock.set(_at(9, 55))
    early = _book(db, "902615", _at(10, 15), name="Радка Тодорова")
    waiting = queue.issue(category="А", due_at=_at(10, 15))
    _record(db, early, AppointmentEventKind.CHECKED_IN, waiting.uuid, clock())
    _book(db, "118840", _at(11, 0), name="Николай Стефанов")
    _book(db, "640271", _at(10, 30), name="Иван Данъчен", category="Б")
    clock.set(_at(10, 0))
    return {"on_time": on_time.label, "walk_in": walk_in.label, "waiting": waiting.label}


def test_the_panel_lists_todays_bookings_of_the_counters_categories_with_their_state(
    live: LiveServer, sqlite_db: Database, config: Config, clock: Clock
) -> None:
    labels = a_morning_of_bookings(sqlite_db, config, clock)
    client = httpx.Client(base_url=live.url, timeout=30)
    sign_in_http(client, "maria")  # counter 1: А and П
    rows = [
        (a["time"], a["code"], a["name"], a["status"], a["ticket"])
        for a in client.get("/api/panel").json()["appointments"]
    ]
    assert rows == [
        ("08:45", "418302", "Мария Петрова", "checked_in", labels["on_time"]),
        ("09:15", "550917", "Георги Иванов", "late", labels["walk_in"]),
        ("09:30", "771204", "Елена Димитрова", "overdue", None),
        ("09:45", "300148", "Стоян Колев", "cancelled", None),
        ("10:15", "902615", "Радка Тодорова", "checked_in", labels["waiting"]),
        ("11:00", "118840", "Николай Стефанов", "booked", None),
    ]
    # counter 3 serves Б: the tax office's booking alone
    with httpx.Client(base_url=live.url, timeout=30) as other:
        _add_clerk(live, "petya", counter=3)
        sign_in_http(other, "petya")
        assert [a["code"] for a in other.get("/api/panel").json()["appointments"]] == ["640271"]


def _add_clerk(live: LiveServer, username: str, *, counter: int) -> None:
    site = live.app.state.site
    site.staff.add(
        username=username, password=PASSWORD, role=Role.CLERK, counter=counter, display_name="Петя"
    )


def test_the_board_marks_a_booked_visitors_ticket_with_a_clock(
    live: LiveServer, sqlite_db: Database, config: Config, clock: Clock
) -> None:
    labels = a_morning_of_bookings(sqlite_db, config, clock)
    client = httpx.Client(base_url=live.url, timeout=30)
    token = {"X-CSRF-Token": sign_in_http(client, "maria")}
    # 10:00: the booked 10:15 ticket waits for its slot, so the walk-in is called
    response = client.post("/api/panel/call", headers=token, json={"previous": Arrival.ARRIVED})
    assert response.json()["ticket"]["label"] == labels["walk_in"]
    clock.set(_at(10, 15))
    response = client.post("/api/panel/call", headers=token, json={"previous": Arrival.ARRIVED})
    assert response.json()["ticket"]["label"] == labels["waiting"]
    calls = client.get("/api/board").json()["calls"]
    assert [(c["label"], c["booked"]) for c in calls] == [
        (labels["waiting"], True),
        (labels["walk_in"], False),
        (labels["on_time"], True),
    ]
    board = client.get("/board").text
    assert board.count('class="booked-mark"') == 3  # two calls and the script's template
    assert "Записан час" in board


@needs_chromium
def test_the_clerk_sees_todays_bookings_in_chromium(
    live: LiveServer,
    browser: Browser,
    sqlite_db: Database,
    config: Config,
    clock: Clock,
    tmp_path: Path,
) -> None:
    labels = a_morning_of_bookings(sqlite_db, config, clock)
    context = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="bg-BG")
    page = context.new_page()
    page.goto(f"{live.url}/login")
    page.fill("input[name=username]", "maria")
    page.fill("input[name=password]", PASSWORD)
    page.click("button.primary")
    rows = page.locator("#appointment-rows tr")
    expect(rows).to_have_count(6)
    expect(rows.nth(0)).to_contain_text("Дошъл, с билет")
    expect(rows.nth(0)).to_contain_text(labels["on_time"])
    expect(rows.nth(1)).to_contain_text("Закъснял")
    expect(rows.nth(2)).to_have_class("overdue")
    expect(rows.nth(2)).to_contain_text("Още не е дошъл")
    expect(rows.nth(3)).to_contain_text("Отменен")
    expect(page.locator("#appointments h2")).to_have_text("Записани часове за днес")
    expect(page.locator("#no-appointments")).to_be_hidden()
    name = "web-panel-appointments.png"
    shoot(page, tmp_path, name, DOCS)
    # the booked 10:15 ticket called at its time: on the board with its clock
    queue = Queue(sqlite_db, config, clock=clock)
    queue.call_next(counter=1, previous=Arrival.ARRIVED)
    clock.set(_at(10, 15))
    queue.call_next(counter=1, previous=Arrival.ARRIVED)
    board = context.new_page()
    board.goto(f"{live.url}/board")
    expect(board.locator("#calls li.newest .num")).to_have_text(labels["waiting"])
    expect(board.locator("#calls li.newest .booked-mark")).to_be_visible()
    expect(board.locator("#calls li .booked-mark")).to_have_count(2)
    name = "web-board-booked.png"
    shoot(board, tmp_path, name, DOCS, full_page=False)
    context.close()
