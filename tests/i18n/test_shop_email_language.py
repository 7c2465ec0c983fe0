"""Return and offer emails go out in the customer's stored language, whoever's
page (hers in English, the owner's) caused them."""

from __future__ import annotations

import re
import typing as t
from decimal import Decimal

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from flask_loyalty import OrderLine
from flask_loyalty import content_versions
from flask_loyalty.models import OutboxMessage
from flask_loyalty.models import ReturnRequest
from flask_loyalty.offers import models as om
from flask_loyalty.offers.editing import OfferValues
from flask_loyalty.offers.editing import save_offer
from flask_loyalty.testing import run_due

ENGLISH = {"Accept-Language": "en"}


def token(html: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    assert match, html
    return match.group(1)


def mail(app: Flask, kind: str) -> list[OutboxMessage]:
    run_due(app)  # the worker writes the emails that orders earned
    with app.app_context():
        return list(
            app.extensions["loyalty"].session.scalars(
                sa.select(OutboxMessage)
                .where(OutboxMessage.kind == kind)
                .order_by(OutboxMessage.id)
            )
        )


def order(loyalty: t.Any, locale: str) -> None:
    loyalty.record_order(
        "A-1",
        email="eszter@example.hu",
        name="Kovács Eszter",
        total=Decimal("40.00"),
        items=[OrderLine("RNG-1", "Ring", 1, Decimal("40.00"), "rings")],
        locale=locale,
    )


def test_a_hungarian_customer_s_return_emails_are_in_hungarian(
    app: Flask, client: FlaskClient, loyalty: t.Any
) -> None:
    with app.app_context():
        order(loyalty, "hu")
    page = client.get("/loyalty/policies/returns", headers=ENGLISH)
    found = client.post(
        "/loyalty/returns/start",
        data={
            "csrf_token": token(page.get_data(as_text=True)),
            "order_number": "A-1",
            "email": "eszter@example.hu",
        },
        headers=ENGLISH,
    )
    assert found.status_code == 302, found.get_data(as_text=True)
    items = client.get(found.headers["Location"], headers=ENGLISH)
    html = items.get_data(as_text=True)
    assert "Which items, and how many?" in html  # her page is in English
    [line] = re.findall(r'name="(qty-\d+)"', html)
    sent = client.post(
        found.headers["Location"],
        data={
            "csrf_token": token(html),
            line: "1",
            "reason": "does_not_fit",
            "resolution": "original",
        },
        headers=ENGLISH,
    )
    assert sent.status_code == 302, sent.get_data(as_text=True)
    with app.app_context():
        number = app.extensions["loyalty"].session.scalar(
            sa.select(ReturnRequest.number)
        )

    [requested] = mail(app, "return_requested")
    assert requested.to_addr == "eszter@example.hu"
    assert requested.subject == f"{number} számú visszaküldése – shop"
    assert (
        f"Megkaptuk visszaküldési kérelmét ({number}, rendelés: A-1):"
        in requested.text_body
    )
    assert '<html lang="hu">' in (requested.html_body or "")

    loyalty.owner_check(lambda: True)
    owner = app.test_client()
    detail = f"/loyalty/owner/returns/{number}"
    html = owner.get(detail, headers=ENGLISH).get_data(as_text=True)
    done = owner.post(
        detail,
        data={"csrf_token": token(html), "step": "approve"},
        headers=ENGLISH,
    )
    assert done.status_code == 302
    assert "The return is approved" in owner.get(
        done.headers["Location"], headers=ENGLISH
    ).get_data(as_text=True)  # the owner reads English...
    [approved] = mail(app, "return_approved")  # ...and Eszter Hungarian
    assert approved.subject == f"{number} számú visszaküldését jóváhagytuk"
    assert "Kérjük, küldje el nekünk a termékeket" in approved.text_body


@pytest.mark.parametrize("written", [True, False])
def test_an_offer_email_is_wholly_in_one_language(
    app: Flask, loyalty: t.Any, written: bool
) -> None:
    """Hers if the owner wrote the offer in Hungarian, else wholly the default:
    never the owner's English sentence around Hungarian words."""
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
                subject="A gift for {{ first_name or 'you' }}",
                message="Thank you! Here is {{ offer }} with the code {{ code }}.",
            ),
            currency="EUR",
            known_skus=set(),
        )
        if written:
            content_versions.write(
                offer,
                "hu",
                state.settings.languages,
                {
                    "subject": "Ajándék Önnek",
                    "message": "Köszönjük! Íme: {{ offer }}, a kód: {{ code }}.",
                },
                state.now(),
            )
        state.session.commit()
        order(loyalty, "hu")
    [message] = mail(app, "offer")
    raw = message.content.raw.decode()
    if written:
        assert message.subject == "Ajándék Önnek"
        assert "Íme: 20% kedvezmény" in message.text_body
        assert "Az Ön kódja:" in message.text_body
        assert "Content-Language: hu" in raw and '<html lang="hu">' in message.html_body
    else:
        assert message.subject == "A gift for Kovács Eszter"  # a Hungarian name, whole
        assert "Here is 20% off with the code" in message.text_body
        assert "Your code:" in message.text_body
        assert "kedvezmény" not in message.text_body
        assert "Content-Language: en" in raw and '<html lang="en">' in message.html_body
