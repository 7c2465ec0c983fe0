"""The owner's page of products bought together: the pairs with their customers
and lift, best first; 403 to anyone else; readable on a phone."""

from __future__ import annotations

import html as html_text
import re
import typing as t
from decimal import Decimal

import pytest
from flask import Flask

from flask_loyalty import CatalogProduct
from flask_loyalty import Loyalty
from tests.owner.test_layout import between
from tests.owner.test_layout import navigation

from .conftest import buy

PAGE = "/loyalty/owner/bought-together/"
LONG = "Hand-Forged Sterling Silver Fern Frond Pendant On An Adjustable Chain"
CATALOG = [
    CatalogProduct("RING", "Fern <b>Leaf</b> Ring", Decimal("38.00"), "rings"),
    CatalogProduct("PEND", LONG, Decimal("46.00"), "necklaces"),
    CatalogProduct("STUD", "Fern Sprig Studs", Decimal("29.00"), "earrings"),
]
BASKETS = [["RING", "PEND"]] * 6 + [["RING", "STUD"]] * 5 + [["STUD"]] * 4
BASKETS += [["STUD", "MUG"]]
"""N = 16 customers; n(RING) = 11, n(PEND) = 6, n(STUD) = 10, n(MUG) = 1.
RING + PEND: 6 customers, lift 6 * 16 / (11 * 6) = 1.45; STUD + MUG: 1, lift
16 / 10 = 1.6; RING + STUD: 5, lift 5 * 16 / (11 * 10) = 0.73, below chance."""


def make_shop(make_app: t.Callable[..., Flask], **config: t.Any) -> Flask:
    app = make_app(**config)
    loyalty = t.cast(Loyalty, app.extensions["loyalty"].extension)
    loyalty.catalog_loader(lambda: CATALOG)
    with app.app_context():
        for n, skus in enumerate(BASKETS):
            buy(loyalty, f"O-{n}", f"c{n}@example.com", *skus)
    return app


def owner(app: Flask, is_owner: bool = True) -> Flask:
    app.extensions["loyalty"].extension.owner_check(lambda: is_owner)
    return app


def rows(html: str) -> list[list[str]]:
    """The table's cells as text."""
    body = between(html, "<tbody>", "</tbody>")
    return [
        [
            html_text.unescape(" ".join(re.sub(r"<[^>]+>", " ", cell).split()))
            for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        ]
        for row in body.split("<tr>")[1:]
    ]


def test_others_get_403(make_app: t.Callable[..., Flask]) -> None:
    shop = make_shop(make_app)
    client = shop.test_client()
    assert client.get(PAGE).status_code == 403  # no owner_check
    owner(shop, is_owner=False)
    assert client.get(PAGE).status_code == 403
    assert client.head(PAGE).status_code == 403


def test_the_owner_sees_the_pairs_with_customers_and_lift(
    make_app: t.Callable[..., Flask],
) -> None:
    response = owner(make_shop(make_app)).test_client().get(PAGE)
    assert response.status_code == 200
    html = response.get_data(as_text=True)

    side = between(html, '<nav class="owner-side"', "</nav>")
    group = ("Offers and segments", ["Offers", "Segments", "Bought together"])
    assert group in navigation(side)
    assert re.findall(r'aria-current="page">([^<]+)<', side) == ["Bought together"]
    assert "16 customers have bought something so far." in html
    assert "A pair shows once 5 customers have bought both." in html
    # STUD + MUG has one customer, RING + STUD a lift below 1.
    assert rows(html) == [[f"{LONG} PEND + Fern <b>Leaf</b> Ring RING", "6", "1.5×"]]
    assert "Fern &lt;b&gt;Leaf&lt;/b&gt; Ring" in html  # the shop's text, escaped


def test_pairs_page_by_lift(make_app: t.Callable[..., Flask]) -> None:
    shop = make_shop(
        make_app, LOYALTY_SUGGESTION_MIN_CUSTOMERS=1, LOYALTY_OWNER_PAGE_SIZE=1
    )
    client = owner(shop).test_client()
    first = client.get(PAGE).get_data(as_text=True)
    second = client.get(f"{PAGE}?page=2").get_data(as_text=True)

    assert rows(first) == [["MUG + Fern Sprig Studs STUD", "1", "1.6×"]]  # MUG: no name
    assert f'href="{PAGE}?page=2"' in first and "?page=1" not in first
    assert rows(second) == [[f"{LONG} PEND + Fern <b>Leaf</b> Ring RING", "6", "1.5×"]]
    assert f'href="{PAGE}?page=1"' in second


def test_a_new_shop_says_suggestions_follow_the_catalogue(
    make_app: t.Callable[..., Flask],
) -> None:
    app = owner(make_app())
    html = app.test_client().get(PAGE).get_data(as_text=True)
    assert "0 customers have bought something so far." in html
    assert "No pair has enough customers yet." in html
    assert "<table>" not in html


@pytest.mark.browser
def test_the_page_is_readable_on_a_phone(
    make_app: t.Callable[..., Flask], live_server: t.Any, page: t.Any
) -> None:
    base = live_server(owner(make_shop(make_app, SERVER_NAME=None)))
    page.set_viewport_size({"width": 390, "height": 800})
    page.goto(f"{base}{PAGE}")

    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    table = page.locator("main table").bounding_box()
    assert table["x"] >= 0 and table["x"] + table["width"] <= 390
    assert page.get_by_role("cell", name="1.5×").is_visible()
    assert page.get_by_text(LONG).is_visible()


def test_the_page_in_the_owners_language(make_app: t.Callable[..., Flask]) -> None:
    client = owner(make_shop(make_app)).test_client()
    html = client.get(PAGE, headers={"Accept-Language": "et"}).get_data(as_text=True)

    assert "<h1>Koos ostetud</h1>" in html
    assert "16 klienti on seni midagi ostnud." in html
    assert "Paar kuvatakse, kui mõlemat on ostnud 5 klienti." in html
    assert '<th class="num">Juhusest sagedamini</th>' in html
    assert "1,5×" in html  # the lift in Estonian figures
