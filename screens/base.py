"""What every kiosk screen has: the running app, a refresh on entry, a reset when idle."""

from __future__ import annotations

from typing import Any

from kivy.app import App
from kivy.uix.screenmanager import Screen


class KioskScreen(Screen):
    #: True while the screen must not be left by the idle timer (an unprinted ticket).
    holds_when_idle = False

    @property
    def app(self) -> Any:
        return App.get_running_app()

    def on_pre_enter(self, *_args: object) -> None:
        self.refresh()

    def refresh(self) -> None:
        """Fill the screen from the app's state and the domain; called on every entry."""

    def reset(self) -> None:
        """Forget what a visitor chose or typed (the idle timer's clean slate)."""
