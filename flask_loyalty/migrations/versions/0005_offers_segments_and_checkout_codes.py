"""offers segments and checkout codes

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 11:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import flask_loyalty.db

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

UTC = flask_loyalty.db.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "loyalty_offers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("trigger", sa.String(length=20), nullable=False),
        sa.Column("trigger_n", sa.Integer(), nullable=False),
        sa.Column("benefit", sa.String(length=20), nullable=False),
        sa.Column("percent", sa.Integer(), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.Column("sku", sa.String(length=64), nullable=True),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("min_subtotal_cents", sa.BigInteger(), nullable=False),
        sa.Column("categories", sa.String(length=500), nullable=False),
        sa.Column("valid_days", sa.Integer(), nullable=False),
        sa.Column("once_per_customer", sa.Boolean(), nullable=False),
        sa.Column("code_uses", sa.Integer(), nullable=False),
        sa.Column("max_uses", sa.Integer(), nullable=True),
        sa.Column("budget_cents", sa.BigInteger(), nullable=True),
        sa.Column("starts_at", UTC(timezone=True), nullable=True),
        sa.Column("ends_at", UTC(timezone=True), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("uses", sa.Integer(), nullable=False),
        sa.Column("spent_cents", sa.BigInteger(), nullable=False),
        sa.Column("created_at", UTC(timezone=True), nullable=False),
        sa.Column("updated_at", UTC(timezone=True), nullable=False),
        sa.CheckConstraint(
            "amount_cents >= 0", name=op.f("ck_loyalty_offers_amount_not_negative")
        ),
        sa.CheckConstraint(
            "percent >= 0 AND percent <= 100",
            name=op.f("ck_loyalty_offers_percent_range"),
        ),
        sa.CheckConstraint(
            "uses >= 0", name=op.f("ck_loyalty_offers_uses_not_negative")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_loyalty_offers")),
    )
    op.create_index(
        op.f("ix_loyalty_offers_trigger"), "loyalty_offers", ["trigger"], unique=False
    )
    op.create_table(
        "loyalty_segment_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("regular_orders", sa.Integer(), nullable=False),
        sa.Column("heavy_spend_cents", sa.BigInteger(), nullable=False),
        sa.Column("former_months", sa.Integer(), nullable=False),
        sa.Column("updated_at", UTC(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_loyalty_segment_settings")),
    )
    op.create_table(
        "loyalty_campaign_segments",
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("segment", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["loyalty_campaigns.id"],
            name=op.f("fk_loyalty_campaign_segments_campaign_id_loyalty_campaigns"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "campaign_id", name=op.f("pk_loyalty_campaign_segments")
        ),
    )
    op.create_table(
        "loyalty_code_redemptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code_id", sa.Integer(), nullable=False),
        sa.Column("order_ref", sa.String(length=64), nullable=False),
        sa.Column("offer_id", sa.Integer(), nullable=True),
        sa.Column("customer_id", sa.Integer(), nullable=True),
        sa.Column("discount_cents", sa.BigInteger(), nullable=False),
        sa.Column("subtotal_cents", sa.BigInteger(), nullable=False),
        sa.Column("created_at", UTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["code_id"],
            ["loyalty_discount_codes.id"],
            name=op.f("fk_loyalty_code_redemptions_code_id_loyalty_discount_codes"),
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["loyalty_customers.id"],
            name=op.f("fk_loyalty_code_redemptions_customer_id_loyalty_customers"),
        ),
        sa.ForeignKeyConstraint(
            ["offer_id"],
            ["loyalty_offers.id"],
            name=op.f("fk_loyalty_code_redemptions_offer_id_loyalty_offers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_loyalty_code_redemptions")),
        sa.UniqueConstraint(
            "code_id", "order_ref", name=op.f("uq_loyalty_code_redemptions_code_id")
        ),
    )
    op.create_index(
        op.f("ix_loyalty_code_redemptions_offer_id"),
        "loyalty_code_redemptions",
        ["offer_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_loyalty_code_redemptions_order_ref"),
        "loyalty_code_redemptions",
        ["order_ref"],
        unique=False,
    )
    op.create_table(
        "loyalty_offer_grants",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=120), nullable=False),
        sa.Column("offer_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("code_id", sa.Integer(), nullable=True),
        sa.Column("order_id", sa.Integer(), nullable=True),
        sa.Column("suggestions", sa.JSON(), nullable=False),
        sa.Column("created_at", UTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["code_id"],
            ["loyalty_discount_codes.id"],
            name=op.f("fk_loyalty_offer_grants_code_id_loyalty_discount_codes"),
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["loyalty_customers.id"],
            name=op.f("fk_loyalty_offer_grants_customer_id_loyalty_customers"),
        ),
        sa.ForeignKeyConstraint(
            ["offer_id"],
            ["loyalty_offers.id"],
            name=op.f("fk_loyalty_offer_grants_offer_id_loyalty_offers"),
        ),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["loyalty_orders.id"],
            name=op.f("fk_loyalty_offer_grants_order_id_loyalty_orders"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_loyalty_offer_grants")),
        sa.UniqueConstraint("key", name=op.f("uq_loyalty_offer_grants_key")),
    )
    for column in ("customer_id", "offer_id", "order_id"):
        op.create_index(
            op.f(f"ix_loyalty_offer_grants_{column}"),
            "loyalty_offer_grants",
            [column],
            unique=False,
        )
    with op.batch_alter_table("loyalty_discount_codes") as batch_op:
        batch_op.drop_constraint(
            batch_op.f("ck_loyalty_discount_codes_value_positive"), type_="check"
        )
        batch_op.add_column(sa.Column("offer_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("max_uses", sa.Integer(), server_default="1", nullable=False)
        )
        batch_op.add_column(
            sa.Column("uses", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.create_index(
            batch_op.f("ix_loyalty_discount_codes_offer_id"), ["offer_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_loyalty_discount_codes_offer_id_loyalty_offers"),
            "loyalty_offers",
            ["offer_id"],
            ["id"],
        )
        batch_op.create_check_constraint(
            batch_op.f("ck_loyalty_discount_codes_value_not_negative"),
            "value_cents >= 0",
        )
        batch_op.create_check_constraint(
            batch_op.f("ck_loyalty_discount_codes_uses_not_negative"), "uses >= 0"
        )
    # Codes used before 0005 count as used once.
    op.execute("UPDATE loyalty_discount_codes SET uses = 1 WHERE used_at IS NOT NULL")


def downgrade() -> None:
    for column in ("order_id", "offer_id", "customer_id"):
        op.drop_index(
            op.f(f"ix_loyalty_offer_grants_{column}"), table_name="loyalty_offer_grants"
        )
    op.drop_table("loyalty_offer_grants")
    op.drop_index(
        op.f("ix_loyalty_code_redemptions_order_ref"),
        table_name="loyalty_code_redemptions",
    )
    op.drop_index(
        op.f("ix_loyalty_code_redemptions_offer_id"),
        table_name="loyalty_code_redemptions",
    )
    op.drop_table("loyalty_code_redemptions")
    op.drop_table("loyalty_campaign_segments")
    op.drop_table("loyalty_segment_settings")
    op.execute("DELETE FROM loyalty_discount_codes WHERE offer_id IS NOT NULL")
    with op.batch_alter_table("loyalty_discount_codes") as batch_op:
        for name in ("value_not_negative", "uses_not_negative"):
            batch_op.drop_constraint(
                batch_op.f(f"ck_loyalty_discount_codes_{name}"), type_="check"
            )
        batch_op.drop_constraint(
            batch_op.f("fk_loyalty_discount_codes_offer_id_loyalty_offers"),
            type_="foreignkey",
        )
        batch_op.drop_index(batch_op.f("ix_loyalty_discount_codes_offer_id"))
        batch_op.drop_column("uses")
        batch_op.drop_column("max_uses")
        batch_op.drop_column("offer_id")
        batch_op.create_check_constraint(
            batch_op.f("ck_loyalty_discount_codes_value_positive"), "value_cents > 0"
        )
    op.drop_index(op.f("ix_loyalty_offers_trigger"), table_name="loyalty_offers")
    op.drop_table("loyalty_offers")
