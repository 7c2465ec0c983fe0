"""The pseudo-locale scenario for the core domains: signing in, the newsletter, her
account and points, and the owner's pages for customers, topics, subscribers,
campaigns, points and the outbox.

``test_pseudo_locale`` runs it step by step, then checks every page it rendered and
every email it queued.
"""

from __future__ import annotations

import re

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from flask_loyalty import FrozenClock
from flask_loyalty.models import OutboxMessage
from flask_loyalty.testing import run_due
from flask_loyalty.testing import sign_in

from .pseudo_pages import Pages
from .pseudo_pages import key
from .pseudo_pages import moved
from .pseudo_pages import send
from .pseudo_pages import token


def sign_in_pages(pages: Pages, visitor: FlaskClient) -> None:
    """A visitor asks for a sign-in link: the form and its errors, the page that
    says it was sent, a bad link; then Anna asks for hers."""
    html = pages.get(visitor, "sign in", "/loyalty/")
    pages.post(visitor, "sign in: expired form", "/loyalty/sign-in", {}, 400)
    pages.post(
        visitor,
        "sign in: bad address",
        "/loyalty/sign-in",
        {"csrf_token": token(html), "email": "not-an-address"},
        400,
    )
    send(visitor, "/loyalty/sign-in", html, email="anna@ex.com")
    pages.get(visitor, "sign in: sent", "/loyalty/sign-in/sent")
    pages.get(visitor, "sign in: bad link", "/loyalty/sign-in/nonsense", 400)
    send(visitor, "/loyalty/sign-in", html, email="anna@example.com")
    run_due(pages.app)  # the worker mails the link


def newsletter_pages(
    pages: Pages, visitor: FlaskClient, clock: FrozenClock, topic_id: int
) -> None:
    """Mari subscribes, confirms, saves her topics, subscribes again, unsubscribes
    and subscribes once more; then the bad links and the form that asks for one."""
    subscribe = "/loyalty/newsletter"
    html = pages.form(
        visitor,
        "subscribe",
        subscribe,
        "subscribe: errors",
        {"email": "not-an-address"},
    )
    topics = [str(topic_id)]
    mari = {"email": "mari@example.com", "consent": "y"}
    send(visitor, subscribe, html, **mari, first_name="Mari", topics=topics)
    pages.get(visitor, "check inbox", "/loyalty/newsletter/check-inbox")
    confirm = _link(pages.app, "newsletter_confirm", "confirm")
    html = pages.get(visitor, "confirm: the button", confirm)
    preferences = moved(visitor.post(confirm, data={"csrf_token": token(html)}))
    html = pages.get(visitor, "preferences: confirmed", preferences)
    pages.post(
        visitor,
        "preferences: saved",
        preferences,
        {"csrf_token": token(html), "topics": topics, "save": "y"},
    )
    clock.advance(hours=2)
    send(visitor, subscribe, html, **mari)  # subscribed already: her settings link
    unsubscribe = preferences.replace("/preferences/", "/unsubscribe/").split("?")[0]
    pages.get(visitor, "unsubscribe", unsubscribe)
    pages.post(visitor, "unsubscribed", unsubscribe, {})
    pages.get(visitor, "preferences: unsubscribed", preferences.split("?")[0])
    clock.advance(hours=2)
    send(visitor, subscribe, html, **mari)  # after unsubscribing: a new confirmation
    pages.get(visitor, "confirm: bad link", "/loyalty/newsletter/confirm/x", 400)
    pages.get(
        visitor, "preferences: bad link", "/loyalty/newsletter/preferences/x", 400
    )
    ask = "/loyalty/newsletter/link"
    html = pages.form(
        visitor,
        "ask for a link",
        ask,
        "ask for a link: bad address",
        {"email": "not-an-address"},
    )
    send(visitor, ask, html, email="mari@example.com")


def account_pages(pages: Pages) -> None:
    """Anna, signed in, opens her account page, redeems points for a code on her
    points page, makes mistakes in the forms, and opens her invitation link;
    others open it too, and a bad one."""
    anna = pages.client()
    sign_in(anna, "anna@example.com")
    pages.get(anna, "account", "/loyalty/")
    html = pages.get(anna, "points", "/loyalty/points")
    send(anna, "/loyalty/points/redeem", html, key=key(html, "redeem"), points="100")
    pages.get(anna, "account: code", "/loyalty/")
    html = pages.get(anna, "points: code", "/loyalty/points")
    send(anna, "/loyalty/points/redeem", html, key=key(html, "redeem"), points="x")
    send(anna, "/loyalty/points/birthday", html, birthday="not a day")
    pages.get(anna, "points: errors", "/loyalty/points")
    invite = re.search(r'value="(http://shop.test/loyalty/points/invite/[^"]+)"', html)
    assert invite, "no invitation link on her points page"
    pages.get(anna, "invitation: her own", invite.group(1))
    pages.get(pages.client(), "invitation", invite.group(1))
    pages.get(pages.client(), "invitation: bad", "/loyalty/points/invite/x", 400)


def owner_pages(pages: Pages, owner: FlaskClient, ids: dict[str, int]) -> str:
    """The owner's customers, topics, subscribers, a campaign, points and outbox,
    with the forms' errors. Returns the campaign's address."""
    pages.get(owner, "owner: overview", "/loyalty/owner/")
    pages.get(owner, "owner: customers", "/loyalty/owner/customers")
    pages.get(owner, "owner: customers, none", "/loyalty/owner/customers?q=zzz")
    topics = "/loyalty/owner/newsletter/topics"
    pages.form(owner, "owner: topics", topics, "owner: topics, error", {"name": ""})
    pages.get(owner, "owner: topic", f"{topics}/{ids['topic']}")
    pages.get(owner, "owner: retired topic", f"{topics}/{ids['retired']}")
    subscribers = "/loyalty/owner/newsletter/subscribers"
    pages.get(owner, "owner: subscribers", subscribers)
    pages.get(owner, "owner: subscriber", f"{subscribers}/1")
    pages.form(
        owner, "owner: import", f"{subscribers}/import", "owner: import, errors", {}
    )
    pages.get(owner, "owner: campaigns", "/loyalty/owner/newsletter/")
    campaign = _campaign_tested_and_sent(pages, owner, ids["topic"])

    points = "/loyalty/owner/points"
    pages.get(owner, "owner: points", points)
    pages.get(owner, "owner: points, none", f"{points}?q=zzz")
    customer = f"{points}/customers/1"
    html = pages.get(owner, "owner: points of a customer", customer)
    pages.post(
        owner,
        "owner: adjust, errors",
        customer,
        {"csrf_token": token(html), "key": key(html, "adjust"), "points": "0"},
        400,
    )
    negative = {"earn_mode": "per_unit", "points_per_unit": "-1"}
    refused = "owner: points program, errors"
    pages.form(owner, "owner: points program", f"{points}/settings", refused, negative)
    names = {"tiers-0-name": "", "tiers-0-perks": "x"}  # perks without a name
    tiers = f"{points}/tiers?lang=en"
    pages.form(owner, "owner: tier names", tiers, "owner: tier names, errors", names)
    pages.get(owner, "owner: outbox", "/loyalty/owner/outbox")
    message_id = _a_failed_message(pages.app)
    pages.get(owner, "owner: message", f"/loyalty/owner/outbox/{message_id}")
    return campaign


def _campaign_tested_and_sent(pages: Pages, owner: FlaskClient, topic_id: int) -> str:
    """A campaign to the topic, written (after a form with errors), previewed, sent
    as a test and then to everyone. Returns its address."""
    new = "/loyalty/owner/newsletter/campaigns/new"
    html = pages.form(
        owner, "owner: new campaign", new, "owner: new campaign, errors", {}
    )
    campaign = send(
        owner,
        new,
        html,
        subject="Spring at the workshop",
        body="Dear {{ first_name or 'friend' }},\n\nThe rings are in.",
        topics=[str(topic_id)],
    ).headers["Location"]
    html = pages.get(owner, "owner: campaign", campaign)
    pages.get(owner, "owner: preview", f"{campaign}/preview")
    send(owner, f"{campaign}/test", html, address="owner@example.com")
    pages.get(owner, "owner: campaign, test sent", campaign)
    send(owner, f"{campaign}/send", html)
    pages.get(owner, "owner: campaign, sending", campaign)
    return campaign


def _a_failed_message(app: Flask) -> int:
    """Mark the first message in the outbox failed, as a bounce would; its id."""
    run_due(app)
    with app.app_context():
        state = app.extensions["loyalty"]
        message = state.session.scalars(sa.select(OutboxMessage)).first()
        message.status, message.last_error = "failed", "550 no such user"
        state.session.commit()
        return message.id


def _link(app: Flask, kind: str, path: str) -> str:
    """The newsletter link (``confirm``, ...) in the newest email of ``kind``."""
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
