"""Every string of the journey pages and emails goes through the catalog: rendered
in a pseudo language that marks each translated string, nothing readable is left
unmarked but the owner's own words and the test's data."""

from __future__ import annotations

import re
import typing as t
from pathlib import Path

import sqlalchemy as sa
from flask import Flask

from flask_loyalty import FrozenClock
from flask_loyalty.journeys import models as jm
from flask_loyalty.journeys.editing import StepData
from flask_loyalty.models import Subscriber
from tests.i18n.pseudo import PSEUDO
from tests.i18n.pseudo import mark_formatted_values
from tests.i18n.pseudo import misses
from tests.i18n.pseudo import visible_text
from tests.i18n.pseudo import write_pseudo_catalog

from .conftest import email_step
from .conftest import journey_mail
from .conftest import make_journey
from .conftest import run_due
from .conftest import subscribe_confirmed

DATA = (
    "Welcome series",
    "Hello from the workshop",
    "Our story.",
    "anna@example.com",
    "mari@example.com",
    "owner@example.com",
    "Anna",
    "Mari",
    "Shop",
    "shop",
    "Step 1 body",
    "–",
)


def test_journey_pages_and_emails_are_translated(
    make_app: t.Callable[..., Flask], tmp_path: Path, clock: FrozenClock
) -> None:
    app = make_app(
        LOYALTY_LANGUAGES=(PSEUDO, "en"),  # the default: owner texts are in it
        LOYALTY_TRANSLATION_DIRECTORIES=[str(write_pseudo_catalog(tmp_path / "pc"))],
        LOYALTY_SHOP_NAME="Shop",
        LOYALTY_NEWSLETTER_MIN_DAYS=7,
    )
    app.extensions["loyalty"].extension.owner_check(lambda: True)
    mark_formatted_values(app)
    journey_id = make_journey(
        app,
        [
            email_step("Hello from the workshop", "Our story."),
            StepData(action=jm.POINTS, points=10, delay_days=1, at_time="09:00"),
        ],
        name="Welcome series",
    )
    subscribe_confirmed(app, "anna@example.com", "Anna")
    subscribe_confirmed(app, "mari@example.com", "Mari")
    with app.app_context():
        session = app.extensions["loyalty"].session
        session.execute(sa.update(Subscriber).values(locale=PSEUDO))
        session.execute(  # Mari had a campaign yesterday: her step waits
            sa.update(Subscriber)
            .where(Subscriber.email == "mari@example.com")
            .values(last_campaign_at=clock.now)
        )
        session.commit()
    clock.advance(hours=1)
    run_due(app)

    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = PSEUDO
    pages = {
        "list": client.get("/loyalty/owner/journeys/"),
        "journey": client.get(f"/loyalty/owner/journeys/{journey_id}"),
        "edit": client.get(f"/loyalty/owner/journeys/{journey_id}/edit"),
        "new": client.get("/loyalty/owner/journeys/new"),
    }
    html = pages["new"].get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    assert token
    pages["new, errors"] = client.post(
        "/loyalty/owner/journeys/new",
        data={"csrf_token": token.group(1), "name": "", "steps-0-delay_days": "-1"},
    )
    for name, response in pages.items():
        text = visible_text(response.get_data(as_text=True))
        assert f'<html lang="{PSEUDO}">' in response.get_data(as_text=True), name
        assert misses(text, DATA) == [], name
    assert "Held back" in pages["journey"].get_data(as_text=True)

    [message] = journey_mail(app)
    assert message.to_addr == "anna@example.com"
    for body in (message.text_body, visible_text(message.html_body or "")):
        assert misses(body, DATA) == [], body
