"""The smaller things a visitor met: priority asks first, letters read in English, PIN cancel, Exit asks."""

from __future__ import annotations

import os
from typing import Any

from sqlalchemy import func, select

from kiosk.models import Ticket
from tests.screens_touch import long_press_corner, tap, texts, type_keys


def screen(app: Any) -> Any:
    return app.root.manager.current_screen


def priority_tickets(app: Any) -> int:
    with app.db.read() as s:
        return s.scalar(select(func.count()).select_from(Ticket).where(Ticket.category_code == "П"))


def test_priority_says_who_is_entitled_and_asks_first(app: Any) -> None:
    # GIVEN the categories; WHEN the visitor taps priority service
    before = priority_tickets(app)
    tap(screen(app))
    tap(screen(app).ids.take_ticket)
    categories = screen(app)
    tap(next(b for b in categories.ids.grid.children if b.category == "П"))
    # THEN no ticket yet: who it is for, and a question
    assert categories.confirming == "П" and screen(app) is categories
    assert "хора с увреждания" in categories.ids.entitled.text
    assert priority_tickets(app) == before
    tap(categories.ids.priority_no)  # "no": back to the list, still no ticket
    assert not categories.confirming and priority_tickets(app) == before
    tap(next(b for b in categories.ids.grid.children if b.category == "П"))
    tap(categories.ids.priority_yes)
    assert screen(app).name == "ticket" and priority_tickets(app) == before + 1


def test_letters_have_a_latin_hint_in_english_and_nobody_ahead_is_said_in_words(app: Any) -> None:
    # a queue nobody waits in (other tests of this session take tickets in А, Б and Г)
    empty = next(c.code for c in app.queue.status().categories if c.waiting == 0 and c.code in "БВ")
    latin = {"Б": "B", "В": "V"}[empty]
    tap(screen(app))
    tap(screen(app).ids.take_ticket)
    bg = {b.category: b.text for b in screen(app).ids.grid.children}
    assert bg["Б"].startswith("Б — ") and "Няма чакащи" in bg[empty]
    app.toggle_language()
    screen(app).refresh()
    en = {b.category: b.text for b in screen(app).ids.grid.children}
    assert en["Б"].startswith("Б (B) — ") and en["П"].startswith("П (P) — ")
    assert en["В"].startswith("В (V) — ")  # looks like a Latin B, reads V
    assert en["А"].startswith("А — ")  # А reads A: nothing to add
    assert "Nobody waiting" in en[empty]
    tap(next(b for b in screen(app).ids.grid.children if b.category == empty))
    ticket = screen(app)
    assert f"(the letter {empty} reads {latin})" in ticket.details
    assert "Nobody is waiting ahead of you" in ticket.details
    assert "0 people" not in ticket.details


def test_pin_screen_has_a_cancel(app: Any) -> None:
    tap(screen(app))
    tap(screen(app).ids.services)
    app.go_to("admin")  # as the long press in the corner does
    admin = screen(app)
    tap(admin.ids.pin)
    type_keys(admin.ids.keyboard, "12")
    tap(admin.ids.cancel)
    assert screen(app).name == "services"  # back where the visitor was
    app.go_to("admin")
    assert admin.ids.pin.text == ""


def test_exit_asks_before_quitting_and_enter_unlocks(app: Any) -> None:
    app.go_to("admin")
    admin = screen(app)
    tap(admin.ids.pin)
    type_keys(admin.ids.keyboard, os.environ["KIOSK_TEST_PIN"] + "\n")  # Enter opens
    assert admin.step == "open"
    tap(admin.ids.exit)
    assert admin.confirm_exit and "Екранът ще остане тъмен" in texts(admin)
    assert app.root is not None  # still running: nothing quits on the first tap
    tap(admin.ids.exit_no)
    assert not admin.confirm_exit and screen(app) is admin


def test_the_staff_long_press_on_back_does_not_go_back(app: Any) -> None:
    # GIVEN a screen whose "Back" sits in the staff corner
    tap(screen(app))
    tap(screen(app).ids.services)
    back = next(w for w in screen(app).walk() if getattr(w, "icon", "") == "back")
    assert back.collide_point(*back.to_widget(20, app.root.height - 20))
    # WHEN staff hold the corner; THEN the staff screen stays when the finger lifts
    long_press_corner(app, 3.3)
    assert screen(app).name == "admin"
    assert back.state == "normal"


def test_the_registration_number_has_its_latin_reading_in_english(app: Any) -> None:
    from screens import headless, scenes

    # GIVEN a complaint just registered, its number in the site's Cyrillic prefix
    for language in ("bg", "en"):
        scenes.show(app, "thanks", language=language)
        headless.pump(2)
        thanks = screen(app)
        number = thanks.ids.number.text
        assert number.startswith("ОЦУИГ-")
        # THEN in English the number is also written as an English reader can copy and say it,
        # as the letters of the queues are ("Б (B)"); in Bulgarian nothing is added
        latin = thanks.ids.number_latin.text
        if language == "en":
            assert latin == f"(in Latin letters: OTSUIG-{number.partition('-')[2]})"
        else:
            assert latin == "" and thanks.ids.number_latin.height == 0
    # AND the status check, in English, says it the same way
    scenes.show(app, "message_status", language="en", state="result")
    headless.pump(2)
    assert "(in Latin letters: OTSUIG-" in screen(app).number_text
