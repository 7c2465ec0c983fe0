"""owner content in several languages

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-23 12:20:00

Policy pages, offers and campaigns keep their text in the shop's default language
in their own columns and the other languages in a JSON column ``translations``
(:mod:`flask_loyalty.content_versions`); a policy page's earlier versions say which
language they were in (``NULL``: the default).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

TABLES = ("loyalty_policy_pages", "loyalty_offers", "loyalty_campaigns")


def upgrade() -> None:
    for name in TABLES:
        with op.batch_alter_table(name) as batch:
            batch.add_column(sa.Column("translations", sa.JSON(), nullable=True))
    with op.batch_alter_table("loyalty_policy_versions") as batch:
        batch.add_column(sa.Column("language", sa.String(16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("loyalty_policy_versions") as batch:
        batch.drop_column("language")
    for name in reversed(TABLES):
        with op.batch_alter_table(name) as batch:
            batch.drop_column("translations")
