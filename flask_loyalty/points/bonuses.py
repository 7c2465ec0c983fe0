"""Bonuses (sign-up, newsletter, birthday) and the customer's birthday."""

from __future__ import annotations

import typing as t
from datetime import date
from datetime import datetime

import sqlalchemy as sa
from flask import current_app
from flask import has_request_context
from flask import session as browser
from sqlalchemy.orm import Session

import flask_loyalty.signals as signals

from ..customers.models import Customer
from ..db import after_commit
from ..errors import InvalidBirthday
from ..errors import InvalidToken
from ..i18n import _
from ..orders.models import Order
from ..tokens import make_token
from ..tokens import read_token
from . import ledger
from .models import BONUS
from .models import PointsAccount
from .models import PointsEntry
from .program import load_program


def announce(session: Session, signal: t.Any, **kwargs: t.Any) -> None:
    """Send ``signal`` from the current app once the transaction commits."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    after_commit(session, lambda: signal.send(app, **kwargs))


def grant_bonus(
    session: Session,
    now: datetime,
    *,
    customer_id: int,
    points: int,
    key: str,
    note: str,
) -> PointsEntry | None:
    """Give a bonus once per ``key`` (``None`` if it was given or is zero)."""
    if points <= 0:
        return None
    entry = ledger.post(
        session,
        now,
        customer_id=customer_id,
        kind=BONUS,
        points=points,
        key=key,
        note=note,
    )
    if entry is not None:
        customer = session.get(Customer, customer_id)
        announce(session, signals.points_earned, customer=customer, entry=entry)
    return entry


def parse_birthday(text: object, today: date) -> date:
    """A birthday typed as ``YYYY-MM-DD``.

    :raises InvalidBirthday: not a real date, before 1900, or in the future.
    """
    parts = text.strip().split("-") if isinstance(text, str) else []
    if len(parts) != 3 or not all(p.isdigit() for p in parts):
        raise InvalidBirthday(_("Enter your birthday as year-month-day."))
    year, month, day = (int(p) for p in parts)
    try:
        birthday = date(year, month, day)
    except ValueError:
        raise InvalidBirthday(
            _("That date does not exist. Please check the day and month.")
        ) from None
    if birthday > today:
        raise InvalidBirthday(_("A birthday cannot be in the future."))
    if year < 1900:
        raise InvalidBirthday(_("Please check the year."))
    return birthday


def set_birthday(session: Session, customer_id: int, birthday: date | None) -> None:
    """Store her birthday (``None`` forgets it)."""
    ledger.ensure_account(session, customer_id)
    session.execute(
        sa.update(PointsAccount)
        .where(PointsAccount.customer_id == customer_id)
        .values(birthday=birthday)
        .execution_options(synchronize_session=False)
    )


def get_birthday(session: Session, customer_id: int) -> date | None:
    return session.scalar(
        sa.select(PointsAccount.birthday).where(
            PointsAccount.customer_id == customer_id
        )
    )


def on_subscription_confirmed(sender: t.Any, subscriber: t.Any, **_kw: t.Any) -> None:
    """Receiver of ``subscription_confirmed``: the newsletter bonus, once, for a
    subscriber who is already a customer (same address). Commits its own change."""
    state = sender.extensions.get("loyalty")
    if state is None:
        return
    session = state.session
    points = load_program(session).newsletter_bonus
    customer = session.scalar(
        sa.select(Customer).where(Customer.email == subscriber.email)
    )
    if points <= 0 or customer is None:
        return
    grant_bonus(
        session,
        state.now(),
        customer_id=customer.id,
        points=points,
        key=f"newsletter:{customer.id}",
        note="newsletter",
    )
    session.commit()


REFERRAL = "referral"
REFERRAL_MAX_AGE = 5 * 365 * 24 * 3600
REFERRER_SESSION_KEY = "loyalty_referrer"


def referral_token(customer_id: int) -> str:
    """The signed token of her invitation link (forged ones are refused)."""
    return make_token(REFERRAL, {"c": customer_id})


def referrer_from_token(token: str) -> int:
    """:raises InvalidToken: a changed, foreign or very old token."""
    data = read_token(REFERRAL, token, REFERRAL_MAX_AGE)
    if not isinstance(data, dict) or not isinstance(data.get("c"), int):
        raise InvalidToken(_("This invitation link is not valid."))
    return int(data["c"])


def record_referral(
    session: Session, now: datetime, *, referrer_id: int, referred_id: int
) -> bool:
    """Pay the referral bonuses, both sides, once per referred customer.

    Nothing for a self-referral, or if she was referred before. Says whether the
    bonuses were paid.
    """
    if referrer_id == referred_id:
        return False
    ledger.ensure_account(session, referred_id)
    claimed = session.execute(
        sa.update(PointsAccount)
        .where(
            PointsAccount.customer_id == referred_id,
            PointsAccount.referred_by.is_(None),
        )
        .values(referred_by=referrer_id)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        return False
    program = load_program(session)
    for customer_id, points, side in (
        (referrer_id, program.referrer_bonus, "referrer"),
        (referred_id, program.referred_bonus, "referred"),
    ):
        grant_bonus(
            session,
            now,
            customer_id=customer_id,
            points=points,
            key=f"referral:{referred_id}:{side}",
            note=f"referral:{side}",
        )
    return True


def pay_referral(state: t.Any, order: t.Any) -> None:
    """Order hook: if the buyer came by an invitation link (kept in her browser
    session) and this is her first order, pay both referral bonuses."""
    if not has_request_context() or REFERRER_SESSION_KEY not in browser:
        return
    referrer_id = browser[REFERRER_SESSION_KEY]
    db = state.session
    orders = db.scalar(
        sa.select(sa.func.count(Order.id)).where(Order.customer_id == order.customer_id)
    )
    referrer = db.get(Customer, referrer_id) if isinstance(referrer_id, int) else None
    if orders != 1 or referrer is None or referrer.email == order.customer.email:
        return
    record_referral(
        db, order.recorded_at, referrer_id=referrer.id, referred_id=order.customer_id
    )
