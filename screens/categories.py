"""Take a ticket: one large button per queue category, with how many wait in it."""

from __future__ import annotations

from kivy.factory import Factory

from kiosk.labels import wait_text
from kiosk.queue import QueueError
from screens.base import KioskScreen
from screens.pictograms import GROUP_PICTOGRAMS


def category_pictogram(priority: bool, counter_groups: tuple[str, ...]) -> str:
    if priority:
        return "priority"
    if not counter_groups or "general" in counter_groups:
        return "general"  # a category for all sorts of services
    return GROUP_PICTOGRAMS.get(counter_groups[0], "general")


class CategoriesScreen(KioskScreen):
    def refresh(self) -> None:
        app, lang = self.app, self.app.language
        grid = self.ids.grid
        grid.clear_widgets()
        for c in app.queue.status().categories:
            waiting = app.ntr("{n} waiting", "{n} waiting", c.waiting).format(n=c.waiting)
            button = Factory.TapButton(
                icon=category_pictogram(c.priority, c.counter_groups),
                text=f"{c.code} — {getattr(c, f'name_{lang}')}\n{waiting}, {wait_text(c.estimated_wait_minutes, lang)}",
                size_hint_y=1,
            )
            button.category = c.code
            button.bind(on_release=lambda b: self.take(b.category))
            grid.add_widget(button)

    def take(self, category: str) -> None:
        take_ticket(self.app, category=category, service=None)


def take_ticket(app, *, category: str, service) -> None:
    """Issue a ticket, show it and send it to the printer; closed hours go to the closed screen."""
    try:
        ticket = app.queue.issue(
            category=category,
            service_id=service.id if service else None,
            language=app.language,
        )
    except QueueError:  # closed hours, or the day's numbers used up: the closed screen says which
        app.go_to("closed")
        return
    app.current_ticket = ticket
    app.current_service = service
    app.go_to("ticket")
    app.print_ticket(ticket, service)


SCREEN = CategoriesScreen
