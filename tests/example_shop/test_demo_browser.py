"""The demo in headless Chromium: browse, add to cart, check out; fits a phone."""

from __future__ import annotations

import re
import typing as t

import pytest
import sqlalchemy as sa
from flask import Flask

from example_shop import db
from flask_loyalty.models import Order

pytestmark = pytest.mark.browser


def test_guest_buys_a_ring(
    shop_app: Flask, live_server: t.Callable[[Flask], str], page: t.Any
) -> None:
    base_url = live_server(shop_app)
    page.goto(f"{base_url}/")
    assert page.locator(".product-card").count() == 12

    page.get_by_role("link", name="Rings", exact=True).click()
    assert page.locator(".product-card").count() == 4
    page.locator(".product-card", has_text="Moonstone Halo Ring").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Moonstone Halo Ring"
    assert page.locator("img.product-image").evaluate("img => img.naturalWidth") > 0

    page.get_by_label("Quantity").fill("2")
    page.get_by_role("button", name="Add to cart").click()
    assert page.url == f"{base_url}/cart"
    assert page.locator(".main-nav .count").inner_text() == "2"
    assert "€128.00" in page.locator(".totals").inner_text()

    page.get_by_role("link", name="Check out").click()
    page.get_by_label("Your name").fill("Zsófia Nagy")
    page.get_by_label("Email").fill("zsofia@example.com")
    page.get_by_role("button", name=re.compile("Place order")).click()

    assert re.search(r"/orders/SF-\d{5}$", page.url)
    assert page.get_by_role("heading", level=1).inner_text() == "Thank you, Zsófia!"
    number = page.url.rsplit("/", 1)[1]
    page.get_by_role("link", name="See your rewards").click()
    assert page.url == f"{base_url}/loyalty/"

    with shop_app.app_context():
        order = db.session.scalar(sa.select(Order).where(Order.reference == number))
        assert order is not None and order.customer.email == "zsofia@example.com"
        assert [(i.sku, i.quantity) for i in order.items] == [("RNG-MOON", 2)]


@pytest.mark.parametrize("path", ["/", "/products/amber-bead-necklace", "/cart"])
def test_pages_fit_a_phone(
    shop_app: Flask, live_server: t.Callable[[Flask], str], page: t.Any, path: str
) -> None:
    base_url = live_server(shop_app)
    page.set_viewport_size({"width": 390, "height": 844})
    if path == "/cart":
        page.goto(f"{base_url}/products/pebble-hoop-earrings")
        page.get_by_role("button", name="Add to cart").click()
    page.goto(f"{base_url}{path}")
    page.wait_for_load_state("load")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert page.get_by_role("link", name="Your rewards", exact=True).is_visible()


SHOP_WORDS = {
    "et": ("Eesti", "Ostukorv", "Käsitsi valmistatud ehted"),
    "el": ("Ελληνικά", "Καλάθι", "Χειροποίητα κοσμήματα"),
    "hu": ("Magyar", "Kosár", "Kézzel készült ékszerek"),
    "tl": ("Tagalog", "Cart", "Gawang-kamay na alahas"),
}


@pytest.mark.parametrize("code", sorted(SHOP_WORDS))
def test_the_switch_turns_the_whole_shop_into_her_language(
    shop_app: Flask, live_server: t.Callable[[Flask], str], browser: t.Any, code: str
) -> None:
    """On a phone, without JavaScript: the switch in the shop's own header puts the
    catalogue, the header and her rewards page in the language she picked."""
    base_url = live_server(shop_app)
    context = browser.new_context(
        viewport={"width": 390, "height": 844},
        java_script_enabled=False,
        locale="en-GB",
    )
    page = context.new_page()
    try:
        page.goto(f"{base_url}/")
        language, cart, title = SHOP_WORDS[code]
        page.get_by_role("button", name=language).click()
        page.wait_for_load_state("load")
        assert page.url == f"{base_url}/"
        assert page.locator("html").get_attribute("lang") == code
        assert page.title().startswith(title)
        nav = page.locator(".main-nav").inner_text()
        assert cart in nav and "Your rewards" not in nav
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        page.goto(f"{base_url}/loyalty/")
        assert page.locator("html").get_attribute("lang") == code
    finally:
        context.close()
