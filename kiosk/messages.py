"""Written messages: opinions, suggestions, praise, complaints and signals, by the charter's rules.

- every message is registered with a number; nothing a visitor writes is dropped;
- a complaint is due one calendar month after registration (the charter's promise),
  a suggestion or signal two months (АПК art. 118);
- an anonymous complaint or signal is stored but not subject to review, unless it
  concerns a threat to health or safety;
- a message whose wording may be obscene or abusive is registered as usual and flagged:
  the word list only suggests, the officer decides in the register whether to answer;
- contact details live in their own table, so they can be erased and never reported;
- a message may come by any channel (АПК art. 111): staff register a letter, the paper box,
  an e-mail, a call or a visit with the day it was received, which starts the deadline,
  and may attach the scanned letter (kiosk.attachments), kept and erased as contact data.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
import unicodedata
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from dateutil.relativedelta import relativedelta
from sqlalchemy.orm import Session

from kiosk.attachments import Scan, attachment_row
from kiosk.config import Config
from kiosk.db import Database
from kiosk.errors import KioskError
from kiosk.models import Message, MessageContact, utcnow
from kiosk.numbering import next_number
from kiosk.offensive import flagged_words
from kiosk.plain_text import strip_forbidden
from kiosk.site import SiteBound
from kiosk.vocabulary import Channel, ReviewNote, ReviewStatus
from kiosk.vocabulary import MessageKind as Kind

#: Kinds whose filer must give name and contact unless they choose to stay anonymous.
NEEDS_CONTACT = (Kind.COMPLAINT, Kind.SIGNAL)

#: How long the municipality has to answer, by kind.
ANSWER_WITHIN = {
    Kind.COMPLAINT: relativedelta(months=1),
    Kind.SUGGESTION: relativedelta(months=2),
    Kind.SIGNAL: relativedelta(months=2),
}

MAX_NAME = 200
MAX_CONTACT = 200

#: How long before its registration a message may have been received: the charter's
#: shortest term, a complaint's month; one received earlier was due before it was registered.
RECEIVED_WITHIN = relativedelta(months=1)

#: The check code on a receipt, which with the registration number shows the message's state
#: at the kiosk. Digits only: they read the same in Cyrillic and Latin (a Latin "C" or "P"
#: on paper is typed as Cyrillic "С" or "Р" and never matches), have no look-alike pairs
#: such as 0/O or 1/I/l, and are typed on the kiosk's digit keypad. Six of them are a
#: million codes against the kiosk's few wrong tries a window (kiosk.message_status).
CHECK_CODE_DIGITS = 6


def new_check_code() -> str:
    """A random check code (secrets: it is a bearer secret, not a counter)."""
    return f"{secrets.randbelow(10**CHECK_CODE_DIGITS):0{CHECK_CODE_DIGITS}d}"


def spaced_code(code: str) -> str:
    """The code in groups of three, as a person reads it aloud or copies it: 482 917."""
    return " ".join(code[i : i + 3] for i in range(0, len(code), 3))


class MessageInvalid(KioskError):
    """The draft cannot be registered as it is; `field` and `problem` tell the form what to show."""

    code = "message_invalid"

    def __init__(self, field: str, problem: str, message: str) -> None:
        self.field, self.problem = field, problem
        super().__init__(message, field=field, problem=problem)


@dataclass(frozen=True)
class Draft:
    kind: Kind
    text: str
    name: str = ""
    contact: str = ""
    anonymous: bool = False
    health_safety: bool = False
    consent: bool = False
    language: str = "bg"
    ticket_uuid: uuid.UUID | None = None
    rating_uuid: uuid.UUID | None = None
    service_id: str | None = None
    channel: Channel = Channel.KIOSK
    #: the day a letter, call or visit reached the administration; the kiosk's is today
    received_on: dt.date | None = None


@dataclass(frozen=True)
class Registration:
    uuid: uuid.UUID
    reg_number: str
    kind: Kind
    registered_at: dt.datetime
    due_date: dt.date | None
    review_status: ReviewStatus
    review_note: ReviewNote | None
    anonymous: bool
    flagged: bool  # the word list suggests offensive wording: the officer decides
    channel: Channel = Channel.KIOSK
    received_on: dt.date | None = None
    check_code: str | None = None  # shown with the number; None for messages filed without one


# besides what no record may hold (kiosk.plain_text): zero-width and direction overrides
_INVISIBLE = re.compile(r"[\u200b-\u200f\u2028-\u202e\u2066-\u2069]")


def clean_text(text: str) -> str:
    """NFC-normalise, drop control and direction-override characters, trim the ends."""
    return _INVISIBLE.sub("", unicodedata.normalize("NFC", strip_forbidden(text))).strip()


def flagged_wording(draft: Draft) -> tuple[str, ...]:
    """The words of a draft's text and name that may be read as obscene or abusive."""
    return flagged_words(draft.text) + flagged_words(draft.name)


_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_PHONE = re.compile(r"\+?[\d ()/-]{6,20}")


def valid_contact(contact: str) -> bool:
    """An e-mail address or a phone number with at least six digits."""
    contact = contact.strip()
    if _EMAIL.fullmatch(contact):
        return True
    return bool(_PHONE.fullmatch(contact)) and sum(ch.isdigit() for ch in contact) >= 6


def due_date(kind: Kind, received: dt.date) -> dt.date | None:
    """The answer deadline, counted from the day the message was received (the kiosk's: the
    day it was filed): a calendar month for a complaint, two for a suggestion or signal."""
    within = ANSWER_WITHIN.get(kind)
    return received + within if within else None


class Messages(SiteBound):
    def __init__(
        self, db: Database, config: Config, *, clock: Callable[[], dt.datetime] = utcnow
    ) -> None:
        super().__init__(db, config, clock=clock)
        self.prefix = config.site.register_prefix
        self.max_text = config.feedback.max_text
        self.tz = config.tz

    def today(self) -> dt.date:
        return self.clock().astimezone(self.tz).date()

    def _reg_number(self, s: Session, year: int) -> str:
        """The next registration number of the year, in the caller's transaction."""
        return f"{self.prefix}-{year}-{next_number(s, f'register:{year}'):05d}"

    def _record_seq(self, s: Session) -> int | None:
        """The key of a new record; None: the site's database counts it."""
        return None

    def _received_on(self, draft: Draft) -> dt.date | None:
        """The day received, checked: none at the kiosk (it is the day of filing), else within
        the charter's term before today and never after it."""
        if Channel(draft.channel) is Channel.KIOSK:
            return None
        if draft.received_on is None:
            raise MessageInvalid("received_on", "required", "give the day it was received")
        today = self.today()
        if draft.received_on > today:
            raise MessageInvalid("received_on", "future", "the day received is after today")
        earliest = today - RECEIVED_WITHIN
        if draft.received_on < earliest:
            raise MessageInvalid(
                "received_on",
                "too_early",
                f"the day received may be {earliest.isoformat()} at the earliest",
            )
        return draft.received_on

    def validate(self, draft: Draft) -> Draft:
        """Return the draft with cleaned text, or raise MessageInvalid naming the field."""
        received_on = self._received_on(draft)
        text = clean_text(draft.text)
        name = clean_text(draft.name)
        contact = clean_text(draft.contact)
        if not text:
            raise MessageInvalid("text", "empty", "the message has no text")
        if len(text) > self.max_text:
            raise MessageInvalid(
                "text", "too_long", f"the message is longer than {self.max_text} characters"
            )
        for field, value, limit in (("name", name, MAX_NAME), ("contact", contact, MAX_CONTACT)):
            if len(value) > limit:
                raise MessageInvalid(
                    field, "too_long", f"the {field} is longer than {limit} characters"
                )
        anonymous = draft.anonymous or (draft.kind not in NEEDS_CONTACT and not (name or contact))
        if anonymous:
            name = contact = ""
        else:
            if not name:
                raise MessageInvalid(
                    "name", "required", "a name is required unless the message is anonymous"
                )
            if not valid_contact(contact):
                raise MessageInvalid(
                    "contact", "invalid", "give a phone number or an e-mail address"
                )
            if not draft.consent:
                raise MessageInvalid(
                    "consent", "required", "consent to the processing of personal data is required"
                )
        return Draft(
            kind=Kind(draft.kind),
            text=text,
            name=name,
            contact=contact,
            anonymous=anonymous,
            health_safety=draft.health_safety,
            consent=draft.consent and not anonymous,
            language=draft.language,
            ticket_uuid=draft.ticket_uuid,
            rating_uuid=draft.rating_uuid,
            service_id=draft.service_id,
            channel=Channel(draft.channel),
            received_on=received_on,
        )

    def submit(
        self, draft: Draft, *, terminal_id: str | None = None, scan: Scan | None = None
    ) -> Registration:
        """Validate and register a message; it gets a number, and a due date where one applies.
        `scan` is the letter as received (kiosk.attachments.check_scan made it), kept as
        personal data even for an anonymous message: a letter may carry more than it signs.
        """
        draft = self.validate(draft)
        now = self.clock()
        local_day = now.astimezone(self.tz).date()
        flagged = bool(flagged_wording(draft))
        note: ReviewNote | None = None
        if draft.anonymous and draft.kind in NEEDS_CONTACT and not draft.health_safety:
            note = ReviewNote.ANONYMOUS
        status = ReviewStatus.NOT_SUBJECT_TO_REVIEW if note else ReviewStatus.REGISTERED
        received = draft.received_on or local_day
        due = due_date(draft.kind, received) if status is ReviewStatus.REGISTERED else None
        # a message staff register was not filed at a kiosk terminal
        if draft.channel is Channel.KIOSK:
            terminal_id = terminal_id or self.terminal_id
        with self.db.write() as s:
            message = Message(
                seq=self._record_seq(s),
                site_id=self.site_id,
                created_at=now,
                kind=draft.kind,
                text=draft.text,
                language=draft.language,
                anonymous=draft.anonymous,
                health_safety=draft.health_safety,
                obscene=flagged,
                review_status=status,
                review_note=note,
                reg_number=self._reg_number(s, local_day.year),
                due_date=due,
                terminal_id=terminal_id,
                ticket_uuid=draft.ticket_uuid,
                rating_uuid=draft.rating_uuid,
                service_id=draft.service_id,
                channel=draft.channel,
                received_on=draft.received_on,
                check_code=new_check_code(),
            )
            s.add(message)
            s.flush()
            if not draft.anonymous:
                s.add(
                    MessageContact(
                        seq=self._record_seq(s),
                        site_id=self.site_id,
                        created_at=now,
                        message_uuid=message.uuid,
                        name=draft.name,
                        contact=draft.contact,
                        consent=draft.consent,
                    )
                )
            if scan is not None:
                s.add(attachment_row(scan, message=message, seq=self._record_seq(s)))
            return Registration(
                uuid=message.uuid,
                reg_number=message.reg_number,
                kind=draft.kind,
                registered_at=now,
                due_date=due,
                review_status=status,
                review_note=note,
                anonymous=draft.anonymous,
                flagged=flagged,
                channel=draft.channel,
                received_on=draft.received_on,
                check_code=message.check_code,
            )
