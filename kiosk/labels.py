"""The words for the domain's codes in each language: deadlines, fees, reasons, kinds.

Screens, the staff web, the printer and the reports all show these; one wording for each.
Each table is keyed on its vocabulary's enum and has a wording for every member
(tests/test_labels.py fails when a member is added without one).
"""

from __future__ import annotations

import datetime as dt

from kiosk.catalog import DEADLINE
from kiosk.hours import ClosedReason
from kiosk.i18n import gettext_for, ngettext_for
from kiosk.vocabulary import (
    Channel,
    FeedbackReason,
    MessageEventKind,
    MessageKind,
    PrinterState,
    ReviewNote,
    ReviewStatus,
    ServiceCategory,
    Speed,
)


def _(message: str) -> str:
    """Mark a string for extraction; it is translated where it is shown."""
    return message


SERVICE_CATEGORIES = {
    ServiceCategory.CIVIL_STATUS: _("Civil status"),
    ServiceCategory.LOCAL_TAXES: _("Local taxes and fees"),
    ServiceCategory.CONSTRUCTION: _("Planning and construction"),
    ServiceCategory.PROPERTY: _("Municipal property"),
    ServiceCategory.SOCIAL: _("Social services"),
    ServiceCategory.AGRICULTURE: _("Agriculture and animals"),
    ServiceCategory.TRADE_TOURISM: _("Trade and tourism"),
    ServiceCategory.GENERAL: _("General services"),
}
SPEEDS = {Speed.REGULAR: _("Regular"), Speed.FAST: _("Fast"), Speed.EXPRESS: _("Express")}
MESSAGE_KINDS = {
    MessageKind.OPINION: _("Opinion"),
    MessageKind.SUGGESTION: _("Suggestion"),
    MessageKind.PRAISE: _("Praise"),
    MessageKind.COMPLAINT: _("Complaint"),
    MessageKind.SIGNAL: _("Report"),
}
CHANNELS = {
    Channel.KIOSK: _("Kiosk"),
    Channel.LETTER: _("Letter"),
    Channel.BOX: _("Paper box"),
    Channel.EMAIL: _("E-mail"),
    Channel.PHONE: _("Phone"),
    Channel.IN_PERSON: _("In person"),
}
RATING_REASONS = {
    FeedbackReason.WAITING: _("Long wait"),
    FeedbackReason.COURTESY: _("Impolite staff"),
    FeedbackReason.UNCLEAR: _("Unclear information"),
    FeedbackReason.DOCUMENTS: _("Documents asked again"),
    FeedbackReason.FAST: _("Quick service"),
    FeedbackReason.KIND: _("Kind staff"),
    FeedbackReason.HELPFUL: _("Helpful advice"),
    FeedbackReason.OTHER: _("Something else"),
}
CLOSED_REASONS = {
    ClosedReason.HOLIDAY: _("Today is a public holiday."),
    ClosedReason.WEEKEND: _("The centre is closed today."),
    ClosedReason.BEFORE_OPENING: _("The centre has not opened yet."),
    ClosedReason.AFTER_CLOSING: _("The centre has closed for today."),
    # art. 10(4) of the Regulation on Administrative Service: those present are still served
    ClosedReason.ISSUING_STOPPED: _(
        "Tickets are no longer issued today: the centre closes soon. "
        "Everyone already in the queue will be served."
    ),
}
# in words a member of staff can act on
PRINTER_STATES = {
    PrinterState.OK: _("ready"),
    PrinterState.PAPER_NEAR_END: _("the paper roll is nearly used up: change it soon"),
    PrinterState.PAPER_OUT: _("out of paper: put in a new roll"),
    PrinterState.COVER_OPEN: _("the cover is open: close it"),
    PrinterState.OFFLINE: _("not connected: check the cable and that the printer is on"),
    PrinterState.NO_ANSWER: _("does not answer: check that it is switched on and connected"),
    PrinterState.ERROR: _("fault: switch it off and on again"),
}
REVIEW = {
    ReviewStatus.REGISTERED: _("Registered"),
    ReviewStatus.NOT_SUBJECT_TO_REVIEW: _("Not subject to review"),
}
# a message's handling steps in the register: its history lists each, and the latest that
# moves the message on is its status
HANDLING_STEPS = {
    MessageEventKind.IN_REVIEW: _("in review"),
    MessageEventKind.EXTENDED: _("deadline extended"),
    MessageEventKind.ANSWERED: _("answered"),
    MessageEventKind.NOT_SUBJECT_TO_REVIEW: _("not subject to review"),
    MessageEventKind.PII_VIEWED: _("personal data viewed"),
    MessageEventKind.PII_ERASED: _("personal data erased"),
}
#: the status of a message that no step has moved on yet
NEW_MESSAGE = _("new")
# the notes the kiosk itself sets
REVIEW_NOTES = {
    ReviewNote.ANONYMOUS: _("anonymous"),
    ReviewNote.OBSCENE: _("obscene or abusive content"),
}


def label(table: dict, code: str, language: str) -> str:
    """Translate one entry of the tables above."""
    return gettext_for(language)(table[code])


def review_note_text(note: str, language: str) -> str:
    """A review note in words: the kiosk's own codes translated, a clerk's reason as written."""
    return label(REVIEW_NOTES, note, language) if note in REVIEW_NOTES else note


def deadline_text(deadline: str | None, language: str) -> str:
    _t, _n = gettext_for(language), ngettext_for(language)
    if deadline is None:
        return _t("not known")
    if deadline == "now":
        return _t("on the spot")
    match = DEADLINE.fullmatch(deadline)
    assert match is not None, deadline
    n, unit = int(match.group(1)), match.group(2)
    if unit == "h":
        return _n("{n} hour", "{n} hours", n).format(n=n)
    if unit == "wd":
        return _n("{n} working day", "{n} working days", n).format(n=n)
    if unit == "m":
        # a calendar month (the charter's term for complaints), not thirty days
        return _n("{n} month", "{n} months", n).format(n=n)
    return _n("{n} day", "{n} days", n).format(n=n)


def fee_text(cents: int | None, language: str) -> str:
    _t = gettext_for(language)
    if cents is None:
        return _t("not known")
    if cents == 0:
        return _t("free")
    amount = (
        f"{cents // 100},{cents % 100:02d}"
        if language == "bg"
        else f"{cents // 100}.{cents % 100:02d}"
    )
    return _t("€{amount}").format(amount=amount)


def wait_text(minutes: int, language: str, *, between: tuple[int, int] | None = None) -> str:
    """The expected wait in words; `between` (fewest, most minutes) says it as a range."""
    _t, _n = gettext_for(language), ngettext_for(language)
    if between is not None:
        return _t("{low} to {high} minutes").format(low=between[0], high=between[1])
    if minutes <= 0:
        return _t("no wait")
    return _n("about {n} minute", "about {n} minutes", minutes).format(n=minutes)


def date_text(day: dt.date, language: str) -> str:
    """A date in digits, for paper (a slip's narrow line, a letter's reference)."""
    return day.strftime("%d.%m.%Y") if language == "bg" else day.isoformat()


#: Babel's locale for each language: British English puts the day first, as Europe reads a date
_DATE_LOCALES = {"bg": "bg", "en": "en_GB"}


def date_words(day: dt.date, language: str) -> str:
    """A date with its month in words, as the screens show it: "31 декември 2026 г.",
    "31 December 2026"; no visitor has to work out which number is the month."""
    # imported on the first date shown, not as the touchscreen starts (kiosk.i18n keeps
    # Babel out of the start)
    from babel.dates import format_date

    # one date, one line: no-break spaces hold it together where a sentence wraps (Babel's
    # own, narrow one before "г." is not in the screens' font, Roboto, and would be a box)
    words = format_date(day, "long", locale=_DATE_LOCALES[language])
    return words.replace("\u202f", " ").replace(" ", "\u00a0")
