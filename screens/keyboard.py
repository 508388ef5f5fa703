"""The on-screen keyboard: Kivy's VKeyboard with Bulgarian (БДС, phonetic), Latin and digit layouts.

A kiosk has no physical keyboard: the keyboard types into whichever field was touched
last (`target`), so several fields on one form share it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kivy.app import App
from kivy.clock import Clock
from kivy.properties import ObjectProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.vkeyboard import VKeyboard

LAYOUTS_DIR = Path(__file__).parent / "keyboards"
#: Layout names in the order of the switch buttons, with the words on each button.
LAYOUTS = {"phonetic": "ЯВЕРТЪ", "bds": "БДС", "latin": "ABC", "digits": "123"}
DEFAULT_LAYOUT = {"bg": "phonetic", "en": "latin"}


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

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._language = ""
        self.follow_language()
        # redrawing a keyboard's keys is slow: only the one on screen follows at once
        App.get_running_app().bind(
            language=lambda *_a: self.get_root_window() and self.follow_language()
        )

    def follow_language(self) -> None:
        """The layout of the app's language, unless the visitor chose another since."""
        language = App.get_running_app().language
        if language != self._language:
            self._language = language
            self.layout = DEFAULT_LAYOUT[language]

    def type_text(self, text: str) -> None:
        target = self.target
        if target is None:
            return
        if text == "\n" and not target.multiline:
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
