"""Links in email come from LOYALTY_BASE_URL, never from a forged Host header."""

from __future__ import annotations

import re
import typing as t
from decimal import Decimal

import pytest
import sqlalchemy as sa
from flask import Flask

from flask_loyalty.models import OutboxMessage
from flask_loyalty.testing import run_due

EVIL = {"Host": "evil.example"}


@pytest.fixture
def shop(make_app: t.Callable[..., Flask]) -> Flask:
    app = make_app(SERVER_NAME=None, LOYALTY_BASE_URL="https://shop.example")
    with app.app_context():
        app.extensions["loyalty"].extension.record_order(
            "SF-1", email="anna@example.com", name="Anna", total=Decimal("38.00")
        )
        app.extensions["loyalty"].session.commit()
    return app


def queued(app: Flask, kind: str) -> OutboxMessage:
    run_due(app)
    with app.app_context():
        session = app.extensions["loyalty"].session
        rows = session.scalars(
            sa.select(OutboxMessage).where(OutboxMessage.kind == kind)
        ).all()
    assert len(rows) == 1, kind
    return rows[0]


def links(message: OutboxMessage) -> list[str]:
    found = re.findall(r"https?://[^\s\"'<>)]+", message.text_body + message.html_body)
    assert found, message.text_body
    return found


def post_form(app: Flask, path: str, data: dict[str, str]) -> None:
    client = app.test_client()
    form_page = "/loyalty/" if path == "/loyalty/sign-in" else path
    page = client.get(form_page, headers=EVIL).get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    assert token, page
    response = client.post(path, data={**data, "csrf_token": token[1]}, headers=EVIL)
    assert response.status_code in (302, 303), response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("path", "data", "kind"),
    [
        ("/loyalty/sign-in", {"email": "anna@example.com"}, "sign_in_link"),
        (
            "/loyalty/newsletter",
            {"email": "mari@example.com", "first_name": "Mari", "consent": "y"},
            "newsletter_confirm",
        ),
        ("/loyalty/newsletter/link", {"email": "anna@example.com"}, "newsletter_link"),
    ],
)
def test_a_forged_host_never_reaches_a_link_in_email(
    shop: Flask, path: str, data: dict[str, str], kind: str
) -> None:
    if kind == "newsletter_link":
        post_form(
            shop,
            "/loyalty/newsletter",
            {"email": "anna@example.com", "first_name": "Anna", "consent": "y"},
        )
    post_form(shop, path, data)
    message = queued(shop, kind)
    assert "evil.example" not in message.text_body + message.html_body
    for link in links(message):
        if "/loyalty/" in link:
            assert link.startswith("https://shop.example/loyalty/"), link


def test_smtp_delivery_without_a_base_url_refuses_to_start(
    make_app: t.Callable[..., Flask],
) -> None:
    with pytest.raises(RuntimeError, match="LOYALTY_BASE_URL"):
        make_app(LOYALTY_BASE_URL=None, LOYALTY_MAIL_DELIVERY="smtp")
