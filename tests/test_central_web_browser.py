"""The centre's staff web in Debian's Chromium: the secretary signs in, adds an account and ends
a session from /staff, the auditor reads /audit and finds no button that changes anything.
With KIOSK_DOCS_SCREENSHOTS set, the pages' screenshots are copied into docs/centre/."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import Browser, BrowserContext, Page, expect

from kiosk.staff import Role, Staff
from tests.browser_fixtures import assert_one_row, bar_links, needs_chromium, shoot, sign_in
from tests.central_web_fixtures import Centre
from tests.web_fixtures import PASSWORD, LiveServer

DOCS = Path(__file__).resolve().parent.parent / "docs" / "centre"

pytestmark = needs_chromium


def _context(browser: Browser) -> BrowserContext:
    return browser.new_context(viewport={"width": 1366, "height": 900}, locale="bg-BG")


def _sign_in(ctx: BrowserContext, live: LiveServer, username: str) -> Page:
    page = ctx.new_page()
    page.goto(f"{live.url}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button.primary")
    return page


def _shot(page: Page, name: str, folder: Path) -> None:
    with Image.open(shoot(page, folder, name, DOCS)) as image:
        assert image.size[0] == 1366


def test_the_secretary_and_the_auditor_in_chromium(
    centre: Centre, centre_live: LiveServer, browser: Browser, tmp_path: Path
) -> None:
    officer_ctx = _context(browser)
    officer = _sign_in(officer_ctx, centre_live, "officer")
    expect(officer).to_have_url(f"{centre_live.url}/sites")
    officer.goto(f"{centre_live.url}/sites?site=shivachevo")
    login_ctx = _context(browser)
    login = login_ctx.new_page()
    login.goto(f"{centre_live.url}/login")
    _shot(login, "centre-login.png", tmp_path)
    login_ctx.close()

    ctx = _context(browser)
    page = _sign_in(ctx, centre_live, "secretary")
    expect(page).to_have_url(f"{centre_live.url}/sites")
    expect(page.locator("nav")).to_contain_text("Прегледи")
    _shot(page, "centre-sites.png", tmp_path)
    page.click("nav >> text=Служители")
    expect(page).to_have_url(f"{centre_live.url}/staff")
    form = page.locator("form.add-staff")
    form.locator("input[name=username]").fill("petya")
    form.locator("input[name=display_name]").fill("Петя Колева")
    form.locator("input[name=password]").fill(PASSWORD)
    form.locator("select[name=role]").select_option("auditor")
    form.locator("button").click()
    expect(page.locator("table.staff")).to_contain_text("Петя Колева")
    # the officer's one session, ended from the secretary's page
    row = page.locator("#sessions tr", has_text="officer")
    row.locator("button").click()
    expect(page.locator("#sessions")).not_to_contain_text("officer")
    officer.reload()
    expect(officer).to_have_url(f"{centre_live.url}/login")
    officer_ctx.close()
    _shot(page, "centre-staff.png", tmp_path)
    ctx.close()
    assert Staff(centre.db, centre.config).account("petya").role is Role.AUDITOR

    ctx = _context(browser)
    auditor = _sign_in(ctx, centre_live, "petya")
    expect(auditor.locator("nav")).not_to_contain_text("Служители")
    auditor.click("nav >> text=Прегледи")
    views = auditor.locator("#views tbody tr")
    expect(views.filter(has_text="/sites?site=shivachevo")).to_have_count(1)
    auditor.select_option("select[name=who]", "officer")
    auditor.click("form.filters button")
    expect(views.first).to_contain_text("officer")
    assert views.filter(has_text="secretary").count() == 0
    assert auditor.locator("main form[method=post]").count() == 0  # nothing to change here
    _shot(auditor, "centre-audit.png", tmp_path)
    ctx.close()


@pytest.mark.parametrize("lang", ["bg", "en"])
def test_the_secretarys_bar_is_one_row_on_a_1366_laptop(
    centre_live: LiveServer, browser: Browser, lang: str
) -> None:
    # the secretary has the centre's nine links, half again the site admin's six; the
    # administration's laptops are 1366 px wide
    ctx = browser.new_context(viewport={"width": 1366, "height": 768}, locale="bg-BG")
    try:
        page = sign_in(ctx, centre_live.url, "secretary")
        if lang == "en":
            page.click("form[action='/language'] button")
        expect(page.locator("html")).to_have_attribute("lang", lang)
        links = bar_links(page)
    finally:
        ctx.close()
    assert len(links) == 9
    assert_one_row(links)
