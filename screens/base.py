"""What every kiosk screen has: the running app, a refresh on entry, a reset when idle."""

from __future__ import annotations

from typing import Any

from kivy.app import App
from kivy.uix.screenmanager import Screen


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

    def reset(self) -> None:
        """Forget what a visitor chose or typed (the idle timer's clean slate)."""
