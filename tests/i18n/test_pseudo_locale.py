"""Every page and every email, rendered in a pseudo language that marks each string
of the catalog: readable text outside the marks is a string that was missed (not
wrapped in ``_()``, or not extracted into the .pot).

The pages of the domains in ``COVERED_MODULES`` must all be rendered here; a domain
joins by adding its module here and its pages to a scenario: ``pseudo_core`` for the
newsletter, points and customers, ``pseudo_shop`` for the shop domains.
"""

from __future__ import annotations

import re
import typing as t
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask

from flask_loyalty import FrozenClock
from flask_loyalty.models import OutboxMessage
from flask_loyalty.newsletter import preferences
from flask_loyalty.points.program import load_program
from flask_loyalty.points.program import save_program
from flask_loyalty.points.tiers import load_tiers
from flask_loyalty.testing import run_due

from .pseudo import PSEUDO
from .pseudo import mark_formatted_values
from .pseudo import misses
from .pseudo import visible_text
from .pseudo import write_pseudo_catalog
from .pseudo_core import account_pages
from .pseudo_core import newsletter_pages
from .pseudo_core import owner_pages
from .pseudo_core import sign_in_pages
from .pseudo_pages import Pages
from .pseudo_shop import SHOP_DATA
from .pseudo_shop import SHOP_EMAILS
from .pseudo_shop import SHOP_MODULES
from .pseudo_shop import seed_shop
from .pseudo_shop import shop_scenario

COVERED_MODULES = {
    "flask_loyalty.customers.views",
    "flask_loyalty.languages",
    "flask_loyalty.newsletter.views",
    "flask_loyalty.newsletter.owner_views",
    "flask_loyalty.newsletter.owner_campaigns",
    "flask_loyalty.owner.views",
    "flask_loyalty.points.views",
    "flask_loyalty.points.owner_views",
    *SHOP_MODULES,  # offers, codes, segments, policies, returns, deliverability
}
"""Domains whose every page and email this test renders."""

SHOP = "Craft Shop"
DATA = (
    SHOP,
    "Anna Tamm",
    "Anna",
    "anna@example.com",
    "mari@example.com",
    "Mari",
    "owner@example.com",
    "not-an-address",
    "Knitwear",
    "Warm things for winter",
    "Ceramics",
    "Spring at the workshop",
    "A-1001",
    "A-1002",
    "UTC",
    "Basic",  # the first tier's name, as the owner may rename it
    "order:A-1001",  # ledger keys the owner sees
    "order:A-1002",
    "refund:R-1",
    "R-1",
    "550 no such user",
    "knitwear",  # a topic's short name in the subscriber's history
    *SHOP_DATA,
)
"""The test's own data, which shows as it is on the pages."""

EMAIL_TEMPLATES = {
    "campaign": "campaign",
    "campaign_test": "campaign",
    "newsletter_confirm": "newsletter_confirm",
    "newsletter_already": "newsletter_preferences_link",
    "newsletter_link": "newsletter_preferences_link",
    "points_expiring": "points_expiring",
    "sign_in_link": "sign_in_link",
    **SHOP_EMAILS,
}
"""The covered domains' emails: the outbox kind and the template it uses."""


@pytest.fixture
def pseudo_app(
    make_app: t.Callable[..., Flask], tmp_path: Path, clock: FrozenClock
) -> Flask:
    app = make_app(
        LOYALTY_LANGUAGES=(PSEUDO, "en"),  # the default: owner texts are in it
        LOYALTY_TRANSLATION_DIRECTORIES=[str(write_pseudo_catalog(tmp_path / "pc"))],
        LOYALTY_SHOP_NAME=SHOP,
        LOYALTY_OWNER_EMAIL="owner@example.com",
    )
    app.extensions["loyalty"].extension.owner_check(lambda: True)
    mark_formatted_values(app)

    with app.app_context():
        state = app.extensions["loyalty"]
        program = load_program(state.session)
        values = {
            **vars(program),
            "birthday_bonus": 50,
            "referrer_bonus": 100,
            "referred_bonus": 50,
            "expiry_mode": "after_earning",
            "expiry_months": 12,
            "warning_days": 30,
        }
        save_program(
            state.session,
            state.now(),
            type(program)(**values),
            load_tiers(state.session),
            actor="owner@example.com",
        )
        state.session.commit()
    return app


def seed(app: Flask, clock: FrozenClock) -> dict[str, int]:
    """A topic and a retired one, and Anna's two orders (the first part refunded)
    two days apart. Returns the topics' ids."""
    with app.app_context():
        state = app.extensions["loyalty"]
        loyalty = state.extension
        knit = preferences.add_topic(
            state.session, state.now(), "Knitwear", "Warm things for winter"
        )
        old = preferences.add_topic(state.session, state.now(), "Ceramics")
        old.retired_at = state.now()
        state.session.commit()
        loyalty.record_order(
            "A-1001",
            email="anna@example.com",
            name="Anna Tamm",
            total=Decimal("120.00"),
            items=[
                {
                    "sku": "R1",
                    "name": "Ring",
                    "quantity": 1,
                    "unit_price": Decimal("120.00"),
                }
            ],
            locale=PSEUDO,
        )
        loyalty.record_refund("A-1001", refund_id="R-1", amount=Decimal("20.00"))
        clock.advance(days=2)
        loyalty.record_order(
            "A-1002", email="anna@example.com", total=Decimal("30.00"), locale=PSEUDO
        )
        return {"topic": knit.id, "retired": old.id}


def test_every_page_and_email_is_translated(
    pseudo_app: Flask, clock: FrozenClock
) -> None:
    app = pseudo_app
    offer_id = seed_shop(app)
    ids = seed(app, clock)
    pages = Pages(app)
    visitor = pages.client()
    owner = pages.client()

    sign_in_pages(pages, visitor)
    newsletter_pages(pages, visitor, clock, ids["topic"])
    account_pages(pages)
    campaign = owner_pages(pages, owner, ids)
    shop_misses, shop_data = shop_scenario(app, pages, offer_id)

    # -- the worker: campaign built, points about to expire --------------------
    runner = app.test_cli_runner()
    clock.advance(days=340)
    assert runner.invoke(args=["loyalty", "run-due"]).exit_code == 0
    pages.get(owner, "owner: report", f"{campaign}/report")

    found = {
        name: fragments
        for name, html in pages.seen.items()
        if (fragments := misses(visible_text(html), (*DATA, *shop_data)))
    }
    found.update(_email_misses(app, shop_data))
    found.update(shop_misses)
    assert not found, "Strings not translated:\n" + "\n".join(
        f"  {where}: {fragment!r}"
        for where, fragments in sorted(found.items())
        for fragment in fragments
    )
    _every_page_was_rendered(app, pages)
    _every_email_was_sent(app)


def _messages(app: Flask) -> list[OutboxMessage]:
    run_due(app)
    with app.app_context():
        return list(
            app.extensions["loyalty"].session.scalars(
                sa.select(OutboxMessage).order_by(OutboxMessage.id)
            )
        )


def _email_misses(app: Flask, extra: t.Iterable[str] = ()) -> dict[str, list[str]]:
    found = {}
    for message in _messages(app):
        where = f"email {message.kind} to {message.to_addr}"
        text = "\n".join(
            [message.subject, message.text_body, visible_text(message.html_body or "")]
        )
        urls = re.findall(r"https?://\S+", text)
        fragments = misses(
            text, (*DATA, *extra, *urls, "The rings are in.", "Dear", "friend")
        )
        if fragments:
            found[where] = fragments
    return found


def _every_page_was_rendered(app: Flask, pages: Pages) -> None:
    """Each GET page of the covered domains (data downloads aside) was seen."""
    downloads = {"owner_subscribers_export", "owner_subscriber_data"}
    missing = set()
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        name = rule.endpoint.rpartition(".")[2]
        if (
            view.__module__ in COVERED_MODULES
            and "GET" in (rule.methods or ())
            and name not in downloads
            and rule.endpoint not in pages.endpoints
        ):
            missing.add(rule.endpoint)
    assert not missing, f"pages this test does not render: {sorted(missing)}"


def _every_email_was_sent(app: Flask) -> None:
    """Each email template of the covered domains was rendered and checked."""
    kinds = {message.kind for message in _messages(app)}
    templates = {EMAIL_TEMPLATES.get(kind, kind) for kind in kinds}
    assert set(EMAIL_TEMPLATES.values()) <= templates, sorted(kinds)
    assert {"newsletter_already", "newsletter_link", "campaign_test"} <= kinds


def test_the_check_names_text_outside_the_marks() -> None:
    html = (
        '<html lang="eo"><head><title>⟦Your account⟧ · Craft Shop</title>'
        "<style>p { color: red }</style></head><body>"
        '<nav translate="no"><button>Eesti</button></nav>'
        "<h1>⟦Hello, Anna⟧</h1><p>⟦worth ⟪€5.00⟫⟧ Points left</p>"
        '<input type="submit" value="Save"><code>{{ first_name }}</code>'
        '<a href="/x" aria-label="Close">×</a></body></html>'
    )
    assert misses(visible_text(html), ("Craft Shop",)) == [
        "Points left",
        "Save",
        "Close",
    ]
