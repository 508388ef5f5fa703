"""A complaint with wording the list flags: the visitor is told before sending, and decides."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from kiosk.labels import date_words
from kiosk.models import Message
from tests.screens_touch import tap, texts, type_keys, wait_for


def screen(app: Any) -> Any:
    return app.root.manager.current_screen


def _complaint(app: Any, text: str) -> Any:
    tap(screen(app))
    tap(screen(app).ids.message)
    form = screen(app)
    tap({c.value: c for c in form.ids.kinds.children}["complaint"])
    tap(form.ids.text)
    tap(form.ids.keyboard.ids.phonetic)
    type_keys(form.ids.keyboard, text)
    tap(form.ids.name)
    type_keys(form.ids.keyboard, "иван")
    tap(form.ids.contact)
    tap(form.ids.keyboard.ids.digits)
    type_keys(form.ids.keyboard, "0888123456")
    tap(form.ids.consent)
    return form


def _last_message(app: Any) -> Message | None:
    with app.db.read() as s:
        return s.scalars(select(Message).order_by(Message.seq.desc()).limit(1)).first()


def test_flagged_words_are_said_before_sending_and_sent_only_when_asked(app: Any) -> None:
    before = _last_message(app)
    before_uuid = before.uuid if before else None
    form = _complaint(app, "служителите са идиоти")
    # WHEN the visitor sends a text the list flags
    tap(form.ids.submit)
    # THEN nothing is registered yet, and the form says in words what it may mean
    last = _last_message(app)
    assert screen(app) is form and (last.uuid if last else None) == before_uuid
    notice = form.ids.wording_text.text
    assert "«идиоти»" in notice and "може да не бъде даден отговор" in notice
    assert form.ids.wording.opacity == 1
    # WHEN the visitor chooses to send it as it is
    tap(form.ids.send_anyway)
    thanks = screen(app)
    assert thanks.name == "thanks"
    message = _last_message(app)
    # THEN it is registered like any complaint, flagged for the officer, and the thanks
    # screen says what happens next: the written answer by its date, and the officer's call
    assert message.text == "служителите са идиоти" and message.obscene
    assert message.review_status == "registered" and message.review_note is None
    shown = texts(thanks)
    assert f"Ще ви отговорим писмено до {date_words(message.due_date, 'bg')}" in shown
    assert "служител ще реши дали на съобщението ще бъде отговорено" in shown


def test_changing_the_text_clears_the_notice_and_sends_without_a_flag(app: Any) -> None:
    form = _complaint(app, "служителите са идиоти")
    tap(form.ids.submit)
    assert form.wording_notice
    tap(form.ids.edit_text)
    assert form.wording_notice == "" and form.ids.text.focus
    form.ids.text.text = "служителите бяха груби"
    tap(form.ids.submit)
    assert screen(app).name == "thanks"
    message = _last_message(app)
    assert message.text == "служителите бяха груби" and not message.obscene
    assert "обидни" not in texts(screen(app))


def test_an_anonymous_complaint_is_told_it_is_not_reviewed(app: Any) -> None:
    tap(screen(app))
    tap(screen(app).ids.message)
    form = screen(app)
    tap({c.value: c for c in form.ids.kinds.children}["complaint"])
    tap(form.ids.text)
    tap(form.ids.keyboard.ids.phonetic)
    type_keys(form.ids.keyboard, "опашката е дълга")
    tap(form.ids.anonymous)
    tap(form.ids.submit)
    assert "анонимни жалби и сигнали не се разглеждат" in texts(screen(app))


def test_the_notice_and_its_buttons_are_in_view_not_under_the_keyboard(app: Any) -> None:
    # GIVEN a flagged complaint typed up to the phone number: the keyboard is open
    form = _complaint(app, "служителите са идиоти")
    assert form.ids.keyboard.shown
    # WHEN it is sent
    tap(form.ids.submit)
    scroll = form.ids.scroll

    def in_view(widget: Any) -> bool:
        _, top_of_view = scroll.to_window(scroll.x, scroll.top)
        _, bottom_of_view = scroll.to_window(scroll.x, scroll.y)
        _, bottom = widget.to_window(widget.x, widget.y)
        _, top = widget.to_window(widget.x, widget.top)
        return bottom >= bottom_of_view and top <= top_of_view

    # THEN the keyboard makes way and the notice with both its buttons is on screen
    wait_for(lambda: not form.ids.keyboard.shown and in_view(form.ids.send_anyway))
    assert in_view(form.ids.wording_text) and in_view(form.ids.edit_text)
