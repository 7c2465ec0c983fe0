from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship

from ..customers.models import Customer
from ..db import Base
from ..db import UTCDateTime
from ..money import from_minor


class Order(Base):
    """An order recorded by ``Loyalty.record_order``; ``reference`` is the shop's id."""

    __tablename__ = "loyalty_orders"
    __table_args__ = (
        sa.CheckConstraint("total_cents >= 0", name="total_not_negative"),
        sa.CheckConstraint("shipping_cents >= 0", name="shipping_not_negative"),
        sa.CheckConstraint("discount_cents >= 0", name="discount_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(sa.String(64), unique=True)
    """The shop's order id: the idempotency key of :meth:`Loyalty.record_order`."""
    customer_id: Mapped[int] = mapped_column(
        sa.ForeignKey("loyalty_customers.id"), index=True
    )
    currency: Mapped[str] = mapped_column(sa.String(3))
    total_cents: Mapped[int] = mapped_column(sa.BigInteger)
    shipping_cents: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    discount_cents: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    placed_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    """When it reached her, as the shop reported (:meth:`Loyalty.mark_delivered`);
    with ``LOYALTY_RETURN_WINDOW_FROM = "delivery"`` the return window counts from
    it."""
    language: Mapped[str | None] = mapped_column(sa.String(16))
    """The language she ordered in (``None``: not known, the shop's default): the
    item names are as she read them, in that language."""
    fingerprint: Mapped[str] = mapped_column(sa.String(64))
    """SHA-256 of the order's contents, to tell a repeat from a conflicting reuse."""

    customer: Mapped[Customer] = relationship()
    items: Mapped[list[OrderItem]] = relationship(
        back_populates="order", order_by="OrderItem.position", cascade="all"
    )
    refunds: Mapped[list[Refund]] = relationship(
        back_populates="order", order_by="Refund.id", cascade="all"
    )

    @property
    def total(self) -> Decimal:
        return from_minor(self.total_cents, self.currency)

    @property
    def refunded_cents(self) -> int:
        return sum(refund.amount_cents for refund in self.refunds)

    @property
    def refunded(self) -> Decimal:
        return from_minor(self.refunded_cents, self.currency)

    def __repr__(self) -> str:
        return f"<Order {self.reference!r} {self.total} {self.currency}>"


class OrderItem(Base):
    """One line of an order."""

    __tablename__ = "loyalty_order_items"
    __table_args__ = (
        sa.UniqueConstraint("order_id", "position"),
        sa.CheckConstraint("quantity > 0", name="quantity_positive"),
        sa.CheckConstraint("unit_price_cents >= 0", name="price_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(sa.ForeignKey("loyalty_orders.id"))
    position: Mapped[int] = mapped_column()
    sku: Mapped[str] = mapped_column(sa.String(64))
    name: Mapped[str] = mapped_column(sa.String(200))
    category: Mapped[str | None] = mapped_column(sa.String(100))
    quantity: Mapped[int] = mapped_column()
    unit_price_cents: Mapped[int] = mapped_column(sa.BigInteger)

    order: Mapped[Order] = relationship(back_populates="items")

    @property
    def unit_price(self) -> Decimal:
        return from_minor(self.unit_price_cents, self.order.currency)

    @property
    def line_total_cents(self) -> int:
        return self.unit_price_cents * self.quantity


class Refund(Base):
    """Money given back on an order; ``reference`` is the shop's refund id."""

    __tablename__ = "loyalty_refunds"
    __table_args__ = (sa.CheckConstraint("amount_cents > 0", name="amount_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(sa.String(64), unique=True)
    order_id: Mapped[int] = mapped_column(
        sa.ForeignKey("loyalty_orders.id"), index=True
    )
    amount_cents: Mapped[int] = mapped_column(sa.BigInteger)
    shipping_cents: Mapped[int] = mapped_column(
        sa.BigInteger, default=0, server_default="0"
    )
    """The part of ``amount_cents`` that gives back shipping (it earned no points)."""
    reason: Mapped[str | None] = mapped_column(sa.String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    fingerprint: Mapped[str] = mapped_column(sa.String(64))

    order: Mapped[Order] = relationship(back_populates="refunds")
    items: Mapped[list[RefundItem]] = relationship(cascade="all")

    @property
    def amount(self) -> Decimal:
        return from_minor(self.amount_cents, self.order.currency)


class RefundItem(Base):
    """How many of one order line a refund gives back."""

    __tablename__ = "loyalty_refund_items"
    __table_args__ = (
        sa.UniqueConstraint("refund_id", "order_item_id"),
        sa.CheckConstraint("quantity > 0", name="quantity_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    refund_id: Mapped[int] = mapped_column(sa.ForeignKey("loyalty_refunds.id"))
    order_item_id: Mapped[int] = mapped_column(
        sa.ForeignKey("loyalty_order_items.id"), index=True
    )
    quantity: Mapped[int] = mapped_column()

    order_item: Mapped[OrderItem] = relationship()
