"""A journey email in the shop's other languages (issue 20, point 4): the owner
writes a version per language; each subscriber gets hers, else the default, the
whole email in that one language."""

from __future__ import annotations

import re
import typing as t

import pytest
import sqlalchemy as sa
from flask import Flask

from flask_loyalty.journeys import models as jm

from .conftest import email_step
from .conftest import journey_mail
from .conftest import make_journey
from .conftest import run_due
from .conftest import subscribe_confirmed


@pytest.fixture
def owned(shop: Flask) -> Flask:
    shop.extensions["loyalty"].extension.owner_check(lambda: True)
    return shop


def step_url(app: Flask, journey_id: int) -> str:
    with app.app_context():
        step = (
            app.extensions["loyalty"]
            .session.scalars(sa.select(jm.Step).where(jm.Step.journey_id == journey_id))
            .one()
        )
        return f"/loyalty/owner/journeys/{journey_id}/steps/{step.id}/message"


def form_token(html: str) -> str:
    found = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    assert found, html
    return found.group(1)


def write(client: t.Any, url: str, lang: str, **texts: str) -> t.Any:
    page = client.get(f"{url}?lang={lang}")
    assert page.status_code == 200
    return client.post(
        f"{url}?lang={lang}",
        data={"csrf_token": form_token(page.text), "language": lang, **texts},
    )


def test_each_subscriber_gets_the_email_wholly_in_her_language(owned: Flask) -> None:
    journey_id = make_journey(owned, [email_step("Welcome", "Our story.")])
    url = step_url(owned, journey_id)
    owner = owned.test_client()
    journey_page = owner.get(f"/loyalty/owner/journeys/{journey_id}").text
    assert url in journey_page
    page = owner.get(f"{url}?lang=el").text
    assert "There is no version in Greek yet" in page
    saved = write(owner, url, "el", subject="Καλώς ήρθατε", body="Η ιστορία μας.")
    assert saved.status_code == 302
    assert "(written)" in owner.get(saved.location).text
    subscribe_confirmed(owned, "eleni@example.gr", "Eleni", locale="el")
    subscribe_confirmed(owned, "kati@example.ee", "Kati", locale="et")
    subscribe_confirmed(owned, "anna@example.com", "Anna")
    run_due(owned)
    greek = journey_mail(owned, "eleni@example.gr")[0]
    assert greek.subject == "Καλώς ήρθατε"
    assert "Η ιστορία μας." in greek.text_body
    assert "Απεγγραφή" in greek.text_body and "Unsubscribe" not in greek.text_body
    assert "Content-Language: el" in greek.content.raw.decode()
    for to in ("kati@example.ee", "anna@example.com"):  # no Estonian version
        [message] = journey_mail(owned, to)
        assert message.subject == "Welcome" and "Our story." in message.text_body
        assert "Content-Language: en" in message.content.raw.decode()


def test_a_bad_version_is_refused_and_nothing_is_saved(owned: Flask) -> None:
    journey_id = make_journey(owned, [email_step("Welcome", "Our story.")])
    url = step_url(owned, journey_id)
    owner = owned.test_client()
    for texts, message in (
        ({"subject": "Tere", "body": ""}, "text in this language."),
        ({"subject": "", "body": "Lugu."}, "Give the email a subject of 1 to 200"),
        ({"subject": "Tere", "body": "<script>x()</script>"}, "cannot contain scripts"),
        ({"subject": "Tere", "body": "{{ first_name"}, "Nothing was saved."),
    ):
        refused = write(owner, url, "et", **texts)
        assert refused.status_code == 400, texts
        assert message in refused.text, texts
    forged = owner.post(f"{url}?lang=et", data={"subject": "Tere", "body": "Lugu."})
    assert forged.status_code == 400
    assert owner.get(f"{url}?lang=xx").status_code == 404
    other = make_journey(owned, [email_step("Other")], name="Other")
    wrong = url.replace(f"/journeys/{journey_id}/", f"/journeys/{other}/", 1)
    assert owner.get(wrong).status_code == 404  # the step of another journey
    with owned.app_context():
        step = (
            owned.extensions["loyalty"]
            .session.scalars(sa.select(jm.Step).where(jm.Step.journey_id == journey_id))
            .one()
        )
        assert not step.translations


def test_only_the_owner_writes_versions(shop: Flask) -> None:
    journey_id = make_journey(shop, [email_step("Welcome", "Our story.")])
    url = step_url(shop, journey_id)
    shop.extensions["loyalty"].extension.owner_check(lambda: False)
    visitor = shop.test_client()
    assert visitor.get(f"{url}?lang=el").status_code == 403
    assert visitor.post(url, data={"subject": "x", "body": "y"}).status_code == 403


def test_the_owner_names_a_journey_in_another_language(owned: Flask) -> None:
    """The journey's name in the page's language where written, else the
    default's marked with its ``lang`` (issue 20)."""
    journey_id = make_journey(owned, [email_step("Welcome", "Our story.")])
    client = owned.test_client()
    url = f"/loyalty/owner/journeys/{journey_id}/name"
    assert write(client, url, "el", name="Καλωσόρισμα").status_code == 302
    assert write(client, url, "el", name="x" * 201).status_code == 400
    with owned.app_context():
        journey = owned.extensions["loyalty"].session.get(jm.Journey, journey_id)
        assert journey.translations["el"]["name"] == "Καλωσόρισμα"
    listing = {}
    for language in ("el", "hu"):
        with client.session_transaction() as session:
            session["loyalty_language"] = language
        listing[language] = client.get("/loyalty/owner/journeys/").text
    assert "Καλωσόρισμα" in listing["el"]
    name = re.search(r'<span lang="en">([^<]*)</span>', listing["hu"])
    assert name is not None and name[1] != "Καλωσόρισμα"
    assert client.get(f"{url}?lang=en").status_code == 302  # written in settings
