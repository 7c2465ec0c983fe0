from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship

from ..db import Base
from ..db import UTCDateTime
from ..outbox.models import OutboxMessage

PENDING = "pending"
CONFIRMED = "confirmed"
UNSUBSCRIBED = "unsubscribed"

DRAFT = "draft"
SCHEDULED = "scheduled"
BUILDING = "building"
SENT = "sent"

subscriber_topics = sa.Table(
    "loyalty_subscriber_topics",
    Base.metadata,
    sa.Column(
        "subscriber_id",
        sa.ForeignKey("loyalty_subscribers.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column(
        "topic_id",
        sa.ForeignKey("loyalty_topics.id", ondelete="CASCADE"),
        primary_key=True,
    ),
)

campaign_topics = sa.Table(
    "loyalty_campaign_topics",
    Base.metadata,
    sa.Column(
        "campaign_id",
        sa.ForeignKey("loyalty_campaigns.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column(
        "topic_id",
        sa.ForeignKey("loyalty_topics.id", ondelete="CASCADE"),
        primary_key=True,
    ),
)


class Topic(Base):
    """Something subscribers can choose to hear about ("new pieces", "sales")."""

    __tablename__ = "loyalty_topics"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(60), unique=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    description: Mapped[str | None] = mapped_column(sa.String(300))
    translations: Mapped[dict[str, dict[str, str]] | None] = mapped_column(sa.JSON)
    """Name and description in other languages than the default
    (:mod:`flask_loyalty.content_versions`)."""
    position: Mapped[int] = mapped_column(default=0)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    """A retired topic is no longer offered; existing choices are kept."""
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    def __repr__(self) -> str:
        return f"<Topic {self.slug!r}>"


class Subscriber(Base):
    """One address on the list, with the consent she gave and the topics she chose."""

    __tablename__ = "loyalty_subscribers"
    __table_args__ = (sa.Index("ix_loyalty_subscribers_status", "status", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    first_name: Mapped[str | None] = mapped_column(sa.String(100))
    locale: Mapped[str | None] = mapped_column(sa.String(16))
    """The language she subscribed in; her newsletters are written in it."""
    status: Mapped[str] = mapped_column(sa.String(16), default=PENDING)
    consent_text: Mapped[str] = mapped_column(sa.Text)
    """The exact sentence she agreed to, as shown to her."""
    consent_version: Mapped[str] = mapped_column(sa.String(40))
    consent_source: Mapped[str] = mapped_column(sa.String(500))
    """The page she subscribed on, or ``import: <what the owner stated>``."""
    consent_ip: Mapped[str | None] = mapped_column(sa.String(45))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    confirmation_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    unsubscribed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    paused_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_campaign_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    """When the last campaign was queued for her (the frequency cap)."""

    topics: Mapped[list[Topic]] = relationship(
        secondary=subscriber_topics, order_by="Topic.position"
    )

    def __repr__(self) -> str:
        return f"<Subscriber {self.id} {self.email!r} {self.status}>"


class SubscriberEvent(Base):
    """What happened to a subscription, for the owner's reports and data export."""

    __tablename__ = "loyalty_subscriber_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    subscriber_id: Mapped[int] = mapped_column(
        sa.ForeignKey("loyalty_subscribers.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(sa.String(30))
    campaign_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("loyalty_campaigns.id", ondelete="SET NULL"), index=True
    )
    detail: Mapped[str | None] = mapped_column(sa.String(500))
    at: Mapped[datetime] = mapped_column(UTCDateTime())


class Suppression(Base):
    """An address that must never be mailed by an import: only its hash is kept."""

    __tablename__ = "loyalty_suppressions"

    id: Mapped[int] = mapped_column(primary_key=True)
    email_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    reason: Mapped[str] = mapped_column(sa.String(30))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Campaign(Base):
    """A newsletter the owner writes in Markdown and sends to chosen topics."""

    __tablename__ = "loyalty_campaigns"

    id: Mapped[int] = mapped_column(primary_key=True)
    subject: Mapped[str] = mapped_column(sa.String(200))
    body: Mapped[str] = mapped_column(sa.Text)
    """Markdown; ``{{ first_name }}`` and ``{{ first_name or "friend" }}`` work."""
    translations: Mapped[dict[str, dict[str, str]] | None] = mapped_column(sa.JSON)
    """Subject and body in other languages than the default
    (:mod:`flask_loyalty.content_versions`)."""
    holdout_percent: Mapped[int] = mapped_column(default=0, server_default=sa.text("0"))
    """The share of eligible people (percent, 0 to 50) who get nothing from it,
    to compare with (:mod:`flask_loyalty.measure.holdout`)."""
    status: Mapped[str] = mapped_column(sa.String(16), default=DRAFT)
    send_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    topics: Mapped[list[Topic]] = relationship(
        secondary=campaign_topics, order_by="Topic.position"
    )

    def __repr__(self) -> str:
        return f"<Campaign {self.id} {self.subject!r} {self.status}>"


SKIPPED_CAP = "cap"
"""A campaign recipient skipped by the frequency cap."""
SKIPPED_SUPPRESSED = "suppressed"
"""A campaign recipient whose address bounced or complained."""
SKIPPED_HOLDOUT = "holdout"
"""A campaign recipient held out of it (its holdout share)."""


class CampaignRecipient(Base):
    """One subscriber's copy of a campaign: queued (with its outbox message), or
    skipped by the frequency cap or because her address is suppressed. Unique per
    campaign, so building resumes."""

    __tablename__ = "loyalty_campaign_recipients"
    __table_args__ = (sa.UniqueConstraint("campaign_id", "subscriber_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(
        sa.ForeignKey("loyalty_campaigns.id", ondelete="CASCADE")
    )
    subscriber_id: Mapped[int] = mapped_column(
        sa.ForeignKey("loyalty_subscribers.id", ondelete="CASCADE"), index=True
    )
    outbox_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("loyalty_outbox.id", ondelete="SET NULL"), index=True
    )
    skipped: Mapped[str | None] = mapped_column(sa.String(20))
    """Why no message was queued (:data:`SKIPPED_CAP`,
    :data:`SKIPPED_SUPPRESSED`), or ``None`` when one was."""

    outbox: Mapped[OutboxMessage | None] = relationship()
