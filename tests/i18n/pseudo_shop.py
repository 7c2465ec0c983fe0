"""The pseudo-locale scenario for the shop domains: offers and their codes,
segments, policy pages, returns, deliverability and journeys, customer and owner
side.

``test_pseudo_locale`` runs it with the same client and the same checks as the
other domains: every page it renders and every email it queues must show no text
outside the pseudo language's marks.
"""

from __future__ import annotations

import re
import typing as t
from decimal import Decimal

import sqlalchemy as sa
from flask import Flask
from flask_babel import force_locale

from flask_loyalty import CatalogProduct
from flask_loyalty import OrderLine
from flask_loyalty import signals
from flask_loyalty.codes.api import quote_discount
from flask_loyalty.codes.models import DiscountCode
from flask_loyalty.deliverability import service as deliverability
from flask_loyalty.journeys import models as jm
from flask_loyalty.journeys import service as journeys
from flask_loyalty.journeys.editing import StepData
from flask_loyalty.journeys.editing import save_journey
from flask_loyalty.models import ReturnRequest
from flask_loyalty.newsletter import service as newsletter
from flask_loyalty.newsletter.service import Consent
from flask_loyalty.offers import models as om
from flask_loyalty.offers.editing import OfferValues
from flask_loyalty.offers.editing import save_offer

from .pseudo import PSEUDO
from .pseudo import misses
from .pseudo import visible_text

if t.TYPE_CHECKING:
    from .test_pseudo_locale import Pages

SHOP_MODULES = {
    "flask_loyalty.deliverability.views",
    "flask_loyalty.journeys.views",
    "flask_loyalty.offers.owner_views",
    "flask_loyalty.offers.views",
    "flask_loyalty.policies.views",
    "flask_loyalty.returns.owner_views",
    "flask_loyalty.returns.views",
    "flask_loyalty.segments.owner_views",
}
"""The shop domains' view modules (codes has no pages: its messages are checked
through the discount quote below)."""

SHOP_DATA = (
    "A-1003",
    "Fern Leaf Ring",
    "Fern Frond Pendant",
    "Forest",
    "RNG-FERN",
    "NCK-FERN",
    "Thank you",  # the offer's name, the owner's own words
    "Thank you (copy)",
    "bounced@example.com",
    "EUR",
    "Worn, sorry.",
    "Welcome series",  # a journey, as the owner wrote it
    "Hello from the workshop",
    "Our story.",
    "liis@example.com",
    "Liis",  # the owner's own message to her
    "gift-wrapping",  # an example of a page address, as the owner types it
    "EE, FI, LV",  # examples of country codes
    "custom-made",  # an example of a category, the shop's own
    "/policies/privacy",
    "/policies/returns",
    "/policies/shipping",
    "/policies/warranty",
)
"""The scenario's own data (names the owner or the shop's catalog gives)."""

SHOP_EMAILS = {
    "offer": "offer_issued",
    "return_requested": "return_requested",
    "return_approved": "return_update",
    "return_rejected": "return_update",
    "return_received": "return_update",
    "return_refunded": "return_update",
    "journey": "journey_step",
}
"""The shop domains' emails: the outbox kind and the template it uses."""

CATALOG = [
    CatalogProduct("RNG-FERN", "Fern Leaf Ring", Decimal("38.00"), "rings", "Forest"),
    CatalogProduct(
        "NCK-FERN", "Fern Frond Pendant", Decimal("46.00"), "necklaces", "Forest"
    ),
]


def token(html: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    assert match, html
    return match.group(1)


def seed_shop(app: Flask) -> int:
    """A catalog and a first-purchase offer, before the first order: Anna's first
    order earns it. Returns the offer's id."""
    with app.app_context():
        state = app.extensions["loyalty"]
        state.extension.catalog_loader(lambda: CATALOG)
        offer = save_offer(
            state.session,
            state.now(),
            None,
            OfferValues(
                name="Thank you",
                trigger=om.FIRST_PURCHASE,
                benefit=om.PERCENT,
                percent=20,
                valid_days=30,
                subject="",
                message="",
            ),
            currency="EUR",
            known_skus={p.sku for p in CATALOG},
        )
        journey = save_journey(
            state.session,
            state.now(),
            None,
            name="Welcome series",
            trigger=jm.CONFIRMED,
            steps=[
                StepData(subject="Hello from the workshop", body="Our story."),
                StepData(action=jm.POINTS, points=10, delay_days=1, at_time="09:00"),
            ],
        )
        journeys.resume(state.session, state.now(), journey)
        state.session.commit()
        return offer.id


def shop_scenario(
    app: Flask, pages: Pages, offer_id: int
) -> tuple[dict[str, list[str]], list[str]]:
    """Render every page of the shop domains; return what rendering outside the
    pages (the order confirmation snippet, discount quotes) missed, and the data
    the scenario made (return numbers, discount codes)."""
    with app.app_context():
        state = app.extensions["loyalty"]
        state.extension.record_order(
            "A-1003",
            email="anna@example.com",
            name="Anna Tamm",
            total=Decimal("84.00"),
            items=[
                OrderLine("RNG-FERN", "Fern Leaf Ring", 1, Decimal("38.00"), "rings"),
                OrderLine(
                    "NCK-FERN", "Fern Frond Pendant", 1, Decimal("46.00"), "necklaces"
                ),
            ],
            locale=PSEUDO,
        )
        deliverability.suppress(
            state.session, state.now(), "bounced@example.com", "bounce"
        )
        state.session.commit()
    _subscribe_confirmed(app, "liis@example.com", "Liis")  # enters the journey
    found = _outside_pages(app)

    # -- policy pages and a return -------------------------------------------------
    visitor = pages.client()
    pages.get(visitor, "policies", "/loyalty/policies/")
    pages.get(visitor, "policy: shipping", "/loyalty/policies/shipping")
    html = pages.get(visitor, "policy: returns", "/loyalty/policies/returns")
    pages.post(
        visitor,
        "returns: no such order",
        "/loyalty/returns/start",
        {"csrf_token": token(html), "order_number": "A-1003", "email": "x@ex.com"},
        400,
    )
    found_order = visitor.post(
        "/loyalty/returns/start",
        data={
            "csrf_token": token(html),
            "order_number": "A-1003",
            "email": "anna@example.com",
        },
    )
    assert found_order.status_code == 302, found_order.get_data(as_text=True)
    items_url = found_order.headers["Location"]
    html = pages.get(visitor, "returns: items", items_url)
    pages.post(
        visitor,
        "returns: items, errors",
        items_url,
        {"csrf_token": token(html), "reason": "does_not_fit"},
        400,
    )
    line_ids = re.findall(r'name="qty-(\d+)"', html)
    assert line_ids, html
    sent = visitor.post(
        items_url,
        data={
            "csrf_token": token(html),
            f"qty-{line_ids[0]}": "1",
            "reason": "does_not_fit",
            "resolution": "original",
        },
    )
    assert sent.status_code == 302, sent.get_data(as_text=True)
    status_url = sent.headers["Location"]
    pages.get(visitor, "returns: status", status_url)
    pages.get(visitor, "returns: printable", f"{status_url}/print")
    pages.get(visitor, "returns: bad link", "/loyalty/returns/status/x", 400)

    owner = pages.client()
    pages.get(owner, "owner: returns", "/loyalty/owner/returns/")
    listing = pages.seen["owner: returns"]
    number = re.search(r"/loyalty/owner/returns/(R-[\w-]+)", listing)
    assert number, listing
    detail = f"/loyalty/owner/returns/{number.group(1)}"
    for step in ("approve", "receive", "refund"):
        html = pages.get(owner, f"owner: return before {step}", detail)
        done = owner.post(detail, data={"csrf_token": token(html), "step": step})
        assert done.status_code == 302, (step, done.get_data(as_text=True))
    pages.get(owner, "owner: return refunded", detail)
    pages.get(visitor, "returns: status, refunded", status_url)
    html = pages.get(visitor, "returns: items, one returned", items_url)
    sent = visitor.post(
        items_url,
        data={
            "csrf_token": token(html),
            f"qty-{line_ids[1]}": "1",
            "reason": "changed_mind",
            "resolution": "original",
        },
    )
    assert sent.status_code == 302, sent.get_data(as_text=True)
    second = sent.headers["Location"]
    with app.app_context():
        session = app.extensions["loyalty"].session
        newest = session.scalars(
            sa.select(ReturnRequest).order_by(ReturnRequest.id.desc())
        ).first()
        detail = f"/loyalty/owner/returns/{newest.number}"
    html = pages.get(owner, "owner: return to reject", detail)
    done = owner.post(
        detail,
        data={"csrf_token": token(html), "step": "reject", "message": "Worn, sorry."},
    )
    assert done.status_code == 302, done.get_data(as_text=True)
    pages.get(visitor, "returns: status, rejected", second)
    pages.get(owner, "owner: returns, all", "/loyalty/owner/returns/?status=all")
    html = pages.get(owner, "owner: return rules", "/loyalty/owner/returns/rules")
    pages.post(
        owner,
        "owner: return rules, errors",
        "/loyalty/owner/returns/rules",
        {"csrf_token": token(html), "window_days": "x"},
        400,
    )

    pages.get(owner, "owner: policies", "/loyalty/owner/policies/")
    html = pages.get(owner, "owner: new policy", "/loyalty/owner/policies/new")
    pages.post(
        owner,
        "owner: new policy, errors",
        "/loyalty/owner/policies/new",
        {"csrf_token": token(html), "slug": "Not A Slug", "title": ""},
        400,
    )
    pages.get(owner, "owner: policy", f"/loyalty/owner/policies/shipping?lang={PSEUDO}")

    # -- offers and segments ---------------------------------------------------------
    anna = pages.client()
    from flask_loyalty.testing import sign_in

    sign_in(anna, "anna@example.com")
    pages.get(anna, "account: offers and returns", "/loyalty/")
    pages.get(owner, "owner: offers", "/loyalty/owner/offers/")
    html = pages.get(owner, "owner: new offer", "/loyalty/owner/offers/new")
    pages.post(
        owner,
        "owner: new offer, errors",
        "/loyalty/owner/offers/new",
        {"csrf_token": token(html), "percent": "120"},
        400,
    )
    pages.get(owner, "owner: offer", f"/loyalty/owner/offers/{offer_id}")
    preview = f"/loyalty/owner/offers/{offer_id}/preview"
    pages.get(owner, "owner: offer preview", preview)
    report = f"/loyalty/owner/offers/{offer_id}/report"
    html = pages.get(owner, "owner: offer report", report)
    owner.post(report, data={"csrf_token": token(html), "segment": "first_time"})
    pages.get(owner, "owner: offer report, sent", report)
    pages.get(owner, "owner: segments", "/loyalty/owner/segments/")
    html = pages.get(owner, "owner: segment", "/loyalty/owner/segments/first_time")
    pages.post(
        owner,
        "owner: segments, errors",
        "/loyalty/owner/segments/",
        {"csrf_token": token(html), "regular_orders": "0"},
        400,
    )

    # -- journeys (Mari confirmed her subscription: she is in the welcome series) --
    pages.get(owner, "owner: journeys", "/loyalty/owner/journeys/")
    pages.get(owner, "owner: journey", "/loyalty/owner/journeys/1")
    pages.get(owner, "owner: journey, edit", "/loyalty/owner/journeys/1/edit")
    html = pages.get(owner, "owner: new journey", "/loyalty/owner/journeys/new")
    pages.post(
        owner,
        "owner: new journey, errors",
        "/loyalty/owner/journeys/new",
        {"csrf_token": token(html), "name": "", "steps-0-delay_days": "-1"},
        400,
    )

    # -- deliverability --------------------------------------------------------------
    pages.get(owner, "owner: deliverability", "/loyalty/owner/deliverability")
    suppressed = "/loyalty/owner/deliverability/suppressed"
    html = pages.get(owner, "owner: suppressed", suppressed)
    owner.post(suppressed, data={"csrf_token": token(html), "email": "no@example.com"})
    pages.get(owner, "owner: suppressed, not listed", suppressed)
    pages.get(owner, "owner: suppressed, none found", f"{suppressed}?q=zzz")
    with app.app_context():
        session = app.extensions["loyalty"].session
        made = [r.number for r in session.scalars(sa.select(ReturnRequest))]
        made += [c.display for c in session.scalars(sa.select(DiscountCode))]
    return found, made


def _subscribe_confirmed(app: Flask, email: str, first_name: str) -> None:
    """Subscribe and confirm her in the pseudo language, as the confirmation
    page does; the journey that starts on a confirmation takes her in."""
    with app.test_request_context():
        state = app.extensions["loyalty"]
        subscriber, _send = newsletter.subscribe(
            state.session,
            state.now(),
            email=email,
            first_name=first_name,
            topic_ids=(),
            consent=Consent(text="Yes", version="1", source="test", ip=None),
        )
        subscriber.locale = PSEUDO
        newsletter.confirm(state.session, state.now(), subscriber)
        state.session.commit()
        signals.subscription_confirmed.send(app, subscriber=subscriber)


def _outside_pages(app: Flask) -> dict[str, list[str]]:
    """The order confirmation snippet the shop includes, and discount quotes (the
    shop's checkout shows their description and message), in the pseudo language."""
    found = {}
    with app.test_request_context(), force_locale(PSEUDO):
        state = app.extensions["loyalty"]
        snippet = str(app.jinja_env.globals["loyalty_offer_for_order"]("A-1001"))
        assert "loyalty-offer" in snippet, "Anna's first order earned no offer"
        grant = state.session.scalars(sa.select(om.OfferGrant)).first()
        texts = [visible_text(snippet)]
        for code in (grant.code.display, "NOPE-NOPE"):
            quote = quote_discount(
                state, code, email="mari@example.com", subtotal=Decimal("10.00")
            )
            texts += [quote.description, quote.message or ""]
        quote = quote_discount(
            state, grant.code.display, email="anna@example.com", subtotal=Decimal("90")
        )
        texts += [quote.description, quote.message or ""]
        for text in texts:
            if fragments := misses(text, SHOP_DATA):
                found.setdefault("checkout and confirmation", []).extend(fragments)
    return found
