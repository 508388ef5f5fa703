"""centre set-up in the web: who is entitled to a priority category, and the admins' changes

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("queue_categories") as batch:
        batch.add_column(
            sa.Column("entitled_bg", sa.String(length=300), nullable=False, server_default="")
        )
        batch.add_column(
            sa.Column("entitled_en", sa.String(length=300), nullable=False, server_default="")
        )
    op.create_table(
        "setup_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=60), nullable=False),
        sa.Column("subject", sa.String(length=12), nullable=False),
        sa.Column("key", sa.String(length=4), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_setup_events")),
    )


def downgrade() -> None:
    op.drop_table("setup_events")
    with op.batch_alter_table("queue_categories") as batch:
        batch.drop_column("entitled_en")
        batch.drop_column("entitled_bg")
