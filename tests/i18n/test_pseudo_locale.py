"""Every page and every email, rendered in a pseudo language that marks each string
of the catalog: readable text outside the marks is a string that was missed (not
wrapped in ``_()``, or not extracted into the .pot).

The pages of the domains in ``COVERED_MODULES`` must all be rendered here; a domain
joins by adding its module and its pages to the scenario below.
"""

from __future__ import annotations

import re
import typing as t
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from flask_loyalty import FrozenClock
from flask_loyalty.models import OutboxMessage
from flask_loyalty.newsletter import service as newsletter
from flask_loyalty.points.program import load_program
from flask_loyalty.points.program import load_tiers
from flask_loyalty.points.program import save_program
from flask_loyalty.testing import sign_in

from .pseudo import PSEUDO
from .pseudo import mark_formatted_values
from .pseudo import misses
from .pseudo import visible_text
from .pseudo import write_pseudo_catalog
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


def token(html: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    assert match, html
    return match.group(1)


def key(html: str, prefix: str) -> str:
    match = re.search(rf'name="key" type="hidden" value="({prefix}:[^"]+)"', html)
    assert match, html
    return match.group(1)


class Pages:
    """Renders pages with a client and keeps what each one showed."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.seen: dict[str, str] = {}
        self.endpoints: set[str] = set()

    def client(self) -> FlaskClient:
        client = self.app.test_client()
        client.environ_base["HTTP_ACCEPT_LANGUAGE"] = PSEUDO
        return client

    def keep(self, name: str, response: t.Any, status: int = 200) -> str:
        assert response.status_code == status, (name, response.status_code)
        html = response.get_data(as_text=True)
        assert f'<html lang="{PSEUDO}">' in html, name
        self.seen[name] = html
        adapter = self.app.url_map.bind("shop.test")
        endpoint, _values = adapter.match(
            response.request.path, response.request.method
        )
        self.endpoints.add(endpoint)
        return html

    def get(self, client: FlaskClient, name: str, url: str, status: int = 200) -> str:
        return self.keep(name, client.get(url), status)

    def post(
        self,
        client: FlaskClient,
        name: str,
        url: str,
        data: dict[str, t.Any],
        status: int = 200,
    ) -> str:
        return self.keep(name, client.post(url, data=data), status)


@pytest.fixture
def pseudo_app(
    make_app: t.Callable[..., Flask], tmp_path: Path, clock: FrozenClock
) -> Flask:
    app = make_app(
        LOYALTY_LANGUAGES=("en", PSEUDO),
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
    with app.app_context():
        state = app.extensions["loyalty"]
        loyalty = state.extension
        knit = newsletter.add_topic(
            state.session, state.now(), "Knitwear", "Warm things for winter"
        )
        old = newsletter.add_topic(state.session, state.now(), "Ceramics")
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

    # -- a visitor: sign-in pages ------------------------------------------------
    visitor = pages.client()
    html = pages.get(visitor, "sign in", "/loyalty/")
    pages.post(visitor, "sign in: expired form", "/loyalty/sign-in", {}, 400)
    pages.post(
        visitor,
        "sign in: bad address",
        "/loyalty/sign-in",
        {"csrf_token": token(html), "email": "not-an-address"},
        400,
    )
    visitor.post(
        "/loyalty/sign-in", data={"csrf_token": token(html), "email": "anna@ex.com"}
    )
    pages.get(visitor, "sign in: sent", "/loyalty/sign-in/sent")
    pages.get(visitor, "sign in: bad link", "/loyalty/sign-in/nonsense", 400)
    visitor.post(
        "/loyalty/sign-in",
        data={"csrf_token": token(html), "email": "anna@example.com"},
    )

    # -- the newsletter ------------------------------------------------------------
    html = pages.get(visitor, "subscribe", "/loyalty/newsletter")
    pages.post(
        visitor,
        "subscribe: errors",
        "/loyalty/newsletter",
        {"csrf_token": token(html), "email": "not-an-address"},
        400,
    )
    visitor.post(
        "/loyalty/newsletter",
        data={
            "csrf_token": token(html),
            "email": "mari@example.com",
            "first_name": "Mari",
            "topics": [str(ids["topic"])],
            "consent": "y",
        },
    )
    pages.get(visitor, "check inbox", "/loyalty/newsletter/check-inbox")
    confirm = _link(app, "newsletter_confirm", "confirm")
    response = visitor.get(confirm)
    assert response.status_code == 302
    preferences = response.headers["Location"]
    html = pages.get(visitor, "preferences: confirmed", preferences)
    pages.post(
        visitor,
        "preferences: saved",
        preferences,
        {"csrf_token": token(html), "topics": [str(ids["topic"])], "save": "y"},
    )
    clock.advance(hours=2)
    visitor.post(  # she is subscribed already: a note with her settings link
        "/loyalty/newsletter",
        data={"csrf_token": token(html), "email": "mari@example.com", "consent": "y"},
    )
    unsubscribe = preferences.replace("/preferences/", "/unsubscribe/").split("?")[0]
    pages.get(visitor, "unsubscribe", unsubscribe)
    pages.post(visitor, "unsubscribed", unsubscribe, {})
    pages.get(visitor, "preferences: unsubscribed", preferences.split("?")[0])
    clock.advance(hours=2)
    visitor.post(  # after unsubscribing: a new confirmation
        "/loyalty/newsletter",
        data={
            "csrf_token": token(html),
            "email": "mari@example.com",
            "consent": "y",
        },
    )
    pages.get(visitor, "confirm: bad link", "/loyalty/newsletter/confirm/x", 400)
    pages.get(
        visitor, "preferences: bad link", "/loyalty/newsletter/preferences/x", 400
    )
    html = pages.get(visitor, "ask for a link", "/loyalty/newsletter/link")
    pages.post(
        visitor,
        "ask for a link: bad address",
        "/loyalty/newsletter/link",
        {"csrf_token": token(html), "email": "not-an-address"},
        400,
    )
    visitor.post(
        "/loyalty/newsletter/link",
        data={"csrf_token": token(html), "email": "mari@example.com"},
    )

    # -- her account ---------------------------------------------------------------
    anna = pages.client()
    sign_in(anna, "anna@example.com")
    html = pages.get(anna, "account", "/loyalty/")
    anna.post(
        "/loyalty/points/redeem",
        data={"csrf_token": token(html), "key": key(html, "redeem"), "points": "100"},
    )
    html = pages.get(anna, "account: code", "/loyalty/")
    anna.post(
        "/loyalty/points/redeem",
        data={"csrf_token": token(html), "key": key(html, "redeem"), "points": "x"},
    )
    anna.post(
        "/loyalty/points/birthday",
        data={"csrf_token": token(html), "birthday": "not a day"},
    )
    pages.get(anna, "account: errors", "/loyalty/")
    invite = re.search(r'value="(http://shop.test/loyalty/points/invite/[^"]+)"', html)
    assert invite, "no invitation link on the account page"
    pages.get(anna, "invitation: her own", invite.group(1))
    pages.get(pages.client(), "invitation", invite.group(1))
    pages.get(pages.client(), "invitation: bad", "/loyalty/points/invite/x", 400)

    # -- the owner -------------------------------------------------------------------
    owner = pages.client()
    pages.get(owner, "owner: overview", "/loyalty/owner/")
    pages.get(owner, "owner: customers", "/loyalty/owner/customers")
    pages.get(owner, "owner: customers, none", "/loyalty/owner/customers?q=zzz")
    html = pages.get(owner, "owner: topics", "/loyalty/owner/newsletter/topics")
    pages.post(
        owner,
        "owner: topics, error",
        "/loyalty/owner/newsletter/topics",
        {"csrf_token": token(html), "name": ""},
        400,
    )
    pages.get(owner, "owner: topic", f"/loyalty/owner/newsletter/topics/{ids['topic']}")
    pages.get(
        owner,
        "owner: retired topic",
        f"/loyalty/owner/newsletter/topics/{ids['retired']}",
    )
    pages.get(owner, "owner: subscribers", "/loyalty/owner/newsletter/subscribers")
    pages.get(owner, "owner: subscriber", "/loyalty/owner/newsletter/subscribers/1")
    html = pages.get(
        owner, "owner: import", "/loyalty/owner/newsletter/subscribers/import"
    )
    pages.post(
        owner,
        "owner: import, errors",
        "/loyalty/owner/newsletter/subscribers/import",
        {"csrf_token": token(html)},
        400,
    )
    pages.get(owner, "owner: campaigns", "/loyalty/owner/newsletter/")
    new = "/loyalty/owner/newsletter/campaigns/new"
    html = pages.get(owner, "owner: new campaign", new)
    pages.post(
        owner, "owner: new campaign, errors", new, {"csrf_token": token(html)}, 400
    )
    response = owner.post(
        new,
        data={
            "csrf_token": token(html),
            "subject": "Spring at the workshop",
            "body": "Dear {{ first_name or 'friend' }},\n\nThe rings are in.",
            "topics": [str(ids["topic"])],
        },
    )
    campaign = response.headers["Location"]
    html = pages.get(owner, "owner: campaign", campaign)
    pages.get(owner, "owner: preview", f"{campaign}/preview")
    owner.post(
        f"{campaign}/test",
        data={"csrf_token": token(html), "address": "owner@example.com"},
    )
    pages.get(owner, "owner: campaign, test sent", campaign)
    owner.post(f"{campaign}/send", data={"csrf_token": token(html)})
    pages.get(owner, "owner: campaign, sending", campaign)

    pages.get(owner, "owner: points", "/loyalty/owner/points")
    pages.get(owner, "owner: points, none", "/loyalty/owner/points?q=zzz")
    html = pages.get(
        owner, "owner: points of a customer", "/loyalty/owner/points/customers/1"
    )
    pages.post(
        owner,
        "owner: adjust, errors",
        "/loyalty/owner/points/customers/1",
        {"csrf_token": token(html), "key": key(html, "adjust"), "points": "0"},
        400,
    )
    html = pages.get(owner, "owner: points program", "/loyalty/owner/points/settings")
    pages.post(
        owner,
        "owner: points program, errors",
        "/loyalty/owner/points/settings",
        {"csrf_token": token(html), "earn_mode": "per_unit", "points_per_unit": "-1"},
        400,
    )
    pages.get(owner, "owner: outbox", "/loyalty/owner/outbox")
    with app.app_context():
        state = app.extensions["loyalty"]
        message = state.session.scalars(sa.select(OutboxMessage)).first()
        message.status, message.last_error = "failed", "550 no such user"
        state.session.commit()
        message_id = message.id
    pages.get(owner, "owner: message", f"/loyalty/owner/outbox/{message_id}")

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


def _link(app: Flask, kind: str, path: str) -> str:
    with app.app_context():
        message = (
            app.extensions["loyalty"]
            .session.scalars(
                sa.select(OutboxMessage)
                .where(OutboxMessage.kind == kind)
                .order_by(OutboxMessage.id.desc())
            )
            .first()
        )
    assert message is not None, kind
    match = re.search(
        rf"http://shop\.test(/loyalty/newsletter/{path}/\S+)", message.text_body
    )
    assert match, message.text_body
    return match.group(1)


def _messages(app: Flask) -> list[OutboxMessage]:
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
