"""A booking from a citizen's phone to the counter (issue #17, "the visitor's phone"), on real
parts: the centre's citizens' pages in Debian's Chromium at a phone's size over a real central
PostgreSQL, the confirmation over real SMTP on loopback, the site's pull of its bookings over
its own login, the real Kivy app's check-in, and the clerk's call through the staff web.

The journey runs on the day after the booking: the kiosk app's database is shared with other
files' tests in this process, and their walk-ins of the booking day would queue with ours."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, expect
from sqlalchemy import create_engine, delete, select

from kiosk.models import Appointment, PullMark
from kiosk.staff import Role, Staff
from kiosk.text import Text
from kiosk.web.app import create_app
from sync.booking_pull import SOURCE, BookingWindow, pull_bookings
from sync.central import CentralTarget
from sync.sites import name_site
from tests.booking_fixtures import PHONE, Bookable, Inbox, add_rule, pages_of
from tests.browser_fixtures import browser, needs_chromium  # noqa: F401 (the fixture)
from tests.screens_touch import tap, texts, type_keys
from tests.support import Clock
from tests.sync_fixtures import CentralServer
from tests.web_fixtures import PASSWORD, ToneAnnouncer, serve, sign_in_http

CODE = re.compile(r"^Код: (\d{6})$", re.MULTILINE)
WHEN = re.compile(r"^Кога: (\w+), (\d\d\.\d\d\.\d{4}) в (\d\d:\d\d) ч\.$", re.MULTILINE)


@pytest.fixture
def kiosk_site(
    app: Any, bookable: Bookable, central_server: CentralServer
) -> Iterator[CentralTarget]:
    """The kiosk app's own site, registered at the booking centre beside the fixture's: its
    name, a slot rule, and the site's login the pull uses. The app's clock, check-in clock and
    pull mark are given back as they were: the app is every screens file's."""
    config = app.kiosk_config
    login = central_server.add_site(bookable.admin_url, config.site_id)
    engine = create_engine(bookable.admin_url)
    with engine.begin() as conn:
        name_site(conn, site_id=config.site_id, name=Text(config.site.name_bg, config.site.name_en))
    engine.dispose()
    add_rule(bookable.admin_url, site_id=config.site_id)
    desk = app.screen("appointment").desk
    was = app.test_clock()
    with app.db.read() as s:
        had_mark = s.get(PullMark, SOURCE) is not None
    desk.clock = app.clock  # `scenes.show` of other files leaves it hours ahead
    try:
        yield central_server.site_target(bookable.admin_url, login)
    finally:
        app.test_clock.set(was)
        desk.clock = app.clock
        if not had_mark:
            with app.db.write() as s:
                s.execute(delete(PullMark).where(PullMark.source == SOURCE))


@needs_chromium
def test_booked_on_the_phone_checked_in_at_the_kiosk_called_before_the_walk_ins(
    app: Any,
    bookable: Bookable,
    kiosk_site: CentralTarget,
    clock: Clock,
    inbox: Inbox,
    browser: Browser,  # noqa: F811
    tmp_path: Path,
) -> None:
    config = app.kiosk_config
    tz = config.tz
    site_name = config.site.name_bg
    tomorrow = (clock().astimezone(tz) + dt.timedelta(days=1)).strftime("%d.%m.%Y")
    # 1. on Wednesday morning a citizen books Thursday's 10:30 on the phone
    pages = pages_of(bookable, clock)
    context = browser.new_context(viewport=PHONE, locale="bg-BG", is_mobile=True)
    page = context.new_page()
    try:
        page.goto(f"{pages.url}/book")
        page.get_by_role("link", name=site_name, exact=True).click()
        expect(page.locator("h1")).to_have_text(site_name)
        page.locator("details.service summary").first.click()
        service = page.locator("details.service[open] summary").inner_text().strip()
        page.locator("details.service[open] a.choice").click()
        day = page.locator("fieldset.day", has_text=tomorrow)
        slot = day.locator("label.slot", has_text="10:30")
        booked_at = dt.datetime.fromisoformat(slot.locator("input").get_attribute("value"))
        slot.click()
        page.get_by_label("Име", exact=True).fill("Мария Петрова")
        page.get_by_label("Телефон или имейл").fill("maria@example.bg")
        page.locator("label.consent input").check()
        page.get_by_role("button", name="Запазване").click()
        expect(page.locator("p.code")).to_have_text(re.compile(r"^\d{6}$"))
        on_the_page = page.locator("p.code").inner_text()
    finally:
        context.close()
        pages.stop()
    slot_time = booked_at.astimezone(tz).strftime("%H:%M")
    # 2. the confirmation reaches the mail server; the code is read from it
    (message,) = inbox.wait(1)
    body = message.get_content()
    assert message["To"] == "maria@example.bg"
    code = CODE.search(body).group(1)
    assert WHEN.search(body).groups() == ("четвъртък", tomorrow, slot_time)
    assert code in message["Subject"] and code == on_the_page
    # 3. the site pulls its bookings over its own login, on the site's clock
    with kiosk_site.connect() as central:
        window = BookingWindow(tz, config.appointments.horizon_days)
        assert pull_bookings(app.db, central, window, now=app.test_clock()) == 1
    with app.db.read() as s:
        held = s.scalars(select(Appointment).where(Appointment.code == code)).one()
    assert (held.site_id, held.starts_at, held.name) == (
        config.site_id,
        booked_at,
        "Мария Петрова",
    )
    category = held.category_code
    # 4. Thursday: two walk-ins of the same category before the booked visitor comes
    thursday = booked_at.astimezone(tz).replace(hour=9, minute=40)
    app.test_clock.set(thursday)
    early = [app.queue.issue(category=category)]
    app.test_clock.advance(minutes=10)
    early.append(app.queue.issue(category=category))
    app.test_clock.advance(minutes=10)  # 10:00, half an hour before the slot
    tap(app.root.manager.current_screen)  # the attract screen
    tap(app.root.manager.current_screen.ids.appointment)
    screen = app.root.manager.current_screen
    assert screen.name == "appointment" and screen.step == "ask"
    tap(screen.ids.code)
    type_keys(screen.ids.keyboard, code)
    assert screen.ids.code.text == code
    tap(screen.ids.check_in)
    ticket_screen = app.root.manager.current_screen
    assert ticket_screen.name == "ticket", screen.problem
    booked = app.current_ticket
    shown = texts(ticket_screen)
    assert ticket_screen.number == booked.label and booked.label.startswith(category)
    assert f"Записаният ви час е в {slot_time} ч." in shown
    assert f"Ще ви поканим в {slot_time} ч." in shown
    assert service in shown
    tap(ticket_screen.ids.done)
    app.test_clock.advance(minutes=10)
    late = app.queue.issue(category=category)
    # 5. the clerk of counter 1 calls through the staff web
    clerk = f"clerk.{uuid.uuid4().hex[:8]}"  # a fresh one: the app database is shared
    Staff(app.db, config, clock=app.test_clock).add(
        username=clerk, password=PASSWORD, role=Role.CLERK, counter=1
    )
    web = serve(
        create_app(config, app.db, clock=app.test_clock, announcer=ToneAnnouncer(tmp_path / "wav"))
    )
    try:
        with httpx.Client(base_url=web.url, timeout=30) as client:
            token = sign_in_http(client, clerk)

            def call() -> str:
                called = client.post(
                    "/api/panel/call", headers={"X-CSRF-Token": token}, json={"previous": "arrived"}
                )
                assert called.status_code == 200, called.text
                return called.json()["ticket"]["label"]

            # before the slot the booked visitor waits: the longest-waiting walk-in comes
            assert call() == early[0].label
            panel = client.get("/api/panel").json()["appointments"]
            assert {"code": code, "time": slot_time, "ticket": booked.label}.items() <= next(
                a for a in panel if a["code"] == code
            ).items()
            # the slot comes: the booked visitor first, then the walk-ins who came before
            app.test_clock.set(booked_at)
            order = [call() for _ in range(3)]
            # the last one served, so counter 1 is left free for the next file's clerk
            for step in ("start", "finish"):
                done = client.post(f"/api/panel/{step}", headers={"X-CSRF-Token": token})
                assert done.status_code == 200, done.text
    finally:
        web.stop()
    assert order == [booked.label, early[1].label, late.label]
