"""Does it pay off: the offer's figures, and orders from new vs returning customers."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import sqlalchemy as sa

from flask_loyalty import FrozenClock
from flask_loyalty import Loyalty
from flask_loyalty.models import OfferGrant
from flask_loyalty.offers.report import chart_svg
from flask_loyalty.offers.report import new_vs_returning
from flask_loyalty.offers.report import offer_report

from .conftest import buy
from .conftest import make_offer


def test_the_report_counts_codes_revenue_and_discount(
    shop_loyalty: Loyalty, clock: FrozenClock
) -> None:
    state = shop_loyalty.state
    # Before the offer: Bob buys twice, Cleo once (none of it is the offer's).
    buy(shop_loyalty, "SF-B1", "RNG-TIDE", email="bob@example.com")
    buy(shop_loyalty, "SF-B2", "RNG-TIDE", email="bob@example.com")
    buy(shop_loyalty, "SF-C1", "RNG-TIDE", email="cleo@example.com")
    clock.advance(days=1)
    offer = make_offer(shop_loyalty, percent=10)
    clock.advance(days=1)
    buy(shop_loyalty, "SF-A1", "RNG-FERN")  # Anna gets it, and comes back with it
    buy(shop_loyalty, "SF-D1", "RNG-FERN", email="dan@example.com")  # Dan does not
    code = state.session.scalars(sa.select(OfferGrant)).first().code.display
    clock.advance(days=3)
    buy(shop_loyalty, "SF-A2", "NCK-FERN", discount=Decimal("4.60"), commit=False)
    shop_loyalty.redeem_discount(code, "SF-A2")
    report = offer_report(state.session, offer.id)
    assert (report.issued, report.redeemed) == (2, 1)
    assert report.redemption_rate == 0.5
    assert (report.revenue_cents, report.discount_cents) == (4140, 460)


def test_orders_from_new_and_returning_customers_per_month(
    shop_loyalty: Loyalty, clock: FrozenClock
) -> None:
    start = clock.now  # 2 March 2026
    for days, ref, email in (
        (-70, "SF-1", "anna@example.com"),  # December: Anna new
        (-40, "SF-2", "anna@example.com"),  # January: Anna returning
        (-39, "SF-3", "bob@example.com"),  # January: Bob new
        (0, "SF-4", "bob@example.com"),  # March: Bob returning
        (0, "SF-5", "cleo@example.com"),  # March: Cleo new
    ):
        buy(
            shop_loyalty,
            ref,
            "RNG-TIDE",
            email=email,
            placed_at=start + timedelta(days=days),
        )
    data = new_vs_returning(shop_loyalty.state.session, clock.now)
    assert len(data) == 12
    assert data[-4:] == [
        ("2025-12", 1, 0),
        ("2026-01", 1, 1),
        ("2026-02", 0, 0),
        ("2026-03", 1, 1),
    ]
    svg = chart_svg(data, new_label="new", returning_label="returning <b>")
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert '<g data-month="2026-01"><rect' in svg
    assert "<title>January 2026: 1 new</title>" in svg
    assert "returning &lt;b&gt;" in svg and "<script" not in svg
