"""The catalogue at the centre in Debian's Chromium, end to end: the secretary confirms the
regular fee of a service with its source and publishes it, the kiosk's site syncs (real
PostgreSQL, the site's SQLite file) and the kiosk's own service screen (the real Kivy app,
off-screen) shows the fee without "to be confirmed". Screenshots of each page go to
docs/centre/ when KIOSK_DOCS_SCREENSHOTS is set."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import delete

from kiosk.catalog import shipped_catalog, store_catalog
from kiosk.models import SiteSetting, SyncMark, SyncRun
from sync.job import run_sync
from tests.browser_fixtures import CHROMIUM
from tests.browser_fixtures import shoot as browser_shot
from tests.central_web_fixtures import Centre
from tests.screens_touch import texts
from tests.test_catalogue_web import HEIRS, SOURCE
from tests.web_fixtures import PASSWORD, LiveServer

DOCS = Path(__file__).resolve().parent.parent / "docs" / "centre"
UNSURE = "(уточнява се на гишето)"
REGULAR_LINE = "Обикновена: 2,56 €, срок 7 дни"  # the heirs' regular fee and deadline

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium missing")


def shoot(page: Page, tmp_path: Path, name: str) -> None:
    assert browser_shot(page, tmp_path, name, DOCS).stat().st_size > 10_000


def service_screen_text(app: Any, service_id: str) -> str:
    app.go_to("home")  # the service screen fills itself as it is entered
    app.refresh_catalog()
    app.current_service = next(s for s in app.services if s.id == service_id)
    app.go_to("service")
    return texts(app.root.manager.current_screen)


def test_a_fee_confirmed_and_published_reaches_the_kiosk_without_to_be_confirmed(
    centre: Centre, centre_live: LiveServer, browser: Browser, app: Any, tmp_path: Path
) -> None:
    site_id = app.kiosk_config.site.id
    login = centre.server.add_site(centre.admin_url, site_id)
    target = centre.server.site_target(centre.admin_url, login)
    # the kiosk as it starts: the heirs' regular fee is one the ordinance has not confirmed
    regular = next(s for s in shipped_catalog().services if s.id == HEIRS).delivery[0]
    assert regular.speed == "regular"
    before = service_screen_text(app, HEIRS)
    assert UNSURE in before.split(REGULAR_LINE)[1].split("\n")[1]

    ctx = browser.new_context(viewport={"width": 1440, "height": 900}, locale="bg-BG")
    page = ctx.new_page()
    page.goto(f"{centre_live.url}/login")
    page.fill("input[name=username]", "secretary")
    page.fill("input[name=password]", PASSWORD)
    page.click("button.primary")
    page.get_by_role("link", name="Каталог").click()
    counter = page.locator("#to-confirm")
    expect(counter).to_contain_text("стойности за потвърждаване")
    waiting = int(counter.inner_text().split()[0])
    page.fill("input[name=q]", "наследници")
    page.click("form.search button")
    shoot(page, tmp_path, "catalogue-list.png")
    page.get_by_role("link", name="Издаване на удостоверение за наследници").click()

    # a slip first: the refusal is shown by its field and nothing is lost
    page.fill("#f-regular_fee", "2,5б")
    page.fill("#f-note", "опит")
    page.click("#save")
    expect(page.locator("#why-regular_fee")).to_contain_text("таксата трябва да е сума в евро")
    expect(page.locator("#f-regular_fee")).to_have_value("2,5б")
    shoot(page, tmp_path, "catalogue-edit-refused.png")
    page.goto(f"{centre_live.url}/catalogue/services/{HEIRS}")

    confirm = page.locator("form.confirm-figure[data-figure='regular.fee']")
    confirm.locator("input[type=text]").fill(SOURCE)
    confirm.locator("button").click()
    expect(page.locator(".saved")).to_contain_text("чернова")
    expect(page.locator("form.confirm-figure[data-figure='regular.fee']")).to_have_count(0)
    page.get_by_role("link", name="Преглед както го показва киоскът").click()
    bg = page.locator("#preview-bg")
    expect(bg).to_contain_text(REGULAR_LINE)
    expect(page.locator("#preview-en")).to_contain_text("Regular: €2.56, ready in 7 days")
    shoot(page, tmp_path, "catalogue-preview.png")

    page.get_by_role("link", name="Каталог").click()
    expect(page.locator("#to-confirm")).to_contain_text(f"{waiting - 1} стойности")
    page.get_by_role("link", name="Редакции и публикуване").click()
    expect(page.locator("#diff")).to_contain_text("sources.regular.fee")
    page.check("input[name=scope][value=group]")
    page.check(f"input[name=sites][value='{site_id}']")
    page.fill("#publish input[name=note]", "таксата за наследници по наредбата")
    page.click("#publish button")
    expect(page.locator(".saved")).to_contain_text("Публикувано като редакция")
    expect(page.locator("#revisions")).to_contain_text(f"публикувана за: {site_id}")
    shoot(page, tmp_path, "catalogue-revisions-diff.png")
    ctx.close()

    # the site's nightly job, the `kiosk sync` path
    outcome = run_sync(app.db, target, batch_size=200, time_budget_s=60, site_id=site_id)
    assert outcome.ok, outcome.error
    assert outcome.pulled_revision is not None
    after = service_screen_text(app, HEIRS)
    fee_line = after.split(REGULAR_LINE)[1].split("\n")
    assert not fee_line[0] and fee_line[1].startswith("Бърза")  # no "to be confirmed" line
    assert UNSURE in after  # the fast and express fees are still unconfirmed


@pytest.fixture
def app(app: Any) -> Iterator[Any]:
    """The session's kiosk app, put back for the screens tests after: its shipped catalogue,
    and no trace of this test's sync (the admin screen says whether the site ever synced)."""
    yield app
    store_catalog(app.db, shipped_catalog(), source="shipped: catalog_tvarditsa.yaml")
    with app.db.write() as s:
        for model in (SyncRun, SyncMark, SiteSetting):
            s.execute(delete(model))
    app.refresh_catalog()
