"""The register and report pages of the staff web: roles, filters, handling, recorded views, letters."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import select

from kiosk.db import Database
from kiosk.messages import Draft, Kind, Messages, ReviewNote
from kiosk.models import MessageEvent
from kiosk.staff import Role, Staff
from kiosk.web.app import create_app
from tests.report_fixtures import build_evening, build_known_month
from tests.support import Clock
from tests.web_fixtures import PASSWORD, add_staff


def _client(app, username: str) -> TestClient:
    client = TestClient(app)
    page = client.get("/login").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    client.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": token})
    return client


def _csrf(client: TestClient, path: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text).group(1)


@pytest.fixture
def app(sqlite_db: Database, config, clock: Clock):
    add_staff(sqlite_db, config, clock)
    Staff(sqlite_db, config, clock=clock).add(
        username="quality", password=PASSWORD, role=Role.QUALITY, display_name="Гергана"
    )
    return create_app(config, sqlite_db, clock=clock)


def test_register_pages_for_quality_not_for_clerks(
    app, sqlite_db: Database, config, clock: Clock
) -> None:
    reg = Messages(sqlite_db, config, clock=clock).submit(
        Draft(
            kind=Kind.COMPLAINT,
            text="Чаках два часа.",
            name="Иван Петров",
            contact="0888 123 456",
            consent=True,
        )
    )
    assert _client(app, "maria").get("/register").status_code == 403
    quality = _client(app, "quality")
    listing = quality.get("/register?filter=open").text
    assert reg.reg_number in listing and "Иван Петров" not in listing
    entry = quality.get(f"/register/{reg.reg_number}").text
    assert "Чаках два часа." in entry and "Иван Петров" not in entry
    assert "Още няма действия по преписката." in entry  # an empty history says so
    token = _csrf(quality, f"/register/{reg.reg_number}")
    shown = quality.post(f"/register/{reg.reg_number}/personal", data={"csrf_token": token}).text
    assert "Иван Петров" in shown and "0888 123 456" in shown
    quality.post(
        f"/register/{reg.reg_number}/extend",
        data={"csrf_token": token, "text": "Чакаме справка.", "final_due_date": "2027-01-20"},
    )
    letter = quality.get(f"/register/{reg.reg_number}/letter/extension").text
    assert "Чакаме справка." in letter and "20.01.2027" in letter and "Иван Петров" in letter
    assert quality.get("/register/letter.css").status_code == 200
    with sqlite_db.read() as s:
        views = list(s.scalars(select(MessageEvent.actor).where(MessageEvent.kind == "pii_viewed")))
    assert views == ["quality", "quality"]
    clock.set(dt.datetime(2027, 1, 21, 9, 0, tzinfo=dt.UTC))
    quality = _client(app, "quality")  # a session lasts a working day, not a month
    overdue = quality.get("/register?filter=overdue").text
    assert reg.reg_number in overdue and 'class="overdue"' in overdue


ANGRY = Draft(
    kind=Kind.COMPLAINT,
    text="Служителите са идиоти!",
    name="Х",
    contact="x@example.bg",
    consent=True,
)


@pytest.mark.parametrize("lang", ["bg", "en"])
def test_entry_page_shows_the_kiosks_anonymous_note_in_words(
    app, sqlite_db: Database, config, clock: Clock, lang: str
) -> None:
    reg = Messages(sqlite_db, config, clock=clock).submit(
        Draft(kind=Kind.COMPLAINT, text="Груб служител.", anonymous=True)
    )
    assert reg.review_note is ReviewNote.ANONYMOUS
    quality = _client(app, "quality")
    quality.post("/language", data={"lang": lang, "csrf_token": _csrf(quality, "/register")})
    page = quality.get(f"/register/{reg.reg_number}").text
    status = re.search(r'<dd id="status">([^<]*)</dd>', page).group(1)
    assert status.endswith(" · " + {"bg": "анонимно", "en": "anonymous"}[lang])
    assert 'id="decide"' not in page


@pytest.mark.parametrize(
    ("button", "status", "note"),
    [
        (
            "Обидно: не подлежи на разглеждане",
            "не подлежи на разглеждане",
            "нецензурно или обидно съдържание",
        ),
        ("Не е обидно: започни проверка", "в проверка", None),
    ],
)
def test_a_flagged_complaint_waits_for_the_officers_decision(
    app, sqlite_db: Database, config, clock: Clock, button: str, status: str, note: str | None
) -> None:
    # GIVEN a complaint the word list flags: registered as usual, with its due date
    reg = Messages(sqlite_db, config, clock=clock).submit(ANGRY)
    assert reg.flagged and reg.review_note is None and reg.due_date is not None
    quality = _client(app, "quality")
    row = re.search(
        rf"<tr>\s*<td><a href=\"/register/{reg.reg_number}\">.*?</tr>",
        quality.get("/register").text,
        re.S,
    )
    assert row and "отбелязано: решете" in row.group(0)
    page = quality.get(f"/register/{reg.reg_number}").text
    assert 'id="decide"' in page and 'id="flagged"' in page
    # WHEN the officer decides with one button of the decision card
    decide = page[page.index('id="decide"') : page.index("</section>", page.index('id="decide"'))]
    form = re.search(
        rf'<form method="post" action="([^"]+)">((?:(?!</form>).)*){button}', decide, re.S
    )
    assert form is not None
    fields = dict(re.findall(r'name="(\w+)" value="([^"]*)"', form.group(2)))
    quality.post(form.group(1), data=fields)
    # THEN the status follows the decision, and the card is gone from the entry and the list
    page = quality.get(f"/register/{reg.reg_number}").text
    shown = re.search(r'<dd id="status">([^<]*)</dd>', page).group(1)
    assert shown.startswith(status) and (note is None or shown.endswith(" · " + note))
    assert 'id="decide"' not in page and 'id="flagged"' in page  # the flag stays on record
    assert "отбелязано: решете" not in quality.get("/register?filter=all").text


def test_entry_page_keeps_a_clerks_own_reason(
    app, sqlite_db: Database, config, clock: Clock
) -> None:
    reg = Messages(sqlite_db, config, clock=clock).submit(
        Draft(kind=Kind.SUGGESTION, text="Пейки в чакалнята.")
    )
    quality = _client(app, "quality")
    token = _csrf(quality, f"/register/{reg.reg_number}")
    quality.post(
        f"/register/{reg.reg_number}/close",
        data={"csrf_token": token, "text": "Повторно подадено"},
    )
    page = quality.get(f"/register/{reg.reg_number}").text
    status = re.search(r'<dd id="status">([^<]*)</dd>', page).group(1)
    assert status.endswith(" · Повторно подадено")


def test_an_answered_entry_shows_its_answer_once(
    app, sqlite_db: Database, config, clock: Clock
) -> None:
    reg = Messages(sqlite_db, config, clock=clock).submit(
        Draft(kind=Kind.COMPLAINT, text="Чаках два часа.", anonymous=True, health_safety=True)
    )
    quality = _client(app, "quality")
    token = _csrf(quality, f"/register/{reg.reg_number}")
    answer = "Отворихме второ гише за местните данъци."
    quality.post(f"/register/{reg.reg_number}/answer", data={"csrf_token": token, "text": answer})
    page = quality.get(f"/register/{reg.reg_number}").text
    # in the answer's own row, with who and when; the status says only that it is answered
    assert page.count(answer) == 1
    assert re.search(r'<dd id="status">отговорено</dd>', page)


def test_an_english_register_names_statuses_and_steps_in_words(
    app, sqlite_db: Database, config, clock: Clock
) -> None:
    messages = Messages(sqlite_db, config, clock=clock)
    closed = messages.submit(Draft(kind=Kind.COMPLAINT, text="Анонимно.", anonymous=True))
    reviewed = messages.submit(
        Draft(kind=Kind.COMPLAINT, text="Грубо.", name="Иван", contact="0888 123 456", consent=True)
    )
    quality = _client(app, "quality")
    token = _csrf(quality, f"/register/{reviewed.reg_number}")
    quality.post("/language", data={"lang": "en", "csrf_token": token})
    quality.post(f"/register/{reviewed.reg_number}/review", data={"csrf_token": token})
    quality.post(f"/register/{reviewed.reg_number}/personal", data={"csrf_token": token})
    listing = quality.get("/register?filter=all").text
    assert ">in review</td>" in listing and ">not subject to review</td>" in listing
    page = quality.get(f"/register/{reviewed.reg_number}").text
    assert '<dd id="status">in review</dd>' in page
    assert " · in review · " in page and " · personal data viewed · " in page
    # the codes the register keeps are never the words a reader gets
    for text in (listing, page):
        assert not re.search(r"\b(in_review|not_subject_to_review|pii_viewed)\b", text)
    assert closed.reg_number in listing


def test_the_registers_alerts_are_not_called_signals(
    app, sqlite_db: Database, config, clock: Clock
) -> None:
    # "Сигнал" is a kind of message (a report of wrongdoing); the card of overdue messages
    # must not read as a list of those
    Messages(sqlite_db, config, clock=clock).submit(
        Draft(kind=Kind.COMPLAINT, text="Чаках два часа.", anonymous=True, health_safety=True)
    )
    clock.advance(days=40)
    listing = _client(app, "quality").get("/register").text
    alerts = re.search(r'<section class="card" id="alerts".*?</section>', listing, re.S)[0]
    assert "<h2>Предупреждения</h2>" in alerts and "просрочено" in alerts
    assert "Сигнал" not in alerts


def test_report_page_and_workbook(app, sqlite_db: Database, config) -> None:
    build_known_month(sqlite_db, config)
    admin = _client(app, "admin")
    page = admin.get("/reports?period=2026-11").text
    assert "Индекс на удовлетвореност (0–100)" in page and "56,2" in page
    xlsx = admin.get("/reports/2026-11.xlsx")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    printable = admin.get("/reports/2026-11/print").text
    assert "data:image/png;base64," in printable and "/reports/report.css" in printable
    assert _client(app, "maria").get("/reports").status_code == 403


#: Babel's full date in Bulgarian, with its narrow no-break space before "г."
THURSDAY = "четвъртък, 3 декември 2026\u202fг."


def test_a_days_report_page_workbook_and_print_count_the_evening(
    app, sqlite_db: Database, config
) -> None:
    day = build_evening(sqlite_db, config).isoformat()
    quality = _client(app, "quality")
    # the page offers today's report and a day to pick, then shows the day asked for
    first = quality.get("/reports").text
    today = re.search(r'href="/reports\?period=([\d-]+)"', first)[1]
    assert today == Clock()().astimezone(config.tz).date().isoformat()
    page = quality.get(f"/reports?period={day}").text
    assert THURSDAY in page
    assert f'type="date" name="period" value="{day}"' in page
    # the one rating, given at 17:36 after the service that went on past closing
    assert "<td>Отчетени оценки</td><td>1</td>" in page
    # waited 16:40 → 17:05 and served 17:05 → 17:35, in minutes
    assert (
        "<td>Гражданско състояние</td><td>1</td><td>25,0</td><td>25,0</td><td>1</td><td>30,0</td>"
        in page
    )
    xlsx = quality.get(f"/reports/{day}.xlsx")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    assert f'filename="report-{day}.xlsx"' in xlsx.headers["content-disposition"]
    book = load_workbook(io.BytesIO(xlsx.content))
    about = {row[0]: row[1] for row in book["report"].iter_rows(values_only=True) if row}
    assert about["Период"] == THURSDAY
    printable = quality.get(f"/reports/{day}/print").text
    assert f"Период: {THURSDAY}" in printable
    assert f"в сравнение с {THURSDAY.replace('3 декември', '26 ноември')}" in printable


def test_handling_steps_and_views_are_under_one_identity_and_refusals_are_the_page(
    app, sqlite_db: Database, config, clock: Clock
) -> None:
    reg = Messages(sqlite_db, config, clock=clock).submit(
        Draft(
            kind=Kind.COMPLAINT,
            text="Грубо отношение.",
            name="Иван Петров",
            contact="0888 123 456",
            consent=True,
        )
    )
    quality = _client(app, "quality")
    token = _csrf(quality, f"/register/{reg.reg_number}")
    quality.post(f"/register/{reg.reg_number}/review", data={"csrf_token": token})
    quality.post(f"/register/{reg.reg_number}/personal", data={"csrf_token": token})
    # a final deadline in 2099: redirected to the entry's page, with the limit in Bulgarian
    # and the typed reason and date in the form again
    refused = quality.post(
        f"/register/{reg.reg_number}/extend",
        data={"csrf_token": token, "text": "Справка.", "final_due_date": "2099-01-01"},
    )
    assert [r.status_code for r in refused.history] == [303]
    assert refused.status_code == 200 and refused.url.path == f"/register/{reg.reg_number}"
    assert "?error=" not in str(refused.url)
    assert ">Справка.</textarea>" in refused.text and 'value="2099-01-01"' in refused.text
    assert "окончателният срок е до два месеца след регистрирането: най-късно 25.01.2027" in (
        refused.text
    )
    past = quality.post(
        f"/register/{reg.reg_number}/extend",
        data={"csrf_token": token, "text": "Справка.", "final_due_date": "2026-11-01"},
    )
    assert "Окончателният срок трябва да е след днешния ден." in past.text
    with sqlite_db.read() as s:
        actors = dict(s.execute(select(MessageEvent.kind, MessageEvent.actor)).all())
    assert actors == {"in_review": "quality", "pii_viewed": "quality"}
    page = quality.get(f"/register/{reg.reg_number}").text
    assert "quality (Гергана)" in page  # the display name beside the username
    quality.post(
        f"/register/{reg.reg_number}/extend",
        data={"csrf_token": token, "text": "Справка от НАП.", "final_due_date": "2027-01-20"},
    )
    letter = quality.get(f"/register/{reg.reg_number}/letter/extension").text
    assert "Гергана" in letter  # a letter is signed with the person's name


def test_a_sites_register_names_the_site_not_its_id(
    app, sqlite_db: Database, config, clock: Clock
) -> None:
    reg = Messages(sqlite_db, config, clock=clock).submit(
        Draft(kind=Kind.COMPLAINT, text="Чаках два часа.", anonymous=True, health_safety=True)
    )
    listing = _client(app, "quality").get("/register").text
    row = re.search(rf"{reg.reg_number}</a></td>(.*?)</tr>", listing, re.S)
    assert row is not None
    assert f"<td>{config.site.name_bg}</td>" in row[1] and config.site.id not in row[1]
