"""In a real browser: a guest goes from the returns page to a submitted request in
three pages (counted), follows its status; the owner approves, receives and
refunds it, and the points of the returned piece go back."""

from __future__ import annotations

import typing as t
from datetime import timedelta
from decimal import Decimal

import pytest
from flask import Flask

from flask_loyalty import OrderLine
from flask_loyalty.customers.service import find_customer
from flask_loyalty.points import ledger

MAX_PAGES = 3


def balance(app: Flask) -> int:
    with app.app_context():
        session = app.extensions["loyalty"].session
        customer = find_customer(session, "mari@example.com")
        assert customer is not None
        return ledger.balance(session, customer.id)


@pytest.mark.browser
def test_from_the_returns_page_to_a_refund_in_a_browser(
    make_app: t.Callable[..., Flask], live_server: t.Any, page: t.Any
) -> None:
    app = make_app(SERVER_NAME=None)
    loyalty = app.extensions["loyalty"].extension
    with app.app_context():
        loyalty.record_order(
            "SF-10007",
            email="mari@example.com",
            name="Mari Kask",
            total=Decimal("84.00"),
            items=[
                OrderLine("RNG-MOON", "Moonstone halo ring", 1, Decimal("54.00")),
                OrderLine("EAR-TIDE", "Sea-glass drops", 1, Decimal("30.00")),
            ],
            placed_at=loyalty.state.now() - timedelta(days=12),
        )
    before = balance(app)
    base = live_server(app)
    shown: list[str] = []  # every page the browser showed (redirects not counted)
    page.on(
        "response",
        lambda r: (
            shown.append(r.url)
            if r.request.resource_type == "document" and not 300 <= r.status < 400
            else None
        ),
    )

    page.goto(f"{base}/loyalty/policies/returns")
    page.get_by_role("heading", name="Returns in short").wait_for()
    page.fill("input[name=order_number]", "SF-10007")
    page.fill("input[name=email]", "Mari@Example.com")
    page.get_by_role("button", name="Find my order").click()
    page.get_by_role("heading", name="Return items of order SF-10007").wait_for()
    page.get_by_label("Moonstone halo ring").fill("1")
    page.get_by_label("Sea-glass drops").fill("0")
    page.get_by_label("It does not fit").check()
    page.get_by_role("button", name="Send my return request").click()
    page.wait_for_selector("#return-status")
    assert len(shown) <= MAX_PAGES, shown
    assert len(shown) == 3
    print(f"\npages from the returns page to a submitted request: {len(shown)}")
    status_url = page.url
    number = page.locator("h1").inner_text().removeprefix("Return ")
    assert page.locator("#return-status").inner_text() == "requested"

    page.get_by_role("link", name="Printable instructions").click()
    assert number in page.locator(".number").inner_text()
    assert "Moonstone halo ring" in page.content()

    loyalty.owner_check(lambda: True)
    page.goto(f"{base}/loyalty/owner/returns/")
    page.get_by_role("link", name=number).click()
    page.fill("textarea[name=message]", "Thank you, Mari. Send it when you can.")
    page.get_by_role("button", name="Approve").click()
    page.wait_for_selector("text=The return is approved")
    page.get_by_role("button", name="The parcel arrived").click()
    page.wait_for_selector("text=The parcel is marked received.")
    page.get_by_role("button", name="Refund the items").click()
    page.wait_for_selector("text=The refund is recorded")
    assert page.locator("#return-status").inner_text() == "refunded"
    assert balance(app) == before - 270  # 54.00 at 5 points per euro

    page.goto(status_url)
    assert page.locator("#return-status").inner_text() == "refunded"
    assert "Thank you, Mari. Send it when you can." in page.content()


@pytest.mark.browser
def test_the_return_pages_fit_a_phone(
    make_app: t.Callable[..., Flask], live_server: t.Any, browser: t.Any
) -> None:
    app = make_app(SERVER_NAME=None)
    base = live_server(app)
    context = browser.new_context(viewport={"width": 360, "height": 740})
    try:
        phone = context.new_page()
        phone.goto(f"{base}/loyalty/policies/returns")
        width = phone.evaluate("document.documentElement.scrollWidth")
        assert width <= 360
        assert phone.get_by_role("button", name="Find my order").is_visible()
    finally:
        context.close()
