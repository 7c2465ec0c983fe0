"""The owner area's layout: the shop's name and a language menu in the header, a
side navigation grouped by task that folds into a menu on a phone, all without
JavaScript."""

from __future__ import annotations

import re
import typing as t

import pytest
from flask import Flask
from flask.testing import FlaskClient

from flask_loyalty import Loyalty
from flask_loyalty.static_views import OWNER_STYLESHEET

GROUPS = [
    ("Customers", ["Customers", "Points"]),
    ("Newsletter and journeys", ["Newsletter", "Journeys"]),
    ("Offers and segments", ["Offers", "Segments", "Bought together"]),
    ("Returns and policies", ["Policies", "Returns"]),
    ("Mail", ["Outbox", "Deliverability"]),
]


def between(html: str, start: str, end: str) -> str:
    return html.split(start, 1)[1].split(end, 1)[0]


def navigation(nav: str) -> list[tuple[str, list[str]]]:
    """``[(group heading, [link labels])]`` of a navigation's HTML."""
    groups = []
    for part in nav.split("<h2>")[1:]:
        heading, rest = part.split("</h2>", 1)
        groups.append((heading, re.findall(r"<a [^>]*>([^<]+)</a>", rest)))
    return groups


@pytest.fixture
def owner(loyalty: Loyalty) -> Loyalty:
    loyalty.owner_check(lambda: True)
    return loyalty


def test_the_side_navigation_is_grouped_by_task(
    owner: Loyalty, client: FlaskClient
) -> None:
    html = client.get("/loyalty/owner/offers/").get_data(as_text=True)
    side = between(html, '<nav class="owner-side"', "</nav>")
    assert re.search(r'<a class="top" href="/loyalty/owner/">Overview</a>', side)
    assert navigation(side) == GROUPS
    assert re.findall(r'aria-current="page">([^<]+)<', side) == ["Offers"]


def test_on_a_phone_the_same_links_fold_into_a_menu(
    owner: Loyalty, client: FlaskClient
) -> None:
    html = client.get("/loyalty/owner/segments/").get_data(as_text=True)
    menu = between(html, '<details class="owner-menu">', "</details>")
    # the closed menu names the section the owner is in
    assert re.search(r"<summary>.*Menu: </span>Segments</summary>", menu)
    assert navigation(menu) == GROUPS
    side = between(html, '<nav class="owner-side"', "</nav>")
    assert between(menu, "<nav", "</nav>").split(">", 1)[1] == side.split(">", 1)[1]


def test_the_header_names_the_shop_and_offers_the_languages(
    owner: Loyalty, client: FlaskClient
) -> None:
    html = client.get("/loyalty/owner/").get_data(as_text=True)
    header = between(html, '<header class="owner-header">', "</header>")
    assert '<span translate="no">shop</span>' in header
    assert 'href="/">Back to the shop</a>' in header
    languages = between(header, '<details class="owner-languages">', "</details>")
    assert re.search(r'<summary>.*<span translate="no">English</span>', languages)
    for name in ("English", "Eesti", "Ελληνικά", "Magyar", "Tagalog"):
        assert f">{name}</button>" in languages
    assert "<script" not in html


def test_the_owner_area_is_in_the_owners_language(
    owner: Loyalty, client: FlaskClient
) -> None:
    html = client.get("/loyalty/owner/", headers={"Accept-Language": "hu"}).get_data(
        as_text=True
    )
    assert '<html lang="hu">' in html
    side = between(html, '<nav class="owner-side"', "</nav>")
    headings = [heading for heading, _links in navigation(side)]
    assert "Customers" not in headings and "Mail" not in headings
    assert '<span translate="no">Magyar</span></summary>' in html


def test_owner_pages_link_their_own_stylesheet_and_shop_pages_do_not(
    owner: Loyalty, client: FlaskClient
) -> None:
    html = client.get("/loyalty/owner/").get_data(as_text=True)
    links = re.findall(r'<link rel="stylesheet" href="([^"]+)">', html)
    assert [link.split("?")[0] for link in links] == [
        "/loyalty/assets/loyalty.css",
        "/loyalty/assets/loyalty-owner.css",
    ]
    response = client.get(links[1])
    assert response.status_code == 200
    assert response.mimetype == "text/css"
    assert response.data == OWNER_STYLESHEET
    assert response.cache_control.immutable
    again = client.get(links[1], headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304
    account = client.get("/loyalty/").get_data(as_text=True)
    assert "loyalty-owner.css" not in account


@pytest.mark.browser
@pytest.mark.parametrize(("width", "phone"), [(1280, False), (390, True)])
def test_the_layout_works_without_javascript_on_a_desktop_and_a_phone(
    make_app: t.Callable[..., Flask],
    live_server: t.Any,
    browser: t.Any,
    width: int,
    phone: bool,
) -> None:
    app = make_app(SERVER_NAME=None, LOYALTY_SHOP_NAME="Silver Fern Jewellery")
    app.extensions["loyalty"].extension.owner_check(lambda: True)
    base = live_server(app)
    context = browser.new_context(
        viewport={"width": width, "height": 800}, java_script_enabled=False
    )
    try:
        page = context.new_page()
        page.goto(f"{base}/loyalty/owner/")
        page_width = page.evaluate("document.documentElement.scrollWidth")
        assert page_width <= width  # nothing sticks out sideways
        main = page.locator("main").bounding_box()
        side = page.locator("nav.owner-side")
        if phone:
            assert not side.is_visible()
            assert main["width"] >= width - 10
            offers = page.locator(".owner-menu nav").get_by_role("link", name="Offers")
            assert not offers.is_visible()
            page.locator(".owner-menu summary").click()
        else:
            assert side.is_visible()
            assert not page.locator(".owner-menu").is_visible()
            assert main["x"] + main["width"] >= width - 10  # the full width
            offers = side.get_by_role("link", name="Offers")
        offers.click()
        page.wait_for_url(f"{base}/loyalty/owner/offers/")
        page.locator(".owner-languages summary").click()
        menu = page.locator(".owner-languages form").bounding_box()
        assert menu["x"] >= 0 and menu["x"] + menu["width"] <= width  # on screen
        with page.expect_navigation():
            page.get_by_role("button", name="Magyar").click()
        assert page.url == f"{base}/loyalty/owner/offers/"
        assert page.locator("html").get_attribute("lang") == "hu"
        summary = page.locator(".owner-languages summary").inner_text()
        assert summary.split() == ["Nyelv:", "Magyar"]
    finally:
        context.close()


@pytest.mark.browser
def test_no_owner_page_scrolls_sideways_on_a_phone(
    make_app: t.Callable[..., Flask], live_server: t.Any, page: t.Any
) -> None:
    """Every owner page without an id in its address, at 375 px: a long option in
    a select or a wide fieldset must not push the page wider than the screen."""
    app = make_app(SERVER_NAME=None)
    app.extensions["loyalty"].extension.owner_check(lambda: True)
    base = live_server(app)
    paths = sorted(
        {
            rule.rule
            for rule in app.url_map.iter_rules()
            if rule.rule.startswith("/loyalty/owner")
            and "<" not in rule.rule
            and "GET" in (rule.methods or ())
            and not rule.rule.endswith((".csv", ".json"))
        }
    )
    assert len(paths) > 10
    page.set_viewport_size({"width": 375, "height": 740})
    wide = {}
    for path in paths:
        page.goto(f"{base}{path}")
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > 375:
            wide[path] = width
    assert not wide
