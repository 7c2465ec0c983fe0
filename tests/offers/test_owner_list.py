"""Maria's list of offers: the name gets the room, the rest is said in plain words,
as a table on a desktop and as cards on a phone."""

from __future__ import annotations

import typing as t
from datetime import date

import pytest
from flask import Flask
from flask.testing import FlaskClient

from flask_loyalty import Loyalty
from flask_loyalty.offers import models as om

from .conftest import make_offer
from .conftest import owner_shop

LONG_NAME = "A thank-you for the second order of the spring collection"


@pytest.fixture
def owner(shop: Flask, shop_loyalty: Loyalty) -> FlaskClient:
    shop_loyalty.owner_check(lambda: True)
    return shop.test_client()


def test_each_offer_says_when_it_is_given_and_what_she_gets(
    owner: FlaskClient, shop_loyalty: Loyalty
) -> None:
    make_offer(shop_loyalty, name="Welcome")
    make_offer(
        shop_loyalty,
        name="We miss you",
        trigger=om.WIN_BACK,
        trigger_n=180,
        benefit=om.FREE_SHIPPING,
        starts_on=date(2026, 3, 1),
        ends_on=date(2026, 12, 31),
    )
    make_offer(
        shop_loyalty, name="Card", trigger=om.STAMP_CARD, trigger_n=9, active=False
    )
    html = owner.get("/loyalty/owner/offers/").get_data(as_text=True)
    assert "After her first order" in html
    assert "After 180 days without an order" in html
    assert "Stamp card: after 9 orders, the next one free" in html
    assert "20% off" in html and "Free shipping" in html
    assert "Mar 1\u2009–\u2009Dec 31, 2026" in html  # the last day, not the day after
    assert html.count('class="badge active"') == 2
    assert '<span class="badge paused">Paused</span>' in html
    assert "no end date" in html
    # The stacked cards label each cell with its column.
    assert 'data-label="She gets"' in html


def test_the_list_is_in_the_owners_language(
    owner: FlaskClient, shop_loyalty: Loyalty
) -> None:
    make_offer(
        shop_loyalty,
        trigger=om.WIN_BACK,
        trigger_n=90,
        starts_on=date(2026, 3, 1),
        ends_on=date(2026, 12, 31),
    )
    html = owner.get(
        "/loyalty/owner/offers/", headers={"Accept-Language": "hu"}
    ).get_data(as_text=True)
    assert "After 90 days" not in html
    assert "2026. márc. 1.\u2009–\u2009dec. 31." in html


@pytest.mark.browser
@pytest.mark.parametrize("width", [1280, 390])
def test_the_name_gets_the_room_and_nothing_scrolls_sideways(
    make_app: t.Callable[..., Flask], live_server: t.Any, browser: t.Any, width: int
) -> None:
    app, loyalty = owner_shop(make_app)
    with app.app_context():
        make_offer(loyalty, name=LONG_NAME, trigger=om.NTH_PURCHASE, trigger_n=2)
        make_offer(loyalty, name="Birthday", trigger=om.BIRTHDAY)
    base = live_server(app)
    context = browser.new_context(
        viewport={"width": width, "height": 800}, java_script_enabled=False
    )
    try:
        page = context.new_page()
        page.goto(f"{base}/loyalty/owner/offers/")
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        name = page.get_by_role("link", name=LONG_NAME).bounding_box()
        row = page.get_by_role("row", name=LONG_NAME).bounding_box()
        assert name is not None and row is not None
        line = 30  # px: one line of the name
        if width == 1280:
            # A table: the name runs on at most two lines, and it has the
            # widest column.
            assert name["height"] <= 2 * line
            header = page.locator("thead th").first.bounding_box()
            widths = [
                page.locator("thead th").nth(i).bounding_box()["width"]
                for i in range(7)
            ]
            assert header is not None and header["width"] == max(widths)
        else:
            # A card as wide as the page, the column names beside the values.
            assert row["width"] > width * 0.85
            assert page.locator("thead").bounding_box()["height"] <= 1
            card = page.get_by_role("row", name=LONG_NAME)
            assert "With her order number 2" in card.inner_text()
            assert (
                page.evaluate(
                    "getComputedStyle(document.querySelector('tbody td'),"
                    " '::before').content"
                )
                == '"Status"'
            )
    finally:
        context.close()
