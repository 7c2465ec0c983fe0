"""Who enters a journey and who leaves it, and when each step falls due.

Plain functions over a session and a ``now``; none commits except the signal
receivers at the bottom (they run after the change that caused them was committed).
A person is known by her normalised email address, so a subscriber who later buys
is the same person in every journey.
"""

from __future__ import annotations

import typing as t
from datetime import UTC
from datetime import datetime
from datetime import time
from datetime import timedelta
from datetime import tzinfo
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..customers.models import Customer
from ..db import one_of
from ..measure.holdout import decision_values
from ..measure.holdout import held_out
from ..measure.models import JOURNEY
from ..newsletter.service import pseudonym as erased_pseudonym
from ..orders.models import Order
from ..orders.service import orders_so_far
from ..outbox.models import QUEUED
from ..outbox.models import SUPPRESSED
from ..outbox.models import OutboxMessage
from . import models as jm
from .mail import MAIL_KIND

if t.TYPE_CHECKING:
    from ..state import LoyaltyState

RECENT_ORDER = timedelta(days=2)
"""Orders placed longer ago than this when recorded (imports) start no journey."""


def shop_timezone() -> tzinfo:
    """The shop's time zone for "at 09:00": ``LOYALTY_TIMEZONE``, else Babel's
    default time zone, else UTC."""
    config = current_app.config
    name = config.get("LOYALTY_TIMEZONE") or config.get("BABEL_DEFAULT_TIMEZONE")
    return ZoneInfo(name) if name else UTC


def check_timezone(name: str | None) -> None:
    """:raises RuntimeError: ``LOYALTY_TIMEZONE`` is not an IANA zone name."""
    if not name:
        return
    try:
        ZoneInfo(name)
    except (ValueError, KeyError, OSError):
        raise RuntimeError(
            f"LOYALTY_TIMEZONE {name!r} is not a time zone name such as"
            " 'Europe/Tallinn'."
        ) from None


def at_local_time(moment: datetime, minute: int | None, zone: tzinfo) -> datetime:
    """The first time at ``minute`` of a day (shop's zone) at or after ``moment``."""
    if minute is None:
        return moment
    local = moment.astimezone(zone)
    wall = time(minute // 60, minute % 60)
    day = local.date()
    target = datetime.combine(day, wall, tzinfo=zone)
    if target < local:
        target = datetime.combine(day + timedelta(days=1), wall, tzinfo=zone)
    return target.astimezone(UTC)


def step_due(
    step: jm.Step, entered_at: datetime, previous: datetime, zone: tzinfo
) -> datetime:
    """When ``step`` falls due: its delay after the trigger or the previous step,
    then the next time of day it asks for."""
    base = entered_at if step.after == jm.AFTER_TRIGGER else previous
    return at_local_time(
        base + timedelta(minutes=step.delay_minutes), step.at_minute, zone
    )


def _entry_key(
    journey: jm.Journey, email: str, now: datetime, event: str, zone: tzinfo
) -> str:
    if journey.reentry == jm.YEARLY:
        return f"{email}:{now.astimezone(zone).year}"
    if journey.reentry == jm.EVERY_TIME:
        return f"{email}:{event}"[:320]
    return email


def enter(
    session: Session,
    now: datetime,
    journey: jm.Journey,
    *,
    email: str,
    customer_id: int | None = None,
    subscriber_id: int | None = None,
    event: str = "",
    zone: tzinfo = UTC,
    holdout: bool = True,
) -> jm.Enrolment | None:
    """Put her in ``journey`` if it runs, has steps, she is not in it now, its
    re-entry rule lets her in again and she is not held out of it (decided
    once, by her customer id, else her subscriber id; ``holdout=False``: the
    owner's own choice); return the enrolment, else ``None``.

    ``event`` names what brought her (``order:SF-1``) for journeys she may enter
    every time. A race with another process entering her is lost quietly.
    """
    steps = journey.steps
    if not journey.active or not steps:
        return None
    key = _entry_key(journey, email, now, event, zone)
    clash = session.scalar(
        sa.select(jm.Enrolment.id).where(
            jm.Enrolment.journey_id == journey.id,
            sa.or_(jm.Enrolment.entry_key == key, jm.Enrolment.active_key == email),
        )
    )
    if clash is not None:
        return None
    if (
        holdout
        and (customer_id is not None or subscriber_id is not None)
        and held_out(
            session,
            decision_values(
                now,
                JOURNEY,
                journey.id,
                journey.holdout_percent,
                customer_id=customer_id,
                subscriber_id=None if customer_id is not None else subscriber_id,
            ),
        )
    ):
        return None
    enrolment = jm.Enrolment(
        journey_id=journey.id,
        email=email,
        customer_id=customer_id,
        entry_key=key,
        active_key=email,
        status=jm.ACTIVE,
        entered_at=now,
        next_step=0,
        due_at=step_due(steps[0], now, now, zone),
    )
    if session.get_bind(jm.Enrolment).dialect.name == "sqlite":
        session.add(enrolment)  # writers are serialised; the look-up above holds
        session.flush()
        return enrolment
    try:
        with session.begin_nested():
            session.add(enrolment)
    except IntegrityError:
        return None
    return enrolment


def end(enrolment: jm.Enrolment, now: datetime, reason: str | None = None) -> None:
    """Take her out: ``reason`` ``None`` means she reached the end."""
    enrolment.status = jm.FINISHED if reason is None else jm.EXITED
    enrolment.exit_reason = reason
    enrolment.active_key = None
    enrolment.due_at = None
    enrolment.waiting = None
    enrolment.ended_at = now


ERASED = "erased"


def forget_address(session: Session, now: datetime, email: str) -> int:
    """Erasure: take her out of every journey and replace her address in the
    enrolments by a pseudonym (the figures keep their counts); return how many
    enrolments held it. (Her queued mail, journey mail included, is held back by
    the outbox's part of the erasure: ``outbox.queueing.forget_recipient``.)"""
    exit_all(session, now, ERASED, jm.Enrolment.email == email)
    pseudonym = erased_pseudonym(email)
    rows = list(
        session.scalars(sa.select(jm.Enrolment).where(jm.Enrolment.email == email))
    )
    for enrolment in rows:
        enrolment.email = pseudonym
        if enrolment.entry_key.startswith(email):
            enrolment.entry_key = pseudonym + enrolment.entry_key[len(email) :]
    return len(rows)


def exit_all(session: Session, now: datetime, reason: str, *where: t.Any) -> int:
    """End every active enrolment matching ``where``; return how many."""
    result = session.execute(
        sa.update(jm.Enrolment)
        .where(jm.Enrolment.status == jm.ACTIVE, *where)
        .values(
            status=jm.EXITED,
            exit_reason=reason,
            active_key=None,
            due_at=None,
            waiting=None,
            ended_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def pause(
    session: Session, now: datetime, journey: jm.Journey, reason: str | None = None
) -> int:
    """Switch the journey off: no one enters, everyone in it leaves (``paused``).
    ``reason`` says why when the extension does it by itself."""
    journey.active = False
    journey.paused_reason = reason[:300] if reason else None
    journey.updated_at = now
    return exit_all(session, now, jm.PAUSED, jm.Enrolment.journey_id == journey.id)


def resume(session: Session, now: datetime, journey: jm.Journey) -> None:
    """Switch the journey on again: people enter from now on (for a segment
    journey: people who join its segment from now on)."""
    journey.active = True
    journey.paused_reason = None
    journey.segment_checked_at = None
    journey.updated_at = now


def running(session: Session, *triggers: str) -> list[jm.Journey]:
    return list(
        session.scalars(
            sa.select(jm.Journey)
            .where(jm.Journey.active.is_(True), jm.Journey.trigger.in_(triggers))
            .order_by(jm.Journey.id)
        )
    )


# -- triggers ---------------------------------------------------------------------


_EXIT_ON_ORDER = (
    sa.select(jm.Journey)
    .where(jm.Journey.exit_on_order.is_(True))
    .order_by(jm.Journey.id)
)
_ORDER_JOURNEYS = (
    sa.select(jm.Journey)
    .where(
        sa.or_(
            jm.Journey.exit_on_order.is_(True),
            sa.and_(
                jm.Journey.active.is_(True),
                one_of(jm.Journey.trigger, jm.ORDER_TRIGGERS),
            ),
        )
    )
    .order_by(jm.Journey.id)
)


ORDER_JOURNEYS_EXIST = sa.exists(
    _ORDER_JOURNEYS.with_only_columns(jm.Journey.id).order_by(None)
)
"""Whether a journey ends or starts at an order: the gate of :func:`on_order`
in ``record_order``'s first query."""


def on_order(state: LoyaltyState, order: Order) -> None:
    """Order hook (in ``record_order``'s transaction; idempotent): she leaves the
    journeys that end when she orders, and enters those her order starts.

    One query reads both kinds of journey; the ``UPDATE`` that ends her
    enrolments runs only when a journey ends at an order."""
    session, now = state.session, state.now()
    email = order.customer.email
    recent = order.placed_at >= now - RECENT_ORDER
    found = list(session.scalars(_ORDER_JOURNEYS if recent else _EXIT_ON_ORDER))
    quitting = [journey.id for journey in found if journey.exit_on_order]
    if quitting:
        exit_all(
            session,
            now,
            jm.ORDERED,
            jm.Enrolment.email == email,
            jm.Enrolment.journey_id.in_(quitting),
            jm.Enrolment.entered_at < order.placed_at,
        )
    journeys = [
        journey
        for journey in found
        if recent and journey.active and journey.trigger in jm.ORDER_TRIGGERS
    ]
    if not journeys:
        return
    count = orders_so_far(session, order)
    zone = shop_timezone()
    for journey in journeys:
        if (
            journey.trigger == jm.ANY_ORDER
            or (journey.trigger == jm.FIRST_ORDER and count == 1)
            or (journey.trigger == jm.NTH_ORDER and count == journey.trigger_n)
        ):
            enter(
                session,
                now,
                journey,
                email=email,
                customer_id=order.customer_id,
                event=f"order:{order.reference}",
                zone=zone,
            )


def enter_by_hand(
    state: LoyaltyState, journey: jm.Journey, email: str
) -> jm.Enrolment | None:
    """The owner puts someone in a journey (any trigger)."""
    session, now = state.session, state.now()
    customer = session.scalar(sa.select(Customer).where(Customer.email == email))
    return enter(
        session,
        now,
        journey,
        email=email,
        customer_id=customer.id if customer else None,
        event=f"manual:{now.isoformat()}",
        zone=shop_timezone(),
        holdout=False,
    )


def on_subscription_confirmed(sender: t.Any, subscriber: t.Any, **_kw: t.Any) -> None:
    """Receiver of ``subscription_confirmed``: she enters the welcome journeys.
    Commits its own change."""
    state = sender.extensions.get("loyalty")
    if state is None:  # pragma: no cover - connected per app
        return
    session = state.session
    journeys = running(session, jm.CONFIRMED)
    if not journeys:
        return
    now = state.now()
    customer = session.scalar(
        sa.select(Customer).where(Customer.email == subscriber.email)
    )
    for journey in journeys:
        enter(
            session,
            now,
            journey,
            email=subscriber.email,
            customer_id=customer.id if customer else None,
            subscriber_id=subscriber.id,
            event=f"confirmed:{now.isoformat()}",
            zone=shop_timezone(),
        )
    session.commit()


def stop_for(session: Session, now: datetime, email: str) -> int:
    """She unsubscribed: end her journeys and hold back their unsent mail."""
    ended = exit_all(session, now, jm.UNSUBSCRIBED, jm.Enrolment.email == email)
    session.execute(
        sa.update(OutboxMessage)
        .where(
            OutboxMessage.kind == MAIL_KIND,
            OutboxMessage.to_addr == email,
            OutboxMessage.status == QUEUED,
        )
        .values(status=SUPPRESSED)
        .execution_options(synchronize_session=False)
    )
    return ended


def on_unsubscribed(sender: t.Any, subscriber: t.Any, **_kw: t.Any) -> None:
    """Receiver of ``unsubscribed``: everything stops at once. Commits."""
    state = sender.extensions.get("loyalty")
    if state is None:  # pragma: no cover - connected per app
        return
    stop_for(state.session, state.now(), subscriber.email)
    state.session.commit()
