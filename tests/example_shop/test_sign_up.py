"""A shop login reaches a customer's points only with proof of her address
(issue 17, finding 1): sign-up with someone else's address takes nothing over."""

from __future__ import annotations

import re
import typing as t

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from example_shop import db
from example_shop.models import User
from flask_loyalty.models import Customer
from flask_loyalty.models import OutboxMessage
from flask_loyalty.testing import follow_sign_in_link

from .conftest import csrf_token
from .conftest import post_form
from .test_shop import RING
from .test_shop import add_to_cart
from .test_shop import checkout
from .test_shop import sign_in

MARI = {"name": "Mari Kask", "email": "mari@example.com"}


def guest_buys(app: Flask, name: str, email: str) -> None:
    client = app.test_client()
    add_to_cart(client, RING.sku)
    assert checkout(client, name, email).status_code == 302


def sign_up(client: FlaskClient, name: str, email: str, password: str) -> t.Any:
    data = {"name": name, "email": email, "password": password, "confirm": password}
    return post_form(client, "/auth/sign-up", "/auth/sign-up", data)


def mail_to(app: Flask, address: str, kind: str) -> list[OutboxMessage]:
    with app.app_context():
        return list(
            db.session.scalars(
                sa.select(OutboxMessage).where(
                    OutboxMessage.to_addr == address, OutboxMessage.kind == kind
                )
            )
        )


def link_in(message: OutboxMessage, path: str) -> str:
    match = re.search(rf"https?://[^/\s]+({path}[^\s\"<>]+)", message.text_body)
    assert match, message.text_body
    return match.group(1)


def customer(app: Flask, email: str) -> Customer:
    with app.app_context():
        found = db.session.scalar(sa.select(Customer).where(Customer.email == email))
        assert found is not None
        db.session.expunge(found)
        return found


def test_a_sign_up_with_her_address_shows_none_of_her_points_or_orders(
    shop_app: Flask,
) -> None:
    guest_buys(shop_app, "Mari Kask", MARI["email"])
    attacker = shop_app.test_client()
    answer = sign_up(attacker, "Mallory", MARI["email"], "mallory's pass")
    assert answer.status_code == 200 and "Check your inbox" in answer.text
    sign_in(attacker, MARI["email"], "mallory's pass")  # the password works...

    page = attacker.get("/loyalty/").get_data(as_text=True)
    assert "Confirm your address" in page  # ...the loyalty account does not
    assert "SF-" not in page and 'name="points"' not in page  # no orders, no redeem
    redeem = attacker.post(
        "/loyalty/points/redeem", data={"csrf_token": csrf_token(page), "points": "100"}
    )
    assert redeem.status_code == 302 and redeem.headers["Location"] == "/loyalty/"
    with shop_app.app_context():
        assert (
            db.session.scalar(sa.text("SELECT count(*) FROM loyalty_discount_codes"))
            == 0
        )
    mari = customer(shop_app, MARI["email"])
    assert (mari.name, mari.external_id) == ("Mari Kask", None)

    # The link that would prove it goes to Mari's inbox, not to the attacker.
    response = post_form(attacker, "/loyalty/", "/loyalty/confirm-address", {})
    assert response.status_code == 302
    [link] = mail_to(shop_app, MARI["email"], "sign_in_link")
    assert customer(shop_app, MARI["email"]).external_id is None


def test_sign_up_answers_the_same_for_a_known_and_an_unknown_address(
    shop_app: Flask,
) -> None:
    sign_up(shop_app.test_client(), "Mari Kask", MARI["email"], "first password")
    known = sign_up(shop_app.test_client(), "Mallory", MARI["email"], "mallory's pw")
    fresh = sign_up(shop_app.test_client(), "Eleni", "eleni@example.com", "her pass!")

    def shape(response: t.Any, email: str) -> str:
        """The page without the address and the session's own form tokens (the
        language switch carries one; it differs per visitor, not per address)."""
        page = response.get_data(as_text=True).replace(email, "ADDRESS")
        return re.sub(r'(name="csrf_token"[^>]*value=")[^"]+', r"\1TOKEN", page)

    assert known.status_code == fresh.status_code == 200
    assert shape(known, MARI["email"]) == shape(fresh, "eleni@example.com")
    with shop_app.app_context():
        mari = db.session.scalar(sa.select(User).where(User.email == MARI["email"]))
        assert mari is not None and mari.name == "Mari Kask"
        assert mari.check_password(
            "first password"
        )  # the second sign-up changed nothing
    [already] = [m for m in mail_to(shop_app, MARI["email"], "shop_verify")][1:]
    assert "has one already" in already.text_body


def test_her_own_sign_up_is_confirmed_by_the_link_and_opens_her_history(
    shop_app: Flask,
) -> None:
    guest_buys(shop_app, "Mari Kask", MARI["email"])
    mari = shop_app.test_client()
    sign_up(mari, "Mari K.", MARI["email"], "mari's password")
    [message] = mail_to(shop_app, MARI["email"], "shop_verify")
    link = link_in(message, "/auth/verify/")
    page = mari.get(link)
    assert page.status_code == 200 and "Confirm and sign in" in page.text
    with shop_app.app_context():
        user = db.session.scalar(sa.select(User).where(User.email == MARI["email"]))
        assert user is not None and user.email_verified_at is None  # GET proves nothing
    done = mari.post(link, data={"csrf_token": csrf_token(page.text)})
    assert done.status_code == 302
    account = mari.get("/loyalty/").get_data(as_text=True)
    assert "Confirm your address" not in account
    assert "Hello, Mari" in account
    assert customer(shop_app, MARI["email"]).external_id is not None
    again = shop_app.test_client().post(link, data={"csrf_token": "x"})
    assert again.status_code == 400  # the link is spent


def test_an_unverified_login_links_after_the_emailed_proof(shop_app: Flask) -> None:
    guest_buys(shop_app, "Mari Kask", MARI["email"])
    mari = shop_app.test_client()
    sign_up(mari, "Mari Kask", MARI["email"], "mari's password")
    sign_in(mari, MARI["email"], "mari's password")  # never opened the shop's link
    post_form(mari, "/loyalty/", "/loyalty/confirm-address", {})
    [message] = mail_to(shop_app, MARI["email"], "sign_in_link")
    link = link_in(message, "/loyalty/sign-in/")
    assert follow_sign_in_link(mari, link).status_code == 302
    assert "Hello, Mari" in mari.get("/loyalty/").get_data(as_text=True)
    with shop_app.app_context():
        user = db.session.scalar(sa.select(User).where(User.email == MARI["email"]))
        assert user is not None
        assert customer(shop_app, MARI["email"]).external_id == str(user.id)


@pytest.mark.parametrize("verified", [False, True])
def test_an_order_with_her_address_never_renames_or_links_her(
    shop_app: Flask, verified: bool
) -> None:
    from flask_loyalty.customers.service import customer_for_login
    from flask_loyalty.customers.service import find_or_create_customer

    guest_buys(shop_app, "Mari Kask", MARI["email"])
    with shop_app.app_context():
        state = shop_app.extensions["loyalty"]
        found = find_or_create_customer(
            state.session,
            state.now(),
            email=MARI["email"],
            name="Someone Else",
            external_id="99",
        )
        assert (found.name, found.external_id) == ("Mari Kask", None)
        seen = customer_for_login(
            state.session,
            state.now(),
            email=MARI["email"],
            name="Mari Tamm",
            external_id="42",
            locale=None,
            verified=verified,
        )
        if verified:  # the shop checked the address: her login, her new name
            assert seen is found and (found.name, found.external_id) == (
                "Mari Tamm",
                "42",
            )
        else:
            assert seen is None and (found.name, found.external_id) == (
                "Mari Kask",
                None,
            )
