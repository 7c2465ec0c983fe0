"""Bonuses: with the first order, for confirming the newsletter, and for bringing a
friend (both sides, once, never for inviting oneself)."""

from __future__ import annotations

import re
import typing as t
from decimal import Decimal

import pytest
import sqlalchemy as sa
from flask import Flask
from flask import request
from flask.testing import FlaskClient

from flask_loyalty import Loyalty
from flask_loyalty import ShopCustomer
from flask_loyalty.models import PointsEntry
from flask_loyalty.points.bonuses import on_subscription_confirmed
from flask_loyalty.points.bonuses import record_referral

from .conftest import balance
from .conftest import customer_id
from .conftest import order
from .conftest import set_program


def bonuses(loyalty: Loyalty) -> list[tuple[str, int]]:
    rows = loyalty.state.session.scalars(
        sa.select(PointsEntry).where(PointsEntry.kind == "bonus").order_by("id")
    )
    return [(e.key, e.points) for e in rows]


def test_a_sign_up_bonus_comes_with_the_first_order_only(
    shop_loyalty: Loyalty,
) -> None:
    set_program(shop_loyalty, signup_bonus=200)
    order(shop_loyalty, "SF-1", "10.00")
    order(shop_loyalty, "SF-1", "10.00")
    order(shop_loyalty, "SF-2", "10.00")
    assert bonuses(shop_loyalty) == [(f"signup:{customer_id(shop_loyalty)}", 200)]
    assert balance(shop_loyalty) == 300


def test_confirming_the_newsletter_gives_a_bonus_once(
    shop: Flask, shop_loyalty: Loyalty
) -> None:
    set_program(shop_loyalty, newsletter_bonus=75)
    order(shop_loyalty, "SF-1", "10.00")

    class Subscriber:
        email = "anna@example.com"

    with shop.test_request_context():
        on_subscription_confirmed(shop, subscriber=Subscriber())
        on_subscription_confirmed(shop, subscriber=Subscriber())
    assert balance(shop_loyalty) == 125


@pytest.fixture
def shop_with_checkout(
    make_app: t.Callable[..., Flask], database_url: str
) -> t.Iterator[Flask]:
    """A shop whose checkout records the order in the buyer's request, and whose
    login is whoever ``X-Customer`` names. (No app context is held around the
    requests: each request has its own ``g``.)"""
    shop = make_app(database_url=database_url)
    shop_loyalty = shop.extensions["loyalty"].extension

    @shop_loyalty.customer_loader
    def current() -> ShopCustomer | None:
        email = request.headers.get("X-Customer")
        return ShopCustomer(email=email, email_verified=True) if email else None

    @shop.post("/checkout")
    def checkout() -> str:
        form = request.form
        shop_loyalty.record_order(
            form["order"], email=form["email"], total=Decimal(form["total"])
        )
        return "thank you"

    with shop.app_context():
        set_program(shop_loyalty, referrer_bonus=300, referred_bonus=100)
        order(shop_loyalty, "SF-1", "10.00")  # Anna, the one who invites
    yield shop


def invite_link(client: FlaskClient) -> str:
    html = client.get(
        "/loyalty/points", headers={"X-Customer": "anna@example.com"}
    ).get_data(as_text=True)
    match = re.search(r'value="http://shop\.test(/loyalty/points/invite/[^"]+)"', html)
    assert match, html
    return match.group(1)


def test_a_friend_brought_by_a_link_pays_both_on_her_first_order(
    shop_with_checkout: Flask,
) -> None:
    shop_loyalty = shop_with_checkout.extensions["loyalty"].extension
    link = invite_link(shop_with_checkout.test_client())
    bea = shop_with_checkout.test_client()
    page = bea.get(link)
    assert page.status_code == 200
    assert "You get 100 points with your first order." in page.get_data(as_text=True)
    for ref in ("SF-2", "SF-2", "SF-3"):
        bea.post(
            "/checkout",
            data={"order": ref, "email": "bea@example.com", "total": "10.00"},
        )
    with shop_with_checkout.app_context():
        assert balance(shop_loyalty) == 50 + 300
        assert balance(shop_loyalty, "bea@example.com") == 50 + 100 + 50


def test_inviting_oneself_or_a_forged_link_pays_nothing(
    shop_with_checkout: Flask,
) -> None:
    shop_loyalty = shop_with_checkout.extensions["loyalty"].extension
    anna = shop_with_checkout.test_client()
    link = invite_link(anna)
    own = anna.get(link, headers={"X-Customer": "anna@example.com"})
    assert "This is your own invitation link" in own.get_data(as_text=True)
    forged = anna.get(link[:-4] + "AAAA")
    assert forged.status_code == 400
    assert "This invitation link is not valid." in forged.get_data(as_text=True)
    guest = shop_with_checkout.test_client()
    guest.get(link)  # a guest who then checks out with Anna's own address
    guest.post(
        "/checkout",
        data={"order": "SF-9", "email": "anna@example.com", "total": "10.00"},
    )
    with shop_with_checkout.app_context():
        assert bonuses(shop_loyalty) == []
        state = shop_loyalty.state
        me = customer_id(shop_loyalty)
        assert not record_referral(
            state.session, state.now(), referrer_id=me, referred_id=me
        )
