"""The demo of issue 4: a guest checks out twice, opens her account by an emailed
link, sees her points and tier, and turns points into a code."""

from __future__ import annotations

import re
import typing as t
from decimal import Decimal

import sqlalchemy as sa
from flask import Flask

from flask_loyalty.models import DiscountCode
from flask_loyalty.models import OutboxMessage
from flask_loyalty.testing import follow_sign_in_link
from flask_loyalty.testing import run_due

from .conftest import form_token


def test_a_guest_opens_her_points_by_email_link_and_redeems(
    make_app: t.Callable[..., Flask], database_url: str
) -> None:
    app = make_app(database_url=database_url)
    loyalty = app.extensions["loyalty"].extension
    with app.app_context():
        for ref in ("SF-1", "SF-2"):
            loyalty.record_order(
                ref, email="anna@example.com", name="Anna", total=Decimal("60.00")
            )
    client = app.test_client()
    page = client.get("/loyalty/").get_data(as_text=True)
    client.post(
        "/loyalty/sign-in",
        data={"csrf_token": form_token(page), "email": "anna@example.com"},
    )
    run_due(app)
    with app.app_context():
        mail = app.extensions["loyalty"].session.scalar(sa.select(OutboxMessage))
        assert mail is not None
        link = re.search(r"http://shop\.test(/loyalty/sign-in/\S+)", mail.text_body)
    assert link
    assert follow_sign_in_link(client, link.group(1)).status_code == 302
    account = client.get("/loyalty/").get_data(as_text=True)
    assert "600 points" in account and "worth €6.00" in account
    assert "Your tier: Basic" in account
    response = client.post(
        "/loyalty/points/redeem",
        data={"csrf_token": form_token(account), "points": "600"},
    )
    assert response.status_code == 302
    after = client.get("/loyalty/").get_data(as_text=True)
    with app.app_context():
        code = app.extensions["loyalty"].session.scalar(sa.select(DiscountCode))
        assert code is not None
        assert code.display in after
    assert "0 points" in after
