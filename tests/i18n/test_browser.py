"""In a real browser: she switches her account page to Greek and sees Greek words,
amounts and dates; a visitor who subscribes in Hungarian gets her confirmation, by
a real SMTP server, in Hungarian."""

from __future__ import annotations

import dataclasses
import typing as t
from decimal import Decimal

import pytest
from flask import Flask

from flask_loyalty.testing import sign_in


@pytest.mark.browser
def test_languages_in_a_browser(
    make_app: t.Callable[..., Flask],
    smtp_server: t.Any,
    live_server: t.Any,
    page: t.Any,
) -> None:
    app = make_app(
        SERVER_NAME=None,
        LOYALTY_MAIL_DELIVERY="smtp",
        MAIL_SERVER=smtp_server.host,
        MAIL_PORT=smtp_server.port,
        MAIL_SUPPRESS_SEND=False,
        LOYALTY_SHOP_NAME="Silver Fern",
    )
    loyalty = app.extensions["loyalty"].extension
    with app.app_context():
        loyalty.record_order(
            "SF-1", email="anna@example.com", name="Anna Tamm", total=Decimal("1234.50")
        )
    base = live_server(app)
    state = app.extensions["loyalty"]
    state.settings = dataclasses.replace(state.settings, base_url=base)

    # Sign her in in the browser's session (the emailed link is tested elsewhere).
    client = app.test_client()
    sign_in(client, "anna@example.com")
    cookie = client.get_cookie("session")
    assert cookie is not None
    page.context.add_cookies([{"name": "session", "value": cookie.value, "url": base}])

    page.goto(f"{base}/loyalty/")
    page.get_by_role("heading", name="Hello, Anna").wait_for()
    assert page.locator("html").get_attribute("lang") == "en"
    page.get_by_role("button", name="Ελληνικά").click()
    page.get_by_role("heading", name="Γεια σας, Anna").wait_for()
    assert page.locator("html").get_attribute("lang") == "el"
    orders = page.locator("#orders-heading + p + table").inner_text()
    assert "1.234,50\xa0€" in orders
    assert "2 Μαρ 2026" in orders
    points = page.locator("#loyalty-points").inner_text()
    assert "Οι πόντοι σας" in points and "πόντοι" in points
    page.goto(f"{base}/loyalty/newsletter")
    assert page.locator("h1").inner_text() == "Το ενημερωτικό μας δελτίο"

    # A visitor in a fresh browser context chooses Magyar and subscribes.
    visitor = page.context.browser.new_page()
    try:
        visitor.goto(f"{base}/loyalty/newsletter")
        visitor.get_by_role("button", name="Magyar").click()
        visitor.locator("h1", has_text="Hírlevelünk").wait_for()
        visitor.fill("input[name=email]", "eszter@example.hu")
        visitor.check("input[name=consent]")
        visitor.get_by_role("button", name="Feliratkozás").click()
        visitor.wait_for_url("**/loyalty/newsletter/check-inbox")
        assert visitor.locator("h1").inner_text() == "Nézze meg a postafiókját"
    finally:
        visitor.close()
    result = app.test_cli_runner().invoke(args=["loyalty", "worker", "--once"])
    assert result.exit_code == 0, result.output
    [message] = smtp_server.wait_for(1)
    assert message["Subject"] == "Kérjük, erősítse meg feliratkozását: Silver Fern"
    text = message.get_body(("plain",)).get_content()
    assert "A link 7 napig érvényes." in text
