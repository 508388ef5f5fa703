"""The doctor's checks on the admin page: translated, the quick ones with the page, every one
on request (in Chromium: the button, its progress bar, the list replaced)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from playwright.sync_api import expect, sync_playwright

from kiosk.db import Database
from kiosk.models import SyncRun
from tests.support import Clock
from tests.web_fixtures import CHROMIUM_ARGS, PASSWORD, LiveServer, sign_in_http

CHROMIUM = "/usr/bin/chromium"


def _items(page: str) -> dict[str, list[str]]:
    """Each check's items on the page (its li elements' text), by check name."""
    items: dict[str, list[str]] = {}
    for check, body in re.findall(
        r'<li class="check \w+" data-check="(\w+)"[^>]*>(.*?)</li>', page, re.S
    ):
        items.setdefault(check, []).append(" ".join(re.sub(r"<[^>]+>", "", body).split()))
    return items


def test_the_admin_page_shows_the_quick_checks_in_bulgarian_and_the_clock_alert(
    web_app: FastAPI, sqlite_db: Database, clock: Clock
) -> None:
    # GIVEN a sync that found this PC's clock 15 minutes ahead of the centre's
    with sqlite_db.write() as s:
        s.add(SyncRun(started_at=clock(), ok=False, pushed={}, clock_skew_s=900.0))
    with TestClient(web_app) as admin:
        sign_in_http(admin, "admin")
        page = admin.get("/admin").text
    items = _items(page)
    # THEN the quick checks are there, in the page's language (Bulgarian), with the fix
    assert items["database"] == [items["database"][0]] and items["database"][0].startswith(
        "Наред База данни на обекта: sqlite:///"
    )
    [clock_item] = items["clock"]
    assert clock_item.startswith("Неизправност Часовник спрямо централния сървър")
    assert (
        "избързвал с 15 мин" in clock_item
        and "Какво да се направи: Сверете часовника" in clock_item
    )
    # and none that touches the network, the printer or the speakers
    assert not {"central", "printer", "speech"} & set(items)
    assert "Проверете също принтера, говора и централния сървър" in page


def test_every_check_on_request_and_only_for_admins(web_app: FastAPI) -> None:
    with TestClient(web_app) as admin, TestClient(web_app) as clerk:
        sign_in_http(admin, "admin")
        sign_in_http(clerk, "maria")
        assert clerk.get("/admin/checks").status_code == 403
        response = admin.get("/admin/checks")
    assert response.status_code == 200
    items = _items(response.text)
    assert {"central", "printer", "speech", "database", "clock"} <= set(items)
    assert items["central"][0].startswith("Внимание Централен сървър: Няма централен сървър")
    assert "<html" not in response.text  # the list alone, to go in the page's place


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium missing")
def test_the_button_runs_every_check_with_a_progress_bar(live: LiveServer, tmp_path: Path) -> None:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1600, "height": 1400}, locale="bg-BG")
        page.goto(f"{live.url}/login")
        page.fill("input[name=username]", "admin")
        page.fill("input[name=password]", PASSWORD)
        page.click("button.primary")
        expect(page.locator("#check-list")).to_have_attribute("data-complete", "no")
        expect(page.locator('[data-check="central"]')).to_have_count(0)
        # the request held until the progress bar has been seen
        seen: list[bool] = []

        def hold(route) -> None:  # type: ignore[no-untyped-def]
            seen.append(page.locator("#checks-progress").is_visible())
            route.continue_()

        page.route("**/admin/checks", hold)
        page.click("#run-checks")
        expect(page.locator("#check-list")).to_have_attribute("data-complete", "yes")
        expect(page.locator('[data-check="central"]')).to_contain_text("Няма централен сървър")
        expect(page.locator("#checks-progress")).to_be_hidden()
        assert seen == [True]
        page.locator("#checks").screenshot(path=str(tmp_path / "checks.png"))
        browser.close()
