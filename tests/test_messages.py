"""Written messages follow the charter: registered, due dates, anonymous and abusive ones."""

from __future__ import annotations

import dataclasses
import datetime as dt
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from kiosk.db import Database
from kiosk.messages import (
    Draft,
    Kind,
    MessageInvalid,
    Messages,
    ReviewNote,
    ReviewStatus,
    clean_text,
    due_date,
    flagged_wording,
)
from kiosk.models import Message, MessageContact
from tests.support import SOFIA, Clock


@pytest.fixture
def box(db: Database, config, clock: Clock) -> Messages:
    return Messages(db, config, clock=clock)


def _count(db: Database, table: type) -> int:
    with db.read() as s:
        return s.scalar(select(func.count()).select_from(table))


def test_a_complaint_with_contact_is_due_in_one_calendar_month(box: Messages, db: Database) -> None:
    reg = box.submit(
        Draft(
            kind=Kind.COMPLAINT,
            text="Чаках два часа.",
            name="Иван Петров",
            contact="0888 123 456",
            consent=True,
        )
    )
    assert reg.review_status is ReviewStatus.REGISTERED
    assert reg.due_date == dt.date(2026, 12, 25)
    assert reg.reg_number == "ОЦУИГ-2026-00001"
    with db.read() as s:
        contact = s.scalars(select(MessageContact)).one()
        message = s.scalars(select(Message)).one()
    assert (contact.name, contact.contact, contact.consent) == ("Иван Петров", "0888 123 456", True)
    assert "Иван" not in message.text and not message.anonymous


@pytest.mark.parametrize(
    ("kind", "day", "due"),
    [
        (Kind.COMPLAINT, dt.date(2027, 1, 31), dt.date(2027, 2, 28)),
        (Kind.COMPLAINT, dt.date(2028, 1, 31), dt.date(2028, 2, 29)),
        (Kind.SUGGESTION, dt.date(2026, 12, 31), dt.date(2027, 2, 28)),
        (Kind.SIGNAL, dt.date(2026, 11, 25), dt.date(2027, 1, 25)),
        (Kind.PRAISE, dt.date(2026, 11, 25), None),
        (Kind.OPINION, dt.date(2026, 11, 25), None),
    ],
)
def test_due_dates(kind: Kind, day: dt.date, due: dt.date | None) -> None:
    assert due_date(kind, day) == due


def test_anonymous_complaint_is_stored_but_not_reviewed(box: Messages, db: Database) -> None:
    reg = box.submit(Draft(kind=Kind.COMPLAINT, text="Служителят беше груб.", anonymous=True))
    assert (reg.review_status, reg.review_note, reg.due_date) == (
        ReviewStatus.NOT_SUBJECT_TO_REVIEW,
        ReviewNote.ANONYMOUS,
        None,
    )
    assert _count(db, Message) == 1 and _count(db, MessageContact) == 0


@pytest.mark.parametrize(
    ("kind", "due"), [(Kind.COMPLAINT, dt.date(2026, 12, 25)), (Kind.SIGNAL, dt.date(2027, 1, 25))]
)
def test_anonymous_complaint_about_health_or_safety_is_reviewed(
    box: Messages, kind: Kind, due: dt.date
) -> None:
    reg = box.submit(
        Draft(
            kind=kind,
            text="Падаща мазилка над входа на училището.",
            anonymous=True,
            health_safety=True,
        )
    )
    assert (reg.review_status, reg.review_note) == (ReviewStatus.REGISTERED, None)
    assert reg.due_date == due


@pytest.mark.parametrize(
    ("local", "due"),
    [
        # 31 January: a calendar month later is the last day of February
        (dt.datetime(2027, 1, 31, 23, 30), dt.date(2027, 2, 28)),
        # half an hour later it is 1 February in Tvarditsa (still 31 January in UTC)
        (dt.datetime(2027, 2, 1, 0, 30), dt.date(2027, 3, 1)),
    ],
)
def test_due_date_counts_from_the_local_day_of_registration(
    box: Messages, clock: Clock, local: dt.datetime, due: dt.date
) -> None:
    clock.set(local.replace(tzinfo=SOFIA))
    draft = Draft(kind=Kind.COMPLAINT, text="Няма отговор.", name="Ана", contact="ana@abv.bg")
    reg = box.submit(dataclasses.replace(draft, consent=True))
    assert reg.due_date == due and reg.reg_number.startswith("ОЦУИГ-2027-")


def test_offensive_wording_is_registered_as_usual_and_flagged_for_the_officer(
    box: Messages, db: Database
) -> None:
    # GIVEN a complaint with name, contact and consent whose wording the list flags
    reg = box.submit(
        Draft(
            kind=Kind.COMPLAINT,
            text="служителите са идиоти",
            name="Х",
            contact="x@example.bg",
            consent=True,
        )
    )
    # THEN it is registered, due in a month like any other: the flag is only a suggestion
    assert reg.flagged and reg.review_status is ReviewStatus.REGISTERED
    assert reg.review_note is None and reg.due_date is not None
    with db.read() as s:
        row = s.scalars(select(Message)).one()
    assert (row.text, row.obscene, row.review_status) == (
        "служителите са идиоти",
        True,
        "registered",
    )
    assert not box.submit(Draft(kind=Kind.OPINION, text="Благодаря за курса по компютри")).flagged


def test_the_form_can_ask_before_sending_which_words_flag() -> None:
    draft = Draft(kind=Kind.OPINION, text="Шибаната опашка!", name="Идиот Иванов")
    assert flagged_wording(draft) == ("шибаната", "идиот")


@pytest.mark.parametrize(
    ("draft", "field", "problem"),
    [
        (Draft(kind=Kind.OPINION, text="   "), "text", "empty"),
        (Draft(kind=Kind.OPINION, text="а" * 2001), "text", "too_long"),
        (Draft(kind=Kind.COMPLAINT, text="Жалба"), "name", "required"),
        (
            Draft(kind=Kind.COMPLAINT, text="Жалба", name="Мария", contact="ул. Роза 3"),
            "contact",
            "invalid",
        ),
        (
            Draft(kind=Kind.COMPLAINT, text="Жалба", name="Мария", contact="m@abv.bg"),
            "consent",
            "required",
        ),
    ],
)
def test_invalid_drafts_are_refused_and_nothing_is_stored(
    box: Messages, db: Database, draft: Draft, field: str, problem: str
) -> None:
    with pytest.raises(MessageInvalid) as info:
        box.submit(draft)
    assert (info.value.field, info.value.problem) == (field, problem)
    assert _count(db, Message) == 0


def test_control_characters_are_stripped_not_the_message(box: Messages, db: Database) -> None:
    assert clean_text("Добър\x00 ден\u202e!\r\nБлагодаря\x07") == "Добър ден!\nБлагодаря"
    box.submit(Draft(kind=Kind.PRAISE, text="\x1b[31mБлагодаря\u200b на Гише 2!\x00 "))
    with db.read() as s:
        assert s.scalar(select(Message.text)) == "[31mБлагодаря на Гише 2!"


def test_the_length_limit_is_counted_on_the_cleaned_text(box: Messages, db: Database) -> None:
    limit = box.max_text
    box.submit(Draft(kind=Kind.OPINION, text="д" * limit + "\x00" * 10))  # exactly at the limit
    with pytest.raises(MessageInvalid, match=f"longer than {limit} characters"):
        box.submit(Draft(kind=Kind.OPINION, text="д" * (limit + 1)))
    with pytest.raises(MessageInvalid, match="the name is longer than 200 characters"):
        box.submit(
            Draft(
                kind=Kind.COMPLAINT,
                text="Жалба",
                name="И" * 201,
                contact="0888123456",
                consent=True,
            )
        )
    assert _count(db, Message) == 1 and _count(db, MessageContact) == 0


def test_a_refused_draft_takes_no_registration_number(box: Messages) -> None:
    first = box.submit(Draft(kind=Kind.OPINION, text="Добре е."))
    with pytest.raises(MessageInvalid):
        box.submit(Draft(kind=Kind.SIGNAL, text="Сигнал", name="Петър", contact="?"))
    second = box.submit(Draft(kind=Kind.OPINION, text="Пак добре."))
    assert (first.reg_number, second.reg_number) == ("ОЦУИГ-2026-00001", "ОЦУИГ-2026-00002")


def test_registration_numbers_run_per_year(box: Messages, clock: Clock) -> None:
    numbers = [box.submit(Draft(kind=Kind.PRAISE, text="Браво!")).reg_number for _ in range(3)]
    clock.set(dt.datetime(2027, 1, 4, 9, 0, tzinfo=SOFIA))
    numbers.append(box.submit(Draft(kind=Kind.PRAISE, text="Браво!")).reg_number)
    assert numbers == [
        "ОЦУИГ-2026-00001",
        "ОЦУИГ-2026-00002",
        "ОЦУИГ-2026-00003",
        "ОЦУИГ-2027-00001",
    ]


def test_registration_numbers_stay_gap_free_when_terminals_submit_at_once(
    box: Messages, db: Database
) -> None:
    # four terminals (threads with their own connections) register ten messages each
    def terminal(n: int) -> list[str]:
        return [
            box.submit(
                Draft(kind=Kind.OPINION, text=f"Мнение {i}"), terminal_id=f"kiosk-{n}"
            ).reg_number
            for i in range(10)
        ]

    with ThreadPoolExecutor(max_workers=4) as pool:
        numbers = [reg for batch in pool.map(terminal, range(4)) for reg in batch]
    assert sorted(numbers) == [f"ОЦУИГ-2026-{n:05d}" for n in range(1, 41)]
    assert _count(db, Message) == 40
