"""The municipality's register in Debian's Chromium (issue #16.2): the secretary hands
Шивачево's cases to the centre, the officer filters to the village and answers its complaint
in the central web, the village syncs, and its own staff web shows the case answered."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, expect

from kiosk.staff import Role, Staff
from kiosk.web.app import create_app
from tests.browser_fixtures import CHROMIUM, desk_context, shoot, sign_in
from tests.central_web_fixtures import Centre
from tests.register_centre_fixtures import village
from tests.web_fixtures import PASSWORD, LiveServer, serve

DOCS = Path(__file__).resolve().parent.parent / "docs" / "centre"
ANSWER = "Рампата ще бъде поставена до края на май."

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium missing")


def test_the_officer_answers_a_village_complaint_and_the_village_shows_it_answered(
    centre: Centre,
    centre_live: LiveServer,
    browser: Browser,
    desk: BrowserContext,
    tmp_path: Path,
) -> None:
    shivachevo = village(centre, tmp_path)
    village(centre, tmp_path, "centre", "Опашката на гише 2 е твърде дълга сутрин.")

    # the secretary hands the village's cases to the centre
    secretary = sign_in(desk, centre_live.url, "secretary")
    secretary.goto(f"{centre_live.url}/handling")
    row = secretary.locator("#site-shivachevo")
    expect(row).to_contain_text("на място")
    row.get_by_role("button", name="Разглеждай в центъра").click()
    expect(row).to_contain_text("в центъра")
    expect(row).to_contain_text("secretary")
    # until the village syncs it may still take a step itself: the centre waits for it
    expect(row.locator(".pending")).to_have_text("чака синхронизацията на обекта")
    expect(row.get_by_role("button", name="Върни на обекта")).to_have_count(0)
    shoot(secretary, tmp_path, "handling-pending.png", DOCS)
    assert shivachevo.sync() == 0
    secretary.reload()
    expect(row.locator(".pending")).to_have_count(0)
    expect(row.get_by_role("button", name="Върни на обекта")).to_have_count(1)
    shoot(secretary, tmp_path, "handling.png", DOCS)
    secretary.close()

    officer_ctx = desk_context(browser)
    officer = sign_in(officer_ctx, centre_live.url, "officer")
    officer.goto(f"{centre_live.url}/register")
    rows = officer.locator("#register tr:has(td a)")
    expect(rows).to_have_count(2)  # both sites' open messages, with their site
    shoot(officer, tmp_path, "register-list.png", DOCS)
    officer.locator("#site-filter").get_by_role("link", name="shivachevo").click()
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("shivachevo")
    rows.first.locator("a").click()
    expect(officer.locator("#site")).to_have_text("shivachevo")
    expect(officer.locator(".message-text")).to_contain_text("рампа")
    officer.get_by_role("button", name="Започни проверка").click()
    expect(officer.locator("#status")).to_contain_text("в проверка")
    officer.fill("textarea[name=text] >> nth=0", ANSWER)
    officer.get_by_role("button", name="Запиши отговора").click()
    expect(officer.locator("#status")).to_contain_text("отговорено")
    shoot(officer, tmp_path, "register-entry.png", DOCS)
    officer_ctx.close()

    # the village syncs, and its own register shows the centre's answer
    assert shivachevo.sync() == 2
    Staff(shivachevo.db, shivachevo.config).add(
        username="quality1", password=PASSWORD, role=Role.QUALITY, display_name="Качество"
    )
    site_live = serve(create_app(shivachevo.config, shivachevo.db))
    try:
        site_ctx = desk_context(browser)
        page = sign_in(site_ctx, site_live.url, "quality1")
        page.goto(f"{site_live.url}/register?filter=all")
        line = page.locator("#register tr:has(td a)")
        expect(line).to_have_count(1)
        expect(line).to_contain_text("отговорено")
        line.locator("a").click()
        expect(page.locator("#status")).to_contain_text("отговорено")
        expect(page.locator("dd", has_text=f"{ANSWER} — officer")).to_have_count(1)
        expect(page.get_by_role("button", name="Запиши отговора")).to_have_count(0)
        shoot(page, tmp_path, "site-register-answered.png", DOCS)
        site_ctx.close()
    finally:
        site_live.stop()


def test_the_secretary_takes_over_a_village_that_does_not_sync(
    centre: Centre,
    centre_live: LiveServer,
    browser: Browser,
    desk: BrowserContext,
    tmp_path: Path,
) -> None:
    village(centre, tmp_path)
    secretary = sign_in(desk, centre_live.url, "secretary")
    secretary.goto(f"{centre_live.url}/handling")
    row = secretary.locator("#site-shivachevo")
    row.get_by_role("button", name="Разглеждай в центъра").click()

    # the officer's step waits for the village's sync, and the page says why in Bulgarian
    officer_ctx = desk_context(browser)
    officer = sign_in(officer_ctx, centre_live.url, "officer")
    officer.goto(f"{centre_live.url}/register?site=shivachevo")
    officer.locator("#register tr:has(td a) a").first.click()
    officer.get_by_role("button", name="Започни проверка").click()
    expect(officer.locator("body")).to_contain_text("Обектът не се е синхронизирал")
    shoot(officer, tmp_path, "register-handover-pending.png", DOCS)

    # the village's PC is broken: the secretary takes its cases, once she ticks the risk
    take = row.get_by_role("button", name="Поеми без синхронизацията на обекта")
    take.click()  # not ticked: the browser asks for the box and sends nothing
    expect(row.locator(".pending")).to_have_count(1)
    row.locator("input[name=confirm]").check()
    take.click()
    expect(row.locator(".forced")).to_have_text("поето без синхронизацията на обекта")
    shoot(secretary, tmp_path, "handling-forced.png", DOCS)

    officer.go_back()
    officer.reload()
    officer.get_by_role("button", name="Започни проверка").click()
    expect(officer.locator("#status")).to_contain_text("в проверка")
    officer_ctx.close()
