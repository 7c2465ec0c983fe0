"""Which language a loyalty page is in: the shop's hook, else the visitor's switch
(remembered in the session), else her browser, among LOYALTY_LANGUAGES; the shop's
own Babel setup keeps choosing for the shop's own pages."""

from __future__ import annotations

import re
import typing as t
from decimal import Decimal

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from flask_babel import Babel
from flask_babel import get_locale

from flask_loyalty.customers.models import Customer
from flask_loyalty.testing import sign_in
from tests.sql import sent_statements

SIGN_IN_HEADING = {
    "en": "Your account",
    "et": "Teie konto",
    "el": "Ο λογαριασμός σας",
    "hu": "Az Ön fiókja",
    "tl": "Ang inyong account",
}


def lang(html: str) -> str:
    match = re.search(r'<html lang="([^"]+)"', html)
    assert match, html[:200]
    return match.group(1)


def page(client: FlaskClient, url: str = "/loyalty/", **headers: str) -> str:
    response = client.get(url, headers=headers)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def switch(client: FlaskClient, language: str, **data: str) -> t.Any:
    html = page(client, "/loyalty/newsletter")
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    assert token
    return client.post(
        "/loyalty/language",
        data={"csrf_token": token.group(1), "language": language, **data},
    )


@pytest.mark.parametrize("code", sorted(SIGN_IN_HEADING))
def test_the_browser_s_language_is_used_and_named_in_html_lang(
    client: FlaskClient, code: str
) -> None:
    html = page(client, **{"Accept-Language": f"{code};q=0.9, de;q=1.0"})
    assert lang(html) == code
    assert f"<h1>{SIGN_IN_HEADING[code]}</h1>" in html


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("et-EE,et;q=0.9,en;q=0.5", "et"),
        ("EL-gr", "el"),
        ("fil-PH", "tl"),
        ("de-DE, fr;q=0.8", "en"),
        ("xx-nonsense;q=x, ;;", "en"),
        ("", "en"),
    ],
)
def test_an_unknown_or_odd_browser_language_falls_back_quietly(
    client: FlaskClient, header: str, expected: str
) -> None:
    assert lang(page(client, **{"Accept-Language": header})) == expected


def test_the_switch_is_remembered_and_beats_the_browser(client: FlaskClient) -> None:
    response = switch(client, "el", next="/loyalty/newsletter")
    assert response.status_code == 303
    assert response.headers["Location"] == "/loyalty/newsletter"
    html = page(client, "/loyalty/newsletter", **{"Accept-Language": "hu"})
    assert lang(html) == "el"
    assert "Το ενημερωτικό μας δελτίο" in html
    assert 'value="el" lang="el" translate="no" aria-pressed="true"' in html


def test_an_unknown_language_in_the_switch_forgets_the_choice(
    client: FlaskClient,
) -> None:
    switch(client, "el")
    response = switch(client, "klingon")
    assert response.status_code == 303
    assert lang(page(client, **{"Accept-Language": "et"})) == "et"


def test_the_switch_never_sends_her_to_another_site(client: FlaskClient) -> None:
    for target in ("https://evil.example/", "//evil.example/x", "/\\evil.example"):
        response = switch(client, "et", next=target)
        assert response.headers["Location"] == "/loyalty/", target


def test_the_switch_needs_the_form_s_token(client: FlaskClient) -> None:
    response = client.post("/loyalty/language", data={"language": "el"})
    assert response.status_code == 400
    assert lang(page(client)) == "en"


def test_a_signed_in_customer_s_choice_is_stored_for_her_email(
    app: Flask, client: FlaskClient
) -> None:
    sign_in(client, "anna@example.com")
    switch(client, "hu")
    with app.app_context():
        customer = app.extensions["loyalty"].session.scalar(sa.select(Customer))
        assert customer.locale == "hu"


def test_the_shop_s_hook_wins_and_hides_the_switch(
    app: Flask, loyalty: t.Any, client: FlaskClient
) -> None:
    chosen = {"code": "tl"}
    loyalty.locale_selector(lambda: chosen["code"])
    switch(client, "el")
    html = page(client, **{"Accept-Language": "hu"})
    assert lang(html) == "tl"
    assert "loyalty-languages" not in html
    chosen["code"] = "de_DE"  # not offered: the visitor's own choice applies
    html = page(client, **{"Accept-Language": "hu"})
    assert lang(html) == "el"
    assert "loyalty-languages" in html


def test_the_shop_lists_the_languages_it_offers(
    make_app: t.Callable[..., Flask],
) -> None:
    app = make_app(LOYALTY_LANGUAGES=("et", "en"))
    client = app.test_client()
    assert lang(page(client, **{"Accept-Language": "el"})) == "et"
    html = page(client, **{"Accept-Language": "en"})
    assert lang(html) == "en"
    assert html.count('name="language"') == 2


@pytest.mark.parametrize("value", [(), ("en", "xx_NOPE"), ("zz",)])
def test_languages_babel_does_not_know_fail_at_init_app(
    make_app: t.Callable[..., Flask], value: tuple[str, ...]
) -> None:
    with pytest.raises(RuntimeError, match="LOYALTY_LANGUAGES"):
        make_app(LOYALTY_LANGUAGES=value)


def _host_app(make_app: t.Callable[..., Flask], babel_first: bool) -> Flask:
    """A shop whose own Babel chooses German, set up before or after Loyalty."""
    from flask_sqlalchemy import SQLAlchemy

    from flask_loyalty import Loyalty
    from flask_loyalty.db import Base

    app = Flask("host")
    app.config.update(
        SECRET_KEY="x",
        SQLALCHEMY_DATABASE_URI="sqlite://",
        BABEL_DEFAULT_LOCALE="de",
        LOYALTY_MAIL_DELIVERY="hold",
        LOYALTY_LANGUAGES=("en", "et"),
    )
    db = SQLAlchemy(app)
    if babel_first:
        Babel(app, locale_selector=lambda: "de")
        Loyalty(app, db=db)
    else:
        Loyalty(app, db=db)
        Babel(app, locale_selector=lambda: "de")

    @app.route("/shop")
    def shop() -> str:
        return str(get_locale())

    with app.app_context():
        Base.metadata.create_all(db.engine)

    return app


@pytest.mark.parametrize("babel_first", [True, False])
def test_the_shop_s_own_babel_keeps_its_pages(
    make_app: t.Callable[..., Flask], babel_first: bool
) -> None:
    client = _host_app(make_app, babel_first).test_client()
    headers = {"Accept-Language": "et"}
    assert client.get("/shop", headers=headers).get_data(as_text=True) == "de"
    assert lang(page(client, "/loyalty/", **headers)) == "et"
    assert client.get("/shop", headers=headers).get_data(as_text=True) == "de"


def test_money_and_dates_follow_the_page_s_language(
    app: Flask, client: FlaskClient
) -> None:
    loyalty = app.extensions["loyalty"].extension
    with app.app_context():
        loyalty.record_order(
            "A-1", email="anna@example.com", name="Anna", total=Decimal("1234.50")
        )
    sign_in(client, "anna@example.com")
    greek = page(client, **{"Accept-Language": "el"})
    assert "1.234,50\xa0€" in greek and "2 Μαρ 2026" in greek
    hungarian = page(client, **{"Accept-Language": "hu"})
    assert "1\xa0234,50\xa0EUR" in hungarian and "2026. márc. 2." in hungarian
    english = page(client, **{"Accept-Language": "en"})
    assert "€1,234.50" in english and "Mar 2, 2026" in english


def test_her_language_follows_her_to_another_device_and_into_her_newsletter(
    app: Flask,
) -> None:
    """Anna chose Magyar on her laptop; signed in on her phone (an English
    browser), her pages are Hungarian, and so are her newsletters (issue 20,
    point 3). A switch on the phone still wins there."""
    from flask_loyalty.newsletter import service as newsletter

    with app.app_context():
        state = app.extensions["loyalty"]
        subscriber, _ = newsletter.subscribe(
            state.session,
            state.now(),
            email="anna@example.com",
            consent=newsletter.Consent(text="Yes", version="1", source="test"),
            locale="en",
        )
        newsletter.confirm(state.session, state.now(), subscriber)
        state.session.commit()
    laptop, phone = app.test_client(), app.test_client()
    sign_in(laptop, "anna@example.com")
    switch(laptop, "hu")
    with app.app_context():
        session = app.extensions["loyalty"].session
        assert newsletter.find_subscriber(session, "anna@example.com").locale == "hu"
    english = {"Accept-Language": "en"}
    assert lang(page(phone, **english)) == "en"  # a guest on the phone
    sign_in(phone, "anna@example.com")
    html = page(phone, **english)
    assert lang(html) == "hu" and "Az Ön fiókja" in html  # her account, in hu
    assert lang(page(phone, "/loyalty/newsletter", **english)) == "hu"
    switch(phone, "el")
    assert lang(page(phone, **english)) == "el"
    assert lang(page(laptop, **english)) == "hu"  # the laptop's own switch stays


def test_a_guest_s_pages_never_look_her_up(app: Flask, client: FlaskClient) -> None:
    """Only a signed-in customer has a stored language: a guest's page costs no
    customer query."""
    page(client, "/loyalty/newsletter")  # the first page also checks the set-up
    with app.app_context():
        engine = app.extensions["loyalty"].db.engine
    with sent_statements(engine) as statements:
        page(client, "/loyalty/newsletter", **{"Accept-Language": "et"})
    assert not [s for s in statements if "loyalty_customers" in s]


def test_the_built_in_tiers_speak_her_language_and_the_owner_s_do_not_change(
    app: Flask, client: FlaskClient
) -> None:
    """The shop's tiers are the built-in ones until the owner renames them: their
    names and perks are then in the reader's language (issue 20, point 4)."""
    from flask_loyalty.points.tiers import DEFAULT_TIERS
    from flask_loyalty.points.tiers import TierRule

    sign_in(client, "anna@example.com")
    html = page(client, **{"Accept-Language": "hu"})
    assert "Az Ön szintje: Alap" in html
    assert "eléri a következő szintet: Arany" in html
    assert [t.shown_name for t in DEFAULT_TIERS] == ["Basic", "Gold", "VIP"]
    assert TierRule("Silber", 0).shown_name == "Silber"  # the owner's own word
