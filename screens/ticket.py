"""The issued ticket: the number, huge; people ahead; the wait; whether the paper came out."""

from __future__ import annotations

from typing import Any

from kivy.properties import StringProperty

from kiosk.labels import wait_text
from screens.base import KioskScreen
from screens.categories import latin_hint


class TicketScreen(KioskScreen):
    number = StringProperty("")
    details = StringProperty("")
    print_text = StringProperty("")
    print_icon = StringProperty("print")

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.app.bind(print_result=lambda *_a: self.refresh())

    @property
    def holds_when_idle(self) -> bool:  # type: ignore[override]
        result = self.app.print_result
        return self.app.current_ticket is not None and result is not None and not result.ok

    def refresh(self) -> None:
        app, lang = self.app, self.app.language
        ticket = app.current_ticket
        if ticket is None:
            self.number = self.details = self.print_text = ""
            return
        self.number = ticket.label
        lines = [getattr(ticket, f"category_name_{lang}")]
        latin = latin_hint(ticket.category_code)
        if lang != "bg" and latin:
            lines.insert(
                0,
                app.tr("(the letter {letter} reads {latin})").format(
                    letter=ticket.category_code, latin=latin
                ),
            )
        if app.current_service is not None:
            lines.append(app.current_service.text("name", lang))
        lines.append(
            app.ntr(
                "{n} person ahead of you", "{n} people ahead of you", ticket.people_ahead
            ).format(n=ticket.people_ahead)
            if ticket.people_ahead
            else app.tr("Nobody is waiting ahead of you")
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

    def spoken_text(self) -> str:
        return "\n".join((self.number, self.details, self.print_text))

    def done(self) -> None:
        self.app.end_visit()


SCREEN = TicketScreen
