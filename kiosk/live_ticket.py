"""What a visitor's phone shows of their ticket, and "I'm leaving".

Only what the lobby board shows anyway: the number, where it stands, the estimated wait,
the counter that calls it. Never a name, a service's details or anything typed at the kiosk.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from kiosk.config import Config
from kiosk.db import Database
from kiosk.errors import KioskError
from kiosk.models import utcnow
from kiosk.queue import Queue
from kiosk.ticket_links import ticket_of
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
    as_of: dt.datetime


class LiveTickets:
    """The live tickets of one site, read from its own database."""

    def __init__(
        self, db: Database, config: Config, *, clock: Callable[[], dt.datetime] = utcnow
    ) -> None:
        self.db = db
        self.clock = clock
        self.queue = Queue(db, config, clock=clock)

    def ticket_uuid(self, token: str) -> uuid.UUID:
        with self.db.read() as s:
            found = ticket_of(s, token)
        if found is None:
            raise UnknownTicket("no ticket has this link")
        return found

    def state(self, token: str) -> LiveTicket:
        ticket = self.ticket_uuid(token)
        view = self.queue.ticket(ticket)
        if view is None:
            raise UnknownTicket("no ticket has this link")
        waiting = view.status is TicketStatus.WAITING
        wait = self.queue.wait_of(ticket) if waiting else None
        return LiveTicket(
            label=view.label,
            status=view.status,
            people_ahead=self.queue.ahead_of(ticket) if waiting else None,
            wait_minutes=wait.minutes if wait else None,
            wait_range=(wait.low, wait.high) if wait and wait.is_range else None,
            counter=view.counter_number
            if view.status in (TicketStatus.CALLED, TicketStatus.SERVING)
            else None,
            as_of=self.clock(),
        )

    def leave(self, token: str) -> None:
        """The visitor will not wait: the ticket is cancelled, recorded as their own choice;
        a ticket already called or done raises TicketNotWaiting."""
        self.queue.cancel(ticket_uuid=self.ticket_uuid(token), reason=VISITOR_LEFT)
