"""The issued ticket: the number, huge; people ahead; the wait; whether the paper came out."""

from __future__ import annotations

from typing import Any

from kivy.properties import StringProperty

from kiosk.labels import wait_text
from kiosk.spoken import spoken_label
from screens.base import KioskScreen


class TicketScreen(KioskScreen):
    number = StringProperty("")
    details = StringProperty("")
    print_text = StringProperty("")
    print_icon = StringProperty("print")

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.app.bind(print_result=lambda *_a: self._printed())

    @property
    def holds_when_idle(self) -> bool:  # type: ignore[override]
        result = self.app.print_result
        return self.app.current_ticket is not None and result is not None and not result.ok

    def _printed(self) -> None:
        self.refresh()
        result = self.app.print_result
        shown = self.manager is not None and self.manager.current == self.name
        if shown and result is not None:
            # the ticket is also given as speech, asked for or not (EN 301 549 5.1.3.16),
            # with whether the paper came out: a failure is told without sight too (5.1.3.15)
            self.app.say(self.spoken_text())

    def refresh(self) -> None:
        app, lang = self.app, self.app.language
        ticket = app.current_ticket
        if ticket is None:
            self.number = self.details = self.print_text = ""
            return
        self.number = ticket.label
        lines = [getattr(ticket, f"category_name_{lang}")]
        if app.current_service is not None:
            lines.append(app.current_service.text("name", lang))
        lines.append(
            app.ntr(
                "{n} person ahead of you", "{n} people ahead of you", ticket.people_ahead
            ).format(n=ticket.people_ahead)
        )
        lines.append(
            app.tr("Estimated wait: {wait}").format(
                wait=wait_text(ticket.estimated_wait_minutes, lang)
            )
        )
        if ticket.counters:
            lines.append(
                app.tr("Counters: {numbers}").format(numbers=", ".join(map(str, ticket.counters)))
            )
        self.details = "\n".join(lines)
        result = app.print_result
        if result is None:
            self.print_icon, self.print_text = "print", app.tr("Printing your ticket…")
        elif result.ok:
            self.print_icon, self.print_text = (
                "check",
                app.tr("Take your ticket from the printer below."),
            )
        else:
            self.print_icon = "warning"
            self.print_text = app.tr(
                "The ticket could not be printed. Please note your number: {number}"
            ).format(number=ticket.label)

    #: read out once the printer has answered, not as it opens (see _printed)
    speaks_on_entry = False

    def spoken_text(self) -> str:
        text = super().spoken_text()
        return text.replace(self.number, spoken_label(self.number, self.app.language))

    def done(self) -> None:
        self.app.end_visit()


SCREEN = TicketScreen
