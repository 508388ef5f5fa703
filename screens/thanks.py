"""Thank you: for a message its registration number and answer date, and a receipt on request."""

from __future__ import annotations

from typing import Any

from kivy.properties import StringProperty

from kiosk.labels import date_words
from kiosk.messages import Registration, ReviewNote, spaced_code
from screens.base import KioskScreen
from screens.latin import latin_reading


def what_happens_next(app: Any, reg: Registration) -> list[str]:
    """The charter's next step for this message, in the visitor's words."""
    lang = app.language
    if reg.review_note is ReviewNote.ANONYMOUS:
        return [
            app.tr(
                "Your message is registered, but anonymous complaints and signals are not reviewed unless health or safety is at stake."
            )
        ]
    lines = []
    if reg.due_date is None:
        lines.append(app.tr("We read every message; this kind needs no answer."))
    elif reg.anonymous:
        lines.append(
            app.tr(
                "We will review it by {date}. You gave no contact, so we cannot send you an answer."
            ).format(date=date_words(reg.due_date, lang))
        )
    else:
        lines.append(
            app.tr(
                "We will answer you in writing by {date}. Quote your registration number if you ask about it."
            ).format(date=date_words(reg.due_date, lang))
        )
    if reg.flagged:
        lines.append(
            app.tr(
                "Some words may be read as offensive: an officer will decide whether the message is answered."
            )
        )
    return lines


class ThanksScreen(KioskScreen):
    number = StringProperty("")
    number_latin = StringProperty("")  # in English: the number's letters as Latin ones
    code = StringProperty("")  # the check code, in groups of three
    details = StringProperty("")
    print_text = StringProperty("")

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.app.bind(receipt_result=lambda *_a: self.refresh())

    def refresh(self) -> None:
        app = self.app
        reg = app.registration
        self.number = reg.reg_number if reg else ""
        # an English reader quotes the number in a letter or on the phone: "ОЦУИГ" is not
        # something they can write or say
        self.number_latin = latin_reading(app, self.number) if reg else ""
        # no-break spaces: a code split over two lines would be copied as two
        self.code = (
            spaced_code(reg.check_code).replace(" ", "\u00a0") if reg and reg.check_code else ""
        )
        if reg is None:
            self.details = app.tr("Your rating helps us serve you better.")
        else:
            # the number and the check code stand large above: a line repeating them would only
            # make a reader wonder whether they are two different numbers
            lines = what_happens_next(app, reg)
            if self.code:
                lines.append(
                    app.tr(
                        "With the number and the check code, “Check a message” on this kiosk"
                        " shows how your message is handled."
                    )
                )
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
