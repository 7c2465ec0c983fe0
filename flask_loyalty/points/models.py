from __future__ import annotations

from datetime import date
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship

from ..customers.models import Customer
from ..db import Base
from ..db import UTCDateTime

# Earn modes.
PER_UNIT = "per_unit"
CASHBACK = "cashback"
# Expiry modes.
NO_EXPIRY = "none"
AFTER_EARNING = "after_earning"
INACTIVITY = "inactivity"
# Ledger entry kinds.
EARN = "earn"
BONUS = "bonus"
REDEEM = "redeem"
EXPIRE = "expire"
REVERSAL = "reversal"
ADJUST = "adjust"

BASIS = 10_000
"""Multipliers and percentages are basis points: 10,000 is 1x or 100%."""


class Program(Base):
    """The owner's points program: one row (``id == 1``); defaults when absent."""

    __tablename__ = "loyalty_points_program"
    __table_args__ = (
        sa.CheckConstraint("points_per_unit >= 0", name="per_unit_not_negative"),
        sa.CheckConstraint("cashback_bp >= 0", name="cashback_not_negative"),
        sa.CheckConstraint("point_value_cents > 0", name="value_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    earn_mode: Mapped[str] = mapped_column(sa.String(16))
    points_per_unit: Mapped[int] = mapped_column()
    """Points per whole currency unit spent (``PER_UNIT``), rounded down."""
    cashback_bp: Mapped[int] = mapped_column()
    """Cash back in basis points (500 = 5%) of the spend (``CASHBACK``)."""
    point_value_cents: Mapped[int] = mapped_column()
    min_redeem: Mapped[int] = mapped_column()
    code_valid_days: Mapped[int] = mapped_column()
    signup_bonus: Mapped[int] = mapped_column()
    newsletter_bonus: Mapped[int] = mapped_column()
    birthday_bonus: Mapped[int] = mapped_column()
    referrer_bonus: Mapped[int] = mapped_column()
    referred_bonus: Mapped[int] = mapped_column()
    expiry_mode: Mapped[str] = mapped_column(sa.String(16))
    expiry_months: Mapped[int] = mapped_column()
    warning_days: Mapped[int] = mapped_column()
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    updated_by: Mapped[str | None] = mapped_column(sa.String(200))


class Tier(Base):
    """A tier reached by spend over the last 12 months, with an earn multiplier."""

    __tablename__ = "loyalty_points_tiers"
    __table_args__ = (
        sa.CheckConstraint("threshold_cents >= 0", name="threshold_not_negative"),
        sa.CheckConstraint("multiplier_bp > 0", name="multiplier_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(50))
    threshold_cents: Mapped[int] = mapped_column(sa.BigInteger, unique=True)
    multiplier_bp: Mapped[int] = mapped_column()
    """Earn multiplier in basis points: 10,000 is 1x, 15,000 is 1.5x."""
    perks: Mapped[str] = mapped_column(sa.String(500), default="")
    translations: Mapped[dict[str, dict[str, str]] | None] = mapped_column(sa.JSON)
    """Name and perks in other languages than the default
    (:mod:`flask_loyalty.content_versions`): ``{"hu": {"name": "Arany", ...}}``."""


class PointsAccount(Base):
    """A customer's cached balance and points details, kept with every entry.

    ``balance`` always equals the sum of her entries (:func:`.ledger.check_balances`);
    redemptions take points with a conditional ``UPDATE`` on this row.
    """

    __tablename__ = "loyalty_points_accounts"

    customer_id: Mapped[int] = mapped_column(
        sa.ForeignKey("loyalty_customers.id"), primary_key=True
    )
    balance: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    birthday: Mapped[date | None] = mapped_column(sa.Date)
    referral_code: Mapped[str | None] = mapped_column(sa.String(32), unique=True)
    referred_by: Mapped[int | None] = mapped_column(
        sa.ForeignKey("loyalty_customers.id")
    )

    customer: Mapped[Customer] = relationship(foreign_keys=[customer_id])


class PointsEntry(Base):
    """One line of the append-only points ledger; ``points`` is signed.

    ``key`` makes every entry idempotent: ``order:<ref>``, ``refund:<ref>``,
    ``redeem:<uuid>``, ``expire:...``, ``birthday:<customer>:<year>``...
    """

    __tablename__ = "loyalty_points_entries"
    __table_args__ = (
        sa.CheckConstraint("points != 0", name="points_not_zero"),
        sa.Index("ix_loyalty_points_entries_customer", "customer_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(120), unique=True)
    customer_id: Mapped[int] = mapped_column(sa.ForeignKey("loyalty_customers.id"))
    kind: Mapped[str] = mapped_column(sa.String(16))
    points: Mapped[int] = mapped_column(sa.BigInteger)
    order_id: Mapped[int | None] = mapped_column(sa.ForeignKey("loyalty_orders.id"))
    code_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("loyalty_discount_codes.id")
    )
    note: Mapped[str | None] = mapped_column(sa.String(500))
    """What the entry was for; the owner's reason for an adjustment."""
    actor: Mapped[str | None] = mapped_column(sa.String(200))
    """Who made an adjustment (the owner's identity as the shop names her)."""
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    def __repr__(self) -> str:
        return f"<PointsEntry {self.key!r} {self.points:+d}>"


class PointsNotice(Base):
    """An email about points that was queued once (an expiry warning)."""

    __tablename__ = "loyalty_points_notices"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(120), unique=True)
    customer_id: Mapped[int] = mapped_column(sa.ForeignKey("loyalty_customers.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
