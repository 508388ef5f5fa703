"""messages from every channel, their check code, and where a handling event was made

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("messages") as batch:
        batch.add_column(
            sa.Column("channel", sa.String(length=12), nullable=False, server_default="kiosk")
        )
        batch.add_column(sa.Column("received_on", sa.Date(), nullable=True))
        batch.add_column(sa.Column("check_code", sa.String(length=12), nullable=True))
    with op.batch_alter_table("message_events") as batch:
        batch.add_column(
            sa.Column("origin", sa.String(length=8), nullable=False, server_default="site")
        )


def downgrade() -> None:
    with op.batch_alter_table("message_events") as batch:
        batch.drop_column("origin")
    with op.batch_alter_table("messages") as batch:
        batch.drop_column("check_code")
        batch.drop_column("received_on")
        batch.drop_column("channel")
