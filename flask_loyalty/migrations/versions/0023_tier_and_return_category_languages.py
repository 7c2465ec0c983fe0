"""tier and return category languages

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-05 17:10:00

A tier keeps its name and perks in the shop's other languages, and the return
rules keep the labels of the categories that cannot be returned, each in a JSON
column ``translations``, as offers, campaigns and journey steps do.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None

TABLES = ("loyalty_points_tiers", "loyalty_return_rules")


def upgrade() -> None:
    for name in TABLES:
        with op.batch_alter_table(name) as batch:
            batch.add_column(sa.Column("translations", sa.JSON(), nullable=True))


def downgrade() -> None:
    for name in reversed(TABLES):
        with op.batch_alter_table(name) as batch:
            batch.drop_column("translations")
