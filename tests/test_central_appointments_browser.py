"""The secretary sets an appointment rule at the centre in Debian's Chromium and sees next
week's slots; a rule with an hour before opening is refused beside the field with nothing
typed lost. With KIOSK_DOCS_SCREENSHOTS set, the pages go to docs/centre/appointments*.png."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Browser, expect

from sync.appointment_rules import load_rules
from tests.browser_fixtures import needs_chromium
from tests.central_web_fixtures import Centre
from tests.test_central_appointments import MONDAY, book, live, local
from tests.test_central_web_browser import _context, _shot, _sign_in
from tests.web_fixtures import LiveServer

pytestmark = needs_chromium
__all__ = ["live"]  # the fixed clock's server, a fixture of this module too


def test_the_secretary_sets_a_rule_sees_the_preview_and_a_bad_hour_is_refused(
    centre: Centre, live: LiveServer, browser: Browser, tmp_path: Path
) -> None:
    for minute in (0, 0, 30):
        book(centre, local(MONDAY, 9, minute))
    ctx = _context(browser)
    page = _sign_in(ctx, live, "secretary")
    page.get_by_role("link", name="Записани часове").click()
    expect(page.locator("h1")).to_have_text("Правила за записване")

    page.select_option("#f-site_id", "centre")
    page.fill("#f-category_code", "А")
    for day in ("1", "3"):
        page.check(f"input[name=weekdays][value='{day}']")
    page.fill("#f-starts", "09:00")
    page.fill("#f-ends", "11:00")
    page.fill("#f-slot_minutes", "30")
    page.fill("#f-capacity", "4")
    page.fill("#f-walk_in_share", "25")
    page.click("#rule button.primary")
    expect(page.locator("p.saved")).to_be_visible()
    monday = page.locator(f"span.day[data-day='{MONDAY.isoformat()}']")
    expect(monday).to_have_text("Пн 07.12: 4 интервала, 12 за записване, 3 записани")
    _shot(page, "appointments-rules.png", tmp_path)

    # a second rule for the afternoon, its start typed before the site opens
    page.select_option("#f-site_id", "shivachevo")
    page.fill("#f-category_code", "Б")
    page.check("input[name=weekdays][value='2']")
    page.fill("#f-starts", "08:00")
    page.fill("#f-ends", "10:00")
    page.fill("#f-slot_minutes", "30")
    page.fill("#f-capacity", "2")
    page.fill("#f-walk_in_share", "0")
    page.fill("#f-valid_to", "2027-06-30")
    page.click("#rule button.primary")
    why = page.locator("#why-starts")
    expect(why).to_have_text("Часовете започват най-рано в 08:30: тогава обектът отваря.")
    # the message sits in the start's own field, and every value typed is still there
    expect(page.locator(".field.bad #why-starts")).to_be_visible()
    assert page.locator(".field.bad").count() == 1
    expect(page.locator("#f-starts")).to_have_value("08:00")
    expect(page.locator("#f-site_id")).to_have_value("shivachevo")
    expect(page.locator("#f-category_code")).to_have_value("Б")
    expect(page.locator("input[name=weekdays][value='2']")).to_be_checked()
    expect(page.locator("input[name=weekdays][value='1']")).not_to_be_checked()
    for field, value in (("ends", "10:00"), ("slot_minutes", "30"), ("capacity", "2")):
        expect(page.locator(f"#f-{field}")).to_have_value(value)
    expect(page.locator("#f-valid_to")).to_have_value("2027-06-30")
    why.scroll_into_view_if_needed()
    _shot(page, "appointments-refused.png", tmp_path)

    page.fill("#f-starts", "08:30")
    page.click("#rule button.primary")
    expect(page.locator("p.saved")).to_be_visible()
    with centre.db.engine.connect() as conn:
        rules = load_rules(conn)
    assert [(r.rule.site_id, f"{r.rule.starts:%H:%M}") for r in rules] == [
        ("centre", "09:00"),
        ("shivachevo", "08:30"),
    ]

    page.get_by_role("link", name="Предстоящи записвания").click()
    page.select_option("#site", "centre")
    page.get_by_role("button", name="Покажи").click()
    expect(page.locator("#bookings tbody tr")).to_have_count(3)
    _shot(page, "appointments-bookings.png", tmp_path)
    page.get_by_role("link", name="Отчет за записаните часове").click()
    page.fill("#period", "2026-12")
    page.get_by_role("button", name="Покажи").click()
    expect(page.locator("h2")).to_have_text("Записани часове за декември 2026")
    _shot(page, "appointments-report.png", tmp_path)
    ctx.close()
