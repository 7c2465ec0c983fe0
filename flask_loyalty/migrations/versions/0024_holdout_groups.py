"""holdout groups

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-05 20:00:00

Offers, journeys and campaigns hold back a share of the people eligible for
them (``holdout_percent``; existing ones hold back no one until the owner sets
a share), and ``loyalty_holdouts`` keeps each person's decision, made once.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None

TABLES = ("loyalty_offers", "loyalty_journeys", "loyalty_campaigns")


def upgrade() -> None:
    for name in TABLES:
        with op.batch_alter_table(name) as batch:
            batch.add_column(
                sa.Column(
                    "holdout_percent",
                    sa.Integer(),
                    nullable=False,
                    server_default=sa.text("0"),
                )
            )
    op.create_table(
        "loyalty_holdouts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=80), nullable=False),
        sa.Column("measure", sa.String(length=10), nullable=False),
        sa.Column("measure_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=True),
        sa.Column("subscriber_id", sa.Integer(), nullable=True),
        sa.Column("held_out", sa.Boolean(), nullable=False),
        sa.Column("share", sa.Integer(), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "share >= 0 AND share <= 50", name="ck_loyalty_holdouts_share_range"
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["loyalty_customers.id"],
            name="fk_loyalty_holdouts_customer_id_loyalty_customers",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["subscriber_id"],
            ["loyalty_subscribers.id"],
            name="fk_loyalty_holdouts_subscriber_id_loyalty_subscribers",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_loyalty_holdouts"),
        sa.UniqueConstraint("key", name="uq_loyalty_holdouts_key"),
    )
    op.create_index(
        "ix_loyalty_holdouts_measure", "loyalty_holdouts", ["measure", "measure_id"]
    )
    op.create_index(
        "ix_loyalty_holdouts_customer_id", "loyalty_holdouts", ["customer_id"]
    )
    op.create_index(
        "ix_loyalty_holdouts_subscriber_id", "loyalty_holdouts", ["subscriber_id"]
    )


def downgrade() -> None:
    op.drop_table("loyalty_holdouts")
    for name in TABLES:
        with op.batch_alter_table(name) as batch:
            batch.drop_column("holdout_percent")
