"""In a real browser: a guest who bought twice signs in by the emailed link, sees
her points and tier, and turns points into a code on her points page (both pages
fit a phone); the owner adjusts her points."""

from __future__ import annotations

import dataclasses
import re
import typing as t
from decimal import Decimal

import pytest
from flask import Flask


@pytest.mark.browser
def test_points_demo_in_a_browser(
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
    )
    loyalty = app.extensions["loyalty"].extension
    with app.app_context():
        for ref in ("SF-1", "SF-2"):
            loyalty.record_order(
                ref, email="anna@example.com", name="Anna Tamm", total=Decimal("60.00")
            )
    base = live_server(app)
    state = app.extensions["loyalty"]
    state.settings = dataclasses.replace(state.settings, base_url=base)

    page.goto(f"{base}/loyalty/")
    page.fill("input[name=email]", "anna@example.com")
    page.click("button[type=submit]")
    page.wait_for_url("**/loyalty/sign-in/sent")
    result = app.test_cli_runner().invoke(args=["loyalty", "worker", "--once"])
    assert result.exit_code == 0, result.output
    [mail] = smtp_server.wait_for(1)
    link = re.search(
        r"(http://\S+/loyalty/sign-in/\S+)", mail.get_body(("plain",)).get_content()
    )
    assert link
    page.goto(link.group(1))
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.get_by_role("heading", name="Hello, Anna").wait_for()
    points = page.locator("#loyalty-points")
    assert "600 points" in points.inner_text()
    assert "Your tier: Basic" in points.inner_text()

    page.get_by_role("link", name="Use my points").click()
    page.get_by_role("heading", name="Your points", exact=True).wait_for()
    assert "Order SF-1" in page.locator("#points-history").inner_text()
    page.fill("input[name=points]", "500")
    page.get_by_role("button", name="Get my code").click()
    page.wait_for_selector("text=Your discount code is")
    code = re.search(r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{2}", points.inner_text())
    assert code
    assert "100 points" in points.inner_text()
    page.set_viewport_size({"width": 390, "height": 844})  # a phone
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.get_by_role("link", name="Your account").click()
    page.get_by_role("heading", name="Hello, Anna").wait_for()
    assert code.group(0) in points.inner_text()  # her open codes, on both pages
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    loyalty.owner_check(lambda: True)
    page.goto(f"{base}/loyalty/owner/points")
    page.get_by_role("link", name="Anna Tamm").click()
    page.fill("input[name=points]", "50")
    page.fill("input[name=reason]", "A chipped cup")
    page.get_by_role("button", name="Adjust").click()
    page.wait_for_selector("text=The points were adjusted.")
    assert "A chipped cup" in page.content()
