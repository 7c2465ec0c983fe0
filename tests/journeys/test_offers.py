"""A step can issue one of the offers engine's offers; a journey whose offer was
deleted later pauses itself and tells the owner why."""

from __future__ import annotations

import typing as t

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from flask_loyalty import FrozenClock
from flask_loyalty.journeys import models as jm
from flask_loyalty.journeys.editing import StepData
from flask_loyalty.measure.uplift import groups
from flask_loyalty.models import Offer
from flask_loyalty.models import OfferGrant
from flask_loyalty.models import OutboxMessage
from flask_loyalty.offers import models as om

from .conftest import enrolments
from .conftest import make_journey
from .conftest import order
from .conftest import run_due
from .conftest import subscribe_confirmed


@pytest.fixture
def shop(make_app: t.Callable[..., Flask], database_url: str) -> Flask:
    return make_app(database_url=database_url, LOYALTY_NEWSLETTER_MIN_DAYS=0)


def add_offer(app: Flask, name: str) -> int:
    with app.app_context():
        state = app.extensions["loyalty"]
        offer = Offer(
            name=name,
            trigger=om.MANUAL,
            benefit=om.PERCENT,
            percent=15,
            subject="15% off your next piece, {{ first_name or 'friend' }}",
            message="Your code: {{ code }}",
            created_at=state.now(),
            updated_at=state.now(),
        )
        state.session.add(offer)
        state.session.commit()
        return offer.id


def test_a_step_issues_an_offer_with_its_code(shop: Flask, clock: FrozenClock) -> None:
    offer_id = add_offer(shop, "Matching earrings")
    make_journey(
        shop,
        [StepData(action=jm.OFFER, offer_id=offer_id, delay_days=2)],
        trigger=jm.FIRST_ORDER,
    )
    subscribe_confirmed(shop, "anna@example.com", "Anna")
    order(shop, "SF-1")
    clock.advance(days=2)
    run_due(shop)
    run_due(shop)
    with shop.app_context():
        session = shop.extensions["loyalty"].session
        [grant] = session.scalars(sa.select(OfferGrant)).all()
        assert grant.offer_id == offer_id
        assert grant.key == f"journey:{enrolments(shop)[0].id}:" + str(
            session.scalar(sa.select(jm.Step.id))
        )
        kinds = session.scalars(sa.select(OutboxMessage.subject)).all()
    assert "15% off your next piece, Anna" in kinds
    assert enrolments(shop)[0].status == jm.FINISHED


def test_a_journey_whose_offer_was_deleted_pauses_and_tells_the_owner(
    shop: Flask, clock: FrozenClock
) -> None:
    offer_id = add_offer(shop, "Gone soon")
    journey_id = make_journey(
        shop,
        [StepData(action=jm.OFFER, offer_id=offer_id, delay_days=1)],
        trigger=jm.ANY_ORDER,
        reentry=jm.EVERY_TIME,
    )
    order(shop, "SF-1")
    with shop.app_context():
        session = shop.extensions["loyalty"].session
        session.execute(sa.delete(Offer).where(Offer.id == offer_id))
        session.commit()
    clock.advance(days=1)
    run_due(shop)
    with shop.app_context():
        journey = shop.extensions["loyalty"].session.get(jm.Journey, journey_id)
        assert not journey.active
        assert "no longer exists" in (journey.paused_reason or "")
        assert (
            shop.extensions["loyalty"].session.scalar(
                sa.select(sa.func.count(OfferGrant.id))
            )
            == 0
        )
    assert enrolments(shop)[0].exit_reason == jm.PAUSED

    shop.extensions["loyalty"].extension.owner_check(lambda: True)
    owner: FlaskClient = shop.test_client()
    page = owner.get(f"/loyalty/owner/journeys/{journey_id}").get_data(as_text=True)
    assert "The offer of step 1 no longer exists" in page


def test_the_journey_counts_the_discount_its_codes_gave(
    shop: Flask, clock: FrozenClock
) -> None:
    offer_id = add_offer(shop, "Matching earrings")
    journey_id = make_journey(
        shop,
        [StepData(action=jm.OFFER, offer_id=offer_id)],
        trigger=jm.FIRST_ORDER,
    )
    subscribe_confirmed(shop, "anna@example.com", "Anna")
    order(shop, "SF-1")
    run_due(shop)
    clock.advance(days=3)
    order(shop, "SF-2", total="34.00")
    with shop.app_context():
        state = shop.extensions["loyalty"]
        grant = state.session.scalars(sa.select(OfferGrant)).one()
        state.extension.redeem_discount(grant.code.display, "SF-2")
        treated, held, _revenue = groups(
            state.session, "journey", journey_id, state.now()
        )
    assert (treated.people, held.people) == (1, 0)
    assert (treated.came_back, treated.revenue_cents) == (1, 3400)
    assert treated.discount_cents == 510  # 15% of the order's 34.00
