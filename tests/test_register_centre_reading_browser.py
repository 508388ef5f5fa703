"""The centre's register in Debian's Chromium (issue #16): the auditor filters the municipality's
register and reads a case's state, due date and history, with no button and none of the
complainant's data; the officer opens the scanned letter of the same case, a download."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Browser, BrowserContext, expect

from tests.browser_fixtures import desk_context, needs_chromium, shoot, sign_in
from tests.central_web_fixtures import Centre
from tests.register_centre_fixtures import village
from tests.test_channels import PDF
from tests.test_register_centre_reading import LETTER_TEXT, name_the_sites, register_letter
from tests.web_fixtures import LiveServer

DOCS = Path(__file__).resolve().parent.parent / "docs" / "centre"

pytestmark = needs_chromium


def test_the_auditor_reads_the_register_and_the_officer_opens_the_scanned_letter(
    centre: Centre,
    centre_live: LiveServer,
    browser: Browser,
    desk: BrowserContext,
    tmp_path: Path,
) -> None:
    name_the_sites(centre)
    village(centre, tmp_path)
    village(centre, tmp_path, "centre", "Опашката на гише 2 е твърде дълга сутрин.")
    letter = register_letter(centre)

    auditor = sign_in(desk, centre_live.url, "auditor")
    auditor.get_by_role("link", name="Регистър", exact=True).click()
    rows = auditor.locator("#register tr:has(td a)")
    expect(rows).to_have_count(3)  # every site's open messages, each with its site's name
    expect(auditor.locator("#new-message")).to_have_count(0)
    shoot(auditor, tmp_path, "register-auditor-list.png", DOCS)
    auditor.locator("#site-filter").get_by_role("link", name="Шивачево").click()
    expect(rows).to_have_count(2)
    expect(rows.filter(has_text="Твърдица — ОЦУИГ")).to_have_count(0)
    auditor.locator("#kind-filter").get_by_role("link", name="Похвала").click()
    expect(auditor.locator("#register")).to_contain_text("Няма съобщения.")
    auditor.locator("#kind-filter").get_by_role("link", name="Всички видове").click()
    auditor.get_by_role("link", name=letter).click()

    expect(auditor.locator("#site")).to_have_text("Шивачево")
    expect(auditor.locator(".message-text")).to_have_text(LETTER_TEXT)
    expect(auditor.locator("#status")).to_contain_text("ново")
    expect(auditor.locator("#personal-withheld")).to_contain_text("само на секретаря")
    expect(auditor.locator("#attachments-withheld")).to_contain_text("Сканирани писма: 1")
    # nothing to press but the page's own language and sign-out
    expect(auditor.locator("main button, .card button")).to_have_count(0)
    expect(auditor.locator("textarea, input[type=date]")).to_have_count(0)
    expect(auditor.get_by_text("Стоян Колев")).to_have_count(0)
    shoot(auditor, tmp_path, "register-auditor-entry.png", DOCS)

    officer_ctx = desk_context(browser)
    try:
        officer = sign_in(officer_ctx, centre_live.url, "officer")
        officer.goto(auditor.url)
        scan = officer.locator("#attachments a")
        expect(scan).to_have_text("писмо от Стоян Колев.pdf")
        with officer.expect_download() as opened:
            scan.click()
        download = opened.value
        assert download.suggested_filename == "писмо от Стоян Колев.pdf"
        assert Path(download.path()).read_bytes() == PDF
        officer.reload()
        expect(officer.locator("section", has_text="История")).to_contain_text(
            "преглед на лични данни · officer"
        )
        shoot(officer, tmp_path, "register-officer-scan.png", DOCS)
    finally:
        officer_ctx.close()
