"""How a journey does, step by step: who reached each step, what was sent or
skipped, who is waiting and why, who left by buying, and the orders that followed."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from dataclasses import field
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..customers.models import Customer
from ..orders.models import Order
from . import models as jm

DONE = (jm.SENT, jm.GIVEN)


@dataclass
class StepFigures:
    step: jm.Step
    reached: int = 0
    done: int = 0
    """Sent (email) or given (points, offer)."""
    skipped: Counter[str] = field(default_factory=Counter)
    waiting: Counter[str] = field(default_factory=Counter)
    """People for whom this step is next, by why it waits (``None``: not due yet)."""
    left_by_ordering: int = 0
    """People who ordered (and so left) with this as the last step they had."""
    orders: int = 0
    revenue_cents: int = 0
    """Orders placed within the window after she got this step."""


@dataclass
class JourneyFigures:
    entered: int
    active: int
    finished: int
    exited: Counter[str]
    steps: list[StepFigures]
    days: int


def journey_figures(
    session: Session, journey: jm.Journey, *, days: int, currency: str
) -> JourneyFigures:
    """Figures of ``journey``; revenue counts orders in ``currency`` placed within
    ``days`` after a step was sent or given (each order once per step)."""
    by_status = Counter[tuple[str, str | None]]()
    for status, reason, count in session.execute(
        sa.select(jm.Enrolment.status, jm.Enrolment.exit_reason, sa.func.count())
        .where(jm.Enrolment.journey_id == journey.id)
        .group_by(jm.Enrolment.status, jm.Enrolment.exit_reason)
    ):
        by_status[(status, reason)] = count
    steps = [StepFigures(step) for step in journey.steps]
    by_id = {figures.step.id: figures for figures in steps}
    for step_id, outcome, count in session.execute(
        sa.select(jm.StepRun.step_id, jm.StepRun.outcome, sa.func.count())
        .where(jm.StepRun.step_id.in_(by_id))
        .group_by(jm.StepRun.step_id, jm.StepRun.outcome)
    ):
        figures = by_id[step_id]
        figures.reached += count
        if outcome in DONE:
            figures.done += count
        else:
            figures.skipped[outcome] += count
    for position, waiting, status, reason, count in session.execute(
        sa.select(
            jm.Enrolment.next_step,
            jm.Enrolment.waiting,
            jm.Enrolment.status,
            jm.Enrolment.exit_reason,
            sa.func.count(),
        )
        .where(
            jm.Enrolment.journey_id == journey.id,
            sa.or_(
                jm.Enrolment.status == jm.ACTIVE,
                jm.Enrolment.exit_reason == jm.ORDERED,
            ),
        )
        .group_by(
            jm.Enrolment.next_step,
            jm.Enrolment.waiting,
            jm.Enrolment.status,
            jm.Enrolment.exit_reason,
        )
    ):
        if status == jm.ACTIVE and position < len(steps):
            steps[position].waiting[waiting or ""] += count
            if waiting:  # due, and held back by her pause or the cap
                steps[position].reached += count
        elif reason == jm.ORDERED and 0 < position <= len(steps):
            steps[position - 1].left_by_ordering += count
    _revenue(session, by_id, days, currency)
    return JourneyFigures(
        entered=sum(by_status.values()),
        active=by_status[(jm.ACTIVE, None)],
        finished=by_status[(jm.FINISHED, None)],
        exited=Counter(
            {
                reason: n
                for (status, reason), n in by_status.items()
                if status == jm.EXITED
            }
        ),
        steps=steps,
        days=days,
    )


def _revenue(
    session: Session, by_id: dict[int, StepFigures], days: int, currency: str
) -> None:
    window = timedelta(days=days)
    seen: dict[int, set[int]] = {step_id: set() for step_id in by_id}
    rows = session.execute(
        sa.select(
            jm.StepRun.step_id,
            jm.StepRun.at,
            Order.id,
            Order.placed_at,
            Order.total_cents,
        )
        .join(jm.Enrolment, jm.Enrolment.id == jm.StepRun.enrolment_id)
        .join(Customer, Customer.email == jm.Enrolment.email)
        .join(Order, Order.customer_id == Customer.id)
        .where(
            jm.StepRun.step_id.in_(by_id),
            jm.StepRun.outcome.in_(DONE),
            Order.currency == currency,
            Order.placed_at > jm.StepRun.at,
        )
    )
    for step_id, at, order_id, placed_at, total in rows:
        if placed_at <= at + window and order_id not in seen[step_id]:
            seen[step_id].add(order_id)
            by_id[step_id].orders += 1
            by_id[step_id].revenue_cents += total
