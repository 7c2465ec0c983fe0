"""Page numbers beyond any list are a 404, never a 500 (issue 17, finding 7)."""

from __future__ import annotations

import typing as t
from decimal import Decimal

import pytest
from flask import Flask

from flask_loyalty import ShopCustomer

HUGE = "99999999999999999999999"


@pytest.fixture
def shop(make_app: t.Callable[..., Flask], database_url: str) -> Flask:
    app = make_app(database_url=database_url)
    loyalty = app.extensions["loyalty"].extension
    loyalty.owner_check(lambda: True)
    loyalty.customer_loader(
        lambda: ShopCustomer(email="anna@example.com", email_verified=True)
    )
    with app.app_context():
        loyalty.record_order("SF-1", email="anna@example.com", total=Decimal("38.00"))
    return app


def owner_lists(app: Flask) -> list[str]:
    """Every owner page without URL arguments that can be read by GET."""
    return sorted(
        rule.rule
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/loyalty/owner")
        and not rule.arguments
        and "GET" in (rule.methods or ())
    )


def test_a_huge_page_number_is_404_on_every_owner_list(shop: Flask) -> None:
    client = shop.test_client()
    paged = 0
    for url in owner_lists(shop):
        status = client.get(f"{url}?page={HUGE}").status_code
        assert status in (200, 404), (url, status)
        paged += status == 404
    assert paged >= 6  # customers, outbox, subscribers, campaigns, returns...
    for url in ("/loyalty/owner/customers", "/loyalty/owner/outbox"):
        assert client.get(f"{url}?page={HUGE}").status_code == 404
        assert client.get(f"{url}?page=2").status_code == 200  # empty, not an error
        assert client.get(f"{url}?page=-4").status_code == 200  # the first page


def test_a_huge_page_of_her_points_history_is_404(shop: Flask) -> None:
    client = shop.test_client()
    assert client.get(f"/loyalty/points?page={HUGE}").status_code == 404
    assert client.get("/loyalty/points?page=2").status_code == 200  # empty
