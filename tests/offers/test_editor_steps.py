"""Maria writes an offer in steps: when it is given, what she gets, then the
details and the message; each step checks what she chose, and only the fields
of the chosen kinds are asked for."""

from __future__ import annotations

import re
import typing as t
from decimal import Decimal

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from flask_loyalty import Loyalty
from flask_loyalty.models import Offer
from flask_loyalty.offers import models as om

from .conftest import form_token
from .conftest import make_offer

NEW = "/loyalty/owner/offers/new"


@pytest.fixture
def owner(shop: Flask, shop_loyalty: Loyalty) -> FlaskClient:
    shop_loyalty.owner_check(lambda: True)
    return shop.test_client()


def offers(loyalty: Loyalty) -> list[Offer]:
    loyalty.state.session.expire_all()
    return list(loyalty.state.session.scalars(sa.select(Offer)).all())


def names(html: str) -> set[str]:
    """The names of the fields the page asks for."""
    return set(re.findall(r'<(?:input|select|textarea)[^>]* name="([^"]+)"', html))


def test_the_first_step_asks_when_it_is_given(owner: FlaskClient) -> None:
    html = owner.get(NEW).get_data(as_text=True)
    assert "When is it given?" in html
    assert 'type="radio" name="trigger" value="win_back"' in html
    assert 'method="get"' in html and "percent" not in names(html)


def test_the_second_step_asks_what_she_gets_and_keeps_the_first(
    owner: FlaskClient,
) -> None:
    html = owner.get(f"{NEW}?trigger=stamp_card").get_data(as_text=True)
    assert "What does she get?" in html
    assert '<input type="hidden" name="trigger" value="stamp_card">' in html
    assert 'name="benefit" value="gift"' in html


@pytest.mark.parametrize(
    ("query", "error", "asks"),
    (
        ("trigger=lottery", "Choose when it is given.", "When is it given?"),
        (
            "trigger=birthday&benefit=a_pony",
            "Choose what she gets.",
            "What does she get?",
        ),
    ),
)
def test_a_step_refuses_an_unknown_kind(
    owner: FlaskClient, query: str, error: str, asks: str
) -> None:
    response = owner.get(f"{NEW}?{query}")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert error in html and asks in html


@pytest.mark.parametrize(
    ("trigger", "benefit", "shown", "label", "hidden"),
    (
        (
            "win_back",
            "amount",
            {"trigger_n", "amount", "min_subtotal", "holdout_percent"},
            "After how many days without an order",
            {"percent", "sku", "points"},
        ),
        (
            "stamp_card",
            "gift",
            {"trigger_n", "sku"},
            "Stamps for a full card",
            {"percent", "amount", "points"},
        ),
        (
            "first_purchase",
            "percent",
            {"percent", "valid_days"},
            "Percent off",
            {"trigger_n", "amount", "sku", "points"},
        ),
        (
            "birthday",
            "bonus_points",
            {"points", "max_uses", "holdout_percent"},
            "Bonus points",
            {"trigger_n", "percent", "amount", "min_subtotal", "valid_days"},
        ),
    ),
)
def test_the_last_step_shows_only_the_fields_of_the_chosen_kinds(
    owner: FlaskClient,
    trigger: str,
    benefit: str,
    shown: set[str],
    label: str,
    hidden: set[str],
) -> None:
    html = owner.get(f"{NEW}?trigger={trigger}&benefit={benefit}").get_data(
        as_text=True
    )
    fields = names(html)
    assert shown <= fields
    assert not hidden & fields
    assert label in html
    assert "N (the n-th purchase" not in html
    assert "{{ first_name or &#34;friend&#34; }}" in html  # the list of what to type


def post(owner: FlaskClient, url: str, **changes: str) -> t.Any:
    page = owner.get(url).get_data(as_text=True)
    data = {
        "csrf_token": form_token(page),
        "name": "We miss you",
        "active": "y",
        "valid_days": "30",
        "code_uses": "1",
        "once_per_customer": "y",
        "holdout_percent": "10",
        "subject": "We miss you, {{ first_name or 'friend' }}",
        "message": "Dear {{ first_name }}, here is {{ offer }}: {{ code }}",
        "action": "save",
        **changes,
    }
    return owner.post(url.split("?")[0], data=data)


def test_she_creates_a_win_back_offer_in_steps(
    owner: FlaskClient, shop_loyalty: Loyalty
) -> None:
    url = f"{NEW}?trigger=win_back&benefit=amount"
    response = post(
        owner,
        url,
        trigger="win_back",
        benefit="amount",
        trigger_n="120",
        amount="7.50",
        percent="30",  # a field of another kind, posted by hand: not read
        sku="RNG-FERN",
    )
    assert response.status_code == 302
    (offer,) = offers(shop_loyalty)
    assert (offer.trigger, offer.trigger_n, offer.benefit) == (
        "win_back",
        120,
        "amount",
    )
    assert (offer.amount_cents, offer.percent, offer.sku) == (750, 0, None)


@pytest.mark.parametrize(
    ("changes", "message", "field"),
    (
        ({"trigger_n": "0"}, "Give the number of days: 1 or more.", "trigger_n"),
        ({"amount": ""}, "Give the amount off.", "amount"),
        ({"amount": "7,5x"}, "Enter an amount such as 12.50.", "amount"),
        ({"amount": "-3"}, "The amount cannot be negative.", "amount"),
        ({"amount": "7.505"}, "has more than 2 decimal places", "amount"),
        ({"message": "{{ first_name "}, "Line 1", "message"),
    ),
)
def test_a_mistake_in_the_last_step_keeps_the_chosen_kinds(
    owner: FlaskClient,
    shop_loyalty: Loyalty,
    changes: dict[str, str],
    message: str,
    field: str,
) -> None:
    url = f"{NEW}?trigger=win_back&benefit=amount"
    values = {"trigger": "win_back", "benefit": "amount", "trigger_n": "120"}
    response = post(owner, url, **{"amount": "7.50", **values, **changes})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert message in html and "Nothing was saved." in html
    assert f'aria-describedby="{field}-error"' in html
    # The same kinds' fields, labelled for them, and what she typed.
    assert "After how many days without an order" in html
    assert 'name="percent"' not in html
    assert 'name="trigger" value="win_back"' in html
    assert offers(shop_loyalty) == []


def test_a_post_without_a_kind_goes_back_to_the_first_step(
    owner: FlaskClient, shop_loyalty: Loyalty
) -> None:
    response = post(owner, NEW, trigger="lottery", benefit="percent")
    assert response.status_code == 400
    assert "Choose when it is given." in response.get_data(as_text=True)
    assert offers(shop_loyalty) == []


def test_the_last_step_needs_its_csrf_token(
    owner: FlaskClient, shop_loyalty: Loyalty
) -> None:
    url = f"{NEW}?trigger=birthday&benefit=percent"
    response = post(
        owner, url, trigger="birthday", benefit="percent", percent="10", csrf_token="x"
    )
    assert response.status_code == 400
    assert "This form has expired" in response.get_data(as_text=True)
    assert offers(shop_loyalty) == []


def test_money_is_shown_and_read_in_the_owners_language(
    owner: FlaskClient, shop_loyalty: Loyalty
) -> None:
    offer = make_offer(
        shop_loyalty,
        benefit=om.AMOUNT,
        percent=0,
        amount=Decimal("1234.50"),
        min_subtotal=Decimal("25"),
    )
    owner.environ_base["HTTP_ACCEPT_LANGUAGE"] = "hu"
    url = f"/loyalty/owner/offers/{offer.id}"
    html = owner.get(url).get_data(as_text=True)
    assert 'value="1\xa0234,50"' in html
    assert 'value="25,00"' in html
    assert 'placeholder="0,00"' in html
    saved = post(
        owner,
        url,
        trigger="first_purchase",
        benefit="amount",
        amount="12,75",
        min_subtotal="1 000,00",
    )
    assert saved.status_code == 302
    (offer,) = offers(shop_loyalty)
    assert (offer.amount_cents, offer.min_subtotal_cents) == (1275, 100000)
    bad = post(owner, url, trigger="first_purchase", benefit="amount", amount="12,7,5")
    assert bad.status_code == 400
    bad_html = bad.get_data(as_text=True)
    assert 'value="12,7,5"' in bad_html  # as she typed it
    assert "12,50" in bad_html  # the example, in her form
    assert offers(shop_loyalty)[0].amount_cents == 1275


def test_an_offer_opens_on_its_last_step_and_can_change_its_kind(
    owner: FlaskClient, shop_loyalty: Loyalty
) -> None:
    offer = make_offer(shop_loyalty)
    url = f"/loyalty/owner/offers/{offer.id}"
    html = owner.get(url).get_data(as_text=True)
    assert 'name="percent"' in html and "Preview (not saved)" in html
    assert "Dear Anna, here is 20% off" in html  # the saved offer's preview
    assert f"{url}?step=benefit" in html
    step = owner.get(f"{url}?step=benefit").get_data(as_text=True)
    assert 'value="percent" checked' in step
    win_back = owner.get(f"{url}?trigger=win_back&benefit=percent")
    assert 'name="trigger_n" type="number" value="180"' in win_back.get_data(
        as_text=True
    )
    changed = owner.get(f"{url}?trigger=first_purchase&benefit=free_shipping")
    assert 'name="percent"' not in changed.get_data(as_text=True)
    response = post(owner, url, trigger="first_purchase", benefit="free_shipping")
    assert response.status_code == 302
    (offer,) = offers(shop_loyalty)
    assert (offer.benefit, offer.percent) == ("free_shipping", 0)


def test_the_preview_follows_the_text_and_saves_nothing(
    owner: FlaskClient, shop_loyalty: Loyalty
) -> None:
    url = f"{NEW}?trigger=birthday&benefit=percent"
    values = {"trigger": "birthday", "benefit": "percent", "percent": "15"}
    text = "Happy birthday, {{ first_name or 'friend' }}!"
    whole = post(owner, url, **values, message=text, action="preview")
    assert whole.status_code == 200
    assert "Happy birthday, Anna!" in whole.get_data(as_text=True)
    part = post(
        owner,
        url,
        **values,
        name="",
        message=text,
        preview_sample="unnamed",
        fragment="1",
    )
    html = part.get_data(as_text=True)
    assert part.status_code == 200
    assert "Happy birthday, friend!" in html
    assert "<html" not in html and "<iframe" in html
    broken = post(owner, url, **values, message="{{ first_name ", fragment="1")
    assert broken.status_code == 400
    assert "Please check the values" in broken.get_data(as_text=True)
    assert offers(shop_loyalty) == []


def test_the_editor_script_is_a_file_of_the_extension(owner: FlaskClient) -> None:
    html = owner.get(f"{NEW}?trigger=birthday&benefit=percent").get_data(as_text=True)
    src = html.split('<script src="', 1)[1].split('"', 1)[0]
    assert src.startswith("/loyalty/assets/loyalty-editor.js?v=")
    assert "<script>" not in html and " onclick=" not in html
    script = owner.get(src)
    assert script.status_code == 200
    assert script.mimetype == "text/javascript"
    assert "setRangeText" in script.get_data(as_text=True)
    assert "max-age=31536000" in script.headers["Cache-Control"]


@pytest.mark.parametrize(
    "url",
    (
        NEW,
        f"{NEW}?trigger=birthday",
        f"{NEW}?trigger=birthday&benefit=percent",
        "/loyalty/owner/offers/1?step=trigger",
    ),
)
def test_each_step_is_forbidden_to_others(
    make_app: t.Callable[..., Flask], url: str
) -> None:
    app = make_app()
    client = app.test_client()
    assert client.get(url).status_code == 403
    data = {"trigger": "birthday", "benefit": "percent", "fragment": "1"}
    assert client.post(url.split("?")[0], data=data).status_code == 403
