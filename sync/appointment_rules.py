"""The secretary's appointment rules as stored at the centre, read as kiosk.appointments.SlotRule.

One reading serves the centre's rules page (which edits them) and the citizens' booking pages
(which offer their free slots), so the two never disagree on what a row means.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Connection, select

from kiosk.appointments import SlotRule
from sync.schema import appointment_rules


@dataclass(frozen=True)
class StoredRule:
    id: int
    rule: SlotRule
    updated_at: dt.datetime
    updated_by: str | None


def load_rules(
    conn: Connection, *, site_id: str | None = None, category_code: str | None = None
) -> list[StoredRule]:
    """The rules, by site, category and first slot; narrowed to a site or a category if given."""
    query = select(appointment_rules).order_by(
        appointment_rules.c.site_id, appointment_rules.c.category_code, appointment_rules.c.starts
    )
    if site_id is not None:
        query = query.where(appointment_rules.c.site_id == site_id)
    if category_code is not None:
        query = query.where(appointment_rules.c.category_code == category_code)
    return [
        StoredRule(
            id=row.id,
            rule=SlotRule(
                site_id=row.site_id,
                category_code=row.category_code,
                weekdays=tuple(sorted(row.weekdays)),
                starts=row.starts,
                ends=row.ends,
                slot_minutes=row.slot_minutes,
                capacity=row.capacity,
                walk_in_share=row.walk_in_share,
                valid_from=row.valid_from,
                valid_to=row.valid_to,
            ),
            updated_at=row.updated_at,
            updated_by=row.updated_by,
        )
        for row in conn.execute(query)
    ]
