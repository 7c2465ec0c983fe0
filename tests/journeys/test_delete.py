"""The owner deletes a journey, after a confirmation page that says what goes with
it: its steps and its figures (enrolments, step runs, segment members). The mail it
has queued stays in the outbox; other journeys keep everything."""

from __future__ import annotations

import typing as t
from contextlib import contextmanager
from html import unescape

import pytest
import sqlalchemy as sa
from flask import Flask
from flask import request
from flask.testing import FlaskClient

from flask_loyalty import FrozenClock
from flask_loyalty.journeys import models as jm
from flask_loyalty.models import OutboxMessage

from .conftest import ANNA
from .conftest import email_step
from .conftest import form_token
from .conftest import make_journey
from .conftest import order
from .conftest import run_due
from .conftest import subscribe_confirmed

LIST = "/loyalty/owner/journeys/"
ELENI = "eleni@example.com"


@pytest.fixture
def owner(shop: Flask) -> FlaskClient:
    # the owner is whoever sends this header; every other client is a shopper
    shop.extensions["loyalty"].extension.owner_check(
        lambda: request.headers.get("X-Test-Owner") == "yes"
    )
    client = shop.test_client()
    client.environ_base["HTTP_X_TEST_OWNER"] = "yes"
    return client


@pytest.fixture
def journeys(shop: Flask, clock: FrozenClock) -> tuple[int, int]:
    """Two segment journeys for first-time buyers: "Care guide" (two emails, two
    days apart) and "Thanks" (one email). Mari was a buyer before (a segment
    member only); Anna went through both and her mail went out; Eleni got the
    first emails (queued) and is in "Care guide" now, her second still to come."""
    order(shop, "SF-1", "mari@example.com")
    care = make_journey(
        shop,
        [email_step("Caring for your cup"), email_step("Tea", delay_days=2)],
        trigger=jm.SEGMENT,
        segment="first_time",
        name="Care guide",
    )
    thanks = make_journey(
        shop,
        [email_step("Thank you")],
        trigger=jm.SEGMENT,
        segment="first_time",
        name="Thanks",
    )
    for email, first_name in ((ANNA, "Anna"), (ELENI, "Eleni")):
        subscribe_confirmed(shop, email, first_name)
    run_due(shop)  # the first look notes who is in
    order(shop, "SF-2", ANNA)
    clock.advance(hours=1)
    run_due(shop)
    clock.advance(days=3)
    run_due(shop)  # Anna reaches the end of both
    with shop.app_context():  # and her mail went out
        session = shop.extensions["loyalty"].session
        session.execute(
            sa.update(OutboxMessage)
            .where(OutboxMessage.to_addr == ANNA)
            .values(status="sent")
        )
        session.commit()
    order(shop, "SF-3", ELENI)
    clock.advance(hours=1)
    run_due(shop)
    return care, thanks


def stored(shop: Flask) -> dict[str, list[int]]:
    """Every row of every journey table, as the id of the journey it belongs to."""
    with shop.app_context():
        session = shop.extensions["loyalty"].session
        runs = sa.select(jm.Enrolment.journey_id).join(
            jm.StepRun, jm.StepRun.enrolment_id == jm.Enrolment.id
        )
        queries = {
            "journeys": sa.select(jm.Journey.id),
            "steps": sa.select(jm.Step.journey_id),
            "enrolments": sa.select(jm.Enrolment.journey_id),
            "segment members": sa.select(jm.SegmentMember.journey_id),
            "step runs": runs,
            "step runs by step": sa.select(jm.Step.journey_id).join(
                jm.StepRun, jm.StepRun.step_id == jm.Step.id
            ),
            "all step runs": sa.select(jm.StepRun.id),
        }
        return {name: sorted(session.scalars(query)) for name, query in queries.items()}


def outbox(shop: Flask) -> list[tuple[int, str, str, str]]:
    with shop.app_context():
        session = shop.extensions["loyalty"].session
        return [
            tuple(row)
            for row in session.execute(
                sa.select(
                    OutboxMessage.id,
                    OutboxMessage.to_addr,
                    OutboxMessage.subject,
                    OutboxMessage.status,
                ).order_by(OutboxMessage.id)
            )
        ]


@contextmanager
def nothing_changes(shop: Flask) -> t.Iterator[None]:
    """Assert that the block leaves every journey row and the outbox as they were."""
    before, mail = stored(shop), outbox(shop)
    yield
    assert stored(shop) == before
    assert outbox(shop) == mail


def delete(client: FlaskClient, journey_id: int, token: str | None) -> t.Any:
    data = {"csrf_token": token} if token is not None else {}
    return client.post(f"{LIST}{journey_id}/delete", data=data)


def test_the_confirmation_page_says_what_goes_and_deletes_nothing(
    shop: Flask, owner: FlaskClient, journeys: tuple[int, int]
) -> None:
    care = journeys[0]
    with nothing_changes(shop):  # asking to confirm deletes nothing
        page = owner.get(f"{LIST}{care}").get_data(as_text=True)
        confirm = owner.get(f"{LIST}{care}/delete")
    assert f'href="{LIST}{care}/delete">Delete the journey</a>' in page
    assert confirm.status_code == 200
    html = " ".join(unescape(confirm.get_data(as_text=True)).split())
    assert "<h1>Delete Care guide</h1>" in html
    assert "with its steps and its figures" in html
    assert "<li>2 steps</li>" in html
    assert "<li>2 people went through it</li>" in html
    assert "<li>1 person is in it now and will not get the rest</li>" in html
    assert "1 email it has already queued in the outbox still goes out." in html
    assert "pause it instead" in html  # it is on
    assert f'action="{LIST}{care}/delete"' in html
    assert 'name="csrf_token"' in html


def test_a_journey_with_nothing_queued_says_so(shop: Flask, owner: FlaskClient) -> None:
    quiet = make_journey(shop, [email_step("Hello")], active=False, name="Quiet")
    html = " ".join(owner.get(f"{LIST}{quiet}/delete").get_data(as_text=True).split())
    assert "<li>1 step</li>" in html
    assert "<li>0 people went through it</li>" in html
    assert "It has no emails waiting in the outbox now." in html
    assert "pause it instead" not in html  # it is paused already


def test_deleting_takes_its_rows_and_leaves_the_rest(
    shop: Flask, owner: FlaskClient, journeys: tuple[int, int]
) -> None:
    care, thanks = journeys
    before = stored(shop)
    mail = outbox(shop)
    # the fixture gave every table rows of both journeys
    for name, owners in before.items():
        if name != "all step runs":
            assert care in owners and thanks in owners, name
    assert [m[2] for m in mail if m[1] == ELENI] == ["Caring for your cup", "Thank you"]
    assert [m[3] for m in mail if m[1] == ELENI] == ["queued", "queued"]

    token = form_token(owner.get(f"{LIST}{care}/delete").get_data(as_text=True))
    response = delete(owner, care, token)
    assert response.status_code == 302
    assert response.location.endswith(LIST)
    listing = owner.get(LIST).get_data(as_text=True)
    assert "The journey “Care guide” is deleted." in unescape(listing)
    assert f'href="{LIST}{care}"' not in listing
    assert f'href="{LIST}{thanks}">Thanks</a>' in listing

    after = stored(shop)
    kept_runs = len(before["step runs"]) - before["step runs"].count(care)
    assert after == {
        **{name: [j for j in ids if j != care] for name, ids in before.items()},
        "all step runs": after["all step runs"],
    }
    assert len(after["all step runs"]) == kept_runs == len(after["step runs"])
    assert outbox(shop) == mail  # queued mail stays and still goes out
    assert owner.get(f"{LIST}{care}").status_code == 404
    assert owner.get(f"{LIST}{care}/delete").status_code == 404
    assert owner.get(f"{LIST}{thanks}").status_code == 200
    run_due(shop)  # the runner goes on without it
    assert stored(shop)["journeys"] == [thanks]


def test_an_unknown_journey_is_404(
    shop: Flask, owner: FlaskClient, journeys: tuple[int, int]
) -> None:
    token = form_token(owner.get(f"{LIST}{journeys[0]}/delete").get_data(True))
    with nothing_changes(shop):
        assert owner.get(f"{LIST}9999/delete").status_code == 404
        assert delete(owner, 9999, token).status_code == 404


def test_deleting_is_forbidden_to_others(
    shop: Flask, owner: FlaskClient, journeys: tuple[int, int]
) -> None:
    care = journeys[0]
    token = form_token(owner.get(f"{LIST}{care}/delete").get_data(as_text=True))
    shopper = shop.test_client()
    with nothing_changes(shop):
        assert shopper.get(f"{LIST}{care}/delete").status_code == 403
        assert delete(shopper, care, token).status_code == 403


def test_without_csrf_nothing_is_deleted(
    shop: Flask, owner: FlaskClient, journeys: tuple[int, int]
) -> None:
    with nothing_changes(shop):
        refused = delete(owner, journeys[0], "x")
        assert refused.status_code == 400
        assert "This form has expired" in refused.get_data(as_text=True)
        assert delete(owner, journeys[0], None).status_code == 400
    assert "Care guide" in owner.get(LIST).get_data(as_text=True)
