"""Whatever happens in whatever order (confirmations, orders, unsubscribes, the
clock moving, the worker running), journeys never mail anyone more often than the
frequency cap allows, and never after she unsubscribed."""

from __future__ import annotations

import itertools
import typing as t
from datetime import UTC
from datetime import datetime
from datetime import timedelta

import sqlalchemy as sa
from flask import Flask
from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from flask_loyalty import FrozenClock
from flask_loyalty import signals
from flask_loyalty.db import Base
from flask_loyalty.journeys import models as jm
from flask_loyalty.models import OutboxMessage
from flask_loyalty.models import Subscriber
from flask_loyalty.newsletter import service as newsletter
from flask_loyalty.newsletter.models import UNSUBSCRIBED

from .conftest import email_step
from .conftest import make_journey
from .conftest import order
from .conftest import run_due
from .conftest import subscribe_confirmed

PEOPLE = ("anna@example.com", "mari@example.com")
MIN_DAYS = 2
START = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)

person = st.sampled_from(PEOPLE)
actions = st.lists(
    st.one_of(
        st.tuples(st.just("confirm"), person),
        st.tuples(st.just("order"), person),
        st.tuples(st.just("unsubscribe"), person),
        st.tuples(st.just("advance"), st.integers(min_value=1, max_value=120)),
        st.tuples(st.just("run"), st.none()),
    ),
    max_size=25,
)


def _reset(app: Flask, clock: FrozenClock) -> None:
    clock.now = START
    with app.app_context():
        session = app.extensions["loyalty"].session
        for table in reversed(Base.metadata.sorted_tables):
            session.execute(table.delete())
        session.commit()
    make_journey(
        app,
        [
            email_step("Welcome"),
            email_step("Our story", delay_days=1),
            email_step("Care", delay_days=2, at_time="09:00"),
        ],
        exit_on_order=True,
    )
    make_journey(
        app,
        [email_step("Thank you"), email_step("How is it going?", delay_days=3)],
        trigger=jm.ANY_ORDER,
        reentry=jm.EVERY_TIME,
    )


def _unsubscribe(app: Flask, email: str) -> None:
    with app.app_context():
        state = app.extensions["loyalty"]
        subscriber = newsletter.find_subscriber(state.session, email)
        if subscriber is None:
            return
        changed = newsletter.unsubscribe(
            state.session, state.now(), subscriber, how="test"
        )
        state.session.commit()
        if changed:  # as the unsubscribe page does, after the commit
            signals.unsubscribed.send(app, subscriber=subscriber, campaign_id=None)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(steps=actions)
def test_the_cap_and_unsubscribes_always_hold(
    make_app: t.Callable[..., Flask], clock: FrozenClock, steps: list[t.Any]
) -> None:
    app = _app(make_app)
    _reset(app, clock)
    left: set[str] = set()
    orders = itertools.count(1)
    for action, value in steps:
        if action == "confirm" and value not in left:
            subscribe_confirmed(app, value, "Anna")
        elif action == "order":
            order(app, f"SF-{next(orders)}", value)
        elif action == "unsubscribe":
            _unsubscribe(app, value)
            left.add(value)
        elif action == "advance":
            clock.advance(hours=value)
        elif action == "run":
            run_due(app)
    clock.advance(days=30)
    run_due(app)
    run_due(app)

    with app.app_context():
        session = app.extensions["loyalty"].session
        gone = dict(
            session.execute(
                sa.select(Subscriber.email, Subscriber.unsubscribed_at).where(
                    Subscriber.status == UNSUBSCRIBED
                )
            ).all()
        )
        mail = session.execute(
            sa.select(
                OutboxMessage.to_addr, OutboxMessage.created_at, OutboxMessage.status
            )
            .where(OutboxMessage.kind == "journey")
            .order_by(OutboxMessage.to_addr, OutboxMessage.created_at)
        ).all()
    for email in PEOPLE:
        times = [at for to, at, _status in mail if to == email]
        for earlier, later in itertools.pairwise(times):
            assert later - earlier >= timedelta(days=MIN_DAYS), (email, times)
        if email in gone:
            assert all(at <= gone[email] for at in times), (email, times, gone)
            assert all(
                status == "suppressed" for to, _at, status in mail if to == email
            )


_apps: dict[int, Flask] = {}


def _app(make_app: t.Callable[..., Flask]) -> Flask:
    """One app for all examples of a run (each example empties its tables)."""
    key = id(make_app)
    if key not in _apps:
        _apps.clear()
        _apps[key] = make_app(LOYALTY_NEWSLETTER_MIN_DAYS=MIN_DAYS)
    return _apps[key]
