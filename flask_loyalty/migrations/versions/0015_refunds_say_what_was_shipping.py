"""refunds say what was shipping

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-05 04:40:00

``shipping_cents`` on ``loyalty_refunds``: the part of a refund that gives back
shipping (``record_refund(..., shipping=...)``). Points are earned without shipping,
so only the rest of a refund takes points back. 0 for the refunds recorded before.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("loyalty_refunds") as batch:
        batch.add_column(
            sa.Column(
                "shipping_cents", sa.BigInteger(), nullable=False, server_default="0"
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("loyalty_refunds") as batch:
        batch.drop_column("shipping_cents")
