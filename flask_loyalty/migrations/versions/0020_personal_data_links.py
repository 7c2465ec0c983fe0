"""personal data links and erased customers

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-05 08:00:00

An emailed link now has a ``purpose``: ``sign-in`` (every link so far), ``export``
(her data as JSON) or ``erase`` (her account deleted); a customer whose personal
data was erased keeps her row for the shop's books, with ``erased_at`` set.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import flask_loyalty.db

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("loyalty_sign_in_links") as batch:
        batch.add_column(
            sa.Column(
                "purpose", sa.String(10), nullable=False, server_default="sign-in"
            )
        )
    with op.batch_alter_table("loyalty_customers") as batch:
        batch.add_column(
            sa.Column(
                "erased_at", flask_loyalty.db.UTCDateTime(timezone=True), nullable=True
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("loyalty_customers") as batch:
        batch.drop_column("erased_at")
    with op.batch_alter_table("loyalty_sign_in_links") as batch:
        batch.drop_column("purpose")
