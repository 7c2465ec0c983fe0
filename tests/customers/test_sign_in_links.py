"""Sign-in links are single use, valid 15 minutes, opaque, and sign in only by a
button's POST (issue 17, finding 3; OWASP ASVS 5.0 6.5.1 and 6.5.5)."""

from __future__ import annotations

import base64
import binascii
import re
import threading
import typing as t
from decimal import Decimal

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from flask_loyalty import FrozenClock
from flask_loyalty.customers.links import use_sign_in_link
from flask_loyalty.errors import InvalidToken
from flask_loyalty.models import SignInLink
from flask_loyalty.testing import follow_sign_in_link
from tests.sql import sent_statements

from .test_account import ask_for_link
from .test_account import link_in
from .test_account import outbox


@pytest.fixture
def shop(make_app: t.Callable[..., Flask], database_url: str) -> Flask:
    app = make_app(database_url)
    with app.app_context():
        app.extensions["loyalty"].extension.record_order(
            "SF-1001", email="anna@example.com", name="Anna", total=Decimal("38.00")
        )
    return app


def emailed_link(app: Flask) -> str:
    client = app.test_client()
    assert ask_for_link(client, "anna@example.com").status_code == 302
    return link_in(outbox(app)[-1])


def signed_in(client: FlaskClient) -> bool:
    return "SF-1001" in client.get("/loyalty/").get_data(as_text=True)


def test_a_link_signs_in_once(shop: Flask) -> None:
    link = emailed_link(shop)
    anna = shop.test_client()
    assert follow_sign_in_link(anna, link).status_code == 302
    assert signed_in(anna)
    again = follow_sign_in_link(shop.test_client(), link)
    assert again.status_code == 400
    assert "This link is not valid or has expired" in again.get_data(as_text=True)


def test_opening_a_link_with_get_or_head_signs_no_one_in(shop: Flask) -> None:
    """Mail scanners open every link; a link on another site opens it too."""
    link = emailed_link(shop)
    scanner = shop.test_client()
    for method in ("HEAD", "GET", "OPTIONS"):
        assert scanner.open(link, method=method).status_code in (200, 204)
    assert not signed_in(scanner)
    assert follow_sign_in_link(shop.test_client(), link).status_code == 302


def test_a_cross_site_post_without_the_form_token_signs_no_one_in(shop: Flask) -> None:
    """Login CSRF: an attacker's page posting the attacker's own link."""
    link = emailed_link(shop)
    victim = shop.test_client()
    assert victim.post(link).status_code == 400
    assert not signed_in(victim)
    assert follow_sign_in_link(victim, link).status_code == 302  # still unspent


def test_a_link_works_fifteen_minutes(shop: Flask, clock: FrozenClock) -> None:
    link = emailed_link(shop)
    clock.advance(minutes=14, seconds=59)
    assert follow_sign_in_link(shop.test_client(), link).status_code == 302
    late = emailed_link(shop)
    clock.advance(minutes=15)
    assert follow_sign_in_link(shop.test_client(), late).status_code == 400


def test_the_link_says_nothing_about_her_and_is_stored_hashed(shop: Flask) -> None:
    token = emailed_link(shop).rsplit("/", 1)[1]
    assert len(token) >= 43  # 32 random bytes
    for padding in ("", "=", "=="):
        try:
            decoded = base64.urlsafe_b64decode(token + padding)
        except (binascii.Error, ValueError):
            continue
        assert b"anna" not in decoded.lower() and b'"c"' not in decoded
    with shop.app_context():
        session = shop.extensions["loyalty"].session
        [row] = session.scalars(sa.select(SignInLink)).all()
        assert token not in (row.token_hash,) and len(row.token_hash) == 64


def test_signing_in_gives_a_new_form_token(shop: Flask) -> None:
    link = emailed_link(shop)
    anna = shop.test_client()
    anna.get(link)
    with anna.session_transaction() as before:
        old = before.get("csrf_token")
    follow_sign_in_link(anna, link)
    with anna.session_transaction() as after:
        assert after.get("loyalty_customer_id") is not None
        assert after.get("csrf_token") != old


@pytest.mark.postgres
def test_two_requests_with_one_link_sign_in_once(
    make_app: t.Callable[..., Flask], postgres_url: str
) -> None:
    app = make_app(postgres_url)
    with app.app_context():
        app.extensions["loyalty"].extension.record_order(
            "SF-1", email="anna@example.com", total=Decimal("1.00")
        )
    token = emailed_link(app).rsplit("/", 1)[1]
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def spend() -> None:
        with app.app_context():
            state = app.extensions["loyalty"]
            barrier.wait()
            try:
                use_sign_in_link(state.session, state.now(), token)
                state.session.commit()
                outcomes.append("in")
            except InvalidToken:
                state.session.rollback()
                outcomes.append("refused")

    threads = [threading.Thread(target=spend) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["in", "refused"]


@pytest.mark.parametrize("seconds", [3600, 30, "900"])
def test_a_link_age_beyond_fifteen_minutes_fails_at_start(
    make_app: t.Callable[..., Flask], seconds: object
) -> None:
    with pytest.raises(RuntimeError, match="LOYALTY_MAGIC_LINK_MAX_AGE"):
        make_app(LOYALTY_MAGIC_LINK_MAX_AGE=seconds)


def statements_of(
    app: Flask, client: FlaskClient, email: str, form: str = "/loyalty/sign-in"
) -> list[str]:
    """The SQL that asking ``form`` for a link to ``email`` runs, in order."""
    page_url = "/loyalty/" if form == "/loyalty/sign-in" else form
    page = client.get(page_url).get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    assert token
    with app.app_context():
        engine = app.extensions["sqlalchemy"].engine
    with sent_statements(engine) as seen:
        response = client.post(form, data={"csrf_token": token[1], "email": email})
    assert response.status_code == 302
    return seen


def test_a_known_and_an_unknown_address_cost_the_same_work(shop: Flask) -> None:
    """The request ran 3x longer for a customer's address (finding 4): now it
    writes one request row either way; the worker mails the customer's link."""
    known = statements_of(shop, shop.test_client(), "anna@example.com")
    unknown = statements_of(shop, shop.test_client(), "nobody@example.com")
    assert known == unknown
    assert any("loyalty_mail_requests" in sql for sql in known)
    assert not any("loyalty_customers" in sql for sql in known)
    assert outbox(shop) and [m.to_addr for m in outbox(shop)] == ["anna@example.com"]


def test_the_preferences_link_form_costs_the_same_work_too(shop: Flask) -> None:
    """The same finding on /loyalty/newsletter/link (10.5 against 4.5 ms)."""
    from flask_loyalty.newsletter import service as newsletter

    with shop.app_context():
        state = shop.extensions["loyalty"]
        subscriber, _send = newsletter.subscribe(
            state.session,
            state.now(),
            email="anna@example.com",
            first_name="Anna",
            topic_ids=[],
            consent=newsletter.Consent(text="yes", version="1", source="test"),
        )
        newsletter.confirm(state.session, state.now(), subscriber)
        state.session.commit()

    def work(email: str) -> list[str]:
        return statements_of(
            shop, shop.test_client(), email, "/loyalty/newsletter/link"
        )

    known, unknown = work("anna@example.com"), work("nobody@example.com")
    assert known == unknown
    assert not any("loyalty_subscribers" in sql for sql in known)
    links = [m.to_addr for m in outbox(shop) if m.kind == "newsletter_link"]
    assert links == ["anna@example.com"]
