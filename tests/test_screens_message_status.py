"""Check a message on the real Kivy app: the receipt's number and code typed on the digit pad
show the state in the visitor's language; wrong pairs are refused alike, then paused."""

from __future__ import annotations

import datetime as dt
from typing import Any

from kiosk.labels import date_words
from kiosk.messages import Draft, Kind, Registration, spaced_code
from kiosk.register import Register
from screens import headless
from tests.screens_touch import tap, texts, type_keys, wait_for
from tests.support import Clock


def _complaint(app: Any) -> Registration:
    return app.messages.submit(
        Draft(
            kind=Kind.COMPLAINT,
            text="Чакането на гишето беше твърде дълго.",
            name="Мария Георгиева",
            contact="0887 654 321",
            consent=True,
        )
    )


def _status_screen(app: Any) -> Any:
    tap(app.root.manager.current_screen)  # the attract screen
    tap(app.root.manager.current_screen.ids.message_status)
    screen = app.root.manager.current_screen
    assert screen.name == "message_status" and screen.step == "ask"
    return screen


def _enter(screen: Any, number: str, code: str) -> None:
    """As a visitor does it: touch a field, type on the pad it opens, then "Check"."""
    keyboard = screen.ids.keyboard
    for field, text in ((screen.ids.number, number), (screen.ids.code, code)):
        if field.text:
            field.text = ""
        tap(field)
        # the number may hold its prefix's dash; the check code is digits alone, on big keys
        # with no layout to switch to
        pad = "digits" if field is screen.ids.number else "code"
        assert keyboard.shown and keyboard.layout == pad
        assert keyboard.switchable is (pad == "digits")
        assert keyboard.ids.switches.opacity == (1 if pad == "digits" else 0)
        type_keys(keyboard, text)
        assert field.text == text
    tap(screen.ids.check)


def _wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1000000:06d}"


def test_the_thanks_screen_shows_the_code_large_and_in_groups(app: Any) -> None:
    reg = _complaint(app)
    assert reg.check_code is not None
    app.registration = reg
    app.go_to("thanks")
    screen = app.root.manager.current_screen
    grouped = spaced_code(reg.check_code).replace(" ", "\u00a0")  # never split over two lines
    assert screen.ids.code.text == f"Код за проверка: {grouped}"
    assert screen.ids.code.font_size > 2 * screen.ids.details.font_size * 0.8
    # shown once each, in either language: a second copy in the text below reads as another number
    for lang in ("bg", "en"):
        app.language = lang
        screen.refresh()
        shown = texts(screen)
        assert shown.count(reg.reg_number) == 1 and shown.count(grouped) == 1, shown


def test_after_a_message_the_next_ratings_done_button_spans_the_row(app: Any) -> None:
    app.registration = _complaint(app)
    app.go_to("thanks")
    screen = app.root.manager.current_screen
    tap(screen.ids.done)  # the layout settles in the frames a tap runs
    app.registration = None  # a rating's thanks: no number, so no receipt button
    app.go_to("thanks")
    screen = app.root.manager.current_screen
    headless.pump(2)
    row = screen.ids.done.parent
    assert screen.ids.print_receipt.width == 0
    assert screen.ids.done.width > 0.9 * row.width


def test_the_right_pair_shows_the_due_date_in_both_languages_and_never_the_text(
    app: Any,
) -> None:
    reg = _complaint(app)
    assert reg.check_code is not None
    screen = _status_screen(app)
    # the number as it is printed less the site's prefix, as the digit pad types it
    _enter(screen, reg.reg_number.partition("-")[2], reg.check_code)
    assert screen.step == "result"
    shown = texts(screen)
    assert f"Рег. № {reg.reg_number}" in shown
    assert (
        "В срок до 25\u00a0декември\u00a02026\u00a0г." in shown
        and "Регистрирано, предстои разглеждане." in shown
    )
    assert "Чакането" not in shown and "Мария" not in shown and "0887" not in shown
    tap(screen.ids.top.ids.language)
    shown = texts(screen)
    assert (
        "Due by 25\u00a0December\u00a02026" in shown and "Registered, waiting for review." in shown
    )
    # the visit ends: the next visitor finds the fields empty and the result gone
    tap(screen.ids.done)
    assert app.root.manager.current == "attract"
    screen = _status_screen(app)
    assert screen.ids.number.text == screen.ids.code.text == screen.state_text == ""


def test_a_message_answered_at_the_site_shows_answered_on_its_day(app: Any) -> None:
    reg = _complaint(app)
    assert reg.check_code is not None
    Register(app.db, app.kiosk_config, clock=lambda: app.clock() + dt.timedelta(days=3)).answer(
        message_uuid=reg.uuid, actor="officer", text="Отговорихме ви писмено."
    )
    screen = _status_screen(app)
    year, number = reg.reg_number.split("-")[1:]
    _enter(screen, f"{year}-{int(number)}", reg.check_code)  # the zeros left out, too
    answered = (app.clock() + dt.timedelta(days=3)).astimezone(app.kiosk_config.tz).date()
    assert screen.state_text == f"Отговорено на {date_words(answered, 'bg')}"
    assert "Отговорихме" not in texts(screen)


def test_wrong_pairs_are_refused_alike_then_paused_with_a_countdown(app: Any) -> None:
    reg = _complaint(app)
    assert reg.check_code is not None
    screen = _status_screen(app)
    # this test's own clock, ahead of the app's: the pause it makes ends when it is given back
    ahead = Clock(app.clock() + dt.timedelta(days=2))
    screen.checks.clock = ahead
    try:
        _enter(screen, reg.reg_number.partition("-")[2], _wrong(reg.check_code))
        wrong_code = screen.problem
        _enter(screen, "2026-99999", reg.check_code)
        assert screen.problem == wrong_code != ""  # which half was wrong is not told
        assert wrong_code in texts(screen)
        for _ in range(app.kiosk_config.register.status_check_attempts - 2):
            assert screen.step == "ask"
            _enter(screen, reg.reg_number.partition("-")[2], _wrong(reg.check_code))
        assert screen.step == "paused" and not screen.ids.keyboard.shown
        assert "10:00" in screen.pause_text
        ahead.advance(seconds=75)
        wait_for(lambda: "8:45" in screen.pause_text)  # the countdown runs on screen
        # a new visitor, or the app restarted, finds the pause still on (it is in the database)
        app.on_idle()
        tap(app.root.manager.current_screen)
        tap(app.root.manager.current_screen.ids.message_status)
        assert screen.step == "paused" and "8:45" in screen.pause_text
        tap(screen.ids.top.ids.language)
        assert "You can check again in 8:45" in screen.pause_text
        ahead.advance(minutes=9)
        wait_for(lambda: screen.step == "ask")
        _enter(screen, reg.reg_number.partition("-")[2], reg.check_code)
        assert screen.step == "result"
    finally:
        screen.checks.clock = app.clock
