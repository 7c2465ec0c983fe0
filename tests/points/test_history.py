"""Anna reads her points history: each order's points name the order and carry the
day she placed it, not the day the shop recorded it."""

from __future__ import annotations

import re
from datetime import UTC
from datetime import datetime
from decimal import Decimal

from flask import Flask

from flask_loyalty import FrozenClock
from flask_loyalty import Loyalty
from flask_loyalty import ShopCustomer

from .conftest import order


def history(html: str) -> list[str]:
    """The rows of her points history, as text."""
    listing = html.split('<ol class="points-history', 1)[1].split("</ol>", 1)[0]
    rows = re.findall(r"<li>(.*?)</li>", listing, re.S)
    return [" ".join(re.sub(r"<[^>]+>", " ", row).split()) for row in rows]


def test_order_points_name_the_order_and_its_day(
    shop: Flask, shop_loyalty: Loyalty, clock: FrozenClock
) -> None:
    # The shop imports two past orders today (2 March), then refunds one.
    order(shop_loyalty, "SF-1001", "40.00", placed_at=datetime(2025, 11, 3, tzinfo=UTC))
    order(shop_loyalty, "SF-1002", "20.00", placed_at=datetime(2026, 2, 14, tzinfo=UTC))
    clock.advance(days=1)
    shop_loyalty.record_refund("SF-1002", refund_id="R-1", amount=Decimal("20.00"))
    shop_loyalty.customer_loader(
        lambda: ShopCustomer(email="anna@example.com", email_verified=True)
    )
    html = shop.test_client().get("/loyalty/points").get_data(as_text=True)
    assert history(html) == [
        "Mar 3, 2026 Refund of order SF-1002 -100",
        "Feb 14, 2026 Order SF-1002 +100",
        "Nov 3, 2025 Order SF-1001 +200",
    ]
