"""outbox found by message id

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-05 05:00:00

An index on ``loyalty_outbox.message_id``: a bounce or complaint whose recipient is
hidden names the shop's message by its Message-ID, and finding it must not read
the whole outbox.
"""

from __future__ import annotations

from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("loyalty_outbox") as batch:
        batch.create_index(op.f("ix_loyalty_outbox_message_id"), ["message_id"])


def downgrade() -> None:
    with op.batch_alter_table("loyalty_outbox") as batch:
        batch.drop_index(op.f("ix_loyalty_outbox_message_id"))
