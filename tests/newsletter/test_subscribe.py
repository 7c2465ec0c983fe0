"""A visitor subscribes, confirms by email, picks topics, and leaves in one click."""

from __future__ import annotations

import typing as t

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from flask_loyalty import FrozenClock
from flask_loyalty import signals
from flask_loyalty.models import Subscriber
from flask_loyalty.newsletter import personal_data
from flask_loyalty.newsletter import preferences
from flask_loyalty.newsletter import service
from flask_loyalty.outbox.models import SUPPRESSED
from flask_loyalty.outbox.models import OutboxMessage
from flask_loyalty.outbox.queueing import queue_mail

from .conftest import confirm
from .conftest import form_token
from .conftest import link
from .conftest import outbox
from .conftest import subscribe


def subscriber(app: Flask, email: str) -> Subscriber | None:
    with app.app_context():
        session = app.extensions["loyalty"].session
        found = session.scalar(sa.select(Subscriber).where(Subscriber.email == email))
        if found is not None:
            found.topic_slugs = [topic.slug for topic in found.topics]  # type: ignore[attr-defined]
        return found


def test_the_form_offers_active_topics_and_the_consent_sentence(
    client: FlaskClient, topics: dict[str, int]
) -> None:
    html = client.get("/loyalty/newsletter").get_data(as_text=True)
    assert "New pieces" in html and "Sales" in html
    assert "Workshops" not in html
    assert "Yes, send me news from shop by email." in html


def test_double_opt_in_stores_consent_and_confirms_by_link(
    app: Flask, client: FlaskClient, topics: dict[str, int]
) -> None:
    response = subscribe(
        client,
        email="Eleni@Example.gr",
        first_name="Ελένη",
        topics=[str(topics["Sales"])],
    )
    assert response.status_code == 302
    assert response.location == "/loyalty/newsletter/check-inbox"
    pending = subscriber(app, "eleni@example.gr")
    assert pending is not None and pending.status == "pending"
    assert pending.consent_text.startswith("Yes, send me news from shop")
    assert pending.consent_version == "1"
    assert pending.consent_source.startswith("http://shop.test/loyalty/newsletter")
    assert pending.consent_ip is None
    [mail] = outbox(app)
    assert mail.kind == "newsletter_confirm"
    assert "Dear Ελένη," in mail.text_body
    confirmed: list[str] = []
    with signals.subscription_confirmed.connected_to(
        lambda _s, **kw: confirmed.append(kw["subscriber"].email)
    ):
        opened = client.get(link(mail, "confirm"))
        assert "Yes, subscribe me" in opened.get_data(as_text=True)
        assert confirmed == []  # opening it, as a mail scanner does, is not enough
        page = confirm(client, link(mail, "confirm"), follow_redirects=True)
        confirm(client, link(mail, "confirm"))
    assert "your subscription is confirmed" in page.get_data(as_text=True)
    assert confirmed == ["eleni@example.gr"]
    done = subscriber(app, "eleni@example.gr")
    assert done is not None and done.status == "confirmed"
    assert done.topic_slugs == ["sales"]  # type: ignore[attr-defined]


def test_the_same_answer_for_new_pending_and_confirmed_addresses(
    app: Flask, client: FlaskClient, topics: dict[str, int], clock: FrozenClock
) -> None:
    first = subscribe(client, email="anna@example.com")
    again = subscribe(client, email="anna@example.com")
    assert first.location == again.location
    assert len(outbox(app)) == 1  # at most one email an hour
    clock.advance(minutes=61)
    confirm(client, link(outbox(app)[0], "confirm"))
    known = subscribe(client, email="anna@example.com")
    fresh = subscribe(client, email="new@example.com")
    assert known.status_code == fresh.status_code == 302
    assert known.location == fresh.location
    kinds = [m.kind for m in outbox(app)]
    assert kinds == ["newsletter_confirm", "newsletter_already", "newsletter_confirm"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"email": "not an address"}, "is not a valid email address"),
        ({"email": ""}, "Enter your email address"),
        ({"email": "a@example.com", "consent": ""}, "Please tick the box"),
        (
            {"email": "a@example.com", "first_name": "x" * 10_000},
            "Field cannot be longer",
        ),
        ({"email": "a" * 10_000 + "@example.com"}, "Field cannot be longer"),
    ],
)
def test_bad_input_re_renders_the_form_and_stores_nothing(
    app: Flask,
    client: FlaskClient,
    topics: dict[str, int],
    data: dict[str, t.Any],
    message: str,
) -> None:
    response = subscribe(client, **data)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    with app.app_context():
        assert (
            app.extensions["loyalty"].session.scalar(
                sa.select(sa.func.count(Subscriber.id))
            )
            == 0
        )
    assert outbox(app) == []


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ("Őrsi Zoé", "Őrsi Zoé"),
        ("Ελένη", "Ελένη"),
        ("Anna\r\nBcc: x@evil", "Anna Bcc: x@evil"),
    ],
)
def test_names_are_kept_as_written_on_one_line(
    app: Flask, client: FlaskClient, raw: str, stored: str
) -> None:
    subscribe(client, email="n@example.com", first_name=raw)
    found = subscriber(app, "n@example.com")
    assert found is not None and found.first_name == stored
    assert "\n" not in outbox(app)[0].subject


def test_a_tampered_or_expired_confirmation_link_is_refused(
    app: Flask, client: FlaskClient, clock: FrozenClock
) -> None:
    subscribe(client, email="anna@example.com")
    url = link(outbox(app)[0], "confirm")
    bad = client.get(url[:-2] + "xx")
    assert bad.status_code == 400
    assert "This link is not valid" in bad.get_data(as_text=True)
    clock.advance(days=8)
    old = client.get(url)
    assert old.status_code == 400
    assert "This link has expired" in old.get_data(as_text=True)
    found = subscriber(app, "anna@example.com")
    assert found is not None and found.status == "pending"


@pytest.fixture
def anna(app: Flask, client: FlaskClient, topics: dict[str, int]) -> str:
    """Anna, confirmed, on 'New pieces'; returns her preferences URL."""
    subscribe(
        client,
        email="anna@example.com",
        first_name="Anna",
        topics=[str(topics["New pieces"])],
    )
    response = confirm(client, link(outbox(app)[0], "confirm"))
    return t.cast(str, response.location.split("?")[0])


def test_preferences_change_topics_and_pause(
    app: Flask,
    client: FlaskClient,
    anna: str,
    topics: dict[str, int],
    clock: FrozenClock,
) -> None:
    page = client.get(anna).get_data(as_text=True)
    assert "anna@example.com" in page
    response = client.post(
        anna,
        data={
            "csrf_token": form_token(page),
            "topics": [str(topics["Sales"])],
            "pause": "30",
            "save": "1",
        },
    )
    assert response.status_code == 200
    assert "Your choices are saved" in response.get_data(as_text=True)
    found = subscriber(app, "anna@example.com")
    assert found is not None
    assert found.topic_slugs == ["sales"]  # type: ignore[attr-defined]
    assert found.paused_until is not None
    assert found.paused_until.date().isoformat() == "2026-04-01"


def test_preferences_need_the_csrf_token(client: FlaskClient, anna: str) -> None:
    assert client.post(anna, data={"pause": "30", "save": "1"}).status_code == 400


def test_one_click_unsubscribe_needs_no_session_and_is_idempotent(
    app: Flask, anna: str, topics: dict[str, int]
) -> None:
    token = anna.rsplit("/", 1)[1]
    stranger = app.test_client()  # a mail client: no cookie, no CSRF token
    seen: list[str] = []
    with signals.unsubscribed.connected_to(lambda _s, **kw: seen.append("x")):
        for _ in range(2):
            response = stranger.post(
                f"/loyalty/newsletter/unsubscribe/{token}",
                data={"List-Unsubscribe": "One-Click"},
            )
            assert response.status_code == 200
    assert seen == ["x"]
    found = subscriber(app, "anna@example.com")
    assert found is not None and found.status == "unsubscribed"


def test_the_unsubscribe_link_opened_in_a_browser_asks_first(
    app: Flask, client: FlaskClient, anna: str
) -> None:
    token = anna.rsplit("/", 1)[1]
    page = client.get(f"/loyalty/newsletter/unsubscribe/{token}")
    assert "Stop all newsletters to anna@example.com?" in page.get_data(as_text=True)
    found = subscriber(app, "anna@example.com")
    assert found is not None and found.status == "confirmed"


def test_one_click_works_when_the_shop_protects_every_view_with_csrf(
    make_app: t.Callable[..., Flask],
) -> None:
    from flask_wtf import CSRFProtect

    app = make_app()
    CSRFProtect(app)  # set up after the extension, as shops often do
    with app.app_context():
        state = app.extensions["loyalty"]
        topic = preferences.add_topic(state.session, state.now(), "News")
        found, _ = service.subscribe(
            state.session,
            state.now(),
            email="a@example.com",
            topic_ids=[topic.id],
            consent=service.Consent("yes", "1", "test"),
        )
        service.confirm(state.session, state.now(), found)
        state.session.commit()
        from flask_loyalty.newsletter.mail import preferences_token

        token = preferences_token(found)
    response = app.test_client().post(f"/loyalty/newsletter/unsubscribe/{token}")
    assert response.status_code == 200
    assert app.test_client().post("/loyalty/sign-out").status_code == 400


def test_an_expired_settings_link_offers_a_fresh_one_without_revealing_anything(
    app: Flask, client: FlaskClient, anna: str, clock: FrozenClock
) -> None:
    clock.advance(days=366)
    page = client.get(anna)
    assert page.status_code == 400
    assert "This link has expired" in page.get_data(as_text=True)
    token = form_token(page.get_data(as_text=True))
    known = client.post(
        "/loyalty/newsletter/link",
        data={"csrf_token": token, "email": "anna@example.com"},
    )
    unknown = client.post(
        "/loyalty/newsletter/link",
        data={"csrf_token": token, "email": "who@example.com"},
    )
    assert known.location == unknown.location == "/loyalty/newsletter/check-inbox"
    assert [m.kind for m in outbox(app)][-1] == "newsletter_link"
    assert len(outbox(app, "newsletter_link")) == 1


def test_export_and_erase_her_data(app: Flask, anna: str) -> None:
    with app.app_context():
        state = app.extensions["loyalty"]
        data = personal_data.export_subscriber(state.session, "ANNA@example.com")
        assert data is not None
        assert data["first_name"] == "Anna"
        assert data["consent"]["version"] == "1"
        assert [e["kind"] for e in data["events"]] == [
            "subscribe_requested",
            "confirmed",
        ]
        # The mail sent to her is part of what is stored about her.
        queue_mail(
            state.session,
            state.now(),
            kind="magic_link",
            to="anna@example.com",
            subject="Your sign-in link, Anna",
            text="Dear Anna, ...",
        )
        state.session.commit()
        data = personal_data.export_subscriber(state.session, "anna@example.com")
        assert data is not None
        emails = data["emails"]
        assert [e["subject"] for e in emails][-1] == "Your sign-in link, Anna"
        assert len(emails) >= 2  # her confirmation email too
        mailed = len(emails)

        assert personal_data.erase_subscriber(
            state.session, state.now(), "anna@example.com"
        )
        state.session.commit()
        assert (
            personal_data.export_subscriber(state.session, "anna@example.com") is None
        )
        assert service.is_suppressed(state.session, "anna@example.com")
        # Her mail keeps its rows for the counts, with nothing of her left in them.
        state.session.expire_all()
        rows = state.session.scalars(sa.select(OutboxMessage)).all()
        assert len(rows) == mailed
        assert {row.to_addr for row in rows} == {
            personal_data.pseudonym("anna@example.com")
        }
        assert {(row.subject, row.text_body, row.raw) for row in rows} == {
            ("", "", b"")
        }
        assert {row.status for row in rows} == {SUPPRESSED}  # none had gone yet


def test_the_footer_form_macro_renders_in_a_shop_page(
    app: Flask, topics: dict[str, int]
) -> None:
    with app.test_request_context("/"):
        html = app.jinja_env.from_string("{{ loyalty_newsletter_form() }}").render()
    assert 'action="/loyalty/newsletter"' in html
    assert 'name="csrf_token"' in html
    assert "New pieces" in html
