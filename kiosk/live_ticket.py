"""What a visitor's phone shows of their ticket, and "I'm leaving".

Only what the lobby board shows anyway: the number, where it stands, the estimated wait,
the counter that calls it. Never a name, a service's details or anything typed at the kiosk.

The pages read it from a `LiveSource`: the site's own database (`LiveTickets`: the lobby's
listener, and the feeder that sends it to the centre) or the centre's copy of it
(sync.public_centre: the listener the municipality publishes). Either gives every live
ticket of a moment at once (`board`): one read of the queue and one play of the counters
per change, however many phones follow it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Protocol

from sqlalchemy import select

from kiosk import waits
from kiosk.config import Config
from kiosk.counters import Counters
from kiosk.db import Database
from kiosk.errors import KioskError
from kiosk.models import Counter, QueueState, TicketLink, utcnow
from kiosk.queue import Queue, TicketNotWaiting, TicketView, calling_key
from kiosk.text import Text
from kiosk.ticket_links import TOKEN, ticket_of, token_hash
from kiosk.vocabulary import TicketStatus

#: the reason a ticket cancelled from the phone carries: a no-show that told us
VISITOR_LEFT = "visitor_left"


class UnknownTicket(KioskError):
    """No ticket has this link (or the link is malformed): said the same way for both."""

    code = "unknown_ticket"
    status = 404


@dataclass(frozen=True)
class LiveTicket:
    label: str
    status: TicketStatus
    people_ahead: int | None  # while waiting
    wait_minutes: int | None  # while waiting: the estimate…
    wait_range: tuple[int, int] | None  # …and, when unsure, the likely fewest and most
    counter: int | None  # once called
    as_of: dt.datetime  # the site's time of this state
    #: when the centre last heard from the site (by its own clock); None: read at the site
    reported_at: dt.datetime | None = None
    #: "I'm leaving" was pressed at the centre and the site has not answered yet
    leaving: bool = False
    site_name: Text | None = None  # the centre serves every site: the page says which
    #: while waiting: the counter it was sent to, when that counter is closed (a break); the
    #: ticket waits for it, and no other counter will call it
    closed_counter: int | None = None


@dataclass(frozen=True)
class LiveBoard:
    """Every live ticket of a moment, by the hash of its token (never the token itself)."""

    as_of: dt.datetime
    tickets: Mapping[str, LiveTicket] = field(default_factory=dict)

    def get(self, token: str) -> LiveTicket | None:
        return self.tickets.get(token_hash(token)) if TOKEN.fullmatch(token) else None


class LiveSource(Protocol):
    """Where the citizens' pages read live tickets. The listener reads `version` once per
    tick and computes `board` once per new version, for every open page."""

    def version(self) -> int:
        """A number that moves whenever the board would differ (a cheap read)."""
        ...

    def board(self) -> LiveBoard: ...

    def state(self, token: str) -> LiveTicket:
        """One ticket, read afresh; raises UnknownTicket."""
        ...

    def leave(self, token: str) -> None:
        """The visitor will not wait; raises UnknownTicket or TicketNotWaiting."""
        ...


def live_ticket(
    row: QueueState | TicketView,
    *,
    as_of: dt.datetime,
    ahead: int | None,
    wait: waits.Estimate | None,
    site_name: Text | None = None,
    closed_counter: int | None = None,
) -> LiveTicket:
    waiting = row.status is TicketStatus.WAITING
    return LiveTicket(
        label=row.label,
        status=row.status,
        people_ahead=ahead if waiting else None,
        wait_minutes=wait.minutes if waiting and wait else None,
        wait_range=(wait.low, wait.high) if waiting and wait and wait.is_range else None,
        counter=row.counter_number
        if row.status in (TicketStatus.CALLED, TicketStatus.SERVING)
        else None,
        as_of=as_of,
        site_name=site_name,
        closed_counter=closed_counter if waiting else None,
    )


class LiveTickets:
    """The live tickets of one site, read from its own database."""

    def __init__(
        self, db: Database, config: Config, *, clock: Callable[[], dt.datetime] = utcnow
    ) -> None:
        self.db = db
        self.clock = clock
        self.queue = Queue(db, config, clock=clock)
        self.counters = Counters(db, config, clock=clock)
        self.site_name = config.site.name

    def version(self) -> int:
        # a set-up change moves it too: a counter closing tells the tickets sent to it
        ticket, setup = self.counters.latest_change()
        return (ticket or 0) + (setup or 0)

    def ticket_uuid(self, token: str) -> uuid.UUID:
        with self.db.read() as s:
            found = ticket_of(s, token)
        if found is None:
            raise UnknownTicket("no ticket has this link")
        return found

    def board(self) -> LiveBoard:
        """Today's tickets that have a link: one read of the queue, one play of the counters."""
        now = self.clock()
        day = self.queue.today(now)
        with self.db.read() as s:
            linked = s.execute(
                select(TicketLink.token_hash, QueueState)
                .join(QueueState, QueueState.ticket_uuid == TicketLink.ticket_uuid)
                .where(QueueState.service_day == day)
            ).all()
            categories = {row.category_code for _, row in linked}
            snap = self.queue.waits.snapshot(s, categories=categories, day=day, now=now)
        told = waits.estimates(snap)
        ahead: dict[uuid.UUID, int] = {}
        places: dict[str, int] = {}
        # the order Queue.ahead_of counts in
        for row in sorted(snap.waiting, key=calling_key):
            ahead[row.ticket_uuid] = places.get(row.category_code, 0)
            places[row.category_code] = ahead[row.ticket_uuid] + 1
        return LiveBoard(
            as_of=now,
            tickets={
                hashed: live_ticket(
                    row,
                    as_of=now,
                    ahead=ahead.get(row.ticket_uuid),
                    wait=told.get(row.ticket_uuid),
                    site_name=self.site_name,
                    # the snapshot's counters are the open ones
                    closed_counter=row.target_counter
                    if row.target_counter is not None and row.target_counter not in snap.served
                    else None,
                )
                for hashed, row in linked
            },
        )

    def state(self, token: str) -> LiveTicket:
        ticket = self.ticket_uuid(token)
        view = self.queue.ticket(ticket)
        if view is None:
            raise UnknownTicket("no ticket has this link")
        with self.db.read() as s:
            closed = s.scalar(
                select(QueueState.target_counter)
                .join(Counter, Counter.number == QueueState.target_counter)
                .where(QueueState.ticket_uuid == ticket, Counter.active.is_(False))
            )
        return live_ticket(
            view,
            as_of=self.clock(),
            ahead=self.queue.ahead_of(ticket),
            wait=self.queue.wait_of(ticket),
            site_name=self.site_name,
            closed_counter=closed,
        )

    def leave(self, token: str) -> None:
        """The visitor will not wait: the ticket is cancelled, recorded as their own choice;
        a ticket already called or done raises TicketNotWaiting."""
        self.queue.cancel(ticket_uuid=self.ticket_uuid(token), reason=VISITOR_LEFT)

    def leave_by_hash(self, hashed: str) -> TicketStatus | None:
        """A leave request passed on by the centre, which knows only the token's hash: cancels
        the ticket if it still waits; returns its status after, None for no such ticket."""
        with self.db.read() as s:
            ticket = s.scalar(select(TicketLink.ticket_uuid).where(TicketLink.token_hash == hashed))
        if ticket is None:
            return None
        # not waiting: called meanwhile, or cancelled by this request in a round whose report
        # to the centre failed
        with contextlib.suppress(TicketNotWaiting):
            self.queue.cancel(ticket_uuid=ticket, reason=VISITOR_LEFT)
        view = self.queue.ticket(ticket)
        return view.status if view else None
