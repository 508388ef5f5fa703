"""The words for the domain's codes in each language: deadlines, fees, reasons, kinds.

Screens, the staff web, the printer and the reports all show these; one wording for each.
"""

from __future__ import annotations

import datetime as dt

from kiosk.catalog import DEADLINE
from kiosk.hours import ClosedReason
from kiosk.i18n import gettext_for, ngettext_for


def _(message: str) -> str:
    """Mark a string for extraction; it is translated where it is shown."""
    return message


SERVICE_CATEGORIES = {
    "civil_status": _("Civil status"),
    "local_taxes": _("Local taxes and fees"),
    "construction": _("Planning and construction"),
    "property": _("Municipal property"),
    "social": _("Social services"),
    "agriculture": _("Agriculture and animals"),
    "trade_tourism": _("Trade and tourism"),
    "general": _("General services"),
}
SPEEDS = {"regular": _("Regular"), "fast": _("Fast"), "express": _("Express")}
MESSAGE_KINDS = {
    "opinion": _("Opinion"),
    "suggestion": _("Suggestion"),
    "praise": _("Praise"),
    "complaint": _("Complaint"),
    "signal": _("Report"),
}
RATING_REASONS = {
    "waiting": _("Long wait"),
    "courtesy": _("Impolite staff"),
    "unclear": _("Unclear information"),
    "documents": _("Documents asked again"),
    "fast": _("Quick service"),
    "kind": _("Kind staff"),
    "helpful": _("Helpful advice"),
    "other": _("Something else"),
}
CLOSED_REASONS = {
    ClosedReason.HOLIDAY: _("Today is a public holiday."),
    ClosedReason.WEEKEND: _("The centre is closed today."),
    ClosedReason.BEFORE_OPENING: _("The centre has not opened yet."),
    ClosedReason.AFTER_CLOSING: _("The centre has closed for today."),
    ClosedReason.ISSUING_STOPPED: _("Tickets are no longer issued today: the centre closes soon."),
}
# kiosk.printing.PrinterState, in words a member of staff can act on
PRINTER_STATES = {
    "ok": _("ready"),
    "paper_near_end": _("the paper roll is nearly used up: change it soon"),
    "paper_out": _("out of paper: put in a new roll"),
    "cover_open": _("the cover is open: close it"),
    "offline": _("not connected: check the cable and that the printer is on"),
    "no_answer": _("does not answer: check that it is switched on and connected"),
    "error": _("fault: switch it off and on again"),
}
REVIEW = {
    "registered": _("Registered"),
    "not_subject_to_review": _("Not subject to review"),
}
# the notes the kiosk itself sets (kiosk.messages.ReviewNote)
REVIEW_NOTES = {
    "anonymous": _("anonymous"),
    "obscene": _("obscene or abusive content"),
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


def wait_text(minutes: int, language: str) -> str:
    _t, _n = gettext_for(language), ngettext_for(language)
    if minutes <= 0:
        return _t("no wait")
    return _n("about {n} minute", "about {n} minutes", minutes).format(n=minutes)


def date_text(day: dt.date, language: str) -> str:
    return day.strftime("%d.%m.%Y") if language == "bg" else day.isoformat()
