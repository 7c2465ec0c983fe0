"""A journey holds back a share of the people who would enter it, to measure it."""

from __future__ import annotations

import typing as t

import sqlalchemy as sa
from flask import Flask

from flask_loyalty.journeys import models as jm
from flask_loyalty.measure.models import HoldoutDecision
from flask_loyalty.newsletter.models import Subscriber
from flask_loyalty.newsletter.personal_data import erase_subscriber

from .conftest import email_step
from .conftest import enrolments
from .conftest import journey_mail
from .conftest import make_journey
from .conftest import order
from .conftest import run_due
from .conftest import subscribe_confirmed


def decisions(app: Flask) -> list[HoldoutDecision]:
    with app.app_context():
        session = app.extensions["loyalty"].session
        rows = list(session.scalars(sa.select(HoldoutDecision)))
        session.expunge_all()
        return rows


def test_held_out_buyers_never_enter_and_get_no_mail(shop: Flask) -> None:
    journey_id = make_journey(
        shop,
        [email_step("Caring for your piece")],
        trigger=jm.FIRST_ORDER,
        holdout_percent=50,
    )
    for i in range(24):
        subscribe_confirmed(shop, f"b{i}@example.com")  # so the mail can go
        order(shop, f"SF-{i}", email=f"b{i}@example.com")
    run_due(shop)
    decided = decisions(shop)
    assert len(decided) == 24
    assert {(d.measure, d.measure_id, d.share) for d in decided} == {
        ("journey", journey_id, 50)
    }
    assert all(d.customer_id is not None for d in decided)
    out = {d.customer_id for d in decided if d.held_out}
    assert 4 <= len(out) <= 20
    entered = {e.customer_id for e in enrolments(shop)}
    assert entered == {d.customer_id for d in decided} - out
    assert len(journey_mail(shop)) == len(entered)


def owner_of(shop: Flask) -> t.Any:
    shop.extensions["loyalty"].extension.owner_check(lambda: True)
    return shop.test_client()


def token(html: str) -> str:
    return html.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]


def test_a_welcome_journey_decides_by_subscriber_and_the_owner_can_still_enter_her(
    shop: Flask,
) -> None:
    owner = owner_of(shop)
    journey_id = make_journey(shop, [email_step("Welcome")], holdout_percent=50)
    for i in range(16):
        subscribe_confirmed(shop, f"s{i}@example.com")
    decided = decisions(shop)
    assert len(decided) == 16
    assert all(d.subscriber_id and d.customer_id is None for d in decided)
    out = [d for d in decided if d.held_out]
    assert out
    assert len(enrolments(shop)) == 16 - len(out)
    page = owner.get(f"/loyalty/owner/journeys/{journey_id}").get_data(as_text=True)
    assert 'data-verdict="too_few"' in page
    assert "Too few people yet to tell" in page
    held = {d.subscriber_id for d in out}
    with shop.app_context():
        session = shop.extensions["loyalty"].session
        email = session.scalar(
            sa.select(Subscriber.email).where(Subscriber.id.in_(held)).limit(1)
        )
    response = owner.post(
        f"/loyalty/owner/journeys/{journey_id}/enter",
        data={"csrf_token": token(page), "email": email},
    )
    assert response.status_code in (302, 303)
    assert email in {e.email for e in enrolments(shop)}  # her owner's choice


def test_deleting_a_journey_forgets_its_decisions(shop: Flask) -> None:
    owner = owner_of(shop)
    journey_id = make_journey(shop, [email_step("Welcome")], holdout_percent=50)
    subscribe_confirmed(shop, "s@example.com")
    assert len(decisions(shop)) == 1
    page = owner.get(f"/loyalty/owner/journeys/{journey_id}/delete")
    token = page.get_data(as_text=True).split(
        'name="csrf_token" type="hidden" value="'
    )[1]
    response = owner.post(
        f"/loyalty/owner/journeys/{journey_id}/delete",
        data={"csrf_token": token.split('"')[0]},
    )
    assert response.status_code in (302, 303)
    assert decisions(shop) == []


def test_erasing_a_subscriber_erases_her_decisions(shop: Flask) -> None:
    make_journey(shop, [email_step("Welcome")], holdout_percent=50)
    subscribe_confirmed(shop, "s@example.com")
    subscribe_confirmed(shop, "t@example.com")
    with shop.app_context():
        state = shop.extensions["loyalty"]
        assert erase_subscriber(state.session, state.now(), "s@example.com")
        state.session.commit()
    [left] = decisions(shop)
    with shop.app_context():
        session = shop.extensions["loyalty"].session
        assert session.get(Subscriber, left.subscriber_id).email == "t@example.com"
