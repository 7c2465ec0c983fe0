"""Maria, the owner, writes, previews, pauses, duplicates and measures her offers."""

from __future__ import annotations

import typing as t

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from flask_loyalty import Loyalty
from flask_loyalty.models import Offer
from flask_loyalty.models import OfferGrant
from flask_loyalty.offers import models as om

from .conftest import buy
from .conftest import form_token
from .conftest import make_offer

OWNER_URLS = (
    ("get", "/loyalty/owner/offers/"),
    ("get", "/loyalty/owner/offers/new"),
    ("post", "/loyalty/owner/offers/new"),
    ("get", "/loyalty/owner/offers/1"),
    ("post", "/loyalty/owner/offers/1"),
    ("get", "/loyalty/owner/offers/1/preview"),
    ("post", "/loyalty/owner/offers/1/pause"),
    ("post", "/loyalty/owner/offers/1/duplicate"),
    ("get", "/loyalty/owner/offers/1/report"),
    ("post", "/loyalty/owner/offers/1/report"),
    ("get", "/loyalty/owner/segments/"),
    ("post", "/loyalty/owner/segments/"),
    ("get", "/loyalty/owner/segments/top_20"),
)


@pytest.fixture
def owner(shop: Flask, shop_loyalty: Loyalty) -> FlaskClient:
    shop_loyalty.owner_check(lambda: True)
    return shop.test_client()


def offer_form(page: str, **changes: str) -> dict[str, str]:
    data = {
        "csrf_token": form_token(page),
        "name": "Welcome back",
        "trigger": "first_purchase",
        "trigger_n": "0",
        "benefit": "percent",
        "percent": "20",
        "amount": "",
        "sku": "",
        "points": "0",
        "min_subtotal": "25.00",
        "categories": "",
        "valid_days": "30",
        "once_per_customer": "y",
        "code_uses": "1",
        "max_uses": "",
        "budget": "",
        "starts_on": "2026-03-01",
        "ends_on": "2026-12-31",
        "active": "y",
        "subject": "Thank you, {{ first_name or 'friend' }}",
        "message": "Dear {{ first_name }},\n\nhere is **{{ offer }}**: {{ code }}.",
        "holdout_percent": "10",
        "action": "save",
    }
    data.update(changes)
    return data


def save_edit(owner: FlaskClient, offer_id: int, **changes: str) -> t.Any:
    """Open the offer's editor and post it with ``changes`` (see
    :func:`offer_form`); the response."""
    url = f"/loyalty/owner/offers/{offer_id}"
    page = owner.get(url).get_data(as_text=True)
    return owner.post(url, data=offer_form(page, **changes))


def count(loyalty: Loyalty) -> int:
    return loyalty.state.session.scalar(sa.select(sa.func.count(Offer.id))) or 0


@pytest.mark.parametrize(("method", "url"), OWNER_URLS)
def test_owner_pages_are_forbidden_to_others(
    make_app: t.Callable[..., Flask], method: str, url: str
) -> None:
    app = make_app()
    response = getattr(app.test_client(), method)(url)
    assert response.status_code == 403


def test_she_creates_an_offer_and_sees_it_listed(
    owner: FlaskClient, shop_loyalty: Loyalty
) -> None:
    page = owner.get("/loyalty/owner/offers/new").get_data(as_text=True)
    response = owner.post("/loyalty/owner/offers/new", data=offer_form(page))
    assert response.status_code == 302
    offer = shop_loyalty.state.session.scalars(sa.select(Offer)).one()
    assert (offer.percent, offer.min_subtotal_cents, offer.valid_days) == (20, 2500, 30)
    assert offer.ends_at is not None and offer.ends_at.isoformat().startswith(
        "2027-01-01"
    )
    listing = owner.get("/loyalty/owner/offers/").get_data(as_text=True)
    assert "Welcome back" in listing and "20% off" in listing
    assert "<svg" in listing and "<script" not in listing
    edit = owner.get(response.location).get_data(as_text=True)
    assert 'value="Welcome back"' in edit
    assert 'value="2026-12-31"' in edit


@pytest.mark.parametrize(
    ("changes", "message"),
    (
        ({"percent": "150"}, "A percent must be from 0 to 100."),
        ({"percent": "-5"}, "A percent must be from 0 to 100."),
        ({"ends_on": "2026-02-01"}, "The end date is before the start date."),
        (
            {"benefit": "complementary", "sku": "NO-SUCH"},
            "There is no product NO-SUCH in the shop.",
        ),
        ({"message": "Dear {{ first_name "}, "Line 1"),
        ({"message": "Hi <script>alert(1)</script>"}, "Scripts and embedded frames"),
        ({"subject": "{% for %}"}, "Line 1"),
        (
            {"trigger": "stamp_card", "trigger_n": "1"},
            "Give the stamps for a full card",
        ),
        ({"name": " "}, "Give the offer a name."),
        ({"holdout_percent": "51"}, "A holdout share must be from 0 to 50 percent"),
        ({"holdout_percent": "-1"}, "A holdout share must be from 0 to 50 percent"),
        ({"holdout_percent": ""}, "Give a whole percent from 0 to 50."),
    ),
)
def test_bad_input_is_explained_and_nothing_is_saved(
    owner: FlaskClient,
    shop_loyalty: Loyalty,
    changes: dict[str, str],
    message: str,
) -> None:
    page = owner.get("/loyalty/owner/offers/new").get_data(as_text=True)
    response = owner.post("/loyalty/owner/offers/new", data=offer_form(page, **changes))
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert message in html
    assert "Nothing was saved." in html
    assert count(shop_loyalty) == 0


def test_the_form_needs_its_csrf_token(
    owner: FlaskClient, shop_loyalty: Loyalty
) -> None:
    page = owner.get("/loyalty/owner/offers/new").get_data(as_text=True)
    response = owner.post(
        "/loyalty/owner/offers/new", data=offer_form(page, csrf_token="forged")
    )
    assert response.status_code == 400
    assert count(shop_loyalty) == 0


def test_she_edits_and_previews_without_saving(
    owner: FlaskClient, shop_loyalty: Loyalty
) -> None:
    offer = make_offer(shop_loyalty)
    url = f"/loyalty/owner/offers/{offer.id}"
    page = owner.get(url).get_data(as_text=True)
    preview = owner.post(
        url,
        data=offer_form(
            page,
            name="Thank you",
            message="Dear {{ first_name }}, **{{ offer }}** for you.",
            percent="25",
            action="preview",
        ),
    )
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200
    assert "Preview (not saved)" in html
    assert "Dear Anna, &lt;strong&gt;25% off&lt;/strong&gt; for you." in html
    shop_loyalty.state.session.expire_all()
    assert shop_loyalty.state.session.get(Offer, offer.id).percent == 20
    saved = owner.post(url, data=offer_form(page, name="Thank you", percent="25"))
    assert saved.status_code == 302
    shop_loyalty.state.session.expire_all()
    assert shop_loyalty.state.session.get(Offer, offer.id).percent == 25
    shown = owner.get(f"{url}/preview").get_data(as_text=True)
    assert "Thank you, Anna" in shown


def test_pause_and_duplicate(owner: FlaskClient, shop_loyalty: Loyalty) -> None:
    offer = make_offer(shop_loyalty)
    page = owner.get("/loyalty/owner/offers/").get_data(as_text=True)
    token = form_token(page)
    assert owner.post(f"/loyalty/owner/offers/{offer.id}/pause").status_code == 400
    owner.post(f"/loyalty/owner/offers/{offer.id}/pause", data={"csrf_token": token})
    session = shop_loyalty.state.session
    session.expire_all()
    assert session.get(Offer, offer.id).active is False
    buy(shop_loyalty, "SF-1", "RNG-FERN")
    assert session.scalar(sa.select(sa.func.count(OfferGrant.id))) == 0
    response = owner.post(
        f"/loyalty/owner/offers/{offer.id}/duplicate", data={"csrf_token": token}
    )
    assert response.status_code == 302
    copy = session.scalars(sa.select(Offer).where(Offer.id != offer.id)).one()
    assert (copy.name, copy.active, copy.percent) == ("Thank you (copy)", False, 20)


def test_the_report_shows_whether_the_offer_pays_off(
    owner: FlaskClient, shop_loyalty: Loyalty
) -> None:
    offer = make_offer(shop_loyalty, percent=10)
    buy(shop_loyalty, "SF-1", "RNG-FERN")  # Anna gets it
    buy(shop_loyalty, "SF-2", "RNG-TIDE", email="bob@example.com")  # Bob too
    code = shop_loyalty.state.session.scalars(sa.select(OfferGrant)).first().code
    buy(shop_loyalty, "SF-3", "NCK-FERN", commit=False)
    shop_loyalty.redeem_discount(code.display, "SF-3")
    html = owner.get(f"/loyalty/owner/offers/{offer.id}/report").get_data(as_text=True)
    assert "<strong>2</strong>issued" in html
    assert "<strong>1</strong>redeemed" in html
    assert "<strong>50%</strong>redemption rate" in html
    assert "<strong>€46.00</strong>revenue" in html
    assert "<strong>€4.60</strong>discount given" in html
    assert "From the Forest collection, like your Fern Leaf Ring." in html


def test_she_sends_an_offer_by_hand_to_a_segment(
    owner: FlaskClient, shop_loyalty: Loyalty
) -> None:
    buy(shop_loyalty, "SF-1", "RNG-FERN")
    buy(shop_loyalty, "SF-2", "RNG-TIDE", email="bob@example.com")
    offer = make_offer(shop_loyalty, trigger=om.MANUAL, name="Spring")
    url = f"/loyalty/owner/offers/{offer.id}/report"
    token = form_token(owner.get(url).get_data(as_text=True))
    for _ in range(2):
        response = owner.post(url, data={"csrf_token": token, "segment": "first_time"})
        assert response.status_code == 302
    assert (
        shop_loyalty.state.session.scalar(sa.select(sa.func.count(OfferGrant.id))) == 2
    )
    bad = owner.post(url, data={"csrf_token": token, "segment": "nobody"})
    assert bad.status_code == 400
