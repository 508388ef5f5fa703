"""What every kiosk screen has: the running app, a refresh on entry, a clean slate when a visit ends."""

from __future__ import annotations

from typing import Any

from kivy.app import App
from kivy.uix.screenmanager import Screen
from kivy.uix.scrollview import ScrollView

from screens.keyboard import OnScreenKeyboard
from screens.widgets import KioskField


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
