"""Check a message: the receipt's registration number and check code give its state and due date.

Only the state and dates are shown, never the text or who wrote it; a wrong pair is
refused without saying which half was wrong, and too many pause this terminal with a
countdown (kiosk.message_status counts them in the database).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from kivy.properties import StringProperty

from kiosk.labels import date_words
from kiosk.message_status import ChecksPaused, MessageState, StatusCheck, WrongPair
from kiosk.register import Status
from screens.base import PausingScreen
from screens.latin import latin_reading


def state_lines(app: Any, state: MessageState, today: dt.date) -> tuple[str, str]:
    """The state in the visitor's words, and what follows from it (a date, or why none)."""
    lang = app.language
    due = date_words(state.due_date, lang) if state.due_date else ""
    if state.status is Status.ANSWERED:
        assert state.answered_on is not None, "an answer has its day"
        return (
            app.tr("Answered on {date}").format(date=date_words(state.answered_on, lang)),
            app.tr("If the answer has not reached you, please ask at the counter."),
        )
    if state.status is Status.NOT_SUBJECT:
        return (
            app.tr("Not subject to review"),
            app.tr("An officer can tell you why at the counter."),
        )
    if state.due_date is None:  # an opinion or praise: read, not answered
        return (app.tr("Registered"), app.tr("We read every message; this kind needs no answer."))
    if state.due_date < today:
        return (
            app.tr("Due by {date}").format(date=due),
            app.tr("The deadline has passed: please ask at the counter."),
        )
    if state.status is Status.EXTENDED:
        return (
            app.tr("Due by {date}").format(date=due),
            app.tr("In review: the deadline was extended, and you were told why."),
        )
    if state.status is Status.IN_REVIEW:
        return (app.tr("Due by {date}").format(date=due), app.tr("In review."))
    return (app.tr("Due by {date}").format(date=due), app.tr("Registered, waiting for review."))


class MessageStatusScreen(PausingScreen):
    state_text = StringProperty("")
    state_detail = StringProperty("")
    number_text = StringProperty("")

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        app = self.app
        self.checks = StatusCheck(app.db, app.kiosk_config, clock=app.clock)
        self._state: MessageState | None = None
        ids = self.ids
        ids.keyboard.attach(ids.number, ids.code)
        ids.number.bind(on_text_validate=lambda *_a: setattr(ids.code, "focus", True))
        ids.code.bind(on_text_validate=lambda *_a: self.check())
        for field in (ids.number, ids.code):
            field.bind(text=lambda *_a: setattr(self, "problem", ""))

    def refresh(self) -> None:
        until = self.checks.paused_until()
        if until is not None:
            self.pause(until)
        else:
            self._fill()

    def language_changed(self) -> None:
        self._fill()  # what was typed stays

    def _fill(self) -> None:
        state = self._state
        if state is not None:
            today = self.checks.clock().astimezone(self.app.kiosk_config.tz).date()
            self.state_text, self.state_detail = state_lines(self.app, state, today)
            number = self.app.tr("Reg. No. {number}").format(number=state.reg_number)
            latin = latin_reading(self.app, state.reg_number)
            self.number_text = f"{number} {latin}" if latin else number
        if self.paused:
            self.tick()

    def check(self) -> None:
        app, ids = self.app, self.ids
        if not ids.number.text.strip() or not ids.code.text.strip():
            self.tell(
                app.tr("Please enter the registration number and the check code from your receipt.")
            )
            return
        try:
            self._state = self.checks.check(ids.number.text, ids.code.text)
        except WrongPair:
            self.tell(
                app.tr(
                    "No message has this registration number with this check code. Please check both and try again."
                )
            )
            return
        except ChecksPaused as paused:
            self.pause(paused.until)
            return
        ids.keyboard.close()
        self.step = "result"
        self._fill()
        if app.speech_mode:
            app.speak_screen(self)

    def now(self) -> dt.datetime:
        return self.checks.clock()

    def paused_words(self, left: str) -> str:
        return self.app.tr(
            "Too many wrong tries on this kiosk. You can check again in {time}, or ask at the counter."
        ).format(time=left)

    def check_another(self) -> None:
        self.reset()
        self.ids.keyboard.reset()
        self.ids.number.focus = True

    def reset(self) -> None:
        self.stop_ticking()
        self._state = None
        self.step = "ask"
        self.problem = self.state_text = self.state_detail = self.number_text = ""
        self.pause_text = ""
        for field in ("number", "code"):
            self.ids[field].text = ""
            self.ids[field].focus = False


SCREEN = MessageStatusScreen
