"""Every model of the extension, imported in one place so the metadata is complete."""

from __future__ import annotations

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

__all__ = [
    "Campaign",
    "CampaignRecipient",
    "Customer",
    "Order",
    "OrderItem",
    "OutboxMessage",
    "Refund",
    "RefundItem",
    "Subscriber",
    "SubscriberEvent",
    "Suppression",
    "Topic",
]
