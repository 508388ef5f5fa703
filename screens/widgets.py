"""The kiosk's building blocks: finger-sized buttons with pictograms, chips, fields, labels."""

from __future__ import annotations

from typing import Any

from kivy.clock import Clock
from kivy.metrics import dp, sp
from kivy.properties import (
    BooleanProperty,
    NumericProperty,
    ObjectProperty,
    OptionProperty,
    StringProperty,
)
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.label import Label
from kivy.uix.textinput import TextInput

MIN_SHRINK = 0.6


class FitLabel(Label):
    """Wraps to its width and, when the text is still too tall, shrinks its font down to 60 %."""

    base_font_size = NumericProperty(sp(24))

    def __init__(self, **kwargs) -> None:
        self._fit = Clock.create_trigger(self.fit, -1)
        super().__init__(**kwargs)
        for prop in ("size", "text", "base_font_size"):
            self.fbind(prop, self._fit)

    def fit(self, *_args: object) -> None:
        size = self.base_font_size
        self.font_size = size
        self.text_size = (max(1, self.width - self.padding[0] - self.padding[2]), None)
        self.texture_update()
        while self.texture_size[1] > self.height and size > self.base_font_size * MIN_SHRINK:
            size *= 0.92
            self.font_size = size
            self.texture_update()


class TapButton(ButtonBehavior, BoxLayout):
    """A large button: a pictogram (optional) above or beside its words."""

    text = StringProperty("")
    icon = StringProperty("")
    primary = BooleanProperty(False)
    base_font_size = NumericProperty(sp(26))
    face = NumericProperty(0)  # 1–5: a rating face, coloured red to green as well as drawn


class Chip(ButtonBehavior, BoxLayout):
    """A choice that is on or off; "on" shows a tick and a heavier border, not only a colour.

    Its pictogram stays beside the tick: the drawing still says what was chosen.
    """

    text = StringProperty("")
    icon = StringProperty("")
    icon_size = NumericProperty(dp(44))
    selected = BooleanProperty(False)
    value = ObjectProperty(None, allownone=True)
    base_font_size = NumericProperty(sp(22))


class CheckRow(ButtonBehavior, BoxLayout):
    """A tick box with its words; the whole row is the target."""

    text = StringProperty("")
    active = BooleanProperty(False)

    def on_release(self) -> None:
        self.active = not self.active


class KioskField(TextInput):
    """A text field typed on the on-screen keyboard only: no copy bubble, no handles.

    It says which keyboard it needs (`keyboard`), keeps to `max_length` characters, and
    has a clear (×) button at its right end while it holds text.
    """

    error = StringProperty("")
    #: text (the language's letters), contact (a phone or an e-mail: Latin with digits),
    #: digits, a registration number or a check code (the digit pad)
    keyboard = OptionProperty(
        "text", options=("text", "contact", "digits", "reg_number", "check_code")
    )
    max_length = NumericProperty(0)  # 0: no limit

    def clear_box(self) -> tuple[float, float, float, float]:
        """Where the × is drawn and touched: a square at the right end, as tall as one line."""
        side = min(self.height, dp(80))
        return (self.right - side, self.top - side, side, side)

    def on_touch_down(self, touch: Any) -> bool:
        x, y, w, h = self.clear_box()
        if self.text and not self.disabled and x <= touch.x <= x + w and y <= touch.y <= y + h:
            self.text = ""
            self.focus = True
            return True
        return super().on_touch_down(touch)

    def insert_text(self, substring: str, from_undo: bool = False) -> None:
        if self.max_length:
            substring = substring[: max(0, int(self.max_length) - len(self.text))]
        super().insert_text(substring, from_undo=from_undo)


class IdleWarning(BoxLayout):
    """The question "Do you need more time?" over the screen, with the seconds left; a touch says yes."""

    seconds_left = NumericProperty(20)


class Reveal(BoxLayout):
    """A part of a screen that is there or not: hidden, it takes no touches and shows nothing.

    A hidden part keeps its children laid out beyond its zero height, where they would
    otherwise swallow touches meant for what is drawn there.
    """

    shown = BooleanProperty(True)

    def on_touch_down(self, touch: Any) -> bool:
        return bool(self.shown and super().on_touch_down(touch))

    def on_touch_move(self, touch: Any) -> bool:
        return bool(self.shown and super().on_touch_move(touch))

    def on_touch_up(self, touch: Any) -> bool:
        return bool(self.shown and super().on_touch_up(touch))


class SpeechBar(BoxLayout):
    """Read aloud / stop, repeat, quieter, louder: below every screen, while speech exists."""


class TopBar(BoxLayout):
    title = StringProperty("")
    show_back = BooleanProperty(True)
