"""Outside working hours: why no ticket now, when we open, and what can still be done."""

from __future__ import annotations

from kivy.properties import StringProperty

from kiosk.labels import CLOSED_REASONS, label
from screens.base import KioskScreen
from screens.opening import next_opening_text


class ClosedScreen(KioskScreen):
    reason = StringProperty("")
    next_opening = StringProperty("")

    def refresh(self) -> None:
        app, lang = self.app, self.app.language
        state = app.queue.open_state()
        if state.can_issue and app.storage_failed:  # the disk took no ticket: see issuing.py
            self.reason = app.tr(
                "No ticket can be issued at the moment. Please ask at a counter: "
                "a clerk will help you."
            )
        elif (
            state.can_issue
        ):  # open, yet the ticket was refused: this queue's 999 numbers are used up
            self.reason = app.tr(
                "All of today's numbers for this queue have been given out. Please ask at a counter."
            )
        else:
            self.reason = label(CLOSED_REASONS, state.reason, lang) if state.reason else ""
        if state.can_issue and app.storage_failed:
            self.next_opening = app.tr("It is a technical fault, not your mistake.")
        elif state.can_issue:  # the centre is open: its hours, not "we open again"
            cfg = app.kiosk_config
            self.next_opening = app.tr("Working hours: every working day {open}–{close}.").format(
                open=cfg.hours.open.strftime("%H:%M"), close=cfg.hours.close.strftime("%H:%M")
            )
        else:
            self.next_opening = next_opening_text(app)


SCREEN = ClosedScreen
