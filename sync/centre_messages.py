"""Messages the centre's staff register for a site whose cases the centre handles (issue #16.3).

The same `kiosk.messages.Messages`, with its validation and deadlines, writing into the
central tables for the chosen site. Two things differ from a site's: the records' key and
the registration number. A site's push checks each range of its own positive keys against
the centre's rows of that site in the same range, so a record the centre makes takes a
negative key from `centre_record_seq` and can never fall into one; its number carries the
centre's mark (`<prefix>-Ц-<year>-<n>`), so it never equals a number the site gives itself.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from kiosk.config import Config
from kiosk.db import Database
from kiosk.errors import KioskError
from kiosk.messages import Messages
from kiosk.models import Message, utcnow
from kiosk.vocabulary import HandledAt
from sync.schema import CENTRE_SEQUENCE, site_settings

CENTRE_MARK = "Ц"


class NotHandledAtCentre(KioskError):
    """The centre registers messages only for the sites whose cases it handles."""

    code = "not_handled_at_centre"
    status = 409


def centre_handled_sites(db: Database) -> list[str]:
    """The sites whose messages the centre handles (site_settings), by id."""
    with db.read() as s:
        return list(
            s.scalars(
                select(site_settings.c.site_id)
                .where(site_settings.c.handled_at == HandledAt.CENTRE.value)
                .order_by(site_settings.c.site_id)
            )
        )


class CentreMessages(Messages):
    def __init__(
        self,
        db: Database,
        config: Config,
        *,
        site_id: str,
        clock: Callable[[], dt.datetime] = utcnow,
    ) -> None:
        super().__init__(db, config, clock=clock)
        if site_id not in centre_handled_sites(db):
            raise NotHandledAtCentre(f"the centre does not handle {site_id}'s messages")
        self.site_id = site_id

    def _record_seq(self, s: Session) -> int | None:
        return s.execute(text(f"SELECT nextval('{CENTRE_SEQUENCE}')")).scalar_one()

    def _reg_number(self, s: Session, year: int) -> str:
        start = f"{self.prefix}-{CENTRE_MARK}-{year}-"
        # two officers registering at once take turns here, so no number is given twice
        s.execute(text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": start})
        last = s.scalar(
            select(func.max(Message.reg_number)).where(
                Message.seq < 0, Message.reg_number.startswith(start, autoescape=True)
            )
        )
        number = int(last.rsplit("-", 1)[1]) + 1 if last else 1
        return f"{start}{number:05d}"
