"""What the domain hands a printer: slips built from an issued ticket and a registration,
and the printer's latest recorded state that staff see."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from sqlalchemy import select

from devices.printer import VirtualPrinter
from devices.render import decode
from kiosk.catalog import ensure_catalog, load_catalog
from kiosk.config import Config
from kiosk.db import Database
from kiosk.health import Health
from kiosk.messages import Draft, Kind, Messages
from kiosk.models import DeviceEvent
from kiosk.printing import complaint_receipt, ticket_slip
from kiosk.queue import Queue
from tests.support import Clock


@pytest.mark.parametrize(
    ("language", "category", "site"),
    [
        ("bg", "Гражданско състояние (ГРАО)", "Община Твърдица"),
        ("en", "Civil status", "Tvarditsa Municipality"),
    ],
)
def test_ticket_slip_is_the_issued_ticket_in_the_visitors_language(
    sqlite_db: Database, config: Config, clock: Clock, language: str, category: str, site: str
) -> None:
    # GIVEN one visitor already waiting and a catalogue service of the civil status counters
    ensure_catalog(sqlite_db)
    service = next(s for s in load_catalog(sqlite_db).services if s.counter_group == "grao")
    queue = Queue(sqlite_db, config, clock=clock)
    queue.issue(category="А")
    # WHEN the next ticket is issued and its slip built
    issued = queue.issue(category="А", service_id=service.id)
    slip = ticket_slip(issued=issued, config=config, service=service, language=language)
    # THEN the slip carries the ticket's number, texts in that language and local time
    assert (slip.label, slip.people_ahead, slip.counters) == ("А002", 1, (1, 2))
    assert (slip.category_name, slip.site_name) == (category, site)
    assert slip.service_name == service.name.get(language)
    assert slip.issued_at == dt.datetime(2026, 11, 25, 10, 0, tzinfo=config.tz)
    assert slip.issued_at.utcoffset() == dt.timedelta(hours=2)
    assert slip.qr_url == config.site.feedback_url
    assert slip.ticket_uuid == issued.uuid
    assert slip.estimated_wait_minutes == issued.estimated_wait_minutes


def test_ticket_slip_without_a_service_names_only_the_category(
    sqlite_db: Database, config: Config, clock: Clock
) -> None:
    issued = Queue(sqlite_db, config, clock=clock).issue(category="Б")
    slip = ticket_slip(issued=issued, config=config, service=None, language="bg")
    assert (slip.label, slip.service_name, slip.people_ahead) == ("Б001", None, 0)
    assert slip.category_name == "Местни данъци и такси"


def test_complaint_receipt_shows_number_due_date_and_status_as_text(
    sqlite_db: Database, config: Config, clock: Clock
) -> None:
    box = Messages(sqlite_db, config, clock=clock)
    named = box.submit(
        Draft(
            kind=Kind.COMPLAINT,
            text="Чаках два часа.",
            name="Иван Петров",
            contact="ivan@example.invalid",
            consent=True,
        )
    )
    anonymous = box.submit(Draft(kind=Kind.COMPLAINT, text="Грубо отношение.", anonymous=True))

    receipt = complaint_receipt(registration=named, config=config, language="bg")
    assert receipt.reg_number == named.reg_number == "ОЦУИГ-2026-00001"
    assert receipt.due_date == dt.date(2026, 12, 25)  # the charter's one month
    assert (receipt.kind, receipt.review_status, receipt.review_note) == (
        "complaint",
        "Регистрирано",
        None,
    )
    assert receipt.registered_at == dt.datetime(2026, 11, 25, 10, 0, tzinfo=config.tz)

    refused = complaint_receipt(registration=anonymous, config=config, language="en")
    assert refused.due_date is None
    assert (refused.review_status, refused.review_note) == ("Not subject to review", "anonymous")


def test_device_state_is_the_latest_event_of_that_device(
    sqlite_db: Database, config: Config, clock: Clock
) -> None:
    health = Health(sqlite_db, config, clock=clock)
    assert health.device_state(device="printer") is None
    ticket = uuid.uuid4()
    health.record_device(device="printer", status="paper_near_end")
    clock.advance(minutes=5)
    health.record_device(
        device="printer", status="paper_out", detail="DLE EOT 4", ticket_uuid=ticket
    )
    clock.advance(minutes=1)
    health.record_device(device="scanner", status="ok")

    state = health.device_state(device="printer")
    assert state is not None
    assert (state.status, state.detail) == ("paper_out", "DLE EOT 4")
    assert state.at == clock.now - dt.timedelta(minutes=1)
    with sqlite_db.read() as s:
        tied = s.scalars(select(DeviceEvent.status).where(DeviceEvent.ticket_uuid == ticket)).all()
    assert tied == ["paper_out"]


def test_an_unsure_wait_is_printed_as_a_range(
    sqlite_db: Database, config: Config, clock: Clock
) -> None:
    # GIVEN a long queue at the one counter group of В
    queue = Queue(sqlite_db, config, clock=clock)
    for _ in range(12):
        queue.issue(category="В")
    issued = queue.issue(category="В")
    assert issued.wait_range is not None
    low, high = issued.wait_range
    # WHEN its ticket is printed, THEN the paper says the range, not one number
    printer = VirtualPrinter(config.data_dir / "printer")
    printer.print_ticket(ticket_slip(issued=issued, config=config, service=None, language="bg"))
    lines = decode(printer.jobs[-1]).text.splitlines()
    assert f"Очаквано чакане: от {low} до {high} минути" in lines


def _printed_receipt(
    db: Database, config: Config, clock: Clock, language: str
) -> tuple[str, list[str]]:
    """A suggestion sent, and the lines of its receipt in `language`: (number, lines)."""
    registration = Messages(db, config, clock=clock).submit(
        Draft(kind=Kind.SUGGESTION, text="Пейки в чакалнята.")
    )
    printer = VirtualPrinter(config.data_dir / "printer")
    printer.print_receipt(
        complaint_receipt(registration=registration, config=config, language=language)
    )
    return registration.reg_number, decode(printer.jobs[-1]).text.splitlines()


@pytest.mark.parametrize(
    ("language", "registered", "due"),
    [
        ("bg", "Регистрирано на 25.11.2026 10:00", "Срок за отговор: 25.01.2027"),
        ("en", "Registered on 2026-11-25 10:00", "Answer due by 2027-01-25"),
    ],
)
def test_a_receipt_writes_both_its_dates_alike(
    sqlite_db: Database, config: Config, clock: Clock, language: str, registered: str, due: str
) -> None:
    _, lines = _printed_receipt(sqlite_db, config, clock, language)
    assert registered in lines and due in lines


@pytest.mark.parametrize(
    ("language", "latin"),
    [("en", "(in Latin letters: OTSUIG-2026-00001)"), ("bg", None)],
)
def test_an_english_receipt_gives_the_number_in_latin_letters_too(
    sqlite_db: Database, config: Config, clock: Clock, language: str, latin: str | None
) -> None:
    # an English reader quotes the number on the paper as the screen gave it
    reg_number, lines = _printed_receipt(sqlite_db, config, clock, language)
    number = lines.index(reg_number)
    if latin is None:
        assert not any("латински" in line or "Latin" in line for line in lines)
    else:
        assert lines[number + 1] == latin
