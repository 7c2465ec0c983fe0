"""In a real browser: subscribe, confirm by the emailed link, leave in one click."""

from __future__ import annotations

import dataclasses
import re
import typing as t

import pytest
import sqlalchemy as sa
from flask import Flask

from flask_loyalty.models import Subscriber
from flask_loyalty.newsletter import campaigns
from flask_loyalty.newsletter import preferences


def run_worker(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["loyalty", "worker", "--once"])
    assert result.exit_code == 0, result.output


def status(app: Flask, email: str) -> str:
    with app.app_context():
        return t.cast(
            str,
            app.extensions["loyalty"].session.scalar(
                sa.select(Subscriber.status).where(Subscriber.email == email)
            ),
        )


@pytest.mark.browser
def test_subscribe_confirm_and_unsubscribe_in_a_browser(
    make_app: t.Callable[..., Flask],
    smtp_server: t.Any,
    live_server: t.Any,
    page: t.Any,
) -> None:
    app = make_app(
        SERVER_NAME=None,
        LOYALTY_MAIL_DELIVERY="smtp",
        MAIL_SERVER=smtp_server.host,
        MAIL_PORT=smtp_server.port,
        MAIL_SUPPRESS_SEND=False,
    )
    with app.app_context():
        state = app.extensions["loyalty"]
        topic = preferences.add_topic(state.session, state.now(), "New pieces")
        state.session.commit()
        topic_id = topic.id
    base = live_server(app)
    state = app.extensions["loyalty"]
    state.settings = dataclasses.replace(state.settings, base_url=base)

    page.goto(f"{base}/loyalty/newsletter")
    page.fill("input[name=email]", "eleni@example.gr")
    page.fill("input[name=first_name]", "Ελένη")
    page.get_by_label("New pieces").check()
    page.check("input[name=consent]")
    page.click("button[type=submit]")
    page.wait_for_selector("text=Check your inbox")
    assert status(app, "eleni@example.gr") == "pending"

    run_worker(app)
    [confirmation] = smtp_server.wait_for(1)
    text = confirmation.get_body(("plain",)).get_content()
    assert "Dear Ελένη," in text
    confirm_link = re.search(r"(http://\S+/newsletter/confirm/\S+)", text)
    assert confirm_link
    page.goto(confirm_link.group(1))
    assert status(app, "eleni@example.gr") == "pending"  # opening it is not enough
    page.click("button[type=submit]")
    page.wait_for_selector("text=your subscription is confirmed")
    assert status(app, "eleni@example.gr") == "confirmed"

    with app.app_context():
        state = app.extensions["loyalty"]
        campaign = campaigns.save_campaign(
            state.session,
            state.now(),
            None,
            subject="New rings",
            body="Dear {{ first_name }}, look.",
            topic_ids=[topic_id],
        )
        campaigns.schedule(state.session, state.now(), campaign, state.now())
        state.session.commit()
    run_worker(app)
    letter = smtp_server.wait_for(2)[1]
    assert letter["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    footer = letter.get_body(("html",)).get_content()
    unsubscribe = re.search(
        r'href="(http://[^"]+/newsletter/unsubscribe/[^"]+)"', footer
    )
    assert unsubscribe
    page.goto(unsubscribe.group(1))
    page.click("button:has-text('Unsubscribe')")
    page.wait_for_selector("text=You are unsubscribed")
    assert status(app, "eleni@example.gr") == "unsubscribed"

    # The mail program's one-click POST (RFC 8058): no cookie, no token, repeatable.
    header_url = letter["List-Unsubscribe"].split(">")[0].lstrip("<")
    response = page.request.post(header_url, form={"List-Unsubscribe": "One-Click"})
    assert response.status == 200
    assert status(app, "eleni@example.gr") == "unsubscribed"


@pytest.mark.browser
def test_newsletter_page_fits_a_phone_and_needs_no_javascript(
    make_app: t.Callable[..., Flask], live_server: t.Any, browser: t.Any
) -> None:
    app = make_app(SERVER_NAME=None)
    base = live_server(app)
    phone = browser.new_context(viewport={"width": 390, "height": 844})
    try:
        page = phone.new_page()
        page.goto(f"{base}/loyalty/newsletter")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
    finally:
        phone.close()
    no_script = browser.new_context(java_script_enabled=False)
    try:
        page = no_script.new_page()
        page.goto(f"{base}/loyalty/newsletter")
        page.fill("input[name=email]", "not an address")
        page.check("input[name=consent]")
        page.click("button[type=submit]")
        page.wait_for_selector("text=is not a valid email address")
    finally:
        no_script.close()
