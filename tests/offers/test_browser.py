"""In a real browser: Maria writes the first-purchase offer, is told what is wrong,
previews the email, saves it; Anna's first order then brings it."""

from __future__ import annotations

import typing as t

import pytest
import sqlalchemy as sa
from flask import Flask

from flask_loyalty.models import Offer
from flask_loyalty.models import OutboxMessage
from flask_loyalty.offers.service import mail_due_offers

from .conftest import CATALOG
from .conftest import buy


@pytest.mark.browser
def test_the_owner_edits_an_offer_in_a_browser(
    make_app: t.Callable[..., Flask], live_server: t.Any, page: t.Any
) -> None:
    app = make_app(SERVER_NAME=None)
    loyalty = app.extensions["loyalty"].extension
    loyalty.catalog_loader(lambda: CATALOG)
    loyalty.owner_check(lambda: True)
    base = live_server(app)

    page.goto(f"{base}/loyalty/owner/offers/")
    page.get_by_role("link", name="New offer").click()
    page.fill("input[name=name]", "Thank you for your first order")
    page.select_option("select[name=trigger]", "first_purchase")
    page.select_option("select[name=benefit]", "percent")
    page.fill("input[name=percent]", "120")
    page.fill("input[name=subject]", "A gift for you, {{ first_name or 'friend' }}")
    page.fill(
        "textarea[name=message]",
        "Dear {{ first_name }},\n\nthank you! Here is **{{ offer }}**: {{ code }}",
    )
    page.get_by_role("button", name="Save the offer").click()
    page.wait_for_selector("text=A percent must be from 0 to 100.")
    assert "Nothing was saved." in page.content()

    page.fill("input[name=percent]", "20")
    page.get_by_role("button", name="Preview the email").click()
    page.wait_for_selector("text=Preview (not saved)")
    frame = page.frame_locator("iframe.preview")
    frame.get_by_text("Dear Anna,").wait_for()
    assert "20% off" in frame.locator("body").inner_text()
    with app.app_context():
        assert loyalty.state.session.scalar(sa.select(sa.func.count(Offer.id))) == 0

    page.get_by_role("button", name="Save the offer").click()
    page.wait_for_selector("text=is saved")
    page.get_by_role("link", name="All offers").click()
    row = page.get_by_role("row", name="Thank you for your first order")
    assert "20% off" in row.inner_text()

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
