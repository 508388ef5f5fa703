"""appointments booked at the centre, as the site pulls them, and what the site saw of them

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "appointments",
        sa.Column("booking_id", sa.Uuid(), nullable=False),
        sa.Column("code", sa.String(length=12), nullable=False),
        sa.Column("site_id", sa.String(length=40), nullable=False),
        sa.Column("category_code", sa.String(length=1), nullable=False),
        sa.Column("service_id", sa.String(length=40), nullable=True),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("slot_minutes", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("pulled_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("booking_id", name=op.f("pk_appointments")),
        sa.UniqueConstraint("code", name=op.f("uq_appointments_code")),
    )
    with op.batch_alter_table("appointments") as batch:
        batch.create_index("ix_appointments_site_starts", ["site_id", "starts_at"], unique=False)
    op.create_table(
        "appointment_events",
        sa.Column("booking_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("ticket_uuid", sa.Uuid(), nullable=True),
        sa.Column("seq", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("uuid", sa.Uuid(), nullable=False),
        sa.Column("site_id", sa.String(length=40), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_appointment_events")),
        sa.UniqueConstraint("uuid", name=op.f("uq_appointment_events_uuid")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("appointment_events") as batch:
        batch.create_index(
            batch.f("ix_appointment_events_booking_id"), ["booking_id"], unique=False
        )
    with op.batch_alter_table("queue_state") as batch:
        batch.add_column(sa.Column("due_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("queue_state") as batch:
        batch.drop_column("due_at")
    with op.batch_alter_table("appointment_events") as batch:
        batch.drop_index(batch.f("ix_appointment_events_booking_id"))
    op.drop_table("appointment_events")
    with op.batch_alter_table("appointments") as batch:
        batch.drop_index("ix_appointments_site_starts")
    op.drop_table("appointments")
