"""`kiosk public feed`: the site's live tickets sent to the centre, and the visitors' "I'm
leaving" brought back from it.

A loop apart from the kiosk (its own process): each round it reads the centre's leave
requests for this site and applies them through `LiveTickets.leave_by_hash`, then, when the
queue moved, a request was applied or `public.feed_heartbeat_s` passed, reports the state of
today's live tickets in one transaction — only the rows that changed since the last report,
and always the site's report time, which the centre's pages call stale when it stops. A
centre that cannot be reached is logged once and tried again with a growing pause; the
next report after it sends every row again (the centre may have lost any of them).
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, delete, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.exc import SQLAlchemyError

from kiosk.config import Config
from kiosk.db import Database
from kiosk.errors import KioskError
from kiosk.live_ticket import LiveBoard, LiveTicket, LiveTickets
from kiosk.models import utcnow
from sync.schema import public_feeds, public_leave_requests, public_tickets

#: seconds between rounds: how soon a clerk's call leaves the site
POLL_SECONDS = 0.5
#: the longest pause between tries while the centre cannot be reached
MAX_BACKOFF_SECONDS = 30.0
#: answered leave requests are kept this long at the centre, then deleted by the site
KEEP_ANSWERED = dt.timedelta(days=1)
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Round:
    reported: bool  # the site's state was sent (a change, or the heartbeat)
    rows: int  # ticket rows written (changed or new) and deleted
    left: int  # leave requests applied


def _row(ticket: LiveTicket) -> dict[str, Any]:
    low, high = ticket.wait_range or (None, None)
    return {
        "label": ticket.label,
        "status": ticket.status.value,
        "people_ahead": ticket.people_ahead,
        "wait_minutes": ticket.wait_minutes,
        "wait_low": low,
        "wait_high": high,
        "counter_number": ticket.counter,
        "closed_counter": ticket.closed_counter,
    }


class PublicFeeder:
    def __init__(
        self,
        db: Database,
        config: Config,
        engine: Engine,
        *,
        clock: Callable[[], dt.datetime] = utcnow,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.live = LiveTickets(db, config, clock=clock)
        self.site_id = config.site_id
        self.name = config.site.name
        self.engine = engine
        self.clock = clock
        self.monotonic = monotonic
        self.heartbeat_s = config.public.feed_heartbeat_s
        #: the rows the centre holds, as this feeder last sent them; None: not known
        self.sent: dict[str, dict[str, Any]] | None = None
        self._version: int | None = None
        self._reported_at = -float("inf")

    def round(self) -> Round:
        """One round, in one central transaction; raises what the link or a database raised."""
        with self.engine.begin() as conn:
            asked = conn.execute(
                select(public_leave_requests.c.id, public_leave_requests.c.token_hash).where(
                    public_leave_requests.c.site_id == self.site_id,
                    public_leave_requests.c.done_at.is_(None),
                )
            ).all()
            answers = [(r.id, self.live.leave_by_hash(r.token_hash)) for r in asked]
            version = self.live.version()
            due = self.monotonic() - self._reported_at >= self.heartbeat_s
            if not (answers or due or version != self._version or self.sent is None):
                return Round(reported=False, rows=0, left=0)
            board = self.live.board()
            written = self._report(conn, board)
            for request, status in answers:
                conn.execute(
                    update(public_leave_requests)
                    .where(public_leave_requests.c.id == request)
                    .values(done_at=func.now(), outcome=status.value if status else "unknown")
                )
            conn.execute(
                delete(public_leave_requests).where(
                    public_leave_requests.c.site_id == self.site_id,
                    public_leave_requests.c.done_at < func.now() - KEEP_ANSWERED,
                )
            )
        self.sent = {h: _row(t) for h, t in board.tickets.items()}
        self._version = version
        self._reported_at = self.monotonic()
        return Round(reported=True, rows=written, left=len(answers))

    def _report(self, conn: Connection, board: LiveBoard) -> int:
        rows = {h: _row(t) for h, t in board.tickets.items()}
        sent = self.sent or {}
        changed = [
            {"site_id": self.site_id, "token_hash": h, **row}
            for h, row in rows.items()
            if sent.get(h) != row
        ]
        if changed:
            upsert = pg_insert(public_tickets)
            conn.execute(
                upsert.on_conflict_do_update(
                    index_elements=[public_tickets.c.site_id, public_tickets.c.token_hash],
                    set_={k: upsert.excluded[k] for k in changed[0] if k != "token_hash"},
                ),
                changed,
            )
        # yesterday's tickets; after a failure, whatever else the centre held of this site
        ours = public_tickets.c.site_id == self.site_id
        deleted = 0
        if self.sent is None:
            deleted = conn.execute(
                delete(public_tickets).where(ours, public_tickets.c.token_hash.not_in(list(rows)))
            ).rowcount
        elif gone := set(sent) - rows.keys():
            deleted = conn.execute(
                delete(public_tickets).where(ours, public_tickets.c.token_hash.in_(gone))
            ).rowcount
        feed = pg_insert(public_feeds).values(
            site_id=self.site_id,
            name_bg=self.name.bg,
            name_en=self.name.en,
            as_of=board.as_of,
            reported_at=func.now(),
            reports=1,
        )
        conn.execute(
            feed.on_conflict_do_update(
                index_elements=[public_feeds.c.site_id],
                set_={
                    "name_bg": feed.excluded.name_bg,
                    "name_en": feed.excluded.name_en,
                    "as_of": feed.excluded.as_of,
                    "reported_at": func.now(),
                    "reports": public_feeds.c.reports + 1,
                },
            )
        )
        return len(changed) + deleted

    def run(self, stop: threading.Event, *, poll_s: float = POLL_SECONDS) -> None:
        """Rounds until `stop` is set. The kiosk never waits for this: it is another process,
        and the site's database is read in short transactions."""
        pause = poll_s
        failing = False
        while not stop.is_set():
            try:
                self.round()
            except (SQLAlchemyError, OSError, KioskError) as exc:
                self.sent = None
                if not failing:
                    log.warning("the live tickets cannot reach the centre (%s); trying again", exc)
                failing = True
                pause = min(max(pause * 2, 1.0), MAX_BACKOFF_SECONDS)
            else:
                if failing:
                    log.warning("the live tickets reach the centre again")
                failing = False
                pause = poll_s
            stop.wait(pause)
