"""How a person leaves a journey before its end, on SQLite and PostgreSQL: by
ordering, unsubscribing, being erased, or the owner pausing it."""

from __future__ import annotations

import re

import sqlalchemy as sa
from flask import Flask

from flask_loyalty import FrozenClock
from flask_loyalty.journeys import models as jm
from flask_loyalty.journeys import service as journeys
from flask_loyalty.newsletter import personal_data
from flask_loyalty.newsletter import service as newsletter

from .conftest import ANNA
from .conftest import email_step
from .conftest import enrolments
from .conftest import journey_mail
from .conftest import make_journey
from .conftest import order
from .conftest import run_due
from .conftest import subscribe_confirmed


def test_a_purchase_mid_journey_takes_her_out_of_a_win_back(
    shop: Flask, clock: FrozenClock
) -> None:
    journey_id = make_journey(
        shop,
        [email_step("We miss you"), email_step("A last note", delay_days=3)],
        trigger=jm.MANUAL,
        exit_on_order=True,
    )
    subscribe_confirmed(shop, ANNA)
    with shop.app_context():
        state = shop.extensions["loyalty"]
        journey = state.session.get(jm.Journey, journey_id)
        assert journeys.enter_by_hand(state, journey, ANNA) is not None
        assert journeys.enter_by_hand(state, journey, ANNA) is None  # once at a time
        state.session.commit()
    run_due(shop)
    clock.advance(days=1)
    order(shop, "SF-9")
    clock.advance(days=5)
    run_due(shop)
    assert [m.subject for m in journey_mail(shop)] == ["We miss you"]
    [enrolment] = enrolments(shop)
    assert (enrolment.status, enrolment.exit_reason) == (jm.EXITED, jm.ORDERED)


def test_unsubscribing_stops_everything_at_once(
    shop: Flask, clock: FrozenClock
) -> None:
    make_journey(
        shop,
        [email_step("One"), email_step("Two", delay_hours=1)],
    )
    subscribe_confirmed(shop, ANNA)
    run_due(shop)
    clock.advance(hours=1)
    run_due(shop)
    first, second = journey_mail(shop)
    assert second.status == "queued"  # not delivered yet
    link = re.search(
        r"http://shop\.test(/loyalty/newsletter/unsubscribe/\S+)", second.text_body
    )
    assert link
    client = shop.test_client()
    response = client.post(link.group(1))
    assert response.status_code == 200
    first, second = journey_mail(shop)
    assert first.status == second.status == "suppressed"
    [enrolment] = enrolments(shop)
    assert (enrolment.status, enrolment.exit_reason) == (jm.FINISHED, None)

    # In a longer journey she leaves at once, and nothing more is queued.
    make_journey(
        shop,
        [email_step("Three"), email_step("Four", delay_days=1)],
        trigger=jm.MANUAL,
    )
    with shop.app_context():
        state = shop.extensions["loyalty"]
        subscriber = newsletter.find_subscriber(state.session, ANNA)
        newsletter.confirm(state.session, state.now(), subscriber)  # back again
        journey = state.session.scalar(
            sa.select(jm.Journey).where(jm.Journey.trigger == jm.MANUAL)
        )
        journeys.enter_by_hand(state, journey, ANNA)
        state.session.commit()
    run_due(shop)
    third = journey_mail(shop)[-1]
    link = re.search(
        r"http://shop\.test(/loyalty/newsletter/unsubscribe/\S+)", third.text_body
    )
    client.post(link.group(1))
    assert enrolments(shop)[-1].exit_reason == jm.UNSUBSCRIBED
    clock.advance(days=2)
    run_due(shop)
    assert [m.subject for m in journey_mail(shop)] == ["One", "Two", "Three"]


def test_erasing_her_takes_her_out_and_leaves_no_address_behind(
    shop: Flask, clock: FrozenClock
) -> None:
    make_journey(
        shop,
        [
            email_step("One"),
            email_step("Two", delay_hours=1),
            email_step("Three", delay_days=3),
        ],
        reentry=jm.YEARLY,
    )
    subscribe_confirmed(shop, ANNA)
    run_due(shop)
    clock.advance(hours=1)
    run_due(shop)
    assert [m.status for m in journey_mail(shop)] == ["queued", "queued"]

    with shop.app_context():
        state = shop.extensions["loyalty"]
        exported = personal_data.export_subscriber(state.session, ANNA)
        assert exported is not None
        [entry] = exported["journeys"]
        assert (entry["journey"], entry["status"]) == ("A journey", jm.ACTIVE)
        assert personal_data.erase_subscriber(state.session, state.now(), ANNA)
        state.session.commit()

    [enrolment] = enrolments(shop)
    assert ANNA not in (enrolment.email, enrolment.entry_key)
    assert enrolment.email.startswith("erased-")
    assert enrolment.entry_key == f"{enrolment.email}:2026"
    assert (enrolment.status, enrolment.exit_reason) == (jm.EXITED, "erased")
    assert [m.status for m in journey_mail(shop)] == ["suppressed", "suppressed"]
    with shop.app_context():
        session = shop.extensions["loyalty"].session
        held = session.scalar(
            sa.select(sa.func.count())
            .select_from(jm.Enrolment)
            .where(jm.Enrolment.email == ANNA)
        )
        assert held == 0


def test_an_owner_pausing_a_journey_takes_everyone_out(
    shop: Flask, clock: FrozenClock
) -> None:
    journey_id = make_journey(shop, [email_step("One", delay_days=1)])
    subscribe_confirmed(shop, ANNA)
    with shop.app_context():
        state = shop.extensions["loyalty"]
        journey = state.session.get(jm.Journey, journey_id)
        assert journeys.pause(state.session, state.now(), journey) == 1
        state.session.commit()
    clock.advance(days=2)
    run_due(shop)
    assert journey_mail(shop) == []
    assert enrolments(shop)[0].exit_reason == jm.PAUSED
    subscribe_confirmed(shop, "mari@example.com")
    assert len(enrolments(shop)) == 1  # a paused journey takes no one in
