"""The kiosk's "status of my message": the receipt's number and check code give the state and
the due date; wrong pairs are counted per terminal in the database and pause the check."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import update

from kiosk.config import Config
from kiosk.db import Database
from kiosk.message_status import ChecksPaused, StatusCheck, WrongPair, reg_number_for
from kiosk.messages import CHECK_CODE_DIGITS, Draft, Kind, Messages, Registration, spaced_code
from kiosk.models import Message
from kiosk.register import Register, Status
from kiosk.sign_in_limit import SignInLimit
from tests.support import Clock, make_config


def _complaint(db: Database, config: Config, clock: Clock, **draft: object) -> Registration:
    fields: dict[str, object] = {
        "kind": Kind.COMPLAINT,
        "text": "Чаках два часа на гишето.",
        "name": "Иван Петров",
        "contact": "0888 123 456",
        "consent": True,
    }
    return Messages(db, config, clock=clock).submit(Draft(**(fields | draft)))


def _wrong(code: str) -> str:
    return f"{(int(code) + 1) % 10**CHECK_CODE_DIGITS:0{CHECK_CODE_DIGITS}d}"


def test_each_message_gets_its_own_random_check_code_of_six_digits(
    db: Database, config: Config, clock: Clock
) -> None:
    codes = {_complaint(db, config, clock).check_code for _ in range(20)}
    assert all(c is not None and len(c) == 6 and c.isdigit() for c in codes)
    assert len(codes) > 15  # random, not a counter: twenty collide rarely in a million
    assert spaced_code("482917") == "482 917"


def test_the_right_pair_shows_state_and_due_date_only(
    db: Database, config: Config, clock: Clock
) -> None:
    reg = _complaint(db, config, clock)
    assert reg.check_code is not None
    state = StatusCheck(db, config, clock=clock).check(reg.reg_number, spaced_code(reg.check_code))
    assert (state.reg_number, state.status, state.due_date) == (
        reg.reg_number,
        Status.NEW,
        dt.date(2026, 12, 25),
    )
    assert state.answered_on is None
    # nothing the visitor wrote, nor who they are, is in what the kiosk gets
    shown = repr(state)
    assert "Чаках" not in shown and "Иван" not in shown and "0888" not in shown


def test_the_number_typed_without_prefix_or_zeros_finds_the_message(
    db: Database, config: Config, clock: Clock
) -> None:
    reg = _complaint(db, config, clock)
    assert reg.reg_number == "ОЦУИГ-2026-00001"
    assert reg_number_for("2026-1", "ОЦУИГ") == reg.reg_number
    assert reg_number_for(" 2026 00001 ", "ОЦУИГ") == reg.reg_number
    assert reg_number_for("OCUIG-2026-00001", "ОЦУИГ") == reg.reg_number
    assert reg_number_for("17", "ОЦУИГ") is None
    assert reg.check_code is not None
    state = StatusCheck(db, config, clock=clock).check("2026-1", reg.check_code)
    assert state.reg_number == reg.reg_number


def test_a_wrong_code_and_a_wrong_number_are_refused_alike(
    db: Database, config: Config, clock: Clock
) -> None:
    reg = _complaint(db, config, clock)
    assert reg.check_code is not None
    check = StatusCheck(db, config, clock=clock)
    with pytest.raises(WrongPair) as wrong_code:
        check.check(reg.reg_number, _wrong(reg.check_code))
    with pytest.raises(WrongPair) as wrong_number:
        check.check("ОЦУИГ-2026-00002", reg.check_code)
    with pytest.raises(WrongPair) as no_number:
        check.check("", reg.check_code)
    assert wrong_code.value.code == wrong_number.value.code == no_number.value.code
    assert wrong_code.value.params == wrong_number.value.params == {}


def test_a_message_filed_without_a_code_cannot_be_looked_up(
    db: Database, config: Config, clock: Clock
) -> None:
    reg = _complaint(db, config, clock)
    with db.write() as s:  # as messages filed before codes existed, and letters, are
        s.execute(update(Message).values(check_code=None))
    check = StatusCheck(db, config, clock=clock)
    for typed in ("", "\x00" * CHECK_CODE_DIGITS, reg.check_code or ""):
        with pytest.raises(WrongPair):
            check.check(reg.reg_number, typed)


def test_a_message_answered_at_the_site_shows_answered_on_its_day(
    db: Database, config: Config, clock: Clock
) -> None:
    reg = _complaint(db, config, clock)
    clock.advance(days=9)
    Register(db, config, clock=clock).answer(
        message_uuid=reg.uuid, actor="officer", text="Отговорихме писмено."
    )
    assert reg.check_code is not None
    state = StatusCheck(db, config, clock=clock).check(reg.reg_number, reg.check_code)
    assert state.status is Status.ANSWERED
    assert state.answered_on == (reg.registered_at + dt.timedelta(days=9)).date()
    assert state.due_date is None


def test_an_extended_and_a_refused_message(db: Database, config: Config, clock: Clock) -> None:
    register = Register(db, config, clock=clock)
    extended = _complaint(db, config, clock)
    register.extend(
        message_uuid=extended.uuid,
        actor="officer",
        reason="Нужна е проверка на място.",
        final_due_date=dt.date(2027, 1, 20),
    )
    anonymous = _complaint(db, config, clock, name="", contact="", consent=False, anonymous=True)
    check = StatusCheck(db, config, clock=clock)
    assert extended.check_code and anonymous.check_code
    state = check.check(extended.reg_number, extended.check_code)
    assert (state.status, state.due_date) == (Status.EXTENDED, dt.date(2027, 1, 20))
    state = check.check(anonymous.reg_number, anonymous.check_code)
    assert (state.status, state.due_date) == (Status.NOT_SUBJECT, None)


def test_wrong_pairs_pause_the_terminal_across_a_restart_until_the_window_ends(
    db: Database, config: Config, clock: Clock
) -> None:
    reg = _complaint(db, config, clock)
    assert reg.check_code is not None
    attempts = config.register.status_check_attempts
    check = StatusCheck(db, config, clock=clock)
    started = clock()
    for _ in range(attempts - 1):
        with pytest.raises(WrongPair):
            check.check(reg.reg_number, _wrong(reg.check_code))
    assert check.paused_until() is None
    with pytest.raises(ChecksPaused) as paused:  # the last wrong try pauses at once
        check.check(reg.reg_number, _wrong(reg.check_code))
    until = started + dt.timedelta(seconds=config.register.status_check_window_s)
    assert paused.value.until == until
    clock.advance(minutes=5)
    restarted = StatusCheck(db, config, clock=clock)  # a new app on the same file
    assert restarted.paused_until() == until
    with pytest.raises(ChecksPaused):  # even the right pair waits
        restarted.check(reg.reg_number, reg.check_code)
    # the web's sign-ins, counted in the same table with a shorter window, do not end it
    SignInLimit(db, config, clock=clock).admit(username="clerk", address="10.0.0.9")
    assert restarted.paused_until() == until
    clock.set(until + dt.timedelta(seconds=1))
    assert restarted.paused_until() is None
    assert restarted.check(reg.reg_number, reg.check_code).status is Status.NEW


def test_a_pause_ends_when_the_clock_is_set_back(
    db: Database, config: Config, clock: Clock
) -> None:
    # a kiosk clock a day ahead, corrected by NTP after the pause began
    reg = _complaint(db, config, clock)
    assert reg.check_code is not None
    ahead = Clock(clock() + dt.timedelta(days=1))
    check = StatusCheck(db, config, clock=ahead)
    for _ in range(config.register.status_check_attempts - 1):
        with pytest.raises(WrongPair):
            check.check(reg.reg_number, _wrong(reg.check_code))
    with pytest.raises(ChecksPaused):
        check.check(reg.reg_number, _wrong(reg.check_code))
    corrected = StatusCheck(db, config, clock=clock)
    assert corrected.paused_until() is None
    assert corrected.check(reg.reg_number, reg.check_code).status is Status.NEW


def test_right_pairs_give_their_try_back_and_terminals_count_apart(
    db: Database, tmp_path, clock: Clock
) -> None:
    config = make_config(tmp_path, register__status_check_attempts=2)
    other = make_config(
        tmp_path, register__status_check_attempts=2, feedback__terminal_id="kiosk-2"
    )
    reg = _complaint(db, config, clock)
    assert reg.check_code is not None
    check = StatusCheck(db, config, clock=clock)
    for _ in range(5):
        assert check.check(reg.reg_number, reg.check_code).status is Status.NEW
    with pytest.raises(WrongPair):
        check.check(reg.reg_number, _wrong(reg.check_code))
    with pytest.raises(ChecksPaused):
        check.check(reg.reg_number, _wrong(reg.check_code))
    assert StatusCheck(db, other, clock=clock).check(reg.reg_number, reg.check_code)
