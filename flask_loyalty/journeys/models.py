"""Journeys: a trigger, then steps; each person's way through one is an enrolment.

A step is done for a person at most once: :class:`StepRun` is unique per
(enrolment, step), written in the same transaction as the email it queues, the
points it gives and the move of the enrolment to its next step.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship

from ..db import Base
from ..db import UTCDateTime
from ..outbox.models import OutboxMessage

# Triggers: what brings a person into a journey.
CONFIRMED = "confirmed"  # her newsletter subscription was confirmed
FIRST_ORDER = "first_order"
ANY_ORDER = "any_order"
NTH_ORDER = "nth_order"  # trigger_n: which order
BIRTHDAY = "birthday"
NO_ORDER = "no_order"  # trigger_n: days since her last order
MANUAL = "manual"  # the owner enters her by hand
SEGMENT = "segment"  # she joined a customer segment (``segment``)
TRIGGERS = (
    CONFIRMED,
    FIRST_ORDER,
    ANY_ORDER,
    NTH_ORDER,
    BIRTHDAY,
    NO_ORDER,
    SEGMENT,
    MANUAL,
)
ORDER_TRIGGERS = (FIRST_ORDER, ANY_ORDER, NTH_ORDER)

# Re-entry: how often one person may enter the same journey (never twice at once).
ONCE = "once"
YEARLY = "yearly"
EVERY_TIME = "every_time"
REENTRIES = (ONCE, YEARLY, EVERY_TIME)

# Step timing and actions.
AFTER_TRIGGER = "trigger"
AFTER_PREVIOUS = "previous"
EMAIL = "email"
POINTS = "points"
OFFER = "offer"
ACTIONS = (EMAIL, POINTS, OFFER)

# Enrolment states and why one ended.
ACTIVE = "active"
FINISHED = "finished"
EXITED = "exited"
UNSUBSCRIBED = "unsubscribed"
ORDERED = "ordered"
PAUSED = "paused"
ERROR = "error"  # her step failed (logged); she left so others go on

# What became of a step for a person.
SENT = "sent"
GIVEN = "given"
SKIPPED_NOT_SUBSCRIBED = "not_subscribed"
SKIPPED_TOPIC = "topic"
SKIPPED_NO_CUSTOMER = "no_customer"
SKIPPED_OFFER_USED_UP = "offer_used_up"
SKIPPED_SUPPRESSED = "suppressed"  # her address bounced, or she complained

# Why a step waits.
WAIT_CAP = "cap"
WAIT_SUBSCRIBER_PAUSED = "subscriber_paused"


class Journey(Base):
    """A sequence the owner sets up once: who enters, and the steps that follow."""

    __tablename__ = "loyalty_journeys"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    translations: Mapped[dict[str, dict[str, str]] | None] = mapped_column(sa.JSON)
    """The name in other languages than the default
    (:mod:`flask_loyalty.content_versions`)."""
    trigger: Mapped[str] = mapped_column(sa.String(20))
    trigger_n: Mapped[int | None] = mapped_column()
    """The n of "the n-th order", or the days of "no order for N days"."""
    segment: Mapped[str | None] = mapped_column(sa.String(32))
    """The segment whose new members enter (``flask_loyalty.segments``)."""
    segment_checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    """When its members were last compared; ``None``: the next look only notes
    who is in (people already in when it is switched on do not enter)."""
    reentry: Mapped[str] = mapped_column(sa.String(20), default=ONCE)
    exit_on_order: Mapped[bool] = mapped_column(default=False)
    """She leaves the journey when she orders (win-back, reminders)."""
    topic_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("loyalty_topics.id", ondelete="SET NULL"), index=True
    )
    """Its emails go only to subscribers of this topic (``None``: any subscriber)."""
    holdout_percent: Mapped[int] = mapped_column(default=0, server_default=sa.text("0"))
    """The share of eligible people (percent, 0 to 50) who get nothing from it,
    to compare with (:mod:`flask_loyalty.measure.holdout`)."""
    active: Mapped[bool] = mapped_column(default=False)
    paused_reason: Mapped[str | None] = mapped_column(sa.String(300))
    """Why the extension paused it by itself (an offer that no longer exists)."""
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    steps: Mapped[list[Step]] = relationship(
        back_populates="journey",
        order_by="Step.position",
        cascade="all, delete-orphan",
    )

    def __repr__(self) -> str:
        return f"<Journey {self.id} {self.name!r} {self.trigger}>"


class Step(Base):
    """One step: a delay after the trigger or the previous step, then an action."""

    __tablename__ = "loyalty_journey_steps"
    __table_args__ = (
        sa.CheckConstraint("delay_minutes >= 0", name="delay_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    journey_id: Mapped[int] = mapped_column(
        sa.ForeignKey("loyalty_journeys.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column()
    delay_minutes: Mapped[int] = mapped_column(default=0)
    after: Mapped[str] = mapped_column(sa.String(10), default=AFTER_PREVIOUS)
    at_minute: Mapped[int | None] = mapped_column()
    """Minute of the day in the shop's time zone it waits for (``None``: any time)."""
    action: Mapped[str] = mapped_column(sa.String(10), default=EMAIL)
    subject: Mapped[str | None] = mapped_column(sa.String(200))
    body: Mapped[str | None] = mapped_column(sa.Text)
    """Markdown with ``{{ first_name }}`` and ``{{ shop_name }}``."""
    translations: Mapped[dict[str, dict[str, str]] | None] = mapped_column(sa.JSON)
    """``subject`` and ``body`` in the shop's other languages
    (:mod:`flask_loyalty.content_versions`)."""
    suggest: Mapped[bool] = mapped_column(default=False)
    """Add products that go with her last order (from ``catalog_loader``)."""
    points: Mapped[int | None] = mapped_column()
    offer_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("loyalty_offers.id", ondelete="SET NULL"), index=True
    )

    journey: Mapped[Journey] = relationship(back_populates="steps")


class Enrolment(Base):
    """One person's way through a journey.

    ``entry_key`` (unique per journey) carries the re-entry rule: her id once, her
    id and the year, or her id and the event. ``active_key`` is her id while she is
    in the journey and ``NULL`` after, so she is never in it twice at once.
    """

    __tablename__ = "loyalty_journey_enrolments"
    __table_args__ = (
        sa.UniqueConstraint(
            "journey_id", "entry_key", name="uq_loyalty_journey_enrolments_entry_key"
        ),
        sa.UniqueConstraint(
            "journey_id", "active_key", name="uq_loyalty_journey_enrolments_active_key"
        ),
        sa.Index("ix_loyalty_journey_enrolments_due", "status", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    journey_id: Mapped[int] = mapped_column(
        sa.ForeignKey("loyalty_journeys.id", ondelete="CASCADE")
    )
    email: Mapped[str] = mapped_column(sa.String(254), index=True)
    customer_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("loyalty_customers.id", ondelete="SET NULL"), index=True
    )
    entry_key: Mapped[str] = mapped_column(sa.String(320))
    active_key: Mapped[str | None] = mapped_column(sa.String(320))
    status: Mapped[str] = mapped_column(sa.String(16), default=ACTIVE)
    exit_reason: Mapped[str | None] = mapped_column(sa.String(20))
    entered_at: Mapped[datetime] = mapped_column(UTCDateTime())
    next_step: Mapped[int] = mapped_column(default=0)
    """How many steps she has passed (the index of the next one)."""
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    waiting: Mapped[str | None] = mapped_column(sa.String(20))
    """Why the next step was put off (``cap``, ``subscriber_paused``)."""
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    journey: Mapped[Journey] = relationship()


class SegmentMember(Base):
    """Who was in a segment journey's segment at its last look, to tell who joined."""

    __tablename__ = "loyalty_journey_segment_members"

    journey_id: Mapped[int] = mapped_column(
        sa.ForeignKey("loyalty_journeys.id", ondelete="CASCADE"), primary_key=True
    )
    customer_id: Mapped[int] = mapped_column(
        sa.ForeignKey("loyalty_customers.id", ondelete="CASCADE"), primary_key=True
    )


class StepRun(Base):
    """A step done for one person: sent, given, or skipped with the reason."""

    __tablename__ = "loyalty_journey_step_runs"
    __table_args__ = (sa.UniqueConstraint("enrolment_id", "step_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(
        sa.ForeignKey("loyalty_journey_enrolments.id", ondelete="CASCADE")
    )
    step_id: Mapped[int] = mapped_column(
        sa.ForeignKey("loyalty_journey_steps.id", ondelete="CASCADE"), index=True
    )
    outcome: Mapped[str] = mapped_column(sa.String(20))
    outbox_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("loyalty_outbox.id", ondelete="SET NULL"), index=True
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime())

    outbox: Mapped[OutboxMessage | None] = relationship()
