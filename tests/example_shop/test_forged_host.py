"""Offer and return emails carry LOYALTY_BASE_URL links whatever Host the request
named (issue 17, finding 2: the sign-in, confirmation and preferences links are in
tests/test_email_links.py)."""

from __future__ import annotations

import re

import sqlalchemy as sa
from flask import Flask

from example_shop import db
from example_shop.cli import DEMO_ORDERS
from flask_loyalty.models import OutboxMessage
from flask_loyalty.testing import run_due

from .conftest import post_form
from .test_shop import add_to_cart
from .test_shop import checkout

BASE = "http://127.0.0.1:5000"  # the example shop's LOYALTY_BASE_URL by default


def mail(app: Flask, kind: str) -> OutboxMessage:
    with app.app_context():
        rows = db.session.scalars(
            sa.select(OutboxMessage).where(OutboxMessage.kind == kind)
        ).all()
    assert len(rows) == 1, [kind, len(rows)]
    return rows[0]


def links(message: OutboxMessage) -> list[str]:
    body = message.text_body + message.html_body + " ".join(message.headers.values())
    found = re.findall(r"https?://[^\s\"'<>),]+", body)
    assert found, message.text_body
    return found


def test_offer_and_return_mail_ignore_a_forged_host(shop_app: Flask) -> None:
    assert shop_app.config["LOYALTY_BASE_URL"] == BASE
    result = shop_app.test_cli_runner().invoke(args=["shop", "init-demo"])
    assert result.exit_code == 0, result.output
    attacker = shop_app.test_client()
    attacker.environ_base["HTTP_HOST"] = "evil.example"

    add_to_cart(attacker, "RNG-TIDE")
    assert checkout(attacker, "Kadri", "kadri@example.com").status_code == 302
    run_due(shop_app)  # the worker writes the offer's email
    returnable = DEMO_ORDERS[-1]
    items = post_form(
        attacker,
        "/loyalty/policies/returns",
        "/loyalty/returns/start",
        {"order_number": returnable.number, "email": returnable.email},
    ).headers["Location"]
    html = attacker.get(items).get_data(as_text=True)
    quantity = re.search(r'name="(qty-[^"]+)"', html)
    assert quantity, html
    response = post_form(
        attacker,
        items,
        items,
        {quantity[1]: "1", "reason": "changed_mind", "resolution": "original"},
    )
    assert response.status_code == 302, response.get_data(as_text=True)

    offer = mail(shop_app, "offer")
    returned = mail(shop_app, "return_requested")
    for message in (offer, returned):
        body = message.text_body + message.html_body
        assert "evil.example" not in body + str(message.headers), message.kind
        for link in links(message):
            assert link.startswith(BASE + "/"), (message.kind, link)
    assert any("/loyalty/returns/status/" in link for link in links(returned))
