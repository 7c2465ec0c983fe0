"""A return window that counts from delivery (``LOYALTY_RETURN_WINDOW_FROM =
"delivery"``), and ``Loyalty.mark_delivered``, which tells when an order arrived."""

from __future__ import annotations

import typing as t
from datetime import datetime
from datetime import timedelta

import pytest
from flask import Flask

from flask_loyalty import FrozenClock
from flask_loyalty import InvalidOrder
from flask_loyalty import UnknownOrder
from flask_loyalty.orders.service import get_order

from .conftest import place_order
from .conftest import request_return
from .conftest import requests
from .conftest import start

MakeApp = t.Callable[..., Flask]


def delivered_at(app: Flask, ref: str = "SF-1") -> datetime | None:
    with app.app_context():
        session = app.extensions["loyalty"].session
        value = get_order(session, ref).delivered_at
        session.remove()
        return value


def test_mark_delivered_records_when_it_arrived_and_refuses_what_cannot_be(
    shop: Flask, clock: FrozenClock
) -> None:
    with shop.app_context():
        loyalty = shop.extensions["loyalty"].extension
        placed = clock.now - timedelta(days=10)
        for wrong in (
            placed - timedelta(minutes=1),  # before the order
            clock.now + timedelta(minutes=1),  # in the future
            datetime(2026, 3, 1, 12, 0),  # no time zone
            "yesterday",
        ):
            with pytest.raises(InvalidOrder):
                loyalty.mark_delivered("SF-1", at=wrong)  # type: ignore[arg-type]
            loyalty.state.session.rollback()
        with pytest.raises(UnknownOrder):
            loyalty.mark_delivered("SF-404")
    assert delivered_at(shop) is None  # nothing stored by the refusals

    with shop.app_context():
        loyalty = shop.extensions["loyalty"].extension
        loyalty.mark_delivered("SF-1", at=placed + timedelta(days=3))
    assert delivered_at(shop) == placed + timedelta(days=3)
    with shop.app_context():  # again: corrects it, and now by default
        shop.extensions["loyalty"].extension.mark_delivered("SF-1")
    assert delivered_at(shop) == clock.now


def test_a_window_from_delivery_opens_when_the_order_arrives(
    make_app: MakeApp, database_url: str, clock: FrozenClock
) -> None:
    """Ordered 40 days ago, so outside 30 days from the order: still returnable
    while on its way, then for 30 days from its arrival, and not after."""
    app = make_app(database_url=database_url, LOYALTY_RETURN_WINDOW_FROM="delivery")
    with app.app_context():
        loyalty = app.extensions["loyalty"].extension
        place_order(loyalty, "SF-1", days_ago=40)
    client = app.test_client()
    returns_page = client.get("/loyalty/policies/returns").get_data(as_text=True)
    assert (
        "You can return items within 30 days of receiving your order." in returns_page
    )

    found = start(client)
    assert found.status_code == 302
    items = client.get(found.headers["Location"]).get_data(as_text=True)
    assert "You can ask for a return until 30 days after it arrives." in items

    with app.app_context():
        app.extensions["loyalty"].extension.mark_delivered(
            "SF-1", at=clock.now - timedelta(days=29)
        )
    found = start(client)
    assert found.status_code == 302
    items = client.get(found.headers["Location"]).get_data(as_text=True)
    assert "Delivered " in items and "You can ask for a return until " in items

    clock.advance(days=2)  # 31 days since it arrived
    closed = start(client)
    assert closed.status_code == 400
    assert (
        "arrived more than 30 days ago: items can be returned within 30 days of"
        " delivery" in closed.get_data(as_text=True)
    )
    assert requests(app) == []


def test_a_return_within_the_delivery_window_is_accepted(
    make_app: MakeApp, database_url: str, clock: FrozenClock
) -> None:
    app = make_app(database_url=database_url, LOYALTY_RETURN_WINDOW_FROM="delivery")
    with app.app_context():
        loyalty = app.extensions["loyalty"].extension
        place_order(loyalty, "SF-1", days_ago=40)
        loyalty.mark_delivered("SF-1", at=clock.now - timedelta(days=5))
    response = request_return(app.test_client(), app, {"RNG-FERN": 1})
    assert response.status_code == 302, response.get_data(as_text=True)
    assert [(status, items) for _n, status, items in requests(app)] == [
        ("requested", {"RNG-FERN": 1})
    ]


def test_the_setting_takes_order_or_delivery_only(make_app: MakeApp) -> None:
    with pytest.raises(RuntimeError, match="LOYALTY_RETURN_WINDOW_FROM"):
        make_app(LOYALTY_RETURN_WINDOW_FROM="shipping")
