from __future__ import annotations

import re
import typing as t
from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from flask_loyalty import Loyalty
from flask_loyalty import OrderLine
from flask_loyalty.models import OutboxMessage
from flask_loyalty.models import ReturnRequest


@pytest.fixture
def shop(make_app: t.Callable[..., Flask], database_url: str) -> Flask:
    """The shop on SQLite and on PostgreSQL, with Anna's order of three lines
    placed ten days ago (30-day window by default)."""
    app = make_app(database_url=database_url)
    with app.app_context():
        loyalty = app.extensions["loyalty"].extension
        place_order(loyalty, "SF-1", days_ago=10)
    return app


def place_order(
    loyalty: Loyalty, ref: str, *, days_ago: int, email: str = "anna@example.com"
) -> t.Any:
    state = loyalty.state
    return loyalty.record_order(
        ref,
        email=email,
        name="Anna Tamm",
        total=Decimal("150.00"),
        items=[
            OrderLine("RNG-FERN", "Fern ring", 2, Decimal("40.00"), "rings"),
            OrderLine("EAR-MOON", "Moon earrings", 1, Decimal("30.00"), "earrings"),
            OrderLine("CUS-NAME", "Name necklace", 1, Decimal("40.00"), "custom-made"),
        ],
        placed_at=state.now() - timedelta(days=days_ago),
    )


def form_token(html: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    assert match, html
    return match.group(1)


def item_ids(app: Flask, ref: str = "SF-1") -> dict[str, int]:
    """SKU -> order line id."""
    with app.app_context():
        loyalty = app.extensions["loyalty"].extension
        from flask_loyalty.orders.service import get_order

        order = get_order(loyalty.state.session, ref)
        return {item.sku: item.id for item in order.items}


def start(client: FlaskClient, number: str = "SF-1", email: str = "anna@example.com"):  # noqa: ANN201
    """Fill the returns page's lookup form; return the response."""
    page = client.get("/loyalty/policies/returns").get_data(as_text=True)
    return client.post(
        "/loyalty/returns/start",
        data={"csrf_token": form_token(page), "order_number": number, "email": email},
    )


def request_return(
    client: FlaskClient,
    app: Flask,
    quantities: dict[str, int],
    *,
    reason: str = "does_not_fit",
    resolution: str = "original",
) -> t.Any:
    """Look the order up, then send the item form; return the last response."""
    found = start(client)
    assert found.status_code == 302, found.get_data(as_text=True)
    url = found.headers["Location"]
    page = client.get(url).get_data(as_text=True)
    ids = item_ids(app)
    data = {f"qty-{ids[sku]}": str(n) for sku, n in quantities.items()}
    data.update(csrf_token=form_token(page), reason=reason, resolution=resolution)
    return client.post(url, data=data)


def requests(app: Flask) -> list[ReturnRequest]:
    with app.app_context():
        session = app.extensions["loyalty"].session
        rows = session.scalars(sa.select(ReturnRequest).order_by(ReturnRequest.id))
        return [
            (r.number, r.status, {i.order_item.sku: i.quantity for i in r.items})
            for r in rows
        ]


def mails(app: Flask) -> list[tuple[str, str, str]]:
    with app.app_context():
        session = app.extensions["loyalty"].session
        return [
            (m.to_addr, m.subject, m.text_body)
            for m in session.scalars(
                sa.select(OutboxMessage).order_by(OutboxMessage.id)
            )
        ]
