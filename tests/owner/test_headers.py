"""No other site can frame a loyalty page, and token pages send no Referer
(issue 17, finding 7)."""

from __future__ import annotations

import typing as t

from flask import Flask
from flask.wrappers import Response

from flask_loyalty import ShopCustomer
from flask_loyalty.blueprint import protect_page


def test_owner_and_account_pages_cannot_be_framed(
    make_app: t.Callable[..., Flask],
) -> None:
    app = make_app()
    loyalty = app.extensions["loyalty"].extension
    loyalty.owner_check(lambda: True)
    loyalty.customer_loader(
        lambda: ShopCustomer(email="anna@example.com", email_verified=True)
    )
    client = app.test_client()
    for url in ("/loyalty/owner/", "/loyalty/owner/customers", "/loyalty/"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.headers["X-Frame-Options"] == "DENY", url
        assert response.headers["Content-Security-Policy"] == "frame-ancestors 'none'"
        assert "Referrer-Policy" not in response.headers  # no token in this address


def test_a_signed_out_visitor_sees_a_refusal_that_cannot_be_framed(
    make_app: t.Callable[..., Flask],
) -> None:
    response = make_app().test_client().get("/loyalty/owner/")
    assert response.status_code == 403
    assert response.headers["X-Frame-Options"] == "DENY"


def test_a_policy_already_on_the_response_is_kept_and_framing_added(
    make_app: t.Callable[..., Flask],
) -> None:
    app = make_app()
    with app.test_request_context("/loyalty/"):
        response = Response("page")
        response.headers["Content-Security-Policy"] = "default-src 'self';"
        response.headers["X-Frame-Options"] = "SAMEORIGIN"
        protect_page(response)
    assert response.headers["Content-Security-Policy"] == (
        "default-src 'self'; frame-ancestors 'none'"
    )
    assert response.headers["X-Frame-Options"] == "SAMEORIGIN"  # the shop's choice


def test_a_page_with_a_token_in_its_address_sends_no_referer(
    make_app: t.Callable[..., Flask],
) -> None:
    client = make_app().test_client()
    for url in (
        "/loyalty/newsletter/confirm/some-token",
        "/loyalty/newsletter/preferences/some-token",
        "/loyalty/returns/status/some-token",
    ):
        response = client.get(url)
        assert response.status_code < 500, url
        assert response.headers["Referrer-Policy"] == "no-referrer", url
