"""The helpers a shop uses in its own tests."""

from __future__ import annotations

from decimal import Decimal

from flask import Flask
from flask.testing import FlaskClient

from flask_loyalty import Loyalty
from flask_loyalty.testing import sign_in


def test_sign_in_opens_her_account_in_the_test_client(
    app: Flask, loyalty: Loyalty, client: FlaskClient
) -> None:
    with app.app_context():
        loyalty.record_order("SF-1", email="anna@example.com", total=Decimal("9.00"))
    sign_in(client, "Anna@Example.com")
    html = client.get("/loyalty/").get_data(as_text=True)
    assert "SF-1" in html
    assert "Email me a sign-in link" not in html


def test_sign_in_creates_a_new_customer(app: Flask, client: FlaskClient) -> None:
    customer = sign_in(client, "new@example.com", name="Mari Kask")
    assert customer.email == "new@example.com"
    assert "Hello, Mari" in client.get("/loyalty/").get_data(as_text=True)
