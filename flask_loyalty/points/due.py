"""Points work that falls due by the clock, run by ``flask loyalty run-due`` and the
worker: expiry (oldest points first), expiry warnings by email, birthday bonuses.

Each customer's change is its own transaction with an idempotency key, so a second
run, or a second machine running at the same time, changes nothing.

Which points expire is derived from the ledger alone: points are spent oldest first,
so of the points earned up to a moment, ``max(0, earned_then - spent_ever)`` are
still unspent (every negative entry counts as spending).
"""

from __future__ import annotations

import typing as t
from datetime import date
from datetime import datetime
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..customers.models import Customer
from ..db import commit_unless_duplicate
from ..i18n import _
from ..links import email_url
from ..locales import reader_locale
from ..outbox.brand import render_mail
from ..outbox.queueing import queue_mail
from . import ledger
from .bonuses import grant_bonus
from .models import AFTER_EARNING
from .models import EXPIRE
from .models import INACTIVITY
from .models import NO_EXPIRY
from .models import PointsAccount
from .models import PointsEntry
from .models import PointsNotice
from .program import ProgramSettings
from .program import add_months
from .program import load_program

if t.TYPE_CHECKING:
    from ..state import LoyaltyState

BIRTHDAY_WINDOW = 7
"""Days after a birthday in which a late run still gives the bonus."""


def _sum(session: Session, customer_id: int, *where: t.Any) -> int:
    return int(
        session.scalar(
            sa.select(sa.func.coalesce(sa.func.sum(PointsEntry.points), 0)).where(
                PointsEntry.customer_id == customer_id, *where
            )
        )
        or 0
    )


def _unspent_until(
    session: Session, customer_id: int, moment: datetime
) -> tuple[int, int | None, datetime | None]:
    """Points earned up to ``moment`` that are still unspent, with the id and time
    of the newest such earning."""
    earned = _sum(
        session, customer_id, PointsEntry.points > 0, PointsEntry.created_at <= moment
    )
    spent = -_sum(session, customer_id, PointsEntry.points < 0)
    newest = session.execute(
        sa.select(PointsEntry.id, PointsEntry.created_at)
        .where(
            PointsEntry.customer_id == customer_id,
            PointsEntry.points > 0,
            PointsEntry.created_at <= moment,
        )
        .order_by(PointsEntry.id.desc())
        .limit(1)
    ).first()
    if newest is None:
        return 0, None, None
    return max(0, earned - spent), newest[0], newest[1]


def _last_earning(session: Session, customer_id: int) -> tuple[int, datetime] | None:
    row = session.execute(
        sa.select(PointsEntry.id, PointsEntry.created_at)
        .where(PointsEntry.customer_id == customer_id, PointsEntry.points > 0)
        .order_by(PointsEntry.id.desc())
        .limit(1)
    ).first()
    return (row[0], row[1]) if row else None


def due_expiry(
    session: Session, customer_id: int, now: datetime, program: ProgramSettings
) -> tuple[int, str | None]:
    """How many of her points expire now, and the entry's idempotency key."""
    cutoff = add_months(now, -program.expiry_months)
    if program.expiry_mode == AFTER_EARNING:
        points, newest, _when = _unspent_until(session, customer_id, cutoff)
        return points, f"expire:{customer_id}:{newest}"
    if program.expiry_mode == INACTIVITY:
        last = _last_earning(session, customer_id)
        if last is None or last[1] > cutoff:
            return 0, None
        return max(ledger.balance(session, customer_id), 0), (
            f"expire:{customer_id}:idle:{last[0]}"
        )
    return 0, None


def expiring_soon(
    session: Session,
    customer_id: int,
    now: datetime,
    program: ProgramSettings,
    days: int | None = None,
) -> tuple[int, datetime | None, str | None]:
    """Points that expire within ``days`` (default: the warning days): how many,
    by when, and the key of a warning about them (one query, none without expiry)."""
    moment = expiry_moment(now, program, days)
    columns = expiry_columns(program.expiry_mode, customer_id, moment)
    if not columns:
        return 0, None, None
    row = session.execute(sa.select(*columns)).one()
    return expiring_from(row._mapping, customer_id, now, program, days)


def _newest_earning(
    customer_id: t.Any, column: t.Any, *where: t.Any
) -> sa.ScalarSelect[t.Any]:
    return (
        sa.select(column)
        .where(PointsEntry.customer_id == customer_id, PointsEntry.points > 0, *where)
        .order_by(PointsEntry.id.desc())
        .limit(1)
        .scalar_subquery()
    )


def _points_sum(customer_id: t.Any, *where: t.Any) -> sa.ScalarSelect[t.Any]:
    return (
        sa.select(sa.func.coalesce(sa.func.sum(PointsEntry.points), 0))
        .where(PointsEntry.customer_id == customer_id, *where)
        .scalar_subquery()
    )


def expiry_moment(
    now: datetime, program: ProgramSettings, days: int | None = None
) -> datetime:
    """Points earned up to this moment and still unspent expire within ``days``
    (the warning days by default) when points expire after earning."""
    days = program.warning_days if days is None else days
    return add_months(now + timedelta(days=days), -program.expiry_months)


def expiry_columns(
    mode: str, customer_id: t.Any, moment: t.Any
) -> list[sa.Label[t.Any]]:
    """What :func:`expiring_soon` reads under expiry ``mode``, as labelled SQL
    expressions a caller can add to a query of its own (none when points never
    expire); ``customer_id`` and ``moment`` (:func:`expiry_moment`) are values or
    bind parameters. Read the row back with :func:`expiring_from`."""
    if mode == AFTER_EARNING:
        before = PointsEntry.created_at <= moment
        return [
            _points_sum(customer_id, PointsEntry.points > 0, before).label(
                "expiry_earned"
            ),
            _points_sum(customer_id, PointsEntry.points < 0).label("expiry_spent"),
            _newest_earning(customer_id, PointsEntry.id, before).label("expiry_id"),
            _newest_earning(customer_id, PointsEntry.created_at, before).label(
                "expiry_at"
            ),
        ]
    if mode == INACTIVITY:
        balance = (
            sa.select(PointsAccount.balance)
            .where(PointsAccount.customer_id == customer_id)
            .scalar_subquery()
        )
        return [
            _newest_earning(customer_id, PointsEntry.id).label("expiry_id"),
            _newest_earning(customer_id, PointsEntry.created_at).label("expiry_at"),
            balance.label("expiry_balance"),
        ]
    return []


def expiring_from(
    row: t.Mapping[str, t.Any],
    customer_id: int,
    now: datetime,
    program: ProgramSettings,
    days: int | None = None,
) -> tuple[int, datetime | None, str | None]:
    """:func:`expiring_soon` from a row with the :func:`expiry_columns`."""
    days = program.warning_days if days is None else days
    later = now + timedelta(days=days)
    months = program.expiry_months
    newest, when = row.get("expiry_id"), row.get("expiry_at")
    if newest is None or when is None:
        return 0, None, None
    if program.expiry_mode == AFTER_EARNING:
        points = max(0, int(row["expiry_earned"]) + int(row["expiry_spent"]))
        if not points:
            return 0, None, None
        return points, add_months(when, months), f"warn:{customer_id}:{newest}"
    if program.expiry_mode == INACTIVITY:
        points = int(row["expiry_balance"] or 0)
        if points <= 0 or add_months(when, months) > later:
            return 0, None, None
        return points, add_months(when, months), f"warn:{customer_id}:idle:{newest}"
    return 0, None, None


def _holders(session: Session) -> list[int]:
    return list(
        session.scalars(
            sa.select(PointsAccount.customer_id)
            .where(PointsAccount.balance > 0)
            .order_by(PointsAccount.customer_id)
        )
    )


def expire_points(session: Session, now: datetime) -> int:
    """Expire due points for every customer; return how many entries were made."""
    program = load_program(session)
    if program.expiry_mode == NO_EXPIRY:
        return 0
    done = 0
    for customer_id in _holders(session):
        points, key = due_expiry(session, customer_id, now, program)
        if points <= 0 or key is None:
            continue
        try:
            entry = ledger.post(
                session,
                now,
                customer_id=customer_id,
                kind=EXPIRE,
                points=-points,
                key=key,
                note=f"{program.expiry_mode}:{program.expiry_months}",
            )
        except IntegrityError:
            session.rollback()
            continue
        if entry is not None and commit_unless_duplicate(session):
            done += 1
    return done


def warn_expiring(state: LoyaltyState, now: datetime) -> int:
    """Queue one warning email per batch of points about to expire."""
    session = state.session
    program = load_program(session)
    if program.expiry_mode == NO_EXPIRY or program.warning_days <= 0:
        return 0
    done = 0
    for customer_id in _holders(session):
        points, when, key = expiring_soon(session, customer_id, now, program)
        if not points or key is None or when is None:
            continue
        if session.scalar(sa.select(PointsNotice.id).where(PointsNotice.key == key)):
            continue
        customer = session.get(Customer, customer_id)
        if customer is None:  # pragma: no cover - a foreign key holds
            continue
        session.add(PointsNotice(key=key, customer_id=customer_id, created_at=now))
        _queue_warning(state, customer, points, when, program)
        if commit_unless_duplicate(session):
            done += 1
    return done


def _queue_warning(
    state: LoyaltyState,
    customer: Customer,
    points: int,
    when: datetime,
    program: ProgramSettings,
) -> None:

    with reader_locale(state, customer.locale) as language:
        text, html = render_mail(
            "points_expiring",
            customer=customer,
            points=points,
            when=when,
            value_cents=points * program.point_value_cents,
            currency=state.settings.currency,
            link=email_url("points"),
            shop_name=state.settings.shop_name,
        )
        subject = _(
            "Your points at %(shop)s expire soon", shop=state.settings.shop_name
        )
    queue_mail(
        state.session,
        state.now(),
        kind="points_expiring",
        to=customer.email,
        subject=subject,
        text=text,
        html=html,
        language=language,
    )


def birthday_this_year(birthday: date, year: int) -> date:
    """Her birthday in ``year``; 29 February is 28 February in other years."""
    try:
        return birthday.replace(year=year)
    except ValueError:
        return date(year, 2, 28)


def give_birthday_bonuses(session: Session, now: datetime) -> int:
    """Birthday bonus once a year, on the day or up to a week late."""
    program = load_program(session)
    if program.birthday_bonus <= 0:
        return 0
    today = now.date()
    done = 0
    rows = session.execute(
        sa.select(PointsAccount.customer_id, PointsAccount.birthday).where(
            PointsAccount.birthday.is_not(None)
        )
    ).all()
    for customer_id, birthday in rows:
        for year in (today.year, today.year - 1):
            day = birthday_this_year(birthday, year)
            if day <= today < day + timedelta(days=BIRTHDAY_WINDOW):
                try:
                    entry = grant_bonus(
                        session,
                        now,
                        customer_id=customer_id,
                        points=program.birthday_bonus,
                        key=f"birthday:{customer_id}:{year}",
                        note="birthday",
                    )
                except IntegrityError:
                    session.rollback()
                    continue
                if entry is not None and commit_unless_duplicate(session):
                    done += 1
    return done


def run_points_due(
    state: LoyaltyState, progress: t.Callable[[int], None] | None = None
) -> int:
    """The points due task: expiry, then warnings, then birthday bonuses."""
    now = state.now()
    done = expire_points(state.session, now)
    done += warn_expiring(state, now)
    done += give_birthday_bonuses(state.session, now)
    if progress is not None:
        progress(done)
    return done
