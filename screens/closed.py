"""Outside working hours: why no ticket now, when we open, and what can still be done."""

from __future__ import annotations

from kivy.properties import StringProperty

from kiosk.labels import CLOSED_REASONS, date_text, label
from screens.base import KioskScreen


class ClosedScreen(KioskScreen):
    reason = StringProperty("")
    next_opening = StringProperty("")

    def refresh(self) -> None:
        app, lang = self.app, self.app.language
        state = app.queue.open_state()
        if (
            state.can_issue
        ):  # open, yet the ticket was refused: this queue's 999 numbers are used up
            self.reason = app.tr(
                "All of today's numbers for this queue have been given out. Please ask at a counter."
            )
        else:
            self.reason = label(CLOSED_REASONS, state.reason, lang) if state.reason else ""
        if state.next_opening is not None:
            self.next_opening = app.tr("We open again on {date} at {time}.").format(
                date=date_text(state.next_opening.date(), lang),
                time=state.next_opening.strftime("%H:%M"),
            )
        else:
            cfg = app.kiosk_config
            self.next_opening = app.tr("Working hours: every working day {open}–{close}.").format(
                open=cfg["hours.open"].strftime("%H:%M"), close=cfg["hours.close"].strftime("%H:%M")
            )


SCREEN = ClosedScreen
