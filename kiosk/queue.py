"""The queue: tickets per category and day, counters that call them, and every step as an event.

Numbers are gap-free per category and local day (А001…А999), allocated in the same
transaction as the ticket. Calling picks a ticket sent to the counter first, then priority,
then a booked visitor's ticket whose slot has come (never one before its slot), then the
oldest ticket (`calling_order`); on SQLite the write transaction holds the database lock
(BEGIN IMMEDIATE), on PostgreSQL the chosen row is locked with FOR UPDATE SKIP LOCKED, so
no ticket reaches two counters.
"""

from __future__ import annotations

import collections
import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, or_, select, true
from sqlalchemy.orm import Session

from kiosk import waits
from kiosk.config import Config
from kiosk.db import Database
from kiosk.errors import KioskError
from kiosk.hours import OpenState, WorkingHours
from kiosk.models import (
    NO_CATEGORY,
    CatalogService,
    Counter,
    CounterCategory,
    QueueCategory,
    QueueState,
    Ticket,
    TicketEvent,
    TicketOutcome,
    utcnow,
)
from kiosk.numbering import next_number
from kiosk.site import SiteBound
from kiosk.text import Text
from kiosk.ticket_links import add_link, renew_link
from kiosk.vocabulary import TicketEventKind as EventKind
from kiosk.vocabulary import TicketStatus as Status

MAX_NUMBER = 999


ACTIVE = (Status.CALLED, Status.SERVING)
FINAL = (Status.DONE, Status.NO_SHOW, Status.CANCELLED)


class Arrival(StrEnum):
    """What the clerk says of a called ticket that was never started, before the next call."""

    ARRIVED = "arrived"  #: the visitor came and was served; "start" was not pressed
    NO_SHOW = "no_show"  #: the visitor did not come


def _refuse_unless_open(counter: int, active: bool | None) -> None:
    """Refuse a counter that does not exist (None) or is closed."""
    if active is None:
        raise UnknownCounter(f"no counter {counter}", counter=counter)
    if not active:
        raise CounterClosed(f"counter {counter} is closed", counter=counter)


class QueueError(KioskError):
    """A queue operation that cannot be done now."""

    code = "queue_error"
    status = 409


class QueueClosed(QueueError):
    code = "closed"

    def __init__(self, state: OpenState) -> None:
        self.state = state
        super().__init__(f"tickets are not issued now ({state.reason})")


class QueueFull(QueueError):
    code = "full"


class UnknownCategory(QueueError):
    code = "unknown_category"
    status = 404


class UnknownCounter(QueueError):
    code = "unknown_counter"
    status = 404


class CounterClosed(QueueError):
    code = "counter_closed"


class NoActiveTicket(QueueError):
    code = "no_active_ticket"


class TicketNotWaiting(QueueError):
    code = "ticket_not_waiting"


class CalledNotStarted(QueueError):
    """The counter's ticket was called but never started: the clerk says whether they came."""

    code = "called_not_started"


class NoTransferTarget(QueueError):
    """A transfer names neither or both of a category and a counter."""

    code = "no_transfer_target"
    status = 422


@dataclass(frozen=True)
class IssuedTicket:
    uuid: uuid.UUID
    label: str
    number: int
    category_code: str
    category_name: Text
    priority: bool
    service_id: str | None
    issued_at: dt.datetime
    service_day: dt.date
    people_ahead: int
    estimated_wait_minutes: int
    counters: tuple[int, ...]
    wait_range: tuple[int, int] | None = None  # likely fewest and most minutes, when unsure
    #: the live ticket's token for the QR code, when the site has citizens' pages (public.base_url)
    live_token: str | None = None


@dataclass(frozen=True)
class TicketView:
    uuid: uuid.UUID
    label: str
    status: Status
    category_code: str
    priority: bool
    service_id: str | None
    counter_number: int | None
    issued_at: dt.datetime
    called_at: dt.datetime | None
    serving_at: dt.datetime | None
    #: a booked visitor's slot: not called before it (None: a walk-in)
    due_at: dt.datetime | None = None

    @classmethod
    def of(cls, row: QueueState) -> TicketView:
        return cls(
            uuid=row.ticket_uuid,
            label=row.label,
            status=row.status,
            category_code=row.category_code,
            priority=row.priority,
            service_id=row.service_id,
            counter_number=row.counter_number,
            issued_at=row.issued_at,
            called_at=row.called_at,
            serving_at=row.serving_at,
            due_at=row.due_at,
        )


@dataclass(frozen=True)
class CategoryStatus:
    code: str
    name: Text
    priority: bool
    waiting: int
    estimated_wait_minutes: int
    entitled: Text  # who may take a ticket of a priority category, as the admin set it
    counter_groups: tuple[str, ...] = ()
    wait_range: tuple[int, int] | None = None  # likely fewest and most minutes, when unsure


@dataclass(frozen=True)
class CounterStatus:
    number: int
    name: Text
    categories: tuple[str, ...]
    current: TicketView | None
    served_today: int


@dataclass(frozen=True)
class Call:
    label: str
    counter_number: int
    at: dt.datetime
    kind: EventKind
    event_seq: int
    #: a booked visitor's ticket: the board marks it with a clock
    booked: bool = False


@dataclass(frozen=True)
class QueueStatus:
    day: dt.date
    open_state: OpenState
    categories: tuple[CategoryStatus, ...]
    counters: tuple[CounterStatus, ...]
    recent_calls: tuple[Call, ...]


def calling_order() -> tuple[ColumnElement[Any], ...]:
    """The order tickets are called in, after one sent to the counter: priority first (the
    law's precedence outranks a booked time), then booked visitors by their slot, then the
    oldest. `callable_at` keeps a booked ticket out until its slot."""
    return (
        QueueState.priority.desc(),
        case((QueueState.due_at.is_(None), 1), else_=0),
        func.coalesce(QueueState.due_at, QueueState.issued_at),
        QueueState.ticket_seq,
    )


def calling_key(row: waits.WaitingRow) -> tuple[int, int, dt.datetime, int]:
    """`calling_order` for rows already read."""
    booked = row.due_at is not None
    return (-row.priority, 0 if booked else 1, row.due_at or row.issued_at, row.ticket_seq)


def callable_at(now: dt.datetime) -> ColumnElement[bool]:
    """A waiting ticket a counter may call now: an early booked visitor waits for the slot."""
    return or_(QueueState.due_at.is_(None), QueueState.due_at <= now)


def _seconds(end: dt.datetime, start: dt.datetime) -> int:
    return round((end - start).total_seconds())


def ticket_label(code: str, number: int) -> str:
    """The one number format used on the ticket, the panel and the board."""
    return f"{code}{number:03d}"


def apply_queue_config(db: Database, config: Config) -> None:
    """Create the configured categories and counters where the database has none yet.

    After the first start the database is the source of truth: admins edit counters in
    the staff web, and a restart does not undo their changes.
    """
    with db.write() as s:
        if s.scalar(select(func.count()).select_from(QueueCategory)) == 0:
            for i, c in enumerate(config.categories):
                s.add(
                    QueueCategory(
                        code=c.code,
                        name_bg=c.name_bg,
                        name_en=c.name_en,
                        priority=c.priority,
                        counter_groups=list(c.counter_groups),
                        sort=i,
                        active=True,
                    )
                )
        if s.scalar(select(func.count()).select_from(Counter)) == 0:
            s.flush()
            for spec in config.counters:
                s.add(
                    Counter(
                        number=spec.number, name_bg=spec.name_bg, name_en=spec.name_en, active=True
                    )
                )
                s.flush()
                for code in spec.categories:
                    s.add(CounterCategory(counter_number=spec.number, category_code=code))


class Queue(SiteBound):
    """Queue operations for one site. Every method is one transaction."""

    def __init__(
        self, db: Database, config: Config, *, clock: Callable[[], dt.datetime] = utcnow
    ) -> None:
        super().__init__(db, config, clock=clock)
        self.hours = WorkingHours.from_config(config)
        self.no_show_after_recalls: int = config.panel.no_show_after_recalls
        self.waits = waits.WaitEstimator(self.hours.tz)

    # --- helpers ----------------------------------------------------------------------

    def today(self, now: dt.datetime | None = None) -> dt.date:
        return self.hours.local(now or self.clock()).date()

    def _event(
        self,
        s: Session,
        ticket_uuid: uuid.UUID,
        kind: EventKind,
        now: dt.datetime,
        **fields: object,
    ) -> None:
        s.add(
            TicketEvent(
                site_id=self.site_id,
                created_at=now,
                ticket_uuid=ticket_uuid,
                kind=kind,
                **fields,
            )
        )

    def _category(self, s: Session, code: str) -> QueueCategory:
        category = s.get(QueueCategory, code)
        if category is None or not category.active:
            raise UnknownCategory(f"no ticket category {code!r}", category=code)
        return category

    def _open_counter(self, s: Session, counter: int, *, lock: bool = False) -> None:
        """Refuse an unknown or closed counter.

        lock=True serialises the counter's own actions on PostgreSQL (a double click on
        "call next"), as BEGIN IMMEDIATE does on SQLite: otherwise each of two concurrent
        calls finishes the same old ticket and calls a new one, leaving one stuck "called".
        """
        row = s.get(Counter, counter, with_for_update=lock)
        _refuse_unless_open(counter, None if row is None else row.active)

    def _counter_categories(self, s: Session, counter: int, *, lock: bool = False) -> list[str]:
        """`_open_counter`, and the counter's categories read with it: one round trip of the
        clerk's every call fewer."""
        query = (
            select(Counter.active, CounterCategory.category_code)
            .outerjoin(CounterCategory, CounterCategory.counter_number == Counter.number)
            .where(Counter.number == counter)
        )
        rows = s.execute(query.with_for_update(of=Counter) if lock else query).all()
        _refuse_unless_open(counter, rows[0].active if rows else None)
        return [row.category_code for row in rows if row.category_code is not None]

    def _counters_for(self, s: Session, code: str) -> list[int]:
        return list(
            s.scalars(
                select(CounterCategory.counter_number)
                .join(Counter, Counter.number == CounterCategory.counter_number)
                .where(CounterCategory.category_code == code, Counter.active.is_(True))
                .order_by(CounterCategory.counter_number)
            )
        )

    def _active(self, s: Session, counter: int, *, lock: bool = False) -> QueueState | None:
        query = select(QueueState).where(
            QueueState.counter_number == counter, QueueState.status.in_(ACTIVE)
        )
        if lock and self.db.dialect == "postgresql":
            query = query.with_for_update()
        return s.scalars(query.order_by(QueueState.called_at.desc()).limit(1)).first()

    def _estimate(
        self, s: Session, cat: QueueCategory, now: dt.datetime, ticket: uuid.UUID | None = None
    ) -> waits.Estimate:
        """The wait of a ticket just issued, or of one of the category issued now."""
        return self.waits.estimate(
            s,
            category=cat.code,
            priority=cat.priority,
            day=self.today(now),
            now=now,
            ticket_uuid=ticket,
        )

    def wait_of(self, ticket_uuid: uuid.UUID) -> waits.Estimate | None:
        """The wait of a waiting ticket, as the kiosk would tell it now; None if not waiting."""
        now = self.clock()
        with self.db.read() as s:
            row = s.get(QueueState, ticket_uuid)
            if row is None or row.status is not Status.WAITING:
                return None
            return self._estimate(s, self._category(s, row.category_code), now, ticket_uuid)

    def ahead_of(self, ticket_uuid: uuid.UUID) -> int | None:
        """How many of the same category's waiting tickets will be called before this one.

        A booked visitor who came early counts as ahead of a walk-in already: told one more
        ahead rather than passed unannounced when the slot comes.
        """
        with self.db.read() as s:
            row = s.get(QueueState, ticket_uuid)
            if row is None or row.status is not Status.WAITING:
                return None
            order = s.scalars(
                select(QueueState.ticket_uuid)
                .where(
                    QueueState.service_day == row.service_day,
                    QueueState.status == Status.WAITING,
                    QueueState.category_code == row.category_code,
                )
                .order_by(*calling_order())
            ).all()
            return order.index(ticket_uuid)

    def _waiting_count(self, s: Session, code: str, day: dt.date) -> int:
        return s.scalar(
            select(func.count())
            .select_from(QueueState)
            .where(
                QueueState.service_day == day,
                QueueState.status == Status.WAITING,
                QueueState.category_code == code,
            )
        )

    # --- visitor side -----------------------------------------------------------------

    def open_state(self, now: dt.datetime | None = None) -> OpenState:
        return self.hours.state(now or self.clock())

    def issue(
        self,
        *,
        category: str,
        service_id: str | None = None,
        language: str = "bg",
        terminal_id: str | None = None,
        due_at: dt.datetime | None = None,
    ) -> IssuedTicket:
        """Issue the next ticket of a category; raises QueueClosed outside issuing hours.

        `due_at` is an appointment's slot: the ticket is called at that time, not in turn.
        """
        now = self.clock()
        state = self.hours.state(now)
        if not state.can_issue:
            raise QueueClosed(state)
        day = self.today(now)
        with self.db.write() as s:
            cat = self._category(s, category)
            number = next_number(s, f"ticket:{day.isoformat()}:{cat.code}")
            if number > MAX_NUMBER:
                raise QueueFull(
                    f"category {cat.code} has issued {MAX_NUMBER} tickets today",
                    category=cat.code,
                    limit=MAX_NUMBER,
                )
            people_ahead = self._waiting_count(s, cat.code, day)
            ticket = Ticket(
                site_id=self.site_id,
                created_at=now,
                service_day=day,
                category_code=cat.code,
                number=number,
                label=ticket_label(cat.code, number),
                service_id=service_id,
                priority=cat.priority,
                language=language,
                terminal_id=terminal_id or self.terminal_id,
            )
            s.add(ticket)
            s.flush()
            s.add(
                QueueState(
                    ticket_uuid=ticket.uuid,
                    ticket_seq=ticket.seq,
                    label=ticket.label,
                    service_day=day,
                    status=Status.WAITING,
                    category_code=cat.code,
                    priority=cat.priority,
                    issued_at=now,
                    service_id=service_id,
                    due_at=due_at,
                )
            )
            self._event(s, ticket.uuid, EventKind.ISSUED, now, category_code=cat.code)
            token = add_link(s, ticket.uuid, now) if self.config.public.base_url else None
            issued = IssuedTicket(
                uuid=ticket.uuid,
                label=ticket.label,
                number=number,
                category_code=cat.code,
                category_name=Text(cat.name_bg, cat.name_en),
                priority=cat.priority,
                service_id=service_id,
                issued_at=now,
                service_day=day,
                people_ahead=people_ahead,
                estimated_wait_minutes=0,
                counters=tuple(self._counters_for(s, cat.code)),
                live_token=token,
            )
        return self._with_wait(issued, now, in_calling_order=due_at is not None)

    def _with_wait(
        self, issued: IssuedTicket, now: dt.datetime, *, in_calling_order: bool
    ) -> IssuedTicket:
        # the forecast reads the queue once the ticket is committed, not under the write lock
        with self.db.read() as s:
            wait = self._estimate(s, self._category(s, issued.category_code), now, issued.uuid)
        ahead = issued.people_ahead
        if in_calling_order:  # a booked visitor passes the walk-ins: only those before it
            ahead = self.ahead_of(issued.uuid) or 0
        return replace(
            issued,
            people_ahead=ahead,
            estimated_wait_minutes=wait.minutes,
            wait_range=(wait.low, wait.high) if wait.is_range else None,
        )

    def issued_again(self, ticket_uuid: uuid.UUID) -> IssuedTicket | None:
        """A waiting ticket as it would be issued now, to print it again (a booked visitor
        who checks in twice); None once it is called or over. Its place and wait are as of
        now, and a new live link replaces the lost paper's."""
        now = self.clock()
        with self.db.write() as s:
            row = s.get(QueueState, ticket_uuid)
            if row is None or row.status is not Status.WAITING:
                return None
            cat = self._category(s, row.category_code)
            number = s.scalar(select(Ticket.number).where(Ticket.uuid == ticket_uuid))
            token = renew_link(s, ticket_uuid, now) if self.config.public.base_url else None
            issued = IssuedTicket(
                uuid=ticket_uuid,
                label=row.label,
                number=number,
                category_code=cat.code,
                category_name=Text(cat.name_bg, cat.name_en),
                priority=row.priority,
                service_id=row.service_id,
                issued_at=row.issued_at,
                service_day=row.service_day,
                people_ahead=0,
                estimated_wait_minutes=0,
                counters=tuple(self._counters_for(s, cat.code)),
                live_token=token,
            )
        # its place now, in the calling order, not the count at its first issue
        return self._with_wait(issued, now, in_calling_order=True)

    def category_for(self, *, counter_group: str) -> str | None:
        """The active, non-priority ticket category whose counters serve a catalogue group."""
        with self.db.read() as s:
            for cat in s.scalars(
                select(QueueCategory)
                .where(QueueCategory.active.is_(True), QueueCategory.priority.is_(False))
                .order_by(QueueCategory.sort)
            ):
                if counter_group in (cat.counter_groups or ()):
                    return cat.code
        return None

    def record_print(self, *, ticket_uuid: uuid.UUID, ok: bool, detail: str | None = None) -> None:
        """Note on the ticket whether its paper copy came out."""
        with self.db.write() as s:
            kind = EventKind.PRINTED if ok else EventKind.PRINT_FAILED
            self._event(
                s, ticket_uuid, kind, self.clock(), reason=(detail or None) and detail[:300]
            )

    # --- counter side -----------------------------------------------------------------

    def _recalls(self, s: Session, row: QueueState) -> int:
        """How often the ticket was called again since its latest call."""
        return s.scalar(
            select(func.count())
            .select_from(TicketEvent)
            .where(
                TicketEvent.ticket_uuid == row.ticket_uuid,
                TicketEvent.kind == EventKind.RECALLED,
                TicketEvent.created_at >= row.called_at,
            )
        )

    def _finish_active(
        self,
        s: Session,
        counter: int,
        now: dt.datetime,
        clerk: str | None,
        previous: Arrival | None,
    ) -> None:
        """End the counter's ticket before a new call, as served only if it was.

        A ticket that was called but never started is not silently "done" (that would count a
        no-show as served): the clerk says what happened, or after enough recalls nobody came.
        """
        active = self._active(s, counter, lock=True)
        if active is None:
            return
        if active.status is Status.SERVING or previous is Arrival.ARRIVED:
            status, reason = Status.DONE, "next called"
        elif previous is Arrival.NO_SHOW:
            status, reason = Status.NO_SHOW, "next called"
        elif self.no_show_after_recalls and (
            self._recalls(s, active) >= self.no_show_after_recalls
        ):
            status, reason = (
                Status.NO_SHOW,
                f"next called after {self.no_show_after_recalls} recalls",
            )
        else:
            raise CalledNotStarted(
                f"{active.label} was called at counter {counter} but not started: did they come?",
                label=active.label,
                counter=counter,
            )
        self._set_status(s, active, status, now, counter=counter, clerk=clerk, reason=reason)

    def _set_status(
        self,
        s: Session,
        row: QueueState,
        status: Status,
        now: dt.datetime,
        *,
        counter: int | None,
        clerk: str | None,
        reason: str | None = None,
        kind: EventKind | None = None,
    ) -> None:
        row.status = status
        if status is Status.CALLED:
            row.called_at, row.serving_at, row.counter_number, row.target_counter = (
                now,
                None,
                counter,
                None,
            )
        elif status is Status.SERVING:
            row.serving_at = now
        elif status in FINAL:
            # before the outcome's query flushes the row: one UPDATE of it, not two
            row.finished_at = now
            self._outcome(s, row, status, now, counter)
        self._event(
            s,
            row.ticket_uuid,
            kind or EventKind(status),
            now,
            counter_number=counter,
            clerk=clerk,
            reason=reason,
        )

    def _outcome(
        self, s: Session, row: QueueState, status: Status, now: dt.datetime, counter: int | None
    ) -> None:
        first_call = s.scalar(
            select(func.min(TicketEvent.created_at)).where(
                TicketEvent.ticket_uuid == row.ticket_uuid,
                TicketEvent.kind == EventKind.CALLED,
            )
        )
        started = row.serving_at or row.called_at
        category = None
        if row.service_id is not None:  # most tickets name no service: no query for them
            category = s.scalar(
                select(CatalogService.category).where(CatalogService.id == row.service_id)
            )
        s.add(
            TicketOutcome(
                site_id=self.site_id,
                created_at=now,
                ticket_uuid=row.ticket_uuid,
                outcome=status,
                service_day=row.service_day,
                issued_at=row.issued_at,
                service_id=row.service_id,
                category=category or NO_CATEGORY,
                hour=row.issued_at.astimezone(self.config.tz).hour,
                counter_number=counter,
                wait_s=_seconds(first_call, row.issued_at) if first_call else None,
                service_s=(_seconds(now, started) if status is Status.DONE and started else None),
            )
        )

    def call_next(
        self, *, counter: int, clerk: str | None = None, previous: Arrival | None = None
    ) -> TicketView | None:
        """Call the next ticket for a counter (ending its current one); None when nobody waits.

        `previous` says whether the visitor of a called, never started ticket came; without
        it such a ticket raises CalledNotStarted, unless it was recalled often enough to be a
        no-show (setting panel.no_show_after_recalls).
        """
        now = self.clock()
        day = self.today(now)
        with self.db.write() as s:
            served = self._counter_categories(s, counter, lock=True)
            self._finish_active(s, counter, now, clerk, previous)
            query = (
                select(QueueState)
                .where(
                    QueueState.service_day == day,
                    QueueState.status == Status.WAITING,
                    callable_at(now),
                    or_(
                        QueueState.target_counter == counter,
                        QueueState.target_counter.is_(None) & QueueState.category_code.in_(served),
                    ),
                )
                .order_by(
                    case((QueueState.target_counter == counter, 0), else_=1), *calling_order()
                )
                .limit(1)
            )
            if self.db.dialect == "postgresql":
                query = query.with_for_update(skip_locked=True)
            row = s.scalars(query).first()
            if row is None:
                return None
            self._set_status(s, row, Status.CALLED, now, counter=counter, clerk=clerk)
            return TicketView.of(row)

    def call_ticket(
        self,
        *,
        counter: int,
        label: str,
        clerk: str | None,
        reason: str,
        previous: Arrival | None = None,
    ) -> TicketView:
        """Call a particular waiting ticket out of order; the reason is recorded."""
        now = self.clock()
        day = self.today(now)
        with self.db.write() as s:
            self._open_counter(s, counter, lock=True)
            query = select(QueueState).where(
                QueueState.service_day == day,
                QueueState.label == label,
                QueueState.status == Status.WAITING,
            )
            if self.db.dialect == "postgresql":
                query = query.with_for_update(skip_locked=True)
            row = s.scalars(query).first()
            if row is None:
                raise TicketNotWaiting(f"ticket {label} is not waiting today", label=label)
            self._finish_active(s, counter, now, clerk, previous)
            self._set_status(
                s,
                row,
                Status.CALLED,
                now,
                counter=counter,
                clerk=clerk,
                reason=f"out of order: {reason}"[:300],
            )
            return TicketView.of(row)

    def _with_active(
        self,
        counter: int,
        clerk: str | None,
        status: Status | None,
        *,
        kind: EventKind | None = None,
        reason: str | None = None,
    ) -> TicketView:
        now = self.clock()
        with self.db.write() as s:
            self._open_counter(s, counter, lock=True)
            row = self._active(s, counter, lock=True)
            if row is None:
                raise NoActiveTicket(f"counter {counter} has no called ticket", counter=counter)
            if status is None:
                self._event(
                    s,
                    row.ticket_uuid,
                    kind or EventKind.RECALLED,
                    now,
                    counter_number=counter,
                    clerk=clerk,
                )
            else:
                self._set_status(s, row, status, now, counter=counter, clerk=clerk, reason=reason)
            return TicketView.of(row)

    def recall(self, *, counter: int, clerk: str | None = None) -> TicketView:
        """Announce the counter's current ticket again."""
        return self._with_active(counter, clerk, None, kind=EventKind.RECALLED)

    def start(self, *, counter: int, clerk: str | None = None) -> TicketView:
        """The visitor has arrived at the counter: service time starts."""
        return self._with_active(counter, clerk, Status.SERVING)

    def finish(self, *, counter: int, clerk: str | None = None) -> TicketView:
        return self._with_active(counter, clerk, Status.DONE)

    def no_show(self, *, counter: int, clerk: str | None = None) -> TicketView:
        return self._with_active(counter, clerk, Status.NO_SHOW)

    def transfer(
        self,
        *,
        counter: int,
        clerk: str | None = None,
        to_category: str | None = None,
        to_counter: int | None = None,
        reason: str | None = None,
    ) -> TicketView:
        """Send the current ticket back to the queue of another category or counter.

        The ticket keeps its issue time, so the visitor does not queue again from the end.
        """
        if (to_category is None) == (to_counter is None):
            raise NoTransferTarget("transfer to exactly one of a category or a counter")
        now = self.clock()
        with self.db.write() as s:
            self._open_counter(s, counter, lock=True)
            if to_category is not None:
                self._category(s, to_category)
            else:
                self._open_counter(s, to_counter)  # type: ignore[arg-type]
            row = self._active(s, counter, lock=True)
            if row is None:
                raise NoActiveTicket(f"counter {counter} has no called ticket", counter=counter)
            row.status = Status.WAITING
            row.counter_number, row.called_at, row.serving_at = None, None, None
            if to_category is not None:
                row.category_code, row.target_counter = to_category, None
            else:
                row.target_counter = to_counter
            self._event(
                s,
                row.ticket_uuid,
                EventKind.TRANSFERRED,
                now,
                counter_number=to_counter if to_counter is not None else counter,
                category_code=to_category,
                clerk=clerk,
                reason=reason,
            )
            return TicketView.of(row)

    def cancel(
        self, *, ticket_uuid: uuid.UUID, clerk: str | None = None, reason: str | None = None
    ) -> None:
        now = self.clock()
        with self.db.write() as s:
            row = s.get(QueueState, ticket_uuid)
            if row is None or row.status is not Status.WAITING:
                raise TicketNotWaiting(
                    "only a waiting ticket can be cancelled", label=row.label if row else ""
                )
            self._set_status(
                s, row, Status.CANCELLED, now, counter=None, clerk=clerk, reason=reason
            )

    # --- views ------------------------------------------------------------------------

    def ticket(self, ticket_uuid: uuid.UUID) -> TicketView | None:
        with self.db.read() as s:
            row = s.get(QueueState, ticket_uuid)
            return TicketView.of(row) if row else None

    def waiting(
        self, *, categories: list[str] | None = None, counter: int | None = None
    ) -> list[TicketView]:
        """Today's waiting tickets in calling order.

        For a `counter`, as its next call sees them: the tickets sent to it first, whatever
        their category, then those of `categories` sent to no other counter. A clerk's list
        that left out the visitor a colleague sent over, or showed one sent elsewhere, would
        not be the order the calls then take.
        """
        day = self.today()
        with self.db.read() as s:
            query = select(QueueState).where(
                QueueState.service_day == day, QueueState.status == Status.WAITING
            )
            in_categories = (
                true() if categories is None else QueueState.category_code.in_(categories)
            )
            if counter is None:
                query = query.where(in_categories).order_by(*calling_order())
            else:
                sent_here = QueueState.target_counter == counter
                query = query.where(
                    or_(sent_here, and_(QueueState.target_counter.is_(None), in_categories))
                ).order_by(case((sent_here, 0), else_=1), *calling_order())
            return [TicketView.of(r) for r in s.scalars(query)]

    def call(self, *, event_seq: int) -> Call | None:
        """Today's call (or recall) recorded as that event, or None: what the board may announce."""
        now = self.clock()
        day = self.today(now)
        start_utc = dt.datetime.combine(day, dt.time(0), tzinfo=self.hours.tz).astimezone(dt.UTC)
        with self.db.read() as s:
            row = s.execute(
                select(
                    Ticket.label,
                    TicketEvent.counter_number,
                    TicketEvent.created_at,
                    TicketEvent.kind,
                )
                .join(Ticket, Ticket.uuid == TicketEvent.ticket_uuid)
                .where(
                    TicketEvent.seq == event_seq,
                    TicketEvent.kind.in_([EventKind.CALLED, EventKind.RECALLED]),
                    TicketEvent.created_at >= start_utc,
                )
            ).first()
        if row is None or row.counter_number is None:
            return None
        return Call(
            label=row.label,
            counter_number=row.counter_number,
            at=row.created_at,
            kind=row.kind,
            event_seq=event_seq,
        )

    def _counter_states(self, s: Session, start_utc: dt.datetime) -> tuple[CounterStatus, ...]:
        """Every open counter with its categories, current ticket and services today: four
        queries, however many counters there are."""
        served = dict(
            s.execute(
                select(TicketEvent.counter_number, func.count())
                .where(TicketEvent.kind == EventKind.DONE, TicketEvent.created_at >= start_utc)
                .group_by(TicketEvent.counter_number)
            ).all()
        )
        categories: dict[int, list[str]] = {}
        for number, code in s.execute(
            select(CounterCategory.counter_number, CounterCategory.category_code).order_by(
                CounterCategory.counter_number, CounterCategory.category_code
            )
        ):
            categories.setdefault(number, []).append(code)
        # ordered by the call, so that a counter's latest ticket is the one kept
        current = {
            row.counter_number: row
            for row in s.scalars(
                select(QueueState)
                .where(
                    QueueState.counter_number.isnot(None),
                    QueueState.status.in_(ACTIVE),
                )
                .order_by(QueueState.called_at)
            )
        }
        return tuple(
            CounterStatus(
                number=c.number,
                name=Text(c.name_bg, c.name_en),
                categories=tuple(categories.get(c.number, ())),
                current=TicketView.of(current[c.number]) if c.number in current else None,
                served_today=served.get(c.number, 0),
            )
            for c in s.scalars(
                select(Counter).where(Counter.active.is_(True)).order_by(Counter.number)
            )
        )

    def status(self, *, recent: int = 8, counters: bool = True) -> QueueStatus:
        """Everything a board or a panel shows: waiting per category, counters, recent calls.

        `counters=False` leaves the counters out (four queries): the lobby board, redrawn
        after every call, shows only calls and the waiting.
        """
        now = self.clock()
        day = self.today(now)
        start_utc = dt.datetime.combine(day, dt.time(0), tzinfo=self.hours.tz).astimezone(dt.UTC)
        with self.db.read() as s:
            active = list(
                s.scalars(
                    select(QueueCategory)
                    .where(QueueCategory.active.is_(True))
                    .order_by(QueueCategory.sort)
                )
            )
            # one read of the queue for every category's wait, not a few queries each
            snap = self.waits.snapshot(s, categories=[c.code for c in active], day=day, now=now)
            waiting = collections.Counter(row.category_code for row in snap.waiting)
            told = waits.estimates_new(snap, [(c.code, c.priority) for c in active])
            categories = []
            for cat, wait in zip(active, told, strict=True):
                categories.append(
                    CategoryStatus(
                        code=cat.code,
                        name=Text(cat.name_bg, cat.name_en),
                        priority=cat.priority,
                        waiting=waiting[cat.code],
                        estimated_wait_minutes=wait.minutes,
                        counter_groups=tuple(cat.counter_groups or ()),
                        entitled=Text(cat.entitled_bg, cat.entitled_en),
                        wait_range=(wait.low, wait.high) if wait.is_range else None,
                    )
                )
            calls = s.execute(
                select(
                    Ticket.label,
                    TicketEvent.counter_number,
                    TicketEvent.created_at,
                    TicketEvent.kind,
                    TicketEvent.seq,
                    QueueState.due_at.isnot(None),
                )
                .join(Ticket, Ticket.uuid == TicketEvent.ticket_uuid)
                .outerjoin(QueueState, QueueState.ticket_uuid == Ticket.uuid)
                .where(
                    TicketEvent.kind.in_([EventKind.CALLED, EventKind.RECALLED]),
                    TicketEvent.created_at >= start_utc,
                )
                .order_by(TicketEvent.seq.desc())
                .limit(recent)
            ).all()
            return QueueStatus(
                day=day,
                open_state=self.hours.state(now),
                categories=tuple(categories),
                counters=self._counter_states(s, start_utc) if counters else (),
                recent_calls=tuple(
                    Call(
                        label=label,
                        counter_number=n,
                        at=at,
                        kind=kind,
                        event_seq=seq,
                        booked=bool(booked),
                    )
                    for label, n, at, kind, seq, booked in calls
                ),
            )
