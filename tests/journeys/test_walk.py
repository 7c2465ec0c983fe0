"""Walk a person through whole journeys by the clock, on SQLite and PostgreSQL."""

from __future__ import annotations

import re
import typing as t
from datetime import UTC
from datetime import datetime
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import Flask

from flask_loyalty import FrozenClock
from flask_loyalty.journeys import models as jm
from flask_loyalty.journeys import service as journeys
from flask_loyalty.journeys.editing import StepData
from flask_loyalty.models import Subscriber
from flask_loyalty.newsletter import personal_data
from flask_loyalty.newsletter import service as newsletter
from flask_loyalty.points import ledger

from .conftest import email_step
from .conftest import enrolments
from .conftest import journey_mail
from .conftest import make_journey
from .conftest import order
from .conftest import run_due
from .conftest import subscribe_confirmed

ANNA = "anna@example.com"


@pytest.fixture
def shop(make_app: t.Callable[..., Flask], database_url: str) -> Flask:
    return make_app(
        database_url=database_url,
        LOYALTY_TIMEZONE="Europe/Tallinn",
        LOYALTY_NEWSLETTER_MIN_DAYS=0,  # the cap has a test of its own
        LOYALTY_SHOP_NAME="Silver Fern",
    )


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


def test_a_step_that_would_break_the_cap_waits_and_says_why(
    make_app: t.Callable[..., Flask], database_url: str, clock: FrozenClock
) -> None:
    shop = make_app(database_url=database_url, LOYALTY_NEWSLETTER_MIN_DAYS=7)
    make_journey(shop, [email_step("Hello")])
    subscribe_confirmed(shop, ANNA)
    with shop.app_context():
        session = shop.extensions["loyalty"].session
        subscriber = session.scalar(sa.select(Subscriber))
        subscriber.last_campaign_at = clock.now - timedelta(days=2)  # a campaign
        session.commit()
    run_due(shop)
    assert journey_mail(shop) == []
    [enrolment] = enrolments(shop)
    assert enrolment.waiting == jm.WAIT_CAP
    assert enrolment.due_at == clock.now + timedelta(days=5)
    shop.extensions["loyalty"].extension.owner_check(lambda: True)
    page = shop.test_client().get(f"/loyalty/owner/journeys/{enrolment.journey_id}")
    text = " ".join(page.get_data(as_text=True).split())
    assert "waiting: the frequency cap (one email per 7 days)</dt><dd>1" in text
    assert "<td>anna@example.com</td> <td>Step 1</td> <td>the frequency cap" in text
    clock.advance(days=5)
    run_due(shop)
    assert [m.subject for m in journey_mail(shop)] == ["Hello"]
    with shop.app_context():
        session = shop.extensions["loyalty"].session
        assert session.scalar(sa.select(Subscriber.last_campaign_at)) == clock.now


def test_topics_and_re_entry_rules(shop: Flask, clock: FrozenClock) -> None:
    with shop.app_context():
        state = shop.extensions["loyalty"]
        news = newsletter.add_topic(state.session, state.now(), "News").id
        care = newsletter.add_topic(state.session, state.now(), "Care guides").id
        state.session.commit()
    make_journey(shop, [email_step("Care guide")], topic_id=care)
    subscribe_confirmed(shop, ANNA, topic_ids=[news])
    subscribe_confirmed(shop, "mari@example.com", "Mari", topic_ids=[care])
    run_due(shop)
    assert [m.to_addr for m in journey_mail(shop)] == ["mari@example.com"]
    with shop.app_context():
        outcomes = dict(
            shop.extensions["loyalty"]
            .session.execute(
                sa.select(jm.Enrolment.email, jm.StepRun.outcome).join(
                    jm.StepRun, jm.StepRun.enrolment_id == jm.Enrolment.id
                )
            )
            .all()
        )
    assert outcomes == {ANNA: jm.SKIPPED_TOPIC, "mari@example.com": jm.SENT}


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
        customer_id = enrolments(shop)[0].customer_id if enrolments(shop) else None
        from flask_loyalty.customers.service import find_customer

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
    from tests.newsletter.conftest import link
    from tests.newsletter.conftest import outbox
    from tests.newsletter.conftest import subscribe

    make_journey(shop, [email_step("Welcome, {{ first_name or 'friend' }}")])
    with shop.app_context():
        state = shop.extensions["loyalty"]
        topic = newsletter.add_topic(state.session, state.now(), "News").id
        state.session.commit()
    client = shop.test_client()
    subscribe(client, email="eleni@example.gr", first_name="Eleni", topics=[topic])
    run_due(shop)
    assert journey_mail(shop) == []  # not before she confirms
    [confirmation] = outbox(shop, "newsletter_confirm")
    client.get(link(confirmation, "confirm"))
    run_due(shop)
    assert [m.subject for m in journey_mail(shop)] == ["Welcome, Eleni"]


def test_an_email_step_can_suggest_pieces_that_go_with_her_last_order(
    shop: Flask, clock: FrozenClock
) -> None:
    from decimal import Decimal

    from flask_loyalty import CatalogProduct
    from flask_loyalty import OrderLine

    shop.extensions["loyalty"].extension.catalog_loader(
        lambda: [
            CatalogProduct("RNG-FERN", "Fern ring", Decimal("38.00"), "rings",
                           "fern", "https://shop.test/p/rng-fern"),
            CatalogProduct("EAR-FERN", "Fern *studs*", Decimal("24.00"), "earrings",
                           "fern", "https://shop.test/p/ear-fern"),
            CatalogProduct("NCK-TIDE", "Tide necklace", Decimal("300.00"), "necklaces"),
        ]
    )  # fmt: skip
    make_journey(
        shop,
        [StepData(subject="How is your ring?", body="Dear {{ first_name }},",
                  suggest=True)],
        trigger=jm.FIRST_ORDER,
    )  # fmt: skip
    subscribe_confirmed(shop, ANNA, "Anna")
    with shop.app_context():
        shop.extensions["loyalty"].extension.record_order(
            "SF-1",
            email=ANNA,
            total=Decimal("38.00"),
            items=[OrderLine(sku="RNG-FERN", name="Fern ring", quantity=1,
                             unit_price=Decimal("38.00"), category="rings")],
        )  # fmt: skip
    run_due(shop)
    [message] = journey_mail(shop)
    assert "Dear Anna," in message.text_body
    assert "Pieces that go with yours" in message.text_body
    assert "Fern \\*studs\\*" in message.text_body  # her name for it, not emphasis
    assert '<a href="https://shop.test/p/ear-fern"' in (message.html_body or "")
    assert "Fern *studs*" in (message.html_body or "")
    assert "Fern ring" not in (message.html_body or "").split("go with yours")[1]
    assert "Tide necklace" not in message.text_body  # out of her price band


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


def test_a_step_that_fails_for_one_person_does_not_stop_the_others(
    shop: Flask, clock: FrozenClock
) -> None:
    def broken_catalog() -> list[t.Any]:
        raise RuntimeError("the shop's catalog is down")

    shop.extensions["loyalty"].extension.catalog_loader(broken_catalog)
    make_journey(
        shop,
        [StepData(subject="With products", body="Hello", suggest=True)],
        trigger=jm.ANY_ORDER,
        name="Suggestions",
    )
    make_journey(shop, [email_step("Welcome")], name="Welcome")
    subscribe_confirmed(shop, ANNA)
    subscribe_confirmed(shop, "mari@example.com", "Mari")
    order(shop, "SF-1", ANNA)
    run_due(shop)
    assert sorted((m.to_addr, m.subject) for m in journey_mail(shop)) == [
        (ANNA, "Welcome"),
        ("mari@example.com", "Welcome"),
    ]
    failed = [e for e in enrolments(shop) if e.exit_reason == jm.ERROR]
    assert [(e.email, e.status) for e in failed] == [(ANNA, jm.EXITED)]
    run_due(shop)  # nothing left that fails
    assert len(journey_mail(shop)) == 2
