"""the live ticket's link: a token's hash per ticket (issue #17)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "ticket_links",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("ticket_uuid", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["ticket_uuid"], ["tickets.uuid"], name=op.f("fk_ticket_links_ticket_uuid_tickets")
        ),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_ticket_links")),
        sa.UniqueConstraint("ticket_uuid", name=op.f("uq_ticket_links_ticket_uuid")),
    )


def downgrade() -> None:
    op.drop_table("ticket_links")
