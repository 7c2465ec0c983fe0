from __future__ import annotations

import typing as t
from decimal import Decimal

from flask_loyalty import Loyalty
from flask_loyalty import OrderLine


def buy(loyalty: Loyalty, ref: str, email: str, *skus: str, **kw: t.Any) -> None:
    """Record order ``ref`` of ``email``: one of each SKU at 10.00."""
    items = [OrderLine(sku, f"Product {sku}", 1, Decimal("10.00")) for sku in skus]
    loyalty.record_order(
        ref, email=email, total=Decimal("10.00") * len(items), items=items, **kw
    )
