"""Her account page and her points page read a fixed number of statements,
however long her history."""

from __future__ import annotations

import typing as t
from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from flask import Flask

from flask_loyalty import Loyalty
from flask_loyalty import ShopCustomer
from flask_loyalty.codes.models import OFFER
from flask_loyalty.codes.models import POINTS
from flask_loyalty.codes.models import DiscountCode
from flask_loyalty.customers.service import find_customer
from flask_loyalty.offers import models as om
from flask_loyalty.orders.models import Order
from flask_loyalty.points.models import AFTER_EARNING
from flask_loyalty.points.models import INACTIVITY
from flask_loyalty.points.models import NO_EXPIRY
from flask_loyalty.returns.models import ReturnRequest
from tests.sql import sent_statements

from ..offers.conftest import make_offer
from ..points.conftest import set_program

READS = {NO_EXPIRY: 4, AFTER_EARNING: 5, INACTIVITY: 5}
"""Statements of the account page: her record, the rules, orders and codes, and
the points that expire soon when points expire."""


def set_up_shop(app: Flask, expiry: str) -> None:
    """Points that expire (or not), the tiers saved, a stamp card, a
    first-purchase offer."""
    with app.app_context():
        loyalty: Loyalty = app.extensions["loyalty"].extension
        set_program(loyalty, expiry_mode=expiry, expiry_months=12)
        make_offer(loyalty, name="Welcome")
        make_offer(loyalty, name="Stamps", trigger=om.STAMP_CARD, trigger_n=7)


def give_history(app: Flask, email: str, n: int) -> None:
    """``n`` orders (each with its points), ``n`` points codes, ``n`` offer codes
    and ``n`` return requests."""
    with app.app_context():
        loyalty: Loyalty = app.extensions["loyalty"].extension
        state = loyalty.state
        session = state.session
        now = state.now()
        for i in range(n):
            loyalty.record_order(
                f"{email[0]}-{i}",
                email=email,
                name="Anna Tamm",
                total=Decimal("30.00"),
                placed_at=now - timedelta(days=n - i),
            )
        customer = find_customer(session, email)
        assert customer is not None
        card = session.scalars(
            sa.select(om.Offer).where(om.Offer.name == "Stamps")
        ).one()
        orders = session.scalars(
            sa.select(Order.id).where(Order.customer_id == customer.id)
        ).all()
        for i in range(n):
            session.add(
                DiscountCode(
                    code=f"{email[0]}PTS{i:04}",
                    value_cents=500,
                    currency="EUR",
                    customer_id=customer.id,
                    source=POINTS,
                    created_at=now,
                )
            )
            code = DiscountCode(
                code=f"{email[0]}OFF{i:04}",
                value_cents=0,
                currency="EUR",
                customer_id=customer.id,
                source=OFFER,
                offer_id=card.id,
                created_at=now,
            )
            session.add(code)
            session.flush()
            session.add(
                om.OfferGrant(
                    key=f"test:{email}:{i}",
                    offer_id=card.id,
                    customer_id=customer.id,
                    code_id=code.id,
                    suggestions=[],
                    created_at=now,
                )
            )
            session.add(
                ReturnRequest(
                    number=f"{email[0]}R{i:04}",
                    order_id=orders[i % len(orders)],
                    customer_id=customer.id,
                    status="requested",
                    reason="other",
                    resolution="original",
                    created_at=now,
                )
            )
        session.commit()


def account_statements(app: Flask, url: str = "/loyalty/") -> tuple[list[str], str]:
    client = app.test_client()
    assert client.get(url).status_code == 200  # the first page's set-up
    with app.app_context():
        engine = app.extensions["loyalty"].db.engine
    with sent_statements(engine) as statements:
        response = client.get(url)
    assert response.status_code == 200
    return statements, response.get_data(as_text=True)


def short_and_long(
    app: Flask, expiry: str, url: str
) -> t.Iterator[tuple[str, int, list[str], str]]:
    """Anna with 3 orders, then Berit with 60 (codes, offers and return requests
    as many), each signed in in turn: her address, her number of orders, and the
    statements and HTML of one request to ``url``."""
    signed_in = {"email": ""}
    app.extensions["loyalty"].extension.customer_loader(
        lambda: ShopCustomer(
            email=signed_in["email"], name="Anna Tamm", email_verified=True
        )
    )
    set_up_shop(app, expiry)
    for email, n in (("anna@example.com", 3), ("berit@example.com", 60)):
        give_history(app, email, n)
        signed_in["email"] = email
        yield email, n, *account_statements(app, url)


@pytest.mark.parametrize("expiry", (NO_EXPIRY, AFTER_EARNING, INACTIVITY))
def test_the_account_page_reads_as_much_for_a_long_history_as_for_a_short_one(
    make_app: t.Callable[..., Flask], database_url: str, expiry: str
) -> None:
    app = make_app(database_url=database_url)
    counts = {}
    for email, n, statements, html in short_and_long(app, expiry, "/loyalty/"):
        # The page shows all she has, not an empty account.
        assert f"You have ordered {n} times." in html
        assert "Stamps:" in html
        assert f"{email[0]}PTS-0000" in html and f"{email[0]}OFF-{n - 1:04}" in html
        assert f"Return {email[0]}R{n - 1:04}" in html
        counts[n] = len(statements)
        assert len(statements) == READS[expiry], "\n".join(statements)
    assert counts[3] == counts[60], counts


@pytest.mark.parametrize("expiry", (NO_EXPIRY, AFTER_EARNING))
def test_her_points_page_reads_as_much_for_a_long_history_as_for_a_short_one(
    make_app: t.Callable[..., Flask], database_url: str, expiry: str
) -> None:
    app = make_app(database_url=database_url)
    counts = {}
    for email, n, statements, html in short_and_long(app, expiry, "/loyalty/points"):
        # Her newest points first, her codes, and a link to the older ones.
        assert f"Order {email[0]}-{n - 1}" in html
        assert f"{email[0]}PTS-0000" in html
        assert ("?page=2#points-history" in html) == (n > 20)
        counts[n] = len(statements)
        # Her record, the rules, a page of her history (which answers what
        # expires), her codes.
        assert len(statements) == 4, "\n".join(statements)
    assert counts[3] == counts[60], counts
