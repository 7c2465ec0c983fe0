from __future__ import annotations

import re
import typing as t
from decimal import Decimal

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from flask_loyalty import signals
from flask_loyalty.journeys import models as jm
from flask_loyalty.journeys import service as journeys
from flask_loyalty.journeys.editing import StepData
from flask_loyalty.journeys.editing import save_journey
from flask_loyalty.models import OutboxMessage
from flask_loyalty.newsletter import service as newsletter
from flask_loyalty.newsletter.service import Consent

ANNA = "anna@example.com"


@pytest.fixture
def shop(make_app: t.Callable[..., Flask], database_url: str) -> Flask:
    """A shop in Tallinn on SQLite and on PostgreSQL, with no frequency cap (the
    cap has a test of its own). A test module may define its own ``shop``."""
    return make_app(
        database_url=database_url,
        LOYALTY_TIMEZONE="Europe/Tallinn",
        LOYALTY_NEWSLETTER_MIN_DAYS=0,
        LOYALTY_SHOP_NAME="Silver Fern",
    )


def make_journey(
    app: Flask,
    steps: t.Sequence[StepData],
    *,
    trigger: str = jm.CONFIRMED,
    active: bool = True,
    **options: t.Any,
) -> int:
    """A journey saved as the owner would, switched on unless ``active=False``,
    holding out no one unless ``holdout_percent`` says (its tests are about the
    steps)."""
    options.setdefault("holdout_percent", 0)
    with app.app_context():
        state = app.extensions["loyalty"]
        journey = save_journey(
            state.session,
            state.now(),
            None,
            name=options.pop("name", "A journey"),
            trigger=trigger,
            steps=steps,
            **options,
        )
        if active:
            journeys.resume(state.session, state.now(), journey)
        state.session.commit()
        return journey.id


def email_step(subject: str, body: str | None = None, **timing: t.Any) -> StepData:
    return StepData(
        subject=subject,
        body=body or f"Dear {{{{ first_name or 'friend' }}}},\n\n{subject}.",
        **timing,
    )


def subscribe_confirmed(
    app: Flask,
    email: str,
    first_name: str | None = "Anna",
    topic_ids: t.Sequence[int] = (),
    locale: str | None = None,
) -> int:
    """Subscribe and confirm her (speaking ``locale``, if given), then announce it
    as the confirmation page does."""
    with app.app_context(), app.test_request_context():
        state = app.extensions["loyalty"]
        subscriber, _send = newsletter.subscribe(
            state.session,
            state.now(),
            email=email,
            first_name=first_name,
            topic_ids=topic_ids,
            consent=Consent(text="Yes", version="1", source="test", ip=None),
        )
        if locale:
            subscriber.locale = locale
        newsletter.confirm(state.session, state.now(), subscriber)
        state.session.commit()
        signals.subscription_confirmed.send(app, subscriber=subscriber)
        return subscriber.id


def order(
    app: Flask, reference: str, email: str = "anna@example.com", total: str = "40.00"
) -> None:
    with app.app_context():
        app.extensions["loyalty"].extension.record_order(
            reference, email=email, name="Anna Tamm", total=Decimal(total)
        )


def run_due(app: Flask) -> str:
    result = app.test_cli_runner().invoke(args=["loyalty", "run-due"])
    assert result.exit_code == 0, result.output
    return result.output


def journey_mail(app: Flask, to: str | None = None) -> list[OutboxMessage]:
    with app.app_context():
        query = (
            sa.select(OutboxMessage)
            .where(OutboxMessage.kind == "journey")
            .order_by(OutboxMessage.id)
        )
        if to:
            query = query.where(OutboxMessage.to_addr == to)
        messages = list(app.extensions["loyalty"].session.scalars(query))
        app.extensions["loyalty"].session.expunge_all()
        return messages


def enrolments(app: Flask) -> list[jm.Enrolment]:
    with app.app_context():
        session = app.extensions["loyalty"].session
        rows = list(session.scalars(sa.select(jm.Enrolment).order_by(jm.Enrolment.id)))
        session.expunge_all()
        return rows


def form_token(html: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    assert match, html
    return match.group(1)


@pytest.fixture
def owner(app: Flask) -> FlaskClient:
    app.extensions["loyalty"].extension.owner_check(lambda: True)
    return app.test_client()
