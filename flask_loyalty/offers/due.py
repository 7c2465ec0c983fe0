"""Offers that fall due by the clock or by an event outside an order: birthday and
win-back (run by ``flask loyalty run-due``), newsletter confirmation, and the
owner's send to a segment.

Each customer's offer is its own transaction with a unique key
(``birthday:<offer>:<customer>:<year>``, ``winback:<offer>:<customer>:<last
order>``), so a second run, or a second machine at the same time, changes nothing.
"""

from __future__ import annotations

import typing as t
from datetime import date
from datetime import datetime
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from ..customers.models import Customer
from ..orders.models import Order
from ..points.models import PointsAccount
from ..segments.service import member_ids
from . import models as om
from .service import find_grant
from .service import issue
from .service import running
from .suggest import shop_catalog
from .suggest import suggest_for

if t.TYPE_CHECKING:
    from ..state import LoyaltyState

BIRTHDAY_WINDOW = 7
"""Days after a birthday in which a late run still issues the offer."""


def _commit(state: LoyaltyState) -> bool:
    try:
        state.session.commit()
    except IntegrityError:
        state.session.rollback()
        return False
    return True


def _last_order(state: LoyaltyState, customer_id: int) -> Order | None:
    return state.session.scalar(
        sa.select(Order)
        .where(Order.customer_id == customer_id)
        .order_by(Order.placed_at.desc(), Order.id.desc())
        .limit(1)
    )


def _give(
    state: LoyaltyState, now: datetime, offer: om.Offer, customer_id: int, key: str
) -> bool:
    session = state.session
    if find_grant(session, key) is not None:
        return False
    customer = session.get(Customer, customer_id)
    if customer is None:
        return False
    last = _last_order(state, customer_id)
    suggestions = (
        suggest_for(state, shop_catalog(state), last.items, last.currency)
        if last is not None
        else []
    )
    try:
        grant = issue(state, now, offer, customer, key=key, suggestions=suggestions)
    except IntegrityError:
        session.rollback()
        return False
    return grant is not None and _commit(state)


def _occurrence(birthday: date, year: int) -> date:
    try:
        return birthday.replace(year=year)
    except ValueError:  # 29 February in a common year: the 28th
        return date(year, 2, 28)


def birthday_offers(state: LoyaltyState, now: datetime) -> int:
    """Issue running birthday offers to those whose birthday was in the last
    :data:`BIRTHDAY_WINDOW` days (today included); return how many."""
    offers = running(state.session, now, om.BIRTHDAY)
    if not offers:
        return 0
    today = now.date()
    rows = state.session.execute(
        sa.select(PointsAccount.customer_id, PointsAccount.birthday)
        .where(PointsAccount.birthday.is_not(None))
        .order_by(PointsAccount.customer_id)
    ).all()
    done = 0
    for customer_id, birthday in rows:
        for year in (today.year, today.year - 1):
            day = _occurrence(birthday, year)
            if day <= today < day + timedelta(days=BIRTHDAY_WINDOW):
                for offer in offers:
                    key = f"birthday:{offer.id}:{customer_id}:{year}"
                    done += _give(state, now, offer, customer_id, key)
    return done


def win_back_offers(state: LoyaltyState, now: datetime) -> int:
    """Issue running win-back offers to those whose last order is at least N days
    old (N is the offer's), once per last order; return how many."""
    done = 0
    for offer in running(state.session, now, om.WIN_BACK):
        cutoff = now - timedelta(days=max(offer.trigger_n, 1))
        lapsed = state.session.execute(
            sa.select(Order.customer_id, sa.func.max(Order.id))
            .group_by(Order.customer_id)
            .having(sa.func.max(Order.placed_at) <= cutoff)
            .order_by(Order.customer_id)
        ).all()
        for customer_id, last_id in lapsed:
            key = f"winback:{offer.id}:{customer_id}:{last_id}"
            done += _give(state, now, offer, customer_id, key)
    return done


def run_offers_due(
    state: LoyaltyState, progress: t.Callable[[int], None] | None = None
) -> int:
    """The DueTask: birthday and win-back offers."""
    now = state.now()
    done = birthday_offers(state, now) + win_back_offers(state, now)
    if progress is not None and done:
        progress(done)
    return done


def on_subscription_confirmed(sender: t.Any, subscriber: t.Any, **_kw: t.Any) -> None:
    """Receiver of ``subscription_confirmed``: the newsletter offers, once, for a
    subscriber who is a customer (same address). Commits its own change."""
    state = sender.extensions.get("loyalty")
    if state is None:
        return
    now = state.now()
    offers = running(state.session, now, om.NEWSLETTER)
    if not offers:
        return
    customer_id = state.session.scalar(
        sa.select(Customer.id).where(Customer.email == subscriber.email)
    )
    if customer_id is None:
        return
    for offer in offers:
        _give(state, now, offer, customer_id, f"newsletter:{offer.id}:{customer_id}")


def send_to_segment(
    state: LoyaltyState, now: datetime, offer: om.Offer, segment: str
) -> int:
    """Issue ``offer`` by hand to every member of ``segment`` (once each; a second
    send reaches only new members). Returns how many got it.

    :raises InvalidSegment: an unknown segment.
    """
    done = 0
    for customer_id in member_ids(state.session, now, segment):
        done += _give(
            state, now, offer, customer_id, f"manual:{offer.id}:{customer_id}"
        )
    return done
