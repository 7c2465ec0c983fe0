"""Every model of the extension, imported in one place so the metadata is complete."""

from __future__ import annotations

from .customers.models import Customer
from .orders.models import Order
from .orders.models import OrderItem
from .orders.models import Refund
from .orders.models import RefundItem
from .outbox.models import OutboxMessage

__all__ = ["Customer", "Order", "OrderItem", "OutboxMessage", "Refund", "RefundItem"]
