"""orders know when they arrived

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-23 18:30:00

``delivered_at`` on ``loyalty_orders``: when the order reached the customer, as the
shop reports it with ``Loyalty.mark_delivered``; a return window can count from it
(``LOYALTY_RETURN_WINDOW_FROM = "delivery"``). Empty for the orders recorded before.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import flask_loyalty.db

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("loyalty_orders") as batch:
        batch.add_column(
            sa.Column(
                "delivered_at",
                flask_loyalty.db.UTCDateTime(timezone=True),
                nullable=True,
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("loyalty_orders") as batch:
        batch.drop_column("delivered_at")
