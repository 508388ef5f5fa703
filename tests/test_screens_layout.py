"""The kiosk's screens at both orientations and in both languages; lockdown; staff screen; texts."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from kiosk.models import DeviceEvent, SyncRun
from tests.screens_touch import (
    long_press_corner,
    open_staff_screen,
    shown,
    tap,
    texts,
    type_keys,
    wait_for,
)

SCREENS_DIR = Path(__file__).resolve().parent.parent / "screens"
SIZES = [(1080, 1920), (1920, 1080)]


def _window_box(widget: Any) -> tuple[float, float, float, float]:
    x0, y0 = widget.to_window(widget.x, widget.y)
    x1, y1 = widget.to_window(widget.right, widget.top)
    return x0, y0, x1, y1


def overflows(root: Any) -> list[str]:
    """Every visible label whose text is bigger than the label, or than its button."""
    from kivy.uix.behaviors import ButtonBehavior
    from kivy.uix.label import Label

    problems = []
    for widget in root.walk(restrict=True):
        if not isinstance(widget, Label) or not widget.text.strip() or not shown(widget):
            continue
        tw, th = widget.texture_size
        if tw > widget.width + 2 or th > widget.height + 2:
            problems.append(f"{widget.text[:40]!r}: text {tw}x{th} in {widget.size}")
        button = widget.parent
        while button is not None and not isinstance(button, ButtonBehavior):
            button = button.parent if button.parent is not button else None
        if button is not None:
            lx0, ly0, lx1, ly1 = _window_box(widget)
            bx0, by0, bx1, by1 = _window_box(button)
            # the text drawn is centred in its label: compare the text's box with the button's
            cx, cy = (lx0 + lx1) / 2, (ly0 + ly1) / 2
            if (
                cx - tw / 2 < bx0 - 2
                or cx + tw / 2 > bx1 + 2
                or cy - th / 2 < by0 - 2
                or cy + th / 2 > by1 + 2
            ):
                problems.append(f"{widget.text[:40]!r} sticks out of its button")
    return problems


@pytest.mark.parametrize(
    ("size", "large_text"),
    [((1080, 1920), False), ((1920, 1080), False), ((1080, 1920), True)],
    ids=["portrait", "landscape", "portrait-larger-text"],
)
def test_no_text_overflows_on_any_screen(app: Any, size: tuple[int, int], large_text: bool) -> None:
    from screens import SCREENS, headless, scenes

    headless.resize(*size)
    # with the speech bar below, as on a kiosk that reads aloud: the screens get less height
    app.can_read_aloud = True
    found = {}
    try:
        for language in ("bg", "en"):
            for name in SCREENS:
                scenes.show(app, name, language=language)
                app.large_text = large_text
                headless.pump(4)
                assert app.root.manager.current == name
                problems = overflows(app.root)
                if problems:
                    found[f"{name}-{language}"] = problems
    finally:
        app.can_read_aloud = False
    assert not found


@pytest.mark.parametrize("large_text", [False, True], ids=["normal-text", "larger-text"])
@pytest.mark.parametrize("language", ["bg", "en"])
def test_the_volume_is_said_on_one_line(app: Any, language: str, large_text: bool) -> None:
    from kivy.core.text import Label as CoreLabel

    from screens import headless, scenes

    # GIVEN the speech bar of a kiosk that reads aloud, at the loudest step (the widest number)
    app.can_read_aloud = True
    try:
        scenes.show(app, "home", language=language)
        app.large_text = large_text
        app.volume_step = 4
        headless.pump(4)
        volume = app.root.speech_bar.ids.volume
        # WHEN its words are set in one line of the same font
        line = CoreLabel(
            text=volume.text,
            font_name=volume.font_name,
            font_size=volume.font_size,
            bold=volume.bold,
        )
        line.refresh()
        # THEN the label is that one line, all inside it, and the bar's buttons keep their words
        assert volume.text == ("Сила 5 от 5" if language == "bg" else "Volume 5 of 5")
        assert tuple(volume.texture_size) == line.texture.size
        assert volume.texture_size[0] <= volume.width and volume.texture_size[1] <= volume.height
        assert not overflows(app.root.speech_bar)
    finally:
        app.can_read_aloud = False


@pytest.mark.parametrize("size", SIZES, ids=["portrait", "landscape"])
def test_the_reasons_step_fits_between_the_top_bar_and_the_screen_end(
    app: Any, size: tuple[int, int]
) -> None:
    from screens import headless, scenes

    # GIVEN the reasons after a low face (the most of them), with larger text and the speech
    # bar below, as a kiosk that reads aloud has it
    headless.resize(*size)
    app.can_read_aloud = True
    try:
        for language in ("bg", "en"):
            scenes.show(app, "rating", language=language, state="reasons")
            app.large_text = True
            headless.pump(4)
            rating = app.root.manager.current_screen
            # THEN the question is under the top bar, and the buttons above the screen's end
            question, top = _window_box(rating.ids.question), _window_box(rating.ids.top)
            assert question[3] <= top[1] + 1, (language, question, top)
            assert _window_box(rating.ids.send)[1] >= _window_box(rating)[1] - 1, language
    finally:
        app.can_read_aloud = False


def uneven_button_rows(root: Any) -> list[str]:
    """Rows of buttons side by side whose shown buttons differ in height, or whose one shown
    button stands off the row's centre (a hidden neighbour's gap kept beside it)."""
    from kivy.uix.boxlayout import BoxLayout

    from screens.widgets import TapButton

    problems = []
    for row in root.walk(restrict=True):
        if not isinstance(row, BoxLayout) or isinstance(row, TapButton):
            continue
        if row.orientation != "horizontal" or not shown(row) or len(row.children) < 2:
            continue
        if not all(isinstance(c, TapButton) for c in row.children):
            continue
        buttons = [c for c in row.children if shown(c)]
        heights = {round(b.height) for b in buttons}
        if len(heights) > 1:
            problems.append(f"{[b.text for b in buttons]}: heights {sorted(heights)}")
        if len(buttons) == 1 and abs(buttons[0].center_x - row.center_x) > 1:
            off = buttons[0].center_x - row.center_x
            problems.append(f"{buttons[0].text!r}: {off:+.0f} px off its row's centre")
    return problems


@pytest.mark.parametrize("large_text", [False, True], ids=["normal-text", "larger-text"])
def test_buttons_side_by_side_are_alike_and_a_lone_one_is_centred(
    app: Any, large_text: bool
) -> None:
    from screens import SCREENS, headless, scenes
    from screens.scenes import STATES

    found = {}
    for language in ("bg", "en"):
        for name in SCREENS:
            # not the wrong codes: the pause they lead to would last into the next tests
            for state in set(STATES.get(name, ("",))) - {"wrong", "paused"}:
                scenes.show(app, name, language=language, state=state)
                app.large_text = large_text
                headless.pump(4)
                if problems := uneven_button_rows(app.root):
                    found[f"{name}-{state}-{language}"] = problems
        # the thanks after a rating: no receipt to print, "Done" alone
        scenes.show(app, "rating", language=language)
        app.current_screen.rate(4)
        app.current_screen.send()
        app.large_text = large_text
        headless.pump(4)
        if problems := uneven_button_rows(app.root):
            found[f"thanks-rating-{language}"] = problems
    assert not found


def test_a_service_seen_while_tickets_issue_then_after_keeps_no_gap(app: Any) -> None:
    from screens import headless, scenes

    # GIVEN a visitor who read a service in the morning, its ticket button beside "Print"
    scenes.show(app, "service", language="bg")
    headless.pump(4)
    assert app.current_screen.ids.take_ticket.width > 1 and not uneven_button_rows(app.root)
    app.end_visit()
    # WHEN the next one reads a service after tickets stopped for the day
    app.test_clock.advance(hours=6, minutes=55)  # 16:55
    try:
        scenes.show(app, "service", language="bg")
        headless.pump(4)
        screen = app.current_screen
        assert not screen.can_issue
        # THEN "Print this information" stands alone at the centre, no gap kept beside it
        assert not uneven_button_rows(app.root)
        assert screen.ids.take_ticket.width <= 1
    finally:
        app.end_visit()
        app.test_clock.advance(hours=-6, minutes=-55)


def test_escape_and_f1_do_nothing_and_kivy_is_locked_down(app: Any) -> None:
    from kivy.config import Config
    from kivy.core.window import Window
    from kivy.uix.settings import Settings

    from screens import headless

    tap(app.root.manager.current_screen)  # attract → home
    assert app.root.manager.current == "home"
    for key in (27, 282):  # Escape, F1
        Window.dispatch("on_key_down", key, 0, "", [])
        Window.dispatch("on_keyboard", key, 0, "", [])
        Window.dispatch("on_key_up", key, 0)
        headless.pump(2)
    assert app.root.manager.current == "home"
    assert app.root.get_root_window() is Window
    assert not any(isinstance(w, Settings) for w in Window.children)
    assert app.open_settings() is False
    assert Config.get("kivy", "exit_on_escape") == "0"
    assert Config.get("input", "mouse") == "mouse,disable_multitouch"
    assert Config.get("graphics", "show_cursor") == "0"


def test_staff_gesture_and_pin_open_the_admin_screen(app: Any) -> None:
    long_press_corner(app, 1.0)
    assert app.root.manager.current == "home"  # a short press is a visitor's tap
    long_press_corner(app, 3.3)
    admin = app.root.manager.current_screen
    assert admin.name == "admin" and admin.step == "pin"
    tap(admin.ids.pin)
    type_keys(admin.ids.keyboard, "1234")
    tap(admin.ids.unlock)
    assert admin.step == "pin" and "Грешен ПИН" in texts(admin)
    type_keys(admin.ids.keyboard, os.environ["KIOSK_TEST_PIN"])
    tap(admin.ids.unlock)
    assert admin.step == "open"
    assert "досега не е правена" in admin.status_text  # no sync has run on this database
    wait_for(lambda: "проверка" not in admin.printer_text)
    assert admin.printer_text == "Принтер: готов за работа"  # words, not the code "ok"
    # a nightly run that failed is what staff see next
    with app.db.write() as s:
        s.add(SyncRun(started_at=app.test_clock(), ok=False, pushed={}, error="connection refused"))
    tap(admin.ids.refresh)
    assert "неуспешна: connection refused" in admin.status_text
    tap(admin.ids.paper_replaced)
    with app.db.read() as s:
        event = s.scalars(select(DeviceEvent).order_by(DeviceEvent.seq.desc()).limit(1)).one()
    assert (event.device, event.status) == ("printer", "paper_replaced")
    tap(admin.ids.leave)
    assert app.root.manager.current == "attract"


def test_the_staff_screen_opened_from_the_attract_screen_cancels_back_to_it(app: Any) -> None:
    # GIVEN the kiosk waiting for a visitor WHEN staff hold the corner, then cancel
    assert app.root.manager.current == "attract"
    long_press_corner(app, 3.3)
    admin = app.root.manager.current_screen
    assert admin.name == "admin"
    tap(admin.ids.cancel)
    # THEN the attract screen is back: no visit was begun under the staff's finger
    assert app.root.manager.current == "attract"


def test_the_pin_field_is_focused_when_the_staff_screen_opens(app: Any) -> None:
    from kivy.core.window import Window

    from screens import headless

    # GIVEN the staff gesture; WHEN the PIN screen opens
    long_press_corner(app, 3.3)
    admin = app.root.manager.current_screen
    # THEN its field has the focus and the keyboard is open on it, with no tap on the field
    assert admin.step == "pin" and admin.ids.pin.focus
    assert admin.ids.keyboard.shown and admin.ids.keyboard.target is admin.ids.pin
    # and what a service keyboard types lands there: Enter opens the screen
    for char in os.environ["KIOSK_TEST_PIN"]:
        Window.dispatch("on_textinput", char)
    Window.dispatch("on_key_down", 13, 40, None, [])
    headless.pump(2)
    assert admin.step == "open"
    tap(admin.ids.leave)


def test_the_staff_screen_buttons_stay_put_as_its_texts_change(app: Any) -> None:
    admin = open_staff_screen(app)
    names = ["test_print", "paper_replaced", "refresh", "restart", "exit", "leave"]

    def boxes() -> list[tuple[float, float, float, float]]:
        return [_window_box(admin.ids[name]) for name in names]

    before = boxes()
    # the printer's answer, the checks, a note and the exit question each arrive or change
    wait_for(lambda: "проверка" not in admin.printer_text and bool(admin.checks_text))
    tap(admin.ids.exit)  # the layout settles in the frames a tap runs
    assert boxes() == before
    tap(admin.ids.exit_no)
    tap(admin.ids.paper_replaced)
    assert admin.message and boxes() == before
    tap(admin.ids.refresh)
    wait_for(lambda: bool(admin.checks_text))
    assert boxes() == before
    tap(admin.ids.leave)


def test_admin_screen_without_a_pin_says_why(app: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KIOSK_TEST_PIN")
    app.go_to("admin")
    admin = app.root.manager.current_screen
    assert admin.step == "disabled"
    assert "не е зададен ПИН" in texts(admin)
    admin.ids.pin.text = "4711"
    admin.unlock()
    assert admin.step == "disabled"


def _messages_in_code() -> set[str]:
    """Every English source string the screens translate, as written in code and kv."""
    from screens.message import ERRORS
    from screens.rating import FACES

    found: set[str] = set(ERRORS.values()) | set(FACES.values())
    # one literal, or literals Python joins across lines ("…: " "a clerk …")
    single = re.compile(r'\btr\(\s*((?:"(?:[^"\\]|\\.)*"\s*)+)', re.S)
    literal = re.compile(r'"((?:[^"\\]|\\.)*)"')
    plural = re.compile(r'\bntr\(\s*"((?:[^"\\]|\\.)*)",\s*"((?:[^"\\]|\\.)*)"', re.S)
    for path in [*SCREENS_DIR.glob("*.py"), *SCREENS_DIR.glob("*.kv")]:
        text = path.read_text(encoding="utf-8")
        found.update("".join(literal.findall(m.group(1))) for m in single.finditer(text))
        for m in plural.finditer(text):
            found.update((m.group(1), m.group(2)))
    return found


def test_every_screen_text_has_its_bulgarian_translation() -> None:
    from babel.messages.pofile import read_po

    with (SCREENS_DIR / "locale" / "bg.po").open("rb") as fp:
        catalog = read_po(fp, locale="bg")
    translated = {}
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for i, msgid in enumerate(ids):
            translated[msgid] = strings[min(i, len(strings) - 1)]
    needed = _messages_in_code()
    missing = sorted(m for m in needed if not translated.get(m))
    assert not missing
    for msgid in needed:  # the same {placeholders} on both sides
        assert set(re.findall(r"{\w+}", msgid)) <= set(re.findall(r"{\w+}", translated[msgid]))


# The letter rows of the Bulgarian layouts (../shared/reference/keyboards-bg.md).
LAYOUT_ROWS = {
    "bds": ["у е и ш щ к с д з ц б", "ь я а о ж г т н в м ч", "ю й ъ ф х п р л"],
    "phonetic": ["я в е р т ъ у и о п ч", "а с д ф г х й к л ш щ", "з ь ц ж б н м ю"],
    "latin": ["q w e r t y u i o p", "a s d f g h j k l", "z x c v b n m"],
}


@pytest.mark.parametrize("name", sorted(LAYOUT_ROWS))
def test_keyboard_layouts_have_the_standard_rows(name: str) -> None:
    layout = json.loads((SCREENS_DIR / "keyboards" / f"{name}.json").read_text(encoding="utf-8"))
    for mode, case in (("normal", str.lower), ("shift", str.upper)):
        letters = [
            " ".join(k[1] for k in layout[f"{mode}_{line}"] if k[1] and k[1].isalpha())
            for line in range(1, layout["rows"] + 1)
        ]
        assert [row for row in letters if row] == [case(r) for r in LAYOUT_ROWS[name]]
    if name == "latin":  # a phone number and an e-mail address typed on the one layout
        assert [k[1] for k in layout["normal_1"]][:10] == list("1234567890")
    # every row fits the declared width, as VKeyboard needs
    for key, row in layout.items():
        if key.startswith(("normal_", "shift_")):
            assert sum(k[3] for k in row) <= layout["cols"]


def test_larger_text_and_high_contrast_are_one_tap_from_home(app: Any) -> None:
    from kivy.graphics import Color

    from screens.theme import HIGH_CONTRAST, LARGE_TEXT_SCALE

    tap(app.root.manager.current_screen)
    home = app.root.manager.current_screen
    chips = {c.icon: c for c in home.walk() if hasattr(c, "selected") and hasattr(c, "icon")}
    tap(chips["contrast"])
    tap(chips["text_size"])
    assert app.high_contrast and app.large_text and app.font_scale == LARGE_TEXT_SCALE
    assert chips["contrast"].selected and chips["text_size"].selected
    background = [c.rgba for c in app.root.canvas.before.children if isinstance(c, Color)]
    assert background == [list(HIGH_CONTRAST.background)]
    big = home.ids.take_ticket.children[0]  # its words
    assert big.base_font_size > home.ids.take_ticket.base_font_size
    app.on_idle()  # the next visitor gets the usual look again
    assert not (app.high_contrast or app.large_text)
