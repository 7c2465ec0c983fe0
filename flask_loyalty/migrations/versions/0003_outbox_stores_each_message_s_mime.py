"""outbox: each message's MIME and Message-ID, written when it is queued

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 11:30:00

Messages queued before this revision get empty values; delivery builds their MIME
from the stored subject and bodies.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("loyalty_outbox") as batch:
        batch.add_column(
            sa.Column(
                "message_id",
                sa.String(250),
                nullable=False,
                server_default=sa.text("''"),
            )
        )
        batch.add_column(
            sa.Column(
                "raw", sa.LargeBinary(), nullable=False, server_default=sa.text("''")
            )
        )
    with op.batch_alter_table("loyalty_outbox") as batch:
        batch.alter_column("message_id", server_default=None)
        batch.alter_column("raw", server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("loyalty_outbox") as batch:
        batch.drop_column("raw")
        batch.drop_column("message_id")
