"""The demo of issue 6 in the example shop: a guest reads the returns page (linked
from every page's footer), returns one item and follows its status; the owner
approves, receives and refunds it, and the points go back."""

from __future__ import annotations

import re
import typing as t
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask

from example_shop import create_app
from example_shop import db
from flask_loyalty.customers.service import find_customer
from flask_loyalty.models import ReturnRequest
from flask_loyalty.orders.service import get_order
from flask_loyalty.points import ledger

from .conftest import form_token


@pytest.fixture
def demo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> t.Iterator[Flask]:
    for name in ("DATABASE_URL", "SECRET_KEY", "MAIL_SERVER", "REDIS_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SHOP_OWNER_PASSWORD", "demo-owner")
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test secret",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'shop.db'}",
            "LOYALTY_MAIL_DELIVERY": "hold",
        }
    )
    result = app.test_cli_runner().invoke(args=["shop", "init-demo"])
    assert result.exit_code == 0, result.output
    yield app
    with app.app_context():
        db.engine.dispose()


def mari_points(app: Flask) -> int:
    with app.app_context():
        session = app.extensions["loyalty"].session
        customer = find_customer(session, "mari@example.com")
        assert customer is not None
        return ledger.balance(session, customer.id)


def test_a_guest_returns_one_item_and_the_owner_refunds_it(demo: Flask) -> None:
    guest = demo.test_client()
    home = guest.get("/").get_data(as_text=True)
    assert 'href="/loyalty/policies/returns">Returns</a>' in home
    page = guest.get("/loyalty/policies/returns").get_data(as_text=True)
    assert "You can return items within 30 days of your order." in page
    assert "These cannot be returned: custom-made." in page
    found = guest.post(
        "/loyalty/returns/start",
        data={
            "csrf_token": form_token(page),
            "order_number": "SF-10007",
            "email": "mari@example.com",
        },
    )
    assert found.status_code == 302
    form = guest.get(found.headers["Location"]).get_data(as_text=True)
    with demo.app_context():
        order = get_order(demo.extensions["loyalty"].session, "SF-10007")
        [line] = order.items
        line_id, price = line.id, line.unit_price
        assert order.shipping_cents == 0  # a ring over the free-shipping limit
    before = mari_points(demo)
    sent = guest.post(
        found.headers["Location"],
        data={
            "csrf_token": form_token(form),
            f"qty-{line_id}": "1",
            "reason": "does_not_fit",
            "resolution": "store_credit",
        },
    )
    assert sent.status_code == 302
    status_url = sent.headers["Location"]
    assert "requested" in guest.get(status_url).get_data(as_text=True)
    with demo.app_context():
        number = demo.extensions["loyalty"].session.scalar(
            sa.select(ReturnRequest.number)
        )

    owner = demo.test_client()
    sign_in = owner.get("/auth/sign-in").get_data(as_text=True)
    owner.post(
        "/auth/sign-in",
        data={
            "csrf_token": form_token(sign_in),
            "email": "owner@example.com",
            "password": "demo-owner",
        },
    )
    for step in ("approve", "receive", "refund"):
        detail = owner.get(f"/loyalty/owner/returns/{number}").get_data(as_text=True)
        response = owner.post(
            f"/loyalty/owner/returns/{number}",
            data={"csrf_token": form_token(detail), "step": step, "message": ""},
        )
        assert response.status_code == 302, step
    assert mari_points(demo) == before - int(price) * 5  # its points went back
    status = guest.get(status_url).get_data(as_text=True)
    assert re.search(r'id="return-status">refunded<', status)
