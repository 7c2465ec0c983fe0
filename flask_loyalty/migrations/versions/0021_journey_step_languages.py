"""journey step languages

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-05 09:00:00

A journey's email step keeps its subject and text in the shop's other languages
in a JSON column ``translations``, as offers and campaigns do.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("loyalty_journey_steps") as batch:
        batch.add_column(sa.Column("translations", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("loyalty_journey_steps") as batch:
        batch.drop_column("translations")
