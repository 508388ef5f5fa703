"""The live tickets as the centre holds them: what each site's feeder last reported.

The citizens' listener the municipality publishes (`kiosk public serve --central-url`) reads
them through this `LiveSource`, logged in as a member of `kiosk_public`: it reads the
reported tickets and may ask a site to cancel one of its waiting tickets ("I'm leaving"),
which the site's feeder applies on its next round. Every site's tickets come in one read
per change, shared by every open page; a ticket is found by its token's hash alone (128
random bits: no two sites share one).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from sqlalchemy import Row, func, insert, select
from sqlalchemy.orm import Session

from kiosk.db import Database
from kiosk.live_ticket import LiveBoard, LiveTicket, UnknownTicket
from kiosk.models import utcnow
from kiosk.queue import TicketNotWaiting
from kiosk.text import Text
from kiosk.ticket_links import TOKEN, token_hash
from kiosk.vocabulary import TicketStatus
from sync.schema import public_feeds, public_leave_requests, public_tickets

# a column the public login may read (not `*`: it may read three columns of the table)
_pending = (
    select(public_leave_requests.c.token_hash)
    .where(
        public_leave_requests.c.site_id == public_tickets.c.site_id,
        public_leave_requests.c.token_hash == public_tickets.c.token_hash,
        public_leave_requests.c.done_at.is_(None),
    )
    .exists()
)
_COLUMNS = (
    public_tickets,
    public_feeds.c.as_of,
    public_feeds.c.reported_at,
    public_feeds.c.name_bg,
    public_feeds.c.name_en,
    _pending.label("leaving"),
)


def _ticket(row: Row) -> LiveTicket:
    low, high = row.wait_low, row.wait_high
    return LiveTicket(
        label=row.label,
        status=TicketStatus(row.status),
        people_ahead=row.people_ahead,
        wait_minutes=row.wait_minutes,
        wait_range=(low, high) if low is not None and high is not None else None,
        counter=row.counter_number,
        closed_counter=row.closed_counter,
        as_of=row.as_of,
        reported_at=row.reported_at,
        leaving=bool(row.leaving),
        site_name=Text(row.name_bg, row.name_en),
    )


class CentralLiveTickets:
    """Every site's live tickets, as the sites last reported them to the centre."""

    def __init__(self, db: Database, *, clock: Callable[[], dt.datetime] = utcnow) -> None:
        self.db = db
        self.clock = clock

    def version(self) -> int:
        with self.db.read() as s:
            return int(s.scalar(select(func.coalesce(func.sum(public_feeds.c.reports), 0))))

    def board(self) -> LiveBoard:
        with self.db.read() as s:
            rows = s.execute(
                select(*_COLUMNS).join(
                    public_feeds, public_feeds.c.site_id == public_tickets.c.site_id
                )
            ).all()
        return LiveBoard(as_of=self.clock(), tickets={r.token_hash: _ticket(r) for r in rows})

    def _row(self, s: Session, token: str) -> Row:
        row = (
            s.execute(
                select(*_COLUMNS)
                .join(public_feeds, public_feeds.c.site_id == public_tickets.c.site_id)
                .where(public_tickets.c.token_hash == token_hash(token))
            ).first()
            if TOKEN.fullmatch(token)
            else None
        )
        if row is None:
            raise UnknownTicket("no ticket has this link")
        return row

    def state(self, token: str) -> LiveTicket:
        with self.db.read() as s:
            return _ticket(self._row(s, token))

    def leave(self, token: str) -> None:
        """Ask the ticket's site to cancel it (once: a second press adds nothing); the site
        answers by reporting the ticket cancelled."""
        with self.db.write() as s:
            row = self._row(s, token)
            if row.status != TicketStatus.WAITING:
                raise TicketNotWaiting("only a waiting ticket can be cancelled", label=row.label)
            if not row.leaving:
                s.execute(
                    insert(public_leave_requests).values(
                        site_id=row.site_id, token_hash=row.token_hash
                    )
                )
