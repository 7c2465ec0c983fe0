"""The points program: the owner's settings with their defaults, how points are
earned on a spend, and her 12-month spend (read with the settings and the tiers
in one query). The tiers themselves are in :mod:`.tiers`.

All arithmetic is on integers: money in minor units (cents), multipliers and
percentages in basis points (10,000 = 1x = 100%). Points are always rounded down.
"""

from __future__ import annotations

import calendar
import typing as t
from dataclasses import dataclass
from dataclasses import fields
from datetime import datetime

import sqlalchemy as sa
from babel.numbers import get_currency_precision
from sqlalchemy.orm import Session

from ..customers.models import Customer
from ..db import ONE_ROW
from ..db import run_core
from ..errors import InvalidProgram
from ..i18n import _
from ..orders.first_query import OrderRead
from ..orders.models import Order
from ..orders.models import Refund
from .models import AFTER_EARNING
from .models import BASIS
from .models import CASHBACK
from .models import INACTIVITY
from .models import NO_EXPIRY
from .models import PER_UNIT
from .models import Program
from .models import Tier
from .tier_names import carried_versions
from .tiers import DEFAULT_TIERS
from .tiers import TierRule
from .tiers import check_tiers

EARN_MODES = (PER_UNIT, CASHBACK)
EXPIRY_MODES = (NO_EXPIRY, AFTER_EARNING, INACTIVITY)
MAX_POINTS = 10**9


@dataclass
class ProgramSettings:
    """The owner's settings as plain values (the defaults when never saved)."""

    earn_mode: str = PER_UNIT
    points_per_unit: int = 5
    cashback_bp: int = 500
    point_value_cents: int = 1
    min_redeem: int = 500
    code_valid_days: int = 90
    signup_bonus: int = 0
    newsletter_bonus: int = 0
    birthday_bonus: int = 0
    referrer_bonus: int = 0
    referred_bonus: int = 0
    expiry_mode: str = NO_EXPIRY
    expiry_months: int = 12
    warning_days: int = 14


_INT_FIELDS = [f.name for f in fields(ProgramSettings) if f.type in ("int", int)]


def add_months(moment: datetime, months: int) -> datetime:
    """``moment`` moved by whole calendar months; 31 March - 1 month is 28/29 Feb."""
    index = moment.year * 12 + moment.month - 1 + months
    year, month = divmod(min(max(index, 12), 9999 * 12 + 11), 12)  # years 1-9999
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


def load_program(session: Session) -> ProgramSettings:
    """The program settings: the saved row, or the defaults."""
    row = session.get(Program, 1)
    if row is None:
        return ProgramSettings()
    return ProgramSettings(
        **{f.name: getattr(row, f.name) for f in fields(ProgramSettings)}
    )


def check_program(program: ProgramSettings) -> None:
    """:raises InvalidProgram: if the settings cannot work, saying which."""
    if program.earn_mode not in EARN_MODES:
        raise InvalidProgram(_("Choose how points are earned."))
    if program.expiry_mode not in EXPIRY_MODES:
        raise InvalidProgram(_("Choose when points expire."))
    for name in _INT_FIELDS:
        value = getattr(program, name)
        if not isinstance(value, int) or isinstance(value, bool):
            raise InvalidProgram(_("Every number must be a whole number."))
        if not 0 <= value <= MAX_POINTS:
            raise InvalidProgram(_("Numbers must be between 0 and 1,000,000,000."))
    if program.point_value_cents < 1:
        raise InvalidProgram(_("A point must be worth at least one cent."))
    if program.cashback_bp > BASIS:
        raise InvalidProgram(_("Cash back cannot be more than 100%."))
    if program.expiry_mode != NO_EXPIRY and not 1 <= program.expiry_months <= 120:
        raise InvalidProgram(_("Points can expire after 1 to 120 months."))


def save_program(
    session: Session,
    now: datetime,
    program: ProgramSettings,
    tiers: t.Sequence[TierRule],
    *,
    actor: str | None,
) -> None:
    """Store the settings and replace the tiers (not committed).

    :raises InvalidProgram: bad settings or tiers; nothing is written.
    """
    check_program(program)
    check_tiers(tiers)
    row = session.get(Program, 1)
    if row is None:
        row = Program(id=1)
        session.add(row)
    for f in fields(ProgramSettings):
        setattr(row, f.name, getattr(program, f.name))
    row.updated_at = now
    row.updated_by = actor
    before = {r.name: r for r in session.scalars(sa.select(Tier))}
    kept = {
        tier.name: tier.translations
        if tier.translations is not None
        else carried_versions(before.get(tier.name), tier)
        for tier in tiers
    }
    session.execute(sa.delete(Tier))
    session.flush()
    session.add_all(
        Tier(
            name=tier.name,
            threshold_cents=tier.threshold_cents,
            multiplier_bp=tier.multiplier_bp,
            perks=tier.perks,
            translations=kept[tier.name] or None,
        )
        for tier in tiers
    )
    session.flush()


def spend_expression(
    customer_id: t.Any,
    since: t.Any,
    until: t.Any,
    *,
    currency: t.Any,
    exclude_order: t.Any = None,
) -> sa.ColumnElement[int]:
    """Her spend in cents on orders placed after ``since`` up to ``until``, less
    their refunds, as an SQL expression (values, or bind parameters of a
    statement built once; ``customer_id`` may be a column of the query it is put
    in, such as :class:`Customer`'s id)."""
    orders = (
        sa.select(Order.id)
        .where(
            Order.customer_id == customer_id,
            Order.currency == currency,
            Order.placed_at > since,
            Order.placed_at <= until,
        )
        .correlate_except(Order)  # never the orders of a query it is put in
    )
    if exclude_order is not None:
        orders = orders.where(Order.id != exclude_order)
    total = (
        sa.select(sa.func.coalesce(sa.func.sum(Order.total_cents), 0))
        .where(Order.id.in_(orders))
        .correlate_except(Order)
        .scalar_subquery()
    )
    refunded = (
        sa.select(sa.func.coalesce(sa.func.sum(Refund.amount_cents), 0))
        .where(Refund.order_id.in_(orders))
        .correlate_except(Refund)
        .scalar_subquery()
    )
    return total - refunded


def spend_12_months(
    session: Session,
    customer_id: int,
    now: datetime,
    *,
    currency: str,
    exclude_order: int | None = None,
) -> int:
    """Her spend in cents on orders placed in the 12 months up to ``now``, less
    their refunds."""
    spend = spend_expression(
        customer_id,
        add_months(now, -12),
        now,
        currency=currency,
        exclude_order=exclude_order,
    )
    return int(session.scalar(sa.select(spend)) or 0)


_PROGRAM_COLUMNS = [Program.__table__.c[f.name] for f in fields(ProgramSettings)]


def rules_columns(spend: sa.ColumnElement[int]) -> tuple[t.Any, ...]:
    """The columns :func:`rules_from_rows` reads: the program row's, a tier's
    and ``spend``, from the tables of :data:`RULES_JOINS`."""
    return (
        Program.id,
        *_PROGRAM_COLUMNS,
        Tier.id.label("tier_id"),
        Tier.name.label("tier_name"),
        Tier.threshold_cents.label("tier_threshold"),
        Tier.multiplier_bp.label("tier_multiplier"),
        Tier.perks.label("tier_perks"),
        Tier.translations.label("tier_translations"),
        spend.label("spend"),
    )


RULES_JOINS = ((Program, Program.id == 1), (Tier, sa.true()))
"""The program row (if saved) and every tier, outer-joined to one row."""


def rules_query(spend: sa.ColumnElement[int]) -> sa.Select[t.Any]:
    """The program and its tiers with ``spend``: a row per saved tier (one row
    without tiers), from :data:`ONE_ROW`; :func:`rules_from_rows` reads them."""
    query = sa.select(*rules_columns(spend)).select_from(ONE_ROW)
    for table, on in RULES_JOINS:
        query = query.outerjoin(table, on)
    return query.order_by(Tier.threshold_cents)


_RULES = rules_query(sa.literal(0))
_RULES_AND_SPEND = rules_query(
    spend_expression(
        sa.bindparam("customer_id"),
        sa.bindparam("since"),
        sa.bindparam("until"),
        currency=sa.bindparam("currency"),
        exclude_order=sa.bindparam("order_id"),
    )
)


def _rules_params(placed_at: datetime, currency: str) -> dict[str, t.Any]:
    return {
        "points_since": add_months(placed_at, -12),
        "points_until": placed_at,
        "points_currency": currency,
    }


RULES_READ = OrderRead(
    columns=rules_columns(
        spend_expression(
            Customer.id,
            sa.bindparam("points_since"),
            sa.bindparam("points_until"),
            currency=sa.bindparam("points_currency"),
        )
    ),
    joins=RULES_JOINS,
    params=_rules_params,
)
"""The points hook's read in ``record_order``'s first query: what
:func:`load_rules` reads for a new order, her 12-month spend from her customer
row (the order is not inserted yet, so nothing to leave out). Read the rows with
:func:`rules_from_rows`; the spend of a customer new with the order is 0."""


def load_rules(
    session: Session, before: Order | None = None
) -> tuple[ProgramSettings, list[TierRule], int]:
    """The program (:func:`load_program`), its tiers (:func:`.tiers.load_tiers`) and
    her 12-month spend before order ``before`` (:func:`spend_12_months` at its
    time, in its currency, without it; 0 without an order), in one query: a row
    per saved tier, each with the program row's columns (``NULL`` when the owner
    never saved it) and the spend."""
    if before is None:
        rows = run_core(session, Program, _RULES).all()
    else:
        rows = run_core(
            session,
            Program,
            _RULES_AND_SPEND,
            {
                "customer_id": before.customer_id,
                "since": add_months(before.placed_at, -12),
                "until": before.placed_at,
                "currency": before.currency,
                "order_id": before.id,
            },
        ).all()
    return rules_from_rows(rows)


def rules_from_rows(
    rows: t.Sequence[sa.Row[t.Any]],
) -> tuple[ProgramSettings, list[TierRule], int]:
    """The program, its tiers and the spend from the rows of a query built on
    :func:`rules_query` or :data:`RULES_READ` (a tier's row may repeat: the first
    counts), the tiers lowest first."""
    first = rows[0]
    program = (
        ProgramSettings()
        if first.id is None
        else ProgramSettings(**{c.name: first._mapping[c] for c in _PROGRAM_COLUMNS})
    )
    tiers: dict[int, TierRule] = {}
    for r in rows:
        if r.tier_id is not None and r.tier_id not in tiers:
            tiers[r.tier_id] = TierRule(
                r.tier_name,
                r.tier_threshold,
                r.tier_multiplier,
                r.tier_perks or "",
                r.tier_translations,
            )
    ranked = sorted(tiers.values(), key=lambda tier: tier.threshold_cents)
    return program, ranked or list(DEFAULT_TIERS), int(first.spend or 0)


def points_for(
    program: ProgramSettings, spend_cents: int, multiplier_bp: int, currency: str
) -> int:
    """Points earned on ``spend_cents``, with a tier multiplier; rounded down.

    ``PER_UNIT``: ``spend / unit * points_per_unit * multiplier``; ``CASHBACK``:
    ``spend * cashback% * multiplier / point value``.
    """
    if spend_cents <= 0:
        return 0
    if program.earn_mode == PER_UNIT:
        unit = 10 ** get_currency_precision(currency)
        return spend_cents * program.points_per_unit * multiplier_bp // (unit * BASIS)
    return (
        spend_cents
        * program.cashback_bp
        * multiplier_bp
        // (BASIS * BASIS * program.point_value_cents)
    )
