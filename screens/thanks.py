"""Thank you: for a message its registration number and answer date, and a receipt on request."""

from __future__ import annotations

from typing import Any

from kivy.properties import StringProperty

from kiosk.labels import REVIEW, date_text, label
from kiosk.messages import ReviewNote
from screens.base import KioskScreen


class ThanksScreen(KioskScreen):
    number = StringProperty("")
    details = StringProperty("")
    print_text = StringProperty("")

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.app.bind(receipt_result=lambda *_a: self.refresh())

    def refresh(self) -> None:
        app, lang = self.app, self.app.language
        reg = app.registration
        self.number = reg.reg_number if reg else ""
        if reg is None:
            self.details = app.tr("Your rating helps us serve you better.")
        else:
            lines = [app.tr("Registration number: {number}").format(number=reg.reg_number)]
            if reg.due_date is not None:
                lines.append(
                    app.tr("We will answer by {date}.").format(date=date_text(reg.due_date, lang))
                )
            if reg.review_note is ReviewNote.ANONYMOUS:
                lines.append(
                    app.tr(
                        "Your message is registered, but anonymous complaints and signals are not reviewed unless health or safety is at stake."
                    )
                )
            elif reg.review_note is not None:
                lines.append(label(REVIEW, "not_subject_to_review", lang))
            self.details = "\n".join(lines)
        result = app.receipt_result
        if result is None:
            self.print_text = ""
        elif result.ok:
            self.print_text = app.tr("Take your receipt from the printer below.")
        else:
            self.print_text = app.tr(
                "The receipt could not be printed. Please note your number: {number}"
            ).format(number=self.number)

    def print_receipt(self) -> None:
        if self.app.registration is not None:
            self.print_text = self.app.tr("Printing…")
            self.app.print_receipt(self.app.registration)

    def done(self) -> None:
        self.app.end_visit()


SCREEN = ThanksScreen
