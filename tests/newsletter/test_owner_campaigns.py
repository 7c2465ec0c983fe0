"""The owner writes a campaign, previews it, tests it, schedules it and reads how
it went."""

from __future__ import annotations

import re
import typing as t
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from html import unescape

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from flask_loyalty import FrozenClock
from flask_loyalty.models import Campaign
from flask_loyalty.models import OutboxMessage
from flask_loyalty.newsletter import campaigns
from flask_loyalty.newsletter import preferences
from flask_loyalty.newsletter import service
from flask_loyalty.newsletter.mail import NewsletterMailer

from .conftest import form_token
from .conftest import outbox

BODY = "Dear {{ first_name or 'friend' }},\n\nThe spring rings are in."
NEW = "/loyalty/owner/newsletter/campaigns/new"


@pytest.fixture
def owner(app: Flask) -> FlaskClient:
    app.extensions["loyalty"].extension.owner_check(lambda: True)
    return app.test_client()


def write(
    owner: FlaskClient, topic_ids: t.Iterable[int], url: str = NEW, **data: t.Any
) -> t.Any:
    token = form_token(owner.get(NEW).get_data(as_text=True))
    data.setdefault("subject", "Spring at the workshop")
    data.setdefault("body", BODY)
    return owner.post(
        url, data={"csrf_token": token, "topics": [str(i) for i in topic_ids], **data}
    )


def stored(app: Flask) -> list[tuple[str, str, str, datetime | None]]:
    with app.app_context():
        return [
            (c.subject, c.body, c.status, c.send_at)
            for c in app.extensions["loyalty"].session.scalars(
                sa.select(Campaign).order_by(Campaign.id)
            )
        ]


def add_subscriber(
    app: Flask, email: str, topic_ids: list[int], *, name: str | None = None
) -> None:
    with app.app_context():
        state = app.extensions["loyalty"]
        subscriber, _ = service.subscribe(
            state.session,
            state.now(),
            email=email,
            first_name=name,
            topic_ids=topic_ids,
            consent=service.Consent(text="Yes", version="1", source="test"),
        )
        service.confirm(state.session, state.now(), subscriber)
        state.session.commit()


def test_the_owner_writes_and_edits_a_campaign(
    app: Flask, owner: FlaskClient, topics: dict[str, int]
) -> None:
    page = unescape(owner.get(NEW).get_data(as_text=True))
    assert "{{ first_name }}" in page and '{{ first_name or "friend" }}' in page
    assert "{{ shop_name }}" in page
    assert "Workshops" not in page  # retired topics are not offered
    response = write(owner, [topics["New pieces"]])
    assert response.status_code == 302
    assert response.location == "/loyalty/owner/newsletter/campaigns/1"
    assert stored(app) == [("Spring at the workshop", BODY, "draft", None)]

    edit = owner.get(response.location).get_data(as_text=True)
    assert "The campaign is saved." in edit
    assert 'value="Spring at the workshop"' in edit
    assert "checked" in edit
    again = write(
        owner,
        [topics["Sales"]],
        url=response.location,
        subject="Spring sale",
    )
    assert again.status_code == 302
    assert stored(app) == [("Spring sale", BODY, "draft", None)]
    listing = owner.get("/loyalty/owner/newsletter/").get_data(as_text=True)
    assert "Spring sale" in listing and "draft" in listing


@pytest.mark.parametrize(
    ("field", "text", "error"),
    [
        ("body", "Hi {{ first_name.__class__ }}", "unsafe"),
        ("body", "Hi {% for %}", "Line 1"),
        ("subject", "{{ shop_name.__class__ }}", "unsafe"),
    ],
)
def test_a_template_error_is_shown_and_nothing_is_saved(
    app: Flask,
    owner: FlaskClient,
    topics: dict[str, int],
    field: str,
    text: str,
    error: str,
) -> None:
    response = write(owner, [topics["New pieces"]], **{field: text})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    message = re.search(rf'<span class="error" id="{field}-error">([^<]+)', html)
    assert message and error in message.group(1)
    assert stored(app) == []


@pytest.mark.parametrize(
    ("share", "error"),
    (
        ("60", "A holdout share must be from 0 to 50 percent"),
        ("-3", "A holdout share must be from 0 to 50 percent"),
        ("ten", "Not a valid integer value."),
    ),
)
def test_a_bad_holdout_share_is_shown_and_nothing_is_saved(
    app: Flask, owner: FlaskClient, topics: dict[str, int], share: str, error: str
) -> None:
    response = write(owner, [topics["New pieces"]], holdout_percent=share)
    assert response.status_code == 400
    html = unescape(response.get_data(as_text=True))
    assert error in html
    assert 'name="holdout_percent"' in html
    assert stored(app) == []


def test_a_holdout_share_is_kept_with_the_campaign(
    app: Flask, owner: FlaskClient, topics: dict[str, int]
) -> None:
    response = write(owner, [topics["New pieces"]], holdout_percent="15")
    assert response.status_code == 302
    edit = owner.get(response.location).get_data(as_text=True)
    assert re.search(r'name="holdout_percent"[^>]*value="15"', edit) or (
        'value="15"' in edit
    )


def test_a_campaign_needs_a_topic(
    app: Flask, owner: FlaskClient, topics: dict[str, int]
) -> None:
    response = write(owner, [])
    assert response.status_code == 400
    assert "Choose at least one topic" in response.get_data(as_text=True)
    assert stored(app) == []


def test_the_preview_greets_by_name_and_shows_no_script(
    owner: FlaskClient, topics: dict[str, int]
) -> None:
    write(owner, [topics["New pieces"]], body=BODY + "\n\n<script>alert(1)</script>")
    html = owner.get("/loyalty/owner/newsletter/campaigns/1/preview").get_data(
        as_text=True
    )
    assert "Dear Anna," in html and "Dear friend," in html
    assert "For a reader without a first name" in html
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html  # the plain text, escaped
    assert re.search(r'<iframe class="preview" sandbox srcdoc="&lt;!doctype', html)
    assert owner.get("/loyalty/owner/newsletter/campaigns/9/preview").status_code == 404


def test_a_test_send_queues_one_message_to_the_given_address(
    app: Flask, owner: FlaskClient, topics: dict[str, int]
) -> None:
    add_subscriber(app, "anna@example.com", [topics["New pieces"]], name="Anna")
    write(owner, [topics["New pieces"]])
    page = owner.get("/loyalty/owner/newsletter/campaigns/1").get_data(as_text=True)
    response = owner.post(
        "/loyalty/owner/newsletter/campaigns/1/test",
        data={
            "csrf_token": form_token(page),
            "address": "Me@Example.com",
            "first_name": "Zoé",
        },
    )
    assert response.status_code == 302
    [message] = outbox(app)
    assert (message.kind, message.to_addr) == ("campaign_test", "me@example.com")
    assert message.subject == "[Test] Spring at the workshop"
    assert "Dear Zoé," in message.text_body and "Dear Zoé," in (message.html_body or "")
    assert "A test is on its way to me@example.com." in owner.get(
        response.location
    ).get_data(as_text=True)
    assert stored(app)[0][2] == "draft"


def test_a_test_send_goes_to_the_owner_by_default_and_checks_the_address(
    make_app: t.Callable[..., Flask], topics: dict[str, int]
) -> None:
    app = make_app(LOYALTY_OWNER_EMAIL="owner@example.com")
    app.extensions["loyalty"].extension.owner_check(lambda: True)
    owner = app.test_client()
    with app.app_context():
        state = app.extensions["loyalty"]
        topic = preferences.add_topic(state.session, state.now(), "News")
        state.session.commit()
        topic_id = topic.id
    write(owner, [topic_id])
    page = owner.get("/loyalty/owner/newsletter/campaigns/1").get_data(as_text=True)
    assert 'name="address" required type="email" value="owner@example.com"' in page
    response = owner.post(
        "/loyalty/owner/newsletter/campaigns/1/test",
        data={"csrf_token": form_token(page), "address": "not an address"},
    )
    assert response.status_code == 400
    assert 'id="address-error"' in response.get_data(as_text=True)
    assert outbox(app) == []


@pytest.fixture
def tallinn(make_app: t.Callable[..., Flask]) -> Flask:
    """A shop in Tallinn (UTC+2 in March), with two topics."""
    app = make_app(BABEL_DEFAULT_TIMEZONE="Europe/Tallinn")
    app.extensions["loyalty"].extension.owner_check(lambda: True)
    with app.app_context():
        state = app.extensions["loyalty"]
        for name in ("New pieces", "Sales", "Workshops"):
            preferences.add_topic(state.session, state.now(), name)
        state.session.commit()
    return app


def schedule(owner: FlaskClient, date: str, time: str) -> t.Any:
    page = owner.get("/loyalty/owner/newsletter/campaigns/1").get_data(as_text=True)
    return owner.post(
        "/loyalty/owner/newsletter/campaigns/1/schedule",
        data={"csrf_token": form_token(page), "date": date, "time": time},
    )


def test_a_time_in_the_past_is_refused(tallinn: Flask) -> None:
    owner = tallinn.test_client()
    write(owner, [1])
    # 11:00 in Tallinn is 09:00 UTC, an hour before the clock's 10:00 UTC.
    response = schedule(owner, "2026-03-02", "11:00")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "That time has passed." in html
    assert "Time in Europe/Tallinn." in html
    assert stored(tallinn)[0][2:] == ("draft", None)
    assert schedule(owner, "2026-03-02", "").status_code == 400
    assert stored(tallinn)[0][2:] == ("draft", None)


def test_send_now_and_back_to_draft(tallinn: Flask, clock: FrozenClock) -> None:
    owner = tallinn.test_client()
    write(owner, [1])
    page = owner.get("/loyalty/owner/newsletter/campaigns/1").get_data(as_text=True)
    sent = owner.post(
        "/loyalty/owner/newsletter/campaigns/1/send",
        data={"csrf_token": form_token(page)},
    )
    assert sent.status_code == 302
    assert stored(tallinn)[0][2:] == ("scheduled", clock.now)
    assert "goes out within minutes" in owner.get(sent.location).get_data(as_text=True)
    back = owner.post(
        "/loyalty/owner/newsletter/campaigns/1/unschedule",
        data={"csrf_token": form_token(page)},
    )
    assert back.status_code == 302
    assert stored(tallinn)[0][2:] == ("draft", None)
    again = owner.post(
        "/loyalty/owner/newsletter/campaigns/1/unschedule",
        data={"csrf_token": form_token(page)},
    )
    assert "Only a scheduled campaign" in owner.get(again.location).get_data(
        as_text=True
    )


def test_a_scheduled_campaign_goes_to_confirmed_subscribers_and_is_reported(
    tallinn: Flask, clock: FrozenClock
) -> None:
    app, owner = tallinn, tallinn.test_client()
    add_subscriber(app, "anna@example.com", [1], name="Anna")
    add_subscriber(app, "eszter@example.hu", [1, 2], name="Eszter")
    add_subscriber(app, "bela@example.hu", [2], name="Béla")
    add_subscriber(app, "dora@example.com", [3])  # not a chosen topic
    add_subscriber(app, "carla@example.com", [1])
    with app.app_context():
        state = app.extensions["loyalty"]
        service.suppress(state.session, state.now(), "carla@example.com", "bounce")
        service.subscribe(  # never confirmed
            state.session,
            state.now(),
            email="pending@example.com",
            topic_ids=[1],
            consent=service.Consent(text="Yes", version="1", source="test"),
        )
        bela = service.find_subscriber(state.session, "bela@example.hu")
        bela.last_campaign_at = clock.now - timedelta(days=2)  # the cap skips her
        state.session.commit()

    write(owner, [1, 2], body="Hello {{ first_name }}!")
    response = schedule(owner, "2026-03-05", "09:00")
    assert response.status_code == 302
    assert stored(app)[0][2:] == (
        "scheduled",
        datetime(2026, 3, 5, 7, 0, tzinfo=UTC),
    )
    page = owner.get(response.location).get_data(as_text=True)
    assert "The campaign is scheduled." in page
    assert 'value="2026-03-05"' in page and 'value="09:00"' in page
    assert "4 confirmed subscribers of these topics would get it now." in page

    with app.app_context():
        state = app.extensions["loyalty"]
        assert campaigns.claim_due(state.session, state.now()) is None
        clock.advance(days=3)
        campaign = campaigns.claim_due(state.session, state.now())
        assert campaign is not None
        campaigns.build(
            state.session, clock, campaign, NewsletterMailer(state), min_days=7
        )
    messages = outbox(app, "campaign")
    assert sorted(m.to_addr for m in messages) == [
        "anna@example.com",
        "eszter@example.hu",
    ]
    assert {m.text_body.splitlines()[0] for m in messages} == {
        "Hello Anna!",
        "Hello Eszter!",
    }
    with app.app_context():
        state = app.extensions["loyalty"]
        state.session.get(OutboxMessage, messages[0].id).status = "sent"
        state.session.get(OutboxMessage, messages[1].id).status = "failed"
        eszter = service.find_subscriber(state.session, "eszter@example.hu")
        service.unsubscribe(
            state.session, state.now(), eszter, how="one-click", campaign_id=1
        )
        state.session.commit()

    report = owner.get("/loyalty/owner/newsletter/campaigns/1/report")
    html = report.get_data(as_text=True)
    figures = dict(
        (label.strip(), int(n))
        for n, label in re.findall(r"<strong>(\d+)</strong>([^<]+)<", html)
    )
    assert figures == {
        "recipients": 4,
        "sent": 1,
        "waiting to be sent": 0,
        "failed": 1,
        "not sent: the address bounced or complained": 1,
        "skipped by the cap": 1,
        "unsubscribes": 1,
    }
    listing = owner.get("/loyalty/owner/newsletter/").get_data(as_text=True)
    cells = re.findall(r'<td class="num(?: wide)?">(\d+)</td>', listing)
    assert cells == ["4", "1", "1", "1", "1"]


def test_a_sent_campaign_is_read_only(
    app: Flask, owner: FlaskClient, topics: dict[str, int]
) -> None:
    write(owner, [topics["New pieces"]])
    with app.app_context():
        state = app.extensions["loyalty"]
        state.session.get(Campaign, 1).status = "sent"
        state.session.commit()
    page = owner.get("/loyalty/owner/newsletter/campaigns/1").get_data(as_text=True)
    assert "This campaign was sent and can no longer change." in page
    assert 'name="subject"' not in page and "Send now" not in page
    assert "The spring rings are in." in page
    response = write(
        owner, [topics["Sales"]], url="/loyalty/owner/newsletter/campaigns/1"
    )
    assert response.status_code == 400
    assert stored(app)[0][0] == "Spring at the workshop"
    refused = schedule(owner, "2026-04-01", "09:00")
    assert "This campaign was sent already." in owner.get(refused.location).get_data(
        as_text=True
    )
    assert stored(app)[0][2] == "sent"
