"""products bought together

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-05 20:00:00

``loyalty_copurchases`` counts the customers who bought each product, each pair
of products (in one order or across her orders) and anything at all, for
suggestions ranked by lift. It is filled here from the orders recorded so far;
``record_order`` keeps it up to date and ``flask loyalty run-due`` rebuilds it.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None

FILL = """
INSERT INTO loyalty_copurchases (sku_a, sku_b, customers)
WITH bought AS (
    SELECT DISTINCT o.customer_id, i.sku
    FROM loyalty_order_items i JOIN loyalty_orders o ON o.id = i.order_id
)
SELECT x.sku, y.sku, count(*)
FROM bought x JOIN bought y ON x.customer_id = y.customer_id AND x.sku <= y.sku
GROUP BY x.sku, y.sku
UNION ALL
SELECT '', '', count(DISTINCT customer_id) FROM bought HAVING count(*) > 0
"""


def upgrade() -> None:
    op.create_table(
        "loyalty_copurchases",
        sa.Column("sku_a", sa.String(length=64), nullable=False),
        sa.Column("sku_b", sa.String(length=64), nullable=False),
        sa.Column("customers", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "sku_a <= sku_b", name=op.f("ck_loyalty_copurchases_skus_in_order")
        ),
        sa.CheckConstraint(
            "customers > 0", name=op.f("ck_loyalty_copurchases_customers_positive")
        ),
        sa.PrimaryKeyConstraint("sku_a", "sku_b", name=op.f("pk_loyalty_copurchases")),
    )
    op.create_index(
        op.f("ix_loyalty_copurchases_sku_b"), "loyalty_copurchases", ["sku_b"]
    )
    op.execute(FILL)


def downgrade() -> None:
    op.drop_index(op.f("ix_loyalty_copurchases_sku_b"), "loyalty_copurchases")
    op.drop_table("loyalty_copurchases")
