"""Two visitors in a row on the real Kivy app: whatever the first leaves, the second starts clean.

Every way a visit ends is used: "Done" on the ticket or thanks screen, the idle countdown
nobody answers, and staff leaving the admin screen.
"""

from __future__ import annotations

import os
from typing import Any

from kivy.uix.scrollview import ScrollView

from screens.keyboard import OnScreenKeyboard, layout_for
from screens.widgets import KioskField
from tests.screens_touch import tap, texts, type_keys, wait_for

IDLE_S = 2.0


def screen(app: Any) -> Any:
    return app.root.manager.current_screen


def make_a_mess(app: Any) -> None:
    """What the first visitor switches on: English, larger text, high contrast."""
    home = screen(app)
    assert home.name == "home"
    chips = {c.icon: c for c in home.walk() if hasattr(c, "selected") and hasattr(c, "icon")}
    tap(chips["contrast"])
    tap(chips["text_size"])
    tap(next(b for b in home.walk() if getattr(b, "icon", "") == "language"))
    assert app.language == "en" and app.large_text and app.high_contrast


def assert_fresh(app: Any) -> None:
    """The second visitor's kiosk: the attract screen, and every loaded screen at its defaults."""
    assert screen(app).name == "attract"
    assert app.idle_warning is None
    assert (app.language, app.large_text, app.high_contrast) == ("bg", False, False)
    assert app.theme.name == "normal" and app.font_scale == 1.0
    assert app.current_service is None and app.current_ticket is None
    assert app.rating is None and app.registration is None and app.message_kind == "opinion"
    for each in app.root.manager.screens:
        for widget in each.walk(restrict=True):
            where = f"{each.name}: {widget}"
            if isinstance(widget, KioskField):
                assert widget.text == "" and not widget.focus, where
            elif isinstance(widget, ScrollView):
                assert widget.scroll_y == 1, where
            elif isinstance(widget, OnScreenKeyboard):
                assert widget.shown == widget.opens_shown, where
                kind = widget.target.keyboard if widget.target is not None else "text"
                assert widget.layout == layout_for(kind, "bg"), where
    loaded = {s.name: s for s in app.root.manager.screens}
    if "services" in loaded:
        assert loaded["services"].category == ""
    if "rating" in loaded:
        assert loaded["rating"].step == "faces" and loaded["rating"].score == 0
        assert not loaded["rating"].ids.reasons.children
    if "admin" in loaded:
        assert loaded["admin"].step == "pin" and not loaded["admin"].confirm_exit


def idle_out(app: Any) -> None:
    """Nobody answers "more time?": the countdown runs out."""
    app.idle_timeout, app.idle_warning_s = IDLE_S, 1
    app.touched()
    wait_for(lambda: screen(app).name == "attract", seconds=IDLE_S + 6)


def staff_leave(app: Any) -> None:
    """A clerk opens the staff screen with the PIN and goes back to the visitors' screens."""
    app.go_to("admin")
    admin = screen(app)
    tap(admin.ids.pin)
    type_keys(admin.ids.keyboard, os.environ["KIOSK_TEST_PIN"])
    tap(admin.ids.unlock)
    assert admin.step == "open"
    tap(admin.ids.leave)


def test_ticket_twice_after_done(app: Any) -> None:
    # GIVEN a first visitor in English, larger text and contrast, who takes a ticket
    tap(screen(app))
    make_a_mess(app)
    tap(screen(app).ids.take_ticket)
    buttons = {b.category: b for b in screen(app).ids.grid.children}
    tap(buttons["А"])
    assert screen(app).name == "ticket" and "Your number" in texts(screen(app))
    wait_for(lambda: app.print_result is not None)
    # WHEN they tap Done
    tap(screen(app).ids.done)
    # THEN the next visitor finds the defaults, and their ticket screen speaks Bulgarian
    assert_fresh(app)
    tap(screen(app))
    tap(screen(app).ids.take_ticket)
    buttons = {b.category: b for b in screen(app).ids.grid.children}
    tap(buttons["А"])
    assert "Вашият номер" in texts(screen(app))


def test_service_info_twice_after_the_idle_countdown(app: Any) -> None:
    tap(screen(app))
    make_a_mess(app)
    tap(screen(app).ids.services)
    services = screen(app)
    tiles = list(reversed(services.ids.tiles.children))
    tap(tiles[0])
    assert services.category == tiles[0].category
    services.ids.scroll.scroll_y = 0.2
    tap(services.ids.results.children[-1])  # the first row
    detail = screen(app)
    assert detail.name == "service"
    detail.ids.scroll.scroll_y = 0
    idle_out(app)
    assert_fresh(app)
    tap(screen(app))
    tap(screen(app).ids.services)
    assert screen(app).ids.tiles.children  # the topics again, not the first visitor's list
    assert "Изберете тема" in screen(app).summary


def test_rating_twice_after_the_idle_countdown(app: Any) -> None:
    tap(screen(app))
    make_a_mess(app)
    tap(screen(app).ids.rate)
    rating = screen(app)
    tap(rating.ids.faces.children[-1])  # the first face: very bad
    chips = list(rating.ids.reasons.children)
    tap(chips[0])
    assert rating.step == "reasons" and chips[0].selected
    idle_out(app)
    assert_fresh(app)
    tap(screen(app))
    tap(screen(app).ids.rate)
    assert screen(app).step == "faces" and "Доволни ли сте" in texts(screen(app))


def test_message_twice_after_staff_leave(app: Any) -> None:
    # GIVEN a first visitor half-way through a complaint, on the digit keyboard
    tap(screen(app))
    make_a_mess(app)
    tap(screen(app).ids.message)
    form = screen(app)
    tap({c.value: c for c in form.ids.kinds.children}["complaint"])
    tap(form.ids.text)
    type_keys(form.ids.keyboard, "half a complaint")
    tap(form.ids.anonymous)
    tap(form.ids.keyboard.ids.digits)
    # WHEN a clerk opens the staff screen and goes back to the visitors
    staff_leave(app)
    # THEN the next visitor's form is empty and their keyboard types Bulgarian
    assert_fresh(app)
    tap(screen(app))
    tap(screen(app).ids.message)
    form = screen(app)
    assert not form.ids.anonymous.active and not form.needs_contact
    tap(form.ids.text)
    type_keys(form.ids.keyboard, "брак")
    assert form.ids.text.text == "брак"


def test_search_twice_after_done_on_thanks(app: Any) -> None:
    tap(screen(app))
    make_a_mess(app)
    tap(screen(app).ids.services)
    services = screen(app)
    tap(services.ids.search)
    assert services.ids.keyboard.shown and services.ids.keyboard.layout == "latin"
    type_keys(services.ids.keyboard, "brak")
    assert services.ids.results.children
    # the first visitor then rates and taps Done on the thanks screen
    app.go_to("rating")
    tap(list(reversed(screen(app).ids.faces.children))[4])
    tap(screen(app).ids.send)
    assert screen(app).name == "thanks"
    tap(screen(app).ids.done)
    assert_fresh(app)
    tap(screen(app))
    tap(screen(app).ids.services)
    services = screen(app)
    assert services.ids.search.text == "" and not services.ids.keyboard.shown
    tap(services.ids.search)
    type_keys(services.ids.keyboard, "брак")  # Cyrillic, not "braj" nor digits
    assert services.ids.search.text == "брак"


def test_more_time_keeps_the_visit(app: Any) -> None:
    # GIVEN a visitor typing, then not touching the screen
    app.idle_timeout, app.idle_warning_s = IDLE_S, 30
    tap(screen(app))
    tap(screen(app).ids.message)
    form = screen(app)
    tap(form.ids.text)
    type_keys(form.ids.keyboard, "бавно")
    wait_for(lambda: app.idle_warning is not None, seconds=IDLE_S + 5)
    warning = app.idle_warning
    shown = texts(warning)
    assert "Нужно ли ви е още време?" in shown
    wait_for(lambda: warning.seconds_left < 30, seconds=3)
    assert f"След {int(warning.seconds_left)} секунди" in texts(warning)
    # WHEN they tap "more time"
    tap(warning.ids.more_time)
    # THEN the question goes, nothing beneath was pressed, and the text is still there
    assert app.idle_warning is None
    assert screen(app) is form and form.ids.text.text == "бавно"


def test_fields_clear_enter_and_keyboard_per_field(app: Any) -> None:
    from kivy.tests.common import UnitTestTouch

    from screens import headless

    tap(screen(app))
    tap(screen(app).ids.message)
    form = screen(app)
    tap({c.value: c for c in form.ids.kinds.children}["complaint"])
    keyboard = form.ids.keyboard
    tap(form.ids.name)
    assert keyboard.layout == "phonetic"  # a name: the language's letters
    type_keys(keyboard, "мария")
    type_keys(keyboard, "\n")  # Enter: on to the contact
    assert form.ids.contact.focus and keyboard.target is form.ids.contact.__self__
    assert keyboard.layout == "latin"  # a phone number or an e-mail: letters under digits
    type_keys(keyboard, "0888")
    type_keys(keyboard, "\n")  # Enter on the last field: the keyboard makes way for "Send"
    assert not keyboard.shown and keyboard.height == 0
    # the × at the right end of a field empties it
    name = form.ids.name
    x, y, w, h = name.clear_box()
    touch = UnitTestTouch(*name.to_window(x + w / 2, y + h / 2))
    headless.pump(1)
    touch.touch_down()
    touch.touch_up()
    headless.pump(2)
    assert name.text == "" and form.ids.contact.text == "0888"
    # a long text says how much more fits, and stops there
    limit = app.kiosk_config.feedback.max_text
    form.ids.text.insert_text("д" * (limit - 3))
    headless.pump(2)
    assert form.ids.chars_left.text == "Остават 3 знака"
    form.ids.text.insert_text("абвгд")
    assert len(form.ids.text.text) == limit
    # the keyboard can be closed by its own button, and a touched field opens it again
    tap(form.ids.text)
    assert keyboard.shown
    tap(keyboard.ids.close)
    assert not keyboard.shown
    tap(form.ids.text)
    assert keyboard.shown and keyboard.layout == "phonetic"


def test_the_contact_field_takes_a_phone_number_and_an_e_mail_on_one_layout(app: Any) -> None:
    from screens import headless

    # GIVEN a complaint's form, where a name and a phone or e-mail are asked
    tap(screen(app))
    tap(screen(app).ids.message)
    form = screen(app)
    tap({c.value: c for c in form.ids.kinds.children}["complaint"])
    keyboard, contact = form.ids.keyboard, form.ids.contact
    for language in ("bg", "en"):
        app.language = language
        headless.pump(2)
        # WHEN the visitor touches "Phone or e-mail"
        tap(form.ids.name)
        tap(contact)
        # THEN the keyboard shows Latin letters and the digits, and the layouts to switch to
        assert keyboard.target is contact.__self__ and keyboard.layout == "latin", language
        assert keyboard.switchable and keyboard.ids.latin.selected
        # AND a phone number and an e-mail address are both typed without switching
        for typed in ("0888123456", "ivan@abv.bg"):
            contact.text = ""
            type_keys(keyboard, typed)
            assert contact.text == typed and keyboard.layout == "latin", language


def test_the_waits_refresh_on_one_timer_only_while_the_attract_screen_shows(app: Any) -> None:
    from kivy.clock import Clock

    from screens import headless

    attract = app.screen("attract")

    def refresh_timers() -> int:
        return sum(1 for e in Clock.get_events() if e.get_callback() == attract._refresh_tick)

    headless.pump(2)
    assert screen(app).name == "attract" and refresh_timers() == 1
    for _ in range(3):
        # GIVEN a visit begun and ended within one frame (a touch as the idle timer fires):
        # Kivy then stops the change to "home" without its on_enter and on_leave
        app.start_visit()
        app.end_visit()
        headless.pump(2)
        # THEN the attract screen reads the waits on one timer, not one more per such visit
        assert screen(app).name == "attract" and refresh_timers() == 1
    # and on none while the visitor is elsewhere
    tap(screen(app))
    assert screen(app).name == "home" and refresh_timers() == 0
