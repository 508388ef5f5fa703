"""Smiley ratings: five faces, optional reasons, repeated presses on one terminal counted once."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from sqlalchemy import func, select

from kiosk.config import Config
from kiosk.db import Database
from kiosk.models import Rating, RatingReason, Ticket, utcnow
from kiosk.site import SiteBound
from kiosk.vocabulary import FeedbackReason as Reason

LOW_SCORE_REASONS = (
    Reason.WAITING,
    Reason.COURTESY,
    Reason.UNCLEAR,
    Reason.DOCUMENTS,
    Reason.OTHER,
)
HIGH_SCORE_REASONS = (Reason.FAST, Reason.KIND, Reason.HELPFUL, Reason.OTHER)


def reasons_for(score: int) -> tuple[Reason, ...]:
    """The chips that fit a score: what went wrong for 1–3, what went well for 4–5."""
    return LOW_SCORE_REASONS if score <= 3 else HIGH_SCORE_REASONS


@dataclass(frozen=True)
class RatingReceipt:
    uuid: uuid.UUID
    score: int
    counted: bool


class Feedback(SiteBound):
    def __init__(
        self, db: Database, config: Config, *, clock: Callable[[], dt.datetime] = utcnow
    ) -> None:
        super().__init__(db, config, clock=clock)
        self.window = dt.timedelta(seconds=config.feedback.repeat_window_s)

    def rate(
        self,
        *,
        score: int,
        terminal_id: str | None = None,
        ticket_uuid: uuid.UUID | None = None,
        service_id: str | None = None,
        counter_number: int | None = None,
    ) -> RatingReceipt:
        """Store a face press at once; a press within the window after a counted one is stored uncounted."""
        if not 1 <= score <= 5:
            raise ValueError("score must be 1–5")
        now = self.clock()
        terminal = terminal_id or self.terminal_id
        with self.db.write() as s:
            if self.db.dialect == "postgresql":
                # presses at the same moment must see each other, as BEGIN IMMEDIATE makes
                # them on SQLite; otherwise each finds no counted press and all count
                s.execute(select(func.pg_advisory_xact_lock(func.hashtext(f"rating:{terminal}"))))
            recent = s.scalar(
                select(Rating.seq)
                .where(
                    Rating.terminal_id == terminal,
                    Rating.counted.is_(True),
                    Rating.created_at > now - self.window,
                )
                .limit(1)
            )
            if service_id is None and ticket_uuid is not None:
                # the rating keeps its service, so reports need not look up the ticket
                service_id = s.scalar(select(Ticket.service_id).where(Ticket.uuid == ticket_uuid))
            rating = Rating(
                site_id=self.site_id,
                created_at=now,
                terminal_id=terminal,
                score=score,
                counted=recent is None,
                ticket_uuid=ticket_uuid,
                service_id=service_id,
                counter_number=counter_number,
            )
            s.add(rating)
            s.flush()
            return RatingReceipt(uuid=rating.uuid, score=score, counted=rating.counted)

    def add_reasons(self, *, rating_uuid: uuid.UUID, reasons: Iterable[Reason | str]) -> None:
        """Attach the chosen reason chips to a rating (each once, however often sent)."""
        chosen = list(dict.fromkeys(Reason(r) for r in reasons))
        now = self.clock()
        with self.db.write() as s:
            if s.scalar(select(Rating.seq).where(Rating.uuid == rating_uuid)) is None:
                raise LookupError(f"no rating {rating_uuid}")
            # a chip sent twice (a double tap, a retry) counts once, so reports need not dedupe
            given = set(
                s.scalars(
                    select(RatingReason.reason).where(RatingReason.rating_uuid == rating_uuid)
                )
            )
            for reason in (r for r in chosen if r not in given):
                s.add(
                    RatingReason(
                        site_id=self.site_id,
                        created_at=now,
                        rating_uuid=rating_uuid,
                        reason=reason,
                    )
                )
