"""The domain's fixed vocabularies, declared once.

The labels, pictograms, the catalogue's checks and the config's `counter_groups` are keyed
on these, and the site database's columns that hold them are mapped to them
(kiosk/models.py), so the ORM hands out members and code compares members, never strings.
A module that owns an idea re-exports its own (`kiosk.queue.Status`); they live here
because the models, which every such module imports, need them first.
"""

from __future__ import annotations

from enum import StrEnum


class ServiceCategory(StrEnum):
    """The topic a service is listed under on the touchscreen."""

    CIVIL_STATUS = "civil_status"
    LOCAL_TAXES = "local_taxes"
    CONSTRUCTION = "construction"
    PROPERTY = "property"
    SOCIAL = "social"
    AGRICULTURE = "agriculture"
    TRADE_TOURISM = "trade_tourism"
    GENERAL = "general"


class CounterGroup(StrEnum):
    """The group of counters that serves a service; a ticket category names the groups it takes."""

    GRAO = "grao"
    TAXES = "taxes"
    CONSTRUCTION = "construction"
    PROPERTY = "property"
    SOCIAL = "social"
    AGRICULTURE = "agriculture"
    TRADE = "trade"
    GENERAL = "general"


class Speed(StrEnum):
    """How fast a service is done, each speed with its own fee and deadline."""

    REGULAR = "regular"
    FAST = "fast"
    EXPRESS = "express"


class TicketStatus(StrEnum):
    """Where a ticket stands in the queue (`kiosk.queue.Status`)."""

    WAITING = "waiting"
    CALLED = "called"
    SERVING = "serving"
    DONE = "done"
    NO_SHOW = "no_show"
    CANCELLED = "cancelled"


class TicketEventKind(StrEnum):
    """A step in a ticket's life, one event row each (`kiosk.queue.EventKind`)."""

    ISSUED = "issued"
    CALLED = "called"
    RECALLED = "recalled"
    SERVING = "serving"
    DONE = "done"
    NO_SHOW = "no_show"
    CANCELLED = "cancelled"
    TRANSFERRED = "transferred"
    PRINTED = "printed"
    PRINT_FAILED = "print_failed"


class MessageKind(StrEnum):
    """What a visitor leaves instead of the paper box (`kiosk.messages.Kind`)."""

    OPINION = "opinion"
    SUGGESTION = "suggestion"
    PRAISE = "praise"
    COMPLAINT = "complaint"
    SIGNAL = "signal"


class ReviewStatus(StrEnum):
    """Whether the register must review a message, as decided when it is filed."""

    REGISTERED = "registered"
    NOT_SUBJECT_TO_REVIEW = "not_subject_to_review"


class ReviewNote(StrEnum):
    """The review notes the kiosk itself knows; a clerk's note is free text beside them."""

    ANONYMOUS = "anonymous"  #: set by the kiosk: an anonymous complaint or signal
    OBSCENE = "obscene"  #: set by an officer who finds the wording obscene or abusive


class MessageEventKind(StrEnum):
    """A step in a message's handling, one event row each."""

    IN_REVIEW = "in_review"
    EXTENDED = "extended"
    ANSWERED = "answered"
    NOT_SUBJECT_TO_REVIEW = "not_subject_to_review"
    PII_VIEWED = "pii_viewed"  #: someone read the complainant's name and contact
    PII_ERASED = "pii_erased"  #: the name and contact were erased (retention)


class Channel(StrEnum):
    """How a message reached the administration (АПК art. 111 registers them all)."""

    KIOSK = "kiosk"
    LETTER = "letter"
    BOX = "box"  #: the paper box in the lobby
    EMAIL = "email"
    PHONE = "phone"
    IN_PERSON = "in_person"


class EventOrigin(StrEnum):
    """Where a message's handling event was made: a site's register or the centre's."""

    SITE = "site"
    CENTRE = "centre"


class HandledAt(StrEnum):
    """Who handles a site's messages, set per site at the centre: one handler per case."""

    SITE = "site"
    CENTRE = "centre"


class BookingStatus(StrEnum):
    """Where a booked appointment stands at the centre (issue #17); what happened at the
    site (checked in, no-show) is the site's `AppointmentEventKind`."""

    BOOKED = "booked"
    CANCELLED = "cancelled"


class AppointmentEventKind(StrEnum):
    """What the site recorded of a booking on its day."""

    CHECKED_IN = "checked_in"  #: within the window: a ticket called at the slot's time
    LATE = "late"  #: past the window: the visitor took a walk-in ticket instead
    NO_SHOW = "no_show"  #: nobody checked in by the day's end


class ContactKind(StrEnum):
    """How a citizen who booked is told of the booking: the one contact they gave."""

    PHONE = "phone"
    EMAIL = "email"


class FeedbackReason(StrEnum):
    """Reason chips offered after a face; the first four after a low score, the rest after a high one."""

    WAITING = "waiting"
    COURTESY = "courtesy"
    UNCLEAR = "unclear"
    DOCUMENTS = "documents"
    FAST = "fast"
    KIND = "kind"
    HELPFUL = "helpful"
    OTHER = "other"


class Role(StrEnum):
    """What a staff account may do."""

    CLERK = "clerk"
    ADMIN = "admin"
    QUALITY = "quality"
    AUDITOR = (
        "auditor"  #: the centre's web only: reads everything a quality officer may, changes nothing
    )


#: the roles of a site's staff web; the auditor is the centre's alone
SITE_ROLES = (Role.CLERK, Role.ADMIN, Role.QUALITY)
#: the roles of the centre's web; the auditor reads what the others read and changes nothing
CENTRE_ROLES = (Role.ADMIN, Role.QUALITY, Role.AUDITOR)


class PrinterState(StrEnum):
    """What the ticket printer says of itself before and after a job."""

    OK = "ok"
    PAPER_NEAR_END = "paper_near_end"  # prints, but staff should change the roll
    PAPER_OUT = "paper_out"
    COVER_OPEN = "cover_open"
    OFFLINE = "offline"
    NO_ANSWER = "no_answer"
    ERROR = "error"
