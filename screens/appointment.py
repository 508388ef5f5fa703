"""I have an appointment ("Имам записан час"): the booking's six-digit code gives its ticket.

The ticket screen shows and prints it as any other, with the appointment's time or, for a
visitor later than the window, the rule that makes it a walk-in ticket. A code that gives
no ticket is refused in words that say what to do; too many wrong codes pause this kiosk
with a countdown (kiosk.check_in counts them in the database).
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from kiosk.appointments import CODE_DIGITS
from kiosk.check_in import (
    CheckInPaused,
    CheckInRefused,
    CheckIns,
    OtherDay,
    TicketUsed,
    TooEarly,
)
from kiosk.db import StorageFailed
from kiosk.labels import date_words
from kiosk.queue import QueueError
from screens.base import PausingScreen
from screens.issuing import show_ticket

log = logging.getLogger(__name__)


def refusal_text(app: Any, refused: CheckInRefused) -> str:
    """Why a code gives no ticket, and what the visitor can do, by the refusal's code."""
    tz = app.kiosk_config.tz
    if isinstance(refused, OtherDay):
        day = date_words(refused.day, app.language)
        if refused.past:
            return app.tr(
                "This booking was for {date}. You can take a ticket and wait in turn."
            ).format(date=day)
        return app.tr("This booking is for {date}. Please come on that day.").format(date=day)
    if isinstance(refused, TooEarly):
        return app.tr(
            "It is too early to check in for this booking. Please come back from {time}."
        ).format(time=refused.opens_at.astimezone(tz).strftime("%H:%M"))
    if isinstance(refused, TicketUsed):
        return app.tr(
            "The ticket of this booking, {number}, has already been called. Please ask at the counter."
        ).format(number=refused.label)
    texts = {
        "check_in_unknown": app.tr(
            "No booking has this code. Please check the 6 digits in your confirmation and try again."
        ),
        "check_in_cancelled": app.tr(
            "This booking was cancelled. You can take a ticket and wait in turn."
        ),
    }
    return texts[refused.code]


class AppointmentScreen(PausingScreen):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        app = self.app
        self.desk = CheckIns(app.db, app.kiosk_config, clock=app.clock, queue=app.queue)
        ids = self.ids
        ids.keyboard.attach(ids.code)
        ids.code.bind(on_text_validate=lambda *_a: self.check_in())
        ids.code.bind(text=self._typed)
        self._shown_code = ""
        self._refused: CheckInRefused | None = None  # told again in a language switched to

    def _typed(self, _field: Any, text: str) -> None:
        self.problem, self._refused = "", None
        # each digit said as it is typed, for a visitor who cannot see the field
        if self.app.speech_mode and len(text) == len(self._shown_code) + 1:
            self.app.say(text[-1])
        self._shown_code = text

    def refresh(self) -> None:
        until = self.desk.paused_until()
        if until is not None:
            self.pause(until)
        elif self.step == "ask":
            self.ids.code.focus = True

    def language_changed(self) -> None:
        if self._refused is not None:
            self.problem = refusal_text(self.app, self._refused)
        if self.paused:
            self.tick()

    def now(self) -> dt.datetime:
        return self.desk.clock()

    def paused_words(self, left: str) -> str:
        return self.app.tr(
            "Too many wrong codes on this kiosk. You can try again in {time}, or ask at the counter."
        ).format(time=left)

    def check_in(self) -> None:
        app, ids = self.app, self.ids
        if len(ids.code.text) != CODE_DIGITS:
            self.tell(app.tr("Please enter the 6 digits of your booking code."))
            return
        app.storage_failed = False
        try:
            checked = self.desk.check_in(ids.code.text, language=app.language)
        except CheckInPaused as paused:
            self.pause(paused.until)
            return
        except CheckInRefused as refused:
            self._refused = refused
            self.tell(refusal_text(app, refused))
            return
        # closed hours, or the day's numbers used up: the closed screen says which
        except QueueError:
            app.go_to("closed")
            return
        except StorageFailed:  # staff see the disk's alert in the web
            log.exception("no check-in: the database cannot be written")
            app.storage_failed = True
            app.go_to("closed")
            return
        ids.keyboard.close()
        app.refresh_catalog()
        service = next((s for s in app.services if s.id == checked.service_id), None)
        show_ticket(app, checked.ticket, service, checked)

    def reset(self) -> None:
        self.stop_ticking()
        self.step = "ask"
        self.problem = self.pause_text = ""
        self._shown_code, self._refused = "", None


SCREEN = AppointmentScreen
