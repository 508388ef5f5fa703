"""The booking pages (issue #17 item 3) on the centre's citizens' listener, over HTTP and in
Debian's Chromium at a phone's size: real PostgreSQL as the citizens' login, real SMTP on
loopback. The lobby's listener, with no central database, only says where to book."""

from __future__ import annotations

import datetime as dt
import re
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest
from playwright.sync_api import Browser, expect

from kiosk.db import Database
from public_web.app import create_public_app
from tests.booking_fixtures import PHONE, Bookable, Inbox, pages_of
from tests.browser_fixtures import browser, needs_chromium, shoot  # noqa: F401 (the fixture)
from tests.support import Clock, make_config
from tests.web_fixtures import LiveServer, serve

DOCS = Path(__file__).resolve().parent.parent / "docs" / "public"
LINK = re.compile(r"/b/([A-Za-z0-9_-]{22})")


@pytest.fixture
def pages(bookable: Bookable, clock: Clock) -> Iterator[LiveServer]:
    server = pages_of(bookable, clock)
    yield server
    server.stop()


def first_slot(form: str) -> str:
    match = re.search(r'name="slot" value="([^"]+)"', form)
    assert match, "the form offers no slot"
    return match.group(1)


def test_site_service_slot_contact_then_the_code_and_the_e_mail(
    pages: LiveServer, inbox: Inbox
) -> None:
    with httpx.Client(base_url=pages.url, timeout=30) as client:
        start = client.get("/book")
        assert start.status_code == 303 and start.headers["location"].startswith("/book/tvarditsa")
        services = client.get("/book/tvarditsa")
        assert "Твърдица" in services.text and "Носете:" in services.text
        path = re.search(r'href="(/book/tvarditsa/[^"?]+)\?lang=bg"', services.text).group(1)
        form = client.get(path)
        assert "сряда, 25.11.2026" in form.text  # the clock's day, in Bulgarian
        slot = first_slot(form.text)
        # a contact that is neither: refused in Bulgarian, nothing typed lost
        refused = client.post(
            path, data={"slot": slot, "name": "Мария Петрова", "contact": "88", "consent": "true"}
        )
        assert refused.status_code == 422
        assert "Моля, напишете телефон (поне шест цифри) или имейл адрес" in refused.text
        assert 'value="Мария Петрова"' in refused.text and "checked" in refused.text
        made = client.post(
            path,
            data={
                "slot": slot,
                "name": "Мария Петрова",
                "contact": "maria@example.bg",
                "consent": "true",
            },
        )
        assert made.status_code == 303
        location = made.headers["location"]
        # no personal data in the address, only the link's token
        assert "maria" not in location and "Петрова" not in location
        token = LINK.search(location).group(1)
        page = client.get(location)
        code = re.search(r'<p class="code"[^>]*>(\d{6})</p>', page.text).group(1)
        assert "Изпратихме ви потвърждение по имейл." in page.text
        assert "maria@example.bg" not in page.text and "Мария" not in page.text
    (message,) = inbox.wait(1)
    body = message.get_content()
    assert message["To"] == "maria@example.bg"
    assert message["Subject"] == f"Часът ви на 25.11.2026 в 11:00: код {code}"
    assert f"https://opashka.tvarditsa.bg/b/{token}" in body
    assert "Кога: сряда, 25.11.2026 в 11:00 ч." in body


def service_path(client: httpx.Client) -> str:
    services = client.get("/book/tvarditsa")
    return re.search(r'href="(/book/tvarditsa/[^"?]+)\?lang=bg"', services.text).group(1)


def test_six_phones_sending_the_last_place_at_once_one_books_it(pages: LiveServer) -> None:
    with httpx.Client(base_url=pages.url, timeout=30) as client:
        path = service_path(client)
        slot = first_slot(client.get(path).text)
    start = threading.Barrier(6)

    def send(n: int) -> int:
        with httpx.Client(base_url=pages.url, timeout=30) as client:
            start.wait()
            return client.post(
                path,
                data={
                    "slot": slot,
                    "name": f"Гражданин {n}",
                    "contact": f"0888 000 00{n}",
                    "consent": "true",
                },
            ).status_code

    with ThreadPoolExecutor(6) as pool:
        codes = sorted(pool.map(send, range(6)))
    assert codes == [303] + [409] * 5


def test_the_link_moves_the_booking_to_another_free_time(pages: LiveServer) -> None:
    with httpx.Client(base_url=pages.url, timeout=30) as client:
        path = service_path(client)
        slot = first_slot(client.get(path).text)
        made = client.post(
            path, data={"slot": slot, "name": "Иван", "contact": "0888 123 456", "consent": "1"}
        )
        link = made.headers["location"].split("?")[0]
        assert "Изпратихме" not in client.get(made.headers["location"]).text  # a phone: no e-mail
        offered = re.findall(r'name="slot" value="([^"]+)"', client.get(f"{link}/move").text)
        assert slot not in offered  # its own place is taken, by itself
        moved = client.post(f"{link}/move", data={"slot": offered[-1]}, follow_redirects=True)
    assert "Часът ви е преместен." in moved.text
    later = dt.datetime.fromisoformat(offered[-1]).astimezone(ZoneInfo("Europe/Sofia"))
    assert later.strftime("%d.%m.%Y в %H:%M") in moved.text


def test_a_failed_smtp_keeps_the_booking_and_says_so(pages: LiveServer, inbox: Inbox) -> None:
    inbox.refuse = True
    with httpx.Client(base_url=pages.url, follow_redirects=True, timeout=30) as client:
        form = client.get("/book/tvarditsa")
        path = re.search(r'href="(/book/tvarditsa/[^"?]+)\?lang=bg"', form.text).group(1)
        slot = first_slot(client.get(path).text)
        page = client.post(
            path, data={"slot": slot, "name": "Иван", "contact": "ivan@example.bg", "consent": "1"}
        )
    assert page.status_code == 200
    assert "Имейлът с потвърждение не можа да бъде изпратен сега" in page.text
    assert re.search(r'<p class="code"[^>]*>\d{6}</p>', page.text)


def test_a_cross_site_form_is_refused(pages: LiveServer) -> None:
    with httpx.Client(base_url=pages.url, timeout=30) as client:
        refused = client.post(
            "/b/AAAAAAAAAAAAAAAAAAAAAA/cancel", headers={"sec-fetch-site": "cross-site"}
        )
        unknown = client.post(
            "/b/AAAAAAAAAAAAAAAAAAAAAA/cancel", headers={"sec-fetch-site": "same-origin"}
        )
    assert refused.status_code == 403
    assert unknown.status_code == 404 and "Тази връзка не води до запазен час." in unknown.text


def test_the_lobbys_listener_says_where_to_book(tmp_path: Path, sqlite_db: Database) -> None:
    config = make_config(tmp_path, public__booking_url="https://opashka.tvarditsa.bg/book")
    server = serve(create_public_app(config, sqlite_db))
    try:
        with httpx.Client(base_url=server.url, timeout=30) as client:
            page = client.get("/book")
            elsewhere = client.get("/book/tvarditsa")
    finally:
        server.stop()
    assert page.status_code == 200
    assert 'href="https://opashka.tvarditsa.bg/book?lang=bg"' in page.text
    assert elsewhere.status_code == 404


@needs_chromium
def test_a_phone_books_gets_the_e_mail_cancels_and_a_second_is_refused(
    tmp_path: Path,
    bookable: Bookable,
    clock: Clock,
    inbox: Inbox,
    browser: Browser,  # noqa: F811
) -> None:
    server = pages_of(bookable, clock, active_per_contact=1)
    context = browser.new_context(
        viewport=PHONE, locale="bg-BG", device_scale_factor=2, is_mobile=True
    )
    page = context.new_page()
    try:
        page.goto(f"{server.url}/book")
        expect(page.locator("h1")).to_have_text("Твърдица")
        page.locator("details.service summary").first.click()
        shoot(page, tmp_path, "booking-services-bg.png", DOCS, full_page=False)
        page.locator("details.service[open] a.choice").click()
        page.locator("label.slot").first.click()
        page.get_by_label("Име", exact=True).fill("Мария Петрова")
        page.get_by_label("Телефон или имейл").fill("maria@")
        page.locator("label.consent input").check()
        page.get_by_role("button", name="Запазване").click()
        # refused in Bulgarian, everything typed still there
        expect(page.locator("p.error")).to_contain_text("Моля, напишете телефон")
        expect(page.get_by_label("Име", exact=True)).to_have_value("Мария Петрова")
        shoot(page, tmp_path, "booking-form-refused-bg.png", DOCS)
        page.get_by_label("Телефон или имейл").fill("maria@example.bg")
        page.locator("label.slot").first.click()
        page.get_by_role("button", name="Запазване").click()
        expect(page.locator("p.code")).to_have_text(re.compile(r"^\d{6}$"))
        code = page.locator("p.code").inner_text()
        expect(page.locator("p.done").last).to_have_text("Изпратихме ви потвърждение по имейл.")
        shoot(page, tmp_path, "booking-made-bg.png", DOCS)
        (message,) = inbox.wait(1)
        link = LINK.search(message.get_content())
        assert code in message.get_content() and link
        # a second booking with the same e-mail: over the limit of one
        page.goto(f"{server.url}/book")
        page.locator("details.service summary").first.click()
        page.locator("details.service[open] a.choice").click()
        page.locator("label.slot").nth(1).click()
        page.get_by_label("Име", exact=True).fill("Мария Петрова")
        page.get_by_label("Телефон или имейл").fill("maria@example.bg")
        page.locator("label.consent input").check()
        page.get_by_role("button", name="Запазване").click()
        expect(page.locator("p.refusal")).to_contain_text(
            "С този телефон или имейл вече са запазени толкова часове"
        )
        shoot(page, tmp_path, "booking-limit-bg.png", DOCS, full_page=False)
        # the e-mail's link, on the phone, in English too: cancel
        page.goto(f"{server.url}/b/{link.group(1)}?lang=en")
        expect(page.locator("h1")).to_have_text("Your appointment")
        shoot(page, tmp_path, "booking-link-en.png", DOCS, full_page=False)
        page.goto(f"{server.url}/b/{link.group(1)}")
        page.get_by_text("Отмяна на часа").click()
        page.get_by_role("button", name="Да, отменете часа ми").click()
        expect(page.locator("h1")).to_have_text("Този час е отменен.")
        shoot(page, tmp_path, "booking-cancelled-bg.png", DOCS, full_page=False)
        assert bookable.bookings.get(link.group(1)).status.value == "cancelled"
    finally:
        context.close()
        server.stop()
