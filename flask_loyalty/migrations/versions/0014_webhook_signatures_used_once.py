"""webhook signatures used once

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05 02:00:00

``loyalty_webhook_nonces``: the signatures of provider webhooks that were used
(Mailgun signs only a timestamp and a token, not the body), kept while the
timestamp is fresh, so a signature replayed with another body is refused.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import flask_loyalty.db

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "loyalty_webhook_nonces",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("provider", sa.String(20), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("expires_at", flask_loyalty.db.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_loyalty_webhook_nonces")),
        sa.UniqueConstraint(
            "provider", "digest", name=op.f("uq_loyalty_webhook_nonces_provider")
        ),
    )
    with op.batch_alter_table("loyalty_webhook_nonces") as batch:
        batch.create_index(
            batch.f("ix_loyalty_webhook_nonces_expires_at"), ["expires_at"]
        )


def downgrade() -> None:
    op.drop_table("loyalty_webhook_nonces")
