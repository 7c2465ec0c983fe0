"""How many customers bought each product and each pair of products."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from ..db import Base

EVERYONE = ""
"""The SKU of the row that counts every customer who bought anything (an order
with items); no product has it, as ``record_order`` refuses a blank SKU."""


class CoPurchase(Base):
    """How many customers bought both ``sku_a`` and ``sku_b``, in one order or
    across their orders, each customer counted once.

    One table holds the three counts lift needs (a co-occurrence matrix):

    - ``sku_a < sku_b``: a pair, the customers who bought both;
    - ``sku_a == sku_b``: one product, the customers who bought it;
    - ``sku_a == sku_b == ""`` (:data:`EVERYONE`): the customers who bought
      anything.

    ``record_order`` adds a new order's counts in one statement
    (:func:`flask_loyalty.copurchases.counting.count_order`); ``flask loyalty
    run-due`` rebuilds the table from the orders.
    """

    __tablename__ = "loyalty_copurchases"
    __table_args__ = (
        sa.CheckConstraint("sku_a <= sku_b", name="skus_in_order"),
        sa.CheckConstraint("customers > 0", name="customers_positive"),
    )

    sku_a: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    sku_b: Mapped[str] = mapped_column(sa.String(64), primary_key=True, index=True)
    customers: Mapped[int] = mapped_column()
