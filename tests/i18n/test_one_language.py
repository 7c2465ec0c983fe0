"""One message, one language (issue 20, point 1): every email is written wholly
in the language of the owner's text it carries (hers if the owner wrote that
version, else the shop's default), says so in ``Content-Language``, and the
owner's preview says which language a reader will get."""

from __future__ import annotations

import re
import typing as t
from decimal import Decimal

from flask import Flask

from flask_loyalty.offers import models as om
from flask_loyalty.offers.editing import OfferValues
from flask_loyalty.offers.editing import save_offer
from flask_loyalty.testing import run_due
from tests.journeys.conftest import email_step
from tests.journeys.conftest import journey_mail
from tests.journeys.conftest import make_journey
from tests.journeys.conftest import subscribe_confirmed

from .test_email_language import customer
from .test_email_language import mail
from .test_email_language import token


def content_language(message: t.Any) -> str:
    found = re.search(r"^Content-Language: (\S+)", message.content.raw.decode(), re.M)
    assert found, "no Content-Language header"
    return found[1]


def test_a_journey_email_is_wholly_in_the_default_language(app: Flask) -> None:
    """Journey steps have one text, the default language's: a Greek reader gets
    the email around it in that language too, not Greek links under English."""
    make_journey(app, [email_step("Hello from the workshop", "Our story.")])
    subscribe_confirmed(app, "eleni@example.gr", "Eleni", locale="el")
    run_due(app)
    [message] = journey_mail(app, "eleni@example.gr")
    assert "Our story." in message.text_body
    assert "Unsubscribe:" in message.text_body
    assert "Απεγγραφή" not in message.text_body
    assert content_language(message) == "en"
    assert '<html lang="en">' in message.html_body


def test_mail_written_by_the_extension_says_her_language(
    app: Flask, loyalty: t.Any
) -> None:
    with app.app_context():
        loyalty.record_order(
            "A-1", email="kati@example.ee", total=Decimal("10.00"), locale="et"
        )
    client = app.test_client()
    page = client.get("/loyalty/").get_data(as_text=True)
    client.post(
        "/loyalty/sign-in", data={"csrf_token": token(page), "email": "kati@example.ee"}
    )
    [message] = mail(app, "sign_in_link")
    assert customer(app, "kati@example.ee").locale == "et"
    assert content_language(message) == "et"
    assert '<html lang="et">' in message.html_body


def test_the_owner_s_preview_says_which_language_a_reader_gets(
    app: Flask, loyalty: t.Any
) -> None:
    loyalty.owner_check(lambda: True)
    with app.app_context():
        state = loyalty.state
        offer = save_offer(
            state.session,
            state.now(),
            None,
            OfferValues(
                name="Thank you",
                trigger=om.FIRST_PURCHASE,
                benefit=om.PERCENT,
                percent=20,
                message="Here is {{ offer }}.",
            ),
            currency="EUR",
            known_skus=set(),
        )
        state.session.commit()
        offer_id = offer.id
    owner = app.test_client()
    url = f"/loyalty/owner/offers/{offer_id}/preview"
    hungarian = owner.get(f"{url}?lang=hu", headers={"Accept-Language": "en"}).text
    assert "A reader in Hungarian gets this email wholly in English" in hungarian
    assert "the offer has no text in Hungarian yet." in hungarian
    assert "Here is 20% off." in hungarian and "kedvezmény" not in hungarian
    assert f"/loyalty/owner/offers/{offer_id}/message?lang=hu" in hungarian
    english = owner.get(url, headers={"Accept-Language": "en"}).text
    assert "gets this email wholly in" not in english
    in_hungarian = owner.get(f"{url}?lang=hu", headers={"Accept-Language": "hu"}).text
    assert "magyar" in in_hungarian and "angol" in in_hungarian
    # without ?lang=, the preview is what a reader of the owner's language gets
    plain = owner.get(url, headers={"Accept-Language": "hu"}).text
    assert plain.replace("?lang=hu", "") == in_hungarian.replace("?lang=hu", "")
