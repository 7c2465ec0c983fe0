"""A customer reaches her account: by the shop's login, or by a link sent by email."""

from __future__ import annotations

import re
import typing as t
from decimal import Decimal

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from flask_loyalty import FrozenClock
from flask_loyalty import Loyalty
from flask_loyalty import ShopCustomer
from flask_loyalty import signals
from flask_loyalty.models import Customer
from flask_loyalty.models import OutboxMessage
from flask_loyalty.testing import follow_sign_in_link
from flask_loyalty.testing import run_due


def csrf_token(client: FlaskClient, url: str = "/loyalty/") -> str:
    html = client.get(url).get_data(as_text=True)
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    assert match, html
    return match.group(1)


def outbox(app: Flask) -> list[OutboxMessage]:
    run_due(app)  # the worker mails the sign-in links asked for
    with app.app_context():
        session = app.extensions["loyalty"].session
        return list(
            session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id))
        )


@pytest.fixture
def anna(app: Flask, loyalty: Loyalty) -> None:
    with app.app_context():
        loyalty.record_order(
            "SF-1001",
            email="anna@example.com",
            name="Anna Tamm",
            total=Decimal("38.00"),
        )


def ask_for_link(client: FlaskClient, email: str) -> t.Any:
    return client.post(
        "/loyalty/sign-in", data={"email": email, "csrf_token": csrf_token(client)}
    )


def link_in(message: OutboxMessage) -> str:
    match = re.search(r"http://shop\.test(/loyalty/sign-in/\S+)", message.text_body)
    assert match, message.text_body
    return match.group(1)


def test_a_visitor_sees_the_sign_in_form(client: FlaskClient) -> None:
    html = client.get("/loyalty/").get_data(as_text=True)
    assert "Email me a sign-in link" in html
    assert 'name="csrf_token"' in html
    assert '<html lang="en">' in html


def test_known_and_unknown_addresses_get_the_same_answer(
    app: Flask, client: FlaskClient, anna: None
) -> None:
    known = ask_for_link(client, "Anna@Example.com")
    unknown = ask_for_link(client, "nobody@example.com")
    assert known.status_code == unknown.status_code == 302
    assert known.location == unknown.location == "/loyalty/sign-in/sent"
    sent_page = client.get(known.location).get_data(as_text=True)
    assert "If we have an account for that address" in sent_page
    messages = outbox(app)
    assert [m.to_addr for m in messages] == ["anna@example.com"]
    assert messages[0].kind == "sign_in_link"
    assert "Dear Anna," in messages[0].text_body
    assert "Dear Anna," in (messages[0].html_body or "")


def test_the_emailed_link_signs_her_in_and_shows_her_orders(
    app: Flask, client: FlaskClient, anna: None
) -> None:
    ask_for_link(client, "anna@example.com")
    received: list[t.Any] = []
    with signals.customer_signed_in.connected_to(
        lambda _s, **kw: received.append(kw["customer"].email)
    ):
        opened = client.get(link_in(outbox(app)[0]))
        assert opened.status_code == 200 and received == []  # opening is not enough
        response = follow_sign_in_link(client, link_in(outbox(app)[0]))
    assert response.status_code == 302
    html = client.get("/loyalty/").get_data(as_text=True)
    assert "Hello, Anna" in html
    assert "SF-1001" in html
    assert "€38.00" in html
    assert received == ["anna@example.com"]
    token = csrf_token(client)
    client.post("/loyalty/sign-out", data={"csrf_token": token})
    assert "Email me a sign-in link" in client.get("/loyalty/").get_data(as_text=True)


def test_a_changed_or_expired_link_is_refused(
    app: Flask, client: FlaskClient, anna: None, clock: FrozenClock
) -> None:
    ask_for_link(client, "anna@example.com")
    link = link_in(outbox(app)[0])
    tampered = client.get(link[:-3] + ("AAA" if not link.endswith("AAA") else "BBB"))
    assert tampered.status_code == 400
    assert "This link is not valid or has expired" in tampered.get_data(as_text=True)
    clock.advance(minutes=15)
    expired = follow_sign_in_link(client, link)
    assert expired.status_code == 400
    assert "This link is not valid or has expired" in expired.get_data(as_text=True)
    assert "SF-1001" not in client.get("/loyalty/").get_data(as_text=True)


@pytest.mark.parametrize(
    ("data", "status", "text"),
    [
        ({"email": "anna@example.com"}, 400, "This form has expired"),
        ({"email": "", "csrf_token": True}, 400, "Enter your email address"),
        ({"email": "anna@", "csrf_token": True}, 400, "is not a valid email address"),
    ],
)
def test_bad_sign_in_requests_change_nothing(
    app: Flask,
    client: FlaskClient,
    anna: None,
    data: dict[str, t.Any],
    status: int,
    text: str,
) -> None:
    if data.get("csrf_token") is True:
        data["csrf_token"] = csrf_token(client)
    response = client.post("/loyalty/sign-in", data=data)
    assert response.status_code == status
    assert text in response.get_data(as_text=True)
    assert outbox(app) == []


def test_sign_out_needs_the_csrf_token(client: FlaskClient) -> None:
    assert client.post("/loyalty/sign-out").status_code == 400


def test_a_shop_login_opens_the_account_without_a_link(
    app: Flask, loyalty: Loyalty, client: FlaskClient
) -> None:
    @loyalty.customer_loader
    def current() -> ShopCustomer:
        return ShopCustomer(
            email="Mari@Example.com",
            name="Mari Kask",
            external_id="7",
            email_verified=True,
        )

    html = client.get("/loyalty/").get_data(as_text=True)
    assert "Hello, Mari" in html
    assert "No orders yet" in html
    assert "Sign out" not in html  # the shop signs her out, not the extension
    with app.app_context():
        customer = app.extensions["loyalty"].session.scalar(sa.select(Customer))
        assert (customer.email, customer.external_id) == ("mari@example.com", "7")
