"""Messages from every channel (issue #16.3): the day received starts the deadline, the scanned
letter is checked by its bytes, opened only by PII roles as a recorded view, and erased with
the contact data at the site and at the centre (real PostgreSQL)."""

from __future__ import annotations

import base64
import datetime as dt
import re
from pathlib import Path
from urllib.parse import unquote

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, func, select, text

from kiosk.attachments import (
    AttachmentEmpty,
    AttachmentNotAllowed,
    AttachmentTooLarge,
    AttachmentType,
    check_scan,
)
from kiosk.config import Config
from kiosk.db import Database
from kiosk.messages import Draft, Kind, MessageInvalid, Messages
from kiosk.models import Message, MessageAttachment, MessageContact, MessageEvent
from kiosk.register import NotAllowed, Register
from kiosk.reports.compute import Period, compute_report
from kiosk.reports.tables import report_tables
from kiosk.staff import Role, Staff
from kiosk.vocabulary import Channel, MessageEventKind
from kiosk.web.app import create_app
from sync.job import run_sync
from tests.support import SOFIA, Clock, make_config, upgraded
from tests.sync_data import new_site_id
from tests.sync_fixtures import CentralServer
from tests.web_fixtures import PASSWORD, add_staff

MB = 1024 * 1024
#: the clock's day is Wednesday 25 November 2026 (tests.support.WORKING_MORNING)
LAST_MONDAY = dt.date(2026, 11, 23)
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(13)
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(20)
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + bytes(56)


def letter(**fields: object) -> Draft:
    values: dict[str, object] = {
        "kind": Kind.COMPLAINT,
        "channel": Channel.LETTER,
        "received_on": LAST_MONDAY,
        "text": "Пиша ви по повод уличното осветление на ул. Георги Бенковски.",
        "name": "Иван Петров",
        "contact": "0888 123 456",
        "consent": True,
    }
    return Draft(**(values | fields))  # type: ignore[arg-type]


@pytest.fixture
def box(sqlite_db: Database, config: Config, clock: Clock) -> Messages:
    return Messages(sqlite_db, config, clock=clock)


# --- the day received and the channel ---------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "field", "problem"),
    [
        ({"received_on": None}, "received_on", "required"),
        ({"received_on": dt.date(2026, 11, 26)}, "received_on", "future"),
        ({"received_on": dt.date(2026, 10, 24)}, "received_on", "too_early"),
        ({"channel": Channel.PHONE, "contact": "звънете ми"}, "contact", "invalid"),
        ({"channel": Channel.IN_PERSON, "consent": False}, "consent", "required"),
        ({"channel": Channel.EMAIL, "text": "  \u200b "}, "text", "empty"),
    ],
)
def test_a_registration_is_refused_with_the_field_and_why(
    box: Messages, sqlite_db: Database, fields: dict, field: str, problem: str
) -> None:
    with pytest.raises(MessageInvalid) as refused:
        box.submit(letter(**fields))
    assert (refused.value.field, refused.value.problem) == (field, problem)
    with sqlite_db.read() as s:
        assert s.scalar(select(func.count()).select_from(Message)) == 0


def test_the_deadline_counts_from_the_day_received_not_the_day_typed_in(
    box: Messages, sqlite_db: Database
) -> None:
    reg = box.submit(letter())
    assert reg.registered_at.astimezone(SOFIA).date() == dt.date(2026, 11, 25)
    assert reg.due_date == dt.date(2026, 12, 23)  # a month from Monday, not from Wednesday
    # the earliest day the charter allows, and a suggestion's two months
    early = box.submit(letter(received_on=dt.date(2026, 10, 25), kind=Kind.SUGGESTION))
    assert early.due_date == dt.date(2026, 12, 25)
    with sqlite_db.read() as s:
        stored = s.scalars(select(Message).where(Message.uuid == reg.uuid)).one()
    assert (stored.channel, stored.received_on) == (Channel.LETTER, LAST_MONDAY)
    assert stored.terminal_id is None  # staff registered it: no kiosk terminal filed it
    entry = Register(box.db, box.config, clock=box.clock).entry(reg.uuid)
    assert (entry.channel, entry.received_on, entry.due_date) == (
        Channel.LETTER,
        LAST_MONDAY,
        dt.date(2026, 12, 23),
    )


def test_the_kiosk_keeps_its_day_of_filing(box: Messages) -> None:
    reg = box.submit(letter(channel=Channel.KIOSK, received_on=LAST_MONDAY))
    assert reg.channel is Channel.KIOSK and reg.received_on is None
    assert reg.due_date == dt.date(2026, 12, 25)


# --- the scanned letter ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data", "media_type", "stored_name"),
    [
        ("писмо.pdf", PDF, "application/pdf", "писмо.pdf"),
        ("scan.jpg", PDF, "application/pdf", "scan.pdf"),  # a PDF renamed .jpg is a PDF
        ("C:\\Users\\sekr\\скан.PNG", PNG, "image/png", "скан.png"),
        ("photo.jpeg", JPEG, "image/jpeg", "photo.jpg"),
        ("exactly.pdf", PDF + bytes(10 * MB - len(PDF)), "application/pdf", "exactly.pdf"),
    ],
)
def test_a_scan_is_typed_by_its_bytes(
    name: str, data: bytes, media_type: str, stored_name: str
) -> None:
    scan = check_scan(name, data, max_bytes=10 * MB)
    assert (scan.media_type, scan.filename, scan.data) == (media_type, stored_name, data)


@pytest.mark.parametrize(
    ("name", "data", "refusal"),
    [
        ("letter.pdf", EXE, AttachmentType),  # a program renamed .pdf
        ("notes.pdf", b"just some text", AttachmentType),
        ("empty.pdf", b"", AttachmentEmpty),
        ("big.pdf", PDF + bytes(10 * MB + 1 - len(PDF)), AttachmentTooLarge),  # 10 MB + 1
    ],
)
def test_a_scan_is_refused_when_empty_too_large_or_not_a_scan(
    name: str, data: bytes, refusal: type
) -> None:
    with pytest.raises(refusal):
        check_scan(name, data, max_bytes=10 * MB)


def test_only_pii_roles_open_the_scan_and_each_view_is_recorded(
    box: Messages, sqlite_db: Database
) -> None:
    reg = box.submit(letter(), scan=check_scan("писмо.pdf", PDF, max_bytes=MB))
    register = Register(box.db, box.config, clock=box.clock)
    (info,) = register.scans(reg.uuid)
    with pytest.raises(AttachmentNotAllowed):
        register.open_scan(
            message_uuid=reg.uuid, attachment_uuid=info.uuid, actor="maria", role="clerk"
        )
    with pytest.raises(AttachmentNotAllowed):
        register.open_scan(
            message_uuid=reg.uuid, attachment_uuid=info.uuid, actor="one", role="auditor"
        )
    opened, data = register.open_scan(
        message_uuid=reg.uuid, attachment_uuid=info.uuid, actor="quality", role="quality"
    )
    assert data == PDF and opened.media_type == "application/pdf"
    with sqlite_db.read() as s:
        views = s.execute(
            select(MessageEvent.actor, MessageEvent.text).where(
                MessageEvent.kind == MessageEventKind.PII_VIEWED
            )
        ).all()
    assert views == [("quality", "attachment:писмо.pdf")]


def _erase_after_a_year(box: Messages, clock: Clock, *, anonymous: bool = False) -> Register:
    register = Register(box.db, box.config, clock=clock)
    fields = {"anonymous": True, "name": "", "contact": ""} if anonymous else {}
    reg = box.submit(letter(**fields), scan=check_scan("писмо.pdf", PDF, max_bytes=MB))
    if anonymous:  # an anonymous complaint is closed at once as not subject to review
        assert reg.review_status == "not_subject_to_review"
    else:
        register.answer(message_uuid=reg.uuid, actor="quality", text="Отговорихме писмено.")
    clock.advance(days=366)
    assert register.erase_expired() == [reg.reg_number]
    return register


@pytest.mark.parametrize("anonymous", [False, True])
def test_retention_erases_the_scan_with_the_contact(
    box: Messages, sqlite_db: Database, clock: Clock, anonymous: bool
) -> None:
    _erase_after_a_year(box, clock, anonymous=anonymous)
    with sqlite_db.read() as s:
        for table in (MessageAttachment, MessageContact):
            assert s.scalar(select(func.count()).select_from(table)) == 0
        assert s.scalar(select(func.count()).select_from(Message)) == 1


def test_reports_count_messages_by_channel(box: Messages, sqlite_db: Database) -> None:
    box.submit(letter())
    box.submit(letter(channel=Channel.PHONE))
    box.submit(letter(channel=Channel.PHONE, kind=Kind.PRAISE))
    box.submit(letter(channel=Channel.KIOSK))
    report = compute_report(
        sqlite_db, period=Period.parse("2026-11"), tz=SOFIA, sites=None, as_of=dt.date(2026, 12, 1)
    )
    assert report.complaints.by_channel == {"letter": 1, "phone": 2, "kiosk": 1}
    (table,) = [t for t in report_tables(report, "bg") if t.key == "messages_by_channel"]
    assert table.rows == (("Киоск", 1), ("Писмо", 1), ("Телефон", 2))


# --- the site's web -----------------------------------------------------------------------


def _signed_in(app, username: str) -> tuple[TestClient, str]:
    client = TestClient(app)
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)[1]
    client.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": token})
    form = client.get("/register/new")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    return client, token[1] if token else ""


@pytest.fixture
def app(sqlite_db: Database, config: Config, clock: Clock):
    add_staff(sqlite_db, config, clock)
    Staff(sqlite_db, config, clock=clock).add(
        username="quality", password=PASSWORD, role=Role.QUALITY, display_name="Гергана"
    )
    return create_app(config, sqlite_db, clock=clock)


FORM = {
    "channel": "letter",
    "received_on": LAST_MONDAY.isoformat(),
    "kind": "complaint",
    "text": "Пиша ви по повод уличното осветление.",
    "name": "Иван Петров",
    "contact": "0888 123 456",
    "consent": "true",
}


@pytest.mark.parametrize(
    ("fields", "file", "says"),
    [
        ({"received_on": "2026-11-30"}, None, "не може да е след днешната"),
        ({"received_on": "2026-10-01"}, None, "най-рано 25.10.2026"),
        ({"consent": ""}, None, "съгласието на подателя"),
        ({}, ("letter.pdf", EXE), "не е PDF, JPEG или PNG"),
        ({}, ("empty.pdf", b""), "файл е празен"),
        ({}, ("big.pdf", PDF + bytes(10 * MB + 1 - len(PDF))), "по-голям от 10 MB"),
    ],
)
def test_a_refused_form_keeps_what_was_typed_and_says_why_in_bulgarian(
    app, sqlite_db: Database, fields: dict, file: tuple[str, bytes] | None, says: str
) -> None:
    client, token = _signed_in(app, "quality")
    data = FORM | {"csrf_token": token} | fields
    files = {"scan": (file[0], file[1], "application/pdf")} if file else None
    response = client.post("/register/new", data=data, files=files)
    assert response.status_code == 422
    assert says in response.text
    assert "Пиша ви по повод уличното осветление." in response.text
    assert 'value="Иван Петров"' in response.text and 'value="0888 123 456"' in response.text
    with sqlite_db.read() as s:
        assert s.scalar(select(func.count()).select_from(Message)) == 0


def test_the_body_limit_is_raised_only_for_the_form(app) -> None:
    client, token = _signed_in(app, "quality")
    filler = {"csrf_token": token, "text": "a" * (100 * 1024)}
    assert client.post("/register/REG-1/answer", data=filler).status_code == 413
    response = client.post("/register/new", data=FORM | filler)
    assert response.status_code == 422  # reached the form: the text is over the kiosk's limit
    assert "по-дълъг от" in response.text


def test_a_clerk_gets_403_on_the_scan_and_on_the_contact(
    app, sqlite_db: Database, config: Config, clock: Clock
) -> None:
    quality, token = _signed_in(app, "quality")
    registered = quality.post(
        "/register/new",
        data=FORM | {"csrf_token": token},
        files={"scan": ("писмо.pdf", PDF, "application/pdf")},
        follow_redirects=False,
    )
    assert registered.status_code == 303
    entry_path = unquote(registered.headers["location"])
    page = quality.get(entry_path).text
    assert "23.12.2026" in page and "писмо.pdf" in page
    download = re.search(r'href="(/register/[^"]+/attachments/[^"]+)"', page)[1]

    clerk, _ = _signed_in(app, "maria")
    assert clerk.get(download).status_code == 403
    clerk_token = re.search(r'name="csrf-token" content="([^"]+)"', clerk.get("/board").text)[1]
    personal = clerk.post(f"{entry_path}/personal", data={"csrf_token": clerk_token})
    assert personal.status_code == 403
    with pytest.raises(NotAllowed):  # the domain refuses too, whatever the route
        reg = Register(sqlite_db, config, clock=clock).find(entry_path.rsplit("/", 1)[1])
        Register(sqlite_db, config, clock=clock).personal_data(
            message_uuid=reg.uuid, actor="maria", role="clerk"
        )

    got = quality.get(download)
    assert got.status_code == 200 and got.content == PDF
    assert got.headers["content-type"] == "application/pdf"
    assert "attachment;" in got.headers["content-disposition"]
    with sqlite_db.read() as s:
        views = s.scalars(
            select(MessageEvent.actor).where(MessageEvent.kind == MessageEventKind.PII_VIEWED)
        ).all()
    assert views == ["quality"]  # the refused ones recorded nothing


# --- at the centre (real PostgreSQL) ------------------------------------------------------


def test_retention_erases_the_scan_at_the_centre_too(
    central_server: CentralServer, tmp_path: Path
) -> None:
    central = central_server.new_central()
    clock = Clock()
    sites = []
    for _ in range(2):
        site_id = new_site_id()
        config = make_config(tmp_path / site_id, site__id=site_id)
        db = upgraded(f"sqlite:///{tmp_path / site_id}.sqlite", config)
        target = central_server.site_target(central, central_server.add_site(central, site_id))
        sites.append((site_id, db, target, Messages(db, config, clock=clock)))

    def sync(db: Database, target: object) -> None:
        outcome = run_sync(db, target, batch_size=5, time_budget_s=30)
        assert outcome.ok, outcome.error

    for _site_id, db, target, box in sites:
        box.submit(letter(), scan=check_scan("писмо.pdf", PDF, max_bytes=MB))
        sync(db, target)

    engine = create_engine(central)

    def central_scans(site_id: str) -> list[str]:
        with engine.connect() as conn:
            return list(
                conn.execute(
                    text("SELECT content_b64 FROM message_attachments WHERE site_id = :s"),
                    {"s": site_id},
                ).scalars()
            )

    (a_id, a_db, a_target, a_box), (b_id, *_rest) = sites
    assert [base64.b64decode(c) for c in central_scans(a_id)] == [PDF]
    # a year after the answer, the site erases and its next sync erases the centre's copy
    register = Register(a_db, a_box.config, clock=clock)
    (message,) = register.entries()
    register.answer(message_uuid=message.uuid, actor="quality", text="Отговорихме.")
    clock.advance(days=366)
    assert register.erase_expired() == [message.reg_number]
    sync(a_db, a_target)
    assert central_scans(a_id) == []
    assert len(central_scans(b_id)) == 1  # the other site's letter stays
    with engine.connect() as conn:
        assert (
            conn.execute(
                text("SELECT count(*) FROM messages WHERE site_id = :s"), {"s": a_id}
            ).scalar_one()
            == 1
        )
    engine.dispose()
    for _site_id, db, *_ in sites:
        db.dispose()
