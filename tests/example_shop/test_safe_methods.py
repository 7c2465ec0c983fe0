"""No request but a POST changes anything (issue 18, point 1).

Link scanners, previewers and prefetching browsers send GET and HEAD to every link
in an email; Flask answers HEAD with the GET view. The example shop is filled with
the demo data and with one of each emailed link (confirmation, preferences, her data,
unsubscribe, sign-in, return request and status, invitation), then every page of
the loyalty blueprint is walked with HEAD, GET and OPTIONS as a visitor, a signed-in
customer and the owner. Not one row of any table may change and no mail may be
queued, and every route that answers GET must have been reached.
"""

from __future__ import annotations

import re
import typing as t
from collections import deque
from dataclasses import replace
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from example_shop import db
from example_shop.cli import DEMO_ORDERS
from flask_loyalty.models import OutboxMessage
from flask_loyalty.newsletter.campaigns import save_campaign
from flask_loyalty.newsletter.campaigns import schedule
from flask_loyalty.newsletter.mail import build_due_campaigns
from flask_loyalty.newsletter.models import Topic
from flask_loyalty.points.program import load_program
from flask_loyalty.points.program import save_program
from flask_loyalty.points.tiers import load_tiers
from flask_loyalty.policies.service import save_page
from flask_loyalty.testing import run_due

from .conftest import post_form

LINK = re.compile(r"""(?:href|action|src)="([^"]+)"|(https?://[^\s"'<>)]+)""")
SAFE = ("HEAD", "GET", "OPTIONS")
PER_ENDPOINT = 3  # pages visited per route: enough to cover each, fast to walk


def snapshot(app: Flask) -> dict[str, list[tuple[t.Any, ...]]]:
    """Every row of every table, in a stable order."""
    with app.app_context():
        engine = db.engine
        tables = sa.inspect(engine).get_table_names()
        with engine.connect() as conn:
            return {
                name: sorted(
                    (
                        tuple(row)
                        for row in conn.execute(sa.text(f'SELECT * FROM "{name}"'))
                    ),
                    key=repr,
                )
                for name in tables
            }


def outbox_links(app: Flask) -> list[str]:
    run_due(app)
    with app.app_context():
        messages = db.session.scalars(sa.select(OutboxMessage)).all()
        found = []
        for message in messages:
            text = (
                message.text_body
                + message.html_body
                + " ".join(message.headers.values())
            )
            found += re.findall(r"https?://[^\s\"'<>),]+", text)
    return found


def sign_in_to_shop(client: FlaskClient, email: str, password: str) -> None:
    response = post_form(
        client, "/auth/sign-in", "/auth/sign-in", {"email": email, "password": password}
    )
    assert response.status_code == 302, response.get_data(as_text=True)


def fill_with_links(app: Flask) -> list[str]:
    """The demo data and one emailed link of each kind; returns the seed URLs."""
    result = app.test_cli_runner().invoke(args=["shop", "init-demo"])
    assert result.exit_code == 0, result.output
    visitor = app.test_client()
    page = "/loyalty/newsletter"
    topic = re.search(r'name="topics"[^>]*value="(\d+)"', visitor.get(page).text)
    assert topic, "the subscribe form offers the demo's topic"
    response = post_form(
        visitor,
        page,
        page,
        {
            "email": "kati@example.com",
            "first_name": "Kati",
            "consent": "y",
            "topics": topic[1],
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    confirm = next(u for u in outbox_links(app) if "/newsletter/confirm/" in u)
    path = urlsplit(confirm).path
    response = post_form(visitor, path, path, {})
    assert response.status_code == 302, response.get_data(as_text=True)
    response = post_form(
        visitor,
        "/loyalty/newsletter/link",
        "/loyalty/newsletter/link",
        {"email": "kati@example.com"},
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    response = post_form(
        visitor, "/loyalty/", "/loyalty/sign-in", {"email": "anna@example.com"}
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    anna = app.test_client()
    sign_in_to_shop(anna, "anna@example.com", "demo-anna")
    for purpose in ("export", "erase"):  # her links for her data and its erasure
        page = f"/loyalty/my-data?purpose={purpose}"
        response = post_form(anna, page, "/loyalty/my-data", {"purpose": purpose})
        assert response.status_code == 302, response.get_data(as_text=True)

    returnable = DEMO_ORDERS[-1]
    response = post_form(
        visitor,
        "/loyalty/policies/returns",
        "/loyalty/returns/start",
        {"order_number": returnable.number, "email": returnable.email},
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    items = response.headers["Location"]
    page = visitor.get(items).text
    quantity = re.search(r'name="(qty-[^"]+)"', page)
    assert quantity, page
    response = post_form(
        visitor,
        items,
        items,
        {quantity[1]: "1", "reason": "changed_mind", "resolution": "original"},
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    status = response.headers["Location"]

    with app.app_context():
        state = app.extensions["loyalty"]
        now = state.now()
        topics = db.session.scalars(sa.select(Topic.id)).all()
        campaign = save_campaign(
            db.session, now, None, subject="Tide", body="New rings.", topic_ids=topics
        )
        sent = save_campaign(
            db.session, now, None, subject="Fern", body="Pendants.", topic_ids=topics
        )
        schedule(db.session, now, sent, now)
        db.session.commit()
        assert build_due_campaigns(state) == 1
        save_page(db.session, now, "care", title="Care", body="Keep it dry.", new=True)
        program = replace(
            load_program(db.session), referrer_bonus=50, referred_bonus=50
        )
        save_program(db.session, now, program, load_tiers(db.session), actor="owner")
        db.session.commit()
        campaign_page = f"/loyalty/owner/newsletter/campaigns/{campaign.id}"
    return [
        items,
        status,
        campaign_page,
        "/loyalty/owner/policies/care",
        *outbox_links(app),
    ]


def walk(
    app: Flask,
    client: FlaskClient,
    seeds: list[str],
    reached: dict[str, int],
) -> None:
    """Send HEAD, GET and OPTIONS to every loyalty page reachable from ``seeds``."""
    adapter = app.url_map.bind("localhost")
    base = urlsplit(app.config["LOYALTY_BASE_URL"]).netloc
    queue = deque(seeds)
    seen: set[str] = set()
    while queue:
        parts = urlsplit(queue.popleft())
        if parts.netloc not in ("", base) or not parts.path.startswith("/loyalty/"):
            continue
        url = parts.path + (f"?{parts.query}" if parts.query else "")
        if url in seen:
            continue
        seen.add(url)
        try:
            endpoint, _args = adapter.match(parts.path, method="GET")
        except Exception:  # a POST-only route: HEAD and GET must still change nothing
            endpoint = "(not GET)"
        if reached.get(endpoint, 0) >= PER_ENDPOINT:
            continue
        reached[endpoint] = reached.get(endpoint, 0) + 1
        for method in SAFE:
            response = client.open(url, method=method)
            assert response.status_code < 500, (method, url)
        response = client.get(url)
        queue.extend(response.headers.getlist("Location"))
        html = response.get_data(as_text=True)
        for match in LINK.finditer(html):
            queue.append((match[1] or match[2]).replace("&amp;", "&"))


def test_head_get_and_options_change_nothing_anywhere(shop_app: Flask) -> None:
    seeds = fill_with_links(shop_app)
    customer = shop_app.test_client()
    sign_in_to_shop(customer, "anna@example.com", "demo-anna")
    owner = shop_app.test_client()
    sign_in_to_shop(owner, "owner@example.com", "demo-owner")
    # A shop login's loyalty record is made when the shop first shows her to the
    # extension, as a signed-in shop user: that is the shop's sign-in, before the walk.
    for client in (customer, owner):
        assert client.get("/loyalty/").status_code == 200
    start = snapshot(shop_app)
    reached: dict[str, int] = {}
    without_arguments = [
        rule.rule
        for rule in shop_app.url_map.iter_rules()
        if rule.endpoint.startswith("loyalty.") and not rule.arguments
    ]
    for client in (shop_app.test_client(), customer, owner):
        walk(shop_app, client, [*without_arguments, *seeds], reached)

    end = snapshot(shop_app)
    changed = {
        name: (set(start[name]) ^ set(end[name]))
        for name in start
        if start[name] != end[name]
    }
    assert changed == {}, f"a HEAD, GET or OPTIONS request changed rows: {changed}"
    with_get = {
        rule.endpoint
        for rule in shop_app.url_map.iter_rules()
        if rule.endpoint.startswith("loyalty.") and "GET" in (rule.methods or ())
    }
    missed = sorted(with_get - set(reached))
    assert missed == [], f"the walk never reached {missed}"
