"""The pseudo-locale scenario for the shop domains: offers and their codes,
segments, policy pages, returns, deliverability and journeys, customer and owner
side.

``test_pseudo_locale`` runs it with the same client and the same checks as the
other domains: every page it renders and every email it queues must show no text
outside the pseudo language's marks.
"""

from __future__ import annotations

import re
from decimal import Decimal

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from flask_babel import force_locale

from flask_loyalty import CatalogProduct
from flask_loyalty import OrderLine
from flask_loyalty.codes.api import quote_discount
from flask_loyalty.codes.models import DiscountCode
from flask_loyalty.deliverability import service as deliverability
from flask_loyalty.journeys import models as jm
from flask_loyalty.journeys import service as journeys
from flask_loyalty.journeys.editing import StepData
from flask_loyalty.journeys.editing import save_journey
from flask_loyalty.models import ReturnRequest
from flask_loyalty.offers import models as om
from flask_loyalty.offers.editing import OfferValues
from flask_loyalty.offers.editing import save_offer
from flask_loyalty.testing import sign_in
from tests.journeys.conftest import subscribe_confirmed

from .pseudo import PSEUDO
from .pseudo import misses
from .pseudo import visible_text
from .pseudo_pages import Pages
from .pseudo_pages import moved
from .pseudo_pages import send

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
            holdout_percent=0,
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
    _anna_orders_and_liis_subscribes(app)
    found = _outside_pages(app)
    visitor = pages.client()
    owner = pages.client()
    _policies_and_returns(pages, visitor, owner)
    _offers_and_segments(pages, owner, offer_id)
    _owner_journeysand_deliverability(pages, owner)
    with app.app_context():
        session = app.extensions["loyalty"].session
        made = [r.number for r in session.scalars(sa.select(ReturnRequest))]
        made += [c.display for c in session.scalars(sa.select(DiscountCode))]
    return found, made


def _anna_orders_and_liis_subscribes(app: Flask) -> None:
    """Anna's first order of the catalog's pieces (it earns the offer), an address
    on the suppression list, and Liis confirmed in the pseudo language (she enters
    the welcome series)."""
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
    subscribe_confirmed(app, "liis@example.com", "Liis", locale=PSEUDO)


def _policies_and_returns(
    pages: Pages, visitor: FlaskClient, owner: FlaskClient
) -> None:
    """The policy pages, and two returns of Anna's order: one approved, received and
    refunded, one rejected; the owner's return rules and policy pages."""
    pages.get(visitor, "policies", "/loyalty/policies/")
    pages.get(visitor, "policy: shipping", "/loyalty/policies/shipping")
    start = "/loyalty/returns/start"
    html = pages.form(
        visitor,
        "policy: returns",
        "/loyalty/policies/returns",
        "returns: no such order",
        {"order_number": "A-1003", "email": "x@ex.com"},
        action=start,
    )
    found_order = send(
        visitor, start, html, order_number="A-1003", email="anna@example.com"
    )
    items_url = moved(found_order)
    html = pages.form(
        visitor,
        "returns: items",
        items_url,
        "returns: items, errors",
        {"reason": "does_not_fit"},
    )
    line_ids = re.findall(r'name="qty-(\d+)"', html)
    assert line_ids, html
    first = {f"qty-{line_ids[0]}": "1", "reason": "does_not_fit"}
    status_url = moved(send(visitor, items_url, html, **first, resolution="original"))
    pages.get(visitor, "returns: status", status_url)
    pages.get(visitor, "returns: printable", f"{status_url}/print")
    pages.get(visitor, "returns: bad link", "/loyalty/returns/status/x", 400)

    pages.get(owner, "owner: returns", "/loyalty/owner/returns/")
    listing = pages.seen["owner: returns"]
    number = re.search(r"/loyalty/owner/returns/(R-[\w-]+)", listing)
    assert number, listing
    detail = f"/loyalty/owner/returns/{number.group(1)}"
    for step in ("approve", "receive", "refund"):
        html = pages.get(owner, f"owner: return before {step}", detail)
        moved(send(owner, detail, html, step=step))
    pages.get(owner, "owner: return refunded", detail)
    pages.get(visitor, "returns: status, refunded", status_url)
    html = pages.get(visitor, "returns: items, one returned", items_url)
    second = {f"qty-{line_ids[1]}": "1", "reason": "changed_mind"}
    second_url = moved(send(visitor, items_url, html, **second, resolution="original"))
    detail = f"/loyalty/owner/returns/{_newest_return(pages.app)}"
    html = pages.get(owner, "owner: return to reject", detail)
    moved(send(owner, detail, html, step="reject", message="Worn, sorry."))
    pages.get(visitor, "returns: status, rejected", second_url)
    pages.get(owner, "owner: returns, all", "/loyalty/owner/returns/?status=all")
    rules = "/loyalty/owner/returns/rules"
    refused = "owner: return rules, errors"
    pages.form(owner, "owner: return rules", rules, refused, {"window_days": "x"})
    pages.form(
        owner,
        "owner: category names",
        f"{rules}/categories?lang=en",
        "owner: category names, errors",
        {"labels-0": "x" * 101},
    )

    new_policy = "/loyalty/owner/policies/new"
    pages.get(owner, "owner: policies", "/loyalty/owner/policies/")
    pages.form(
        owner,
        "owner: new policy",
        new_policy,
        "owner: new policy, errors",
        {"slug": "Not A Slug", "title": ""},
    )
    pages.get(owner, "owner: policy", f"/loyalty/owner/policies/shipping?lang={PSEUDO}")


def _newest_return(app: Flask) -> str:
    """The number of the newest return request."""
    with app.app_context():
        session = app.extensions["loyalty"].session
        newest = session.scalars(
            sa.select(ReturnRequest).order_by(ReturnRequest.id.desc())
        ).first()
        return newest.number


def _offers_and_segments(pages: Pages, owner: FlaskClient, offer_id: int) -> None:
    """Anna's account with her offer; the owner's offers, the offer's preview and
    report (sent on to a segment), and the segments, with the forms' errors."""
    anna = pages.client()
    sign_in(anna, "anna@example.com")
    pages.get(anna, "account: offers and returns", "/loyalty/")
    offers = "/loyalty/owner/offers"
    pages.get(owner, "owner: offers", f"{offers}/")
    refused = "owner: new offer, errors"
    pages.get(owner, "owner: new offer, when", f"{offers}/new")
    pages.get(owner, "owner: new offer, what", f"{offers}/new?trigger=win_back")
    kinds = {"trigger": "win_back", "benefit": "amount"}
    pages.form(
        owner,
        "owner: new offer",
        f"{offers}/new?trigger=win_back&benefit=amount",
        refused,
        {**kinds, "trigger_n": "0", "amount": "x"},
        action=f"{offers}/new",
    )
    pages.get(owner, "owner: offer", f"{offers}/{offer_id}")
    pages.get(owner, "owner: offer preview", f"{offers}/{offer_id}/preview")
    report = f"{offers}/{offer_id}/report"
    html = pages.get(owner, "owner: offer report", report)
    send(owner, report, html, segment="first_time")
    pages.get(owner, "owner: offer report, sent", report)
    segments = "/loyalty/owner/segments/"
    pages.get(owner, "owner: segments", segments)
    pages.form(
        owner,
        "owner: segment",
        f"{segments}first_time",
        "owner: segments, errors",
        {"regular_orders": "0"},
        action=segments,
    )


def _owner_journeysand_deliverability(pages: Pages, owner: FlaskClient) -> None:
    """The owner's journeys (Liis confirmed her subscription: she is in the welcome
    series), a new journey's errors, and the suppression list."""
    owner_journeys = "/loyalty/owner/journeys"
    pages.get(owner, "owner: journeys", f"{owner_journeys}/")
    pages.get(owner, "owner: journey", f"{owner_journeys}/1")
    pages.get(owner, "owner: journey, edit", f"{owner_journeys}/1/edit")
    pages.get(owner, "owner: journey, delete", f"{owner_journeys}/1/delete")
    unnamed = {"name": "", "steps-0-delay_days": "-1"}
    refused = "owner: new journey, errors"
    pages.form(owner, "owner: new journey", f"{owner_journeys}/new", refused, unnamed)

    pages.get(owner, "owner: deliverability", "/loyalty/owner/deliverability")
    suppressed = "/loyalty/owner/deliverability/suppressed"
    html = pages.get(owner, "owner: suppressed", suppressed)
    send(owner, suppressed, html, email="no@example.com")
    pages.get(owner, "owner: suppressed, not listed", suppressed)
    pages.get(owner, "owner: suppressed, none found", f"{suppressed}?q=zzz")


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
