"""Walk a person through whole series by the clock, on SQLite and PostgreSQL: a
welcome from confirmation to the end, a post-purchase series with points, the
calendar's birthdays and quiet customers, and entry from the pages and segments."""

from __future__ import annotations

import re
from datetime import UTC
from datetime import datetime
from datetime import timedelta

import sqlalchemy as sa
from flask import Flask

from flask_loyalty import FrozenClock
from flask_loyalty.customers.service import find_customer
from flask_loyalty.journeys import models as jm
from flask_loyalty.journeys.editing import StepData
from flask_loyalty.newsletter import preferences
from flask_loyalty.points import ledger

from .conftest import ANNA
from .conftest import email_step
from .conftest import enrolments
from .conftest import journey_mail
from .conftest import make_journey
from .conftest import order
from .conftest import run_due
from .conftest import subscribe_confirmed


def test_a_welcome_series_from_confirmation_to_the_end(
    shop: Flask, clock: FrozenClock
) -> None:
    make_journey(
        shop,
        [
            email_step("Welcome to {{ shop_name }}, {{ first_name or 'friend' }}"),
            email_step("How the rings are made", delay_days=2, at_time="09:00"),
            email_step("Care for silver", delay_days=5, after=jm.AFTER_TRIGGER),
        ],
        name="Welcome",
    )
    subscribe_confirmed(shop, ANNA, "Anna")
    assert journey_mail(shop) == []  # the worker sends, not the confirmation page

    run_due(shop)
    [welcome] = journey_mail(shop)
    assert welcome.subject == "Welcome to Silver Fern, Anna"
    assert "Dear Anna," in welcome.text_body
    assert "Dear Anna," in (welcome.html_body or "")
    assert "List-Unsubscribe" in welcome.headers
    assert re.search(r"/loyalty/newsletter/unsubscribe/\S+", welcome.text_body)
    [enrolment] = enrolments(shop)
    with shop.app_context():
        run = shop.extensions["loyalty"].session.scalar(sa.select(jm.StepRun))
        assert (run.outcome, run.outbox_id) == (jm.SENT, welcome.id)
    # Two days after the first step is 4 March 12:00 in Tallinn; 09:00 has passed,
    # so the next 09:00 there: 5 March 07:00 UTC.
    assert enrolment.due_at == datetime(2026, 3, 5, 7, 0, tzinfo=UTC)
    assert enrolment.next_step == 1

    clock.now = datetime(2026, 3, 5, 6, 59, tzinfo=UTC)
    run_due(shop)
    assert len(journey_mail(shop)) == 1
    clock.advance(minutes=1)
    run_due(shop)
    second = journey_mail(shop)[1]
    assert second.subject == "How the rings are made"
    assert second.created_at == datetime(2026, 3, 5, 7, 0, tzinfo=UTC)

    # The third step counts from the trigger: 7 March 10:00 UTC.
    clock.now = datetime(2026, 3, 7, 9, 59, tzinfo=UTC)
    run_due(shop)
    assert len(journey_mail(shop)) == 2
    clock.advance(minutes=1)
    run_due(shop)
    assert [m.subject for m in journey_mail(shop)][2] == "Care for silver"
    [enrolment] = enrolments(shop)
    assert (enrolment.status, enrolment.active_key, enrolment.due_at) == (
        jm.FINISHED,
        None,
        None,
    )
    clock.advance(days=30)
    run_due(shop)
    assert len(journey_mail(shop)) == 3


def test_a_first_order_starts_the_post_purchase_series_with_points(
    shop: Flask, clock: FrozenClock
) -> None:
    make_journey(
        shop,
        [
            email_step("Thank you, {{ first_name or 'friend' }}"),
            StepData(action=jm.POINTS, points=150, delay_days=1),
        ],
        trigger=jm.FIRST_ORDER,
    )
    subscribe_confirmed(shop, ANNA)
    order(shop, "SF-1")
    order(shop, "SF-1")  # the same order again: one enrolment
    run_due(shop)
    assert [m.subject for m in journey_mail(shop)] == ["Thank you, Anna"]
    with shop.app_context():
        session = shop.extensions["loyalty"].session
        customer_id = enrolments(shop)[0].customer_id
        before = ledger.balance(session, customer_id)
    clock.advance(days=1)
    run_due(shop)
    run_due(shop)
    with shop.app_context():
        session = shop.extensions["loyalty"].session
        assert ledger.balance(session, customer_id) == before + 150
    order(shop, "SF-2")  # not her first: no second series
    assert [e.status for e in enrolments(shop)] == [jm.FINISHED]


def test_a_customer_who_never_subscribed_gets_the_points_but_no_email(
    shop: Flask, clock: FrozenClock
) -> None:
    make_journey(
        shop,
        [email_step("Thank you"), StepData(action=jm.POINTS, points=10)],
        trigger=jm.ANY_ORDER,
        reentry=jm.EVERY_TIME,
    )
    order(shop, "SF-1", "mari@example.com")
    run_due(shop)
    run_due(shop)
    assert journey_mail(shop) == []
    with shop.app_context():
        runs = (
            shop.extensions["loyalty"]
            .session.scalars(sa.select(jm.StepRun.outcome).order_by(jm.StepRun.id))
            .all()
        )
    assert runs == [jm.SKIPPED_NOT_SUBSCRIBED, jm.GIVEN]
    order(shop, "SF-2", "mari@example.com")  # every order: she enters again
    assert [e.status for e in enrolments(shop)] == [jm.FINISHED, jm.ACTIVE]


def test_birthdays_and_quiet_customers_enter_by_the_calendar(
    shop: Flask, clock: FrozenClock
) -> None:
    from flask_loyalty.points.bonuses import set_birthday

    make_journey(shop, [email_step("Happy birthday")], trigger=jm.BIRTHDAY,
                 reentry=jm.YEARLY)  # fmt: skip
    make_journey(shop, [email_step("We miss you")], trigger=jm.NO_ORDER,
                 trigger_n=90, exit_on_order=True, reentry=jm.EVERY_TIME)  # fmt: skip
    subscribe_confirmed(shop, ANNA)
    order(shop, "SF-1")
    with shop.app_context():
        state = shop.extensions["loyalty"]
        customer_id = find_customer(state.session, ANNA).id
        set_birthday(state.session, customer_id, datetime(1990, 3, 10).date())
        state.session.commit()
    run_due(shop)
    assert journey_mail(shop) == []
    clock.now = datetime(2026, 3, 10, 8, 0, tzinfo=UTC)
    run_due(shop)
    run_due(shop)
    assert [m.subject for m in journey_mail(shop)] == ["Happy birthday"]
    clock.now = datetime(2026, 3, 2, 10, 0, tzinfo=UTC) + timedelta(days=91)
    run_due(shop)
    assert [m.subject for m in journey_mail(shop)][-1] == "We miss you"
    clock.now = datetime(2027, 3, 10, 8, 0, tzinfo=UTC)
    run_due(shop)
    subjects = [m.subject for m in journey_mail(shop)]
    assert subjects.count("Happy birthday") == 2  # once a year
    assert subjects.count("We miss you") == 1


def test_subscribing_and_confirming_on_the_pages_starts_the_welcome(
    shop: Flask, clock: FrozenClock
) -> None:
    from tests.newsletter.conftest import confirm
    from tests.newsletter.conftest import link
    from tests.newsletter.conftest import outbox
    from tests.newsletter.conftest import subscribe

    make_journey(shop, [email_step("Welcome, {{ first_name or 'friend' }}")])
    with shop.app_context():
        state = shop.extensions["loyalty"]
        topic = preferences.add_topic(state.session, state.now(), "News").id
        state.session.commit()
    client = shop.test_client()
    subscribe(client, email="eleni@example.gr", first_name="Eleni", topics=[topic])
    run_due(shop)
    assert journey_mail(shop) == []  # not before she confirms
    [confirmation] = outbox(shop, "newsletter_confirm")
    confirm(client, link(confirmation, "confirm"))
    run_due(shop)
    assert [m.subject for m in journey_mail(shop)] == ["Welcome, Eleni"]


def test_customers_who_join_a_segment_enter_its_journey(
    shop: Flask, clock: FrozenClock
) -> None:
    order(shop, "SF-1", "mari@example.com")  # a first-time buyer already
    make_journey(
        shop,
        [email_step("Thank you for trying us, {{ first_name or 'friend' }}")],
        trigger=jm.SEGMENT,
        segment="first_time",
    )
    subscribe_confirmed(shop, "mari@example.com", "Mari")
    subscribe_confirmed(shop, ANNA, "Anna")
    run_due(shop)  # the first look notes who is in: Mari does not enter
    assert enrolments(shop) == []
    order(shop, "SF-2", ANNA)  # Anna joins "first-time buyers"
    run_due(shop)
    assert enrolments(shop) == []  # segments are compared once an hour
    clock.advance(hours=1)
    run_due(shop)
    assert [(e.email, e.status) for e in enrolments(shop)] == [(ANNA, jm.FINISHED)]
    assert [m.to_addr for m in journey_mail(shop)] == [ANNA]
    clock.advance(hours=1)
    run_due(shop)
    assert len(enrolments(shop)) == 1  # still a member: she joined once
