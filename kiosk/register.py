"""The complaint register: every message's handling, the charter's deadlines, personal data kept apart.

A message's handling is a chain of append-only `message_events`: a status change
(in review, extended with a new due date, answered, not subject to review), a view
of the complainant's personal data (who looked, when) and its erasure after the
retention period. The current status and due date are the latest such events, so
nothing a clerk did is ever overwritten.
"""

from __future__ import annotations

import base64
import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol

from dateutil.relativedelta import relativedelta
from sqlalchemy import (
    ColumnElement,
    Select,
    String,
    and_,
    delete,
    exists,
    func,
    or_,
    select,
    true,
    tuple_,
)
from sqlalchemy.orm import Session, aliased

from kiosk.attachments import (
    AttachmentInfo,
    AttachmentNotAllowed,
    UnknownAttachment,
    require_personal_data_role,
)
from kiosk.config import Config
from kiosk.db import Database
from kiosk.errors import KioskError
from kiosk.messages import Kind, ReviewStatus
from kiosk.models import (
    Message,
    MessageAttachment,
    MessageContact,
    MessageEvent,
    SiteSetting,
    utcnow,
)
from kiosk.plain_text import check_text
from kiosk.site import SiteBound
from kiosk.vocabulary import Channel, EventOrigin, HandledAt, MessageEventKind


class Status(StrEnum):
    NEW = "new"
    IN_REVIEW = "in_review"
    EXTENDED = "extended"
    ANSWERED = "answered"
    NOT_SUBJECT = "not_subject_to_review"


CLOSED = (Status.ANSWERED, Status.NOT_SUBJECT)
STATUS_EVENTS = tuple(MessageEventKind(s) for s in Status if s is not Status.NEW)
PII_VIEWED = MessageEventKind.PII_VIEWED
PII_ERASED = MessageEventKind.PII_ERASED


class Filter(StrEnum):
    ALL = "all"
    OPEN = "open"
    DUE_THIS_WEEK = "due_week"
    OVERDUE = "overdue"


class RegisterError(KioskError):
    """A step the register refuses."""

    code = "register_error"
    status = 409


class NotAllowed(RegisterError):
    code = "not_allowed"
    status = 403


class WrongState(RegisterError):
    code = "wrong_state"


class UnknownMessage(RegisterError):
    code = "unknown_message"
    status = 404


class NoLetter(WrongState):
    """The message has no answer or extension yet to write a letter of."""

    code = "no_letter"
    status = 404


class ReasonMissing(WrongState):
    code = "reason_missing"
    status = 422


class AnswerMissing(WrongState):
    code = "answer_missing"
    status = 422


class DeadlineNotLater(WrongState):
    code = "deadline_not_later"
    status = 422


class DeadlinePast(WrongState):
    code = "deadline_past"
    status = 422


class DeadlineTooLate(WrongState):
    """Beyond the law's limit for the message's kind; each kind's subclass says which."""

    status = 422


class ProposalDeadlineTooLate(DeadlineTooLate):
    code = "deadline_too_late_proposal"


class ComplaintDeadlineTooLate(DeadlineTooLate):
    code = "deadline_too_late_complaint"


#: The latest final deadline an extension may set, counted from registration, by kind:
#: a proposal or signal six months in all (АПК art. 118: two months, extendable up to six);
#: a complaint two months, for the charter promises an answer in one month and an extension
#: only gives the reasons and the final date; two months is the law's own term for a
#: signal, which a complaint about a staff act is.
EXTENSION_LIMIT: dict[Kind, tuple[relativedelta, type[DeadlineTooLate]]] = {
    Kind.SUGGESTION: (relativedelta(months=6), ProposalDeadlineTooLate),
    Kind.SIGNAL: (relativedelta(months=6), ProposalDeadlineTooLate),
    Kind.COMPLAINT: (relativedelta(months=2), ComplaintDeadlineTooLate),
}


@dataclass(frozen=True)
class Entry:
    """One line of the register: no personal data, only whether there are any."""

    uuid: uuid.UUID
    reg_number: str
    registered_at: dt.datetime
    kind: Kind
    site_id: str
    text: str
    anonymous: bool
    status: Status
    status_note: str | None
    original_due_date: dt.date | None
    due_date: dt.date | None
    answer_text: str | None
    answered_at: dt.datetime | None
    answered_by: str | None
    extension_reason: str | None
    has_personal_data: bool
    flagged: bool  # the kiosk's word list suggests offensive wording
    channel: Channel
    received_on: dt.date | None  # None: filed at the kiosk, received the day it was registered

    @property
    def awaits_decision(self) -> bool:
        """Flagged and not yet handled: the officer decides whether the charter's exception applies."""
        return self.flagged and self.status is Status.NEW

    def is_overdue(self, today: dt.date) -> bool:
        return self.status not in CLOSED and self.due_date is not None and self.due_date < today


@dataclass(frozen=True)
class HistoryItem:
    at: dt.datetime
    kind: MessageEventKind
    actor: str | None
    text: str | None
    new_due_date: dt.date | None


@dataclass(frozen=True)
class PersonalData:
    name: str
    contact: str
    consent: bool


@dataclass(frozen=True)
class Letter:
    """A written notice to the complainant: the answer, or why and until when it is delayed."""

    kind: Status
    reg_number: str
    registered_at: dt.datetime
    written_at: dt.datetime
    addressee: PersonalData | None
    body: str
    final_due_date: dt.date | None
    signed_by: str | None


def _latest(
    kinds: tuple[MessageEventKind, ...], before: dt.datetime | None, name: str
) -> tuple[Any, Any]:
    """An alias of message_events and, per message, the key of its latest event of these kinds.

    Latest by time, then by key: a site keeps the centre's events under negative keys (they
    never enter its push), so the key alone no longer orders a message's events.
    """
    at = select(
        MessageEvent.site_id.label("site_id"),
        MessageEvent.message_uuid.label("message_uuid"),
        MessageEvent.seq.label("seq"),
        func.row_number()
        .over(
            partition_by=(MessageEvent.site_id, MessageEvent.message_uuid),
            order_by=(MessageEvent.created_at.desc(), MessageEvent.seq.desc()),
        )
        .label("rank"),
    ).where(MessageEvent.kind.in_(kinds))
    if before is not None:
        at = at.where(MessageEvent.created_at < before)
    ranked = at.subquery(f"{name}_ranked")
    last_sq = (
        select(ranked.c.site_id, ranked.c.message_uuid, ranked.c.seq)
        .where(ranked.c.rank == 1)
        .subquery(f"{name}_last")
    )
    event = aliased(MessageEvent, name=name)
    return event, last_sq


def state_query(*, before: dt.datetime | None = None) -> Select:
    """Each message with its status, due date and answer as of `before` (default: now).

    Shared by the register and the reports, so the two never disagree on what is overdue.
    """
    status_ev, status_last = _latest(STATUS_EVENTS, before, "status_ev")
    ext_ev, ext_last = _latest((MessageEventKind.EXTENDED,), before, "ext_ev")
    ans_ev, ans_last = _latest((MessageEventKind.ANSWERED,), before, "ans_ev")
    # an event's kind or the filing's review status, so of neither vocabulary: a `Status` value
    initial = func.coalesce(
        status_ev.kind,
        func.replace(Message.review_status, ReviewStatus.REGISTERED, Status.NEW),
        type_=String,
    )
    return (
        select(
            Message.uuid,
            Message.reg_number,
            Message.created_at,
            Message.kind,
            Message.site_id,
            Message.text,
            Message.anonymous,
            Message.obscene.label("flagged"),
            Message.channel,
            Message.received_on,
            initial.label("status"),
            func.coalesce(status_ev.text, Message.review_note).label("status_note"),
            Message.due_date.label("original_due_date"),
            func.coalesce(ext_ev.new_due_date, Message.due_date).label("due_date"),
            ans_ev.text.label("answer_text"),
            ans_ev.created_at.label("answered_at"),
            ans_ev.actor.label("answered_by"),
            ext_ev.text.label("extension_reason"),
            status_ev.created_at.label("status_at"),
        )
        .outerjoin(status_last, _of_message(status_last))
        .outerjoin(status_ev, _same_event(status_ev, status_last))
        .outerjoin(ext_last, _of_message(ext_last))
        .outerjoin(ext_ev, _same_event(ext_ev, ext_last))
        .outerjoin(ans_last, _of_message(ans_last))
        .outerjoin(ans_ev, _same_event(ans_ev, ans_last))
    )


def _of_message(last: Any) -> Any:
    # a UUID names a record only within its site: at the centre every site's rows meet
    return and_(last.c.message_uuid == Message.uuid, last.c.site_id == Message.site_id)


def _same_event(event: Any, last: Any) -> Any:
    # seq is a key of one site's database: on the centre, where every site's events meet,
    # it names an event only together with its site and message
    return and_(
        event.seq == last.c.seq,
        event.message_uuid == last.c.message_uuid,
        event.site_id == last.c.site_id,
    )


class HandledAtCentre(RegisterError):
    """The site's cases are handled at the centre: its own register only reads them."""

    code = "handled_at_centre"


class HandledAtSite(RegisterError):
    """The site handles its own cases: the centre's register only reads them."""

    code = "handled_at_site"


class Desk(Protocol):
    """Where a register is kept: which sites' messages it reads, whether it may handle a
    site's cases, and how it stamps the events it makes (a site's or the centre's)."""

    #: the sites whose messages it reads; None: every site in its database
    sites: frozenset[str] | None
    #: the refusal of a step on a case this desk does not handle
    elsewhere: type[RegisterError]

    def handles(self, s: Session, site_id: str) -> bool:
        """Whether this desk takes the steps on that site's cases (one handler per case)."""
        ...

    def ready(self, s: Session, site_id: str) -> None:
        """Refuse a step on a site's case while the other desk may still take one (the site
        has not yet learned that this desk took its cases)."""
        ...

    def lock(self, s: Session, site_id: str, message_uuid: uuid.UUID) -> None:
        """Serialise the steps on one message: the second of two officers finds the first's done."""
        ...

    def stamp(self, s: Session, site_id: str) -> dict[str, object]:
        """The columns of a new event that say where it was made (origin, site, key)."""
        ...

    def erasable(self) -> ColumnElement[bool]:
        """The messages whose personal data this desk's retention erases (of those it reads)."""
        ...

    def erase(self, s: Session, keys: list[tuple[str, uuid.UUID]]) -> None:
        """Delete the contact and scans of these messages (site, UUID), before the register
        records their `pii_erased` events."""
        ...


class SiteDesk:
    """The site's own register: its database holds its messages only, and its events are
    its own; it hands over the steps when the pulled setting says the centre handles them."""

    sites: frozenset[str] | None = None
    elsewhere = HandledAtCentre

    def __init__(self, site_id: str) -> None:
        self.site_id = site_id

    def handles(self, s: Session, site_id: str) -> bool:
        setting = s.get(SiteSetting, site_id)
        return setting is None or setting.handled_at != HandledAt.CENTRE

    def ready(self, s: Session, site_id: str) -> None:
        # the site reads the setting it pulled: it knows of a handover as soon as it holds it
        return None

    def lock(self, s: Session, site_id: str, message_uuid: uuid.UUID) -> None:
        # SQLite's BEGIN IMMEDIATE already serialises writers; a PostgreSQL site locks the row
        s.execute(select(Message.seq).where(Message.uuid == message_uuid).with_for_update())

    def stamp(self, s: Session, site_id: str) -> dict[str, object]:
        return {"site_id": self.site_id, "origin": EventOrigin.SITE}

    def erasable(self) -> ColumnElement[bool]:
        return true()  # the file holds its own site's messages only

    def erase(self, s: Session, keys: list[tuple[str, uuid.UUID]]) -> None:
        # the push then carries the pii_erased events, which erase the centre's copies
        for table in (MessageContact, MessageAttachment):
            s.execute(delete(table).where(tuple_(table.site_id, table.message_uuid).in_(keys)))


class Register(SiteBound):
    """One register's rules, on a site's database or the centre's (`desk` says which)."""

    def __init__(
        self,
        db: Database,
        config: Config,
        *,
        clock: Callable[[], dt.datetime] = utcnow,
        desk: Desk | None = None,
    ) -> None:
        super().__init__(db, config, clock=clock)
        self.tz = config.tz
        self.retention = dt.timedelta(days=config.register.retention_days)
        self.desk: Desk = desk or SiteDesk(self.site_id)

    def _read(self, query: Select, site_column: Any = Message.site_id) -> Select:
        sites = self.desk.sites
        return query if sites is None else query.where(site_column.in_(sorted(sites)))

    def today(self) -> dt.date:
        return self.clock().astimezone(self.tz).date()

    # --- reading ----------------------------------------------------------------------

    def _entries(self, s: Session, query: Select) -> list[Entry]:
        has_contact = exists().where(
            MessageContact.message_uuid == Message.uuid, MessageContact.site_id == Message.site_id
        )
        rows = s.execute(query.add_columns(has_contact.label("has_contact"))).all()
        return [
            Entry(
                uuid=r.uuid,
                reg_number=r.reg_number,
                registered_at=r.created_at,
                kind=r.kind,
                site_id=r.site_id,
                text=r.text,
                anonymous=r.anonymous,
                status=Status(r.status),
                status_note=r.status_note,
                original_due_date=r.original_due_date,
                due_date=r.due_date,
                answer_text=r.answer_text,
                answered_at=r.answered_at,
                answered_by=r.answered_by,
                extension_reason=r.extension_reason,
                has_personal_data=bool(r.has_contact),
                flagged=bool(r.flagged),
                channel=r.channel,
                received_on=r.received_on,
            )
            for r in rows
        ]

    def entries(self, *, filter: Filter = Filter.ALL, kind: str | None = None) -> list[Entry]:
        """The register, newest first; due-this-week means due in the next seven days."""
        query = self._read(state_query())
        sq = query.subquery("state")
        today = self.today()
        conditions = []
        open_ = sq.c.status.notin_(CLOSED)
        if filter is Filter.OPEN:
            conditions.append(open_)
        elif filter is Filter.OVERDUE:
            conditions += [open_, sq.c.due_date < today]
        elif filter is Filter.DUE_THIS_WEEK:
            conditions += [
                open_,
                sq.c.due_date >= today,
                sq.c.due_date <= today + dt.timedelta(days=6),
            ]
        if kind is not None:
            conditions.append(sq.c.kind == kind)
        order = (sq.c.due_date,) if filter is not Filter.ALL else (sq.c.created_at.desc(),)
        with self.db.read() as s:
            keys = s.execute(
                select(sq.c.site_id, sq.c.uuid).where(*conditions).order_by(*order)
            ).all()
            uuids = [k.uuid for k in keys]
            by_key = {
                (e.site_id, e.uuid): e
                for e in self._entries(s, query.where(Message.uuid.in_(uuids)))
            }
        return [by_key[(k.site_id, k.uuid)] for k in keys]

    def entry(self, message_uuid: uuid.UUID) -> Entry:
        with self.db.read() as s:
            return self._entry(s, message_uuid)

    def _entry(self, s: Session, message_uuid: uuid.UUID) -> Entry:
        found = self._entries(s, self._read(state_query()).where(Message.uuid == message_uuid))
        if not found:
            raise UnknownMessage(f"no message {message_uuid}")
        return found[0]

    def find(self, reg_number: str) -> Entry:
        """The entry with this registration number."""
        with self.db.read() as s:
            found = self._entries(
                s, self._read(state_query()).where(Message.reg_number == reg_number)
            )
        # two sites may number alike: the centre finds a number within one site
        if len(found) != 1:
            raise UnknownMessage(f"no message {reg_number}")
        return found[0]

    def history(self, message_uuid: uuid.UUID) -> list[HistoryItem]:
        with self.db.read() as s:
            rows = s.scalars(
                self._read(select(MessageEvent), MessageEvent.site_id)
                .where(MessageEvent.message_uuid == message_uuid)
                .order_by(MessageEvent.created_at, MessageEvent.seq)
            )
            return [
                HistoryItem(
                    at=e.created_at,
                    kind=e.kind,
                    actor=e.actor,
                    text=e.text,
                    new_due_date=e.new_due_date,
                )
                for e in rows
            ]

    def personal_data(
        self, *, message_uuid: uuid.UUID, actor: str, role: str, purpose: str = "register"
    ) -> PersonalData | None:
        """The complainant's name and contact, for the roles that may see them; the view is recorded."""
        require_personal_data_role(role, NotAllowed)
        with self.db.write() as s:
            contact = s.scalars(
                self._read(select(MessageContact), MessageContact.site_id).where(
                    MessageContact.message_uuid == message_uuid
                )
            ).first()
            if contact is None:
                return None
            self._event(s, contact.site_id, message_uuid, PII_VIEWED, actor=actor, text=purpose)
            return PersonalData(name=contact.name, contact=contact.contact, consent=contact.consent)

    def scans(self, message_uuid: uuid.UUID) -> list[AttachmentInfo]:
        """A message's scanned letters, their names and sizes only (no view of personal data)."""
        with self.db.read() as s:
            rows = s.scalars(
                self._read(select(MessageAttachment), MessageAttachment.site_id)
                .where(MessageAttachment.message_uuid == message_uuid)
                .order_by(MessageAttachment.created_at, MessageAttachment.seq)
            )
            return [AttachmentInfo.from_row(r) for r in rows]

    def open_scan(
        self, *, message_uuid: uuid.UUID, attachment_uuid: uuid.UUID, actor: str, role: str
    ) -> tuple[AttachmentInfo, bytes]:
        """A scan's bytes, for the roles that may see personal data; the view is recorded as
        this desk records its events (at the centre: the centre's, under its own keys)."""
        require_personal_data_role(role, AttachmentNotAllowed)
        with self.db.write() as s:
            row = s.scalars(
                self._read(select(MessageAttachment), MessageAttachment.site_id).where(
                    MessageAttachment.uuid == attachment_uuid,
                    MessageAttachment.message_uuid == message_uuid,
                )
            ).first()
            if row is None:
                raise UnknownAttachment(f"no attachment {attachment_uuid}")
            self._event(
                s,
                row.site_id,
                message_uuid,
                PII_VIEWED,
                actor=actor,
                text=f"attachment:{row.filename}",
            )
            return AttachmentInfo.from_row(row), base64.b64decode(row.content_b64)

    def handles(self, site_id: str) -> bool:
        """Whether this register takes the steps on that site's cases, or only reads them."""
        with self.db.read() as s:
            return self.desk.handles(s, site_id)

    # --- handling ---------------------------------------------------------------------

    def _event(
        self,
        s: Session,
        site_id: str,
        message_uuid: uuid.UUID,
        kind: MessageEventKind,
        **fields: object,
    ) -> None:
        s.add(
            MessageEvent(
                **self.desk.stamp(s, site_id),
                created_at=self.clock(),
                message_uuid=message_uuid,
                kind=kind,
                **fields,
            )
        )

    def _step(
        self,
        *,
        message_uuid: uuid.UUID,
        to: Status,
        allowed_from: tuple[Status, ...],
        actor: str,
        text: str | None = None,
        new_due_date: dt.date | None = None,
        check: Callable[[Entry], None] | None = None,
    ) -> Entry:
        """Record a status change if the message's state allows it (`check` may refuse it too).

        The state is read and the event written in one write transaction, the message locked
        first (the desk says how): of two officers acting at once, the second finds the first
        one's step done. Only the desk that handles the message's site takes a step on it.
        """
        actor = check_text(actor, field="actor")
        text = None if text is None else check_text(text, field="text")
        with self.db.write() as s:
            current = self._entry(s, message_uuid)
            if not self.desk.handles(s, current.site_id):
                raise self.desk.elsewhere(f"{current.reg_number}: handled elsewhere")
            self.desk.ready(s, current.site_id)
            self.desk.lock(s, current.site_id, message_uuid)
            current = self._entry(s, message_uuid)
            if check is not None:
                check(current)
            if current.status not in allowed_from:
                raise WrongState(f"{current.reg_number} is {current.status}, cannot become {to}")
            self._event(
                s,
                current.site_id,
                message_uuid,
                MessageEventKind(to),
                actor=actor,
                text=text,
                new_due_date=new_due_date,
            )
        return self.entry(message_uuid)

    def start_review(self, *, message_uuid: uuid.UUID, actor: str) -> Entry:
        return self._step(
            message_uuid=message_uuid, to=Status.IN_REVIEW, allowed_from=(Status.NEW,), actor=actor
        )

    def extend(
        self, *, message_uuid: uuid.UUID, actor: str, reason: str, final_due_date: dt.date
    ) -> Entry:
        """Record why the answer is late and the final deadline; the notice letter follows from it."""
        if not reason.strip():
            raise ReasonMissing("an extension needs its reason")
        if final_due_date <= self.today():
            raise DeadlinePast("the final deadline must be after today")

        def later_and_within_the_limit(current: Entry) -> None:
            if current.due_date is None or final_due_date <= current.due_date:
                raise DeadlineNotLater("the final deadline must be after the current due date")
            limit, refusal = EXTENSION_LIMIT.get(current.kind, EXTENSION_LIMIT[Kind.COMPLAINT])
            latest = current.registered_at.astimezone(self.tz).date() + limit
            if final_due_date > latest:
                raise refusal(
                    f"the final deadline may be {latest.isoformat()} at the latest",
                    limit=latest.strftime("%d.%m.%Y"),
                )

        return self._step(
            message_uuid=message_uuid,
            to=Status.EXTENDED,
            allowed_from=(Status.NEW, Status.IN_REVIEW, Status.EXTENDED),
            actor=actor,
            text=reason.strip(),
            new_due_date=final_due_date,
            check=later_and_within_the_limit,
        )

    def answer(self, *, message_uuid: uuid.UUID, actor: str, text: str) -> Entry:
        if not text.strip():
            raise AnswerMissing("the answer has no text")
        return self._step(
            message_uuid=message_uuid,
            to=Status.ANSWERED,
            allowed_from=(Status.NEW, Status.IN_REVIEW, Status.EXTENDED),
            actor=actor,
            text=text.strip(),
        )

    def not_subject_to_review(self, *, message_uuid: uuid.UUID, actor: str, reason: str) -> Entry:
        """Close a message the charter does not require to answer (anonymous, obscene…), with why."""
        if not reason.strip():
            raise ReasonMissing("closing without review needs its reason")
        return self._step(
            message_uuid=message_uuid,
            to=Status.NOT_SUBJECT,
            allowed_from=(Status.NEW, Status.IN_REVIEW),
            actor=actor,
            text=reason.strip(),
        )

    def letter(self, *, message_uuid: uuid.UUID, kind: Status, actor: str, role: str) -> Letter:
        """The answer or the extension notice as a letter to the complainant (a recorded view)."""
        entry = self.entry(message_uuid)
        if kind is Status.ANSWERED and entry.answer_text is not None:
            body, written, signer = entry.answer_text, entry.answered_at, entry.answered_by
        elif kind is Status.EXTENDED and entry.extension_reason is not None:
            last = [h for h in self.history(message_uuid) if h.kind == MessageEventKind(kind)][-1]
            body, written, signer = entry.extension_reason, last.at, last.actor
        else:
            raise NoLetter(f"{entry.reg_number} has no {kind} to write")
        addressee = self.personal_data(
            message_uuid=message_uuid, actor=actor, role=role, purpose=f"letter:{kind}"
        )
        return Letter(
            kind=kind,
            reg_number=entry.reg_number,
            registered_at=entry.registered_at,
            written_at=written,  # type: ignore[arg-type]
            addressee=addressee,
            body=body,
            final_due_date=entry.due_date if kind is Status.EXTENDED else None,
            signed_by=signer,
        )

    def erase_expired(self, *, actor: str = "retention") -> list[str]:
        """Erase personal data (contact, scanned letters) of cases closed longer than the
        retention period; the record stays. The desk says whose: a site erases its own, the
        centre what it registered itself (a site's pii_erased erases the centre's copy)."""
        cutoff = self.clock() - self.retention
        state = self._read(state_query()).where(self.desk.erasable()).subquery("state")
        closed_at = func.coalesce(state.c.status_at, state.c.created_at)
        holds = [
            exists().where(table.message_uuid == state.c.uuid, table.site_id == state.c.site_id)
            for table in (MessageContact, MessageAttachment)
        ]
        with self.db.write() as s:
            rows = s.execute(
                select(state.c.site_id, state.c.uuid, state.c.reg_number).where(
                    state.c.status.in_(CLOSED), closed_at < cutoff, or_(*holds)
                )
            ).all()
            if rows:
                # a message is the site's and its UUID: the centre erases for every site at once
                self.desk.erase(s, [(r.site_id, r.uuid) for r in rows])
                for r in rows:
                    self._event(s, r.site_id, r.uuid, PII_ERASED, actor=actor)
            return [r.reg_number for r in rows]
