from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship

from ..customers.models import Customer
from ..db import Base
from ..db import UTCDateTime
from ..orders.models import Order
from ..orders.models import OrderItem

REQUESTED = "requested"
APPROVED = "approved"
REJECTED = "rejected"
RECEIVED = "received"
REFUNDED = "refunded"
STATUSES = (REQUESTED, APPROVED, REJECTED, RECEIVED, REFUNDED)
OPEN = (REQUESTED, APPROVED, RECEIVED)

REASONS = ("changed_mind", "does_not_fit", "not_as_described", "damaged", "other")
RESOLUTIONS = ("original", "store_credit", "exchange")


class ReturnRequest(Base):
    """A customer's request to send items of one order back."""

    __tablename__ = "loyalty_return_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(sa.String(16), unique=True)
    """The return number she quotes (``R-7KQ2-M9XD``): short and unguessable."""
    order_id: Mapped[int] = mapped_column(
        sa.ForeignKey("loyalty_orders.id"), index=True
    )
    customer_id: Mapped[int] = mapped_column(
        sa.ForeignKey("loyalty_customers.id"), index=True
    )
    status: Mapped[str] = mapped_column(sa.String(16), index=True)
    reason: Mapped[str] = mapped_column(sa.String(32))
    comment: Mapped[str] = mapped_column(sa.String(1000), default="")
    resolution: Mapped[str] = mapped_column(sa.String(16))
    owner_message: Mapped[str] = mapped_column(sa.String(2000), default="")
    refund_reference: Mapped[str | None] = mapped_column(sa.String(64))
    """The ``refund_id`` given to ``record_refund`` when the refund was done."""
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    received_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    refunded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    order: Mapped[Order] = relationship()
    customer: Mapped[Customer] = relationship()
    items: Mapped[list[ReturnItem]] = relationship(
        back_populates="request", order_by="ReturnItem.id", cascade="all"
    )


class ReturnItem(Base):
    """How many of one order line a return request sends back."""

    __tablename__ = "loyalty_return_items"
    __table_args__ = (
        sa.UniqueConstraint("request_id", "order_item_id"),
        sa.CheckConstraint("quantity > 0", name="quantity_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(sa.ForeignKey("loyalty_return_requests.id"))
    order_item_id: Mapped[int] = mapped_column(
        sa.ForeignKey("loyalty_order_items.id"), index=True
    )
    quantity: Mapped[int] = mapped_column()

    request: Mapped[ReturnRequest] = relationship(back_populates="items")
    order_item: Mapped[OrderItem] = relationship()
