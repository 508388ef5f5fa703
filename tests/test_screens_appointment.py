""" "I have an appointment" on the real Kivy app: the booking's code typed on the digit pad
gives the ticket with the appointment's time (or the late rule), printed; refusals in words;
two visitors in a row, the second starting from the defaults."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest

from kiosk.models import Appointment
from kiosk.vocabulary import BookingStatus
from tests.screens_touch import tap, texts, type_keys, wait_for
from tests.support import SOFIA, Clock


@pytest.fixture(autouse=True)
def kiosk_time(app: Any) -> None:
    """The check-in screen on the kiosk's own clock: `scenes.show`, which other files' tests
    run in this process, moves that screen's clock hours ahead for its pictures of wrong codes."""
    app.screen("appointment").desk.clock = app.clock


def book(app: Any, hour: int, minute: int = 0, *, days: int = 0, **fields: Any) -> str:
    """A booking of category Б at the app's site, pulled from the centre; returns its code."""
    day = app.clock().astimezone(SOFIA).date() + dt.timedelta(days=days)
    starts_at = dt.datetime.combine(day, dt.time(hour, minute), SOFIA).astimezone(dt.UTC)
    code = f"{uuid.uuid4().int % 10**6:06d}"
    with app.db.write() as s:
        s.add(
            Appointment(
                booking_id=uuid.uuid4(),
                code=code,
                site_id=app.kiosk_config.site_id,
                category_code="Б",
                service_id=fields.pop("service_id", None),
                starts_at=starts_at,
                slot_minutes=30,
                status=fields.pop("status", BookingStatus.BOOKED),
                name="Мария Георгиева",
                updated_at=starts_at - dt.timedelta(days=2),
            )
        )
    return code


def check_in_screen(app: Any) -> Any:
    tap(app.root.manager.current_screen)  # the attract screen
    tap(app.root.manager.current_screen.ids.appointment)
    screen = app.root.manager.current_screen
    assert screen.name == "appointment" and screen.step == "ask"
    return screen


def enter(screen: Any, code: str) -> None:
    keyboard = screen.ids.keyboard
    tap(screen.ids.code)
    assert keyboard.shown and keyboard.layout == "code"
    # a telephone's keypad: digits, erase and enter, no letters or signs to press by mistake
    keys = keyboard.ids.keypad.available_layouts["code"]
    labels = {key[0] for row in range(1, keys["rows"] + 1) for key in keys[f"normal_{row}"]}
    assert labels == {*"0123456789", "⌫", "⏎"}
    assert not keyboard.switchable and keyboard.ids.switches.opacity == 0
    assert keyboard.ids.phonetic.disabled
    type_keys(keyboard, code)
    assert screen.ids.code.text == code
    tap(screen.ids.check_in)


def test_two_booked_visitors_in_a_row_one_on_time_one_late(app: Any) -> None:
    app.refresh_catalog()
    service = next(s for s in app.services if s.counter_group == "taxes")
    on_time = book(app, 10, 30, service_id=service.id)
    late = book(app, 9, 30)
    # the first visitor asks for larger text on the menu, then checks in half an hour early
    tap(app.root.manager.current_screen)
    tap(app.root.manager.current_screen.ids.access.ids.large_text)
    assert app.large_text
    tap(app.root.manager.current_screen.ids.appointment)
    screen = app.root.manager.current_screen
    enter(screen, on_time)
    ticket = app.root.manager.current_screen
    assert ticket.name == "ticket" and ticket.number == app.current_ticket.label
    shown = texts(ticket)
    assert "Записаният ви час е в 10:30 ч." in shown and "Ще ви поканим в 10:30 ч." in shown
    assert service.name.bg in shown
    assert "преди вас" not in shown and "Очаквано чакане" not in shown
    wait_for(lambda: app.print_result is not None)
    assert app.print_result.ok
    printed = app.printer.received().decode("cp866")
    assert app.current_ticket.label in printed and "@ 10:30\n" in printed
    tap(ticket.ids.done)
    # the second visitor, in English, comes 31 minutes after a 09:30 booking
    assert app.root.manager.current == "attract" and not app.large_text
    app.test_clock.advance(minutes=1)
    try:
        tap(app.root.manager.current_screen)
        tap(app.root.manager.current_screen.ids.access.ids.language)
        tap(app.root.manager.current_screen.ids.appointment)
        screen = app.root.manager.current_screen
        assert screen.ids.code.text == "" and screen.problem == ""
        enter(screen, late)
        shown = texts(app.root.manager.current_screen)
        assert "Your appointment was at 09:30." in shown
        assert (
            "Booked visitors can check in up to 10 minutes after their time, so this ticket waits in turn."
            in shown
        )
        assert "Estimated wait" in shown  # it waits in turn, and is told how long
        wait_for(lambda: app.print_result is not None)
        assert "@ 09:30 missed" in app.printer.received().decode("cp866")
    finally:
        app.test_clock.advance(minutes=-1)


def test_a_code_that_gives_no_ticket_is_refused_in_words(app: Any) -> None:
    cancelled = book(app, 10, 30, status=BookingStatus.CANCELLED)
    tomorrow = book(app, 11, 0, days=1)
    later = book(app, 15, 0)
    screen = check_in_screen(app)
    tap(screen.ids.check_in)
    assert screen.problem == "Моля, въведете 6-те цифри на кода си."
    expected = {
        cancelled: "Този записан час е отменен.",
        tomorrow: "Този час е записан за 26\u00a0ноември\u00a02026\u00a0г. Моля, елате в този ден.",
        later: "Моля, елате отново след 14:00 ч.",
    }
    for code, words in expected.items():
        screen.ids.code.text = ""
        enter(screen, code)
        assert app.root.manager.current == "appointment" and words in screen.problem
        assert screen.problem in texts(screen)
    tap(screen.ids.top.ids.language)  # the refusal shown is said again in English
    assert "Please come back from 14:00." in screen.problem


def test_checking_in_twice_shows_the_same_ticket_again(app: Any) -> None:
    code = book(app, 10, 15)
    enter(check_in_screen(app), code)
    first = app.current_ticket
    tap(app.root.manager.current_screen.ids.done)
    enter(check_in_screen(app), code)
    assert app.current_ticket.uuid == first.uuid and app.current_ticket.label == first.label
    shown = texts(app.root.manager.current_screen)
    assert "Вече сте се регистрирали: това е същият ви номер." in shown


@pytest.mark.parametrize("language", ["bg", "en"])
def test_wrong_codes_pause_the_kiosk_with_a_countdown(app: Any, language: str) -> None:
    screen = check_in_screen(app)
    # this test's own clock, days ahead of the app's: its pause is over for the next test
    ahead = Clock(app.clock() + dt.timedelta(days=3 if language == "bg" else 4))
    screen.desk.clock = ahead
    try:
        if language == "en":
            tap(screen.ids.top.ids.language)
        for _ in range(app.kiosk_config.appointments.check_in_attempts - 1):
            screen.ids.code.text = ""
            enter(screen, "000000")
            assert screen.step == "ask" and screen.problem
        screen.ids.code.text = ""
        enter(screen, "000000")
        assert screen.step == "paused" and not screen.ids.keyboard.shown
        words = {"bg": "опитате отново след 10:00", "en": "try again in 10:00"}[language]
        assert words in screen.pause_text
        ahead.advance(minutes=10)
        wait_for(lambda: screen.step == "ask")
    finally:
        screen.desk.clock = app.clock
