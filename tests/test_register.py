"""The complaint register: statuses, deadlines, letters, personal data views and erasure."""

from __future__ import annotations

import datetime as dt
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from kiosk.db import Database
from kiosk.messages import Draft, Kind, Messages
from kiosk.models import Message, MessageContact, MessageEvent
from kiosk.register import (
    ComplaintDeadlineTooLate,
    DeadlinePast,
    Filter,
    NotAllowed,
    ProposalDeadlineTooLate,
    Register,
    Status,
    WrongState,
)
from tests.support import SOFIA, Clock


@pytest.fixture
def register(db: Database, config, clock: Clock) -> Register:
    return Register(db, config, clock=clock)


def _complaint(db: Database, config, clock: Clock, text: str = "Чаках два часа.") -> Draft:
    box = Messages(db, config, clock=clock)
    return box.submit(
        Draft(
            kind=Kind.COMPLAINT, text=text, name="Иван Петров", contact="0888 123 456", consent=True
        )
    )


def test_a_complaint_goes_from_new_to_extended_to_answered(
    register: Register, db: Database, config, clock: Clock
) -> None:
    reg = _complaint(db, config, clock)
    assert register.entry(reg.uuid).status is Status.NEW
    clock.advance(days=2)
    register.start_review(message_uuid=reg.uuid, actor="quality1")
    clock.advance(days=20)
    extended = register.extend(
        message_uuid=reg.uuid,
        actor="quality1",
        reason="Нужна е справка от НАП.",
        final_due_date=dt.date(2027, 1, 15),
    )
    assert (extended.status, extended.original_due_date, extended.due_date) == (
        Status.EXTENDED,
        dt.date(2026, 12, 25),
        dt.date(2027, 1, 15),
    )
    notice = register.letter(
        message_uuid=reg.uuid, kind=Status.EXTENDED, actor="quality1", role="quality"
    )
    assert notice.body == "Нужна е справка от НАП."
    assert notice.final_due_date == dt.date(2027, 1, 15)
    assert notice.addressee.name == "Иван Петров"
    assert notice.signed_by == "quality1"
    clock.advance(days=10)
    answered = register.answer(message_uuid=reg.uuid, actor="mayor", text="Проверката приключи.")
    assert (answered.status, answered.answer_text, answered.answered_by) == (
        Status.ANSWERED,
        "Проверката приключи.",
        "mayor",
    )
    assert answered.answered_at == clock.now
    kinds = [h.kind for h in register.history(reg.uuid)]
    assert kinds == ["in_review", "extended", "pii_viewed", "answered"]
    with pytest.raises(WrongState):
        register.answer(message_uuid=reg.uuid, actor="mayor", text="again")


def test_extension_needs_reason_and_a_later_deadline(
    register: Register, db: Database, config, clock: Clock
) -> None:
    reg = _complaint(db, config, clock)
    with pytest.raises(WrongState):
        register.extend(
            message_uuid=reg.uuid, actor="q", reason="", final_due_date=dt.date(2027, 1, 15)
        )
    with pytest.raises(WrongState):
        register.extend(
            message_uuid=reg.uuid, actor="q", reason="why", final_due_date=dt.date(2026, 12, 20)
        )


def test_filters_overdue_and_due_this_week(
    register: Register, db: Database, config, clock: Clock
) -> None:
    old = _complaint(db, config, clock, "Първа")  # due 2026-12-25
    clock.advance(days=5)
    week = _complaint(db, config, clock, "Втора")  # due 2026-12-30
    clock.advance(days=5)
    answered = _complaint(db, config, clock, "Трета")  # due 2027-01-04, answered
    register.answer(message_uuid=answered.uuid, actor="q", text="Отговор")
    clock.set(dt.datetime(2026, 12, 26, 9, 0, tzinfo=SOFIA))
    overdue = register.entries(filter=Filter.OVERDUE)
    assert [e.reg_number for e in overdue] == [old.reg_number]
    assert overdue[0].is_overdue(register.today())
    assert [e.reg_number for e in register.entries(filter=Filter.DUE_THIS_WEEK)] == [
        week.reg_number
    ]
    assert [e.reg_number for e in register.entries()] == [
        answered.reg_number,
        week.reg_number,
        old.reg_number,
    ]
    assert len(register.entries(filter=Filter.OPEN)) == 2


def test_personal_data_only_for_admin_and_quality_and_every_view_recorded(
    register: Register, db: Database, config, clock: Clock
) -> None:
    reg = _complaint(db, config, clock)
    with pytest.raises(NotAllowed):
        register.personal_data(message_uuid=reg.uuid, actor="clerk1", role="clerk")
    seen = register.personal_data(message_uuid=reg.uuid, actor="anna", role="admin")
    assert (seen.name, seen.contact) == ("Иван Петров", "0888 123 456")
    register.personal_data(message_uuid=reg.uuid, actor="boris", role="quality")
    with db.read() as s:
        actors = list(
            s.scalars(
                select(MessageEvent.actor)
                .where(MessageEvent.kind == "pii_viewed")
                .order_by(MessageEvent.seq)
            )
        )
    assert actors == ["anna", "boris"]
    assert "Иван" not in repr(register.entry(reg.uuid))


def test_personal_data_of_closed_cases_erased_after_retention(
    register: Register, db: Database, config, clock: Clock
) -> None:
    closed = _complaint(db, config, clock, "Затворена")
    still_open = _complaint(db, config, clock, "Отворена")
    register.answer(message_uuid=closed.uuid, actor="q", text="Отговор")
    clock.advance(days=364)
    assert register.erase_expired() == []
    clock.advance(days=2)
    assert register.erase_expired() == [closed.reg_number]
    with db.read() as s:
        left = list(s.scalars(select(MessageContact.message_uuid)))
        messages = s.scalar(select(func.count()).select_from(Message))
    assert left == [still_open.uuid] and messages == 2
    entry = register.entry(closed.uuid)
    assert entry.status is Status.ANSWERED and not entry.has_personal_data
    assert register.personal_data(message_uuid=closed.uuid, actor="a", role="admin") is None
    assert [h.kind for h in register.history(closed.uuid)][-1] == "pii_erased"


def test_closing_without_review_keeps_the_reason(
    register: Register, db: Database, config, clock: Clock
) -> None:
    box = Messages(db, config, clock=clock)
    anon = box.submit(Draft(kind=Kind.COMPLAINT, text="Груб служител.", anonymous=True))
    assert register.entry(anon.uuid).status is Status.NOT_SUBJECT
    assert register.entry(anon.uuid).status_note == "anonymous"
    reg = _complaint(db, config, clock)
    closed = register.not_subject_to_review(
        message_uuid=reg.uuid, actor="q", reason="Сигнал за нарушение отпреди 3 години"
    )
    assert closed.status is Status.NOT_SUBJECT
    assert closed.status_note == "Сигнал за нарушение отпреди 3 години"
    assert not closed.is_overdue(dt.date(2030, 1, 1))


@pytest.mark.parametrize(
    ("kind", "final", "refusal"),
    [
        # registered 25.11.2026, due 25.12 (complaint) or 25.01.2027; today is 17.12.2026
        (Kind.COMPLAINT, dt.date(2026, 12, 10), DeadlinePast),  # already past
        (Kind.COMPLAINT, dt.date(2099, 1, 1), ComplaintDeadlineTooLate),
        (Kind.COMPLAINT, dt.date(2027, 1, 26), ComplaintDeadlineTooLate),  # 2 months + 1 day
        (Kind.COMPLAINT, dt.date(2027, 1, 25), None),
        (Kind.SUGGESTION, dt.date(2027, 5, 26), ProposalDeadlineTooLate),  # 6 months + 1 day
        (Kind.SUGGESTION, dt.date(2027, 5, 25), None),  # АПК art. 118: six months in all
        (Kind.SIGNAL, dt.date(2099, 12, 31), ProposalDeadlineTooLate),
    ],
)
def test_a_final_deadline_is_after_today_and_within_the_laws_limit(
    register: Register, db: Database, config, clock: Clock, kind: Kind, final, refusal
) -> None:
    # GIVEN a message registered on 25.11.2026, extended three weeks later
    reg = Messages(db, config, clock=clock).submit(
        Draft(kind=kind, text="Текст.", name="Иван Петров", contact="0888 123 456", consent=True)
    )
    clock.advance(days=22)
    extend = dict(message_uuid=reg.uuid, actor="quality1", reason="Справка.", final_due_date=final)
    if refusal is None:
        assert register.extend(**extend).due_date == final
        return
    # WHEN the final deadline is past or beyond the limit THEN it is refused, and nothing stored
    with pytest.raises(refusal) as refused:
        register.extend(**extend)
    if refusal is not DeadlinePast:
        latest = "25.01.2027" if kind is Kind.COMPLAINT else "25.05.2027"
        assert refused.value.params == {"limit": latest}
    assert register.entry(reg.uuid).status is Status.NEW


class _SlowClock(Clock):
    """A clock that takes a while to answer once armed: the time a step's write takes."""

    delay = 0.0

    def __call__(self) -> dt.datetime:
        time.sleep(self.delay)
        return super().__call__()


@pytest.mark.parametrize(
    "act",
    [
        lambda r, uuid, who: r.answer(message_uuid=uuid, actor=who, text=f"Отговор от {who}."),
        lambda r, uuid, who: r.start_review(message_uuid=uuid, actor=who),
    ],
    ids=["answer", "start_review"],
)
def test_of_two_officers_acting_at_once_only_one_step_is_recorded(
    db: Database, config, act
) -> None:
    # GIVEN a new complaint, and a step whose write takes a while
    clock = _SlowClock()
    reg = _complaint(db, config, clock)
    register = Register(db, config, clock=clock)
    clock.delay = 0.3
    start = threading.Barrier(2)

    def officer(who: str) -> str:
        start.wait()
        try:
            act(register, reg.uuid, who)
        except WrongState:
            return "refused"
        return "done"

    # WHEN two officers take the same step at the same moment, each in their own session
    with ThreadPoolExecutor(2) as pool:
        outcomes = sorted(pool.map(officer, ["quality1", "quality2"]))
    # THEN one of them is recorded and the other is told the message moved on
    assert outcomes == ["done", "refused"]
    with db.read() as s:
        steps = s.scalar(
            select(func.count())
            .select_from(MessageEvent)
            .where(MessageEvent.message_uuid == reg.uuid, MessageEvent.kind != "pii_viewed")
        )
    assert steps == 1
