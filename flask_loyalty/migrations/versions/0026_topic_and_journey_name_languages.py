"""topic and journey name languages

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-05 20:50:00

A newsletter topic keeps its name and description, and a journey its name, in
the shop's other languages, each in a JSON column ``translations``, as offers,
campaigns and tiers do.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None

TABLES = ("loyalty_topics", "loyalty_journeys")


def upgrade() -> None:
    for name in TABLES:
        with op.batch_alter_table(name) as batch:
            batch.add_column(sa.Column("translations", sa.JSON(), nullable=True))


def downgrade() -> None:
    for name in reversed(TABLES):
        with op.batch_alter_table(name) as batch:
            batch.drop_column("translations")
