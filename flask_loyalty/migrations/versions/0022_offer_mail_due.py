"""offer mail due

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-05 17:00:00

An offer issued by an order is mailed by the worker, not in the order's
transaction: ``mail_due`` marks the grants whose email is still to be written
and queued, with a partial index holding only those.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("loyalty_offer_grants") as batch:
        batch.add_column(
            sa.Column(
                "mail_due", sa.Boolean(), nullable=False, server_default=sa.false()
            )
        )
    op.create_index(
        "ix_loyalty_offer_grants_mail_due",
        "loyalty_offer_grants",
        ["id"],
        postgresql_where=sa.text("mail_due"),
        sqlite_where=sa.text("mail_due"),
    )


def downgrade() -> None:
    op.drop_index("ix_loyalty_offer_grants_mail_due", "loyalty_offer_grants")
    with op.batch_alter_table("loyalty_offer_grants") as batch:
        batch.drop_column("mail_due")
