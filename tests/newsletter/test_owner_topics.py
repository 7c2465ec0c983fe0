"""The owner's newsletter area is hers alone; she keeps the list of topics."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from flask_loyalty import Loyalty
from flask_loyalty.newsletter import service
from flask_loyalty.newsletter.models import Topic

from .conftest import form_token

NEWSLETTER_PAGES = [
    ("GET", "/loyalty/owner/newsletter/"),
    ("GET", "/loyalty/owner/newsletter/campaigns/new"),
    ("POST", "/loyalty/owner/newsletter/campaigns/new"),
    ("GET", "/loyalty/owner/newsletter/campaigns/1"),
    ("POST", "/loyalty/owner/newsletter/campaigns/1"),
    ("GET", "/loyalty/owner/newsletter/campaigns/1/preview"),
    ("GET", "/loyalty/owner/newsletter/campaigns/1/language"),
    ("POST", "/loyalty/owner/newsletter/campaigns/1/language"),
    ("GET", "/loyalty/owner/newsletter/topics/1/language"),
    ("POST", "/loyalty/owner/newsletter/topics/1/language"),
    ("POST", "/loyalty/owner/newsletter/campaigns/1/test"),
    ("POST", "/loyalty/owner/newsletter/campaigns/1/send"),
    ("POST", "/loyalty/owner/newsletter/campaigns/1/schedule"),
    ("POST", "/loyalty/owner/newsletter/campaigns/1/unschedule"),
    ("GET", "/loyalty/owner/newsletter/campaigns/1/report"),
    ("GET", "/loyalty/owner/newsletter/topics"),
    ("POST", "/loyalty/owner/newsletter/topics"),
    ("GET", "/loyalty/owner/newsletter/topics/1"),
    ("POST", "/loyalty/owner/newsletter/topics/1"),
    ("POST", "/loyalty/owner/newsletter/topics/1/retire"),
    ("POST", "/loyalty/owner/newsletter/topics/1/restore"),
    ("POST", "/loyalty/owner/newsletter/topics/give-default"),
    ("GET", "/loyalty/owner/newsletter/subscribers"),
    ("GET", "/loyalty/owner/newsletter/subscribers.csv"),
    ("GET", "/loyalty/owner/newsletter/subscribers/import"),
    ("POST", "/loyalty/owner/newsletter/subscribers/import"),
    ("GET", "/loyalty/owner/newsletter/subscribers/1"),
    ("GET", "/loyalty/owner/newsletter/subscribers/1/data.json"),
    ("POST", "/loyalty/owner/newsletter/subscribers/1/erase"),
]


@pytest.fixture
def owner(app: Flask, loyalty: Loyalty) -> FlaskClient:
    loyalty.owner_check(lambda: True)
    return app.test_client()


def topic_names(app: Flask) -> list[tuple[str, str, bool]]:
    with app.app_context():
        topics = app.extensions["loyalty"].session.scalars(
            sa.select(Topic).order_by(Topic.id)
        )
        return [(t.slug, t.name, t.retired_at is not None) for t in topics]


def test_every_newsletter_page_is_listed_here(app: Flask) -> None:
    routes = {
        (method, re.sub(r"<[^>]+>", "1", rule.rule))
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/loyalty/owner/newsletter")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert routes == set(NEWSLETTER_PAGES)


@pytest.mark.parametrize(("method", "url"), NEWSLETTER_PAGES)
def test_a_customer_cannot_open_the_newsletter_pages(
    app: Flask,
    loyalty: Loyalty,
    client: FlaskClient,
    topics: dict[str, int],
    method: str,
    url: str,
) -> None:
    loyalty.owner_check(lambda: False)
    assert client.open(url, method=method).status_code == 403
    assert len(topic_names(app)) == 3


def test_the_newsletter_is_in_the_owner_navigation(owner: FlaskClient) -> None:
    html = owner.get("/loyalty/owner/").get_data(as_text=True)
    assert '<a href="/loyalty/owner/newsletter/">Newsletter</a>' in html
    page = owner.get("/loyalty/owner/newsletter/topics").get_data(as_text=True)
    for label in ("Campaigns", "Subscribers", "Topics"):
        assert f">{label}</a>" in page
    assert 'aria-current="page">Topics' in page


def test_the_owner_adds_renames_retires_and_restores_a_topic(
    app: Flask, owner: FlaskClient
) -> None:
    page = owner.get("/loyalty/owner/newsletter/topics").get_data(as_text=True)
    assert "No topics yet" in page
    added = owner.post(
        "/loyalty/owner/newsletter/topics",
        data={
            "csrf_token": form_token(page),
            "name": "Új darabok",
            "description": "Fresh from the workshop",
        },
    )
    assert added.status_code == 302
    assert topic_names(app) == [("uj-darabok", "Új darabok", False)]
    listing = owner.get(added.location).get_data(as_text=True)
    assert "The topic “Új darabok” is added." in listing
    assert "Fresh from the workshop" in listing

    edit = owner.get("/loyalty/owner/newsletter/topics/1").get_data(as_text=True)
    assert 'value="Új darabok"' in edit and "uj-darabok" in edit
    renamed = owner.post(
        "/loyalty/owner/newsletter/topics/1",
        data={"csrf_token": form_token(edit), "name": "New pieces"},
    )
    assert renamed.status_code == 302
    assert topic_names(app) == [("uj-darabok", "New pieces", False)]

    last = owner.post(
        "/loyalty/owner/newsletter/topics/1/retire",
        data={"csrf_token": form_token(edit)},
    )
    assert last.status_code == 400  # the only topic: subscribers need one
    assert "Keep at least one topic" in last.get_data(as_text=True)
    assert topic_names(app) == [("uj-darabok", "New pieces", False)]
    owner.post(
        "/loyalty/owner/newsletter/topics",
        data={"csrf_token": form_token(page), "name": "Sales"},
    )
    retired = owner.post(
        "/loyalty/owner/newsletter/topics/1/retire",
        data={"csrf_token": form_token(edit)},
    )
    assert retired.status_code == 302
    assert topic_names(app)[0] == ("uj-darabok", "New pieces", True)
    assert "retired" in owner.get(retired.location).get_data(as_text=True)
    subscribe_page = owner.get("/loyalty/newsletter").get_data(as_text=True)
    offered = re.findall(r'name="topics"[^>]*value="(\d+)"', subscribe_page)
    assert offered == ["2"]  # the retired one is not offered

    restored = owner.post(
        "/loyalty/owner/newsletter/topics/1/restore",
        data={"csrf_token": form_token(edit)},
    )
    assert restored.status_code == 302
    assert topic_names(app)[0] == ("uj-darabok", "New pieces", False)
    subscribe_page = owner.get("/loyalty/newsletter").get_data(as_text=True)
    assert 'name="topics"' in subscribe_page


@pytest.mark.parametrize("name", ["", "   ", "x" * 101, "New\x00pieces"])
def test_a_topic_needs_a_sensible_name(
    app: Flask, owner: FlaskClient, topics: dict[str, int], name: str
) -> None:
    page = owner.get("/loyalty/owner/newsletter/topics").get_data(as_text=True)
    response = owner.post(
        "/loyalty/owner/newsletter/topics",
        data={"csrf_token": form_token(page), "name": name},
    )
    assert response.status_code == 400
    assert 'class="error"' in response.get_data(as_text=True)
    renamed = owner.post(
        "/loyalty/owner/newsletter/topics/1",
        data={"csrf_token": form_token(page), "name": name},
    )
    assert renamed.status_code == 400
    assert [name for _slug, name, _retired in topic_names(app)] == [
        "New pieces",
        "Sales",
        "Workshops",
    ]


def test_changes_need_the_form_token(
    app: Flask, owner: FlaskClient, topics: dict[str, int]
) -> None:
    assert (
        owner.post("/loyalty/owner/newsletter/topics", data={"name": "X"}).status_code
        == 400
    )
    refused = owner.post("/loyalty/owner/newsletter/topics/1/retire")
    assert refused.status_code == 400
    assert "This form has expired" in refused.get_data(as_text=True)
    assert len(topic_names(app)) == 3 and not topic_names(app)[0][2]
    assert owner.get("/loyalty/owner/newsletter/topics/99").status_code == 404


def test_topics_show_how_many_confirmed_subscribers_chose_them(
    app: Flask, owner: FlaskClient, topics: dict[str, int]
) -> None:
    with app.app_context():
        state = app.extensions["loyalty"]
        consent = service.Consent(text="Yes", version="1", source="test")
        for email, confirm in (("a@example.com", True), ("b@example.com", False)):
            subscriber, _ = service.subscribe(
                state.session,
                state.now(),
                email=email,
                topic_ids=[topics["New pieces"], topics["Sales"]],
                consent=consent,
            )
            if confirm:
                service.confirm(state.session, state.now(), subscriber)
        state.session.commit()
    html = owner.get("/loyalty/owner/newsletter/topics").get_data(as_text=True)
    rows = re.findall(
        r'topics/\d+">([^<]+)</a>.*?<td class="num">(\d+)</td>', html, re.S
    )
    assert rows == [("New pieces", "1"), ("Sales", "1"), ("Workshops", "0")]
    assert "retired" in html
