"""People who enter by the calendar and the segments, looked at on every worker
round: birthdays, quiet spells (no order for N days) and new segment members."""

from __future__ import annotations

import typing as t
from datetime import date
from datetime import timedelta

import sqlalchemy as sa

from ..customers.models import Customer
from ..orders.models import Order
from ..points.models import PointsAccount
from ..segments.service import member_ids
from . import models as jm
from .service import enter
from .service import running
from .service import shop_timezone

if t.TYPE_CHECKING:
    from ..state import LoyaltyState

LATE_WINDOW = timedelta(days=7)
"""A birthday or a quiet spell still starts its journey this long after the day."""
SEGMENT_EVERY = timedelta(hours=1)
"""How often a segment journey compares its segment's members (one query each)."""


def enter_by_the_calendar(state: LoyaltyState) -> int:
    """Enter everyone whose day has come; return how many entered. Commits."""
    entered = _calendar(state) + _segments(state)
    state.session.commit()
    return entered


def _birthday_in(birthday: date, year: int) -> date:
    try:
        return birthday.replace(year=year)
    except ValueError:
        return date(year, 2, 28)


def _calendar(state: LoyaltyState) -> int:
    """Birthdays (on the day, or up to a week late) and quiet spells (no order for
    N days, noticed up to a week late) bring people into their journeys."""
    session, now = state.session, state.now()
    zone = shop_timezone()
    today = now.astimezone(zone).date()
    entered = 0
    birthdays = running(session, jm.BIRTHDAY)
    if birthdays:
        rows = session.execute(
            sa.select(Customer.id, Customer.email, PointsAccount.birthday)
            .join(PointsAccount, PointsAccount.customer_id == Customer.id)
            .where(PointsAccount.birthday.is_not(None), Customer.erased_at.is_(None))
        ).all()
        for customer_id, email, birthday in rows:
            for year in (today.year, today.year - 1):
                day = _birthday_in(birthday, year)
                if day <= today < day + LATE_WINDOW:
                    for journey in birthdays:
                        person = {"email": email, "customer_id": customer_id}
                        event = f"birthday:{year}"
                        made = enter(
                            session, now, journey, event=event, zone=zone, **person
                        )
                        entered += made is not None
    for journey in running(session, jm.NO_ORDER):
        quiet_since = now - timedelta(days=journey.trigger_n or 0)
        last = (
            sa.select(Order.customer_id, sa.func.max(Order.id).label("order_id"))
            .group_by(Order.customer_id)
            .subquery()
        )
        rows = session.execute(
            sa.select(Customer.id, Customer.email, Order.id)
            .join(last, last.c.customer_id == Customer.id)
            .join(Order, Order.id == last.c.order_id)
            .where(
                Order.placed_at <= quiet_since,
                Order.placed_at > quiet_since - LATE_WINDOW,
                Customer.erased_at.is_(None),
            )
        ).all()
        for customer_id, email, order_id in rows:
            made = enter(
                session,
                now,
                journey,
                email=email,
                customer_id=customer_id,
                event=f"quiet:{order_id}",
                zone=zone,
            )
            entered += made is not None
    return entered


def _segments(state: LoyaltyState) -> int:
    """Customers who joined a journey's segment since its last look enter it.

    The first look after the journey is switched on only notes who is in.
    """
    session, now = state.session, state.now()
    zone = shop_timezone()
    entered = 0
    for journey in running(session, jm.SEGMENT):
        checked = journey.segment_checked_at
        if checked is not None and now - checked < SEGMENT_EVERY:
            continue
        current = set(member_ids(session, now, journey.segment or ""))
        snapshot = sa.select(jm.SegmentMember.customer_id).where(
            jm.SegmentMember.journey_id == journey.id
        )
        previous = set(session.scalars(snapshot)) if checked is not None else set()
        if checked is None:
            session.execute(
                sa.delete(jm.SegmentMember).where(
                    jm.SegmentMember.journey_id == journey.id
                )
            )
        joined = sorted(current - previous)
        if checked is not None and joined:
            for customer_id, email in session.execute(
                sa.select(Customer.id, Customer.email).where(
                    Customer.id.in_(joined), Customer.erased_at.is_(None)
                )
            ):
                made = enter(
                    session,
                    now,
                    journey,
                    email=email,
                    customer_id=customer_id,
                    event=f"segment:{journey.segment}:{now.date().isoformat()}",
                    zone=zone,
                )
                entered += made is not None
        left = previous - current
        if left:
            session.execute(
                sa.delete(jm.SegmentMember).where(
                    jm.SegmentMember.journey_id == journey.id,
                    jm.SegmentMember.customer_id.in_(left),
                )
            )
        if joined:
            session.execute(
                sa.insert(jm.SegmentMember),
                [{"journey_id": journey.id, "customer_id": c} for c in joined],
            )
        journey.segment_checked_at = now
    return entered
