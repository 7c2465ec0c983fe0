"""sign-in links used once

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-05 05:30:00

``loyalty_sign_in_links``: each emailed sign-in link as the SHA-256 of its random
token, with its expiry (15 minutes at most) and the moment it was used; the token
itself is only in her email, and the first sign-in spends it. Links sent before
this migration (signed, readable, reusable for an hour) no longer work.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import flask_loyalty.db

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "loyalty_sign_in_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("created_at", flask_loyalty.db.UTCDateTime(), nullable=False),
        sa.Column("expires_at", flask_loyalty.db.UTCDateTime(), nullable=False),
        sa.Column("used_at", flask_loyalty.db.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["loyalty_customers.id"],
            name=op.f("fk_loyalty_sign_in_links_customer_id_loyalty_customers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_loyalty_sign_in_links")),
        sa.UniqueConstraint(
            "token_hash", name=op.f("uq_loyalty_sign_in_links_token_hash")
        ),
    )
    with op.batch_alter_table("loyalty_sign_in_links") as batch:
        batch.create_index(
            batch.f("ix_loyalty_sign_in_links_customer_id"), ["customer_id"]
        )


def downgrade() -> None:
    op.drop_table("loyalty_sign_in_links")
