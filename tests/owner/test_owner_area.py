"""The owner area: closed to everyone but the owner, with a shared navigation."""

from __future__ import annotations

import re
import typing as t
from decimal import Decimal

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from flask_loyalty import Loyalty
from flask_loyalty.models import OutboxMessage
from flask_loyalty.outbox.models import FAILED
from flask_loyalty.outbox.models import QUEUED
from flask_loyalty.outbox.queueing import queue_mail

OWNER_PAGES = ["/loyalty/owner/", "/loyalty/owner/customers", "/loyalty/owner/outbox"]


@pytest.fixture
def shop(app: Flask, loyalty: Loyalty) -> Flask:
    """Two customers with orders and one failed email."""
    with app.app_context():
        loyalty.record_order(
            "SF-1", email="anna@example.com", name="Anna Tamm", total=Decimal("38.00")
        )
        loyalty.record_order("SF-2", email="anna@example.com", total=Decimal("12.00"))
        loyalty.record_order(
            "SF-3",
            email="eszter@example.hu",
            name="Eszter Kovács",
            total=Decimal("120.50"),
        )
        state = app.extensions["loyalty"]
        message = queue_mail(
            state.session,
            state.now(),
            kind="test",
            to="anna@example.com",
            subject="Hello",
            text="Body text",
        )
        message.status = FAILED
        message.attempts = 5
        message.last_error = "SMTPRecipientsRefused"
        state.session.commit()
    return app


@pytest.mark.parametrize("url", OWNER_PAGES)
def test_without_an_owner_check_every_owner_page_is_forbidden(
    shop: Flask, client: FlaskClient, url: str
) -> None:
    assert client.get(url).status_code == 403


@pytest.mark.parametrize("url", OWNER_PAGES)
def test_a_customer_is_not_the_owner(
    shop: Flask, loyalty: Loyalty, client: FlaskClient, url: str
) -> None:
    loyalty.owner_check(lambda: False)
    assert client.get(url).status_code == 403


def test_every_url_under_owner_is_guarded(app: Flask) -> None:
    owner_rules = [r for r in app.url_map.iter_rules() if "/owner" in r.rule]
    assert len(owner_rules) >= 4
    client = app.test_client()
    for rule in owner_rules:
        url = re.sub(r"<[^>]+>", "1", rule.rule)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            response = client.open(url, method=method)
            assert response.status_code == 403, (method, url)


def test_the_owner_sees_figures_and_navigation(
    shop: Flask, loyalty: Loyalty, client: FlaskClient
) -> None:
    loyalty.owner_check(lambda: True)
    html = client.get("/loyalty/owner/").get_data(as_text=True)
    assert re.search(r"<h2>Members</h2>\s*<p class=\"value\">2</p>", html)
    assert "of €170.50 in all" in html
    assert "1 email could not be sent" in html
    for label in ("Overview", "Customers", "Outbox"):
        assert f">{label}</a>" in html
    assert 'aria-current="page">Overview' in html


def test_customers_list_with_spend_and_search(
    shop: Flask, loyalty: Loyalty, client: FlaskClient
) -> None:
    loyalty.owner_check(lambda: True)
    html = client.get("/loyalty/owner/customers").get_data(as_text=True)
    assert "anna@example.com" in html and "eszter@example.hu" in html
    assert "€50.00" in html and "€120.50" in html
    found = client.get("/loyalty/owner/customers?q=kovács").get_data(as_text=True)
    assert "eszter@example.hu" in found and "anna@example.com" not in found
    none = client.get("/loyalty/owner/customers?q=zzz").get_data(as_text=True)
    assert "No customer matches" in none


def test_the_owner_reads_and_retries_a_failed_email(
    shop: Flask, loyalty: Loyalty, client: FlaskClient
) -> None:
    loyalty.owner_check(lambda: True)
    listing = client.get("/loyalty/owner/outbox").get_data(as_text=True)
    assert "Hello" in listing and "failed" in listing
    page = client.get("/loyalty/owner/outbox/1").get_data(as_text=True)
    assert "Body text" in page and "SMTPRecipientsRefused" in page
    assert client.post("/loyalty/owner/outbox/1").status_code == 400
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    assert token
    response = client.post(
        "/loyalty/owner/outbox/1", data={"csrf_token": token.group(1)}
    )
    assert response.status_code == 302
    with shop.app_context():
        message = shop.extensions["loyalty"].session.scalar(sa.select(OutboxMessage))
        assert (message.status, message.attempts) == (QUEUED, 0)
    assert client.get("/loyalty/owner/outbox/99").status_code == 404


def test_owner_pages_are_one_document_that_fits_a_phone(
    shop: Flask, loyalty: Loyalty, client: FlaskClient
) -> None:
    loyalty.owner_check(lambda: True)
    html = client.get("/loyalty/owner/customers").get_data(as_text=True)
    assert 'name="viewport"' in html
    assert "<title>Customers · Loyalty · shop</title>" in html
    assert t.cast(str, html).count("<html") == 1


def test_the_navigation_marks_the_section_of_a_sub_page(
    shop: Flask, loyalty: Loyalty, client: FlaskClient
) -> None:
    loyalty.owner_check(lambda: True)
    html = client.get("/loyalty/owner/newsletter/topics").get_data(as_text=True)
    main_nav = html.split('<nav class="owner-side"', 1)[1].split("</nav>", 1)[0]
    assert 'aria-current="page">Newsletter</a>' in main_nav
    assert main_nav.count('aria-current="page"') == 1
