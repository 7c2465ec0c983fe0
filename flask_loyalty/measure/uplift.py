"""Does a measure pay: those who got it against those held out of it.

Each person's window runs from her decision (the moment she got the measure or
was held out of it) to now, the same for both groups: both were decided over the
same days, by the same rule. The report counts, per group, the people, those who
ordered in their window, their orders, their revenue and the discounts the
measure's codes gave; then the difference in the share who came back with
Newcombe's interval and the revenue per person with a seeded bootstrap
(:mod:`flask_loyalty.measure.stats`), and a verdict.
"""

from __future__ import annotations

import math
import typing as t
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..codes.models import CodeRedemption
from ..customers.models import Customer
from ..journeys.models import Enrolment
from ..newsletter.models import Subscriber
from ..offers.models import OfferGrant
from ..orders.models import Order
from . import models as mm
from .stats import Interval
from .stats import MoneyInterval
from .stats import bootstrap_mean_difference
from .stats import newcombe_difference
from .stats import people_needed

PAYS = "pays"
"""More of those who got it came back: the whole interval is above zero."""
HARMS = "harms"
"""Fewer of those who got it came back: the whole interval is below zero."""
NO_DIFFERENCE = "no_difference"
"""Enough people to find a difference of :data:`WORTH`, and none was found."""
TOO_FEW = "too_few"
"""Too few people yet: the interval spans zero and a difference worth knowing
could still hide in it (or a group is under :data:`MIN_GROUP`)."""
NO_HOLDOUT = "no_holdout"
"""No one is held out, so there is nothing to compare with."""

WORTH = 0.05
"""The smallest difference worth knowing: 5 more customers in 100 coming back."""
MIN_GROUP = 20
"""Fewer people than this in a group and no verdict is given."""


@dataclass(frozen=True)
class Group:
    """One side of the comparison, money in minor units."""

    people: int
    came_back: int
    orders: int
    revenue_cents: int
    discount_cents: int

    @property
    def rate(self) -> float:
        return self.came_back / self.people if self.people else 0.0

    @property
    def orders_per_person(self) -> float:
        return self.orders / self.people if self.people else 0.0

    @property
    def revenue_per_person(self) -> int:
        return round(self.revenue_cents / self.people) if self.people else 0


@dataclass(frozen=True)
class Uplift:
    """The comparison of one measure's two groups, and what it says."""

    treated: Group
    holdout: Group
    verdict: str
    rate: Interval | None
    """The difference in the share who came back (treated minus held out)."""
    revenue: MoneyInterval | None
    """The difference in revenue per person, in minor units."""
    more_needed: int
    """About how many more eligible people a verdict needs (for :data:`TOO_FEW`)."""


def _customer_ids(session: Session, rows: list[t.Any]) -> dict[int, int]:
    """Each decision's customer: hers, or for a subscriber the customer with
    her address (someone who subscribed and bought later)."""
    found = {row.id: row.customer_id for row in rows if row.customer_id is not None}
    subscribers = {row.subscriber_id: row.id for row in rows if row.id not in found}
    if subscribers:
        pairs = session.execute(
            sa.select(Subscriber.id, Customer.id)
            .join(Customer, Customer.email == Subscriber.email)
            .where(Subscriber.id.in_(subscribers))
        ).all()
        for subscriber_id, customer_id in pairs:
            found[subscribers[subscriber_id]] = customer_id
    return found


def _discounts(session: Session, measure: str, measure_id: int) -> dict[int, int]:
    """Discount given by the measure's codes, per customer (minor units)."""
    redeemed = sa.select(
        CodeRedemption.customer_id, sa.func.sum(CodeRedemption.discount_cents)
    ).group_by(CodeRedemption.customer_id)
    if measure == mm.OFFER:
        redeemed = redeemed.where(CodeRedemption.offer_id == measure_id)
    elif measure == mm.JOURNEY:
        enrolments = set(
            session.scalars(
                sa.select(Enrolment.id).where(Enrolment.journey_id == measure_id)
            )
        )
        codes = [
            code_id
            for key, code_id in session.execute(
                sa.select(OfferGrant.key, OfferGrant.code_id).where(
                    OfferGrant.key.like("journey:%"), OfferGrant.code_id.is_not(None)
                )
            )
            if int(key.split(":")[1]) in enrolments
        ]
        if not codes:
            return {}
        redeemed = redeemed.where(CodeRedemption.code_id.in_(codes))
    else:
        return {}
    return {
        cid: int(total) for cid, total in session.execute(redeemed) if cid is not None
    }


def groups(
    session: Session, measure: str, measure_id: int, now: datetime
) -> tuple[Group, Group, dict[bool, list[int]]]:
    """``(treated, held out, revenue per person of each)``: each person's orders
    placed after her decision and up to ``now``."""
    rows = session.execute(
        sa.select(
            mm.HoldoutDecision.id,
            mm.HoldoutDecision.customer_id,
            mm.HoldoutDecision.subscriber_id,
            mm.HoldoutDecision.held_out,
            mm.HoldoutDecision.decided_at,
        ).where(
            mm.HoldoutDecision.measure == measure,
            mm.HoldoutDecision.measure_id == measure_id,
        )
    ).all()
    customers = _customer_ids(session, rows)
    since = min((row.decided_at for row in rows), default=now)
    orders: dict[int, list[tuple[datetime, int]]] = {}
    if customers:
        for cid, placed, total in session.execute(
            sa.select(Order.customer_id, Order.placed_at, Order.total_cents).where(
                Order.customer_id.in_(set(customers.values())),
                Order.placed_at > since,
                Order.placed_at <= now,
            )
        ):
            orders.setdefault(cid, []).append((placed, total))
    discounts = _discounts(session, measure, measure_id)
    revenue: dict[bool, list[int]] = {True: [], False: []}
    counts = {out: [0, 0, 0, 0] for out in (True, False)}
    for row in rows:
        cid = customers.get(row.id)
        mine = [
            total for placed, total in orders.get(cid, ()) if placed > row.decided_at
        ]
        tally = counts[row.held_out]
        tally[0] += 1 if mine else 0
        tally[1] += len(mine)
        tally[2] += sum(mine)
        tally[3] += discounts.get(cid, 0) if cid is not None else 0
        revenue[row.held_out].append(sum(mine))
    treated, held = (Group(len(revenue[out]), *counts[out]) for out in (False, True))
    return treated, held, revenue


def uplift(
    session: Session, measure: str, measure_id: int, now: datetime, share: int = 0
) -> Uplift:
    """The comparison and its verdict (:data:`PAYS`, :data:`HARMS`,
    :data:`NO_DIFFERENCE`, :data:`TOO_FEW`, :data:`NO_HOLDOUT`); ``share`` is
    the measure's holdout percent now (with no one held out yet, a share above 0
    means "too few yet", not "nothing to compare")."""
    treated, held, revenue = groups(session, measure, measure_id, now)
    return judge(treated, held, revenue, seed=f"{measure}:{measure_id}", share=share)


def judge(
    treated: Group,
    held: Group,
    revenue: dict[bool, list[int]] | None,
    *,
    seed: str,
    share: int = 0,
) -> Uplift:
    """The verdict on two groups (pure: no database); ``revenue=None``: without
    the revenue interval; ``share``: the holdout percent planned."""
    if held.people == 0:
        if not share:
            return Uplift(treated, held, NO_HOLDOUT, None, None, 0)
        needed = _more_needed(treated, held, share / 100)
        return Uplift(treated, held, TOO_FEW, None, None, max(needed, MIN_GROUP))
    needed = _more_needed(treated, held, share / 100)
    if treated.people == 0:
        return Uplift(treated, held, TOO_FEW, None, None, max(needed, MIN_GROUP))
    rate = newcombe_difference(
        treated.came_back, treated.people, held.came_back, held.people
    )
    money = (
        bootstrap_mean_difference(revenue[False], revenue[True], seed=seed)
        if revenue is not None
        else None
    )
    if min(treated.people, held.people) < MIN_GROUP:
        verdict = TOO_FEW
    elif rate.above_zero:
        verdict = PAYS
    elif rate.below_zero:
        verdict = HARMS
    elif needed == 0:
        verdict = NO_DIFFERENCE
    else:
        verdict = TOO_FEW
    if verdict == TOO_FEW:
        needed = max(needed, 1)
    return Uplift(treated, held, verdict, rate, money, needed)


def _more_needed(treated: Group, held: Group, planned: float) -> int:
    """About how many more eligible people (split as so far, else as
    ``planned``) the groups need to reach :data:`MIN_GROUP` each and 80% power
    to find :data:`WORTH` at 5%."""
    total = treated.people + held.people
    share = held.people / total if held.people else planned
    if not 0 < share < 1:
        return 0
    pooled = (treated.came_back + held.came_back) / total if total else 0.0
    base = min(max(pooled, 0.02), 0.9)
    want_treated, want_held = people_needed(base, WORTH, ratio=(1 - share) / share)
    want_treated, want_held = (
        max(want_treated, MIN_GROUP),
        max(want_held, MIN_GROUP),
    )
    return max(
        0,
        math.ceil((want_held - held.people) / share),
        math.ceil((want_treated - treated.people) / (1 - share)),
    )
