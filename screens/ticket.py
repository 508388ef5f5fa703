"""The issued ticket: the number, huge; people ahead; the wait; whether the paper came out."""

from __future__ import annotations

from typing import Any

from kivy.clock import Clock
from kivy.properties import BooleanProperty, StringProperty

from kiosk.check_in import CheckedIn
from kiosk.labels import wait_text
from kiosk.spoken import spoken_label
from screens.base import KioskScreen
from screens.latin import latin_hint

#: How long an unprinted number stays on screen for its visitor before the next one's turn.
FAILED_STAYS_MIN = 3


def appointment_lines(app: Any, booked: CheckedIn) -> list[str]:
    """A booked visitor's ticket in words: when it is called, or why it waits in turn."""
    time = booked.starts_at.astimezone(app.kiosk_config.tz).strftime("%H:%M")
    lines = (
        [app.tr("You have checked in already: this is your ticket again.")] if booked.again else []
    )
    if booked.late:
        lines.append(app.tr("Your appointment was at {time}.").format(time=time))
        lines.append(
            app.ntr(
                "Booked visitors can check in up to {n} minute after their time, so this ticket waits in turn.",
                "Booked visitors can check in up to {n} minutes after their time, so this ticket waits in turn.",
                booked.late_minutes,
            ).format(n=booked.late_minutes)
        )
        return lines
    lines.append(app.tr("Your appointment is at {time}.").format(time=time))
    if app.clock() < booked.starts_at:
        lines.append(app.tr("You will be called at {time}.").format(time=time))
    else:  # the slot has begun: the ticket is due now
        lines.append(app.tr("You will be called before visitors without an appointment."))
    return lines


class TicketScreen(KioskScreen):
    number = StringProperty("")
    details = StringProperty("")
    print_text = StringProperty("")
    print_icon = StringProperty("print")
    can_retry = BooleanProperty(False)  # one more try, once, after a failed print
    stays_s = FAILED_STAYS_MIN * 60.0

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.app.bind(print_result=lambda *_a: self._printed())
        self._retried = False
        self._stay: Any = None

    @property
    def holds_when_idle(self) -> bool:  # type: ignore[override]
        result = self.app.print_result
        return self.app.current_ticket is not None and result is not None and not result.ok

    def _printed(self) -> None:
        result = self.app.print_result
        failed = self.app.current_ticket is not None and result is not None and not result.ok
        self.can_retry = failed and not self._retried
        if self._stay is not None:
            self._stay.cancel()
        # the number stays for its visitor, not for ever: the next one must find the start
        self._stay = Clock.schedule_once(self._time_up, self.stays_s) if failed else None
        self.refresh()
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
        lines = [ticket.category_name.get(lang)]
        latin = latin_hint(ticket.category_code)
        if lang != "bg" and latin:
            lines.insert(
                0,
                app.tr("(the letter {letter} reads {latin})").format(
                    letter=ticket.category_code, latin=latin
                ),
            )
        if app.current_service is not None:
            lines.append(app.current_service.name.get(lang))
        booked = app.current_check_in
        if booked is not None and booked.ticket.uuid != ticket.uuid:
            booked = None  # a ticket taken after a check-in in the same visit
        if booked is not None:
            lines.extend(appointment_lines(app, booked))
        if booked is None or booked.late:  # a ticket called at its slot waits for no one ahead
            lines.append(
                app.ntr(
                    "{n} person ahead of you", "{n} people ahead of you", ticket.people_ahead
                ).format(n=ticket.people_ahead)
                if ticket.people_ahead
                else app.tr("Nobody is waiting ahead of you")
            )
            lines.append(
                app.tr("Estimated wait: {wait}").format(
                    # the range the paper prints, when the estimate is unsure: one wait told
                    wait=wait_text(ticket.estimated_wait_minutes, lang, between=ticket.wait_range)
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
            self.print_text = "\n".join(
                (
                    app.tr(
                        "The ticket could not be printed. Show this screen or tell the clerk your number: {number}."
                    ).format(number=ticket.label),
                    app.ntr(
                        "This screen returns to the start in {n} minute.",
                        "This screen returns to the start in {n} minutes.",
                        FAILED_STAYS_MIN,
                    ).format(n=FAILED_STAYS_MIN),
                )
            )

    #: read out once the printer has answered, not as it opens (see _printed)
    speaks_on_entry = False

    def spoken_text(self) -> str:
        text = super().spoken_text()
        return text.replace(self.number, spoken_label(self.number, self.app.language))

    def retry_print(self) -> None:
        """One more try: a printer that was only out of paper for a moment may print now."""
        self._retried, self.can_retry = True, False
        app = self.app
        app.print_ticket(app.current_ticket, app.current_service, check_in=app.current_check_in)

    def _time_up(self, _dt: float) -> None:
        self._stay = None
        if self.manager is not None and self.manager.current == self.name:
            self.app.end_visit()

    def reset(self) -> None:
        self._retried = self.can_retry = False
        if self._stay is not None:
            self._stay.cancel()
            self._stay = None

    def done(self) -> None:
        self.app.end_visit()


SCREEN = TicketScreen
