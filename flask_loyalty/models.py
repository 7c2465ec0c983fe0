"""Every model of the extension, imported in one place so the metadata is complete."""

from __future__ import annotations

from .codes.models import CodeRedemption
from .codes.models import DiscountCode
from .copurchases.models import CoPurchase
from .customers.models import Customer
from .customers.models import MailRequest
from .customers.models import SignInLink
from .deliverability.models import MailEvent
from .journeys.models import Enrolment
from .journeys.models import Journey
from .journeys.models import SegmentMember
from .journeys.models import Step
from .journeys.models import StepRun
from .measure.models import HoldoutDecision
from .newsletter.models import Campaign
from .newsletter.models import CampaignRecipient
from .newsletter.models import Subscriber
from .newsletter.models import SubscriberEvent
from .newsletter.models import Suppression
from .newsletter.models import Topic
from .offers.models import Offer
from .offers.models import OfferGrant
from .orders.models import Order
from .orders.models import OrderItem
from .orders.models import Refund
from .orders.models import RefundItem
from .outbox.models import OutboxContent
from .outbox.models import OutboxMessage
from .points.models import PointsAccount
from .points.models import PointsEntry
from .points.models import PointsNotice
from .points.models import Program
from .points.models import Tier
from .policies.models import PolicyPage
from .policies.models import PolicyVersion
from .policies.models import ReturnRules
from .returns.models import ReturnItem
from .returns.models import ReturnRequest
from .segments.models import CampaignSegment
from .segments.models import SegmentSettings

__all__ = [
    "Campaign",
    "CampaignRecipient",
    "CampaignSegment",
    "CoPurchase",
    "CodeRedemption",
    "Customer",
    "SignInLink",
    "DiscountCode",
    "Enrolment",
    "HoldoutDecision",
    "Journey",
    "MailRequest",
    "MailEvent",
    "Offer",
    "OfferGrant",
    "Order",
    "OrderItem",
    "OutboxContent",
    "OutboxMessage",
    "PointsAccount",
    "PointsEntry",
    "PointsNotice",
    "PolicyPage",
    "PolicyVersion",
    "Program",
    "Refund",
    "RefundItem",
    "ReturnItem",
    "ReturnRequest",
    "ReturnRules",
    "SegmentMember",
    "SegmentSettings",
    "Step",
    "StepRun",
    "Subscriber",
    "SubscriberEvent",
    "Suppression",
    "Tier",
    "Topic",
]
