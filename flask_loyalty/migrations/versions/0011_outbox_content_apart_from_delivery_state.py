"""outbox content apart from delivery state

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-23 15:20:00

What an outbox message says (plain and HTML bodies, the stored MIME) moves to
``loyalty_outbox_content``, one row per message; ``loyalty_outbox`` keeps what
delivery reads and changes. SQLite rewrites a whole row on every ``UPDATE``, so
claiming and marking a batch rewrote each message's bodies twice.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

MOVED = ("text_body", "html_body", "raw")


def upgrade() -> None:
    op.create_table(
        "loyalty_outbox_content",
        sa.Column("outbox_id", sa.Integer(), nullable=False),
        sa.Column("text_body", sa.Text(), nullable=False),
        sa.Column("html_body", sa.Text(), nullable=True),
        sa.Column("raw", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["outbox_id"], ["loyalty_outbox.id"], ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("outbox_id"),
    )
    op.execute(
        "INSERT INTO loyalty_outbox_content (outbox_id, text_body, html_body, raw)"
        " SELECT id, text_body, html_body, raw FROM loyalty_outbox"
    )
    with op.batch_alter_table("loyalty_outbox") as batch:
        for name in MOVED:
            batch.drop_column(name)


def downgrade() -> None:
    with op.batch_alter_table("loyalty_outbox") as batch:
        batch.add_column(
            sa.Column("text_body", sa.Text(), nullable=False, server_default="")
        )
        batch.add_column(sa.Column("html_body", sa.Text(), nullable=True))
        batch.add_column(
            sa.Column(
                "raw", sa.LargeBinary(), nullable=False, server_default=sa.text("''")
            )
        )
    for name in MOVED:
        op.execute(
            f"UPDATE loyalty_outbox SET {name} = (SELECT c.{name}"
            " FROM loyalty_outbox_content AS c WHERE c.outbox_id = loyalty_outbox.id)"
            f" WHERE EXISTS (SELECT 1 FROM loyalty_outbox_content AS c"
            " WHERE c.outbox_id = loyalty_outbox.id)"
        )
    with op.batch_alter_table("loyalty_outbox") as batch:
        batch.alter_column("text_body", server_default=None)
        batch.alter_column("raw", server_default=None)
    op.drop_table("loyalty_outbox_content")
