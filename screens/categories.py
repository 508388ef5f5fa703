"""Take a ticket: one large button per queue category, with how many wait in it."""

from __future__ import annotations

from typing import Any

from kivy.factory import Factory
from kivy.properties import StringProperty

from kiosk.labels import wait_text
from screens.base import KioskScreen
from screens.issuing import take_ticket
from screens.latin import latin_hint
from screens.pictograms import GROUP_PICTOGRAMS


def category_pictogram(priority: bool, counter_groups: tuple[str, ...]) -> str:
    if priority:
        return "priority"
    if not counter_groups or "general" in counter_groups:
        return "general"  # a category for all sorts of services
    return GROUP_PICTOGRAMS.get(counter_groups[0], "general")


def letter(app: Any, code: str) -> str:
    """A category's letter; in English with its Latin reading, as the board calls "B 23"."""
    latin = latin_hint(code)
    if app.language == "bg" or not latin:
        return code
    return app.tr("{letter} ({latin})").format(letter=code, latin=latin)


def waiting_words(app: Any, n: int) -> str:
    if n == 0:
        return app.tr("Nobody waiting")
    return app.ntr("{n} waiting", "{n} waiting", n).format(n=n)


class CategoriesScreen(KioskScreen):
    #: The priority category waiting for "yes, that is me"; "" when none is asked.
    confirming = StringProperty("")

    def refresh(self) -> None:
        app, lang = self.app, self.app.language
        self.confirming = ""
        grid = self.ids.grid
        grid.clear_widgets()
        for c in app.queue.status().categories:
            waiting = waiting_words(app, c.waiting)
            button = Factory.TapButton(
                icon=category_pictogram(c.priority, c.counter_groups),
                text=f"{letter(app, c.code)} — {c.name.get(lang)}\n{waiting}, {wait_text(c.estimated_wait_minutes, lang)}",
                size_hint_y=1,
            )
            button.category, button.priority = c.code, c.priority
            button.bind(on_release=lambda b: self.choose(b.category, priority=b.priority))
            grid.add_widget(button)

    def choose(self, category: str, *, priority: bool) -> None:
        if priority:
            self.confirming = category  # who is entitled, and "is that you?", first
            self.step_shown()
            return
        self.take(category)

    def confirm(self) -> None:
        category, self.confirming = self.confirming, ""
        self.take(category)

    def take(self, category: str) -> None:
        take_ticket(self.app, category=category, service=None)

    def reset(self) -> None:
        self.confirming = ""


SCREEN = CategoriesScreen
