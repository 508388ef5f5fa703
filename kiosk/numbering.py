"""Gap-free numbers allocated inside the caller's transaction (ticket numbers, registrations)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from kiosk.db import upsert_insert
from kiosk.models import NumberSequence


def next_number(session: Session, scope: str) -> int:
    """Increment and return the scope's counter (1 for a new scope).

    One upsert statement: the row stays locked until the caller commits, so numbers
    are unique, and a rolled-back transaction gives its number back (no gaps).
    """
    stmt = (
        upsert_insert(session)(NumberSequence)
        .values(scope=scope, value=1)
        .on_conflict_do_update(index_elements=["scope"], set_={"value": NumberSequence.value + 1})
        .returning(NumberSequence.value)
    )
    return session.execute(stmt).scalar_one()
