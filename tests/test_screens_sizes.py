"""Sized for the eyes of seventy: capital height, touch targets and contrast, measured.

Every label on every screen, in both languages, with normal and larger text: the capital
"H" is rendered in the label's own font and size and its inked height compared with the
minimum the screen's physical size gives (EN 301 549 5.1.4: 0.7° in larger-text mode).
"""

from __future__ import annotations

from functools import cache
from typing import Any

import pytest

from screens.sizing import LARGE_CAPITAL_DEG, NORMAL_CAPITAL_DEG, Screen
from screens.theme import HIGH_CONTRAST, NORMAL, TEXT_PAIRS, colour, contrast_ratio
from tests.screens_touch import shown


@cache
def capital_height(font_name: str, font_size: float, bold: bool, text: str = "H") -> int:
    """Rows of ink in a rendered "H": what the eye sees of a capital at this size."""
    from kivy.core.text import Label as CoreLabel

    core = CoreLabel(text=text, font_name=font_name, font_size=font_size, bold=bold)
    core.refresh()
    pixels = core.texture.pixels  # RGBA rows
    width, height = core.texture.size
    stride = width * 4
    return sum(
        1 for row in range(height) if any(a > 127 for a in pixels[row * stride + 3 :: 4][:width])
    )


def physical(app: Any) -> Screen:
    from kivy.core.window import Window

    cfg = app.kiosk_config
    return Screen(
        width=Window.width,
        height=Window.height,
        diagonal_in=cfg.ui.diagonal_in,
        distance_mm=cfg.ui.viewing_distance_mm,
    )


def small_labels(app: Any, minimum: float) -> list[str]:
    from kivy.uix.label import Label

    problems = []
    for widget in app.root.walk(restrict=True):
        if isinstance(widget, Label) and widget.text.strip() and shown(widget):
            cap = capital_height(widget.font_name, round(widget.font_size, 1), widget.bold)
            if cap < minimum:
                problems.append(f"{widget.text[:30]!r}: capital {cap} px < {minimum:.1f}")
    return problems


def _second_steps(app: Any) -> dict[str, Any]:
    """States a screen reaches after a tap, which `scenes.show` does not photograph."""

    def reasons() -> None:
        app.current_screen.rate(1)

    def priority() -> None:
        app.current_screen.choose("П", priority=True)

    def more_time() -> None:
        app.idle_warning_s = 20
        app.warn_idle()

    def wrong_code() -> None:
        app.current_screen.ids.code.text = "000000"
        app.current_screen.check_in()

    def booked_ticket() -> None:
        from screens import scenes

        scenes.check_in_sample(app, "late")  # the longest words: the late rule and the wait
        app.current_screen.refresh()

    def topics() -> None:
        app.current_screen.back_to_topics()

    return {
        "rating": reasons,
        "categories": priority,
        "message": more_time,
        "appointment": wrong_code,
        "ticket": booked_ticket,
        "services": topics,
    }


@pytest.mark.parametrize(
    ("size", "large_text"),
    [((1080, 1920), False), ((1080, 1920), True), ((1920, 1080), True)],
    ids=["normal-text", "larger-text", "larger-text-landscape"],
)
def test_every_label_is_big_enough_to_read(
    app: Any, size: tuple[int, int], large_text: bool
) -> None:
    from screens import SCREENS, headless, scenes

    headless.resize(*size)
    minimum = physical(app).min_capital_px(large_text=large_text)
    found = {}
    second = _second_steps(app)
    for language in ("bg", "en"):
        for name in SCREENS:
            for step in ("first", "second") if name in second else ("first",):
                scenes.show(app, name, language=language)
                app.large_text = large_text
                if step == "second":
                    second[name]()
                headless.pump(4)
                problems = small_labels(app, minimum)
                if problems:
                    found[f"{name}-{step}-{language}"] = problems
    degrees = LARGE_CAPITAL_DEG if large_text else NORMAL_CAPITAL_DEG
    assert not found, f"capitals below {degrees:.2f}° ({minimum:.1f} px): {found}"


def test_the_keyboard_keys_are_big_enough(app: Any) -> None:
    from screens import headless, scenes
    from screens.keyboard import LAYOUTS

    screen = physical(app)
    for large_text in (False, True):
        scenes.show(app, "message", language="bg")
        app.large_text = large_text
        headless.pump(4)
        keyboard = app.root.manager.current_screen.ids.keyboard
        keys = keyboard.ids.keypad
        cap = capital_height("Roboto", round(keys.font_size, 1), False)
        assert cap >= screen.min_capital_px(large_text=large_text)
        for layout in LAYOUTS:  # the Latin one has a fifth row, of digits
            keyboard.layout = layout
            headless.pump(2)
            for name, geometry in keys.layout_geometry.items():
                if name.startswith("LINE_") and not name.startswith("LINE_HINT_"):
                    for _pos, (w, h) in geometry:
                        assert min(w, h) >= screen.min_target_px, f"{keys.layout} key {w}x{h}"


def test_every_touch_target_is_at_least_9_mm(app: Any) -> None:
    from kivy.uix.behaviors import ButtonBehavior
    from kivy.uix.textinput import TextInput

    from screens import SCREENS, headless, scenes

    minimum = physical(app).min_target_px
    found = {}
    for large_text in (False, True):
        for name in SCREENS:
            scenes.show(app, name, language="bg")
            app.large_text = large_text
            headless.pump(4)
            small = [
                f"{type(w).__name__} {getattr(w, 'text', '')[:20]!r} {w.width:.0f}x{w.height:.0f}"
                for w in app.root.walk(restrict=True)
                if isinstance(w, ButtonBehavior | TextInput)
                and shown(w)
                and not w.disabled
                and min(w.width, w.height) < minimum
            ]
            if small:
                found[f"{name}-{large_text}"] = small
    assert not found


@pytest.mark.parametrize("theme", [NORMAL, HIGH_CONTRAST], ids=lambda t: t.name)
def test_every_text_colour_has_contrast_4_5(theme: Any) -> None:
    low = {
        (fg, bg): round(ratio, 2)
        for fg, bg in TEXT_PAIRS
        if (ratio := contrast_ratio(colour(theme, fg), colour(theme, bg))) < 4.5
    }
    assert not low


def test_the_contrast_formula_matches_wcag() -> None:
    white, black = (1.0, 1.0, 1.0, 1.0), (0.0, 0.0, 0.0, 1.0)
    grey = (0x76 / 255,) * 3 + (1.0,)  # WCAG's example: #767676 on white is 4.54:1
    assert contrast_ratio(white, black) == pytest.approx(21.0)
    assert contrast_ratio(grey, white) == pytest.approx(4.54, abs=0.01)
    assert contrast_ratio(white, white) == pytest.approx(1.0)


def test_physical_sizes_of_the_default_screen() -> None:
    # a 32" portrait 1080×1920 screen seen from 500 mm (accessibility.md: 6.1 mm, 0.37 mm/px)
    screen = Screen(width=1080, height=1920, diagonal_in=32, distance_mm=500)
    assert screen.mm_per_px == pytest.approx(0.369, abs=0.001)
    assert screen.mm_for_angle(0.7) == pytest.approx(6.11, abs=0.01)
    assert screen.min_capital_px(large_text=True) == pytest.approx(16.6, abs=0.1)
    assert screen.min_target_px == pytest.approx(24.4, abs=0.1)
    smaller = Screen(width=1080, height=1920, diagonal_in=21.5, distance_mm=500)
    assert smaller.min_capital_px(large_text=True) > screen.min_capital_px(large_text=True)


@pytest.mark.parametrize("row", ["speech_bar", "access"])
@pytest.mark.parametrize("language", ["bg", "en"])
def test_larger_text_enlarges_the_rows_of_buttons_of_a_fixed_height(
    app: Any, language: str, row: str
) -> None:
    from kivy.uix.label import Label

    from screens import headless, scenes
    from screens.theme import LARGE_TEXT_SCALE

    # GIVEN the speech bar of a kiosk that reads aloud, under the home screen, and the home
    # screen's row of language, larger text and contrast
    app.can_read_aloud = True
    try:
        measured = {}
        for large_text in (False, True):
            scenes.show(app, "home", language=language)
            app.large_text = large_text
            headless.pump(4)
            bar = app.root.speech_bar if row == "speech_bar" else app.current_screen.ids.access
            measured[large_text] = (
                bar.height,
                {
                    w.text: capital_height(w.font_name, round(w.font_size, 1), w.bold)
                    for w in bar.walk(restrict=True)
                    if isinstance(w, Label) and w.text.strip() and shown(w)
                },
            )
        # THEN with larger text the bar is taller and every one of its words as enlarged as
        # the screen's (a capital's rows of ink, less a row for rounding)
        (normal_height, normal), (large_height, large) = measured[False], measured[True]
        assert large_height >= normal_height * LARGE_TEXT_SCALE - 1
        assert normal.keys() == large.keys() and len(normal) == (5 if row == "speech_bar" else 3)
        small = {
            text: (normal[text], large[text])
            for text in normal
            if large[text] < normal[text] * LARGE_TEXT_SCALE - 1
        }
        assert not small, f"capital px, normal → larger text: {small}"
    finally:
        app.can_read_aloud = False


@pytest.mark.parametrize("large_text", [False, True], ids=["normal-text", "larger-text"])
def test_the_pin_shows_each_digit_typed_as_a_mark_as_tall_as_the_words(
    app: Any, large_text: bool
) -> None:
    from kivy.metrics import sp

    from screens import headless, scenes

    # GIVEN the staff PIN with two digits typed
    scenes.show(app, "admin", language="bg")
    app.large_text = large_text
    pin = app.current_screen.ids.pin
    pin.text = "12"
    headless.pump(4)
    # THEN each mark inks at least a capital of the screen's body text, and the field holds it
    mark = capital_height(pin.font_name, round(pin.font_size, 1), False, pin.password_mask)
    body = capital_height("Roboto", round(sp(24) * app.font_scale, 1), False)
    assert mark >= body, (mark, body)
    assert pin.height >= pin.line_height + pin.padding[1] + pin.padding[3]


@pytest.mark.parametrize("language", ["bg", "en"])
def test_larger_text_enlarges_the_words_of_every_button(app: Any, language: str) -> None:
    from screens import SCREENS, headless, scenes
    from screens.theme import LARGE_TEXT_SCALE
    from screens.widgets import FitLabel

    # GIVEN every screen with normal and with larger text, the speech bar below
    app.can_read_aloud = True
    try:
        found = {}
        for name in SCREENS:
            sizes: dict[bool, dict[str, float]] = {}
            for large_text in (False, True):
                scenes.show(app, name, language=language)
                app.large_text = large_text
                headless.pump(4)
                sizes[large_text] = {}
                for w in app.root.walk(restrict=True):
                    if isinstance(w, FitLabel) and w.text.strip() and shown(w):
                        sizes[large_text][w.text] = min(
                            w.font_size, sizes[large_text].get(w.text, w.font_size)
                        )
            # THEN a button's words, which shrink to fit their button, are not shrunk back
            # by a button of a fixed height: larger text enlarges them as every other label
            small = {
                text: (round(size), round(sizes[True].get(text, 0)))
                for text, size in sizes[False].items()
                if sizes[True].get(text, 0) < size * LARGE_TEXT_SCALE * 0.97
            }
            if small:
                found[name] = small
    finally:
        app.can_read_aloud = False
    assert not found, f"font size, normal → larger text: {found}"
