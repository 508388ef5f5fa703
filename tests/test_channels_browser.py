"""Issue #16.3 in Debian's Chromium: the quality officer registers a letter received last Monday
with its scanned PDF, sees it in the register with the due date counted from Monday, and
downloads the PDF; a program renamed .pdf is refused first with everything typed kept."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, expect
from sqlalchemy import select

from kiosk.db import Database
from kiosk.messages import Draft, Kind, Messages
from kiosk.models import MessageEvent
from kiosk.register import Register
from kiosk.staff import Role, Staff
from kiosk.vocabulary import MessageEventKind
from tests.browser_fixtures import CHROMIUM, shoot
from tests.support import Clock
from tests.test_web_browser import DOCS, sign_in
from tests.web_fixtures import PASSWORD, LiveServer

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium missing")


def scanned_pdf() -> bytes:
    """A one-page PDF a reader opens: objects, their cross-reference offsets, the trailer."""
    stream = b"BT /F1 14 Tf 72 720 Td (Zhalba za ulichnoto osvetlenie) Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    ctx = browser.new_context(
        viewport={"width": 1280, "height": 1100}, locale="bg-BG", accept_downloads=True
    )
    yield ctx
    ctx.close()


def test_the_officer_registers_a_letter_with_its_scan_and_downloads_it(
    live: LiveServer,
    context: BrowserContext,
    sqlite_db: Database,
    config,
    clock: Clock,
    tmp_path: Path,
) -> None:
    Staff(sqlite_db, config, clock=clock).add(
        username="quality", password=PASSWORD, role=Role.QUALITY, display_name="Гергана"
    )
    pdf = tmp_path / "писмо-Иванов.pdf"
    pdf.write_bytes(scanned_pdf())
    program = tmp_path / "letter.pdf"
    program.write_bytes(b"MZ\x90\x00\x03\x00\x00\x00" + bytes(200))

    page = sign_in(context, live, "quality")
    page.goto(f"{live.url}/register")
    page.click("#new-message")
    expect(page).to_have_url(f"{live.url}/register/new")
    shoot(page, tmp_path, "web-register-new.png", DOCS)

    # the clock's day is Wednesday 25.11.2026: last Monday is the 23rd
    page.select_option("select[name=channel]", "letter")
    page.fill("input[name=received_on]", "2026-11-23")
    page.select_option("select[name=kind]", "complaint")
    page.fill("textarea[name=text]", "Уличното осветление на ул. Христо Ботев не работи от месец.")
    page.fill("input[name=name]", "Петър Иванов")
    page.fill("input[name=contact]", "petar.ivanov@example.bg")
    page.check("input[name=consent]")
    page.set_input_files("input[name=scan]", str(program))
    page.click("#new-message button")
    expect(page.locator("#form-error")).to_contain_text("не е PDF, JPEG или PNG")
    expect(page.locator("textarea[name=text]")).to_have_value(
        "Уличното осветление на ул. Христо Ботев не работи от месец."
    )
    expect(page.locator("input[name=received_on]")).to_have_value("2026-11-23")
    expect(page.locator("input[name=contact]")).to_have_value("petar.ivanov@example.bg")
    expect(page.locator("input[name=consent]")).to_be_checked()
    shoot(page, tmp_path, "web-register-new-refused.png", DOCS)

    page.set_input_files("input[name=scan]", str(pdf))
    page.click("#new-message button")
    expect(page.locator("#channel")).to_contain_text("Писмо")
    expect(page.locator("#channel")).to_contain_text("23.11.2026")
    expect(page.locator("dd", has_text="23.12.2026")).to_have_count(1)  # a month from Monday
    reg_number = page.locator("h2").first.inner_text().split()[-1]
    shoot(page, tmp_path, "web-register-letter-entry.png", DOCS)

    page.goto(f"{live.url}/register?filter=open")
    row = page.locator("#register tr", has_text=reg_number)
    expect(row).to_contain_text("23.12.2026")
    row.locator("a").click()
    with page.expect_download() as download:
        page.click("#attachments a")
    saved = tmp_path / "downloaded.pdf"
    download.value.save_as(saved)
    assert saved.read_bytes() == pdf.read_bytes()
    assert download.value.suggested_filename == "писмо-Иванов.pdf"
    with sqlite_db.read() as s:
        views = s.execute(
            select(MessageEvent.actor, MessageEvent.text).where(
                MessageEvent.kind == MessageEventKind.PII_VIEWED
            )
        ).all()
    assert views == [("quality", "attachment:писмо-Иванов.pdf")]


def test_the_centre_officer_registers_a_letter_for_a_village_it_handles(
    centre, centre_live: LiveServer, context: BrowserContext, tmp_path: Path
) -> None:
    from sqlalchemy import create_engine, text

    admin = create_engine(centre.admin_url)
    with admin.begin() as conn:
        conn.execute(
            text("INSERT INTO site_settings (site_id, handled_at) VALUES ('shivachevo', 'centre')")
        )
    pdf = tmp_path / "сигнал.pdf"
    pdf.write_bytes(scanned_pdf())
    page = context.new_page()
    page.goto(f"{centre_live.url}/login")
    page.fill("input[name=username]", "officer")
    page.fill("input[name=password]", PASSWORD)
    page.click("button.primary")
    page.click("nav >> text=Ново съобщение")
    expect(page.locator("select[name=site] option")).to_have_text(["shivachevo"])
    page.select_option("select[name=channel]", "email")
    today = page.locator("input[name=received_on]").get_attribute("max")
    page.fill("input[name=received_on]", today)
    page.select_option("select[name=kind]", "signal")
    page.fill("textarea[name=text]", "Счупена пейка пред читалището в Шивачево.")
    page.fill("input[name=name]", "Мария Димова")
    page.fill("input[name=contact]", "m.dimova@example.bg")
    page.check("input[name=consent]")
    page.set_input_files("input[name=scan]", str(pdf))
    page.click("#new-message button")
    expect(page.locator("#registered")).to_contain_text("ОЦУИГ-Ц-")
    expect(page.locator("#registered")).to_contain_text("за shivachevo")
    shoot(page, tmp_path, "central-register-new.png", DOCS)
    with admin.connect() as conn:
        stored = conn.execute(
            text("SELECT seq, channel FROM messages WHERE site_id = 'shivachevo'")
        ).one()
    assert stored.seq < 0 and stored.channel == "email"
    admin.dispose()


def test_a_letters_paragraphs_and_its_answers_stay_apart_on_its_page(
    live: LiveServer, context: BrowserContext, sqlite_db: Database, config, clock: Clock
) -> None:
    Staff(sqlite_db, config, clock=clock).add(
        username="quality", password=PASSWORD, role=Role.QUALITY, display_name="Гергана"
    )
    letter = "Уважаеми господин кмете,\n\nосветлението на ул. Христо Ботев не работи."
    answer = "Уважаеми господин Иванов,\n\nлампите са сменени."
    reg = Messages(sqlite_db, config, clock=clock).submit(
        Draft(kind=Kind.COMPLAINT, text=letter, anonymous=True, health_safety=True)
    )
    register = Register(sqlite_db, config, clock=clock)
    register.start_review(message_uuid=reg.uuid, actor="quality")
    register.answer(message_uuid=reg.uuid, actor="quality", text=answer)
    page = sign_in(context, live, "quality")
    page.goto(f"{live.url}/register/{reg.reg_number}")
    # as the page shows them, not run together into one line
    assert page.locator(".message-text").inner_text() == letter
    assert page.locator(".answer-text").inner_text() == answer
