"""The owner's campaign reaches the right people once, within the frequency cap."""

from __future__ import annotations

import typing as t

import pytest
import sqlalchemy as sa
from flask import Flask

from flask_loyalty import FrozenClock
from flask_loyalty import InvalidContent
from flask_loyalty.models import CampaignRecipient
from flask_loyalty.models import OutboxMessage
from flask_loyalty.newsletter import campaigns
from flask_loyalty.newsletter import figures
from flask_loyalty.newsletter import preferences
from flask_loyalty.newsletter import service
from flask_loyalty.newsletter.mail import NewsletterMailer
from flask_loyalty.newsletter.mail import build_due_campaigns
from flask_loyalty.newsletter.models import Campaign


@pytest.fixture
def shop(make_app: t.Callable[..., Flask], database_url: str) -> t.Iterator[t.Any]:
    """An app context with topics and subscribers in every state."""
    app = make_app(database_url=database_url, MAIL_DEFAULT_SENDER="Fern <hi@fern.test>")
    with app.app_context():
        state = app.extensions["loyalty"]
        s, now = state.session, state.now()
        pieces = preferences.add_topic(s, now, "New pieces")
        sales = preferences.add_topic(s, now, "Sales")
        consent = service.Consent("Yes", "1", "test")
        people = [
            ("anna@example.com", "Anna", pieces, "confirmed"),
            ("zoe@example.hu", "<b>Zoé</b>", pieces, "confirmed"),
            ("noname@example.com", None, pieces, "confirmed"),
            ("pending@example.com", "Pia", pieces, "pending"),
            ("gone@example.com", "Gus", pieces, "unsubscribed"),
            ("paused@example.com", "Paul", pieces, "paused"),
            ("sales@example.com", "Sal", sales, "confirmed"),
        ]
        for email, name, topic, status in people:
            sub, _ = service.subscribe(
                s,
                now,
                email=email,
                first_name=name,
                topic_ids=[topic.id],
                consent=consent,
            )
            if status != "pending":
                service.confirm(s, now, sub)
            if status == "unsubscribed":
                service.unsubscribe(s, now, sub, how="test")
            if status == "paused":
                preferences.update_preferences(
                    s, now, sub, topic_ids=[topic.id], pause_days=30
                )
        s.commit()
        state.topics = {"pieces": pieces.id, "sales": sales.id}
        yield state


def new_campaign(
    state: t.Any,
    body: str = "Dear {{ first_name or 'friend' }},\n\n**New rings** are in.",
    subject: str = "News for {{ first_name or 'you' }}",
    topics: tuple[str, ...] = ("pieces",),
) -> Campaign:
    campaign = campaigns.save_campaign(
        state.session,
        state.now(),
        None,
        subject=subject,
        body=body,
        topic_ids=[state.topics[name] for name in topics],
    )
    campaigns.schedule(state.session, state.now(), campaign, state.now())
    state.session.commit()
    return campaign


def campaign_mail(state: t.Any) -> dict[str, OutboxMessage]:
    messages = state.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.kind == "campaign")
    )
    return {m.to_addr: m for m in messages}


def test_a_campaign_reaches_confirmed_unpaused_subscribers_of_its_topics(
    shop: t.Any,
) -> None:
    campaign = new_campaign(shop)
    assert build_due_campaigns(shop) == 1
    mail = campaign_mail(shop)
    assert sorted(mail) == ["anna@example.com", "noname@example.com", "zoe@example.hu"]
    assert mail["anna@example.com"].subject == "News for Anna"
    assert "Dear Anna," in mail["anna@example.com"].text_body
    assert mail["noname@example.com"].subject == "News for you"
    assert "Dear friend," in mail["noname@example.com"].text_body
    html = mail["zoe@example.hu"].html_body or ""
    assert "Dear &lt;b&gt;Zoé&lt;/b&gt;," in html and "<b>Zoé" not in html
    assert "<strong>New rings</strong>" in html
    headers = mail["anna@example.com"].headers
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert headers["List-Unsubscribe"].startswith(
        "<http://shop.test/loyalty/newsletter/unsubscribe/"
    )
    assert "<mailto:hi@fern.test?subject=unsubscribe>" in headers["List-Unsubscribe"]
    assert headers["List-Id"] == "shop <newsletter.fern.test>"
    shop.session.refresh(campaign)
    assert campaign.status == "sent"
    report = figures.report(shop.session, campaign)
    assert (report.recipients, report.queued, report.skipped_cap) == (3, 3, 0)


def test_a_campaign_skips_addresses_that_bounced_or_complained(
    shop: t.Any, clock: FrozenClock
) -> None:
    """Still confirmed, but her address bounced (or she complained): no message is
    written for her, her cap is untouched, and the report counts her apart, with
    mail held back when its turn came (suppressed after the build)."""
    now = shop.now()
    service.suppress(shop.session, now, "anna@example.com", "bounce")
    service.suppress(shop.session, now, "zoe@example.hu", "complaint")
    shop.session.commit()
    campaign = new_campaign(shop)

    build_due_campaigns(shop)

    assert sorted(campaign_mail(shop)) == ["noname@example.com"]
    anna = service.find_subscriber(shop.session, "anna@example.com")
    assert anna is not None and anna.last_campaign_at is None
    report = figures.report(shop.session, campaign)
    assert (report.recipients, report.queued, report.suppressed) == (3, 1, 2)
    assert (report.skipped_cap, report.sent, report.failed) == (0, 0, 0)

    message = campaign_mail(shop)["noname@example.com"]
    message.status = "suppressed"  # as delivery does when it bounced meanwhile
    shop.session.commit()
    report = figures.report(shop.session, campaign)
    assert (report.recipients, report.queued, report.suppressed) == (3, 0, 3)


def test_each_reader_gets_her_own_links(shop: t.Any) -> None:
    new_campaign(shop)
    build_due_campaigns(shop)
    mail = campaign_mail(shop)
    links = {m.headers["List-Unsubscribe"] for m in mail.values()}
    assert len(links) == 3
    for message in mail.values():
        unsubscribe = message.headers["List-Unsubscribe"].split(">")[0][1:]
        assert unsubscribe in message.text_body
        assert unsubscribe in (message.html_body or "")


def test_the_frequency_cap_skips_and_counts(shop: t.Any, clock: FrozenClock) -> None:
    new_campaign(shop)
    build_due_campaigns(shop)
    clock.advance(days=3)
    second = new_campaign(shop, topics=("pieces", "sales"))
    build_due_campaigns(shop)
    report = figures.report(shop.session, second)
    assert (report.recipients, report.queued, report.skipped_cap) == (4, 1, 3)
    clock.advance(days=5)
    third = new_campaign(shop)
    build_due_campaigns(shop)
    assert figures.report(shop.session, third).skipped_cap == 0


def test_a_filter_on_the_name_still_renders_right(shop: t.Any) -> None:
    new_campaign(shop, body="HELLO {{ (first_name or 'friend')|upper }}!")
    build_due_campaigns(shop)
    mail = campaign_mail(shop)
    assert "HELLO ANNA!" in mail["anna@example.com"].text_body
    assert "HELLO FRIEND!" in mail["noname@example.com"].text_body


def test_a_build_that_died_resumes_without_sending_twice(
    shop: t.Any, clock: FrozenClock
) -> None:
    campaign = new_campaign(shop)
    claimed = campaigns.claim_due(shop.session, shop.now())
    assert claimed is not None

    def crash(done: int) -> None:
        raise KeyboardInterrupt  # the worker is killed after its first batch

    with pytest.raises(KeyboardInterrupt):
        campaigns.build(
            shop.session,
            shop.settings.clock,
            claimed,
            NewsletterMailer(shop),
            min_days=7,
            batch=2,
            progress=crash,
        )
    shop.session.rollback()
    assert len(campaign_mail(shop)) == 2
    assert campaigns.claim_due(shop.session, shop.now()) is None  # lease still held
    clock.advance(minutes=6)
    assert build_due_campaigns(shop) == 1
    assert len(campaign_mail(shop)) == 3
    assert (
        shop.session.scalar(
            sa.select(sa.func.count(CampaignRecipient.id)).where(
                CampaignRecipient.campaign_id == campaign.id
            )
        )
        == 3
    )


def test_unsubscribes_are_counted_for_the_campaign(shop: t.Any) -> None:
    campaign = new_campaign(shop)
    build_due_campaigns(shop)
    anna = service.find_subscriber(shop.session, "anna@example.com")
    assert anna is not None
    service.unsubscribe(
        shop.session, shop.now(), anna, how="one-click", campaign_id=campaign.id
    )
    shop.session.commit()
    assert figures.report(shop.session, campaign).unsubscribes == 1


@pytest.mark.parametrize(
    ("subject", "body", "topics", "message"),
    [
        ("", "Body", ("pieces",), "subject"),
        ("Hi", "   ", ("pieces",), "text"),
        ("Hi", "Body", (), "topic"),
        ("Hi", "{{ first_name.__class__ }}", ("pieces",), "unsafe"),
        ("Hi", "{% for %}", ("pieces",), "Line 1"),
        ("Hi {{ firstname }}", "Body", ("pieces",), "undefined"),
    ],
)
def test_bad_campaigns_are_refused_and_not_saved(
    shop: t.Any, subject: str, body: str, topics: tuple[str, ...], message: str
) -> None:
    with pytest.raises(InvalidContent, match=message):
        campaigns.save_campaign(
            shop.session,
            shop.now(),
            None,
            subject=subject,
            body=body,
            topic_ids=[shop.topics[name] for name in topics],
        )
    shop.session.rollback()
    assert shop.session.scalar(sa.select(sa.func.count(Campaign.id))) == 0


def test_a_sent_campaign_cannot_change(shop: t.Any) -> None:
    campaign = new_campaign(shop)
    build_due_campaigns(shop)
    with pytest.raises(InvalidContent, match="sent"):
        campaigns.save_campaign(
            shop.session,
            shop.now(),
            campaign,
            subject="x",
            body="y",
            topic_ids=[shop.topics["pieces"]],
        )
    with pytest.raises(InvalidContent, match="sent"):
        campaigns.schedule(shop.session, shop.now(), campaign, shop.now())


def test_flask_loyalty_send_builds_with_a_progress_bar(
    make_app: t.Callable[..., Flask],
) -> None:
    app = make_app()
    with app.app_context():
        state = app.extensions["loyalty"]
        topic = preferences.add_topic(state.session, state.now(), "News")
        sub, _ = service.subscribe(
            state.session,
            state.now(),
            email="a@example.com",
            topic_ids=[topic.id],
            consent=service.Consent("Yes", "1", "test"),
        )
        service.confirm(state.session, state.now(), sub)
        state.topics = {"pieces": topic.id}
        new_campaign(state)
    result = app.test_cli_runner().invoke(args=["loyalty", "send"])
    assert result.exit_code == 0, result.output
    assert "Building newsletter campaigns" in result.output
    assert "'hold': mail stays in the outbox" in result.output
    with app.app_context():
        assert len(campaign_mail(app.extensions["loyalty"])) == 1
