"""Any sequence of orders, refunds, redemptions, adjustments, expiry runs and clock
moves keeps the ledger whole: the cached balance equals the sum of the entries,
only a refund can push a balance below zero, and tiers follow the spend."""

from __future__ import annotations

import typing as t
import uuid
from dataclasses import dataclass
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa
from flask import Flask
from hypothesis import HealthCheck
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine
from hypothesis.stateful import invariant
from hypothesis.stateful import rule
from hypothesis.stateful import run_state_machine_as_test

from flask_loyalty import FrozenClock
from flask_loyalty import InvalidAdjustment
from flask_loyalty import NotEnoughPoints
from flask_loyalty.customers.service import find_customer
from flask_loyalty.db import Base
from flask_loyalty.models import PointsEntry
from flask_loyalty.points import ledger
from flask_loyalty.points.due import run_points_due
from flask_loyalty.points.models import AFTER_EARNING
from flask_loyalty.points.program import add_months
from flask_loyalty.points.service import adjust_points
from flask_loyalty.points.service import redeem_points
from flask_loyalty.points.service import standing
from flask_loyalty.points.tiers import load_tiers
from flask_loyalty.points.tiers import tier_for

from .conftest import set_program

EMAILS = ("anna@example.com", "eszter@example.hu", "maria@example.ph")


@dataclass
class ModelOrder:
    ref: str
    email: str
    total: int
    placed_at: datetime
    refunded: int = 0


def test_the_ledger_stays_whole(
    make_app: t.Callable[..., Flask],
    clock: FrozenClock,
    tmp_path: Path,
    database_url: str,
) -> None:
    postgres = database_url.startswith("postgresql")

    class Ledger(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            clock.now = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
            if postgres:  # one schema: empty it for each example
                self.app = make_app(database_url=database_url, create_tables=False)
                self.ctx = self.app.app_context()
                self.ctx.push()
                engine = self.app.extensions["loyalty"].db.engine
                Base.metadata.drop_all(engine)
                Base.metadata.create_all(engine)
            else:
                url = f"sqlite:///{tmp_path / uuid.uuid4().hex}.db"
                self.app = make_app(database_url=url)
                self.ctx = self.app.app_context()
                self.ctx.push()
            self.state = self.app.extensions["loyalty"]
            self.loyalty = self.state.extension
            set_program(
                self.loyalty, expiry_mode=AFTER_EARNING, expiry_months=6, min_redeem=1
            )
            self.orders: list[ModelOrder] = []

        def teardown(self) -> None:
            self.state.session.remove()
            self.ctx.pop()

        def customer_id(self, email: str) -> int | None:
            customer = find_customer(self.state.session, email)
            return customer.id if customer else None

        @rule(
            who=st.sampled_from(EMAILS),
            cents=st.integers(min_value=0, max_value=80_000),
            repeat=st.booleans(),
        )
        def place_order(self, who: str, cents: int, repeat: bool) -> None:
            if repeat and self.orders:
                again = self.orders[-1]
                self.loyalty.record_order(
                    again.ref,
                    email=again.email,
                    total=Decimal(again.total).scaleb(-2),
                )
                return
            ref = f"SF-{len(self.orders) + 1}"
            self.loyalty.record_order(ref, email=who, total=Decimal(cents).scaleb(-2))
            self.orders.append(ModelOrder(ref, who, cents, clock.now))

        @rule(data=st.data())
        def refund(self, data: st.DataObject) -> None:
            open_orders = [o for o in self.orders if o.total > o.refunded]
            if not open_orders:
                return
            target = data.draw(st.sampled_from(open_orders))
            cents = data.draw(
                st.integers(min_value=1, max_value=target.total - target.refunded)
            )
            self.loyalty.record_refund(
                target.ref,
                refund_id=f"R-{uuid.uuid4().hex[:8]}",
                amount=Decimal(cents).scaleb(-2),
            )
            target.refunded += cents

        @rule(who=st.sampled_from(EMAILS), points=st.integers(1, 5000))
        def redeem(self, who: str, points: int) -> None:
            cid = self.customer_id(who)
            if cid is None:
                return
            before = ledger.balance(self.state.session, cid)
            session = self.state.session
            try:
                redeem_points(
                    session, clock.now, customer_id=cid, points=points, currency="EUR"
                )
                session.commit()
                assert points <= before
            except NotEnoughPoints:
                session.rollback()
                assert points > before

        @rule(
            who=st.sampled_from(EMAILS),
            points=st.integers(-3000, 3000).filter(bool),
        )
        def adjust(self, who: str, points: int) -> None:
            cid = self.customer_id(who)
            if cid is None:
                return
            before = ledger.balance(self.state.session, cid)
            session = self.state.session
            try:
                adjust_points(
                    session,
                    clock.now,
                    customer_id=cid,
                    points=points,
                    reason="goodwill",
                    actor="owner",
                )
                session.commit()
                assert points > 0 or before + points >= 0
            except InvalidAdjustment:
                session.rollback()
                assert points < 0 and before + points < 0

        @rule()
        def run_due(self) -> None:
            run_points_due(self.state)
            run_points_due(self.state)  # twice: the second changes nothing

        @rule(days=st.integers(min_value=0, max_value=200))
        def move_clock(self, days: int) -> None:
            clock.advance(days=days)

        @invariant()
        def cache_equals_ledger(self) -> None:
            assert ledger.check_balances(self.state.session) == []

        @invariant()
        def only_refunds_go_below_zero(self) -> None:
            session = self.state.session
            for email in EMAILS:
                cid = self.customer_id(email)
                if cid is None:
                    continue
                points = ledger.balance(session, cid)
                if points < 0:
                    assert session.scalar(
                        sa.select(sa.func.count()).where(
                            PointsEntry.customer_id == cid,
                            PointsEntry.kind == "reversal",
                        )
                    )

        @invariant()
        def tiers_follow_spend(self) -> None:
            session = self.state.session
            since = add_months(clock.now, -12)
            tiers = load_tiers(session)
            for email in EMAILS:
                cid = self.customer_id(email)
                if cid is None:
                    continue
                spend = sum(
                    o.total - o.refunded
                    for o in self.orders
                    if o.email == email and since < o.placed_at <= clock.now
                )
                shown = standing(session, cid, clock.now, "EUR")
                assert shown.spend_cents == spend
                assert shown.tier == tier_for(tiers, spend)

    run_state_machine_as_test(
        Ledger,
        settings=settings(
            max_examples=10 if postgres else 25,
            stateful_step_count=25,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
    assert timedelta(0) <= clock.now - datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
