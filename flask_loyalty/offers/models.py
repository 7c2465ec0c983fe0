"""Offers the owner edits (trigger + conditions + benefit) and each one issued."""

from __future__ import annotations

import typing as t
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship

from ..codes.models import DiscountCode
from ..customers.models import Customer
from ..db import Base
from ..db import UTCDateTime

# Triggers: what issues the offer to a customer.
FIRST_PURCHASE = "first_purchase"
NTH_PURCHASE = "nth_purchase"
EVERY_PURCHASE = "every_purchase"
BIRTHDAY = "birthday"
WIN_BACK = "win_back"
NEWSLETTER = "newsletter"
MANUAL = "manual"
STAMP_CARD = "stamp_card"
TRIGGERS = (
    FIRST_PURCHASE,
    NTH_PURCHASE,
    EVERY_PURCHASE,
    BIRTHDAY,
    WIN_BACK,
    NEWSLETTER,
    MANUAL,
    STAMP_CARD,
)

# Benefits: what the code gives at checkout.
PERCENT = "percent"
AMOUNT = "amount"
FREE_SHIPPING = "free_shipping"
GIFT = "gift"
COMPLEMENTARY = "complementary"
BONUS_POINTS = "bonus_points"
MULTIPLIER = "multiplier"
BENEFITS = (
    PERCENT,
    AMOUNT,
    FREE_SHIPPING,
    GIFT,
    COMPLEMENTARY,
    BONUS_POINTS,
    MULTIPLIER,
)


class Benefit(t.Protocol):
    """What tells an offer's benefit in words: an :class:`Offer`, or a record of
    one the account page read."""

    benefit: str
    percent: int
    amount_cents: int
    points: int


class OfferTerms(t.Protocol):
    """What issuing an offer reads of it: an :class:`Offer`, or a row of its
    columns (the order hook reads rows)."""

    id: int
    name: str
    benefit: str
    amount_cents: int
    points: int
    valid_days: int
    code_uses: int
    max_uses: int | None
    uses: int
    budget_cents: int | None
    spent_cents: int
    ends_at: datetime | None
    holdout_percent: int


class Offer(Base):
    """An offer: when it is issued, what its code gives, and on what conditions.

    ``trigger_n`` is the n of "the n-th purchase", the days of "win-back after N
    days" and the N of a stamp card ("buy N, the next one free").
    """

    __tablename__ = "loyalty_offers"
    __table_args__ = (
        sa.CheckConstraint("percent >= 0 AND percent <= 100", name="percent_range"),
        sa.CheckConstraint("amount_cents >= 0", name="amount_not_negative"),
        sa.CheckConstraint("uses >= 0", name="uses_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    trigger: Mapped[str] = mapped_column(sa.String(20), index=True)
    trigger_n: Mapped[int] = mapped_column(default=0)
    benefit: Mapped[str] = mapped_column(sa.String(20))
    percent: Mapped[int] = mapped_column(default=0)
    amount_cents: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    sku: Mapped[str | None] = mapped_column(sa.String(64))
    """The free gift or the complementary product."""
    points: Mapped[int] = mapped_column(default=0)
    """Bonus points, or the multiplier in percent (200 = double points)."""
    min_subtotal_cents: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    categories: Mapped[str] = mapped_column(sa.String(500), default="")
    """Comma-separated product categories the discount applies to; empty: all."""
    valid_days: Mapped[int] = mapped_column(default=30)
    once_per_customer: Mapped[bool] = mapped_column(default=True)
    code_uses: Mapped[int] = mapped_column(default=1)
    """How many orders one issued code may be used on (0: any number)."""
    max_uses: Mapped[int | None] = mapped_column()
    budget_cents: Mapped[int | None] = mapped_column(sa.BigInteger)
    starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    active: Mapped[bool] = mapped_column(default=True)
    subject: Mapped[str] = mapped_column(sa.String(200), default="")
    message: Mapped[str] = mapped_column(sa.Text, default="")
    """Markdown; ``{{ first_name }}``, ``{{ code }}`` and ``{{ shop_name }}`` work."""
    translations: Mapped[dict[str, dict[str, str]] | None] = mapped_column(sa.JSON)
    """Name, subject and message in other languages than the default
    (:mod:`flask_loyalty.content_versions`)."""
    holdout_percent: Mapped[int] = mapped_column(default=0, server_default=sa.text("0"))
    """The share of eligible people (percent, 0 to 50) who get nothing from it,
    to compare with (:mod:`flask_loyalty.measure.holdout`)."""
    uses: Mapped[int] = mapped_column(default=0)
    spent_cents: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    @property
    def category_list(self) -> list[str]:
        return [c.strip() for c in self.categories.split(",") if c.strip()]

    def __repr__(self) -> str:
        return f"<Offer {self.id} {self.name!r} {self.trigger}/{self.benefit}>"


class OfferGrant(Base):
    """An offer issued to one customer, once per ``key``.

    ``key`` makes issuing idempotent: ``first:<customer>``,
    ``birthday:<offer>:<customer>:<year>``, ``winback:<offer>:<customer>:<order>``,
    ``stamp:<offer>:<customer>:<n>``... ``suggestions`` lists the products chosen
    for her, each with the reason it was chosen.
    """

    __tablename__ = "loyalty_offer_grants"
    __table_args__ = (
        sa.Index(
            "ix_loyalty_offer_grants_mail_due",
            "id",
            postgresql_where=sa.text("mail_due"),
            sqlite_where=sa.text("mail_due"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(120), unique=True)
    offer_id: Mapped[int] = mapped_column(
        sa.ForeignKey("loyalty_offers.id"), index=True
    )
    customer_id: Mapped[int] = mapped_column(
        sa.ForeignKey("loyalty_customers.id"), index=True
    )
    code_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("loyalty_discount_codes.id")
    )
    order_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("loyalty_orders.id"), index=True
    )
    """The order that triggered it (first purchase, stamp card...)."""
    suggestions: Mapped[list[dict[str, str]]] = mapped_column(sa.JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    mail_due: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    """Her email is still to be written and queued (by the worker: an offer an
    order earns is mailed outside the order's transaction)."""

    offer: Mapped[Offer] = relationship()
    customer: Mapped[Customer] = relationship()
    code: Mapped[DiscountCode | None] = relationship()
