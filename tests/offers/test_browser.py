"""In a real browser, on a desktop and a phone, with and without JavaScript:
Maria writes the first-purchase offer in steps, is told what is wrong, previews
the email, saves it; Anna's first order then brings it."""

from __future__ import annotations

import typing as t

import pytest
import sqlalchemy as sa
from flask import Flask

from flask_loyalty.models import Offer
from flask_loyalty.models import OutboxMessage
from flask_loyalty.offers.messages import mail_due_offers

from .conftest import CATALOG
from .conftest import buy

SUBJECT = "A gift for you, {{ first_name or 'friend' }}"
MESSAGE = "Dear ,\n\nthank you! Here is **{{ offer }}**: {{ code }}"
FALLBACK = '{{ first_name or "friend" }}'


def fits(page: t.Any, width: int) -> None:
    """Nothing on the page scrolls sideways."""
    assert page.evaluate("document.documentElement.scrollWidth") <= width


@pytest.mark.browser
@pytest.mark.parametrize("script", [True, False], ids=["js", "no-js"])
@pytest.mark.parametrize("width", [1280, 390])
def test_the_owner_writes_an_offer_in_steps(
    make_app: t.Callable[..., Flask],
    live_server: t.Any,
    browser: t.Any,
    width: int,
    script: bool,
) -> None:
    app = make_app(SERVER_NAME=None)
    loyalty = app.extensions["loyalty"].extension
    loyalty.catalog_loader(lambda: CATALOG)
    loyalty.owner_check(lambda: True)
    base = live_server(app)
    context = browser.new_context(
        viewport={"width": width, "height": 800}, java_script_enabled=script
    )
    page = context.new_page()
    try:
        page.goto(f"{base}/loyalty/owner/offers/")
        page.get_by_role("link", name="New offer").click()

        # 1: when it is given; 2: what she gets.
        page.wait_for_selector("text=When is it given?")
        fits(page, width)
        page.get_by_label("Birthday").check()
        page.get_by_role("button", name="Next").click()
        page.wait_for_selector("text=What does she get?")
        page.get_by_role(
            "link", name="Back", exact=True
        ).click()  # she changes her mind
        page.get_by_label("First purchase").check()
        page.get_by_role("button", name="Next").click()
        page.check("input[name=benefit][value=percent]")
        fits(page, width)
        page.get_by_role("button", name="Next").click()

        # 3: only the fields of a percent off, for a first purchase.
        page.wait_for_selector("text=Details and message")
        assert page.locator("input[name=amount], input[name=sku]").count() == 0
        assert page.locator("input[name=trigger_n]").count() == 0
        fits(page, width)
        page.fill("input[name=name]", "Thank you for your first order")
        page.fill("input[name=percent]", "120")
        page.fill("input[name=subject]", SUBJECT)
        page.fill("textarea[name=message]", MESSAGE)
        page.get_by_role("button", name="Save the offer").click()
        page.wait_for_selector("text=A percent must be from 0 to 100.")
        assert "Nothing was saved." in page.content()
        assert page.locator("input[name=amount]").count() == 0

        page.fill("input[name=percent]", "20")
        insert = page.locator(f"button[data-insert='{FALLBACK}']")
        message = page.locator("textarea[name=message]")
        frame = page.frame_locator("#preview iframe.preview")
        if script:
            # The field goes in at the cursor; the preview follows the text.
            message.evaluate("m => { m.focus(); m.setSelectionRange(5, 5); }")
            insert.click()
            assert message.input_value().startswith(f"Dear {FALLBACK},")
            frame.get_by_text("Dear Anna,").wait_for()
            page.select_option("select[name=preview_sample]", "unnamed")
            page.frame_locator("#preview iframe.preview").get_by_text(
                "Dear friend,"
            ).wait_for()
        else:
            # The list says what to type; the button posts for a preview.
            assert not insert.is_visible()
            assert FALLBACK in page.locator(".personal-fields").inner_text()
            message.fill(MESSAGE.replace("Dear ,", f"Dear {FALLBACK},"))
            page.get_by_role("button", name="Preview the email").click()
            page.wait_for_selector("text=Preview (not saved)")
            frame.get_by_text("Dear Anna,").wait_for()
        assert "20% off" in frame.locator("body").inner_text()
        fits(page, width)
        with app.app_context():
            count = sa.select(sa.func.count(Offer.id))
            assert loyalty.state.session.scalar(count) == 0

        page.get_by_role("button", name="Save the offer").click()
        page.wait_for_selector("text=is saved")
        page.get_by_role("link", name="All offers").click()
        row = page.get_by_role("row", name="Thank you for your first order")
        assert "20% off" in row.inner_text()
        assert "After her first order" in row.inner_text()
        fits(page, width)

        with app.app_context():
            buy(loyalty, "SF-1", "RNG-FERN")
            mail_due_offers(loyalty.state)  # the worker writes the offer's email
            mail = loyalty.state.session.scalars(
                sa.select(OutboxMessage).where(OutboxMessage.kind == "offer")
            ).one()
            assert mail.subject == "A gift for you, Anna"
            assert "Dear Anna," in mail.text_body

        page.reload()
        row.get_by_role("button", name="Pause").click()
        page.wait_for_selector("text=The offer is paused: it gives no new codes.")
        page.get_by_role("link", name="Report").first.click()
        page.wait_for_selector("text=redemption rate")
        assert "Fern Frond Pendant" in page.content()
    finally:
        context.close()
