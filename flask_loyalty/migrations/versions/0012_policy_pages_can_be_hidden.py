"""policy pages can be hidden

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-24 10:00:00

The owner can hide a policy page (shoppers get 404 and the footer leaves it out)
and publish it again: ``hidden`` on ``loyalty_policy_pages``, false for the pages
saved before.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("loyalty_policy_pages") as batch:
        batch.add_column(
            sa.Column("hidden", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("loyalty_policy_pages") as batch:
        batch.drop_column("hidden")
