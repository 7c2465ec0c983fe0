"""Each email goes out in its reader's language: the one stored with her when she
subscribed, ordered or switched, else the shop's default."""

from __future__ import annotations

import re
import typing as t
from decimal import Decimal

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from flask_loyalty import FrozenClock
from flask_loyalty import content_versions
from flask_loyalty.customers.models import Customer
from flask_loyalty.models import OutboxMessage
from flask_loyalty.models import Subscriber
from flask_loyalty.newsletter import campaigns
from flask_loyalty.newsletter import preferences
from flask_loyalty.newsletter.mail import NewsletterMailer
from flask_loyalty.points.program import load_program
from flask_loyalty.points.program import save_program
from flask_loyalty.points.tiers import load_tiers
from flask_loyalty.testing import run_due
from flask_loyalty.testing import sign_in


def token(html: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    assert match, html
    return match.group(1)


def mail(app: Flask, kind: str) -> list[OutboxMessage]:
    run_due(app)
    with app.app_context():
        return list(
            app.extensions["loyalty"].session.scalars(
                sa.select(OutboxMessage)
                .where(OutboxMessage.kind == kind)
                .order_by(OutboxMessage.id)
            )
        )


def customer(app: Flask, email: str = "anna@example.com") -> Customer:
    with app.app_context():
        found = app.extensions["loyalty"].session.scalar(
            sa.select(Customer).where(Customer.email == email)
        )
        assert found is not None
        return found


def test_a_hungarian_subscriber_s_confirmation_is_in_hungarian(
    app: Flask, client: FlaskClient
) -> None:
    headers = {"Accept-Language": "hu-HU,hu;q=0.9"}
    html = client.get("/loyalty/newsletter", headers=headers).get_data(as_text=True)
    client.post(
        "/loyalty/newsletter",
        data={"csrf_token": token(html), "email": "eszter@example.hu", "consent": "y"},
        headers=headers,
    )
    with app.app_context():
        subscriber = app.extensions["loyalty"].session.scalar(sa.select(Subscriber))
        assert subscriber.locale == "hu"
    [message] = mail(app, "newsletter_confirm")
    assert message.subject == "Kérjük, erősítse meg feliratkozását: shop"
    assert "Igen, feliratkozom" in message.html_body
    assert "A link 7 napig érvényes." in message.text_body
    assert '<html lang="hu">' in message.html_body


def test_the_sign_in_link_is_in_her_stored_language_not_the_page_s(
    app: Flask, client: FlaskClient, loyalty: t.Any
) -> None:
    with app.app_context():
        loyalty.record_order(
            "A-1", email="anna@example.com", total=Decimal("10.00"), locale="el"
        )
    html = client.get("/loyalty/", headers={"Accept-Language": "en"}).get_data(
        as_text=True
    )
    client.post(
        "/loyalty/sign-in",
        data={"csrf_token": token(html), "email": "anna@example.com"},
        headers={"Accept-Language": "en"},
    )
    [message] = mail(app, "sign_in_link")
    assert message.subject == "Ο σύνδεσμος σύνδεσής σας για το shop"
    assert "Ο σύνδεσμος ισχύει για 15 λεπτά." in message.text_body


def test_without_a_stored_language_the_page_s_language_is_kept_for_her(
    app: Flask, client: FlaskClient, loyalty: t.Any
) -> None:
    with app.app_context():
        loyalty.record_order("A-1", email="anna@example.com", total=Decimal("10.00"))
    assert customer(app).locale is None
    headers = {"Accept-Language": "et"}
    html = client.get("/loyalty/", headers=headers).get_data(as_text=True)
    client.post(
        "/loyalty/sign-in",
        data={"csrf_token": token(html), "email": "anna@example.com"},
        headers=headers,
    )
    [message] = mail(app, "sign_in_link")
    assert message.subject == "Teie sisselogimislink poodi shop"
    assert customer(app).locale == "et"


def test_an_order_keeps_her_language_unless_the_shop_says_one(
    app: Flask, loyalty: t.Any
) -> None:
    with app.test_request_context(headers={"Accept-Language": "tl"}):
        loyalty.record_order("A-1", email="anna@example.com", total=Decimal("10.00"))
    assert customer(app).locale == "tl"
    with app.test_request_context(headers={"Accept-Language": "el"}):
        loyalty.record_order("A-2", email="anna@example.com", total=Decimal("10.00"))
    assert customer(app).locale == "tl"  # what she had is kept
    with app.app_context():
        loyalty.record_order(
            "A-3", email="anna@example.com", total=Decimal("10.00"), locale="hu"
        )
    assert customer(app).locale == "hu"  # the shop knows better


def test_points_warnings_from_the_worker_use_her_language(
    make_app: t.Callable[..., Flask], clock: FrozenClock
) -> None:
    app = make_app()
    loyalty = app.extensions["loyalty"].extension
    with app.app_context():
        state = app.extensions["loyalty"]
        program = load_program(state.session)
        save_program(
            state.session,
            state.now(),
            type(program)(
                **{**vars(program), "expiry_mode": "after_earning", "warning_days": 30}
            ),
            load_tiers(state.session),
            actor="owner",
        )
        state.session.commit()
        loyalty.record_order(
            "A-1", email="anna@example.com", total=Decimal("1200.00"), locale="et"
        )
        loyalty.record_order(
            "B-1", email="bob@example.com", total=Decimal("1200.00"), locale="xx"
        )
    clock.advance(days=350)
    result = app.test_cli_runner().invoke(args=["loyalty", "run-due"])
    assert result.exit_code == 0, result.output
    anna, bob = mail(app, "points_expiring")
    assert anna.subject == "Teie punktid poes shop aeguvad peagi"
    assert "Teie 6\xa0000 punkti poes shop aegub 2. märts 2027." in (anna.text_body)
    assert "Need on väärt 60,00\xa0€." in anna.text_body
    assert '<html lang="et">' in anna.html_body
    assert bob.subject == "Your points at shop expire soon"  # unknown: the default
    assert "6,000 of your points at shop expire on Mar 2, 2027." in bob.text_body


def test_a_campaign_reaches_each_reader_in_her_language(
    app: Flask, clock: FrozenClock
) -> None:
    with app.app_context():
        state = app.extensions["loyalty"]
        session = state.session
        topic = preferences.add_topic(session, state.now(), "News")
        for email, language in (
            ("kati@example.ee", "et"),
            ("eleni@example.gr", "el"),
            ("juan@example.ph", "tl"),
            ("old@example.com", None),
        ):
            session.add(
                Subscriber(
                    email=email,
                    locale=language,
                    status="confirmed",
                    consent_text="yes",
                    consent_version="1",
                    consent_source="test",
                    created_at=state.now(),
                    topics=[topic],
                )
            )
        campaign = campaigns.save_campaign(
            session,
            state.now(),
            None,
            subject="Spring",
            body="The rings are in.",
            topic_ids=[topic.id],
        )
        for language, body in (
            ("et", "Sõrmused on kohal."),
            ("el", "Ήρθαν τα δαχτυλίδια."),
        ):
            content_versions.write(
                campaign,
                language,
                state.settings.languages,
                {"subject": "Kevad", "body": body},
                state.now(),
            )
        session.commit()
        campaigns.schedule(session, state.now(), campaign, state.now())
        session.commit()
        campaigns.build(
            session, state.settings.clock, campaign, NewsletterMailer(state), min_days=7
        )
    sent = {m.to_addr: m for m in mail(app, "campaign")}
    footers = {to: m.text_body for to, m in sent.items()}
    assert "Loobu uudiskirjast:" in footers["kati@example.ee"]
    assert "Sõrmused on kohal." in footers["kati@example.ee"]
    assert "Απεγγραφή:" in footers["eleni@example.gr"]
    assert "Ήρθαν τα δαχτυλίδια." in footers["eleni@example.gr"]
    # No Tagalog text: Juan gets the whole email in the default language.
    assert "Unsubscribe:" in footers["juan@example.ph"]
    assert "Mag-unsubscribe:" not in footers["juan@example.ph"]
    assert "Unsubscribe:" in footers["old@example.com"]
    for to in ("juan@example.ph", "old@example.com"):
        assert "The rings are in." in footers[to]
    languages = {
        to: re.search(r"Content-Language: (\S+)", m.content.raw.decode())[1]
        for to, m in sent.items()
    }
    assert languages == {
        "kati@example.ee": "et",
        "eleni@example.gr": "el",
        "juan@example.ph": "en",
        "old@example.com": "en",
    }


def test_switching_on_the_account_page_changes_her_emails(
    app: Flask, client: FlaskClient
) -> None:
    sign_in(client, "anna@example.com")
    html = client.get("/loyalty/").get_data(as_text=True)
    client.post("/loyalty/language", data={"csrf_token": token(html), "language": "el"})
    assert customer(app).locale == "el"
    client.post("/loyalty/sign-out", data={"csrf_token": token(html)})
    html = client.get("/loyalty/").get_data(as_text=True)
    client.post(
        "/loyalty/sign-in",
        data={"csrf_token": token(html), "email": "anna@example.com"},
    )
    [message] = mail(app, "sign_in_link")
    assert message.subject.startswith("Ο σύνδεσμος σύνδεσής σας")
