"""scanned letters attached to messages staff register

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "message_attachments",
        sa.Column("message_uuid", sa.Uuid(), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("media_type", sa.String(length=40), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content_b64", sa.Text(), nullable=False),
        sa.Column("seq", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("uuid", sa.Uuid(), nullable=False),
        sa.Column("site_id", sa.String(length=40), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["message_uuid"],
            ["messages.uuid"],
            name=op.f("fk_message_attachments_message_uuid_messages"),
        ),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_message_attachments")),
        sa.UniqueConstraint("uuid", name=op.f("uq_message_attachments_uuid")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("message_attachments") as batch:
        batch.create_index(
            batch.f("ix_message_attachments_message_uuid"), ["message_uuid"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("message_attachments") as batch:
        batch.drop_index(batch.f("ix_message_attachments_message_uuid"))
    op.drop_table("message_attachments")
