"""Every subscriber ends up with a topic, so campaigns reach her; the owner sees
and fixes those who have none (issue 19, point 3)."""

from __future__ import annotations

import re
import typing as t

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from flask_loyalty import InvalidTopics
from flask_loyalty.models import Subscriber
from flask_loyalty.models import SubscriberEvent
from flask_loyalty.models import Topic
from flask_loyalty.newsletter import campaigns
from flask_loyalty.newsletter import csv_io
from flask_loyalty.newsletter import service
from flask_loyalty.newsletter.mail import build_due_campaigns
from flask_loyalty.newsletter.models import subscriber_topics
from flask_loyalty.newsletter.preferences import add_topic
from flask_loyalty.newsletter.preferences import retire_topic
from flask_loyalty.newsletter.preferences import update_preferences

from .conftest import confirm
from .conftest import form_token
from .conftest import link
from .conftest import outbox
from .conftest import subscribe

CONSENT = service.Consent(text="Yes", version="1", source="test")


def her_topics(app: Flask, email: str) -> list[str]:
    with app.app_context():
        subscriber = service.find_subscriber(app.extensions["loyalty"].session, email)
        assert subscriber is not None
        return sorted(topic.name for topic in subscriber.topics)


def campaign_to(app: Flask, topic_name: str) -> list[str]:
    """Send a campaign to ``topic_name``; return who it was queued for."""
    with app.app_context():
        state = app.extensions["loyalty"]
        topic = state.session.scalars(sa.select(Topic).filter_by(name=topic_name)).one()
        campaign = campaigns.save_campaign(
            state.session,
            state.now(),
            None,
            subject="Spring",
            body="New rings.",
            topic_ids=[topic.id],
        )
        campaigns.schedule(state.session, state.now(), campaign, state.now())
        state.session.commit()
        assert build_due_campaigns(state) == 1
    return [m.to_addr for m in outbox(app, "campaign")]


def test_the_form_offers_every_topic_ticked(app: Flask, client: FlaskClient) -> None:
    with app.app_context():
        state = app.extensions["loyalty"]
        for name in ("New pieces", "Sales"):
            add_topic(state.session, state.now(), name)
        state.session.commit()
    page = client.get("/loyalty/newsletter").get_data(as_text=True)
    boxes = re.findall(r'<input[^>]*name="topics"[^>]*>', page)
    assert len(boxes) == 2 and all("checked" in box for box in boxes)


def test_unticking_every_box_still_gives_her_the_first_topic(
    app: Flask, client: FlaskClient
) -> None:
    """The footer form's box left unticked: she gets the first topic, and a
    campaign to it reaches her."""
    with app.app_context():
        state = app.extensions["loyalty"]
        for name in ("New pieces", "Sales"):
            add_topic(state.session, state.now(), name)
        state.session.commit()
    assert subscribe(client, email="anna@example.com").status_code == 302
    assert confirm(client, link(outbox(app)[-1], "confirm")).status_code == 302
    assert her_topics(app, "anna@example.com") == ["New pieces"]
    assert campaign_to(app, "New pieces") == ["anna@example.com"]


def test_subscribing_before_any_topic_exists_makes_one(
    make_app: t.Callable[..., Flask],
) -> None:
    """The first topic is named in the shop's own language; the owner renames it."""
    app = make_app(LOYALTY_LANGUAGES=("hu", "en"), BABEL_DEFAULT_LOCALE="hu")
    client = app.test_client()
    page = client.get("/loyalty/newsletter", headers={"Accept-Language": "en"})
    assert 'name="topics"' not in page.get_data(as_text=True)
    with app.app_context():  # opening the page made nothing
        assert (
            app.extensions["loyalty"].session.scalar(sa.select(sa.func.count(Topic.id)))
            == 0
        )
    token = form_token(page.get_data(as_text=True))
    response = client.post(
        "/loyalty/newsletter",
        data={"csrf_token": token, "email": "eszter@example.hu", "consent": "y"},
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 302
    assert her_topics(app, "eszter@example.hu") == ["Hírek"]
    confirm(client, link(outbox(app)[-1], "confirm"))
    assert campaign_to(app, "Hírek") == ["eszter@example.hu"]


def test_the_api_and_an_import_give_the_first_topic_too(app: Flask) -> None:
    with app.app_context():
        state = app.extensions["loyalty"]
        pieces = add_topic(state.session, state.now(), "New pieces")
        service.subscribe(
            state.session, state.now(), email="api@example.com", consent=CONSENT
        )
        state.session.commit()
        report = csv_io.import_subscribers(
            state.session,
            state.now(),
            [{"email": "fair@example.com"}, {"email": "x@example.com", "topics": ""}],
            consent=CONSENT,
            consent_source="sign-up sheet at the fair",
        )
        assert report.added == 2, report
        for email in ("api@example.com", "fair@example.com", "x@example.com"):
            subscriber = service.find_subscriber(state.session, email)
            assert [topic.id for topic in subscriber.topics] == [pieces.id], email


def preferences(client: FlaskClient, app: Flask) -> str:
    """Anna subscribes to two topics and confirms; her preferences page's URL."""
    subscribe(client, email="anna@example.com", topics=["1", "2"])
    response = confirm(client, link(outbox(app)[-1], "confirm"))
    return t.cast(str, response.location.split("?")[0])


def test_unticking_everything_on_her_preferences_is_refused(
    app: Flask, client: FlaskClient, topics: dict[str, int]
) -> None:
    url = preferences(client, app)
    page = client.get(url).get_data(as_text=True)
    response = client.post(
        url, data={"csrf_token": form_token(page), "pause": "0", "save": "y"}
    )
    assert response.status_code == 400
    assert "Choose at least one topic, or unsubscribe from everything." in (
        response.get_data(as_text=True)
    )
    assert her_topics(app, "anna@example.com") == ["New pieces", "Sales"]


def test_the_service_refuses_no_topics_and_retiring_the_last(
    app: Flask, topics: dict[str, int]
) -> None:
    with app.app_context():
        state = app.extensions["loyalty"]
        subscriber, _ = service.subscribe(
            state.session,
            state.now(),
            email="anna@example.com",
            topic_ids=[topics["Sales"]],
            consent=CONSENT,
        )
        with pytest.raises(InvalidTopics):
            update_preferences(state.session, state.now(), subscriber, topic_ids=[])
        with pytest.raises(InvalidTopics):  # a retired topic is no choice either
            update_preferences(
                state.session, state.now(), subscriber, topic_ids=[topics["Workshops"]]
            )
        retire_topic(
            state.session, state.now(), state.session.get(Topic, topics["Sales"])
        )
        with pytest.raises(InvalidTopics):
            retire_topic(
                state.session,
                state.now(),
                state.session.get(Topic, topics["New pieces"]),
            )


@pytest.fixture
def stranded(app: Flask, topics: dict[str, int]) -> None:
    """Two confirmed subscribers left without a topic offered (from before this
    release, or their topic retired), one with a topic, one pending without."""
    with app.app_context():
        state = app.extensions["loyalty"]
        for email, topic, confirmed in (
            ("old@example.com", "Sales", True),
            ("retired@example.com", "Workshops", True),
            ("fine@example.com", "Sales", True),
            ("pending@example.com", "Sales", False),
        ):
            subscriber, _ = service.subscribe(
                state.session,
                state.now(),
                email=email,
                topic_ids=[topics["Sales"]],
                consent=CONSENT,
            )
            if confirmed:
                service.confirm(state.session, state.now(), subscriber)
            state.session.flush()
            if email in ("old@example.com", "pending@example.com"):
                state.session.execute(
                    sa.delete(subscriber_topics).where(
                        subscriber_topics.c.subscriber_id == subscriber.id
                    )
                )
            if email == "retired@example.com":
                subscriber.topics = [state.session.get(Topic, topics[topic])]
        state.session.commit()


def test_the_owner_sees_who_gets_nothing_and_gives_them_a_topic(
    app: Flask, loyalty: t.Any, stranded: None
) -> None:
    loyalty.owner_check(lambda: True)
    owner = app.test_client()
    for url in ("/loyalty/owner/newsletter/topics", "/loyalty/owner/newsletter/"):
        page = owner.get(url).get_data(as_text=True)
        assert (
            "2 confirmed subscribers have no topic, so no campaign reaches them."
            in page
        ), url
        assert "Give them “New pieces”" in page
    forged = owner.post("/loyalty/owner/newsletter/topics/give-default")
    assert forged.status_code == 400
    assert her_topics(app, "old@example.com") == []
    page = owner.get("/loyalty/owner/newsletter/").get_data(as_text=True)
    given = owner.post(
        "/loyalty/owner/newsletter/topics/give-default",
        data={"csrf_token": form_token(page), "back": "campaigns"},
    )
    assert given.status_code == 302
    assert given.location == "/loyalty/owner/newsletter/"
    after = owner.get(given.location).get_data(as_text=True)
    assert "2 subscribers now get “New pieces”." in after
    assert "no campaign reaches" not in after
    assert her_topics(app, "old@example.com") == ["New pieces"]
    assert her_topics(app, "retired@example.com") == ["New pieces", "Workshops"]
    assert her_topics(app, "fine@example.com") == ["Sales"]
    assert her_topics(app, "pending@example.com") == []  # not confirmed: not counted
    with app.app_context():
        session = app.extensions["loyalty"].session
        old = service.find_subscriber(session, "old@example.com")
        kinds = session.scalars(
            sa.select(SubscriberEvent.kind).where(
                SubscriberEvent.subscriber_id == old.id
            )
        ).all()
        assert kinds[-1] == "preferences"
        confirmed = session.scalar(
            sa.select(sa.func.count(Subscriber.id)).where(
                Subscriber.status == "confirmed"
            )
        )
    assert sorted(campaign_to(app, "New pieces")) == [
        "old@example.com",
        "retired@example.com",
    ]
    assert confirmed == 3
