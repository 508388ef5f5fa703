"""The site database's tables, as SQLAlchemy 2 typed ORM classes.

Records that leave the kiosk (tickets, their events, ratings, messages, device events)
carry a UUID made here, the site id, the kiosk clock's UTC time and `seq`, a local
monotonic key that sync uses as its high-water mark. They are append-only: a change
is a new row. The few mutable tables are local bookkeeping (the queue's current state,
number sequences, the catalogue, staff accounts, sync marks) and never leave the site.
"""

from __future__ import annotations

import datetime as dt
import uuid
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Enum,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy import event as sa_event
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, declared_attr, mapped_column

from kiosk.plain_text import check_fields
from kiosk.vocabulary import (
    AppointmentEventKind,
    BookingStatus,
    Channel,
    EventOrigin,
    FeedbackReason,
    HandledAt,
    MessageEventKind,
    MessageKind,
    ReviewStatus,
    Role,
    TicketEventKind,
    TicketStatus,
)

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def vocabulary(enum: type[StrEnum], length: int) -> Enum:
    """A column holding one of `enum`'s values: the ORM reads and writes members.

    Stored as the value in a VARCHAR of `length`, with no CHECK and no native type, so the
    DDL (and the centre's copy of it) is the plain string column it always was; a string
    outside the vocabulary is refused when bound instead of being written.
    """
    return Enum(
        enum,
        native_enum=False,
        create_constraint=False,
        length=length,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Aware UTC datetimes on every backend (SQLite keeps no zone of its own)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Record:
    """Columns every record that is synced to the centre carries."""

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    uuid: Mapped[uuid.UUID] = mapped_column(Uuid, unique=True, default=uuid.uuid4)
    site_id: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    @declared_attr.directive
    def __table_args__(cls) -> Any:
        return {"sqlite_autoincrement": True}


# --- queue set-up (local, edited by admins) ---------------------------------------------


class QueueCategory(Base):
    __tablename__ = "queue_categories"

    code: Mapped[str] = mapped_column(String(1), primary_key=True)
    name_bg: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(120))
    priority: Mapped[bool] = mapped_column(Boolean, default=False)
    counter_groups: Mapped[list[str]] = mapped_column(JSON, default=list)
    sort: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # who may take a priority ticket, as the kiosk tells the visitor before issuing one
    entitled_bg: Mapped[str] = mapped_column(String(300), default="")
    entitled_en: Mapped[str] = mapped_column(String(300), default="")


class Counter(Base):
    __tablename__ = "counters"

    number: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    name_bg: Mapped[str] = mapped_column(String(60))
    name_en: Mapped[str] = mapped_column(String(60))
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class SetupEvent(Base):
    """A change an admin made to the categories or counters: who, when and the new values."""

    __tablename__ = "setup_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor: Mapped[str] = mapped_column(String(60))
    subject: Mapped[str] = mapped_column(String(12))  # "category" or "counter"
    key: Mapped[str] = mapped_column(String(4))  # the category's letter, the counter's number
    action: Mapped[str] = mapped_column(String(20))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON)


class CounterCategory(Base):
    __tablename__ = "counter_categories"

    counter_number: Mapped[int] = mapped_column(
        ForeignKey("counters.number", ondelete="CASCADE"), primary_key=True
    )
    category_code: Mapped[str] = mapped_column(
        ForeignKey("queue_categories.code", ondelete="CASCADE"), primary_key=True
    )


class NumberSequence(Base):
    """Gap-free counters: ticket numbers per day and category, registration numbers per year."""

    __tablename__ = "number_sequences"

    scope: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[int] = mapped_column(Integer)


# --- queue records ----------------------------------------------------------------------


class Ticket(Record, Base):
    __tablename__ = "tickets"
    __table_args__ = (
        UniqueConstraint(
            "site_id", "service_day", "category_code", "number", name="uq_tickets_day_number"
        ),
        # reports read a period: a month of a year's tickets, or none of them, without a scan
        Index("ix_tickets_created_at", "created_at"),
        {"sqlite_autoincrement": True},
    )

    service_day: Mapped[dt.date] = mapped_column(Date)
    category_code: Mapped[str] = mapped_column(String(1))
    number: Mapped[int] = mapped_column(Integer)
    label: Mapped[str] = mapped_column(String(8))
    service_id: Mapped[str | None] = mapped_column(String(40))
    priority: Mapped[bool] = mapped_column(Boolean, default=False)
    language: Mapped[str] = mapped_column(String(2), default="bg")
    terminal_id: Mapped[str] = mapped_column(String(40))


class TicketEvent(Record, Base):
    __tablename__ = "ticket_events"

    ticket_uuid: Mapped[uuid.UUID] = mapped_column(ForeignKey("tickets.uuid"), index=True)
    kind: Mapped[TicketEventKind] = mapped_column(vocabulary(TicketEventKind, 20))
    counter_number: Mapped[int | None] = mapped_column(Integer)
    category_code: Mapped[str | None] = mapped_column(String(1))
    clerk: Mapped[str | None] = mapped_column(String(60))
    reason: Mapped[str | None] = mapped_column(String(300))


#: The category of a ticket for no service, or for one no longer in the catalogue.
NO_CATEGORY = "-"


class TicketOutcome(Record, Base):
    """How a ticket left the queue (done, no-show, cancelled) and its waiting and service seconds.

    Written in the transaction of the ticket's last event. Everything in it follows from
    the events; it is kept so that a year's report reads one row a ticket instead of
    regrouping every event of the year.
    """

    __tablename__ = "ticket_outcomes"

    ticket_uuid: Mapped[uuid.UUID] = mapped_column(ForeignKey("tickets.uuid"), unique=True)
    outcome: Mapped[TicketStatus] = mapped_column(vocabulary(TicketStatus, 12))
    service_day: Mapped[dt.date] = mapped_column(Date)
    issued_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    service_id: Mapped[str | None] = mapped_column(String(40))
    # the service's catalogue category then ("-" for none) and the local hour of issue:
    # the report groups by both, and a lookup or a time-zone sum per row would cost more
    category: Mapped[str] = mapped_column(String(20))
    hour: Mapped[int] = mapped_column(Integer)
    counter_number: Mapped[int | None] = mapped_column(Integer)
    # issue → first call; None if never called
    wait_s: Mapped[int | None] = mapped_column(Integer)
    # (last) call or arrival at the counter → done; only for a ticket served
    service_s: Mapped[int | None] = mapped_column(Integer)


class QueueState(Base):
    """The current state of each ticket: a local projection of its events, for fast calls."""

    __tablename__ = "queue_state"
    __table_args__ = (
        Index(
            "ix_queue_state_pick", "service_day", "status", "category_code", "priority", "issued_at"
        ),
    )

    ticket_uuid: Mapped[uuid.UUID] = mapped_column(ForeignKey("tickets.uuid"), primary_key=True)
    ticket_seq: Mapped[int] = mapped_column(Integer)
    label: Mapped[str] = mapped_column(String(8))
    service_day: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[TicketStatus] = mapped_column(vocabulary(TicketStatus, 12))
    category_code: Mapped[str] = mapped_column(String(1))
    priority: Mapped[bool] = mapped_column(Boolean)
    issued_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    service_id: Mapped[str | None] = mapped_column(String(40))
    target_counter: Mapped[int | None] = mapped_column(Integer)
    counter_number: Mapped[int | None] = mapped_column(Integer, index=True)
    called_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    #: a booked visitor's slot: the ticket is not called before it, and ahead of walk-ins after
    due_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    serving_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


# --- feedback records -------------------------------------------------------------------


class Rating(Record, Base):
    __tablename__ = "ratings"
    __table_args__ = (
        CheckConstraint("score BETWEEN 1 AND 5", name="score_range"),
        Index("ix_ratings_created_at", "created_at"),  # reports read a period
        {"sqlite_autoincrement": True},
    )

    terminal_id: Mapped[str] = mapped_column(String(40))
    score: Mapped[int] = mapped_column(Integer)
    counted: Mapped[bool] = mapped_column(Boolean, default=True)
    ticket_uuid: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    service_id: Mapped[str | None] = mapped_column(String(40))
    counter_number: Mapped[int | None] = mapped_column(Integer)


class RatingReason(Record, Base):
    __tablename__ = "rating_reasons"

    rating_uuid: Mapped[uuid.UUID] = mapped_column(ForeignKey("ratings.uuid"), index=True)
    reason: Mapped[FeedbackReason] = mapped_column(vocabulary(FeedbackReason, 30))


class Message(Record, Base):
    """An opinion, suggestion, praise, complaint or signal; contact details live apart."""

    __tablename__ = "messages"

    kind: Mapped[MessageKind] = mapped_column(vocabulary(MessageKind, 12))
    text: Mapped[str] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(2), default="bg")
    anonymous: Mapped[bool] = mapped_column(Boolean)
    health_safety: Mapped[bool] = mapped_column(Boolean, default=False)
    obscene: Mapped[bool] = mapped_column(Boolean, default=False)
    review_status: Mapped[ReviewStatus] = mapped_column(vocabulary(ReviewStatus, 24))
    review_note: Mapped[str | None] = mapped_column(String(40))
    reg_number: Mapped[str] = mapped_column(String(30), unique=True)
    due_date: Mapped[dt.date | None] = mapped_column(Date)
    terminal_id: Mapped[str | None] = mapped_column(String(40))
    ticket_uuid: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    rating_uuid: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    service_id: Mapped[str | None] = mapped_column(String(40))
    channel: Mapped[Channel] = mapped_column(
        vocabulary(Channel, 12), default=Channel.KIOSK, server_default=Channel.KIOSK.value
    )
    #: the day the administration received it, which starts the deadline (kiosk: created_at's day)
    received_on: Mapped[dt.date | None] = mapped_column(Date)
    #: printed beside the registration number: with it, the kiosk shows the message's state
    check_code: Mapped[str | None] = mapped_column(String(12))


class MessageContact(Record, Base):
    """A complainant's personal data, kept apart so it can be erased and never reported."""

    __tablename__ = "message_contacts"

    message_uuid: Mapped[uuid.UUID] = mapped_column(ForeignKey("messages.uuid"), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    contact: Mapped[str] = mapped_column(String(200))
    consent: Mapped[bool] = mapped_column(Boolean)


class MessageAttachment(Record, Base):
    """A scanned letter staff attached to a message: personal data, erased with the contact."""

    __tablename__ = "message_attachments"

    message_uuid: Mapped[uuid.UUID] = mapped_column(ForeignKey("messages.uuid"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    #: from the file's bytes, never its name (kiosk.attachments)
    media_type: Mapped[str] = mapped_column(String(40))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    #: base64: the push carries rows as JSON that the site's database writes itself, and
    #: SQLite's JSON holds no BLOB
    content_b64: Mapped[str] = mapped_column(Text)


class MessageEvent(Record, Base):
    """A step in a message's handling: review, extension, answer, a view of personal data."""

    __tablename__ = "message_events"

    message_uuid: Mapped[uuid.UUID] = mapped_column(ForeignKey("messages.uuid"), index=True)
    kind: Mapped[MessageEventKind] = mapped_column(vocabulary(MessageEventKind, 24))
    actor: Mapped[str | None] = mapped_column(String(60))
    text: Mapped[str | None] = mapped_column(Text)
    new_due_date: Mapped[dt.date | None] = mapped_column(Date)
    #: events made at the centre reach the site by a pull and are never pushed back
    origin: Mapped[EventOrigin] = mapped_column(
        vocabulary(EventOrigin, 8), default=EventOrigin.SITE, server_default=EventOrigin.SITE.value
    )


class DeviceEvent(Record, Base):
    """A device's state as seen at a moment: paper low, printer offline, job failed…"""

    __tablename__ = "device_events"

    device: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(24))
    detail: Mapped[str | None] = mapped_column(String(300))
    ticket_uuid: Mapped[uuid.UUID | None] = mapped_column(Uuid)


# --- appointments (issue #17) -----------------------------------------------------------


class Appointment(Base):
    """A booking made on the citizens' pages at the centre, as the site pulled it.

    The centre's copy is the truth: a pull replaces this row (a cancel, a move). The site
    keeps the name for the clerk's list of the day and nothing else of the citizen's: the
    contact stays at the centre. Erased with the other personal data after the day.
    """

    __tablename__ = "appointments"
    __table_args__ = (Index("ix_appointments_site_starts", "site_id", "starts_at"),)

    booking_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    #: what the citizen types at the kiosk: digits only, for a touchscreen's number pad
    code: Mapped[str] = mapped_column(String(12), unique=True)
    site_id: Mapped[str] = mapped_column(String(40))
    category_code: Mapped[str] = mapped_column(String(1))
    service_id: Mapped[str | None] = mapped_column(String(40))
    starts_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    slot_minutes: Mapped[int] = mapped_column(Integer)
    status: Mapped[BookingStatus] = mapped_column(vocabulary(BookingStatus, 12))
    name: Mapped[str | None] = mapped_column(String(200))
    language: Mapped[str] = mapped_column(String(2), default="bg")
    #: the centre's last change of the booking, so a pull keeps the newest
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    pulled_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class AppointmentEvent(Record, Base):
    """What the site saw of a booking on its day: checked in (with its ticket), late, no-show."""

    __tablename__ = "appointment_events"

    booking_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    kind: Mapped[AppointmentEventKind] = mapped_column(vocabulary(AppointmentEventKind, 12))
    ticket_uuid: Mapped[uuid.UUID | None] = mapped_column(Uuid)


RECORD_TABLES: tuple[type[Record], ...] = (
    Ticket,
    TicketEvent,
    TicketOutcome,
    Rating,
    RatingReason,
    Message,
    MessageContact,
    MessageAttachment,
    MessageEvent,
    DeviceEvent,
    AppointmentEvent,
)


@sa_event.listens_for(Session, "before_flush")
def _refuse_forbidden_text(session: Session, _context: Any, _instances: Any) -> None:
    """Behind every edge's own check: no record is written holding text a record may not hold
    (a NUL in one would stop the site's sync for good)."""
    for obj in (*session.new, *session.dirty):
        if isinstance(obj, Record):
            table = obj.__table__  # type: ignore[attr-defined]
            check_fields(obj.__dict__, (c.key for c in table.columns if isinstance(c.type, String)))


# --- the service catalogue (replaced whole on import or pull) ----------------------------


class CatalogService(Base):
    __tablename__ = "catalog_services"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    sort: Mapped[int] = mapped_column(Integer)
    category: Mapped[str] = mapped_column(String(20), index=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)


class CatalogRevision(Base):
    __tablename__ = "catalog_revision"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False, default=1)
    revision: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(300))
    imported_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


# --- staff and sync bookkeeping (local) ------------------------------------------------


class StaffUser(Base):
    __tablename__ = "staff_users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(60), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[Role] = mapped_column(vocabulary(Role, 12))
    counter_number: Mapped[int | None] = mapped_column(
        ForeignKey("counters.number", ondelete="SET NULL")
    )
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class StaffSession(Base):
    """A signed-in browser; the cookie holds a token whose SHA-256 is the key here.

    Deleting the row ends the session. `stamp` is taken from the account's password hash,
    role and counter at sign-in: a session whose account changed since is no longer valid.
    """

    __tablename__ = "staff_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("staff_users.id", ondelete="CASCADE"), index=True
    )
    stamp: Mapped[str] = mapped_column(String(64))
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    seen_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    address: Mapped[str] = mapped_column(String(64))
    agent: Mapped[str] = mapped_column(String(200))


class SignInAttempts(Base):
    """Sign-in attempts per key (`user:…` or `address:…`) in the current fixed window."""

    __tablename__ = "sign_in_attempts"

    key: Mapped[str] = mapped_column(String(120), primary_key=True)
    window_start: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    count: Mapped[int] = mapped_column(Integer)


class TicketLink(Base):
    """The live ticket's link (its QR code): the SHA-256 of an unguessable token, never the
    token itself, so the database cannot rebuild a visitor's link. Kept at the site only."""

    __tablename__ = "ticket_links"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    ticket_uuid: Mapped[uuid.UUID] = mapped_column(ForeignKey("tickets.uuid"), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class SyncMark(Base):
    """How far each record table has been pushed: moved only after the central commit."""

    __tablename__ = "sync_marks"

    table_name: Mapped[str] = mapped_column(String(40), primary_key=True)
    high_water: Mapped[int] = mapped_column(Integer, default=0)


class PullMark(Base):
    """How far the site has pulled a changing table of the centre's (its bookings): the next
    pull asks only for rows changed since `at`, or starting from `until` on."""

    __tablename__ = "pull_marks"

    source: Mapped[str] = mapped_column(String(40), primary_key=True)
    #: the centre's clock when the pull read
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    #: the end of the days the pull covered
    until: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class SyncRun(Base):
    __tablename__ = "sync_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    ok: Mapped[bool] = mapped_column(Boolean, default=False)
    pushed: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    pulled_revision: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)
    #: the kiosk's clock minus the centre's when the run reached it (seconds; None: it did not)
    clock_skew_s: Mapped[float | None] = mapped_column(Float)


class SiteSetting(Base):
    """This site's settings as published by the centre, stored at each pull (one row)."""

    __tablename__ = "site_settings"

    site_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    #: who handles the site's messages: where it is the centre, the site's register only reads
    handled_at: Mapped[HandledAt] = mapped_column(vocabulary(HandledAt, 8))
    sync_every_min: Mapped[int | None] = mapped_column(Integer)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    updated_by: Mapped[str | None] = mapped_column(String(60))


class Heartbeat(Base):
    """A process's latest "I am alive" (one row each, overwritten): what the kiosk app saw last."""

    __tablename__ = "heartbeats"

    source: Mapped[str] = mapped_column(String(20), primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    printer: Mapped[str | None] = mapped_column(String(24))
