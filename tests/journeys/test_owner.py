"""The owner sets up, edits, tests, pauses and reads journeys in the owner area."""

from __future__ import annotations

import typing as t
from html import unescape

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from flask_loyalty import FrozenClock
from flask_loyalty.journeys import models as jm
from flask_loyalty.models import OutboxMessage

from .conftest import enrolments
from .conftest import form_token
from .conftest import journey_mail
from .conftest import order
from .conftest import run_due
from .conftest import subscribe_confirmed

NEW = "/loyalty/owner/journeys/new"


def step(n: int, **values: t.Any) -> dict[str, t.Any]:
    base = {
        "delay_days": "0",
        "delay_hours": "0",
        "after": "previous",
        "at_time": "",
        "action": "email",
        "subject": "",
        "body": "",
        "points": "",
        "offer_id": "",
    }
    base.update(values)
    return {f"steps-{n}-{key}": value for key, value in base.items()}


def post_journey(
    owner: FlaskClient,
    url: str = NEW,
    steps: t.Sequence[dict[str, t.Any]] = (),
    **data: t.Any,
) -> t.Any:
    token = form_token(owner.get(url).get_data(as_text=True))
    form = {
        "csrf_token": token,
        "name": "Welcome",
        "trigger": "confirmed",
        "trigger_n": "",
        "reentry": "once",
        "topic_id": "",
        "holdout_percent": "10",
    }
    form.update(data)
    for values in steps:
        form.update(values)
    return owner.post(url, data=form)


def stored(app: Flask) -> int:
    with app.app_context():
        return app.extensions["loyalty"].session.scalar(
            sa.select(sa.func.count(jm.Journey.id))
        )


def test_owner_pages_are_forbidden_to_others(app: Flask, client: FlaskClient) -> None:
    for url in ("/loyalty/owner/journeys/", NEW):
        assert client.get(url).status_code == 403
    app.extensions["loyalty"].extension.owner_check(lambda: False)
    assert client.post(NEW, data={"name": "x"}).status_code == 403


@pytest.mark.parametrize(
    ("steps", "data", "message"),
    [
        (
            [step(0, subject="Hi", body="Hello", delay_days="-1")],
            {},
            "A delay cannot be negative.",
        ),
        ([], {}, "Add at least one step."),
        ([step(0, subject="Hi", body="Hello {{ first_name ")], {}, "Step 1:"),
        (
            [step(0, subject="Hi", body="Hello <script>alert(1)</script>")],
            {},
            "an email cannot contain scripts.",
        ),
        ([step(0, action="offer", offer_id="999")], {}, "that offer no longer exists"),
        ([step(0, action="points", points="0")], {}, "give a number of points"),
        ([step(0, subject="Hi", body="x", at_time="25:00")], {}, "hours:minutes"),
        (
            [step(0, subject="Hi", body="x")],
            {"trigger": "nth_order"},
            "Say which order",
        ),
        ([step(0, subject="Hi", body="x")], {"name": ""}, "Give the journey a name."),
        (
            [step(0, subject="Hi", body="x")],
            {"trigger": "segment", "segment": "nonsense"},
            "Choose the segment whose new members enter.",
        ),
        (
            [step(0, subject="Hi", body="x")],
            {"holdout_percent": "60"},
            "A holdout share must be from 0 to 50 percent",
        ),
        (
            [step(0, subject="Hi", body="x")],
            {"holdout_percent": "-5"},
            "A holdout share must be from 0 to 50 percent",
        ),
        (
            [step(0, subject="Hi", body="x")],
            {"holdout_percent": ""},
            "Give a whole percent from 0 to 50.",
        ),
    ],
)
def test_bad_input_gets_a_clear_message_and_saves_nothing(
    app: Flask,
    owner: FlaskClient,
    steps: list[dict[str, t.Any]],
    data: dict[str, t.Any],
    message: str,
) -> None:
    response = post_journey(owner, steps=steps, **data)
    assert response.status_code == 400
    assert message in unescape(response.get_data(as_text=True))
    assert stored(app) == 0


def test_the_owner_creates_switches_on_tests_edits_and_pauses_a_journey(
    app: Flask, owner: FlaskClient, clock: FrozenClock
) -> None:
    response = post_journey(
        owner,
        steps=[
            step(0, subject="Welcome, {{ first_name or 'friend' }}", body="Our story."),
            step(1, action="points", points="50", delay_days="2"),
            step(2),  # an empty row adds nothing
        ],
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    page_url = response.headers["Location"]
    with app.app_context():
        journey = app.extensions["loyalty"].session.scalar(sa.select(jm.Journey))
        assert journey is not None and not journey.active
        assert [s.action for s in journey.steps] == ["email", "points"]
        assert journey.steps[1].delay_minutes == 2 * 1440
        journey_id = journey.id
    page = " ".join(owner.get(page_url).get_data(as_text=True).split())
    assert "This journey is paused" in page
    assert "2 days after the previous step" in page

    token = form_token(page)
    owner.post(
        f"/loyalty/owner/journeys/{journey_id}/switch", data={"csrf_token": token}
    )
    subscribe_confirmed(app, "anna@example.com", "Anna")
    run_due(app)
    assert [m.subject for m in journey_mail(app)] == ["Welcome, Anna"]

    # A test of the email goes to the owner, marked as a test.
    response = owner.post(
        f"/loyalty/owner/journeys/{journey_id}/test",
        data={"csrf_token": token, "step": str(jm_step_id(app, 0)),
              "address": "owner@example.com", "first_name": "Liis"},
    )  # fmt: skip
    assert response.status_code == 302
    with app.app_context():
        test = app.extensions["loyalty"].session.scalar(
            sa.select(OutboxMessage).where(OutboxMessage.kind == "journey_test")
        )
        assert test.subject == "[Test] Welcome, Liis"
        assert test.to_addr == "owner@example.com"

    # She orders within the window: the step's figures show it.
    clock.advance(days=1)
    order(app, "SF-1", "anna@example.com", "60.00")
    page = owner.get(page_url).get_data(as_text=True)
    assert "1 · €60.00" in unescape(page)

    # The owner edits the first step: the same step, new words.
    edit = f"/loyalty/owner/journeys/{journey_id}/edit"
    response = post_journey(
        owner,
        edit,
        steps=[
            step(0, step_id=str(jm_step_id(app, 0)), subject="Hello", body="New."),
            step(1, step_id=str(jm_step_id(app, 1)), action="points", points="75",
                 delay_days="2"),
        ],
    )  # fmt: skip
    assert response.status_code == 302
    with app.app_context():
        journey = app.extensions["loyalty"].session.get(jm.Journey, journey_id)
        assert [(s.subject, s.points) for s in journey.steps] == [
            ("Hello", None),
            (None, 75),
        ]
    page = owner.get(page_url).get_data(as_text=True)
    assert "Hello" in page

    # Pausing takes her out before her points.
    owner.post(
        f"/loyalty/owner/journeys/{journey_id}/switch", data={"csrf_token": token}
    )
    assert [e.exit_reason for e in enrolments(app)] == [jm.PAUSED]
    listing = owner.get("/loyalty/owner/journeys/").get_data(as_text=True)
    assert "paused" in listing and "Welcome" in listing


def jm_step_id(app: Flask, position: int) -> int:
    with app.app_context():
        return app.extensions["loyalty"].session.scalar(
            sa.select(jm.Step.id).where(jm.Step.position == position)
        )


def test_the_owner_puts_someone_in_by_hand(app: Flask, owner: FlaskClient) -> None:
    response = post_journey(
        owner, steps=[step(0, subject="Hi", body="x")], trigger="manual"
    )
    url = response.headers["Location"]
    token = form_token(owner.get(url).get_data(as_text=True))
    journey_id = int(url.rstrip("/").rsplit("/", 1)[1])
    enter = f"/loyalty/owner/journeys/{journey_id}/enter"
    paused = owner.post(enter, data={"csrf_token": token, "email": "mari@example.com"})
    assert "Switch the journey on first." in paused.get_data(as_text=True)
    owner.post(
        f"/loyalty/owner/journeys/{journey_id}/switch", data={"csrf_token": token}
    )
    bad = owner.post(enter, data={"csrf_token": token, "email": "not an address"})
    assert bad.status_code == 400
    assert (
        owner.post(
            enter, data={"csrf_token": token, "email": "Mari@Example.com"}
        ).status_code
        == 302
    )
    again = owner.post(enter, data={"csrf_token": token, "email": "mari@example.com"})
    assert again.status_code == 400
    assert "is in this journey now" in again.get_data(as_text=True)
    assert [e.email for e in enrolments(app)] == ["mari@example.com"]
    no_csrf = owner.post(enter, data={"email": "eleni@example.com"})
    assert no_csrf.status_code == 400
    assert len(enrolments(app)) == 1
