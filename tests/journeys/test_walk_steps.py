"""How each step runs for each person, on SQLite and PostgreSQL: it waits for the
frequency cap, keeps to the journey's topic, suggests pieces that go with her last
order, and fails for one person without stopping the others."""

from __future__ import annotations

import typing as t
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import Flask

from flask_loyalty import FrozenClock
from flask_loyalty.journeys import models as jm
from flask_loyalty.journeys.editing import StepData
from flask_loyalty.journeys.mail import StepMailer
from flask_loyalty.models import Subscriber
from flask_loyalty.newsletter import preferences
from flask_loyalty.newsletter import service as newsletter

from .conftest import ANNA
from .conftest import email_step
from .conftest import enrolments
from .conftest import journey_mail
from .conftest import make_journey
from .conftest import order
from .conftest import run_due
from .conftest import subscribe_confirmed


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
        news = preferences.add_topic(state.session, state.now(), "News").id
        care = preferences.add_topic(state.session, state.now(), "Care guides").id
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
    assert "- Fern *studs* (https://shop.test/p/ear-fern)" in message.text_body
    assert '<a href="https://shop.test/p/ear-fern"' in (message.html_body or "")
    assert "Fern *studs*" in (message.html_body or "")
    assert "Fern ring" not in (message.html_body or "").split("go with yours")[1]
    assert "Tide necklace" not in message.text_body  # out of her price band


def test_a_step_that_fails_for_one_person_does_not_stop_the_others(
    shop: Flask, clock: FrozenClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(self: StepMailer, email: str) -> list[t.Any]:
        raise RuntimeError(f"the suggestions for {email} cannot be made")

    monkeypatch.setattr(StepMailer, "suggestions", broken)
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


def test_an_address_that_bounced_gets_no_journey_email(
    shop: Flask, clock: FrozenClock
) -> None:
    """Still confirmed, but her address bounced: the step is skipped and says why,
    her frequency cap is untouched, and Mari still gets hers."""
    make_journey(shop, [email_step("Welcome")])
    subscribe_confirmed(shop, ANNA)
    subscribe_confirmed(shop, "mari@example.com", "Mari")
    with shop.app_context():
        session = shop.extensions["loyalty"].session
        newsletter.suppress(session, clock.now, ANNA, "bounce")
        session.commit()
    run_due(shop)
    assert [m.to_addr for m in journey_mail(shop)] == ["mari@example.com"]
    with shop.app_context():
        session = shop.extensions["loyalty"].session
        outcomes = dict(
            session.execute(
                sa.select(jm.Enrolment.email, jm.StepRun.outcome).join(
                    jm.StepRun, jm.StepRun.enrolment_id == jm.Enrolment.id
                )
            ).all()
        )
        anna = newsletter.find_subscriber(session, ANNA)
        assert anna is not None and anna.last_campaign_at is None
        journey_id = session.scalar(sa.select(jm.Journey.id))
    assert outcomes == {ANNA: jm.SKIPPED_SUPPRESSED, "mari@example.com": jm.SENT}
    shop.extensions["loyalty"].extension.owner_check(lambda: True)
    page = shop.test_client().get(f"/loyalty/owner/journeys/{journey_id}")
    text = " ".join(page.get_data(as_text=True).split())
    assert "skipped: the address bounced or she complained</dt><dd>1" in text
