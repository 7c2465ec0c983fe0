"""An offer's email in several languages: the owner writes a subject and message
per offered language; each customer's email is in her stored language, else the
shop's default."""

from __future__ import annotations

import re
import typing as t

import pytest
import sqlalchemy as sa
from flask import Flask

from flask_loyalty import InvalidOffer
from flask_loyalty import Loyalty
from flask_loyalty.models import OutboxMessage
from flask_loyalty.offers import models as om
from flask_loyalty.offers.editing import save_message
from flask_loyalty.offers.messages import mail_due_offers

from .conftest import CATALOG
from .conftest import buy
from .conftest import form_token
from .conftest import make_offer

LANGUAGES = ("en", "et", "hu")
HU_SUBJECT = "Ajándék neked, {{ first_name or 'barátom' }}"
HU_MESSAGE = "Kedves {{ first_name }}, a kódod: **{{ code }}**."


@pytest.fixture
def shop(make_app: t.Callable[..., Flask], database_url: str) -> t.Iterator[Flask]:
    app = make_app(database_url=database_url, LOYALTY_LANGUAGES=LANGUAGES)
    app.extensions["loyalty"].extension.catalog_loader(lambda: CATALOG)
    with app.app_context():
        yield app


@pytest.fixture
def loyalty(shop: Flask) -> Loyalty:
    return t.cast(Loyalty, shop.extensions["loyalty"].extension)


def hungarian_offer(loyalty: Loyalty) -> om.Offer:
    offer = make_offer(loyalty)
    state = loyalty.state
    save_message(
        offer, state.now(), "hu", LANGUAGES, subject=HU_SUBJECT, message=HU_MESSAGE
    )
    state.session.commit()
    return offer


def mail_to(loyalty: Loyalty, email: str) -> OutboxMessage:
    mail_due_offers(loyalty.state)  # the worker writes the emails orders earned
    return loyalty.state.session.scalars(
        sa.select(OutboxMessage).where(
            OutboxMessage.kind == "offer", OutboxMessage.to_addr == email
        )
    ).one()


def test_a_hungarian_customer_gets_the_hungarian_email(loyalty: Loyalty) -> None:
    hungarian_offer(loyalty)
    buy(loyalty, "SF-1", email="eva@example.com", name="Éva Kiss", locale="hu")
    mail = mail_to(loyalty, "eva@example.com")
    assert mail.subject == "Ajándék neked, Éva Kiss"  # a Hungarian: the whole name
    assert "Kedves Éva Kiss, a kódod: " in mail.text_body and "**" not in mail.text_body
    assert "Dear" not in mail.text_body and "Dear" not in mail.html_body


def test_without_her_language_the_default_email_goes(loyalty: Loyalty) -> None:
    hungarian_offer(loyalty)
    buy(loyalty, "SF-1", email="anna@example.com", name="Anna Tamm", locale="et")
    buy(loyalty, "SF-2", email="bob@example.com", name="Bob Lee")
    for email, name in (("anna@example.com", "Anna"), ("bob@example.com", "Bob")):
        mail = mail_to(loyalty, email)
        assert mail.subject == f"A gift for you, {name}"
        assert f"Dear {name}, here is" in mail.text_body
        assert "Kedves" not in mail.text_body


@pytest.mark.parametrize(
    ("language", "subject", "message", "error"),
    [
        ("xx", "Szia", HU_MESSAGE, "'xx' is not one of the shop's languages"),
        ("hu", "Szia", "   ", "Write the message in this language."),
        ("hu", "Szia {{ first_name", HU_MESSAGE, "Line 1"),
        ("hu", "Szia", "<script>alert(1)</script>", "Scripts"),
    ],
)
def test_the_service_refuses_bad_input(
    loyalty: Loyalty, language: str, subject: str, message: str, error: str
) -> None:
    offer = make_offer(loyalty)
    with pytest.raises(InvalidOffer, match=re.escape(error)):
        save_message(
            offer,
            loyalty.state.now(),
            language,
            LANGUAGES,
            subject=subject,
            message=message,
        )
    loyalty.state.session.rollback()
    assert loyalty.state.session.get(om.Offer, offer.id).translations is None


def owner(shop: Flask) -> t.Any:
    shop.extensions["loyalty"].extension.owner_check(lambda: True)
    return shop.test_client()


def test_the_owner_writes_the_email_per_language(shop: Flask, loyalty: Loyalty) -> None:
    offer = make_offer(loyalty)
    client = owner(shop)
    url = f"/loyalty/owner/offers/{offer.id}/message?lang=hu"
    page = client.get(url).get_data(as_text=True)
    assert "There is no version in Hungarian yet" in page
    assert re.search(
        r'aria-current="page"[^>]*><span lang="hu" translate="no">Magyar</span>'
        r' <span class="muted">\(not',
        page,
    )
    data = {
        "csrf_token": form_token(page),
        "language": "hu",
        "subject": HU_SUBJECT,
        "message": HU_MESSAGE,
    }
    preview = client.post(url, data={**data, "action": "preview"})
    assert preview.status_code == 200
    assert "Ajándék neked, Anna" in preview.get_data(as_text=True)
    loyalty.state.session.expire_all()
    assert loyalty.state.session.get(om.Offer, offer.id).translations is None
    saved = client.post(url, data={**data, "action": "save"})
    assert saved.status_code == 302
    loyalty.state.session.expire_all()
    stored = loyalty.state.session.get(om.Offer, offer.id).translations
    assert stored["hu"]["subject"] == HU_SUBJECT
    assert stored["hu"]["message"] == HU_MESSAGE
    # the offer's own editor links to each language and says which are written
    editor = client.get(f"/loyalty/owner/offers/{offer.id}").get_data(as_text=True)
    assert f'href="/loyalty/owner/offers/{offer.id}/message?lang=hu"' in editor
    assert re.search(r">Magyar</span> <span class=\"muted\">\(written", editor)
    assert re.search(r">Eesti</span> <span class=\"muted\">\(not written yet", editor)
    # the preview page in each language
    hu = client.get(f"/loyalty/owner/offers/{offer.id}/preview?lang=hu")
    assert "Ajándék neked, Anna" in hu.get_data(as_text=True)
    et = client.get(f"/loyalty/owner/offers/{offer.id}/preview?lang=et")
    assert "A gift for you, Anna" in et.get_data(as_text=True)
    assert (
        client.get(f"/loyalty/owner/offers/{offer.id}/preview?lang=xx").status_code
        == 404
    )


@pytest.mark.parametrize(
    ("language", "message", "error"),
    [
        ("xx", HU_MESSAGE, "&#39;xx&#39; is not one of the shop&#39;s languages"),
        ("hu", "", "Write the message in this language."),
    ],
)
def test_bad_input_in_the_editor_saves_nothing(
    shop: Flask, loyalty: Loyalty, language: str, message: str, error: str
) -> None:
    offer = make_offer(loyalty)
    client = owner(shop)
    url = f"/loyalty/owner/offers/{offer.id}/message"
    page = client.get(url + "?lang=hu").get_data(as_text=True)
    response = client.post(
        url,
        data={
            "csrf_token": form_token(page),
            "language": language,
            "subject": "Szia",
            "message": message,
            "action": "save",
        },
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'class="notice bad" role="alert"' in html and error in html
    loyalty.state.session.expire_all()
    assert loyalty.state.session.get(om.Offer, offer.id).translations is None


def test_others_cannot_reach_the_editor(shop: Flask, loyalty: Loyalty) -> None:
    offer = make_offer(loyalty)
    url = f"/loyalty/owner/offers/{offer.id}/message?lang=hu"
    assert shop.test_client().get(url).status_code == 403


def test_the_offer_is_named_in_each_language(shop: Flask, loyalty: Loyalty) -> None:
    """Its name in the reader's language where the owner wrote one, else the
    default language's marked with its ``lang`` (issue 20)."""
    offer = make_offer(loyalty)
    client = owner(shop)
    url = f"/loyalty/owner/offers/{offer.id}/message?lang=hu"
    page = client.get(url).get_data(as_text=True)
    assert "Empty: customers who read this language see “Thank you”." in page
    saved = client.post(
        url,
        data={
            "csrf_token": form_token(page),
            "language": "hu",
            "name": "  Köszönjük ",
            "subject": HU_SUBJECT,
            "message": HU_MESSAGE,
            "action": "save",
        },
    )
    assert saved.status_code == 302
    loyalty.state.session.expire_all()
    assert loyalty.state.session.get(om.Offer, offer.id).translations["hu"]["name"] == (
        "Köszönjük"
    )
    for language, shown in (
        ("hu", ">Köszönjük</a>"),
        ("et", '><span lang="en">Thank you</span></a>'),
    ):
        with client.session_transaction() as session:
            session["loyalty_language"] = language
        listing = client.get("/loyalty/owner/offers/").get_data(as_text=True)
        assert shown in listing.replace("\n", "").replace("  ", "")
    with pytest.raises(InvalidOffer):
        save_message(
            offer, loyalty.state.now(), "hu", LANGUAGES,
            subject=HU_SUBJECT, message=HU_MESSAGE, name="x" * 201,
        )  # fmt: skip
