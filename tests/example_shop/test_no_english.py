"""The demo in Estonian, Greek, Hungarian and Tagalog shows no English (issue 20).

The demo data, one emailed link of each kind and a guest's order placed in the
language; then every page the walk reaches from the shop's front page, the
checkout, the emailed links, the customer's account and the owner's menu, as a
visitor, as Anna and as the owner; then every email in the outbox. What counts
as English is in ``tests/english.py``: an owner's text shown in the language it
was written in is marked with that ``lang``, and is not counted.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from example_shop import db
from flask_loyalty.models import OutboxMessage
from flask_loyalty.testing import run_due
from tests.english import LANGUAGES
from tests.english import english_in

from .test_safe_methods import fill_with_links
from .test_safe_methods import sign_in_to_shop
from .test_shop import add_to_cart
from .test_shop import checkout
from .walk_english import walk

NAMES = ("Silver Fern Jewellery", "Silver Fern")
"""The shop's name: a proper name, the same in every language."""
DEMO_DEFAULT_TEXTS = (
    "Thank you for your first order",
    "Welcome series",
    "After the first purchase",
    "New pieces",
)
"""The demo's owner texts in its default language, English: each has a version in
the other four, so none shows (even marked) to a reader of one of them."""
DEMO_TEXT_PAGES = (
    ("guest", "/loyalty/newsletter"),
    ("owner", "/loyalty/owner/offers/"),
    ("owner", "/loyalty/owner/offers/1/report"),
    ("owner", "/loyalty/owner/journeys/"),
    ("owner", "/loyalty/owner/journeys/1"),
    ("owner", "/loyalty/owner/newsletter/topics"),
    ("owner", "/loyalty/owner/newsletter/campaigns/new"),
)

MUST_REACH = {
    "shop.catalog",
    "shop.product",
    "shop.cart",
    "shop.checkout",
    "shop.confirmation",
    "loyalty.account",
    "loyalty.policy",
    "loyalty.return_new",
    "loyalty.owner_dashboard",
    "loyalty.owner_offer",
    "loyalty.owner_journey",
    "loyalty.owner_returns",
    "loyalty.owner_points_customer",
    "loyalty.owner_campaign",
    "loyalty.owner_policy",
}


def speak(client: FlaskClient, language: str) -> FlaskClient:
    with client.session_transaction() as session:
        session["loyalty_language"] = language
    return client


def report(found: dict[str, list[str]]) -> str:
    return "\n".join(
        f"{where}\n    " + "\n    ".join(lines)
        for where, lines in sorted(found.items())
    )


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_page_or_email_of_the_demo_shows_english(
    shop_app: Flask, language: str
) -> None:
    seeds = fill_with_links(shop_app)
    guest = speak(shop_app.test_client(), language)
    add_to_cart(guest, "RNG-FERN")
    placed = checkout(guest, "Zsófia Nagy", f"zsofia.{language}@example.com")
    assert placed.status_code == 302, placed.get_data(as_text=True)
    anna = shop_app.test_client()
    sign_in_to_shop(anna, "anna@example.com", "demo-anna")
    owner = shop_app.test_client()
    sign_in_to_shop(owner, "owner@example.com", "demo-owner")
    owner_pages = [
        rule.rule
        for rule in shop_app.url_map.iter_rules()
        if rule.endpoint.startswith("loyalty.owner") and not rule.arguments
    ]
    found: dict[str, list[str]] = {}
    reached: dict[str, int] = {}
    guest_start = ["/checkout", placed.headers["Location"], "/", "/cart", *seeds]
    for client, start in (
        (guest, guest_start),
        (anna, ["/", "/loyalty/"]),
        (owner, [*owner_pages, *seeds]),
    ):
        found.update(
            walk(
                shop_app,
                speak(client, language),
                start,
                language,
                reached,
                names=NAMES,
            )
        )
    for client, page in DEMO_TEXT_PAGES:
        html = {"guest": guest, "owner": owner}[client].get(page).get_data(True)
        shown = [text for text in DEMO_DEFAULT_TEXTS if text in html]
        assert not shown, f"{page} shows the demo's English {shown} in {language}"
    missed = sorted(MUST_REACH - set(reached))
    assert not missed, f"the walk never reached {missed}"
    assert not found, f"English on {len(found)} pages in {language}:\n{report(found)}"

    run_due(shop_app)
    with shop_app.app_context():
        messages = db.session.scalars(sa.select(OutboxMessage)).all()
        mixed: dict[str, list[str]] = {}
        for message in messages:
            written = message.headers.get("Content-Language", "")
            assert written, f"no Content-Language: {message.subject}"
            if written != "en":
                lines = [message.subject, *message.text_body.splitlines()]
                english = english_in(
                    ((line, written) for line in lines), written, NAMES
                )
                if english:
                    mixed[f"{written} {message.kind}: {message.subject}"] = english
        ours = [m for m in messages if m.to_addr == f"zsofia.{language}@example.com"]
    assert not mixed, f"emails with English in them:\n{report(mixed)}"
    assert {m.kind for m in ours} >= {"offer"}, [m.kind for m in ours]
    assert {m.headers.get("Content-Language") for m in ours} == {language}
