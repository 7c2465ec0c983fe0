"""orders know their language

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-05 19:50:00

An order keeps the language it was placed in (``NULL``: not known, the shop's
default), so the item names she read are marked with that language on pages in
another one.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("loyalty_orders") as batch:
        batch.add_column(sa.Column("language", sa.String(16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("loyalty_orders") as batch:
        batch.drop_column("language")
