"""The owner finds a subscriber, reads what is stored about her, and erases it on
request."""

from __future__ import annotations

import json
import re
import typing as t

import pytest
import sqlalchemy as sa
from flask import Flask

from flask_loyalty.models import Subscriber
from flask_loyalty.models import SubscriberEvent
from flask_loyalty.models import Suppression
from flask_loyalty.newsletter import preferences
from flask_loyalty.newsletter import service

from .conftest import form_token

LIST = "/loyalty/owner/newsletter/subscribers"


@pytest.fixture
def shop(make_app: t.Callable[..., Flask]) -> Flask:
    """Five subscribers: three confirmed, one pending, one unsubscribed."""
    app = make_app(LOYALTY_OWNER_PAGE_SIZE=2)
    app.extensions["loyalty"].extension.owner_check(lambda: True)
    with app.app_context():
        state = app.extensions["loyalty"]
        news = preferences.add_topic(state.session, state.now(), "New pieces")
        consent = service.Consent(
            text="Yes, send me news.", version="2", source="https://shop.test/"
        )
        people = [
            ("anna@example.com", "Anna", "confirmed"),
            ("eszter@example.hu", "Eszter", "confirmed"),
            ("orsi@example.hu", "Őrsi Zoé", "confirmed"),
            ("eleni@example.gr", "Ελένη", "pending"),
            ("maria@example.ph", None, "unsubscribed"),
        ]
        for email, name, status in people:
            subscriber, _ = service.subscribe(
                state.session,
                state.now(),
                email=email,
                first_name=name,
                topic_ids=[news.id],
                consent=consent,
            )
            if status != "pending":
                service.confirm(state.session, state.now(), subscriber)
            if status == "unsubscribed":
                service.unsubscribe(state.session, state.now(), subscriber, how="test")
        state.session.commit()
    return app


def emails(html: str) -> list[str]:
    return re.findall(r'subscribers/\d+">([^<]+)</a>', html)


def test_counts_search_filter_and_pages(shop: Flask) -> None:
    owner = shop.test_client()
    html = owner.get(LIST).get_data(as_text=True)
    counts = re.findall(r"<strong>(\d+)</strong><a[^>]*>([^<]+)</a>", html)
    assert counts == [
        ("1", "waiting for confirmation"),
        ("3", "confirmed"),
        ("1", "unsubscribed"),
    ]
    assert emails(html) == ["maria@example.ph", "eleni@example.gr"]
    assert "Older" in html
    second = owner.get(f"{LIST}?page=2").get_data(as_text=True)
    assert emails(second) == ["orsi@example.hu", "eszter@example.hu"]
    third = owner.get(f"{LIST}?page=3").get_data(as_text=True)
    assert emails(third) == ["anna@example.com"] and "Older" not in third

    assert emails(owner.get(f"{LIST}?q=ANNA").get_data(as_text=True)) == [
        "anna@example.com"
    ]
    assert emails(owner.get(f"{LIST}?q=example.hu").get_data(as_text=True)) == [
        "orsi@example.hu",
        "eszter@example.hu",
    ]
    assert emails(owner.get(f"{LIST}?q=Ελένη").get_data(as_text=True)) == [
        "eleni@example.gr"
    ]
    assert emails(owner.get(f"{LIST}?status=pending").get_data(as_text=True)) == [
        "eleni@example.gr"
    ]
    filtered = owner.get(f"{LIST}?q=example&status=confirmed").get_data(as_text=True)
    assert emails(filtered) == ["orsi@example.hu", "eszter@example.hu"]
    assert "status=confirmed" in filtered and "q=example" in filtered  # the pager
    nothing = owner.get(f"{LIST}?q=100%25").get_data(as_text=True)
    assert emails(nothing) == [] and "No subscriber matches." in nothing
    odd = owner.get(f"{LIST}?status=bogus&page=-3").get_data(as_text=True)
    assert emails(odd) == ["maria@example.ph", "eleni@example.gr"]


def test_her_page_shows_her_data_and_history(shop: Flask) -> None:
    owner = shop.test_client()
    html = owner.get(f"{LIST}/3").get_data(as_text=True)
    assert "orsi@example.hu" in html and "Őrsi Zoé" in html
    assert "Yes, send me news." in html and "https://shop.test/" in html
    assert "New pieces" in html
    assert "asked to subscribe" in html and "confirmed" in html
    assert owner.get(f"{LIST}/99").status_code == 404


def test_the_owner_downloads_her_data(shop: Flask) -> None:
    response = shop.test_client().get(f"{LIST}/3/data.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="subscriber-3.json"'
    )
    data = json.loads(response.get_data(as_text=True))
    newsletter = data["newsletter"]
    assert data["email"] == "orsi@example.hu" and newsletter["first_name"] == "Őrsi Zoé"
    assert newsletter["consent"]["version"] == "2"
    events = [e["kind"] for e in newsletter["events"]]
    assert events == ["subscribe_requested", "confirmed"]
    assert data["customer"] is None and data["orders"] == []  # she never ordered


def test_erasing_needs_the_box_ticked(shop: Flask) -> None:
    owner = shop.test_client()
    page = owner.get(f"{LIST}/1").get_data(as_text=True)
    response = owner.post(f"{LIST}/1/erase", data={"csrf_token": form_token(page)})
    assert response.status_code == 400
    assert "Tick the box to confirm the erasure." in response.get_data(as_text=True)
    assert owner.post(f"{LIST}/1/erase", data={"confirm": "y"}).status_code == 400
    with shop.app_context():
        session = shop.extensions["loyalty"].session
        assert session.get(Subscriber, 1) is not None
        assert session.scalar(sa.select(sa.func.count(Suppression.id))) == 0


def test_erasing_removes_her_and_keeps_only_a_hash(shop: Flask) -> None:
    owner = shop.test_client()
    page = owner.get(f"{LIST}/1").get_data(as_text=True)
    response = owner.post(
        f"{LIST}/1/erase", data={"csrf_token": form_token(page), "confirm": "y"}
    )
    assert response.status_code == 302 and response.location == LIST
    listing = owner.get(LIST + "?q=anna").get_data(as_text=True)
    assert "Her data is erased." in listing and emails(listing) == []
    with shop.app_context():
        session = shop.extensions["loyalty"].session
        assert service.find_subscriber(session, "anna@example.com") is None
        [suppression] = session.scalars(sa.select(Suppression))
        assert suppression.email_hash == service.email_hash("anna@example.com")
        assert suppression.reason == "erased"
        assert service.is_suppressed(session, "anna@example.com")


def test_erasing_leaves_no_history_behind(
    make_app: t.Callable[..., Flask], database_url: str
) -> None:
    app = make_app(database_url=database_url)
    app.extensions["loyalty"].extension.owner_check(lambda: True)
    with app.app_context():
        state = app.extensions["loyalty"]
        subscriber, _ = service.subscribe(
            state.session,
            state.now(),
            email="anna@example.com",
            consent=service.Consent(text="Yes", version="1", source="test"),
        )
        service.confirm(state.session, state.now(), subscriber)
        state.session.commit()
        subscriber_id = subscriber.id
    owner = app.test_client()
    found = owner.get(f"{LIST}?q=an%00na").get_data(as_text=True)  # no NUL to the DB
    assert emails(found) == ["anna@example.com"]
    page = owner.get(f"{LIST}/{subscriber_id}").get_data(as_text=True)
    owner.post(
        f"{LIST}/{subscriber_id}/erase",
        data={"csrf_token": form_token(page), "confirm": "y"},
    )
    with app.app_context():
        events = app.extensions["loyalty"].session.scalar(
            sa.select(sa.func.count(SubscriberEvent.id)).where(
                SubscriberEvent.subscriber_id == subscriber_id
            )
        )
    assert events == 0
