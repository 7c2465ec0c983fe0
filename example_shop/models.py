"""The shop's own tables: users, orders and order lines (all prefixed ``shop_``)."""

from __future__ import annotations

from datetime import UTC
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship
from werkzeug.security import check_password_hash
from werkzeug.security import generate_password_hash

from .extensions import db

CENT = Decimal("0.01")
ORDER_NUMBER_OFFSET = 10100
"""Checkout numbers are ``SF-<offset + id>``; the demo's past orders use SF-10001..."""


def utcnow() -> datetime:
    """The current time, aware UTC."""
    return datetime.now(UTC)


class Cents(sa.TypeDecorator[Decimal]):
    """A euro amount: a :class:`~decimal.Decimal` in Python, whole cents in the table.

    No float is involved on any database (SQLite has no exact decimal type).
    """

    impl = sa.BigInteger
    cache_ok = True

    def process_bind_param(
        self, value: Decimal | None, dialect: sa.Dialect
    ) -> int | None:
        if value is None:
            return None
        if not isinstance(value, Decimal) or value != value.quantize(CENT):
            raise ValueError(f"not a Decimal amount in whole cents: {value!r}")
        return int(value * 100)

    def process_result_value(
        self, value: int | None, dialect: sa.Dialect
    ) -> Decimal | None:
        return None if value is None else (Decimal(value) / 100).quantize(CENT)


class User(UserMixin, db.Model):  # type: ignore[name-defined,misc]
    """A shop login: a customer, or the owner (``is_owner``)."""

    __tablename__ = "shop_users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    password_hash: Mapped[str] = mapped_column(sa.String(256))
    is_owner: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(
        sa.DateTime(timezone=True), default=utcnow
    )
    email_verified_at: Mapped[datetime | None] = mapped_column(
        sa.DateTime(timezone=True)
    )
    """When she opened the link sent at sign-up; until then the address is only
    what she typed, and flask-loyalty is told so (``email_verified=False``)."""
    verify_token_hash: Mapped[str | None] = mapped_column(sa.String(64))
    """SHA-256 of the one verification link that works; cleared once used."""
    verify_sent_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))

    def set_password(self, password: str) -> None:
        """Store a salted hash of ``password``, never the password itself."""
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        """Whether ``password`` matches the stored hash."""
        return check_password_hash(self.password_hash, password)


class ShopOrder(db.Model):  # type: ignore[name-defined,misc]
    """An order as the shop keeps it; its ``number`` is also the loyalty order id."""

    __tablename__ = "shop_orders"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str | None] = mapped_column(sa.String(20), unique=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("shop_users.id"))
    name: Mapped[str] = mapped_column(sa.String(200))
    email: Mapped[str] = mapped_column(sa.String(254))
    subtotal: Mapped[Decimal] = mapped_column(Cents())
    shipping: Mapped[Decimal] = mapped_column(Cents())
    total: Mapped[Decimal] = mapped_column(Cents())
    placed_at: Mapped[datetime] = mapped_column(
        sa.DateTime(timezone=True), default=utcnow
    )

    user: Mapped[User | None] = relationship()
    lines: Mapped[list[ShopOrderLine]] = relationship(
        back_populates="order",
        cascade="all, delete-orphan",
        order_by="ShopOrderLine.id",
    )

    def assign_number(self) -> None:
        """Give the order its number from its id (call after a flush)."""
        self.number = f"SF-{ORDER_NUMBER_OFFSET + self.id}"


class ShopOrderLine(db.Model):  # type: ignore[name-defined,misc]
    """One product in an order, with the price it was sold at."""

    __tablename__ = "shop_order_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(sa.ForeignKey("shop_orders.id"))
    sku: Mapped[str] = mapped_column(sa.String(64))
    name: Mapped[str] = mapped_column(sa.String(200))
    category: Mapped[str] = mapped_column(sa.String(100))
    quantity: Mapped[int] = mapped_column()
    unit_price: Mapped[Decimal] = mapped_column(Cents())

    order: Mapped[ShopOrder] = relationship(back_populates="lines")

    @property
    def line_total(self) -> Decimal:
        return self.unit_price * self.quantity
