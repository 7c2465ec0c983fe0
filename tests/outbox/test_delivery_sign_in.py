"""The sign-in link end to end: asked for on the page, delivered by SMTP by the
worker, and followed to her account, with the test client and in a browser."""

from __future__ import annotations

import re
import typing as t
from decimal import Decimal

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from flask_loyalty.outbox.models import OutboxMessage
from flask_loyalty.testing import follow_sign_in_link
from tests.outbox.helpers import MakeApp
from tests.outbox.helpers import run_worker
from tests.outbox.helpers import smtp_app
from tests.plugins.services import SMTPServer

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def ask_for_link(client: FlaskClient, email: str) -> t.Any:
    form = client.get("/loyalty/")
    assert form.status_code == 200
    match = CSRF.search(form.get_data(as_text=True))
    assert match, "the sign-in form has no CSRF token"
    return client.post(
        "/loyalty/sign-in", data={"email": email, "csrf_token": match.group(1)}
    )


def test_sign_in_link_arrives_by_smtp_and_signs_in(
    make_app: MakeApp, smtp_server: SMTPServer
) -> None:
    app = smtp_app(make_app, smtp_server.host, smtp_server.port)
    loyalty = app.extensions["loyalty"].extension
    with app.app_context():
        loyalty.record_order(
            "A-1001", email="Anna.Tamm@Example.com", name="Anna Tamm", total=Decimal(42)
        )
    client = app.test_client()

    known = ask_for_link(client, "anna.tamm@example.com")
    unknown = ask_for_link(client, "nobody@example.com")

    assert known.status_code == unknown.status_code == 302
    assert known.headers["Location"] == unknown.headers["Location"]
    assert client.get(known.headers["Location"]).status_code == 200
    run_worker(app)
    [received] = smtp_server.wait_for(1)
    assert [e.rcpt_tos for e in smtp_server.envelopes] == [["anna.tamm@example.com"]]
    assert "sign-in link" in received["Subject"]
    text = received.get_body(preferencelist=("plain",))
    assert text is not None
    body = text.get_content()
    assert "Dear Anna," in body
    links = re.findall(r"https?://\S+/loyalty/sign-in/\S+", body)
    assert len(links) == 1

    # Before following it she is a visitor; after it, the account shows her order.
    assert "A-1001" not in client.get("/loyalty/").get_data(as_text=True)
    entered = follow_sign_in_link(client, links[0])
    assert entered.status_code == 302
    account = client.get(entered.headers["Location"])
    page = account.get_data(as_text=True)
    assert account.status_code == 200
    assert "A-1001" in page
    assert "Hello, Anna" in page

    # Nothing else was queued: the unknown address got no email.
    run_worker(app)
    assert len(smtp_server.messages) == 1
    with app.app_context():
        session = app.extensions["loyalty"].session
        assert session.scalars(sa.select(OutboxMessage.to_addr)).all() == [
            "anna.tamm@example.com"
        ]


@pytest.mark.browser
def test_sign_in_link_in_the_browser(
    make_app: MakeApp,
    smtp_server: SMTPServer,
    live_server: t.Callable[[Flask], str],
    page: t.Any,
) -> None:
    # No SERVER_NAME: the link in the email points at the server she used.
    app = smtp_app(make_app, smtp_server.host, smtp_server.port, SERVER_NAME=None)
    with app.app_context():
        app.extensions["loyalty"].extension.record_order(
            "A-2002", email="bea@example.com", name="Bea Kask", total=Decimal("18.50")
        )
    base_url = live_server(app)

    page.goto(f"{base_url}/loyalty/")
    page.get_by_label("Email address").fill("bea@example.com")
    page.get_by_role("button", name="Email me a sign-in link").click()
    page.get_by_role("heading", name="Check your inbox").wait_for()

    run_worker(app)
    [received] = smtp_server.wait_for(1)
    html = received.get_body(preferencelist=("html",))
    assert html is not None
    [link] = re.findall(r'href="([^"]+/loyalty/sign-in/[^"]+)"', html.get_content())
    assert link.startswith(f"{base_url}/loyalty/sign-in/")

    page.goto(link)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.get_by_role("heading", name="Hello, Bea").wait_for()
    assert page.url == f"{base_url}/loyalty/"
    assert "A-2002" in page.locator("table").inner_text()
