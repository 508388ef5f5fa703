"""The on-screen keyboard: Kivy's VKeyboard with Bulgarian (БДС, phonetic), Latin and digit layouts.

A kiosk has no physical keyboard: the keyboard types into whichever field was touched
last (`target`), so several fields on one form share it. It opens on the layout the
field needs (its `keyboard` kind), Enter does what the field's form does next, and the
visitor can close it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kivy.app import App
from kivy.clock import Clock
from kivy.properties import BooleanProperty, ObjectProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.vkeyboard import VKeyboard

LAYOUTS_DIR = Path(__file__).parent / "keyboards"
#: Layout names in the order of the switch buttons, with the words on each button.
LAYOUTS = {"phonetic": "ЯВЕРТЪ", "bds": "БДС", "latin": "ABC", "digits": "123"}
#: A text field's layout follows the language on screen.
TEXT_LAYOUT = {"bg": "phonetic", "en": "latin"}
#: Fields whose content has one script whatever the language: a phone or an e-mail, and a
#: receipt's registration number (its site prefix may be left out, kiosk.message_status);
#: a PIN and a check or booking code are digits alone (kiosk.messages, kiosk.appointments).
#: A phone-or-e-mail field opens on the Latin letters, whose top row is the digits: on the
#: digit pad a visitor with an e-mail address met no letters and no sign of where they were.
FIXED_LAYOUT = {
    "contact": "latin",
    "reg_number": "digits",
    "digits": "code",
    "check_code": "code",
}
#: Layouts with nothing to switch to: a field of digits alone gets a telephone's keypad of
#: big keys, and no letters or signs a visitor could press by mistake.
ONLY_LAYOUT = frozenset({"code"})


def layout_for(kind: str, language: str) -> str:
    """The layout a field of this kind opens on, in this language."""
    return FIXED_LAYOUT.get(kind) or TEXT_LAYOUT[language]


class KioskKeys(VKeyboard):
    """VKeyboard fixed in place: no dragging, turning or zooming by a visitor."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("layout_path", str(LAYOUTS_DIR))
        kwargs.setdefault("layout", "phonetic")
        super().__init__(**kwargs)
        self.do_translation = self.do_rotation = self.do_scale = False
        # VKeyboard lays its keys out once; in a layout its size changes after that
        self.fbind("size", Clock.create_trigger(lambda _dt: self.refresh(True)))

    def setup_mode_free(self) -> None:
        self.do_translation = self.do_rotation = self.do_scale = False


class OnScreenKeyboard(BoxLayout):
    target = ObjectProperty(None, allownone=True)
    layout = StringProperty("phonetic")
    #: Shown while the visitor types; closed by its own button or by Enter where that ends typing.
    shown = BooleanProperty(True)
    #: Whether a new visitor finds it open (a form) or closed until a field is touched (a search).
    opens_shown = BooleanProperty(True)
    #: Whether the layout may be switched: not on a field of digits alone (ONLY_LAYOUT).
    switchable = BooleanProperty(True)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._fields: list[Any] = []
        self.reset()
        # redrawing a keyboard's keys is slow: only the one on screen follows at once
        App.get_running_app().bind(
            language=lambda *_a: self.get_root_window() and self.follow_language()
        )

    def attach(self, *fields: Any) -> None:
        """Type into these fields: the one touched becomes the target, and the keyboard opens."""
        for field in fields:
            self._fields.append(field)
            field.bind(focus=self._focused)
        if self.target is None and fields:
            self.target = fields[0]

    def _focused(self, field: Any, focused: bool) -> None:
        if focused:
            self.target = field
            self.shown = True

    def on_opens_shown(self, *_args: object) -> None:
        self.shown = self.opens_shown

    def on_target(self, *_args: object) -> None:
        if self.target is not None:
            self.layout = layout_for(self.target.keyboard, App.get_running_app().language)

    def on_layout(self, *_args: object) -> None:
        self.switchable = self.layout not in ONLY_LAYOUT

    def follow_language(self) -> None:
        """A text field's layout follows a language switch; an e-mail or phone field keeps its own."""
        if self.target is not None:
            self.layout = layout_for(self.target.keyboard, App.get_running_app().language)
        else:
            self.layout = TEXT_LAYOUT[App.get_running_app().language]

    def reset(self) -> None:
        """The next visitor's keyboard: first field, its layout, open or closed as at the start."""
        if self._fields:
            self.target = self._fields[0]
        self.follow_language()
        self.shown = self.opens_shown

    def on_touch_down(self, touch: Any) -> bool:
        # closed, its keys stay laid out under a zero height: they must take no touch
        return bool(self.shown and super().on_touch_down(touch))

    def close(self) -> None:
        self.shown = False
        if self.target is not None:
            self.target.focus = False

    def type_text(self, text: str) -> None:
        target = self.target
        if target is None:
            return
        if text == "\n" and not target.multiline:
            target.dispatch("on_text_validate")  # the form decides: next field, search, unlock
            return
        target.insert_text(text)

    def on_key_down(self, _keyboard: Any, keycode: str | None, text: str | None, *_a: Any) -> None:
        if self.target is None:
            return
        if keycode == "backspace":
            self.target.do_backspace()
        elif text and keycode not in ("shift", "capslock", "layout", "special"):
            # window providers other than SDL2 send printable keys here, not as textinput
            self.type_text(text)
