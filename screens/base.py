"""What every kiosk screen has: the running app, a refresh on entry, a clean slate when a visit
ends, and its words read aloud."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator
from typing import Any

from kivy.app import App
from kivy.clock import Clock
from kivy.properties import StringProperty
from kivy.uix.label import Label
from kivy.uix.screenmanager import Screen
from kivy.uix.scrollview import ScrollView
from kivy.uix.textinput import TextInput

from screens.keyboard import OnScreenKeyboard
from screens.widgets import Chip, KioskField, TopBar

SENTENCE_END = ".!?:…"


def shown_texts(widget: Any) -> Iterator[str]:
    """The words a visitor sees under a widget, in the order its layout declares them.

    What is typed is never read back (a name or contact would go out through the speaker,
    a PIN would be told to the room); the keyboard's keys and hidden parts are not read.
    """
    if widget.opacity == 0:
        return
    if isinstance(widget, TextInput | OnScreenKeyboard):
        return
    if isinstance(widget, TopBar):  # the way back and home are on every screen: the title only
        yield widget.title
        return
    if isinstance(widget, Chip) and widget.selected:
        yield App.get_running_app().tr("{choice}: selected").format(choice=widget.text)
        return
    if isinstance(widget, Label):
        yield from (line.strip() for line in widget.text.splitlines() if line.strip())
        return
    for child in reversed(widget.children):
        yield from shown_texts(child)


def as_sentences(texts: Iterator[str]) -> str:
    """Texts joined so that the voice pauses between them, as the eye does."""
    texts = (t.removeprefix("• ") for t in texts)  # a list's bullets are seen, not said
    return " ".join(t if t[-1] in SENTENCE_END else f"{t}." for t in texts if t)


class KioskScreen(Screen):
    #: True while the screen must not be left by the idle timer (an unprinted ticket).
    holds_when_idle = False

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.app.bind(language=self._language_changed)

    @property
    def app(self) -> Any:
        return App.get_running_app()

    def _language_changed(self, *_args: object) -> None:
        # a screen that is not shown is filled again when it is entered
        if self.manager is not None and self.manager.current == self.name:
            self.language_changed()

    def language_changed(self) -> None:
        self.refresh()

    def on_pre_enter(self, *_args: object) -> None:
        keyboard = self.ids.get("keyboard")
        if keyboard is not None:
            keyboard.follow_language()
        self.refresh()

    def refresh(self) -> None:
        """Fill the screen from the app's state and the domain; called on every entry."""

    def end_visit(self) -> None:
        """The next visitor's screen: no text in a field, keyboards on their first layout, at the top."""
        for widget in self.walk(restrict=True):
            if isinstance(widget, KioskField):
                widget.text = ""
                widget.focus = False
            elif isinstance(widget, ScrollView):
                widget.scroll_y = 1
        self.reset()
        for widget in self.walk(restrict=True):
            if isinstance(widget, OnScreenKeyboard):
                widget.reset()

    def reset(self) -> None:
        """Forget what this screen alone keeps of a visitor's choices (topic, step, face)."""

    @property
    def speaks_on_entry(self) -> bool:
        """Whether the screen is read out as it opens: once the visitor has asked for speech."""
        return bool(self.app.speech_mode)

    def step_shown(self) -> None:
        """A new step on this screen (the reasons after a face, who priority is for): read
        to a visitor who listens as a new screen would be, or they must choose unheard."""
        if self.app.speech_mode:
            # after this frame: the step's words are in the layout by then
            Clock.schedule_once(lambda _dt: self.app.speak_screen(self))

    def spoken_text(self) -> str:
        """What the screen shows, as one text to read aloud."""
        return as_sentences(shown_texts(self))


class PausingScreen(KioskScreen):
    """A check a kiosk may get wrong only so often (a message's code, a booking's): after
    the last wrong try it pauses, with a countdown, until the domain's window ends."""

    #: "ask" for what is typed, "result" for the answer, "paused" after too many wrong tries
    step = StringProperty("ask")
    problem = StringProperty("")
    pause_text = StringProperty("")

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._paused_until: dt.datetime | None = None
        self._ticking: Any = None

    def now(self) -> dt.datetime:
        """The clock of the domain that counts the tries."""
        raise NotImplementedError

    def paused_words(self, left: str) -> str:
        """The pause in words, with the time left as "m:ss"."""
        raise NotImplementedError

    def tell(self, problem: str) -> None:
        self.problem = problem
        if self.app.speech_mode:  # what stops the check is told without sight too
            self.app.say(problem)

    def pause(self, until: dt.datetime) -> None:
        self._paused_until = until
        self.step = "paused"
        self.problem = ""
        self.ids.keyboard.close()
        if self._ticking is None:
            self._ticking = Clock.schedule_interval(lambda _dt: self.tick(), 1.0)
        self.tick()

    def tick(self) -> bool:
        """The pause's countdown; the fields come back when it ends."""
        if self._paused_until is None:
            return False
        left = math.ceil((self._paused_until - self.now()).total_seconds())
        if left <= 0:
            self.stop_ticking()
            self.step = "ask"
            self.pause_text = ""
            return False
        self.pause_text = self.paused_words(f"{left // 60}:{left % 60:02d}")
        return True

    def stop_ticking(self) -> None:
        if self._ticking is not None:
            self._ticking.cancel()
            self._ticking = None
        self._paused_until = None

    @property
    def paused(self) -> bool:
        return self._paused_until is not None
