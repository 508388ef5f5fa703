"""ticket outcomes: one row a finished ticket, with its seconds; indexes for report periods

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

import datetime as dt
import uuid
from collections.abc import Sequence
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FINAL = ("done", "no_show", "cancelled")
NO_CATEGORY = "-"
# a migration has no site config; every site so far keeps the default zone
ZONE = ZoneInfo("Europe/Sofia")


def upgrade() -> None:
    outcomes = op.create_table(
        "ticket_outcomes",
        sa.Column("ticket_uuid", sa.Uuid(), nullable=False),
        sa.Column("outcome", sa.String(length=12), nullable=False),
        sa.Column("service_day", sa.Date(), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("service_id", sa.String(length=40), nullable=True),
        sa.Column("category", sa.String(length=20), nullable=False),
        sa.Column("hour", sa.Integer(), nullable=False),
        sa.Column("counter_number", sa.Integer(), nullable=True),
        sa.Column("wait_s", sa.Integer(), nullable=True),
        sa.Column("service_s", sa.Integer(), nullable=True),
        sa.Column("seq", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("uuid", sa.Uuid(), nullable=False),
        sa.Column("site_id", sa.String(length=40), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["ticket_uuid"], ["tickets.uuid"], name=op.f("fk_ticket_outcomes_ticket_uuid_tickets")
        ),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_ticket_outcomes")),
        sa.UniqueConstraint("ticket_uuid", name=op.f("uq_ticket_outcomes_ticket_uuid")),
        sa.UniqueConstraint("uuid", name=op.f("uq_ticket_outcomes_uuid")),
        sqlite_autoincrement=True,
    )
    # reports read a period: a month of a year's rows, or none of them, without a scan
    op.create_index(op.f("ix_ticket_outcomes_issued_at"), "ticket_outcomes", ["issued_at"])
    op.create_index("ix_tickets_created_at", "tickets", ["created_at"])
    op.create_index("ix_ratings_created_at", "ratings", ["created_at"])
    _backfill(outcomes)


def _backfill(outcomes: sa.Table) -> None:
    """The outcome of every ticket already finished, from its events (as the queue writes them)."""
    tickets = sa.table(
        "tickets",
        sa.column("uuid", sa.Uuid()),
        sa.column("site_id", sa.String()),
        sa.column("created_at", sa.DateTime()),
        sa.column("service_day", sa.Date()),
        sa.column("service_id", sa.String()),
    )
    events = sa.table(
        "ticket_events",
        sa.column("ticket_uuid", sa.Uuid()),
        sa.column("kind", sa.String()),
        sa.column("created_at", sa.DateTime()),
        sa.column("counter_number", sa.Integer()),
        sa.column("seq", sa.Integer()),
    )
    catalog = sa.table("catalog_services", sa.column("id", sa.String()), sa.column("category"))
    conn = op.get_bind()
    categories = dict(conn.execute(sa.select(catalog.c.id, catalog.c.category)).all())
    rows = conn.execute(
        sa.select(events.c.ticket_uuid, events.c.kind, events.c.created_at, events.c.counter_number)
        .where(events.c.kind.in_(("called", "serving", *FINAL)))
        .order_by(events.c.ticket_uuid, events.c.seq)
    ).all()
    steps: dict[uuid.UUID, list] = {}
    for row in rows:
        steps.setdefault(row.ticket_uuid, []).append(row)
    finished = {u: s for u, s in steps.items() if any(r.kind in FINAL for r in s)}
    if not finished:
        return
    info = {
        t.uuid: t
        for t in conn.execute(sa.select(tickets).where(tickets.c.uuid.in_(list(finished))))
    }

    def seconds(end: dt.datetime, start: dt.datetime) -> int:
        return round((end - start).total_seconds())

    def local_hour(at: dt.datetime) -> int:
        return (at if at.tzinfo else at.replace(tzinfo=dt.UTC)).astimezone(ZONE).hour

    new = []
    for ticket_uuid, s in finished.items():
        ticket = info[ticket_uuid]
        last = [r for r in s if r.kind in FINAL][-1]
        calls = [r.created_at for r in s if r.kind == "called"]
        starts = [r.created_at for r in s if r.kind in ("called", "serving")]
        new.append(
            {
                "uuid": uuid.uuid4(),
                "site_id": ticket.site_id,
                "created_at": last.created_at,
                "ticket_uuid": ticket_uuid,
                "outcome": last.kind,
                "service_day": ticket.service_day,
                "issued_at": ticket.created_at,
                "service_id": ticket.service_id,
                "category": categories.get(ticket.service_id, NO_CATEGORY),
                "hour": local_hour(ticket.created_at),
                "counter_number": last.counter_number,
                "wait_s": seconds(calls[0], ticket.created_at) if calls else None,
                "service_s": (
                    seconds(last.created_at, starts[-1]) if last.kind == "done" and starts else None
                ),
            }
        )
    op.bulk_insert(outcomes, new)


def downgrade() -> None:
    op.drop_index("ix_ratings_created_at", table_name="ratings")
    op.drop_index("ix_tickets_created_at", table_name="tickets")
    op.drop_table("ticket_outcomes")
