"""A topic's name in several languages (issue 20): the owner writes one per
offered language; the subscribe form shows a reader hers, else the default
language's name marked with its ``lang``."""

from __future__ import annotations

import typing as t

import pytest
from flask import Flask
from flask.testing import FlaskClient

from flask_loyalty import InvalidName
from flask_loyalty.newsletter import preferences
from flask_loyalty.newsletter.models import Topic
from flask_loyalty.newsletter.topic_versions import save_topic_version

from .conftest import form_token

LANGUAGES = ("en", "et", "hu")


@pytest.fixture
def app(make_app: t.Callable[..., Flask]) -> Flask:
    app = make_app(LOYALTY_LANGUAGES=LANGUAGES)
    with app.app_context():
        state = app.extensions["loyalty"]
        preferences.add_topic(state.session, state.now(), "New pieces")
        state.session.commit()
        state.extension.owner_check(lambda: True)
    return app


def reading(app: Flask, language: str) -> FlaskClient:
    client = app.test_client()
    with client.session_transaction() as session:
        session["loyalty_language"] = language
    return client


def test_the_owner_names_a_topic_in_hungarian_for_hungarian_readers(
    app: Flask,
) -> None:
    owner = app.test_client()
    page = owner.get("/loyalty/owner/newsletter/topics/1/language?lang=hu")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "There is no version in Hungarian yet" in html
    response = owner.post(
        "/loyalty/owner/newsletter/topics/1/language?lang=hu",
        data={
            "csrf_token": form_token(html),
            "language": "hu",
            "name": "Új  darabok",
            "description": "Frissen a műhelyből",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)

    hungarian = reading(app, "hu").get("/loyalty/newsletter").get_data(as_text=True)
    assert "Új darabok" in hungarian and "New pieces" not in hungarian
    estonian = reading(app, "et").get("/loyalty/newsletter").get_data(as_text=True)
    assert '<span lang="en">New pieces</span>' in estonian
    topics = owner.get("/loyalty/owner/newsletter/topics").get_data(as_text=True)
    assert "New pieces" in topics  # the owner's page in English: her own name
    assert (
        owner.get("/loyalty/owner/newsletter/topics/1/language?lang=en")
        .headers["Location"]
        .endswith("/loyalty/owner/newsletter/topics/1")
    )


def test_a_bad_version_is_refused_and_nothing_is_stored(app: Flask) -> None:
    with app.app_context():
        state = app.extensions["loyalty"]
        topic = state.session.get(Topic, 1)
        for language, name, description in (
            ("fr", "Nouveautés", ""),
            ("hu", "", "Frissen a műhelyből"),
            ("en", "", ""),
            ("hu", "Új\x07", ""),
        ):
            with pytest.raises(InvalidName):
                save_topic_version(
                    topic, state.now(), language, LANGUAGES,
                    name=name, description=description,
                )  # fmt: skip
        assert topic.translations is None and topic.name == "New pieces"
        save_topic_version(topic, state.now(), "hu", LANGUAGES, name="Új darabok")
        assert topic.translations["hu"]["name"] == "Új darabok"
