"""The demo's own data speaks the visitor's language (issue 20): a visitor who
reads Estonian, Greek, Hungarian or Tagalog walks from the catalogue to her
returns form and meets no English product name, material, description or
collection, nor the return rules' English category."""

from __future__ import annotations

import html as htmllib
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_babel import force_locale

from example_shop.catalog import CATEGORIES
from example_shop.catalog import COLLECTION_NAMES
from example_shop.catalog import PRODUCTS
from flask_loyalty.testing import sign_in

from .conftest import csrf_token
from .conftest import post_form

BOUGHT = ("RNG-MOON", "EAR-AMBR")


def english_words(app: Flask) -> set[str]:
    """The catalogue's English texts, and the demo's non-returnable category."""
    with app.test_request_context(), force_locale("en"):
        words = {str(name) for name in COLLECTION_NAMES.values()}
        for product in PRODUCTS:
            words |= {str(product.name), str(product.material)}
            words.add(str(product.description))
    return words | {"custom-made"}


def visible(client: FlaskClient, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return htmllib.unescape(response.get_data(as_text=True))


@pytest.mark.parametrize("code", ["et", "el", "hu", "tl"])
def test_the_demo_catalogue_has_no_english_in_her_language(
    shop_app: Flask, shop_client: FlaskClient, code: str
) -> None:
    demo = shop_app.test_cli_runner().invoke(args=["shop", "init-demo"])
    assert demo.exit_code == 0, demo.output
    english = english_words(shop_app)
    switched = post_form(shop_client, "/", "/loyalty/language", {"language": code})
    assert switched.status_code == 303

    pages = {"/": visible(shop_client, "/")}
    for category in CATEGORIES:
        url = f"/?category={category}"
        pages[url] = visible(shop_client, url)
    for product in PRODUCTS:
        url = f"/products/{product.slug}"
        pages[url] = visible(shop_client, url)
    for sku in BOUGHT:
        slug = next(p.slug for p in PRODUCTS if p.sku == sku)
        added = post_form(
            shop_client, f"/products/{slug}", "/cart/add", {"sku": sku, "quantity": 1}
        )
        assert added.status_code == 302
    pages["/cart"] = visible(shop_client, "/cart")
    pages["/checkout"] = visible(shop_client, "/checkout")
    email = f"reader-{code}@example.com"
    placed = shop_client.post(
        "/checkout",
        data={
            "csrf_token": csrf_token(pages["/checkout"]),
            "name": "Reader",
            "email": email,
        },
    )
    assert placed.status_code == 302, placed.get_data(as_text=True)
    number = placed.headers["Location"].rsplit("/", 1)[-1]
    pages["confirmation"] = visible(shop_client, placed.headers["Location"])

    sign_in(shop_client, email)
    pages["account"] = visible(shop_client, "/loyalty/")
    returns = visible(shop_client, "/loyalty/policies/returns")
    pages["returns policy"] = returns
    found = shop_client.post(
        "/loyalty/returns/start",
        data={
            "csrf_token": csrf_token(returns),
            "order_number": number,
            "email": email,
        },
    )
    assert found.status_code == 302, found.get_data(as_text=True)
    pages["returns form"] = visible(shop_client, found.headers["Location"])

    for url, html in pages.items():
        assert re.search(r'<html lang="([^"]+)"', html).group(1) == code, url
        left = sorted(word for word in english if word in html)
        assert left == [], (url, left)
    bought = [p for p in PRODUCTS if p.sku in BOUGHT]
    with shop_app.test_request_context(), force_locale(code):
        names = [str(p.name) for p in bought]
    for url in ("/cart", "confirmation", "account", "returns form"):
        assert all(name in pages[url] for name in names), url
