"""Every model of the extension, imported in one place so the metadata is complete."""

from __future__ import annotations

from .codes.models import DiscountCode
from .customers.models import Customer
from .newsletter.models import Campaign
from .newsletter.models import CampaignRecipient
from .newsletter.models import Subscriber
from .newsletter.models import SubscriberEvent
from .newsletter.models import Suppression
from .newsletter.models import Topic
from .orders.models import Order
from .orders.models import OrderItem
from .orders.models import Refund
from .orders.models import RefundItem
from .outbox.models import OutboxMessage
from .points.models import PointsAccount
from .points.models import PointsEntry
from .points.models import PointsNotice
from .points.models import Program
from .points.models import Tier

__all__ = [
    "Campaign",
    "CampaignRecipient",
    "Customer",
    "DiscountCode",
    "Order",
    "OrderItem",
    "OutboxMessage",
    "PointsAccount",
    "PointsEntry",
    "PointsNotice",
    "Program",
    "Refund",
    "RefundItem",
    "Subscriber",
    "SubscriberEvent",
    "Suppression",
    "Tier",
    "Topic",
]
